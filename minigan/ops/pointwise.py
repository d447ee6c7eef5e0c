"""Elementwise extras: fused multiply-adds (addcmul, addcdiv), nan_to_num, xlogy, logit and erfinv.

addcmul and addcdiv are compositions of arithmetic ops. The other four are Functions whose backward says
what happens at the awkward points: nan_to_num passes the gradient only where x was finite (a replaced
value is a constant); xlogy is 0 where x is 0 even where log y is -inf, and so is its derivative in x there;
logit's derivative is 0 outside its clamp; erfinv's is read from its own output."""
from __future__ import annotations

import math

import numpy as np

from .. import backend
from ..autograd import Function, Tensor
from ._util import as_floating, floating_operands, lift, result_type
from .activation import _erf_array, erfcx_fraction
from .arithmetic import _quietly, exp, where
from .shape import clone, sum_to

__all__ = ["addcmul", "addcdiv", "nan_to_num", "xlogy", "logit", "erfinv"]


# ----------------------------------------------------------------------------- fused multiply-adds
def _fused_operands(op: str, input: Tensor, tensor1, tensor2, value):  # noqa: A002 - PyTorch's name
    """The three tensors in their common dtype (PyTorch's promotion of the three; ``value`` takes that dtype
    and does not promote it), after checking that they broadcast."""
    try:
        np.broadcast_shapes(*(np.shape(t.data if isinstance(t, Tensor) else t) for t in (input, tensor1, tensor2)))
    except ValueError:
        shapes = ", ".join(str(tuple(np.shape(t.data if isinstance(t, Tensor) else t)))
                           for t in (input, tensor1, tensor2))
        raise ValueError(f"{op}: shapes {shapes} (input, tensor1, tensor2) cannot be broadcast together") from None
    dtype = result_type(input, tensor1, tensor2)
    if dtype == np.bool_:
        raise TypeError(f"{op}: not defined for bool tensors, as in PyTorch")
    like = next(t for t in (input, tensor1, tensor2) if isinstance(t, Tensor))
    return [lift(t, like, dtype) for t in (input, tensor1, tensor2)], dtype.type(value)


def addcmul(input: Tensor, tensor1, tensor2, *, value=1) -> Tensor:  # noqa: A002 - PyTorch's name
    """``input + value * tensor1 * tensor2``, broadcast, as ``torch.addcmul``. The result has the three
    tensors' promoted dtype, and ``value`` is read in it (as in PyTorch, 0.5 is 0 for integer tensors).
    A composition of mul and add."""
    (a, t1, t2), v = _fused_operands("addcmul", input, tensor1, tensor2, value)
    return a + t1 * v * t2


def addcdiv(input: Tensor, tensor1, tensor2, *, value=1) -> Tensor:  # noqa: A002 - PyTorch's name
    """``input + value * tensor1 / tensor2``, broadcast, as ``torch.addcdiv`` (the step of Adam and RMSprop).
    Integer ``tensor1`` and ``tensor2`` are refused, as in PyTorch (the division would have to truncate).
    A composition of mul, div and add."""
    kinds = [(t.data.dtype if isinstance(t, Tensor) else np.asarray(t).dtype).kind for t in (tensor1, tensor2)]
    if all(k in "biu" for k in kinds):
        raise TypeError("addcdiv: integer division with addcdiv is not supported (tensor1 and tensor2 are both "
                        "integer tensors); write input + value * tensor1 / tensor2 for a true division")
    (a, t1, t2), v = _fused_operands("addcdiv", input, tensor1, tensor2, value)
    return a + t1 * v / t2


# ----------------------------------------------------------------------------- nan_to_num
class NanToNum(Function):
    """nan, +inf and -inf replaced by three numbers. Those places become constants, so the gradient is ``g``
    where x was finite and 0 elsewhere, as in PyTorch."""

    @staticmethod
    def forward(ctx, x, nan, posinf, neginf):
        ctx.finite = backend.xp_of(x).isfinite(x)
        return backend.xp_of(x).nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)

    @staticmethod
    def backward(ctx, gy):
        return gy * Tensor(ctx.finite.astype(gy.dtype))


