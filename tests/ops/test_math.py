"""Elementwise math (minigan/ops/math.py): gradients in float64 on odd shapes away from the kinks, second
derivatives, PyTorch's values and gradients at the special points (jumps, zeros, negative operands, halves),
its dtypes, and the comparisons, which have no gradient."""
import numpy as np
import pytest

import minigan as mg

from helpers import check_grad, compare_with_torch, randn, tensors


def _within(lo, hi, *shape, seed=0):
    return np.random.default_rng(seed).uniform(lo, hi, shape)


def _away_from_integers(*shape, seed=0):
    """Values whose fractional parts stay in [0.15, 0.85]: no rounding jump within a gradcheck step."""
    rs = np.random.default_rng(seed)
    return rs.integers(-3, 3, shape) + rs.uniform(0.15, 0.85, shape)


# name -> the values it is checked on (inside its domain, away from its singular points)
UNARY = {
    "sin": lambda: randn(3, 1, 5, seed=1) * 2,
    "cos": lambda: randn(3, 1, 5, seed=2) * 2,
    "tan": lambda: _within(-1.2, 1.2, 3, 1, 5, seed=3),
    "asin": lambda: _within(-0.9, 0.9, 3, 1, 5, seed=4),
    "acos": lambda: _within(-0.9, 0.9, 3, 1, 5, seed=5),
    "atan": lambda: randn(3, 1, 5, seed=6) * 3,
    "sinh": lambda: randn(3, 1, 5, seed=7),
    "cosh": lambda: randn(3, 1, 5, seed=8),
    "asinh": lambda: randn(3, 1, 5, seed=9) * 3,
    "acosh": lambda: _within(1.2, 4.0, 3, 1, 5, seed=10),
    "atanh": lambda: _within(-0.9, 0.9, 3, 1, 5, seed=11),
    "log1p": lambda: _within(-0.8, 3.0, 3, 1, 5, seed=12),
    "expm1": lambda: randn(3, 1, 5, seed=13),
    "log2": lambda: _within(0.2, 5.0, 3, 1, 5, seed=14),
    "log10": lambda: _within(0.2, 5.0, 3, 1, 5, seed=15),
    "exp2": lambda: randn(3, 1, 5, seed=16),
    "rsqrt": lambda: _within(0.2, 5.0, 3, 1, 5, seed=17),
    "reciprocal": lambda: np.sign(randn(3, 1, 5, seed=18)) * _within(0.3, 3.0, 3, 1, 5, seed=19),
    "square": lambda: randn(3, 1, 5, seed=20),
    "sinc": lambda: randn(3, 1, 5, seed=21) * 2,
    "frac": lambda: _away_from_integers(3, 1, 5, seed=22),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_gradcheck(device, name):
    check_grad(getattr(mg, name), UNARY[name](), device=device)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_matches_torch(device, torch, name):
    compare_with_torch(torch, getattr(mg, name), getattr(torch, name), [UNARY[name]()], device=device, seed=3)


@pytest.mark.parametrize("name", ["sin", "tan", "asin", "acosh", "log1p", "expm1", "log10", "exp2", "rsqrt", "sinc"])
def test_unary_second_derivatives(device, name):
    mg.gradgradcheck(getattr(mg, name), tensors(device, UNARY[name]()))


def test_unary_special_points_match_torch(torch):
    """Where PyTorch's values are inf, -inf or nan: the domain's edges, and 0 for sinc, rsqrt, reciprocal."""
    cases = {"asin": [-1.0, 1.0, 2.0], "acos": [1.0, -1.0], "atanh": [1.0, -1.0, 0.0], "acosh": [1.0, 0.5],
             "log1p": [-1.0, -2.0, 0.0], "log2": [0.0, -1.0, 1.0], "log10": [0.0, 1e-300], "rsqrt": [0.0, 4.0],
             "reciprocal": [0.0, -0.0, 2.0], "sinc": [0.0, 1.0, -2.0, 0.5], "expm1": [1e-12, -50.0],
             "tan": [np.pi / 2], "exp2": [-1100.0, 1100.0]}
    with np.errstate(all="ignore"):
        for name, values in cases.items():
            x = mg.tensor(np.array(values), requires_grad=True)
            t = torch.tensor(values, dtype=torch.float64, requires_grad=True)
            y, ty = getattr(mg, name)(x), getattr(torch, name)(t)
            np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-12, err_msg=name)
            y.sum().backward()
            ty.sum().backward()
            np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12, err_msg=f"{name} gradient")


