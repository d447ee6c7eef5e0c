"""Parametrizations, as ``torch.nn.utils.parametrize``: a module's tensor computed from other tensors on every
access, so a constraint (orthogonal, symmetric, of norm one) holds by construction while the optimizer trains
an unconstrained tensor.

After ``register_parametrization(layer, "weight", P())`` the parameter moves to
``layer.parametrizations.weight.original`` (the one the optimizer trains, and the ``state_dict`` key, as in
PyTorch) and ``layer.weight`` becomes a property that returns ``P()(original)``. To make ``weight`` a property
of this one layer and not of every ``Linear``, the layer's class is swapped for a subclass made for it
(``ParametrizedLinear``); :func:`remove_parametrizations` swaps it back, and :func:`type_before_parametrizations`
gives the class it had before.
"""
from __future__ import annotations

from collections.abc import Sequence
from contextlib import contextmanager
from copy import deepcopy

from ...autograd import Tensor
from ...grad_mode import no_grad
from ..container import ModuleDict, ModuleList
from ..module import Module, Parameter

__all__ = ["register_parametrization", "remove_parametrizations", "is_parametrized", "cached",
           "type_before_parametrizations", "ParametrizationList"]

_cache_enabled = 0
_cache: dict = {}


@contextmanager
def cached():
    """Inside ``with cached():`` each parametrized tensor is computed once, on its first access, and reused
    (a recurrent layer reads its weight once per step; an orthogonal map need not be recomputed each time).
    Blocks nest; the cache is emptied when the outermost one ends."""
    global _cache_enabled, _cache
    _cache_enabled += 1
    try:
        yield
    finally:
        _cache_enabled -= 1
        if not _cache_enabled:
            _cache = {}


def _register_parameter_or_buffer(module: Module, name: str, x: Tensor) -> None:
    if isinstance(x, Parameter):
        module.register_parameter(name, x)
    else:
        module.register_buffer(name, x)


