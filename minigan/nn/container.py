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

    def __repr__(self) -> str:
        """As PyTorch prints a ModuleList: a run of equal modules on one line, ``(0-5): 6 x EncoderLayer(...)``."""
        if not self._modules:
            return f"{type(self).__name__}()"
        runs: list[list] = []                 # [first index, last index, repr]
        for i, m in enumerate(self):
            text = repr(m)
            if runs and runs[-1][2] == text:
                runs[-1][1] = i
            else:
                runs.append([i, i, text])
        lines = [f"{type(self).__name__}("]
        for first, last, text in runs:
            where = f"({first})" if first == last else f"({first}-{last}): {last - first + 1} x"
            lines.append(f"  {where}{':' if first == last else ''} " + text.replace("\n", "\n  "))
        return "\n".join(lines) + "\n)"


class _KeyedContainer(Module):
    """What ModuleDict and ParameterDict share: a dict's methods over one of the Module's registries
    (``_store`` names it), so what is put in is registered under its key."""

    _store = "_modules"

    def __init__(self, items=None) -> None:
        super().__init__()
        if items is not None:
            self.update(items)

    def _registry(self) -> dict:
        return getattr(self, self._store)

    def __getitem__(self, key: str):
        return self._registry()[key]

    def __delitem__(self, key: str) -> None:
        del self._registry()[key]

    def __len__(self) -> int:
        return len(self._registry())

    def __iter__(self):
        return iter(self._registry())

    def __contains__(self, key: str) -> bool:
        return key in self._registry()

    def keys(self):
        return self._registry().keys()

    def values(self):
        return self._registry().values()

    def items(self):
        return self._registry().items()

    def pop(self, key: str):
        value = self[key]
        del self[key]
        return value

    def clear(self) -> None:
        self._registry().clear()

    def update(self, items) -> None:
        for key, value in (items.items() if isinstance(items, Mapping) else items):
            self[key] = value


class ModuleDict(_KeyedContainer):
    """A dict of modules whose parameters are registered under their keys: ``ModuleDict({"d": D, "g": G})``."""

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None) -> None:
        super().__init__(modules)

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)


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


class ParameterDict(_KeyedContainer):
    """A dict of parameters, registered under their keys."""

    _store = "_parameters"

    def __init__(self, parameters: Mapping[str, Tensor] | Iterable[tuple[str, Tensor]] | None = None) -> None:
        super().__init__(parameters)

    def __setitem__(self, key: str, value: Tensor) -> None:
        self.register_parameter(key, _as_parameter(value))

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
