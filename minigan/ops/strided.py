"""Tensors as strided windows onto memory: ``as_strided``, ``empty_strided``, ``new_empty_strided``, and the
memory queries ``storage_offset`` and ``data_ptr``; and the CPU-only elementwise Python calls ``apply_`` and
``map_``.

A tensor's elements live in one flat buffer, its *storage* (the NumPy/CuPy array that owns the memory; a
view such as ``x[1:]`` or ``x.T`` looks into its base's storage). Element ``(i_0, i_1, ...)`` of a tensor with
strides ``(s_0, s_1, ...)`` (in elements, as PyTorch's ``stride()``) and storage offset ``o`` sits at::

    storage[o + i_0 * s_0 + i_1 * s_1 + ...]

``as_strided(x, size, stride, storage_offset)`` reads any such pattern from ``x``'s storage: with
``size=(3, 3), stride=(1, 1)`` on a 5-element storage it gives the three overlapping windows
``[s0 s1 s2], [s1 s2 s3], [s2 s3 s4]``. Its gradient goes back the same way, scattered into the storage and
read out at ``x``'s own positions (see :class:`AsStrided`)."""
from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd import Function, Tensor


def _data_ptr(arr) -> int:
    """The address of an array's first element: ``arr.ctypes.data`` for NumPy, ``arr.data.ptr`` for CuPy."""
    return int(arr.ctypes.data) if isinstance(arr, np.ndarray) else int(arr.data.ptr)


def _storage(arr):
    """``(flat, offset)``: the storage ``arr`` looks into as a 1-d array of its dtype, and where ``arr``'s first
    element sits in it (in elements). The storage is the array at the end of ``arr.base``'s chain, the one that
    owns the memory; where that one cannot serve (another dtype, not contiguous), ``arr`` is its own storage,
    copied to one piece if it is not in one."""
    root = arr
    while isinstance(root.base, type(arr)):
        root = root.base
    if root is not arr and root.dtype == arr.dtype and (root.flags.c_contiguous or root.flags.f_contiguous):
        delta = _data_ptr(arr) - _data_ptr(root)
        if delta % arr.itemsize == 0 and 0 <= delta // arr.itemsize <= root.size:
            return backend.as_strided(root, (root.size,), (arr.itemsize,)), delta // arr.itemsize
    if not arr.flags.c_contiguous:
        arr = backend.xp_of(arr).ascontiguousarray(arr)
    return arr.reshape(-1), 0


def _positions(xp, shape, strides, offset: int):
    """The storage position of every element of a tensor of ``shape``, ``strides`` (in elements) and
    ``offset``: an int64 array of that shape."""
    pos = xp.full(tuple(shape), offset, dtype=np.int64)
    for k, (n, s) in enumerate(zip(shape, strides)):
        pos += (xp.arange(n, dtype=np.int64) * s).reshape((n,) + (1,) * (len(shape) - k - 1))
    return pos


def _needed(size, stride, offset: int) -> int:
    """How many storage elements a tensor of ``size``, ``stride`` and ``offset`` needs (0 if it is empty)."""
    return 0 if 0 in size else offset + 1 + sum((n - 1) * s for n, s in zip(size, stride))


