"""rot90, repeat_interleave and take: values and gradients as PyTorch's, gradchecks in float64 on awkward shapes,
the backward of repeat_interleave summing each group of copies, dtypes kept, and PyTorch's errors."""
import numpy as np
import pytest

import minigan as mg

from helpers import check_grad, compare_with_torch, randn, tensors


# ----------------------------------------------------------------- rot90
@pytest.mark.parametrize("k", [-5, -1, 0, 1, 2, 3, 4, 7])
@pytest.mark.parametrize("dims", [(0, 1), (1, 0), (-1, 0), (2, 0), (1, -1)])
def test_rot90_matches_torch(torch, k, dims):
    compare_with_torch(torch, lambda x: mg.rot90(x, k, dims), lambda x: torch.rot90(x, k, dims),
                       [randn(2, 3, 5, seed=1)])


def test_rot90_turns_a_matrix_counterclockwise():
    x = mg.tensor([[0, 1, 2], [3, 4, 5]])
    assert mg.rot90(x).tolist() == [[2, 5], [1, 4], [0, 3]]
    assert x.rot90(-1).tolist() == [[3, 0], [4, 1], [5, 2]] and x.rot90(-1).dtype == np.int64
    four = mg.rot90(mg.rot90(x, 3), 1)
    assert four.tolist() == x.tolist()


def test_rot90_gradcheck(device):
    for k, dims, shape in ((1, (0, 1), (3, 4)), (3, (2, 0), (2, 1, 5)), (2, (-1, -2), (3, 2)), (0, (0, 1), (2, 3))):
        check_grad(lambda x: mg.rot90(x, k, dims), randn(*shape, seed=k), device=device)
    mg.gradgradcheck(lambda x: mg.rot90(x, 1) ** 2, tensors(device, randn(3, 2, seed=9)))


def test_rot90_of_zero_turns_is_a_copy():
    x = mg.ones(2, 2)
    y = mg.rot90(x, 4)
    y.data[0, 0] = 5.0
    assert x.data[0, 0] == 1.0


@pytest.mark.parametrize("args, match", [
    (((3, 4), 1, (0,)), r"rot90: expected total rotation dims == 2, but got dims = 1"),
    (((3, 4), 1, (0, 1, 2)), r"rot90: expected total rotation dims == 2, but got dims = 3"),
    (((3,), 1, (0, 1)), r"rot90: expected total dims >= 2, but got total dims = 1"),
    (((3, 4), 1, (0, -2)), r"rot90: expected rotation dims to be different, but got dim0 = 0 and dim1 = -2"),
])
def test_rot90_errors_as_torch(torch, args, match):
    shape, k, dims = args
    with pytest.raises(ValueError, match=match):
        mg.rot90(mg.zeros(*shape), k, dims)
    with pytest.raises(RuntimeError):
        torch.rot90(torch.zeros(*shape), k, dims)
    with pytest.raises(IndexError, match=r"rot90: dimension out of range"):
        mg.rot90(mg.zeros(3, 4), 1, (0, 2))


# ----------------------------------------------------------------- repeat_interleave
CASES = [  # (shape, repeats, dim)
    ((2, 3), 2, None), ((2, 3), 2, 1), ((2, 3), [1, 2], 0), ((2, 3), [1, 2, 0], -1), ((2, 3), [3], 1),
    ((4,), [0, 1, 2, 3], 0), ((2, 1, 3), 3, 1), ((2, 3), 0, 0), ((3, 2), [2, 0, 1], 0), ((), 3, None),
]


@pytest.mark.parametrize("shape, repeats, dim", CASES, ids=str)
def test_repeat_interleave_matches_torch(torch, shape, repeats, dim):
    r_mg = repeats if isinstance(repeats, int) else mg.tensor(repeats)
    r_t = repeats if isinstance(repeats, int) else torch.tensor(repeats)
    compare_with_torch(torch, lambda x: mg.repeat_interleave(x, r_mg, dim),
                       lambda x: torch.repeat_interleave(x, r_t, dim), [randn(*shape, seed=2)])


def test_repeat_interleave_backward_sums_each_group(device):
    x = tensors(device, np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))[0]
    y = mg.repeat_interleave(x, mg.tensor([2, 0, 3], device=device), dim=0)
    assert y.shape == (5, 2)
    y.backward(mg.tensor(np.arange(10.0).reshape(5, 2), device=device))
    # rows 0, 1 of the gradient go to x's row 0; none to row 1; rows 2, 3, 4 to row 2
    assert x.grad.tolist() == [[0 + 2, 1 + 3], [0, 0], [4 + 6 + 8, 5 + 7 + 9]]


def test_repeat_interleave_gradcheck(device):
    check_grad(lambda x: mg.repeat_interleave(x, np.array([2, 0, 3]), -1), randn(2, 3, seed=3), device=device)
    check_grad(lambda x: mg.repeat_interleave(x, 3, 0), randn(1, 2, 1, seed=4), device=device)
    check_grad(lambda x: mg.repeat_interleave(x, 2), randn(3, 2, seed=5), device=device)
    check_grad(lambda x: mg.repeat_interleave(x, 2, 0), randn(seed=6), device=device)        # 0-d
    mg.gradgradcheck(lambda x: mg.repeat_interleave(x, np.array([1, 3]), 0) ** 2, tensors(device, randn(2, 3, seed=7)))


