"""Memory formats and layouts: where a tensor's elements sit in memory, as PyTorch's ``torch.channels_last`` ...

A 4-d ``(N, C, H, W)`` tensor can be stored in two natural orders with the same shape and values:

- ``mg.contiguous_format`` (channels first, "NCHW"): the last dim moves fastest; strides for shape
  ``(2, 3, 4, 5)`` are ``(60, 20, 5, 1)``. ``x[n, c]`` is one ``(H, W)`` image plane in one piece.
- ``mg.channels_last`` ("NHWC"): the channel moves fastest; strides ``(60, 1, 15, 3)``. ``x[n, :, h, w]``, the
  ``C`` values of one pixel, sit side by side. It is the tensor whose ``(N, H, W, C)`` transpose is contiguous,
  and it is how minigan's CPU convolution kernels store their outputs (``kernels/fast.py``; lesson 08): a
  convolution is a product over channels, so reading each pixel's channels in one run is what it wants.

``mg.channels_last_3d`` is the same for 5-d ``(N, C, D, H, W)`` tensors, and ``mg.preserve_format`` means "keep
the layout the input has" (the default of ``clone`` and the ``*_like`` functions). ``x.stride()`` shows the
layout, ``x.is_contiguous(memory_format=...)`` asks about it, ``x.dim_order()`` names the dims from the outermost
in memory to the innermost, and ``x.to(memory_format=...)`` / ``x.contiguous(memory_format=...)`` rearrange.
The rules below (what counts as being in a format when some dims have size 1, which layout "preserve" keeps)
are PyTorch's, so a stride printed here is the stride PyTorch prints.

A rearranged tensor is a recorded copy: the values are unchanged, so its gradient passes back unchanged.
``mg.strided``, the only ``mg.layout``: every minigan tensor is a strided view of a NumPy or CuPy array.
"""
from __future__ import annotations

import numpy as np

from . import backend
from .autograd import Function, Tensor

__all__ = ["memory_format", "contiguous_format", "channels_last", "channels_last_3d", "preserve_format", "layout",
           "strided", "format_strides", "is_in_format", "suggest_format", "is_dense", "arrange", "dim_order_of"]


class _Named:
    """A named singleton, as PyTorch's ``torch.channels_last`` or ``torch.strided``: compared by identity, printed
    as ``mg.<name>``, copied and pickled as itself. Users never make new ones."""
    __slots__ = ("_name",)

    def __new__(cls, *args, **kwargs):
        raise TypeError(f"cannot create 'mg.{cls.__name__}' instances")

    @classmethod
    def _make(cls, name: str):
        obj = object.__new__(cls)
        obj._name = name
        return obj

    def __repr__(self) -> str:
        return f"mg.{self._name}"

    def __reduce__(self):
        return self._name          # pickled as the module attribute of that name: it comes back as itself

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self


class memory_format(_Named):
    """The order in which a tensor's elements are laid out in memory (``torch.memory_format``)."""
    __slots__ = ()


class layout(_Named):
    """How a tensor's elements are stored (``torch.layout``); minigan has strided tensors only."""
    __slots__ = ()


contiguous_format = memory_format._make("contiguous_format")
channels_last = memory_format._make("channels_last")
channels_last_3d = memory_format._make("channels_last_3d")
preserve_format = memory_format._make("preserve_format")
strided = layout._make("strided")

# The dims of each format from the innermost (fastest) to the outermost; contiguous_format: the last dim first.
_RANK = {channels_last: 4, channels_last_3d: 5}
_INNER_TO_OUTER = {channels_last: (1, 3, 2, 0), channels_last_3d: (1, 4, 3, 2, 0)}


# --------------------------------------------------------------------------- checks of the arguments
def check_format(value, what: str, none_means=None):
    """``value`` if it is a memory format (``none_means`` where it is None and that is allowed), else a
    TypeError naming the function, as PyTorch's argument parser."""
    if value is None and none_means is not None:
        return none_means
    if not isinstance(value, memory_format):
        raise TypeError(f"{what}: argument 'memory_format' must be mg.memory_format, not {type(value).__name__}")
    return value


