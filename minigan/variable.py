"""``torch.autograd.Variable``, for code written before PyTorch 0.4 merged Variables into Tensors.

A Variable used to wrap a Tensor and record its history; since then every Tensor does that itself. What is left
of it, here as in PyTorch, is a name:

- ``Variable(t, requires_grad=False)`` returns a new Tensor that shares ``t``'s memory, starts no history
  (like ``t.detach()``) and requires a gradient as asked;
- ``isinstance(x, Variable)`` is True for every Tensor;
- ``volatile=True`` only warns: ``with mg.no_grad():`` is what it meant.
"""
from __future__ import annotations

import warnings

from .autograd import Tensor

__all__ = ["Variable"]


class _VariableMeta(type):
    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, Tensor)


class Variable(metaclass=_VariableMeta):
    """``Variable(data, requires_grad=False, volatile=False)``: ``data`` (a Tensor) detached, sharing its
    memory, with ``requires_grad`` set. See the module's docstring."""

    def __new__(cls, data, requires_grad: bool = False, volatile: bool = False):
        if volatile:
            warnings.warn("volatile was removed and now has no effect. Use `with mg.no_grad():` instead.",
                          UserWarning, stacklevel=2)
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        return data.detach().requires_grad_(bool(requires_grad))
