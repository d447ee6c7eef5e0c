"""PyTorch's stricter matrix products: mm, bmm, mv, dot, outer, addmm. Each is matmul (or a broadcast product)
behind a shape check, so the tests check the gradients, PyTorch's values and gradients, and the refusals."""
import numpy as np
import pytest

import minigan as mg

from helpers import check_grad, compare_with_torch, randn, tensors


def test_mm_gradcheck_and_gradgradcheck(device):
    check_grad(mg.mm, randn(3, 4, seed=1), randn(4, 5, seed=2), device=device)
    mg.gradgradcheck(lambda a, b: mg.mm(a, b) ** 2, tensors(device, randn(3, 4, seed=3), randn(4, 2, seed=4)))


def test_bmm_mv_dot_outer_gradcheck(device):
    check_grad(mg.bmm, randn(2, 3, 4, seed=5), randn(2, 4, 1, seed=6), device=device)
    check_grad(mg.mv, randn(3, 5, seed=7), randn(5, seed=8), device=device)
    check_grad(mg.dot, randn(7, seed=9), randn(7, seed=10), device=device)
    check_grad(mg.outer, randn(3, seed=11), randn(4, seed=12), device=device)


@pytest.mark.parametrize("input_shape", [(4,), (1, 4), (3, 1), (3, 4), ()], ids=str)
def test_addmm_gradcheck(device, input_shape):
    check_grad(lambda c, a, b: mg.addmm(c, a, b, beta=0.5, alpha=-2.0), randn(*input_shape, seed=13),
               randn(3, 2, seed=14), randn(2, 4, seed=15), device=device)


@pytest.mark.parametrize("name,shapes", [("mm", [(3, 4), (4, 5)]), ("bmm", [(2, 3, 4), (2, 4, 5)]),
                                         ("mv", [(3, 4), (4,)]), ("dot", [(6,), (6,)]), ("outer", [(3,), (5,)])])
def test_matches_torch(torch, name, shapes):
    arrays = [randn(*s, seed=20 + i) for i, s in enumerate(shapes)]
    compare_with_torch(torch, getattr(mg, name), getattr(torch, name), arrays)
    compare_with_torch(torch, lambda a, b: getattr(a, name)(b), lambda a, b: getattr(a, name)(b), arrays)


@pytest.mark.parametrize("beta,alpha", [(1, 1), (0.5, -2.0), (0, 3.0), (2, 0)], ids=str)
def test_addmm_matches_torch(torch, beta, alpha):
    arrays = [randn(4, seed=30), randn(3, 2, seed=31), randn(2, 4, seed=32)]
    compare_with_torch(torch, lambda c, a, b: mg.addmm(c, a, b, beta=beta, alpha=alpha),
                       lambda c, a, b: torch.addmm(c, a, b, beta=beta, alpha=alpha), arrays)
    compare_with_torch(torch, lambda c, a, b: c.addmm(a, b, beta=beta, alpha=alpha),
                       lambda c, a, b: c.addmm(a, b, beta=beta, alpha=alpha), arrays)


def test_addmm_with_beta_zero_ignores_nan_as_torch(torch):
    c, a, b = np.full((2, 4), np.nan), randn(2, 3, seed=33), randn(3, 4, seed=34)
    ours = mg.addmm(mg.tensor(c), mg.tensor(a), mg.tensor(b), beta=0)
    theirs = torch.addmm(torch.tensor(c), torch.tensor(a), torch.tensor(b), beta=0)
    assert not np.isnan(ours.numpy()).any()
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


def test_outer_promotes_as_multiplication(torch):
    ours = mg.outer(mg.tensor([1, 2, 3]), mg.tensor([0.5, 2.0]))
    theirs = torch.outer(torch.tensor([1, 2, 3]), torch.tensor([0.5, 2.0]))
    assert ours.dtype == np.float32 and theirs.dtype == torch.float32
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_dot_of_integers_is_exact():
    assert mg.dot(mg.tensor([1, 2, 3]), mg.tensor([4, 5, 6])).item() == 32


@pytest.mark.parametrize("call,error,message", [
    (lambda: mg.mm(mg.zeros(3), mg.zeros(3, 2)), ValueError,
     r"mm: expected two 2-D matrices, got 1-D and 2-D tensors \(shapes \(3,\) and \(3, 2\)\)"),
    (lambda: mg.mm(mg.zeros(2, 3), mg.zeros(4, 2)), ValueError,
     r"mm: shapes \(2, 3\) and \(4, 2\) cannot be multiplied \(2x3 and 4x2: 3 != 4\)"),
    (lambda: mg.mm(mg.zeros(2, 3), mg.zeros(3, 2, dtype=mg.float64)), TypeError,
     "mm: expected both operands to have the same dtype, got float32 and float64"),
    (lambda: mg.bmm(mg.zeros(2, 3), mg.zeros(3, 2)), ValueError,
     r"bmm: expected two 3-D tensors \(batches of matrices\), got 2-D and 2-D"),
    (lambda: mg.bmm(mg.zeros(2, 2, 3), mg.zeros(3, 3, 2)), ValueError,
     r"bmm: for a batch of shape \(2, 2, 3\), expected the second batch to start with \(2, 3\) .*got \(3, 3, 2\)"),
    (lambda: mg.mv(mg.zeros(2, 3), mg.zeros(3, 1)), ValueError,
     "mv: expected a 2-D matrix and a 1-D vector, got 2-D and 2-D"),
    (lambda: mg.mv(mg.zeros(2, 3), mg.zeros(4)), ValueError,
     r"mv: size mismatch, the matrix \(2, 3\) has 3 columns but the vector \(4,\) has 4 elements"),
    (lambda: mg.dot(mg.zeros(2, 3), mg.zeros(4)), ValueError, "dot: expected two 1-D tensors, got 2-D and 1-D"),
    (lambda: mg.dot(mg.zeros(3), mg.zeros(4)), ValueError,
     "dot: expected two vectors of the same length, got 3 and 4 elements"),
    (lambda: mg.outer(mg.zeros(3), mg.zeros(2, 1)), ValueError,
     r"outer: expected two 1-D tensors, got \(3,\) and \(2, 1\)"),
    (lambda: mg.addmm(mg.zeros(3), mg.zeros(2, 3), mg.zeros(3, 4)), ValueError,
     r"addmm: input of shape \(3,\) does not broadcast to the product's shape \(2, 4\)"),
    (lambda: mg.addmm(mg.zeros(3, 2, 4), mg.zeros(2, 3), mg.zeros(3, 4)), ValueError,
     r"addmm: input of shape \(3, 2, 4\) does not broadcast"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_errors_name_the_op_what_it_expected_and_what_came(call, error, message):
    with pytest.raises(error, match=message):
        call()
