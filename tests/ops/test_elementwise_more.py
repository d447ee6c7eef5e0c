"""copysign, signbit, heaviside, deg2rad, rad2deg, float_power, ldexp, frexp, logaddexp2, fmax, fmin, nextafter,
floor_divide, gcd, lcm, isin, isposinf, isneginf, isreal: values, dtypes and gradients as PyTorch's, float64
gradchecks on every device, and errors that name the function."""
import numpy as np
import pytest

import minigan as mg

from helpers import check_grad, compare_with_torch, distinct, randn

INF, NAN = np.inf, np.nan


def _same_dtype(ours, theirs):
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch."), (ours.dtype, theirs.dtype)


# ----------------------------------------------------------------- differentiable, against torch
BINARY = {
    "copysign": (distinct(3, 4, seed=1), np.array([-1.0, 0.5, -0.0, 2.0])),
    "fmax": (distinct(2, 1, 3, seed=2), distinct(4, 3, seed=3)),
    "fmin": (distinct(2, 1, 3, seed=2), distinct(4, 3, seed=3)),
    "logaddexp2": (randn(3, 1, seed=4, scale=3), randn(5, seed=5, scale=3)),
    "ldexp": (randn(2, 3, seed=6), np.array([-1.0, 0.0, 2.0])),
    "float_power": (np.abs(randn(3, 2, seed=7)) + 0.3, randn(2, seed=8)),
    "nextafter": (randn(4, seed=9), np.array([INF, -INF, 0.0, 5.0])),
}


@pytest.mark.parametrize("name", list(BINARY))
def test_binary_ops_match_torch_values_and_gradients(torch, name):
    a, b = BINARY[name]
    compare_with_torch(torch, getattr(mg, name), getattr(torch, name), [a, b])
    compare_with_torch(torch, lambda x, y: getattr(x, name)(y), lambda x, y: getattr(x, name)(y), [a, b])


GRADCHECK = {**BINARY, "copysign": (distinct(3, 4, seed=1), np.array([-1.0, 0.5, -2.0, 2.0])),   # no -0.0 jump
             "fmax": (distinct(2, 1, 3, seed=2), distinct(4, 3, seed=3) + 0.05),               # no ties
             "fmin": (distinct(2, 1, 3, seed=2), distinct(4, 3, seed=3) + 0.05)}


@pytest.mark.parametrize("name", list(GRADCHECK))
def test_binary_ops_gradcheck(device, name):
    a, b = GRADCHECK[name]
    check_grad(getattr(mg, name), a, b, device=device)


def test_fmax_fmin_skip_nan_and_send_a_tie_to_the_first_like_torch(torch, device):
    a, b = np.array([1.0, 2.0, NAN, NAN, -3.0]), np.array([2.0, 2.0, 1.0, NAN, NAN])
    for name in ("fmax", "fmin"):
        compare_with_torch(torch, getattr(mg, name), getattr(torch, name), [a, b], device=device, atol=0)
        x = mg.tensor(a, requires_grad=True, device=device)
        y = mg.tensor(b, requires_grad=True, device=device)
        getattr(mg, name)(x, y).sum().backward()
        assert x.grad.numpy()[1] == 1.0 and y.grad.numpy()[1] == 0.0     # maximum would split this tie


@pytest.mark.parametrize("name", ["deg2rad", "rad2deg"])
def test_angle_conversions_match_torch(torch, device, name):
    compare_with_torch(torch, getattr(mg, name), getattr(torch, name), [randn(2, 3, seed=1, scale=90)])
    compare_with_torch(torch, lambda x: getattr(x, name)(), lambda x: getattr(x, name)(), [randn(0, 3)])
    check_grad(getattr(mg, name), randn(3, 1, seed=2), device=device)
    ours, theirs = getattr(mg, name)(mg.tensor([180, -90])), getattr(torch, name)(torch.tensor([180, -90]))
    _same_dtype(ours, theirs)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


def test_copysign_gradient_is_zero_at_zero_and_other_gets_none(torch, device):
    compare_with_torch(torch, mg.copysign, torch.copysign, [np.array([0.0, -0.0, 2.0]), np.array([-1.0, 1.0, -0.0])],
                       device=device)
    compare_with_torch(torch, lambda x: mg.copysign(x, -2), lambda x: torch.copysign(x, -2), [randn(0, 2)])


def test_integer_inputs_give_pytorchs_dtypes(torch):
    i, j = np.array([3, -4, 5]), np.array([2, 1, -3])
    for name in ("copysign", "ldexp", "float_power", "floor_divide", "gcd", "lcm", "fmax", "fmin"):
        ours, theirs = getattr(mg, name)(mg.tensor(i), mg.tensor(j)), getattr(torch, name)(torch.tensor(i),
                                                                                        torch.tensor(j))
        _same_dtype(ours, theirs)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, err_msg=name)
    _same_dtype(mg.float_power(mg.tensor([2.0]), 2), torch.float_power(torch.tensor([2.0]), 2))
    _same_dtype(mg.ldexp(mg.tensor(i, dtype=mg.float64), mg.tensor(j)),
                torch.ldexp(torch.tensor(i, dtype=torch.float64), torch.tensor(j)))


def test_float_power_gradient_comes_back_in_the_input_dtype():
    x = mg.tensor([1.5, 2.0], requires_grad=True)
    y = mg.float_power(x, 3)
    assert y.dtype == np.float64
    y.sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.numpy(), [6.75, 12.0])