def nan_to_num(x: Tensor, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None) -> Tensor:
    """``x`` with nan replaced by ``nan``, +inf by ``posinf`` and -inf by ``neginf`` (by default the largest and
    the lowest finite numbers of x's dtype), as ``torch.nan_to_num``. An integer or bool tensor has none of
    them: it comes back as a copy."""
    if x.dtype.kind != "f":
        return clone(x)
    info = np.finfo(x.dtype)
    posinf = float(info.max) if posinf is None else posinf
    neginf = float(info.min) if neginf is None else neginf
    return NanToNum.apply(x, nan, posinf, neginf)


# ----------------------------------------------------------------------------- xlogy
class Xlogy(Function):
    """``x * log(y)`` (``one_plus``: ``x * log(1 + y)``, computed with ``log1p`` for accuracy at small y), and 0
    where ``x == 0`` (unless y is nan), as ``torch.xlogy`` and ``torch.special.xlog1py``: the convention of
    entropies, ``0 log 0 = 0``. Backward, with PyTorch's values (``s`` the shift, 0 or 1)::

        d/dx = log(s + y), but 0 where x == 0 and s + y <= 0 (there the log is -inf or nan, and the output is 0)
        d/dy = x / (s + y)

    ``g * log(s + y)`` is taken as this Function again, of ``(g, y)`` (so a zero upstream gradient gives 0 even
    where the log is infinite), and differentiates in both."""

    @staticmethod
    def forward(ctx, x, y, one_plus=False):
        xp = backend.xp_of(x)
        with _quietly():
            out = xp.where((x == 0) & ~xp.isnan(y), xp.zeros((), dtype=x.dtype),
                           x * (xp.log1p(y) if one_plus else xp.log(y)))
        ctx.one_plus = one_plus
        ctx.save_for_backward(x, y)
        return out

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        shift = 1 if ctx.one_plus else 0
        gx = gy_ = None
        if ctx.needs_input_grad[0]:
            gx = sum_to(where((x.data == 0) & (y.data + shift <= 0), 0.0, Xlogy.apply(gy, y, ctx.one_plus)), x.shape)
        if ctx.needs_input_grad[1]:
            gy_ = sum_to(gy * x / (y + shift if shift else y), y.shape)
        return gx, gy_


def _x_log(op: str, x, y, one_plus: bool) -> Tensor:
    """xlogy and xlog1py: either may be a number; integers give float32; the two broadcast."""
    return Xlogy.apply(*floating_operands(op, x, y), one_plus)


def xlogy(x, y) -> Tensor:
    """``x * log(y)``, 0 where ``x == 0`` (see :class:`Xlogy`). Either may be a number; integers give float32."""
    return _x_log("xlogy", x, y, False)


def xlog1py(x, y) -> Tensor:
    """``x * log(1 + y)``, 0 where ``x == 0`` (see :class:`Xlogy`), as ``torch.special.xlog1py``. Either may be a
    number; integers give float32."""
    return _x_log("xlog1py", x, y, True)


# ----------------------------------------------------------------------------- logit
class Logit(Function):
    """``log(z / (1 - z))``, the inverse of the sigmoid, with ``z = x`` clamped to ``[eps, 1 - eps]`` when ``eps``
    is given. Backward ``g / (x (1 - x))``; with ``eps``, 0 outside ``[eps, 1 - eps]`` (the clamp is flat there;
    both bounds inclusive); without it, nan outside [0, 1], where logit is not defined: PyTorch's values."""

    @staticmethod
    def forward(ctx, x, eps):
        xp = backend.xp_of(x)
        z = x if eps is None else xp.where(x < eps, eps, xp.where(x > 1 - eps, 1 - eps, x)).astype(x.dtype)
        with _quietly():
            y = xp.log(z / (1 - z))
        ctx.eps = eps
        ctx.save_for_backward(x)
        return y

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        eps = ctx.eps
        lo, hi = (0.0, 1.0) if eps is None else (eps, 1 - eps)
        outside = (x.data < lo) | (x.data > hi)
        g = gy / (x * (1 - x))
        if not outside.any():
            return g
        return where(outside, math.nan if eps is None else 0.0, g)


