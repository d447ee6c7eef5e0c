"""Picking and placing by index: gather, scatter_add, scatter, index_select, index_add, take_along_dim,
masked_fill, masked_select, nonzero, narrow. Gradients in float64 against finite differences (with repeated
indices, whose gradients must add), second derivatives, and PyTorch's values and gradients."""
import numpy as np
import pytest

import minigan as mg

from helpers import check_grad, compare_with_torch, randn, tensors

# into dim 1 (of size 5) of a (2, 5, 3) tensor: repeats in every row, smaller than the input outside dim 1
GATHER_IDX = np.array([[[4, 0], [0, 0], [2, 4], [4, 1]],
                       [[1, 3], [1, 1], [3, 0], [0, 2]]])


# ----------------------------------------------------------------- gather
@pytest.mark.parametrize("dim", [1, -2])
def test_gather_gradcheck_with_repeated_indices(device, dim):
    check_grad(lambda x: mg.gather(x, dim, GATHER_IDX), randn(2, 5, 3, seed=1), device=device)


def test_gather_repeated_index_gradients_add(device):
    x = tensors(device, np.array([[1.0, 2.0, 3.0]]))[0]
    y = mg.gather(x, 1, np.array([[0, 0, 2, 0]]))
    np.testing.assert_array_equal(y.numpy(), [[1.0, 1.0, 3.0, 1.0]])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[3.0, 0.0, 1.0]])


def test_gather_gradgradcheck(device):
    mg.gradgradcheck(lambda x: mg.gather(x, 1, GATHER_IDX) ** 2, tensors(device, randn(2, 5, 3, seed=2)))


def test_gather_matches_torch(torch):
    idx = torch.tensor(GATHER_IDX)
    compare_with_torch(torch, lambda x: mg.gather(x, 1, GATHER_IDX), lambda x: torch.gather(x, 1, idx),
                       [randn(2, 5, 3, seed=3)])
    compare_with_torch(torch, lambda x: x.gather(0, mg.tensor(GATHER_IDX[:, :2] % 2)),
                       lambda x: x.gather(0, idx[:, :2] % 2), [randn(2, 5, 3, seed=4)])


def test_gather_picks_each_rows_label():
    scores = mg.tensor([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2]])
    np.testing.assert_allclose(mg.gather(scores, 1, mg.tensor([[1], [0]])).numpy(), [[0.7], [0.5]])


# ----------------------------------------------------------------- scatter_add and scatter
SCATTER_IDX = np.array([[0, 4, 0], [2, 2, 2], [4, 1, 4]])      # into dim 1 of (3, 5); repeats in every row


def test_scatter_add_gradcheck_repeats_and_larger_src(device):
    # src (4, 4) is larger than the index (3, 3): only its corner is added; the rest gets no gradient
    check_grad(lambda x, s: mg.scatter_add(x, 1, SCATTER_IDX, s), randn(3, 5, seed=5), randn(4, 4, seed=6),
               device=device)
    check_grad(lambda x, s: mg.scatter_add(x, -2, SCATTER_IDX.T[:, :2] % 3, s), randn(3, 4, seed=7),
               randn(3, 2, seed=8), device=device)


def test_scatter_add_sums_repeated_places(device):
    out = mg.scatter_add(mg.zeros(1, 3, device=device), 1, np.array([[0, 0, 2, 0]]), mg.ones(1, 4, device=device))
    np.testing.assert_array_equal(out.numpy(), [[3.0, 0.0, 1.0]])


def test_scatter_add_gradgradcheck(device):
    mg.gradgradcheck(lambda x, s: mg.scatter_add(x, 1, SCATTER_IDX, s) ** 2,
                     tensors(device, randn(3, 5, seed=9), randn(3, 4, seed=10)))


def test_scatter_add_matches_torch(torch):
    idx = torch.tensor(SCATTER_IDX)
    compare_with_torch(torch, lambda x, s: mg.scatter_add(x, 1, SCATTER_IDX, s),
                       lambda x, s: torch.scatter_add(x, 1, idx, s), [randn(3, 5, seed=11), randn(3, 3, seed=12)])
    # PyTorch's backward refuses a src larger than the index (its gradient has the index's shape): values only
    compare_with_torch(torch, lambda x, s: mg.scatter_add(x, 1, SCATTER_IDX, s),
                       lambda x, s: torch.scatter_add(x, 1, idx, s), [randn(3, 5, seed=11), randn(4, 4, seed=12)],
                       grad=False)
    compare_with_torch(torch, lambda x, s: x.scatter_add(1, SCATTER_IDX, s), lambda x, s: x.scatter_add(1, idx, s),
                       [randn(3, 5, seed=13), randn(3, 3, seed=14)])


