"""Searching sorted sequences and finding the distinct values of a tensor: searchsorted, bucketize, unique,
unique_consecutive.

None of them is differentiable. Their results are positions and counts, which a small change of the values does
not change; and the distinct values of ``unique`` are copies of input values picked by comparisons, returned
without a graph (PyTorch records them but cannot differentiate them either).

Two ideas carry the file:

- The place of a value in a sorted row is the number of row entries below it (``searchsorted``); for many rows
  at once, each value is sorted together with its row, and counting the row entries that land before it gives
  its place (:func:`_places_in_rows`).
- Distinct values are runs of equal neighbours: ``unique_consecutive`` finds where a run starts (an element
  differs from the one before); ``unique`` sorts first, so that equal values become neighbours. NaN differs
  from everything, itself included, so each NaN is its own value, as in PyTorch."""
from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd import Tensor
from ._util import normalize_dim
from .sort import _stable_argsort

__all__ = ["searchsorted", "bucketize", "unique", "unique_consecutive"]

_INDEX_KINDS = "iu"


# --------------------------------------------------------------------------- searching sorted rows
def _places_in_rows(rows, values, right: bool):
    """For each row ``b`` of sorted ``rows`` ``(B, K)`` and each value of ``values[b]`` ``(B, M)``, the number of
    row entries ``< v`` (``<= v`` with ``right``): where ``v`` goes to keep the row sorted.

    Each value is sorted together with its row. A stable sort keeps equal entries in the order they came, so
    putting the values before the row (for ``<``) makes each value land before the row entries equal to it, and
    putting them after (for ``<=``) lands it after them. A value at sorted position ``q`` then has ``q`` minus
    (the values before it) row entries before it."""
    xp = backend.xp_of(rows)
    b, k = rows.shape
    m = values.shape[1]
    dtype = xp.result_type(rows.dtype, values.dtype)
    parts = [rows, values] if right else [values, rows]
    merged = xp.concatenate([p.astype(dtype, copy=False) for p in parts], axis=1)
    order = _stable_argsort(merged, 1)
    first_value = k if right else 0
    is_value = (order >= first_value) & (order < first_value + m)
    values_before = xp.cumsum(is_value, axis=1) - is_value
    entries_before = xp.arange(k + m) - values_before
    out = xp.empty((b, m), dtype=np.int64)
    row, col = xp.nonzero(is_value)
    out[row, order[row, col] - first_value] = entries_before[row, col]
    return out


def searchsorted(sorted_sequence: Tensor, values, *, out_int32: bool = False, right: bool = False,
                 side: str | None = None, sorter=None) -> Tensor:
    """Where each of ``values`` would go in ``sorted_sequence`` to keep it sorted (``torch.searchsorted``): the
    number of entries ``< v``, or ``<= v`` with ``right=True`` (``side='right'``). ``searchsorted([1, 3, 3, 5], 3)``
    is 1, and 3 with ``right=True``. A 1-D sequence serves values of any shape (a Python number gives a 0-d
    result); an N-D one holds one sorted row per leading index, and ``values`` must have the same leading dims.
    ``sorter`` gives the indices that sort an unsorted sequence (as ``argsort``). Results are int64 (int32 with
    ``out_int32``), of ``values``' shape; no gradient."""
    op = "searchsorted"
    if not isinstance(sorted_sequence, Tensor):
        raise TypeError(f"{op}: expected sorted_sequence to be a Tensor, got {type(sorted_sequence).__name__}")
    if side not in (None, "left", "right"):
        raise ValueError(f"{op}: side can only be 'left' or 'right' but got {side}")
    if side == "left" and right:
        raise ValueError(f"{op}: side and right can't be set to opposites, got side of left while right was True")
    right = bool(right) or side == "right"
    seq = sorted_sequence.data
    xp = backend.xp_of(seq)
    if seq.ndim == 0:
        raise ValueError(f"{op}: boundaries tensor should have positive dimension, but got 0 dimension")
    if isinstance(values, Tensor):
        if values.device != sorted_sequence.device:
            raise RuntimeError(f"{op}: expected values on the sequence's device {sorted_sequence.device}, got "
                               f"{values.device}")
        vals = values.data
    elif isinstance(values, (bool, int, float, np.number)):
        if seq.ndim != 1:
            raise ValueError(f"{op}: input value can be a scalar only when boundaries tensor dimension is 1, but "
                             f"we got boundaries tensor dim({seq.ndim})")
        vals = xp.asarray(values)
    else:
        raise TypeError(f"{op}: expected values to be a Tensor or a Python number, got {type(values).__name__}")
    if seq.ndim > 1 and (vals.ndim != seq.ndim or vals.shape[:-1] != seq.shape[:-1]):
        raise ValueError(f"{op}: boundaries tensor should be 1 dimension or the first N-1 dimensions of boundaries "
                         f"tensor and input value tensor must match, but we got boundaries tensor "
                         f"{list(seq.shape)} and input value tensor {list(vals.shape)}")
    if sorter is not None:
        order = sorter.data if isinstance(sorter, Tensor) else xp.asarray(sorter)
        if order.dtype.kind not in _INDEX_KINDS:
            raise TypeError(f"{op}: sorter must be a tensor of long dtype but got dtype {order.dtype}")
        if order.shape != seq.shape:
            raise ValueError(f"{op}: boundary and sorter must have the same size, but got boundary tensor "
                             f"{list(seq.shape)} and got sorter tensor {list(order.shape)}")
        if order.size and (int(order.min()) < 0 or int(order.max()) >= seq.shape[-1]):
            raise IndexError(f"{op}: sorter index out of range (a sequence of {seq.shape[-1]} entries per row)")
        seq = xp.take_along_axis(seq, order.astype(np.int64), axis=-1)
    if seq.ndim == 1:
        places = xp.searchsorted(seq, vals.reshape(-1), side="right" if right else "left").reshape(vals.shape)
    else:
        rows = int(np.prod(seq.shape[:-1]))
        places = _places_in_rows(seq.reshape(rows, seq.shape[-1]), vals.reshape(rows, vals.shape[-1]), right)
        places = places.reshape(vals.shape)
    return Tensor(places.astype(np.int32 if out_int32 else np.int64))


