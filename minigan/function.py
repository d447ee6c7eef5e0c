"""Function and the graph it records: a differentiable operation's ``forward`` (on raw arrays) and ``backward``
(in minigan's own ops), the :class:`Context` that carries what the forward saved, and the :class:`Node` each
call leaves in the graph for :mod:`minigan.backward` to walk. The Tensor itself is in :mod:`minigan.autograd`.
"""
from __future__ import annotations

import numpy as np

from . import anomaly_mode, backend, saved_tensor_hooks
from . import profiler_hook  # mg.profiler: its recorder, None unless a profiler records
from .autograd import _FLOAT_KINDS, Tensor, _VersionCounter, is_grad_enabled, no_grad
from .function_api import (ContextMarks, bind_inputs, non_differentiable_outputs, once_differentiable, resolve_vjp,
                           take_dirty)

__all__ = ["Function", "Context", "Node", "once_differentiable"]


class Context(ContextMarks):
    """What a Function's forward leaves for its backward: ``ctx.save_for_backward(...)``, any attributes it
    sets (``ctx.stride = ...``), and the marks of :class:`~minigan.function_api.ContextMarks`
    (``mark_non_differentiable``, ``set_materialize_grads``, ``mark_dirty``)."""

    def __init__(self) -> None:
        self._saved: tuple = ()
        self._saved_versions: tuple = ()
        self.needs_input_grad: tuple[bool, ...] = ()
        self._freed = False
        self._n_args, self._tensor_positions = 0, ()   # set where some arguments are not Tensors

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
        if isinstance(self._saved, saved_tensor_hooks.Packed):       # kept by mg.autograd.graph's hooks
            return self._saved.unpack()
        for t, v in zip(self._saved, self._saved_versions):
            if t is not None and t._version != v:
                raise RuntimeError(
                    f"a tensor of shape {t.shape} needed for gradient computation was modified in place "
                    f"(it is at version {t._version}, expected {v}); compute on a copy instead")
        return self._saved


