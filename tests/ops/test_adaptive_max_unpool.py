"""adaptive_max_pool2d and max_unpool2d: PyTorch's windows, indices and ties; gradients where windows
overlap (one input winning twice); max_unpool2d as max_pool2d's inverse; argument checks; the layers."""
import numpy as np
import pytest

import minigan as mg
import minigan.nn.functional as F
from minigan import nn
from minigan.kernels.shapes import conv_transpose2d_output_size, pair
from minigan.ops.pool import adaptive_windows

from helpers import check_grad, compare_with_torch, distinct, randn, tensors

# (N, C, H, W, output_size)
ADAPTIVE_CASES = [
    (2, 2, 6, 5, (4, 3)),        # overlapping windows in both dims
    (1, 3, 7, 7, 3),             # 7 -> 3: windows of 3 rows, overlapping by one
    (1, 1, 3, 4, (5, 6)),        # larger than the input: pixels repeat
    (2, 1, 5, 6, 1),             # global max pooling
    (1, 2, 6, 4, (None, 3)),     # None keeps that input size
    (1, 1, 8, 4, (4, 2)),        # an even split: the windows tile the image
]


def _ids(c):
    return "N{}C{}_{}x{}_to_{}".format(*c)


def test_adaptive_windows_are_pytorchs():
    """[floor(i H / H_out), ceil((i + 1) H / H_out)); a short window repeats its last index."""
    np.testing.assert_array_equal(adaptive_windows(5, 3), [[0, 1, 1], [1, 2, 3], [3, 4, 4]])
    np.testing.assert_array_equal(adaptive_windows(7, 3), [[0, 1, 2], [2, 3, 4], [4, 5, 6]])
    np.testing.assert_array_equal(adaptive_windows(6, 4), [[0, 1], [1, 2], [3, 4], [4, 5]])
    np.testing.assert_array_equal(adaptive_windows(2, 3), [[0, 0], [0, 1], [1, 1]])      # the middle one overlaps both
    np.testing.assert_array_equal(adaptive_windows(5, 2), [[0, 1, 2], [2, 3, 4]])


def test_adaptive_max_pool2d_values_by_hand(device):
    x = tensors(device, np.array([[[[1.0, 5.0, 2.0], [4.0, 3.0, 9.0], [0.0, 6.0, 7.0]]]]), requires_grad=False)[0]
    y, idx = F.adaptive_max_pool2d(x, 2, return_indices=True)     # windows rows/cols [0, 2) and [1, 3)
    np.testing.assert_array_equal(y.numpy()[0, 0], [[5, 9], [6, 9]])
    np.testing.assert_array_equal(idx.numpy()[0, 0], [[1, 5], [7, 5]])
    assert idx.dtype == np.int64 and not idx.requires_grad


@pytest.mark.parametrize("case", ADAPTIVE_CASES, ids=_ids)
def test_adaptive_max_pool2d_gradients(device, case):
    n, c, h, w, size = case
    check_grad(lambda x: F.adaptive_max_pool2d(x, size), distinct(n, c, h, w, seed=1), device=device)


def test_adaptive_max_pool2d_one_input_wins_twice(device):
    """The 9 is in all four overlapping windows: its gradient is the sum of the four (a scatter-add, not a write)."""
    a = np.zeros((1, 1, 3, 3))
    a[0, 0, 1, 1] = 9
    x = tensors(device, a)[0]
    F.adaptive_max_pool2d(x, 2).backward(mg.tensor(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]), device=device))
    expected = np.zeros((3, 3))
    expected[1, 1] = 10
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], expected)


def test_adaptive_max_pool2d_gradgradcheck(device):
    mg.gradgradcheck(lambda x: F.adaptive_max_pool2d(x, (4, 3)) ** 2, tensors(device, distinct(1, 2, 6, 5, seed=2)))


