"""The Cauchy (Lorentz) distribution: a bell with tails so heavy that it has no mean and no variance.

It is the law of the ratio of two independent zero-mean normals, and of ``loc + scale tan(pi (U - 1/2))`` for
a uniform ``U``: the inverse of its cdf applied to a uniform draw, which is how minigan samples it. Every
formula is a composition of minigan's differentiable ops (``log1p``, ``atan``, ``tan``), so gradients of any
order reach ``loc``, ``scale`` and the value."""
from __future__ import annotations

import math

from .. import creation, ops
from ..autograd import Tensor
from .normal import _LocScale
from .utils import uniform

_LOG_PI = math.log(math.pi)
_LOG_4PI = math.log(4 * math.pi)


class Cauchy(_LocScale):
    """Density ``1 / (pi scale (1 + ((x - loc) / scale)^2))``: ``loc`` is the median and mode, ``scale`` (> 0)
    the half width at half maximum; Tensors or numbers, broadcast together into the batch shape.

    * ``rsample``: ``loc + scale tan(pi (u - 1/2))`` with ``u = mg.rand(shape)``; differentiable in both.
    * ``log_prob(x) = -log(pi) - log(scale) - log1p(((x - loc) / scale)^2)``.
    * ``cdf(x) = atan((x - loc) / scale) / pi + 1/2``; ``icdf(p) = loc + scale tan(pi (p - 1/2))``.
    * ``entropy = log(4 pi) + log(scale)``.
    * ``mean`` is ``nan`` and ``variance`` ``inf`` (the integrals diverge), as in PyTorch; ``mode`` is ``loc``."""

    def _full(self, value: float) -> Tensor:
        return creation.full(self._extended_shape(), value, device=self.loc.device, dtype=self.loc.dtype)

    @property
    def mean(self) -> Tensor:
        return self._full(math.nan)

    @property
    def variance(self) -> Tensor:
        return self._full(math.inf)

    def rsample(self, sample_shape=()) -> Tensor:
        u = uniform(self._extended_shape(sample_shape), self.loc)
        return self.loc + ops.tan(math.pi * (u - 0.5)) * self.scale

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        z = (value - self.loc) / self.scale
        return -_LOG_PI - ops.log(self.scale) - ops.log1p(z * z)

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return ops.atan((value - self.loc) / self.scale) / math.pi + 0.5

    def icdf(self, value: Tensor) -> Tensor:
        return ops.tan(math.pi * (value - 0.5)) * self.scale + self.loc

    def entropy(self) -> Tensor:
        return _LOG_4PI + ops.log(self.scale)
