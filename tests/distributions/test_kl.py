"""kl_divergence: every closed form against torch.distributions.kl_divergence (values and gradients with
respect to both distributions' parameters, float64), gradchecks on every device, the infinite cases, the
registry (register_kl, subclasses, NotImplementedError for a missing pair), and a Monte Carlo cross-check."""
import numpy as np
import pytest

import minigan as mg
import minigan.distributions as D

from helpers import check_grad, compare_with_torch, randn


def _pos(*shape, seed):
    return 0.5 + np.random.default_rng(seed).uniform(0.0, 1.5, shape)


def _simplex(*shape, seed):
    w = np.random.default_rng(seed).uniform(0.1, 1.0, shape)
    return w / w.sum(-1, keepdims=True)


A, B = randn(3, 3, seed=7), randn(2, 3, 3, seed=8)
COV_P, COV_Q = A @ A.T + np.eye(3), B @ B.transpose(0, 2, 1) + np.eye(3)

# name: (family, how many of the arrays belong to p, arrays of p then q) -- p's batch (3, 1) meets q's (4,)
PAIRS = {
    "Normal": (lambda lib, *a: lib.Normal(*a), 2, [randn(3, 1, seed=1), _pos(3, 1, seed=2), randn(4, seed=3),
                                                 _pos(4, seed=4)]),
    "LogNormal": (lambda lib, *a: lib.LogNormal(*a), 2, [randn(3, 1, seed=1), _pos(3, 1, seed=2),
                                                       randn(4, seed=3), _pos(4, seed=4)]),
    "Laplace": (lambda lib, *a: lib.Laplace(*a), 2, [randn(3, 1, seed=1), _pos(3, 1, seed=2), randn(4, seed=3),
                                                   _pos(4, seed=4)]),
    "Exponential": (lambda lib, *a: lib.Exponential(*a), 1, [_pos(3, 1, seed=1), _pos(4, seed=2)]),
    "Uniform": (lambda lib, *a: lib.Uniform(*a), 2, [np.full((3, 1), -0.5), np.full((3, 1), 0.5),
                                                   np.linspace(-2.0, -1.0, 4), np.linspace(1.0, 3.0, 4)]),
    # (torch's Bernoulli pair needs equal shapes: it indexes one with the other's mask)
    "Bernoulli": (lambda lib, *a: lib.Bernoulli(*a), 1, [np.array([0.2, 0.5, 0.9]), np.array([0.3, 0.6, 0.1])]),
    "BernoulliLogits": (lambda lib, *a: lib.Bernoulli(logits=a[0]), 1, [randn(3, 4, seed=1), randn(3, 4, seed=2)]),
    "Categorical": (lambda lib, *a: lib.Categorical(*a), 1, [_simplex(3, 1, 5, seed=1), _simplex(4, 5, seed=2)]),
    "CategoricalLogits": (lambda lib, *a: lib.Categorical(logits=a[0]), 1, [randn(3, 1, 5, seed=1),
                                                                         randn(4, 5, seed=2)]),
    "OneHotCategorical": (lambda lib, *a: lib.OneHotCategorical(*a), 1, [_simplex(3, 1, 5, seed=1),
                                                                      _simplex(4, 5, seed=2)]),
    "MultivariateNormal": (lambda lib, *a: lib.MultivariateNormal(*a), 2, [randn(4, 1, 3, seed=1), COV_P,
                                                                         randn(3, seed=2), COV_Q]),
    "MultivariateNormalTril": (lambda lib, *a: lib.MultivariateNormal(a[0], scale_tril=a[1]), 2,
                               [randn(3, seed=1), np.linalg.cholesky(COV_P), randn(2, 3, seed=2),
                                np.linalg.cholesky(COV_Q)]),
    "Independent": (lambda lib, *a: lib.Independent(lib.Normal(*a), 1), 2, [randn(3, 1, 4, seed=1),
                                                                          _pos(3, 1, 4, seed=2), randn(4, seed=3),
                                                                          _pos(4, seed=4)]),
}


