"""HalfNormal and HalfCauchy: ``|X|`` for a normal or Cauchy ``X`` centred at 0, built (as in PyTorch) as a
:class:`~minigan.distributions.transformed.TransformedDistribution` of that ``X`` through
:class:`~minigan.distributions.transforms.AbsTransform`.

``|x|`` is two-to-one, so the change-of-variables rule has two branches: ``y`` comes from ``x = y`` and from
``x = -y``, each with ``|dy/dx| = 1``, and a density symmetric about 0 gives ``p_Y(y) = 2 p_X(y)`` on
``y >= 0``. The cdf folds the same way: ``F_Y(y) = P(-y <= X <= y) = 2 F_X(y) - 1``. These families write
those forms out (the general ``log_prob`` needs a bijection)."""
from __future__ import annotations

import math

from .. import creation, ops
from ..autograd import Tensor
from . import constraints
from .cauchy import Cauchy
from .normal import Normal
from .transformed import TransformedDistribution
from .transforms import AbsTransform
from .utils import broadcast_all

_LOG_2 = math.log(2)


class _Folded(TransformedDistribution):
    """``|X|`` for a base ``X`` symmetric about 0 with one parameter, ``scale`` (> 0)."""

    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _base: type

    def __init__(self, scale, validate_args: bool | None = None) -> None:
        (scale,) = broadcast_all(type(self).__name__, scale=scale)      # a bad type is named as this family's
        base = self._base(0, scale, validate_args=False)
        super().__init__(base, AbsTransform(), validate_args=validate_args)

    @property
    def scale(self) -> Tensor:
        return self.base_dist.scale

    @property
    def mode(self) -> Tensor:
        return creation.zeros_like(self.scale)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        log_prob = self.base_dist.log_prob(value) + _LOG_2
        return ops.where((value >= 0).data, log_prob, -math.inf)

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return 2 * self.base_dist.cdf(value) - 1

    def icdf(self, prob: Tensor) -> Tensor:
        return self.base_dist.icdf((prob + 1) / 2)

    def entropy(self) -> Tensor:
        """The base's entropy less ``log 2``: the density doubles on half the line."""
        return self.base_dist.entropy() - _LOG_2


class HalfNormal(_Folded):
    """``|X|`` for ``X ~ N(0, scale^2)``: density ``2 exp(-y^2 / (2 scale^2)) / (scale sqrt(2 pi))`` on
    ``y >= 0`` (``-inf`` log-density below 0). ``rsample = |scale * eps|``; ``cdf(y) = erf(y / (scale sqrt 2))``;
    mean ``scale sqrt(2 / pi)``, variance ``scale^2 (1 - 2 / pi)``, mode 0,
    ``entropy = log(scale sqrt(pi / 2)) + 1/2``."""

    _base = Normal

    @property
    def mean(self) -> Tensor:
        return self.scale * math.sqrt(2 / math.pi)

    @property
    def variance(self) -> Tensor:
        return self.scale * self.scale * (1 - 2 / math.pi)


class HalfCauchy(_Folded):
    """``|X|`` for ``X ~ Cauchy(0, scale)``: density ``2 / (pi scale (1 + (y / scale)^2))`` on ``y >= 0``.
    ``cdf(y) = 2 atan(y / scale) / pi``; ``entropy = log(2 pi scale)``; mode 0; mean and variance ``inf``
    (the integrals diverge)."""

    _base = Cauchy

    @property
    def mean(self) -> Tensor:
        return creation.full(self._extended_shape(), math.inf, device=self.scale.device, dtype=self.scale.dtype)

    @property
    def variance(self) -> Tensor:
        return self.base_dist.variance
