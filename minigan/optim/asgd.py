"""ASGD, averaged stochastic gradient descent (Polyak & Juditsky 1992), with the step-size schedule of
Bottou (2012), as in ``torch.optim.ASGD``."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import backend
from .optimizer import Optimizer

__all__ = ["ASGD"]


class ASGD(Optimizer):
    r"""ASGD: SGD with a decaying step size, which also keeps a running average ``ax`` of the parameters.

    For each parameter ``p`` with gradient ``g``, at step ``t = 1, 2, ...``::

        g = -g                                              if maximize
        g = g + weight_decay * p                            (L2 penalty added to the gradient)
        p = p * (1 - lambd * eta)                           a shrink of p, scaled with the step size
        p = p - eta * g
        ax = p                                              if mu == 1
        ax = ax + mu * (p - ax)                             otherwise
        eta = lr / (1 + lambd * lr * t) ** alpha            the step size of the next step
        mu = 1 / max(1, t - t0)                             the averaging rate of the next step

    ``eta`` starts at ``lr`` and ``mu`` at 1. Each step uses the ``eta`` and ``mu`` the step before it made,
    so (for an integer ``t0``) ``ax`` is the current parameter up to step ``t0 + 2``, and at a later step ``t``
    the mean of the iterates of steps ``t0 + 2, ..., t`` (the n-th of them weighted ``mu = 1/n``). With the
    defaults (``t0 = 1e6``) no averaging happens in a run of ordinary length. The
    parameters the model uses are ``p``, not ``ax``: to evaluate with the average, copy
    ``optimizer.state[p]["ax"]`` into them yourself (as in PyTorch).

    State per parameter: ``step`` (int), ``eta`` and ``mu`` (floats, in double precision: PyTorch keeps them
    as 0-d tensors of its default dtype, so with float32 as the default its ``eta`` is rounded to float32)
    and ``ax`` (an array with the parameter's shape, dtype and device). The names and the arithmetic are
    PyTorch's (its single-tensor code), so its state dicts load here.

    Args:
        params: Tensors or parameter groups (see :class:`Optimizer`).
        lr: learning rate, the first step size.
        lambd: the decay term: the rate of the step-size schedule and the shrink of ``p`` per step.
        alpha: the power of the step-size schedule.
        t0: the step after which averaging starts.
        weight_decay: L2 penalty coefficient.
        foreach: PyTorch's choice of kernels; kept in the groups, no effect in minigan (see
            :mod:`minigan.optim.optimizer`).
        maximize: climb the objective instead of descending it.
        differentiable: must be False (minigan's step is not recorded for autograd).
        capturable: as ``foreach``.
    """

    def __init__(self, params: Iterable, lr: float = 1e-2, lambd: float = 1e-4, alpha: float = 0.75,
                 t0: float = 1e6, weight_decay: float = 0, foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        self._check_options(group, ("lr", "weight_decay"))

    @staticmethod
    def _update(p, state: dict, group: dict[str, Any]) -> None:
        """The ASGD update of one parameter's array, in place."""
        xp = backend.xp_of(p.data)
        lr, lambd = group["lr"], group["lambd"]
        if not state:
            state["step"] = 0
            state["eta"] = float(lr)
            state["mu"] = 1.0
            state["ax"] = xp.zeros_like(p.data)
        state["step"] = t = int(state["step"]) + 1
        eta, mu = float(state["eta"]), float(state["mu"])
        g = Optimizer._gradient(p, group)      # maximize and weight decay applied

        p.data *= 1 - lambd * eta
        p.data -= eta * g
        ax = state["ax"]
        if mu != 1:
            ax += (p.data - ax) * mu
        else:
            ax[...] = p.data

        state["eta"] = lr / ((1 + lambd * lr * t) ** group["alpha"])
        state["mu"] = 1 / max(1, t - group["t0"])
