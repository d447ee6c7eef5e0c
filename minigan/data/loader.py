"""Batches for training: :class:`TensorDataset` and :class:`DataLoader`.

A loader cuts a dataset into mini-batches, optionally in a shuffled order, and hands each batch
over as :class:`~minigan.Tensor` s on the chosen device.  The shuffle of epoch ``e`` is a
permutation drawn from a generator seeded with ``(seed, e)``, so it depends on nothing but those
two numbers: two loaders with the same seed give the same batches, and a run restored from a
checkpoint (:meth:`DataLoader.state_dict`) carries on with exactly the batches it would have seen,
even from the middle of an epoch.
"""
from __future__ import annotations

import math

import numpy as np

from .. import backend

__all__ = ["DataLoader", "TensorDataset"]


def _as_array(a):
    """Arrays pass; Tensors give their ``.data``; lists become NumPy arrays."""
    if backend.is_array(a):
        return a
    data = getattr(a, "data", None)
    if backend.is_array(data):
        return data
    return np.asarray(a)


class TensorDataset:
    """Arrays (or Tensors) that share their first axis: ``ds[i] -> (a[i], b[i], ...)``."""

    def __init__(self, *arrays):
        if not arrays:
            raise ValueError("TensorDataset: give at least one array")
        self.arrays = tuple(_as_array(a) for a in arrays)
        lengths = [a.shape[0] if a.ndim else None for a in self.arrays]
        if None in lengths or len(set(lengths)) != 1:
            shapes = [tuple(a.shape) for a in self.arrays]
            raise ValueError(f"TensorDataset: arrays must share their first axis, got shapes {shapes}")

    def __len__(self) -> int:
        return int(self.arrays[0].shape[0])

    def __getitem__(self, index):
        return tuple(a[index] for a in self.arrays)


class DataLoader:
    """Mini-batches of a dataset as Tensors.

    ``data`` is one of

    * an array or Tensor ``(N, ...)``: each batch is one Tensor ``(B, ...)``;
    * a tuple or list of arrays sharing ``N``: each batch is a tuple of Tensors;
    * a dataset with ``.arrays`` (``Digits``, ``MNIST``, ``ImageFolder``, :class:`TensorDataset`):
      batches are cut straight from those arrays, one tuple of Tensors each;
    * any object with ``__len__`` and ``__getitem__`` returning a tuple: items are stacked.

    ``B = batch_size`` (1 unless given, as in PyTorch), except a smaller last batch unless ``drop_last``
    (which, with fewer than ``B`` items, leaves no batch at all: an epoch is then empty).  With ``shuffle``, epoch
    ``e`` visits the items in the order ``default_rng([seed, e]).permutation(N)``; ``seed=None``
    draws a seed from minigan's CPU generator, so ``mg.manual_seed`` makes runs repeatable.
    ``iter(loader)`` starts the next epoch (``loader.epoch`` counts them).  Batches are moved with
    ``mg.tensor(batch, device=device)``; float64 data stays float64, so load float32 data.
    """

    def __init__(self, data, batch_size: int = 1, shuffle: bool = False, drop_last: bool = False,
                 seed: int | None = None, device: str = "cpu"):
        if int(batch_size) < 1:
            raise ValueError(f"DataLoader: batch_size must be at least 1, got {batch_size}")
        self.single = backend.is_array(data) or backend.is_array(getattr(data, "data", None))
        if self.single:
            self.dataset = TensorDataset(data)
        elif isinstance(data, (tuple, list)):
            self.dataset = TensorDataset(*data)
        elif hasattr(data, "__len__") and hasattr(data, "__getitem__"):
            self.dataset = data
        else:
            raise TypeError(f"DataLoader: expected arrays, Tensors or a dataset, got {type(data).__name__}")
        self.batch_size, self.shuffle, self.drop_last = int(batch_size), bool(shuffle), bool(drop_last)
        self.device = backend.normalize_device(device)
        if seed is None:
            seed = int(backend.rng("cpu").integers(0, 2**63 - 1))
        self.seed = int(seed)
        self.epoch = 0           # the epoch the next iter() will produce
        self._resume_at = 0      # batch to start from in that epoch (set by load_state_dict)
        self._position = None    # (epoch, batches already yielded) while an epoch is under way
        if len(self.dataset) < 1:
            raise ValueError("DataLoader: the dataset is empty")

    def __len__(self) -> int:
        """Batches per epoch: ``N // B`` with ``drop_last``, else ``ceil(N / B)``."""
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def order(self, epoch: int) -> np.ndarray:
        """The item indices of ``epoch``, in visiting order."""
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        return np.random.default_rng([self.seed, int(epoch)]).permutation(n)

    def _batch(self, idx: np.ndarray):
        from ..autograd import tensor   # the loader sits above autograd; import on use

        arrays = getattr(self.dataset, "arrays", None)
        if arrays is not None:
            parts = [a[backend.to_device(idx, backend.device_of(a))] for a in arrays]
        else:
            items = [self.dataset[int(i)] for i in idx]
            if not isinstance(items[0], tuple):
                items = [(item,) for item in items]
            parts = [np.stack([backend.to_numpy(_as_array(x)) for x in column]) for column in zip(*items)]
        tensors = tuple(tensor(p, device=self.device) for p in parts)
        return tensors[0] if self.single else tensors

    def __iter__(self):
        epoch, start = self.epoch, self._resume_at
        self.epoch, self._resume_at = epoch + 1, 0
        self._position = (epoch, start)
        return self._epoch(epoch, start)

    def _epoch(self, epoch: int, start: int):
        order = self.order(epoch)
        B = self.batch_size
        for b in range(start, len(self)):
            self._position = (epoch, b + 1)
            yield self._batch(order[b * B:(b + 1) * B])
        self._position = None

    def set_epoch(self, epoch: int) -> None:
        """Make the next ``iter()`` produce epoch ``epoch`` from its first batch."""
        self.epoch, self._resume_at, self._position = int(epoch), 0, None

    def state_dict(self) -> dict:
        """Where the loader stands: ``{"seed", "epoch", "batch"}``.  Saved in the middle of an
        epoch, ``batch`` counts the batches already handed out, and a loader restored from it
        continues with the next one."""
        if self._position is not None:
            epoch, batch = self._position
            if batch >= len(self):
                epoch, batch = epoch + 1, 0
        else:
            epoch, batch = self.epoch, self._resume_at
        return {"seed": self.seed, "epoch": int(epoch), "batch": int(batch)}

    def load_state_dict(self, state: dict) -> None:
        """Restore :meth:`state_dict`; the next ``iter()`` continues from there."""
        missing = {"seed", "epoch", "batch"} - set(state)
        if missing:
            raise KeyError(f"DataLoader.load_state_dict: missing {sorted(missing)} in {sorted(state)}")
        if not 0 <= int(state["batch"]) <= len(self):
            raise ValueError(f"DataLoader.load_state_dict: batch {state['batch']} is outside 0..{len(self)}")
        self.seed, self.epoch, self._resume_at = int(state["seed"]), int(state["epoch"]), int(state["batch"])
        self._position = None

    def __repr__(self) -> str:
        return (f"DataLoader({len(self.dataset)} items, batch_size={self.batch_size}, shuffle={self.shuffle}, "
                f"drop_last={self.drop_last}, device={self.device!r}, epoch={self.epoch})")
