"""Histograms with their bin edges, as PyTorch's: ``histogram`` (of all the elements of a tensor) and
``histogramdd`` (of points in ``D`` dimensions, the last dim of the input). Counts have no gradient.

The bins are given by their edges: ``bins`` equal ones spanning ``range`` (default: the data's smallest to
largest value, widened by 0.5 each way if those are equal; ``[0, 1]`` for no data), or a 1-D tensor of
increasing edges. Bin ``i`` holds the values ``edges[i] <= v < edges[i+1]``, the last bin also its right edge;
values outside the edges, and nan, are not counted. ``weight`` makes each value count its weight instead of 1;
``density=True`` divides each count by the total and by the bin's width (its volume, in ``D`` dimensions), so
the histogram integrates to 1. The counts are of the input's (floating) dtype.

:func:`~minigan.ops.statistics.histc` is the older form: equal bins only, and no edges returned."""
from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np

from .. import backend
from ..autograd import Tensor

__all__ = ["histogram", "histogramdd"]

_OP = "torch.histogramdd"


class HistogramResult(NamedTuple):
    hist: Tensor
    bin_edges: Tensor


class HistogramddResult(NamedTuple):
    hist: Tensor
    bin_edges: tuple


def _edges(xp, column, bins, low_high, d: int, dtype):
    """The edges of dim ``d``: ``bins`` (a Tensor of edges), or ``bins + 1`` equal steps over the range."""
    if isinstance(bins, Tensor):
        if bins.ndim != 1:
            raise ValueError(f"{_OP}: bins tensor should have one dimension, but got {bins.ndim} dimensions in the "
                             f"bins tensor for dimension {d}")
        if bins.dtype != dtype:
            raise TypeError(f"{_OP}: input tensor and bins tensors should have the same dtype, but got input with "
                            f"dtype {dtype} and bins for dimension {d} with dtype {bins.dtype}")
        if bins.shape[0] < 1:
            raise ValueError(f"{_OP}: bins tensor should have at least 1 element, but got 0 for dimension {d}")
        return bins.data
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)):
        raise TypeError(f"{_OP}: bins must be an int or a 1-D tensor of edges, got {type(bins).__name__}")
    if bins <= 0:
        raise ValueError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension {d}")
    if low_high is not None:
        low, high = (float(v) for v in low_high)
    elif column.size:
        low, high = float(column.min()), float(column.max())
    else:
        low, high = 0.0, 1.0
    if low > high:
        raise ValueError(f"{_OP}: min should not exceed max, but got min {low:g} max {high:g} for dimension {d}")
    if not (np.isfinite(low) and np.isfinite(high)):
        raise ValueError(f"{_OP}: dimension {d}'s range [{low:g}, {high:g}] is not finite")
    if low == high:
        low, high = low - 0.5, high + 0.5
    return xp.linspace(low, high, int(bins) + 1, dtype=np.float64).astype(dtype)


def _place(xp, column, edges):
    """The bin of each value (``-1`` where it is outside the edges or nan)."""
    n = edges.shape[0] - 1
    place = xp.searchsorted(edges, column, side="right") - 1
    place = xp.where(column == edges[-1], n - 1, place)                 # the last edge closes the last bin
    return xp.where((place >= 0) & (place < n) & ~xp.isnan(column), place, -1)


