"""Matrices built from others, as ``torch.linalg``: the matrix exponential (``matrix_exp``), the product of
Householder reflections (``householder_product``, how LAPACK stores the ``Q`` of a QR) and the Vandermonde
matrix (``vander``). ``matrix_exp`` is a :class:`~minigan.autograd.Function` whose backward is another matrix
exponential; the other two are compositions of minigan ops (matmuls, products), differentiable twice
through those ops' backwards."""
from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd import Function, Tensor
from .arithmetic import where
from .linalg import _mT, check_float, check_matrix
from .rearrange import tril
from .shape import astype, broadcast_to, concatenate, getitem, stack, unsqueeze

_TAYLOR_DEGREE = 18


def _expm(A):
    """``exp(A)`` of a raw batch ``(*, n, n)`` by scaling and squaring: ``exp(A) = exp(A / 2^s)^(2^s)``, with
    ``s`` chosen per matrix so that ``||A / 2^s||_1 <= 1/2``, where the Taylor series to degree 18 (summed by
    Horner's rule, ``I + B (I + B/2 (I + B/3 (...)))``) is exact to rounding; then ``s`` squarings. A matrix
    holding inf or nan gives nan, as in PyTorch."""
    xp = backend.xp_of(A)
    n = A.shape[-1]
    finite = xp.isfinite(A).all(axis=(-2, -1))
    A = xp.where(finite[..., None, None], A, 0)
    norm = xp.abs(A).sum(axis=-2).max(axis=-1) if n else xp.zeros(A.shape[:-2], dtype=A.dtype)
    with np.errstate(divide="ignore"):
        s = xp.maximum(0, xp.ceil(xp.log2(norm / 0.5))).astype(np.int64)     # log2(0) = -inf: no scaling
    B = A / (2.0 ** s)[..., None, None].astype(A.dtype)
    identity = xp.eye(n, dtype=A.dtype)
    E = identity + B / _TAYLOR_DEGREE
    for j in range(_TAYLOR_DEGREE - 1, 0, -1):
        E = identity + (B @ E) / j
    for step in range(int(s.max()) if s.size else 0):
        E = xp.where((step < s)[..., None, None], E @ E, E)
    return xp.where(finite[..., None, None], E, xp.nan).astype(A.dtype, copy=False)


class MatrixExp(Function):
    """``exp(A) = I + A + A²/2! + ...`` for square ``A (*, n, n)``.

    Backward: the derivative of ``exp`` at ``A`` in the direction ``dA`` is ``∫_0^1 exp(tA) dA exp((1-t)A) dt``
    (``A`` and ``dA`` need not commute), and its adjoint is the same map at ``Aᵀ``. Both are read off one
    exponential of a block matrix (Van Loan 1978; Najfeld & Havel 1995)::

        exp([[Aᵀ, G], [0, Aᵀ]]) = [[exp(Aᵀ), gA], [0, exp(Aᵀ)]]

    so the backward is :class:`MatrixExp` itself on a ``(2n, 2n)`` matrix built with minigan ops: its own
    gradient comes the same way."""

    @staticmethod
    def forward(ctx, A):
        ctx.save_for_backward(A)
        return _expm(A)

    @staticmethod
    def backward(ctx, G):
        A, = ctx.saved_tensors
        n = A.shape[-1]
        At = _mT(A)
        zeros = Tensor(backend.xp_of(A.data).zeros(A.shape, dtype=A.dtype))
        block = concatenate([concatenate([At, G], -1), concatenate([zeros, At], -1)], -2)
        return getitem(MatrixExp.apply(block), (..., slice(0, n), slice(n, 2 * n)))


def matrix_exp(A: Tensor) -> Tensor:
    """The matrix exponential of each square matrix ``(*, n, n)``, as ``torch.linalg.matrix_exp`` (and
    ``torch.matrix_exp``): ``exp(A) = sum_k A^k / k!``. ``exp(tA) x0`` solves ``x' = A x``; ``exp`` of a
    skew-symmetric matrix is a rotation. See :class:`MatrixExp`."""
    check_float("linalg.matrix_exp", A)
    check_matrix("linalg.matrix_exp", A, square=True)
    return MatrixExp.apply(A)


