"""interpolate: output sizes, gradchecks, and its argument errors."""
import numpy as np
import pytest

import minigan as mg
import minigan.nn.functional as F

from helpers import check_grad, compare_with_torch, randn, tensors


@pytest.mark.parametrize("kwargs,out_hw", [
    ({"scale_factor": 2}, (6, 8)), ({"scale_factor": (1, 3)}, (3, 12)), ({"size": (5, 7)}, (5, 7)),
    ({"size": 2}, (2, 2)), ({"scale_factor": 1.5}, (4, 6)),
])
def test_interpolate_nearest(device, kwargs, out_hw):
    x = randn(2, 1, 3, 4, seed=5)
    y = F.interpolate(tensors(device, x, requires_grad=False)[0], **kwargs)
    assert y.shape == (2, 1) + out_hw
    check_grad(lambda x: F.interpolate(x, **kwargs), x, device=device)


def test_interpolate_scale2_gradient_sums_blocks(device):
    x = tensors(device, np.zeros((1, 1, 2, 2)))[0]
    g = np.arange(16.0).reshape(1, 1, 4, 4)
    F.interpolate(x, scale_factor=2).backward(mg.tensor(g, device=device))
    blocks = [[0 + 1 + 4 + 5, 2 + 3 + 6 + 7], [8 + 9 + 12 + 13, 10 + 11 + 14 + 15]]
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], blocks)


def test_interpolate_errors():
    with pytest.raises(ValueError, match="interpolate.*exactly one"):
        F.interpolate(mg.zeros(1, 1, 2, 2))
    with pytest.raises(ValueError, match="interpolate: mode must be one of"):
        F.interpolate(mg.zeros(1, 1, 2, 2), scale_factor=2, mode="lanczos")
    with pytest.raises(ValueError, match=r"interpolate: mode 'trilinear' needs a 5-D input, got a 4-D one"):
        F.interpolate(mg.zeros(1, 1, 2, 2), scale_factor=2, mode="trilinear")
    with pytest.raises(ValueError, match="align_corners can only be set with the linear modes or 'bicubic'"):
        F.interpolate(mg.zeros(1, 1, 2, 2), scale_factor=2, align_corners=True)
    with pytest.raises(TypeError, match="interpolate: mode 'bilinear' needs a floating-point input"):
        F.interpolate(mg.zeros(1, 1, 2, 2, dtype="int64"), scale_factor=2, mode="bilinear")
    with pytest.raises(ValueError, match=r"scale_factor 0.2 leaves no pixels of the input \(2, 2\)"):
        F.interpolate(mg.zeros(1, 1, 2, 2), scale_factor=0.2)
    with pytest.raises(ValueError, match="adaptive_avg_pool2d: output_size must be positive"):
        F.adaptive_avg_pool2d(mg.zeros(1, 1, 2, 2), (0, 1))


# the linear modes on odd sizes, up and down, with and without align_corners
LINEAR_CASES = [
    {"size": (5, 7), "mode": "bilinear"},
    {"size": (2, 3), "mode": "bilinear"},
    {"scale_factor": 1.7, "mode": "bilinear"},
    {"size": (5, 7), "mode": "bilinear", "align_corners": True},
    {"size": (1, 3), "mode": "bilinear", "align_corners": True},        # one output row: the first input row
    {"size": (6, 5), "mode": "bicubic"},
    {"scale_factor": (0.6, 2.5), "mode": "bicubic", "align_corners": True},
    {"size": (2, 3), "mode": "area"},
    {"size": (4, 6), "mode": "area"},                                   # windows overlap by a row
    {"scale_factor": 1.5, "mode": "nearest-exact"},
    {"size": (2, 7), "mode": "nearest-exact"},
    {"scale_factor": 1.7, "mode": "bilinear", "recompute_scale_factor": True},
]


@pytest.mark.parametrize("kwargs", LINEAR_CASES, ids=str)
def test_interpolate_modes_gradients(device, kwargs):
    check_grad(lambda x: F.interpolate(x, **kwargs), randn(2, 1, 3, 5, seed=6), device=device)


