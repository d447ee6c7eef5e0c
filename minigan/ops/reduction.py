"""Reductions: sum, mean, amax/amin, max/min (values and indices along a dim), argmax/argmin, var, std,
logsumexp, norm, median; and all, any, count_nonzero, which have no gradient. The backward of a reduction
broadcasts the gradient back over the reduced dims: a sum spreads it unchanged, a mean divides it by the
count, amax shares it between the maxima, and ``max(x, dim)`` sends it to the one maximum whose index it
returned. The product and the running sums and products are in :mod:`minigan.ops.cumulative`.

Each takes PyTorch's argument names (``dim``, ``keepdim``) or NumPy's (``axis``, ``keepdims``); norm and
count_nonzero take PyTorch's only."""
from __future__ import annotations

import math
import warnings
from typing import NamedTuple

import numpy as np

from .. import backend
from ..autograd import Function, Tensor
from ._util import as_floating, either, normalize_dim
from .arithmetic import Sqrt, exp, pow, where
from .arithmetic import abs as _abs
from .math import sign
from .shape import astype, broadcast_to, reshape


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
    """What ``max``, ``min`` and ``median`` along a dim, and ``sort``, ``topk`` and ``kthvalue`` return, as
    ``torch.return_types``: ``values, indices = x.max(dim=1)``, or ``x.max(dim=1).values``."""

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


# ----------------------------------------------------------------------------- logsumexp and norms
class LogSumExp(Function):
    """``log(sum(exp(x)))`` over ``axes``, computed as ``m + log(sum(exp(x - m)))`` with ``m`` the max, so that
    no exponential overflows (``m`` is taken as 0 where it is infinite). Backward: ``g * exp(x - y)``, the
    softmax of x over the axes."""

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        xp = backend.xp_of(x)
        kept = _kept_shape(x.shape, axes)
        m = x.max(axis=axes, keepdims=True) if x.size else xp.zeros(kept, dtype=x.dtype)
        m = xp.where(xp.isfinite(m), m, 0)
        with np.errstate(divide="ignore"):                     # the log of an empty sum is -inf
            y = xp.log(xp.exp(x - m).sum(axis=axes, keepdims=True)) + m
        y = y if keepdim else y.reshape([n for i, n in enumerate(kept) if i not in axes])
        ctx.axes = axes
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        kept = _kept_shape(x.shape, ctx.axes)
        return reshape(gy, kept) * exp(x - reshape(y, kept))


def logsumexp(x: Tensor, dim=None, keepdim: bool | None = None, *, axis=None, keepdims: bool | None = None) -> Tensor:
    """``log(sum(exp(x), dim))``, finite where the naive formula overflows: ``logsumexp([1000, 1000]) =
    1000.69``. ``dim`` (an int or a tuple) is required, as in PyTorch; integers give float32."""
    if dim is None and axis is None:
        raise TypeError("logsumexp: missing the argument dim (an int or a tuple of ints), as in PyTorch")
    x = as_floating(x)
    axes, keep = _dims("logsumexp", x, dim, axis, keepdim, keepdims)
    return LogSumExp.apply(x, axes, keep)


class VectorNorm(Function):
    """``(sum |x|^p)^(1/p)`` over ``axes``, for a number ``p`` (0, 1 and ±inf are compositions: see
    :func:`norm`). Backward, with PyTorch's values where the formula meets 0/0::

        p = 2:      g * x / y                                   0 where y = 0
        p < 1:      g * sign(x) |x|^(p-1) * y^(1-p)             0 where x = 0
        otherwise:  g * sign(x) |x|^(p-1) / y^(p-1)             0 where y = 0
    """

    @staticmethod
    def forward(ctx, x, p, axes, keepdim):
        xp = backend.xp_of(x)
        with np.errstate(divide="ignore"):                      # 0 ** -1 = inf: a zero makes a p < 0 norm 0
            if p == 2:
                y = xp.sqrt((x * x).sum(axis=axes, keepdims=keepdim))
            else:
                y = (xp.abs(x) ** p).sum(axis=axes, keepdims=keepdim) ** (1.0 / p)
        ctx.p, ctx.axes = p, axes
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        p, kept = ctx.p, _kept_shape(x.shape, ctx.axes)
        g, y = reshape(gy, kept), reshape(y, kept)
        if p < 1:
            at_zero = x.data == 0
            scaled = where(at_zero, 0.0, sign(x) * pow(where(at_zero, 1.0, _abs(x)), p - 1))
            return scaled * g * pow(y, 1 - p)
        flat = y.data == 0                                          # a norm of 0: every element is 0
        scale = where(flat, 0.0, g / pow(where(flat, 1.0, y), p - 1))
        return x * scale if p == 2 else sign(x) * pow(_abs(x), p - 1) * scale


