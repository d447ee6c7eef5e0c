"""Small image helpers in plain array code: resize, center crop, pixel scaling.

Every dataset in :mod:`minigan.data` turns its pixels into float images of one size in one
range with these functions, so the rules live in one place:

* :func:`resize` follows PyTorch's ``F.interpolate(mode="bilinear", align_corners=False)`` and
  ``mode="nearest"``; a learner can hold one against the other.
* :func:`resize_and_center_crop` is torchvision's ``Resize(size)`` then ``CenterCrop(size)``:
  the shorter side becomes ``size``, the middle of the longer side is kept.
* :func:`scale_pixels` maps ``[0, peak]`` to ``[-1, 1]`` (``"tanh"``, the range of a generator
  ending in tanh) or to ``[0, 1]`` (``"unit"``).

The functions take NumPy or CuPy arrays (``xp = backend.xp_of(a)``).
"""
from __future__ import annotations

import numpy as np

from .. import backend
from ..ops.resample import linear_taps, nearest_source

__all__ = ["resize", "center_crop", "resize_and_center_crop", "scale_pixels", "SCALES"]

SCALES = ("tanh", "unit")


def _size_pair(size) -> tuple[int, int]:
    if isinstance(size, (int, np.integer)):
        h = w = int(size)
    else:
        h, w = (int(s) for s in size)
    if h < 1 or w < 1:
        raise ValueError(f"resize: size must be positive, got {size!r}")
    return h, w


def _bilinear_weights(xp, n_in: int, n_out: int):
    """Source indices ``i0, i1`` and weights ``t`` of 1-D linear interpolation with half-pixel centres,
    exactly those of ``F.interpolate(mode="bilinear")`` (:func:`minigan.ops.resample.linear_taps`)."""
    return tuple(xp.asarray(a) for a in linear_taps(n_in, n_out))


def _nearest_index(xp, n_in: int, n_out: int):
    """PyTorch's ``mode="nearest"``: output pixel ``j`` copies input ``floor(j * n_in / n_out)``, with the
    float32 rounding of ``F.interpolate`` (:func:`minigan.ops.resample.nearest_source`)."""
    return nearest_source(xp, n_out, n_in, np.float32(n_in) / np.float32(n_out))


def resize(images, size, mode: str = "bilinear"):
    """Resize the last two axes: ``(..., H, W) -> (..., h, w)`` with ``size = h`` or ``(h, w)``.

    ``mode="bilinear"`` interpolates separably (rows, then columns) as
    ``F.interpolate(x, size, mode="bilinear", align_corners=False)`` does; ``mode="nearest"``
    copies pixels.  Float inputs keep their dtype; integer inputs come back as float32.
    Bilinear shrinking by a large factor skips pixels (it aliases); for photographs use
    :func:`resize_and_center_crop`, which box-averages first.
    """
    xp = backend.xp_of(images)
    if images.ndim < 2:
        raise ValueError(f"resize: expected an array (..., H, W), got shape {tuple(images.shape)}")
    if mode not in ("bilinear", "nearest"):
        raise ValueError(f"resize: mode must be 'bilinear' or 'nearest', got {mode!r}")
    h, w = _size_pair(size)
    if not np.issubdtype(images.dtype, np.floating):   # dtypes are NumPy dtypes on CuPy too
        images = images.astype(np.float32)
    H, W = images.shape[-2:]
    if (H, W) == (h, w):
        return images.copy()
    if mode == "nearest":
        rows, cols = _nearest_index(xp, H, h), _nearest_index(xp, W, w)
        return images[..., rows, :][..., cols]
    dtype = images.dtype
    r0, r1, tr = _bilinear_weights(xp, H, h)
    tr = tr.astype(dtype)[:, None]                      # (h, 1): broadcast over columns
    out = images[..., r0, :] * (1 - tr) + images[..., r1, :] * tr
    c0, c1, tc = _bilinear_weights(xp, W, w)
    tc = tc.astype(dtype)
    return (out[..., c0] * (1 - tc) + out[..., c1] * tc).astype(dtype, copy=False)


def center_crop(images, size):
    """Keep the middle ``(h, w)`` window of the last two axes: ``(..., H, W) -> (..., h, w)``."""
    h, w = _size_pair(size)
    H, W = images.shape[-2:]
    if h > H or w > W:
        raise ValueError(f"center_crop: cannot crop {(h, w)} out of an image of size {(H, W)}")
    top, left = (H - h) // 2, (W - w) // 2
    return images[..., top:top + h, left:left + w]


def _box_shrink(images, factor: int):
    """Average non-overlapping ``factor x factor`` blocks (the rest of the edge is dropped)."""
    H, W = images.shape[-2:]
    H2, W2 = H // factor, W // factor
    blocks = images[..., :H2 * factor, :W2 * factor]
    blocks = blocks.reshape(*images.shape[:-2], H2, factor, W2, factor)
    return blocks.mean(axis=(-3, -1), dtype=np.float32 if blocks.dtype != np.float64 else np.float64)


def resize_and_center_crop(image, size, mode: str = "bilinear"):
    """Scale so the shorter side is ``size`` (keeping the aspect ratio), then center-crop to a
    square ``(size, size)``: ``(..., H, W) -> (..., size, size)``.

    When shrinking by 2x or more, whole ``k x k`` blocks are averaged first (an integer box
    filter), so the bilinear step that follows never shrinks by more than 2x and does not alias.
    """
    if isinstance(size, (tuple, list)):
        raise ValueError(f"resize_and_center_crop: size must be one int (a square), got {size!r}")
    size = int(size)
    H, W = image.shape[-2:]
    shorter = min(H, W)
    factor = shorter // size
    if mode == "bilinear" and factor >= 2:
        image = _box_shrink(image, factor)
        H, W = image.shape[-2:]
        shorter = min(H, W)
    new_h = max(size, round(H * size / shorter))
    new_w = max(size, round(W * size / shorter))
    return center_crop(resize(image, (new_h, new_w), mode=mode), size)


def scale_pixels(images, peak: float, scale: str = "tanh", dtype=np.float32):
    """Map pixel values in ``[0, peak]`` to ``[-1, 1]`` (``scale="tanh"``: ``2 x / peak - 1``) or
    to ``[0, 1]`` (``scale="unit"``: ``x / peak``), as ``dtype``."""
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {SCALES}, got {scale!r}")
    if not np.issubdtype(np.dtype(dtype), np.floating):
        raise ValueError(f"scale_pixels: dtype must be a float type, got {np.dtype(dtype)}")
    out = images.astype(dtype)          # a fresh array, so the in-place steps below are safe
    out /= peak                         # in place keeps float32 float32
    if scale == "tanh":
        out *= 2
        out -= 1
    return out


class LabelledImages:
    """Images ``(N, C, H, W)`` with integer labels ``(N,)``: what the digits, MNIST and an image folder share.
    ``ds[i] -> (image, label)``; ``ds.arrays`` gives both arrays to a :class:`~minigan.data.DataLoader`."""

    images: np.ndarray
    labels: np.ndarray

    @property
    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        return self.images, self.labels

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index):
        return self.images[index], self.labels[index]
