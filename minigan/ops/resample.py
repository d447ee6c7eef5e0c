"""Resampling a batch of signals, images or volumes to another size: ``interpolate``, ``adaptive_avg_pool2d`` and
``pixel_shuffle``.

- ``mode="nearest"`` (and ``"nearest-exact"``) copies pixels: each output pixel reads one input pixel,
  so the forward is indexing and its backward sums the gradients of the pixels that read the same input.
- Every other mode is **linear and separable**. Each output row is a weighted sum of input rows, with the
  same weights in every column, and likewise each output column of input columns. So the whole resize is
  two matrix products with small weight matrices (print one with :func:`resize_matrix`)::

      y = A_h @ x @ A_wᵀ          A_h: (H_out, H),  A_w: (W_out, W)
      gx = A_hᵀ @ gy @ A_w        the backward: the same products, transposed (matmul's own backward)

  A signal ``(N, C, L)`` takes one such matrix and a volume ``(N, C, D, H, W)`` three, one along each axis
  (:func:`_along`): that is all that ``"linear"`` and ``"trilinear"`` add to ``"bilinear"``. The modes differ
  only in the weights of a row of ``A``:

  - ``"linear"``, ``"bilinear"``, ``"trilinear"`` (for 1, 2 and 3 spatial dims): two weights, ``1 - t`` and
    ``t``, on the input pixels either side of the point the output pixel maps to;
  - ``"bicubic"``: four weights from Keys' cubic convolution with ``a = -0.75``, as PyTorch; they can be
    negative, so bicubic can overshoot the input's range;
  - ``"area"`` and ``adaptive_avg_pool2d``: ``1 / len`` over the window
    ``[floor(i H / H_out), ceil((i + 1) H / H_out))``, the mean of the pixels the output covers.

Where an output pixel maps to (PyTorch's rule): with ``align_corners=True`` the corner pixels' centres
line up, ``src = i (H - 1) / (H_out - 1)``; otherwise the pixel areas line up,
``src = (i + 0.5) / s - 0.5`` with ``s`` the scale factor (``H_out / H`` when a size is given).

**Antialiasing** (``antialias=True``, bilinear and bicubic). Shrinking by 4 with bilinear's two taps, output
pixel ``i`` reads input pixels ``4i + 1`` and ``4i + 2`` and nothing else: half of the input is never
looked at, and detail finer than the output grid (a checkerboard, a striped shirt) does not average out
to grey but comes back as a false pattern that depends on where the samples happen to fall (aliasing).
The cure is to blur before sampling, and the antialiased filter does both at once: it stretches the
interpolation kernel by the shrink factor ``r = H / H_out``, so the triangle (or cubic) that spans 1 (2)
input pixels either side now spans ``r`` (``2 r``) of them, and each output pixel is a weighted average
of every input pixel under it. Per output pixel ``i`` (PIL's ``ImagingResample``, which PyTorch copies)::

    center = (i + 0.5) * r                                   # in input pixel edges, not centres
    w[j]   = filter((j + 0.5 - center) / max(r, 1))          # for input pixels j within the support
    w     /= sum(w)                                          # each row sums to 1, at the edges too

where ``filter`` is the triangle ``max(0, 1 - |d|)`` for bilinear and Keys' cubic with ``a = -0.5``
(PIL's; not the ``-0.75`` of ``antialias=False``) for bicubic. When enlarging (``r < 1``) the kernel is
not stretched; bilinear then gives the same weights as without antialias, bicubic does not (other ``a``,
edge taps renormalised rather than clamped to the edge pixel). It is still a weight matrix, just with
more taps per row, so the forward and backward stay two matmuls.

``pixel_shuffle`` trades channels for resolution instead: ``r²`` channels become an ``r x r`` block of
pixels. It only moves values, so it is a reshape, a permute and a reshape, and so is its gradient.
"""
from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd import Tensor
from ..kernels import shapes
from ._util import image_batch, on_one_image
from .matmul import matmul
from .shape import broadcast_to, getitem, permute, reshape

