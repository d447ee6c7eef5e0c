"""Pooling and resampling layers (no parameters): max, average, power-average (LPPool) and adaptive pooling over 1,
2 or 3 spatial dims, MaxUnpool1d/2d/3d, Upsample.

Each pooling family is one class for every number of spatial dims (``_dims``): :class:`_MaxPoolNd`,
:class:`_AvgPoolNd`, :class:`_AdaptivePoolNd`. The layers differ only in the op they call
(:mod:`minigan.ops.pool1d`, :mod:`~minigan.ops.pool`, :mod:`~minigan.ops.pool3d`) and in the form their sizes
take. The arguments are kept as given (an int stays an int, as PyTorch keeps and prints it; ``stride=None``
means ``kernel_size``), except AvgPool1d's, which PyTorch keeps as 1-tuples; a malformed size fails when the
layer is built."""
from __future__ import annotations

from ..autograd import Tensor
from ..kernels import shapes
from ..ops import (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d, adaptive_max_pool1d,
                   adaptive_max_pool2d, adaptive_max_pool3d, avg_pool1d, avg_pool2d, avg_pool3d, interpolate,
                   max_pool1d, max_pool2d, max_pool3d, max_unpool2d)
from ..ops.lp_pool import lp_pool1d, lp_pool2d, lp_pool3d
from ..ops.pool1d import max_unpool1d
from ..ops.pool3d import max_unpool3d
from .conv import expect_input
from .module import Module


def _check4(layer: Module, x: Tensor) -> None:
    if x.ndim != 4:
        raise ValueError(f"{layer!r}: expected a 4-D input (N, C, H, W), got shape {x.shape}")


class _PoolNd(Module):
    """The input check of a pooling layer over ``_dims`` spatial dims: a batch, or one unbatched sample."""
    _dims: int = 2

    def _check_input(self, x: Tensor) -> None:
        expect_input(self, x, self._dims)

    def _check_sizes(self, **sizes) -> None:
        for what, value in sizes.items():
            shapes.ntuple(value, self._dims, what, type(self).__name__)


