"""A randomised SVD of a matrix that is (close to) low rank, and PCA built on it, as ``torch.svd_lowrank`` and
``torch.pca_lowrank`` (Halko, Martinsson and Tropp, "Finding structure with randomness", 2009, algorithm 5.1).

A full SVD of an ``(m, n)`` matrix costs ``O(m n min(m, n))``; when only the ``q`` largest singular values
matter, it is enough to find an ``(m, q)`` orthonormal basis ``Q`` of (nearly) the range of ``A``, then take the
small SVD of ``B = Qᵀ A (q, n)``: ``A ≈ Q Qᵀ A = (Q U_B) S Vᵀ``. The basis comes from ``A`` applied to ``q`` random
Gaussian vectors; ``niter`` rounds of power iteration (``Q <- orth(A orth(Aᵀ Q))``, with a QR after each
product to keep the columns apart) sharpen it where the singular values decay slowly.

Both are compositions of matmul, :func:`~minigan.linalg.qr` and :func:`~minigan.linalg.svd`, so they are
differentiable in ``A`` (for a fixed random draw: seed with ``mg.manual_seed`` to repeat one). The random
vectors come from the device's generator, so the results match PyTorch's only up to the signs of the singular
vectors and, when ``A``'s rank is above ``q``, the approximation itself."""
from __future__ import annotations

from .. import backend
from ..autograd import Tensor
from .decompositions import qr, svd
from .linalg import _mT, check_float, check_matrix
from .reduction import mean
from .shape import broadcast_to

__all__ = ["svd_lowrank", "pca_lowrank"]


def _basis(A: Tensor, q: int, niter: int) -> Tensor:
    """An orthonormal ``(*, m, q)`` basis that (nearly) spans the range of ``A (*, m, n)``."""
    R = Tensor(backend.rng(A.device).standard_normal((A.shape[-1], q)).astype(A.dtype))
    Q = qr(A @ R).Q
    for _ in range(niter):
        Q = qr(A @ qr(_mT(A) @ Q).Q).Q
    return Q


def svd_lowrank(A: Tensor, q: int | None = 6, niter: int | None = 2, M: Tensor | None = None):
    """``(U, S, V)`` with ``A - M ≈ U diag(S) Vᵀ``, ``U (*, m, q)``, ``S (*, q)`` descending, ``V (*, n, q)``, as
    ``torch.svd_lowrank`` (``V``, not ``Vh``, as ``torch.svd``): exact (up to rounding) when ``A - M`` has rank
    at most ``q``. ``M`` (broadcast to ``A``'s shape) is subtracted first; a mean, for PCA. See the module's
    docstring for the method. When ``m < n`` or ``n > q``, the basis is found for ``Aᵀ`` instead, which keeps
    the small matrix of the last SVD ``(m, q)``."""
    op = "svd_lowrank"
    check_float(op, A)
    check_matrix(op, A)
    q = 6 if q is None else int(q)
    niter = 2 if niter is None else int(niter)
    if M is not None:
        A = A - broadcast_to(M, A.shape)
    m, n = A.shape[-2:]
    if m < n or n > q:
        Q = _basis(_mT(A), q, niter)                # (*, n, q): the range of Aᵀ
        U, S, Vh = svd(A @ Q, full_matrices=False)  # A ≈ (A Q) Qᵀ
        return U, S, Q @ _mT(Vh)
    Q = _basis(A, q, niter)                         # (*, m, q)
    U, S, Vh = svd(_mT(Q) @ A, full_matrices=False)
    return Q @ U, S, _mT(Vh)


def pca_lowrank(A: Tensor, q: int | None = None, center: bool = True, niter: int = 2):
    """``(U, S, V)``, the principal components of the rows of ``A (*, m, n)`` (``m`` observations of ``n``
    features), as ``torch.pca_lowrank``: :func:`svd_lowrank` of ``A`` less its column means (if ``center``).
    The columns of ``V`` are the principal directions, ``S**2 / (m - 1)`` the variances along them, and
    ``A V[:, :k]`` projects the data on the first ``k``. ``q`` defaults to ``min(6, m, n)``."""
    op = "pca_lowrank"
    check_float(op, A)
    check_matrix(op, A)
    m, n = A.shape[-2:]
    if q is None:
        q = min(6, m, n)
    elif isinstance(q, bool) or not isinstance(q, int) or not 0 <= q <= min(m, n):
        raise ValueError(f"q(={q}) must be non-negative integer and not greater than min(m, n)={min(m, n)}")
    if isinstance(niter, bool) or not isinstance(niter, int) or niter < 0:
        raise ValueError(f"niter(={niter}) must be non-negative integer")
    if center:
        A = A - mean(A, -2, keepdim=True)
    return svd_lowrank(A, q, niter=niter)
