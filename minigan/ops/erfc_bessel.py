"""The error function's relatives and the modified Bessel functions, as ``torch.special`` has them: erfc
(``1 - erf``), erfcx (the scaled ``e^(x²) erfc(x)``), the standard normal's CDF ndtr (``Φ``), its logarithm
log_ndtr and its inverse ndtri; i0 and i1 (``I₀``, ``I₁``) and their scaled forms i0e, i1e (``e^-|x| I_ν(x)``).

Why the scaled and log forms exist: far in a tail the plain value under- or overflows (``erfc(27) = 0``,
``Φ(-40) = 0``, ``I₀(800) = inf``), while the scaled one is an ordinary number, and ratios of them (a
gradient, a likelihood) stay right. The backwards use them for that reason: ``d/dx log Φ(x) = φ(x)/Φ(x)`` is
``√(2/π) / erfcx(-x/√2)``, finite everywhere.

The forwards are array code (NumPy or CuPy) in float64 whatever the input's dtype (cast back at the end),
built on minigan's erf (:func:`~minigan.ops.activation._erf_array`), the continued fraction of erfc (as in
:func:`~minigan.ops.activation.erfcx_fraction`) and erfinv (:func:`~minigan.ops.pointwise._erfinv_array`)."""
from __future__ import annotations

import math

from .. import backend
from ..autograd import Function, Tensor
from ._util import as_floating
from .activation import _erf_array, erfcx_fraction
from .arithmetic import _quietly, exp, where
from .pointwise import _erfinv_array
from .special import in_float64

__all__ = ["erfc", "erfcx", "ndtr", "log_ndtr", "ndtri", "i0", "i0e", "i1", "i1e"]

_SQRT_PI, _SQRT_2, _SQRT_2PI = math.sqrt(math.pi), math.sqrt(2.0), math.sqrt(2 * math.pi)


# ----------------------------------------------------------------------------- erfc and erfcx
def _exp_of_square(a, scale: float):
    """``e^(scale a²)`` for ``scale`` = ±1 or ±1/2, to a few ulp where ``exp(scale * a * a)`` would not be: the
    rounding of ``a²`` (relative 1e-16) is an absolute error of ``a² 1e-16`` in the exponent, 7e-14 at a = 26.
    With ``a = hi + lo``, ``hi`` a multiple of 1/4096 (so ``hi²`` is exact),
    ``a² = hi² + lo (a + hi)``, and only the small second part is rounded. ``a`` is clipped to 40, beyond which
    ``e^(-a²)`` is 0 and ``e^(a²)`` inf anyway."""
    xp = backend.xp_of(a)
    a = xp.minimum(xp.abs(a), 40.0)
    hi = xp.round(a * 4096) / 4096
    return xp.exp(scale * (hi * hi)) * xp.exp(scale * ((a - hi) * (a + hi)))


def _erfcx_positive(a):
    """``erfcx(a) = e^(a²) erfc(a)`` for ``a >= 0`` (float64), to a few ulp: below 1, ``e^(a²) (1 - erf(a))``
    (erfc is at least 0.157 there, so the difference loses nothing to speak of); from 1 on, the continued fraction
    (:func:`~minigan.ops.activation.erfcx_fraction`: 200 levels on [1, 2), 60 from 2 on). About ``1/(a√π)`` for
    large a."""
    xp = backend.xp_of(a)
    with _quietly():
        near = xp.exp(a * a) * (1 - _erf_array(xp.minimum(a, 1.0)))
        out = xp.where(a < 1, near, erfcx_fraction(xp.maximum(a, 1.0), 60))
        middle = (a >= 1) & (a < 2)
        if middle.any():
            out[middle] = erfcx_fraction(a[middle], 200)
    return out


def _erfc_any(x):
    """``erfc(x)`` on a float64 array, accurate relative to its own size also where it is tiny
    (``erfc(26) = 5.7e-296``): ``e^(-x²) erfcx(x)`` for ``x >= 0``, and ``2 - erfc(-x) = 1 + erf(-x)`` below."""
    xp = backend.xp_of(x)
    a = xp.abs(x)
    return xp.where(x < 0, 1 + _erf_array(a), _exp_of_square(a, -1.0) * _erfcx_positive(a))