@pytest.mark.parametrize("kwargs", LINEAR_CASES, ids=str)
def test_interpolate_modes_match_torch(device, torch, kwargs):
    compare_with_torch(torch, lambda x: F.interpolate(x, **kwargs),
                       lambda x: torch.nn.functional.interpolate(x, **kwargs),
                       [randn(2, 2, 3, 5, seed=7)], device=device)


@pytest.mark.parametrize("mode,align_corners", [("bilinear", False), ("bilinear", True), ("bicubic", False),
                                                ("bicubic", True), ("area", None), ("nearest-exact", None)])
def test_interpolate_weights_match_torch_over_many_sizes(torch, mode, align_corners):
    """Every input size up to 12 to every output size up to 25, and scale factors: each output pixel is
    the same mix of input pixels as PyTorch's (an identity input shows the whole weight matrix)."""
    for h in range(1, 13):
        eye = np.eye(h).reshape(1, h, h, 1)                # channel j holds input pixel j alone
        sizes = [{"size": (oh, 1)} for oh in range(1, 26)]
        scales = [{"scale_factor": (float(s), 1.0)} for s in np.arange(0.3, 3.0, 0.35) if int(h * s) >= 1]
        for kw in sizes + scales:
            ours = F.interpolate(mg.tensor(eye), mode=mode, align_corners=align_corners, **kw).numpy()
            theirs = torch.nn.functional.interpolate(torch.tensor(eye), mode=mode, align_corners=align_corners,
                                                     **kw).numpy()
            np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12, err_msg=f"H={h}, {kw}")


@pytest.mark.parametrize("output_size", [(2, 3), 4, (None, 2), (5, 7), (1, 1)])
def test_adaptive_avg_pool2d(device, torch, output_size):
    x = randn(2, 3, 5, 7, seed=8)
    check_grad(lambda x: F.adaptive_avg_pool2d(x, output_size), x, device=device)
    compare_with_torch(torch, lambda x: F.adaptive_avg_pool2d(x, output_size),
                       lambda x: torch.nn.functional.adaptive_avg_pool2d(x, output_size), [x], device=device)


def test_adaptive_avg_pool2d_to_one_pixel_is_the_mean(device):
    x = tensors(device, randn(2, 3, 4, 5, seed=9), requires_grad=False)[0]
    np.testing.assert_allclose(F.adaptive_avg_pool2d(x, 1).numpy()[..., 0, 0], x.numpy().mean(axis=(2, 3)))


def test_resize_matrix_rows_are_weights_that_sum_to_one():
    from minigan.ops.resample import resize_matrix
    for mode in ("bilinear", "bicubic", "area"):
        for n_in, n_out in [(1, 4), (4, 1), (5, 8), (8, 5), (7, 7)]:
            a = resize_matrix(n_in, n_out, mode)
            assert a.shape == (n_out, n_in)
            np.testing.assert_allclose(a.sum(axis=1), 1.0, err_msg=f"{mode} {n_in} -> {n_out}")
    # doubling, bilinear: output pixel 1 sits a quarter of the way from input 0 to input 1
    np.testing.assert_allclose(resize_matrix(2, 4, "bilinear"), [[1, 0], [0.75, 0.25], [0.25, 0.75], [0, 1]])
    assert resize_matrix(3, 6, "bicubic").min() < 0                  # bicubic's negative lobes


def test_interpolate_bilinear_gradgradcheck(device):
    mg.gradgradcheck(lambda x: F.interpolate(x, size=(4, 3), mode="bicubic"),
                     tensors(device, randn(1, 1, 3, 2, seed=10)))


def test_interpolate_float32_stays_float32(device):
    x = mg.tensor(randn(1, 1, 3, 3, seed=11).astype(np.float32), device=device)
    for mode in ("bilinear", "bicubic", "area", "nearest-exact"):
        assert F.interpolate(x, scale_factor=2, mode=mode).dtype == np.float32


