"""Linear algebra on batches of matrices, as ``torch.linalg``: determinants, inverses, linear solves, powers and
cross products. The vector and matrix norms are in :mod:`minigan.ops.linalg_norms`; the decompositions
(Cholesky, QR, eigh, SVD), the triangular solve that goes with them, and what is built on singular values
(pinv, matrix_rank, cond) are in :mod:`minigan.ops.decompositions`.

Every function takes ``(*, m, n)``: any leading dims are a batch, and each matrix is handled on its own. The
forwards call ``xp.linalg`` (NumPy's or CuPy's LAPACK-backed routines); each backward is a small matrix
identity written in minigan ops, so it can be differentiated again. They all come from one rule: perturb
``A`` by ``dA`` and read off the first-order change. For the inverse, ``A A^-1 = I`` gives
``dA A^-1 + A d(A^-1) = 0``, so ``d(A^-1) = -A^-1 dA A^-1``; moving every factor over to the gradient's side
(the adjoint: ``<G, X dA Y> = <Xᵀ G Yᵀ, dA>``) turns that into the backward ``gA = -A^-T G A^-T``. The
determinant (Jacobi's formula ``d det A = det A tr(A^-1 dA)``) and the solve follow the same way.

Input must be float32 or float64 (``LinAlgError`` and ``TypeError`` name the function, as PyTorch's errors
do); matrix_power and cross also take integers."""
from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np

from .. import backend
from ..autograd import Function, Tensor
from ._util import normalize_dim, result_type
from .arithmetic import log, where
from .cumulative import prod
from .diagonal import diagonal as _diagonal
from .reduction import sum as _sum
from .shape import astype, broadcast_to, reshape, transpose, unsqueeze


class LinAlgError(ValueError):
    """A matrix the operation cannot handle: singular for ``inv``/``solve``, not positive-definite for
    ``cholesky`` (``torch.linalg.LinAlgError``; here a ``ValueError``)."""


def _mT(t: Tensor) -> Tensor:
    return transpose(t, -2, -1)


def _eye(n: int, like: Tensor) -> Tensor:
    """The ``n x n`` identity, a constant of ``like``'s dtype on its device."""
    return Tensor(backend.xp_of(like.data).eye(n, dtype=like.dtype))


def _unused(g) -> bool:
    """Is this output gradient absent or all zeros (the output played no part in the loss)?"""
    return g is None or not bool(g.data.any())


def check_float(op: str, A: Tensor) -> None:
    """float32 or float64 only, as ``torch.linalg``: LAPACK has no integer or half-precision routines."""
    if not isinstance(A, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(A).__name__}")
    if A.dtype.kind == "f" and A.dtype.itemsize < 4:
        raise TypeError(f"{op}: Low precision dtypes not supported. Got {A.dtype}")
    if A.dtype not in (np.float32, np.float64):
        raise TypeError(f"{op}: Expected a floating point or complex tensor as input. Got {A.dtype}")


def check_matrix(op: str, A: Tensor, square: bool = False, name: str = "A") -> None:
    """At least 2 dims (a batch of matrices ``(*, m, n)``), and ``m == n`` where ``square``."""
    if A.ndim < 2:
        raise ValueError(f"{op}: The input tensor {name} must have at least 2 dimensions.")
    if square and A.shape[-1] != A.shape[-2]:
        raise ValueError(f"{op}: {name} must be batches of square matrices, but they are {A.shape[-2]} by "
                         f"{A.shape[-1]} matrices")


def _finite_matrices(out):
    return backend.xp_of(out).isfinite(out).all(axis=(-2, -1))


