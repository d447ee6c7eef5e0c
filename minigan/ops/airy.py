"""The Airy function ``Ai``, as ``torch.special.airy_ai``: the solution of ``y'' = x y`` that decays for large
positive x (like ``e^(-ζ) / (2√π x^(1/4))``, ``ζ = (2/3) x^(3/2)``) and oscillates for negative x (like
``sin(ζ + π/4) / (√π |x|^(1/4))``, with ``ζ`` of ``|x|``). It is the quantum particle in a linear potential, and
the shape of light near a caustic (a rainbow's edge).

The forward computes ``Ai`` and its derivative ``Ai'`` together (array code, NumPy or CuPy, in float64), over four
ranges, starting from ``Ai(0) = 1 / (3^(2/3) Γ(2/3))`` and ``Ai'(0) = -1 / (3^(1/3) Γ(1/3))``:

* ``|x| <= 1``: the Maclaurin series ``Ai = Ai(0) f + Ai'(0) g`` with the two solutions
  ``f = Σ_k 3^k (1/3)_k x^(3k) / (3k)!`` and ``g = Σ_k 3^k (2/3)_k x^(3k+1) / (3k+1)!`` of ``y'' = x y``
  (A&S 10.4.2), term by term ``f_k = f_(k-1) x³ / ((3k-1) 3k)``, ``g_k = g_(k-1) x³ / (3k (3k+1))``.
* ``x > 1``: through the modified Bessel function, ``Ai(x) = √(x/3) K_(1/3)(ζ) / π`` and
  ``Ai'(x) = -x K_(2/3)(ζ) / (π√3)`` (A&S 10.4.14, 10.4.16), with ``e^ζ K_ν(ζ)`` from
  :func:`~minigan.ops.modified_bessel.scaled_k_array` (a trapezoidal rule on ``∫ e^(-ζ cosh t) cosh(νt) dt``,
  and its asymptotic expansion for large ζ).
* ``-11.2 <= x < -1``: the differential equation itself, integrated from 0 in 24 equal steps by its Taylor
  series: about a point ``t``, ``y = Σ c_n s^n`` with ``(n+2)(n+1) c_(n+2) = t c_n + c_(n-1)`` (30 terms). Both
  solutions oscillate with bounded amplitude there, so the errors of the steps add up and do not grow.
* ``x < -11.2`` (``ζ > 25``): the asymptotic expansions (A&S 10.4.60, 10.4.62), with
  ``c_k = Γ(3k + 1/2) / (54^k k! Γ(k + 1/2))`` and ``d_k = -c_k (6k + 1) / (6k - 1)``::

      Ai(-z)  ~ (sin(ζ + π/4) Σ (-1)^k c_2k ζ^-2k - cos(ζ + π/4) Σ (-1)^k c_(2k+1) ζ^(-2k-1)) / (√π z^(1/4))
      Ai'(-z) ~ -z^(1/4) (cos(ζ + π/4) Σ (-1)^k d_2k ζ^-2k + sin(ζ + π/4) Σ (-1)^k d_(2k+1) ζ^(-2k-1)) / √π

  whose phase ζ carries the rounding of ``z^(3/2)``: about ``ζ · 1e-16`` absolute (1e-10 at x = -10⁴), the same
  for any float64 method that does not reduce the phase in higher precision.

At ±inf the limit 0 (PyTorch gives nan). Backward (PyTorch has none): ``Ai'`` from the same forward, and the
derivative of ``Ai'`` is ``x Ai`` by the equation, so the Function is differentiable any number of times."""
from __future__ import annotations

import math

from .. import backend
from ..autograd import Function, Tensor
from ._util import as_floating
from .arithmetic import _quietly
from .modified_bessel import scaled_k_array
from .special import in_float64

__all__ = ["airy_ai"]

_AI0 = 1 / (3 ** (2 / 3) * math.gamma(2 / 3))
_AIP0 = -1 / (3 ** (1 / 3) * math.gamma(1 / 3))
_OSCILLATING_FROM = -11.2            # ζ(11.2) = 25.0
_SERIES_TERMS, _STEPS, _TAYLOR_TERMS, _ASYMPTOTIC_TERMS = 25, 24, 30, 30


def _maclaurin(x):
    """``(Ai, Ai')`` by the Maclaurin series, for ``|x| <= 1``."""
    xp = backend.xp_of(x)
    cube, square = x * x * x, x * x
    f, g = xp.ones_like(x), x.copy()                  # the k-th terms of f and g
    df, dg = xp.zeros_like(x), xp.ones_like(x)        # and of their derivatives
    sum_f, sum_g, sum_df, sum_dg = f, g, df, dg
    for k in range(1, _SERIES_TERMS):
        df, dg = f * square / (3 * k - 1), g * square / (3 * k)
        f, g = f * cube / ((3 * k - 1) * 3 * k), g * cube / (3 * k * (3 * k + 1))
        sum_f, sum_g, sum_df, sum_dg = sum_f + f, sum_g + g, sum_df + df, sum_dg + dg
    return _AI0 * sum_f + _AIP0 * sum_g, _AI0 * sum_df + _AIP0 * sum_dg


