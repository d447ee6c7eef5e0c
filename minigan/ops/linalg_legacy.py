"""PyTorch's older top-level linear-algebra names, as ``torch.<name>`` still has them: ``cholesky``,
``cholesky_solve``, ``cholesky_inverse``, ``qr``, ``lu``, ``lu_solve``, ``lu_unpack``, ``triangular_solve``,
``geqrf``, ``orgqr``, ``ormqr``, ``nuclear_norm``, ``frobenius_norm``, and ``igamma``/``igammac`` (the regularised
incomplete gamma functions).

Each is a composition of the ``torch.linalg`` forms in :mod:`minigan.ops.decompositions`, :mod:`minigan.ops.lu`,
:mod:`minigan.ops.matrix_functions` and :mod:`minigan.ops.linalg_norms` (or of special functions), so its
gradient is theirs; only the argument order and the shape of the results differ (``torch.lu_solve(b, LU,
pivots)`` takes the right-hand side first; ``torch.triangular_solve`` also returns a copy of ``A``).
``geqrf`` (a QR by Householder reflections, in LAPACK's packed form) is written here; like PyTorch's it has no
gradient, but :func:`orgqr` and :func:`ormqr`, which turn its output into ``Q`` or multiply by ``Q``, do.

The randomised low-rank SVD and PCA (``svd_lowrank``, ``pca_lowrank``) live in :mod:`minigan.ops.lowrank`.

Not here, because PyTorch 2.13 raises on them ("deprecated since version 1.9 and is now removed"): ``torch.solve``,
``torch.symeig``, ``torch.eig``, ``torch.lstsq``, ``torch.matrix_rank``; their ``torch.linalg`` forms are in
:mod:`minigan.linalg`."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .. import backend
from ..autograd import Tensor
from .decompositions import QRResult, cholesky as _cholesky, qr as _qr
from .incomplete_gamma import gammainc, gammaincc
from .linalg import LinAlgError, _eye, _mT, check_float, check_matrix
from .linalg_norms import matrix_norm, vector_norm
from .lu import _p_transpose, _tri_left, lu_factor_ex, lu_solve as _lu_solve
from .matrix_functions import householder_product
from .rearrange import tril, triu
from .shape import concatenate

__all__ = ["cholesky", "cholesky_solve", "cholesky_inverse", "qr", "lu", "lu_solve", "lu_unpack",
           "triangular_solve", "geqrf", "orgqr", "ormqr", "nuclear_norm", "frobenius_norm", "igamma", "igammac"]


# ----------------------------------------------------------------------------- Cholesky
def cholesky(input: Tensor, upper: bool = False) -> Tensor:  # noqa: A002 - PyTorch's names
    """``torch.cholesky``: :func:`minigan.linalg.cholesky` with ``upper`` positional (``L``, or ``U = Lᵀ``)."""
    check_float("cholesky", input)
    check_matrix("cholesky", input, square=True)
    try:
        return _cholesky(input, upper=bool(upper))
    except LinAlgError as e:
        raise LinAlgError(str(e).replace("linalg.cholesky", "cholesky")) from None


def _same_dtype(b: Tensor, A: Tensor) -> None:
    if b.dtype != A.dtype:
        raise TypeError(f"Expected b and A to have the same dtype, but found b of type {b.dtype} and A of type "
                        f"{A.dtype} instead.")


def _b_and_A(op: str, b: Tensor, A: Tensor) -> None:
    """PyTorch's checks for the legacy solves: float matrices of one dtype, ``A`` square, ``b`` with ``n`` rows."""
    for t in (b, A):
        check_float(op, t)
        if t.ndim < 2:
            name = "b" if t is b else "A"
            raise ValueError(f"{op}: The input tensor {name} must have at least 2 dimensions.")
    _same_dtype(b, A)
    check_matrix(op, A, square=True)
    if b.shape[-2] != A.shape[-1]:
        raise ValueError(f"Incompatible matrix sizes for {op}: each A matrix is {A.shape[-2]} by {A.shape[-1]} but "
                         f"each b matrix is {b.shape[-2]} by {b.shape[-1]}")


