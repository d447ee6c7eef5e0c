"""The Bessel functions of the first and second kind, as ``torch.special`` has them: ``bessel_j0``, ``bessel_j1``
(``J₀``, ``J₁``), ``bessel_y0``, ``bessel_y1`` (``Y₀``, ``Y₁``), and the spherical ``spherical_bessel_j0``
(``j₀(x) = sin(x) / x``). ``J_ν`` and ``Y_ν`` solve Bessel's equation ``x² y'' + x y' + (x² - ν²) y = 0``: they
oscillate like damped cosines, ``J_ν(x) ≈ √(2/(πx)) cos(x - νπ/2 - π/4)``, and ``Y_ν`` is the solution that is
infinite at 0.

The forwards are array code (NumPy or CuPy) in float64, cast back to the input's dtype, on ``a = |x|`` (``J₀`` is
even, ``J₁`` odd; ``Y_ν`` is defined for ``x >= 0`` only, nan below, ``-inf`` at 0), over three ranges:

* ``a < 1``: the power series (A&S 9.1.10, 9.1.11), with ``H_k = 1 + 1/2 + ... + 1/k``, ``L = log(a/2) + γ``::

      J₀ = Σ (-a²/4)^k / (k!)²               Y₀ = (2/π) (L J₀ + Σ_(k>=1) (-1)^(k+1) H_k (a²/4)^k / (k!)²)
      J₁ = (a/2) Σ (-a²/4)^k / (k! (k+1)!)   Y₁ = -2/(πa) + (2/π) log(a/2) J₁
                                                  - (a/2π) Σ (ψ(k+1) + ψ(k+2)) (-a²/4)^k / (k! (k+1)!)

* ``1 <= a < 25``: Miller's backward recurrence. ``J_(n-1) = (2n/a) J_n - J_(n+1)`` is stable downwards, so it
  is run from ``n = 80`` (where ``J_n(a)`` is below 1e-30) with arbitrary starting values, and the sequence it
  gives, proportional to ``J_n``, is normalised by ``J₀ + 2 J₂ + 2 J₄ + ... = 1``. The same sequence gives ``Y``
  by Neumann's series ``Y₀ = (2/π) (L J₀ - 2 Σ_(k>=1) (-1)^k J_2k / k)`` and its derivative
  ``Y₁ = -Y₀' = (2/π) (L J₁ - J₀/a - J₁ + Σ_(m>=1) (-1)^(m+1) (1/m + 1/(m+1)) J_(2m+1))``.
* ``a >= 25``: Hankel's asymptotic expansion (A&S 9.2.5), 30 terms, whose smallest term is below 1e-18 there:
  ``J_ν = √(2/(πa)) (P cos χ - Q sin χ)``, ``Y_ν = √(2/(πa)) (P sin χ + Q cos χ)``, ``χ = a - (ν/2 + 1/4) π``,
  with ``cos χ``, ``sin χ`` formed from ``cos a``, ``sin a`` (not from ``a - 3π/4``, which would round away the
  phase of a large a).

Accuracy: about 1e-16 absolute (times the size ``√(2/(πa))`` of the oscillation for large a), so near a zero the
error relative to the value grows, as for any method that does not expand about each zero. At ±inf the limits
(0; PyTorch gives nan there).

Backward (PyTorch has none; these are one line each): ``J₀' = -J₁``, ``J₁' = J₀ - J₁/x`` (1/2 at 0),
``Y₀' = -Y₁``, ``Y₁' = Y₀ - Y₁/x``, each by the same Function, so they can be differentiated again."""
from __future__ import annotations

import math

from .. import backend
from ..autograd import Function, Tensor
from ._util import as_floating
from .arithmetic import _quietly, where
from .math import cos
from .special import in_float64

