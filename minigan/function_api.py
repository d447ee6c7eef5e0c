"""What a custom :class:`~minigan.function.Function`'s author meets beyond ``ctx.save_for_backward``, as in
PyTorch's ``torch.autograd.Function``:

- the context's marks, :class:`ContextMarks` (``Context`` inherits them): ``ctx.mark_non_differentiable``,
  ``ctx.set_materialize_grads`` and ``ctx.mark_dirty``;
- the "setup_context" style, where ``forward(*args)`` takes no ctx and ``setup_context(ctx, inputs, output)``
  fills the context afterwards (:func:`bind_inputs`);
- ``vjp`` as another name for ``backward`` (:func:`resolve_vjp`);
- :func:`once_differentiable`, for a backward written on raw arrays that cannot be differentiated again.

``Function.apply`` (in :mod:`minigan.function`) calls the helpers here; a learner reading ``apply`` sees each
step by name and finds what it does below."""
from __future__ import annotations

import functools
import inspect

from .autograd import Tensor, is_grad_enabled, no_grad

__all__ = ["ContextMarks", "once_differentiable"]


def _array(a):
    return a.data if isinstance(a, Tensor) else a


class ContextMarks:
    """The marks a Function's ``forward`` (or ``setup_context``) may leave on its context. Arrays are matched
    by identity: pass the very arrays ``forward`` returned (or received); a Tensor stands for its array."""

    _non_differentiable: tuple = ()
    _dirty: tuple = ()
    _materialize_grads = True

    def mark_non_differentiable(self, *outputs) -> None:
        """These outputs come back as tensors that do not require grad (the indices of a sort, a mask), and
        the gradient ``backward`` gets for each is zeros (None with ``set_materialize_grads(False)``)."""
        self._non_differentiable = tuple(_array(o) for o in outputs)

    def set_materialize_grads(self, value: bool) -> None:
        """``True`` (the default): an output that got no gradient (unused, or non-differentiable) reaches
        ``backward`` as a tensor of zeros. ``False``: as None, so ``backward`` can skip its work; it must then
        handle None."""
        self._materialize_grads = bool(value)

    def mark_dirty(self, *inputs) -> None:
        """These inputs were changed in place by ``forward``, which returns them. minigan records no in-place
        operation in the graph, so this is allowed only where nothing is recorded (under ``mg.no_grad()``, or
        with no input that requires grad): the change is counted in the input's version, and ``apply`` returns
        the input Tensor itself (a detached alias of it where it requires grad), as PyTorch does. Where the
        call is recorded, ``apply`` raises."""
        self._dirty = tuple(_array(t) for t in inputs)


