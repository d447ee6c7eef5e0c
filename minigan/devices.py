"""``mg.device``: a device name that reads like ``torch.device`` and still is the string minigan passes around.

minigan names devices with strings (``"cpu"``, ``"cuda"``, ``"cuda:1"``); :mod:`minigan.backend` turns them into
array modules. PyTorch code writes ``torch.device("cuda" if torch.cuda.is_available() else "cpu")`` and asks
``x.device.type == "cuda"``. :class:`device` serves both: it is a ``str`` subclass, so it goes anywhere a device
string goes (``mg.zeros(2, device=mg.device("cpu"))``, ``x.to(dev)``, ``t.device == "cpu"``), and it has
torch's ``.type``, ``.index``, ``str`` and ``repr``.

Instances are interned: ``mg.device("cuda:1") is mg.device("cuda", 1)``, so ``Tensor.device`` (read on hot paths)
costs a dict look-up, not a parse.
"""
from __future__ import annotations

import operator
import re

__all__ = ["device"]

DEVICE_TYPES = ("cpu", "cuda")          # the device types minigan's backend can run on
_GRAMMAR = re.compile(r"([a-zA-Z_]+)(?::(0|[1-9][0-9]*))?")
_NOT_GIVEN = object()


def _parse(name: str) -> tuple[str, int | None]:
    """``"cuda:1"`` -> ``("cuda", 1)``; the same strict grammar as torch's: ``type`` or ``type:N``, no spaces,
    ``N`` a non-negative integer without leading zeros, and ``type`` one that minigan runs on, in lower case."""
    if not name:
        raise RuntimeError("Device string must not be empty")
    match = _GRAMMAR.fullmatch(name)
    if match is None:
        raise RuntimeError(f"Invalid device string: '{name}'")
    kind, digits = match.groups()
    if kind not in DEVICE_TYPES:
        raise RuntimeError(f"Expected one of {', '.join(DEVICE_TYPES)} device type at start of device string: "
                           f"{kind}")
    return kind, None if digits is None else int(digits)


def _as_index(index) -> int | None:
    """A device index as torch takes one: None, or an int (not a bool) that is not negative."""
    if index is None:
        return None
    if isinstance(index, bool) or not hasattr(index, "__index__"):
        raise TypeError(f"device(): argument 'index' (position 2) must be int, not {type(index).__name__}")
    index = operator.index(index)
    if index < 0:
        raise RuntimeError(f"Device index must not be negative, got {index}")
    return index


class device(str):
    """A device, as ``torch.device``: ``device("cpu")``, ``device("cuda")``, ``device("cuda:1")``,
    ``device("cuda", 1)``, ``device(type="cuda", index=0)``, ``device(other_device)``, and ``device(0)``
    (an int is that CUDA device's index; CUDA is minigan's only accelerator).

    ``.type`` is ``"cpu"`` or ``"cuda"``; ``.index`` is the number after the colon, or None where none was
    given (``device("cuda").index is None``, as in torch; a tensor's device always has one: ``"cuda:0"``).
    ``str(d)`` is the name (``"cuda:1"``, ``"cuda"``), ``repr(d)`` is torch's (``device(type='cuda', index=1)``).
    Bad names raise ``RuntimeError`` with torch's message (``Invalid device string: 'cuda:x'``); bad argument
    types raise ``TypeError``.

    Used as a context manager (``with mg.device("cuda"): ...``) it is the default device of the tensors and
    layers made inside the block, as ``with torch.device(...)`` is (:func:`minigan.set_default_device`).

    **Equality and hashing are the string's** (a choice): ``device("cpu") == "cpu"`` is True here, where torch
    says False, and ``hash(device("cpu")) == hash("cpu")``. That keeps every comparison minigan and its users
    already write (``t.device == "cpu"``, dicts keyed by device names) working. Two devices are equal when their
    names are: ``device("cuda") != device("cuda:0")``, as in torch.

    Differences from torch: only ``"cpu"`` and ``"cuda"`` types parse (torch also names ``mps``, ``meta``, ...);
    ``device(0)`` does not ask whether a GPU is present (torch does, to pick its accelerator). A device that
    this machine lacks is only refused where it is used (``mg.zeros(2, device="cuda")`` raises ``DeviceError``).
    """

    _interned: dict = {}

    def __new__(cls, type=_NOT_GIVEN, index=None):  # noqa: A002 - torch's keyword names
        if isinstance(type, device):
            if index is None:
                return type
            raise TypeError("device(): argument 'type' (position 1) must be str, not device")
        if isinstance(type, str) and index is None:
            cached = cls._interned.get(type)
            if cached is not None:
                return cached
            kind, idx = _parse(type)
        elif isinstance(type, str):
            kind, idx = _parse(type)
            if idx is not None:
                raise RuntimeError(f"type (string) must not include an index because index was passed "
                                   f"explicitly: {type}")
            idx = _as_index(index)
        elif not isinstance(type, bool) and hasattr(type, "__index__") and index is None:
            kind, idx = "cuda", _as_index(type)
        else:
            given = [] if type is _NOT_GIVEN else [type.__class__.__name__]
            given += [] if index is None else [f"index={index.__class__.__name__}"]
            given = ", ".join(given)
            raise TypeError(f"device() received an invalid combination of arguments - got ({given}), but expected "
                            f"one of: (device device), (str type, int index = None), (int index)")
        name = kind if idx is None else f"{kind}:{idx}"
        cached = cls._interned.get(name)
        if cached is None:
            cached = str.__new__(cls, name)
            cached._type, cached._index = kind, idx
            cls._interned[name] = cached
        return cached

    @property
    def type(self) -> str:
        """``"cpu"`` or ``"cuda"``."""
        return self._type

    @property
    def index(self) -> int | None:
        """The device's number (``1`` for ``"cuda:1"``), or None where the name has none."""
        return self._index

    def __repr__(self) -> str:
        if self._index is None:
            return f"device(type='{self._type}')"
        return f"device(type='{self._type}', index={self._index})"

    def __str__(self) -> str:
        return str.__str__(self)

    def __reduce__(self):
        return (device, (str(self),))

    # ------------------------------------------------------------------ `with mg.device("cuda"):`
    _previous: list = []

    def __enter__(self) -> device:
        from . import settings
        device._previous.append(settings.get_default_device())
        settings.set_default_device(str(self))
        return self

    def __exit__(self, *exc) -> None:
        from . import settings
        settings.set_default_device(device._previous.pop())

