"""silu, mish, selu, celu, logsigmoid, softsign, tanhshrink, softmin and glu: gradchecks and second derivatives
in float64, PyTorch's values and gradients (at 0 and at ±1000 too), stability, dtypes and errors."""
import numpy as np
import pytest

import minigan as mg
import minigan.nn.functional as F
from minigan.ops.activation import SELU_ALPHA, SELU_SCALE

from helpers import check_grad, compare_with_torch, distinct, randn, tensors

# (name, minigan fn, torch.nn.functional name and arguments)
OPS = [
    ("silu", F.silu, ("silu", ())),
    ("mish", F.mish, ("mish", ())),
    ("selu", F.selu, ("selu", ())),
    ("celu", F.celu, ("celu", ())),
    ("celu(0.6)", lambda x: F.celu(x, 0.6), ("celu", (0.6,))),
    ("celu(2.5)", lambda x: F.celu(x, 2.5), ("celu", (2.5,))),
    ("logsigmoid", F.logsigmoid, ("logsigmoid", ())),
    ("softsign", F.softsign, ("softsign", ())),
    ("tanhshrink", F.tanhshrink, ("tanhshrink", ())),
    ("softmin(dim=0)", lambda x: F.softmin(x, dim=0), ("softmin", (0,))),
    ("glu", F.glu, ("glu", ())),
    ("glu(dim=0)", lambda x: F.glu(x, 0), ("glu", (0,))),
]
IDS = [o[0] for o in OPS]


def _torch_fn(ref):
    import torch.nn.functional as tf
    name, args = ref
    return lambda x: getattr(tf, name)(x, *args)


@pytest.mark.parametrize("name,fn,ref", OPS, ids=IDS)
@pytest.mark.parametrize("shape", [(6, 3, 2), (2, 3, 4), (4, 6)])      # even first and last dims, for glu
def test_gradcheck(device, name, fn, ref, shape):
    rep = check_grad(fn, distinct(*shape, seed=3) * 3, device=device)    # from -3.6 to 3.6, none at 0
    assert rep.rows and rep.passed


GRADGRAD = [
    ("silu", F.silu), ("mish", F.mish), ("selu", lambda x: F.selu(x) * x), ("celu", lambda x: F.celu(x, 0.7) * x),
    ("logsigmoid", F.logsigmoid), ("softsign", F.softsign), ("glu", lambda x: F.glu(x, 1)),
    ("softmin", lambda x: F.softmin(x, dim=1)),
]


@pytest.mark.parametrize("name,fn", GRADGRAD, ids=[g[0] for g in GRADGRAD])
def test_gradgradcheck(device, name, fn):
    x = randn(3, 4, seed=8) * 2
    if name in ("selu", "celu"):
        x = distinct(3, 4, seed=8) * 2                     # their second derivative jumps at 0
    mg.gradgradcheck(fn, tensors(device, x))


# PyTorch's float64 celu backward takes 1/alpha rounded to float32: 1e-7 off unless 1/alpha is a float32
# (1/2.5 is not exact either, but the rounding cancels there); test_celu_gradient_is_exact checks ours.
RTOL = {"celu(0.6)": 1e-6}

# 0 (elu's kink, the 0/0 of softsign's derivative), both sides of mish's softplus threshold (20), and huge |x|
EDGES = np.array([0.0, -0.0, 1e-8, -1e-8, 0.5, -2.5, 19.9, 20.1, -20.1, 40.0, -40.0, 1000.0, -1000.0])


@pytest.mark.parametrize("name,fn,ref", OPS, ids=IDS)
def test_matches_torch(torch, device, name, fn, ref):
    x = randn(4, 6, seed=9) * 3
    compare_with_torch(torch, fn, _torch_fn(ref), [x], device=device, atol=1e-12, rtol=RTOL.get(name, 1e-12))


@pytest.mark.parametrize("name,fn,ref", [o for o in OPS if not o[0].startswith(("glu", "softmin"))],
                         ids=[i for i in IDS if not i.startswith(("glu", "softmin"))])
