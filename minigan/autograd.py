"""Tensor, and the names of autograd: Function (:mod:`minigan.function`), the backward pass and ``grad``
(:mod:`minigan.backward`), ``no_grad`` (:mod:`minigan.grad_mode`).

A :class:`Tensor` wraps a NumPy or CuPy array. Every differentiable operation is a :class:`Function`
with a ``forward`` on raw arrays and a ``backward`` written with minigan's own differentiable
operations, so that a backward pass can itself be recorded and differentiated again
(``backward(create_graph=True)``, :func:`grad`).

The graph is a set of :class:`Node` objects, one per Function call, each pointing at the nodes (or
leaf tensors) of its inputs. :mod:`minigan.backward` walks it in reverse topological order with an
explicit stack, never recursing, so a chain of 10,000 operations backpropagates.

See lesson 01 (``lessons/01_autograd.py``) for the same machinery shown step by step.
"""
from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from . import backend
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled  # noqa: F401
from .tensor_methods import OpMethods
from .tensor_inplace import InPlaceMethods
from .tensor_more import MoreMethods

__all__ = ["Tensor", "Function", "Context", "tensor", "no_grad", "enable_grad", "inference_mode", "is_grad_enabled",
           "set_grad_enabled", "grad", "as_tensor", "is_tensor"]


# --------------------------------------------------------------------------- dtypes
_FLOAT_KINDS = "f"


def _default_float():
    from .settings import get_default_dtype   # mg.set_default_dtype
    return get_default_dtype()


def _can_cast_inplace(src, dst) -> bool:
    """PyTorch's rule for writing a result into an existing tensor: any size within a category (float64
    into float32 is fine), never into a lower one (bool < integer < float < complex: a float result does
    not go into an integer tensor)."""
    from .ops._util import _KIND_RANK  # the categories of type promotion, kept with the promotion rules
    return _KIND_RANK[np.dtype(src).kind] <= _KIND_RANK[np.dtype(dst).kind]


def _as_array(data: Any, dtype=None, device: str | None = None):
    """Turn ``data`` (list, scalar, numpy/cupy array, Tensor) into an array on ``device``.

    Python floats and lists of floats become float32 (PyTorch's default); NumPy arrays keep their
    dtype, so float64 data stays float64 (needed by gradcheck)."""
    if isinstance(data, Tensor):
        data = data.data
    if backend.is_array(data):
        arr = data
        if device is not None and backend.device_of(arr) != device:
            arr = backend.to_device(arr, device)
        if dtype is not None and arr.dtype != np.dtype(dtype):
            arr = arr.astype(dtype)
        return arr
    arr = np.asarray(data)
    if arr.dtype.kind not in "biufc" and dtype is None:   # strings, None, dicts, ints too large for int64
        raise TypeError(f"tensor(): could not make a tensor of numbers from {type(data).__name__} data (NumPy "
                        f"reads it as dtype {arr.dtype}); give numbers, nested lists of numbers, or an array")
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    elif arr.dtype == np.float64 and not isinstance(data, np.generic):
        arr = arr.astype(_default_float())
    elif arr.dtype.kind == "i":
        arr = arr.astype(np.int64, copy=False)
    if device is not None and device != "cpu":
        arr = backend.to_device(arr, device)
    return arr


# The dtypes a tensor's repr leaves out, as PyTorch's: the default float, the default complex, and the two
# that the printed numbers already show (``tensor([1, 2])`` is int64, ``tensor([True])`` bool).
def _dtype_shown(dtype, empty: bool) -> bool:
    """Does a tensor's repr say its dtype? As PyTorch's: not for the default float dtype (``mg.set_default_dtype``);
    not for int64, bool or the default's complex kind either, whose printed values show them, unless the tensor is
    empty and nothing printed shows anything."""
    from .settings import get_default_dtype
    default = np.dtype(get_default_dtype())
    if dtype == default:
        return False
    return empty or dtype not in (np.result_type(default, np.complex64), np.dtype(np.int64), np.dtype(np.bool_))


