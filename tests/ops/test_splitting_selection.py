"""tensor_split, hsplit/vsplit/dsplit, split_with_sizes, unflatten, broadcast_shapes/broadcast_tensors;
aminmax, mode, msort, argwhere, unravel_index, combinations; fliplr, flipud, diagflat; vdot, ger, chain_matmul,
dist, renorm: values, gradients and errors as PyTorch's, and float64 gradchecks on every device."""
import numpy as np
import pytest

import minigan as mg

from helpers import check_grad, compare_with_torch, distinct, randn


# ----------------------------------------------------------------- cutting
SPLITS = [
    ("tensor_split", lambda lib, x: lib.tensor_split(x, 3, dim=1), (2, 7)),
    ("tensor_split list", lambda lib, x: lib.tensor_split(x, [5, 2, 9], -1), (3, 7)),
    ("tensor_split negative", lambda lib, x: x.tensor_split([-2], 0), (5, 2)),
    ("hsplit", lambda lib, x: lib.hsplit(x, 2), (3, 4, 1)),
    ("hsplit 1-D", lambda lib, x: x.hsplit([1, 3]), (5,)),
    ("vsplit", lambda lib, x: lib.vsplit(x, [1]), (3, 2)),
    ("dsplit", lambda lib, x: x.dsplit(3), (1, 2, 3)),
    ("split_with_sizes", lambda lib, x: x.split_with_sizes([1, 0, 3], dim=-2), (2, 4, 3)),
]


@pytest.mark.parametrize("name,fn,shape", SPLITS, ids=[s[0] for s in SPLITS])
def test_splits_match_torch_piece_by_piece(torch, name, fn, shape):
    ours, theirs = fn(mg, mg.tensor(distinct(*shape))), fn(torch, torch.tensor(distinct(*shape)))
    assert len(ours) == len(theirs)
    for i in range(len(ours)):
        compare_with_torch(torch, lambda x: fn(mg, x)[i] * 2, lambda x: fn(torch, x)[i] * 2, [distinct(*shape)])


def test_splits_gradcheck(device):
    check_grad(lambda x: mg.cat([p * (i + 1) for i, p in enumerate(mg.tensor_split(x, [3, 1, 5], 1))], 1),
               randn(2, 6), device=device)
    check_grad(lambda x: mg.dsplit(x, [1])[1].sum(-1), randn(2, 1, 3), device=device)


def test_tensor_split_takes_a_tensor_and_sizes_like_torch(torch):
    x = np.arange(7.0)
    assert [p.shape for p in mg.tensor_split(mg.tensor(x), mg.tensor(3))] == [(3,), (2,), (2,)]
    assert [p.tolist() for p in mg.tensor_split(mg.tensor(x), mg.tensor([2, 4]))] == \
        [p.tolist() for p in torch.tensor_split(torch.tensor(x), torch.tensor([2, 4]))]


def test_split_errors():
    with pytest.raises(ValueError, match="tensor_split: number of sections must be larger than 0, got 0"):
        mg.tensor_split(mg.zeros(3), 0)
    with pytest.raises(ValueError, match="torch.hsplit attempted to split along dimension 0, but the size of the "
                                         "dimension 5 is not divisible by the split_size 2!"):
        mg.hsplit(mg.zeros(5), 2)
    with pytest.raises(ValueError, match="torch.vsplit requires a tensor with at least 2 dimension, but got a tensor "
                                         "with 1 dimensions"):
        mg.vsplit(mg.zeros(5), 1)
    with pytest.raises(ValueError, match="split: split sizes must be non-negative and sum exactly to 4"):
        mg.split_with_sizes(mg.zeros(4), [1, 2])


def test_unflatten_matches_torch_and_checks_sizes(torch, device):
    compare_with_torch(torch, lambda x: mg.unflatten(x, -2, (2, -1)), lambda x: torch.unflatten(x, -2, (2, -1)),
                       [randn(3, 6, 2)])
    check_grad(lambda x: mg.unflatten(x, 0, (1, 2, 2)) * 3, randn(4), device=device)
    with pytest.raises(ValueError, match="unflatten: sizes \\(4, -1\\) don't multiply up to the size of dim 1"):
        mg.unflatten(mg.zeros(2, 6), 1, (4, -1))


