"""Elementwise math beyond arithmetic: trigonometric and hyperbolic functions and their inverses, logs and
exponentials in other bases, rounding, remainders, and a few smooth binary functions (atan2, hypot,
logaddexp, lerp); then the comparisons, which have no gradient.

Most one-input functions share one Function, :class:`Unary`: its forward calls the array library's function
of that name, and its backward reads the derivative from :data:`DERIVATIVES`, a table that reads like the
one at the back of a calculus book. The rounding family is flat between its jumps: :class:`Step` gives it
a zero gradient. Integer inputs become float32 where PyTorch's results are floats (``sin`` of an int tensor);
rounding and ``sign`` keep integer dtypes, as in PyTorch."""
from __future__ import annotations

import math

import numpy as np

from .. import backend
from ..autograd import Function, Tensor
from ._util import as_floating, lift, lift_pair, result_type
from .arithmetic import _check_broadcast, neg, pow, where
from .shape import clone, sum_to


# ----------------------------------------------------------------------------- smooth functions of one input
# The gradient of each input from the upstream gradient g, the input x and the output y, written in minigan
# ops so that it can be differentiated again. The formulas are PyTorch's (tan from its output, rsqrt-style
# roots for the inverse functions). Keys are the array library's names (NumPy's and CuPy's agree).
DERIVATIVES = {
    "sin": lambda g, x, y: g * cos(x),
    "cos": lambda g, x, y: neg(g * sin(x)),
    "tan": lambda g, x, y: g * (y * y + 1),
    "arcsin": lambda g, x, y: g * rsqrt(1 - x * x),
    "arccos": lambda g, x, y: neg(g * rsqrt(1 - x * x)),
    "arctan": lambda g, x, y: g / (x * x + 1),
    "sinh": lambda g, x, y: g * cosh(x),
    "cosh": lambda g, x, y: g * sinh(x),
    "arcsinh": lambda g, x, y: g * rsqrt(x * x + 1),
    "arccosh": lambda g, x, y: g * rsqrt(x * x - 1),
    "arctanh": lambda g, x, y: g / (1 - x * x),
    "log1p": lambda g, x, y: g / (x + 1),
    "expm1": lambda g, x, y: g * (y + 1),
    "log2": lambda g, x, y: g / (x * math.log(2)),
    "log10": lambda g, x, y: g / (x * math.log(10)),
    "exp2": lambda g, x, y: g * y * math.log(2),
    "reciprocal": lambda g, x, y: neg(g * (y * y)),
    "rsqrt": lambda g, x, y: g * (y * y * y) * -0.5,
}
# the one the array library lacks, from two it has (and as PyTorch computes it)
COMPOSED = {"rsqrt": lambda xp, x: xp.reciprocal(xp.sqrt(x))}


class Unary(Function):
    """``y = f(x)`` for the function ``f`` named ``name`` in the array library (or in :data:`COMPOSED`);
    backward: ``g * f'(x)``, from :data:`DERIVATIVES`. log1p and expm1 are kept apart from log and exp
    because near 0 they are exact where ``log(1 + x)`` loses the digits of x."""

    @staticmethod
    def forward(ctx, x, name):
        with np.errstate(divide="ignore", invalid="ignore"):   # asin(2) is nan and log2(0) is -inf, as in PyTorch
            xp = backend.xp_of(x)
            y = COMPOSED[name](xp, x) if name in COMPOSED else getattr(xp, name)(x)
        ctx.name = name
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):   # asin'(1) is inf, as in PyTorch
            return DERIVATIVES[ctx.name](gy, x, y)


def _unary(name: str, x: Tensor) -> Tensor:
    return Unary.apply(as_floating(x), name)


