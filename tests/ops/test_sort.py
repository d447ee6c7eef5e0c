"""Sorting: sort, argsort, topk, kthvalue. Values and indices as PyTorch's (distinct values, plus ties under a
stable sort, NaN and integers), and the gradient of the values going back to where each came from."""
import numpy as np
import pytest

import minigan as mg

from helpers import check_grad, compare_with_torch, distinct, tensors


def _same_values_and_indices(ours, theirs):
    np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())
    np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())
    assert ours.indices.dtype == np.int64 and ours.values.shape == tuple(theirs.values.shape)


# ----------------------------------------------------------------- sort and argsort
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("descending", [False, True])
def test_sort_matches_torch(torch, dim, descending):
    a = distinct(3, 4, 5, seed=1)
    _same_values_and_indices(mg.sort(mg.tensor(a), dim, descending), torch.sort(torch.tensor(a), dim, descending))
    compare_with_torch(torch, lambda x: mg.sort(x, dim, descending).values,
                       lambda x: torch.sort(x, dim, descending).values, [a])
    np.testing.assert_array_equal(mg.tensor(a).argsort(dim, descending).numpy(),
                                  torch.tensor(a).argsort(dim, descending).numpy())


@pytest.mark.parametrize("descending", [False, True])
def test_stable_sort_keeps_ties_in_order_as_torch(torch, descending):
    a = np.array([[2.0, 1.0, 2.0, 0.0, 1.0, 2.0], [5.0, 5.0, 5.0, 5.0, 4.0, 5.0]])
    ours = mg.tensor(a).sort(-1, descending, stable=True)
    theirs = torch.tensor(a).sort(dim=-1, descending=descending, stable=True)
    _same_values_and_indices(ours, theirs)
    assert ours.indices.tolist()[0] == ([3, 1, 4, 0, 2, 5] if not descending else [0, 2, 5, 1, 4, 3])
    np.testing.assert_array_equal(mg.argsort(mg.tensor(a), descending=descending, stable=True).numpy(),
                                  torch.argsort(torch.tensor(a), descending=descending, stable=True).numpy())


@pytest.mark.parametrize("descending", [False, True])
def test_sort_puts_nan_where_torch_does(torch, descending):
    a = np.array([1.0, np.nan, -2.0, 3.0, np.nan])
    _same_values_and_indices(mg.sort(mg.tensor(a), descending=descending),
                             torch.sort(torch.tensor(a), descending=descending, stable=True))


def test_sort_integers_and_bools_as_torch(torch):
    a = np.array([[3, -1, 3, 0], [7, 7, 2, 9]])
    for arr in (a, a > 2, a.astype(np.uint8)):
        for descending in (False, True):
            _same_values_and_indices(mg.sort(mg.tensor(arr), descending=descending),
                                     torch.sort(torch.tensor(arr), descending=descending, stable=True))


def test_sort_gradcheck(device):
    check_grad(lambda x: mg.sort(x, 1).values, distinct(3, 5, 2, seed=2), device=device)
    check_grad(lambda x: mg.sort(x, 0, descending=True).values, distinct(4, 3, seed=3), device=device)


def test_sort_gradient_goes_back_to_where_each_value_was(device):
    x = tensors(device, np.array([0.3, -1.0, 2.0]))[0]
    values, indices = mg.sort(x)
    assert indices.tolist() == [1, 0, 2]
    values.backward(mg.tensor(np.array([10.0, 20.0, 30.0]), device=device))
    np.testing.assert_array_equal(x.grad.numpy(), [20.0, 10.0, 30.0])


def test_sort_values_gradgradcheck(device):
    mg.gradgradcheck(lambda x: mg.sort(x, -1).values ** 2, tensors(device, distinct(3, 4, seed=4)))


def test_sort_of_a_zero_dimensional_tensor(torch):
    ours, theirs = mg.sort(mg.tensor(2.5)), torch.sort(torch.tensor(2.5))
    _same_values_and_indices(ours, theirs)
    assert isinstance(ours, mg.ops.ValuesIndices) and ours._fields == ("values", "indices")


# ----------------------------------------------------------------- topk and kthvalue
@pytest.mark.parametrize("k,dim,largest", [(2, -1, True), (3, 0, False), (1, 1, True), (0, -1, True), (5, -1, False)],
                         ids=str)
def test_topk_matches_torch(torch, k, dim, largest):
    a = distinct(4, 5, seed=5)
    _same_values_and_indices(mg.topk(mg.tensor(a), k, dim, largest), torch.topk(torch.tensor(a), k, dim, largest))
    compare_with_torch(torch, lambda x: x.topk(k, dim, largest).values, lambda x: x.topk(k, dim, largest).values, [a])


def test_topk_ties_take_the_first_as_torch(torch):
    a = np.array([3.0, 1.0, 3.0, 1.0, 2.0])
    _same_values_and_indices(mg.topk(mg.tensor(a), 2), torch.topk(torch.tensor(a), 2))
    assert mg.topk(mg.tensor(a), 2).indices.tolist() == [0, 2]


def test_topk_gradcheck(device):
    check_grad(lambda x: mg.topk(x, 2, dim=0).values, distinct(4, 3, seed=6), device=device)
    check_grad(lambda x: mg.topk(x, 3, largest=False).values, distinct(2, 5, seed=7), device=device)


@pytest.mark.parametrize("k,dim,keepdim", [(1, -1, False), (3, 0, True), (5, 1, False), (2, 1, True)], ids=str)
def test_kthvalue_matches_torch(torch, k, dim, keepdim):
    a = distinct(4, 5, seed=8)
    _same_values_and_indices(mg.kthvalue(mg.tensor(a), k, dim, keepdim),
                             torch.kthvalue(torch.tensor(a), k, dim, keepdim))
    compare_with_torch(torch, lambda x: x.kthvalue(k, dim, keepdim).values,
                       lambda x: x.kthvalue(k, dim, keepdim).values, [a])


def test_kthvalue_with_ties_as_torch(torch):
    a = np.array([3.0, 1.0, 3.0, 1.0, 2.0])
    for k in range(1, 6):
        _same_values_and_indices(mg.kthvalue(mg.tensor(a), k), torch.kthvalue(torch.tensor(a), k))


def test_kthvalue_gradcheck(device):
    check_grad(lambda x: mg.kthvalue(x, 2, dim=0, keepdim=True).values, distinct(3, 4, seed=9), device=device)


# ----------------------------------------------------------------- errors
@pytest.mark.parametrize("call,error,message", [
    (lambda: mg.topk(mg.zeros(2, 3), 4), ValueError, r"topk: k must be in \[0, 3\] \(the size of dimension 1, shape "
                                                     r"\(2, 3\)\), got 4"),
    (lambda: mg.topk(mg.zeros(3), -1), ValueError, r"topk: k must be in \[0, 3\].*got -1"),
    (lambda: mg.kthvalue(mg.zeros(2, 3), 0), ValueError, r"kthvalue: k must be in \[1, 3\].*got 0"),
    (lambda: mg.kthvalue(mg.zeros(2, 3), 3, dim=0), ValueError, r"kthvalue: k must be in \[1, 2\] .*dimension 0"),
    (lambda: mg.sort(mg.zeros(2, 3), 2), IndexError, r"sort: dimension out of range .*got 2"),
    (lambda: mg.argsort(mg.zeros(2, 3), -3), IndexError, r"argsort: dimension out of range .*got -3"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_errors_name_the_op_what_it_expected_and_what_came(call, error, message):
    with pytest.raises(error, match=message):
        call()
