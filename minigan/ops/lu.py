"""The LU factorization with partial pivoting, as ``torch.linalg``: ``lu_factor`` (the packed form LAPACK
returns), ``lu`` (``P, L, U`` apart), ``lu_factor_ex`` (with an error code instead of an error) and
``lu_solve``, which reuses one factorization for many right-hand sides.

``A = P L U`` for ``A (*, m, n)``, ``k = min(m, n)``: ``P (m, m)`` a permutation, ``L (m, k)`` lower triangular
with ones on its diagonal, ``U (k, n)`` upper triangular. The packed ``LU (*, m, n)`` holds ``L`` below the
diagonal (its ones are implied) and ``U`` on and above it; ``pivots (*, k)`` (int32, 1-based, LAPACK's
convention) say that at step ``i`` rows ``i`` and ``pivots[i] - 1`` were swapped.

NumPy has no LU routine (CuPy's lives outside ``cupy.linalg``), so the forward is written here with what both
have: Gaussian elimination, one column at a time for the whole batch at once; at each step the row with the
largest ``|entry|`` in the column is swapped up (partial pivoting keeps every multiplier in ``[-1, 1]``), the
multipliers are stored in ``L`` and the rest of the matrix gets a rank-one update. A zero pivot (a singular
matrix) is not an error here: that column's multipliers stay 0, as in LAPACK, and ``info`` reports it.

The backward is written with triangular solves (:class:`TriangularSolve`, also written here: it lets a zero
on ``U``'s diagonal give inf/nan, as LAPACK's does, where :func:`~minigan.ops.linalg.solve` raises)."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .. import backend
from ..autograd import Function, Tensor
from .linalg import LinAlgError, _eye, _mT, check_float, check_matrix
from .rearrange import tril, triu
from .shape import broadcast_to, concatenate, getitem


# ----------------------------------------------------------------------------- triangular solves
def _substitute(T, B, upper: bool, unit: bool):
    """``X`` with ``T X = B`` for triangular ``T (*, n, n)`` (only its triangle read), ``B (*, n, k)``: back
    substitution (``upper``, from the last row up) or forward substitution. Row ``i`` of ``X`` is
    ``(B_i - sum_j T_ij X_j) / T_ii`` over the rows already found; the rows not yet found are 0 in ``X``,
    so one matrix-vector product per row does the sum. A zero ``T_ii`` gives inf/nan, as LAPACK's trsm."""
    xp, n = backend.xp_of(T), T.shape[-1]
    T = xp.triu(T) if upper else xp.tril(T)
    X = xp.zeros(B.shape, dtype=np.result_type(T.dtype, B.dtype))
    with np.errstate(divide="ignore", invalid="ignore"):
        for i in (range(n - 1, -1, -1) if upper else range(n)):
            row = B[..., i, :] - (T[..., i:i + 1, :] @ X)[..., 0, :]
            X[..., i, :] = row if unit else row / T[..., i, i, None]
    return X


def _triangle(T: Tensor, upper: bool, unit: bool) -> Tensor:
    """The part of ``T`` a triangular solve reads (its diagonal left out where it is taken as ones)."""
    k = int(unit)
    return triu(T, k) if upper else tril(T, -k)


class TriangularSolve(Function):
    """``X = T^-1 B`` for triangular ``T (*, n, n)`` and ``B (*, n, k)`` of one batch shape; only ``T``'s upper
    (or lower) triangle is read, its diagonal taken as ones if ``unit``. From ``T X = B``: ``dX = T^-1 (dB -
    dT X)``, so ``gB = T^-T G`` (a solve with the other triangle) and ``gT = -gB Xᵀ``, kept on the triangle
    that was read. Unlike :func:`~minigan.ops.decompositions.solve_triangular`, a zero on the diagonal is no
    error: inf/nan come out, as from LAPACK."""

    @staticmethod
    def forward(ctx, T, B, upper, unit):
        X = _substitute(T, B, upper, unit)
        ctx.upper, ctx.unit = upper, unit
        ctx.save_for_backward(T, X)
        return X

    @staticmethod
    def backward(ctx, G):
        T, X = ctx.saved_tensors
        gB = TriangularSolve.apply(_mT(T), G, not ctx.upper, ctx.unit)
        return _triangle(-(gB @ _mT(X)), ctx.upper, ctx.unit), gB


def _tri_left(T: Tensor, B: Tensor, upper: bool, unit: bool = False) -> Tensor:
    """``T^-1 B`` with the batch dims of ``T`` and ``B`` broadcast."""
    batch = np.broadcast_shapes(T.shape[:-2], B.shape[:-2])
    return TriangularSolve.apply(broadcast_to(T, batch + T.shape[-2:]), broadcast_to(B, batch + B.shape[-2:]),
                                 upper, unit)


