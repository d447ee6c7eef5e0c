"""resize / center_crop / scale_pixels: hand-worked values, PyTorch parity, devices."""
import numpy as np
import pytest

from minigan import backend
from minigan.data.images import center_crop, resize, resize_and_center_crop, scale_pixels


def test_bilinear_doubling_by_hand():
    # 1-D [0, 4] doubled with half-pixel centres: sources at -0.25 (clamped to 0), 0.25, 0.75, 1.25
    x = np.array([[0.0, 4.0]], dtype=np.float32)
    out = resize(x, (1, 4))
    np.testing.assert_allclose(out, [[0.0, 1.0, 3.0, 4.0]])
    assert out.dtype == np.float32


def test_nearest_copies_pixels():
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    out = resize(x, (4, 6), mode="nearest")
    np.testing.assert_array_equal(out, x.repeat(2, axis=0).repeat(2, axis=1))


def test_same_size_is_a_copy_and_integers_become_float32():
    x = np.arange(16, dtype=np.uint8).reshape(1, 1, 4, 4)
    out = resize(x, 4)
    assert out.dtype == np.float32 and not np.shares_memory(out, x)
    np.testing.assert_array_equal(out, x)


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("size", [(28, 28), (5, 13), (3, 2), (17, 8)])
def test_resize_matches_pytorch_interpolate(torch, mode, size, rng):
    x = rng.standard_normal((2, 3, 8, 11)).astype(np.float32)
    kwargs = {"align_corners": False} if mode == "bilinear" else {}
    ref = torch.nn.functional.interpolate(torch.from_numpy(x), size=size, mode=mode, **kwargs).numpy()
    np.testing.assert_allclose(resize(x, size, mode=mode), ref, rtol=1e-5, atol=1e-5)


def test_resize_on_every_device(device, rng):
    x = rng.random((2, 1, 5, 7)).astype(np.float32)
    out = resize(backend.to_device(x, device), (9, 4))
    assert backend.device_of(out) == device
    np.testing.assert_allclose(backend.to_numpy(out), resize(x, (9, 4)), rtol=1e-6)


def test_resize_rejects_bad_arguments():
    with pytest.raises(ValueError, match="mode"):
        resize(np.zeros((4, 4)), 2, mode="cubic")
    with pytest.raises(ValueError, match="positive"):
        resize(np.zeros((4, 4)), 0)


def test_center_crop_keeps_the_middle():
    x = np.arange(5 * 7).reshape(5, 7)
    np.testing.assert_array_equal(center_crop(x, 3), x[1:4, 2:5])
    with pytest.raises(ValueError, match="cannot crop"):
        center_crop(x, 6)


def test_resize_and_center_crop_scales_the_shorter_side():
    # a 40x100 picture whose left half is 0 and right half 1: after shorter side -> 8 it is
    # 8x20, and the middle 8 columns straddle the edge
    x = np.zeros((3, 40, 100), dtype=np.float32)
    x[:, :, 50:] = 1.0
    out = resize_and_center_crop(x, 8)
    assert out.shape == (3, 8, 8)
    assert out[:, :, :3].max() < 0.05 and out[:, :, 5:].min() > 0.95
    # a constant image stays constant through the box pre-filter and the bilinear step
    np.testing.assert_allclose(resize_and_center_crop(np.full((1, 300, 200), 0.25, np.float32), 16), 0.25)


@pytest.mark.parametrize("scale, lo, hi", [("tanh", -1.0, 1.0), ("unit", 0.0, 1.0)])
def test_scale_pixels(scale, lo, hi):
    x = np.array([0, 8, 16], dtype=np.uint8)
    out = scale_pixels(x, 16, scale)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [lo, (lo + hi) / 2, hi])
    with pytest.raises(ValueError, match="scale"):
        scale_pixels(x, 16, "sigmoid")
