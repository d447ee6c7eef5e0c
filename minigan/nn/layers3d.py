"""3-D layers: Conv3d, ConvTranspose3d, MaxPool3d, AvgPool3d, AdaptiveAvgPool3d, AdaptiveMaxPool3d.

Each runs on ``(N, C, D, H, W)`` volumes, or one unbatched ``(C, D, H, W)`` volume, through the 3-D ops of
:mod:`minigan.ops.conv3d` (sums over the kernel's depth taps of 2-D convolutions) and :mod:`minigan.ops.pool3d`
(2-D pooling of every depth slice, then 1-D pooling along depth). The convolutions share
:class:`~minigan.nn.layers._ConvNd`'s checks, repr and initialisation: PyTorch's default
``U(-1/sqrt(fan_in), 1/sqrt(fan_in))`` for the weight and the bias, the fan-in ``C_in/groups * kd * kh * kw``
(of ``in_channels`` for a transposed weight, as in PyTorch) read from the weight's shape.

Names, argument orders, defaults, stored attributes (3-tuples for the convolutions, the arguments as given
for the pooling layers, as PyTorch keeps them) and reprs are PyTorch's, so a PyTorch state dict (saved as
arrays) loads with its names unchanged.
"""
from __future__ import annotations

import numpy as np

from ..autograd import Tensor
from ..ops import (adaptive_avg_pool3d, adaptive_max_pool3d, avg_pool3d, conv3d, conv_transpose3d, max_pool3d,
                   pad)
from ..ops.conv3d import conv3d_padding, triple
from .layers import _check_transposed_padding, _ConvNd
from .module import Module, Parameter
from .pooling import _MaxPoolNd

__all__ = ["Conv3d", "ConvTranspose3d", "MaxPool3d", "AvgPool3d", "AdaptiveAvgPool3d", "AdaptiveMaxPool3d"]


def _expect(layer: Module, x: Tensor, channels: int | None = None) -> None:
    """The error every 3-D layer gives for a wrong input: names the layer, what it expected, what came."""
    c = "C_in" if channels is not None else "C"
    if x.ndim not in (4, 5):
        raise ValueError(f"{layer!r}: expected a 4-D ({c}, D, H, W) or 5-D (N, {c}, D, H, W) input, "
                         f"got shape {x.shape}")
    if channels is not None and x.shape[-4] != channels:
        raise ValueError(f"{layer!r}: expected input with {channels} channels, (N, C_in, D, H, W) or "
                         f"(C_in, D, H, W), got {x.shape[-4]} (input shape {x.shape})")


