"""The gamma function's family, as ``torch.special`` has it: lgamma (``log |Γ(x)|``), digamma ``ψ`` (lgamma's
derivative), polygamma ``ψ⁽ⁿ⁾`` (ψ's n-th derivative) and mvlgamma (the multivariate log-gamma); and the
entropy helper entr (``-x log x``). xlog1py (``x log(1 + y)``) is xlogy's twin, in
:mod:`minigan.ops.pointwise`.

The family is a chain of derivatives, ``lgamma' = ψ``, ``ψ⁽ⁿ⁾' = ψ⁽ⁿ⁺¹⁾``, so each backward is the next member
of the chain (one Function, :class:`Polygamma`, for every order), and double backward comes for free.

The forwards are array code (NumPy or CuPy) in float64, whatever the input's dtype (the result is cast back),
built from the classic expansions (Abramowitz & Stegun ch. 6; Bernoulli numbers ``B_2k``):

* lgamma: near 1 and 2, where lgamma is 0 and only a series keeps the error relative, the Taylor series about 2
  whose coefficients are ``ζ(k) - 1``; from 2.5 on, Lanczos' approximation; below 0, the reflection formula
  ``Γ(x) Γ(1 - x) = π / sin(πx)``. At 0 and the negative integers (the poles) it is +inf, as in PyTorch.
* digamma: the recurrence ``ψ(x) = ψ(x + 1) - 1/x`` lifts x to 10 or more, where the asymptotic series
  ``ψ(x) ~ log x - 1/(2x) - Σ B_2k / (2k x^2k)`` reaches float64's precision; below 0, the reflection
  ``ψ(x) = ψ(1 - x) - π cot(πx)``.
* polygamma, n >= 1: ``ψ⁽ⁿ⁾(x) = (-1)^(n+1) n! ζ(n + 1, x)``, with Hurwitz's zeta ``ζ(s, q) = Σ_k (q + k)^-s``
  summed by Euler-Maclaurin; below 0, the reflection formula differentiated n times.
"""
from __future__ import annotations

import functools
import math
from fractions import Fraction

import numpy as np

from .. import backend
from ..autograd import Function, Tensor
from ._util import as_floating
from .arithmetic import _quietly, log
from .shape import unsqueeze
from .reduction import sum as _sum

__all__ = ["lgamma", "digamma", "polygamma", "mvlgamma", "entr"]

_EULER_GAMMA = 0.5772156649015329


def _bernoulli(n: int) -> list[Fraction]:
    """The Bernoulli numbers ``B_0 .. B_n`` as exact fractions (the Akiyama-Tanigawa algorithm; only the even ones
    are used here, so the sign convention of ``B_1`` does not matter)."""
    a, out = [Fraction(0)] * (n + 1), []
    for m in range(n + 1):
        a[m] = Fraction(1, m + 1)
        for j in range(m, 0, -1):
            a[j - 1] = j * (a[j - 1] - a[j])
        out.append(a[0])
    return out


_B = _bernoulli(24)


def in_float64(array_fn, x, *args):
    """``array_fn(x as float64, *args)``, cast back to x's dtype: the special functions are computed in float64
    (their expansions are tuned to it) and rounded once at the end for float32 and float16."""
    y = array_fn(x.astype(np.float64, copy=False), *args)
    with _quietly():                            # what overflows float32 is inf, as in PyTorch
        return y.astype(x.dtype, copy=False)


def offset_from_integer(x):
    """``x - round(x)``, in [-0.5, 0.5] and exact: the argument that ``sin(πx)``, ``cot(πx)`` need (they have
    period 1 up to a sign), without the error ``π x`` would bring for large x. 0 exactly at the integers."""
    with _quietly():                            # ±inf give nan
        return x - backend.xp_of(x).round(x)


def cot_pi(r):
    """``cot(πr)`` for ``r`` in [-0.5, 0.5] (see :func:`offset_from_integer`): ``1 / tan(πr)`` near 0, and near
    ±1/2, where it is small, ``±tan(π (1/2 - |r|))`` (``1/2 - |r|`` is exact), so that ``cot(π/2)`` is 0 and
    not the 6e-17 that ``1 / tan(π/2)`` gives. inf at 0."""
    xp = backend.xp_of(r)
    a = xp.abs(r)
    with _quietly():
        return xp.where(a > 0.25, xp.sign(r) * xp.tan(math.pi * (0.5 - a)), 1 / xp.tan(math.pi * r))


