"""Normal, LogNormal, Uniform, Exponential and Laplace: log_prob, cdf, icdf, entropy and the moments against
torch.distributions (values and gradients with respect to the parameters and the value, float64), gradchecks
of each on every device, rsample as the documented function of the noise minigan drew, and the statistics of
10^5 draws."""
import numpy as np
import pytest

import minigan as mg
import minigan.distributions as D

from helpers import check_grad, compare_with_torch, randn, tensors

N_DRAWS = 100_000


def _positive(*shape, seed):
    return 0.4 + np.random.default_rng(seed).uniform(0.0, 1.6, shape)


def _uniform(lo, hi, *shape, seed):
    return np.random.default_rng(seed).uniform(lo, hi, shape)


# name: (parameter arrays broadcasting to batch shape (3, 4), values of shape (2, 3, 4) in the support)
CASES = {
    "Normal": ([randn(3, 1, seed=1), _positive(4, seed=2)], randn(2, 3, 4, seed=3, scale=2.0)),
    "LogNormal": ([randn(3, 1, seed=1, scale=0.5), _positive(4, seed=2)], _positive(2, 3, 4, seed=3)),
    "Laplace": ([randn(3, 1, seed=1), _positive(4, seed=2)], randn(2, 3, 4, seed=3, scale=2.0)),
    "Exponential": ([_positive(3, 4, seed=1)], _positive(2, 3, 4, seed=3)),
    "Uniform": ([_uniform(-2, -1, 3, 1, seed=1), _uniform(1, 2, 4, seed=2)], _uniform(-0.9, 0.9, 2, 3, 4, seed=3)),
}
NAMES = list(CASES)
QUANTILES = _uniform(0.05, 0.95, 2, 3, 4, seed=4)


def _make(lib, name, *params):
    return getattr(lib, name)(*params)


# ----------------------------------------------------------------- parity with torch, values and gradients
@pytest.mark.parametrize("method", ["log_prob", "cdf"])
@pytest.mark.parametrize("name", NAMES)
def test_log_prob_and_cdf_match_torch(torch, name, method):
    params, value = CASES[name]
    compare_with_torch(torch, lambda *a: getattr(_make(D, name, *a[:-1]), method)(a[-1]),
                       lambda *a: getattr(_make(torch.distributions, name, *a[:-1]), method)(a[-1]), params + [value])


