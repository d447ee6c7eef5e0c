"""ContinuousBernoulli: log_prob, cdf, icdf, the moments, the entropy and the KL pairs against torch.distributions
(values and gradients, float64) on both sides of the Taylor region around 1/2 and at the edges of [0, 1]; gradchecks
on every device; rsample as icdf of the uniform noise drawn; statistics of draws under a fixed seed; shapes, expand,
dtypes and the errors for bad arguments."""
import numpy as np
import pytest

import minigan as mg
from minigan.distributions import (Beta, ContinuousBernoulli, Exponential, Gamma, Normal, Pareto, Uniform,
                                   kl_divergence)

from helpers import check_grad, compare_with_torch, tensors

# probs of batch shape (5, 1): the edges, the Taylor region (0.499, 0.501] and just outside it
PROBS = np.array([[1e-4], [0.2], [0.4995], [0.5008], [0.9999]])
LOGITS = np.array([[-9.0], [-1.2], [0.002], [0.7], [8.0]])
VALUES = np.array([0.0, 1e-6, 0.37, 0.81, 1.0])         # broadcast against the batch: (5, 5)
QUANTILES = np.array([1e-6, 0.1, 0.5, 0.93, 1 - 1e-6])


def _theirs(torch, *a, **kw):
    return torch.distributions.ContinuousBernoulli(*a, **kw)


def _by(kind):
    """(minigan maker, torch maker, parameter) for probs or logits."""
    if kind == "probs":
        return (lambda p: ContinuousBernoulli(p)), (lambda torch, p: _theirs(torch, p)), PROBS
    return (lambda l: ContinuousBernoulli(logits=l)), (lambda torch, l: _theirs(torch, logits=l)), LOGITS


@pytest.mark.parametrize("kind", ["probs", "logits"])
@pytest.mark.parametrize("method", ["log_prob", "cdf", "icdf"])
def test_log_prob_cdf_icdf_match_torch(torch, method, kind):
    ours, theirs, param = _by(kind)
    value = QUANTILES if method == "icdf" else VALUES
    compare_with_torch(torch, lambda p, v: getattr(ours(p), method)(v),
                       lambda p, v: getattr(theirs(torch, p), method)(v), [param, value], atol=1e-9, rtol=1e-7)


@pytest.mark.parametrize("kind", ["probs", "logits"])
@pytest.mark.parametrize("prop", ["mean", "variance", "stddev", "entropy"])
def test_moments_and_entropy_match_torch(torch, prop, kind):
    ours, theirs, param = _by(kind)

    def get(d):
        return d.entropy() if prop == "entropy" else getattr(d, prop)
    compare_with_torch(torch, lambda p: get(ours(p)), lambda p: get(theirs(torch, p)), [param], rtol=1e-7)


def test_icdf_inverts_cdf_and_the_density_integrates_to_one():
    d = ContinuousBernoulli(mg.tensor(PROBS))
    u = mg.tensor(np.broadcast_to(QUANTILES, (5, 5)).copy())
    np.testing.assert_allclose(d.cdf(d.icdf(u)).numpy(), u.numpy(), rtol=1e-9, atol=1e-12)
    grid = np.linspace(0.0, 1.0, 20001)
    density = np.exp(d.log_prob(mg.tensor(grid)).numpy())                        # (5, 20001)
    np.testing.assert_allclose(np.trapezoid(density, grid, axis=-1), 1.0, rtol=1e-6)
    mean = np.trapezoid(density * grid, grid, axis=-1)
    np.testing.assert_allclose(d.mean.numpy()[:, 0], mean, rtol=1e-6)
    np.testing.assert_allclose(d.variance.numpy()[:, 0], np.trapezoid(density * (grid - mean[:, None]) ** 2, grid),
                               rtol=1e-5)


