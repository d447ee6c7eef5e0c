"""Small helpers shared by the op files: PyTorch's dtype promotion (:func:`result_type`), lifting scalars to
tensors, undoing broadcasting, the per-channel sum that batch norm and a convolution's bias share, and
PyTorch's rules for dimension arguments."""
from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd import Tensor, _default_float


# bool < integer < float < complex: the categories of PyTorch's type promotion
_KIND_RANK = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}
_SCALARS = (bool, int, float, np.bool_, np.integer, np.floating)


def _join(d1, d2):
    """Two dtypes of the same standing joined: the higher category wins (int64 and float16 give float16);
    within one category the wider (float16 and float32 give float32, int8 and uint8 give int16)."""
    if d1 is None or d1 == d2:
        return d2
    if d2 is None:
        return d1
    r1, r2 = _KIND_RANK[d1.kind], _KIND_RANK[d2.kind]
    if r1 == r2:
        return np.promote_types(d1, d2)
    return d1 if r1 > r2 else d2


def _over(high, low):
    """The dtype decided by operands of a higher standing (``high``) unless those of a lower standing are of a
    higher category: a float32 tensor times a 0-d float64 tensor is float32, an int tensor times one is float64."""
    if high is None:
        return low
    if low is None or _KIND_RANK[low.kind] <= _KIND_RANK[high.kind]:
        return high
    return _join(high, low)


def _scalar_dtype(value):
    """A Python number's dtype in promotion: bool, int64, or the default float dtype (float32)."""
    if isinstance(value, (bool, np.bool_)):
        return np.dtype(bool)
    if isinstance(value, (int, np.integer)):
        return np.dtype(np.int64)
    return np.dtype(_default_float())


def result_type(*operands):
    """The dtype PyTorch gives an elementwise op on ``operands`` (Tensors, arrays, Python numbers; None is
    skipped). Tensors with dimensions decide over 0-d tensors, which decide over Python numbers, except that
    an operand of a higher category (bool < int < float) always lifts the result to its category::

        float32 tensor + float64 0-d tensor -> float32      int64 tensor * 0.5 -> float32 (the default float)
        float32 tensor + int64 tensor       -> float32      int64 tensor + float64 0-d tensor -> float64
    """
    dims = zero_d = scalars = None
    for o in operands:
        if o is None:
            continue
        a = o.data if isinstance(o, Tensor) else o
        if isinstance(a, _SCALARS):
            scalars = _join(scalars, _scalar_dtype(a))
        elif a.ndim:
            dims = _join(dims, a.dtype)
        else:
            zero_d = _join(zero_d, a.dtype)
    return _over(dims, _over(zero_d, scalars))


def as_floating(x: Tensor) -> Tensor:
    """``x``, cast to the default float dtype (float32) if it holds integers or bools: exp, log, sigmoid...
    of an integer tensor are float32 in PyTorch, never truncated back to integers."""
    return x if x.data.dtype.kind == "f" else x.to(dtype=_default_float())


def lift(value, like: Tensor, dtype=None) -> Tensor:
    """``value`` as a Tensor on ``like``'s device, of ``dtype`` when given: a Tensor of another dtype is cast by
    a recorded op, so its gradient comes back in its own dtype. Without ``dtype`` a Tensor or array keeps its
    own, and a Python number takes the one PyTorch's promotion gives it beside ``like`` (float32 tensor * 2.0
    stays float32)."""
    if not isinstance(value, Tensor):
        if isinstance(value, _SCALARS):
            xp = backend.xp_of(like.data)
            return Tensor(xp.asarray(value, dtype=result_type(like, value) if dtype is None else dtype))
        # an array keeps its device (a mismatch is reported by the op); a list goes to like's
        value = Tensor(value) if backend.is_array(value) else Tensor(value, device=like.device)
    return value if dtype is None or value.data.dtype == dtype else value.to(dtype=dtype)


def lift_pair(a, b) -> tuple[Tensor, Tensor]:
    """Two operands of a binary op (at least one a Tensor already) as Tensors of the dtype
    :func:`result_type` gives them."""
    ta, tb = isinstance(a, Tensor), isinstance(b, Tensor)
    if ta and tb and a.data.dtype == b.data.dtype:  # the common cases first, at no extra cost
        return a, b
    t, other = (a, b) if ta else (b, a)
    if t.data.dtype.kind == "f" and isinstance(other, (int, float)):   # a float tensor's dtype wins
        other = Tensor(backend.xp_of(t.data).asarray(other, dtype=t.data.dtype))
        return (t, other) if ta else (other, t)
    dtype = result_type(a, b)
    return lift(a, t, dtype), lift(b, t, dtype)


