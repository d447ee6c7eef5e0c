"""Adam (Kingma & Ba 2015) and its AMSGrad variant (Reddi et al. 2018), as in ``torch.optim.Adam``, and AdamW
(Loshchilov & Hutter 2019), Adam with decoupled weight decay, as in ``torch.optim.AdamW``."""
from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, Callable

from .. import backend
from .optimizer import Optimizer

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    r"""Adam: per-coordinate step sizes from running moments of the gradient.

    For each parameter ``p`` with gradient ``g``, at step ``t = 1, 2, ...``::

        g   = -g                          if maximize
        g   = g + weight_decay * p        (L2 penalty added to the gradient; AdamW decouples it)
        m   = beta1 * m + (1 - beta1) * g          first moment  (mean of g)
        v   = beta2 * v + (1 - beta2) * g * g      second moment (uncentred variance of g)
        v_max = max(v_max, v)             if amsgrad, and v_max replaces v below
        m_hat = m / (1 - beta1^t)         bias corrections: m and v start at 0, so early on
        v_hat = v / (1 - beta2^t)         they underestimate; dividing undoes that exactly
        p   = p - lr * m_hat / (sqrt(v_hat) + eps)

    The arithmetic is arranged as PyTorch arranges it, so that float32 runs agree with PyTorch to
    rounding: ``p -= (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)``.

    Because ``m_hat / sqrt(v_hat)`` is about +-1 where the gradient's sign is steady, every
    coordinate moves by about ``lr`` per step whatever the scale of its gradient: this is what
    makes Adam's learning rate easy to choose (and why GANs train with it).

    State per parameter: ``step`` (int), ``exp_avg`` (m), ``exp_avg_sq`` (v), and with amsgrad
    ``max_exp_avg_sq`` (v_max); each array has the parameter's shape, dtype and device.

    Args:
        params: Tensors or parameter groups (see :class:`Optimizer`).
        lr: learning rate.
        betas: decay rates ``(beta1, beta2)`` of the two moment estimates, each in ``[0, 1)``.
        eps: added to the denominator for numerical stability.
        weight_decay: L2 penalty coefficient.
        amsgrad: use the running maximum of the second moment (AMSGrad).
        maximize: climb the objective instead of descending it.
    """

    def __init__(self, params: Iterable, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, amsgrad: bool = False,
                 maximize: bool = False) -> None:
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        if len(group["betas"]) != 2:
            raise ValueError(f"{type(self).__name__}: betas must be a pair (beta1, beta2), got {group['betas']!r}")
        self._check_options(group, ("lr", "eps"), betas=True)
        self._check_options(group, ("weight_decay",))

    def step(self, closure: Callable[[], Any] | None = None):
        """One update of every parameter that has a gradient; returns ``closure()`` if given."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            lr, eps, wd = group["lr"], group["eps"], group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                with backend.device_context(backend.device_of(p.data)):
                    self._update(p, self.state[p], lr, beta1, beta2, eps, wd,
                                 group["amsgrad"], group["maximize"])
                p._bump_version()
        return loss

    @staticmethod
    def _update(p, state: dict, lr: float, beta1: float, beta2: float, eps: float, wd: float,
                amsgrad: bool, maximize: bool) -> None:
        """The Adam update of one parameter's array, in place."""
        xp = backend.xp_of(p.data)
        if not state:
            state["step"] = 0
            state["exp_avg"] = xp.zeros_like(p.data)
            state["exp_avg_sq"] = xp.zeros_like(p.data)
            if amsgrad:
                state["max_exp_avg_sq"] = xp.zeros_like(p.data)
        g = -p.grad.data if maximize else p.grad.data
        if wd != 0:
            g = g + wd * p.data
        state["step"] += 1
        t = state["step"]
        m, v = state["exp_avg"], state["exp_avg_sq"]
        # Each line below is one pass over the parameter, written into one scratch array `tmp` (the same
        # arithmetic, rounded the same way, as the one-line formulas in the comments, without their
        # temporaries).
        tmp = g - m
        tmp *= 1 - beta1
        m += tmp                    # m = beta1 m + (1 - beta1) g, in the form of PyTorch's lerp: m + (1 - beta1)(g - m)
        xp.multiply(g, g, out=tmp)
        tmp *= 1 - beta2
        v *= beta2
        v += tmp                    # v = beta2 v + (1 - beta2) g²

        if amsgrad:
            if "max_exp_avg_sq" not in state:  # amsgrad switched on after some steps
                state["max_exp_avg_sq"] = xp.zeros_like(p.data)
            xp.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
            v = state["max_exp_avg_sq"]
        step_size = lr / (1 - beta1 ** t)
        xp.sqrt(v, out=tmp)
        tmp /= math.sqrt(1 - beta2 ** t)
        tmp += eps                  # denom = sqrt(v) / sqrt(1 - beta2^t) + eps
        xp.divide(m, tmp, out=tmp)
        tmp *= step_size
        p.data -= tmp               # p -= step_size * m / denom


class AdamW(Adam):
    r"""AdamW: Adam with *decoupled* weight decay, step for step the same as ``torch.optim.AdamW``.

    Adam's ``weight_decay`` adds ``weight_decay * p`` to the gradient, so the decay passes through the
    moment estimates and is divided by ``sqrt(v_hat)`` like the rest of the gradient: a weight with large
    gradients is hardly decayed at all. AdamW instead shrinks the parameter itself, apart from the
    gradient, and then takes Adam's step with no L2 term::

        p = p * (1 - lr * weight_decay)           decoupled weight decay
        p = p - lr * m_hat / (sqrt(v_hat) + eps)  Adam's step on the plain gradient (see :class:`Adam`)

    Everything else (moments, bias corrections, ``amsgrad``, ``maximize``, the state per parameter) is
    :class:`Adam`'s, and so is the code. The default ``weight_decay`` is 0.01, PyTorch's.

    Args:
        params, lr, betas, eps, amsgrad, maximize: as for :class:`Adam`.
        weight_decay: decoupled weight decay coefficient (the fraction ``lr * weight_decay`` of each
            parameter removed per step).
    """

    def __init__(self, params: Iterable, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                         maximize=maximize)

    @staticmethod
    def _update(p, state: dict, lr: float, beta1: float, beta2: float, eps: float, wd: float,
                amsgrad: bool, maximize: bool) -> None:
        """The AdamW update of one parameter's array, in place: decay, then Adam's update without L2."""
        if wd != 0:
            p.data *= 1 - lr * wd
        Adam._update(p, state, lr, beta1, beta2, eps, 0.0, amsgrad, maximize)
