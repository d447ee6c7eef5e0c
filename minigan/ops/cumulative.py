"""Running sums and products along one dim (cumsum, cumprod), and the product along a dim (prod), whose
backward is built from running products.

Output k is a sum (product) of inputs 0..k, so input i feeds every output from i on, and its gradient
gathers the upstream gradients of all of them: a sum running the other way, from the end of the dim back
to i. So cumsum's backward is a reversed cumsum, whose own backward is a cumsum again. A product adds one
twist: the formula without zeros divides by the input, which fails where an input is 0 (see
:class:`Cumprod` and :class:`Prod`)."""
from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd import Function, Tensor
from ._util import either, normalize_dim
from .arithmetic import where
from .shape import astype, concatenate, getitem, reshape


def _flip(x: Tensor, axis: int) -> Tensor:
    """``x`` in reverse order along ``axis``, by a recorded slice (its backward reverses the gradient back)."""
    return getitem(x, (slice(None),) * axis + (slice(None, None, -1),))


class Cumsum(Function):
    """``y_k = x_0 + ... + x_k`` along ``axis``; with ``reverse``, ``y_k = x_k + ... + x_(n-1)``.
    Backward: ``dL/dx_i = sum over k >= i of g_k``, the reversed running sum of g (a reversed one's backward is
    the forward running sum)."""

    @staticmethod
    def forward(ctx, x, axis, reverse):
        ctx.axis, ctx.reverse = axis, reverse
        xp = backend.xp_of(x)
        if not reverse:
            return xp.cumsum(x, axis=axis)
        return xp.ascontiguousarray(xp.flip(xp.cumsum(xp.flip(x, axis), axis=axis), axis))

    @staticmethod
    def backward(ctx, gy):
        return Cumsum.apply(gy, ctx.axis, not ctx.reverse)


class Cumprod(Function):
    """``y_k = x_0 * ... * x_k`` along ``axis``. The gradient of ``x_i`` is ``sum over k >= i of g_k * (the
    product of x_0..x_k but x_i)``.

    Where ``x_i != 0`` that product is ``y_k / x_i``, so the gradient is ``reverse_cumsum(g * y) / x_i``: exact,
    whatever zeros stand elsewhere (every y_k past a zero is 0, and so is the gradient of every input after the
    first zero). At the first zero of a slice, ``y / x`` is 0/0; its gradient is the same reversed sum over
    the running products taken with that zero read as 1. Later zeros get 0: each of their products holds the
    first zero. These are PyTorch's values."""

    @staticmethod
    def forward(ctx, x, axis):
        y = backend.xp_of(x).cumprod(x, axis=axis)
        ctx.axis = axis
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        axis, zero = ctx.axis, x.data == 0
        if not zero.any():
            return Cumsum.apply(gy * y, axis, True) / x
        first = zero & (backend.xp_of(zero).cumsum(zero, axis=axis) == 1)    # the first zero of each slice
        g = Cumsum.apply(gy * y, axis, True) / where(zero, 1.0, x)           # right wherever x != 0
        g_first = Cumsum.apply(gy * Cumprod.apply(where(first, 1.0, x), axis), axis, True)
        return where(zero, where(first, g_first, 0.0), g)


def _scan(op: str, fn, x: Tensor, dim, dtype) -> Tensor:
    if dtype is not None:
        x = astype(x, dtype)
    elif x.dtype.kind in "biu":     # bool and integer running sums are int64, as in PyTorch
        x = astype(x, np.int64)
    axis = normalize_dim(dim, x.ndim, op)
    if x.ndim == 0:                 # a 0-d tensor is its own one element
        return reshape(fn(reshape(x, (1,)), 0), ())
    return fn(x, axis)


def cumsum(x: Tensor, dim: int, *, dtype=None) -> Tensor:
    """The running sum along ``dim``: ``cumsum([1, 2, 3]) = [1, 3, 6]``. ``dtype`` casts the input first;
    integers and bools sum in int64."""
    return _scan("cumsum", lambda t, axis: Cumsum.apply(t, axis, False), x, dim, dtype)


def cumprod(x: Tensor, dim: int, *, dtype=None) -> Tensor:
    """The running product along ``dim``: ``cumprod([1, 2, 3]) = [1, 2, 6]``; its gradient is right where
    the input holds zeros (see :class:`Cumprod`)."""
    return _scan("cumprod", Cumprod.apply, x, dim, dtype)


# ----------------------------------------------------------------------------- the product along a dim
def _kept_shape(shape, axis: int) -> tuple[int, ...]:
    return tuple(1 if i == axis else n for i, n in enumerate(shape))


def _exclusive_cumprod(x: Tensor, axis: int) -> Tensor:
    """The product of the elements before each one along ``axis`` (1 for the first)."""
    ones = Tensor(backend.xp_of(x.data).ones(_kept_shape(x.shape, axis), dtype=x.dtype))
    return cumprod(concatenate([ones, getitem(x, (slice(None),) * axis + (slice(None, -1),))], axis), axis)


class Prod(Function):
    """The product along ``axis``. The gradient of each element is the product of the others: ``y / x_i``
    where no element is 0. Where one is, that quotient is 0/0, so the backward multiplies the products of
    the elements before and after each one instead (two exclusive running products), which is right
    however many zeros there are: with one, only the zero gets a gradient; with two, nothing does."""

    @staticmethod
    def forward(ctx, x, axis, keepdim):
        y = x.prod(axis=axis, keepdims=keepdim)
        ctx.axis = axis
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        kept = _kept_shape(x.shape, ctx.axis)
        g = reshape(gy, kept)
        if not (x.data == 0).any():
            return g * reshape(y, kept) / x
        before = _exclusive_cumprod(x, ctx.axis)
        after = _flip(_exclusive_cumprod(_flip(x, ctx.axis), ctx.axis), ctx.axis)
        return g * (before * after)


def prod(x: Tensor, dim=None, keepdim: bool | None = None, *, dtype=None, axis=None,
         keepdims: bool | None = None) -> Tensor:
    """The product of all elements (a 0-d tensor), or along one ``dim``; the product of no elements is 1.
    Integers and bools multiply in int64, as in PyTorch; ``dtype`` casts the input first. The gradient is
    right where the input holds zeros (see :class:`Prod`)."""
    dim = either("prod", "dim", dim, "axis", axis)
    keep = bool(either("prod", "keepdim", keepdim, "keepdims", keepdims, default=False))
    if dtype is not None:
        x = astype(x, dtype)
    elif x.dtype.kind in "biu":
        x = astype(x, np.int64)
    if dim is None:
        return Prod.apply(reshape(x, (-1,)), 0, False)
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"prod: dim must be one int, as in PyTorch, got {dim!r}")
    axis = normalize_dim(dim, x.ndim, "prod")
    if x.ndim == 0:             # a 0-d tensor is its own one element
        return Prod.apply(reshape(x, (1,)), 0, False)
    return Prod.apply(x, axis, keep)
