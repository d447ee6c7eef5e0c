"""``Module``, ``Parameter`` and ``Sequential``, shaped like PyTorch's so that a learner's knowledge,
and a state dict's names, transfer both ways."""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Iterator

import numpy as np

from .. import backend
from ..autograd import Tensor


class Parameter(Tensor):
    """A tensor that a Module registers as learnable (``requires_grad=True`` by default)."""

    def __init__(self, data: Any, requires_grad: bool = True) -> None:
        arr = data.data if isinstance(data, Tensor) else data
        super().__init__(arr, requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


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
        object.__setattr__(self, "training", True)

    # ----------------------------------------------------------------- registration
    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__}: call super().__init__() before assigning attributes")
        for d in (self._parameters, self._modules, self._buffers):
            d.pop(name, None)
        if isinstance(value, Parameter):
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        elif name in self.__dict__.get("_buffer_names", ()):
            self._buffers[name] = value
        else:
            object.__setattr__(self, name, value)
            return
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
                return
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        if param is None:
            self.__dict__.pop(name, None)
            self._parameters[name] = None
        else:
            setattr(self, name, param)

    def register_buffer(self, name: str, value: Tensor | None) -> None:
        """A tensor that is state but not learnable (batch norm's running mean)."""
        names = self.__dict__.setdefault("_buffer_names", set())
        names.add(name)
        self.__dict__.pop(name, None)
        self._buffers[name] = value

    def add_module(self, name: str, module: "Module") -> None:
        self._modules[name] = module

    # ----------------------------------------------------------------- calling
    def forward(self, *args, **kwargs):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} has no forward()")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # ----------------------------------------------------------------- traversal
    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, "Module"]]:
        stack = [(prefix, self)]
        while stack:
            name, mod = stack.pop(0)
            yield name, mod
            stack[0:0] = [(f"{name}.{n}" if name else n, m) for n, m in mod._modules.items() if m is not None]

    def modules(self) -> Iterator["Module"]:
        for _, m in self.named_modules():
            yield m

    def children(self) -> Iterator["Module"]:
        return iter(m for m in self._modules.values() if m is not None)

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        seen = set()
        for mname, mod in self.named_modules(prefix):
            for pname, p in mod._parameters.items():
                if p is not None and id(p) not in seen:
                    seen.add(id(p))
                    yield (f"{mname}.{pname}" if mname else pname), p

    def parameters(self) -> Iterator[Parameter]:
        for _, p in self.named_parameters():
            yield p

    def named_buffers(self) -> Iterator[tuple[str, Tensor]]:
        for mname, mod in self.named_modules():
            for bname, b in mod._buffers.items():
                if b is not None:
                    yield (f"{mname}.{bname}" if mname else bname), b

    def buffers(self) -> Iterator[Tensor]:
        for _, b in self.named_buffers():
            yield b

    # ----------------------------------------------------------------- state
    def state_dict(self) -> "OrderedDict[str, Tensor]":
        """Parameters and buffers by dotted name (``"0.weight"``, ``"bn.running_mean"``), as in PyTorch.
        The tensors are detached views of the live data; save them with ``minigan.io.save``."""
        out: OrderedDict[str, Tensor] = OrderedDict()
        for mname, mod in self.named_modules():
            for name, t in list(mod._parameters.items()) + list(mod._buffers.items()):
                if t is not None:
                    out[f"{mname}.{name}" if mname else name] = t.detach()
        return out

    def load_state_dict(self, state: dict, strict: bool = True) -> tuple[list[str], list[str]]:
        """Copy arrays (or Tensors) into this module's parameters and buffers, by name.

        Strict by default: a missing key, an unexpected key or a shape mismatch is a ``KeyError`` /
        ``ValueError`` that names the key (and both shapes). Values move to each tensor's device."""
        own = self.state_dict()
        missing = [k for k in own if k not in state]
        unexpected = [k for k in state if k not in own]
        if strict and (missing or unexpected):
            parts = []
            if missing:
                parts.append("missing keys: " + ", ".join(missing))
            if unexpected:
                parts.append("unexpected keys: " + ", ".join(unexpected))
            raise KeyError(f"load_state_dict for {type(self).__name__}: " + "; ".join(parts))
        for k, v in state.items():
            if k not in own:
                continue
            arr = v.data if isinstance(v, Tensor) else v
            if not backend.is_array(arr):
                arr = np.asarray(arr)
            target = self._lookup(k)
            if tuple(arr.shape) != target.shape:
                raise ValueError(f"load_state_dict for {type(self).__name__}: size mismatch for {k}: the checkpoint "
                                 f"has shape {tuple(arr.shape)}, the model has shape {target.shape}")
            if backend.device_of(arr) != target.device:
                arr = backend.to_device(arr, target.device)
            target.data[...] = arr.astype(target.dtype, copy=False)
            target._bump_version()
        return missing, unexpected

    def _lookup(self, dotted: str) -> Tensor:
        *path, leaf = dotted.split(".")
        mod = self
        for p in path:
            mod = mod._modules[p]
        return mod._parameters[leaf] if leaf in mod._parameters else mod._buffers[leaf]

    # ----------------------------------------------------------------- modes and devices
    def train(self, mode: bool = True) -> "Module":
        for m in self.modules():
            object.__setattr__(m, "training", bool(mode))
        return self

    def eval(self) -> "Module":
        return self.train(False)

    def to(self, device=None, dtype=None) -> "Module":
        """Move (and/or cast) every parameter and buffer in place; parameters stay the same objects,
        so an optimizer built before the move keeps working."""
        dev = backend.normalize_device(device) if device is not None else None
        for t in list(self.parameters()) + list(self.buffers()):
            arr = t.data
            if dev is not None and backend.device_of(arr) != dev:
                arr = backend.to_device(arr, dev)
            if dtype is not None and arr.dtype.kind == "f":
                arr = arr.astype(dtype)
            if arr is not t.data:
                t.data = arr
                t.grad = None  # a gradient on the old device or dtype no longer matches
        return self

    def double(self) -> "Module":
        return self.to(dtype=np.float64)

    def float(self) -> "Module":
        return self.to(dtype=np.float32)

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.parameters():
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad = Tensor(backend.xp_of(p.data).zeros_like(p.data))

    def requires_grad_(self, flag: bool = True) -> "Module":
        for p in self.parameters():
            p.requires_grad_(flag)
        return self

    def apply(self, fn) -> "Module":
        for m in self.modules():
            fn(m)
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


class Sequential(Module):
    """Modules applied in order: ``Sequential(Linear(2, 4), ReLU(), Linear(4, 1))``."""

    def __init__(self, *modules: Module) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], (dict, OrderedDict)):
            for name, m in modules[0].items():
                self.add_module(name, m)
        else:
            for i, m in enumerate(modules):
                self.add_module(str(i), m)

    def forward(self, x):
        for m in self._modules.values():
            x = m(x)
        return x

    def __getitem__(self, i):
        mods = list(self._modules.values())
        if isinstance(i, slice):
            return Sequential(*mods[i])
        return mods[i]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module: Module) -> "Sequential":
        self.add_module(str(len(self)), module)
        return self


class ModuleList(Module):
    """A list of modules whose parameters are registered."""

    def __init__(self, modules=()) -> None:
        super().__init__()
        for m in modules:
            self.append(m)

    def append(self, module: Module) -> "ModuleList":
        self.add_module(str(len(self._modules)), module)
        return self

    def __getitem__(self, i):
        return list(self._modules.values())[i]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())
