"""Linear algebra under PyTorch's ``torch.linalg`` names: ``import minigan.linalg as LA`` or ``mg.linalg.inv``.

Each function lives in :mod:`minigan.ops.linalg` (determinants, inverses, solves, products),
:mod:`minigan.ops.linalg_norms` (vector and matrix norms) or :mod:`minigan.ops.decompositions` (Cholesky, QR, eigh, SVD, solve_triangular, pinv, matrix_rank, cond), with
its forward and backward side by side; this module only gathers the names. All take batches ``(*, m, n)`` and are
differentiable (twice, where the maths allows), except ``matrix_rank``, a count.

Not here, as less often met while learning deep learning: the ``*_ex`` variants (``inv_ex``, ``solve_ex``,
``cholesky_ex``), the LU and LDL families (``lu``, ``lu_factor``, ``lu_factor_ex``, ``lu_solve``,
``ldl_factor``, ``ldl_factor_ex``, ``ldl_solve``), ``householder_product``, ``lstsq`` (use :func:`pinv` or
:func:`solve` on the normal equations), ``matrix_exp``, ``tensorinv``, ``tensorsolve``, ``vander``, and
``eig``/``eigvals`` (complex results in general; :func:`eigh` covers symmetric matrices)."""
from .ops.decompositions import (cholesky, cond, eigh, eigvalsh, matrix_rank, pinv, qr,  # noqa: F401
                                 solve_triangular, svd, svdvals)
from .ops.linalg import (LinAlgError, cross, det, diagonal, inv, matrix_power, multi_dot, slogdet,  # noqa: F401
                         solve, vecdot)
from .ops.linalg_norms import matrix_norm, norm, vector_norm  # noqa: F401
from .ops.matmul import matmul  # noqa: F401

__all__ = ["LinAlgError", "cholesky", "cond", "cross", "det", "diagonal", "eigh", "eigvalsh", "inv", "matmul",
           "matrix_norm", "matrix_power", "matrix_rank", "multi_dot", "norm", "pinv", "qr", "slogdet", "solve",
           "solve_triangular", "svd", "svdvals", "vecdot", "vector_norm"]
