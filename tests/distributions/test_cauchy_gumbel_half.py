"""Cauchy, HalfCauchy, HalfNormal and Gumbel: log_prob, cdf, icdf, entropy, the moments and their KL
divergences against torch.distributions (values and gradients, float64), gradchecks on every device, rsample as
the documented function of the noise and by its gradient, statistics of draws under a fixed seed, shapes,
dtypes and the errors for bad arguments."""
import numpy as np
import pytest

import minigan as mg
from minigan.distributions import kl_divergence
from minigan.distributions.cauchy import Cauchy
from minigan.distributions.gumbel import Gumbel
from minigan.distributions.half import HalfCauchy, HalfNormal
from minigan.distributions.transformed import TransformedDistribution

from helpers import check_grad, compare_with_torch, randn, tensors

OURS = {"Cauchy": Cauchy, "Gumbel": Gumbel, "HalfNormal": HalfNormal, "HalfCauchy": HalfCauchy}
N_DRAWS = 100_000


def _positive(*shape, seed):
    return 0.4 + np.random.default_rng(seed).uniform(0.0, 1.6, shape)


# name: (parameter arrays broadcasting to batch shape (3, 4), values of shape (2, 3, 4) in the support)
CASES = {
    "Cauchy": ([randn(3, 1, seed=1), _positive(4, seed=2)], randn(2, 3, 4, seed=3, scale=2.0)),
    "Gumbel": ([randn(3, 1, seed=1), _positive(4, seed=2)], randn(2, 3, 4, seed=3, scale=2.0)),
    "HalfNormal": ([_positive(3, 4, seed=1)], _positive(2, 3, 4, seed=3)),
    "HalfCauchy": ([_positive(3, 4, seed=1)], _positive(2, 3, 4, seed=3)),
}
NAMES = list(CASES)
QUANTILES = np.random.default_rng(4).uniform(0.05, 0.95, (2, 3, 4))


def _ours(name, *a, **kw):
    return OURS[name](*a, **kw)


def _theirs(torch, name, *a, **kw):
    return getattr(torch.distributions, name)(*a, **kw)


@pytest.mark.parametrize("method", ["log_prob", "cdf"])
@pytest.mark.parametrize("name", NAMES)
def test_log_prob_and_cdf_match_torch(torch, name, method):
    params, value = CASES[name]
    compare_with_torch(torch, lambda *a: getattr(_ours(name, *a[:-1]), method)(a[-1]),
                       lambda *a: getattr(_theirs(torch, name, *a[:-1]), method)(a[-1]), params + [value])


@pytest.mark.parametrize("name", NAMES)
def test_icdf_matches_torch_and_inverts_cdf(torch, name):
    params, _ = CASES[name]
    compare_with_torch(torch, lambda *a: _ours(name, *a[:-1]).icdf(a[-1]),
                       lambda *a: _theirs(torch, name, *a[:-1]).icdf(a[-1]), params + [QUANTILES])
    d = _ours(name, *tensors("cpu", *params, requires_grad=False))
    np.testing.assert_allclose(d.cdf(d.icdf(mg.tensor(QUANTILES))).numpy(), QUANTILES, rtol=1e-10)


@pytest.mark.parametrize("prop", ["mean", "mode", "variance", "stddev", "entropy"])
@pytest.mark.parametrize("name", NAMES)
def test_moments_and_entropy_match_torch(torch, name, prop):
    def get(d):
        return d.entropy() if prop == "entropy" else getattr(d, prop)
    params, _ = CASES[name]
    ours = get(_ours(name, *tensors("cpu", *params)))
    theirs = get(_theirs(torch, name, *(torch.tensor(p, requires_grad=True) for p in params)))
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-12)   # nan and inf where torch has
    assert ours.shape == tuple(theirs.shape) and ours.requires_grad == theirs.requires_grad
    if theirs.requires_grad:
        compare_with_torch(torch, lambda *a: get(_ours(name, *a)), lambda *a: get(_theirs(torch, name, *a)), params)


def test_cauchy_has_nan_mean_and_infinite_variance():
    d = Cauchy(mg.zeros(2, 3), 1.0)
    assert np.isnan(d.mean.numpy()).all() and np.isinf(d.variance.numpy()).all() and d.mean.shape == (2, 3)
    assert np.isinf(HalfCauchy(mg.ones(3)).mean.numpy()).all()


