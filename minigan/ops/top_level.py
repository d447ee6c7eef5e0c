"""The ``torch.nn.functional`` ops that PyTorch also has at its top level (``torch.conv2d``, ``torch.dropout``,
``torch.kl_div``...), under the top-level signatures, which are not always the functional ones:
``torch.dropout(input, p, train)`` has no defaults, the losses take ``reduction`` as an int (0 ``"none"``,
1 ``"mean"``, 2 ``"sum"``) and, called from Python, default to 0 (no reduction), ``torch.embedding(weight,
indices)`` takes the table first, ``torch.batch_norm`` takes every argument, in another order. Each is a thin
wrapper over the minigan op of the same name: no new maths, so the forward and backward are the op's. The
top-level in-place functions (``mg.relu_``...) are in ``inplace.py``.
"""
from __future__ import annotations

import warnings

import numpy as np

from .. import backend
from ..autograd import Tensor
from .conv1d import conv1d, conv_transpose1d  # noqa: F401
from .conv3d import conv3d, conv_transpose3d  # noqa: F401
from .pool1d import adaptive_avg_pool1d, avg_pool1d  # noqa: F401
from .channel_shuffle import channel_shuffle  # noqa: F401
from .normalization import bilinear  # noqa: F401
from .distance import cosine_similarity, pairwise_distance  # noqa: F401
from . import activation, conv, ctc, indexing, loss, loss_margin, normalization, piecewise, pool, pool1d, pool3d
from . import random_ops, resample
from .embedding import embedding as _embedding
from .embedding_bag import embedding_bag as _embedding_bag

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "avg_pool1d",
           "max_pool1d", "max_pool2d", "max_pool3d", "adaptive_avg_pool1d", "adaptive_max_pool1d", "batch_norm",
           "layer_norm", "group_norm", "instance_norm", "rms_norm", "embedding", "embedding_bag", "pixel_shuffle",
           "pixel_unshuffle", "channel_shuffle", "prelu", "relu", "selu", "celu", "rrelu", "hardshrink",
           "threshold", "dropout", "alpha_dropout", "feature_alpha_dropout", "bilinear", "cosine_similarity",
           "pairwise_distance", "kl_div", "margin_ranking_loss", "hinge_embedding_loss", "cosine_embedding_loss",
           "triplet_margin_loss", "poisson_nll_loss", "binary_cross_entropy_with_logits", "ctc_loss", "fill"]

_REDUCTIONS = {0: "none", 1: "mean", 2: "sum"}


def _reduction(op: str, reduction) -> str:
    """A top-level loss's int ``reduction`` as the functional one's name."""
    if isinstance(reduction, bool) or reduction not in _REDUCTIONS:
        raise TypeError(f"{op}(): argument 'reduction' must be an int (0 'none', 1 'mean', 2 'sum'), got "
                        f"{reduction!r}; torch.nn.functional.{op} takes the name")
    return _REDUCTIONS[reduction]


# --------------------------------------------------------------------------- convolution and pooling
def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1,
           groups: int = 1) -> Tensor:
    """``torch.conv2d``: :func:`minigan.ops.conv.conv2d`."""
    return conv.conv2d(input, weight, bias, stride, padding, dilation, groups)


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
                     output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """``torch.conv_transpose2d``: :func:`minigan.ops.conv.conv_transpose2d`."""
    return conv.conv_transpose2d(input, weight, bias, stride, padding, output_padding, groups, dilation)


def max_pool1d(input: Tensor, kernel_size, stride=(), padding=0, dilation=1, ceil_mode: bool = False) -> Tensor:
    """``torch.max_pool1d``: the values only (``stride=()`` means the kernel size, as None does in F)."""
    return pool1d.max_pool1d(input, kernel_size, stride if stride != () else None, padding, dilation, ceil_mode)


def max_pool2d(input: Tensor, kernel_size, stride=(), padding=0, dilation=1, ceil_mode: bool = False) -> Tensor:
    """``torch.max_pool2d``: the values only (``stride=()`` means the kernel size)."""
    return pool.max_pool2d(input, kernel_size, stride if stride != () else None, padding, dilation, ceil_mode)


