"""Least squares, as ``torch.linalg.lstsq``: the ``X`` that makes ``A X`` closest to ``B``.

For ``A (*, m, n)`` and ``B (*, m, k)``, each column of ``X (*, n, k)`` minimizes ``||A x - b||²``. A tall ``A``
of full rank (``m > n``) has one such ``x``, ``(AᵀA)^-1 Aᵀ b``; a wide or rank-deficient one has many, and the
one returned is the shortest (the minimum-norm solution). Both are ``A⁺ b``, with ``A⁺`` the pseudo-inverse,
which is how it is computed here: :func:`~minigan.ops.decompositions.pinv` with singular values below
``rcond * largest`` counted as 0. The gradient is therefore pinv's (Golub & Pereyra) followed by a matmul's,
the gradient of the least-squares solution wherever the rank does not change: the same as PyTorch's.

The ``driver`` picks which LAPACK routine PyTorch calls, and decides which of the other outputs are filled
(the solution does not depend on it for a matrix of full rank):

============  ================================  ==========  ===============
driver        residuals (``m > n`` only)        rank        singular_values
============  ================================  ==========  ===============
``'gelsy'``   never (CPU default)               yes         no
``'gels'``    always                            no          no
``'gelsd'``   where every matrix has full rank  yes         yes
``'gelss'``   where every matrix has full rank  yes         yes
============  ================================  ==========  ===============

An output that is not filled is an empty tensor. The rank is counted from the singular values (LAPACK's
gelsy estimates it from a pivoted QR instead; the two agree unless a singular value sits at the threshold)."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .. import backend
from ..autograd import Tensor
from .decompositions import pinv
from .linalg import check_float
from .reduction import sum as _sum
from .shape import broadcast_to, reshape, unsqueeze

_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


class LstsqResult(NamedTuple):
    solution: Tensor
    residuals: Tensor
    rank: Tensor
    singular_values: Tensor


def lstsq(A: Tensor, B: Tensor, rcond: float | None = None, *, driver: str | None = None) -> LstsqResult:
    """``(solution, residuals, rank, singular_values)`` for ``A (*, m, n)`` and ``B (*, m, k)`` (or a batch of
    vectors ``(*, m)``), as ``torch.linalg.lstsq`` on the CPU; the batch dims broadcast. ``rcond`` (default:
    machine epsilon of the dtype times ``max(m, n)``) sets the rank: singular values under ``rcond`` times the
    largest count as 0. ``residuals (*, k)``, the squared distances ``||A x - b||²`` of each column, ``rank
    (*)`` (int64) and ``singular_values (*, min(m, n))`` are filled as the driver says (see the module's
    docstring). ``solution`` and ``residuals`` are differentiable in ``A`` and ``B``; a composition (pinv, a
    matmul, a sum of squares)."""
    op = "linalg.lstsq"
    check_float(op, A)
    check_float(op, B)
    if A.ndim < 2:
        raise ValueError(f"{op}: input must have at least 2 dimensions.")
    if A.dtype != B.dtype:
        raise TypeError(f"{op}: Expected input and other to have the same dtype, but got input's dtype {A.dtype} "
                        f"and other's dtype {B.dtype}")
    if not (A.ndim - 1 <= B.ndim <= A.ndim):
        raise ValueError(f"{op}: input.dim() must be greater or equal to other.dim() and (input.dim() - "
                         "other.dim()) <= 1")
    if driver is None:
        driver = "gelsy"
    if driver not in _DRIVERS:
        raise ValueError(f"{op}: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    vector = B.ndim == A.ndim - 1
    if vector:
        B = unsqueeze(B, -1)
    m, n = A.shape[-2:]
    if B.shape[-2] != m:
        raise ValueError(f"{op}: input.size(-2) should match other.size(-2)")
    rcond = max(float(np.finfo(A.dtype).eps) * max(m, n) if rcond is None else float(rcond), 0.0)
    xp = backend.xp_of(A.data)
    # rank and singular values are A's own, before its batch dims broadcast against B's (as in PyTorch)
    S = xp.linalg.svd(A.data, compute_uv=False).astype(A.dtype) if A.data.size else \
        xp.zeros(A.shape[:-2] + (min(m, n),), dtype=A.dtype)
    largest = S.max(axis=-1, keepdims=True) if S.shape[-1] else xp.zeros(A.shape[:-2] + (1,), dtype=A.dtype)
    rank = (S > rcond * largest).sum(axis=-1).astype(np.int64)
    batch = np.broadcast_shapes(A.shape[:-2], B.shape[:-2])
    A, B = broadcast_to(A, batch + (m, n)), broadcast_to(B, batch + B.shape[-2:])
    X = pinv(A, atol=0.0, rtol=rcond) @ B

    def empty(dtype):
        return Tensor(xp.empty((0,), dtype=dtype))

    full_rank = bool((rank == n).all())
    if m > n and (driver == "gels" or (driver in ("gelsd", "gelss") and full_rank)):
        R = A @ X - B
        residuals = _sum(R * R, -2)
    else:
        residuals = empty(A.dtype)
    if vector:
        X = reshape(X, X.shape[:-1])
    return LstsqResult(X, residuals, empty(np.int64) if driver == "gels" else Tensor(rank),
                       Tensor(S) if driver in ("gelsd", "gelss") else empty(A.dtype))


__all__ = ["LstsqResult", "lstsq"]
