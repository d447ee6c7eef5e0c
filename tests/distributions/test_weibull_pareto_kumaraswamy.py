"""Weibull, Pareto and Kumaraswamy: log_prob, cdf, icdf, the moments, the entropy and the Pareto KL against
torch.distributions (values and gradients, float64), gradchecks on every device, rsample as the documented function
of the uniform noise, statistics of draws under a fixed seed, shapes, expand, dtypes and the errors for bad
arguments."""
import numpy as np
import pytest

import minigan as mg
from minigan.distributions import kl_divergence
from minigan.distributions.kumaraswamy import Kumaraswamy
from minigan.distributions.pareto import Pareto
from minigan.distributions.transformed import TransformedDistribution
from minigan.distributions.weibull import Weibull

from helpers import check_grad, compare_with_torch, tensors

OURS = {"Weibull": Weibull, "Pareto": Pareto, "Kumaraswamy": Kumaraswamy}
N_DRAWS = 100_000


def _between(lo, hi, *shape, seed):
    return np.random.default_rng(seed).uniform(lo, hi, shape)


# name: (parameter arrays broadcasting to batch shape (3, 4), values of shape (2, 3, 4) in the support)
CASES = {
    "Weibull": ([_between(0.5, 2.0, 3, 1, seed=1), _between(0.6, 3.0, 4, seed=2)], _between(0.1, 3.0, 2, 3, 4, seed=3)),
    # values above every scale (the support is x >= scale)
    "Pareto": ([_between(0.5, 2.0, 3, 1, seed=1), _between(0.6, 3.0, 4, seed=2)], _between(2.1, 6.0, 2, 3, 4, seed=3)),
    "Kumaraswamy": ([_between(0.5, 3.0, 3, 1, seed=1), _between(0.5, 3.0, 4, seed=2)],
                    _between(0.05, 0.95, 2, 3, 4, seed=3)),
}
NAMES = list(CASES)
QUANTILES = np.random.default_rng(4).uniform(0.05, 0.95, (2, 3, 4))


def _theirs(torch, name, *a, **kw):
    return getattr(torch.distributions, name)(*a, **kw)


@pytest.mark.parametrize("method", ["log_prob", "cdf"])
@pytest.mark.parametrize("name", NAMES)
def test_log_prob_and_cdf_match_torch(torch, name, method):
    params, value = CASES[name]
    compare_with_torch(torch, lambda *a: getattr(OURS[name](*a[:-1]), method)(a[-1]),
                       lambda *a: getattr(_theirs(torch, name, *a[:-1]), method)(a[-1]), params + [value])


@pytest.mark.parametrize("name", NAMES)
def test_icdf_matches_torch_and_inverts_cdf(torch, name):
    params, _ = CASES[name]
    compare_with_torch(torch, lambda *a: OURS[name](*a[:-1]).icdf(a[-1]),
                       lambda *a: _theirs(torch, name, *a[:-1]).icdf(a[-1]), params + [QUANTILES])
    d = OURS[name](*tensors("cpu", *params, requires_grad=False))
    np.testing.assert_allclose(d.cdf(d.icdf(mg.tensor(QUANTILES))).numpy(), QUANTILES, rtol=1e-10)


# (torch's Weibull mode for k < 1 and its Kumaraswamy mode are not followed: see the two tests after this one)
@pytest.mark.parametrize("name, prop", [(n, p) for n in NAMES for p in ("mean", "variance", "stddev", "entropy", "mode")
                                        if p != "mode" or n == "Pareto"])
def test_moments_and_entropy_match_torch(torch, name, prop):
    def get(d):
        return d.entropy() if prop == "entropy" else getattr(d, prop)
    params, _ = CASES[name]
    if name == "Pareto":            # alpha on both sides of 1 and 2, where the mean and the variance become inf
        # (scale not broadcast: its gradient there is +-inf, and a sum of both is nan, in torch as in minigan)
        params = [np.broadcast_to(params[0], (3, 4)).copy(), np.array([0.7, 1.5, 2.5, 4.0])]
    ours = get(OURS[name](*tensors("cpu", *params)))
    theirs = get(_theirs(torch, name, *(torch.tensor(p, requires_grad=True) for p in params)))
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-12)
    assert ours.shape == tuple(theirs.shape) == (3, 4)
    compare_with_torch(torch, lambda *a: get(OURS[name](*a)), lambda *a: get(_theirs(torch, name, *a)), params)


