"""unfold and fold (im2col and col2im): values by hand, each the other's transpose, gradients on awkward
shapes, PyTorch parity, the identity "unfold + matmul == conv2d", argument checks and the layers."""
import numpy as np
import pytest

import minigan as mg
import minigan.nn.functional as F
from minigan import nn
from minigan.kernels.shapes import conv2d_output_size, pair

from helpers import check_grad, compare_with_torch, randn, tensors

# (N, C, H, W, kernel_size, dilation, padding, stride): torch's positional order after the input
CASES = [
    (1, 1, 5, 5, 3, 1, 0, 1),                   # stride 1 < kernel: every inner pixel in 9 windows
    (2, 3, 7, 6, (3, 2), 1, 1, (2, 1)),         # odd sizes, padding, stride 2 < kernel 3 in H
    (1, 2, 7, 8, 3, (1, 2), 1, 2),              # dilation in W only
    (2, 1, 6, 5, 2, 2, (0, 1), 1),              # dilation 2 with a 2-tap kernel: windows interleave
    (1, 2, 4, 4, 2, 1, 0, 2),                   # stride == kernel: the windows tile the image
    (1, 1, 3, 4, (1, 3), 1, 2, (3, 1)),         # padding larger than half the kernel, as unfold allows
]


def _ids(c):
    return "N{}C{}_{}x{}_k{}_d{}_p{}_s{}".format(*c)


def _out_hw(case):
    _, _, h, w, k, d, p, s = case
    k, d, p, s = (pair(v) for v in (k, d, p, s))
    return conv2d_output_size(h, w, k, s, p, d)


def _cols_shape(case):
    n, c, _, _, k, *_ = case
    kh, kw = pair(k)
    oh, ow = _out_hw(case)
    return (n, c * kh * kw, oh * ow)


def test_unfold_values_by_hand(device):
    """A 3x3 image in 2x2 windows: four windows, each a column of its four pixels in row-major order."""
    x = tensors(device, np.arange(9.0).reshape(1, 1, 3, 3), requires_grad=False)[0]
    cols = F.unfold(x, 2).numpy()
    np.testing.assert_array_equal(cols[0], [[0, 1, 3, 4],      # tap (0, 0) of windows (0,0) (0,1) (1,0) (1,1)
                                            [1, 2, 4, 5],      # tap (0, 1)
                                            [3, 4, 6, 7],      # tap (1, 0)
                                            [4, 5, 7, 8]])     # tap (1, 1)
    # padding 1: 4 x 4 windows; the corner ones hold one pixel and three zeros of padding
    padded = F.unfold(x + 1, 2, padding=1).numpy()
    assert padded.shape == (1, 4, 16)
    np.testing.assert_array_equal(padded[0, :, 0], [0, 0, 0, 1])
    np.testing.assert_array_equal(padded[0, :, 5], [1, 2, 4, 5])
    np.testing.assert_array_equal(padded[0, :, 15], [9, 0, 0, 0])


def test_fold_sums_overlapping_windows(device):
    """fold(unfold(ones)) counts how many windows hold each pixel; tiling windows give the image back."""
    ones = tensors(device, np.ones((1, 1, 3, 4)), requires_grad=False)[0]
    counts = F.fold(F.unfold(ones, 2), (3, 4), 2).numpy()[0, 0]
    np.testing.assert_array_equal(counts, [[1, 2, 2, 1], [2, 4, 4, 2], [1, 2, 2, 1]])
    x = tensors(device, randn(2, 3, 4, 6, seed=1), requires_grad=False)[0]
    np.testing.assert_array_equal(F.fold(F.unfold(x, (2, 3), stride=(2, 3)), (4, 6), (2, 3), stride=(2, 3)).numpy(),
                                  x.numpy())


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_fold_is_the_transpose_of_unfold(device, case):
    n, c, h, w, k, d, p, s = case
    report = mg.check_adjoint(lambda x: F.unfold(x, k, d, p, s), lambda y: F.fold(y, (h, w), k, d, p, s),
                              (n, c, h, w), _cols_shape(case), device=device, as_tensor=True)
    assert report["rel_err"] < 1e-12