# ------------------------------------------------------------------------ pixel_shuffle / pixel_unshuffle
@pytest.mark.parametrize("shape,r", [((1, 4, 3, 5), 2), ((2, 18, 2, 1), 3), ((8, 1, 1), 2), ((2, 1, 9, 3, 3), 1)])
def test_pixel_shuffle_matches_torch_and_gradchecks(device, torch, shape, r):
    x = randn(*shape, seed=12)
    compare_with_torch(torch, lambda x: F.pixel_shuffle(x, r), lambda x: torch.nn.functional.pixel_shuffle(x, r),
                       [x], device=device)
    check_grad(lambda x: F.pixel_shuffle(x, r), x, device=device)
    y = F.pixel_shuffle(tensors(device, x, requires_grad=False)[0], r)
    np.testing.assert_array_equal(F.pixel_unshuffle(y, r).numpy(), x)             # the inverse, exactly
    compare_with_torch(torch, lambda y: F.pixel_unshuffle(y, r), lambda y: torch.nn.functional.pixel_unshuffle(y, r),
                       [y.numpy()], device=device)


def test_pixel_shuffle_puts_the_phases_side_by_side():
    """Channel k = 2i + j of a 2x shuffle holds output pixels (2h + i, 2w + j): the r² phases."""
    x = np.stack([np.full((2, 2), k) for k in range(4)])[None].astype(np.float64)   # channel k holds k
    y = F.pixel_shuffle(mg.tensor(x), 2).numpy()[0, 0]
    np.testing.assert_array_equal(y, np.tile([[0, 1], [2, 3]], (2, 2)))


def test_pixel_shuffle_errors():
    with pytest.raises(ValueError, match=r"pixel_shuffle: the channels \(6\) must be divisible by upscale_factor "
                                         r"squared \(4\)"):
        F.pixel_shuffle(mg.zeros(1, 6, 2, 2), 2)
    with pytest.raises(ValueError, match=r"pixel_unshuffle: height and width \(3, 4\) must be divisible"):
        F.pixel_unshuffle(mg.zeros(1, 1, 3, 4), 2)
    with pytest.raises(ValueError, match="pixel_shuffle: upscale_factor must be a positive int, got 0"):
        F.pixel_shuffle(mg.zeros(1, 4, 2, 2), 0)
    with pytest.raises(ValueError, match="at least 3 dims"):
        F.pixel_shuffle(mg.zeros(4, 2), 2)


# ------------------------------------------------------------------------ interpolate(antialias=True)
AA_ERROR = "Anti-alias option is restricted to bilinear and bicubic modes and requires a 4-D tensor as input"


def _torch_aa_weights(torch, n_in, mode, align_corners, axis, size=None, scale=None):
    """PyTorch's antialiased weight matrix along one axis, ``(n_out, n_in)``: batch element ``j`` holds input
    pixel ``j`` alone (3 identical pixels along the other axis, whose size stays). The other axis is kept
    at 3, not 1: PyTorch's CPU kernel mixes up its rows when the output width is 1 (see below)."""
    shape = [n_in, 1, 3, 3]
    shape[2 + axis] = n_in
    eye = np.eye(n_in).reshape([n_in, 1] + [n_in if a == axis else 1 for a in (0, 1)])
    x = torch.tensor(np.broadcast_to(eye, shape).copy())
    kw = {"size": tuple(size if a == axis else 3 for a in (0, 1))} if size is not None else \
        {"scale_factor": tuple(scale if a == axis else 1.0 for a in (0, 1))}
    y = torch.nn.functional.interpolate(x, mode=mode, align_corners=align_corners, antialias=True, **kw)
    return y[:, 0, :, 1].numpy().T if axis == 0 else y[:, 0, 1, :].numpy().T


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_antialias_weights_match_torch_over_many_sizes(torch, mode, align_corners):
    """Every input size up to 12 to every output size up to 25 (down and up), and scale factors from 0.1
    to 2.9, along either axis: ``resize_matrix(antialias=True)`` is PyTorch's weight matrix, and so is
    what ``interpolate`` does with it."""
    from minigan.ops.resample import resize_matrix
    for axis in (0, 1):
        for h in range(1, 13):
            forms = [(oh, None) for oh in range(1, 26)]
            forms += [(None, float(s)) for s in np.arange(0.1, 3.0, 0.13) if int(h * s) >= 1]
            for size, scale in forms:
                theirs = _torch_aa_weights(torch, h, mode, align_corners, axis, size, scale)
                ours = resize_matrix(h, theirs.shape[0], mode, scale, align_corners, antialias=True)
                np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-12,
                                           err_msg=f"axis {axis}, {h} -> size {size}, scale {scale}")
                eye = np.broadcast_to(np.eye(h).reshape([h, 1] + [h if a == axis else 1 for a in (0, 1)]),
                                      [h, 1] + [h if a == axis else 3 for a in (0, 1)])
                kw = {"size": tuple(size if a == axis else 3 for a in (0, 1))} if size is not None else \
                    {"scale_factor": tuple(scale if a == axis else 1.0 for a in (0, 1))}
                y = F.interpolate(mg.tensor(eye.copy()), mode=mode, align_corners=align_corners, antialias=True,
                                  **kw).numpy()
                through_op = y[:, 0, :, 1].T if axis == 0 else y[:, 0, 1, :].T
                np.testing.assert_allclose(through_op, theirs, rtol=0, atol=1e-12,
                                           err_msg=f"interpolate, axis {axis}, {h} -> size {size}, scale {scale}")


