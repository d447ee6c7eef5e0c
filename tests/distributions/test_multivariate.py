"""MultivariateNormal (from a covariance, a precision or a scale_tril) and Independent: log_prob, entropy, the
moments and the three matrices against torch.distributions (values and gradients, float64), gradchecks on every
device, rsample as loc + L eps for the noise minigan drew, and the mean and covariance of 10^5 draws."""
import numpy as np
import pytest

import minigan as mg
import minigan.distributions as D

from helpers import check_grad, compare_with_torch, randn, tensors

N_DRAWS = 100_000
KINDS = ["covariance_matrix", "precision_matrix", "scale_tril"]
A = randn(2, 3, 3, seed=1)
COV = A @ A.transpose(0, 2, 1) + np.eye(3)                                       # (2, 3, 3)
LOC = randn(4, 1, 3, seed=2)                                                     # batch (4, 2) once broadcast
VALUES = randn(5, 4, 2, 3, seed=3)


def _matrix(kind, cov=COV):
    return np.linalg.cholesky(cov) if kind == "scale_tril" else cov if kind == "covariance_matrix" else \
        np.linalg.inv(cov)


def _from_free(kind, a):
    """A valid matrix of ``kind`` made from any square ``a`` by differentiable ops, so that gradcheck may
    perturb every entry of ``a``: ``a a^T + I`` (symmetric positive-definite), or its lower triangle with the
    diagonal kept positive."""
    n = a.shape[-1]
    if kind == "scale_tril":
        return mg.tril(a, -1) + mg.diag_embed(mg.exp(mg.diagonal(a, 0, -2, -1)))
    return a @ a.transpose(-1, -2) + mg.eye(n, dtype=a.dtype, device=a.device)


# ----------------------------------------------------------------- parity with torch
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("what", ["log_prob", "entropy", "mean", "variance"])
def test_multivariate_normal_matches_torch(torch, kind, what):
    def get(d, v):
        return d.log_prob(v) if what == "log_prob" else d.entropy() if what == "entropy" else getattr(d, what)
    compare_with_torch(torch, lambda m, s, v: get(D.MultivariateNormal(m, **{kind: s}), v),
                       lambda m, s, v: get(torch.distributions.MultivariateNormal(m, **{kind: s}), v),
                       [LOC, _matrix(kind), VALUES], atol=1e-9, rtol=1e-8)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("other", KINDS)
def test_multivariate_normal_matrices_match_torch(torch, kind, other):
    # torch's cholesky_inverse reads only the lower triangle of scale_tril but sends gradient to its upper one
    # too; minigan's (a triangular solve) keeps it on the triangle it reads, where finite differences put it
    lower = (lambda s: s.tril()) if (kind, other) == ("scale_tril", "precision_matrix") else (lambda s: s)
    compare_with_torch(torch, lambda m, s: getattr(D.MultivariateNormal(m, **{kind: s}), other),
                       lambda m, s: getattr(torch.distributions.MultivariateNormal(m, **{kind: lower(s)}), other),
                       [LOC, _matrix(kind)], atol=1e-9, rtol=1e-8)


def test_multivariate_normal_shapes_as_torch(torch):
    for loc_shape, cov_shape in [((3,), (3, 3)), ((4, 1, 3), (2, 3, 3)), ((2, 3), (3, 3)), ((1, 3), (5, 3, 3))]:
        loc, cov = np.zeros(loc_shape), np.broadcast_to(np.eye(3), cov_shape)
        ours = D.MultivariateNormal(mg.tensor(loc), mg.tensor(cov))
        theirs = torch.distributions.MultivariateNormal(torch.tensor(loc), torch.tensor(cov))
        assert ours.batch_shape == tuple(theirs.batch_shape) and ours.event_shape == (3,)
        assert ours.sample((2, 1)).shape == tuple(theirs.sample((2, 1)).shape)
        assert ours.loc.shape == tuple(theirs.loc.shape) and ours.scale_tril.shape == tuple(theirs.scale_tril.shape)
        assert ours.entropy().shape == tuple(theirs.entropy().shape)


# ----------------------------------------------------------------- gradchecks
@pytest.mark.parametrize("kind", KINDS)
def test_multivariate_normal_gradcheck(device, kind):
    a = A + 0.3 * np.eye(3)
    check_grad(lambda m, a, v: D.MultivariateNormal(m, **{kind: _from_free(kind, a)}).log_prob(v),
               LOC, a, VALUES[:2], device=device)
    check_grad(lambda a: D.MultivariateNormal(mg.zeros(3, dtype=a.dtype, device=a.device),
                                              **{kind: _from_free(kind, a)}).entropy(), a, device=device)

    def draw(m, a):
        mg.manual_seed(5)
        return D.MultivariateNormal(m, **{kind: _from_free(kind, a)}).rsample((2,))
    check_grad(draw, LOC, a, device=device)


