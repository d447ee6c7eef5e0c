"""Statistics of samples: sums and means that skip nan (nansum, nanmean), a spread with its mean in one call
(var_mean, std_mean), quantiles and medians read from the sorted values (quantile, nanquantile, nanmedian),
covariance and correlation matrices (cov, corrcoef), and counts without gradient (histc, bincount).

Most are compositions of differentiable ops, so their backward is what those ops give back: a nan replaced
by 0 before summing passes no gradient to that element; a quantile is a weighted read of two sorted values,
so its gradient goes, with those weights, to the two elements that landed at those places."""
from __future__ import annotations

import math
import warnings

import numpy as np

from .. import backend
from ..autograd import Tensor
from ._util import as_floating, lift, normalize_dim, result_type
from .arithmetic import clip, sqrt, where
from .indexing import gather
from .math import lerp
from .matmul import matmul
from .rearrange import diag, movedim
from .reduction import MaxMinAlongDim, MedianAll, ValuesIndices, _axes, mean, std, var
from .reduction import sum as _sum
from .shape import astype, broadcast_to, reshape, transpose
from .sort import argsort, sort

__all__ = ["nansum", "nanmean", "var_mean", "std_mean", "quantile", "nanquantile", "nanmedian", "cov", "corrcoef",
           "histc", "bincount"]


# ----------------------------------------------------------------------------- sums and means that skip nan
def _without_nan(x: Tensor) -> Tensor:
    """``x`` with every nan replaced by 0, by a recorded ``where``: no gradient reaches the nan places."""
    if x.dtype.kind != "f":
        return x
    return where(backend.xp_of(x.data).isnan(x.data), 0.0, x)