# each column names distinct rows, so which write stays is defined
SCATTER_ROWS = np.array([[3, 0, 1], [1, 2, 0]])                 # into dim 0 of (4, 3)


def test_scatter_gradcheck(device):
    check_grad(lambda x, s: mg.scatter(x, 0, SCATTER_ROWS, s), randn(4, 3, seed=15), randn(3, 4, seed=16),
               device=device)
    check_grad(lambda x: mg.scatter(x, -2, SCATTER_ROWS, 0.5), randn(4, 3, seed=17), device=device)


def test_scatter_matches_torch(torch):
    idx = torch.tensor(SCATTER_ROWS)
    compare_with_torch(torch, lambda x, s: mg.scatter(x, 0, SCATTER_ROWS, s), lambda x, s: torch.scatter(x, 0, idx, s),
                       [randn(4, 3, seed=18), randn(2, 3, seed=19)])
    compare_with_torch(torch, lambda x, s: mg.scatter(x, 0, SCATTER_ROWS, s), lambda x, s: torch.scatter(x, 0, idx, s),
                       [randn(4, 3, seed=18), randn(3, 4, seed=19)], grad=False)
    compare_with_torch(torch, lambda x: x.scatter(0, SCATTER_ROWS, -2.5), lambda x: x.scatter(0, idx, -2.5),
                       [randn(4, 3, seed=20)])


def test_scatter_value_keeps_an_integer_dtype(torch):
    ours = mg.scatter(mg.zeros(3, dtype=mg.int64), 0, [1], 2.7)
    theirs = torch.scatter(torch.zeros(3, dtype=torch.long), 0, torch.tensor([1]), 2.7)
    assert ours.dtype == np.int64 and ours.tolist() == theirs.tolist() == [0, 2, 0]


# ----------------------------------------------------------------- index_select and index_add
def test_index_select_gradcheck_and_repeats(device):
    idx = np.array([2, 0, 2, 2])
    check_grad(lambda x: mg.index_select(x, -2, idx), randn(4, 3, 2, seed=21), device=device)
    x = tensors(device, np.zeros((3, 2)))[0]
    mg.index_select(x, 0, idx).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy()[:, 0], [1, 0, 3])


def test_index_select_matches_torch(torch):
    idx = np.array([1, 3, 1])
    compare_with_torch(torch, lambda x: mg.index_select(x, 1, idx),
                       lambda x: torch.index_select(x, 1, torch.tensor(idx)), [randn(2, 4, 3, seed=22)])
    compare_with_torch(torch, lambda x: x.index_select(0, mg.tensor(2)), lambda x: x.index_select(0, torch.tensor(2)),
                       [randn(3, 2, seed=23)])


def test_index_add_gradcheck(device):
    idx = np.array([0, 3, 0])
    check_grad(lambda x, s: mg.index_add(x, 1, idx, s, alpha=0.5), randn(2, 4, 3, seed=24), randn(2, 3, 3, seed=25),
               device=device)


def test_index_add_matches_torch(torch):
    idx = np.array([0, 3, 0])
    compare_with_torch(torch, lambda x, s: mg.index_add(x, 1, idx, s, alpha=-2.0),
                       lambda x, s: torch.index_add(x, 1, torch.tensor(idx), s, alpha=-2.0),
                       [randn(2, 4, seed=26), randn(2, 3, seed=27)])
    compare_with_torch(torch, lambda x, s: x.index_add(0, idx[:2], s),
                       lambda x, s: x.index_add(0, torch.tensor(idx[:2]), s),
                       [randn(4, 2, seed=28), randn(2, 2, seed=29)])


def test_index_add_sums_repeats_by_hand():
    out = mg.index_add(mg.zeros(3), 0, mg.tensor([2, 2, 0]), mg.tensor([1.0, 2.0, 5.0]))
    np.testing.assert_array_equal(out.numpy(), [5.0, 0.0, 3.0])


