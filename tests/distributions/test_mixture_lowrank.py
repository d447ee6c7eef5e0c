"""MixtureSameFamily and LowRankMultivariateNormal: log_prob, cdf, the moments, the matrices, the entropy and the KL
pairs against torch.distributions (values and gradients, float64), gradchecks on every device, rsample as the
documented function of the noise, statistics of draws under a fixed seed, shapes, expand, dtypes and the errors
for bad arguments."""
import numpy as np
import pytest

import minigan as mg
from minigan.distributions import kl_divergence
from minigan.distributions.categorical import Categorical
from minigan.distributions.independent import Independent
from minigan.distributions.lowrank_multivariate_normal import LowRankMultivariateNormal
from minigan.distributions.mixture_same_family import MixtureSameFamily
from minigan.distributions.multivariate_normal import MultivariateNormal
from minigan.distributions.normal import Normal

from helpers import check_grad, compare_with_torch, randn, tensors

N_DRAWS = 100_000


def _positive(*shape, seed):
    return 0.5 + np.random.default_rng(seed).uniform(0.0, 1.5, shape)


# ----------------------------------------------------------------- MixtureSameFamily
# kind: (parameter arrays, value of shape (2, 3) + event shape); batch (3,), k = 4 components
MIX = {
    "normal": ([randn(3, 4, seed=1), randn(3, 4, seed=2), _positive(3, 4, seed=3)], randn(2, 3, seed=4, scale=2.0)),
    "independent": ([randn(4, seed=1), randn(3, 4, 2, seed=2), _positive(3, 4, 2, seed=3)], randn(2, 3, 2, seed=4)),
}


def _mixture(lib, kind, logits, loc, scale):
    """A Gaussian mixture of ``lib`` (minigan.distributions or torch.distributions)."""
    comp = lib.Normal(loc, scale)
    if kind == "independent":
        comp = lib.Independent(comp, 1)
    return lib.MixtureSameFamily(lib.Categorical(logits=logits), comp)


class _Ours:
    """minigan's families under torch.distributions' names, so one builder makes a distribution of either."""
    Normal, Independent, Categorical, MixtureSameFamily = Normal, Independent, Categorical, MixtureSameFamily
    MultivariateNormal, LowRankMultivariateNormal = MultivariateNormal, LowRankMultivariateNormal


@pytest.mark.parametrize("kind, what", [(k, w) for k in MIX for w in ("log_prob", "cdf", "mean", "variance")
                                         if (k, w) != ("independent", "cdf")])     # (Independent has no cdf)
def test_mixture_matches_torch(torch, kind, what):
    def get(d, v):
        return getattr(d, what)(v) if what in ("log_prob", "cdf") else getattr(d, what)
    params, value = MIX[kind]
    compare_with_torch(torch, lambda *a: get(_mixture(_Ours, kind, *a[:3]), a[3]),
                       lambda *a: get(_mixture(torch.distributions, kind, *a[:3]), a[3]), params + [value])


def test_mixture_of_multivariate_normals_matches_torch(torch):
    L = np.tril(randn(4, 2, 2, seed=5), -1) + 1.5 * np.eye(2)

    def make(lib, logits, loc, scale_tril):
        return lib.MixtureSameFamily(lib.Categorical(logits=logits), lib.MultivariateNormal(loc, scale_tril=scale_tril))
    compare_with_torch(torch, lambda g, m, s, v: make(_Ours, g, m, s).log_prob(v),
                       lambda g, m, s, v: make(torch.distributions, g, m, s).log_prob(v),
                       [randn(4, seed=1), randn(3, 4, 2, seed=2), L, randn(5, 1, 2, seed=3)])


@pytest.mark.parametrize("kind", list(MIX))
def test_mixture_gradcheck(device, kind):
    params, value = MIX[kind]
    check_grad(lambda *a: _mixture(_Ours, kind, *a[:3]).log_prob(a[3]), *params, value, device=device)
    check_grad(lambda *a: _mixture(_Ours, kind, *a).variance, *params, device=device)
    if kind == "normal":
        check_grad(lambda *a: _mixture(_Ours, kind, *a[:3]).cdf(a[3]), *params, value, device=device)


