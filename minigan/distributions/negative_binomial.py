"""The negative binomial distribution: the number of successes before the ``total_count``-th failure, in trials
that each succeed with probability ``probs``; equally, a Poisson count whose rate is itself gamma-distributed
(the gamma-Poisson mixture, an over-dispersed Poisson).

Its log-mass is a composition of ``lgamma`` and ``logsigmoid``, differentiable in ``total_count`` and in
``probs`` or ``logits`` (a count itself is not: there is no ``rsample``)."""
from __future__ import annotations

from .. import backend, ops
from ..autograd import Tensor
from . import constraints
from .bernoulli import _CoinParams
from .counts import nonnegative_integer


class NegativeBinomial(_CoinParams):
    """Successes ``k = 0, 1, ...`` before ``r = total_count`` failures, each trial a success with probability
    ``p`` in ``[0, 1)``: mass ``Γ(r + k) / (Γ(r) k!) p^k (1 - p)^r``. ``total_count`` (a real ``r >= 0``: the
    mass is a distribution for any real ``r``) and one of ``probs``/``logits`` (the log-odds of success),
    broadcast together (the batch shape); ``total_count`` takes their float dtype.

    * ``log_prob(k) = r logsigmoid(-logits) + k logsigmoid(logits) + lgamma(r + k) - lgamma(k + 1)
      - lgamma(r)`` (``log(1 - p) = logsigmoid(-logits)``: exact for any logit); ``0`` at ``r = k = 0``, where
      ``lgamma(0)`` is infinite but ``P(0) = 1``.
    * mean ``r e^logits`` (``= r p / (1 - p)``), variance ``mean / sigmoid(-logits)`` (``= mean / (1 - p)``, more
      than the mean: over-dispersed), mode ``max(floor((r - 1) e^logits), 0)``. No entropy (PyTorch has none).
    * ``sample``: a Poisson draw of a gamma-distributed rate, ``Poisson(Gamma(r, 1) * e^logits)``, both from
      minigan's generator of the parameters' device, in their float dtype."""

    arg_constraints = {"total_count": constraints.greater_than_eq(0), "probs": constraints.half_open_interval(0.0, 1.0),
                       "logits": constraints.real}
    support = nonnegative_integer

    def __init__(self, total_count, probs=None, logits=None, validate_args: bool | None = None) -> None:
        self._set_coin(probs, logits, total_count=total_count)
        super().__init__(self._param.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.total_count * ops.exp(self.logits)

    @property
    def mode(self) -> Tensor:
        return ops.clamp(ops.floor((self.total_count - 1) * ops.exp(self.logits)), min=0.0)

    @property
    def variance(self) -> Tensor:
        return self.mean / ops.sigmoid(-self.logits)

    def sample(self, sample_shape=()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        r, logits = self.total_count.data, self.logits.data
        xp = backend.xp_of(r)
        gen = backend.rng(self._param.device)
        rate = gen.standard_gamma(xp.broadcast_to(r.astype(xp.float64), shape), size=shape)
        rate = rate * xp.exp(xp.broadcast_to(logits.astype(xp.float64), shape))     # Gamma(r, rate e^-logits)
        return Tensor(gen.poisson(rate, size=shape).astype(logits.dtype))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        r, logits = self.total_count, self.logits
        log_unnormalized = r * ops.logsigmoid(-logits) + value * ops.logsigmoid(logits)
        log_normalizer = ops.lgamma(r + value) - ops.lgamma(value + 1) - ops.lgamma(r)
        certain_zero = (r.data + value.data) == 0                     # r = k = 0: P(0) = 1, lgamma(0) = inf
        if bool(certain_zero.any()):
            log_normalizer = ops.where(certain_zero, 0.0, log_normalizer)
        return log_unnormalized + log_normalizer