def test_log1p_and_expm1_keep_the_digits_of_small_inputs():
    x = mg.tensor(np.array([1e-10, -3e-12]))
    np.testing.assert_allclose(mg.log1p(x).numpy(), [1e-10 - 5e-21, -3e-12 - 4.5e-24], rtol=1e-15)
    np.testing.assert_allclose(mg.expm1(x).numpy(), [1e-10 + 5e-21, -3e-12 + 4.5e-24], rtol=1e-15)


# --------------------------------------------------------------------------- rounding
HALVES = np.array([-2.5, -1.5, -0.5, -0.0, 0.0, 0.5, 1.5, 2.5, 3.5, 0.49, -0.51, 2.0, -7.25, 1e6 + 0.5])


@pytest.mark.parametrize("name", ["floor", "ceil", "round", "trunc", "sign", "frac"])
def test_rounding_values_and_gradients_match_torch(device, torch, name):
    compare_with_torch(torch, getattr(mg, name), getattr(torch, name), [HALVES], device=device, atol=0, rtol=0)


def test_round_halves_to_even_with_decimals(torch):
    x = np.array([0.125, 0.375, 1.25, -2.675, 1250.0, 1350.0, 15.0, 25.0, -35.0, 0.5, 12345.678])
    for decimals in (0, 1, 2, -1, -2):
        got = mg.round(mg.tensor(x), decimals=decimals).numpy()
        np.testing.assert_array_equal(got, torch.round(torch.tensor(x), decimals=decimals).numpy(), err_msg=decimals)
    assert mg.round(mg.tensor([0.5, 1.5, 2.5, -0.5])).tolist() == [0.0, 2.0, 2.0, -0.0]
    x32 = mg.tensor([0.125, 2.675, -0.375])        # float32, as PyTorch rounds it
    np.testing.assert_array_equal(x32.round(2).numpy(), torch.tensor([0.125, 2.675, -0.375]).round(decimals=2).numpy())


@pytest.mark.parametrize("name", ["floor", "ceil", "round", "trunc"])
def test_rounding_gradient_is_zeros_not_none(device, name):
    x = tensors(device, _away_from_integers(3, 4, seed=30))[0]
    y = getattr(mg, name)(x)
    assert y.requires_grad
    (y * 3).sum().backward()
    assert x.grad is not None and not x.grad.numpy().any()
    check_grad(lambda x: getattr(mg, name)(x) * x, _away_from_integers(2, 3, seed=31), device=device)


def test_sign_at_zero_and_nan_is_zero_as_torch(torch):
    x = np.array([-0.0, 0.0, np.nan, -np.inf, 3.0, -1e-300])
    np.testing.assert_array_equal(mg.sign(mg.tensor(x)).numpy(), torch.sign(torch.tensor(x)).numpy())
    assert not np.signbit(mg.sign(mg.tensor(x)).numpy()[0])      # sign(-0.0) is +0, as PyTorch's


@pytest.mark.parametrize("name", ["floor", "ceil", "round", "trunc", "sign", "square"])
@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
def test_rounding_keeps_integer_dtypes_as_torch(torch, name, dtype):
    if dtype == "bool" and name != "sign":
        pytest.skip("PyTorch refuses floor, ceil, round, trunc and square of a bool tensor")
    a = np.array([0, 3, 1, 2, 0, 1]).astype(dtype)
    y = getattr(mg, name)(mg.tensor(a))
    t = getattr(torch, name)(torch.tensor(a))
    assert str(y.dtype) == str(t.dtype).replace("torch.", ""), (y.dtype, t.dtype)
    np.testing.assert_array_equal(y.numpy(), t.numpy())


