"""biject_to and transform_to: every registered constraint maps random reals into itself, by the transform torch
picks (same values, inverses and log|det J|, gradients included), round trips, gradchecks on every device,
register as a call and a decorator, and the errors for unknown constraints and bad registrations."""
import numpy as np
import pytest

import minigan as mg
from minigan.distributions import constraints as C
from minigan.distributions import transforms as T
from minigan.distributions.constraint_registry import ConstraintRegistry, biject_to, transform_to

from helpers import check_grad, compare_with_torch, randn, tensors


def _constraint(lib, name):
    """A constraint of ``lib`` (minigan's or torch's constraints module) by name."""
    return {
        "real": lambda: lib.real, "real_vector": lambda: lib.real_vector, "positive": lambda: lib.positive,
        "nonnegative": lambda: lib.nonnegative, "greater_than": lambda: lib.greater_than(-1.5),
        "greater_than_eq": lambda: lib.greater_than_eq(2.0), "less_than": lambda: lib.less_than(0.5),
        "interval": lambda: lib.interval(-2.0, 3.0), "half_open_interval": lambda: lib.half_open_interval(1.0, 1.5),
        "unit_interval": lambda: lib.unit_interval, "simplex": lambda: lib.simplex,
        "lower_cholesky": lambda: lib.lower_cholesky, "positive_definite": lambda: lib.positive_definite,
        "corr_cholesky": lambda: lib.corr_cholesky,
        "independent_positive": lambda: lib.independent(lib.positive, 2),
        "independent_simplex": lambda: lib.independent(lib.simplex, 1),
    }[name]()


MATRIX = ("lower_cholesky", "positive_definite")
BIJECT = ["real", "real_vector", "positive", "nonnegative", "greater_than", "greater_than_eq", "less_than",
          "interval", "half_open_interval", "unit_interval", "simplex", "independent_positive",
          "independent_simplex", "corr_cholesky"]
TRANSFORM = BIJECT + list(MATRIX)
X = randn(3, 4, 4, seed=1)


def _x(name):
    """A batch of inputs: one 4x4 matrix for the matrix constraints, three vectors of 3 = 3 * 2 / 2 free
    entries for a 3x3 correlation matrix's Cholesky factor, else three 4x4 arrays."""
    if name == "corr_cholesky":
        return np.ascontiguousarray(X[:, 0, :3])
    return X[0] if name in MATRIX else X


@pytest.fixture
def torch_registry(torch):
    import torch.distributions as td
    return td