def test_check_adjoint_catches_a_fold_that_is_not_the_transpose(device):
    """The dot-product test has teeth: a fold that reads the taps in column-major order is not the transpose."""
    swapped = np.array([0, 2, 1, 3])              # taps (0, 1) and (1, 0) exchanged
    with pytest.raises(AssertionError, match="AT is not the transpose of A"):
        mg.check_adjoint(lambda x: F.unfold(x, 2), lambda y: F.fold(y[:, swapped], (3, 3), 2),
                         (1, 1, 3, 3), (1, 4, 4), device=device, as_tensor=True)


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_unfold_gradients(device, case):
    n, c, h, w, k, d, p, s = case
    check_grad(lambda x: F.unfold(x, k, d, p, s), randn(n, c, h, w, seed=2), device=device)


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_fold_gradients(device, case):
    _, _, h, w, k, d, p, s = case
    check_grad(lambda cols: F.fold(cols, (h, w), k, d, p, s), randn(*_cols_shape(case), seed=3), device=device)


def test_second_derivatives(device):
    """Each backward is the other op, recorded: gradgradcheck differentiates it (squared, so it is not linear)."""
    mg.gradgradcheck(lambda x: F.unfold(x, 3, 1, 1, 2) ** 2, tensors(device, randn(1, 2, 5, 4, seed=4)))
    mg.gradgradcheck(lambda c: F.fold(c, (4, 5), (2, 3), 1, 0, 1) ** 2, tensors(device, randn(1, 12, 9, seed=5)))


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_unfold_and_fold_match_torch(device, torch, case):
    n, c, h, w, k, d, p, s = case
    compare_with_torch(torch, lambda x: F.unfold(x, k, d, p, s), lambda x: torch.nn.functional.unfold(x, k, d, p, s),
                       [randn(n, c, h, w, seed=6)], device=device)
    compare_with_torch(torch, lambda y: F.fold(y, (h, w), k, d, p, s),
                       lambda y: torch.nn.functional.fold(y, (h, w), k, d, p, s),
                       [randn(*_cols_shape(case), seed=7)], device=device)


def test_unbatched_inputs_match_torch(device, torch):
    compare_with_torch(torch, lambda x: F.unfold(x, 2, padding=1),
                       lambda x: torch.nn.functional.unfold(x, 2, padding=1), [randn(3, 4, 5, seed=8)], device=device)
    compare_with_torch(torch, lambda y: F.fold(y, (4, 5), 2), lambda y: torch.nn.functional.fold(y, (4, 5), 2),
                       [randn(8, 12, seed=9)], device=device)


# (N, C_in, H, W, C_out, kernel, stride, padding, dilation)
CONV_CASES = [
    (2, 3, 7, 6, 4, 3, 2, 1, 1),
    (1, 2, 8, 7, 3, (2, 3), 1, (1, 0), (2, 1)),
    (3, 1, 5, 5, 2, 1, 1, 0, 1),
]


@pytest.mark.parametrize("case", CONV_CASES, ids=lambda c: "N{}Ci{}_{}x{}_Co{}_k{}_s{}_p{}_d{}".format(*c))
def test_unfold_then_matmul_is_conv2d(device, case):
    """conv2d(x, w) == (w.view(C_out, -1) @ unfold(x, k)).view(N, C_out, H_out, W_out), and so are the gradients."""
    n, c_in, h, w, c_out, k, s, p, d = case
    kh, kw = pair(k)
    x, wt = tensors(device, randn(n, c_in, h, w, seed=10), randn(c_out, c_in, kh, kw, seed=11))
    ref = F.conv2d(x, wt, None, s, p, d)
    y = (wt.view(c_out, -1) @ F.unfold(x, k, d, p, s)).view(*ref.shape)
    np.testing.assert_allclose(y.numpy(), ref.numpy(), atol=1e-12, rtol=1e-12)
    v = mg.tensor(randn(*ref.shape, seed=12), device=device)
    gx, gw = mg.grad(y, [x, wt], v)
    gx_ref, gw_ref = mg.grad(ref, [x, wt], v)
    np.testing.assert_allclose(gx.numpy(), gx_ref.numpy(), atol=1e-12, rtol=1e-12)
    np.testing.assert_allclose(gw.numpy(), gw_ref.numpy(), atol=1e-12, rtol=1e-12)


