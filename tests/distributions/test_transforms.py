"""Transforms and TransformedDistribution: forward maps, inverses and log|dy/dx| against
torch.distributions.transforms (values and gradients, float64), inverses round-tripping, the cache, domains,
signs and event dims; TransformedDistribution's shapes, log_prob, cdf/icdf through increasing and decreasing
chains, rsample as the transforms of the base draw, expand, and its errors; gradchecks on every device."""
from types import SimpleNamespace

import numpy as np
import pytest

import minigan as mg
from minigan.distributions import Independent, LogNormal, Normal, Uniform
from minigan.distributions import transforms as T
from minigan.distributions.transform_base import _InverseTransform
from minigan.distributions.transformed import TransformedDistribution

from helpers import check_grad, compare_with_torch, randn, tensors

X = randn(3, 4, seed=1)                          # real inputs
POS = 0.3 + np.abs(randn(3, 4, seed=2))          # positive inputs (PowerTransform's domain)
SCALE = np.array([0.5, -1.5, 2.0, -0.7])         # broadcasts against (3, 4), both signs
LOC = randn(4, seed=3)


def _make(lib, name, *p):
    """A transform of ``lib`` (minigan's or torch's module) by name, with its parameter tensors ``p``."""
    return {
        "exp": lambda: lib.ExpTransform(),
        "sigmoid": lambda: lib.SigmoidTransform(),
        "tanh": lambda: lib.TanhTransform(),
        "softplus": lambda: lib.SoftplusTransform(),
        "affine_numbers": lambda: lib.AffineTransform(0.5, -2.0),
        "affine": lambda: lib.AffineTransform(p[0], p[1]),
        "affine_event": lambda: lib.AffineTransform(p[0], p[1], event_dim=1),
        "power": lambda: lib.PowerTransform(p[0]),
        "compose": lambda: lib.ComposeTransform([lib.AffineTransform(p[0], p[1]), lib.SigmoidTransform(),
                                                 lib.ExpTransform().inv]),
        "inverse_exp": lambda: lib.ExpTransform().inv,
    }[name]()


# name: (input array, parameter arrays)
CASES = {
    "exp": (X, []), "sigmoid": (X, []), "tanh": (X, []), "softplus": (X * 3, []), "affine_numbers": (X, []),
    "affine": (X, [LOC, SCALE]), "affine_event": (X, [LOC, SCALE]), "power": (POS, [np.array([1.7, -0.6, 2.5, 0.4])]),
    "compose": (X, [LOC, SCALE]), "inverse_exp": (POS, []),
}
NAMES = list(CASES)


@pytest.fixture
def TT(torch):
    import torch.distributions.transforms as tt
    return tt


@pytest.mark.parametrize("name", NAMES)
def test_forward_inverse_and_log_abs_det_jacobian_match_torch(torch, TT, name):
    x, params = CASES[name]
    compare_with_torch(torch, lambda x, *p: _make(T, name, *p)(x), lambda x, *p: _make(TT, name, *p)(x), [x] + params)

    def ladj(lib):
        def fn(x, *p):
            t = _make(lib, name, *p)
            return t.log_abs_det_jacobian(x, t(x))
        return fn
    # (a number scale's term is a constant of x: no graph, in torch as here)
    compare_with_torch(torch, ladj(T), ladj(TT), [x] + params, grad=name != "affine_numbers")
    y = _make(TT, name, *(torch.tensor(p) for p in params))(torch.tensor(x)).numpy()
    compare_with_torch(torch, lambda y, *p: _make(T, name, *p).inv(y),
                       lambda y, *p: _make(TT, name, *p).inv(y), [y] + params)