# ----------------------------------------------------------------- take_along_dim
def test_take_along_dim_gradcheck(device):
    check_grad(lambda x: mg.take_along_dim(x, np.array([[[2, 2, 0]]]), -1), randn(3, 1, 4, seed=30), device=device)
    check_grad(lambda x: mg.take_along_dim(x, np.array([5, 0, 5])), randn(2, 3, seed=31), device=device)


@pytest.mark.parametrize("shape,idx,dim", [
    ((3, 4), [[0, 3], [1, 1], [2, 0]], 1), ((3, 1, 4), [[[2, 2, 0]]], -1), ((2, 3), [4, 0, 4, 5], None),
    ((2, 3), [[1], [0]], 1),
], ids=["rows", "broadcast", "flattened", "one per row"])
def test_take_along_dim_matches_torch(torch, shape, idx, dim):
    idx = np.array(idx)
    compare_with_torch(torch, lambda x: mg.take_along_dim(x, idx, dim),
                       lambda x: torch.take_along_dim(x, torch.tensor(idx), dim), [randn(*shape, seed=32)])


def test_take_along_dim_with_argsort_sorts(torch):
    a = randn(3, 5, seed=33)
    ours = mg.tensor(a).take_along_dim(mg.tensor(a).argsort(1), 1)
    np.testing.assert_array_equal(ours.numpy(), torch.tensor(a).sort(1).values.numpy())


# ----------------------------------------------------------------- masks
def test_masked_fill_gradcheck(device):
    a = randn(3, 4, seed=34)
    check_grad(lambda x: mg.masked_fill(x, a > 0, -0.25), a, device=device)
    check_grad(lambda x, v: mg.masked_fill(x, a[0] > 0, v), a, np.array(0.7), device=device)  # mask broadcast


def test_masked_fill_matches_torch(torch):
    a = randn(3, 4, seed=35)
    mask = a > 0.3
    compare_with_torch(torch, lambda x: mg.masked_fill(x, mask, 2.0),
                       lambda x: torch.masked_fill(x, torch.tensor(mask), 2.0), [a])
    compare_with_torch(torch, lambda x, v: x.masked_fill(mask[:1], v),        # a 0-d tensor value gets gradient
                       lambda x, v: x.masked_fill(torch.tensor(mask[:1]), v), [a, np.array(-1.5)])
    compare_with_torch(torch, lambda x: mg.masked_fill(x, mask.reshape(3, 1, 4), 0.0),   # the mask broadcasts x
                       lambda x: torch.masked_fill(x, torch.tensor(mask.reshape(3, 1, 4)), 0.0), [randn(2, 4, seed=36)])


def test_masked_fill_minus_inf_before_softmax_matches_torch(torch):
    allowed = np.tril(np.ones((4, 4), dtype=bool))
    compare_with_torch(torch, lambda s: mg.ops.softmax(s.masked_fill(~allowed, float("-inf")), dim=-1),
                       lambda s: torch.softmax(s.masked_fill(~torch.tensor(allowed), float("-inf")), dim=-1),
                       [randn(2, 4, 4, seed=37)])


def test_masked_fill_keeps_an_integer_dtype(torch):
    ours = mg.masked_fill(mg.arange(3), mg.tensor([True, False, False]), 2.7)
    theirs = torch.masked_fill(torch.arange(3), torch.tensor([True, False, False]), 2.7)
    assert ours.dtype == np.int64 and ours.tolist() == theirs.tolist() == [2, 1, 2]


def test_masked_select_gradcheck(device):
    a = randn(3, 4, seed=38)
    check_grad(lambda x: mg.masked_select(x, a > 0), a, device=device)
    check_grad(lambda x: mg.masked_select(x, a > 0), randn(4, seed=39), device=device)   # x broadcast: grads add


def test_masked_select_matches_torch(torch):
    a = randn(3, 4, seed=40)
    for mask, x in [(a > 0, a), (a[:, :1] > 0, a), (a > 0, a[0])]:
        compare_with_torch(torch, lambda x: mg.masked_select(x, mask),
                           lambda x: torch.masked_select(x, torch.tensor(mask)), [x])
    compare_with_torch(torch, lambda x: x.masked_select(mg.tensor(a > 1)),
                       lambda x: x.masked_select(torch.tensor(a > 1)), [a])


