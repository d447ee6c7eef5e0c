"""The add-product ops beside addmm: baddbmm, addbmm, addmv, addr (``beta * input + alpha * product``).
PyTorch's values and gradients for every beta/alpha and input broadcast, gradcheck, beta=0 ignoring a NaN or
inf input, dtypes (integers exact; addr promotes where the others demand one dtype) and the refusals."""
import numpy as np
import pytest

import minigan as mg

from helpers import check_grad, compare_with_torch, randn, tensors

# name -> (the product's operand shapes, input shapes that broadcast to the product)
OPS = {
    "baddbmm": ([(2, 3, 4), (2, 4, 5)], [(2, 3, 5), (5,), (), (3, 1), (1, 3, 5), (2, 1, 1)]),
    "addbmm": ([(3, 2, 4), (3, 4, 5)], [(2, 5), (5,), (), (2, 1)]),
    "addmv": ([(3, 4), (4,)], [(3,), (1,), ()]),
    "addr": ([(3,), (4,)], [(3, 4), (4,), (), (3, 1)]),
}
CASES = [(name, shape) for name, (_, inputs) in OPS.items() for shape in inputs]
SCALES = [(1, 1), (0.5, -2.0), (0, 3.0), (2, 0)]


def _arrays(name, input_shape, seed=0):
    return [randn(*input_shape, seed=seed)] + [randn(*s, seed=seed + 1 + i) for i, s in enumerate(OPS[name][0])]


@pytest.mark.parametrize("name,input_shape", CASES, ids=str)
def test_gradcheck(device, name, input_shape):
    op = getattr(mg, name)
    check_grad(lambda c, a, b: op(c, a, b, beta=0.5, alpha=-2.0), *_arrays(name, input_shape, seed=1), device=device)


@pytest.mark.parametrize("name", list(OPS))
def test_gradgradcheck(device, name):
    op = getattr(mg, name)
    mg.gradgradcheck(lambda c, a, b: op(c, a, b, beta=1.5, alpha=0.5) ** 2,
                     tensors(device, *_arrays(name, OPS[name][1][1], seed=2)))


@pytest.mark.parametrize("beta,alpha", SCALES, ids=str)
@pytest.mark.parametrize("name,input_shape", CASES, ids=str)
def test_matches_torch(torch, name, input_shape, beta, alpha):
    ours, theirs = getattr(mg, name), getattr(torch, name)
    arrays = _arrays(name, input_shape, seed=3)
    compare_with_torch(torch, lambda c, a, b: ours(c, a, b, beta=beta, alpha=alpha),
                       lambda c, a, b: theirs(c, a, b, beta=beta, alpha=alpha), arrays)


@pytest.mark.parametrize("name", list(OPS))
def test_tensor_methods_match_torch(torch, name):
    arrays = _arrays(name, OPS[name][1][0], seed=4)
    compare_with_torch(torch, lambda c, a, b: getattr(c, name)(a, b, beta=2.0, alpha=0.5),
                       lambda c, a, b: getattr(c, name)(a, b, beta=2.0, alpha=0.5), arrays)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
@pytest.mark.parametrize("name", list(OPS))
def test_beta_zero_ignores_nan_and_inf_in_the_input_as_torch(torch, name, bad):
    arrays = _arrays(name, OPS[name][1][0], seed=5)
    arrays[0] = np.full_like(arrays[0], bad)
    ours = getattr(mg, name)(*[mg.tensor(a) for a in arrays], beta=0, alpha=1.5)
    theirs = getattr(torch, name)(*[torch.tensor(a) for a in arrays], beta=0, alpha=1.5)
    assert np.isfinite(ours.numpy()).all()
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