def householder_product(A: Tensor, tau: Tensor) -> Tensor:
    """The first ``n`` columns of ``H_1 H_2 ... H_k``, ``(*, m, n)``, as ``torch.linalg.householder_product``
    (LAPACK's orgqr): ``H_i = I - tau_i v_i v_iᵀ``, with ``v_i`` column ``i`` of ``A (*, m, n)`` below the
    diagonal and 1 on it (``A``'s diagonal and upper triangle are not read), ``tau (*, k)``, ``k <= n <= m``.
    This is how ``geqrf`` (a QR by reflections) stores ``Q``.

    A composition: the reflections are applied right to left to the ``(m, n)`` identity, each a rank-one
    update ``Q - tau_i v_i (v_iᵀ Q)``, so gradients (and their gradients) come from the matmuls."""
    op = "linalg.householder_product"
    check_float(op, A)
    check_float(op, tau)
    if A.ndim < 2:
        raise ValueError(f"{op}: input must have at least 2 dimensions.")
    m, n = A.shape[-2:]
    if m < n:
        raise ValueError(f"{op}: input.shape[-2] must be greater than or equal to input.shape[-1]")
    if tau.ndim != A.ndim - 1:
        raise ValueError(f"{op}: Expected tau to have one dimension less than input, but got tau.ndim equal to "
                         f"{tau.ndim} and input.ndim is equal to {A.ndim}")
    if tau.shape[-1] > n:
        raise ValueError(f"{op}: input.shape[-1] must be greater than or equal to tau.shape[-1]")
    if tau.shape[:-1] != A.shape[:-2]:
        raise ValueError(f"{op}: Expected batch dimensions of tau to be equal to input.shape[:-2], but got "
                         f"{list(tau.shape[:-1])}")
    if tau.dtype != A.dtype:
        raise TypeError(f"{op}: tau dtype {tau.dtype} does not match input dtype {A.dtype}")
    xp = backend.xp_of(A.data)
    below = tril(A, -1)
    Q = broadcast_to(Tensor(xp.eye(m, n, dtype=A.dtype)), A.shape)
    if tau.shape[-1] == 0:          # no reflections: the identity, recorded so that A's gradient is 0, not absent
        return where(xp.ones(A.shape, dtype=bool), Q, A)
    for i in range(tau.shape[-1] - 1, -1, -1):
        unit = xp.zeros((m, 1), dtype=A.dtype)
        unit[i] = 1
        v = getitem(below, (..., slice(None), slice(i, i + 1))) + Tensor(unit)        # (*, m, 1)
        t = unsqueeze(getitem(tau, (..., slice(i, i + 1))), -1)                         # (*, 1, 1)
        Q = Q - t * (v @ (_mT(v) @ Q))
    return Q


def vander(x: Tensor, N: int | None = None) -> Tensor:
    """The Vandermonde matrix of each vector ``x (*, n)``: ``(*, n, N)`` with columns ``x^0, x^1, ...,
    x^(N-1)`` (``N`` defaults to ``n``), as ``torch.linalg.vander``; ``V c`` evaluates the polynomial with
    coefficients ``c`` at the points ``x``. Integers give int64, as in PyTorch.

    A composition: each column is the one before times ``x``, so the gradient is the product rule's,
    ``sum_j j x^(j-1) g_j``, right at ``x = 0`` too (``pow``'s ``j x^(j-1)`` would give ``0 * inf`` for
    ``j = 0``), and so is the gradient of that gradient."""
    op = "linalg.vander"
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(x).__name__}")
    if x.dtype.kind not in "iuf":
        kind = "Bool" if x.dtype == np.bool_ else str(x.dtype)
        raise TypeError(f"{op} supports floating point, complex, and integer tensors, but got {kind}")
    if x.ndim == 0:
        raise IndexError(f"{op}: Dimension specified as -1 but tensor has no dimensions")
    N = x.shape[-1] if N is None else N
    if N <= 1:
        raise ValueError(f"{op}: N must be greater than 1.")
    if x.dtype.kind in "iu":
        x = astype(x, np.int64)
    columns = [Tensor(backend.xp_of(x.data).ones(x.shape, dtype=x.dtype)), x]
    for _ in range(N - 2):
        columns.append(columns[-1] * x)
    return stack(columns, -1)


def legacy_vander(x: Tensor, N: int | None = None, increasing: bool = False) -> Tensor:
    """``torch.vander``: one vector ``x (n,)`` -> ``(n, N)`` with the powers decreasing, columns ``x^(N-1), ...,
    x, 1`` (``increasing=True`` gives :func:`vander`'s order). ``N = 0`` gives an empty ``(n, 0)`` matrix and
    ``N = 1`` a column of ones; bools and integers give int64. The same columns as :func:`vander`, sliced and
    reversed, so the gradient is its."""
    if not isinstance(x, Tensor):
        raise TypeError(f"vander: expected a Tensor, got {type(x).__name__}")
    if x.ndim != 1:
        raise ValueError(f"vander: x must be a one-dimensional tensor, got shape {tuple(x.shape)}")
    N = x.shape[0] if N is None else int(N)
    if N < 0:
        raise ValueError(f"vander: N must be non-negative, got {N}")
    if x.dtype == np.bool_:
        x = astype(x, np.int64)
    v = getitem(vander(x, max(N, 2)), (slice(None), slice(0, N)))
    return v if increasing else getitem(v, (slice(None), slice(None, None, -1)))


__all__ = ["MatrixExp", "householder_product", "legacy_vander", "matrix_exp", "vander"]