def test_broadcast_shapes_and_tensors_match_torch(torch, device):
    assert mg.broadcast_shapes((2, 1), (3,), 1) == tuple(torch.broadcast_shapes((2, 1), (3,), 1)) == (2, 3)
    assert mg.broadcast_shapes() == () and mg.broadcast_shapes((0, 1), (4,)) == (0, 4)
    with pytest.raises(ValueError, match="broadcast_shapes: shape mismatch"):
        mg.broadcast_shapes((2, 3), (4, 3))
    compare_with_torch(torch, lambda a, b, c: sum(t * (i + 1) for i, t in enumerate(mg.broadcast_tensors(a, b, c))),
                       lambda a, b, c: sum(t * (i + 1) for i, t in enumerate(torch.broadcast_tensors(a, b, c))),
                       [randn(3, 1), randn(1, 4), randn(4)])
    check_grad(lambda a, b: mg.broadcast_tensors(a, b)[0] * mg.broadcast_tensors(a, b)[1], randn(2, 1, 3),
               randn(4, 1), device=device)


# ----------------------------------------------------------------- picking by value or position
def test_aminmax_matches_torch_with_ties(torch, device):
    a = np.array([[1.0, 1.0, 0.0], [2.0, 2.0, 2.0]])
    compare_with_torch(torch, lambda x: mg.aminmax(x).min + 2 * mg.aminmax(x).max,
                       lambda x: torch.aminmax(x).min + 2 * torch.aminmax(x).max, [a])
    for dim, keep in [(1, False), (-2, True), (0, False)]:
        compare_with_torch(torch, lambda x: x.aminmax(dim=dim, keepdim=keep)[0] * 3 + x.aminmax(dim=dim)[1],
                           lambda x: x.aminmax(dim=dim, keepdim=keep)[0] * 3 + x.aminmax(dim=dim)[1], [a])
    check_grad(lambda x: mg.aminmax(x, dim=1).max - mg.aminmax(x, dim=1).min, distinct(3, 5), device=device)
    with pytest.raises(ValueError, match="aminmax\\(\\): cannot compute aminmax over an empty dimension"):
        mg.aminmax(mg.zeros(0))


@pytest.mark.parametrize("values", [[3, 1, 3, 1, 2], [1.0, 2.0, 2.0, 1.0, 5.0], [5, 5, 4, 4, 4, 1], [7], [2, 9]])
def test_mode_picks_torchs_value_and_index(torch, values):
    ours, theirs = mg.mode(mg.tensor(values)), torch.mode(torch.tensor(values))
    assert ours.values.item() == theirs.values.item() and ours.indices.item() == theirs.indices.item()


def test_mode_along_dims_matches_torch_and_gradient_goes_to_that_element(torch, device):
    a = np.random.default_rng(0).integers(0, 3, (4, 5, 3)).astype(np.float64)
    for dim, keep in [(-1, False), (0, True), (1, False)]:
        ours, theirs = mg.tensor(a).mode(dim, keep), torch.tensor(a).mode(dim, keep)
        np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())
        compare_with_torch(torch, lambda x: mg.mode(x, dim, keep).values, lambda x: torch.mode(x, dim, keep).values,
                           [a])
    # with ties a step of eps changes which value is the mode; with distinct values it is the smallest, and stays
    check_grad(lambda x: mg.mode(x, 0).values, distinct(4, 3), device=device)
    assert mg.mode(mg.tensor(4.0)).indices.item() == 0
    with pytest.raises(IndexError, match="mode: dimension out of range"):
        mg.mode(mg.zeros(2, 3), 2)


def test_msort_argwhere_unravel_index_combinations_match_torch(torch, device):
    compare_with_torch(torch, mg.msort, torch.msort, [distinct(4, 3)])
    compare_with_torch(torch, lambda x: x.msort(), lambda x: x.msort(), [distinct(5)])
    check_grad(mg.msort, distinct(3, 2), device=device)
    a = np.array([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]])
    np.testing.assert_array_equal(mg.argwhere(mg.tensor(a)).numpy(), torch.argwhere(torch.tensor(a)).numpy())
    assert mg.tensor(3.0).argwhere().shape == (1, 0) and mg.argwhere(mg.tensor(a)).dtype == np.int64
    idx = np.array([[-1, 5], [0, 3]])
    ours, theirs = mg.unravel_index(mg.tensor(idx), (2, 3)), torch.unravel_index(torch.tensor(idx), (2, 3))
    for o, t in zip(ours, theirs):
        assert o.dtype == np.int64
        np.testing.assert_array_equal(o.numpy(), t.numpy())
    with pytest.raises(ValueError, match="unravel_index: 'indices' must be in range \\[-6, 5\\]"):
        mg.unravel_index(mg.tensor([6]), (2, 3))
    with pytest.raises(TypeError, match="unravel_index: expected 'indices' to be an integer tensor, but got float32"):
        mg.unravel_index(mg.tensor([1.0]), (2, 3))
    for r, rep in [(2, False), (3, True), (5, False), (1, False)]:
        compare_with_torch(torch, lambda x: mg.combinations(x, r, rep), lambda x: torch.combinations(x, r, rep),
                           [distinct(4)])
    check_grad(lambda x: mg.combinations(x, 2, True), distinct(3), device=device)
    with pytest.raises(ValueError, match="combinations: Expect a 1D vector, but got shape \\[2, 2\\]"):
        mg.combinations(mg.zeros(2, 2))