@pytest.mark.parametrize("case", ADAPTIVE_CASES, ids=_ids)
def test_adaptive_max_pool2d_matches_torch(device, torch, case):
    n, c, h, w, size = case
    compare_with_torch(torch, lambda x: F.adaptive_max_pool2d(x, size),
                       lambda x: torch.nn.functional.adaptive_max_pool2d(x, size), [distinct(n, c, h, w, seed=3)],
                       device=device)


@pytest.mark.parametrize("case", ADAPTIVE_CASES, ids=_ids)
def test_adaptive_max_pool2d_ties_and_nans_match_torch(device, torch, case):
    """Few distinct values, so most windows have ties (the first maximum in row-major order wins), and some
    NaNs and -infs (a window with a NaN names its last NaN; an all -inf window its first pixel)."""
    n, c, h, w, size = case
    rs = np.random.default_rng(4)
    a = rs.integers(0, 3, (n, c, h, w)).astype(np.float64)
    a[rs.random(a.shape) < 0.1] = np.nan
    a[rs.random(a.shape) < 0.1] = -np.inf
    x = tensors(device, a, requires_grad=False)[0]
    y, idx = F.adaptive_max_pool2d(x, size, return_indices=True)
    ty, tidx = torch.nn.functional.adaptive_max_pool2d(torch.tensor(a), size, return_indices=True)
    np.testing.assert_array_equal(y.numpy(), ty.numpy())
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())


def test_adaptive_max_pool2d_errors():
    with pytest.raises(ValueError, match=r"adaptive_max_pool2d: expected a 3-D \(C, H, W\) or 4-D \(N, C, H, W\) "
                                         r"input, got shape \(5, 6\)"):
        F.adaptive_max_pool2d(mg.zeros(5, 6), 2)
    with pytest.raises(ValueError, match=r"adaptive_max_pool2d: output_size must be positive, got \(0, 2\)"):
        F.adaptive_max_pool2d(mg.zeros(1, 1, 5, 6), (0, 2))
    with pytest.raises(ValueError, match=r"adaptive_max_pool2d: output_size must be an int or a pair, got \(1, 2, 3\)"):
        F.adaptive_max_pool2d(mg.zeros(1, 1, 5, 6), (1, 2, 3))
    with pytest.raises(TypeError, match=r"adaptive_max_pool2d: needs a floating-point input, got int64"):
        F.adaptive_max_pool2d(mg.tensor(np.zeros((1, 1, 4, 4), dtype=np.int64)), 2)


# ---------------------------------------------------------------------------------------------- max_unpool2d
# (N, C, H, W, kernel, stride, padding) of the max_pool2d whose output is unpooled
UNPOOL_CASES = [
    (1, 2, 6, 4, 2, None, 0),        # windows tile the image
    (2, 1, 7, 5, 2, None, 0),        # the floor drops a row and a column: output_size gives them back
    (1, 2, 7, 6, 3, 2, 1),           # overlapping windows with padding: a winner can be named twice
    (1, 1, 5, 7, (2, 3), (1, 2), (1, 1)),
]


def _unpool_ids(c):
    return "N{}C{}_{}x{}_k{}_s{}_p{}".format(*c)


def _pooled(device, case, seed):
    n, c, h, w, k, s, p = case
    x = tensors(device, distinct(n, c, h, w, seed=seed), requires_grad=False)[0]
    return x, *F.max_pool2d(x, k, s, p, return_indices=True)


def test_max_unpool2d_values_by_hand(device):
    x = tensors(device, np.array([[[[1.0, 8.0, 2.0, 3.0], [4.0, 0.0, 7.0, 6.0]]]]), requires_grad=False)[0]
    y, idx = F.max_pool2d(x, 2, return_indices=True)
    np.testing.assert_array_equal(idx.numpy()[0, 0], [[1, 6]])
    np.testing.assert_array_equal(F.max_unpool2d(y, idx, 2).numpy()[0, 0], [[0, 8, 0, 0], [0, 0, 7, 0]])
    big = F.max_unpool2d(y, idx, 2, output_size=(3, 5)).numpy()[0, 0]     # the indices read in 5-wide rows
    np.testing.assert_array_equal(big, [[0, 8, 0, 0, 0], [0, 7, 0, 0, 0], [0, 0, 0, 0, 0]])