def test_addbmm_is_the_sum_of_the_batch_products(device):
    c, a, b = tensors(device, randn(2, 5, seed=6), randn(3, 2, 4, seed=7), randn(3, 4, 5, seed=8))
    expected = c.numpy() + sum(a.numpy()[i] @ b.numpy()[i] for i in range(3))
    np.testing.assert_allclose(mg.addbmm(c, a, b).numpy(), expected, rtol=1e-12)
    empty = mg.addbmm(c, mg.zeros(0, 2, 4, dtype=mg.float64, device=device),
                      mg.zeros(0, 4, 5, dtype=mg.float64, device=device))
    np.testing.assert_array_equal(empty.numpy(), c.numpy())


@pytest.mark.parametrize("name", list(OPS))
def test_float32_stays_float32_and_integers_are_exact(torch, name):
    arrays = [a.astype(np.float32) for a in _arrays(name, OPS[name][1][0], seed=9)]
    assert getattr(mg, name)(*[mg.tensor(a) for a in arrays]).dtype == np.float32
    ints = [np.rint(a * 3).astype(np.int64) for a in arrays]
    ours = getattr(mg, name)(*[mg.tensor(a) for a in ints], beta=2, alpha=-3)
    theirs = getattr(torch, name)(*[torch.tensor(a) for a in ints], beta=2, alpha=-3)
    assert ours.dtype == np.int64 and ours.tolist() == theirs.tolist()


def test_addr_promotes_as_torch_where_the_others_demand_one_dtype(torch):
    c, u, v = randn(3, 4, seed=10).astype(np.float32), randn(3, seed=11), randn(4, seed=12).astype(np.float32)
    ours = mg.addr(mg.tensor(c), mg.tensor(u), mg.tensor(v), beta=0)
    theirs = torch.addr(torch.tensor(c), torch.tensor(u), torch.tensor(v), beta=0)
    assert ours.dtype == np.float64 and theirs.dtype == torch.float64
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
    with pytest.raises(TypeError, match="addmv: expected input and the product's operands to have the same dtype, got "
                                        "float64 and float32"):
        mg.addmv(mg.zeros(3, dtype=mg.float64), mg.zeros(3, 4), mg.zeros(4))


I64 = mg.int64


