"""Running sums and products along one dim (cumsum, cumprod), and the product along a dim (prod), whose
backward is built from running products; running extremes (cummax, cummin), the running log-sum-exp
(logcumsumexp), and differences of neighbours (diff).

Output k is a sum (product) of inputs 0..k, so input i feeds every output from i on, and its gradient
gathers the upstream gradients of all of them: a sum running the other way, from the end of the dim back
to i. So cumsum's backward is a reversed cumsum, whose own backward is a cumsum again. A product adds one
twist: the formula without zeros divides by the input, which fails where an input is 0 (see
:class:`Cumprod` and :class:`Prod`). The running log-sum-exp follows the same pattern, a reversed running
log-sum-exp in its backward (see :class:`LogCumSumExp`); a running maximum is a read of the input at the
indices where each maximum stands, so its gradient goes back by that read (see :func:`cummax`)."""
from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd import Function, Tensor, is_grad_enabled
from ._util import either, normalize_dim, result_type
from .arithmetic import _quietly, exp, log, sub, where
from .indexing import gather
from .math import ne
from .rearrange import movedim
from .reduction import ValuesIndices
from .reduction import sum as _sum
from .shape import astype, concatenate, getitem, reshape, unsqueeze


def _flip(x: Tensor, axis: int) -> Tensor:
    """``x`` in reverse order along ``axis``, by a recorded slice (its backward reverses the gradient back)."""
    return getitem(x, (slice(None),) * axis + (slice(None, None, -1),))


class Cumsum(Function):
    """``y_k = x_0 + ... + x_k`` along ``axis``; with ``reverse``, ``y_k = x_k + ... + x_(n-1)``.
    Backward: ``dL/dx_i = sum over k >= i of g_k``, the reversed running sum of g (a reversed one's backward is
    the forward running sum)."""

    @staticmethod
    def forward(ctx, x, axis, reverse):
        ctx.axis, ctx.reverse = axis, reverse
        xp = backend.xp_of(x)
        if not reverse:
            return xp.cumsum(x, axis=axis)
        return xp.ascontiguousarray(xp.flip(xp.cumsum(xp.flip(x, axis), axis=axis), axis))

    @staticmethod
    def backward(ctx, gy):
        return Cumsum.apply(gy, ctx.axis, not ctx.reverse)


class Cumprod(Function):
    """``y_k = x_0 * ... * x_k`` along ``axis``. The gradient of ``x_i`` is ``sum over k >= i of g_k * (the
    product of x_0..x_k but x_i)``.

    Where ``x_i != 0`` that product is ``y_k / x_i``, so the gradient is ``reverse_cumsum(g * y) / x_i``: exact,
    whatever zeros stand elsewhere (every y_k past a zero is 0, and so is the gradient of every input after the
    first zero). At the first zero of a slice, ``y / x`` is 0/0; its gradient is the same reversed sum over
    the running products taken with that zero read as 1. Later zeros get 0: each of their products holds the
    first zero. These are PyTorch's values.

    That 0 is right as a value but not as a function of ``x``: moving the first zero changes it. So where the
    backward is itself recorded (a second derivative) and ``x`` holds zeros, the gradient is built from the
    definition instead, as PyTorch does there: for each ``i`` the running product of ``x`` with ``x_i`` read
    as 1, all ``n`` of them at once in an ``(n, *x.shape)`` tensor, which costs ``n`` times the memory."""

    @staticmethod
    def forward(ctx, x, axis):
        y = backend.xp_of(x).cumprod(x, axis=axis)
        ctx.axis = axis
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        axis, zero = ctx.axis, x.data == 0
        if not zero.any():
            return Cumsum.apply(gy * y, axis, True) / x
        if is_grad_enabled():
            return _cumprod_grad_by_definition(gy, x, axis)
        first = zero & (backend.xp_of(zero).cumsum(zero, axis=axis) == 1)    # the first zero of each slice
        g = Cumsum.apply(gy * y, axis, True) / where(zero, 1.0, x)           # right wherever x != 0
        g_first = Cumsum.apply(gy * Cumprod.apply(where(first, 1.0, x), axis), axis, True)
        return where(zero, where(first, g_first, 0.0), g)


