"""Fractional max pooling (Graham, 2014): max pooling whose output size is any fraction of the input's.

Along a dim of ``n_in`` inputs pooled to ``n_out`` outputs with windows of ``k``, the windows start at

    start[i] = int((i + u) * alpha) - int(u * alpha),   alpha = (n_in - k) / (n_out - 1),   i < n_out - 1
    start[n_out - 1] = n_in - k

with one sample ``u`` in [0, 1) per (batch, channel) and dim, so the steps between windows are a random mix of
``floor(alpha)`` and ``ceil(alpha)``. The arithmetic is done in the input's dtype, as PyTorch does, so the same
``_random_samples`` give the same windows (and the same values and gradients) as ``torch.nn.functional``'s.
Each window is ``k`` wide; the output is the window's maximum (ties: the first in row-major order; a window with
a NaN gives NaN, named by its last NaN, as PyTorch's CPU kernel).

The op is composed of the max pooling's own differentiable pieces: the winners are picked on raw arrays (the
indices have no gradient), and the values are read with :class:`~minigan.ops.pool.MaxPoolGather`, a gather by
flat index whose backward is the scatter-add to the winners (windows may overlap, so one input can win twice
and gets both gradients) and whose second backward is the gather again: derivatives of any order work.
Shapes: ``(N, C, H, W) -> (N, C, H_out, W_out)`` and ``(N, C, D, H, W) -> (N, C, D_out, H_out, W_out)``, or
one unbatched input without ``N``; ``_random_samples`` is ``(N, C, 2)`` (width's sample first, then height's)
or ``(N, C, 3)`` (depth, height, width), as PyTorch's.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from .. import backend
from ..autograd import Tensor, as_tensor
from ..kernels import shapes
from .pool import MaxPoolGather
from .shape import reshape, squeeze, unsqueeze

__all__ = ["fractional_max_pool2d", "fractional_max_pool2d_with_indices", "fractional_max_pool3d",
           "fractional_max_pool3d_with_indices"]

_DIM_NAMES = {2: ("height", "width"), 3: ("time", "height", "width")}


def window_starts(xp, u, n_in: int, n_out: int, k: int):
    """``(..., n_out)`` int64: where each window starts along one dim, for samples ``u`` of any shape (the formula
    of the module's docstring, in ``u``'s dtype, truncated toward zero as C's cast)."""
    dtype = u.dtype.type
    starts = xp.full(u.shape + (n_out,), n_in - k, dtype=np.int64)
    if n_out > 1:
        alpha = dtype(n_in - k) / dtype(n_out - 1)
        i = xp.arange(n_out - 1).astype(u.dtype)
        starts[..., :-1] = (((i + u[..., None]) * alpha).astype(np.int64)
                            - (u * alpha).astype(np.int64)[..., None])
    return starts


def _winners(x, samples, out_sizes, kernel):
    """``x (N, C, *sizes)`` -> int64 ``(N, C, *out_sizes)``: the flat index into each input plane/volume of every
    window's maximum, on raw arrays. The windows' flat indices are built as one ``(N, C, o1, k1, o2, k2, ...)``
    array (one pair of axes per dim), their taps gathered, and the first maximum (or last NaN) kept."""
    xp = backend.xp_of(x)
    n, c, *sizes = x.shape
    dims = len(sizes)
    flat = xp.zeros((n, c) + (1,) * (2 * dims), dtype=np.int64)
    stride = 1
    for d in reversed(range(dims)):       # sample d of PyTorch's is for dim dims-1-d of 2-D, for dim d of 3-D
        u = samples[:, :, dims - 1 - d] if dims == 2 else samples[:, :, d]
        idx = window_starts(xp, u, sizes[d], out_sizes[d], kernel[d])[..., None] + xp.arange(kernel[d])
        shape = [n, c] + [1] * (2 * dims)
        shape[2 + 2 * d], shape[3 + 2 * d] = out_sizes[d], kernel[d]
        flat = flat + idx.reshape(shape) * stride
        stride *= sizes[d]
    taps_at = flat.transpose((0, 1) + tuple(range(2, 2 + 2 * dims, 2)) + tuple(range(3, 3 + 2 * dims, 2)))
    taps_at = taps_at.reshape(n, c, *out_sizes, -1)
    taps = xp.take_along_axis(x.reshape(n, c, -1), taps_at.reshape(n, c, -1), axis=2).reshape(taps_at.shape)
    kk = taps.shape[-1]
    tap = taps.argmax(axis=-1)
    nan = taps != taps
    tap = xp.where(nan.any(axis=-1), kk - 1 - nan[..., ::-1].argmax(axis=-1), tap)
    return xp.take_along_axis(taps_at, tap[..., None], axis=-1)[..., 0]


def _output_sizes(op: str, x: Tensor, dims: int, output_size, output_ratio) -> tuple[int, ...]:
    if output_size is None and output_ratio is None:
        raise ValueError(f"{op} requires specifying either an output_size or an output_ratio")
    if output_size is None:
        ratio = (output_ratio,) * dims if isinstance(output_ratio, numbers.Real) else tuple(output_ratio)
        if len(ratio) != dims:
            raise TypeError(f"{op}: output_ratio must be a number or a {dims}-tuple of numbers, got {output_ratio!r}")
        return tuple(int(s * r) for s, r in zip(x.shape[-dims:], ratio))
    return shapes.ntuple(output_size, dims, "output_size", op)


def _fractional_max_pool(op: str, dims: int, input: Tensor, kernel_size, output_size, output_ratio,
                         _random_samples) -> tuple[Tensor, Tensor]:
    x = as_tensor(input)
    if x.ndim not in (dims + 1, dims + 2):
        raise ValueError(f"{op}: expected a {dims + 1}-D (unbatched) or {dims + 2}-D (batched) input, "
                         f"got shape {x.shape}")
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating-point input, got dtype {x.dtype}")
    kernel = shapes.ntuple(kernel_size, dims, "kernel_size", op)
    out_sizes = _output_sizes(op, x, dims, output_size, output_ratio)
    batched = x.ndim == dims + 2
    if not batched:
        x = unsqueeze(x, 0)
    n, c, *sizes = x.shape
    for name, o, k, s in zip(_DIM_NAMES[dims], out_sizes, kernel, sizes):
        if k < 1 or o < 1:
            raise ValueError(f"{op}: kernel_size {kernel} and output_size {out_sizes} must be positive")
        if o + k - 1 >= s:
            raise ValueError(f"{op}: pool {name} {k} too large relative to input {name} {s} (output {name} {o}: "
                             f"it needs output + kernel - 1 < input)")
    if _random_samples is None:
        from ..creation import rand
        samples = rand(n, c, dims, device=x.device, dtype=x.dtype).data
    else:
        samples = as_tensor(_random_samples).data
        if samples.ndim != 3 or samples.shape[1] != c or samples.shape[2] != dims or samples.shape[0] < n:
            raise ValueError(f"{op}: expected _random_samples of shape ({n}, {c}, {dims}) (batch, channels, one "
                             f"sample per dim), got shape {tuple(samples.shape)}")
        samples = backend.to_device(samples[:n], x.device).astype(x.dtype, copy=False)
    indices = Tensor(_winners(x.data, samples, out_sizes, kernel))
    y = MaxPoolGather.apply(reshape(x, (n, c, 1, math.prod(sizes))), indices.data)
    if not batched:
        y, indices = squeeze(y, 0), squeeze(indices, 0)
    return y, indices


def fractional_max_pool2d_with_indices(input: Tensor, kernel_size, output_size=None, output_ratio=None,
                                       return_indices: bool = False, _random_samples=None):
    """:func:`fractional_max_pool2d` that always returns ``(output, indices)``, each index the flat
    ``h * W + w`` of its window's maximum in its input plane (int64), as ``max_unpool2d`` takes."""
    return _fractional_max_pool("fractional_max_pool2d", 2, input, kernel_size, output_size, output_ratio,
                                _random_samples)


def fractional_max_pool2d(input: Tensor, kernel_size, output_size=None, output_ratio=None,
                          return_indices: bool = False, _random_samples=None):
    """Fractional max pooling over ``(N, C, H, W)`` (or ``(C, H, W)``) to ``output_size`` (an int or a pair) or
    to ``int(size * output_ratio)`` along each dim (a ratio in (0, 1), or a pair), with ``kernel_size`` windows
    placed by one random sample per (batch, channel) and dim (the module's docstring): ``torch.nn.functional.
    fractional_max_pool2d``. ``_random_samples (N, C, 2)`` fixes the windows; without it they are drawn from
    minigan's seeded generator. With ``return_indices=True``: ``(output, indices)``."""
    y, indices = fractional_max_pool2d_with_indices(input, kernel_size, output_size, output_ratio, True,
                                                    _random_samples)
    return (y, indices) if return_indices else y


def fractional_max_pool3d_with_indices(input: Tensor, kernel_size, output_size=None, output_ratio=None,
                                       return_indices: bool = False, _random_samples=None):
    """:func:`fractional_max_pool3d` that always returns ``(output, indices)``, each index the flat
    ``d * H * W + h * W + w`` of its window's maximum in its input volume (int64)."""
    return _fractional_max_pool("fractional_max_pool3d", 3, input, kernel_size, output_size, output_ratio,
                                _random_samples)


def fractional_max_pool3d(input: Tensor, kernel_size, output_size=None, output_ratio=None,
                          return_indices: bool = False, _random_samples=None):
    """Fractional max pooling over ``(N, C, D, H, W)`` (or without ``N``), as :func:`fractional_max_pool2d` along
    three dims: ``torch.nn.functional.fractional_max_pool3d``; ``_random_samples`` is ``(N, C, 3)``."""
    y, indices = fractional_max_pool3d_with_indices(input, kernel_size, output_size, output_ratio, True,
                                                    _random_samples)
    return (y, indices) if return_indices else y
