"""Writing into a copy: index_copy, index_fill, index_put, index_reduce, masked_scatter, put, select_scatter,
slice_scatter, diagonal_scatter, and select. Values and gradients against PyTorch, float64 gradchecks on every
device, the in-place methods' rules, and errors that name the op."""
import numpy as np
import pytest

import minigan as mg

from helpers import check_grad, compare_with_torch, distinct, randn, tensors

pytestmark = pytest.mark.filterwarnings("ignore:index_reduce\\(\\) is in beta")


# ----------------------------------------------------------------- index_copy and index_fill
@pytest.mark.parametrize("dim, index", [(0, [2, 0]), (1, [3]), (-1, [1, 0, 3]), (2, [0])])
def test_index_copy_matches_torch(torch, dim, index):
    x = randn(3, 4, 1 if dim == 2 else 4, seed=1)
    shape = list(x.shape)
    shape[dim] = len(index)
    src = randn(*shape, seed=2)
    compare_with_torch(torch, lambda a, s: mg.index_copy(a, dim, mg.tensor(index), s),
                       lambda a, s: torch.index_copy(a, dim, torch.tensor(index), s), [x, src])
    compare_with_torch(torch, lambda a, s: a.index_copy(dim, mg.tensor(index), s),
                       lambda a, s: a.index_copy(dim, torch.tensor(index), s), [x, src])


@pytest.mark.parametrize("value", [2.5, "tensor"])
@pytest.mark.parametrize("dim, index", [(0, [2, -3]), (1, [3, 3]), (-1, 1)])
def test_index_fill_matches_torch(torch, dim, index, value):
    x = randn(3, 4, seed=3)
    if value == "tensor":       # torch's backward to a tensor value fails on negative indices: give it them counted
        plain = np.array(index) % x.shape[dim]
        compare_with_torch(torch, lambda a, v: mg.index_fill(a, dim, mg.tensor(index), v),
                           lambda a, v: torch.index_fill(a, dim, torch.tensor(plain), v), [x, np.array(1.5)])
    else:
        compare_with_torch(torch, lambda a: a.index_fill(dim, mg.tensor(index), value),
                           lambda a: a.index_fill(dim, torch.tensor(index), value), [x])


def test_index_copy_and_fill_gradcheck(device):
    check_grad(lambda a, s: mg.index_copy(a, 1, [4, 0, 2], s), randn(2, 5, 3, seed=4), randn(2, 3, 3, seed=5),
               device=device)
    check_grad(lambda a, v: mg.index_fill(a, -1, [0, 2, -1], v), randn(3, 4, seed=6), np.array(0.7), device=device)
    check_grad(lambda a: mg.index_copy(a, 0, [0], mg.ones(1, dtype=mg.float64, device=device)), np.array(2.0),
               device=device)


# ----------------------------------------------------------------- index_put and put
@pytest.mark.parametrize("accumulate", [False, True])
def test_index_put_matches_torch(torch, accumulate):
    x = randn(4, 3, 2, seed=7)
    rows, cols = [0, 3, 0, -1], [1, 2, 1, 0]                 # repeated places: only accumulate is defined
    ix = (lambda lib: (lib.tensor(rows), lib.tensor(cols))) if accumulate else \
        (lambda lib: (lib.tensor([0, 3, -2]), lib.tensor([1, 2, 0])))
    n = len(rows) if accumulate else 3
    compare_with_torch(torch, lambda a, v: mg.index_put(a, ix(mg), v, accumulate),
                       lambda a, v: torch.index_put(a, ix(torch), v, accumulate), [x, randn(n, 2, seed=8)])
    compare_with_torch(torch, lambda a, v: a.index_put(ix(mg), v, accumulate=accumulate),    # values broadcast
                       lambda a, v: a.index_put(ix(torch), v, accumulate=accumulate), [x, randn(2, seed=9)])


