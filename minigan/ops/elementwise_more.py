"""More elementwise functions of PyTorch's: signs (copysign, signbit, heaviside), angles (deg2rad, rad2deg),
powers of two (ldexp, frexp, logaddexp2, float_power), the nan-ignoring extremes fmax and fmin, integer
division and divisors (floor_divide, gcd, lcm), nextafter, and the tests isneginf, isposinf, isreal, isin.

Most are compositions of differentiable ops (their gradients come from those ops; each docstring says which);
fmax, fmin and nextafter are Functions of their own. Those with no derivative in PyTorch (heaviside,
floor_divide, gcd, lcm) and the tests return tensors with no graph."""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .. import backend
from ..autograd import Function, Tensor
from ._util import as_floating, lift, lift_pair, result_type
from .arithmetic import _check_broadcast, _routed, abs, mul, pow
from .aliases import rounded_divide
from .math import _floating_pair, logaddexp
from .shape import sum_to


def _tensor_pair(a, b) -> tuple[Tensor, Tensor]:
    """Both operands as Tensors of their promoted dtype, on the device of whichever is a tensor."""
    return lift_pair(a, b)


# ----------------------------------------------------------------------------- signs
def copysign(input, other) -> Tensor:  # noqa: A002 - PyTorch's argument names
    """``|input|`` with the sign of ``other`` (its sign bit: -0.0 counts as negative). A composition,
    ``|input| * s`` with ``s = ±1`` a constant read from ``other``: the gradient of input is ``s * sign(input)``
    (0 at input = 0, as in PyTorch), and ``other``, which only chooses a sign, gets none."""
    a, b = _floating_pair(input, other)
    xp = backend.xp_of(a.data)
    s = xp.where(xp.signbit(b.data), -1, 1).astype(a.dtype)
    return mul(abs(a), Tensor(s))


def signbit(input: Tensor) -> Tensor:  # noqa: A002
    """Where the sign bit is set (negative numbers and -0.0), a bool tensor with no graph."""
    return Tensor(backend.xp_of(input.data).signbit(input.data))


def heaviside(input: Tensor, values) -> Tensor:  # noqa: A002
    """The step function: 0 where input < 0, ``values`` where input = 0, 1 where input > 0. Both must have one
    dtype, as in PyTorch; it has no gradient (PyTorch defines none) and returns a tensor with no graph."""
    if isinstance(values, Tensor) and values.dtype != input.dtype:
        raise TypeError(f"heaviside: is not yet implemented for tensors with different dtypes (got {input.dtype} "
                        f"and {values.dtype})")
    values = lift(values, input, input.dtype)
    _check_broadcast("heaviside", input.data, values.data)
    xp = backend.xp_of(input.data)
    x = input.data
    return Tensor(xp.where(x == 0, values.data, (x > 0).astype(x.dtype)).astype(x.dtype))


# ----------------------------------------------------------------------------- angles and powers of two
def deg2rad(input: Tensor) -> Tensor:  # noqa: A002
    """Degrees to radians, ``x * pi / 180`` (float32 for an integer tensor); gradient ``pi / 180``."""
    return mul(as_floating(input), math.pi / 180)


def rad2deg(input: Tensor) -> Tensor:  # noqa: A002
    """Radians to degrees, ``x * 180 / pi`` (float32 for an integer tensor); gradient ``180 / pi``."""
    return mul(as_floating(input), 180 / math.pi)


def float_power(input, exponent) -> Tensor:  # noqa: A002
    """``input ** exponent`` computed in float64 whatever the dtypes (``torch.float_power``): both operands are
    cast to float64 by recorded ops, so gradients come back in their own dtypes; the power is :func:`pow`."""
    if isinstance(input, Tensor) and isinstance(exponent, (int, float)) and not isinstance(exponent, bool):
        return pow(input.to(dtype=np.float64), float(exponent))
    like = input if isinstance(input, Tensor) else exponent
    return pow(lift(input, like, np.dtype(np.float64)), lift(exponent, like, np.dtype(np.float64)))


def ldexp(input, other) -> Tensor:  # noqa: A002
    """``input * 2 ** other`` (``torch.ldexp``), a composition of mul and pow: d/d input = 2^other,
    d/d other = input 2^other log 2. An integer input gives float32."""
    a = as_floating(input if isinstance(input, Tensor) else lift(input, other))
    return mul(a, pow(2.0, other))


class FrexpResult(NamedTuple):
    mantissa: Tensor
    exponent: Tensor


def frexp(input: Tensor) -> FrexpResult:  # noqa: A002
    """``input = mantissa * 2 ** exponent`` with ``0.5 <= |mantissa| < 1`` (0 for 0) and an int32 exponent.
    The mantissa is ``input * 2^-exponent``, a product with a constant power of two (exact), so its gradient
    is ``2^-exponent``; the exponent has no graph."""
    if input.dtype.kind != "f":
        raise TypeError(f"frexp: only supports floating-point dtypes, got {input.dtype}")
    xp = backend.xp_of(input.data)
    _, e = xp.frexp(input.data)
    scale = xp.ldexp(xp.ones((), dtype=input.dtype), -e).astype(input.dtype)
    return FrexpResult(mul(input, Tensor(scale)), Tensor(e.astype(np.int32)))


def logaddexp2(input, other) -> Tensor:  # noqa: A002
    """``log2(2^a + 2^b)`` without overflow: ``logaddexp(a ln 2, b ln 2) / ln 2``, a composition, so the
    gradient of a is ``2^a / (2^a + 2^b)`` (a two-way softmax weight), as in :func:`logaddexp`."""
    a, b = _floating_pair(input, other)
    return logaddexp(a * math.log(2), b * math.log(2)) / math.log(2)


