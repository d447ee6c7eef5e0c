"""Loss functions with PyTorch's names, arguments and ``reduction`` ("mean", "sum", "none"): the regression and
likelihood losses (mse, l1, huber, smooth_l1, kl_div, gaussian_nll, poisson_nll) and the classification ones
(binary cross-entropy, nll, cross-entropy). The margin and ranking losses are in :mod:`minigan.ops.loss_margin`.

Binary cross-entropy from logits uses the stable form
``max(a, 0) - a*t + log(1 + e^-|a|)``, which never evaluates ``log(sigmoid(a))`` directly, so a logit
of -1000 gives a finite loss and the right gradient ``sigmoid(a) - t``.

Every loss here that PyTorch gives the deprecated ``size_average`` and ``reduce`` flags takes them too, as
keyword-only arguments (PyTorch also takes them positionally, before ``reduction``; here ``reduction`` keeps its
place as the third argument): ``binary_cross_entropy(recon, x, size_average=False)`` is the summed loss, with
PyTorch's warning. :func:`~minigan.ops.loss_reduction.legacy_reduction` says how they map to ``reduction``."""
from __future__ import annotations

import math
import warnings

import numpy as np

from .. import backend
from ..autograd import Function, Tensor, is_grad_enabled
from . import arithmetic as A
from ._util import as_floating, lift
from .activation import _expect_floating, log_softmax, softplus
from .distance import ClampMinValue
from .reduction import sum as _sum
from .loss_classes import (check_index_target, class_axis, class_indices as _class_indices, class_weights,
                           pick_index, weight_along_classes)
from .loss_reduction import legacy_reduction, reduce_loss as _reduce, weighted_reduce
from .shape import getitem, reshape, unsqueeze


def _same_shape(op: str, x: Tensor, t: Tensor) -> None:
    if x.shape != t.shape:
        raise ValueError(f"{op}: input has shape {x.shape} but target has shape {t.shape}")


