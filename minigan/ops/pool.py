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
- adaptive_max_pool2d picks its windows from the output size, as adaptive_avg_pool2d does, and routes the
  gradient like max_pool2d: a scatter-add to the winners (windows can overlap, so one input can win
  twice and gets both gradients), whose backward is the gather.
- max_unpool2d is max_pool2d's partner: it puts each value back where its indices say it came from, in a
  zero image. Its backward is the gather of the gradient at those indices.

The gather and the scatter-add by flat index ``h*W + w`` (:class:`MaxPoolGather`, :class:`PlaneScatterAdd`)
are each other's transpose, so each is the other's backward and derivatives of any order work.
"""
from __future__ import annotations

import math

import numpy as np

from .. import backend, kernels
from ..autograd import Function, Tensor, as_tensor
from ..kernels import shapes
from ._util import image_batch, on_one_image
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
    """gx (N, C, H, W) -> (N, C, H_out, W_out): read each window's argmax (the scatter's transpose). Any flat
    indices ``h*W + w`` will do: max_unpool2d's backward reads its gradient at its indices with it."""

    @staticmethod
    def forward(ctx, gx, argmax):
        ctx.argmax, ctx.x_shape = argmax, gx.shape
        n, c = gx.shape[:2]
        flat = gx.reshape(n, c, -1)
        xp = backend.xp_of(gx)
        return xp.take_along_axis(flat, argmax.reshape(n, c, -1), axis=2).reshape(argmax.shape)

    @staticmethod
    def backward(ctx, gg):
        return PlaneScatterAdd.apply(gg, ctx.argmax, ctx.x_shape)


class PlaneScatterAdd(Function):
    """values (N, C, ...) -> (N, C, H, W): add each value at its flat index ``h*W + w`` (an int64 array of the
    values' shape) in a zero image of ``x_shape``. An index named twice gets both values. The transpose
    of :class:`MaxPoolGather`."""

    @staticmethod
    def forward(ctx, values, indices, x_shape):
        ctx.indices = indices
        return _into_planes(values, indices, x_shape, add=True)

    @staticmethod
    def backward(ctx, gg):
        return MaxPoolGather.apply(gg, ctx.indices)


