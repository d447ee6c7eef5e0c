"""Other names ``torch.nn.functional`` has for minigan's ops: the ``*_with_indices`` forms of max pooling, the
deprecated ``upsample_bilinear``/``upsample_nearest`` (which warn, as PyTorch's do), and the in-place
activations ``relu_``, ``elu_``, ... .

The in-place functions follow the Tensor's own in-place rules (its ``relu_()``): minigan records no in-place
operation, so they are refused on a leaf that requires grad or on a tensor of a graph while recording; under
``no_grad``, or on a tensor outside any graph, they overwrite ``input`` and return it."""
from __future__ import annotations

import warnings

from ..autograd import Tensor
from ..ops import (adaptive_max_pool1d, adaptive_max_pool2d, adaptive_max_pool3d, celu, elu, hardtanh,
                   interpolate, leaky_relu, max_pool1d, max_pool2d, max_pool3d, relu, rrelu, selu)
from ..ops import threshold as _threshold
from ..tensor_methods import _in_place

__all__ = ["max_pool1d_with_indices", "max_pool2d_with_indices", "max_pool3d_with_indices",
           "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices", "adaptive_max_pool3d_with_indices",
           "upsample_bilinear", "upsample_nearest", "relu_", "elu_", "celu_", "selu_", "leaky_relu_", "hardtanh_",
           "rrelu_", "threshold_"]


def max_pool1d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
                            return_indices: bool = False):
    """:func:`max_pool1d` that always returns ``(output, indices)``, whatever ``return_indices`` says."""
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices=True)


def max_pool2d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
                            return_indices: bool = False):
    """:func:`max_pool2d` that always returns ``(output, indices)``, whatever ``return_indices`` says."""
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices=True)


def max_pool3d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
                            return_indices: bool = False):
    """:func:`max_pool3d` that always returns ``(output, indices)``, whatever ``return_indices`` says."""
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices=True)


def adaptive_max_pool1d_with_indices(input: Tensor, output_size, return_indices: bool = False):
    """:func:`adaptive_max_pool1d` that always returns ``(output, indices)``."""
    return adaptive_max_pool1d(input, output_size, return_indices=True)


def adaptive_max_pool2d_with_indices(input: Tensor, output_size, return_indices: bool = False):
    """:func:`adaptive_max_pool2d` that always returns ``(output, indices)``."""
    return adaptive_max_pool2d(input, output_size, return_indices=True)


def adaptive_max_pool3d_with_indices(input: Tensor, output_size, return_indices: bool = False):
    """:func:`adaptive_max_pool3d` that always returns ``(output, indices)``."""
    return adaptive_max_pool3d(input, output_size, return_indices=True)


def upsample_bilinear(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Deprecated: ``interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)``, with
    PyTorch's warning."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.",
                  UserWarning, stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


def upsample_nearest(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Deprecated: ``interpolate(input, size, scale_factor, mode="nearest")``, with PyTorch's warning."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.",
                  UserWarning, stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def relu_(input: Tensor) -> Tensor:
    """:func:`relu` in place (see the module's docstring for when that is allowed)."""
    return _in_place(input, "relu_", relu)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """:func:`elu` in place."""
    return _in_place(input, "elu_", elu, alpha)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """:func:`celu` in place."""
    return _in_place(input, "celu_", celu, alpha)


def selu_(input: Tensor) -> Tensor:
    """:func:`selu` in place."""
    return _in_place(input, "selu_", selu)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """:func:`leaky_relu` in place."""
    return _in_place(input, "leaky_relu_", leaky_relu, negative_slope)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """:func:`hardtanh` in place."""
    return _in_place(input, "hardtanh_", hardtanh, min_val, max_val)


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False) -> Tensor:
    """:func:`rrelu` in place (in training, each negative value's slope is drawn from minigan's generator)."""
    return _in_place(input, "rrelu_", rrelu, lower, upper, training)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """:func:`threshold` in place: values not above ``threshold`` become ``value``."""
    return _in_place(input, "threshold_", _threshold, threshold, value)