def norm(x: Tensor, p="fro", dim=None, keepdim: bool = False, dtype=None) -> Tensor:
    """The vector ``p``-norm of ``x`` over ``dim`` (an int, a tuple, or None for every dim), as ``torch.norm``:
    ``"fro"`` (the default) and 2 are ``sqrt(sum(x^2))``, whose gradient is 0 at 0; 1 is ``sum(|x|)``; ``inf``
    and ``-inf`` are the largest and the smallest ``|x|`` (tied elements share the gradient); 0 counts the
    nonzero elements (no gradient); any other number is ``(sum |x|^p)^(1/p)``. ``"fro"`` takes at most two
    dims, as in PyTorch; ``"nuc"``, the nuclear norm of a matrix (the sum of its singular values,
    :func:`minigan.ops.linalg_norms.matrix_norm`), exactly two. ``dtype`` casts the input first."""
    if dtype is not None:
        x = astype(x, dtype)
    if x.dtype.kind not in "fc":
        raise TypeError(f"norm: expected a floating-point tensor, got {x.dtype} (convert it with .float())")
    if p == "nuc":      # the sum of the singular values of the matrices in dim (the last two by default)
        from .linalg_norms import matrix_norm
        dims = (-2, -1) if dim is None else tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)
        if len(dims) != 2 or (dim is None and x.ndim != 2):
            raise ValueError(f"norm: p='nuc' needs two dims (a matrix), got dim={dim!r} for shape {x.shape}")
        return matrix_norm(x, "nuc", dims, keepdim)
    if isinstance(p, str):
        if p != "fro":
            raise ValueError(f"norm: p={p!r} is not supported; give 'fro', 'nuc' or a number")
        if isinstance(dim, (tuple, list)) and len(dim) > 2:
            raise ValueError(f"norm: p='fro' takes at most two dims, got dim={dim!r}; for more, give p=2")
        p = 2
    p = float(p)
    axes = _axes(dim, x.ndim, "norm")
    if p == math.inf:
        return amax(_abs(x), axes, keepdim)
    if p == -math.inf:
        return amin(_abs(x), axes, keepdim)
    if p == 0:
        return sum(sign(_abs(x)), axes, keepdim)
    if p == 1:
        return sum(_abs(x), axes, keepdim)
    return VectorNorm.apply(x, p, axes, keepdim)


# ----------------------------------------------------------------------------- the median
class MedianAlongDim(MaxMinAlongDim):
    """The lower median along one dim (the smaller middle element of an even count, as in PyTorch) and its
    index; where a slice holds nan, the median is nan, at the index of its first nan. The gradient goes to
    that one index: :class:`MaxMinAlongDim`'s backward."""

    @staticmethod
    def forward(ctx, x, axis, keepdim):
        xp = backend.xp_of(x)
        order = xp.argsort(x, axis=axis)                    # nan sorts last
        n = x.shape[axis]
        nans = xp.isnan(x).sum(axis=axis, keepdims=True)
        k = xp.where(nans > 0, n - nans, (n - 1) // 2)       # the position in sorted order of the median
        index = xp.take_along_axis(order, k.astype(np.int64), axis=axis).astype(np.int64)
        values = xp.take_along_axis(x, index, axis=axis)
        ctx.in_shape, ctx.axis, ctx.index = x.shape, axis, index
        if not keepdim:
            values, index = values.squeeze(axis), index.squeeze(axis)
        return values, index


class MedianAll(Function):
    """The lower median of all elements, a 0-d tensor. Elements equal to it (all the nan ones, where it is nan)
    share the gradient evenly, as in PyTorch."""

    @staticmethod
    def forward(ctx, x):
        xp = backend.xp_of(x)
        flat = xp.sort(x.reshape(-1))                        # nan sorts last
        nans = int(xp.isnan(flat).sum())
        y = flat[flat.size - nans if nans else (flat.size - 1) // 2]
        ctx.save_for_backward(x)
        ctx.value = y
        return y

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        xp = backend.xp_of(x.data)
        hit = xp.isnan(x.data) if xp.isnan(ctx.value) else x.data == ctx.value
        return gy * Tensor((hit / hit.sum()).astype(x.dtype))


def median(x: Tensor, dim=None, keepdim: bool | None = None, *, axis=None, keepdims: bool | None = None):
    """Without ``dim``: the lower median of all elements (of an even count, the smaller of the two middle
    ones), a 0-d tensor; tied elements share the gradient. With ``dim``: ``ValuesIndices(values, indices)``
    along it, the gradient going to the index returned. A slice holding nan has median nan, as in PyTorch."""
    dim = either("median", "dim", dim, "axis", axis)
    if dim is None:
        _check_not_empty("median", x, range(x.ndim))
        return MedianAll.apply(x)
    keep = bool(either("median", "keepdim", keepdim, "keepdims", keepdims, default=False))
    ax = normalize_dim(dim, x.ndim, "median")
    if x.ndim == 0:
        return ValuesIndices(*MedianAlongDim.apply(reshape(x, (1,)), 0, False))
    _check_not_empty("median", x, (ax,))
    return ValuesIndices(*MedianAlongDim.apply(x, ax, keep))


# ----------------------------------------------------------------------------- logical reductions (no gradient)
def all(x: Tensor, dim=None, keepdim: bool | None = None, *, axis=None,  # noqa: A001 - mirrors torch.all
        keepdims: bool | None = None) -> Tensor:
    """Whether every element over ``dim`` is nonzero (nan counts as nonzero), a bool tensor; True over no
    elements."""
    axes, keep = _dims("all", x, dim, axis, keepdim, keepdims)
    return Tensor(x.data.astype(bool).all(axis=axes, keepdims=keep))


def any(x: Tensor, dim=None, keepdim: bool | None = None, *, axis=None,  # noqa: A001 - mirrors torch.any
        keepdims: bool | None = None) -> Tensor:
    """Whether some element over ``dim`` is nonzero, a bool tensor; False over no elements."""
    axes, keep = _dims("any", x, dim, axis, keepdim, keepdims)
    return Tensor(x.data.astype(bool).any(axis=axes, keepdims=keep))


def count_nonzero(x: Tensor, dim=None) -> Tensor:
    """How many elements over ``dim`` (an int, a tuple, or None for all) are nonzero, an int64 tensor."""
    axes = _axes(dim, x.ndim, "count_nonzero")
    return Tensor((x.data != 0).sum(axis=axes).astype(np.int64))
