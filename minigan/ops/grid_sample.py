"""Sampling an image at arbitrary points: ``grid_sample`` and the grids ``affine_grid`` makes for it (the
spatial transformer's two halves, and what differentiable geometric augmentation is built on).

**A sampling grid** says, for every output pixel, where in the input to read. ``grid[n, i, j] = (x, y)``
is a point in *normalised* coordinates: ``x`` runs from -1 at the input's left edge to +1 at its right
edge, ``y`` from -1 at the top to +1 at the bottom, whatever the image's size. Output pixel ``(i, j)``
of image ``n`` is the input read at that point, so the output has the grid's height and width::

    input (N, C, H_in, W_in),  grid (N, H_out, W_out, 2)  ->  output (N, C, H_out, W_out)

A point is turned into pixel units (*unnormalised*), as PyTorch does:

- ``align_corners=True``: -1 and +1 are the centres of the corner pixels, ``x_pix = (x + 1) (W - 1) / 2``;
- ``align_corners=False`` (the default): -1 and +1 are the outer edges of the corner pixels,
  ``x_pix = (x + 1) W / 2 - 1/2``.

A point outside the image is handled by ``padding_mode``: ``"zeros"`` reads 0 for every pixel outside;
``"border"`` clips the point to ``[0, W - 1]`` (the edge pixels repeat); ``"reflection"`` mirrors it at
the edges (at the corner pixels' centres with ``align_corners=True``, at their outer edges otherwise) as
often as needed, then clips. Clipping and mirroring are piecewise linear, with slope 1, -1 or 0 (outside
the clip, and on its borders, which count as outside, as in PyTorch): that slope is what the chain rule
multiplies by (:class:`PiecewiseLinear`).

**Bilinear weights.** A point ``(x, y)`` in pixel units lies in the square of its four neighbours
``x0 = floor(x)``, ``x1 = x0 + 1`` and ``y0``, ``y1``. With ``tx = x - x0`` and ``ty = y - y0`` (in
``[0, 1)``), each neighbour's weight is the area of the rectangle *opposite* it::

    out = v00 (1 - ty)(1 - tx) + v01 (1 - ty) tx + v10 ty (1 - tx) + v11 ty tx      (v_rc = input[y_r, x_c])

The weights sum to 1, and a neighbour outside the image counts 0 with ``"zeros"`` padding.

**Their derivatives.** The output is linear in the input, so the input's gradient is the output's gradient
times each weight, *added* into the four neighbours (two output pixels may share a neighbour): that is the
scatter-add that indexing's backward does. Along ``x`` the weights change at rates ``-(1 - ty)``,
``(1 - ty)``, ``-ty`` and ``ty``, so::

    d out / d x = (1 - ty) (v01 - v00) + ty (v11 - v10)        (the slopes of the top and bottom edges)

and likewise for ``y``; the grid's gradient is that, times the unnormalisation's scale (``W / 2`` or
``(W - 1) / 2``), times the clip/reflection slope. ``x0`` is held fixed: the derivative is taken within one
square, so at a whole pixel coordinate it is the one from the right, as PyTorch's.

The code below writes only the forward, as minigan ops (gathers of the neighbours, the weights, products and
sums), and autograd derives exactly these two gradients; they can be differentiated again.

``mode="nearest"`` reads the one neighbour whose centre is nearest (halves round to even, as PyTorch's);
its weight is 1 wherever the point is, so the grid's gradient is zero. ``mode="bicubic"`` reads a 4 x 4
block with Keys' cubic convolution weights (``a = -0.75``, as :func:`~minigan.ops.resample.interpolate`);
its point is not clipped, but each of the 16 taps is clipped or reflected by ``padding_mode``.

``affine_grid(theta, size)`` makes the grid of an affine map: each output pixel's own normalised position
``(x, y, 1)`` times the ``2 x 3`` matrix ``theta``, one matrix product, so ``theta`` gets gradients.
The identity ``[[1, 0, 0], [0, 1, 0]]`` gives back the input; ``[[0, -1, 0], [1, 0, 0]]`` turns it a
quarter turn.
"""
from __future__ import annotations

import warnings

import numpy as np

from .. import backend
from ..autograd import Function, Tensor
from .arithmetic import _quietly, mul, where
from .matmul import matmul
from .resample import _cubic_far, _cubic_near
from .shape import getitem, reshape, transpose

__all__ = ["affine_grid", "grid_sample"]

MODES = ("bilinear", "nearest", "bicubic")
PADDING_MODES = ("zeros", "border", "reflection")
_DEFAULT_CHANGED = ("Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. "
                    "Please specify align_corners=True if the old behavior is desired. See the documentation of "
                    "grid_sample for details.")