def _histogramdd(x: Tensor, bins, ranges, weight, density: bool, dims: int):
    xp, dtype = backend.xp_of(x.data), x.dtype
    points = x.data.reshape(-1, dims)
    if ranges is not None:
        ranges = [float(v) for v in ranges]
        if len(ranges) != 2 * dims:
            raise ValueError(f"{_OP}: for a {dims}-dimensional histogram range should have {2 * dims} elements, "
                             f"but got {len(ranges)}")
    if weight is not None:
        if not isinstance(weight, Tensor) or tuple(weight.shape) != tuple(x.shape[:-1]):
            got = list(weight.shape) if isinstance(weight, Tensor) else type(weight).__name__
            raise ValueError(f"{_OP}: if weight tensor is provided it should have the same shape as the input tensor "
                             f"excluding its innermost dimension, but got input with shape {list(x.shape)} and "
                             f"weight with shape {got}")
    edges = [_edges(xp, points[:, d], bins[d], None if ranges is None else ranges[2 * d:2 * d + 2], d, dtype)
             for d in range(dims)]
    sizes = tuple(e.shape[0] - 1 for e in edges)
    flat = xp.zeros(points.shape[0], dtype=np.int64)
    inside = xp.ones(points.shape[0], dtype=bool)
    for d in range(dims):
        place = _place(xp, points[:, d], edges[d])
        inside &= place >= 0
        flat = flat * sizes[d] + xp.maximum(place, 0)
    w = None if weight is None else weight.data.reshape(-1).astype(np.float64)[inside]
    hist = xp.bincount(flat[inside], weights=w, minlength=int(np.prod(sizes))).astype(np.float64).reshape(sizes)
    if density:
        volume = xp.ones(sizes, dtype=np.float64)
        for d in range(dims):
            width = xp.diff(edges[d].astype(np.float64))
            volume = volume * width.reshape((-1,) + (1,) * (dims - 1 - d))
        hist = hist / (hist.sum() * volume)
    return Tensor(hist.astype(dtype)), tuple(Tensor(e) for e in edges)


def _floating(op: str, x: Tensor) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(x).__name__}")
    if x.dtype.kind != "f":
        raise TypeError(f'{op}: "histogramdd" not implemented for {x.dtype}; expected a floating-point tensor')


def histogram(input: Tensor, bins, *, range=None, weight=None, density: bool = False) -> HistogramResult:  # noqa: A002
    """``(hist, bin_edges)`` of all the elements of ``input``, as ``torch.histogram``: ``bins`` an int (that many
    equal bins over ``range``, ``(min, max)``) or a 1-D tensor of increasing edges (of input's dtype);
    ``weight`` of input's shape; see the module's docstring. ``hist`` has one entry per bin, ``bin_edges`` one
    more. Not differentiable."""
    _floating("torch.histogram", input)
    if weight is not None and isinstance(weight, Tensor) and weight.shape == input.shape:
        weight = weight.reshape(-1)
    elif weight is not None:
        got = list(weight.shape) if isinstance(weight, Tensor) else type(weight).__name__
        raise ValueError(f"torch.histogram: weight should have the same shape as the input, but got input with "
                         f"shape {list(input.shape)} and weight with shape {got}")
    hist, edges = _histogramdd(input.reshape(-1, 1), [bins], range, weight, density, 1)
    return HistogramResult(hist, edges[0])


def histogramdd(input: Tensor, bins, *, range=None, weight=None,  # noqa: A002 - PyTorch's names
                density: bool = False) -> HistogramddResult:
    """``(hist, bin_edges)`` of the points in the rows of ``input (*, D)``, as ``torch.histogramdd``: ``hist`` is
    ``D``-dimensional, one axis per coordinate; ``bins`` an int (for every dim), a sequence of ``D`` ints, or a
    sequence of ``D`` 1-D edge tensors; ``range`` a flat sequence ``(min_0, max_0, min_1, max_1, ...)``;
    ``weight`` of shape ``input.shape[:-1]``. ``bin_edges`` is a tuple of ``D`` tensors. Not
    differentiable."""
    _floating(_OP, input)
    if input.ndim < 2:
        raise ValueError(f"{_OP}: input tensor should have at least 2 dimensions")
    dims = input.shape[-1]
    if isinstance(bins, (numbers.Integral, Tensor)) and not isinstance(bins, bool):
        if isinstance(bins, Tensor):
            raise TypeError(f"{_OP}: bins must be an int or a sequence of ints or of 1-D tensors, not a Tensor")
        bins = [bins] * dims
    bins = list(bins)
    if len(bins) != dims:
        raise ValueError("histogramdd: The size of bins must be equal to the innermost dimension of the input.")
    return HistogramddResult(*_histogramdd(input, bins, range, weight, density, dims))
