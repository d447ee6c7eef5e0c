"""1-D layers: Conv1d, ConvTranspose1d, MaxPool1d, AvgPool1d, AdaptiveAvgPool1d, AdaptiveMaxPool1d.

Each runs on ``(N, C, L)`` signals, or one unbatched ``(C, L)`` signal, through the 1-D ops of
:mod:`minigan.ops.conv1d` and :mod:`minigan.ops.pool1d`, which see a signal as an image one pixel high and
call the 2-D ops. The convolutions go the same way at construction: :class:`~minigan.nn.layers._ConvNd`
checks the arguments and draws PyTorch's default initialisation for the ``1 x k`` kernel of that image,
``(C_out, C_in/groups, 1, k)``, and the height is then dropped. The fan-in, ``C_in/groups * 1 * k``, is the
same with or without it, so the weight has torch's shape ``(C_out, C_in/groups, k)`` and torch's
distribution ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``.

Names, argument orders, defaults, stored attributes (1-tuples for the convolutions and AvgPool1d, the
arguments as given for MaxPool1d and the adaptive pools) and reprs are PyTorch's, so a PyTorch state dict
(saved as arrays) loads with its names unchanged. The 1-D padding layers are in :mod:`minigan.nn.padding`.
"""
from __future__ import annotations

from ..autograd import Tensor
from ..kernels import shapes
from ..ops import (adaptive_avg_pool1d, adaptive_max_pool1d, avg_pool1d, conv1d, conv_transpose1d, max_pool1d,
                   pad)
from ..ops.conv1d import single
from .layers import _check_transposed_padding, _ConvNd
from .module import Module, Parameter
from .pooling import _MaxPoolNd

__all__ = ["Conv1d", "ConvTranspose1d", "MaxPool1d", "AvgPool1d", "AdaptiveAvgPool1d", "AdaptiveMaxPool1d"]


def _expect(layer: Module, x: Tensor, channels: int | None = None) -> None:
    """The error every 1-D layer gives for a wrong input: names the layer, what it expected, what came."""
    c = "C_in" if channels is not None else "C"
    if x.ndim not in (2, 3):
        raise ValueError(f"{layer!r}: expected a 2-D ({c}, L) or 3-D (N, {c}, L) input, got shape {x.shape}")
    if channels is not None and x.shape[-2] != channels:
        raise ValueError(f"{layer!r}: expected input with {channels} channels, (N, C_in, L) or (C_in, L), "
                         f"got {x.shape[-2]} (input shape {x.shape})")