def _cumprod_grad_by_definition(gy: Tensor, x: Tensor, axis: int) -> Tensor:
    """``dL/dx_i = sum over k >= i of g_k * prod_(j <= k, j != i) x_j`` in differentiable ops, exact whatever
    the zeros: row ``i`` of ``(n, *x.shape)`` is ``x`` with ``x_i`` read as 1, its running products are taken
    along ``axis`` and summed against ``g`` from ``k = i`` on."""
    xp = backend.xp_of(x.data)
    n, after = x.shape[axis], x.ndim - axis - 1
    i, k = xp.arange(n).reshape((n,) + (1,) * axis + (1,)), xp.arange(n).reshape((1,) * (axis + 1) + (n,))
    i, k = i.reshape(i.shape + (1,) * after), k.reshape(k.shape + (1,) * after)      # (n, 1.., n, 1..)
    without_i = where(Tensor(i == k), 1.0, unsqueeze(x, 0))                         # (n, *x.shape)
    products = Cumprod.apply(without_i, axis + 1)
    per_i = _sum(where(Tensor(k >= i), unsqueeze(gy, 0) * products, 0.0), axis=axis + 1)   # (n, *rest)
    return movedim(per_i, 0, axis)


def _scan(op: str, fn, x: Tensor, dim, dtype) -> Tensor:
    if dtype is not None:
        x = astype(x, dtype)
    elif x.dtype.kind in "biu":     # bool and integer running sums are int64, as in PyTorch
        x = astype(x, np.int64)
    axis = normalize_dim(dim, x.ndim, op)
    if x.ndim == 0:                 # a 0-d tensor is its own one element
        return reshape(fn(reshape(x, (1,)), 0), ())
    return fn(x, axis)


def cumsum(x: Tensor, dim: int, *, dtype=None) -> Tensor:
    """The running sum along ``dim``: ``cumsum([1, 2, 3]) = [1, 3, 6]``. ``dtype`` casts the input first;
    integers and bools sum in int64."""
    return _scan("cumsum", lambda t, axis: Cumsum.apply(t, axis, False), x, dim, dtype)


def cumprod(x: Tensor, dim: int, *, dtype=None) -> Tensor:
    """The running product along ``dim``: ``cumprod([1, 2, 3]) = [1, 2, 6]``; its gradient is right where
    the input holds zeros (see :class:`Cumprod`)."""
    return _scan("cumprod", Cumprod.apply, x, dim, dtype)


# ----------------------------------------------------------------------------- the product along a dim
def _kept_shape(shape, axis: int) -> tuple[int, ...]:
    return tuple(1 if i == axis else n for i, n in enumerate(shape))


def _exclusive_cumprod(x: Tensor, axis: int) -> Tensor:
    """The product of the elements before each one along ``axis`` (1 for the first)."""
    ones = Tensor(backend.xp_of(x.data).ones(_kept_shape(x.shape, axis), dtype=x.dtype))
    return cumprod(concatenate([ones, getitem(x, (slice(None),) * axis + (slice(None, -1),))], axis), axis)


class Prod(Function):
    """The product along ``axis``. The gradient of each element is the product of the others: ``y / x_i``
    where no element is 0. Where one is, that quotient is 0/0, so the backward multiplies the products of
    the elements before and after each one instead (two exclusive running products), which is right
    however many zeros there are: with one, only the zero gets a gradient; with two, nothing does."""

    @staticmethod
    def forward(ctx, x, axis, keepdim):
        y = x.prod(axis=axis, keepdims=keepdim)
        ctx.axis = axis
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        kept = _kept_shape(x.shape, ctx.axis)
        g = reshape(gy, kept)
        if not (x.data == 0).any():
            return g * reshape(y, kept) / x
        before = _exclusive_cumprod(x, ctx.axis)
        after = _flip(_exclusive_cumprod(_flip(x, ctx.axis), ctx.axis), ctx.axis)
        return g * (before * after)


def prod(x: Tensor, dim=None, keepdim: bool | None = None, *, dtype=None, axis=None,
         keepdims: bool | None = None) -> Tensor:
    """The product of all elements (a 0-d tensor), or along one ``dim``; the product of no elements is 1.
    Integers and bools multiply in int64, as in PyTorch; ``dtype`` casts the input first. The gradient is
    right where the input holds zeros (see :class:`Prod`)."""
    dim = either("prod", "dim", dim, "axis", axis)
    keep = bool(either("prod", "keepdim", keepdim, "keepdims", keepdims, default=False))
    if dtype is not None:
        x = astype(x, dtype)
    elif x.dtype.kind in "biu":
        x = astype(x, np.int64)
    if dim is None:
        return Prod.apply(reshape(x, (-1,)), 0, False)
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"prod: dim must be one int, as in PyTorch, got {dim!r}")
    axis = normalize_dim(dim, x.ndim, "prod")
    if x.ndim == 0:             # a 0-d tensor is its own one element
        return Prod.apply(reshape(x, (1,)), 0, False)
    return Prod.apply(x, axis, keep)