# ----------------------------------------------------------------------------- lgamma
# Lanczos' approximation, g = 7 with 9 terms: Γ(x) = √(2π) t^(x - 1/2) e^(-t) A(x), t = x + g - 1/2,
# A(x) = p_0 + Σ p_i / (x - 1 + i); relative error about 5e-15 for x >= 2.5.
_LANCZOS_G = 7.0
_LANCZOS = (0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
            -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
            1.5056327351493116e-7)
_SERIES_TERMS = 30      # the series about 2 on |z| <= 1/2: its k-th term is about 4^-k / k


@functools.lru_cache(maxsize=None)
def _lgamma_series_coefficients() -> tuple[float, ...]:
    """``c_k`` of ``lgamma(2 + z) = Σ_k c_k z^k``: ``c_1 = 1 - γ``, ``c_k = (-1)^k (ζ(k) - 1) / k`` (from
    ``lgamma(1 + z) = -γz + Σ (-1)^k ζ(k) z^k / k`` and ``log(1 + z)``). ``ζ(k) - 1`` is Hurwitz's ``ζ(k, 2)``."""
    zeta_2 = [float(_hurwitz_zeta(np.array(2.0), k)) for k in range(2, _SERIES_TERMS + 1)]
    return (1 - _EULER_GAMMA,) + tuple((-1) ** k * z / k for k, z in zip(range(2, _SERIES_TERMS + 1), zeta_2))


def _lgamma_positive(x):
    """lgamma for ``x > 0`` (and +inf, nan), float64. The series about 2 on [1.5, 2.5); below, the recurrence
    ``lgamma(x) = lgamma(x + 1) - log x`` brings x into that range (once on [0.5, 1.5), twice below 0.5); from
    2.5 on, Lanczos' formula, written so that nothing overflows before the result does."""
    xp = backend.xp_of(x)
    big = x >= 2.5
    z = xp.where(x >= 1.5, x - 2, xp.where(x >= 0.5, x - 1, x))     # exact, in [-0.5, 0.5)
    z = xp.where(big, 0.0, z)
    series = xp.zeros_like(z)
    for c in reversed(_lgamma_series_coefficients()):
        series = (series + c) * z
    with _quietly():
        shift = xp.where(x >= 1.5, 0.0, xp.where(x >= 0.5, xp.log(x), xp.log(x) + xp.log1p(x)))
        b = xp.where(big, x, 2.5)
        a = xp.full_like(b, _LANCZOS[0])
        for i in range(1, len(_LANCZOS)):
            a += _LANCZOS[i] / (b + (i - 1))
        t = b + (_LANCZOS_G - 0.5)
        # (b - 1/2) log t - t  =  (b - 1/2)(log t - 1) - g: the same, without an overflow of b log b
        lanczos = 0.5 * math.log(2 * math.pi) + (b - 0.5) * (xp.log(t) - 1) - _LANCZOS_G + xp.log(a)
    return xp.where(big, lanczos, series - shift)


def _lgamma_array(x):
    """``log |Γ(x)|`` on a float64 array: :func:`_lgamma_positive` for x > 0; for ``x <= 0`` the reflection
    ``lgamma(x) = log π - log |sin(πx)| - lgamma(1 - x)``, whose ``sin(πx)`` is 0 at the poles (0 and the
    negative integers), so that they come out +inf; ±inf give +inf, as in PyTorch."""
    xp = backend.xp_of(x)
    left = x <= 0
    positive = _lgamma_positive(xp.where(left, 1 - x, x))
    with _quietly():
        reflected = math.log(math.pi) - xp.log(xp.abs(xp.sin(math.pi * offset_from_integer(x)))) - positive
    return xp.where(xp.isinf(x), math.inf, xp.where(left, reflected, positive))


