"""``embedding_bag``: the sum, mean or max of each bag of rows of a lookup table, without the rows in between.

A bag is a group of indices (the words of a sentence, the items of a basket). ``embedding_bag`` looks up each
index's row of ``weight (num_embeddings, D)`` and reduces every bag's rows to one ``(D,)`` vector, so ``B`` bags
give ``(B, D)``. The bags come in one of two forms, as in PyTorch:

- a 2-D ``input (B, L)``: each row is a bag of ``L`` indices;
- a 1-D ``input`` of all the indices one bag after the other, and ``offsets``, where each bag starts:
  ``input = [4, 1, 2, 7, 7]`` with ``offsets = [0, 2, 2]`` is the bags ``[4, 1]``, ``[]`` and ``[2, 7, 7]``. With
  ``include_last_offset=True`` the last offset is where the last bag ends instead (``B + 1`` offsets).

``padding_idx`` drops that index from every bag (it is neither summed nor counted in a mean); an empty bag gives
zeros. ``per_sample_weights`` (mode ``"sum"`` only) weighs each index's row before the sum.

A composition of existing differentiable ops, which says what a bag is. With ``bag_of[e]`` the bag of element
``e`` and ``rows = weight[input]`` (a lookup, whose backward scatter-adds each gradient row into the row read):

- sum: ``out = index_add(zeros(B, D), 0, bag_of, rows * scale)``, a segment sum, ``scale`` being each element's
  weight (``per_sample_weights``, or 1; 0 for ``padding_idx``). Its backward hands each element its bag's gradient
  times that scale, then adds it into the element's row of ``weight``; the gradient of ``per_sample_weights[e]``
  is ``<gradient of its bag, its row>``.
- mean: that sum divided by the number of elements in each bag (padding not counted; an empty bag stays 0).
- max: for each bag and each column the element holding the largest value (the first of equal ones, as PyTorch's
  CPU kernel) is found on raw arrays; ``out = gather(rows, 0, winner)`` reads it, so the gradient of each value
  goes back to the one row it came from.
"""
from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd import Tensor, as_tensor
from .arithmetic import where
from .embedding import _indices, _renorm_rows
from .indexing import gather, index_add
from .shape import getitem, reshape

__all__ = ["embedding_bag"]

_MODES = ("sum", "mean", "max")


def _int_array(op: str, what: str, value, device: str):
    """An index-like argument (a Tensor, array or list of ints) as a raw int64 array on ``device``."""
    a = value.data if isinstance(value, Tensor) else value
    if not backend.is_array(a):
        a = np.asarray(a)
        a = a.astype(np.int64) if a.size == 0 else a
    if a.dtype.kind not in "iu":
        raise TypeError(f"{op}: expected {what} of an integer dtype (int64 or int32), got dtype {a.dtype}")
    return backend.to_device(a, device).astype(np.int64, copy=False)


def _bags(input, offsets, include_last_offset: bool, device: str):
    """``(indices, starts, ends)``: the flat int64 indices and where each bag starts and ends in them."""
    op = "embedding_bag"
    idx = input.data if isinstance(input, Tensor) else input
    idx = idx if backend.is_array(idx) else np.asarray(idx)
    xp = backend.xp_for(device)
    if idx.ndim == 2:
        if offsets is not None:
            raise ValueError(f"{op}: if input is 2-D (B, L), each row is a bag and offsets has to be None, got "
                             f"offsets of type {type(offsets).__name__}")
        b, length = idx.shape
        starts = xp.arange(b, dtype=np.int64) * length
        return idx.reshape(-1), starts, starts + length
    if idx.ndim != 1:
        raise ValueError(f"{op}: input has to be a 1-D or 2-D tensor, but got a tensor of dimension {idx.ndim} "
                         f"(shape {tuple(idx.shape)})")
    if offsets is None:
        raise ValueError(f"{op}: a 1-D input needs offsets (1-D, where each bag starts), got None")
    off = _int_array(op, "offsets", offsets, device)
    if off.ndim != 1:
        raise ValueError(f"{op}: offsets has to be a 1-D tensor, got shape {tuple(off.shape)}")
    n = idx.shape[0]
    if off.size:
        first, last = int(off[0]), int(off[-1])
        if first != 0:
            raise ValueError(f"{op}: offsets[0] has to be 0, i.e., the first bag has to start from position 0; "
                             f"got {first}")
        if bool((off[1:] < off[:-1]).any()):
            raise ValueError(f"{op}: offsets must be non-decreasing (each bag starts where the one before ends), "
                             f"got {backend.to_numpy(off).tolist()}")
        if last > n:
            raise ValueError(f"{op}: offsets[-1] can not be greater than input's length {n} but got offsets[-1] "
                             f"of {last}")
    if include_last_offset:
        return idx, off[:-1], off[1:]
    return idx, off, xp.concatenate([off[1:], xp.asarray([n], dtype=np.int64)])