def checked(op: str, problem, fn, A, ok=_finite_matrices):
    """``fn(A)`` for a raw batch of matrices ``A``, or a :class:`LinAlgError` naming ``op``, the first matrix of
    the batch that failed, and ``problem(that matrix)``. NumPy raises where LAPACK fails; CuPy does not, so a
    result that ``ok`` rejects (non-finite, by default) from finite input is a failure too. A matrix that holds
    nan or inf is not an error: nan comes out, as in PyTorch."""
    xp = backend.xp_of(A)
    try:
        out = fn(A)
        good = ok(out) | ~xp.isfinite(A).all(axis=(-2, -1))
        if bool(good.all()):
            return out
    except np.linalg.LinAlgError:
        good = None
    mats = A.reshape((-1,) + A.shape[-2:])

    def fails(i):
        if good is not None:
            return not bool(good.reshape(-1)[i])
        try:
            return not bool(ok(fn(mats[i:i + 1])).all())
        except np.linalg.LinAlgError:
            return True

    first = next((i for i in range(len(mats)) if fails(i)), 0)
    where = f"(Batch element {first}): " if A.ndim > 2 else ""
    raise LinAlgError(f"{op}: {where}{problem(mats[first])}")


def _singular(_):
    return "The inversion could not be completed because the input matrix is singular."


# ----------------------------------------------------------------------------- the determinant
class Det(Function):
    """``det A`` of each matrix, ``(*, n, n) -> (*)``. Jacobi's formula, ``d det A = det A tr(A^-1 dA)``, gives
    the backward ``gA = g det(A) A^-T``: the cofactor matrix, scaled by the upstream gradient.

    Where a matrix is singular, ``A^-1`` does not exist but the cofactor matrix does (det is a polynomial in
    the entries); with ``A = U diag(s) Vᵀ`` it is ``det(U) det(V) U diag(prod of the s_j but s_i) Vᵀ``, which
    is what the backward uses then."""

    @staticmethod
    def forward(ctx, A):
        xp = backend.xp_of(A)
        y = xp.asarray(xp.linalg.det(A), dtype=A.dtype)     # an array (not a NumPy scalar): saved as the output
        ctx.save_for_backward(A, y)
        return y

    @staticmethod
    def backward(ctx, g):
        A, y = ctx.saved_tensors
        scale = unsqueeze(unsqueeze(g, -1), -1)
        if bool((y.data != 0).all()):
            return scale * unsqueeze(unsqueeze(y, -1), -1) * _mT(Inv.apply(A))
        from .decompositions import SVD
        U, s, Vh = SVD.apply(A, False)
        xp, n = backend.xp_of(A.data), A.shape[-1]
        others = prod(where(xp.eye(n, dtype=bool), 1.0, unsqueeze(s, -2)), -1)     # prod_{j != i} s_j
        gauge = xp.linalg.det(U.data) * xp.linalg.det(Vh.data)                      # det(U) det(V) = +-1
        cofactor = (U * unsqueeze(others, -2)) @ Vh * Tensor(gauge[..., None, None].astype(A.dtype))
        return scale * cofactor


def det(A: Tensor) -> Tensor:
    """The determinant of each matrix, ``(*, n, n) -> (*)``, as ``torch.linalg.det``. See :class:`Det`."""
    check_float("linalg.det", A)
    check_matrix("linalg.det", A, square=True)
    return Det.apply(A)


class SignLogAbsDet(NamedTuple):
    sign: Tensor
    logabsdet: Tensor


class SlogDet(Function):
    """``(sign, log|det A|)``, which stays finite where det itself over- or underflows. Only the log has a
    gradient (the sign is piecewise constant): ``d log|det A| = tr(A^-1 dA)``, so ``gA = g A^-T``."""

    @staticmethod
    def forward(ctx, A):
        xp = backend.xp_of(A)
        sign, logabs = xp.linalg.slogdet(A)
        ctx.save_for_backward(A)
        return xp.asarray(sign, dtype=A.dtype), xp.asarray(logabs, dtype=A.dtype)

    @staticmethod
    def backward(ctx, g_sign, g_logabs):
        A, = ctx.saved_tensors
        return unsqueeze(unsqueeze(g_logabs, -1), -1) * _mT(Inv.apply(A))