def _tri_right(B: Tensor, T: Tensor, upper: bool, unit: bool = False) -> Tensor:
    """``B T^-1``: ``(T^-T Bᵀ)ᵀ``, a left solve with the transposed (so other) triangle."""
    return _mT(_tri_left(_mT(T), _mT(B), not upper, unit))


# ----------------------------------------------------------------------------- the factorization
def _factor(A):
    """``(LU, pivots, info)`` of a raw batch ``A (*, m, n)`` by Gaussian elimination with partial pivoting;
    ``info`` is 0, or the (1-based) index of the first zero on ``U``'s diagonal, as LAPACK's getrf."""
    xp = backend.xp_of(A)
    *batch, m, n = A.shape
    k = min(m, n)
    LU = A.reshape((int(np.prod(batch)), m, n)).copy()      # (an explicit count: -1 fails where m or n is 0)
    pivots = xp.zeros((LU.shape[0], k), dtype=np.int32)
    rows = xp.arange(LU.shape[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        for j in range(k):
            p = j + xp.argmax(xp.abs(LU[:, j:, j]), axis=1)        # the largest entry at or below the diagonal
            pivots[:, j] = p + 1
            top = LU[rows, j].copy()
            LU[rows, j] = LU[rows, p]
            LU[rows, p] = top
            pivot = LU[:, j, j]
            LU[:, j + 1:, j] /= xp.where(pivot == 0, 1, pivot)[:, None]     # a zero column stays zero
            LU[:, j + 1:, j + 1:] -= LU[:, j + 1:, j:j + 1] * LU[:, j:j + 1, j + 1:]
    zero = xp.diagonal(LU, 0, -2, -1) == 0
    info = xp.where(zero.any(axis=-1), xp.argmax(zero.astype(np.int8), axis=-1) + 1, 0).astype(np.int32) if k else \
        xp.zeros(LU.shape[0], dtype=np.int32)
    return LU.reshape(A.shape), pivots.reshape(tuple(batch) + (k,)), info.reshape(tuple(batch))


def permutation_of(pivots, m: int):
    """The row order ``perm (*, m)`` that LAPACK's pivots ``(*, k)`` stand for: ``(Pᵀ A)[i] = A[perm[i]]``,
    found by making the same swaps on ``0, 1, ..., m-1`` in order."""
    xp = backend.xp_of(pivots)
    batch, k = pivots.shape[:-1], pivots.shape[-1]
    count = int(np.prod(batch))
    perm = xp.broadcast_to(xp.arange(m), batch + (m,)).reshape(count, m).copy()
    piv = pivots.reshape(count, k).astype(np.int64) - 1
    rows = xp.arange(perm.shape[0])
    for j in range(k):
        here = perm[:, j].copy()
        perm[:, j] = perm[rows, piv[:, j]]
        perm[rows, piv[:, j]] = here
    return perm.reshape(batch + (m,))


def _p_transpose(pivots, m: int, dtype) -> Tensor:
    """``Pᵀ`` as a constant ``(*, m, m)`` matrix (the rows of the identity in the pivots' order)."""
    xp = backend.xp_of(pivots)
    return Tensor(xp.eye(m, dtype=dtype)[permutation_of(pivots, m)])


def _lu_square_backward(L: Tensor, U: Tensor, gL: Tensor, gU: Tensor) -> Tensor:
    """``Pᵀ gA`` for a square ``A = P L U``. ``Pᵀ dA = dL U + L dU`` gives
    ``L^-1 Pᵀ dA U^-1 = L^-1 dL + dU U^-1``: a strictly lower plus an upper triangular matrix, so
    ``dL = L tril_-1(X)``, ``dU = triu(X) U`` with ``X = L^-1 Pᵀ dA U^-1``. The adjoint:
    ``Pᵀ gA = L^-T (tril_-1(Lᵀ gL) + triu(gU Uᵀ)) U^-T``."""
    inner = tril(_mT(L) @ gL, -1) + triu(gU @ _mT(U))
    return _tri_right(_tri_left(_mT(L), inner, upper=True, unit=True), _mT(U), upper=False)


class LUFactor(Function):
    """``(LU, pivots, info)`` of ``A (*, m, n)`` (see the module's docstring); only ``LU`` has a gradient.

    Backward, from ``gL = tril_-1(gLU)`` and ``gU = triu(gLU)``: square, see :func:`_lu_square_backward`.
    Wide (``m < n``): ``U = [U1 | U2]`` with ``A2 = P L U2``, so ``U2 = L^-1 Pᵀ A2`` and ``gA2 = P L^-T gU2``;
    ``U2`` also moves with ``L``, which adds ``-L^-T gU2 U2ᵀ`` to ``gL`` before the square formula for ``A1``.
    Tall (``m > n``): ``L = [L1; L2]`` with ``L2 = (Pᵀ A)2 U^-1``, so ``(Pᵀ gA)2 = gL2 U^-T``, and ``gU`` gains
    ``-L2ᵀ gL2 U^-T`` (the same reasoning with rows for columns)."""

    @staticmethod
    def forward(ctx, A):
        LU, pivots, info = _factor(A)
        ctx.pivots = pivots
        ctx.save_for_backward(LU)
        return LU, pivots, info

    @staticmethod
    def backward(ctx, gLU, _gpivots, _ginfo):
        LU, = ctx.saved_tensors
        m, n = LU.shape[-2:]
        k = min(m, n)
        L = tril(getitem(LU, (..., slice(None), slice(0, k))), -1) + _eye(m, LU)[:, :k]
        U = triu(getitem(LU, (..., slice(0, k), slice(None))))
        gL = tril(getitem(gLU, (..., slice(None), slice(0, k))), -1)
        gU = triu(getitem(gLU, (..., slice(0, k), slice(None))))
        if m == n:
            PtgA = _lu_square_backward(L, U, gL, gU)
        elif m < n:
            U1, U2, gU1, gU2 = U[..., :, :m], U[..., :, m:], gU[..., :, :m], gU[..., :, m:]
            LtgU2 = _tri_left(_mT(L), gU2, upper=True, unit=True)
            PtgA = concatenate([_lu_square_backward(L, U1, gL - LtgU2 @ _mT(U2), gU1), LtgU2], -1)
        else:
            L1, L2, gL1, gL2 = L[..., :n, :], L[..., n:, :], gL[..., :n, :], gL[..., n:, :]
            gL2Ut = _tri_right(gL2, _mT(U), upper=False)                   # gL2 U^-T
            PtgA = concatenate([_lu_square_backward(L1, U, gL1, gU - _mT(L2) @ gL2Ut), gL2Ut], -2)
        return _mT(_p_transpose(ctx.pivots, m, LU.dtype)) @ PtgA


class LUFactorResult(NamedTuple):
    LU: Tensor
    pivots: Tensor


class LUFactorExResult(NamedTuple):
    LU: Tensor
    pivots: Tensor
    info: Tensor


class LUResult(NamedTuple):
    P: Tensor
    L: Tensor
    U: Tensor


def _factorize(op: str, A: Tensor, pivot: bool):
    check_float(op, A)
    if A.ndim < 2:
        raise ValueError(f"{op}: Expected tensor with 2 or more dimensions. Got size: {list(A.shape)} instead")
    if not pivot:
        raise NotImplementedError(f"{op}: LU without pivoting is not implemented (PyTorch has it on CUDA only)")
    return LUFactor.apply(A)


def _raise_on_zero_pivot(op: str, info: Tensor) -> None:
    bad = backend.to_numpy(info.data).reshape(-1)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        where = f"(Batch element {first}): " if info.ndim else ""
        i = int(bad[first])
        raise LinAlgError(f"{op}: {where}U[{i},{i}] is zero and using it on lu_solve would result in a division "
                          "by zero. If you still want to perform the factorization, consider calling "
                          "linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)")


def lu_factor_ex(A: Tensor, *, pivot: bool = True, check_errors: bool = False) -> LUFactorExResult:
    """``(LU, pivots, info)``, as ``torch.linalg.lu_factor_ex``: ``info (*)`` (int32) is 0, or ``i`` where
    ``U[i, i]`` (1-based) is 0, which makes the matrix singular; no error unless ``check_errors``.
    ``pivot=False`` is refused (PyTorch has it on CUDA only). See :class:`LUFactor`."""
    LU, pivots, info = _factorize("linalg.lu_factor_ex", A, pivot)
    if check_errors:
        _raise_on_zero_pivot("linalg.lu_factor_ex", info)
    return LUFactorExResult(LU, pivots, info)


def lu_factor(A: Tensor, *, pivot: bool = True) -> LUFactorResult:
    """``(LU, pivots)`` of each matrix ``(*, m, n)``, the compact form for :func:`lu_solve`, as
    ``torch.linalg.lu_factor``; a zero on ``U``'s diagonal is a :class:`LinAlgError` (use :func:`lu` or
    :func:`lu_factor_ex` to factor a singular matrix). Differentiable in ``A``; see :class:`LUFactor`."""
    LU, pivots, info = _factorize("linalg.lu_factor", A, pivot)
    _raise_on_zero_pivot("linalg.lu_factor", info)
    return LUFactorResult(LU, pivots)


def lu(A: Tensor, *, pivot: bool = True) -> LUResult:
    """``(P, L, U)`` with ``A = P L U`` for each matrix ``(*, m, n)``, as ``torch.linalg.lu``: ``P (*, m, m)``,
    ``L (*, m, k)``, ``U (*, k, n)``, ``k = min(m, n)``. A singular matrix is fine (``U`` has a zero on its
    diagonal). ``L`` and ``U`` are read out of :func:`lu_factor`'s packed form (a composition), so their
    gradient is :class:`LUFactor`'s; ``P`` is a constant."""
    LU, pivots, _ = _factorize("linalg.lu", A, pivot)
    m, n = A.shape[-2:]
    k = min(m, n)
    L = tril(LU[..., :, :k], -1) + _eye(m, LU)[:, :k]
    U = triu(LU[..., :k, :])
    return LUResult(_mT(_p_transpose(pivots.data, m, A.dtype)), L, U)


def lu_solve(LU: Tensor, pivots: Tensor, B: Tensor, *, left: bool = True, adjoint: bool = False) -> Tensor:
    """The solution ``X`` of ``A X = B`` from :func:`lu_factor`'s ``(LU, pivots)`` of ``A``, as
    ``torch.linalg.lu_solve``; ``adjoint=True`` solves ``Aᵀ X = B``, ``left=False`` ``X A = B``. ``B (*, n, k)``
    broadcasts against ``LU (*, n, n)``. A composition: ``X = U^-1 L^-1 Pᵀ B`` (``P L^-T U^-T B`` for the
    adjoint), two :class:`TriangularSolve` calls on ``LU``'s two triangles, so it is differentiable in ``LU``
    and ``B``. A zero on ``U``'s diagonal gives inf/nan, as in PyTorch."""
    op = "linalg.lu_solve"
    check_float(op, LU)
    check_float(op, B)
    check_matrix(op, LU, square=True, name="A")
    if B.ndim < 2:
        raise ValueError(f"{op}: The input tensor B must have at least 2 dimensions.")
    if LU.dtype != B.dtype:
        raise TypeError(f"{op}: Expected LU and B to have the same dtype, but found LU of type {LU.dtype} and B of "
                        f"type {B.dtype} instead")
    if not isinstance(pivots, Tensor) or pivots.dtype != np.int32:
        got = pivots.dtype if isinstance(pivots, Tensor) else type(pivots).__name__
        raise TypeError(f"{op}: pivots should be a Tensor of scalar type int32, got {got}")
    n = LU.shape[-1]
    if pivots.shape[-1:] != (n,) and pivots.ndim == LU.ndim - 1 and pivots.shape[:-1] == LU.shape[:-2]:
        raise ValueError(f"{op}: Number of pivots per batch should be same as the dimension of the matrix")
    if pivots.shape != LU.shape[:-1]:
        raise ValueError(f"{op}: Expected LU.shape[:-1] and pivots.shape to be the same, but got pivots with shape "
                         f"{list(pivots.shape)} instead")
    if (B.shape[-2] if left else B.shape[-1]) != n:
        got = "x".join(str(d) for d in B.shape[-2:])
        raise ValueError(f"{op}: Incompatible shapes of A and B for the equation {'AX = B' if left else 'XA = B'} "
                         f"({n}x{n} and {got})")
    piv = backend.to_numpy(pivots.data)
    if piv.size and piv.min() < 1:
        raise ValueError(f"{op}: Pivots given to lu_solve must all be greater or equal to 1. Did you properly pass "
                         "the result of lu_factor?")
    if piv.size and piv.max() > n:
        raise ValueError(f"{op}: Pivots given to lu_solve must all be smaller or equal to LU.size(-2). Did you "
                         "properly pass the result of lu_factor?")
    Pt = _p_transpose(pivots.data, n, LU.dtype)
    if not left:                # X A = B is Aᵀ Xᵀ = Bᵀ, and X Aᵀ = B is A Xᵀ = Bᵀ
        B, adjoint = _mT(B), not adjoint
    if adjoint:                 # Aᵀ = Uᵀ Lᵀ Pᵀ
        X = _mT(Pt) @ _tri_left(_mT(LU), _tri_left(_mT(LU), B, upper=False), upper=True, unit=True)
    else:
        X = _tri_left(LU, _tri_left(LU, Pt @ B, upper=False, unit=True), upper=True)
    return X if left else _mT(X)


__all__ = ["LUFactor", "TriangularSolve", "lu", "lu_factor", "lu_factor_ex", "lu_solve", "permutation_of"]
