"""Max pooling for the CPU's ``fast`` kernels (:mod:`minigan.kernels.fast`), without columns.

The portable max pool (:mod:`minigan.kernels.im2col`) copies every window into a column array and takes its
argmax. Here the forward is a running maximum over the kh*kw shifted views of the image (no copy of the
windows), then the first tap that equals it. Its backward is the portable one. Runs unchanged on NumPy and
CuPy, and is held against the naive loops in ``tests/kernels/test_fast.py``.
"""
from __future__ import annotations

from minigan import backend
from minigan.kernels import shapes
from minigan.kernels.im2col import _first_inside_tap, _pad, _tap, _winner_index

__all__ = ["max_pool2d"]


def max_pool2d(x, kernel_size, stride, padding, dilation):
    """``x (N, C, H, W) -> (y, argmax)``, both ``(N, C, H_out, W_out)``: the window maximum (padding is
    -inf) and the flat index ``h*W + w`` of the first maximum in row-major window order, from the kh*kw
    shifted views of the image: a running maximum, then the first tap that equals it. A window with a NaN
    gives NaN and names its last NaN (PyTorch's rule)."""
    xp = backend.xp_of(x)
    _, _, h_out, w_out = shapes.check_pool2d(x.shape, kernel_size, stride, padding, dilation)
    kh, kw = kernel_size
    src = _pad(x, padding, -xp.inf)
    views = [src[(slice(None), slice(None)) + _tap(t // kw, t % kw, (h_out, w_out), stride, dilation)]
             for t in range(kh * kw)]
    y = views[0].copy()
    for v in views[1:]:
        xp.maximum(y, v, out=y)                      # NaN-propagating
    # The winning tap: walking the taps backwards, each one equal to the maximum overwrites, so the first
    # in row-major order is left; then, walking forwards, each NaN overwrites, so the last NaN is left.
    tap = xp.zeros(y.shape, dtype=xp.int64)
    for t in range(kh * kw - 1, -1, -1):
        xp.copyto(tap, t, where=views[t] == y)
    nan = y != y
    if nan.any():
        for t in range(kh * kw):
            xp.copyto(tap, t, where=views[t] != views[t])
    if tuple(padding) != (0, 0):                     # -inf padding must not win over -inf pixels
        xp.copyto(tap, _first_inside_tap((h_out, w_out), kernel_size, stride, padding, dilation, xp),
                  where=y == -xp.inf)
    return y, _winner_index(tap, (h_out, w_out), kernel_size, stride, padding, dilation, x.shape[3], xp)
