"""The ``fast`` kernels held against the naive loops, the portable im2col path and PyTorch, in float64.

fast = im2col = naive for the forward and both gradients, on the awkward grid of the kernel tests plus
the shapes where fast takes a shortcut (a kernel as large as its input, a 1x1 input), the shapes where
its "assign the first s x s taps" col2im tiling is uneven (odd sizes, output_padding, k not a multiple
of s), and batches larger than one of its batch slices. Each comparison runs twice: with every layer sent
down the channels-last path and with every layer sent down the channels-first path kept for thin layers
(whatever their channel counts, so both paths see every awkward shape). The ops are gradchecked (and gradgradchecked)
with ``impl="fast"``, and the fused batch norm and leaky ReLU it is timed with are checked here too.
"""
import numpy as np
import pytest

import minigan as mg
import minigan.nn.functional as F
from minigan import backend, kernels
from minigan.kernels import fast, fast_col2im, im2col, naive, shapes
from helpers import check_grad, compare_with_torch, randn, tensors

from .test_naive_vs_im2col import CONV_CASES, CONVT_CASES, _conv_arrays, _conv_ids, _convt_arrays

# (N, C_in, C_out, (H, W), kernel, stride, padding, dilation, groups)
FAST_CONV_CASES = CONV_CASES + [
    (3, 2, 3, (4, 5), (4, 5), (2, 1), (0, 0), (1, 1), 1),    # whole-image kernel: a fully connected layer
    (2, 3, 4, (7, 7), (4, 4), (2, 2), (1, 1), (1, 1), 1),    # odd size with k4 s2 p1 (the floor drops a row)
    (1, 2, 2, (6, 5), (3, 3), (3, 3), (1, 1), (1, 1), 2),    # k = s: windows touch but do not overlap
]

# (N, C_in, C_out, (H, W), kernel, stride, padding, output_padding, dilation, groups)
FAST_CONVT_CASES = CONVT_CASES + [
    (3, 4, 2, (1, 1), (3, 4), (1, 1), (0, 0), (0, 0), (1, 1), 1),   # 1x1 input: one stamp per sample
    (2, 4, 2, (1, 1), (4, 4), (2, 2), (1, 1), (0, 0), (1, 1), 1),   # 1x1 input with padding
    (5, 1, 3, (1, 1), (3, 4), (1, 1), (0, 0), (0, 0), (1, 1), 1),   # 1x1 input, one channel: an outer product
    (6, 2, 3, (1, 1), (4, 4), (2, 2), (1, 1), (0, 0), (1, 1), 1),   # ... the weight moved channels last, cropped
    (2, 3, 2, (5, 3), (3, 3), (2, 2), (0, 1), (1, 1), (1, 1), 1),   # k = 3, s = 2: uneven taps per phase
    (1, 2, 3, (4, 4), (5, 4), (3, 2), (1, 0), (2, 1), (1, 1), 1),   # k not a multiple of s, output_padding
    (2, 2, 2, (3, 3), (2, 2), (3, 3), (0, 0), (0, 0), (1, 1), 1),   # k < s: gaps between stamps
]


# --------------------------------------------------------------------------- kernels
@pytest.fixture(params=["channels_last", "channels_first"])
def layout(request, monkeypatch):
    """Send every convolution down one of fast's two paths, whatever its channel counts."""
    monkeypatch.setattr(fast, "THIN_CHANNELS", -1 if request.param == "channels_last" else 1 << 30)
    return request.param


def test_the_thin_switch_picks_channels_first_only_for_few_channels():
    assert fast._thin(1) and fast._thin(3) and not fast._thin(64)


