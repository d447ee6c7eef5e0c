"""The kernels held against each other and against PyTorch, in float64, on awkward configurations.

naive (loops that read like the formulas) = im2col (portable array code) = torch.nn.functional, for the
forward and both gradients; plus the adjoint (dot-product) identities that make conv2d's input gradient
the transposed convolution. Windows overlap in most cases (stride < kernel), so a `=` where `+=`
belongs cannot pass.
"""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from minigan import backend
from minigan.kernels import fast, im2col, naive, shapes

IMPLS = [naive, im2col]
POOL_IMPLS = [naive, im2col, fast]           # fast has max pooling of its own

# (N, C_in, C_out, (H, W), kernel, stride, padding, dilation, groups)
CONV_CASES = [
    (1, 1, 1, (5, 5), (3, 3), (1, 1), (0, 0), (1, 1), 1),
    (2, 3, 4, (7, 6), (3, 2), (1, 1), (1, 0), (1, 1), 1),    # non-square kernel and input
    (2, 2, 3, (9, 7), (4, 4), (2, 2), (1, 1), (1, 1), 1),    # DCGAN's k4 s2 p1, odd size
    (1, 4, 6, (8, 9), (3, 3), (2, 3), (2, 1), (1, 1), 2),    # groups, mixed strides
    (2, 3, 2, (9, 9), (3, 3), (1, 2), (2, 2), (2, 2), 1),    # dilation with padding
    (1, 4, 4, (7, 10), (2, 3), (3, 1), (0, 2), (2, 1), 2),
    (2, 4, 2, (6, 6), (5, 5), (1, 1), (2, 2), (1, 1), 2),    # kernel larger than the stride: heavy overlap
    (1, 2, 2, (3, 4), (3, 4), (1, 1), (0, 0), (1, 1), 1),    # kernel exactly the input: 1x1 output
    (3, 1, 2, (10, 5), (1, 1), (3, 2), (0, 0), (1, 1), 1),   # 1x1 kernel, windows with gaps
    (1, 3, 3, (11, 8), (3, 2), (3, 2), (1, 1), (2, 2), 3),   # depthwise
]

# (N, C_in, C_out, (H, W), kernel, stride, padding, output_padding, dilation, groups)
CONVT_CASES = [
    (1, 1, 1, (3, 3), (3, 3), (2, 2), (0, 0), (0, 0), (1, 1), 1),
    (2, 3, 2, (4, 5), (4, 4), (2, 2), (1, 1), (0, 1), (1, 1), 1),   # DCGAN up-sampling, output_padding
    (1, 4, 6, (3, 4), (3, 2), (3, 2), (2, 1), (1, 1), (1, 1), 2),
    (2, 2, 4, (5, 3), (3, 3), (1, 2), (0, 1), (1, 0), (2, 1), 2),   # output_padding < dilation, stride 1
    (1, 2, 3, (2, 2), (3, 3), (2, 2), (2, 2), (1, 1), (1, 1), 1),   # padding eats into the stamp
    (1, 3, 3, (5, 4), (2, 2), (1, 1), (0, 0), (0, 0), (1, 1), 3),
]


def _conv_ids(cases):
    return [f"N{c[0]}-C{c[1]}to{c[2]}-{c[3][0]}x{c[3][1]}-k{c[4]}-s{c[5]}-p{c[6]}-" + "-".join(map(str, c[7:]))
            for c in cases]


