"""Margin and ranking losses, with PyTorch's names, arguments and ``reduction`` ("mean", "sum", "none"): the
target says which way a score (or a pair of scores, or of embeddings) should lean, as a label ±1 of any dtype,
and the loss is 0 once it leans that way by a margin.

=======================================  ====================================================================
loss                                     per element (or sample)
=======================================  ====================================================================
``soft_margin_loss(x, y)``               ``log(1 + e^(-y x))``, a smooth hinge
``multilabel_soft_margin_loss(x, y)``    the mean over the C classes of ``-(y log σ(x) + (1 - y) log σ(-x))``
``margin_ranking_loss(x1, x2, y, m)``    ``max(0, -y (x1 - x2) + m)``: x1 should rank above x2 where y = 1
``hinge_embedding_loss(x, y, m)``        ``x`` where y = 1, ``max(0, m - x)`` where y = -1 (x a distance)
``cosine_embedding_loss(x1, x2, y, m)``  ``1 - cos`` where y = 1, ``max(0, cos - m)`` where y = -1
``triplet_margin_loss(a, p, n, m)``      ``max(0, d(a, p) - d(a, n) + m)``, d the pairwise distance
=======================================  ====================================================================

Each is a composition of minigan ops, so its backward and double backward follow. The hinges are
``clip(z, min=0)``, whose gradient at ``z = 0`` passes (PyTorch's ``clamp_min``), not relu's 0. The soft margins
use ``logsigmoid``, finite for any score: ``log(1 + e^1000)`` is 1000, not inf."""
from __future__ import annotations

from ..autograd import Tensor
from . import arithmetic as A
from ._util import as_floating, lift
from .activation import _expect_floating, logsigmoid
from .distance import pairwise_distance
from .loss import _reduce
from .reduction import sum as _sum


def soft_margin_loss(input: Tensor, target, reduction: str = "mean") -> Tensor:  # noqa: A002 - PyTorch's name
    """``log(1 + e^(-y x))`` for scores ``x`` and labels ``y = ±1``: the two-class logistic loss, written as
    ``-logsigmoid(y x)`` so that it is finite for any score. Input and target broadcast together."""
    _expect_floating("soft_margin_loss", input)
    target = lift(target, input)
    return _reduce(-logsigmoid(target * input), reduction, "soft_margin_loss")


def multilabel_soft_margin_loss(input: Tensor, target, weight=None, reduction: str = "mean") -> Tensor:  # noqa: A002
    """One binary cross-entropy from logits per class, averaged over the classes (the last dim):
    ``-mean_c w_c (y_c log σ(x_c) + (1 - y_c) log σ(-x_c))`` for targets ``y_c`` in {0, 1}, then reduced over the
    samples. Shapes: input and target ``(N, C)`` (or ``(C,)``), weight ``(C,)``; output ``()``, or ``(N,)`` with
    ``reduction="none"``."""
    _expect_floating("multilabel_soft_margin_loss", input)
    if input.ndim == 0:
        raise ValueError("multilabel_soft_margin_loss: expected an input with a class dim, (N, C) or (C,), "
                         "got a 0-d tensor")
    target = lift(target, input)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * lift(weight, input)
    loss = _sum(loss, -1) / input.shape[-1]
    return _reduce(loss, reduction, "multilabel_soft_margin_loss")


def margin_ranking_loss(input1: Tensor, input2: Tensor, target, margin: float = 0.0,
                        reduction: str = "mean") -> Tensor:
    """``max(0, -y (x1 - x2) + margin)``: 0 once ``x1`` exceeds ``x2`` by ``margin`` where ``y = 1`` (and the
    other way round where ``y = -1``). The three tensors must have the same number of dims (PyTorch's rule)
    and broadcast together; integer scores give float32, as in PyTorch."""
    input1, input2 = as_floating(input1), as_floating(input2)
    target = lift(target, input1)
    if not input1.ndim == input2.ndim == target.ndim:
        raise ValueError(f"margin_ranking_loss: input1, input2 and target should have the same number of dims, "
                         f"got shapes {input1.shape}, {input2.shape} and {target.shape}")
    loss = A.clip(-target * (input1 - input2) + margin, min=0)
    return _reduce(loss, reduction, "margin_ranking_loss")


