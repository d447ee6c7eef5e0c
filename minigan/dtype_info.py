"""What a number type can hold: ``mg.finfo`` for floats, ``mg.iinfo`` for integers, as PyTorch's.

A float type keeps a fixed number of significant bits, so its numbers are spaced *relatively*: between 1 and 2
float32 can hold no number closer to 1 than ``1 + eps`` with ``eps = 2**-23 ~ 1.19e-7``, and every result of an
arithmetic step is rounded to that relative spacing. That is why a test may not ask two float32 results for
more than about ``eps`` times a few of agreement (see :func:`minigan.testing.assert_close`, whose default
tolerances grow with the dtype's ``eps``), and why a finite-difference gradient check runs in float64, whose
``eps ~ 2.2e-16`` leaves room for a step ``h ~ 1e-6`` (lesson 02)::

    >>> mg.finfo(mg.float32).eps
    1.1920928955078125e-07
    >>> mg.finfo()                  # the default float dtype's (mg.get_default_dtype())
    finfo(resolution=1e-06, min=-3.40282e+38, max=3.40282e+38, eps=1.19209e-07, smallest_normal=1.17549e-38, \
tiny=1.17549e-38, dtype=float32)
    >>> mg.iinfo(mg.int32).max
    2147483647

minigan's dtypes are NumPy's, so the numbers come from ``numpy.finfo`` / ``numpy.iinfo``; they are handed out
as Python numbers, under PyTorch's names, and ``dtype`` is the type's name (``'float32'``) as in PyTorch."""
from __future__ import annotations

import numpy as np

from .settings import get_default_dtype


def _as_dtype(dtype, who: str) -> np.dtype:
    """``dtype`` (a NumPy dtype, a type such as ``mg.float32`` or ``float``, or a name such as ``"float32"``: what
    minigan's ``dtype=`` arguments take) as a NumPy dtype, or a TypeError naming ``who``."""
    if isinstance(dtype, np.dtype):
        return dtype
    if dtype is None or not isinstance(dtype, (type, str)):
        raise TypeError(f"{who}(): argument 'type' must be a dtype (such as mg.float32 or 'float32'), "
                        f"not {type(dtype).__name__}")
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{who}(): argument 'type' must be a dtype (such as mg.float32 or 'float32'), "
                        f"got {dtype!r}") from None


class finfo:
    """The limits of a floating-point type (``torch.finfo``); a complex type gives its parts' float type.

    - ``bits``: the bits a number takes (16, 32, 64).
    - ``eps``: the gap between 1.0 and the next number up, ``2**-(mantissa bits)``: the relative rounding
      error of one arithmetic step is at most ``eps / 2``.
    - ``max`` / ``min``: the largest and the most negative finite number (``min == -max``).
    - ``tiny`` = ``smallest_normal``: the smallest positive number with full precision (smaller ones are
      "subnormal" and lose significant bits on the way down to 0).
    - ``resolution``: ``10**-precision``, the decimal digits the type keeps (1e-3, 1e-6, 1e-15).
    - ``dtype``: the type's name, ``'float32'``.

    ``finfo()`` describes the default float dtype (:func:`minigan.get_default_dtype`)."""

    __slots__ = ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype")

    def __init__(self, type=None):      # noqa: A002  (PyTorch's name for the argument)
        dt = np.dtype(get_default_dtype()) if type is None else _as_dtype(type, "finfo")
        if dt.kind not in "fc":
            raise TypeError(f"finfo() requires a floating point input type, got {dt.name}. "
                            f"Use iinfo to handle '{dt.name}'")
        info = np.finfo(dt)
        self.bits = int(info.bits)
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.tiny = float(info.smallest_normal)
        self.smallest_normal = self.tiny
        self.resolution = 10.0 ** -int(info.precision)     # exactly 1e-06, not float32's nearest to it
        self.dtype = info.dtype.name

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")

    def __eq__(self, other) -> bool:
        return isinstance(other, finfo) and other.dtype == self.dtype

    def __hash__(self) -> int:
        return hash(("finfo", self.dtype))


class iinfo:
    """The limits of an integer type (``torch.iinfo``): ``bits``, ``max``, ``min`` (Python ints) and ``dtype``,
    the type's name (``'int64'``). A signed type of ``b`` bits holds ``-2**(b-1) .. 2**(b-1) - 1``, an unsigned
    one ``0 .. 2**b - 1``. bool is no integer type here, as in PyTorch."""

    __slots__ = ("bits", "max", "min", "dtype")

    def __init__(self, type):       # noqa: A002  (PyTorch's name for the argument)
        dt = _as_dtype(type, "iinfo")
        if dt.kind == "b":
            raise TypeError("bool is not supported by iinfo (it is no integer type; its values are False and True)")
        if dt.kind not in "iu":
            raise TypeError(f"iinfo() requires an integer input type, got {dt.name}. "
                            f"Use finfo to handle '{dt.name}'")
        info = np.iinfo(dt)
        self.bits = int(info.bits)
        self.max = int(info.max)
        self.min = int(info.min)
        self.dtype = dt.name

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"

    def __eq__(self, other) -> bool:
        return isinstance(other, iinfo) and other.dtype == self.dtype

    def __hash__(self) -> int:
        return hash(("iinfo", self.dtype))
