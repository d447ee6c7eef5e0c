"""More of PyTorch's Tensor methods: sliding windows (``unfold``), ``sum_to_size``, ``broadcast_to``, the
conjugate-transpose names (``H``, ``mH``, ``adjoint``) and the complex-number queries that are identities on
real tensors, more dtype casts (``byte``, ``char``, ``short``, ``type``), where a tensor lives (``get_device``,
``is_cpu``), ``new``, ``fill_diagonal_``, and the random in-place fillers (``bernoulli_``, ``cauchy_``,
``exponential_``, ``geometric_``, ``log_normal_``, ``random_``).

:class:`~minigan.autograd.Tensor` inherits them from :class:`MoreMethods`. The differentiable ones are
compositions of recorded ops (their gradients come from those ops); the random fillers draw from the device's
seeded generator (``mg.manual_seed``) under the rules of the Tensor's other in-place methods."""
from __future__ import annotations

import math

import numpy as np


def _ops():
    from . import ops
    return ops


# PyTorch's legacy type names (``x.type()``), by dtype
_TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
               "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool", "complex64": "ComplexFloat",
               "complex128": "ComplexDouble"}
_TYPE_DTYPES = {name: np.dtype(dtype) for dtype, name in _TYPE_NAMES.items()}


def _sizes(sizes) -> tuple[int, ...]:
    """``f(2, 3)`` or ``f((2, 3))`` as a tuple of ints."""
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    return tuple(int(n) for n in sizes)


def unfold(t, dimension: int, size: int, step: int):
    """Every window of ``size`` elements along ``dimension``, ``step`` apart, as ``torch.Tensor.unfold``::

        x (..., L, ...) -> (..., n, ..., size)      n = (L - size) // step + 1
        out[..., w, ..., k] = x[..., w * step + k, ...]

    A composition of recorded ops: one gather of the window positions ``w * step + k`` (an ``(n, size)``
    index) along ``dimension``, and a move of the ``size`` axis to the end. Its gradient is the gather's, a
    scatter-add: an element that several windows hold (``step < size``) gets the sum of their gradients.
    A 0-d tensor counts as one element long."""
    from .ops._util import normalize_dim
    d = normalize_dim(dimension, t.ndim, "unfold")
    length = t.shape[d] if t.ndim else 1
    if int(step) <= 0:
        raise RuntimeError(f"unfold: step is {step} but must be > 0")
    if int(size) > length:
        raise RuntimeError(f"unfold: maximum size for tensor at dimension {d} is {length} but size is {size}")
    if int(size) < 0:
        raise RuntimeError(f"unfold: size is {size} but must be >= 0")
    from . import backend
    xp = backend.xp_of(t.data)
    n = (length - int(size)) // int(step) + 1
    starts = xp.arange(n, dtype=np.int64)[:, None] * int(step)
    index = starts + xp.arange(int(size), dtype=np.int64)[None, :]          # (n, size)
    x = t if t.ndim else _ops().reshape(t, (1,))
    windows = _ops().getitem(x, (slice(None),) * d + (index,))             # (..., n, size, ...)
    return _ops().movedim(windows, d + 1, -1) if t.ndim else _ops().reshape(windows, (int(size),))


def sum_to_size(t, *size):
    """``t`` summed down to ``size``, which must broadcast to t's shape (``torch.Tensor.sum_to_size``): the
    leading dims that ``size`` lacks are summed away, and dims where ``size`` has a 1 are summed keeping the
    dim. The adjoint of ``expand``; recorded by ``sum``."""
    size = _sizes(size)
    lead = t.ndim - len(size)
    if lead < 0 or any(s != 1 and s != n for s, n in zip(size, t.shape[lead:])):
        raise RuntimeError(f"sum_to_size: size {{{list(size)}}} is not expandable to size {{{list(t.shape)}}}.")
    out = t
    if lead:
        out = _ops().sum(out, dim=tuple(range(lead)))
    ones = tuple(i for i, (s, n) in enumerate(zip(size, out.shape)) if s == 1 and n != 1)
    if ones:
        out = _ops().sum(out, dim=ones, keepdim=True)
    return out


