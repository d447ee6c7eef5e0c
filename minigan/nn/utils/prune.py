"""Pruning, as ``torch.nn.utils.prune``: see what a network does when some of its weights are removed.

Pruning ``name`` (say ``"weight"``) of a module replaces the parameter by two tensors and a hook::

    weight_orig   the parameter, unchanged (training still updates it)
    weight_mask   a buffer of 0s and 1s, of weight's shape and dtype (0: pruned)
    weight        a plain attribute, recomputed as ``weight_orig * weight_mask`` by a forward pre-hook

so the layer computes with the pruned weight, and the gradient reaching ``weight_orig`` is the weight's gradient
times the mask: zero where an entry is pruned (``d(orig * mask)/d orig = mask``). The state dict holds
``weight_orig`` and ``weight_mask``, PyTorch's keys, so a pruned checkpoint loads both ways. :func:`remove`
makes the pruning permanent: ``weight`` is a plain parameter again, holding ``orig * mask``.

Pruning the same tensor again prunes only the entries still unpruned (a :class:`PruningContainer` holds the
history): ``l1_unstructured(m, "weight", 0.5)`` twice leaves a quarter of the weights, not a half.

The methods (:class:`Identity`, :class:`RandomUnstructured`, :class:`L1Unstructured`, :class:`RandomStructured`,
:class:`LnStructured`, :class:`CustomFromMask`) are in :mod:`minigan.nn.utils.pruning_methods`; they decide only
*which* entries go, by ``compute_mask(t, default_mask)``. Everything else is here.
"""
from __future__ import annotations

from collections.abc import Iterable

from ... import backend
from ...autograd import Tensor
from .convert_parameters import _check_same_device
from .pruning_base import BasePruningMethod, PruningContainer
from .pruning_methods import (CustomFromMask, Identity, L1Unstructured, LnStructured, RandomStructured,
                              RandomUnstructured)

__all__ = ["BasePruningMethod", "PruningContainer", "Identity", "RandomUnstructured", "L1Unstructured",
           "RandomStructured", "LnStructured", "CustomFromMask", "identity", "random_unstructured",
           "l1_unstructured", "random_structured", "ln_structured", "global_unstructured", "custom_from_mask",
           "remove", "is_pruned"]


def identity(module, name: str):
    """Prune nothing, but put ``name`` in pruned form (``name_orig``, a mask of ones, the hook). Returns the
    module."""
    Identity.apply(module, name)
    return module


def random_unstructured(module, name: str, amount):
    """Prune ``amount`` entries of ``name`` chosen at random (minigan's seeded generator, so not PyTorch's
    choice). ``amount``: an int is a count, a float in [0, 1] a fraction (rounded). Returns the module."""
    RandomUnstructured.apply(module, name, amount)
    return module


def l1_unstructured(module, name: str, amount, importance_scores=None):
    """Prune the ``amount`` entries of ``name`` with the smallest absolute value (of ``importance_scores``,
    of the same shape, where given). Returns the module."""
    L1Unstructured.apply(module, name, amount=amount, importance_scores=importance_scores)
    return module


def random_structured(module, name: str, amount, dim: int):
    """Prune ``amount`` whole slices of ``name`` along ``dim`` chosen at random (``dim=0`` of a Linear's or
    a Conv2d's weight: whole output units / filters). Returns the module."""
    RandomStructured.apply(module, name, amount, dim)
    return module


def ln_structured(module, name: str, amount, n, dim: int, importance_scores=None):
    """Prune the ``amount`` slices of ``name`` along ``dim`` with the smallest ``n``-norm (``n``: as the
    ``p`` of ``Tensor.norm``: 1, 2, ``float("inf")``, ``"fro"``, ...). Returns the module."""
    LnStructured.apply(module, name, amount, n, dim, importance_scores=importance_scores)
    return module


def custom_from_mask(module, name: str, mask):
    """Prune the entries of ``name`` where ``mask`` (a Tensor of its shape) is 0. Returns the module."""
    CustomFromMask.apply(module, name, mask=mask)
    return module


def global_unstructured(parameters, pruning_method, importance_scores=None, **kwargs) -> None:
    """Prune several tensors as one: ``parameters`` is an iterable of ``(module, name)`` pairs, and
    ``pruning_method(**kwargs)`` (an unstructured method, e.g. ``L1Unstructured`` with ``amount=0.2``) chooses
    among all their unpruned entries together, so a layer of small weights loses more than one of large ones.

    The tensors (or ``importance_scores[(module, name)]`` where given) are flattened and joined in order, the
    method's mask is computed over the entries their current masks still keep, and each tensor gets its slice
    of it through :func:`custom_from_mask` (so its own pruning history grows by one step)."""
    if not isinstance(parameters, Iterable):
        raise TypeError("global_unstructured(): parameters is not an Iterable")
    parameters = list(parameters)
    importance_scores = importance_scores if importance_scores is not None else {}
    if not isinstance(importance_scores, dict):
        raise TypeError("global_unstructured(): importance_scores must be of type dict")
    method = pruning_method(**kwargs)
    if getattr(method, "PRUNING_TYPE", None) != "unstructured":
        raise TypeError('Only "unstructured" PRUNING_TYPE supported for the `pruning_method`. Found method '
                        f"{pruning_method} of type {getattr(method, 'PRUNING_TYPE', None)}")
    tensors = [getattr(module, name) for module, name in parameters]
    scores = [importance_scores.get((module, name), t) for (module, name), t in zip(parameters, tensors)]
    _check_same_device(tensors + scores)
    masks = [getattr(module, name + "_mask", None) for module, name in parameters]
    if not tensors:
        return
    xp = backend.xp_of(tensors[0].data)
    flat_scores = xp.concatenate([s.data.reshape(-1) for s in scores])
    flat_masks = xp.concatenate([(xp.ones_like(t.data) if m is None else m.data).reshape(-1)
                                 for t, m in zip(tensors, masks)])
    method._tensor_name = "temp"
    container = PruningContainer()
    container._tensor_name = "temp"
    container.add_pruning_method(method)
    final = container.compute_mask(Tensor(flat_scores), Tensor(flat_masks)).data
    start = 0
    for (module, name), t in zip(parameters, tensors):
        n = t.numel()
        custom_from_mask(module, name, mask=Tensor(final[start:start + n].reshape(t.shape)))
        start += n


def remove(module, name: str):
    """Make the pruning of ``name`` permanent: ``name`` becomes a plain parameter again holding
    ``name_orig * name_mask`` (the same Parameter object as ``name_orig``, so an optimizer keeps it), and
    ``name_orig``, ``name_mask`` and the hook go. Returns the module."""
    for i, hook in enumerate(module._forward_pre_hooks):
        if isinstance(hook, BasePruningMethod) and hook._tensor_name == name:
            hook.remove(module)
            del module._forward_pre_hooks[i]
            return module
    raise ValueError(f"Parameter '{name}' of module {module} has to be pruned before pruning can be removed")


def is_pruned(module) -> bool:
    """Whether ``module`` or any module below it has a pruning hook."""
    return any(isinstance(hook, BasePruningMethod)
               for _, m in module.named_modules() for hook in m._forward_pre_hooks)