def bucketize(input, boundaries: Tensor, *, out_int32: bool = False, right: bool = False) -> Tensor:  # noqa: A002
    """The bucket of each element of ``input``, given sorted 1-D ``boundaries`` (``torch.bucketize``): bucket
    ``i`` holds ``boundaries[i-1] < x <= boundaries[i]`` (with ``right=True``, ``boundaries[i-1] <= x <
    boundaries[i]``), bucket 0 everything up to the first boundary and bucket ``len(boundaries)`` everything
    past the last. It is :func:`searchsorted` with the arguments the other way round. No gradient."""
    if not isinstance(boundaries, Tensor):
        raise TypeError(f"bucketize: expected boundaries to be a Tensor, got {type(boundaries).__name__}")
    if boundaries.ndim != 1:
        raise ValueError(f"bucketize: boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


# --------------------------------------------------------------------------- distinct values
def _runs(sorted_rows):
    """Where each run of equal neighbours starts, along dim 0 of ``sorted_rows`` ``(n, ...)``: a bool vector,
    True at 0 and wherever a row differs (anywhere) from the row before it."""
    xp = backend.xp_of(sorted_rows)
    n = sorted_rows.shape[0]
    differs = sorted_rows[1:] != sorted_rows[:-1]
    if differs.ndim > 1:
        differs = differs.any(axis=1)
    return xp.concatenate([xp.ones(min(n, 1), dtype=bool), differs])


def _lexicographic_order(rows):
    """Indices that sort the rows of ``rows`` ``(n, c)`` lexicographically (column 0 first), equal rows in
    their original order: sort stably by the last column, then by each earlier one (a radix sort), so that
    earlier columns decide and later ones break their ties."""
    xp = backend.xp_of(rows)
    order = xp.arange(rows.shape[0])
    for c in reversed(range(rows.shape[1])):
        order = order[_stable_argsort(rows[order, c], 0)]
    return order


def _distinct(op: str, x: Tensor, sort: bool, return_inverse: bool, return_counts: bool, dim):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(x).__name__}")
    a = x.data
    xp = backend.xp_of(a)
    if dim is None:
        rows, axis = a.reshape(-1), None
    else:
        if x.ndim == 0:
            raise IndexError(f"{op}: Dimension specified as {dim} but tensor has no dimensions")
        axis = normalize_dim(dim, x.ndim, op)
        moved = xp.moveaxis(a, axis, 0)
        if moved.size == 0 and moved.shape[0] != 0:
            raise ValueError(f"{op}: There are 0 sized dimensions, and they aren't selected, so unique cannot be "
                             f"applied (shape {x.shape}, dim {dim})")
        rows = moved.reshape(moved.shape[0], int(np.prod(moved.shape[1:])))
    n = rows.shape[0]
    if not sort:
        order = xp.arange(n)
    elif rows.ndim == 1:
        order = _stable_argsort(rows, 0)
    else:
        order = _lexicographic_order(rows)
    starts = _runs(rows[order])
    firsts = order[starts]
    if axis is None:
        values = rows[firsts]
    else:
        values = xp.moveaxis(moved[firsts], 0, axis)
    out = [Tensor(xp.ascontiguousarray(values))]
    if return_inverse:
        inverse = xp.empty(n, dtype=np.int64)
        inverse[order] = xp.cumsum(starts) - 1          # the run (distinct value) each element belongs to
        out.append(Tensor(inverse.reshape(x.shape if axis is None else (n,))))
    if return_counts:
        bounds = xp.concatenate([xp.nonzero(starts)[0], xp.asarray([n])])
        out.append(Tensor(xp.diff(bounds).astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def unique(x: Tensor, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False,  # noqa: A002
           dim: int | None = None):
    """The distinct values of ``x``, in ascending order, as a 1-D tensor (``torch.unique``); with ``dim``, the
    distinct slices along ``dim``, in lexicographic order. ``return_inverse`` adds, for each element (each
    slice), the index of its value in the result (``result[inverse]`` rebuilds ``x``); ``return_counts`` adds how
    often each value occurs. The result is sorted whatever ``sorted`` says (PyTorch's CPU kernel does the same).
    No gradient.

    ``unique([[3, 1, 2], [1, 3, 3]], return_counts=True)`` is ``([1, 2, 3], [2, 1, 3])``."""
    return _distinct("unique", x, True, return_inverse, return_counts, dim)


def unique_consecutive(x: Tensor, return_inverse: bool = False, return_counts: bool = False,
                       dim: int | None = None):
    """:func:`unique` without sorting (``torch.unique_consecutive``): each run of equal neighbours becomes one
    value, so a value that comes back later is listed again: ``[1, 1, 2, 2, 3, 1, 1, 2]`` gives
    ``[1, 2, 3, 1, 2]`` (counts ``[2, 2, 1, 2, 1]``). Without ``dim`` the tensor is read flattened. No gradient."""
    return _distinct("unique_consecutive", x, False, return_inverse, return_counts, dim)
