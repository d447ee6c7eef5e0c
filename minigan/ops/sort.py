"""Sorting: sort, argsort, topk, kthvalue.

The order of the elements is found on the raw arrays (it is not differentiable: a small change of the values
does not change it), and the values are then read in that order with :func:`~minigan.ops.indexing.gather`.
So the gradient of each sorted value goes back to the place it came from (gather's backward, a scatter by the
indices), and second derivatives come from gather too.

Ties: the sort is stable, so equal values keep their order (the first of them comes first, in descending
sorts too), as PyTorch's ``stable=True`` on the CPU; ``stable=False`` gives the same order, which is one of
those PyTorch allows. NaN sorts as larger than every number."""
from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd import Tensor
from ._util import normalize_dim
from .indexing import gather
from .reduction import ValuesIndices
from .shape import reshape

__all__ = ["sort", "argsort", "topk", "kthvalue"]


def _stable_argsort(a, axis: int):
    xp = backend.xp_of(a)
    if xp is np:
        return np.argsort(a, axis=axis, kind="stable")
    return xp.argsort(a, axis=axis)     # CuPy's sort is always stable (and takes no kind)


def _order(a, axis: int, descending: bool):
    """Indices (int64) that sort ``a`` along ``axis``, equal values in their original order either way.

    A descending order cannot be the ascending one reversed (that would reverse the ties too), nor the
    ascending order of ``-a`` (no negation for bools or unsigned ints, and NaN would move to the end). Instead:
    sort the reversed array, reverse that order, and map its positions back (position ``p`` of the reversed
    array is ``n - 1 - p`` of ``a``)."""
    xp = backend.xp_of(a)
    if not descending:
        return _stable_argsort(a, axis).astype(np.int64)
    n = a.shape[axis]
    order = xp.flip(_stable_argsort(xp.flip(a, axis=axis), axis), axis=axis)
    return (n - 1 - order).astype(np.int64)


def _sort_dim(op: str, x: Tensor, dim: int) -> int:
    return normalize_dim(dim, x.ndim, op) if x.ndim else 0


def sort(x: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False) -> ValuesIndices:
    """``(values, indices)``: ``x`` sorted along ``dim`` (ascending unless ``descending``) and where each value
    was, as ``torch.sort``: ``values == gather(x, dim, indices)``. The gradient of ``values`` goes back to the
    places the indices name. Equal values keep their order (``stable`` is always honoured)."""
    dim = _sort_dim("sort", x, dim)
    if x.ndim == 0:
        values, indices = sort(reshape(x, (1,)), 0, descending)
        return ValuesIndices(reshape(values, ()), Tensor(indices.data.reshape(())))
    order = _order(x.data, dim, bool(descending))
    return ValuesIndices(gather(x, dim, order), Tensor(order))


def argsort(x: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """The int64 indices that sort ``x`` along ``dim`` (the ``indices`` of :func:`sort`), as ``torch.argsort``.
    Not differentiable."""
    dim = _sort_dim("argsort", x, dim)
    if x.ndim == 0:
        return Tensor(backend.xp_of(x.data).zeros((), dtype=np.int64))
    return Tensor(_order(x.data, dim, bool(descending)))


def topk(x: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> ValuesIndices:  # noqa: A002
    """``(values, indices)`` of the ``k`` largest elements along ``dim`` (the smallest with
    ``largest=False``), as ``torch.topk``; they come sorted, largest first (``sorted=False`` allows any order,
    and minigan's is the sorted one). Among equal values the first ones are taken. The gradient goes to the
    ``k`` chosen places."""
    dim = _sort_dim("topk", x, dim)
    n = x.shape[dim] if x.ndim else 1
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 0 <= k <= n:
        raise ValueError(f"topk: k must be in [0, {n}] (the size of dimension {dim}, shape {x.shape}), got {k!r}")
    if x.ndim == 0:
        return sort(x)
    order = _order(x.data, dim, bool(largest))
    chosen = order[(slice(None),) * dim + (slice(0, int(k)),)]
    return ValuesIndices(gather(x, dim, chosen), Tensor(chosen))


def kthvalue(x: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> ValuesIndices:
    """``(values, indices)`` of the ``k``-th smallest element along ``dim`` (``k=1`` is the smallest), as
    ``torch.kthvalue``; among equal values, the one a stable sort puts in place ``k``. ``keepdim=True`` keeps
    ``dim`` with size 1. The gradient goes to the chosen place."""
    dim = _sort_dim("kthvalue", x, dim)
    n = x.shape[dim] if x.ndim else 1
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= n:
        raise ValueError(f"kthvalue: k must be in [1, {n}] (the size of dimension {dim}, shape {x.shape}), "
                         f"got {k!r}")
    if x.ndim == 0:
        return sort(x)
    order = _order(x.data, dim, descending=False)
    chosen = order[(slice(None),) * dim + (slice(int(k) - 1, int(k)),)]    # dim kept, with size 1
    values, indices = gather(x, dim, chosen), Tensor(chosen)
    if not keepdim:
        values, indices = reshape(values, values.shape[:dim] + values.shape[dim + 1:]), Tensor(chosen.squeeze(dim))
    return ValuesIndices(values, indices)
