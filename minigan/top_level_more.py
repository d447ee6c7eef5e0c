"""PyTorch's top-level names that are a Tensor method or a way of making a tensor under another name:
``mg.clamp_min``, ``mg.clamp_max``, ``mg.detach``, ``mg.empty_like``, ``mg.randint_like``, ``mg.scalar_tensor``."""
from __future__ import annotations

import numpy as np

from . import backend, creation
from .autograd import Tensor, _default_float
from .generator import stream
from .memory_formats import laid_out_like, preserve_format

__all__ = ["clamp_min", "clamp_max", "clone", "detach", "empty_like", "randint_like", "scalar_tensor"]


def clamp_min(input: Tensor, min) -> Tensor:  # noqa: A002
    """``input`` with every element below ``min`` raised to it (``torch.clamp_min``); recorded, as ``clamp``."""
    return input.clamp_min(min)


def clamp_max(input: Tensor, max) -> Tensor:  # noqa: A002
    """``input`` with every element above ``max`` lowered to it (``torch.clamp_max``); recorded, as ``clamp``."""
    return input.clamp_max(max)


def clone(input: Tensor, *, memory_format=None) -> Tensor:  # noqa: A002
    """A recorded copy of ``input`` (``torch.clone``), which keeps its layout where it is dense (PyTorch's
    default, ``mg.preserve_format``) or takes ``memory_format``: ``Tensor.clone``."""
    return input.clone(memory_format=memory_format)


def detach(input: Tensor) -> Tensor:  # noqa: A002
    """``input.detach()``: the same memory, cut from the graph (``torch.detach``)."""
    return input.detach()


def empty_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False,  # noqa: A002
               memory_format=preserve_format) -> Tensor:
    """A tensor of ``input``'s shape, dtype and device (unless others are given) whose values you are about to
    overwrite (``torch.empty_like``); minigan fills it with zeros, but code should not rely on that. It is laid
    out as ``input`` is, unless ``memory_format`` says otherwise (minigan/memory_formats.py)."""
    return creation.zeros_like(input, dtype=dtype, device=device, requires_grad=requires_grad,
                               memory_format=memory_format)


def randint_like(input: Tensor, low: int = 0, high=None, *, generator=None, dtype=None, device=None,  # noqa: A002
                 requires_grad: bool = False, memory_format=preserve_format) -> Tensor:
    """Integers drawn uniformly from ``[low, high)`` (``randint_like(x, high)``: from ``[0, high)``) in ``input``'s
    shape, and of its dtype and device unless others are given (``torch.randint_like``)."""
    if high is None:
        low, high = 0, low
    if low >= high:
        raise RuntimeError(f"randint_like: expects 'low' to be less than 'high', but got low={low} >= high={high}")
    dev = input.device if device is None else backend.normalize_device(device)
    drawn = stream(generator, dev, "randint_like").integers(int(low), int(high), size=input.shape, dtype=np.int64)
    drawn = laid_out_like(drawn.astype(input.dtype if dtype is None else dtype), input, memory_format, "randint_like()")
    return Tensor(drawn, requires_grad=requires_grad)


def scalar_tensor(s, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A 0-d tensor holding the number ``s``, of the default float dtype unless one is given, whatever the kind
    of ``s`` (``torch.scalar_tensor(3)`` is ``tensor(3.)``)."""
    if isinstance(s, Tensor):
        s = s.item()
    return creation.full((), s, dtype=_default_float() if dtype is None else dtype, device=device,
                         requires_grad=requires_grad)
