"""The embedded digits: the shipped file, load_digits, Digits, and the script that built the file."""
import gzip
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from minigan.data import Digits, load_digits
from minigan.data.digits import DIGITS_PATH

REPO = Path(__file__).resolve().parents[2]
# the first row of the UCI test set (a zero), as published
FIRST_ROW = [0, 0, 5, 13, 9, 1, 0, 0, 0, 0, 13, 15, 10, 15, 5, 0, 0, 3, 15, 2, 0, 11, 8, 0, 0, 4, 12, 0, 0, 8, 8, 0,
             0, 5, 8, 0, 0, 9, 8, 0, 0, 4, 11, 0, 1, 12, 7, 0, 0, 2, 14, 5, 10, 12, 0, 0, 0, 0, 6, 13, 10, 0, 0, 0]


def test_shipped_file_holds_the_uci_test_set():
    with np.load(DIGITS_PATH, allow_pickle=False) as f:
        images, labels = f["images"], f["labels"]
    assert images.shape == (1797, 8, 8) and images.dtype == np.uint8
    assert labels.shape == (1797,) and labels.dtype == np.int64
    assert images.max() == 16
    np.testing.assert_array_equal(images[0].ravel(), FIRST_ROW)
    np.testing.assert_array_equal(np.bincount(labels), [178, 182, 177, 183, 181, 182, 181, 179, 174, 180])
    readme = (DIGITS_PATH.parent / "README.md").read_text()
    assert "CC BY 4.0" in readme and "10.24432/C50P49" in readme


@pytest.mark.parametrize("scale, lo, hi", [("tanh", -1.0, 1.0), ("unit", 0.0, 1.0)])
def test_load_digits_ranges(scale, lo, hi):
    images, labels = load_digits(scale=scale)
    assert images.shape == (1797, 1, 8, 8) and images.dtype == np.float32
    assert labels.dtype == np.int64 and labels[:10].tolist() == list(range(10))
    assert images.min() == lo and images.max() == hi
    np.testing.assert_allclose(images[0, 0].ravel(), lo + (hi - lo) * np.array(FIRST_ROW) / 16, rtol=1e-6)


def test_unit_and_tanh_are_one_affine_map():
    unit, _ = load_digits(scale="unit")
    tanh, _ = load_digits(scale="tanh")
    np.testing.assert_allclose(tanh, unit * 2 - 1, atol=1e-6)


def test_upscaling_nearest_repeats_and_bilinear_stays_in_range():
    small, _ = load_digits()
    near, _ = load_digits(size=16, mode="nearest")
    np.testing.assert_array_equal(near, small.repeat(2, axis=2).repeat(2, axis=3))
    big, _ = load_digits(size=28, dtype=np.float64)
    assert big.shape == (1797, 1, 28, 28) and big.dtype == np.float64
    assert big.min() >= -1 and big.max() <= 1
    # smooth upscaling keeps the overall ink: mean brightness per image changes only a little
    np.testing.assert_allclose(big.mean(axis=(1, 2, 3)), small.mean(axis=(1, 2, 3)), atol=0.05)


def test_callers_get_independent_copies():
    a, la = load_digits()
    a[:] = 0
    la[:] = 0
    b, lb = load_digits()
    assert b.max() == 1.0 and lb[1] == 1


def test_digits_dataset_and_class_filter():
    ds = Digits(classes=[3, 7])
    assert len(ds) == 183 + 179
    assert set(np.unique(ds.labels)) == {3, 7}
    image, label = ds[0]
    assert image.shape == (1, 8, 8) and label in (3, 7)
    assert ds.arrays[0] is ds.images
    with pytest.raises(ValueError, match="classes"):
        Digits(classes=[10])


def test_make_digits_rebuilds_the_shipped_file_byte_for_byte(tmp_path):
    spec = importlib.util.spec_from_file_location("make_digits", REPO / "tools" / "make_digits.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    with np.load(DIGITS_PATH) as f:
        images, labels = f["images"], f["labels"]
    csv = tmp_path / "digits.csv.gz"
    with gzip.open(csv, "wt") as out:
        for img, lab in zip(images, labels):
            out.write(",".join(map(str, [*img.ravel(), lab])) + "\n")
    rebuilt = tmp_path / "digits.npz"
    tool.main([str(csv), "--out", str(rebuilt)])
    assert rebuilt.read_bytes() == DIGITS_PATH.read_bytes()
    with gzip.open(csv, "wt") as out:            # a file of the wrong shape is refused
        out.write("1,2,3\n")
    with pytest.raises(ValueError, match="expected 1797 rows"):
        tool.main([str(csv), "--out", str(rebuilt)])
