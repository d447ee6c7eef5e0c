"""Relaxed (Concrete, Gumbel-softmax) distributions: smooth stand-ins for a coin and for a category, whose
samples are differentiable functions of the parameters (Maddison et al. 2016; Jang et al. 2016).

A 0/1 draw ``u < p`` has no useful gradient in ``p``. The relaxation draws logistic (two outcomes) or Gumbel
(``K`` outcomes) noise, adds it to the logits and squashes the sum with a sigmoid (a softmax) at a
``temperature``: near 0 the samples are nearly 0/1 (one-hot), larger temperatures smooth them out. Their
densities follow by a change of variables from those of the logits plus noise."""
from __future__ import annotations

import math

import numpy as np

from .. import ops
from ..autograd import Tensor
from . import constraints
from .bernoulli import _CoinParams
from .categorical import _WrapsCategorical
from .utils import as_param, clamp_probs, softplus, uniform


def _temperature(dist: str, temperature, like: Tensor) -> Tensor:
    t = as_param(dist, "temperature", temperature, like)
    if not bool((t.data > 0).all()):
        raise ValueError(f"{dist}: expected temperature > 0, got {t}")
    return t


class RelaxedBernoulli(_CoinParams):
    """A value in ``(0, 1)`` that is near 1 with probability about ``probs`` (or ``logits``, exactly one of
    them, as for :class:`Bernoulli`) and near 0 otherwise, closer to 0/1 for a lower ``temperature``.

    * ``rsample``: ``sigmoid((logits + log u - log(1 - u)) / temperature)`` with ``u = mg.rand`` clamped to
      ``[eps, 1 - eps]`` (``log u - log(1 - u)`` is logistic noise); clamped to ``[tiny, 1 - eps]``.
    * ``log_prob(y)``: with ``x = logit(y)`` and ``d = logits - temperature x``,
      ``log(temperature) + d - 2 softplus(d)`` is the density of ``x``; then ``- log|dy/dx|``, and
      ``log(dy/dx) = log sigmoid(x) + log sigmoid(-x) = -softplus(-x) - softplus(x)``."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args: bool | None = None) -> None:
        self._set_coin(probs, logits)
        self.temperature = _temperature(type(self).__name__, temperature, self._param)
        super().__init__(self._param.shape, validate_args=validate_args)

    def rsample(self, sample_shape=()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        p = clamp_probs(ops.broadcast_to(self.probs, shape))
        u = clamp_probs(uniform(shape, p))
        x = (ops.log(u) - ops.log1p(-u) + ops.log(p) - ops.log1p(-p)) / self.temperature
        info = np.finfo(x.dtype)
        return ops.clamp(ops.sigmoid(x), float(info.tiny), 1 - float(info.eps))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        info = np.finfo(value.dtype if value.dtype.kind == "f" else self._param.dtype)
        y = ops.clamp(value, float(info.tiny), 1 - float(info.eps))
        x = ops.log(y) - ops.log1p(-y)
        d = self.logits - x * self.temperature
        return ops.log(self.temperature) + d - 2 * softplus(d) + softplus(-x) + softplus(x)


class RelaxedOneHotCategorical(_WrapsCategorical):
    """A point of the probability simplex (``K`` non-negative numbers summing to 1) near the one-hot vector of
    category ``k`` with probability about ``probs_k``; ``probs`` or ``logits`` as for :class:`Categorical`,
    closer to one-hot for a lower ``temperature``. Event shape ``(K,)``.

    * ``rsample``: ``softmax((logits + g) / temperature)`` with Gumbel noise ``g = -log(-log u)``,
      ``u = mg.rand`` clamped to ``[eps, 1 - eps]`` (what ``F.gumbel_softmax`` does with its own draw).
    * ``log_prob(y)``: with ``x = log y`` and ``s = logits - temperature x``, the density of ``x`` is
      ``log((K-1)!) + (K-1) log(temperature) + sum_k (s_k - logsumexp(s))``, and ``y = exp(x)`` subtracts
      ``sum_k x_k``."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args: bool | None = None) -> None:
        c = self._wrap_categorical(probs, logits)
        self.temperature = _temperature(type(self).__name__, temperature, c._param)
        super().__init__(c.batch_shape, c.param_shape[-1:], validate_args=validate_args)

    def rsample(self, sample_shape=()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        u = clamp_probs(uniform(shape, self.logits))
        gumbels = -ops.log(-ops.log(u))
        return ops.softmax((self.logits + gumbels) / self.temperature, -1)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        k = self._event_shape[0]
        x = ops.log(value)
        s = self.logits - x * self.temperature
        s = ops.sum(s - ops.logsumexp(s, -1, keepdim=True), -1)
        log_scale = math.lgamma(k) + (k - 1) * ops.log(self.temperature)
        return s + log_scale - ops.sum(x, -1)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({repr(self._categorical)[len('Categorical('):-1]})"
