"""Power-average pooling (LP pooling) over 1, 2 or 3 spatial dims: ``lp_pool1d``, ``lp_pool2d``, ``lp_pool3d``.

Each window gives ``(sum over its taps of x^p)^(1/p)``, the ``p``-norm of the window without absolute values, as
``torch.nn.functional.lp_pool*d`` defines it: ``p = 1`` sums the window, ``p = 2`` is its Euclidean length, and as
``p`` grows it tends to the largest ``|x|`` (max pooling). Shapes are those of average pooling with no padding:
``(N, C, *sizes) -> (N, C, *sizes_out)`` or without ``N``, ``L_out = floor((L - k) / s) + 1`` along each dim
(``ceil_mode`` rounds up), ``stride=None`` meaning the kernel size.

A composition of existing differentiable ops, as PyTorch composes it (so gradients of every order come from
theirs)::

    s = avg_pool(x ** p) * K        # K = the taps of a window (k, kh * kw, kd * kh * kw): the sum of the powers
    y = s ** (1 / p)

What that means at the edges, each as in PyTorch:

- Signs: ``x ** p`` of a negative ``x`` is negative for an odd ``p`` and nan for a fractional one, and the root of
  a negative sum is nan unless ``p = 1``, where the root is the sum itself.
- A window whose sum of powers is 0 (all zeros, for an even ``p``) gives 0 with gradient 0. The root's slope
  ``(1/p) s^(1/p - 1)`` is infinite there; PyTorch's ``sign(s) * relu(|s|)`` has slope 0 at 0, which hides it.
  Here the root is taken of ``where(s == 0, 1, s)`` and its result replaced by 0 where ``s == 0``, so no inf
  (and no ``0 * inf = nan``) enters the backward.
- A window that ``ceil_mode`` cuts at the edge is the mean of the taps it has, times the full ``K`` (PyTorch's
  formula; not the sum over those taps).
- ``norm_type=inf`` is max pooling of ``|x|``; ``-inf`` is the smallest ``|x|`` of each window.
"""
from __future__ import annotations

import math

import numpy as np

from ..autograd import Tensor, as_tensor
from ..kernels import shapes
from .arithmetic import abs, neg, pow, where
from .pool import avg_pool2d, max_pool2d
from .pool1d import avg_pool1d, max_pool1d
from .pool3d import avg_pool3d, max_pool3d

__all__ = ["lp_pool1d", "lp_pool2d", "lp_pool3d"]


def _lp_pool(op: str, dims: int, avg_pool, max_pool, input, norm_type, kernel_size, stride, ceil_mode: bool):
    """The one recipe behind the three ops (see the module's docstring); ``avg_pool`` and ``max_pool`` are the
    ``dims``-D poolings."""
    x = as_tensor(input)
    if not x.is_floating_point():
        raise TypeError(f"{op}: expected a floating-point input, got {x.dtype}; convert it first with x.float()")
    if isinstance(norm_type, bool) or not isinstance(norm_type, (int, float, np.integer, np.floating)):
        raise TypeError(f"{op}: norm_type must be a number, got {norm_type!r}")
    if norm_type == 0:
        raise ValueError(f"{op}: norm_type must be nonzero (the root is 1 / norm_type), got {norm_type!r}")
    kernel = shapes.ntuple(kernel_size, dims, "kernel_size", op)
    if norm_type == math.inf:
        return max_pool(abs(x), kernel_size, stride, 0, 1, ceil_mode)
    if norm_type == -math.inf:
        return neg(max_pool(neg(abs(x)), kernel_size, stride, 0, 1, ceil_mode))
    p = float(norm_type) if isinstance(norm_type, (float, np.floating)) else int(norm_type)
    sums = avg_pool(pow(x, p), kernel_size, stride, 0, ceil_mode) * float(math.prod(kernel))
    zero = sums.data == 0
    return where(zero, 0.0, pow(where(zero, 1.0, sums), 1.0 / p))


def lp_pool1d(input: Tensor, norm_type, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    """``(sum of x^p over each window of kernel_size)^(1/p)``, as ``torch.nn.functional.lp_pool1d``: ``(N, C, L)
    -> (N, C, L_out)`` or ``(C, L) -> (C, L_out)``, no padding; ``p = norm_type``."""
    return _lp_pool("lp_pool1d", 1, avg_pool1d, max_pool1d, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input: Tensor, norm_type, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    """``(sum of x^p over each kh x kw window)^(1/p)``, as ``torch.nn.functional.lp_pool2d``: ``(N, C, H, W) ->
    (N, C, H_out, W_out)`` or without ``N``, no padding; ``p = norm_type``."""
    return _lp_pool("lp_pool2d", 2, avg_pool2d, max_pool2d, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(input: Tensor, norm_type, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    """``(sum of x^p over each kd x kh x kw box)^(1/p)``, as ``torch.nn.functional.lp_pool3d``: ``(N, C, D, H, W)
    -> (N, C, D_out, H_out, W_out)`` or without ``N``, no padding; ``p = norm_type``."""
    return _lp_pool("lp_pool3d", 3, avg_pool3d, max_pool3d, input, norm_type, kernel_size, stride, ceil_mode)
