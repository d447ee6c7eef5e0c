"""Pictures from files: a folder of the user's own images, one image for style transfer, and the
textures shipped with minigan.

Files are read with :func:`matplotlib.image.imread` (Pillow underneath), turned into float
arrays ``(C, H, W)``, resized so the shorter side is ``size`` and center-cropped
(:func:`~minigan.data.images.resize_and_center_crop`), then scaled to ``[-1, 1]`` (``"tanh"``)
or ``[0, 1]`` (``"unit"``).  ``mode="L"`` gives one gray channel (ITU-R 601 luma,
``0.299 R + 0.587 G + 0.114 B``, as Pillow's ``convert("L")``), ``mode="RGB"`` three.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .images import LabelledImages, resize, resize_and_center_crop, scale_pixels

__all__ = ["ImageFolder", "ImageReadError", "read_image", "load_image", "list_textures", "texture_path",
           "IMAGE_SUFFIXES"]

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
TEXTURES_DIR = Path(__file__).resolve().parent / "files" / "textures"
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


class ImageReadError(ValueError):
    """A file that should be an image but cannot be read as one."""


def read_image(path, mode: str = "RGB") -> np.ndarray:
    """Read one PNG/JPEG as float32 ``(C, H, W)`` in ``[0, 1]``, ``C = 1`` for ``mode="L"`` and 3
    for ``"RGB"``.  Alpha is dropped; gray files are repeated to RGB when asked."""
    import matplotlib.image as mpimg   # imported late: matplotlib is slow to import

    if mode not in ("L", "RGB"):
        raise ValueError(f"read_image: mode must be 'L' or 'RGB', got {mode!r}")
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"read_image: no image file at {path}")
    try:
        pixels = mpimg.imread(path)
    except Exception as exc:  # Pillow raises several types (UnidentifiedImageError, OSError, SyntaxError)
        raise ImageReadError(f"read_image: cannot read {path} as an image ({type(exc).__name__}: {exc})") from None
    # imread gives uint8 0..255 for JPEG, float32 0..1 for PNG (uint16 PNGs too, already divided)
    if np.issubdtype(pixels.dtype, np.integer):
        pixels = pixels.astype(np.float32) / np.iinfo(pixels.dtype).max
    pixels = pixels.astype(np.float32, copy=False)
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    if pixels.ndim != 3 or pixels.shape[2] not in (1, 2, 3, 4):
        raise ImageReadError(f"read_image: {path} decoded to an unexpected shape {pixels.shape}")
    channels = pixels.shape[2]
    color = pixels[:, :, :1] if channels <= 2 else pixels[:, :, :3]   # drop alpha (LA or RGBA)
    if mode == "L" and color.shape[2] == 3:
        color = (color @ _LUMA)[:, :, None]
    elif mode == "RGB" and color.shape[2] == 1:
        color = np.repeat(color, 3, axis=2)
    return np.ascontiguousarray(color.transpose(2, 0, 1))   # (H, W, C) -> (C, H, W)


def _prepare(pixels: np.ndarray, size, scale: str, crop: bool = True) -> np.ndarray:
    """Resize/crop ``(C, H, W)`` in [0, 1] and scale it."""
    if size is not None:
        if crop:
            pixels = resize_and_center_crop(pixels, size)
        else:
            H, W = pixels.shape[-2:]
            short = min(H, W)
            pixels = resize(pixels, (max(1, round(H * size / short)), max(1, round(W * size / short))))
        np.clip(pixels, 0.0, 1.0, out=pixels)
    return scale_pixels(pixels, 1.0, scale)


class ImageFolder(LabelledImages):
    """Every PNG/JPEG under ``root`` (searched recursively, sorted by path), loaded into memory as
    ``images (N, C, size, size)`` float32 and ``labels (N,)`` int64.

    The label of an image is the index of its sub-folder in ``classes`` (sorted relative folder
    names; files directly in ``root`` belong to class ``"."``), as torchvision's ImageFolder does
    for a folder per class.  A flat folder gives one class and all labels 0.
    """

    def __init__(self, root, size: int = 64, mode: str = "RGB", scale: str = "tanh"):
        root = Path(os.path.expanduser(os.fspath(root)))
        if not root.is_dir():
            raise FileNotFoundError(f"ImageFolder: no folder at {root}")
        files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
        if not files:
            raise FileNotFoundError(f"ImageFolder: {root} holds no images (looked for {', '.join(IMAGE_SUFFIXES)} "
                                    "files, in sub-folders too)")
        folders = [p.parent.relative_to(root).as_posix() for p in files]
        self.classes = sorted(set(folders))
        index = {name: i for i, name in enumerate(self.classes)}
        self.files = files
        self.images = np.stack([_prepare(read_image(p, mode), size, scale) for p in files])
        self.labels = np.array([index[f] for f in folders], dtype=np.int64)
        self.root, self.size, self.mode = root, size, mode

    def __repr__(self) -> str:
        return (f"ImageFolder({str(self.root)!r}: {len(self)} images of {tuple(self.images.shape[1:])}, "
                f"{len(self.classes)} class(es))")


# --------------------------------------------------------------------------- named images
def list_textures() -> list[str]:
    """Names of the textures shipped with minigan (public domain, see ``files/README.md``)."""
    if not TEXTURES_DIR.is_dir():
        return []
    return sorted(p.stem for p in TEXTURES_DIR.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)


def texture_path(name: str) -> Path:
    """The file of a shipped texture, by name (``"marble"``) or file name (``"marble.png"``)."""
    stem = Path(name).stem
    for p in sorted(TEXTURES_DIR.glob(stem + ".*")) if TEXTURES_DIR.is_dir() else []:
        if p.suffix.lower() in IMAGE_SUFFIXES:
            return p
    raise FileNotFoundError(f"texture_path: no shipped texture named {name!r}; available: {list_textures()}")


def _resolve(path_or_name) -> Path:
    """A file path as given, or a known name: ``grace_hopper`` (matplotlib's sample photo) or a texture."""
    path = Path(os.path.expanduser(os.fspath(path_or_name)))
    if path.is_file():
        return path
    name = str(path_or_name)
    if name in ("grace_hopper", "grace_hopper.jpg"):
        from matplotlib import cbook
        return Path(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))
    if "/" not in name and os.sep not in name and Path(name).stem in list_textures():
        return texture_path(name)
    raise FileNotFoundError(f"load_image: no file at {path}, and {name!r} is not a known name "
                            f"(known: 'grace_hopper', textures {list_textures()})")


def load_image(path_or_name, size: int | None = None, mode: str = "RGB", scale: str = "unit",
               crop: bool = True) -> np.ndarray:
    """One image as a batch of one: float32 ``(1, C, H, W)``, ``C`` = 3 (``"RGB"``) or 1 (``"L"``).

    ``path_or_name`` is a file, ``"grace_hopper"`` (the photo that ships with matplotlib) or
    the name of a shipped texture (:func:`list_textures`).  ``size=None`` keeps the file's size;
    an int makes the shorter side ``size`` and, with ``crop=True``, center-crops to a square.
    ``scale="unit"`` (the default here, as style transfer clamps pixels to ``[0, 1]``) or ``"tanh"``.
    """
    path = _resolve(path_or_name)
    return _prepare(read_image(path, mode), size, scale, crop=crop)[None]
