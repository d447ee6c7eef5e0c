"""``unfold`` and ``fold``: im2col and col2im, the heart of how minigan convolves, as differentiable ops
with PyTorch's names, argument orders and layouts.

**unfold copies every window into a column.** A kernel of ``kh x kw`` taps slides over the (padded) image;
each of its ``L = H_out * W_out`` positions becomes one column of ``C*kh*kw`` values::

    x (N, C, H, W) -> cols (N, C*kh*kw, L)
    cols[n, (c, i, j), (oh, ow)] = x[n, c, oh*s - p + i*d, ow*s - p + j*d]       (0 in the padding)
    H_out = floor((H + 2p - d(kh - 1) - 1) / s) + 1                              (conv2d's formula)

The rows run over ``(c, i, j)``, the order of a conv2d weight's ``(C_in, kh, kw)``. So a convolution is
unfold followed by one matrix product (lesson 03 builds it step by step)::

    cols = F.unfold(x, (kh, kw), dilation, padding, stride)          # (N, C_in*kh*kw, L)
    y = w.view(C_out, -1) @ cols                                       # (C_out, C_in*kh*kw) @ (N, C_in*kh*kw, L)
    y.view(N, C_out, H_out, W_out)  ==  F.conv2d(x, w, None, stride, padding, dilation)

**fold is unfold's transpose.** unfold is linear in ``x``: a matrix ``U`` of zeros and ones with one 1 in each
row that copies a pixel (a row of zeros where a tap falls in the padding). fold applies ``Uᵀ``: it adds
every column back onto its window in a zero image of ``output_size``, summing where windows overlap::

    cols (N, C*kh*kw, L) -> x (N, C, H, W)
    x[n, c, oh*s - p + i*d, ow*s - p + j*d] += cols[n, (c, i, j), (oh, ow)]       (padding entries dropped)

That is the dot-product identity ``<unfold(x), c> = <x, fold(c)>`` for every ``x`` and ``c``, which
``mg.check_adjoint(unfold, fold, ...)`` tests. Two consequences:

- each is the other's backward: unfold's input gradient is ``fold(g)``, fold's is ``unfold(g)``; both are
  written with the other op, so second derivatives work too;
- ``fold(unfold(x))`` is not ``x`` but ``x`` times the number of windows that hold each pixel
  (``fold(unfold(ones))`` shows the counts); with ``stride == kernel_size`` and no padding each pixel sits
  in one window and fold undoes unfold exactly.

conv2d's input gradient is ``fold(w.view(C_out, -1).T @ gy)``, which is why the transposed convolution is
also a col2im (lesson 04). The copies themselves are the kernels' :func:`~minigan.kernels.im2col.im2col`
and :func:`~minigan.kernels.im2col.col2im` (``impl=`` picks another implementation of the same contract).
"""
from __future__ import annotations

from .. import backend, kernels
from ..autograd import Function, Tensor
from ..kernels import shapes
from .shape import reshape

__all__ = ["unfold", "fold"]


def _impl(impl, a):
    """The kernel module: ``impl`` if named, else the default for ``a``'s array module (NumPy or CuPy)."""
    return kernels.get(impl, backend.xp_of(a))


class Unfold(Function):
    """``x (N, C, H, W) -> cols (N, C*kh*kw, L)``; backward: :class:`Fold`."""

    @staticmethod
    def forward(ctx, x, kernel, dilation, padding, stride, impl):
        ctx.hw, ctx.args = x.shape[2:], (kernel, dilation, padding, stride, impl)
        return _impl(impl, x).im2col(x, kernel, stride, padding, dilation)

    @staticmethod
    def backward(ctx, gcols):
        return Fold.apply(gcols, ctx.hw, *ctx.args)


