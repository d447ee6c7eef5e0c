"""The regularised incomplete gamma functions, as ``torch.special`` has them: ``gammainc(a, x) = P(a, x)``, the
lower one ``γ(a, x) / Γ(a)`` (the cdf of ``Gamma(a, 1)`` at x), and ``gammaincc(a, x) = Q(a, x) = 1 - P``, the
upper one ``Γ(a, x) / Γ(a)``; and, on the same array code, the implicit-reparameterisation gradient of a standard
gamma draw in its concentration (used by :mod:`minigan.distributions.gamma_grad`).

Both are computed from one of two classic forms (Numerical Recipes, ch. 6.2), which share the prefactor
``e^L = x^a e^-x / Γ(a)``:

* ``x < a + 1``: the series ``P = e^L S``, ``S = Σ_n t_n``, ``t_0 = 1/a``, ``t_n = t_(n-1) x / (a + n)``. Every
  term is positive: no cancellation in ``S``.
* ``x >= a + 1``: the continued fraction ``Q = e^L C``, ``C = 1/(b_0 - a_1/(b_1 - a_2/(b_2 - ...)))`` with
  ``b_k = x + 2k + 1 - a``, ``a_k = k (k - a)``, evaluated from the bottom up at a fixed depth.

Each gives one of P, Q directly, to its own relative accuracy; the other is ``1 - `` it, which loses nothing where
it is the larger of the two. One case needs more: for ``a < 1`` and small x, Q is close to 1 only in appearance
(``Q(0.001, 0.5) = 5.6e-4``); there ``Q = -expm1(a log x - lgamma(1 + a)) - (x^a / Γ(1 + a)) a Σ_(n>=1)
(-x)^n / (n! (a + n))``, from ``γ(a, x) = x^a Σ_n (-x)^n / (n! (a + n))``, keeps it to its own size.

**The gradient of a gamma draw.** Holding a draw's quantile ``u = P(a, x)`` fixed, ``dx/da = -(dP/da) / (dP/dx)``
(Figurnov et al. 2018), ``dP/dx = x^(a-1) e^-x / Γ(a)`` the density. Both derivatives share ``e^L``, so their
ratio needs no exponential at all: each form is carried with its derivative in ``a`` (forward mode), giving
``dx/da = -x ((log x - ψ(a)) S + S')`` with ``t_n' = -t_n Σ_(k<=n) 1/(a + k)``, and
``dx/da = x ((log x - ψ(a)) C + C')``.

Both forms need about ``sqrt(a)`` terms where ``x`` is near ``a``: the series runs until its terms stop counting
(at most ``_MAX_TERMS``) and the fraction's depth grows with ``sqrt(a)``. Against a 50-digit reference (mpmath)
the values and the gradient are accurate to about 1e-12 relative for ``a`` from 1e-3 to 1e5; past ``a = 1e6``
the number of terms is capped and the accuracy is not claimed."""
from __future__ import annotations

import math

import numpy as np

from .. import backend
from ..autograd import Function, Tensor
from ._util import floating_operands
from .arithmetic import _quietly, exp, where
from .pointwise import xlogy
from .shape import broadcast_to
from .special import _digamma_array, _hurwitz_zeta, _lgamma_array, lgamma

__all__ = ["gammainc", "gammaincc", "regularized_gamma_p", "regularized_gamma_q", "standard_gamma_grad"]

_MAX_TERMS = 20_000
_TOL = 1e-17
_EULER_GAMMA = 0.5772156649015329
# log Γ(1 + a) = -γ a + Σ_(k>=2) (-1)^k ζ(k) a^k / k, for |a| < 1/2 (60 terms: 2^-60 < 1e-18)
_LOG_GAMMA_1P = [(-1) ** k * float(_hurwitz_zeta(np.ones(1), k)[0]) / k for k in range(2, 62)]