def test_weibull_mode(torch):
    k = np.array([0.5, 0.8, 1.0, 1.5, 4.0])
    ours = Weibull(mg.tensor(np.full(5, 2.0)), mg.tensor(k)).mode.numpy()
    theirs = _theirs(torch, "Weibull", torch.full((5,), 2.0, dtype=torch.float64), torch.tensor(k)).mode.numpy()
    np.testing.assert_allclose(ours[2:], theirs[2:], rtol=1e-12)           # k >= 1: torch's formula
    np.testing.assert_array_equal(ours[:2], [0.0, 0.0])                    # k < 1: the density peaks at 0
    assert np.isnan(theirs[1])                                             # (where torch gives nan)
    check_grad(lambda s, k: Weibull(s, k).mode, np.array([2.0, 0.7]), np.array([1.5, 3.0]))


def test_kumaraswamy_mode_is_the_maximum_of_the_density():
    a, b = np.array([3.5, 2.0, 1.0, 0.5, 2.0, 1.0]), np.array([2.5, 1.0, 3.0, 2.0, 0.7, 1.0])
    mode = Kumaraswamy(mg.tensor(a), mg.tensor(b)).mode.numpy()
    a3, b3 = a[:3], b[:3]
    np.testing.assert_allclose(mode[:3], ((a3 - 1) / (a3 * b3 - 1)) ** (1 / a3), rtol=1e-12)
    assert np.isnan(mode[3:]).all()                         # a < 1 or b < 1, and the flat a = b = 1
    grid = np.linspace(0.001, 0.999, 999)
    for i in range(2):
        density = np.exp(Kumaraswamy(mg.tensor(a[i]), mg.tensor(b[i])).log_prob(mg.tensor(grid)).numpy())
        assert abs(grid[np.argmax(density)] - mode[i]) < 2e-3
    check_grad(lambda a, b: Kumaraswamy(a, b).mode, np.array([3.5, 2.0]), np.array([2.5, 1.5]))


@pytest.mark.parametrize("name", NAMES)
def test_shapes_support_and_family_match_torch(torch, name):
    params, value = CASES[name]
    ours, theirs = OURS[name](*tensors("cpu", *params)), _theirs(torch, name, *map(torch.tensor, params))
    assert ours.batch_shape == tuple(theirs.batch_shape) == (3, 4) and ours.event_shape == ()
    assert ours.has_rsample == theirs.has_rsample is True
    assert {k: repr(v) for k, v in ours.arg_constraints.items()} == {k: repr(v) for k, v in
                                                                       theirs.arg_constraints.items()}
    if name != "Pareto":                  # (Pareto's names its scale tensor, printed by each library its own way)
        assert repr(ours.support) == repr(theirs.support)
    assert isinstance(ours, TransformedDistribution) and isinstance(theirs, torch.distributions.TransformedDistribution)
    assert ours.sample((5, 1)).shape == (5, 1, 3, 4) and ours.rsample().shape == (3, 4)
    e = ours.expand((2, 3, 4))
    assert type(e) is type(ours) and e.batch_shape == (2, 3, 4) and e.sample().shape == (2, 3, 4)
    np.testing.assert_allclose(e.log_prob(mg.tensor(value)).numpy(), ours.log_prob(mg.tensor(value)).numpy(),
                               rtol=1e-12)
    np.testing.assert_allclose(e.mean.numpy(), np.broadcast_to(ours.mean.numpy(), (2, 3, 4)), rtol=1e-12)


