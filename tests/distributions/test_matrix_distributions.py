"""Wishart and LKJCholesky, distributions over matrices: log_prob, entropy, mean, variance and mode against
torch.distributions on batched parameters (values and gradients, float64), gradchecks on every device, shapes
and support of draws, sample moments over many seeded draws, the singular-draw correction, and errors as torch's."""
import warnings

import numpy as np
import pytest

import minigan as mg
import minigan.distributions as D
from minigan.distributions import constraints

from helpers import check_grad, compare_with_torch, randn

KINDS = ["covariance_matrix", "precision_matrix", "scale_tril"]
A = randn(2, 1, 3, 3, seed=1)
COV = A @ np.swapaxes(A, -1, -2) + np.eye(3)                    # (2, 1, 3, 3)
DF = np.array([2.5, 3.7, 4.2, 9.0])                             # batch (2, 4); 2.5 and 3.7 give a nan mode
B = randn(5, 2, 4, 3, 3, seed=3)
VALUES = B @ np.swapaxes(B, -1, -2) + 0.5 * np.eye(3)          # (5, 2, 4, 3, 3) positive-definite
# df between p - 1 and p is asked for on purpose; torch warns of singular draws it has not made (see the redraws)
pytestmark = [pytest.mark.filterwarnings("ignore:Low df values detected"),
              pytest.mark.filterwarnings("ignore:Singular sample detected")]


def _matrix(kind, cov=COV):
    return np.linalg.cholesky(cov) if kind == "scale_tril" else cov if kind == "covariance_matrix" else \
        np.linalg.inv(cov)


def _from_free(kind, a):
    """A valid matrix of ``kind`` from any square ``a`` by differentiable ops (gradcheck perturbs every entry)."""
    if kind == "scale_tril":
        return mg.tril(a, -1) + mg.diag_embed(mg.exp(mg.diagonal(a, 0, -2, -1)))
    return a @ a.transpose(-1, -2) + mg.eye(a.shape[-1], dtype=a.dtype, device=a.device)


# ----------------------------------------------------------------- Wishart: parity with torch
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("what", ["log_prob", "entropy", "mean", "variance", "mode"])
def test_wishart_matches_torch(torch, kind, what):
    def get(d, v):
        return d.log_prob(v) if what == "log_prob" else d.entropy() if what == "entropy" else getattr(d, what)
    # log_prob: torch's cholesky_solve reads only the lower triangle of scale_tril but sends gradient to its upper
    # one too; minigan's (triangular solves) keeps it on the triangle it reads, where finite differences put it
    lower = (lambda s: s.tril()) if (kind, what) == ("scale_tril", "log_prob") else (lambda s: s)
    compare_with_torch(torch, lambda df, s, v: get(D.Wishart(df, **{kind: s}), v),
                       lambda df, s, v: get(torch.distributions.Wishart(df, **{kind: lower(s)}), v),
                       [DF, _matrix(kind), VALUES], atol=1e-8, rtol=1e-8)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("other", KINDS)
def test_wishart_matrices_match_torch(torch, kind, other):
    ours = D.Wishart(mg.tensor(DF), **{kind: mg.tensor(_matrix(kind))})
    theirs = torch.distributions.Wishart(torch.tensor(DF), **{kind: torch.tensor(_matrix(kind))})
    np.testing.assert_allclose(getattr(ours, other).numpy(), getattr(theirs, other).numpy(), rtol=1e-9, atol=1e-12)


def test_wishart_shapes_as_torch(torch):
    cases = [(5.0, (3, 3)), (np.array([4.0, 6.0]), (3, 3)), (np.array([[4.0], [6.0]]), (5, 3, 3)),
             (4.5, (2, 1, 3, 3)), (np.array(7.0), (1, 3, 3))]
    for df, shape in cases:
        cov = np.broadcast_to(np.eye(3), shape)
        ours = D.Wishart(mg.tensor(df) if isinstance(df, np.ndarray) else df, mg.tensor(cov))
        theirs = torch.distributions.Wishart(torch.tensor(df) if isinstance(df, np.ndarray) else df, torch.tensor(cov))
        assert ours.batch_shape == tuple(theirs.batch_shape) and ours.event_shape == (3, 3)
        assert ours.sample((2, 1)).shape == tuple(theirs.sample((2, 1)).shape)
        assert ours.entropy().shape == tuple(theirs.entropy().shape) == ours.batch_shape
        if isinstance(df, np.ndarray):      # (a number df torch keeps 0-d, and then its mean fails to view it)
            assert ours.df.shape == tuple(theirs.df.shape)
        for name in KINDS:
            assert getattr(ours, name).shape == tuple(getattr(theirs, name).shape)


