"""Pooling and upsampling layers (no parameters)."""
from __future__ import annotations

from ..autograd import Tensor
from ..kernels import shapes
from ..ops import avg_pool2d, interpolate, max_pool2d
from .module import Module


def _check4(layer: Module, x: Tensor) -> None:
    if x.ndim != 4:
        raise ValueError(f"{layer!r}: expected a 4-D input (N, C, H, W), got shape {x.shape}")


class MaxPool2d(Module):
    """Max over windows; ``stride=None`` means ``kernel_size`` (PyTorch's default)."""

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1) -> None:
        super().__init__()
        self.kernel_size, self.stride, self.padding, self.dilation = shapes.pool2d_args(kernel_size, stride, padding,
                                                                                      dilation)

    def forward(self, x: Tensor) -> Tensor:
        _check4(self, x)
        return max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(Module):
    """Mean over windows; padded zeros count unless ``count_include_pad=False``."""

    def __init__(self, kernel_size, stride=None, padding=0, count_include_pad: bool = True) -> None:
        super().__init__()
        self.kernel_size, self.stride, self.padding, _ = shapes.pool2d_args(kernel_size, stride, padding)
        self.count_include_pad = count_include_pad

    def forward(self, x: Tensor) -> Tensor:
        _check4(self, x)
        return avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class Upsample(Module):
    """Nearest-neighbour upsampling by ``scale_factor`` (or to ``size``)."""

    def __init__(self, size=None, scale_factor=None, mode: str = "nearest") -> None:
        super().__init__()
        self.size, self.scale_factor, self.mode = size, scale_factor, mode

    def forward(self, x: Tensor) -> Tensor:
        _check4(self, x)
        return interpolate(x, self.size, self.scale_factor, self.mode)

    def extra_repr(self) -> str:
        return f"size={self.size}, scale_factor={self.scale_factor}, mode='{self.mode}'"
