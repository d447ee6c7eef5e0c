"""Muon (Jordan et al. 2024), as in ``torch.optim.Muon``: SGD with momentum whose update matrix is orthogonalised
by a Newton-Schulz iteration before it is applied. For the 2-D weights of hidden layers only."""
from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from .. import backend
from .optimizer import Optimizer, lerp_

__all__ = ["Muon"]

ADJUST_LR_FNS = ("original", "match_rms_adamw")


def zeropower_via_newtonschulz(g, ns_coefficients: tuple[float, float, float], ns_steps: int, eps: float):
    r"""An approximately orthogonal matrix with the singular vectors of ``g``: ``U S' V^T`` for ``g = U S V^T``,
    with the singular values pushed towards 1: after 5 steps those above about 1% of ``||g||_F`` lie in about
    ``[0.7, 1.2]`` (not exactly 1: the coefficients make small singular values grow as fast as possible, at the
    cost of full convergence).

    ``g: (n, m) -> (n, m)``, computed on the wide orientation (``n <= m``, transposing a tall matrix, so the
    Gram matrix ``X X^T`` is the smaller one). With ``X = g / max(||g||_F, eps)`` (spectral norm <= 1), each of
    ``ns_steps`` steps applies the odd quintic ``a x + b x³ + c x⁵`` to every singular value at once::

        A = X @ X.T                     (n, n)
        B = b * A + c * (A @ A)
        X = a * X + B @ X

    Works in ``g``'s dtype, at least float32 (PyTorch works in bfloat16, which NumPy does not have; in the
    parameter's own precision minigan's result can be held against PyTorch's iteration run without the cast).
    """
    xp = backend.xp_of(g)
    a, b, c = ns_coefficients
    x = g.astype(xp.promote_types(g.dtype, xp.float32), copy=True)
    tall = x.shape[0] > x.shape[1]
    if tall:
        x = x.T
    x /= max(float(xp.linalg.norm(x)), eps)
    for _ in range(ns_steps):
        gram = x @ x.T
        poly = b * gram + c * (gram @ gram)
        x = a * x + poly @ x
    return x.T if tall else x


def adjust_lr(lr: float, adjust_lr_fn: str | None, shape: tuple[int, ...]) -> float:
    """The learning rate for an ``(A, B)`` matrix, so the orthogonalised update's RMS is the same for every shape:
    ``"original"`` (or None) ``lr * sqrt(max(1, A / B))``, ``"match_rms_adamw"`` ``0.2 * lr * sqrt(max(A, B))``
    (the RMS of an AdamW update, so AdamW's lr and weight decay carry over)."""
    rows, cols = shape[:2]
    if adjust_lr_fn is None or adjust_lr_fn == "original":
        return lr * math.sqrt(max(1, rows / cols))
    return lr * 0.2 * math.sqrt(max(rows, cols))


class Muon(Optimizer):
    r"""Muon: MomentUm Orthogonalized by Newton-Schulz, for 2-D parameters (the weights of hidden layers).

    For a parameter ``p`` of shape ``(A, B)`` with gradient ``g``, one step is::

        b = lerp(b, g, 1 - momentum)                   b = momentum * b + (1 - momentum) g
        u = lerp(g, b, momentum)  if nesterov else b   Nesterov: look one momentum step ahead
        O = NS(u)                                      orthogonalised (see zeropower_via_newtonschulz)
        p = p * (1 - lr * weight_decay)                decoupled weight decay
        p = p - adjust_lr(lr, A, B) * O

    An update whose singular values are all about 1 moves the weights by the same amount in every direction of
    the update, rare ones included; ``adjust_lr`` makes the RMS of that step the same for every shape
    (``adjust_lr_fn``: ``"original"`` (None) or ``"match_rms_adamw"``, see :func:`adjust_lr`). Biases, norms'
    weights and embeddings are for another optimizer (e.g. :class:`AdamW`); Muon refuses a parameter that is
    not 2-D, also in a group added later.

    minigan runs the Newton-Schulz iteration in the parameter's dtype, at least float32, where PyTorch runs it
    in bfloat16 (fast on GPUs, ample for an orthogonalisation; NumPy has no bfloat16): so float32 and float64
    runs agree with PyTorch's arithmetic to their own precision when PyTorch's iteration is run without its cast,
    and to bfloat16's (about 3 digits) with it.

    State per parameter: ``momentum_buffer`` (b), with the parameter's shape, dtype and device.

    Args:
        params: 2-D Tensors or parameter groups of them (see :class:`Optimizer`).
        lr: learning rate.
        weight_decay: decoupled weight decay coefficient.
        momentum: momentum factor.
        nesterov: use Nesterov momentum.
        ns_coefficients: ``(a, b, c)`` of the quintic ``a x + b x³ + c x⁵`` (Keller Jordan's by default).
        eps: the smallest norm the update is divided by before the iteration.
        ns_steps: the number of Newton-Schulz steps (less than 100).
        adjust_lr_fn: ``"original"``, ``"match_rms_adamw"`` or None (``"original"``).
    """

    def __init__(self, params: Iterable, lr: float = 1e-3, weight_decay: float = 0.1, momentum: float = 0.95,
                 nesterov: bool = True, ns_coefficients: tuple[float, float, float] = (3.4445, -4.775, 2.0315),
                 eps: float = 1e-7, ns_steps: int = 5, adjust_lr_fn: str | None = None) -> None:
        defaults = dict(lr=lr, weight_decay=weight_decay, momentum=momentum, nesterov=nesterov,
                        ns_coefficients=tuple(ns_coefficients), eps=eps, ns_steps=ns_steps,
                        adjust_lr_fn=adjust_lr_fn)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        """PyTorch's checks, with its messages (those PyTorch makes only when it steps are made here at once)."""
        checks = [(0.0 <= group["lr"], f"Learning rate should be >= 0 but is: {group['lr']}"),
                  (0.0 <= group["momentum"], f"momentum should be >= 0 but is: {group['momentum']}"),
                  (0.0 <= group["weight_decay"], f"weight decay should be >= 0 but is: {group['weight_decay']}"),
                  (group["adjust_lr_fn"] in (None,) + ADJUST_LR_FNS,
                   f"Adjust learning rate function {group['adjust_lr_fn']} is not supported"),
                  (group["ns_steps"] < 100, "Number of steps must be less than 100 for computational efficiency"),
                  (len(group["ns_coefficients"]) == 3, "Coefficients must be a tuple of exactly 3 values")]
        for ok, message in checks:
            if not ok:
                raise ValueError(message)
        for p in group.get("params", ()):
            if p.ndim != 2:
                raise ValueError(f"Muon only supports 2D parameters whereas we found a parameter with size: "
                                 f"{tuple(p.shape)}")

    @staticmethod
    def _update(p, state: dict, group: dict[str, Any]) -> None:
        """The Muon update of one parameter's array, in place."""
        xp = backend.xp_of(p.data)
        g = p.grad.data
        if "momentum_buffer" not in state:
            state["momentum_buffer"] = xp.zeros_like(g)
        buf, mu, lr = state["momentum_buffer"], group["momentum"], group["lr"]
        lerp_(buf, g, 1 - mu)
        if group["nesterov"]:
            update = g.copy()
            lerp_(update, buf, mu)
        else:
            update = buf
        o = zeropower_via_newtonschulz(update, group["ns_coefficients"], group["ns_steps"], group["eps"])
        p.data *= 1 - lr * group["weight_decay"]
        p.data -= (adjust_lr(lr, group["adjust_lr_fn"], p.shape) * o).astype(p.data.dtype, copy=False)