class Node:
    """One recorded Function call: the Function, its context, and where each input came from."""

    __slots__ = ("fn", "ctx", "edges", "out_meta", "retained", "hooks", "node_hooks", "stack", "__weakref__")

    def __init__(self, fn, ctx, edges, out_meta) -> None:
        self.stack = anomaly_mode.forward_stack() if anomaly_mode._enabled else None   # mg.autograd.detect_anomaly
        self.retained = None        # {output index: weakref to a tensor that asked for retain_grad()}
        self.hooks = None           # {output index: [hooks of that output tensor]} (Tensor.register_hook)
        self.node_hooks = None      # {"pre": [...], "post": [...]}: grad_fn.register_prehook / register_hook
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
    returns one gradient per Tensor argument, in order (None for those that need none), or, as PyTorch's
    Functions do, one per argument (None for the ones that are not Tensors). ``ctx.needs_input_grad`` has
    one flag per Tensor argument. ``vjp`` is another name for ``backward``: define either one.

    **The setup_context style** (PyTorch's too): ``forward`` takes no ctx, and ``setup_context`` fills it::

        class Scale(mg.Function):
            @staticmethod
            def forward(x, k=2.0):                  # raw arrays in, as above
                return x * k

            @staticmethod
            def setup_context(ctx, inputs, output):
                x, k = inputs                       # as given to apply, defaults filled in: x is the Tensor
                ctx.k = k

            @staticmethod
            def backward(ctx, g):
                return g * ctx.k, None              # one per input (or one per Tensor input)

    ``inputs`` holds the arguments as given to ``apply`` (Tensors stay Tensors, as in PyTorch, so
    ``ctx.save_for_backward(x)`` keeps the graph's own input); ``output`` is what ``forward`` returned (arrays,
    matched by identity, as in the ctx style). ``setup_context`` runs under ``no_grad``.

    **The context's methods**: ``ctx.save_for_backward(*arrays_or_tensors)`` and ``ctx.saved_tensors``;
    ``ctx.needs_input_grad``; ``ctx.mark_non_differentiable(*outputs)`` (outputs that do not require grad:
    indices, masks; their gradient reaches backward as zeros); ``ctx.set_materialize_grads(False)`` (an output
    that got no gradient reaches backward as None instead of zeros); ``ctx.mark_dirty(*inputs)`` (inputs changed
    in place and returned: allowed only where nothing is recorded). ``@once_differentiable`` on ``backward``
    marks one written on raw arrays: a second-order backward through it raises.
    """

    differentiable_outputs = True

    _setup_style = False                # forward without ctx, then setup_context (decided once, per class)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        resolve_vjp(cls, Function)
        cls._setup_style = cls.setup_context is not Function.setup_context

    @staticmethod
    def forward(ctx, *args, **kwargs):  # pragma: no cover - abstract
        raise NotImplementedError

    @staticmethod
    def setup_context(ctx, inputs, output):  # pragma: no cover - defined by Functions in that style
        raise NotImplementedError

    @staticmethod
    def backward(ctx, *grad_outputs):  # pragma: no cover - abstract
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "Function to use it with backward mode AD.")

    vjp = backward

    @classmethod
    def apply(cls, *args, **kwargs):
        if profiler_hook.recorder is not None and not profiler_hook.recorder.passing(cls):   # mg.profiler: time it
            return profiler_hook.recorder.record_apply(cls, args, kwargs)
        setup_style = cls._setup_style
        if setup_style:                 # inputs as PyTorch gives them to setup_context: defaults filled in
            args, kwargs = bind_inputs(cls, args, kwargs)
        positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        tensors = [args[i] for i in positions]
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
        if len(tensors) != len(args):   # for a backward that returns one gradient per argument, as PyTorch's
            ctx._n_args, ctx._tensor_positions = len(args), positions
        if setup_style:
            out = cls.forward(*raw, **kwargs)
            with no_grad():
                cls.setup_context(ctx, args, out)
        else:
            out = cls.forward(ctx, *raw, **kwargs)
        single = not isinstance(out, tuple)
        outs = (out,) if single else out
        results = tuple(_wrap_output(o) for o in outs)
        for r in results:  # an output that is a view of an input (x.T, x[0:1]) shares its version counter
            base = _sharing_memory(r.data, tensors)
            if base is not None:
                r._version_counter = base._version_counter
        if ctx._dirty:                  # ctx.mark_dirty: the inputs themselves come back
            results = take_dirty(cls, ctx, args, outs, results, record)
        constant = non_differentiable_outputs(cls, ctx, outs) if ctx._non_differentiable else ()   # ctx.mark_...
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
                if r.data.dtype.kind in _FLOAT_KINDS and (not constant or i not in constant):
                    r._node, r._out_index, r.requires_grad = node, i, True
            _resolve_saved(ctx, args, raw, outs, results)
        else:
            ctx._saved = ()
        return results[0] if single else results


class DelayedError(Function):
    """Where a ``@once_differentiable`` backward's result joins a recorded graph: the identity forward, and a
    backward that refuses, so a second-order backward through that backward raises (PyTorch's words)."""

    @staticmethod
    def forward(ctx, a):
        return a

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError("trying to differentiate twice a function that was marked with @once_differentiable")


def _op_name(cls) -> str:
    return getattr(cls, "op_name", None) or cls.__name__


def _wrap_output(a) -> Tensor:
    t = Tensor.__new__(Tensor)
    t.data = a if backend.is_array(a) else np.asarray(a)
    t.grad, t._node, t._out_index, t.requires_grad = None, None, 0, False
    t._version_counter = _VersionCounter()
    return t


def _sharing_memory(a, tensors) -> Tensor | None:
    """The first of ``tensors`` whose memory array ``a`` may look into, else None.

    A NumPy or CuPy view names the array that owns its memory as its ``base``, so the usual cases (the
    input itself, ``x.T``, ``x[0:1]``, ``x.reshape(...)``) are found by identity. An array that owns its
    memory, or a view of one, is none of the tensors' arrays and cannot overlap them. Only an array resting
    on some other memory (a strided view's helper object) gets the address-range check."""
    owner = a if a.base is None else a.base
    for t in tensors:
        if owner is t.data or owner is t.data.base:
            return t
    if a.base is None or getattr(owner, "base", False) is None:   # a view of an array that owns its memory,
        return None                                                # and none of the tensors' memory
    for t in tensors:
        if backend.may_share_memory(a, t.data):
            return t
    return None


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
            const = _wrap_output(s)
            base = _sharing_memory(const.data, [a for a in args if isinstance(a, Tensor)] + list(results))
            if base is not None:  # a view of an input or output: a change to that one must be caught too
                const._version_counter = base._version_counter
            saved.append(const)
    ctx._saved = tuple(saved)
    ctx._saved_versions = tuple(None if s is None else s._version for s in saved)
    hooks = saved_tensor_hooks.current()
    if hooks is not None:                       # mg.autograd.graph.saved_tensors_hooks: the graph keeps the packed
        ctx._saved = saved_tensor_hooks.Packed(ctx._saved, hooks)
