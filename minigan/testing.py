"""``mg.testing``: comparing numbers the way a test should, and making test inputs (``torch.testing``).

- :func:`assert_close` checks ``|actual - expected| <= atol + rtol * |expected|`` elementwise, with tolerances
  that depend on the dtype, and says where and by how much two results differ when they do not.
- :func:`make_tensor` makes a random tensor of a shape, dtype and device from the seeded generator
  (``mg.manual_seed``), with PyTorch's default value ranges.

Why the tolerances depend on the dtype. A float keeps a fixed number of significant bits, so one arithmetic
step may be off by half a unit in its last place: a relative error of ``eps / 2``, where ``eps`` is
``mg.finfo(dtype).eps`` (float16 ~ 9.8e-4, float32 ~ 1.2e-7, float64 ~ 2.2e-16). Two ways of computing the
same number (a loop and a matrix product, NumPy and CuPy, minigan and PyTorch) round differently, and their
results differ by a few ``eps`` times the size of the numbers. So the default ``rtol`` is about ten ``eps``
for float32 (1.3e-6) and float16 (1e-3), while float64's 1e-7 leaves room for the error a finite-difference
gradient brings. ``atol`` covers results near zero, where a relative test asks for more than rounding can
give (``1e-9`` against an exact ``0`` is as good as float32 gets, and its relative error is infinite).
Integers and bools have no rounding: they must be equal.

A gradient-check exercise (lesson 02) compares autograd's gradient with a central difference, in float64::

    x = mg.testing.make_tensor(3, 4, dtype=mg.float64, device="cpu", requires_grad=True)
    (x.sin() * x).sum().backward()                       # autograd: d/dx = sin x + x cos x
    h = 1e-6                                             # error ~ h**2 (truncation) + eps / h (rounding)
    xd = x.detach().numpy()
    f = lambda a: float((np.sin(a) * a).sum())
    numeric = np.zeros_like(xd)
    for i in np.ndindex(xd.shape):
        e = np.zeros_like(xd); e[i] = h
        numeric[i] = (f(xd + e) - f(xd - e)) / (2 * h)
    mg.testing.assert_close(x.grad, mg.tensor(numeric), rtol=1e-6, atol=1e-8)

and a wrong backward fails with the elements that disagree, the largest differences and where they are."""
from __future__ import annotations

import cmath
import collections.abc
import math
import warnings

import numpy as np

from . import backend, settings
from .autograd import Tensor
from .dtype_info import finfo, iinfo

__all__ = ["assert_close", "make_tensor"]

# {dtype: (rtol, atol)}: about ten eps of relative error, and an absolute floor for values near zero
_TOLERANCES = {np.dtype(np.float16): (1e-3, 1e-5), np.dtype(np.float32): (1.3e-6, 1e-5),
               np.dtype(np.float64): (1e-7, 1e-7), np.dtype(np.complex64): (1.3e-6, 1e-5),
               np.dtype(np.complex128): (1e-7, 1e-7)}
# a Python number is compared as the dtype a tensor of it would have in PyTorch
_NUMBER_DTYPES = {bool: np.dtype(bool), int: np.dtype(np.int64), float: np.dtype(np.float64),
                  complex: np.dtype(np.complex128)}


class _Mismatch(Exception):
    """One failed comparison: the exception type to raise, its message, and where in nested inputs it is."""

    def __init__(self, kind: type, message: str, path: tuple = ()):
        super().__init__(message)
        self.kind, self.message, self.path = kind, message, path

    def error(self, msg=None) -> Exception:
        if isinstance(msg, str):                 # a string replaces the message; a callable edits it
            return self.kind(msg)
        text = self.message
        if self.path:
            text += "\n\nThe failure occurred for item " + "".join(str([key]) for key in self.path)
        return self.kind(msg(text) if callable(msg) else text)


def _tolerances(dtypes, rtol, atol, path):
    """``rtol, atol``, both given or both the loosest default of ``dtypes``."""
    if (rtol is None) != (atol is None):
        raise _Mismatch(ValueError, "Both 'rtol' and 'atol' must be either specified or omitted, "
                        f"but got no {'rtol' if rtol is None else 'atol'}.", path)
    if rtol is not None:
        return rtol, atol
    pairs = [_TOLERANCES.get(np.dtype(d), (0.0, 0.0)) for d in dtypes]
    return max(p[0] for p in pairs), max(p[1] for p in pairs)


