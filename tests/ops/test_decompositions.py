"""minigan.linalg, part 2: cholesky, qr, eigh/eigvalsh, svd/svdvals (and the older mg.svd), pinv, matrix_rank,
cond. Values and gradients against PyTorch where they are defined: eigenvectors and singular vectors only up
to sign, so their losses are ones that do not see the sign (|V|, U diag(S) Vh); eigh's and cholesky's
gradients are PyTorch's symmetric ones, so gradcheck runs them on a symmetric function of the input."""
import numpy as np
import pytest

import minigan as mg
import minigan.linalg as LA

from helpers import check_grad, compare_with_torch, randn, tensors
from ops.test_linalg import conditioned


def spd(*shape, seed=0):
    """Symmetric positive-definite matrices ``Q diag(λ) Qᵀ``, eigenvalues in [1, 3] and kept apart."""
    a = conditioned(*shape, seed=seed)
    U = np.linalg.svd(a)[0]
    return (U * np.linalg.svd(a)[1][..., None, :]) @ np.swapaxes(U, -1, -2)


def sym():
    """``x -> (x + xᵀ) / 2``: gradcheck perturbs every entry, so a function that reads one triangle gets a
    symmetric input."""
    return lambda x: (x + x.mT) / 2


SHAPES = [(1, 1), (3, 3), (5, 5), (2, 4, 4), (2, 1, 3, 3)]
RECT = [(5, 3), (3, 5), (2, 4, 2), (2, 2, 5), (1, 1), (4, 4)]


# ----------------------------------------------------------------- cholesky
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_cholesky_matches_torch(torch, shape):
    a = spd(*shape, seed=1)
    compare_with_torch(torch, LA.cholesky, torch.linalg.cholesky, [a])
    compare_with_torch(torch, lambda x: LA.cholesky(x, upper=True), lambda x: torch.linalg.cholesky(x, upper=True),
                       [a])


def test_cholesky_reads_the_lower_triangle_and_its_gradient_is_symmetric():
    a = spd(4, 4, seed=2)
    x = mg.tensor(np.tril(a) + np.triu(np.full((4, 4), 7.0), 1), requires_grad=True)   # junk above the diagonal
    L = LA.cholesky(x)
    np.testing.assert_allclose(L.numpy(), np.linalg.cholesky(a), rtol=1e-12)
    (L * mg.tensor(randn(4, 4, seed=3))).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), x.grad.numpy().T, rtol=1e-12)


def test_cholesky_gradcheck_and_gradgradcheck(device):
    a = spd(2, 3, 3, seed=4)
    check_grad(lambda x: LA.cholesky(sym()(x)), a, device=device)
    check_grad(lambda x: LA.cholesky(sym()(x), upper=True), a[0], device=device)
    mg.gradgradcheck(lambda x: LA.cholesky(sym()(x)), tensors(device, a))


def test_cholesky_of_a_matrix_not_positive_definite_names_the_minor_and_the_batch_element():
    m = np.diag([1.0, -1.0, 1.0])
    with pytest.raises(LA.LinAlgError, match=r"linalg.cholesky: \(Batch element 1\): The factorization could not be "
                                             r"completed .* \(the leading minor of order 2 is not positive-definite"):
        LA.cholesky(mg.tensor(np.stack([np.eye(3), m])))
    with pytest.raises(LA.LinAlgError, match=r"^linalg.cholesky: The factorization .* order 1 "):
        LA.cholesky(mg.tensor(-np.eye(2)))
    with pytest.raises(ValueError, match="linalg.cholesky: A must be batches of square matrices"):
        LA.cholesky(mg.tensor(np.ones((2, 3))))