__all__ = ["interpolate", "adaptive_avg_pool2d", "pixel_shuffle", "pixel_unshuffle", "resize_matrix", "linear_taps",
           "nearest_source"]

MODES = ("nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear", "area")
# the modes that are made for one number of spatial dims (the others take 1, 2 or 3)
SPATIAL_DIMS_OF = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}
CUBIC_A = -0.75     # the cubic convolution's free parameter, PyTorch's choice
CUBIC_A_ANTIALIAS = -0.5    # ... and PIL's, which PyTorch uses for bicubic with antialias=True
ANTIALIAS_MODES = ("bilinear", "bicubic")


def interpolate(input: Tensor, size=None, scale_factor=None, mode: str = "nearest", align_corners: bool | None = None,
                recompute_scale_factor: bool | None = None, antialias: bool = False) -> Tensor:  # noqa: A002
    """Resize the spatial dims of ``(N, C, L)``, ``(N, C, H, W)`` or ``(N, C, D, H, W)`` to ``size`` or by
    ``scale_factor`` (``H_out = floor(H * s)``), as ``torch.nn.functional.interpolate``. ``mode`` is one of
    ``"nearest"``, ``"nearest-exact"`` and ``"area"`` (any number of spatial dims), ``"linear"`` (signals),
    ``"bilinear"``, ``"bicubic"`` (images) and ``"trilinear"`` (volumes). ``size`` and ``scale_factor`` are a
    number, or one per spatial dim.

    ``"nearest"``: output pixel ``i`` reads input pixel ``floor(i * H / H_out)`` for a given size,
    ``floor(i / s)`` for a scale factor ``s``; an integer scale factor makes each pixel an ``s x s`` block.
    ``"nearest-exact"`` reads ``floor((i + 0.5) / s)`` instead, the pixel whose centre is nearest.
    ``align_corners`` is for the linear modes and bicubic only. With ``recompute_scale_factor=True`` the
    coordinates use ``H / H_out`` rather than the scale factor given.

    ``antialias=True`` (bilinear and bicubic only) widens the filter by the shrink factor when
    downsampling, so every input pixel counts and fine detail averages out instead of aliasing (see the
    module's docstring); when upsampling, bilinear is unchanged. As PyTorch, ``align_corners=True`` then
    only changes the shrink factor, to ``(H - 1) / (H_out - 1)``, not where the output pixels sit."""
    if mode not in MODES:
        raise ValueError(f"interpolate: mode must be one of {', '.join(MODES)}, got {mode!r}")
    if antialias and (mode not in ANTIALIAS_MODES or input.ndim != 4):
        raise ValueError("interpolate: Anti-alias option is restricted to bilinear and bicubic modes and requires "
                         f"a 4-D tensor as input, got mode {mode!r} and shape {input.shape}")
    if input.ndim not in (3, 4, 5):
        raise ValueError(f"interpolate: expected a 3-D (N, C, L), 4-D (N, C, H, W) or 5-D (N, C, D, H, W) input, "
                         f"got shape {input.shape}")
    spatial = input.ndim - 2
    if SPATIAL_DIMS_OF.get(mode, spatial) != spatial:
        need = SPATIAL_DIMS_OF[mode] + 2
        raise ValueError(f"interpolate: mode {mode!r} needs a {need}-D input, got a {input.ndim}-D one "
                         f"(shape {input.shape})")
    if align_corners is not None and mode not in ("linear", "bilinear", "bicubic", "trilinear"):
        raise ValueError(f"interpolate: align_corners can only be set with the linear modes or 'bicubic', "
                         f"got mode {mode!r}")
    out, scales = _output_size(input.shape[2:], size, scale_factor, recompute_scale_factor)
    if mode in ("nearest", "nearest-exact"):
        return _nearest(input, out, scales, exact=mode == "nearest-exact")
    if not input.is_floating_point():
        raise TypeError(f"interpolate: mode {mode!r} needs a floating-point input, got {input.dtype}")
    kind = "area" if mode == "area" else "bicubic" if mode == "bicubic" else "bilinear"
    return _along(input, [resize_matrix(n, m, kind, s, bool(align_corners), bool(antialias))
                          for n, m, s in zip(input.shape[2:], out, scales)])


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:  # noqa: A002
    """Average pooling to a given output size, ``(N, C, H, W) -> (N, C, H_out, W_out)``, as PyTorch's:
    output row ``i`` averages input rows ``floor(i H / H_out)`` up to, not including,
    ``ceil((i + 1) H / H_out)`` (windows may overlap by a row when ``H_out`` does not divide ``H``), and
    columns likewise. ``None`` in ``output_size`` keeps that input size. One unbatched image ``(C, H, W)`` will
    do too."""
    if not image_batch("adaptive_avg_pool2d", input):
        return on_one_image(adaptive_avg_pool2d, input, output_size)
    h, w = input.shape[2:]
    oh, ow = shapes.adaptive_output_size("adaptive_avg_pool2d", output_size, (h, w))
    if not input.is_floating_point():
        raise TypeError(f"adaptive_avg_pool2d: needs a floating-point input, got {input.dtype}")
    return _along(input, [resize_matrix(h, oh, "area"), resize_matrix(w, ow, "area")])


