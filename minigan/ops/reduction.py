"""Reductions: sum, mean, max/min, var. The backward of a reduction broadcasts the gradient back over
the reduced axes (a sum spreads it unchanged, a mean divides it by the count, a max routes it to the
maximum)."""
from __future__ import annotations

import builtins

from .. import backend
from ..autograd import Function, Tensor
from .shape import broadcast_to, reshape


def _axes(axis, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int):
        axis = (axis,)
    return tuple(sorted(a % ndim for a in axis))


def _kept_shape(shape, axes) -> tuple[int, ...]:
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


class Sum(Function):
    @staticmethod
    def forward(ctx, x, axes, keepdims):
        ctx.in_shape, ctx.axes = x.shape, axes
        return x.sum(axis=axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, gy):
        return broadcast_to(reshape(gy, _kept_shape(ctx.in_shape, ctx.axes)), ctx.in_shape)


def sum(x: Tensor, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001 - mirrors torch.sum
    return Sum.apply(x, _axes(axis, x.ndim), keepdims)


def mean(x: Tensor, axis=None, keepdims: bool = False) -> Tensor:
    axes = _axes(axis, x.ndim)
    count = 1
    for a in axes:
        count *= x.shape[a]
    return Sum.apply(x, axes, keepdims) * (1.0 / builtins.max(count, 1))


class Max(Function):
    """Max over axes. When several elements tie for the maximum, the gradient is shared evenly
    between them (like ``torch.amax``), so the result does not depend on an arbitrary choice."""

    @staticmethod
    def forward(ctx, x, axes, keepdims):
        y = x.max(axis=axes, keepdims=True)
        ctx.in_shape, ctx.axes = x.shape, axes
        ctx.save_for_backward(x, y)
        return y if keepdims else y.reshape([n for i, n in enumerate(y.shape) if i not in axes])

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        hit = (x.data == y.data).astype(x.dtype)
        share = Tensor(hit / hit.sum(axis=ctx.axes, keepdims=True))
        return broadcast_to(reshape(gy, _kept_shape(ctx.in_shape, ctx.axes)), ctx.in_shape) * share


def max(x: Tensor, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001 - mirrors torch.max
    if x.size == 0:
        raise ValueError("max: the tensor is empty")
    return Max.apply(x, _axes(axis, x.ndim), keepdims)


def min(x: Tensor, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001 - mirrors torch.min
    return -max(-x, axis=axis, keepdims=keepdims)


def var(x: Tensor, axis=None, keepdims: bool = False, correction: int = 1) -> Tensor:
    """Variance ``sum((x - mean)^2) / (n - correction)``; ``correction=1`` is the unbiased estimate
    (PyTorch's default), ``correction=0`` the biased one used by batch norm's normalisation."""
    axes = _axes(axis, x.ndim)
    n = 1
    for a in axes:
        n *= x.shape[a]
    d = x - mean(x, axis=axes, keepdims=True)
    return sum(d * d, axis=axes, keepdims=keepdims) * (1.0 / builtins.max(n - correction, 1))


def std(x: Tensor, axis=None, keepdims: bool = False, correction: int = 1) -> Tensor:
    from .arithmetic import sqrt
    return sqrt(var(x, axis=axis, keepdims=keepdims, correction=correction))


def argmax(x: Tensor, axis=None) -> Tensor:
    """Index of the maximum (not differentiable)."""
    return Tensor(backend.xp_of(x.data).argmax(x.data, axis=axis))