# ----------------------------------------------------------------------------- running maximum and minimum
def _running_extreme_index(a, axis: int, pick: str):
    """The int64 index of the running maximum (``pick="max"``) or minimum of ``a`` along ``axis``: position k
    names the element among 0..k that holds the extreme. A later element equal to the extreme so far takes
    over (``>=``), and so does every nan, which then stays the extreme until the next nan: PyTorch's choices.
    One pass per position along ``axis``, each on a whole slice."""
    xp = backend.xp_of(a)
    a = xp.moveaxis(a, axis, 0)
    index = xp.zeros(a.shape, dtype=np.int64)
    if a.shape[0] == 0:
        return xp.moveaxis(index, 0, axis)
    takes_over = xp.greater_equal if pick == "max" else xp.less_equal
    best, at = a[0], xp.zeros(a.shape[1:], dtype=np.int64)
    for k in range(1, a.shape[0]):
        v = a[k]
        new = takes_over(v, best) | xp.isnan(v) if a.dtype.kind == "f" else takes_over(v, best)
        best, at = xp.where(new, v, best), xp.where(new, k, at)
        index[k] = at
    return xp.ascontiguousarray(xp.moveaxis(index, 0, axis))


def _cumulative_extreme(pick: str, x: Tensor, dim: int) -> ValuesIndices:
    op = "cum" + pick
    axis = normalize_dim(dim, x.ndim, op)
    if x.ndim == 0:             # a 0-d tensor is its own one element, at index 0
        values, indices = _cumulative_extreme(pick, reshape(x, (1,)), 0)
        return ValuesIndices(reshape(values, ()), Tensor(indices.data.reshape(())))
    index = _running_extreme_index(x.data, axis, pick)
    return ValuesIndices(gather(x, axis, index), Tensor(index))


def cummax(x: Tensor, dim: int) -> ValuesIndices:
    """``(values, indices)``: the running maximum along ``dim`` and where each one stands, as ``torch.cummax``:
    ``cummax([1, 3, 2, 5]) = ([1, 3, 3, 5], [0, 1, 1, 3])``. Among equal maxima the latest is named, and a nan
    is the maximum from where it stands (until the next nan), as in PyTorch.

    ``values`` is a read of ``x`` at ``indices`` (:func:`~minigan.ops.indexing.gather`), so the gradient of
    each value goes back to the element it came from; an element that stays the maximum for several positions
    collects all their gradients."""
    return _cumulative_extreme("max", x, dim)


def cummin(x: Tensor, dim: int) -> ValuesIndices:
    """``(values, indices)``: the running minimum along ``dim``, as :func:`cummax` (the latest of equal minima;
    nan is the minimum from where it stands)."""
    return _cumulative_extreme("min", x, dim)


# ----------------------------------------------------------------------------- the running log-sum-exp
class LogCumSumExp(Function):
    """``y_k = log(exp(x_0) + ... + exp(x_k))`` along ``axis`` (with ``reverse``, over ``x_k .. x_(n-1)``).

    Forward: one running ``logaddexp`` along the axis, ``y_k = logaddexp(y_(k-1), x_k)``, which never forms
    a large exponential, so ``[-1000, 0, 1000]`` gives ``[-1000, 0, 1000]`` (no single shift by a maximum
    would: it underflows the small early terms to ``log 0``).

    Backward: ``dy_k/dx_i = exp(x_i - y_k)`` for ``k >= i``, so ``dL/dx_i = sum over k >= i of g_k exp(x_i -
    y_k)``. Summed directly, the ``exp(-y_k)`` would overflow; instead the sum is taken in log space, as a
    reversed running log-sum-exp: ``exp(x_i + revlogcumsumexp(log g - y)_i)``. A log needs ``g > 0``, so the
    positive and the negative parts of g go separately and are subtracted (``g = g+ - g-``). A part that is 0
    stands in as the lowest finite number rather than ``log 0 = -inf``, whose differences would be nan. The
    backward is written in minigan ops (this Function again, running the other way), so it differentiates
    again."""

    @staticmethod
    def forward(ctx, x, axis, reverse):
        xp = backend.xp_of(x)
        a = xp.moveaxis(x, axis, 0)
        out = xp.empty_like(a)
        steps = range(a.shape[0] - 1, -1, -1) if reverse else range(a.shape[0])
        acc = None
        with _quietly():                    # inf - inf inside logaddexp: nan, as in PyTorch
            for k in steps:
                acc = a[k] if acc is None else xp.logaddexp(acc, a[k])
                out[k] = acc
        y = xp.ascontiguousarray(xp.moveaxis(out, 0, axis))
        ctx.axis, ctx.reverse = axis, reverse
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        lowest = float(np.finfo(gy.dtype).min)

        def part(sign: float) -> Tensor:
            chosen = (gy.data * sign) > 0
            log_g = where(chosen, log(where(chosen, gy * sign, 1.0)), lowest)
            return exp(x + LogCumSumExp.apply(log_g - y, ctx.axis, not ctx.reverse))

        return part(1.0) - part(-1.0)


