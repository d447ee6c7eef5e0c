"""pad, as torch.nn.functional.pad: PyTorch's flat (left, right, top, bottom, ...) amounts from the LAST dim,
negative amounts crop; mode "constant" on any dims, and "reflect", "replicate", "circular" (index maps gathered
by indexing) on the last 1, 2 or 3 dims, with PyTorch's values, gradients and errors."""
import numpy as np
import pytest

import minigan as mg
import minigan.nn.functional as F
from minigan.ops.pad import circular_index, reflect_index, replicate_index

from helpers import check_grad, compare_with_torch, randn, tensors

COPY_MODES = ["reflect", "replicate", "circular"]


# --------------------------------------------------------------------------- mode="constant"
PADS = [(1, 1), (0, 2), (1, 0, 0, 2), (2, 1, 0, 0), (1, 2, 3, 0, 0, 1), (-1, 2), (1, -2, -1, 0), (0, 0, 2, -3)]


@pytest.mark.parametrize("amounts", PADS)
def test_pad(device, amounts):
    check_grad(lambda x: F.pad(x, amounts, value=0.5), randn(3, 4, 2, seed=9), device=device)


def test_pad_counts_from_the_last_dim():
    x = mg.tensor(np.arange(6.0).reshape(2, 3))
    assert F.pad(mg.zeros(1, 1, 2, 2), (1, 1, 2, 2)).shape == (1, 1, 6, 4)
    np.testing.assert_array_equal(F.pad(x, (1, 0)).numpy(), [[0, 0, 1, 2], [0, 3, 4, 5]])
    np.testing.assert_array_equal(F.pad(x, (0, 0, 0, 1), "constant", 7).numpy(), [[0, 1, 2], [3, 4, 5], [7, 7, 7]])
    np.testing.assert_array_equal(F.pad(x, (-1, 1)).numpy(), [[1, 2, 0], [4, 5, 0]])       # crop 1, pad 1
    assert F.pad(x, (-3, 1)).tolist() == [[0.0], [0.0]]


def test_pad_double_backward(device):
    mg.gradgradcheck(lambda x: F.pad(x, (2, -1, 0, 1)) ** 2, tensors(device, randn(3, 4, seed=11)))


@pytest.mark.parametrize("amounts", PADS)
def test_pad_matches_torch(device, torch, amounts):
    compare_with_torch(torch, lambda x: F.pad(x, amounts, value=0.5),
                       lambda x: torch.nn.functional.pad(x, amounts, value=0.5), [randn(3, 4, 2, seed=9)],
                       device=device)


@pytest.mark.parametrize("amounts,error,message", [
    (1, TypeError, "pad must be a tuple of ints"),
    (((1, 1), (1, 1)), TypeError, "pad must be a tuple of ints"),
    ((1,), ValueError, r"pad: pad \(1,\) must hold a \(before, after\) pair"),
    ((1, 1, 1, 1, 1, 1), ValueError, "at most the tensor's 2 dims"),
    ((-4, 1), ValueError, "crops more than the tensor holds"),
])
def test_pad_errors(amounts, error, message):
    with pytest.raises(error, match=message):
        F.pad(mg.zeros(2, 3), amounts)


# --------------------------------------------------------------------------- the index maps
def test_index_maps_of_the_docstring():
    # a dim of n = 4 values padded by (2, 1)
    np.testing.assert_array_equal(reflect_index(4, 2, 1), [2, 1, 0, 1, 2, 3, 2])
    np.testing.assert_array_equal(replicate_index(4, 2, 1), [0, 0, 0, 1, 2, 3, 3])
    np.testing.assert_array_equal(circular_index(4, 2, 1), [2, 3, 0, 1, 2, 3, 0])
    # negative amounts: reflect and replicate read positions -before .. n - 1 + after of the whole dim;
    # circular first crops, then wraps around what is left
    np.testing.assert_array_equal(reflect_index(4, -1, 2), [1, 2, 3, 2, 1])
    np.testing.assert_array_equal(replicate_index(4, -5, 6), [3, 3, 3, 3, 3])
    np.testing.assert_array_equal(circular_index(4, -1, 2), [1, 2, 3, 1, 2])
    np.testing.assert_array_equal(circular_index(4, 2, -1), [1, 2, 0, 1, 2])


