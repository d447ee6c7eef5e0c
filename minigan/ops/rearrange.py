"""Rearranging elements without computing new ones: flip, roll, rot90, repeat/tile, repeat_interleave, take, the
triangles tril/triu, diag, unbind, and moving dims (movedim, swapaxes, t, matrix_transpose).

Each moves every element to a new place (or drops it, or copies it), so each backward moves the gradient back:
a flip's backward is the same flip, a roll's is the roll the other way, tril's is tril (the dropped elements
get no gradient), and a tile's adds up the gradients of all the copies of an element. Tiling is written as
broadcasting plus a reshape, and diag as indexing, so their backwards are those ops' (``sum_to``, scatter)."""
from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd import Function, Tensor
from ._util import normalize_dim
from .shape import IndexAdd, broadcast_to, clone, getitem, permute, reshape, split, transpose

__all__ = ["flip", "roll", "rot90", "repeat", "tile", "repeat_interleave", "take", "tril", "triu", "diag", "unbind",
           "movedim", "moveaxis", "swapaxes", "swapdims", "t", "matrix_transpose"]


def _dims_arg(dims) -> tuple:
    """``dims`` given as one int, a tuple or list, or as several arguments (``x.flip(0, 1)``)."""
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = tuple(dims[0])
    return tuple(dims)


def _distinct_dims(op: str, dims, ndim: int) -> tuple[int, ...]:
    axes = tuple(normalize_dim(d, ndim, op) for d in dims)
    if len(set(axes)) != len(axes):
        raise ValueError(f"{op}: dims {tuple(dims)} name the same dim more than once")
    return axes


# --------------------------------------------------------------------------- flip and roll
class Flip(Function):
    """Reverse the order along ``dims``. A flip undoes itself, so the backward is the same flip."""

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return backend.xp_of(x).flip(x, axis=dims).copy()   # a copy, as PyTorch's (NumPy's flip is a view)

    @staticmethod
    def backward(ctx, gy):
        return Flip.apply(gy, ctx.dims)


def flip(x: Tensor, *dims) -> Tensor:
    """``x`` reversed along each of ``dims`` (``flip(x, (0, 1))`` or ``x.flip(0, 1)``), as ``torch.flip``;
    the result is a copy."""
    axes = _distinct_dims("flip", _dims_arg(dims), x.ndim)
    return Flip.apply(x, axes if x.ndim else ())


class Roll(Function):
    """Shift elements along ``dims`` by ``shifts``, those pushed off one end coming back at the other
    (with ``dims=None``, over the flattened tensor). The backward rolls the gradient back by ``-shifts``."""

    @staticmethod
    def forward(ctx, x, shifts, dims):
        ctx.shifts, ctx.dims = shifts, dims
        return backend.xp_of(x).roll(x, shifts, axis=dims)

    @staticmethod
    def backward(ctx, gy):
        back = tuple(-s for s in ctx.shifts) if isinstance(ctx.shifts, tuple) else -ctx.shifts
        return Roll.apply(gy, back, ctx.dims)


def roll(x: Tensor, shifts, dims=None) -> Tensor:
    """``x`` with its elements shifted by ``shifts`` along ``dims`` (an int or tuples of the same length),
    wrapping around, as ``torch.roll``: ``roll([1, 2, 3], 1)`` is ``[3, 1, 2]``. Without ``dims`` the tensor is
    rolled as if flattened, then given its shape back."""
    if dims is None or (isinstance(dims, (tuple, list)) and len(dims) == 0):
        if isinstance(shifts, (tuple, list)):
            if len(shifts) != 1:
                raise ValueError(f"roll: shifts and dims must align; without dims give one shift, got {shifts}")
            shifts = shifts[0]
        return Roll.apply(x, int(shifts), None)
    shifts = tuple(int(s) for s in shifts) if isinstance(shifts, (tuple, list)) else (int(shifts),)
    dims = tuple(dims) if isinstance(dims, (tuple, list)) else (dims,)
    if len(shifts) != len(dims):
        raise ValueError(f"roll: shifts and dims must align, got {len(shifts)} shifts {shifts} and {len(dims)} "
                         f"dims {dims}")
    axes = tuple(normalize_dim(d, x.ndim, "roll") for d in dims)
    if x.ndim == 0:
        return Roll.apply(x, 0, None)
    return Roll.apply(x, shifts, axes)


