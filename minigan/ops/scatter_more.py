"""Writing into a copy of a tensor: index_copy, index_fill, index_put, index_reduce, masked_scatter, put, and the
scatters of a region (select_scatter, slice_scatter, diagonal_scatter), with select, the read they undo.

Every op here but the reductions is one idea: *a copy of x with a region overwritten*, where a region is a
NumPy index ``key`` (slices, index arrays, or a boolean mask). That is :class:`Place`::

    out = x.copy();  out[key] = src            (src broadcast to the region)

and its gradient says what each input did: ``x``'s values survive outside the region, so ``x`` gets ``gy``
with the region zeroed (Place of a 0 there); ``src`` was copied into the region, so it gets ``gy`` read back
from it (``gy[key]``, summed down to src's shape where src was broadcast). Both are written with Place and
indexing, so the backward can be differentiated again.

- ``index_copy`` / ``index_fill`` / ``select_scatter`` / ``slice_scatter``: ``key`` picks whole slices along
  ``dim``; ``diagonal_scatter``: ``key`` is a pair of coordinate arrays along a diagonal;
- ``masked_scatter``: ``key`` is the mask, and src is the first ``mask.sum()`` elements of ``source``;
- ``index_put`` / ``put``: ``key`` is the caller's index arrays (put's into the flattened tensor). With
  ``accumulate=True`` the values are *added* instead: ``x + scatter-add of the values``, where a place named
  twice gets both (the adjoint of indexing, :class:`~minigan.ops.shape.IndexAdd`);
- ``index_reduce``: :func:`~minigan.ops.scatter_reduce.scatter_reduce` with the vector index spread over
  source's shape (a composition: its gradients are scatter_reduce's).

Where a place is written twice without accumulating, which write stays is not defined (as in PyTorch), and
every value written there gets the place's gradient (as in PyTorch)."""
from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd import Function, Tensor
from ._util import lift, normalize_dim
from .diagonal import _two_dims
from .indexing import _as_index, _as_mask, _check_bounds, _kept
from .scatter_reduce import scatter_reduce
from .shape import IndexAdd, broadcast_to, getitem, reshape, sum_to

__all__ = ["index_copy", "index_fill", "index_put", "index_reduce", "masked_scatter", "put", "select",
           "select_scatter", "slice_scatter", "diagonal_scatter"]


class Place(Function):
    """``out = x`` with ``src`` (broadcast) written at ``key``. Backward: ``x`` gets ``gy`` with zeros at ``key``
    (its values there were overwritten); ``src`` gets ``gy[key]``, summed to src's shape."""

    @staticmethod
    def forward(ctx, x, src, key):
        ctx.key, ctx.src_shape = key, src.shape
        out = x.copy()
        out[key] = src
        return out

    @staticmethod
    def backward(ctx, gy):
        gx = gsrc = None
        if ctx.needs_input_grad[0]:
            zero = Tensor(backend.xp_of(gy.data).zeros((), dtype=gy.dtype))
            gx = Place.apply(gy, zero, ctx.key)
        if ctx.needs_input_grad[1]:
            gsrc = sum_to(getitem(gy, ctx.key), ctx.src_shape)
        return gx, gsrc


def _region_shape(x: Tensor, key) -> tuple:
    """The shape ``x[key]`` has (what a src written there must broadcast to)."""
    return backend.xp_of(x.data).empty(x.shape, dtype=np.bool_)[key].shape


def _same_dtype(op: str, x: Tensor, src: Tensor, what: str = "source") -> None:
    if not isinstance(src, Tensor):
        raise TypeError(f"{op}: {what} must be a Tensor, got {type(src).__name__}")
    if src.dtype != x.dtype:
        raise TypeError(f"{op}: expected self and {what} to have the same dtype, but got (self) {x.dtype} and "
                        f"({what}) {src.dtype}")


def _slices_key(op: str, x: Tensor, dim: int, index, negative_ok: bool = False):
    """``(dim, key)``: the key of the slices along ``dim`` that the vector (or 0-d) ``index`` names."""
    dim = normalize_dim(dim, x.ndim, op)
    idx = _as_index(op, index, x)
    if idx.ndim > 1:
        raise ValueError(f"{op}: index has to be a vector or a scalar, got shape {tuple(idx.shape)}")
    idx = idx.reshape(-1)
    size = x.shape[dim] if x.ndim else 1
    if negative_ok and idx.size and int(idx.min()) >= -size:
        idx = idx % size
    _check_bounds(op, idx, size, dim)
    return dim, (slice(None),) * dim + (idx,)


