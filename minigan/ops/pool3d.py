"""3-D pooling, built on the 2-D and 1-D pooling: pool each depth slice over height and width, then along depth.

A 3-D pooling window is a box, ``kd x kh x kw``: ``kd`` depth slices of a ``kh x kw`` window. The max over a box
is the max, over its ``kd`` slices, of each slice's ``kh x kw`` maximum (a max of maxes), and since every slice
of a box has the same window the mean over a box is the mean of its slices' means. So each op here

1. pools every depth slice of ``(N, C, D, H, W)`` over height and width with the 2-D op, as a batch of images
   ``(N, C * D, H, W)`` (channels and depth slices alike are just planes to it) -> ``(N, C, D, H_out, W_out)``;
2. pools the result along depth with the 1-D op: each ``(n, c, h, w)`` is a signal of length ``D``, so the
   volume is laid out as ``(N, C * H_out * W_out, D)`` -> ``(N, C * H_out * W_out, D_out)``;
3. unfolds that back to ``(N, C, D_out, H_out, W_out)``.

The windows along depth come from depth's own kernel size, stride, padding, dilation and ``ceil_mode``,
which the 1-D op applies exactly as the 2-D op applies them along height and width, so the output size is
PyTorch's along each dim: ``D_out = floor((D + 2p - r(k - 1) - 1) / s) + 1`` (``ceil_mode`` rounds up, dropping
a last window that would start in the back padding), ``p`` at most ``k // 2``.

- max_pool3d: padding counts as -inf. Ties go to the first maximum in row-major ``(d, h, w)`` order, as PyTorch:
  the 2-D op picks the first in ``(h, w)`` order within a slice and the 1-D op the first slice. With
  ``return_indices`` each index is the flat ``d * H * W + h * W + w`` of the winner in its input volume
  (PyTorch's): the depth pass says which slice ``d`` won, the 2-D pass where in that slice.
- avg_pool3d: PyTorch divides a box's sum by a count that is a product of one count per dim (of the positions
  it covers, with or without the padding: ``count_include_pad``), so dividing by the height-width count in
  the 2-D pass and by the depth count in the depth pass is the same. ``divisor_override`` divides by one
  number instead: the 2-D pass divides by it and the depth pass only sums.
- adaptive_avg_pool3d, adaptive_max_pool3d: output ``i`` along a dim pools input indices ``floor(i n / n_out)``
  up to, not including, ``ceil((i + 1) n / n_out)`` (``n`` that dim's size); these windows too are a box of
  per-dim windows, so the same two passes compute them, with the adaptive 2-D and 1-D ops.

- max_unpool3d: max_pool3d's partner. Its flat indices ``d * H * W + h * W + w`` name places in a volume read as one
  long row, so it is max_unpool2d's Function on the ``1 x (D_out H_out W_out)`` image, unfolded to
  ``(D_out, H_out, W_out)``; the sizes are :func:`~minigan.ops.pool1d.unpool_output_size`'s.

Gradients (max pooling routes each one to its window's winner, through both passes; average pooling spreads
it evenly), second derivatives, the kernels and CuPy all come from the 2-D ops. An unbatched ``(C, D, H, W)``
input is a batch of one.
"""
from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd import Tensor, as_tensor
from ..kernels import shapes
from .conv3d import as_volume, from_volume, triple
from .pool import MaxUnpool2d, adaptive_max_pool2d, avg_pool2d, max_pool2d, unpool_indices, unpool_output_size
from .pool1d import adaptive_avg_pool1d, adaptive_max_pool1d, avg_pool1d, max_pool1d
from .resample import adaptive_avg_pool2d
from .shape import permute, reshape, squeeze, unsqueeze

__all__ = ["max_pool3d", "avg_pool3d", "adaptive_avg_pool3d", "adaptive_max_pool3d", "check_pool3d", "max_unpool3d"]


def _pool_args(op: str, kernel_size, stride, padding, dilation=1):
    """The four pooling arguments as 3-tuples ``(depth, height, width)``, ``stride=None`` meaning the kernel
    size (PyTorch's default)."""
    k = triple(kernel_size, "kernel_size", op)
    s = k if stride is None else triple(stride, "stride", op)
    return k, s, triple(padding, "padding", op), triple(dilation, "dilation", op)


