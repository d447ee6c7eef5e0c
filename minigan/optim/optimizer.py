"""The base class of every optimizer: parameter groups, per-parameter state, checkpoints.

An optimizer holds a list of *parameter groups*. Each group is a dict with the key ``"params"``
(a list of Tensors) and the group's own hyper-parameters (``"lr"``, ``"momentum"``, ...); any
option a group does not set is filled from the optimizer's ``defaults``. This is how one model can
train its body with one learning rate and its head with another::

    opt = SGD([{"params": body.parameters()},
               {"params": head.parameters(), "lr": 1e-3}], lr=1e-2, momentum=0.9)

``state`` maps each parameter to a dict of what the algorithm remembers about it between steps
(SGD's momentum buffer, Adam's two moment estimates and step count).

Updates work on the raw arrays (``p.data``, ``p.grad.data``) with the array module the parameter
lives in (``xp = backend.xp_of(p.data)``), so the same code updates NumPy and CuPy parameters and
builds no autograd graph. After changing ``p.data`` in place, an optimizer calls
``p._bump_version()`` so autograd can tell that a tensor saved for a backward pass has changed.

``state_dict()`` / ``load_state_dict()`` use PyTorch's layout, so that training resumes exactly::

    {"state": {0: {"momentum_buffer": array}, 1: {...}},        # keyed by parameter index
     "param_groups": [{"lr": 0.01, ..., "params": [0, 1]}, ...]} # indices count across groups

PyTorch's flags ``foreach``, ``fused`` and ``capturable`` choose *how* PyTorch computes a step (one kernel per
parameter, batched ``_foreach`` kernels over all of them, one fused kernel, or code that a CUDA graph can
capture); the numbers are the same. minigan has one loop over the parameters, so they change nothing here: each
optimizer that has them in PyTorch takes them with PyTorch's defaults and keeps them in its ``defaults`` and
every group, as PyTorch does, so group dicts and state dicts have PyTorch's keys and load both ways. PyTorch's
checks of them are kept (``fused`` with ``foreach``, or with ``differentiable``, is refused, with its messages).
``differentiable=True`` (PyTorch records the step in the autograd graph) is refused, since minigan's optimizers
update the parameters in place and record nothing (:func:`check_flags` says how to differentiate through a step).
"""
from __future__ import annotations

import copy
import inspect
from collections.abc import Iterable, Iterator, MutableMapping
from typing import Any, Callable

from .. import backend
from ..autograd import Tensor, enable_grad
from ..backward import zero_grads

__all__ = ["Optimizer", "check_flags"]

# options PyTorch added to its optimizers after their first release: a saved group without them gets PyTorch's
# default (the constructor's default) when it is loaded, as PyTorch's ``__setstate__`` does
_LATER_OPTIONS = ("maximize", "foreach", "fused", "capturable", "differentiable", "decoupled_weight_decay")


def check_flags(name: str, group: dict[str, Any]) -> None:
    """PyTorch's checks of the flags that choose its code path (see the module docstring), on ``group`` (the
    defaults or a parameter group) of the optimizer ``name``: ``fused`` with ``differentiable`` or with
    ``foreach`` is a RuntimeError with PyTorch's message; ``differentiable=True`` is refused
    (NotImplementedError, a RuntimeError) with what to do instead."""
    if group.get("fused"):
        if group.get("differentiable"):
            raise RuntimeError("`fused` does not support `differentiable`")
        if group.get("foreach"):
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
    if group.get("differentiable"):
        raise NotImplementedError(
            f"{name}: differentiable=True is not supported: minigan's optimizers update the parameters in place "
            "(p.data) and record no graph of the step. To differentiate through an update, write the step with "
            "minigan ops on new tensors (e.g. new = {n: p - lr * g for ...} with g from mg.grad(..., "
            "create_graph=True)) and run the model on them with minigan.func.functional_call(model, new, args)")