def test_the_taylor_branch_joins_the_exact_formulas():
    """Just inside and just outside ``lims`` the two formulas give nearly the same numbers."""
    lo, hi = 0.499, 0.501
    inside, outside = mg.tensor(np.array([lo + 1e-7, hi])), mg.tensor(np.array([lo, hi + 1e-7]))     # float64
    for f in ("mean", "variance"):
        a, b = getattr(ContinuousBernoulli(inside), f).numpy(), getattr(ContinuousBernoulli(outside), f).numpy()
        np.testing.assert_allclose(a, b, atol=1e-6)
    a, b = ContinuousBernoulli(inside)._cont_bern_log_norm(), ContinuousBernoulli(outside)._cont_bern_log_norm()
    np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-6)
    wide = ContinuousBernoulli(mg.tensor(np.array([0.45, 0.5])), lims=(0.4, 0.6))     # a wider Taylor region
    assert wide._lims == (0.4, 0.6)
    narrow = ContinuousBernoulli(mg.tensor(np.array([0.45, 0.5])))
    np.testing.assert_allclose(wide.mean.numpy(), narrow.mean.numpy(), atol=1e-5)


# ----------------------------------------------------------------- gradchecks on every device
SMOOTH_PROBS = np.array([[0.03], [0.3], [0.4996], [0.62], [0.97]])        # one in the Taylor region


def test_gradcheck_log_prob_cdf_icdf(device):
    value, q = np.array([0.01, 0.4, 0.77, 0.99]), np.array([0.02, 0.3, 0.65, 0.98])
    check_grad(lambda p, v: ContinuousBernoulli(p).log_prob(v), SMOOTH_PROBS, value, device=device)
    check_grad(lambda p, v: ContinuousBernoulli(p).cdf(v), SMOOTH_PROBS, value, device=device)
    check_grad(lambda p, u: ContinuousBernoulli(p).icdf(u), SMOOTH_PROBS, q, device=device)
    check_grad(lambda l, v: ContinuousBernoulli(logits=l).log_prob(v), LOGITS, value, device=device)


def test_gradcheck_moments_entropy_and_rsample(device):
    def summary(p):
        d = ContinuousBernoulli(p)
        return d.mean + d.variance + d.entropy()

    def draw(l):
        mg.manual_seed(5)                       # the same noise at every evaluation
        return ContinuousBernoulli(logits=l).rsample((3, 1))
    check_grad(summary, SMOOTH_PROBS, device=device)
    check_grad(draw, LOGITS, device=device)


def test_rsample_is_icdf_of_the_uniform_noise(device):
    (p,) = tensors(device, SMOOTH_PROBS[:, 0])
    mg.manual_seed(7)
    x = ContinuousBernoulli(p).rsample((4,))
    mg.manual_seed(7)
    u = mg.rand((4, 5), device=device, dtype=mg.float64).numpy()
    pn = SMOOTH_PROBS[:, 0]
    expected = np.log1p(-pn + u * (2 * pn - 1)) - np.log1p(-pn)
    expected = np.where(np.abs(pn - 0.5) < 1e-3, u, expected / (np.log(pn) - np.log1p(-pn)))
    np.testing.assert_allclose(x.numpy(), expected, rtol=1e-10)
    x.sum().backward()
    g = p.grad.numpy()
    assert np.isfinite(g).all() and (g[[0, 1, 3, 4]] != 0).all()
    assert g[2] == 0                  # in the Taylor region icdf(u) is u (as PyTorch's): no gradient reaches probs


# ----------------------------------------------------------------- statistics of draws
def test_sample_statistics(device):
    n = 100_000
    d = ContinuousBernoulli(mg.tensor([0.02, 0.3, 0.5, 0.9], device=device, dtype=mg.float64))
    mg.manual_seed(0)
    x = d.sample((n,))
    assert x.shape == (n, 4) and x.dtype == np.float64 and not x.requires_grad
    xs, mean, var = x.numpy(), d.mean.numpy(), d.variance.numpy()
    assert ((xs >= 0) & (xs <= 1)).all()
    np.testing.assert_array_less(np.abs(xs.mean(0) - mean), 6 * np.sqrt(var / n))
    np.testing.assert_allclose(xs.var(0), var, rtol=0.03)
    for q in (0.1, 0.5, 0.8):
        at = d.icdf(mg.tensor(np.full(4, q), device=device))
        np.testing.assert_array_less(np.abs((xs <= at.numpy()).mean(0) - q), 0.01)


# ----------------------------------------------------------------- KL
P_KL, Q_KL = np.array([[0.1], [0.4995], [0.8]]), np.array([0.3, 0.5002, 0.95])