def test_repeat_interleave_of_counts_alone_and_dtypes(torch):
    counts = np.array([1, 0, 3, 2])
    assert mg.repeat_interleave(mg.tensor(counts)).tolist() == torch.repeat_interleave(torch.tensor(counts)).tolist()
    for a in (np.array([1, 2], dtype=np.int32), np.array([True, False]), np.array([1.5, 2.5], dtype=np.float32)):
        ours = mg.tensor(a).repeat_interleave(2)
        assert ours.dtype == a.dtype and ours.tolist() == torch.tensor(a).repeat_interleave(2).tolist()
    x = mg.tensor([[1, 2], [3, 4]])
    assert x.repeat_interleave(2, dim=0, output_size=4).tolist() == [[1, 2], [1, 2], [3, 4], [3, 4]]
    assert mg.repeat_interleave(x, mg.tensor([1, 2], dtype=mg.int32), 0).tolist() == [[1, 2], [3, 4], [3, 4]]


@pytest.mark.parametrize("repeats, dim, error, match", [
    ([1, 2], 1, ValueError, r"repeats must have the same size as input along dim, but got repeats.size\(0\) = 2 "
                            r"and input.size\(1\) = 3"),
    ([1, -1], 0, ValueError, r"repeat_interleave: repeats must be non-negative"),
    (-1, 0, ValueError, r"repeat_interleave: repeats must be non-negative"),
    ([1.0, 2.0], 0, TypeError, r"repeat_interleave: repeats must hold integers, got dtype float32"),
    ([[1, 2]], 0, ValueError, r"repeats must be 0-dim or 1-dim tensor"),
    (2, 2, IndexError, r"repeat_interleave: dimension out of range"),
])
def test_repeat_interleave_errors(repeats, dim, error, match):
    with pytest.raises(error, match=match):
        mg.repeat_interleave(mg.zeros(2, 3), repeats if isinstance(repeats, int) else mg.tensor(repeats), dim)


def test_repeat_interleave_checks_output_size():
    with pytest.raises(ValueError, match=r"output_size=5 but the repeats add up to 4"):
        mg.repeat_interleave(mg.zeros(2), 2, 0, output_size=5)


# ----------------------------------------------------------------- take
def test_take_matches_torch(torch):
    idx = np.array([[0, 5, 11], [-1, -12, 5]])
    compare_with_torch(torch, lambda x: mg.take(x, mg.tensor(idx)), lambda x: torch.take(x, torch.tensor(idx)),
                       [randn(3, 4, seed=8)])
    compare_with_torch(torch, lambda x: x.take(mg.tensor(3)), lambda x: x.take(torch.tensor(3)), [randn(2, 3, seed=9)])
    compare_with_torch(torch, lambda x: mg.take(x, mg.tensor([0, 0])), lambda x: torch.take(x, torch.tensor([0, 0])),
                       [randn(seed=10)])
    empty = mg.take(mg.zeros(2, 3), mg.tensor(np.zeros(0, dtype=np.int64)))
    assert empty.shape == (0,) and empty.dtype == np.float32


def test_take_gradient_adds_at_repeated_places(device):
    x = tensors(device, np.arange(6.0).reshape(2, 3))[0]
    mg.take(x, mg.tensor([[5, 0], [5, -1]], device=device)).backward(mg.ones(2, 2, device=device, dtype=mg.float64))
    assert x.grad.tolist() == [[1.0, 0.0, 0.0], [0.0, 0.0, 3.0]]


def test_take_gradcheck(device):
    check_grad(lambda x: mg.take(x, np.array([[4, -1, 0], [2, 2, -6]])), randn(2, 1, 3, seed=11), device=device)
    check_grad(lambda x: mg.take(x, np.array(0)), randn(seed=12), device=device)
    mg.gradgradcheck(lambda x: mg.take(x, np.array([1, 1, 3])) ** 3, tensors(device, randn(2, 2, seed=13)))


def test_take_keeps_integer_dtypes_and_refuses_bad_indices():
    assert mg.take(mg.tensor([[1, 2], [3, 4]]), mg.tensor([3, 0])).tolist() == [4, 1]
    with pytest.raises(IndexError, match=r"take: out of range: tried to access index 6 on a tensor of 6 elements"):
        mg.take(mg.zeros(2, 3), mg.tensor([6]))
    with pytest.raises(IndexError, match=r"tried to access index -7 on a tensor of 6 elements"):
        mg.take(mg.zeros(2, 3), mg.tensor([-7]))
    with pytest.raises(TypeError, match=r"take: expected an integer index \(int64 or int32\), got dtype float32"):
        mg.take(mg.zeros(2, 3), mg.tensor([1.0]))
    with pytest.raises(IndexError, match=r"take: tried to take from an empty tensor"):
        mg.take(mg.zeros(0), mg.tensor([0]))