@pytest.mark.parametrize("case", UNPOOL_CASES, ids=_unpool_ids)
def test_max_unpool2d_inverts_max_pool2d(device, case):
    """Unpooling puts every maximum back in place, zeros elsewhere; pooling that gives the maxima again."""
    n, c, h, w, k, s, p = case
    x, y, idx = _pooled(device, case, seed=5)
    up = F.max_unpool2d(y, idx, k, s, p, output_size=(h, w))
    kept = np.zeros(n * c * h * w, dtype=bool).reshape(n, c, h * w)
    np.put_along_axis(kept, idx.numpy().reshape(n, c, -1), True, axis=2)
    np.testing.assert_array_equal(up.numpy(), np.where(kept.reshape(x.shape), x.numpy(), 0.0))
    # Each window of the unpooled image holds its own maximum and only smaller values or zeros: with
    # positive values, pooling it again gives the same maxima.
    positive = x + (1.0 - float(x.numpy().min()))
    y_pos, idx_pos = F.max_pool2d(positive, k, s, p, return_indices=True)
    np.testing.assert_array_equal(F.max_pool2d(F.max_unpool2d(y_pos, idx_pos, k, s, p, (h, w)), k, s, p).numpy(),
                                  y_pos.numpy())


@pytest.mark.parametrize("case", UNPOOL_CASES, ids=_unpool_ids)
def test_max_unpool2d_matches_torch(device, torch, case):
    """Values and gradients, on the default size and on the input's size; where overlapping windows name a
    winner twice, the place gets the value once (not twice) and the gradient is read by both. The values
    unpooled are max_pool2d's, equal where an index repeats (otherwise which one is written is unspecified)."""
    n, c, h, w, k, s, p = case
    _, y, idx = _pooled(device, case, seed=6)
    t_idx = torch.tensor(idx.numpy())
    default = conv_transpose2d_output_size(*y.shape[2:], *(pair(v) for v in (k, s or k, p)))
    # the indices read in rows of the width max_pool2d saw: the default size only where it is the input's
    for size in [(h, w), (n, c, h, w)] + ([None] if default == (h, w) else []):
        compare_with_torch(torch, lambda v: F.max_unpool2d(v, idx, k, s, p, size),
                           lambda v: torch.nn.functional.max_unpool2d(v, t_idx, k, s, p, size),
                           [y.numpy()], device=device)


def test_max_unpool2d_duplicate_winner_is_written_once(device, torch):
    a = np.zeros((1, 1, 3, 3))
    a[0, 0, 1, 1] = 9
    y, idx = F.max_pool2d(tensors(device, a, requires_grad=False)[0], 2, 1, return_indices=True)
    np.testing.assert_array_equal(idx.numpy()[0, 0], [[4, 4], [4, 4]])
    np.testing.assert_array_equal(F.max_unpool2d(y, idx, 2, 1).numpy(), a)


@pytest.mark.parametrize("case", [c for c in UNPOOL_CASES if c[5] is None], ids=_unpool_ids)
def test_max_unpool2d_gradients(device, case):
    """Gradients by finite differences where no index repeats (there a write is not a sum, as in PyTorch)."""
    n, c, h, w, k, s, p = case
    _, y, idx = _pooled(device, case, seed=8)
    check_grad(lambda v: F.max_unpool2d(v, idx, k, s, p, (h, w)), randn(*y.shape, seed=9), device=device)
    mg.gradgradcheck(lambda v: F.max_unpool2d(v, idx, k, s, p, (h, w)) ** 2, tensors(device, randn(*y.shape, seed=10)))