def rot90(x: Tensor, k: int = 1, dims=(0, 1)) -> Tensor:
    """``x`` turned ``k`` quarter turns in the plane of ``dims``, from the first dim toward the second
    (``torch.rot90``): for a matrix and ``k=1``, the last column becomes the first row, so
    ``rot90([[0, 1, 2], [3, 4, 5]])`` is ``[[2, 5], [1, 4], [0, 3]]``; ``k < 0`` turns the other way.

    A quarter turn is a flip along ``dims[1]`` followed by swapping the two dims; a half turn flips both; three
    quarters swap first and then flip along ``dims[1]``. So this is a composition of :func:`flip` and
    :func:`~minigan.ops.shape.transpose`, and the gradient turns back by the same steps undone."""
    dims = tuple(dims)
    if len(dims) != 2:
        raise ValueError(f"rot90: expected total rotation dims == 2, but got dims = {len(dims)} ({dims})")
    if x.ndim < 2:
        raise ValueError(f"rot90: expected total dims >= 2, but got total dims = {x.ndim} (shape {x.shape})")
    d0, d1 = (normalize_dim(d, x.ndim, "rot90") for d in dims)
    if d0 == d1:
        raise ValueError(f"rot90: expected rotation dims to be different, but got dim0 = {dims[0]} and "
                         f"dim1 = {dims[1]}")
    k = int(k) % 4
    if k == 1:
        return transpose(Flip.apply(x, (d1,)), d0, d1)
    if k == 2:
        return Flip.apply(x, (d0, d1))
    if k == 3:
        return Flip.apply(transpose(x, d0, d1), (d1,))
    return clone(x)


# --------------------------------------------------------------------------- copies
def repeat(x: Tensor, *sizes) -> Tensor:
    """``x`` tiled ``sizes[i]`` times along each dim, as ``Tensor.repeat`` (not ``repeat_interleave``):
    ``[1, 2].repeat(2)`` is ``[1, 2, 1, 2]``. ``sizes`` may be longer than ``x.ndim``: x gains leading dims.

    Tiling a dim of length ``n`` ``r`` times is a broadcast: shape ``(1, n)`` to ``(r, n)``, then merged into
    ``r * n``. So the backward is broadcasting's: ``sum_to`` adds the gradients of the ``r`` copies."""
    sizes = tuple(int(r) for r in _dims_arg(sizes))
    if len(sizes) < x.ndim:
        raise ValueError(f"repeat: the number of repeats ({len(sizes)}, {sizes}) can not be smaller than the "
                         f"number of dimensions of the tensor ({x.ndim}, shape {x.shape})")
    if any(r < 0 for r in sizes):
        raise ValueError(f"repeat: repeats must be non-negative, got {sizes}")
    shape = (1,) * (len(sizes) - x.ndim) + x.shape
    spread = reshape(x, tuple(m for n in shape for m in (1, n)))            # (1, n0, 1, n1, ...)
    copies = broadcast_to(spread, tuple(m for r, n in zip(sizes, shape) for m in (r, n)))   # (r0, n0, r1, n1, ...)
    return reshape(copies, tuple(r * n for r, n in zip(sizes, shape)))


def tile(x: Tensor, *dims) -> Tensor:
    """``x`` tiled as :func:`repeat`, as ``torch.tile``; where ``dims`` has fewer entries than x has dims, the
    leading dims are tiled once (``tile(x, (2,))`` on a matrix repeats its columns)."""
    dims = tuple(int(r) for r in _dims_arg(dims))
    return repeat(x, (1,) * (x.ndim - len(dims)) + dims)


