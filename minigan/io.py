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

``minigan.save(obj, f)`` / ``minigan.load(f, map_location=None)`` (:mod:`minigan.serialization`, PyTorch's
names) write and read the same format, version 1, through this module's code: their header adds
``"layout": "object"`` and ``state`` is the one object saved (a Tensor, a state dict, a list...), not a dict
of keyword arguments.  A Tensor's array node also records ``"tensor": true`` and its ``requires_grad``
(and ``"parameter": true`` for an ``nn.Parameter``); :func:`load` ignores these fields and gives arrays,
``minigan.load`` gives Tensors back.  So the two loaders read each other's files: ``minigan.load`` of a
:func:`save` file is the dict of keyword arguments (arrays saved as Tensors come back as Tensors), and
:func:`load` of a ``minigan.save`` file is its object if that is a dict (with arrays), else a
:class:`CheckpointError` saying to use ``minigan.load``.
"""
from __future__ import annotations

import io as _io
import json
import os
import sys
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
def _is_parameter(value: Any) -> bool:
    """True for an ``nn.Parameter``; without importing ``minigan.nn`` (if it is not loaded, there is none)."""
    module = sys.modules.get("minigan.nn.module")
    return module is not None and isinstance(value, module.Parameter)


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
        node = {"$": "array", "key": key, "tensor": True, "requires_grad": bool(getattr(value, "requires_grad", False))}
        if _is_parameter(value):
            node["parameter"] = True
        return node
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
    if callable(getattr(value, "state_dict", None)):     # a Module, an optimizer, a scheduler: PyTorch pickles them
        raise TypeError(f"save: cannot store {where}, a whole {type(value).__name__}: that needs pickle, which "
                        "checkpoints do not use; save its state dict instead, e.g. model.state_dict() (and restore "
                        "it with model.load_state_dict(...))")
    raise TypeError(f"save: cannot store {where} of type {type(value).__name__} (supported: arrays, Tensors, "
                    "dict, list, tuple, int, float, str, bool, None, NumPy scalars)")


def _decode(node: Any, arrays: dict, device: str, path: str, tensors: bool = False):
    """The inverse of :func:`_encode`.  ``tensors``: arrays saved from Tensors come back as Tensors (with their
    ``requires_grad``; Parameters as Parameters), else every array comes back as an array."""
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
        data = backend.to_device(arrays[key], device)
        if not (tensors and node.get("tensor")):
            return data
        if node.get("parameter"):
            from .nn.module import Parameter
            return Parameter(data, requires_grad=bool(node.get("requires_grad")))
        from .autograd import Tensor
        return Tensor(data, requires_grad=bool(node.get("requires_grad")))
    args = (arrays, device, path, tensors)
    if tag == "dict":
        return {_decode(k, *args): _decode(v, *args) for k, v in node["items"]}
    if tag == "list":
        return [_decode(v, *args) for v in node["items"]]
    if tag == "tuple":
        return tuple(_decode(v, *args) for v in node["items"])
    raise CheckpointError(f"load: {path} is corrupt: unknown node {tag!r} in its structure")


# --------------------------------------------------------------------------- writing
def _encode_checkpoint(state: Any, where: str, layout: str | None = None) -> tuple[bytes, dict]:
    """The JSON header (bytes) and the arrays of a checkpoint holding ``state``.  Everything is encoded here,
    before anything touches the disk: an unsupported value fails harmlessly."""
    arrays: dict[str, np.ndarray] = {}
    tree = {"format": FORMAT, "version": VERSION, "state": _encode(state, arrays, where)}
    if layout is not None:
        tree["layout"] = layout
    return json.dumps(tree, allow_nan=False).encode("utf-8"), arrays


def _write_archive(f, header: bytes, arrays: dict) -> None:
    """Write the ``.npz`` archive to ``f`` (a path or a writable binary file object)."""
    np.savez(f, **{_HEADER: np.frombuffer(header, dtype=np.uint8)}, **arrays)


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


def _write_atomic(path, header: bytes, arrays: dict) -> Path:
    """Write the archive to a temporary file beside ``path``, fsync it, then rename it over ``path``."""
    path = Path(os.fspath(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False)
    try:
        with tmp:
            _write_archive(tmp, header, arrays)
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


def save(path, **state) -> Path:
    """Write ``state`` (keyword arguments, e.g. ``model=net.state_dict(), step=1200``) to ``path``
    atomically.  The parent folder is created if missing.  Returns the path."""
    header, arrays = _encode_checkpoint(state, "state")
    return _write_atomic(path, header, arrays)


# --------------------------------------------------------------------------- reading
def _read_archive(f, name: str) -> tuple[dict, dict]:
    """Check and read the checkpoint in ``f`` (a binary file object at the archive's start; ``name`` is what
    errors call it): its header tree (format and version checked) and its arrays (host NumPy arrays)."""
    if isinstance(f, _io.TextIOBase):
        raise TypeError(f"load: {name} is open in text mode; open it in binary mode ('rb')")
    if not (callable(getattr(f, "seekable", None)) and f.seekable()):
        f = _io.BytesIO(f.read())              # a pipe or a socket: a zip archive is read out of order
    start = f.tell()
    magic = f.read(6)
    f.seek(start)
    if magic == b"\x93NUMPY":
        raise CheckpointError(f"load: {name} is not a minigan checkpoint (a single .npy array, not an .npz archive)")
    if not magic.startswith(b"PK"):
        what = "an empty file" if not magic else f"a file starting with {magic!r}"
        raise CheckpointError(f"load: {name} is not a minigan checkpoint: {what}, while a checkpoint is "
                              "an .npz (zip) archive starting with b'PK'")
    try:
        archive = np.load(f, allow_pickle=False)
    except (EOFError, OSError, ValueError, zipfile.BadZipFile) as exc:
        # a zip whose end (the central directory) is missing: typically a write cut short
        raise CheckpointError(f"load: {name} is truncated or corrupt: it starts like a zip archive but cannot "
                              f"be opened as one ({type(exc).__name__}: {exc})") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise CheckpointError(f"load: {name} is not a minigan checkpoint (a single .npy array, "
                              "not an .npz archive)")
    with archive:
        if _HEADER not in archive.files:
            raise CheckpointError(f"load: {name} is not a minigan checkpoint (an .npz archive without "
                                  f"a '{_HEADER}' entry; it holds {sorted(archive.files)[:8]})")
        try:
            tree = json.loads(archive[_HEADER].tobytes().decode("utf-8"))
            arrays = {key: archive[key] for key in archive.files if key != _HEADER}
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, UnicodeDecodeError) as exc:
            # a cut or damaged entry: BadZipFile (bad CRC), EOFError/ValueError (short data),
            # JSONDecodeError (a ValueError) for a damaged header
            raise CheckpointError(f"load: {name} is truncated or corrupt ({type(exc).__name__}: {exc})") from None
    if not isinstance(tree, dict) or tree.get("format") != FORMAT or "state" not in tree:
        raise CheckpointError(f"load: {name} is not a minigan checkpoint (its header names format "
                              f"{tree.get('format') if isinstance(tree, dict) else None!r})")
    version = tree.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise CheckpointError(f"load: {name} has checkpoint format version {version!r}; this minigan "
                              f"reads versions up to {VERSION} (upgrade minigan)")
    return tree, arrays


def _read_file(path) -> tuple[dict, dict]:
    """:func:`_read_archive` of the file at ``path``; :class:`FileNotFoundError` naming it if there is none."""
    path = Path(os.fspath(path))
    if not path.is_file():
        raise FileNotFoundError(f"load: no checkpoint at {path}")
    with open(path, "rb") as f:
        return _read_archive(f, str(path))


def load(path, device: str = "cpu") -> dict:
    """Read a checkpoint written by :func:`save`: the ``state`` dict, with every array on ``device``.

    Raises :class:`FileNotFoundError` if there is no file, and :class:`CheckpointError` (a
    ``ValueError``) naming the path and the trouble for a truncated, corrupt or foreign file."""
    device = backend.normalize_device(device)
    tree, arrays = _read_file(path)
    state = _decode(tree["state"], arrays, device, str(path))
    if not isinstance(state, dict):
        if tree.get("layout") == "object":
            node = tree["state"]
            kind = "Tensor" if isinstance(node, dict) and node.get("tensor") else type(state).__name__
            raise CheckpointError(f"load: {path} holds one {kind} written by minigan.save, not "
                                  "keyword arguments; read it with minigan.load")
        raise CheckpointError(f"load: {path} is corrupt: its state is a {type(state).__name__}, not a dict")
    return state
