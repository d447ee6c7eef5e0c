"""Calculus on sampled functions, as PyTorch's: the integral of samples by the trapezoid rule (trapezoid, trapz),
its running form (cumulative_trapezoid), and the derivative estimated by finite differences (gradient).

Every function here is a composition of differentiable ops (slices by :func:`narrow`, products, sums, cumsum),
so the gradient comes from them and differentiates again: each output is a fixed linear combination of the
samples ``y`` (its weights set by the spacing), so ``dL/dy`` spreads the output gradient back with those same
weights; where the spacing is a tensor of coordinates, it gets a gradient too.

Samples ``y_0 .. y_{n-1}`` along ``dim`` at places ``x_0 .. x_{n-1}``:

- trapezoid: ``sum_i (x_{i+1} - x_i) (y_i + y_{i+1}) / 2``: the area under the broken line through the samples;
- cumulative_trapezoid: the partial sums of those ``n - 1`` terms;
- gradient: ``(y_{i+1} - y_{i-1}) / (2 h)`` inside (a second-order central difference; for uneven steps, the
  weights of the parabola through three neighbours), and one-sided differences of order ``edge_order`` at the
  two ends, as ``numpy.gradient``."""
from __future__ import annotations

import numbers

import numpy as np

from ..autograd import Tensor
from ._util import as_floating, normalize_dim
from .cumulative import cumsum
from .indexing import narrow
from .reduction import sum as _sum
from .shape import concatenate, reshape

__all__ = ["trapezoid", "trapz", "cumulative_trapezoid", "gradient"]


def _sample_dim(op: str, y: Tensor, dim: int) -> int:
    if y.ndim == 0:
        raise IndexError(f"{op}: Dimension specified as {dim} but tensor has no dimensions")
    return normalize_dim(dim, y.ndim, op)


def _steps(op: str, y: Tensor, x, dx, d: int):
    """The widths ``x_{i+1} - x_i`` along dim ``d``, shaped to broadcast against ``y``'s pieces, or a number."""
    if x is not None and dx is not None:
        raise TypeError(f"{op}: give x or dx, not both")
    if x is None:
        return 1.0 if dx is None else dx
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: x must be a Tensor, got {type(x).__name__}")
    x = as_floating(x)
    if x.ndim == 1:
        if x.shape[0] != y.shape[d]:
            raise ValueError(f"{op}: There must be one `x` value for each sample point")
        w = narrow(x, 0, 1, x.shape[0] - 1) - narrow(x, 0, 0, x.shape[0] - 1) if x.shape[0] else x
        return reshape(w, (-1,) + (1,) * (y.ndim - 1 - d))
    if x.ndim != y.ndim:        # x is broadcast against y, as PyTorch does
        x = reshape(x, (1,) * (y.ndim - x.ndim) + x.shape) if x.ndim < y.ndim else x
    dx_dim = d - y.ndim + x.ndim if x.ndim >= y.ndim else d
    n = x.shape[dx_dim]
    try:
        np.broadcast_shapes(x.shape, y.shape)
    except ValueError:
        raise ValueError(f"{op}: x of shape {tuple(x.shape)} does not broadcast against y of shape "
                         f"{tuple(y.shape)}") from None
    return narrow(x, dx_dim, 1, n - 1) - narrow(x, dx_dim, 0, n - 1) if n else x


def _pairs(y: Tensor, d: int) -> Tensor:
    """``y_i + y_{i+1}`` along dim ``d`` (``n - 1`` of them)."""
    n = y.shape[d]
    return narrow(y, d, 0, n - 1) + narrow(y, d, 1, n - 1)


def trapezoid(y: Tensor, x: Tensor | None = None, *, dx=None, dim: int = -1) -> Tensor:
    """The trapezoid-rule integral of the samples ``y`` along ``dim``, as ``torch.trapezoid``: ``(*, n, *) ->
    (*, *)``. The samples sit at ``x`` (a 1-D tensor of ``n`` places, or a tensor that broadcasts against
    ``y``) or ``dx`` apart (default 1). Integer ``y`` gives float32. Fewer than two samples give 0.

    ``sum_i (x_{i+1} - x_i) (y_i + y_{i+1}) / 2``; a composition, so the gradient of ``y_i`` is half the
    widths on its two sides (times the output gradient), and that of ``x_i`` the difference of the mean
    heights on its two sides."""
    op = "trapezoid"
    d = _sample_dim(op, y, dim)
    y = as_floating(y)
    w = _steps(op, y, x, dx, d)
    if y.shape[d] == 0:
        return _sum(y, d)
    return _sum(_pairs(y, d) * w, d) / 2