def test_wishart_dtypes_follow_the_matrix():
    d = D.Wishart(4, covariance_matrix=mg.eye(3))
    assert d.df.dtype == np.float32 and d.sample().dtype == np.float32 and d.entropy().dtype == np.float32
    d = D.Wishart(mg.tensor([4.0, 5.0]), scale_tril=mg.eye(2, dtype="float64"))
    assert d.df.dtype == np.float64 and d.log_prob(mg.eye(2, dtype="float64")).dtype == np.float64


# ----------------------------------------------------------------- Wishart: gradchecks
@pytest.mark.parametrize("kind", KINDS)
def test_wishart_gradcheck(device, kind):
    a = A[0] + 0.3 * np.eye(3)                                  # (1, 3, 3): broadcast against df (2,)
    df = np.array([3.3, 6.1])
    check_grad(lambda df, a, v: D.Wishart(df, **{kind: _from_free(kind, a)}).log_prob(v),
               df, a, VALUES[:2, :1, :2], device=device)
    check_grad(lambda df, a: D.Wishart(df, **{kind: _from_free(kind, a)}).entropy(), df, a, device=device)

    def draw(a):                    # the gradient in df goes through the chi-squared draws' implicit one
        mg.manual_seed(5)
        return D.Wishart(mg.tensor(df, device=a.device), **{kind: _from_free(kind, a)}).rsample((2,))
    check_grad(draw, a, device=device)


def test_wishart_rsample_reaches_df():
    df = mg.tensor([3.5, 8.0], dtype="float64", requires_grad=True)
    x = D.Wishart(df, covariance_matrix=mg.eye(3, dtype="float64")).rsample((4,))
    x.sum().backward()
    assert df.grad is not None and np.all(np.isfinite(df.grad.numpy())) and np.all(df.grad.numpy() != 0)


# ----------------------------------------------------------------- Wishart: draws
def test_wishart_samples_are_positive_definite_with_the_right_moments():
    cov = mg.tensor(np.array([[2.0, 0.5, 0.0], [0.5, 1.0, -0.3], [0.0, -0.3, 1.5]]))
    d = D.Wishart(mg.tensor([3.5, 7.0]), covariance_matrix=cov)
    mg.manual_seed(11)
    x = d.sample((40_000,))
    assert x.shape == (40_000, 2, 3, 3) and not x.requires_grad
    assert bool(constraints.positive_definite.check(x).data.all())
    np.testing.assert_allclose(x.numpy(), np.swapaxes(x.numpy(), -1, -2), atol=1e-12)
    np.testing.assert_allclose(x.numpy().mean(0), d.mean.numpy(), atol=0.15)         # std of a mean: < 0.04
    np.testing.assert_allclose(x.numpy().var(0), d.variance.numpy(), rtol=0.1, atol=0.3)


def _singular_then(d, n_bad):
    """Make ``d``'s first ``n_bad`` Bartlett draws singular (all zeros), then its true ones."""
    real, calls = d._bartlett, []

    def fake(shape):
        calls.append(shape)
        return real(shape) * 0.0 if len(calls) <= n_bad else real(shape)
    d._bartlett = fake
    return calls


def test_wishart_redraws_singular_samples_with_a_warning():
    d = D.Wishart(mg.tensor([4.0, 5.0], dtype="float64"), covariance_matrix=mg.eye(2, dtype="float64"))
    calls = _singular_then(d, 2)
    with pytest.warns(UserWarning, match="Singular sample detected"):
        x = d.rsample((3,))
    assert len(calls) == 3 and bool(constraints.positive_definite.check(x).data.all())
    calls = _singular_then(d, 3)
    with pytest.warns(UserWarning, match="Singular sample detected"):
        x = d.rsample((3,), max_try_correction=1)                 # gives up: the singular draw is returned
    assert len(calls) == 2 and not bool(constraints.positive_definite.check(x).data.any())
    d._validate_args = False
    assert np.all(d.log_prob(x).numpy() == -np.inf)                     # a singular draw scores -inf
    del d._bartlett
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert bool(constraints.positive_definite.check(d.rsample((3,))).data.all())   # no warning when all good


