"""More of PyTorch's top-level functions: ``scatter_reduce`` under torch's top-level name, ``asarray`` (a tensor
that shares the memory of what it is given where it can), ``binomial`` sampling, the "unsafe" splitters, and two
small queries, ``get_device`` and ``typename``."""
from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd import Tensor, _as_array, _made_on
from ..generator import stream
from .scatter_reduce import scatter_reduce
from .splitting import split_with_sizes
from .shape import chunk, split

__all__ = ["scatter_reduce", "asarray", "binomial", "unsafe_chunk", "unsafe_split", "unsafe_split_with_sizes",
           "get_device", "typename"]

# scatter_reduce(input, dim, index, src, reduce, *, include_self=True) is torch's top-level signature already
scatter_reduce = scatter_reduce


def _type_name(dtype) -> str:
    from ..tensor_more import _TYPE_NAMES
    return _TYPE_NAMES.get(np.dtype(dtype).name, str(np.dtype(dtype)))


def _converted(obj, dtype, device, copy, what: str):
    """The array of ``obj`` (a NumPy/CuPy array) in ``dtype`` on ``device``: the same array where nothing has
    to change and no copy is asked for; a new one otherwise, refused where ``copy=False``."""
    dtype = obj.dtype if dtype is None else np.dtype(dtype)
    device = backend.device_of(obj) if device is None else backend.normalize_device(device)
    if copy is False and dtype != obj.dtype:
        raise ValueError(f"asarray: can't alias {what} with dtype '{_type_name(obj.dtype)}' into dtype "
                         f"'{_type_name(dtype)}' (copy=False)")
    if copy is False and device != backend.device_of(obj):
        raise ValueError(f"asarray: can't alias {what} on device '{backend.device_of(obj)}' into device "
                         f"'{device}' (copy=False)")
    arr = _as_array(obj, dtype=dtype, device=device)
    if copy and arr is obj:
        arr = arr.copy()
    return arr


def asarray(obj, *, dtype=None, device=None, copy: bool | None = None, requires_grad: bool | None = None) -> Tensor:
    """``obj`` as a tensor, as ``torch.asarray``: sharing its memory where it can.

    - a Tensor: itself, where its dtype and device are kept and no copy is asked for; else a detached copy;
    - a NumPy (or CuPy) array: a tensor on the same memory (float64 stays float64), unless a dtype or device
      change or ``copy=True`` asks for a new one;
    - a list, tuple or number: always a new tensor, made as ``mg.tensor`` makes it (float32 for floats, int64
      for ints).

    ``copy=True`` always copies; ``copy=False`` never does, and raises ``ValueError`` where it would have to
    (another dtype or device, or a Python sequence). ``requires_grad=None`` (the default) keeps a Tensor's own
    flag, as PyTorch 2.13's; given, the result is a leaf with that flag (a Tensor that requires grad and is
    kept is then detached, sharing its memory)."""
    if isinstance(obj, Tensor):
        arr = _converted(obj.data, dtype, device, copy, "tensor")
        if arr is obj.data and (requires_grad is None or bool(requires_grad) == obj.requires_grad):
            return obj
        out = Tensor(arr) if arr is not obj.data else obj.detach()
    elif backend.is_array(obj):
        out = Tensor(_converted(obj, dtype, device, copy, type(obj).__name__))
    else:
        if copy is False:
            raise ValueError(f"asarray: can't alias arbitrary sequence ({type(obj).__name__}) into a tensor "
                             "(copy=False)")
        out = Tensor(_as_array(obj, dtype=dtype, device=_made_on(obj, device)))
    if requires_grad:
        out.requires_grad_(True)
    return out


def binomial(count: Tensor, prob: Tensor, generator=None) -> Tensor:
    """A binomial draw for each element: the number of successes in ``count`` trials of probability ``prob``
    (``torch.binomial``), from ``generator`` (an ``mg.Generator``) or the device's seeded stream (``mg.manual_seed``)
    where it is None. ``count`` and ``prob``
    broadcast together and must share one floating dtype (as torch, an integer ``count`` is refused: give
    ``count.float()``); the counts come back in that dtype, with no graph (a draw has no gradient)."""
    for name, t in (("count", count), ("prob", prob)):
        if not isinstance(t, Tensor):
            raise TypeError(f"binomial: expected {name} to be a Tensor, got {type(t).__name__}")
        if t.dtype.kind != "f":
            raise ValueError(f"binomial only supports floating-point dtypes for {name}, got: "
                             f"{_type_name(t.dtype)}")
    if count.dtype != prob.dtype:
        raise RuntimeError(f"binomial: found dtype {_type_name(prob.dtype)} for prob but expected "
                           f"{_type_name(count.dtype)} (count's dtype)")
    if count.device != prob.device:
        raise RuntimeError(f"binomial: expected count and prob on the same device, got {count.device} and "
                           f"{prob.device}")
    xp = backend.xp_of(count.data)
    n, p = xp.broadcast_arrays(count.data, prob.data)
    if not bool(((n >= 0) & (n == xp.floor(n))).all()):
        raise ValueError("binomial: count must hold non-negative whole numbers (got a negative, fractional, NaN "
                         "or infinite count)")
    if not bool(((p >= 0) & (p <= 1)).all()):
        raise ValueError("binomial: prob must be in [0, 1] (got a value outside it, or NaN)")
    draws = stream(generator, count.device, "binomial").binomial(n.astype(np.int64), p.astype(np.float64))
    return Tensor(xp.asarray(draws).astype(count.dtype).reshape(n.shape))


# PyTorch's "unsafe" splitters return views whose in-place changes its autograd does not check, which saves
# the bookkeeping of views inside its own kernels. minigan checks every in-place change the same way and its
# splits are ordinary recorded ops, so the safe ones serve under these names, with the same results.
def unsafe_chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    """``torch.unsafe_chunk``: :func:`chunk` (minigan has no unchecked views; see the comment above)."""
    return chunk(input, chunks, dim)


def unsafe_split(tensor: Tensor, split_size_or_sections, dim: int = 0) -> tuple[Tensor, ...]:
    """``torch.unsafe_split``: :func:`split` (minigan has no unchecked views; see the comment above)."""
    return split(tensor, split_size_or_sections, dim)


def unsafe_split_with_sizes(input: Tensor, split_sizes, dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    """``torch.unsafe_split_with_sizes``: :func:`split_with_sizes` (minigan has no unchecked views)."""
    return split_with_sizes(input, split_sizes, dim)


def get_device(input: Tensor) -> int:  # noqa: A002
    """-1 for a CPU tensor, the GPU's index for a CUDA one (``torch.get_device``)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"get_device(): argument 'input' must be Tensor, not {type(input).__name__}")
    return input.get_device()


def typename(obj) -> str:
    """The name of ``obj``'s type, as ``torch.typename``: a tensor's PyTorch type name (``'torch.FloatTensor'``,
    as ``x.type()``); for a class, function or module, its module and qualified name
    (``'numpy.ndarray'`` for the class); for any other object, its class's (``'int'`` for 3:
    built-ins go without their module)."""
    if isinstance(obj, Tensor):
        return obj.type()
    if hasattr(obj, "__qualname__") or hasattr(obj, "__name__"):
        module = getattr(obj, "__module__", "") or ""
        name = getattr(obj, "__qualname__", None) or obj.__name__
    else:
        module, name = type(obj).__module__ or "", type(obj).__qualname__
    return name if module in ("", "builtins") else f"{module}.{name}"
