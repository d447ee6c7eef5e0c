"""Convolution and transposed convolution ("deconvolution"), each the other's backward.

For ``y = conv2d(x, w)`` the map ``x -> y`` is linear; call its matrix C. Then

- conv2d's input gradient is ``Cᵀ gy``, and ``Cᵀ`` IS ``conv_transpose2d`` with the same weight;
- conv_transpose2d's input gradient is ``C gy``, i.e. ``conv2d``;
- both weight gradients are the same correlation of an input with an output gradient
  (:class:`Conv2dWeight`), whose own gradients are again a conv2d and a conv_transpose2d.

So the backward of every op here is written with the ops here, and second derivatives (a gradient
penalty, ``gradgradcheck``) come for free. Lesson 04 builds C explicitly and checks all of this.
Two shortcuts, where the backward is not itself recorded, both taken by the ``fast`` kernels and both giving
the same values:

- where the kernel has ``conv_transpose2d_backward``, conv_transpose2d's two gradients come from that one
  call, which unfolds ``gy`` once for both instead of once in each op;
- where the kernel has ``conv2d_keeping_columns``, conv2d's forward keeps the columns of ``x`` it made (for
  small layers with few input channels, such as a discriminator's first) and its weight gradient takes them
  again instead of unfolding ``x`` a second time.

Shapes (PyTorch's layouts):

- conv2d:           x (N, C_in, H, W), w (C_out, C_in/groups, kh, kw) -> (N, C_out, H_out, W_out),
  ``H_out = floor((H + 2p - d(kh - 1) - 1) / s) + 1``
- conv_transpose2d: x (N, C_in, H, W), w (C_in, C_out/groups, kh, kw) -> (N, C_out, H_out, W_out),
  ``H_out = (H - 1)s - 2p + d(kh - 1) + output_padding + 1``

The arithmetic itself is done by a kernel from :mod:`minigan.kernels` (``impl="naive" | "im2col" | "fast" |
"cuda"``), which also validates the shapes through :mod:`minigan.kernels.shapes`, the one home of those
rules; this file only decides which linear map to apply.
"""
from __future__ import annotations

from .. import backend, kernels
from ..autograd import Function, Tensor, as_tensor, is_grad_enabled
from ..kernels import shapes
from ._util import channel_sum, image_batch, on_one_image
from .reduction import sum as _sum
from .pad import pad
from .shape import getitem


def _impl(impl: str | None, x):
    """The kernel module: ``impl`` if named, else the default for ``x``'s array module (NumPy or CuPy)."""
    return kernels.get(impl, backend.xp_of(x))


class Conv2d(Function):
    @staticmethod
    def forward(ctx, x, w, stride, padding, dilation, groups, impl):
        ctx.save_for_backward(x, w)
        ctx.args = stride, padding, dilation, groups, impl
        kernel = _impl(impl, x)
        ctx.columns = None
        if is_grad_enabled() and ctx.needs_input_grad[1] and hasattr(kernel, "conv2d_keeping_columns"):
            # x's columns, where the kernel keeps them, for the weight gradient; freed with the graph
            y, ctx.columns = kernel.conv2d_keeping_columns(x, w, stride, padding, dilation, groups)
            return y
        return kernel.conv2d(x, w, stride, padding, dilation, groups)

    @staticmethod
    def backward(ctx, gy):
        x, w = ctx.saved_tensors
        stride, padding, dilation, groups, impl = ctx.args
        gx = gw = None
        if ctx.needs_input_grad[1] and ctx.columns is not None and not is_grad_enabled():
            # Not recorded: the weight gradient from the columns the forward kept (x is not unfolded again).
            gw = Tensor(_impl(impl, gy.data).conv2d_grad_weight(x.data, gy.data, w.shape, stride, padding, dilation,
                                                                groups, columns=ctx.columns))
        if ctx.needs_input_grad[0]:
            # conv2d's floor may have dropped trailing rows; output_padding gives them back.
            op = shapes.conv2d_grad_input_output_padding(x.shape[2:], gy.shape[2:], w.shape[2:], stride,
                                                         padding, dilation)
            gx = ConvTranspose2d.apply(gy, w, stride, padding, op, dilation, groups, impl)
        if ctx.needs_input_grad[1] and gw is None:
            gw = Conv2dWeight.apply(x, gy, w.shape, stride, padding, dilation, groups, impl)
        return gx, gw


