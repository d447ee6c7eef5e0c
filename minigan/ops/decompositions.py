"""Matrix decompositions, as ``torch.linalg``: Cholesky, QR, the symmetric eigendecomposition (eigh) and the
singular value decomposition (SVD); the triangular solve that a Cholesky or QR factor calls for; and what
rests on singular values: pinv, matrix_rank, cond.

Each forward calls ``xp.linalg`` (LAPACK on NumPy, cuSOLVER on CuPy); each backward is the classic formula,
written in minigan ops so that it differentiates again:

- Cholesky: I. Murray, "Differentiation of the Cholesky decomposition", 2016;
- QR: S. F. Walter and L. Lehmann, 2010; H.-J. Liao et al., "Differentiable programming tensor networks", 2019;
- eigh: M. B. Giles, "Collected matrix derivative results for forward and reverse mode AD", 2008 (the
  F-matrix of ``1 / (λ_j - λ_i)``);
- SVD: J. Townsend, "Differentiating the singular value decomposition", 2016; M. Seeger et al., "Auto-
  differentiating linear algebra", 2017;
- pinv: G. H. Golub and V. Pereyra, "The differentiation of pseudo-inverses", 1973.

Where a gradient is not defined, the formulas say so by dividing by zero, as PyTorch's: eigenvectors of a
repeated eigenvalue, and singular vectors of a repeated singular value, can turn in their common subspace,
so a loss that reads them has no gradient there; and each vector's sign is arbitrary (``-v`` is as good
as ``v``), so only a loss that does not see the sign (``|U|``, ``U diag(S) Vh``, functions of the eigenvalues
alone) has one. With ``full_matrices=True``, the columns of ``U`` past ``min(m, n)`` are any orthonormal
completion: their gradient is dropped, as in PyTorch."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .. import backend
from ..autograd import Function, Tensor
from .arithmetic import where
from .diagonal import diag_embed, diagonal
from .linalg import Inv, _eye, _mT, _unused, check_float, check_matrix, checked, solve
from .linalg_norms import matrix_norm
from .rearrange import tril, triu
from .reduction import amax, amin
from .shape import concatenate, unsqueeze


def _off_diagonal(E: Tensor) -> Tensor:
    """``E`` with ones on its diagonal, so a division by it leaves the diagonal alone (``E`` is 0 there)."""
    return where(backend.xp_of(E.data).eye(E.shape[-1], dtype=bool), 1.0, E)


# ----------------------------------------------------------------------------- Cholesky
class Cholesky(Function):
    """``A = L Lᵀ`` with ``L`` lower triangular, its diagonal positive (``A`` symmetric positive-definite; only
    its lower triangle is read).

    Backward (Murray 2016): ``dA = dL Lᵀ + L dLᵀ``, so ``L^-1 dA L^-T = X + Xᵀ`` with ``X = L^-1 dL`` lower
    triangular, and ``dL = L Φ(L^-1 dA L^-T)``, where ``Φ`` keeps the lower triangle and halves the diagonal.
    Its adjoint is ``S = L^-T Φ(Lᵀ G) L^-1``; since only symmetric ``dA`` keep ``A`` symmetric,
    ``gA = (S + Sᵀ) / 2``, as PyTorch's."""

    @staticmethod
    def forward(ctx, A):
        xp = backend.xp_of(A)

        def positive_diagonal(L):
            return xp.isfinite(L).all(axis=(-2, -1)) & (xp.diagonal(L, 0, -2, -1) > 0).all(axis=-1)

        def problem(M):
            order = next((k for k in range(1, M.shape[-1] + 1) if not _factors(xp, M[:k, :k])), M.shape[-1])
            return ("The factorization could not be completed because the input is not positive-definite (the "
                    f"leading minor of order {order} is not positive-definite).")

        L = checked("linalg.cholesky", problem, xp.linalg.cholesky, A, ok=positive_diagonal)
        ctx.save_for_backward(L)
        return L

    @staticmethod
    def backward(ctx, G):
        L, = ctx.saved_tensors
        P = _mT(L) @ G
        P = tril(P) - 0.5 * diag_embed(diagonal(P, 0, -2, -1))            # Φ(Lᵀ G)
        S = _mT(solve(_mT(L), _mT(solve(_mT(L), P))))                       # L^-T Φ L^-1, by two solves
        return 0.5 * (S + _mT(S))


def _factors(xp, M) -> bool:
    try:
        L = xp.linalg.cholesky(M)
        return bool(xp.isfinite(L).all() and (xp.diagonal(L) > 0).all())
    except np.linalg.LinAlgError:
        return False


