"""Shape operations: reshape, permute/transpose, indexing (basic, negative steps, integer arrays with
repeats), concatenate, stack, split/chunk, squeeze, expand. pad has its own file, test_pad.py."""
import numpy as np
import pytest

import minigan as mg

from helpers import check_grad, compare_with_torch, randn, tensors


def test_reshape(device):
    check_grad(lambda x: x.reshape(5, -1).tanh(), randn(3, 1, 5, seed=1), device=device)
    check_grad(lambda x: x.reshape(15), randn(3, 5, seed=1), device=device)


def test_reshape_error_names_shapes():
    with pytest.raises(ValueError, match=r"reshape: cannot reshape a tensor of shape \(3, 5\).*\(4, -1\)|\(4, 3\)"):
        mg.zeros(3, 5).reshape(4, -1)


@pytest.mark.parametrize("axes", [(2, 0, 1), (1, 0, 2), (0, 2, 1), (-1, 0, 1)])
def test_permute(device, axes):
    check_grad(lambda x: x.permute(*axes), randn(2, 3, 5, seed=2), device=device)


def test_transpose_and_T(device):
    check_grad(lambda x: x.transpose(0, 2), randn(2, 3, 4, seed=3), device=device)
    check_grad(lambda x: x.T, randn(3, 4, seed=3), device=device)


def test_permute_rejects_non_permutation():
    with pytest.raises(ValueError, match="permute"):
        mg.zeros(2, 3).permute(0, 0)


@pytest.mark.parametrize("index", [
    (slice(1, None), slice(None, -1)), (slice(None, None, -1),), (slice(None, None, -2), slice(3, 0, -1)),
    (1,), (-1, slice(0, 4, 3)), (Ellipsis, 2), (None, slice(1, 3)),
])
def test_basic_indexing(device, index):
    check_grad(lambda x: x[index], randn(5, 4, seed=4), device=device)


def test_integer_array_indexing_with_repeats_sums(device):
    idx = np.array([0, 2, 0, 0, 4])
    check_grad(lambda x: x[idx], randn(5, 3, seed=5), device=device)
    x = tensors(device, np.zeros((5, 3)))[0]
    x[idx].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy()[:, 0], [3, 0, 1, 0, 1])


def test_paired_integer_arrays_and_tensor_index(device):
    rows = np.array([1, 1, 0, 2])
    cols = mg.tensor(np.array([0, 0, 3, 1]), device=device)  # an index given as a Tensor
    check_grad(lambda x: x[rows, cols], randn(3, 4, seed=6), device=device)
    check_grad(lambda x: x[:, [2, 2, 0]], randn(3, 4, seed=6), device=device)


def test_boolean_mask_indexing(device):
    a = randn(3, 4, seed=7)
    check_grad(lambda x: x[a > 0], a, device=device)


def test_getitem_double_backward(device):
    idx = np.array([1, 1, 0])
    mg.gradgradcheck(lambda x: x[idx] * x[idx], tensors(device, randn(3, 2, seed=8)))


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_concatenate(device, axis):
    shapes = {0: [(1, 3), (2, 3), (3, 3)], 1: [(2, 1), (2, 4), (2, 2)], -1: [(2, 2), (2, 1), (2, 3)]}[axis]
    arrays = [randn(*s, seed=i) for i, s in enumerate(shapes)]
    check_grad(lambda *xs: mg.concatenate(xs, axis=axis), *arrays, device=device)


def test_concatenate_mismatch_message():
    with pytest.raises(ValueError, match="concatenate"):
        mg.concatenate([mg.zeros(2, 3), mg.zeros(3, 2)], axis=0)


@pytest.mark.parametrize("axis", [0, 1, 2, -1])
def test_stack(device, axis):
    arrays = [randn(3, 2, seed=i) for i in range(3)]
    check_grad(lambda *xs: mg.stack(xs, axis=axis), *arrays, device=device)


def test_stack_mismatch_message():
    with pytest.raises(ValueError, match="stack"):
        mg.stack([mg.zeros(2), mg.zeros(3)])


def test_unsqueeze_squeeze_flatten_expand(device):
    check_grad(lambda x: x.unsqueeze(1).squeeze(1).flatten().expand(2, 6), randn(3, 2, seed=10), device=device)


