"""The ``*_ex`` variants of ``torch.linalg``: ``inv_ex``, ``solve_ex``, ``cholesky_ex``. Each returns its result
with an ``info`` tensor (int32, one per matrix: 0 where all went well, else the index of the failure, as
LAPACK reports it) and raises nothing unless ``check_errors=True``, so a batch with one bad matrix still gives
the others' results, and code that must not synchronize on an error check can test ``info`` later.

``inv_ex`` and ``solve_ex`` factor ``A = P L U`` (:mod:`minigan.ops.lu`) and solve with the factors: ``info`` is
the first zero on ``U``'s diagonal, and a singular matrix's result holds inf/nan, as in PyTorch. Their
gradients come from :class:`~minigan.ops.lu.LUFactor` and the triangular solves, the same as ``inv``'s and
``solve``'s where the matrix is invertible. ``cholesky_ex`` reports the order of the first leading minor that
is not positive-definite; where PyTorch leaves LAPACK's partial factor in ``L``, a failed matrix's ``L`` here
is all nan (that partial factor is not specified by the documentation and is of no use)."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .. import backend
from ..autograd import Tensor
from .arithmetic import where
from .decompositions import Cholesky, _factors
from .linalg import LinAlgError, _eye, _mT, check_float, check_matrix, solve_operands
from .lu import LUFactor, lu_solve
from .shape import broadcast_to, reshape


class InvExResult(NamedTuple):
    inverse: Tensor
    info: Tensor


class SolveExResult(NamedTuple):
    result: Tensor
    info: Tensor


class CholeskyExResult(NamedTuple):
    L: Tensor
    info: Tensor


def _first_failure(info: Tensor):
    """``(batch element, info value)`` of the first matrix whose ``info`` is not 0, or None."""
    flat = backend.to_numpy(info.data).reshape(-1)
    if not flat.any():
        return None
    first = int(np.flatnonzero(flat)[0])
    return first, int(flat[first])


def _where(info: Tensor, first: int) -> str:
    return f"(Batch element {first}): " if info.ndim else ""


def _all_factor(xp, mats) -> bool:
    """Does every matrix of the raw batch ``(b, n, n)`` have a Cholesky factor (finite, positive diagonal)?"""
    try:
        L = xp.linalg.cholesky(mats)
    except np.linalg.LinAlgError:
        return False
    return bool(xp.isfinite(L).all() and (xp.diagonal(L, 0, -2, -1) > 0).all())


def inv_ex(A: Tensor, *, check_errors: bool = False) -> InvExResult:
    """``(inverse, info)`` of each square matrix, as ``torch.linalg.inv_ex``: ``A^-1 = U^-1 L^-1 Pᵀ``, the
    :func:`~minigan.ops.lu.lu_solve` of the identity. ``info`` is 0, or ``i`` where ``U[i, i]`` (1-based) is 0."""
    op = "linalg.inv_ex"
    check_float(op, A)
    check_matrix(op, A, square=True)
    LU, pivots, info = LUFactor.apply(A)
    failed = _first_failure(info) if check_errors else None
    if failed is not None:
        raise LinAlgError(f"{op}: {_where(info, failed[0])}The diagonal element {failed[1]} is zero, the inversion "
                          "could not be completed because the input matrix is singular.")
    return InvExResult(lu_solve(LU, pivots, broadcast_to(_eye(A.shape[-1], A), A.shape)), info)


def solve_ex(A: Tensor, B: Tensor, *, left: bool = True, check_errors: bool = False) -> SolveExResult:
    """``(result, info)`` with ``A X = B`` (``X A = B`` if not ``left``), as ``torch.linalg.solve_ex``: the
    shapes of :func:`~minigan.ops.linalg.solve` (``B`` a matrix ``(*, n, k)`` or a batch of vectors; batch dims
    broadcast), solved by the LU factors of ``A``; ``info`` as :func:`inv_ex`'s."""
    op = "linalg.solve_ex"
    A, B, vector = solve_operands(op, A, B, left)
    LU, pivots, info = LUFactor.apply(A)
    if check_errors and _first_failure(info) is not None:
        raise LinAlgError(f"{op}: {_where(info, _first_failure(info)[0])}The solver failed because the input matrix "
                          "is singular.")
    X = lu_solve(LU, pivots, B, left=left)
    return SolveExResult(reshape(X, X.shape[:-1]) if vector else X, info)


def cholesky_ex(A: Tensor, *, upper: bool = False, check_errors: bool = False) -> CholeskyExResult:
    """``(L, info)`` of each symmetric matrix, as ``torch.linalg.cholesky_ex``: ``info`` is 0, or the order of
    the first leading minor that is not positive-definite, where that matrix's ``L`` is nan (see the module's
    docstring). The good matrices' ``L`` and its gradient are :func:`~minigan.ops.decompositions.cholesky`'s."""
    op = "linalg.cholesky_ex"
    check_float(op, A)
    check_matrix(op, A, square=True)
    xp, n = backend.xp_of(A.data), A.shape[-1]
    mats = A.data.reshape((-1, n, n))
    orders = np.zeros(len(mats), dtype=np.int32)
    if not _all_factor(xp, mats):           # find the failures one matrix at a time, only where there are some
        for b in range(len(mats)):
            if not _factors(xp, mats[b]):
                orders[b] = next(k for k in range(1, n + 1) if not _factors(xp, mats[b, :k, :k]))
    info = Tensor(xp.asarray(orders.reshape(A.shape[:-2])))
    failed = _first_failure(info)
    if check_errors and failed is not None:
        raise LinAlgError(f"{op}: {_where(info, failed[0])}The factorization could not be completed because the "
                          f"input is not positive-definite (the leading minor of order {failed[1]} is not "
                          "positive-definite).")
    if failed is None:
        L = Cholesky.apply(A)
    else:                                   # factor the good ones (the bad ones swapped for I), then nan in
        bad = xp.asarray(orders.reshape(A.shape[:-2] + (1, 1)) > 0)
        L = where(bad, xp.nan, Cholesky.apply(where(bad, _eye(n, A), A)))
    return CholeskyExResult(_mT(L) if upper else L, info)


__all__ = ["cholesky_ex", "inv_ex", "solve_ex"]