def cholesky(A: Tensor, *, upper: bool = False) -> Tensor:
    """The Cholesky factor ``L`` of each symmetric positive-definite matrix (``A = L Lᵀ``), or ``U = Lᵀ`` with
    ``upper=True``, as ``torch.linalg.cholesky``; a matrix that is not positive-definite is a
    :class:`LinAlgError` naming the leading minor where it fails. See :class:`Cholesky`."""
    check_float("linalg.cholesky", A)
    check_matrix("linalg.cholesky", A, square=True)
    L = Cholesky.apply(A)
    return _mT(L) if upper else L


def solve_triangular(A: Tensor, B: Tensor, *, upper: bool, left: bool = True,
                     unitriangular: bool = False) -> Tensor:
    """``X`` with ``A X = B`` (``X A = B`` if not ``left``) where ``A (*, n, n)`` is read as triangular, as
    ``torch.linalg.solve_triangular``: only its upper (``upper=True``) or lower triangle is used, with ones on
    the diagonal if ``unitriangular``. ``B`` is ``(*, n, k)`` (``(*, k, n)`` if not ``left``).

    A composition: :func:`solve` of ``triu(A)`` (or ``tril``), so the gradient of ``A`` is solve's, kept on
    that triangle (the triangle's backward drops the rest), as PyTorch's."""
    op = "linalg.solve_triangular"
    check_float(op, A)
    check_matrix(op, A, square=True)
    check_matrix(op, B, name="B")
    keep = (lambda t, k: triu(t, k)) if upper else (lambda t, k: tril(t, -k))
    T = keep(A, 1) + _eye(A.shape[-1], A) if unitriangular else keep(A, 0)
    return solve(T, B, left=left)


# ----------------------------------------------------------------------------- QR
class QRResult(NamedTuple):
    Q: Tensor
    R: Tensor


def _copyltu(M: Tensor) -> Tensor:
    """The symmetric matrix with ``M``'s lower triangle (copied up over the diagonal)."""
    return tril(M) + _mT(tril(M, -1))


def _qr_tall_backward(Q, R, gQ, gR):
    """``A = QR`` with ``A (m, n)``, ``m >= n``: ``M = R gRᵀ - gQᵀ Q``, ``gA = (gQ + Q copyltu(M)) R^-T``."""
    M = R @ _mT(gR) - _mT(gQ) @ Q
    return _mT(solve(R, _mT(gQ + Q @ _copyltu(M))))


class QR(Function):
    """``A = Q R``: ``Q (m, k)`` with orthonormal columns, ``R (k, n)`` upper triangular, ``k = min(m, n)``
    (``'reduced'``), or ``Q (m, m)``, ``R (m, n)`` (``'complete'``).

    Backward (Walter & Lehmann; Liao et al. 2019): for ``m >= n``, ``gA = (gQ + Q copyltu(M)) R^-T`` with
    ``M = R gRᵀ - gQᵀ Q``. For a wide ``A = [X | Y]`` (``m < n``), ``R = [U | V]`` with ``X = Q U`` square
    and ``Y = Q V``: ``Y`` reaches the loss only through ``V = Qᵀ Y``, so ``gY = Q gV``, and ``X`` gets the
    square formula with ``gQ + Y gVᵀ`` (``V`` also depends on ``Q``)."""

    @staticmethod
    def forward(ctx, A, mode):
        Q, R = backend.xp_of(A).linalg.qr(A, mode=mode)
        ctx.mode = mode
        ctx.save_for_backward(Q, R)
        return Q, R

    @staticmethod
    def backward(ctx, gQ, gR):
        Q, R = ctx.saved_tensors
        m, n = Q.shape[-2], R.shape[-1]
        if ctx.mode == "complete" and m > n:
            raise ValueError("linalg.qr: The QR decomposition is not differentiable when mode='complete' and "
                             "nrows > ncols.")
        if m >= n:
            return _qr_tall_backward(Q, R, gQ, gR)
        Y, gU, gV = Q @ R[..., m:], gR[..., :m], gR[..., m:]
        gX = _qr_tall_backward(Q, R[..., :m], gQ + Y @ _mT(gV), gU)
        return concatenate([gX, Q @ gV], -1)


