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
``triplet_margin_with_distance_loss``    the same with any ``distance_function`` (pairwise_distance without one)
``multi_margin_loss(x, y, p, m, w)``     ``sum_{i != y} w_y max(0, m - x_y + x_i)^p / C``, for a class index y
``multilabel_margin_loss(x, y)``         ``sum_j sum_{i not a target} max(0, 1 - (x_{y_j} - x_i)) / C``, for the
                                         class indices ``y_j`` before the first -1
=======================================  ====================================================================

Each is a composition of minigan ops, so its backward and double backward follow. The hinges are
``clip(z, min=0)``, whose gradient at ``z = 0`` passes (PyTorch's ``clamp_min``), not relu's 0; except in the two
multi-class hinges, which count a term only where ``z > 0``, so that at ``z = 0`` its gradient is 0 (PyTorch's
kernels do the same). The soft margins use ``logsigmoid``, finite for any score: ``log(1 + e^1000)`` is 1000,
not inf.

All but ``triplet_margin_with_distance_loss`` also take PyTorch's deprecated ``size_average`` and ``reduce``, as
keyword-only arguments (PyTorch also takes them positionally, before ``reduction``); see
:func:`~minigan.ops.loss_reduction.legacy_reduction`."""
from __future__ import annotations

from .. import backend
from ..autograd import Tensor
from . import arithmetic as A
from ._util import as_floating, lift
from .activation import _expect_floating, logsigmoid
from .distance import pairwise_distance
from .indexing import gather
from .loss_classes import class_indices as _class_indices
from .loss_reduction import legacy_reduction, reduce_loss as _reduce
from .reduction import sum as _sum
from .shape import reshape


def soft_margin_loss(input: Tensor, target, reduction: str = "mean", *,  # noqa: A002 - PyTorch's name
                     size_average=None, reduce=None) -> Tensor:
    """``log(1 + e^(-y x))`` for scores ``x`` and labels ``y = ±1``: the two-class logistic loss, written as
    ``-logsigmoid(y x)`` so that it is finite for any score. Input and target broadcast together."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _expect_floating("soft_margin_loss", input)
    target = lift(target, input)
    return _reduce(-logsigmoid(target * input), reduction, "soft_margin_loss")


def multilabel_soft_margin_loss(input: Tensor, target, weight=None, reduction: str = "mean", *,  # noqa: A002
                                size_average=None, reduce=None) -> Tensor:
    """One binary cross-entropy from logits per class, averaged over the classes (the last dim):
    ``-mean_c w_c (y_c log σ(x_c) + (1 - y_c) log σ(-x_c))`` for targets ``y_c`` in {0, 1}, then reduced over the
    samples. Shapes: input and target ``(N, C)`` (or ``(C,)``), weight ``(C,)``; output ``()``, or ``(N,)`` with
    ``reduction="none"``."""
    reduction = legacy_reduction(size_average, reduce, reduction)
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
                        reduction: str = "mean", *, size_average=None, reduce=None) -> Tensor:
    """``max(0, -y (x1 - x2) + margin)``: 0 once ``x1`` exceeds ``x2`` by ``margin`` where ``y = 1`` (and the
    other way round where ``y = -1``). The three tensors must have the same number of dims (PyTorch's rule)
    and broadcast together; integer scores give float32, as in PyTorch."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    input1, input2 = as_floating(input1), as_floating(input2)
    target = lift(target, input1)
    if not input1.ndim == input2.ndim == target.ndim:
        raise ValueError(f"margin_ranking_loss: input1, input2 and target should have the same number of dims, "
                         f"got shapes {input1.shape}, {input2.shape} and {target.shape}")
    loss = A.clip(-target * (input1 - input2) + margin, min=0)
    return _reduce(loss, reduction, "margin_ranking_loss")


def hinge_embedding_loss(input: Tensor, target, margin: float = 1.0, reduction: str = "mean", *,  # noqa: A002
                         size_average=None, reduce=None) -> Tensor:
    """For distances ``x`` between pairs: ``x`` where ``y = 1`` (similar pairs are pulled together) and
    ``max(0, margin - x)`` where ``y = -1`` (dissimilar ones pushed at least ``margin`` apart). As in PyTorch,
    a target that is neither counts both terms (``y != 1`` takes the first, ``y != -1`` the second)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _expect_floating("hinge_embedding_loss", input)
    y = lift(target, input).data
    loss = A.where(y != 1, A.clip(margin - input, min=0), 0.0) + A.where(y != -1, input, 0.0)
    return _reduce(loss, reduction, "hinge_embedding_loss")