def resize_matrix(n_in: int, n_out: int, mode: str, scale: float | None = None,
                  align_corners: bool = False, antialias: bool = False) -> np.ndarray:
    """The ``(n_out, n_in)`` float64 matrix of a 1-D resize: row ``i`` holds the weights with which output
    pixel ``i`` sums the input pixels. ``mode`` is ``"bilinear"``, ``"bicubic"`` or ``"area"``; ``scale`` is
    a scale factor the user gave (``None``: ``n_out / n_in``). Each row sums to 1.

    ``antialias=True`` (bilinear and bicubic) gives the antialiased weights: shrinking by ``r``, each row
    spreads over about ``2 r`` (bilinear) or ``4 r`` (bicubic) input pixels instead of 2 or 4. Compare
    ``resize_matrix(16, 4, "bilinear")`` with ``resize_matrix(16, 4, "bilinear", antialias=True)``."""
    if antialias:
        if mode not in ANTIALIAS_MODES:
            raise ValueError(f"resize_matrix: antialias is for mode 'bilinear' or 'bicubic', got {mode!r}")
        return _antialias_matrix(n_in, n_out, mode, scale, align_corners)
    a = np.zeros((n_out, n_in))
    rows = np.arange(n_out)
    if mode == "bilinear" and n_in == n_out:
        a[rows, rows] = 1.0                          # PyTorch leaves a dim whose size is unchanged as it is,
    elif mode == "bilinear":                         # whatever scale factor was given
        i0, i1, t = linear_taps(n_in, n_out, scale, align_corners)
        np.add.at(a, (rows, i0), 1.0 - t)           # add.at: at the edge i0 and i1 are the same pixel
        np.add.at(a, (rows, i1), t)
    elif mode == "bicubic":
        src = _source_coordinates(n_in, n_out, scale, align_corners, clamp=False)
        first = np.floor(src).astype(np.int64)
        t = src - first
        weights = (_cubic_far(t + 1.0), _cubic_near(t), _cubic_near(1.0 - t), _cubic_far(2.0 - t))
        for k, weight in enumerate(weights):       # taps first-1 .. first+2; outside the image: the edge pixel
            np.add.at(a, (rows, np.clip(first - 1 + k, 0, n_in - 1)), weight)
    elif mode == "area":
        start, end = shapes.adaptive_bounds(n_in, n_out)
        for i in range(n_out):
            a[i, start[i]:end[i]] = 1.0 / (end[i] - start[i])
    else:
        raise ValueError(f"resize_matrix: mode must be 'bilinear', 'bicubic' or 'area', got {mode!r}")
    return a


