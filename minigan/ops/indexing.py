"""Picking and placing elements by index: gather and its adjoint scatter_add, scatter, index_select/index_add,
take_along_dim, masked_fill/masked_select, nonzero and narrow.

The two ideas of the file are a pair of linear maps, each the transpose of the other:

- ``gather(x, dim, index)`` reads: ``out[i][j][k] = x[i][index[i][j][k]][k]`` (for ``dim=1``);
- ``scatter_add(x, dim, index, src)`` writes: ``out[i][index[i][j][k]][k] += src[i][j][k]``.

So the gradient of gather is a scatter_add into zeros, and the gradient of scatter_add (for ``src``) is a
gather. An index that appears twice reads one element twice, so its two gradients must *add*: the backward
uses the backend's scatter-add (``np.add.at``), never a plain assignment, which would keep only one of them.
Both backwards are written with these same two Functions, so second derivatives work too.

The other ops are these two, or minigan's indexing (:class:`~minigan.ops.shape.GetItem`, whose backward is the
same scatter-add), with PyTorch's argument checks."""
from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd import Function, Tensor, is_grad_enabled
from ._util import lift, normalize_dim
from .arithmetic import mul, where
from .shape import IndexAdd, broadcast_to, getitem, reshape

__all__ = ["gather", "scatter", "scatter_add", "index_select", "index_add", "take_along_dim", "masked_fill",
           "masked_select", "nonzero", "narrow"]


# --------------------------------------------------------------------------- index arrays
def _as_index(op: str, index, like: Tensor, what: str = "index"):
    """``index`` (an integer Tensor, array or list) as an integer array on ``like``'s device."""
    if isinstance(index, Tensor) or backend.is_array(index):
        if isinstance(index, Tensor) and index.device != like.device:
            raise RuntimeError(f"{op}: expected the {what} on the input's device {like.device}, got it on "
                               f"{index.device}")
        arr = _kept(index.data if isinstance(index, Tensor) else backend.to_device(index, like.device), index)
    else:
        arr = backend.xp_of(like.data).asarray(index)
        if arr.size == 0:       # [] reads as float64
            arr = arr.astype(np.int64)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{op}: expected an integer {what} (int64 or int32), got dtype {arr.dtype}")
    return arr


def _kept(arr, given):
    """The caller's index array ``arr`` as the backward will need it: a copy while recording, where the caller could
    still change it in place (a writable array of their own), so that the gradient goes to the places the forward
    read; PyTorch raises an error there instead."""
    if is_grad_enabled() and backend.is_writable(arr) and (arr is given or isinstance(given, Tensor)):
        return arr.copy()
    return arr


def _check_bounds(op: str, index, size: int, dim: int) -> None:
    """Every entry of ``index`` in ``[0, size)``. PyTorch refuses a negative index here, where NumPy would
    silently count it from the end."""
    if index.size == 0:
        return
    lo, hi = int(index.min()), int(index.max())
    if lo < 0 or hi >= size:
        raise IndexError(f"{op}: index {lo if lo < 0 else hi} is out of bounds for dimension {dim} with size {size}")


def _coords(index, dim: int) -> tuple:
    """The advanced index that reads ``a[..., index[p], ...]`` (at ``dim``) for every position ``p`` of
    ``index``: ``index`` itself along ``dim``, and along each other dim ``a`` the position's own coordinate,
    ``arange(index.shape[a])`` shaped to broadcast. ``a[_coords(index, 1)]`` on 3-D arrays is
    ``a[i, index[i, j, k], k]``."""
    xp = backend.xp_of(index)
    n = index.ndim
    return tuple(index if a == dim else xp.arange(m).reshape([m if b == a else 1 for b in range(n)])
                 for a, m in enumerate(index.shape))


def _leading(shape) -> tuple:
    """The basic index of the corner of that shape (``src`` may be larger than ``index``: only its leading
    ``index.shape`` part is used)."""
    return tuple(slice(0, m) for m in shape)


