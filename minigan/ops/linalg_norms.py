"""The norms of ``torch.linalg``: :func:`vector_norm` (``(sum |x|^ord)^(1/ord)``), :func:`matrix_norm` (Frobenius,
nuclear, spectral, and the largest column or row sums) and :func:`norm`, which picks one of the two by ``dim``.

Each is composed of minigan ops whose gradients it uses: the p-norm of :func:`minigan.ops.norm`, sums, maxima,
and the singular values of :func:`~minigan.ops.decompositions.svdvals` (the spectral and nuclear norms)."""
from __future__ import annotations

import math

import numpy as np

from ..autograd import Tensor
from ._util import normalize_dim
from .arithmetic import abs as _abs
from .linalg import check_float, check_matrix
from .rearrange import movedim
from .reduction import amax, amin, norm as _vector_p_norm, sum as _sum
from .shape import astype, reshape, unsqueeze


def vector_norm(x: Tensor, ord=2, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """``(sum |x|^ord)^(1/ord)`` over ``dim`` (an int, a tuple, or None for all), as ``torch.linalg.vector_norm``:
    ``ord`` 2 (the default), 1, inf (the largest ``|x|``), -inf, 0 (the count of nonzeros) or any number.
    :func:`minigan.ops.norm` computes it (its backward is there)."""
    if isinstance(ord, str) or not isinstance(ord, (int, float, np.number)):
        raise TypeError(f"linalg.vector_norm: argument 'ord' must be a number, not {type(ord).__name__}")
    check_float("linalg.vector_norm", x if dtype is None else astype(x, dtype))
    return _vector_p_norm(x, float(ord), dim, keepdim, dtype)


_SVD_ORDS = {"nuc": lambda s: _sum(s, -1), 2: lambda s: amax(s, -1), -2: lambda s: amin(s, -1)}


def matrix_norm(A: Tensor, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None) -> Tensor:
    """A norm of each matrix in dims ``dim``, as ``torch.linalg.matrix_norm``:

    - ``'fro'``: ``sqrt(sum a_ij^2)``; ``'nuc'``: the sum of the singular values;
    - ``2`` / ``-2``: the largest / smallest singular value (how much ``A`` can stretch / shrink a vector);
    - ``1`` / ``-1``: the largest / smallest column sum of ``|a_ij|``; ``inf`` / ``-inf``: the same for rows.

    Compositions of sums, maxima and :func:`~minigan.ops.decompositions.svdvals`, whose gradients they use."""
    op = "linalg.matrix_norm"
    if dtype is not None:
        A = astype(A, dtype)
    check_float(op, A)
    check_matrix(op, A)
    if not isinstance(dim, (tuple, list)) or len(dim) != 2:
        raise ValueError(f"{op}: dim must be a 2-tuple. Got {dim!r}")
    d0, d1 = (normalize_dim(d, A.ndim, op) for d in dim)
    if d0 == d1:
        raise ValueError(f"{op}: dims must be different. Got {tuple(dim)}")
    if ord == "fro":
        return _vector_p_norm(A, 2.0, (d0, d1), keepdim)
    if ord in _SVD_ORDS:
        from .decompositions import svdvals
        moved = movedim(A, (d0, d1), (-2, -1))
        out = _SVD_ORDS[ord](svdvals(moved))
        for d in sorted((d0, d1)) if keepdim else ():
            out = unsqueeze(out, d)
        return out
    if ord in (1, -1, math.inf, -math.inf):
        summed, picked = (d0, d1) if abs(ord) == 1 else (d1, d0)
        pick = amax if ord > 0 else amin
        out = pick(_sum(_abs(A), summed, keepdim=True), picked, keepdim=True)
        return out if keepdim else reshape(out, tuple(n for i, n in enumerate(out.shape) if i not in (d0, d1)))
    raise ValueError(f"{op}: Order {ord} not supported.")


def norm(A: Tensor, ord=None, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """``torch.linalg.norm``: a :func:`vector_norm` or a :func:`matrix_norm`, by ``dim``: one dim is a vector
    norm, two a matrix norm. Without ``dim``: with ``ord`` None, the 2-norm of all elements (flattened);
    with an ``ord``, the input must be 1-D (vector) or 2-D (matrix)."""
    op = "linalg.norm"
    if dim is not None:
        dims = tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)
        if len(dims) == 1:
            return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)
        if len(dims) == 2:
            return matrix_norm(A, "fro" if ord is None else ord, dims, keepdim, dtype=dtype)
        raise ValueError(f"{op}: If dim is specified, it must be of length 1 or 2. Got {list(dims)}")
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    if A.ndim not in (1, 2):
        raise ValueError(f"{op}: If dim is not specified but ord is, the input must be 1D or 2D. Got {A.ndim}D.")
    if A.ndim == 1:
        return vector_norm(A, ord, None, keepdim, dtype=dtype)
    return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
