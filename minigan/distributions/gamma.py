"""The gamma distribution and the two laws built on it here: chi-squared (a gamma of rate 1/2) and Student's t
(a normal divided by the root of a chi-squared over its degrees of freedom).

Densities and entropies are compositions of minigan's differentiable ops (``lgamma``, ``digamma``, ``xlogy``,
``log1p``), so their gradients in every parameter, of any order, are those ops' backwards chained. ``rsample``
draws a standard gamma from minigan's generator and differentiates it in its concentration by implicit
reparameterisation (:mod:`.gamma_grad`): first derivatives only, as in PyTorch. ``Gamma.cdf`` is the regularised
lower incomplete gamma function, a ``Function`` of its own here (:class:`RegularizedGammaP`)."""
from __future__ import annotations

import math

import numpy as np

from .. import backend, creation, ops
from ..autograd import Function, Tensor
from . import constraints
from .distribution import Distribution
from .gamma_grad import StandardGammaGrad, regularized_gamma_p, standard_gamma_rsample
from .utils import broadcast_all, standard_normal

_HALF_LOG_PI = 0.5 * math.log(math.pi)


class Gamma(Distribution):
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
      ``torch.special.gammainc``), by :class:`RegularizedGammaP`: differentiable in ``x`` and ``rate`` (any
      order) and, unlike PyTorch's, in ``a`` too (first derivatives)."""

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


class RegularizedGammaP(Function):
    """``P(a, x) = γ(a, x) / Γ(a)``, the cdf of ``Gamma(a, 1)`` at ``x >= 0`` (``torch.special.gammainc``):
    ``(a, x) -> P``, shapes ``(*), (*) -> (*)`` (broadcast beforehand by :func:`regularized_gamma_p_op`).

    Forward: :func:`~minigan.distributions.gamma_grad.regularized_gamma_p` on raw arrays (in float64, cast to
    the inputs' dtype), ``1`` at ``x = inf``. Backward:

    * ``dP/dx`` is the density ``x^(a-1) e^-x / Γ(a)``, written with minigan's ops (``xlogy``, ``lgamma``,
      ``exp``), so it can be differentiated again, in ``x`` and in ``a``.
    * ``dP/da`` has no closed form, but the implicit-reparameterisation gradient of a gamma draw already holds
      it: ``dx/da = -(dP/da) / (dP/dx)`` at fixed ``P``, so ``dP/da = -(dx/da) * density``, with ``dx/da`` from
      :class:`~minigan.distributions.gamma_grad.StandardGammaGrad` (accurate to about 1e-12; first derivatives
      only: differentiating it again raises). ``0`` at ``x = 0``, where ``P`` is 0 for every ``a``. PyTorch
      raises instead (its ``igamma`` has no derivative in ``a``)."""

    @staticmethod
    def forward(ctx, a, x):
        ctx.save_for_backward(a, x)
        xp = backend.xp_of(x)
        at_inf = x == xp.inf
        p = regularized_gamma_p(a, xp.where(at_inf, 0.0, x))
        return xp.where(at_inf, 1.0, p).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, gy):
        a, x = ctx.saved_tensors
        density = ops.exp(ops.xlogy(a - 1, x) - x - ops.lgamma(a))
        ga = None
        if ctx.needs_input_grad[0]:
            at_zero = (x.data == 0) | backend.xp_of(x.data).isinf(x.data)     # P is flat in a there
            dp_da = -StandardGammaGrad.apply(a, x.data) * density
            ga = gy * (ops.where(at_zero, 0.0, dp_da) if bool(at_zero.any()) else dp_da)
        return ga, gy * density if ctx.needs_input_grad[1] else None


def regularized_gamma_p_op(a: Tensor, x: Tensor) -> Tensor:
    """``P(a, x)`` of two floating Tensors, brought to one shape and dtype first (by recorded ops: gradients
    reach both): see :class:`RegularizedGammaP`."""
    shape = np.broadcast_shapes(a.shape, x.shape)
    dtype = np.result_type(a.dtype, x.dtype)
    a, x = (ops.astype(t, dtype) if t.dtype != dtype else t for t in (a, x))
    a, x = (t if t.shape == shape else ops.broadcast_to(t, shape) for t in (a, x))
    return RegularizedGammaP.apply(a, x)