def _series(a, x):
    """``(S, S')`` of the series form (see the module's docstring), for ``x < a + 1``."""
    xp = backend.xp_of(a)
    t = 1 / a
    harmonic = 1 / a                  # Σ_(k<=n) 1/(a + k)
    s, ds = t.copy(), -t * harmonic
    for n in range(1, _MAX_TERMS):
        t = t * x / (a + n)
        harmonic = harmonic + 1 / (a + n)
        s = s + t
        ds = ds - t * harmonic
        if bool(xp.all(t * (1 + harmonic) <= _TOL * (s + xp.abs(ds)))):
            break
    return s, ds


def _continued_fraction(a, x):
    """``(C, C')`` of the continued-fraction form (see the module's docstring), for ``x >= a + 1``."""
    xp = backend.xp_of(a)
    depth = 100 + int(6 * math.sqrt(float(xp.max(a)))) if a.size else 1
    depth = min(depth, _MAX_TERMS)
    t, dt = x + 2 * depth + 1 - a, -xp.ones_like(a)             # T_depth = b_depth
    for k in range(depth - 1, -1, -1):
        ak, dak = (k + 1) * (k + 1 - a), -(k + 1.0)             # a_(k+1) and its d/da
        # T_k = b_k - a_(k+1) / T_(k+1)
        t, dt = x + 2 * k + 1 - a - ak / t, -1 - dak / t + ak * dt / (t * t)
    return 1 / t, -dt / (t * t)


def _split(a, x):
    """``a``, ``x`` broadcast together (float64), and the mask of where the series form is used."""
    xp = backend.xp_of(a)
    a, x = xp.broadcast_arrays(xp.asarray(a, dtype=xp.float64), xp.asarray(x, dtype=xp.float64))
    return a, x, x < a + 1


def standard_gamma_grad(a, x):
    """``dx/da`` of a standard gamma draw ``x`` of concentration ``a``, holding its cdf fixed (arrays of one
    device, broadcast together; float64 out). At ``x = 0`` (an underflowed draw) it is 0."""
    xp = backend.xp_of(a)
    a, x, low = _split(a, x)
    out = xp.zeros(a.shape)
    with _quietly():
        log_x = xp.log(x)
        shift = log_x - _digamma_array(a)
        if bool(low.any()):
            s, ds = _series(a[low], x[low])
            out[low] = -x[low] * (shift[low] * s + ds)
        if bool((~low).any()):
            c, dc = _continued_fraction(a[~low], x[~low])
            out[~low] = x[~low] * (shift[~low] * c + dc)
    return xp.where(x > 0, out, 0.0)


def _log_gamma_1p(a):
    """``log Γ(1 + a)`` for ``0 < a < 1``, to its own relative size also for tiny ``a`` (about ``-γ a``), where
    ``lgamma(1 + a)`` would first round ``a`` away: the Taylor series below 1/2, lgamma from there on."""
    xp = backend.xp_of(a)
    s = xp.minimum(a, 0.5)
    total = xp.zeros_like(s)
    for c in reversed(_LOG_GAMMA_1P):
        total = (total + c) * s
    series = (total - _EULER_GAMMA) * s
    return xp.where(a < 0.5, series, _lgamma_array(1 + a))


def _q_small_a(a, x):
    """``Q(a, x)`` for ``a < 1``, ``x < a + 1`` (so ``x < 2``), without the cancellation of ``1 - P``: see the
    module's docstring. 40 terms of the alternating series (``2^40 / 40!`` is below 1e-35)."""
    xp = backend.xp_of(a)
    with _quietly():
        log_lead = a * xp.log(x) - _log_gamma_1p(a)
        term, total = xp.ones_like(x), xp.zeros_like(x)
        for n in range(1, 41):
            term = term * (-x) / n
            total = total + term / (a + n)
        return -xp.expm1(log_lead) - xp.exp(log_lead) * a * total


