"""Tensor dtype conversions (``long``, ``int``, ``bool``, ``half`` beside ``float``/``double``) and the operators
``~ & | ^`` on bool and integer tensors: PyTorch's values and dtypes, no gradient through an integer or bool
result, a gradient back through ``half``, and a TypeError for float operands."""
import numpy as np
import pytest

import minigan as mg

from helpers import check_grad

f16, f32, f64, i64, i32, bool_ = np.float16, np.float32, np.float64, np.int64, np.int32, np.bool_
VALUES = [1.5, -2.7, 0.0, 3.0, -0.4]


# ----------------------------------------------------------------- conversions
@pytest.mark.parametrize("method,dtype", [("long", i64), ("int", i32), ("bool", bool_), ("half", f16),
                                          ("float", f32), ("double", f64)])
def test_conversion_methods_give_the_dtype(device, method, dtype):
    x = mg.tensor(VALUES, device=device)
    y = getattr(x, method)()
    assert y.dtype == dtype and y.device == x.device
    np.testing.assert_array_equal(y.numpy(), np.asarray(VALUES, dtype=np.float32).astype(dtype))
    assert getattr(y, method)() is y            # already that dtype: the tensor itself, as in PyTorch


@pytest.mark.parametrize("method", ["long", "int", "bool", "half", "float", "double"])
def test_conversions_match_torch(torch, method):
    a = np.array([1.5, -2.7, 0.0, 3.99, -0.4, 7.0])
    for source in (a, a.astype(np.float32), np.array([0, 3, -2]), np.array([True, False])):
        ours, theirs = getattr(mg.tensor(source), method)(), getattr(torch.tensor(source), method)()
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_integer_and_bool_results_have_no_gradient(device):
    x = mg.tensor(VALUES, device=device, requires_grad=True)
    for y in (x.long(), x.int(), x.bool()):
        assert not y.requires_grad and y.grad_fn is None


def test_half_passes_gradients_back_in_the_source_dtype(device):
    x = mg.tensor(np.array([0.5, -1.25, 2.0]), device=device, requires_grad=True)
    y = x.half()
    assert y.requires_grad and y.dtype == f16
    (y * y).sum().backward()
    assert x.grad.dtype == f64
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, -2.5, 4.0])     # exact: these values are float16's own
    # float16 rounds a step of 1e-6 away, so the check steps by 2^-6 from values float16 holds exactly
    check_grad(lambda x: x.half().double() ** 2, np.array([0.5, -1.25, 2.0, 0.765625]), device=device, eps=2 ** -6)


# ----------------------------------------------------------------- ~ & | ^
def test_logical_operators_on_bool_tensors(device):
    a = mg.tensor([True, True, False, False], device=device)
    b = mg.tensor([True, False, True, False], device=device)
    for y, want in [(~a, [0, 0, 1, 1]), (a & b, [1, 0, 0, 0]), (a | b, [1, 1, 1, 0]), (a ^ b, [0, 1, 1, 0])]:
        assert y.dtype == bool_ and y.device == a.device and not y.requires_grad
        np.testing.assert_array_equal(y.numpy(), np.array(want, dtype=bool))


def test_masks_from_comparisons_combine():
    x = mg.tensor([-1.0, 0.5, 2.0], requires_grad=True)
    mask = (x > 0) & ~(x > 1)
    np.testing.assert_array_equal(mask.numpy(), [False, True, False])
    assert mask.grad_fn is None and not mask.requires_grad


def test_bitwise_operators_on_integer_tensors():
    a, b = mg.tensor([12, 10, -1]), mg.tensor([10, 6, 3])
    np.testing.assert_array_equal((a & b).numpy(), [8, 2, 3])
    np.testing.assert_array_equal((a | b).numpy(), [14, 14, -1])
    np.testing.assert_array_equal((a ^ b).numpy(), [6, 12, -4])
    np.testing.assert_array_equal((~a).numpy(), [-13, -11, 0])
    np.testing.assert_array_equal((3 & a).numpy(), [0, 2, 3])                # a Python int on the left
    np.testing.assert_array_equal((np.array([1, 1, 1]) | a).numpy(), [13, 11, -1])   # an array on the left


# operands as (values, dtype) for a tensor or a plain Python value
PAIRS = [(([True, False], bool_), ([True, True], bool_)), (([True, False], bool_), True),
         (([True, False], bool_), 1), (([3, 5], i32), 6), (([3, 5], i32), ([6, 1], i64)),
         (([3, 5], i32), (6, i64)), (([True, False], bool_), ([6, 1], i32)), (([3, 5], np.uint8), ([6, 1], np.int8))]


def _make(lib, spec):
    if not isinstance(spec, tuple):
        return spec
    values, dtype = spec
    return lib.tensor(np.asarray(values, dtype=dtype))


@pytest.mark.parametrize("a,b", PAIRS, ids=str)
def test_bitwise_values_and_dtypes_match_torch(torch, a, b):
    for symbol in ("&", "|", "^"):
        op = {"&": lambda x, y: x & y, "|": lambda x, y: x | y, "^": lambda x, y: x ^ y}[symbol]
        for x, y in ((a, b), (b, a)):
            ours, theirs = op(_make(mg, x), _make(mg, y)), op(_make(torch, x), _make(torch, y))
            assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch."), (symbol, x, y)
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    if isinstance(a, tuple):
        np.testing.assert_array_equal((~_make(mg, a)).numpy(), (~_make(torch, a)).numpy())


def test_float_operands_are_a_type_error():
    f, m = mg.tensor([1.0, 0.0]), mg.tensor([True, False])
    with pytest.raises(TypeError, match=r"~ \(bitwise not\) is only defined for bool and integer tensors, got "
                                        "dtype float32"):
        ~f
    with pytest.raises(TypeError, match=r"& \(bitwise and\) is only defined for bool and integer tensors, got "
                                        "float32 and bool"):
        f & m
    with pytest.raises(TypeError, match=r"\| \(bitwise or\) .* got bool and float"):
        m | 1.5
    with pytest.raises(TypeError, match=r"\^ \(bitwise xor\) .* got bool and float64"):
        m ^ mg.tensor(np.array([1.0, 2.0]))
    with pytest.raises(TypeError):
        m & "yes"


def test_torch_refuses_float_operands_too(torch):
    with pytest.raises(TypeError):
        ~torch.tensor([1.0])
    with pytest.raises((RuntimeError, NotImplementedError)):
        torch.tensor([1.0]) & torch.tensor([True])
