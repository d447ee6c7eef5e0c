"""ExponentialFamily: the same classes as torch's are exponential families; for each, the entropy by the
Bregman route (``F(θ) - <θ, ∇F(θ)> - E[k(X)]``, through autograd) equals the closed form (float64), the natural
parameters and log normaliser reproduce ``log_prob``, and the Bregman entropy is differentiable."""
import math

import numpy as np
import pytest

import minigan as mg
import minigan.distributions as D
from minigan.distributions import ExponentialFamily

from helpers import check_grad, tensors


def _pos(*shape, seed=0, low=0.3, high=3.0):
    return mg.tensor(np.random.default_rng(seed).uniform(low, high, shape), dtype="float64")


def _spd(*batch, p=3, seed=0):
    a = np.random.default_rng(seed).standard_normal(batch + (p, p))
    return mg.tensor(a @ np.swapaxes(a, -1, -2) + p * np.eye(p))


# the families with a closed-form entropy and E[k(X)] = 0, batched (awkward shapes: a size-1 dim, 0-d)
CLOSED = {
    "Bernoulli": lambda: D.Bernoulli(probs=_pos(2, 3, low=0.05, high=0.95)),
    "Bernoulli (logits, 0-d)": lambda: D.Bernoulli(logits=mg.tensor(-1.3, dtype="float64")),
    "Gamma": lambda: D.Gamma(_pos(4, 1), _pos(3, seed=1)),
    "Chi2": lambda: D.Chi2(_pos(5)),
    "Exponential": lambda: D.Exponential(_pos(2, 3)),
    "Normal": lambda: D.Normal(mg.tensor(np.linspace(-2, 2, 6).reshape(2, 3)), _pos(3)),
    "ContinuousBernoulli": lambda: D.ContinuousBernoulli(probs=mg.tensor([0.1, 0.3, 0.4999, 0.5, 0.50002, 0.9],
                                                                         dtype="float64")),
    "Wishart": lambda: D.Wishart(_pos(2, 1, low=3.5, high=7.0), covariance_matrix=_spd(4)),
}


@pytest.mark.parametrize("name", list(CLOSED))
def test_bregman_entropy_equals_closed_form(name):
    d = CLOSED[name]()
    assert isinstance(d, ExponentialFamily) and d._mean_carrier_measure == 0
    bregman = ExponentialFamily.entropy(d)
    closed = d.entropy()
    assert bregman.shape == closed.shape == d.batch_shape and bregman.dtype == closed.dtype
    np.testing.assert_allclose(bregman.numpy(), closed.numpy(), rtol=1e-10, atol=1e-10)


def _with_carrier(cls, mean_carrier):
    """``cls`` with ``E[k(X)]`` given (PyTorch leaves it unimplemented for Beta, Dirichlet and Poisson)."""
    return type(cls.__name__, (cls,), {"_mean_carrier_measure": property(mean_carrier)})


def test_bregman_entropy_of_beta_and_dirichlet_with_their_carrier_measure():
    # θ = the concentrations, t(x) = log x: the carrier is k(x) = -sum log x_i, E[log x_i] = ψ(a_i) - ψ(a_0)
    def dirichlet_carrier(d):
        a = d.concentration
        return -(mg.digamma(a) - mg.digamma(a.sum(-1, keepdim=True))).sum(-1)

    def beta_carrier(d):
        a, b = d.concentration1, d.concentration0
        return -(mg.digamma(a) + mg.digamma(b) - 2 * mg.digamma(a + b))

    dirichlet = _with_carrier(D.Dirichlet, dirichlet_carrier)(_pos(2, 1, 4))
    beta = _with_carrier(D.Beta, beta_carrier)(_pos(3), _pos(2, 1, seed=1))
    for d in (dirichlet, beta):
        np.testing.assert_allclose(ExponentialFamily.entropy(d).numpy(), d.entropy().numpy(), rtol=1e-10)


def test_poisson_has_no_entropy_but_its_bregman_route_works_given_the_carrier():
    with pytest.raises(NotImplementedError, match="Poisson does not implement _mean_carrier_measure"):
        D.Poisson(_pos(3)).entropy()
    k = np.arange(200.0)
    log_fact = np.array([math.lgamma(v + 1) for v in k])

    def carrier(d):                                     # k(x) = -log x!: E over the mass, summed far enough
        lam = d.rate.numpy()[..., None]
        pmf = np.exp(k * np.log(lam) - lam - log_fact)
        return mg.tensor(-(pmf * log_fact).sum(-1))

    d = _with_carrier(D.Poisson, carrier)(_pos(2, 3, low=0.5, high=8.0))
    lam = d.rate.numpy()[..., None]
    log_pmf = k * np.log(lam) - lam - log_fact
    direct = -(np.exp(log_pmf) * log_pmf).sum(-1)
    np.testing.assert_allclose(ExponentialFamily.entropy(d).numpy(), direct, rtol=1e-9)


