"""The piecewise activations (hardtanh, relu6, hardsigmoid, hardswish, threshold, prelu): gradchecks in
float64 away from the kinks, PyTorch's exact values on the kinks, and dtypes."""
import numpy as np
import pytest

import minigan as mg
import minigan.nn.functional as F

from helpers import check_grad, compare_with_torch, tensors


def away_from(kinks, *shape, lo=-8.0, hi=8.0, seed=0, margin=0.05):
    """Float64 samples of U(lo, hi), each moved at least ``margin`` from every kink (so that a central
    difference of step 1e-6 never straddles one)."""
    a = np.random.default_rng(seed).uniform(lo, hi, shape)
    for k in kinks:
        near = np.abs(a - k) < margin
        a[near] = k + np.where(a[near] < k, -margin, margin)
    return a


# (name, minigan fn, torch fn by name and arguments, kinks, range of the gradcheck inputs)
OPS = [
    ("hardtanh", F.hardtanh, ("hardtanh", ()), (-1, 1), (-2, 2)),
    ("hardtanh(-0.5, 2)", lambda x: F.hardtanh(x, -0.5, 2.0), ("hardtanh", (-0.5, 2.0)), (-0.5, 2), (-2, 3)),
    ("relu6", F.relu6, ("relu6", ()), (0, 6), (-2, 8)),
    ("hardsigmoid", F.hardsigmoid, ("hardsigmoid", ()), (-3, 3), (-5, 5)),
    ("hardswish", F.hardswish, ("hardswish", ()), (-3, 3), (-5, 5)),
    ("threshold(0.5, -2)", lambda x: F.threshold(x, 0.5, -2.0), ("threshold", (0.5, -2.0)), (0.5,), (-2, 2)),
    ("prelu(0.3)", lambda x: F.prelu(x, mg.tensor(np.array([0.3]), device=x.device)), None, (0,), (-2, 2)),
]
IDS = [o[0] for o in OPS]


@pytest.mark.parametrize("name,fn,ref,kinks,span", OPS, ids=IDS)
@pytest.mark.parametrize("shape", [(7,), (3, 1), (2, 3, 5)])
def test_gradcheck_away_from_the_kinks(device, name, fn, ref, kinks, span, shape):
    x = away_from(kinks, *shape, lo=span[0], hi=span[1], seed=len(shape))
    rep = check_grad(fn, x, device=device)
    assert rep.rows and rep.passed


def _torch_fn(torch, ref):
    import torch.nn.functional as tf
    name, args = ref
    return lambda x: getattr(tf, name)(x, *args)


# The kinks themselves, points a hair to each side, the pieces' interiors and huge |x|.
ON_KINKS = {
    "hardtanh": [-1.0, 1.0, -1 - 1e-12, -1 + 1e-12, 1 - 1e-12, 1 + 1e-12, 0.0, 0.3, -1000.0, 1000.0],
    "hardtanh(-0.5, 2)": [-0.5, 2.0, -0.5 - 1e-12, 2 + 1e-12, 0.0, 1.7, -1000.0, 1000.0],
    "relu6": [0.0, 6.0, -1e-12, 1e-12, 6 - 1e-12, 6 + 1e-12, -0.0, 3.0, -1000.0, 1000.0],
    "hardsigmoid": [-3.0, 3.0, -3 - 1e-12, -3 + 1e-12, 3 - 1e-12, 3 + 1e-12, 0.0, 1.3, -1000.0, 1000.0],
    "hardswish": [-3.0, 3.0, -3 - 1e-12, -3 + 1e-12, 3 - 1e-12, 3 + 1e-12, 0.0, -1.5, 1.3, -1000.0, 1000.0],
    "threshold(0.5, -2)": [0.5, 0.5 - 1e-12, 0.5 + 1e-12, 0.0, -3.0, 2.0, -1000.0, 1000.0],
}


@pytest.mark.parametrize("name", list(ON_KINKS))
def test_values_and_gradients_match_torch_on_the_kinks(torch, device, name):
    fn, ref = next((o[1], o[2]) for o in OPS if o[0] == name)
    x = np.array(ON_KINKS[name])
    # PyTorch's float64 hardsigmoid backward multiplies by 1/6 rounded to float32 (0.1666666716...), 3e-8 off
    rtol = 5e-8 if name == "hardsigmoid" else 1e-15
    compare_with_torch(torch, fn, _torch_fn(torch, ref), [x], device=device, atol=1e-15, rtol=rtol)


