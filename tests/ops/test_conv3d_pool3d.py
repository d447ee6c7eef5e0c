"""conv3d, conv_transpose3d, max_pool3d, avg_pool3d, adaptive_avg_pool3d and adaptive_max_pool3d: the 3-D ops
composed of the 2-D (and 1-D) ones. Gradchecks in float64 on awkward shapes; values, gradients, indices (ties and
NaNs included) and torch's output-size rule against PyTorch; the adjoint; second derivatives; the errors. The
convolutions' and the adaptive average pool's gradchecks and torch parity are on the tables shared with 1-D, in
test_conv_pool_1d_3d.py."""
import itertools

import numpy as np
import pytest

import minigan as mg
import minigan.nn.functional as F

from helpers import check_grad, compare_with_torch, distinct, equal_to_torch, randn, tensors

# --------------------------------------------------------------------------- conv3d
def test_conv3d_is_a_sum_of_conv2d_over_depth_taps():
    """The module's formula, one output slice at a time:
    y[:, :, d] = sum_j conv2d(x_pad[:, :, d s + j r], w[:, :, j])."""
    x, w = mg.tensor(randn(2, 3, 6, 5, 4, seed=4)), mg.tensor(randn(4, 3, 3, 2, 2, seed=5))
    y = F.conv3d(x, w, stride=(2, 1, 2), padding=(1, 1, 0), dilation=(2, 1, 1))
    x_pad = np.pad(x.numpy(), ((0, 0), (0, 0), (1, 1), (0, 0), (0, 0)))
    for d in range(y.shape[2]):
        expected = sum(F.conv2d(x_pad[:, :, 2 * d + 2 * j], w.numpy()[:, :, j], stride=(1, 2), padding=(1, 0)).numpy()
                       for j in range(3))
        np.testing.assert_allclose(y.numpy()[:, :, d], expected, atol=1e-12)


# --------------------------------------------------------------------------- conv_transpose3d
def test_conv_transpose3d_is_conv3d_adjoint(device):
    """<conv3d(x, w), y> == <x, conv_transpose3d(y, w)>: the same weight, the transposed map."""
    w = mg.tensor(randn(4, 2, 3, 2, 3, seed=7), device=device)
    mg.check_adjoint(lambda x: F.conv3d(x, w, stride=(2, 1, 2), padding=(1, 0, 1), dilation=(1, 2, 1)),
                     lambda y: F.conv_transpose3d(y, w, stride=(2, 1, 2), padding=(1, 0, 1), output_padding=(1, 0, 0),
                                                  dilation=(1, 2, 1)),
                     (2, 2, 6, 5, 5), (2, 4, 3, 3, 3), device=device, as_tensor=True)


@pytest.mark.parametrize("fn,shapes", [
    (lambda x, w: F.conv3d(x, w, stride=(2, 1, 1), padding=1, dilation=(2, 1, 1)).tanh(),
     [(1, 2, 5, 3, 3), (2, 2, 2, 2, 2)]),
    (lambda x, w: F.conv_transpose3d(x, w, stride=2, padding=1, output_padding=(1, 0, 1)).tanh(),
     [(1, 2, 2, 2, 2), (2, 1, 3, 2, 3)]),
], ids=["conv3d", "conv_transpose3d"])
def test_conv_second_derivatives(device, fn, shapes):
    mg.gradgradcheck(fn, tensors(device, *(randn(*s, seed=i) for i, s in enumerate(shapes))))


