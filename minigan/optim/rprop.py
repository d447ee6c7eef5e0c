"""Rprop, resilient backpropagation (Riedmiller & Braun 1993), as in ``torch.optim.Rprop``."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import backend
from .optimizer import Optimizer

__all__ = ["Rprop"]


class Rprop(Optimizer):
    r"""Rprop: each coordinate has its own step size, grown while its gradient keeps its sign and shrunk when
    the sign flips; only the sign of the gradient is used, never its size.

    For each parameter ``p`` with gradient ``g`` (same shape as ``p``), one step is, element by element::

        g = -g                                         if maximize
        if g * prev > 0:  step_size = min(step_size * etaplus, step_size_max)
        if g * prev < 0:  step_size = max(step_size * etaminus, step_size_min);  g = 0
        (g * prev == 0:   step_size unchanged)
        p = p - sign(g) * step_size
        prev = g

    A sign flip means the last step jumped over a minimum: the step size is cut and that coordinate waits one
    step (``g = 0``, so it does not move and the next comparison is with 0, which leaves the step size alone).
    Every step size starts at ``lr``, the group's learning rate when the parameter's state is made; ``lr``
    plays no part after that. Rprop is meant for full-batch gradients: with minibatch noise the signs flip
    at random and the step sizes collapse.

    State per parameter: ``step`` (int), ``prev`` (the last gradient, with the zeros of the flipped
    coordinates) and ``step_size``, each array with the parameter's shape, dtype and device. The names and
    the arithmetic are PyTorch's (its single-tensor code), so its state dicts load here.

    Args:
        params: Tensors or parameter groups (see :class:`Optimizer`).
        lr: the initial step size of every coordinate.
        etas: ``(etaminus, etaplus)``, the factors that shrink and grow a step size, ``0 < etaminus < 1 <
            etaplus``.
        step_sizes: ``(step_size_min, step_size_max)``, the range the step sizes are clamped to.
        capturable, foreach: PyTorch's choice of kernels; kept in the groups, no effect in minigan (see
            :mod:`minigan.optim.optimizer`).
        maximize: climb the objective instead of descending it.
        differentiable: must be False (minigan's step is not recorded for autograd).
        (The four are keyword-only, as in PyTorch.)
    """

    def __init__(self, params: Iterable, lr: float = 1e-2, etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50), *, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False, differentiable: bool = False) -> None:
        defaults = dict(lr=lr, etas=tuple(etas), step_sizes=tuple(step_sizes), foreach=foreach, maximize=maximize,
                        differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        self._check_options(group, ("lr",))
        etaminus, etaplus = group["etas"]
        if not 0.0 < etaminus < 1.0 < etaplus:
            raise ValueError(f"Invalid eta values: {etaminus}, {etaplus}")

    @staticmethod
    def _update(p, state: dict, group: dict[str, Any]) -> None:
        """The Rprop update of one parameter's array, in place."""
        xp = backend.xp_of(p.data)
        etaminus, etaplus = group["etas"]
        step_size_min, step_size_max = group["step_sizes"]
        if not state:
            state["step"] = 0
            state["prev"] = xp.zeros_like(p.data)
            state["step_size"] = xp.full_like(p.data, group["lr"])
        state["step"] = int(state["step"]) + 1
        g = -p.grad.data if group["maximize"] else p.grad.data.copy()    # a copy: flipped coordinates are zeroed

        prev, step_size = state["prev"], state["step_size"]
        factor = xp.sign(g * prev)          # in p's dtype, so float32 steps round as PyTorch's do
        flipped = factor < 0
        factor[factor > 0] = etaplus
        factor[flipped] = etaminus
        factor[factor == 0] = 1             # (a nan product stays nan, as in PyTorch)
        step_size *= factor
        xp.clip(step_size, step_size_min, step_size_max, out=step_size)

        g[flipped] = 0
        p.data -= xp.sign(g) * step_size
        prev[...] = g
