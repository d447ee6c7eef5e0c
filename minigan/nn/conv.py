"""Convolution layers: Conv1d, Conv2d, Conv3d and ConvTranspose1d, ConvTranspose2d, ConvTranspose3d.

The six differ only in how many spatial dims they slide over (a signal's length; an image's height and width;
a volume's depth, height and width) and in the op they call (:mod:`minigan.ops.conv1d`, :mod:`~minigan.ops.conv`,
:mod:`~minigan.ops.conv3d`), so everything else is written once, in :class:`_ConvNd` and
:class:`_ConvTransposeNd`, for ``_dims`` spatial dims:

- the arguments, as PyTorch keeps them: ``kernel_size``, ``stride``, ``padding``, ``dilation`` and
  ``output_padding`` as tuples of ``_dims`` ints (``padding`` may be ``"same"`` or ``"valid"`` for a Conv, kept
  as given), checked by :mod:`minigan.kernels.shapes`, the one home of the size rules;
- the weight, ``(out_channels, in_channels/groups, *kernel_size)`` for a Conv and ``(in_channels,
  out_channels/groups, *kernel_size)`` for a ConvTranspose (the layout of the convolution it transposes),
  and the bias ``(out_channels,)``, both drawn from PyTorch's default ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``
  with the fan-in read from the weight's shape (``weight.shape[1] * prod(kernel_size)``, as in PyTorch);
- the repr, PyTorch's: the settings that differ from their defaults, in its order;
- the input check: ``(N, C_in, *sizes)`` or one unbatched ``(C_in, *sizes)``, as PyTorch accepts; the error
  names the layer, what it expected and what came;
- ``padding_mode`` (Conv only): ``"reflect"``, ``"replicate"`` or ``"circular"`` pad the input with
  :func:`minigan.ops.pad` in that mode, then convolve with no padding, as PyTorch does;
- ``layer(x, output_size)`` (ConvTranspose only) picks ``output_padding`` from the size wanted.

Names, argument orders and defaults are PyTorch's, so a PyTorch state dict (saved as arrays) loads with its
names unchanged.
"""
from __future__ import annotations

from ..autograd import Tensor
from ..kernels import shapes
from ..ops import conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d, pad, squeeze, unsqueeze
from . import init
from .factory import factory
from .module import Module

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"]

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
_SPATIAL = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}


def expect_input(layer: Module, x: Tensor, dims: int, channels: int | None = None) -> None:
    """The error every layer over ``dims`` spatial dims gives for a wrong input: a batch ``(N, C, *sizes)`` or one
    unbatched ``(C, *sizes)`` is expected (with ``channels`` channels where given); the message names the layer,
    what it expected and what came."""
    c = "C_in" if channels is not None else "C"
    one, batch = ", ".join((c,) + _SPATIAL[dims]), ", ".join(("N", c) + _SPATIAL[dims])
    if x.ndim not in (dims + 1, dims + 2):
        raise ValueError(f"{layer!r}: expected a {dims + 1}-D ({one}) or {dims + 2}-D ({batch}) input, "
                         f"got shape {x.shape}")
    if channels is not None and x.shape[-dims - 1] != channels:
        raise ValueError(f"{layer!r}: expected input with {channels} channels, ({batch}) or ({one}), "
                         f"got {x.shape[-dims - 1]} (input shape {x.shape})")


