"""Helpers every distribution shares: parameters made into broadcast tensors, probabilities and log-odds
turned into each other, sums over the rightmost dims, and noise drawn from minigan's seeded generators.

Every draw goes through :func:`minigan.randn` or :func:`minigan.rand` (the generator of the parameters'
device), so after ``mg.manual_seed(s)`` a learner can draw the very same noise again with ``mg.randn(shape,
dtype=...)`` and check that ``rsample`` is ``loc + scale * eps`` for that noise."""
from __future__ import annotations

import numbers

import numpy as np

from .. import creation, ops
from ..autograd import Tensor, enable_grad


def _default_float():
    return np.dtype(np.float32)


def broadcast_all(dist: str, **params) -> tuple[Tensor, ...]:
    """The parameters (Tensors or Python numbers), as tensors of one shape, dtype and device, in order.

    Tensors broadcast as ``torch.broadcast_tensors`` does (by recorded ops: gradients flow back to the
    originals) and join in the floating dtype PyTorch's promotion gives them; Python numbers become constant
    tensors of that dtype on that device (float32 when every parameter is a number). Anything else is a
    ``ValueError`` naming the distribution and the parameter."""
    tensors = []
    for name, v in params.items():
        if isinstance(v, Tensor):
            tensors.append(v)
        elif not isinstance(v, numbers.Number) or isinstance(v, bool):
            raise ValueError(f"{dist}: expected {name} to be a Tensor or a number, got {type(v).__name__}")
    dtypes = [t.dtype for t in tensors if t.dtype.kind == "f"]
    dtype = np.dtype(np.result_type(*dtypes)) if dtypes else _default_float()
    device = tensors[0].device if tensors else "cpu"
    try:
        shape = np.broadcast_shapes(*(t.shape for t in tensors))
    except ValueError:
        shapes = ", ".join(f"{n} {tuple(v.shape)}" for n, v in params.items() if isinstance(v, Tensor))
        raise ValueError(f"{dist}: the parameters do not broadcast to one shape ({shapes})") from None
    out = []
    for v in params.values():
        if isinstance(v, Tensor):
            t = v if v.dtype == dtype else ops.astype(v, dtype)
            out.append(t if t.shape == shape else ops.broadcast_to(t, shape))
        else:
            out.append(creation.full(shape, float(v), device=device, dtype=dtype))
    return tuple(out)


def as_param(dist: str, name: str, value, like: Tensor | None = None) -> Tensor:
    """One parameter as a floating Tensor (kept as it is, with its graph, if it is one): a Python number
    becomes a 0-d tensor of ``like``'s dtype and device (float32 on the CPU without ``like``)."""
    if isinstance(value, Tensor):
        return value if value.dtype.kind == "f" else ops.astype(value, _default_float())
    if not isinstance(value, numbers.Number) or isinstance(value, bool):
        raise ValueError(f"{dist}: expected {name} to be a Tensor or a number, got {type(value).__name__}")
    if like is None:
        return creation.full((), float(value), dtype=_default_float())
    return creation.full((), float(value), device=like.device, dtype=like.dtype)


def clamp_probs(probs: Tensor) -> Tensor:
    """Probabilities moved into ``[eps, 1 - eps]`` (``eps`` the dtype's machine epsilon), so that their logs
    and the logs of their complements are finite. The gradient is 0 where a value was moved."""
    eps = float(np.finfo(probs.dtype).eps)
    return ops.clamp(probs, eps, 1 - eps)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    """``log p`` (of clamped ``p``), or for a two-outcome (binary) variable the log-odds ``log p - log(1 - p)``."""
    p = clamp_probs(probs)
    return ops.log(p) - ops.log1p(-p) if is_binary else ops.log(p)


def logits_to_probs(logits: Tensor, is_binary: bool = False) -> Tensor:
    """``sigmoid(logits)`` for a binary variable, else ``softmax(logits, -1)``."""
    return ops.sigmoid(logits) if is_binary else ops.softmax(logits, -1)


def sum_rightmost(x: Tensor, n: int) -> Tensor:
    """``x`` summed over its last ``n`` dims (itself when ``n`` is 0)."""
    return x if n == 0 else ops.sum(x, tuple(range(-n, 0)))


def softplus(x: Tensor) -> Tensor:
    """``log(1 + e^x)``, exact for every ``x`` (no linear cut-off), with derivative ``sigmoid(x)``."""
    return ops.softplus(x, threshold=float("inf"))


def standard_normal(shape, like: Tensor) -> Tensor:
    """``N(0, 1)`` noise of ``shape``, ``like``'s dtype and device (``mg.randn``: no graph)."""
    return creation.randn(tuple(shape), device=like.device, dtype=like.dtype)


def uniform(shape, like: Tensor) -> Tensor:
    """``U[0, 1)`` noise of ``shape``, ``like``'s dtype and device (``mg.rand``: no graph)."""
    return creation.rand(tuple(shape), device=like.device, dtype=like.dtype)


def as_shape(sample_shape, what: str = "sample_shape") -> tuple[int, ...]:
    """A shape given as a tuple or list of ints (``torch.Size``'s forms), as a tuple."""
    if isinstance(sample_shape, (int, np.integer)) or not isinstance(sample_shape, (tuple, list)):
        raise TypeError(f"{what} must be a tuple of ints, such as (5,) or (3, 2), got {sample_shape!r}")
    return tuple(int(n) for n in sample_shape)


class lazy_property:
    """A property computed on first use and then stored on the instance under its own name (so
    ``Bernoulli(probs=p).logits`` is computed once, and the stored value is what ``expand`` carries on). The
    computation is recorded (it runs under ``enable_grad``), as the parameters it came from may need
    gradients later."""

    def __init__(self, fn) -> None:
        self.fn = fn
        self.__doc__ = fn.__doc__
        self.__name__ = fn.__name__

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        with enable_grad():
            value = self.fn(instance)
        instance.__dict__[self.__name__] = value
        return value
