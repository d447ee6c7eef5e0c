"""Collation: how a list of dataset items becomes one batch, as ``torch.utils.data.default_collate``.

:func:`default_collate` works recursively on the structure of the first item:

==========================  =================================================================
item element                batch element
==========================  =================================================================
Tensor / array ``(...)``    one Tensor ``(B, ...)`` (stacked; strings and objects are refused)
NumPy scalar                a Tensor ``(B,)`` of its dtype
Python ``float``            a float64 Tensor ``(B,)``
Python ``int`` / ``bool``   an int64 / bool Tensor ``(B,)`` (as ``mg.tensor`` of the list)
``str`` / ``bytes``         the list of them, unchanged
dict                        a dict of the same keys, each value collated
namedtuple                  the same namedtuple, each field collated
tuple / list                a list (a tuple becomes a list, as PyTorch's), position by position
==========================  =================================================================

:func:`default_convert` is what a loader with ``batch_size=None`` applies to each item: arrays become
Tensors, everything else keeps its shape (a tuple becomes a list).
"""
from __future__ import annotations

import collections.abc
import copy

import numpy as np

from .. import backend
from ..autograd import Tensor, as_tensor, tensor

__all__ = ["default_collate", "default_convert"]

ERROR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


def _is_text(array) -> bool:
    """Strings, bytes and Python objects: no Tensor holds them."""
    return array.dtype.kind in "SaUO"


def _stack(arrays):
    """``(B, ...)`` from ``B`` arrays of one shape, on their device."""
    shape = tuple(arrays[0].shape)
    for i, a in enumerate(arrays):
        if tuple(a.shape) != shape:
            raise RuntimeError(f"default_collate: stack expects each tensor to be equal size, but got {shape} at "
                               f"entry 0 and {tuple(a.shape)} at entry {i}")
    return backend.xp_of(arrays[0]).stack(arrays)


def default_collate(batch):
    """One batch from a list of items (see the table above), e.g. ``[(x0, 0), (x1, 1)] -> [X, tensor([0, 1])]``.

    Batches carry no autograd graph: items are stacked as arrays."""
    elem = batch[0]
    if isinstance(elem, Tensor) or backend.is_array(elem):
        arrays = [b.data if isinstance(b, Tensor) else b for b in batch]
        if backend.is_array(elem) and _is_text(elem):
            raise TypeError(ERROR.format(elem.dtype))
        return as_tensor(_stack([a if backend.is_array(a) else np.asarray(a) for a in arrays]))
    if isinstance(elem, (np.bool_, np.number)):
        return as_tensor(np.asarray(batch))
    if isinstance(elem, float):
        return as_tensor(np.asarray(batch, dtype=np.float64))
    if isinstance(elem, int):                                # bool included, as in PyTorch
        return tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        fields = {key: default_collate([d[key] for d in batch]) for key in elem}
        return _same_kind(elem, fields, mapping=True)
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # a namedtuple
        return type(elem)(*(default_collate(list(column)) for column in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(item) != size for item in batch):
            raise RuntimeError("default_collate: each element in list of batch should be of equal size")
        columns = [default_collate(list(column)) for column in zip(*batch)]
        return columns if isinstance(elem, tuple) else _same_kind(elem, columns, mapping=False)
    raise TypeError(ERROR.format(type(elem)))


def _same_kind(elem, values, mapping: bool):
    """``values`` in a container like ``elem`` (a copy of a mutable one, refilled), else a plain dict/list."""
    try:
        if mapping and isinstance(elem, collections.abc.MutableMapping):
            clone = copy.copy(elem)
            clone.update(values)
            return clone
        if not mapping and isinstance(elem, collections.abc.MutableSequence):
            clone = copy.copy(elem)
            for i, v in enumerate(values):
                clone[i] = v
            return clone
        return type(elem)(values)
    except TypeError:
        return dict(values) if mapping else list(values)


def default_convert(data):
    """One item as a loader with ``batch_size=None`` hands it out: arrays (and NumPy scalars) become
    Tensors, containers are converted inside (a tuple becomes a list), anything else is left as it is."""
    if isinstance(data, Tensor):
        return data
    if backend.is_array(data):
        return data if _is_text(data) else as_tensor(data)
    if isinstance(data, (np.bool_, np.number)):
        return as_tensor(np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        return _same_kind(data, {key: default_convert(data[key]) for key in data}, mapping=True)
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _same_kind(data, [default_convert(d) for d in data], mapping=False)
    return data