# --------------------------------------------------------------------------- max_pool3d, avg_pool3d
# (input shape, kernel, stride, padding, dilation, ceil_mode)
POOL_CASES = [
    ((2, 2, 5, 4, 5), 3, 2, 1, 1, False),                          # stride < kernel: overlapping boxes, padding
    ((1, 3, 6, 5, 4), 3, 2, 1, 1, True),                           # ceil_mode adds last, partial boxes
    ((2, 5, 4, 3), 2, None, 0, 1, True),                           # unbatched, stride = kernel, ceil_mode
    ((1, 1, 7, 5, 6), (3, 2, 2), (1, 2, 1), (1, 1, 0), (2, 1, 2), False),   # dilation: max only
    ((2, 1, 5, 3, 4), (4, 1, 3), [3, 1, 2], (2, 0, 1), 1, True),
]
POOL_IDS = ["k3s2p1", "ceil", "unbatched-ceil", "dilation", "anisotropic-ceil"]


def _max_pool(lib_f, case, return_indices=False):
    _, k, s, p, d, ceil = case
    return lambda x: lib_f.max_pool3d(x, k, s, p, d, ceil, return_indices)


def _avg_pool(lib_f, case, count_include_pad, divisor_override=None):
    _, k, s, p, _, ceil = case
    return lambda x: lib_f.avg_pool3d(x, k, s, p, ceil, count_include_pad, divisor_override)


@pytest.mark.parametrize("case", POOL_CASES, ids=POOL_IDS)
def test_max_pool3d_gradcheck(device, case):
    check_grad(_max_pool(F, case), distinct(*case[0], seed=1), device=device)


def _same_indices(torch, ours, theirs, x, device):
    y, indices = ours(tensors(device, x)[0])
    ty, t_indices = theirs(torch.tensor(x))
    assert indices.dtype == np.int64 and indices.shape == tuple(t_indices.shape)
    np.testing.assert_array_equal(indices.numpy(), t_indices.numpy())
    np.testing.assert_array_equal(y.numpy(), ty.numpy())


@pytest.mark.parametrize("case", POOL_CASES, ids=POOL_IDS)
def test_max_pool3d_matches_torch_with_indices(device, torch, case):
    x = distinct(*case[0], seed=2)
    compare_with_torch(torch, _max_pool(F, case), _max_pool(torch.nn.functional, case), [x], device=device)
    _same_indices(torch, _max_pool(F, case, True), _max_pool(torch.nn.functional, case, True), x, device)


@pytest.mark.parametrize("case", POOL_CASES, ids=POOL_IDS)
def test_max_pool3d_ties_and_nans_pick_torchs_winner(device, torch, case):
    """Ties go to the first maximum in (d, h, w) order; a box with NaNs gives NaN, named by its last NaN."""
    x = np.random.default_rng(3).integers(0, 3, case[0]).astype(np.float64)     # many ties
    _same_indices(torch, _max_pool(F, case, True), _max_pool(torch.nn.functional, case, True), x, device)
    x.reshape(-1)[::7] = np.nan
    _same_indices(torch, _max_pool(F, case, True), _max_pool(torch.nn.functional, case, True), x, device)


@pytest.mark.parametrize("count_include_pad", [True, False])
@pytest.mark.parametrize("case", [c for c in POOL_CASES if c[4] == 1],
                         ids=[i for i, c in zip(POOL_IDS, POOL_CASES) if c[4] == 1])
def test_avg_pool3d_gradcheck_and_torch(device, torch, case, count_include_pad):
    x = randn(*case[0], seed=3)
    check_grad(_avg_pool(F, case, count_include_pad), x, device=device)
    compare_with_torch(torch, _avg_pool(F, case, count_include_pad),
                       _avg_pool(torch.nn.functional, case, count_include_pad), [x], device=device)


@pytest.mark.parametrize("divisor", [5, -2])
@pytest.mark.parametrize("case", [POOL_CASES[1], POOL_CASES[4]], ids=["ceil", "anisotropic-ceil"])
def test_avg_pool3d_divisor_override(device, torch, case, divisor):
    x = randn(*case[0], seed=4)
    check_grad(_avg_pool(F, case, False, divisor), x, device=device)
    compare_with_torch(torch, _avg_pool(F, case, False, divisor), _avg_pool(torch.nn.functional, case, False, divisor),
                       [x], device=device)