def sin(x: Tensor) -> Tensor: return _unary("sin", x)
def cos(x: Tensor) -> Tensor: return _unary("cos", x)
def tan(x: Tensor) -> Tensor: return _unary("tan", x)
def asin(x: Tensor) -> Tensor: return _unary("arcsin", x)
def acos(x: Tensor) -> Tensor: return _unary("arccos", x)
def atan(x: Tensor) -> Tensor: return _unary("arctan", x)
def sinh(x: Tensor) -> Tensor: return _unary("sinh", x)
def cosh(x: Tensor) -> Tensor: return _unary("cosh", x)
def asinh(x: Tensor) -> Tensor: return _unary("arcsinh", x)
def acosh(x: Tensor) -> Tensor: return _unary("arccosh", x)
def atanh(x: Tensor) -> Tensor: return _unary("arctanh", x)
def log1p(x: Tensor) -> Tensor: return _unary("log1p", x)
def expm1(x: Tensor) -> Tensor: return _unary("expm1", x)
def log2(x: Tensor) -> Tensor: return _unary("log2", x)
def log10(x: Tensor) -> Tensor: return _unary("log10", x)
def exp2(x: Tensor) -> Tensor: return _unary("exp2", x)


def reciprocal(x: Tensor) -> Tensor:
    """``1 / x`` (float32 for an integer tensor); inf at 0, as in PyTorch."""
    return _unary("reciprocal", x)


def rsqrt(x: Tensor) -> Tensor:
    """``1 / sqrt(x)``; inf at 0, as in PyTorch."""
    return _unary("rsqrt", x)


def square(x: Tensor) -> Tensor:
    """``x * x``; an integer tensor stays integer, as in PyTorch."""
    return pow(x, 2)


