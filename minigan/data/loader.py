"""Batches for training: :class:`DataLoader`, as ``torch.utils.data.DataLoader``, seeded and resumable.

A loader asks its sampler for the item indices of each batch, fetches those items from the dataset and
collates them into one batch (:func:`~minigan.data.collate.default_collate` unless ``collate_fn`` is given),
whose Tensors it puts on the chosen device.  An iterable dataset is read in its own order instead,
``batch_size`` items at a time.

Shuffling is seeded: with ``shuffle=True`` the order of epoch ``e`` is
``numpy.random.default_rng([seed, e]).permutation(N)`` and depends on nothing but those two numbers, so
two loaders with the same seed give the same batches, and a run restored from a checkpoint
(:meth:`DataLoader.state_dict`) carries on with exactly the batches it would have seen, even from the
middle of an epoch.  Where the items are rows of arrays (a :class:`~minigan.data.TensorDataset`, the
shipped image datasets, a :class:`~minigan.data.Subset` of one), a batch is cut with one fancy index per
array rather than fetched item by item; the result is the same.
"""
from __future__ import annotations

import copy
import itertools

import numpy as np

from .. import backend
from ..autograd import Tensor, as_tensor
from .collate import default_collate, default_convert
from .datasets import IterableDataset, Subset, TensorDataset
from .images import LabelledImages
from .samplers import BatchSampler, RandomSampler, SequentialSampler, check_generator

__all__ = ["DataLoader", "TensorDataset", "get_worker_info"]

_FIXED = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers")


def get_worker_info():
    """``None``: minigan loads in the calling process, so there are no worker processes to describe (an
    iterable dataset that shards its items by worker then reads them all, as PyTorch's does with
    ``num_workers=0``)."""
    return None


def _is_array_like(a) -> bool:
    """An array or a Tensor (not any object that has a ``.data``: many datasets do)."""
    return backend.is_array(a) or isinstance(a, Tensor)


def _raw(a):
    return a if backend.is_array(a) else a.data


def _array_columns(dataset):
    """``(arrays, index_map, single)`` when a batch of ``dataset`` can be cut straight from ``arrays``
    (``index_map`` maps the dataset's indices to rows, ``None`` for the identity; ``single``: an item is one
    row, not a tuple of rows), else ``None``.  Only datasets whose items are known to be those rows qualify."""
    if _is_array_like(dataset):
        return ((_raw(dataset),), None, True) if _raw(dataset).ndim else None
    if isinstance(dataset, TensorDataset) and type(dataset).__getitem__ is TensorDataset.__getitem__:
        return tuple(dataset.arrays), None, False
    if isinstance(dataset, LabelledImages) and type(dataset).__getitem__ is LabelledImages.__getitem__:
        return tuple(dataset.arrays), None, False
    if isinstance(dataset, Subset) and type(dataset).__getitem__ is Subset.__getitem__ \
            and type(dataset).__getitems__ is Subset.__getitems__:
        inner = _array_columns(dataset.dataset)
        if inner is None:
            return None
        arrays, index_map, single = inner
        rows = np.asarray(backend.to_numpy(_raw(dataset.indices)) if _is_array_like(dataset.indices)
                          else dataset.indices, dtype=np.int64).reshape(-1)
        return arrays, (rows if index_map is None else index_map[rows]), single
    return None


