"""The Kumaraswamy distribution on ``[0, 1]``: shaped like a Beta, but with a cdf and an inverse cdf in closed
form, so its draws are reparameterised with no special functions.

Built, as in PyTorch, as a :class:`~minigan.distributions.transformed.TransformedDistribution`: a uniform ``U`` on
``[0, 1]`` through ``x -> x^(1/b)``, ``x -> 1 - x`` and ``x -> x^(1/a)``, that is ``X = (1 - U^(1/b))^(1/a)``.
``log_prob``, ``cdf``, ``icdf`` and ``rsample`` are the chain's; the moments, the mode and the entropy are
written out."""
from __future__ import annotations

import math

from .. import creation, ops
from ..autograd import Tensor
from . import constraints
from .transformed import TransformedDistribution
from .transforms import AffineTransform, PowerTransform
from .uniform import Uniform
from .utils import broadcast_all

_EULER_GAMMA = 0.5772156649015329


def _moment(a: Tensor, b: Tensor, n: int) -> Tensor:
    """``E[X^n] = b B(1 + n/a, b) = b Gamma(1 + n/a) Gamma(b) / Gamma(1 + b + n/a)``, through ``lgamma``."""
    t = 1 + n / a
    return b * ops.exp(ops.lgamma(t) + ops.lgamma(b) - ops.lgamma(t + b))


class Kumaraswamy(TransformedDistribution):
    """Density ``a b x^(a-1) (1 - x^a)^(b-1)`` on ``[0, 1]``, ``a = concentration1`` and ``b = concentration0``
    (both > 0; Tensors or numbers, broadcast together).

    * ``rsample``: ``(1 - u^(1/b))^(1/a)`` for ``u = mg.rand(shape)``; ``cdf(x) = 1 - (1 - x^a)^b``.
    * mean ``E[X]`` and variance ``E[X^2] - E[X]^2`` with ``E[X^n] = b B(1 + n/a, b)`` (``B`` the beta function).
    * ``entropy = (1 - 1/b) + (1 - 1/a) H_b - log a - log b``, ``H_b = digamma(b + 1) + gamma`` the ``b``-th
      harmonic number.
    * mode ``((a - 1) / (a b - 1))^(1/a)`` where ``a >= 1`` and ``b >= 1`` (``nan`` elsewhere and at
      ``a = b = 1``, where no single point is most likely). PyTorch 2.13 gives ``nan`` for every ``a, b``."""

    arg_constraints = {"concentration1": constraints.positive, "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, concentration1, concentration0, validate_args: bool | None = None) -> None:
        self.concentration1, self.concentration0 = broadcast_all(
            type(self).__name__, concentration1=concentration1, concentration0=concentration0)
        base = Uniform(creation.zeros_like(self.concentration0), creation.ones_like(self.concentration0),
                       validate_args=validate_args)
        transforms = [PowerTransform(ops.reciprocal(self.concentration0)), AffineTransform(1.0, -1.0),
                      PowerTransform(ops.reciprocal(self.concentration1))]
        super().__init__(base, transforms, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None) -> "Kumaraswamy":
        new = type(self).__new__(type(self)) if _instance is None else _instance
        shape = tuple(batch_shape)
        new.concentration1 = self.concentration1.expand(*shape)
        new.concentration0 = self.concentration0.expand(*shape)
        return super().expand(batch_shape, _instance=new)

    @property
    def mean(self) -> Tensor:
        return _moment(self.concentration1, self.concentration0, 1)

    @property
    def mode(self) -> Tensor:
        a, b = self.concentration1, self.concentration0
        undefined = ((a < 1) | (b < 1)).data
        a, b = ops.where(undefined, 2.0, a), ops.where(undefined, 2.0, b)     # the unused branch kept finite
        log_mode = (ops.log(a - 1) - ops.log(a * b - 1)) / a
        return ops.where(undefined, math.nan, ops.exp(log_mode))

    @property
    def variance(self) -> Tensor:
        m = self.mean
        return _moment(self.concentration1, self.concentration0, 2) - m * m

    def entropy(self) -> Tensor:
        a, b = self.concentration1, self.concentration0
        harmonic = ops.digamma(b + 1) + _EULER_GAMMA
        return (1 - ops.reciprocal(b)) + (1 - ops.reciprocal(a)) * harmonic - ops.log(a) - ops.log(b)
