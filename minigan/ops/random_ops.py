"""Ops that draw random numbers: ``rrelu`` (a random negative slope), ``alpha_dropout`` and
``feature_alpha_dropout`` (dropout for SELU networks), and ``gumbel_softmax`` (a differentiable sample of a
category). All draw from minigan's generator of the input's device, so ``mg.manual_seed`` makes them repeatable.

Each is a composition of existing differentiable ops around one constant array of random numbers: the noise is
drawn on raw arrays, outside the graph, and the input meets it through ``mul``, ``add`` and ``softmax``, whose
gradients (of any order) are the op's. So ``rrelu``'s gradient is its slope, the same drawn slope the forward
used, and dropout's is its mask times its scale.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from .. import backend
from ..autograd import Tensor, as_tensor
from ..generator import stream
from ._util import normalize_dim
from .activation import SELU_ALPHA, SELU_SCALE, leaky_relu, softmax

__all__ = ["rrelu", "alpha_dropout", "feature_alpha_dropout", "gumbel_softmax", "sample_gumbel"]


def _expect_floating(op: str, x: Tensor) -> None:
    if not x.is_floating_point():
        raise TypeError(f"{op}: expected a floating-point tensor, got dtype {x.dtype}; convert it first with x.float()")


def _constant(a, like: Tensor) -> Tensor:
    """A raw array as a constant Tensor of ``like``'s dtype (no graph)."""
    return Tensor(a.astype(like.dtype, copy=False))


# --------------------------------------------------------------------------- rrelu
def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False, *, generator=None) -> Tensor:
    """Randomized leaky ReLU, as ``torch.nn.functional.rrelu``: ``x`` where ``x > 0``, else ``a * x``.

    In training each element draws its own slope ``a ~ U(lower, upper)`` (a fresh one every call); in evaluation
    (``training=False``, the default here as in PyTorch) ``a`` is the mean slope ``(lower + upper) / 2``, a plain
    :func:`leaky_relu`. The gradient is the slope used: 1 where ``x > 0``, ``a`` where ``x <= 0`` (so at 0 too).
    ``inplace`` is accepted for PyTorch code; the result is computed out of place all the same. ``generator`` (an
    ``mg.Generator``; minigan's extra here, as ``torch.rrelu`` has one) draws the slopes in place of the device's
    stream."""
    x = as_tensor(input)
    _expect_floating("rrelu", x)
    if lower > upper:
        raise ValueError(f"rrelu: lower bound should be less than or equal to the upper bound, got lower={lower} "
                         f"and upper={upper}")
    gen = stream(generator, x.device, "rrelu")           # checked in evaluation too, where it goes unused
    if not training:
        return leaky_relu(x, (lower + upper) / 2)
    xp = backend.xp_of(x.data)
    a = lower + (upper - lower) * gen.random(x.shape)
    return x * _constant(xp.where(x.data > 0, 1.0, a), x)


