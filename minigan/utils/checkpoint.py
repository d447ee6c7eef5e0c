"""Gradient checkpointing (``torch.utils.checkpoint``): memory traded for compute.

A plain forward pass keeps, in its graph, every intermediate array some backward will need: the input of each
linear layer, each ReLU's mask, each batch norm's normalised activations. For a deep network those arrays,
not the weights, fill the memory. :func:`checkpoint` runs a *segment* of the network without recording::

    y = checkpoint(block, x, use_reentrant=False)      # block's activations are freed at once

so its intermediate arrays are dropped as soon as its forward is done: the graph keeps one node for the whole
segment, holding only the segment's inputs. When the backward reaches that node, the segment's forward runs again,
recorded, from the saved inputs, and the incoming gradients flow through the fresh graph into the inputs and into
every parameter the segment used. The price: one more forward of each checkpointed segment per step; the gain:
only the segments' boundaries and one segment's activations are alive at a time (``benchmarks/checkpoint_memory.py``
measures both). :func:`checkpoint_sequential` cuts a Sequential into segments.

How minigan records it: one :class:`~minigan.function.Function`, ``_Checkpoint``, whose node stands for the
whole segment. The segment's forward runs once, recorded, on detached copies of its Tensor arguments; the leaves
its graph reaches are exactly the tensors it used besides its arguments (a Module's parameters, a tensor in a
closure), and that graph, with every intermediate array, is let go at once: only the outputs' values are kept.
The node's edges are the Tensor arguments and those leaves. Its ``backward`` runs the segment again, recorded,
and calls :func:`minigan.grad` on the recomputed outputs. Because the parameters are edges of the node, a
backward accumulates their gradients into ``.grad`` as a plain backward does, ``mg.grad(loss, [weight])`` returns
them without touching ``.grad``, and ``loss.backward(inputs=[...])`` and gradient hooks behave as usual. At its
peak the forward holds one segment's activations, as the backward's recomputation does.

The random state (``preserve_rng_state=True``) is snapshot before the forward and put back for the
recomputation (:func:`minigan.backend.rng_states`), so dropout drops the same units both times; the caller's
generators are restored afterwards, so the random stream goes on as it would without checkpointing. Batch norm
in training mode updates its running statistics in both runs, twice per step, exactly as PyTorch's checkpoint
does. The graphs recorded only to be let go (the first forward, the recomputation) are made without the user's
saved-tensor hooks (:mod:`minigan.saved_tensor_hooks`): those see what the checkpoint node itself keeps.
"""
from __future__ import annotations

import contextlib
import warnings

from .. import backend, saved_tensor_hooks
from ..autograd import Tensor
from ..backward import grad as _grad, graph_nodes
from ..function import Function
from ..grad_mode import is_grad_enabled, no_grad, set_grad_enabled

__all__ = ["checkpoint", "checkpoint_sequential", "CheckpointError", "noop_context_fn"]


class CheckpointError(RuntimeError):
    """The recomputation of a checkpointed segment disagreed with its forward (``determinism_check``)."""


def noop_context_fn():
    """The default ``context_fn``: two context managers that do nothing (forward, recomputation)."""
    return contextlib.nullcontext(), contextlib.nullcontext()


_REENTRANT_WARNING = (
    "minigan.utils.checkpoint: the use_reentrant parameter should be passed explicitly. use_reentrant=False is "
    "recommended, but if you need to preserve the current default behavior, you can pass use_reentrant=True. "
    "Refer to docs for more details on the differences between the two variants.")


