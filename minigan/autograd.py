"""Tensor, Function and the backward pass.

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

from typing import Any

import numpy as np

from . import backend
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled  # noqa: F401

__all__ = ["Tensor", "Function", "Context", "tensor", "no_grad", "enable_grad", "is_grad_enabled",
           "set_grad_enabled", "grad", "as_tensor"]


# --------------------------------------------------------------------------- dtypes
_FLOAT_KINDS = "f"


def _default_float():
    return np.float32


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
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    elif arr.dtype == np.float64 and not isinstance(data, np.generic):
        arr = arr.astype(_default_float())
    elif arr.dtype.kind == "i":
        arr = arr.astype(np.int64, copy=False)
    if device is not None and device != "cpu":
        arr = backend.to_device(arr, device)
    return arr


# --------------------------------------------------------------------------- Tensor
class Tensor:
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
        self._version = 0
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
    def size(self) -> int:
        return int(self.data.size)

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def device(self) -> str:
        return backend.device_of(self.data)

    @property
    def is_leaf(self) -> bool:
        return self._node is None

    @property
    def grad_fn(self):
        """The Function class that made this tensor (None for leaves)."""
        return None if self._node is None else self._node.fn

    @property
    def T(self) -> "Tensor":
        return self.transpose()

    def __len__(self) -> int:
        return self.shape[0]

    def numel(self) -> int:
        return self.size

    def dim(self) -> int:
        return self.ndim

    # ----------------------------------------------------------------- conversions
    def numpy(self) -> np.ndarray:
        """A host NumPy copy of the data (never a view that autograd depends on)."""
        return np.array(backend.to_numpy(self.data), copy=True)

    def item(self):
        if self.size != 1:
            raise ValueError(f"item(): only a tensor with one element can be converted, got shape {self.shape}")
        return backend.to_numpy(self.data).reshape(()).item()

    def tolist(self):
        return backend.to_numpy(self.data).tolist()

    def detach(self) -> "Tensor":
        """The same data, cut from the graph (shares memory, like PyTorch)."""
        out = Tensor.__new__(Tensor)
        out.data, out.grad, out._node, out._out_index = self.data, None, None, 0
        out._version, out.requires_grad = 0, False
        return out

    def to(self, device=None, dtype=None) -> "Tensor":
        """A copy on another device and/or dtype, recorded for autograd (gradients flow back)."""
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
        return out

    def cpu(self) -> "Tensor":
        return self.to("cpu")

    def cuda(self) -> "Tensor":
        return self.to("cuda")

    def float(self) -> "Tensor":
        return self.to(dtype=np.float32)

    def double(self) -> "Tensor":
        return self.to(dtype=np.float64)

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

    def backward(self, grad: Any = None, retain_graph: bool = False, create_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` (summing with what is there)."""
        if not self.requires_grad:
            raise RuntimeError("backward(): this tensor does not require grad and has no graph "
                               "(was it computed under no_grad, or from inputs without requires_grad?)")
        if grad is None:
            if self.size != 1:
                raise RuntimeError(f"backward(): grad can be implicitly created only for a scalar output, "
                                   f"but this tensor has shape {self.shape}; pass grad=")
            grad = Tensor(backend.xp_of(self.data).ones_like(self.data))
        else:
            grad = _grad_like(grad, self, "backward")
        _run_backward([self], [grad], retain_graph or create_graph, create_graph, inputs=None)

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
            raise RuntimeError(f"{what}: a leaf tensor that requires grad is being modified in place while "
                               "recording; wrap the change in `with mg.no_grad():`")
        if self._node is not None and is_grad_enabled():
            # In-place changes are not recorded in the graph, so backward would silently differentiate
            # the values from before the change.
            raise RuntimeError(f"{what}: this tensor was computed by {_op_name(self._node.fn)} and is part of "
                               "the graph; an in-place change is not recorded, so its gradient would be wrong. "
                               "Build a new tensor instead (mg.where, mg.concatenate, ...)")

    def _bump_version(self) -> None:
        """Record an in-place change, so backward can detect saved tensors that were modified."""
        self._version += 1

    def __setitem__(self, index, value) -> None:
        self._check_inplace("__setitem__")
        if isinstance(index, Tensor):
            index = index.data
        self.data[index] = value.data if isinstance(value, Tensor) else value
        self._bump_version()

    # ----------------------------------------------------------------- printing
    def __repr__(self) -> str:
        body = np.array2string(backend.to_numpy(self.data), precision=4, separator=", ", threshold=50,
                               prefix="tensor(")
        extra = []
        if self.device != "cpu":
            extra.append(f"device='{self.device}'")
        if self.dtype != np.float32:
            extra.append(f"dtype={self.dtype}")
        if self._node is not None:
            extra.append(f"grad_fn=<{self._node.fn.__name__}>")
        elif self.requires_grad:
            extra.append("requires_grad=True")
        return "tensor(" + body + "".join(", " + e for e in extra) + ")"

    def __bool__(self) -> bool:
        if self.size != 1:
            raise ValueError(f"the truth value of a tensor with shape {self.shape} is ambiguous")
        return bool(self.item())

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

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

    def sum(self, axis=None, keepdims=False, dim=None): return _ops().sum(self, _dim(axis, dim), keepdims)
    def mean(self, axis=None, keepdims=False, dim=None): return _ops().mean(self, _dim(axis, dim), keepdims)
    def max(self, axis=None, keepdims=False, dim=None): return _ops().max(self, _dim(axis, dim), keepdims)
    def min(self, axis=None, keepdims=False, dim=None): return _ops().min(self, _dim(axis, dim), keepdims)
    def var(self, axis=None, keepdims=False, correction=1, dim=None):
        return _ops().var(self, _dim(axis, dim), keepdims, correction)
    def std(self, axis=None, keepdims=False, correction=1, dim=None):
        return _ops().std(self, _dim(axis, dim), keepdims, correction)
    def argmax(self, axis=None, dim=None): return _ops().argmax(self, _dim(axis, dim))
    def reshape(self, *shape): return _ops().reshape(self, *shape)
    def view(self, *shape): return _ops().reshape(self, *shape)
    def permute(self, *axes): return _ops().permute(self, *axes)
    def transpose(self, dim0=None, dim1=None): return _ops().transpose(self, dim0, dim1)
    def flatten(self, start_dim=0, end_dim=-1): return _ops().flatten(self, start_dim, end_dim)
    def unsqueeze(self, axis): return _ops().unsqueeze(self, axis)
    def squeeze(self, axis=None): return _ops().squeeze(self, axis)
    def expand(self, *shape):
        shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        return _ops().broadcast_to(self, shape)
    def exp(self): return _ops().exp(self)
    def log(self): return _ops().log(self)
    def sqrt(self): return _ops().sqrt(self)
    def abs(self): return _ops().abs(self)
    def clip(self, min=None, max=None): return _ops().clip(self, min, max)  # noqa: A002
    clamp = clip
    def relu(self): return _ops().relu(self)
    def sigmoid(self): return _ops().sigmoid(self)
    def tanh(self): return _ops().tanh(self)
    def matmul(self, o): return _ops().matmul(self, o)


