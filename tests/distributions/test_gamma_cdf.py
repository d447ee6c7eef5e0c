"""Gamma.cdf and Chi2.cdf (the regularised lower incomplete gamma function ``P(a, rate x)``): values and gradients
against torch.distributions and a 30-digit reference, gradchecks (and second derivatives in the value and the
rate) on every device, the gradient in the concentration (which torch lacks) against finite differences, edges,
dtypes and errors; StudentT still has no cdf."""
import numpy as np
import pytest

import minigan as mg
from minigan.distributions.gamma import Chi2, Gamma, StudentT

from helpers import check_grad, compare_with_torch, tensors

A = np.random.default_rng(1).uniform(0.2, 8.0, (3, 1))
RATE = np.random.default_rng(2).uniform(0.3, 3.0, (4,))
X = np.random.default_rng(3).uniform(0.02, 6.0, (2, 3, 4))
DF = np.random.default_rng(4).uniform(0.5, 12.0, (3, 4))


def test_gamma_cdf_matches_torch(torch):
    # torch has no derivative in the concentration: it is held constant here (its gradient is checked below)
    compare_with_torch(torch, lambda r, x: Gamma(mg.tensor(A), r).cdf(x),
                       lambda r, x: torch.distributions.Gamma(torch.tensor(A), r).cdf(x), [RATE, X], rtol=1e-8)


def test_chi2_cdf_matches_torch(torch):
    compare_with_torch(torch, lambda x: Chi2(mg.tensor(DF)).cdf(x),
                       lambda x: torch.distributions.Chi2(torch.tensor(DF)).cdf(x), [X], rtol=1e-8)


def test_cdf_against_a_30_digit_reference():
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 30
    cases = [(0.01, 1e-3), (0.3, 0.35), (1.0, 2.0), (2.5, 2.6), (40.0, 35.0), (40.0, 60.0), (300.0, 310.0),
             (0.5, 40.0), (7.0, 0.01)]
    a, x = (np.array(v) for v in zip(*cases))
    got = Gamma(mg.tensor(a), 1.0).cdf(mg.tensor(x)).numpy()
    want = [float(mpmath.gammainc(ai, 0, xi, regularized=True)) for ai, xi in cases]
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-300)


def test_cdf_gradcheck(device):
    # all three arguments, concentration included; and a second derivative in the value and the rate
    check_grad(lambda a, r, x: Gamma(a, r).cdf(x), A, RATE, X, device=device)
    check_grad(lambda df, x: Chi2(df).cdf(x), DF, X[0], device=device)
    a = mg.tensor(A, device=device)
    mg.gradgradcheck(lambda r, x: Gamma(a, r).cdf(x), tensors(device, RATE, X))


def test_gradient_in_the_concentration_is_the_finite_difference(device):
    a, x = np.array([0.05, 0.6, 1.0, 3.0, 25.0, 250.0]), np.array([0.02, 0.9, 1.5, 1.7, 29.0, 240.0])
    at, xt = tensors(device, a, x)
    Gamma(at, 1.0).cdf(xt).sum().backward()
    h = 1e-6 * a
    up, down = (Gamma(mg.tensor(a + s, device=device), 1.0).cdf(mg.tensor(x, device=device)).numpy()
                for s in (h, -h))
    np.testing.assert_allclose(at.grad.numpy(), (up - down) / (2 * h), rtol=1e-6)
    assert (at.grad.numpy() < 0).all()                     # a larger concentration moves the mass to the right
    dens = np.exp(Gamma(mg.tensor(a), 1.0).log_prob(mg.tensor(x)).numpy())
    np.testing.assert_allclose(xt.grad.numpy(), dens, rtol=1e-12)


def test_second_derivative_in_the_concentration_raises():
    a = mg.tensor([1.5, 2.0], dtype=mg.float64, requires_grad=True)
    (g,) = mg.grad(Gamma(a, 1.0).cdf(mg.tensor([0.5, 3.0], dtype=mg.float64)).sum(), [a], create_graph=True)
    with pytest.raises(NotImplementedError, match="standard gamma"):
        g.sum().backward()


def test_cdf_edges_as_torch(torch):
    a = np.array([0.5, 1.0, 3.0, 2.0])
    x = np.array([0.0, 0.0, np.inf, 1e-300])
    ours = Gamma(mg.tensor(a), 1.0).cdf(mg.tensor(x)).numpy()
    theirs = torch.distributions.Gamma(torch.tensor(a), 1.0).cdf(torch.tensor(x)).numpy()
    np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(ours[:3], [0.0, 0.0, 1.0])
    at = mg.tensor(a[:2], requires_grad=True)
    Gamma(at, 1.0).cdf(mg.tensor(x[:2])).sum().backward()
    np.testing.assert_array_equal(at.grad.numpy(), [0.0, 0.0])              # P(a, 0) = 0 for every a


def test_cdf_dtypes_shapes_and_errors():
    d = Gamma(mg.tensor([1.0, 2.0]), 2.0)
    assert d.cdf(mg.tensor([0.5, 1.0])).dtype == np.float32
    assert d.cdf(mg.tensor([[0.5], [1.0], [2.0]], dtype=mg.float64)).shape == (3, 2)
    assert d.cdf(mg.tensor([[0.5], [1.0], [2.0]], dtype=mg.float64)).dtype == np.float64
    assert Chi2(3.0).cdf(mg.tensor(2.0)).shape == ()
    np.testing.assert_allclose(Chi2(2.0).cdf(mg.tensor(2.0)).item(), 1 - np.exp(-1.0), rtol=1e-6)   # Exp(1/2)
    with pytest.raises(ValueError, match=r"support \(GreaterThanEq\(lower_bound=0.0\)\)"):
        d.cdf(mg.tensor([-1.0, 1.0]))
    assert Gamma(2.0, 1.0, validate_args=False).cdf(mg.tensor(-1.0)).item() == 0.0
    with pytest.raises(NotImplementedError, match="StudentT does not implement cdf"):
        StudentT(3.0).cdf(mg.tensor(1.0))