# --------------------------------------------------------------------------- pairing nested inputs
def _pairs(actual, expected, path, opts, out):
    """Walk nested sequences and mappings side by side, appending one comparison for each pair of leaves."""
    def is_seq(x):
        return isinstance(x, collections.abc.Sequence) and not isinstance(x, str)

    if is_seq(actual) and is_seq(expected):
        if len(actual) != len(expected):
            raise _Mismatch(AssertionError, f"The length of the sequences mismatch: {len(actual)} != {len(expected)}",
                            path)
        for i in range(len(actual)):
            _pairs(actual[i], expected[i], (*path, i), opts, out)
        return
    if isinstance(actual, collections.abc.Mapping) and isinstance(expected, collections.abc.Mapping):
        ka, ke = set(actual.keys()), set(expected.keys())
        if ka != ke:
            raise _Mismatch(AssertionError, "The keys of the mappings do not match:\n"
                            f"Missing keys in the actual mapping: {sorted(ke - ka)}\n"
                            f"Additional keys in the actual mapping: {sorted(ka - ke)}", path)
        try:
            keys = sorted(ka)
        except TypeError:                        # keys of several types: the mapping's own order
            keys = list(actual.keys())
        for k in keys:
            _pairs(actual[k], expected[k], (*path, k), opts, out)
        return
    out.append(_leaf_pair(actual, expected, path, opts))


def _leaf_pair(a, e, path, opts):
    """The comparison of two leaves: None, bools, Python/NumPy numbers, or tensor-likes of related types."""
    if a is None or e is None:
        return ("none", a, e, path)
    bools = (bool, np.bool_)
    if isinstance(a, bools) and isinstance(e, bools):
        return ("bool", bool(a), bool(e), path)
    numbers = (int, float, complex, np.number)
    if isinstance(a, numbers) and isinstance(e, numbers):
        a, e = (v.item() if isinstance(v, np.generic) else v for v in (a, e))
        dtypes = [next((d for t, d in _NUMBER_DTYPES.items() if isinstance(v, t)), np.float64) for v in (a, e)]
        rtol, atol = _tolerances(dtypes, opts["rtol"], opts["atol"], path)
        return ("number", a, e, path, rtol, atol)
    related = isinstance(a, type(e)) or isinstance(e, type(a))
    if related and (opts["allow_subclasses"] or type(a) is type(e)):
        arrays = [_as_array(v) for v in (a, e)]
        if all(x is not None for x in arrays):
            rtol, atol = _tolerances([x.dtype for x in arrays], opts["rtol"], opts["atol"], path)
            return ("tensor", arrays[0], arrays[1], path, rtol, atol)
    hint = ""
    if isinstance(a, Tensor) != isinstance(e, Tensor) and any(backend.is_array(v) for v in (a, e)):
        hint = " Compare a Tensor with a Tensor (mg.tensor(array)) or an array with an array (tensor.numpy())."
    raise _Mismatch(TypeError, f"No comparison pair was able to handle inputs of type {type(a)} and {type(e)}."
                    + hint, path)


def _as_array(x):
    arr = x.data if isinstance(x, Tensor) else x if backend.is_array(x) else None
    return arr if arr is not None and arr.dtype.kind in "biufc" else None


# --------------------------------------------------------------------------- comparing one pair
def _mismatch_text(what, equal, lines, diffs, rtol, atol):
    text = f"{what} are not {'equal' if equal else 'close'}!\n\n" + "".join(line + "\n" for line in lines)
    for name, diff, where, tol in (("absolute", diffs[0], diffs[1], atol), ("relative", diffs[2], diffs[3], rtol)):
        text += f"{name.title()} difference: {diff}" if where is None else \
            f"Greatest {name} difference: {diff} at index {where}"
        text += "\n" if equal else f" (up to {tol} allowed)\n"
    return text.strip()


def _scalar_text(a, e, rtol, atol):
    diff = abs(a - e)
    rel = math.inf if e == 0 else diff / abs(e)
    return _mismatch_text("Scalars", rtol == 0 and atol == 0, [f"Expected {e} but got {a}."],
                          (diff, None, rel, None), rtol, atol)


def _compare_numbers(a, e, path, rtol, atol, opts):
    if opts["check_dtype"] and type(a) is not type(e):
        raise _Mismatch(AssertionError, f"The (d)types do not match: {type(a)} != {type(e)}.", path)
    if a == e or (opts["equal_nan"] and cmath.isnan(a) and cmath.isnan(e)):
        return
    diff = abs(a - e)
    if cmath.isfinite(diff) and diff <= atol + rtol * abs(e):
        return
    raise _Mismatch(AssertionError, _scalar_text(a, e, rtol, atol), path)