def checkpoint(function, *args, use_reentrant: bool | None = None, context_fn=noop_context_fn,
               determinism_check: str = "default", debug: bool = False, early_stop: bool = True, **kwargs):
    """``function(*args, **kwargs)``, run without keeping its intermediate activations: they are recomputed in
    the backward pass (``torch.utils.checkpoint.checkpoint``). The values and the gradients of the inputs and of
    the parameters are those of the plain call; the graph holds one node for the whole call.

    - ``preserve_rng_state`` (a keyword, default True): restore the random state of the forward for the
      recomputation, so dropout draws the same mask; False skips the snapshot (faster, different masks).
    - ``use_reentrant``: both values run the same recomputing Function in minigan (its engine has no reentrant
      backward), so ``mg.grad`` and ``backward(inputs=...)`` work with either. True keeps the reentrant variant's
      rules from PyTorch: no ``**kwargs`` for ``function`` (ValueError), no ``context_fn``/``debug``, no
      determinism check, and, where no Tensor argument requires grad, a warning ("None of the inputs have
      requires_grad=True. Gradients will be None") and outputs without a graph: the segment's parameters then get
      no gradient. False (recommended) records the segment whenever some tensor it uses requires grad.
      None warns, as PyTorch 2.13 does, and means True.
    - ``context_fn``: returns two context managers; the forward runs inside the first, the recomputation inside
      the second.
    - ``determinism_check``: ``"default"`` compares the shape, dtype and device of each recomputed output with
      the forward's and raises :class:`CheckpointError` where they differ; ``"none"`` skips it. ``debug=True``
      adds the function's name and all outputs' metadata to that error. ``early_stop`` is accepted and has no
      effect: minigan always recomputes the whole function.

    Outputs: a Tensor, or a tuple/list of Tensors and other values (returned as they are). Every floating-point
    output requires grad, as with PyTorch's reentrant variant (an output the plain run would not record gets a
    zero gradient). ``create_graph=True`` works: the recomputation then runs from the saved inputs themselves, so
    the gradient is differentiable again (gradient penalties, ``mg.gradgradcheck``)."""
    if use_reentrant is None:
        warnings.warn(_REENTRANT_WARNING, stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs and use_reentrant:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))
    if use_reentrant:
        if context_fn is not noop_context_fn or debug is not False:
            raise ValueError("Passing `context_fn` or `debug` is only supported when use_reentrant=False.")
        determinism_check = "none"
    elif debug and context_fn is not noop_context_fn:
        raise ValueError("debug=True is incompatible with non-default context_fn")
    if determinism_check not in ("default", "none"):
        raise ValueError(f"determinism_check should be one of ['default', 'none'], but got {determinism_check}")
    inputs = [a for a in args if isinstance(a, Tensor)] + [v for v in kwargs.values() if isinstance(v, Tensor)]
    if use_reentrant and not any(t.requires_grad for t in inputs):
        warnings.warn("None of the inputs have requires_grad=True. Gradients will be None", stacklevel=2)
        with no_grad():
            return function(*args)
    if not is_grad_enabled():
        return function(*args, **kwargs)
    run = _Segment(function, args, kwargs, inputs, preserve, context_fn, determinism_check == "default", debug)
    outs, leaves = run.first_forward(inputs)
    if not any(t.requires_grad for t in inputs + leaves):
        return run.unflatten(outs)                # nothing to differentiate: nothing to recompute
    return run.unflatten(_Checkpoint.apply(run, *inputs, *leaves))


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """A Sequential (or a list of modules or functions) run on ``input``, cut into ``segments`` pieces of
    ``len(functions) // segments`` functions; every piece but the last is :func:`checkpoint`-ed, the last (which
    takes the remaining functions) runs as usual (``torch.utils.checkpoint.checkpoint_sequential``). Only
    ``preserve_rng_state`` is accepted among ``kwargs``; ``use_reentrant`` as in :func:`checkpoint` (with
    ``use_reentrant=True`` an input that does not require grad leaves the first piece's parameters without
    gradients, as in PyTorch: pass False)."""
    if use_reentrant is None:
        warnings.warn(_REENTRANT_WARNING.replace("checkpoint:", "checkpoint.checkpoint_sequential:"), stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))
    from ..nn.container import Sequential
    if isinstance(functions, Sequential):
        functions = list(functions.children())
    functions = list(functions)
    if not 1 <= int(segments) <= len(functions):
        raise ValueError(f"checkpoint_sequential: segments must be between 1 and the number of functions "
                         f"({len(functions)}), got {segments}")
    size = len(functions) // segments

    def run_piece(start, end):
        piece = functions[start:end]             # only its own modules in the closure: the node's edges

        def forward(x):
            for f in piece:
                x = f(x)
            return x
        return forward

    end = 0
    for start in range(0, size * (segments - 1), size):
        end = start + size
        input = checkpoint(run_piece(start, end), input, use_reentrant=use_reentrant, preserve_rng_state=preserve)
    return run_piece(end, len(functions))(input)


