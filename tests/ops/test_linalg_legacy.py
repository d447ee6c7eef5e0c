"""PyTorch's older top-level linear-algebra names (cholesky, cholesky_solve, cholesky_inverse, qr, lu, lu_solve,
lu_unpack, triangular_solve, geqrf, orgqr, ormqr, nuclear_norm, frobenius_norm, igamma, igammac) and the randomised
svd_lowrank and pca_lowrank: values and gradients as PyTorch's, float64 gradchecks on every device, errors."""
import warnings

import numpy as np
import pytest

import minigan as mg

from helpers import check_grad, compare_with_torch, randn


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():     # PyTorch warns that these names are deprecated
        warnings.simplefilter("ignore", UserWarning)
        yield


def _spd(*batch, n=4, seed=0):
    B = randn(*batch, n, n, seed=seed)
    return B @ np.swapaxes(B, -1, -2) + n * np.eye(n)


def _factor(*batch, n=4, seed=0):
    return np.linalg.cholesky(_spd(*batch, n=n, seed=seed))


def _triangular(*batch, n=4, seed=0, upper=False):
    T = randn(*batch, n, n, seed=seed) + 3 * np.eye(n)
    return np.triu(T) if upper else np.tril(T)


# ----------------------------------------------------------------- Cholesky
@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_family_matches_torch(torch, upper):
    def sym(lib):
        return lambda A: lib.cholesky((A + A.mT) / 2, upper)
    compare_with_torch(torch, sym(mg), sym(torch), [_spd(2, seed=1)])
    L = _factor(3, seed=2)
    L = np.swapaxes(L, -1, -2) if upper else L
    # Only the factor's triangle is read; PyTorch also reports a gradient for the other one (that of (L Lᵀ)^-1 B
    # as if all of L were used), so both sides pass through the triangle and compare the gradient there.
    def tri(lib, F):
        return lib.triu(F) if upper else lib.tril(F)
    compare_with_torch(torch, lambda B, F: mg.cholesky_solve(B, tri(mg, F), upper),
                       lambda B, F: torch.cholesky_solve(B, tri(torch, F), upper), [randn(4, 2, seed=3), L])
    compare_with_torch(torch, lambda F: mg.cholesky_inverse(tri(mg, F), upper),
                       lambda F: torch.cholesky_inverse(tri(torch, F), upper), [L[0]])
    compare_with_torch(torch, lambda B, F: B.cholesky_solve(tri(mg, F), upper),
                       lambda B, F: B.cholesky_solve(tri(torch, F), upper), [randn(3, 4, 1, seed=4), L])
    b, full = mg.tensor(randn(4, 2, seed=3)), mg.tensor(L + np.swapaxes(L, -1, -2) * (1 - np.eye(4)))  # unread
    np.testing.assert_allclose(mg.cholesky_solve(b, full, upper).numpy(),
                               mg.cholesky_solve(b, mg.tensor(L), upper).numpy(), rtol=1e-12)


def test_cholesky_family_gradcheck(device):
    check_grad(lambda A: mg.cholesky((A + A.mT) / 2, True), _spd(n=3, seed=5), device=device)
    check_grad(lambda B, F: mg.cholesky_solve(B, mg.tril(F)), randn(2, 3, 2, seed=6), _factor(n=3, seed=7),
               device=device)
    check_grad(lambda F: mg.cholesky_inverse(mg.triu(F), upper=True), np.swapaxes(_factor(n=3, seed=8), 0, 1),
               device=device)


def test_cholesky_family_errors():
    with pytest.raises(mg.linalg.LinAlgError, match="^cholesky: The factorization could not be completed.*order 1"):
        mg.cholesky(-mg.eye(2))
    with pytest.raises(ValueError, match="Incompatible matrix sizes for cholesky_solve: each A matrix is 4 by 4 but "
                                         "each b matrix is 3 by 2"):
        mg.cholesky_solve(mg.randn(3, 2), mg.randn(4, 4))
    with pytest.raises(TypeError, match="Expected b and A to have the same dtype, but found b of type float32 and A "
                                        "of type float64"):
        mg.cholesky_solve(mg.randn(3, 2), mg.randn(3, 3, dtype=mg.float64))
    with pytest.raises(ValueError, match="cholesky_inverse: A must be batches of square matrices, but they are 3 by 4"):
        mg.cholesky_inverse(mg.randn(3, 4))
    with pytest.raises(mg.linalg.LinAlgError, match="cholesky_inverse: The diagonal element 2 is zero"):
        mg.cholesky_inverse(mg.tensor([[1.0, 0.0], [2.0, 0.0]]))