def _ops():
    from . import ops
    return ops


def _dim(axis, dim):
    """PyTorch says ``dim``, NumPy says ``axis``: minigan accepts either."""
    return axis if dim is None else dim


# --------------------------------------------------------------------------- Function and graph
class Context:
    """What a Function's forward leaves for its backward: ``ctx.save_for_backward(...)`` and any
    attributes it sets (``ctx.stride = ...``)."""

    def __init__(self) -> None:
        self._saved: tuple = ()
        self._saved_versions: tuple = ()
        self.needs_input_grad: tuple[bool, ...] = ()
        self._freed = False

    def save_for_backward(self, *arrays_or_tensors) -> None:
        """Keep inputs/outputs for backward. Pass the arrays ``forward`` received or returned; the
        backward sees them as Tensors connected to the graph, so it can be differentiated again."""
        self._saved = arrays_or_tensors

    @property
    def saved_tensors(self) -> tuple["Tensor", ...]:
        if self._freed:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or to use saved tensors after they were "
                "freed). Pass retain_graph=True to the first backward() if you need to do this.")
        for t, v in zip(self._saved, self._saved_versions):
            if t is not None and t._version != v:
                raise RuntimeError(
                    f"a tensor of shape {t.shape} needed for gradient computation was modified in place "
                    f"(it is at version {t._version}, expected {v}); compute on a copy instead")
        return self._saved


class Node:
    """One recorded Function call: the Function, its context, and where each input came from."""

    __slots__ = ("fn", "ctx", "edges", "out_meta", "retained", "__weakref__")

    def __init__(self, fn, ctx, edges, out_meta) -> None:
        self.retained = None        # {output index: weakref to a tensor that asked for retain_grad()}
        self.fn = fn
        self.ctx = ctx
        self.edges = edges          # per Tensor input: a Node-output pair (node, index), a leaf Tensor, or None
        self.out_meta = out_meta    # per output: (shape, dtype) to build zero gradients


