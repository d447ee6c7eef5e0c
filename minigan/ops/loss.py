"""Loss functions with PyTorch's names, arguments and ``reduction`` ("mean", "sum", "none").

Binary cross-entropy from logits uses the stable form
``max(a, 0) - a*t + log(1 + e^-|a|)``, which never evaluates ``log(sigmoid(a))`` directly, so a logit
of -1000 gives a finite loss and the right gradient ``sigmoid(a) - t``."""
from __future__ import annotations

from .. import backend
from ..autograd import Tensor
from . import arithmetic as A
from ._util import lift
from .activation import log_softmax, softplus
from .reduction import mean, sum as _sum
from .shape import getitem


def _reduce(loss: Tensor, reduction: str, op: str) -> Tensor:
    if reduction == "mean":
        return mean(loss)
    if reduction == "sum":
        return _sum(loss)
    if reduction == "none":
        return loss
    raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _same_shape(op: str, x: Tensor, t: Tensor) -> None:
    if x.shape != t.shape:
        raise ValueError(f"{op}: input has shape {x.shape} but target has shape {t.shape}")


def mse_loss(input: Tensor, target, reduction: str = "mean") -> Tensor:  # noqa: A002 - PyTorch's name
    """mean((input - target)²)."""
    target = lift(target, input)
    _same_shape("mse_loss", input, target)
    d = input - target
    return _reduce(d * d, reduction, "mse_loss")


def binary_cross_entropy(input: Tensor, target, weight=None, reduction: str = "mean") -> Tensor:  # noqa: A002
    """-(t log p + (1-t) log(1-p)) on probabilities; logs are clamped at -100 like PyTorch's."""
    target = lift(target, input)
    _same_shape("binary_cross_entropy", input, target)
    log_p = A.clip(A.log(input), min=-100.0)
    log_1mp = A.clip(A.log(1 - input), min=-100.0)
    loss = -(target * log_p + (1 - target) * log_1mp)
    if weight is not None:
        loss = loss * lift(weight, input)
    return _reduce(loss, reduction, "binary_cross_entropy")


def binary_cross_entropy_with_logits(input: Tensor, target, weight=None, reduction: str = "mean",  # noqa: A002
                                     pos_weight=None) -> Tensor:
    """BCE on logits ``a``: ``softplus(a) - t*a`` (= max(a,0) - a t + log1p(e^-|a|)), stable for any a.
    With ``pos_weight`` p: ``(1-t) a + (1 + (p-1) t) softplus(-a)``."""
    target = lift(target, input)
    _same_shape("binary_cross_entropy_with_logits", input, target)
    if pos_weight is None:
        loss = softplus(input) - target * input
    else:
        p = lift(pos_weight, input)
        loss = (1 - target) * input + (1 + (p - 1) * target) * softplus(-input)
    if weight is not None:
        loss = loss * lift(weight, input)
    return _reduce(loss, reduction, "binary_cross_entropy_with_logits")


def nll_loss(log_probs: Tensor, target, reduction: str = "mean") -> Tensor:
    """-log_probs[i, target[i]] for class indices ``target`` of shape (N,)."""
    t = target.data if isinstance(target, Tensor) else target
    if log_probs.ndim != 2 or t.ndim != 1 or t.shape[0] != log_probs.shape[0]:
        raise ValueError(f"nll_loss: expected log-probabilities (N, C) and class indices (N,), got "
                         f"{log_probs.shape} and {tuple(t.shape)}")
    rows = backend.xp_of(t).arange(log_probs.shape[0])  # on the same device as the labels
    picked = getitem(log_probs, (rows, t.astype("int64")))
    return _reduce(-picked, reduction, "nll_loss")


def cross_entropy(input: Tensor, target, reduction: str = "mean") -> Tensor:  # noqa: A002
    """Softmax cross-entropy from logits (N, C) and class indices (N,): ``nll_loss(log_softmax(x), t)``."""
    if input.ndim != 2:
        raise ValueError(f"cross_entropy: expected logits of shape (N, C), got {input.shape}")
    return nll_loss(log_softmax(input, axis=1), target, reduction)


def l1_loss(input: Tensor, target, reduction: str = "mean") -> Tensor:  # noqa: A002
    target = lift(target, input)
    _same_shape("l1_loss", input, target)
    return _reduce(A.abs(input - target), reduction, "l1_loss")


__all__ = ["mse_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits", "nll_loss",
           "cross_entropy", "l1_loss"]