_COSINE_EPS = 1e-12        # PyTorch's EPSILON, added to each squared norm in cosine_embedding_loss


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target, margin: float = 0.0,
                          reduction: str = "mean", *, size_average=None, reduce=None) -> Tensor:
    """``1 - cos(x1, x2)`` where ``y = 1`` and ``max(0, cos(x1, x2) - margin)`` where ``y = -1``, with PyTorch's
    cosine ``<x1, x2> / sqrt((|x1|² + 1e-12)(|x2|² + 1e-12))``, which is 0 for a zero vector. Shapes: inputs
    ``(N, D)`` and target ``(N,)``, or inputs ``(D,)`` and a 0-d target; output ``()``, or ``(N,)`` with
    ``reduction="none"``."""
    reduction = legacy_reduction(size_average, reduce, reduction)
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
                        eps: float = 1e-6, swap: bool = False, reduction: str = "mean", *, size_average=None,
                        reduce=None) -> Tensor:
    """``max(0, d(a, p) - d(a, n) + margin)``, ``d`` the :func:`~minigan.ops.pairwise_distance` (with ``p`` and
    ``eps``) along the last dim: the anchor should be nearer the positive than the negative, by ``margin``.
    With ``swap``, ``d(a, n)`` is replaced by ``min(d(a, n), d(p, n))`` (Balntas et al., 2016). Shapes:
    ``(N, D)`` or ``(D,)``, the same number of dims for all three; output ``()``, or ``(N,)`` with
    ``reduction="none"``."""
    reduction = legacy_reduction(size_average, reduce, reduction)
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


# --------------------------------------------------------------------------- with any distance; multi-class hinges
def _check_reduction(op: str, reduction: str) -> None:
    """The reduction checked before any work (the ops below call a distance function or index first)."""
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def triplet_margin_with_distance_loss(anchor: Tensor, positive: Tensor, negative: Tensor, *, distance_function=None,
                                      margin: float = 1.0, swap: bool = False, reduction: str = "mean") -> Tensor:
    """``max(0, margin + d(a, p) - d(a, n))`` for any ``distance_function`` ``d(x1, x2)``: a callable of two
    tensors that returns one distance per triplet (a Module such as ``nn.PairwiseDistance()``, or a function of
    minigan ops, ``lambda x, y: 1 - cosine_similarity(x, y)``, whose gradients then follow). Without one it is
    :func:`~minigan.ops.pairwise_distance` with its defaults (p = 2, eps = 1e-6), and the loss is
    :func:`triplet_margin_loss`'s. With ``swap``, ``d(a, n)`` is replaced by ``min(d(a, n), d(p, n))``. All
    arguments after the three tensors are keyword-only, as in PyTorch. Shapes: ``(N, *)`` or what the distance
    function takes, the same number of dims for all three; output ``()``, or the distances' shape (``(N,)``) with
    ``reduction="none"``."""
    op = "triplet_margin_with_distance_loss"
    _check_reduction(op, reduction)
    if margin <= 0:
        raise ValueError(f"{op}: margin must be greater than 0, got {margin}")
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise ValueError(f"{op}: anchor, positive and negative should have the same number of dims, got shapes "
                         f"{anchor.shape}, {positive.shape} and {negative.shape}")
    distance = pairwise_distance if distance_function is None else distance_function
    d_pos = distance(anchor, positive)
    d_neg = distance(anchor, negative)
    if swap:
        d_neg = A.minimum(d_neg, distance(positive, negative))
    loss = A.clip(margin + d_pos - d_neg, min=0)
    return _reduce(loss, reduction, op)


def _scores(op: str, input: Tensor) -> tuple[int, int]:  # noqa: A002
    """``(N, C)`` of class scores ``(N, C)``, ``(C,)`` (one sample) or ``()`` (one sample of one class), as
    PyTorch takes them; C must be at least 1."""
    _expect_floating(op, input)
    c = input.shape[-1] if input.ndim else 1
    if input.ndim > 2 or c == 0:
        raise ValueError(f"{op}: expected class scores (N, C) or (C,) with at least one class, got shape "
                         f"{input.shape}")
    return (input.shape[0] if input.ndim == 2 else 1), c


