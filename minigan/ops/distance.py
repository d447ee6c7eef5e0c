"""Distances between vectors, and vectors scaled to unit length, with PyTorch's names, defaults and formulas:

=========================================  ===================================================================
op                                         value, along ``dim``
=========================================  ===================================================================
``normalize(x, p=2, dim=1, eps=1e-12)``    ``x / max(||x||_p, eps)``
``cosine_similarity(x1, x2, 1, 1e-8)``     ``sum(x1 / max(||x1||, eps) * x2 / max(||x2||, eps))``
``pairwise_distance(x1, x2, 2, 1e-6)``     ``||x1 - x2 + eps||_p``, along the last dim
``cdist(x1, x2, p=2)``                     ``||x1[..., i, :] - x2[..., j, :]||_p`` for every pair of rows
``pdist(x, p=2)``                          ``||x[i] - x[j]||_p`` for the pairs ``i < j``, one row after another
=========================================  ===================================================================

The three ``eps`` do three different things, each as PyTorch does it:

- ``normalize`` clamps the norm with a recorded :func:`~minigan.ops.clip`: where a vector's norm is below eps
  the division is by eps, a constant, and no gradient flows through the norm.
- ``cosine_similarity`` clamps each norm outside the graph (PyTorch clamps it in place under ``no_grad``): the
  value is clamped, but the gradient passes through the norm as if it were not (:class:`ClampMinValue`).
  Each vector is divided by its own norm before the dot product, so the result is within rounding of
  [-1, 1], and the product ``||x1|| ||x2||``, which could overflow, is never formed.
- ``pairwise_distance`` adds eps to every component of the difference: a vector's distance to itself is
  ``eps d^(1/p)`` for d components, not 0.

``cdist`` and ``pdist`` add no eps: a row's distance to an equal row is 0, where the norm has a kink, and the
gradient there is 0, PyTorch's choice (:class:`Cdist`).
"""
from __future__ import annotations

import math

import numpy as np

from .. import backend
from ..autograd import Function, Tensor
from ._util import as_floating, lift, normalize_dim, result_type
from .activation import _expect_floating
from .arithmetic import _check_broadcast, abs as _abs, clip, where
from .math import sign
from .matmul import matmul
from .reduction import norm, sum as _sum
from .shape import broadcast_to, getitem, transpose, unsqueeze


class ClampMinValue(Function):
    """``max(x, lo)`` in the forward, the identity in the backward: the gradient reaches ``x`` unchanged,
    even where the clamp changed its value. This is what PyTorch's clamp in place under ``no_grad`` does to
    the norms in :func:`cosine_similarity` and to the variance in :func:`~minigan.ops.gaussian_nll_loss`."""

    @staticmethod
    def forward(ctx, x, lo):
        xp = backend.xp_of(x)
        return xp.maximum(x, xp.asarray(lo, dtype=x.dtype))

    @staticmethod
    def backward(ctx, gy):
        return gy


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:  # noqa: A002
    """``input / max(||input||_p, eps)``, the norm taken along ``dim`` (``F.normalize`` in PyTorch): every
    vector along ``dim`` scaled to ``p``-norm 1, and a vector of norm below ``eps`` divided by ``eps``.
    Shapes: ``(*) -> (*)``."""
    _expect_floating("normalize", input)
    return input / clip(norm(input, p, dim, keepdim=True), min=eps)


