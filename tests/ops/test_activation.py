"""Activations and losses: gradchecks in float64, values, and numerical stability at ±1000."""
import numpy as np
import pytest

import minigan as mg
import minigan.nn.functional as F

from helpers import check_grad, distinct, randn, tensors


@pytest.mark.parametrize("fn", [
    F.relu, lambda x: F.leaky_relu(x, 0.2), F.sigmoid, F.tanh, F.softplus,
    lambda x: F.softmax(x, axis=-1), lambda x: F.softmax(x, dim=0),
    lambda x: F.log_softmax(x, axis=1), lambda x: F.log_softmax(x, dim=0),
], ids=["relu", "leaky_relu", "sigmoid", "tanh", "softplus", "softmax-1", "softmax0", "log_softmax1",
        "log_softmax0"])
@pytest.mark.parametrize("shape", [(1, 5), (3, 1), (2, 3, 4)])
def test_activation_gradients(device, fn, shape):
    x = distinct(*shape, seed=1) + 0.013  # relu/leaky_relu: no element at 0
    check_grad(fn, x, device=device)


def test_relu_derivative_at_zero_is_zero(device):
    x = tensors(device, [0.0, 1.0, -1.0])[0]
    F.relu(x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 1.0, 0.0])


# --------------------------------------------------------------------------- stability
def test_tanh_and_sigmoid_saturate_without_overflow(device):
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        x = tensors(device, [1000.0, -1000.0])[0]
        t = F.tanh(x)
        s = F.sigmoid(x)
        np.testing.assert_array_equal(t.numpy(), [1.0, -1.0])
        np.testing.assert_array_equal(s.numpy(), [1.0, 0.0])
        (t.sum() + s.sum()).backward()
    assert np.all(np.isfinite(x.grad.numpy()))
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0])


def test_sigmoid_float32_extremes(device):
    x = mg.tensor([-1000.0, 0.0, 1000.0], device=device, requires_grad=True)
    y = F.sigmoid(x)
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y.numpy(), [0.0, 0.5, 1.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.25, 0.0])


def test_log_softmax_of_huge_logits(device):
    x = tensors(device, [1000.0, 0.0])[0]
    y = F.log_softmax(x, dim=0)
    np.testing.assert_allclose(y.numpy(), [0.0, -1000.0], atol=1e-12)
    np.testing.assert_allclose(F.softmax(x, dim=0).numpy(), [1.0, 0.0], atol=1e-12)
    v = np.array([0.3, -0.7])
    y.backward(mg.tensor(v, device=device))
    # g - softmax * sum(g) = [0.3 - 1 * (-0.4), -0.7 - 0] = [0.7, -0.7]
    np.testing.assert_allclose(x.grad.numpy(), [0.7, -0.7], atol=1e-12)


def test_softplus_is_finite_at_extremes(device):
    x = tensors(device, [1000.0, -1000.0])[0]
    y = F.softplus(x)
    np.testing.assert_allclose(y.numpy(), [1000.0, 0.0])
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 0.0])


def test_bce_with_logits_at_extremes_has_gradient_sigmoid_minus_target(device):
    a = tensors(device, [1000.0, -1000.0, 1000.0, -1000.0, 0.5])[0]
    t = np.array([0.0, 1.0, 1.0, 0.0, 0.3])
    loss = F.binary_cross_entropy_with_logits(a, mg.tensor(t, device=device), reduction="sum")
    np.testing.assert_allclose(loss.item(), 2000.0 + np.log1p(np.exp(-0.5)) + 0.5 - 0.3 * 0.5, rtol=1e-12)
    loss.backward()
    sig = np.array([1.0, 0.0, 1.0, 0.0, 1 / (1 + np.exp(-0.5))])
    np.testing.assert_allclose(a.grad.numpy(), sig - t, atol=1e-12)


# --------------------------------------------------------------------------- integer inputs
@pytest.mark.parametrize("fn", [F.sigmoid, F.tanh], ids=["sigmoid", "tanh"])
def test_sigmoid_and_tanh_of_integers_are_float32(device, fn):
    x = mg.tensor([1, 2, -3], device=device)
    y = fn(x)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.numpy(), fn(mg.tensor([1.0, 2.0, -3.0], device=device)).numpy())
    np.testing.assert_allclose(F.sigmoid(mg.tensor([1, 2])).numpy(), [0.7310586, 0.8807971], rtol=1e-6)


@pytest.mark.parametrize("fn", [F.leaky_relu, F.softplus], ids=["leaky_relu", "softplus"])
def test_leaky_relu_and_softplus_refuse_integers(fn):
    with pytest.raises(TypeError, match=f"{fn.__name__}: expected a floating-point tensor, got dtype int64"):
        fn(mg.tensor([1, -2]))