def hinge_embedding_loss(input: Tensor, target, margin: float = 1.0, reduction: str = "mean") -> Tensor:  # noqa: A002
    """For distances ``x`` between pairs: ``x`` where ``y = 1`` (similar pairs are pulled together) and
    ``max(0, margin - x)`` where ``y = -1`` (dissimilar ones pushed at least ``margin`` apart). As in PyTorch,
    a target that is neither counts both terms (``y != 1`` takes the first, ``y != -1`` the second)."""
    _expect_floating("hinge_embedding_loss", input)
    y = lift(target, input).data
    loss = A.where(y != 1, A.clip(margin - input, min=0), 0.0) + A.where(y != -1, input, 0.0)
    return _reduce(loss, reduction, "hinge_embedding_loss")


_COSINE_EPS = 1e-12        # PyTorch's EPSILON, added to each squared norm in cosine_embedding_loss


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target, margin: float = 0.0,
                          reduction: str = "mean") -> Tensor:
    """``1 - cos(x1, x2)`` where ``y = 1`` and ``max(0, cos(x1, x2) - margin)`` where ``y = -1``, with PyTorch's
    cosine ``<x1, x2> / sqrt((|x1|² + 1e-12)(|x2|² + 1e-12))``, which is 0 for a zero vector. Shapes: inputs
    ``(N, D)`` and target ``(N,)``, or inputs ``(D,)`` and a 0-d target; output ``()``, or ``(N,)`` with
    ``reduction="none"``."""
    input1, input2 = as_floating(input1), as_floating(input2)
    y = lift(target, input1).data
    if y.ndim not in (0, 1):
        raise ValueError(f"cosine_embedding_loss: expected a 0-d or 1-d target (one label per pair), got shape "
                         f"{tuple(y.shape)}")
    if not input1.ndim == input2.ndim == y.ndim + 1:
        raise ValueError(f"cosine_embedding_loss: a {y.ndim}-d target expects {y.ndim + 1}-d inputs, got shapes "
                         f"{input1.shape} and {input2.shape}")
    d = y.ndim                           # the dim of the vectors' components
    dot = _sum(input1 * input2, d)
    sq1 = _sum(input1 * input1, d) + _COSINE_EPS
    sq2 = _sum(input2 * input2, d) + _COSINE_EPS
    cos = dot / A.sqrt(sq1 * sq2)
    loss = A.where(y == 1, 1 - cos, 0.0) + A.where(y == -1, A.clip(cos - margin, min=0), 0.0)
    return _reduce(loss, reduction, "cosine_embedding_loss")


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2.0,
                        eps: float = 1e-6, swap: bool = False, reduction: str = "mean") -> Tensor:
    """``max(0, d(a, p) - d(a, n) + margin)``, ``d`` the :func:`~minigan.ops.pairwise_distance` (with ``p`` and
    ``eps``) along the last dim: the anchor should be nearer the positive than the negative, by ``margin``.
    With ``swap``, ``d(a, n)`` is replaced by ``min(d(a, n), d(p, n))`` (Balntas et al., 2016). Shapes:
    ``(N, D)`` or ``(D,)``, the same number of dims for all three; output ``()``, or ``(N,)`` with
    ``reduction="none"``."""
    if margin <= 0:
        raise ValueError(f"triplet_margin_loss: margin must be greater than 0, got {margin}")
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise ValueError(f"triplet_margin_loss: anchor, positive and negative should have the same number of dims, "
                         f"got shapes {anchor.shape}, {positive.shape} and {negative.shape}")
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = A.minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    loss = A.clip(d_pos + margin - d_neg, min=0)
    return _reduce(loss, reduction, "triplet_margin_loss")


__all__ = ["soft_margin_loss", "multilabel_soft_margin_loss", "margin_ranking_loss", "hinge_embedding_loss",
           "cosine_embedding_loss", "triplet_margin_loss"]