class _ConvNd(Module):
    """What every convolution layer shares (see the module's docstring). A subclass sets ``_dims`` and
    ``_conv``, the op."""
    _dims: int = 2

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride, padding, dilation, groups: int,
                 bias: bool, weight_shape, padding_mode: str = "zeros", device=None, dtype=None) -> None:
        super().__init__()
        name, n = type(self).__name__, self._dims
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"{name}: groups={groups} must divide in_channels={in_channels} and "
                             f"out_channels={out_channels}")
        if padding_mode not in PADDING_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {', '.join(map(repr, PADDING_MODES))}, "
                             f"got {padding_mode!r}")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.padding_mode = padding_mode
        self.kernel_size, self.stride, self.dilation = (
            shapes.ntuple(v, n, what, name) for v, what in ((kernel_size, "kernel_size"), (stride, "stride"),
                                                            (dilation, "dilation")))
        if isinstance(padding, str):        # "same" or "valid" (a Conv's), kept as given, as PyTorch keeps it
            shapes.conv_padding(padding, self.kernel_size, self.stride, self.dilation, name)
            self.padding = padding
        else:
            self.padding = shapes.ntuple(padding, n, "padding", name)
        self.output_padding = (0,) * n
        make = factory(self, device, dtype)
        self.weight = make.parameter((*weight_shape, *self.kernel_size))
        self.register_parameter("bias", make.parameter(out_channels) if bias else None)
        self.impl: str | None = None  # kernel implementation; None: minigan.kernels' default
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw the weight and bias again from PyTorch's default, U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
        init.default_layer_init_(self.weight, self.bias)

    def _batch_of(self, x: Tensor) -> tuple[Tensor, bool]:
        """``x`` checked, as a batch (an unbatched input becomes a batch of one); and whether it had one."""
        expect_input(self, x, self._dims, self.in_channels)
        batched = x.ndim == self._dims + 2
        return (x if batched else unsqueeze(x, 0)), batched

    def extra_repr(self) -> str:
        """PyTorch's: the settings that differ from their defaults, in its order."""
        zeros, ones = (0,) * self._dims, (1,) * self._dims
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != zeros:               # a string ("same", "valid") is shown too, as PyTorch shows it
            s += f", padding={self.padding}"
        if self.dilation != ones:
            s += f", dilation={self.dilation}"
        if self.output_padding != zeros:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class _Conv(_ConvNd):
    """A convolution: ``(N, C_in, *sizes) -> (N, C_out, *sizes_out)``, each size
    ``floor((n + 2p - d(k-1) - 1)/s) + 1``; weight ``(out_channels, in_channels/groups, *kernel_size)``."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", device=None, dtype=None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         (out_channels, in_channels // groups), padding_mode, device, dtype)

    def _mode_padding(self) -> tuple[int, ...]:
        """``self.padding`` as pad's ``(left, right, top, bottom, ...)``; an odd "same" total puts the extra one at
        the end (right, bottom, back)."""
        both, extra = shapes.conv_padding(self.padding, self.kernel_size, self.stride, self.dilation,
                                          type(self).__name__)
        return shapes.mode_padding(both, extra)

    def forward(self, x: Tensor) -> Tensor:
        x, batched = self._batch_of(x)
        padding = self.padding
        if self.padding_mode != "zeros":
            x, padding = pad(x, self._mode_padding(), self.padding_mode), 0
        y = self._conv(x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups, self.impl)
        return y if batched else squeeze(y, 0)


class _ConvTransposeNd(_ConvNd):
    """A transposed convolution, the adjoint of the convolution with the same weight: ``(N, C_in, *sizes) ->
    (N, C_out, *sizes_out)``, each size ``(n-1)s - 2p + d(k-1) + output_padding + 1``; weight ``(in_channels,
    out_channels/groups, *kernel_size)``. ``layer(x, output_size)`` picks ``output_padding`` from the size wanted
    (the output's sizes, or its whole shape), as PyTorch's."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, output_padding=0,
                 groups: int = 1, bias: bool = True, dilation=1, padding_mode: str = "zeros", device=None,
                 dtype=None) -> None:
        name, forms = type(self).__name__, "an int or a pair" if self._dims == 2 else f"an int or a {self._dims}-tuple"
        if isinstance(padding, str):       # "same" and "valid" are a Conv's, as in PyTorch
            raise ValueError(f"{name}: padding={padding!r} is for {name.replace('Transpose', '')} only; give {forms}")
        if padding_mode != "zeros":
            raise ValueError(f"{name}: only padding_mode 'zeros' is supported (as in PyTorch), got {padding_mode!r}")
        output_padding = shapes.ntuple(output_padding, self._dims, "output_padding", name)
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         (in_channels, out_channels // groups), device=device, dtype=dtype)
        self.output_padding = output_padding
        if any(not (o < s or o < d) for o, s, d in zip(output_padding, self.stride, self.dilation)):
            raise ValueError(f"{name}: output_padding {output_padding} must be smaller than either stride "
                             f"{self.stride} or dilation {self.dilation}")

    def forward(self, x: Tensor, output_size=None) -> Tensor:
        ndim = x.ndim
        x, batched = self._batch_of(x)
        o = self.output_padding
        if output_size is not None:
            o = shapes.conv_transpose_output_padding_for_size(
                x.shape[2:], ndim, output_size, self.kernel_size, self.stride, self.padding, self.dilation,
                type(self).__name__)
        y = self._conv(x, self.weight, self.bias, self.stride, self.padding, o, self.groups, self.dilation,
                       self.impl)
        return y if batched else squeeze(y, 0)


class Conv1d(_Conv):
    """``(N, C_in, L) -> (N, C_out, L_out)`` (or unbatched ``(C_in, L) -> (C_out, L_out)``),
    ``L_out = floor((L + 2p - d(k-1) - 1)/s) + 1``. Weight ``(out_channels, in_channels/groups, k)``.
    ``padding`` is an int, a 1-tuple, ``"valid"`` or ``"same"``."""
    _dims, _conv = 1, staticmethod(conv1d)


class Conv2d(_Conv):
    """``(N, C_in, H, W) -> (N, C_out, H_out, W_out)`` (or unbatched, without ``N``),
    ``H_out = floor((H + 2p - d(k-1) - 1)/s) + 1`` and likewise along the width. Weight
    ``(out_channels, in_channels/groups, kh, kw)``. ``padding`` is an int, a pair, ``"valid"`` or ``"same"``."""
    _dims, _conv = 2, staticmethod(conv2d)


class Conv3d(_Conv):
    """``(N, C_in, D, H, W) -> (N, C_out, D_out, H_out, W_out)`` (or unbatched, without ``N``),
    ``D_out = floor((D + 2p - d(k-1) - 1)/s) + 1`` and likewise along height and width. Weight
    ``(out_channels, in_channels/groups, kd, kh, kw)``. ``padding`` is an int, a 3-tuple, ``"valid"`` or
    ``"same"``."""
    _dims, _conv = 3, staticmethod(conv3d)


class ConvTranspose1d(_ConvTransposeNd):
    """``(N, C_in, L) -> (N, C_out, L_out)`` (or unbatched), ``L_out = (L-1)s - 2p + d(k-1) + output_padding + 1``.
    Weight ``(in_channels, out_channels/groups, k)``."""
    _dims, _conv = 1, staticmethod(conv_transpose1d)


class ConvTranspose2d(_ConvTransposeNd):
    """``(N, C_in, H, W) -> (N, C_out, H_out, W_out)`` (or unbatched),
    ``H_out = (H-1)s - 2p + d(k-1) + output_padding + 1`` and likewise along the width. Weight
    ``(in_channels, out_channels/groups, kh, kw)`` — the layout of the conv2d it transposes."""
    _dims, _conv = 2, staticmethod(conv_transpose2d)


class ConvTranspose3d(_ConvTransposeNd):
    """``(N, C_in, D, H, W) -> (N, C_out, D_out, H_out, W_out)`` (or unbatched),
    ``D_out = (D-1)s - 2p + d(k-1) + output_padding + 1`` and likewise along height and width. Weight
    ``(in_channels, out_channels/groups, kd, kh, kw)``."""
    _dims, _conv = 3, staticmethod(conv_transpose3d)