def _into_planes(values, indices, x_shape, add: bool):
    """A zero image of ``x_shape`` (N, C, H, W) with each value put at its flat index ``h*W + w`` in its plane:
    added (``add=True``: a scatter-add) or written (a scatter, where an index named twice gets one of them)."""
    xp = backend.xp_of(values)
    n, c, h, w = x_shape
    out = xp.zeros((n, c, h * w), dtype=values.dtype)
    where = (xp.arange(n)[:, None, None], xp.arange(c)[None, :, None], indices.reshape(n, c, -1))
    if add:
        backend.scatter_add(out, where, values.reshape(n, c, -1))
    else:
        out[where] = values.reshape(n, c, -1)
    return out.reshape(x_shape)


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
    ``h * W + w`` into its input plane (an int64 tensor, as PyTorch's). One unbatched image ``(C, H, W)`` will
    do too."""
    if not image_batch("max_pool2d", x):
        return on_one_image(max_pool2d, x, kernel_size, stride, padding, dilation, ceil_mode, return_indices, impl)
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
    ``divisor_override`` divides every window's sum by that number instead. ``(N, C, H, W)`` or one unbatched
    ``(C, H, W)``."""
    if not image_batch("avg_pool2d", x):
        return on_one_image(avg_pool2d, x, kernel_size, stride, padding, ceil_mode, count_include_pad,
                            divisor_override, impl)
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


class AdaptiveMaxPool2d(Function):
    @staticmethod
    def forward(ctx, x, out_hw):
        y, indices = _adaptive_max(x, out_hw)
        ctx.indices, ctx.x_shape = indices, x.shape
        return y, indices

    @staticmethod
    def backward(ctx, gy, g_indices):  # g_indices: the indices are integers, with no gradient
        return PlaneScatterAdd.apply(gy, ctx.indices, ctx.x_shape)


class MaxUnpool2d(Function):
    """x (N, C, H, W) -> (N, C, H_out, W_out): each value written at its flat index in a zero image."""

    @staticmethod
    def forward(ctx, x, indices, out_hw):
        ctx.indices = indices
        return _into_planes(x, indices, x.shape[:2] + tuple(out_hw), add=False)

    @staticmethod
    def backward(ctx, gy):
        return MaxPoolGather.apply(gy, ctx.indices), None


def adaptive_max_pool2d(x: Tensor, output_size, return_indices: bool = False):
    """Max pooling to a given output size, ``(N, C, H, W) -> (N, C, H_out, W_out)``, as PyTorch's: output
    row ``i`` takes the max over input rows ``floor(i H / H_out)`` up to, not including, ``ceil((i + 1) H / H_out)``,
    and columns likewise (the windows of adaptive_avg_pool2d; they overlap where ``H_out`` does not divide
    ``H``). ``None`` in ``output_size`` keeps that input size. Ties go to the first maximum in row-major order
    (a window with a NaN gives NaN, named by its last NaN), as PyTorch's CPU kernel. With
    ``return_indices=True`` it returns ``(y, indices)``, each index the flat ``h * W + w`` of the winner in its
    input plane (int64), which :func:`max_unpool2d` takes too. One unbatched image ``(C, H, W)`` will do too."""
    if not image_batch("adaptive_max_pool2d", x):
        return on_one_image(adaptive_max_pool2d, x, output_size, return_indices)
    if min(x.shape[2:]) < 1:
        raise ValueError(f"adaptive_max_pool2d: expected an input with non-zero height and width, got shape {x.shape}")
    if not x.is_floating_point():
        raise TypeError(f"adaptive_max_pool2d: needs a floating-point input, got {x.dtype}")
    out_hw = shapes.adaptive_output_size("adaptive_max_pool2d", output_size, x.shape[2:])
    y, indices = AdaptiveMaxPool2d.apply(x, out_hw)
    return (y, indices) if return_indices else y


def max_unpool2d(input: Tensor, indices, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:  # noqa: A002
    """The inverse of ``max_pool2d(..., return_indices=True)``, as ``torch.nn.functional.max_unpool2d``: a zero
    image ``(N, C, H_out, W_out)`` with each value of ``x (N, C, H, W)`` put back at its index (the flat
    ``h * W_out + w`` that max_pool2d returned), so every non-maximum is 0. Where two windows named the same
    winner it gets one of the two values, which are equal when they came from max_pool2d.

    ``H_out = (H - 1) s - 2p + k`` (conv_transpose2d's formula), the size a max_pool2d with these arguments
    came from when its floor dropped nothing; ``output_size`` (``(H_out, W_out)`` or a full
    ``(N, C, H_out, W_out)``) picks another, less than a stride away from it."""
    kernel, stride, padding, _ = shapes.pool2d_args(kernel_size, stride, padding)
    if input.ndim != 4:
        raise ValueError(f"max_unpool2d: expected a 4-D input (N, C, H, W), got shape {input.shape}")
    out_hw = unpool_output_size("max_unpool2d", input.shape[2:], kernel, stride, padding, output_size)
    indices = unpool_indices("max_unpool2d", input, indices, out_hw)
    return MaxUnpool2d.apply(input, indices, out_hw)


def adaptive_windows(n_in: int, n_out: int) -> np.ndarray:
    """``(n_out, k)`` int64: the input indices of each output's window ``[floor(i n_in / n_out),
    ceil((i + 1) n_in / n_out))``, ``k`` the longest window's length. A shorter window repeats its last
    index to fill the row; a repeat comes after the original, so it never changes which maximum is first."""
    start, end = shapes.adaptive_bounds(n_in, n_out)
    k = int((end - start).max())
    return np.minimum(start[:, None] + np.arange(k), end[:, None] - 1).astype(np.int64)


def _adaptive_max(x, out_hw):
    """``x (N, C, H, W) -> (y, indices)``, both ``(N, C, H_out, W_out)``, on raw arrays: gather every window's
    ``kh x kw`` taps (:func:`adaptive_windows`), take the max, and name the winner by its flat index."""
    xp = backend.xp_of(x)
    n, c, h, w = x.shape
    (oh, ow) = out_hw
    rows, cols = xp.asarray(adaptive_windows(h, oh)), xp.asarray(adaptive_windows(w, ow))
    kh, kw = rows.shape[1], cols.shape[1]
    taps = x[:, :, rows.reshape(oh, kh, 1, 1), cols.reshape(1, 1, ow, kw)]          # (N, C, oh, kh, ow, kw)
    taps = taps.transpose(0, 1, 2, 4, 3, 5).reshape(n, c, oh, ow, kh * kw)          # taps in row-major order
    tap = taps.argmax(axis=-1)                                                       # the first maximum
    nan = taps != taps           # a window with a NaN: PyTorch names its last NaN, argmax the first
    tap = xp.where(nan.any(axis=-1), kh * kw - 1 - nan[..., ::-1].argmax(axis=-1), tap)
    indices = rows[xp.arange(oh)[:, None], tap // kw] * w + cols[xp.arange(ow), tap % kw]
    return taps.max(axis=-1), indices.astype(xp.int64, copy=False)


def unpool_output_size(op: str, in_sizes, kernel, stride, padding, output_size) -> tuple[int, ...]:
    """The spatial output sizes of a max unpooling over ``len(kernel)`` dims, as PyTorch's: each
    ``(n - 1) s - 2p + k`` (conv_transpose's formula: the size a max pooling with these arguments came from when its
    floor dropped nothing), or ``output_size`` (the spatial sizes, or all of ``(N, C, *sizes)``) where each is less
    than a stride from that default."""
    dims = len(kernel)
    default = tuple((n - 1) * s - 2 * p + k for n, k, s, p in zip(in_sizes, kernel, stride, padding))
    if output_size is None:
        size = default
    else:
        if not isinstance(output_size, (tuple, list)):
            raise TypeError(f"{op}: output_size must be a sequence of {dims} or {dims + 2} ints, got {output_size!r}")
        size = tuple(int(n) for n in output_size)
        size = size[2:] if len(size) == dims + 2 else size
        if len(size) != dims:
            raise ValueError(f"{op}: output_size should be a sequence containing {dims} or {dims + 2} elements, but "
                             f"it has a length of {len(output_size)} ({output_size!r})")
        for d, (n, m, s) in enumerate(zip(size, default, stride)):
            if not m - s < n < m + s:
                raise ValueError(f"{op}: invalid output_size {size} (dim {d} must be between {m - s} and {m + s}, "
                                 f"exclusive: the default size {m}, give or take less than the stride {s})")
    for d, n in enumerate(size):
        if n < 0:
            raise ValueError(f"{op}: output_size must contain non-negative spatial dimensions, but got "
                             f"output_size[{d}]={n} (input sizes {tuple(in_sizes)}, kernel_size={kernel}, "
                             f"stride={stride}, padding={padding})")
    return size


def unpool_indices(op: str, x: Tensor, indices, sizes: tuple[int, ...]) -> Tensor:
    """``indices`` as an int64 Tensor of ``x``'s shape on its device, each a flat position in an output of spatial
    ``sizes`` (checked here: PyTorch's error for one that is not)."""
    plane = math.prod(sizes)
    indices = as_tensor(indices, device=x.device)
    if indices.dtype != np.int64:
        raise TypeError(f"{op}: elements in indices should be type int64 (as max pooling's return_indices gives), "
                        f"but got {indices.dtype}")
    if indices.shape != x.shape:
        raise ValueError(f"{op}: expected indices of the input's shape {x.shape}, got shape {indices.shape}")
    if indices.numel() and plane:
        lo, hi = int(indices.data.min()), int(indices.data.max())
        if lo < 0 or hi >= plane:
            raise ValueError(f"{op}: found an invalid max index {lo if lo < 0 else hi} (the outputs are of size "
                             f"{' x '.join(map(str, sizes))}, so expected indices from 0 to {plane - 1})")
    return indices