def _matrix_adjoint(t, what: str, batches: bool):
    """The transpose of the last two dims (the conjugate transpose of a real tensor)."""
    if t.ndim < 2 or (not batches and t.ndim != 2):
        if batches:
            raise RuntimeError(f"{what} is only supported on matrices or batches of matrices. Got {t.ndim}-D tensor.")
        raise RuntimeError(f"{what} is only supported on matrices (2-D tensors). Got {t.ndim}-D tensor.")
    return _ops().transpose(t, -2, -1)


def _real(t, what: str):
    """``t`` itself: the queries and views about complex numbers are identities on a real tensor."""
    if t.dtype.kind == "c":
        raise NotImplementedError(f"{what}: minigan's ops are real; got a complex tensor of dtype {t.dtype}")
    return t


def _type(t, dtype=None, non_blocking: bool = False):
    """``x.type()``: PyTorch's type name (``'torch.FloatTensor'``, ``'torch.cuda.LongTensor'``); ``x.type(dtype)``
    (a dtype or such a name): ``x`` cast to it."""
    if dtype is None:
        name = _TYPE_NAMES.get(t.dtype.name)
        if name is None:
            raise TypeError(f"type(): dtype {t.dtype} has no PyTorch type name")
        return f"torch.{'cuda.' if t.device != 'cpu' else ''}{name}Tensor"
    if isinstance(dtype, str):
        base = dtype.rsplit(".", 1)[-1]
        if not (base.endswith("Tensor") and base[:-6] in _TYPE_DTYPES):
            raise ValueError(f"type(): invalid type: {dtype!r}")
        device = "cuda" if dtype.startswith("torch.cuda.") else "cpu"
        return t.to(device, _TYPE_DTYPES[base[:-6]])
    return t.to(dtype=dtype)


def _get_device(t) -> int:
    """-1 for a CPU tensor, the GPU's index for a CUDA one (``torch.Tensor.get_device``)."""
    return -1 if t.device == "cpu" else int(t.device.split(":")[1])


def _new(t, *args):
    """``x.new(2, 3)`` (a tensor of that size), ``x.new([1, 2])`` (of that data) or ``x.new()`` (empty), of x's
    dtype and device: PyTorch's legacy constructor. A list or tuple is data; sizes are ints."""
    if not args:
        return t.new_empty(0)
    if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
        return t.new_tensor(args[0])
    return t.new_empty(*args)


def _fill_diagonal(t, fill_value, wrap: bool = False):
    """The main diagonal (``i, i, ..., i``) set to ``fill_value``, in place (``torch.Tensor.fill_diagonal_``).
    A tall matrix with ``wrap=True`` starts again every ``cols + 1`` rows, as NumPy's ``fill_diagonal``."""
    from . import backend
    if t.ndim < 2:
        raise RuntimeError(f"fill_diagonal_: dimensions must larger than 1, got a {t.ndim}-D tensor")
    if t.ndim > 2 and len(set(t.shape)) != 1:
        raise RuntimeError(f"fill_diagonal_: all dimensions of input must be of equal length, got shape {t.shape}")
    t._check_inplace("fill_diagonal_")
    backend.xp_of(t.data).fill_diagonal(t.data, fill_value, wrap=wrap)
    t._bump_version()
    return t


# --------------------------------------------------------------------------- random in-place fillers
def _stream(generator, device: str, what: str):
    """The stream ``what`` draws from: ``generator`` (an ``mg.Generator`` on ``device``) or the device's own."""
    from .generator import stream
    return stream(generator, device, what)