def _through_k(x):
    """``(Ai, Ai')`` through ``K_(1/3)``, ``K_(2/3)``, for ``x > 1``."""
    xp = backend.xp_of(x)
    zeta = (2 / 3) * x * xp.sqrt(x)
    decay = xp.exp(-zeta)
    ai = xp.sqrt(x / 3) / math.pi * scaled_k_array(zeta, 1 / 3) * decay
    aip = -x / (math.pi * math.sqrt(3)) * scaled_k_array(zeta, 2 / 3) * decay
    return ai, aip


def _taylor_steps(x):
    """``(Ai, Ai')`` by integrating ``y'' = t y`` from 0 to ``x`` in equal Taylor steps, for ``x < -1``."""
    xp = backend.xp_of(x)
    h = x / _STEPS
    y, dy = xp.full_like(x, _AI0), xp.full_like(x, _AIP0)
    for i in range(_STEPS):
        t = h * i
        # terms e_n = c_n h^n: e_(n+2) = (t h² e_n + h³ e_(n-1)) / ((n+2)(n+1)); y' sums n e_n / h
        h2, h3 = h * h, h * h * h
        before, current, following = xp.zeros_like(x), y, dy * h      # e_(n-1), e_n, e_(n+1) for n = 0
        value, slope = y + following, following
        for n in range(_TAYLOR_TERMS):
            nxt = (t * h2 * current + h3 * before) / ((n + 2) * (n + 1))   # e_(n+2)
            value, slope = value + nxt, slope + (n + 2) * nxt
            before, current, following = current, following, nxt
        y, dy = value, slope / h
    return y, dy


def _oscillating(x):
    """``(Ai, Ai')`` by the asymptotic expansions for ``x <= -11.2``."""
    xp = backend.xp_of(x)
    z = -x
    zeta = (2 / 3) * z * xp.sqrt(z)
    inv = 1 / zeta
    c, power = 1.0, xp.ones_like(z)
    even_c, odd_c, even_d, odd_d = xp.ones_like(z), xp.zeros_like(z), xp.ones_like(z), xp.zeros_like(z)
    for k in range(1, _ASYMPTOTIC_TERMS + 1):
        c *= (3 * k - 0.5) * (3 * k - 1.5) * (3 * k - 2.5) / (54 * k * (k - 0.5))
        d = -c * (6 * k + 1) / (6 * k - 1)
        power = power * inv
        sign = (-1) ** (k // 2)
        if k % 2:
            odd_c, odd_d = odd_c + sign * c * power, odd_d + sign * d * power
        else:
            even_c, even_d = even_c + sign * c * power, even_d + sign * d * power
    s, co = xp.sin(zeta), xp.cos(zeta)
    sin_p, cos_p = (s + co) / math.sqrt(2), (co - s) / math.sqrt(2)        # of ζ + π/4
    quarter = z ** 0.25
    ai = (sin_p * even_c - cos_p * odd_c) / (math.sqrt(math.pi) * quarter)
    aip = -quarter * (cos_p * even_d + sin_p * odd_d) / math.sqrt(math.pi)
    finite = xp.isfinite(zeta)                        # beyond x = -3e205 the phase is lost; |Ai| < 1e-51 there
    return xp.where(finite, ai, 0.0), xp.where(finite, aip, 0.0)


def _airy_array(x, derivative: bool):
    """``Ai(x)`` or, with ``derivative``, ``Ai'(x)`` on a float64 array (see the module's docstring)."""
    xp = backend.xp_of(x)
    with _quietly():
        near = xp.abs(x) <= 1
        right = x > 1
        left = (x < -1) & (x >= _OSCILLATING_FROM)
        pieces = [_maclaurin(xp.where(near, x, 0.0)), _through_k(xp.where(right, x, 2.0)),
                  _taylor_steps(xp.where(left, x, -2.0)), _oscillating(xp.where(x < _OSCILLATING_FROM, x, -20.0))]
        pick = int(derivative)
        out = xp.where(near, pieces[0][pick], xp.where(right, pieces[1][pick],
                                                       xp.where(left, pieces[2][pick], pieces[3][pick])))
    return xp.where(xp.isinf(x), 0.0, xp.where(xp.isnan(x), xp.nan, out))


class Airy(Function):
    """``Ai(x)`` (``derivative`` False) or ``Ai'(x)`` (True), see :func:`_airy_array`. Backward: ``g Ai'(x)`` for
    ``Ai``, and ``g x Ai(x)`` for ``Ai'`` (Airy's equation ``Ai'' = x Ai``), each by this Function again."""

    @staticmethod
    def forward(ctx, x, derivative):
        ctx.derivative = derivative
        ctx.save_for_backward(x)
        return in_float64(_airy_array, x, derivative)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        if ctx.derivative:
            return gy * x * Airy.apply(x, False)
        return gy * Airy.apply(x, True)


def airy_ai(input: Tensor) -> Tensor:
    """The Airy function ``Ai(x)``, the solution of ``y'' = x y`` that vanishes at +inf, as
    ``torch.special.airy_ai``: ``Ai(0) = 0.3550``, decaying fast to the right, oscillating to the left. Integers
    give float32. Differentiable (``Ai'``; PyTorch's is not)."""
    return Airy.apply(as_floating(input), False)