class _ParamState(MutableMapping):
    """``{parameter: state dict}``, keyed by the identity of the parameter.

    Reading a parameter that has no state yet gives (and stores) an empty dict, like the
    ``defaultdict(dict)`` PyTorch uses, so update code can write ``state = self.state[p]``.
    """

    def __init__(self) -> None:
        self._items: dict[int, tuple[Tensor, dict]] = {}

    def __getitem__(self, p: Tensor) -> dict:
        if id(p) not in self._items:
            self._items[id(p)] = (p, {})
        return self._items[id(p)][1]

    def __setitem__(self, p: Tensor, value: dict) -> None:
        self._items[id(p)] = (p, value)

    def __delitem__(self, p: Tensor) -> None:
        del self._items[id(p)]

    def __contains__(self, p: object) -> bool:
        return id(p) in self._items

    def __iter__(self) -> Iterator[Tensor]:
        return (p for p, _ in self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"{{{', '.join(f'<param {tuple(p.shape)}>: {s!r}' for p, s in self._items.values())}}}"


class Optimizer:
    """Base class: owns ``param_groups`` and ``state``; subclasses implement :meth:`step`.

    Args:
        params: an iterable of Tensors, or an iterable of dicts (parameter groups), each with a
            ``"params"`` entry and optional per-group options. ``(name, tensor)`` pairs
            (``model.named_parameters()``) may stand for the Tensors anywhere; the names are kept in
            the group's ``"param_names"``.
        defaults: the options (``lr``, ...) a group gets when it does not set them itself.

    Subclasses may override :meth:`_check_group` to validate a group's options; it runs on the
    defaults and on every group added, so a bad value fails early with a message naming it.
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], defaults: dict[str, Any]) -> None:
        name = type(self).__name__
        if isinstance(params, Tensor):
            raise TypeError(f"{name}: params should be an iterable of Tensors or dicts, "
                            f"but got a single Tensor of shape {params.shape} (wrap it in a list)")
        if isinstance(params, dict):
            raise TypeError(f"{name}: params should be an iterable of Tensors or dicts, but got one dict "
                            "(wrap a single parameter group in a list)")
        self.defaults = dict(defaults)
        check_flags(name, self.defaults)
        self._check_group(self.defaults)
        self.state = _ParamState()
        self.param_groups: list[dict[str, Any]] = []

        groups = list(params)
        if len(groups) == 0:
            raise ValueError(f"{name}: got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # ----------------------------------------------------------------- groups
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own options (e.g. when unfreezing layers mid-training)."""
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(f"{name}: a parameter group must be a dict, got {type(param_group).__name__}")
        group = dict(param_group)
        params = group.get("params")
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(f"{name}: a parameter group's params must be an ordered collection, not a set "
                            "(the order decides the indices in state_dict())")
        elif params is None:
            raise ValueError(f"{name}: a parameter group needs a 'params' entry, got keys {sorted(group)}")
        params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]   # from model.named_parameters()
        if names:
            if len(names) != len(params):
                raise ValueError(f"{name}: give all parameters with names ((name, tensor) pairs, as "
                                 "named_parameters() makes them) or all without")
            params = [p[1] for p in params]
            group["param_names"] = names
        if any(("param_names" in g) != bool(names) for g in self.param_groups):
            raise ValueError(f"{name}: all parameter groups should be with names or all without; cannot add a "
                             f"group {'with' if names else 'without'} names")
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"{name}: can only optimize Tensors, got {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(f"{name}: can only optimize leaf Tensors (parameters), "
                                 f"got one made by {p.grad_fn.name()}")
        if len({id(p) for p in params}) != len(params):
            raise ValueError(f"{name}: a parameter group lists the same parameter twice")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError(f"{name}: some parameters appear in more than one parameter group")

        group["params"] = params
        for key, value in self.defaults.items():
            group.setdefault(key, value)
        check_flags(name, group)
        self._check_group(group)
        self.param_groups.append(group)

    def _check_group(self, group: dict[str, Any]) -> None:
        """Raise ValueError for a bad option in ``group`` (overridden by subclasses)."""

    @staticmethod
    def _check_options(group: dict[str, Any], nonnegative: tuple[str, ...], betas: bool = False) -> None:
        """PyTorch's checks and messages: each option in ``nonnegative`` must be >= 0 (``Invalid learning rate:
        -1``, ``Invalid momentum value: -1``), and with ``betas`` both betas in [0, 1)."""
        for key in nonnegative:
            if not 0.0 <= group[key]:
                what = {"lr": "learning rate", "eps": "epsilon value"}.get(key, f"{key} value")
                raise ValueError(f"Invalid {what}: {group[key]}")
        for i in (0, 1) if betas else ():
            if not 0.0 <= group["betas"][i] < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {group['betas'][i]}")

    # ----------------------------------------------------------------- the training-loop API
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients of every parameter before the next backward pass: drop them (the default, as
        in PyTorch), or with ``set_to_none=False`` write zeros into them (:func:`minigan.backward.zero_grads`)."""
        zero_grads((p for group in self.param_groups for p in group["params"]), set_to_none)

    @staticmethod
    def _evaluate(closure: Callable[[], Any] | None):
        """``closure()``, with recording on (a step itself runs under ``no_grad`` in many training loops), or
        None without a closure: the loss a ``step(closure)`` returns."""
        if closure is None:
            return None
        with enable_grad():
            return closure()

    def step(self, closure: Callable[[], Any] | None = None):
        """Update every parameter that has a gradient once, each by :meth:`_update` on its own device;
        ``closure`` re-evaluates the loss, which is returned. (SGD and Adam write their own loop.)"""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                with backend.device_context(backend.device_of(p.data)):
                    self._update(p, self.state[p], group)
                p._bump_version()
        return loss

    @staticmethod
    def _gradient(p: Tensor, group: dict[str, Any]):
        """The gradient array one step follows: ``p.grad`` (negated with ``maximize``), plus ``weight_decay * p``
        (an L2 penalty), or, with ``decoupled_weight_decay``, the decay applied to ``p`` itself first,
        ``p *= 1 - lr * weight_decay`` (AdamW's way). A new array wherever it differs from ``p.grad``: the stored
        gradient is left as it was."""
        g = -p.grad.data if group["maximize"] else p.grad.data
        wd = group["weight_decay"]
        if wd != 0:
            if group.get("decoupled_weight_decay", False):
                p.data *= 1 - group["lr"] * wd
            else:
                g = g + wd * p.data
        return g

    def _update(self, p: Tensor, state: dict, group: dict[str, Any]) -> None:
        """Change ``p.data`` in place by one step of the algorithm, with the parameter's ``state`` and its
        ``group``'s options (overridden by subclasses)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement step()")

    # ----------------------------------------------------------------- checkpoints
    def state_dict(self) -> dict[str, Any]:
        """A snapshot of the optimizer: ``{"state": {index: {...}}, "param_groups": [...]}``.

        Parameters are replaced by their index (counting through the groups in order), so the
        snapshot does not refer to any Tensor; every array in it is a copy, so later steps do not
        change a snapshot already taken.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            packed["params"] = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                packed["params"].append(index[id(p)])
            groups.append(packed)
        state = {index[id(p)]: _copy_tree(s) for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a snapshot from :meth:`state_dict` into this optimizer's parameters.

        The groups must have the same sizes as when the snapshot was taken. Each saved array is
        copied onto its parameter's device; floating-point arrays take the parameter's dtype
        (integer counters such as Adam's ``step`` keep theirs). A saved group without one of the options
        PyTorch added later (``foreach``, ``decoupled_weight_decay``, ...) gets the constructor's default for it,
        as in PyTorch.
        """
        name = type(self).__name__
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"{name}.load_state_dict: the state dict has {len(saved_groups)} parameter "
                             f"group(s) but this optimizer has {len(self.param_groups)}")
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"{name}.load_state_dict: parameter group {i} has {len(saved['params'])} "
                                 f"parameter(s) in the state dict but {len(group['params'])} here")

        signature = inspect.signature(type(self).__init__).parameters
        new_groups = []
        for saved, group in zip(saved_groups, self.param_groups):
            new = {k: copy.deepcopy(v) for k, v in saved.items() if k != "params"}
            new["params"] = group["params"]
            for key in _LATER_OPTIONS:
                if key in self.defaults and key not in new:
                    new[key] = signature[key].default if key in signature else self.defaults[key]
            check_flags(name, new)
            new_groups.append(new)

        by_index = {}
        for saved, group in zip(saved_groups, self.param_groups):
            by_index.update(zip(saved["params"], group["params"]))
        self.state = _ParamState()
        for key, value in state_dict["state"].items():
            if key not in by_index:
                raise ValueError(f"{name}.load_state_dict: state for parameter index {key}, "
                                 f"which no parameter group lists")
            p = by_index[key]
            self.state[p] = _copy_tree(value, like=p.data)
        self.param_groups = new_groups

    # ----------------------------------------------------------------- printing
    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(k for k in group if k != "params"):
                lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)


