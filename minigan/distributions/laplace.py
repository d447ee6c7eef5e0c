"""The Laplace (double exponential) distribution: a sharp peak at ``loc`` and exponential tails."""
from __future__ import annotations

import math

import numpy as np

from .. import ops
from ..autograd import Tensor
from .normal import _LocScale
from .utils import uniform


class Laplace(_LocScale):
    """Density ``exp(-|x - loc| / scale) / (2 scale)`` (``scale > 0``; Tensors or numbers, broadcast).

    * ``rsample``: ``loc - scale sign(u) log(1 - |u|)`` with ``u`` uniform on ``[eps - 1, 1)`` (``eps`` the
      dtype's machine epsilon, so ``1 - |u| > 0``): the inverse cdf of a uniform draw, written around 0.
    * ``log_prob(x) = -log(2 scale) - |x - loc| / scale``.
    * ``cdf(x) = 1/2 - sign(x - loc) (exp(-|x - loc| / scale) - 1) / 2``;
      ``icdf(p) = loc - scale sign(p - 1/2) log(1 - 2 |p - 1/2|)``.
    * ``entropy = 1 + log(2 scale)``; mean and mode ``loc``, variance ``2 scale^2``."""

    @property
    def stddev(self) -> Tensor:
        return math.sqrt(2) * self.scale

    @property
    def variance(self) -> Tensor:
        return 2 * self.scale * self.scale

    def rsample(self, sample_shape=()) -> Tensor:
        eps = float(np.finfo(self.loc.dtype).eps)
        u = uniform(self._extended_shape(sample_shape), self.loc) * (2 - eps) + (eps - 1)
        return self.loc - self.scale * ops.sign(u) * ops.log1p(-ops.abs(u))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return -ops.log(2 * self.scale) - ops.abs(value - self.loc) / self.scale

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        d = value - self.loc
        return 0.5 - 0.5 * ops.sign(d) * ops.expm1(-ops.abs(d) / self.scale)

    def icdf(self, value: Tensor) -> Tensor:
        t = value - 0.5
        return self.loc - self.scale * ops.sign(t) * ops.log1p(-2 * ops.abs(t))

    def entropy(self) -> Tensor:
        return 1 + ops.log(2 * self.scale)
