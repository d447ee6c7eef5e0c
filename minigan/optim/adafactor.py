"""Adafactor (Shazeer & Stern 2018), as in ``torch.optim.Adafactor``: Adam-like step sizes from a second moment
kept in factored form, a row and a column of numbers per matrix instead of a full matrix."""
from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from .. import backend
from .optimizer import Optimizer, lerp_

__all__ = ["Adafactor"]


class Adafactor(Optimizer):
    r"""Adafactor: Adam's per-coordinate scaling without Adam's memory, and a step relative to the weights.

    For a parameter ``p`` with gradient ``g``, at step ``t = 1, 2, ...``::

        g     = -g                                     if maximize
        w_t   = t ** beta2_decay                       weight of the new g² (1 at t = 1, then falling as t^-0.8)
        rho   = min(lr, 1 / sqrt(t))                   relative step size
        alpha = max(eps2, RMS(p)) * rho                the step, relative to the size of p (before decay)
        p     = p * (1 - lr * weight_decay)            decoupled weight decay (as AdamW's)
        if p has 2+ dims, shape (..., n, m):           factored second moment
            R = lerp(R, mean(g², dim=-1), w_t)         (..., n, 1)  mean square of each row
            C = lerp(C, mean(g², dim=-2), w_t)         (..., 1, m)  mean square of each column
            V = R @ C / max(mean(R, dim=-2), eps1)     (..., n, m)  the rank-1 matrix closest to the row and
                                                                    column means (outer product, rescaled)
        else (a vector or a scalar):
            V = lerp(V, g², w_t)                       the full second moment, as Adam's
        U = g / sqrt(max(V, eps1²))                    Adam-like normalised gradient
        U = U / max(1, RMS(U) / d)                     update clipping: RMS(U) is never above d
        p = p - alpha * U

    ``lerp(a, b, w) = a + w (b - a)``; with ``w_t = t ** beta2_decay`` this is a running mean whose
    ``beta2 = 1 - t^-0.8`` grows towards 1, so no bias correction is needed. An ``(n, m)`` matrix keeps
    ``n + m`` numbers of second moment instead of Adam's ``n m``; a 3-D tensor ``(k, n, m)`` is ``k`` matrices,
    each factored along its last two dims. ``RMS(x) = sqrt(mean(x²))``. ``eps1=None`` (the default) means the
    machine epsilon of the parameter's dtype. ``lr`` caps the relative step size and scales the weight decay;
    the paper has no learning rate (its cap is the constant 0.01, PyTorch's default ``lr``).

    State per parameter: ``step`` (int), and ``row_var`` (R) with ``col_var`` (C) for 2+ dims, or
    ``variance`` (V) for fewer; each array has the parameter's dtype and device.

    Args:
        params: Tensors or parameter groups (see :class:`Optimizer`).
        lr: the largest relative step size, and the weight decay's learning rate.
        beta2_decay: the exponent of ``t`` in the weight of the newest squared gradient (<= 0).
        eps: ``(eps1, eps2)``: eps1 keeps the normalisation away from 0 (None: the dtype's epsilon); eps2 is the
            smallest RMS of a parameter used for the step size, so a parameter starting at zero still moves.
        d: the clipping threshold of the update's RMS (>= 1).
        weight_decay: decoupled weight decay coefficient.
        foreach: PyTorch's choice of kernels; kept in the groups, no effect in minigan (see
            :mod:`minigan.optim.optimizer`).
        maximize: climb the objective instead of descending it.
    """

    def __init__(self, params: Iterable, lr: float = 1e-2, beta2_decay: float = -0.8,
                 eps: tuple[float | None, float] = (None, 1e-3), d: float = 1.0, weight_decay: float = 0.0, *,
                 foreach: bool | None = None, maximize: bool = False) -> None:
        defaults = dict(lr=lr, beta2_decay=beta2_decay, eps=tuple(eps), d=d, weight_decay=weight_decay,
                        foreach=foreach, maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        """PyTorch's checks, with its messages."""
        eps = group["eps"]
        if len(eps) != 2:
            raise ValueError(f"Adafactor: eps must be a pair (eps1, eps2), got {eps!r}")
        checks = [(0.0 <= group["lr"], f"Learning rate should be >= 0 but is: {group['lr']}"),
                  (0.0 >= group["beta2_decay"], f"beta2_decay should be <= 0 but is: {group['beta2_decay']}"),
                  (eps[0] is None or 0.0 <= eps[0], f"epsilon1 should be >= 0 but is: {eps[0]}"),
                  (0.0 <= eps[1], f"epsilon2 should be >= 0 but is: {eps[1]}"),
                  (1.0 <= group["d"], f"Clipping threshold d should be >= 1 but is: {group['d']}"),
                  (0.0 <= group["weight_decay"], f"weight_decay should be >= 0 but is: {group['weight_decay']}")]
        for ok, message in checks:
            if not ok:
                raise ValueError(message)

    @staticmethod
    def _update(p, state: dict, group: dict[str, Any]) -> None:
        """The Adafactor update of one parameter's array, in place."""
        xp = backend.xp_of(p.data)
        x = p.data
        factored = x.ndim > 1
        if not state:
            state["step"] = 0
            if factored:
                state["row_var"] = xp.zeros(x.shape[:-1] + (1,), dtype=x.dtype)
                state["col_var"] = xp.zeros(x.shape[:-2] + (1, x.shape[-1]), dtype=x.dtype)
            else:
                state["variance"] = xp.zeros_like(x)
        lr, d, wd = group["lr"], group["d"], group["weight_decay"]
        eps1, eps2 = group["eps"]
        if eps1 is None:
            eps1 = float(xp.finfo(x.dtype).eps)
        g = -p.grad.data if group["maximize"] else p.grad.data
        state["step"] = t = int(state["step"]) + 1

        weight = t ** group["beta2_decay"]            # 1 - beta2_t
        rho = min(lr, 1 / math.sqrt(t))
        alpha = max(eps2, _rms(xp, x)) * rho          # from p before the weight decay
        if wd != 0:
            x *= 1 - lr * wd

        g2 = g * g
        if factored:
            row_var, col_var = state["row_var"], state["col_var"]
            lerp_(row_var, g2.mean(axis=-1, keepdims=True), weight)
            lerp_(col_var, g2.mean(axis=-2, keepdims=True), weight)
            v = xp.matmul(row_var, col_var)            # (..., n, 1) @ (..., 1, m): the outer product
            v /= xp.maximum(row_var.mean(axis=-2, keepdims=True), eps1)
        else:
            lerp_(state["variance"], g2, weight)
            v = state["variance"].copy()               # the state keeps V itself, not max(V, eps1²)
        xp.maximum(v, eps1 * eps1, out=v)
        u = g / xp.sqrt(v)
        clip = max(1.0, _rms(xp, u) / d)
        x -= (alpha / clip) * u


def _rms(xp, a) -> float:
    """``sqrt(mean(a²))`` as a Python float, summed in float64 (0 for an empty array)."""
    if a.size == 0:
        return 0.0
    return math.sqrt(float(xp.sum(xp.square(a, dtype=xp.float64)))) / math.sqrt(a.size)
