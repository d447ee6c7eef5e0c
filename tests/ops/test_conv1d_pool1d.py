"""conv1d, conv_transpose1d, max_pool1d, avg_pool1d, adaptive_avg_pool1d and adaptive_max_pool1d: the 2-D ops
on a signal seen as an image one pixel high. Gradchecks in float64 on awkward shapes, values, gradients, indices
and torch's output-length rule against PyTorch, second derivatives, and the errors. The convolutions' and the
adaptive average pool's gradchecks and torch parity are on the tables shared with 3-D, in
test_conv_pool_1d_3d.py."""
import itertools

import numpy as np
import pytest

import minigan as mg
import minigan.nn.functional as F

from helpers import check_grad, compare_with_torch, distinct, equal_to_torch, randn, tensors

# --------------------------------------------------------------------------- conv1d and conv_transpose1d
# (their gradchecks and torch parity are on the shared tables of test_conv_pool_1d_3d.py)
def test_conv_transpose1d_is_conv1d_adjoint(device):
    """<conv1d(x, w), y> == <x, conv_transpose1d(y, w)>: the same weight, the transposed map."""
    w = mg.tensor(randn(4, 3, 3, seed=7), device=device)
    mg.check_adjoint(lambda x: F.conv1d(x, w, stride=2, padding=1),
                     lambda y: F.conv_transpose1d(y, w, stride=2, padding=1, output_padding=1),
                     (2, 3, 8), (2, 4, 4), device=device, as_tensor=True)


@pytest.mark.parametrize("fn,shapes", [
    (lambda x, w: F.conv1d(x, w, stride=2, padding=1, dilation=2).tanh(), [(2, 2, 7), (3, 2, 2)]),
    (lambda x, w: F.conv_transpose1d(x, w, stride=2, padding=1, output_padding=1).tanh(), [(1, 2, 3), (2, 3, 3)]),
], ids=["conv1d", "conv_transpose1d"])
def test_second_derivatives(device, fn, shapes):
    mg.gradgradcheck(fn, tensors(device, *(randn(*s, seed=i) for i, s in enumerate(shapes))))


# --------------------------------------------------------------------------- max_pool1d, avg_pool1d
# (input shape, kernel, stride, padding, dilation, ceil_mode)
POOL_CASES = [
    ((2, 2, 9), 3, 2, 1, 1, False),     # stride < kernel: overlapping windows, padding
    ((1, 3, 8), 3, 2, 1, 1, True),      # ceil_mode adds a last, partial window
    ((3, 7), 2, None, 0, 1, True),      # unbatched, stride = kernel, ceil_mode
    ((1, 1, 10), 3, 1, 1, 2, False),    # dilation: max only
    ((2, 1, 5), (4,), (3,), (2,), 1, True),
]
POOL_IDS = ["k3s2p1", "ceil", "unbatched-ceil", "dilation", "tuples-ceil"]


def _max_pool(lib_f, case, return_indices=False):
    _, k, s, p, d, ceil = case
    return lambda x: lib_f.max_pool1d(x, k, s, p, d, ceil, return_indices)


def _avg_pool(lib_f, case, count_include_pad):
    _, k, s, p, _, ceil = case
    return lambda x: lib_f.avg_pool1d(x, k, s, p, ceil, count_include_pad)


@pytest.mark.parametrize("case", POOL_CASES, ids=POOL_IDS)
def test_max_pool1d_gradcheck(device, case):
    check_grad(_max_pool(F, case), distinct(*case[0], seed=1), device=device)


@pytest.mark.parametrize("case", POOL_CASES, ids=POOL_IDS)
def test_max_pool1d_matches_torch_with_indices(device, torch, case):
    x = distinct(*case[0], seed=2)
    compare_with_torch(torch, _max_pool(F, case), _max_pool(torch.nn.functional, case), [x], device=device)
    y, indices = _max_pool(F, case, True)(tensors(device, x)[0])
    ty, t_indices = _max_pool(torch.nn.functional, case, True)(torch.tensor(x))
    assert indices.dtype == np.int64 and indices.shape == tuple(t_indices.shape)
    np.testing.assert_array_equal(indices.numpy(), t_indices.numpy())


@pytest.mark.parametrize("count_include_pad", [True, False])
@pytest.mark.parametrize("case", [c for c in POOL_CASES if c[4] == 1], ids=[i for i, c in zip(POOL_IDS, POOL_CASES)
                                                                         if c[4] == 1])
