"""Linear layers, batch normalisation and dropout, built from the elementwise ops, so their backward
(and double backward) follow from the ops they are made of."""
from __future__ import annotations

from .. import backend
from ..autograd import Tensor, no_grad
from . import arithmetic as A
from .reduction import mean, var
from .shape import reshape, transpose


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``y = x Wᵀ + b``: ``(*, in) , (out, in) -> (*, out)`` (PyTorch's weight layout)."""
    if x.shape[-1] != weight.shape[1]:
        raise ValueError(f"linear: input has {x.shape[-1]} features but weight expects {weight.shape[1]} "
                         f"(weight shape {weight.shape}, input shape {x.shape})")
    y = x @ transpose(weight)
    return y if bias is None else y + bias


def batch_norm(x: Tensor, running_mean=None, running_var=None, weight: Tensor | None = None,
               bias: Tensor | None = None, training: bool = False, momentum: float = 0.1,
               eps: float = 1e-5) -> Tensor:
    """Normalise each channel: ``(x - mean) / sqrt(var + eps) * weight + bias``.

    Input ``(N, C)`` or ``(N, C, H, W)``; statistics are over every axis but the channel axis 1.
    Training uses the batch's mean and biased variance, and updates the running statistics in place
    as PyTorch does: ``running = (1 - momentum) running + momentum * batch``, with the *unbiased*
    variance (n / (n - 1)). Evaluation uses the running statistics.
    ``running_mean``/``running_var`` are Tensors or arrays (or None to use batch statistics always)."""
    if x.ndim not in (2, 3, 4):
        raise ValueError(f"batch_norm: expected a 2-D, 3-D or 4-D input (N, C, ...), got shape {x.shape}")
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    use_batch = training or running_mean is None
    if use_batch:
        n = x.size // x.shape[1]
        if n < 2 and training:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when training, got input "
                             f"shape {x.shape}")
        mu = mean(x, axis=axes, keepdims=True)
        v = var(x, axis=axes, keepdims=True, correction=0)
        if training and running_mean is not None:
            with no_grad():
                rm = running_mean.data if isinstance(running_mean, Tensor) else running_mean
                rv = running_var.data if isinstance(running_var, Tensor) else running_var
                rm *= 1 - momentum
                rm += momentum * mu.data.reshape(-1).astype(rm.dtype)
                rv *= 1 - momentum
                rv += momentum * v.data.reshape(-1).astype(rv.dtype) * (n / max(n - 1, 1))
                for t in (running_mean, running_var):
                    if isinstance(t, Tensor):
                        t._bump_version()
    else:
        rm = running_mean.data if isinstance(running_mean, Tensor) else running_mean
        rv = running_var.data if isinstance(running_var, Tensor) else running_var
        mu = Tensor(rm.reshape(shape).astype(x.dtype, copy=False))
        v = Tensor(rv.reshape(shape).astype(x.dtype, copy=False))
    y = (x - mu) / A.sqrt(v + eps)
    if weight is not None:
        y = y * reshape(weight, shape)
    if bias is not None:
        y = y + reshape(bias, shape)
    return y


def dropout(x: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """Zero each element with probability ``p`` and scale the survivors by ``1/(1-p)`` (inverted
    dropout), so evaluation needs no rescaling. Identity when not training or when ``p == 0``."""
    if not 0 <= p <= 1:
        raise ValueError(f"dropout: p must be in [0, 1], got {p}")
    if not training or p == 0:
        return x
    if p == 1:
        return x * 0.0
    keep = backend.rng(x.device).random(x.shape) >= p
    return x * Tensor((keep / (1 - p)).astype(x.dtype))
