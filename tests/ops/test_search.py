"""searchsorted, bucketize, unique, unique_consecutive: results, dtypes and shapes as PyTorch's (ties on both
sides, batched sorted rows, sorter, NaN among the values, 0-d and empty tensors, slices along a dim), no graph
on any output, and PyTorch's errors."""
import numpy as np
import pytest

import minigan as mg


def _same(ours, theirs):
    if isinstance(theirs, tuple):
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            _same(o, t)
        return
    assert not ours.requires_grad
    assert ours.shape == tuple(theirs.shape) and ours.dtype == theirs.numpy().dtype, (ours, theirs)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def _pair(torch, a):
    return mg.tensor(np.asarray(a)), torch.tensor(np.asarray(a))


# ----------------------------------------------------------------- searchsorted and bucketize
@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("right", [False, True])
def test_searchsorted_with_ties_matches_torch(torch, seed, right):
    rs = np.random.default_rng(seed)
    seq = np.sort(rs.integers(0, 6, (2, 3, 7)).astype(np.float64), axis=-1)          # many ties
    values = rs.integers(-1, 8, (2, 3, 5)).astype(np.float64)
    (s, ts), (v, tv) = _pair(torch, seq), _pair(torch, values)
    _same(mg.searchsorted(s, v, right=right), torch.searchsorted(ts, tv, right=right))          # batched rows
    _same(mg.searchsorted(s[1, 2], v, right=right), torch.searchsorted(ts[1, 2], tv, right=right))   # one row
    side = "right" if right else "left"
    _same(mg.searchsorted(s, v, side=side, out_int32=True), torch.searchsorted(ts, tv, side=side, out_int32=True))


def test_searchsorted_scalars_sorter_dtypes_and_nan(torch):
    (s, ts) = _pair(torch, [1.0, 3.0, 3.0, 5.0, 7.0])
    for value in (3.0, 3, 0, 8.5):
        _same(mg.searchsorted(s, value), torch.searchsorted(ts, value))
    _same(mg.searchsorted(s, mg.tensor(3.0)), torch.searchsorted(ts, torch.tensor(3.0)))
    (u, tu), (order, t_order) = _pair(torch, [5.0, 1.0, 3.0]), _pair(torch, [1, 2, 0])
    (v, tv) = _pair(torch, [[2.0, 4.0], [6.0, 0.0]])
    _same(mg.searchsorted(u, v, sorter=order, right=True), torch.searchsorted(tu, tv, sorter=t_order, right=True))
    (i, ti), (f, tf) = _pair(torch, [1, 3, 5]), _pair(torch, [2.5, 3.0, -1.0])
    _same(mg.searchsorted(i, f), torch.searchsorted(ti, tf))                   # integers beside floats
    _same(mg.searchsorted(s, i), torch.searchsorted(ts, ti))
    (n, tn) = _pair(torch, [np.nan, 2.0, np.inf, -np.inf])
    _same(mg.searchsorted(s, n), torch.searchsorted(ts, tn))                   # NaN goes last
    (e, te) = _pair(torch, np.zeros((2, 0)))
    _same(mg.searchsorted(mg.tensor(np.ones((2, 3))), e), torch.searchsorted(torch.ones(2, 3, dtype=torch.float64), te))


def test_searchsorted_on_the_device(device):
    seq = mg.tensor(np.array([[1.0, 2.0, 2.0, 4.0], [0.0, 0.0, 1.0, 9.0]]), device=device)
    values = mg.tensor(np.array([[2.0, 5.0, 0.0], [0.0, 1.0, 10.0]]), device=device)
    assert mg.searchsorted(seq, values).tolist() == [[1, 4, 0], [0, 2, 4]]
    assert mg.searchsorted(seq, values, right=True).tolist() == [[3, 4, 0], [2, 3, 4]]
    assert mg.bucketize(values, seq[0]).tolist() == [[1, 4, 0], [0, 0, 4]]


@pytest.mark.parametrize("right", [False, True])
def test_bucketize_matches_torch(torch, right):
    (x, tx), (b, tb) = _pair(torch, [[1.0, 5.0, 0.0], [3.0, 9.0, 7.0]]), _pair(torch, [1.0, 3.0, 5.0, 7.0])
    _same(mg.bucketize(x, b, right=right), torch.bucketize(tx, tb, right=right))
    _same(mg.bucketize(x, b, right=right, out_int32=True), torch.bucketize(tx, tb, right=right, out_int32=True))
    _same(mg.bucketize(3.0, b, right=right), torch.bucketize(3.0, tb, right=right))


def test_search_outputs_have_no_graph():
    s = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    v = mg.tensor([2.5], requires_grad=True)
    assert not mg.searchsorted(s, v).requires_grad and not mg.bucketize(v, s).requires_grad
    values, inverse, counts = mg.unique(mg.tensor([2.0, 1.0, 2.0], requires_grad=True), return_inverse=True,
                                        return_counts=True)
    assert not (values.requires_grad or inverse.requires_grad or counts.requires_grad)