def trapz(y: Tensor, x: Tensor | None = None, *, dx=None, dim: int = -1) -> Tensor:
    """``torch.trapz``, the older name of :func:`trapezoid` (``trapz(y, x, dim=)`` or ``trapz(y, dx=, dim=)``)."""
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y: Tensor, x: Tensor | None = None, *, dx=None, dim: int = -1) -> Tensor:
    """The running trapezoid-rule integral of ``y`` along ``dim``, as ``torch.cumulative_trapezoid``: ``n``
    samples give ``n - 1`` partial integrals (the first is the area of the first trapezoid; the integral up to
    ``x_0``, 0, is not included). A composition: the terms of :func:`trapezoid`, then :func:`cumsum`."""
    op = "cumulative_trapezoid"
    d = _sample_dim(op, y, dim)
    y = as_floating(y)
    w = _steps(op, y, x, dx, d)
    if y.shape[d] == 0:
        return y
    return cumsum(_pairs(y, d) * w / 2, d)


# ----------------------------------------------------------------------------- gradient
def _coordinates(op: str, spacing, dims: list[int], ndim: int) -> list:
    """One spacing per dim: a number (an even step) or a 1-D Tensor of coordinates."""
    def plain(s):
        if isinstance(s, Tensor):
            if s.ndim == 0:
                return s.item()
            if s.ndim != 1:
                raise ValueError(f"{op} expected each element of spacing to have one dimension, but got an element "
                                 f"with {s.ndim} dimensions!")
            return s
        if isinstance(s, numbers.Number) and not isinstance(s, bool):
            return s
        raise TypeError(f"{op}: spacing must be a number, a 1-D tensor or a list of them, got {type(s).__name__}")

    if isinstance(spacing, Tensor) and spacing.ndim == 0 or isinstance(spacing, numbers.Number):
        return [plain(spacing)] * len(dims)
    spacing = list(spacing)
    if spacing and all(isinstance(s, Tensor) and s.ndim == 0 for s in spacing):
        raise ValueError(f"{op} expected each element of spacing to have one dimension, but got an element with 0 "
                         "dimensions!")
    if len(spacing) != len(dims):
        if len(dims) == ndim:
            raise ValueError(f"{op} expected spacing to be unspecified, a scalar, or a list of length equal to "
                             f"'self.dim() = {ndim}', since dim argument was not given, but got a list of length "
                             f"{len(spacing)}")
        raise ValueError(f"{op} expected spacing to be unspecified, a scalar or it's spacing and dim arguments to "
                         f"have the same length, but got a spacing argument of length {len(spacing)} and a dim "
                         f"argument of length {len(dims)}.")
    return [plain(s) for s in spacing]


def _along(y: Tensor, d: int, start: int, length: int) -> Tensor:
    return narrow(y, d, start, length)