def slogdet(A: Tensor) -> SignLogAbsDet:
    """``(sign, logabsdet)`` of each matrix with ``det A = sign * exp(logabsdet)``, as ``torch.linalg.slogdet``:
    a singular matrix gives ``(0, -inf)``. ``sign`` has no gradient. See :class:`SlogDet`."""
    check_float("linalg.slogdet", A)
    check_matrix("linalg.slogdet", A, square=True)
    sign, logabs = SlogDet.apply(A)
    return SignLogAbsDet(sign.detach(), logabs)


def logdet(A: Tensor) -> Tensor:
    """``log det A``, as ``torch.logdet``: nan where the determinant is negative, -inf where it is 0. A
    composition, ``logabsdet + log(sign)``, so its gradient is slogdet's."""
    check_float("logdet", A)
    check_matrix("logdet", A, square=True)
    sign, logabs = SlogDet.apply(A)
    with np.errstate(divide="ignore", invalid="ignore"):    # log(0) = -inf, log(-1) = nan: PyTorch's values
        return logabs + log(sign.detach())


# ----------------------------------------------------------------------------- inverse and solve
class Inv(Function):
    """``Y = A^-1``. From ``d(A^-1) = -A^-1 dA A^-1``: ``gA = -Yᵀ G Yᵀ``, written with the saved output ``Y``,
    whose own gradient runs through this Function again."""

    @staticmethod
    def forward(ctx, A):
        Y = checked("linalg.inv", _singular, backend.xp_of(A).linalg.inv, A)
        ctx.save_for_backward(Y)
        return Y

    @staticmethod
    def backward(ctx, G):
        Y, = ctx.saved_tensors
        return -(_mT(Y) @ G @ _mT(Y))


def inv(A: Tensor) -> Tensor:
    """The inverse of each matrix, as ``torch.linalg.inv``; a singular matrix is a :class:`LinAlgError`. To
    apply an inverse to something, :func:`solve` is faster and more accurate. See :class:`Inv`."""
    check_float("linalg.inv", A)
    check_matrix("linalg.inv", A, square=True)
    return Inv.apply(A)


inverse = inv       # torch.inverse, the older name


class Solve(Function):
    """``X = A^-1 B`` for ``A (*, n, n)`` and ``B (*, n, k)`` of one batch shape, without forming ``A^-1``.
    From ``A X = B``: ``dA X + A dX = dB``, so ``dX = A^-1 (dB - dA X)``, and the backward is one more solve,
    with ``Aᵀ``: ``gB = A^-T G``, ``gA = -gB Xᵀ``."""

    @staticmethod
    def forward(ctx, A, B):
        xp, X = backend.xp_of(A), None
        try:
            X = xp.linalg.solve(A, B)
            ok = bool(xp.isfinite(X).all()) or not bool(xp.isfinite(A).all())
        except np.linalg.LinAlgError:
            ok = False
        if not ok:      # name the singular matrix (inv fails on the same ones), or else pass nan on as it came
            problem = "The solver failed because the input matrix is singular."
            checked("linalg.solve", lambda _: problem, xp.linalg.inv, A)
            if X is None:
                raise LinAlgError(f"linalg.solve: {problem}")
        ctx.save_for_backward(A, X)
        return X

    @staticmethod
    def backward(ctx, G):
        A, X = ctx.saved_tensors
        gB = Solve.apply(_mT(A), G)
        return -(gB @ _mT(X)), gB


def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:
    """The solution ``X`` of ``A X = B`` (``X A = B`` with ``left=False``), as ``torch.linalg.solve``. ``A`` is
    ``(*, n, n)``; ``B`` is ``(*, n, k)``, or a batch of vectors ``(*, n)`` (where ``B`` is 1-D or has A's shape
    but the last dim); the batch dims broadcast. See :class:`Solve`; ``left=False`` solves ``Aᵀ Xᵀ = Bᵀ``."""
    A, B, vector = solve_operands("linalg.solve", A, B, left)
    X = Solve.apply(A, B) if left else _mT(Solve.apply(_mT(A), _mT(B)))
    return reshape(X, X.shape[:-1]) if vector else X


