"""The simplex, Cholesky, structural and cdf transforms, and LogisticNormal: forward maps, inverses and
log|det J| against torch.distributions (values and gradients, float64), round trips, float64 gradchecks on every
device, domains/codomains/event dims/shapes as torch's, caching, and the errors."""
import numpy as np
import pytest

import minigan as mg
from minigan.distributions import Normal
from minigan.distributions import transforms as T
from minigan.distributions.logistic_normal import LogisticNormal

from helpers import check_grad, compare_with_torch, randn, tensors

VEC = randn(2, 3, 6, seed=1)                     # real vectors (N = 6 = 4 * 3 / 2 for CorrCholesky)
MAT = randn(3, 4, 4, seed=2)                     # square matrices
LOC, SCALE = randn(2, 1, 3, seed=3), 0.5 + np.abs(randn(3, seed=4))


def _make(lib, name, *p):
    """A transform of ``lib`` (minigan's or torch's transforms module) by name, with parameter tensors ``p``."""
    return {
        "softmax": lambda: lib.SoftmaxTransform(),
        "stick": lambda: lib.StickBreakingTransform(),
        "lower_cholesky": lambda: lib.LowerCholeskyTransform(),
        "positive_definite": lambda: lib.PositiveDefiniteTransform(),
        "corr_cholesky": lambda: lib.CorrCholeskyTransform(),
        "independent": lambda: lib.IndependentTransform(lib.AffineTransform(p[0], p[1]), 2),
        "reshape": lambda: lib.ReshapeTransform((3, 6), (2, 9)),
        "cat_batch": lambda: lib.CatTransform([lib.ExpTransform(), lib.AffineTransform(p[0], p[1]),
                                               lib.SigmoidTransform()], dim=1, lengths=[1, 1, 1]),
        "cat_event": lambda: lib.CatTransform([lib.TanhTransform(), lib.IndependentTransform(lib.ExpTransform(), 1)],
                                              dim=-1, lengths=[4, 2]),
        "cat_vectors": lambda: lib.CatTransform([lib.IndependentTransform(lib.SigmoidTransform(), 1),
                                                 lib.IndependentTransform(lib.ExpTransform(), 1)],
                                                dim=-2, lengths=[1, 2]),
        "stack": lambda: lib.StackTransform([lib.ExpTransform(), lib.AffineTransform(p[0], p[1]),
                                             lib.TanhTransform()], dim=-2),
        "cdf": lambda: lib.CumulativeDistributionTransform(_normal(lib, p[0], p[1])),
    }[name]()


def _normal(lib, loc, scale):
    if lib is T:
        return Normal(loc, scale)
    import torch
    return torch.distributions.Normal(loc, scale)


PSCALE = np.array([[0.7], [-1.3], [2.1]])        # one scale per row of a (2, 3, 6) input, both signs
# name: (input, parameter arrays)
CASES = {
    "softmax": (VEC, []), "stick": (VEC, []), "lower_cholesky": (MAT, []), "positive_definite": (MAT, []),
    "corr_cholesky": (VEC, []), "independent": (VEC, [randn(6, seed=5), PSCALE]), "reshape": (VEC, []),
    "cat_batch": (VEC, [randn(6, seed=5), PSCALE[1:2]]), "cat_event": (VEC, []),
    "cat_vectors": (VEC, []), "stack": (VEC, [randn(6, seed=5), PSCALE[1:2]]),
    # (within a scale of the mean: cdf values far in a tail leave (0, 1) under the finite differences' steps)
    "cdf": (LOC[..., :1] + 0.5 * np.tanh(VEC), [LOC[..., :1], 0.5 + np.abs(randn(6, seed=6))]),
}
WITH_JACOBIAN = [n for n in CASES if n not in ("softmax", "lower_cholesky", "positive_definite")]


@pytest.fixture
def TT(torch):
    import torch.distributions.transforms as tt
    return tt


def _y(name, x, params):
    """The transform's output for ``x``, computed by minigan on the host (a point in the codomain)."""
    return _make(T, name, *tensors("cpu", *params, requires_grad=False))(mg.tensor(x)).numpy()