def _check_geometry(what: str, size, stride) -> tuple[tuple[int, ...], tuple[int, ...]]:
    size, stride = tuple(int(n) for n in size), tuple(int(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError(f"{what}: mismatch in length of strides and shape: size has {len(size)} dims "
                           f"{list(size)}, stride has {len(stride)} {list(stride)}")
    if any(n < 0 for n in size):
        raise RuntimeError(f"{what}: sizes must be non-negative, got {list(size)}")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"{what}: Negative strides are not supported at the moment, got strides: {list(stride)}")
    return size, stride


class AsStrided(Function):
    """``y[i] = storage[offset + sum_k i_k * stride_k]``, a view of ``x``'s storage.

    Backward: each ``y`` element read one storage element, so its gradient goes back there, and where windows
    overlap, several gradients land on the same element and add (a scatter-add, ``index_add``, into a
    storage-shaped zero gradient). ``x``'s gradient is then that storage gradient read at ``x``'s own storage
    positions (a gather). Storage elements that ``x`` does not hold lose their gradient: they are not ``x``'s.
    Where ``x`` itself holds one storage element several times (an expanded ``x``), the gradient is shared
    out evenly among those elements, so that the sum a later expand backward makes is right. Both steps are
    recorded ops, so the backward can be differentiated again."""

    @staticmethod
    def forward(ctx, x, size, stride, offset):
        flat, x_offset = _storage(x)
        ctx.size, ctx.stride, ctx.offset = size, stride, offset
        ctx.n_storage, ctx.x_offset, ctx.x_shape = flat.size, x_offset, x.shape
        ctx.x_strides = tuple(s // x.itemsize for s in x.strides)
        return backend.as_strided(flat[offset:], size, tuple(s * x.itemsize for s in stride))

    @staticmethod
    def backward(ctx, gy):
        from .indexing import index_add
        from .shape import getitem, reshape
        xp = backend.xp_of(gy.data)
        out_pos = _positions(xp, ctx.size, ctx.stride, ctx.offset).reshape(-1)
        x_pos = _positions(xp, ctx.x_shape, ctx.x_strides, ctx.x_offset)
        zeros = Tensor(xp.zeros(ctx.n_storage, dtype=gy.dtype))
        g_storage = index_add(zeros, 0, Tensor(out_pos), reshape(gy, -1))
        gx = getitem(g_storage, Tensor(x_pos))
        counts = xp.bincount(x_pos.reshape(-1), minlength=ctx.n_storage)[x_pos]
        if x_pos.size and int(counts.max()) > 1:
            gx = gx / Tensor(counts.astype(gy.dtype))
        return gx


def as_strided(input: Tensor, size, stride, storage_offset: int | None = None) -> Tensor:  # noqa: A002
    """A view of ``input``'s storage with the given ``size``, ``stride`` (in elements) and ``storage_offset``
    (``input.storage_offset()`` if None), as ``torch.as_strided``::

        out[i_0, ..., i_(d-1)] = storage[storage_offset + i_0 * stride_0 + ... + i_(d-1) * stride_(d-1)]

    ``mg.arange(5.).as_strided((3, 3), (1, 1))`` is the three windows ``[0 1 2], [1 2 3], [2 3 4]``. A pattern
    that would read past the storage's end is refused. On NumPy the view is read-only (its windows may share
    elements, so a write through it would change several of them at once); ``.clone()`` it to write.
    Differentiable: see :class:`AsStrided`."""
    if not isinstance(input, Tensor):
        raise TypeError(f"as_strided(): argument 'input' must be Tensor, not {type(input).__name__}")
    size, stride = _check_geometry("as_strided", size, stride)
    flat, own_offset = _storage(input.data)
    offset = own_offset if storage_offset is None else int(storage_offset)
    if offset < 0:
        raise RuntimeError(f"as_strided: Tensor: invalid storage offset {offset}")
    need = _needed(size, stride, offset)
    if need > flat.size:
        raise RuntimeError(f"as_strided: sizes {list(size)}, strides {list(stride)}, storage offset {offset}, and "
                           f"itemsize {input.data.itemsize} requiring a storage size of {need * input.data.itemsize}"
                           f" are out of bounds for storage of size {flat.size * input.data.itemsize}")
    return AsStrided.apply(input, size, stride, offset)


def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
                  pin_memory: bool = False) -> Tensor:
    """An uninitialised tensor of ``size`` whose ``stride()`` is ``stride`` (in elements), as
    ``torch.empty_strided``: a strided view of a fresh buffer just long enough for it."""
    from ..creation import _default_float
    from ..settings import creation_device
    size, stride = _check_geometry("empty_strided", size, stride)
    dtype = np.dtype(_default_float() if dtype is None else dtype)
    xp = backend.xp_for(creation_device(device))
    with backend.device_context(creation_device(device)):
        buf = xp.empty(_needed(size, stride, 0), dtype=dtype)
    arr = xp.lib.stride_tricks.as_strided(buf, shape=size, strides=tuple(s * dtype.itemsize for s in stride))
    return Tensor(arr, requires_grad=requires_grad)


def new_empty_strided(t: Tensor, size, stride, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """``t.new_empty_strided(size, stride)``: :func:`empty_strided` of ``t``'s dtype and device by default."""
    return empty_strided(size, stride, dtype=t.dtype if dtype is None else dtype,
                         device=t.device if device is None else device, requires_grad=requires_grad)


def storage_offset(t: Tensor) -> int:
    """Where ``t``'s first element sits in its storage, in elements (``x[1:].storage_offset()`` is ``x``'s row
    length for a C-contiguous matrix ``x``)."""
    return _storage(t.data)[1]


def data_ptr(t: Tensor) -> int:
    """The memory address of ``t``'s first element (``torch.Tensor.data_ptr``)."""
    return _data_ptr(t.data)


def _python_elementwise(t: Tensor, what: str, fn, *others) -> Tensor:
    """``t`` overwritten with ``fn`` called on each element (and the matching elements of ``others``), one
    Python call per element, as PyTorch's CPU-only ``apply_`` and ``map_``."""
    from ..tensor_methods import _in_place
    if t.device != "cpu":
        raise TypeError(f"{what}() is only implemented on CPU tensors, got one on {t.device}")
    if t.requires_grad:
        raise RuntimeError(f"Can't call {what}() on Variable that requires grad. Use var.detach().{what}() instead.")
    arrays = [t.data] + [np.broadcast_to(o.data, t.shape) for o in others]
    values = [fn(*(a.item() for a in items)) for items in zip(*(a.reshape(-1) for a in arrays))]
    out = np.array(values).astype(t.dtype).reshape(t.shape) if values else np.empty(t.shape, t.dtype)
    return _in_place(t, what, lambda _: Tensor(out))


def apply_(t: Tensor, callable) -> Tensor:  # noqa: A002
    """``t.apply_(f)``: each element ``v`` replaced by ``f(v)`` (a Python call per element; CPU only, and not
    on a tensor that requires grad, as PyTorch's)."""
    return _python_elementwise(t, "apply_", callable)


def map_(t: Tensor, other: Tensor, callable) -> Tensor:  # noqa: A002
    """``t.map_(other, f)``: each element ``v`` of ``t`` replaced by ``f(v, w)``, ``w`` the element of ``other``
    (broadcast to ``t``'s shape, of ``t``'s dtype) at the same place; CPU only, as PyTorch's."""
    if not isinstance(other, Tensor):
        raise TypeError(f"map_: expected a Tensor for 'other', got {type(other).__name__}")
    if other.dtype != t.dtype:
        raise TypeError(f"map_: expected {t.type()} for 'other' (got {other.type()})")
    if other.device != "cpu":
        raise TypeError(f"map_() is only implemented on CPU tensors, got 'other' on {other.device}")
    try:
        np.broadcast_to(other.data, t.shape)
    except ValueError:
        raise RuntimeError(f"map_: other of shape {other.shape} can't be broadcast to the tensor's shape "
                           f"{t.shape}") from None
    return _python_elementwise(t, "map_", callable, other)
