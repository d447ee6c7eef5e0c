"""1-D pooling, built on the 2-D pooling: a signal ``(N, C, L)`` is the image ``(N, C, 1, L)``.

As in :mod:`minigan.ops.conv1d`, each op unsqueezes a height of 1 (and a batch of 1 for an unbatched ``(C, L)``
input), pools the ``1 x L`` image with ``1 x k`` windows, stride ``(1, s)``, padding ``(0, p)`` and dilation
``(1, d)``, and squeezes back. A ``1 x k`` window never leaves its one row, so this is exactly 1-D pooling, and
everything else comes from the 2-D ops: the kernels, ``ceil_mode``, ``count_include_pad``, the backward
(max pooling routes each gradient to its window's winner, average pooling spreads it evenly) and CuPy.

- max_pool1d and avg_pool1d: ``L_out = floor((L + 2p - d(k - 1) - 1) / s) + 1`` (``ceil_mode`` rounds up
  instead, dropping a last window that would start in the right padding); ``p`` at most ``k // 2``.
- adaptive_avg_pool1d and adaptive_max_pool1d: output ``i`` pools input indices ``floor(i L / L_out)`` up to,
  not including, ``ceil((i + 1) L / L_out)``.
- max_unpool1d: max_pool1d's partner, each value put back at its index in a zero signal of length
  ``L_out = (L - 1) s - 2p + k`` (or ``output_size``): max_unpool2d's Function on the one-row image. Its sizes come
  from :func:`~minigan.ops.pool.unpool_output_size`, which max_unpool2d and max_unpool3d share.

max_pool2d names its winners by the flat index ``h * W + w`` into their plane. In a plane one row high
``h = 0``, so that index is the position along ``L``: the indices PyTorch's 1-D ops return, with nothing
to convert.
"""
from __future__ import annotations

from ..autograd import Tensor, as_tensor
from ..kernels import shapes
from .conv1d import as_image, from_image, single
from .pool import MaxUnpool2d, adaptive_max_pool2d, avg_pool2d, max_pool2d, unpool_indices, unpool_output_size
from .resample import adaptive_avg_pool2d

__all__ = ["max_pool1d", "avg_pool1d", "adaptive_avg_pool1d", "adaptive_max_pool1d", "max_unpool1d",
           "unpool_output_size", "unpool_indices"]


def _pool_args(op: str, kernel_size, stride, padding, dilation=1) -> tuple[int, int, int, int]:
    """The four pooling arguments as ints, ``stride=None`` meaning the kernel size (PyTorch's default)."""
    k = single(kernel_size, "kernel_size", op)
    s = k if stride is None else single(stride, "stride", op)
    p, d = single(padding, "padding", op), single(dilation, "dilation", op)
    if k >= 1 and p > k // 2:                 # said here in 1-D terms; shapes.check_pool2d would give pairs
        raise ValueError(f"{op}: padding should be at most half of the kernel size, got padding={p} and "
                         f"kernel_size={k}")
    return k, s, p, d


def max_pool1d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False, impl: str | None = None):
    """Max over each window, as ``torch.nn.functional.max_pool1d``: ``(N, C, L) -> (N, C, L_out)`` (or
    ``(C, L) -> (C, L_out)``); ``stride=None`` means the kernel size, padding counts as -inf, and a tie goes to
    the first maximum. With ``return_indices=True`` it returns ``(y, indices)``, each index the position
    along ``L`` of its window's maximum (int64), as PyTorch's."""
    x = as_tensor(input)
    k, s, p, d = _pool_args("max_pool1d", kernel_size, stride, padding, dilation)
    image, batched = as_image(x, "max_pool1d")
    shapes.check_pool2d(image.shape, (1, k), (1, s), (0, p), (1, d), "max_pool1d", ceil_mode)
    y, indices = max_pool2d(image, (1, k), (1, s), (0, p), (1, d), ceil_mode, True, impl)
    y = from_image(y, batched)
    return (y, from_image(indices, batched)) if return_indices else y


