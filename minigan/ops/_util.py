"""Small helpers shared by the op files: lifting scalars to tensors, undoing broadcasting, and the
per-channel sum that batch norm and a convolution's bias share."""
from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd import Tensor


def lift(value, like: Tensor) -> Tensor:
    """``value`` as a Tensor on ``like``'s device; Python scalars take ``like``'s dtype (no upcast)."""
    if isinstance(value, Tensor):
        return value
    if backend.is_array(value):
        return Tensor(value)
    xp = backend.xp_of(like.data)
    dtype = like.dtype if like.dtype.kind == "f" or isinstance(value, (int, bool, np.integer)) else None
    return Tensor(xp.asarray(value, dtype=dtype))


def lift_pair(a, b) -> tuple[Tensor, Tensor]:
    """Two operands of a binary op as Tensors (at least one of them is one already)."""
    if isinstance(a, Tensor):
        return a, lift(b, a)
    return lift(a, b), b


def reduced_axes(shape: tuple, target: tuple) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Axes to sum so that an array of ``shape`` (the broadcast result) becomes ``target``.

    Returns ``(lead, keep)``: the leading axes broadcasting added, and the axes where ``target`` has 1."""
    lead = len(shape) - len(target)
    lead_axes = tuple(range(lead))
    keep = tuple(i + lead for i, n in enumerate(target) if n == 1 and shape[i + lead] != 1)
    return lead_axes, keep


def sum_to_array(a, target: tuple):
    """Raw-array version of :func:`minigan.ops.shape.sum_to` (used inside forwards)."""
    if tuple(a.shape) == tuple(target):
        return a
    lead, keep = reduced_axes(tuple(a.shape), tuple(target))
    if keep:
        a = a.sum(axis=keep, keepdims=True)
    if lead:
        a = a.sum(axis=lead)
    return a.reshape(target)


def channel_sum(a):
    """``a (N, C, ...) -> (C,)``: the sum over every axis but 1. Written as a product with a vector of
    ones, which BLAS does at memory speed; NumPy's sum over the axes (0, 2, 3) is several times slower."""
    xp = backend.xp_of(a)
    n, c = a.shape[:2]
    a3 = a.reshape(n, c, -1)
    return xp.matmul(a3, xp.ones(a3.shape[2], dtype=a.dtype)).sum(axis=0)
