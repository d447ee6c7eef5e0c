"""grid_sample and affine_grid: gradchecks on awkward shapes, parity with PyTorch (values and both gradients)
across every mode, padding mode and align_corners, the identity and a quarter turn, and the argument errors."""
import warnings

import numpy as np
import pytest

import minigan as mg
import minigan.nn.functional as F

from helpers import check_grad, compare_with_torch, randn, tensors

MODES = ["bilinear", "nearest", "bicubic"]
PADDINGS = ["zeros", "border", "reflection"]


def points(shape, size_wh, align_corners, lo, hi, seed=0):
    """A grid ``(N, H_out, W_out, 2)`` of points whose pixel coordinates lie in ``[lo, hi)`` (so partly outside
    an image of ``size_wh``) with fractional parts in [0.1, 0.4] or [0.6, 0.9]: off whole pixels (where floor,
    the clip and the mirrors have kinks) and off half pixels (where rounding and the mirrors of
    ``align_corners=False`` do), so that finite differences and both libraries see the same smooth piece."""
    rng = np.random.default_rng(seed)
    frac = rng.uniform(0.1, 0.4, shape + (2,)) + rng.integers(0, 2, shape + (2,)) * 0.5
    p = rng.integers(lo, hi, shape + (2,)) + frac
    size = np.array(size_wh, dtype=np.float64)
    if align_corners:   # a size of 1 maps every point to its one pixel: any point will do
        return np.where(size > 1, 2 * p / np.maximum(size - 1, 1) - 1, rng.uniform(-1.5, 1.5, p.shape))
    return (2 * p + 1) / size - 1


# --------------------------------------------------------------------------- gradients
GRAD_SHAPES = [   # (input shape, grid's (N, H_out, W_out)): batch 1, odd and non-square sizes, H_out != H_in
    ((1, 2, 3, 5), (1, 4, 2)),
    ((2, 1, 4, 3), (2, 1, 6)),
    ((1, 3, 1, 4), (1, 2, 3)),      # one row
]


@pytest.mark.parametrize("in_shape,out_nhw", GRAD_SHAPES, ids=str)
@pytest.mark.parametrize("padding_mode", PADDINGS)
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_gradcheck_input_and_grid(device, mode, padding_mode, align_corners, in_shape, out_nhw):
    h, w = in_shape[2:]
    g = points(out_nhw, (w, h), align_corners, -2, max(h, w) + 2, seed=h * w)
    check_grad(lambda x, g: F.grid_sample(x, g, mode, padding_mode, align_corners),
               randn(*in_shape, seed=1), g, device=device)


@pytest.mark.parametrize("padding_mode", PADDINGS)
def test_gradcheck_nearest(device, padding_mode):
    """The input's gradient is a gather's; the grid's is zero, and finite differences agree (no point is near a
    half pixel, where the nearest pixel changes)."""
    g = points((2, 3, 4), (5, 3), False, -2, 6, seed=4)
    check_grad(lambda x, g: F.grid_sample(x, g, "nearest", padding_mode, False), randn(2, 2, 3, 5, seed=2), g,
               device=device)


def test_gradcheck_through_affine_grid(device):
    """The spatial transformer: theta -> affine_grid -> grid_sample; input and theta both get gradients."""
    theta = np.array([[[0.9, -0.3, 0.11], [0.2, 1.1, -0.07]], [[-0.6, 0.5, 0.23], [0.7, 0.4, 0.05]]])
    check_grad(lambda x, t: F.grid_sample(x, F.affine_grid(t, (2, 2, 4, 3), align_corners=False),
                                          padding_mode="reflection", align_corners=False),
               randn(2, 2, 5, 4, seed=3), theta, device=device)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_second_derivatives(device, mode):
    """The forward is minigan ops, so its gradient can be differentiated again (a gradient penalty on an
    augmented image needs it); bilinear's ∂²/∂x∂y is v11 - v10 - v01 + v00, not zero."""
    g = points((1, 2, 3), (4, 3), False, -1, 5, seed=5)
    mg.gradgradcheck(lambda x, g: F.grid_sample(x, g, mode, "border", False),
                     tensors(device, randn(1, 2, 3, 4, seed=6), g))


def test_points_sharing_a_pixel_add_their_gradients(device):
    """Six points read the same pixel: it gets all six gradients (a scatter-*add*, not an assignment)."""
    x = tensors(device, np.zeros((1, 1, 3, 4)))[0]
    g = np.broadcast_to(np.array([0.25, 0.0]), (1, 2, 3, 2))         # pixel (row 1, column 2) with 4 x 3
    F.grid_sample(x, mg.tensor(g, device=device), "nearest", align_corners=False).sum().backward()
    expected = np.zeros((1, 1, 3, 4))
    expected[0, 0, 1, 2] = 6.0
    np.testing.assert_array_equal(x.grad.numpy(), expected)


