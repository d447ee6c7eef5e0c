"""dtype promotion with PyTorch's rule: categories bool < int < float; tensors with dimensions decide over 0-d
tensors, which decide over Python numbers, unless a lower-standing operand is of a higher category. Gradients
come back in each input's own dtype."""
import numpy as np
import pytest

import minigan as mg
import minigan.nn.functional as F
import minigan.ops as ops
from minigan.ops._util import lift_pair, result_type

f32, f64, i64, i32, bool_ = np.float32, np.float64, np.int64, np.int32, np.bool_


def t(values, dtype):
    return mg.tensor(np.asarray(values, dtype=dtype))


# (a, b, the dtype of a + b); a and b are (values, dtype) for a tensor or a Python number
CASES = [
    (([1.0], f32), ([1], i64), f32),              # float tensor + int tensor: the float's dtype
    (([1.0], f32), (2.0, f64), f32),              # a 0-d float64 tensor does not widen a float32 tensor
    (([1], i64), (1.5, f64), f64),                # ... but lifts an int tensor to its float category
    (([1], i64), (2.0, f32), f32),
    (([1], i32), (3, i64), i32),                  # a 0-d int64 tensor does not widen an int32 tensor
    (([1], i32), ([3], i64), i64),                # two tensors with dims: the wider
    (([1.0], f32), ([1.0], f64), f64),
    (([1], i64), 0.5, f32),                       # an int tensor with a Python float: the default float
    (([1], i32), 3, i32),                         # a Python int keeps an int tensor's dtype
    (([True], bool_), 1, i64),                    # a bool tensor with a Python int: int64
    (([True], bool_), ([1], i32), i32),
    ((2.0, f64), 1.0, f64),                       # a 0-d tensor decides over a Python number
    ((2, i64), 1.0, f32),
    (([1.0], f64), 2.0, f64),
    (([1.0], f32), 2, f32),
]


def _operand(spec):
    return t(*spec) if isinstance(spec, tuple) else spec


def _case_id(case):
    return "-".join(str(s) if not isinstance(s, tuple) else f"{np.dtype(s[1])}{np.ndim(s[0])}d" for s in case[:2])


@pytest.mark.parametrize("a,b,expected", CASES, ids=[_case_id(c) for c in CASES])
def test_binary_ops_promote_like_torch(a, b, expected):
    x, y = _operand(a), _operand(b)
    assert result_type(x, y) == expected
    for op in (ops.add, ops.mul, ops.maximum):
        assert op(x, y).dtype == expected, op.__name__
        assert op(y, x).dtype == expected, op.__name__


@pytest.mark.parametrize("a,b,expected", CASES, ids=[_case_id(c) for c in CASES])
def test_promotion_table_matches_torch(torch, a, b, expected):
    def to_torch(spec):
        if not isinstance(spec, tuple):
            return spec
        return torch.tensor(np.asarray(spec[0], dtype=spec[1]))
    got = torch.result_type(to_torch(a), to_torch(b))
    assert str(got).replace("torch.", "") == np.dtype(expected).name


def test_the_reported_cases():
    assert (mg.tensor([1.0]) + mg.tensor([1])).dtype == f32
    assert (mg.tensor([1.0]) ** mg.tensor(2)).dtype == f32
    assert (mg.tensor([1.0]) + mg.tensor(1.0, dtype=f64)).dtype == f32
    half = mg.tensor([1, 2]) * 0.5
    assert half.dtype == f32
    np.testing.assert_array_equal(half.numpy(), [0.5, 1.0])
    assert (mg.tensor([1, 2]) - 0.5).dtype == f32
    assert (1.5 + mg.tensor([1, 2])).dtype == f32


def test_true_division_of_integers_gives_float32():
    for y in (mg.tensor([1, 2]) / 2, mg.tensor([1, 2]) / mg.tensor([2, 2]), 1 / mg.tensor([2, 4])):
        assert y.dtype == f32
    np.testing.assert_array_equal((mg.tensor([1, 2]) / 2).numpy(), [0.5, 1.0])
    np.testing.assert_array_equal((1 / mg.tensor([2, 4])).numpy(), [0.5, 0.25])


def test_integer_arithmetic_stays_integer():
    assert (mg.tensor([1, 2]) * 3).dtype == i64
    assert (mg.tensor([1, 2]) ** 2).dtype == i64
    assert (2 ** mg.tensor([1, 2])).dtype == i64
    assert (t([1, 2], i32) + 1).dtype == i32


def test_pow_of_an_integer_tensor_with_a_float_exponent():
    y = mg.tensor([1, 4]) ** 0.5
    assert y.dtype == f32
    np.testing.assert_array_equal(y.numpy(), [1.0, 2.0])
    assert (2.0 ** mg.tensor([1, 2])).dtype == f32


@pytest.mark.parametrize("fn", [mg.exp, mg.log, mg.sqrt, F.sigmoid, F.tanh], ids=lambda f: f.__name__)
@pytest.mark.parametrize("dtype", [i64, bool_])
def test_float_functions_of_integers_are_float32(fn, dtype):
    x = t([1, 2], dtype)
    y = fn(x)
    assert y.dtype == f32
    np.testing.assert_allclose(y.numpy(), fn(x.float()).numpy())