def test_rounding_an_integer_tensor_with_decimals_is_refused():
    with pytest.raises(TypeError, match="round: decimals=1 needs a floating-point tensor"):
        mg.round(mg.tensor([1, 2]), decimals=1)
    with pytest.raises(TypeError, match="frac"):
        mg.frac(mg.tensor([1, 2]))


# --------------------------------------------------------------------------- remainders
SIGNS = np.array([-7.0, 7.0, -7.0, 7.0, -7.5, 7.5, 0.0, -0.0, 5.0, -6.0])
DIVISORS = np.array([2.0, -2.0, -2.0, 2.0, 2.0, -2.0, 3.0, 3.0, 0.7, 0.9])


@pytest.mark.parametrize("name", ["fmod", "remainder"])
def test_remainders_with_negative_operands_match_torch(device, torch, name):
    compare_with_torch(torch, getattr(mg, name), getattr(torch, name), [SIGNS, DIVISORS], device=device)
    compare_with_torch(torch, lambda a: getattr(mg, name)(a, -1.5), lambda a: getattr(torch, name)(a, -1.5),
                       [SIGNS], device=device)


def test_remainder_takes_the_divisor_sign_and_fmod_the_dividend_sign():
    a, b = mg.tensor([-7.0, 7.0, -7.0, 7.0]), mg.tensor([2.0, -2.0, -2.0, 2.0])
    assert mg.fmod(a, b).tolist() == [-1.0, 1.0, -1.0, 1.0]
    assert mg.remainder(a, b).tolist() == [1.0, -1.0, -1.0, 1.0]
    assert mg.remainder(-3, mg.tensor([2, 3])).tolist() == [1, 0]          # a number first, as torch's


@pytest.mark.parametrize("name", ["fmod", "remainder"])
def test_remainders_gradcheck_broadcast(device, name):
    a = _away_from_integers(3, 1, 4, seed=40) * 2            # a / b stays away from an integer for b = 2 +- 0.x
    b = np.array([[2.0], [-2.0]]) + 0.0                      # no jump of trunc(a / b) or floor(a / b) is near
    check_grad(getattr(mg, name), a, b, device=device)


@pytest.mark.parametrize("name", ["fmod", "remainder"])
def test_remainders_of_integers(torch, name):
    a, b = np.array([-7, 7, -8, 9, 0]), np.array([2, -2, 3, -4, 5])
    y = getattr(mg, name)(mg.tensor(a), mg.tensor(b))
    assert y.dtype == np.int64
    np.testing.assert_array_equal(y.numpy(), getattr(torch, name)(torch.tensor(a), torch.tensor(b)).numpy())
    y = getattr(mg, name)(mg.tensor(a), 2.5)                 # an int tensor with a float: float32, as PyTorch
    t = getattr(torch, name)(torch.tensor(a), 2.5)
    assert y.dtype == np.float32 and t.dtype == torch.float32
    np.testing.assert_array_equal(y.numpy(), t.numpy())
    with pytest.raises(ZeroDivisionError, match=f"{name}: integer division by zero"):
        getattr(mg, name)(mg.tensor(a), 0)


def test_remainders_by_zero_are_nan_as_torch(torch):
    with np.errstate(all="ignore"):
        compare_with_torch(torch, mg.fmod, torch.fmod, [np.array([5.0, -1.0]), np.array([0.0, -0.0])])
        compare_with_torch(torch, mg.remainder, torch.remainder, [np.array([5.0, -1.0]), np.array([0.0, -0.0])])