def test_nearest_grid_gradient_is_zero_not_missing(device):
    x, g = tensors(device, randn(1, 1, 3, 3), points((1, 2, 2), (3, 3), True, -1, 4))
    F.grid_sample(x, g, "nearest", align_corners=True).sum().backward()
    assert g.grad is not None
    np.testing.assert_array_equal(g.grad.numpy(), np.zeros(g.shape))


# --------------------------------------------------------------------------- parity with PyTorch
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("padding_mode", PADDINGS)
@pytest.mark.parametrize("mode", MODES)
def test_matches_torch(device, torch, mode, padding_mode, align_corners):
    """Values and both gradients, with points up to several image widths outside (reflected many times)."""
    g = points((2, 5, 3), (5, 4), align_corners, -9, 14, seed=7)
    compare_with_torch(torch, lambda x, g: F.grid_sample(x, g, mode, padding_mode, align_corners),
                       lambda x, g: torch.nn.functional.grid_sample(x, g, mode, padding_mode, align_corners),
                       [randn(2, 3, 4, 5, seed=8), g], device=device, atol=1e-12, rtol=1e-10)


@pytest.mark.parametrize("in_hw", [(1, 1), (1, 4), (3, 1)])
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("padding_mode", PADDINGS)
@pytest.mark.parametrize("mode", MODES)
def test_matches_torch_on_unit_sizes(device, torch, mode, padding_mode, align_corners, in_hw):
    """An image one pixel high or wide (with align_corners, -1 and 1 are then the same pixel centre)."""
    h, w = in_hw
    g = points((1, 3, 2), (w, h), align_corners, -3, 5, seed=9)
    compare_with_torch(torch, lambda x, g: F.grid_sample(x, g, mode, padding_mode, align_corners),
                       lambda x, g: torch.nn.functional.grid_sample(x, g, mode, padding_mode, align_corners),
                       [randn(1, 2, h, w, seed=10), g], device=device, atol=1e-12, rtol=1e-10)


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("padding_mode", PADDINGS)
@pytest.mark.parametrize("mode", MODES)
def test_matches_torch_on_the_pixel_lines(device, torch, mode, padding_mode, align_corners):
    """Points exactly on pixel centres and edges, at the borders and beyond (the kinks): PyTorch takes the
    derivative from the right of floor, and 0 on a clip's border; so does minigan."""
    coords = np.array([-1.5, -1.0, -0.75, -0.5, 0.0, 0.25, 0.5, 1.0, 1.25, 2.0])
    g = np.stack(np.meshgrid(coords, coords[::-1]), axis=-1)[None]
    compare_with_torch(torch, lambda x, g: F.grid_sample(x, g, mode, padding_mode, align_corners),
                       lambda x, g: torch.nn.functional.grid_sample(x, g, mode, padding_mode, align_corners),
                       [randn(1, 2, 3, 5, seed=11), g], device=device, atol=1e-12, rtol=1e-10)


@pytest.mark.parametrize("padding_mode", PADDINGS)
@pytest.mark.parametrize("mode", MODES)
def test_float32_matches_torch(torch, mode, padding_mode):
    x, g = randn(2, 2, 4, 5, seed=12), points((2, 3, 4), (5, 4), False, -3, 8, seed=13)
    y = F.grid_sample(mg.tensor(x.astype(np.float32)), mg.tensor(g.astype(np.float32)), mode, padding_mode, False)
    ty = torch.nn.functional.grid_sample(torch.tensor(x, dtype=torch.float32), torch.tensor(g, dtype=torch.float32),
                                         mode, padding_mode, False)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.numpy(), ty.numpy(), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("padding_mode", PADDINGS)
@pytest.mark.parametrize("mode", MODES)
def test_infinite_and_nan_points_match_torch(torch, mode, padding_mode):
    """Forward only: a NaN point reads 0 with zeros padding in bilinear mode (NaN weights give NaN), the
    border pixel at 0 with border and reflection; huge points are outside."""
    coords = np.array([np.nan, np.inf, -np.inf, -1e30, 1e30, 0.3])
    g = np.stack(np.meshgrid(coords, coords), axis=-1)[None]
    x = randn(1, 2, 3, 4, seed=14)
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # quietly, as PyTorch
        y = F.grid_sample(mg.tensor(x), mg.tensor(g), mode, padding_mode, False).numpy()
    ty = torch.nn.functional.grid_sample(torch.tensor(x), torch.tensor(g), mode, padding_mode, False).numpy()
    np.testing.assert_array_equal(np.isnan(y), np.isnan(ty))
    np.testing.assert_allclose(np.nan_to_num(y), np.nan_to_num(ty), atol=1e-12)