def _pad_to(g: Tensor, shape: tuple) -> Tensor:
    """``g`` placed in the corner of zeros of ``shape`` (the gradient of taking that corner)."""
    return g if g.shape == tuple(shape) else IndexAdd.apply(g, tuple(shape), _leading(g.shape))


def _check_same_dims(op: str, x: Tensor, index, src: Tensor | None = None) -> None:
    if index.ndim != x.ndim or (src is not None and src.ndim != x.ndim):
        srcs = "" if src is None else f", src {src.shape}"
        raise ValueError(f"{op}: index must have the same number of dimensions as the input; got input {x.shape}, "
                         f"index {tuple(index.shape)}{srcs}")


# --------------------------------------------------------------------------- gather and scatter_add
class Gather(Function):
    """``out = x[coords(index, dim)]``: a read at the indexed places. Backward: the gradient added back into
    zeros of x's shape at the same places (:class:`ScatterAdd`), so an element read twice gets both."""

    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.in_shape, ctx.dim, ctx.index = x.shape, dim, index
        return x[_coords(index, dim)]

    @staticmethod
    def backward(ctx, gy):
        zeros = Tensor(backend.xp_of(gy.data).zeros(ctx.in_shape, dtype=gy.dtype))
        return ScatterAdd.apply(zeros, ctx.dim, ctx.index, gy)


class ScatterAdd(Function):
    """``out = x`` with ``src[p]`` added at ``coords(index, dim)[p]`` for every position ``p`` of index;
    repeated places sum. Backward: ``x`` gets the gradient unchanged, ``src`` gets it read back from those
    places (:class:`Gather`), zeros where src was larger than index."""

    @staticmethod
    def forward(ctx, x, dim, index, src):
        ctx.dim, ctx.index, ctx.src_shape = dim, index, src.shape
        out = x.copy()
        backend.scatter_add(out, _coords(index, dim), src[_leading(index.shape)])
        return out

    @staticmethod
    def backward(ctx, gy):
        gsrc = _pad_to(Gather.apply(gy, ctx.dim, ctx.index), ctx.src_shape) if ctx.needs_input_grad[1] else None
        return gy, gsrc


class Scatter(Function):
    """``out = x`` with ``src[p]`` (or one number, ``value``) written at ``coords(index, dim)[p]``. Where a place
    is written twice, which write stays is not defined (as in PyTorch). Backward, as PyTorch's: ``x`` gets the
    gradient with zeros at the written places, ``src`` gets the gradient read from them."""

    @staticmethod
    def forward(ctx, x, dim, index, src):
        ctx.dim, ctx.index = dim, index
        ctx.src_shape = None if isinstance(src, (int, float, bool)) else src.shape
        out = x.copy()
        out[_coords(index, dim)] = src if ctx.src_shape is None else src[_leading(index.shape)]
        return out

    @staticmethod
    def backward(ctx, gy):
        gx = Scatter.apply(gy, ctx.dim, ctx.index, 0.0) if ctx.needs_input_grad[0] else None
        if ctx.src_shape is None:
            return gx
        gsrc = _pad_to(Gather.apply(gy, ctx.dim, ctx.index), ctx.src_shape) if ctx.needs_input_grad[-1] else None
        return gx, gsrc


def gather(x: Tensor, dim: int, index) -> Tensor:
    """Values of ``x`` picked along ``dim`` by ``index`` (same number of dims as x, and no larger than x outside
    ``dim``), as ``torch.gather``: for 3-D tensors and ``dim=1``, ``out[i][j][k] = x[i][index[i][j][k]][k]``.
    The output has index's shape. ``gather(scores, 1, labels[:, None])`` picks each row's score at its label."""
    dim = normalize_dim(dim, x.ndim, "gather")
    idx = _as_index("gather", index, x)
    if x.ndim == 0:         # a 0-d tensor is its own one element
        return reshape(gather(reshape(x, (1,)), 0, idx.reshape(-1)), idx.shape)
    _check_same_dims("gather", x, idx)
    for a, (m, n) in enumerate(zip(idx.shape, x.shape)):
        if a != dim and m > n:
            raise ValueError(f"gather: index {tuple(idx.shape)} must be no larger than the input {x.shape} apart "
                             f"from dimension {dim}, but dimension {a} has {m} > {n}")
    _check_bounds("gather", idx, x.shape[dim], dim)
    return Gather.apply(x, dim, idx)


