"""More ways to cut a tensor and to bring tensors to one shape, by PyTorch's names: tensor_split (NumPy's
array_split: at given indices, or into n nearly equal pieces), hsplit/vsplit/dsplit (along dim 1, 0, 2),
split_with_sizes, unflatten (one dim into several); broadcast_shapes and broadcast_tensors.

All are compositions: each piece is a slice of the input (:func:`~minigan.ops.shape.split` or an index), and a
broadcast is :func:`~minigan.ops.shape.broadcast_to`, so the gradients are theirs: a piece's gradient lands in
its own rows, and a broadcast tensor's gradient is summed back to its shape."""
from __future__ import annotations

import numpy as np

from ..autograd import Tensor
from ._util import normalize_dim
from .shape import broadcast_to, fill_free_size, getitem, reshape, split


def _is_int(n) -> bool:
    return isinstance(n, (int, np.integer)) and not isinstance(n, bool)


def tensor_split(input: Tensor, indices_or_sections, dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    """``input`` cut along ``dim``: an int ``n`` gives ``n`` pieces, the first ``length % n`` of them one longer
    (7 into 3: 3, 2, 2); a list of indices gives the slices ``[:i0], [i0:i1], ..., [ik:]`` with Python's slicing
    rules (an index past the end, or one below the previous, gives an empty piece). A tensor argument is read
    as an int (0-d) or as the indices (1-d), as in PyTorch."""
    op = "tensor_split"
    if input.ndim == 0:
        raise ValueError(f"{op}: expected at least a 1-dimensional tensor, got a 0-d tensor")
    d = normalize_dim(dim, input.ndim, op)
    if isinstance(indices_or_sections, Tensor):
        if indices_or_sections.dtype.kind not in "iu" or indices_or_sections.ndim > 1:
            raise TypeError(f"{op}: a tensor indices_or_sections must be a 0-d or 1-d integer tensor, got dtype "
                            f"{indices_or_sections.dtype} and shape {indices_or_sections.shape}")
        indices_or_sections = indices_or_sections.tolist()
    length = input.shape[d]
    if _is_int(indices_or_sections):
        n = int(indices_or_sections)
        if n <= 0:
            raise ValueError(f"{op}: number of sections must be larger than 0, got {n}")
        sizes = [length // n + (1 if i < length % n else 0) for i in range(n)]
        return split(input, sizes, d)
    if not isinstance(indices_or_sections, (list, tuple)) or not all(_is_int(i) for i in indices_or_sections):
        raise TypeError(f"{op}: expected indices_or_sections to be an int or a list of ints, got "
                        f"{indices_or_sections!r}")
    bounds = [None] + [int(i) for i in indices_or_sections] + [None]
    lead = (slice(None),) * d
    return tuple(getitem(input, lead + (slice(a, b),)) for a, b in zip(bounds[:-1], bounds[1:]))


def _split_along(op: str, input: Tensor, indices_or_sections, dim: int, min_ndim: int):  # noqa: A002
    if input.ndim < min_ndim:
        raise ValueError(f"torch.{op} requires a tensor with at least {min_ndim} dimension, but got a tensor with "
                         f"{input.ndim} dimensions")
    if _is_int(indices_or_sections):
        n = int(indices_or_sections)
        if n == 0 or input.shape[dim] % n:
            raise ValueError(f"torch.{op} attempted to split along dimension {dim}, but the size of the dimension "
                             f"{input.shape[dim]} is not divisible by the split_size {n}!")
    return tensor_split(input, indices_or_sections, dim)


def hsplit(input: Tensor, indices_or_sections) -> tuple[Tensor, ...]:  # noqa: A002
    """:func:`tensor_split` along dim 1 (dim 0 of a 1-D tensor); an int must divide that dim's length."""
    return _split_along("hsplit", input, indices_or_sections, 1 if input.ndim >= 2 else 0, 1)


def vsplit(input: Tensor, indices_or_sections) -> tuple[Tensor, ...]:  # noqa: A002
    """:func:`tensor_split` along dim 0 of a tensor of at least 2 dims; an int must divide its length."""
    return _split_along("vsplit", input, indices_or_sections, 0, 2)


def dsplit(input: Tensor, indices_or_sections) -> tuple[Tensor, ...]:  # noqa: A002
    """:func:`tensor_split` along dim 2 of a tensor of at least 3 dims; an int must divide its length."""
    return _split_along("dsplit", input, indices_or_sections, 2, 3)


def split_with_sizes(input: Tensor, split_sizes, dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    """``input`` cut along ``dim`` into pieces of ``split_sizes`` (which must add up to its length):
    :func:`~minigan.ops.shape.split` with a list."""
    return split(input, list(split_sizes), dim)


def unflatten(input: Tensor, dim: int, sizes) -> Tensor:  # noqa: A002
    """Dim ``dim`` opened into ``sizes`` (one of them may be -1): ``(2, 12) -> (2, 3, 4)`` for
    ``unflatten(x, 1, (3, 4))``, a reshape."""
    d = normalize_dim(dim, input.ndim, "unflatten")
    filled = fill_free_size(tuple(sizes), input.shape[d])
    if filled is None:
        raise ValueError(f"unflatten: sizes {tuple(sizes)} don't multiply up to the size of dim {dim} "
                         f"({input.shape[d]}) of a tensor of shape {input.shape}")
    return reshape(input, input.shape[:d] + filled + input.shape[d + 1:])


def broadcast_shapes(*shapes) -> tuple[int, ...]:
    """The shape that tensors of ``shapes`` (each a tuple or an int) broadcast to, as a tuple: sizes are lined
    up from the right, and a size of 1 stretches to match the other."""
    as_tuples = [(int(s),) if _is_int(s) else tuple(int(n) for n in s) for s in shapes]
    try:
        return tuple(int(n) for n in np.broadcast_shapes(*as_tuples))
    except ValueError:
        raise ValueError(f"broadcast_shapes: shape mismatch: shapes {as_tuples} cannot be broadcast to a single "
                         "shape") from None


def broadcast_tensors(*tensors) -> tuple[Tensor, ...]:
    """Each tensor broadcast to their common shape (:func:`broadcast_shapes`), by a recorded
    :func:`~minigan.ops.shape.broadcast_to`: a tensor's gradient is the sum over the copies it was stretched to."""
    shape = broadcast_shapes(*(t.shape for t in tensors))
    return tuple(t if t.shape == shape else broadcast_to(t, shape) for t in tensors)
