"""Elementwise arithmetic. Every binary op broadcasts its operands like NumPy, and its backward sums
the gradient back down to each operand's own shape (``sum_to``): a value that was used many times
receives the sum of the gradients of all its uses."""
from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd import Function, Tensor
from ._util import as_floating, lift, lift_pair, result_type
from .shape import sum_to


def _quietly():
    """NumPy's floating-point warnings off for one op: ``1/0`` is inf, ``log(0)`` -inf, ``sqrt(-1)`` nan and
    ``exp(1000)`` inf, as in PyTorch, which gives those values without a word (CuPy gives no warnings)."""
    return np.errstate(divide="ignore", invalid="ignore", over="ignore")


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
        with _quietly():
            return a + b

    @staticmethod
    def backward(ctx, gy):
        # only where asked: for a constant (x + 1) the sum over all of gy would be a pass over memory for nothing
        return (sum_to(gy, ctx.shapes[0]) if ctx.needs_input_grad[0] else None,
                sum_to(gy, ctx.shapes[1]) if ctx.needs_input_grad[1] else None)


class Sub(Function):
    @staticmethod
    def forward(ctx, a, b):
        _check_broadcast("sub", a, b)
        ctx.shapes = a.shape, b.shape
        with _quietly():
            return a - b

    @staticmethod
    def backward(ctx, gy):
        return (sum_to(gy, ctx.shapes[0]) if ctx.needs_input_grad[0] else None,
                sum_to(neg(gy), ctx.shapes[1]) if ctx.needs_input_grad[1] else None)


class Mul(Function):
    @staticmethod
    def forward(ctx, a, b):
        _check_broadcast("mul", a, b)
        ctx.save_for_backward(a, b)
        with _quietly():
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
        with _quietly():
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
    """``x ** p`` for a constant exponent ``p``: d/dx = p x^(p-1), and 0 for p = 0 (x^0 = 1 everywhere, so
    also at x = 0, where the formula would give 0 * 0^-1 = nan)."""

    @staticmethod
    def forward(ctx, x, p):
        ctx.save_for_backward(x)
        ctx.p = p
        with _quietly():
            return x ** p

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        if ctx.p == 0:
            return Tensor(backend.xp_of(x.data).zeros(x.shape, dtype=x.dtype))
        if ctx.p == 2:
            return gy * (x * 2)
        return gy * (pow(x, ctx.p - 1) * ctx.p)