# PyTorch's derivatives on the kinks, written out: hardtanh/relu6/hardsigmoid/threshold give 0 on the bound,
# hardswish the outer pieces' slopes (0 at -3, 1 at 3), prelu its slope at 0.
EXACT = [
    ("hardtanh", F.hardtanh, [-1.0, 1.0, 0.5], [-1.0, 1.0, 0.5], [0.0, 0.0, 1.0]),
    ("relu6", F.relu6, [0.0, 6.0, 2.0, 7.0], [0.0, 6.0, 2.0, 6.0], [0.0, 0.0, 1.0, 0.0]),
    ("hardsigmoid", F.hardsigmoid, [-3.0, 3.0, 0.0], [0.0, 1.0, 0.5], [0.0, 0.0, 1 / 6]),
    ("hardswish", F.hardswish, [-3.0, 3.0, 0.0, 1.5], [0.0, 3.0, 0.0, 1.125], [0.0, 1.0, 0.5, 1.0]),
    ("threshold", lambda x: F.threshold(x, 0.5, 9.0), [0.5, 0.6, 0.4], [9.0, 0.6, 9.0], [0.0, 1.0, 0.0]),
    ("prelu", lambda x: F.prelu(x, mg.tensor(np.array([0.3]), device=x.device)), [0.0, -2.0, 2.0],
     [0.0, -0.6, 2.0], [0.3, 0.3, 1.0]),
]


@pytest.mark.parametrize("name,fn,x,y,dy", EXACT, ids=[e[0] for e in EXACT])
def test_values_and_derivatives_on_the_kinks(device, name, fn, x, y, dy):
    (t,) = tensors(device, x)
    out = fn(t)
    np.testing.assert_allclose(out.numpy(), y, rtol=1e-15, atol=1e-15)
    out.sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), dy, rtol=1e-15, atol=0)


def test_hardtanh_differs_from_clip_only_on_the_bounds(device):
    """Same values everywhere; on a bound clip passes the gradient to x and hardtanh does not."""
    a, b = tensors(device, [-1.0, -0.5, 1.0, 2.0], [-1.0, -0.5, 1.0, 2.0])
    y1, y2 = F.hardtanh(a), mg.clip(b, -1.0, 1.0)
    np.testing.assert_array_equal(y1.numpy(), y2.numpy())
    y1.sum().backward()
    y2.sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [0.0, 1.0, 0.0, 0.0])
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 1.0, 1.0, 0.0])


def test_threshold_keeps_nan_as_pytorch_does(device):
    x = mg.tensor([float("nan"), 0.2, 0.7], device=device)
    np.testing.assert_array_equal(F.threshold(x, 0.5, -1.0).numpy(), np.array([np.nan, -1.0, 0.7], np.float32))
    np.testing.assert_array_equal(F.hardtanh(x).numpy(), np.array([np.nan, 0.2, 0.7], np.float32))


# --------------------------------------------------------------------------- dtypes
@pytest.mark.parametrize("fn", [F.hardtanh, F.relu6, F.hardsigmoid, F.hardswish, lambda x: F.threshold(x, 0.1, 2.0),
                                lambda x: F.prelu(x, mg.tensor([0.25], device=x.device))],
                         ids=["hardtanh", "relu6", "hardsigmoid", "hardswish", "threshold", "prelu"])
def test_float32_in_float32_out(device, fn):
    x = mg.tensor([-4.0, -3.0, -0.5, 0.0, 0.5, 3.0, 7.0], device=device, requires_grad=True)
    y = fn(x)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32


def test_hardtanh_relu6_and_threshold_of_integers_stay_integer():
    assert F.hardtanh(mg.tensor([1, -2, 3])).numpy().tolist() == [1, -1, 1]
    y = F.relu6(mg.tensor([-1, 3, 9]))
    assert y.dtype == np.int64 and y.numpy().tolist() == [0, 3, 6]
    y = F.threshold(mg.tensor([1, -2, 3]), 0, 7.9)                     # the value truncated, as in PyTorch
    assert y.dtype == np.int64 and y.numpy().tolist() == [1, 7, 3]


@pytest.mark.parametrize("fn", [F.hardsigmoid, F.hardswish, lambda x: F.prelu(x, mg.tensor([0.25]))],
                         ids=["hardsigmoid", "hardswish", "prelu"])
def test_integer_inputs_are_refused_as_in_torch(fn):
    with pytest.raises(TypeError, match="expected a floating-point tensor, got dtype int64"):
        fn(mg.tensor([1, -2]))


def test_integer_dtypes_match_torch(torch):
    import torch.nn.functional as tf
    for ours, theirs in [(F.hardtanh, tf.hardtanh), (F.relu6, tf.relu6), (lambda x: F.threshold(x, 0, 0.5),
                                                                         lambda x: tf.threshold(x, 0, 0.5))]:
        y, ty = ours(mg.tensor([1, -2, 9])), theirs(torch.tensor([1, -2, 9]))
        assert y.dtype.name == str(ty.dtype).replace("torch.", "")
        assert y.numpy().tolist() == ty.tolist()
    for ours, theirs in [(F.hardsigmoid, tf.hardsigmoid), (F.hardswish, tf.hardswish)]:
        with pytest.raises(TypeError):
            ours(mg.tensor([1, -2]))
        with pytest.raises(NotImplementedError):
            theirs(torch.tensor([1, -2]))


def test_hardtanh_refuses_min_above_max():
    with pytest.raises(ValueError, match="hardtanh: min_val cannot be greater than max_val, got min_val=2, max_val=1"):
        F.hardtanh(mg.zeros(3), 2, 1)