def cholesky_solve(B: Tensor, L: Tensor, upper: bool = False) -> Tensor:
    """``X = A^-1 B`` where ``A = L Lᵀ`` (``Uᵀ U`` if ``upper``), from the Cholesky factor, as
    ``torch.cholesky_solve``: ``B (*, n, k)``, ``L (*, n, n)`` (batch dims broadcast; only ``L``'s triangle is
    read). A composition of two triangular solves, ``L^-T (L^-1 B)``, so differentiable in ``B`` and ``L``."""
    _b_and_A("cholesky_solve", B, L)
    if upper:                               # A = Uᵀ U: solve Uᵀ Y = B, then U X = Y
        return _tri_left(L, _tri_left(_mT(L), B, upper=False), upper=True)
    return _tri_left(_mT(L), _tri_left(L, B, upper=False), upper=True)


def cholesky_inverse(L: Tensor, upper: bool = False) -> Tensor:
    """``A^-1`` where ``A = L Lᵀ`` (``Uᵀ U`` if ``upper``), as ``torch.cholesky_inverse``: :func:`cholesky_solve`
    of the identity, a composition. A zero on the factor's diagonal is a :class:`LinAlgError`, as in PyTorch."""
    op = "cholesky_inverse"
    check_float(op, L)
    check_matrix(op, L, square=True)
    zero = (backend.to_numpy(L.data).diagonal(0, -2, -1) == 0).reshape(-1, L.shape[-1])
    if zero.any():
        first = int(zero[zero.any(axis=1)][0].argmax()) + 1
        raise LinAlgError(f"{op}: The diagonal element {first} is zero, the inversion could not be completed because "
                          "the input matrix is singular.")
    return cholesky_solve(_eye(L.shape[-1], L), L, upper)


# ----------------------------------------------------------------------------- QR
def qr(input: Tensor, some: bool = True) -> QRResult:  # noqa: A002
    """``torch.qr``: :func:`minigan.linalg.qr` with ``some=True`` for ``mode='reduced'``, ``False`` for
    ``'complete'``."""
    return _qr(input, "reduced" if some else "complete")


def _householder(xp, A):
    """LAPACK's geqrf on a raw batch ``A (b, m, n)``: at step ``i`` the reflection ``H = I - tau v vᵀ`` (``v_i = 1``,
    zeros above) that maps column ``i`` below the diagonal onto ``beta e_i``, ``|beta|`` its norm, signed against
    ``alpha = A_ii`` (so no cancellation): ``tau = (beta - alpha) / beta``, ``v = x / (alpha - beta)``. A column
    already zero below the diagonal gets ``tau = 0`` (``H = I``)."""
    A = A.copy()
    b, m, n = A.shape
    k = min(m, n)
    tau = xp.zeros((b, k), dtype=A.dtype)
    for i in range(k):
        alpha, x = A[:, i, i].copy(), A[:, i + 1:, i]
        xnorm = xp.sqrt((x * x).sum(axis=-1))
        reflect = xnorm > 0
        beta = -xp.copysign(xp.hypot(alpha, xnorm), alpha)
        safe_beta = xp.where(reflect, beta, 1)
        t = xp.where(reflect, (beta - alpha) / safe_beta, 0)
        v = x / xp.where(reflect, alpha - beta, 1)[:, None]
        A[:, i + 1:, i] = xp.where(reflect[:, None], v, x)
        A[:, i, i] = xp.where(reflect, beta, alpha)
        u = xp.concatenate([xp.ones((b, 1), dtype=A.dtype), A[:, i + 1:, i]], axis=1)        # (b, m - i)
        rest = A[:, i:, i + 1:]
        A[:, i:, i + 1:] = rest - t[:, None, None] * u[:, :, None] * (u[:, None, :] @ rest)
        tau[:, i] = t
    return A, tau


class GeqrfResult(NamedTuple):
    a: Tensor
    tau: Tensor


def geqrf(input: Tensor) -> GeqrfResult:  # noqa: A002
    """``(a, tau)``: the QR decomposition of ``A (*, m, n)`` in LAPACK's packed form, as ``torch.geqrf``: ``R``
    on and above ``a``'s diagonal, the Householder vectors below it, ``tau (*, min(m, n))`` their scales; ``Q``
    is :func:`orgqr` of them. Not differentiable (neither is PyTorch's): use :func:`minigan.linalg.qr`."""
    op = "torch.geqrf"
    check_float(op, input)
    if input.ndim < 2:
        raise ValueError(f"{op}: input must have at least 2 dimensions.")
    xp, (m, n) = backend.xp_of(input.data), input.shape[-2:]
    a, tau = _householder(xp, input.data.reshape((-1, m, n)))
    return GeqrfResult(Tensor(a.reshape(input.shape)), Tensor(tau.reshape(input.shape[:-2] + (min(m, n),))))


