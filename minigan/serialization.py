"""``minigan.save(obj, f)`` and ``minigan.load(f, map_location=None)``, as PyTorch users write them::

    mg.save(model.state_dict(), "g.pt")
    model.load_state_dict(mg.load("g.pt"))
    mg.save({"model": net.state_dict(), "opt": opt.state_dict(), "epoch": 3}, path)
    ckpt = mg.load(path, map_location="cpu")

The file is a minigan checkpoint (:mod:`minigan.io`: an ``.npz`` archive with a JSON header, no pickle), so
loading a file never runs code from it.  Its header says ``"layout": "object"``: the state is one object,
not the keyword arguments of ``minigan.io.save``.  ``load`` reads both kinds; ``minigan.io.load`` reads a
``save`` file whose object is a dict (see :mod:`minigan.io`).

What can be saved: dicts (keys str, int, float, bool or None), lists, tuples, Tensors, NumPy/CuPy arrays,
NumPy scalars, Python ints of any size, floats, str, bool and None, nested as deep as you like.  A whole
``nn.Module`` or optimizer (which PyTorch pickles) cannot: save its ``state_dict()``.

The format is NOT PyTorch's: ``torch.load`` cannot read these files, nor ``mg.load`` a ``torch.save`` file.
To move weights from PyTorch, save ``{k: v.numpy() for k, v in torch_model.state_dict().items()}`` with
``mg.save`` (the names match minigan's layers) and load it into the minigan model.

This module sits above :mod:`minigan.io`, which it imports on first use, so ``import minigan`` stays light.
"""
from __future__ import annotations

import io as _io
import os
from typing import Any

from . import backend

__all__ = ["save", "load"]


def save(obj: Any, f) -> None:
    """Save ``obj`` to ``f`` (``torch.save``), in minigan's checkpoint format.

    ``obj``: a Tensor, a state dict, or any nesting of the values listed in :mod:`minigan.serialization`.
    Tensors keep their dtype, shape and ``requires_grad``; an ``nn.Parameter`` comes back as a Parameter.
    ``f``: a path (``str`` or ``os.PathLike``), written atomically (a temporary file beside it, renamed over
    it, so an old file survives any failure), or a writable binary file object such as ``io.BytesIO``,
    written directly at its position.

    Raises ``TypeError`` naming where in ``obj`` a value that cannot be stored sits (``obj['model']``), and
    for a Module or an optimizer saying to save its ``state_dict()`` instead.  Nothing is written then.
    """
    from . import io
    if not isinstance(f, (str, os.PathLike)) and not callable(getattr(f, "write", None)):
        raise TypeError(f"save: expected f to be a path (str or os.PathLike) or a writable binary file object, "
                        f"got {type(f).__name__}")
    if isinstance(f, _io.TextIOBase):
        raise TypeError("save: f is a file open in text mode; open it in binary mode ('wb')")
    header, arrays = io._encode_checkpoint(obj, "obj", layout="object")
    if isinstance(f, (str, os.PathLike)):
        io._write_atomic(f, header, arrays)
    else:
        io._write_archive(f, header, arrays)


def _map_location(map_location) -> str:
    """The one device every tensor of the file goes to."""
    if isinstance(map_location, dict) or callable(map_location):
        kind = "a dict" if isinstance(map_location, dict) else "a function"
        raise TypeError(f"load: map_location as {kind} is not supported (PyTorch uses it to remap the devices "
                        "tensors were saved from; minigan files do not record them): pass None or 'cpu' for the "
                        "CPU, or 'cuda' / 'cuda:N'")
    try:
        return backend.normalize_device(map_location)
    except ValueError as exc:
        raise ValueError(f"load: map_location {map_location!r} is not a device ({exc})") from None


def load(f, map_location=None, weights_only: bool = True) -> Any:
    """Load the object that :func:`save` wrote to ``f`` (``torch.load``).

    ``f``: a path (``str`` or ``os.PathLike``) or a readable binary file object, read from its position.
    Tensors come back as Tensors with their dtype, shape and ``requires_grad`` (a saved ``nn.Parameter``
    as a Parameter), arrays as arrays, tuples as tuples, and so on.  A ``minigan.io.save`` file loads as
    the dict of its keyword arguments.

    ``map_location``: where every tensor and array goes: ``None`` or ``"cpu"`` for the CPU (PyTorch's
    ``None`` means "where it was saved"; minigan does not record that, and loads on the CPU), ``"cuda"`` or
    ``"cuda:N"``, or an object with a ``.device`` (e.g. a Tensor).  A dict or a function is a ``TypeError``.

    ``weights_only``: accepted for PyTorch's sake; both values load the same data.  PyTorch's ``True``
    limits what unpickling may build; minigan never unpickles (the archive is read with
    ``allow_pickle=False``), so loading cannot run code from the file either way.

    Raises ``FileNotFoundError`` naming a missing path, and ``minigan.io.CheckpointError`` (a ``ValueError``)
    naming a truncated, corrupt or foreign file (a ``torch.save`` file, a plain ``.npz``...).
    """
    from . import io
    device = _map_location(map_location)
    if isinstance(f, (str, os.PathLike)):
        name = os.fspath(f)
        tree, arrays = io._read_file(f)
    elif callable(getattr(f, "read", None)):
        name = str(getattr(f, "name", None) or f"the {type(f).__name__} object")
        tree, arrays = io._read_archive(f, name)
    else:
        raise TypeError(f"load: expected f to be a path (str or os.PathLike) or a readable binary file object, "
                        f"got {type(f).__name__}")
    return io._decode(tree["state"], arrays, device, name, tensors=True)
