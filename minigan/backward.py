"""The backward pass: walk the graph from the outputs in reverse topological order, calling each node's
``backward`` and summing the gradients that meet at a tensor used more than once.

The walk uses an explicit stack (:func:`_topological_nodes`), never recursion, so a chain of 10,000
operations backpropagates. With ``create_graph=True`` the backward functions are themselves recorded,
so the gradient can be differentiated again (:func:`grad` for a gradient penalty, gradgradcheck)."""
from __future__ import annotations

from typing import Any, Sequence

from . import anomaly_mode, backend
from . import profiler_hook  # mg.profiler: its recorder, None unless a profiler records
from .autograd import Node, Tensor, _as_array, _op_name
from .grad_fn import backward_name
from .grad_mode import set_grad_enabled


def _grad_like(grad: Any, ref: Tensor, where: str) -> Tensor:
    g = grad if isinstance(grad, Tensor) else Tensor(_as_array(grad, dtype=ref.dtype, device=ref.device))
    if g.shape != ref.shape:
        raise RuntimeError(f"{where}: gradient has shape {g.shape} but the tensor has shape {ref.shape}")
    return g


def _accumulate(a: Tensor | None, b: Tensor) -> Tensor:
    return b if a is None else a + b


def graph_nodes(roots: Sequence[Tensor]) -> list[Node]:
    """Every node of the graph behind ``roots``, once each, in no particular order (a walk with a stack, never
    recursion)."""
    found: list[Node] = []
    seen: set[int] = set()
    stack = [r._node for r in roots if r._node is not None]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        found.append(node)
        stack += [e[0] for e in node.edges if isinstance(e, tuple)]
    return found


def _topological_nodes(roots: Sequence[Tensor]) -> list[Node]:
    """Nodes reachable from ``roots``, every node after all the nodes that consume its outputs, each as soon as
    the last of them is done (Kahn's algorithm over the consumer counts, the newest ready node first, as
    PyTorch's engine takes a node once its inputs' gradients are complete). So a side branch that ends at a leaf,
    the transpose of a Linear's weight, runs right after its consumer: the weight's gradient is complete, and
    handed over, there and then, not at the end of the pass."""
    consumers: dict[int, int] = {}
    for node in graph_nodes(roots):               # how many edges point at each reachable node
        for e in node.edges:
            if isinstance(e, tuple):
                consumers[id(e[0])] = consumers.get(id(e[0]), 0) + 1
    ready, queued = [], set()
    for r in roots:
        if r._node is not None and consumers.get(id(r._node), 0) == 0 and id(r._node) not in queued:
            queued.add(id(r._node))
            ready.append(r._node)
    order: list[Node] = []
    while ready:
        node = ready.pop()
        order.append(node)
        for e in node.edges:
            if isinstance(e, tuple):
                consumers[id(e[0])] -= 1
                if consumers[id(e[0])] == 0:
                    ready.append(e[0])
    return order


def _nodes_leading_to(order: list[Node], inputs: Sequence[Tensor]) -> set[int]:
    """The ids of the nodes in ``order`` whose backward must run for gradients to reach ``inputs``: those
    with an input among their own inputs, or with a node among them that is an input's node or must run.
    The rest of the graph (above the inputs, or beside them) is neither run nor freed, as in PyTorch."""
    leaves = {id(t) for t in inputs if t._node is None}
    targets = {id(t._node) for t in inputs if t._node is not None}
    run: set[int] = set()
    for node in reversed(order):        # producers first, so every node's inputs are settled before it
        if any(isinstance(e, Tensor) and id(e) in leaves
               or isinstance(e, tuple) and (id(e[0]) in targets or id(e[0]) in run) for e in node.edges):
            run.add(id(node))
    return run


def _last_feeders(order: list[Node]) -> dict[int, list[int]]:
    """``{i: ids of the leaves whose last gradient comes from order[i]}``: after that node has run, their
    gradients are complete."""
    last: dict[int, int] = {}
    for i, node in enumerate(order):
        for e in node.edges:
            if isinstance(e, Tensor):
                last[id(e)] = i
    out: dict[int, list[int]] = {}
    for key, i in last.items():
        out.setdefault(i, []).append(key)
    return out