def floating_operands(op: str, a, b) -> tuple[Tensor, Tensor]:
    """The two operands of a binary floating-point function (Tensors or numbers, at least one a Tensor) as Tensors
    of one floating dtype (integers give float32), with a clear error when their shapes do not broadcast."""
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError(f"{op}: expected at least one Tensor, got {type(a).__name__} and {type(b).__name__}")
    dtype = result_type(a, b)
    dtype = dtype if dtype.kind == "f" else np.dtype(np.float32)
    like = a if isinstance(a, Tensor) else b
    a, b = lift(a, like, dtype), lift(b, like, dtype)
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(f"{op}: shapes {a.shape} and {b.shape} cannot be broadcast together") from None
    return a, b


def reduced_axes(shape: tuple, target: tuple) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Axes to sum so that an array of ``shape`` (the broadcast result) becomes ``target``.

    Returns ``(lead, keep)``: the leading axes broadcasting added, and the axes where ``target`` has 1."""
    lead = len(shape) - len(target)
    lead_axes = tuple(range(lead))
    keep = tuple(i + lead for i, n in enumerate(target) if n == 1 and shape[i + lead] != 1)
    return lead_axes, keep


def sum_to_array(a, target: tuple):
    """Raw-array version of :func:`minigan.ops.shape.sum_to` (used inside forwards)."""
    if tuple(a.shape) == tuple(target):
        return a
    lead, keep = reduced_axes(tuple(a.shape), tuple(target))
    if keep:
        a = a.sum(axis=keep, keepdims=True)
    if lead:
        a = a.sum(axis=lead)
    return a.reshape(target)


def channel_sum(a):
    """``a (N, C, ...) -> (C,)``: the sum over every axis but 1. Written as a product with a vector of
    ones, which BLAS does at memory speed; NumPy's sum over the axes (0, 2, 3) is several times slower."""
    xp = backend.xp_of(a)
    n, c = a.shape[:2]
    a3 = a.reshape(n, c, -1)
    return xp.matmul(a3, xp.ones(a3.shape[2], dtype=a.dtype)).sum(axis=0)


# --------------------------------------------------------------------------- dimension arguments
def normalize_dim(dim, ndim: int, op: str) -> int:
    """``dim`` as an index into a shape of ``ndim`` dimensions, with PyTorch's rule: ``-ndim <= dim < ndim``,
    a negative ``dim`` counting from the end; anything else is an IndexError naming ``op``.

    A 0-d tensor accepts ``dim`` 0 and -1 (it is treated as one element long) and gets 0 back: the op
    decides what that means for it (``sum(dim=0)`` of a 0-d tensor is the tensor itself). An op that
    inserts a dimension (``unsqueeze``, ``stack``) passes ``ndim + 1``."""
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{op}: a dimension must be an int, got {dim!r}")
    size = max(ndim, 1)
    if not -size <= dim < size:
        raise IndexError(f"{op}: dimension out of range (expected to be in range of [{-size}, {size - 1}], "
                         f"but got {dim})")
    return int(dim) % size


def either(op: str, name: str, value, other_name: str, other_value, default=None):
    """An argument that PyTorch and NumPy spell differently (``dim``/``axis``, ``keepdim``/``keepdims``):
    whichever was given (``None`` means not given), or ``default``. Both may be given only if they agree."""
    if value is None:
        return default if other_value is None else other_value
    if other_value is not None and other_value != value:
        raise TypeError(f"{op}: got {name}={value!r} and {other_name}={other_value!r}; give one of them")
    return value


def image_batch(op: str, x: Tensor, channels: str = "C") -> bool:
    """Is ``x`` a batch of images ``(N, C, H, W)`` (True) or one unbatched image ``(C, H, W)`` (False), both of
    which PyTorch's 2-D ops take? Anything else is a ``ValueError`` naming ``op``."""
    if x.ndim not in (3, 4):
        raise ValueError(f"{op}: expected a 3-D ({channels}, H, W) or 4-D (N, {channels}, H, W) input, "
                         f"got shape {x.shape}")
    return x.ndim == 4


def on_one_image(fn, x: Tensor, *args, **kwargs):
    """``fn`` of one unbatched image ``(C, H, W)``: ``fn`` on the batch of one ``(1, C, H, W)``, and its result
    (each of its results) without that batch again."""
    from .shape import squeeze, unsqueeze
    out = fn(unsqueeze(x, 0), *args, **kwargs)
    return tuple(squeeze(o, 0) for o in out) if isinstance(out, tuple) else squeeze(out, 0)
