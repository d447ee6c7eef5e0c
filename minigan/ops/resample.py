"""Resampling an image batch to another size.

- interpolate(mode="nearest") copies each pixel into a block; its backward sums each block.
"""
from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd import Tensor
from ..kernels import shapes
from .shape import broadcast_to, getitem, reshape


def interpolate(x: Tensor, size=None, scale_factor=None, mode: str = "nearest") -> Tensor:
    """Nearest-neighbour resize of ``(N, C, H, W)``, PyTorch's rule: output pixel ``i`` reads input
    pixel ``floor(i * H / H_out)`` for a given size, ``floor(i / s)`` for a scale factor ``s``.
    An integer scale factor makes each pixel an ``s x s`` block."""
    if mode != "nearest":
        raise ValueError(f"interpolate: only mode='nearest' is implemented, got {mode!r}")
    if x.ndim != 4:
        raise ValueError(f"interpolate: expected a 4-D input (N, C, H, W), got shape {x.shape}")
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of size and scale_factor")
    n, c, h, w = x.shape
    if size is None:
        sh, sw = (scale_factor, scale_factor) if np.isscalar(scale_factor) else scale_factor
        if float(sh).is_integer() and float(sw).is_integer():
            sh, sw = int(sh), int(sw)
            blocks = broadcast_to(reshape(x, (n, c, h, 1, w, 1)), (n, c, h, sh, w, sw))
            return reshape(blocks, (n, c, h * sh, w * sw))
        size = (int(np.floor(h * sh)), int(np.floor(w * sw)))
    oh, ow = shapes.pair(size, "size")
    xp = backend.xp_of(x.data)
    # PyTorch steps by 1/s when given a scale factor (which can differ from H/H_out when H*s is not whole)
    step_h, step_w = (np.float32(h) / np.float32(oh), np.float32(w) / np.float32(ow)) if scale_factor is None \
        else (1.0 / sh, 1.0 / sw)
    rows = _nearest_source(xp, oh, h, step_h).reshape(-1, 1)
    cols = _nearest_source(xp, ow, w, step_w).reshape(1, -1)
    return getitem(x, (slice(None), slice(None), rows, cols))


def _nearest_source(xp, n_out: int, n_in: int, step: float):
    """Source index ``min(floor(i * step), n_in - 1)`` of each output index, computed as PyTorch does: in
    float32, with its shortcuts (the identity when the size is unchanged, ``i // 2`` when it doubles), so
    that the rounding agrees too."""
    if n_out == n_in:
        return xp.arange(n_out)
    if n_out == 2 * n_in:
        return xp.arange(n_out) // 2
    step = xp.float32(step)
    return xp.minimum(xp.floor(xp.arange(n_out, dtype=xp.float32) * step).astype(xp.int64), n_in - 1)