SUFFICIENT = {   # family: value x -> (t(x), one per natural parameter; the carrier k(x))
    "Beta": lambda x: ((mg.log(x), mg.log1p(-x)), -mg.log(x) - mg.log1p(-x)),
    "Dirichlet": lambda x: ((mg.log(x),), -mg.log(x).sum(-1)),
    "Poisson": lambda x: ((x,), -mg.lgamma(x + 1)),
    "Gamma": lambda x: ((mg.log(x), x), 0.0),
    "Normal": lambda x: ((x, x * x), 0.0),                      # (F holds the log sqrt(2 pi))
    "Bernoulli": lambda x: ((x,), 0.0),
    "Exponential": lambda x: ((x,), 0.0),
    "ContinuousBernoulli": lambda x: ((x,), 0.0),
}


@pytest.mark.parametrize("name", list(SUFFICIENT))
def test_natural_params_and_log_normalizer_reproduce_log_prob(name):
    # log p(x) = <t(x), θ> - F(θ) + k(x), summed over each parameter's event dims
    make = {"Beta": lambda: (D.Beta(_pos(3), _pos(3, seed=1)), mg.tensor([0.2, 0.5, 0.9])),
            "Dirichlet": lambda: (D.Dirichlet(_pos(2, 3)), mg.tensor([[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]])),
            "Poisson": lambda: (D.Poisson(_pos(3)), mg.tensor([0.0, 2.0, 5.0])),
            "Gamma": lambda: (D.Gamma(_pos(3), _pos(3, seed=1)), mg.tensor([0.4, 1.0, 2.5])),
            "Normal": lambda: (D.Normal(mg.tensor([-1.0, 0.0, 2.0]), _pos(3)), mg.tensor([0.4, -1.0, 2.5])),
            "Bernoulli": lambda: (D.Bernoulli(logits=mg.tensor([-2.0, 0.3, 1.0])), mg.tensor([1.0, 0.0, 1.0])),
            "Exponential": lambda: (D.Exponential(_pos(3)), mg.tensor([0.4, 1.0, 2.5])),
            "ContinuousBernoulli": lambda: (D.ContinuousBernoulli(mg.tensor([0.2, 0.5, 0.7])),
                                            mg.tensor([0.1, 0.6, 0.9]))}
    d, x = make[name]()
    stats, carrier = SUFFICIENT[name](x)
    thetas = d._natural_params
    inner = sum((t * s).reshape(d.batch_shape + (-1,)).sum(-1) for t, s in zip(thetas, stats))
    np.testing.assert_allclose((inner - d._log_normalizer(*thetas) + carrier).numpy(), d.log_prob(x).numpy(),
                               rtol=1e-6, atol=1e-6)


def test_isinstance_matches_torch_for_every_family(torch):
    td = torch.distributions
    compared = 0
    for name in D.__all__:
        ours, theirs = getattr(D, name), getattr(td, name, None)
        if isinstance(ours, type) and issubclass(ours, D.Distribution) and isinstance(theirs, type):
            assert issubclass(ours, ExponentialFamily) == issubclass(theirs, td.ExponentialFamily), name
            compared += 1
    assert compared >= 40 and issubclass(D.Wishart, ExponentialFamily)
    assert not issubclass(D.LKJCholesky, ExponentialFamily) and not issubclass(D.Laplace, ExponentialFamily)


def test_bregman_entropy_gradient_matches_the_closed_form(device):
    a, r = tensors(device, np.array([[0.7, 1.9, 3.2]]), np.array([[0.5], [2.0]]))
    g_bregman = mg.grad(ExponentialFamily.entropy(D.Gamma(a, r)).sum(), [a, r])
    g_closed = mg.grad(D.Gamma(a, r).entropy().sum(), [a, r])
    for x, y in zip(g_bregman, g_closed):
        np.testing.assert_allclose(x.numpy(), y.numpy(), rtol=1e-10, atol=1e-12)
    check_grad(lambda a, r: ExponentialFamily.entropy(D.Gamma(a, r)), a.numpy(), r.numpy(), device=device)
    check_grad(lambda loc, s: ExponentialFamily.entropy(D.Normal(loc, s)), np.array([0.3, -1.0]),
               np.array([0.8, 1.7]), device=device)


def test_bregman_entropy_keeps_no_graph_without_need(device):
    a = tensors(device, np.array([0.7, 1.9]))[0]
    assert not ExponentialFamily.entropy(D.Gamma(a.detach(), 1.0)).requires_grad
    with mg.no_grad():
        assert not ExponentialFamily.entropy(D.Gamma(a, 1.0)).requires_grad
    assert ExponentialFamily.entropy(D.Gamma(a, 1.0)).requires_grad


def test_float32_in_float32_out():
    d = D.Gamma(mg.tensor([0.7, 1.9]), mg.tensor([2.0, 0.5]))
    h = ExponentialFamily.entropy(d)
    assert h.dtype == np.float32
    np.testing.assert_allclose(h.numpy(), d.entropy().numpy(), rtol=1e-5)