def avg_pool1d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, impl: str | None = None) -> Tensor:
    """Mean over each window, as ``torch.nn.functional.avg_pool1d``: ``(N, C, L) -> (N, C, L_out)`` (or
    ``(C, L) -> (C, L_out)``). With ``count_include_pad=True`` (PyTorch's default) padded zeros count in the
    mean; otherwise each window divides by the elements of the signal it covers."""
    x = as_tensor(input)
    k, s, p, _ = _pool_args("avg_pool1d", kernel_size, stride, padding)
    image, batched = as_image(x, "avg_pool1d")
    shapes.check_pool2d(image.shape, (1, k), (1, s), (0, p), (1, 1), "avg_pool1d", ceil_mode)
    return from_image(avg_pool2d(image, (1, k), (1, s), (0, p), ceil_mode, count_include_pad, impl=impl), batched)


def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:
    """Average pooling to ``output_size`` (an int or a 1-tuple), as ``torch.nn.functional.adaptive_avg_pool1d``:
    ``(N, C, L) -> (N, C, L_out)`` (or ``(C, L) -> (C, L_out)``), over the windows in this module's docstring."""
    image, batched, n_out = _adaptive_args("adaptive_avg_pool1d", input, output_size)
    return from_image(adaptive_avg_pool2d(image, (1, n_out)), batched)


def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):
    """Max pooling to ``output_size`` (an int or a 1-tuple), as ``torch.nn.functional.adaptive_max_pool1d``:
    ``(N, C, L) -> (N, C, L_out)`` (or ``(C, L) -> (C, L_out)``). With ``return_indices=True`` it returns
    ``(y, indices)``, each index the position along ``L`` of its window's maximum (int64)."""
    image, batched, n_out = _adaptive_args("adaptive_max_pool1d", input, output_size)
    y, indices = adaptive_max_pool2d(image, (1, n_out), return_indices=True)
    y = from_image(y, batched)
    return (y, from_image(indices, batched)) if return_indices else y


def _adaptive_args(op: str, input, output_size) -> tuple[Tensor, bool, int]:
    """The input as a ``1 x L`` image, whether it had a batch, and ``output_size`` as a positive int."""
    n_out = single(output_size, "output_size", op)
    if n_out < 1:
        raise ValueError(f"{op}: output_size must be positive, got {output_size!r}")
    x = as_tensor(input)
    image, batched = as_image(x, op)
    if x.shape[-1] < 1:
        raise ValueError(f"{op}: expected an input with a non-empty L, got shape {x.shape}")
    if not x.is_floating_point():
        raise TypeError(f"{op}: needs a floating-point input, got {x.dtype}")
    return image, batched, n_out


# --------------------------------------------------------------------------- unpooling
def max_unpool1d(input: Tensor, indices, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    """The inverse of ``max_pool1d(..., return_indices=True)``, as ``torch.nn.functional.max_unpool1d``: ``(N, C, L)
    -> (N, C, L_out)`` (or ``(C, L) -> (C, L_out)``), a zero signal with each value put back at its index (a
    position along ``L_out``), so every non-maximum is 0. ``L_out = (L - 1) s - 2p + k``, or ``output_size``
    (``(L_out,)`` or ``(N, C, L_out)``) less than a stride from it. Where two windows named the same winner it gets
    one of their values (equal, when they came from max_pool1d).

    Built on max_unpool2d's Function, the signal seen as an image one row high, whose flat index ``h * W + w`` is
    ``w`` there. The backward reads the output gradient at the indices (a gather)."""
    x = as_tensor(input)
    k = single(kernel_size, "kernel_size", "max_unpool1d")
    s = k if stride is None else single(stride, "stride", "max_unpool1d")
    p = single(padding, "padding", "max_unpool1d")
    image, batched = as_image(x, "max_unpool1d")
    (length,) = unpool_output_size("max_unpool1d", x.shape[-1:], (k,), (s,), (p,), output_size)
    idx = unpool_indices("max_unpool1d", x, indices, (length,))
    if length == 0:                         # nothing to write to (PyTorch gives the empty signal too)
        return from_image(image[..., :0] * 0, batched)
    idx_image, _ = as_image(idx, "max_unpool1d")
    return from_image(MaxUnpool2d.apply(image, idx_image, (1, length)), batched)