def solve_operands(op: str, A: Tensor, B: Tensor, left: bool):
    """``(A, B, vector)`` for a solve named ``op``, checked and brought to one batch shape: ``A (*, n, n)`` and
    ``B (*, n, k)`` (``(*, k, n)`` where not ``left``); a batch of vectors ``B`` becomes columns, and ``vector``
    says so, for the caller to drop that dim from the solution again."""
    check_float(op, A)
    check_float(op, B)
    check_matrix(op, A, square=True)
    if A.dtype != B.dtype:
        raise TypeError(f"{op}: Expected A and B to have the same dtype, but found A of type {A.dtype} and B of "
                        f"type {B.dtype} instead")
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and B.shape == A.shape[:-1])
    if vector:          # a column, whichever side: a vector B with left=False is refused, as in PyTorch
        B = unsqueeze(B, -1)
    n = A.shape[-1]
    if B.ndim < 2 or (B.shape[-2] if left else B.shape[-1]) != n:
        eq = "AX = B" if left else "XA = B"
        got = "x".join(str(k) for k in B.shape[-2:])
        raise ValueError(f"{op}: Incompatible shapes of A and B for the equation {eq} ({n}x{n} and {got})")
    batch = np.broadcast_shapes(A.shape[:-2], B.shape[:-2])
    return broadcast_to(A, batch + A.shape[-2:]), broadcast_to(B, batch + B.shape[-2:]), vector


# ----------------------------------------------------------------------------- powers and products
def matrix_power(A: Tensor, n: int) -> Tensor:
    """``A`` multiplied by itself ``n`` times, as ``torch.linalg.matrix_power``: ``n = 0`` gives the identity,
    ``n < 0`` the power ``-n`` of :func:`inv`. A composition of matrix products by repeated squaring
    (``A^13 = A^8 A^4 A``: 5 products, not 12); integers work for ``n >= 0``. Its gradient is the products'."""
    op = "linalg.matrix_power"
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"{op}: argument 'n' must be int, not {type(n).__name__}")
    check_matrix(op, A, square=True)
    if n == 0:          # the identity, recorded as a where that takes nothing from A: A's gradient is 0
        everywhere = backend.xp_of(A.data).ones(A.shape, dtype=bool)
        return where(everywhere, broadcast_to(_eye(A.shape[-1], A), A.shape), A)
    if n < 0:
        A, n = inv(A), -int(n)
    result, square = None, A
    while True:
        if n & 1:
            result = square if result is None else result @ square
        n >>= 1
        if not n:
            return result
        square = square @ square


