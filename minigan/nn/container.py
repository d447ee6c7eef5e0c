"""Containers: modules that hold other modules (or parameters) and register them, as PyTorch's.

``Sequential`` runs its modules in order; ``ModuleList`` and ``ModuleDict`` only hold them (the model's own
``forward`` decides how to use them); ``ParameterList`` and ``ParameterDict`` hold parameters. Whatever a
container holds is found by ``parameters()``, ``state_dict()``, ``to()`` and ``train()``/``eval()``, under the
index or key it was given (``"0.weight"``, ``"encoder.weight"``)."""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping

from ..autograd import Tensor
from .module import Module, Parameter


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
        """``seq[i]`` is a module; ``seq[a:b]`` is a Sequential of those modules under their original names,
        so ``seq[3:].state_dict()`` has the keys ``"3.weight"``, ... that ``seq.state_dict()`` has."""
        if isinstance(i, slice):
            return type(self)(OrderedDict(list(self._modules.items())[i]))
        return list(self._modules.values())[i]

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
        """``mods[i]`` is a module; ``mods[a:b]`` is a new ModuleList of those modules (numbered from 0)."""
        if isinstance(i, slice):
            return type(self)(list(self._modules.values())[i])
        return list(self._modules.values())[i]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())


class ModuleDict(Module):
    """A dict of modules whose parameters are registered under their keys: ``ModuleDict({"d": D, "g": G})``."""

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key: str) -> bool:
        return key in self._modules

    def keys(self):
        return self._modules.keys()

    def values(self):
        return self._modules.values()

    def items(self):
        return self._modules.items()

    def pop(self, key: str) -> Module:
        module = self[key]
        del self[key]
        return module

    def clear(self) -> None:
        self._modules.clear()

    def update(self, modules) -> None:
        for key, module in (modules.items() if isinstance(modules, Mapping) else modules):
            self[key] = module


class ParameterList(Module):
    """A list of parameters, registered as ``"0"``, ``"1"``, ...; a Tensor that is not yet a Parameter
    becomes one, as in PyTorch."""

    def __init__(self, values: Iterable[Tensor] | None = None) -> None:
        super().__init__()
        for v in values or ():
            self.append(v)

    def append(self, value: Tensor) -> "ParameterList":
        self.register_parameter(str(len(self)), _as_parameter(value))
        return self

    def extend(self, values: Iterable[Tensor]) -> "ParameterList":
        for v in values:
            self.append(v)
        return self

    def __getitem__(self, i):
        if isinstance(i, slice):
            return type(self)(list(self._parameters.values())[i])
        return list(self._parameters.values())[i]

    def __setitem__(self, i: int, value: Tensor) -> None:
        self.register_parameter(str(range(len(self))[i]), _as_parameter(value))

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self):
        return iter(self._parameters.values())

    def __repr__(self) -> str:
        return _parameters_repr(self, enumerate(self))


class ParameterDict(Module):
    """A dict of parameters, registered under their keys."""

    def __init__(self, parameters: Mapping[str, Tensor] | Iterable[tuple[str, Tensor]] | None = None) -> None:
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key: str) -> Parameter:
        return self._parameters[key]

    def __setitem__(self, key: str, value: Tensor) -> None:
        self.register_parameter(key, _as_parameter(value))

    def __delitem__(self, key: str) -> None:
        del self._parameters[key]

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self):
        return iter(self._parameters)

    def __contains__(self, key: str) -> bool:
        return key in self._parameters

    def keys(self):
        return self._parameters.keys()

    def values(self):
        return self._parameters.values()

    def items(self):
        return self._parameters.items()

    def update(self, parameters) -> None:
        for key, value in (parameters.items() if isinstance(parameters, Mapping) else parameters):
            self[key] = value

    def __repr__(self) -> str:
        return _parameters_repr(self, self.items())


def _as_parameter(value: Tensor) -> Parameter:
    if isinstance(value, Parameter):
        return value
    if not isinstance(value, Tensor):
        raise TypeError(f"a parameter container holds Tensors, got {type(value).__name__}")
    return Parameter(value)


def _parameters_repr(container: Module, named) -> str:
    """One line per parameter, as PyTorch prints its parameter containers: ``(0): Parameter containing:
    [float32 of size 2x3]``."""
    lines = [f"  ({k}): Parameter containing: [{p.dtype} of size {'x'.join(map(str, p.shape))}]" for k, p in named]
    return f"{type(container).__name__}(" + ("\n" + "\n".join(lines) + "\n" if lines else "") + ")"
