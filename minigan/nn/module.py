"""``Module`` and ``Parameter``, shaped like PyTorch's so that a learner's knowledge, and a state dict's names,
transfer both ways. The containers (``Sequential``, ``ModuleList``, ...) are in :mod:`minigan.nn.container`."""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Iterator, NamedTuple

import numpy as np

from .. import backend, settings
from ..autograd import Tensor
from ..backward import RemovableHandle, zero_grads


class Parameter(Tensor):
    """A tensor that a Module registers as learnable (``requires_grad=True`` by default)."""

    def __init__(self, data: Any, requires_grad: bool = True) -> None:
        arr = data.data if isinstance(data, Tensor) else data
        super().__init__(arr, requires_grad=requires_grad)
        if isinstance(data, Tensor) and self.data is data.data:    # one memory, one version counter
            self._version_counter = data._version_counter

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class Buffer(Tensor):
    """A tensor to be registered as a buffer by assigning it to a module's attribute, as ``torch.nn.Buffer``:
    ``self.mean = nn.Buffer(mg.zeros(3))`` is ``self.register_buffer("mean", mg.zeros(3))``, and
    ``persistent=False`` keeps it out of ``state_dict()``. On the module it is a plain Tensor sharing its memory;
    ``nn.Buffer()`` is an empty tensor of the default dtype."""

    def __init__(self, data: Any = None, *, persistent: bool = True) -> None:
        if data is None:
            data = np.empty(0, dtype=settings.get_default_dtype())
        elif not isinstance(data, Tensor) and not backend.is_array(data):
            raise TypeError(f"Buffer: expected a Tensor or an array, got {type(data).__name__}")
        super().__init__(data.data if isinstance(data, Tensor) else data)
        self.persistent = persistent


class _IncompatibleKeys(NamedTuple):
    """What ``load_state_dict`` returns: the model's keys the state dict lacked, and its keys the model lacks."""
    missing_keys: list[str]
    unexpected_keys: list[str]

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return f"_IncompatibleKeys(missing_keys={self.missing_keys}, unexpected_keys={self.unexpected_keys})"


def _device_and_dtype(args: tuple, device, dtype) -> tuple[str | None, np.dtype | None]:
    """``Module.to``'s arguments as ``(device, dtype)``: a string is a device, a NumPy dtype or type (``mg.float64``)
    is a dtype, and a Tensor gives both of its own."""
    if len(args) > 2:
        raise TypeError(f"Module.to takes a device, a dtype, both, or a tensor; got {len(args)} arguments")
    for a in args:
        if isinstance(a, Tensor):
            device, dtype = a.device, a.dtype
        elif isinstance(a, (type, np.dtype)):
            dtype = a
        else:
            device = a
    if dtype is not None:
        dtype = np.dtype(dtype)
        if dtype.kind not in "fc":
            raise TypeError(f"Module.to only accepts floating-point dtypes, got {dtype}")
    return (backend.normalize_device(device) if device is not None else None), dtype


def _moved(arr, device: str | None, dtype: np.dtype | None):
    """``arr`` on ``device`` and, if it holds floating-point numbers, of ``dtype``; ``arr`` itself when it
    already is."""
    if device is not None and backend.device_of(arr) != device:
        arr = backend.to_device(arr, device)
    if dtype is not None and arr.dtype.kind in "fc":
        arr = arr.astype(dtype, copy=False)
    return arr


