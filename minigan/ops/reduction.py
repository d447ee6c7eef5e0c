"""Reductions: sum, mean, amax/amin, max/min (values and indices along a dim), argmax/argmin, var, std.
The backward of a reduction broadcasts the gradient back over the reduced dims: a sum spreads it
unchanged, a mean divides it by the count, amax shares it between the maxima, and ``max(x, dim)`` sends
it to the one maximum whose index it returned.

Each takes PyTorch's argument names (``dim``, ``keepdim``) or NumPy's (``axis``, ``keepdims``)."""
from __future__ import annotations

import math
import warnings
from typing import NamedTuple

import numpy as np

from .. import backend
from ..autograd import Function, Tensor
from ._util import either, normalize_dim
from .arithmetic import Sqrt, where
from .shape import broadcast_to, reshape


def _axes(dim, ndim: int, op: str) -> tuple[int, ...]:
    """``dim`` (an int, a tuple of ints, or None for every dim) as sorted dims in ``range(ndim)``. An empty
    tuple also means every dim, as in PyTorch. A 0-d tensor has no dims: its dim 0 (or -1) is the tensor
    itself, so there is nothing to reduce."""
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        return tuple(range(ndim))
    dims = tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)
    axes = [normalize_dim(d, ndim, op) for d in dims]
    if len(set(axes)) != len(axes):
        raise ValueError(f"{op}: dims {dims} name the same dim more than once (tensor of {ndim} dims)")
    return tuple(sorted(axes)) if ndim else ()


def _dims(op: str, x: Tensor, dim, axis, keepdim, keepdims) -> tuple[tuple[int, ...], bool]:
    """The dims to reduce and whether to keep them, from either spelling of the two arguments."""
    if dim is None and axis is None and keepdim is None and keepdims is None:      # the whole tensor: the loss
        return tuple(range(x.ndim)), False
    dim = either(op, "dim", dim, "axis", axis)
    keepdim = either(op, "keepdim", keepdim, "keepdims", keepdims, default=False)
    return _axes(dim, x.ndim, op), bool(keepdim)


def _kept_shape(shape, axes) -> tuple[int, ...]:
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _check_not_empty(op: str, x: Tensor, axes) -> None:
    """A max or an argmax over no elements is not defined (a sum's is 0, a mean's nan)."""
    for a in axes:
        if x.shape[a] == 0:
            raise ValueError(f"{op}: dim {a} of the tensor (shape {x.shape}) has size 0, and the {op} "
                             f"of no elements is not defined")


class Sum(Function):
    @staticmethod
    def forward(ctx, x, axes, keepdims):
        ctx.in_shape, ctx.axes = x.shape, axes
        return x.sum(axis=axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, gy):
        return broadcast_to(reshape(gy, _kept_shape(ctx.in_shape, ctx.axes)), ctx.in_shape)


def sum(x: Tensor, dim=None, keepdim: bool | None = None, *, axis=None,  # noqa: A001 - mirrors torch.sum
        keepdims: bool | None = None) -> Tensor:
    """The sum over ``dim`` (an int, a tuple of ints, or None for every dim); ``keepdim=True`` keeps the
    reduced dims with size 1. The sum of no elements is 0."""
    axes, keep = _dims("sum", x, dim, axis, keepdim, keepdims)
    return Sum.apply(x, axes, keep)


def mean(x: Tensor, dim=None, keepdim: bool | None = None, *, axis=None, keepdims: bool | None = None) -> Tensor:
    """The mean over ``dim`` (as :func:`sum`). The mean of no elements is nan, as in PyTorch, and the mean of
    an integer tensor is refused, as there (convert it with ``.float()``)."""
    if x.dtype.kind not in "fc":
        raise TypeError(f"mean(): expected a floating-point tensor, got {x.dtype} (convert it with .float())")
    axes, keep = _dims("mean", x, dim, axis, keepdim, keepdims)
    count = math.prod(x.shape[a] for a in axes)
    return Sum.apply(x, axes, keep) * (1.0 / count if count else math.nan)


class AmaxAmin(Function):
    """The largest value over ``axes`` (``pick="max"``), or the smallest (``pick="min"``). Where several
    elements tie, they share the gradient evenly (as in ``torch.amax``), so no arbitrary choice enters it."""

    @staticmethod
    def forward(ctx, x, axes, keepdim, pick):
        y = x.max(axis=axes, keepdims=True) if pick == "max" else x.min(axis=axes, keepdims=True)
        ctx.in_shape, ctx.axes = x.shape, axes
        ctx.save_for_backward(x, y)
        return y if keepdim else y.reshape([n for i, n in enumerate(y.shape) if i not in axes])

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        hit = (x.data == y.data).astype(gy.dtype)
        share = Tensor(hit / hit.sum(axis=ctx.axes, keepdims=True))
        return broadcast_to(reshape(gy, _kept_shape(ctx.in_shape, ctx.axes)), ctx.in_shape) * share


