"""The machinery of pruning (``torch.nn.utils.prune``'s base classes): :class:`BasePruningMethod`, which puts a
tensor of a module into pruned form (``name_orig``, ``name_mask`` and a forward pre-hook computing
``name = name_orig * name_mask``), and :class:`PruningContainer`, which prunes again only what is still unpruned.
The checks of ``amount`` and ``dim`` that every method shares are here too. See :mod:`minigan.nn.utils.prune`."""
from __future__ import annotations

import numbers
from abc import ABC, abstractmethod

from ... import backend
from ...autograd import Tensor
from ...grad_mode import no_grad

__all__ = ["BasePruningMethod", "PruningContainer"]


# --------------------------------------------------------------------------- shared checks
def _validate_amount_init(amount) -> None:
    """``amount`` as PyTorch checks it when a method is made: a non-negative int (a count) or a float in [0, 1]
    (a fraction). A bool is refused (PyTorch lets it through, to fail later or prune nothing)."""
    if isinstance(amount, bool) or not isinstance(amount, numbers.Real):
        raise TypeError(f"Invalid type for amount: {amount}. Must be int or float.")
    if (isinstance(amount, numbers.Integral) and amount < 0) or (
            not isinstance(amount, numbers.Integral) and not 0.0 <= float(amount) <= 1.0):
        raise ValueError(f"amount={amount} should either be a float in the range [0, 1] or a non-negative integer")


def _nparams_toprune(amount, tensor_size: int) -> int:
    """How many of ``tensor_size`` entries (or slices) to prune: an int ``amount`` itself, a float the rounded
    fraction (Python's ``round``: halves go to the even count, as in PyTorch)."""
    if isinstance(amount, numbers.Integral):
        return int(amount)
    return round(float(amount) * tensor_size)


def _validate_amount(nparams_toprune: int, tensor_size: int) -> None:
    if nparams_toprune > tensor_size:
        raise ValueError(f"amount={nparams_toprune} should be smaller than the number of parameters to "
                         f"prune={tensor_size}")


def _validate_structured(t: Tensor) -> None:
    if t.ndim <= 1:
        raise ValueError("Structured pruning can only be applied to multidimensional tensors. Found tensor of "
                         f"shape {t.shape} with {t.ndim} dims")


def _validate_dim(t: Tensor, dim: int) -> None:
    if not -t.ndim <= dim < t.ndim:
        raise IndexError(f"Invalid index {dim} for tensor of size {t.shape}")


def _array(t):
    return t.data if isinstance(t, Tensor) else t


# --------------------------------------------------------------------------- the base class
class BasePruningMethod(ABC):
    """A way of choosing which entries of a tensor to prune. A subclass defines ``compute_mask(t,
    default_mask)`` (the new 0/1 mask, given the importance scores ``t`` and the mask so far) and
    ``PRUNING_TYPE``: ``"unstructured"`` (entries chosen one by one), ``"structured"`` (whole slices along a
    ``dim`` attribute) or ``"global"`` (the mask given whole). ``PRUNING_TYPE`` tells a
    :class:`PruningContainer` which entries a second pruning may still choose from.

    An instance is also the forward pre-hook on the pruned module: before each forward it sets
    ``module.<name> = <name>_orig * <name>_mask``."""

    PRUNING_TYPE: str
    _tensor_name: str | None = None

    def __call__(self, module, inputs) -> None:
        setattr(module, self._tensor_name, self.apply_mask(module))

    @abstractmethod
    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        """The mask (0: pruned) for ``t``'s importance scores, never keeping what ``default_mask`` prunes."""

    def apply_mask(self, module) -> Tensor:
        """``module.<name>_orig * module.<name>_mask`` (the mask cast to ``_orig``'s dtype): the pruned tensor,
        differentiable in ``_orig``."""
        if self._tensor_name is None:
            raise AssertionError(f"Module {module} has to be pruned")
        orig, mask = getattr(module, self._tensor_name + "_orig"), getattr(module, self._tensor_name + "_mask")
        return orig * Tensor(mask.data.astype(orig.dtype, copy=False))     # a float64 mask keeps orig's dtype

    @classmethod
    def apply(cls, module, name: str, *args, importance_scores=None, **kwargs):
        """Prune ``module.<name>`` with ``cls(*args, **kwargs)`` and return the method now hooked on the module
        (a :class:`PruningContainer` when ``name`` was pruned before).

        The first time, the parameter moves to ``<name>_orig`` and the mask starts from ones; afterwards the
        old mask is the default and only its unpruned entries can be chosen. The mask is computed from
        ``importance_scores`` (of the parameter's shape) where given, else from the current (pruned) tensor.
        If computing the mask fails, the module is left as it was."""
        method = cls(*args, **kwargs)               # a bad amount fails here, before the module changes
        method._tensor_name = name
        orig = getattr(module, name)                # a missing name: the module's own AttributeError
        if importance_scores is not None:
            if tuple(importance_scores.shape) != tuple(orig.shape):
                raise AssertionError(f"importance_scores should have the same shape as parameter {name} of "
                                     f"{module}, got {tuple(importance_scores.shape)} vs {tuple(orig.shape)}")
        else:
            importance_scores = orig
        importance_scores = importance_scores if isinstance(importance_scores, Tensor) else Tensor(importance_scores)
        hooks = module._forward_pre_hooks
        old = [(i, h) for i, h in enumerate(hooks) if isinstance(h, BasePruningMethod) and h._tensor_name == name]
        if len(old) > 1:
            raise AssertionError(f"Avoid adding multiple pruning hooks to the same tensor {name} of module "
                                 f"{module}. Use a PruningContainer.")
        old_index, old_method = old[0] if old else (None, None)
        order = list(module._parameters)
        if old_method is None:                      # first pruning: the parameter becomes <name>_orig
            module.register_parameter(name + "_orig", orig)     # a non-Parameter fails here, nothing changed
            del module._parameters[name]
            default_mask = Tensor(_ones_like(orig.data))
        else:                                       # pruned before: the history grows by one method
            if isinstance(old_method, PruningContainer):
                old_method.add_pruning_method(method)
                method = old_method
            else:
                method, new = PruningContainer(old_method), method
                method.add_pruning_method(new)
            default_mask = Tensor(getattr(module, name + "_mask").data.copy())
            del hooks[old_index]
        try:
            with no_grad():
                mask = method.compute_mask(importance_scores, default_mask=default_mask)
            module.register_buffer(name + "_mask", mask)
            setattr(module, name, method.apply_mask(module))
            module.register_forward_pre_hook(method)
        except Exception:
            if old_method is None:                  # back in its old place in state_dict() (PyTorch moves it last)
                module.register_parameter(name, module._parameters.pop(name + "_orig"))
                for key in order:
                    module._parameters.move_to_end(key)
            else:                                   # the module keeps its old pruning (PyTorch drops the hook)
                if isinstance(old_method, PruningContainer):
                    old_method._pruning_methods = old_method._pruning_methods[:-1]
                hooks.insert(old_index, old_method)
            raise
        return method

    def prune(self, t: Tensor, default_mask: Tensor | None = None, importance_scores: Tensor | None = None):
        """``t`` times this method's mask (computed from ``importance_scores`` where given), with no module."""
        if importance_scores is not None:
            if tuple(importance_scores.shape) != tuple(t.shape):
                raise AssertionError("importance_scores should have the same shape as tensor t")
        else:
            importance_scores = t
        if default_mask is None:
            default_mask = Tensor(_ones_like(_array(t)))
        with no_grad():
            mask = self.compute_mask(importance_scores, default_mask=default_mask)
        return t * mask

    def remove(self, module) -> None:
        """Make the pruning permanent: ``<name>`` becomes the Parameter ``<name>_orig`` was (the same object),
        now holding ``orig * mask``; ``<name>_orig`` and ``<name>_mask`` go. The hook itself is taken off by
        :func:`minigan.nn.utils.prune.remove`."""
        name = self._tensor_name
        if name is None:
            raise AssertionError(f"Module {module} has to be pruned before pruning can be removed")
        with no_grad():
            weight = self.apply_mask(module)
        module.__dict__.pop(name, None)
        orig = module._parameters.pop(name + "_orig")
        orig.data = weight.data      # a new array: graphs built before keep the old one
        delattr(module, name + "_mask")
        setattr(module, name, orig)


