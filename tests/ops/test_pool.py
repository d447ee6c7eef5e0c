"""max_pool2d and avg_pool2d: gradchecks on overlapping windows, padding and
dilation, ties, second derivatives."""
import numpy as np
import pytest

import minigan as mg
import minigan.nn.functional as F

from helpers import check_grad, compare_with_torch, distinct, randn, tensors

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
    with pytest.raises(ValueError, match=r"max_pool2d: expected a 3-D \(C, H, W\) or 4-D \(N, C, H, W\) input, got "
                                         r"shape \(4, 4\)"):
        F.max_pool2d(mg.zeros(4, 4), 2)


# ceil_mode: (N, C, H, W, kernel, stride, padding, dilation); each adds a last, partial window in some dim
CEIL_CASES = [
    (1, 1, 5, 5, 2, None, 0, 1),        # 5 = 2 + 2 + 1: the last window holds one row
    (2, 2, 6, 7, 3, 2, 1, 1),           # overlapping windows, padding, a partial window in W only
    (1, 2, 7, 5, (3, 2), (2, 2), (1, 0), 1),
    (1, 1, 8, 8, 3, 3, 1, 1),           # the last window would start in the bottom padding: dropped
    (1, 1, 1, 1, 2, 2, 0, 1),           # a 1x1 image: one window, half outside
    (1, 1, 7, 6, 2, 2, 1, 2),           # dilation
]


@pytest.mark.parametrize("case", CEIL_CASES, ids=_ids)
def test_max_pool2d_ceil_mode_gradients(device, case):
    n, c, h, w, k, s, p, d = case
    check_grad(lambda x: F.max_pool2d(x, k, s, p, d, ceil_mode=True), distinct(n, c, h, w, seed=7), device=device)


@pytest.mark.parametrize("count_include_pad", [True, False])
@pytest.mark.parametrize("case", [c for c in CEIL_CASES if c[7] == 1], ids=_ids)
def test_avg_pool2d_ceil_mode_gradients(device, case, count_include_pad):
    n, c, h, w, k, s, p, _ = case
    check_grad(lambda x: F.avg_pool2d(x, k, s, p, ceil_mode=True, count_include_pad=count_include_pad),
               randn(n, c, h, w, seed=8), device=device)


def test_ceil_mode_partial_window_values(device):
    """5x5 in 2x2 windows: ceil mode keeps a third row and column of windows, each averaging only the
    pixels it holds (the window is cut at the image's edge, where there is no padding)."""
    x = tensors(device, np.arange(25.0).reshape(1, 1, 5, 5), requires_grad=False)[0]
    assert F.avg_pool2d(x, 2).shape == (1, 1, 2, 2)
    y = F.avg_pool2d(x, 2, ceil_mode=True).numpy()[0, 0]
    np.testing.assert_allclose(y[2], [(20 + 21) / 2, (22 + 23) / 2, 24])
    np.testing.assert_allclose(y[:, 2], [(4 + 9) / 2, (14 + 19) / 2, 24])
    m = F.max_pool2d(x, 2, ceil_mode=True).numpy()[0, 0]
    np.testing.assert_array_equal(m, [[6, 8, 9], [16, 18, 19], [21, 23, 24]])


def test_max_pool2d_return_indices(device):
    x = tensors(device, distinct(2, 3, 7, 6, seed=9), requires_grad=False)[0]
    for kwargs in ({}, {"ceil_mode": True}, {"padding": 1, "ceil_mode": True}):
        y, idx = F.max_pool2d(x, 3, 2, return_indices=True, **kwargs)
        assert idx.dtype == np.int64 and not idx.requires_grad and idx.shape == y.shape
        # each index names, in its own input plane, the element the maximum came from
        planes = x.numpy().reshape(2, 3, -1)
        np.testing.assert_array_equal(np.take_along_axis(planes, idx.numpy().reshape(2, 3, -1), axis=2),
                                      y.numpy().reshape(2, 3, -1), err_msg=str(kwargs))


def test_avg_pool2d_divisor_override(device):
    x = randn(1, 2, 5, 4, seed=10)
    xt = tensors(device, x, requires_grad=False)[0]
    sums = F.avg_pool2d(xt, 2, 1, 1).numpy() * 4                       # padded zeros add nothing to a sum
    np.testing.assert_allclose(F.avg_pool2d(xt, 2, 1, 1, divisor_override=3).numpy(), sums / 3)
    check_grad(lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, divisor_override=5), x, device=device)


def test_pool_ceil_mode_gradgradcheck(device):
    mg.gradgradcheck(lambda x: F.max_pool2d(x, 2, ceil_mode=True), tensors(device, distinct(1, 2, 5, 5, seed=11)))
    mg.gradgradcheck(lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
                     tensors(device, randn(1, 1, 6, 5, seed=12)))


