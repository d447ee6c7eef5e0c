"""max_pool2d and avg_pool2d: gradchecks on overlapping windows, padding and
dilation, ties, second derivatives."""
import numpy as np
import pytest

import minigan as mg
import minigan.nn.functional as F

from helpers import check_grad, distinct, randn, tensors

# (N, C, H, W, kernel, stride, padding, dilation)
POOL_CASES = [
    (1, 1, 4, 4, 2, None, 0, 1),
    (2, 2, 5, 6, 3, 2, 1, 1),           # overlapping windows with padding
    (1, 2, 7, 5, (3, 2), (2, 1), (1, 0), 1),
    (1, 1, 7, 7, 2, 1, 0, 2),           # dilation
    (1, 3, 5, 5, 3, 1, 1, 1),           # stride 1: each element in up to 9 windows
]


def _ids(c):
    return "N{}C{}_{}x{}_k{}_s{}_p{}_d{}".format(*c)


@pytest.mark.parametrize("case", POOL_CASES, ids=_ids)
def test_max_pool2d_gradients(device, case):
    n, c, h, w, k, s, p, d = case
    check_grad(lambda x: F.max_pool2d(x, k, s, p, d), distinct(n, c, h, w, seed=1), device=device)


@pytest.mark.parametrize("count_include_pad", [True, False])
@pytest.mark.parametrize("case", [c for c in POOL_CASES if c[7] == 1], ids=_ids)
def test_avg_pool2d_gradients(device, case, count_include_pad):
    n, c, h, w, k, s, p, _ = case
    check_grad(lambda x: F.avg_pool2d(x, k, s, p, count_include_pad=count_include_pad),
               randn(n, c, h, w, seed=2), device=device)


def test_avg_pool2d_count_include_pad_values(device):
    x = tensors(device, np.ones((1, 1, 2, 2)), requires_grad=False)[0]
    incl = F.avg_pool2d(x, 2, 1, 1, count_include_pad=True).numpy()[0, 0]
    excl = F.avg_pool2d(x, 2, 1, 1, count_include_pad=False).numpy()[0, 0]
    np.testing.assert_allclose(incl, [[0.25, 0.5, 0.25], [0.5, 1, 0.5], [0.25, 0.5, 0.25]])
    np.testing.assert_allclose(excl, np.ones((3, 3)))


def test_max_pool2d_tie_goes_to_first_in_window(device):
    x = tensors(device, np.ones((1, 1, 2, 2)))[0]
    F.max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], [[1, 0], [0, 0]])


def test_max_pool2d_overlapping_windows_accumulate(device):
    # The 9 sits in all four 2x2 windows of a 3x3 input with stride 1: its gradient is the sum of four.
    a = np.zeros((1, 1, 3, 3))
    a[0, 0, 1, 1] = 9
    x = tensors(device, a)[0]
    F.max_pool2d(x, 2, stride=1).backward(mg.tensor(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]), device=device))
    assert x.grad.numpy()[0, 0, 1, 1] == 10
    assert x.grad.numpy().sum() == 10


def test_max_pool2d_gradgradcheck(device):
    mg.gradgradcheck(lambda x: F.max_pool2d(x, 3, 2, 1), tensors(device, distinct(1, 2, 5, 5, seed=3)))


def test_avg_pool2d_gradgradcheck(device):
    mg.gradgradcheck(lambda x: F.avg_pool2d(x, 3, 2, 1, count_include_pad=False) ** 2,
                     tensors(device, randn(1, 1, 5, 4, seed=4)))


def test_pool_errors():
    with pytest.raises(ValueError, match="max_pool2d.*padding should be at most half"):
        F.max_pool2d(mg.zeros(1, 1, 4, 4), 2, padding=2)
    with pytest.raises(ValueError, match=r"max_pool2d: expected a 4-D input"):
        F.max_pool2d(mg.zeros(4, 4), 2)