# ----------------------------------------------------------------- qr
@pytest.mark.parametrize("shape", RECT, ids=str)
@pytest.mark.parametrize("mode", ["reduced", "complete"])
def test_qr_matches_torch(torch, device, shape, mode):
    a = randn(*shape, seed=5)
    for part in ("Q", "R"):
        compare_with_torch(torch, lambda x: getattr(LA.qr(x, mode), part), lambda x: getattr(torch.linalg.qr(x, mode),
                                                                                             part), [a], grad=False)
    if mode == "complete" and shape[-2] > shape[-1]:
        return      # not differentiable, as in PyTorch (tested below)
    both = (lambda lib: lambda x: (lambda q, r: q.sum() * r + (q * q * q).sum())(
        *(LA.qr(x, mode) if lib is None else lib.linalg.qr(x, mode))))
    compare_with_torch(torch, both(None), both(torch), [a])
    check_grad(both(None), a, device=device)


def test_qr_gradgradcheck_and_mode_r(device):
    mg.gradgradcheck(lambda x: LA.qr(x).Q.sum() * LA.qr(x).R, tensors(device, randn(4, 3, seed=6)))
    Q, R = LA.qr(mg.tensor(randn(2, 4, 3, seed=7)), mode="r")
    assert Q.shape == (0,) and R.shape == (2, 3, 3)
    np.testing.assert_allclose(R.numpy(), LA.qr(mg.tensor(randn(2, 4, 3, seed=7))).R.numpy(), rtol=1e-12)


def test_qr_errors():
    with pytest.raises(ValueError, match="qr received unrecognized mode 'full' but expected one of 'reduced'"):
        LA.qr(mg.tensor(np.eye(2)), "full")
    with pytest.raises(ValueError, match="linalg.qr: The input tensor A must have at least 2 dimensions"):
        LA.qr(mg.tensor(np.ones(3)))
    x = mg.tensor(randn(4, 2, seed=8), requires_grad=True)
    with pytest.raises(ValueError, match="linalg.qr: The QR decomposition is not differentiable when "
                                         "mode='complete' and nrows > ncols"):
        LA.qr(x, "complete").Q.sum().backward()


# ----------------------------------------------------------------- eigh, eigvalsh
def _eig_loss(lib_linalg, uplo="L"):
    """A loss that does not see the eigenvectors' signs: λ-weighted |V| and V diag(λ²) Vᵀ."""
    def f(x):
        w, V = lib_linalg.eigh(x, uplo)
        return V.abs() * w[..., None, :] + (V * (w * w)[..., None, :]) @ V.mT
    return f


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigh_matches_torch(torch, shape, uplo):
    a = randn(*shape, seed=9)                                    # not symmetric: only one triangle is read
    compare_with_torch(torch, lambda x: LA.eigh(x, uplo).eigenvalues,
                       lambda x: torch.linalg.eigh(x, uplo).eigenvalues, [a])
    compare_with_torch(torch, lambda x: LA.eigvalsh(x, uplo), lambda x: torch.linalg.eigvalsh(x, uplo), [a])
    compare_with_torch(torch, _eig_loss(LA, uplo), _eig_loss(torch.linalg, uplo), [spd(*shape, seed=10)], atol=1e-8)


def test_eigh_gradcheck_and_gradgradcheck(device):
    a = spd(2, 4, 4, seed=11)
    check_grad(lambda x: _eig_loss(LA)(sym()(x)), a, device=device)
    check_grad(lambda x: LA.eigvalsh(sym()(x), "U"), a, device=device)
    mg.gradgradcheck(lambda x: _eig_loss(LA)(sym()(x)), tensors(device, a[0]))


def test_eigvalsh_gradient_where_eigenvalues_repeat_is_finite_as_torch(torch):
    # the identity has one eigenvalue three times over: its eigenvectors have no gradient, its eigenvalues do
    c = np.array([1.0, 2.0, 5.0])
    compare_with_torch(torch, lambda x: LA.eigvalsh(x) * mg.tensor(c), lambda x: torch.linalg.eigvalsh(x) *
                       torch.tensor(c), [np.eye(3)])
    x = mg.tensor(np.eye(3), requires_grad=True)
    (LA.eigvalsh(x) * mg.tensor(c)).sum().backward()
    assert np.trace(x.grad.numpy()) == pytest.approx(c.sum())