def test_wishart_expand(torch):
    d = D.Wishart(mg.tensor([4.0, 6.0], dtype="float64"), scale_tril=mg.tensor(np.linalg.cholesky(COV[0, 0])))
    e = d.expand((3, 2))
    assert e.batch_shape == (3, 2) and e.df.shape == (3, 2) and e.sample((5,)).shape == (5, 3, 2, 3, 3)
    v = mg.tensor(VALUES[0, 0, 0])
    np.testing.assert_allclose(e.log_prob(v).numpy(), np.broadcast_to(d.log_prob(v).numpy(), (3, 2)))
    np.testing.assert_allclose(e.covariance_matrix.numpy()[2], d.covariance_matrix.numpy())


# ----------------------------------------------------------------- Wishart: errors as torch's
def test_wishart_argument_errors(torch):
    eye = mg.eye(3)
    with pytest.raises(AssertionError, match="Exactly one of covariance_matrix or precision_matrix or scale_tril"):
        D.Wishart(4.0)
    with pytest.raises(AssertionError, match="Exactly one of"):
        D.Wishart(4.0, covariance_matrix=eye, scale_tril=eye)
    with pytest.raises(ValueError, match="at least two-dimensional"):
        D.Wishart(4.0, covariance_matrix=mg.ones(3))
    with pytest.raises(ValueError, match=r"Value of df=2.0 expected to be greater than ndim - 1 = 2"):
        D.Wishart(2.0, covariance_matrix=eye)
    with pytest.raises(ValueError, match="covariance_matrix must be a batch of square matrices"):
        D.Wishart(4.0, covariance_matrix=mg.ones(3, 2))
    with pytest.warns(UserWarning, match="Low df values detected"):
        D.Wishart(2.5, covariance_matrix=eye)
    with pytest.raises(ValueError, match=r"Expected parameter covariance_matrix .*PositiveDefinite"):
        D.Wishart(4.0, covariance_matrix=-eye)
    with pytest.raises(ValueError, match=r"Expected parameter scale_tril .*LowerCholesky"):
        D.Wishart(4.0, scale_tril=mg.ones(3, 3))
    D.Wishart(4.0, covariance_matrix=-eye * 0 + eye, validate_args=False)
    with pytest.raises(ValueError, match="Expected value argument .* to be within the support"):
        D.Wishart(4.0, covariance_matrix=eye).log_prob(-eye)
    for call in (lambda t: t.distributions.Wishart(2.0, covariance_matrix=t.eye(3)),
                 lambda t: t.distributions.Wishart(4.0, covariance_matrix=-t.eye(3))):
        with pytest.raises(ValueError):
            call(torch)


# ----------------------------------------------------------------- LKJCholesky
ETA = np.array([0.4, 1.0, 2.5])


def _corr_chol_values(torch, dim, n=4, seed=0):
    torch.manual_seed(seed)
    return torch.distributions.LKJCholesky(dim, torch.tensor(ETA)).sample((n,)).numpy()


@pytest.mark.parametrize("dim", [2, 3, 5])
def test_lkj_log_prob_matches_torch(torch, dim):
    compare_with_torch(torch, lambda eta, v: D.LKJCholesky(dim, eta).log_prob(v),
                       lambda eta, v: torch.distributions.LKJCholesky(dim, eta).log_prob(v),
                       [ETA, _corr_chol_values(torch, dim)], atol=1e-9, rtol=1e-9)