def _antialias_matrix(n_in: int, n_out: int, mode: str, scale: float | None = None,
                      align_corners: bool = False) -> np.ndarray:
    """The antialiased resize matrix (``resize_matrix(..., antialias=True)``), PyTorch's CPU weights.

    With ``r`` the input step per output pixel (``n_in / n_out``, ``1 / scale`` for a given scale factor,
    ``(n_in - 1) / (n_out - 1)`` with ``align_corners``), the filter's half-width ``support`` (1 input pixel
    for the triangle, 2 for the cubic) is multiplied by ``r`` when shrinking. Output pixel ``i`` is centred
    at ``center = (i + 0.5) r`` (measured in pixel edges: input pixel ``j`` spans ``[j, j + 1)``), covers
    input pixels ``floor(center - support + 0.5) <= j < floor(center + support + 0.5)`` inside the image,
    and weighs them ``filter((j + 0.5 - center) / max(r, 1))``, normalised to sum to 1. A dimension whose
    size does not change is copied, whatever the scale factor (PyTorch skips it)."""
    if n_in == n_out:
        return np.eye(n_in)
    step = _step(n_in, n_out, scale, align_corners)
    stretch = max(step, 1.0)                          # widen the filter when shrinking, never when enlarging
    support = (1.0 if mode == "bilinear" else 2.0) * stretch
    taps = int(np.ceil(support)) * 2 + 1              # the most input pixels a row can cover
    center = (np.arange(n_out) + 0.5) * step
    first = np.maximum(np.floor(center - support + 0.5), 0).astype(np.int64)
    count = np.clip(np.minimum(np.floor(center + support + 0.5).astype(np.int64), n_in) - first, 0, taps)
    j = first[:, None] + np.arange(taps)              # (n_out, taps): the input pixels each row may read
    inside = np.arange(taps) < count[:, None]
    d = (j + 0.5 - center[:, None]) / stretch
    w = np.where(inside, _triangle(d) if mode == "bilinear" else _cubic(d, CUBIC_A_ANTIALIAS), 0.0)
    total = w.sum(axis=1, keepdims=True)
    w = np.divide(w, total, out=np.zeros_like(w), where=total != 0)
    a = np.zeros((n_out, n_in))
    rows = np.broadcast_to(np.arange(n_out)[:, None], j.shape)
    np.add.at(a, (rows[inside], j[inside]), w[inside])
    return a


def linear_taps(n_in: int, n_out: int, scale: float | None = None, align_corners: bool = False):
    """1-D linear interpolation: output pixel ``i`` is ``(1 - t[i]) * x[i0[i]] + t[i] * x[i1[i]]``.

    It maps to ``src`` (see the module's docstring; clamped at 0 without ``align_corners``, as PyTorch),
    ``i0 = floor(src)``, ``i1 = min(i0 + 1, n_in - 1)`` and ``t = src - i0``. NumPy arrays."""
    src = _source_coordinates(n_in, n_out, scale, align_corners, clamp=True)
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    return i0, np.minimum(i0 + 1, n_in - 1), src - i0


def _source_coordinates(n_in: int, n_out: int, scale, align_corners: bool, clamp: bool) -> np.ndarray:
    """Where each output pixel's centre falls in input coordinates (PyTorch's ``area_pixel_compute_source_index``)."""
    i = np.arange(n_out, dtype=np.float64)
    step = _step(n_in, n_out, scale, align_corners)
    if align_corners:
        return i * step
    src = (i + 0.5) * step - 0.5
    return np.maximum(src, 0.0) if clamp else src