# ----------------------------------------------------------------- the setup_context style
def bind_inputs(cls, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    """``args`` and ``kwargs`` bound to ``cls.forward``'s signature, its defaults filled in, as PyTorch does for
    a Function with ``setup_context``: ``inputs`` then holds every positional parameter, defaults included,
    and ``backward`` may return one gradient for each (or one per Tensor among them)."""
    name = getattr(cls, "op_name", None) or cls.__name__
    try:
        bound = inspect.signature(cls.forward).bind(*args, **kwargs)
    except TypeError as e:
        raise TypeError(f"{name}.apply: {e} (a Function with setup_context has forward(*args) without ctx; "
                        "setup_context(ctx, inputs, output) gets the context)") from None
    bound.apply_defaults()
    return bound.args, bound.kwargs


# ----------------------------------------------------------------- the marks, checked after forward
def non_differentiable_outputs(cls, ctx, outs: tuple) -> set[int]:
    """The indices of the outputs given to ``ctx.mark_non_differentiable``. Unlike PyTorch, which ignores
    a tensor that is not an output, an array that is none of them raises: matched by identity, it is most
    likely a copy (``idx.astype(...)``) of the array returned, which would leave that output differentiable."""
    found = set()
    for k, a in enumerate(ctx._non_differentiable):
        hits = [i for i, o in enumerate(outs) if o is a]
        if not hits:
            raise RuntimeError(f"{_name(cls)}: mark_non_differentiable: argument {k} is not one of the arrays "
                               "forward returned (they are matched by identity: pass the very arrays returned)")
        found.update(hits)
    return found


def take_dirty(cls, ctx, args: tuple, outs: tuple, results: tuple, record: bool) -> tuple:
    """``results`` with each output that ``ctx.mark_dirty`` named replaced by the input Tensor it is (a detached
    alias of it where it requires grad), whose version counts the change. Raises where PyTorch would record the
    in-place change (minigan records none), or where a dirty array is not an input or is not returned."""
    inputs = {id(a.data): a for a in args if isinstance(a, Tensor)}
    for k, d in enumerate(ctx._dirty):
        if id(d) not in inputs:
            raise RuntimeError(f"{_name(cls)}: mark_dirty: argument {k} is not an input of the Function; "
                               "only inputs changed in place by forward can be marked dirty")
        if not any(o is d for o in outs):
            raise RuntimeError("Some elements marked as dirty during the forward method were not returned as "
                               "output. The inputs that are modified inplace must all be outputs of the Function.")
        t = inputs[id(d)]
        if record and t.requires_grad and t._node is None:
            raise RuntimeError(f"{_name(cls)}: a leaf Variable that requires grad has been used in an in-place "
                               "operation (mark_dirty); apply it under mg.no_grad(), or to a copy")
        if record:
            raise RuntimeError(f"{_name(cls)}: mark_dirty: minigan records no in-place operation in the graph, and "
                               "an input of this call requires grad; return a new array from forward instead "
                               "(out of place), or apply it under mg.no_grad()")
    results = list(results)
    for d in {id(d): d for d in ctx._dirty}.values():
        t = inputs[id(d)]
        t._bump_version()
        back = t.detach() if t.requires_grad else t     # under no_grad, as PyTorch: an alias without grad
        for i, o in enumerate(outs):
            if o is d:
                results[i] = back
    return tuple(results)


def _name(cls) -> str:
    return getattr(cls, "op_name", None) or cls.__name__


# ----------------------------------------------------------------- vjp, backward's other name
def resolve_vjp(cls, base) -> None:
    """A subclass of ``base`` that defines ``vjp`` and no ``backward`` gets its ``vjp`` as its ``backward`` too
    (PyTorch's ``vjp = backward`` alias, seen from the side of a subclass); one that defines both is refused,
    with PyTorch's words, when the class is made (PyTorch refuses at the first backward)."""
    own_vjp = cls.vjp is not base.vjp
    own_backward = cls.backward is not base.backward
    if own_vjp and not own_backward:
        cls.backward = staticmethod(cls.vjp)
    elif own_vjp and own_backward and cls.vjp is not cls.backward:
        raise RuntimeError("Implementing both 'backward' and 'vjp' for a custom Function is not allowed. "
                           "You should only implement one of them.")


# ----------------------------------------------------------------- once_differentiable
def once_differentiable(fn):
    """Decorate a Function's ``backward`` that is not written in minigan's differentiable ops (raw array code,
    a kernel): it runs under ``no_grad``, and where the backward is itself recorded (``create_graph=True``) and
    an incoming gradient requires grad, its results are tied to a node that raises PyTorch's error if a
    second-order backward reaches it. As in PyTorch, this is an approximation: a gradient penalty that only
    asks for ``mg.grad(..., inputs)`` does not pass through that node and gets no error, and the part of the
    second derivative that would come from this backward is simply missing."""
    @functools.wraps(fn)
    def wrapper(ctx, *args, **kwargs):
        with no_grad():
            outputs = fn(ctx, *args, **kwargs)
        if not is_grad_enabled() or not any(isinstance(a, Tensor) and a.requires_grad for a in args):
            return outputs
        from .function import DelayedError
        single = not isinstance(outputs, tuple)
        outs = (outputs,) if single else outputs
        tied = tuple(DelayedError.apply(_requiring_grad(o))
                     if isinstance(o, Tensor) and o.dtype.kind in "fc" else o for o in outs)
        return tied[0] if single else tied
    return wrapper


def _requiring_grad(t: Tensor) -> Tensor:
    """A leaf on ``t``'s data that requires grad, so the node made from it is recorded (PyTorch's trick)."""
    leaf = t.detach()
    leaf.requires_grad = True
    return leaf
