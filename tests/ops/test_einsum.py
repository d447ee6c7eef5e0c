"""einsum and the products written with it (tensordot, inner, kron): PyTorch's values, gradients, dtypes and
refusals; gradcheck and gradgradcheck on awkward equations (diagonals, ellipsis, broadcast size-1 dims,
letters summed away in one operand only)."""
import numpy as np
import pytest

import minigan as mg

from helpers import check_grad, compare_with_torch, randn, tensors

# (equation, operand shapes): every case of the parser and of the backward's four steps
EQUATIONS = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),                        # implicit: the letters seen once, sorted
    ("bA,Ba", [(2, 3), (3, 4)]),                        # implicit, upper case before lower case
    ("i j , j k -> i k", [(2, 3), (3, 4)]),             # spaces
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("ij->ji", [(2, 3)]),
    ("ij->", [(3, 2)]),
    ("ij->j", [(3, 2)]),                                # i only in the one operand: summed away
    ("ii->i", [(3, 3)]),
    ("ii", [(4, 4)]),                                   # the trace
    ("iij->ji", [(3, 3, 2)]),
    ("iii->i", [(3, 3, 3)]),
    ("iji->j", [(3, 2, 3)]),
    ("ii,ij->j", [(3, 3), (3, 2)]),
    ("i,j->ij", [(3,), (4,)]),
    ("i,i->", [(5,), (5,)]),
    ("ij,jk->ik", [(2, 1), (3, 4)]),                    # size 1 broadcasts, and j is summed in one only
    ("ij,jk->ik", [(2, 3), (1, 4)]),
    ("ij,ij->ij", [(3, 1), (1, 4)]),
    ("ij,ij->", [(1, 3), (4, 1)]),
    ("ik,jk->", [(2, 1), (3, 4)]),
    ("i,i,i->i", [(3,), (1,), (3,)]),
    ("ii,i->i", [(1, 1), (3,)]),                        # a diagonal of size 1, broadcast
    ("iij,kj->ik", [(2, 2, 1), (3, 4)]),
    ("...ij,...jk", [(5, 2, 3), (3, 4)]),
    ("...ij,...jk->...ik", [(2, 1, 2, 3), (5, 3, 4)]),  # ellipsis dims broadcast, of different widths
    ("i...->...", [(5, 2, 3)]),
    ("i...->i", [(5, 2, 3)]),                           # an ellipsis missing from the output is summed
    ("i...j->j...i", [(5, 2, 3, 4)]),
    ("i...,i...->...", [(5, 2, 3), (5,)]),
    ("...,...", [(5, 2, 3), (3,)]),
    ("ij->i...j", [(5, 2)]),                            # '...' covering no dims
    ("ij,jk->ik", [(2, 0), (0, 4)]),                    # an empty sum is 0
    ("ab,bc,cd->ad", [(2, 3), (3, 4), (4, 5)]),
    ("ab,bc,cbd,a->d", [(2, 3), (3, 4), (4, 3, 2), (2,)]),
    ("ij,,->", [(5, 2), (), ()]),
    ("", [()]),
]


@pytest.mark.parametrize("equation,shapes", EQUATIONS, ids=[e for e, _ in EQUATIONS])
def test_einsum_matches_torch(torch, equation, shapes):
    arrays = [randn(*s, seed=i + 1) for i, s in enumerate(shapes)]
    compare_with_torch(torch, lambda *xs: mg.einsum(equation, *xs), lambda *ts: torch.einsum(equation, *ts), arrays)


@pytest.mark.parametrize("equation,shapes", EQUATIONS[::3], ids=[e for e, _ in EQUATIONS[::3]])
def test_einsum_gradcheck_and_gradgradcheck(device, equation, shapes):
    arrays = [randn(*s, seed=i + 7) for i, s in enumerate(shapes)]
    check_grad(lambda *xs: mg.einsum(equation, *xs), *arrays, device=device)
    mg.gradgradcheck(lambda *xs: mg.einsum(equation, *xs), tensors(device, *arrays))


@pytest.mark.parametrize("equation,shapes", [("ii->", [(3, 3)]), ("iij,kj->ik", [(2, 2, 3), (1, 3)]),
                                             ("...ij,...jk->...ik", [(2, 1, 2, 3), (5, 3, 4)]),
                                             ("ij,jk->ik", [(2, 1), (3, 4)])], ids=str)
