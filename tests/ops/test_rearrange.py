"""Rearranging elements: flip, roll, repeat/tile, tril/triu, diag, unbind, movedim/swapaxes, t and mT.
Gradients in float64 against finite differences, PyTorch's values and gradients, and the shape errors."""
import numpy as np
import pytest

import minigan as mg

from helpers import check_grad, compare_with_torch, randn, tensors


# ----------------------------------------------------------------- flip and roll
@pytest.mark.parametrize("dims", [(0,), (-1,), (0, 2), (2, -2, 0), ()], ids=str)
def test_flip_gradcheck(device, dims):
    check_grad(lambda x: mg.flip(x, dims), randn(2, 3, 5, seed=1), device=device)


def test_flip_gradgradcheck(device):
    mg.gradgradcheck(lambda x: mg.flip(x, (0, -1)) * x, tensors(device, randn(3, 4, seed=2)))


def test_flip_matches_torch_and_copies(torch):
    compare_with_torch(torch, lambda x: mg.flip(x, (0, 2)), lambda x: torch.flip(x, (0, 2)), [randn(2, 3, 4, seed=3)])
    compare_with_torch(torch, lambda x: x.flip(-1, 0) * 2, lambda x: x.flip(-1, 0) * 2, [randn(3, 4, seed=4)])
    x = mg.arange(4)
    y = x.flip(0)
    x[0] = 9                                              # a copy, as PyTorch's: y does not see the change
    assert y.tolist() == [3, 2, 1, 0] and y._version == 0


@pytest.mark.parametrize("shifts,dims", [(1, None), (-7, None), (2, 1), ((1, -2), (0, -1)), ((3, 1), (1, 1))], ids=str)
def test_roll_matches_torch(torch, shifts, dims):
    compare_with_torch(torch, lambda x: mg.roll(x, shifts, dims), lambda x: torch.roll(x, shifts, dims),
                       [randn(3, 4, seed=5)])


def test_roll_gradcheck(device):
    check_grad(lambda x: mg.roll(x, (2, -1), (0, 2)), randn(3, 2, 5, seed=6), device=device)
    check_grad(lambda x: x.roll(4), randn(3, 2, seed=7), device=device)
    assert mg.roll(mg.tensor([1, 2, 3]), 1).tolist() == [3, 1, 2]


# ----------------------------------------------------------------- repeat and tile
@pytest.mark.parametrize("shape,sizes", [((2, 3), (2, 1)), ((2, 3), (1, 3)), ((3,), (2, 1, 2)), ((2, 1, 3), (1, 4, 2)),
                                         ((2, 3), (0, 2)), ((), (3,))], ids=str)
def test_repeat_matches_torch(torch, shape, sizes):
    compare_with_torch(torch, lambda x: x.repeat(*sizes), lambda x: x.repeat(*sizes), [randn(*shape, seed=8)])


def test_repeat_gradcheck_adds_the_copies(device):
    check_grad(lambda x: mg.ops.repeat(x, 3, 1, 2), randn(2, 3, seed=9), device=device)
    x = tensors(device, np.zeros((2,)))[0]
    x.repeat(3, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [6.0, 6.0])
    assert mg.tensor([1, 2]).repeat(2).tolist() == [1, 2, 1, 2]


@pytest.mark.parametrize("shape,dims", [((2, 3), (2,)), ((2, 3), (2, 1, 2)), ((3,), (2, 2)), ((2, 3), (1, 1))], ids=str)
def test_tile_matches_torch(torch, shape, dims):
    compare_with_torch(torch, lambda x: mg.tile(x, dims), lambda x: torch.tile(x, dims), [randn(*shape, seed=10)])
    compare_with_torch(torch, lambda x: x.tile(*dims), lambda x: x.tile(*dims), [randn(*shape, seed=11)])


def test_tile_gradcheck(device):
    check_grad(lambda x: mg.tile(x, (3,)), randn(2, 3, seed=12), device=device)


# ----------------------------------------------------------------- triangles and diagonals
@pytest.mark.parametrize("diagonal", [0, 1, -1, 3, -4])
def test_tril_triu_match_torch(torch, diagonal):
    for shape in [(4, 3), (2, 3, 5)]:
        compare_with_torch(torch, lambda x: mg.tril(x, diagonal), lambda x: torch.tril(x, diagonal),
                           [randn(*shape, seed=13)])
        compare_with_torch(torch, lambda x: x.triu(diagonal), lambda x: x.triu(diagonal), [randn(*shape, seed=14)])


def test_tril_triu_gradcheck(device):
    check_grad(lambda x: mg.tril(x, -1), randn(2, 4, 3, seed=15), device=device)
    check_grad(lambda x: mg.triu(x, 1), randn(3, 5, seed=16), device=device)


def test_triu_causal_mask_and_integer_dtype():
    mask = mg.triu(mg.ones(3, 3, dtype=mg.int64), 1)
    assert mask.dtype == np.int64 and mask.tolist() == [[0, 1, 1], [0, 0, 1], [0, 0, 0]]


def test_tril_zeroes_infinities_as_torch(torch):
    a = np.array([[1.0, np.inf], [-np.inf, 2.0]])
    np.testing.assert_array_equal(mg.tril(mg.tensor(a)).numpy(), torch.tril(torch.tensor(a)).numpy())


@pytest.mark.parametrize("shape,diagonal", [((4,), 0), ((3,), 2), ((3,), -1), ((4, 3), 0), ((4, 3), 1), ((4, 3), -2),
                                            ((3, 5), 4), ((3, 5), 7), ((2, 2), -3)], ids=str)