def _broadcast_pair(op: str, x1, x2) -> tuple[Tensor, Tensor]:
    """``x1`` and ``x2`` as Tensors of one broadcast shape; a floating-point one keeps its dtype, an integer
    one takes the pair's (floating-point) common dtype, as in PyTorch."""
    like = x1 if isinstance(x1, Tensor) else x2
    x1, x2 = lift(x1, like), lift(x2, like)
    dtype = result_type(x1, x2)
    if dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating-point common dtype, got {dtype} (x1 is {x1.dtype}, x2 is "
                        f"{x2.dtype}); convert one with .float()")
    x1, x2 = (x if x.data.dtype.kind == "f" else lift(x, x, dtype) for x in (x1, x2))
    _check_broadcast(op, x1, x2)
    shape = np.broadcast_shapes(x1.shape, x2.shape)
    return (x if x.shape == shape else broadcast_to(x, shape) for x in (x1, x2))


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """The cosine of the angle between ``x1`` and ``x2`` along ``dim``, after broadcasting them together:
    ``sum(x1 / max(||x1||, eps) * x2 / max(||x2||, eps))`` (``F.cosine_similarity`` in PyTorch). Each norm is
    clamped without stopping its gradient (see :class:`ClampMinValue`). Shapes: ``(*, D, *)`` twice (broadcast)
    ``-> (*, *)``, ``dim`` removed."""
    x1, x2 = _broadcast_pair("cosine_similarity", x1, x2)
    d = normalize_dim(dim, x1.ndim, "cosine_similarity")
    n1 = ClampMinValue.apply(norm(x1, 2, d, keepdim=True), eps)
    n2 = ClampMinValue.apply(norm(x2, 2, d, keepdim=True), eps)
    return _sum((x1 / n1) * (x2 / n2), d)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """``||x1 - x2 + eps||_p`` along the last dim (``F.pairwise_distance`` in PyTorch): the distance between
    the rows of ``x1`` and ``x2``, broadcast together. ``eps`` is added to the difference, so equal rows are
    ``eps d^(1/p)`` apart. Integer inputs give float32, as in PyTorch. Shapes: ``(*, D)`` twice (broadcast)
    ``-> (*)``, or ``(*, 1)`` with ``keepdim``."""
    like = x1 if isinstance(x1, Tensor) else x2
    x1, x2 = lift(x1, like), lift(x2, like)
    _check_broadcast("pairwise_distance", x1, x2)
    diff = as_floating(x1 - x2 + eps)
    return norm(diff, p, -1, keepdim=keepdim)


# --------------------------------------------------------------------------- all pairs of rows
class Cdist(Function):
    """``d[..., i, j] = ||x1[..., i, :] - x2[..., j, :]||_p``: ``(..., P, M)`` and ``(..., R, M)`` (one batch
    shape) ``-> (..., P, R)``. The forward forms every difference ``(..., P, R, M)`` and reduces it: ``p = 0``
    counts the non-zero components, ``p = inf`` takes the largest magnitude, any other ``p`` is
    ``(sum |diff|^p)^(1/p)``. Exact, at the cost of that ``P R M`` array.

    Backward: with ``D = x1_i - x2_j``, ``dd/dD = sign(D) |D|^(p-1) / d^(p-1)``: ``D / d`` for ``p = 2``,
    ``sign(D)`` for ``p = 1``, ``sign(D)`` at the components of largest magnitude for ``p = inf`` (every one of
    them, where several tie), and 0 for ``p = 0`` (a count does not change under a small move). A row's
    gradient adds this over all its pairs, with ``+`` for ``x1`` and ``-`` for ``x2``. Where ``d = 0`` (equal
    rows) the norm has a kink; the gradient there is 0, as PyTorch's. For ``p = 2`` the sums over pairs are
    matrix products, ``g1 = x1 * rowsum(W) - W x2`` with ``W = g / d``, so no ``P R M`` array is formed."""

    @staticmethod
    def forward(ctx, x1, x2, p):
        xp = backend.xp_of(x1)
        diff = xp.abs(x1[..., :, None, :] - x2[..., None, :, :])
        if p == 0:
            d = (diff != 0).sum(axis=-1).astype(x1.dtype)
        elif p == 1:
            d = diff.sum(axis=-1)
        elif p == 2:
            d = xp.sqrt((diff * diff).sum(axis=-1))
        elif math.isinf(p):
            d = diff.max(axis=-1) if diff.shape[-1] else xp.zeros(diff.shape[:-1], dtype=x1.dtype)
        else:
            d = (diff ** p).sum(axis=-1) ** (1.0 / p)
        ctx.p = p
        ctx.save_for_backward(x1, x2, d)
        return d

    @staticmethod
    def backward(ctx, gy):
        x1, x2, d = ctx.saved_tensors
        p, at_zero = ctx.p, d.data == 0
        if p == 0:
            xp = backend.xp_of(x1.data)
            return Tensor(xp.zeros_like(x1.data)), Tensor(xp.zeros_like(x2.data))
        if p == 2:
            w = where(at_zero, 0.0, gy / where(at_zero, 1.0, d))                 # g / d, and 0 where d = 0
            g1 = x1 * _sum(w, -1, keepdim=True) - matmul(w, x2)
            g2 = x2 * unsqueeze(_sum(w, -2), -1) - matmul(transpose(w, -2, -1), x1)
            return g1, g2
        diff = unsqueeze(x1, -2) - unsqueeze(x2, -3)                             # (..., P, R, M)
        if p == 1:
            dd = sign(diff)
        elif math.isinf(p):
            largest = backend.xp_of(d.data).abs(diff.data) == d.data[..., None]
            dd = sign(diff) * Tensor(largest.astype(diff.dtype))
        else:                           # |D| and d read as 1 where they are 0: sign(D) = 0 there anyway
            size = where(diff.data == 0, 1.0, _abs(diff))
            dd = sign(diff) * size ** (p - 1) / unsqueeze(where(at_zero, 1.0, d) ** (p - 1), -1)
        pairs = unsqueeze(gy, -1) * dd
        return _sum(pairs, -2), -_sum(pairs, -3)