def _scatter_args(op: str, x: Tensor, dim: int, index, src):
    """PyTorch's checks for scatter and scatter_add: index no larger than src anywhere and than x outside
    ``dim``, in bounds along ``dim``, and src of x's dtype."""
    dim = normalize_dim(dim, x.ndim, op)
    idx = _as_index(op, index, x)
    if x.ndim == 0:
        raise ValueError(f"{op}: expected an input with at least one dimension, got a 0-d tensor")
    if isinstance(src, Tensor) and src.dtype != x.dtype:
        raise TypeError(f"{op}: expected src of the input's dtype {x.dtype}, got {src.dtype}")
    _check_same_dims(op, x, idx, src if isinstance(src, Tensor) else None)
    for a, m in enumerate(idx.shape):
        if (a != dim and m > x.shape[a]) or (isinstance(src, Tensor) and m > src.shape[a]):
            sizes = f" and no larger than src {src.shape}" if isinstance(src, Tensor) else ""
            raise ValueError(f"{op}: index {tuple(idx.shape)} must be no larger than the input {x.shape} apart "
                             f"from dimension {dim}{sizes}; dimension {a} does not fit")
    _check_bounds(op, idx, x.shape[dim], dim)
    return dim, idx


def scatter_add(x: Tensor, dim: int, index, src: Tensor) -> Tensor:
    """A copy of ``x`` with ``src`` added at the places ``index`` names along ``dim``, as ``torch.scatter_add``:
    for ``dim=1``, ``out[i][index[i][j][k]][k] += src[i][j][k]``. Places named several times get every
    addition. The transpose of :func:`gather`: ``scatter_add(zeros, dim, index, g)`` is gather's gradient."""
    dim, idx = _scatter_args("scatter_add", x, dim, index, src)
    return ScatterAdd.apply(x, dim, idx, src)


def scatter(x: Tensor, dim: int, index, src, *, reduce: str | None = None) -> Tensor:
    """A copy of ``x`` with ``src`` (a tensor, or one number) written at the places ``index`` names along
    ``dim``, as ``torch.scatter``: for ``dim=1``, ``out[i][index[i][j][k]][k] = src[i][j][k]``. Where a place
    is named twice, which value stays is not defined; use :func:`scatter_add` to sum them.

    ``reduce="add"`` or ``"multiply"`` (PyTorch's older form of :func:`~minigan.ops.scatter_reduce.scatter_reduce`
    with ``"sum"`` / ``"prod"``) combines the values with ``x``'s instead of writing them."""
    if not isinstance(src, Tensor):
        if not isinstance(src, (int, float, bool, np.number)):
            raise TypeError(f"scatter: src must be a Tensor or a number, got {type(src).__name__}")
        src = src.item() if isinstance(src, np.generic) else src
    if reduce is not None:
        from .scatter_reduce import scatter_reduce
        if reduce not in ("add", "multiply"):
            raise ValueError(f"scatter: reduce must be 'add' or 'multiply', got {reduce!r} (scatter_reduce takes "
                             f"'sum', 'prod', 'mean', 'amax' and 'amin')")
        if not isinstance(src, Tensor):           # one number sent to every named place
            idx = _scatter_args("scatter", x, dim, index, src)[1]
            src = Tensor(backend.xp_of(x.data).full(idx.shape, src, dtype=x.data.dtype))
        return scatter_reduce(x, dim, index, src, "sum" if reduce == "add" else "prod")
    dim, idx = _scatter_args("scatter", x, dim, index, src)
    return Scatter.apply(x, dim, idx, src)