def test_mixture_shapes_support_expand_and_repr(torch):
    logits, loc, scale = MIX["independent"][0]
    ours = _mixture(_Ours, "independent", *tensors("cpu", logits, loc, scale))
    theirs = _mixture(torch.distributions, "independent", *map(torch.tensor, (logits, loc, scale)))
    assert ours.batch_shape == tuple(theirs.batch_shape) == (3,) and ours.event_shape == (2,)
    assert repr(ours.support) == repr(theirs.support) == "MixtureSameFamilyConstraint(IndependentConstraint(Real(), 1))"
    assert ours.has_rsample is theirs.has_rsample is False and ours.arg_constraints == {}
    assert ours.sample((5, 1)).shape == (5, 1, 3, 2) and ours.log_prob(mg.zeros(4, 1, 2)).shape == (4, 3)
    assert ours.mixture_distribution.batch_shape == () and ours.component_distribution.batch_shape == (3, 4)
    with pytest.raises(NotImplementedError, match="MixtureSameFamily has no reparameterised sampler"):
        ours.rsample()
    e = ours.expand((2, 3))
    assert type(e) is MixtureSameFamily and e.batch_shape == (2, 3) and e.sample().shape == (2, 3, 2)
    assert e.component_distribution.batch_shape == (2, 3, 4) and e.mixture_distribution.batch_shape == (2, 3)
    v = mg.tensor(MIX["independent"][1])
    np.testing.assert_allclose(e.log_prob(v).numpy(), np.broadcast_to(ours.log_prob(v).numpy(), (2, 3)), rtol=1e-12)
    assert repr(_mixture(_Ours, "normal", mg.zeros(3), mg.zeros(3), 1.0)) == \
        "MixtureSameFamily(\n  Categorical(logits: (3,)),\n  Normal(loc: (3,), scale: (3,)))"


def test_mixture_sample_statistics(device):
    # a bimodal mixture: weights 0.3 / 0.7, batch (2,) with one shared set of weights (mixture batch ())
    logits, loc, scale = tensors(device, np.log([0.3, 0.7]), np.array([[-2.0, 1.0], [0.0, 4.0]]),
                                 np.array([[0.5, 1.0], [1.0, 0.3]]), requires_grad=False)
    d = _mixture(_Ours, "normal", logits, loc, scale)
    mg.manual_seed(0)
    x = d.sample((N_DRAWS,))
    assert x.shape == (N_DRAWS, 2) and x.dtype == np.float64 and not x.requires_grad
    xs = x.numpy()
    mean, var = d.mean.numpy(), d.variance.numpy()
    np.testing.assert_allclose(mean, [0.3 * -2.0 + 0.7 * 1.0, 0.7 * 4.0], rtol=1e-12)
    np.testing.assert_array_less(np.abs(xs.mean(0) - mean), 6 * np.sqrt(var / N_DRAWS))
    np.testing.assert_allclose(xs.var(0), var, rtol=0.03)
    np.testing.assert_allclose((xs < 2.0).mean(0), d.cdf(mg.full((2,), 2.0, dtype=mg.float64, device=device)).numpy(),
                               atol=0.01)
    # each mixture of the batch picks its own component: the two columns are independent
    assert abs(np.corrcoef(xs.T)[0, 1]) < 0.02


def test_mixture_float32_and_errors():
    d = _mixture(_Ours, "normal", mg.zeros(3), mg.zeros(2, 3), mg.ones(3))
    for out in (d.sample((2,)), d.log_prob(mg.zeros(2)), d.cdf(mg.zeros(2)), d.mean, d.variance):
        assert out.dtype == np.float32
    with pytest.raises(ValueError, match="MixtureSameFamily: the mixture distribution needs to be an instance of "
                                         "Categorical, got Normal"):
        MixtureSameFamily(Normal(0.0, 1.0), Normal(mg.zeros(3), 1.0))
    with pytest.raises(ValueError, match="the component distribution needs to be an instance of Distribution, got int"):
        MixtureSameFamily(Categorical(logits=mg.zeros(3)), 3)
    with pytest.raises(ValueError, match=r"`mixture_distribution component` \(4\) does not equal "
                                         r"`component_distribution.batch_shape\[-1\]` \(3\)"):
        MixtureSameFamily(Categorical(logits=mg.zeros(4)), Normal(mg.zeros(3), 1.0))
    with pytest.raises(ValueError, match=r"`mixture_distribution.batch_shape` \(\(2,\)\) is not compatible"):
        MixtureSameFamily(Categorical(logits=mg.zeros(2, 3)), Normal(mg.zeros(4, 3), 1.0))
    with pytest.raises(ValueError, match=r"to be within the support \(MixtureSameFamilyConstraint\(Real\(\)\)\)"):
        d.log_prob(mg.tensor([0.0, np.nan], dtype=mg.float32))


# ----------------------------------------------------------------- LowRankMultivariateNormal
LR = [randn(4, 1, 3, seed=1), randn(2, 3, 2, seed=2), _positive(3, seed=3)]       # batch (4, 2), n = 3, rank 2
LR_VALUES = randn(5, 4, 2, 3, seed=4)


def _lowrank(lib, loc, W, D):
    return lib.LowRankMultivariateNormal(loc, W, D)


@pytest.mark.parametrize("what", ["log_prob", "entropy", "variance", "covariance_matrix", "precision_matrix",
                                  "scale_tril"])