def nansum(x: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """The sum over ``dim`` (an int, a tuple, or None for every dim) with nan counted as 0, as ``torch.nansum``;
    the gradient is 0 at the nan places. Integers and bools sum in int64; ``dtype`` casts the input first."""
    if dtype is not None:
        x = astype(x, dtype)
    elif x.dtype.kind in "biu":
        x = astype(x, np.int64)
    axes = _axes(dim, x.ndim, "nansum")
    return _sum(_without_nan(x), axes, bool(keepdim))


def nanmean(x: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """The mean of the elements that are not nan, over ``dim``, as ``torch.nanmean``: ``nansum / count``. A
    slice of nan only has mean nan (0/0). The gradient is ``g / count`` at the numbers and 0 at the nan places
    (also where a whole slice is nan, where PyTorch gives nan). Floating-point tensors only, as there."""
    if dtype is not None:
        x = astype(x, dtype)
    if x.dtype.kind != "f":
        raise TypeError(f"nanmean: expected input to have floating point dtype but got {x.dtype}")
    axes = _axes(dim, x.ndim, "nanmean")
    xp = backend.xp_of(x.data)
    count = (~xp.isnan(x.data)).sum(axis=axes, keepdims=bool(keepdim)).astype(x.dtype)
    mean_of_numbers = _sum(_without_nan(x), axes, bool(keepdim)) / Tensor(xp.maximum(count, 1))
    return where(count == 0, math.nan, mean_of_numbers)     # no g / 0 = inf flows back to an all-nan slice


def _spread_and_mean(op: str, spread, x: Tensor, dim, unbiased, keepdim, correction):
    if isinstance(dim, bool):           # var_mean(x, True): PyTorch's overload whose second argument is unbiased
        dim, unbiased = None, dim if unbiased is None else unbiased
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating-point tensor, got {x.dtype} (convert it with .float())")
    return spread(x, dim, unbiased, keepdim, correction=correction), mean(x, dim, keepdim)


def var_mean(x: Tensor, dim=None, unbiased: bool | None = None, keepdim: bool | None = None, *,
             correction: int | None = None) -> tuple[Tensor, Tensor]:
    """``(var, mean)`` over ``dim`` in one call, as ``torch.var_mean``, with :func:`~minigan.ops.reduction.var`'s
    arguments (``correction=1`` by default; ``unbiased=False`` is ``correction=0``)."""
    return _spread_and_mean("var_mean", var, x, dim, unbiased, keepdim, correction)


def std_mean(x: Tensor, dim=None, unbiased: bool | None = None, keepdim: bool | None = None, *,
             correction: int | None = None) -> tuple[Tensor, Tensor]:
    """``(std, mean)`` over ``dim`` in one call, as ``torch.std_mean`` (see :func:`var_mean`)."""
    return _spread_and_mean("std_mean", std, x, dim, unbiased, keepdim, correction)


# ----------------------------------------------------------------------------- quantiles
_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _q_array(op: str, q, x: Tensor):
    """``q`` as a 1-D array of x's dtype on x's device, and whether the output gets a leading q dim."""
    if isinstance(q, Tensor):
        if q.ndim > 1:
            raise ValueError(f"{op}: q must be a scalar or 1D tensor, got shape {q.shape}")
        if q.dtype != x.dtype:
            raise TypeError(f"{op}: q tensor must be same dtype as the input tensor ({x.dtype}), got {q.dtype}")
        values = backend.to_numpy(q.data)
        if not ((values >= 0) & (values <= 1)).all():
            raise ValueError(f"{op}: q values must be in the range [0, 1], got {values.tolist()}")
        return q.data.reshape(-1), q.ndim == 1
    if isinstance(q, bool) or not isinstance(q, (int, float, np.integer, np.floating)):
        raise TypeError(f"{op}: q must be a float or a tensor, got {type(q).__name__}")
    if not 0 <= q <= 1:
        raise ValueError(f"{op}: q must be in the range [0, 1] but got {q}")
    return backend.xp_of(x.data).asarray([q], dtype=x.dtype), False


def _quantile(op: str, x: Tensor, q, dim, keepdim: bool, interpolation: str, skip_nan: bool) -> Tensor:
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: input tensor must be either float or double dtype, got {x.dtype}")
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"{op}: interpolation must be one of linear, lower, higher, midpoint or nearest, but got "
                         f"{interpolation!r}")
    if x.numel() == 0:
        raise ValueError(f"{op}: input tensor must be non-empty (got shape {x.shape})")
    qs, q_dim = _q_array(op, q, x)
    if dim is None:                     # over every element; keepdim keeps every dim with size 1
        out_shape = (1,) * x.ndim if keepdim else ()
        rows = reshape(x, (-1,))
    else:
        axis = normalize_dim(dim, x.ndim, op)
        out_shape = tuple(1 if i == axis else n for i, n in enumerate(x.shape) if keepdim or i != axis)
        x = reshape(x, (1,)) if x.ndim == 0 else x          # a 0-d tensor is one element and stays 0-d
        rows = movedim(x, axis, -1)
    s = sort(rows, -1).values           # (*B, n), nan sorted last
    xp, n = backend.xp_of(s.data), s.shape[-1]
    nan = xp.isnan(s.data)
    lead = (-1,) + (1,) * s.ndim        # q along a new leading dim, in front of (*B, 1)
    if skip_nan:                        # positions among the numbers; a slice of nan only reads its first nan
        count = (n - nan.sum(axis=-1, keepdims=True)).astype(x.dtype)
        scale, fixed, fixed_rank = count - 1, count == 0, 0
    else:                               # a slice holding nan reads its last element, a nan
        scale, fixed, fixed_rank = xp.asarray(n - 1, dtype=x.dtype), nan.any(axis=-1, keepdims=True), n - 1
    ranks = xp.where(fixed, fixed_rank, qs.reshape(lead) * scale).astype(x.dtype)
    below, above = xp.floor(ranks), xp.ceil(ranks)
    table = broadcast_to(reshape(s, (1,) + s.shape), (len(qs),) + s.shape)

    def read(r) -> Tensor:
        return gather(table, -1, r.astype(np.int64))

    if interpolation == "lower":
        out = read(below)
    elif interpolation == "higher":
        out = read(above)
    elif interpolation == "nearest":
        out = read(xp.round(ranks))     # halves to the even position, as PyTorch
    elif interpolation == "linear" and isinstance(q, Tensor) and q.requires_grad:
        # The weights of the branch below, recorded, so that q gets d out / d q = scale (v[hi] - v[lo]). A slice
        # whose rank is fixed (by a nan) reads its value outside the interpolation: no nan - nan reaches q.
        weight = where(fixed, 0.0, reshape(q, lead) * Tensor(scale) - Tensor(below))
        inside = lerp(where(fixed, 0.0, read(below)), where(fixed, 0.0, read(above)), weight)
        out = where(fixed, read(below), inside)
    else:
        weight = ranks - below if interpolation == "linear" else xp.full_like(ranks, 0.5)
        out = lerp(read(below), read(above), Tensor(weight))
    return reshape(out, ((len(qs),) if q_dim else ()) + out_shape)


def quantile(x: Tensor, q, dim: int | None = None, keepdim: bool = False, *,
             interpolation: str = "linear") -> Tensor:
    """The ``q``-quantiles of ``x`` along ``dim`` (of every element when ``dim`` is None), as ``torch.quantile``.
    ``q`` is a number in [0, 1] or a 1-D tensor of them (of x's dtype); a tensor ``q`` puts its dim first:
    ``(len(q), *reduced shape)``.

    Along a slice of ``n`` sorted values ``v``, quantile ``q`` sits at position ``r = q (n - 1)``, between
    ``v[floor r]`` and ``v[ceil r]``; ``interpolation`` chooses the value there: ``linear`` ``v[lo] + (r -
    lo)(v[hi] - v[lo])``, ``lower`` ``v[lo]``, ``higher`` ``v[hi]``, ``midpoint`` their mean, ``nearest`` the
    value at ``r`` rounded (halves to even). A slice holding nan has quantile nan.

    The values are read from :func:`~minigan.ops.sort.sort` by a gather, so the gradient goes to the elements
    that landed at ``lo`` and ``hi``, weighted as in the formula; with ``linear``, a tensor ``q`` that requires
    grad gets ``(n - 1)(v[hi] - v[lo])``, the slope between them."""
    return _quantile("quantile", x, q, dim, keepdim, interpolation, skip_nan=False)


def nanquantile(x: Tensor, q, dim: int | None = None, keepdim: bool = False, *,
                interpolation: str = "linear") -> Tensor:
    """:func:`quantile` of the elements that are not nan, as ``torch.nanquantile``: a slice with ``m`` numbers
    reads position ``q (m - 1)`` among them; a slice of nan only gives nan."""
    return _quantile("nanquantile", x, q, dim, keepdim, interpolation, skip_nan=True)


# ----------------------------------------------------------------------------- the median without nan
class NanMedianAll(MedianAll):
    """The lower median of the elements that are not nan, a 0-d tensor (nan if there are none). The backward
    is :class:`~minigan.ops.reduction.MedianAll`'s: elements equal to it share the gradient evenly."""

    @staticmethod
    def forward(ctx, x):
        xp = backend.xp_of(x)
        flat = xp.sort(x.reshape(-1))                       # nan sorts last
        count = int((~xp.isnan(flat)).sum())
        y = flat[(count - 1) // 2] if count else xp.asarray(math.nan, dtype=x.dtype)
        ctx.save_for_backward(x)
        ctx.value = y
        return y


class NanMedianAlongDim(MaxMinAlongDim):
    """The lower median along one dim of the elements that are not nan, and its index. Among equal values the
    index is the one a stable sort puts at the median's place; a slice of nan only gives nan, at the index of
    its first nan. The gradient goes to that one index: :class:`~minigan.ops.reduction.MaxMinAlongDim`'s
    backward."""

    @staticmethod
    def forward(ctx, x, axis, keepdim):
        xp = backend.xp_of(x)
        order = argsort(Tensor(x), axis, stable=True).data          # nan sorts last
        count = (~xp.isnan(x)).sum(axis=axis, keepdims=True)
        place = xp.maximum((count - 1) // 2, 0).astype(np.int64)
        index = xp.take_along_axis(order, place, axis=axis)
        values = xp.take_along_axis(x, index, axis=axis)
        ctx.in_shape, ctx.axis, ctx.index = x.shape, axis, index
        if not keepdim:
            values, index = values.squeeze(axis), index.squeeze(axis)
        return values, index


def nanmedian(x: Tensor, dim: int | None = None, keepdim: bool = False):
    """The median of the elements that are not nan, as ``torch.nanmedian``: without ``dim``, a 0-d tensor (the
    lower median; nan if every element is nan), whose gradient equal elements share; with ``dim``,
    ``ValuesIndices(values, indices)`` along it, the gradient going to the index returned."""
    if dim is None:
        return NanMedianAll.apply(x)
    axis = normalize_dim(dim, x.ndim, "nanmedian")
    if x.ndim == 0:
        return ValuesIndices(*NanMedianAlongDim.apply(reshape(x, (1,)), 0, False))
    if x.shape[axis] == 0:
        raise IndexError(f"nanmedian: expected reduction dim {axis} to have non-zero size (shape {x.shape})")
    return ValuesIndices(*NanMedianAlongDim.apply(x, axis, bool(keepdim)))


# ----------------------------------------------------------------------------- covariance and correlation
def _observation_weights(name: str, w, n: int, integral: bool):
    if not isinstance(w, Tensor):
        raise TypeError(f"cov: {name} must be a Tensor, got {type(w).__name__}")
    if w.ndim > 1:
        raise ValueError(f"cov: expected {name} to have one or fewer dimensions but got {name} with {w.ndim} "
                         "dimensions")
    if integral and w.dtype.kind not in "iu":
        raise TypeError(f"cov: expected {name} to have integral dtype but got {name} with dtype {w.dtype}")
    if not integral and w.dtype.kind != "f":
        raise TypeError(f"cov: expected {name} to have floating point dtype but got {name} with dtype {w.dtype}")
    if w.numel() != n:
        raise ValueError(f"cov: expected {name} to have the same numel as there are observations in the input but "
                         f"got {w.numel()} != {n}")
    if bool((w.data < 0).any()):
        raise ValueError(f"cov: {name} cannot be negative")


def cov(x: Tensor, *, correction: int = 1, fweights: Tensor | None = None,
        aweights: Tensor | None = None) -> Tensor:
    """The covariance matrix of the variables in the rows of ``x`` (``(V, N)``: V variables, N observations;
    a 1-D ``x`` is one variable), as ``torch.cov``: ``(V, V)``, or 0-d for one variable.

    With observation weights ``w = fweights * aweights`` (integer frequencies, float importances; each
    optional)::

        mean_v = sum_j w_j x_vj / sum(w)
        cov    = (x - mean) diag(w) (x - mean)^T / (sum(w) - correction * sum(w * aweights) / sum(w))

    (without aweights the divisor is ``sum(w) - correction``: ``N - 1`` by default). A divisor <= 0 is taken as
    0, with a warning: inf and nan, as in PyTorch. A composition of differentiable ops, so ``x`` and float
    ``aweights`` get gradients."""
    if x.ndim > 2:
        raise ValueError(f"cov: expected input to have two or fewer dimensions but got an input with {x.ndim} "
                         "dimensions")
    if isinstance(correction, bool) or not isinstance(correction, (int, np.integer)):
        raise TypeError(f"cov: correction must be an int, got {correction!r}")
    obs = reshape(as_floating(x), (1, -1) if x.ndim < 2 else x.shape)
    n = obs.shape[1]
    w = None
    if fweights is not None:
        _observation_weights("fweights", fweights, n, integral=True)
        w = Tensor(fweights.data.reshape(-1).astype(obs.dtype))
    if aweights is not None:
        _observation_weights("aweights", aweights, n, integral=False)
        a = reshape(aweights, (-1,))
        w = a if w is None else lift(w, a, result_type(w, a)) * a
    if w is None:
        avg, divisor = mean(obs, 1, keepdim=True), n - correction
    else:
        w_sum = _sum(w)
        avg = _sum(obs * w, 1, keepdim=True) / w_sum
        if correction == 0:
            divisor = w_sum
        elif aweights is None:
            divisor = w_sum - correction
        else:
            divisor = w_sum - _sum(w * reshape(aweights, (-1,))) * correction / w_sum
    if float(divisor.data if isinstance(divisor, Tensor) else divisor) <= 0:
        warnings.warn("cov: degrees of freedom is <= 0 (correction should be less than the number of "
                      "observations): the result is inf or nan", UserWarning, stacklevel=2)
        divisor = divisor * 0
    centred = obs - avg
    c = matmul(centred if w is None else centred * w, transpose(centred, 0, 1)) / divisor
    return reshape(c, ()) if c.shape == (1, 1) else c


def corrcoef(x: Tensor) -> Tensor:
    """Pearson's correlation coefficients of the variables in the rows of ``x``, as ``torch.corrcoef``:
    ``cov_ij / sqrt(cov_ii cov_jj)``, clipped to [-1, 1] (rounding can step past them); a constant variable
    gives nan. A composition of :func:`cov`, sqrt, division and clip, all differentiable."""
    c = cov(x)
    if c.ndim == 0:
        return c / c
    s = sqrt(diag(c))
    c = c / reshape(s, (-1, 1))
    return clip(c / reshape(s, (1, -1)), -1.0, 1.0)


# ----------------------------------------------------------------------------- counts (no gradient)
def histc(x: Tensor, bins: int = 100, min=0, max=0) -> Tensor:  # noqa: A002 - PyTorch's argument names
    """The histogram of ``x``'s elements in ``bins`` equal bins from ``min`` to ``max``, as ``torch.histc``:
    a float tensor of counts, of x's dtype. Where ``min == max`` the data's smallest and largest elements are
    the range (widened by 1 each way if they are equal too). Elements outside the range, and nan, are not
    counted; ``max`` itself falls into the last bin. Element ``v`` goes to bin ``floor((v - min) * bins / (max
    - min))``, computed in x's dtype, as PyTorch computes it. Not differentiable."""
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)):
        raise TypeError(f"histc: bins must be an int, got {bins!r}")
    if bins <= 0:
        raise ValueError(f"histc: bins must be > 0, but got {bins}")
    if x.dtype.kind != "f":
        raise TypeError(f"histc: expected a floating-point tensor, got {x.dtype} (convert it with .float())")
    xp, a = backend.xp_of(x.data), x.data.reshape(-1)
    lo, hi = a.dtype.type(min), a.dtype.type(max)
    if lo > hi:
        raise ValueError(f"histc: max must be larger than min, got min={min}, max={max}")
    if lo == hi and a.size:
        lo, hi = a.min(), a.max()
    if not (bool(xp.isfinite(lo)) and bool(xp.isfinite(hi))):
        raise ValueError(f"histc: range of [{float(lo)}, {float(hi)}] is not finite")
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    inside = a[(a >= lo) & (a <= hi)]
    place = xp.minimum(((inside - lo) * a.dtype.type(bins) / (hi - lo)).astype(np.int64), bins - 1)
    return Tensor(xp.bincount(place, minlength=int(bins)).astype(x.dtype))


def bincount(x: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """How often each value ``0, 1, ..., max(x)`` occurs in the 1-D non-negative integer tensor ``x``, as
    ``torch.bincount``: int64 counts, at least ``minlength`` of them. With ``weights`` (one per element) each
    occurrence adds its weight instead: float32 weights give float32 sums, any others float64, as in
    PyTorch. Not differentiable."""
    if isinstance(minlength, bool) or not isinstance(minlength, (int, np.integer)):
        raise TypeError(f"bincount: minlength must be an int, got {minlength!r}")
    if minlength < 0:
        raise ValueError(f"bincount: minlength should be >= 0, got {minlength}")
    if x.ndim != 1 or x.dtype.kind not in "iu":
        raise TypeError(f"bincount: only supports 1-d non-negative integral inputs, got a {x.ndim}-d tensor of "
                        f"dtype {x.dtype}")
    xp = backend.xp_of(x.data)
    if x.numel() and bool((x.data < 0).any()):
        raise ValueError("bincount: only supports 1-d non-negative integral inputs, got negative values")
    if weights is None:
        return Tensor(xp.bincount(x.data.astype(np.int64), minlength=int(minlength)).astype(np.int64))
    w = weights.data if isinstance(weights, Tensor) else xp.asarray(weights)
    if w.ndim != 1 or w.shape[0] != x.shape[0]:
        raise ValueError(f"bincount: weights should be 1-d and have the same length as input ({x.shape[0]}), "
                         f"got shape {tuple(w.shape)}")
    out_dtype = np.float32 if w.dtype == np.float32 else np.float64
    sums = xp.bincount(x.data.astype(np.int64), weights=w.astype(np.float64), minlength=int(minlength))
    return Tensor(sums.astype(out_dtype))
