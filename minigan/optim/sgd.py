"""Stochastic gradient descent, with momentum, Nesterov momentum and weight decay (PyTorch's rule)."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Callable

from .. import backend
from .optimizer import Optimizer

__all__ = ["SGD"]


class SGD(Optimizer):
    r"""Stochastic gradient descent, step for step the same as ``torch.optim.SGD``.

    For each parameter ``p`` with gradient ``g`` (same shape as ``p``), one step is::

        g = -g                        if maximize
        g = g + weight_decay * p      (L2 regularisation, (weight_decay / 2) * ||p||^2 added to the loss)
        if momentum != 0:
            b = g                                     on the first step (no dampening)
            b = momentum * b + (1 - dampening) * g    afterwards
            g = g + momentum * b      if nesterov     (look ahead along the velocity)
            g = b                     otherwise
        p = p - lr * g

    ``b`` is the *momentum buffer*, kept in ``state[p]["momentum_buffer"]``. With momentum ``mu``
    and no dampening it is the running sum ``g_t + mu g_{t-1} + mu^2 g_{t-2} + ...``, so along a
    direction where the gradient keeps its sign the step grows towards ``lr / (1 - mu)`` times the
    gradient, while oscillating components cancel.

    Note this is PyTorch's form, which puts ``lr`` outside the buffer (Sutskever et al. 2013 put it
    inside); the two agree while ``lr`` is constant.

    Args:
        params: Tensors or parameter groups (see :class:`Optimizer`).
        lr: learning rate (1e-3 unless given, as in PyTorch).
        momentum: momentum factor ``mu`` (0 disables the buffer).
        dampening: how much of the new gradient is damped when added to the buffer.
        weight_decay: L2 penalty coefficient.
        nesterov: use Nesterov momentum (needs ``momentum > 0`` and ``dampening == 0``).
        maximize: climb the objective instead of descending it.
        foreach, fused: PyTorch's choice of kernels; kept in the groups, no effect in minigan (see
            :mod:`minigan.optim.optimizer`); ``fused=True`` with ``foreach=True`` is refused, as in PyTorch.
        differentiable: must be False (minigan's step is not recorded for autograd).
        (The last four are keyword-only, as in PyTorch.)
    """

    def __init__(self, params: Iterable, lr: float = 1e-3, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, differentiable: bool = False, fused: bool | None = None) -> None:
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach, differentiable=differentiable,
                        fused=fused)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        self._check_options(group, ("lr", "momentum", "weight_decay"))
        if group.get("nesterov") and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")

    def step(self, closure: Callable[[], Any] | None = None):
        """One update of every parameter that has a gradient; returns ``closure()`` if given."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, mu = group["lr"], group["momentum"]
            dampening, wd = group["dampening"], group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                with backend.device_context(backend.device_of(p.data)):
                    g = -p.grad.data if group["maximize"] else p.grad.data
                    if wd != 0:
                        g = g + wd * p.data  # a new array: the stored .grad is left as it was
                    if mu != 0:
                        state = self.state[p]
                        buf = state.get("momentum_buffer")
                        if buf is None:
                            buf = state["momentum_buffer"] = g.copy()
                        else:
                            buf *= mu
                            buf += (1 - dampening) * g
                        g = g + mu * buf if group["nesterov"] else buf
                    p.data -= lr * g
                p._bump_version()
        return loss
