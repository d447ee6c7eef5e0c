"""MNIST and Fashion-MNIST from their IDX files.

IDX (LeCun et al.) is the simplest array format there is: a 4-byte magic number
``0x00 0x00 <type code> <number of dims>``, then each dimension as a big-endian uint32, then the
values, row-major.  MNIST images are ``idx3-ubyte`` (magic 2051: unsigned bytes, 3 dims
``(N, 28, 28)``), labels ``idx1-ubyte`` (magic 2049: ``(N,)``).  :func:`read_idx` reads any
IDX file, gzipped or plain, and checks that the header and the length agree.

:func:`load_mnist` reads the four standard files from ``root/mnist/`` or
``root/fashion-mnist/``.  Nothing here touches the network unless ``download=True``; then the
missing files are fetched with :mod:`urllib` and checked against their published SHA-256 digests.
"""
from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
import urllib.request
import zlib
from pathlib import Path

import numpy as np

from .images import LabelledImages, resize, scale_pixels

__all__ = ["read_idx", "write_idx", "load_mnist", "MNIST", "IDXError", "KINDS", "mnist_folder"]


class IDXError(ValueError):
    """An IDX file that is truncated, corrupt or not IDX at all."""


# type code -> big-endian dtype (the IDX spec's list)
_IDX_TYPES = {
    0x08: np.dtype(">u1"), 0x09: np.dtype(">i1"), 0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8"),
}
_IDX_CODES = {dt.newbyteorder("="): code for code, dt in _IDX_TYPES.items()}


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(2) == b"\x1f\x8b"


def read_idx(path) -> np.ndarray:
    """Read an IDX file (gzipped or plain, told apart by content, not by name) into a NumPy array
    of native byte order, e.g. ``(60000, 28, 28)`` uint8.  Raises :class:`IDXError` naming the path
    when the magic number is wrong or the file is shorter or longer than its header says."""
    path = Path(path)
    try:
        if _is_gzip(path):
            with gzip.open(path, "rb") as f:
                raw = f.read()
        else:
            raw = path.read_bytes()
    except (OSError, EOFError, zlib.error) as exc:   # gzip's ways of saying truncated or damaged
        if isinstance(exc, FileNotFoundError):
            raise
        raise IDXError(f"read_idx: {path} is not a readable gzip file ({type(exc).__name__}: {exc})") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES or raw[3] == 0:
        raise IDXError(f"read_idx: {path} is not an IDX file (magic number {raw[:4].hex() or 'missing'}; "
                       "expected 0000 followed by a type code 08/09/0b/0c/0d/0e and the number of dims)")
    dtype, ndim = _IDX_TYPES[raw[2]], raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise IDXError(f"read_idx: {path} is truncated: its header needs {header} bytes, the file has {len(raw)}")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) != expected:
        what = "truncated" if len(raw) < expected else "longer than its header says"
        raise IDXError(f"read_idx: {path} is {what}: header says shape {shape} of {dtype.name} "
                       f"({expected} bytes in all), the file has {len(raw)} bytes")
    data = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="))   # native order, and a writable copy


def write_idx(path, array: np.ndarray) -> None:
    """Write ``array`` as an IDX file (gzipped when the name ends in ``.gz``). Tests and users
    build small MNIST-shaped files with it."""
    array = np.asarray(array)
    code = _IDX_CODES.get(array.dtype.newbyteorder("="))
    if code is None:
        raise ValueError(f"write_idx: IDX cannot store dtype {array.dtype} (use uint8, int8, int16, int32, "
                         "float32 or float64)")
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    body = array.astype(_IDX_TYPES[code]).tobytes()
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wb") as f:
        f.write(header + body)