def _uniform(t, generator=None, what: str = "random fill"):
    """Uniform samples in (0, 1) of t's shape, float64, from ``generator`` (an ``mg.Generator``) or the device's
    seeded stream (0 itself is moved to the smallest positive float64, so that logs and divisions below stay
    finite)."""
    from . import backend
    u = _stream(generator, t.device, what).random(t.shape, dtype=np.float64)
    return backend.xp_of(u).maximum(u, np.finfo(np.float64).tiny)


def _write(t, what: str, values, floating: bool = True):
    """``t`` overwritten with ``values``, under the rules of the Tensor's other in-place methods."""
    if floating and t.dtype.kind != "f":
        raise RuntimeError(f"{what}: a continuous distribution needs a floating-point tensor, got dtype {t.dtype}")
    t._check_inplace(what)
    t.data[...] = values
    t._bump_version()
    return t


def _positive(what: str, name: str, value) -> None:
    if not float(value) > 0:
        raise RuntimeError(f"{what} expects {name} > 0.0, but found {name}={value}")


def bernoulli_(t, p=0.5, *, generator=None):
    """1 with probability ``p`` (a number, or a tensor broadcast to t's shape), else 0, in place."""
    from .autograd import Tensor
    xp = _xp(t)
    probs = p.data if isinstance(p, Tensor) else xp.asarray(float(p))
    if not bool(xp.all((probs >= 0) & (probs <= 1))):
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
    u = _stream(generator, t.device, "bernoulli_").random(t.shape, dtype=np.float64)
    return _write(t, "bernoulli_", u < probs, floating=False)


def cauchy_(t, median=0.0, sigma=1.0, *, generator=None):
    """Cauchy samples ``median + sigma * tan(pi * (u - 1/2))`` (the inverse of its distribution function)."""
    _positive("cauchy_", "sigma", sigma)
    xp = _xp(t)
    return _write(t, "cauchy_", median + sigma * xp.tan(math.pi * (_uniform(t, generator, "cauchy_") - 0.5)))


def exponential_(t, lambd=1.0, *, generator=None):
    """Exponential samples of rate ``lambd``: ``-log(u) / lambd``."""
    _positive("exponential_", "lambda", lambd)
    if t.dtype.kind != "f":
        raise RuntimeError("Exponential distribution is a continuous probability distribution. dtype must be a "
                           f"floating point but you specified {t.dtype}")
    return _write(t, "exponential_", -_xp(t).log(_uniform(t, generator, "exponential_")) / lambd)


def geometric_(t, p, *, generator=None):
    """The number of Bernoulli(``p``) trials up to and including the first success (1, 2, ...):
    ``ceil(log(u) / log(1 - p))``."""
    if not 0 < float(p) < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    xp = _xp(t)
    u = _uniform(t, generator, "geometric_")
    return _write(t, "geometric_", xp.maximum(xp.ceil(xp.log(u) / math.log1p(-float(p))), 1),
                  floating=False)


def log_normal_(t, mean=1.0, std=2.0, *, generator=None):
    """``exp(mean + std * z)`` with ``z ~ N(0, 1)``: samples whose logarithm is normal."""
    _positive("log_normal_", "std", std)
    z = _stream(generator, t.device, "log_normal_").standard_normal(t.shape, dtype=np.float64)
    return _write(t, "log_normal_", _xp(t).exp(mean + std * z))


def random_(t, from_=0, to=None, *, generator=None):
    """Integers drawn uniformly from ``[from_, to)`` (``random_(to)``: from ``[0, to)``), in place. Without
    ``to`` the range is ``[0, 2**mantissa]`` for a float dtype (every integer there is exact) and up to the
    dtype's maximum for an integer one; a bool tensor gets False or True."""
    if to is None and from_ != 0:
        from_, to = 0, from_
    if to is None:
        if t.dtype.kind == "f":
            to = 2 ** (np.finfo(t.dtype).nmant + 1) + 1
        elif t.dtype.kind == "b":
            to = 2
        else:
            to = int(np.iinfo(t.dtype).max) + 1
    if from_ >= to:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={from_} >= to={to}")
    if t.dtype.kind in "iu" and not np.iinfo(t.dtype).min <= from_ <= np.iinfo(t.dtype).max:
        raise RuntimeError(f"random_: from is out of bounds for {t.dtype}")
    values = _stream(generator, t.device, "random_").integers(int(from_), int(to), size=t.shape, dtype=np.int64)
    return _write(t, "random_", values.astype(t.dtype), floating=False)