class Lgamma(Function):
    """``lgamma(x) = log |Γ(x)|`` (see :func:`_lgamma_array`). Backward ``g ψ(x)``: the derivative of
    ``log |Γ|`` is ``Γ'/Γ``, the digamma function, which is :class:`Polygamma` of order 0."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return in_float64(_lgamma_array, x)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * Polygamma.apply(x, 0)


def lgamma(x: Tensor) -> Tensor:
    """``log |Γ(x)|``, as ``torch.lgamma`` (``torch.special.gammaln``): ``lgamma(n) = log((n - 1)!)``; +inf at
    0, the negative integers and ±inf. Integers give float32."""
    return Lgamma.apply(as_floating(x))


# ----------------------------------------------------------------------------- digamma and polygamma
_ASYMPTOTIC_FROM, _ASYMPTOTIC_TERMS = 10.0, 8     # the 9th term at x = 10 is below 4e-16 of ψ(10)
_EM_SHIFT, _EM_TERMS = 10, 10                    # Euler-Maclaurin: 10 terms summed, then 10 corrections


def _digamma_positive(x):
    """ψ for ``x > 0`` (and +inf, nan), float64: at most ten steps of ``ψ(x) = ψ(x + 1) - 1/x`` lift x to 10 or
    more, then ``ψ(x) ~ log x - 1/(2x) - Σ_k B_2k / (2k) x^-2k``."""
    xp = backend.xp_of(x)
    acc = xp.zeros_like(x)
    with _quietly():
        for _ in range(int(_ASYMPTOTIC_FROM)):
            low = x < _ASYMPTOTIC_FROM
            acc -= xp.where(low, 1 / x, 0.0)
            x = xp.where(low, x + 1, x)
        inv_x2 = 1 / (x * x)
        tail = xp.zeros_like(x)
        for k in range(_ASYMPTOTIC_TERMS, 0, -1):
            tail = (tail + float(_B[2 * k] / (2 * k))) * inv_x2
        return acc + xp.log(x) - 0.5 / x - tail


def _digamma_array(x):
    """ψ on a float64 array, with PyTorch's values at the poles: ``ψ(±0) = ∓inf`` (ψ(x) ≈ -1/x there), nan at
    the negative integers and at -inf; below 0 the reflection ``ψ(x) = ψ(1 - x) - π cot(πx)``."""
    xp = backend.xp_of(x)
    left = x < 0
    positive = _digamma_positive(xp.where(left, 1 - x, x))
    r = offset_from_integer(x)
    with _quietly():
        reflected = positive - math.pi * cot_pi(r)
    out = xp.where(left, xp.where(r == 0, math.nan, reflected), positive)
    return xp.where(x == 0, xp.copysign(math.inf, -x), out)


def _hurwitz_zeta(q, s: int):
    """Hurwitz's zeta ``ζ(s, q) = Σ_(k >= 0) (q + k)^-s`` for an integer ``s >= 2`` and ``q > 0`` (float64),
    by Euler-Maclaurin: the first 10 terms summed, the rest as the integral from ``w = q + 10`` plus half the
    first term left out plus the corrections ``Σ_j B_2j / (2j)! s (s+1) ... (s+2j-2) w^(-s-2j+1)``."""
    xp = backend.xp_of(q)
    total = xp.zeros_like(q)
    with _quietly():
        for k in range(_EM_SHIFT):
            total = total + (q + k) ** -s
        w = q + _EM_SHIFT
        total = total + w ** (1 - s) / (s - 1) + 0.5 * w ** -s
        rising, w_power, inv_w2 = s, w ** (-s - 1), 1 / (w * w)    # s (s+1)...(s+2j-2), w^(-s-2j+1)
        for j in range(1, _EM_TERMS + 1):
            total = total + float(_B[2 * j] * rising / math.factorial(2 * j)) * w_power
            rising *= (s + 2 * j - 1) * (s + 2 * j)
            w_power = w_power * inv_w2
    return total


@functools.lru_cache(maxsize=None)
def _cot_derivative(n: int) -> tuple[int, ...]:
    """The coefficients (constant term first) of ``P_n`` with ``dⁿ/dxⁿ cot(πx) = πⁿ P_n(cot πx)``:
    ``P_0(c) = c`` and, as ``d/dx cot(πx) = -π (1 + cot² πx)``, ``P_(n+1)(c) = -(1 + c²) P_n'(c)``."""
    if n == 0:
        return (0, 1)
    p = _cot_derivative(n - 1)
    dp = [i * a for i, a in enumerate(p)][1:] or [0]
    out = [0] * (len(dp) + 2)
    for i, a in enumerate(dp):       # -(1 + c²) dp
        out[i] -= a
        out[i + 2] -= a
    return tuple(out)