def multi_dot(tensors) -> Tensor:
    """The product of a chain of matrices, as ``torch.linalg.multi_dot``: the first may be a vector (a row),
    the last a vector (a column), the rest must be 2-D. The order of the products is chosen to need the fewest
    multiplications (the classic matrix-chain dynamic programme): ``(10x100)(100x5)(5x50)`` is best grouped
    from the left (7,500 multiplications), not the right (75,000). A composition of matmuls."""
    ts = list(tensors)
    if len(ts) < 2:
        raise ValueError(f"multi_dot(): expected at least 2 tensors but got {len(ts)}")
    for i, t in enumerate(ts):
        allowed = (1, 2) if i in (0, len(ts) - 1) else (2,)
        if t.ndim not in allowed:
            what = "the first tensor" if i == 0 else "the last tensor" if i == len(ts) - 1 else f"tensor {i}"
            raise ValueError(f"multi_dot(): {what} must be {' or '.join(f'{k}D' for k in allowed)} but got {t.ndim}D")
    first, last = ts[0].ndim == 1, ts[-1].ndim == 1
    mats = [unsqueeze(ts[0], 0) if first else ts[0]] + ts[1:-1] + [unsqueeze(ts[-1], -1) if last else ts[-1]]
    dims = [mats[0].shape[0]] + [m.shape[1] for m in mats]
    k = len(mats)
    cost, split = {}, {}
    for length in range(1, k):          # cost[i, j]: the fewest multiplications for mats[i..j]
        for i in range(k - length):
            j = i + length
            cost[i, j], split[i, j] = min((cost.get((i, s), 0) + cost.get((s + 1, j), 0)
                                           + dims[i] * dims[s + 1] * dims[j + 1], s) for s in range(i, j))

    def product(i, j):
        return mats[i] if i == j else product(i, split[i, j]) @ product(split[i, j] + 1, j)

    out = product(0, k - 1)
    return reshape(out, out.shape[int(first):out.ndim - int(last)])


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1) -> Tensor:
    """The dot product of the vectors along ``dim`` (broadcast), as ``torch.linalg.vecdot`` for real tensors:
    ``sum(x * y, dim)``, a composition."""
    xy = x * y
    return _sum(xy, normalize_dim(dim, xy.ndim, "linalg.vecdot"))


def diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """The diagonals of a batch of matrices (the last two dims by default), as ``torch.linalg.diagonal``:
    :func:`minigan.ops.diagonal` with batch-friendly defaults."""
    return _diagonal(A, offset, dim1, dim2)


class Cross(Function):
    """``c = a x b`` along ``axis`` (size 3). The scalar triple product is the same under cyclic shifts,
    ``g . (a x b) = a . (b x g) = b . (g x a)``, so ``ga = b x g`` and ``gb = g x a``: the backward is two
    more cross products."""

    @staticmethod
    def forward(ctx, a, b, axis):
        ctx.axis = axis
        ctx.save_for_backward(a, b)
        return backend.xp_of(a).cross(a, b, axis=axis)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return Cross.apply(b, g, ctx.axis), Cross.apply(g, a, ctx.axis)


def _cross(op: str, a: Tensor, b: Tensor, dim):
    dtype = result_type(a, b)
    shape = np.broadcast_shapes(a.shape, b.shape)
    if dim is None:         # the older torch.cross: the first dim of size 3
        dim = next((d for d, n in enumerate(shape) if n == 3), None)
        if dim is None:
            raise ValueError(f"{op}: no dimension of size 3 in input (broadcast shape {shape})")
        warnings.warn(f"{op}: calling cross without dim is deprecated; pass dim (or use linalg.cross)",
                      UserWarning, stacklevel=3)
    axis = normalize_dim(dim, len(shape), op)
    if a.shape[axis - len(shape) + a.ndim] != 3 or b.shape[axis - len(shape) + b.ndim] != 3:
        raise ValueError(f"{op}: inputs dimension {dim} must have length 3. Got {a.shape[axis]} and "
                         f"{b.shape[axis]}")
    a, b = (broadcast_to(t if t.dtype == dtype else astype(t, dtype), shape) for t in (a, b))
    return Cross.apply(a, b, axis)


def cross(a: Tensor, b: Tensor, *, dim: int = -1) -> Tensor:
    """The cross product of 3-vectors along ``dim`` (the other dims broadcast; a and b have the same number of
    dims), as ``torch.linalg.cross``. See :class:`Cross`."""
    if a.ndim != b.ndim:
        raise ValueError(f"linalg.cross: inputs must have the same number of dimensions, got shapes {a.shape} "
                         f"and {b.shape}")
    return _cross("linalg.cross", a, b, dim)


def legacy_cross(input: Tensor, other: Tensor, dim: int | None = None) -> Tensor:  # noqa: A002 - PyTorch's name
    """``torch.cross``: :func:`cross`, but without ``dim`` it takes the first dim of size 3 (with PyTorch's
    deprecation warning)."""
    return _cross("cross", input, other, dim)