def _check(weight: Tensor, mode: str, per_sample_weights, padding_idx, input_shape) -> int | None:
    """The argument checks; returns ``padding_idx`` counted from the front (or None)."""
    op = "embedding_bag"
    if weight.ndim != 2:
        raise ValueError(f"{op}: weight has to be a 2-D tensor (num_embeddings, embedding_dim), got shape "
                         f"{weight.shape}")
    if not weight.is_floating_point():
        raise TypeError(f"{op}: expected a floating-point weight, got {weight.dtype}")
    if mode not in _MODES:
        raise ValueError(f"{op}: mode has to be one of sum, mean or max, got {mode!r}")
    if per_sample_weights is not None:
        if mode != "sum":
            raise NotImplementedError(f"{op}: per_sample_weights is only supported for mode='sum' (got "
                                      f"mode={mode!r})")
        if tuple(per_sample_weights.shape) != tuple(input_shape):
            raise ValueError(f"{op}: per_sample_weights ({tuple(per_sample_weights.shape)}) must have the same "
                             f"shape as the input ({tuple(input_shape)})")
        if per_sample_weights.dtype != weight.dtype:
            raise TypeError(f"{op}: expected per_sample_weights of the weight's dtype {weight.dtype}, got "
                            f"{per_sample_weights.dtype}")
    if padding_idx is None:
        return None
    rows = weight.shape[0]
    if not -rows <= padding_idx < rows:
        raise ValueError(f"{op}: padding_idx must be within the number of embeddings, {-rows} through {rows - 1}, "
                         f"but got {padding_idx}")
    return padding_idx % rows


def embedding_bag(input, weight: Tensor, offsets=None, max_norm: float | None = None, norm_type: float = 2,
                  scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights=None, include_last_offset: bool = False, padding_idx: int | None = None) -> Tensor:
    """The ``mode`` (``"sum"``, ``"mean"`` or ``"max"``) of each bag's rows of ``weight (num_embeddings, D)``, as
    ``torch.nn.functional.embedding_bag``: a 2-D ``input (B, L)`` of bags, or a 1-D ``input`` with ``offsets``
    (see the module's docstring) ``-> (B, D)``, of the weight's dtype.

    ``max_norm``: each looked-up row whose ``norm_type``-norm exceeds it is first scaled down to it, in place and
    outside autograd, as :func:`~minigan.ops.embedding.embedding` does."""
    op = "embedding_bag"
    if scale_grad_by_freq or sparse:
        raise NotImplementedError(f"{op}: scale_grad_by_freq and sparse are not implemented; minigan's embedding "
                                  f"gradients are dense")
    weight = as_tensor(weight)
    device = backend.device_of(weight.data)
    raw = input.data if isinstance(input, Tensor) else input
    raw = raw if backend.is_array(raw) else np.asarray(raw)
    psw = None if per_sample_weights is None else as_tensor(per_sample_weights, device=weight.device)
    padding_idx = _check(weight, mode, psw, padding_idx, raw.shape)
    flat, starts, ends = _bags(input, offsets, include_last_offset, device)
    idx = _indices(op, flat, weight.shape[0], device)
    xp = backend.xp_of(weight.data)
    bags, dim = int(starts.shape[0]), weight.shape[1]
    used = int(ends[-1]) if bags else 0                          # the bags are contiguous: elements 0..used-1
    idx = idx[:used]
    if max_norm is not None and used:
        _renorm_rows(weight, idx, max_norm, norm_type)
    lengths = ends - starts
    bag_of = xp.repeat(xp.arange(bags, dtype=np.int64), backend.to_numpy(lengths).tolist()) if bags else idx[:0]
    keep = idx != padding_idx if padding_idx is not None else xp.ones(used, dtype=bool)
    counts = xp.zeros(bags, dtype=np.int64)
    backend.scatter_add(counts, (bag_of,), keep.astype(np.int64))
    rows = getitem(weight, idx)                                                           # (E, D)
    zeros = Tensor(xp.zeros((bags, dim), dtype=weight.dtype))
    if mode == "max" and used:
        winner, found = _max_winners(rows.data, keep, bag_of, starts, lengths, counts)
        return where(found[:, None], gather(rows, 0, winner), 0.0)
    scale = Tensor(keep.astype(weight.dtype))
    if psw is not None:
        scale = reshape(psw, (-1,))[:used] * scale
    sums = index_add(zeros, 0, bag_of, rows * reshape(scale, (used, 1)))
    if mode == "mean":
        return sums / Tensor(xp.maximum(counts, 1).astype(weight.dtype)[:, None])
    return sums


def _max_winners(values, keep, bag_of, starts, lengths, counts):
    """``(winner (B, D), found (B,))``: for each bag and column the element (a position in ``values (E, D)``)
    holding the largest value among the bag's kept elements, the first of equal ones; ``found`` is False for a bag
    with none (its winner is 0, to be masked). The bags are laid out as the rows of a ``(B, L_max, D)`` block,
    the missing places and the dropped (padding) elements filled with -inf, and the argmax taken along ``L``."""
    xp = backend.xp_of(values)
    bags, dim = starts.shape[0], values.shape[1]
    slot = xp.arange(values.shape[0]) - starts[bag_of]                                  # place within its bag
    block = xp.full((bags, int(lengths.max()), dim), -np.inf, dtype=values.dtype)
    block[bag_of, slot] = xp.where(keep[:, None], values, -np.inf)
    valid = xp.zeros(block.shape[:2], dtype=bool)
    valid[bag_of, slot] = keep
    at = block.argmax(axis=1)                                                            # (B, D)
    # a bag whose kept values are all -inf may name a missing place: take its first kept element instead
    first_kept = xp.broadcast_to(valid.argmax(axis=1)[:, None], at.shape)
    at = xp.where(xp.take_along_axis(valid, at, axis=1), at, first_kept)
    found = counts > 0
    return xp.where(found[:, None], starts[:, None] + at, 0).astype(np.int64), found