def _polygamma_array(x, n: int):
    """``ψ⁽ⁿ⁾`` on a float64 array. n = 0 is ψ; for n >= 1, ``(-1)^(n+1) n! ζ(n + 1, x)`` for x > 0, and below 0
    the reflection ``ψ(1 - x) - ψ(x) = π cot(πx)`` differentiated n times:
    ``ψ⁽ⁿ⁾(x) = (-1)ⁿ ψ⁽ⁿ⁾(1 - x) - π^(n+1) P_n(cot πx)`` (see :func:`_cot_derivative`). At 0 and the negative
    integers ``(-1)^(n+1) inf`` (PyTorch's values), at +inf 0, at -inf nan."""
    if n == 0:
        return _digamma_array(x)
    xp = backend.xp_of(x)
    sign = (-1) ** (n + 1)
    factorial = float(math.factorial(n)) if n <= 170 else math.inf
    left = x < 0
    with _quietly():
        positive = (sign * factorial) * _hurwitz_zeta(xp.where(left, 1 - x, x), n + 1)
        r = offset_from_integer(x)
        c = cot_pi(r)
        p = xp.zeros_like(c)
        for a in reversed(_cot_derivative(n)):
            p = p * c + a
        reflected = (-1) ** n * positive - math.pi ** (n + 1) * p
    out = xp.where(left, reflected, positive)
    return xp.where((x <= 0) & (r == 0), sign * math.inf, out)


class Polygamma(Function):
    """``ψ⁽ⁿ⁾(x)``, the n-th derivative of the digamma function ψ = lgamma' (n = 0 is ψ itself; see
    :func:`_polygamma_array`). Backward ``g ψ⁽ⁿ⁺¹⁾(x)``: the next order, this Function again, so every order
    of derivative is there."""

    @staticmethod
    def forward(ctx, x, n):
        ctx.n = n
        ctx.save_for_backward(x)
        return in_float64(_polygamma_array, x, n)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * Polygamma.apply(x, ctx.n + 1)


def digamma(x: Tensor) -> Tensor:
    """ψ(x) = Γ'(x)/Γ(x), the derivative of lgamma, as ``torch.digamma`` (``torch.special.psi``): ψ(1) = -γ;
    ψ(±0) = ∓inf, nan at the negative integers. Integers give float32."""
    return Polygamma.apply(as_floating(x), 0)


def polygamma(n: int, x: Tensor) -> Tensor:
    """ψ⁽ⁿ⁾(x), the n-th derivative of the digamma function, as ``torch.polygamma(n, input)``: n = 0 is digamma,
    n = 1 trigamma; any n >= 0. At the poles (0 and the negative integers) ``(-1)^(n+1) inf``."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"polygamma(): argument 'n' must be int, not {type(n).__name__}")
    if n < 0:
        raise ValueError(f"polygamma(n, x) does not support negative n, got n={n}")
    return Polygamma.apply(as_floating(x), int(n))


def mvlgamma(x: Tensor, p: int) -> Tensor:
    """The multivariate log-gamma function of dimension ``p``, as ``torch.mvlgamma`` (``torch.special.multigammaln``):
    ``log Γ_p(x) = p (p - 1)/4 log π + Σ_(i < p) lgamma(x - i/2)``, elementwise. It is defined for
    ``x > (p - 1)/2``; like PyTorch, smaller x are not refused (the sum of lgammas is returned).
    A composition of lgamma (one call on ``x`` with a new last dim of the ``p`` shifts) and a sum, so its
    gradient is ``Σ_i ψ(x - i/2)``."""
    if isinstance(p, bool) or not isinstance(p, (int, np.integer)):
        raise TypeError(f"mvlgamma: p must be an int, got {type(p).__name__}")
    if p < 1:
        raise ValueError(f"mvlgamma: p has to be greater than or equal to 1, got p={p}")
    x = as_floating(x)
    halves = Tensor(backend.xp_of(x.data).arange(p, dtype=x.dtype) / 2)
    return _sum(lgamma(unsqueeze(x, -1) - halves), axis=-1) + x.dtype.type(p * (p - 1) / 4 * math.log(math.pi))


# ----------------------------------------------------------------------------- entropy helpers
class Entr(Function):
    """``entr(x) = -x log x`` for x > 0, 0 at 0, -inf below 0 (a probability cannot be negative), as
    ``torch.special.entr``. Backward ``-(1 + log x) g``; like PyTorch's, +inf at 0 and nan below."""

    @staticmethod
    def forward(ctx, x):
        xp = backend.xp_of(x)
        with _quietly():
            y = xp.where(x > 0, -x * xp.log(xp.where(x > 0, x, 1)), xp.where(x == 0, 0, -math.inf))
        ctx.save_for_backward(x)
        return xp.where(xp.isnan(x), x, y).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return -gy * (1 + log(x))


def entr(x: Tensor) -> Tensor:
    """``-x log x`` elementwise (see :class:`Entr`): the terms of an entropy. Integers give float32."""
    return Entr.apply(as_floating(x))