def test_multivariate_normal_rsample_is_loc_plus_l_eps(device):
    loc, cov = tensors(device, LOC, COV)
    mg.manual_seed(9)
    x = D.MultivariateNormal(loc, cov).rsample((6,))
    mg.manual_seed(9)
    eps = mg.randn(6, 4, 2, 3, dtype=mg.float64, device=device).numpy()
    L = np.linalg.cholesky(COV)
    np.testing.assert_allclose(x.numpy(), LOC + np.einsum("bij,sabj->sabi", L, eps), rtol=1e-10, atol=1e-12)
    x.sum().backward()
    assert loc.grad is not None and cov.grad is not None


@pytest.mark.parametrize("kind", KINDS)
def test_multivariate_normal_sample_mean_and_covariance(device, kind):
    loc = np.array([1.0, -2.0, 0.5])
    loc_t, matrix = tensors(device, loc, _matrix(kind, COV[0]), requires_grad=False)
    d = D.MultivariateNormal(loc_t, **{kind: matrix})
    x = d.sample((N_DRAWS,))
    assert x.shape == (N_DRAWS, 3) and not x.requires_grad
    xs = x.numpy()
    var = np.diag(COV[0])
    np.testing.assert_array_less(np.abs(xs.mean(0) - loc), 6 * np.sqrt(var / N_DRAWS))
    se = np.sqrt((np.outer(var, var) + COV[0] ** 2) / N_DRAWS)
    np.testing.assert_array_less(np.abs(np.cov(xs.T) - COV[0]), 6 * se)
    np.testing.assert_allclose(d.variance.numpy(), var, rtol=1e-12)


# ----------------------------------------------------------------- Independent
@pytest.mark.parametrize("what", ["log_prob", "entropy", "mean", "variance"])
@pytest.mark.parametrize("ndims", [0, 1, 2])
def test_independent_normal_matches_torch(torch, what, ndims):
    def get(d, v):
        return d.log_prob(v) if what == "log_prob" else d.entropy() if what == "entropy" else getattr(d, what)
    loc, scale, value = randn(3, 4, seed=1), np.exp(randn(4, seed=2)), randn(2, 3, 4, seed=3)
    compare_with_torch(torch, lambda m, s, v: get(D.Independent(D.Normal(m, s), ndims), v),
                       lambda m, s, v: get(torch.distributions.Independent(torch.distributions.Normal(m, s), ndims), v),
                       [loc, scale, value])


def test_independent_shapes_support_and_rsample(torch):
    base = D.Normal(mg.zeros(5, 3, 4), 1.0)
    d = D.Independent(base, 2)
    t = torch.distributions.Independent(torch.distributions.Normal(torch.zeros(5, 3, 4), 1.0), 2)
    assert d.batch_shape == tuple(t.batch_shape) == (5,) and d.event_shape == tuple(t.event_shape) == (3, 4)
    assert d.sample((2,)).shape == d.rsample((2,)).shape == (2, 5, 3, 4) and d.has_rsample
    assert d.log_prob(mg.zeros(3, 4)).shape == (5,) and d.entropy().shape == (5,)
    assert repr(d.support) == repr(t.support) == "IndependentConstraint(Real(), 2)"
    assert repr(d) == "Independent(Normal(loc: (5, 3, 4), scale: (5, 3, 4)), 2)"
    assert not D.Independent(D.Bernoulli(mg.full((2, 3), 0.5)), 1).has_rsample
    mvn = D.Independent(D.MultivariateNormal(mg.zeros(2, 3), mg.eye(3)), 1)
    assert mvn.batch_shape == () and mvn.event_shape == (2, 3) and mvn.log_prob(mg.zeros(2, 3)).shape == ()


def test_independent_gradcheck(device):
    check_grad(lambda m, s, v: D.Independent(D.Normal(m, s), 1).log_prob(v),
               randn(3, 4, seed=1), np.exp(randn(4, seed=2)), randn(2, 3, 4, seed=3), device=device)
    check_grad(lambda r: D.Independent(D.Exponential(r), 2).entropy(), np.exp(randn(2, 3, seed=4)), device=device)


def test_independent_bernoulli_log_prob_sums_over_the_event(device):
    p = np.array([[0.2, 0.7, 0.5], [0.9, 0.1, 0.4]])
    v = np.array([[1.0, 0.0, 1.0], [1.0, 1.0, 0.0]])
    d = D.Independent(D.Bernoulli(mg.tensor(p, device=device)), 1)
    expected = np.log(np.where(v == 1, p, 1 - p)).sum(-1)
    np.testing.assert_allclose(d.log_prob(mg.tensor(v, device=device)).numpy(), expected, rtol=1e-12)
