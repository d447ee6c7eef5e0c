"""What ``tensor.grad_fn`` returns: a read-only view of the recorded graph, shaped like PyTorch's, so that the
graph behind a loss can be walked and printed::

    >>> L = ((x * y + y) ** 2).sum()
    >>> L.grad_fn
    <SumBackward0>
    >>> L.grad_fn.next_functions
    ((<PowScalarBackward0>, 0),)
    >>> L.grad_fn.next_functions[0][0].next_functions[0][0].next_functions
    ((<MulBackward0>, 0), (<AccumulateGrad>, 0))

Each :class:`BackwardNode` stands for one recorded op: :meth:`~BackwardNode.name` is its Function's name with
PyTorch's ``Backward0``, :attr:`~BackwardNode.next_functions` lists, for each Tensor input of the op, where its
gradient goes next: the node that made that input (and which of its outputs it was), an :class:`AccumulateGrad`
for a leaf that requires grad (its ``variable`` is the leaf, whose ``.grad`` the gradient is added to), or
``None`` for an input that needs no gradient. :attr:`~BackwardNode.fn` is the op's Function itself, the class
whose ``forward`` and ``backward`` a learner can read side by side. ``register_prehook`` and ``register_hook``
watch (or change) the gradients going into and coming out of that one op's backward. The views are made on
demand and compare equal when they stand for the same node."""
from __future__ import annotations

from .function import Node, _op_name

__all__ = ["BackwardNode", "AccumulateGrad", "backward_name"]


def backward_name(fn) -> str:
    """The name of Function ``fn``'s node in the graph, as PyTorch names its own: ``Mul`` -> ``MulBackward0``."""
    return f"{_op_name(fn)}Backward0"


class AccumulateGrad:
    """Where the gradient of a leaf that requires grad ends: added to ``variable.grad``."""

    __slots__ = ("variable",)

    def __init__(self, variable) -> None:
        self.variable = variable

    def name(self) -> str:
        return "AccumulateGrad"

    @property
    def next_functions(self) -> tuple:
        return ()

    def __eq__(self, other) -> bool:
        return isinstance(other, AccumulateGrad) and other.variable is self.variable

    def __hash__(self) -> int:
        return hash(id(self.variable))

    def __repr__(self) -> str:
        return "<AccumulateGrad>"


class BackwardNode:
    """One recorded op of the graph, seen from a tensor it made (``tensor.grad_fn``); see the module docstring."""

    __slots__ = ("_node",)

    def __init__(self, node: Node) -> None:
        self._node = node

    def name(self) -> str:
        return backward_name(self._node.fn)

    @property
    def fn(self):
        """The op's Function class (its ``forward`` and ``backward``)."""
        return self._node.fn

    @property
    def next_functions(self) -> tuple:
        """``((node or AccumulateGrad or None, output index), ...)``, one pair per Tensor input of the op."""
        out = []
        for e in self._node.edges:
            if e is None:
                out.append((None, 0))
            elif isinstance(e, tuple):
                out.append((BackwardNode(e[0]), e[1]))
            else:
                out.append((AccumulateGrad(e), 0))
        return tuple(out)

    def register_prehook(self, hook):
        """``hook(grad_outputs) -> new grad_outputs or None`` before this node's backward runs (PyTorch's
        ``Node.register_prehook``): the gradients of the op's outputs, None for one that got none. Returns a
        handle whose ``remove()`` takes it off."""
        return self._register("pre", hook)

    def register_hook(self, hook):
        """``hook(grad_inputs, grad_outputs) -> new grad_inputs or None`` after this node's backward ran
        (PyTorch's ``Node.register_hook``): the gradients it computed for the op's Tensor inputs (None where it
        computed none), and those it was given. Returns a handle whose ``remove()`` takes it off."""
        return self._register("post", hook)

    def _register(self, kind: str, hook):
        from .backward import RemovableHandle
        if self._node.node_hooks is None:
            self._node.node_hooks = {}
        hooks = self._node.node_hooks.setdefault(kind, [])
        hooks.append(hook)
        return RemovableHandle(hooks, hook)

    def __eq__(self, other) -> bool:
        return isinstance(other, BackwardNode) and other._node is self._node

    def __hash__(self) -> int:
        return hash(id(self._node))

    def __repr__(self) -> str:
        return f"<{self.name()}>"
