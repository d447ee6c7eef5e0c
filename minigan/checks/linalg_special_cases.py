"""The gradcheck registry's entries for linear algebra (``minigan.linalg`` and the legacy top-level names:
determinants, solves, factorizations, norms, matrix functions, least squares), the special functions
(``minigan.special``) and calculus on samples. Linear-algebra inputs are kept well-conditioned (+ 3I); special
functions are checked across their series, recurrence and asymptotic ranges."""
from __future__ import annotations

import numpy as np

from ..autograd import Tensor
from .. import linalg as LA
from .. import ops as F
from .registry import _between, _case, _const, _gap, _t

# --------------------------------------------------------------------------- linear algebra (well-conditioned: + 3I)
_case("linalg.det (batch), slogdet, logdet")(lambda rs: (
    lambda a, i: F.linalg.det(a + i) + F.linalg.slogdet(a - i).logabsdet + F.logdet(a + i),
    [_t(rs, 2, 3, 3), _const(3 * np.eye(3))]))
_case("linalg.det (singular: cofactors)")(lambda rs: (
    F.linalg.det, [("tensor", np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.5, 1.0, 5.0]]), True)]))
_case("linalg.inv (batch), matrix_power (-2, 3)")(lambda rs: (
    lambda a, i: F.linalg.inv(a + i) + F.linalg.matrix_power(a + i, -2) + F.linalg.matrix_power(a, 3),
    [_t(rs, 2, 1, 3, 3), _const(3 * np.eye(3))]))
_case("linalg.solve (broadcast, vector, left=False)")(lambda rs: (
    lambda a, b, c, i: F.linalg.solve(a + i, b).sum() + F.linalg.solve(a + i, c, left=False),
    [_t(rs, 2, 3, 3), _t(rs, 3), _t(rs, 2, 4, 3), _const(3 * np.eye(3))]))
_case("linalg.tensorinv (ind 2), tensorsolve (dims)")(lambda rs: (
    lambda a, b, i: LA.tensorinv((a + i).reshape(2, 3, 3, 2), 2).sum(axis=(0, 1))
    + LA.tensorsolve((a + i).reshape(6, 2, 3), b, dims=(0,)).reshape(2, 3),
    [_t(rs, 6, 6), _t(rs, 2, 3), _const(3 * np.eye(6))]))
_case("linalg.solve_triangular (upper; unit lower)")(lambda rs: (
    lambda a, b, i: F.decompositions.solve_triangular(a + i, b, upper=True)
    + F.decompositions.solve_triangular(a, b, upper=False, unitriangular=True),
    [_t(rs, 3, 3), _t(rs, 3, 2), _const(3 * np.eye(3))]))
_case("linalg.cross (broadcast), multi_dot, vecdot")(lambda rs: (
    lambda a, b, m, n: F.linalg.cross(a, b).sum() * F.linalg.multi_dot([a[0, 0], m, n]).sum() + F.linalg.vecdot(a, b),
    [_t(rs, 2, 1, 3), _t(rs, 1, 4, 3), _t(rs, 3, 5), _t(rs, 5, 2)]))
_case("linalg.matrix_norm (6 ords, dims (0, 2))")(lambda rs: (
    lambda a: sum(F.linalg_norms.matrix_norm(a, o, (0, 2)) for o in ("fro", "nuc", 2, -2, 1, float("inf"))),
    [_gap(rs, 3, 2, 4)]))
_case("linalg.vector_norm (3, dims), norm")(lambda rs: (
    lambda a: F.linalg_norms.vector_norm(a, 3, (0, -1), keepdim=True) + F.linalg_norms.norm(a), [_t(rs, 2, 3, 4)]))
_case("linalg.cholesky (X Xᵀ + 3I; upper)")(lambda rs: (
    lambda x, i: F.decompositions.cholesky(x @ x.mT + i) + F.decompositions.cholesky(x @ x.mT + i, upper=True),
    [_t(rs, 2, 4, 4), _const(3 * np.eye(4))]))
_case("linalg.qr (tall and wide: Q and R)")(lambda rs: (
    lambda a, b: (lambda t, w: t.Q.sum() * t.R + w.Q @ w.R[..., :3] * w.R.sum())(F.decompositions.qr(a),
                                                                               F.decompositions.qr(b)),
    [_t(rs, 2, 5, 3), _t(rs, 2, 3, 5)]))
_case("linalg.eigh (λ, |V|), eigvalsh (UPLO U)")(lambda rs: (
    lambda a: (lambda e: e.eigenvectors.abs() * e.eigenvalues[..., None, :])(F.decompositions.eigh(a + a.mT))
    + F.decompositions.eigvalsh(a + a.mT, "U")[..., None], [_t(rs, 2, 4, 4)]))