def _close(a, e, rtol, atol, equal_nan):
    """Where ``|a - e| <= atol + rtol * |e|`` (equal values, infinities included, always; NaNs only with
    ``equal_nan``; otherwise a non-finite difference never)."""
    xp = backend.xp_of(a)
    same = a == e
    if equal_nan and a.dtype.kind in "fc":
        same |= xp.isnan(a) & xp.isnan(e)
    if rtol == 0 and atol == 0:
        return same
    if a.dtype.kind not in "fc":                 # integers: their differences, exactly, in float64
        a, e = a.astype(np.int64).astype(np.float64), e.astype(np.int64).astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        diff = xp.abs(a - e)
        return same | (xp.isfinite(diff) & (diff <= atol + rtol * xp.abs(e)))


def _tensor_text(a, e, matches, rtol, atol):
    shape = a.shape
    a, e, matches = (backend.to_numpy(v).ravel() for v in (a, e, matches))
    wrong = int(matches.size - matches.sum())
    lines = [f"Mismatched elements: {wrong} / {matches.size} ({wrong / matches.size:.1%})"]
    if a.dtype.kind not in "fc":                 # integer differences cannot overflow in int64
        a, e = a.astype(np.int64), e.astype(np.int64)
    with np.errstate(all="ignore"):
        diff = np.abs(a - e)
        diff[matches] = 0
        den = np.abs(e)
        if diff.dtype.kind != "f":               # int / int divides in the default float dtype, as PyTorch's
            rel = diff.astype(settings.get_default_dtype()) / den.astype(settings.get_default_dtype())
        else:
            rel = diff / den
        rel[matches] = 0
    i, j = int(np.argmax(diff)), int(np.argmax(rel))

    def where(k):
        return tuple(int(n) for n in np.unravel_index(k, shape))
    return _mismatch_text("Tensor-likes", rtol == 0 and atol == 0, lines,
                          (diff[i].item(), where(i), rel[j].item(), where(j)), rtol, atol)