def test_matches_torch_at_zero_and_at_huge_inputs(torch, device, name, fn, ref):
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        compare_with_torch(torch, fn, _torch_fn(ref), [EDGES], device=device, atol=1e-15,
                           rtol=RTOL.get(name, 1e-14))


def test_softmin_and_glu_match_torch_on_huge_inputs(torch, device):
    x = np.array([[1000.0, -1000.0, 0.0, 3.0], [-1000.0, 1000.0, 40.0, -40.0]])
    with np.errstate(over="raise", invalid="raise"):
        compare_with_torch(torch, lambda t: F.softmin(t, dim=1), lambda t: torch.nn.functional.softmin(t, dim=1), [x],
                           device=device, atol=1e-15, rtol=1e-14)
        compare_with_torch(torch, lambda t: F.glu(t, 0), lambda t: torch.nn.functional.glu(t, 0), [x],
                           device=device, atol=1e-15, rtol=1e-14)


# --------------------------------------------------------------------------- values without PyTorch
def test_derivatives_at_zero(device):
    """elu's family takes the left side's slope at 0: alpha * scale for selu, 1 for every celu."""
    cases = [(F.selu, 0.0, SELU_ALPHA * SELU_SCALE), (lambda x: F.celu(x, 0.3), 0.0, 1.0), (F.silu, 0.0, 0.5),
             (F.mish, 0.0, 0.6), (F.logsigmoid, -np.log(2), 0.5), (F.softsign, 0.0, 1.0), (F.tanhshrink, 0.0, 0.0)]
    for fn, value, slope in cases:
        (x,) = tensors(device, [0.0])
        y = fn(x)
        np.testing.assert_allclose(y.numpy(), [value], atol=1e-15)
        y.backward(mg.tensor(np.ones(1), device=device))
        np.testing.assert_allclose(x.grad.numpy(), [slope], rtol=1e-15)


def test_selu_is_scaled_elu_and_celu_alpha_1_is_elu(device):
    x = distinct(3, 5, seed=2) * 4
    (a,) = tensors(device, x)
    np.testing.assert_allclose(F.selu(a).numpy(), SELU_SCALE * F.elu(a, SELU_ALPHA).numpy(), rtol=1e-15)
    np.testing.assert_array_equal(F.celu(a).numpy(), F.elu(a).numpy())
    np.testing.assert_allclose(F.celu(a, 2.0).numpy(), np.where(x > 0, x, 2 * np.expm1(x / 2)), rtol=1e-15)
    np.testing.assert_allclose(SELU_ALPHA, 1.6732632423543772, rtol=1e-16)
    np.testing.assert_allclose(SELU_SCALE, 1.0507009873554805, rtol=1e-16)


def test_huge_inputs_are_finite_with_the_right_gradients(device):
    """logsigmoid(-1000) = -1000 with gradient 1 (1 - sigmoid(-1000)), not log(0) = -inf; mish and silu of
    ±1000 are 0 and 1000 with gradients 0 and 1."""
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        for fn, y, dy in [(F.logsigmoid, [-1000.0, 0.0], [1.0, 0.0]), (F.silu, [0.0, 1000.0], [0.0, 1.0]),
                          (F.mish, [0.0, 1000.0], [0.0, 1.0]), (F.softsign, [-1000 / 1001, 1000 / 1001],
                                                                 [1 / 1001 ** 2, 1 / 1001 ** 2]),
                          (F.selu, [-SELU_SCALE * SELU_ALPHA, 1000 * SELU_SCALE], [0.0, SELU_SCALE])]:
            (x,) = tensors(device, [-1000.0, 1000.0])
            out = fn(x)
            np.testing.assert_allclose(out.numpy(), y, rtol=1e-15, atol=0)
            out.sum().backward()
            np.testing.assert_allclose(x.grad.numpy(), dy, rtol=1e-12, atol=0)   # softsign's: 1/1001 - 1000/1001²


