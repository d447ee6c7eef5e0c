"""How a loss's per-element values become its output, in one place for every loss in minigan:

- ``reduction``: ``"mean"``, ``"sum"`` or ``"none"`` (:func:`reduce_loss`);
- an elementwise ``weight`` whose ``"mean"`` is the weighted mean ``sum(w l) / sum(w)`` (:func:`weighted_reduce`,
  for ``mse_loss`` and ``l1_loss``);
- PyTorch's deprecated ``size_average`` and ``reduce`` flags, which older code passes instead of ``reduction``
  (:func:`legacy_reduction`). Each flag left out (None) counts as True::

      size_average  reduce   ->  reduction
      True          True         "mean"       (both left out: the default)
      False         True         "sum"        (``size_average=False``: the classic VAE reconstruction loss)
      any           False        "none"

  When either flag is given it decides the reduction, whatever ``reduction`` says, and a ``UserWarning`` names
  the ``reduction`` to write instead, word for word as PyTorch's."""
from __future__ import annotations

import warnings

from ..autograd import Tensor
from ._util import lift
from .reduction import mean, sum as _sum

REDUCTIONS = ("mean", "sum", "none")

LEGACY_WARNING = "size_average and reduce args will be deprecated, please use reduction='{}' instead."


def legacy_reduction(size_average, reduce, reduction: str, stacklevel: int = 3) -> str:
    """The reduction to use: ``reduction`` when both legacy flags are None, else the one they give (see the
    table above), with PyTorch's warning. ``stacklevel`` 3 points the warning at the caller of the loss that
    calls this."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    legacy = ("mean" if size_average else "sum") if reduce else "none"
    warnings.warn(LEGACY_WARNING.format(legacy), UserWarning, stacklevel=stacklevel)
    return legacy


def reduce_loss(loss: Tensor, reduction: str, op: str) -> Tensor:
    """``mean(loss)``, ``sum(loss)`` or ``loss`` itself, by name; a ValueError naming ``op`` for another name."""
    if reduction == "mean":
        return mean(loss)
    if reduction == "sum":
        return _sum(loss)
    if reduction == "none":
        return loss
    raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def weighted_reduce(loss: Tensor, weight, reduction: str, op: str) -> Tensor:
    """``w l`` per element for a ``weight`` of the loss's shape, then ``"sum"`` or ``"none"`` as usual, and
    ``"mean"`` as the weighted mean ``sum(w l) / sum(w)`` (so weights of 1 give the plain mean, and doubling
    every weight changes nothing). Written with minigan ops: a weight that requires a gradient gets
    ``l / sum(w) - sum(w l) / sum(w)²`` from the mean (``l`` from the sum)."""
    weight = lift(weight, loss)
    if weight.shape != loss.shape:
        raise ValueError(f"{op}: Weights and input must have the same size: weight has shape {weight.shape} but "
                         f"the input has shape {loss.shape}")
    if reduction not in REDUCTIONS:
        raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    weighted = loss * weight
    if reduction == "mean":
        return _sum(weighted) / _sum(weight)
    return reduce_loss(weighted, reduction, op)


__all__ = ["REDUCTIONS", "LEGACY_WARNING", "legacy_reduction", "reduce_loss", "weighted_reduce"]