def max_pool3d(input: Tensor, kernel_size, stride=(), padding=0, dilation=1, ceil_mode: bool = False) -> Tensor:
    """``torch.max_pool3d``: the values only (``stride=()`` means the kernel size)."""
    return pool3d.max_pool3d(input, kernel_size, stride if stride != () else None, padding, dilation, ceil_mode)


def adaptive_max_pool1d(input: Tensor, output_size):
    """``torch.adaptive_max_pool1d``: always the pair (values, indices)."""
    return pool1d.adaptive_max_pool1d(input, output_size, return_indices=True)


# --------------------------------------------------------------------------- normalization and lookups
def batch_norm(input: Tensor, weight, bias, running_mean, running_var, training: bool, momentum: float, eps: float,
               cudnn_enabled: bool) -> Tensor:
    """``torch.batch_norm``: every argument, in this order (``cudnn_enabled`` is accepted and ignored)."""
    return normalization.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def instance_norm(input: Tensor, weight, bias, running_mean, running_var, use_input_stats: bool, momentum: float,
                  eps: float, cudnn_enabled: bool) -> Tensor:
    """``torch.instance_norm``: every argument, in this order (``cudnn_enabled`` is ignored)."""
    return normalization.instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum,
                                       eps)


def layer_norm(input: Tensor, normalized_shape, weight=None, bias=None, eps: float = 1e-05,
               cudnn_enable: bool = True) -> Tensor:
    """``torch.layer_norm`` (``cudnn_enable`` is ignored)."""
    return normalization.layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(input: Tensor, num_groups: int, weight=None, bias=None, eps: float = 1e-05,
               cudnn_enabled: bool = True) -> Tensor:
    """``torch.group_norm`` (``cudnn_enabled`` is ignored)."""
    return normalization.group_norm(input, num_groups, weight, bias, eps)


def rms_norm(input: Tensor, normalized_shape, weight=None, eps: float | None = None) -> Tensor:
    """``torch.rms_norm``."""
    return normalization.rms_norm(input, normalized_shape, weight, eps)


def embedding(weight: Tensor, indices, padding_idx: int = -1, scale_grad_by_freq: bool = False,
              sparse: bool = False) -> Tensor:
    """``torch.embedding``: the table first; a negative ``padding_idx`` means none."""
    return _embedding(indices, weight, None if padding_idx < 0 else padding_idx, None, 2.0,
                                scale_grad_by_freq, sparse)


def embedding_bag(weight: Tensor, indices, offsets, scale_grad_by_freq: bool = False, mode: int = 0,
                  sparse: bool = False, per_sample_weights=None, include_last_offset: bool = False,
                  padding_idx: int | None = None):
    """``torch.embedding_bag``: the table first, ``mode`` an int (0 sum, 1 mean, 2 max), and the 4-tuple
    ``(output, offset2bag, bag_size, max_indices)``. Only ``output`` is computed here (it is
    :func:`minigan.ops.embedding_bag.embedding_bag`); the other three are PyTorch's kernel bookkeeping, which
    minigan does not keep: they come back as ``None``."""
    if mode not in (0, 1, 2) or isinstance(mode, bool):
        raise TypeError(f"embedding_bag(): argument 'mode' must be an int (0 sum, 1 mean, 2 max), got {mode!r}")
    out = _embedding_bag(indices, weight, offsets, None, 2, scale_grad_by_freq, ("sum", "mean", "max")[mode],
                         sparse, per_sample_weights, include_last_offset, padding_idx)
    return out, None, None, None


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """``torch.pixel_shuffle``."""
    return resample.pixel_shuffle(input, upscale_factor)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """``torch.pixel_unshuffle``."""
    return resample.pixel_unshuffle(input, downscale_factor)


# --------------------------------------------------------------------------- activations and dropout
def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """``torch.prelu``."""
    return piecewise.prelu(input, weight)


def relu(input: Tensor) -> Tensor:
    """``torch.relu``."""
    return activation.relu(input)


def selu(input: Tensor) -> Tensor:
    """``torch.selu``."""
    return activation.selu(input)


def celu(input: Tensor, alpha: float = 1.0) -> Tensor:
    """``torch.celu``."""
    return activation.celu(input, alpha)


