"""The exponential distribution: the waiting time of a process that forgets how long it has waited."""
from __future__ import annotations

from .. import creation, ops
from ..autograd import Tensor
from . import constraints
from .exp_family import ExponentialFamily
from .utils import broadcast_all, uniform


class Exponential(ExponentialFamily):
    """Density ``rate exp(-rate x)`` for ``x >= 0`` (``rate > 0``, a Tensor or a number).

    * ``rsample``: ``-log(1 - u) / rate`` with ``u = mg.rand(shape)``: the inverse of the cdf applied to a
      uniform draw (``-log1p(-u)`` is a standard exponential draw; dividing by ``rate`` rescales it).
    * ``log_prob(x) = log(rate) - rate x``; ``cdf(x) = 1 - exp(-rate x)``; ``icdf(p) = -log(1 - p) / rate``.
    * ``entropy = 1 - log(rate)``; mean and standard deviation ``1 / rate``, variance ``1 / rate^2``, mode 0."""

    arg_constraints = {"rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, rate, validate_args: bool | None = None) -> None:
        (self.rate,) = broadcast_all(type(self).__name__, rate=rate)
        super().__init__(self.rate.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return ops.reciprocal(self.rate)

    @property
    def mode(self) -> Tensor:
        return creation.zeros_like(self.rate)

    @property
    def stddev(self) -> Tensor:
        return ops.reciprocal(self.rate)

    @property
    def variance(self) -> Tensor:
        return ops.reciprocal(self.rate * self.rate)

    def rsample(self, sample_shape=()) -> Tensor:
        u = uniform(self._extended_shape(sample_shape), self.rate)
        return -ops.log1p(-u) / self.rate

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return ops.log(self.rate) - self.rate * value

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return 1 - ops.exp(-self.rate * value)

    def icdf(self, value: Tensor) -> Tensor:
        return -ops.log1p(-value) / self.rate

    def entropy(self) -> Tensor:
        return 1.0 - ops.log(self.rate)

    _mean_carrier_measure = 0

    @property
    def _natural_params(self) -> tuple[Tensor]:
        return (-self.rate,)

    def _log_normalizer(self, x: Tensor) -> Tensor:
        return -ops.log(-x)
