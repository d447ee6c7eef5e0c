"""Data a learner has without a network, and the loader that batches it.

* :func:`load_digits` / :class:`Digits`: 1,797 handwritten 8x8 digits shipped in the package
  (UCI, CC BY 4.0), the default data of every GAN lesson and test.
* :func:`load_mnist` / :class:`MNIST`: MNIST and Fashion-MNIST from their IDX files
  (:func:`read_idx`), downloaded with checksums only when asked.
* :class:`ImageFolder`, :func:`load_image`: the user's own PNG/JPEG pictures; ``"grace_hopper"``
  and the shipped textures (:func:`list_textures`) by name.
* :class:`DataLoader`, :class:`TensorDataset`: seeded, resumable mini-batches as Tensors; with ``Dataset``,
  ``Subset``, ``ConcatDataset``, ``random_split``, the samplers and ``default_collate``, the names of
  ``torch.utils.data`` (also importable as :mod:`minigan.utils.data`).
* :mod:`minigan.data.images`: resize, center crop and pixel scaling in plain array code.
"""
from .digits import Digits, load_digits
from .folder import ImageFolder, ImageReadError, list_textures, load_image, read_image, texture_path
from .images import center_crop, resize, resize_and_center_crop, scale_pixels
from .loader import DataLoader, TensorDataset
from .collate import default_collate, default_convert
from .datasets import ChainDataset, ConcatDataset, Dataset, IterableDataset, StackDataset, Subset, random_split
from .loader import get_worker_info
from .samplers import (BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler,
                       WeightedRandomSampler)
from .mnist import MNIST, IDXError, load_mnist, read_idx, write_idx

__all__ = [
    "Digits", "load_digits", "ImageFolder", "ImageReadError", "list_textures", "load_image", "read_image",
    "texture_path", "center_crop", "resize", "resize_and_center_crop", "scale_pixels", "DataLoader",
    "TensorDataset", "MNIST", "IDXError", "load_mnist", "read_idx", "write_idx",
    "default_collate", "default_convert", "ChainDataset", "ConcatDataset", "Dataset", "IterableDataset", "Subset",
    "StackDataset",
    "random_split", "get_worker_info", "BatchSampler", "RandomSampler", "Sampler", "SequentialSampler",
    "SubsetRandomSampler", "WeightedRandomSampler",
]
