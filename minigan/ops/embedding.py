"""Lookup tables: ``embedding`` and ``one_hot``.

``embedding(idx, W)`` is ``W[idx]``: each index picks a row of the weight matrix. Its forward is a
gather, and its backward is the matching scatter-add: the gradient of each output row is added into
the row it was read from, so a row picked twice gets both gradients and a row never picked gets zero.
That is minigan's indexing op (``getitem``) exactly, so the backward, and the backward's backward, are
indexing's.

``embedding(idx, W) == one_hot(idx, C) @ W`` (``C`` the number of rows): the lookup is a matrix product
with a one-hot matrix, done without building it. A conditional GAN feeds its class label to both
networks either way.
"""
from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd import Tensor
from ..grad_mode import no_grad
from .arithmetic import where
from .shape import getitem

__all__ = ["embedding", "one_hot"]


def embedding(input, weight: Tensor, padding_idx: int | None = None, max_norm: float | None = None,  # noqa: A002
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of ``weight`` (num_embeddings, dim) picked by the integer ``input`` (any shape):
    ``(*) -> (*, dim)``, as ``torch.nn.functional.embedding``.

    ``padding_idx``: that row's output gets no gradient (it stays what it is, often zeros).
    ``max_norm``: before the lookup, each row that is looked up and whose ``norm_type``-norm exceeds
    ``max_norm`` is scaled down to it, in place and outside autograd, as PyTorch does."""
    if scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding: scale_grad_by_freq and sparse are not implemented; minigan's "
                                  "embedding gradient is dense")
    if weight.ndim != 2:
        raise ValueError(f"embedding: weight must be 2-D (num_embeddings, embedding_dim), got shape {weight.shape}")
    idx = _indices("embedding", input, weight.shape[0], backend.device_of(weight.data))
    if max_norm is not None:
        _renorm_rows(weight, idx, max_norm, norm_type)
    out = getitem(weight, idx)
    if padding_idx is None:
        return out
    padding_idx = _padding_index(padding_idx, weight.shape[0])
    picked_padding = (idx == padding_idx)[..., None]
    return where(picked_padding, out.detach(), out)     # the detached copy passes no gradient back


def one_hot(tensor, num_classes: int = -1) -> Tensor:
    """``(*) -> (*, num_classes)`` int64: 1 at each index, 0 elsewhere, as ``torch.nn.functional.one_hot``.
    ``num_classes=-1`` means one more than the largest index."""
    t = tensor.data if isinstance(tensor, Tensor) else tensor
    xp = backend.xp_of(t) if backend.is_array(t) else np
    t = xp.asarray(t)
    if t.dtype.kind not in "iu":
        raise TypeError(f"one_hot: expected a tensor of class indices (an integer dtype), got dtype {t.dtype}")
    if t.size and int(t.min()) < 0:
        raise ValueError("one_hot: class values must be non-negative")
    if num_classes == -1:
        num_classes = int(t.max()) + 1 if t.size else 0
    if t.size and int(t.max()) >= num_classes:
        raise ValueError(f"one_hot: class values must be smaller than num_classes ({num_classes}), "
                         f"got {int(t.max())}")
    return Tensor((t[..., None] == xp.arange(num_classes)).astype(np.int64))


def _indices(op: str, input, rows: int, device: str):
    """The raw int64 index array of ``input``, on ``device``, each in ``[0, rows)``."""
    t = input.data if isinstance(input, Tensor) else input
    if not backend.is_array(t):
        t = np.asarray(t)
    if t.dtype.kind not in "iu":
        raise TypeError(f"{op}: expected indices of an integer dtype, got dtype {t.dtype}")
    if backend.device_of(t) != device:
        t = backend.to_device(t, device)
    if t.size and (int(t.min()) < 0 or int(t.max()) >= rows):
        bad = int(t.min()) if int(t.min()) < 0 else int(t.max())
        raise IndexError(f"{op}: index {bad} is out of range for a table of {rows} rows")
    return t.astype(np.int64, copy=False)


def _padding_index(padding_idx: int, rows: int) -> int:
    if not -rows <= padding_idx < rows:
        raise ValueError(f"embedding: padding_idx must be within num_embeddings ({rows}), got {padding_idx}")
    return padding_idx % rows


def _renorm_rows(weight: Tensor, idx, max_norm: float, norm_type: float) -> None:
    """Scale each looked-up row whose norm exceeds ``max_norm`` to ``max_norm / (norm + 1e-7)`` of itself."""
    xp = backend.xp_of(weight.data)
    rows = xp.unique(idx)
    with no_grad():
        norms = xp.linalg.norm(weight.data[rows], ord=norm_type, axis=1)
        too_long = norms > max_norm
        if bool(too_long.any()):
            scale = (max_norm / (norms[too_long] + 1e-7)).astype(weight.dtype)
            weight.data[rows[too_long]] *= scale[:, None]
            weight._bump_version()
