"""``torch.utils.data`` under its PyTorch name: ``from minigan.utils.data import DataLoader, TensorDataset``.

The code lives in :mod:`minigan.data` (``datasets``, ``samplers``, ``collate``, ``loader``); this module
gathers its ``torch.utils.data`` names, so a PyTorch script's imports work with ``torch`` read as
``minigan``.  Loading runs in the calling process: ``num_workers`` and ``pin_memory`` are accepted and
ignored, and :func:`get_worker_info` is ``None``.
"""
from ..data.collate import default_collate, default_convert
from ..data.datasets import (ChainDataset, ConcatDataset, Dataset, IterableDataset, StackDataset, Subset,
                             TensorDataset, random_split)
from ..data.loader import DataLoader, get_worker_info
from ..data.samplers import (BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler,
                             WeightedRandomSampler)

__all__ = [
    "DataLoader", "Dataset", "IterableDataset", "TensorDataset", "Subset", "ConcatDataset", "ChainDataset",
    "StackDataset",
    "random_split", "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
    "WeightedRandomSampler", "BatchSampler", "default_collate", "default_convert", "get_worker_info",
]
