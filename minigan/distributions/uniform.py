"""The continuous uniform distribution on ``[low, high)``."""
from __future__ import annotations

import math

from .. import ops
from ..autograd import Tensor
from . import constraints
from .distribution import Distribution
from .utils import broadcast_all, uniform


class Uniform(Distribution):
    """Every value of ``[low, high)`` equally likely: density ``1 / (high - low)`` there, 0 outside.

    ``low < high`` (checked: each is constrained by the other); Tensors or numbers, broadcast together.

    * ``rsample``: ``low + u (high - low)`` with ``u = mg.rand(shape)``, differentiable in both bounds.
    * ``log_prob(x) = -log(high - low)`` inside, ``-inf`` outside (a value outside ``[low, high]`` is an
      error while ``validate_args`` is on; ``high`` itself passes the check and gets ``-inf``, as in PyTorch).
    * ``cdf(x) = clamp((x - low) / (high - low), 0, 1)``; ``icdf(p) = low + p (high - low)``.
    * ``entropy = log(high - low)``; mean ``(low + high) / 2``, variance ``(high - low)^2 / 12``; the mode is
      ``nan`` (every point is one)."""

    has_rsample = True

    def __init__(self, low, high, validate_args: bool | None = None) -> None:
        self.low, self.high = broadcast_all(type(self).__name__, low=low, high=high)
        super().__init__(self.low.shape, validate_args=validate_args)

    @property
    def arg_constraints(self) -> dict:
        return {"low": constraints.less_than(self.high), "high": constraints.greater_than(self.low)}

    @property
    def support(self):
        return constraints.interval(self.low, self.high)

    @property
    def mean(self) -> Tensor:
        return (self.high + self.low) / 2

    @property
    def mode(self) -> Tensor:
        return self.high * math.nan

    @property
    def stddev(self) -> Tensor:
        return (self.high - self.low) / math.sqrt(12)

    @property
    def variance(self) -> Tensor:
        w = self.high - self.low
        return w * w / 12

    def rsample(self, sample_shape=()) -> Tensor:
        u = uniform(self._extended_shape(sample_shape), self.low)
        return self.low + u * (self.high - self.low)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        inside = ((self.low <= value) & (self.high > value)).data
        return ops.where(inside, -ops.log(self.high - self.low), -math.inf)

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return ops.clamp((value - self.low) / (self.high - self.low), 0, 1)

    def icdf(self, value: Tensor) -> Tensor:
        return value * (self.high - self.low) + self.low

    def entropy(self) -> Tensor:
        return ops.log(self.high - self.low)
