"""Elementwise arithmetic. Every binary op broadcasts its operands like NumPy, and its backward sums
the gradient back down to each operand's own shape (``sum_to``): a value that was used many times
receives the sum of the gradients of all its uses."""
from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd import Function, Tensor
from ._util import lift_pair
from .shape import sum_to


def _check_broadcast(op: str, a, b) -> None:
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(f"{op}: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be broadcast together") from None


class Add(Function):
    @staticmethod
    def forward(ctx, a, b):
        _check_broadcast("add", a, b)
        ctx.shapes = a.shape, b.shape
        return a + b

    @staticmethod
    def backward(ctx, gy):
        return sum_to(gy, ctx.shapes[0]), sum_to(gy, ctx.shapes[1])


class Sub(Function):
    @staticmethod
    def forward(ctx, a, b):
        _check_broadcast("sub", a, b)
        ctx.shapes = a.shape, b.shape
        return a - b

    @staticmethod
    def backward(ctx, gy):
        return sum_to(gy, ctx.shapes[0]), sum_to(neg(gy), ctx.shapes[1])


class Mul(Function):
    @staticmethod
    def forward(ctx, a, b):
        _check_broadcast("mul", a, b)
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        ga = sum_to(gy * b, a.shape) if ctx.needs_input_grad[0] else None
        gb = sum_to(gy * a, b.shape) if ctx.needs_input_grad[1] else None
        return ga, gb


class Div(Function):
    @staticmethod
    def forward(ctx, a, b):
        _check_broadcast("div", a, b)
        ctx.save_for_backward(a, b)
        return a / b

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        ga = sum_to(gy / b, a.shape) if ctx.needs_input_grad[0] else None
        gb = sum_to(neg(gy * a / (b * b)), b.shape) if ctx.needs_input_grad[1] else None
        return ga, gb


class Neg(Function):
    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, gy):
        return neg(gy)


class PowScalar(Function):
    """``x ** p`` for a constant exponent ``p``: d/dx = p x^(p-1)."""

    @staticmethod
    def forward(ctx, x, p):
        ctx.save_for_backward(x)
        ctx.p = p
        return x ** p

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        if ctx.p == 2:
            return gy * (x * 2)
        return gy * (pow(x, ctx.p - 1) * ctx.p)


