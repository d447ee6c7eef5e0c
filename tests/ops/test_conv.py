"""conv2d and conv_transpose2d: gradchecks over a grid of awkward configurations (overlapping windows,
padding, dilation, groups, output_padding, non-square kernels, batch 1), second derivatives, and the
adjoint test that says conv_transpose2d IS the transpose of conv2d."""
import numpy as np
import pytest

import minigan as mg
import minigan.nn.functional as F
from minigan.kernels import shapes

from helpers import check_grad, compare_with_torch, randn, tensors

# (N, C_in, H, W, C_out, (kh, kw), stride, padding, dilation, groups)
CONV_CASES = [
    (1, 1, 5, 5, 1, (3, 3), 1, 0, 1, 1),
    (2, 2, 5, 6, 3, (3, 2), 1, 1, 1, 1),
    (1, 2, 7, 6, 2, (3, 3), 2, 1, 1, 1),        # stride 2 < kernel 3: windows overlap
    (1, 1, 8, 7, 2, (4, 3), 3, 2, 1, 1),        # stride 3, padding 2, floor drops rows
    (2, 2, 7, 7, 2, (2, 3), (2, 1), (0, 2), 2, 1),  # dilation 2
    (1, 4, 5, 5, 2, (3, 3), 1, 1, 1, 2),        # groups 2
    (1, 2, 6, 7, 4, (1, 3), 2, (1, 0), (1, 2), 2),  # groups, dilation, non-square everything
    (1, 3, 4, 4, 2, (4, 4), 1, 0, 1, 1),        # kernel covers the whole input
]


def _conv_ids(c):
    return "N{}C{}_{}x{}_o{}_k{}_s{}_p{}_d{}_g{}".format(*c)