# ----------------------------------------------------------------- QR and the Householder family
@pytest.mark.parametrize("shape", [(4, 3), (3, 3), (2, 5, 3)])
@pytest.mark.parametrize("some", [True, False])
def test_qr_matches_torch(torch, shape, some):
    a = randn(*shape, seed=9)
    differentiable = some or shape[-2] <= shape[-1]     # as in PyTorch: a complete Q of a tall A has no gradient
    for k in (0, 1):
        compare_with_torch(torch, lambda A: mg.qr(A, some)[k], lambda A: torch.qr(A, some)[k], [a], grad=differentiable)
    assert mg.tensor(a).qr(some).R.shape == tuple(torch.tensor(a).qr(some).R.shape)


@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5), (2, 4, 3), (1, 1)])
def test_geqrf_orgqr_ormqr_match_torch(torch, shape):
    a = randn(*shape, seed=10)
    ours, theirs = mg.geqrf(mg.tensor(a)), torch.geqrf(torch.tensor(a))
    np.testing.assert_allclose(ours.a.numpy(), theirs.a.numpy(), atol=1e-12)
    np.testing.assert_allclose(ours.tau.numpy(), theirs.tau.numpy(), atol=1e-12)
    assert ours.a.grad_fn is None and mg.tensor(a).geqrf().tau.shape == tuple(theirs.tau.shape)
    h, tau = ours.a.numpy(), ours.tau.numpy()
    m = shape[-2]
    if shape[-2] >= shape[-1]:
        compare_with_torch(torch, mg.orgqr, torch.orgqr, [h, tau])
    for left in (True, False):
        for transpose in (False, True):
            c = randn(*shape[:-2], *((m, 2) if left else (2, m)), seed=11)
            compare_with_torch(torch, lambda A, t, C: A.ormqr(t, C, left, transpose),
                               lambda A, t, C: torch.ormqr(A, t, C, left, transpose), [h, tau, c])


def test_geqrf_of_a_column_already_reduced_as_lapack(torch):
    a = np.array([[2.0, 1.0], [0.0, 3.0], [0.0, 4.0]])
    ours, theirs = mg.geqrf(mg.tensor(a)), torch.geqrf(torch.tensor(a))
    np.testing.assert_allclose(ours.a.numpy(), theirs.a.numpy(), atol=1e-14)
    np.testing.assert_allclose(ours.tau.numpy(), theirs.tau.numpy(), atol=1e-14)


def test_householder_family_gradcheck(device):
    h, tau = (t.numpy() for t in mg.geqrf(mg.tensor(randn(4, 3, seed=12))))
    check_grad(lambda A, t: mg.orgqr(A, t), h, tau, device=device)
    check_grad(lambda A, t, C: mg.ormqr(A, t, C, False, True), h, tau, randn(2, 4, seed=13), device=device)
    check_grad(lambda A: mg.qr(A, False).R.sum(-1) + mg.qr(A)[0].sum(-1), randn(3, 4, seed=14), device=device)


def test_householder_family_errors():
    with pytest.raises(ValueError, match="torch.geqrf: input must have at least 2 dimensions"):
        mg.geqrf(mg.randn(3))
    with pytest.raises(ValueError, match="input.shape\\[-1\\] must be greater than or equal to tau.shape\\[-1\\]"):
        mg.orgqr(mg.randn(3, 2), mg.randn(3))
    with pytest.raises(ValueError, match="torch.ormqr: other.shape\\[-2\\] must be equal to input.shape\\[-2\\]"):
        mg.ormqr(mg.randn(3, 2), mg.randn(2), mg.randn(4, 2))
    with pytest.raises(TypeError, match="torch.geqrf: Expected a floating point"):
        mg.geqrf(mg.tensor([[1, 2], [3, 4]]))


# ----------------------------------------------------------------- LU and triangular solves
@pytest.mark.parametrize("shape", [(4, 4), (2, 3, 3), (5, 3), (3, 5)])
def test_lu_and_lu_unpack_match_torch(torch, shape):
    a = randn(*shape, seed=15)
    LU, piv = mg.lu(mg.tensor(a))
    tLU, tpiv = torch.lu(torch.tensor(a))
    assert piv.dtype == np.int32 and piv.tolist() == tpiv.tolist()
    compare_with_torch(torch, lambda A: mg.lu(A)[0], lambda A: torch.lu(A)[0], [a])
    np.testing.assert_array_equal(mg.lu_unpack(LU, piv).P.numpy(), torch.lu_unpack(tLU, tpiv).P.numpy())
    for k in (1, 2):
        compare_with_torch(torch, lambda A: mg.lu_unpack(*A.lu())[k], lambda A: torch.lu_unpack(*A.lu())[k], [a])
    infos = mg.lu(mg.tensor(a), get_infos=True).infos
    assert infos.dtype == np.int32 and infos.shape == shape[:-2] and not infos.numpy().any()
    P, L, U = mg.lu_unpack(LU, piv, unpack_data=False)
    assert L.shape == U.shape == (0,) and P.shape == shape[:-2] + (shape[-2],) * 2
    P, L, U = mg.lu_unpack(LU, piv, unpack_pivots=False)
    assert P.shape == (0,)