def test_lowrank_matches_torch(torch, what):
    def get(d, v):
        return d.log_prob(v) if what == "log_prob" else d.entropy() if what == "entropy" else getattr(d, what)
    compare_with_torch(torch, lambda m, W, D, v: get(_lowrank(_Ours, m, W, D), v),
                       lambda m, W, D, v: get(_lowrank(torch.distributions, m, W, D), v), LR + [LR_VALUES],
                       atol=1e-9, rtol=1e-8)


def _mvn(lib, loc, a):
    return lib.MultivariateNormal(loc, scale_tril=a)


def _mvn_free(lib, loc, a):
    return lib.MultivariateNormal(loc, scale_tril=mg.tril(a))


KL_PAIRS = {  # name: (make p, arrays of p, make q, arrays of q); p's batch (4, 1) meets q's (2,)
    "lowrank-lowrank": (_lowrank, [randn(4, 1, 3, seed=5), randn(4, 1, 3, 1, seed=6), _positive(4, 1, 3, seed=7)],
                        _lowrank, [randn(2, 3, seed=8), randn(3, 2, seed=9), _positive(2, 3, seed=10)]),
    "mvn-lowrank": (_mvn, [randn(4, 1, 3, seed=5), np.tril(randn(3, 3, seed=6), -1) + 1.3 * np.eye(3)],
                    _lowrank, [randn(2, 3, seed=8), randn(3, 2, seed=9), _positive(2, 3, seed=10)]),
    "lowrank-mvn": (_lowrank, [randn(4, 1, 3, seed=5), randn(4, 1, 3, 1, seed=6), _positive(4, 1, 3, seed=7)],
                    _mvn, [randn(2, 3, seed=8), np.tril(randn(2, 3, 3, seed=9), -1) + 1.3 * np.eye(3)]),
}


@pytest.mark.parametrize("pair", list(KL_PAIRS))
def test_lowrank_kl_matches_torch(torch, pair):
    mp, p, mq, q = KL_PAIRS[pair]
    k = len(p)
    compare_with_torch(torch, lambda *a: kl_divergence(mp(_Ours, *a[:k]), mq(_Ours, *a[k:])),
                       lambda *a: torch.distributions.kl_divergence(mp(torch.distributions, *a[:k]),
                                                                     mq(torch.distributions, *a[k:])), p + q,
                       atol=1e-9, rtol=1e-8)


@pytest.mark.parametrize("pair", list(KL_PAIRS))
def test_lowrank_kl_gradcheck(device, pair):
    mp, p, mq, q = KL_PAIRS[pair]
    k = len(p)
    mp, mq = (_mvn_free if m is _mvn else m for m in (mp, mq))       # every entry gradcheck moves stays valid
    check_grad(lambda *a: kl_divergence(mp(_Ours, *a[:k]), mq(_Ours, *a[k:])), *p, *q, device=device)


def test_lowrank_kl_against_itself_and_as_a_full_normal():
    d = _lowrank(_Ours, *tensors("cpu", *LR, requires_grad=False))
    np.testing.assert_allclose(kl_divergence(d, d).numpy(), np.zeros((4, 2)), atol=1e-12)
    full = MultivariateNormal(d.loc, d.covariance_matrix)
    np.testing.assert_allclose(kl_divergence(d, full).numpy(), np.zeros((4, 2)), atol=1e-12)
    with pytest.raises(ValueError, match="different event shapes"):
        kl_divergence(d, LowRankMultivariateNormal(mg.zeros(2), mg.ones(2, 1), mg.ones(2)))


def test_lowrank_gradcheck(device):
    check_grad(lambda m, W, D, v: _lowrank(_Ours, m, W, D).log_prob(v), *LR, LR_VALUES[:2], device=device)
    check_grad(lambda m, W, D: _lowrank(_Ours, m, W, D).entropy(), *LR, device=device)
    check_grad(lambda m, W, D: _lowrank(_Ours, m, W, D).precision_matrix, *LR, device=device)
    check_grad(lambda m, W, D: _lowrank(_Ours, m, W, D).scale_tril, *LR, device=device)

    def draw(m, W, D):
        mg.manual_seed(5)
        return _lowrank(_Ours, m, W, D).rsample((2,))
    check_grad(draw, *LR, device=device)


def test_lowrank_rsample_is_loc_plus_w_eps_plus_sqrt_d_eps(device):
    loc, W, D = tensors(device, *LR)
    mg.manual_seed(9)
    x = LowRankMultivariateNormal(loc, W, D).rsample((6,))
    mg.manual_seed(9)
    eps_W = mg.randn(6, 4, 2, 2, dtype=mg.float64, device=device).numpy()
    eps_D = mg.randn(6, 4, 2, 3, dtype=mg.float64, device=device).numpy()
    expected = LR[0] + np.einsum("bij,sabj->sabi", LR[1], eps_W) + np.sqrt(LR[2]) * eps_D
    np.testing.assert_allclose(x.numpy(), expected, rtol=1e-10, atol=1e-12)
    x.sum().backward()
    assert all(t.grad is not None for t in (loc, W, D))