@pytest.mark.parametrize("name", list(CASES))
def test_forward_inverse_and_jacobian_match_torch(torch, TT, name):
    x, params = CASES[name]
    compare_with_torch(torch, lambda x, *p: _make(T, name, *p)(x), lambda x, *p: _make(TT, name, *p)(x),
                       [x] + params)
    y = _y(name, x, params)
    compare_with_torch(torch, lambda y, *p: _make(T, name, *p).inv(y), lambda y, *p: _make(TT, name, *p).inv(y),
                       [y] + params, atol=1e-8)
    if name in WITH_JACOBIAN:
        def ladj(lib):
            def fn(x, *p):
                t = _make(lib, name, *p)
                return t.log_abs_det_jacobian(x, t(x))
            return fn
        compare_with_torch(torch, ladj(T), ladj(TT), [x] + params, grad=name != "reshape")


@pytest.mark.parametrize("name", list(CASES))
def test_round_trips_and_the_inverse_jacobian(name):
    x, params = CASES[name]
    t, xt = _make(T, name, *tensors("cpu", *params)), mg.tensor(x)
    y = t(xt)
    np.testing.assert_allclose(t(t.inv(y)).numpy(), y.numpy(), rtol=1e-9, atol=1e-12)
    if t.bijective:
        np.testing.assert_allclose(t.inv(y).numpy(), x, rtol=1e-8, atol=1e-8)
    if name in WITH_JACOBIAN:
        np.testing.assert_allclose(t.inv.log_abs_det_jacobian(y, xt).numpy(),
                                   -t.log_abs_det_jacobian(xt, y).numpy(), rtol=1e-12)
    if name not in ("cat_event", "cat_vectors"):    # (a cat of parts of different event dims has no check, as torch)
        assert bool(t.codomain.check(y).numpy().all())
    assert t.inv.inv is t


@pytest.mark.parametrize("name", list(CASES))
def test_gradcheck_forward_inverse_and_jacobian(device, name):
    x, params = CASES[name]

    def ladj(x, *p):
        t = _make(T, name, *p)
        return t.log_abs_det_jacobian(x, t(x))
    check_grad(lambda x, *p: _make(T, name, *p)(x), x, *params, device=device)
    if name in WITH_JACOBIAN and name != "reshape":
        check_grad(ladj, x, *params, device=device)
    y = _y(name, x, params)
    if name == "positive_definite":          # the inverse sees a symmetric matrix: differentiate through it so
        check_grad(lambda m: _make(T, name).inv((m + m.mT) / 2), y, device=device)   # the steps keep it so
    else:
        check_grad(lambda y, *p: _make(T, name, *p).inv(y), y, *params, device=device)


@pytest.mark.parametrize("name", list(CASES))
def test_domain_codomain_shapes_and_flags_match_torch(torch, TT, name):
    x, params = CASES[name]
    ours, theirs = _make(T, name, *tensors("cpu", *params)), _make(TT, name, *(torch.tensor(p) for p in params))
    for t, tt in ((ours, theirs), (ours.inv, theirs.inv)):
        assert repr(t.domain) == repr(tt.domain) and repr(t.codomain) == repr(tt.codomain)
        assert t.domain.event_dim == tt.domain.event_dim and t.codomain.event_dim == tt.codomain.event_dim
        assert t.bijective == tt.bijective
    shape = x.shape
    assert ours.forward_shape(shape) == tuple(theirs.forward_shape(torch.Size(shape)))
    y_shape = ours.forward_shape(shape)
    assert ours.inverse_shape(y_shape) == tuple(theirs.inverse_shape(torch.Size(y_shape))) == tuple(shape)
    if name != "corr_cholesky":
        assert ours.event_dim == theirs.event_dim
    assert repr(ours) == repr(theirs)


def test_shape_functions_and_event_dims():
    assert T.StickBreakingTransform().forward_shape((5, 3)) == (5, 4)
    assert T.StickBreakingTransform().inv.forward_shape((5, 4)) == (5, 3)
    assert T.CorrCholeskyTransform().forward_shape((2, 10)) == (2, 5, 5)
    assert T.CorrCholeskyTransform().inverse_shape((5, 5)) == (10,) and T.CorrCholeskyTransform().forward_shape(
        (0,)) == (1, 1)
    assert T.ReshapeTransform((6,), (2, 3)).forward_shape((4, 6)) == (4, 2, 3)
    assert T.CatTransform([T.IndependentTransform(T.ExpTransform(), 1), T.ExpTransform()]).event_dim == 1
    assert T.StackTransform([T.ExpTransform()], dim=-1).domain.event_dim == 1
    assert T.StackTransform([T.ExpTransform()], dim=0).domain.event_dim == 0
    assert T.LowerCholeskyTransform().event_dim == 2 and T.SoftmaxTransform().event_dim == 1
    t = T.IndependentTransform(T.AffineTransform(0.0, -2.0), 1)
    assert t.sign == -1 and t.bijective and t.event_dim == 1
    y = T.CorrCholeskyTransform()(mg.tensor(randn(7, 3, seed=9)))            # L L^T is a correlation matrix
    corr = (y @ y.mT).numpy()
    np.testing.assert_allclose(np.diagonal(corr, axis1=-2, axis2=-1), np.ones((7, 3)), rtol=1e-12)
    assert (np.abs(corr) <= 1 + 1e-12).all()