# awkward shapes; none has an output width of 1 (PyTorch's CPU forward is wrong there, see below), and
# none keeps a size with a scale factor other than 1 (PyTorch's forward then copies that dim, its backward
# does not: its gradient is not that of its own forward there; ours is)
AA_CASES = [
    ((1, 1, 7, 5), {"size": (3, 2), "mode": "bilinear"}),                    # batch 1, odd sizes, down
    ((1, 1, 7, 5), {"size": (3, 2), "mode": "bicubic"}),
    ((2, 3, 9, 4), {"size": (4, 11), "mode": "bilinear"}),                   # H down, W up at once
    ((2, 3, 9, 4), {"size": (4, 11), "mode": "bicubic"}),
    ((1, 2, 13, 6), {"scale_factor": (0.3, 1.7), "mode": "bicubic"}),
    ((1, 2, 13, 6), {"scale_factor": (0.3, 0.45), "mode": "bilinear"}),     # 1/s is not H / H_out
    ((2, 1, 8, 11), {"size": (3, 5), "mode": "bilinear", "align_corners": True}),
    ((2, 1, 8, 11), {"scale_factor": 0.4, "mode": "bicubic", "align_corners": True}),
    ((1, 1, 5, 6), {"size": (9, 13), "mode": "bicubic"}),                    # up only: bicubic still differs
    ((1, 2, 12, 7), {"scale_factor": 0.37, "mode": "bilinear", "recompute_scale_factor": True}),
    ((1, 1, 6, 5), {"size": (6, 2), "mode": "bicubic"}),                     # H kept: copied
]


@pytest.mark.parametrize("shape,kwargs", AA_CASES, ids=str)
def test_antialias_matches_torch(device, torch, shape, kwargs):
    compare_with_torch(torch, lambda x: F.interpolate(x, antialias=True, **kwargs),
                       lambda x: torch.nn.functional.interpolate(x, antialias=True, **kwargs),
                       [randn(*shape, seed=13)], device=device, atol=1e-12, rtol=1e-10)


@pytest.mark.parametrize("shape,kwargs", AA_CASES[::2], ids=str)
def test_antialias_gradcheck(device, shape, kwargs):
    check_grad(lambda x: F.interpolate(x, antialias=True, **kwargs), randn(*shape, seed=14), device=device)


def test_antialias_output_width_one_is_separable(torch):
    """To an output width of 1, PyTorch's CPU forward gives every output row the weights of the first
    (torch 2.13). We keep the separable answer, which is PyTorch's on the transposed image."""
    x = randn(2, 3, 9, 4, seed=15)
    for mode in ("bilinear", "bicubic"):
        ours = F.interpolate(mg.tensor(x), size=(3, 1), mode=mode, antialias=True).numpy()
        theirs = torch.nn.functional.interpolate(torch.tensor(x).transpose(2, 3), size=(1, 3), mode=mode,
                                                 antialias=True).transpose(2, 3).numpy()
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-12)


