"""Bitwise operations on integer and bool tensors, by PyTorch's function names: bitwise_and, bitwise_or,
bitwise_xor, bitwise_not, bitwise_left_shift, bitwise_right_shift (``&``, ``|``, ``^``, ``~``, ``<<``, ``>>``).
On bool tensors and/or/xor/not are the logical ones (the shifts refuse two bools, as PyTorch does). Either
operand of a binary one may be a number; the result has the operands' promoted dtype and, like a comparison,
no graph. A float operand is a TypeError."""
from __future__ import annotations

from .. import backend
from ..autograd import Tensor
from ._util import lift, result_type
from .arithmetic import _check_broadcast


def _operands(op: str, a, b, allow_bool: bool = True) -> tuple:
    like = a if isinstance(a, Tensor) else b
    dtype = result_type(a, b)
    kinds = "biu" if allow_bool else "iu"
    if dtype.kind not in kinds:
        raise TypeError(f"{op}: expected {'bool or ' if allow_bool else ''}integer tensors, got "
                        f"{getattr(a, 'dtype', type(a).__name__)} and {getattr(b, 'dtype', type(b).__name__)}")
    a, b = lift(a, like, dtype).data, lift(b, like, dtype).data
    _check_broadcast(op, a, b)
    return backend.xp_of(a), a, b


def bitwise_and(input, other) -> Tensor:  # noqa: A002 - PyTorch's argument names
    """Bits set in both (``input & other``)."""
    xp, a, b = _operands("bitwise_and", input, other)
    return Tensor(xp.bitwise_and(a, b))


def bitwise_or(input, other) -> Tensor:  # noqa: A002
    """Bits set in either (``input | other``)."""
    xp, a, b = _operands("bitwise_or", input, other)
    return Tensor(xp.bitwise_or(a, b))


def bitwise_xor(input, other) -> Tensor:  # noqa: A002
    """Bits set in exactly one (``input ^ other``)."""
    xp, a, b = _operands("bitwise_xor", input, other)
    return Tensor(xp.bitwise_xor(a, b))


def bitwise_not(input: Tensor) -> Tensor:  # noqa: A002
    """Every bit flipped (``~input``): ``-x - 1`` for signed integers, logical not for bools."""
    if input.dtype.kind not in "biu":
        raise TypeError(f"bitwise_not: expected a bool or integer tensor, got {input.dtype}")
    return Tensor(backend.xp_of(input.data).invert(input.data))


def bitwise_left_shift(input, other) -> Tensor:  # noqa: A002
    """``input << other``: the bits moved up by ``other`` places, i.e. ``input * 2 ** other``."""
    xp, a, b = _operands("bitwise_left_shift", input, other, allow_bool=False)
    return Tensor(xp.left_shift(a, b))


def bitwise_right_shift(input, other) -> Tensor:  # noqa: A002
    """``input >> other``: the bits moved down by ``other`` places (arithmetic: the sign is kept, so
    ``-8 >> 1 = -4``), i.e. ``floor(input / 2 ** other)``."""
    xp, a, b = _operands("bitwise_right_shift", input, other, allow_bool=False)
    return Tensor(xp.right_shift(a, b))