def check_rank(fmt: memory_format, ndim: int) -> None:
    """channels_last needs a 4-d tensor and channels_last_3d a 5-d one; PyTorch's error otherwise."""
    if fmt in _RANK and ndim != _RANK[fmt]:
        raise RuntimeError(f"required rank {_RANK[fmt]} tensor to use {fmt._name} format")


# --------------------------------------------------------------------------- facts about (shape, strides)
def strides_of(a) -> tuple[int, ...]:
    """An array's strides in elements, as ``Tensor.stride()`` (NumPy and CuPy count bytes)."""
    return tuple(s // a.itemsize for s in a.strides)


def format_strides(shape, fmt: memory_format) -> tuple[int, ...]:
    """The strides (in elements) of a fresh tensor of ``shape`` in ``fmt``, as PyTorch gives them.

    ``(2, 3, 4, 5)``: contiguous ``(60, 20, 5, 1)``, channels_last ``(60, 1, 15, 3)``. Walk the dims from the
    innermost outwards; each one's stride is the product of the sizes of those inside it. (Contiguous strides
    count a size-0 dim as 1, channels-last ones as 0: PyTorch's two formulas differ there.)"""
    shape = tuple(int(n) for n in shape)
    check_rank(fmt, len(shape))
    strides, step = [0] * len(shape), 1
    if fmt in _INNER_TO_OUTER:
        for d in _INNER_TO_OUTER[fmt]:
            strides[d], step = step, step * shape[d]
    else:
        for d in reversed(range(len(shape))):
            strides[d], step = step, step * max(shape[d], 1)
    return tuple(strides)


def is_in_format(shape, strides, fmt: memory_format) -> bool:
    """``is_contiguous(memory_format=fmt)``: whether every element sits where ``fmt`` puts it. Dims of size 1
    never move the address, so their strides do not matter; an empty tensor is contiguous, but it is channels
    last only if its strides say so (PyTorch's rules). A tensor of the wrong rank is never channels last."""
    if fmt in _INNER_TO_OUTER:
        if len(shape) != _RANK[fmt]:
            return False
        order = _INNER_TO_OUTER[fmt]
    else:
        if 0 in shape:
            return True
        order = tuple(reversed(range(len(shape))))
    step = 1
    for d in order:
        if shape[d] != 1:
            if strides[d] != step:
                return False
            step *= shape[d]
    return True


def suggest_format(shape, strides) -> memory_format:
    """The format whose order the strides follow, even with gaps (a slice of a channels-last tensor): PyTorch's
    ``suggest_memory_format``, which ``to(memory_format=...)`` and "preserve" use.

    The strides read channels-last when, walking C, then the spatial dims from the last, then N, each stride is
    at least the extent of the dims inside it. Ambiguous cases (channel stride 0, an empty dim, N's stride equal
    to C's, as in an ``(N, 1, 1, 1)`` tensor) count as contiguous."""
    if len(shape) not in (4, 5):
        return contiguous_format
    fmt = channels_last if len(shape) == 4 else channels_last_3d
    if strides[1] == 0:
        return contiguous_format
    floor = 0                       # the smallest stride the next dim outwards may have
    for d in _INNER_TO_OUTER[fmt]:
        if shape[d] == 0 or strides[d] < floor or (d == 0 and floor == strides[1]):
            return contiguous_format
        floor = strides[d] * max(shape[d], 1)
    return fmt


def is_dense(shape, strides) -> bool:
    """Whether the elements fill a block of memory exactly, each once, in some order of the dims (PyTorch's
    ``is_non_overlapping_and_dense``): a transpose is, a slice with a step or a broadcast view is not. Sorting
    the dims of size >= 2 by stride, each stride must be the product of the sizes before it."""
    if 0 in shape or is_in_format(shape, strides, contiguous_format) or any(
            is_in_format(shape, strides, f) for f in _RANK if _RANK[f] == len(shape)):
        return True
    dims = sorted((d for d in range(len(shape)) if shape[d] >= 2), key=lambda d: strides[d])
    step = 1
    for d in dims:
        if strides[d] != step:
            return False
        step *= shape[d]
    return True


def _order_by_strides(shape, strides):
    """``(order, compare)``: the dims from the innermost in memory to the outermost, and the comparison that
    sorted them, PyTorch's way: an insertion sort from the last dim, where ``compare(a, b) > 0`` moves dim ``a``
    inside dim ``b`` (a smaller stride is inside; equal strides keep their places unless the one left outside
    is the smaller dim) and 0 is "no answer" (a stride of 0), which lets the sort look further without a swap."""
    def compare(a, b) -> int:
        sa, sb = strides[a], strides[b]
        if sa == 0 or sb == 0:
            return 0
        if sa == sb:
            return 1 if shape[a] > shape[b] else 0
        return -1 if sa < sb else 1

    order = list(reversed(range(len(shape))))
    for i in range(1, len(order)):
        j = i
        for k in reversed(range(i)):
            c = compare(order[k], order[j])
            if c > 0:
                order[k], order[j] = order[j], order[k]
                j = k
            elif c < 0:
                break
    return order, compare


def preserved_strides(shape, strides) -> tuple[int, ...]:
    """The strides "preserve" gives a copy (``clone``, ``empty_like``): the same ones where they are dense, else
    dense ones that keep the order of the dims in memory (PyTorch's ``infer_dense_strides``): a slice ``x[:, ::2]``
    of a channels-last ``x`` copies to channels last."""
    if is_dense(shape, strides):
        return tuple(strides)
    out, step = [0] * len(shape), 1
    for d in _order_by_strides(shape, strides)[0]:
        out[d], step = step, step * (shape[d] if shape[d] > 1 else 1)
    return tuple(out)


# --------------------------------------------------------------------------- arrays in a format
def empty_with_strides(xp, shape, strides, dtype):
    """A fresh, uninitialised array of ``shape`` whose strides (in elements) are ``strides``, which must not
    overlap: a strided view of a new buffer just big enough. A plain ``xp.empty`` where they are C order."""
    shape, dtype = tuple(shape), np.dtype(dtype)
    if 0 not in shape and tuple(strides) == format_strides(shape, contiguous_format):
        return xp.empty(shape, dtype=dtype)
    need = 0 if 0 in shape else 1 + sum((n - 1) * s for n, s in zip(shape, strides))
    buf = xp.empty(need, dtype=dtype)
    return xp.lib.stride_tricks.as_strided(buf, shape=shape, strides=tuple(s * dtype.itemsize for s in strides))


def target_strides(a, fmt: memory_format) -> tuple[int, ...]:
    """The strides a copy of array ``a`` gets in ``fmt`` (``preserve_format``: see :func:`preserved_strides`)."""
    if fmt is preserve_format:
        return preserved_strides(a.shape, strides_of(a))
    return format_strides(a.shape, fmt)


def arrange(a, fmt: memory_format):
    """A copy of array ``a`` with the same values, laid out in ``fmt``: a fresh array of the format's strides,
    filled from ``a`` (NumPy or CuPy alike). A C-ordered copy of a C-ordered array is ``a.copy()``."""
    strides = target_strides(a, fmt)
    if a.flags.c_contiguous and strides == strides_of(a) == format_strides(a.shape, contiguous_format):
        return a.copy()
    out = empty_with_strides(backend.xp_of(a), a.shape, strides, a.dtype)
    out[...] = a
    return out


def dim_order_of(shape, strides, ambiguity_check=False) -> tuple[int, ...]:
    """The dims from the outermost in memory to the innermost (``Tensor.dim_order``), by PyTorch's rule.

    A contiguous tensor gives ``(0, 1, ..., n-1)``, a channels-last one ``(0, 2, 3, 1)``. Otherwise the dims are
    sorted by their strides, the larger outside (see :func:`_order_by_strides` for the ties). With
    ``ambiguity_check=True`` a RuntimeError is raised where the order is not unique (a size-1 dim, equal strides
    next to each other), unless ``ambiguity_check`` is a list of memory formats and the tensor is in exactly one
    of them."""
    if not isinstance(ambiguity_check, bool) and not (
            isinstance(ambiguity_check, list) and all(isinstance(f, memory_format) for f in ambiguity_check)):
        raise TypeError("The ambiguity_check argument must be a bool or a list of memory formats.")
    shape, strides, n = tuple(shape), tuple(strides), len(shape)
    formats = ambiguity_check if isinstance(ambiguity_check, list) else []
    if ambiguity_check is not False:
        several = 1 in shape or any(a == b for a, b in zip(strides, strides[1:]))
        if several and sum(is_in_format(shape, strides, f) for f in formats) != 1:
            raise RuntimeError("The tensor does not have unique dim order, or cannot map to exact one of the given "
                               "memory formats.")
    if n < 2:
        return tuple(range(n))
    plain, last = is_in_format(shape, strides, contiguous_format), is_in_format(shape, strides, channels_last)
    if plain != last:
        return tuple(range(n)) if plain else (0, *range(2, n), 1)

    order, compare = _order_by_strides(shape, strides)
    if ambiguity_check and any(compare(a, b) != -1 for a, b in zip(order, order[1:])):
        raise RuntimeError("The tensor does not have unique dim order.")
    return tuple(reversed(order))


# --------------------------------------------------------------------------- the recorded copy, and the methods
class ToMemoryFormat(Function):
    """``y = x``, stored in another memory format: ``(...) -> (...)``, same shape, same values, other strides.

    Backward: the values are copied unchanged, so ``dL/dx = dL/dy``, passed back as it is (as ``Clone`` in
    ``ops/shape.py``, ``mg.clone``'s C-order copy, does). The gradient keeps whatever layout it arrives in. The
    node is named as PyTorch's, ``CloneBackward0``."""
    op_name = "Clone"

    @staticmethod
    def forward(ctx, x, fmt):
        return arrange(x, fmt)

    @staticmethod
    def backward(ctx, gy):
        return gy


def is_contiguous(t: Tensor, fmt=None) -> bool:
    """``t.is_contiguous(memory_format=fmt)`` (None: contiguous_format; preserve_format asks the same)."""
    fmt = check_format(fmt, "is_contiguous()", contiguous_format)
    if fmt in _RANK:
        return is_in_format(t.shape, strides_of(t.data), fmt)
    return bool(t.data.flags.c_contiguous)     # NumPy's flag follows the same rule as PyTorch's


def contiguous(t: Tensor, fmt=None) -> Tensor:
    """``t`` if it is already in ``fmt`` (None: contiguous_format), else a recorded copy laid out in it."""
    fmt = check_format(fmt, "contiguous()", contiguous_format)
    if fmt is preserve_format:
        if t.data.flags.c_contiguous:
            return t
        raise RuntimeError("preserve memory format is unsupported by the contiguous operator")
    check_rank(fmt, t.ndim)
    return t if is_contiguous(t, fmt) else ToMemoryFormat.apply(t, fmt)


def clone(t: Tensor, fmt=None) -> Tensor:
    """A recorded copy of ``t`` in ``fmt`` (None: preserve_format: a dense layout, a transpose or channels last,
    is kept stride for stride; a gappy one becomes the format it suggests)."""
    fmt = check_format(fmt, "clone()", preserve_format)
    check_rank(fmt, t.ndim)
    return ToMemoryFormat.apply(t, fmt)


def to_format(t: Tensor, out: Tensor, fmt) -> Tensor:
    """The last step of ``t.to(..., memory_format=fmt)``, ``out`` being ``t`` moved and cast. PyTorch's rule: no
    copy where nothing else changed and ``t``'s strides already suggest ``fmt``; otherwise the result has the
    strides of a fresh tensor in ``fmt``. A conversion preserves the layout by itself (None, preserve)."""
    if fmt is None:
        return out
    fmt = check_format(fmt, "to()")
    if fmt is preserve_format:
        return out
    check_rank(fmt, t.ndim)
    if out is t and suggest_format(t.shape, strides_of(t.data)) is fmt:
        return t
    if out is not t and strides_of(out.data) == format_strides(out.shape, fmt):
        return out
    return ToMemoryFormat.apply(out, fmt)


def dim_order(t: Tensor, ambiguity_check=False) -> tuple[int, ...]:
    """``t.dim_order(ambiguity_check=...)``: see :func:`dim_order_of`."""
    return dim_order_of(t.shape, strides_of(t.data), ambiguity_check)


def laid_out_like(arr, model: Tensor, fmt, what: str):
    """Array ``arr`` (a new tensor's values, made in C order) laid out as ``fmt`` asks, ``model`` being the
    tensor a ``*_like`` function copies the shape of. Values unchanged; ``arr`` itself where it is laid out so
    already, and a view of it where only the strides of size-1 (or size-0) dims differ, which move nothing."""
    if fmt is preserve_format and model.data.flags.c_contiguous and strides_of(model.data) == strides_of(arr):
        return arr                  # the common case, kept cheap
    fmt = check_format(fmt, what, preserve_format)
    check_rank(fmt, model.ndim)
    strides = target_strides(model.data, fmt) if fmt is preserve_format else format_strides(arr.shape, fmt)
    if strides == strides_of(arr):
        return arr
    xp = backend.xp_of(arr)
    if arr.flags.c_contiguous and is_in_format(arr.shape, strides, contiguous_format):
        return xp.lib.stride_tricks.as_strided(arr, shape=arr.shape, strides=tuple(s * arr.itemsize for s in strides))
    out = empty_with_strides(xp, arr.shape, strides, arr.dtype)
    out[...] = arr
    return out


def filled_like(xp, model: Tensor, value, dtype, fmt, what: str):
    """A new array of ``model``'s shape holding ``value`` everywhere (``zeros_like``, ``ones_like``,
    ``full_like``), laid out as ``fmt`` asks: allocated in that layout and filled once, rather than filled in C
    order and then copied into the layout."""
    if fmt is preserve_format and model.data.flags.c_contiguous:          # the common case, kept cheap
        return laid_out_like(xp.full(model.shape, value, dtype=dtype), model, fmt, what)
    fmt = check_format(fmt, what, preserve_format)
    check_rank(fmt, model.ndim)
    strides = target_strides(model.data, fmt) if fmt is preserve_format else format_strides(model.shape, fmt)
    out = empty_with_strides(xp, model.shape, strides, dtype)
    out[...] = value
    return out


def empty_in(arr, fmt, what: str):
    """``mg.empty(..., memory_format=fmt)``'s array: ``arr`` (C order) relaid in ``fmt`` where that differs."""
    fmt = check_format(fmt, what, contiguous_format)
    if fmt is preserve_format:
        raise RuntimeError("unsupported memory format Preserve")
    check_rank(fmt, arr.ndim)
    return arr if fmt is contiguous_format else arrange(arr, fmt)


def for_module(fmt, tensors):
    """The step ``Module.to(memory_format=fmt)`` applies to each parameter's and buffer's array (and gradient):
    PyTorch's rule, ``t.to(memory_format=fmt)`` for the 4-d and 5-d ones, the others left alone. The ranks are
    checked on all ``tensors`` first, so a refused call (channels_last with a 5-d weight) changes nothing."""
    if fmt is None:
        return lambda a: a
    fmt = check_format(fmt, "Module.to()")
    for t in tensors:
        if t.ndim in (4, 5) and fmt is not preserve_format:
            check_rank(fmt, t.ndim)

    def relay(a):
        if a.ndim not in (4, 5) or fmt is preserve_format or suggest_format(a.shape, strides_of(a)) is fmt:
            return a
        return arrange(a, fmt)
    return relay