def _run_backward(roots: Sequence[Tensor], root_grads: Sequence[Tensor], retain_graph: bool,
                  create_graph: bool, inputs: Sequence[Tensor] | None):
    """The backward pass. With ``inputs=None`` gradients accumulate into leaves' ``.grad``;
    otherwise the gradients of ``inputs`` are returned (as :func:`grad` does) and ``.grad`` is untouched."""
    want_node: dict[tuple[int, int], Tensor | None] = {}
    for t in inputs or ():
        if t._node is not None:
            want_node[(id(t._node), t._out_index)] = None
    grads: dict[int, list] = {}
    leaf_grads: dict[int, tuple[Tensor, Tensor]] = {}

    def send(edge, g):
        if edge is None or g is None:
            return
        if isinstance(edge, Tensor):
            prev = leaf_grads.get(id(edge))
            leaf_grads[id(edge)] = (edge, _accumulate(None if prev is None else prev[1], g))
        else:
            node, idx = edge
            slot = grads.setdefault(id(node), [None] * len(node.out_meta))
            slot[idx] = _accumulate(slot[idx], g)

    def run_node(node) -> None:
        """One node's backward: its outputs' gradients (through their hooks) in, its inputs' sent on."""
        slot = grads.pop(id(node), None)
        if slot is None:
            return
        if node.hooks:                              # register_hook() on an output: see or change its gradient
            for i, hooks in node.hooks.items():
                if slot[i] is not None:
                    slot[i] = _hooked(hooks, slot[i], node.out_meta[i][0])
        if node.node_hooks and node.node_hooks.get("pre"):      # grad_fn.register_prehook
            slot = _node_hooked(node, "pre", list(slot))
        for i, g in enumerate(slot):
            key = (id(node), i)
            if key in want_node and g is not None:
                want_node[key] = g
        if node.retained and inputs is None:        # retain_grad(): .grad as a leaf's, summed over calls
            for i, ref in node.retained.items():
                t = ref()
                if t is not None and slot[i] is not None:
                    _accumulate_grad(t, slot[i], create_graph)
        if all(g is None for g in slot) or (run is not None and id(node) not in run):
            return
        gouts = []
        for g, (shape, dtype) in zip(slot, node.out_meta):
            if g is None and node.ctx._materialize_grads:    # ctx.set_materialize_grads(False): None stays
                xp = backend.xp_of(slot[next(i for i, s in enumerate(slot) if s is not None)].data)
                g = Tensor(xp.zeros(shape, dtype=dtype))
            gouts.append(g)
        if node.ctx._freed:
            node.ctx.saved_tensors  # raises the clear "second time" error
        span = profiler_hook.recorder.span() if profiler_hook.recorder is not None else None   # mg.profiler
        if anomaly_mode._enabled:                  # mg.autograd.detect_anomaly: name the op, show its call
            gin = _backward_watched(node, gouts)
        else:
            gin = node.fn.backward(node.ctx, *gouts)
        if not isinstance(gin, tuple):
            gin = (gin,)
        if span is not None:                        # mg.profiler: this node's backward ran; record it
            span.node_done(node, gouts, gin)
        if len(gin) != len(node.edges) and len(gin) == node.ctx._n_args:
            # one gradient per argument, as PyTorch's Functions return them: keep the Tensors' ones
            gin = tuple(gin[i] for i in node.ctx._tensor_positions)
        if anomaly_mode._enabled:
            anomaly_mode.check_gradients(backward_name(node.fn), node.stack, gin)
        if len(gin) != len(node.edges):
            raise RuntimeError(f"{_op_name(node.fn)}.backward returned {len(gin)} gradients for "
                               f"{len(node.edges)} tensor inputs")
        if node.node_hooks and node.node_hooks.get("post"):     # grad_fn.register_hook
            gin = _node_hooked(node, "post", list(gin), tuple(gouts))
        for edge, g in zip(node.edges, gin):
            if g is not None and edge is not None:
                _check_grad_shape(node, edge, g)
                g = _match_dtype(edge, g)
            send(edge, g)
        if not retain_graph and node.ctx._saved:     # a node that saved nothing can run again
            node.ctx._saved = ()
            node.ctx._freed = True

    def finish(leaf: Tensor, g: Tensor) -> None:
        """A leaf's whole gradient: through its hooks, then into ``.grad`` (and its post-accumulate hooks)."""
        if leaf.__dict__.get("_hooks"):                 # a leaf's hooks see its gradient summed over its uses
            g = _hooked(leaf._hooks, g, leaf.shape)
        _accumulate_grad(leaf, g, create_graph)

    with set_grad_enabled(create_graph):
        for r, g in zip(roots, root_grads):
            send(r if r._node is None else (r._node, r._out_index), g)
        order = _topological_nodes(roots)
        run = None if inputs is None else _nodes_leading_to(order, inputs)
        # Accumulating, a leaf's gradient goes into .grad as soon as the last node that feeds it has run, as in
        # PyTorch: its post-accumulate hooks (an optimizer stepping inside the backward) then run during the pass.
        complete_after = _last_feeders(order) if inputs is None else {}
        for i, node in enumerate(order):
            run_node(node)
            for key in complete_after.get(i, ()):
                if key in leaf_grads:
                    finish(*leaf_grads.pop(key))
        for key, (leaf, g) in leaf_grads.items():       # a leaf's hooks see its gradient summed over its uses
            if leaf.__dict__.get("_hooks"):
                leaf_grads[key] = (leaf, _hooked(leaf._hooks, g, leaf.shape))
    if inputs is not None:
        out = []
        for t in inputs:
            if t._node is None:
                e = leaf_grads.get(id(t))
                out.append(None if e is None else e[1])
            else:
                out.append(want_node.get((id(t._node), t._out_index)))
        return tuple(out)
    for leaf, g in leaf_grads.values():
        _accumulate_grad(leaf, g, create_graph)
    return None


