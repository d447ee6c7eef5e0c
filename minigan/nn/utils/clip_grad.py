"""Gradient clipping, as ``torch.nn.utils.clip_grad``.

Clipping keeps one bad batch from throwing the weights far away; in a GAN it is one remedy when one
network's gradients grow much larger than the other's::

    loss.backward()
    total = nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)   # returns the norm before clipping
    opt.step()

``clip_grad_norm_`` is two steps, each also offered alone (as in PyTorch): :func:`get_total_norm` measures the
gradients, :func:`clip_grads_with_norm_` scales them by a norm already measured (one measured across several
models, say, or logged before clipping).

The clipping functions change ``p.grad`` in place on the raw arrays (``xp = backend.xp_of(...)``, so
NumPy and CuPy alike), bumping the gradient's version as any in-place change does; they record nothing
for autograd. Parameters whose ``grad`` is None are skipped. ``foreach`` is accepted for code written for
PyTorch and ignored: minigan has one implementation.
"""
from __future__ import annotations

import math
import types
import warnings
from collections.abc import Iterable

import numpy as np

from ... import backend
from ...autograd import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm"]


def _as_list(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)


def _vector_norm(a, p: float):
    """The p-norm of all the elements of array ``a``, as a 0-d array of ``a``'s dtype:
    ``(sum |a|^p)^(1/p)``; ``max |a|`` for p = inf, ``min |a|`` for p = -inf, the count of non-zeros for p = 0."""
    xp = backend.xp_of(a)
    a = xp.abs(a)
    if p == math.inf:
        out = a.max()
    elif p == -math.inf:
        out = a.min()
    elif p == 0:
        out = (a != 0).sum()
    elif p == 1:
        out = a.sum()
    elif p == 2:
        out = xp.sqrt((a * a).sum())
    else:
        out = (a ** p).sum() ** (1.0 / p)
    return xp.asarray(out, dtype=a.dtype)


def _write_grad(p: Tensor, new) -> None:
    """Give ``p`` the gradient values ``new``: in place where its gradient's array can be written, else
    (a broadcast view, as a gradient made with ``create_graph=True`` may be) as a new gradient tensor."""
    if backend.is_writable(p.grad.data):
        p.grad.data[...] = new
        p.grad._bump_version()
    else:
        p.grad = Tensor(new)


def get_total_norm(tensors: Tensor | Iterable[Tensor], norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach: bool | None = None) -> Tensor:
    """The ``norm_type``-norm of all ``tensors`` seen as one long vector, as a 0-d Tensor (on the first
    tensor's device, of the dtype their norms promote to): ``norm([norm(t_1), norm(t_2), ...])``, which is the
    same number, without building the long vector. ``float("inf")`` gives the largest absolute value, 0 the
    count of non-zeros. No tensors give 0.0 (float32). Pass the gradients (``[p.grad for p in ...]``), not the
    parameters. Records nothing for autograd, as PyTorch's. A non-finite total with ``error_if_nonfinite=True``
    is a RuntimeError."""
    tensors = _as_list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return Tensor(np.array(0.0, dtype=np.float32))
    device = tensors[0].device
    xp = backend.xp_of(tensors[0].data)
    with backend.device_context(device):
        norms = [backend.to_device(_vector_norm(t.data, norm_type), device) for t in tensors]
        total = _vector_norm(xp.stack(norms), norm_type)
        if error_if_nonfinite and not bool(xp.isfinite(total)):
            raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, "
                               "so it cannot be clipped. To disable this error and scale the gradients by the "
                               "non-finite norm anyway, set `error_if_nonfinite=False`")
    return Tensor(total)


def clip_grads_with_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float, total_norm: Tensor | float,
                          foreach: bool | None = None) -> None:
    """Multiply every gradient by ``min(max_norm / (total_norm + 1e-6), 1)``, in place, given the total norm
    (from :func:`get_total_norm`): the directions stay the same and gradients already small enough are left
    alone. A non-finite total makes every gradient nan or inf (``inf * 0`` is nan)."""
    with_grad = [p for p in _as_list(parameters) if p.grad is not None]
    if not with_grad:
        return
    total = total_norm.data if isinstance(total_norm, Tensor) else np.asarray(float(total_norm))
    xp = backend.xp_of(total)
    with backend.device_context(backend.device_of(total)):
        coef = xp.minimum(float(max_norm) / (total + 1e-6), 1.0).astype(total.dtype)

    # All the new values first, then the writes: two parameters may share one gradient array (add's
    # backward hands both the same gradient under create_graph=True), which must be scaled only once.
    scaled = []
    for p in with_grad:
        g = p.grad.data
        with backend.device_context(backend.device_of(g)), np.errstate(invalid="ignore"):   # inf * 0 is nan
            c = backend.to_device(coef, backend.device_of(g)).astype(g.dtype)
            scaled.append(g * c)
    for p, new in zip(with_grad, scaled):
        _write_grad(p, new)


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """Scale all gradients together so that their total norm is at most ``max_norm``; return the total
    norm from before, as a 0-d Tensor.

    ``total = norm([norm(g_1), norm(g_2), ...])`` is the ``norm_type``-norm of all gradients seen as one
    vector (``float("inf")`` for the largest absolute value; :func:`get_total_norm`). Every gradient is then
    multiplied by ``min(max_norm / (total + 1e-6), 1)`` (:func:`clip_grads_with_norm_`), so the directions stay
    the same and gradients already small enough are left alone. A non-finite total (a nan or inf gradient)
    makes every gradient nan or inf, unless ``error_if_nonfinite=True``, which raises a RuntimeError instead.
    """
    is_generator = isinstance(parameters, types.GeneratorType)
    parameters = _as_list(parameters)
    if is_generator and not parameters:
        warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.", stacklevel=2)
    with_grad = [p for p in parameters if p.grad is not None]
    total = get_total_norm([p.grad for p in with_grad], norm_type, error_if_nonfinite)
    clip_grads_with_norm_(with_grad, max_norm, total)
    return total


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float, foreach: bool | None = None) -> None:
    """Clamp every gradient element into ``[-clip_value, clip_value]``, in place."""
    clip_value = float(clip_value)
    for p in _as_list(parameters):
        if p.grad is None:
            continue
        g = p.grad.data
        xp = backend.xp_of(g)
        with backend.device_context(backend.device_of(g)):
            _write_grad(p, xp.minimum(xp.maximum(g, -clip_value), clip_value))