def test_celu_gradient_is_exact(device):
    """celu'(x) = e^(x/alpha) for x < 0, 1 for x > 0. It is read from the output, (y + alpha) / alpha, so its
    error is that of y's rounding: a few 1e-17, absolute."""
    x = np.array([-3.0, -0.5, -1e-3, 0.2, 4.0])
    for alpha in (0.6, 2.5, 1.0 / 3):
        (t,) = tensors(device, x)
        F.celu(t, alpha).sum().backward()
        np.testing.assert_allclose(t.grad.numpy(), np.where(x > 0, 1.0, np.exp(x / alpha)), rtol=1e-14, atol=1e-16)


def test_logsigmoid_keeps_its_tiny_values(device):
    """Where sigmoid(x) rounds to 1, log(sigmoid(x)) would be 0; logsigmoid(40) is -e^-40."""
    (x,) = tensors(device, [40.0, 700.0])
    np.testing.assert_allclose(F.logsigmoid(x).numpy(), -np.exp([-40.0, -700.0]), rtol=1e-14)


@pytest.mark.parametrize("name,fn,ref", OPS, ids=IDS)
def test_float32_in_float32_out(device, name, fn, ref):
    x = mg.tensor(np.linspace(-5, 5, 8, dtype=np.float32).reshape(2, 4), device=device, requires_grad=True)
    y = fn(x)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32


@pytest.mark.parametrize("fn", [F.silu, F.mish, F.selu, F.celu, F.logsigmoid, F.glu, lambda x: F.softmin(x, 0)],
                         ids=["silu", "mish", "selu", "celu", "logsigmoid", "glu", "softmin"])
def test_integer_inputs_are_refused(fn):
    with pytest.raises(TypeError, match="expected a floating-point tensor"):
        fn(mg.tensor([1, -2]))


def test_softsign_and_tanhshrink_of_integers_are_float32(torch):
    import torch.nn.functional as tf
    for ours, theirs in [(F.softsign, tf.softsign), (F.tanhshrink, tf.tanhshrink)]:
        y, ty = ours(mg.tensor([1, -2, 3])), theirs(torch.tensor([1, -2, 3]))
        assert y.dtype == np.float32 and ty.dtype == torch.float32
        np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-6)


# --------------------------------------------------------------------------- softmin, glu
def test_softmin_is_softmax_of_minus_x(device):
    (x,) = tensors(device, randn(3, 5, seed=4))
    y = F.softmin(x, dim=1)
    np.testing.assert_allclose(y.numpy(), F.softmax(-x, dim=1).numpy(), rtol=1e-15)
    np.testing.assert_allclose(y.numpy().sum(axis=1), 1.0, rtol=1e-14)
    assert (y.numpy().argmax(axis=1) == x.numpy().argmin(axis=1)).all()
    np.testing.assert_allclose(F.softmin(x, axis=0).numpy(), F.softmax(-x, dim=0).numpy(), rtol=1e-15)


def test_softmin_implicit_dim_warns_as_torch():
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmin has been deprecated"):
        y = F.softmin(mg.randn(2, 3))
    np.testing.assert_allclose(y.numpy().sum(axis=1), 1.0, rtol=1e-6)          # 2-D: dim 1


def test_glu_halves(device):
    x = randn(2, 6, 3, seed=5)
    (t,) = tensors(device, x)
    a, b = x[:, :3], x[:, 3:]
    np.testing.assert_allclose(F.glu(t, dim=1).numpy(), a / (1 + np.exp(-b)), rtol=1e-14)
    assert F.glu(t, dim=1).shape == (2, 3, 3) and F.glu(t, dim=0).shape == (1, 6, 3)


def test_glu_errors():
    with pytest.raises(ValueError, match=r"glu: the halved dimension must be even, but dimension 1 is size 5 "
                                         r"\(input shape \(2, 5\)\)"):
        F.glu(mg.zeros(2, 5), dim=1)
    with pytest.raises(ValueError, match="glu: does not support 0-d tensors"):
        F.glu(mg.tensor(1.0))
    with pytest.raises(IndexError, match="glu: dimension out of range"):
        F.glu(mg.zeros(2, 4), dim=2)


def test_celu_alpha_zero_is_an_error():
    with pytest.raises(ValueError, match="celu: alpha must be nonzero"):
        F.celu(mg.zeros(2), 0.0)