def test_avg_pool1d_gradcheck_and_torch(device, torch, case, count_include_pad):
    x = randn(*case[0], seed=3)
    check_grad(_avg_pool(F, case, count_include_pad), x, device=device)
    compare_with_torch(torch, _avg_pool(F, case, count_include_pad),
                       _avg_pool(torch.nn.functional, case, count_include_pad), [x], device=device)


def test_max_pool1d_overlapping_windows_accumulate(device):
    # The 9 wins all three windows of 3 over a length-5 signal with stride 1: its gradient is their sum.
    x = tensors(device, np.array([[[0.0, 1.0, 9.0, 2.0, 3.0]]]))[0]
    F.max_pool1d(x, 3, 1).backward(mg.tensor(np.array([[[1.0, 2.0, 4.0]]]), device=device))
    np.testing.assert_array_equal(x.grad.numpy(), [[[0, 0, 7, 0, 0]]])


def test_avg_pool1d_count_include_pad_values(device):
    x = tensors(device, np.ones((1, 1, 3)), requires_grad=False)[0]
    np.testing.assert_allclose(F.avg_pool1d(x, 2, 1, 1).numpy(), [[[0.5, 1, 1, 0.5]]])
    np.testing.assert_allclose(F.avg_pool1d(x, 2, 1, 1, count_include_pad=False).numpy(), [[[1, 1, 1, 1]]])


# --------------------------------------------------------------------------- adaptive pooling
# (input shape, output_size): overlapping windows (7 -> 3), the identity, more outputs than inputs, unbatched
ADAPTIVE_CASES = [((2, 3, 7), 3), ((1, 2, 5), 5), ((2, 1, 4), (7,)), ((3, 9), 4)]
ADAPTIVE_IDS = ["7to3", "5to5", "4to7", "unbatched-9to4"]


@pytest.mark.parametrize("shape,size", ADAPTIVE_CASES, ids=ADAPTIVE_IDS)
def test_adaptive_max_pool1d(device, torch, shape, size):
    x = distinct(*shape, seed=5)
    check_grad(lambda t: F.adaptive_max_pool1d(t, size), x, device=device)
    compare_with_torch(torch, lambda t: F.adaptive_max_pool1d(t, size),
                       lambda t: torch.nn.functional.adaptive_max_pool1d(t, size), [x], device=device)
    y, indices = F.adaptive_max_pool1d(tensors(device, x)[0], size, True)
    _, t_indices = torch.nn.functional.adaptive_max_pool1d(torch.tensor(x), size, True)
    assert indices.dtype == np.int64
    np.testing.assert_array_equal(indices.numpy(), t_indices.numpy())


# --------------------------------------------------------------------------- torch's output-length rule
GRID = list(itertools.product((1, 2, 5, 8), (1, 2, 3), (1, 2, 3), (0, 1, 2), (1, 2)))   # L, k, s, p, d


def test_conv1d_output_length_rule(torch):
    ran = 0
    for n, k, s, p, d in GRID:
        x, w = randn(1, 2, n, seed=n), randn(3, 2, k, seed=k)
        ran += equal_to_torch(torch, lambda a, b: F.conv1d(a, b, None, s, p, d),
                              lambda a, b: torch.nn.functional.conv1d(a, b, None, s, p, d), x, w)
    assert ran > len(GRID) // 2


def test_conv_transpose1d_output_length_rule(torch):
    ran = 0
    for (n, k, s, p, d), o in itertools.product(GRID, (0, 1)):
        x, w = randn(1, 2, n, seed=n), randn(2, 3, k, seed=k)
        ran += equal_to_torch(torch, lambda a, b: F.conv_transpose1d(a, b, None, s, p, o, 1, d),
                              lambda a, b: torch.nn.functional.conv_transpose1d(a, b, None, s, p, o, 1, d), x, w)
    assert ran > len(GRID) // 2