def test_cache_gives_back_the_very_tensors():
    for t in (T.StickBreakingTransform(cache_size=1), T.ReshapeTransform((6,), (3, 2), cache_size=1),
              T.IndependentTransform(T.ExpTransform(), 1, cache_size=1),
              T.CatTransform([T.ExpTransform(), T.TanhTransform()], dim=-1, lengths=[3, 3], cache_size=1),
              T.StackTransform([T.ExpTransform(), T.TanhTransform()], dim=0, cache_size=1),
              T.CumulativeDistributionTransform(Normal(0.0, 1.0), cache_size=1)):
        x = mg.tensor(randn(2, 6, seed=3))
        y = t(x)
        assert t.inv(y) is x and t(x) is y
        assert t.with_cache(1) is t and t.with_cache(0)._cache_size == 0
    assert T.IndependentTransform(T.ExpTransform(), 1).with_cache(1).base_transform._cache_size == 1
    assert all(p._cache_size == 1 for p in T.CatTransform([T.ExpTransform()]).with_cache(1).transforms)
    assert T.SoftmaxTransform().with_cache(1)._cache_size == 1


def test_equality_as_torch():
    assert T.StickBreakingTransform() == T.StickBreakingTransform() != T.SoftmaxTransform()
    assert T.LowerCholeskyTransform() == T.LowerCholeskyTransform() != T.PositiveDefiniteTransform()
    t = T.ReshapeTransform((2,), (2,))
    assert t == t and t != T.ReshapeTransform((2,), (2,))        # identity, as torch (no __eq__ of its own)


def test_float32_in_float32_out():
    x, m = mg.tensor(VEC.astype(np.float32)), mg.tensor(MAT.astype(np.float32))
    for t, v in ((T.SoftmaxTransform(), x), (T.StickBreakingTransform(), x), (T.CorrCholeskyTransform(), x),
                 (T.LowerCholeskyTransform(), m), (T.PositiveDefiniteTransform(), m),
                 (T.ReshapeTransform((6,), (2, 3)), x)):
        y = t(v)
        assert y.dtype == np.float32 and t.inv(y).dtype == np.float32
        if t.bijective:
            assert t.log_abs_det_jacobian(v, y).dtype == np.float32


def test_stick_breaking_is_stable_for_large_inputs():
    x = mg.tensor([[40.0, -40.0, 0.0], [-60.0, 60.0, 3.0]])
    t = T.StickBreakingTransform()
    y = t(x)
    assert np.isfinite(y.numpy()).all() and np.allclose(y.numpy().sum(-1), 1.0)
    assert np.isfinite(t.log_abs_det_jacobian(x, y).numpy()).all()