SIZES = [(2, 3, 4, 5), (1, 1, 5, 5), (3, 2, 1, 6), (2, 1, 7, 1), (1, 1, 1, 1)]


@pytest.mark.parametrize("size", SIZES, ids=str)
@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid_matches_torch(device, torch, size, align_corners):
    theta = randn(size[0], 2, 3, seed=15)
    with warnings.catch_warnings():     # both warn about unit sizes with align_corners=True
        warnings.simplefilter("ignore")
        compare_with_torch(torch, lambda t: F.affine_grid(t, size, align_corners=align_corners),
                           lambda t: torch.nn.functional.affine_grid(t, size, align_corners=align_corners),
                           [theta], device=device, atol=1e-12, rtol=1e-10)


@pytest.mark.parametrize("align_corners", [False, True])
def test_spatial_transformer_matches_torch(device, torch, align_corners):
    theta = np.array([[[0.8, -0.45, 0.1], [0.35, 0.9, -0.2]]]) + randn(3, 2, 3, seed=16, scale=0.1)
    compare_with_torch(
        torch, lambda x, t: F.grid_sample(x, F.affine_grid(t, (3, 2, 5, 4), align_corners), "bilinear", "reflection",
                                          align_corners),
        lambda x, t: torch.nn.functional.grid_sample(
            x, torch.nn.functional.affine_grid(t, (3, 2, 5, 4), align_corners), "bilinear", "reflection",
            align_corners),
        [randn(3, 2, 6, 7, seed=17), theta], device=device, atol=1e-12, rtol=1e-10)


# --------------------------------------------------------------------------- what the grids mean
IDENTITY = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
QUARTER_TURN = np.array([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0]])   # output (x, y) reads input (-y, x)


@pytest.mark.parametrize("padding_mode", PADDINGS)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("align_corners", [False, True])
def test_identity_theta_gives_back_the_input(device, align_corners, mode, padding_mode):
    x = tensors(device, randn(2, 3, 4, 5, seed=18), requires_grad=False)[0]
    theta = mg.tensor(np.stack([IDENTITY, IDENTITY]), device=device)
    y = F.grid_sample(x, F.affine_grid(theta, x.shape, align_corners), mode, padding_mode, align_corners)
    np.testing.assert_allclose(y.numpy(), x.numpy(), atol=1e-12, rtol=0)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("side", [4, 5])
def test_quarter_turn_is_transpose_then_flip(device, side, align_corners, mode):
    """``out[i, j] = x[j, W - 1 - i]``, NumPy's rot90; its input gradient is the turn back."""
    x = tensors(device, randn(2, 3, side, side, seed=19))[0]
    theta = mg.tensor(np.stack([QUARTER_TURN, QUARTER_TURN]), device=device)
    y = F.grid_sample(x, F.affine_grid(theta, x.shape, align_corners), mode, "zeros", align_corners)
    turned = mg.flip(x.transpose(2, 3), 2)
    np.testing.assert_allclose(y.numpy(), turned.numpy(), atol=1e-12, rtol=0)
    np.testing.assert_allclose(y.numpy(), np.rot90(x.numpy(), axes=(2, 3)), atol=1e-12, rtol=0)
    v = randn(*y.shape, seed=20)
    y.backward(mg.tensor(v, device=device))
    np.testing.assert_allclose(x.grad.numpy(), np.rot90(v, -1, axes=(2, 3)), atol=1e-12, rtol=0)


def test_coordinates_follow_align_corners():
    """-1 is the first pixel's centre with align_corners=True and its outer edge (half a pixel before the
    centre: a mix with the zero padding) without; nearest rounds halves to even."""
    x = mg.tensor(np.arange(1.0, 6.0).reshape(1, 1, 1, 5))
    at = lambda *xs: mg.tensor(np.array([[[[v, 0.0] for v in xs]]]))   # noqa: E731
    np.testing.assert_allclose(F.grid_sample(x, at(-1.0, 0.0, 1.0), align_corners=True).numpy().ravel(), [1, 3, 5])
    np.testing.assert_allclose(F.grid_sample(x, at(-1.0, 0.0, 1.0), align_corners=False).numpy().ravel(),
                               [0.5, 3, 2.5])
    # pixel coordinates 0.5, 1.5, 2.5, 3.5 (align_corners=True): the even neighbour each time
    halves = F.grid_sample(x, at(-0.75, -0.25, 0.25, 0.75), "nearest", align_corners=True).numpy().ravel()
    np.testing.assert_array_equal(halves, [1, 3, 3, 5])


def test_empty_grid_gives_an_empty_output():
    y = F.grid_sample(mg.zeros(2, 3, 4, 5), mg.zeros(2, 0, 6, 2), align_corners=False)
    assert y.shape == (2, 3, 0, 6)


