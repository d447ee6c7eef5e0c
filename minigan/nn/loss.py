"""Loss layers, as in ``torch.nn``: thin Modules over the loss functions in :mod:`minigan.ops.loss` and
:mod:`minigan.ops.loss_margin`.

A loss module only remembers its arguments (``reduction``, and the class ``weight``, ``pos_weight``,
``ignore_index``, ``margin``, ``delta``... where the function takes them) and hands them to the function on
every call, so
``nn.CrossEntropyLoss(weight=w)(x, t)`` is ``F.cross_entropy(x, t, weight=w)``. Like PyTorch, ``weight`` and
``pos_weight`` are buffers: they appear in ``state_dict()`` and move with ``to()``.

Every argument sits where PyTorch puts it, the deprecated ``size_average`` and ``reduce`` included:
``nn.MSELoss(size_average=False)`` is ``nn.MSELoss(reduction="sum")``, with PyTorch's warning, and
``nn.NLLLoss(None, None, -100, None, "sum")`` is a summed NLLLoss (see
:func:`~minigan.ops.loss_reduction.legacy_reduction`). The losses that never had them take only ``reduction``."""
from __future__ import annotations

import sys

from ..autograd import Tensor, as_tensor
from ..ops import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, l1_loss, mse_loss,
                   nll_loss)
from ..ops import (cosine_embedding_loss, gaussian_nll_loss, hinge_embedding_loss, huber_loss, kl_div,
                   margin_ranking_loss, multilabel_soft_margin_loss, poisson_nll_loss, smooth_l1_loss,
                   soft_margin_loss, triplet_margin_loss)
from ..ops import multi_margin_loss, multilabel_margin_loss, triplet_margin_with_distance_loss
from ..ops.ctc import ctc_loss
from ..ops.loss_reduction import legacy_reduction
from .distance import PairwiseDistance
from .module import Module

_REDUCTIONS = ("mean", "sum", "none")


class _Loss(Module):
    """What every loss module has: a ``reduction``, checked here so that a typo fails at construction. Where
    ``size_average`` or ``reduce`` is given, they decide it (and warn, at the line that made the module)."""

    _reductions = _REDUCTIONS             # the ones its function takes

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__()
        if size_average is not None or reduce is not None:
            level, frame = 3, sys._getframe(1)    # 1 warn's caller, 2 here, then this object's __init__ chain
            while frame is not None and frame.f_code.co_name == "__init__" and frame.f_locals.get("self") is self:
                level, frame = level + 1, frame.f_back
            reduction = legacy_reduction(size_average, reduce, reduction, stacklevel=level)
        if reduction not in self._reductions:
            *first, last = (repr(r) for r in self._reductions)
            raise ValueError(f"{type(self).__name__}: reduction must be {', '.join(first)} or {last}, "
                             f"got {reduction!r}")
        self.reduction = reduction