def index_copy(x: Tensor, dim: int, index, source: Tensor) -> Tensor:
    """A copy of ``x`` with slice ``index[j]`` along ``dim`` replaced by ``source``'s slice ``j``, as
    ``torch.index_copy``: ``source`` has x's shape with ``len(index)`` along ``dim``. The write half of
    :func:`~minigan.ops.indexing.index_select`: source's gradient is ``index_select(gy, dim, index)``, x's is
    ``gy`` with those slices zeroed (:class:`Place`)."""
    _same_dtype("index_copy", x, source)
    if x.ndim == 0:                           # a 0-d tensor is its own one slice
        return reshape(index_copy(reshape(x, (1,)), 0, index, reshape(source, (-1,))), ())
    dim, key = _slices_key("index_copy", x, dim, index)
    n = len(key[-1])
    if source.ndim != x.ndim or source.shape[dim] != n:
        raise IndexError(f"index_copy: number of indices ({n}) should be equal to source.size(dim) "
                         f"({source.shape[dim] if source.ndim == x.ndim else source.shape}) (dim {dim})")
    expected = x.shape[:dim] + (n,) + x.shape[dim + 1:]
    if source.shape != expected:
        raise ValueError(f"index_copy: source must have shape {expected} (the input {x.shape} with the {n} indices "
                         f"along dimension {dim}), got {source.shape}")
    return Place.apply(x, source, key)


def index_fill(x: Tensor, dim: int, index, value) -> Tensor:
    """A copy of ``x`` with the slices that ``index`` names along ``dim`` filled with ``value`` (a number or a
    0-d tensor), as ``torch.index_fill``; negative indices count from the end. ``x`` gets no gradient there, a
    0-d tensor ``value`` gets the sum of the gradient over them."""
    if isinstance(value, Tensor) and value.ndim != 0:
        raise ValueError(f"index_fill: only supports a 0-dimensional value tensor, but got a tensor with "
                         f"{value.ndim} dimension(s)")
    if x.ndim == 0:
        return reshape(index_fill(reshape(x, (1,)), 0, index, value), ())
    _, key = _slices_key("index_fill", x, dim, index, negative_ok=True)
    # a slice named twice is filled once, so a tensor value's gradient counts it once
    key = key[:-1] + (backend.xp_of(key[-1]).unique(key[-1]),)
    return Place.apply(x, lift(value, x, x.dtype), key)


def _put_key(op: str, x: Tensor, indices) -> tuple:
    """The caller's index tensors as a NumPy key of integer arrays (a boolean mask becomes the coordinates of its
    true places, one array per dim it covers), each checked against the dims it indexes."""
    if isinstance(indices, Tensor) or backend.is_array(indices):
        indices = (indices,)
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"{op}: indices must be a tuple of tensors, got {type(indices).__name__}")
    key, at = [], 0
    for i in indices:
        if not isinstance(i, Tensor) and not backend.is_array(i):
            raise TypeError(f"{op}: expected a Tensor as each of the indices, got {type(i).__name__}")
        arr = i.data if isinstance(i, Tensor) else backend.to_device(i, x.device)
        if arr.dtype == np.bool_:
            if tuple(arr.shape) != x.shape[at:at + arr.ndim]:
                raise IndexError(f"{op}: the shape of the mask {tuple(arr.shape)} at index {at} does not match the "
                                 f"shape of the indexed tensor {x.shape}")
            key.extend(a.astype(np.int64) for a in backend.xp_of(arr).nonzero(arr))
            at += arr.ndim
            continue
        arr = _as_index(op, arr, x, "indices")
        if at >= x.ndim:
            raise IndexError(f"{op}: too many indices for a tensor of dimension {x.ndim}")
        size = x.shape[at]
        if arr.size and (int(arr.min()) < -size or int(arr.max()) >= size):
            bad = int(arr.min()) if int(arr.min()) < -size else int(arr.max())
            raise IndexError(f"{op}: index {bad} is out of bounds for dimension {at} with size {size}")
        key.append(_kept(arr % size if arr.size else arr, i))
        at += 1
    if at > x.ndim:
        raise IndexError(f"{op}: too many indices for a tensor of dimension {x.ndim}")
    return tuple(key)