class _Conv1dBase(_ConvNd):
    """What Conv1d and ConvTranspose1d share: their arguments as 1-tuples and a ``(..., k)`` weight (the repr is
    _ConvNd's, PyTorch's)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                 weight_shape, padding_mode: str = "zeros") -> None:
        name = type(self).__name__
        k, s, d = (single(v, n, name) for v, n in ((kernel_size, "kernel_size"), (stride, "stride"),
                                                   (dilation, "dilation")))
        if isinstance(padding, str):  # "same" or "valid", kept as given, as PyTorch keeps it
            if padding == "same" and s != 1:
                raise ValueError(f"{name}: padding='same' is not supported for strided convolutions (stride {s})")
            padding2d = padding
        else:
            padding = (single(padding, "padding", name),)
            padding2d = (0, padding[0])
        # _ConvNd checks groups, padding_mode and a padding string, and initialises the 1 x k kernel
        super().__init__(in_channels, out_channels, (1, k), (1, s), padding2d, (1, d), groups, bias, weight_shape,
                         padding_mode)
        self.kernel_size, self.stride, self.padding, self.dilation = (k,), (s,), padding, (d,)
        self.output_padding = (0,)
        self.weight = Parameter(self.weight.data.reshape(*weight_shape, k))  # drop the height of 1


class Conv1d(_Conv1dBase):
    """``(N, C_in, L) -> (N, C_out, L_out)`` (or unbatched ``(C_in, L) -> (C_out, L_out)``),
    ``L_out = floor((L + 2p - d(k-1) - 1)/s) + 1``. Weight ``(out_channels, in_channels/groups, k)``.

    ``padding`` is an int, a 1-tuple, ``"valid"`` or ``"same"``. ``padding_mode`` says what the padding holds:
    ``"zeros"`` (the default), or ``"reflect"``, ``"replicate"``, ``"circular"``, for which the input is first
    padded by :func:`minigan.ops.pad` in that mode and then convolved with no padding, as PyTorch does."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros") -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         (out_channels, in_channels // groups), padding_mode)

    def _mode_padding(self) -> tuple[int, int]:
        """``self.padding`` as pad's ``(left, right)``; an odd "same" total puts the extra one at the right."""
        if not isinstance(self.padding, str):
            return self.padding[0], self.padding[0]
        (_, p), (_, extra) = shapes.conv2d_padding(self.padding, (1, self.kernel_size[0]), (1, self.stride[0]),
                                                   (1, self.dilation[0]), "Conv1d")
        return p, p + extra

    def forward(self, x: Tensor) -> Tensor:
        _expect(self, x, self.in_channels)
        padding = self.padding
        if self.padding_mode != "zeros":
            x, padding = pad(x, self._mode_padding(), self.padding_mode), 0
        return conv1d(x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups, self.impl)


class ConvTranspose1d(_Conv1dBase):
    """``(N, C_in, L) -> (N, C_out, L_out)`` (or unbatched ``(C_in, L) -> (C_out, L_out)``),
    ``L_out = (L-1)s - 2p + d(k-1) + output_padding + 1``. Weight ``(in_channels, out_channels/groups, k)`` —
    the layout of the conv1d it transposes. ``layer(x, output_size)`` picks ``output_padding`` from the size
    wanted, as PyTorch's."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, output_padding=0,
                 groups: int = 1, bias: bool = True, dilation=1, padding_mode: str = "zeros") -> None:
        _check_transposed_padding("ConvTranspose1d", padding, padding_mode, "an int or a 1-tuple")
        o = single(output_padding, "output_padding", "ConvTranspose1d")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         (in_channels, out_channels // groups))
        self.output_padding = (o,)
        if not (o < self.stride[0] or o < self.dilation[0]):
            raise ValueError(f"ConvTranspose1d: output_padding {self.output_padding} must be smaller than "
                             f"either stride {self.stride} or dilation {self.dilation}")

    def _output_padding_for(self, x: Tensor, output_size) -> int:
        """The ``output_padding`` that makes the output ``output_size`` long: ``(L_out,)``, or the whole output
        shape. The sizes reachable run from the ``output_padding = 0`` size up to ``s - 1`` more."""
        sizes = tuple(int(n) for n in output_size)
        if len(sizes) == x.ndim:
            sizes = sizes[-1:]
        if len(sizes) != 1:
            raise ValueError(f"ConvTranspose1d: for a {x.ndim}-D input, output_size must have 1 or {x.ndim} "
                             f"elements, got {tuple(output_size)}")
        (k,), (s,), (p,), (d,) = self.kernel_size, self.stride, self.padding, self.dilation
        smallest = shapes.conv_transpose2d_output_size(1, x.shape[-1], (1, k), (1, s), (0, p), (0, 0), (1, d))[1]
        if not smallest <= sizes[0] <= smallest + s - 1:
            raise ValueError(f"ConvTranspose1d: requested an output size of {sizes[0]}, but valid sizes range from "
                             f"{smallest} to {smallest + s - 1} (for an input of length {x.shape[-1]})")
        return sizes[0] - smallest

    def forward(self, x: Tensor, output_size=None) -> Tensor:
        _expect(self, x, self.in_channels)
        o = self.output_padding if output_size is None else self._output_padding_for(x, output_size)
        return conv_transpose1d(x, self.weight, self.bias, self.stride, self.padding, o, self.groups,
                                self.dilation, self.impl)


class MaxPool1d(_MaxPoolNd):
    """Max over windows of ``kernel_size``; ``stride=None`` means ``kernel_size`` (PyTorch's default). With
    ``return_indices=True`` it returns ``(y, indices)``, each index a position along ``L``. The arguments are
    kept as given, as PyTorch keeps them."""
    _pool = staticmethod(max_pool1d)

    def _check_sizes(self, kernel_size, stride, padding, dilation) -> None:
        for value, name in ((kernel_size, "kernel_size"), (stride, "stride"), (padding, "padding"),
                            (dilation, "dilation")):
            single(value, name, "MaxPool1d")

    def _check_input(self, x: Tensor) -> None:
        _expect(self, x)


class AvgPool1d(Module):
    """Mean over windows of ``kernel_size``; padded zeros count unless ``count_include_pad=False``. The
    arguments are kept as 1-tuples, as PyTorch keeps them."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True) -> None:
        super().__init__()
        k = single(kernel_size, "kernel_size", "AvgPool1d")
        self.kernel_size = (k,)
        self.stride = (k if stride is None else single(stride, "stride", "AvgPool1d"),)
        self.padding = (single(padding, "padding", "AvgPool1d"),)
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, x: Tensor) -> Tensor:
        _expect(self, x)
        return avg_pool1d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool1d(Module):
    """Average pooling to a fixed output length, whatever the input's."""

    def __init__(self, output_size) -> None:
        super().__init__()
        single(output_size, "output_size", "AdaptiveAvgPool1d")
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        _expect(self, x)
        return adaptive_avg_pool1d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(Module):
    """Max pooling to a fixed output length, whatever the input's. With ``return_indices=True`` it returns
    ``(y, indices)``, each index a position along ``L``."""

    def __init__(self, output_size, return_indices: bool = False) -> None:
        super().__init__()
        single(output_size, "output_size", "AdaptiveMaxPool1d")
        self.output_size, self.return_indices = output_size, return_indices

    def forward(self, x: Tensor):
        _expect(self, x)
        return adaptive_max_pool1d(x, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
