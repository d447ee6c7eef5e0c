"""``linalg.tensorinv`` and ``linalg.tensorsolve``: the inverse and the solve of a tensor read as a square matrix.

A tensor ``A`` of shape ``(i1, ..., ik, j1, ..., jm)`` with ``i1 * ... * ik == j1 * ... * jm`` is a linear map from
tensors of shape ``(j1, ..., jm)`` to tensors of shape ``(i1, ..., ik)``::

    (A x)[i1, ..., ik] = sum over j of A[i1, ..., ik, j1, ..., jm] x[j1, ..., jm]      (torch.tensordot(A, x, m))

Flattening the ``i`` dims into rows and the ``j`` dims into columns makes it an ordinary square matrix, and its
inverse and its solves are the matrix ones, reshaped back. So both are compositions of ``reshape`` with
:func:`~minigan.ops.linalg.inv` / :func:`~minigan.ops.linalg.solve`, and their gradients (and second derivatives)
are those ops' ones, reshaped."""
from __future__ import annotations

import math

from ..autograd import Tensor
from .linalg import inv, solve
from .rearrange import movedim
from .shape import reshape

__all__ = ["tensorinv", "tensorsolve"]


def _check_square(op: str, rows: tuple, cols: tuple, rows_what: str, cols_what: str) -> None:
    if math.prod(rows) != math.prod(cols):
        raise RuntimeError(f"{op}: expected the tensor to satisfy the requirement prod({cols_what}) == "
                           f"prod({rows_what}), but got {math.prod(cols)} != {math.prod(rows)} (shapes {rows} and "
                           f"{cols})")


def tensorinv(A: Tensor, ind: int = 2) -> Tensor:
    """The inverse of ``A`` as a map from its last dims to its first ``ind`` dims (see the module docstring):
    ``(i1, ..., ik, j1, ..., jm) -> (j1, ..., jm, i1, ..., ik)`` with ``k = ind``, such that
    ``tensordot(tensorinv(A, k), A, k)`` is the identity on tensors of shape ``(j1, ..., jm)``
    (``torch.linalg.tensorinv``). ``inv(A.reshape(rows, cols)).reshape(...)``."""
    if not isinstance(ind, int) or ind <= 0:
        raise RuntimeError(f"tensorinv: expected a strictly positive integer for 'ind', but got {ind}")
    rows, cols = tuple(A.shape[:ind]), tuple(A.shape[ind:])
    _check_square("tensorinv", rows, cols, "self.shape[:ind]", "self.shape[ind:]")
    return reshape(inv(reshape(A, (math.prod(rows), math.prod(cols)))), cols + rows)


def tensorsolve(A: Tensor, B: Tensor, dims=None) -> Tensor:
    """The ``x`` with ``tensordot(A, x, x.ndim) == B`` (``torch.linalg.tensorsolve``): ``A`` is
    ``B.shape + x.shape``, with ``prod(B.shape) == prod(x.shape)``. ``dims`` names dims of ``A`` to move to its
    end first (those of ``x``). ``solve(A.reshape(n, n), B.flatten()).reshape(x's shape)``."""
    if dims is not None:
        dims = (dims,) if isinstance(dims, int) else tuple(dims)
        A = movedim(A, dims, tuple(range(A.ndim - len(dims), A.ndim)))
    rows, cols = tuple(A.shape[:B.ndim]), tuple(A.shape[B.ndim:])
    _check_square("tensorsolve", rows, cols, "self.shape[:other.ndim]", "self.shape[other.ndim:]")
    if math.prod(B.shape) != math.prod(rows):
        raise RuntimeError(f"tensorsolve: B of shape {tuple(B.shape)} does not fit A of shape {tuple(A.shape)}: "
                           f"A's first {B.ndim} dims should hold as many values as B")
    n = math.prod(rows)
    return reshape(solve(reshape(A, (n, n)), reshape(B, (n, 1))), cols)
