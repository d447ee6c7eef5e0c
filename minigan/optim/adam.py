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
        g   = g + weight_decay * p        (L2 penalty added to the gradient; or, with decoupled_weight_decay,
                                           p = p * (1 - lr * weight_decay) first, as AdamW)
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
        foreach, capturable, fused: PyTorch's choice of kernels; kept in the groups, no effect in minigan (see
            :mod:`minigan.optim.optimizer`); ``fused=True`` with ``foreach=True`` is refused, as in PyTorch.
        maximize: climb the objective instead of descending it.
        differentiable: must be False (minigan's step is not recorded for autograd).
        decoupled_weight_decay: shrink the parameter directly, ``p *= 1 - lr * weight_decay``, instead of
            adding the L2 term to the gradient: this is :class:`AdamW`, step for step.
        (All after ``amsgrad`` are keyword-only, as in PyTorch.)
    """

    def __init__(self, params: Iterable, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, amsgrad: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None,
                 decoupled_weight_decay: bool = False) -> None:
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, capturable=capturable, differentiable=differentiable,
                        fused=fused, decoupled_weight_decay=decoupled_weight_decay)
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
                                 group["amsgrad"], group["maximize"], group["decoupled_weight_decay"])
                p._bump_version()
        return loss

    @staticmethod
    def _update(p, state: dict, lr: float, beta1: float, beta2: float, eps: float, wd: float,
                amsgrad: bool, maximize: bool, decoupled: bool = False) -> None:
        """The Adam update of one parameter's array, in place (AdamW's with ``decoupled``)."""
        xp = backend.xp_of(p.data)
        if not state:
            state["step"] = 0
            state["exp_avg"] = xp.zeros_like(p.data)
            state["exp_avg_sq"] = xp.zeros_like(p.data)
            if amsgrad:
                state["max_exp_avg_sq"] = xp.zeros_like(p.data)
        g = -p.grad.data if maximize else p.grad.data
        if wd != 0 and decoupled:
            p.data *= 1 - lr * wd       # decoupled weight decay (AdamW's), before the step
        elif wd != 0:
            g = g + wd * p.data         # L2 penalty, through the moments
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
    :class:`Adam`'s, and so is the code: AdamW is ``Adam(..., decoupled_weight_decay=True)``, and its groups
    say so (``decoupled_weight_decay`` is True in each, and stays True when a state dict is loaded, as in
    PyTorch). The default ``weight_decay`` is 0.01, PyTorch's.

    Args:
        params, lr, betas, eps, amsgrad, maximize: as for :class:`Adam`.
        weight_decay: decoupled weight decay coefficient (the fraction ``lr * weight_decay`` of each
            parameter removed per step).
        foreach, capturable, differentiable, fused: as for :class:`Adam` (no effect in minigan;
            ``differentiable`` must be False).
    """

    def __init__(self, params: Iterable, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False, foreach: bool | None = None, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                         foreach=foreach, maximize=maximize, capturable=capturable, differentiable=differentiable,
                         fused=fused, decoupled_weight_decay=True)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """As :meth:`Optimizer.load_state_dict`; every group keeps ``decoupled_weight_decay=True`` (an Adam state
        dict loaded into AdamW still decays AdamW's way, as in PyTorch)."""
        super().load_state_dict(state_dict)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
