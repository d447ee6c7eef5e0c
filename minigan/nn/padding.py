"""Padding layers (no parameters), 1-D, 2-D and 3-D: ZeroPad1d/2d/3d, ConstantPad1d/2d/3d, ReflectionPad1d/2d/3d,
ReplicationPad1d/2d/3d, CircularPad1d/2d/3d.

Each pads the last ``dims`` dims of its input with :func:`minigan.ops.pad`, which takes its amounts from the
last dim backwards, so one class serves every size: a 1-D layer pads the ``L`` of ``(N, C, L)`` or ``(C, L)``,
``-> (N, C, L + left + right)``; a 2-D layer the ``H, W`` of ``(N, C, H, W)`` or ``(C, H, W)``,
``-> (N, C, H + top + bottom, W + left + right)``; a 3-D layer the ``D, H, W`` of a volume. ``padding`` takes
PyTorch's forms: an int pads every side by the same amount; a tuple is ``(left, right)`` in 1-D,
``(left, right, top, bottom)`` in 2-D and ``(left, right, top, bottom, front, back)`` in 3-D. The index maps
behind the reflect, replicate and circular modes are drawn in :mod:`minigan.ops.pad`."""
from __future__ import annotations

import numbers

from ..autograd import Tensor
from ..ops import pad
from .module import Module

SIDES = ("left", "right", "top", "bottom", "front", "back")   # pad's order: the last dim first
LAYOUTS = {1: ("(C, L)", "(N, C, L)"), 2: ("(C, H, W)", "(N, C, H, W)"), 3: ("(C, D, H, W)", "(N, C, D, H, W)")}


def _amounts(padding, dims: int, layer: str) -> tuple[int, ...]:
    """In 2-D: ``2 -> (2, 2, 2, 2)``, a 4-tuple ``(left, right, top, bottom)`` as it is; in 1-D: ``2 -> (2, 2)``,
    a pair ``(left, right)`` as it is. Anything else is an error."""
    n = 2 * dims
    if isinstance(padding, numbers.Integral) and not isinstance(padding, bool):
        return (int(padding),) * n
    if isinstance(padding, (tuple, list)) and len(padding) == n and all(
            isinstance(p, numbers.Integral) and not isinstance(p, bool) for p in padding):
        return tuple(int(p) for p in padding)
    raise TypeError(f"{layer}: padding must be an int or a {n}-tuple of ints ({', '.join(SIDES[:n])}), "
                    f"got {padding!r}")


class _PadNd(Module):
    """A layer that copies values of the input into its border, in ``mode``, along its last ``dims`` dims."""
    mode: str       # set by each layer: "reflect", "replicate" or "circular"
    dims: int       # set by each layer: 1, 2 or 3

    def __init__(self, padding) -> None:
        super().__init__()
        self.padding = _amounts(padding, self.dims, type(self).__name__)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim not in (self.dims + 1, self.dims + 2):
            unbatched, batched = LAYOUTS[self.dims]
            raise ValueError(f"{self!r}: expected a {self.dims + 1}-D {unbatched} or {self.dims + 2}-D {batched} "
                             f"input, got shape {x.shape}")
        return pad(x, self.padding, self.mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    """Pad with ``value``. Any input with at least ``dims`` dims will do, as in PyTorch."""

    def __init__(self, padding, value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, x: Tensor) -> Tensor:
        return pad(x, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dim with ``value``: ``ConstantPad1d((1, 2), -1.0)`` puts one -1 before each signal and
    two after it."""
    dims = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two dims with ``value``: ``ConstantPad2d(1, -1.0)`` puts a border of -1 around every image."""
    dims = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three dims with ``value``."""
    dims = 3


class _ZeroPadNd(_ConstantPadNd):
    """Pad with zeros; the repr shows the amounts only, as PyTorch's."""

    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad1d(_ZeroPadNd, ConstantPad1d):
    """Pad the last dim with zeros."""


class ZeroPad2d(_ZeroPadNd, ConstantPad2d):
    """Pad the last two dims with zeros."""


class ZeroPad3d(_ZeroPadNd, ConstantPad3d):
    """Pad the last three dims with zeros."""


class ReflectionPad1d(_PadNd):
    """Mirror the signal at its ends, the end value itself not repeated; each amount must be smaller than
    the length."""
    mode, dims = "reflect", 1


class ReflectionPad2d(_PadNd):
    """Mirror the image at its edges, the edge row/column itself not repeated; each amount must be smaller
    than the image's size along it."""
    mode, dims = "reflect", 2


class ReplicationPad1d(_PadNd):
    """Repeat the first and last values."""
    mode, dims = "replicate", 1


class ReplicationPad2d(_PadNd):
    """Repeat the edge rows and columns (the corners repeat the corner pixel)."""
    mode, dims = "replicate", 2


class CircularPad1d(_PadNd):
    """Wrap around, as on a ring: the left border is the signal's last values, and so on; each amount must be
    at most the length."""
    mode, dims = "circular", 1


class CircularPad2d(_PadNd):
    """Wrap around, as on a torus: the left border is the image's rightmost columns, and so on; each amount
    must be at most the image's size along it."""
    mode, dims = "circular", 2


class ReflectionPad3d(_PadNd):
    """Mirror the volume at its faces, the face itself not repeated; each amount must be smaller than the
    volume's size along it."""
    mode, dims = "reflect", 3


class ReplicationPad3d(_PadNd):
    """Repeat the face slices, rows and columns."""
    mode, dims = "replicate", 3


class CircularPad3d(_PadNd):
    """Wrap around along depth, height and width; each amount must be at most the volume's size along it."""
    mode, dims = "circular", 3