def _repeat_counts(repeats):
    """``repeats`` (an int, or a 0-d or 1-D tensor, array or list of ints) as a host int64 vector: the output's
    size depends on the counts, so they are read on the host, as PyTorch reads them."""
    if isinstance(repeats, (int, np.integer)) and not isinstance(repeats, bool):
        counts = np.array([int(repeats)], dtype=np.int64)
    else:
        counts = backend.to_numpy(repeats.data if isinstance(repeats, Tensor) else repeats)
        counts = np.asarray(counts)
        if counts.size and counts.dtype.kind not in "iu":
            raise TypeError(f"repeat_interleave: repeats must hold integers, got dtype {counts.dtype}")
        if counts.ndim > 1:
            raise ValueError(f"repeat_interleave: repeats must be 0-dim or 1-dim tensor, got shape {counts.shape}")
        counts = counts.astype(np.int64).reshape(-1)
    if (counts < 0).any():
        raise ValueError(f"repeat_interleave: repeats must be non-negative, got {counts.tolist()}")
    return counts


def repeat_interleave(x: Tensor, repeats=None, dim: int | None = None, *, output_size: int | None = None) -> Tensor:
    """Each element (each slice along ``dim``) repeated in place, as ``torch.repeat_interleave`` (not
    :func:`repeat`, which tiles): ``repeat_interleave([1, 2], 2)`` is ``[1, 1, 2, 2]``. ``repeats`` is one count
    for all, or one count per slice: ``repeat_interleave([[1, 2], [3, 4]], tensor([1, 2]), 0)`` is
    ``[[1, 2], [3, 4], [3, 4]]``. Without ``dim`` the input is flattened first. With the counts alone,
    ``repeat_interleave(tensor([1, 2]))`` gives ``[0, 1, 1]``: each index repeated its count times.

    The result reads slice ``index[p]`` at each place ``p``, with ``index = [0]*r0 + [1]*r1 + ...``: it is that
    indexing (an ``index_select``), whose backward adds the gradients of the copies back into the slice they came
    from: each group of copies is summed (a scatter-add, :class:`~minigan.ops.shape.IndexAdd`)."""
    if repeats is None:                   # repeat_interleave(counts): the indices, repeated
        if x.ndim > 1 or x.dtype.kind not in "iu":
            raise ValueError(f"repeat_interleave: repeats must be a 0-dim or 1-dim integer tensor, got dtype "
                             f"{x.dtype} and shape {x.shape}")
        counts = _repeat_counts(x)
        return Tensor(backend.to_device(np.repeat(np.arange(len(counts)), counts), x.device))
    if dim is None:
        x, axis = reshape(x, (-1,)), 0
    else:
        axis = normalize_dim(dim, x.ndim, "repeat_interleave")
        if x.ndim == 0:                   # a 0-d tensor is its own one element
            x = reshape(x, (1,))
    counts, n = _repeat_counts(repeats), x.shape[axis]
    if len(counts) not in (1, n):
        raise ValueError(f"repeat_interleave: repeats must have the same size as input along dim, but got "
                         f"repeats.size(0) = {len(counts)} and input.size({axis}) = {n} (input shape {x.shape})")
    index = np.repeat(np.arange(n), counts if len(counts) == n else int(counts[0]))
    if output_size is not None and int(output_size) != len(index):
        raise ValueError(f"repeat_interleave: output_size={output_size} but the repeats add up to {len(index)}")
    return getitem(x, (slice(None),) * axis + (backend.to_device(index, x.device),))


