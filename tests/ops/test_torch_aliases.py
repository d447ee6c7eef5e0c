"""PyTorch's other names for minigan's ops (absolute, arccos, greater, multiply, concat ...) and the arithmetic
spellings with one more argument (subtract/rsub with alpha, divide with rounding_mode, positive); the bitwise
functions; the dtype questions (is_signed, promote_types, result_type, can_cast ...). Values, dtypes,
gradients and errors as PyTorch's."""
import numpy as np
import pytest

import minigan as mg

from helpers import check_grad, compare_with_torch, distinct, randn

UNARY_ALIASES = {"absolute": "abs", "arcsin": "asin", "arccos": "acos", "arctan": "atan", "arcsinh": "asinh",
                 "arctanh": "atanh", "negative": "neg", "fix": "trunc", "sgn": "sign"}
BINARY_ALIASES = {"arctan2": "atan2", "multiply": "mul", "true_divide": "div", "subtract": "sub"}
COMPARISONS = ["greater", "greater_equal", "less", "less_equal", "not_equal"]


def _inputs(name):
    return np.linspace(-0.9, 0.85, 7) if name.startswith(("arcs", "arcc", "arct")) else distinct(3, 5, seed=1)


@pytest.mark.parametrize("name", list(UNARY_ALIASES) + ["arccosh"])
def test_unary_aliases_match_torch_values_gradients_and_methods(torch, name):
    a = np.linspace(1.2, 3.0, 5) if name == "arccosh" else _inputs(name)
    grad = name != "sgn"                    # torch's sgn gradient is a ZeroTensor numpy cannot read; ours is 0
    compare_with_torch(torch, getattr(mg, name), getattr(torch, name), [a], grad=grad)
    compare_with_torch(torch, lambda x: getattr(x, name)(), lambda x: getattr(x, name)(), [a], grad=grad)


def test_aliases_are_the_ops_they_name():
    for alias, op in {**UNARY_ALIASES, **BINARY_ALIASES, "concat": "cat", "arccosh": "acosh"}.items():
        if alias not in ("sgn", "subtract"):
            assert getattr(mg, alias) is getattr(mg.ops, op), alias


@pytest.mark.parametrize("name", list(BINARY_ALIASES))
def test_binary_aliases_broadcast_and_match_torch(torch, name):
    arrays = [distinct(3, 1, 4, seed=2), distinct(2, 4, seed=3) + 0.05]
    compare_with_torch(torch, getattr(mg, name), getattr(torch, name), arrays)
    compare_with_torch(torch, lambda a, b: getattr(a, name)(b), lambda a, b: getattr(a, name)(b), arrays)


def test_aliases_gradcheck(device):
    check_grad(lambda x: mg.arcsin(x) + mg.arctan(x) * mg.absolute(x), np.array([0.3, -0.7, 0.55]), device=device)
    check_grad(mg.arctan2, randn(2, 3, seed=4), randn(3, seed=5), device=device)
    check_grad(lambda a, b: mg.subtract(a, b, alpha=2.5), randn(4, 1, seed=1), randn(3, seed=2), device=device)
    check_grad(lambda a, b: mg.rsub(a, b, alpha=-1.5), randn(3, seed=1), randn(2, 3, seed=2), device=device)


@pytest.mark.parametrize("name", COMPARISONS)
def test_comparison_aliases_give_bools_like_torch(torch, name):
    a, b = np.array([1.0, 2.0, 3.0, 2.0]), np.array([2.0, 2.0, 1.0, 5.0])
    ours, theirs = getattr(mg, name)(mg.tensor(a), mg.tensor(b)), getattr(torch, name)(torch.tensor(a), torch.tensor(b))
    assert ours.dtype == np.bool_ and not ours.requires_grad
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    np.testing.assert_array_equal(getattr(mg.tensor(a), name)(2.0).numpy(), getattr(torch.tensor(a), name)(2.0))