def test_relu_of_integers_stays_integer():
    y = F.relu(mg.tensor([1, -2]))
    assert y.dtype == np.int64
    assert y.numpy().tolist() == [1, 0]


def test_integer_activations_match_torch(torch):
    import torch.nn.functional as tf
    for ours, theirs in [(F.sigmoid, tf.sigmoid), (F.tanh, tf.tanh), (F.relu, tf.relu)]:
        y, ty = ours(mg.tensor([1, 2, -3])), theirs(torch.tensor([1, 2, -3]))
        assert y.dtype.name == str(ty.dtype).replace("torch.", "")
        np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-6)
    for ours, theirs in [(F.leaky_relu, tf.leaky_relu), (F.softplus, tf.softplus)]:
        with pytest.raises(TypeError):
            ours(mg.tensor([1, -2]))
        with pytest.raises(NotImplementedError):
            theirs(torch.tensor([1, -2]))


# --------------------------------------------------------------------------- elu, gelu, erf, softplus(beta)
@pytest.mark.parametrize("fn", [
    F.elu, lambda x: F.elu(x, 0.3), F.gelu, lambda x: F.gelu(x, approximate="tanh"),
    lambda x: F.softplus(x, beta=2, threshold=1.5), lambda x: F.softplus(x, beta=0.5),
], ids=["elu", "elu0.3", "gelu", "gelu-tanh", "softplus-beta2-threshold", "softplus-beta0.5"])
@pytest.mark.parametrize("shape", [(1, 5), (3, 1), (2, 3, 4)])
def test_new_activation_gradients(device, fn, shape):
    check_grad(fn, distinct(*shape, seed=2), device=device)


def test_erf_matches_math_erf_to_a_few_ulp(device):
    import math
    from minigan.ops import erf
    a = np.concatenate([np.linspace(-7, 7, 20001), [0.0, 1e-300, -1e-12, 2.5, -2.5, 2.5 - 1e-15, 40.0, -np.inf]])
    got = erf(tensors(device, a, requires_grad=False)[0]).numpy()
    np.testing.assert_allclose(got, [math.erf(v) for v in a], rtol=0, atol=2e-15)
    assert got[a == 1e-300] > 0        # odd and exact near 0, not rounded to 0 by 1 - erfc


def test_erf_gradcheck_across_the_split(device):
    from minigan.ops import erf
    check_grad(erf, np.array([-4.0, -2.51, -2.49, -1.0, 0.0, 0.3, 2.49, 2.51, 5.0]), device=device)


def test_softplus_is_linear_above_threshold(device):
    x = tensors(device, [30.0, 10.0, -5.0])[0]
    y = F.softplus(x, beta=2, threshold=20)              # beta x = 60 > 20: x itself; 20 is not above
    np.testing.assert_array_equal(y.numpy()[0], 30.0)
    np.testing.assert_allclose(y.numpy()[1:], np.log1p(np.exp(2 * np.array([10.0, -5.0]))) / 2, rtol=1e-14)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 1 / (1 + np.exp(-20.0)), 1 / (1 + np.exp(10.0))], rtol=1e-14)


def test_elu_and_gelu_stay_finite_for_huge_inputs(device):
    with np.errstate(over="raise", invalid="raise"):
        x = tensors(device, [1000.0, -1000.0])[0]
        y = F.elu(x) + F.gelu(x) + F.gelu(x, approximate="tanh")
        np.testing.assert_array_equal(y.numpy(), [3000.0, -1.0])
        y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 0.0])


def test_bad_activation_arguments():
    with pytest.raises(ValueError, match="gelu: approximate must be 'none' or 'tanh', got 'fast'"):
        F.gelu(mg.zeros(2), approximate="fast")
    with pytest.raises(ValueError, match="softplus: beta must be nonzero"):
        F.softplus(mg.zeros(2), beta=0)
    with pytest.raises(TypeError, match="elu: expected a floating-point tensor"):
        F.elu(mg.tensor([1, 2]))


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
def test_softmax_family_takes_a_dtype_as_torch(torch, name):
    """``dtype=`` casts the input first (a recorded cast): float32 in, float64 out, the gradient back in float32."""
    a = randn(2, 5, seed=3).astype(np.float32)
    x = mg.tensor(a, requires_grad=True)
    y = getattr(F, name)(x, 1, dtype=mg.float64)
    ty = getattr(torch.nn.functional, name)(torch.tensor(a), 1, dtype=torch.float64)
    assert y.dtype == np.float64
    np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-12)
    y.sum().backward()
    assert x.grad.dtype == np.float32