@pytest.mark.parametrize("case", CONV_CASES, ids=_conv_ids)
def test_conv2d_gradients(device, case):
    n, cin, h, w, cout, k, s, p, d, g = case
    x = randn(n, cin, h, w, seed=1)
    wt = randn(cout, cin // g, *k, seed=2)
    b = randn(cout, seed=3)
    check_grad(lambda x, w, b: F.conv2d(x, w, b, stride=s, padding=p, dilation=d, groups=g), x, wt, b,
               device=device)


# (N, C_in, H, W, C_out, (kh, kw), stride, padding, output_padding, dilation, groups)
CONVT_CASES = [
    (1, 1, 3, 3, 1, (3, 3), 1, 0, 0, 1, 1),
    (2, 2, 3, 4, 3, (3, 2), 2, 1, 1, 1, 1),      # stride 2, output_padding 1
    (1, 2, 2, 3, 2, (4, 3), 3, (2, 0), (2, 1), 1, 1),  # stride 3, output_padding 2
    (1, 2, 3, 3, 2, (2, 3), (1, 2), 1, (0, 1), 2, 1),  # dilation 2
    (1, 4, 3, 2, 2, (3, 3), 2, 0, 1, 1, 2),      # groups 2
    (1, 2, 3, 3, 4, (3, 1), 1, 0, 1, 2, 2),      # output_padding 1 allowed by dilation 2 with stride 1
]


def _convt_ids(c):
    return "N{}C{}_{}x{}_o{}_k{}_s{}_p{}_op{}_d{}_g{}".format(*c)


@pytest.mark.parametrize("case", CONVT_CASES, ids=_convt_ids)
def test_conv_transpose2d_gradients(device, case):
    n, cin, h, w, cout, k, s, p, op, d, g = case
    x = randn(n, cin, h, w, seed=4)
    wt = randn(cin, cout // g, *k, seed=5)
    b = randn(cout, seed=6)
    f = lambda x, w, b: F.conv_transpose2d(x, w, b, stride=s, padding=p, output_padding=op, groups=g,  # noqa: E731
                                           dilation=d)
    y = f(*tensors(device, x, wt, b, requires_grad=False))
    sp, pp, opp, dp = (shapes.pair(v) for v in (s, p, op, d))
    assert y.shape == (n, cout) + shapes.conv_transpose2d_output_size(h, w, k, sp, pp, opp, dp)
    check_grad(f, x, wt, b, device=device)


def test_conv2d_weight_gradient_function(device):
    x = randn(1, 2, 5, 5, seed=7)
    gy = randn(1, 3, 2, 2, seed=8)
    check_grad(lambda x, gy: F.conv2d_weight(x, gy, (3, 2, 3, 3), stride=2), x, gy, device=device)


# --------------------------------------------------------------------------- second derivatives
def test_conv2d_gradgradcheck(device):
    x = randn(1, 2, 5, 4, seed=9)
    w = randn(2, 1, 3, 2, seed=10)
    mg.gradgradcheck(lambda x, w: F.conv2d(x, w, stride=2, padding=1, groups=2), tensors(device, x, w),
                     mode="directional")
    mg.gradgradcheck(lambda x, w: F.conv2d(x, w, stride=(1, 2), dilation=(2, 1)), tensors(device, x, randn(3, 2, 2, 2)),
                     mode="directional")


def test_conv_transpose2d_gradgradcheck(device):
    x = randn(1, 2, 3, 3, seed=11)
    w = randn(2, 3, 3, 2, seed=12)
    mg.gradgradcheck(lambda x, w: F.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1),
                     tensors(device, x, w), mode="directional")


def test_conv2d_gradgradcheck_full_small(device):
    x = randn(1, 1, 4, 3, seed=13)
    w = randn(1, 1, 2, 2, seed=14)
    mg.gradgradcheck(lambda x, w: F.conv2d(x, w, stride=2, padding=1), tensors(device, x, w))


# --------------------------------------------------------------------------- the adjoint test
# (C_in, C_out, H, W, (kh, kw), stride, padding, dilation, groups): the conv2d input size is chosen so that
# its floor leaves `extra` rows/columns, which conv_transpose2d gets back through output_padding.
ADJOINT_CASES = [
    (2, 3, 5, 5, (3, 3), 1, 0, 1, 1),
    (2, 2, 6, 7, (3, 3), 2, 1, 1, 1),   # 6: extra 1 row; 7: extra 0
    (1, 2, 8, 9, (2, 3), 3, (1, 0), 1, 1),
    (4, 2, 7, 6, (3, 2), (2, 3), 1, (2, 1), 2),
    (2, 4, 9, 8, (3, 3), 2, 2, 2, 2),
]


@pytest.mark.parametrize("case", ADJOINT_CASES)
def test_conv_transpose2d_is_the_adjoint_of_conv2d(device, case):
    cin, cout, h, w, k, s, p, d, g = case
    s, p, d = shapes.pair(s), shapes.pair(p), shapes.pair(d)
    ho, wo = shapes.conv2d_output_size(h, w, k, s, p, d)
    op = shapes.conv2d_grad_input_output_padding((h, w), (ho, wo), k, s, p, d)
    weight = mg.tensor(randn(cout, cin // g, *k, seed=15), device=device)
    res = mg.check_adjoint(
        lambda x: F.conv2d(x, weight, stride=s, padding=p, dilation=d, groups=g),
        lambda y: F.conv_transpose2d(y, weight, stride=s, padding=p, output_padding=op, groups=g, dilation=d),
        (2, cin, h, w), (2, cout, ho, wo), device=device, as_tensor=True)
    assert res["rel_err"] < 1e-10


def test_adjoint_test_catches_a_flipped_kernel(device):
    weight = mg.tensor(randn(1, 1, 3, 3, seed=16), device=device)
    flipped = mg.tensor(randn(1, 1, 3, 3, seed=16)[:, :, ::-1, ::-1].copy(), device=device)
    with pytest.raises(AssertionError, match="not the transpose"):
        mg.check_adjoint(lambda x: F.conv2d(x, weight, padding=1),
                         lambda y: F.conv_transpose2d(y, flipped, padding=1),
                         (1, 1, 4, 4), (1, 1, 4, 4), device=device, as_tensor=True)


@pytest.mark.parametrize("impl", ["fast", "im2col"])
@pytest.mark.parametrize("fn, w_shape", [(F.conv2d, (4, 1, 4, 4)), (F.conv_transpose2d, (1, 4, 4, 4))],
                         ids=["conv2d", "conv_transpose2d"])
def test_a_plain_array_is_a_constant_input(fn, w_shape, impl):
    """An array given for x or the weight is a constant: the output and the other one's gradient are those of
    the same values given as a tensor that needs no gradient."""
    x, w = randn(2, 1, 7, 6, seed=20), randn(*w_shape, seed=21)
    for const in ("x", "weight"):
        def run(wrap):
            xt = wrap(x) if const == "x" else mg.tensor(x, requires_grad=True)
            wt = wrap(w) if const == "weight" else mg.tensor(w, requires_grad=True)
            y = fn(xt, wt, None, 2, 1, impl=impl)
            (y * y).sum().backward()
            return y.numpy(), (wt if const == "x" else xt).grad.numpy()
        for got, want in zip(run(lambda a: a), run(mg.tensor)):
            np.testing.assert_array_equal(got, want)


# --------------------------------------------------------------------------- errors
def test_conv2d_channel_mismatch_message():
    msg = r"conv2d: input has 3 channels but weight expects 1 \(weight shape \(64, 1, 4, 4\)\)"
    with pytest.raises(ValueError, match=msg):
        F.conv2d(mg.zeros(1, 3, 8, 8), mg.zeros(64, 1, 4, 4))


def test_conv_transpose2d_rejects_large_output_padding():
    with pytest.raises(ValueError, match="output_padding"):
        F.conv_transpose2d(mg.zeros(1, 1, 3, 3), mg.zeros(1, 1, 3, 3), stride=2, output_padding=2)


def test_conv2d_kernel_larger_than_input_message():
    with pytest.raises(ValueError, match="larger than the padded input"):
        F.conv2d(mg.zeros(1, 1, 2, 2), mg.zeros(1, 1, 3, 3))


@pytest.mark.parametrize("layer", ["conv2d", "conv_transpose2d"])
def test_bias_is_added_per_channel_with_second_derivatives(device, layer):
    """The bias op equals the broadcast add it stands for, on channels-last outputs too (what the CPU kernels
    produce), and differentiates twice (its recorded backward sums the gradient in minigan ops)."""
    x, b = randn(2, 3, 5, 4, seed=1), randn(4, seed=3)
    w = randn(4, 3, 3, 3, seed=2) if layer == "conv2d" else randn(3, 4, 3, 3, seed=2)
    conv = getattr(F, layer)
    tx, tw, tb = tensors(device, x, w, b)
    y = conv(tx, tw, tb, stride=2, padding=1)
    expected = conv(tx, tw, None, stride=2, padding=1) + tb.reshape(1, -1, 1, 1)
    assert y.shape == expected.shape
    assert float(abs(y - expected).max().item()) < 1e-12
    mg.gradgradcheck(lambda x, w, b: conv(x, w, b, stride=2, padding=1), tensors(device, x, w, b))


# --------------------------------------------------------------------------- padding="same" / "valid"
# (H, W, (kh, kw), dilation): odd and even kernels; an even kernel with an odd dilation needs an odd total
# of padding, whose extra row/column goes at the bottom/right.
SAME_CASES = [
    (5, 6, (3, 3), 1),
    (5, 6, (4, 2), 1),
    (6, 5, (4, 3), (1, 2)),
    (4, 7, (2, 3), (3, 2)),
    (3, 3, (4, 4), 1),       # kernel larger than the input
]


@pytest.mark.parametrize("case", SAME_CASES, ids=lambda c: "{}x{}_k{}_d{}".format(*c))
def test_conv2d_same_padding_keeps_the_size_and_gradchecks(device, case):
    h, w, k, d = case
    x, wt, b = randn(2, 2, h, w, seed=30), randn(3, 2, *k, seed=31), randn(3, seed=32)
    f = lambda x, w, b: F.conv2d(x, w, b, padding="same", dilation=d)  # noqa: E731
    assert f(*tensors(device, x, wt, b, requires_grad=False)).shape == (2, 3, h, w)
    check_grad(f, x, wt, b, device=device)
    mg.gradgradcheck(lambda x, w: F.conv2d(x, w, padding="same", dilation=d), tensors(device, x, wt),
                     mode="directional")


def test_conv2d_same_puts_the_extra_padding_at_the_bottom_right():
    x = np.zeros((1, 1, 5, 5))
    x[0, 0, 0, 0] = 1.0
    w = np.zeros((1, 1, 2, 2))
    w[0, 0, 0, 0] = 1.0
    y = F.conv2d(mg.tensor(x), mg.tensor(w), padding="same").numpy()
    np.testing.assert_array_equal(y, x)      # no padding on top or left: the tap at (0, 0) reads x itself
    assert shapes.conv_padding("same", (4, 2), (1, 1), (1, 3)) == ((1, 1), (1, 1))
    assert shapes.conv_padding("same", (3, 5), (1, 1), (2, 1)) == ((2, 2), (0, 0))


def test_conv2d_valid_padding_is_no_padding(device):
    x, wt = randn(1, 2, 5, 6, seed=33), randn(3, 2, 3, 2, seed=34)
    tx, tw = tensors(device, x, wt, requires_grad=False)
    np.testing.assert_array_equal(F.conv2d(tx, tw, padding="valid").numpy(), F.conv2d(tx, tw).numpy())
    check_grad(lambda x, w: F.conv2d(x, w, stride=2, padding="valid"), x, wt, device=device)


def test_conv2d_padding_string_errors():
    x, w = mg.zeros(1, 1, 5, 5), mg.zeros(1, 1, 3, 3)
    with pytest.raises(ValueError, match="conv2d: padding='same' is not supported for strided convolutions"):
        F.conv2d(x, w, stride=(1, 2), padding="same")
    with pytest.raises(ValueError, match="invalid padding string 'full'"):
        F.conv2d(x, w, padding="full")
    with pytest.raises(ValueError, match=r"conv2d: expected a 3-D \(C_in, H, W\) or 4-D \(N, C_in, H, W\) input, "
                                         r"got shape \(5, 5\)"):
        F.conv2d(mg.zeros(5, 5), w, padding="same")


@pytest.mark.filterwarnings("ignore:Using padding='same'")   # torch's note on the copy an odd total needs
@pytest.mark.parametrize("case", SAME_CASES, ids=lambda c: "{}x{}_k{}_d{}".format(*c))
@pytest.mark.parametrize("padding", ["same", "valid"])
def test_conv2d_padding_strings_match_torch(torch, case, padding):
    h, w, k, d = case
    if padding == "valid" and (k[0] - 1) * shapes.pair(d)[0] >= h:
        pytest.skip("the kernel does not fit without padding")
    arrays = randn(2, 2, h, w, seed=35), randn(3, 2, *k, seed=36), randn(3, seed=37)
    compare_with_torch(torch, lambda x, w, b: F.conv2d(x, w, b, padding=padding, dilation=d),
                       lambda x, w, b: torch.nn.functional.conv2d(x, w, b, padding=padding, dilation=d), arrays)