def _node_hooked(node: Node, kind: str, grads: list, grad_outputs: tuple = ()) -> list:
    """``grads`` through a node's own hooks, in the order they were registered: ``"pre"`` hooks get the node's
    output gradients, ``hook(grad_outputs)``, before its backward; ``"post"`` hooks its input gradients and the
    output gradients, ``hook(grad_inputs, grad_outputs)``, after it. A hook may return new gradients (as many,
    None where there is none) or None to leave them."""
    for hook in list(node.node_hooks[kind]):
        out = hook(tuple(grads)) if kind == "pre" else hook(tuple(grads), grad_outputs)
        if out is None:
            continue
        out = list(out)
        if len(out) != len(grads):
            what = "grad_outputs" if kind == "pre" else "grad_inputs"
            raise RuntimeError(f"a {kind}-hook of {backward_name(node.fn)} returned {len(out)} gradients for "
                               f"{len(grads)} {what}")
        grads = [g if g is None or isinstance(g, Tensor) else Tensor(g) for g in out]
    return grads


def _backward_watched(node: Node, gouts):
    """``node``'s backward under anomaly detection: an error inside it first shows where the op was called."""
    try:
        return node.fn.backward(node.ctx, *gouts)
    except Exception:
        anomaly_mode.report(backward_name(node.fn), node.stack)
        raise


class RemovableHandle:
    """What ``register_hook`` returns: ``handle.remove()`` takes the hook off the tensor again."""

    def __init__(self, hooks: list, hook) -> None:
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if any(h is self._hook for h in self._hooks):
            self._hooks.remove(self._hook)


def _hooked(hooks: list, g: Tensor, shape) -> Tensor:
    """``g`` passed through the hooks in the order they were registered; a hook that returns a tensor
    replaces the gradient (of the same shape), one that returns None leaves it."""
    for hook in list(hooks):
        out = hook(g)
        if out is not None:
            out = out if isinstance(out, Tensor) else Tensor(out)
            if tuple(out.shape) != tuple(shape):
                raise RuntimeError(f"a hook returned a gradient of shape {tuple(out.shape)} for a tensor of shape "
                                   f"{tuple(shape)}")
            g = out
    return g


def _accumulate_grad(t: Tensor, g: Tensor, create_graph: bool) -> None:
    """Add ``g`` to ``t.grad`` (a leaf's, or a tensor's that called retain_grad()). Recorded where the backward
    is (``create_graph``); otherwise ``.grad`` holds an array of its own: the same array can reach two places
    (add's backward passes its gradient on unchanged, and a root's gradient may be the user's own array)."""
    if create_graph:
        t.grad = g if t.grad is None else t.grad + g
    elif t.grad is None:
        t.grad = Tensor(g.data.copy())
    else:
        t.grad = Tensor(t.grad.data + g.data)
    for hook in list(t.__dict__.get("_post_accumulate_hooks", ())):   # register_post_accumulate_grad_hook
        hook(t)


def zero_grads(parameters, set_to_none: bool = True) -> None:
    """What ``optimizer.zero_grad()`` and ``module.zero_grad()`` do to each tensor's ``.grad``.

    ``set_to_none=True`` (the default, as in PyTorch) drops it, so the next backward allocates a fresh one
    and an optimizer skips a parameter that received no gradient. ``set_to_none=False`` writes zeros into
    the gradient's own array. A gradient made with ``create_graph=True`` is recorded and may be an array
    another tensor holds too (add's backward hands both operands one gradient), or a read-only broadcast
    view; it gets a fresh array of zeros instead."""
    for p in parameters:
        if p.grad is None:
            continue
        if set_to_none:
            p.grad = None
        elif p.grad.requires_grad or not p.grad.is_leaf or not backend.is_writable(p.grad.data):
            p.grad = Tensor(backend.xp_of(p.grad.data).zeros_like(p.grad.data))
        else:
            p.grad.data[...] = 0
            p.grad._bump_version()