# ----------------------------------------------------------------- nonzero and narrow
@pytest.mark.parametrize("a", [np.array([[0, 3, 0], [2, 0, 1]]), np.arange(24).reshape(2, 3, 4) % 3,
                               np.array([0.0, -1.5, 0.0]), np.zeros((2, 2)), np.array(4), np.array(0)], ids=str)
def test_nonzero_matches_torch(torch, a):
    ours, theirs = mg.tensor(a).nonzero(), torch.nonzero(torch.tensor(a))
    assert ours.dtype == np.int64 and ours.shape == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    ours_t, theirs_t = mg.nonzero(mg.tensor(a), as_tuple=True), torch.nonzero(torch.tensor(a), as_tuple=True)
    assert len(ours_t) == len(theirs_t)
    for o, t in zip(ours_t, theirs_t):
        np.testing.assert_array_equal(o.numpy(), t.numpy())


def test_nonzero_as_tuple_indexes(device):
    x = mg.tensor(np.array([[0.0, 3.0], [2.0, 0.0]]), device=device)
    np.testing.assert_array_equal(x[x.nonzero(as_tuple=True)].numpy(), [3.0, 2.0])


def test_narrow_gradcheck_and_torch(device, torch):
    check_grad(lambda x: mg.narrow(x, -1, -3, 2), randn(2, 5, seed=41), device=device)
    compare_with_torch(torch, lambda x: x.narrow(1, -3, 2), lambda x: x.narrow(1, -3, 2), [randn(2, 5, seed=42)])
    compare_with_torch(torch, lambda x: mg.narrow(x, 0, 1, 0), lambda x: torch.narrow(x, 0, 1, 0),
                       [randn(3, 2, seed=43)])


def test_narrow_looks_into_the_same_memory():
    x = mg.zeros(3, 4)
    part = x.narrow(1, 1, 2)
    x[0, 1] = 5.0
    assert part[0, 0].item() == 5.0 and part._version == x._version == 1