@pytest.mark.parametrize("case", FAST_CONV_CASES, ids=_conv_ids(FAST_CONV_CASES))
def test_conv2d_fast_equals_naive_and_im2col(rng, case, layout):
    x, w, gy, (s, p, d, g) = _conv_arrays(rng, case)
    for ref in (naive, im2col):
        np.testing.assert_allclose(fast.conv2d(x, w, s, p, d, g), ref.conv2d(x, w, s, p, d, g),
                                   rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(fast.conv2d_grad_input(gy, w, x.shape, s, p, d, g),
                                   ref.conv2d_grad_input(gy, w, x.shape, s, p, d, g), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(fast.conv2d_grad_weight(x, gy, w.shape, s, p, d, g),
                                   ref.conv2d_grad_weight(x, gy, w.shape, s, p, d, g), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("case", FAST_CONVT_CASES, ids=_conv_ids(FAST_CONVT_CASES))
def test_conv_transpose2d_fast_equals_naive_and_im2col(rng, case, layout):
    x, w, gy, (s, p, op, d, g) = _convt_arrays(rng, case)
    y = fast.conv_transpose2d(x, w, s, p, op, d, g)
    assert y.shape == gy.shape
    for ref in (naive, im2col):
        np.testing.assert_allclose(y, ref.conv_transpose2d(x, w, s, p, op, d, g), rtol=1e-12, atol=1e-12)
    # its weight gradient is conv2d_grad_weight with input and output gradient swapped
    np.testing.assert_allclose(fast.conv2d_grad_weight(gy, x, w.shape, s, p, d, g),
                               naive.conv2d_grad_weight(gy, x, w.shape, s, p, d, g), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("case", FAST_CONVT_CASES, ids=_conv_ids(FAST_CONVT_CASES))
def test_conv_transpose2d_fast_matches_torch(rng, torch, case, layout):
    x, w, gy, (s, p, op, d, g) = _convt_arrays(rng, case)
    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    ty = torch.nn.functional.conv_transpose2d(tx, tw, None, s, p, op, g, d)
    ty.backward(torch.tensor(gy))
    np.testing.assert_allclose(fast.conv_transpose2d(x, w, s, p, op, d, g), ty.detach().numpy(), atol=1e-10)
    h_out, w_out = shapes.conv2d_output_size(gy.shape[2], gy.shape[3], w.shape[2:], s, p, d)
    if (h_out, w_out) == x.shape[2:]:       # the usual case: the adjoint conv2d has x's size exactly
        np.testing.assert_allclose(fast.conv2d(gy, w, s, p, d, g), tx.grad.numpy(), atol=1e-10)
        np.testing.assert_allclose(fast.conv2d_grad_weight(gy, x, w.shape, s, p, d, g), tw.grad.numpy(),
                                   atol=1e-10)
        for ours, theirs in zip(fast.conv_transpose2d_backward(gy, x, w, s, p, d, g), (tx.grad, tw.grad)):
            np.testing.assert_allclose(ours, theirs.numpy(), atol=1e-10)      # both at once, as the op takes them


def _stored_channels_last(a):
    """The same values as ``a (N, C, H, W)``, stored channels last (as fast's outputs are)."""
    return np.ascontiguousarray(a.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)


@pytest.mark.parametrize("stored", ["contiguous", "stored_channels_last"])
@pytest.mark.parametrize("case", FAST_CONVT_CASES, ids=_conv_ids(FAST_CONVT_CASES))
def test_conv_transpose2d_backward_equals_its_two_kernels(rng, case, layout, stored):
    """Both gradients in one call (gy unfolded once for both) = the naive input gradient conv2d(gy, w) and weight
    gradient conv2d_grad_weight(gy, x), with either path and either layout of the arrays; where conv2d(gy, w) is
    larger than x (output_padding >= stride), the call refuses, naming both shapes."""
    x, w, gy, (s, p, op, d, g) = _convt_arrays(rng, case)
    if stored != "contiguous":
        x, gy = _stored_channels_last(x), _stored_channels_last(gy)
    if shapes.check_conv2d(gy.shape, w.shape, s, p, d, g) != x.shape:
        with pytest.raises(ValueError, match=r"conv_transpose2d_backward: x should have .* got"):
            fast.conv_transpose2d_backward(gy, x, w, s, p, d, g)
        return
    gx, gw = fast.conv_transpose2d_backward(gy, x, w, s, p, d, g)
    np.testing.assert_allclose(gx, naive.conv2d(gy, w, s, p, d, g), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gw, naive.conv2d_grad_weight(gy, x, w.shape, s, p, d, g), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("stored", ["contiguous", "stored_channels_last"])
@pytest.mark.parametrize("case", FAST_CONV_CASES, ids=_conv_ids(FAST_CONV_CASES))
def test_conv2d_keeping_columns_gives_conv2d_and_columns_for_its_weight_gradient(rng, case, layout, stored):
    """conv2d_keeping_columns gives conv2d's very output. It keeps x's columns only down the thin path without
    groups (and not for a whole-image kernel, which has none); conv2d_grad_weight given them gives the same
    bits as unfolding x again, for gy in either layout, and refuses columns made for another call, naming both."""
    x, w, gy, (s, p, d, g) = _conv_arrays(rng, case)
    if stored != "contiguous":
        x = _stored_channels_last(x)
    y, columns = fast.conv2d_keeping_columns(x, w, s, p, d, g)
    np.testing.assert_array_equal(y, fast.conv2d(x, w, s, p, d, g))
    kept = layout == "channels_first" and g == 1 and not fast._whole_image(x.shape[2:], w.shape[2:], p, d, g)
    assert (columns is not None) == kept
    want = naive.conv2d_grad_weight(x, gy, w.shape, s, p, d, g)
    for gy_stored in (gy, _stored_channels_last(gy)):
        gw = fast.conv2d_grad_weight(x, gy_stored, w.shape, s, p, d, g, columns=columns)
        np.testing.assert_array_equal(gw, fast.conv2d_grad_weight(x, gy_stored, w.shape, s, p, d, g))
        np.testing.assert_allclose(gw, want, rtol=1e-12, atol=1e-12)
    if kept:
        x2, gy2 = np.concatenate([x, x]), np.concatenate([gy, gy])
        with pytest.raises(ValueError, match=r"conv2d_grad_weight: the columns were made for .*, not "):
            fast.conv2d_grad_weight(x2, gy2, w.shape, s, p, d, g, columns=columns)


def test_conv2d_keeps_columns_only_within_one_slice(rng, monkeypatch):
    """A discriminator's first layer keeps its columns; once they outgrow CPU_CHUNK_BYTES they are not kept."""
    x, w = rng.standard_normal((4, 1, 28, 28)), rng.standard_normal((8, 1, 4, 4))
    args = (2, 2), (1, 1), (1, 1), 1
    _, columns = fast.conv2d_keeping_columns(x, w, *args)
    assert columns.cols.shape == (16, 4 * 14 * 14) and columns.made_for[:2] == (x.shape, w.shape)
    monkeypatch.setattr(fast, "CPU_CHUNK_BYTES", 16 * 4 * 14 * 14 * 8 - 1)
    y, columns = fast.conv2d_keeping_columns(x, w, *args)
    assert columns is None
    np.testing.assert_allclose(y, naive.conv2d(x, w, *args), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("c_in, kernel, rows", [(1, 3, 12), (3, 3, 28), (1, 1, 1), (2, 2, 8), (1, 4, 16)])
def test_thin_columns_take_zero_rows_up_to_a_block_of_four(rng, c_in, kernel, rows):
    """A thin input's columns get zero rows up to a multiple of COLUMN_ROW_BLOCK (9 taps -> 12, 27 -> 28; one tap
    stays one), for the weight gradient's product; the gradient takes only the real rows' results, in both
    layouts of gy, and the input's gradient through the same unfold (a transposed convolution's backward) too."""
    x, w = rng.standard_normal((3, c_in, 9, 8)), rng.standard_normal((5, c_in, kernel, kernel))
    args = (2, 2), (1, 1), (1, 1), 1
    y, columns = fast.conv2d_keeping_columns(x, w, *args)
    k = c_in * kernel * kernel
    assert columns.cols.shape == (rows, 3 * y.shape[2] * y.shape[3])
    np.testing.assert_array_equal(columns.cols[k:], 0)
    gy = rng.standard_normal(y.shape)
    want = naive.conv2d_grad_weight(x, gy, w.shape, *args)
    for gy_stored in (gy, _stored_channels_last(gy)):
        for cols in (columns, None):
            np.testing.assert_allclose(fast.conv2d_grad_weight(x, gy_stored, w.shape, *args, columns=cols), want,
                                       rtol=1e-12, atol=1e-12)
    # conv_transpose2d's backward unfolds its output gradient (c_in channels) and multiplies x (5 channels)
    wt = rng.standard_normal((5, c_in, kernel, kernel))
    gx, gw = fast.conv_transpose2d_backward(x, _stored_channels_last(gy), wt, *args)
    np.testing.assert_allclose(gx, naive.conv2d(x, wt, *args), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gw, naive.conv2d_grad_weight(x, gy, wt.shape, *args), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("impl", [naive, im2col, fast], ids=["naive", "im2col", "fast"])
@pytest.mark.parametrize("case", FAST_CONV_CASES, ids=_conv_ids(FAST_CONV_CASES))
def test_conv2d_takes_channels_last_arrays(rng, case, impl, layout):
    """fast's outputs are stored channels last and become the next layer's input and gradient: every
    implementation gives the same results for them (and for a weight that is a strided view)."""
    x, w, gy, (s, p, d, g) = _conv_arrays(rng, case)
    xl, gyl, wl = _stored_channels_last(x), _stored_channels_last(gy), _stored_channels_last(w)
    np.testing.assert_allclose(impl.conv2d(xl, wl, s, p, d, g), naive.conv2d(x, w, s, p, d, g), atol=1e-12)
    np.testing.assert_allclose(impl.conv2d_grad_input(gyl, wl, x.shape, s, p, d, g),
                               naive.conv2d_grad_input(gy, w, x.shape, s, p, d, g), atol=1e-12)
    np.testing.assert_allclose(impl.conv2d_grad_weight(xl, gyl, w.shape, s, p, d, g),
                               naive.conv2d_grad_weight(x, gy, w.shape, s, p, d, g), atol=1e-12)


@pytest.mark.parametrize("case", FAST_CONVT_CASES, ids=_conv_ids(FAST_CONVT_CASES))
def test_conv_transpose2d_takes_channels_last_arrays(rng, case, layout):
    x, w, gy, (s, p, op, d, g) = _convt_arrays(rng, case)
    np.testing.assert_allclose(fast.conv_transpose2d(_stored_channels_last(x), _stored_channels_last(w), s, p, op,
                                                     d, g),
                               naive.conv_transpose2d(x, w, s, p, op, d, g), atol=1e-12)


def test_outputs_are_stored_channels_last_except_for_thin_layers_with_groups(rng):
    """What the layout rules promise: conv2d and conv_transpose2d hand back channels-last arrays, so the
    next layer's transposing copy is a plain one (thin grouped layers keep channels first)."""
    x = rng.standard_normal((2, 16, 9, 7))
    for groups in (1, 2):
        y = fast.conv2d(x, rng.standard_normal((12, 16 // groups, 4, 4)), (2, 2), (1, 1), (1, 1), groups)
        assert fast._channels_last(y) and not y.flags.c_contiguous
        y = fast.conv_transpose2d(x, rng.standard_normal((16, 12 // groups, 4, 4)), (2, 2), (1, 1), (0, 0),
                                  (1, 1), groups)
        assert fast._channels_last(y) and not y.flags.c_contiguous
    thin_in = fast.conv2d(x[:, :1], rng.standard_normal((5, 1, 3, 3)), (1, 1), (0, 0), (1, 1), 1)
    assert fast._channels_last(thin_in) and not thin_in.flags.c_contiguous
    thin_grouped = fast.conv2d(x[:, :4], rng.standard_normal((6, 2, 3, 3)), (1, 1), (0, 0), (1, 1), 2)
    assert thin_grouped.flags.c_contiguous


# (N, C_in, C_out, (H, W), kernel, stride, padding, output_padding, dilation, groups): output sizes that the
# stride divides, where the stamps are summed phase by phase and interleaved into the output (_fold_phases)
BLOCKWISE_CONVT_CASES = [
    (2, 3, 4, (7, 7), (4, 4), (2, 2), (1, 1), (0, 0), (1, 1), 1),   # DCGAN's k4 s2 p1 on an odd size: 7 -> 14
    (1, 2, 3, (5, 4), (4, 4), (2, 2), (0, 0), (0, 0), (1, 1), 1),   # no padding: stamps reach past block 0
    (2, 2, 2, (3, 5), (4, 6), (2, 3), (3, 3), (0, 0), (1, 1), 1),   # padding > stride: whole groups cut off
    (1, 3, 2, (4, 3), (3, 3), (2, 2), (1, 1), (1, 1), (1, 1), 1),   # k3 s2: groups of 1 and 2 taps, output_padding
    (2, 4, 4, (3, 3), (2, 2), (2, 2), (0, 0), (0, 0), (1, 1), 2),   # k = s, with groups
    (1, 2, 2, (3, 4), (2, 2), (4, 4), (1, 1), (0, 0), (1, 1), 1),   # k < s: gaps, no group fills a block (zeroed)
    (2, 3, 2, (4, 4), (4, 3), (2, 1), (1, 1), (0, 0), (1, 1), 1),   # stride 2 x 1
]


@pytest.mark.parametrize("case", BLOCKWISE_CONVT_CASES, ids=_conv_ids(BLOCKWISE_CONVT_CASES))
def test_stamps_added_block_by_block_equal_naive(rng, case, layout):
    """Both paths add blocks: the channels-last one over runs of channels (_fold_phases), the thin one over
    whole stamp planes (_fold_planes) where the phases fit the input's grid, tap by tap (_fold) where not."""
    x, w, gy, (s, p, op, d, g) = _convt_arrays(rng, case)
    assert fast_col2im._blockwise(gy.shape[2:], s, d)           # the case really takes the blockwise col2im
    for a in (x, _stored_channels_last(x)):
        np.testing.assert_allclose(fast.conv_transpose2d(a, w, s, p, op, d, g),
                                   naive.conv_transpose2d(x, w, s, p, op, d, g), rtol=1e-12, atol=1e-12)
    # conv2d's input gradient goes the same way when the stride divides the input size
    np.testing.assert_allclose(fast.conv2d_grad_input(x, w, gy.shape, s, p, d, g),
                               naive.conv2d_grad_input(x, w, gy.shape, s, p, d, g), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("k, s, p, hw, out_hw", [
    (4, 2, 1, (7, 5), (14, 10)),      # DCGAN's: taps 1, 2 land each pixel on its own block, summed in place
    (3, 2, 1, (4, 3), (8, 6)),        # k3 s2 p1 + output_padding 1: tap 2 alone reaches row 1 of the block
    (2, 4, 1, (3, 4), (8, 12)),       # k < s: phases that no tap reaches stay zero
    (5, 2, 0, (3, 3), (8, 8)),        # no padding: the stamps run past the output, cut off
])
def test_fold_phases_equals_adding_every_tap_one_value_at_a_time(rng, k, s, p, hw, out_hw):
    g, nb, cg = 2, 3, 2
    h, w = hw
    stamps = rng.standard_normal((g, k, k, nb, h, w, cg))
    expected = np.zeros((nb, out_hw[0], out_hw[1], g, cg))
    for i, j, y, x in np.ndindex(k, k, h, w):
        oy, ox = y * s + i - p, x * s + j - p
        if 0 <= oy < out_hw[0] and 0 <= ox < out_hw[1]:
            expected[:, oy, ox] += stamps[:, i, j, :, y, x].transpose(1, 0, 2)
    out = np.full(expected.shape, np.nan)                 # every value must be written
    fast_col2im._fold_phases(out, stamps.copy(), (s, s), (p, p))
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


def test_stamps_are_added_in_blocks_only_where_the_stride_divides_the_output():
    assert fast_col2im._blockwise((14, 14), (2, 2), (1, 1)) and fast_col2im._blockwise((9, 4), (3, 2), (1, 1))
    assert not fast_col2im._blockwise((15, 14), (2, 2), (1, 1))    # an odd size: the last block would be cut
    assert not fast_col2im._blockwise((14, 14), (1, 1), (1, 1))    # stride 1: a block is one pixel
    assert not fast_col2im._blockwise((14, 14), (2, 2), (2, 1))    # dilation spreads the taps apart


@pytest.mark.parametrize("case", [
    (5, 3, 4, (7, 6), (3, 3), (2, 1), (1, 1), (1, 1), 1),     # col2im tap by tap
    (5, 3, 4, (8, 6), (4, 4), (2, 2), (1, 1), (1, 1), 1),     # block by block (whole planes, channels first)
], ids=["taps", "blocks"])
def test_batches_larger_than_one_slice_are_split_and_summed(rng, monkeypatch, layout, case):
    """With tiny batch slices every sample is its own slice: results are unchanged, and the weight
    gradient is the sum over slices (an `=` in place of `+=` would keep only the last sample)."""
    x, w, gy, (s, p, d, g) = _conv_arrays(rng, case)
    monkeypatch.setattr(fast, "CPU_CHUNK_BYTES", 1)
    monkeypatch.setattr(fast, "CPU_MIN_ROWS", 1)
    assert len(fast._batch_slices(np, 5, 100)) == 5 and len(fast._batch_slices(np, 5, 100, 12)) == 5
    np.testing.assert_allclose(fast.conv2d(x, w, s, p, d, g), naive.conv2d(x, w, s, p, d, g), atol=1e-12)
    np.testing.assert_allclose(fast.conv2d_grad_input(gy, w, x.shape, s, p, d, g),
                               naive.conv2d_grad_input(gy, w, x.shape, s, p, d, g), atol=1e-12)
    np.testing.assert_allclose(fast.conv2d_grad_weight(x, gy, w.shape, s, p, d, g),
                               naive.conv2d_grad_weight(x, gy, w.shape, s, p, d, g), atol=1e-12)


@pytest.mark.parametrize("k, s, p, hw, out_hw", [
    (4, 2, 1, (7, 5), (14, 10)),      # DCGAN's discriminator input gradient: shifts of -1, 0 and +1 blocks
    (3, 2, 2, (8, 8), (14, 14)),      # DCGAN's last generator layer (k3 s2 p2 + output_padding 1): 15 -> 28
    (3, 2, 1, (4, 3), (8, 6)),        # k3 s2 p1 + output_padding 1: tap 2 alone reaches row 1 of the block
    (2, 4, 1, (3, 4), (8, 12)),       # k < s: phases that no tap reaches are zeroed
    (5, 3, 4, (6, 5), (12, 9)),       # padding > stride: whole taps land outside the output
    (4, 2, 1, (1, 1), (2, 2)),        # a 1x1 input: every shifted tap falls off
])
@pytest.mark.parametrize("batch_inside", [True, False], ids=["planes end to end", "planes per sample"])
def test_fold_planes_equals_adding_every_tap_one_value_at_a_time(rng, k, s, p, hw, out_hw, batch_inside):
    """The flat shifts carry values across rows and, with the planes end to end, across samples: the zeroed
    edges must make every one of those land as nothing."""
    c_out, nb = 2, 3
    h, w = hw
    assert fast_col2im._fold_fits(hw, out_hw, (s, s), (1, 1))
    stamps = rng.standard_normal((c_out, k, k, nb, h, w))
    expected = np.zeros((nb, c_out) + out_hw)
    for i, j, y, x in np.ndindex(k, k, h, w):
        oy, ox = y * s + i - p, x * s + j - p
        if 0 <= oy < out_hw[0] and 0 <= ox < out_hw[1]:
            expected[:, :, oy, ox] += stamps[:, i, j, :, y, x].T
    # the two layouts the product leaves: (C_out, kh, kw, nb, H, W), or per sample (nb, C_out, kh, kw, H, W)
    planes = stamps.copy() if batch_inside else np.ascontiguousarray(stamps.transpose(3, 0, 1, 2, 4, 5)) \
        .transpose(1, 2, 3, 0, 4, 5)
    out = np.full(expected.shape, np.nan)                 # every value must be written
    fast_col2im._fold_planes(out, planes, (s, s), (p, p))
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


def test_stamp_planes_are_added_whole_only_where_the_phases_fit_the_input():
    assert fast_col2im._fold_fits((14, 14), (28, 28), (2, 2), (1, 1))          # DCGAN D's first layer, backward
    assert fast_col2im._fold_fits((15, 15), (28, 28), (2, 2), (1, 1))          # DCGAN G's last layer
    assert not fast_col2im._fold_fits((5, 4), (12, 10), (2, 2), (1, 1))        # k4 s2 p0: phases a block larger
    assert not fast_col2im._fold_fits((7, 7), (15, 15), (2, 2), (1, 1))        # an odd size: not blockwise


def test_batch_slices_keep_enough_rows_for_the_product(monkeypatch):
    monkeypatch.setattr(fast, "CPU_CHUNK_BYTES", 1000)
    monkeypatch.setattr(fast, "CPU_MIN_ROWS", 64)
    assert len(fast._batch_slices(np, 12, 250)) == 3                  # 4 samples of 250 bytes a slice
    assert len(fast._batch_slices(np, 12, 250, rows_per_sample=16)) == 3
    # 8 rows a sample: 8 samples a slice at least, so one slice of 12 rather than 8 + 4 (a short product)
    assert [b.stop - b.start for b in fast._batch_slices(np, 12, 250, rows_per_sample=8)] == [12]


def test_batch_slices_are_of_equal_size(monkeypatch):
    """64 samples at 21 a slice: three slices of 21 or 22, not 21, 21, 21 and a last one of a single sample."""
    monkeypatch.setattr(fast, "CPU_CHUNK_BYTES", 21 * 100)
    monkeypatch.setattr(fast, "CPU_MIN_ROWS", 1)
    slices = fast._batch_slices(np, 64, 100, rows_per_sample=1)
    assert [b.stop - b.start for b in slices] == [21, 21, 22]
    assert slices[0].start == 0 and slices[-1].stop == 64
    assert all(a.stop == b.start for a, b in zip(slices, slices[1:]))
    sizes = [b.stop - b.start for b in fast._batch_slices(np, 1000, 7)]          # no rows constraint
    assert sum(sizes) == 1000 and max(sizes) - min(sizes) <= 1


@pytest.fixture
def as_on_a_gpu(monkeypatch):
    """fast's kernels as they run on CuPy arrays, on NumPy ones: the batch in one slice, fresh arrays instead of
    scratch memory. Returns the list of slice counts run_slices was given, one entry a call."""
    from minigan.kernels import scratch
    monkeypatch.setattr(fast, "on_cpu", lambda xp: False)
    monkeypatch.setattr(scratch, "on_cpu", lambda xp: False)
    counts, run = [], fast.run_slices
    monkeypatch.setattr(fast, "run_slices", lambda slices, body: counts.append(len(slices)) or run(slices, body))
    monkeypatch.setattr(scratch, "_scratch", scratch._Scratch())            # empty: nothing may be kept in it
    return counts


@pytest.mark.parametrize("case", FAST_CONV_CASES, ids=_conv_ids(FAST_CONV_CASES))
def test_conv2d_fast_off_the_cpu_equals_naive(rng, case, layout, monkeypatch, as_on_a_gpu):
    """The path CuPy arrays take through fast's convolution (one batch slice, no scratch memory, no threads) gives
    the naive loops' forward and gradients, and keeps nothing between calls, on every path and awkward shape;
    so does the transposed convolution's both-gradients call."""
    from minigan.kernels import scratch
    monkeypatch.setattr(fast, "CPU_CHUNK_BYTES", 1)            # on the CPU this would cut a slice per sample
    x, w, gy, (s, p, d, g) = _conv_arrays(rng, case)
    np.testing.assert_allclose(fast.conv2d(x, w, s, p, d, g), naive.conv2d(x, w, s, p, d, g), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fast.conv2d_grad_input(gy, w, x.shape, s, p, d, g),
                               naive.conv2d_grad_input(gy, w, x.shape, s, p, d, g), rtol=1e-12, atol=1e-12)
    y, columns = fast.conv2d_keeping_columns(x, w, s, p, d, g)
    np.testing.assert_allclose(y, naive.conv2d(x, w, s, p, d, g), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fast.conv2d_grad_weight(x, gy, w.shape, s, p, d, g, columns=columns),
                               naive.conv2d_grad_weight(x, gy, w.shape, s, p, d, g), rtol=1e-12, atol=1e-12)
    # read as a transposed convolution's backward (gy its input, x its output's gradient), both gradients at once
    gx, gw = fast.conv_transpose2d_backward(x, gy, w, s, p, d, g)
    np.testing.assert_allclose(gx, naive.conv2d(x, w, s, p, d, g), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gw, naive.conv2d_grad_weight(x, gy, w.shape, s, p, d, g), rtol=1e-12, atol=1e-12)
    assert set(as_on_a_gpu) <= {1}                             # one slice whenever the batch is cut at all
    assert scratch._scratch.buffers == {}


@pytest.mark.parametrize("case", FAST_CONVT_CASES, ids=_conv_ids(FAST_CONVT_CASES))
def test_conv_transpose2d_fast_off_the_cpu_equals_naive(rng, case, layout, monkeypatch, as_on_a_gpu):
    from minigan.kernels import scratch
    monkeypatch.setattr(fast, "CPU_CHUNK_BYTES", 1)
    x, w, gy, (s, p, op, d, g) = _convt_arrays(rng, case)
    np.testing.assert_allclose(fast.conv_transpose2d(x, w, s, p, op, d, g),
                               naive.conv_transpose2d(x, w, s, p, op, d, g), rtol=1e-12, atol=1e-12)
    if shapes.check_conv2d(gy.shape, w.shape, s, p, d, g) == x.shape:
        gx, gw = fast.conv_transpose2d_backward(gy, x, w, s, p, d, g)
        np.testing.assert_allclose(gx, naive.conv2d(gy, w, s, p, d, g), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(gw, naive.conv2d_grad_weight(gy, x, w.shape, s, p, d, g), rtol=1e-12, atol=1e-12)
    assert set(as_on_a_gpu) <= {1}
    assert scratch._scratch.buffers == {}


def test_scratch_buffers_never_leak_into_results(rng, layout):
    """Two calls in a row reuse the same scratch memory: the first result must not change."""
    x, w, gy, (s, p, d, g) = _conv_arrays(rng, (2, 3, 4, (7, 6), (3, 3), (2, 1), (1, 1), (1, 1), 1))
    y1 = fast.conv2d(x, w, s, p, d, g)
    keep = y1.copy()
    gx1 = fast.conv2d_grad_input(gy, w, x.shape, s, p, d, g)
    keep_gx = gx1.copy()
    fast.conv2d(x * 2, w, s, p, d, g)
    fast.conv2d_grad_input(gy * 2, w, x.shape, s, p, d, g)
    fast.conv2d_grad_weight(x, gy, w.shape, s, p, d, g)
    np.testing.assert_array_equal(y1, keep)
    np.testing.assert_array_equal(gx1, keep_gx)


def test_float32_stays_float32(rng, layout):
    x = rng.standard_normal((2, 3, 8, 8)).astype(np.float32)
    w = rng.standard_normal((4, 3, 4, 4)).astype(np.float32)
    y = fast.conv2d(x, w, (2, 2), (1, 1), (1, 1), 1)
    assert y.dtype == np.float32
    assert fast.conv2d_grad_input(y, w, x.shape, (2, 2), (1, 1), (1, 1), 1).dtype == np.float32
    assert fast.conv2d_grad_weight(x, y, w.shape, (2, 2), (1, 1), (1, 1), 1).dtype == np.float32
    assert fast.conv_transpose2d(y, w, (2, 2), (1, 1), (0, 0), (1, 1), 1).dtype == np.float32


def test_fast_is_the_default_for_numpy_arrays_and_im2col_elsewhere():
    assert kernels.default_impl(np) == "fast"
    assert kernels.default_impl() == "im2col"
    with kernels.use("naive"):
        assert kernels.default_impl(np) == "naive"
    assert kernels.get(None, np) is fast


# (conv case, output_padding of the transposed convolution): one case per path, channels last (col2im block by
# block, then tap by tap), thin input and output (whole planes: k4 s2 p1, then DCGAN's last layer, k3 s2 p2),
# thin output whose phases outgrow the input (tap by tap), thin with groups (planes per sample)
DEVICE_CASES = [
    ((2, 6, 5, (8, 8), (4, 4), (2, 2), (1, 1), (1, 1), 1), (0, 0)),
    ((2, 6, 5, (7, 7), (3, 3), (2, 2), (0, 0), (1, 1), 1), (0, 0)),
    ((3, 1, 6, (8, 6), (4, 4), (2, 2), (1, 1), (1, 1), 1), (0, 0)),
    ((2, 1, 6, (28, 28), (3, 3), (2, 2), (2, 2), (1, 1), 1), (1, 1)),
    ((2, 2, 5, (10, 8), (4, 4), (2, 2), (0, 0), (1, 1), 1), (0, 0)),
    ((2, 4, 4, (6, 5), (3, 3), (2, 1), (1, 1), (1, 1), 2), (1, 0)),
]


@pytest.mark.parametrize("case, op", DEVICE_CASES, ids=[f"case{i}" for i in range(len(DEVICE_CASES))])
def test_fast_kernels_run_on_every_device(rng, device, case, op):
    """The same code on CuPy arrays (where no scratch memory is kept and the batch is one slice), with inputs
    stored either way: the results stay on the device and equal the naive loops'."""
    x, w, gy, (s, p, d, g) = _conv_arrays(rng, case)
    want = [naive.conv2d(x, w, s, p, d, g), naive.conv2d_grad_input(gy, w, x.shape, s, p, d, g),
            naive.conv2d_grad_weight(x, gy, w.shape, s, p, d, g), naive.conv_transpose2d(gy, w, s, p, op, d, g)]
    want += [want[0], want[2]]                          # conv_transpose2d_backward, x playing its gy
    want += [want[0], want[2]]                          # conv2d_keeping_columns, and gw from its columns
    for store in (lambda a: a, _stored_channels_last):
        xd, wd, gyd = (backend.to_device(store(a) if a.ndim == 4 and a is not w else a, device) for a in (x, w, gy))
        y, columns = fast.conv2d_keeping_columns(xd, wd, s, p, d, g)
        got = [fast.conv2d(xd, wd, s, p, d, g), fast.conv2d_grad_input(gyd, wd, x.shape, s, p, d, g),
               fast.conv2d_grad_weight(xd, gyd, w.shape, s, p, d, g), fast.conv_transpose2d(gyd, wd, s, p, op, d, g),
               *fast.conv_transpose2d_backward(xd, gyd, wd, s, p, d, g),
               y, fast.conv2d_grad_weight(xd, gyd, w.shape, s, p, d, g, columns=columns)]
        for a, b in zip(got, want):
            assert backend.device_of(a) == device
            np.testing.assert_allclose(backend.to_numpy(a), b, rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------- ops with impl="fast"
@pytest.mark.parametrize("case", FAST_CONV_CASES[:4] + FAST_CONV_CASES[-3:], ids=_conv_ids(FAST_CONV_CASES[:4] +
                                                                                    FAST_CONV_CASES[-3:]))
def test_conv2d_op_gradcheck_fast(device, case, layout):
    n, c_in, c_out, (h, w), k, s, p, d, g = case
    x, wt, b = randn(n, c_in, h, w, seed=1), randn(c_out, c_in // g, *k, seed=2), randn(c_out, seed=3)
    check_grad(lambda x, w, b: F.conv2d(x, w, b, s, p, d, g, impl="fast"), x, wt, b, device=device)


@pytest.mark.parametrize("case", FAST_CONVT_CASES[:3] + FAST_CONVT_CASES[-5:],
                         ids=_conv_ids(FAST_CONVT_CASES[:3] + FAST_CONVT_CASES[-5:]))
def test_conv_transpose2d_op_gradcheck_fast(device, case, layout):
    n, c_in, c_out, (h, w), k, s, p, op, d, g = case
    x, wt = randn(n, c_in, h, w, seed=4), randn(c_in, c_out // g, *k, seed=5)
    check_grad(lambda x, w: F.conv_transpose2d(x, w, None, s, p, op, g, d, impl="fast"), x, wt, device=device)


def test_conv_transpose2d_op_takes_both_gradients_from_one_kernel_call_unless_recorded(monkeypatch, layout):
    """Not recorded, the op's backward gets gx and gw from fast.conv_transpose2d_backward (one unfold of gy); recorded
    (create_graph), or with only one gradient wanted, from the two ops. The gradients are the same either way."""
    calls = []
    both = fast.conv_transpose2d_backward
    monkeypatch.setattr(fast, "conv_transpose2d_backward", lambda *args: calls.append(args[0].shape) or both(*args))
    x, w = tensors("cpu", randn(2, 3, 5, 4, seed=10), randn(3, 2, 4, 4, seed=11))
    gy = mg.tensor(randn(2, 2, 10, 8, seed=12))

    def grads(create_graph):
        y = F.conv_transpose2d(x, w, None, 2, 1, 0, impl="fast")
        return mg.grad(y, [x, w], gy, create_graph=create_graph)
    shared = grads(create_graph=False)
    assert calls == [(2, 2, 10, 8)]
    apart = grads(create_graph=True)
    assert len(calls) == 1
    for a, b in zip(shared, apart):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(shared[0].numpy(), naive.conv2d(gy.numpy(), w.numpy(), (2, 2), (1, 1), (1, 1), 1),
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(shared[1].numpy(), naive.conv2d_grad_weight(gy.numpy(), x.numpy(), w.shape, (2, 2),
                                                                           (1, 1), (1, 1), 1), rtol=1e-12, atol=1e-12)
    w.requires_grad_(False)
    (only_x,) = mg.grad(F.conv_transpose2d(x, w, None, 2, 1, 0, impl="fast"), [x], gy)
    assert len(calls) == 1
    np.testing.assert_allclose(only_x.numpy(), shared[0].numpy(), rtol=1e-12, atol=1e-12)


def test_conv2d_op_unfolds_x_once_for_forward_and_weight_gradient_unless_recorded(monkeypatch):
    """A thin conv2d's forward keeps x's columns where w's gradient is wanted, and its backward, not recorded, takes
    them again: x is unfolded once for the forward and the weight gradient. Recorded (create_graph), the weight
    gradient is the op Conv2dWeight, which unfolds x again; with w's gradient not wanted nothing is kept. The
    gradients are the same every way."""
    unfolds = []
    unfold = fast._unfold_channels_first
    monkeypatch.setattr(fast, "_unfold_channels_first", lambda *a, **k: unfolds.append(1) or unfold(*a, **k))
    x, w = tensors("cpu", randn(2, 1, 7, 6, seed=13), randn(4, 1, 4, 4, seed=14))
    gy = mg.tensor(randn(2, 4, 3, 3, seed=15))

    def grads(create_graph):
        y = F.conv2d(x, w, None, 2, 1, impl="fast")
        return mg.grad(y, [x, w], gy, create_graph=create_graph)
    kept = grads(create_graph=False)
    assert len(unfolds) == 1
    recorded = grads(create_graph=True)
    assert len(unfolds) == 3
    want = (naive.conv2d_grad_input(gy.numpy(), w.numpy(), x.shape, (2, 2), (1, 1), (1, 1), 1),
            naive.conv2d_grad_weight(x.numpy(), gy.numpy(), w.shape, (2, 2), (1, 1), (1, 1), 1))
    for a, b, c in zip(kept, recorded, want):
        np.testing.assert_allclose(a.numpy(), c, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(b.numpy(), c, rtol=1e-12, atol=1e-12)
    w.requires_grad_(False)
    y = F.conv2d(x, w, None, 2, 1, impl="fast")
    assert y._node.ctx.columns is None
    (only_x,) = mg.grad(y, [x], gy)
    np.testing.assert_allclose(only_x.numpy(), want[0], rtol=1e-12, atol=1e-12)


def test_conv_ops_gradgradcheck_fast(device, layout):
    x, w = tensors(device, randn(2, 2, 5, 5, seed=6), randn(3, 2, 4, 4, seed=7))
    mg.gradgradcheck(lambda x, w: F.conv2d(x, w, None, 2, 1, impl="fast"), [x, w])
    xt, wt = tensors(device, randn(2, 3, 3, 2, seed=8), randn(3, 2, 3, 3, seed=9))
    mg.gradgradcheck(lambda x, w: F.conv_transpose2d(x, w, None, 2, 0, 1, impl="fast"), [xt, wt])


# --------------------------------------------------------------------------- the fused elementwise Functions
@pytest.mark.parametrize("shape", [(6, 3), (3, 2, 4, 5)])
def test_fused_batch_norm_gradcheck_and_gradgradcheck(device, shape):
    c = shape[1]
    x, w, b = randn(*shape, seed=10), 1 + randn(c, seed=11, scale=0.3), randn(c, seed=12)
    check_grad(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), x, w, b, device=device)
    mg.gradgradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), tensors(device, x, w, b))


def test_fused_batch_norm_matches_torch_with_running_stats(torch):
    x, w, b = randn(4, 3, 5, 5, seed=13) * 2 + 1, randn(3, seed=14), randn(3, seed=15)
    rm, rv = mg.zeros(3, dtype=np.float64), mg.ones(3, dtype=np.float64)
    trm, trv = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    compare_with_torch(torch, lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training=True, momentum=0.3),
                       lambda x, w, b: torch.nn.functional.batch_norm(x, trm, trv, w, b, training=True, momentum=0.3),
                       [x, w, b])
    np.testing.assert_allclose(rm.numpy(), trm.numpy(), rtol=1e-12)
    np.testing.assert_allclose(rv.numpy(), trv.numpy(), rtol=1e-12)


@pytest.mark.parametrize("slope", [0.2, 0.0, 1.5, -0.5])
def test_leaky_relu_gradcheck_gradgradcheck_and_torch(device, slope, request):
    x = randn(3, 4, 5, seed=16) + 0.05      # a seed with no element within the finite-difference step of 0
    check_grad(lambda x: F.leaky_relu(x, slope), x, device=device)
    mg.gradgradcheck(lambda x: F.leaky_relu(x, slope) * F.leaky_relu(x, slope), tensors(device, x))
    if device == "cpu":
        torch = request.getfixturevalue("torch")
        compare_with_torch(torch, lambda x: F.leaky_relu(x, slope),
                           lambda x: torch.nn.functional.leaky_relu(x, slope), [x])


def test_fused_ops_keep_float32(device):
    x = mg.tensor(randn(4, 3, 2, 2, seed=17).astype(np.float32), device=device, requires_grad=True)
    w = mg.tensor(np.ones(3, np.float32), device=device, requires_grad=True)
    y = F.leaky_relu(F.batch_norm(x, None, None, w, None, training=True), 0.2)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float32
    assert backend.device_of(x.grad.data) == device


@pytest.mark.parametrize("n,c_out", [(2, 5), (5, 2)], ids=["batch<C_out", "batch>=C_out"])
def test_whole_image_weight_gradient_from_channels_last_input(rng, n, c_out):
    """A kernel as large as the image: the weight gradient is one product, for an input stored channels
    last taken either by copying the input channels first (small batch) or by transposing the result."""
    x = rng.standard_normal((n, 3, 4, 5))
    gy = rng.standard_normal((n, c_out, 1, 1))
    expected = naive.conv2d_grad_weight(x, gy, (c_out, 3, 4, 5), (1, 1), (0, 0), (1, 1), 1)
    got = fast.conv2d_grad_weight(_stored_channels_last(x), gy, (c_out, 3, 4, 5), (1, 1), (0, 0), (1, 1), 1)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    assert got.flags.c_contiguous
