"""Pooling.

- max_pool2d routes each output's gradient to the one input that won (ties: the first maximum in
  row-major window order, as PyTorch); its backward is a scatter by ``argmax``, and the scatter's
  backward is the matching gather, so second derivatives work too.
- avg_pool2d is linear; its backward is its transpose (spread each gradient evenly over the window),
  and the transpose's backward is avg_pool2d again.
"""
from __future__ import annotations

from .. import backend, kernels
from ..autograd import Function, Tensor
from ..kernels import shapes


def _impl(impl, x):
    """The kernel module: ``impl`` if named, else the default for ``x``'s array module (NumPy or CuPy)."""
    return kernels.get(impl, backend.xp_of(x))


class MaxPool2d(Function):
    @staticmethod
    def forward(ctx, x, kernel, stride, padding, dilation, impl):
        y, argmax = _impl(impl, x).max_pool2d(x, kernel, stride, padding, dilation)
        ctx.argmax, ctx.x_shape = argmax, x.shape
        ctx.args = kernel, stride, padding, dilation, impl
        return y

    @staticmethod
    def backward(ctx, gy):
        return MaxPoolScatter.apply(gy, ctx.argmax, ctx.x_shape, ctx.args)


class MaxPoolScatter(Function):
    """gy (N, C, H_out, W_out) -> gx (N, C, H, W): add each gradient at its window's argmax."""

    @staticmethod
    def forward(ctx, gy, argmax, x_shape, args):
        kernel, stride, padding, dilation, impl = args
        ctx.argmax = argmax
        return _impl(impl, gy).max_pool2d_backward(gy, argmax, x_shape, kernel, stride, padding, dilation)

    @staticmethod
    def backward(ctx, ggx):
        return MaxPoolGather.apply(ggx, ctx.argmax)


class MaxPoolGather(Function):
    """gx (N, C, H, W) -> (N, C, H_out, W_out): read each window's argmax (the scatter's transpose)."""

    @staticmethod
    def forward(ctx, gx, argmax):
        ctx.argmax, ctx.x_shape = argmax, gx.shape
        n, c = gx.shape[:2]
        flat = gx.reshape(n, c, -1)
        xp = backend.xp_of(gx)
        return xp.take_along_axis(flat, argmax.reshape(n, c, -1), axis=2).reshape(argmax.shape)

    @staticmethod
    def backward(ctx, gg):
        xp = backend.xp_of(gg.data)
        n, c, h, w = ctx.x_shape
        out = xp.zeros((n, c, h * w), dtype=gg.dtype)
        idx = ctx.argmax.reshape(n, c, -1)
        backend.scatter_add(out, (xp.arange(n)[:, None, None], xp.arange(c)[None, :, None], idx),
                            gg.data.reshape(n, c, -1))
        return Tensor(out.reshape(ctx.x_shape))


class AvgPool2d(Function):
    @staticmethod
    def forward(ctx, x, kernel, stride, padding, count_include_pad, impl):
        ctx.x_shape = x.shape
        ctx.args = kernel, stride, padding, count_include_pad, impl
        return _impl(impl, x).avg_pool2d(x, kernel, stride, padding, count_include_pad)

    @staticmethod
    def backward(ctx, gy):
        return AvgPool2dTranspose.apply(gy, ctx.x_shape, ctx.args)


class AvgPool2dTranspose(Function):
    """The transpose of avg_pool2d: each output gradient spread evenly over its window."""

    @staticmethod
    def forward(ctx, gy, x_shape, args):
        kernel, stride, padding, count_include_pad, impl = args
        ctx.args = args
        return _impl(impl, gy).avg_pool2d_backward(gy, x_shape, kernel, stride, padding, count_include_pad)

    @staticmethod
    def backward(ctx, ggx):
        kernel, stride, padding, count_include_pad, impl = ctx.args
        return AvgPool2d.apply(ggx, kernel, stride, padding, count_include_pad, impl)


def max_pool2d(x: Tensor, kernel_size, stride=None, padding=0, dilation=1, impl: str | None = None) -> Tensor:
    """Max over each window: ``(N, C, H, W) -> (N, C, H_out, W_out)``; ``stride=None`` means the kernel size.
    Padding counts as -inf. Ties go to the first maximum in row-major window order."""
    kernel, stride, padding, dilation = shapes.pool2d_args(kernel_size, stride, padding, dilation)
    return MaxPool2d.apply(x, kernel, stride, padding, dilation, impl)


def avg_pool2d(x: Tensor, kernel_size, stride=None, padding=0, count_include_pad: bool = True,
               impl: str | None = None) -> Tensor:
    """Mean over each window; with ``count_include_pad=True`` (PyTorch's default) padded zeros count."""
    kernel, stride, padding, _ = shapes.pool2d_args(kernel_size, stride, padding)
    return AvgPool2d.apply(x, kernel, stride, padding, bool(count_include_pad), impl)