def test_max_pool3d_overlapping_boxes_accumulate(device):
    # The 9 wins all eight 2 x 2 x 2 boxes of a 3 x 3 x 3 volume with stride 1: its gradient is their sum.
    x = np.zeros((1, 1, 3, 3, 3))
    x[0, 0, 1, 1, 1] = 9.0
    xt = tensors(device, x)[0]
    F.max_pool3d(xt, 2, 1).backward(mg.tensor(np.arange(1.0, 9.0).reshape(1, 1, 2, 2, 2), device=device))
    expected = np.zeros_like(x)
    expected[0, 0, 1, 1, 1] = 36
    np.testing.assert_array_equal(xt.grad.numpy(), expected)


def test_avg_pool3d_count_include_pad_values(device):
    x = tensors(device, np.ones((1, 1, 2, 2, 2)), requires_grad=False)[0]
    np.testing.assert_allclose(F.avg_pool3d(x, 2, 1, 1).numpy()[0, 0, :, 0, 0], [1 / 8, 1 / 4, 1 / 8])
    np.testing.assert_allclose(F.avg_pool3d(x, 2, 1, 1, count_include_pad=False).numpy(), np.ones((1, 1, 3, 3, 3)))


@pytest.mark.parametrize("fn,shape", [
    (lambda x: F.max_pool3d(x, (2, 3, 2), (1, 2, 2), 1, ceil_mode=True).tanh(), (1, 2, 3, 5, 4)),
    (lambda x: F.avg_pool3d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False).tanh(), (1, 2, 4, 5, 4)),
    (lambda x: F.adaptive_max_pool3d(x, (2, 3, 2)).tanh(), (1, 2, 3, 4, 5)),
    (lambda x: F.adaptive_avg_pool3d(x, (2, 3, 2)).tanh(), (2, 1, 3, 4, 5)),
], ids=["max_pool3d", "avg_pool3d", "adaptive_max_pool3d", "adaptive_avg_pool3d"])
def test_pool_second_derivatives(device, fn, shape):
    mg.gradgradcheck(fn, tensors(device, distinct(*shape, seed=5)))


# --------------------------------------------------------------------------- adaptive pooling
# (input shape, output_size): overlapping windows (5 -> 3), the identity, more outputs than inputs, None keeping a
# size, unbatched
ADAPTIVE_CASES = [((2, 2, 5, 4, 6), (3, 2, 4)), ((1, 2, 3, 3, 3), 3), ((1, 1, 2, 3, 2), (4, None, 3)),
                  ((2, 7, 4, 5), [3, 4, None])]
ADAPTIVE_IDS = ["5x4x6-to-3x2x4", "identity", "more-outputs-None", "unbatched"]


@pytest.mark.parametrize("shape,size", ADAPTIVE_CASES, ids=ADAPTIVE_IDS)
def test_adaptive_max_pool3d(device, torch, shape, size):
    x = distinct(*shape, seed=5)
    check_grad(lambda t: F.adaptive_max_pool3d(t, size), x, device=device)
    compare_with_torch(torch, lambda t: F.adaptive_max_pool3d(t, size),
                       lambda t: torch.nn.functional.adaptive_max_pool3d(t, size), [x], device=device)
    ours = lambda t: F.adaptive_max_pool3d(t, size, True)                      # noqa: E731
    theirs = lambda t: torch.nn.functional.adaptive_max_pool3d(t, size, True)  # noqa: E731
    _same_indices(torch, ours, theirs, x, device)
    ties = np.random.default_rng(6).integers(0, 3, shape).astype(np.float64)
    _same_indices(torch, ours, theirs, ties, device)
    ties.reshape(-1)[::5] = np.nan
    _same_indices(torch, ours, theirs, ties, device)


# --------------------------------------------------------------------------- torch's output-size rule
GRID = list(itertools.product((1, 2, 5), (1, 2, 3), (1, 2, 3), (0, 1, 2), (1, 2)))   # n, k, s, p, d


