"""Hooks on what the graph saves for the backward pass, as ``torch.autograd.graph`` (``mg.autograd.graph``).

Every recorded op keeps, for its backward, the tensors its formula needs: a product its two operands, ``exp`` its
output, a convolution its input and weight. Those saved tensors, not the parameters, are most of a training
step's memory. Inside ``with saved_tensors_hooks(pack, unpack):`` each tensor an op saves goes through
``pack(tensor)`` at once, and the graph keeps whatever ``pack`` returns; when the backward needs it,
``unpack(packed)`` must give the tensor back. So one can *see* what the graph keeps::

    sizes = []
    with mg.autograd.graph.saved_tensors_hooks(lambda t: sizes.append(t.nbytes) or t, lambda t: t):
        loss = model(x).sum()
    print(sum(sizes), "bytes saved for the backward")

or keep it elsewhere: :class:`save_on_cpu` moves saved tensors to the CPU's memory and back to their device
when the backward needs them (a GPU's memory for a CPU copy and a transfer). The innermost hooks apply;
:func:`disable_saved_tensors_hooks` makes entering hooks an error inside it, with the message given.

Checks kept as without hooks: a tensor modified in place after it was saved is still caught when the backward
needs it (its version is remembered, not the tensor); ``unpack`` must return a Tensor of the saved shape and
dtype. The backward can be differentiated again (``create_graph=True``): an unpacked tensor is put back in the
graph where the saved one was."""
from __future__ import annotations

import contextlib
import threading
from typing import Any, Callable

from . import backend

__all__ = ["saved_tensors_hooks", "save_on_cpu", "disable_saved_tensors_hooks"]


class _Stack(threading.local):
    def __init__(self) -> None:
        self.hooks: list[tuple[Callable, Callable]] = []
        self.disabled: str | None = None


_state = _Stack()


class saved_tensors_hooks:
    """``pack_hook(tensor) -> anything`` for every tensor an op records for its backward inside the block, and
    ``unpack_hook(packed) -> Tensor`` when the backward needs it (``torch.autograd.graph.saved_tensors_hooks``)."""

    def __init__(self, pack_hook: Callable[[Any], Any], unpack_hook: Callable[[Any], Any]) -> None:
        self.pack_hook, self.unpack_hook = pack_hook, unpack_hook

    def __enter__(self) -> "saved_tensors_hooks":
        if _state.disabled is not None:
            raise RuntimeError(_state.disabled)
        _state.hooks.append((self.pack_hook, self.unpack_hook))
        return self

    def __exit__(self, *exc) -> None:
        _state.hooks.pop()


class save_on_cpu(saved_tensors_hooks):
    """Saved tensors kept in the CPU's memory (a copy), and moved back to their device when the backward needs
    them (``torch.autograd.graph.save_on_cpu``): for a GPU short of memory. ``pin_memory`` and ``device_type``
    are accepted for PyTorch's sake (NumPy has no pinned memory; the device is each tensor's own)."""

    def __init__(self, pin_memory: bool = False, device_type: str = "cuda") -> None:
        from .autograd import Tensor

        def pack(t):
            return t.device, backend.to_numpy(t.data).copy()

        def unpack(packed):
            device, array = packed
            return Tensor(backend.to_device(array, device))
        super().__init__(pack, unpack)


@contextlib.contextmanager
def disable_saved_tensors_hooks(error_message: str):
    """Inside the block, entering :class:`saved_tensors_hooks` raises ``RuntimeError(error_message)``; hooks
    entered before still apply (as in PyTorch)."""
    previous, _state.disabled = _state.disabled, error_message
    try:
        yield
    finally:
        _state.disabled = previous


# --------------------------------------------------------------------------- used by minigan.function
class Packed:
    """An op's saved tensors as the hooks packed them, with what the backward needs to check and to put them
    back: each one's version counter and version, shape and dtype, and its place in the graph."""

    __slots__ = ("unpack_hook", "items")

    def __init__(self, saved: tuple, hooks) -> None:
        pack_hook, self.unpack_hook = hooks
        self.items = tuple(None if t is None else
                           (pack_hook(t), t._version_counter, t._version, t.shape, t.dtype, _place(t))
                           for t in saved)

    def __bool__(self) -> bool:
        return bool(self.items)

    def unpack(self) -> tuple:
        from .autograd import Tensor
        out = []
        for item in self.items:
            if item is None:
                out.append(None)
                continue
            packed, counter, version, shape, dtype, place = item
            if counter.value != version:
                raise RuntimeError(f"a tensor of shape {shape} needed for gradient computation was modified in "
                                   f"place (it is at version {counter.value}, expected {version}); compute on a "
                                   f"copy instead")
            t = self.unpack_hook(packed)
            if not isinstance(t, Tensor):
                raise TypeError(f"Output of saved tensor unpack_hook expected to be a Tensor but got result of type "
                                f"{type(t).__name__}")
            if t.shape != shape or t.dtype != dtype:
                raise RuntimeError(f"saved tensor unpack_hook returned a tensor of shape {t.shape} and dtype "
                                   f"{t.dtype} for one saved with shape {shape} and dtype {dtype}")
            out.append(_put_back(t, place))
        return tuple(out)


def _place(t):
    """Where ``t`` sits in the graph: a leaf that requires grad (itself), an op's output ``(node, index)``, or
    None (a constant)."""
    if t._node is not None:
        return t._node, t._out_index
    return t if t.requires_grad else None


def _put_back(t, place):
    """The unpacked ``t`` where the saved tensor was in the graph, so a recorded backward reaches the same
    leaves and nodes: the leaf itself, or ``t``'s values as that node's output."""
    from .autograd import Tensor
    if place is None or t is place:
        return t
    if isinstance(place, Tensor):
        return place                          # a leaf: its values are the saved ones (its version was checked)
    linked = Tensor(t.data)
    linked._node, linked._out_index = place
    linked.requires_grad = True
    return linked


def current():
    """The innermost hooks in force, or None (also inside :func:`suspended`)."""
    return _state.hooks[-1] if _state.hooks else None


@contextlib.contextmanager
def suspended():
    """No hooks inside the block, whatever is in force outside: for a graph minigan records only to let go of
    (gradient checkpointing's first forward and its recomputation), whose saved tensors the user's hooks
    should not see."""
    _state.hooks.append(None)
    try:
        yield
    finally:
        _state.hooks.pop()
