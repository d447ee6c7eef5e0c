"""RMSprop (Tieleman & Hinton 2012), with momentum and the centred variant (Graves 2013), as in
``torch.optim.RMSprop``. The original WGAN (Arjovsky et al. 2017) trains both networks with it."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import backend
from .optimizer import Optimizer, lerp_

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    r"""RMSprop: divide each coordinate's step by a running root-mean-square of its gradient.

    For each parameter ``p`` with gradient ``g`` (same shape as ``p``), one step is::

        g = -g                                    if maximize
        g = g + weight_decay * p                  (L2 penalty added to the gradient)
        v = alpha * v + (1 - alpha) * g * g       running mean of g^2
        if centered:
            a = alpha * a + (1 - alpha) * g       running mean of g
            s = sqrt(v - a * a) + eps             running standard deviation of g
        else:
            s = sqrt(v) + eps                     running root-mean-square of g
        if momentum > 0:
            b = momentum * b + g / s              momentum on the normalised gradient
            p = p - lr * b
        else:
            p = p - lr * g / s

    Like Adam, every coordinate moves by about ``lr`` per step whatever the scale of its gradient, but
    there is no bias correction: ``v`` starts at 0, so the first step divides by ``sqrt(1 - alpha) |g|``
    and moves each coordinate by ``lr / sqrt(1 - alpha)`` (10 lr with the default ``alpha = 0.99``).
    ``eps`` is added *after* the square root (TensorFlow adds it before).

    State per parameter: ``step`` (int), ``square_avg`` (v); with ``momentum > 0`` ``momentum_buffer``
    (b); with ``centered`` ``grad_avg`` (a). Each array has the parameter's shape, dtype and device.

    Args:
        params: Tensors or parameter groups (see :class:`Optimizer`).
        lr: learning rate.
        alpha: smoothing constant of the running means (the fraction of the old mean kept per step).
        eps: added to the denominator for numerical stability.
        weight_decay: L2 penalty coefficient.
        momentum: momentum factor (0 disables the buffer).
        centered: normalise by the running standard deviation of the gradient instead of its
            root-mean-square.
        capturable, foreach: PyTorch's choice of kernels; kept in the groups, no effect in minigan (see
            :mod:`minigan.optim.optimizer`).
        maximize: climb the objective instead of descending it.
        differentiable: must be False (minigan's step is not recorded for autograd).
    """

    def __init__(self, params: Iterable, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False,
                 capturable: bool = False, foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach, maximize=maximize,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        self._check_options(group, ("lr", "eps", "momentum", "weight_decay", "alpha"))

    @staticmethod
    def _update(p, state: dict, group: dict[str, Any]) -> None:
        """The RMSprop update of one parameter's array, in place."""
        xp = backend.xp_of(p.data)
        lr, alpha, eps, mu = group["lr"], group["alpha"], group["eps"], group["momentum"]
        if not state:
            state["step"] = 0
            state["square_avg"] = xp.zeros_like(p.data)
        # made on the first step that needs them (also when momentum or centered is switched on later)
        if mu > 0 and "momentum_buffer" not in state:
            state["momentum_buffer"] = xp.zeros_like(p.data)
        if group["centered"] and "grad_avg" not in state:
            state["grad_avg"] = xp.zeros_like(p.data)
        state["step"] = int(state["step"]) + 1
        g = Optimizer._gradient(p, group)      # maximize and weight decay applied

        v = state["square_avg"]
        v *= alpha
        v += (1 - alpha) * g * g        # v = alpha v + (1 - alpha) g²
        if group["centered"]:
            a = state["grad_avg"]
            lerp_(a, g, 1 - alpha)      # a = alpha a + (1 - alpha) g, as PyTorch's lerp
            s = xp.sqrt(v - a * a)
        else:
            s = xp.sqrt(v)
        s += eps

        if mu > 0:
            b = state["momentum_buffer"]
            b *= mu
            b += g / s
            p.data -= lr * b
        else:
            p.data -= lr * g / s