def _xp(t):
    from . import backend
    return backend.xp_of(t.data)


def register_post_accumulate_grad_hook(t, hook):
    """Call ``hook(t)`` each time a backward pass has added to the leaf ``t``'s ``.grad``, after it did (PyTorch's
    ``register_post_accumulate_grad_hook``): where an optimizer can step a parameter as soon as its gradient is
    ready, and free it (``p.grad = None``), instead of keeping every gradient until the pass ends. The hook sees
    the tensor; what it returns is ignored. Returns a handle whose ``remove()`` takes the hook off."""
    from .backward import RemovableHandle
    if not t.requires_grad:
        raise RuntimeError("register_post_accumulate_grad_hook: cannot register a hook on a tensor that doesn't "
                           "require gradient")
    if t._node is not None:
        raise RuntimeError("register_post_accumulate_grad_hook: post accumulate grad hooks cannot be registered on "
                           "non-leaf tensors (their gradient is not accumulated; use register_hook)")
    hooks = t.__dict__.setdefault("_post_accumulate_hooks", [])
    hooks.append(hook)
    return RemovableHandle(hooks, hook)


def _strided():
    """:mod:`minigan.ops.strided` (as_strided, storage_offset, data_ptr, apply_, map_), loaded on first use."""
    from .ops import strided
    return strided