def mse_loss(input: Tensor, target, reduction: str = "mean", weight=None, *,  # noqa: A002 - PyTorch's name
             size_average=None, reduce=None) -> Tensor:
    """``(input - target)²`` per element, reduced: ``mean`` by default. ``weight``, of the input's shape, scales
    each element's loss, and ``"mean"`` is then the weighted mean ``sum(w d²) / sum(w)`` (not the plain mean of
    the weighted losses, as :func:`huber_loss`'s is); it gets a gradient if it requires one
    (:func:`~minigan.ops.loss_reduction.weighted_reduce`)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    target = lift(target, input)
    _same_shape("mse_loss", input, target)
    d = input - target
    if weight is not None:
        return weighted_reduce(d * d, weight, reduction, "mse_loss")
    return _reduce(d * d, reduction, "mse_loss")


_BCE_EPS = 1e-12   # PyTorch's floor for p (1 - p) in the gradient of binary cross-entropy


def _clamped_logs(p):
    """``log p`` and ``log(1 - p)``, each at least -100 (PyTorch's clamp), so p = 0 or 1 gives no -inf."""
    xp = backend.xp_of(p)
    floor = p.dtype.type(-100)
    with np.errstate(divide="ignore"):      # log 0 = -inf is expected here: the clamp takes it to -100
        return xp.maximum(xp.log(p), floor), xp.maximum(xp.log1p(-p), floor)


class BinaryCrossEntropy(Function):
    """Per element ``-(t log p + (1 - t) log(1 - p))``, with both logs clamped at -100 as in PyTorch, so
    that a saturated prediction (float32 sigmoid(20) is exactly 1.0) costs at most 100, not inf. Backward:

        d/dp = (p - t) / max(p (1 - p), 1e-12)          d/dt = log(1 - p) - log p   (the clamped logs)

    The 1e-12 floor (PyTorch's) keeps d/dp finite where p is 0 or 1; differentiating the clamped logs
    instead would give 0 * inf = nan there. Written in minigan ops when the backward is recorded."""

    @staticmethod
    def forward(ctx, p, t):
        log_p, log_1mp = _clamped_logs(p)
        ctx.save_for_backward(p, t)
        return -(log_1mp + t * (log_p - log_1mp))

    @staticmethod
    def backward(ctx, gy):
        p, t = ctx.saved_tensors
        gp = gt = None
        if is_grad_enabled():               # the backward is being recorded: minigan ops all the way
            if ctx.needs_input_grad[0]:
                gp = gy * (p - t) / A.clip(p * (1 - p), min=_BCE_EPS)
            if ctx.needs_input_grad[1]:
                gt = gy * (A.clip(A.log(1 - p), min=-100.0) - A.clip(A.log(p), min=-100.0))
        else:
            xp, g, pd = backend.xp_of(p.data), gy.data, p.data
            if ctx.needs_input_grad[0]:
                gp = Tensor(g * (pd - t.data) / xp.maximum(pd * (1 - pd), pd.dtype.type(_BCE_EPS)))
            if ctx.needs_input_grad[1]:
                log_p, log_1mp = _clamped_logs(pd)
                gt = Tensor(g * (log_1mp - log_p))
        return gp, gt


def _check_probabilities(name: str, a) -> None:
    if a.size and not (a.min() >= 0 and a.max() <= 1):   # NaN fails both comparisons
        raise ValueError(f"binary_cross_entropy: all elements of {name} should be between 0 and 1 (got values "
                         f"from {float(a.min())} to {float(a.max())}); for logits use "
                         f"binary_cross_entropy_with_logits")


def binary_cross_entropy(input: Tensor, target, weight=None, reduction: str = "mean", *,  # noqa: A002
                         size_average=None, reduce=None) -> Tensor:
    """-(t log p + (1-t) log(1-p)) on probabilities p in [0, 1] (see :class:`BinaryCrossEntropy`); ``weight``
    (broadcast to the input) scales each element's loss."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    input = as_floating(input)  # noqa: A001
    target = lift(target, input, input.dtype)
    _same_shape("binary_cross_entropy", input, target)
    _check_probabilities("input", input.data)
    _check_probabilities("target", target.data)
    loss = BinaryCrossEntropy.apply(input, target)
    if weight is not None:
        loss = loss * lift(weight, input)
    return _reduce(loss, reduction, "binary_cross_entropy")


def binary_cross_entropy_with_logits(input: Tensor, target, weight=None, reduction: str = "mean",  # noqa: A002
                                     pos_weight=None, *, size_average=None, reduce=None) -> Tensor:
    """BCE on logits ``a``: ``softplus(a) - t*a`` (= max(a,0) - a t + log1p(e^-|a|)), stable for any a.
    With ``pos_weight`` p: ``(1-t) a + (1 + (p-1) t) softplus(-a)``."""
    reduction = legacy_reduction(size_average, reduce, reduction)
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


def nll_loss(input: Tensor, target, weight=None, *, ignore_index: int = -100,  # noqa: A002 - PyTorch's name
             reduction: str = "mean", size_average=None, reduce=None) -> Tensor:
    """``-w[t] input[t]`` at every position, for log-probabilities ``input`` and class indices ``target``:

        input (N, C)  target (N,)               input (N, C, d1, ..., dK)  target (N, d1, ..., dK)
        input (C,)    target ()   (one sample, unbatched)

    ``w`` is the optional per-class ``weight`` (C,) (1 without). A position whose target is ``ignore_index``
    counts for nothing. ``"none"`` gives the target's shape; ``"sum"`` adds every position; ``"mean"`` divides
    the sum by the weights of the positions counted, ``sum w[t]`` (PyTorch's weighted mean; the plain mean when
    no weight is given and nothing is ignored). A K-dim input is N d1 ... dK samples of C classes: its loss is the
    (N d1 ... dK, C) one's, read in place (:mod:`minigan.ops.loss_classes`). Written with ``getitem``, whose
    gradient scatters ``-w`` back to the positions read; the weights are constants."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    t = _class_indices("nll_loss", target, input)
    class_axis("nll_loss", input)
    check_index_target("nll_loss", input.shape, t.shape)
    if input.ndim == 1:                                # one sample: as a batch of one, then its 0-d loss
        loss = nll_loss(unsqueeze(input, 0), t.reshape(1), weight, ignore_index=ignore_index, reduction=reduction)
        return reshape(loss, ()) if reduction == "none" else loss
    c = input.shape[1]
    counted = t != ignore_index
    out_of_bounds = counted & ((t < 0) | (t >= c))
    if out_of_bounds.any():
        raise IndexError(f"nll_loss: Target {int(t[out_of_bounds][0])} is out of bounds: the input has {c} "
                         f"classes, 0 to {c - 1} (ignore_index is {ignore_index})")
    xp = backend.xp_of(t)
    every = bool(counted.all())
    t = t if every else xp.where(counted, t, 0)        # an ignored position picks class 0, and gets weight 0
    picked = getitem(input, pick_index(t, input.shape))   # t's shape: input[n, t[n, i..], i..]
    if weight is None and every:
        return _reduce(-picked, reduction, "nll_loss")
    if weight is None:
        w = counted.astype(input.dtype)
    else:
        w = (class_weights("nll_loss", weight, c, t)[t] * counted).astype(input.dtype, copy=False)
    loss = -picked * Tensor(w)                        # the weights are constants (no gradient)
    if reduction == "mean":
        return _sum(loss) / Tensor(w.sum())
    return _reduce(loss, reduction, "nll_loss")


def cross_entropy(input: Tensor, target, weight=None, *, ignore_index: int = -100,  # noqa: A002
                  reduction: str = "mean", label_smoothing: float = 0.0, size_average=None, reduce=None) -> Tensor:
    """Softmax cross-entropy from logits, the softmax taken over the class dim (dim 1; dim 0 of an unbatched
    input). The target is either

    - class indices, integers of the input's shape without the class dim: input (N, C) with target (N,),
      (N, C, d1, ..., dK) with (N, d1, ..., dK), or (C,) with (); the loss is ``nll_loss(log_softmax(x), t)``,
      with ``weight`` and ``ignore_index`` (and the weighted mean) as there; or
    - class probabilities, a float tensor of the input's shape: ``-sum_c w_c t_c log_softmax(x)_c`` at each
      position, ``"mean"`` dividing by the number of positions (N d1 ... dK), not by the weights.

    ``"none"`` gives the input's shape without the class dim (0-d for an unbatched input).

    ``label_smoothing`` ε mixes the target with the uniform distribution over the C classes, as PyTorch:
    a probability target becomes ``(1 - ε) t + ε / C``; for class indices the loss is
    ``(1 - ε) nll + (ε / C) (-sum_c w_c log p_c)``, the second term counted and averaged over the same
    positions (and weights) as the first. A composition of log_softmax, getitem, products and sums."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    axis = class_axis("cross_entropy", input)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    n_classes = input.shape[axis]
    t = target.data if isinstance(target, Tensor) else target
    if weight is not None:
        class_weights("cross_entropy", weight, n_classes, input.data)
    if backend.is_array(t) and t.dtype.kind == "f":
        if t.shape != input.shape:
            raise TypeError(f"cross_entropy: a float target holds class probabilities and must have the "
                            f"input's shape {input.shape}, got {tuple(t.shape)}; class indices must be integers")
        log_p = log_softmax(input, axis=axis)
        target = lift(target, log_p, log_p.dtype)
        if label_smoothing:
            target = target * (1.0 - label_smoothing) + label_smoothing / n_classes
        if weight is not None:
            log_p = log_p * weight_along_classes("cross_entropy", weight, log_p, axis)
        loss = -_sum(target * log_p, axis=axis)
        return _reduce(loss, reduction, "cross_entropy")
    check_index_target("cross_entropy", input.shape, _class_indices("cross_entropy", target, input).shape)
    log_p = log_softmax(input, axis=axis)
    loss = nll_loss(log_p, target, weight, ignore_index=ignore_index, reduction=reduction)
    if not label_smoothing:
        return loss
    uniform = _uniform_target_loss(log_p, target, weight, ignore_index, reduction)
    return loss * (1.0 - label_smoothing) + uniform * (label_smoothing / n_classes)


def _uniform_target_loss(log_p: Tensor, target, weight, ignore_index: int, reduction: str) -> Tensor:
    """``-sum_c w_c log p_c`` at each position, 0 for an ignored one, reduced as :func:`nll_loss` reduces."""
    t = _class_indices("cross_entropy", target, log_p)
    axis = class_axis("cross_entropy", log_p)
    counted = t != ignore_index
    w = None if weight is None else weight_along_classes("cross_entropy", weight, log_p, axis)
    per_position = -_sum(log_p if w is None else log_p * w, axis=axis)
    if not bool(counted.all()):
        per_position = per_position * Tensor(counted.astype(log_p.dtype))
    if reduction != "mean":
        return _reduce(per_position, reduction, "cross_entropy")
    if weight is None:
        return _sum(per_position) / float(counted.sum())
    w_class = class_weights("cross_entropy", weight, log_p.shape[axis], t)
    return _sum(per_position) / float(w_class[t[counted]].sum())     # nll_loss's weighted mean's denominator


def l1_loss(input: Tensor, target, reduction: str = "mean", weight=None, *,  # noqa: A002
            size_average=None, reduce=None) -> Tensor:
    """``|input - target|`` per element, reduced; ``weight`` as in :func:`mse_loss` (``"mean"`` is the weighted
    mean ``sum(w |d|) / sum(w)``)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    target = lift(target, input)
    _same_shape("l1_loss", input, target)
    if weight is not None:
        return weighted_reduce(A.abs(input - target), weight, reduction, "l1_loss")
    return _reduce(A.abs(input - target), reduction, "l1_loss")


def huber_loss(input: Tensor, target, reduction: str = "mean", delta: float = 1.0,  # noqa: A002
               weight=None) -> Tensor:
    """``0.5 d²`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)``, for ``d = input - target``: squared
    near 0, absolute (with slope ``delta``) far away, so an outlier pulls no harder than ``delta``. The two
    pieces meet with equal value and slope at ``|d| = delta``; the gradient there is ``±delta`` from either
    side, and the second derivative is 0 (the outer piece's), as in PyTorch. ``weight``, of the input's shape,
    scales each element's loss (``"mean"`` is then the plain mean of the weighted losses)."""
    _expect_floating("huber_loss", input)
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    target = lift(target, input)
    _same_shape("huber_loss", input, target)
    d = input - target
    ad = A.abs(d)
    loss = A.where(ad.data < delta, 0.5 * d * d, delta * (ad - 0.5 * delta))
    if weight is not None:
        weight = lift(weight, input)
        if weight.shape != input.shape:
            raise ValueError(f"huber_loss: weight has shape {weight.shape} but the input has shape {input.shape}; "
                             f"give one weight per element")
        loss = loss * weight
    return _reduce(loss, reduction, "huber_loss")


def smooth_l1_loss(input: Tensor, target, reduction: str = "mean", beta: float = 1.0, *,  # noqa: A002
                   size_average=None, reduce=None) -> Tensor:
    """``0.5 d² / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta``, for ``d = input - target``: Huber's loss
    divided by ``beta`` (Fast R-CNN's box regression loss), with slope ±1 far away. ``beta = 0`` is
    :func:`l1_loss`. The gradient at ``|d| = beta`` is ``±1`` from either side."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _expect_floating("smooth_l1_loss", input)
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be at least 0, got {beta}")
    if beta == 0:
        return l1_loss(input, target, reduction)
    target = lift(target, input)
    _same_shape("smooth_l1_loss", input, target)
    d = input - target
    ad = A.abs(d)
    loss = A.where(ad.data < beta, 0.5 * d * d / beta, ad - 0.5 * beta)
    return _reduce(loss, reduction, "smooth_l1_loss")


_KL_REDUCTIONS = ("mean", "batchmean", "sum", "none")


def kl_div(input: Tensor, target, reduction: str = "mean", log_target: bool = False, *,  # noqa: A002
           size_average=None, reduce=None) -> Tensor:
    """The Kullback-Leibler divergence ``KL(target || q)`` per element, for log-probabilities ``input = log q``
    (``F.kl_div`` in PyTorch; the argument order is the reverse of KL's)::

        t log t - t input                 (log_target=False, target t a probability)
        e^t (t - input)                   (log_target=True, target t a log-probability)

    A target of 0 adds 0, not ``0 log 0 = nan`` (PyTorch's ``xlogy``); there the slope of ``t log t`` is taken
    as 0, so the target's gradient is ``-input`` (PyTorch's is NaN: the slope ``log t + 1`` is -inf at 0).
    ``"batchmean"`` divides the sum by the batch size ``input.shape[0]``, which is the KL divergence of each
    sample's distribution, averaged; ``"mean"`` divides by the number of elements, and warns, as in PyTorch
    (unless the legacy ``size_average``/``reduce`` chose it: they warn their own warning). Input and target
    broadcast together."""
    legacy = size_average is not None or reduce is not None
    reduction = legacy_reduction(size_average, reduce, reduction)
    _expect_floating("kl_div", input)
    target = lift(target, input)
    _expect_floating("kl_div", target)
    if reduction not in _KL_REDUCTIONS:
        raise ValueError(f"kl_div: reduction must be 'mean', 'batchmean', 'sum' or 'none', got {reduction!r}")
    if reduction == "mean" and not legacy:
        warnings.warn("kl_div: reduction='mean' divides the total loss by both the batch size and the support "
                      "size; 'batchmean' divides by the batch size only, as the KL divergence's definition does",
                      UserWarning, stacklevel=2)
    if log_target:
        loss = A.exp(target) * (target - input)
    else:
        zero = target.data == 0                    # 0 log 0 is taken as 0: log(1) stands in for log(0)
        loss = target * A.log(A.where(zero, 1.0, target)) - target * input
    if reduction == "batchmean":
        total = _sum(loss)
        return total / input.shape[0] if input.ndim else total
    return _reduce(loss, reduction, "kl_div")


def _variance_for(input: Tensor, var) -> Tensor:
    """``var`` for :func:`gaussian_nll_loss`, as a tensor that broadcasts to the input: PyTorch's shape rules."""
    if isinstance(var, (int, float)) and not isinstance(var, bool):
        if var < 0:
            raise ValueError(f"gaussian_nll_loss: var must not be negative, got {var}")
        return Tensor(backend.xp_of(input.data).full(input.shape, var, dtype=input.data.dtype))
    var = lift(var, input)
    if var.numel() and (var.data < 0).any():
        raise ValueError(f"gaussian_nll_loss: var has negative entries (the smallest is {float(var.data.min())})")
    if var.shape == input.shape:
        return var                                             # one variance per element
    if var.shape == input.shape[:-1]:
        return unsqueeze(var, -1)                              # one variance per row, shared along the last dim
    if var.ndim == input.ndim and sum(v for i, v in zip(input.shape, var.shape) if i != v) == 1:
        return var                                             # shared along the one dim where var has size 1
    raise ValueError(f"gaussian_nll_loss: var has shape {var.shape}, which fits neither the input's shape "
                     f"{input.shape} nor it with one dim of size 1 or without the last dim")


def gaussian_nll_loss(input: Tensor, target, var, full: bool = False, eps: float = 1e-6,  # noqa: A002
                      reduction: str = "mean") -> Tensor:
    """The negative log-likelihood of ``target`` under normal distributions of mean ``input`` and variance
    ``var``: ``0.5 (log v + (input - target)² / v)``, plus ``0.5 log 2π`` with ``full`` (``F.gaussian_nll_loss``
    in PyTorch). ``var`` has the input's shape, or it without the last dim, or one dim of size 1 (variances
    shared along it), or is a number. It is clamped at ``eps`` as PyTorch does, out of the graph: the value is
    at least ``eps``, and the gradient passes to ``var`` unchanged (:class:`~minigan.ops.distance.ClampMinValue`)."""
    input = as_floating(input)  # noqa: A001
    target = lift(target, input)
    v = ClampMinValue.apply(_variance_for(input, var), eps)
    loss = 0.5 * (A.log(v) + (input - target) ** 2 / v)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction, "gaussian_nll_loss")


def _is_floating(value) -> bool:
    a = value.data if isinstance(value, Tensor) else value
    return isinstance(a, float) or (backend.is_array(a) and a.dtype.kind == "f")


def poisson_nll_loss(input: Tensor, target, log_input: bool = True, full: bool = False,  # noqa: A002
                     eps: float = 1e-8, reduction: str = "mean", *, size_average=None, reduce=None) -> Tensor:
    """The negative log-likelihood of counts ``target`` under Poisson distributions of rate λ, without the
    constant ``log(target!)`` (``F.poisson_nll_loss`` in PyTorch)::

        e^input - target input              (log_input=True: input is log λ; stable, and the default)
        input - target log(input + eps)     (log_input=False: input is λ itself)

    ``full`` adds Stirling's approximation of ``log(target!)``, ``t log t - t + 0.5 log(2π t)``, where
    ``t > 1`` (0 elsewhere, as in PyTorch; its gradient with respect to the target is 0 there too). An integer
    target (counts) takes the input's dtype."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    input = as_floating(input)  # noqa: A001
    target = lift(target, input, None if _is_floating(target) else input.dtype)
    if log_input:
        loss = A.exp(input) - target * input
    else:
        loss = input - target * A.log(input + eps)
    if full:
        counted = target.data > 1
        t = A.where(counted, target, 1.0)                 # 1 stands in where the term is 0: no log of 0
        stirling = t * A.log(t) - t + 0.5 * A.log(t * (2 * math.pi))
        loss = loss + A.where(counted, stirling, 0.0)
    return _reduce(loss, reduction, "poisson_nll_loss")


__all__ = ["mse_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits", "nll_loss",
           "cross_entropy", "l1_loss", "huber_loss", "smooth_l1_loss", "kl_div", "gaussian_nll_loss",
           "poisson_nll_loss"]