def test_errors():
    with pytest.raises(NotImplementedError, match="SoftmaxTransform does not implement log_abs_det_jacobian"):
        T.SoftmaxTransform().log_abs_det_jacobian(mg.zeros(3), mg.zeros(3))
    with pytest.raises(ValueError, match="StickBreakingTransform: Too few dimensions on input"):
        T.StickBreakingTransform().forward_shape(())
    with pytest.raises(ValueError, match="Input is not a flattened lower-diagonal number"):
        T.CorrCholeskyTransform()(mg.zeros(2, 5))
    with pytest.raises(ValueError, match=r"CorrCholeskyTransform: Input is not square \(shape \(3, 4\)\)"):
        T.CorrCholeskyTransform().inv(mg.zeros(3, 4))
    with pytest.raises(ValueError, match="ReshapeTransform: in_shape, out_shape have different numbers of element"):
        T.ReshapeTransform((2, 3), (5,))
    with pytest.raises(ValueError, match=r"Shape mismatch: expected \(4,\) but got \(6,\)"):
        T.ReshapeTransform((6,), (2, 3)).forward_shape((2, 4))
    with pytest.raises(ValueError, match="IndependentTransform: Too few dimensions on input"):
        T.IndependentTransform(T.ExpTransform(), 2)(mg.zeros(3))
    with pytest.raises(TypeError, match="CatTransform: All elements of tseq must be Transform instances, got str"):
        T.CatTransform([T.ExpTransform(), "exp"])
    with pytest.raises(ValueError, match=r"CatTransform: lengths \(1\) must match transforms \(2\)"):
        T.CatTransform([T.ExpTransform(), T.ExpTransform()], lengths=[2])
    with pytest.raises(ValueError, match=r"CatTransform: x.size\(0\) = 3 must equal length 2"):
        T.CatTransform([T.ExpTransform(), T.ExpTransform()])(mg.zeros(3))
    with pytest.raises(ValueError, match="StackTransform: dim 2 out of range for y with 2 dimensions"):
        T.StackTransform([T.ExpTransform()], dim=2).inv(mg.zeros(1, 2))
    with pytest.raises(ValueError, match=r"StackTransform: x.size\(0\) = 3 must equal len\(transforms\) 2"):
        T.StackTransform([T.ExpTransform(), T.ExpTransform()])(mg.zeros(3))
    with pytest.raises(TypeError, match="CumulativeDistributionTransform: expected a Distribution, got float"):
        T.CumulativeDistributionTransform(1.0)


# ----------------------------------------------------------------------------------------- LogisticNormal
def test_logistic_normal_matches_torch(torch):
    value = np.random.default_rng(0).dirichlet(np.ones(4), (5, 2, 1))           # (5, 2, 1, 4) on the simplex
    compare_with_torch(torch, lambda v, a, b: LogisticNormal(a, b).log_prob(v),
                       lambda v, a, b: torch.distributions.LogisticNormal(a, b).log_prob(v), [value, LOC, SCALE])
    ours, theirs = LogisticNormal(*tensors("cpu", LOC, SCALE)), torch.distributions.LogisticNormal(
        torch.tensor(LOC), torch.tensor(SCALE))
    assert ours.batch_shape == tuple(theirs.batch_shape) == (2, 1) and ours.event_shape == (4,)
    assert repr(ours.support) == repr(theirs.support) == "Simplex()" and ours.has_rsample
    assert ours.expand((3, 2, 5)).batch_shape == (3, 2, 5) and ours.expand((3, 2, 5)).sample().shape == (3, 2, 5, 4)
    assert isinstance(ours.expand((2, 1)), LogisticNormal)
    assert ours.loc.shape == (2, 1, 3) and ours.scale.shape == (2, 1, 3)
    s = LogisticNormal(0.0, 1.0)
    assert s.batch_shape == () and s.event_shape == (2,) and s.sample((3,)).shape == (3, 2)


def test_logistic_normal_rsample_is_stick_breaking_of_the_normal_draw(device):
    loc, scale = tensors(device, LOC, SCALE)
    mg.manual_seed(3)
    y = LogisticNormal(loc, scale).rsample((4,))
    mg.manual_seed(3)
    x = Normal(loc, scale).rsample((4,))
    np.testing.assert_allclose(y.numpy(), T.StickBreakingTransform()(x).numpy(), rtol=1e-12)
    assert np.allclose(y.numpy().sum(-1), 1.0) and y.shape == (4, 2, 1, 4)
    y.sum(-1).sum().backward()                 # the entries sum to 1 whatever the parameters: no gradient
    np.testing.assert_allclose(loc.grad.numpy(), 0.0, atol=1e-12)


def test_gradcheck_logistic_normal_log_prob(device):
    value = np.random.default_rng(1).dirichlet(np.ones(4), (2, 1))
    check_grad(lambda a, b: LogisticNormal(a, b).log_prob(mg.tensor(value, device=a.device)), LOC, SCALE,
               device=device)


def test_logistic_normal_validates():
    with pytest.raises(ValueError, match="scale"):
        LogisticNormal(0.0, -1.0)
    with pytest.raises(ValueError, match=r"to be within the support \(Simplex\(\)\)"):
        LogisticNormal(mg.zeros(3), 1.0).log_prob(mg.tensor([0.5, 0.5, 0.5, 0.5]))