def _check_grad_shape(node: Node, edge, g: Tensor) -> None:
    shape = edge.shape if isinstance(edge, Tensor) else edge[0].out_meta[edge[1]][0]
    if tuple(g.shape) != tuple(shape):
        raise RuntimeError(f"{_op_name(node.fn)}.backward returned a gradient of shape {tuple(g.shape)} "
                           f"for an input of shape {tuple(shape)}")


def _match_dtype(edge, g: Tensor) -> Tensor:
    """A gradient takes its input's dtype, as in PyTorch, even where the forward promoted it
    (float32 * float64 -> float64): a float32 parameter gets a float32 gradient."""
    dtype = edge.dtype if isinstance(edge, Tensor) else edge[0].out_meta[edge[1]][1]
    if g.dtype == dtype:
        return g
    from .ops.shape import astype
    return astype(g, dtype)


def grad(outputs, inputs, grad_outputs=None, retain_graph: bool | None = None, create_graph: bool = False,
         allow_unused: bool = False) -> tuple[Tensor | None, ...]:
    """The gradients of ``outputs`` with respect to ``inputs``, returned (``.grad`` is not touched).

    With ``create_graph=True`` the result is itself recorded, so it can be differentiated again
    (a gradient penalty, or :func:`minigan.gradgradcheck`)."""
    outputs, gos = _roots(outputs, grad_outputs, "grad", "grad_outputs")
    single_input = isinstance(inputs, Tensor)
    inputs = [inputs] if single_input else list(inputs)
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError(f"grad(): an input of shape {t.shape} does not require grad")
    if retain_graph is None:
        retain_graph = create_graph
    res = _run_backward(outputs, gos, retain_graph, create_graph, inputs=inputs)
    if not allow_unused and any(r is None for r in res):
        idx = [i for i, r in enumerate(res) if r is None]
        raise RuntimeError(f"grad(): input(s) {idx} were not used to compute the outputs "
                           "(pass allow_unused=True to get None for them)")
    return res


def _roots(outputs, grad_outputs, where: str, name: str) -> tuple[list[Tensor], list[Tensor]]:
    """``outputs`` (a Tensor or several) and one gradient for each, from ``grad_outputs`` (one, several, or None:
    ones for a one-element output), checked: what :func:`grad` and :func:`backward` start the pass from."""
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif isinstance(grad_outputs, Tensor) or backend.is_array(grad_outputs):
        grad_outputs = [grad_outputs]
    grad_outputs = list(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"{where}(): got {len(outputs)} outputs and {len(grad_outputs)} {name}; give one "
                           "gradient (or None) per output")
    gos = []
    for o, g in zip(outputs, grad_outputs):
        if not o.requires_grad:
            raise RuntimeError(f"{where}(): an output does not require grad and has no graph")
        if g is None:
            if o.numel() != 1:
                raise RuntimeError(f"{where}(): {name} is needed for a non-scalar output of shape {o.shape}")
            g = Tensor(backend.xp_of(o.data).ones_like(o.data))
        gos.append(_grad_like(g, o, where))
    return outputs, gos


def backward(tensors, grad_tensors=None, retain_graph: bool | None = None, create_graph: bool = False,
             inputs=None) -> None:
    """Backward from several outputs at once, their gradients summed into the leaves' ``.grad``
    (``torch.autograd.backward``): ``backward([loss_a, loss_b])`` is ``(loss_a + loss_b).backward()`` without the
    sum. ``grad_tensors`` gives each output's gradient (None for a one-element output); ``inputs`` limits the
    accumulation to those tensors, as :meth:`Tensor.backward`'s does."""
    outputs, gos = _roots(tensors, grad_tensors, "backward", "grad_tensors")
    _backward_from(outputs, gos, retain_graph, create_graph, inputs)


def _backward_from(outputs, gos, retain_graph: bool | None, create_graph: bool, inputs) -> None:
    """The pass of :func:`backward` and :meth:`Tensor.backward`, from checked outputs and their gradients."""
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is None:
        _run_backward(outputs, gos, retain_graph, create_graph, inputs=None)
        return
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if not inputs:
        raise RuntimeError("backward(): inputs= is an empty list; give at least one tensor (or None for all)")
    for t, g in zip(inputs, _run_backward(outputs, gos, retain_graph, create_graph, inputs=inputs)):
        if g is not None:
            _accumulate_grad(t, g, create_graph)