# --------------------------------------------------------------------------- whole slices by index
def _vector_index(op: str, index, x: Tensor, dim: int):
    idx = _as_index(op, index, x)
    if idx.ndim > 1:
        raise ValueError(f"{op}: index must be a vector (1-D, or 0-d for one entry), got shape {tuple(idx.shape)}")
    idx = idx.reshape(-1)
    _check_bounds(op, idx, x.shape[dim] if x.ndim else 1, dim)
    return idx


def index_select(x: Tensor, dim: int, index) -> Tensor:
    """The slices of ``x`` along ``dim`` at the positions in the vector ``index``, in its order, as
    ``torch.index_select``: ``index_select(x, 0, [2, 0, 2])`` is rows 2, 0 and 2. A slice picked twice gets
    both gradients (indexing's backward is a scatter-add)."""
    dim = normalize_dim(dim, x.ndim, "index_select")
    idx = _vector_index("index_select", index, x, dim)
    if x.ndim == 0:         # a 0-d tensor is its own one element; one index picks it
        if idx.size != 1:
            raise ValueError(f"index_select: a 0-d input takes exactly one index, got {idx.size}")
        return reshape(getitem(reshape(x, (1,)), idx), ())
    return getitem(x, (slice(None),) * dim + (idx,))


def index_add(x: Tensor, dim: int, index, source: Tensor, *, alpha=1) -> Tensor:
    """A copy of ``x`` with ``alpha * source[j]`` added to slice ``index[j]`` along ``dim``, as
    ``torch.index_add``; a slice named twice gets both. ``source`` has x's shape except ``len(index)``
    along ``dim``. The transpose of :func:`index_select`."""
    dim = normalize_dim(dim, x.ndim, "index_add")
    idx = _vector_index("index_add", index, x, dim)
    if x.ndim == 0:
        return reshape(index_add(reshape(x, (1,)), 0, idx, reshape(source, (-1,)), alpha=alpha), ())
    expected = x.shape[:dim] + (len(idx),) + x.shape[dim + 1:]
    if source.shape != expected:
        raise ValueError(f"index_add: source must have shape {expected} (the input {x.shape} with the {len(idx)} "
                         f"indices along dimension {dim}), got {source.shape}")
    if source.dtype != x.dtype:
        raise TypeError(f"index_add: expected source of the input's dtype {x.dtype}, got {source.dtype}")
    added = source if alpha == 1 else mul(source, lift(alpha, source, source.dtype))
    return x + IndexAdd.apply(added, x.shape, (slice(None),) * dim + (idx,))


def take_along_dim(x: Tensor, indices, dim: int | None = None) -> Tensor:
    """Values of ``x`` picked along ``dim`` by ``indices``, as ``torch.take_along_dim`` (NumPy's
    ``take_along_axis``): :func:`gather`, except that x and indices broadcast against each other outside
    ``dim``. With ``dim=None`` both are flattened first. ``take_along_dim(x, x.argsort(1), 1)`` sorts rows."""
    idx = _as_index("take_along_dim", indices, x, "indices")
    if dim is None:
        return gather(reshape(x, (-1,)), 0, idx.reshape(-1))
    dim = normalize_dim(dim, x.ndim, "take_along_dim")
    if idx.ndim != x.ndim:
        raise ValueError(f"take_along_dim: input and indices should have the same number of dimensions, got "
                         f"{x.ndim} for the input {x.shape} and {idx.ndim} for indices {tuple(idx.shape)}")
    shape = []
    for a, (m, n) in enumerate(zip(x.shape, idx.shape)):
        if a != dim and m != n and 1 not in (m, n):
            raise ValueError(f"take_along_dim: the input {x.shape} and indices {tuple(idx.shape)} do not broadcast "
                             f"at dimension {a} ({m} and {n})")
        shape.append(m if a == dim or n == 1 else n)
    idx_shape = tuple(n if a == dim else s for a, (s, n) in enumerate(zip(shape, idx.shape)))
    return gather(broadcast_to(x, tuple(shape)), dim, backend.xp_of(idx).broadcast_to(idx, idx_shape))


