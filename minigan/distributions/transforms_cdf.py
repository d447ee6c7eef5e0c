"""CumulativeDistributionTransform: a distribution's cdf as a transform, as in ``torch.distributions.transforms``.

``y = F(x)`` carries any continuous law of one variable onto ``[0, 1]``; pushing the law's own samples through
it gives uniform ones (the probability integral transform), and ``F^-1`` (the ``icdf``) carries uniform numbers
back. Its derivative is the density, ``dF/dx = p(x)``, so ``log|dy/dx| = log_prob(x)``: a copula is a
``TransformedDistribution`` of a joint law through the marginals' cdfs."""
from __future__ import annotations

from . import constraints
from .distribution import Distribution
from .transform_base import Transform

__all__ = ["CumulativeDistributionTransform"]


class CumulativeDistributionTransform(Transform):
    """``y = distribution.cdf(x)``, inverse ``distribution.icdf(y)``, ``log|dy/dx| = distribution.log_prob(x)``.

    Domain: the distribution's support; codomain: the unit interval; increasing (``sign`` +1) and bijective.
    Gradients flow to ``x`` and to the distribution's parameters through its ``cdf``, ``icdf`` and
    ``log_prob``."""

    bijective = True
    codomain = constraints.unit_interval
    sign = +1

    def __init__(self, distribution, cache_size: int = 0) -> None:
        if not isinstance(distribution, Distribution):
            raise TypeError(f"CumulativeDistributionTransform: expected a Distribution, got "
                            f"{type(distribution).__name__}")
        super().__init__(cache_size=cache_size)
        self.distribution = distribution

    @property
    def domain(self):
        return self.distribution.support

    def _call(self, x):
        return self.distribution.cdf(x)

    def _inverse(self, y):
        return self.distribution.icdf(y)

    def log_abs_det_jacobian(self, x, y):
        return self.distribution.log_prob(x)

    def with_cache(self, cache_size: int = 1) -> Transform:
        if self._cache_size == cache_size:
            return self
        return CumulativeDistributionTransform(self.distribution, cache_size=cache_size)