class ConvTranspose2d(Function):
    @staticmethod
    def forward(ctx, x, w, stride, padding, output_padding, dilation, groups, impl):
        ctx.save_for_backward(x, w)
        ctx.args = stride, padding, dilation, groups, impl
        ctx.output_padding = output_padding
        return _impl(impl, x).conv_transpose2d(x, w, stride, padding, output_padding, dilation, groups)

    @staticmethod
    def backward(ctx, gy):
        x, w = ctx.saved_tensors
        stride, padding, dilation, groups, impl = ctx.args
        h_out, w_out = shapes.conv2d_output_size(gy.shape[2], gy.shape[3], w.shape[2:], stride, padding, dilation)
        same_size = (h_out, w_out) == x.shape[2:]
        kernel = _impl(impl, gy.data)
        if all(ctx.needs_input_grad) and same_size and not is_grad_enabled() \
                and hasattr(kernel, "conv_transpose2d_backward"):
            # Not recorded (no double backward to come): both gradients from one kernel call, which shares the work
            # the two ops below would each do (the fast kernels unfold gy once). The same arithmetic as below.
            gx, gw = kernel.conv_transpose2d_backward(gy.data, x.data, w.data, stride, padding, dilation, groups)
            return Tensor(gx), Tensor(gw)
        gx = gw = None
        if ctx.needs_input_grad[0]:
            gx = Conv2d.apply(gy, w, stride, padding, dilation, groups, impl)
            if gx.shape != x.shape:
                # output_padding >= stride (allowed while < dilation) makes the adjoint conv2d produce
                # extra rows past the input's; they belong to no input pixel.
                gx = getitem(gx, (slice(None), slice(None), slice(0, x.shape[2]), slice(0, x.shape[3])))
        if ctx.needs_input_grad[1]:
            # In the conv2d that this op transposes, gy plays the input and x the output gradient
            # (zero-extended in the same rare case as above, so the sizes agree).
            xe = x if same_size else pad(x, (0, w_out - x.shape[3], 0, h_out - x.shape[2]))
            gw = Conv2dWeight.apply(gy, xe, w.shape, stride, padding, dilation, groups, impl)
        return gx, gw


class Conv2dWeight(Function):
    """``gw[o, c, i, j] = sum_{n, h, w} x_pad[n, c, h*s + i*d, w*s + j*d] * gy[n, o, h, w]``: the
    correlation of a conv2d's input with its output gradient, which is its weight gradient.
    It is bilinear in (x, gy): its gradients are a conv_transpose2d (for x) and a conv2d (for gy)."""

    @staticmethod
    def forward(ctx, x, gy, w_shape, stride, padding, dilation, groups, impl):
        ctx.save_for_backward(x, gy)
        ctx.args = stride, padding, dilation, groups, impl
        return _impl(impl, x).conv2d_grad_weight(x, gy, tuple(w_shape), stride, padding, dilation, groups)

    @staticmethod
    def backward(ctx, ggw):
        x, gy = ctx.saved_tensors
        stride, padding, dilation, groups, impl = ctx.args
        gx = ggy = None
        if ctx.needs_input_grad[0]:
            op = shapes.conv2d_grad_input_output_padding(x.shape[2:], gy.shape[2:], ggw.shape[2:], stride,
                                                         padding, dilation)
            gx = ConvTranspose2d.apply(gy, ggw, stride, padding, op, dilation, groups, impl)
        if ctx.needs_input_grad[1]:
            ggy = Conv2d.apply(x, ggw, stride, padding, dilation, groups, impl)
        return gx, ggy


class AddBias(Function):
    """``y + b`` for a bias ``b (C,)``, one value per channel of ``y (N, C, H, W)``: the same as broadcasting
    ``b.reshape(1, C, 1, 1)``, and its gradients are those of a broadcast, ``gy`` for ``y`` and the sum of ``gy``
    over every axis but the channels for ``b``; written as one op so that both use the per-channel operand
    and sum that NumPy is fastest with (see :func:`minigan.backend.sample_operand`)."""

    @staticmethod
    def forward(ctx, y, b):
        if b.dtype != y.dtype:             # NumPy's promotion, as the broadcast add would do it
            return y + b.reshape(1, -1, 1, 1)
        return y + backend.sample_operand(b, y)

    @staticmethod
    def backward(ctx, gy):
        if not ctx.needs_input_grad[1]:
            return gy, None
        if is_grad_enabled():              # the backward is being recorded: minigan ops
            return gy, _sum(gy, axis=(0, 2, 3))
        return gy, Tensor(channel_sum(gy.data))