def _erfcx_array(x):
    """``erfcx(x) = e^(x²) erfc(x)`` on a float64 array: :func:`_erfcx_positive` from 0 on, and below 0
    ``2 e^(x²) - erfcx(-x)``, which overflows to +inf from about -26.6 on, as the true value does."""
    xp = backend.xp_of(x)
    a = xp.abs(x)
    positive = _erfcx_positive(a)
    with _quietly():
        return xp.where(x < 0, 2 * _exp_of_square(a, 1.0) - positive, positive)


class Erfc(Function):
    """``erfc(x) = 1 - erf(x)`` (see :func:`_erfc_any`), right also where it is tiny (``erfc(10) = 2.1e-45``,
    where ``1 - erf`` would be 0). Backward ``-2/√π e^(-x²) g``, the negative of erf's."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return in_float64(_erfc_any, x)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * (exp(-(x * x)) * (-2 / _SQRT_PI))


class Erfcx(Function):
    """``erfcx(x) = e^(x²) erfc(x)`` (see :func:`_erfcx_array`). Backward from the output ``y``:
    ``d/dx [e^(x²) erfc(x)] = 2x e^(x²) erfc(x) - 2/√π = 2x y - 2/√π``."""

    @staticmethod
    def forward(ctx, x):
        y = in_float64(_erfcx_array, x)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        return gy * (2 * x * y - 2 / _SQRT_PI)


def erfc(x: Tensor) -> Tensor:
    """The complementary error function ``1 - erf(x)``, as ``torch.erfc``, accurate in the right tail. Integers
    give float32."""
    return Erfc.apply(as_floating(x))


def erfcx(x: Tensor) -> Tensor:
    """The scaled complementary error function ``e^(x²) erfc(x)``, as ``torch.special.erfcx``: about
    ``1/(x√π)`` for large x, where erfc itself underflows. Integers give float32."""
    return Erfcx.apply(as_floating(x))


# ----------------------------------------------------------------------------- the normal distribution
def _lower_tail(x):
    """``Φ(-|x|) = e^(-x²/2) erfcx(|x|/√2) / 2``, the smaller of the two tails, accurate relative to its size
    (``Φ(-30) = 4.9e-198``), which ``(1 + erf(x/√2)) / 2`` loses to cancellation; ``e^(-x²/2)`` is taken from x
    itself (:func:`_exp_of_square`), not from ``x/√2``, whose rounding would cost the far tail digits."""
    a = backend.xp_of(x).abs(x)
    return 0.5 * _exp_of_square(a, -0.5) * _erfcx_positive(a / _SQRT_2)


def _ndtr_array(x):
    """``Φ(x)``: the lower tail :func:`_lower_tail` below 0, and ``1 - Φ(-x)`` from 0 on."""
    q = _lower_tail(x)
    return backend.xp_of(x).where(x < 0, q, 1 - q)


def _log_ndtr_array(x):
    """``log Φ(x)``. Below 0, ``Φ(x) = e^(-x²/2) erfcx(t) / 2`` with ``t = -x/√2``, so
    ``log Φ(x) = log(erfcx(t) / 2) - x²/2``: finite for any x (``log Φ(-1e5) = -5e9``), where Φ itself
    underflows from -38.5 on. From 0 on, ``log(1 - Φ(-x))`` by log1p, right even where Φ(x) rounds to 1."""
    xp = backend.xp_of(x)
    with _quietly():
        left = xp.log(_erfcx_positive(xp.maximum(-x, 0.0) / _SQRT_2) / 2) - x * x / 2
        right = xp.log1p(-_lower_tail(x))
    return xp.where(x < 0, left, right)


def _erfcinv_array(q):
    """The ``x >= 0`` with ``erfc(x) = q``, for ``0 < q <= 1`` (float64), accurate also for the tiniest q
    (``q = 1e-300`` gives 26.2). Winitzki's closed form (see :func:`~minigan.ops.pointwise._erfinv_array`), with
    ``(1 - y)(1 + y) = q (2 - q)`` written from q itself, gives a first guess within 2e-3; then Newton steps on
    ``f(x) = log erfc(x) - log q``, in logs so that nothing underflows: ``log erfc(x) = log erfcx(x) - x²`` and
    ``f'(x) = -2 / (√π erfcx(x))``, so a step is ``x += f √π erfcx(x) / 2``."""
    xp = backend.xp_of(q)
    a = 0.147
    with _quietly():
        log_l = xp.log(q * (2 - q))
        t = 2 / (math.pi * a) + log_l / 2
        x = xp.sqrt(xp.maximum(xp.sqrt(t * t - log_l / a) - t, 0.0))
        log_q = xp.log(q)
        for _ in range(4):
            cx = _erfcx_positive(x)
            x = x + (xp.log(cx) - x * x - log_q) * (_SQRT_PI / 2) * cx
    return x