def take(x: Tensor, index) -> Tensor:
    """The elements of ``x`` at the flat positions ``index``, as if ``x`` were flattened (``torch.take``); the
    result has the index's shape. A negative index counts from the end, as in PyTorch.
    ``take(tensor([[1, 2], [3, 4]]), tensor([[3, 0]]))`` is ``[[4, 1]]``.

    A composition: :func:`~minigan.ops.shape.reshape` to one dim, then indexing, whose backward adds each
    element's gradients back at its place (twice for a position named twice)."""
    if isinstance(index, Tensor) and index.device != x.device:
        raise RuntimeError(f"take: expected the index on the input's device {x.device}, got it on {index.device}")
    idx = index.data if isinstance(index, Tensor) else backend.xp_of(x.data).asarray(index)
    if idx.dtype.kind not in "iu":
        if idx.size:
            raise TypeError(f"take: expected an integer index (int64 or int32), got dtype {idx.dtype}")
        idx = idx.astype(np.int64)
    n = x.numel()
    if idx.size:
        lo, hi = int(idx.min()), int(idx.max())
        if n == 0:
            raise IndexError("take: tried to take from an empty tensor")
        if lo < -n or hi >= n:
            raise IndexError(f"take: out of range: tried to access index {lo if lo < -n else hi} on a tensor of "
                             f"{n} elements")
    return getitem(reshape(x, (-1,)), idx % max(n, 1))


# --------------------------------------------------------------------------- triangles and diagonals
class Triangle(Function):
    """The lower (``upper=False``) or upper triangle of the last two dims, from ``diagonal`` on; zeros
    elsewhere. The dropped elements get no gradient, so the backward is the same triangle of the gradient."""

    @staticmethod
    def forward(ctx, x, diagonal, upper):
        ctx.diagonal, ctx.upper = diagonal, upper
        xp = backend.xp_of(x)
        n, m = x.shape[-2:]
        below = xp.tri(n, m, diagonal - 1 if upper else diagonal, dtype=bool)    # j <= i + k (or < for upper)
        return xp.where(~below if upper else below, x, xp.zeros((), dtype=x.dtype))

    @staticmethod
    def backward(ctx, gy):
        return Triangle.apply(gy, ctx.diagonal, ctx.upper)


def _triangle(op: str, x: Tensor, diagonal: int, upper: bool) -> Tensor:
    if x.ndim < 2:
        raise ValueError(f"{op}: input tensor must have at least 2 dimensions, got shape {x.shape}")
    return Triangle.apply(x, int(diagonal), upper)


