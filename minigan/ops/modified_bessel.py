"""The modified Bessel functions under their ``torch.special`` names: ``modified_bessel_i0``, ``modified_bessel_i1``
(``I₀``, ``I₁``: the same functions as :func:`~minigan.ops.erfc_bessel.i0`, :func:`~minigan.ops.erfc_bessel.i1`),
``modified_bessel_k0``, ``modified_bessel_k1`` (``K₀``, ``K₁``) and the scaled ``scaled_modified_bessel_k0``,
``scaled_modified_bessel_k1`` (``e^x K_ν(x)``). ``I_ν`` and ``K_ν`` solve ``x² y'' + x y' - (x² + ν²) y = 0``:
``I_ν`` grows like ``e^x``, ``K_ν`` decays like ``e^-x`` and is infinite at 0. ``K_ν`` is defined for ``x > 0``:
+inf at 0, nan below (PyTorch's values).

The forwards are array code (NumPy or CuPy) in float64, cast back to the input's dtype, over three ranges:

* ``x <= 1``: the power series (A&S 9.6.13, 9.6.11), with ``ψ(k+1) = -γ + H_k``::

      K₀ = -(log(x/2) + γ) I₀(x) + Σ_(k>=1) H_k (x²/4)^k / (k!)²
      K₁ = 1/x + log(x/2) I₁(x) - (x/4) Σ_k (ψ(k+1) + ψ(k+2)) (x²/4)^k / (k! (k+1)!)

  (their cancellation costs at most a factor ``e^2`` of float64's precision).
* ``1 < x < 25``: the integral ``K_ν(x) = ∫_0^∞ e^(-x cosh t) cosh(νt) dt`` by the trapezoidal rule with step
  ``h = 0.1`` on ``[0, 6]``. The integrand is smooth and dies off doubly exponentially, and for such integrals the
  trapezoidal rule converges like ``e^(-2πd/h)`` (``d`` the width of the strip where the integrand stays
  analytic and bounded): here to about 1e-16 with 61 nodes. ``e^(-x (cosh t - 1))`` is summed, which is the
  scaled ``e^x K_ν(x)``: no overflow, no underflow.
* ``x >= 25``: the asymptotic expansion ``e^x K_ν(x) ~ √(π/(2x)) Σ_k a_k(ν) / x^k``,
  ``a_k(ν) = (4ν² - 1²)(4ν² - 3²)...(4ν² - (2k-1)²) / (k! 8^k)`` (A&S 9.7.2), 30 terms.

The same integral and expansion serve any order ``ν`` (:func:`scaled_k_array`); the Airy function uses them
with ``ν = 1/3`` and ``2/3``.

Backward (PyTorch has none; these are one line each): ``K₀' = -K₁``, ``K₁' = -K₀ - K₁/x``, and for the scaled
ones ``(e^x K₀)' = e^x K₀ - e^x K₁``, ``(e^x K₁)' = e^x K₁ (1 - 1/x) - e^x K₀``, each by the same Function, so
they can be differentiated again. ``modified_bessel_i0``/``_i1`` have :func:`~minigan.ops.erfc_bessel.i0`'s
gradients."""
from __future__ import annotations

import math

from .. import backend
from ..autograd import Function, Tensor
from ._util import as_floating
from .arithmetic import _quietly
from .erfc_bessel import BesselI
from .special import in_float64

__all__ = ["modified_bessel_i0", "modified_bessel_i1", "modified_bessel_k0", "modified_bessel_k1",
           "scaled_modified_bessel_k0", "scaled_modified_bessel_k1"]

_EULER_GAMMA = 0.5772156649015329
_SERIES_UPTO, _ASYMPTOTIC_FROM = 1.0, 25.0
_STEP, _NODES, _ASYMPTOTIC_TERMS, _SERIES_TERMS = 0.1, 61, 30, 20


def scaled_k_array(z, nu: float):
    """``e^z K_ν(z)`` for ``z >= 1`` (float64 array; any real order ``ν`` up to about 1): the trapezoidal rule
    below 25, the asymptotic expansion from there (see the module's docstring)."""
    xp = backend.xp_of(z)
    middle = xp.minimum(z, _ASYMPTOTIC_FROM)
    total = 0.5 * xp.ones_like(z)                          # the node t = 0, weight 1/2
    with _quietly():
        for j in range(1, _NODES):
            t = j * _STEP
            total = total + xp.exp(-middle * (math.cosh(t) - 1)) * math.cosh(nu * t)
        integral = _STEP * total
        large = xp.maximum(z, _ASYMPTOTIC_FROM)
        coef, power, series = 1.0, xp.ones_like(z), xp.ones_like(z)
        for k in range(1, _ASYMPTOTIC_TERMS + 1):
            coef *= (4 * nu * nu - (2 * k - 1) ** 2) / (8 * k)
            power = power / large
            series = series + coef * power
        asymptotic = xp.sqrt(math.pi / (2 * large)) * series
    return xp.where(z < _ASYMPTOTIC_FROM, integral, asymptotic)