def test_einsum_gradgradcheck_on_diagonals_and_broadcasts(device, equation, shapes):
    arrays = [randn(*s, seed=i + 11) for i, s in enumerate(shapes)]
    mg.gradgradcheck(lambda *xs: mg.einsum(equation, *xs) ** 2, tensors(device, *arrays))


def test_operands_as_one_list_or_tuple():
    a, b = mg.tensor(randn(2, 3, seed=1)), mg.tensor(randn(3, 4, seed=2))
    expected = (a @ b).numpy()
    for ours in (mg.einsum("ij,jk->ik", [a, b]), mg.einsum("ij,jk->ik", (a, b))):
        np.testing.assert_allclose(ours.numpy(), expected, rtol=1e-6)


def test_the_trace_gradient_lies_on_the_diagonal(device):
    x = tensors(device, randn(3, 3, seed=3))[0]
    mg.einsum("ii", x).backward(mg.tensor(2.5, dtype=mg.float64, device=device))
    np.testing.assert_array_equal(x.grad.numpy(), 2.5 * np.eye(3))


def test_a_letter_summed_away_in_one_operand_gets_the_gradient_all_along_it(device):
    x = tensors(device, randn(2, 3, seed=4))[0]
    mg.einsum("ij->i", x).backward(mg.tensor([1.0, -2.0], dtype=mg.float64, device=device))
    np.testing.assert_array_equal(x.grad.numpy(), [[1.0] * 3, [-2.0] * 3])


def test_one_tensor_twice_gets_both_gradients(device):
    x = tensors(device, randn(4, seed=5))[0]
    mg.einsum("i,i->", x, x).backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.numpy(), rtol=1e-12)


def test_the_result_is_a_new_array_not_a_view_of_the_operand():
    x = mg.tensor(randn(3, 3, seed=6))
    y = mg.einsum("ij->ji", x)
    y.data[0, 1] = 100.0
    assert x.numpy()[1, 0] != 100.0


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32"])
def test_einsum_keeps_the_dtype_as_torch(torch, dtype):
    a = (randn(2, 3, seed=7) * 4).astype(dtype)
    b = (randn(3, 4, seed=8) * 4).astype(dtype)
    ours = mg.einsum("ij,jk->ik", mg.tensor(a), mg.tensor(b))
    theirs = torch.einsum("ij,jk->ik", torch.tensor(a), torch.tensor(b))
    assert ours.dtype == np.dtype(dtype) and str(theirs.dtype) == f"torch.{dtype}"
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


