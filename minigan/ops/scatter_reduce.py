"""scatter_reduce: several values reduced into one place, as ``torch.scatter_reduce``.

``scatter_reduce(x, dim, index, src, reduce)`` sends ``src[p]`` to the place ``index`` names for position ``p``
(for ``dim=1``, ``src[i][j][k]`` goes to ``x[i][index[i][j][k]][k]``: the places of
:func:`~minigan.ops.indexing.scatter_add`) and reduces everything that lands on one place, ``x``'s own value
there included unless ``include_self=False``. Places no index names keep ``x``'s value, and its gradient.

What each value's gradient is, given the gradient ``g`` of its place:

- ``"sum"``: ``g`` (it is :func:`~minigan.ops.indexing.scatter_add`, onto ``x`` with the named places zeroed
  where ``include_self=False``; written with those ops, so it can be differentiated again).
- ``"mean"``: ``g / count``, with ``count`` the number of values that landed there (a constant). Integer
  tensors round the mean down, as PyTorch's.
- ``"amax"`` / ``"amin"``: ``g`` for the winner; values that tie for it share ``g`` equally.
- ``"prod"``: ``g`` times the product of the *other* values of its place: ``out / v`` where ``v != 0``; for the
  only zero of its place, the product of the rest; ``0`` where the place has another zero as well.

One deliberate difference from PyTorch: with ``include_self=False``, PyTorch still counts ``x``'s own value
among the ties of ``amax``/``amin`` (it gets no gradient, so the shares sum to less than ``g``); here only the
values that took part share ``g``, so they always sum to it.
"""
from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd import Function, Tensor, is_grad_enabled
from .arithmetic import div
from .indexing import Gather, ScatterAdd, _coords, _leading, _pad_to, _scatter_args, scatter

__all__ = ["scatter_reduce", "REDUCTIONS"]

REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


def _landed(x, dim, index, include_self: bool):
    """How many values reduce into each place of ``x``: one where no index names it; where one does, the src
    values that land there, plus ``x``'s own with ``include_self``."""
    xp = backend.xp_of(x)
    count = xp.ones(x.shape, dtype=x.dtype)
    at = _coords(index, dim)
    if not include_self:
        count[at] = 0
    backend.scatter_add(count, at, xp.ones(index.shape, dtype=x.dtype))
    return count


def _taking_part(x, at, include_self: bool, neutral):
    """``x``'s values as they enter the reduction: a copy, with ``neutral`` at the named places where x's own
    values do not take part (``include_self=False``)."""
    out = x.copy()
    if not include_self:
        out[at] = neutral
    return out


def _lowest(dtype, highest=False):
    """The value that loses every max (``highest``: every min) of ``dtype``: -inf / inf, or the integer limits."""
    if np.dtype(dtype).kind == "f":
        return np.inf if highest else -np.inf
    info = np.iinfo(dtype) if np.dtype(dtype).kind in "iu" else None
    if info is None:                                   # bool: False loses a max, True a min
        return bool(highest)
    return info.max if highest else info.min


class ScatterExtreme(Function):
    """``amax`` / ``amin`` into the named places. Backward: the gradient of a place shared equally by the values
    that equal its result (its winners)."""

    @staticmethod
    def forward(ctx, x, dim, index, src, reduce, include_self):
        at = _coords(index, dim)
        out = _taking_part(x, at, include_self, _lowest(x.dtype, highest=reduce == "amin"))
        backend.reduce_at("maximum" if reduce == "amax" else "minimum", out, at, src[_leading(index.shape)])
        ctx.dim, ctx.index, ctx.include_self = dim, index, include_self
        ctx.save_for_backward(x, src, out)
        return out

    @staticmethod
    def backward(ctx, gy):
        x, src, out = ctx.saved_tensors
        at = _coords(ctx.index, ctx.dim)
        self_wins = x.data == out.data
        if not ctx.include_self:
            self_wins[at] = False
        src_wins = src.data[_leading(ctx.index.shape)] == out.data[at]
        winners = self_wins.astype(gy.dtype)
        backend.scatter_add(winners, at, src_wins.astype(gy.dtype))
        xp = backend.xp_of(winners)
        share = xp.divide(1, winners, out=xp.zeros_like(winners), where=winners > 0)   # no winner: a NaN result
        gx = gy * Tensor(share * self_wins) if ctx.needs_input_grad[0] else None
        gsrc = None
        if ctx.needs_input_grad[1]:
            gsrc = _pad_to(Gather.apply(gy * Tensor(share), ctx.dim, ctx.index) * Tensor(src_wins.astype(gy.dtype)),
                           tuple(src.shape))
        return gx, gsrc