@pytest.mark.parametrize("pair", ["cb-cb", "beta-cb", "cb-exponential", "cb-normal", "uniform-cb", "cb-uniform"])
def test_kl_matches_torch(torch, pair):
    TD = torch.distributions
    made = {
        "cb-cb": ([P_KL, Q_KL], lambda a, b: (ContinuousBernoulli(a), ContinuousBernoulli(b)),
                  lambda a, b: (TD.ContinuousBernoulli(a), TD.ContinuousBernoulli(b))),
        "beta-cb": ([np.array([[0.6], [2.0]]), np.array([[1.5], [0.8]]), Q_KL],
                    lambda a, b, c: (Beta(a, b), ContinuousBernoulli(c)),
                    lambda a, b, c: (TD.Beta(a, b), TD.ContinuousBernoulli(c))),
        "cb-exponential": ([P_KL, np.array([0.5, 2.0])], lambda a, r: (ContinuousBernoulli(a), Exponential(r)),
                           lambda a, r: (TD.ContinuousBernoulli(a), TD.Exponential(r))),
        "cb-normal": ([P_KL, np.array([-0.5, 0.3, 2.0]), np.array([0.4, 1.0, 3.0])],
                      lambda a, m, s: (ContinuousBernoulli(a), Normal(m, s)),
                      lambda a, m, s: (TD.ContinuousBernoulli(a), TD.Normal(m, s))),
        # (away from the bounds 0 and 1, where PyTorch gives inf: see the next test)
        "uniform-cb": ([np.array([[0.1], [0.3]]), np.array([[0.5], [0.9]]), Q_KL],
                       lambda lo, hi, c: (Uniform(lo, hi), ContinuousBernoulli(c)),
                       lambda lo, hi, c: (TD.Uniform(lo, hi), TD.ContinuousBernoulli(c))),
        "cb-uniform": ([P_KL, np.array([-0.5, -2.0]), np.array([1.5, 1.1])],
                       lambda a, lo, hi: (ContinuousBernoulli(a), Uniform(lo, hi)),
                       lambda a, lo, hi: (TD.ContinuousBernoulli(a), TD.Uniform(lo, hi))),
    }
    arrays, ours, theirs = made[pair]
    compare_with_torch(torch, lambda *a: kl_divergence(*ours(*a)), lambda *a: TD.kl_divergence(*theirs(*a)), arrays)


def test_kl_with_uniform_is_finite_exactly_when_the_supports_nest(torch):
    p = ContinuousBernoulli(mg.tensor(np.array([0.3, 0.3, 0.3, 0.7])))
    q = Uniform(mg.tensor(np.array([0.0, -1.0, 0.1, 0.0])), mg.tensor(np.array([1.0, 1.0, 2.0, 0.9])))
    kl = kl_divergence(p, q).numpy()
    np.testing.assert_allclose(kl[:2], -p.entropy().numpy()[:2] + np.log([1.0, 2.0]), rtol=1e-6)
    assert np.isinf(kl[2:]).all()
    theirs = torch.distributions.kl_divergence(_theirs(torch, torch.tensor([0.3])),
                                               torch.distributions.Uniform(torch.tensor([0.0]), torch.tensor([1.0])))
    assert np.isinf(theirs.numpy()).all()                     # (PyTorch: inf at low = 0, high = 1)
    back = kl_divergence(Uniform(mg.tensor(np.array([0.0, 0.2, -0.1])), mg.tensor(np.array([1.0, 1.2, 0.5]))),
                         ContinuousBernoulli(mg.tensor(np.full(3, 0.3)))).numpy()
    grid = np.linspace(0.0, 1.0, 200001)
    log_q = ContinuousBernoulli(mg.tensor(0.3, dtype=mg.float64)).log_prob(mg.tensor(grid)).numpy()
    np.testing.assert_allclose(back[0], -np.trapezoid(log_q, grid), rtol=1e-6)     # KL(U(0,1) || q) = -E[log q]
    assert np.isinf(back[1:]).all()