def test_copy_modes_on_an_image():
    x = mg.tensor(np.arange(6.0).reshape(1, 2, 3))      # (C, H, W): rows [0 1 2], [3 4 5]
    np.testing.assert_array_equal(F.pad(x, (2, 0, 1, 0), mode="reflect").numpy()[0],
                                  [[5, 4, 3, 4, 5], [2, 1, 0, 1, 2], [5, 4, 3, 4, 5]])
    np.testing.assert_array_equal(F.pad(x, (1, 1, 0, 2), mode="replicate").numpy()[0],
                                  [[0, 0, 1, 2, 2], [3, 3, 4, 5, 5], [3, 3, 4, 5, 5], [3, 3, 4, 5, 5]])
    np.testing.assert_array_equal(F.pad(x, (3, 1, 2, 0), mode="circular").numpy()[0],
                                  [[0, 1, 2, 0, 1, 2, 0], [3, 4, 5, 3, 4, 5, 3],
                                   [0, 1, 2, 0, 1, 2, 0], [3, 4, 5, 3, 4, 5, 3]])


@pytest.mark.parametrize("mode,counts", [
    ("reflect", [1, 2, 3, 1]),          # reads [2, 1, 0, 1, 2, 3, 2]
    ("replicate", [3, 1, 1, 2]),        # reads [0, 0, 0, 1, 2, 3, 3]
    ("circular", [2, 1, 2, 2]),         # reads [2, 3, 0, 1, 2, 3, 0]
])
def test_gradient_adds_up_where_an_input_is_read_more_than_once(device, mode, counts):
    x = tensors(device, np.zeros((1, 4)))[0]
    F.pad(x, (2, 1), mode=mode).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [counts])


# --------------------------------------------------------------------------- copy modes: gradients and torch
# (input shape, amounts) that every copy mode accepts: odd sizes, batch 1, unbatched inputs, asymmetric amounts,
# 0 on one side, 1-D, 2-D and 3-D pads, and negative amounts
CASES = [
    ((1, 5), (2, 0)),                           # 1-D pad of an unbatched (C, W) input
    ((2, 3, 4), (3, 1)),                        # 1-D pad of a batched (N, C, W) input
    ((1, 2, 3, 5), (2, 1, 0, 2)),               # 2-D, batch 1
    ((3, 4, 5), (1, 3, 2, 0)),                  # 2-D, unbatched (C, H, W)
    ((1, 1, 3, 2, 4), (1, 2, 0, 1, 2, 1)),      # 3-D, batch 1
    ((2, 3, 3, 2), (0, 1, 1, 0, 2, 2)),         # 3-D, unbatched (C, D, H, W)
    ((2, 3, 5), (-1, 2, 1, -1)),                # negative amounts crop
    ((1, 2, 4, 5), (-2, 3, 2, -2)),
]
IDS = [f"{len(a) // 2}d-{'x'.join(map(str, s))}-{a}" for s, a in CASES]


@pytest.mark.parametrize("mode", COPY_MODES)
@pytest.mark.parametrize("shape,amounts", CASES, ids=IDS)
def test_copy_mode_gradcheck(device, mode, shape, amounts):
    check_grad(lambda x: F.pad(x, amounts, mode=mode), randn(*shape, seed=12), device=device)


@pytest.mark.parametrize("mode,shape,amounts", [
    ("replicate", (1, 2, 3), (5, 0)),                   # wider than the dim
    ("replicate", (2, 1, 2, 3), (4, 1, 0, 3)),
    ("replicate", (1, 4), (-5, 6)),                     # crops past the end, then repeats the last value
    ("circular", (1, 2, 3), (3, 3)),                    # wraps the whole dim once on each side
    ("circular", (1, 3, 4), (0, 4, 3, 0)),
    ("reflect", (1, 2, 3), (2, 2)),                     # the largest reflect allows
])
def test_copy_mode_gradcheck_at_the_limits(device, mode, shape, amounts):
    check_grad(lambda x: F.pad(x, amounts, mode=mode), randn(*shape, seed=13), device=device)


def test_copy_mode_double_backward(device):
    mg.gradgradcheck(lambda x: F.pad(x, (2, 1, 0, 2), mode="reflect") ** 2,
                     tensors(device, randn(1, 2, 3, 4, seed=14)))
    mg.gradgradcheck(lambda x: F.pad(x, (3, -1), mode="circular").tanh(), tensors(device, randn(2, 5, seed=15)))


@pytest.mark.parametrize("mode", COPY_MODES)
@pytest.mark.parametrize("shape,amounts", CASES, ids=IDS)
def test_copy_mode_matches_torch(device, torch, mode, shape, amounts):
    compare_with_torch(torch, lambda x: F.pad(x, amounts, mode=mode),
                       lambda x: torch.nn.functional.pad(x, amounts, mode=mode), [randn(*shape, seed=16)],
                       device=device)