def rrelu(input: Tensor, lower: float = 0.125, upper: float = 1.0 / 3.0, training: bool = False,
          generator=None) -> Tensor:
    """``torch.rrelu`` (in training the slopes come from ``generator``, an ``mg.Generator``, or from the device's
    seeded stream where it is None)."""
    return random_ops.rrelu(input, lower, upper, training, generator=generator)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``torch.hardshrink``."""
    return piecewise.hardshrink(input, lambd)


def threshold(input: Tensor, threshold: float, value: float) -> Tensor:
    """``torch.threshold``."""
    return piecewise.threshold(input, threshold, value)


def dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """``torch.dropout``: ``p`` and ``train`` given, no defaults."""
    return normalization.dropout(input, p, train)


def alpha_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """``torch.alpha_dropout``: ``p`` and ``train`` given, no defaults."""
    return random_ops.alpha_dropout(input, p, train)


def feature_alpha_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """``torch.feature_alpha_dropout``: ``p`` and ``train`` given, no defaults."""
    return random_ops.feature_alpha_dropout(input, p, train)


# --------------------------------------------------------------------------- losses (reduction as an int)
def kl_div(input: Tensor, target, reduction: int = 0, *, log_target: bool = False) -> Tensor:
    """``torch.kl_div`` (``reduction=1`` is the mean over every element, not ``"batchmean"``; the functional
    op's warning about that is for F's users, who can choose ``"batchmean"``, so it is not repeated here)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return loss.kl_div(input, target, _reduction("kl_div", reduction), log_target)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target, margin: float = 0.0, reduction: int = 0) -> Tensor:
    """``torch.margin_ranking_loss``."""
    return loss_margin.margin_ranking_loss(input1, input2, target, margin,
                                           _reduction("margin_ranking_loss", reduction))


def hinge_embedding_loss(input: Tensor, target, margin: float = 1.0, reduction: int = 0) -> Tensor:
    """``torch.hinge_embedding_loss``."""
    return loss_margin.hinge_embedding_loss(input, target, margin, _reduction("hinge_embedding_loss", reduction))


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target, margin: float = 0.0, reduction: int = 0) -> Tensor:
    """``torch.cosine_embedding_loss``."""
    return loss_margin.cosine_embedding_loss(input1, input2, target, margin,
                                             _reduction("cosine_embedding_loss", reduction))


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2.0,
                        eps: float = 1e-06, swap: bool = False, reduction: int = 0) -> Tensor:
    """``torch.triplet_margin_loss``."""
    return loss_margin.triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap,
                                           _reduction("triplet_margin_loss", reduction))


def poisson_nll_loss(input: Tensor, target, log_input: bool, full: bool, eps: float, reduction: int) -> Tensor:
    """``torch.poisson_nll_loss``: every argument given, no defaults."""
    return loss.poisson_nll_loss(input, target, log_input, full, eps, _reduction("poisson_nll_loss", reduction))


def binary_cross_entropy_with_logits(input: Tensor, target, weight=None, pos_weight=None,
                                     reduction: int = 0) -> Tensor:
    """``torch.binary_cross_entropy_with_logits``: ``pos_weight`` before ``reduction`` (F's order differs)."""
    return loss.binary_cross_entropy_with_logits(input, target, weight,
                                                 _reduction("binary_cross_entropy_with_logits", reduction),
                                                 pos_weight)


def ctc_loss(log_probs: Tensor, targets, input_lengths, target_lengths, blank: int = 0, reduction: int = 0,
             zero_infinity: bool = False) -> Tensor:
    """``torch.ctc_loss``."""
    return ctc.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank, _reduction("ctc_loss", reduction),
                        zero_infinity)


def fill(input: Tensor, value) -> Tensor:
    """A tensor of ``input``'s shape and dtype holding ``value`` (a number or a 0-d tensor) everywhere, as
    ``torch.fill``: :func:`~minigan.ops.indexing.masked_fill` under an all-true mask, so ``input`` gets a zero
    gradient and a 0-d tensor ``value`` the sum of the gradient."""
    if isinstance(value, Tensor) and value.ndim != 0:
        raise ValueError(f"fill: only supports a 0-dimension value tensor, but got a tensor with {value.ndim} "
                         f"dimensions")
    return indexing.masked_fill(input, backend.xp_of(input.data).ones((), dtype=np.bool_), value)
