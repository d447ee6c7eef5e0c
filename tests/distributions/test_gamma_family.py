"""Gamma, Chi2, StudentT, Beta and Dirichlet: log_prob, entropy and the moments against torch.distributions
(values and gradients, float64), gradchecks on every device, the implicit-reparameterisation gradient of a gamma
draw against finite differences of the cdf (and a 40-digit reference, and torch's ``_standard_gamma_grad``),
the expected rsample gradient, statistics of 10^5 draws, shapes, dtypes and errors."""
import numpy as np
import pytest

import minigan as mg
import minigan.distributions as D
from minigan.distributions.gamma_grad import regularized_gamma_p, standard_gamma_grad

from helpers import check_grad, compare_with_torch, randn, tensors

N_DRAWS = 100_000


def _pos(*shape, seed, lo=0.4, hi=3.0):
    return np.random.default_rng(seed).uniform(lo, hi, shape)


def _simplex(*shape, seed):
    w = np.random.default_rng(seed).uniform(0.1, 1.0, shape)
    return w / w.sum(-1, keepdims=True)


# name: (parameter arrays broadcasting to batch shape (3, 4), values in the support)
CASES = {
    "Gamma": ([_pos(3, 1, seed=1), _pos(4, seed=2)], _pos(2, 3, 4, seed=3, lo=0.05)),
    "Chi2": ([_pos(3, 4, seed=1, hi=6.0)], _pos(2, 3, 4, seed=3, lo=0.05)),
    "StudentT": ([_pos(3, 1, seed=1, lo=0.5, hi=6.0), randn(4, seed=2), _pos(3, 4, seed=3)],
                 randn(2, 3, 4, seed=4, scale=2.0)),
    "Beta": ([_pos(3, 1, seed=1), _pos(4, seed=2)], _pos(2, 3, 4, seed=3, lo=0.02, hi=0.98)),
    "Dirichlet": ([_pos(3, 4, 5, seed=1)], _simplex(2, 3, 4, 5, seed=2)),
}
NAMES = list(CASES)


def _make(lib, name, *params):
    return getattr(lib, name)(*params)


# ----------------------------------------------------------------- parity with torch, values and gradients
@pytest.mark.parametrize("name", NAMES)
def test_log_prob_matches_torch(torch, name):
    params, value = CASES[name]
    compare_with_torch(torch, lambda *a: _make(D, name, *a[:-1]).log_prob(a[-1]),
                       lambda *a: _make(torch.distributions, name, *a[:-1]).log_prob(a[-1]), params + [value])


@pytest.mark.parametrize("prop", ["mean", "variance", "stddev", "entropy", "mode"])
@pytest.mark.parametrize("name", NAMES)
def test_moments_entropy_and_mode_match_torch(torch, name, prop):
    def get(d):
        return d.entropy() if prop == "entropy" else getattr(d, prop)
    params, _ = CASES[name]
    compare_with_torch(torch, lambda *a: get(_make(D, name, *a)), lambda *a: get(_make(torch.distributions, name, *a)),
                       params)


def test_studentt_moments_at_small_df_and_modes_at_small_concentrations_as_torch(torch):
    df = np.array([0.5, 1.0, 1.5, 2.0, 2.5])
    ours, theirs = D.StudentT(mg.tensor(df)), torch.distributions.StudentT(torch.tensor(df))
    np.testing.assert_array_equal(ours.mean.numpy(), theirs.mean.numpy())
    np.testing.assert_allclose(ours.variance.numpy(), theirs.variance.numpy(), rtol=1e-12)
    assert np.isnan(ours.variance.numpy()[:2]).all() and np.isinf(ours.variance.numpy()[2:4]).all()
    c = np.array([[0.5, 0.3, 0.9], [2.0, 0.5, 3.0], [0.5, 1.0, 0.2]])
    np.testing.assert_array_equal(D.Dirichlet(mg.tensor(c)).mode.numpy(),
                                  torch.distributions.Dirichlet(torch.tensor(c)).mode.numpy())
    a, b = np.array([0.5, 2.0, 0.5, 3.0]), np.array([0.5, 0.5, 2.0, 3.0])
    np.testing.assert_allclose(D.Beta(mg.tensor(a), mg.tensor(b)).mode.numpy(),
                               torch.distributions.Beta(torch.tensor(a), torch.tensor(b)).mode.numpy(), rtol=1e-12)
    np.testing.assert_array_equal(D.Gamma(mg.tensor(a), 2.0).mode.numpy(), [0.0, 0.5, 0.0, 1.0])