def _write(op: str, x: Tensor, key, values: Tensor, accumulate: bool) -> Tensor:
    shape = _region_shape(x, key)
    try:
        np.broadcast_shapes(values.shape, shape)
    except ValueError:
        raise ValueError(f"{op}: shape mismatch: values of shape {values.shape} cannot be broadcast to the "
                         f"indexing result of shape {shape}") from None
    if accumulate:
        return x + IndexAdd.apply(broadcast_to(values, shape), x.shape, key)
    return Place.apply(x, values, key)


def index_put(x: Tensor, indices, values: Tensor, accumulate: bool = False) -> Tensor:
    """A copy of ``x`` with ``values`` written at ``x[indices]`` (``indices`` a tuple of integer or boolean
    tensors, as for indexing), as ``torch.index_put``; ``values`` broadcasts to the indexed shape. With
    ``accumulate=True`` the values are added, and a place named twice gets both: ``index_put(zeros(3),
    (tensor([0, 0]),), tensor([1., 2.]), True)`` is ``[3, 0, 0]``."""
    _same_dtype("index_put", x, values, "values")
    return _write("index_put", x, _put_key("index_put", x, indices), values, accumulate)


def put(x: Tensor, index, source: Tensor, accumulate: bool = False) -> Tensor:
    """A copy of ``x`` with ``source``'s elements written at the places ``index`` names in x seen as 1-D
    (row-major), as ``torch.put``; negative indices count from the end; ``accumulate=True`` adds them."""
    _same_dtype("put", x, source)
    idx = _as_index("put", index, x).reshape(-1)
    if source.numel() != idx.size:
        raise IndexError(f"put: expected source and index to have the same number of elements, but got "
                         f"source.numel() = {source.numel()}, index.numel() = {idx.size}")
    n = x.numel()
    if idx.size and (int(idx.min()) < -n or int(idx.max()) >= n):
        bad = int(idx.min()) if int(idx.min()) < -n else int(idx.max())
        raise IndexError(f"put: out of range: tried to access index {bad} on a tensor of {n} elements")
    key = (_kept(idx % n if n else idx, index),)
    return reshape(_write("put", reshape(x, (-1,)), key, reshape(source, (-1,)), accumulate), x.shape)


def masked_scatter(x: Tensor, mask, source: Tensor) -> Tensor:
    """A copy of ``x`` with the places where the boolean ``mask`` is true filled, in row-major order, with the
    first ``mask.sum()`` elements of ``source`` (any shape), as ``torch.masked_scatter``; x and mask broadcast
    together. The inverse of :func:`~minigan.ops.indexing.masked_select`: source's gradient is the selected
    gradient (zeros for elements not used)."""
    _same_dtype("masked_scatter", x, source)
    m = _as_mask("masked_scatter", mask, x)
    try:
        shape = np.broadcast_shapes(x.shape, tuple(m.shape))
    except ValueError:
        raise ValueError(f"masked_scatter: the mask {tuple(m.shape)} and the input {x.shape} do not "
                         f"broadcast") from None
    m = backend.xp_of(m).broadcast_to(m, shape)
    count = int(m.sum())
    if source.numel() < count:
        raise ValueError(f"masked_scatter: number of elements of source ({source.numel()}) < number of ones in "
                         f"mask ({count})")
    used = getitem(reshape(source, (-1,)), slice(0, count))
    return Place.apply(broadcast_to(x, shape), used, m.copy())


def index_reduce(x: Tensor, dim: int, index, source: Tensor, reduce: str, *, include_self: bool = True) -> Tensor:
    """A copy of ``x`` where each slice that ``index`` names along ``dim`` holds the ``reduce`` (``"prod"``,
    ``"mean"``, ``"amax"`` or ``"amin"``) of the ``source`` slices sent there, and of its own values unless
    ``include_self=False``, as ``torch.index_reduce``. A composition: :func:`scatter_reduce` with the index
    spread over source's shape, so the gradients are scatter_reduce's."""
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise ValueError(f"index_reduce: expected reduce to be one of prod, mean, amax or amin but got {reduce!r}")
    _same_dtype("index_reduce", x, source)
    if x.ndim == 0:
        src = reshape(source, (1,)) if source.ndim == 0 else source
        return reshape(index_reduce(reshape(x, (1,)), 0, index, src, reduce, include_self=include_self), ())
    dim, key = _slices_key("index_reduce", x, dim, index)
    idx = key[-1]
    expected = x.shape[:dim] + (len(idx),) + x.shape[dim + 1:]
    if source.shape != expected:
        raise ValueError(f"index_reduce: source must have shape {expected} (the input {x.shape} with the "
                         f"{len(idx)} indices along dimension {dim}), got {source.shape}")
    spread = backend.xp_of(idx).broadcast_to(idx.reshape([-1 if a == dim else 1 for a in range(x.ndim)]), expected)
    return scatter_reduce(x, dim, spread, source, reduce, include_self=include_self)