# --------------------------------------------------------------------------- Tensor
class _VersionCounter:
    """How many times a tensor's memory has been changed in place.

    Tensors that look into the same memory hold the same counter: ``detach()`` and a view made by an
    operation (``x[0:1]``, ``x.T``, ``x.reshape(...)``) share their base's counter, so a change made
    through any of them is seen by a backward pass that saved another (see ``Context.saved_tensors``)."""

    value = 0  # read from the class until the first bump gives this counter its own value


class Tensor(OpMethods, InPlaceMethods, MoreMethods):
    """An array plus what autograd needs to know about it.

    ``data`` is the NumPy (``"cpu"``) or CuPy (``"cuda:N"``) array. A tensor made by a Function
    while recording holds ``_node``, the graph node that made it; a leaf tensor (made by the user,
    e.g. a parameter) has ``_node = None`` and collects its gradient in ``grad``.
    """

    __array_priority__ = 1000  # so that ndarray + Tensor calls Tensor.__radd__

    def __init__(self, data: Any, requires_grad: bool = False, dtype=None, device=None) -> None:
        dev = backend.normalize_device(device) if device is not None else None
        self.data = _as_array(data, dtype=dtype, device=dev)
        self.grad: Tensor | None = None
        self._node: Node | None = None
        self._out_index = 0
        self._version_counter = _VersionCounter()
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    # ----------------------------------------------------------------- properties
    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.data.shape)

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self):
        return self.data.dtype

    _devices: dict = {}     # the interned mg.device of each device name, for the property below

    @property
    def device(self) -> str:
        """The data's device, a :class:`minigan.device` (a ``str`` subclass: ``x.device == "cpu"`` holds, and
        ``x.device.type`` is ``"cpu"`` or ``"cuda"``). Interned per name: ``.device`` is read on hot paths."""
        name = backend.device_of(self.data)
        dev = Tensor._devices.get(name)
        if dev is None:
            from .devices import device
            dev = Tensor._devices[name] = device(name)
        return dev

    @property
    def is_leaf(self) -> bool:
        return self._node is None

    @property
    def grad_fn(self):
        """The graph node that made this tensor, as PyTorch's (None for leaves): its ``name()``
        (``MulBackward0``), its ``next_functions`` to walk the graph, and ``fn``, the op's Function
        (:mod:`minigan.grad_fn`)."""
        if self._node is None:
            return None
        from .grad_fn import BackwardNode
        return BackwardNode(self._node)

    @property
    def T(self) -> "Tensor":
        return self.transpose()

    def size(self, dim: int | None = None):
        """The shape (``x.size()``) or the length of one dimension (``x.size(0)``, ``x.size(-1)``), as in
        PyTorch. The number of elements is ``numel()`` (NumPy's ``a.size``)."""
        if dim is None:
            return self.shape
        if self.ndim == 0:
            raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
        if not -self.ndim <= dim < self.ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-self.ndim}, {self.ndim - 1}], "
                             f"but got {dim})")
        return self.shape[dim]

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self):
        """The rows ``x[0], x[1], ...`` as tensors (recorded like any indexing, so gradients flow back)."""
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.shape[0]))

    def numel(self) -> int:
        return int(self.data.size)

    def dim(self) -> int:
        return self.ndim

    # ----------------------------------------------------------------- conversions
    def numpy(self) -> np.ndarray:
        """A host NumPy copy of the data (never a view that autograd depends on)."""
        return np.array(backend.to_numpy(self.data), copy=True)

    def item(self):
        if self.numel() != 1:
            raise ValueError(f"item(): only a tensor with one element can be converted, got shape {self.shape}")
        return backend.to_numpy(self.data).reshape(()).item()

    def tolist(self):
        return backend.to_numpy(self.data).tolist()

    def detach(self) -> "Tensor":
        """The same data, cut from the graph (shares memory, like PyTorch)."""
        out = Tensor.__new__(Tensor)
        out.data, out.grad, out._node, out._out_index = self.data, None, None, 0
        out._version_counter, out.requires_grad = self._version_counter, False  # one memory, one counter
        return out

    def detach_(self) -> "Tensor":
        """Cut this tensor from the graph in place and return it, as PyTorch's ``detach_``: it becomes a leaf
        that does not require grad, keeping its memory and version counter. A graph already built on it
        still backpropagates through the old node to the leaves below. (PyTorch refuses on a view such as
        ``x[0:2]``; minigan, which never rebases a view onto its base, detaches it like any tensor.)"""
        if self._node is not None and self._node.retained:
            self._node.retained.pop(self._out_index, None)   # retain_grad() no longer applies
        self._node, self._out_index, self.requires_grad = None, 0, False
        return self

    def clone(self, *, memory_format=None) -> "Tensor":
        """A copy in memory of its own, with its own version counter, recorded for autograd (the gradient
        flows back to self unchanged), as PyTorch's ``clone``. The copy keeps self's layout where it is dense
        (``memory_format`` None or ``mg.preserve_format``, PyTorch's default), else see minigan/memory_formats.py."""
        if memory_format is None and self.data.flags.c_contiguous and 1 not in self.data.shape:
            from .ops.shape import clone        # C order in (with no size-1 dim's stride to keep): a plain copy
            return clone(self)
        from .memory_formats import clone
        return clone(self, memory_format)

    def contiguous(self, memory_format=None) -> "Tensor":
        """Self if its data is C-contiguous (row-major, no gaps), else a C-contiguous ``clone()``, as PyTorch's
        ``contiguous``. ``x.T`` and ``x[:, ::2]`` look into their base's memory in another order.
        ``memory_format=mg.channels_last``: the same in that format (minigan/memory_formats.py)."""
        if memory_format is None and self.data.flags.c_contiguous:
            return self
        from .memory_formats import contiguous
        return contiguous(self, memory_format)

    def is_floating_point(self) -> bool:
        """Whether the dtype is a float one (float16, float32, float64), as PyTorch's ``is_floating_point``."""
        return self.data.dtype.kind in _FLOAT_KINDS

    def to(self, device=None, dtype=None, *, memory_format=None) -> "Tensor":
        """A copy on another device and/or dtype, recorded for autograd (gradients flow back); with
        ``memory_format`` (``mg.channels_last``...) laid out in it, as PyTorch's (minigan/memory_formats.py)."""
        from .ops.shape import to_device_op
        if isinstance(device, (type, np.dtype)) and dtype is None:
            device, dtype = None, device
        out = self
        if device is not None:
            dev = backend.normalize_device(device)
            if dev != self.device:
                out = to_device_op(out, dev)
        if dtype is not None and np.dtype(dtype) != out.dtype:
            from .ops.shape import astype
            out = astype(out, dtype)
        if memory_format is not None:
            from .memory_formats import to_format
            return to_format(self, out, memory_format)
        return out

    def cpu(self) -> "Tensor":
        return self.to("cpu")

    def cuda(self) -> "Tensor":
        return self.to("cuda")

    def float(self) -> "Tensor":
        return self.to(dtype=np.float32)

    def double(self) -> "Tensor":
        return self.to(dtype=np.float64)

    def half(self) -> "Tensor":
        return self.to(dtype=np.float16)

    def long(self) -> "Tensor":
        return self.to(dtype=np.int64)

    def int(self) -> "Tensor":
        return self.to(dtype=np.int32)

    def bool(self) -> "Tensor":
        return self.to(dtype=np.bool_)

    def astype(self, dtype) -> "Tensor":
        return self.to(dtype=dtype)

    # ----------------------------------------------------------------- autograd
    def requires_grad_(self, flag: bool = True) -> "Tensor":
        if flag and self.data.dtype.kind not in _FLOAT_KINDS:
            raise TypeError(f"only floating-point tensors can require gradients, got dtype {self.data.dtype}")
        if not flag and self._node is not None:
            raise RuntimeError("requires_grad_(False) on a non-leaf tensor: use detach() instead")
        self.requires_grad = bool(flag)
        return self

    def retain_grad(self) -> None:
        """Keep ``grad`` on this non-leaf tensor after backward (leaves always keep theirs)."""
        if self._node is not None:
            import weakref
            if self._node.retained is None:
                self._node.retained = {}
            self._node.retained[self._out_index] = weakref.ref(self)

    def register_hook(self, hook) -> "RemovableHandle":
        """Call ``hook(grad)`` with this tensor's gradient each time a backward pass computes it, as PyTorch's
        ``register_hook``: to look at how a gradient flows (``x.register_hook(print)``), or to change it (a
        Tensor returned replaces the gradient; None leaves it). A leaf's hooks see its summed gradient before
        it is added to ``.grad``. Returns a handle whose ``remove()`` takes the hook off again."""
        if not self.requires_grad:
            raise RuntimeError("register_hook: cannot register a hook on a tensor that doesn't require gradient")
        if self._node is None:
            hooks = self.__dict__.setdefault("_hooks", [])
        else:
            if self._node.hooks is None:
                self._node.hooks = {}
            hooks = self._node.hooks.setdefault(self._out_index, [])
        hooks.append(hook)
        return RemovableHandle(hooks, hook)

    def backward(self, gradient: Any = None, retain_graph: bool | None = None, create_graph: bool = False,
                 inputs=None, *, grad: Any = None) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` (summing with what is there), as PyTorch's
        ``backward``. ``gradient`` (or ``grad``): d(loss)/d(self), needed unless self has one element.
        ``retain_graph`` (default: ``create_graph``) keeps the graph for another backward; ``create_graph``
        records the backward so the gradients can be differentiated again; ``inputs`` (a Tensor or a list)
        limits the accumulation to those tensors, leaves or not."""
        if gradient is not None and grad is not None:
            raise TypeError("backward(): give the gradient once, as gradient= (PyTorch's name) or grad=")
        gradient = grad if gradient is None else gradient
        if not self.requires_grad:
            raise RuntimeError("backward(): this tensor does not require grad and has no graph "
                               "(was it computed under no_grad, or from inputs without requires_grad?)")
        if gradient is None:
            if self.numel() != 1:
                raise RuntimeError(f"backward(): grad can be implicitly created only for a scalar output, "
                                   f"but this tensor has shape {self.shape}; pass gradient=")
            gradient = Tensor(backend.xp_of(self.data).ones_like(self.data))
        else:
            gradient = _grad_like(gradient, self, "backward")
        _backward_from([self], [gradient], retain_graph, create_graph, inputs)

    def zero_(self) -> "Tensor":
        self._check_inplace("zero_")
        self.data[...] = 0
        self._bump_version()
        return self

    def fill_(self, value) -> "Tensor":
        self._check_inplace("fill_")
        self.data[...] = value
        self._bump_version()
        return self

    def copy_(self, src) -> "Tensor":
        self._check_inplace("copy_")
        src = src.data if isinstance(src, Tensor) else src
        xp = backend.xp_of(self.data)
        if backend.device_of(src) != self.device:
            src = backend.to_device(src, self.device)
        self.data[...] = xp.asarray(src, dtype=self.dtype)
        self._bump_version()
        return self

    def _check_inplace(self, what: str) -> None:
        if self.requires_grad and self._node is None and is_grad_enabled():
            raise RuntimeError(f"{what}: a leaf Variable that requires grad is being used in an in-place "
                               "operation; wrap the change in `with mg.no_grad():`")
        if self._node is not None and is_grad_enabled():
            # In-place changes are not recorded in the graph, so backward would silently differentiate
            # the values from before the change.
            raise RuntimeError(f"{what}: this tensor was computed by {_op_name(self._node.fn)} and is part of "
                               "the graph; an in-place change is not recorded, so its gradient would be wrong. "
                               "Build a new tensor instead (y = y + 1, mg.where, mg.concatenate, ...)")

    @property
    def _version(self) -> int:
        """How many in-place changes this tensor's memory has seen (shared with its views and detach())."""
        return self._version_counter.value

    def _bump_version(self) -> None:
        """Record an in-place change, so backward can detect saved tensors that were modified."""
        self._version_counter.value += 1

    def __setitem__(self, index, value) -> None:
        self._check_inplace("__setitem__")
        if isinstance(index, Tensor):
            index = index.data
        self.data[index] = value.data if isinstance(value, Tensor) else value
        self._bump_version()

    # ----------------------------------------------------------------- in-place arithmetic
    # ``w -= lr * w.grad`` changes w's memory, as in PyTorch, when nothing has to be recorded: under
    # no_grad, or when no operand requires grad. minigan records no in-place operation in the graph, so
    # while recording, a leaf that requires grad refuses (PyTorch's rule too). Where PyTorch would record an
    # in-place operation, a tensor computed by the graph (``loss += penalty``) or one that does not require
    # grad beside an operand that does, ``x += y`` computes ``x + y`` out of place and Python rebinds the
    # name x to that new tensor: the gradients are PyTorch's, though other names for the old x do not see
    # the change. ``x.add_(y)`` cannot rebind its caller's name, so there it refuses (see _check_inplace).
    _INPLACE_UFUNCS = {"add": "add", "sub": "subtract", "mul": "multiply", "div": "true_divide"}

    def add_(self, o): return self._arith_inplace("add", o, "add_")
    def sub_(self, o): return self._arith_inplace("sub", o, "sub_")
    def mul_(self, o): return self._arith_inplace("mul", o, "mul_")
    def div_(self, o): return self._arith_inplace("div", o, "div_")
    def __iadd__(self, o): return self._arith_operator_inplace("add", o, "+=")
    def __isub__(self, o): return self._arith_operator_inplace("sub", o, "-=")
    def __imul__(self, o): return self._arith_operator_inplace("mul", o, "*=")
    def __itruediv__(self, o): return self._arith_operator_inplace("div", o, "/=")

    def _arith_operator_inplace(self, op: str, o, label: str) -> "Tensor":
        """``self op= o``: in place (returning self), or the new tensor ``self op o`` where the change would
        have to be recorded and self is not a leaf that requires grad (Python then rebinds the name to it)."""
        if is_grad_enabled() and (self._node is not None
                                  or (not self.requires_grad and isinstance(o, Tensor) and o.requires_grad)):
            return getattr(_ops(), op)(self, o)
        return self._arith_inplace(op, o, label)

    def _arith_inplace(self, op: str, o, label: str) -> "Tensor":
        """Write ``self op o`` into ``self.data``. The result must keep self's shape (``o`` broadcasts to
        self, never self to ``o``) and is cast to self's dtype, which may not be of a lower kind (a float
        result does not go into an integer tensor), as in PyTorch."""
        self._check_inplace(label)
        if isinstance(o, Tensor):
            if o.requires_grad and is_grad_enabled():
                raise RuntimeError(f"{label}: the other operand requires grad but this tensor does not, and "
                                   "minigan records no in-place operation; build a new tensor (x = x + y)")
            if o.device != self.device:
                raise RuntimeError(f"{label}: expected both tensors on the same device, got {self.device} "
                                   f"and {o.device}")
            o = o.data
        ufunc = getattr(backend.xp_of(self.data), self._INPLACE_UFUNCS[op])
        result = ufunc(self.data, o)
        if tuple(result.shape) != self.shape:
            raise RuntimeError(f"{label}: output with shape {list(self.shape)} doesn't match the broadcast "
                               f"shape {list(result.shape)}")
        if not _can_cast_inplace(result.dtype, self.dtype):
            raise RuntimeError(f"{label}: result type {result.dtype} can't be cast to the desired output "
                               f"type {self.dtype}")
        self.data[...] = result
        self._bump_version()
        return self

    # ----------------------------------------------------------------- printing
    def __repr__(self) -> str:
        from .settings import array2string_options   # mg.set_printoptions
        body = np.array2string(backend.to_numpy(self.data), separator=", ", prefix="tensor(",
                               **array2string_options())
        extra = []
        if self.device != "cpu":
            extra.append(f"device='{self.device}'")
        if _dtype_shown(self.dtype, self.numel() == 0):
            extra.append(f"dtype={self.dtype}")
        if self._node is not None:
            extra.append(f"grad_fn=<{self.grad_fn.name()}>")
        elif self.requires_grad:
            extra.append("requires_grad=True")
        return "tensor(" + body + "".join(", " + e for e in extra) + ")"

    def __bool__(self) -> bool:
        if self.numel() != 1:
            raise ValueError(f"the truth value of a tensor with shape {self.shape} is ambiguous")
        return bool(self.item())

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        """A one-element integer tensor used where Python wants an index: ``items[mg.tensor(1)]``,
        ``range(n)``, as in PyTorch."""
        if self.data.dtype.kind not in "iu" or self.numel() != 1:
            raise TypeError(f"only integer tensors of a single element can be converted to an index (got dtype "
                            f"{self.dtype}, shape {self.shape})")
        return int(self.item())

    def __format__(self, spec: str) -> str:
        """``f"{loss:.4f}"``: a 0-d tensor formats as its number, as in PyTorch; others only without a spec."""
        if self.ndim == 0:
            return format(self.item(), spec)
        if spec:
            raise TypeError(f"unsupported format string {spec!r} for a tensor of shape {self.shape}; format "
                            "its elements, or .item() of a one-element tensor")
        return str(self)

    def __hash__(self) -> int:  # tensors are hashable by identity (used as dict keys), as in PyTorch
        return id(self)

    def __array__(self, dtype=None, copy=None):
        arr = backend.to_numpy(self.data)
        return arr if dtype is None else arr.astype(dtype)

    # ----------------------------------------------------------------- operators and methods
    # Each is one line handing over to the differentiable op in minigan/ops/ (imported lazily, since
    # ops/ sits above this module): read the op's file to see its forward and backward.
    def __add__(self, o): return _ops().add(self, o)
    def __radd__(self, o): return _ops().add(o, self)
    def __sub__(self, o): return _ops().sub(self, o)
    def __rsub__(self, o): return _ops().sub(o, self)
    def __mul__(self, o): return _ops().mul(self, o)
    def __rmul__(self, o): return _ops().mul(o, self)
    def __truediv__(self, o): return _ops().div(self, o)
    def __rtruediv__(self, o): return _ops().div(o, self)
    def __pow__(self, o): return _ops().pow(self, o)
    def __rpow__(self, o): return _ops().pow(o, self)
    def __matmul__(self, o): return _ops().matmul(self, o)
    def __rmatmul__(self, o): return _ops().matmul(o, self)
    def __neg__(self): return _ops().neg(self)
    def __pos__(self): return self
    def __abs__(self): return _ops().abs(self)
    def __getitem__(self, index): return _ops().getitem(self, index)

    # Comparisons are not differentiable: they return boolean tensors with no graph.
    def _compare(self, o, op):
        o = o.data if isinstance(o, Tensor) else o
        if backend.is_array(o) and backend.device_of(o) != self.device:
            o = backend.to_device(o, self.device)
        return Tensor(op(self.data, o))
    def __lt__(self, o): return self._compare(o, lambda a, b: a < b)
    def __le__(self, o): return self._compare(o, lambda a, b: a <= b)
    def __gt__(self, o): return self._compare(o, lambda a, b: a > b)
    def __ge__(self, o): return self._compare(o, lambda a, b: a >= b)
    def eq(self, o): return self._compare(o, lambda a, b: a == b)
    def ne(self, o): return self._compare(o, lambda a, b: a != b)

    # ``==`` and ``!=`` are elementwise too, as in PyTorch, so ``x in list_of_tensors`` and
    # ``list.index(x)`` compare values: find a tensor among others by identity (``any(t is x for t in ts)``).
    # Anything that is not a number, an array or a tensor (None, a string) is simply not equal.
    def __eq__(self, o): return self.eq(o) if _is_operand(o) else NotImplemented
    def __ne__(self, o): return self.ne(o) if _is_operand(o) else NotImplemented

    # ``~ & | ^`` are bitwise on integer tensors and logical (not, and, or, xor) on bool tensors, so masks
    # combine as in PyTorch: ``(x > 0) & ~(x > 1)``. Like comparisons they have no gradient and return tensors
    # with no graph; the result's dtype is PyTorch's promotion of the two operands. A float operand is a
    # TypeError, as in PyTorch.
    def __invert__(self):
        if self.dtype.kind not in "biu":
            raise TypeError(f"~ (bitwise not) is only defined for bool and integer tensors, got dtype {self.dtype}; "
                            "for a float tensor, compare it first (~(x > 0))")
        return Tensor(~self.data)

    def _bitwise(self, o, name: str, symbol: str):
        if not _is_operand(o):
            return NotImplemented
        from .ops._util import result_type  # PyTorch's dtype promotion, kept with the ops
        dtype = result_type(self, o)
        if dtype.kind not in "biu":
            other = o.dtype if hasattr(o, "dtype") else type(o).__name__
            raise TypeError(f"{symbol} (bitwise {name}) is only defined for bool and integer tensors, got "
                            f"{self.dtype} and {other}")
        o = o.data if isinstance(o, Tensor) else o
        if backend.is_array(o) and backend.device_of(o) != self.device:
            o = backend.to_device(o, self.device)
        xp = backend.xp_of(self.data)
        ufunc = getattr(xp, f"bitwise_{name}")
        return Tensor(ufunc(self.data.astype(dtype, copy=False), xp.asarray(o, dtype=dtype)))

    def __and__(self, o): return self._bitwise(o, "and", "&")
    def __or__(self, o): return self._bitwise(o, "or", "|")
    def __xor__(self, o): return self._bitwise(o, "xor", "^")
    __rand__, __ror__, __rxor__ = __and__, __or__, __xor__   # each is symmetric in its operands


def _ops():
    from . import ops
    return ops


def _is_operand(o) -> bool:
    """Whether ``o`` can stand on the other side of an elementwise comparison with a tensor."""
    return isinstance(o, (Tensor, numbers.Number, np.generic)) or backend.is_array(o)


# --------------------------------------------------------------------------- public helpers
def tensor(data: Any, requires_grad: bool = False, device=None, dtype=None) -> Tensor:
    """Make a leaf tensor (a copy of ``data``), like ``torch.tensor``.

    >>> x = tensor([[1.0, 2.0]], requires_grad=True)   # float32, like PyTorch
    """
    arr = _as_array(data, dtype=dtype, device=_made_on(data, device))
    if arr is (data.data if isinstance(data, Tensor) else data):
        arr = arr.copy()
    return Tensor(arr, requires_grad=requires_grad)


def _made_on(data: Any, device) -> str | None:
    """The device :func:`tensor` and :func:`as_tensor` put ``data`` on: ``device`` if given; else the default
    device (``mg.set_default_device``) for data held by no device (lists, numbers, NumPy arrays, as PyTorch puts
    them there); else None, which leaves a Tensor's or a CuPy array's data where it is."""
    from .settings import creation_device, get_default_device
    if device is not None:
        return creation_device(device)
    held = isinstance(data, Tensor) or (backend.is_array(data) and not isinstance(data, np.ndarray))
    return None if held or get_default_device() == "cpu" else get_default_device()


def is_tensor(obj: Any) -> bool:
    """Whether ``obj`` is a minigan Tensor (a Parameter is one), as ``torch.is_tensor``."""
    return isinstance(obj, Tensor)


def as_tensor(data: Any, device=None, dtype=None) -> Tensor:
    """``data`` itself if it is already a Tensor of that device/dtype, else a new tensor (no copy when possible)."""
    if isinstance(data, Tensor) and (device is None or backend.normalize_device(device) == data.device) \
            and (dtype is None or np.dtype(dtype) == data.dtype):
        return data
    return Tensor(_as_array(data, dtype=dtype, device=_made_on(data, device)))


# Function and the graph (minigan/function.py), and the backward pass (minigan/backward.py), need Tensor
from .function import Context, Function, Node, _op_name  # noqa: E402,F401
from .backward import (RemovableHandle, _accumulate_grad, _backward_from, _grad_like, _run_backward,  # noqa: E402,F401
                       backward, grad)
