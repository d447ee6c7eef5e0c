"""Pictures: grids are checked pixel by pixel; plots are checked to be written as PNGs."""
import sys

import matplotlib.image as mpimg
import numpy as np
import pytest

import minigan as mg
from minigan import viz


def test_grid_layout_padding_and_range():
    x = np.stack([np.full((1, 2, 3), v, np.float32) for v in (-1.0, 0.0, 1.0)])   # (3, 1, 2, 3)
    g = viz.image_grid(x, nrow=2, padding=1, pad_value=0.25)
    assert g.shape == (2 * (2 + 1) + 1, 2 * (3 + 1) + 1, 1) and g.dtype == np.float32
    assert g[1:3, 1:4].ravel().tolist() == [0.0] * 6             # -1 -> 0
    assert g[1:3, 5:8].ravel().tolist() == [0.5] * 6             #  0 -> 0.5
    assert g[4:6, 1:4].ravel().tolist() == [1.0] * 6             #  1 -> 1
    assert g[4:6, 5:8].ravel().tolist() == [0.25] * 6            # the empty fourth cell is padding
    assert g[0].tolist() == [[0.25]] * 9 and g[:, 0].ravel().tolist() == [0.25] * 7


def test_grid_default_columns_rgb_order_and_clipping():
    x = np.zeros((5, 3, 2, 2), np.float32)
    x[0, 0] = 1.0                                                 # first image pure red
    x[4] = 5.0                                                    # out of range: clipped
    g = viz.image_grid(x, value_range=(0, 1), padding=0)
    assert g.shape == (2 * 2, 3 * 2, 3)                           # ceil(sqrt(5)) = 3 per row
    assert g[0, 0].tolist() == [1.0, 0.0, 0.0]
    assert g[2:4, 2:4].max() == 1.0 and g[2:4, 4:6].tolist() == [[[1.0] * 3] * 2] * 2


def test_auto_range_and_scale_each():
    x = np.stack([np.linspace(0, 10, 4), np.linspace(0, 1, 4)]).reshape(2, 1, 2, 2).astype(np.float32)
    g = viz.image_grid(x, nrow=2, value_range="auto", padding=0)
    np.testing.assert_allclose(g[:, 2:, 0].max(), 0.1, rtol=1e-6)   # the batch's range 0..10
    g = viz.image_grid(x, nrow=2, value_range="auto", padding=0, scale_each=True)
    assert g[:, 2:, 0].max() == 1.0                                 # each image its own range
    g = viz.image_grid(np.full((1, 1, 2, 2), 3.0), value_range="auto")
    assert np.all(g[2:4, 2:4] == 0.5)                               # constant: mid-gray, no nan


def test_grid_takes_tensors_and_device_arrays(device):
    t = mg.tensor(np.ones((2, 1, 3, 3), np.float32), device=device)
    for images in (t, t.data):
        g = viz.image_grid(images, value_range=(0, 1))
        assert isinstance(g, np.ndarray) and g.shape == (2 + 3 + 2, 2 * 5 + 2, 1)


def test_grid_rejects_ambiguous_shapes():
    with pytest.raises(ValueError, match=r"x\[:, None\]"):
        viz.image_grid(np.zeros((4, 8, 8)))
    with pytest.raises(ValueError, match="C = 1 or 3"):
        viz.image_grid(np.zeros((4, 2, 8, 8)))
    assert viz.image_grid(np.zeros((5, 7)), padding=0).shape == (5, 7, 1)


def test_save_image_grid_is_pixel_exact(tmp_path):
    x = np.zeros((4, 1, 8, 8), np.float32)
    x[1] = 1.0
    path = viz.save_image_grid(x, tmp_path / "deep" / "grid.png", nrow=2, value_range=(0, 1), padding=2,
                               upscale=3)
    img = mpimg.imread(path)
    assert img.shape[:2] == (3 * 22, 3 * 22)
    assert img[3 * 2, 3 * 2, 0] == 0.0 and img[3 * 2, 3 * 12, 0] == 1.0
    auto = mpimg.imread(viz.save_image_grid(x, tmp_path / "auto.png", value_range=(0, 1)))
    assert auto.shape[0] >= 242 // 2 and auto.shape[0] % 22 == 0     # auto upscale: a whole factor


def test_smooth_curve():
    np.testing.assert_allclose(viz.smooth_curve([2.0] * 5, 0.9), 2.0)   # debiased: no pull to 0
    np.testing.assert_allclose(viz.smooth_curve([1.0, 3.0], 0.5), [1.0, (0.5 * 0.5 + 0.5 * 3) / (1 - 0.5 ** 2)])
    np.testing.assert_allclose(viz.smooth_curve([1, 2, 3, 4], 2), [1, 1.5, 2.5, 3.5])
    np.testing.assert_allclose(viz.smooth_curve([1, 5], 0.0), [1, 5])
    with pytest.raises(ValueError, match="smooth"):
        viz.smooth_curve([1, 2], 1.5)


def _png(path):
    with open(path, "rb") as f:
        return f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_plots_write_pngs_without_pyplot_figures(tmp_path, rng):
    before = sys.modules["matplotlib.pyplot"].get_fignums() if "matplotlib.pyplot" in sys.modules else []
    paths = [
        viz.plot_losses({"D": rng.random(50).tolist(), "G": list(rng.random(50)), "empty": []},
                        tmp_path / "a" / "loss.png", smooth=0.9, title="losses"),
        viz.plot_losses({"D": [1.0, 0.5]}, tmp_path / "loss_window.png", smooth=5),
        viz.plot_histograms({"w": rng.standard_normal(100), "b.grad": None,
                             "t": mg.tensor(np.ones(3, np.float32))}, tmp_path / "hist.png"),
        viz.plot_histograms([("only", np.arange(10))], tmp_path / "hist2.png"),
        viz.plot_filters(rng.standard_normal((8, 3, 5, 5)), tmp_path / "rgb_filters.png"),
        viz.plot_filters(rng.standard_normal((16, 4, 3, 3)), tmp_path / "gray_filters.png", max_filters=20),
        viz.save_side_by_side([rng.random((1, 3, 16, 16)), rng.random((3, 8, 8)), rng.random((12, 12))],
                              ["content", "style", "result"], tmp_path / "b" / "side.png"),
    ]
    for p in paths:
        assert p.is_file() and p.stat().st_size > 1000 and _png(p)
    after = sys.modules["matplotlib.pyplot"].get_fignums() if "matplotlib.pyplot" in sys.modules else []
    assert after == before


def test_plot_arguments_are_checked(tmp_path):
    with pytest.raises(ValueError, match="titles"):
        viz.save_side_by_side([np.zeros((3, 4, 4))], ["a", "b"], tmp_path / "x.png")
    with pytest.raises(ValueError, match="C_out, C_in, kh, kw"):
        viz.plot_filters(np.zeros((3, 3)), tmp_path / "f.png")
    with pytest.raises(ValueError, match="nothing to plot"):
        viz.plot_histograms({}, tmp_path / "h.png")
    assert not any(tmp_path.iterdir())
