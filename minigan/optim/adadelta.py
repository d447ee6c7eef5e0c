"""Adadelta (Zeiler 2012): RMSprop whose step size is learnt from the past steps, as in
``torch.optim.Adadelta``."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import backend
from .optimizer import Optimizer

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    r"""Adadelta: scale each coordinate's step by (RMS of past steps) / (RMS of past gradients).

    For each parameter ``p`` with gradient ``g``, one step is::

        g  = -g                                        if maximize
        g  = g + weight_decay * p                      (L2 penalty added to the gradient)
        v  = rho * v + (1 - rho) * g * g               running mean of g^2
        dx = sqrt(u + eps) / sqrt(v + eps) * g         the step, before lr
        u  = rho * u + (1 - rho) * dx * dx             running mean of dx^2
        p  = p - lr * dx

    The ratio ``sqrt(u) / sqrt(v)`` has the units of ``p`` divided by those of ``g``, like the inverse of
    a curvature, so ``dx`` has the units of ``p`` and no learning rate is needed: ``lr`` stays at 1 and
    only rescales the result. At first ``u = 0``, so the first step is about ``sqrt(eps / (1 - rho))``
    per coordinate (3e-3 with the defaults), and the steps grow as ``u`` picks up the steps actually taken.

    State per parameter: ``step`` (int), ``square_avg`` (v) and ``acc_delta`` (u), each array with the
    parameter's shape, dtype and device.

    Args:
        params: Tensors or parameter groups (see :class:`Optimizer`).
        lr: the factor applied to ``dx``.
        rho: smoothing constant of the two running means, in ``[0, 1]``.
        eps: added inside both square roots (it also sets the size of the first steps).
        weight_decay: L2 penalty coefficient.
        foreach, capturable: PyTorch's choice of kernels; kept in the groups, no effect in minigan (see
            :mod:`minigan.optim.optimizer`).
        maximize: climb the objective instead of descending it.
        differentiable: must be False (minigan's step is not recorded for autograd).
        (All after ``foreach`` are keyword-only, as in PyTorch.)
    """

    def __init__(self, params: Iterable, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0.0, foreach: bool | None = None, *, capturable: bool = False,
                 maximize: bool = False, differentiable: bool = False) -> None:
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        self._check_options(group, ("lr",))
        if not 0.0 <= group["rho"] <= 1.0:
            raise ValueError(f"Invalid rho value: {group['rho']}")
        self._check_options(group, ("eps", "weight_decay"))

    @staticmethod
    def _update(p, state: dict, group: dict[str, Any]) -> None:
        """The Adadelta update of one parameter's array, in place."""
        xp = backend.xp_of(p.data)
        rho, eps = group["rho"], group["eps"]
        if not state:
            state["step"] = 0
            state["square_avg"] = xp.zeros_like(p.data)
            state["acc_delta"] = xp.zeros_like(p.data)
        state["step"] = int(state["step"]) + 1
        g = Optimizer._gradient(p, group)      # maximize and weight decay applied

        v, u = state["square_avg"], state["acc_delta"]
        v *= rho
        v += (1 - rho) * g * g                          # v = rho v + (1 - rho) g²
        dx = xp.sqrt(u + eps) / xp.sqrt(v + eps) * g    # dx = RMS(past steps) / RMS(gradients) * g
        u *= rho
        u += (1 - rho) * dx * dx                        # u = rho u + (1 - rho) dx²
        p.data -= group["lr"] * dx