@pytest.mark.parametrize("mode", COPY_MODES)
def test_every_small_1d_pad_agrees_with_torch(torch, mode):
    """All amounts in [-6, 6] on dims of 1 to 5 values: where PyTorch pads, minigan gives the same values; where
    PyTorch refuses, so does minigan. Circular is stricter only where PyTorch would wrap around what is left
    after cropping more than once (it then returns memory it never wrote, or nothing)."""
    for n in range(1, 6):
        a = np.arange(n, dtype=np.float64).reshape(1, n) + 1
        for before in range(-6, 7):
            for after in range(-6, 7):
                try:
                    expected = torch.nn.functional.pad(torch.tensor(a), (before, after), mode=mode).numpy()
                except (RuntimeError, NotImplementedError):
                    expected = None
                try:
                    got = F.pad(mg.tensor(a), (before, after), mode=mode).numpy()
                except ValueError:
                    got = None
                what = f"{mode} n={n} pad=({before}, {after})"
                if got is None and expected is not None:
                    left = n + min(before, 0) + min(after, 0)
                    assert mode == "circular" and (left < 0 or before > left or after > left), what
                    continue
                assert (got is None) == (expected is None), what
                if got is not None:
                    np.testing.assert_array_equal(got, expected, err_msg=what)


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize("shape,amounts,mode,error,message", [
    ((1, 2, 3), (1, 1), "wrap", ValueError,
     r"pad: mode must be one of 'constant', 'reflect', 'replicate', 'circular', got 'wrap'"),
    ((1, 2, 3), (3, 0), "reflect", ValueError,
     r"pad: mode 'reflect' needs each amount smaller than the size of its dim, got pad \(3, 0\) on dim 2 of "
     r"size 3 \(input shape \(1, 2, 3\)\)"),
    ((1, 4, 2), (1, 1, 0, 4), "reflect", ValueError, r"smaller than the size of its dim, got pad \(1, 1, 0, 4\) "
                                                     r"on dim 1 of size 4"),
    ((1, 2, 3), (0, 4), "circular", ValueError,
     r"pad: mode 'circular' wraps around at most once, so each amount must be at most the size of its dim "
     r"\(3\), got pad \(0, 4\) on dim 2 of size 3"),
    ((1, 2, 4), (3, -2), "circular", ValueError, r"at most the size of its dim \(2, after cropping\)"),
    ((1, 2, 4), (-3, -1), "replicate", ValueError, "mode 'replicate' needs a non-empty dim and a non-empty result"),
    ((3,), (1, 1), "reflect", ValueError,
     r"pad: mode 'reflect' pads the last 1, 2 or 3 dims.*2 amounts need a 2-D or 3-D input.*got 2 amounts "
     r"\(1, 1\) for an input of shape \(3,\)"),
    ((1, 1, 2, 3), (1, 1), "replicate", ValueError, r"got 2 amounts \(1, 1\) for an input of shape \(1, 1, 2, 3\)"),
    ((4, 4), (1, 1, 1, 1), "circular", ValueError, r"4 amounts a 3-D or 4-D input.*shape \(4, 4\)"),
    ((1, 1, 1, 2, 2, 2), (1,) * 6, "reflect", ValueError, r"6 amounts a 4-D or 5-D input"),
    ((1, 2, 3), (1, 1), "reflect", ValueError, "mode 'reflect' copies values of the input and takes no value"),
])
def test_copy_mode_errors(shape, amounts, mode, error, message):
    value = 1.0 if "takes no value" in message else None
    with pytest.raises(error, match=message):
        F.pad(mg.zeros(*shape), amounts, mode=mode, value=value)


def test_copy_modes_accept_a_value_of_zero_as_torch_does():
    x = mg.tensor(np.arange(3.0).reshape(1, 3))
    np.testing.assert_array_equal(F.pad(x, (1, 1), mode="reflect", value=0).numpy(), [[1, 0, 1, 2, 1]])


@pytest.mark.parametrize("shape,amounts,mode", [
    ((1, 2, 3), (3, 0), "reflect"), ((3,), (1, 1), "reflect"), ((1, 1, 2, 3), (1, 1), "replicate"),
    ((4, 4), (1, 1, 1, 1), "circular"), ((1, 2, 3), (0, 4), "circular"), ((1, 2, 4), (-3, -1), "replicate"),
])
def test_torch_refuses_the_same_pads(torch, shape, amounts, mode):
    with pytest.raises((RuntimeError, NotImplementedError)):
        torch.nn.functional.pad(torch.zeros(*shape), amounts, mode=mode)