# ----------------------------------------------------------------- gradchecks on every device
@pytest.mark.parametrize("name", NAMES)
def test_gradcheck_log_prob_entropy_variance(device, name):
    params, value = CASES[name]
    n = len(params)
    if name == "Dirichlet":         # a value off the simplex is outside the support: perturb the parameters only
        v = mg.tensor(value, device=device)
        check_grad(lambda c: D.Dirichlet(c).log_prob(v), *params, device=device)
    else:
        check_grad(lambda *a: _make(D, name, *a[:n]).log_prob(a[n]), *params, value, device=device)
    check_grad(lambda *a: _make(D, name, *a).entropy(), *params, device=device)
    # StudentT's variance is finite (and has a gradient) only for df > 2
    finite = [params[0] + 2.5] + params[1:] if name == "StudentT" else params
    check_grad(lambda *a: _make(D, name, *a).variance, *finite, device=device)


# ----------------------------------------------------------------- the gradient of a gamma draw
def test_standard_gamma_grad_is_the_cdf_finite_difference(device):
    """``dx/da = -(dF/da)/(dF/dx)``, both from central differences of the cdf (in float64, step 1e-6 relative)."""
    xp = mg.backend.xp_of(mg.zeros(1, device=device).data)
    a = np.array([0.02, 0.3, 0.9, 1.0, 2.5, 7.0, 40.0, 300.0, 3000.0])
    for q in (0.001, 0.2, 0.5, 0.9, 0.9999):
        # a point at quantile about q: from 10^4 draws (which exact point does not matter)
        draws = np.random.default_rng(5).standard_gamma(a, (10_000, a.size))
        x = np.quantile(draws, q, axis=0)
        ad, xd = xp.asarray(a), xp.asarray(x)
        ha, hx = 1e-6 * ad, 1e-6 * xd
        dfda = (regularized_gamma_p(ad + ha, xd) - regularized_gamma_p(ad - ha, xd)) / (2 * ha)
        dfdx = (regularized_gamma_p(ad, xd + hx) - regularized_gamma_p(ad, xd - hx)) / (2 * hx)
        got = mg.backend.to_numpy(standard_gamma_grad(ad, xd))
        np.testing.assert_allclose(got, mg.backend.to_numpy(-dfda / dfdx), rtol=2e-6, err_msg=f"quantile {q}")


def test_standard_gamma_grad_against_a_40_digit_reference():
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 40
    cases = [(1e-3, 1e-200), (1e-3, 0.5), (0.01, 1.01), (0.5, 1e-5), (0.5, 3.0), (1.0, 2.0), (2.5, 3.5),
             (7.0, 7.0), (30.0, 9.0), (30.0, 84.8), (1000.0, 1316.2), (1000.0, 950.0), (1e5, 100316.0),
             (1e5, 99500.0)]
    a, x = (np.array(v) for v in zip(*cases))
    got = standard_gamma_grad(a, x)
    for ai, xi, g in zip(a, x, got):
        am, xm = mpmath.mpf(ai), mpmath.mpf(xi)
        upper = mpmath.diff(lambda s: mpmath.gammainc(s, xm, mpmath.inf, regularized=True), am)   # dQ/da
        density = mpmath.exp((am - 1) * mpmath.log(xm) - xm - mpmath.loggamma(am))
        ref = float(upper / density)                     # dx/da = -(dP/da)/density = (dQ/da)/density
        np.testing.assert_allclose(g, ref, rtol=1e-11, err_msg=f"a={ai}, x={xi}")


def test_standard_gamma_grad_matches_torch(torch):
    a = np.repeat(np.array([0.05, 0.4, 1.0, 3.0, 9.0, 60.0, 500.0]), 6)
    x = np.random.default_rng(2).standard_gamma(a)
    theirs = torch._standard_gamma_grad(torch.tensor(a), torch.tensor(x)).numpy()
    # torch's piecewise approximations are good to about 2e-4 relative here (at a = 0.4, x = 3.25: torch 3.446483,
    # minigan 3.4458995354872, a 40-digit reference 3.4458995354872); minigan sums the exact series and fraction
    np.testing.assert_allclose(standard_gamma_grad(a, x), theirs, rtol=5e-4)


