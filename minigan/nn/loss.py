"""Loss layers, as in ``torch.nn``: thin Modules over the loss functions in :mod:`minigan.ops.loss`.

A loss module only remembers its arguments (``reduction``, and the class ``weight``, ``pos_weight`` and
``ignore_index`` where the function takes them) and hands them to the function on every call, so
``nn.CrossEntropyLoss(weight=w)(x, t)`` is ``F.cross_entropy(x, t, weight=w)``. Like PyTorch, ``weight`` and
``pos_weight`` are buffers: they appear in ``state_dict()`` and move with ``to()``.

PyTorch's deprecated ``size_average`` and ``reduce`` arguments are not taken (``reduction`` replaces them), so
the arguments after ``weight`` are keyword-only."""
from __future__ import annotations

from ..autograd import Tensor, as_tensor
from ..ops import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, l1_loss, mse_loss,
                   nll_loss)
from .module import Module

_REDUCTIONS = ("mean", "sum", "none")


class _Loss(Module):
    """What every loss module has: a ``reduction``, checked here so that a typo fails at construction."""

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        if reduction not in _REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
        self.reduction = reduction


class _WeightedLoss(_Loss):
    """A loss with an optional ``weight`` tensor, kept as a buffer (None without one)."""

    def __init__(self, weight=None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.register_buffer("weight", None if weight is None else as_tensor(weight))


class MSELoss(_Loss):
    """Mean squared error, ``(input - target)²`` reduced; mirrors ``torch.nn.MSELoss``.

    Shapes: input and target ``(*)``, the same; output ``()``, or ``(*)`` with ``reduction="none"``."""

    def __init__(self, *, reduction: str = "mean") -> None:
        super().__init__(reduction)

    def forward(self, input: Tensor, target) -> Tensor:  # noqa: A002 - PyTorch's name
        return mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error, ``|input - target|`` reduced; mirrors ``torch.nn.L1Loss``.

    Shapes: input and target ``(*)``, the same; output ``()``, or ``(*)`` with ``reduction="none"``."""

    def __init__(self, *, reduction: str = "mean") -> None:
        super().__init__(reduction)

    def forward(self, input: Tensor, target) -> Tensor:  # noqa: A002
        return l1_loss(input, target, reduction=self.reduction)


class BCELoss(_WeightedLoss):
    """Binary cross-entropy on probabilities ``p`` in [0, 1]: ``-w (t log p + (1 - t) log(1 - p))`` reduced;
    mirrors ``torch.nn.BCELoss``. ``weight`` broadcasts to the input. For a network that ends in a sigmoid,
    :class:`BCEWithLogitsLoss` on the logits is the stable choice.

    Shapes: input and target ``(*)``, the same; output ``()``, or ``(*)`` with ``reduction="none"``."""

    def __init__(self, weight=None, *, reduction: str = "mean") -> None:
        super().__init__(weight, reduction)

    def forward(self, input: Tensor, target) -> Tensor:  # noqa: A002
        return binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    """Binary cross-entropy on logits ``a``, a sigmoid and :class:`BCELoss` in one stable step; mirrors
    ``torch.nn.BCEWithLogitsLoss``. ``pos_weight`` (one value per class, broadcast along the last dim) scales
    the loss of the positive targets: ``-w (pos_weight t log σ(a) + (1 - t) log(1 - σ(a)))``.

    Shapes: input and target ``(*)``, the same; output ``()``, or ``(*)`` with ``reduction="none"``."""

    def __init__(self, weight=None, *, reduction: str = "mean", pos_weight=None) -> None:
        super().__init__(weight, reduction)
        self.register_buffer("pos_weight", None if pos_weight is None else as_tensor(pos_weight))

    def forward(self, input: Tensor, target) -> Tensor:  # noqa: A002
        return binary_cross_entropy_with_logits(input, target, weight=self.weight, reduction=self.reduction,
                                                pos_weight=self.pos_weight)


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of class indices under log-probabilities: ``-weight[t] input[i, t]``, where
    a target equal to ``ignore_index`` counts for nothing; mirrors ``torch.nn.NLLLoss``. ``"mean"`` divides by
    the summed weights of the samples counted. Put a :class:`LogSoftmax` in front (or use
    :class:`CrossEntropyLoss`, which does both).

    Shapes: input ``(N, C)`` log-probabilities, target ``(N,)`` integers in ``[0, C)``, weight ``(C,)``;
    output ``()``, or ``(N,)`` with ``reduction="none"``."""

    def __init__(self, weight=None, *, ignore_index: int = -100, reduction: str = "mean") -> None:
        super().__init__(weight, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target) -> Tensor:  # noqa: A002
        return nll_loss(input, target, self.weight, ignore_index=self.ignore_index, reduction=self.reduction)


class CrossEntropyLoss(_WeightedLoss):
    """Softmax cross-entropy from logits, ``NLLLoss(LogSoftmax(dim=1)(input), target)``; mirrors
    ``torch.nn.CrossEntropyLoss``. The target is class indices ``(N,)`` (with ``weight`` and ``ignore_index`` as
    in :class:`NLLLoss`) or class probabilities ``(N, C)``, a float tensor of the input's shape.

    ``label_smoothing`` ε mixes the target with the uniform distribution over the classes (see
    :func:`minigan.ops.cross_entropy`).

    Shapes: input ``(N, C)`` logits; output ``()``, or ``(N,)`` with ``reduction="none"``."""

    def __init__(self, weight=None, *, ignore_index: int = -100, reduction: str = "mean",
                 label_smoothing: float = 0.0) -> None:
        super().__init__(weight, reduction)
        if not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(f"CrossEntropyLoss: label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target) -> Tensor:  # noqa: A002
        return cross_entropy(input, target, self.weight, ignore_index=self.ignore_index, reduction=self.reduction,
                             label_smoothing=self.label_smoothing)