class Pow(Function):
    """``a ** b`` with both differentiable: d/da = b a^(b-1), d/db = a^b log a."""

    @staticmethod
    def forward(ctx, a, b):
        _check_broadcast("pow", a, b)
        y = a ** b
        ctx.save_for_backward(a, b, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        a, b, y = ctx.saved_tensors
        ga = sum_to(gy * b * a ** (b - 1), a.shape) if ctx.needs_input_grad[0] else None
        gb = sum_to(gy * y * log(a), b.shape) if ctx.needs_input_grad[1] else None
        return ga, gb


class Exp(Function):
    @staticmethod
    def forward(ctx, x):
        y = backend.xp_of(x).exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return gy * y


class Log(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return backend.xp_of(x).log(x)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy / x


class Sqrt(Function):
    @staticmethod
    def forward(ctx, x):
        y = backend.xp_of(x).sqrt(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return gy / (y * 2)


class Abs(Function):
    """|x|; its derivative at 0 is taken as 0 (sign(0) = 0), as in PyTorch."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return backend.xp_of(x).abs(x)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * Tensor(backend.xp_of(x.data).sign(x.data))


def _select_mask(x, cond):
    """A constant 0/1 tensor of x's dtype (no gradient flows through a comparison)."""
    return Tensor(cond.astype(x.dtype))


class Maximum(Function):
    """Elementwise max. Where a == b the gradient is split evenly, as in PyTorch."""

    @staticmethod
    def forward(ctx, a, b):
        _check_broadcast("maximum", a, b)
        ctx.save_for_backward(a, b)
        return backend.xp_of(a).maximum(a, b)

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        wa = _select_mask(gy.data, a.data > b.data) + _select_mask(gy.data, a.data == b.data) * 0.5
        return sum_to(gy * wa, a.shape), sum_to(gy * (1 - wa), b.shape)


class Minimum(Function):
    @staticmethod
    def forward(ctx, a, b):
        _check_broadcast("minimum", a, b)
        ctx.save_for_backward(a, b)
        return backend.xp_of(a).minimum(a, b)

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        wa = _select_mask(gy.data, a.data < b.data) + _select_mask(gy.data, a.data == b.data) * 0.5
        return sum_to(gy * wa, a.shape), sum_to(gy * (1 - wa), b.shape)


class Clip(Function):
    """Clamp to [lo, hi]; the gradient passes where lo <= x <= hi (PyTorch's clamp convention)."""

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x)
        ctx.lo, ctx.hi = lo, hi
        xp = backend.xp_of(x)
        y = x
        if lo is not None:
            y = xp.maximum(y, xp.asarray(lo, dtype=x.dtype))
        if hi is not None:
            y = xp.minimum(y, xp.asarray(hi, dtype=x.dtype))
        return y

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        inside = backend.xp_of(x.data).ones(x.shape, dtype=bool)
        if ctx.lo is not None:
            inside &= x.data >= ctx.lo
        if ctx.hi is not None:
            inside &= x.data <= ctx.hi
        return gy * _select_mask(gy.data, inside)


class Where(Function):
    """``cond ? a : b`` elementwise; ``cond`` is a constant boolean array."""

    @staticmethod
    def forward(ctx, cond, a, b):
        _check_broadcast("where", a, b)
        ctx.cond, ctx.shapes = cond, (a.shape, b.shape)
        return backend.xp_of(a).where(cond, a, b)

    @staticmethod
    def backward(ctx, gy):
        m = _select_mask(gy.data, ctx.cond)
        return sum_to(gy * m, ctx.shapes[0]), sum_to(gy * (1 - m), ctx.shapes[1])


# ----------------------------------------------------------------------------- functional names
def add(a, b) -> Tensor:
    return Add.apply(*lift_pair(a, b))


def sub(a, b) -> Tensor:
    return Sub.apply(*lift_pair(a, b))


def mul(a, b) -> Tensor:
    return Mul.apply(*lift_pair(a, b))


def div(a, b) -> Tensor:
    return Div.apply(*lift_pair(a, b))


def neg(x: Tensor) -> Tensor:
    return Neg.apply(x)


def pow(a, b) -> Tensor:  # noqa: A001 - mirrors torch.pow
    if isinstance(a, Tensor) and isinstance(b, (int, float)):
        return PowScalar.apply(a, b)
    return Pow.apply(*lift_pair(a, b))


def exp(x: Tensor) -> Tensor:
    return Exp.apply(x)


def log(x: Tensor) -> Tensor:
    return Log.apply(x)


def sqrt(x: Tensor) -> Tensor:
    return Sqrt.apply(x)


def abs(x: Tensor) -> Tensor:  # noqa: A001 - mirrors torch.abs
    return Abs.apply(x)


def maximum(a, b) -> Tensor:
    return Maximum.apply(*lift_pair(a, b))


def minimum(a, b) -> Tensor:
    return Minimum.apply(*lift_pair(a, b))


def clip(x: Tensor, min=None, max=None) -> Tensor:  # noqa: A002 - PyTorch's argument names
    if min is None and max is None:
        raise ValueError("clip: at least one of min and max must be given")
    return Clip.apply(x, min, max)


clamp = clip


def where(cond, a, b) -> Tensor:
    a, b = lift_pair(a, b)
    cond = cond.data if isinstance(cond, Tensor) else cond
    if not backend.is_array(cond):  # a list or a bool: the backward needs an array (on a's device)
        cond = backend.xp_of(a.data).asarray(cond)
    return Where.apply(cond.astype(bool), a, b)
