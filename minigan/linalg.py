"""Linear algebra under PyTorch's ``torch.linalg`` names: ``import minigan.linalg as LA`` or ``mg.linalg.inv``.

Each function lives in :mod:`minigan.ops.linalg` (determinants, inverses, solves, products),
:mod:`minigan.ops.linalg_norms` (vector and matrix norms), :mod:`minigan.ops.decompositions` (Cholesky, QR, eigh,
SVD, solve_triangular, pinv, matrix_rank, cond), :mod:`minigan.ops.lu` (``lu``, ``lu_factor``, ``lu_factor_ex``,
``lu_solve``), :mod:`minigan.ops.least_squares` (``lstsq``), :mod:`minigan.ops.matrix_functions` (``matrix_exp``,
``householder_product``, ``vander``), :mod:`minigan.ops.linalg_ex` (``inv_ex``, ``solve_ex``, ``cholesky_ex``) or
:mod:`minigan.ops.linalg_tensor` (``tensorinv``, ``tensorsolve``),
with its forward and backward side by side; this module only gathers the names. All take batches ``(*, m, n)``
and are differentiable (twice, where the maths allows), except what is a count, an index or a code:
``matrix_rank``, the LU ``pivots``, ``lstsq``'s ``rank`` and every ``info``.

Not here, as less often met while learning deep learning: the LDL family (``ldl_factor``, ``ldl_factor_ex``,
``ldl_solve``), ``lu`` and ``lu_factor`` with ``pivot=False`` (PyTorch has them on CUDA only), and
``eig``/``eigvals`` (complex results in general; :func:`eigh` covers symmetric matrices)."""
from .ops.decompositions import (cholesky, cond, eigh, eigvalsh, matrix_rank, pinv, qr,  # noqa: F401
                                 solve_triangular, svd, svdvals)
from .ops.linalg import (LinAlgError, cross, det, diagonal, inv, matrix_power, multi_dot, slogdet,  # noqa: F401
                         solve, vecdot)
from .ops.least_squares import lstsq  # noqa: F401
from .ops.linalg_ex import cholesky_ex, inv_ex, solve_ex  # noqa: F401
from .ops.linalg_norms import matrix_norm, norm, vector_norm  # noqa: F401
from .ops.linalg_tensor import tensorinv, tensorsolve  # noqa: F401
from .ops.lu import lu, lu_factor, lu_factor_ex, lu_solve  # noqa: F401
from .ops.matmul import matmul  # noqa: F401
from .ops.matrix_functions import householder_product, matrix_exp, vander  # noqa: F401

__all__ = ["LinAlgError", "cholesky", "cholesky_ex", "cond", "cross", "det", "diagonal", "eigh", "eigvalsh",
           "householder_product", "inv", "inv_ex", "lstsq", "lu", "lu_factor", "lu_factor_ex", "lu_solve", "matmul",
           "matrix_exp", "matrix_norm", "matrix_power", "matrix_rank", "multi_dot", "norm", "pinv", "qr", "slogdet",
           "solve", "solve_ex", "solve_triangular", "svd", "svdvals", "tensorinv", "tensorsolve", "vander", "vecdot",
           "vector_norm"]
