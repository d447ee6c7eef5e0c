"""The Kullback-Leibler divergences of the continuous Bernoulli (:mod:`minigan.distributions.continuous_bernoulli`)
in closed form, registered with :func:`~minigan.distributions.kl.register_kl` (which imports this module): against
itself, from a Beta or a Uniform, to an Exponential, a Normal or a Uniform, and ``inf`` where one puts mass where
the other has none. Its log-density is linear in ``x`` (``x logits + log(1 - λ) + log C(λ)``), so the
cross-entropy from any ``p`` needs only ``p``'s mean."""
from __future__ import annotations

import math

import numpy as np

from .. import creation, ops
from ..autograd import Tensor
from .beta import Beta
from .continuous_bernoulli import ContinuousBernoulli
from .exponential import Exponential
from .gamma import Gamma
from .gumbel import Gumbel
from .kl import _inf_where, register_kl
from .laplace import Laplace
from .normal import Normal
from .pareto import Pareto
from .uniform import Uniform

__all__: list[str] = []


def _infinite_like(p, q, like: Tensor) -> Tensor:
    """``inf`` over the two batch shapes, broadcast: p gives mass where q has none."""
    shape = np.broadcast_shapes(p.batch_shape, q.batch_shape)
    return creation.full(shape, math.inf, device=like.device, dtype=like.dtype)


def _cross_entropy_to_cb(mean_p: Tensor, q) -> Tensor:
    """``-E_p[log q(X)]`` for a continuous Bernoulli ``q``, which needs only ``E_p[X]``:
    ``log q(x) = x logits_q + log(1 - λ_q) + log C(λ_q)``."""
    return -(mean_p * q.logits + ops.log1p(-q.probs) + q._cont_bern_log_norm())


@register_kl(ContinuousBernoulli, ContinuousBernoulli)
def _kl_cb_cb(p, q):
    """``E_p[X] (logits_p - logits_q) + log C_p + log(1 - λ_p) - log C_q - log(1 - λ_q)``: both log-densities are
    linear in ``x``."""
    return (p.mean * (p.logits - q.logits) + p._cont_bern_log_norm() + ops.log1p(-p.probs)
            - q._cont_bern_log_norm() - ops.log1p(-q.probs))


@register_kl(Beta, ContinuousBernoulli)
def _kl_beta_cb(p, q):
    """``-H(p) - E_p[log q(X)]``, with the Beta's mean ``a / (a + b)``."""
    return -p.entropy() + _cross_entropy_to_cb(p.mean, q)


@register_kl(Uniform, ContinuousBernoulli)
def _kl_uniform_cb(p, q):
    """``-H(p) - E_p[log q(X)]`` (the uniform's mean is ``(low + high) / 2``); ``inf`` where ``[low, high]``
    leaves ``[0, 1]``. (PyTorch gives ``inf`` also when ``low = 0`` or ``high = 1``, where the divergence is
    finite: minigan does not copy that.)"""
    kl = -p.entropy() + _cross_entropy_to_cb(p.mean, q)
    return _inf_where(((p.low < 0) | (p.high > 1)).data, kl)


@register_kl(ContinuousBernoulli, Exponential)
def _kl_cb_exponential(p, q):
    """``-H(p) - log(rate) + rate E_p[X]``."""
    return -p.entropy() - ops.log(q.rate) + q.rate * p.mean


@register_kl(ContinuousBernoulli, Normal)
def _kl_cb_normal(p, q):
    """``-H(p) + log(2π)/2 + log s + E_p[(X - μ)^2] / (2 s^2)``, ``E_p[(X - μ)^2] = Var_p + (E_p[X] - μ)^2``."""
    centred = p.variance + (p.mean - q.loc) ** 2
    return -p.entropy() + 0.5 * math.log(2 * math.pi) + ops.log(q.scale) + centred / (2 * q.scale * q.scale)


@register_kl(ContinuousBernoulli, Uniform)
def _kl_cb_uniform(p, q):
    """``-H(p) + log(high - low)``; ``inf`` where ``[low, high]`` does not cover ``[0, 1]``. (PyTorch gives ``inf``
    also when ``low = 0`` or ``high = 1``, where the divergence is finite: minigan does not copy that.)"""
    kl = -p.entropy() + ops.log(q.high - q.low)
    return _inf_where(((q.low > 0) | (q.high < 1)).data, kl)


@register_kl(ContinuousBernoulli, Pareto)
def _kl_cb_infinite(p, q):
    """``inf``: p puts mass near 0, below every Pareto's least value."""
    return _infinite_like(p, q, p.probs)


def _kl_infinite_against_cb(p, q):
    """``inf``: p puts mass outside ``[0, 1]``."""
    return _infinite_like(p, q, q.probs)


for _p in (Exponential, Gamma, Gumbel, Laplace, Normal, Pareto):
    register_kl(_p, ContinuousBernoulli)(_kl_infinite_against_cb)
