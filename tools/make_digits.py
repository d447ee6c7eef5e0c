"""Build ``minigan/data/files/digits.npz`` from the UCI digits as a CSV.

Usage::

    python tools/make_digits.py PATH/TO/digits.csv.gz [--out minigan/data/files/digits.npz]

The input is the test set of the UCI "Optical Recognition of Handwritten Digits" data
(Alpaydin & Kaynak 1998, CC BY 4.0) as one CSV row per digit: 64 pixel counts in 0..16
(an 8x8 image, row by row), then the label 0..9.  scikit-learn ships exactly this file as
``sklearn/datasets/data/digits.csv.gz``; minigan only reads it here, once, and ships the
result, so the package itself never depends on scikit-learn.

The output is a compressed .npz with ``images`` (1797, 8, 8) uint8 and ``labels`` (1797,)
int64.  Its zip entries carry a fixed timestamp, so running the script twice gives the same
bytes.
"""
from __future__ import annotations

import argparse
import gzip
import io
import zipfile
from pathlib import Path

import numpy as np

EXPECTED_ROWS = 1797
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "minigan" / "data" / "files" / "digits.npz"


def read_digits_csv(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Parse the CSV into ``(images (N, 8, 8) uint8, labels (N,) int64)``, checking every value."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.int64, ndmin=2)
    if table.shape != (EXPECTED_ROWS, 65):
        raise ValueError(f"{path}: expected {EXPECTED_ROWS} rows of 65 columns, got shape {table.shape}")
    pixels, labels = table[:, :64], table[:, 64]
    if pixels.min() < 0 or pixels.max() > 16:
        raise ValueError(f"{path}: pixel counts must lie in 0..16, got {pixels.min()}..{pixels.max()}")
    if labels.min() < 0 or labels.max() > 9:
        raise ValueError(f"{path}: labels must lie in 0..9, got {labels.min()}..{labels.max()}")
    return pixels.reshape(-1, 8, 8).astype(np.uint8), labels.astype(np.int64)


def write_npz_reproducibly(path: Path, **arrays: np.ndarray) -> None:
    """Like ``np.savez_compressed``, but with fixed zip timestamps so the bytes are reproducible."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, array in arrays.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, buf.getvalue(), compresslevel=9)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path, help="digits.csv.gz (64 pixel columns, then the label)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the .npz")
    args = parser.parse_args(argv)
    images, labels = read_digits_csv(args.csv)
    write_npz_reproducibly(args.out, images=images, labels=labels)
    counts = np.bincount(labels, minlength=10)
    print(f"wrote {args.out}: images {images.shape} {images.dtype}, labels {labels.shape} {labels.dtype}, "
          f"per class {counts.tolist()}, {args.out.stat().st_size} bytes")


if __name__ == "__main__":
    main()