def test_lowrank_sample_mean_and_covariance(device):
    loc, W, D = np.array([1.0, -2.0, 0.5]), randn(3, 2, seed=2), _positive(3, seed=3)
    d = LowRankMultivariateNormal(*tensors(device, loc, W, D, requires_grad=False))
    mg.manual_seed(0)
    xs = d.sample((N_DRAWS,)).numpy()
    cov = W @ W.T + np.diag(D)
    var = np.diag(cov)
    np.testing.assert_array_less(np.abs(xs.mean(0) - loc), 6 * np.sqrt(var / N_DRAWS))
    np.testing.assert_array_less(np.abs(np.cov(xs.T) - cov), 6 * np.sqrt((np.outer(var, var) + cov ** 2) / N_DRAWS))


def test_lowrank_shapes_expand_and_constraints(torch):
    ours = _lowrank(_Ours, *tensors("cpu", *LR))
    theirs = _lowrank(torch.distributions, *map(torch.tensor, LR))
    assert ours.batch_shape == tuple(theirs.batch_shape) == (4, 2) and ours.event_shape == (3,)
    assert ours.cov_factor.shape == tuple(theirs.cov_factor.shape) and ours.cov_diag.shape == (4, 2, 3)
    assert ours.sample((2, 1)).shape == (2, 1, 4, 2, 3) and ours.has_rsample
    assert {k: repr(v) for k, v in ours.arg_constraints.items()} == \
        {k: repr(v) for k, v in theirs.arg_constraints.items()} and repr(ours.support) == repr(theirs.support)
    assert ours.variance.shape == (4, 2, 3)                   # cached before expand: the copy makes its own
    e = ours.expand((3, 4, 2))
    assert type(e) is LowRankMultivariateNormal and e.batch_shape == (3, 4, 2) and e.variance.shape == (3, 4, 2, 3)
    np.testing.assert_allclose(e.log_prob(mg.tensor(LR_VALUES[0])).numpy(),
                               np.broadcast_to(ours.log_prob(mg.tensor(LR_VALUES[0])).numpy(), (3, 4, 2)),
                               rtol=1e-12)
    f32 = LowRankMultivariateNormal(mg.zeros(3), mg.ones(3, 1), mg.ones(3))
    for out in (f32.rsample(), f32.log_prob(mg.zeros(3)), f32.entropy(), f32.precision_matrix, f32.scale_tril):
        assert out.dtype == np.float32


def test_lowrank_errors():
    with pytest.raises(ValueError, match="loc must be at least one-dimensional"):
        LowRankMultivariateNormal(mg.zeros(()), mg.ones(3, 1), mg.ones(3))
    with pytest.raises(ValueError, match="cov_factor must be at least two-dimensional"):
        LowRankMultivariateNormal(mg.zeros(3), mg.ones(3), mg.ones(3))
    with pytest.raises(ValueError, match=r"cov_factor must be a batch of matrices with shape 3 x m, got shape "
                                         r"\(2, 1\)"):
        LowRankMultivariateNormal(mg.zeros(3), mg.ones(2, 1), mg.ones(3))
    with pytest.raises(ValueError, match=r"cov_diag must be a batch of vectors with shape \(3,\), got shape \(2,\)"):
        LowRankMultivariateNormal(mg.zeros(3), mg.ones(3, 1), mg.ones(2))
    with pytest.raises(ValueError, match=r"Incompatible batch shapes: loc \(2, 3\), cov_factor \(4, 3, 1\)"):
        LowRankMultivariateNormal(mg.zeros(2, 3), mg.ones(4, 3, 1), mg.ones(3))
    with pytest.raises(ValueError, match=r"Expected parameter cov_diag .* of distribution LowRankMultivariateNormal"
                                         r".* to satisfy the constraint IndependentConstraint\(GreaterThan\("):
        LowRankMultivariateNormal(mg.zeros(3), mg.ones(3, 1), mg.tensor([1.0, 0.0, 1.0]))
    with pytest.raises(ValueError, match="LowRankMultivariateNormal: expected cov_factor to be a Tensor or a number"):
        LowRankMultivariateNormal(mg.zeros(3), "W", mg.ones(3))
    with pytest.raises(ValueError, match="The right-most size of value must match event_shape"):
        LowRankMultivariateNormal(mg.zeros(3), mg.ones(3, 1), mg.ones(3)).log_prob(mg.zeros(2))
