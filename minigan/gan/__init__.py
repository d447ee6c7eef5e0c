"""The GAN, end to end, built only from minigan's public API.

* :mod:`~minigan.gan.models`: the fully connected GAN, a DCGAN sized by the image, the course's
  28x28 DCGAN (:func:`build_models`).
* :mod:`~minigan.gan.losses`: the discriminator loss (with one-sided label smoothing), the minimax,
  non-saturating and maximum-likelihood generator losses, and WGAN-GP — all from logits.
* :mod:`~minigan.gan.trainer`: the two-phase :class:`Trainer` (checkpoints, exact resume, NaN stop).
* :mod:`~minigan.gan.metrics`: confident fraction, class histogram / mode collapse, Fréchet distance,
  read by a small digit classifier (:mod:`~minigan.gan.classifier`).

``minigan gan train`` and ``minigan gan sample`` (:mod:`~minigan.gan.cli`) drive it from the shell.
"""
from .losses import (LOSSES, discriminator_loss, generator_loss, gradient_penalty, max_likelihood_loss,  # noqa: F401
                     minimax_loss, non_saturating_loss, wgan_gp_d_loss, wgan_gp_g_loss)
from .models import MODELS, build_models, dcgan_init_  # noqa: F401
from .trainer import GANConfig, GANDiverged, Trainer, generate  # noqa: F401