def test_squeeze_several_dims_keeps_those_not_of_size_one():
    x = mg.zeros(1, 3, 1, 2)
    assert x.squeeze((0, 1, -2)).shape == (3, 2) and x.squeeze(1).shape == (1, 3, 1, 2)
    assert x.squeeze().shape == (3, 2)


def test_expand_minus_one_keeps_a_size(device):
    check_grad(lambda x: x.expand(-1, 3) * x.expand(4, -1, 3).sum(axis=0), randn(2, 1, seed=12), device=device)
    assert mg.zeros(2, 3).expand(-1, 3).shape == (2, 3) and mg.zeros(2, 1).expand((4, -1, 3)).shape == (4, 2, 3)


@pytest.mark.parametrize("sizes,message", [
    ((-1, 2, 3), "size -1 .* a new leading dim"), ((2, 4), r"cannot expand shape \(2, 3\) to \(2, 4\)"),
    ((3,), ".* fewer than the tensor's 2 dims"),
])
def test_expand_errors(sizes, message):
    with pytest.raises(ValueError, match=f"expand: {message}"):
        mg.zeros(2, 3).expand(*sizes)


def test_expand_matches_torch(torch):
    compare_with_torch(torch, lambda x: x.expand(3, -1, 4), lambda x: x.expand(3, -1, 4), [randn(2, 1, seed=13)])


def test_transpose_needs_two_dims_or_none():
    with pytest.raises(TypeError, match=r"transpose\(\) missing 1 required positional argument"):
        mg.zeros(2, 3).transpose(0)
    assert mg.zeros(2, 3, 4).transpose().shape == (4, 3, 2) and mg.zeros(2, 3).T.shape == (3, 2)


def test_astype_gradient_flows_back_in_source_dtype(device):
    x = mg.tensor(np.array([1.0, 2.0], dtype=np.float32), device=device, requires_grad=True)
    (x.double() * 3).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])


# ----------------------------------------------------------------- split and chunk
SPLITS = [((5, 3), 2, 0), ((5, 3), 5, 0), ((5, 3), 7, 0), ((4, 6), 4, 1), ((2, 7, 3), 3, -2), ((5, 3), [1, 0, 4], 0),
          ((2, 6), (2, 3, 1), -1), ((2, 5), [5], 1), ((0, 3), 2, 0), ((0, 3), 0, 0), ((0, 3), [0, 0], 0)]
CHUNKS = [((6, 2), 4, 0), ((5, 2), 4, 0), ((5, 2), 2, 0), ((3, 2), 5, 0), ((2, 7), 3, 1), ((2, 7), 7, -1),
          ((0, 2), 3, 0), ((2, 0), 2, 1)]


@pytest.mark.parametrize("shape,size,dim", SPLITS, ids=str)
def test_split_matches_torch(torch, shape, size, dim):
    a = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    ours, theirs = mg.split(mg.tensor(a), size, dim), torch.split(torch.tensor(a), size, dim)
    assert isinstance(ours, tuple) and len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        np.testing.assert_array_equal(o.numpy(), t.numpy())
    assert [p.shape for p in mg.tensor(a).split(size, dim=dim)] == [tuple(t.shape) for t in theirs]


@pytest.mark.parametrize("shape,chunks,dim", CHUNKS, ids=str)
def test_chunk_matches_torch(torch, shape, chunks, dim):
    a = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    ours, theirs = mg.chunk(mg.tensor(a), chunks, dim), torch.chunk(torch.tensor(a), chunks, dim)
    assert isinstance(ours, tuple) and len(ours) == len(theirs) <= chunks
    for o, t in zip(ours, theirs):
        np.testing.assert_array_equal(o.numpy(), t.numpy())
    assert [p.shape for p in mg.tensor(a).chunk(chunks, dim)] == [tuple(t.shape) for t in theirs]


def test_split_sizes_by_hand():
    x = mg.zeros(5, 3)
    assert [p.shape for p in x.split(2)] == [(2, 3), (2, 3), (1, 3)]     # equal pieces, a smaller last one
    assert [p.shape for p in x.split([1, 4])] == [(1, 3), (4, 3)]
    assert [p.shape for p in x.chunk(2, dim=1)] == [(5, 2), (5, 1)]      # ceil(3 / 2) = 2
    assert [p.shape for p in mg.zeros(6).chunk(4)] == [(2,), (2,), (2,)]  # at most 4 pieces: here 3


