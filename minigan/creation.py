"""Making tensors: zeros, ones, empty, full, eye, arange, linspace, from_numpy, the ``*_like`` forms, and random
ones drawn from the device's seeded generator (``mg.manual_seed``). Their dtypes are PyTorch's: float32 unless a
dtype is given, but int64 for ``arange`` of integers and ``randint``, the value's own kind for ``full``, the
array's own for ``from_numpy``, and the model tensor's for the ``*_like`` forms."""
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


def empty(*shape, device=None, dtype=np.float32, requires_grad: bool = False) -> Tensor:
    """A tensor of ``shape`` whose values you are about to overwrite (``torch.empty``). PyTorch leaves them
    uninitialised; minigan fills them with zeros, but code should not rely on that."""
    return zeros(*shape, device=device, dtype=dtype, requires_grad=requires_grad)


def eye(n: int, m: int | None = None, device=None, dtype=np.float32, requires_grad: bool = False) -> Tensor:
    """The ``(n, m)`` identity matrix (``m`` defaults to ``n``): ones on the diagonal, zeros elsewhere
    (``torch.eye``)."""
    dev = backend.normalize_device(device)
    return _make(backend.xp_for(dev).eye(int(n), None if m is None else int(m), dtype=dtype), requires_grad)


def linspace(start, end, steps: int, device=None, dtype=np.float32, requires_grad: bool = False) -> Tensor:
    """``steps`` values evenly spaced from ``start`` to ``end``, both included (``torch.linspace``); float32
    unless a dtype is given. They are computed in float64 and then cast, so an integer dtype truncates
    toward zero, as in PyTorch."""
    if int(steps) < 0:
        raise ValueError(f"linspace(): number of steps must be non-negative, got {steps}")
    dev = backend.normalize_device(device)
    arr = backend.xp_for(dev).linspace(start, end, int(steps), dtype=np.float64)
    return _make(arr.astype(dtype, copy=False), requires_grad)


def from_numpy(a: np.ndarray) -> Tensor:
    """A CPU tensor that shares ``a``'s memory and keeps its dtype, as ``torch.from_numpy``: a change to one is
    seen in the other. (``mg.tensor(a)`` copies instead.)"""
    if not isinstance(a, np.ndarray):
        raise TypeError(f"from_numpy(): expected np.ndarray (got {type(a).__name__}); for a list use mg.tensor")
    if a.dtype.kind not in "biufc":
        raise TypeError(f"from_numpy(): can't convert an array of dtype {a.dtype}; the supported kinds are "
                        "float, complex, integer and bool")
    return Tensor(a)


def _dtype_of_value(value):
    """The dtype PyTorch gives ``full(shape, value)``: bool for a bool, int64 for an int, else float32."""
    if isinstance(value, (bool, np.bool_)):
        return np.bool_
    if isinstance(value, (int, np.integer)):
        return np.int64
    return np.float32


def full(shape, value, device=None, dtype=None, requires_grad: bool = False) -> Tensor:
    """A tensor of ``shape`` filled with ``value``; its dtype follows the value (bool, int64 or float32), as in
    PyTorch, unless ``dtype`` is given."""
    dev = backend.normalize_device(device)
    dtype = _dtype_of_value(value) if dtype is None else dtype
    return _make(backend.xp_for(dev).full(_shape((shape,)), value, dtype=dtype), requires_grad)


def _like(fill: str, t: Tensor, dtype, device, requires_grad: bool) -> Tensor:
    dev = t.device if device is None else backend.normalize_device(device)
    xp = backend.xp_for(dev)
    return _make(getattr(xp, fill)(t.shape, dtype=t.dtype if dtype is None else dtype), requires_grad)


def zeros_like(t: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Zeros of ``t``'s shape, and of its dtype and device unless others are given."""
    return _like("zeros", t, dtype, device, requires_grad)


def ones_like(t: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Ones of ``t``'s shape, and of its dtype and device unless others are given."""
    return _like("ones", t, dtype, device, requires_grad)


def full_like(t: Tensor, fill_value, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """``fill_value`` in ``t``'s shape, and of its dtype and device unless others are given (so, as in PyTorch,
    ``full_like`` of an int64 tensor with 2.7 holds 2)."""
    dev = t.device if device is None else backend.normalize_device(device)
    arr = backend.xp_for(dev).full(t.shape, fill_value, dtype=t.dtype if dtype is None else dtype)
    return _make(arr, requires_grad)


def arange(start, end=None, step=1, device=None, dtype=None, requires_grad: bool = False, *,
           stop=None) -> Tensor:
    """``start, start + step, ...`` up to ``end`` (excluded); ``arange(n)`` is ``0 .. n-1``. Integers give int64,
    a float argument float32, as in PyTorch (``stop`` is NumPy's name for ``end``)."""
    if stop is not None:
        if end is not None:
            raise TypeError("arange(): give the end once, as end= (PyTorch's name) or stop=")
        end = stop
    if step == 0:
        raise ValueError("arange(): step must be nonzero")
    dev = backend.normalize_device(device)
    if dtype is None:
        dtype = np.float32 if any(isinstance(v, float) for v in (start, end, step)) else np.int64
    return _make(backend.xp_for(dev).arange(start, end, step, dtype=dtype), requires_grad)


def _drawn(dtype):
    """The dtype to draw random floats in: the generators draw float32 or float64 only, so float16 is drawn
    as float32 and rounded."""
    return np.float64 if np.dtype(dtype) == np.float64 else np.float32


def randn(*shape, device=None, dtype=np.float32, requires_grad: bool = False) -> Tensor:
    """Standard normal samples from the device's seeded generator."""
    dev = backend.normalize_device(device)
    arr = backend.rng(dev).standard_normal(_shape(shape), dtype=_drawn(dtype))
    return _make(arr.astype(dtype, copy=False), requires_grad)


def rand(*shape, device=None, dtype=np.float32, requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1) from the device's seeded generator."""
    dev = backend.normalize_device(device)
    arr = backend.rng(dev).random(_shape(shape), dtype=_drawn(dtype))
    return _make(arr.astype(dtype, copy=False), requires_grad)


def _random_like(draw, name: str, t: Tensor, dtype, device, requires_grad: bool) -> Tensor:
    dtype = t.dtype if dtype is None else np.dtype(dtype)
    if dtype.kind not in "f":
        raise TypeError(f"{name}(): random floats need a floating-point dtype, but the tensor has dtype {dtype}; "
                        f"pass dtype=mg.float32 (or use mg.randint for integers)")
    return draw(t.shape, device=t.device if device is None else device, dtype=dtype, requires_grad=requires_grad)


def randn_like(t: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples of ``t``'s shape, and of its dtype and device unless others are given, from the
    device's seeded generator (``torch.randn_like``)."""
    return _random_like(randn, "randn_like", t, dtype, device, requires_grad)


def rand_like(t: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1) of ``t``'s shape, and of its dtype and device unless others are given, from the
    device's seeded generator (``torch.rand_like``)."""
    return _random_like(rand, "rand_like", t, dtype, device, requires_grad)


def randint(low: int, high=None, size=None, device=None, dtype=np.int64) -> Tensor:
    """Integers drawn uniformly from ``[low, high)`` (``randint(high, size)``: from ``[0, high)``), as in PyTorch,
    from the device's seeded generator."""
    if size is None:                    # randint(high, size)
        if high is None:
            raise TypeError("randint(): give the size, as randint(low, high, size) or randint(high, size)")
        low, high, size = 0, low, high
    dev = backend.normalize_device(device)
    return Tensor(backend.rng(dev).integers(low, high, size=_shape((size,))).astype(dtype, copy=False))