class Pow(Function):
    """``a ** b`` with both differentiable: d/da = b a^(b-1), d/db = a^b log a, with PyTorch's values where
    these formulas meet 0 * inf: d/da = 0 where b = 0 (a^0 = 1 for every a), and d/db = 0 where a = 0 and
    b >= 0 (0^b is 0 or 1 there, and log 0 = -inf)."""

    @staticmethod
    def forward(ctx, a, b):
        _check_broadcast("pow", a, b)
        with _quietly():
            y = a ** b
        ctx.save_for_backward(a, b, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        a, b, y = ctx.saved_tensors
        ga = gb = None
        if ctx.needs_input_grad[0]:
            with _quietly():                      # 0 * 0^-1 = nan at a = b = 0, masked here
                ga = where(b.data == 0, 0.0, gy * b * a ** (b - 1))
            ga = sum_to(ga, a.shape)
        if ctx.needs_input_grad[1]:
            # where a = 0 and b >= 0, log a is replaced by log 1 = 0
            zero_base = (a.data == 0) & (b.data >= 0)
            gb = sum_to(gy * y * log(where(zero_base, 1.0, a)), b.shape)
        return ga, gb


class Exp(Function):
    @staticmethod
    def forward(ctx, x):
        with _quietly():
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
        with _quietly():
            return backend.xp_of(x).log(x)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy / x


class Sqrt(Function):
    @staticmethod
    def forward(ctx, x):
        with _quietly():
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


def gated(gy: Tensor, factor: Tensor) -> Tensor:
    """``gy * factor`` for a constant gate ``factor`` (0/1, or 0/slope), but 0 wherever the gate is 0, even where
    ``gy`` is infinite or nan, as PyTorch's selects give (``inf * 0`` would be nan). A product is several times
    faster than a select on a CPU, so the select is made only where ``gy`` holds a value that is not finite
    (checked in one pass): otherwise the two agree exactly."""
    out = gy * factor
    xp = backend.xp_of(gy.data)
    if bool(xp.isfinite(gy.data).all()):
        return out
    return Where.apply(xp.broadcast_to(factor.data != 0, out.shape), out, Tensor(xp.zeros((), dtype=out.dtype)))


def _routed(gy: Tensor, cond, shape) -> Tensor:
    """The gradient ``gy`` where ``cond``, 0 elsewhere, summed to ``shape``: :func:`gated` by the 0/1 mask, so an
    infinite or nan ``gy`` where ``cond`` is false still gives 0 there, as in PyTorch, and a finite one costs a
    product, not a select."""
    return sum_to(gated(gy, _select_mask(gy.data, cond)), shape)


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
        return sum_to(gated(gy, wa), a.shape), sum_to(gated(gy, 1 - wa), b.shape)


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
        return sum_to(gated(gy, wa), a.shape), sum_to(gated(gy, 1 - wa), b.shape)


class Clip(Function):
    """``min(max(x, lo), hi)``; ``lo`` and ``hi`` are numbers, None (no bound) or tensors broadcast with x.
    The gradient goes where the output came from, by PyTorch's rule: to x where lo <= x <= hi (both bounds
    inclusive, so x wins a tie), to lo where x < lo < hi, to hi where x > hi or hi < lo (hi is the output
    then). Where lo = hi > x, nobody gets it (PyTorch's rule too)."""

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
        x, lo, hi = x.data, ctx.lo, ctx.hi
        needs = iter(ctx.needs_input_grad)     # one flag per tensor input: x, then lo and hi if tensors

        def grad_where(cond, shape):
            return _routed(gy, cond, shape) if next(needs) else None

        inside = True
        if lo is not None:
            inside = inside & (x >= lo)
        if hi is not None:
            inside = inside & (x <= hi)
        grads = [grad_where(inside, x.shape)]
        # a bound given as a tensor is an input too (its array reaches forward; a number stays a number)
        if backend.is_array(lo):
            grads.append(grad_where((x < lo) if hi is None else (x < lo) & (lo < hi), lo.shape))
        if backend.is_array(hi):
            grads.append(grad_where((x > hi) if lo is None else (x > hi) | (hi < lo), hi.shape))
        return tuple(grads)


class Where(Function):
    """``cond ? a : b`` elementwise; ``cond`` is a constant boolean array."""

    @staticmethod
    def forward(ctx, cond, a, b):
        _check_broadcast("where", a, b)
        ctx.cond, ctx.shapes = cond, (a.shape, b.shape)
        return backend.xp_of(a).where(cond, a, b)

    @staticmethod
    def backward(ctx, gy):
        return _routed(gy, ctx.cond, ctx.shapes[0]), _routed(gy, ~ctx.cond, ctx.shapes[1])


# ----------------------------------------------------------------------------- functional names
def add(a, b) -> Tensor:
    return Add.apply(*lift_pair(a, b))


def sub(a, b) -> Tensor:
    return Sub.apply(*lift_pair(a, b))


def mul(a, b) -> Tensor:
    return Mul.apply(*lift_pair(a, b))


def div(a, b) -> Tensor:
    a, b = lift_pair(a, b)
    if a.data.dtype.kind != "f":  # true division of integers gives the default float, as in PyTorch
        a, b = as_floating(a), as_floating(b)
    return Div.apply(a, b)


def neg(x: Tensor) -> Tensor:
    return Neg.apply(x)


def pow(a, b) -> Tensor:  # noqa: A001 - mirrors torch.pow
    if isinstance(a, Tensor) and isinstance(b, (int, float)):
        if a.data.dtype.kind != "f":  # an integer tensor ** 0.5 is float32 (** 2 stays an integer tensor)
            a = lift(a, a, result_type(a, b))
        return PowScalar.apply(a, b)
    return Pow.apply(*lift_pair(a, b))


def exp(x: Tensor) -> Tensor:
    return Exp.apply(as_floating(x))


def log(x: Tensor) -> Tensor:
    return Log.apply(as_floating(x))


def sqrt(x: Tensor) -> Tensor:
    return Sqrt.apply(as_floating(x))


def abs(x: Tensor) -> Tensor:  # noqa: A001 - mirrors torch.abs
    return Abs.apply(x)


def maximum(a, b) -> Tensor:
    return Maximum.apply(*lift_pair(a, b))


def minimum(a, b) -> Tensor:
    return Minimum.apply(*lift_pair(a, b))


def clip(x: Tensor, min=None, max=None) -> Tensor:  # noqa: A002 - PyTorch's argument names
    """Clamp ``x`` to ``[min, max]``; the result has the dtype of x and the bounds promoted together (an
    integer tensor clamped at 0.5 is float32), and bounds given as tensors receive gradients (see Clip)."""
    if min is None and max is None:
        raise ValueError("clip: at least one of min and max must be given")
    numbers = all(v is None or isinstance(v, (int, float)) for v in (min, max))
    if numbers and x.data.dtype.kind == "f":  # the common case: a float tensor keeps its dtype
        return Clip.apply(x, min, max)
    dtype = result_type(x, min, max)
    lo, hi = (v if v is None or isinstance(v, (int, float)) else lift(v, x, dtype) for v in (min, max))
    return Clip.apply(lift(x, x, dtype), lo, hi)


clamp = clip


def where(cond, a, b) -> Tensor:
    """``a`` where ``cond`` is true, else ``b``; either may be a Python number (of the dtype PyTorch's
    promotion gives it beside the other: ``where(c, x, 0.0)`` keeps x's dtype; both numbers give float32)."""
    cond = cond.data if isinstance(cond, Tensor) else cond
    like = next((t for t in (a, b) if isinstance(t, Tensor)), None)
    if not backend.is_array(cond):  # a list or a bool: the backward needs an array (on a or b's device)
        cond = (np if like is None else backend.xp_of(like.data)).asarray(cond)
    if like is None:  # two numbers: the first becomes a 0-d tensor on cond's device
        a = Tensor(backend.xp_of(cond).asarray(a, dtype=result_type(a, b)))
    a, b = lift_pair(a, b)
    return Where.apply(cond.astype(bool), a, b)
