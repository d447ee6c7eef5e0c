"""Questions about dtypes and tensors that have no gradient, by PyTorch's names: is_floating_point,
is_complex, is_signed, is_nonzero, is_same_size; and PyTorch's type promotion asked directly:
promote_types, result_type, can_cast. minigan's dtypes are NumPy's (``mg.float32 is numpy.float32``); the
answers are PyTorch's (int64 and float16 promote to float16, not NumPy's float64)."""
from __future__ import annotations

import numpy as np

from ..autograd import Tensor
from ._util import _KIND_RANK, _join
from ._util import result_type as _result_type


def is_floating_point(input: Tensor) -> bool:  # noqa: A002 - PyTorch's argument names
    """Whether the dtype is a floating-point one (float16, float32, float64)."""
    return input.dtype.kind == "f"


def is_complex(input: Tensor) -> bool:  # noqa: A002
    """Whether the dtype is complex (minigan computes in real dtypes; a complex array would say True)."""
    return input.dtype.kind == "c"


def is_signed(input: Tensor) -> bool:  # noqa: A002
    """Whether the dtype holds negative numbers: floats and signed integers, not bool or uint8."""
    return input.dtype.kind in "ifc"


def is_nonzero(input: Tensor) -> bool:  # noqa: A002
    """Whether the single element of a one-element tensor is not zero; any other size is an error (its truth
    would be ambiguous), as ``torch.is_nonzero``."""
    n = input.numel()
    if n != 1:
        raise ValueError(f"is_nonzero: Boolean value of Tensor with {'no values' if n == 0 else 'more than one value'}"
                         " is ambiguous")
    return bool(input.data.reshape(()) != 0)


def is_same_size(input: Tensor, other: Tensor) -> bool:  # noqa: A002
    """Whether the two tensors have the same shape."""
    return tuple(input.shape) == tuple(other.shape)


def promote_types(type1, type2) -> np.dtype:
    """The smallest dtype both fit in by PyTorch's rules: the higher category wins (bool < integer < float),
    within a category the wider (uint8 and int8 give int16)."""
    return _join(np.dtype(type1), np.dtype(type2))


def result_type(tensor1, tensor2) -> np.dtype:
    """The dtype an elementwise op on the two (tensors or numbers) gives, as ``torch.result_type``: tensors
    with dims decide over 0-d tensors, which decide over numbers, unless those are of a higher category."""
    return _result_type(tensor1, tensor2)


def can_cast(from_, to) -> bool:
    """Whether PyTorch's casting rules allow ``from_`` into ``to`` where an op writes a result into a tensor:
    any width within a category (float64 into float32), never into a lower category (float into int)."""
    return _KIND_RANK[np.dtype(from_).kind] <= _KIND_RANK[np.dtype(to).kind]
