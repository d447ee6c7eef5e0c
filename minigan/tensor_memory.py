"""Where a tensor's memory lives and how big it is, as PyTorch's Tensor methods of the same names:
``resize_`` / ``resize_as_`` (reinterpret or grow the storage), ``as_subclass`` (the same memory as an
instance of a Tensor subclass), ``share_memory_`` / ``is_shared`` (memory a forked process sees) and
``pin_memory`` / ``is_pinned`` (page-locked host memory, for fast copies to a GPU).

A tensor's *storage* is the flat buffer its elements live in (see :mod:`minigan.ops.strided`): a view such as
``x[1:]`` looks into its base's storage. :class:`~minigan.tensor_more.MoreMethods` hands these methods over
to this module."""
from __future__ import annotations

import math
import mmap

import numpy as np

from . import backend
from .autograd import Function, Tensor


# --------------------------------------------------------------------------- resize_
def _resize_sizes(what: str, sizes) -> tuple[int, ...]:
    """``f(2, 3)``, ``f((2, 3))`` or ``f([2, 3])`` as a tuple of non-negative ints."""
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    for n in sizes:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
            raise TypeError(f"{what}(): argument 'size' (position 1) must be tuple of ints, not "
                            f"{type(n).__name__}")
    if any(n < 0 for n in sizes):
        raise RuntimeError(f"{what}: sizes must be non-negative, got {[int(n) for n in sizes]}")
    return tuple(int(n) for n in sizes)


def resize_(t: Tensor, sizes, what: str = "resize_") -> Tensor:
    """``t`` given the shape ``sizes``, in place, as ``torch.Tensor.resize_``.

    The storage is read as C-contiguous from ``t``'s storage offset on, whatever ``t``'s strides were (a shape
    equal to ``t``'s own changes nothing): ``arange(6).resize_(2, 2)`` is ``[[0, 1], [2, 3]]``, and the
    elements left out are still there, so a later ``resize_(6)`` gets them back. Where the storage is too small
    it grows: a new buffer holding the old elements, then zeros (PyTorch leaves the new memory uninitialised;
    zeros are one of its possible contents). A tensor that requires grad refuses (PyTorch's rule: the graph
    cannot follow a change of shape); the change counts in the version counter, as any in-place change.
    After a growth ``t`` has new memory: views made from it before (``t[:2]``) keep the old one, where in
    PyTorch they would follow the storage."""
    from .ops.strided import _storage
    sizes = _resize_sizes(what, sizes)
    if t.requires_grad:
        raise RuntimeError(f"{what}: cannot resize variables that require grad")
    t._check_inplace(what)
    if sizes == t.shape:
        return t
    xp = backend.xp_of(t.data)
    flat, offset = _storage(t.data)
    need = offset + math.prod(sizes)
    if need > flat.size:
        grown = xp.zeros(need, dtype=t.dtype)
        grown[:flat.size] = flat
        flat = grown
    t.data = flat[offset:need].reshape(sizes)
    t._bump_version()
    return t


def resize_as_(t: Tensor, other: Tensor) -> Tensor:
    """``t.resize_(other.shape)``, as ``torch.Tensor.resize_as_``."""
    if not isinstance(other, Tensor):
        raise TypeError(f"resize_as_(): argument 'the_template' must be Tensor, not {type(other).__name__}")
    return resize_(t, (other.shape,), "resize_as_")


# --------------------------------------------------------------------------- as_subclass
class Alias(Function):
    """``y = x``: another tensor object looking at the same memory (a view of every element).

    Backward: each element of y is the element of x, so the gradient passes through unchanged."""

    op_name = "Alias"

    @staticmethod
    def forward(ctx, x):
        return x.view()

    @staticmethod
    def backward(ctx, gy):
        return gy