def _regularized_gamma(a, x, upper: bool):
    """``P(a, x)`` (``upper`` False) or ``Q(a, x)`` (True) for ``a > 0``, ``x >= 0`` finite: the form that gives
    the smaller of the two directly, the other as ``1 -`` it (see the module's docstring)."""
    xp = backend.xp_of(a)
    a, x, low = _split(a, x)
    out = xp.zeros(a.shape)
    with _quietly():
        log_prefactor = a * xp.log(x) - x - _lgamma_array(a)
        if bool(low.any()):
            p = xp.exp(log_prefactor[low]) * _series(a[low], x[low])[0]
            out[low] = 1 - p if upper else p
            small = low & (a < 1) & (x > 0)
            if upper and bool(small.any()):
                out[small] = _q_small_a(a[small], x[small])
        if bool((~low).any()):
            q = xp.exp(log_prefactor[~low]) * _continued_fraction(a[~low], x[~low])[0]
            out[~low] = q if upper else 1 - q
    return xp.where(x > 0, out, 1.0 if upper else 0.0)


def regularized_gamma_p(a, x):
    """``P(a, x) = γ(a, x) / Γ(a)``, the cdf of a standard gamma of concentration ``a`` at ``x >= 0`` (arrays of
    one device; float64 out): ``e^L S`` for ``x < a + 1``, ``1 - e^L C`` above."""
    return _regularized_gamma(a, x, False)


def regularized_gamma_q(a, x):
    """``Q(a, x) = Γ(a, x) / Γ(a) = 1 - P(a, x)`` (arrays of one device; float64 out), accurate also where it is
    tiny (``Q(1, 700) = e^-700``): ``e^L C`` for ``x >= a + 1``, ``1 - e^L S`` below (or, for ``a < 1``, the
    small-a form of the module's docstring)."""
    return _regularized_gamma(a, x, True)


class StandardGammaGrad(Function):
    """``dx/da`` of a standard gamma draw (see :func:`standard_gamma_grad`), cast to ``a``'s dtype. It is not
    differentiable: its backward raises ``NotImplementedError``."""

    @staticmethod
    def forward(ctx, a, x):
        return standard_gamma_grad(a, x).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, gy):
        raise NotImplementedError("the derivative of the standard gamma sample's gradient (a second derivative "
                                  "of a gamma rsample in its concentration) is not implemented")


class RegularizedGammaP(Function):
    """``P(a, x)`` (``upper`` False: ``torch.special.gammainc``, the cdf of ``Gamma(a, 1)``) or ``Q(a, x) = 1 - P``
    (``upper`` True: ``gammaincc``): ``(a, x) -> P or Q``, shapes ``(*), (*) -> (*)`` (broadcast beforehand).

    Forward: :func:`regularized_gamma_p` / :func:`regularized_gamma_q` on raw arrays (in float64, cast to the
    inputs' dtype); P is 1 and Q 0 at ``x = inf`` and, as limits, at ``a = 0`` for ``x > 0``. With ``strict``,
    nan elsewhere outside the domain ``a > 0``, ``x >= 0`` (as PyTorch); without, as the gamma cdf, P = 0 below
    ``x = 0``. Backward (Q's is minus P's):

    * ``dP/dx`` is the density ``x^(a-1) e^-x / Γ(a)``, written with minigan's ops (``xlogy``, ``lgamma``,
      ``exp``), so it can be differentiated again, in ``x`` and in ``a``.
    * ``dP/da`` has no closed form, but the implicit-reparameterisation gradient of a gamma draw already holds
      it: ``dx/da = -(dP/da) / (dP/dx)`` at fixed ``P``, so ``dP/da = -(dx/da) * density``, with ``dx/da`` from
      :class:`StandardGammaGrad` (accurate to about 1e-12; first derivatives only: differentiating it again
      raises). ``0`` at ``x = 0``, where ``P`` is 0 for every ``a``. PyTorch raises instead (its ``igamma`` has
      no derivative in ``a``)."""

    @staticmethod
    def forward(ctx, a, x, upper=False, strict=False):
        ctx.save_for_backward(a, x)
        ctx.upper = upper
        xp = backend.xp_of(x)
        at_inf = x == xp.inf
        a_zero = (a == 0) & (x > 0)                      # the limit a -> 0: all the mass at 0, P = 1
        bad = ((a <= 0) & ~a_zero) | xp.isnan(a) | (x < 0) | xp.isnan(x) | ((a == xp.inf) & at_inf)
        a_inf = (a == xp.inf) & ~bad
        safe = ~(at_inf | a_inf | a_zero | (bad if strict else False))
        y = _regularized_gamma(xp.where(safe, a, 1.0), xp.where(safe, x, 0.0), upper)
        y = xp.where(at_inf | a_zero, 0.0 if upper else 1.0, xp.where(a_inf, 1.0 if upper else 0.0, y))
        if strict:
            y = xp.where(bad, xp.nan, y)
        return y.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, gy):
        a, x = ctx.saved_tensors
        density = exp(xlogy(a - 1, x) - x - lgamma(a))
        sign = -1.0 if ctx.upper else 1.0
        ga = None
        if ctx.needs_input_grad[0]:
            at_zero = (x.data == 0) | backend.xp_of(x.data).isinf(x.data)     # P is flat in a there
            dp_da = -StandardGammaGrad.apply(a, x.data) * density
            ga = gy * (where(at_zero, 0.0, dp_da) if bool(at_zero.any()) else dp_da) * sign
        return ga, gy * density * sign if ctx.needs_input_grad[1] else None


