"""Shape operations: reshape, permute, broadcast/sum-to, indexing, concatenate, stack, split/chunk, device
and dtype moves, and clone (a copy in memory of its own). Each one's backward is another shape operation:
reshape undoes reshape, permute undoes permute, sum_to undoes broadcast_to, the gradient of indexing scatters
into zeros, and a clone's gradient passes through unchanged. Padding lives in :mod:`minigan.ops.pad`."""
from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd import Function, Tensor, is_grad_enabled
from ._util import either, normalize_dim, result_type, sum_to_array


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
    filled = fill_free_size(shape, x.numel())
    if filled is None:
        raise ValueError(f"reshape: cannot reshape a tensor of shape {x.shape} ({x.numel()} elements) "
                         f"into shape {shape}")
    return filled


def fill_free_size(sizes: tuple, total: int) -> tuple | None:
    """``sizes`` with its one ``-1`` (if any) replaced by what makes the sizes multiply to ``total``; None where
    they cannot (two ``-1``, another negative size, or no whole number fits). Used by reshape and Unflatten."""
    free = [i for i, n in enumerate(sizes) if n == -1]
    if len(free) > 1 or any(n < -1 for n in sizes):
        return None
    known = int(np.prod([n for n in sizes if n != -1]))
    if not free:
        return tuple(sizes) if known == total else None
    if known <= 0 or total % known:
        return None
    return tuple(sizes[:free[0]]) + (total // known,) + tuple(sizes[free[0] + 1:])


class Permute(Function):
    @staticmethod
    def forward(ctx, x, axes):
        ctx.axes = axes
        return x.transpose(axes)

    @staticmethod
    def backward(ctx, gy):
        return permute(gy, tuple(np.argsort(ctx.axes)))


def permute(x: Tensor, *dims) -> Tensor:
    """Reorder the dims: ``y.shape[i] == x.shape[dims[i]]`` (``permute(x, 2, 0, 1)`` or ``permute(x, (2, 0, 1))``)."""
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = tuple(dims[0])
    if len(dims) != x.ndim:
        raise ValueError(f"permute: got {len(dims)} dims {dims} for a tensor of {x.ndim} dims (shape {x.shape})")
    axes = tuple(normalize_dim(d, x.ndim, "permute") for d in dims) if x.ndim else ()
    if len(set(axes)) != len(axes):
        raise ValueError(f"permute: dims {dims} name the same dim more than once")
    return Permute.apply(x, axes)


def transpose(x: Tensor, dim0: int | None = None, dim1: int | None = None) -> Tensor:
    """Swap dims ``dim0`` and ``dim1``. With neither given, reverse all dims (like ``ndarray.T`` and
    ``Tensor.T``)."""
    if dim0 is None and dim1 is None:
        return permute(x, tuple(reversed(range(x.ndim))))
    if dim0 is None or dim1 is None:
        raise TypeError("transpose() missing 1 required positional argument: give both dims to swap, "
                        "transpose(dim0, dim1), or neither to reverse all dims")
    dim0, dim1 = normalize_dim(dim0, x.ndim, "transpose"), normalize_dim(dim1, x.ndim, "transpose")
    if x.ndim == 0:         # dims 0 and -1 of a 0-d tensor are the tensor itself
        return x
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


def expand(x: Tensor, *sizes) -> Tensor:
    """``x`` broadcast to ``sizes`` (new dims are added in front): a dim of size 1 repeats to any size, and
    ``-1`` keeps an existing dim's size, as in ``torch.Tensor.expand``."""
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    sizes, lead = tuple(int(n) for n in sizes), len(sizes) - x.ndim
    if lead < 0:
        raise ValueError(f"expand: {len(sizes)} sizes {sizes} are fewer than the tensor's {x.ndim} dims "
                         f"(shape {x.shape})")
    shape = []
    for i, n in enumerate(sizes):
        old = x.shape[i - lead] if i >= lead else None
        if n == -1 and old is None:
            raise ValueError(f"expand: size -1 (keep the size) at dim {i} of {sizes}, a new leading dim that "
                             "has no size to keep")
        n = old if n == -1 else n
        if n < 0 or (old is not None and old not in (1, n)):
            raise ValueError(f"expand: cannot expand shape {x.shape} to {sizes}: dim {i} has size {old}, which "
                             f"only repeats if it is 1")
        shape.append(n)
    return broadcast_to(x, shape)


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


def _raw_index(index, keep: bool = False):
    """Indices may hold Tensors (e.g. a label tensor): use their arrays. With ``keep`` (the indexing is recorded)
    an index array that its owner could still change in place is copied, so that the backward sends the gradient
    to the places the forward read (PyTorch raises an error there instead)."""
    if isinstance(index, tuple):
        return tuple(_raw_index(i, keep) for i in index)
    arr = index.data if isinstance(index, Tensor) else index
    if keep and backend.is_array(arr) and backend.is_writable(arr):
        return arr.copy()
    return arr


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
    return GetItem.apply(x, _raw_index(index, keep=x.requires_grad and is_grad_enabled()))


class Concatenate(Function):
    @staticmethod
    def forward(ctx, *xs, axis=0):
        ctx.axis = axis
        ctx.sizes = [x.shape[axis] for x in xs]
        return backend.xp_of(xs[0]).concatenate(xs, axis=axis)

    @staticmethod
    def backward(ctx, gy):
        return Split.apply(gy, ctx.axis, tuple(ctx.sizes))


class Split(Function):
    """``x`` cut along ``dim`` into pieces of ``sizes`` (views of x), the transpose of :class:`Concatenate`, and
    each the other's backward: the pieces' gradients are put side by side again in one pass. (Cutting by a slice
    per piece would give each piece a backward that writes into zeros of x's whole size: L pieces, L times
    x's size, which makes a loop over the L time steps of a sequence quadratic.)"""

    @staticmethod
    def forward(ctx, x, dim, sizes):
        ctx.dim = dim
        lead, start, pieces = (slice(None),) * dim, 0, []
        for n in sizes:
            pieces.append(x[lead + (slice(start, start + n),)])
            start += n
        return tuple(pieces)

    @staticmethod
    def backward(ctx, *grads):
        return concatenate(grads, axis=ctx.dim)


def concatenate(tensors, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """Join tensors along an existing dim ``dim`` (``axis``); their other sizes must agree. Tensors of different
    dtypes are joined in the dtype PyTorch promotes them to (float32 with int64 gives float32, not NumPy's
    float64), each cast by a recorded op, so its gradient comes back in its own dtype."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("concatenate: needs at least one tensor")
    for i, t in enumerate(tensors):
        if t.ndim == 0:
            raise ValueError(f"concatenate: the zero-dimensional tensor at position {i} cannot be concatenated "
                             "(it has no dim to join along; use stack, or reshape it to (1,))")
    axis = normalize_dim(either("concatenate", "dim", dim, "axis", axis, default=0), tensors[0].ndim, "concatenate")
    for t in tensors[1:]:
        if t.ndim != tensors[0].ndim or any(a != b for i, (a, b) in enumerate(zip(t.shape, tensors[0].shape))
                                            if i != axis):
            raise ValueError(f"concatenate: shapes {[x.shape for x in tensors]} differ outside axis {axis}")
    dtype = result_type(*tensors)
    return Concatenate.apply(*(t if t.dtype == dtype else astype(t, dtype) for t in tensors), axis=axis)


cat = concatenate


def stack(tensors, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """Join tensors of one shape along a new dim ``dim`` (``axis``), in ``[-ndim - 1, ndim]``."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("stack: needs at least one tensor")
    shapes = {t.shape for t in tensors}
    if len(shapes) != 1:
        raise ValueError(f"stack: all tensors must have the same shape, got {[t.shape for t in tensors]}")
    axis = normalize_dim(either("stack", "dim", dim, "axis", axis, default=0), tensors[0].ndim + 1, "stack")
    return concatenate([unsqueeze(t, axis) for t in tensors], axis)


def split(x: Tensor, split_size_or_sections, dim: int = 0) -> tuple[Tensor, ...]:
    """Cut ``x`` along ``dim`` into pieces, as ``torch.split``: an int ``n`` gives pieces of ``n`` (the last one
    smaller when ``n`` does not divide the dim's length); a list of sizes gives pieces of those sizes, which must
    add up to the length. ``split(x, 2)`` on ``(5, 3)`` gives ``(2, 3), (2, 3), (1, 3)``.

    Each piece is a slice ``x[..., a:b, ...]`` (a view), and gradients flow back into ``x``: the gradient of a
    piece lands in its own rows, and pieces that are not used get zeros (:class:`Split`). ``cat`` undoes it."""
    if x.ndim == 0:
        raise ValueError("split: expects at least a 1-dimensional tensor, got a 0-d tensor")
    dim = normalize_dim(dim, x.ndim, "split")
    length = x.shape[dim]
    if isinstance(split_size_or_sections, (int, np.integer)) and not isinstance(split_size_or_sections, bool):
        size = int(split_size_or_sections)
        if size < 0 or (size == 0 and length != 0):
            raise ValueError(f"split: split_size must be positive (0 only for a dim of length 0), got {size} for "
                             f"dim {dim} of length {length}")
        count = max(-(-length // size), 1) if size else 1           # ceil(length / size), at least one piece
        sizes = [size] * (count - 1) + [length - size * (count - 1)]
    elif isinstance(split_size_or_sections, (list, tuple)):
        sizes = list(split_size_or_sections)
        if not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) for n in sizes):
            raise TypeError(f"split: split sizes must be ints, got {split_size_or_sections!r}")
        if any(n < 0 for n in sizes) or sum(sizes) != length:
            raise ValueError(f"split: split sizes must be non-negative and sum exactly to {length} (the length of "
                             f"dim {dim}, shape {x.shape}), got {list(sizes)}")
    else:
        raise TypeError(f"split: split_size_or_sections must be an int or a list of ints, got "
                        f"{split_size_or_sections!r}")
    return Split.apply(x, dim, tuple(int(n) for n in sizes))


def chunk(x: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """Cut ``x`` along ``dim`` into at most ``chunks`` pieces of ``ceil(length / chunks)`` (the last one smaller),
    as ``torch.chunk``: ``chunk(x, 4)`` on a length of 6 gives three pieces of 2. Gradients flow as in
    :func:`split`."""
    if isinstance(chunks, bool) or not isinstance(chunks, (int, np.integer)):
        raise TypeError(f"chunk: chunks must be an int, got {chunks!r}")
    if chunks <= 0:
        raise ValueError(f"chunk: expects chunks to be greater than 0, got {chunks}")
    if x.ndim == 0:
        raise ValueError("chunk: expects at least a 1-dimensional tensor, got a 0-d tensor")
    dim = normalize_dim(dim, x.ndim, "chunk")
    length = x.shape[dim]
    if length == 0:         # `chunks` empty pieces, as PyTorch gives (a size of 0 would give just one)
        return split(x, [0] * int(chunks), dim)
    return split(x, -(-length // int(chunks)), dim)


def unsqueeze(x: Tensor, dim: int) -> Tensor:
    """``x`` with a new dim of size 1 at ``dim``, in ``[-ndim - 1, ndim]`` (-1 appends it)."""
    dim = normalize_dim(dim, x.ndim + 1, "unsqueeze")
    return reshape(x, x.shape[:dim] + (1,) + x.shape[dim:])


def squeeze(x: Tensor, dim=None) -> Tensor:
    """``x`` without its dims of size 1: all of them, or those among ``dim`` (an int or a tuple); a named dim
    of another size stays."""
    if dim is None:
        return reshape(x, tuple(n for n in x.shape if n != 1))
    dims = tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)
    drop = {normalize_dim(d, x.ndim, "squeeze") for d in dims}      # a 0-d tensor's dim 0 has size 1
    return reshape(x, tuple(n for i, n in enumerate(x.shape) if not (i in drop and n == 1)))


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims ``start_dim`` to ``end_dim`` (both included) into one: ``(N, C, H, W) -> (N, C*H*W)``
    with ``start_dim=1``. A 0-d tensor becomes shape ``(1,)``."""
    start, end = normalize_dim(start_dim, x.ndim, "flatten"), normalize_dim(end_dim, x.ndim, "flatten")
    if start > end:
        raise ValueError(f"flatten: start_dim cannot come after end_dim (got start_dim={start_dim}, "
                         f"end_dim={end_dim} for a tensor of {x.ndim} dims)")
    if x.ndim == 0:
        return reshape(x, (1,))
    n = int(np.prod(x.shape[start:end + 1]))
    return reshape(x, x.shape[:start] + (n,) + x.shape[end + 1:])


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


class Clone(Function):
    @staticmethod
    def forward(ctx, x):
        return x.copy()     # C-contiguous memory of its own, so the output gets its own version counter

    @staticmethod
    def backward(ctx, gy):
        return gy           # a copy passes its gradient through unchanged


def clone(x: Tensor) -> Tensor:
    """A copy of ``x`` in new memory, recorded for autograd (``torch.clone``)."""
    return Clone.apply(x)