@pytest.mark.parametrize("name", NAMES)
def test_inverse_round_trips(name):
    x, params = CASES[name]
    t = _make(T, name, *tensors("cpu", *params))
    xt = mg.tensor(x)
    np.testing.assert_allclose(t.inv(t(xt)).numpy(), x, rtol=1e-10, atol=1e-10)
    y = t(xt)
    np.testing.assert_allclose(t(t.inv(y)).numpy(), y.numpy(), rtol=1e-10, atol=1e-12)
    assert t.inv.inv is t and t.inv is t.inv
    # the inverse's Jacobian term is minus the forward one's, at the matching points
    np.testing.assert_allclose(t.inv.log_abs_det_jacobian(y, xt).numpy(), -t.log_abs_det_jacobian(xt, y).numpy(),
                               rtol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_gradcheck_forward_inverse_and_jacobian(device, name):
    x, params = CASES[name]
    n = len(params)

    def ladj(x, *p):
        t = _make(T, name, *p)
        return t.log_abs_det_jacobian(x, t(x))
    check_grad(lambda x, *p: _make(T, name, *p)(x), x, *params, device=device)
    if name != "affine_numbers":
        check_grad(ladj, x, *params, device=device)
    y = _make(T, name, *tensors("cpu", *params, requires_grad=False))(mg.tensor(x)).numpy()
    check_grad(lambda y, *p: _make(T, name, *p).inv(y), y, *params[:n], device=device)


@pytest.mark.parametrize("name", NAMES)
def test_domain_codomain_sign_bijective_and_event_dim_match_torch(TT, name):
    import torch
    x, params = CASES[name]
    ours, theirs = _make(T, name, *tensors("cpu", *params)), _make(TT, name, *(torch.tensor(p) for p in params))
    for t, tt in ((ours, theirs), (ours.inv, theirs.inv)):
        assert repr(t.domain) == repr(tt.domain) and repr(t.codomain) == repr(tt.codomain)
        assert t.domain.event_dim == tt.domain.event_dim and t.codomain.event_dim == tt.codomain.event_dim
        assert t.bijective == tt.bijective
        assert t.forward_shape((2, 3, 4)) == tuple(tt.forward_shape(torch.Size((2, 3, 4))))
        sign, tsign = t.sign, tt.sign
        if isinstance(tsign, int):
            assert sign == tsign
        else:
            np.testing.assert_array_equal(sign.numpy(), tsign.numpy())
    assert ours.event_dim == theirs.event_dim


def test_repr_and_equality_match_torch(TT):
    assert repr(T.ExpTransform()) == repr(TT.ExpTransform()) == "ExpTransform()"
    assert repr(T.ExpTransform().inv) == repr(TT.ExpTransform().inv) == "_InverseTransform(ExpTransform())"
    assert repr(T.identity_transform) == repr(TT.identity_transform)
    assert T.ExpTransform() == T.ExpTransform() and T.ExpTransform().inv == T.ExpTransform().inv
    assert T.ExpTransform() != T.SigmoidTransform() and T.ExpTransform() != T.ExpTransform().inv
    assert T.AffineTransform(1.0, 2.0) == T.AffineTransform(1.0, 2.0) != T.AffineTransform(1.0, 3.0)
    assert T.ComposeTransform([T.ExpTransform(), T.TanhTransform()]) == T.ComposeTransform(
        [T.ExpTransform(), T.TanhTransform()])


def test_affine_event_dim_sums_the_jacobian_over_the_event():
    t = T.AffineTransform(mg.tensor(LOC), mg.tensor(SCALE), event_dim=1)
    x = mg.tensor(X)
    ladj = t.log_abs_det_jacobian(x, t(x))
    assert ladj.shape == (3,) and t.event_dim == 1
    np.testing.assert_allclose(ladj.numpy(), np.full(3, np.log(np.abs(SCALE)).sum()), rtol=1e-12)
    t = T.AffineTransform(1.0, -3.0, event_dim=2)
    out = t.log_abs_det_jacobian(x, t(x))
    assert out.shape == () and out.dtype == np.float64
    np.testing.assert_allclose(out.numpy(), 12 * np.log(3.0), rtol=1e-12)


def test_compose_sign_inverse_and_identity():
    c = T.ComposeTransform([T.AffineTransform(0.0, -2.0), T.ExpTransform(), T.AffineTransform(1.0, -1.0)])
    assert c.sign == 1 and c.bijective and c.inv.inv is c
    assert [type(p) for p in c.inv.parts] == [_InverseTransform] * 3
    x = mg.tensor(X)
    np.testing.assert_allclose(c.inv(c(x)).numpy(), X, rtol=1e-12)
    np.testing.assert_allclose(c.log_abs_det_jacobian(x, c(x)).numpy(), np.log(2.0) + (-2 * X), rtol=1e-12)
    assert T.identity_transform(x) is x
    assert T.identity_transform.log_abs_det_jacobian(x, x).numpy().tolist() == np.zeros((3, 4)).tolist()
    assert T.ComposeTransform([T.ExpTransform(), T.AbsTransform()]).bijective is False


def test_abs_transform_is_not_bijective_and_has_no_jacobian_or_sign():
    t = T.AbsTransform()
    x = mg.tensor([-1.5, 2.0])
    assert not t.bijective and t(x).numpy().tolist() == [1.5, 2.0] and t.inv(t(x)).numpy().tolist() == [1.5, 2.0]
    with pytest.raises(NotImplementedError, match="AbsTransform does not implement log_abs_det_jacobian"):
        t.log_abs_det_jacobian(x, t(x))
    with pytest.raises(NotImplementedError, match="AbsTransform has no sign"):
        t.sign


def test_cache_returns_the_very_input_and_bad_cache_size_raises():
    t = T.TanhTransform(cache_size=1)
    x = mg.tensor([30.0, -0.2])                          # tanh(30) rounds to 1: atanh alone cannot invert it
    y = t(x)
    assert t.inv(y) is x and t(x) is y
    assert np.isinf(T.TanhTransform().inv(y).numpy()[0])
    assert T.ExpTransform().with_cache(1)._cache_size == 1 and T.ExpTransform().inv.with_cache(1).inv._cache_size == 1
    with pytest.raises(ValueError, match="cache_size must be 0 or 1"):
        T.ExpTransform(cache_size=2)


def test_bad_parameters_raise():
    with pytest.raises(ValueError, match="AffineTransform: expected scale to be a Tensor or a number, got str"):
        T.AffineTransform(0.0, "2")
    with pytest.raises(ValueError, match="PowerTransform: expected exponent to be a Tensor or a number, got list"):
        T.PowerTransform([2.0])
    with pytest.raises(TypeError, match="ComposeTransform: expected a list of Transforms, got float"):
        T.ComposeTransform([T.ExpTransform(), 2.0])

    class VectorToNumber(T.Transform):
        domain, codomain = T.constraints.real_vector, T.constraints.real
    with pytest.raises(ValueError, match="Please use either .domain.event_dim or .codomain.event_dim"):
        VectorToNumber().event_dim


def test_float32_in_float32_out():
    x = mg.tensor(X.astype(np.float32))
    for name in ("exp", "sigmoid", "tanh", "softplus", "affine_numbers"):
        t = _make(T, name)
        y = t(x)
        assert y.dtype == np.float32 and t.inv(y).dtype == np.float32
        assert t.log_abs_det_jacobian(x, y).dtype == np.float32


# ----------------------------------------------------------------- TransformedDistribution
def _td(lib, name, *a):
    """A TransformedDistribution of ``lib`` (minigan.distributions or torch.distributions) by name."""
    tr = lib.transforms
    return {
        "lognormal": lambda: lib.TransformedDistribution(lib.Normal(a[0], a[1]), [tr.ExpTransform()]),
        "affine_vector": lambda: lib.TransformedDistribution(lib.Normal(a[0], a[1]),
                                                             tr.AffineTransform(a[2], a[3], event_dim=1)),
        "logit_normal": lambda: lib.TransformedDistribution(lib.Normal(a[0], a[1]),
                                                            [tr.SigmoidTransform(), tr.AffineTransform(1.0, -2.0)]),
        "tanh_normal": lambda: lib.TransformedDistribution(lib.Normal(a[0], a[1]),
                                                           [tr.AffineTransform(a[2], a[3]), tr.TanhTransform()]),
    }[name]()


TD_CASES = {  # name: (parameter arrays, values in the support)
    "lognormal": ([randn(3, 1, seed=4), 0.5 + np.abs(randn(4, seed=5))], 0.2 + np.abs(randn(2, 3, 4, seed=6))),
    "affine_vector": ([randn(3, 1, seed=4), 0.5 + np.abs(randn(4, seed=5)), LOC, SCALE], randn(2, 3, 4, seed=6)),
    "logit_normal": ([randn(3, 1, seed=4), 0.5 + np.abs(randn(4, seed=5))], np.tanh(randn(2, 3, 4, seed=6))),
    "tanh_normal": ([randn(3, 1, seed=4), 0.5 + np.abs(randn(4, seed=5)), LOC, SCALE],
                    0.9 * np.tanh(randn(2, 3, 4, seed=6))),
}


# minigan's side of _td, named as torch.distributions names them
MG = SimpleNamespace(Normal=Normal, transforms=T, TransformedDistribution=TransformedDistribution)


@pytest.mark.parametrize("name", list(TD_CASES))
def test_transformed_log_prob_and_shapes_match_torch(torch, name):
    D, TDist = MG, torch.distributions
    params, value = TD_CASES[name]
    compare_with_torch(torch, lambda v, *a: _td(D, name, *a).log_prob(v), lambda v, *a: _td(TDist, name, *a)
                       .log_prob(v), [value] + params)
    ours, theirs = _td(D, name, *tensors("cpu", *params)), _td(TDist, name, *map(torch.tensor, params))
    assert ours.batch_shape == tuple(theirs.batch_shape) and ours.event_shape == tuple(theirs.event_shape)
    assert repr(ours.support) == repr(theirs.support) and ours.has_rsample
    assert ours.sample((5,)).shape == tuple(theirs.sample((5,)).shape)


@pytest.mark.parametrize("name", ["lognormal", "logit_normal", "tanh_normal"])
def test_transformed_cdf_and_icdf_match_torch(torch, name):
    D, TDist = MG, torch.distributions
    params, value = TD_CASES[name]
    compare_with_torch(torch, lambda v, *a: _td(D, name, *a).cdf(v), lambda v, *a: _td(TDist, name, *a).cdf(v),
                       [value] + params)
    q = np.random.default_rng(0).uniform(0.05, 0.95, (2, 3, 4))
    compare_with_torch(torch, lambda v, *a: _td(D, name, *a).icdf(v), lambda v, *a: _td(TDist, name, *a).icdf(v),
                       [q] + params)
    d = _td(D, name, *tensors("cpu", *params))
    np.testing.assert_allclose(d.cdf(d.icdf(mg.tensor(q))).numpy(), q, rtol=1e-9)


@pytest.mark.parametrize("name", list(TD_CASES))
def test_gradcheck_transformed_log_prob(device, name):
    params, value = TD_CASES[name]
    check_grad(lambda v, *a: _td(MG, name, *a).log_prob(v), value, *params, device=device)
    if name != "affine_vector":
        check_grad(lambda v, *a: _td(MG, name, *a).cdf(v), value, *params, device=device)


def test_exp_of_a_normal_is_the_lognormal():
    loc, scale, y = mg.tensor(randn(3, seed=1)), mg.tensor([0.5, 1.0, 2.0]), mg.tensor([0.3, 1.0, 4.0])
    d = TransformedDistribution(Normal(loc, scale), T.ExpTransform())
    np.testing.assert_allclose(d.log_prob(y).numpy(), LogNormal(loc, scale).log_prob(y).numpy(), rtol=1e-12)
    np.testing.assert_allclose(d.cdf(y).numpy(), LogNormal(loc, scale).cdf(y).numpy(), rtol=1e-12)


def test_rsample_is_the_transformed_base_draw_with_its_gradient(device):
    loc, scale = tensors(device, np.array([0.5, -1.0]), np.array([2.0, 0.3]))
    d = TransformedDistribution(Normal(loc, scale), [T.AffineTransform(1.0, 3.0), T.TanhTransform()])
    mg.manual_seed(5)
    y = d.rsample((4,))
    mg.manual_seed(5)
    eps = mg.randn(4, 2, dtype=mg.float64, device=device).numpy()
    x = loc.numpy() + scale.numpy() * eps
    np.testing.assert_allclose(y.numpy(), np.tanh(1 + 3 * x), rtol=1e-12)
    y.sum().backward()
    dy = 3 * (1 - np.tanh(1 + 3 * x) ** 2)
    np.testing.assert_allclose(loc.grad.numpy(), dy.sum(0), rtol=1e-10)
    np.testing.assert_allclose(scale.grad.numpy(), (dy * eps).sum(0), rtol=1e-10)
    assert not d.sample((3,)).requires_grad


def test_decreasing_chain_flips_the_cdf():
    d = TransformedDistribution(Uniform(0.0, 1.0), T.AffineTransform(0.0, -1.0))    # uniform on (-1, 0]
    np.testing.assert_allclose(d.cdf(mg.tensor([-0.75, -0.25])).numpy(), [0.25, 0.75], rtol=1e-6)
    np.testing.assert_allclose(d.icdf(mg.tensor([0.25, 0.75])).numpy(), [-0.75, -0.25], rtol=1e-6)


def test_expand_independent_wrapping_and_missing_moments(torch):
    base = Normal(mg.zeros(1), 1.0)
    d = TransformedDistribution(base, T.AffineTransform(mg.tensor(LOC), 2.0, event_dim=1))
    assert d.batch_shape == () and d.event_shape == (4,) and type(d.base_dist).__name__ == "Independent"
    assert d.base_dist.batch_shape == () and d.base_dist.event_shape == (4,)   # the base broadcast to 4
    assert isinstance(TransformedDistribution(Normal(mg.zeros(2, 4), 1.0), T.AffineTransform(0.0, 2.0, event_dim=1))
                      .base_dist, Independent)
    e = TransformedDistribution(Normal(mg.zeros(3), 1.0), T.ExpTransform()).expand((2, 3))
    assert e.batch_shape == (2, 3) and e.base_dist.batch_shape == (2, 3) and e.sample().shape == (2, 3)
    for prop in ("mean", "variance"):
        with pytest.raises(NotImplementedError, match=f"TransformedDistribution does not implement {prop}"):
            getattr(e, prop)
    with pytest.raises(NotImplementedError):
        e.entropy()


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="transforms must be a Transform or a list of Transforms"):
        TransformedDistribution(Normal(0.0, 1.0), [T.ExpTransform(), "exp"])
    with pytest.raises(ValueError, match="transforms must be a Transform or list, but was"):
        TransformedDistribution(Normal(0.0, 1.0), "exp")
    with pytest.raises(ValueError, match=r"base_distribution needs to have shape with size at least 1, but got \(\)"):
        TransformedDistribution(Normal(0.0, 1.0), T.AffineTransform(0.0, 1.0, event_dim=1))
    with pytest.raises(ValueError, match="expected base_distribution to be a Distribution, got float"):
        TransformedDistribution(1.0, T.ExpTransform())
    d = TransformedDistribution(Normal(0.0, 1.0), T.ExpTransform())
    with pytest.raises(ValueError, match=r"to be within the support \(GreaterThan\(lower_bound=0.0\)\)"):
        d.log_prob(mg.tensor(-1.0))