def _set_(original: Tensor, new: Tensor) -> None:
    """``original.set_(new)``: ``original`` (the same object, so an optimizer holding it keeps working) now
    holds ``new``'s array."""
    if original.data is not new.data:
        original.data = new.data
        original._bump_version()


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor, applied in order, and the tensor(s) they start from.

    ``original`` is the unconstrained tensor (a Parameter if the module's tensor was one, otherwise a buffer).
    When the first parametrization's ``right_inverse`` returns several tensors, they are ``original0``,
    ``original1``, ... and the first parametrization takes them all as arguments. Calling the list
    (``forward()``) computes the parametrized tensor; :meth:`right_inverse` goes the other way, and is what
    ``module.weight = X`` calls."""

    def __init__(self, modules, original: Tensor, unsafe: bool = False) -> None:
        if len(modules) == 0:
            raise ValueError("ParametrizationList requires one or more modules.")
        super().__init__(modules)
        self.unsafe = unsafe
        shape, dtype = original.shape, original.dtype
        with no_grad():
            new = original
            for m in reversed(list(self)):
                if hasattr(m, "right_inverse"):
                    try:
                        new = m.right_inverse(new)
                    except NotImplementedError:
                        pass
        if not isinstance(new, (Tensor, Sequence)):
            raise ValueError("'right_inverse' must return a Tensor or a Sequence of tensors (list, tuple...). "
                             f"Got {type(new).__name__}")
        self.is_tensor = isinstance(new, Tensor)
        self.ntensors = 1 if self.is_tensor else len(new)
        if self.is_tensor:
            if new.dtype != dtype:
                raise ValueError("When `right_inverse` outputs one tensor, it may not change the dtype.\n"
                                 f"original.dtype: {dtype}\nright_inverse(original).dtype: {new.dtype}")
            _set_(original, new)
            _register_parameter_or_buffer(self, "original", original)
        else:
            for i, x in enumerate(new):
                if not isinstance(x, Tensor):
                    raise ValueError("'right_inverse' must return a Tensor or a Sequence of tensors (list, tuple...)"
                                     f". Got element {i} of the sequence with type {type(x).__name__}.")
                if isinstance(original, Parameter):
                    x = Parameter(x, original.requires_grad)
                x.requires_grad_(original.requires_grad)
                _register_parameter_or_buffer(self, f"original{i}", x)
        if not unsafe:
            z = self()
            if not isinstance(z, Tensor):
                raise ValueError(f"A parametrization must return a tensor. Got {type(z).__name__}.")
            if z.dtype != dtype:
                raise ValueError("Registering a parametrization may not change the dtype of the tensor, unless "
                                 f"`unsafe` flag is enabled.\nunparametrized dtype: {dtype}\n"
                                 f"parametrized dtype: {z.dtype}")
            if z.shape != shape:
                raise ValueError("Registering a parametrization may not change the shape of the tensor, unless "
                                 f"`unsafe` flag is enabled.\nunparametrized shape: {shape}\n"
                                 f"parametrized shape: {z.shape}")

    def right_inverse(self, value: Tensor) -> None:
        """Set the original tensor(s) so that the parametrized tensor becomes ``value``: each parametrization's
        ``right_inverse``, last to first (each must have one), then copied into ``original`` in place."""
        with no_grad():
            for m in reversed(list(self)):
                if not hasattr(m, "right_inverse"):
                    raise RuntimeError(f"parametrization {type(m).__name__} does not implement right_inverse.")
                value = m.right_inverse(value)
            if self.is_tensor:
                if not isinstance(value, Tensor):
                    raise ValueError(f"`right_inverse` should return a tensor. Got {type(value).__name__}")
                if value.dtype != self.original.dtype:
                    raise ValueError(f"The tensor returned by `right_inverse` has dtype {value.dtype} "
                                     f"while `original` has dtype {self.original.dtype}")
                _set_(self.original, value)
                return
            if not isinstance(value, Sequence):
                raise ValueError(f"'right_inverse' must return a sequence of tensors. Got {type(value).__name__}.")
            if len(value) != self.ntensors:
                raise ValueError("'right_inverse' must return a sequence of tensors of length "
                                 f"{self.ntensors}. Got a sequence of length {len(value)}.")
            for i, t in enumerate(value):
                orig = getattr(self, f"original{i}")
                if not isinstance(t, Tensor):
                    raise ValueError(f"'right_inverse' must return a sequence of tensors. Got element {i} of "
                                     f"type {type(t).__name__}.")
                if t.dtype != orig.dtype:
                    raise ValueError(f"Tensor {i} returned by `right_inverse` has dtype {t.dtype} "
                                     f"while `original{i}` has dtype {orig.dtype}")
                _set_(orig, t)

    def forward(self) -> Tensor:
        mods = list(self)
        if self.is_tensor:
            x = mods[0](self.original)
        else:
            x = mods[0](*(getattr(self, f"original{i}") for i in range(self.ntensors)))
        for m in mods[1:]:
            x = m(x)
        return x


def _parametrized_class(cls: type) -> type:
    """A subclass of ``cls`` for one module, to hold that module's parametrized properties. Like PyTorch's, it
    refuses pickling (save a parametrized module through ``state_dict()``) but allows ``copy.deepcopy``, and
    assigning a Parameter to a parametrized name is a ``KeyError``, as a name taken by a property is."""
    def __getstate__(self):
        raise RuntimeError("Serialization of parametrized modules is only supported through state_dict().")

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        replica = self.__new__(type(self))
        memo[id(self)] = replica
        object.__setattr__(replica, "__dict__", deepcopy(self.__dict__, memo))
        return replica

    def __setattr__(self, name, value):
        if isinstance(value, Parameter) and isinstance(getattr(type(self), name, None), property):
            raise KeyError(f"attribute '{name}' already exists")
        cls.__setattr__(self, name, value)

    dct = {"__getstate__": __getstate__, "__setattr__": __setattr__}
    if not hasattr(cls, "__deepcopy__"):
        dct["__deepcopy__"] = __deepcopy__
    return type(f"Parametrized{cls.__name__}", (cls,), dct)


def _parametrized_property(tensor_name: str) -> property:
    def get(self) -> Tensor:
        plist = self.parametrizations[tensor_name]
        if not _cache_enabled:
            return plist()
        key = (id(self), tensor_name)
        if key not in _cache:
            _cache[key] = plist()
        return _cache[key]

    def set_(self, value: Tensor) -> None:
        self.parametrizations[tensor_name].right_inverse(value)

    return property(get, set_, doc=f"``{tensor_name}``, computed by its parametrizations on each access.")


def register_parametrization(module: Module, tensor_name: str, parametrization: Module, *,
                             unsafe: bool = False) -> Module:
    """Make ``module.<tensor_name>`` the output of ``parametrization`` (a Module) applied to the unconstrained
    ``module.parametrizations.<tensor_name>.original``, as ``torch.nn.utils.parametrize.register_parametrization``.

    If ``parametrization`` has ``right_inverse(X)``, ``original`` is set to it at registration, so the tensor's
    value does not change (``right_inverse`` may return a sequence: ``original0``, ``original1``, ...), and
    ``module.<tensor_name> = X`` calls it. Registering again on the same name chains the parametrizations
    (applied in order of registration). Unless ``unsafe``, a parametrization may change neither the dtype nor
    the shape of the tensor. Returns the module."""
    parametrization.train(module.training)
    if is_parametrized(module, tensor_name):
        if not unsafe:
            y = getattr(module, tensor_name)
            x = parametrization(y)
            if not isinstance(x, Tensor):
                raise ValueError(f"A parametrization must return a tensor. Got {type(x).__name__}.")
            if x.dtype != y.dtype:
                raise ValueError("Registering a parametrization may not change the dtype of the tensor, unless the "
                                 f"`unsafe` flag is enabled.\nmodule.{tensor_name}.dtype: {y.dtype}\n"
                                 f"parametrization(module.{tensor_name}).dtype: {x.dtype}")
            if x.shape != y.shape:
                raise ValueError("Registering a parametrization may not change the shape of the tensor, unless the "
                                 f"`unsafe` flag is enabled.\nmodule.{tensor_name}.shape: {y.shape}\n"
                                 f"parametrization(module.{tensor_name}).shape: {x.shape}")
            if hasattr(parametrization, "right_inverse"):
                try:
                    z = parametrization.right_inverse(x)
                except NotImplementedError:
                    pass
                else:
                    if not isinstance(z, Tensor):
                        raise ValueError("parametrization.right_inverse must return a tensor. "
                                         f"Got: {type(z).__name__}")
                    if z.dtype != y.dtype or z.shape != y.shape:
                        raise ValueError("The tensor returned by parametrization.right_inverse must have the same "
                                         f"dtype and shape as module.{tensor_name}, unless the `unsafe` flag is "
                                         f"enabled.\nmodule.{tensor_name}: {y.dtype} {y.shape}\n"
                                         f"returned: {z.dtype} {z.shape}")
        plist = module.parametrizations[tensor_name]
        plist.append(parametrization)
        plist.unsafe |= unsafe
    elif tensor_name in module._buffers or tensor_name in module._parameters:
        original = getattr(module, tensor_name)
        plist = ParametrizationList([parametrization], original, unsafe=unsafe)
        delattr(module, tensor_name)
        if not is_parametrized(module):
            module.parametrizations = ModuleDict()
            module.__class__ = _parametrized_class(type(module))
        module.parametrizations[tensor_name] = plist
        setattr(type(module), tensor_name, _parametrized_property(tensor_name))
    else:
        raise ValueError(f"Module '{module}' does not have a parameter, a buffer, or a parametrized element "
                         f"with name '{tensor_name}'")
    return module


def is_parametrized(module: Module, tensor_name: str | None = None) -> bool:
    """Whether ``module`` has a parametrization on ``tensor_name`` (on any tensor, when it is ``None``)."""
    plists = getattr(module, "parametrizations", None)
    if not isinstance(plists, ModuleDict):
        return False
    return len(plists) > 0 if tensor_name is None else tensor_name in plists


def remove_parametrizations(module: Module, tensor_name: str, leave_parametrized: bool = True) -> Module:
    """Take the parametrizations off ``module.<tensor_name>``, which becomes a plain Parameter (or buffer)
    again: holding the parametrized value with ``leave_parametrized=True`` (the default), or the unconstrained
    ``original`` otherwise (impossible when there are several originals: a ``ValueError``). Where there is
    one ``original``, the tensor that comes back is that same object, so an optimizer holding it keeps
    working. When no tensor stays parametrized, the module gets its class back. Returns the module."""
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"Module {module} does not have a parametrization on {tensor_name}")
    plist = module.parametrizations[tensor_name]
    if plist.is_tensor:
        original = plist.original
        if leave_parametrized:
            with no_grad():
                _set_(original, getattr(module, tensor_name))
    elif leave_parametrized:
        t = getattr(module, tensor_name)
        original = Parameter(t.detach()) if t.requires_grad else t
    else:
        raise ValueError("Cannot leave unparametrized (`leave_parametrized=False`) a tensor that is parametrized "
                         "in terms of a sequence of tensors.")
    delattr(type(module), tensor_name)
    del module.parametrizations[tensor_name]
    _register_parameter_or_buffer(module, tensor_name, original)
    if not is_parametrized(module):
        delattr(module, "parametrizations")
        module.__class__ = type(module).__bases__[0]
    return module


def type_before_parametrizations(module: Module) -> type:
    """The module's class before parametrizations swapped it (``Linear`` for a ``ParametrizedLinear``)."""
    return type(module).__bases__[0] if is_parametrized(module) else type(module)