_case("linalg.svd (U S Vh, |U|, |Vh|; full), svdvals")(lambda rs: (
    lambda a: (lambda r: (r.U[..., :3] * r.S[..., None, :]) @ r.Vh + r.U[..., :3].abs() + r.Vh.abs().sum())(
        F.decompositions.svd(a)) + F.decompositions.svdvals(a)[..., None, :], [_t(rs, 2, 5, 3)]))
_case("linalg.pinv (wide; hermitian), cond")(lambda rs: (
    lambda a, s: F.decompositions.pinv(a).sum() * F.decompositions.cond(a) + F.pinverse(a).sum()
    + F.decompositions.pinv(s @ s.mT, hermitian=True), [_t(rs, 3, 5), _t(rs, 3, 3)]))
_case("linalg.lu_factor (square), lu (wide; tall)")(lambda rs: (
    lambda a, w, t: LA.lu_factor(a).LU * LA.lu(w).U.sum() + LA.lu(t).L[..., :3, :] * LA.lu(t).U.sum(),
    [_t(rs, 2, 3, 3), _t(rs, 3, 5), _t(rs, 5, 3)]))
_case("linalg.lu_solve (left; right, adjoint)")(lambda rs: (
    lambda a, b, i: (lambda LU, piv: LA.lu_solve(LU, piv, b)
                     + LA.lu_solve(LU, piv, b.mT, left=False, adjoint=True).mT)(*LA.lu_factor(a + i)),
    [_t(rs, 2, 3, 3), _t(rs, 3, 2), _const(3 * np.eye(3))]))
_case("linalg.lstsq (tall, residuals; wide)")(lambda rs: (
    lambda a, b, w: LA.lstsq(a, b).solution + LA.lstsq(a, b, driver="gelsd").residuals.sum()
    + LA.lstsq(w, b[:3]).solution[:3], [_t(rs, 5, 3), _t(rs, 5, 2), _t(rs, 3, 5)]))
_case("linalg.matrix_exp, householder_product, vander")(lambda rs: (
    lambda a, h, tau, x: LA.matrix_exp(a).sum() * LA.householder_product(h, tau) + LA.vander(x, N=3),
    [_t(rs, 2, 3, 3), _t(rs, 4, 3), _t(rs, 2), _t(rs, 4)]))
_case("linalg.inv_ex, solve_ex, cholesky_ex")(lambda rs: (
    lambda a, b, x, i: LA.inv_ex(a + i).inverse + LA.solve_ex(a + i, b).result.sum()
    + LA.cholesky_ex(x @ x.mT + i).L, [_t(rs, 3, 3), _t(rs, 3, 2), _t(rs, 3, 3), _const(3 * np.eye(3))]))
# --------------------------------------------------------------------------- special functions (torch.special)
_case("lgamma (x < 0, near 1 and 2, large)")(lambda rs: (
    F.lgamma, [("tensor", np.array([[-2.6, -0.4, 0.3], [1.02, 1.97, 31.5]]), True)]))
_case("digamma (x < 0 and x > 0)")(lambda rs: (
    F.digamma, [("tensor", np.array([-3.3, -0.6, 0.2, 1.46, 4.1, 17.0]), True)]))
_case("polygamma (n = 1, 2, 3; x < 0 too)")(lambda rs: (
    lambda x: F.polygamma(1, x) + F.polygamma(2, x) + F.polygamma(3, x) / 10,
    [("tensor", np.array([[-1.4, 0.7, 2.3], [-0.3, 5.5, 12.0]]), True)]))
_case("mvlgamma (p = 3, 0-d too)")(lambda rs: (
    lambda x, y: F.mvlgamma(x, 3) + F.mvlgamma(y, 1), [_between(rs, 1.2, 6.0, 2, 3), ("tensor", np.array(2.5), True)]))
_case("entr, xlog1py (broadcast)")(lambda rs: (
    lambda p, x, y: F.entr(p) + F.xlog1py(x, y),
    [_between(rs, 0.05, 2.0, 3, 4), _t(rs, 3, 4), _between(rs, -0.9, 3.0, 4)]))
_case("erfc, erfcx (both signs, tail)")(lambda rs: (
    lambda x: F.erfc(x) + F.erfcx(x), [("tensor", np.array([-2.1, -0.3, 0.0, 0.8, 1.5, 2.6, 9.0]), True)]))
_case("ndtr, log_ndtr (far left tail), ndtri")(lambda rs: (
    lambda x, p: F.ndtr(x) + F.log_ndtr(x) + F.ndtri(p),
    [("tensor", np.array([-40.0, -6.0, -0.7, 0.0, 1.3, 2.9]), True), _between(rs, 0.02, 0.98, 6)]))