class MoreMethods:
    """The methods above, under PyTorch's names (one line each, handing over to this module's functions or to
    the op of the same name in :mod:`minigan.ops`)."""

    def broadcast_to(self, *size): return _ops().broadcast_to(self, _sizes(size))
    def unfold(self, dimension, size, step): return unfold(self, dimension, size, step)
    def sum_to_size(self, *size): return sum_to_size(self, *size)
    def fill_diagonal_(self, fill_value, wrap=False): return _fill_diagonal(self, fill_value, wrap)
    def hardshrink(self, lambd=0.5): return _ops().hardshrink(self, lambd)
    def prelu(self, weight): return _ops().prelu(self, weight)
    H = property(lambda self: _matrix_adjoint(self, "tensor.H", False), doc="The conjugate transpose of a matrix.")
    mH = property(lambda self: _matrix_adjoint(self, "tensor.mH", True),
                  doc="Each matrix (the last two dims) conjugate-transposed.")
    def adjoint(self): return _matrix_adjoint(self, "tensor.adjoint()", True)
    def conj(self): return _real(self, "conj")
    def resolve_conj(self): return _real(self, "resolve_conj")
    def resolve_neg(self): return _real(self, "resolve_neg")
    def is_conj(self): return False
    def is_neg(self): return False
    real = property(lambda self: _real(self, "real"), doc="The real part: the tensor itself for a real dtype.")
    def byte(self): return self.to(dtype=np.uint8)
    def char(self): return self.to(dtype=np.int8)
    def short(self): return self.to(dtype=np.int16)
    def type(self, dtype=None, non_blocking=False): return _type(self, dtype, non_blocking)
    def get_device(self): return _get_device(self)
    is_cpu = property(lambda self: self.device == "cpu", doc="Whether the tensor is in the CPU's memory.")
    is_cuda = property(lambda self: self.device != "cpu", doc="Whether the tensor is in a GPU's memory.")
    itemsize = property(lambda self: int(self.data.itemsize), doc="Bytes per element.")
    nbytes = property(lambda self: int(self.data.nbytes), doc="Bytes of all the elements.")
    def new(self, *args): return _new(self, *args)
    def register_post_accumulate_grad_hook(self, hook): return register_post_accumulate_grad_hook(self, hook)
    # Random in-place fillers, from the device's seeded generator (``mg.manual_seed``)
    def bernoulli_(self, p=0.5, *, generator=None): return bernoulli_(self, p, generator=generator)
    def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
        return cauchy_(self, median, sigma, generator=generator)
    def exponential_(self, lambd=1.0, *, generator=None): return exponential_(self, lambd, generator=generator)
    def geometric_(self, p, *, generator=None): return geometric_(self, p, generator=generator)
    def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
        return log_normal_(self, mean, std, generator=generator)
    def random_(self, from_=0, to=None, *, generator=None): return random_(self, from_, to, generator=generator)
    # Strided windows and memory (minigan/ops/strided.py), view copies and the "unsafe" splitters
    def as_strided(self, size, stride, storage_offset=None):
        return _strided().as_strided(self, size, stride, storage_offset)
    def new_empty_strided(self, size, stride, *, dtype=None, device=None, requires_grad=False):
        return _strided().new_empty_strided(self, size, stride, dtype=dtype, device=device, requires_grad=requires_grad)
    def storage_offset(self): return _strided().storage_offset(self)
    def data_ptr(self): return _strided().data_ptr(self)
    def apply_(self, callable): return _strided().apply_(self, callable)
    def map_(self, other, callable): return _strided().map_(self, other, callable)
    def narrow_copy(self, dim, start, length): return _ops().view_copies.narrow_copy(self, dim, start, length)
    def unsafe_chunk(self, chunks, dim=0): return _ops().top_level_extra.unsafe_chunk(self, chunks, dim)
    def unsafe_split(self, split_size, dim=0): return _ops().top_level_extra.unsafe_split(self, split_size, dim)
    def unsafe_split_with_sizes(self, split_sizes, dim=0): return _ops().split_with_sizes(self, split_sizes, dim)

    # The order of the dims in memory, and the layout: minigan/memory_formats.py
    def dim_order(self, *, ambiguity_check=False):
        from .memory_formats import dim_order
        return dim_order(self, ambiguity_check)

    @property
    def layout(self):
        from .memory_formats import strided
        return strided

    # ----------------------------------------------------------------- graph queries, layouts, memory
    # (resize_, as_subclass, shared and pinned memory: minigan/tensor_memory.py)
    @property
    def retains_grad(self):
        """Whether ``retain_grad()`` was called on this non-leaf, so backward keeps its ``.grad`` (False for a
        leaf, which keeps its gradient anyway)."""
        retained = self._node.retained if self._node is not None else None
        ref = retained.get(self._out_index) if retained else None
        return ref is not None and ref() is self

    output_nr = property(lambda self: self._out_index if self._node is not None else 0,
                         doc="Which output of the op that made it this non-leaf is (0, 1, ...); 0 for a leaf.")
    _dense = "False: minigan has only dense, strided, real tensors on real devices."
    is_sparse = property(lambda self: False, doc=_dense)
    is_sparse_csr = property(lambda self: False, doc=_dense)
    is_quantized = property(lambda self: False, doc=_dense)
    is_meta = property(lambda self: False, doc=_dense)
    is_mkldnn = property(lambda self: False, doc=_dense)
    is_nested = property(lambda self: False, doc=_dense)

    def resize_(self, *sizes):
        from .tensor_memory import resize_
        return resize_(self, sizes)

    def resize_as_(self, the_template):
        from .tensor_memory import resize_as_
        return resize_as_(self, the_template)

    def as_subclass(self, cls):
        from .tensor_memory import as_subclass
        return as_subclass(self, cls)

    def share_memory_(self):
        from .tensor_memory import share_memory_
        return share_memory_(self)

    def is_shared(self):
        from .tensor_memory import is_shared
        return is_shared(self)

    def pin_memory(self):
        from .tensor_memory import pin_memory
        return pin_memory(self)

    def is_pinned(self):
        from .tensor_memory import is_pinned
        return is_pinned(self)