def test_pareto_support_is_above_the_scale(torch):
    d = Pareto(mg.tensor([1.0, 2.0]), 3.0)
    assert d.support.check(mg.tensor([1.0, 1.5])).numpy().tolist() == [True, False]
    with pytest.raises(ValueError, match=r"to be within the support \(GreaterThanEq\(lower_bound=tensor\("):
        d.log_prob(mg.tensor([1.5, 1.5]))


# ----------------------------------------------------------------- gradchecks on every device
@pytest.mark.parametrize("name", NAMES)
def test_gradcheck_log_prob_cdf_icdf_entropy(device, name):
    params, value = CASES[name]
    check_grad(lambda a, b, v: OURS[name](a, b).log_prob(v), *params, value, device=device)
    check_grad(lambda a, b, v: OURS[name](a, b).cdf(v), *params, value, device=device)
    check_grad(lambda a, b, q: OURS[name](a, b).icdf(q), *params, QUANTILES, device=device)
    check_grad(lambda a, b: OURS[name](a, b).entropy(), *params, device=device)
    check_grad(lambda a, b: OURS[name](a, b).mean + OURS[name](a, b).variance,
               params[0], params[1] + (2.5 if name == "Pareto" else 0.0), device=device)


@pytest.mark.parametrize("name", NAMES)
def test_gradcheck_rsample_under_a_fixed_seed(device, name):
    def draw(a, b):
        mg.manual_seed(11)                      # the same noise at every evaluation
        return OURS[name](a, b).rsample((2, 1))
    check_grad(draw, *CASES[name][0], device=device)


def _recipes():
    return {
        "Weibull": lambda u, s, k: s * (-np.log1p(-u)) ** (1 / k),
        "Pareto": lambda u, s, a: s * np.exp(-np.log1p(-u) / a),
        "Kumaraswamy": lambda u, a, b: (1 - u ** (1 / b)) ** (1 / a),
    }


@pytest.mark.parametrize("name", NAMES)
def test_rsample_is_the_function_of_the_uniform_noise_drawn(device, name):
    params, _ = CASES[name]
    ps = tensors(device, *params)
    mg.manual_seed(7)
    sample = OURS[name](*ps).rsample((5,))
    mg.manual_seed(7)
    u = mg.rand((5, 3, 4), device=device, dtype=mg.float64).numpy()
    np.testing.assert_allclose(sample.numpy(), _recipes()[name](u, *params), rtol=1e-10, atol=1e-12)
    sample.sum().backward()
    assert all(p.grad is not None for p in ps)


# ----------------------------------------------------------------- statistics of draws
STAT_PARAMS = {"Weibull": (np.array([1.0, 2.0]), np.array([1.5, 4.0])),
               "Pareto": (np.array([1.0, 0.5]), np.array([5.0, 6.5])),          # finite fourth moment
               "Kumaraswamy": (np.array([0.7, 3.0]), np.array([2.0, 1.5]))}


@pytest.mark.parametrize("name", NAMES)
def test_sample_statistics(device, name):
    d = OURS[name](*tensors(device, *STAT_PARAMS[name], requires_grad=False))
    mg.manual_seed(0)
    x = d.sample((N_DRAWS,))
    assert x.shape == (N_DRAWS, 2) and x.dtype == np.float64 and not x.requires_grad
    xs = x.numpy()
    mean, var = d.mean.numpy(), d.variance.numpy()
    np.testing.assert_array_less(np.abs(xs.mean(0) - mean), 6 * np.sqrt(var / N_DRAWS))
    np.testing.assert_allclose(xs.var(0), var, rtol=0.08)
    for q in (0.1, 0.5, 0.8):     # the empirical cdf at three quantiles (standard error below 0.0016)
        at = d.icdf(mg.tensor(np.full(2, q), device=device))
        np.testing.assert_array_less(np.abs((xs <= at.numpy()).mean(0) - q), 0.01)
    assert bool(d.support.check(x).numpy().all())


# ----------------------------------------------------------------- Pareto KL
KL_P = [np.array([[1.0], [2.0], [0.5]]), np.array([[0.7], [2.5], [1.5]])]         # p's batch (3, 1) ...
KL_Q = [np.array([0.4, 0.9, 1.6, 0.3]), np.array([1.2, 0.6, 3.0, 2.0])]           # ... meets q's (4,)


