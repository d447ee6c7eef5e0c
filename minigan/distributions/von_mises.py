"""The von Mises distribution: the circle's normal law, for angles (wind directions, the phase of a cycle)."""
from __future__ import annotations

import math

import numpy as np

from .. import backend, creation, ops, special
from ..autograd import Tensor
from . import constraints
from .distribution import Distribution
from .utils import as_shape, broadcast_all

_LOG_2PI = math.log(2 * math.pi)


def _log_i0(k: Tensor) -> Tensor:
    """``log I0(k) = log(i0e(k)) + k``: the exponentially scaled Bessel function keeps it finite for large ``k``."""
    return ops.log(special.i0e(k)) + k


class VonMises(Distribution):
    """Density ``exp(κ cos(x - loc)) / (2π I0(κ))`` of an angle ``x``, with ``loc`` (an angle, any real) and
    ``concentration`` ``κ > 0`` (Tensors or numbers, broadcast together). ``loc`` and values are read modulo
    ``2π``; ``support`` is every real, as in PyTorch.

    * ``log_prob(x) = κ cos(x - loc) - log(2π) - log I0(κ)``, ``log I0(κ) = log(i0e(κ)) + κ``
      (:func:`minigan.special.i0e`: differentiable in ``κ`` through ``I0' = I1``).
    * mean and mode ``loc`` (the circular mean); variance ``1 - I1(κ) / I0(κ)`` (the circular variance, between
      0 and 1), computed as ``1 - i1e(κ) / i0e(κ)``.
    * ``sample``: the rejection sampler of Best & Fisher (1979) in float64 on the parameters' device, from
      minigan's generator; the angle is wrapped into ``[-π, π)``. A rejection sampler's draw is no smooth
      function of ``κ``: there is no ``rsample``, as in PyTorch.

    The sampler: with ``r = (1 + ρ^2) / (2ρ)``, ``ρ = (τ - sqrt(2τ)) / (2κ)``, ``τ = 1 + sqrt(1 + 4κ^2)`` (and
    ``r = 1/κ + κ`` for ``κ < 1e-5``, where that formula cancels), draw ``u1, u2, u3`` uniform, ``z = cos(π u1)``,
    ``f = (1 + r z) / (r + z)``, ``c = κ (r - f)``; accept when ``c (2 - c) > u2`` or ``log(c / u2) + 1 >= c``,
    and then the angle is ``sign(u3 - 1/2) arccos(f)`` about ``loc``."""

    arg_constraints = {"loc": constraints.real, "concentration": constraints.positive}
    support = constraints.real
    has_rsample = False

    def __init__(self, loc, concentration, validate_args: bool | None = None) -> None:
        self.loc, self.concentration = broadcast_all(type(self).__name__, loc=loc, concentration=concentration)
        super().__init__(self.loc.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        k = self.concentration
        return 1 - special.i1e(k) / special.i0e(k)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        k = self.concentration
        return k * ops.cos(value - self.loc) - _LOG_2PI - _log_i0(k)

    def _proposal_r(self, kappa):
        xp = backend.xp_of(kappa)
        tau = 1 + xp.sqrt(1 + 4 * kappa * kappa)
        rho = (tau - xp.sqrt(2 * tau)) / (2 * kappa)
        with np.errstate(divide="ignore", invalid="ignore"):
            r = (1 + rho * rho) / (2 * rho)
        return xp.where(kappa < 1e-5, 1 / kappa + kappa, r)

    def sample(self, sample_shape=()) -> Tensor:
        shape = self._extended_shape(as_shape(sample_shape))
        xp = backend.xp_of(self.loc.data)
        loc = xp.broadcast_to(self.loc.data.astype(xp.float64), shape)
        kappa = xp.broadcast_to(self.concentration.data.astype(xp.float64), shape)
        r = self._proposal_r(kappa)
        x = xp.zeros(shape, dtype=xp.float64)
        done = xp.zeros(shape, dtype=bool)
        while not bool(done.all()):
            u1, u2, u3 = creation.rand((3,) + shape, device=self.loc.device, dtype=np.float64).data
            z = xp.cos(math.pi * u1)
            f = (1 + r * z) / (r + z)
            c = kappa * (r - f)
            with np.errstate(divide="ignore", invalid="ignore"):
                accept = ((c * (2 - c) - u2) > 0) | (xp.log(c / u2) + 1 - c >= 0)
            accept &= ~done
            x = xp.where(accept, xp.sign(u3 - 0.5) * xp.arccos(xp.clip(f, -1.0, 1.0)), x)
            done |= accept
        wrapped = xp.mod(x + math.pi + loc, 2 * math.pi) - math.pi
        return Tensor(wrapped.astype(self.loc.dtype))