def test_index_put_with_a_mask_matches_torch(torch):
    x = randn(3, 4, seed=10)
    mask = x > 0
    compare_with_torch(torch, lambda a, v: mg.index_put(a, (mg.tensor(mask),), v),
                       lambda a, v: torch.index_put(a, (torch.tensor(mask),), v), [x, np.array(-2.0)])
    row_mask = np.array([True, False, True])
    compare_with_torch(torch, lambda a, v: mg.index_put(a, (mg.tensor(row_mask),), v, True),
                       lambda a, v: torch.index_put(a, (torch.tensor(row_mask),), v, True), [x, randn(4, seed=11)])


@pytest.mark.parametrize("accumulate", [False, True])
def test_put_matches_torch(torch, accumulate):
    index = [[0, -1], [5, 11]] if not accumulate else [[0, -1], [11, 0]]
    compare_with_torch(torch, lambda a, s: mg.put(a, mg.tensor(index), s, accumulate),
                       lambda a, s: torch.put(a, torch.tensor(index), s, accumulate), [randn(3, 4, seed=12),
                                                                                      randn(4, seed=13)])


def test_index_put_and_put_gradcheck(device):
    check_grad(lambda a, v: mg.index_put(a, (mg.tensor([0, 2, 0], device=device),), v, True),
               randn(3, 2, seed=14), randn(3, 2, seed=15), device=device)
    check_grad(lambda a, v: a.index_put((mg.tensor([1, -1], device=device), mg.tensor([0, 1], device=device)), v),
               randn(3, 2, seed=16), randn(1, seed=17), device=device)
    check_grad(lambda a, s: mg.put(a, mg.tensor([4, 0, 4], device=device), s, True), randn(5, seed=18),
               randn(3, seed=19), device=device)


# ----------------------------------------------------------------- masked_scatter and index_reduce
def test_masked_scatter_matches_torch(torch):
    x = randn(3, 4, seed=20)
    mask = x > 0
    compare_with_torch(torch, lambda a, s: mg.masked_scatter(a, mg.tensor(mask), s),
                       lambda a, s: torch.masked_scatter(a, torch.tensor(mask), s), [x, randn(2, 7, seed=21)])
    row = np.array([True, False, True, True])            # the mask broadcast over the rows
    compare_with_torch(torch, lambda a, s: a.masked_scatter(mg.tensor(row), s),
                       lambda a, s: a.masked_scatter(torch.tensor(row), s), [x, randn(12, seed=22)])


def test_masked_scatter_gradcheck(device):
    mask = randn(2, 3, seed=23) > 0
    check_grad(lambda a, s: mg.masked_scatter(a, mg.tensor(mask, device=device), s), randn(2, 3, seed=24),
               randn(7, seed=25), device=device)


