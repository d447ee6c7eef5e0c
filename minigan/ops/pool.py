"""Pooling.

- max_pool2d routes each output's gradient to the one input that won (ties: the first maximum in
  row-major window order, as PyTorch); its backward is a scatter by ``argmax``, and the scatter's
  backward is the matching gather, so second derivatives work too.
- avg_pool2d is linear; its backward is its transpose (spread each gradient evenly over the window),
  and the transpose's backward is avg_pool2d again.
- ``ceil_mode`` adds a last, partial window where floor mode drops rows. The kernels pool with the same
  padding on both sides, so that case is composed of ops: pad the input explicitly (with one more
  window's worth at the bottom/right), pool it with no padding, and, for the average, divide each
  window's sum by PyTorch's count for it (:func:`_avg_divisor`). ``divisor_override`` takes that path too.
"""
from __future__ import annotations

import numpy as np

from .. import backend, kernels
from ..autograd import Function, Tensor
from ..kernels import shapes
from .pad import pad


def _impl(impl, x):
    """The kernel module: ``impl`` if named, else the default for ``x``'s array module (NumPy or CuPy)."""
    return kernels.get(impl, backend.xp_of(x))


class MaxPool2d(Function):
    @staticmethod
    def forward(ctx, x, kernel, stride, padding, dilation, impl):
        y, argmax = _impl(impl, x).max_pool2d(x, kernel, stride, padding, dilation)
        ctx.argmax, ctx.x_shape = argmax, x.shape
        ctx.args = kernel, stride, padding, dilation, impl
        return y, argmax

    @staticmethod
    def backward(ctx, gy, g_argmax):  # g_argmax: the indices are integers, with no gradient
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


def max_pool2d(x: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False, impl: str | None = None):
    """Max over each window: ``(N, C, H, W) -> (N, C, H_out, W_out)``; ``stride=None`` means the kernel size.
    Padding counts as -inf. Ties go to the first maximum in row-major window order. With
    ``return_indices=True`` it returns ``(y, indices)``: where each maximum sits, as the flat index
    ``h * W + w`` into its input plane (an int64 tensor, as PyTorch's)."""
    kernel, stride, padding, dilation = shapes.pool2d_args(kernel_size, stride, padding, dilation)
    extra = _ceil_mode_extra(x, kernel, stride, padding, dilation, ceil_mode, "max_pool2d")
    if extra == (0, 0):
        y, indices = MaxPool2d.apply(x, kernel, stride, padding, dilation, impl)
    else:
        (ph, pw), (eh, ew) = padding, extra
        padded = pad(x, (pw, pw + ew, ph, ph + eh), value=-np.inf)
        y, indices = MaxPool2d.apply(padded, kernel, stride, (0, 0), dilation, impl)
        row, col = divmod(indices.data, padded.shape[3])              # in the padded plane
        indices = Tensor((row - ph) * x.shape[3] + (col - pw))
    return (y, indices) if return_indices else y


def avg_pool2d(x: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None,
               impl: str | None = None) -> Tensor:
    """Mean over each window; with ``count_include_pad=True`` (PyTorch's default) padded zeros count.
    ``divisor_override`` divides every window's sum by that number instead."""
    kernel, stride, padding, _ = shapes.pool2d_args(kernel_size, stride, padding)
    if divisor_override is not None and (not isinstance(divisor_override, (int, np.integer))
                                         or isinstance(divisor_override, bool) or divisor_override == 0):
        raise ValueError(f"avg_pool2d: divisor_override must be a nonzero int, got {divisor_override!r}")
    extra = _ceil_mode_extra(x, kernel, stride, padding, (1, 1), ceil_mode, "avg_pool2d")
    if extra == (0, 0) and divisor_override is None:
        return AvgPool2d.apply(x, kernel, stride, padding, bool(count_include_pad), impl)
    (ph, pw), (eh, ew) = padding, extra
    padded = pad(x, (pw, pw + ew, ph, ph + eh)) if (ph, pw, eh, ew) != (0, 0, 0, 0) else x
    sums = AvgPool2d.apply(padded, kernel, stride, (0, 0), True, impl) * float(kernel[0] * kernel[1])
    if divisor_override is not None:
        return sums / float(divisor_override)
    divisor = _avg_divisor(x.shape[2:], sums.shape[2:], kernel, stride, padding, count_include_pad)
    return sums / Tensor(backend.xp_of(x.data).asarray(divisor, dtype=x.dtype))


def _ceil_mode_extra(x: Tensor, kernel, stride, padding, dilation, ceil_mode: bool, op: str) -> tuple[int, int]:
    """Check the pooling, and return how many rows and columns past the padding ``ceil_mode``'s last
    window reaches: ``(0, 0)`` when it adds no window (always, in floor mode)."""
    _, _, h_out, w_out = shapes.check_pool2d(x.shape, kernel, stride, padding, dilation, op, ceil_mode)
    if not ceil_mode:
        return 0, 0
    return tuple(max(0, (n_out - 1) * s + d * (k - 1) + 1 - (n + 2 * p))
                 for n_out, n, k, s, p, d in zip((h_out, w_out), x.shape[2:], kernel, stride, padding, dilation))


def _avg_divisor(in_hw, out_hw, kernel, stride, padding, count_include_pad: bool):
    """What PyTorch divides each window's sum by, ``(H_out, W_out)``. A window that starts at ``i*s - p``
    is cut at the end of the bottom padding, ``H + p`` (only ``ceil_mode``'s last window reaches past it);
    with ``count_include_pad`` its divisor is the rows and columns left, otherwise only those inside the
    image. Rows and columns count separately, so the divisor is an outer product."""
    counts = []
    for n, n_out, k, s, p in zip(in_hw, out_hw, kernel, stride, padding):
        start = np.arange(n_out) * s - p
        end = np.minimum(start + k, n + p)
        counts.append(end - start if count_include_pad else np.minimum(end, n) - np.maximum(start, 0))
    return np.outer(*counts)
