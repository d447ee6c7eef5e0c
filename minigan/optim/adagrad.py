"""Adagrad (Duchi, Hazan & Singer 2011): per-coordinate steps that shrink with the gradients seen so far,
as in ``torch.optim.Adagrad``."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import backend
from .optimizer import Optimizer

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    r"""Adagrad: divide each coordinate's step by the root of the sum of all its squared gradients.

    For each parameter ``p`` with gradient ``g``, at step ``t = 1, 2, ...``::

        g    = -g                                  if maximize
        g    = g + weight_decay * p                (L2 penalty added to the gradient)
        lr_t = lr / (1 + (t - 1) * lr_decay)       (optional 1/t decay of the learning rate)
        S    = S + g * g                           sum of squared gradients, from S_0 = initial_accumulator_value
        p    = p - lr_t * g / (sqrt(S) + eps)

    A coordinate with large or frequent gradients gets small steps, a rarely-updated one keeps large
    steps: this suits sparse features. Because ``S`` only grows, the steps shrink like ``1 / sqrt(t)``
    even when the gradient does not, which is what RMSprop and Adadelta were made to avoid (they
    replace the sum by a running mean).

    State per parameter: ``step`` (int) and ``sum`` (S, the parameter's shape, dtype and device). As in
    PyTorch, the constructor creates this state for every parameter at once (``step = 0``,
    ``sum = initial_accumulator_value``), so a parameter that never gets a gradient still has it; and the
    starting value is always the optimizer's ``initial_accumulator_value``, never a group's own.

    Args:
        params: Tensors or parameter groups (see :class:`Optimizer`).
        lr: learning rate.
        lr_decay: learning-rate decay (``lr_t`` above).
        weight_decay: L2 penalty coefficient.
        initial_accumulator_value: the starting value of ``S``.
        eps: added to the denominator for numerical stability.
        foreach, fused: PyTorch's choice of kernels; kept in the groups, no effect in minigan (see
            :mod:`minigan.optim.optimizer`); ``fused=True`` with ``foreach=True`` is refused, as in PyTorch.
        maximize: climb the objective instead of descending it.
        differentiable: must be False (minigan's step is not recorded for autograd).
        (``maximize``, ``differentiable`` and ``fused`` are keyword-only, as in PyTorch.)
    """

    def __init__(self, params: Iterable, lr: float = 1e-2, lr_decay: float = 0.0, weight_decay: float = 0.0,
                 initial_accumulator_value: float = 0.0, eps: float = 1e-10, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False, fused: bool | None = None) -> None:
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, self.state[p])

    def _check_group(self, group: dict[str, Any]) -> None:
        self._check_options(group, ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"))

    def _init_state(self, p, state: dict) -> None:
        """``step = 0`` and ``sum = initial_accumulator_value`` everywhere, on the parameter's device."""
        with backend.device_context(backend.device_of(p.data)):
            state["step"] = 0
            state["sum"] = backend.xp_of(p.data).full_like(p.data, self.defaults["initial_accumulator_value"])

    def _update(self, p, state: dict, group: dict[str, Any]) -> None:
        """The Adagrad update of one parameter's array, in place."""
        if not state:        # a parameter added with add_param_group after the constructor
            self._init_state(p, state)
        xp = backend.xp_of(p.data)
        state["step"] = t = int(state["step"]) + 1
        g = Optimizer._gradient(p, group)      # maximize and weight decay applied
        lr_t = group["lr"] / (1 + (t - 1) * group["lr_decay"])
        S = state["sum"]
        S += g * g
        p.data -= lr_t * g / (xp.sqrt(S) + group["eps"])