_case("i0, i1, i0e, i1e (series and asymptotic ranges)")(lambda rs: (
    lambda x, y: F.i0(x) + F.i1(x) + F.i0e(y) + F.i1e(y),
    [("tensor", np.array([[-3.1], [-0.4], [0.0], [1.7], [6.2]]), True),
     ("tensor", np.array([-30.0, -24.9, -1.1, 0.6, 25.2, 80.0]), True)]))


def _special():
    from .. import special
    return special


_case("gammainc, gammaincc (series, small-a and continued-fraction forms, broadcast)")(lambda rs: (
    lambda a, x: _special().gammainc(a, x) + _special().gammaincc(a, x * 1.3),
    [("tensor", np.array([[0.4], [2.0], [7.5]]), True), ("tensor", np.array([0.3, 2.5, 11.0, 1.1]), True)]))
_case("zeta (in q: positive and negative shifts)")(lambda rs: (
    lambda q, x: _special().zeta(x, q),
    [("tensor", np.array([0.6, 1.7, -2.5, 30.0]), True), _const(np.array([[2.0], [3.0], [6.0]]))]))
_case("bessel_j0, j1, y0, y1 (series, recurrence and asymptotic ranges)")(lambda rs: (
    lambda x, y: (_special().bessel_j0(x) + _special().bessel_j1(x) + _special().bessel_y0(y)
                  + _special().bessel_y1(y)),
    [("tensor", np.array([[-8.2], [-0.7], [0.0], [3.4], [26.5]]), True),
     ("tensor", np.array([0.04, 0.9, 2.6, 12.6, 27.0]), True)]))
_case("modified_bessel_k0, k1, scaled k0, k1; spherical_bessel_j0; airy_ai")(lambda rs: (
    lambda x, y: (_special().modified_bessel_k0(x) + _special().modified_bessel_k1(x)
                  + _special().scaled_modified_bessel_k0(x) + _special().scaled_modified_bessel_k1(x)
                  + _special().spherical_bessel_j0(y) + _special().airy_ai(y)),
    [("tensor", np.array([[0.04], [0.9], [2.6], [7.3], [26.0]]), True),
     ("tensor", np.array([-13.0, -3.3, -0.02, 0.0, 0.7, 2.1, 9.4]), True)]))


# --------------------------------------------------------------------------- calculus on samples, legacy linalg names
_case("trapezoid, cumulative_trapezoid (uneven x, size-1 dim), gradient (coordinates, edge_order 2)")(lambda rs: (
    lambda y, x: (F.trapezoid(y, x, dim=0).sum() + F.cumulative_trapezoid(y, x, dim=0).sum(0)
                  + F.gradient(y, spacing=[x], dim=0, edge_order=2)[0].pow(2).sum(0)),
    [_t(rs, 5, 1, 3), ("tensor", np.array([0.0, 0.4, 1.5, 1.9, 3.0]), True)]))
_case("cholesky_solve, cholesky_inverse, triangular_solve (transpose, batch broadcast)")(lambda rs: (
    lambda b, L: (F.cholesky_solve(b, F.tril(L)).sum(-1) + F.cholesky_inverse(F.tril(L)).sum(-1)
                  + F.triangular_solve(b, L, False, True).solution.sum(-1)),
    [_t(rs, 2, 3, 2), ("tensor", np.array([[1.6, 0.0, 0.0], [0.4, 1.3, 0.0], [-0.7, 0.2, 2.1]]), True)]))
_case("lu, lu_unpack, lu_solve, orgqr, ormqr (of geqrf's output)")(lambda rs: (
    lambda A, b, h, tau: (F.lu_unpack(*F.lu(A))[2].sum(-1) + F.lu_solve(b, *F.lu(A)).sum(-1)
                          + F.orgqr(h, tau).sum(-1)[:3] + F.ormqr(h, tau, b, True, True).sum(-1)[:3]),
    [("tensor", rs.standard_normal((3, 3)) + 2 * np.eye(3), True), _t(rs, 3, 2),
     ("tensor", F.geqrf(Tensor(rs.standard_normal((3, 3)))).a.numpy(), True),
     ("tensor", F.geqrf(Tensor(rs.standard_normal((3, 3)))).tau.numpy(), True)]))
_case("nuclear_norm, frobenius_norm, svd_lowrank (a fixed draw, full rank q)")(lambda rs: (
    lambda A: (F.nuclear_norm(A) + F.frobenius_norm(A, (0, 1)) + F.svd_lowrank(A, q=3, niter=1)[1].sum()),
    [_t(rs, 4, 3)]))
