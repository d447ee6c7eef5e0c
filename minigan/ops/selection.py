"""Picking elements out by value or position, by PyTorch's names: aminmax (both extremes at once), mode (the
most frequent value of each row, and where it is), msort (sorted along dim 0), argwhere (the coordinates of
the nonzero elements), unravel_index (flat indices to coordinates) and combinations (every r-subset of a
vector's elements).

The values are compositions of differentiable picks (amin/amax, a gather, sort, an index), so a value's
gradient goes back to the element it was read from; indices and coordinates have no graph."""
from __future__ import annotations

import itertools
from typing import NamedTuple

import numpy as np

from .. import backend
from ..autograd import Tensor
from ._util import normalize_dim
from .indexing import nonzero, take_along_dim
from .reduction import ValuesIndices, amax, amin
from .shape import getitem, reshape, squeeze
from .sort import sort


class MinMax(NamedTuple):
    min: Tensor
    max: Tensor


def aminmax(input: Tensor, *, dim=None, keepdim: bool = False) -> MinMax:  # noqa: A002 - PyTorch's names
    """``(amin, amax)`` of ``input`` over all elements or along ``dim``, as ``torch.aminmax``; each is
    :func:`~minigan.ops.reduction.amin`/``amax``, so a tie shares the gradient evenly, as PyTorch's does."""
    if dim is not None and not isinstance(dim, (int, np.integer)):
        raise TypeError(f"aminmax: dim must be an int or None, got {dim!r}")
    if input.numel() == 0:
        raise ValueError("aminmax(): cannot compute aminmax over an empty dimension as the operation has no "
                         "identity")
    return MinMax(amin(input, dim, keepdim), amax(input, dim, keepdim))


def _mode_index(data, xp):
    """For rows ``(R, n)``: the index of each row's mode, the smallest of its most frequent values, at its
    last occurrence (PyTorch's choice). Counts come from comparing every pair in a row, ``(R, n, n)``."""
    counts = (data[:, :, None] == data[:, None, :]).sum(axis=2)
    frequent = counts == counts.max(axis=1, keepdims=True)
    order = xp.argsort(data, axis=1, kind="stable")           # smallest value first among the most frequent
    first = xp.argmax(xp.take_along_axis(frequent, order, axis=1), axis=1)
    value = xp.take_along_axis(data, xp.take_along_axis(order, first[:, None], axis=1), axis=1)
    n = data.shape[1]
    return n - 1 - xp.argmax((data == value)[:, ::-1], axis=1)   # its last occurrence


def mode(input: Tensor, dim: int = -1, keepdim: bool = False) -> ValuesIndices:  # noqa: A002
    """The most frequent value along ``dim`` (the smallest, where several are as frequent) and the index of
    its last occurrence, as ``torch.mode``. The values are a gather at those indices, so the gradient goes to
    that one element."""
    d = normalize_dim(dim, input.ndim, "mode")
    if input.ndim == 0:
        return ValuesIndices(input * 1, Tensor(backend.xp_of(input.data).zeros((), dtype=np.int64)))
    if input.shape[d] == 0:
        raise ValueError(f"mode(): expected reduction dim {dim} to have non-zero size, got shape {input.shape}")
    xp = backend.xp_of(input.data)
    moved = xp.moveaxis(input.data, d, -1)
    idx = _mode_index(moved.reshape(-1, moved.shape[-1]), xp).reshape(moved.shape[:-1])
    idx = xp.expand_dims(idx.astype(np.int64), d)
    values = take_along_dim(input, Tensor(idx), d)
    if not keepdim:
        values, idx = squeeze(values, d), idx.squeeze(d)
    return ValuesIndices(values, Tensor(idx))


def msort(input: Tensor) -> Tensor:  # noqa: A002
    """``input`` sorted along dim 0, ascending (``torch.msort``): the values of :func:`~minigan.ops.sort.sort`."""
    return sort(input, 0).values


def argwhere(input: Tensor) -> Tensor:  # noqa: A002
    """The coordinates of the nonzero elements, an int64 tensor ``(count, ndim)`` in row-major order
    (``torch.argwhere``, which is ``nonzero``); no graph."""
    return nonzero(input)


def unravel_index(indices, shape) -> tuple[Tensor, ...]:
    """The coordinates in a tensor of ``shape`` of each flat (row-major) index, one int64 tensor per dim of
    the shape of ``indices``, as ``torch.unravel_index``; a negative index counts from the end."""
    if not isinstance(indices, Tensor):
        raise TypeError(f"unravel_index: expected 'indices' to be an integer tensor, got {type(indices).__name__}")
    if indices.dtype.kind not in "iu":
        raise TypeError(f"unravel_index: expected 'indices' to be an integer tensor, but got {indices.dtype}")
    shape = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(n) for n in shape)
    if any(n < 0 for n in shape):
        raise ValueError(f"unravel_index: 'shape' cannot have negative values, but got {shape}")
    total = int(np.prod(shape))
    data = indices.data.astype(np.int64)
    if data.size and (int(data.min()) < -total or int(data.max()) >= total):
        raise ValueError(f"unravel_index: 'indices' must be in range [{-total}, {total - 1}] for shape {shape}")
    xp = backend.xp_of(data)
    coords = xp.unravel_index(data % max(total, 1), shape)
    return tuple(Tensor(c.astype(np.int64)) for c in coords)


def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:  # noqa: A002
    """Every ``r``-element subset of the elements of a 1-D tensor, in order, as the rows of an ``(k, r)`` tensor
    (Python's ``itertools.combinations``; ``with_replacement`` lets an element repeat), as
    ``torch.combinations``. An index of input, so each element's gradient is the sum of its copies'."""
    if input.ndim != 1:
        raise ValueError(f"combinations: Expect a 1D vector, but got shape {list(input.shape)}")
    if r < 0:
        raise ValueError(f"combinations: Expect a non-negative number, but got {r}")
    if r == 0:
        return Tensor(backend.xp_of(input.data).zeros((0,), dtype=input.dtype))
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    rows = np.array(list(pick(range(input.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    index = backend.xp_of(input.data).asarray(rows)
    return reshape(getitem(input, index), (rows.shape[0], r))
