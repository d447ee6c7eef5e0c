"""The Fisher-Snedecor (F) distribution: the ratio of two independent chi-squared variables, each divided by its
degrees of freedom; the law of the F statistic of an analysis of variance."""
from __future__ import annotations

import math

import numpy as np

from .. import ops
from ..autograd import Tensor
from . import constraints
from .distribution import Distribution
from .gamma_grad import standard_gamma_rsample
from .utils import broadcast_all


class FisherSnedecor(Distribution):
    """``F(d1, d2) = (V1 / d1) / (V2 / d2)`` for independent ``V_i ~ Chi2(d_i)``, with ``df1`` ``d1 > 0`` and
    ``df2`` ``d2 > 0`` (Tensors or numbers, broadcast together), on ``x > 0``.

    * ``log_prob(x) = lgamma((d1 + d2)/2) - lgamma(d1/2) - lgamma(d2/2) + d1/2 log(d1 / d2) + (d1/2 - 1) log x
      - (d1 + d2)/2 log1p(d1 x / d2)``.
    * ``rsample = X1 / X2`` with ``X_i ~ Gamma(d_i / 2, rate d_i)`` (``V_i / d_i`` with ``V_i ~ Chi2(d_i)``), two
      reparameterised gamma draws (:mod:`.gamma_grad`), so gradients reach both degrees of freedom. ``X2`` and
      the ratio are raised to the dtype's smallest normal number, as in PyTorch, so that no draw is 0 or ``inf``.
    * mean ``d2 / (d2 - 2)`` (``nan`` for ``d2 <= 2``); variance ``2 d2^2 (d1 + d2 - 2) / (d1 (d2 - 2)^2 (d2 - 4))``
      (``nan`` for ``d2 <= 4``); mode ``(d1 - 2) / d1 d2 / (d2 + 2)`` (``nan`` for ``d1 <= 2``), as PyTorch.
      No gradient reaches a ``df`` where the moment is ``nan``."""

    arg_constraints = {"df1": constraints.positive, "df2": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, df1, df2, validate_args: bool | None = None) -> None:
        self.df1, self.df2 = broadcast_all(type(self).__name__, df1=df1, df2=df2)
        super().__init__(self.df1.shape, validate_args=validate_args)

    @staticmethod
    def _nan_unless(valid, fn, x: Tensor, safe: float) -> Tensor:
        """``fn(x)`` where ``valid``, ``nan`` elsewhere (``fn`` evaluated at ``safe`` there: no nan gradient)."""
        return ops.where(valid, fn(ops.where(valid, x, safe)), math.nan)

    @property
    def mean(self) -> Tensor:
        return self._nan_unless((self.df2 > 2).data, lambda d2: d2 / (d2 - 2), self.df2, 3.0)

    @property
    def mode(self) -> Tensor:
        d1, d2 = self.df1, self.df2
        return self._nan_unless((d1 > 2).data, lambda a: (a - 2) / a * d2 / (d2 + 2), d1, 3.0)

    @property
    def variance(self) -> Tensor:
        d1 = self.df1
        return self._nan_unless((self.df2 > 4).data,
                                lambda d2: 2 * d2 * d2 * (d1 + d2 - 2) / (d1 * (d2 - 2) ** 2 * (d2 - 4)), self.df2, 5.0)

    def rsample(self, sample_shape=()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        tiny = float(np.finfo(self.df1.dtype).tiny)
        x1 = standard_gamma_rsample(self.df1 * 0.5, shape) / self.df1
        x2 = ops.clamp(standard_gamma_rsample(self.df2 * 0.5, shape) / self.df2, min=tiny)
        return ops.clamp(x1 / x2, min=tiny)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        h1, h2 = self.df1 * 0.5, self.df2 * 0.5
        ratio = self.df1 / self.df2
        log_norm = ops.lgamma(h1 + h2) - ops.lgamma(h1) - ops.lgamma(h2)
        return log_norm + h1 * ops.log(ratio) + (h1 - 1) * ops.log(value) - (h1 + h2) * ops.log1p(ratio * value)
