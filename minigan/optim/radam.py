"""RAdam (Liu et al. 2020): Adam with its adaptive step switched on only once the variance estimate is
trustworthy, and rectified until then, as in ``torch.optim.RAdam``."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import backend
from .optimizer import Optimizer, lerp_

__all__ = ["RAdam"]


class RAdam(Optimizer):
    r"""RAdam: Adam without the warm-up it needs in its first steps.

    For each parameter ``p`` with gradient ``g``, at step ``t = 1, 2, ...``::

        g      = -g                                    if maximize
        g      = g + weight_decay * p                  (L2 penalty; or, with decoupled_weight_decay,
                                                        p = p * (1 - lr * weight_decay) as in AdamW)
        m      = beta1 * m + (1 - beta1) * g           first moment, as in Adam
        v      = beta2 * v + (1 - beta2) * g * g       second moment, as in Adam
        m_hat  = m / (1 - beta1^t)
        rho_inf = 2 / (1 - beta2) - 1                  the longest the moving average of g² can be
        rho_t  = rho_inf - 2 t beta2^t / (1 - beta2^t) how long it is at step t (1 at t = 1, rising)
        if rho_t > 5:                                  enough samples: Adam's step, rectified
            r  = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
            p  = p - lr * m_hat * sqrt(1 - beta2^t) / (sqrt(v) + eps) * r
        else:                                          too few: momentum SGD, no adaptive step
            p  = p - lr * m_hat

    Early on, ``v`` averages only a few squared gradients, so ``1 / sqrt(v_hat)`` has a large variance and
    Adam's first steps can be wild (which is why Adam is often run with a learning-rate warm-up). RAdam
    measures that variance through ``rho_t``, the effective length of the moving average: while it is 5 or
    less the variance is not even finite, and RAdam takes plain momentum steps; afterwards it scales Adam's
    step by ``r``, which grows from near 0 towards 1 as ``rho_t`` approaches ``rho_inf``. With the default
    ``beta2 = 0.999``, the first five steps are momentum steps.

    State per parameter: ``step`` (int), ``exp_avg`` (m) and ``exp_avg_sq`` (v), each array with the
    parameter's shape, dtype and device.

    Args:
        params: Tensors or parameter groups (see :class:`Optimizer`).
        lr: learning rate.
        betas: decay rates ``(beta1, beta2)`` of the two moment estimates, each in ``[0, 1)``.
        eps: added to the denominator for numerical stability.
        weight_decay: weight decay coefficient (an L2 penalty unless ``decoupled_weight_decay``).
        decoupled_weight_decay: shrink the parameter directly (as AdamW) instead of adding the L2 term to
            the gradient (the variant called RAdamW).
        foreach, capturable: PyTorch's choice of kernels; kept in the groups, no effect in minigan (see
            :mod:`minigan.optim.optimizer`).
        maximize: climb the objective instead of descending it.
        differentiable: must be False (minigan's step is not recorded for autograd).
        (The last four are keyword-only, as in PyTorch.)
    """

    def __init__(self, params: Iterable, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, decoupled_weight_decay: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, maximize=maximize,
                        foreach=foreach, capturable=capturable, decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        self._check_options(group, ("lr", "eps"), betas=True)
        self._check_options(group, ("weight_decay",))

    @staticmethod
    def _update(p, state: dict, group: dict[str, Any]) -> None:
        """The RAdam update of one parameter's array, in place."""
        xp = backend.xp_of(p.data)
        beta1, beta2 = group["betas"]
        lr = group["lr"]
        if not state:
            state["step"] = 0
            state["exp_avg"] = xp.zeros_like(p.data)
            state["exp_avg_sq"] = xp.zeros_like(p.data)
        state["step"] = t = int(state["step"]) + 1
        g = Optimizer._gradient(p, group)      # maximize and weight decay applied

        m, v = state["exp_avg"], state["exp_avg_sq"]
        lerp_(m, g, 1 - beta1)              # m = beta1 m + (1 - beta1) g, as PyTorch's lerp
        v *= beta2
        v += (1 - beta2) * g * g            # v = beta2 v + (1 - beta2) g²
        bias_correction2 = 1 - beta2 ** t
        m_hat = m / (1 - beta1 ** t)

        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * t * beta2 ** t / bias_correction2
        if rho_t > 5.0:
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
            adaptive = xp.sqrt(v)
            adaptive += group["eps"]
            adaptive = bias_correction2 ** 0.5 / adaptive
            p.data -= m_hat * lr * adaptive * rect
        else:
            p.data -= m_hat * lr