def test_diag_matches_torch(torch, shape, diagonal):
    compare_with_torch(torch, lambda x: mg.diag(x, diagonal), lambda x: torch.diag(x, diagonal),
                       [randn(*shape, seed=17)])
    compare_with_torch(torch, lambda x: x.diag(diagonal), lambda x: x.diag(diagonal), [randn(*shape, seed=18)])


def test_diag_gradcheck_both_ways(device):
    check_grad(lambda v: mg.diag(v, -2), randn(3, seed=19), device=device)
    check_grad(lambda m: mg.diag(m, 1), randn(4, 5, seed=20), device=device)
    mg.gradgradcheck(lambda m: mg.diag(mg.diag(m)) * m, tensors(device, randn(3, 3, seed=21)))


# ----------------------------------------------------------------- unbind and moving dims
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_unbind_matches_torch(torch, dim):
    compare_with_torch(torch, lambda x: mg.stack([p * (i + 1) for i, p in enumerate(mg.unbind(x, dim))], dim),
                       lambda x: torch.stack([p * (i + 1) for i, p in enumerate(torch.unbind(x, dim))], dim),
                       [randn(2, 3, 4, seed=22)])


def test_unbind_gradcheck(device):
    check_grad(lambda x: x.unbind(-2)[1] * 3 + x.unbind(1)[2], randn(3, 3, seed=23), device=device)
    assert [p.shape for p in mg.zeros(2, 3).unbind(1)] == [(2,), (2,), (2,)]


@pytest.mark.parametrize("source,destination", [(0, -1), (-1, 0), ((0, 1), (2, 0)), ((2, 0), (0, 3)), ([], [])],
                         ids=str)
def test_movedim_matches_torch(torch, source, destination):
    compare_with_torch(torch, lambda x: mg.movedim(x, source, destination),
                       lambda x: torch.movedim(x, source, destination), [randn(2, 3, 4, 5, seed=24)])
    compare_with_torch(torch, lambda x: x.moveaxis(source, destination), lambda x: x.moveaxis(source, destination),
                       [randn(2, 3, 4, 5, seed=25)])


def test_movedim_gradcheck(device):
    check_grad(lambda x: mg.movedim(x, 1, -1), randn(2, 3, 4, seed=26), device=device)


def test_swapaxes_t_and_mT_match_torch(torch):
    compare_with_torch(torch, lambda x: mg.swapaxes(x, 0, -1), lambda x: torch.swapaxes(x, 0, -1),
                       [randn(2, 3, 4, seed=27)])
    compare_with_torch(torch, lambda x: x.swapdims(1, 2), lambda x: x.swapdims(1, 2), [randn(2, 3, 4, seed=28)])
    compare_with_torch(torch, lambda x: x.t(), lambda x: x.t(), [randn(2, 3, seed=29)])
    compare_with_torch(torch, lambda x: mg.t(x), lambda x: torch.t(x), [randn(3, seed=30)])
    compare_with_torch(torch, lambda x: x.mT, lambda x: x.mT, [randn(2, 3, 4, seed=31)])


def test_t_and_mT_gradcheck(device):
    check_grad(lambda x: x.t() * 2, randn(2, 3, seed=32), device=device)
    check_grad(lambda x: x.mT, randn(2, 3, 4, seed=33), device=device)


# ----------------------------------------------------------------- errors
@pytest.mark.parametrize("call,error,message", [
    (lambda: mg.flip(mg.zeros(2, 3), (0, 0)), ValueError, r"flip: dims \(0, 0\) name the same dim more than once"),
    (lambda: mg.flip(mg.zeros(2, 3), 2), IndexError, r"flip: dimension out of range .*got 2"),
    (lambda: mg.roll(mg.zeros(2, 3), (1, 2), (0,)), ValueError,
     r"roll: shifts and dims must align, got 2 shifts \(1, 2\) and 1 dims \(0,\)"),
    (lambda: mg.zeros(2, 3).repeat(2), ValueError,
     r"repeat: the number of repeats \(1, \(2,\)\) can not be smaller than the number of dimensions of the tensor "
     r"\(2, shape \(2, 3\)\)"),
    (lambda: mg.zeros(2, 3).repeat(2, -1), ValueError, r"repeat: repeats must be non-negative, got \(2, -1\)"),
    (lambda: mg.tril(mg.zeros(3)), ValueError, r"tril: input tensor must have at least 2 dimensions, got shape \(3,\)"),
    (lambda: mg.triu(mg.tensor(1.0)), ValueError, "triu: input tensor must have at least 2 dimensions"),
    (lambda: mg.diag(mg.zeros(2, 3, 4)), ValueError, r"diag: supports 1-D or 2-D tensors, got a 3-D tensor"),
    (lambda: mg.unbind(mg.tensor(1.0)), ValueError, "unbind: expected a tensor with at least one dimension"),
    (lambda: mg.movedim(mg.zeros(2, 3), (0, 1), (1,)), ValueError,
     r"movedim: source \(0, 1\) \(2 dims\) and destination \(1,\) \(1 dims\) should name the same number of dims"),
    (lambda: mg.movedim(mg.zeros(2, 3), (0, 1), (1, 1)), ValueError, "movedim: dims .* name the same dim"),
    (lambda: mg.zeros(2, 3, 4).t(), ValueError, r"t: expects a tensor with <= 2 dimensions, but got 3 \(shape"),
    (lambda: mg.zeros(3).mT, ValueError, r"mT: only supported on matrices or batches of matrices, got a 1-D tensor"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_errors_name_the_op_what_it_expected_and_what_came(call, error, message):
    with pytest.raises(error, match=message):
        call()