@pytest.mark.parametrize("call,error,message", [
    (lambda: mg.einsum("ij,jk->ik", mg.zeros(2, 3), mg.zeros(2, 4)), ValueError,
     "einsum: subscript j has size 2 for operand 1, which does not broadcast with the size 3 seen before"),
    (lambda: mg.einsum("ij,jk->ik", mg.zeros(2, 3)), ValueError,
     r"einsum: fewer operands were given \(1\) than the equation 'ij,jk->ik' specifies \(2\)"),
    (lambda: mg.einsum("ij", mg.zeros(2, 3), mg.zeros(3)), ValueError, "einsum: more operands were given"),
    (lambda: mg.einsum("ij->ik", mg.zeros(2, 3)), ValueError,
     "einsum: output subscript k does not appear in the equation for any input operand"),
    (lambda: mg.einsum("ij->ii", mg.zeros(2, 3)), ValueError,
     "einsum: output subscript i appears more than once in the output"),
    (lambda: mg.einsum("ii->i", mg.zeros(2, 3)), ValueError,
     "einsum: subscript i is repeated for operand 0 but the sizes don't match, 3 != 2"),
    (lambda: mg.einsum("ij->", mg.zeros(2, 3, 4)), ValueError,
     r"the number of subscripts in the equation \(2\) does not match the number of dimensions \(3\) for operand 0"),
    (lambda: mg.einsum("ij...->", mg.zeros(2)), ValueError,
     r"einsum: the number of subscripts in the equation \(2\) is more than the number of dimensions \(1\)"),
    (lambda: mg.einsum("i1->", mg.zeros(2, 3)), ValueError,
     r"einsum: invalid subscript '1' given at index 1 in the equation string, subscripts must be in \[a-zA-Z\]"),
    (lambda: mg.einsum("ij->j->i", mg.zeros(2, 3)), ValueError, "invalid subscript '-' given at index 5"),
    (lambda: mg.einsum("...ij,...jk", mg.zeros(5, 2, 3), mg.zeros(2, 3, 4)), ValueError,
     r"einsum: subscript \.\.\. \(dim 0 of the ellipsis\) has size 2 for operand 1, which does not broadcast"),
    (lambda: mg.einsum("...i...", mg.zeros(5, 2)), ValueError,
     r"einsum: found '\.\.\.' for operand 0, for which an ellipsis was already found"),
    (lambda: mg.einsum("i.", mg.zeros(5, 2)), ValueError, r"einsum: found '\.' for operand 0 that is not part of"),
    (lambda: mg.einsum("i->i..", mg.zeros(5)), ValueError, r"einsum: found '\.' for the output that is not part"),
    (lambda: mg.einsum("ij,jk", mg.zeros(2, 3), mg.zeros(3, 4, dtype=mg.float64)), TypeError,
     r"einsum: expected all operands to have the same dtype, got float32 \(operand 0\), float64 \(operand 1\)"),
    (lambda: mg.einsum("i,i", mg.tensor([True]), mg.tensor([False])), TypeError,
     "einsum: bool operands are not supported"),
    (lambda: mg.einsum("ij"), ValueError, "einsum: must specify the equation string and at least one operand"),
    (lambda: mg.einsum("i,i", 3, mg.zeros(1)), TypeError, "einsum: expected a Tensor as operand 0, got int"),
    (lambda: mg.einsum(mg.zeros(2), [0]), TypeError, "einsum: expected the equation as a str first"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_einsum_errors_name_what_was_expected_and_what_came(call, error, message):
    with pytest.raises(error, match=message):
        call()


# ----------------------------------------------------------------- tensordot, inner, kron
TENSORDOT = [((2, 3, 4), (3, 4, 5), 2), ((2, 3), (3, 5), 1), ((2, 3), (4,), 0), ((), (), 0),
             ((2, 3, 4), (4, 3, 5), ([1, 2], [1, 0])), ((2, 3, 4), (4, 3, 5), [[-1], [0]]),
             ((2, 1, 4), (4, 3, 5), ([1], [1])), ((3, 2), (2, 3), ([0, 1], [1, 0]))]


@pytest.mark.parametrize("sa,sb,dims", TENSORDOT, ids=str)
def test_tensordot_matches_torch(torch, sa, sb, dims):
    arrays = [randn(*sa, seed=1), randn(*sb, seed=2)]
    compare_with_torch(torch, lambda a, b: mg.tensordot(a, b, dims), lambda a, b: torch.tensordot(a, b, dims), arrays)


def test_tensordot_gradcheck(device):
    check_grad(lambda a, b: mg.tensordot(a, b, ([2, 0], [0, 1])), randn(3, 1, 2, seed=3), randn(2, 3, 5, seed=4),
               device=device)
    check_grad(lambda a, b: mg.tensordot(a, b, 0), randn(2, seed=5), randn(3, 1, seed=6), device=device)


def test_tensordot_of_integers_is_exact(torch):
    a, b = np.arange(6).reshape(2, 3), np.arange(3)
    ours, theirs = mg.tensordot(mg.tensor(a), mg.tensor(b), 1), torch.tensordot(torch.tensor(a), torch.tensor(b), 1)
    assert ours.dtype == np.int64 and ours.tolist() == theirs.tolist()


@pytest.mark.parametrize("sa,sb", [((2, 3), (4, 3)), ((3,), (3,)), ((2, 1, 3), (3,)), ((2, 3), (1, 3)), ((), (4, 3)),
                                   ((2, 3), ())], ids=str)
def test_inner_matches_torch(torch, sa, sb):
    compare_with_torch(torch, mg.inner, torch.inner, [randn(*sa, seed=1), randn(*sb, seed=2)])
    compare_with_torch(torch, lambda a, b: a.inner(b), lambda a, b: a.inner(b),
                       [randn(*sa, seed=3), randn(*sb, seed=4)])


def test_inner_with_a_zero_dimensional_operand_promotes_as_multiplication(torch):
    ours = mg.inner(mg.tensor(2), mg.tensor([0.5, 1.5]))
    theirs = torch.inner(torch.tensor(2), torch.tensor([0.5, 1.5]))
    assert ours.dtype == np.float32 and theirs.dtype == torch.float32 and ours.tolist() == theirs.tolist()


@pytest.mark.parametrize("sa,sb", [((2, 3), (4, 5)), ((2, 3), (4,)), ((3,), (2, 1, 2)), ((), (4,)), ((), ()),
                                   ((2, 0), (3, 4))], ids=str)
def test_kron_matches_torch(torch, sa, sb):
    compare_with_torch(torch, mg.kron, torch.kron, [randn(*sa, seed=1), randn(*sb, seed=2)])
    compare_with_torch(torch, lambda a, b: a.kron(b), lambda a, b: a.kron(b), [randn(*sa, seed=3), randn(*sb, seed=4)])


def test_inner_and_kron_gradcheck(device):
    check_grad(mg.inner, randn(2, 3, seed=1), randn(4, 1, 3, seed=2), device=device)
    check_grad(mg.kron, randn(2, 3, seed=3), randn(3, 1, 2, seed=4), device=device)
    mg.gradgradcheck(lambda a, b: mg.kron(a, b) ** 2, tensors(device, randn(2, seed=5), randn(3, 2, seed=6)))


@pytest.mark.parametrize("da,db", [("int64", "float32"), ("int64", "int32"), ("float32", "float64")])
def test_kron_promotes_as_torch(torch, da, db):
    a, b = np.array([1, 2]).astype(da), np.array([3, -1, 2]).astype(db)
    ours, theirs = mg.kron(mg.tensor(a), mg.tensor(b)), torch.kron(torch.tensor(a), torch.tensor(b))
    assert str(theirs.dtype) == f"torch.{ours.dtype}" and ours.tolist() == theirs.tolist()


@pytest.mark.parametrize("call,error,message", [
    (lambda: mg.tensordot(mg.zeros(2, 3), mg.zeros(3, 2), -1), ValueError,
     "tensordot: expects dims >= 0, but got dims=-1"),
    (lambda: mg.tensordot(mg.zeros(2, 3), mg.zeros(3, 2), 3), ValueError,
     r"tensordot: dims=3 is more than the dims of a \(2\) or b \(2\)"),
    (lambda: mg.tensordot(mg.zeros(2, 3, 4), mg.zeros(4, 3, 5), ([1, 2], [0, 1])), ValueError,
     "tensordot: contracted dimensions need to match, but a has size 3 in dim 1 and b has size 4 in dim 0"),
    (lambda: mg.tensordot(mg.zeros(2, 3), mg.zeros(3, 2), ([1], [0, 1])), ValueError,
     r"tensordot: both dimension lists should have the same length, got \[1\] and \[0, 1\]"),
    (lambda: mg.tensordot(mg.zeros(2, 3), mg.zeros(3, 3), ([1, 1], [0, 1])), ValueError,
     "tensordot: a dim appears more than once in the dims of a"),
    (lambda: mg.tensordot(mg.zeros(2, 3), mg.zeros(3, 2), 2.0), TypeError,
     "tensordot: expects dims to be an int or a pair of lists of dims, but got dims=2.0"),
    (lambda: mg.tensordot(mg.zeros(2, 3), mg.zeros(3, 2), ([5], [0])), IndexError, "tensordot: dimension out of"),
    (lambda: mg.tensordot(mg.zeros(3), mg.zeros(3, dtype=mg.float64), 1), TypeError,
     "tensordot: both inputs should have the same dtype, got float32 and float64"),
    (lambda: mg.inner(mg.zeros(2, 3), mg.zeros(4)), ValueError,
     r"inner: the last dimension must match on both input tensors but got shapes \(2, 3\) and \(4,\)"),
    (lambda: mg.inner(mg.zeros(3), mg.zeros(3, dtype=mg.int64)), TypeError, "inner: both inputs should have the same"),
    (lambda: mg.kron(mg.zeros(2), 3), TypeError, "kron: expected Tensors, got int"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_errors_of_tensordot_inner_kron(call, error, message):
    with pytest.raises(error, match=message):
        call()