@pytest.mark.parametrize("case", CEIL_CASES, ids=_ids)
def test_max_pool2d_ceil_mode_matches_torch(device, torch, case):
    n, c, h, w, k, s, p, d = case
    compare_with_torch(torch, lambda x: F.max_pool2d(x, k, s, p, d, ceil_mode=True),
                       lambda x: torch.nn.functional.max_pool2d(x, k, s, p, d, ceil_mode=True),
                       [distinct(n, c, h, w, seed=13)], device=device)
    x = tensors(device, distinct(n, c, h, w, seed=13), requires_grad=False)[0]
    _, ours = F.max_pool2d(x, k, s, p, d, ceil_mode=True, return_indices=True)
    _, theirs = torch.nn.functional.max_pool2d(torch.tensor(x.numpy()), k, s, p, d, ceil_mode=True,
                                               return_indices=True)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("divisor_override", [None, 3])
@pytest.mark.parametrize("count_include_pad", [True, False])
@pytest.mark.parametrize("case", [c for c in CEIL_CASES if c[7] == 1], ids=_ids)
def test_avg_pool2d_ceil_mode_matches_torch(device, torch, case, count_include_pad, divisor_override):
    n, c, h, w, k, s, p, _ = case
    # torch's positional order: kernel, stride, padding, ceil_mode, count_include_pad, divisor_override
    compare_with_torch(torch, lambda x: F.avg_pool2d(x, k, s, p, True, count_include_pad, divisor_override),
                       lambda x: torch.nn.functional.avg_pool2d(x, k, s, p, True, count_include_pad,
                                                                divisor_override),
                       [randn(n, c, h, w, seed=14)], device=device)


def test_pool_layers_take_torch_arguments(torch):
    x = distinct(1, 2, 7, 7, seed=15)
    ours = mg.nn.MaxPool2d(3, 2, 1, 1, True, True)(mg.tensor(x))            # ..., return_indices, ceil_mode
    theirs = torch.nn.MaxPool2d(3, 2, 1, 1, True, True)(torch.tensor(x))
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    avg = mg.nn.AvgPool2d(3, 2, 1, True, False, None)(mg.tensor(x))          # ..., ceil_mode, count_include_pad
    np.testing.assert_allclose(avg.numpy(), torch.nn.AvgPool2d(3, 2, 1, True, False, None)(torch.tensor(x)).numpy())
    assert "ceil_mode=True" in repr(mg.nn.MaxPool2d(2, ceil_mode=True))


def test_pool_argument_errors():
    with pytest.raises(ValueError, match="avg_pool2d: divisor_override must be a nonzero int, got 0"):
        F.avg_pool2d(mg.zeros(1, 1, 4, 4), 2, divisor_override=0)
    with pytest.raises(ValueError, match="max_pool2d.*padding should be at most half"):
        F.max_pool2d(mg.zeros(1, 1, 4, 4), 2, padding=2, ceil_mode=True)


@pytest.mark.parametrize("name,args", [
    ("conv2d", lambda lib, rs: (rs.standard_normal((4, 2, 3, 3)),)),
    ("conv_transpose2d", lambda lib, rs: (rs.standard_normal((2, 3, 3, 3)), None, 2, 1, 1)),
    ("max_pool2d", lambda lib, rs: (3, 2, 1)),
    ("avg_pool2d", lambda lib, rs: (2, 1, 1, True, False)),
    ("adaptive_avg_pool2d", lambda lib, rs: ((2, 3),)),
    ("adaptive_max_pool2d", lambda lib, rs: (3,)),
])
def test_2d_ops_take_one_unbatched_image_as_torch(device, torch, name, args):
    """(C, H, W) in, (C_out, H_out, W_out) out, values and gradients as torch's (a weight as a constant)."""
    extra = args(None, np.random.default_rng(1))
    t_extra = tuple(torch.tensor(a) if isinstance(a, np.ndarray) else a for a in extra)
    compare_with_torch(torch, lambda x: getattr(F, name)(x, *extra),
                       lambda x: getattr(torch.nn.functional, name)(x, *t_extra), [randn(2, 5, 6, seed=2)],
                       device=device)
    y, idx = F.max_pool2d(mg.tensor(randn(2, 5, 6, seed=3)), 2, return_indices=True)
    ty, t_idx = torch.nn.functional.max_pool2d(torch.tensor(randn(2, 5, 6, seed=3)), 2, return_indices=True)
    assert y.shape == (2, 2, 3) and np.array_equal(idx.numpy(), t_idx.numpy())
    np.testing.assert_array_equal(y.numpy(), ty.numpy())
