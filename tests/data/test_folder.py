"""Image folders, single images by path or name, and the shipped textures."""
import numpy as np
import pytest
from PIL import Image

from minigan.data import ImageFolder, ImageReadError, list_textures, load_image, read_image, texture_path


def solid(path, rgb, size=(30, 20), mode="RGB"):
    """Write a one-colour picture of ``size`` = (width, height)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size, rgb).save(path)
    return path


def test_folder_of_mixed_files_and_classes(tmp_path):
    solid(tmp_path / "cats" / "a.png", (255, 0, 0))
    solid(tmp_path / "cats" / "b.JPG", (0, 0, 255), size=(64, 48))
    solid(tmp_path / "dogs" / "c.png", (0, 255, 0), size=(12, 40))
    (tmp_path / "dogs" / "notes.txt").write_text("not a picture")
    ds = ImageFolder(tmp_path, size=8, mode="RGB")
    assert ds.images.shape == (3, 3, 8, 8) and ds.images.dtype == np.float32
    assert ds.classes == ["cats", "dogs"] and ds.labels.tolist() == [0, 0, 1]
    red = ds.images[0]
    np.testing.assert_allclose(red[0], 1.0, atol=1e-6)
    np.testing.assert_allclose(red[1:], -1.0, atol=1e-6)
    blue = ds.images[1]                                    # JPEG: close, not exact
    assert blue[2].min() > 0.9 and blue[:2].max() < -0.85


def test_gray_mode_uses_luma_and_flat_folders_have_one_class(tmp_path):
    solid(tmp_path / "r.png", (255, 0, 0))
    solid(tmp_path / "g.png", 128, mode="L")                # a gray file, read as gray
    solid(tmp_path / "t.png", (0, 255, 0, 0), mode="RGBA")  # alpha is dropped, colour kept
    ds = ImageFolder(tmp_path, size=4, mode="L", scale="unit")
    assert ds.images.shape == (3, 1, 4, 4) and ds.classes == ["."] and ds.labels.tolist() == [0, 0, 0]
    g, r, t = ds.images[:, 0, 0, 0]                          # files are sorted: g, r, t
    assert g == pytest.approx(128 / 255, abs=1e-6)
    assert r == pytest.approx(0.299, abs=1e-3)
    assert t == pytest.approx(0.587, abs=1e-3)
    rgb = read_image(tmp_path / "g.png", mode="RGB")
    assert rgb.shape == (3, 20, 30) and np.ptp(rgb, axis=0).max() == 0


def test_aspect_ratio_is_kept_then_center_cropped(tmp_path):
    wide = np.zeros((20, 60, 3), np.uint8)
    wide[:, 26:34] = 255             # a white band in the middle: columns 13..17 once 10x30
    Image.fromarray(wide).save(tmp_path / "wide.png")
    img = ImageFolder(tmp_path, size=10, mode="L", scale="unit").images[0, 0]
    assert img.shape == (10, 10)
    assert img[:, 4:6].min() > 0.9   # the crop (columns 10..20 of 30) kept the middle
    assert img[:, 0].max() < 0.1 and img[:, -1].max() < 0.1


def test_errors_name_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="no folder at .*nowhere"):
        ImageFolder(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "readme.txt").write_text("x")
    with pytest.raises(FileNotFoundError, match="empty holds no images"):
        ImageFolder(tmp_path / "empty")
    bad = tmp_path / "broken" / "photo.jpg"
    bad.parent.mkdir()
    bad.write_bytes(b"this is not a jpeg")
    with pytest.raises(ImageReadError, match="cannot read .*photo.jpg"):
        ImageFolder(tmp_path / "broken")
    with pytest.raises(ValueError, match="mode"):
        read_image(bad, mode="CMYK")


def test_load_image_by_path_and_by_name(tmp_path):
    path = solid(tmp_path / "x.png", (0, 0, 255), size=(40, 30))
    x = load_image(path)
    assert x.shape == (1, 3, 30, 40) and x.min() >= 0 and x.max() <= 1
    assert load_image(path, size=12, crop=False).shape == (1, 3, 12, 16)
    hopper = load_image("grace_hopper", size=32, scale="tanh")
    assert hopper.shape == (1, 3, 32, 32) and hopper.min() >= -1 and hopper.max() <= 1
    assert hopper.std() > 0.1                                  # a photograph, not a blank
    with pytest.raises(FileNotFoundError, match="not a known name"):
        load_image("no_such_picture")


def test_shipped_textures():
    names = list_textures()
    assert names == sorted(["marble", "mosaic", "stripes", "weave"])
    total = sum(texture_path(n).stat().st_size for n in names)
    assert total < 300_000
    for name in names:
        img = load_image(name, mode="RGB")
        assert img.shape == (1, 3, 256, 256)
        assert img.std() > 0.05                                 # has structure
        assert np.ptp(img.mean(axis=(2, 3))) > 0.02             # has colour, not just gray
    assert texture_path("marble.png") == texture_path("marble")
    with pytest.raises(FileNotFoundError, match="available"):
        texture_path("velvet")


def test_textures_are_rebuilt_identically(tmp_path):
    import importlib.util
    from pathlib import Path
    script = Path(__file__).resolve().parents[2] / "tools" / "make_textures.py"
    spec = importlib.util.spec_from_file_location("make_textures", script)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    tool.main(["--out", str(tmp_path)])
    for name in list_textures():
        rebuilt = np.asarray(Image.open(tmp_path / f"{name}.png"))
        shipped = np.asarray(Image.open(texture_path(name)))
        np.testing.assert_array_equal(rebuilt, shipped)