class MaxMinAlongDim(Function):
    """The largest value along one dim and its index (``pick="max"``), or the smallest (``pick="min"``).
    Where several tie, the index is the first of them, as PyTorch's on the CPU. The gradient goes to that
    one element only; compare :class:`AmaxAmin`, whose ties share it."""

    @staticmethod
    def forward(ctx, x, axis, keepdim, pick):
        xp = backend.xp_of(x)
        find = xp.argmax if pick == "max" else xp.argmin
        index = xp.expand_dims(find(x, axis=axis), axis).astype(np.int64)    # the dim kept, with size 1
        values = xp.take_along_axis(x, index, axis=axis)
        ctx.in_shape, ctx.axis, ctx.index = x.shape, axis, index
        if not keepdim:
            values, index = values.squeeze(axis), index.squeeze(axis)
        return values, index

    @staticmethod
    def backward(ctx, gy, g_index):  # g_index: the indices are integers, with no gradient
        n, ndim = ctx.in_shape[ctx.axis], len(ctx.in_shape)
        position = backend.xp_of(ctx.index).arange(n).reshape([n if i == ctx.axis else 1 for i in range(ndim)])
        chosen = Tensor((position == ctx.index).astype(gy.dtype))    # 1 at the index forward returned
        return broadcast_to(reshape(gy, _kept_shape(ctx.in_shape, (ctx.axis,))), ctx.in_shape) * chosen


class ValuesIndices(NamedTuple):
    """What ``max`` and ``min`` along a dim return, as ``torch.return_types.max``:
    ``values, indices = x.max(dim=1)``, or ``x.max(dim=1).values``."""

    values: Tensor
    indices: Tensor


def amax(x: Tensor, dim=None, keepdim: bool | None = None, *, axis=None, keepdims: bool | None = None) -> Tensor:
    """The largest value over ``dim`` (an int, a tuple of ints, or None for every dim). Tied maxima share
    the gradient evenly."""
    axes, keep = _dims("amax", x, dim, axis, keepdim, keepdims)
    _check_not_empty("amax", x, axes)
    return AmaxAmin.apply(x, axes, keep, "max")


def amin(x: Tensor, dim=None, keepdim: bool | None = None, *, axis=None, keepdims: bool | None = None) -> Tensor:
    """The smallest value over ``dim``, as :func:`amax`."""
    axes, keep = _dims("amin", x, dim, axis, keepdim, keepdims)
    _check_not_empty("amin", x, axes)
    return AmaxAmin.apply(x, axes, keep, "min")


def _max_or_min(pick: str, x: Tensor, dim, keepdim, axis, keepdims):
    dim = either(pick, "dim", dim, "axis", axis)
    if dim is None:         # the largest element of all, a 0-d tensor (ties share the gradient)
        _check_not_empty(pick, x, range(x.ndim))
        return AmaxAmin.apply(x, tuple(range(x.ndim)), False, pick)
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"{pick}: dim must be one int, got {dim!r}; over several dims use a{pick}(x, {dim!r})")
    axis = normalize_dim(dim, x.ndim, pick)
    keep = bool(either(pick, "keepdim", keepdim, "keepdims", keepdims, default=False))
    if x.ndim == 0:         # a 0-d tensor is its own one element: values is x, indices is 0
        return ValuesIndices(*MaxMinAlongDim.apply(reshape(x, (1,)), 0, False, pick))
    _check_not_empty(pick, x, (axis,))
    return ValuesIndices(*MaxMinAlongDim.apply(x, axis, keep, pick))


def max(x: Tensor, dim=None, keepdim: bool | None = None, *, axis=None,  # noqa: A001 - mirrors torch.max
        keepdims: bool | None = None):
    """Without ``dim``: the largest element, a 0-d tensor; tied maxima share the gradient, as in PyTorch.
    With ``dim`` (one int): ``ValuesIndices(values, indices)``, the largest value along it and where it is;
    the gradient goes to that one index. Over several dims, use :func:`amax`."""
    return _max_or_min("max", x, dim, keepdim, axis, keepdims)