# --------------------------------------------------------------------------- binary smooth functions
@pytest.mark.parametrize("name", ["atan2", "hypot", "logaddexp"])
def test_binary_gradcheck_broadcast(device, name):
    a, b = randn(3, 1, 4, seed=50), randn(2, 4, seed=51)
    check_grad(getattr(mg, name), a, b, device=device)


@pytest.mark.parametrize("name", ["atan2", "hypot", "logaddexp"])
def test_binary_matches_torch(device, torch, name):
    a, b = randn(3, 1, 4, seed=52), randn(2, 4, seed=53)
    compare_with_torch(torch, getattr(mg, name), getattr(torch, name), [a, b], device=device)


def test_atan2_quadrants_and_origin_match_torch(torch):
    a = np.array([0.0, 0.0, -0.0, 1.0, -1.0, 1.0, -1.0, 0.0, 3.0])
    b = np.array([0.0, -0.0, -1.0, 1.0, 1.0, -1.0, -1.0, 2.0, 0.0])
    compare_with_torch(torch, mg.atan2, torch.atan2, [a, b])        # gradient 0 at the origin, as PyTorch's


def test_hypot_is_finite_for_large_values_and_nan_gradient_at_origin(torch):
    y = mg.hypot(mg.tensor(np.array([3e200])), mg.tensor(np.array([4e200])))
    np.testing.assert_allclose(y.numpy(), [5e200], rtol=1e-15)
    compare_with_torch(torch, mg.hypot, torch.hypot, [np.array([3.0, -1.0]), np.array([4.0, 0.0])])
    a, b = tensors("cpu", np.array([0.0]), np.array([0.0]))
    mg.hypot(a, b).backward()
    assert np.isnan(a.grad.numpy()).all() and np.isnan(b.grad.numpy()).all()      # PyTorch's 0/0 too


def test_logaddexp_is_stable(torch):
    a, b = np.array([1000.0, -1000.0, 0.0, -np.inf, 800.0]), np.array([1000.0, -1000.0, -800.0, 3.0, -np.inf])
    compare_with_torch(torch, mg.logaddexp, torch.logaddexp, [a, b])
    np.testing.assert_allclose(mg.logaddexp(mg.tensor(a), mg.tensor(b)).numpy()[0], 1000 + np.log(2), rtol=1e-15)


def test_binary_int_inputs_become_float32(torch):
    a, b = np.array([1, -2, 3]), np.array([2, 2, -1])
    for name in ("atan2", "hypot", "logaddexp"):
        y = getattr(mg, name)(mg.tensor(a), mg.tensor(b))
        assert y.dtype == np.float32, name
        np.testing.assert_allclose(y.numpy(), getattr(np, {"atan2": "arctan2"}.get(name, name))(a, b), rtol=1e-6)
    assert torch.atan2(torch.tensor(a), torch.tensor(b)).dtype == torch.float32


@pytest.mark.parametrize("name", ["atan2", "hypot", "logaddexp"])
def test_binary_second_derivatives(device, name):
    mg.gradgradcheck(getattr(mg, name), tensors(device, randn(3, 1, seed=54) + 0.5, randn(1, 4, seed=55) - 0.5))


# --------------------------------------------------------------------------- lerp
def test_lerp_gradcheck_all_three_broadcast(device):
    check_grad(mg.lerp, randn(3, 1, 4, seed=60), randn(2, 4, seed=61), _within(-0.5, 1.5, 4, seed=62),
               device=device)


def test_lerp_with_a_number_weight(device):
    for w in (0.3, 0.5, 0.9, -0.2, 1.7):
        check_grad(lambda a, b: mg.lerp(a, b, w), randn(2, 3, seed=63), randn(3, seed=64), device=device)


def test_lerp_second_derivatives(device):
    mg.gradgradcheck(mg.lerp, tensors(device, randn(3, 1, seed=65), randn(1, 4, seed=66), _within(0, 1, 3, 4)))