def test_antialias_upsampling():
    """Enlarging, bilinear's weights are the same with and without antialias (the filter is not widened);
    bicubic's are not: antialias uses PIL's a = -0.5 and renormalises at the edges."""
    from minigan.ops.resample import resize_matrix
    for n_in, n_out in [(2, 3), (3, 7), (5, 8), (4, 25)]:
        np.testing.assert_allclose(resize_matrix(n_in, n_out, "bilinear", antialias=True),
                                   resize_matrix(n_in, n_out, "bilinear"), atol=1e-15)
    assert not np.allclose(resize_matrix(5, 8, "bicubic", antialias=True), resize_matrix(5, 8, "bicubic"))


def test_antialias_rows_are_wide_weights_that_sum_to_one():
    """Shrinking 16 -> 4: without antialias each row reads 2 input pixels (half the input is never read);
    with it, 8 (the triangle stretched by 4 either side), and every input pixel counts."""
    from minigan.ops.resample import resize_matrix
    plain, aa = resize_matrix(16, 4, "bilinear"), resize_matrix(16, 4, "bilinear", antialias=True)
    assert (plain != 0).sum(axis=1).tolist() == [2, 2, 2, 2] and (plain.sum(axis=0) == 0).sum() == 8
    assert (aa != 0).sum(axis=1).tolist() == [6, 8, 8, 6] and (aa.sum(axis=0) > 0).all()
    np.testing.assert_allclose(aa[1, 2:10] * 4, [0.125, 0.375, 0.625, 0.875, 0.875, 0.625, 0.375, 0.125])
    for mode in ("bilinear", "bicubic"):
        for n_in, n_out in [(16, 4), (12, 5), (7, 3), (9, 1), (3, 8)]:
            np.testing.assert_allclose(resize_matrix(n_in, n_out, mode, antialias=True).sum(axis=1), 1.0)


def test_antialias_averages_a_fine_checkerboard_to_grey(device):
    """A checkerboard of 2 x 2 squares, shrunk by 4, is half a square per output pixel: all it can become is
    its mean, grey. Bilinear without antialias reads the 2 x 2 pixels at each output's centre, which here
    fall inside one square, so it comes out black everywhere (and shifted by one pixel it would have been
    grey by luck: the answer depends on the phase, the mark of aliasing). Antialiased, it is grey either way."""
    y, x = np.mgrid[:32, :32]
    for phase in (0, 1):
        board = ((((y + phase) // 2) + ((x + phase) // 2)) % 2).astype(np.float64)[None, None]
        t = mg.tensor(board, device=device)
        for mode in ("bilinear", "bicubic"):
            aa = F.interpolate(t, size=8, mode=mode, antialias=True).numpy()
            np.testing.assert_allclose(aa, 0.5, atol=0.012, err_msg=f"{mode}, phase {phase}")
            np.testing.assert_allclose(aa[..., 2:-2, 2:-2], 0.5, atol=1e-12)        # exactly, away from the edges
        if phase == 1:
            np.testing.assert_array_equal(F.interpolate(t, size=8, mode="bilinear").numpy(), 0.0)
            assert np.all(F.interpolate(t, size=8, mode="bicubic").numpy() < 0)   # bicubic overshoots below black


def test_antialias_float32_stays_float32(device):
    x = mg.tensor(randn(1, 1, 9, 9, seed=16).astype(np.float32), device=device)
    for mode in ("bilinear", "bicubic"):
        assert F.interpolate(x, size=(3, 4), mode=mode, antialias=True).dtype == np.float32


def test_antialias_errors(torch):
    """PyTorch's message, less its lanczos mode (which minigan does not have)."""
    for mode in ("nearest", "nearest-exact", "area"):
        with pytest.raises(ValueError, match=AA_ERROR):
            F.interpolate(mg.zeros(1, 1, 4, 4), size=2, mode=mode, antialias=True)
        with pytest.raises(ValueError, match="Anti-alias option is restricted to bilinear, bicubic, and lanczos"):
            torch.nn.functional.interpolate(torch.zeros(1, 1, 4, 4), size=2, mode=mode, antialias=True)
    with pytest.raises(ValueError, match=AA_ERROR):
        F.interpolate(mg.zeros(1, 4, 4), size=2, mode="bilinear", antialias=True)
    from minigan.ops.resample import resize_matrix
    with pytest.raises(ValueError, match="resize_matrix: antialias is for mode 'bilinear' or 'bicubic'"):
        resize_matrix(4, 2, "area", antialias=True)
