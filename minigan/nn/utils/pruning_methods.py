"""The pruning methods of ``torch.nn.utils.prune``: each decides which entries of a tensor to prune, by
``compute_mask(t, default_mask)``, and returns a 0/1 mask of ``t``'s shape that prunes at least what
``default_mask`` prunes. Putting the mask on a module is :class:`~minigan.nn.utils.pruning_base.BasePruningMethod`'s
work; see :mod:`minigan.nn.utils.prune`.

Ties: the entries to prune are chosen by :func:`minigan.topk`, which among equal values takes the first ones
(lowest flat index). PyTorch's CPU ``topk`` uses a partial quickselect whose choice among ties depends on the
sizes involved, so where scores tie exactly the two libraries may prune different (equally small) entries;
the number pruned, and every choice between distinct values, agree. The random methods draw from minigan's
seeded generator, so they prune as many entries as PyTorch's, but not the same ones."""
from __future__ import annotations

from ... import backend
from ...autograd import Tensor
from ...creation import rand
from ...ops.sort import topk
from .pruning_base import (BasePruningMethod, _array, _nparams_toprune, _validate_amount, _validate_amount_init,
                           _validate_dim, _validate_structured)

__all__ = ["Identity", "RandomUnstructured", "L1Unstructured", "RandomStructured", "LnStructured", "CustomFromMask"]


def _zero_flat(default_mask, indices):
    """A copy of ``default_mask`` with the entries at flat ``indices`` set to 0."""
    mask = _array(default_mask).copy()
    flat = mask.reshape(-1)                 # a view: the copy is contiguous
    flat[indices] = 0
    return Tensor(mask)


def _keep_slices(t, default_mask, dim: int, keep):
    """A mask of ``t``'s shape with ones in the slices ``keep`` (indices or bools along ``dim``), times
    ``default_mask`` (a structured method never brings back what was pruned before)."""
    arr = _array(t)
    mask = backend.xp_of(arr).zeros_like(arr)
    mask[(slice(None),) * (dim % arr.ndim) + (keep,)] = 1
    return Tensor(mask * _array(default_mask).astype(mask.dtype, copy=False))


def _unstructured_mask(amount, t, default_mask, scores, largest: bool):
    """``default_mask`` with ``amount`` more entries of ``t`` pruned: those with the largest (or smallest) of
    ``scores()``, one score per entry, flat (drawn only where there is something to prune)."""
    size = t.numel()
    k = _nparams_toprune(amount, size)
    _validate_amount(k, size)
    if k == 0:
        return Tensor(_array(default_mask).copy())
    return _zero_flat(default_mask, topk(scores(), k, largest=largest).indices.data)


def _structured_mask(method, t, default_mask, scores):
    """``default_mask`` with ``method.amount`` whole slices of ``t`` along ``method.dim`` pruned: all but those
    with the largest of ``scores()``, one score per slice (drawn only where there is something to prune)."""
    _validate_structured(t)
    _validate_dim(t, method.dim)
    size = t.shape[method.dim]
    k = _nparams_toprune(method.amount, size)
    _validate_amount(k, size)
    if k == 0:
        return default_mask
    return _keep_slices(t, default_mask, method.dim, topk(scores(), size - k).indices.data)


class Identity(BasePruningMethod):
    """Prunes nothing: the mask is ``default_mask`` (ones, the first time)."""

    PRUNING_TYPE = "unstructured"

    def compute_mask(self, t, default_mask):
        return default_mask

    @classmethod
    def apply(cls, module, name: str):
        return super().apply(module, name)


class RandomUnstructured(BasePruningMethod):
    """Prunes ``amount`` entries chosen uniformly at random (an int: a count; a float in [0, 1]: a fraction of
    the entries, rounded): those with the largest of one uniform draw per entry."""

    PRUNING_TYPE = "unstructured"

    def __init__(self, amount) -> None:
        _validate_amount_init(amount)
        self.amount = amount

    def compute_mask(self, t, default_mask):
        return _unstructured_mask(self.amount, t, default_mask, lambda: rand(t.numel(), device=t.device), True)

    @classmethod
    def apply(cls, module, name: str, amount):
        return super().apply(module, name, amount=amount)