@pytest.mark.parametrize("isotropic", [False, True], ids=["depth", "all-dims"])
def test_conv3d_output_size_rule(torch, isotropic):
    """Along depth with height and width fixed (the depth is this module's arithmetic), and along all three."""
    ran = 0
    for n, k, s, p, d in GRID:
        x_shape, kernel = ((1, 2, n, n, n), (k, k, k)) if isotropic else ((1, 2, n, 3, 4), (k, 2, 3))
        args = (s, p, d) if isotropic else ((s, 1, 2), (p, 1, 0), (d, 1, 1))
        x, w = randn(*x_shape, seed=n), randn(3, 2, *kernel, seed=k)
        ran += equal_to_torch(torch, lambda a, b: F.conv3d(a, b, None, *args),
                              lambda a, b: torch.nn.functional.conv3d(a, b, None, *args), x, w)
    assert ran > len(GRID) // 3


@pytest.mark.parametrize("isotropic", [False, True], ids=["depth", "all-dims"])
def test_conv_transpose3d_output_size_rule(torch, isotropic):
    ran = 0
    for (n, k, s, p, d), o in itertools.product(GRID, (0, 1)):
        x_shape, kernel = ((1, 2, n, n, n), (k, k, k)) if isotropic else ((1, 2, n, 3, 2), (k, 2, 3))
        stride, padding, output_padding, dilation = ((s, p, o, d) if isotropic else
                                                     ((s, 1, 2), (p, 0, 1), (o, 0, 1), (d, 1, 1)))
        x, w = randn(*x_shape, seed=n), randn(2, 3, *kernel, seed=k)
        ran += equal_to_torch(torch, lambda a, b: F.conv_transpose3d(a, b, None, stride, padding, output_padding, 1,
                                                                     dilation),
                              lambda a, b: torch.nn.functional.conv_transpose3d(a, b, None, stride, padding,
                                                                                output_padding, 1, dilation), x, w)
    assert ran > len(GRID) // 3