def qr(A: Tensor, mode: str = "reduced") -> QRResult:
    """``(Q, R)`` with ``A = Q R`` for each matrix, as ``torch.linalg.qr``: ``mode`` ``'reduced'`` (``Q (m, k)``,
    ``k = min(m, n)``), ``'complete'`` (``Q (m, m)``) or ``'r'`` (``R`` only; ``Q`` is empty, and there is no
    gradient). See :class:`QR`."""
    check_float("linalg.qr", A)
    check_matrix("linalg.qr", A)
    if mode not in ("reduced", "complete", "r"):
        raise ValueError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', "
                         "or 'complete'")
    if mode == "r":
        R = backend.xp_of(A.data).linalg.qr(A.data, mode="r")
        return QRResult(Tensor(backend.xp_of(A.data).empty((0,), dtype=A.dtype)), Tensor(R.astype(A.dtype)))
    return QRResult(*QR.apply(A, mode))


# ----------------------------------------------------------------------------- eigh
class EighResult(NamedTuple):
    eigenvalues: Tensor
    eigenvectors: Tensor


class Eigh(Function):
    """``A = V diag(λ) Vᵀ`` for symmetric ``A`` (one triangle read): ascending eigenvalues ``λ``, orthonormal
    eigenvectors in the columns of ``V``.

    Backward: ``gA = V (diag(gλ) + skew(Vᵀ gV) ∘ F) Vᵀ`` with ``F_ij = 1 / (λ_j - λ_i)`` off the diagonal.
    An eigenvalue moves by ``v_iᵀ dA v_i``, which is the ``diag(gλ)`` part; eigenvector ``j`` turns towards
    ``v_i`` by ``v_iᵀ dA v_j / (λ_j - λ_i)``, the F part. Only the skew part of ``Vᵀ gV`` counts (``V`` can
    only turn, staying orthonormal: ``Vᵀ dV`` is skew), and the result is symmetric, as PyTorch's. With only
    the eigenvalues in the loss (``gV`` = 0) it is ``V diag(gλ) Vᵀ``, defined even for repeated eigenvalues,
    where ``F`` is infinite."""

    @staticmethod
    def forward(ctx, A, uplo):
        w, V = backend.xp_of(A).linalg.eigh(A, UPLO=uplo)
        w = w.astype(A.dtype, copy=False)       # the very arrays returned are saved: they join the graph
        ctx.save_for_backward(w, V)
        return w, V

    @staticmethod
    def backward(ctx, gw, gV):
        w, V = ctx.saved_tensors
        inner = diag_embed(gw)
        if not _unused(gV):
            VtgV = _mT(V) @ gV
            E = _off_diagonal(unsqueeze(w, -2) - unsqueeze(w, -1))            # E_ij = λ_j - λ_i
            inner = inner + 0.5 * (VtgV - _mT(VtgV)) / E
        return V @ inner @ _mT(V)