class L1Unstructured(BasePruningMethod):
    """Prunes the ``amount`` entries of smallest absolute value (``topk(|t|, k, largest=False)``; among equal
    values the first, see the module docstring)."""

    PRUNING_TYPE = "unstructured"

    def __init__(self, amount) -> None:
        _validate_amount_init(amount)
        self.amount = amount

    def compute_mask(self, t, default_mask):
        return _unstructured_mask(self.amount, t, default_mask,
                                  lambda: Tensor(backend.xp_of(t.data).abs(t.data).reshape(-1)), False)

    @classmethod
    def apply(cls, module, name: str, amount, importance_scores=None):
        return super().apply(module, name, amount=amount, importance_scores=importance_scores)


class RandomStructured(BasePruningMethod):
    """Prunes ``amount`` whole slices along ``dim`` (default -1) chosen at random: ``dim=0`` of a Conv2d weight
    ``(C_out, C_in, kh, kw)`` removes whole filters. The tensor must have at least 2 dims."""

    PRUNING_TYPE = "structured"

    def __init__(self, amount, dim: int = -1) -> None:
        _validate_amount_init(amount)
        self.amount, self.dim = amount, dim

    def compute_mask(self, t, default_mask):
        return _structured_mask(self, t, default_mask, lambda: rand(t.shape[self.dim], device=t.device))

    @classmethod
    def apply(cls, module, name: str, amount, dim: int = -1):
        return super().apply(module, name, amount=amount, dim=dim)


class LnStructured(BasePruningMethod):
    """Prunes the ``amount`` slices along ``dim`` (default -1) of smallest ``n``-norm (``n`` as the ``p`` of
    ``Tensor.norm``: 1, 2, ``float("inf")``, ``"fro"``, ...), the norm of each slice taken over all its
    other dims: ``LnStructured(0.5, 2, dim=0)`` on a Conv2d weight removes the half of its filters with the
    smallest L2 norm. It keeps the ``size - amount`` largest (``topk(norm, largest=True)``)."""

    PRUNING_TYPE = "structured"

    def __init__(self, amount, n, dim: int = -1) -> None:
        _validate_amount_init(amount)
        self.amount, self.n, self.dim = amount, n, dim

    def compute_mask(self, t, default_mask):
        p = 2 if self.n == "fro" else self.n        # "fro" over any number of dims, as torch.norm takes it

        _validate_structured(t)
        _validate_dim(t, self.dim)
        # each slice's norm over all its other dims: computed first, as torch does (a bad n raises even where
        # there is nothing to prune)
        norms = Tensor(t.data).norm(p, dim=[d for d in range(t.ndim) if d != self.dim % t.ndim])
        return _structured_mask(self, t, default_mask, lambda: norms)

    @classmethod
    def apply(cls, module, name: str, amount, n, dim: int = -1, importance_scores=None):
        return super().apply(module, name, amount=amount, n=n, dim=dim, importance_scores=importance_scores)


class CustomFromMask(BasePruningMethod):
    """Prunes where a given ``mask`` (a Tensor of the tensor's shape) is 0."""

    PRUNING_TYPE = "global"

    def __init__(self, mask) -> None:
        self.mask = mask

    def compute_mask(self, t, default_mask):
        given = _array(self.mask)
        if tuple(given.shape) != tuple(default_mask.shape):
            raise AssertionError(f"CustomFromMask: the mask has shape {tuple(given.shape)} but the tensor has "
                                 f"shape {tuple(default_mask.shape)}")
        base = _array(default_mask)
        if backend.device_of(given) != backend.device_of(base):
            given = backend.to_device(given, backend.device_of(base))
        return Tensor(base * given.astype(base.dtype, copy=False))

    @classmethod
    def apply(cls, module, name: str, mask):
        return super().apply(module, name, mask=mask)