def multi_margin_loss(input: Tensor, target, p: int = 1, margin: float = 1.0, weight=None,  # noqa: A002
                      reduction: str = "mean", *, size_average=None, reduce=None) -> Tensor:
    """The multi-class hinge (Weston and Watkins; Crammer and Singer's sum form): for scores ``x`` of C classes
    and the class index ``y`` of each sample, ``sum_{i != y} w_y max(0, margin - x_y + x_i)^p / C``, so every
    other class should score at least ``margin`` below the target; ``p`` is 1 or 2 and ``weight`` (C,) weighs
    each sample by its target's class. A term counts where ``margin - x_y + x_i > 0`` (its gradient at 0 is 0,
    as in PyTorch). ``"mean"`` divides by the number of samples (not by the weights, unlike nll_loss).
    Shapes: input ``(N, C)`` and target ``(N,)``, or input ``(C,)`` and target ``()`` or ``(1,)``; output ``()``,
    or the target's shape with ``reduction="none"``."""
    op = "multi_margin_loss"
    reduction = legacy_reduction(size_average, reduce, reduction)
    if p != 1 and p != 2:
        raise ValueError(f"{op}: only p == 1 and p == 2 are supported, got p={p!r}")
    n, c = _scores(op, input)
    _check_reduction(op, reduction)
    t = _class_indices(op, target, input)
    if t.ndim > 1 or t.size != n:
        raise ValueError(f"{op}: expected a target of shape ({n},), one class index per sample (or () for one "
                         f"sample), got shape {tuple(t.shape)} for input of shape {input.shape}")
    if t.size and (int(t.min()) < 0 or int(t.max()) >= c):
        bad = int(t.min()) if int(t.min()) < 0 else int(t.max())
        raise IndexError(f"{op}: target {bad} is out of range: the input has {c} classes, 0 to {c - 1}")
    if weight is not None:
        weight = lift(weight, input, input.dtype)
        if weight.ndim != 1:
            raise ValueError(f"{op}: weight must be one-dimensional, one value per class, got shape {weight.shape}")
        if weight.shape[0] != c:
            raise ValueError(f"{op}: weight should hold one value per class, shape ({c},), got shape {weight.shape}")
    rows = t.reshape(n, 1)
    x = reshape(input, (n, c))
    z = (margin - gather(x, 1, rows)) + x                       # (N, C): margin - x_y + x_i
    counted = (z.data > 0) & (backend.xp_of(rows).arange(c) != rows)
    h = z if p == 1 else z * z
    if weight is not None:
        h = h * reshape(gather(weight, 0, t.reshape(n)), (n, 1))
    loss = _sum(A.where(counted, h, 0.0), 1) / c
    return _reduce(reshape(loss, tuple(t.shape)), reduction, op)


def multilabel_margin_loss(input: Tensor, target, reduction: str = "mean", *,  # noqa: A002
                           size_average=None, reduce=None) -> Tensor:
    """The multi-label hinge: each sample's target lists its classes ``y_j`` as class indices, ended by the first
    -1 (what follows it is ignored; a sample of all C classes needs no -1), and every target class should score
    at least 1 above every other class: ``sum_j sum_{i not a target} max(0, 1 - (x_{y_j} - x_i)) / C``. A class
    listed twice counts twice; a term counts where ``1 - (x_{y_j} - x_i) > 0`` (its gradient at 0 is 0), as in
    PyTorch. Every entry must be in ``[-1, C)``, also those after the -1. Shapes: input and target ``(N, C)``, or
    ``(C,)`` (one sample); output ``()``, or ``(N,)`` (``()`` for one sample) with ``reduction="none"``. The
    hinges are formed for every pair of a listed class and a class, ``(N, C, C)`` values."""
    op = "multilabel_margin_loss"
    reduction = legacy_reduction(size_average, reduce, reduction)
    n, c = _scores(op, input)
    _check_reduction(op, reduction)
    t = _class_indices(op, target, input)
    if tuple(t.shape) != input.shape:
        raise ValueError(f"{op}: expected a target of the input's shape {input.shape} (class indices, ended by -1), "
                         f"got shape {tuple(t.shape)}")
    if t.size and (int(t.min()) < -1 or int(t.max()) >= c):
        bad = int(t.min()) if int(t.min()) < -1 else int(t.max())
        raise IndexError(f"{op}: target {bad} is out of range: expected class indices 0 to {c - 1}, or -1 to end "
                         f"the list")
    xp = backend.xp_of(t)
    t = t.reshape(n, c)
    listed = xp.cumsum(t < 0, axis=1) == 0                   # (N, C): the entries before each row's first -1
    picked = xp.where(listed, t, 0)
    is_target = ((picked[:, :, None] == xp.arange(c)) & listed[:, :, None]).any(axis=1)     # (N, C) per class
    x = reshape(input, (n, c))
    z = reshape(1 - gather(x, 1, picked), (n, c, 1)) + reshape(x, (n, 1, c))     # (N, j, i): 1 - x_{y_j} + x_i
    counted = listed[:, :, None] & ~is_target[:, None, :] & (z.data > 0)
    loss = _sum(A.where(counted, z, 0.0), (1, 2)) / c
    return _reduce(reshape(loss, input.shape[:-1]), reduction, op)


__all__ = ["soft_margin_loss", "multilabel_soft_margin_loss", "margin_ranking_loss", "hinge_embedding_loss",
           "cosine_embedding_loss", "triplet_margin_loss", "triplet_margin_with_distance_loss", "multi_margin_loss",
           "multilabel_margin_loss"]