def test_lerp_matches_torch_on_both_formulas(device, torch):
    start, end = randn(2, 3, 5, seed=67), randn(3, 5, seed=68)
    weight = np.array([-0.6, -0.5, 0.0, 0.3, 0.49, 0.5, 0.51, 0.99, 1.0, 1.4, 2.0, 0.25, 0.75, -0.49, 0.6])
    compare_with_torch(torch, mg.lerp, torch.lerp, [start, end, weight.reshape(3, 5)], device=device,
                       atol=1e-15, rtol=1e-13)
    compare_with_torch(torch, lambda a, b: mg.lerp(a, b, 0.7), lambda a, b: torch.lerp(a, b, 0.7), [start, end],
                       device=device, atol=1e-15, rtol=1e-13)


def test_lerp_reaches_its_end_exactly():
    start, end = mg.tensor([0.1, 1e8, -3.3]), mg.tensor([0.7, 1.0, 2.9])
    assert mg.lerp(start, end, 1.0).tolist() == end.tolist()
    assert mg.lerp(start, end, 0.0).tolist() == start.tolist()
    with pytest.raises(ValueError, match=r"lerp: shapes \(3,\) \(start\), \(3,\) \(end\) and \(2,\) \(weight\)"):
        mg.lerp(start, end, mg.tensor([0.5, 0.5]))


# --------------------------------------------------------------------------- dtypes
@pytest.mark.parametrize("name", ["sin", "cos", "tan", "atan", "sinh", "asinh", "log1p", "expm1", "log2", "exp2",
                                  "rsqrt", "reciprocal", "sinc", "sqrt", "exp"])
def test_integer_inputs_give_float32_as_torch(torch, name):
    a = np.array([1, 2, 3, 4])
    y, t = getattr(mg, name)(mg.tensor(a)), getattr(torch, name)(torch.tensor(a))
    assert y.dtype == np.float32 and t.dtype == torch.float32
    np.testing.assert_allclose(y.numpy(), t.numpy(), rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float16, np.float32])
def test_float_dtypes_are_kept(dtype):
    x = mg.tensor(np.array([0.5, 1.5], dtype=dtype), requires_grad=True)
    for name in ("sin", "log2", "exp2", "rsqrt", "sinc", "floor", "frac", "square"):
        y = getattr(mg, name)(x)
        assert y.dtype == dtype, name
        y.sum().backward()
        assert x.grad.dtype == dtype, name
        x.grad = None
    assert mg.atan2(x, 1.0).dtype == dtype and mg.lerp(x, x * 2, 0.5).dtype == dtype


# --------------------------------------------------------------------------- comparisons
SPECIAL = np.array([np.nan, np.inf, -np.inf, 0.0, -1.5, 2.0])


@pytest.mark.parametrize("name", ["isnan", "isinf", "isfinite"])
def test_float_classes_match_torch(torch, name):
    for a in (SPECIAL, np.array([1, -2, 0]), np.array([True, False])):
        y, t = getattr(mg, name)(mg.tensor(a)), getattr(torch, name)(torch.tensor(a))
        assert y.dtype == np.bool_ and not y.requires_grad
        np.testing.assert_array_equal(y.numpy(), t.numpy(), err_msg=f"{name} of {a.dtype}")


@pytest.mark.parametrize("name", ["gt", "ge", "lt", "le", "eq", "ne"])
def test_comparison_functions_match_torch(torch, name):
    a, b = np.array([[1.0, 2.0, np.nan], [3.0, -1.0, 2.0]]), np.array([2.0, 2.0, 1.0])
    x = mg.tensor(a, requires_grad=True)
    y = getattr(mg, name)(x, mg.tensor(b))
    assert y.dtype == np.bool_ and not y.requires_grad
    np.testing.assert_array_equal(y.numpy(), getattr(torch, name)(torch.tensor(a), torch.tensor(b)).numpy())
    np.testing.assert_array_equal(getattr(mg, name)(x, 2).numpy(), getattr(torch, name)(torch.tensor(a), 2).numpy())
    np.testing.assert_array_equal(getattr(mg, name)(2.0, x).numpy(),            # a number first, as torch.gt(2, t)
                                  getattr(torch, name)(torch.tensor(2.0, dtype=torch.float64), torch.tensor(a)).numpy())
    np.testing.assert_array_equal(getattr(x, name)(mg.tensor(b)).numpy(), y.numpy())