def _compare_tensors(a, e, path, rtol, atol, opts):
    def differ(name, x, y):
        raise _Mismatch(AssertionError, f"The values for attribute '{name}' do not match: {x} != {y}.", path)

    if a.shape != e.shape:
        differ("shape", tuple(a.shape), tuple(e.shape))
    strides = [tuple(s // x.itemsize for s in x.strides) for x in (a, e)]     # in elements, as PyTorch's
    if opts["check_stride"] and strides[0] != strides[1]:
        differ("stride()", *strides)
    da, de = backend.device_of(a), backend.device_of(e)
    if opts["check_device"] and da != de:
        differ("device", da, de)
    if opts["check_dtype"] and a.dtype != e.dtype:
        differ("dtype", a.dtype, e.dtype)
    if da != de:                                 # compared on the host
        a, e = backend.to_numpy(a), backend.to_numpy(e)
    if a.dtype != e.dtype:                       # PyTorch's promotion (int64 and float32 give float32)
        from .ops._util import _join
        wide = [np.dtype(np.int64) if d in (np.uint16, np.uint32, np.uint64) else d for d in (a.dtype, e.dtype)]
        common = _join(*wide)
        a, e = a.astype(common), e.astype(common)
    matches = _close(a, e, rtol, atol, opts["equal_nan"])
    if bool(matches.all()):
        return
    if a.ndim == 0:
        raise _Mismatch(AssertionError, _scalar_text(a.item(), e.item(), rtol, atol), path)
    raise _Mismatch(AssertionError, _tensor_text(a, e, matches, rtol, atol), path)


def _compare(pair, opts):
    kind, a, e, path = pair[:4]
    if kind == "none":
        if not (a is None and e is None):
            raise _Mismatch(AssertionError, f"None mismatch: {a} is not {e}", path)
    elif kind == "bool":
        if a is not e:
            raise _Mismatch(AssertionError, f"Booleans mismatch: {a} is not {e}", path)
    elif kind == "number":
        _compare_numbers(a, e, path, *pair[4:], opts)
    else:
        _compare_tensors(a, e, path, *pair[4:], opts)


# --------------------------------------------------------------------------- the public functions
def assert_close(actual, expected, *, allow_subclasses: bool = True, rtol=None, atol=None, equal_nan: bool = False,
                 check_device: bool = True, check_dtype: bool = True, check_layout: bool = True,
                 check_stride: bool = False, msg=None) -> None:
    """Raise AssertionError unless ``actual`` and ``expected`` are close (``torch.testing.assert_close``).

    Elementwise, ``|actual - expected| <= atol + rtol * |expected|``; infinities are close only to themselves,
    NaNs only to NaNs and only with ``equal_nan=True``. ``rtol`` and ``atol`` are given both or neither; without
    them they follow the dtype (the loosest of the two inputs'), because rounding does (see the module's text):

    ============  ========  ========
    dtype         rtol      atol
    ============  ========  ========
    float16       1e-3      1e-5
    float32       1.3e-6    1e-5
    float64       1e-7      1e-7
    complex64     1.3e-6    1e-5
    complex128    1e-7      1e-7
    other         0         0        (integers and bools must be equal)
    ============  ========  ========

    Inputs: Tensors, NumPy (or CuPy) arrays, Python or NumPy numbers (an ``int`` counts as int64, a ``float`` as
    float64), ``None``, and sequences or mappings of them, compared leaf by leaf (the message says which item,
    as ``[1]['w']``). Two tensor-likes must be of related types (a Tensor and a Parameter, two arrays): a Tensor
    is never compared with an array (TypeError). Their shapes must be equal (nothing broadcasts), and so must
    their devices (``check_device``), dtypes (``check_dtype``; without it both are promoted to a common dtype)
    and, with ``check_stride=True``, their strides. minigan's tensors all have the strided layout, so
    ``check_layout`` changes nothing. Complex numbers are compared by the modulus of their difference.

    The message of a mismatch says how many elements differ and the greatest absolute and relative differences
    with their indices; ``msg`` (a string) replaces it, or (a callable) receives it and returns the message.
    Raises ValueError for only one of ``rtol``/``atol``, TypeError for inputs that cannot be compared."""
    __tracebackhide__ = True                     # pytest shows the caller's line, not this function's
    opts = {"allow_subclasses": allow_subclasses, "rtol": rtol, "atol": atol, "equal_nan": equal_nan,
            "check_device": check_device, "check_dtype": check_dtype, "check_stride": check_stride}
    pairs: list = []
    try:
        _pairs(actual, expected, (), opts, pairs)
    except _Mismatch as bad:                     # the inputs' structure is wrong: msg does not apply
        raise bad.error() from None
    for pair in pairs:
        try:
            _compare(pair, opts)
        except _Mismatch as bad:
            raise bad.error(msg) from None


_INTEGER_KINDS, _FLOAT_KINDS = "biu", "fc"


def _low_high(low, high, dtype, lowest, highest, default_low, default_high):
    """``low`` and ``high`` (or the dtype's defaults) checked and clamped to what ``dtype`` holds."""
    low = default_low if low is None else low
    high = default_high if high is None else high
    if any(isinstance(v, float) and math.isnan(v) for v in (low, high)):
        raise ValueError(f"make_tensor(): `low` and `high` cannot be NaN, but got low={low} and high={high}")
    if low == high and dtype.kind in _FLOAT_KINDS:
        warnings.warn("make_tensor(): low == high for a floating dtype makes a constant tensor: use mg.full",
                      FutureWarning, stacklevel=3)
    elif low >= high:
        raise ValueError(f"make_tensor(): `low` must be less than `high`, but got {low} >= {high}")
    elif high < lowest or low >= highest:
        raise ValueError(f"make_tensor(): the value interval specified by `low` and `high` is [{low}, {high}), "
                         f"but {dtype} only supports [{lowest}, {highest})")
    low, high = min(max(low, lowest), highest), min(max(high, lowest), highest)
    if dtype.kind in _INTEGER_KINDS:              # integers in [low, high): round both up
        return math.ceil(low), math.ceil(high)
    return low, high


def _uniform(gen, shape, dtype, low, high):
    """Floats uniform in [low, high) of ``dtype`` (float16 drawn as float32 and rounded), even where
    ``high - low`` itself overflows."""
    draw = np.float64 if dtype in (np.float64, np.complex128) else np.float32
    u = gen.random(shape, dtype=draw)
    if high - low >= finfo(draw).max:           # the width overflows: draw in half units and double
        out = (low / 2 + u * (high / 2 - low / 2)) * 2
    else:
        out = low + u * (high - low)
    real = np.dtype(dtype).type(0).real.dtype
    out = out.astype(real)
    if high > low:                              # rounding may land on high itself: step back below it
        xp = backend.xp_of(out)
        out = xp.minimum(out, xp.nextafter(real.type(high), real.type(low)))
    return out


def make_tensor(*shape, dtype, device, low=None, high=None, requires_grad: bool = False,
                noncontiguous: bool = False, exclude_zero: bool = False, memory_format=None) -> Tensor:
    """A tensor of ``shape``, ``dtype`` and ``device`` with values uniform in ``[low, high)``, drawn from the
    device's seeded generator (``mg.manual_seed``), as ``torch.testing.make_tensor``.

    The defaults: floats and complex parts in ``[-9, 9)``, signed integers in ``[-9, 10)``, unsigned in
    ``[0, 10)``, bools False/True; ``low``/``high`` beyond what the dtype holds are clamped to it, integer
    bounds are rounded up. ``exclude_zero`` replaces zeros with 1 (integers, bools) or ``finfo(dtype).tiny``
    (floats): for a divisor, or a ``log``. ``noncontiguous`` makes a tensor that looks into every other
    element of a wider one (its ``stride`` shows it), which catches an op that assumes C order. minigan has no
    memory-format objects: ``memory_format`` may be ``"contiguous_format"`` or ``"channels_last"`` (a 4-d
    tensor stored as ``(N, H, W, C)``). ``requires_grad`` makes a leaf for a gradient check (float dtypes only).

    Random inputs away from 0 and from kinks are what a gradient check wants::

        x = mg.testing.make_tensor(2, 3, dtype=mg.float64, device="cpu", low=0.5, high=2, requires_grad=True)
    """
    if len(shape) == 1 and isinstance(shape[0], collections.abc.Sequence):
        shape = shape[0]
    shape = tuple(int(n) for n in shape)
    dev = backend.normalize_device(device)
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"make_tensor(): dtype must be a dtype such as mg.float32, got {dtype!r}") from None
    if noncontiguous and memory_format is not None:
        raise ValueError("make_tensor(): the parameters `noncontiguous` and `memory_format` are mutually exclusive, "
                         f"but got noncontiguous={noncontiguous} and memory_format={memory_format!r}")
    if memory_format not in (None, "contiguous_format", "preserve_format", "channels_last"):
        raise ValueError(f"make_tensor(): memory_format must be None, 'contiguous_format' or 'channels_last', "
                         f"got {memory_format!r}")
    if memory_format == "channels_last" and len(shape) != 4:
        raise ValueError(f"make_tensor(): channels_last needs a 4-d shape (N, C, H, W), got {shape}")
    if requires_grad and dt.kind in _INTEGER_KINDS:
        raise ValueError("make_tensor(): `requires_grad=True` is not supported for boolean and integral dtypes, "
                         f"but got dtype={dt}")
    if dt.kind not in "biufc":
        raise TypeError(f"make_tensor(): the requested dtype '{dt}' is not supported")
    noncontiguous = noncontiguous and math.prod(shape) > 1
    if noncontiguous:                             # twice as wide, then every other element
        shape = (*shape[:-1], 2 * shape[-1])
    drawn = shape
    if memory_format == "channels_last":          # drawn as (N, H, W, C), seen as (N, C, H, W)
        drawn = (shape[0], shape[2], shape[3], shape[1])
    gen = backend.rng(dev)
    if dt.kind == "b":
        low, high = _low_high(low, high, dt, 0, 2, 0, 2)
        arr = gen.integers(low, high, size=drawn).astype(bool)
    elif dt.kind in "iu":
        info = iinfo(dt)                          # int64's largest cannot be drawn: [low, high) needs high + 1
        top = info.max + (1 if dt != np.int64 else 0)
        low, high = _low_high(low, high, dt, info.min, top, -9, 10)
        arr = gen.integers(low, high, size=drawn, dtype=np.int64 if dt.kind == "i" else np.uint64).astype(dt)
    else:
        info = finfo(dt)
        low, high = _low_high(low, high, dt, info.min, info.max, -9, 9)
        arr = _uniform(gen, drawn, dt, low, high)
        if dt.kind == "c":
            arr = arr + 1j * _uniform(gen, drawn, dt, low, high)
        arr = arr.astype(dt)
    if memory_format == "channels_last":
        arr = arr.transpose(0, 3, 1, 2)
    if noncontiguous:
        arr = arr[..., 1::2]
    if exclude_zero:
        arr[arr == 0] = 1 if dt.kind in _INTEGER_KINDS else finfo(dt).tiny
    return Tensor(arr, requires_grad=requires_grad and dt.kind in _FLOAT_KINDS)