def eigh(A: Tensor, UPLO: str = "L") -> EighResult:
    """``(eigenvalues, eigenvectors)`` of each symmetric matrix, as ``torch.linalg.eigh``: eigenvalues in
    ascending order, eigenvectors in the columns. Only the lower (``UPLO='L'``) or upper triangle is read.
    Each eigenvector's sign is arbitrary; see :class:`Eigh` for the gradient."""
    check_float("linalg.eigh", A)
    check_matrix("linalg.eigh", A, square=True)
    if UPLO not in ("L", "U"):
        raise ValueError(f"linalg.eigh: Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return EighResult(*Eigh.apply(A, UPLO))


def eigvalsh(A: Tensor, UPLO: str = "L") -> Tensor:
    """The eigenvalues of each symmetric matrix, ascending, as ``torch.linalg.eigvalsh``: :func:`eigh`'s,
    whose gradient ``V diag(g) Vᵀ`` is defined even where eigenvalues repeat."""
    return eigh(A, UPLO).eigenvalues


# ----------------------------------------------------------------------------- SVD
class SVDResult(NamedTuple):
    U: Tensor
    S: Tensor
    Vh: Tensor


class SVD(Function):
    """``A = U diag(S) Vh``, ``A (m, n)``, singular values ``S`` descending, ``k = min(m, n)`` of them.

    Backward (Townsend 2016), with ``F_ij = 1 / (s_j² - s_i²)`` off the diagonal and ``skew(X) = X - Xᵀ``::

        gA = U [ (F ∘ skew(Uᵀ gU)) S + S (F ∘ skew(Vᵀ gV)) + diag(gS) ] Vh
           + (I - U Uᵀ) gU S^-1 Vh          (m > n: U misses part of the column space)
           + U S^-1 gVh (I - Vᵀ Vh)         (m < n: likewise Vh's row space)

    ``diag(gS)`` is how the singular values move (``dS_i = u_iᵀ dA v_i``); the F terms how the vectors turn
    among themselves; the last two how they turn towards the space they do not span. With only ``S`` in the
    loss the backward is ``U diag(gS) Vh``, defined even where singular values repeat."""

    @staticmethod
    def forward(ctx, A, full_matrices):
        U, S, Vh = backend.xp_of(A).linalg.svd(A, full_matrices=full_matrices)
        S = S.astype(A.dtype, copy=False)
        ctx.save_for_backward(U, S, Vh)
        return U, S, Vh

    @staticmethod
    def backward(ctx, gU, gS, gVh):
        U, S, Vh = ctx.saved_tensors
        m, n, k = U.shape[-2], Vh.shape[-1], S.shape[-1]
        U, gU, Vh, gVh = U[..., :k], gU[..., :k], Vh[..., :k, :], gVh[..., :k, :]   # full_matrices: drop the rest
        no_u, no_v = _unused(gU), _unused(gVh)
        if no_u and no_v:
            return (U * unsqueeze(gS, -2)) @ Vh
        S2 = S * S
        E = _off_diagonal(unsqueeze(S2, -2) - unsqueeze(S2, -1))             # E_ij = s_j² - s_i²
        inner = diag_embed(gS)
        if not no_u:
            UtgU = _mT(U) @ gU
            inner = inner + (UtgU - _mT(UtgU)) * unsqueeze(S, -2) / E
        if not no_v:
            VtgV = Vh @ _mT(gVh)
            inner = inner + unsqueeze(S, -1) * (VtgV - _mT(VtgV)) / E
        gA = U @ inner @ Vh
        if m > n and not no_u:
            gU_Sinv = gU / unsqueeze(S, -2)
            gA = gA + (gU_Sinv - U @ (_mT(U) @ gU_Sinv)) @ Vh
        if m < n and not no_v:
            Sinv_gVh = gVh / unsqueeze(S, -1)
            gA = gA + U @ (Sinv_gVh - (Sinv_gVh @ _mT(Vh)) @ Vh)
        return gA


def svd(A: Tensor, full_matrices: bool = True) -> SVDResult:
    """``(U, S, Vh)`` with ``A = U diag(S) Vh`` for each matrix, as ``torch.linalg.svd``: ``S`` descending;
    ``U (m, m)``, ``Vh (n, n)`` (``full_matrices=True``) or ``U (m, k)``, ``Vh (k, n)``, ``k = min(m, n)``.
    Each pair of singular vectors is defined up to sign; see :class:`SVD` for when a gradient exists."""
    check_float("linalg.svd", A)
    check_matrix("linalg.svd", A)
    return SVDResult(*SVD.apply(A, bool(full_matrices)))


def svdvals(A: Tensor) -> Tensor:
    """The singular values of each matrix, descending, as ``torch.linalg.svdvals``: :func:`svd`'s ``S``, whose
    gradient ``U diag(g) Vh`` is defined even where they repeat."""
    check_float("linalg.svdvals", A)
    check_matrix("linalg.svdvals", A)
    return SVD.apply(A, False)[1]


class LegacySVD(NamedTuple):
    U: Tensor
    S: Tensor
    V: Tensor


def legacy_svd(input: Tensor, some: bool = True, compute_uv: bool = True) -> LegacySVD:  # noqa: A002
    """``torch.svd``: ``(U, S, V)`` with ``A = U diag(S) Vᵀ`` (``V``, not ``Vh``), reduced when ``some``. With
    ``compute_uv=False``, ``U`` and ``V`` are zeros of shape ``(*, m, m)`` and ``(*, n, n)``."""
    if not compute_uv:
        xp, (m, n) = backend.xp_of(input.data), input.shape[-2:]
        zeros = [Tensor(xp.zeros(input.shape[:-2] + (d, d), dtype=input.dtype)) for d in (m, n)]
        return LegacySVD(zeros[0], svdvals(input), zeros[1])
    U, S, Vh = svd(input, full_matrices=not some)
    return LegacySVD(U, S, _mT(Vh))


# ----------------------------------------------------------------------------- what rests on singular values
def _tolerance(S, atol, rtol, m: int, n: int):
    """PyTorch's threshold below which a singular value counts as 0: ``max(atol, rtol * largest)``; without
    either, ``rtol = eps * max(m, n)``; with ``atol > 0`` alone, ``rtol = 0``."""
    xp = backend.xp_of(S)
    raw = [None if t is None else xp.asarray(t.data if isinstance(t, Tensor) else t, dtype=S.dtype)
           for t in (atol, rtol)]
    atol, rtol = raw
    if rtol is None:
        rtol = xp.asarray(np.finfo(S.dtype).eps * max(m, n) if atol is None or not bool((atol > 0).all()) else 0.0,
                          dtype=S.dtype)
    largest = S.max(axis=-1) if S.shape[-1] else xp.zeros(S.shape[:-1], dtype=S.dtype)
    return xp.maximum(xp.asarray(0 if atol is None else atol, dtype=S.dtype), rtol * largest)[..., None]


class Pinv(Function):
    """``P = A⁺``, the Moore-Penrose pseudo-inverse, from the SVD (or eigh, ``hermitian``): singular values
    under the tolerance count as 0, the others are inverted. Backward (Golub & Pereyra 1973), valid where
    the rank does not change::

        gA = -Pᵀ G Pᵀ + (I - A P) Gᵀ P Pᵀ + Pᵀ P Gᵀ (I - P A)

    The first term is ``inv``'s backward; the others account for the parts of the space ``A`` does not reach."""

    @staticmethod
    def forward(ctx, A, atol, rtol, hermitian):
        xp = backend.xp_of(A)
        if hermitian:
            w, V = xp.linalg.eigh(A)
            keep = xp.abs(w) > _tolerance(xp.abs(w), atol, rtol, *A.shape[-2:])
            P = (V * xp.where(keep, 1 / xp.where(keep, w, 1), 0)[..., None, :]) @ xp.swapaxes(V, -1, -2)
        else:
            U, S, Vh = xp.linalg.svd(A, full_matrices=False)
            keep = S > _tolerance(S, atol, rtol, *A.shape[-2:])
            P = (xp.swapaxes(Vh, -1, -2) * xp.where(keep, 1 / xp.where(keep, S, 1), 0)[..., None, :]) \
                @ xp.swapaxes(U, -1, -2)
        P = P.astype(A.dtype, copy=False)
        ctx.save_for_backward(A, P)
        return P

    @staticmethod
    def backward(ctx, G):
        A, P = ctx.saved_tensors
        Gt, Pt = _mT(G), _mT(P)
        return -(Pt @ G @ Pt) + (Gt - A @ (P @ Gt)) @ (P @ Pt) + (Pt @ P) @ (Gt - (Gt @ P) @ A)


def pinv(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False) -> Tensor:
    """The pseudo-inverse of each matrix, ``(*, m, n) -> (*, n, m)``, as ``torch.linalg.pinv``: the least-squares
    solution of ``A x = b`` is ``pinv(A) @ b``. See :class:`Pinv` (the tolerance is PyTorch's)."""
    check_float("linalg.pinv", A)
    check_matrix("linalg.pinv", A, square=hermitian)
    return Pinv.apply(A, atol, rtol, bool(hermitian))


def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:  # noqa: A002 - PyTorch's name
    """``torch.pinverse``: :func:`pinv` with the relative tolerance ``rcond``."""
    return pinv(input, rtol=rcond)


def matrix_rank(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False) -> Tensor:
    """The number of singular values above the tolerance (as in :func:`pinv`), int64, as
    ``torch.linalg.matrix_rank``; a count has no gradient."""
    check_float("linalg.matrix_rank", A)
    check_matrix("linalg.matrix_rank", A, square=hermitian)
    xp = backend.xp_of(A.data)
    S = xp.abs(xp.linalg.eigvalsh(A.data)) if hermitian else xp.linalg.svd(A.data, compute_uv=False)
    return Tensor((S > _tolerance(S, atol, rtol, *A.shape[-2:])).sum(axis=-1).astype(np.int64))


def cond(A: Tensor, p=None) -> Tensor:
    """The condition number of each matrix, as ``torch.linalg.cond``: for ``p`` None or 2, the ratio of the
    largest to the smallest singular value (``-2``: the inverse ratio), which any ``(m, n)`` matrix has; for
    ``'fro'``, ``'nuc'``, 1, -1, inf, -inf, ``norm(A, p) * norm(A^-1, p)`` of a square matrix. How much a
    relative error in ``b`` can grow in the solution of ``A x = b``. A composition."""
    check_float("linalg.cond", A)
    check_matrix("linalg.cond", A)
    if p in (None, 2, -2):
        S = svdvals(A)
        ratio = amax(S, -1) / amin(S, -1)
        return 1 / ratio if p == -2 else ratio
    check_matrix(f"linalg.cond(ord={p})", A, square=True)
    return matrix_norm(A, p) * matrix_norm(Inv.apply(A), p)

