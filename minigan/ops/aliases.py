"""PyTorch's other names for ops minigan already has (``absolute`` is ``abs``, ``arctan2`` is ``atan2``,
``greater`` is ``gt``, ``concat`` is ``cat`` ...), and the few arithmetic spellings that take one more argument:
``subtract(a, b, alpha=)``, ``rsub``, ``divide(a, b, rounding_mode=)``, ``positive``. Each is the op it names,
so its forward and backward are read in that op's file (arithmetic.py, math.py, shape.py)."""
from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd import Function, Tensor
from ._util import lift_pair
from .arithmetic import _check_broadcast, abs, div, mul, neg, sub
from .math import (_no_integer_zero_divisor, acos, acosh, asin, asinh, atan, atan2, atanh, ge, gt, le, lt, ne,
                   sign, trunc)
from .shape import cat, sum_to

absolute = abs
arccos, arccosh, arcsin, arcsinh, arctan, arctanh, arctan2 = acos, acosh, asin, asinh, atan, atanh, atan2
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne
multiply, true_divide, negative, fix, concat = mul, div, neg, trunc, cat


def sgn(x: Tensor) -> Tensor:
    """The sign of x (``sign`` for real tensors; PyTorch's ``sgn`` is ``x / |x|`` for complex ones, which
    minigan does not have)."""
    return sign(x)


def positive(x: Tensor) -> Tensor:
    """``+x``: x itself, as ``torch.positive``; refused for a bool tensor, as in PyTorch."""
    if x.dtype.kind == "b":
        raise TypeError("positive: the `+` operator, on a bool tensor is not supported")
    return x


def _scaled(op: str, other, alpha):
    """``alpha * other`` (just ``other`` when alpha is 1), as ``add``/``sub`` take it."""
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)):
        raise TypeError(f"{op}: alpha must be a number, got {alpha!r}")
    return other if alpha == 1 else mul(other, alpha)


def subtract(input, other, *, alpha=1) -> Tensor:  # noqa: A002 - PyTorch's argument names
    """``input - alpha * other`` (``torch.subtract`` / ``torch.sub``)."""
    return sub(input, _scaled("subtract", other, alpha))


def rsub(input, other, alpha=1) -> Tensor:  # noqa: A002
    """``other - alpha * input``: subtraction with the operands reversed (``torch.rsub``)."""
    return sub(other, _scaled("rsub", input, alpha))


class RoundedDivide(Function):
    """``a / b`` rounded towards 0 (``trunc``) or down (``floor``), in the operands' promoted dtype (integers stay
    integers). The quotient is flat between its jumps, so the gradient of each operand is 0, as in PyTorch."""

    @staticmethod
    def forward(ctx, a, b, mode):
        _check_broadcast("divide", a, b)
        ctx.shapes = a.shape, b.shape
        xp = backend.xp_of(a)
        with np.errstate(divide="ignore", invalid="ignore"):
            if mode == "floor":
                return xp.floor_divide(a, b)        # Python's rule: floor(a / b), exact for integers
            if a.dtype.kind == "f":
                return xp.trunc(a / b)
            q = xp.floor_divide(a, b)               # integers: floor, then one up where the signs differ
            return q + ((xp.remainder(a, b) != 0) & ((a < 0) != (b < 0))).astype(q.dtype)

    @staticmethod
    def backward(ctx, gy):
        zeros = Tensor(backend.xp_of(gy.data).zeros_like(gy.data))
        return sum_to(zeros, ctx.shapes[0]), sum_to(zeros, ctx.shapes[1])


def rounded_divide(op: str, a, b, mode: str) -> Tensor:
    a, b = lift_pair(a, b)
    _no_integer_zero_divisor(op, b.data)
    if a.dtype.kind == "b":         # bools divide as the integers they are
        a, b = a.to(dtype=np.int64), b.to(dtype=np.int64)
    return RoundedDivide.apply(a, b, mode)


def divide(input, other, *, rounding_mode=None) -> Tensor:  # noqa: A002
    """``input / other`` (``torch.divide`` / ``torch.div``): true division (integers give float32) when
    ``rounding_mode`` is None; ``"trunc"`` rounds the quotient towards 0 and ``"floor"`` down, keeping integer
    dtypes, with a zero gradient (see :class:`RoundedDivide`)."""
    if rounding_mode is None:
        return div(input, other)
    if rounding_mode not in ("trunc", "floor"):
        raise ValueError(f"divide: expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                         f"{rounding_mode!r}")
    return rounded_divide("divide", input, other, rounding_mode)