class Fold(Function):
    """``cols (N, C*kh*kw, L) -> x (N, C, H, W)`` with ``(H, W) = output_size``; backward: :class:`Unfold`."""

    @staticmethod
    def forward(ctx, cols, output_size, kernel, dilation, padding, stride, impl):
        ctx.args = kernel, dilation, padding, stride, impl
        n, rows, _ = cols.shape
        x_shape = (n, rows // (kernel[0] * kernel[1])) + tuple(output_size)
        return _impl(impl, cols).col2im(cols, x_shape, kernel, stride, padding, dilation)

    @staticmethod
    def backward(ctx, gx):
        return Unfold.apply(gx, *ctx.args)


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1,  # noqa: A002
           impl: str | None = None) -> Tensor:
    """Every sliding window as a column: ``(N, C, H, W) -> (N, C*kh*kw, L)``, ``L = H_out * W_out``, as
    ``torch.nn.functional.unfold`` (an unbatched ``(C, H, W)`` gives ``(C*kh*kw, L)``). Padding adds zeros on
    both sides. See the module's docstring for the layout and why a convolution is this plus a matmul."""
    kernel, dilation, padding, stride = _args("unfold", kernel_size, dilation, padding, stride)
    if input.ndim not in (3, 4):
        raise ValueError(f"unfold: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape {input.shape}")
    x = input if input.ndim == 4 else reshape(input, (1,) + input.shape)
    h, w = x.shape[2:]
    out_hw = shapes.conv2d_output_size(h, w, kernel, stride, padding, dilation)
    if min(out_hw) < 1:
        raise ValueError(f"unfold: the input's spatial size ({h}, {w}) with kernel_size={kernel}, dilation="
                         f"{dilation}, padding={padding} leaves {out_hw[0]} x {out_hw[1]} windows; "
                         f"expected at least one in each dim")
    cols = Unfold.apply(x, kernel, dilation, padding, stride, impl)
    return cols if input.ndim == 4 else reshape(cols, cols.shape[1:])


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1,  # noqa: A002
         impl: str | None = None) -> Tensor:
    """Add every column back onto its window: ``(N, C*kh*kw, L) -> (N, C, H, W)`` with ``(H, W) = output_size``,
    summing where windows overlap, as ``torch.nn.functional.fold`` (an unbatched ``(C*kh*kw, L)`` gives
    ``(C, H, W)``). It is the transpose of :func:`unfold` with the same arguments, so ``L`` must be the
    number of windows unfold makes of an ``output_size`` image."""
    out_hw = shapes.pair(output_size, "fold: output_size")
    kernel, dilation, padding, stride = _args("fold", kernel_size, dilation, padding, stride)
    if input.ndim not in (2, 3):
        raise ValueError(f"fold: expected a 2-D (C*kh*kw, L) or 3-D (N, C*kh*kw, L) input, got shape {input.shape}")
    cols = input if input.ndim == 3 else reshape(input, (1,) + input.shape)
    rows, length = cols.shape[1:]
    taps = kernel[0] * kernel[1]
    if rows % taps:
        raise ValueError(f"fold: expected the input's dim {input.ndim - 2} (C*kh*kw) to be divisible by the "
                         f"kernel's {kernel[0]} x {kernel[1]} = {taps} taps, got {rows} (input shape {input.shape})")
    blocks = shapes.conv2d_output_size(out_hw[0], out_hw[1], kernel, stride, padding, dilation)
    if length != blocks[0] * blocks[1] or min(blocks) < 1:
        raise ValueError(f"fold: output_size={out_hw} with kernel_size={kernel}, dilation={dilation}, "
                         f"padding={padding}, stride={stride} has {blocks[0]} x {blocks[1]} = "
                         f"{blocks[0] * blocks[1]} windows, so expected the input's last dim (L) to be that, "
                         f"got {length} (input shape {input.shape})")
    x = Fold.apply(cols, out_hw, kernel, dilation, padding, stride, impl)
    return x if input.ndim == 3 else reshape(x, x.shape[1:])


def _args(op: str, kernel_size, dilation, padding, stride):
    """The four window arguments as pairs, each checked: kernel, stride and dilation positive, padding not negative."""
    kernel, dilation = shapes.pair(kernel_size, f"{op}: kernel_size"), shapes.pair(dilation, f"{op}: dilation")
    padding, stride = shapes.pair(padding, f"{op}: padding"), shapes.pair(stride, f"{op}: stride")
    for name, value, least in (("kernel_size", kernel, 1), ("dilation", dilation, 1), ("padding", padding, 0),
                               ("stride", stride, 1)):
        if min(value) < least:
            raise ValueError(f"{op}: expected {name} {'positive' if least else 'non-negative'}, got {value}")
    return kernel, dilation, padding, stride