def floating_pair(op: str, a, b) -> tuple[Tensor, Tensor]:
    """Two operands of a binary special function (Tensors or numbers, at least one a Tensor) as Tensors of one
    floating dtype (integers give float32) and one shape, brought there by recorded ops so gradients reach
    both; a clear error when the shapes do not broadcast (:func:`~minigan.ops._util.floating_operands`)."""
    a, b = floating_operands(op, a, b)
    shape = np.broadcast_shapes(a.shape, b.shape)
    return tuple(t if t.shape == shape else broadcast_to(t, shape) for t in (a, b))


def regularized_gamma_p_op(a: Tensor, x: Tensor) -> Tensor:
    """``P(a, x)`` of two floating Tensors as the gamma cdf needs it (0 below ``x = 0``), brought to one shape and
    dtype first (by recorded ops: gradients reach both): see :class:`RegularizedGammaP`."""
    a, x = floating_pair("gammainc", a, x)
    return RegularizedGammaP.apply(a, x, False, False)


def gammainc(input, other) -> Tensor:
    """The regularised lower incomplete gamma function ``P(a, x) = γ(a, x) / Γ(a) = ∫_0^x t^(a-1) e^-t dt / Γ(a)``
    with ``a = input``, ``x = other`` (broadcast together), as ``torch.special.gammainc``: 0 at ``x = 0``, 1 at
    ``x = inf``, nan for ``a < 0`` or ``x < 0`` (at ``a = 0``, the limit 1). Integers give float32.
    Differentiable in ``x`` (any order) and, unlike PyTorch's, in ``a`` (first derivatives): see
    :class:`RegularizedGammaP`."""
    a, x = floating_pair("gammainc", input, other)
    return RegularizedGammaP.apply(a, x, False, True)


def gammaincc(input, other) -> Tensor:
    """The regularised upper incomplete gamma function ``Q(a, x) = Γ(a, x) / Γ(a) = 1 - P(a, x)``, as
    ``torch.special.gammaincc``, accurate also where it is tiny (``Q(2, 800) = 801 e^-800``) or where ``P`` is near
    1 for small ``a``. Integers give float32; gradients as :func:`gammainc`'s, negated."""
    a, x = floating_pair("gammaincc", input, other)
    return RegularizedGammaP.apply(a, x, True, True)