def lerp_(start, end, weight: float):
    """``start += weight * (end - start)`` in place, in the form PyTorch's ``lerp`` uses for the weight's size:
    ``start + w (end - start)`` for ``|w| < 0.5``, else ``end - (1 - w)(end - start)``, so that ``w = 1`` gives
    ``end`` exactly (Adafactor's first step) and float32 runs round as PyTorch's do. The running means of
    every optimizer here (Adam's ``m = beta1 m + (1 - beta1) g`` is ``lerp_(m, g, 1 - beta1)``) are made with it."""
    if abs(weight) < 0.5:
        start += weight * (end - start)
    else:
        start *= -1
        start += end
        start *= -(1 - weight)      # -(1 - w)(end - start)
        start += end


def _copy_tree(value: Any, like=None) -> Any:
    """A deep copy of nested dicts/lists/tuples of arrays and scalars.

    With ``like`` (a parameter's array), every array is copied onto ``like``'s device, and
    floating-point arrays are cast to ``like``'s dtype, so state saved from a float32 CPU run
    continues on the GPU (or the other way round) in the parameter's own precision.
    """
    if backend.is_array(value):
        if like is None:
            return value.copy()
        device = backend.device_of(like)
        xp = backend.xp_of(like)
        dtype = like.dtype if value.dtype.kind == "f" and like.dtype.kind == "f" else value.dtype
        with backend.device_context(device):
            moved = backend.to_device(value, device)
            return xp.array(moved, dtype=dtype, copy=True)
    if isinstance(value, dict):
        return {k: _copy_tree(v, like) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy_tree(v, like) for v in value]
    if isinstance(value, tuple):
        return tuple(_copy_tree(v, like) for v in value)
    return copy.deepcopy(value)