def test_frexp_matches_torch_and_the_mantissa_has_a_gradient(torch, device):
    a = np.array([0.0, 1.0, -3.5, 1e-300, 7e20, -0.375])
    m, e = mg.frexp(mg.tensor(a, device=device))
    tm, te = torch.frexp(torch.tensor(a))
    np.testing.assert_array_equal(m.numpy(), tm.numpy())
    np.testing.assert_array_equal(e.numpy(), te.numpy())
    assert e.dtype == np.int32 and mg.tensor(a).frexp().mantissa.shape == (6,)
    # (not at 1e-300: torch's gradient there is inf, its 2^-exponent overflowing; ours is the exact 2^996)
    compare_with_torch(torch, lambda x: mg.frexp(x).mantissa, lambda x: torch.frexp(x).mantissa, [a[a != 1e-300]])
    check_grad(lambda x: mg.frexp(x)[0], np.array([0.3, -5.0, 1.7]), device=device)
    with pytest.raises(TypeError, match="frexp: only supports floating-point dtypes, got int64"):
        mg.frexp(mg.tensor([1, 2]))


# ----------------------------------------------------------------- no gradient
def test_floor_divide_matches_torch_and_has_no_graph(torch):
    for a, b in [(np.array([7, -7, 7, -7, 0]), np.array([2, 2, -2, -2, 3])),
                 (np.array([7.5, -7.5, 1.0, -0.0]), np.array([2.0, 2.0, 0.1, 3.0]))]:
        ours, theirs = mg.floor_divide(mg.tensor(a), mg.tensor(b)), torch.floor_divide(torch.tensor(a), torch.tensor(b))
        _same_dtype(ours, theirs)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        np.testing.assert_array_equal(mg.tensor(a).floor_divide(2).numpy(), torch.tensor(a).floor_divide(2))
    assert not mg.floor_divide(mg.tensor([1.0], requires_grad=True), 2).requires_grad
    with pytest.raises(ZeroDivisionError, match="floor_divide: integer division by zero"):
        mg.floor_divide(mg.tensor([1]), mg.tensor([0]))


def test_gcd_lcm_match_torch_and_refuse_floats(torch):
    a, b = np.array([[12, -18, 0, 7]]), np.array([[8], [0], [-6]])
    for name in ("gcd", "lcm"):
        ours, theirs = getattr(mg, name)(mg.tensor(a), mg.tensor(b)), getattr(torch, name)(torch.tensor(a),
                                                                                        torch.tensor(b))
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        np.testing.assert_array_equal(getattr(mg.tensor(a), name)(mg.tensor(b)).numpy(), theirs.numpy())
        with pytest.raises(TypeError, match=f"{name}: expected integer tensors, got float32"):
            getattr(mg, name)(mg.tensor([1.0]), mg.tensor([2.0]))


def test_heaviside_matches_torch_and_wants_one_dtype(torch):
    x, v = np.array([[-1.5, 0.0, 2.0], [0.0, -0.0, NAN]]), np.array([0.5, 7.0, -1.0])
    ours, theirs = mg.heaviside(mg.tensor(x), mg.tensor(v)), torch.heaviside(torch.tensor(x), torch.tensor(v))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    np.testing.assert_array_equal(mg.tensor([-2, 0, 3]).heaviside(mg.tensor(5)).numpy(), [0, 5, 1])
    with pytest.raises(TypeError, match="heaviside: is not yet implemented for tensors with different dtypes"):
        mg.heaviside(mg.tensor([1.0]), mg.tensor([1]))


def test_signbit_and_infinity_tests_match_torch(torch):
    for a in (np.array([-0.0, 0.0, -2.5, INF, -INF, NAN, 3.0]), np.array([-3, 0, 4]), np.array([1.0], np.float32)):
        for name in ("signbit", "isposinf", "isneginf", "isreal"):
            ours, theirs = getattr(mg, name)(mg.tensor(a)), getattr(torch, name)(torch.tensor(a))
            assert ours.dtype == np.bool_
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy(), err_msg=name)
            np.testing.assert_array_equal(getattr(mg.tensor(a), name)().numpy(), theirs.numpy())


def test_isin_matches_torch(torch):
    e, t = np.array([[1, 2, 3], [4, 5, 2]]), np.array([2, 5, 9])
    for kw in ({}, {"invert": True}, {"assume_unique": True}):
        np.testing.assert_array_equal(mg.isin(mg.tensor(e), mg.tensor(t), **kw).numpy(),
                                      torch.isin(torch.tensor(e), torch.tensor(t), **kw).numpy())
    np.testing.assert_array_equal(mg.isin(mg.tensor(e), 2).numpy(), torch.isin(torch.tensor(e), 2).numpy())
    assert mg.isin(2.0, mg.tensor([1, 2])).item() is True
    np.testing.assert_array_equal(mg.isin(mg.tensor([1.5, 2.0]), mg.tensor([2])).numpy(), [False, True])
    with pytest.raises(TypeError, match="isin: expected elements or test_elements to be a tensor"):
        mg.isin(1, 2)


def test_nextafter_refuses_integers_and_bad_shapes():
    with pytest.raises(TypeError, match="nextafter: expected floating-point tensors, got int64"):
        mg.nextafter(mg.tensor([1]), mg.tensor([2]))
    with pytest.raises(ValueError, match="fmax: shapes \\(2,\\) and \\(3,\\) cannot be broadcast together"):
        mg.fmax(mg.zeros(2), mg.zeros(3))