def test_equal_and_allclose_match_torch(torch):
    a = np.array([1.0, 2.0, np.nan])
    b = a + np.array([1e-9, -1e-9, 0.0])
    x, y = mg.tensor(a), mg.tensor(b)
    for args in [dict(), dict(equal_nan=True), dict(rtol=0, atol=1e-10, equal_nan=True), dict(rtol=0, atol=0)]:
        assert mg.allclose(x, y, **args) is torch.allclose(torch.tensor(a), torch.tensor(b), **args), args
        np.testing.assert_array_equal(mg.isclose(x, y, **args).numpy(),
                                      torch.isclose(torch.tensor(a), torch.tensor(b), **args).numpy())
    assert mg.equal(x[:2], x[:2]) is True and mg.equal(x, x) is False                 # nan equals nothing
    assert mg.equal(mg.tensor([1, 2]), mg.tensor([1.0, 2.0])) is True                # values, as torch.equal
    assert mg.equal(mg.tensor([1.0, 2.0]), mg.tensor([[1.0, 2.0]])) is False         # shapes differ
    assert mg.allclose(mg.tensor([np.inf, -np.inf]), mg.tensor([np.inf, -np.inf]))
    assert mg.allclose(x[:2], 1.5, atol=0.6) and not mg.allclose(x[:2], 1.5, atol=0.4)


# --------------------------------------------------------------------------- Tensor methods
ONE_INPUT = ["sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "atanh", "log1p", "expm1",
             "log2", "log10", "exp2", "rsqrt", "reciprocal", "square", "sinc", "sign", "floor", "ceil", "round",
             "trunc", "frac", "isnan", "isinf", "isfinite", "neg"]
TWO_INPUTS = ["fmod", "remainder", "atan2", "hypot", "logaddexp", "gt", "ge", "lt", "le", "add", "sub", "mul", "div",
              "pow", "maximum", "minimum"]


@pytest.mark.parametrize("name", ONE_INPUT)
def test_one_input_methods_are_the_functions(name):
    x = mg.tensor(_within(0.1, 0.9, 2, 3, seed=70))
    np.testing.assert_array_equal(getattr(x, name)().numpy(), getattr(mg.ops, name)(x).numpy())


@pytest.mark.parametrize("name", TWO_INPUTS)
def test_two_input_methods_are_the_functions(name):
    x, y = mg.tensor(_within(0.1, 0.9, 2, 3, seed=71)), mg.tensor(_within(0.2, 2.0, 3, seed=72))
    np.testing.assert_array_equal(getattr(x, name)(y).numpy(), getattr(mg.ops, name)(x, y).numpy())


def test_remaining_methods_match_torch(torch):
    a, b, w = _within(0.1, 0.9, 2, 3, seed=73), _within(1.1, 1.9, 2, 3, seed=74), _within(0, 1, 3, seed=75)
    x, y, t, u = mg.tensor(a), mg.tensor(b), torch.tensor(a), torch.tensor(b)
    pairs = [(y.acosh(), u.acosh()), (x.round(1), t.round(decimals=1)),
             (x.lerp(y, mg.tensor(w)), t.lerp(u, torch.tensor(w))), (x.lerp(y, 0.25), t.lerp(u, 0.25)),
             (x.add(y, alpha=2), t.add(u, alpha=2)), (x.sub(y, alpha=-0.5), t.sub(u, alpha=-0.5)),
             (x.softmax(1), t.softmax(1)), (x.log_softmax(0), t.log_softmax(0)), (x.isclose(y), t.isclose(u))]
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-14)
    assert x.equal(x) and not x.equal(y) and x.allclose(x + 1e-12) and not x.allclose(y)