def orgqr(input: Tensor, tau: Tensor) -> Tensor:  # noqa: A002
    """``torch.orgqr``: :func:`minigan.linalg.householder_product`, the first ``n`` columns of ``Q`` from
    :func:`geqrf`'s ``(a, tau)``; differentiable in both."""
    return householder_product(input, tau)


def ormqr(input: Tensor, tau: Tensor, other: Tensor, left: bool = True,  # noqa: A002
          transpose: bool = False) -> Tensor:
    """``op(Q) C`` (or ``C op(Q)`` if not ``left``) with ``Q = H_1 ... H_k`` the full square product of
    :func:`geqrf`'s reflections and ``op`` a transpose if ``transpose``, as ``torch.ormqr``. ``input (*, mn, k)``,
    ``mn`` the rows of ``other`` (its columns if not ``left``). A composition: ``Q`` is
    :func:`~minigan.linalg.householder_product` of ``input`` widened to square by zero columns (they are never
    read), so it is differentiable in ``input``, ``tau`` and ``other``."""
    op = "torch.ormqr"
    for t in (input, tau, other):
        check_float(op, t)
    if input.ndim < 2:
        raise ValueError(f"{op}: input must have at least 2 dimensions.")
    if other.ndim != input.ndim:
        raise ValueError(f"{op}: other.dim() must be equal to input.dim()")
    mn = other.shape[-2] if left else other.shape[-1]
    side = "-2" if left else "-1"
    if input.shape[-2] != mn:
        raise ValueError(f"{op}: other.shape[{side}] must be equal to input.shape[-2]")
    if tau.shape[-1] > input.shape[-1]:
        raise ValueError(f"{op}: tau.shape[-1] must be less than or equal to input.shape[-1]")
    xp = backend.xp_of(input.data)
    k = input.shape[-1]
    square = input if k >= mn else concatenate(
        [input, Tensor(xp.zeros(input.shape[:-1] + (mn - k,), dtype=input.dtype))], -1)
    Q = householder_product(square[..., :mn], tau)
    Q = _mT(Q) if transpose else Q
    return Q @ other if left else other @ Q


# ----------------------------------------------------------------------------- LU
class LegacyLUResult(NamedTuple):
    LU: Tensor
    pivots: Tensor


class LegacyLUInfoResult(NamedTuple):
    LU: Tensor
    pivots: Tensor
    infos: Tensor


def lu(A: Tensor, pivot: bool = True, get_infos: bool = False):
    """``torch.lu``: ``(LU, pivots)`` (with ``infos``, int32, if ``get_infos``) of :func:`minigan.linalg.lu_factor_ex`:
    the packed factors, ``pivots`` int32 and 1-based. A singular matrix is no error (a zero on ``U``'s diagonal,
    and a non-zero ``info``). Differentiable in ``A`` through ``LU``."""
    LU, pivots, infos = lu_factor_ex(A, pivot=pivot)
    return LegacyLUInfoResult(LU, pivots, infos) if get_infos else LegacyLUResult(LU, pivots)


def lu_solve(b: Tensor, LU_data: Tensor, LU_pivots: Tensor) -> Tensor:
    """``torch.lu_solve``: the ``X`` with ``A X = b`` from ``A``'s ``(LU, pivots)``; the right-hand side comes first
    here. :func:`minigan.linalg.lu_solve`, differentiable in ``b`` and ``LU_data``."""
    if isinstance(b, Tensor) and isinstance(LU_data, Tensor) and b.dtype != LU_data.dtype:
        raise TypeError(f"lu_solve: Expected LU_data and B to have the same dtype, but found LU_data of type "
                        f"{LU_data.dtype} and B of type {b.dtype} instead")
    return _lu_solve(LU_data, LU_pivots, b)


class LUUnpackResult(NamedTuple):
    P: Tensor
    L: Tensor
    U: Tensor