def test_eigh_errors():
    with pytest.raises(ValueError, match="linalg.eigh: Expected UPLO argument to be 'L' or 'U', but got X"):
        LA.eigh(mg.tensor(np.eye(2)), "X")
    with pytest.raises(ValueError, match="linalg.eigh: A must be batches of square matrices, but they are 2 by 3"):
        LA.eigh(mg.tensor(np.ones((2, 3))))


# ----------------------------------------------------------------- svd, svdvals, mg.svd
def _svd_loss(lib_linalg, full):
    """Gauge-invariant: U diag(S) Vh, |U|, |Vh| (the first min(m, n) singular vectors only)."""
    def f(x):
        U, S, Vh = lib_linalg.svd(x, full_matrices=full)
        k = S.shape[-1]
        U, Vh = U[..., :k], Vh[..., :k, :]
        return (U * S[..., None, :]) @ Vh + U.abs().sum(-1, keepdim=True) + Vh.abs().sum(-2, keepdim=True)
    return f


@pytest.mark.parametrize("shape", RECT, ids=str)
@pytest.mark.parametrize("full", [False, True])
def test_svd_matches_torch(torch, device, shape, full):
    a = conditioned(*shape, seed=12)
    ours, theirs = LA.svd(mg.tensor(a), full), torch.linalg.svd(torch.tensor(a), full)
    assert ours.U.shape == tuple(theirs.U.shape) and ours.Vh.shape == tuple(theirs.Vh.shape)
    compare_with_torch(torch, lambda x: LA.svd(x, full).S, lambda x: torch.linalg.svd(x, full).S, [a])
    compare_with_torch(torch, LA.svdvals, torch.linalg.svdvals, [a])
    compare_with_torch(torch, _svd_loss(LA, full), _svd_loss(torch.linalg, full), [a], atol=1e-8)
    check_grad(_svd_loss(LA, full), a, device=device)


def test_svd_gradgradcheck(device):
    mg.gradgradcheck(_svd_loss(LA, False), tensors(device, conditioned(4, 3, seed=13)))
    mg.gradgradcheck(LA.svdvals, tensors(device, conditioned(2, 5, seed=14)))


def test_svdvals_gradient_where_singular_values_repeat_is_finite_as_torch(torch):
    q = np.linalg.qr(randn(3, 3, seed=15))[0]                  # orthogonal: every singular value is 1
    compare_with_torch(torch, lambda x: LA.svdvals(x) * mg.tensor([1.0, 2.0, 3.0]),
                       lambda x: torch.linalg.svdvals(x) * torch.tensor([1.0, 2.0, 3.0]), [q])


@pytest.mark.parametrize("some", [True, False])
def test_older_svd_returns_v_as_torch(torch, some):
    a = conditioned(2, 5, 3, seed=16)
    ours, theirs = mg.svd(mg.tensor(a), some=some), torch.svd(torch.tensor(a), some=some)
    assert ours._fields == ("U", "S", "V") and ours.V.shape == tuple(theirs.V.shape)
    np.testing.assert_allclose(np.abs(ours.V.numpy()), np.abs(theirs.V.numpy()), atol=1e-12)
    compare_with_torch(torch, lambda x: (lambda r: (r.U[..., :3] * r.S[..., None, :]) @ r.V[..., :3].mT)(x.svd(some)),
                       lambda x: (lambda r: (r.U[..., :3] * r.S[..., None, :]) @ r.V[..., :3].mT)(x.svd(some)), [a])
    no_uv = mg.svd(mg.tensor(a), compute_uv=False)
    assert no_uv.U.shape == (2, 5, 5) and no_uv.V.shape == (2, 3, 3) and not no_uv.U.numpy().any()
    np.testing.assert_allclose(no_uv.S.numpy(), theirs.S.numpy(), rtol=1e-12)


# ----------------------------------------------------------------- pinv, matrix_rank, cond
@pytest.mark.parametrize("shape", RECT, ids=str)
def test_pinv_matches_torch(torch, device, shape):
    a = conditioned(*shape, seed=17)
    compare_with_torch(torch, LA.pinv, torch.linalg.pinv, [a])
    compare_with_torch(torch, lambda x: x.pinverse(), lambda x: x.pinverse(), [a])
    check_grad(LA.pinv, a, device=device)