def _kl(lib, name, *arrays):
    make, k, _ = PAIRS[name]
    return lib.kl_divergence(make(lib, *arrays[:k]), make(lib, *arrays[k:]))


@pytest.mark.parametrize("name", list(PAIRS))
def test_kl_matches_torch(torch, name):
    compare_with_torch(torch, lambda *a: _kl(D, name, *a), lambda *a: _kl(torch.distributions, name, *a),
                       PAIRS[name][2], atol=1e-9, rtol=1e-8)


@pytest.mark.parametrize("name", ["Normal", "Laplace", "Exponential", "Uniform", "BernoulliLogits",
                                  "CategoricalLogits", "Independent"])
def test_kl_gradcheck(device, name):
    check_grad(lambda *a: _kl(D, name, *a), *PAIRS[name][2], device=device)


@pytest.mark.parametrize("kind", ["covariance_matrix", "scale_tril"])
def test_kl_multivariate_normal_gradcheck(device, kind):
    def mvn(m, a):
        if kind == "scale_tril":
            return D.MultivariateNormal(m, scale_tril=mg.tril(a, -1) + mg.diag_embed(mg.exp(mg.diagonal(a, 0, -2, -1))))
        return D.MultivariateNormal(m, a @ a.transpose(-1, -2) + mg.eye(3, dtype=a.dtype, device=a.device))
    check_grad(lambda m1, a1, m2, a2: D.kl_divergence(mvn(m1, a1), mvn(m2, a2)),
               randn(2, 3, seed=1), A, randn(3, seed=2), B, device=device)


def test_kl_of_bernoullis_broadcasts(device):
    p, q = np.array([[0.2], [0.0], [1.0]]), np.array([0.3, 0.0, 1.0, 0.5])
    ours = D.kl_divergence(D.Bernoulli(mg.tensor(p, device=device)), D.Bernoulli(mg.tensor(q, device=device)))
    pb, qb = np.broadcast_arrays(p, q)
    expanded = D.kl_divergence(D.Bernoulli(mg.tensor(pb.copy())), D.Bernoulli(mg.tensor(qb.copy())))
    assert ours.shape == (3, 4)
    np.testing.assert_array_equal(ours.numpy(), expanded.numpy())
    check_grad(lambda a, b: D.kl_divergence(D.Bernoulli(logits=a), D.Bernoulli(logits=b)), randn(3, 1, seed=1),
               randn(4, seed=2), device=device)


def test_kl_is_zero_for_equal_distributions_and_positive_otherwise():
    for name in PAIRS:
        make, k, arrays = PAIRS[name]
        p = make(D, *(mg.tensor(a) for a in arrays[:k]))
        np.testing.assert_allclose(D.kl_divergence(p, p).numpy(), 0.0, atol=1e-12, err_msg=name)
        assert (_kl(D, name, *(mg.tensor(a) for a in arrays)).numpy() > 0).all(), name


def test_kl_infinite_and_zero_cases_as_torch(torch):
    cases = [
        ("Uniform", [np.array([0.0, -1.0]), np.array([1.0, 2.0])], [np.array([0.5, -1.0]), np.array([2.0, 1.5])]),
        ("Bernoulli", [np.array([0.0, 0.3, 1.0, 0.5])], [np.array([0.0, 0.0, 0.2, 1.0])]),
        ("Categorical", [np.array([[0.0, 0.5, 0.5], [0.5, 0.5, 0.0]])], [np.array([[0.0, 0.8, 0.2], [0.0, 0.4, 0.6]])]),
    ]
    for name, p, q in cases:
        ours = D.kl_divergence(getattr(D, name)(*map(mg.tensor, p)), getattr(D, name)(*map(mg.tensor, q))).numpy()
        theirs = torch.distributions.kl_divergence(getattr(torch.distributions, name)(*map(torch.tensor, p)),
                                                   getattr(torch.distributions, name)(*map(torch.tensor, q))).numpy()
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, err_msg=name)
        assert np.isinf(ours).any(), name