class DataLoader:
    """Mini-batches of a dataset, as ``torch.utils.data.DataLoader``, with minigan's extras.

    ``dataset`` is a map-style dataset (anything with ``__getitem__`` and ``__len__``: a
    :class:`~minigan.data.Dataset`, ``Digits``, ``MNIST``, a list, an array or Tensor ``(N, ...)`` whose
    rows are the items), an :class:`~minigan.data.IterableDataset`, or (minigan's shorthand) a tuple of
    arrays/Tensors sharing ``N``, read as ``TensorDataset(*dataset)``.

    * ``batch_size`` (1; ``None``: no batching, each item goes through :func:`default_convert`),
      ``shuffle``, ``drop_last`` (leave out a last batch smaller than ``batch_size``; with fewer items
      than one batch an epoch is then empty) and ``collate_fn`` (:func:`default_collate`) as PyTorch's.
    * ``sampler`` (indices, e.g. a :class:`~minigan.data.WeightedRandomSampler`; exclusive with
      ``shuffle``) or ``batch_sampler`` (lists of indices; exclusive with ``batch_size``, ``shuffle``,
      ``sampler`` and ``drop_last``), checked as PyTorch checks them.
    * ``num_workers``, ``pin_memory``, ``timeout``, ``worker_init_fn``, ``multiprocessing_context``,
      ``prefetch_factor``, ``persistent_workers``, ``pin_memory_device`` and ``in_order`` are checked as
      PyTorch checks them and otherwise ignored: minigan loads in one process (``worker_init_fn`` is never
      called; :func:`get_worker_info` is ``None``).
    * ``seed`` (minigan): the shuffle of epoch ``e`` is ``default_rng([seed, e]).permutation(N)``.
      ``seed=None`` takes it from ``generator`` (an int, or a draw from a ``numpy.random.Generator`` or a CPU
      ``mg.Generator``), else draws it from minigan's CPU generator, so ``mg.manual_seed`` makes runs repeatable.
    * ``device`` (minigan): the Tensors of every batch are put there (``"cpu"`` unless given).  Data keeps
      its dtype: float64 arrays give float64 batches, so load float32 data.

    ``iter(loader)`` starts the next epoch (``loader.epoch`` counts them; samplers with ``set_epoch``,
    such as minigan's random samplers, are told it).  :meth:`state_dict` / :meth:`load_state_dict`
    resume in the middle of an epoch; that is exact whenever the sampler's order depends on the epoch
    alone (``shuffle``, sequential order, minigan's samplers given an int seed).
    """

    def __init__(self, dataset, batch_size: int | None = 1, shuffle: bool | None = None, sampler=None,
                 batch_sampler=None, num_workers: int = 0, collate_fn=None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0, worker_init_fn=None, multiprocessing_context=None,
                 generator=None, *, prefetch_factor: int | None = None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True, seed: int | None = None,
                 device: str = "cpu"):
        self._initialized = False
        _check_workers(num_workers, timeout, prefetch_factor, persistent_workers, multiprocessing_context)
        if isinstance(dataset, tuple) and dataset and all(_is_array_like(a) for a in dataset):
            dataset = TensorDataset(*dataset)
        iterable = isinstance(dataset, IterableDataset)
        if not iterable and not hasattr(dataset, "__getitem__"):
            raise TypeError(f"DataLoader: expected arrays, Tensors or a dataset, got {type(dataset).__name__}")
        if iterable:
            for name, value in (("shuffle", shuffle), ("sampler", sampler), ("batch_sampler", batch_sampler)):
                if value is not None and value is not False:
                    raise ValueError(f"DataLoader with IterableDataset: expected unspecified {name} option, but "
                                     f"got {name}={value}")
        shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, "
                                 "and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with drop_last")

        generator = check_generator(generator, "DataLoader")
        if seed is None and isinstance(generator, int):
            seed = generator
        elif seed is None:
            seed = (backend.rng("cpu") if generator is None else generator).integers(0, 2**63 - 1)
        if not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"DataLoader: seed must be a non-negative int, got {seed!r}")
        self.seed = int(seed)
        if iterable:
            if batch_size is not None:
                BatchSampler([], batch_size, drop_last)          # the same checks of batch_size and drop_last
        elif sampler is None:
            sampler = RandomSampler(dataset, generator=self.seed) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None and not iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.dataset, self.sampler, self.batch_sampler, self.generator = dataset, sampler, batch_sampler, generator
        self.batch_size = None if batch_size is None else int(batch_size)
        self.drop_last, self.shuffle = bool(drop_last), shuffle
        self.num_workers, self.pin_memory, self.timeout, self.worker_init_fn = num_workers, pin_memory, timeout, \
            worker_init_fn
        self.multiprocessing_context, self.prefetch_factor = multiprocessing_context, prefetch_factor
        self.persistent_workers, self.pin_memory_device, self.in_order = persistent_workers, pin_memory_device, \
            in_order
        self._iterable = iterable
        self._auto_collation = batch_sampler is not None or (iterable and batch_size is not None)
        self.collate_fn = collate_fn if collate_fn is not None else \
            (default_collate if self._auto_collation else default_convert)
        self._columns = _array_columns(dataset) if self.collate_fn is default_collate and not iterable else None
        self.device = backend.normalize_device(device)
        self.epoch = 0           # the epoch the next iter() will produce
        self._resume_at = 0      # batch to start from in that epoch (set by load_state_dict)
        self._position = None    # (epoch, batches already yielded) while an epoch is under way
        self._initialized = True

    def __setattr__(self, name, value):
        if name in _FIXED and getattr(self, "_initialized", False):
            raise ValueError(f"{name} attribute should not be set after DataLoader is initialized")
        super().__setattr__(name, value)

    # ----------------------------------------------------------------- sizes and orders
    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def __len__(self) -> int:
        """Batches per epoch: ``N // B`` with ``drop_last``, else ``ceil(N / B)`` (``N`` items, ``B`` a batch)."""
        if not self._iterable:
            return len(self._index_sampler)
        n = len(self.dataset)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def _length(self):
        """``len(self)``, or ``None`` for an iterable dataset that does not know its length."""
        try:
            return len(self)
        except TypeError:
            return None

    def order(self, epoch: int) -> np.ndarray:
        """The item indices of ``epoch``, in visiting order."""
        if self._iterable:
            raise TypeError("DataLoader.order: an IterableDataset has no indices")
        if hasattr(self.sampler, "set_epoch"):
            self.sampler.set_epoch(epoch)
        return np.fromiter(iter(self.sampler), dtype=np.int64)

    # ----------------------------------------------------------------- iteration
    def __iter__(self):
        epoch, start = self.epoch, self._resume_at
        self.epoch, self._resume_at = epoch + 1, 0
        self._position = (epoch, start)
        if self._iterable:
            source = self._chunks(iter(self.dataset))
        else:
            if hasattr(self._index_sampler, "set_epoch"):
                self._index_sampler.set_epoch(epoch)
            source = iter(self._index_sampler)     # the sampler draws the epoch's order now
        return self._epoch(epoch, start, source)

    def _epoch(self, epoch: int, start: int, source):
        for b, part in enumerate(source):
            if b < start:                          # resuming: batches already handed out are skipped unfetched
                continue
            self._position = (epoch, b + 1)
            yield self._fetch(part)
        self._position = None

    def _chunks(self, items):
        """An iterable dataset's items, ``batch_size`` at a time (one at a time with ``batch_size=None``)."""
        if self.batch_size is None:
            yield from items
            return
        while True:
            chunk = list(itertools.islice(items, self.batch_size))
            if not chunk or (self.drop_last and len(chunk) < self.batch_size):
                return
            yield chunk

    def _fetch(self, part):
        if self._iterable:
            return self._to_device(self.collate_fn(part))
        if not self._auto_collation:
            return self._to_device(self.collate_fn(self.dataset[part]))
        if self._columns is not None:
            return self._cut(part)
        getitems = getattr(self.dataset, "__getitems__", None)
        items = getitems(part) if callable(getitems) else [self.dataset[i] for i in part]
        return self._to_device(self.collate_fn(items))

    def _cut(self, indices):
        """The fast path: one fancy index per array, the same batch as collating the items one by one."""
        arrays, index_map, single = self._columns
        rows = np.asarray(indices, dtype=np.int64)
        if index_map is not None:
            rows = index_map[rows]
        parts = [as_tensor(a[backend.to_device(rows, backend.device_of(a))], device=self.device) for a in arrays]
        return parts[0] if single else parts

    def _to_device(self, batch):
        """``batch`` with its Tensors on the loader's device (a container is copied only where one moved)."""
        if isinstance(batch, Tensor):
            return batch if batch.device == self.device else batch.to(self.device)
        if isinstance(batch, dict):
            moved = {key: self._to_device(value) for key, value in batch.items()}
            if all(moved[key] is batch[key] for key in batch):
                return batch
            out = copy.copy(batch)
            out.update(moved)
            return out
        if isinstance(batch, (list, tuple)):
            moved = [self._to_device(value) for value in batch]
            if all(a is b for a, b in zip(batch, moved)):
                return batch
            if isinstance(batch, tuple):
                return type(batch)(*moved) if hasattr(batch, "_fields") else tuple(moved)
            out = copy.copy(batch)
            out[:] = moved
            return out
        return batch

    # ----------------------------------------------------------------- resuming
    def set_epoch(self, epoch: int) -> None:
        """Make the next ``iter()`` produce epoch ``epoch`` from its first batch."""
        self.epoch, self._resume_at, self._position = int(epoch), 0, None

    def state_dict(self) -> dict:
        """Where the loader stands: ``{"seed", "epoch", "batch"}``.  Saved in the middle of an
        epoch, ``batch`` counts the batches already handed out, and a loader restored from it
        continues with the next one."""
        if self._position is not None:
            epoch, batch = self._position
            length = self._length()
            if length is not None and batch >= length:
                epoch, batch = epoch + 1, 0
        else:
            epoch, batch = self.epoch, self._resume_at
        return {"seed": self.seed, "epoch": int(epoch), "batch": int(batch)}

    def load_state_dict(self, state: dict) -> None:
        """Restore :meth:`state_dict`; the next ``iter()`` continues from there."""
        missing = {"seed", "epoch", "batch"} - set(state)
        if missing:
            raise KeyError(f"DataLoader.load_state_dict: missing {sorted(missing)} in {sorted(state)}")
        length = self._length()
        if int(state["batch"]) < 0 or (length is not None and int(state["batch"]) > length):
            raise ValueError(f"DataLoader.load_state_dict: batch {state['batch']} is outside 0..{length}")
        self.seed, self.epoch, self._resume_at = int(state["seed"]), int(state["epoch"]), int(state["batch"])
        if isinstance(self.sampler, RandomSampler) and isinstance(self.sampler.generator, int) and self.shuffle:
            self.sampler.generator = self.seed       # the loader's own shuffle follows the restored seed
        self._position = None

    def __repr__(self) -> str:
        try:
            items = f"{len(self.dataset)} items"
        except TypeError:
            items = type(self.dataset).__name__
        return (f"DataLoader({items}, batch_size={self.batch_size}, shuffle={self.shuffle}, "
                f"drop_last={self.drop_last}, device={self.device!r}, epoch={self.epoch})")


def _check_workers(num_workers, timeout, prefetch_factor, persistent_workers, multiprocessing_context) -> None:
    """PyTorch's checks of the multi-process options, which minigan accepts and does not use."""
    if num_workers < 0:
        raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable multiprocessing.")
    if timeout < 0:
        raise ValueError("timeout option should be non-negative")
    if num_workers == 0 and prefetch_factor is not None:
        raise ValueError("prefetch_factor option could only be specified in multiprocessing. Let num_workers > 0 "
                         "to enable multiprocessing, otherwise set prefetch_factor to None.")
    if prefetch_factor is not None and prefetch_factor < 0:
        raise ValueError("prefetch_factor option should be non-negative")
    if persistent_workers and num_workers == 0:
        raise ValueError("persistent_workers option needs num_workers > 0")
    if multiprocessing_context is not None and num_workers == 0:
        raise ValueError(f"multiprocessing_context can only be used with multi-process loading (num_workers > 0), "
                         f"but got num_workers={num_workers}")