def as_subclass(t: Tensor, cls) -> Tensor:
    """``t``'s memory seen as an instance of ``cls``, a subclass of Tensor, as ``torch.Tensor.as_subclass``: no
    copy is made (a write through one shows in the other, and they share a version counter), ``cls.__init__``
    is not run, and, as in PyTorch, the result is recorded as an alias of ``t`` (``grad_fn`` AliasBackward0),
    so gradients flow back to ``t``. Under ``no_grad`` the alias of a tensor that requires grad is, as PyTorch's,
    a leaf that requires grad (its gradient then stays on it)."""
    if not (isinstance(cls, type) and issubclass(cls, Tensor)):
        raise TypeError("as_subclass: Creating a Tensor subclass from a class that does not inherit from Tensor is "
                        f"not possible. Make sure your class inherits from Tensor (got {cls!r}).")
    out = Alias.apply(t)
    if t.requires_grad and out._node is None:   # under no_grad: PyTorch's result is a leaf that requires grad
        out.requires_grad = True
    out.__class__ = cls
    return out


# --------------------------------------------------------------------------- shared memory
def _owner(arr):
    """The object at the end of ``arr``'s chain of bases: the array that owns its memory, or the buffer (an
    ``mmap``, pinned host memory, ...) that an array was built on."""
    obj = arr
    while isinstance(obj, np.ndarray) and obj.base is not None:
        obj = obj.base
    return obj.obj if isinstance(obj, memoryview) else obj


def is_shared(t: Tensor) -> bool:
    """Whether a forked process sees this tensor's memory, as ``torch.Tensor.is_shared``: a CPU tensor whose
    memory is a shared mapping (after ``share_memory_``, or an array ``np.memmap`` made); always True on a GPU,
    as in PyTorch, where another process reaches device memory by handle."""
    if t.device != "cpu":
        return True
    return isinstance(_owner(t.data), mmap.mmap)


def share_memory_(t: Tensor) -> Tensor:
    """Move ``t``'s data into memory that processes forked after this call share, and return ``t``, as
    ``torch.Tensor.share_memory_``: a write to ``t`` in a child (``os.fork``, ``multiprocessing`` with the
    ``fork`` start method) is seen by the parent and the other children. The memory is an anonymous shared
    ``mmap``; the values, the shape and the version counter stay; the data becomes C-contiguous. Tensors that
    looked into ``t``'s old memory (``t.detach()``, ``t[0]`` taken before) keep looking there. A no-op for a
    tensor already shared, and on a GPU, whose tensors PyTorch counts as shareable already."""
    if is_shared(t):
        return t
    buffer = mmap.mmap(-1, max(int(t.data.nbytes), 1))    # MAP_SHARED | MAP_ANONYMOUS where there is fork
    shared = np.frombuffer(buffer, dtype=t.dtype, count=t.numel()).reshape(t.shape)
    shared[...] = t.data
    t.data = shared
    return t


# --------------------------------------------------------------------------- pinned memory
def is_pinned(t: Tensor) -> bool:
    """Whether ``t``'s memory is page-locked host memory (CuPy's pinned memory, from ``pin_memory()``)."""
    return t.device == "cpu" and "Pinned" in type(_owner(t.data)).__name__


class PinnedCopy(Function):
    """``y = x`` copied into page-locked ("pinned") host memory, which a GPU reads without a staging copy.

    Backward: a copy passes its gradient through unchanged."""

    op_name = "PinMemory"

    @staticmethod
    def forward(ctx, x):
        cupy = backend.cupy_module()
        memory = cupy.cuda.alloc_pinned_memory(max(int(x.nbytes), 1))
        out = np.frombuffer(memory, dtype=x.dtype, count=x.size).reshape(x.shape)
        out[...] = x
        return out

    @staticmethod
    def backward(ctx, gy):
        return gy


def pin_memory(t: Tensor) -> Tensor:
    """A copy of the CPU tensor ``t`` in pinned host memory (``t`` itself if it is pinned already), as
    ``torch.Tensor.pin_memory``; recorded, so gradients flow back to ``t``. It needs CuPy and a GPU: without
    them it raises, as PyTorch does without an accelerator, and a GPU tensor cannot be pinned."""
    if t.device != "cpu":
        raise RuntimeError(f"cannot pin '{t.type()}' only dense CPU tensors can be pinned")
    if is_pinned(t):
        return t
    available, reason = backend.cupy_status()
    if not available:
        raise RuntimeError(f"pin_memory: Cannot access accelerator device when none is available. ({reason})")
    return PinnedCopy.apply(t)
