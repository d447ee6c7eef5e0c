"""The gamma distribution and the two laws built on it here: chi-squared (a gamma of rate 1/2) and Student's t
(a normal divided by the root of a chi-squared over its degrees of freedom).

Densities and entropies are compositions of minigan's differentiable ops (``lgamma``, ``digamma``, ``xlogy``,
``log1p``), so their gradients in every parameter, of any order, are those ops' backwards chained. ``rsample``
draws a standard gamma from minigan's generator and differentiates it in its concentration by implicit
reparameterisation (:mod:`.gamma_grad`): first derivatives only, as in PyTorch. ``Gamma.cdf`` is the regularised
lower incomplete gamma function, ``torch.special.gammainc``
(:class:`~minigan.ops.incomplete_gamma.RegularizedGammaP`)."""
from __future__ import annotations

import math

from .. import creation, ops
from ..autograd import Tensor
from . import constraints
from .distribution import Distribution
from .exp_family import ExponentialFamily
from ..ops.incomplete_gamma import regularized_gamma_p_op
from .gamma_grad import standard_gamma_rsample
from .utils import broadcast_all, standard_normal

_HALF_LOG_PI = 0.5 * math.log(math.pi)


class Gamma(ExponentialFamily):
    """Density ``rate^a x^(a-1) e^(-rate x) / Γ(a)`` for ``x >= 0``, with concentration (shape) ``a > 0`` and
    ``rate > 0`` (Tensors or numbers, broadcast together: the batch shape).

    * ``log_prob(x) = a log(rate) + (a - 1) log x - rate x - lgamma(a)`` (``xlogy``: ``0 log 0 = 0``).
    * ``entropy = a - log(rate) + lgamma(a) + (1 - a) ψ(a)``.
    * mean ``a / rate``, variance ``a / rate^2``, mode ``max(a - 1, 0) / rate``.
    * ``rsample = X / rate`` with ``X ~ Gamma(a, 1)`` drawn by minigan's generator
      (``backend.rng(device).standard_gamma``). ``dX/da`` is the implicit-reparameterisation gradient
      ``-(dF/da)/(dF/dx)`` of :mod:`.gamma_grad` (``F`` the regularised incomplete gamma), ``dX/d rate`` follows
      from the division. A draw that underflows is raised to the dtype's smallest normal number, as in
      PyTorch.
    * ``cdf(x) = P(a, rate x)``, the regularised lower incomplete gamma function (PyTorch's
      ``torch.special.gammainc``), by :class:`~minigan.ops.incomplete_gamma.RegularizedGammaP`: differentiable
      in ``x`` and ``rate`` (any order) and, unlike PyTorch's, in ``a`` too (first derivatives)."""

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, concentration, rate, validate_args: bool | None = None) -> None:
        self.concentration, self.rate = broadcast_all(type(self).__name__, concentration=concentration, rate=rate)
        super().__init__(self.concentration.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.rate

    @property
    def mode(self) -> Tensor:
        return ops.clamp(self.concentration - 1, min=0) / self.rate

    @property
    def variance(self) -> Tensor:
        return self.concentration / (self.rate * self.rate)

    def rsample(self, sample_shape=()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        return standard_gamma_rsample(self.concentration, shape) / self.rate

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        a, rate = self.concentration, self.rate
        return ops.xlogy(a, rate) + ops.xlogy(a - 1, value) - rate * value - ops.lgamma(a)

    def entropy(self) -> Tensor:
        a = self.concentration
        return a - ops.log(self.rate) + ops.lgamma(a) + (1 - a) * ops.digamma(a)

    _mean_carrier_measure = 0

    @property
    def _natural_params(self) -> tuple[Tensor, Tensor]:
        return (self.concentration - 1, -self.rate)

    def _log_normalizer(self, x: Tensor, y: Tensor) -> Tensor:
        return ops.lgamma(x + 1) + (x + 1) * ops.log(-ops.reciprocal(y))

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return regularized_gamma_p_op(self.concentration, self.rate * value)


class Chi2(Gamma):
    """The chi-squared law with ``df > 0`` degrees of freedom: the sum of ``df`` squared standard normals for a
    whole ``df``; ``Gamma(df / 2, 1 / 2)``, whose formulas it uses (``concentration`` and ``rate`` are read
    from ``df``). Mean ``df``, variance ``2 df``."""

    arg_constraints = {"df": constraints.positive}

    def __init__(self, df, validate_args: bool | None = None) -> None:
        (self.df,) = broadcast_all(type(self).__name__, df=df)
        Distribution.__init__(self, self.df.shape, validate_args=validate_args)

    @property
    def concentration(self) -> Tensor:
        return self.df * 0.5

    @property
    def rate(self) -> Tensor:
        return creation.full(self.df.shape, 0.5, device=self.df.device, dtype=self.df.dtype)


class StudentT(Distribution):
    """Student's t with ``df > 0`` degrees of freedom, location ``loc`` and ``scale > 0``: density
    ``Γ((df+1)/2) / (Γ(df/2) sqrt(df π) scale) (1 + y^2/df)^(-(df+1)/2)``, ``y = (x - loc) / scale``.

    * ``log_prob = -(df + 1)/2 log1p(y^2 / df) - log(scale) - log(df)/2 - log(π)/2 - lgamma(df/2)
      + lgamma((df + 1)/2)``.
    * ``entropy = log(scale) + (df + 1)/2 (ψ((df + 1)/2) - ψ(df/2)) + log(df)/2 + lgamma(df/2) + lgamma(1/2)
      - lgamma((df + 1)/2)``.
    * mean ``loc`` (``nan`` for ``df <= 1``); variance ``scale^2 df / (df - 2)`` for ``df > 2``, ``inf`` for
      ``1 < df <= 2``, ``nan`` for ``df <= 1``; mode ``loc``.
    * ``rsample = loc + scale Z / sqrt(V / df)``, ``Z ~ N(0, 1)`` (``mg.randn``) and ``V ~ Chi2(df)`` (a
      reparameterised gamma draw), so gradients reach ``df`` too."""

    arg_constraints = {"df": constraints.positive, "loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, df, loc=0.0, scale=1.0, validate_args: bool | None = None) -> None:
        self.df, self.loc, self.scale = broadcast_all(type(self).__name__, df=df, loc=loc, scale=scale)
        super().__init__(self.df.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return ops.where((self.df <= 1).data, math.nan, self.loc)

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        df = self.df.data
        safe_df = ops.where(df > 2, self.df, 3.0)          # keeps the unused branch finite (and its gradient 0)
        var = self.scale * self.scale * safe_df / (safe_df - 2)
        return ops.where(df <= 1, math.nan, ops.where(df <= 2, math.inf, var))

    def rsample(self, sample_shape=()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        z = standard_normal(shape, self.df)
        v = standard_gamma_rsample(self.df * 0.5, shape) * 2.0           # Chi2(df) = 2 Gamma(df / 2, 1)
        return self.loc + self.scale * z * ops.rsqrt(v / self.df)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        df = self.df
        y = (value - self.loc) / self.scale
        log_norm = (ops.log(self.scale) + 0.5 * ops.log(df) + _HALF_LOG_PI + ops.lgamma(0.5 * df)
                    - ops.lgamma(0.5 * (df + 1)))
        return -0.5 * (df + 1) * ops.log1p(y * y / df) - log_norm

    def entropy(self) -> Tensor:
        df = self.df
        half, half_up = 0.5 * df, 0.5 * (df + 1)
        log_beta = ops.lgamma(half) + math.lgamma(0.5) - ops.lgamma(half_up)
        return (ops.log(self.scale) + half_up * (ops.digamma(half_up) - ops.digamma(half)) + 0.5 * ops.log(df)
                + log_beta)
