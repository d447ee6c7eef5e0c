"""Checkpoints: ``save(path, **state)`` and ``load(path, device="cpu")``.

A checkpoint is an ordinary ``.npz`` archive that NumPy can open without pickle:

* ``__minigan__``: UTF-8 JSON, ``{"format": "minigan-checkpoint", "version": 1, "state": ...}``,
  the structure of the saved state, in which every array is replaced by a reference;
* ``a0``, ``a1``, ...: one entry per array.

The structure may nest dicts, lists and tuples of arrays (NumPy or CuPy), Tensors (their ``.data``
is stored; they come back as arrays), NumPy scalars, Python ``int`` (any size: the big integers
of a NumPy ``bit_generator.state`` survive), ``float``, ``str``, ``bool`` and ``None``.  No pickle,
so loading a file never runs code from it.

Writing is atomic: the archive goes to a temporary file in the target's folder, is flushed and
fsynced, then renamed over the target (:func:`os.replace`).  A crash or an exception at any point
leaves the previous checkpoint as it was.
"""
from __future__ import annotations

import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from . import backend

__all__ = ["save", "load", "CheckpointError", "FORMAT", "VERSION"]

FORMAT = "minigan-checkpoint"
VERSION = 1
_HEADER = "__minigan__"


class CheckpointError(ValueError):
    """A file that is not a readable minigan checkpoint (truncated, corrupt, foreign or too new)."""