def test_subtract_and_rsub_with_alpha_match_torch(torch):
    a, b = randn(2, 3, seed=6), randn(3, seed=7)
    compare_with_torch(torch, lambda x, y: mg.subtract(x, y, alpha=3), lambda x, y: torch.subtract(x, y, alpha=3),
                       [a, b])
    compare_with_torch(torch, lambda x, y: x.subtract(y, alpha=-2), lambda x, y: x.subtract(y, alpha=-2), [a, b])
    compare_with_torch(torch, lambda x, y: mg.rsub(x, y, alpha=2), lambda x, y: torch.rsub(x, y, alpha=2), [a, b])
    np.testing.assert_array_equal(mg.rsub(mg.tensor([1, 2]), 3).numpy(), torch.rsub(torch.tensor([1, 2]), 3))
    assert mg.rsub(mg.tensor([1, 2]), 3).dtype == np.int64


@pytest.mark.parametrize("mode", [None, "trunc", "floor"])
def test_divide_rounding_modes_match_torch_on_ints_and_floats(torch, mode):
    for a, b in [(np.array([-7, 7, -8, 9, 0]), np.array([2, -2, 3, 4, -5])),
                 (np.array([-7.5, 7.25, -0.5, 3.0]), np.array([2.0, -2.0, 0.25, -0.7]))]:
        ours = mg.divide(mg.tensor(a), mg.tensor(b), rounding_mode=mode)
        theirs = torch.divide(torch.tensor(a), torch.tensor(b), rounding_mode=mode)
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
        np.testing.assert_array_equal(mg.tensor(a).divide(3, rounding_mode=mode).numpy(),
                                      torch.tensor(a).divide(3, rounding_mode=mode).numpy())


def test_rounded_divide_has_a_zero_gradient_like_torch(torch, device):
    a, b = randn(2, 3, seed=8), randn(3, seed=9) + 3
    compare_with_torch(torch, lambda x, y: mg.divide(x, y, rounding_mode="floor"),
                       lambda x, y: torch.divide(x, y, rounding_mode="floor"), [a, b], device=device)
    x = mg.tensor(a, requires_grad=True, device=device)
    mg.divide(x, 2.0, rounding_mode="trunc").sum().backward()
    assert x.grad.shape == x.shape and not x.grad.numpy().any()


