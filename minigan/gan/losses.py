"""GAN losses, all from D's logits ``a`` (``D(x) = sigmoid(a)``), all numerically stable.

Goodfellow's NIPS 2016 tutorial (sec. 3.2), with ``softplus(a) = log(1 + e^a)``, so that
``-log D = softplus(-a)`` and ``-log(1 - D) = softplus(a)`` are finite for any logit:

* discriminator  ``J(D) = -1/2 E_x log D(x) - 1/2 E_z log(1 - D(G(z)))``
  ``= 1/2 mean softplus(-a_real) + 1/2 mean softplus(a_fake)``; with one-sided label smoothing the
  real target is ``t = 0.9`` instead of 1 (``softplus(a) - t a``); fakes always keep target 0.
* generator, three choices (per-sample derivative in the logit ``a = logit(D(G(z)))``):

  ==================  ====================================  ==========================
  ``minimax``         ``J(G) = -J(D) = -1/2 E softplus(a)``   ``-sigmoid(a) / 2``
  ``non_saturating``  ``J(G) = -1/2 E log D = 1/2 E softplus(-a)``  ``-(1 - sigmoid(a)) / 2``
  ``max_likelihood``  ``J(G) = -1/2 E exp(a)``               ``-exp(a) / 2``
  ==================  ====================================  ==========================

  (minimax drops J(D)'s real-data term, which does not depend on G.) Where D easily spots a fake
  (``a`` very negative), minimax and maximum likelihood give almost no gradient, non-saturating
  gives about ``-1/2``: the tutorial's Fig. 16, and why non-saturating is the default.
* ``wgan_gp`` (Gulrajani et al. 2017): D is a critic with an unbounded score,
  ``L_D = E D(G(z)) - E D(x) + lambda E (||grad_x D(x_hat)|| - 1)^2`` on random interpolates
  ``x_hat``, ``L_G = -E D(G(z))``. The penalty differentiates D's input gradient, so its backward
  runs the backward of conv and conv_transpose backwards again (``create_graph=True``).
"""
from __future__ import annotations

import minigan as mg
import minigan.nn.functional as F

__all__ = ["LOSSES", "GENERATOR_LOSSES", "MAX_LIKELIHOOD_LOGIT_CAP", "discriminator_loss", "generator_loss",
           "minimax_loss", "non_saturating_loss", "max_likelihood_loss", "gradient_penalty", "wgan_gp_d_loss",
           "wgan_gp_g_loss"]

GENERATOR_LOSSES = ("non_saturating", "minimax", "max_likelihood")
LOSSES = GENERATOR_LOSSES + ("wgan_gp",)

# exp(a) overflows float32 at a ~ 88.7; beyond this cap the max-likelihood loss is held constant
# (D is then so sure the fake is real that G has nothing to learn from this sample anyway).
MAX_LIKELIHOOD_LOGIT_CAP = 30.0


def discriminator_loss(real_logits, fake_logits, smooth: float = 0.0):
    """``J(D) = 1/2 mean BCE(a_real, 1 - smooth) + 1/2 mean BCE(a_fake, 0)``.

    ``real_logits (N, 1)``, ``fake_logits (M, 1)`` -> scalar. ``smooth = 0.1`` is one-sided label
    smoothing: real targets 0.9, fakes never smoothed (smoothing them would reward G's mistakes)."""
    if not 0.0 <= smooth < 1.0:
        raise ValueError(f"discriminator_loss: smooth must be in [0, 1), got {smooth}")
    real_target = mg.full(tuple(real_logits.shape), 1.0 - smooth, device=real_logits.device, dtype=real_logits.dtype)
    fake_target = mg.zeros(*fake_logits.shape, device=fake_logits.device, dtype=fake_logits.dtype)
    return 0.5 * F.binary_cross_entropy_with_logits(real_logits, real_target) + \
        0.5 * F.binary_cross_entropy_with_logits(fake_logits, fake_target)


def minimax_loss(fake_logits):
    """``J(G) = -J(D)``'s part that depends on G: ``1/2 E log(1 - D(G(z))) = -1/2 mean softplus(a)``."""
    return -0.5 * F.softplus(fake_logits).mean()


def non_saturating_loss(fake_logits):
    """``J(G) = -1/2 E log D(G(z)) = 1/2 mean softplus(-a)``."""
    return 0.5 * F.softplus(-fake_logits).mean()


def max_likelihood_loss(fake_logits):
    """``J(G) = -1/2 E exp(a)``, with ``a`` capped at :data:`MAX_LIKELIHOOD_LOGIT_CAP` so exp never
    overflows (the gradient is 0 for a sample above the cap)."""
    capped = mg.clamp(fake_logits, max=MAX_LIKELIHOOD_LOGIT_CAP)
    return -0.5 * mg.exp(capped).mean()


_GENERATOR = {"minimax": minimax_loss, "non_saturating": non_saturating_loss,
              "max_likelihood": max_likelihood_loss}


def generator_loss(fake_logits, kind: str = "non_saturating"):
    """The generator loss ``kind`` (one of :data:`GENERATOR_LOSSES`) of D's logits on fakes."""
    if kind not in _GENERATOR:
        raise ValueError(f"generator_loss: unknown loss {kind!r}; choose one of {', '.join(GENERATOR_LOSSES)}")
    return _GENERATOR[kind](fake_logits)


# --------------------------------------------------------------------------- WGAN-GP
def gradient_penalty(D, real, fake, weight: float = 10.0, eps=None):
    """``weight * E (||grad_x D(x_hat)||_2 - 1)^2`` with ``x_hat = e x + (1 - e) G(z)``, ``e ~ U(0, 1)``
    per sample (or the given ``eps (N, 1, 1, 1)``). ``real``, ``fake`` ``(N, C, H, W)`` -> scalar.

    The input gradient is taken with ``create_graph=True``, so the penalty's own backward reaches
    D's parameters through it (a second derivative)."""
    if tuple(real.shape) != tuple(fake.shape):
        raise ValueError(f"gradient_penalty: real {real.shape} and fake {fake.shape} must have the same shape")
    n = real.shape[0]
    if eps is None:
        eps = mg.rand(n, *([1] * (real.ndim - 1)), device=real.device, dtype=real.dtype)
    x_hat = (eps * real.detach() + (1 - eps) * fake.detach()).detach()
    x_hat.requires_grad_(True)
    with mg.enable_grad():  # the penalty IS a gradient: it needs D's graph even inside no_grad
        (g,) = mg.grad(D(x_hat).sum(), x_hat, create_graph=True)
    # sqrt(sum g^2 + tiny): the norm's derivative g/|g| is undefined at g = 0; the tiny term keeps it finite
    norm = mg.sqrt((g * g).reshape(n, -1).sum(axis=1) + 1e-12)
    return weight * ((norm - 1) ** 2).mean()


def wgan_gp_d_loss(D, real, fake, real_scores=None, fake_scores=None, weight: float = 10.0):
    """Critic loss ``E D(fake) - E D(real) + gradient_penalty``; pass the scores if already computed."""
    real_scores = D(real) if real_scores is None else real_scores
    fake_scores = D(fake) if fake_scores is None else fake_scores
    return fake_scores.mean() - real_scores.mean() + gradient_penalty(D, real, fake, weight)


def wgan_gp_g_loss(fake_scores):
    """Generator loss ``-E D(G(z))``."""
    return -fake_scores.mean()
