"""Datasets as in ``torch.utils.data``: what a :class:`~minigan.data.DataLoader` reads items from.

* map-style: a :class:`Dataset` has ``ds[i]`` and ``len(ds)``; :class:`TensorDataset` (arrays or Tensors
  sharing their first dim), :class:`Subset` (some indices of another dataset), :class:`ConcatDataset`
  (datasets one after another; ``a + b`` makes one), :class:`StackDataset` (datasets side by side: each item a
  tuple or a dict of theirs) and :func:`random_split` (a random partition into Subsets) are all map-style.
* iterable-style: an :class:`IterableDataset` is iterated (``for item in ds``), never indexed: a stream
  whose items come in its own order.  :class:`ChainDataset` (``a + b``) runs several one after another.

Any object with ``__getitem__`` and ``__len__`` serves as a map-style dataset; subclassing
:class:`Dataset` adds ``+``.
"""
from __future__ import annotations

import bisect
import itertools
import math
import warnings

import numpy as np

from .. import backend
from ..autograd import Tensor
from .samplers import draw_rng, is_count

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "Subset", "ConcatDataset", "StackDataset", "ChainDataset",
           "random_split"]


class Dataset:
    """The base of map-style datasets: a subclass defines ``__getitem__(index)`` and ``__len__()``.
    ``ds1 + ds2`` is ``ConcatDataset([ds1, ds2])``."""

    def __getitem__(self, index):
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """The base of iterable-style datasets: a subclass defines ``__iter__`` (and ``__len__`` if it knows
    its length).  A loader takes its items in the order they come, ``batch_size`` at a time.
    ``ds1 + ds2`` is ``ChainDataset([ds1, ds2])``."""

    def __iter__(self):
        raise NotImplementedError("Subclasses of IterableDataset should implement __iter__.")

    def __add__(self, other):
        return ChainDataset([self, other])


class TensorDataset(Dataset):
    """Tensors or arrays sharing their first dim ``N``: ``ds[i] -> (t0[i], t1[i], ...)``, ``len(ds) == N``.

    ``ds.tensors`` holds them as given (lists become NumPy arrays); an item is made of Tensors where
    Tensors were given and of arrays where arrays were.  ``ds.arrays`` holds the backend arrays, from
    which a :class:`~minigan.data.DataLoader` cuts whole batches with one fancy index each.
    """

    def __init__(self, *tensors) -> None:
        if not tensors:
            raise ValueError("TensorDataset: give at least one array or Tensor")
        self.tensors = tuple(t if isinstance(t, Tensor) or backend.is_array(t) else np.asarray(t) for t in tensors)
        self.arrays = tuple(t.data if isinstance(t, Tensor) else t for t in self.tensors)
        lengths = [a.shape[0] if a.ndim else None for a in self.arrays]
        if None in lengths or len(set(lengths)) != 1:
            shapes = [tuple(a.shape) for a in self.arrays]
            raise ValueError(f"TensorDataset: Size mismatch between tensors: they must share their first axis, "
                             f"got shapes {shapes}")

    def __len__(self) -> int:
        return int(self.arrays[0].shape[0])

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)


class Subset(Dataset):
    """The items of ``dataset`` at ``indices``: ``Subset(ds, idx)[j] == ds[idx[j]]``, ``len == len(idx)``."""

    def __init__(self, dataset, indices) -> None:
        self.dataset, self.indices = dataset, indices

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices: list) -> list:
        """Several items at once (a loader asks for a batch this way); the parent's ``__getitems__`` is
        used where it has one."""
        if type(self).__getitem__ is not Subset.__getitem__:     # a subclass with its own items
            return [self[i] for i in indices]
        getitems = getattr(self.dataset, "__getitems__", None)
        if callable(getitems):
            return getitems([self.indices[i] for i in indices])
        return [self.dataset[self.indices[i]] for i in indices]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """Map-style datasets one after another: index ``i`` falls in the first dataset whose running total
    ``cumulative_sizes[k]`` exceeds it.  Negative indices count from the end."""

    def __init__(self, datasets) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise TypeError(f"ConcatDataset does not support IterableDataset (got {type(d).__name__}); "
                                f"use ChainDataset")
        self.cumulative_sizes = list(itertools.accumulate(len(d) for d in self.datasets))

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        n = len(self)
        if idx < 0:
            if -idx > n:
                raise ValueError(f"ConcatDataset: absolute value of index should not exceed dataset length "
                                 f"(index {idx}, length {n})")
            idx += n
        if idx >= n:
            raise IndexError(f"ConcatDataset: index {idx} is out of range for a dataset of length {n}")
        k = bisect.bisect_right(self.cumulative_sizes, idx)
        return self.datasets[k][idx - (self.cumulative_sizes[k - 1] if k else 0)]