class Sinc(Function):
    """``sin(pi x) / (pi x)``, and 1 at 0. Its derivative ``(pi x cos(pi x) - sin(pi x)) / (pi x^2)`` is 0/0 at 0,
    where the true value is 0 (sinc is even); PyTorch writes 0 there too."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return backend.xp_of(x).sinc(x)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        at_zero = x.data == 0
        x1 = where(at_zero, 1.0, x)            # 1 where x is 0, so that no 0/0 enters the graph
        px = x1 * math.pi
        return gy * where(at_zero, 0.0, (px * cos(px) - sin(px)) / (px * x1))


def sinc(x: Tensor) -> Tensor:
    return Sinc.apply(as_floating(x))


# ----------------------------------------------------------------------------- rounding: flat between jumps
class Step(Function):
    """A piecewise-constant function ``f`` of arrays (floor, ceil, round, trunc, sign). Between its jumps it is
    flat, so its derivative is 0; at a jump there is none, and PyTorch takes 0 there too. The gradient is
    therefore zeros, not None: ``x.grad`` comes back as zeros, as in PyTorch."""

    @staticmethod
    def forward(ctx, x, f):
        return f(x)

    @staticmethod
    def backward(ctx, gy):
        return Tensor(backend.xp_of(gy.data).zeros_like(gy.data))


def _step(x: Tensor, f) -> Tensor:
    if x.dtype.kind in "biu":   # integers are their own floor, ceil, round and trunc: a copy, as in PyTorch
        return clone(x)
    return Step.apply(x, f)


def floor(x: Tensor) -> Tensor:
    return _step(x, lambda a: backend.xp_of(a).floor(a))


def ceil(x: Tensor) -> Tensor:
    return _step(x, lambda a: backend.xp_of(a).ceil(a))


def trunc(x: Tensor) -> Tensor:
    """Round towards 0: trunc(-2.5) = -2."""
    return _step(x, lambda a: backend.xp_of(a).trunc(a))


def round(x: Tensor, decimals: int = 0) -> Tensor:  # noqa: A001 - mirrors torch.round
    """Round to ``decimals`` decimal places (negative: to tens, hundreds...), halves to the even neighbour
    as in PyTorch: round(0.5) = 0, round(1.5) = 2, round(2.5) = 2."""
    if decimals and x.dtype.kind in "biu":
        raise TypeError(f"round: decimals={decimals} needs a floating-point tensor, got {x.dtype} (as in PyTorch)")
    return _step(x, lambda a: backend.xp_of(a).round(a, decimals))


def sign(x: Tensor) -> Tensor:
    """-1, 0 or 1 by the sign of x; 0 at -0.0 and at nan, as PyTorch's (NumPy's sign(nan) is nan). A bool
    tensor is its own sign."""
    if x.dtype.kind == "b":
        return clone(x)
    return Step.apply(x, lambda a: (a > 0).astype(a.dtype) - (a < 0).astype(a.dtype))


def frac(x: Tensor) -> Tensor:
    """The fractional part ``x - trunc(x)``, with x's sign: frac(-2.5) = -0.5. Its gradient is 1, trunc's
    being 0."""
    if x.dtype.kind not in "f":
        raise TypeError(f"frac: expected a floating-point tensor, got {x.dtype} (as in PyTorch)")
    return x - trunc(x)


# ----------------------------------------------------------------------------- remainders
def _no_integer_zero_divisor(op: str, b) -> None:
    if b.dtype.kind in "biu" and (b == 0).any():
        raise ZeroDivisionError(f"{op}: integer division by zero (as in PyTorch; a float divisor gives nan)")


class Fmod(Function):
    """``a - trunc(a / b) * b``, the remainder with the sign of ``a`` (C's fmod): fmod(-7, 2) = -1. Where ``a``
    moves, so does the remainder: d/da = 1. Where ``b`` moves, the quotient ``trunc(a / b)`` stays put between
    its jumps: d/db = -trunc(a / b)."""

    @staticmethod
    def forward(ctx, a, b):
        _check_broadcast("fmod", a, b)
        _no_integer_zero_divisor("fmod", b)
        ctx.save_for_backward(a, b)
        with np.errstate(divide="ignore", invalid="ignore"):   # fmod(x, 0.0) is nan, as in PyTorch
            return backend.xp_of(a).fmod(a, b)

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        gb = None
        if ctx.needs_input_grad[1]:
            with np.errstate(divide="ignore", invalid="ignore"):
                quotient = Tensor(backend.xp_of(a.data).trunc(a.data / b.data))
            gb = sum_to(neg(gy * quotient), b.shape)
        return sum_to(gy, a.shape), gb


class Remainder(Function):
    """``a - floor(a / b) * b``, the remainder with the sign of ``b`` (Python's ``%``): remainder(-7, 2) = 1.
    d/da = 1, d/db = -floor(a / b), as :class:`Fmod` with the quotient rounded down."""

    @staticmethod
    def forward(ctx, a, b):
        _check_broadcast("remainder", a, b)
        _no_integer_zero_divisor("remainder", b)
        ctx.save_for_backward(a, b)
        with np.errstate(divide="ignore", invalid="ignore"):
            return backend.xp_of(a).remainder(a, b)

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        gb = None
        if ctx.needs_input_grad[1]:
            with np.errstate(divide="ignore", invalid="ignore"):
                quotient = Tensor(backend.xp_of(a.data).floor_divide(a.data, b.data))
            gb = sum_to(neg(gy * quotient), b.shape)
        return sum_to(gy, a.shape), gb


def fmod(a, b) -> Tensor:
    """The remainder of ``a / b`` with the sign of ``a``; integers stay integers, as in PyTorch."""
    return Fmod.apply(*lift_pair(a, b))


def remainder(a, b) -> Tensor:
    """The remainder of ``a / b`` with the sign of ``b`` (Python's ``a % b``); integers stay integers."""
    return Remainder.apply(*lift_pair(a, b))


# ----------------------------------------------------------------------------- smooth functions of two inputs
def _floating_pair(a, b) -> tuple[Tensor, Tensor]:
    a, b = lift_pair(a, b)
    return as_floating(a), as_floating(b)


class Atan2(Function):
    """The angle of the point ``(b, a)``: ``atan2(a, b)``, in ``(-pi, pi]``. With ``r = a^2 + b^2``,
    d/da = b / r and d/db = -a / r; at the origin, where r = 0, PyTorch takes 0 for both."""

    @staticmethod
    def forward(ctx, a, b):
        _check_broadcast("atan2", a, b)
        ctx.save_for_backward(a, b)
        return backend.xp_of(a).arctan2(a, b)

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        r = a * a + b * b
        origin = r.data == 0
        recip = where(origin, 0.0, 1 / where(origin, 1.0, r))
        ga = sum_to(gy * b * recip, a.shape) if ctx.needs_input_grad[0] else None
        gb = sum_to(gy * neg(a) * recip, b.shape) if ctx.needs_input_grad[1] else None
        return ga, gb


def atan2(a, b) -> Tensor:
    return Atan2.apply(*_floating_pair(a, b))


class Hypot(Function):
    """``sqrt(a^2 + b^2)``, without overflow for large a or b. d/da = a / y, d/db = b / y (nan at the origin,
    as in PyTorch)."""

    @staticmethod
    def forward(ctx, a, b):
        _check_broadcast("hypot", a, b)
        y = backend.xp_of(a).hypot(a, b)
        ctx.save_for_backward(a, b, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        a, b, y = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            ga = sum_to(gy * a / y, a.shape) if ctx.needs_input_grad[0] else None
            gb = sum_to(gy * b / y, b.shape) if ctx.needs_input_grad[1] else None
        return ga, gb


def hypot(a, b) -> Tensor:
    return Hypot.apply(*_floating_pair(a, b))


class LogAddExp(Function):
    """``log(e^a + e^b)``, computed as ``max + log1p(e^-|a - b|)`` so neither exponential overflows.
    d/da = e^a / (e^a + e^b) = sigmoid(a - b), d/db = sigmoid(b - a): the two weights of a two-way softmax."""

    @staticmethod
    def forward(ctx, a, b):
        _check_broadcast("logaddexp", a, b)
        ctx.save_for_backward(a, b)
        return backend.xp_of(a).logaddexp(a, b)

    @staticmethod
    def backward(ctx, gy):
        from .activation import sigmoid     # activation.py sits above this file (it imports the reductions)
        a, b = ctx.saved_tensors
        ga = sum_to(gy * sigmoid(a - b), a.shape) if ctx.needs_input_grad[0] else None
        gb = sum_to(gy * sigmoid(b - a), b.shape) if ctx.needs_input_grad[1] else None
        return ga, gb


def logaddexp(a, b) -> Tensor:
    return LogAddExp.apply(*_floating_pair(a, b))


class Lerp(Function):
    """Linear interpolation ``start + weight * (end - start)``, computed as PyTorch computes it: from the
    nearer end (``end - (end - start) * (1 - weight)`` where ``|weight| >= 0.5``), so that ``weight = 1`` gives
    ``end`` exactly. Gradients: ``1 - weight`` to start, ``weight`` to end, ``end - start`` to weight."""

    @staticmethod
    def forward(ctx, start, end, weight):
        try:
            np.broadcast_shapes(start.shape, end.shape, weight.shape)
        except ValueError:
            raise ValueError(f"lerp: shapes {start.shape} (start), {end.shape} (end) and {weight.shape} (weight) "
                             "cannot be broadcast together") from None
        ctx.save_for_backward(start, end, weight)
        xp = backend.xp_of(start)
        step = end - start
        return xp.where(xp.abs(weight) < 0.5, start + weight * step, end - step * (1 - weight))

    @staticmethod
    def backward(ctx, gy):
        start, end, weight = ctx.saved_tensors
        needs = ctx.needs_input_grad
        g_start = sum_to(gy * (1 - weight), start.shape) if needs[0] else None
        g_end = sum_to(gy * weight, end.shape) if needs[1] else None
        g_weight = sum_to(gy * (end - start), weight.shape) if needs[2] else None
        return g_start, g_end, g_weight


def lerp(start: Tensor, end, weight) -> Tensor:
    """``start + weight * (end - start)``; ``weight`` is a number or a tensor (broadcast with the others)."""
    dtype = result_type(start, end, weight)
    dtype = dtype if dtype.kind == "f" else np.dtype(np.float32)
    like = start if isinstance(start, Tensor) else end
    return Lerp.apply(*(lift(v, like, dtype) for v in (start, end, weight)))


# ----------------------------------------------------------------------------- comparisons (no gradient)
def _compared(a, b) -> tuple[Tensor, object]:
    """``a`` as a Tensor (a number beside the tensor ``b`` is lifted onto b's device), for its comparison
    operators."""
    return (a, b) if isinstance(a, Tensor) else (lift(a, b), b)


def gt(a, b) -> Tensor:
    """``a > b`` elementwise, a bool tensor with no gradient; either may be a number (``torch.gt``)."""
    a, b = _compared(a, b)
    return a > b


def ge(a, b) -> Tensor:
    a, b = _compared(a, b)
    return a >= b


def lt(a, b) -> Tensor:
    a, b = _compared(a, b)
    return a < b


def le(a, b) -> Tensor:
    a, b = _compared(a, b)
    return a <= b


def eq(a, b) -> Tensor:
    a, b = _compared(a, b)
    return a.eq(b)


def ne(a, b) -> Tensor:
    a, b = _compared(a, b)
    return a.ne(b)


def logical_and(a, b) -> Tensor:
    """Where both ``a`` and ``b`` are true (non-zero), a bool tensor with no gradient (``torch.logical_and``)."""
    a, b = _compared(a, b)
    return a.logical_and(b)


def logical_or(a, b) -> Tensor:
    """Where ``a`` or ``b`` (or both) is true (non-zero), a bool tensor (``torch.logical_or``)."""
    a, b = _compared(a, b)
    return a.logical_or(b)


def logical_xor(a, b) -> Tensor:
    """Where exactly one of ``a`` and ``b`` is true (non-zero), a bool tensor (``torch.logical_xor``)."""
    a, b = _compared(a, b)
    return a.logical_xor(b)


def logical_not(x) -> Tensor:
    """Where ``x`` is false (zero), a bool tensor (``torch.logical_not``)."""
    return x.logical_not()


def isnan(x: Tensor) -> Tensor:
    """Where x is nan (never for an integer tensor), a bool tensor."""
    return Tensor(backend.xp_of(x.data).isnan(x.data))


def isinf(x: Tensor) -> Tensor:
    """Where x is +inf or -inf, a bool tensor."""
    return Tensor(backend.xp_of(x.data).isinf(x.data))


def isfinite(x: Tensor) -> Tensor:
    """Where x is neither inf nor nan, a bool tensor."""
    return Tensor(backend.xp_of(x.data).isfinite(x.data))


def isclose(a, b, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    """Where ``|a - b| <= atol + rtol * |b|`` (and where both are the same inf; where both are nan too if
    ``equal_nan``), a bool tensor; a and b broadcast together."""
    a, b = _compared(a, b)
    b = b if isinstance(b, Tensor) else lift(b, a)
    return Tensor(backend.xp_of(a.data).isclose(a.data, b.data, rtol=rtol, atol=atol, equal_nan=equal_nan))


def allclose(a, b, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """Whether :func:`isclose` holds everywhere: a Python bool, as ``torch.allclose``."""
    return bool(isclose(a, b, rtol, atol, equal_nan).data.all())


def equal(a: Tensor, b: Tensor) -> bool:
    """Whether ``a`` and ``b`` have the same shape and the same values (nan equals nothing): a Python bool,
    as ``torch.equal``."""
    return a.shape == b.shape and bool((a.data == b.data).all())