@pytest.mark.parametrize("take", [(0, 1, 2), (1,), (0, 2)], ids=["all", "middle", "ends"])
def test_split_gradcheck(device, take):
    # pieces weighted differently, some unused: each piece's gradient must land in its own rows, zeros elsewhere
    def f(x):
        pieces = mg.split(x, [2, 1, 3], dim=1)
        return sum(((i + 1) * pieces[i].tanh()).sum() for i in take)
    check_grad(f, randn(2, 6, 3, seed=20), device=device)


def test_chunk_gradcheck(device):
    check_grad(lambda x: mg.cat([c * (i + 1) for i, c in enumerate(x.chunk(3, dim=-1))], dim=-1),
               randn(3, 7, seed=21), device=device)
    check_grad(lambda x: x.chunk(2)[1] ** 2, randn(5, 2, seed=22), device=device)


def test_split_and_chunk_match_torch_gradients(torch):
    compare_with_torch(torch, lambda x: mg.cat([p * (i + 1) for i, p in enumerate(x.split(2, 1))], 1),
                       lambda x: torch.cat([p * (i + 1) for i, p in enumerate(x.split(2, 1))], 1),
                       [randn(3, 5, seed=23)])
    compare_with_torch(torch, lambda x: x.chunk(3)[1].exp(), lambda x: x.chunk(3)[1].exp(), [randn(7, 2, seed=24)])


def test_split_and_chunk_errors():
    x = mg.zeros(4, 3)
    with pytest.raises(ValueError, match=r"split: split sizes must be non-negative and sum exactly to 4 .*\[1, 2\]"):
        mg.split(x, [1, 2])
    with pytest.raises(ValueError, match="split sizes must be non-negative"):
        mg.split(x, [5, -1])
    with pytest.raises(ValueError, match="split: split_size must be positive .* got -1"):
        x.split(-1)
    with pytest.raises(ValueError, match="split: split_size must be positive .* got 0 for dim 0 of length 4"):
        x.split(0)
    with pytest.raises(TypeError, match="split: split_size_or_sections must be an int or a list of ints"):
        x.split(2.0)
    with pytest.raises(TypeError, match="split: split sizes must be ints"):
        x.split([2.0, 2.0])
    with pytest.raises(IndexError, match=r"split: dimension out of range \(expected to be in range of \[-2, 1\]"):
        x.split(2, dim=2)
    with pytest.raises(ValueError, match="chunk: expects chunks to be greater than 0, got 0"):
        x.chunk(0)
    with pytest.raises(TypeError, match="chunk: chunks must be an int"):
        x.chunk(2.5)
    with pytest.raises(IndexError, match="chunk: dimension out of range"):
        x.chunk(2, dim=-3)
    for cut in (lambda t: t.split(1), lambda t: t.chunk(1)):
        with pytest.raises(ValueError, match="expects at least a 1-dimensional tensor"):
            cut(mg.tensor(1.0))


def test_split_chunk_and_unbind_are_one_node_whose_backward_concatenates():
    """The pieces of a split come from one Split node, so the backward puts their gradients side by side in one
    pass (not one zero array of x's size per piece: a loop over L time steps would be quadratic)."""
    from minigan.ops.shape import Split
    x = mg.tensor(randn(5, 3, seed=1), requires_grad=True)
    for pieces in (mg.split(x, 2), mg.chunk(x, 3), mg.split(x, [1, 0, 4])):
        assert {p._node for p in pieces} == {pieces[0]._node} and pieces[0]._node.fn is Split
    rows = mg.unbind(x, 0)
    assert len({row._node.edges[0][0] for row in rows}) == 1 and rows[0]._node.edges[0][0].fn is Split
    (rows[0] * 2 + rows[4]).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[2] * 3, [0] * 3, [0] * 3, [0] * 3, [1] * 3])


@pytest.mark.parametrize("cut", [lambda x: mg.split(x, [2, 1, 0, 2], dim=1), lambda x: mg.unbind(x, -1),
                                 lambda x: mg.chunk(x, 2, dim=0)])
def test_split_pieces_differentiate_twice(device, cut):
    def f(x):
        pieces = cut(x)
        return sum((p * p * (i + 1)).sum() for i, p in enumerate(pieces)) * x.sum()
    mg.gradgradcheck(f, tensors(device, randn(3, 5, 2, seed=2)))