def test_max_unpool2d_errors():
    y, idx = F.max_pool2d(mg.tensor(distinct(1, 1, 4, 4)), 2, return_indices=True)
    with pytest.raises(TypeError, match=r"max_unpool2d: elements in indices should be type int64 .*, but got float64"):
        F.max_unpool2d(y, idx.double(), 2)
    with pytest.raises(ValueError, match=r"max_unpool2d: expected indices of the input's shape \(1, 1, 2, 2\), "
                                         r"got shape \(1, 1, 2, 1\)"):
        F.max_unpool2d(y, idx[..., :1], 2)
    with pytest.raises(ValueError, match=r"max_unpool2d: found an invalid max index 3\d \(the outputs are of size "
                                         r"4 x 4, so expected indices from 0 to 15\)"):
        F.max_unpool2d(y, idx + 20, 2)
    with pytest.raises(ValueError, match=r"max_unpool2d: found an invalid max index -\d+"):
        F.max_unpool2d(y, idx - 20, 2)
    with pytest.raises(ValueError, match=r"max_unpool2d: invalid output_size \(6, 4\) \(dim 0 must be between 2 and 6, "
                                         r"exclusive"):
        F.max_unpool2d(y, idx, 2, output_size=(6, 4))
    with pytest.raises(ValueError, match=r"max_unpool2d: output_size should be a sequence containing 2 or 4 elements, "
                                         r"but it has a length of 1"):
        F.max_unpool2d(y, idx, 2, output_size=(4,))
    with pytest.raises(ValueError, match=r"max_unpool2d: expected a 4-D input \(N, C, H, W\), got shape \(2, 2\)"):
        F.max_unpool2d(y[0, 0], idx[0, 0], 2)


# ---------------------------------------------------------------------------------------------- layers
def test_layers_match_torch(device, torch):
    a = distinct(2, 3, 7, 6, seed=11)
    compare_with_torch(torch, nn.AdaptiveMaxPool2d((3, None)), torch.nn.AdaptiveMaxPool2d((3, None)), [a],
                       device=device)
    y, idx = nn.AdaptiveMaxPool2d(4, True)(tensors(device, a, requires_grad=False)[0])
    ty, tidx = torch.nn.AdaptiveMaxPool2d(4, True)(torch.tensor(a))
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())
    pooled, p_idx = nn.MaxPool2d(3, 2, 1, return_indices=True)(tensors(device, a, requires_grad=False)[0])
    t_idx = torch.tensor(p_idx.numpy())
    compare_with_torch(torch, lambda v: nn.MaxUnpool2d(3, 2, 1)(v, p_idx, (7, 6)),
                       lambda v: torch.nn.MaxUnpool2d(3, 2, 1)(v, t_idx, (7, 6)), [pooled.numpy()], device=device)


@pytest.mark.parametrize("make", [lambda m: m.AdaptiveMaxPool2d((2, None)), lambda m: m.AdaptiveMaxPool2d(3, True),
                                  lambda m: m.MaxUnpool2d(2), lambda m: m.MaxUnpool2d(3, 2, 1),
                                  lambda m: m.MaxUnpool2d((2, 3), padding=(1, 0))])
def test_layer_reprs_match_torch(torch, make):
    assert repr(make(nn)) == repr(make(torch.nn))


def test_layer_reprs():
    assert repr(nn.AdaptiveMaxPool2d((2, None))) == "AdaptiveMaxPool2d(output_size=(2, None))"
    assert repr(nn.MaxUnpool2d(3, 2, 1)) == "MaxUnpool2d(kernel_size=(3, 3), stride=(2, 2), padding=(1, 1))"


def test_layers_name_themselves_on_a_wrong_shape():
    with pytest.raises(ValueError, match=r"AdaptiveMaxPool2d\(output_size=2\): expected a 3-D \(C, H, W\) or 4-D"):
        nn.AdaptiveMaxPool2d(2)(mg.zeros(3, 4))
    with pytest.raises(ValueError, match=r"MaxUnpool2d\(kernel_size=\(2, 2\).*\): expected a 4-D input"):
        nn.MaxUnpool2d(2)(mg.zeros(3, 4), mg.zeros(3, 4))