def _add_bias(y: Tensor, b: Tensor | None, op: str) -> Tensor:
    if b is None:
        return y
    if b.ndim != 1 or b.shape[0] != y.shape[1]:
        raise ValueError(f"{op}: bias must have shape ({y.shape[1]},), got {b.shape}")
    return AddBias.apply(y, b)


def conv2d(x: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1, groups: int = 1,
           impl: str | None = None) -> Tensor:
    """2-D convolution (cross-correlation, as in every framework), with PyTorch's arguments.

    ``(N, C_in, H, W), (C_out, C_in/groups, kh, kw) -> (N, C_out, H_out, W_out)``, or one unbatched image
    ``(C_in, H, W) -> (C_out, H_out, W_out)``. A plain array for ``x`` or ``weight`` is taken as a constant
    tensor. ``padding`` is an int, a pair, ``"valid"`` (none) or ``"same"`` (stride 1: the output keeps the
    input's size); where "same" needs an odd number of rows or columns of padding, the extra one is added to
    the input at the bottom/right first (:func:`minigan.kernels.shapes.conv_padding`), so the kernels only ever
    see symmetric padding."""
    x, weight = as_tensor(x), as_tensor(weight)
    if not image_batch("conv2d", x, "C_in"):
        return on_one_image(conv2d, x, weight, bias, stride, padding, dilation, groups, impl)
    stride, dilation = shapes.pair(stride, "stride"), shapes.pair(dilation, "dilation")
    if isinstance(padding, str) and (x.ndim != 4 or weight.ndim != 4):
        shapes.check_conv2d(x.shape, weight.shape, stride, (0, 0), dilation, int(groups))  # says which is not 4-D
    padding, extra = shapes.conv_padding(padding, tuple(weight.shape[2:4]), stride, dilation)
    if extra != (0, 0):
        x = pad(x, (0, extra[1], 0, extra[0]))  # (left, right, top, bottom)
    y = Conv2d.apply(x, weight, stride, padding, dilation, int(groups), impl)
    return _add_bias(y, bias, "conv2d")


def conv_transpose2d(x: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, output_padding=0,
                     groups: int = 1, dilation=1, impl: str | None = None) -> Tensor:
    """Transposed convolution: the adjoint (transpose) of conv2d with the same weight.

    ``(N, C_in, H, W), (C_in, C_out/groups, kh, kw) -> (N, C_out, H_out, W_out)``, or one unbatched image
    ``(C_in, H, W)``. Each input pixel stamps the kernel, scaled by its value, onto the output at stride ``s``;
    overlaps add up. ``output_padding`` picks among the sizes that one conv2d maps to the same size. A plain
    array for ``x`` or ``weight`` is taken as a constant tensor."""
    x = as_tensor(x)
    if not image_batch("conv_transpose2d", x, "C_in"):
        return on_one_image(conv_transpose2d, x, weight, bias, stride, padding, output_padding, groups, dilation,
                            impl)
    stride, padding, output_padding, dilation = (
        shapes.pair(v, n) for v, n in ((stride, "stride"), (padding, "padding"),
                                       (output_padding, "output_padding"), (dilation, "dilation")))
    y = ConvTranspose2d.apply(as_tensor(x), as_tensor(weight), stride, padding, output_padding, dilation,
                              int(groups), impl)
    return _add_bias(y, bias, "conv_transpose2d")


def conv2d_weight(x: Tensor, grad_output: Tensor, weight_shape, stride=1, padding=0, dilation=1, groups: int = 1,
                  impl: str | None = None) -> Tensor:
    """The weight gradient of conv2d as a function of its own: the correlation of ``x`` with ``grad_output``
    (a plain array for either is taken as a constant tensor)."""
    stride, padding, dilation = (shapes.pair(v, n) for v, n in
                                 ((stride, "stride"), (padding, "padding"), (dilation, "dilation")))
    return Conv2dWeight.apply(as_tensor(x), as_tensor(grad_output), tuple(weight_shape), stride, padding, dilation,
                              int(groups), impl)
