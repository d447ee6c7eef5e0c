"""Padding layers (no parameters): ZeroPad2d, ConstantPad2d, ReflectionPad2d, ReplicationPad2d, CircularPad2d.

Each pads the last two dims of a ``(N, C, H, W)`` or ``(C, H, W)`` input with :func:`minigan.ops.pad`, so
``(N, C, H, W) -> (N, C, H + top + bottom, W + left + right)``. ``padding`` takes PyTorch's forms: an int pads
every side by the same amount; a 4-tuple is ``(left, right, top, bottom)``. The index maps behind the
reflect, replicate and circular modes are drawn in :mod:`minigan.ops.pad`."""
from __future__ import annotations

import numbers

from ..autograd import Tensor
from ..ops import pad
from .module import Module


def _quadruple(padding, layer: str) -> tuple[int, int, int, int]:
    """``2 -> (2, 2, 2, 2)``; a 4-tuple ``(left, right, top, bottom)`` as it is; anything else is an error."""
    if isinstance(padding, numbers.Integral) and not isinstance(padding, bool):
        return (int(padding),) * 4
    if isinstance(padding, (tuple, list)) and len(padding) == 4 and all(
            isinstance(p, numbers.Integral) and not isinstance(p, bool) for p in padding):
        return tuple(int(p) for p in padding)
    raise TypeError(f"{layer}: padding must be an int or a 4-tuple of ints (left, right, top, bottom), "
                    f"got {padding!r}")


class _Pad2d(Module):
    """A layer that copies values of the image into its border, in ``mode``."""
    mode: str       # set by each layer: "reflect", "replicate" or "circular"

    def __init__(self, padding) -> None:
        super().__init__()
        self.padding = _quadruple(padding, type(self).__name__)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim not in (3, 4):
            raise ValueError(f"{self!r}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape {x.shape}")
        return pad(x, self.padding, self.mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ConstantPad2d(_Pad2d):
    """Pad with ``value``: ``ConstantPad2d(1, -1.0)`` puts a border of -1 around every image."""

    def __init__(self, padding, value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, x: Tensor) -> Tensor:
        return pad(x, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ZeroPad2d(ConstantPad2d):
    """Pad with zeros."""

    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad2d(_Pad2d):
    """Mirror the image at its edges, the edge row/column itself not repeated; each amount must be smaller
    than the image's size along it."""
    mode = "reflect"


class ReplicationPad2d(_Pad2d):
    """Repeat the edge rows and columns (the corners repeat the corner pixel)."""
    mode = "replicate"


class CircularPad2d(_Pad2d):
    """Wrap around, as on a torus: the left border is the image's rightmost columns, and so on; each amount
    must be at most the image's size along it."""
    mode = "circular"