@pytest.mark.parametrize("ceil_mode", [False, True])
def test_pool3d_output_size_rule(torch, ceil_mode):
    ran = 0
    for n, k, s, p, d in GRID:
        x = distinct(1, 2, n, 4, 3, seed=n)
        kernel, stride, padding, dilation = (k, 2, 1), (s, 1, 2), (p, 1, 0), (d, 1, 1)
        ran += equal_to_torch(torch, lambda a: F.max_pool3d(a, kernel, stride, padding, dilation, ceil_mode),
                              lambda a: torch.nn.functional.max_pool3d(a, kernel, stride, padding, dilation,
                                                                       ceil_mode), x)
        if d == 1:
            ran += equal_to_torch(torch, lambda a: F.avg_pool3d(a, kernel, stride, padding, ceil_mode),
                                  lambda a: torch.nn.functional.avg_pool3d(a, kernel, stride, padding, ceil_mode), x)
    assert ran > len(GRID) // 3


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize("call,error,pattern", [
    (lambda: F.conv3d(mg.zeros(2, 5, 5), mg.zeros(2, 2, 3, 3, 3)), ValueError,
     r"conv3d: expected a 4-D \(C_in, D, H, W\) or 5-D \(N, C_in, D, H, W\) input, got shape \(2, 5, 5\)"),
    (lambda: F.conv3d(mg.zeros(1, 1, 5, 5, 5), mg.zeros(2, 1, 3, 3)), ValueError,
     r"conv3d: expected a 5-D weight \(C_out, C_in/groups, kd, kh, kw\), got shape \(2, 1, 3, 3\)"),
    (lambda: F.conv3d(mg.zeros(1, 3, 5, 5, 5), mg.zeros(2, 2, 3, 3, 3)), ValueError,
     r"conv3d: input has 3 channels but weight expects 2"),
    (lambda: F.conv3d(mg.zeros(1, 4, 5, 5, 5), mg.zeros(3, 2, 3, 3, 3), groups=2), ValueError,
     r"conv3d: groups=2 must divide both the input channels \(4\) and the output channels \(3\)"),
    (lambda: F.conv3d(mg.zeros(1, 1, 2, 5, 5), mg.zeros(2, 1, 3, 3, 3)), ValueError,
     r"conv3d: the kernel \(3 x 3 x 3\) is larger than the padded input \(2 x 5 x 5\)"),
    (lambda: F.conv3d(mg.zeros(1, 1, 5, 5, 5), mg.zeros(2, 1, 3, 3, 3), mg.zeros(3)), ValueError,
     r"conv3d: bias must have shape \(2,\), got \(3,\)"),
    (lambda: F.conv3d(mg.zeros(1, 1, 5, 5, 5), mg.zeros(2, 1, 3, 3, 3), stride=(1, 2, 1), padding="same"),
     ValueError, r"conv3d: padding='same' is not supported for strided convolutions \(stride \(1, 2, 1\)\)"),
    (lambda: F.conv3d(mg.zeros(1, 1, 5, 5, 5), mg.zeros(2, 1, 3, 3, 3), padding="full"), ValueError,
     r"conv3d: invalid padding string 'full'"),
    (lambda: F.conv3d(mg.zeros(1, 1, 5, 5, 5), mg.zeros(2, 1, 3, 3, 3), stride=(1, 1)), TypeError,
     r"conv3d: stride must be an int or a 3-tuple of ints, got \(1, 1\)"),
    (lambda: F.conv3d(mg.zeros(1, 1, 5, 5, 5), mg.zeros(2, 1, 3, 3, 3), padding=-1), ValueError,
     r"conv3d: padding must be non-negative"),
    (lambda: F.conv3d(mg.zeros(1, 1, 5, 5, 5), mg.zeros(2, 1, 3, 3, 3), stride=(0, 1, 1)), ValueError,
     r"conv3d: stride must be positive"),
    (lambda: F.conv_transpose3d(mg.zeros(1, 2, 3, 3, 3), mg.zeros(2, 1, 3, 3, 3), stride=2, output_padding=(0, 2, 0)),
     ValueError, r"conv_transpose3d: output_padding must be smaller than either stride or dilation, got "
                 r"output_padding=\(0, 2, 0\), stride=\(2, 2, 2\), dilation=\(1, 1, 1\) \(axis H\)"),
    (lambda: F.conv_transpose3d(mg.zeros(1, 3, 3, 3, 3), mg.zeros(2, 1, 3, 3, 3)), ValueError,
     r"conv_transpose3d: input has 3 channels but weight expects 2"),
    (lambda: F.conv_transpose3d(mg.zeros(1, 2, 1, 3, 3), mg.zeros(2, 1, 1, 3, 3), padding=(1, 0, 0)), ValueError,
     r"conv_transpose3d: output size \(-1 x 5 x 5\) is too small"),
    (lambda: F.conv_transpose3d(mg.zeros(1, 2, 3, 3, 3), mg.zeros(2, 1, 3, 3, 3), mg.zeros(2)), ValueError,
     r"conv_transpose3d: bias must have shape \(1,\), got \(2,\)"),
    (lambda: F.conv_transpose3d(mg.zeros(1, 2, 3, 3, 3), mg.zeros(2, 1, 3, 3, 3), padding="same"), TypeError,
     r"conv_transpose3d: padding must be an int or a 3-tuple"),
    (lambda: F.max_pool3d(mg.zeros(1, 1, 1, 4, 4, 4), 2), ValueError,
     r"max_pool3d: expected a 4-D \(C, D, H, W\) or 5-D \(N, C, D, H, W\) input, got shape \(1, 1, 1, 4, 4, 4\)"),
    (lambda: F.max_pool3d(mg.zeros(1, 1, 5, 5, 5), 3, padding=(2, 1, 1)), ValueError,
     r"max_pool3d: padding should be at most half of the kernel size, got padding=\(2, 1, 1\) and "
     r"kernel_size=\(3, 3, 3\)"),
    (lambda: F.max_pool3d(mg.zeros(1, 1, 2, 5, 5), 3), ValueError,
     r"max_pool3d: the window \(3 x 3 x 3\) is larger than the padded input \(2 x 5 x 5\)"),
    (lambda: F.max_pool3d(mg.zeros(1, 1, 5, 5, 5), (2, 2)), TypeError,
     r"max_pool3d: kernel_size must be an int or a 3-tuple of ints"),
    (lambda: F.avg_pool3d(mg.zeros(5, 5, 5), 2), ValueError, r"avg_pool3d: expected a 4-D"),
    (lambda: F.avg_pool3d(mg.zeros(1, 1, 4, 4, 4), 2, divisor_override=0), ValueError,
     r"avg_pool3d: divisor_override must be a nonzero int, got 0"),
    (lambda: F.avg_pool3d(mg.zeros(1, 1, 4, 4, 4), 0), ValueError, r"avg_pool3d: kernel_size must be positive"),
    (lambda: F.avg_pool3d(mg.zeros(1, 1, 1, 4, 4), 2, padding=1), ValueError,    # torch's check, not max_pool3d's
     r"avg_pool3d: the input \(1 x 4 x 4\) is smaller than the kernel \(2 x 2 x 2\) along a dim"),
    (lambda: F.adaptive_avg_pool3d(mg.zeros(1, 1, 5, 5, 5), (2, 0, 2)), ValueError,
     r"adaptive_avg_pool3d: output_size must be positive"),
    (lambda: F.adaptive_avg_pool3d(mg.zeros(1, 1, 5, 5, 5), (2, 2)), TypeError,
     r"adaptive_avg_pool3d: output_size must be an int or a 3-tuple of ints or None, got \(2, 2\)"),
    (lambda: F.adaptive_avg_pool3d(mg.zeros(1, 1, 5, 5, 5), None), TypeError, r"adaptive_avg_pool3d: output_size"),
    (lambda: F.adaptive_max_pool3d(mg.zeros(2, 3, 5), 2), ValueError, r"adaptive_max_pool3d: expected a 4-D"),
    (lambda: F.adaptive_max_pool3d(mg.zeros(1, 2, 0, 3, 3), 2), ValueError,
     r"adaptive_max_pool3d: expected an input with non-empty D, H and W"),
    (lambda: F.adaptive_max_pool3d(mg.tensor(np.zeros((1, 2, 3, 3, 3), dtype=np.int64)), 2), TypeError,
     r"adaptive_max_pool3d: needs a floating-point input"),
])
def test_errors(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


def test_plain_arrays_are_constant_tensors(torch):
    x, w, b = randn(1, 2, 3, 3, 3, seed=8), randn(2, 2, 2, 2, 2, seed=9), randn(2, seed=10)
    t = [torch.tensor(a) for a in (x, w, b)]
    np.testing.assert_allclose(F.conv3d(x, w, b, padding=1).numpy(),
                               torch.nn.functional.conv3d(*t, padding=1).numpy(), atol=1e-12)
    np.testing.assert_allclose(F.conv_transpose3d(x, w, b, 2, 1, 1).numpy(),
                               torch.nn.functional.conv_transpose3d(*t, 2, 1, 1).numpy(), atol=1e-12)
    np.testing.assert_allclose(F.max_pool3d(x, 2, 1).numpy(), torch.nn.functional.max_pool3d(t[0], 2, 1).numpy())


def test_ops_are_exported():
    for name in ("conv3d", "conv_transpose3d", "max_pool3d", "avg_pool3d", "adaptive_avg_pool3d",
                 "adaptive_max_pool3d"):
        assert getattr(F, name) is getattr(mg.ops, name)