def check_pool3d(x_shape, kernel, stride, padding, dilation, op: str, ceil_mode: bool = False):
    """Validate a 3-D pooling of a ``(N, C, D, H, W)`` input and return its output shape, as
    :func:`shapes.check_pool2d` does in 2-D: padding at most half the kernel, a window that fits."""
    if min(kernel) < 1:
        raise ValueError(f"{op}: kernel_size must be positive, got {kernel}")
    shapes._check_hyper(op, stride, padding, dilation)
    if any(p > k // 2 for p, k in zip(padding, kernel)):
        raise ValueError(f"{op}: padding should be at most half of the kernel size, got padding={padding} and "
                         f"kernel_size={kernel}")
    n, c, *dhw = x_shape
    out = tuple(shapes.pool2d_output_size(m, m, (k, k), (s, s), (p, p), (r, r), ceil_mode)[0]
                for m, k, s, p, r in zip(dhw, kernel, stride, padding, dilation))
    if min(out) < 1:
        span = tuple(r * (k - 1) + 1 for k, r in zip(kernel, dilation))
        padded = tuple(m + 2 * p for m, p in zip(dhw, padding))
        raise ValueError(f"{op}: the window ({span[0]} x {span[1]} x {span[2]}) is larger than the padded input "
                         f"({padded[0]} x {padded[1]} x {padded[2]}) (input ({dhw[0]} x {dhw[1]} x {dhw[2]}))")
    return (n, c) + out


# --------------------------------------------------------------------------- the two passes
def _planes(volume: Tensor) -> Tensor:
    """``(N, C, D, H, W) -> (N, C * D, H, W)``: every depth slice of every channel, a plane for the 2-D op."""
    n, c, d, h, w = volume.shape
    return reshape(volume, (n, c * d, h, w))


def _signals(planes: Tensor, n: int, c: int, depth: int) -> Tensor:
    """The 2-D pass's ``(N, C * D, H_out, W_out)`` as signals along depth, ``(N, C * H_out * W_out, D)``."""
    h, w = planes.shape[2:]
    return reshape(permute(reshape(planes, (n, c, depth, h, w)), (0, 1, 3, 4, 2)), (n, c * h * w, depth))


def _unfold(signals, n: int, c: int, h: int, w: int):
    """The depth pass's ``(N, C * H_out * W_out, D_out)`` back to ``(N, C, D_out, H_out, W_out)`` (a Tensor, or the
    raw array of indices)."""
    if isinstance(signals, Tensor):
        return permute(reshape(signals, (n, c, h, w, -1)), (0, 1, 4, 2, 3))
    return signals.reshape(n, c, h, w, -1).transpose(0, 1, 4, 2, 3)


def _volume_indices(d_index: Tensor, hw_index: Tensor, n: int, c: int, hw_out, in_dhw) -> Tensor:
    """The flat ``d * H * W + h * W + w`` of each winner: the depth pass names its slice ``d`` (``d_index``,
    ``(N, C * H_out * W_out, D_out)``), the 2-D pass's index for that slice (``hw_index``, ``(N, C * D, H_out,
    W_out)``, each ``h * W + w``) where in the slice."""
    xp = backend.xp_of(d_index.data)
    d = _unfold(d_index.data, n, c, *hw_out)                                       # (N, C, D_out, H_out, W_out)
    hw = hw_index.data.reshape(n, c, in_dhw[0], *hw_out)                           # (N, C, D, H_out, W_out)
    flat = d * (in_dhw[1] * in_dhw[2]) + xp.take_along_axis(hw, d, axis=2)
    return Tensor(flat.astype(np.int64, copy=False))


# --------------------------------------------------------------------------- max and average
def max_pool3d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False, impl: str | None = None):
    """Max over each ``kd x kh x kw`` box, as ``torch.nn.functional.max_pool3d``: ``(N, C, D, H, W) -> (N, C, D_out,
    H_out, W_out)`` (or without ``N``); each argument an int or a 3-tuple ``(depth, height, width)``,
    ``stride=None`` meaning the kernel size. Padding counts as -inf; a tie goes to the first maximum in
    ``(d, h, w)`` order. With ``return_indices=True`` it returns ``(y, indices)``, each index the flat
    ``d * H * W + h * W + w`` of its box's maximum in the input volume (int64), as PyTorch's."""
    x = as_tensor(input)
    k, s, p, r = _pool_args("max_pool3d", kernel_size, stride, padding, dilation)
    volume, batched = as_volume(x, "max_pool3d")
    n, c, depth, h_out, w_out = check_pool3d(volume.shape, k, s, p, r, "max_pool3d", ceil_mode)
    planes, hw_index = max_pool2d(_planes(volume), k[1:], s[1:], p[1:], r[1:], ceil_mode, True, impl)
    y, d_index = max_pool1d(_signals(planes, n, c, volume.shape[2]), k[0], s[0], p[0], r[0], ceil_mode, True, impl)
    y = from_volume(_unfold(y, n, c, h_out, w_out), batched)
    if not return_indices:
        return y
    indices = _volume_indices(d_index, hw_index, n, c, (h_out, w_out), volume.shape[2:])
    return y, from_volume(indices, batched)