def _ones_like(arr):
    return backend.xp_of(arr).ones_like(arr)


# --------------------------------------------------------------------------- iterative pruning
class PruningContainer(BasePruningMethod):
    """The pruning history of one tensor: the methods applied to it, in order. Its mask is the old mask with
    the newest method's mask computed over the entries the old one still keeps:

    - ``"unstructured"``: over the unpruned entries, as one flat vector (``amount=0.5`` twice keeps a quarter);
    - ``"structured"``: over the slices along the method's ``dim`` that still have an unpruned entry;
    - ``"global"``: over the whole tensor (the new mask is multiplied into the old)."""

    def __init__(self, *methods: BasePruningMethod) -> None:
        self._pruning_methods: tuple = ()
        self._tensor_name = methods[0]._tensor_name if methods else None
        for m in methods:
            self.add_pruning_method(m)

    def add_pruning_method(self, method: BasePruningMethod) -> None:
        if method is not None and not isinstance(method, BasePruningMethod):
            raise TypeError(f"{type(method)} is not a BasePruningMethod subclass")
        if method is not None and self._tensor_name != method._tensor_name:
            raise ValueError(f"Can only add pruning methods acting on the parameter named '{self._tensor_name}' "
                             f"to PruningContainer {self}. Found '{method._tensor_name}'")
        self._pruning_methods += (method,)

    def __len__(self) -> int:
        return len(self._pruning_methods)

    def __iter__(self):
        return iter(self._pruning_methods)

    def __getitem__(self, i):
        return self._pruning_methods[i]

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        """The old mask ``default_mask`` with the newest method's mask written over the part of it that is
        still unpruned (see the class docstring); ``t`` holds the importance scores, of the mask's shape."""
        method = self._pruning_methods[-1]
        scores = _array(t)
        mask = _array(default_mask).astype(scores.dtype, copy=True)
        kind = getattr(method, "PRUNING_TYPE", None)
        if kind == "unstructured":
            where = mask == 1
        elif kind == "structured":
            if not hasattr(method, "dim"):
                raise AttributeError("Pruning methods of PRUNING_TYPE 'structured' need to have the attribute "
                                     "`dim` defined.")
            _validate_dim(Tensor(scores), method.dim)
            dim = method.dim % scores.ndim
            keep = mask.sum(axis=tuple(d for d in range(scores.ndim) if d != dim)) != 0
            where = tuple(keep if d == dim else slice(None) for d in range(scores.ndim))
        elif kind == "global":
            where = (slice(None),) * scores.ndim
        else:
            raise ValueError(f"Unrecognized PRUNING_TYPE {kind}")
        partial = method.compute_mask(Tensor(scores[where]), default_mask=Tensor(mask[where]))
        mask[where] = _array(partial).astype(mask.dtype, copy=False)
        return Tensor(mask)