@pytest.mark.parametrize("name", NAMES)
def test_icdf_matches_torch_and_inverts_cdf(torch, name):
    params, _ = CASES[name]
    compare_with_torch(torch, lambda *a: _make(D, name, *a[:-1]).icdf(a[-1]),
                       lambda *a: _make(torch.distributions, name, *a[:-1]).icdf(a[-1]), params + [QUANTILES])
    d = _make(D, name, *tensors("cpu", *params, requires_grad=False))
    np.testing.assert_allclose(d.cdf(d.icdf(mg.tensor(QUANTILES))).numpy(), QUANTILES, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("prop", ["mean", "variance", "stddev", "entropy"])
@pytest.mark.parametrize("name", NAMES)
def test_moments_and_entropy_match_torch(torch, name, prop):
    def get(d):
        return d.entropy() if prop == "entropy" else getattr(d, prop)
    params, _ = CASES[name]
    compare_with_torch(torch, lambda *a: get(_make(D, name, *a)), lambda *a: get(_make(torch.distributions, name, *a)),
                       params)


@pytest.mark.parametrize("name", NAMES)
def test_mode_matches_torch(torch, name):
    params, _ = CASES[name]
    has_graph = name in ("Normal", "LogNormal", "Laplace")
    compare_with_torch(torch, lambda *a: _make(D, name, *a).mode, lambda *a: _make(torch.distributions, name, *a).mode,
                       params, grad=has_graph, atol=0 if not has_graph else 1e-9)


def test_uniform_log_prob_outside_is_minus_inf_and_cdf_clamps(torch):
    lo, hi, v = np.array([0.0, 0.0, 0.0]), np.array([1.0, 1.0, 1.0]), np.array([1.0, 0.5, 0.0])
    ours = D.Uniform(mg.tensor(lo), mg.tensor(hi)).log_prob(mg.tensor(v)).numpy()
    theirs = torch.distributions.Uniform(torch.tensor(lo), torch.tensor(hi)).log_prob(torch.tensor(v)).numpy()
    np.testing.assert_array_equal(ours, theirs)
    assert ours[0] == -np.inf
    d = D.Uniform(mg.tensor(lo), mg.tensor(hi), validate_args=False)
    np.testing.assert_array_equal(d.log_prob(mg.tensor([-0.5, 2.0, 0.5])).numpy(), [-np.inf, -np.inf, 0.0])
    np.testing.assert_array_equal(d.cdf(mg.tensor([-0.5, 0.25, 2.0])).numpy(), [0.0, 0.25, 1.0])


# ----------------------------------------------------------------- gradchecks on every device
@pytest.mark.parametrize("name", NAMES)
def test_gradcheck_log_prob_cdf_icdf_entropy(device, name):
    params, value = CASES[name]
    n = len(params)
    check_grad(lambda *a: _make(D, name, *a[:n]).log_prob(a[n]), *params, value, device=device)
    check_grad(lambda *a: _make(D, name, *a[:n]).cdf(a[n]), *params, value, device=device)
    check_grad(lambda *a: _make(D, name, *a[:n]).icdf(a[n]), *params, QUANTILES, device=device)
    check_grad(lambda *a: _make(D, name, *a).entropy(), *params, device=device)
    check_grad(lambda *a: _make(D, name, *a).variance, *params, device=device)


@pytest.mark.parametrize("name", NAMES)
def test_gradcheck_rsample_under_a_fixed_seed(device, name):
    def draw(*a):
        mg.manual_seed(11)                      # the same noise at every evaluation
        return _make(D, name, *a).rsample((2, 1))
    check_grad(draw, *CASES[name][0], device=device)


def test_gradcheck_with_zero_dimensional_parameters(device):
    check_grad(lambda m, s, x: D.Normal(m, s).log_prob(x), np.array(0.3), np.array(1.7), randn(5, seed=1),
               device=device)
    check_grad(lambda r: D.Exponential(r).entropy(), np.array(0.8), device=device)


# ----------------------------------------------------------------- rsample is the documented function of the noise
def _noise_recipes():
    eps64 = float(np.finfo(np.float64).eps)
    return {
        "Normal": (mg.randn, lambda n, m, s: m + s * n),
        "LogNormal": (mg.randn, lambda n, m, s: np.exp(m + s * n)),
        "Laplace": (mg.rand, lambda u, m, s: (lambda w: m - s * np.sign(w) * np.log1p(-np.abs(w)))(
            u * (2 - eps64) + (eps64 - 1))),
        "Exponential": (mg.rand, lambda u, r: -np.log1p(-u) / r),
        "Uniform": (mg.rand, lambda u, lo, hi: lo + u * (hi - lo)),
    }


@pytest.mark.parametrize("name", NAMES)
def test_rsample_is_the_reparameterisation_of_the_noise_drawn(device, name):
    params, _ = CASES[name]
    draw, recipe = _noise_recipes()[name]
    ps = tensors(device, *params)
    mg.manual_seed(7)
    sample = _make(D, name, *ps).rsample((5,))
    mg.manual_seed(7)
    noise = draw((5, 3, 4), device=device, dtype=mg.float64).numpy()
    np.testing.assert_allclose(sample.numpy(), recipe(noise, *params), rtol=1e-12, atol=1e-12)
    assert sample.shape == (5, 3, 4) and sample.requires_grad
    sample.sum().backward()
    assert all(p.grad is not None for p in ps)


def test_normal_rsample_gradients_are_one_and_the_noise(device):
    loc, scale = tensors(device, np.array([0.5, -1.0]), np.array([2.0, 0.3]))
    mg.manual_seed(3)
    D.Normal(loc, scale).rsample((4,)).sum().backward()
    mg.manual_seed(3)
    eps = mg.randn(4, 2, dtype=mg.float64, device=device).numpy()
    np.testing.assert_allclose(loc.grad.numpy(), [4.0, 4.0])
    np.testing.assert_allclose(scale.grad.numpy(), eps.sum(0), rtol=1e-12)


# ----------------------------------------------------------------- statistics of draws
STATS = {  # name: (params, mean, variance)
    "Normal": ([np.array([-1.0, 2.0]), np.array([0.5, 3.0])], [-1.0, 2.0], [0.25, 9.0]),
    "LogNormal": ([np.array([0.0, 1.0]), np.array([0.25, 0.4])], None, None),
    "Laplace": ([np.array([0.5, -3.0]), np.array([1.0, 0.2])], [0.5, -3.0], [2.0, 0.08]),
    "Exponential": ([np.array([0.5, 4.0])], [2.0, 0.25], [4.0, 0.0625]),
    "Uniform": ([np.array([-1.0, 2.0]), np.array([3.0, 2.5])], [1.0, 2.25], [16 / 12, 0.25 / 12]),
}


@pytest.mark.parametrize("name", NAMES)
def test_sample_statistics(device, name):
    params, mean, var = STATS[name]
    d = _make(D, name, *tensors(device, *params, requires_grad=False))
    mean = d.mean.numpy() if mean is None else np.array(mean)
    var = d.variance.numpy() if var is None else np.array(var)
    np.testing.assert_allclose(d.mean.numpy(), mean, rtol=1e-12)
    np.testing.assert_allclose(d.variance.numpy(), var, rtol=1e-12)
    x = d.sample((N_DRAWS,))
    assert x.shape == (N_DRAWS, 2) and x.dtype == np.float64 and not x.requires_grad
    xs = x.numpy()
    # 6 standard errors of a mean; a variance within 6% (its standard error is below 1% for these laws)
    np.testing.assert_array_less(np.abs(xs.mean(0) - mean), 6 * np.sqrt(var / N_DRAWS))
    np.testing.assert_allclose(xs.var(0), var, rtol=0.06)
    # the empirical cdf at three quantiles is within 0.01 of the cdf (its standard error is below 0.0016)
    for q in (0.1, 0.5, 0.8):
        at = d.icdf(mg.tensor(np.full(2, q), device=device))
        np.testing.assert_array_less(np.abs((xs <= at.numpy()).mean(0) - q), 0.01)
    assert bool(d.support.check(x).numpy().all())


def test_samples_repeat_under_a_seed_and_differ_without_it():
    d = D.Normal(mg.zeros(3), 1.0)
    mg.manual_seed(4)
    a = d.sample((2,))
    mg.manual_seed(4)
    b = d.sample((2,))
    c = d.sample((2,))
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert not np.array_equal(b.numpy(), c.numpy())


# ----------------------------------------------------------------- dtypes
@pytest.mark.parametrize("name", NAMES)
def test_float32_parameters_give_float32_results(name):
    params, value = CASES[name]
    d = _make(D, name, *(mg.tensor(p.astype(np.float32)) for p in params))
    for out in (d.sample((2,)), d.rsample(), d.log_prob(mg.tensor(value.astype(np.float32))), d.entropy(), d.mean,
                d.variance, d.cdf(mg.tensor(value.astype(np.float32))), d.icdf(mg.tensor(QUANTILES, dtype=mg.float32))):
        assert out.dtype == np.float32


def test_numbers_as_parameters_are_float32_and_broadcast_with_tensors():
    d = D.Normal(0.0, 1.0)
    assert d.batch_shape == () and d.loc.dtype == np.float32 and d.sample().shape == ()
    d = D.Normal(mg.zeros(2, 1, dtype=mg.float64), 2.0)
    assert d.batch_shape == (2, 1) and d.scale.dtype == np.float64 and d.scale.numpy().tolist() == [[2.0], [2.0]]
    d = D.Uniform(mg.zeros(3), mg.ones(2, 1))
    assert d.batch_shape == (2, 3) and d.low.shape == d.high.shape == (2, 3)