def _conv_arrays(rng, case):
    n, c_in, c_out, (h, w), k, s, p, d, g = case
    x = rng.standard_normal((n, c_in, h, w))
    wt = rng.standard_normal((c_out, c_in // g) + k)
    out = shapes.check_conv2d(x.shape, wt.shape, s, p, d, g)
    gy = rng.standard_normal(out)
    return x, wt, gy, (s, p, d, g)


def _convt_arrays(rng, case):
    n, c_in, c_out, (h, w), k, s, p, op, d, g = case
    x = rng.standard_normal((n, c_in, h, w))
    wt = rng.standard_normal((c_in, c_out // g) + k)
    out = shapes.check_conv_transpose2d(x.shape, wt.shape, s, p, op, d, g)
    gy = rng.standard_normal(out)
    return x, wt, gy, (s, p, op, d, g)


def _vdot(a, b):
    return float(np.sum(np.asarray(a) * np.asarray(b)))


# --------------------------------------------------------------------------- conv2d
@pytest.mark.parametrize("case", CONV_CASES, ids=_conv_ids(CONV_CASES))
def test_conv2d_naive_equals_im2col(rng, case):
    x, w, gy, (s, p, d, g) = _conv_arrays(rng, case)
    y = [k.conv2d(x, w, s, p, d, g) for k in IMPLS]
    gx = [k.conv2d_grad_input(gy, w, x.shape, s, p, d, g) for k in IMPLS]
    gw = [k.conv2d_grad_weight(x, gy, w.shape, s, p, d, g) for k in IMPLS]
    assert y[1].shape == gy.shape and gx[1].shape == x.shape and gw[1].shape == w.shape
    np.testing.assert_allclose(y[0], y[1], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gx[0], gx[1], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gw[0], gw[1], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("case", CONV_CASES, ids=_conv_ids(CONV_CASES))
def test_conv2d_matches_torch(rng, torch, case):
    x, w, gy, (s, p, d, g) = _conv_arrays(rng, case)
    tx = torch.tensor(x, requires_grad=True)
    tw = torch.tensor(w, requires_grad=True)
    ty = torch.nn.functional.conv2d(tx, tw, None, s, p, d, g)
    ty.backward(torch.tensor(gy))
    for k in IMPLS:
        np.testing.assert_allclose(k.conv2d(x, w, s, p, d, g), ty.detach().numpy(), rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(k.conv2d_grad_input(gy, w, x.shape, s, p, d, g), tx.grad.numpy(),
                                   rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(k.conv2d_grad_weight(x, gy, w.shape, s, p, d, g), tw.grad.numpy(),
                                   rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("impl", IMPLS, ids=lambda m: m.__name__.rsplit(".", 1)[1])
@pytest.mark.parametrize("case", CONV_CASES, ids=_conv_ids(CONV_CASES))
def test_conv2d_adjoint_identities(rng, impl, case):
    """<conv2d(x, w), y> = <x, grad_input(y, w)> = <w, grad_weight(x, y)>: both gradients are adjoints."""
    x, w, gy, (s, p, d, g) = _conv_arrays(rng, case)
    lhs = _vdot(impl.conv2d(x, w, s, p, d, g), gy)
    assert lhs == pytest.approx(_vdot(x, impl.conv2d_grad_input(gy, w, x.shape, s, p, d, g)), rel=1e-10)
    assert lhs == pytest.approx(_vdot(w, impl.conv2d_grad_weight(x, gy, w.shape, s, p, d, g)), rel=1e-10)


# --------------------------------------------------------------------------- conv_transpose2d
@pytest.mark.parametrize("case", CONVT_CASES, ids=_conv_ids(CONVT_CASES))
def test_conv_transpose2d_naive_equals_im2col_and_torch(rng, case, request):
    x, w, gy, (s, p, op, d, g) = _convt_arrays(rng, case)
    ys = [k.conv_transpose2d(x, w, s, p, op, d, g) for k in IMPLS]
    assert ys[1].shape == gy.shape
    np.testing.assert_allclose(ys[0], ys[1], rtol=1e-12, atol=1e-12)
    torch = request.getfixturevalue("torch")
    tx = torch.tensor(x, requires_grad=True)
    tw = torch.tensor(w, requires_grad=True)
    ty = torch.nn.functional.conv_transpose2d(tx, tw, None, s, p, op, g, d)
    ty.backward(torch.tensor(gy))
    h, w_ = x.shape[2:]
    for k, y in zip(IMPLS, ys):
        np.testing.assert_allclose(y, ty.detach().numpy(), rtol=1e-10, atol=1e-10)
        # The lesson in two lines: the transpose's input gradient is conv2d (cropped to the input, which
        # matters only when output_padding >= stride), its weight gradient is conv2d's with x and gy swapped.
        np.testing.assert_allclose(k.conv2d(gy, w, s, p, d, g)[:, :, :h, :w_], tx.grad.numpy(),
                                   rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(k.conv2d_grad_weight(gy, x, w.shape, s, p, d, g), tw.grad.numpy(),
                                   rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("impl", IMPLS, ids=lambda m: m.__name__.rsplit(".", 1)[1])
@pytest.mark.parametrize("case", CONVT_CASES, ids=_conv_ids(CONVT_CASES))
def test_conv_transpose2d_is_the_adjoint_of_conv2d(rng, impl, case):
    """<conv_transpose2d(x, w), y> = <x, conv2d(y, w)> with the same weight."""
    x, w, gy, (s, p, op, d, g) = _convt_arrays(rng, case)
    h, w_ = x.shape[2:]
    lhs = _vdot(impl.conv_transpose2d(x, w, s, p, op, d, g), gy)
    assert lhs == pytest.approx(_vdot(x, impl.conv2d(gy, w, s, p, d, g)[:, :, :h, :w_]), rel=1e-10)


def test_grad_input_is_conv_transpose2d_with_the_recovering_output_padding(rng):
    x, w, gy, (s, p, d, g) = _conv_arrays(rng, CONV_CASES[2])
    op = shapes.conv2d_grad_input_output_padding(x.shape[2:], gy.shape[2:], w.shape[2:], s, p, d)
    assert op == (1, 1)   # 9x7 -> 4x3 with k4 s2 p1: both odd sizes lost a row to the floor
    for k in IMPLS:
        np.testing.assert_array_equal(k.conv2d_grad_input(gy, w, x.shape, s, p, d, g),
                                      k.conv_transpose2d(gy, w, s, p, op, d, g))


# --------------------------------------------------------------------------- im2col / col2im
IM2COL_CASES = [((2, 3, 7, 6), (3, 2), (2, 1), (1, 1), (1, 2)),
                ((1, 2, 5, 8), (4, 4), (2, 2), (1, 2), (1, 1)),
                ((1, 1, 6, 6), (2, 2), (3, 3), (0, 0), (2, 2))]


@pytest.mark.parametrize("x_shape,k,s,p,d", IM2COL_CASES)
def test_im2col_col2im_agree_and_are_adjoint(rng, x_shape, k, s, p, d):
    x = rng.standard_normal(x_shape)
    cols = [m.im2col(x, k, s, p, d) for m in IMPLS]
    h_out, w_out = shapes.conv2d_output_size(*x_shape[2:], k, s, p, d)
    assert cols[1].shape == (x_shape[0], x_shape[1] * k[0] * k[1], h_out * w_out)
    np.testing.assert_array_equal(cols[0], cols[1])
    c = rng.standard_normal(cols[1].shape)
    back = [m.col2im(c, x_shape, k, s, p, d) for m in IMPLS]
    np.testing.assert_allclose(back[0], back[1], rtol=1e-12, atol=1e-12)
    assert _vdot(cols[1], c) == pytest.approx(_vdot(x, back[1]), rel=1e-12)


def test_col2im_sums_overlapping_windows():
    """3x3 windows at stride 1 over a 4x4 image: the centre pixels sit in 4 windows, corners in 1."""
    cols = np.ones((1, 9, 4))
    for m in IMPLS:
        counts = m.col2im(cols, (1, 1, 4, 4), (3, 3), (1, 1), (0, 0), (1, 1))[0, 0]
        np.testing.assert_array_equal(counts, [[1, 2, 2, 1], [2, 4, 4, 2], [2, 4, 4, 2], [1, 2, 2, 1]])


# --------------------------------------------------------------------------- pooling
# (x_shape, kernel, stride, padding, dilation)
POOL_CASES = [((2, 3, 7, 7), (2, 2), (2, 2), (0, 0), (1, 1)),
              ((1, 2, 8, 9), (3, 3), (2, 2), (1, 1), (1, 1)),    # overlapping windows with padding
              ((2, 1, 9, 6), (3, 2), (1, 2), (1, 1), (2, 1)),    # dilation, non-square
              ((1, 2, 5, 5), (4, 4), (1, 1), (2, 2), (1, 1))]


@pytest.mark.parametrize("x_shape,k,s,p,d", POOL_CASES)
def test_max_pool2d_matches_naive_and_torch(rng, x_shape, k, s, p, d, request):
    x = rng.integers(-3, 4, size=x_shape).astype(np.float64)   # small integers: ties everywhere
    outs = [m.max_pool2d(x, k, s, p, d) for m in POOL_IMPLS]
    for y, arg in outs[1:]:
        np.testing.assert_array_equal(outs[0][0], y)
        np.testing.assert_array_equal(outs[0][1], arg)
        assert arg.dtype == np.int64
    gy = rng.standard_normal(outs[1][0].shape)
    gxs = [m.max_pool2d_backward(gy, outs[1][1], x_shape, k, s, p, d) for m in POOL_IMPLS]
    for gx in gxs[1:]:
        np.testing.assert_allclose(gxs[0], gx, rtol=1e-12, atol=1e-12)
    torch = request.getfixturevalue("torch")
    tx = torch.tensor(x, requires_grad=True)
    ty, ti = torch.nn.functional.max_pool2d(tx, k, s, p, d, return_indices=True)
    ty.backward(torch.tensor(gy))
    np.testing.assert_array_equal(outs[1][0], ty.detach().numpy())
    np.testing.assert_array_equal(outs[1][1], ti.numpy())
    np.testing.assert_allclose(gxs[1], tx.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_max_pool2d_ties_pick_the_first_in_row_major_order():
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 1, 0] = x[0, 0, 0, 1] = 5.0      # both in the first 2x2 window; (0, 1) comes first
    for m in POOL_IMPLS:
        y, arg = m.max_pool2d(x, (2, 2), (2, 2), (0, 0), (1, 1))
        assert arg[0, 0, 0, 0] == 1 and y[0, 0, 0, 0] == 5.0
        assert arg[0, 0, 1, 1] == 2 * 4 + 2   # an all-zero window: its first element
        gx = m.max_pool2d_backward(np.ones_like(y), arg, x.shape, (2, 2), (2, 2), (0, 0), (1, 1))
        assert gx[0, 0, 0, 1] == 1.0 and gx[0, 0, 1, 0] == 0.0


def test_max_pool2d_propagates_nan_like_torch(request):
    x = np.arange(32, dtype=np.float64).reshape(1, 2, 4, 4)
    x[0, 0, 0, 1] = np.nan                   # a NaN after a number in its window
    x[0, 1, 2, 2] = x[0, 1, 3, 3] = np.nan   # two NaNs in one window: PyTorch names the last
    outs = [m.max_pool2d(x, (2, 2), (2, 2), (0, 0), (1, 1)) for m in POOL_IMPLS]
    for y, arg in outs:
        assert np.isnan(y[0, 0, 0, 0]) and arg[0, 0, 0, 0] == 1
        assert np.isnan(y[0, 1, 1, 1]) and arg[0, 1, 1, 1] == 3 * 4 + 3
        assert y[0, 0, 1, 1] == 15.0
    torch = request.getfixturevalue("torch")
    ty, ti = torch.nn.functional.max_pool2d(torch.tensor(x), 2, 2, return_indices=True)
    for y, arg in outs:
        np.testing.assert_array_equal(y, ty.numpy())
        np.testing.assert_array_equal(arg, ti.numpy())


@pytest.mark.parametrize("x_shape,k,s,p,d", [c for c in POOL_CASES if c[3] != (0, 0)])
def test_max_pool2d_windows_of_minus_infinity_name_a_pixel_inside_the_image(x_shape, k, s, p, d, request):
    """The padding is -inf too, but it must not win: such a window names its first pixel inside the image,
    as PyTorch does, and its gradient reaches that pixel."""
    x = np.full(x_shape, -np.inf)
    x[..., -1, -1] = 1.0
    outs = [m.max_pool2d(x, k, s, p, d) for m in POOL_IMPLS]
    for y, arg in outs:
        assert ((arg >= 0) & (arg < x_shape[2] * x_shape[3])).all()
        np.testing.assert_array_equal(arg, outs[0][1])
        np.testing.assert_array_equal(y, outs[0][0])
    torch = request.getfixturevalue("torch")
    ty, ti = torch.nn.functional.max_pool2d(torch.tensor(x), k, s, p, d, return_indices=True)
    np.testing.assert_array_equal(outs[0][1], ti.numpy())


def test_max_pool2d_backward_sends_an_infinite_gradient_only_to_the_winner():
    x = np.arange(16, dtype=np.float64).reshape(1, 1, 4, 4)
    for m in POOL_IMPLS:
        y, arg = m.max_pool2d(x, (2, 2), (2, 2), (0, 0), (1, 1))
        gy = np.ones_like(y)
        gy[0, 0, 0, 0] = np.inf
        gx = m.max_pool2d_backward(gy, arg, x.shape, (2, 2), (2, 2), (0, 0), (1, 1))
        assert gx[0, 0, 1, 1] == np.inf, m.__name__
        assert not np.isnan(gx).any(), m.__name__
        assert gx.sum() == np.inf and (gx == 0).sum() == 12


@pytest.mark.parametrize("count_include_pad", [True, False])
@pytest.mark.parametrize("x_shape,k,s,p", [c[:4] for c in POOL_CASES])
def test_avg_pool2d_matches_naive_and_torch(rng, x_shape, k, s, p, count_include_pad, request):
    x = rng.standard_normal(x_shape)
    ys = [m.avg_pool2d(x, k, s, p, count_include_pad) for m in IMPLS]
    np.testing.assert_allclose(ys[0], ys[1], rtol=1e-12, atol=1e-12)
    gy = rng.standard_normal(ys[1].shape)
    gxs = [m.avg_pool2d_backward(gy, x_shape, k, s, p, count_include_pad) for m in IMPLS]
    np.testing.assert_allclose(gxs[0], gxs[1], rtol=1e-12, atol=1e-12)
    assert _vdot(ys[1], gy) == pytest.approx(_vdot(x, gxs[1]), rel=1e-10)   # backward is the adjoint
    torch = request.getfixturevalue("torch")
    tx = torch.tensor(x, requires_grad=True)
    ty = torch.nn.functional.avg_pool2d(tx, k, s, p, count_include_pad=count_include_pad)
    ty.backward(torch.tensor(gy))
    np.testing.assert_allclose(ys[1], ty.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gxs[1], tx.grad.numpy(), rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------- dtype, batching, devices
def test_im2col_keeps_float32_and_splits_large_batches_exactly(rng, monkeypatch):
    x, w, gy, (s, p, d, g) = _conv_arrays(rng, CONV_CASES[3])
    x = np.concatenate([x] * 5).astype(np.float32)
    gy = np.concatenate([gy] * 5).astype(np.float32)
    w = w.astype(np.float32)
    whole = (im2col.conv2d(x, w, s, p, d, g), im2col.conv2d_grad_input(gy, w, x.shape, s, p, d, g),
             im2col.conv2d_grad_weight(x, gy, w.shape, s, p, d, g))
    monkeypatch.setattr(im2col, "CPU_CHUNK_BYTES", 1)   # one sample per slice
    sliced = (im2col.conv2d(x, w, s, p, d, g), im2col.conv2d_grad_input(gy, w, x.shape, s, p, d, g),
              im2col.conv2d_grad_weight(x, gy, w.shape, s, p, d, g))
    for a, b in zip(whole, sliced):
        assert a.dtype == np.float32 and b.dtype == np.float32
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    ref = naive.conv2d(x.astype(np.float64), w.astype(np.float64), s, p, d, g)
    np.testing.assert_allclose(sliced[0], ref, rtol=1e-4, atol=1e-4)


def test_im2col_kernels_run_on_every_device(rng, device):
    x, w, gy, (s, p, d, g) = _conv_arrays(rng, CONV_CASES[3])
    dev = {name: backend.to_device(a, device) for name, a in dict(x=x, w=w, gy=gy).items()}
    results = [
        (im2col.conv2d(dev["x"], dev["w"], s, p, d, g), naive.conv2d(x, w, s, p, d, g)),
        (im2col.conv2d_grad_input(dev["gy"], dev["w"], x.shape, s, p, d, g),
         naive.conv2d_grad_input(gy, w, x.shape, s, p, d, g)),
        (im2col.conv2d_grad_weight(dev["x"], dev["gy"], w.shape, s, p, d, g),
         naive.conv2d_grad_weight(x, gy, w.shape, s, p, d, g)),
        (im2col.conv_transpose2d(dev["gy"], dev["w"], s, p, (1, 0), d, g),
         naive.conv_transpose2d(gy, w, s, p, (1, 0), d, g)),
        (im2col.max_pool2d(dev["x"], (3, 3), (2, 2), (1, 1), (1, 1))[1],
         naive.max_pool2d(x, (3, 3), (2, 2), (1, 1), (1, 1))[1]),
        (im2col.avg_pool2d(dev["x"], (3, 3), (2, 2), (1, 1), False),
         naive.avg_pool2d(x, (3, 3), (2, 2), (1, 1), False)),
    ]
    for got, want in results:
        assert backend.device_of(got) == device
        np.testing.assert_allclose(backend.to_numpy(got), want, rtol=1e-10, atol=1e-10)


# --------------------------------------------------------------------------- random shapes
@st.composite
def conv_configs(draw):
    g = draw(st.sampled_from([1, 2]))
    c_in, c_out = g * draw(st.integers(1, 2)), g * draw(st.integers(1, 2))
    k = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    d = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    p = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    span = [dd * (kk - 1) + 1 for kk, dd in zip(k, d)]
    h = draw(st.integers(max(1, span[0] - 2 * p[0]), 9))
    w = draw(st.integers(max(1, span[1] - 2 * p[1]), 9))
    return draw(st.integers(1, 2)), c_in, c_out, (h, w), k, s, p, d, g


@settings(max_examples=25, deadline=None)
@given(case=conv_configs(), seed=st.integers(0, 2**16))
def test_random_conv2d_shapes(case, seed):
    x, w, gy, (s, p, d, g) = _conv_arrays(np.random.default_rng(seed), case)
    y = im2col.conv2d(x, w, s, p, d, g)
    np.testing.assert_allclose(y, naive.conv2d(x, w, s, p, d, g), rtol=1e-12, atol=1e-12)
    gx = im2col.conv2d_grad_input(gy, w, x.shape, s, p, d, g)
    np.testing.assert_allclose(gx, naive.conv2d_grad_input(gy, w, x.shape, s, p, d, g), rtol=1e-12, atol=1e-12)
    assert _vdot(y, gy) == pytest.approx(_vdot(x, gx), rel=1e-10, abs=1e-10)
