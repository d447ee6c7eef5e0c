"""Making tensors: zeros, ones, full, arange, and random ones drawn from the device's seeded generator
(``mg.manual_seed``), all float32 unless a dtype is given, as in PyTorch."""
from __future__ import annotations

import numpy as np

from . import backend
from .autograd import Tensor


def _shape(shape) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(int(n) for n in shape)


def _make(arr, requires_grad: bool) -> Tensor:
    return Tensor(arr, requires_grad=requires_grad)


def zeros(*shape, device=None, dtype=np.float32, requires_grad: bool = False) -> Tensor:
    dev = backend.normalize_device(device)
    return _make(backend.xp_for(dev).zeros(_shape(shape), dtype=dtype), requires_grad)


def ones(*shape, device=None, dtype=np.float32, requires_grad: bool = False) -> Tensor:
    dev = backend.normalize_device(device)
    return _make(backend.xp_for(dev).ones(_shape(shape), dtype=dtype), requires_grad)


def full(shape, value, device=None, dtype=np.float32, requires_grad: bool = False) -> Tensor:
    dev = backend.normalize_device(device)
    return _make(backend.xp_for(dev).full(_shape((shape,)), value, dtype=dtype), requires_grad)


def zeros_like(t: Tensor, requires_grad: bool = False) -> Tensor:
    return _make(backend.xp_of(t.data).zeros_like(t.data), requires_grad)


def ones_like(t: Tensor, requires_grad: bool = False) -> Tensor:
    return _make(backend.xp_of(t.data).ones_like(t.data), requires_grad)


def arange(start, stop=None, step=1, device=None, dtype=None) -> Tensor:
    dev = backend.normalize_device(device)
    if dtype is None and any(isinstance(v, float) for v in (start, stop, step)):
        dtype = np.float32  # float arguments give float32, as in PyTorch
    return Tensor(backend.xp_for(dev).arange(start, stop, step, dtype=dtype))


def randn(*shape, device=None, dtype=np.float32, requires_grad: bool = False) -> Tensor:
    """Standard normal samples from the device's seeded generator."""
    dev = backend.normalize_device(device)
    arr = backend.rng(dev).standard_normal(_shape(shape), dtype=np.dtype(dtype).type)
    return _make(arr, requires_grad)


def rand(*shape, device=None, dtype=np.float32, requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1) from the device's seeded generator."""
    dev = backend.normalize_device(device)
    arr = backend.rng(dev).random(_shape(shape), dtype=np.dtype(dtype).type)
    return _make(arr, requires_grad)


def randint(low: int, high: int, size, device=None) -> Tensor:
    dev = backend.normalize_device(device)
    return Tensor(backend.rng(dev).integers(low, high, size=_shape((size,))))