# ----------------------------------------------------------------------------- extremes that skip nan
class FExtreme(Function):
    """``fmax``/``fmin``: the larger (smaller) of a and b, or the one that is not nan. The gradient goes whole to
    the operand the output came from: to ``a`` where ``a >= b`` (``a <= b`` for fmin) or b is nan, else to ``b``
    (a tie goes to a, PyTorch's rule; ``maximum`` splits a tie instead)."""

    @staticmethod
    def forward(ctx, a, b, name):
        _check_broadcast(name, a, b)
        ctx.save_for_backward(a, b)
        ctx.name = name
        return getattr(backend.xp_of(a), name)(a, b)

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        xp = backend.xp_of(a.data)
        with np.errstate(invalid="ignore"):
            wins = (a.data >= b.data) if ctx.name == "fmax" else (a.data <= b.data)
        to_a = wins | xp.isnan(b.data)
        return (_routed(gy, to_a, a.shape) if ctx.needs_input_grad[0] else None,
                _routed(gy, ~to_a, b.shape) if ctx.needs_input_grad[1] else None)


def fmax(input, other) -> Tensor:  # noqa: A002
    """The elementwise maximum, ignoring nan (nan only where both are nan); see :class:`FExtreme`."""
    return FExtreme.apply(*_tensor_pair(input, other), "fmax")


def fmin(input, other) -> Tensor:  # noqa: A002
    """The elementwise minimum, ignoring nan; see :class:`FExtreme`."""
    return FExtreme.apply(*_tensor_pair(input, other), "fmin")


class NextAfter(Function):
    """The next floating-point value after ``a`` towards ``b``. It moves ``a`` by one step of its own spacing, so
    d/da = 1, and ``b``, which only gives the direction, gets no gradient."""

    @staticmethod
    def forward(ctx, a, b):
        _check_broadcast("nextafter", a, b)
        ctx.shape = a.shape
        return backend.xp_of(a).nextafter(a, b)

    @staticmethod
    def backward(ctx, gy):
        return sum_to(gy, ctx.shape), None


def nextafter(input, other) -> Tensor:  # noqa: A002
    a, b = _tensor_pair(input, other)
    if a.dtype.kind != "f":
        raise TypeError(f"nextafter: expected floating-point tensors, got {a.dtype}")
    return NextAfter.apply(a, b)


# ----------------------------------------------------------------------------- integer division and divisors
def floor_divide(input, other) -> Tensor:  # noqa: A002
    """``floor(input / other)`` in the operands' promoted dtype (integers stay integers; an integer division
    by zero is a ZeroDivisionError). PyTorch defines no derivative for it: the result has no graph (for a
    zero gradient through a rounded quotient use ``divide(a, b, rounding_mode="floor")``)."""
    return rounded_divide("floor_divide", input, other, "floor").detach()


def _integers(op: str, a, b) -> tuple[Tensor, Tensor]:
    a, b = _tensor_pair(a, b)
    if a.dtype.kind not in "iu":
        raise TypeError(f"{op}: expected integer tensors, got {a.dtype}")
    _check_broadcast(op, a.data, b.data)
    return a, b


def gcd(input, other) -> Tensor:  # noqa: A002
    """The greatest common divisor of each pair of integers (non-negative; gcd(0, 0) = 0), no graph."""
    a, b = _integers("gcd", input, other)
    return Tensor(backend.xp_of(a.data).gcd(a.data, b.data))


def lcm(input, other) -> Tensor:  # noqa: A002
    """The least common multiple of each pair of integers (non-negative; 0 if either is 0), no graph."""
    a, b = _integers("lcm", input, other)
    return Tensor(backend.xp_of(a.data).lcm(a.data, b.data))


# ----------------------------------------------------------------------------- tests (bool results, no graph)
def _infinite(input: Tensor, positive: bool) -> Tensor:  # noqa: A002
    xp = backend.xp_of(input.data)
    if input.dtype.kind != "f":
        return Tensor(xp.zeros(input.shape, dtype=bool))
    x = input.data
    return Tensor(xp.isinf(x) & ((x > 0) if positive else (x < 0)))


def isposinf(input: Tensor) -> Tensor:  # noqa: A002
    """Where input is +inf (never for an integer tensor)."""
    return _infinite(input, True)


def isneginf(input: Tensor) -> Tensor:  # noqa: A002
    """Where input is -inf (never for an integer tensor)."""
    return _infinite(input, False)


def isreal(input: Tensor) -> Tensor:  # noqa: A002
    """Where the imaginary part is 0: everywhere, for minigan's real tensors."""
    return Tensor(backend.xp_of(input.data).isreal(input.data))


def isin(elements, test_elements, *, assume_unique: bool = False, invert: bool = False) -> Tensor:
    """Where each of ``elements`` is among ``test_elements`` (either may be a number), a bool tensor of
    elements' shape; ``invert`` gives where it is not. The two are compared in their promoted dtype."""
    like = elements if isinstance(elements, Tensor) else test_elements
    if not isinstance(like, Tensor):
        raise TypeError("isin: expected elements or test_elements to be a tensor, got two numbers")
    dtype = result_type(elements, test_elements)
    e, t = lift(elements, like, dtype), lift(test_elements, like, dtype)
    xp = backend.xp_of(e.data)
    return Tensor(xp.isin(e.data, t.data, assume_unique=assume_unique, invert=invert))