def _product_of_the_others(values, product, nonzero_product, zeros):
    """For each factor ``v`` of a product (``product`` and the rest given at ``v``'s place): the product of the
    place's other factors. ``product / v`` where ``v != 0``; for the place's only zero, the product of its
    nonzero factors; 0 where the place has another zero too."""
    xp = backend.xp_of(values)
    nonzero = values != 0
    quotient = xp.divide(product, values, out=xp.zeros_like(product), where=nonzero)
    return xp.where(nonzero, quotient, xp.where(zeros == 1, nonzero_product, 0))


class ScatterProd(Function):
    """``prod`` into the named places. Backward: each factor gets the gradient times the product of the other
    factors of its place (:func:`_product_of_the_others`), right where some are zero. Its backward is not
    differentiable again."""

    @staticmethod
    def forward(ctx, x, dim, index, src, include_self):
        at = _coords(index, dim)
        out = _taking_part(x, at, include_self, 1)
        backend.reduce_at("multiply", out, at, src[_leading(index.shape)])
        ctx.dim, ctx.index, ctx.include_self = dim, index, include_self
        ctx.save_for_backward(x, src, out)
        return out

    @staticmethod
    def backward(ctx, gy):
        if is_grad_enabled():
            raise NotImplementedError("scatter_reduce: the gradient of reduce='prod' cannot be differentiated again "
                                      "(create_graph=True)")
        x, src, out = (t.data for t in ctx.saved_tensors)
        xp = backend.xp_of(out)
        at = _coords(ctx.index, ctx.dim)
        mine = _taking_part(x, at, ctx.include_self, 1)                  # x's factors (1: not taking part)
        theirs = src[_leading(ctx.index.shape)]
        zeros = (mine == 0).astype(np.int64)                             # how many factors of each place are 0
        backend.scatter_add(zeros, at, (theirs == 0).astype(np.int64))
        nonzero_product = xp.where(mine == 0, 1, mine)                   # the product of each place's nonzero factors
        backend.reduce_at("multiply", nonzero_product, at, xp.where(theirs == 0, 1, theirs))
        gx = gsrc = None
        if ctx.needs_input_grad[0]:
            gx = gy.data * _product_of_the_others(mine, out, nonzero_product, zeros)
            if not ctx.include_self:
                gx[at] = 0
            gx = Tensor(gx)
        if ctx.needs_input_grad[1]:
            others = _product_of_the_others(theirs, out[at], nonzero_product[at], zeros[at])
            gsrc = _pad_to(Tensor(gy.data[at] * others), tuple(src.shape))
        return gx, gsrc


def scatter_reduce(x: Tensor, dim: int, index, src: Tensor, reduce: str, *, include_self: bool = True) -> Tensor:
    """A copy of ``x`` where each place that ``index`` names along ``dim`` holds the reduction (``"sum"``,
    ``"prod"``, ``"mean"``, ``"amax"`` or ``"amin"``) of the ``src`` values sent there, and of ``x``'s own value
    unless ``include_self=False``, as ``torch.scatter_reduce``. ``scatter_reduce(zeros(3), 0, [0, 0, 2],
    [1., 5., 2.], "amax")`` is ``[5, 0, 2]``. The gradients are in the module's docstring."""
    if reduce not in REDUCTIONS:
        raise ValueError(f"scatter_reduce: reduce must be one of {', '.join(map(repr, REDUCTIONS))}, got {reduce!r}")
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_reduce: src must be a Tensor, got {type(src).__name__}")
    dim, idx = _scatter_args("scatter_reduce", x, dim, index, src)
    if reduce in ("amax", "amin"):
        return ScatterExtreme.apply(x, dim, idx, src, reduce, include_self)
    if reduce == "prod":
        return ScatterProd.apply(x, dim, idx, src, include_self)
    total = ScatterAdd.apply(x if include_self else scatter(x, dim, idx, 0), dim, idx, src)
    if reduce == "sum":
        return total
    count = _landed(x.data, dim, idx, include_self)
    if x.data.dtype.kind != "f":                          # integers: the mean rounded down, as in PyTorch
        return Tensor(backend.xp_of(count).floor_divide(total.data, count))
    return div(total, Tensor(count))