class Function:
    """Base class of differentiable operations.

    Subclasses define two static methods::

        forward(ctx, *args, **kwargs) -> array | tuple of arrays   # raw arrays in, raw arrays out
        backward(ctx, *grad_outputs) -> Tensor | None | tuple       # Tensors in, written in minigan ops

    and are called as ``MyFunction.apply(*args, **kwargs)``. Tensor arguments reach ``forward`` as
    their arrays; everything else (ints, tuples, strings) passes through unchanged. ``backward``
    returns one gradient per Tensor argument, in order (None for those that need none).
    """

    differentiable_outputs = True

    @staticmethod
    def forward(ctx, *args, **kwargs):  # pragma: no cover - abstract
        raise NotImplementedError

    @staticmethod
    def backward(ctx, *grad_outputs):  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def apply(cls, *args, **kwargs):
        tensors = [a for a in args if isinstance(a, Tensor)]
        device = None
        for t in tensors:
            d = backend.device_of(t.data)
            if device is None:
                device = d
            elif d != device:
                shapes = ", ".join(f"{tuple(x.shape)} on {x.device}" for x in tensors)
                raise RuntimeError(f"{_op_name(cls)}: expected all tensors on the same device, got {shapes}")
        raw = [a.data if isinstance(a, Tensor) else a for a in args]
        ctx = Context()
        record = is_grad_enabled() and any(t.requires_grad for t in tensors)
        ctx.needs_input_grad = tuple(t.requires_grad for t in tensors)
        out = cls.forward(ctx, *raw, **kwargs)
        single = not isinstance(out, tuple)
        outs = (out,) if single else out
        results = tuple(_wrap_output(o) for o in outs)
        if record and cls.differentiable_outputs:
            edges = []
            for t in tensors:
                if not t.requires_grad:
                    edges.append(None)
                elif t._node is None:
                    edges.append(t)
                else:
                    edges.append((t._node, t._out_index))
            meta = tuple((r.data.shape, r.data.dtype) for r in results)
            node = Node(cls, ctx, tuple(edges), meta)
            for i, r in enumerate(results):
                if r.data.dtype.kind in _FLOAT_KINDS:
                    r._node, r._out_index, r.requires_grad = node, i, True
            _resolve_saved(ctx, args, raw, outs, results)
        else:
            ctx._saved = ()
        return results[0] if single else results


def _op_name(cls) -> str:
    return getattr(cls, "op_name", None) or cls.__name__


def _wrap_output(a) -> Tensor:
    t = Tensor.__new__(Tensor)
    t.data = a if backend.is_array(a) else np.asarray(a)
    t.grad, t._node, t._out_index, t._version, t.requires_grad = None, None, 0, 0, False
    return t


def _resolve_saved(ctx, args, raw, outs, results) -> None:
    """Map the arrays given to save_for_backward back to the Tensors they belong to."""
    if not ctx._saved:
        return
    by_id: dict[int, Tensor] = {}
    for a, r in zip(args, raw):
        if isinstance(a, Tensor):
            by_id.setdefault(id(r), a)
    for o, r in zip(outs, results):
        by_id.setdefault(id(o), r)
    saved = []
    for s in ctx._saved:
        if s is None or isinstance(s, Tensor):
            saved.append(s)
        elif id(s) in by_id:
            saved.append(by_id[id(s)])
        else:  # an intermediate array: a constant for the backward graph
            saved.append(_wrap_output(s))
    ctx._saved = tuple(saved)
    ctx._saved_versions = tuple(None if s is None else s._version for s in saved)


# --------------------------------------------------------------------------- public helpers
def tensor(data: Any, requires_grad: bool = False, device=None, dtype=None) -> Tensor:
    """Make a leaf tensor (a copy of ``data``), like ``torch.tensor``.

    >>> x = tensor([[1.0, 2.0]], requires_grad=True)   # float32, like PyTorch
    """
    dev = backend.normalize_device(device) if device is not None else None
    arr = _as_array(data, dtype=dtype, device=dev)
    if arr is (data.data if isinstance(data, Tensor) else data):
        arr = arr.copy()
    return Tensor(arr, requires_grad=requires_grad)


def as_tensor(data: Any, device=None, dtype=None) -> Tensor:
    """``data`` itself if it is already a Tensor of that device/dtype, else a new tensor (no copy when possible)."""
    if isinstance(data, Tensor) and (device is None or backend.normalize_device(device) == data.device) \
            and (dtype is None or np.dtype(dtype) == data.dtype):
        return data
    dev = backend.normalize_device(device) if device is not None else None
    return Tensor(_as_array(data, dtype=dtype, device=dev))


from .backward import _grad_like, _run_backward, grad  # noqa: E402,F401  (the engine needs Tensor)