class StackDataset(Dataset):
    """Datasets of one length side by side: item ``i`` is ``(a[i], b[i], ...)`` for ``StackDataset(a, b)``, or
    ``{"image": a[i], "label": b[i]}`` for ``StackDataset(image=a, label=b)`` (``torch.utils.data.StackDataset``):
    the parts of one sample, kept in their own datasets."""

    def __init__(self, *args, **kwargs) -> None:
        if args and kwargs:
            raise ValueError("Supported either ``tuple``- (via ``args``) or ``dict``- (via ``kwargs``) like "
                             "input/output, but both types are given.")
        if not args and not kwargs:
            raise ValueError("At least one dataset should be passed")
        self.datasets = args if args else kwargs
        lengths = [len(d) for d in (args if args else kwargs.values())]
        if any(n != lengths[0] for n in lengths):
            raise ValueError(f"Size mismatch between datasets (lengths {lengths})")
        self._length = lengths[0]

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {name: d[index] for name, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __len__(self) -> int:
        return self._length


class ChainDataset(IterableDataset):
    """Iterable datasets one after another, chained as they are iterated."""

    def __init__(self, datasets) -> None:
        self.datasets = datasets

    def _each(self):
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise TypeError(f"ChainDataset only supports IterableDataset, got {type(d).__name__}")
            yield d

    def __iter__(self):
        for d in self._each():
            yield from d

    def __len__(self) -> int:
        return sum(len(d) for d in self._each())


def split_lengths(n: int, lengths) -> list[int]:
    """The sizes of :func:`random_split`'s parts: counts as given, or fractions summing to 1, which become
    ``floor(n * f)`` each, the ``n - sum`` left over handed out one at a time from the first part on."""
    lengths = list(lengths)
    if lengths and math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        for i, frac in enumerate(lengths):
            if not 0 <= frac <= 1:
                raise ValueError(f"random_split: Fraction at index {i} is not between 0 and 1")
        counts = [math.floor(n * frac) for frac in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        for i, count in enumerate(counts):
            if count == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an empty dataset.",
                              stacklevel=3)
        return counts
    for i, count in enumerate(lengths):
        if not is_count(count) or count < 0:
            raise ValueError(f"random_split: lengths must be non-negative counts or fractions summing to 1, got "
                             f"{lengths!r} (index {i})")
    if sum(lengths) != n:
        raise ValueError(f"random_split: Sum of input lengths does not equal the length of the input dataset! "
                         f"({sum(lengths)} != {n})")
    return [int(c) for c in lengths]


def random_split(dataset, lengths, generator=None) -> list[Subset]:
    """Split ``dataset`` into non-overlapping :class:`Subset` s of the given ``lengths``, at random.

    ``lengths`` are counts summing to ``len(dataset)`` or fractions summing to 1 (``[0.8, 0.2]``; see
    :func:`split_lengths` for the rounding, PyTorch's).  One permutation of ``0..N-1`` is drawn and cut into
    consecutive pieces.  ``generator``: ``None`` draws from minigan's CPU generator (``mg.manual_seed``
    repeats it), an ``int`` seed gives ``numpy.random.default_rng(seed).permutation(N)``, a
    ``numpy.random.Generator`` or an ``mg.Generator`` (on the CPU) is drawn from.
    """
    counts = split_lengths(len(dataset), lengths)
    order = draw_rng(generator, "random_split").permutation(len(dataset)).tolist()
    ends = list(itertools.accumulate(counts))
    return [Subset(dataset, order[end - count:end]) for end, count in zip(ends, counts)]