@pytest.mark.parametrize("name", NAMES)
def test_shapes_support_and_family_match_torch(torch, name):
    params, _ = CASES[name]
    ours, theirs = _ours(name, *tensors("cpu", *params)), _theirs(torch, name, *map(torch.tensor, params))
    assert ours.batch_shape == tuple(theirs.batch_shape) == (3, 4) and ours.event_shape == ()
    assert repr(ours.support) == repr(theirs.support) and ours.has_rsample == theirs.has_rsample
    assert {k: repr(v) for k, v in ours.arg_constraints.items()} == {k: repr(v) for k, v in
                                                                       theirs.arg_constraints.items()}
    assert isinstance(ours, TransformedDistribution) == isinstance(theirs, torch.distributions.TransformedDistribution)
    assert ours.sample((5, 1)).shape == (5, 1, 3, 4) and ours.rsample().shape == (3, 4)
    e = ours.expand((2, 3, 4))
    assert type(e) is type(ours) and e.batch_shape == (2, 3, 4) and e.sample().shape == (2, 3, 4)
    np.testing.assert_allclose(e.log_prob(mg.tensor(CASES[name][1])).numpy(),
                               ours.log_prob(mg.tensor(CASES[name][1])).numpy(), rtol=1e-12)


def test_half_families_give_minus_inf_below_zero(torch):
    v = np.array([-0.5, 0.0, 0.7])
    for name in ("HalfNormal", "HalfCauchy"):
        ours = OURS[name](mg.tensor(np.ones(3)), validate_args=False).log_prob(mg.tensor(v)).numpy()
        theirs = _theirs(torch, name, torch.ones(3, dtype=torch.float64), validate_args=False).log_prob(
            torch.tensor(v)).numpy()
        np.testing.assert_array_equal(ours, theirs)
        assert ours[0] == -np.inf


# ----------------------------------------------------------------- gradchecks on every device
@pytest.mark.parametrize("name", NAMES)
def test_gradcheck_log_prob_cdf_icdf_entropy(device, name):
    params, value = CASES[name]
    n = len(params)
    check_grad(lambda *a: _ours(name, *a[:n]).log_prob(a[n]), *params, value, device=device)
    check_grad(lambda *a: _ours(name, *a[:n]).cdf(a[n]), *params, value, device=device)
    check_grad(lambda *a: _ours(name, *a[:n]).icdf(a[n]), *params, QUANTILES, device=device)
    check_grad(lambda *a: _ours(name, *a).entropy(), *params, device=device)


@pytest.mark.parametrize("name", NAMES)
def test_gradcheck_rsample_under_a_fixed_seed(device, name):
    def draw(*a):
        mg.manual_seed(11)                      # the same noise at every evaluation
        return _ours(name, *a).rsample((2, 1))
    check_grad(draw, *CASES[name][0], device=device)


# ----------------------------------------------------------------- rsample is the documented function of the noise
def _recipes():
    tiny, eps = float(np.finfo(np.float64).tiny), float(np.finfo(np.float64).eps)
    return {
        "Cauchy": lambda u, m, s: m + s * np.tan(np.pi * (u - 0.5)),
        "Gumbel": lambda u, m, s: m - s * np.log(-np.log(tiny + u * (1 - eps - tiny))),
    }


@pytest.mark.parametrize("name", ["Cauchy", "Gumbel"])
def test_rsample_is_the_function_of_the_uniform_noise_drawn(device, name):
    params, _ = CASES[name]
    ps = tensors(device, *params)
    mg.manual_seed(7)
    sample = _ours(name, *ps).rsample((5,))
    mg.manual_seed(7)
    u = mg.rand((5, 3, 4), device=device, dtype=mg.float64).numpy()
    np.testing.assert_allclose(sample.numpy(), _recipes()[name](u, *params), rtol=1e-10, atol=1e-12)
    sample.sum().backward()
    assert all(p.grad is not None for p in ps)


def test_half_normal_rsample_is_the_folded_normal_draw_and_its_gradient(device):
    (scale,) = tensors(device, np.array([0.5, 2.0]))
    mg.manual_seed(3)
    HalfNormal(scale).rsample((6,)).sum().backward()
    mg.manual_seed(3)
    eps = mg.randn(6, 2, dtype=mg.float64, device=device).numpy()
    np.testing.assert_allclose(scale.grad.numpy(), np.abs(eps).sum(0), rtol=1e-12)   # d|s eps|/ds = |eps|


# ----------------------------------------------------------------- statistics of draws
@pytest.mark.parametrize("name", NAMES)
def test_sample_statistics(device, name):
    params = [np.array([0.5, -2.0]), np.array([1.0, 0.3])] if name in ("Cauchy", "Gumbel") else [np.array([0.5, 2.0])]
    d = _ours(name, *tensors(device, *params, requires_grad=False))
    mg.manual_seed(0)
    x = d.sample((N_DRAWS,))
    assert x.shape == (N_DRAWS, 2) and x.dtype == np.float64 and not x.requires_grad
    xs = x.numpy()
    if name in ("Gumbel", "HalfNormal"):          # finite moments: 6 standard errors of a mean, variance within 6%
        mean, var = d.mean.numpy(), d.variance.numpy()
        np.testing.assert_array_less(np.abs(xs.mean(0) - mean), 6 * np.sqrt(var / N_DRAWS))
        np.testing.assert_allclose(xs.var(0), var, rtol=0.06)
    # the empirical cdf at three quantiles is within 0.01 of the cdf (its standard error is below 0.0016)
    for q in (0.1, 0.5, 0.8):
        at = d.icdf(mg.tensor(np.full(2, q), device=device))
        np.testing.assert_array_less(np.abs((xs <= at.numpy()).mean(0) - q), 0.01)
    assert bool(d.support.check(x).numpy().all())