# --------------------------------------------------------------------------- affine_grid
def affine_grid(theta: Tensor, size, align_corners: bool | None = None) -> Tensor:
    """The sampling grid of the affine maps ``theta`` ``(N, 2, 3)`` for an output of ``size`` ``(N, C, H, W)``:
    ``(N, H, W, 2)``, as ``torch.nn.functional.affine_grid``. ``grid[n, i, j] = theta[n] @ (x_j, y_i, 1)``,
    where ``(x_j, y_i)`` is output pixel ``(i, j)``'s own position in normalised coordinates (evenly spaced
    from -1 to 1 with ``align_corners=True``, from ``-1 + 1/W`` to ``1 - 1/W`` otherwise; 0 along a size of
    1). Give :func:`grid_sample` the same ``align_corners``. ``None`` means False, with PyTorch's warning."""
    align_corners = _align_corners(align_corners)
    size = tuple(int(s) for s in size)
    if len(size) == 5:
        raise NotImplementedError(f"affine_grid: 5-D sizes (3-D affine maps, theta (N, 3, 4)) are not implemented; "
                                  f"minigan makes grids for 4-D sizes (N, C, H, W), got size {size}")
    if len(size) != 4:
        raise ValueError(f"affine_grid: expected a 4-D size (N, C, H, W), got {size}")
    if not theta.is_floating_point():
        raise ValueError(f"affine_grid: expected theta of a floating-point dtype, got {theta.dtype}")
    if theta.ndim != 3 or theta.shape[1:] != (2, 3):
        raise ValueError(f"affine_grid: expected a batch of 2-D affine matrices theta of shape (N, 2, 3) for size "
                         f"{size}, got {theta.shape}")
    n, _, h, w = size
    if min(size) <= 0:
        raise ValueError(f"affine_grid: expected a positive output size, got {size}")
    if theta.shape[0] != n:
        raise ValueError(f"affine_grid: theta holds {theta.shape[0]} matrices but size {size} asks for a batch of {n}")
    if align_corners and min(h, w) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
                      "align_corners=True. This is not an intended use case of affine_grid. See the documentation "
                      "of affine_grid for details.", stacklevel=2)
    xs, ys = _positions(w, align_corners), _positions(h, align_corners)
    base = np.stack([np.tile(xs, h), np.repeat(ys, w), np.ones(h * w)], axis=1)      # (H W, 3): rows (x, y, 1)
    base = Tensor(backend.xp_of(theta.data).asarray(base, dtype=theta.dtype))
    grid = matmul(base, transpose(theta, 1, 2))                                       # (N, H W, 2)
    return reshape(grid, (n, h, w, 2))


def _positions(n: int, align_corners: bool) -> np.ndarray:
    """The normalised coordinates of ``n`` pixel centres along one axis (PyTorch's ``linspace_from_neg_one``)."""
    if n == 1:
        return np.zeros(1)
    steps = np.linspace(-1.0, 1.0, n)
    return steps if align_corners else steps * (n - 1) / n


# --------------------------------------------------------------------------- grid_sample
def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear", padding_mode: str = "zeros",  # noqa: A002
                align_corners: bool | None = None) -> Tensor:
    """``input`` ``(N, C, H_in, W_in)`` read at the points ``grid`` ``(N, H_out, W_out, 2)`` (``(x, y)`` in
    normalised coordinates, -1 to 1 across the image): ``(N, C, H_out, W_out)``, as
    ``torch.nn.functional.grid_sample``. ``mode``: ``"bilinear"``, ``"nearest"`` or ``"bicubic"``;
    ``padding_mode``: ``"zeros"``, ``"border"`` or ``"reflection"``; ``align_corners``: whether -1 and 1 are
    the corner pixels' centres (True) or their outer edges (False; ``None`` means False, with PyTorch's
    warning). Gradients reach both ``input`` and ``grid`` (the grid's is zero with ``"nearest"``). The
    module's docstring derives the weights and the gradients."""
    _check_sample_args(input, grid, mode, padding_mode)
    align_corners = _align_corners(align_corners)
    n, _, h, w = input.shape
    _, ho, wo, _ = grid.shape
    gx = reshape(getitem(grid, (Ellipsis, 0)), (n, 1, ho, wo))    # (N, 1, H_out, W_out): broadcast over channels
    gy = reshape(getitem(grid, (Ellipsis, 1)), (n, 1, ho, wo))
    if mode == "bicubic":
        return _bicubic(input, _unnormalize(gx, w, align_corners), _unnormalize(gy, h, align_corners),
                        padding_mode, align_corners)
    x = _source_index(gx, w, padding_mode, align_corners)
    y = _source_index(gy, h, padding_mode, align_corners)
    return _nearest(input, x, y) if mode == "nearest" else _bilinear(input, x, y)


