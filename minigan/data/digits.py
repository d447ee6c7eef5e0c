"""The embedded digits: 1,797 handwritten digits, 8x8 pixels, shipped inside the package.

They are the test set of the UCI "Optical Recognition of Handwritten Digits" data
(E. Alpaydin and C. Kaynak, 1998, DOI 10.24432/C50P49, CC BY 4.0): 32x32 bitmaps of digits
written by 13 people, cut into 4x4 blocks whose "on" pixels were counted, so each pixel is an
integer 0..16.  ``files/README.md`` says where the file came from and how it was built
(``tools/make_digits.py``).

They are small enough that a GAN learns them on a CPU in minutes, which makes them the default
data of every GAN command, lesson and test::

    images, labels = load_digits()            # (1797, 1, 8, 8) float32 in [-1, 1], (1797,) int64
    images, labels = load_digits(size=32)     # bilinear upscaling to 32x32
"""
from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from .images import LabelledImages, resize, scale_pixels

__all__ = ["load_digits", "Digits", "DIGITS_PATH", "DIGITS_PEAK"]

DIGITS_PATH = Path(__file__).resolve().parent / "files" / "digits.npz"
DIGITS_PEAK = 16  # pixels count "on" bits in a 4x4 block: 0..16


@functools.lru_cache(maxsize=1)
def _raw_digits() -> tuple[np.ndarray, np.ndarray]:
    """The shipped arrays, read once: ``(images (1797, 8, 8) uint8, labels (1797,) int64)``."""
    if not DIGITS_PATH.is_file():
        raise FileNotFoundError(
            f"load_digits: the embedded data file {DIGITS_PATH} is missing; the package is incomplete "
            "(rebuild it with tools/make_digits.py, see minigan/data/files/README.md)")
    with np.load(DIGITS_PATH, allow_pickle=False) as f:
        images, labels = f["images"], f["labels"]
    images.setflags(write=False)   # shared by every caller: hand out copies only
    labels.setflags(write=False)
    return images, labels


def load_digits(size: int = 8, scale: str = "tanh", dtype=np.float32, mode: str = "bilinear"):
    """The 1,797 digits as float images and their labels.

    Returns ``(images (N, 1, size, size), labels (N,) int64)`` with ``N = 1797``, as NumPy arrays.

    * ``size``: 8 is the original resolution; any other size resizes with :func:`resize`
      (``mode="bilinear"``, smooth, or ``"nearest"``, blocky).  Resizing happens on the 0..16
      counts, before scaling.
    * ``scale="tanh"``: ``x / 16 * 2 - 1`` in ``[-1, 1]`` (matches a generator's tanh output);
      ``scale="unit"``: ``x / 16`` in ``[0, 1]``.
    """
    images, labels = _raw_digits()
    images = images[:, None].astype(np.float64)          # (N, 1, 8, 8); float64 until the end
    if size != 8:
        images = resize(images, size, mode=mode)
        np.clip(images, 0, DIGITS_PEAK, out=images)       # bilinear never overshoots; be safe anyway
    return scale_pixels(images, DIGITS_PEAK, scale, dtype), labels.copy()


class Digits(LabelledImages):
    """The digits as a dataset: ``len(ds) == 1797``, ``ds[i] -> (image (1, size, size), label)``.

    ``ds.arrays`` is ``(images, labels)``; :class:`~minigan.data.DataLoader` batches straight
    from it by fancy indexing.  ``classes`` restricts to some digits (e.g. ``classes=[3]`` for a
    GAN of threes).
    """

    def __init__(self, size: int = 8, scale: str = "tanh", dtype=np.float32, mode: str = "bilinear",
                 classes=None):
        images, labels = load_digits(size=size, scale=scale, dtype=dtype, mode=mode)
        if classes is not None:
            classes = sorted({int(c) for c in classes})
            if not classes or min(classes) < 0 or max(classes) > 9:
                raise ValueError(f"Digits: classes must be digits 0..9, got {classes}")
            keep = np.isin(labels, classes)
            images, labels = images[keep], labels[keep]
        self.images, self.labels = images, labels
        self.classes = classes

    def __repr__(self) -> str:
        n, c, h, w = self.images.shape
        which = "all classes" if self.classes is None else f"classes {self.classes}"
        return f"Digits({n} images of {c}x{h}x{w}, {which})"