def test_lkj_gradcheck(device, torch):
    v = _corr_chol_values(torch, 4)
    check_grad(lambda eta: D.LKJCholesky(4, eta).log_prob(mg.tensor(v, device=eta.device)), ETA, device=device)
    check_grad(lambda eta, v: D.LKJCholesky(4, eta, validate_args=False).log_prob(v), ETA[:1], v[:, 1:2],
               device=device)
    check_grad(lambda eta: D.LKJCholesky(2, eta).log_prob(mg.eye(2, dtype=eta.dtype, device=eta.device)),
               np.array(1.7), device=device)           # 0-d concentration


@pytest.mark.parametrize("dim", [2, 3, 6])
def test_lkj_samples_shape_support_and_moments(dim):
    d = D.LKJCholesky(dim, mg.tensor(ETA, dtype="float64"))
    mg.manual_seed(2)
    L = d.sample((30_000,))
    assert L.shape == (30_000, 3, dim, dim) and L.dtype == np.float64 and not L.requires_grad
    assert bool(constraints.corr_cholesky.check(L).data.all())
    assert np.all(np.triu(L.numpy(), 1) == 0) and np.all(np.diagonal(L.numpy(), 0, -2, -1) > 0)
    np.testing.assert_allclose(np.linalg.norm(L.numpy(), axis=-1), 1.0, atol=1e-12)
    # every correlation r_ij of LKJ(η) is 2 Beta(b, b) - 1 with b = η - 1 + D/2: E[r_ij^2] = 1 / (2η + D - 1)
    # for every pair alike (the law does not change when variables are reordered)
    C = L.numpy() @ np.swapaxes(L.numpy(), -1, -2)
    i, j = np.tril_indices(dim, -1)
    second = (C ** 2).mean(0)[:, i, j]
    np.testing.assert_allclose(second, np.broadcast_to((1 / (2 * ETA + dim - 1))[:, None], second.shape),
                               rtol=0.06)
    np.testing.assert_allclose(C.mean(0), np.broadcast_to(np.eye(dim), (3, dim, dim)), atol=0.02)


def test_lkj_shapes_dtypes_and_expand(torch):
    d = D.LKJCholesky(3)
    assert d.batch_shape == () and d.event_shape == (3, 3) and d.sample().dtype == np.float32
    assert d.concentration.shape == tuple(torch.distributions.LKJCholesky(3).concentration.shape)
    e = D.LKJCholesky(4, mg.tensor([[0.5], [2.0]])).expand((2, 5))
    assert e.batch_shape == (2, 5) and e.sample((3,)).shape == (3, 2, 5, 4, 4)
    assert e.log_prob(e.sample()).shape == (2, 5)
    assert D.LKJCholesky(3, 2.0).log_prob(mg.eye(3)).shape == ()


def test_lkj_errors_as_torch(torch):
    with pytest.raises(ValueError, match="Expected dim to be an integer greater than or equal to 2. Found dim=1."):
        D.LKJCholesky(1)
    with pytest.raises(ValueError, match="Expected dim"):
        torch.distributions.LKJCholesky(1)
    with pytest.raises(ValueError, match=r"Expected parameter concentration .*GreaterThan\(lower_bound=0.0\)"):
        D.LKJCholesky(3, mg.tensor([1.0, -0.5]))
    with pytest.raises(ValueError, match=r"within the support \(CorrCholesky\(\)\)"):
        D.LKJCholesky(3).log_prob(mg.ones(3, 3).tril())
    with pytest.raises(TypeError, match="dim must be an int"):
        D.LKJCholesky(2.5)


def test_corr_cholesky_constraint_matches_torch(torch):
    good = _corr_chol_values(torch, 4, n=2)
    bad_norm, upper, neg_diag = good * 1.01, good + np.triu(np.ones(4), 1), good * np.array([1, 1, -1, 1])[:, None]
    for v in (good, bad_norm, upper, neg_diag, np.eye(3)):
        ours = constraints.corr_cholesky.check(mg.tensor(v)).numpy()
        theirs = torch.distributions.constraints.corr_cholesky.check(torch.tensor(v)).numpy()
        np.testing.assert_array_equal(ours, theirs)
    assert repr(constraints.corr_cholesky) == "CorrCholesky()" and constraints.corr_cholesky.event_dim == 2
    y = D.CorrCholeskyTransform()(mg.tensor(randn(5, 6, seed=4)))
    assert bool(constraints.corr_cholesky.check(y).data.all())