def test_lu_of_a_singular_matrix_reports_it_in_infos(torch):
    ours, theirs = mg.lu(mg.zeros(2, 2), get_infos=True), torch.lu(torch.zeros(2, 2), get_infos=True)
    assert ours.infos.item() == theirs[2].item() == 1 and ours.pivots.tolist() == theirs[1].tolist()


def test_lu_solve_matches_torch(torch):
    a, b = randn(2, 4, 4, seed=16) + 4 * np.eye(4), randn(4, 3, seed=17)
    LU, piv = mg.lu(mg.tensor(a))
    compare_with_torch(torch, lambda B, F: mg.lu_solve(B, F, piv),
                       lambda B, F: torch.lu_solve(B, F, torch.tensor(piv.numpy())), [b, LU.numpy()])
    compare_with_torch(torch, lambda B, A: B.lu_solve(*mg.lu(A)), lambda B, A: B.lu_solve(*torch.lu(A)), [b, a])


@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("transpose", [False, True])
@pytest.mark.parametrize("unitriangular", [False, True])
def test_triangular_solve_matches_torch(torch, upper, transpose, unitriangular):
    a, b = randn(2, 4, 4, seed=18) + 3 * np.eye(4), randn(4, 2, seed=19)
    for k in (0, 1):
        compare_with_torch(torch, lambda B, A: mg.triangular_solve(B, A, upper, transpose, unitriangular)[k],
                           lambda B, A: torch.triangular_solve(B, A, upper, transpose, unitriangular)[k], [b, a])
    assert mg.tensor(b).triangular_solve(mg.tensor(a), upper).solution.shape == (2, 4, 2)


def test_lu_and_triangular_gradcheck(device):
    check_grad(lambda A: mg.lu_unpack(*mg.lu(A))[1] + mg.lu(A).LU, randn(4, 4, seed=20), device=device)
    check_grad(lambda B, A: mg.lu_solve(B, *mg.lu(A)), randn(3, 2, seed=21), randn(3, 3, seed=22) + 2 * np.eye(3),
               device=device)
    check_grad(lambda B, A: mg.triangular_solve(B, A, False, True).solution, randn(2, 3, 1, seed=23),
               _triangular(n=3, seed=24), device=device)


def test_lu_and_triangular_errors():
    with pytest.raises(ValueError, match="Expected tensor with 2 or more dimensions. Got size: \\[3\\]"):
        mg.lu(mg.randn(3))
    with pytest.raises(ValueError, match="Incompatible matrix sizes for triangular_solve: each A matrix is 4 by 4"):
        mg.triangular_solve(mg.randn(3, 2), mg.randn(4, 4))
    with pytest.raises(TypeError, match="lu_unpack: LU_pivots is expected to be a contiguous tensor of torch.int32"):
        mg.lu_unpack(mg.randn(3, 3), mg.tensor([1, 2, 3]))
    with pytest.raises(TypeError, match="lu_solve: Expected LU_data and B to have the same dtype"):
        mg.lu_solve(mg.randn(3, 1), *mg.lu(mg.randn(3, 3, dtype=mg.float64)))
    solution, _ = mg.triangular_solve(mg.zeros(2, 1), mg.zeros(2, 2))
    assert np.isnan(solution.numpy()).all()


# ----------------------------------------------------------------- norms and incomplete gamma
def test_legacy_norms_match_torch(torch):
    a = randn(3, 4, 5, seed=25)
    compare_with_torch(torch, mg.nuclear_norm, torch.nuclear_norm, [a])
    compare_with_torch(torch, lambda A: mg.nuclear_norm(A, True), lambda A: torch.nuclear_norm(A, True), [a])
    compare_with_torch(torch, lambda A: mg.nuclear_norm(A, (0, 2), True), lambda A: torch.nuclear_norm(A, (0, 2), True),
                       [a])
    compare_with_torch(torch, lambda A: mg.frobenius_norm(A, (1, -1)), lambda A: torch.frobenius_norm(A, (1, -1)), [a])
    compare_with_torch(torch, lambda A: mg.frobenius_norm(A, 0, True), lambda A: torch.frobenius_norm(A, 0, True), [a])
    with pytest.raises(TypeError, match="frobenius_norm\\(\\): argument 'dim' .* must be tuple of ints, not bool"):
        mg.frobenius_norm(mg.tensor(a), True)