class Module:
    """Base class of layers and models.

    Assigning a :class:`Parameter`, a :class:`Module` or a buffer (``register_buffer``) as an attribute
    registers it, so ``parameters()``, ``state_dict()``, ``to()`` and ``train()/eval()`` find it.
    Subclasses define ``forward``; call the module itself (``layer(x)``).
    """

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_forward_pre_hooks", [])
        object.__setattr__(self, "_forward_hooks", [])

    # ----------------------------------------------------------------- registration
    def __setattr__(self, name: str, value: Any) -> None:
        """Register Parameters, Modules and buffers by kind; a name already registered keeps its kind.

        So ``layer.weight = mg.zeros(2, 2)`` is a ``TypeError`` (a parameter takes a Parameter or None), as is
        ``bn.running_mean = np.zeros(3)`` (a buffer takes a Tensor or None), instead of quietly turning the
        parameter or buffer into a plain attribute that ``state_dict()`` no longer sees."""
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__}: call super().__init__() before assigning attributes")
        what = type(value).__name__
        if isinstance(value, Buffer):
            self.register_buffer(name, Tensor(value.data), persistent=value.persistent)
        elif isinstance(value, Parameter):
            self._forget(name, keeping=self._parameters)
            self._parameters[name] = value
        elif name in self._parameters:
            if value is not None:
                raise TypeError(f"cannot assign '{what}' as parameter '{name}' (nn.Parameter or None expected)")
            self._parameters[name] = None
        elif isinstance(value, Module):
            self._forget(name, keeping=self._modules)
            self._modules[name] = value
        elif name in self._modules:
            if value is not None:
                raise TypeError(f"cannot assign '{what}' as child module '{name}' (nn.Module or None expected)")
            self._modules[name] = None
        elif name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{what}' as buffer '{name}' (Tensor or None expected)")
            self._buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name: str, keeping: dict | None = None) -> None:
        """Drop ``name`` wherever it is registered, before it is registered again. Where it is already
        registered in ``keeping`` it stays, so replacing a layer (``model.fc = Linear(...)``) keeps its place
        in ``state_dict()``, as in PyTorch."""
        for d in (self._parameters, self._modules, self._buffers):
            if d is not keeping:
                d.pop(name, None)
        if keeping is not self._buffers:
            self._non_persistent_buffers.discard(name)
        self.__dict__.pop(name, None)

    def __getattr__(self, name: str) -> Any:
        d = self.__dict__
        for key in ("_parameters", "_modules", "_buffers"):
            if key in d and name in d[key]:
                return d[key][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for d in (self._parameters, self._modules, self._buffers):
            if name in d:
                del d[name]
                self._non_persistent_buffers.discard(name)
                return
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` under ``name``; ``None`` keeps the name as a parameter slot with no value
        (``Linear(..., bias=False)`` has ``bias = None``)."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{type(param).__name__}' as parameter '{name}' "
                            "(nn.Parameter or None expected)")
        self._forget(name, keeping=self._parameters)
        self._parameters[name] = param

    def register_buffer(self, name: str, value: Tensor | None, persistent: bool = True) -> None:
        """A tensor that is state but not learnable (batch norm's running mean).

        ``persistent=False`` keeps it out of ``state_dict()`` (it still moves with ``to()``)."""
        if value is not None and not isinstance(value, Tensor):
            raise TypeError(f"cannot assign '{type(value).__name__}' as buffer '{name}' (Tensor or None expected)")
        self._forget(name, keeping=self._buffers)
        self._buffers[name] = value
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)

    def add_module(self, name: str, module: "Module | None") -> None:
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: '{name}' must be a Module or None, got {type(module).__name__}")
        self._forget(name, keeping=self._modules)
        self._modules[name] = module

    # ----------------------------------------------------------------- calling
    def forward(self, *args, **kwargs):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} has no forward()")

    def __call__(self, *args, **kwargs):
        if not (self._forward_pre_hooks or self._forward_hooks):
            return self.forward(*args, **kwargs)
        for hook in list(self._forward_pre_hooks):
            changed = hook(self, args)
            if changed is not None:
                args = changed if isinstance(changed, tuple) else (changed,)
        output = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks):
            changed = hook(self, args, output)
            if changed is not None:
                output = changed
        return output

    def register_forward_pre_hook(self, hook) -> RemovableHandle:
        """Call ``hook(module, args)`` before each ``forward``; ``args`` is the tuple of positional inputs. A
        hook that returns something replaces them (a non-tuple becomes a one-element tuple). Returns a handle
        whose ``remove()`` takes the hook off again."""
        self._forward_pre_hooks.append(hook)
        return RemovableHandle(self._forward_pre_hooks, hook)

    def register_forward_hook(self, hook) -> RemovableHandle:
        """Call ``hook(module, args, output)`` after each ``forward``: the way to watch what a layer inside a
        model computes (``activations[name] = output.detach()``). A hook that returns something replaces the
        output. Returns a handle whose ``remove()`` takes the hook off again."""
        self._forward_hooks.append(hook)
        return RemovableHandle(self._forward_hooks, hook)

    # ----------------------------------------------------------------- traversal
    def named_modules(self, prefix: str = "", remove_duplicate: bool = True) -> Iterator[tuple[str, "Module"]]:
        """This module and every module below it, depth first, parents before children, with dotted names.

        A module registered in two places (``Sequential(s, s)``) comes once, under its first name, unless
        ``remove_duplicate=False``."""
        seen: set[int] = set()
        stack = [(prefix, self)]
        while stack:
            name, mod = stack.pop(0)
            if remove_duplicate:
                if id(mod) in seen:
                    continue
                seen.add(id(mod))
            yield name, mod
            stack[0:0] = [(f"{name}.{n}" if name else n, m) for n, m in mod._modules.items() if m is not None]

    def modules(self) -> Iterator["Module"]:
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[tuple[str, "Module"]]:
        """The direct submodules with their names (each once, even if registered twice)."""
        seen: set[int] = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                yield name, m

    def children(self) -> Iterator["Module"]:
        for _, m in self.named_children():
            yield m

    def get_submodule(self, target: str) -> "Module":
        """The submodule at a dotted path: ``net.get_submodule("main.0")``; ``""`` is this module."""
        mod = self
        if target == "":
            return mod
        for i, part in enumerate(target.split(".")):
            if mod._modules.get(part) is None:
                where = ".".join(target.split(".")[:i]) or type(self).__name__
                raise AttributeError(f"{where} has no submodule '{part}' (looking for '{target}')")
            mod = mod._modules[part]
        return mod

    def _named_members(self, kind: str, prefix: str, recurse: bool,
                       remove_duplicate: bool) -> Iterator[tuple[str, Tensor]]:
        """``(dotted name, tensor)`` from ``_parameters`` or ``_buffers`` of this module (and, with ``recurse``,
        of every submodule); a tensor shared by two modules comes once unless ``remove_duplicate=False``."""
        mods = self.named_modules(prefix, remove_duplicate) if recurse else [(prefix, self)]
        seen: set[int] = set()
        for mname, mod in mods:
            for name, t in getattr(mod, kind).items():
                if t is None or (remove_duplicate and id(t) in seen):
                    continue
                seen.add(id(t))
                yield (f"{mname}.{name}" if mname else name), t

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    # ----------------------------------------------------------------- state
    def state_dict(self, *, prefix: str = "", keep_vars: bool = False) -> "OrderedDict[str, Tensor]":
        """Parameters and persistent buffers by dotted name (``"0.weight"``, ``"bn.running_mean"``), as in
        PyTorch, each name after ``prefix`` (``prefix="G."`` gives ``"G.0.weight"``). The tensors are detached
        views of the live data (``keep_vars=True``: the Parameters and buffers themselves); save them with
        ``minigan.io.save``. A module registered twice is listed under both names, so the state dict of
        ``Sequential(s, s)`` has ``0.weight`` and ``1.weight``."""
        out: OrderedDict[str, Tensor] = OrderedDict()
        for mname, mod in self.named_modules(remove_duplicate=False):
            buffers = [(n, b) for n, b in mod._buffers.items() if n not in mod._non_persistent_buffers]
            for name, t in list(mod._parameters.items()) + buffers:
                if t is not None:
                    out[prefix + (f"{mname}.{name}" if mname else name)] = t if keep_vars else t.detach()
        return out

    def load_state_dict(self, state: dict, strict: bool = True) -> "_IncompatibleKeys":
        """Copy arrays (or Tensors) into this module's parameters and buffers, by name.

        Every key and shape is checked before anything is copied. A shape mismatch, and with ``strict`` (the
        default) a missing or an unexpected key, is a ``RuntimeError`` that lists all of them, each with its
        name (and both shapes), as PyTorch's does; nothing is copied then. Values move to each tensor's
        device. Returns ``(missing_keys, unexpected_keys)`` as a named tuple."""
        for prefix, m in self.named_modules():   # a lazy layer first takes its shapes from the state dict
            if hasattr(m, "_materialize_from_state"):
                m._materialize_from_state(state, prefix + "." if prefix else "")
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state]
        unexpected = [k for k in state if k not in own]
        arrays, errors = {}, []
        for k, v in state.items():
            if k not in own:
                continue
            arr = v.data if isinstance(v, Tensor) else v
            arrays[k] = arr if backend.is_array(arr) else np.asarray(arr)
            if tuple(arrays[k].shape) != own[k].shape:
                errors.append(f"size mismatch for {k}: copying a param with shape {tuple(arrays[k].shape)} from "
                              f"checkpoint, the shape in current model is {own[k].shape}.")
        if strict and unexpected:
            errors.insert(0, "Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected) + ". ")
        if strict and missing:
            errors.insert(0, "Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ". ")
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                               + "\n\t".join(errors))
        for k, arr in arrays.items():
            target = own[k]
            if backend.device_of(arr) != target.device:
                arr = backend.to_device(arr, target.device)
            target.data[...] = arr.astype(target.dtype, copy=False)
            target._bump_version()
        return _IncompatibleKeys(missing, unexpected)

    # ----------------------------------------------------------------- modes and devices
    def train(self, mode: bool = True) -> "Module":
        for m in self.modules():
            object.__setattr__(m, "training", bool(mode))
        return self

    def eval(self) -> "Module":
        return self.train(False)

    def to(self, *args, device=None, dtype=None, memory_format=None) -> "Module":
        """Move and/or cast every parameter and buffer in place, and their gradients with them, as PyTorch's
        does: ``to("cuda")``, ``to(mg.float64)``, ``to("cuda", mg.float64)``, ``to(device=..., dtype=...)``
        or ``to(tensor)`` (that tensor's device and dtype).

        Only floating-point tensors are cast (``num_batches_tracked`` stays an integer). Parameters stay the
        same objects, so an optimizer built before the move keeps working, and an array that is already on
        the device and of the dtype is left as it is. ``memory_format=mg.channels_last`` relays the 4-d ones
        (minigan/memory_formats.py)."""
        from ..memory_formats import for_module
        device, dtype = _device_and_dtype(args, device, dtype)
        relay = for_module(memory_format, list(self.parameters()) + list(self.buffers()))
        for t in list(self.parameters()) + list(self.buffers()):
            t.data = relay(_moved(t.data, device, dtype))
            if t.grad is not None:
                t.grad.data = relay(_moved(t.grad.data, device, dtype))
        return self

    def double(self) -> "Module":
        return self.to(dtype=np.float64)

    def float(self) -> "Module":
        return self.to(dtype=np.float32)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Drop every parameter's gradient, or with ``set_to_none=False`` zero it, as ``optimizer.zero_grad``."""
        zero_grads(self.parameters(), set_to_none)

    def requires_grad_(self, flag: bool = True) -> "Module":
        for p in self.parameters():
            p.requires_grad_(flag)
        return self

    def apply(self, fn) -> "Module":
        """Call ``fn`` on every submodule, children first, then on this module (PyTorch's order), e.g. to
        initialise weights: ``model.apply(init_weights)``."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # ----------------------------------------------------------------- printing
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__}({self.extra_repr()}"]
        if self._modules:
            for name, m in self._modules.items():
                child = repr(m).replace("\n", "\n  ")
                lines.append(f"  ({name}): {child}")
            return "\n".join(lines) + "\n)"
        return lines[0] + ")"
