"""The generalized Pareto distribution: the law of the excesses over a high threshold (extreme-value theory).
Its special cases are the exponential (``concentration = 0``), the Pareto (``concentration > 0``) and the
uniform (``concentration = -1``)."""
from __future__ import annotations

import math

from .. import backend, ops
from ..autograd import Tensor
from . import constraints
from .distribution import Distribution
from .utils import broadcast_all, uniform

_ZERO_ATOL = 1e-8          # a concentration this close to 0 takes the exponential formulas (PyTorch's isclose)


class GeneralizedPareto(Distribution):
    """``loc`` (real), ``scale`` (> 0) and ``concentration`` ``ξ`` (real), Tensors or numbers broadcast together.
    With ``z = (x - loc) / scale``, the survival function is ``(1 + ξ z)^(-1/ξ)`` (``e^(-z)`` for ``ξ = 0``) on
    ``z >= 0``, and also ``z <= -1/ξ`` when ``ξ < 0``: ``support`` is ``interval(loc, loc - scale / ξ)`` for
    ``ξ < 0`` and ``interval(loc, inf)`` otherwise, per element.

    * ``log_prob(x) = -log(scale) - (1/ξ + 1) log1p(ξ z)`` (``-log(scale) - z`` for ``ξ = 0``; the second term is
      0 where ``1/ξ + 1 = 0``, the uniform, even at the upper end).
    * ``cdf(x) = -expm1(log S(x))``, ``log S = -log1p(ξ z) / ξ`` (``-z`` for ``ξ = 0``);
      ``icdf(u) = loc + scale expm1(-ξ log1p(-u)) / ξ`` (``loc - scale log1p(-u)`` for ``ξ = 0``).
    * ``rsample = icdf(u)``, ``u = mg.rand(shape)``: differentiable in all three parameters.
    * mean ``loc + scale / (1 - ξ)`` for ``ξ < 1``, variance ``scale^2 / ((1 - ξ)^2 (1 - 2ξ))`` for ``ξ < 1/2``
      (``nan`` otherwise, as PyTorch; no gradient reaches ``ξ`` there); mode ``loc``;
      ``entropy = log(scale) + ξ + 1``.

    ``ξ`` counts as 0 where ``|ξ| <= 1e-8`` (PyTorch's ``isclose(ξ, 0)``); the other branch is evaluated at
    ``ξ = 1`` there, so no ``0 / 0`` reaches a gradient."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive, "concentration": constraints.real}
    has_rsample = True

    def __init__(self, loc, scale, concentration, validate_args: bool | None = None) -> None:
        self.loc, self.scale, self.concentration = broadcast_all(type(self).__name__, loc=loc, scale=scale,
                                                                 concentration=concentration)
        super().__init__(self.loc.shape, validate_args=validate_args)

    @property
    def support(self):
        xp = backend.xp_of(self.loc.data)
        c, lo = self.concentration.data, self.loc.data
        negative = c < 0
        with_end = lo - self.scale.data / xp.where(negative, c, -1.0)
        return constraints.interval(self.loc.detach(), Tensor(xp.where(negative, with_end, math.inf)))

    def _safe_concentration(self):
        """``(is_zero, ξ with 1 where it counts as 0)``."""
        is_zero = (ops.abs(self.concentration) <= _ZERO_ATOL).data
        return is_zero, ops.where(is_zero, 1.0, self.concentration)

    def _z(self, value: Tensor) -> Tensor:
        return (value - self.loc) / self.scale

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        z = self._z(value)
        is_zero, c = self._safe_concentration()
        power = 1 / c + 1
        flat = (power == 0).data
        nonzero = ops.where(flat, 0.0, power * ops.log1p(c * z))
        return -ops.log(self.scale) - ops.where(is_zero, z, nonzero)

    def log_survival_function(self, value: Tensor) -> Tensor:
        """``log P(X > value)``."""
        if self._validate_args:
            self._validate_sample(value)
        z = self._z(value)
        is_zero, c = self._safe_concentration()
        return ops.where(is_zero, -z, -ops.log1p(c * z) / c)

    def log_cdf(self, value: Tensor) -> Tensor:
        """``log P(X <= value) = log(-expm1(log S))``."""
        return ops.log(self.cdf(value))

    def cdf(self, value: Tensor) -> Tensor:
        return -ops.expm1(self.log_survival_function(value))

    def icdf(self, value: Tensor) -> Tensor:
        is_zero, c = self._safe_concentration()
        log_u = ops.log1p(-value)
        return ops.where(is_zero, self.loc - self.scale * log_u, self.loc + self.scale / c * ops.expm1(-c * log_u))

    def rsample(self, sample_shape=()) -> Tensor:
        return self.icdf(uniform(self._extended_shape(sample_shape), self.loc))

    @property
    def mean(self) -> Tensor:
        valid = (self.concentration < 1).data
        c = ops.where(valid, self.concentration, 0.5)
        return ops.where(valid, self.loc + self.scale / (1 - c), math.nan)

    @property
    def variance(self) -> Tensor:
        valid = (self.concentration < 0.5).data
        c = ops.where(valid, self.concentration, 0.25)
        return ops.where(valid, self.scale * self.scale / ((1 - c) ** 2 * (1 - 2 * c)), math.nan)

    @property
    def mode(self) -> Tensor:
        return self.loc

    def entropy(self) -> Tensor:
        return ops.log(self.scale) + self.concentration + 1
