"""NAdam (Dozat 2016): Adam with Nesterov momentum, as in ``torch.optim.NAdam``."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import backend
from .optimizer import Optimizer, lerp_

__all__ = ["NAdam"]


class NAdam(Optimizer):
    r"""NAdam: Adam that takes its momentum step from where the momentum is about to carry it.

    For each parameter ``p`` with gradient ``g``, at step ``t = 1, 2, ...``::

        g     = -g                                     if maximize
        g     = g + weight_decay * p                   (L2 penalty; or, with decoupled_weight_decay,
                                                        p = p * (1 - lr * weight_decay) as in AdamW)
        mu_t  = beta1 * (1 - 0.5 * 0.96^(t * momentum_decay))      momentum schedule, rising towards beta1
        M_t   = mu_1 * mu_2 * ... * mu_t               product of the schedule so far
        m     = beta1 * m + (1 - beta1) * g            first moment, as in Adam
        v     = beta2 * v + (1 - beta2) * g * g        second moment, as in Adam
        d     = sqrt(v / (1 - beta2^t)) + eps
        p     = p - lr * (1 - mu_t) / (1 - M_t) * g / d
                  - lr * mu_{t+1} / (1 - M_t * mu_{t+1}) * m / d

    Nesterov momentum evaluates the gradient after the momentum step instead of before it. NAdam gets
    the same effect by mixing the *current* gradient (first term) with the momentum of the *next*
    step (second term, weighted by ``mu_{t+1}``), each with its own bias correction. The schedule
    ``mu_t`` starts just above ``beta1 / 2`` and warms up towards ``beta1``, slowly: with the default
    ``momentum_decay = 0.004`` it reaches ``0.75 beta1`` after about 4,250 steps.

    State per parameter: ``step`` (int), ``mu_product`` (M_t, a float), ``exp_avg`` (m) and
    ``exp_avg_sq`` (v), each array with the parameter's shape, dtype and device. minigan keeps
    ``mu_product`` in double precision; PyTorch keeps it in its default dtype (float32 unless
    ``torch.set_default_dtype(torch.float64)``), so the two agree to about 1e-7 in ``M_t`` unless
    PyTorch's default dtype is float64.

    Args:
        params: Tensors or parameter groups (see :class:`Optimizer`).
        lr: learning rate.
        betas: decay rates ``(beta1, beta2)`` of the two moment estimates, each in ``[0, 1)``.
        eps: added to the denominator for numerical stability.
        weight_decay: weight decay coefficient (an L2 penalty unless ``decoupled_weight_decay``).
        momentum_decay: the rate ``psi`` of the momentum schedule ``mu_t``.
        decoupled_weight_decay: shrink the parameter directly (as AdamW) instead of adding the L2
            term to the gradient (the variant called NAdamW).
        foreach, capturable: PyTorch's choice of kernels; kept in the groups, no effect in minigan (see
            :mod:`minigan.optim.optimizer`).
        maximize: climb the objective instead of descending it.
        differentiable: must be False (minigan's step is not recorded for autograd).
        (The last four are keyword-only, as in PyTorch.)
    """

    def __init__(self, params: Iterable, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False) -> None:
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay, decoupled_weight_decay=decoupled_weight_decay,
                        maximize=maximize, foreach=foreach, capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        self._check_options(group, ("lr", "eps"), betas=True)
        self._check_options(group, ("weight_decay", "momentum_decay"))

    @staticmethod
    def _update(p, state: dict, group: dict[str, Any]) -> None:
        """The NAdam update of one parameter's array, in place."""
        xp = backend.xp_of(p.data)
        beta1, beta2 = group["betas"]
        lr, psi = group["lr"], group["momentum_decay"]
        if not state:
            state["step"] = 0
            state["mu_product"] = 1.0
            state["exp_avg"] = xp.zeros_like(p.data)
            state["exp_avg_sq"] = xp.zeros_like(p.data)
        state["step"] = t = int(state["step"]) + 1
        g = Optimizer._gradient(p, group)      # maximize and weight decay applied

        mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * psi))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))
        state["mu_product"] = mu_product = float(state["mu_product"]) * mu     # M_t = M_{t-1} mu_t

        m, v = state["exp_avg"], state["exp_avg_sq"]
        lerp_(m, g, 1 - beta1)              # m = beta1 m + (1 - beta1) g, as PyTorch's lerp
        v *= beta2
        v += (1 - beta2) * g * g            # v = beta2 v + (1 - beta2) g²
        d = xp.sqrt(v / (1 - beta2 ** t))
        d += group["eps"]
        p.data -= (lr * (1 - mu) / (1 - mu_product)) * g / d
        p.data -= (lr * mu_next / (1 - mu_product * mu_next)) * m / d
