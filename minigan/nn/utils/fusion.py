"""Folding an eval-mode batch norm into the convolution or linear layer before it, as ``torch.nn.utils.fusion``.

In eval mode a batch norm is a fixed affine map per channel, ``y = (x - mean) / sqrt(var + eps) * gamma + beta``,
and a convolution or linear layer is linear in its weight, so the two collapse into one layer with

    scale = gamma / sqrt(var + eps)                      (one number per output channel)
    W' = W * scale      (each output channel's filter scaled by its own number)
    b' = (b - mean) * scale + beta

which computes the same output with one layer fewer (the classic inference-time optimisation). Training mode
cannot be fused: there the batch norm uses each batch's own statistics.
"""
from __future__ import annotations

import copy

from ... import backend
from ...autograd import Tensor
from ...grad_mode import no_grad
from ...ops import rsqrt
from ..module import Parameter

__all__ = ["fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval", "fuse_linear_bn_weights"]


def _filled_like(t: Tensor, value: float) -> Tensor:
    return Tensor(backend.xp_of(t.data).full_like(t.data, value))


def _check_eval(layer, bn) -> None:
    if layer.training or bn.training:
        raise AssertionError("Fusion only for eval!")
    if bn.running_mean is None or bn.running_var is None:
        raise AssertionError("bn.running_mean and bn.running_var must not be None")


def fuse_conv_bn_weights(conv_w: Tensor, conv_b: Tensor | None, bn_rm: Tensor, bn_rv: Tensor, bn_eps: float,
                         bn_w: Tensor | None, bn_b: Tensor | None,
                         transpose: bool = False) -> tuple[Parameter, Parameter]:
    """The fused ``(weight, bias)`` as new Parameters (see the module docstring). ``conv_w`` is
    ``(C_out, C_in/groups, *k)``, or ``(C_in, C_out/groups, *k)`` for a transposed convolution
    (``transpose=True``: the output channels are dim 1 there); ``bn_*`` are ``(C_out,)``; a missing conv bias
    counts as 0, a missing ``bn_w`` as 1 and ``bn_b`` as 0. Each result keeps its input's dtype and
    ``requires_grad`` (a bias made up from nothing does not require grad, as in PyTorch)."""
    w_dtype = conv_w.dtype
    b_dtype = conv_w.dtype if conv_b is None else conv_b.dtype
    b_grad = False if conv_b is None else conv_b.requires_grad
    with no_grad():
        conv_b = _filled_like(bn_rm, 0.0) if conv_b is None else conv_b
        bn_w = _filled_like(bn_rm, 1.0) if bn_w is None else bn_w
        bn_b = _filled_like(bn_rm, 0.0) if bn_b is None else bn_b
        scale = bn_w * rsqrt(bn_rv + bn_eps)
        shape = (1, -1) if transpose else (-1, 1)
        w = conv_w * scale.reshape(*shape, *([1] * (conv_w.ndim - 2)))
        b = (conv_b - bn_rm) * scale + bn_b
    return (Parameter(w.data.astype(w_dtype, copy=False), conv_w.requires_grad),
            Parameter(b.data.astype(b_dtype, copy=False), b_grad))


def fuse_conv_bn_eval(conv, bn, transpose: bool = False):
    """A copy of the eval-mode convolution ``conv`` that also does the eval-mode batch norm ``bn`` after it
    (:func:`fuse_conv_bn_weights` on their parameters and statistics); ``transpose=True`` for a transposed
    convolution. Both must be in eval mode (an AssertionError otherwise, as PyTorch's)."""
    _check_eval(conv, bn)
    fused = copy.deepcopy(conv)
    fused.weight, fused.bias = fuse_conv_bn_weights(fused.weight, fused.bias, bn.running_mean, bn.running_var,
                                                    bn.eps, bn.weight, bn.bias, transpose)
    return fused


def fuse_linear_bn_weights(linear_w: Tensor, linear_b: Tensor | None, bn_rm: Tensor, bn_rv: Tensor, bn_eps: float,
                           bn_w: Tensor, bn_b: Tensor) -> tuple[Parameter, Parameter]:
    """The fused ``(weight, bias)`` of a Linear ``(out, in)`` followed by an eval-mode BatchNorm1d of ``out``
    (or 1) features, as new Parameters: each row of the weight scaled by its feature's ``scale`` (see the module
    docstring); a missing linear bias counts as 0. Each result keeps its input's dtype and ``requires_grad``."""
    w_dtype = linear_w.dtype
    b_dtype = linear_w.dtype if linear_b is None else linear_b.dtype
    b_grad = False if linear_b is None else linear_b.requires_grad
    with no_grad():
        linear_b = _filled_like(bn_rm, 0.0) if linear_b is None else linear_b
        scale = bn_w * rsqrt(bn_rv + bn_eps)
        w = linear_w * scale.reshape(-1, 1)
        b = (linear_b - bn_rm) * scale + bn_b
    return (Parameter(w.data.astype(w_dtype, copy=False), linear_w.requires_grad),
            Parameter(b.data.astype(b_dtype, copy=False), b_grad))


def fuse_linear_bn_eval(linear, bn):
    """A copy of the eval-mode Linear ``linear`` that also does the eval-mode batch norm ``bn`` after it
    (:func:`fuse_linear_bn_weights`). ``bn`` must have ``linear.out_features`` features, or 1 (then broadcast)."""
    if linear.training or bn.training:
        raise AssertionError("Fusion only for eval!")
    if linear.out_features != bn.num_features and bn.num_features != 1:
        raise AssertionError(f"To fuse, linear.out_features == bn.num_features or bn.num_features == 1, got "
                             f"linear.out_features={linear.out_features} and bn.num_features={bn.num_features}")
    _check_eval(linear, bn)
    fused = copy.deepcopy(linear)
    fused.weight, fused.bias = fuse_linear_bn_weights(fused.weight, fused.bias, bn.running_mean, bn.running_var,
                                                      bn.eps, bn.weight, bn.bias)
    return fused
