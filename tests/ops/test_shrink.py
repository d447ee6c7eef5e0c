"""hardshrink and softshrink: gradchecks in float64 away from ±lambd, PyTorch's values and gradients on ±lambd
(and a hair to each side, at 0, at NaN, at huge |x|), dtypes, and the argument errors."""
import numpy as np
import pytest

import minigan as mg
import minigan.nn.functional as F

from helpers import check_grad, compare_with_torch, tensors

LAMBDS = [0.5, 0.3, 1.25, 0.0]


def _away_from(lambd, *shape, seed):
    """U(-3, 3) samples at least 0.05 from ±lambd."""
    a = np.random.default_rng(seed).uniform(-3.0, 3.0, shape)
    for k in (-lambd, lambd):
        near = np.abs(a - k) < 0.05
        a[near] = k + np.where(a[near] < k, -0.05, 0.05)
    return a


@pytest.mark.parametrize("name", ["hardshrink", "softshrink"])
@pytest.mark.parametrize("lambd", LAMBDS)
def test_gradcheck_away_from_the_kinks(device, name, lambd):
    rep = check_grad(lambda x: getattr(F, name)(x, lambd), _away_from(lambd, 4, 5, seed=1), device=device)
    assert rep.rows and rep.passed


def _on_the_kinks(lambd):
    return np.array([-lambd, lambd, lambd - 1e-12, lambd + 1e-12, -lambd - 1e-12, -lambd + 1e-12, 0.0, -0.0,
                     0.7 * lambd, 2.0, -2.5, 1000.0, -1000.0, np.nan])


@pytest.mark.parametrize("name", ["hardshrink", "softshrink"])
@pytest.mark.parametrize("lambd", LAMBDS)
def test_values_and_gradients_match_torch_on_the_kinks(torch, device, name, lambd):
    x = _on_the_kinks(lambd)
    compare_with_torch(torch, lambda x: getattr(F, name)(x, lambd),
                       lambda x: getattr(torch.nn.functional, name)(x, lambd), [x], device=device, atol=0, rtol=0)


@pytest.mark.parametrize("name,x,y,dy", [
    ("hardshrink", [-0.5, 0.5, 0.25, 0.75, -2.0, np.nan], [0.0, 0.0, 0.0, 0.75, -2.0, np.nan],
     [0.0, 0.0, 0.0, 1.0, 1.0, 1.0]),
    ("softshrink", [-0.5, 0.5, 0.25, 0.75, -2.0, np.nan], [0.0, 0.0, 0.0, 0.25, -1.5, np.nan],
     [0.0, 0.0, 0.0, 1.0, 1.0, 1.0]),
])
def test_values_and_derivatives_written_out(device, name, x, y, dy):
    """On ±lambd the value is 0 and the derivative 0 (PyTorch's); NaN stays NaN and passes its gradient."""
    (t,) = tensors(device, x)
    out = getattr(F, name)(t)
    np.testing.assert_array_equal(out.numpy(), y)
    out.sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), dy)


@pytest.mark.parametrize("name", ["hardshrink", "softshrink"])
def test_float32_in_float32_out_and_second_derivative_zero(device, name):
    x = mg.tensor([-2.0, -0.5, 0.1, 0.5, 0.7], device=device, requires_grad=True)
    y = getattr(F, name)(x)
    assert y.dtype == np.float32
    (g,) = mg.grad(y.sum(), x, create_graph=True)
    assert g.dtype == np.float32
    np.testing.assert_array_equal(g.numpy(), [1.0, 0.0, 0.0, 0.0, 1.0])
    assert not g.requires_grad                   # a 0/1 mask, constant in x: the second derivative is 0
    mg.gradgradcheck(lambda x: getattr(F, name)(x) * x, tensors(device, _away_from(0.5, 3, 4, seed=3)))


def test_softshrink_is_x_minus_its_clip(device):
    """softshrink(x) = x - clip(x, -lambd, lambd): every value moved towards 0 by lambd, and stopped there."""
    x = np.random.default_rng(2).uniform(-3, 3, 50)
    (t,) = tensors(device, x)
    np.testing.assert_allclose(F.softshrink(t, 0.8).numpy(), x - np.clip(x, -0.8, 0.8), rtol=0, atol=0)


def test_shrink_errors(torch):
    with pytest.raises(ValueError, match="softshrink: lambd must be at least 0, got -0.5"):
        F.softshrink(mg.ones(3), -0.5)
    with pytest.raises(RuntimeError, match="lambda must be in range"):
        torch.nn.functional.softshrink(torch.ones(3), -0.5)
    for name in ("hardshrink", "softshrink"):
        with pytest.raises(TypeError, match=f"{name}: expected a floating-point tensor, got dtype int64"):
            getattr(F, name)(mg.tensor([1, 2]))
    x = np.array([-1.0, -0.3, 0.2, 0.6])                # a negative lambd makes hardshrink the identity, as torch
    np.testing.assert_array_equal(F.hardshrink(mg.tensor(x), -0.5).numpy(), x)
    np.testing.assert_array_equal(torch.nn.functional.hardshrink(torch.tensor(x), -0.5).numpy(), x)