@pytest.mark.parametrize("name", ["Gamma", "Chi2", "StudentT", "Beta", "Dirichlet"])
def test_rsample_gradient_reaches_every_parameter_with_the_draws_shape(device, name):
    params, _ = CASES[name]
    ps = tensors(device, *params)
    d = _make(D, name, *ps)
    mg.manual_seed(3)
    x = d.rsample((2,))
    assert x.shape == (2,) + d.batch_shape + d.event_shape and x.requires_grad
    x.sum().backward()
    for p in ps:
        assert p.grad is not None and np.isfinite(p.grad.numpy()).all() and np.abs(p.grad.numpy()).sum() > 0


def test_gamma_rsample_gradient_is_the_implicit_gradient_over_rate(device):
    a, r = tensors(device, np.array([0.3, 2.0, 50.0]), np.array([0.5, 1.0, 4.0]))
    mg.manual_seed(8)
    x = D.Gamma(a, r).rsample((4,))
    x.sum().backward()
    xs = x.numpy()
    standard = xs * r.numpy()
    np.testing.assert_allclose(a.grad.numpy(), (standard_gamma_grad(np.broadcast_to(a.numpy(), xs.shape),
                                                                    standard) / r.numpy()).sum(0), rtol=1e-12)
    np.testing.assert_allclose(r.grad.numpy(), (-xs / r.numpy()).sum(0), rtol=1e-12)


@pytest.mark.parametrize("name, params, mean_fn", [
    ("Gamma", [np.array([0.4, 3.0]), np.array([2.0, 0.5])], lambda a, r: a / r),
    ("Beta", [np.array([0.5, 3.0]), np.array([2.0, 1.5])], lambda a, b: a / (a + b)),
    ("Dirichlet", [np.array([[0.5, 2.0, 1.0], [3.0, 0.7, 1.2]])], lambda c: c / c.sum(-1, keepdims=True)),
])
def test_expected_rsample_gradient_is_the_gradient_of_the_mean(name, params, mean_fn):
    """``E[d f(X)/d θ] = d E[f(X)]/d θ`` for ``f`` the weighted sum of the coordinates: the per-draw gradients
    of a right reparameterisation average to the mean's gradient (over 2 * 10^4 draws)."""
    weights = np.random.default_rng(4).uniform(0.5, 1.5, mean_fn(*params).shape)
    ps = tensors("cpu", *params)
    mg.manual_seed(12)
    n = 20_000
    x = _make(D, name, *ps).rsample((n,))
    (x * mg.tensor(weights)).sum().backward()
    qs = tensors("cpu", *params)
    (mean_fn(*qs) * mg.tensor(weights)).sum().backward()
    for p, q in zip(ps, qs):
        # tolerances about 10 standard errors of the averaged gradients (seen spread: below 0.004 absolute)
        np.testing.assert_allclose(p.grad.numpy() / n, q.grad.numpy(), rtol=0.03, atol=0.02)


def test_second_derivative_through_a_gamma_draw_raises():
    a = mg.tensor([1.5, 2.0], dtype=mg.float64, requires_grad=True)
    mg.manual_seed(0)
    (g,) = mg.grad(D.Gamma(a, 1.0).rsample().sum(), [a], create_graph=True)
    with pytest.raises(NotImplementedError, match="standard gamma"):
        g.sum().backward()


# ----------------------------------------------------------------- statistics of draws
STATS = {  # name: (params)
    "Gamma": [np.array([0.3, 2.0, 40.0]), np.array([1.0, 0.5, 4.0])],
    "Chi2": [np.array([0.7, 3.0, 20.0])],
    "StudentT": [np.array([5.0, 9.0, 30.0]), np.array([0.5, -1.0, 2.0]), np.array([1.0, 0.3, 2.0])],
    "Beta": [np.array([0.5, 2.0, 8.0]), np.array([0.5, 5.0, 1.5])],
    "Dirichlet": [np.array([[0.5, 2.0, 1.0], [4.0, 4.0, 0.3]])],
}