def tril(x: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle of each matrix (the last two dims), as ``torch.tril``: ``x[..., i, j]`` where
    ``j <= i + diagonal``, zeros elsewhere. ``diagonal=-1`` drops the main diagonal too."""
    return _triangle("tril", x, diagonal, upper=False)


def triu(x: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle, where ``j >= i + diagonal``, as ``torch.triu``. Causal attention masks are
    ``triu(ones(T, T), 1)``."""
    return _triangle("triu", x, diagonal, upper=True)


def diag(x: Tensor, diagonal: int = 0) -> Tensor:
    """As ``torch.diag``: a vector becomes the square matrix with it on diagonal ``diagonal`` (above the main
    one for ``diagonal > 0``, below for ``< 0``) and zeros elsewhere; a matrix gives that diagonal back as a
    vector. The two are each other's transpose: reading places by index (:func:`getitem`) and adding into
    zeros at them (:class:`~minigan.ops.shape.IndexAdd`)."""
    if x.ndim not in (1, 2):
        raise ValueError(f"diag: supports 1-D or 2-D tensors, got a {x.ndim}-D tensor of shape {x.shape}")
    xp = backend.xp_of(x.data)
    k = int(diagonal)
    row0, col0 = max(-k, 0), max(k, 0)
    if x.ndim == 1:
        n = x.shape[0] + abs(k)
        steps = xp.arange(x.shape[0])
        return IndexAdd.apply(x, (n, n), (steps + row0, steps + col0))
    length = max(0, min(x.shape[0] - row0, x.shape[1] - col0))
    steps = xp.arange(length)
    return getitem(x, (steps + row0, steps + col0))


def unbind(x: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """The slices of ``x`` along ``dim``, each without that dim, as ``torch.unbind``: the rows of a matrix for
    ``dim=0``. ``stack`` undoes it."""
    if x.ndim == 0:
        raise ValueError("unbind: expected a tensor with at least one dimension, got a 0-d tensor")
    dim = normalize_dim(dim, x.ndim, "unbind")
    shape = x.shape[:dim] + x.shape[dim + 1:]
    return tuple(reshape(piece, shape) for piece in split(x, 1, dim)) if x.shape[dim] else ()


# --------------------------------------------------------------------------- moving dims
def movedim(x: Tensor, source, destination) -> Tensor:
    """``x`` with dims ``source`` moved to positions ``destination`` (ints, or tuples of one length), the other
    dims keeping their order, as ``torch.movedim``: ``movedim(x, 1, -1)`` turns ``(N, C, H, W)`` into
    ``(N, H, W, C)``. A :func:`permute`."""
    src = tuple(source) if isinstance(source, (tuple, list)) else (source,)
    dst = tuple(destination) if isinstance(destination, (tuple, list)) else (destination,)
    if len(src) != len(dst):
        raise ValueError(f"movedim: source {src} ({len(src)} dims) and destination {dst} ({len(dst)} dims) should "
                         "name the same number of dims")
    src, dst = _distinct_dims("movedim", src, x.ndim), _distinct_dims("movedim", dst, x.ndim)
    if x.ndim == 0:
        return x
    order = [d for d in range(x.ndim) if d not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(x, tuple(order))


moveaxis = movedim


def swapaxes(x: Tensor, axis0: int, axis1: int) -> Tensor:
    """Dims ``axis0`` and ``axis1`` swapped, as ``torch.swapaxes`` (:func:`~minigan.ops.shape.transpose`)."""
    return transpose(x, axis0, axis1)


swapdims = swapaxes


def t(x: Tensor) -> Tensor:
    """The transpose of a matrix, as ``torch.t``: a 0-d or 1-D tensor comes back as it is, and a tensor of
    more dims is refused (swap two of its dims with ``transpose``, or use ``mT`` for a batch of matrices)."""
    if x.ndim > 2:
        raise ValueError(f"t: expects a tensor with <= 2 dimensions, but got {x.ndim} (shape {x.shape}); use "
                         "transpose(dim0, dim1) or .mT")
    return transpose(x) if x.ndim == 2 else x


def matrix_transpose(x: Tensor) -> Tensor:
    """Each matrix of ``x`` (its last two dims) transposed: ``Tensor.mT``, ``(..., n, m) -> (..., m, n)``."""
    if x.ndim < 2:
        raise ValueError(f"mT: only supported on matrices or batches of matrices, got a {x.ndim}-D tensor "
                         f"(shape {x.shape})")
    return transpose(x, -2, -1)



# --------------------------------------------------------------------------- PyTorch's flips and diagflat
def fliplr(x: Tensor) -> Tensor:
    """``x`` reversed left to right (along dim 1), as ``torch.fliplr``: :func:`flip` on dim 1."""
    if x.ndim < 2:
        raise ValueError(f"fliplr: input must be >= 2-d, got a {x.ndim}-D tensor")
    return flip(x, 1)


def flipud(x: Tensor) -> Tensor:
    """``x`` reversed upside down (along dim 0), as ``torch.flipud``: :func:`flip` on dim 0."""
    if x.ndim < 1:
        raise ValueError("flipud: input must be >= 1-d, got a 0-D tensor")
    return flip(x, 0)


def diagflat(x: Tensor, offset: int = 0) -> Tensor:
    """The square matrix with ``x``'s elements (flattened) on diagonal ``offset`` and zeros elsewhere, as
    ``torch.diagflat``: :func:`diag` of ``x`` reshaped to one dim."""
    return diag(reshape(x, -1), offset)