def _bilinear(input: Tensor, x: Tensor, y: Tensor) -> Tensor:
    """The four neighbours of each point, weighted by the areas opposite them (see the module's docstring)."""
    xp = backend.xp_of(x.data)
    x0, y0 = xp.floor(x.data), xp.floor(y.data)      # the top-left neighbour: held fixed, no gradient
    tx, ty = x - x0, y - y0                          # how far past it the point lies, in [0, 1): differentiable
    left, top = 1.0 - tx, 1.0 - ty                   # the weights of the left column and the top row
    return (_read(input, y0, x0) * (top * left) + _read(input, y0, x0 + 1) * (top * tx)
            + _read(input, y0 + 1, x0) * (ty * left) + _read(input, y0 + 1, x0 + 1) * (ty * tx))


def _nearest(input: Tensor, x: Tensor, y: Tensor) -> Tensor:
    """The one neighbour nearest each point (``rint``: halves to even, as PyTorch's ``nearbyint``)."""
    xp = backend.xp_of(x.data)
    value = _read(input, xp.rint(y.data), xp.rint(x.data))
    # its weight is 1 wherever the point is, a function of the point with slope 0: so the grid gets a zero
    # gradient, as in PyTorch, rather than none
    one = PiecewiseLinear.apply(x, xp.ones_like(x.data), xp.zeros_like(x.data))
    return value * one


def _bicubic(input: Tensor, x: Tensor, y: Tensor, padding_mode: str, align_corners: bool) -> Tensor:
    """Keys' cubic convolution over the 4 x 4 taps ``x0 - 1 .. x0 + 2``, ``y0 - 1 .. y0 + 2`` around each
    (unclipped) point; each tap is clipped or reflected by ``padding_mode`` on its own, as PyTorch's."""
    xp = backend.xp_of(x.data)
    h, w = input.shape[2:]
    x0, y0 = xp.floor(x.data), xp.floor(y.data)
    tx, ty = x - x0, y - y0
    wx = (_cubic_far(tx + 1.0), _cubic_near(tx), _cubic_near(1.0 - tx), _cubic_far(2.0 - tx))
    wy = (_cubic_far(ty + 1.0), _cubic_near(ty), _cubic_near(1.0 - ty), _cubic_far(2.0 - ty))
    cols = [_tap(x0 + (k - 1), w, padding_mode, align_corners) for k in range(4)]
    out = None
    for j in range(4):
        row_y = _tap(y0 + (j - 1), h, padding_mode, align_corners)
        row = (_read(input, row_y, cols[0]) * wx[0] + _read(input, row_y, cols[1]) * wx[1]
               + _read(input, row_y, cols[2]) * wx[2] + _read(input, row_y, cols[3]) * wx[3])
        out = row * wy[j] if out is None else out + row * wy[j]
    return out


def _read(input: Tensor, rows, cols) -> Tensor:
    """``input[n, :, rows, cols]`` for every point: ``(N, C, H_out, W_out)`` from float arrays ``rows`` and
    ``cols`` ``(N, 1, H_out, W_out)`` of whole numbers; 0 where a point is outside the image (or NaN). A
    gather by indexing, whose backward adds each gradient back at the pixel it read."""
    xp = backend.xp_of(input.data)
    n, c, h, w = input.shape
    inside = (cols >= 0) & (cols <= w - 1) & (rows >= 0) & (rows <= h - 1)     # False for NaN too
    index = (xp.arange(n).reshape(n, 1, 1, 1), xp.arange(c).reshape(1, c, 1, 1),
             xp.where(inside, rows, 0).astype(np.int64), xp.where(inside, cols, 0).astype(np.int64))
    return where(inside, getitem(input, index), 0.0)


# --------------------------------------------------------------------------- coordinates
class PiecewiseLinear(Function):
    """Coordinates moved by a piecewise-linear map (a clip, a reflection): the forward returns ``value``, the
    moved coordinates computed on the arrays; the backward multiplies the gradient by the map's ``slope`` at
    each point (1, -1 or 0), as PyTorch's ``*_set_grad`` helpers do."""

    @staticmethod
    def forward(ctx, x, value, slope):
        ctx.slope = slope
        return value

    @staticmethod
    def backward(ctx, gy):
        return mul(gy, Tensor(ctx.slope))


def _unnormalize(coord: Tensor, size: int, align_corners: bool) -> Tensor:
    """Normalised coordinates (-1 .. 1) to pixel units (0 .. size - 1 at the corner pixels' centres)."""
    if align_corners:
        return (coord + 1.0) * ((size - 1) / 2)
    return (coord + 1.0) * (size / 2) - 0.5