@pytest.mark.parametrize("name", NAMES)
def test_sample_statistics(device, name):
    d = _make(D, name, *tensors(device, *STATS[name], requires_grad=False))
    mg.manual_seed(21)
    x = d.sample((N_DRAWS,))
    assert x.shape == (N_DRAWS,) + d.batch_shape + d.event_shape and x.dtype == np.float64 and not x.requires_grad
    xs, mean, var = x.numpy(), d.mean.numpy(), d.variance.numpy()
    assert bool(d.support.check(x).numpy().all())
    np.testing.assert_array_less(np.abs(xs.mean(0) - mean), 6 * np.sqrt(var / N_DRAWS))
    # a variance within 8% (StudentT at df 5 has heavy tails: its sample variance's error is the largest, ~2%)
    np.testing.assert_allclose(xs.var(0), var, rtol=0.08)


def test_samples_repeat_under_a_seed():
    d = D.Gamma(mg.tensor([0.5, 3.0]), 1.0)
    mg.manual_seed(4)
    a = d.sample((3,))
    mg.manual_seed(4)
    np.testing.assert_array_equal(a.numpy(), d.sample((3,)).numpy())
    assert not np.array_equal(a.numpy(), d.sample((3,)).numpy())


def test_tiny_concentrations_give_positive_draws_with_finite_gradients():
    a = mg.tensor([1e-3, 1e-3], requires_grad=True)                     # float32: most draws underflow
    mg.manual_seed(1)
    x = D.Gamma(a, 1.0).rsample((200,))
    assert x.dtype == np.float32 and (x.numpy() >= np.finfo(np.float32).tiny).all()
    x.sum().backward()
    assert np.isfinite(a.grad.numpy()).all()


# ----------------------------------------------------------------- dtypes, shapes and errors
@pytest.mark.parametrize("name", NAMES)
def test_float32_parameters_give_float32_results(name):
    params, value = CASES[name]
    d = _make(D, name, *(mg.tensor(p.astype(np.float32)) for p in params))
    for out in (d.sample((2,)), d.rsample(), d.log_prob(mg.tensor(value.astype(np.float32))), d.entropy(), d.mean,
                d.variance):
        assert out.dtype == np.float32


def test_shapes_numbers_and_expand():
    assert D.Gamma(2.0, 1.0).batch_shape == () and D.Gamma(2.0, 1.0).sample().shape == ()
    assert D.Dirichlet(mg.ones(4)).event_shape == (4,) and D.Dirichlet(mg.ones(2, 4)).batch_shape == (2,)
    e = D.StudentT(mg.tensor([3.0]), 0.0, 1.0).expand((5, 1))
    assert e.batch_shape == (5, 1) and e.rsample((2,)).shape == (2, 5, 1) and e.df.shape == (5, 1)
    c = D.Chi2(mg.tensor([2.0, 3.0])).expand((4, 2))
    assert c.concentration.shape == (4, 2) and c.sample().shape == (4, 2)
    assert isinstance(D.Chi2(1.0), D.Gamma)


def test_errors_name_the_parameter_and_the_constraint():
    with pytest.raises(ValueError, match=r"Expected parameter concentration .*GreaterThan\(lower_bound=0.0\)"):
        D.Gamma(mg.tensor([1.0, -1.0]), 1.0)
    with pytest.raises(ValueError, match="Expected parameter df"):
        D.StudentT(0.0)
    with pytest.raises(ValueError, match="Expected parameter concentration0"):
        D.Beta(1.0, mg.tensor([0.0]))
    with pytest.raises(ValueError, match="at least one-dimensional"):
        D.Dirichlet(mg.tensor(1.0))
    with pytest.raises(ValueError, match="support"):
        D.Gamma(2.0, 1.0).log_prob(mg.tensor([-1.0]))
    with pytest.raises(ValueError, match="support"):
        D.Dirichlet(mg.ones(3)).log_prob(mg.tensor([0.5, 0.2, 0.2]))
    with pytest.raises(ValueError, match="Gamma: expected rate to be a Tensor or a number"):
        D.Gamma(1.0, "2")
    assert D.Gamma(mg.tensor([-1.0]), 1.0, validate_args=False).concentration.numpy().tolist() == [-1.0]
