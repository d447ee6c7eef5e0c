"""OneHotCategoricalStraightThrough, InverseGamma, FisherSnedecor, GeneralizedPareto and VonMises: values and
gradients against torch.distributions, gradchecks on every device, rsample as the documented function of the noise
drawn, statistics of draws under a fixed seed, shapes, expand, dtypes and the errors for bad arguments."""
import math

import numpy as np
import pytest

import minigan as mg
from minigan.distributions import (FisherSnedecor, Gamma, GeneralizedPareto, InverseGamma, OneHotCategorical,
                                   OneHotCategoricalStraightThrough, VonMises)
from minigan.distributions.gamma_grad import standard_gamma_grad

from helpers import check_grad, compare_with_torch, tensors

N = 100_000
A = np.array([[0.6], [1.7], [3.5]])                 # batch (3, 1), on both sides of 1 and 2 ...
B = np.array([0.4, 1.3, 2.6, 5.0])                  # ... meets (4,): batch (3, 4)
X = np.array([0.02, 0.5, 1.9, 40.0])                # near 0 and far out


def _torch(torch, name, *a, **kw):
    return getattr(torch.distributions, name)(*a, **kw)


# ----------------------------------------------------------------- OneHotCategoricalStraightThrough
def test_straight_through_rsample_is_the_sample_with_the_gradient_of_probs(torch):
    logits = np.random.default_rng(1).standard_normal((2, 5))
    w = np.random.default_rng(2).standard_normal((3, 2, 5))
    (lg,) = tensors("cpu", logits)
    d = OneHotCategoricalStraightThrough(logits=lg)
    assert isinstance(d, OneHotCategorical) and d.has_rsample and d.event_shape == (5,)
    mg.manual_seed(4)
    x = d.rsample((3,))
    mg.manual_seed(4)
    np.testing.assert_array_equal(x.numpy(), d.sample((3,)).numpy())             # the value is the one-hot draw
    assert x.shape == (3, 2, 5) and set(np.unique(x.numpy())) == {0.0, 1.0} and (x.numpy().sum(-1) == 1).all()
    (x * mg.tensor(w)).sum().backward()
    tl = torch.tensor(logits, requires_grad=True)
    tx = _torch(torch, "OneHotCategoricalStraightThrough", logits=tl).rsample((3,))
    (tx * torch.tensor(w)).sum().backward()                                     # (independent of the draw)
    np.testing.assert_allclose(lg.grad.numpy(), tl.grad.numpy(), rtol=1e-10, atol=1e-12)
    (lp,) = tensors("cpu", logits)
    (mg.softmax(lp, -1) * mg.tensor(w.sum(0))).sum().backward()
    np.testing.assert_allclose(lg.grad.numpy(), lp.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_straight_through_is_a_one_hot_categorical_otherwise():
    probs = mg.tensor(np.array([[0.2, 0.5, 0.3]]))
    d, ref = OneHotCategoricalStraightThrough(probs), OneHotCategorical(probs)
    v = mg.tensor(np.eye(3))
    np.testing.assert_allclose(d.log_prob(v).numpy(), ref.log_prob(v).numpy())
    np.testing.assert_allclose(d.entropy().numpy(), ref.entropy().numpy())
    e = d.expand((4, 1))
    assert type(e) is OneHotCategoricalStraightThrough and e.rsample((2,)).shape == (2, 4, 1, 3)
    with pytest.raises(ValueError, match=r"to be within the support \(OneHot\(\)\)"):
        d.log_prob(mg.tensor([[0.5, 0.5, 0.0]]))


# ----------------------------------------------------------------- InverseGamma
@pytest.mark.parametrize("method", ["log_prob", "cdf"])
def test_inverse_gamma_log_prob_and_cdf_match_torch(torch, method):
    compare_with_torch(torch, lambda a, b, x: getattr(InverseGamma(a, b), method)(x),
                       lambda a, b, x: getattr(_torch(torch, "InverseGamma", a, b), method)(x), [A, B, X],
                       grad=method == "log_prob")
    # (PyTorch's cdf has no derivative in the concentration; minigan's has: gradchecked below)
    compare_with_torch(torch, lambda b, x: getattr(InverseGamma(mg.tensor(A), b), method)(x),
                       lambda b, x: getattr(_torch(torch, "InverseGamma", torch.tensor(A), b), method)(x), [B, X])


@pytest.mark.parametrize("prop", ["mean", "variance", "mode", "entropy"])
def test_inverse_gamma_moments_match_torch(torch, prop):
    def get(d):
        return d.entropy() if prop == "entropy" else getattr(d, prop)
    compare_with_torch(torch, lambda a, b: get(InverseGamma(a, b)),
                       lambda a, b: get(_torch(torch, "InverseGamma", a, b)), [A, B])
    m = InverseGamma(mg.tensor(A), mg.tensor(B))
    assert np.isinf(m.mean.numpy()[0]).all() and np.isinf(m.variance.numpy()[:2]).all()


def test_gradcheck_inverse_gamma(device):
    check_grad(lambda a, b, x: InverseGamma(a, b).log_prob(x), A, B, X, device=device)
    check_grad(lambda a, b, x: InverseGamma(a, b).cdf(x), A, B, X, device=device)
    check_grad(lambda a, b: InverseGamma(a, b).entropy() + InverseGamma(a, b).mode, A, B, device=device)
    check_grad(lambda a, b: InverseGamma(a + 2, b).mean + InverseGamma(a + 2, b).variance, A, B, device=device)

    def draw(b):                                                   # (the rate's gradient is the division's)
        mg.manual_seed(6)
        return InverseGamma(mg.tensor(A, device=device), b).rsample((2,))
    check_grad(draw, B, device=device)


def test_inverse_gamma_rsample_is_one_over_the_gamma_draw(device):
    a, b = tensors(device, A, B)
    mg.manual_seed(9)
    y = InverseGamma(a, b).rsample((5,))
    mg.manual_seed(9)
    g = Gamma(a, b).rsample((5,)).numpy()
    np.testing.assert_allclose(y.numpy(), 1 / g, rtol=1e-12)
    y.sum().backward()                   # dy/da = -(1/g^2) dg/da, dg/da the implicit gradient of the gamma draw
    standard = g * b.numpy()
    dg_da = standard_gamma_grad(np.broadcast_to(A, g.shape), standard) / b.numpy()
    np.testing.assert_allclose(a.grad.numpy(), (-dg_da / g ** 2).sum((0, 2))[:, None], rtol=1e-10)
    np.testing.assert_allclose(b.grad.numpy(), (1 / (g * b.numpy())).sum((0, 1)), rtol=1e-10)


# ----------------------------------------------------------------- FisherSnedecor
def test_fisher_snedecor_log_prob_and_moments_match_torch(torch):
    df1, df2 = A * 2, np.array([1.5, 3.0, 4.5, 9.0])          # mean nan for df2 <= 2, variance for df2 <= 4
    compare_with_torch(torch, lambda a, b, x: FisherSnedecor(a, b).log_prob(x),
                       lambda a, b, x: _torch(torch, "FisherSnedecor", a, b).log_prob(x), [df1, df2, X])
    ours, theirs = FisherSnedecor(*tensors("cpu", df1, df2)), _torch(torch, "FisherSnedecor", *map(torch.tensor,
                                                                                                  (df1, df2)))
    for prop in ("mean", "variance", "mode"):
        o, t = getattr(ours, prop).numpy(), getattr(theirs, prop).numpy()
        np.testing.assert_array_equal(np.isnan(o), np.isnan(t))
        np.testing.assert_allclose(o[~np.isnan(o)], t[~np.isnan(t)], rtol=1e-12)
        assert np.isnan(o).any() and not np.isnan(o).all()
    compare_with_torch(torch, lambda a, b: FisherSnedecor(a, b).variance + FisherSnedecor(a, b).mode,
                       lambda a, b: _torch(torch, "FisherSnedecor", a, b).variance
                       + _torch(torch, "FisherSnedecor", a, b).mode, [df1 + 2.5, df2 + 4.5])


def test_gradcheck_fisher_snedecor(device):
    check_grad(lambda a, b, x: FisherSnedecor(a, b).log_prob(x), A, B, X, device=device)
    check_grad(lambda a, b: FisherSnedecor(a + 2, b + 4).variance + FisherSnedecor(a + 2, b + 4).mode, A, B,
               device=device)


def test_fisher_snedecor_rsample_is_the_ratio_of_two_gamma_draws(device):
    d1, d2 = tensors(device, A, B)
    mg.manual_seed(3)
    y = FisherSnedecor(d1, d2).rsample((4,))
    mg.manual_seed(3)
    e1, e2 = d1.expand(3, 4), d2.expand(3, 4)                  # both drawn over the whole batch, in this order
    g1, g2 = Gamma(e1 * 0.5, e1).rsample((4,)), Gamma(e2 * 0.5, e2).rsample((4,))
    np.testing.assert_allclose(y.numpy(), g1.numpy() / g2.numpy(), rtol=1e-12)
    y.sum().backward()
    assert np.isfinite(d1.grad.numpy()).all() and np.isfinite(d2.grad.numpy()).all()


@pytest.mark.parametrize("name, params, mean_fn", [
    ("InverseGamma", [np.array([3.5, 5.0]), np.array([2.0, 0.5])], lambda a, b: b / (a - 1)),
    ("FisherSnedecor", [np.array([3.0, 8.0]), np.array([9.0, 12.0])], lambda a, b: b / (b - 2) + 0 * a),
])
def test_expected_rsample_gradient_is_the_gradient_of_the_mean(name, params, mean_fn):
    """The per-draw gradients of an unbiased reparameterisation average to the gradient of the mean."""
    family = {"InverseGamma": InverseGamma, "FisherSnedecor": FisherSnedecor}[name]
    ps, qs = tensors("cpu", *params), tensors("cpu", *params)
    mg.manual_seed(12)
    n = 20_000
    family(*ps).rsample((n,)).sum().backward()
    mean_fn(*qs).sum().backward()
    for p, q in zip(ps, qs):
        np.testing.assert_allclose(p.grad.numpy() / n, q.grad.numpy(), rtol=0.05, atol=0.02)


# ----------------------------------------------------------------- GeneralizedPareto
GP = [np.array([[0.0], [1.5]]), np.array([[0.5], [2.0]]), np.array([-1.0, -0.3, 0.0, 1e-9, 0.4, 1.2])]
GP_X = np.array([[0.02], [1.9]])                     # in every support: the upper ends are loc + 0.5 and loc + 2
GP_U = np.array([1e-6, 0.3, 0.97])[:, None, None]


def test_generalized_pareto_matches_torch_float32(torch):
    # (PyTorch's log_prob and cdf fail on float64 parameters: its isclose(concentration, tensor(0.0)) mixes dtypes)
    ours = GeneralizedPareto(*(mg.tensor(p, dtype=mg.float32) for p in GP))
    theirs = _torch(torch, "GeneralizedPareto", *(torch.tensor(p, dtype=torch.float32) for p in GP))
    for method in ("log_prob", "cdf", "log_cdf", "log_survival_function"):
        o = getattr(ours, method)(mg.tensor(GP_X, dtype=mg.float32))
        t = getattr(theirs, method)(torch.tensor(GP_X, dtype=torch.float32))
        assert o.dtype == np.float32 and o.shape == tuple(t.shape) == (2, 6)
        np.testing.assert_allclose(o.numpy(), t.numpy(), rtol=2e-6, atol=1e-6)


@pytest.mark.parametrize("what", ["icdf", "mean", "variance", "mode", "entropy"])
def test_generalized_pareto_float64_matches_torch(torch, what):
    def get(d, *u):
        return d.icdf(*u) if what == "icdf" else d.entropy() if what == "entropy" else getattr(d, what)
    extra = [GP_U] if what == "icdf" else []
    compare_with_torch(torch, lambda *a: get(GeneralizedPareto(*a[:3]), *a[3:]),
                       lambda *a: get(_torch(torch, "GeneralizedPareto", *a[:3]), *a[3:]), GP + extra)


def test_generalized_pareto_support_depends_on_the_concentration(torch):
    d = GeneralizedPareto(*(mg.tensor(p) for p in GP))
    t = _torch(torch, "GeneralizedPareto", *(torch.tensor(p) for p in GP))
    np.testing.assert_allclose(d.support.upper_bound.numpy(), t.support.upper_bound.numpy())
    np.testing.assert_allclose(d.support.lower_bound.numpy(), t.support.lower_bound.numpy())
    assert d.support.check(mg.tensor(np.array([[0.6], [3.6]]))).numpy().tolist() == [[False] + [True] * 5] * 2
    with pytest.raises(ValueError, match=r"to be within the support \(Interval\(lower_bound=tensor"):
        d.log_prob(mg.tensor(np.array([[0.6], [3.6]])))                 # above loc + scale where xi = -1
    with pytest.raises(ValueError, match="to be within the support"):
        d.cdf(mg.tensor(np.array([[-0.1], [1.6]])))                     # below loc
    np.testing.assert_allclose(d.cdf(mg.tensor(np.array([[0.5], [3.5]]))).numpy()[:, 0], 1.0)  # the upper end
    assert np.isfinite(d.log_prob(mg.tensor(np.array([[0.5], [3.5]]))).numpy()[:, 0]).all()   # uniform: flat


def test_generalized_pareto_special_cases():
    x = mg.tensor(np.array([0.1, 0.7, 2.5]))
    exp = GeneralizedPareto(0.0, mg.tensor(2.0, dtype=mg.float64), 0.0)
    np.testing.assert_allclose(exp.log_prob(x).numpy(), np.log(0.5) - x.numpy() / 2, rtol=1e-12)
    pareto = GeneralizedPareto(mg.tensor(2.0, dtype=mg.float64), 1.0, 0.5)       # Pareto(scale 2, alpha 2)
    np.testing.assert_allclose(pareto.cdf(x + 2).numpy(), 1 - (2 / (x.numpy() + 2)) ** 2, rtol=1e-12)


def test_gradcheck_generalized_pareto(device):
    loc, scale, xi = GP[0], GP[1], np.array([-0.8, -0.3, 0.2, 0.45])            # (no xi within 1e-8 of 0 ...)
    check_grad(lambda *a: GeneralizedPareto(*a[:3]).log_prob(a[3]), loc, scale, xi, GP_X, device=device)
    check_grad(lambda *a: GeneralizedPareto(*a[:3]).cdf(a[3]), loc, scale, xi, GP_X, device=device)
    check_grad(lambda *a: GeneralizedPareto(*a[:3]).icdf(a[3]), loc, scale, xi, GP_U, device=device)
    check_grad(lambda *a: GeneralizedPareto(*a).entropy() + GeneralizedPareto(*a).mean
               + GeneralizedPareto(*a).variance, loc, scale, xi, device=device)
    check_grad(lambda s, x: GeneralizedPareto(0.5, s, 0.0).log_prob(x) + GeneralizedPareto(0.5, s, 0.0).cdf(x),
               np.array([0.7, 2.0]), np.array([0.9, 4.0]), device=device)            # ... but xi = 0 itself

    def draw(*a):
        mg.manual_seed(2)
        return GeneralizedPareto(*a).rsample((3,))
    check_grad(draw, loc, scale, xi, device=device)


def test_generalized_pareto_rsample_is_icdf_of_the_noise(device):
    ps = tensors(device, *GP)
    mg.manual_seed(5)
    x = GeneralizedPareto(*ps).rsample((4,))
    mg.manual_seed(5)
    u = mg.rand((4, 2, 6), device=device, dtype=mg.float64).numpy()
    loc, scale, xi = GP
    with np.errstate(divide="ignore", invalid="ignore"):
        general = loc + scale / xi * np.expm1(-xi * np.log1p(-u))
        expected = np.where(np.abs(xi) < 1e-8, loc - scale * np.log1p(-u), general)
    np.testing.assert_allclose(x.numpy(), expected, rtol=1e-10)


# ----------------------------------------------------------------- VonMises
VM_LOC, VM_K = np.array([[0.3], [-2.5]]), np.array([1e-4, 0.7, 4.0, 60.0, 900.0])
VM_X = np.array([0.1, 3.0, -3.1, 7.5, -9.0])           # values far outside [-pi, pi): read modulo 2 pi


def test_von_mises_log_prob_and_variance(torch):
    d = VonMises(*tensors("cpu", VM_LOC, VM_K))
    lp = d.log_prob(mg.tensor(VM_X)).numpy()
    k = VM_K[:4]                                                # (numpy's I0 overflows at 900)
    expected = k * np.cos(VM_X[:4] - VM_LOC) - np.log(2 * np.pi) - np.log(np.i0(k))
    np.testing.assert_allclose(lp[:, :4], expected, rtol=1e-12, atol=1e-12)
    t = _torch(torch, "VonMises", torch.tensor(VM_LOC), torch.tensor(VM_K))
    # (PyTorch's log-Bessel is a polynomial fit, good to about 1e-7)
    np.testing.assert_allclose(lp, t.log_prob(torch.tensor(VM_X)).numpy(), rtol=1e-6, atol=1e-6)
    tk = torch.tensor(VM_K)
    exact = 1 - (torch.special.i1e(tk) / torch.special.i0e(tk)).numpy()
    np.testing.assert_allclose(d.variance.numpy(), np.broadcast_to(exact, (2, 5)), rtol=1e-12)
    np.testing.assert_allclose(d.variance.numpy(), t.variance.numpy(), rtol=1e-5, atol=1e-6)
    assert d.mean is d.loc and d.mode is d.loc and d.batch_shape == (2, 5)
    assert repr(d.support) == repr(t.support) and not d.has_rsample


def test_gradcheck_von_mises(device):
    check_grad(lambda m, k, x: VonMises(m, k).log_prob(x), VM_LOC, VM_K[1:], VM_X[1:], device=device)
    check_grad(lambda k: VonMises(0.0, k).variance, VM_K[1:], device=device)


@pytest.mark.parametrize("kappa", [1e-6, 0.5, 3.0, 1000.0])
def test_von_mises_sample_statistics(device, kappa):
    d = VonMises(mg.tensor(np.array([2.8, -1.0]), device=device), mg.tensor(np.full(2, kappa), device=device))
    mg.manual_seed(0)
    x = d.sample((N,))
    assert x.shape == (N, 2) and x.dtype == np.float64 and not x.requires_grad
    xs = x.numpy()
    assert ((xs >= -np.pi) & (xs < np.pi)).all()
    c, s = np.cos(xs - [2.8, -1.0]), np.sin(xs - [2.8, -1.0])
    r = 1 - d.variance.numpy()                                  # E[cos(X - loc)] = I1(k) / I0(k)
    np.testing.assert_array_less(np.abs(c.mean(0) - r), 6 * c.std(0) / np.sqrt(N) + 1e-12)
    np.testing.assert_array_less(np.abs(s.mean(0)), 6 * s.std(0) / np.sqrt(N) + 1e-12)
    edges = np.linspace(-np.pi, np.pi, 9)                       # frequencies of 8 arcs against the density
    grid = np.linspace(-np.pi, np.pi, 8001)
    dens = np.exp(d.log_prob(mg.tensor(np.broadcast_to(grid[:, None], (8001, 2)).copy(), device=device)).numpy())
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = (grid >= lo) & (grid <= hi)
        p = np.trapezoid(dens[inside], grid[inside], axis=0)
        se = np.sqrt(np.clip(p * (1 - p), 0, None) / N)          # (p may pass 1 by the quadrature's error)
        np.testing.assert_array_less(np.abs(((xs >= lo) & (xs < hi)).mean(0) - p), 6 * se + 1e-4)


def test_von_mises_has_no_rsample_and_keeps_float32():
    d = VonMises(mg.tensor([0.0, 1.0]), mg.tensor([2.0, 5.0]))
    assert d.sample((3,)).dtype == np.float32 and d.sample((3,)).shape == (3, 2)
    with pytest.raises(NotImplementedError, match="VonMises has no reparameterised sampler"):
        d.rsample()
    e = d.expand((4, 2))
    assert type(e) is VonMises and e.sample().shape == (4, 2) and e.concentration.shape == (4, 2)


# ----------------------------------------------------------------- every family: shapes, dtypes, errors
FAMILIES = {"InverseGamma": (InverseGamma, [A, B], ("concentration", "rate"), X),
            "FisherSnedecor": (FisherSnedecor, [A, B], ("df1", "df2"), X),
            "GeneralizedPareto": (GeneralizedPareto, GP, ("loc", "scale", "concentration"), GP_X),
            "VonMises": (VonMises, [VM_LOC, VM_K], ("loc", "concentration"), VM_X)}


@pytest.mark.parametrize("name", list(FAMILIES))
def test_shapes_constraints_expand_and_float32(torch, name):
    family, params, _, value = FAMILIES[name]
    ours, theirs = family(*(mg.tensor(p) for p in params)), _torch(torch, name, *map(torch.tensor, params))
    assert ours.batch_shape == tuple(theirs.batch_shape) and ours.event_shape == () and len(ours.batch_shape) == 2
    assert ours.has_rsample == theirs.has_rsample
    assert {k: repr(v) for k, v in ours.arg_constraints.items()} == {k: repr(v) for k, v in
                                                                       theirs.arg_constraints.items()}
    assert ours.sample((5, 1)).shape == (5, 1) + ours.batch_shape
    e = ours.expand((2,) + ours.batch_shape)
    assert type(e) is family and e.batch_shape == (2,) + ours.batch_shape
    assert e.sample().shape == (2,) + ours.batch_shape
    v = mg.tensor(value)
    np.testing.assert_allclose(e.log_prob(v).numpy(), np.broadcast_to(ours.log_prob(v).numpy(), e.batch_shape))
    f32 = family(*(mg.tensor(p, dtype=mg.float32) for p in params))
    v32 = mg.tensor(value, dtype=mg.float32)
    for out in (f32.sample((2,)), f32.log_prob(v32), f32.mean, f32.variance):
        assert out.dtype == np.float32
    assert family(*[1.0] * len(params)).sample().dtype == np.float32


@pytest.mark.parametrize("name", list(FAMILIES))
def test_bad_parameters_raise(name):
    family, params, names, _ = FAMILIES[name]
    which = 1 if name == "GeneralizedPareto" else len(names) - 1         # a positive parameter
    args = [mg.tensor([1.0, 2.0]) for _ in names]
    args[which] = mg.tensor([1.0, -0.5])
    with pytest.raises(ValueError, match=rf"Expected parameter {names[which]} .* of distribution {name}.* to "
                                         r"satisfy the constraint GreaterThan\(lower_bound=0.0\)"):
        family(*args)
    family(*args, validate_args=False)
    args[0] = "1"
    with pytest.raises(ValueError, match=f"{name}: expected {names[0]} to be a Tensor or a number, got str"):
        family(*args)


def test_values_outside_the_support_raise():
    for d in (InverseGamma(1.0, 2.0), FisherSnedecor(1.0, 2.0)):
        with pytest.raises(ValueError, match=r"to be within the support \(GreaterThan\(lower_bound=0.0\)\)"):
            d.log_prob(mg.tensor([-1.0]))
    with pytest.raises(ValueError, match=r"to be within the support \(Real\(\)\)"):
        VonMises(0.0, 1.0).log_prob(mg.tensor([math.nan]))