def _source_index(coord: Tensor, size: int, padding_mode: str, align_corners: bool) -> Tensor:
    """The point in pixel units after ``padding_mode``: as it is (``"zeros"``), clipped to ``[0, size - 1]``
    (``"border"``), or reflected and then clipped (``"reflection"``)."""
    x = _unnormalize(coord, size, align_corners)
    if padding_mode == "reflection":
        x = PiecewiseLinear.apply(x, *_reflect(x.data, size, align_corners))
    if padding_mode != "zeros":
        x = PiecewiseLinear.apply(x, *_clip(x.data, size))
    return x


def _tap(coord, size: int, padding_mode: str, align_corners: bool):
    """A bicubic tap's whole-pixel coordinate (an array) after ``padding_mode``, as :func:`_source_index`."""
    if padding_mode == "reflection":
        coord = _reflect(coord, size, align_corners)[0]
    if padding_mode != "zeros":
        coord = _clip(coord, size)[0]
    return coord


def _clip(a, size: int):
    """``(value, slope)``: ``a`` clipped to ``[0, size - 1]`` (a NaN to 0, as PyTorch's), and the slope 1
    strictly inside, 0 elsewhere (the borders count as outside, PyTorch's rule)."""
    xp = backend.xp_of(a)
    value = xp.minimum(xp.fmax(a, 0), size - 1)      # fmax, unlike maximum, drops a NaN
    slope = ((a > 0) & (a < size - 1)).astype(a.dtype)
    return value, slope


def _reflect(a, size: int, align_corners: bool):
    """``(value, slope)``: ``a`` mirrored at ``low`` and ``low + span`` until it falls between them, where
    ``low = 0, span = size - 1`` with ``align_corners`` and ``low = -1/2, span = size`` without. The mirror
    pattern repeats every ``2 span``: fold ``|a - low|`` into one period, and the second half of the period
    runs backwards. The slope is -1 where the fold or the mirror turned the direction, else 1."""
    xp = backend.xp_of(a)
    low, span = (0.0, size - 1) if align_corners else (-0.5, size)
    if span == 0:                                    # one pixel and align_corners: every point is that pixel
        return xp.zeros_like(a), xp.zeros_like(a)
    period = 2.0 * span
    d = a - low
    with _quietly():                                 # an infinite point folds to NaN, which the clip makes 0
        folded = xp.abs(d) - xp.trunc(xp.abs(d) / period) * period   # in [0, period)
    backwards = folded > period - folded
    value = xp.where(backwards, period - folded, folded) + low
    slope = xp.where(backwards ^ (d < 0), -1.0, 1.0).astype(a.dtype)
    return value, slope


# --------------------------------------------------------------------------- arguments
def _align_corners(value) -> bool:
    """``align_corners`` as a bool: ``None`` is False, with PyTorch's warning (its default changed once)."""
    if value is None:
        warnings.warn(_DEFAULT_CHANGED, stacklevel=3)
        return False
    return bool(value)


def _check_sample_args(input: Tensor, grid: Tensor, mode: str, padding_mode: str) -> None:  # noqa: A002
    if mode not in MODES:
        raise ValueError(f"grid_sample: mode must be one of {', '.join(MODES)}, got {mode!r}")
    if padding_mode not in PADDING_MODES:
        raise ValueError(f"grid_sample: padding_mode must be one of {', '.join(PADDING_MODES)}, got {padding_mode!r}")
    if input.ndim == 5:
        raise NotImplementedError(f"grid_sample: 5-D (volumetric) input is not implemented; minigan samples 4-D "
                                  f"images (N, C, H_in, W_in), got shape {input.shape}")
    if input.ndim != 4:
        raise ValueError(f"grid_sample: expected a 4-D input (N, C, H_in, W_in), got shape {input.shape}")
    if grid.ndim != 4:
        raise ValueError(f"grid_sample: expected a 4-D grid (N, H_out, W_out, 2) for a 4-D input, got grid shape "
                         f"{grid.shape}")
    if grid.shape[-1] != 2:
        raise ValueError(f"grid_sample: expected a grid of points (x, y), size 2 in its last dimension, got grid "
                         f"shape {grid.shape}")
    if grid.shape[0] != input.shape[0]:
        raise ValueError(f"grid_sample: expected grid and input to have the same batch size, got input "
                         f"{input.shape} and grid {grid.shape}")
    if 0 in input.shape[2:]:
        raise ValueError(f"grid_sample: expected an input with non-empty spatial dimensions, got shape {input.shape}")
    if not (input.is_floating_point() and grid.is_floating_point()):
        raise TypeError(f"grid_sample: expected a floating-point input and grid, got {input.dtype} and {grid.dtype}")
    if input.dtype != grid.dtype:
        raise TypeError(f"grid_sample: expected input and grid to have the same dtype, got input {input.dtype} and "
                        f"grid {grid.dtype}")
    if input.device != grid.device:
        raise RuntimeError(f"grid_sample: expected input and grid on the same device, got input on {input.device} "
                           f"and grid on {grid.device}")