def min(x: Tensor, dim=None, keepdim: bool | None = None, *, axis=None,  # noqa: A001 - mirrors torch.min
        keepdims: bool | None = None):
    """The smallest element, or ``(values, indices)`` along ``dim``: as :func:`max`."""
    return _max_or_min("min", x, dim, keepdim, axis, keepdims)


def _arg(pick: str, x: Tensor, dim, keepdim, axis, keepdims) -> Tensor:
    op = "arg" + pick
    dim = either(op, "dim", dim, "axis", axis)
    keep = either(op, "keepdim", keepdim, "keepdims", keepdims, default=False)
    xp = backend.xp_of(x.data)
    find = xp.argmax if pick == "max" else xp.argmin
    if dim is None:         # an index into the flattened tensor
        _check_not_empty(op, x, range(x.ndim))
        index = xp.asarray(find(x.data), dtype=np.int64)
        return Tensor(index.reshape((1,) * x.ndim if keep else ()))
    axis = normalize_dim(dim, x.ndim, op)
    if x.ndim == 0:         # a 0-d tensor is its own one element, at index 0
        return Tensor(xp.zeros((), dtype=np.int64))
    _check_not_empty(op, x, (axis,))
    index = find(x.data, axis=axis).astype(np.int64)
    return Tensor(xp.expand_dims(index, axis) if keep else index)


def argmax(x: Tensor, dim=None, keepdim: bool | None = None, *, axis=None, keepdims: bool | None = None) -> Tensor:
    """The index (int64) of the largest element along ``dim``, or in the flattened tensor when ``dim`` is
    None; the first one where several tie. Not differentiable."""
    return _arg("max", x, dim, keepdim, axis, keepdims)


def argmin(x: Tensor, dim=None, keepdim: bool | None = None, *, axis=None, keepdims: bool | None = None) -> Tensor:
    """The index of the smallest element: as :func:`argmax`."""
    return _arg("min", x, dim, keepdim, axis, keepdims)


def _correction(op: str, unbiased, correction) -> int:
    """``correction`` from either of PyTorch's spellings: ``unbiased=True`` is 1, ``unbiased=False`` 0."""
    if unbiased is None:
        return 1 if correction is None else correction
    if correction is not None and correction != int(unbiased):
        raise TypeError(f"{op}: got unbiased={unbiased!r} and correction={correction!r}; give one of them")
    return int(unbiased)


def _variance(op: str, x: Tensor, dim, unbiased, keepdim, correction, axis, keepdims) -> Tensor:
    axes, keep = _dims(op, x, dim, axis, keepdim, keepdims)
    dof = math.prod(x.shape[a] for a in axes) - _correction(op, unbiased, correction)
    if dof <= 0:
        warnings.warn(f"{op}(): degrees of freedom is <= 0 (the count minus the correction is {dof}): "
                      "the result is nan", UserWarning, stacklevel=4)
    d = x - mean(x, axes, keepdim=True)
    return sum(d * d, axes, keep) * (1.0 / dof if dof > 0 else math.nan)


def var(x: Tensor, dim=None, unbiased: bool | None = None, keepdim: bool | None = None, *,
        correction: int | None = None, axis=None, keepdims: bool | None = None) -> Tensor:
    """Variance ``sum((x - mean)^2) / (n - correction)`` over ``dim`` (as :func:`sum`). ``correction=1``
    (``unbiased=True``, the default, as in PyTorch) is the unbiased estimate, ``correction=0``
    (``unbiased=False``) the biased one that batch norm normalises with. Where ``n - correction <= 0``
    there is no estimate: nan, with a warning (PyTorch gives inf there when the values differ)."""
    return _variance("var", x, dim, unbiased, keepdim, correction, axis, keepdims)


class StdFromVariance(Sqrt):
    """``sqrt(v)`` of a variance ``v``: :class:`~minigan.ops.arithmetic.Sqrt`, whose backward ``g / (2 std)``
    is 0 here where the std is 0 (every value the same), as in PyTorch, not ``inf * 0 = nan``."""

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        flat = y.data == 0
        return where(flat, 0.0, gy / (2 * where(flat, 1.0, y)))


def std(x: Tensor, dim=None, unbiased: bool | None = None, keepdim: bool | None = None, *,
        correction: int | None = None, axis=None, keepdims: bool | None = None) -> Tensor:
    """Standard deviation, ``sqrt(var(...))`` with :func:`var`'s arguments; its gradient is 0 where it is 0."""
    return StdFromVariance.apply(_variance("std", x, dim, unbiased, keepdim, correction, axis, keepdims))
