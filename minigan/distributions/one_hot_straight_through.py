"""OneHotCategoricalStraightThrough: a one-hot categorical draw that lets a gradient through (Bengio, Léonard &
Courville 2013), as ``torch.distributions.OneHotCategoricalStraightThrough``."""
from __future__ import annotations

from ..autograd import Tensor
from .categorical import OneHotCategorical


class OneHotCategoricalStraightThrough(OneHotCategorical):
    """A :class:`OneHotCategorical` with an ``rsample``: the straight-through estimator.

    A one-hot draw is a step function of the probabilities: its true derivative is 0 almost everywhere. The
    straight-through estimator pretends, on the way back, that the draw was its own expectation ``probs``::

        rsample = sample + probs - probs.detach()

    The value is exactly the one-hot ``sample`` (``probs - probs.detach()`` is 0); the gradient of anything
    computed from it reaches ``probs`` (and so the logits) as if ``d sample / d probs`` were the identity. This is
    a biased estimate of the gradient of the expectation, but a useful one for discrete latent variables."""

    has_rsample = True

    def rsample(self, sample_shape=()) -> Tensor:
        sample = self.sample(sample_shape)
        probs = self._categorical.probs
        return sample + (probs - probs.detach())