@pytest.mark.parametrize("call,error,message", [
    (lambda: mg.baddbmm(mg.zeros(4, 2, 3, 5), mg.zeros(2, 3, 4), mg.zeros(2, 4, 5)), ValueError,
     r"baddbmm: input of shape \(4, 2, 3, 5\) does not broadcast to the product's shape \(2, 3, 5\) "
     r"\(batch1 \(2, 3, 4\) @ batch2 \(2, 4, 5\)\)"),
    (lambda: mg.baddbmm(mg.zeros(3, 3, 5), mg.zeros(2, 3, 4), mg.zeros(2, 4, 5)), ValueError,
     r"baddbmm: input of shape \(3, 3, 5\) does not broadcast"),
    (lambda: mg.baddbmm(mg.zeros(2, 3, 5), mg.zeros(2, 3), mg.zeros(2, 4, 5)), ValueError,
     r"baddbmm: expected two 3-D tensors \(batches of matrices\), got 2-D and 3-D"),
    (lambda: mg.baddbmm(mg.zeros(2, 3, 5), mg.zeros(2, 3, 4), mg.zeros(3, 4, 5)), ValueError,
     r"baddbmm: for a batch of shape \(2, 3, 4\), expected the second batch to start with \(2, 4\) .*got \(3, 4, 5\)"),
    (lambda: mg.baddbmm(mg.zeros(2, 3, 5, dtype=mg.float64), mg.zeros(2, 3, 4), mg.zeros(2, 4, 5)), TypeError,
     "baddbmm: expected input and the product's operands to have the same dtype, got float64 and float32"),
    (lambda: mg.baddbmm(mg.zeros(2, 3, 5), mg.zeros(2, 3, 4), mg.zeros(2, 4, 5, dtype=mg.float64)), TypeError,
     "baddbmm: expected both operands to have the same dtype, got float32 and float64"),
    (lambda: mg.addbmm(mg.zeros(2, 3, 5), mg.zeros(2, 3, 4), mg.zeros(2, 4, 5)), ValueError,
     r"addbmm: input of shape \(2, 3, 5\) does not broadcast to the product's shape \(3, 5\)"),
    (lambda: mg.addbmm(mg.zeros(3, 5), mg.zeros(3, 4), mg.zeros(2, 4, 5)), ValueError,
     r"addbmm: expected two 3-D tensors \(batches of matrices\), got 2-D and 3-D"),
    (lambda: mg.addbmm(mg.zeros(3, 5), mg.zeros(2, 3, 4), mg.zeros(3, 4, 5)), ValueError,
     "addbmm: batch1 and batch2 must have the same number of batches, got 2 and 3"),
    (lambda: mg.addbmm(mg.zeros(3, 5), mg.zeros(2, 3, 4), mg.zeros(2, 3, 5)), ValueError,
     r"addbmm: incompatible matrix sizes for the products \(3x4 and 3x5: 4 != 3\)"),
    (lambda: mg.addmv(mg.zeros(2), mg.zeros(3, 4), mg.zeros(4)), ValueError,
     r"addmv: input of shape \(2,\) does not broadcast to the product's shape \(3,\) \(mat \(3, 4\) @ vec \(4,\)\)"),
    (lambda: mg.addmv(mg.zeros(1, 3), mg.zeros(3, 4), mg.zeros(4)), ValueError,
     r"addmv: input of shape \(1, 3\) does not broadcast"),
    (lambda: mg.addmv(mg.zeros(3), mg.zeros(3, 4), mg.zeros(5)), ValueError,
     r"addmv: size mismatch, the matrix \(3, 4\) has 4 columns but the vector \(5,\) has 5 elements"),
    (lambda: mg.addmv(mg.zeros(3), mg.zeros(4), mg.zeros(4)), ValueError,
     "addmv: expected a 2-D matrix and a 1-D vector, got 1-D and 1-D"),
    (lambda: mg.addr(mg.zeros(3), mg.zeros(3), mg.zeros(4)), ValueError,
     r"addr: input of shape \(3,\) does not broadcast to the product's shape \(3, 4\)"),
    (lambda: mg.addr(mg.zeros(3, 4), mg.zeros(3, 1), mg.zeros(4)), ValueError,
     r"addr: expected 1-D argument vec1, but got 2-D \(shape \(3, 1\)\)"),
    (lambda: mg.addr(mg.zeros(3, 4), mg.zeros(3), [1.0, 2.0]), TypeError,
     "addr: expected argument vec2 to be a Tensor, got list"),
    (lambda: mg.addr(mg.zeros(3, 4, dtype=I64), mg.zeros(3, dtype=I64), mg.zeros(4, dtype=I64), beta=0.5), TypeError,
     "addr: for integral input tensors, argument beta must not be a floating point number, got beta=0.5"),
    (lambda: mg.addmv(mg.zeros(3, dtype=I64), mg.zeros(3, 4, dtype=I64), mg.zeros(4, dtype=I64), alpha=2.0),
     TypeError, "addmv: for integral input tensors, argument alpha must not be a floating point number"),
    (lambda: mg.baddbmm(1.0, mg.zeros(2, 3, 4), mg.zeros(2, 4, 5)), TypeError,
     "baddbmm: expected input to be a Tensor, got float"),
    (lambda: mg.addmv(mg.zeros(2), [[1.0]], [1.0]), TypeError, "addmv: expected Tensors, got list and list"),
    (lambda: mg.addmm(mg.zeros(2, 4), mg.zeros(2, 3), mg.zeros(4, 4)), ValueError,
     r"addmm: shapes \(2, 3\) and \(4, 4\) cannot be multiplied"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_errors_name_the_op_what_it_expected_and_what_came(call, error, message):
    with pytest.raises(error, match=message):
        call()
