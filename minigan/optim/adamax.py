"""Adamax (Kingma & Ba 2015, section 7.1): Adam with the infinity norm in place of the root-mean-square,
as in ``torch.optim.Adamax``."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import backend
from .optimizer import Optimizer, lerp_

__all__ = ["Adamax"]


class Adamax(Optimizer):
    r"""Adamax: Adam whose denominator is a decaying maximum of ``|g|`` instead of ``sqrt(mean g^2)``.

    For each parameter ``p`` with gradient ``g``, at step ``t = 1, 2, ...``::

        g = -g                                 if maximize
        g = g + weight_decay * p               (L2 penalty added to the gradient)
        m = beta1 * m + (1 - beta1) * g        first moment, as in Adam
        u = max(beta2 * u, |g| + eps)          exponentially weighted infinity norm of g
        p = p - (lr / (1 - beta1^t)) * m / u

    Adam divides by the root of a running mean of ``g^2``, an L2 norm of the past gradients. The same
    running norm with the power p instead of 2, ``u^p = beta2^p * u^p + (1 - beta2^p) * |g|^p``, tends
    to the running maximum above as p goes to infinity. A maximum is not pulled towards its starting
    value 0 the way a mean is (at step 1 ``u = |g| + eps``), so only ``m`` is bias-corrected.

    State per parameter: ``step`` (int), ``exp_avg`` (m) and ``exp_inf`` (u), each array with the
    parameter's shape, dtype and device.

    Args:
        params: Tensors or parameter groups (see :class:`Optimizer`).
        lr: learning rate.
        betas: decay rates ``(beta1, beta2)`` of ``m`` and ``u``, each in ``[0, 1)``.
        eps: added to ``|g|`` so that ``u`` is never 0.
        weight_decay: L2 penalty coefficient.
        foreach, capturable: PyTorch's choice of kernels; kept in the groups, no effect in minigan (see
            :mod:`minigan.optim.optimizer`).
        maximize: climb the objective instead of descending it.
        differentiable: must be False (minigan's step is not recorded for autograd).
        (All after ``foreach`` are keyword-only, as in PyTorch.)
    """

    def __init__(self, params: Iterable, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False, capturable: bool = False) -> None:
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        self._check_options(group, ("lr", "eps"), betas=True)
        self._check_options(group, ("weight_decay",))

    @staticmethod
    def _update(p, state: dict, group: dict[str, Any]) -> None:
        """The Adamax update of one parameter's array, in place."""
        xp = backend.xp_of(p.data)
        beta1, beta2 = group["betas"]
        if not state:
            state["step"] = 0
            state["exp_avg"] = xp.zeros_like(p.data)
            state["exp_inf"] = xp.zeros_like(p.data)
        state["step"] = t = int(state["step"]) + 1
        g = Optimizer._gradient(p, group)      # maximize and weight decay applied

        m, u = state["exp_avg"], state["exp_inf"]
        lerp_(m, g, 1 - beta1)                          # m = beta1 m + (1 - beta1) g, as PyTorch's lerp
        u *= beta2
        xp.maximum(u, xp.abs(g) + group["eps"], out=u)  # u = max(beta2 u, |g| + eps)
        p.data -= (group["lr"] / (1 - beta1 ** t)) * m / u