@pytest.mark.parametrize("p_name", ["Normal", "Laplace"])
@pytest.mark.parametrize("q_name", ["Exponential", "Uniform"])
def test_kl_of_a_law_on_the_whole_line_from_one_on_less_is_infinite(torch, p_name, q_name):
    p_args, q_args = (mg.zeros(2), 1.0), {"Exponential": (1.0,), "Uniform": (0.0, 1.0)}[q_name]
    ours = D.kl_divergence(getattr(D, p_name)(*p_args), getattr(D, q_name)(*q_args))
    theirs = torch.distributions.kl_divergence(getattr(torch.distributions, p_name)(torch.zeros(2), 1.0),
                                               getattr(torch.distributions, q_name)(*q_args))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert ours.shape == (2,) and np.isinf(ours.numpy()).all()


def test_kl_missing_pair_raises_not_implemented_error():
    with pytest.raises(NotImplementedError, match="No KL\\(p \\|\\| q\\) is implemented for p type Exponential and "
                                                  "q type Normal"):
        D.kl_divergence(D.Exponential(1.0), D.Normal(0.0, 1.0))
    with pytest.raises(NotImplementedError, match="reinterpret 1 and 2"):
        D.kl_divergence(D.Independent(D.Normal(mg.zeros(2, 2), 1.0), 1),
                        D.Independent(D.Normal(mg.zeros(2, 2), 1.0), 2))
    with pytest.raises(ValueError, match="different event shapes"):
        D.kl_divergence(D.MultivariateNormal(mg.zeros(2), mg.eye(2)), D.MultivariateNormal(mg.zeros(3), mg.eye(3)))


def test_register_kl_adds_a_pair_and_a_subclass_uses_its_familys_form():
    class MyNormal(D.Normal):
        pass

    class Shifted(D.Exponential):
        pass

    p, q = MyNormal(mg.tensor([0.0, 1.0]), 2.0), D.Normal(0.5, 1.0)
    np.testing.assert_allclose(D.kl_divergence(p, q).numpy(),
                               D.kl_divergence(D.Normal(mg.tensor([0.0, 1.0]), 2.0), q).numpy())

    @D.register_kl(Shifted, D.Normal)
    def _kl_shifted_normal(a, b):
        return a.rate * 0 + 42.0

    try:
        assert D.kl_divergence(Shifted(2.0), q).item() == 42.0
        with pytest.raises(NotImplementedError):
            D.kl_divergence(D.Exponential(2.0), q)
    finally:
        from minigan.distributions import kl
        del kl._KL_REGISTRY[Shifted, D.Normal]
    with pytest.raises(TypeError, match="register_kl: expected subclasses of Distribution"):
        D.register_kl(int, D.Normal)


def test_kl_agrees_with_a_monte_carlo_estimate():
    """E_p[log p(X) - log q(X)] over 10^5 draws of p is within 6 standard errors of each closed form."""
    mg.manual_seed(2)
    pairs = [(D.Normal(0.3, 1.2), D.Normal(-0.5, 0.8)), (D.Laplace(0.3, 1.2), D.Laplace(-0.5, 0.8)),
             (D.Exponential(1.5), D.Exponential(0.6)),
             (D.MultivariateNormal(mg.tensor([0.2, 0.0]), mg.tensor([[1.0, 0.3], [0.3, 0.5]])),
              D.MultivariateNormal(mg.zeros(2), mg.eye(2)))]
    for p, q in pairs:
        x = p.sample((100_000,))
        diff = (p.log_prob(x) - q.log_prob(x)).numpy().astype(np.float64)
        assert abs(diff.mean() - D.kl_divergence(p, q).item()) < 6 * diff.std() / np.sqrt(diff.size), type(p).__name__
