"""The Weibull distribution: lifetimes whose failure rate grows (or shrinks) as a power of the age.

Built, as in PyTorch, as a :class:`~minigan.distributions.transformed.TransformedDistribution`: a standard
exponential ``E`` through ``x -> x^(1/k)`` and ``x -> scale x``, that is ``X = scale E^(1/k)``. ``log_prob``,
``cdf``, ``icdf`` and ``rsample`` are the chain's (each step a composition of differentiable ops); the moments and
the entropy are written out."""
from __future__ import annotations

from .. import creation, ops
from ..autograd import Tensor
from . import constraints
from .exponential import Exponential
from .transformed import TransformedDistribution
from .transforms import AffineTransform, PowerTransform
from .utils import broadcast_all

_EULER_GAMMA = 0.5772156649015329


class Weibull(TransformedDistribution):
    """Density ``(k / scale) (x / scale)^(k-1) exp(-(x / scale)^k)`` on ``x > 0``: ``scale`` (> 0) stretches,
    ``concentration`` ``k`` (> 0) shapes (``k = 1`` is the exponential, ``k = 2`` the Rayleigh); Tensors or
    numbers, broadcast together.

    * ``rsample``: ``scale (-log(1 - u))^(1/k)`` for ``u = mg.rand(shape)`` (the exponential's draw, pushed through
      the chain); ``cdf(x) = 1 - exp(-(x / scale)^k)``, ``icdf(p) = scale (-log(1 - p))^(1/k)``.
    * mean ``scale Gamma(1 + 1/k)``, variance ``scale^2 (Gamma(1 + 2/k) - Gamma(1 + 1/k)^2)``,
      ``entropy = gamma (1 - 1/k) + log(scale / k) + 1`` (``gamma`` Euler's constant).
    * mode ``scale ((k - 1) / k)^(1/k)`` for ``k >= 1``, and ``0`` for ``k < 1``, where the density grows
      without bound at 0 (PyTorch's formula gives ``nan`` or a wrong number there)."""

    arg_constraints = {"scale": constraints.positive, "concentration": constraints.positive}
    support = constraints.positive

    def __init__(self, scale, concentration, validate_args: bool | None = None) -> None:
        self.scale, self.concentration = broadcast_all(type(self).__name__, scale=scale,
                                                       concentration=concentration)
        self.concentration_reciprocal = ops.reciprocal(self.concentration)
        base = Exponential(creation.ones_like(self.scale), validate_args=validate_args)
        transforms = [PowerTransform(self.concentration_reciprocal), AffineTransform(0, self.scale)]
        super().__init__(base, transforms, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None) -> "Weibull":
        new = type(self).__new__(type(self)) if _instance is None else _instance
        shape = tuple(batch_shape)
        new.scale, new.concentration = self.scale.expand(*shape), self.concentration.expand(*shape)
        new.concentration_reciprocal = ops.reciprocal(new.concentration)
        return super().expand(batch_shape, _instance=new)

    @property
    def mean(self) -> Tensor:
        return self.scale * ops.exp(ops.lgamma(1 + self.concentration_reciprocal))

    @property
    def mode(self) -> Tensor:
        k = self.concentration
        below_one = (k < 1).data
        k_safe = ops.where(below_one, 2.0, k)           # keeps the unused branch (and its gradient) finite
        mode = self.scale * ((k_safe - 1) / k_safe) ** ops.reciprocal(k_safe)
        return ops.where(below_one, 0.0, mode)

    @property
    def variance(self) -> Tensor:
        r = self.concentration_reciprocal
        return self.scale * self.scale * (ops.exp(ops.lgamma(1 + 2 * r)) - ops.exp(2 * ops.lgamma(1 + r)))

    def entropy(self) -> Tensor:
        r = self.concentration_reciprocal
        return _EULER_GAMMA * (1 - r) + ops.log(self.scale * r) + 1