# ----------------------------------------------------------------- flips, diagflat, products, norms
def test_flips_and_diagflat_match_torch(torch, device):
    compare_with_torch(torch, mg.fliplr, torch.fliplr, [randn(2, 3, 2)])
    compare_with_torch(torch, lambda x: x.flipud(), lambda x: x.flipud(), [randn(3)])
    for offset in (0, 2, -1):
        compare_with_torch(torch, lambda x: mg.diagflat(x, offset), lambda x: torch.diagflat(x, offset),
                           [randn(2, 2)])
        compare_with_torch(torch, lambda x: x.diagflat(offset), lambda x: x.diagflat(offset), [randn(3)])
    check_grad(lambda x: mg.fliplr(x) * mg.flipud(x) + mg.diagflat(x).sum(), randn(3, 3), device=device)
    with pytest.raises(ValueError, match="fliplr: input must be >= 2-d, got a 1-D tensor"):
        mg.fliplr(mg.zeros(3))


@pytest.mark.filterwarnings("ignore:torch.chain_matmul is deprecated")      # torch's, on its reference
def test_vdot_ger_chain_matmul_match_torch(torch, device):
    compare_with_torch(torch, mg.vdot, torch.vdot, [randn(5, seed=1), randn(5, seed=2)])
    compare_with_torch(torch, lambda a, b: a.ger(b), lambda a, b: a.ger(b), [randn(3, seed=1), randn(4, seed=2)])
    mats = [randn(2, 5, seed=1), randn(5, 1, seed=2), randn(1, 3, seed=3)]
    compare_with_torch(torch, mg.chain_matmul, torch.chain_matmul, mats)
    compare_with_torch(torch, lambda a: mg.chain_matmul(a), lambda a: torch.chain_matmul(a), mats[:1])
    check_grad(mg.chain_matmul, *mats, device=device)
    check_grad(mg.vdot, randn(4, seed=4), randn(4, seed=5), device=device)
    with pytest.raises(ValueError, match="vdot: 1D tensors expected, but got 2D and 1D tensors"):
        mg.vdot(mg.zeros(2, 1), mg.zeros(2))
    with pytest.raises(ValueError, match="vdot: inconsistent tensor size"):
        mg.vdot(mg.zeros(2), mg.zeros(3))
    with pytest.raises(ValueError, match="chain_matmul\\(\\): Tensor dimension is 1, expected 2 instead"):
        mg.chain_matmul(mg.zeros(2, 2), mg.zeros(2))


@pytest.mark.parametrize("p", [2, 1, 3.5, float("inf"), 0])
def test_dist_matches_torch(torch, device, p):
    a, b = distinct(3, 4, seed=1), distinct(4, seed=2) + 0.021
    # p = 0 counts the nonzero differences: torch gives no gradient there (None), minigan zeros
    compare_with_torch(torch, lambda x, y: mg.dist(x, y, p), lambda x, y: torch.dist(x, y, p), [a, b], grad=p != 0)
    compare_with_torch(torch, lambda x, y: x.dist(y, p), lambda x, y: x.dist(y, p), [a, b], grad=p != 0)
    check_grad(lambda x, y: mg.dist(x, y, p), a, b, device=device)


@pytest.mark.parametrize("p,dim,maxnorm", [(2, 0, 1.0), (1, -1, 2.5), (3, 1, 0.5)])
def test_renorm_matches_torch(torch, device, p, dim, maxnorm):
    a = randn(3, 4, 2, seed=3, scale=1.5)
    compare_with_torch(torch, lambda x: mg.renorm(x, p, dim, maxnorm), lambda x: torch.renorm(x, p, dim, maxnorm),
                       [a])
    compare_with_torch(torch, lambda x: x.renorm(p, dim, maxnorm), lambda x: x.renorm(p, dim, maxnorm), [a])
    check_grad(lambda x: mg.renorm(x, p, dim, maxnorm), a, device=device)


def test_renorm_errors():
    with pytest.raises(ValueError, match="renorm: input needs at least 2 dimensions, got 1 dimensions"):
        mg.renorm(mg.ones(3), 2, 0, 1.0)
    with pytest.raises(ValueError, match="renorm: non-positive norm not supported"):
        mg.renorm(mg.ones(3, 2), 0, 0, 1.0)