# ----------------------------------------------------------------- errors
@pytest.mark.parametrize("call,error,message", [
    (lambda: mg.gather(mg.zeros(2, 3), 1, [0, 1]), ValueError,
     r"gather: index must have the same number of dimensions as the input; got input \(2, 3\), index \(2,\)"),
    (lambda: mg.gather(mg.zeros(2, 3), 1, [[0] * 4] * 3), ValueError,
     r"gather: index \(3, 4\) must be no larger than the input \(2, 3\) apart from dimension 1, but dimension 0 has 3"),
    (lambda: mg.gather(mg.zeros(2, 3), 1, [[5]]), IndexError,
     "gather: index 5 is out of bounds for dimension 1 with size 3"),
    (lambda: mg.gather(mg.zeros(2, 3), 1, [[-1]]), IndexError, "gather: index -1 is out of bounds for dimension 1"),
    (lambda: mg.gather(mg.zeros(2, 3), 1, mg.tensor([[0.0]])), TypeError,
     "gather: expected an integer index .*got dtype float32"),
    (lambda: mg.gather(mg.zeros(2, 3), 2, [[0]]), IndexError, r"gather: dimension out of range .*\[-2, 1\].*got 2"),
    (lambda: mg.scatter_add(mg.zeros(2, 3), 1, [[0, 1]], mg.zeros(1, 1)), ValueError,
     r"scatter_add: index \(1, 2\) must be no larger than the input \(2, 3\) apart from dimension 1 and no larger "
     r"than src \(1, 1\)"),
    (lambda: mg.scatter_add(mg.zeros(2, 3), 1, [[0]], mg.zeros(2, 3, dtype=mg.float64)), TypeError,
     "scatter_add: expected src of the input's dtype float32, got float64"),
    (lambda: mg.scatter(mg.zeros(2, 3), 0, [[2]], 1.0), IndexError,
     "scatter: index 2 is out of bounds for dimension 0"),
    (lambda: mg.scatter(mg.zeros(2, 3), 0, [[0]], "a"), TypeError, "scatter: src must be a Tensor or a number"),
    (lambda: mg.index_select(mg.zeros(2, 3), 1, [[0, 1]]), ValueError,
     r"index_select: index must be a vector .*got shape \(1, 2\)"),
    (lambda: mg.index_select(mg.zeros(2, 3), 1, [3]), IndexError, "index_select: index 3 is out of bounds"),
    (lambda: mg.index_add(mg.zeros(2, 3), 1, [0, 0], mg.zeros(2, 3)), ValueError,
     r"index_add: source must have shape \(2, 2\) .*got \(2, 3\)"),
    (lambda: mg.masked_fill(mg.zeros(2, 3), mg.tensor([1, 0, 1]), 1.0), TypeError,
     "masked_fill: expected a boolean mask, got dtype int64"),
    (lambda: mg.masked_fill(mg.zeros(2, 3), mg.tensor([True, False]), 1.0), ValueError,
     r"masked_fill: the mask \(2,\) and the input \(2, 3\) do not broadcast"),
    (lambda: mg.masked_fill(mg.zeros(2, 3), mg.tensor([True, False, True]), mg.zeros(2)), ValueError,
     r"masked_fill: value must be a number or a 0-d tensor, got shape \(2,\)"),
    (lambda: mg.masked_select(mg.zeros(2, 3), mg.zeros(3, 3).bool()), ValueError,
     r"masked_select: the mask \(3, 3\) and the input \(2, 3\) do not broadcast"),
    (lambda: mg.take_along_dim(mg.zeros(2, 3), [0], 0), ValueError,
     r"take_along_dim: input and indices should have the same number of dimensions, got 2 .*and 1"),
    (lambda: mg.take_along_dim(mg.zeros(2, 3), [[0, 0]], 0), ValueError,
     r"take_along_dim: the input \(2, 3\) and indices \(1, 2\) do not broadcast at dimension 1 \(3 and 2\)"),
    (lambda: mg.narrow(mg.zeros(3), 0, 2, 2), ValueError,
     r"narrow: start \(2\) \+ length \(2\) exceeds the size \(3\)"),
    (lambda: mg.narrow(mg.zeros(3), 0, -4, 1), IndexError, r"narrow: start out of range .*\[-3, 3\], but got -4"),
    (lambda: mg.narrow(mg.zeros(3), 0, 0, -1), ValueError, "narrow: length must be non-negative, got -1"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_errors_name_the_op_what_it_expected_and_what_came(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_zero_dimensional_inputs_match_torch(torch):
    x, tx = mg.tensor(3.0), torch.tensor(3.0)
    assert mg.gather(x, 0, mg.tensor(0)).item() == torch.gather(tx, 0, torch.tensor(0)).item() == 3.0
    assert mg.index_select(x, 0, [0]).shape == tuple(torch.index_select(tx, 0, torch.tensor([0])).shape) == ()
    np.testing.assert_array_equal(mg.index_add(x, 0, [0], mg.tensor(2.0)).numpy(),
                                  torch.index_add(tx, 0, torch.tensor([0]), torch.tensor(2.0)).numpy())


# --------------------------------------------------------------------------- an index changed after the forward
INDEX_READERS = {
    "getitem": lambda x, i: x[i],
    "gather": lambda x, i: mg.gather(x, 0, i),
    "index_select": lambda x, i: mg.index_select(x, 0, i),
    "take_along_dim": lambda x, i: mg.take_along_dim(x, i, 0),
    "scatter_add (src)": lambda x, i: mg.scatter_add(mg.zeros(4, dtype=x.dtype), 0, i, x[:3] * 1),
}


@pytest.mark.parametrize("given", ["tensor", "array"])
@pytest.mark.parametrize("name", list(INDEX_READERS))
def test_the_gradient_goes_where_the_forward_read_though_the_index_changed_after(device, name, given):
    """An index the caller changes in place between the forward and the backward does not move the gradient: it
    goes to the places the forward read (the recorded op keeps its own copy; PyTorch raises an error here)."""
    x = mg.tensor(np.arange(1.0, 5.0), device=device, requires_grad=True)
    idx = mg.tensor([0, 0, 2], device=device) if given == "tensor" else mg.tensor([0, 0, 2], device=device).data
    y = INDEX_READERS[name](x, idx)
    (idx.data if given == "tensor" else idx)[...] = 3          # the caller reuses its index array
    (y * mg.tensor([1.0, 10.0, 100.0, 1000.0][:y.shape[0]], device=device)).sum().backward()
    expected = [11.0, 0, 100, 0] if name != "scatter_add (src)" else [1.0, 1, 100, 0]
    np.testing.assert_array_equal(x.grad.numpy(), expected)