# --------------------------------------------------------------------------- the standard files
KINDS = {
    "mnist": {
        "folder": "mnist",
        "name": "MNIST",
        "url": "https://ossci-datasets.s3.amazonaws.com/mnist/",
        # SHA-256 of the four .gz files as distributed (the same digests are published by
        # TensorFlow Datasets and many loaders; torchvision publishes MD5 f68b3c2d..., d53e105e...,
        # 9fb629c4..., ec29112d... for the same bytes).  Only SHA-256 is checked.
        "sha256": {
            "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
            "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
            "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
            "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        },
    },
    "fashion": {
        "folder": "fashion-mnist",
        "name": "Fashion-MNIST",
        "url": "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        # SHA-256 as published in the Fashion-MNIST repository's README and by TensorFlow Datasets.
        # This mirror is plain HTTP: the digest check is what makes the download trustworthy.
        "sha256": {
            "train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
            "train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
            "t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
            "t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
        },
    },
}
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")


def _split_files(train: bool) -> tuple[str, str]:
    prefix = "train" if train else "t10k"
    return f"{prefix}-images-idx3-ubyte.gz", f"{prefix}-labels-idx1-ubyte.gz"


def _kind(kind: str) -> dict:
    if kind not in KINDS:
        raise ValueError(f"load_mnist: kind must be one of {sorted(KINDS)}, got {kind!r}")
    return KINDS[kind]


def mnist_folder(root, kind: str = "mnist") -> Path:
    """Where :func:`load_mnist` looks for the files of ``kind``: ``root/mnist`` or ``root/fashion-mnist``
    (two folders, because both sets use the same file names)."""
    return Path(os.path.expanduser(os.fspath(root))) / _kind(kind)["folder"]


def _find(folder: Path, gz_name: str) -> Path | None:
    """The file as distributed (``.gz``) or unpacked (same name without ``.gz``)."""
    for candidate in (folder / gz_name, folder / gz_name[:-3]):
        if candidate.is_file():
            return candidate
    return None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _download(url: str, target: Path, sha256: str, timeout: float = 60.0) -> None:
    """Fetch ``url`` into ``target`` via a temporary file; keep it only if its SHA-256 matches."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=target.name + ".", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
            for block in iter(lambda: response.read(1 << 20), b""):
                out.write(block)
        got = _sha256(Path(tmp))
        if got != sha256:
            raise IDXError(f"load_mnist: {url} has SHA-256 {got}, expected {sha256}; not saved")
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def load_mnist(root, train: bool = True, kind: str = "mnist", download: bool = False,
               size: int = 28, scale: str = "tanh", dtype=np.float32):
    """MNIST or Fashion-MNIST as ``(images (N, 1, size, size), labels (N,) int64)`` NumPy arrays.

    ``N`` is 60,000 (``train=True``) or 10,000.  Files are read from :func:`mnist_folder`
    (``root/mnist/`` or ``root/fashion-mnist/``), each as distributed (``.gz``) or unpacked.
    ``scale="tanh"`` gives ``[-1, 1]``, ``"unit"`` gives ``[0, 1]``; ``size != 28`` resizes
    bilinearly.  Without the files, ``download=True`` fetches them (and checks SHA-256);
    otherwise a :class:`FileNotFoundError` says which files to put where.
    """
    spec = _kind(kind)
    folder = mnist_folder(root, kind)
    names = _split_files(train)
    found = [_find(folder, n) for n in names]
    missing = [n for n, p in zip(names, found) if p is None]
    if missing and download:
        for name in missing:
            _download(spec["url"] + name, folder / name, spec["sha256"][name])
        found = [_find(folder, n) for n in names]
        missing = []
    if missing:
        raise FileNotFoundError(
            f"load_mnist: {spec['name']} files not found in {folder}: missing {', '.join(missing)} "
            "(gzipped as distributed, or unpacked without '.gz'). Download them from "
            f"{spec['url']} into that folder, or call load_mnist(..., download=True).")
    images, labels = (read_idx(p) for p in found)
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise IDXError(f"load_mnist: {found[0]} holds {images.shape} and {found[1]} holds {labels.shape}; "
                       "expected images (N, H, W) and labels (N,) with the same N")
    images = images[:, None].astype(np.float32)
    if size != images.shape[-1] or size != images.shape[-2]:
        images = resize(images, size)
    return scale_pixels(images, 255.0, scale, dtype), labels.astype(np.int64)


class MNIST(LabelledImages):
    """MNIST or Fashion-MNIST as a dataset: ``ds[i] -> (image (1, size, size), label)``;
    ``ds.arrays`` is ``(images, labels)`` for :class:`~minigan.data.DataLoader`."""

    def __init__(self, root, train: bool = True, kind: str = "mnist", download: bool = False,
                 size: int = 28, scale: str = "tanh", dtype=np.float32):
        self.images, self.labels = load_mnist(root, train=train, kind=kind, download=download,
                                              size=size, scale=scale, dtype=dtype)
        self.kind, self.train = kind, train
        self.classes = FASHION_CLASSES if kind == "fashion" else tuple(str(d) for d in range(10))

    def __repr__(self) -> str:
        split = "train" if self.train else "test"
        return f"MNIST(kind={self.kind!r}, {split}, {len(self)} images of {tuple(self.images.shape[1:])})"
