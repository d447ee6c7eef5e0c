"""Property-based tests over shapes: broadcasting gradients, round trips, softmax's zero-sum gradient."""
import numpy as np
from hypothesis import given, settings, strategies as st

import minigan as mg
import minigan.nn.functional as F

SETTINGS = settings(max_examples=25, deadline=None)

dims = st.lists(st.integers(1, 4), min_size=1, max_size=4)


@st.composite
def broadcast_pair(draw):
    """A full shape and a shape that broadcasts to it (dims dropped from the front or set to 1)."""
    full = draw(dims)
    lead = draw(st.integers(0, len(full)))
    small = [1 if draw(st.booleans()) else n for n in full[lead:]]
    if draw(st.booleans()):
        return tuple(full), tuple(small)
    return tuple(small), tuple(full)


def _sum_to(g, shape):
    """The numpy reference: sum over the broadcast axes."""
    g = g.sum(axis=tuple(range(g.ndim - len(shape))))
    return g.sum(axis=tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1), keepdims=True)


@SETTINGS
@given(broadcast_pair(), st.sampled_from(["add", "mul", "sub"]), st.integers(0, 2 ** 16))
def test_broadcast_gradients_are_reduced_upstream(shapes, op, seed):
    sa, sb = shapes
    rs = np.random.default_rng(seed)
    a_np, b_np = rs.standard_normal(sa), rs.standard_normal(sb)
    a = mg.tensor(a_np, requires_grad=True)
    b = mg.tensor(b_np, requires_grad=True)
    y = {"add": a + b, "mul": a * b, "sub": a - b}[op]
    out = np.broadcast_shapes(sa, sb)
    assert y.shape == out
    v = rs.standard_normal(out)
    y.backward(mg.tensor(v))
    ga = {"add": v, "mul": v * b_np, "sub": v}[op]
    gb = {"add": v, "mul": v * a_np, "sub": -v}[op]
    np.testing.assert_allclose(a.grad.numpy(), _sum_to(ga, sa).reshape(sa), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(b.grad.numpy(), _sum_to(gb, sb).reshape(sb), rtol=1e-12, atol=1e-12)


@SETTINGS
@given(dims, st.randoms(use_true_random=False))
def test_reshape_and_permute_round_trip(shape, rnd):
    a = np.arange(float(np.prod(shape))).reshape(shape)
    x = mg.tensor(a, requires_grad=True)
    axes = list(range(len(shape)))
    rnd.shuffle(axes)
    y = x.permute(*axes)
    np.testing.assert_array_equal(y.numpy(), a.transpose(axes))
    back = y.permute(*np.argsort(axes).tolist()).reshape(-1).reshape(*shape)
    np.testing.assert_array_equal(back.numpy(), a)
    v = np.random.default_rng(0).standard_normal(shape)
    back.backward(mg.tensor(v))
    np.testing.assert_array_equal(x.grad.numpy(), v)  # a pure rearrangement passes gradients unchanged


@SETTINGS
@given(dims, st.integers(0, 3), st.integers(0, 2 ** 16))
def test_softmax_gradient_sums_to_zero(shape, axis, seed):
    axis = axis % len(shape)
    rs = np.random.default_rng(seed)
    x = mg.tensor(rs.standard_normal(shape) * 3, requires_grad=True)
    s = F.softmax(x, axis=axis)
    np.testing.assert_allclose(s.numpy().sum(axis=axis), 1.0, rtol=1e-12)
    s.backward(mg.tensor(rs.standard_normal(shape)))
    # softmax is invariant to adding a constant along the axis, so its gradient sums to zero there.
    np.testing.assert_allclose(x.grad.numpy().sum(axis=axis), 0.0, atol=1e-12)


@SETTINGS
@given(dims, st.integers(0, 2 ** 16))
def test_sum_and_mean_gradients(shape, seed):
    rs = np.random.default_rng(seed)
    x = mg.tensor(rs.standard_normal(shape), requires_grad=True)
    axis = int(rs.integers(0, len(shape)))
    y = x.mean(axis=axis)
    y.backward(mg.tensor(np.ones(y.shape)))
    np.testing.assert_allclose(x.grad.numpy(), np.full(shape, 1.0 / shape[axis]), rtol=1e-12)