def lu_unpack(LU_data: Tensor, LU_pivots: Tensor, unpack_data: bool = True,
              unpack_pivots: bool = True) -> LUUnpackResult:
    """``(P, L, U)`` with ``A = P L U`` from :func:`lu`'s packed ``(LU, pivots)``, as ``torch.lu_unpack``:
    ``P (*, m, m)``, ``L (*, m, k)`` (ones on its diagonal), ``U (*, k, n)``. What is not asked for
    (``unpack_data=False``: ``L``, ``U``; ``unpack_pivots=False``: ``P``) comes back empty. ``L`` and ``U`` are
    triangles of ``LU_data``, so differentiable in it; ``P`` is a constant."""
    op = "torch.lu_unpack"
    check_float(op, LU_data)
    if LU_data.ndim < 2:
        raise ValueError(f"{op}: LU_data must have at least 2 dimensions")
    if not isinstance(LU_pivots, Tensor) or LU_pivots.dtype != np.int32:
        got = LU_pivots.dtype if isinstance(LU_pivots, Tensor) else type(LU_pivots).__name__
        raise TypeError(f"{op}: LU_pivots is expected to be a contiguous tensor of torch.int32 dtype. Note: this "
                        f"function is intended to be used with the output produced by torch.linalg.lu_factor, got "
                        f"{got}")
    m, n = LU_data.shape[-2:]
    k = min(m, n)
    if LU_pivots.shape != LU_data.shape[:-2] + (k,):
        raise ValueError(f"{op}: Expected LU_pivots of shape {list(LU_data.shape[:-2] + (k,))}, got "
                         f"{list(LU_pivots.shape)}")
    xp = backend.xp_of(LU_data.data)
    empty = Tensor(xp.empty((0,), dtype=LU_data.dtype))
    if unpack_data:
        L = tril(LU_data[..., :, :k], -1) + _eye(m, LU_data)[:, :k]
        U = triu(LU_data[..., :k, :])
    else:
        L = U = empty
    P = _mT(_p_transpose(LU_pivots.data, m, LU_data.dtype)) if unpack_pivots else empty
    return LUUnpackResult(P, L, U)


class TriangularSolveResult(NamedTuple):
    solution: Tensor
    cloned_coefficient: Tensor


def triangular_solve(b: Tensor, A: Tensor, upper: bool = True, transpose: bool = False,
                     unitriangular: bool = False) -> TriangularSolveResult:
    """``(X, A.clone())`` with ``op(A) X = b`` for triangular ``A (*, n, n)`` (its upper triangle by default;
    ``op(A) = Aᵀ`` if ``transpose``; ones taken on the diagonal if ``unitriangular``), ``b (*, n, k)``, batch dims
    broadcast, as ``torch.triangular_solve`` (note the order: ``b`` first, and ``upper=True``). A zero on the
    diagonal gives inf/nan, not an error. Differentiable in ``b`` and ``A`` (on the triangle read): see
    :class:`~minigan.ops.lu.TriangularSolve`."""
    op = "triangular_solve"
    _b_and_A(op, b, A)
    X = _tri_left(_mT(A), b, not upper, unitriangular) if transpose else _tri_left(A, b, upper, unitriangular)
    return TriangularSolveResult(X, A * 1)


# ----------------------------------------------------------------------------- norms and incomplete gamma
def nuclear_norm(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A002
    """``torch.nuclear_norm``: the sum of the singular values, :func:`minigan.linalg.matrix_norm` with
    ``ord='nuc'`` over ``dim`` (default the last two). Also called ``nuclear_norm(input, keepdim)``."""
    if isinstance(dim, bool):
        dim, keepdim = None, dim
    return matrix_norm(input, "nuc", (-2, -1) if dim is None else tuple(dim), keepdim)


def frobenius_norm(input: Tensor, dim, keepdim: bool = False) -> Tensor:  # noqa: A002
    """``torch.frobenius_norm``: the square root of the sum of squares over ``dim`` (one or two dims), as
    :func:`minigan.linalg.vector_norm` with ``ord=2``."""
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer, tuple, list)):
        raise TypeError(f"frobenius_norm(): argument 'dim' (position 2) must be tuple of ints, not "
                        f"{type(dim).__name__}")
    return vector_norm(input, 2, dim, keepdim)


def igamma(input, other) -> Tensor:  # noqa: A002
    """``torch.igamma``: the regularised lower incomplete gamma function, :func:`minigan.special.gammainc`."""
    return gammainc(input, other)


def igammac(input, other) -> Tensor:  # noqa: A002
    """``torch.igammac``: the regularised upper incomplete gamma function, :func:`minigan.special.gammaincc`."""
    return gammaincc(input, other)