_TENSOR = object()      # where a Tensor argument goes, once the forward has run


class _Segment:
    """What one checkpoint call keeps for its backward: the function and its arguments (no intermediate
    arrays), the random state before the forward, and how to put the outputs back into their structure."""

    def __init__(self, function, args, kwargs, inputs, preserve, context_fn, check, debug) -> None:
        # the Tensor arguments' places are marked: the node's saved tensors keep them (freed after the backward)
        self.function, self.n_inputs = function, len(inputs)
        self.args = tuple(_TENSOR if isinstance(a, Tensor) else a for a in args)
        self.kwargs = {k: _TENSOR if isinstance(v, Tensor) else v for k, v in kwargs.items()}
        self.preserve, self.check, self.debug = preserve, check, debug
        self.forward_context, self.recompute_context = context_fn()
        self.devices = sorted({t.device for t in inputs} - {"cpu"})
        self.rng_state, self.structure, self.meta, self.outputs = None, None, (), None

    def first_forward(self, inputs: list[Tensor]) -> tuple[list[Tensor], list[Tensor]]:
        """The function on detached copies of ``inputs``, recorded: returns its output Tensors and the leaves
        requiring grad that its graph reaches besides the copies (the parameters it used), then lets the graph
        go. The outputs' arrays wait in ``outputs`` for :class:`_Checkpoint`'s forward."""
        copies = [t.detach().requires_grad_(t.requires_grad) for t in inputs]
        if self.preserve:
            self.rng_state = backend.rng_states(self.devices)
        with self.forward_context, saved_tensor_hooks.suspended():     # a graph to let go: not the user's hooks'
            outs = self.flatten(self.call(copies))
        self.devices = sorted(set(self.devices) | {t.device for t in outs} - {"cpu"})
        leaves = _leaves_of_dropped_graph(outs, copies)
        self.meta = tuple(_metadata(t) for t in outs)
        self.outputs = [t.data for t in outs]
        return [t.detach() for t in outs], leaves

    def call(self, inputs):
        """The function on ``inputs`` in place of the Tensor arguments (positional first, then keyword)."""
        it = iter(inputs)
        args = [next(it) if a is _TENSOR else a for a in self.args]
        kwargs = {k: next(it) if v is _TENSOR else v for k, v in self.kwargs.items()}
        return self.function(*args, **kwargs)

    def flatten(self, out) -> list[Tensor]:
        """The Tensors of an output (a Tensor, or a tuple/list holding some); remembers where they go."""
        if isinstance(out, Tensor):
            self.structure = None
            return [out]
        if not isinstance(out, (tuple, list)):
            raise TypeError(f"checkpoint: the function must return a Tensor or a tuple/list, got {type(out).__name__}")
        self.structure = (type(out), [None if isinstance(o, Tensor) else o for o in out],
                          [i for i, o in enumerate(out) if isinstance(o, Tensor)])
        return [o for o in out if isinstance(o, Tensor)]

    def unflatten(self, tensors):
        if self.structure is None:
            return tensors[0]
        kind, items, where = self.structure
        items = list(items)
        for i, t in zip(where, tensors):
            items[i] = t
        return kind(items)

    def check_metadata(self, recomputed: list[Tensor]) -> None:
        """``determinism_check="default"``: the recomputed outputs must have the forward's shapes, dtypes, devices."""
        new = tuple(_metadata(t) for t in recomputed)
        bad = [(i, a, b) for i, (a, b) in enumerate(zip(self.meta, new)) if a != b]
        if len(new) != len(self.meta):
            bad.append(("count", len(self.meta), len(new)))
        if not bad:
            return
        lines = "".join(f"tensor at position {i}:\nsaved metadata: {a}\nrecomputed metadata: {b}\n" for i, a, b in bad)
        if self.debug:
            name = getattr(self.function, "__qualname__", type(self.function).__name__)
            lines += f"function: {name}\nall saved: {self.meta}\nall recomputed: {new}\n"
        raise CheckpointError("minigan.utils.checkpoint: Recomputed values for the following tensors have different "
                              f"metadata than during the forward pass.\n{lines}")