# --------------------------------------------------------------------------- prelu
@pytest.mark.parametrize("slopes", [1, 3], ids=["one-slope", "per-channel"])
def test_prelu_on_4d_input_matches_torch_with_weight_gradient(torch, device, slopes):
    x = away_from((0,), 2, 3, 4, 5, lo=-2, hi=2, seed=4)
    x[0, :, 0, 0] = 0.0                           # the kink too: gradient w to x, 0 to the weight
    w = np.array([0.25]) if slopes == 1 else np.array([0.1, -0.4, 1.7])
    compare_with_torch(torch, F.prelu, torch.nn.functional.prelu, [x, w], device=device, atol=1e-12, rtol=1e-12)


@pytest.mark.parametrize("slopes", [1, 3], ids=["one-slope", "per-channel"])
def test_prelu_weight_gradient_is_the_sum_over_its_negative_inputs(device, slopes):
    x = away_from((0,), 2, 3, 4, 5, lo=-2, hi=2, seed=5)
    w = np.full(slopes, 0.25)
    xt, wt = tensors(device, x, w)
    F.prelu(xt, wt).sum().backward()
    neg = np.where(x <= 0, x, 0.0)
    expected = neg.sum(axis=(0, 2, 3)) if slopes == 3 else np.array([neg.sum()])
    np.testing.assert_allclose(wt.grad.numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(xt.grad.numpy(), np.where(x > 0, 1.0, 0.25), rtol=1e-15)


@pytest.mark.parametrize("shape,slopes", [((2, 3, 4, 5), 3), ((2, 3, 4, 5), 1), ((4, 3), 3), ((5,), 1), ((), 1)],
                         ids=["4d-per-channel", "4d-one", "2d-per-channel", "1d-one", "0d-one"])
def test_prelu_gradcheck_with_weight(device, shape, slopes):
    x = away_from((0,), *shape, lo=-2, hi=2, seed=6) if shape else np.array(-0.7)
    w = np.linspace(0.1, 0.9, slopes)
    rep = check_grad(F.prelu, x, w, device=device)
    assert [r.name for r in rep.rows] == ["input 0", "input 1"]


def test_prelu_gradgradcheck(device):
    x = away_from((0,), 2, 3, 2, 2, lo=-2, hi=2, seed=7)
    mg.gradgradcheck(lambda x, w: F.prelu(x, w) * x, tensors(device, x, np.array([0.2, -0.5, 1.3])))


def test_hardswish_second_derivative_is_one_third_on_the_parabola(device):
    (x,) = tensors(device, [-4.0, -1.0, 0.5, 2.0, 4.0])
    (g,) = mg.grad(F.hardswish(x).sum(), x, create_graph=True)
    np.testing.assert_allclose(g.numpy(), [0.0, 1 / 6, 2 / 3, 7 / 6, 1.0], rtol=1e-15)
    (gg,) = mg.grad(g.sum(), x)
    np.testing.assert_allclose(gg.numpy(), [0.0, 1 / 3, 1 / 3, 1 / 3, 0.0], rtol=1e-15)


def test_prelu_errors_name_the_shapes():
    with pytest.raises(ValueError, match=r"prelu: weight has 2 slopes but the input has 3 channels on dim 1 "
                                         r"\(input shape \(4, 3, 2\)\)"):
        F.prelu(mg.zeros(4, 3, 2), mg.tensor([0.1, 0.2]))
    with pytest.raises(ValueError, match="prelu: weight has 3 slopes but the input has 1 channels"):
        F.prelu(mg.zeros(3), mg.tensor([0.1, 0.2, 0.3]))      # a 1-D input has one channel, as in PyTorch
    with pytest.raises(ValueError, match="prelu: expected weight to be a scalar or a 1-D tensor, got shape"):
        F.prelu(mg.zeros(2, 1), mg.tensor([[0.1]]))
    with pytest.raises(ValueError, match="prelu: a 0-d input takes a single slope"):
        F.prelu(mg.tensor(1.0), mg.tensor([0.1, 0.2]))


def test_prelu_shapes_match_torch(torch):
    import torch.nn.functional as tf
    for shape, n in [((), 1), ((5,), 1), ((2, 3), 3), ((2, 3, 4, 5), 3), ((2, 3), 1)]:
        x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
        w = np.linspace(-0.5, 0.5, n).astype(np.float32)
        y, ty = F.prelu(mg.tensor(x), mg.tensor(w)), tf.prelu(torch.tensor(x), torch.tensor(w))
        assert y.shape == tuple(ty.shape)
        np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-6)
    for shape, n in [((3,), 3), ((4, 3, 2), 2)]:
        with pytest.raises(RuntimeError, match="Mismatch of parameter numbers and input channel size"):
            tf.prelu(torch.zeros(shape), torch.zeros(n))
        with pytest.raises(ValueError):
            F.prelu(mg.zeros(*shape), mg.zeros(n))