# --------------------------------------------------------------------------- masks
def _as_mask(op: str, mask, like: Tensor):
    if isinstance(mask, Tensor):
        if mask.device != like.device:
            raise RuntimeError(f"{op}: expected the mask on the input's device {like.device}, got it on {mask.device}")
        mask = mask.data
    elif backend.is_array(mask):
        mask = backend.to_device(mask, like.device)
    else:
        mask = backend.xp_of(like.data).asarray(mask)
    if mask.dtype != np.bool_:
        raise TypeError(f"{op}: expected a boolean mask, got dtype {mask.dtype} (compare first: x > 0)")
    return mask


def _broadcast_shape(op: str, x: Tensor, mask) -> tuple:
    try:
        return np.broadcast_shapes(x.shape, tuple(mask.shape))
    except ValueError:
        raise ValueError(f"{op}: the mask {tuple(mask.shape)} and the input {x.shape} do not broadcast") from None


def masked_fill(x: Tensor, mask, value) -> Tensor:
    """``x`` with ``value`` (a number or a 0-d tensor) wherever the boolean ``mask`` is true, as
    ``torch.masked_fill``; mask and x broadcast together. The result keeps x's dtype; x gets no gradient where
    it was filled, and a 0-d tensor ``value`` gets the sum of the gradient there. Attention uses it to hide
    positions: ``scores.masked_fill(~allowed, float("-inf"))``."""
    m = _as_mask("masked_fill", mask, x)
    if isinstance(value, Tensor) and value.ndim != 0:
        raise ValueError(f"masked_fill: value must be a number or a 0-d tensor, got shape {value.shape}")
    _broadcast_shape("masked_fill", x, m)
    return where(m, lift(value, x, x.dtype), x)


def masked_select(x: Tensor, mask) -> Tensor:
    """The elements of ``x`` where the boolean ``mask`` is true, as a 1-D tensor in row-major order, as
    ``torch.masked_select``; mask and x broadcast together. The gradient goes back to the selected elements."""
    m = _as_mask("masked_select", mask, x)
    shape = _broadcast_shape("masked_select", x, m)
    m = backend.xp_of(m).broadcast_to(m, shape)
    return getitem(broadcast_to(x, shape), m)


def nonzero(x: Tensor, as_tuple: bool = False):
    """Where ``x`` is not zero (True), as ``torch.nonzero``: an int64 tensor ``(count, x.ndim)`` of
    coordinates in row-major order, or with ``as_tuple=True`` one 1-D int64 tensor per dim (what indexing
    takes: ``x[x.nonzero(as_tuple=True)]``). Not differentiable."""
    xp = backend.xp_of(x.data)
    if x.ndim == 0:         # treated as one element long, as in PyTorch
        count = int(bool(x.data))
        if as_tuple:
            return (Tensor(xp.zeros(count, dtype=np.int64)),)
        return Tensor(xp.zeros((count, 0), dtype=np.int64))
    where_nonzero = tuple(i.astype(np.int64) for i in xp.nonzero(x.data))
    if as_tuple:
        return tuple(Tensor(i) for i in where_nonzero)
    return Tensor(xp.stack(where_nonzero, axis=1))


def narrow(x: Tensor, dim: int, start: int, length: int) -> Tensor:
    """``length`` elements of ``x`` along ``dim`` from ``start`` (negative counts from the end), as
    ``torch.narrow``: ``x[:, start:start + length]`` for ``dim=1``. Like that slice, it looks into x's
    memory."""
    if x.ndim == 0:
        raise ValueError("narrow: expected a tensor with at least one dimension, got a 0-d tensor")
    dim = normalize_dim(dim, x.ndim, "narrow")
    size = x.shape[dim]
    if not -size <= start <= size:
        raise IndexError(f"narrow: start out of range (expected to be in range of [{-size}, {size}], but got {start})")
    start = start + size if start < 0 else start
    if length < 0:
        raise ValueError(f"narrow: length must be non-negative, got {length}")
    if start + length > size:
        raise ValueError(f"narrow: start ({start}) + length ({length}) exceeds the size ({size}) of dimension "
                         f"{dim} (shape {x.shape})")
    return getitem(x, (slice(None),) * dim + (slice(start, start + length),))