def avg_pool3d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None,
               impl: str | None = None) -> Tensor:
    """Mean over each ``kd x kh x kw`` box, as ``torch.nn.functional.avg_pool3d``: ``(N, C, D, H, W) -> (N, C, D_out,
    H_out, W_out)`` (or without ``N``). With ``count_include_pad=True`` (PyTorch's default) padded zeros count in
    the mean; otherwise each box divides by the elements of the volume it covers. ``divisor_override`` divides
    every box's sum by that number instead. As PyTorch's, it needs the input at least as large as the kernel along
    each dim, whatever the padding (max_pool3d does not)."""
    x = as_tensor(input)
    k, s, p, _ = _pool_args("avg_pool3d", kernel_size, stride, padding)
    if divisor_override is not None and (not isinstance(divisor_override, (int, np.integer))
                                         or isinstance(divisor_override, bool) or divisor_override == 0):
        raise ValueError(f"avg_pool3d: divisor_override must be a nonzero int, got {divisor_override!r}")
    volume, batched = as_volume(x, "avg_pool3d")
    n, c, depth, h_out, w_out = check_pool3d(volume.shape, k, s, p, (1, 1, 1), "avg_pool3d", ceil_mode)
    dhw = volume.shape[2:]
    if any(m < kk for m, kk in zip(dhw, k)):      # PyTorch's avg_pool3d (not max_pool3d) asks this, padding aside
        raise ValueError(f"avg_pool3d: the input ({dhw[0]} x {dhw[1]} x {dhw[2]}) is smaller than the kernel "
                         f"({k[0]} x {k[1]} x {k[2]}) along a dim; avg_pool3d needs each at least the kernel's, "
                         f"whatever the padding")
    planes = avg_pool2d(_planes(volume), k[1:], s[1:], p[1:], ceil_mode, count_include_pad, divisor_override,
                        impl=impl)
    signals = _signals(planes, n, c, volume.shape[2])
    if divisor_override is None:
        y = avg_pool1d(signals, k[0], s[0], p[0], ceil_mode, count_include_pad, impl)
    else:   # the 2-D pass has divided by the override: only sum along depth (a one-row image's sums)
        y = squeeze(avg_pool2d(unsqueeze(signals, 2), (1, k[0]), (1, s[0]), (0, p[0]), ceil_mode,
                               divisor_override=1, impl=impl), 2)
    return from_volume(_unfold(y, n, c, h_out, w_out), batched)


# --------------------------------------------------------------------------- adaptive pooling
def _adaptive_args(op: str, input, output_size):
    """The input as a batch, whether it had one, and ``output_size`` (an int, or a 3-tuple in which ``None`` keeps
    that input size) as three positive ints."""
    x = as_tensor(input)
    volume, batched = as_volume(x, op)
    dhw = volume.shape[2:]
    if isinstance(output_size, (tuple, list)) and len(output_size) == 3:
        sizes = tuple(m if o is None else o for o, m in zip(output_size, dhw))
    else:
        sizes = output_size
    try:
        out = triple(sizes, "output_size", op)
    except TypeError:
        raise TypeError(f"{op}: output_size must be an int or a 3-tuple of ints or None, got {output_size!r}") \
            from None
    if min(out) < 1:
        raise ValueError(f"{op}: output_size must be positive, got {output_size!r}")
    if min(dhw) < 1:
        raise ValueError(f"{op}: expected an input with non-empty D, H and W, got shape {x.shape}")
    if not x.is_floating_point():
        raise TypeError(f"{op}: needs a floating-point input, got {x.dtype}")
    return volume, batched, out