def test_kl_against_other_families_is_infinite():
    cb = ContinuousBernoulli(mg.tensor([0.3, 0.6]))
    others = [Exponential(mg.tensor([[1.0], [2.0], [3.0]])), Gamma(2.0, 3.0), Normal(0.0, 1.0), Pareto(1.0, 2.0)]
    for other in others:
        kl = kl_divergence(other, cb)
        assert kl.shape == np.broadcast_shapes(other.batch_shape, (2,)) and np.isinf(kl.numpy()).all()
    kl = kl_divergence(cb, Pareto(mg.tensor([[0.5], [1.0]]), 2.0))
    assert kl.shape == (2, 2) and np.isinf(kl.numpy()).all()


def test_gradcheck_kl(device):
    check_grad(lambda a, b: kl_divergence(ContinuousBernoulli(a), ContinuousBernoulli(b)), SMOOTH_PROBS, Q_KL,
               device=device)
    check_grad(lambda a, m, s: kl_divergence(ContinuousBernoulli(a), Normal(m, s)), SMOOTH_PROBS,
               np.array([0.2, -1.0]), np.array([0.5, 2.0]), device=device)


# ----------------------------------------------------------------- shapes, dtypes and errors
def test_shapes_expand_and_dtypes(torch):
    d = ContinuousBernoulli(mg.tensor(PROBS))
    t = _theirs(torch, torch.tensor(PROBS))
    assert d.batch_shape == tuple(t.batch_shape) == (5, 1) and d.event_shape == ()
    assert d.has_rsample and repr(d.support) == repr(t.support)
    assert {k: repr(v) for k, v in d.arg_constraints.items()} == {k: repr(v) for k, v in t.arg_constraints.items()}
    assert d.sample((3, 2)).shape == (3, 2, 5, 1) and d.rsample().shape == (5, 1)
    e = d.expand((2, 5, 4))
    assert type(e) is ContinuousBernoulli and e.batch_shape == (2, 5, 4) and e.sample().shape == (2, 5, 4)
    assert e._lims == d._lims
    np.testing.assert_allclose(e.log_prob(mg.tensor(VALUES[:4])).numpy(),
                               np.broadcast_to(d.log_prob(mg.tensor(VALUES[:4])).numpy(), (2, 5, 4)), rtol=1e-12)
    scalar = ContinuousBernoulli(0.3)
    assert scalar.batch_shape == () and scalar.sample().dtype == np.float32
    f32 = ContinuousBernoulli(logits=mg.tensor([0.3, -2.0]))
    v = mg.tensor([0.2, 0.9])
    for out in (f32.log_prob(v), f32.cdf(v), f32.icdf(v), f32.mean, f32.variance, f32.entropy(), f32.rsample((2,))):
        assert out.dtype == np.float32
    with pytest.raises(NotImplementedError, match="does not implement mode"):
        d.mode


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match=r"Expected parameter probs .* of distribution ContinuousBernoulli.* to "
                                         r"satisfy the constraint Interval\(lower_bound=0.0, upper_bound=1.0\)"):
        ContinuousBernoulli(mg.tensor([0.3, 1.5]))
    clamped = ContinuousBernoulli(mg.tensor([0.3, 1.5]), validate_args=False)       # not checked; clamped
    assert clamped.probs.numpy()[1] == np.float32(1 - np.finfo(np.float32).eps)
    with pytest.raises(ValueError, match="Expected parameter logits .* constraint Real"):
        ContinuousBernoulli(logits=mg.tensor([np.nan]))
    with pytest.raises(ValueError, match="Either `probs` or `logits` must be specified, but not both"):
        ContinuousBernoulli(mg.tensor([0.3]), mg.tensor([0.1]))
    with pytest.raises(ValueError, match="ContinuousBernoulli: expected probs to be a Tensor or a number, got str"):
        ContinuousBernoulli("0.3")
    d = ContinuousBernoulli(mg.tensor([0.3]))
    with pytest.raises(ValueError, match=r"to be within the support \(Interval\(lower_bound=0.0, upper_bound=1.0"):
        d.log_prob(mg.tensor([1.2]))
    with pytest.raises(ValueError, match=r"to be within the support"):
        d.cdf(mg.tensor([-0.1]))
    cdf = ContinuousBernoulli(mg.tensor([0.3]), validate_args=False).cdf(mg.tensor([-0.1, 1.2]))
    assert cdf.numpy().tolist() == [0.0, 1.0]
