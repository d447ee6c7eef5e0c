"""Shape operations: reshape, permute, broadcast/sum-to, indexing, concatenate, stack, pad, device and
dtype moves. Each one's backward is another shape operation: reshape undoes reshape, permute undoes
permute, sum_to undoes broadcast_to, and the gradient of indexing scatters into zeros."""
from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd import Function, Tensor
from ._util import sum_to_array


class Reshape(Function):
    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, gy):
        return reshape(gy, ctx.in_shape)


def reshape(x: Tensor, *shape) -> Tensor:
    """``x`` with a new shape of the same size (``-1`` infers one size)."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    target = _infer_shape(x, tuple(int(n) for n in shape))
    return x if target == x.shape else Reshape.apply(x, target)


def _infer_shape(x: Tensor, shape: tuple) -> tuple:
    """``shape`` with its one ``-1`` filled in, or a clear error when it cannot hold ``x``."""
    free = [i for i, n in enumerate(shape) if n == -1]
    known = int(np.prod([n for n in shape if n != -1]))
    ok = len(free) <= 1 and all(n >= -1 for n in shape)
    if ok and free:
        ok = known > 0 and x.size % known == 0
        shape = shape[:free[0]] + (x.size // max(known, 1),) + shape[free[0] + 1:]
    elif ok:
        ok = known == x.size
    if not ok:
        raise ValueError(f"reshape: cannot reshape a tensor of shape {x.shape} ({x.size} elements) "
                         f"into shape {shape}")
    return shape


class Permute(Function):
    @staticmethod
    def forward(ctx, x, axes):
        ctx.axes = axes
        return x.transpose(axes)

    @staticmethod
    def backward(ctx, gy):
        return permute(gy, tuple(np.argsort(ctx.axes)))


def permute(x: Tensor, *axes) -> Tensor:
    """Reorder the axes: ``y.shape[i] == x.shape[axes[i]]``."""
    if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
        axes = tuple(axes[0])
    axes = tuple(int(a) % x.ndim for a in axes)
    if sorted(axes) != list(range(x.ndim)):
        raise ValueError(f"permute: axes {axes} are not a permutation of {x.ndim} dimensions")
    return Permute.apply(x, axes)


def transpose(x: Tensor, dim0: int | None = None, dim1: int | None = None) -> Tensor:
    """Swap two axes (default: reverse all axes, like ``ndarray.T``)."""
    if dim0 is None:
        return permute(x, tuple(reversed(range(x.ndim))))
    axes = list(range(x.ndim))
    axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
    return permute(x, tuple(axes))


class BroadcastTo(Function):
    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        return backend.xp_of(x).broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, gy):
        return sum_to(gy, ctx.in_shape)


def broadcast_to(x: Tensor, shape) -> Tensor:
    shape = tuple(shape)
    return x if x.shape == shape else BroadcastTo.apply(x, shape)


class SumTo(Function):
    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        return sum_to_array(x, shape)

    @staticmethod
    def backward(ctx, gy):
        return broadcast_to(gy, ctx.in_shape)


def sum_to(x: Tensor, shape) -> Tensor:
    """Sum ``x`` down to ``shape``: the gradient of broadcasting ``shape`` up to ``x.shape``."""
    shape = tuple(shape)
    return x if x.shape == shape else SumTo.apply(x, shape)


def _raw_index(index):
    """Indices may hold Tensors (e.g. a label tensor): use their arrays."""
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    return index.data if isinstance(index, Tensor) else index


def _is_basic(index) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis for i in items)


class GetItem(Function):
    @staticmethod
    def forward(ctx, x, index):
        ctx.in_shape, ctx.index = x.shape, index
        return x[index]

    @staticmethod
    def backward(ctx, gy):
        return IndexAdd.apply(gy, ctx.in_shape, ctx.index)


class IndexAdd(Function):
    """The adjoint of indexing: a zero array of the input's shape with ``gy`` added at ``index``.

    Repeated indices (``x[[0, 0]]``) must add up, so advanced indexing uses the backend's
    scatter-add (``np.add.at`` / ``cupyx.scatter_add``); basic slices cannot repeat and use plain
    assignment."""

    @staticmethod
    def forward(ctx, gy, shape, index):
        ctx.index = index
        xp = backend.xp_of(gy)
        out = xp.zeros(shape, dtype=gy.dtype)
        if _is_basic(index):
            out[index] = gy
        else:
            backend.scatter_add(out, index, gy)
        return out

    @staticmethod
    def backward(ctx, gg):
        return GetItem.apply(gg, ctx.index)


def getitem(x: Tensor, index) -> Tensor:
    return GetItem.apply(x, _raw_index(index))


class Concatenate(Function):
    @staticmethod
    def forward(ctx, *xs, axis=0):
        ctx.axis = axis
        ctx.sizes = [x.shape[axis] for x in xs]
        return backend.xp_of(xs[0]).concatenate(xs, axis=axis)

    @staticmethod
    def backward(ctx, gy):
        out, start = [], 0
        for n in ctx.sizes:
            idx = [slice(None)] * gy.ndim
            idx[ctx.axis] = slice(start, start + n)
            out.append(getitem(gy, tuple(idx)))
            start += n
        return tuple(out)


def concatenate(tensors, axis: int = 0) -> Tensor:
    tensors = list(tensors)
    if not tensors:
        raise ValueError("concatenate: needs at least one tensor")
    axis = axis % tensors[0].ndim
    for t in tensors[1:]:
        if t.ndim != tensors[0].ndim or any(a != b for i, (a, b) in enumerate(zip(t.shape, tensors[0].shape))
                                            if i != axis):
            raise ValueError(f"concatenate: shapes {[x.shape for x in tensors]} differ outside axis {axis}")
    return Concatenate.apply(*tensors, axis=axis)


cat = concatenate


def stack(tensors, axis: int = 0) -> Tensor:
    tensors = list(tensors)
    shapes = {t.shape for t in tensors}
    if len(shapes) != 1:
        raise ValueError(f"stack: all tensors must have the same shape, got {[t.shape for t in tensors]}")
    axis = axis % (tensors[0].ndim + 1)
    return concatenate([unsqueeze(t, axis) for t in tensors], axis=axis)


def unsqueeze(x: Tensor, axis: int) -> Tensor:
    axis = axis % (x.ndim + 1)
    return reshape(x, x.shape[:axis] + (1,) + x.shape[axis:])


def squeeze(x: Tensor, axis: int | None = None) -> Tensor:
    if axis is None:
        return reshape(x, tuple(n for n in x.shape if n != 1))
    axis = axis % x.ndim
    if x.shape[axis] != 1:
        return x
    return reshape(x, x.shape[:axis] + x.shape[axis + 1:])


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    start, end = start_dim % x.ndim, end_dim % x.ndim
    n = int(np.prod(x.shape[start:end + 1]))
    return reshape(x, x.shape[:start] + (n,) + x.shape[end + 1:])


class Pad(Function):
    @staticmethod
    def forward(ctx, x, pad_width, value):
        ctx.slices = tuple(slice(b, b + n) for (b, _), n in zip(pad_width, x.shape))
        return backend.xp_of(x).pad(x, pad_width, mode="constant", constant_values=value)

    @staticmethod
    def backward(ctx, gy):
        return getitem(gy, ctx.slices)


def pad(x: Tensor, pad_width, value: float = 0.0) -> Tensor:
    """Constant padding, ``pad_width`` as in ``numpy.pad``: ``((before, after), ...)`` per axis, or
    an int for every side of every axis."""
    if isinstance(pad_width, int):
        pad_width = ((pad_width, pad_width),) * x.ndim
    pad_width = tuple((int(b), int(a)) for b, a in pad_width)
    if len(pad_width) != x.ndim or any(b < 0 or a < 0 for b, a in pad_width):
        raise ValueError(f"pad: need one non-negative (before, after) pair per axis of shape {x.shape}, "
                         f"got {pad_width}")
    return Pad.apply(x, pad_width, value)


class ToDevice(Function):
    @staticmethod
    def forward(ctx, x, device):
        ctx.src = backend.device_of(x)
        return backend.to_device(x, device)

    @staticmethod
    def backward(ctx, gy):
        return to_device_op(gy, ctx.src)


def to_device_op(x: Tensor, device: str) -> Tensor:
    return ToDevice.apply(x, device)


class AsType(Function):
    @staticmethod
    def forward(ctx, x, dtype):
        ctx.src = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, gy):
        return astype(gy, ctx.src)


def astype(x: Tensor, dtype) -> Tensor:
    return x if np.dtype(dtype) == x.dtype else AsType.apply(x, np.dtype(dtype))