def _ndtri_array(p):
    """``Φ⁻¹(p)``, the x with ``Φ(x) = p``, on a float64 array: ``-inf`` at 0, ``+inf`` at 1, nan outside [0, 1].
    From 1/4 up, ``√2 erfinv(2p - 1)`` (``2p - 1`` is exact there); below 1/4, ``-√2 erfcinv(2p)``
    (:func:`_erfcinv_array`), since ``2p - 1`` would round the small p away (``Φ⁻¹(1e-300) = -37.05``)."""
    xp = backend.xp_of(p)
    low = p < 0.25
    upper = _SQRT_2 * _erfinv_array(xp.where(low, 0.5, 2 * p - 1))
    lower = -_SQRT_2 * _erfcinv_array(xp.where(low & (p > 0), 2 * p, 1.0))
    out = xp.where(low, xp.where(p == 0, -math.inf, lower), upper)
    return xp.where((p < 0) | (p > 1), math.nan, out)


class Ndtr(Function):
    """``Φ(x)``, the standard normal CDF (see :func:`_ndtr_array`). Backward ``g φ(x)``, the density
    ``e^(-x²/2) / √(2π)``."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return in_float64(_ndtr_array, x)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * (exp(x * x * -0.5) / _SQRT_2PI)


class LogNdtr(Function):
    """``log Φ(x)`` (see :func:`_log_ndtr_array`). Backward ``g φ(x)/Φ(x)``; as ``Φ(x) = e^(-x²/2) erfcx(t) / 2``
    with ``t = -x/√2``, the ratio is ``√(2/π) / erfcx(t)``: no exponentials of large numbers that would have
    to cancel (about ``-x`` far left, 0 far right)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return in_float64(_log_ndtr_array, x)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * (math.sqrt(2 / math.pi) / Erfcx.apply(x * (-1 / _SQRT_2)))


class Ndtri(Function):
    """``Φ⁻¹(p)`` (see :func:`_ndtri_array`). Backward from the output ``y``: the derivative of an inverse is one
    over the derivative at the image, ``1 / φ(y) = √(2π) e^(y²/2)``."""

    @staticmethod
    def forward(ctx, p):
        y = in_float64(_ndtri_array, p)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return gy * (exp(y * y * 0.5) * _SQRT_2PI)


def ndtr(x: Tensor) -> Tensor:
    """The standard normal CDF ``Φ(x) = (1 + erf(x/√2)) / 2``, as ``torch.special.ndtr``, accurate in both
    tails. Integers give float32."""
    return Ndtr.apply(as_floating(x))


def log_ndtr(x: Tensor) -> Tensor:
    """``log Φ(x)``, as ``torch.special.log_ndtr``: finite however negative x is (about ``-x²/2``). Integers give
    float32."""
    return LogNdtr.apply(as_floating(x))


def ndtri(p: Tensor) -> Tensor:
    """The inverse of the standard normal CDF (the quantile function, probit), as ``torch.special.ndtri``:
    ``ndtr(ndtri(p)) = p`` on [0, 1], ±inf at 1 and 0, nan outside. Integers give float32."""
    return Ndtri.apply(as_floating(p))


# ----------------------------------------------------------------------------- modified Bessel functions
_ASYMPTOTIC_FROM = 25.0     # below, the power series (45 terms); from here, the asymptotic series (22 terms)
_POWER_TERMS, _ASYMPTOTIC_TERMS = 45, 22