class _MaxPoolNd(_PoolNd):
    """Max over windows; ``stride=None`` means ``kernel_size`` (PyTorch's default). With ``return_indices=True``
    it returns ``(y, indices)``."""

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices: bool = False,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        stride = kernel_size if stride is None else stride
        self._check_sizes(kernel_size=kernel_size, stride=stride, padding=padding, dilation=dilation)
        self.kernel_size, self.stride, self.padding, self.dilation = kernel_size, stride, padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, x: Tensor):
        self._check_input(x)
        return self._pool(x, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
                          self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool1d(_MaxPoolNd):
    """Max over windows of ``kernel_size`` along ``L``; each index of ``return_indices`` is a position along
    ``L``."""
    _dims, _pool = 1, staticmethod(max_pool1d)


class MaxPool2d(_MaxPoolNd):
    """Max over ``kh x kw`` windows; each index of ``return_indices`` is the flat ``h * W + w``."""
    _dims, _pool = 2, staticmethod(max_pool2d)


class MaxPool3d(_MaxPoolNd):
    """Max over ``kd x kh x kw`` boxes; each index of ``return_indices`` is the flat ``d * H * W + h * W + w``."""
    _dims, _pool = 3, staticmethod(max_pool3d)


class _AvgPoolNd(_PoolNd):
    """Mean over windows; padded zeros count unless ``count_include_pad=False``, and ``divisor_override`` divides
    every window's sum by that number instead (2-D and 3-D)."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: int | None = None) -> None:
        super().__init__()
        stride = kernel_size if stride is None else stride
        self._check_sizes(kernel_size=kernel_size, stride=stride, padding=padding)
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.ceil_mode, self.count_include_pad, self.divisor_override = ceil_mode, count_include_pad, divisor_override

    def forward(self, x: Tensor) -> Tensor:
        self._check_input(x)
        args = (x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad)
        return self._pool(*args) if self.divisor_override is None else self._pool(*args, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(_AvgPoolNd):
    """Mean over windows of ``kernel_size`` along ``L``. Its sizes are kept as 1-tuples, as PyTorch keeps them,
    and it has no ``divisor_override`` (nor has PyTorch's)."""
    _dims, _pool = 1, staticmethod(avg_pool1d)

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True) -> None:
        super().__init__(kernel_size, stride, padding, ceil_mode, count_include_pad)
        del self.divisor_override           # the attribute stays the class's None, as PyTorch's has none
        self.kernel_size, self.stride, self.padding = (
            shapes.ntuple(v, 1, what) for v, what in ((self.kernel_size, "kernel_size"), (self.stride, "stride"),
                                                      (self.padding, "padding")))

    divisor_override = None


class AvgPool2d(_AvgPoolNd):
    """Mean over ``kh x kw`` windows."""
    _dims, _pool = 2, staticmethod(avg_pool2d)


class AvgPool3d(_AvgPoolNd):
    """Mean over ``kd x kh x kw`` boxes."""
    _dims, _pool = 3, staticmethod(avg_pool3d)


class _AdaptivePoolNd(_PoolNd):
    """Pooling to a fixed output size, whatever the input's (``None`` in a tuple keeps that input size)."""

    def __init__(self, output_size) -> None:
        super().__init__()
        if self._dims == 1:                 # a length: an int or a 1-tuple (2-D and 3-D sizes may hold None)
            self._check_sizes(output_size=output_size)
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        self._check_input(x)
        return self._pool(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class _AdaptiveMaxPoolNd(_AdaptivePoolNd):
    """Max pooling to a fixed output size. With ``return_indices=True`` it returns ``(y, indices)``, the indices
    flat over the input's spatial dims, as MaxPool's."""

    def __init__(self, output_size, return_indices: bool = False) -> None:
        super().__init__(output_size)
        self.return_indices = return_indices

    def forward(self, x: Tensor):
        self._check_input(x)
        return self._pool(x, self.output_size, self.return_indices)


class AdaptiveAvgPool1d(_AdaptivePoolNd):
    """Average pooling to a fixed output length."""
    _dims, _pool = 1, staticmethod(adaptive_avg_pool1d)


class AdaptiveAvgPool2d(_AdaptivePoolNd):
    """Average pooling to a fixed output size ``(H_out, W_out)``."""
    _dims, _pool = 2, staticmethod(adaptive_avg_pool2d)


class AdaptiveAvgPool3d(_AdaptivePoolNd):
    """Average pooling to a fixed output size ``(D_out, H_out, W_out)``."""
    _dims, _pool = 3, staticmethod(adaptive_avg_pool3d)


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """Max pooling to a fixed output length."""
    _dims, _pool = 1, staticmethod(adaptive_max_pool1d)


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """Max pooling to a fixed output size ``(H_out, W_out)``; its indices are what :class:`MaxUnpool2d` takes."""
    _dims, _pool = 2, staticmethod(adaptive_max_pool2d)


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    """Max pooling to a fixed output size ``(D_out, H_out, W_out)``."""
    _dims, _pool = 3, staticmethod(adaptive_max_pool3d)


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


class _LPPoolNd(_PoolNd):
    """Power-average pooling, ``(sum of x^p over each window)^(1/p)`` with ``p = norm_type``: the ``lp_pool`` op of
    :mod:`minigan.ops.lp_pool` as a layer. No padding; ``stride=None`` means ``kernel_size`` (kept as None, as
    PyTorch keeps it)."""

    def __init__(self, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False) -> None:
        super().__init__()
        self._check_sizes(kernel_size=kernel_size, **({} if stride is None else {"stride": stride}))
        self.norm_type, self.kernel_size, self.stride, self.ceil_mode = norm_type, kernel_size, stride, ceil_mode

    def forward(self, x: Tensor) -> Tensor:
        self._check_input(x)
        return self._pool(x, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)

    def extra_repr(self) -> str:
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"ceil_mode={self.ceil_mode}")


class LPPool1d(_LPPoolNd):
    """Power-average pooling over windows of ``kernel_size`` along ``L``."""
    _dims, _pool = 1, staticmethod(lp_pool1d)


class LPPool2d(_LPPoolNd):
    """Power-average pooling over ``kh x kw`` windows."""
    _dims, _pool = 2, staticmethod(lp_pool2d)


class LPPool3d(_LPPoolNd):
    """Power-average pooling over ``kd x kh x kw`` boxes."""
    _dims, _pool = 3, staticmethod(lp_pool3d)


class _MaxUnpoolNd(_PoolNd):
    """The inverse of a max pooling with ``return_indices=True``: ``layer(y, indices)`` puts each value back where
    it came from in zeros; ``layer(y, indices, output_size)`` picks the size. Its sizes are kept as ``_dims``-tuples,
    as PyTorch keeps them; ``stride=None`` means ``kernel_size``."""

    def __init__(self, kernel_size, stride=None, padding=0) -> None:
        super().__init__()
        name = type(self).__name__
        self.kernel_size = shapes.ntuple(kernel_size, self._dims, "kernel_size", name)
        self.stride = shapes.ntuple(kernel_size if stride is None else stride, self._dims, "stride", name)
        self.padding = shapes.ntuple(padding, self._dims, "padding", name)

    def forward(self, x: Tensor, indices, output_size=None) -> Tensor:
        self._check_input(x)
        return self._unpool(x, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """The inverse of ``MaxPool1d(..., return_indices=True)``: :func:`minigan.ops.pool1d.max_unpool1d`."""
    _dims, _unpool = 1, staticmethod(max_unpool1d)


class MaxUnpool3d(_MaxUnpoolNd):
    """The inverse of ``MaxPool3d(..., return_indices=True)``: :func:`minigan.ops.pool3d.max_unpool3d`."""
    _dims, _unpool = 3, staticmethod(max_unpool3d)


class Upsample(Module):
    """Resize signals, images or volumes by ``scale_factor`` (or to ``size``) with ``mode`` "nearest" (the
    default), "nearest-exact", "linear", "bilinear", "bicubic", "trilinear" or "area":
    :func:`minigan.ops.interpolate` as a layer."""

    def __init__(self, size=None, scale_factor=None, mode: str = "nearest", align_corners: bool | None = None,
                 recompute_scale_factor: bool | None = None) -> None:
        super().__init__()
        if scale_factor is not None:           # kept as floats, as PyTorch keeps them
            scale_factor = tuple(float(f) for f in scale_factor) if isinstance(scale_factor, (tuple, list)) \
                else float(scale_factor)
        self.size, self.scale_factor, self.mode = size, scale_factor, mode
        self.align_corners, self.recompute_scale_factor = align_corners, recompute_scale_factor

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim not in (3, 4, 5):
            raise ValueError(f"{self!r}: expected a 3-D (N, C, L), 4-D (N, C, H, W) or 5-D (N, C, D, H, W) input, "
                             f"got shape {x.shape}")
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