def _uneven(f: Tensor, x: Tensor, d: int, edge_order: int) -> Tensor:
    """The derivative along ``d`` of samples at coordinates ``x`` (1-D), from the parabola through each sample
    and its two neighbours inside, and one-sided differences at the ends."""
    n = f.shape[d]
    shape = (-1,) + (1,) * (f.ndim - 1 - d)
    h = reshape(narrow(x, 0, 1, n - 1) - narrow(x, 0, 0, n - 1), shape)          # the n - 1 steps
    a, b = _along(h, 0, 0, n - 2), _along(h, 0, 1, n - 2)                           # steps left and right of each
    inner = (-b / (a * (a + b)) * _along(f, d, 0, n - 2) + (b - a) / (a * b) * _along(f, d, 1, n - 2)
             + a / (b * (a + b)) * _along(f, d, 2, n - 2))
    if edge_order == 1:
        first = (_along(f, d, 1, 1) - _along(f, d, 0, 1)) / _along(h, 0, 0, 1)
        last = (_along(f, d, n - 1, 1) - _along(f, d, n - 2, 1)) / _along(h, 0, n - 2, 1)
    else:
        a, b = _along(h, 0, 0, 1), _along(h, 0, 1, 1)
        first = (-(2 * a + b) / (a * (a + b)) * _along(f, d, 0, 1) + (a + b) / (a * b) * _along(f, d, 1, 1)
                 - a / (b * (a + b)) * _along(f, d, 2, 1))
        a, b = _along(h, 0, n - 3, 1), _along(h, 0, n - 2, 1)
        last = (b / (a * (a + b)) * _along(f, d, n - 3, 1) - (a + b) / (a * b) * _along(f, d, n - 2, 1)
                + (2 * b + a) / (b * (a + b)) * _along(f, d, n - 1, 1))
    return concatenate([first, inner, last], d)


def _even(f: Tensor, h, d: int, edge_order: int) -> Tensor:
    """The derivative along ``d`` of samples ``h`` apart: central differences inside, one-sided at the ends."""
    n = f.shape[d]
    inner = (_along(f, d, 2, n - 2) - _along(f, d, 0, n - 2)) / (2 * h)
    if edge_order == 1:
        first = (_along(f, d, 1, 1) - _along(f, d, 0, 1)) / h
        last = (_along(f, d, n - 1, 1) - _along(f, d, n - 2, 1)) / h
    else:
        first = (-3 * _along(f, d, 0, 1) + 4 * _along(f, d, 1, 1) - _along(f, d, 2, 1)) / (2 * h)
        last = (3 * _along(f, d, n - 1, 1) - 4 * _along(f, d, n - 2, 1) + _along(f, d, n - 3, 1)) / (2 * h)
    return concatenate([first, inner, last], d)


def gradient(input: Tensor, *, spacing=1, dim=None, edge_order: int = 1) -> tuple[Tensor, ...]:  # noqa: A002
    """The derivative of the samples ``input`` along each dim in ``dim`` (all of them by default), estimated by
    finite differences, as ``torch.gradient``: a tuple of tensors of ``input``'s shape, one per dim.

    ``spacing``: a number (the same step along every dim), a list of numbers (one step per dim), or a list of
    1-D tensors (the coordinates of the samples along each dim, which may be uneven). Inside, the second-order
    central difference ``(f_{i+1} - f_{i-1}) / 2h`` (for uneven steps, the slope at ``x_i`` of the parabola
    through three neighbours); at the ends, one-sided differences of first (``edge_order=1``) or second order.
    Each dim needs at least ``edge_order + 1`` samples. Integer input gives float32. A composition of slices
    and arithmetic, so it is differentiable in ``input`` (and in tensor coordinates)."""
    op = "torch.gradient"
    if edge_order not in (1, 2):
        raise ValueError(f"{op} only supports edge_order=1 and edge_order=2.")
    if dim is None:
        dims = list(range(input.ndim))
    else:
        dims = [normalize_dim(d, input.ndim, op) for d in ([dim] if isinstance(dim, (int, np.integer)) else dim)]
        repeated = [d for d in dims if dims.count(d) > 1]
        if repeated:
            raise ValueError(f"dim {repeated[0]} appears multiple times in the list of dims")
    steps = _coordinates(op, spacing, dims, input.ndim)
    f = as_floating(input)
    for d in dims:
        if f.shape[d] < edge_order + 1:
            raise ValueError(f"{op} expected each dimension size to be at least edge_order+1")
    out = []
    for d, h in zip(dims, steps):
        if isinstance(h, Tensor):
            if h.shape[0] != f.shape[d]:
                raise ValueError(f"{op} expected each tensor in spacing to have as many elements as input's dim "
                                 f"{d} ({f.shape[d]}), but got {h.shape[0]}")
            out.append(_uneven(f, as_floating(h), d, edge_order))
        else:
            out.append(_even(f, h, d, edge_order))
    return tuple(out)