class _WeightedLoss(_Loss):
    """A loss with an optional ``weight`` tensor, kept as a buffer (None without one)."""

    def __init__(self, weight=None, size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", None if weight is None else as_tensor(weight))


class MSELoss(_Loss):
    """Mean squared error, ``(input - target)²`` reduced; mirrors ``torch.nn.MSELoss``.

    Shapes: input and target ``(*)``, the same; output ``()``, or ``(*)`` with ``reduction="none"``."""

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)

    def forward(self, input: Tensor, target) -> Tensor:  # noqa: A002 - PyTorch's name
        return mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error, ``|input - target|`` reduced; mirrors ``torch.nn.L1Loss``.

    Shapes: input and target ``(*)``, the same; output ``()``, or ``(*)`` with ``reduction="none"``."""

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)

    def forward(self, input: Tensor, target) -> Tensor:  # noqa: A002
        return l1_loss(input, target, reduction=self.reduction)


class BCELoss(_WeightedLoss):
    """Binary cross-entropy on probabilities ``p`` in [0, 1]: ``-w (t log p + (1 - t) log(1 - p))`` reduced;
    mirrors ``torch.nn.BCELoss``. ``weight`` broadcasts to the input. For a network that ends in a sigmoid,
    :class:`BCEWithLogitsLoss` on the logits is the stable choice.

    Shapes: input and target ``(*)``, the same; output ``()``, or ``(*)`` with ``reduction="none"``."""

    def __init__(self, weight=None, size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)

    def forward(self, input: Tensor, target) -> Tensor:  # noqa: A002
        return binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    """Binary cross-entropy on logits ``a``, a sigmoid and :class:`BCELoss` in one stable step; mirrors
    ``torch.nn.BCEWithLogitsLoss``. ``pos_weight`` (one value per class, broadcast along the last dim) scales
    the loss of the positive targets: ``-w (pos_weight t log σ(a) + (1 - t) log(1 - σ(a)))``.

    Shapes: input and target ``(*)``, the same; output ``()``, or ``(*)`` with ``reduction="none"``."""

    def __init__(self, weight=None, size_average=None, reduce=None, reduction: str = "mean",
                 pos_weight=None) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.register_buffer("pos_weight", None if pos_weight is None else as_tensor(pos_weight))

    def forward(self, input: Tensor, target) -> Tensor:  # noqa: A002
        return binary_cross_entropy_with_logits(input, target, weight=self.weight, reduction=self.reduction,
                                                pos_weight=self.pos_weight)


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of class indices under log-probabilities: ``-weight[t] input[i, t]``, where
    a target equal to ``ignore_index`` counts for nothing; mirrors ``torch.nn.NLLLoss``. ``"mean"`` divides by
    the summed weights of the samples counted. Put a :class:`LogSoftmax` in front (or use
    :class:`CrossEntropyLoss`, which does both).

    Shapes: input ``(N, C)`` log-probabilities with target ``(N,)``, ``(N, C, d1, ..., dK)`` (each position a
    sample) with ``(N, d1, ..., dK)``, or ``(C,)`` with ``()``; targets are integers in ``[0, C)``, weight ``(C,)``;
    output ``()``, or the target's shape with ``reduction="none"``."""

    def __init__(self, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
                 reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target) -> Tensor:  # noqa: A002
        return nll_loss(input, target, self.weight, ignore_index=self.ignore_index, reduction=self.reduction)