@pytest.mark.parametrize("reduce", ["prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_index_reduce_matches_torch(torch, reduce, include_self):
    x, src = distinct(4, 3, seed=26), distinct(5, 3, seed=27)
    index = [0, 2, 0, 3, 0]
    kw = {"include_self": include_self}
    compare_with_torch(torch, lambda a, s: mg.index_reduce(a, 0, mg.tensor(index), s, reduce, **kw),
                       lambda a, s: torch.index_reduce(a, 0, torch.tensor(index), s, reduce, **kw), [x, src])
    got = mg.tensor(x.astype(np.float32)).index_reduce(0, mg.tensor(index), mg.tensor(src.astype(np.float32)), reduce)
    assert got.dtype == np.float32


def test_index_reduce_gradcheck(device):
    for reduce in ("prod", "mean", "amax"):
        check_grad(lambda a, s: mg.index_reduce(a, 1, [1, 0, 1], s, reduce), distinct(2, 3, seed=28),
                   distinct(2, 3, seed=29), device=device)


# ----------------------------------------------------------------- select and the region scatters
@pytest.mark.parametrize("dim, index", [(0, 1), (1, -1), (-1, 0)])
def test_select_and_select_scatter_match_torch(torch, dim, index):
    x = randn(3, 4, 2, seed=30)
    compare_with_torch(torch, lambda a: mg.select(a, dim, index), lambda a: torch.select(a, dim, index), [x])
    shape = list(x.shape)
    del shape[dim]
    compare_with_torch(torch, lambda a, s: a.select_scatter(s, dim, index),
                       lambda a, s: a.select_scatter(s, dim, index), [x, randn(*shape, seed=31)])


@pytest.mark.parametrize("dim, start, end, step", [(0, None, None, 1), (1, 1, None, 2), (-1, -3, -1, 1),
                                                   (1, 2, 100, 1), (0, 5, 9, 1)])
def test_slice_scatter_matches_torch(torch, dim, start, end, step):
    x = randn(4, 5, seed=32)
    shape = x[(slice(None),) * (dim % 2) + (slice(start, end, step),)].shape
    compare_with_torch(torch, lambda a, s: mg.slice_scatter(a, s, dim, start, end, step),
                       lambda a, s: torch.slice_scatter(a, s, dim, start, end, step), [x, randn(*shape, seed=33)])


@pytest.mark.parametrize("shape, offset, dim1, dim2", [((3, 4), 0, 0, 1), ((3, 4), 2, 0, 1), ((3, 4), -1, 1, 0),
                                                       ((2, 3, 4), 0, 1, 2), ((2, 3, 4), 1, 2, 0), ((3, 3), 5, 0, 1)])
def test_diagonal_scatter_matches_torch(torch, shape, offset, dim1, dim2):
    x = randn(*shape, seed=34)
    diag = list(torch.tensor(x).diagonal(offset, dim1, dim2).shape)
    compare_with_torch(torch, lambda a, s: a.diagonal_scatter(s, offset, dim1, dim2),
                       lambda a, s: a.diagonal_scatter(s, offset, dim1, dim2), [x, randn(*diag, seed=35)])


def test_region_scatters_gradcheck(device):
    check_grad(lambda a, s: mg.select_scatter(a, s, 1, -2), randn(2, 3, 1, seed=36), randn(2, 1, seed=37),
               device=device)
    check_grad(lambda a, s: mg.slice_scatter(a, s, -1, 1, None, 2), randn(3, 5, seed=38), randn(3, 2, seed=39),
               device=device)
    check_grad(lambda a, s: mg.diagonal_scatter(a, s, -1, 2, 0), randn(3, 2, 4, seed=40), randn(2, 3, seed=41),
               device=device)
    check_grad(lambda a: mg.select(a, 0, -1) * 2, randn(3, 2, seed=42), device=device)
    mg.gradgradcheck(lambda a, s: (mg.diagonal_scatter(a, s) ** 2).sum(), tensors(device, randn(3, 3, seed=43),
                                                                                  randn(3, seed=44)))


def test_dtypes_as_torch(torch):
    x = np.arange(12).reshape(3, 4)
    for f in (lambda lib, t: lib.index_copy(t, 0, lib.tensor([1]), t[:1] * 0),
              lambda lib, t: lib.index_fill(t, 1, lib.tensor([0]), 7),
              lambda lib, t: lib.index_put(t, (lib.tensor([0, 0]),), t[0], True),
              lambda lib, t: lib.put(t, lib.tensor([1]), lib.tensor([9]), False),
              lambda lib, t: lib.select_scatter(t, t[0] * 0, 0, 2)):
        ours, theirs = f(mg, mg.tensor(x)), f(torch, torch.tensor(x))
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "") == "int64"
    # the region scatters cast src to self's dtype
    ours = mg.slice_scatter(mg.zeros(3, 4), mg.ones(3, 2, dtype=mg.float64), 1, 0, 2)
    theirs = torch.slice_scatter(torch.zeros(3, 4), torch.ones(3, 2, dtype=torch.float64), 1, 0, 2)
    assert ours.dtype == np.float32 and theirs.dtype == torch.float32
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


# ----------------------------------------------------------------- in place, and errors
def test_in_place_methods_follow_the_rules():
    x = mg.zeros(3, 2)
    v0 = x._version
    assert x.index_copy_(0, mg.tensor([2]), mg.ones(1, 2)) is x and x._version == v0 + 1
    x.index_fill_(1, mg.tensor([0]), 5.0).index_put_((mg.tensor([0]),), mg.tensor([1.0, 1.0]), accumulate=True)
    x.put_(mg.tensor([1]), mg.tensor([-1.0])).masked_scatter_(mg.tensor([[False, True]] * 3), mg.full((3,), 8.0))
    x.index_reduce_(0, mg.tensor([0, 0]), mg.full((2, 2), 2.0), "prod")
    np.testing.assert_array_equal(x.numpy(), [[24.0, 32.0], [5.0, 8.0], [5.0, 8.0]])
    leaf = mg.zeros(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="index_fill_: a leaf Variable that requires grad"):
        leaf.index_fill_(0, mg.tensor([0]), 1.0)
    with pytest.raises(RuntimeError, match="masked_scatter_: the result's shape"):
        mg.zeros(4).masked_scatter_(mg.tensor([[True] * 4] * 2), mg.ones(8))
    assert mg.index_put_(mg.zeros(2), (mg.tensor([1]),), mg.tensor([3.0])).tolist() == [0.0, 3.0]


def test_errors_name_the_op_and_what_came():
    x = mg.zeros(3, 4)
    with pytest.raises(TypeError, match="index_copy: expected self and source to have the same dtype"):
        mg.index_copy(x, 0, [0], mg.zeros(1, 4, dtype=mg.float64))
    with pytest.raises(IndexError, match=r"index_copy: number of indices \(1\) should be equal to source.size"):
        mg.index_copy(x, 0, [0], mg.zeros(2, 4))
    with pytest.raises(IndexError, match="index_copy: index 5 is out of bounds for dimension 0 with size 3"):
        mg.index_copy(x, 0, [5], mg.zeros(1, 4))
    with pytest.raises(TypeError, match="index_copy: expected an integer index"):
        mg.index_copy(x, 0, mg.tensor([0.0]), mg.zeros(1, 4))
    with pytest.raises(ValueError, match="index_fill: index has to be a vector or a scalar"):
        mg.index_fill(x, 1, [[1]], 2.0)
    with pytest.raises(ValueError, match="index_fill: only supports a 0-dimensional value tensor"):
        mg.index_fill(x, 1, [1], mg.tensor([2.0]))
    with pytest.raises(ValueError, match="masked_scatter: number of elements of source"):
        mg.masked_scatter(x, mg.ones(3, 4) > 0, mg.ones(11))
    with pytest.raises(IndexError, match="put: out of range: tried to access index 12 on a tensor of 12"):
        mg.put(x, mg.tensor([12]), mg.ones(1))
    with pytest.raises(IndexError, match=r"put: expected source and index to have the same number of elements"):
        mg.put(x, mg.tensor([1, 2]), mg.ones(3))
    with pytest.raises(IndexError, match=r"select: index 4 out of range for tensor of size \[3, 4\] at dimension 1"):
        mg.select(x, 1, 4)
    with pytest.raises(IndexError, match="select: select\\(\\) cannot be applied to a 0-dim tensor"):
        mg.select(mg.tensor(1.0), 0, 0)
    with pytest.raises(ValueError, match=r"select_scatter: expected src to have a size equal to the slice of self. "
                                         r"src size = \[3\], slice size = \[4\]"):
        mg.select_scatter(x, mg.ones(3), 0, 1)
    with pytest.raises(ValueError, match="slice_scatter: slice step must be positive"):
        mg.slice_scatter(x, mg.ones(3, 4), 0, None, None, -1)
    with pytest.raises(IndexError, match="index_put: index 5 is out of bounds for dimension 0 with size 3"):
        mg.index_put(x, (mg.tensor([0, 5]),), mg.ones(4))
    with pytest.raises(IndexError, match="index_put: too many indices for a tensor of dimension 2"):
        mg.index_put(x, (mg.tensor([0]),) * 3, mg.ones(1))
    with pytest.raises(ValueError, match="index_put: shape mismatch"):
        mg.index_put(x, (mg.tensor([0, 1]),), mg.ones(3))
    with pytest.raises(ValueError, match="index_reduce: expected reduce to be one of prod, mean, amax or amin but got "
                                         "'sum'"):
        mg.index_reduce(x, 0, [0], mg.ones(1, 4), "sum")
    with pytest.raises(ValueError, match="diagonal_scatter: diagonal dimensions cannot be identical"):
        mg.diagonal_scatter(x, mg.ones(3), 0, 1, 1)