@pytest.mark.parametrize("call, error, match", [
    (lambda: mg.searchsorted(mg.tensor([1.0, 2.0]), mg.tensor([1.0]), side="foo"), ValueError,
     r"searchsorted: side can only be 'left' or 'right' but got foo"),
    (lambda: mg.searchsorted(mg.tensor([1.0, 2.0]), mg.tensor([1.0]), side="left", right=True), ValueError,
     r"side and right can't be set to opposites, got side of left while right was True"),
    (lambda: mg.searchsorted(mg.tensor(1.0), mg.tensor([1.0])), ValueError,
     r"boundaries tensor should have positive dimension, but got 0 dimension"),
    (lambda: mg.searchsorted(mg.zeros(2, 3), mg.zeros(1, 2)), ValueError,
     r"the first N-1 dimensions of boundaries tensor and input value tensor must match, but we got boundaries "
     r"tensor \[2, 3\] and input value tensor \[1, 2\]"),
    (lambda: mg.searchsorted(mg.zeros(2, 3), mg.zeros(2)), ValueError, r"input value tensor \[2\]"),
    (lambda: mg.searchsorted(mg.zeros(2, 3), 1.0), ValueError,
     r"input value can be a scalar only when boundaries tensor dimension is 1, but we got boundaries tensor dim\(2\)"),
    (lambda: mg.searchsorted(mg.zeros(3), mg.zeros(2), sorter=mg.tensor([1, 2])), ValueError,
     r"boundary and sorter must have the same size, but got boundary tensor \[3\] and got sorter tensor \[2\]"),
    (lambda: mg.searchsorted(mg.zeros(3), mg.zeros(2), sorter=mg.tensor([1, 2, 5])), IndexError,
     r"searchsorted: sorter index out of range"),
    (lambda: mg.searchsorted(mg.zeros(3), mg.zeros(2), sorter=mg.tensor([1.0, 2.0, 0.0])), TypeError,
     r"sorter must be a tensor of long dtype but got dtype float32"),
    (lambda: mg.searchsorted([1.0, 2.0], mg.zeros(2)), TypeError,
     r"searchsorted: expected sorted_sequence to be a Tensor, got list"),
    (lambda: mg.bucketize(mg.zeros(2), mg.zeros(1, 4)), ValueError,
     r"bucketize: boundaries tensor must be 1 dimension, but got dim\(2\)"),
    (lambda: mg.bucketize(mg.zeros(2), mg.tensor(1.0)), ValueError,
     r"bucketize: boundaries tensor must be 1 dimension, but got dim\(0\)"),
])
def test_search_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ----------------------------------------------------------------- unique and unique_consecutive
FLAGS = [(False, False), (True, False), (False, True), (True, True)]


@pytest.mark.parametrize("inverse, counts", FLAGS)
@pytest.mark.parametrize("dim", [None, 0, 1, -1])
def test_unique_matches_torch(torch, inverse, counts, dim):
    rs = np.random.default_rng(3)
    for a in (rs.integers(0, 3, (4, 5)), np.array([[1, 2], [1, 2], [0, 5], [1, 2]]), rs.integers(0, 2, (3, 2, 2))):
        x, tx = _pair(torch, a)
        kw = dict(return_inverse=inverse, return_counts=counts, dim=dim)
        _same(mg.unique(x, **kw), torch.unique(tx, **kw))
        _same(mg.unique_consecutive(x, **kw), torch.unique_consecutive(tx, **kw))
        _same(x.unique(sorted=False, **kw), tx.unique(sorted=False, **kw))
        _same(x.unique_consecutive(**kw), tx.unique_consecutive(**kw))


def test_unique_of_special_values_as_torch(torch):
    all_out = dict(return_inverse=True, return_counts=True)
    for a in ([1.0, np.nan, np.nan, 1.0], [-0.0, 0.0, -0.0], [True, False, True], np.float32([2.5, -1.0, 2.5]),
              np.zeros((0, 2)), np.array(3.0), [[np.nan, 1.0], [np.nan, 1.0]]):
        x, tx = _pair(torch, a)
        _same(mg.unique(x, **all_out), torch.unique(tx, **all_out))
        _same(mg.unique_consecutive(x, **all_out), torch.unique_consecutive(tx, **all_out))
    x, tx = _pair(torch, np.zeros((0, 3)))
    _same(mg.unique(x, dim=0, **all_out), torch.unique(tx, dim=0, **all_out))
    with pytest.raises(ValueError, match="There are 0 sized dimensions"):
        mg.unique_consecutive(x, dim=1)
    with pytest.raises(RuntimeError, match="There are 0 sized dimensions"):
        torch.unique_consecutive(tx, dim=1)
    x, tx = _pair(torch, [[2.0, 1.0], [1.0, 2.0], [2.0, 1.0]])
    _same(mg.unique(x, dim=0, sorted=False), torch.unique(tx, dim=0, sorted=False))


def test_unique_inverse_rebuilds_the_input(device):
    x = mg.tensor(np.array([[3.0, 1.0, 2.0], [1.0, 3.0, 3.0]]), device=device)
    values, inverse, counts = mg.unique(x, return_inverse=True, return_counts=True)
    assert values.tolist() == [1.0, 2.0, 3.0] and counts.tolist() == [2, 1, 3]
    assert values[inverse].tolist() == x.tolist()
    rows, inv = mg.unique(x, dim=1, return_inverse=True)
    assert rows.index_select(1, inv).tolist() == x.tolist()
    runs, counts = mg.unique_consecutive(mg.tensor([1, 1, 2, 2, 3, 1, 1, 2], device=device), return_counts=True)
    assert runs.tolist() == [1, 2, 3, 1, 2] and counts.tolist() == [2, 2, 1, 2, 1]


@pytest.mark.parametrize("fn", [mg.unique, mg.unique_consecutive])
def test_unique_errors(fn):
    name = fn.__name__
    with pytest.raises(IndexError, match=rf"{name}: Dimension specified as 0 but tensor has no dimensions"):
        fn(mg.tensor(3.0), dim=0)
    with pytest.raises(ValueError, match=rf"{name}: There are 0 sized dimensions, and they aren't selected"):
        fn(mg.zeros(2, 0), dim=0)
    with pytest.raises(IndexError, match=rf"{name}: dimension out of range"):
        fn(mg.zeros(2, 3), dim=2)
    with pytest.raises(TypeError, match=rf"{name}: expected a Tensor, got list"):
        fn([1, 2])