def _step(n_in: int, n_out: int, scale, align_corners: bool) -> float:
    """Input pixels per output pixel (PyTorch's ``area_pixel_compute_scale``)."""
    if align_corners:
        return (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
    return 1.0 / scale if scale is not None and scale > 0 else n_in / n_out


def _cubic_near(d, a=CUBIC_A):
    """Keys' cubic convolution weight for a tap at distance ``d <= 1``."""
    return ((a + 2.0) * d - (a + 3.0)) * d * d + 1.0


def _cubic_far(d, a=CUBIC_A):
    """... and for a tap at distance ``1 < d < 2``."""
    return ((a * d - 5.0 * a) * d + 8.0 * a) * d - 4.0 * a


def _cubic(d, a):
    """Keys' cubic at any distance: zero from 2 on."""
    d = np.abs(d)
    return np.where(d < 1.0, _cubic_near(d, a), np.where(d < 2.0, _cubic_far(d, a), 0.0))


def _triangle(d):
    """The triangle (tent) filter, bilinear interpolation's kernel: ``max(0, 1 - |d|)``."""
    return np.maximum(1.0 - np.abs(d), 0.0)


def _along(x: Tensor, matrices) -> Tensor:
    """Each of the last ``len(matrices)`` dims of ``x`` resized by its matrix ``A (n_out, n)``, the matrices made in
    ``x``'s dtype on its device. The last dim is ``x @ Aᵀ``; an earlier one is ``A @ x`` with the dims after it
    flattened into columns: for an image, ``A_h @ x @ A_wᵀ``."""
    xp = backend.xp_of(x.data)
    k = len(matrices)
    for axis, a in enumerate(matrices):
        a = Tensor(xp.asarray(a, dtype=x.dtype))
        if axis == k - 1:
            x = matmul(x, a.t())
        else:
            lead, n, rest = x.shape[:x.ndim - k + axis], x.shape[x.ndim - k + axis], x.shape[x.ndim - k + axis + 1:]
            x = reshape(matmul(a, reshape(x, (*lead, n, int(np.prod(rest))))), (*lead, a.shape[0], *rest))
    return x


def _output_size(in_sizes, size, scale_factor, recompute_scale_factor):
    """``(sizes_out, scales)``, one of each per spatial dim: the scales are the factors the coordinates use,
    ``None`` where a size is given or ``recompute_scale_factor`` asks for ``H / H_out``."""
    k = len(in_sizes)
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of size and scale_factor")
    if size is not None:
        if recompute_scale_factor:
            raise ValueError("interpolate: recompute_scale_factor is for a scale_factor, not a size")
        if isinstance(size, (tuple, list)) and len(size) != k:
            raise ValueError(f"interpolate: the input has {k} spatial dims {tuple(in_sizes)}, but size has "
                             f"{len(size)}: {tuple(size)}")
        out = shapes.ntuple(size, k, "size", "interpolate")
        if min(out) < 1:
            raise ValueError(f"interpolate: size must be positive, got {size!r}")
        return out, (None,) * k
    scales = (scale_factor,) * k if np.isscalar(scale_factor) else tuple(scale_factor)
    if len(scales) != k:
        raise ValueError(f"interpolate: the input has {k} spatial dims {tuple(in_sizes)}, but scale_factor has "
                         f"{len(scales)}: {tuple(scales)}")
    if min(scales) <= 0:
        raise ValueError(f"interpolate: scale_factor must be positive, got {scale_factor!r}")
    out = tuple(int(np.floor(n * float(s))) for n, s in zip(in_sizes, scales))
    if min(out) < 1:
        raise ValueError(f"interpolate: scale_factor {scale_factor!r} leaves no pixels of the input "
                         f"{tuple(in_sizes)}")
    return out, (None,) * k if recompute_scale_factor else scales


def _nearest(x: Tensor, out, scales, exact: bool) -> Tensor:
    """Every output pixel reads one input pixel, along each spatial dim by :func:`nearest_source`: one indexing
    with an open grid of indices, whose backward adds up the gradients of the pixels that read the same one."""
    n, c, *sizes = x.shape
    k = len(sizes)
    if not exact and all(s is not None and float(s).is_integer() for s in scales):
        ints = [int(s) for s in scales]               # each pixel becomes an s x s (x s) block
        blocks = reshape(x, (n, c, *(v for m in sizes for v in (m, 1))))
        blocks = broadcast_to(blocks, (n, c, *(v for m, r in zip(sizes, ints) for v in (m, r))))
        return reshape(blocks, (n, c, *(m * r for m, r in zip(sizes, ints))))
    xp = backend.xp_of(x.data)
    index = [slice(None), slice(None)]
    for axis, (m, o, s) in enumerate(zip(sizes, out, scales)):
        # PyTorch steps by 1/s when given a scale factor (which can differ from H/H_out when H*s is not whole)
        step = np.float32(m) / np.float32(o) if s is None else 1.0 / s
        shape = [1] * k
        shape[axis] = -1
        index.append(nearest_source(xp, o, m, step, exact).reshape(shape))
    return getitem(x, tuple(index))


def nearest_source(xp, n_out: int, n_in: int, step: float, exact: bool = False):
    """Source index ``min(floor(i * step), n_in - 1)`` of each output index (``floor((i + 0.5) * step)`` when
    ``exact``), computed as PyTorch does: in float32, with its shortcuts for ``"nearest"`` (the identity when
    the size is unchanged, ``i // 2`` when it doubles), so that the rounding agrees too. ``step`` is
    ``n_in / n_out`` in float32 for a given size, ``1 / s`` for a scale factor."""
    if n_out == n_in and not exact:
        return xp.arange(n_out)
    if n_out == 2 * n_in and not exact:
        return xp.arange(n_out) // 2
    step = xp.float32(step)
    i = xp.arange(n_out, dtype=xp.float32) + (xp.float32(0.5) if exact else xp.float32(0.0))
    return xp.minimum(xp.floor(i * step).astype(xp.int64), n_in - 1)


def pixel_shuffle(x: Tensor, upscale_factor: int) -> Tensor:
    """``(*, C r², H, W) -> (*, C, H r, W r)``: each group of ``r²`` channels becomes an ``r x r`` block of
    pixels, as ``torch.nn.functional.pixel_shuffle`` (the "sub-pixel convolution" upsampler: a convolution
    computes the ``r²`` phases of the output side by side, and this interleaves them). Its gradient is
    :func:`pixel_unshuffle`; both are one reshape, one permute and one reshape."""
    r = _factor("pixel_shuffle", upscale_factor, "upscale_factor")
    *lead, c, h, w = _at_least_3d("pixel_shuffle", x)
    if c % (r * r):
        raise ValueError(f"pixel_shuffle: the channels ({c}) must be divisible by upscale_factor squared ({r * r}), "
                         f"got shape {x.shape}")
    k = len(lead)
    blocks = reshape(x, (*lead, c // (r * r), r, r, h, w))
    blocks = permute(blocks, (*range(k), k, k + 3, k + 1, k + 4, k + 2))      # (*, C, H, r, W, r)
    return reshape(blocks, (*lead, c // (r * r), h * r, w * r))


def pixel_unshuffle(x: Tensor, downscale_factor: int) -> Tensor:
    """``(*, C, H r, W r) -> (*, C r², H, W)``: the inverse of :func:`pixel_shuffle`; each ``r x r`` block of
    pixels becomes ``r²`` channels."""
    r = _factor("pixel_unshuffle", downscale_factor, "downscale_factor")
    *lead, c, h, w = _at_least_3d("pixel_unshuffle", x)
    if h % r or w % r:
        raise ValueError(f"pixel_unshuffle: height and width ({h}, {w}) must be divisible by downscale_factor "
                         f"({r}), got shape {x.shape}")
    k = len(lead)
    blocks = reshape(x, (*lead, c, h // r, r, w // r, r))
    blocks = permute(blocks, (*range(k), k, k + 2, k + 4, k + 1, k + 3))      # (*, C, r, r, H, W)
    return reshape(blocks, (*lead, c * r * r, h // r, w // r))


def _factor(op: str, value, name: str) -> int:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{op}: {name} must be a positive int, got {value!r}")
    return int(value)


def _at_least_3d(op: str, x: Tensor) -> tuple:
    if x.ndim < 3:
        raise ValueError(f"{op}: expected an input of at least 3 dims (*, C, H, W), got shape {x.shape}")
    return x.shape