class _Conv3dBase(_ConvNd):
    """What Conv3d and ConvTranspose3d share: their arguments as 3-tuples ``(depth, height, width)`` and a
    ``(..., kd, kh, kw)`` weight (the repr, the checks of groups and padding_mode, and the initialisation are
    _ConvNd's, PyTorch's)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                 weight_shape, padding_mode: str = "zeros") -> None:
        name = type(self).__name__
        k, s, d = (triple(v, n, name) for v, n in ((kernel_size, "kernel_size"), (stride, "stride"),
                                                   (dilation, "dilation")))
        if isinstance(padding, str):  # "same" or "valid", kept as given, as PyTorch keeps it
            conv3d_padding(padding, k, s, d, name)
        else:
            padding = triple(padding, "padding", name)
        # _ConvNd checks groups and padding_mode and makes the bias; its 1 x 1 kernel is replaced below
        super().__init__(in_channels, out_channels, 1, 1, 0, 1, groups, bias, weight_shape, padding_mode)
        self.kernel_size, self.stride, self.padding, self.dilation = k, s, padding, d
        self.output_padding = (0, 0, 0)
        self.weight = Parameter(np.zeros((*weight_shape, *k), dtype=np.float32))
        self.reset_parameters()


class Conv3d(_Conv3dBase):
    """``(N, C_in, D, H, W) -> (N, C_out, D_out, H_out, W_out)`` (or unbatched, without ``N``),
    ``D_out = floor((D + 2p - d(k-1) - 1)/s) + 1`` and likewise along height and width. Weight
    ``(out_channels, in_channels/groups, kd, kh, kw)``.

    ``padding`` is an int, a 3-tuple, ``"valid"`` or ``"same"``. ``padding_mode`` says what the padding holds:
    ``"zeros"`` (the default), or ``"reflect"``, ``"replicate"``, ``"circular"``, for which the input is first
    padded by :func:`minigan.ops.pad` in that mode and then convolved with no padding, as PyTorch does."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros") -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         (out_channels, in_channels // groups), padding_mode)

    def _mode_padding(self) -> tuple[int, ...]:
        """``self.padding`` as pad's ``(left, right, top, bottom, front, back)``; an odd "same" total puts the
        extra one at the right/bottom/back."""
        both, extra = conv3d_padding(self.padding, self.kernel_size, self.stride, self.dilation, "Conv3d")
        return tuple(v for p, e in zip(reversed(both), reversed(extra)) for v in (p, p + e))

    def forward(self, x: Tensor) -> Tensor:
        _expect(self, x, self.in_channels)
        padding = self.padding
        if self.padding_mode != "zeros":
            x, padding = pad(x, self._mode_padding(), self.padding_mode), 0
        return conv3d(x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups, self.impl)


class ConvTranspose3d(_Conv3dBase):
    """``(N, C_in, D, H, W) -> (N, C_out, D_out, H_out, W_out)`` (or unbatched, without ``N``),
    ``D_out = (D-1)s - 2p + d(k-1) + output_padding + 1`` and likewise along height and width. Weight
    ``(in_channels, out_channels/groups, kd, kh, kw)`` — the layout of the conv3d it transposes.
    ``layer(x, output_size)`` picks ``output_padding`` from the size wanted, as PyTorch's."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, output_padding=0,
                 groups: int = 1, bias: bool = True, dilation=1, padding_mode: str = "zeros") -> None:
        _check_transposed_padding("ConvTranspose3d", padding, padding_mode, "an int or a 3-tuple")
        o = triple(output_padding, "output_padding", "ConvTranspose3d")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         (in_channels, out_channels // groups))
        self.output_padding = o
        if any(not (op < s or op < d) for op, s, d in zip(o, self.stride, self.dilation)):
            raise ValueError(f"ConvTranspose3d: output_padding {o} must be smaller than either stride "
                             f"{self.stride} or dilation {self.dilation}")

    def _output_padding_for(self, x: Tensor, output_size) -> tuple[int, int, int]:
        """The ``output_padding`` that makes the output ``output_size`` large: ``(D_out, H_out, W_out)``, or the
        whole output shape. The sizes reachable along a dim run from the ``output_padding = 0`` size up to
        ``s - 1`` more."""
        sizes = tuple(int(n) for n in output_size)
        if len(sizes) == x.ndim:
            sizes = sizes[-3:]
        if len(sizes) != 3:
            raise ValueError(f"ConvTranspose3d: for a {x.ndim}-D input, output_size must have 3 or {x.ndim} "
                             f"elements, got {tuple(output_size)}")
        smallest = [(n - 1) * s - 2 * p + d * (k - 1) + 1 for n, k, s, p, d in
                    zip(x.shape[-3:], self.kernel_size, self.stride, self.padding, self.dilation)]
        largest = [n + s - 1 for n, s in zip(smallest, self.stride)]
        if any(not lo <= n <= hi for n, lo, hi in zip(sizes, smallest, largest)):
            raise ValueError(f"ConvTranspose3d: requested an output size of {list(sizes)}, but valid sizes range "
                             f"from {smallest} to {largest} (for an input of {list(x.shape[-3:])})")
        return tuple(n - lo for n, lo in zip(sizes, smallest))

    def forward(self, x: Tensor, output_size=None) -> Tensor:
        _expect(self, x, self.in_channels)
        o = self.output_padding if output_size is None else self._output_padding_for(x, output_size)
        return conv_transpose3d(x, self.weight, self.bias, self.stride, self.padding, o, self.groups,
                                self.dilation, self.impl)


class MaxPool3d(_MaxPoolNd):
    """Max over ``kd x kh x kw`` boxes; ``stride=None`` means ``kernel_size`` (PyTorch's default). With
    ``return_indices=True`` it returns ``(y, indices)``, each index the flat ``d * H * W + h * W + w``. The
    arguments are kept as given, as PyTorch keeps them."""
    _pool = staticmethod(max_pool3d)

    def _check_sizes(self, kernel_size, stride, padding, dilation) -> None:
        for value, name in ((kernel_size, "kernel_size"), (stride, "stride"), (padding, "padding"),
                            (dilation, "dilation")):
            triple(value, name, "MaxPool3d")

    def _check_input(self, x: Tensor) -> None:
        _expect(self, x)


class AvgPool3d(Module):
    """Mean over ``kd x kh x kw`` boxes; padded zeros count unless ``count_include_pad=False``, and
    ``divisor_override`` divides every box's sum by that number instead. The arguments are kept as given, as
    PyTorch keeps them."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override: int | None = None) -> None:
        super().__init__()
        stride = kernel_size if stride is None else stride
        for value, name in ((kernel_size, "kernel_size"), (stride, "stride"), (padding, "padding")):
            triple(value, name, "AvgPool3d")
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.ceil_mode, self.count_include_pad, self.divisor_override = ceil_mode, count_include_pad, divisor_override

    def forward(self, x: Tensor) -> Tensor:
        _expect(self, x)
        return avg_pool3d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad,
                          self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool3d(Module):
    """Average pooling to a fixed output size, whatever the input's (``None`` in a 3-tuple keeps that input
    size)."""

    def __init__(self, output_size) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        _expect(self, x)
        return adaptive_avg_pool3d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool3d(Module):
    """Max pooling to a fixed output size, whatever the input's (``None`` in a 3-tuple keeps that input size).
    With ``return_indices=True`` it returns ``(y, indices)``, each index the flat ``d * H * W + h * W + w``."""

    def __init__(self, output_size, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size, self.return_indices = output_size, return_indices

    def forward(self, x: Tensor):
        _expect(self, x)
        return adaptive_max_pool3d(x, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