def test_pinv_tolerances_hermitian_and_rank_deficient_input_as_torch(torch, device):
    a = conditioned(2, 4, 4, seed=18)
    for kw in (dict(atol=2.0), dict(rtol=0.6), dict(atol=0.5, rtol=0.1)):
        compare_with_torch(torch, lambda x: LA.pinv(x, **kw), lambda x: torch.linalg.pinv(x, **kw), [a])
    s = spd(4, 4, seed=19) - 2 * np.eye(4)                        # symmetric, eigenvalues of both signs
    compare_with_torch(torch, lambda x: LA.pinv(x, hermitian=True), lambda x: torch.linalg.pinv(x, hermitian=True), [s])
    check_grad(lambda x: LA.pinv(sym()(x), hermitian=True), s, device=device)
    low = randn(5, 2, seed=20) @ randn(2, 4, seed=21)             # rank 2
    compare_with_torch(torch, LA.pinv, torch.linalg.pinv, [low], grad=False)
    mg.gradgradcheck(LA.pinv, tensors(device, a[0]))


def test_matrix_rank_as_torch(torch):
    low = np.stack([randn(5, 2, seed=22) @ randn(2, 4, seed=23), randn(5, 4, seed=24), np.zeros((5, 4))])
    for kw in (dict(), dict(atol=1.0), dict(rtol=0.5)):
        assert LA.matrix_rank(mg.tensor(low), **kw).tolist() == torch.linalg.matrix_rank(torch.tensor(low),
                                                                                         **kw).tolist()
    s = spd(3, 3, seed=25) * np.array([1.0, 1.0, 0.0])
    s = s @ s.T
    ours = LA.matrix_rank(mg.tensor(s), hermitian=True)
    assert ours.dtype == np.int64 and ours.item() == torch.linalg.matrix_rank(torch.tensor(s), hermitian=True).item()
    assert LA.matrix_rank(mg.tensor(low)).requires_grad is False


@pytest.mark.parametrize("p", [None, 2, -2, "fro", "nuc", 1, -1, float("inf"), -float("inf")])
def test_cond_as_torch(torch, device, p):
    a = conditioned(2, 3, 3, seed=26)
    t_cond = torch.linalg.cond(torch.tensor(a), p).numpy()
    np.testing.assert_allclose(LA.cond(mg.tensor(a), p).numpy(), t_cond, rtol=1e-10)
    check_grad(lambda x: LA.cond(x, p), a, device=device)
    if p in (None, 2, -2):          # torch's backward of the inverse-based orders fails (an in-place clash)
        compare_with_torch(torch, lambda x: LA.cond(x, p), lambda x: torch.linalg.cond(x, p), [a])
    wide = conditioned(2, 5, seed=27)
    if p is None:
        compare_with_torch(torch, LA.cond, torch.linalg.cond, [wide])
    elif p == "fro":
        with pytest.raises(ValueError, match=r"linalg.cond\(ord=fro\): A must be batches of square matrices"):
            LA.cond(mg.tensor(wide), p)


def test_float32_stays_float32():
    a = mg.tensor(spd(2, 3, 3, seed=28).astype(np.float32), requires_grad=True)
    outs = [LA.cholesky(a), *LA.qr(a), *LA.eigh(a), *LA.svd(a), LA.svdvals(a), LA.pinv(a), LA.cond(a),
            LA.eigvalsh(a), mg.svd(a).V]
    assert all(o.dtype == np.float32 for o in outs)
    (outs[0].sum() + outs[-3].sum() + outs[3].sum()).backward()
    assert a.grad.dtype == np.float32


def test_integer_input_is_refused():
    for fn, op in ((LA.cholesky, "linalg.cholesky"), (LA.svd, "linalg.svd"), (LA.pinv, "linalg.pinv"),
                   (LA.eigh, "linalg.eigh"), (LA.matrix_rank, "linalg.matrix_rank")):
        with pytest.raises(TypeError, match=f"{op}: Expected a floating point or complex tensor as input. Got int64"):
            fn(mg.tensor(np.eye(3, dtype=np.int64)))