def _cdist_args(op: str, name: str, t) -> None:
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}: expected {name} to be a Tensor, got {type(t).__name__}")
    if t.dtype.kind != "f":
        raise TypeError(f"{op}: only supports floating-point dtypes, {name} got: {t.dtype}")


def _p_norm(op: str, p) -> float:
    p = float(p)
    if not p >= 0:
        raise ValueError(f"{op}: only supports non-negative p values, got p = {p}")
    return p


_COMPUTE_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist")


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0, compute_mode: str = _COMPUTE_MODES[0]) -> Tensor:
    """The ``p``-norm distance between every row of ``x1`` and every row of ``x2`` (``torch.cdist``):
    ``(B..., P, M)`` and ``(B..., R, M)`` -> ``(B..., P, R)``, the batch dims broadcast. ``p`` may be 0 (the number
    of differing components), 1, 2, ``inf`` (the largest difference) or any other ``p >= 0``. Both inputs must
    be floating point, of one dtype. Differentiable, with gradient 0 at zero distance (:class:`Cdist`).

    ``compute_mode`` is accepted for PyTorch's signature; minigan always computes the differences directly
    (PyTorch may use ``|a|^2 + |b|^2 - 2 a.b`` for ``p = 2`` on more than 25 rows, which is faster and rounds
    differently)."""
    _cdist_args("cdist", "x1", x1)
    _cdist_args("cdist", "x2", x2)
    for name, t in (("X1", x1), ("X2", x2)):
        if t.ndim < 2:
            raise ValueError(f"cdist: only supports at least 2D tensors, {name} got: {t.ndim}D (shape {t.shape})")
    if x1.shape[-1] != x2.shape[-1]:
        raise ValueError(f"cdist: X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: "
                         f"{x2.shape[-1]}")
    if x1.dtype != x2.dtype:
        raise TypeError(f"cdist: X1 and X2 must have the same dtype, got {x1.dtype} and {x2.dtype}")
    if compute_mode not in _COMPUTE_MODES:
        raise ValueError(f"cdist: {compute_mode} is not a valid value for compute_mode (expected one of "
                         f"{', '.join(_COMPUTE_MODES)})")
    p = _p_norm("cdist", p)
    try:
        batch = np.broadcast_shapes(x1.shape[:-2], x2.shape[:-2])
    except ValueError:
        raise ValueError(f"cdist: the batch dims of X1 {x1.shape} and X2 {x2.shape} do not broadcast") from None
    return Cdist.apply(broadcast_to(x1, batch + x1.shape[-2:]), broadcast_to(x2, batch + x2.shape[-2:]), p)


def pdist(input: Tensor, p: float = 2.0) -> Tensor:  # noqa: A002
    """The ``p``-norm distance between every pair of rows ``i < j`` of ``input`` ``(N, M)``, as ``F.pdist``: the
    condensed upper triangle of ``cdist(input, input)``, row by row, ``N (N - 1) / 2`` values
    (``d01, d02, ..., d0(N-1), d12, ...``). A composition: :func:`cdist`, then indexing at
    :func:`~minigan.triu_indices` ``(N, N, 1)``; so the gradient is cdist's, 0 at zero distance."""
    _cdist_args("pdist", "input", input)
    if input.ndim != 2:
        raise ValueError(f"pdist: only supports 2D tensors, got: {input.ndim}D (shape {input.shape})")
    p = _p_norm("pdist", p)
    xp = backend.xp_of(input.data)
    n = input.shape[0]
    above = xp.nonzero(~xp.tri(n, n, 0, dtype=bool))          # the pairs i < j, row by row
    return getitem(Cdist.apply(input, input, p), above)


__all__ = ["ClampMinValue", "normalize", "cosine_similarity", "pairwise_distance", "Cdist", "cdist", "pdist"]