def test_pareto_kl_matches_torch(torch):
    compare_with_torch(torch, lambda *a: kl_divergence(Pareto(*a[:2]), Pareto(*a[2:])),
                       lambda *a: torch.distributions.kl_divergence(_theirs(torch, "Pareto", *a[:2]),
                                                                     _theirs(torch, "Pareto", *a[2:])), KL_P + KL_Q)
    kl = kl_divergence(Pareto(mg.tensor(KL_P[0]), mg.tensor(KL_P[1])), Pareto(mg.tensor(KL_Q[0]), mg.tensor(KL_Q[1])))
    assert np.isinf(kl.numpy()[2, 1:3]).all() and np.isfinite(kl.numpy()[2, [0, 3]]).all()   # 0.5 < 0.9, 1.6: inf
    assert np.isfinite(kl.numpy()[1]).all()


def test_gradcheck_pareto_kl(device):
    q_scale = np.array([0.4, 0.45, 0.3, 0.35])              # below every p scale: the divergence is finite
    check_grad(lambda *a: kl_divergence(Pareto(*a[:2]), Pareto(*a[2:])), *KL_P, q_scale, KL_Q[1], device=device)


def test_kl_other_pairs():
    d = Pareto(mg.tensor([1.5]), 2.0)
    np.testing.assert_allclose(kl_divergence(d, d).numpy(), [0.0], atol=1e-7)
    with pytest.raises(NotImplementedError, match="only implemented for equal transforms"):
        kl_divergence(Weibull(1.0, 2.0), Weibull(1.0, 3.0))          # no closed form, in torch as here
    with pytest.raises(NotImplementedError, match="only implemented for equal transforms"):
        kl_divergence(Kumaraswamy(1.0, 2.0), Kumaraswamy(2.0, 2.0))


# ----------------------------------------------------------------- dtypes and errors
@pytest.mark.parametrize("name", NAMES)
def test_float32_parameters_give_float32_results(name):
    params, value = CASES[name]
    d = OURS[name](*(mg.tensor(p.astype(np.float32)) for p in params))
    v = mg.tensor(value.astype(np.float32))
    for out in (d.sample((2,)), d.rsample(), d.log_prob(v), d.entropy(), d.mean, d.variance, d.mode, d.cdf(v),
                d.icdf(mg.tensor(QUANTILES, dtype=mg.float32))):
        assert out.dtype == np.float32
    assert OURS[name](1.0, 2.0).sample().dtype == np.float32


ARGS = {"Weibull": ("scale", "concentration"), "Pareto": ("scale", "alpha"),
        "Kumaraswamy": ("concentration1", "concentration0")}


@pytest.mark.parametrize("which", [0, 1])
@pytest.mark.parametrize("name", NAMES)
def test_bad_parameters_raise(name, which):
    arg = ARGS[name][which]
    args = [mg.tensor([1.0, 2.0]), mg.tensor([1.0, 2.0])]
    args[which] = mg.tensor([1.0, -0.5])
    with pytest.raises(ValueError, match=rf"Expected parameter {arg} .* of distribution {name}.* to satisfy the "
                                         r"constraint GreaterThan\(lower_bound=0.0\)"):
        OURS[name](*args)
    OURS[name](*args, validate_args=False)        # not checked when asked not to
    args[which] = "1"
    with pytest.raises(ValueError, match=f"{name}: expected {arg} to be a Tensor or a number, got str"):
        OURS[name](*args)


def test_values_outside_the_support_raise():
    with pytest.raises(ValueError, match=r"to be within the support \(GreaterThan\(lower_bound=0.0\)\)"):
        Weibull(1.0, 2.0).log_prob(mg.tensor([0.0]))
    with pytest.raises(ValueError, match=r"to be within the support \(Interval\(lower_bound=0.0, upper_bound=1.0"):
        Kumaraswamy(1.0, 2.0).log_prob(mg.tensor([1.5]))