def test_align_corners_none_warns_and_means_false():
    x, g = mg.tensor(randn(1, 1, 3, 4)), mg.tensor(points((1, 2, 2), (4, 3), False, -1, 5))
    theta = mg.tensor(IDENTITY[None] * 0.7)
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        y = F.grid_sample(x, g)
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        grid = F.affine_grid(theta, (1, 1, 3, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(y.numpy(), F.grid_sample(x, g, align_corners=False).numpy())
        np.testing.assert_array_equal(grid.numpy(), F.affine_grid(theta, (1, 1, 3, 4), align_corners=False).numpy())


# --------------------------------------------------------------------------- errors
def test_grid_sample_errors():
    x, g = mg.zeros(2, 3, 4, 5), mg.zeros(2, 6, 7, 2)
    with pytest.raises(ValueError, match="grid_sample: mode must be one of bilinear, nearest, bicubic, got 'area'"):
        F.grid_sample(x, g, "area", align_corners=False)
    with pytest.raises(ValueError, match="grid_sample: padding_mode must be one of zeros, border, reflection, got"):
        F.grid_sample(x, g, padding_mode="circular", align_corners=False)
    with pytest.raises(ValueError, match=r"grid_sample: expected a 4-D input \(N, C, H_in, W_in\), got shape "
                                         r"\(3, 4, 5\)"):
        F.grid_sample(mg.zeros(3, 4, 5), g, align_corners=False)
    with pytest.raises(NotImplementedError, match="grid_sample: 5-D .* not implemented"):
        F.grid_sample(mg.zeros(2, 3, 4, 5, 6), mg.zeros(2, 1, 1, 1, 3), align_corners=False)
    with pytest.raises(ValueError, match=r"grid_sample: expected a 4-D grid \(N, H_out, W_out, 2\).*\(2, 6, 2\)"):
        F.grid_sample(x, mg.zeros(2, 6, 2), align_corners=False)
    with pytest.raises(ValueError, match=r"size 2 in its last dimension, got grid shape \(2, 6, 7, 3\)"):
        F.grid_sample(x, mg.zeros(2, 6, 7, 3), align_corners=False)
    with pytest.raises(ValueError, match=r"same batch size, got input \(2, 3, 4, 5\) and grid \(1, 6, 7, 2\)"):
        F.grid_sample(x, mg.zeros(1, 6, 7, 2), align_corners=False)
    with pytest.raises(ValueError, match=r"non-empty spatial dimensions, got shape \(2, 3, 0, 5\)"):
        F.grid_sample(mg.zeros(2, 3, 0, 5), g, align_corners=False)
    with pytest.raises(TypeError, match="grid_sample: expected a floating-point input and grid, got int64"):
        F.grid_sample(mg.zeros(2, 3, 4, 5, dtype="int64"), g, align_corners=False)
    with pytest.raises(TypeError, match="same dtype, got input float32 and grid float64"):
        F.grid_sample(x, mg.zeros(2, 6, 7, 2, dtype="float64"), align_corners=False)


def test_affine_grid_errors():
    theta = mg.zeros(2, 2, 3)
    with pytest.raises(ValueError, match=r"affine_grid: expected a batch of 2-D affine matrices theta of shape "
                                         r"\(N, 2, 3\) for size \(2, 1, 4, 5\), got \(2, 3, 3\)"):
        F.affine_grid(mg.zeros(2, 3, 3), (2, 1, 4, 5), align_corners=False)
    with pytest.raises(ValueError, match=r"got \(2, 3\)"):
        F.affine_grid(mg.zeros(2, 3), (2, 1, 4, 5), align_corners=False)
    with pytest.raises(ValueError, match="affine_grid: expected theta of a floating-point dtype, got int64"):
        F.affine_grid(mg.zeros(2, 2, 3, dtype="int64"), (2, 1, 4, 5), align_corners=False)
    with pytest.raises(NotImplementedError, match=r"affine_grid: 5-D sizes .* got size \(2, 1, 3, 4, 5\)"):
        F.affine_grid(mg.zeros(2, 3, 4), (2, 1, 3, 4, 5), align_corners=False)
    with pytest.raises(ValueError, match=r"affine_grid: expected a 4-D size \(N, C, H, W\), got \(2, 4, 5\)"):
        F.affine_grid(theta, (2, 4, 5), align_corners=False)
    with pytest.raises(ValueError, match=r"affine_grid: expected a positive output size, got \(2, 1, 0, 5\)"):
        F.affine_grid(theta, (2, 1, 0, 5), align_corners=False)
    with pytest.raises(ValueError, match=r"theta holds 2 matrices but size \(3, 1, 4, 5\) asks for a batch of 3"):
        F.affine_grid(theta, (3, 1, 4, 5), align_corners=False)
    with pytest.warns(UserWarning, match="unit-size grids when align_corners=True"):
        F.affine_grid(theta, (2, 1, 1, 5), align_corners=True)
