"""Diagonals of stacks of matrices: :func:`diagonal` reads one, :func:`diag_embed` writes one, :func:`trace` sums
the main one of a matrix.

``diagonal(x, offset, dim1, dim2)`` picks the places ``(i, i + offset)`` of dims ``dim1`` and ``dim2`` and puts
them in a new last dim; ``diag_embed(v, offset, dim1, dim2)`` starts from zeros and writes the last dim of ``v``
onto those places. As linear maps they are each other's transpose (adjoint): ``<diagonal(x), v> = <x,
diag_embed(v)>``, both sides being the sum of ``x[.., i, i + offset] * v[.., i]``. So the backward of each IS
the other: reading a diagonal sends its gradient back onto that diagonal (zeros elsewhere, nothing else was
read), and writing one takes back the gradient found on it. (``diag`` in ``rearrange.py`` is the 1-D/2-D
special case torch has by that name.)"""
from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd import Function, Tensor
from ._util import normalize_dim
from .reduction import sum as _sum
from .shape import astype


def _two_dims(op: str, dim1, dim2, ndim: int) -> tuple[int, int]:
    d1, d2 = normalize_dim(dim1, ndim, op), normalize_dim(dim2, ndim, op)
    if d1 == d2:
        what = "result" if op == "diag_embed" else "tensor"
        raise ValueError(f"{op}: diagonal dimensions cannot be identical, got dim1={dim1} and dim2={dim2} (both "
                         f"dim {d1} of a {ndim}-D {what})")
    return d1, d2


class Diagonal(Function):
    """``(.., n1, .., n2, ..) -> (.., L)``: ``y[.., i] = x[.., i + r0, .., i + c0, ..]`` with ``r0 = max(-offset, 0)``,
    ``c0 = max(offset, 0)`` along ``dim1``, ``dim2`` (both removed, the diagonal appended last, ``L`` as many places
    as fit). Backward: each ``x`` place read once gets its ``gy``, every other gets 0: the gradient is ``gy``
    written onto the same diagonal of an ``n1 x n2`` zero matrix, which is :class:`DiagEmbed`."""

    @staticmethod
    def forward(ctx, x, offset, dim1, dim2):
        ctx.args, ctx.sizes = (offset, dim1, dim2), (x.shape[dim1], x.shape[dim2])
        # a copy: NumPy's diagonal is a read-only view
        return backend.xp_of(x).diagonal(x, offset, dim1, dim2).copy()

    @staticmethod
    def backward(ctx, gy):
        return DiagEmbed.apply(gy, *ctx.args, ctx.sizes)


class DiagEmbed(Function):
    """``(.., L) -> (.., n1, .., n2, ..)``: zeros, with the last dim of ``v`` written on places ``(i + r0, i + c0)``
    of the new dims ``dim1``, ``dim2`` (positions in the result), sized ``sizes = (n1, n2)``; :func:`diag_embed`
    takes the square ``n1 = n2 = L + |offset|``. Backward: each output place holds one input element or a
    constant 0, so the input's gradient is ``gy`` read back off that diagonal: :class:`Diagonal`."""

    @staticmethod
    def forward(ctx, v, offset, dim1, dim2, sizes):
        ctx.args = (offset, dim1, dim2)
        xp = backend.xp_of(v)
        n1, n2 = sizes
        out = xp.zeros(v.shape[:-1] + (n1, n2), dtype=v.dtype)
        steps = xp.arange(v.shape[-1])
        out[..., steps + max(-offset, 0), steps + max(offset, 0)] = v
        return xp.ascontiguousarray(xp.moveaxis(out, (-2, -1), (dim1, dim2)))

    @staticmethod
    def backward(ctx, gy):
        return Diagonal.apply(gy, *ctx.args)


def diagonal(x: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal ``offset`` (above the main one for ``offset > 0``, below for ``< 0``) of the matrices that
    dims ``dim1`` and ``dim2`` of ``x`` span, as ``torch.diagonal``: those two dims go, the diagonal becomes the
    last dim. ``(3, 5) -> (3,)``; ``(B, n, n) -> (B, n)`` with ``dim1=1, dim2=2``; an offset past the edge gives
    an empty last dim. The transpose of :func:`diag_embed`, and its backward is that (see
    :class:`Diagonal`). Unlike torch's, the result is a copy, not a view."""
    d1, d2 = _two_dims("diagonal", dim1, dim2, x.ndim)
    return Diagonal.apply(x, int(offset), d1, d2)


def diag_embed(x: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """A tensor whose matrices (in dims ``dim1``, ``dim2`` of the result) hold the last dim of ``x`` on their
    diagonal ``offset`` and zeros elsewhere, as ``torch.diag_embed``: ``(.., L) -> (.., L + |offset|, L +
    |offset|)`` with the defaults, a batch of diagonal matrices. The transpose of :func:`diagonal`, and its
    backward is that (see :class:`DiagEmbed`)."""
    if x.ndim == 0:
        raise ValueError("diag_embed: expected a tensor with at least 1 dim (its last dim is the diagonal), got a "
                         "0-d tensor")
    d1, d2 = _two_dims("diag_embed", dim1, dim2, x.ndim + 1)
    n = x.shape[-1] + abs(int(offset))
    return DiagEmbed.apply(x, int(offset), d1, d2, (n, n))


def trace(x: Tensor) -> Tensor:
    """The sum of the main diagonal of a matrix, a 0-d tensor, as ``torch.trace`` (2-D only; integers sum in
    int64). ``sum(diagonal(x))``: a composition, so its gradient is ``gy`` times the identity (``n1 x n2``),
    the sum's broadcast written back by :class:`DiagEmbed`."""
    if not isinstance(x, Tensor) or x.ndim != 2:
        got = f"a {x.ndim}-D tensor of shape {x.shape}" if isinstance(x, Tensor) else type(x).__name__
        raise ValueError(f"trace: expected a matrix (a 2-D tensor), got {got}")
    if x.dtype == np.bool_:
        raise TypeError("trace: not implemented for bool tensors, as in PyTorch; convert with .long() first")
    if x.dtype.kind in "iu":
        x = astype(x, np.int64)
    return _sum(Diagonal.apply(x, 0, 0, 1))