def test_divide_errors():
    with pytest.raises(ValueError, match="divide: expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                                         "found 'round'"):
        mg.divide(mg.tensor([1.0]), 2, rounding_mode="round")
    with pytest.raises(ZeroDivisionError, match="divide: integer division by zero"):
        mg.divide(mg.tensor([1, 2]), mg.tensor([1, 0]), rounding_mode="floor")


def test_positive_and_concat(torch):
    x = mg.tensor([1.0, -2.0], requires_grad=True)
    assert mg.positive(x) is x and x.positive() is x
    with pytest.raises(TypeError, match="positive: the `\\+` operator, on a bool tensor is not supported"):
        mg.positive(mg.tensor([True]))
    compare_with_torch(torch, lambda a, b: mg.concat([a, b], 1), lambda a, b: torch.concat([a, b], 1),
                       [randn(2, 3), randn(2, 1)])


# ----------------------------------------------------------------- bitwise
BITWISE = ["bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift", "bitwise_right_shift"]


@pytest.mark.parametrize("name", BITWISE)
def test_bitwise_binary_match_torch(torch, name):
    a, b = np.array([[5, -8, 12, 0, 7]]), np.array([[1], [3]])
    for x, y in [(a, b), (a.astype(np.int32), b.astype(np.uint8)), (a, 2)]:
        ty = torch.tensor(y) if isinstance(y, np.ndarray) else y
        ours = getattr(mg, name)(mg.tensor(x), mg.tensor(y) if isinstance(y, np.ndarray) else y)
        theirs = getattr(torch, name)(torch.tensor(x), ty)
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.") and not ours.requires_grad
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    np.testing.assert_array_equal(getattr(mg.tensor(a), name)(mg.tensor(b)).numpy(),
                                  getattr(torch.tensor(a), name)(torch.tensor(b)).numpy())
    np.testing.assert_array_equal(getattr(mg, name)(3, mg.tensor([1, 2])).numpy(),
                                  getattr(torch, name)(3, torch.tensor([1, 2])).numpy())


def test_bitwise_on_bools_and_not_match_torch(torch):
    p, q = np.array([True, True, False, False]), np.array([True, False, True, False])
    for name in ["bitwise_and", "bitwise_or", "bitwise_xor"]:
        np.testing.assert_array_equal(getattr(mg, name)(mg.tensor(p), mg.tensor(q)).numpy(),
                                      getattr(torch, name)(torch.tensor(p), torch.tensor(q)).numpy())
    for a in (p, np.array([0, 5, -3], dtype=np.int64), np.array([0, 5, 255], dtype=np.uint8)):
        ours, theirs = mg.bitwise_not(mg.tensor(a)), torch.bitwise_not(torch.tensor(a))
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        np.testing.assert_array_equal(mg.tensor(a).bitwise_not().numpy(), theirs.numpy())


def test_bitwise_refuses_floats_and_shifts_of_bools():
    with pytest.raises(TypeError, match="bitwise_and: expected bool or integer tensors, got float32 and int64"):
        mg.bitwise_and(mg.tensor([1.0]), mg.tensor([1]))
    with pytest.raises(TypeError, match="bitwise_not: expected a bool or integer tensor, got float32"):
        mg.bitwise_not(mg.tensor([1.0]))
    with pytest.raises(TypeError, match="bitwise_left_shift: expected integer tensors, got bool and bool"):
        mg.bitwise_left_shift(mg.tensor([True]), mg.tensor([True]))
    with pytest.raises(ValueError, match="bitwise_or: shapes \\(2,\\) and \\(3,\\) cannot be broadcast"):
        mg.bitwise_or(mg.tensor([1, 2]), mg.tensor([1, 2, 3]))


# ----------------------------------------------------------------- dtype questions
DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


def test_dtype_predicates_match_torch(torch):
    for name in DTYPES:
        ours, theirs = mg.zeros(2, dtype=np.dtype(name)), torch.zeros(2, dtype=getattr(torch, name))
        for q in ("is_floating_point", "is_complex", "is_signed"):
            assert getattr(mg, q)(ours) == getattr(torch, q)(theirs), (q, name)
            assert getattr(ours, q)() == getattr(theirs, q)(), (q, name)
    assert mg.is_same_size(mg.zeros(2, 3), mg.ones(2, 3)) and not mg.zeros(2, 3).is_same_size(mg.zeros(3, 2))


def test_promote_types_and_can_cast_match_torch_on_every_pair(torch):
    for a in DTYPES:
        for b in DTYPES:
            expected = str(torch.promote_types(getattr(torch, a), getattr(torch, b))).removeprefix("torch.")
            assert str(mg.promote_types(np.dtype(a), np.dtype(b))) == expected, (a, b)
            assert mg.can_cast(np.dtype(a), np.dtype(b)) == torch.can_cast(getattr(torch, a), getattr(torch, b))
    assert mg.promote_types(mg.int64, mg.float16) == np.float16          # NumPy would say float64


def test_result_type_matches_torch(torch):
    cases = [(np.array([1, 2]), 1.0), (np.array([1.0], dtype=np.float32), np.array(2.0)),
             (np.array([1], dtype=np.int32), np.array(2.0)), (np.array([True]), 3), (np.array(1, dtype=np.int8), 2)]
    for a, b in cases:
        wrap = (lambda v, lib: lib.tensor(v) if isinstance(v, np.ndarray) else v)
        expected = str(torch.result_type(wrap(a, torch), wrap(b, torch))).removeprefix("torch.")
        assert str(mg.result_type(wrap(a, mg), wrap(b, mg))) == expected, (a, b)


def test_is_nonzero_matches_torch_and_refuses_other_sizes(torch):
    for v in ([0.0], [1.5], [[0]], 3, [False]):
        assert mg.is_nonzero(mg.tensor(v)) == torch.is_nonzero(torch.tensor(v))
    assert mg.tensor([2]).is_nonzero()
    with pytest.raises(ValueError, match="is_nonzero: Boolean value of Tensor with more than one value is ambig"):
        mg.is_nonzero(mg.tensor([1, 2]))
    with pytest.raises(ValueError, match="is_nonzero: Boolean value of Tensor with no values is ambiguous"):
        mg.is_nonzero(mg.zeros(0))