def adaptive_avg_pool3d(input: Tensor, output_size) -> Tensor:
    """Average pooling to ``output_size`` (an int, or a 3-tuple ``(D_out, H_out, W_out)`` in which ``None`` keeps
    that input size), as ``torch.nn.functional.adaptive_avg_pool3d``: ``(N, C, D, H, W) -> (N, C, D_out, H_out,
    W_out)`` (or without ``N``), over the windows in this module's docstring."""
    volume, batched, (d_out, h_out, w_out) = _adaptive_args("adaptive_avg_pool3d", input, output_size)
    n, c, depth = volume.shape[:3]
    planes = adaptive_avg_pool2d(_planes(volume), (h_out, w_out))
    y = adaptive_avg_pool1d(_signals(planes, n, c, depth), d_out)
    return from_volume(_unfold(y, n, c, h_out, w_out), batched)


def adaptive_max_pool3d(input: Tensor, output_size, return_indices: bool = False):
    """Max pooling to ``output_size`` (an int, or a 3-tuple in which ``None`` keeps that input size), as
    ``torch.nn.functional.adaptive_max_pool3d``: ``(N, C, D, H, W) -> (N, C, D_out, H_out, W_out)`` (or without
    ``N``). With ``return_indices=True`` it returns ``(y, indices)``, each index the flat ``d * H * W + h * W + w``
    of its window's maximum in the input volume (int64)."""
    volume, batched, (d_out, h_out, w_out) = _adaptive_args("adaptive_max_pool3d", input, output_size)
    n, c, depth = volume.shape[:3]
    planes, hw_index = adaptive_max_pool2d(_planes(volume), (h_out, w_out), return_indices=True)
    y, d_index = adaptive_max_pool1d(_signals(planes, n, c, depth), d_out, return_indices=True)
    y = from_volume(_unfold(y, n, c, h_out, w_out), batched)
    if not return_indices:
        return y
    indices = _volume_indices(d_index, hw_index, n, c, (h_out, w_out), volume.shape[2:])
    return y, from_volume(indices, batched)


# --------------------------------------------------------------------------- unpooling
def max_unpool3d(input: Tensor, indices, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    """The inverse of ``max_pool3d(..., return_indices=True)``, as ``torch.nn.functional.max_unpool3d``: ``(N, C, D,
    H, W) -> (N, C, D_out, H_out, W_out)`` (or without ``N``), a zero volume with each value put back at its flat
    index ``d * H_out * W_out + h * W_out + w``, so every non-maximum is 0. Each output size is ``(n - 1) s - 2p + k``,
    or ``output_size`` (``(D_out, H_out, W_out)`` or with ``(N, C)`` first) less than a stride from it. Where two
    boxes named the same winner it gets one of their values. The backward reads the gradient at the indices."""
    x = as_tensor(input)
    k, s, p = _pool_args("max_unpool3d", kernel_size, stride, padding)[:3]
    volume, batched = as_volume(x, "max_unpool3d")
    out = unpool_output_size("max_unpool3d", x.shape[-3:], k, s, p, output_size)
    plane = out[0] * out[1] * out[2]
    idx = unpool_indices("max_unpool3d", x, indices, out)
    n, c = volume.shape[:2]
    if plane == 0:                          # nothing to write to (PyTorch gives the empty volume too)
        return from_volume(reshape(volume[:, :, :0], (n, c) + out), batched)
    row = reshape(volume, (n, c, 1, -1))                 # the volume as one long row of its own flat indices
    idx_row = Tensor(idx.data.reshape(n, c, 1, -1))
    return from_volume(reshape(MaxUnpool2d.apply(row, idx_row, (1, plane)), (n, c) + out), batched)