def _bessel_i_array(x, order: int, scaled: bool):
    """``I_ν(x)`` for ν = ``order`` (0 or 1) on a float64 array, times ``e^-|x|`` if ``scaled``. ``I₀`` is even
    and ``I₁`` odd, so both are computed at ``a = |x|``:

    * ``a < 25``: the power series ``I_ν(a) = (a/2)^ν Σ_k (a²/4)^k / (k! (k + ν)!)``, all terms positive (no
      cancellation), 45 of them;
    * ``a >= 25``: the asymptotic series ``I_ν(a) ~ e^a / √(2πa) Σ_k c_k / a^k`` with ``c_0 = 1`` and
      ``c_k = c_(k-1) ((2k - 1)² - 4ν²) / (8k)`` (A&S 9.7.1), whose 22nd term is below 1e-17 there. Unscaled,
      ``e^a`` is applied in two halves, so the result overflows only where ``I_ν`` does (a above about 713.9).

    At ±inf: ``I₀ = inf``, ``I₁ = ±inf``, and the scaled ones 0."""
    xp = backend.xp_of(x)
    a = xp.abs(x)
    with _quietly():
        s = xp.minimum(a, _ASYMPTOTIC_FROM)
        quarter = s * s / 4
        term = s / 2 if order else xp.ones_like(s)
        power = term.copy()
        for k in range(1, _POWER_TERMS + 1):
            term = term * quarter / (k * (k + order))
            power = power + term
        if scaled:
            power = power * xp.exp(-s)
        b = xp.maximum(a, _ASYMPTOTIC_FROM)
        c, asymptotic, inv_b = 1.0, xp.ones_like(b), 1 / b
        b_power = xp.ones_like(b)
        for k in range(1, _ASYMPTOTIC_TERMS + 1):
            c *= ((2 * k - 1) ** 2 - 4 * order * order) / (8 * k)
            b_power = b_power * inv_b
            asymptotic = asymptotic + c * b_power
        asymptotic = asymptotic / xp.sqrt(2 * math.pi * b)
        if not scaled:
            half = xp.exp(b / 2)
            asymptotic = xp.where(b == math.inf, math.inf, asymptotic * half * half)   # not 0 * inf
        out = xp.where(a < _ASYMPTOTIC_FROM, power, asymptotic)
    return xp.where(x < 0, -out, out) if order else out


class BesselI(Function):
    """``I₀``, ``I₁`` and the scaled ``e^-|x| I₀``, ``e^-|x| I₁`` (see :func:`_bessel_i_array`), output ``y``.
    Backward, each from the recurrences ``I₀' = I₁`` and ``I₁' = I₀ - I₁/x``:

        i0:  g i1(x)                      i0e: g (i1e(x) - sign(x) y)
        i1:  g (i0(x) - y/x)              i1e: g (i0e(x) - (sign(x) + 1/x) y)

    and for i1, i1e at 0, where ``y/x`` is 0/0, the limit 1/2, as in PyTorch. Each names this Function again,
    so the backward is differentiable too."""

    @staticmethod
    def forward(ctx, x, order, scaled):
        y = in_float64(_bessel_i_array, x, order, scaled)
        ctx.order, ctx.scaled = order, scaled
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        scaled = ctx.scaled
        sign = Tensor(backend.xp_of(x.data).sign(x.data))
        if ctx.order == 0:
            return gy * (BesselI.apply(x, 1, scaled) - sign * y if scaled else BesselI.apply(x, 1, False))
        zero = x.data == 0
        x_safe = where(zero, 1.0, x)
        ratio = y * (sign + 1 / x_safe) if scaled else y / x_safe
        return gy * where(zero, 0.5, BesselI.apply(x, 0, scaled) - ratio)


def i0(x: Tensor) -> Tensor:
    """The modified Bessel function of the first kind of order 0, ``I₀(x) = Σ_k (x²/4)^k / (k!)²``, as
    ``torch.i0``: even, 1 at 0, growing like ``e^|x| / √(2π|x|)``. Integers give float32."""
    return BesselI.apply(as_floating(x), 0, False)


def i0e(x: Tensor) -> Tensor:
    """``e^-|x| I₀(x)``, the exponentially scaled :func:`i0`, as ``torch.special.i0e``: finite for every x."""
    return BesselI.apply(as_floating(x), 0, True)


def i1(x: Tensor) -> Tensor:
    """The modified Bessel function of the first kind of order 1, ``I₁(x) = (x/2) Σ_k (x²/4)^k / (k! (k + 1)!)``,
    as ``torch.special.i1``: odd, ``I₁ = I₀'``. Integers give float32."""
    return BesselI.apply(as_floating(x), 1, False)


def i1e(x: Tensor) -> Tensor:
    """``e^-|x| I₁(x)``, the exponentially scaled :func:`i1`, as ``torch.special.i1e``: finite for every x."""
    return BesselI.apply(as_floating(x), 1, True)