def select(x: Tensor, dim: int, index: int) -> Tensor:
    """The slice of ``x`` at ``index`` along ``dim``, that dim removed, as ``torch.select``: ``select(x, 1, 2)``
    is ``x[:, 2]``. Negative ``index`` counts from the end."""
    if x.ndim == 0:
        raise IndexError("select: select() cannot be applied to a 0-dim tensor")
    dim = normalize_dim(dim, x.ndim, "select")
    size = x.shape[dim]
    if not -size <= int(index) < size:
        raise IndexError(f"select: index {index} out of range for tensor of size {list(x.shape)} at dimension {dim}")
    return getitem(x, (slice(None),) * dim + (int(index) % size,))


def _scatter_region(op: str, x: Tensor, src: Tensor, key) -> Tensor:
    if not isinstance(src, Tensor):
        raise TypeError(f"{op}: src must be a Tensor, got {type(src).__name__}")
    shape = _region_shape(x, key)
    if src.shape != shape:
        raise ValueError(f"{op}: expected src to have a size equal to the slice of self. src size = "
                         f"{list(src.shape)}, slice size = {list(shape)}")
    return Place.apply(x, lift(src, x, x.dtype), key)


def select_scatter(x: Tensor, src: Tensor, dim: int, index: int) -> Tensor:
    """A copy of ``x`` with the slice ``select(x, dim, index)`` replaced by ``src`` (of that slice's shape), as
    ``torch.select_scatter``. Its gradients: ``x`` gets ``gy`` with that slice zeroed, ``src`` the slice of
    ``gy`` (:class:`Place`)."""
    select(x, dim, index)                           # the checks of dim and index
    dim = normalize_dim(dim, x.ndim, "select_scatter")
    return _scatter_region("select_scatter", x, src, (slice(None),) * dim + (int(index) % x.shape[dim],))


def slice_scatter(x: Tensor, src: Tensor, dim: int = 0, start: int | None = None, end: int | None = None,
                  step: int = 1) -> Tensor:
    """A copy of ``x`` with ``x[..., start:end:step]`` (along ``dim``) replaced by ``src``, as
    ``torch.slice_scatter``; start and end as Python's slices (negative from the end, clipped to the size)."""
    if x.ndim == 0:
        raise IndexError("slice_scatter: slice() cannot be applied to a 0-dim tensor")
    dim = normalize_dim(dim, x.ndim, "slice_scatter")
    if step <= 0:
        raise ValueError(f"slice_scatter: slice step must be positive, got {step}")
    return _scatter_region("slice_scatter", x, src, (slice(None),) * dim + (slice(start, end, step),))


def diagonal_scatter(x: Tensor, src: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """A copy of ``x`` with ``diagonal(x, offset, dim1, dim2)`` replaced by ``src`` (of that diagonal's shape:
    the other dims, then the diagonal), as ``torch.diagonal_scatter``. The key is one coordinate array per dim,
    shaped so that ``x[key]`` is exactly that diagonal."""
    d1, d2 = _two_dims("diagonal_scatter", dim1, dim2, x.ndim)
    offset = int(offset)
    xp = backend.xp_of(x.data)
    r0, c0 = max(-offset, 0), max(offset, 0)
    length = max(min(x.shape[d1] - r0, x.shape[d2] - c0), 0)
    rest = [a for a in range(x.ndim) if a not in (d1, d2)]
    out_ndim = len(rest) + 1
    key = [None] * x.ndim
    for k, a in enumerate(rest):
        key[a] = xp.arange(x.shape[a]).reshape([x.shape[a] if j == k else 1 for j in range(out_ndim)])
    diag = xp.arange(length).reshape([1] * len(rest) + [length])
    key[d1], key[d2] = diag + r0, diag + c0
    return _scatter_region("diagonal_scatter", x, src, tuple(key))