def logit(x: Tensor, eps: float | None = None) -> Tensor:
    """``log(x / (1 - x))``, the inverse of the sigmoid, as ``torch.logit``: ``eps`` clamps x to ``[eps,
    1 - eps]`` first, so 0 and 1 give finite values (a negative ``eps`` is no clamp, as in PyTorch). Integers
    give float32."""
    x = as_floating(x)
    return Logit.apply(x, None if eps is None or eps < 0 else float(eps))


# ----------------------------------------------------------------------------- erfinv
_WINITZKI_A = 0.147


def _erfc_array(x):
    """``erfc(x) = 1 - erf(x)`` for ``x >= 0``, accurate relative to its own size where it is small: below 2 as
    ``1 - erf(x)`` (:func:`~minigan.ops.activation._erf_array`), from 2 on by the continued fraction (A&S
    7.1.14, :func:`~minigan.ops.activation.erfcx_fraction`) with 60 levels, which reaches a relative error of about
    1e-15 from 2 on."""
    xp = backend.xp_of(x)
    b = xp.maximum(x, 2.0)
    return xp.where(x < 2.0, 1 - _erf_array(x), xp.exp(-b * b) * erfcx_fraction(b, 60))


def _erfinv_array(a):
    """``erfinv`` on a float64 array: the ``x`` with ``erf(x) = a``, for ``-1 <= a <= 1`` (±inf at ±1, nan
    beyond). Two stages, on ``y = |a|`` (erfinv is odd):

    * a first guess, Winitzki's closed form (2008), within about 2e-3:
      ``x0 = sqrt(sqrt(t^2 - L/A) - t)`` with ``L = log((1 - y)(1 + y))``, ``t = 2/(pi A) + L/2``, ``A = 0.147``;
    * two Halley steps on ``f(x) = erf(x) - y``, whose derivatives are known: ``f' = 2/sqrt(pi) e^(-x^2)`` and
      ``f'' = -2x f'``, so a step is ``x -= u / (1 + x u)`` with ``u = f / f'``. Each step cubes the relative
      error: 2e-3, 1e-8, then float64's own rounding.

    Near ``y = 1``, ``erf(x) - y`` would be a difference of two numbers both near 1, which loses what is
    being solved for, so there the residual is taken as ``(1 - y) - erfc(x)`` (``1 - y`` is exact for ``y >=
    0.5``, and erfc is accurate relative to its size). Largest error against a 50-digit reference, over
    values down to 1e-300 and up to 1 - 1e-16: about 1e-14 relative."""
    xp = backend.xp_of(a)
    y = xp.abs(a)
    inside = y < 1
    y_in = xp.where(inside, y, 0.0)             # the iteration runs on valid values only
    with _quietly():
        log_l = xp.log((1 - y_in) * (1 + y_in))
        t = 2 / (math.pi * _WINITZKI_A) + log_l / 2
        x = xp.sqrt(xp.sqrt(t * t - log_l / _WINITZKI_A) - t)
        for _ in range(2):
            residual = xp.where(y_in < 0.5, _erf_array(x) - y_in, (1 - y_in) - _erfc_array(x))
            u = residual / ((2 / math.sqrt(math.pi)) * xp.exp(-x * x))
            x = x - u / (1 + x * u)
    x = xp.where(inside, x, xp.where(y == 1, math.inf, math.nan))
    return xp.copysign(x, a)


class Erfinv(Function):
    """``erfinv(x)``, the inverse of erf on (-1, 1) (see :func:`_erfinv_array`; computed in float64 and given
    back in x's dtype). Backward from the output ``y``: the derivative of an inverse is one over the derivative
    at the image, ``1 / erf'(y) = sqrt(pi)/2 exp(y^2)``."""

    @staticmethod
    def forward(ctx, x):
        y = _erfinv_array(x.astype(np.float64)).astype(x.dtype)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return gy * (exp(y * y) * (math.sqrt(math.pi) / 2))


def erfinv(x: Tensor) -> Tensor:
    """The inverse error function, ``torch.erfinv``: ``erf(erfinv(x)) = x`` on [-1, 1] (±inf at ±1, nan
    outside). Integers and bools give float32."""
    return Erfinv.apply(as_floating(x))
