"""``functional_call``: run a module with other tensors in place of its parameters and buffers, as
``torch.func.functional_call`` (also known as ``torch.nn.utils.stateless.functional_call``).

A module call ``model(x)`` reads its weights from the module; ``functional_call(model, params, x)`` makes the
model a plain function of ``(params, x)``. That is what meta-learning (MAML's inner step runs the model with
``w - lr * grad`` and differentiates through it), ensembles, per-sample gradients and "what if the weights were
these" experiments need::

    params = {name: p for name, p in model.named_parameters()}
    fast = {name: p - 0.1 * g for (name, p), g in zip(params.items(), grads)}
    loss = F.mse_loss(functional_call(model, fast, (x,)), y)     # gradients flow to fast, and so to params

The given tensors stand in for the named parameters and buffers during the one call and the module's own are
put back afterwards (also when the call raises). Nothing is copied: the forward reads the given tensors
themselves, so gradients flow to them.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from ...autograd import Tensor
from ..module import Module

__all__ = ["functional_call", "stack_module_state"]

_ABSENT = object()


def _merged(dicts) -> dict[str, Tensor]:
    """One dict from a dict or a sequence of dicts; a name given twice is ambiguous."""
    if isinstance(dicts, Mapping):
        return dict(dicts)
    if not isinstance(dicts, Sequence) or not all(isinstance(d, Mapping) for d in dicts):
        raise TypeError(f"functional_call: expected a dict of tensors or a sequence of dicts, got "
                        f"{type(dicts).__name__}")
    merged: dict[str, Tensor] = {}
    repeated = sorted({k for i, d in enumerate(dicts) for k in d if any(k in e for e in dicts[:i])})
    if repeated:
        raise ValueError(f"{repeated} appeared in multiple dictionaries; behavior of functional call is ambiguous")
    for d in dicts:
        merged.update(d)
    return merged


def _with_tied(module: Module, given: dict[str, Tensor]) -> dict[str, Tensor]:
    """``given`` plus, for a parameter or buffer registered under several names (tied weights, such as a decoder
    sharing an embedding's matrix), the same replacement under the names not given."""
    names_of: dict[int, list[str]] = {}
    for name, t in list(module.named_parameters(remove_duplicate=False)) + \
            list(module.named_buffers(remove_duplicate=False)):
        names_of.setdefault(id(t), []).append(name)
    out = dict(given)
    for names in names_of.values():
        values = [given[n] for n in names if n in given]
        if not values or len(names) == 1:
            continue
        if any(v is not values[0] for v in values):
            raise ValueError(f"functional_call got multiple values for keys {[n for n in names if n in given]}, "
                             "which are tied. Consider using tie_weights=False")
        out.update({n: values[0] for n in names})
    return out


def _owner(module: Module, name: str) -> tuple[Module, str]:
    """The submodule that holds the dotted ``name``, and the last part of the name."""
    *path, attr = name.split(".")
    for part in path:
        child = module._modules.get(part, _ABSENT)
        if child is _ABSENT:
            if part in module._parameters or part in module._buffers:
                raise TypeError(f"submodule `{part}` of {type(module).__name__} is a tensor, not an instance of "
                                "minigan.nn.Module")
            raise AttributeError(f"{type(module).__name__} has no attribute `{part}`")
        module = child
    return module, attr


def _swap(module: Module, name: str, value):
    """Put ``value`` in the place of ``name`` (a parameter, a buffer, or else a plain attribute) and return
    what was there (``_ABSENT`` for no attribute at all)."""
    mod, attr = _owner(module, name)
    for table in (mod._parameters, mod._buffers):
        if attr in table:
            old, table[attr] = table[attr], value
            return old
    old = mod.__dict__.get(attr, _ABSENT)
    if value is _ABSENT:
        del mod.__dict__[attr]
    else:
        mod.__dict__[attr] = value
    return old


def functional_call(module: Module, parameters_and_buffers, args=None, kwargs: dict | None = None, *,
                    tie_weights: bool = True, strict: bool = False):
    """``module(*args, **kwargs)`` with the tensors of ``parameters_and_buffers`` (a dict from dotted names, as
    ``named_parameters()`` and ``named_buffers()`` give them, to tensors; or a sequence of such dicts) in place
    of the module's own, which are restored afterwards. ``args`` is a tuple of positional arguments, or one
    argument that is not a tuple.

    ``tie_weights=True``: a tensor registered under two names (tied weights) is replaced under both when one of
    them is given (two different values for tied names are a ValueError). ``strict=True``: every parameter and
    buffer must be given and no other name (a RuntimeError listing them otherwise); without it, missing names
    keep the module's own tensors and a name that is no parameter or buffer is set as a plain attribute for the
    call."""
    given = _merged(parameters_and_buffers)
    if tie_weights:
        given = _with_tied(module, given)
    if strict:
        own = [n for n, _ in module.named_parameters(remove_duplicate=False)] + \
            [n for n, _ in module.named_buffers(remove_duplicate=False)]
        unexpected = [n for n in given if n not in own]
        missing = [n for n in own if n not in given]
        if unexpected or missing:
            lines = [f"\tUnexpected key(s): {', '.join(repr(n) for n in unexpected)}."] if unexpected else []
            lines += [f"\tMissing key(s): {', '.join(repr(n) for n in missing)}."] if missing else []
            raise RuntimeError(f"Error(s) in reparametrizing for {type(module).__name__}:\n" + "\n".join(lines))
    args = () if args is None else args if isinstance(args, tuple) else (args,)
    saved: list[tuple[str, object]] = []
    try:
        for name, value in given.items():
            saved.append((name, _swap(module, name, value)))
        return module(*args, **(kwargs or {}))
    finally:
        for name, old in reversed(saved):
            _swap(module, name, old)


def stack_module_state(models) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
    """The parameters and buffers of ``M`` models of one class, stacked along a new first dim, by name
    (``torch.func.stack_module_state``): the state of an ensemble, for :func:`minigan.func.vmap` over
    :func:`functional_call`, so that ``M`` models run as one batched call::

        params, buffers = stack_module_state(models)
        out = vmap(lambda p, b, x: functional_call(models[0], (p, b), (x,)), in_dims=(0, 0, None))(params, buffers, x)

    The stacked parameters are new leaves (requiring grad where the models' do), unrelated to the models' own:
    an optimizer can train them directly. The buffers are stacked copies. The models must be of the same class,
    in the same training/eval mode, with the same shapes (as PyTorch requires)."""
    from ...ops import stack
    models = list(models)
    if not models:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if any(m.training != models[0].training for m in models):
        raise RuntimeError("stack_module_state: Expected all models to have the same training/eval mode.")
    if any(type(m) is not type(models[0]) for m in models):
        raise RuntimeError("stack_module_state: Expected all models to be of the same class.")

    def stacked(named):
        tables = [dict(named(m)) for m in models]
        return {name: stack([t[name].detach() for t in tables]) for name in tables[0]}
    params = stacked(lambda m: m.named_parameters())
    for name, p in models[0].named_parameters():
        params[name].requires_grad_(p.requires_grad)
    return params, stacked(lambda m: m.named_buffers())