def test_igamma_igammac_match_torch(torch):
    a, x = np.array([[0.4], [2.0], [7.5]]), np.array([0.3, 2.5, 11.0, 1.1])
    compare_with_torch(torch, lambda X: mg.igamma(mg.tensor(a), X), lambda X: torch.igamma(torch.tensor(a), X), [x])
    compare_with_torch(torch, lambda X: mg.tensor(a).igammac(X), lambda X: torch.tensor(a).igammac(X), [x])
    assert mg.igamma(mg.tensor([1, 2]), mg.tensor([1, 1])).dtype == np.float32


def test_legacy_norms_and_igamma_gradcheck(device):
    check_grad(lambda A: mg.nuclear_norm(A) + mg.frobenius_norm(A, (0, 1)), randn(4, 3, seed=26), device=device)
    check_grad(lambda x: mg.igamma(mg.tensor([[0.4], [2.0]], dtype=mg.float64, device=device), x)
               + mg.igammac(mg.tensor(1.5, dtype=mg.float64, device=device), x), np.array([0.3, 2.5, 1.1]),
               device=device)


# ----------------------------------------------------------------- low-rank SVD and PCA
@pytest.mark.parametrize("shape, rank, q", [((7, 5), 3, 4), ((5, 8), 2, 3), ((2, 6, 6), 6, 6), ((9, 3), 3, 6)])
def test_svd_lowrank_is_exact_on_low_rank_matrices(torch, shape, rank, q):
    *batch, m, n = shape
    a = randn(*batch, m, rank, seed=27) @ randn(*batch, rank, n, seed=28)
    U, S, V = mg.svd_lowrank(mg.tensor(a), q=q)
    tU, tS, tV = torch.svd_lowrank(torch.tensor(a), q=q)
    assert (U.shape, S.shape, V.shape) == (tuple(tU.shape), tuple(tS.shape), tuple(tV.shape))
    np.testing.assert_allclose(S.numpy()[..., :rank], tS.numpy()[..., :rank], rtol=1e-10)
    np.testing.assert_allclose(((U * S[..., None, :]) @ V.mT).numpy(), a, atol=1e-10)
    np.testing.assert_allclose((U.mT @ U).numpy(), np.broadcast_to(np.eye(U.shape[-1]), batch + [U.shape[-1]] * 2),
                               atol=1e-10)


def test_svd_lowrank_subtracts_m_and_pca_centres(torch):
    a = randn(8, 2, seed=29) @ randn(2, 5, seed=30) + randn(1, 5, seed=31)
    mu = a.mean(0, keepdims=True)
    U, S, V = mg.svd_lowrank(mg.tensor(a), q=3, M=mg.tensor(mu))
    np.testing.assert_allclose(((U * S) @ V.T).numpy(), a - mu, atol=1e-10)
    for q in (None, 2):
        ours, theirs = mg.pca_lowrank(mg.tensor(a), q=q), torch.pca_lowrank(torch.tensor(a), q=q)
        assert [t.shape for t in ours] == [tuple(t.shape) for t in theirs]
        np.testing.assert_allclose(ours[1].numpy()[:2], theirs[1].numpy()[:2], rtol=1e-10)
    with pytest.raises(ValueError, match="q\\(=9\\) must be non-negative integer and not greater than min\\(m, n\\)=5"):
        mg.pca_lowrank(mg.tensor(a), q=9)


def test_svd_lowrank_gradcheck_for_a_fixed_draw(device):
    def fn(A):
        mg.manual_seed(3)
        U, S, V = mg.svd_lowrank(A, q=3, niter=1)
        return (U * S) @ V.mT + S.sum()
    check_grad(fn, randn(5, 2, seed=32) @ randn(2, 4, seed=33) + 0.01 * randn(5, 4, seed=34), device=device)
    check_grad(lambda A: (mg.manual_seed(4), mg.pca_lowrank(A, 2)[1])[1], randn(6, 3, seed=35), device=device)


def test_tensor_methods_are_the_functions(torch):
    L, a = _factor(seed=36), randn(4, 3, seed=37)
    h, tau = mg.tensor(a).geqrf()
    pairs = [(mg.tensor(L).cholesky_inverse(), torch.tensor(L).cholesky_inverse()),
             (mg.tensor(_spd(seed=38)).cholesky(True), torch.tensor(_spd(seed=38)).cholesky(True)),
             (h.orgqr(tau), torch.tensor(h.numpy()).orgqr(torch.tensor(tau.numpy()))),
             (mg.tensor([0.5, 2.0]).igamma(mg.tensor([1.0, 3.0])),
              torch.tensor([0.5, 2.0]).igamma(torch.tensor([1.0, 3.0])))]
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, atol=1e-12)