def test_clamp_of_integers_promotes_with_its_bounds():
    y = mg.clamp(mg.tensor([0, 1]), min=0.5)
    assert y.dtype == f32
    np.testing.assert_array_equal(y.numpy(), [0.5, 1.0])
    assert mg.clamp(mg.tensor([0, 5]), min=1, max=3).dtype == i64
    assert mg.clamp(mg.tensor([0.0, 5.0]), min=mg.tensor([1], dtype=f64)).dtype == f64


def test_gradients_come_back_in_each_inputs_dtype():
    x = mg.tensor([1.0, 2.0], requires_grad=True)                      # float32
    s = mg.tensor(3.0, dtype=f64, requires_grad=True)                  # 0-d float64
    y = x * s
    assert y.dtype == f32
    y.sum().backward()
    assert x.grad.dtype == f32 and s.grad.dtype == f64
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])
    assert s.grad.item() == 3.0


def test_same_dtype_operands_are_passed_through_uncast():
    a, b = mg.zeros(2), mg.ones(2)
    pa, pb = lift_pair(a, b)
    assert pa is a and pb is b
    c, s = lift_pair(a, 2.0)
    assert c is a and s.dtype == f32


def test_matmul_refuses_mixed_dtypes():
    with pytest.raises(TypeError, match="matmul: .*same dtype.*int64 and float32"):
        mg.tensor([1, 2]) @ mg.tensor([1.0, 2.0])
    with pytest.raises(TypeError, match="matmul: .*same dtype"):
        mg.ones(2, 3) @ mg.ones(3, dtype=f64)
    assert (mg.tensor([1, 2]) @ mg.tensor([3, 4])).item() == 11


def test_matmul_of_mixed_dtypes_is_an_error_in_torch_too(torch):
    with pytest.raises(RuntimeError, match="dtype"):
        torch.tensor([1, 2]) @ torch.tensor([1.0, 2.0])


def test_where_with_python_numbers():
    cond = mg.tensor([True, False])
    y = mg.where(cond, 1.0, 0.0)
    assert y.dtype == f32
    np.testing.assert_array_equal(y.numpy(), [1.0, 0.0])
    assert mg.where(cond, 1, 0).dtype == i64
    assert mg.where(cond, 1, 0.5).dtype == f32
    assert mg.where([True, False], 2.0, 3.0).numpy().tolist() == [2.0, 3.0]
    x = mg.tensor([1.0, 2.0], dtype=f64, requires_grad=True)
    z = mg.where(cond, 0.0, x)
    assert z.dtype == f64
    z.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 1.0])


def test_where_with_python_numbers_matches_torch(torch):
    cond = [True, False, True]
    for a, b in [(1.0, 0.0), (1, 0), (1, 0.5), (True, 2)]:
        ours = mg.where(mg.tensor(cond), a, b)
        theirs = torch.where(torch.tensor(cond), a, b)
        assert ours.dtype.name == str(theirs.dtype).replace("torch.", "")
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("a,b", [(([1.0], f32), ([1], i64)), (([1], i64), 0.5), (([1, 2], i32), (2.0, f64)),
                                 (([1.0], f32), (2.0, f64)), (([3], i64), 2)])
def test_values_and_dtypes_match_torch(torch, a, b):
    x, y = _operand(a), _operand(b)
    tx = torch.tensor(x.numpy()) if isinstance(x, mg.Tensor) else x
    ty = torch.tensor(y.numpy()) if isinstance(y, mg.Tensor) else y
    for name in ("add", "sub", "mul", "div", "pow", "maximum"):
        if name == "maximum" and not isinstance(y, mg.Tensor):
            continue
        ours, theirs = getattr(ops, name)(x, y), getattr(torch, name)(tx, ty)
        assert ours.dtype.name == str(theirs.dtype).replace("torch.", ""), name
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, err_msg=name)


@pytest.mark.parametrize("op", [lambda x: x.mean(), lambda x: mg.mean(x, dim=0),
                                lambda x: F.softmax(x, dim=0), lambda x: F.log_softmax(x, dim=0)])
def test_ops_that_need_a_float_refuse_an_integer_tensor(op):
    with pytest.raises(TypeError, match=r"expected a floating-point tensor, got int64 \(convert it with .float\(\)\)"):
        op(mg.tensor([1, 2]))
    assert op(mg.tensor([1, 2]).float()).dtype == np.float32


@pytest.mark.parametrize("dtypes", [(np.float32, np.int64), (np.int32, np.int64, np.bool_), (np.float16, np.float32),
                                    (np.uint8, np.int8), (np.bool_, np.float64, np.int16)])
@pytest.mark.parametrize("join", ["cat", "stack"])
def test_cat_and_stack_promote_mixed_dtypes_as_torch(torch, dtypes, join):
    """float32 with int64 is float32 (NumPy's concatenate would give float64); gradients come back in each
    tensor's own dtype."""
    arrays = [np.arange(1, 4).astype(d) for d in dtypes]
    ours = getattr(mg, join)([mg.tensor(a) for a in arrays])
    theirs = getattr(torch, join)([torch.tensor(a) for a in arrays])
    assert ours.dtype == np.dtype(str(theirs.dtype).replace("torch.", ""))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    x = mg.tensor(np.ones(2, np.float32), requires_grad=True)
    getattr(mg, join)([x, mg.tensor(np.ones(2, np.int64))]).sum().backward()
    assert x.grad.dtype == np.float32