def test_every_kernel_implementation_unfolds_alike(device):
    """impl= picks another kernel of the same contract; the columns and the folds agree."""
    x = tensors(device, randn(2, 2, 5, 6, seed=13), requires_grad=False)[0]
    ref = F.unfold(x, 3, 2, 1, 1)
    for impl in ("naive", "im2col", "fast"):
        np.testing.assert_allclose(F.unfold(x, 3, 2, 1, 1, impl=impl).numpy(), ref.numpy(), err_msg=impl)
        np.testing.assert_allclose(F.fold(ref, (5, 6), 3, 2, 1, 1, impl=impl).numpy(),
                                   F.fold(ref, (5, 6), 3, 2, 1, 1).numpy(), err_msg=impl)


def test_fold_checks_the_number_of_windows():
    cols = mg.zeros(2, 12, 19)
    with pytest.raises(ValueError, match=r"fold: output_size=\(5, 6\) with kernel_size=\(2, 2\).* has 4 x 5 = 20 "
                                         r"windows, so expected the input's last dim \(L\) to be that, got 19"):
        F.fold(cols, (5, 6), 2)
    with pytest.raises(ValueError, match=r"fold: expected the input's dim 1 \(C\*kh\*kw\) to be divisible by the "
                                         r"kernel's 2 x 2 = 4 taps, got 11"):
        F.fold(mg.zeros(2, 11, 20), (5, 6), 2)
    with pytest.raises(ValueError, match=r"fold: output_size=\(1, 1\).* has 0 x 0 = 0 windows.*got 20"):
        F.fold(mg.zeros(2, 12, 20), (1, 1), 2)
    with pytest.raises(ValueError, match=r"fold: expected a 2-D \(C\*kh\*kw, L\) or 3-D \(N, C\*kh\*kw, L\) input, "
                                         r"got shape \(2, 3, 4, 5\)"):
        F.fold(mg.zeros(2, 3, 4, 5), (5, 6), 2)


def test_unfold_checks_its_arguments():
    x = mg.zeros(2, 3, 5, 6)
    with pytest.raises(ValueError, match=r"unfold: the input's spatial size \(5, 6\) with kernel_size=\(7, 7\).* "
                                         r"leaves -1 x 0 windows; expected at least one in each dim"):
        F.unfold(x, 7)
    with pytest.raises(ValueError, match=r"unfold: expected stride positive, got \(0, 1\)"):
        F.unfold(x, 2, stride=(0, 1))
    with pytest.raises(ValueError, match=r"unfold: expected padding non-negative, got \(-1, -1\)"):
        F.unfold(x, 2, padding=-1)
    with pytest.raises(ValueError, match=r"unfold: expected kernel_size positive, got \(0, 0\)"):
        F.unfold(x, 0)
    with pytest.raises(ValueError, match=r"unfold: expected a 3-D \(C, H, W\) or 4-D \(N, C, H, W\) input, "
                                         r"got shape \(5, 6\)"):
        F.unfold(mg.zeros(5, 6), 2)
    with pytest.raises(TypeError, match=r"fold: dilation must be an int or a pair of ints, got 1.5"):
        F.fold(mg.zeros(1, 4, 4), 3, 2, dilation=1.5)


LAYER_ARGS = [   # (Unfold's arguments, Fold's output_size); the same build torch's layers
    ((2,), (4, 5)),
    (((2, 3), 2, 1, (1, 2)), (6, 5)),
    ((3, 1, 0, 2), 7),
]


@pytest.mark.parametrize("args,size", LAYER_ARGS, ids=str)
def test_layers_match_torch(device, torch, args, size):
    compare_with_torch(torch, nn.Unfold(*args), torch.nn.Unfold(*args), [randn(2, 3, 7, 7, seed=14)], device=device)
    h, w = pair(size)
    n_cols = torch.nn.Unfold(*args)(torch.zeros(1, 3, h, w)).shape
    compare_with_torch(torch, nn.Fold(size, *args), torch.nn.Fold(size, *args), [randn(2, *n_cols[1:], seed=15)],
                       device=device)
    assert repr(nn.Unfold(*args)) == repr(torch.nn.Unfold(*args))
    assert repr(nn.Fold(size, *args)) == repr(torch.nn.Fold(size, *args))


def test_layer_reprs():
    assert repr(nn.Unfold((2, 3), stride=2)) == "Unfold(kernel_size=(2, 3), dilation=1, padding=0, stride=2)"
    assert repr(nn.Fold(4, 2, padding=1)) == "Fold(output_size=4, kernel_size=2, dilation=1, padding=1, stride=1)"
