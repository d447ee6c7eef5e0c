"""The inverse gamma distribution: the law of ``1 / X`` for a gamma ``X``; the conjugate prior of a normal's
variance.

Built, as in PyTorch, as a :class:`~minigan.distributions.transformed.TransformedDistribution`: a
:class:`~minigan.distributions.Gamma` through :class:`~minigan.distributions.transforms.PowerTransform` ``(-1)``.
``log_prob``, ``cdf``, ``icdf`` and ``rsample`` are the chain's (``rsample`` is the gamma's reparameterised draw,
inverted); the moments and the entropy are written out."""
from __future__ import annotations

import math

from .. import creation, ops
from ..autograd import Tensor
from . import constraints
from .gamma import Gamma
from .transformed import TransformedDistribution
from .transforms import PowerTransform
from .utils import broadcast_all


class InverseGamma(TransformedDistribution):
    """Density ``rate^a / Γ(a) x^(-a-1) e^(-rate / x)`` on ``x > 0``, with ``concentration`` ``a > 0`` and
    ``rate > 0`` (Tensors or numbers, broadcast together): ``X = 1 / G``, ``G ~ Gamma(a, rate)``.

    * ``log_prob(x) = Gamma.log_prob(1 / x) - 2 log x`` (the change of variables through ``x -> 1 / x``).
    * ``cdf(x) = 1 - Gamma.cdf(1 / x)`` (the map decreases); ``rsample = 1 / Gamma(a, rate).rsample()``.
    * mean ``rate / (a - 1)`` for ``a > 1`` (``inf`` otherwise); variance ``rate^2 / ((a - 1)^2 (a - 2))`` for
      ``a > 2`` (``inf`` otherwise): no gradient reaches ``a`` where a moment is infinite. Mode ``rate / (a + 1)``.
    * ``entropy = a + log(rate) + lgamma(a) - (1 + a) ψ(a)``."""

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, concentration, rate, validate_args: bool | None = None) -> None:
        concentration, rate = broadcast_all(type(self).__name__, concentration=concentration, rate=rate)
        # (the base is checked after this distribution, so that a bad argument is reported as InverseGamma's)
        base = Gamma(concentration, rate, validate_args=False)
        minus_one = creation.full((), -1.0, device=rate.device, dtype=rate.dtype)
        super().__init__(base, PowerTransform(minus_one), validate_args=validate_args)
        self.base_dist._validate_args = self._validate_args

    def expand(self, batch_shape, _instance=None) -> "InverseGamma":
        new = type(self).__new__(type(self)) if _instance is None else _instance
        return super().expand(batch_shape, _instance=new)

    @property
    def concentration(self) -> Tensor:
        return self.base_dist.concentration

    @property
    def rate(self) -> Tensor:
        return self.base_dist.rate

    def _where_finite(self, finite_above: float, fn) -> Tensor:
        """``fn(a)`` where ``a > finite_above``, ``inf`` elsewhere (``fn`` evaluated at a harmless ``a`` there,
        so that no ``inf`` or ``nan`` reaches a gradient)."""
        infinite = (self.concentration <= finite_above).data
        a = ops.where(infinite, finite_above + 1.0, self.concentration)
        return ops.where(infinite, math.inf, fn(a))

    @property
    def mean(self) -> Tensor:
        return self._where_finite(1.0, lambda a: self.rate / (a - 1))

    @property
    def mode(self) -> Tensor:
        return self.rate / (self.concentration + 1)

    @property
    def variance(self) -> Tensor:
        return self._where_finite(2.0, lambda a: self.rate * self.rate / ((a - 1) ** 2 * (a - 2)))

    def entropy(self) -> Tensor:
        a = self.concentration
        return a + ops.log(self.rate) + ops.lgamma(a) - (1 + a) * ops.digamma(a)