@pytest.mark.parametrize("ceil_mode", [False, True])
def test_pool1d_output_length_rule(torch, ceil_mode):
    ran = 0
    for n, k, s, p, d in GRID:
        x = distinct(2, 1, n, seed=n)
        ran += equal_to_torch(torch, lambda a: F.max_pool1d(a, k, s, p, d, ceil_mode),
                              lambda a: torch.nn.functional.max_pool1d(a, k, s, p, d, ceil_mode), x)
        if d == 1:
            ran += equal_to_torch(torch, lambda a: F.avg_pool1d(a, k, s, p, ceil_mode),
                                  lambda a: torch.nn.functional.avg_pool1d(a, k, s, p, ceil_mode), x)
    assert ran > len(GRID) // 2


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize("call,error,pattern", [
    (lambda: F.conv1d(mg.zeros(5), mg.zeros(2, 1, 3)), ValueError,
     r"conv1d: expected a 2-D \(C_in, L\) or 3-D \(N, C_in, L\) input, got shape \(5,\)"),
    (lambda: F.conv1d(mg.zeros(1, 1, 1, 5), mg.zeros(2, 1, 3)), ValueError, r"conv1d: expected a 2-D .*\(1, 1, 1, 5\)"),
    (lambda: F.conv1d(mg.zeros(1, 1, 5), mg.zeros(2, 1, 3, 3)), ValueError,
     r"conv1d: expected a 3-D weight \(C_out, C_in/groups, k\), got shape \(2, 1, 3, 3\)"),
    (lambda: F.conv1d(mg.zeros(1, 3, 5), mg.zeros(2, 2, 3)), ValueError, r"conv1d: input has 3 channels"),
    (lambda: F.conv1d(mg.zeros(1, 1, 2), mg.zeros(2, 1, 3)), ValueError, r"conv1d: the kernel .* is larger"),
    (lambda: F.conv1d(mg.zeros(1, 1, 5), mg.zeros(2, 1, 3), mg.zeros(3)), ValueError,
     r"conv1d: bias must have shape \(2,\), got \(3,\)"),
    (lambda: F.conv1d(mg.zeros(1, 1, 5), mg.zeros(2, 1, 3), stride=2, padding="same"), ValueError,
     r"conv1d: padding='same' is not supported for strided convolutions \(stride 2\)"),
    (lambda: F.conv1d(mg.zeros(1, 1, 5), mg.zeros(2, 1, 3), padding="full"), ValueError,
     r"conv1d: invalid padding string 'full'"),
    (lambda: F.conv1d(mg.zeros(1, 1, 5), mg.zeros(2, 1, 3), stride=(1, 1)), TypeError,
     r"conv1d: stride must be an int or a 1-tuple of ints, got \(1, 1\)"),
    (lambda: F.conv_transpose1d(mg.zeros(1, 2, 5), mg.zeros(2, 1, 3), stride=2, output_padding=2), ValueError,
     r"conv_transpose1d: output_padding must be smaller than either stride or dilation, got output_padding=2, "
     r"stride=2, dilation=1"),
    (lambda: F.conv_transpose1d(mg.zeros(1, 3, 5), mg.zeros(2, 1, 3)), ValueError,
     r"conv_transpose1d: input has 3 channels but weight expects 2"),
    (lambda: F.conv_transpose1d(mg.zeros(1, 2, 5), mg.zeros(2, 1, 3), padding="same"), TypeError,
     r"conv_transpose1d: padding must be an int or a 1-tuple"),
    (lambda: F.max_pool1d(mg.zeros(2, 1, 1, 5), 2), ValueError,
     r"max_pool1d: expected a 2-D \(C, L\) or 3-D \(N, C, L\) input, got shape \(2, 1, 1, 5\)"),
    (lambda: F.max_pool1d(mg.zeros(1, 1, 5), 3, padding=2), ValueError,
     r"max_pool1d: padding should be at most half of the kernel size, got padding=2 and kernel_size=3"),
    (lambda: F.avg_pool1d(mg.zeros(5), 2), ValueError, r"avg_pool1d: expected a 2-D"),
    (lambda: F.avg_pool1d(mg.zeros(1, 1, 5), (2, 2)), TypeError, r"avg_pool1d: kernel_size must be an int or a 1"),
    (lambda: F.adaptive_avg_pool1d(mg.zeros(1, 1, 5), 0), ValueError,
     r"adaptive_avg_pool1d: output_size must be positive"),
    (lambda: F.adaptive_avg_pool1d(mg.zeros(1, 1, 5), None), TypeError, r"adaptive_avg_pool1d: output_size must be"),
    (lambda: F.adaptive_max_pool1d(mg.zeros(1, 2, 3, 5), 2), ValueError, r"adaptive_max_pool1d: expected a 2-D"),
    (lambda: F.adaptive_max_pool1d(mg.zeros(1, 2, 0), 2), ValueError, r"adaptive_max_pool1d: .*non-empty L"),
])
def test_errors(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


def test_ops_are_exported():
    for name in ("conv1d", "conv_transpose1d", "max_pool1d", "avg_pool1d", "adaptive_avg_pool1d",
                 "adaptive_max_pool1d"):
        assert getattr(F, name) is getattr(mg.ops, name)
