"""The normal (Gaussian) distribution, and the log-normal: the law of ``exp(X)`` for a normal ``X``.

Every formula is a composition of minigan's differentiable ops (``log``, ``erf``, ``erfinv``, ...), so the
gradients of ``log_prob``, ``cdf``, ``entropy`` and ``rsample`` with respect to ``loc`` and ``scale`` are
those ops' backwards chained, of any order."""
from __future__ import annotations

import math

from .. import ops
from ..autograd import Tensor
from . import constraints
from .distribution import Distribution
from .exp_family import ExponentialFamily
from .utils import broadcast_all, standard_normal

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


class _LocScale(Distribution):
    """A location-scale family on the real line (:class:`Normal`, :class:`~minigan.distributions.Laplace`,
    :class:`~minigan.distributions.Cauchy`): ``loc`` (any real) and ``scale`` (> 0), Tensors or numbers broadcast
    together into the batch shape; the mode is ``loc``, and so is the mean where there is one (not Cauchy's)."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc, scale, validate_args: bool | None = None) -> None:
        self.loc, self.scale = broadcast_all(type(self).__name__, loc=loc, scale=scale)
        super().__init__(self.loc.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc


class Normal(_LocScale, ExponentialFamily):
    """``N(loc, scale^2)``: density ``exp(-(x - loc)^2 / (2 scale^2)) / (scale sqrt(2 pi))``.

    ``loc`` (any real) and ``scale`` (> 0) are Tensors or numbers, broadcast together; their shape is the
    batch shape, and one outcome is a number (event shape ``()``).

    * ``rsample``: ``loc + scale * eps`` with ``eps = mg.randn(shape)``: the reparameterisation trick.
      ``d sample / d loc = 1`` and ``d sample / d scale = eps``: the noise does not depend on the parameters,
      so the gradient of an expectation is the expectation of the gradient.
    * ``log_prob(x) = -(x - loc)^2 / (2 scale^2) - log(scale) - log(2 pi) / 2``.
    * ``cdf(x) = (1 + erf((x - loc) / (scale sqrt 2))) / 2``; ``icdf(p) = loc + scale sqrt 2 erfinv(2p - 1)``.
    * ``entropy = 1/2 + log(2 pi) / 2 + log(scale)``."""

    @property
    def stddev(self) -> Tensor:
        return self.scale

    @property
    def variance(self) -> Tensor:
        return self.scale * self.scale

    def rsample(self, sample_shape=()) -> Tensor:
        eps = standard_normal(self._extended_shape(sample_shape), self.loc)
        return self.loc + eps * self.scale

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        z = (value - self.loc) / self.scale
        return -0.5 * z * z - ops.log(self.scale) - _HALF_LOG_2PI

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 * (1 + ops.erf((value - self.loc) / (self.scale * math.sqrt(2))))

    def icdf(self, value: Tensor) -> Tensor:
        return self.loc + self.scale * ops.erfinv(2 * value - 1) * math.sqrt(2)

    def entropy(self) -> Tensor:
        return 0.5 + _HALF_LOG_2PI + ops.log(self.scale)

    _mean_carrier_measure = 0

    @property
    def _natural_params(self) -> tuple[Tensor, Tensor]:
        return (self.loc / (self.scale * self.scale), -0.5 / (self.scale * self.scale))

    def _log_normalizer(self, x: Tensor, y: Tensor) -> Tensor:
        return -0.25 * x * x / y + 0.5 * ops.log(-math.pi / y)


class LogNormal(Distribution):
    """The law of ``Y = exp(X)`` with ``X ~ N(loc, scale^2)``: a positive quantity whose log is normal.

    A change of variables: ``log_prob(y) = normal.log_prob(log y) - log y`` (``-log y`` is the log of
    ``|dx/dy| = 1/y``); ``cdf(y) = normal.cdf(log y)``, ``icdf(p) = exp(normal.icdf(p))``,
    ``entropy = normal.entropy + loc``, ``rsample = exp(loc + scale * eps)``. Mean ``exp(loc + scale^2 / 2)``,
    mode ``exp(loc - scale^2)``, variance ``(exp(scale^2) - 1) exp(2 loc + scale^2)``. (PyTorch builds it as a
    ``TransformedDistribution``; minigan writes it out.)"""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, loc, scale, validate_args: bool | None = None) -> None:
        self.loc, self.scale = broadcast_all(type(self).__name__, loc=loc, scale=scale)
        super().__init__(self.loc.shape, validate_args=validate_args)

    @property
    def base_dist(self) -> Normal:
        """The normal law of ``log Y``."""
        return Normal(self.loc, self.scale, validate_args=False)

    @property
    def mean(self) -> Tensor:
        return ops.exp(self.loc + self.scale * self.scale / 2)

    @property
    def mode(self) -> Tensor:
        return ops.exp(self.loc - self.scale * self.scale)

    @property
    def variance(self) -> Tensor:
        s2 = self.scale * self.scale
        return ops.expm1(s2) * ops.exp(2 * self.loc + s2)

    def rsample(self, sample_shape=()) -> Tensor:
        return ops.exp(self.base_dist.rsample(sample_shape))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        x = ops.log(value)
        return self.base_dist.log_prob(x) - x

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return self.base_dist.cdf(ops.log(value))

    def icdf(self, value: Tensor) -> Tensor:
        return ops.exp(self.base_dist.icdf(value))

    def entropy(self) -> Tensor:
        return self.base_dist.entropy() + self.loc