def _k_series(x):
    """``(K₀, K₁)`` by the power series, for ``0 < x <= 1``."""
    xp = backend.xp_of(x)
    quarter = x * x / 4
    log_half = xp.log(x / 2)
    term0, term1 = xp.ones_like(x), x / 2          # (x²/4)^k / (k!)², (x/2) (x²/4)^k / (k! (k+1)!)
    i0, i1, k0_sum, k1_sum = term0, term1, xp.zeros_like(x), term1 * (1 - 2 * _EULER_GAMMA)
    harmonic = 0.0
    for k in range(1, _SERIES_TERMS):
        harmonic += 1 / k
        term0 = term0 * quarter / (k * k)
        term1 = term1 * quarter / (k * (k + 1))
        i0, i1 = i0 + term0, i1 + term1
        k0_sum = k0_sum + harmonic * term0
        k1_sum = k1_sum + (2 * harmonic + 1 / (k + 1) - 2 * _EULER_GAMMA) * term1
    k0 = -(log_half + _EULER_GAMMA) * i0 + k0_sum
    k1 = 1 / x + log_half * i1 - k1_sum / 2
    return k0, k1


def _bessel_k_array(x, order: int, scaled: bool):
    """``K_order(x)``, times ``e^x`` if ``scaled``, on a float64 array (see the module's docstring)."""
    xp = backend.xp_of(x)
    with _quietly():
        small = xp.where((x > 0) & (x <= _SERIES_UPTO), x, 0.5)
        near = _k_series(small)[order]
        if scaled:
            near = near * xp.exp(small)
        big = xp.where(x > _SERIES_UPTO, x, 2.0)
        far = scaled_k_array(big, float(order))
        if not scaled:
            far = far * xp.exp(-big)
        out = xp.where(x <= _SERIES_UPTO, near, far)
        out = xp.where(x == xp.inf, 0.0, out)
        return xp.where(x == 0, xp.inf, xp.where((x < 0) | xp.isnan(x), xp.nan, out))


class BesselK(Function):
    """``K₀``, ``K₁`` and the scaled ``e^x K₀``, ``e^x K₁`` (see :func:`_bessel_k_array`), output ``y``.
    Backward from ``K₀' = -K₁`` and ``K₁' = -K₀ - K₁/x``::

        k0:  -g k1(x)                    k0e: g (y - k1e(x))
        k1:  -g (k0(x) + y/x)            k1e: g (y (1 - 1/x) - k0e(x))

    each naming this Function again, so the backward is differentiable too."""

    @staticmethod
    def forward(ctx, x, order, scaled):
        y = in_float64(_bessel_k_array, x, order, scaled)
        ctx.order, ctx.scaled = order, scaled
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        other = BesselK.apply(x, 1 - ctx.order, ctx.scaled)
        if ctx.order == 0:
            slope = -other
        else:
            slope = -other - y / x
        return gy * (slope + y if ctx.scaled else slope)


def modified_bessel_i0(input: Tensor) -> Tensor:
    """``I₀(x)``, as ``torch.special.modified_bessel_i0``: the same function as :func:`~minigan.ops.erfc_bessel.i0`
    (``torch.i0``), and +inf at ±inf (where PyTorch's modified_bessel_i0 gives nan). Integers give float32."""
    return BesselI.apply(as_floating(input), 0, False)


def modified_bessel_i1(input: Tensor) -> Tensor:
    """``I₁(x)``, as ``torch.special.modified_bessel_i1``: the same function as
    :func:`~minigan.ops.erfc_bessel.i1`, ±inf at ±inf. Integers give float32."""
    return BesselI.apply(as_floating(input), 1, False)


def modified_bessel_k0(input: Tensor) -> Tensor:
    """The modified Bessel function of the second kind of order 0, ``K₀(x) = ∫_0^∞ e^(-x cosh t) dt``, as
    ``torch.special.modified_bessel_k0``: +inf at 0 (like ``-log(x/2) - γ``), decaying like
    ``√(π/(2x)) e^-x``; nan for ``x < 0``. Integers give float32."""
    return BesselK.apply(as_floating(input), 0, False)


def modified_bessel_k1(input: Tensor) -> Tensor:
    """The modified Bessel function of the second kind of order 1, ``K₁ = -K₀'``, as
    ``torch.special.modified_bessel_k1``: like ``1/x`` at 0; nan for ``x < 0``. Integers give float32."""
    return BesselK.apply(as_floating(input), 1, False)


def scaled_modified_bessel_k0(input: Tensor) -> Tensor:
    """``e^x K₀(x)``, as ``torch.special.scaled_modified_bessel_k0``: about ``√(π/(2x))`` for large x, where
    ``K₀`` itself underflows (from about 700). Integers give float32."""
    return BesselK.apply(as_floating(input), 0, True)


def scaled_modified_bessel_k1(input: Tensor) -> Tensor:
    """``e^x K₁(x)``, as ``torch.special.scaled_modified_bessel_k1``. Integers give float32."""
    return BesselK.apply(as_floating(input), 1, True)