# --------------------------------------------------------------------------- state -> JSON + arrays
def _encode(value: Any, arrays: dict, where: str):
    """Turn ``value`` into JSON-able structure, moving arrays into ``arrays`` (host copies).

    Plain JSON scalars encode as themselves; everything else is an object tagged with ``"$"``.
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):           # after bool: bool is an int
        return value
    if isinstance(value, float):
        if np.isfinite(value):
            return value
        return {"$": "float", "repr": repr(value)}            # nan, inf, -inf: not strict JSON
    if isinstance(value, np.generic):    # a NumPy scalar keeps its dtype: store it as a 0-d array
        key = f"a{len(arrays)}"
        arrays[key] = np.asarray(value)
        return {"$": "scalar", "key": key}
    data = value if backend.is_array(value) else getattr(value, "data", None)
    if backend.is_array(data):
        if data.dtype == object:
            raise TypeError(f"save: cannot store {where}: an array of Python objects needs pickle, "
                            "which checkpoints do not use")
        key = f"a{len(arrays)}"
        arrays[key] = backend.to_numpy(data)
        if data is value:
            return {"$": "array", "key": key}
        return {"$": "array", "key": key, "tensor": True, "requires_grad": bool(getattr(value, "requires_grad", False))}
    if isinstance(value, dict):
        items = []
        for k, v in value.items():
            if not (k is None or isinstance(k, (str, int, float, bool))):
                raise TypeError(f"save: {where} has a key of type {type(k).__name__}: {k!r} "
                                "(keys must be str, int, float, bool or None)")
            items.append([_encode(k, arrays, where), _encode(v, arrays, f"{where}[{k!r}]")])
        return {"$": "dict", "items": items}
    if isinstance(value, (list, tuple)):
        tag = "list" if isinstance(value, list) else "tuple"
        return {"$": tag, "items": [_encode(v, arrays, f"{where}[{i}]") for i, v in enumerate(value)]}
    raise TypeError(f"save: cannot store {where} of type {type(value).__name__} (supported: arrays, Tensors, "
                    "dict, list, tuple, int, float, str, bool, None, NumPy scalars)")


def _decode(node: Any, arrays: dict, device: str, path: str):
    if not isinstance(node, dict):
        return node
    tag = node.get("$")
    if tag == "float":
        return float(node["repr"])
    if tag in ("array", "scalar"):
        key = node.get("key")
        if key not in arrays:
            raise CheckpointError(f"load: {path} is corrupt: the structure refers to array {key!r}, "
                                  "which the archive does not hold")
        if tag == "scalar":
            return arrays[key][()]
        return backend.to_device(arrays[key], device)
    if tag == "dict":
        return {_decode(k, arrays, device, path): _decode(v, arrays, device, path) for k, v in node["items"]}
    if tag == "list":
        return [_decode(v, arrays, device, path) for v in node["items"]]
    if tag == "tuple":
        return tuple(_decode(v, arrays, device, path) for v in node["items"])
    raise CheckpointError(f"load: {path} is corrupt: unknown node {tag!r} in its structure")


# --------------------------------------------------------------------------- save / load
def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); some systems cannot open a folder, which is fine."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def save(path, **state) -> Path:
    """Write ``state`` (keyword arguments, e.g. ``model=net.state_dict(), step=1200``) to ``path``
    atomically.  The parent folder is created if missing.  Returns the path."""
    path = Path(os.fspath(path))
    arrays: dict[str, np.ndarray] = {}
    # Encode everything before touching the disk: an unsupported value fails here, harmlessly.
    tree = {"format": FORMAT, "version": VERSION, "state": _encode(state, arrays, "state")}
    header = json.dumps(tree, allow_nan=False).encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False)
    try:
        with tmp:
            np.savez(tmp, **{_HEADER: np.frombuffer(header, dtype=np.uint8)}, **arrays)
            tmp.flush()
            os.fsync(tmp.fileno())
        # A temporary file is private (0600); give the checkpoint the mode any new file would get.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp.name, 0o666 & ~umask)
        os.replace(tmp.name, path)
    except BaseException:
        if os.path.exists(tmp.name):
            os.remove(tmp.name)
        raise
    _fsync_folder(path.parent)
    return path


def load(path, device: str = "cpu") -> dict:
    """Read a checkpoint written by :func:`save`: the ``state`` dict, with every array on ``device``.

    Raises :class:`FileNotFoundError` if there is no file, and :class:`CheckpointError` (a
    ``ValueError``) naming the path and the trouble for a truncated, corrupt or foreign file."""
    path = Path(os.fspath(path))
    device = backend.normalize_device(device)
    if not path.is_file():
        raise FileNotFoundError(f"load: no checkpoint at {path}")
    with open(path, "rb") as f:
        magic = f.read(6)
    if magic == b"\x93NUMPY":
        raise CheckpointError(f"load: {path} is not a minigan checkpoint (a single .npy array, not an .npz archive)")
    if not magic.startswith(b"PK"):
        what = "an empty file" if not magic else f"a file starting with {magic!r}"
        raise CheckpointError(f"load: {path} is not a minigan checkpoint: {what}, while a checkpoint is "
                              "an .npz (zip) archive starting with b'PK'")
    try:
        archive = np.load(path, allow_pickle=False)
    except (EOFError, OSError, ValueError, zipfile.BadZipFile) as exc:
        # a zip whose end (the central directory) is missing: typically a write cut short
        raise CheckpointError(f"load: {path} is truncated or corrupt: it starts like a zip archive but cannot "
                              f"be opened as one ({type(exc).__name__}: {exc})") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise CheckpointError(f"load: {path} is not a minigan checkpoint (a single .npy array, "
                              "not an .npz archive)")
    with archive:
        if _HEADER not in archive.files:
            raise CheckpointError(f"load: {path} is not a minigan checkpoint (an .npz archive without "
                                  f"a '{_HEADER}' entry; it holds {sorted(archive.files)[:8]})")
        try:
            tree = json.loads(archive[_HEADER].tobytes().decode("utf-8"))
            arrays = {name: archive[name] for name in archive.files if name != _HEADER}
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, UnicodeDecodeError) as exc:
            # a cut or damaged entry: BadZipFile (bad CRC), EOFError/ValueError (short data),
            # JSONDecodeError (a ValueError) for a damaged header
            raise CheckpointError(f"load: {path} is truncated or corrupt ({type(exc).__name__}: {exc})") from None
    if not isinstance(tree, dict) or tree.get("format") != FORMAT or "state" not in tree:
        raise CheckpointError(f"load: {path} is not a minigan checkpoint (its header names format "
                              f"{tree.get('format') if isinstance(tree, dict) else None!r})")
    version = tree.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise CheckpointError(f"load: {path} has checkpoint format version {version!r}; this minigan "
                              f"reads versions up to {VERSION} (upgrade minigan)")
    state = _decode(tree["state"], arrays, device, str(path))
    if not isinstance(state, dict):
        raise CheckpointError(f"load: {path} is corrupt: its state is a {type(state).__name__}, not a dict")
    return state