def logcumsumexp(x: Tensor, dim: int) -> Tensor:
    """``log(cumsum(exp(x), dim))``, finite where the naive formula overflows: ``logcumsumexp([1000, 1000]) =
    [1000, 1000.69]``, as ``torch.logcumsumexp``. Floating-point tensors only, as there. See
    :class:`LogCumSumExp` for the backward."""
    if x.dtype.kind != "f":
        raise TypeError(f"logcumsumexp: expected a floating-point tensor, got {x.dtype} (convert it with .float())")
    axis = normalize_dim(dim, x.ndim, "logcumsumexp")
    if x.ndim == 0:
        return reshape(LogCumSumExp.apply(reshape(x, (1,)), 0, False), ())
    return LogCumSumExp.apply(x, axis, False)


# ----------------------------------------------------------------------------- differences of neighbours
def _check_diff_end(name: str, t, x: Tensor, axis: int) -> None:
    if not isinstance(t, Tensor):
        raise TypeError(f"diff: {name} must be a Tensor, got {type(t).__name__}")
    if t.ndim != x.ndim:
        raise ValueError(f"diff: expects {name} to have the same number of dims as the input ({x.ndim}), "
                         f"got shape {t.shape}")
    for d, (m, n) in enumerate(zip(t.shape, x.shape)):
        if d != axis and m != n:
            raise ValueError(f"diff: expects the shape of {name} to match that of the input except along the "
                             f"differencing dim {axis}: input {x.shape}, {name} {t.shape}")


def diff(x: Tensor, n: int = 1, dim: int = -1, prepend=None, append=None) -> Tensor:
    """The ``n``-th forward difference along ``dim``, as ``torch.diff``: ``out[i] = x[i + 1] - x[i]``, applied
    ``n`` times, so each application makes ``dim`` one shorter (``n`` at least its size leaves it empty).
    ``prepend`` and ``append`` (tensors of x's shape except along ``dim``) are joined to x before differencing.
    Bools give ``x[i + 1] != x[i]`` (no gradient), as in PyTorch.

    A composition of a concatenation, two slices and a subtraction: each input element feeds two differences,
    one with ``+`` and one with ``-``, and the gradient of that is what the recorded ops give back."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"diff: n must be an int, got {n!r}")
    if n < 0:
        raise ValueError(f"diff: order must be non-negative but got {n}")
    if x.ndim == 0:
        raise ValueError("diff: expects input to be at least one-dimensional, got a 0-d tensor")
    axis = normalize_dim(dim, x.ndim, "diff")
    ends = [(name, t) for name, t in (("prepend", prepend), ("append", append)) if t is not None]
    for name, t in ends:
        _check_diff_end(name, t, x, axis)
    if ends:
        dtype = result_type(x, *(t for _, t in ends))
        parts = [t for t in (prepend, x, append) if t is not None]
        x = concatenate([p if p.dtype == dtype else astype(p, dtype) for p in parts], axis)
    lead = (slice(None),) * axis
    for _ in range(int(n)):
        later, earlier = getitem(x, lead + (slice(1, None),)), getitem(x, lead + (slice(None, -1),))
        x = ne(later, earlier) if x.dtype == np.bool_ else sub(later, earlier)
    return x