@pytest.mark.parametrize("which", ["biject_to", "transform_to"])
@pytest.mark.parametrize("name", TRANSFORM)
def test_lands_in_the_constraint_for_random_inputs(which, name):
    if which == "biject_to" and name not in BIJECT:
        pytest.skip("biject_to has no entry (tested in test_unregistered_constraints_raise)")
    c = _constraint(C, name)
    t = {"biject_to": biject_to, "transform_to": transform_to}[which](c)
    for seed in range(3):
        x = mg.tensor(randn(*_x(name).shape, seed=seed, scale=3.0))
        y = t(x)
        assert bool(c.check(y).numpy().all()), (which, name, seed)
        assert y.shape == t.forward_shape(x.shape)
        np.testing.assert_allclose(t(t.inv(y)).numpy(), y.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("which", ["biject_to", "transform_to"])
@pytest.mark.parametrize("name", TRANSFORM)
def test_same_transform_and_values_as_torch(torch, torch_registry, which, name):
    if which == "biject_to" and name not in BIJECT:
        pytest.skip("biject_to has no entry")
    ours = getattr(__import__("minigan.distributions.constraint_registry", fromlist=[which]), which)
    theirs = getattr(torch_registry, which)
    c, tc = _constraint(C, name), _constraint(torch_registry.constraints, name)
    assert repr(ours(c)) == repr(theirs(tc))
    x = _x(name)
    compare_with_torch(torch, lambda x: ours(c)(x), lambda x: theirs(tc)(x), [x])
    y = theirs(tc)(torch.tensor(x)).numpy()
    compare_with_torch(torch, lambda y: ours(c).inv(y), lambda y: theirs(tc).inv(y), [y], atol=1e-8)
    if ours(c).bijective and name not in ("real", "real_vector"):     # (the identity's term is a constant 0)
        def ladj(reg, con):
            def fn(x):
                t = reg(con)
                return t.log_abs_det_jacobian(x, t(x))
            return fn
        compare_with_torch(torch, ladj(ours, c), ladj(theirs, tc), [x])
    t, tt = ours(c), theirs(tc)
    assert repr(t.domain) == repr(tt.domain) and repr(t.codomain) == repr(tt.codomain)


@pytest.mark.parametrize("name", BIJECT)
def test_gradcheck_biject_to(device, name):
    c, x = _constraint(C, name), _x(name)
    check_grad(lambda x: biject_to(c)(x), x, device=device)
    if name not in ("real", "real_vector"):
        check_grad(lambda x: biject_to(c).log_abs_det_jacobian(x, biject_to(c)(x)), x, device=device)
    y = biject_to(c)(mg.tensor(x)).numpy()
    check_grad(lambda y: biject_to(c).inv(y), y, device=device)


@pytest.mark.parametrize("name", MATRIX + ("simplex",))
def test_gradcheck_transform_to(device, name):
    c = _constraint(C, name)
    check_grad(lambda x: transform_to(c)(x), _x(name), device=device)


def test_tensor_bounds_carry_their_gradients(torch, device):
    lo, hi, x = tensors(device, np.array([-1.0, 0.5, 2.0]), np.array([1.0, 4.0, 2.5]), randn(2, 3, seed=2))
    y = transform_to(C.interval(lo, hi))(x)
    assert bool(C.interval(lo, hi).check(y).numpy().all())
    check_grad(lambda a, b, x: transform_to(C.interval(a, b))(x), lo.numpy(), hi.numpy(), x.numpy(), device=device)
    check_grad(lambda a, x: biject_to(C.greater_than(a))(x), lo.numpy(), x.numpy(), device=device)
    from torch.distributions import biject_to as tb, constraints as tc
    compare_with_torch(torch, lambda a, x: biject_to(C.less_than(a))(x), lambda a, x: tb(tc.less_than(a))(x),
                       [lo.numpy(), x.numpy()])


def test_which_transforms_are_chosen():
    assert biject_to(C.unit_interval) == T.SigmoidTransform()
    assert biject_to(C.interval(0.0, 1.0)) == T.SigmoidTransform()           # by value, as torch
    assert isinstance(biject_to(C.positive), T.ComposeTransform)            # greater_than's entry, as torch
    assert biject_to(C.simplex) == T.StickBreakingTransform()
    assert all(isinstance(r(C.corr_cholesky), T.CorrCholeskyTransform) for r in (biject_to, transform_to))
    assert transform_to(C.simplex) == T.SoftmaxTransform()
    assert not transform_to(C.simplex).bijective and biject_to(C.simplex).bijective
    assert transform_to(C.positive_definite) == T.PositiveDefiniteTransform()
    assert transform_to(C.lower_cholesky) == T.LowerCholeskyTransform()
    t = biject_to(C.independent(C.simplex, 1))
    assert isinstance(t, T.IndependentTransform) and t.reinterpreted_batch_ndims == 1 and t.event_dim == 2
    assert biject_to(C.real) is T.identity_transform


def test_unregistered_constraints_raise():
    for c in (C.lower_cholesky, C.positive_definite, C.boolean, C.one_hot, C.integer_interval(0, 3), C.dependent):
        with pytest.raises(NotImplementedError, match=f"Cannot transform {type(c).__name__} constraints"):
            biject_to(c)
    with pytest.raises(NotImplementedError, match="Cannot transform _Boolean constraints"):
        transform_to(C.boolean)
    with pytest.raises(NotImplementedError, match="Cannot transform _Independent constraints"):
        ConstraintRegistry()(C.real_vector)


def test_register_as_a_call_and_as_a_decorator():
    class _Even(C.Constraint):
        is_discrete = True

        def _check(self, v):
            return v % 2 == 0

    reg = ConstraintRegistry()

    @reg.register(_Even)
    def _to_even(constraint):
        return T.AffineTransform(0.0, 2.0)
    assert isinstance(reg(_Even()), T.AffineTransform) and _to_even(None).scale == 2.0
    reg.register(_Even(), lambda c: T.ExpTransform())                     # an instance stands for its class
    assert reg(_Even()) == T.ExpTransform()
    with pytest.raises(TypeError, match="Expected constraint to be either a Constraint subclass or instance, but "
                                        "got 3"):
        reg.register(3, lambda c: T.ExpTransform())
    with pytest.raises(TypeError, match="but got <class 'int'>"):
        reg.register(int, lambda c: T.ExpTransform())


def test_float32_stays_float32():
    x = mg.tensor(X.astype(np.float32))
    for name in ("positive", "interval", "simplex", "independent_positive"):
        t = biject_to(_constraint(C, name))
        y = t(x)
        assert y.dtype == np.float32 and t.inv(y).dtype == np.float32
        assert t.log_abs_det_jacobian(x, y).dtype == np.float32