# --------------------------------------------------------------------------- alpha dropout
def _alpha_dropout(op: str, x: Tensor, p: float, training: bool, noise_shape) -> Tensor:
    """Dropout that keeps a SELU network's mean 0 and variance 1 (Klambauer et al. 2017). A dropped unit is set to
    SELU's floor ``-alpha'`` (``alpha' = SELU_SCALE * SELU_ALPHA`` ≈ 1.7581, where SELU saturates) rather than 0,
    and then everything goes through the affine map ``a y + b`` that restores mean 0 and variance 1 for inputs of
    mean 0 and variance 1:

        a = 1 / sqrt((alpha'^2 p + 1) (1 - p)),    b = a alpha' p

    so a kept unit becomes ``a x + a alpha' p`` and a dropped one ``-a alpha' (1 - p)``. With the 0/1 keep mask
    ``m`` (1 with probability ``1 - p``) that is ``x * (a m) + a alpha' (m - 1 + p)``: a product and a sum with
    constants, so the gradient is ``a m``. One draw covers ``noise_shape`` (broadcast over the rest)."""
    if not 0 <= p <= 1:
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, but got {p}")
    _expect_floating(op, x)
    if not training or p == 0:
        return x
    if p == 1:
        return x * 0.0
    alpha = SELU_SCALE * SELU_ALPHA
    a = 1.0 / math.sqrt((alpha * alpha * p + 1) * (1 - p))
    keep = (backend.rng(x.device).random(noise_shape) >= p).astype(x.dtype)
    return x * _constant(keep * a, x) + _constant((keep - 1 + p) * (alpha * a), x)


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Alpha dropout, as ``torch.nn.functional.alpha_dropout``: each element dropped to SELU's floor with
    probability ``p``, then all rescaled so that a mean-0, variance-1 input keeps its mean and variance (see
    :func:`_alpha_dropout`). Identity unless ``training`` (False by default, as in PyTorch's function)."""
    x = as_tensor(input)
    return _alpha_dropout("alpha_dropout", x, p, training, x.shape)


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Alpha dropout of whole channels, as ``torch.nn.functional.feature_alpha_dropout``: one draw per ``(n, c)``
    of an input ``(N, C, *)`` (the first two dims, whatever they mean), shared by every position of that channel.
    Identity unless ``training`` (False by default)."""
    x = as_tensor(input)
    if x.ndim < 2:
        raise ValueError(f"feature_alpha_dropout: feature dropout requires at least 2 dimensions in the input "
                         f"(N, C, *), got shape {x.shape}")
    return _alpha_dropout("feature_alpha_dropout", x, p, training, x.shape[:2] + (1,) * (x.ndim - 2))


# --------------------------------------------------------------------------- Gumbel-softmax
def sample_gumbel(shape, like: Tensor):
    """Standard Gumbel noise ``-log(-log U)``, ``U ~ U[0, 1)``, as a raw array of ``like``'s dtype on its device,
    from minigan's generator (so ``mg.manual_seed`` repeats it). ``-log U`` is a standard exponential draw, the
    one PyTorch's ``gumbel_softmax`` takes the log of; ``U = 0`` gives ``-inf``, a category that cannot win."""
    u = backend.rng(like.device).random(tuple(shape))
    with np.errstate(divide="ignore"):
        g = -backend.xp_of(u).log(-backend.xp_of(u).log(u))
    return g.astype(like.dtype, copy=False)


def gumbel_softmax(logits: Tensor, tau: float = 1, hard: bool = False, eps: float = 1e-10, dim: int = -1) -> Tensor:
    """A differentiable sample of a category, as ``torch.nn.functional.gumbel_softmax`` (Jang et al. 2016;
    Maddison et al. 2016): ``softmax((logits + g) / tau, dim)``, ``g`` standard Gumbel noise.

    The Gumbel-max trick: ``argmax(logits + g)`` is a sample of the categorical distribution
    ``softmax(logits)``; the softmax is its smooth stand-in, near one-hot for a small temperature ``tau`` and near
    uniform for a large one, and the gradient reaches ``logits`` through it (the reparameterization trick).

    ``hard=True`` returns the exact one-hot of that argmax, ``y_hard - y_soft.detach() + y_soft``: the value of the
    first term, the gradient of the last (the straight-through estimator). ``eps`` is accepted, and ignored, as in
    PyTorch (which warns when it is given)."""
    x = as_tensor(logits)
    _expect_floating("gumbel_softmax", x)
    if eps != 1e-10:
        warnings.warn("gumbel_softmax: `eps` parameter is deprecated and has no effect.", stacklevel=2)
    axis = normalize_dim(dim, x.ndim, "gumbel_softmax")
    y_soft = softmax((x + Tensor(sample_gumbel(x.shape, x))) / tau, dim)
    if not hard:
        return y_soft
    xp = backend.xp_of(y_soft.data)
    if x.ndim == 0:                 # one category: always it
        return Tensor(xp.ones_like(y_soft.data) - y_soft.data) + y_soft
    winner = xp.expand_dims(y_soft.data.argmax(axis=axis), axis)
    classes = xp.arange(x.shape[axis]).reshape((-1,) + (1,) * (x.ndim - 1 - axis))
    y_hard = (classes == winner).astype(y_soft.dtype)
    return Tensor(y_hard - y_soft.data) + y_soft