__all__ = ["bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "spherical_bessel_j0"]

_EULER_GAMMA = 0.5772156649015329
_SERIES_BELOW, _ASYMPTOTIC_FROM = 1.0, 25.0
_SERIES_TERMS, _MILLER_START, _HANKEL_TERMS = 20, 80, 30


def _series(a):
    """``(J₀, J₁, Y₀, Y₁)`` by the power series, for ``0 < a < 1``."""
    xp = backend.xp_of(a)
    quarter = a * a / 4
    log_half = xp.log(a / 2)
    term0, term1 = xp.ones_like(a), a / 2              # (-a²/4)^k / (k!)², (a/2) (-a²/4)^k / (k! (k+1)!)
    j0, j1, y0_sum, y1_sum = term0, term1, xp.zeros_like(a), term1 * (1 - 2 * _EULER_GAMMA)
    harmonic = 0.0
    for k in range(1, _SERIES_TERMS):
        harmonic += 1 / k
        term0 = term0 * -quarter / (k * k)
        term1 = term1 * -quarter / (k * (k + 1))
        j0, j1 = j0 + term0, j1 + term1
        y0_sum = y0_sum - harmonic * term0             # (-1)^(k+1) H_k (a²/4)^k / (k!)²
        y1_sum = y1_sum + (2 * harmonic + 1 / (k + 1) - 2 * _EULER_GAMMA) * term1   # ψ(k+1) + ψ(k+2)
    y0 = (2 / math.pi) * ((log_half + _EULER_GAMMA) * j0 + y0_sum)
    y1 = -2 / (math.pi * a) + (2 / math.pi) * log_half * j1 - y1_sum / math.pi
    return j0, j1, y0, y1


def _miller(a):
    """``(J₀, J₁, Y₀, Y₁)`` by Miller's backward recurrence and Neumann's series, for ``1 <= a < 25`` (values
    grow at most by ``1/J₈₀(1)``, about 1e143, on the way down: no rescaling needed)."""
    xp = backend.xp_of(a)
    upper, j = xp.zeros_like(a), xp.full_like(a, 1e-30)      # J_(n+1), J_n up to a common factor
    norm, y0_sum, y1_sum = xp.zeros_like(a), xp.zeros_like(a), xp.zeros_like(a)
    for n in range(_MILLER_START, 0, -1):
        upper, j = j, (2 * n / a) * j - upper                 # now j is J_(n-1), upper J_n
        m = n - 1
        if m >= 2 and m % 2 == 0:
            norm = norm + 2 * j
            y0_sum = y0_sum + (-1) ** (m // 2) * j / (m // 2)
        elif m >= 3:                                          # m = 2i + 1
            i = (m - 1) // 2
            y1_sum = y1_sum + (-1) ** (i + 1) * (1 / i + 1 / (i + 1)) * j
    j0, j1 = j / (norm + j), upper / (norm + j)
    scale = norm + j
    big_l = xp.log(a / 2) + _EULER_GAMMA
    y0 = (2 / math.pi) * (big_l * j0 - 2 * y0_sum / scale)
    y1 = (2 / math.pi) * (big_l * j1 - j0 / a - j1 + y1_sum / scale)
    return j0, j1, y0, y1


def _hankel(a):
    """``(J₀, J₁, Y₀, Y₁)`` by Hankel's asymptotic expansion, for ``a >= 25``."""
    xp = backend.xp_of(a)
    out = []
    c, s = xp.cos(a), xp.sin(a)
    inv = 1 / a
    for nu in (0, 1):
        coef, power = 1.0, xp.ones_like(a)
        p, q = xp.ones_like(a), xp.zeros_like(a)
        for k in range(1, _HANKEL_TERMS + 1):
            coef *= (4 * nu * nu - (2 * k - 1) ** 2) / (8 * k)
            power = power * inv
            sign = (-1) ** (k // 2)
            if k % 2:
                q = q + sign * coef * power
            else:
                p = p + sign * coef * power
        if nu == 0:
            cos_chi, sin_chi = (c + s) / math.sqrt(2), (s - c) / math.sqrt(2)
        else:
            cos_chi, sin_chi = (s - c) / math.sqrt(2), -(s + c) / math.sqrt(2)
        amplitude = xp.sqrt(2 / (math.pi * a))
        out.append((amplitude * (p * cos_chi - q * sin_chi), amplitude * (p * sin_chi + q * cos_chi)))
    (j0, y0), (j1, y1) = out
    return j0, j1, y0, y1


def _bessel_jy_array(x, kind: str, order: int):
    """``J_order(x)`` (``kind`` "j") or ``Y_order(x)`` ("y") on a float64 array (see the module's docstring)."""
    xp = backend.xp_of(x)
    a = xp.abs(x)
    with _quietly():
        small = xp.where(a < _SERIES_BELOW, a, 0.5)
        middle = xp.where((a >= _SERIES_BELOW) & (a < _ASYMPTOTIC_FROM), a, 2.0)
        large = xp.where(a >= _ASYMPTOTIC_FROM, a, 30.0)
        pick = 2 * (kind == "y") + order
        values = [r[pick] for r in (_series(small), _miller(middle), _hankel(large))]
        out = xp.where(a < _SERIES_BELOW, values[0], xp.where(a < _ASYMPTOTIC_FROM, values[1], values[2]))
        if kind == "j":
            out = xp.where(a == 0, 1.0 - order, out)
            out = xp.where(a == xp.inf, 0.0, out)
            out = xp.where(x < 0, -out, out) if order else out
        else:
            out = xp.where(a == 0, -xp.inf, xp.where(a == xp.inf, 0.0, out))
            out = xp.where(x < 0, xp.nan, out)
    return xp.where(xp.isnan(x), xp.nan, out)


class BesselJY(Function):
    """``J₀, J₁, Y₀, Y₁`` (``kind`` "j" or "y", ``order`` 0 or 1): ``(*) -> (*)``, output ``y``. Backward from
    the recurrences ``C₀' = -C₁`` and ``C₁' = C₀ - C₁/x`` (``C`` = J or Y); ``J₁' = 1/2`` at 0, where ``J₁/x``
    is 0/0. Each names this Function again, so it can be differentiated again."""

    @staticmethod
    def forward(ctx, x, kind, order):
        y = in_float64(_bessel_jy_array, x, kind, order)
        ctx.kind, ctx.order = kind, order
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        if ctx.order == 0:
            return gy * -BesselJY.apply(x, ctx.kind, 1)
        zero = x.data == 0
        x_safe = where(zero, 1.0, x)
        slope = BesselJY.apply(x, ctx.kind, 0) - y / x_safe
        return gy * (where(zero, 0.5, slope) if ctx.kind == "j" else slope)


def bessel_j0(input: Tensor) -> Tensor:
    """The Bessel function of the first kind of order 0, ``J₀(x) = Σ_k (-x²/4)^k / (k!)²``, as
    ``torch.special.bessel_j0``: even, 1 at 0, first zero at 2.4048. Integers give float32."""
    return BesselJY.apply(as_floating(input), "j", 0)


def bessel_j1(input: Tensor) -> Tensor:
    """The Bessel function of the first kind of order 1, ``J₁(x) = -J₀'(x)``, as ``torch.special.bessel_j1``:
    odd, 0 at 0. Integers give float32."""
    return BesselJY.apply(as_floating(input), "j", 1)


def bessel_y0(input: Tensor) -> Tensor:
    """The Bessel function of the second kind of order 0, ``Y₀``, as ``torch.special.bessel_y0``: ``-inf`` at 0
    (like ``(2/π) log(x/2)``), nan for ``x < 0``. Integers give float32."""
    return BesselJY.apply(as_floating(input), "y", 0)


def bessel_y1(input: Tensor) -> Tensor:
    """The Bessel function of the second kind of order 1, ``Y₁ = -Y₀'``, as ``torch.special.bessel_y1``:
    ``-inf`` at 0 (like ``-2/(πx)``), nan for ``x < 0``. Integers give float32."""
    return BesselJY.apply(as_floating(input), "y", 1)


# ----------------------------------------------------------------------------- spherical
def _spherical_j0_array(x):
    """``sin(x) / x``, 1 at 0 and 0 at ±inf (``sin`` is accurate relative to its size for every x, so the
    quotient is too)."""
    xp = backend.xp_of(x)
    with _quietly():
        out = xp.sin(x) / xp.where(x == 0, 1.0, x)
    return xp.where(x == 0, 1.0, xp.where(xp.isinf(x), 0.0, out))


class SphericalJ0(Function):
    """``j₀(x) = sin(x) / x`` (see :func:`_spherical_j0_array`), output ``y``. Backward
    ``g (cos x - y) / x``; below ``|x| = 0.05``, where ``cos x - y`` cancels, its Taylor series
    ``-x/3 + x³/30 - x⁵/840 + x⁷/45360`` (the next term is below 1e-16 of it). In minigan's ops, differentiable
    again. (PyTorch's has no gradient.)"""

    @staticmethod
    def forward(ctx, x):
        y = in_float64(_spherical_j0_array, x)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        xp = backend.xp_of(x.data)
        near = xp.abs(x.data) < 0.05
        x_far = where(near, 1.0, x)
        far = (cos(x_far) - SphericalJ0.apply(x_far)) / x_far
        x_near = where(near, x, 0.0)
        x2 = x_near * x_near
        series = x_near * (-1 / 3 + x2 * (1 / 30 + x2 * (-1 / 840 + x2 / 45360)))
        return gy * where(near, series, far)


def spherical_bessel_j0(input: Tensor) -> Tensor:
    """The spherical Bessel function of the first kind of order 0, ``j₀(x) = sin(x) / x`` (1 at 0), as
    ``torch.special.spherical_bessel_j0``. Integers give float32."""
    return SphericalJ0.apply(as_floating(input))