# ----------------------------------------------------------------- KL divergences
KL_CASES = {  # name: (arrays of p, arrays of q): p's batch (3, 1) meets q's (4,)
    "Cauchy": ([randn(3, 1, seed=1), _positive(3, 1, seed=2)], [randn(4, seed=3), _positive(4, seed=4)]),
    "Gumbel": ([randn(3, 1, seed=1), _positive(3, 1, seed=2)], [randn(4, seed=3), _positive(4, seed=4)]),
    "HalfNormal": ([_positive(3, 1, seed=2)], [_positive(4, seed=4)]),
    "HalfCauchy": ([_positive(3, 1, seed=2)], [_positive(4, seed=4)]),   # through TransformedDistribution's pair
}


@pytest.mark.parametrize("name", list(KL_CASES))
def test_kl_matches_torch(torch, name):
    p, q = KL_CASES[name]
    k = len(p)
    compare_with_torch(torch, lambda *a: kl_divergence(_ours(name, *a[:k]), _ours(name, *a[k:])),
                       lambda *a: torch.distributions.kl_divergence(_theirs(torch, name, *a[:k]),
                                                                     _theirs(torch, name, *a[k:])), p + q)


@pytest.mark.parametrize("name", list(KL_CASES))
def test_gradcheck_kl(device, name):
    p, q = KL_CASES[name]
    k = len(p)
    check_grad(lambda *a: kl_divergence(_ours(name, *a[:k]), _ours(name, *a[k:])), *p, *q, device=device)


def test_kl_of_a_distribution_with_itself_is_zero_and_mixed_pairs_raise():
    for d in (Cauchy(mg.tensor([0.3]), 2.0), Gumbel(mg.tensor([0.3]), 2.0), HalfNormal(mg.tensor([1.5]))):
        np.testing.assert_allclose(kl_divergence(d, d).numpy(), [0.0], atol=1e-6)
    with pytest.raises(NotImplementedError, match="only implemented for equal transforms"):
        kl_divergence(Gumbel(0.0, 1.0), HalfNormal(1.0))
    with pytest.raises(NotImplementedError, match="No KL"):
        kl_divergence(HalfNormal(1.0), HalfCauchy(1.0))        # equal transforms, but Normal against Cauchy


# ----------------------------------------------------------------- dtypes and errors
@pytest.mark.parametrize("name", NAMES)
def test_float32_parameters_give_float32_results(name):
    params, value = CASES[name]
    d = _ours(name, *(mg.tensor(p.astype(np.float32)) for p in params))
    # (a Gumbel's cdf far in its left tail underflows to 0 in float32, below its base uniform's support: an
    # error, as in torch; these values stay clear of it)
    v = mg.tensor((value * 0.25).astype(np.float32))
    for out in (d.sample((2,)), d.rsample(), d.log_prob(v), d.entropy(), d.mean, d.variance, d.cdf(v),
                d.icdf(mg.tensor(QUANTILES, dtype=mg.float32))):
        assert out.dtype == np.float32
    assert _ours(name, *([0.0, 1.0] if len(params) == 2 else [1.0])).sample().dtype == np.float32


@pytest.mark.parametrize("name", NAMES)
def test_bad_scale_raises(name):
    args = (lambda s: (0.0, s)) if name in ("Cauchy", "Gumbel") else (lambda s: (s,))
    with pytest.raises(ValueError, match=rf"Expected parameter scale .* of distribution {name}.* to satisfy the "
                                         r"constraint GreaterThan\(lower_bound=0.0\)"):
        _ours(name, *args(mg.tensor([1.0, -0.5])))
    _ours(name, *args(mg.tensor([1.0, -0.5])), validate_args=False)        # not checked when asked not to
    with pytest.raises(ValueError, match=f"{name}: expected scale to be a Tensor or a number, got str"):
        _ours(name, *args("1"))


def test_values_outside_the_support_raise():
    with pytest.raises(ValueError, match=r"to be within the support \(GreaterThanEq\(lower_bound=0.0\)\)"):
        HalfNormal(1.0).log_prob(mg.tensor([-1.0]))
    with pytest.raises(ValueError, match=r"to be within the support \(Real\(\)\)"):
        Cauchy(0.0, 1.0).log_prob(mg.tensor([np.nan]))