def _metadata(t: Tensor) -> dict:
    return {"shape": tuple(t.shape), "dtype": t.dtype, "device": t.device}


class _Checkpoint(Function):
    """The node a checkpointed segment leaves in the graph. Tensor arguments: the segment's inputs, then the
    other tensors it reaches (parameters). ``forward`` runs the segment unrecorded; ``backward`` runs it again
    recorded and sends the incoming gradients back through that fresh graph with :func:`minigan.grad`."""

    op_name = "checkpoint"

    @staticmethod
    def forward(ctx, run: _Segment, *arrays):
        ctx.run = run
        ctx.save_for_backward(*arrays)       # the inputs (and parameters): no array computed inside the segment
        outputs, run.outputs = run.outputs, None        # computed by run.first_forward, whose graph is gone
        return tuple(outputs)

    @staticmethod
    def backward(ctx, *grad_outputs):
        run = ctx.run
        saved = ctx.saved_tensors
        create_graph = is_grad_enabled()         # the engine runs a backward under set_grad_enabled(create_graph)
        inputs, leaves = list(saved[:run.n_inputs]), list(saved[run.n_inputs:])
        if not create_graph:                     # fresh leaves: the inner pass stops at the segment's border
            inputs = [t.detach().requires_grad_(t.requires_grad) for t in inputs]
        with _forked_rng(run), set_grad_enabled(True), run.recompute_context, saved_tensor_hooks.suspended():
            outs = run.flatten(run.call(inputs))
        if run.check:
            run.check_metadata(outs)
        pairs = [(o, g) for o, g in zip(outs, grad_outputs) if o.requires_grad]
        edges = inputs + leaves
        targets = list({id(t): t for t in edges if t.requires_grad}.values())
        if not pairs or not targets:
            return tuple(None for _ in edges)
        grads = _grad([o for o, _ in pairs], targets, grad_outputs=[g for _, g in pairs], allow_unused=True,
                      retain_graph=create_graph, create_graph=create_graph)
        by_id = {id(t): g for t, g in zip(targets, grads)}
        out = []
        for t in edges:                          # a tensor that is two edges gets its whole gradient once
            out.append(by_id.pop(id(t), None))
        return tuple(out)


def _leaves_of_dropped_graph(outs: list[Tensor], inputs: list[Tensor]) -> list[Tensor]:
    """The leaves requiring grad that the graph of ``outs`` reaches, ``inputs`` (leaves themselves) left out: the
    tensors a segment used besides its arguments. The walk over the graph's nodes also lets each node's saved
    tensors go: that graph is never run, and an op that saved its own output (ReLU, tanh...) holds its node in a
    reference cycle, which only Python's garbage collector would free, later."""
    skip = {id(t) for t in inputs}
    found: dict[int, Tensor] = {}
    for node in graph_nodes(outs):
        for e in node.edges:
            if isinstance(e, Tensor) and id(e) not in skip and e.requires_grad:
                found.setdefault(id(e), e)
        node.ctx._saved, node.ctx._freed = (), True
    return list(found.values())


# --------------------------------------------------------------------------- random state
@contextlib.contextmanager
def _forked_rng(run: _Segment):
    """The recomputation's random state is the forward's; the caller's comes back afterwards."""
    if not run.preserve:
        yield
        return
    caller = backend.rng_states(run.devices)
    backend.set_rng_states(run.rng_state)
    try:
        yield
    finally:
        backend.set_rng_states(caller)
