"""Pooling and resampling layers (no parameters)."""
from __future__ import annotations

from ..autograd import Tensor
from ..kernels import shapes
from ..ops import adaptive_avg_pool2d, adaptive_max_pool2d, avg_pool2d, interpolate, max_pool2d, max_unpool2d
from .module import Module


def _check4(layer: Module, x: Tensor) -> None:
    if x.ndim != 4:
        raise ValueError(f"{layer!r}: expected a 4-D input (N, C, H, W), got shape {x.shape}")


class _MaxPoolNd(Module):
    """What MaxPool1d, MaxPool2d and MaxPool3d share: PyTorch's arguments, kept as given (an int stays an int, as
    PyTorch keeps and prints it; ``stride=None`` means ``kernel_size``), the repr, and a forward that checks the
    input's dims and calls the op. Each layer sets the op (``_pool``), the check of the sizes' forms
    (``_check_sizes``, so that a malformed size fails when the layer is built) and of the input
    (``_check_input``)."""

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices: bool = False,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        stride = kernel_size if stride is None else stride
        self._check_sizes(kernel_size, stride, padding, dilation)
        self.kernel_size, self.stride, self.padding, self.dilation = kernel_size, stride, padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def _check_sizes(self, kernel_size, stride, padding, dilation) -> None:  # pragma: no cover - set by each layer
        raise NotImplementedError

    def _check_input(self, x: Tensor) -> None:  # pragma: no cover - set by each layer
        raise NotImplementedError

    def forward(self, x: Tensor):
        self._check_input(x)
        return self._pool(x, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
                          self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool2d(_MaxPoolNd):
    """Max over windows; ``stride=None`` means ``kernel_size`` (PyTorch's default). With
    ``return_indices=True`` it returns ``(y, indices)``."""
    _pool = staticmethod(max_pool2d)

    def _check_sizes(self, kernel_size, stride, padding, dilation) -> None:
        shapes.pool2d_args(kernel_size, stride, padding, dilation)

    def _check_input(self, x: Tensor) -> None:
        _check4(self, x)


class AvgPool2d(Module):
    """Mean over windows; padded zeros count unless ``count_include_pad=False``."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: int | None = None) -> None:
        super().__init__()
        shapes.pool2d_args(kernel_size, stride, padding)
        self.kernel_size, self.padding = kernel_size, padding                 # as given, as in PyTorch
        self.stride = kernel_size if stride is None else stride
        self.ceil_mode, self.count_include_pad, self.divisor_override = ceil_mode, count_include_pad, divisor_override

    def forward(self, x: Tensor) -> Tensor:
        _check4(self, x)
        return avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad,
                          self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed output size, whatever the input's (``None`` keeps that input size)."""

    def __init__(self, output_size) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        _check4(self, x)
        return adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool2d(Module):
    """Max pooling to a fixed output size, whatever the input's (``None`` keeps that input size). With
    ``return_indices=True`` it returns ``(y, indices)``, which :class:`MaxUnpool2d` takes."""

    def __init__(self, output_size, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size, self.return_indices = output_size, return_indices

    def forward(self, x: Tensor):
        _check4(self, x)
        return adaptive_max_pool2d(x, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class MaxUnpool2d(Module):
    """The inverse of ``MaxPool2d(..., return_indices=True)``: ``layer(y, indices)`` puts each value back where
    it came from in a zero image; ``layer(y, indices, output_size)`` picks the size, as PyTorch's."""

    def __init__(self, kernel_size, stride=None, padding=0) -> None:
        super().__init__()
        # as pairs, as PyTorch's MaxUnpool2d keeps them (its pooling layers keep them as given)
        self.kernel_size, self.stride, self.padding, _ = shapes.pool2d_args(kernel_size, stride, padding)

    def forward(self, x: Tensor, indices, output_size=None) -> Tensor:
        _check4(self, x)
        return max_unpool2d(x, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class Upsample(Module):
    """Resize by ``scale_factor`` (or to ``size``) with ``mode`` "nearest" (the default), "nearest-exact",
    "bilinear", "bicubic" or "area": :func:`minigan.ops.interpolate` as a layer."""

    def __init__(self, size=None, scale_factor=None, mode: str = "nearest", align_corners: bool | None = None,
                 recompute_scale_factor: bool | None = None) -> None:
        super().__init__()
        if scale_factor is not None:           # kept as floats, as PyTorch keeps them
            scale_factor = tuple(float(f) for f in scale_factor) if isinstance(scale_factor, (tuple, list)) \
                else float(scale_factor)
        self.size, self.scale_factor, self.mode = size, scale_factor, mode
        self.align_corners, self.recompute_scale_factor = align_corners, recompute_scale_factor

    def forward(self, x: Tensor) -> Tensor:
        _check4(self, x)
        return interpolate(x, self.size, self.scale_factor, self.mode, self.align_corners,
                           self.recompute_scale_factor)

    def extra_repr(self) -> str:
        what = f"size={self.size}" if self.scale_factor is None else f"scale_factor={self.scale_factor}"
        return f"{what}, mode='{self.mode}'"


class UpsamplingNearest2d(Upsample):
    """``Upsample(mode="nearest")``, PyTorch's older name."""

    def __init__(self, size=None, scale_factor=None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """``Upsample(mode="bilinear", align_corners=True)``: PyTorch's older layer lines up the corners."""

    def __init__(self, size=None, scale_factor=None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