class CrossEntropyLoss(_WeightedLoss):
    """Softmax cross-entropy from logits, ``NLLLoss(LogSoftmax(dim=1)(input), target)``; mirrors
    ``torch.nn.CrossEntropyLoss``. The target is class indices, the input's shape without the class dim (with
    ``weight`` and ``ignore_index`` as in :class:`NLLLoss`), or class probabilities, a float tensor of the
    input's shape.

    ``label_smoothing`` ε mixes the target with the uniform distribution over the classes (see
    :func:`minigan.ops.cross_entropy`).

    Shapes: input ``(N, C)``, ``(N, C, d1, ..., dK)`` or ``(C,)`` logits; class indices ``(N,)``,
    ``(N, d1, ..., dK)`` or ``()``; output ``()``, or the input's shape without the class dim (``(N,)``,
    ``(N, d1, ..., dK)``, ``()``) with ``reduction="none"``."""

    def __init__(self, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
                 reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        if not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(f"CrossEntropyLoss: label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target) -> Tensor:  # noqa: A002
        return cross_entropy(input, target, self.weight, ignore_index=self.ignore_index, reduction=self.reduction,
                             label_smoothing=self.label_smoothing)


class HuberLoss(_Loss):
    """``0.5 d²`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)``, for ``d = input - target``, reduced;
    mirrors ``torch.nn.HuberLoss`` (which never had ``size_average`` or ``reduce``).

    Shapes: input and target ``(*)``, the same; output ``()``, or ``(*)`` with ``reduction="none"``."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        if not isinstance(delta, (int, float)):
            raise TypeError(f"HuberLoss: delta must be a float or int, got {type(delta).__name__}")
        if delta <= 0:
            raise ValueError(f"HuberLoss: delta must be positive, got {delta}")
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input: Tensor, target) -> Tensor:  # noqa: A002
        return huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class SmoothL1Loss(_Loss):
    """``0.5 d² / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta``, reduced (Huber's loss over ``beta``;
    ``beta = 0`` is :class:`L1Loss`); mirrors ``torch.nn.SmoothL1Loss``.

    Shapes: input and target ``(*)``, the same; output ``()``, or ``(*)`` with ``reduction="none"``."""

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean", beta: float = 1.0) -> None:
        if beta < 0:
            raise ValueError(f"SmoothL1Loss: beta must be at least 0, got {beta}")
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input: Tensor, target) -> Tensor:  # noqa: A002
        return smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class KLDivLoss(_Loss):
    """The Kullback-Leibler divergence of the target from ``exp(input)``, for log-probabilities ``input``:
    ``t (log t - input)`` per element, or ``e^t (t - input)`` with ``log_target``; mirrors ``torch.nn.KLDivLoss``.
    ``reduction="batchmean"`` (sum over the batch size) is the KL divergence averaged over the samples;
    ``"mean"``, the default as in PyTorch, divides by the number of elements, and warns.

    Shapes: input ``(*)`` log-probabilities, target ``(*)``; output ``()``, or ``(*)`` with ``reduction="none"``."""

    _reductions = ("mean", "batchmean", "sum", "none")

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean", log_target: bool = False) -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input: Tensor, target) -> Tensor:  # noqa: A002
        return kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class GaussianNLLLoss(_Loss):
    """The negative log-likelihood of the target under normal distributions of mean ``input`` and variance
    ``var``: ``0.5 (log max(var, eps) + (input - target)² / max(var, eps))``, plus ``0.5 log 2π`` with ``full``;
    mirrors ``torch.nn.GaussianNLLLoss`` (all arguments keyword-only, as there).

    Shapes: input and target ``(N, *)``; var ``(N, *)``, or with one dim of size 1, or without the last dim, or a
    number; output ``()``, or ``(N, *)`` with ``reduction="none"``."""

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        self.full, self.eps = full, eps

    def forward(self, input: Tensor, target, var) -> Tensor:  # noqa: A002
        return gaussian_nll_loss(input, target, var, full=self.full, eps=self.eps, reduction=self.reduction)


class PoissonNLLLoss(_Loss):
    """The negative log-likelihood of counts under Poisson rates: ``e^input - target input`` for log-rates
    (``log_input=True``), ``input - target log(input + eps)`` for rates; ``full`` adds Stirling's term for
    ``log(target!)`` where ``target > 1``; mirrors ``torch.nn.PoissonNLLLoss``.

    Shapes: input and target ``(*)``; output ``()``, or ``(*)`` with ``reduction="none"``."""

    def __init__(self, log_input: bool = True, full: bool = False, size_average=None, eps: float = 1e-8,
                 reduce=None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_input, self.full, self.eps = log_input, full, eps

    def forward(self, log_input: Tensor, target) -> Tensor:
        return poisson_nll_loss(log_input, target, log_input=self.log_input, full=self.full, eps=self.eps,
                                reduction=self.reduction)


class SoftMarginLoss(_Loss):
    """``log(1 + e^(-y x))`` for scores ``x`` and labels ``y = ±1``, reduced; mirrors ``torch.nn.SoftMarginLoss``.

    Shapes: input and target ``(*)``; output ``()``, or ``(*)`` with ``reduction="none"``."""

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)

    def forward(self, input: Tensor, target) -> Tensor:  # noqa: A002
        return soft_margin_loss(input, target, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """One binary cross-entropy from logits per class, averaged over the classes, for targets in {0, 1}
    (each sample may belong to several classes); ``weight`` (one per class) scales each class's term; mirrors
    ``torch.nn.MultiLabelSoftMarginLoss``.

    Shapes: input and target ``(N, C)``, weight ``(C,)``; output ``()``, or ``(N,)`` with ``reduction="none"``."""

    def __init__(self, weight=None, size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)

    def forward(self, input: Tensor, target) -> Tensor:  # noqa: A002
        return multilabel_soft_margin_loss(input, target, weight=self.weight, reduction=self.reduction)


class _MarginLoss(_Loss):
    """A loss with a ``margin`` (its first argument, positional as in PyTorch)."""

    def __init__(self, margin: float, size_average, reduce, reduction: str) -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin


class MarginRankingLoss(_MarginLoss):
    """``max(0, -y (x1 - x2) + margin)``: ``x1`` should rank above ``x2`` where ``y = 1``, below where ``y = -1``;
    mirrors ``torch.nn.MarginRankingLoss``.

    Shapes: input1, input2 and target ``(N,)`` (or ``()``); output ``()``, or ``(N,)`` with
    ``reduction="none"``."""

    def __init__(self, margin: float = 0.0, size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__(margin, size_average, reduce, reduction)

    def forward(self, input1: Tensor, input2: Tensor, target) -> Tensor:
        return margin_ranking_loss(input1, input2, target, margin=self.margin, reduction=self.reduction)


class HingeEmbeddingLoss(_MarginLoss):
    """For distances ``x``: ``x`` where ``y = 1``, ``max(0, margin - x)`` where ``y = -1``; mirrors
    ``torch.nn.HingeEmbeddingLoss``.

    Shapes: input and target ``(*)``; output ``()``, or ``(*)`` with ``reduction="none"``."""

    def __init__(self, margin: float = 1.0, size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__(margin, size_average, reduce, reduction)

    def forward(self, input: Tensor, target) -> Tensor:  # noqa: A002
        return hinge_embedding_loss(input, target, margin=self.margin, reduction=self.reduction)


class CosineEmbeddingLoss(_MarginLoss):
    """``1 - cos(x1, x2)`` where ``y = 1``, ``max(0, cos(x1, x2) - margin)`` where ``y = -1``; mirrors
    ``torch.nn.CosineEmbeddingLoss``.

    Shapes: input1 and input2 ``(N, D)`` (or ``(D,)``), target ``(N,)`` (or ``()``); output ``()``, or ``(N,)``
    with ``reduction="none"``."""

    def __init__(self, margin: float = 0.0, size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__(margin, size_average, reduce, reduction)

    def forward(self, input1: Tensor, input2: Tensor, target) -> Tensor:
        return cosine_embedding_loss(input1, input2, target, margin=self.margin, reduction=self.reduction)


class TripletMarginLoss(_MarginLoss):
    """``max(0, d(a, p) - d(a, n) + margin)`` with ``d`` the ``p``-norm pairwise distance (``eps`` added to the
    difference); ``swap`` uses ``min(d(a, n), d(p, n))`` for the negative's distance; mirrors
    ``torch.nn.TripletMarginLoss``.

    Shapes: anchor, positive and negative ``(N, D)`` (or ``(D,)``); output ``()``, or ``(N,)`` with
    ``reduction="none"``."""

    def __init__(self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6, swap: bool = False,
                 size_average=None, reduce=None, reduction: str = "mean") -> None:
        if margin <= 0:
            raise ValueError(f"TripletMarginLoss: expected margin to be greater than 0, got {margin} instead")
        super().__init__(margin, size_average, reduce, reduction)
        self.p, self.eps, self.swap = p, eps, swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        return triplet_margin_loss(anchor, positive, negative, margin=self.margin, p=self.p, eps=self.eps,
                                   swap=self.swap, reduction=self.reduction)


class TripletMarginWithDistanceLoss(_Loss):
    """``max(0, margin + d(a, p) - d(a, n))`` for any ``distance_function`` of two tensors (a :class:`PairwiseDistance`
    when none is given, kept as a child module as in PyTorch); ``swap`` uses ``min(d(a, n), d(p, n))`` for the
    negative's distance; mirrors ``torch.nn.TripletMarginWithDistanceLoss``, whose arguments are all keyword-only.

    Shapes: anchor, positive and negative ``(N, *)``, as the distance function takes them; output ``()``, or
    ``(N,)`` with ``reduction="none"``."""

    def __init__(self, *, distance_function=None, margin: float = 1.0, swap: bool = False,
                 reduction: str = "mean") -> None:
        if margin <= 0:
            raise ValueError(f"TripletMarginWithDistanceLoss: expected margin to be greater than 0, got {margin} "
                             f"instead")
        super().__init__(reduction=reduction)
        self.distance_function = PairwiseDistance() if distance_function is None else distance_function
        self.margin, self.swap = margin, swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        return triplet_margin_with_distance_loss(anchor, positive, negative, distance_function=self.distance_function,
                                                 margin=self.margin, swap=self.swap, reduction=self.reduction)


class MultiMarginLoss(_WeightedLoss):
    """The multi-class hinge ``sum_{i != y} w_y max(0, margin - x_y + x_i)^p / C`` for class indices ``y``, ``p``
    1 or 2, ``weight`` one value per class; mirrors ``torch.nn.MultiMarginLoss`` (``p``, ``margin`` and
    ``weight`` positional, as there).

    Shapes: input ``(N, C)`` (or ``(C,)``), target ``(N,)`` (or ``()``), weight ``(C,)``; output ``()``, or the
    target's shape with ``reduction="none"``."""

    def __init__(self, p: int = 1, margin: float = 1.0, weight=None, size_average=None, reduce=None,
                 reduction: str = "mean") -> None:
        if p != 1 and p != 2:
            raise ValueError(f"MultiMarginLoss: only p == 1 and p == 2 are supported, got p={p!r}")
        super().__init__(weight, size_average, reduce, reduction)
        if self.weight is not None and self.weight.ndim != 1:
            raise ValueError(f"MultiMarginLoss: expected weight to be None or 1D tensor, got {self.weight.ndim}D "
                             f"instead")
        self.p, self.margin = p, margin

    def forward(self, input: Tensor, target) -> Tensor:  # noqa: A002
        return multi_margin_loss(input, target, p=self.p, margin=self.margin, weight=self.weight,
                                 reduction=self.reduction)


class MultiLabelMarginLoss(_Loss):
    """The multi-label hinge ``sum_j sum_{i not a target} max(0, 1 - (x_{y_j} - x_i)) / C`` for the class indices
    ``y_j`` each target row lists before its first -1; mirrors ``torch.nn.MultiLabelMarginLoss``.

    Shapes: input and target ``(N, C)`` (or ``(C,)``); output ``()``, or ``(N,)`` with ``reduction="none"``."""

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)

    def forward(self, input: Tensor, target) -> Tensor:  # noqa: A002
        return multilabel_margin_loss(input, target, reduction=self.reduction)


class CTCLoss(_Loss):
    """The Connectionist Temporal Classification loss of per-frame log-probabilities against unaligned label
    sequences (:func:`minigan.ops.ctc.ctc_loss`); mirrors ``torch.nn.CTCLoss``.

    Shapes: log_probs ``(T, N, C)`` (or ``(T, C)``), targets ``(N, S)`` or concatenated ``(sum(target_lengths),)``,
    input_lengths and target_lengths ``(N,)``; output ``()``, or ``(N,)`` with ``reduction="none"``."""

    def __init__(self, blank: int = 0, reduction: str = "mean", zero_infinity: bool = False) -> None:
        super().__init__(reduction=reduction)
        self.blank, self.zero_infinity = blank, zero_infinity

    def forward(self, log_probs: Tensor, targets, input_lengths, target_lengths) -> Tensor:
        return ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank, self.reduction,
                        self.zero_infinity)
