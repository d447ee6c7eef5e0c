"""The Bernoulli distribution: a coin that lands 1 with probability ``probs`` and 0 otherwise."""
from __future__ import annotations

import math

from .. import backend, creation
from ..autograd import Tensor
from . import constraints
from .distribution import Distribution
from .exp_family import ExponentialFamily
from .utils import broadcast_all, lazy_property, logits_to_probs, probs_to_logits, softplus


class _CoinParams(Distribution):
    """A coin's parameter, as :class:`Bernoulli`, :class:`~minigan.distributions.RelaxedBernoulli`,
    :class:`~minigan.distributions.Geometric` and :class:`~minigan.distributions.Binomial` take it: ``probs`` or
    ``logits``, exactly one; the other computed on first use."""

    def _set_coin(self, probs, logits, **others) -> None:
        """Store exactly one of ``probs``/``logits`` (and the ``others``, such as a total count), broadcast
        together."""
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        name, value = ("probs", probs) if probs is not None else ("logits", logits)
        params = broadcast_all(type(self).__name__, **others, **{name: value})
        for key, t in zip(list(others) + [name], params):
            self.__dict__[key] = t

    @property
    def _param(self) -> Tensor:
        return self.__dict__["probs"] if "probs" in self.__dict__ else self.__dict__["logits"]

    @property
    def param_shape(self) -> tuple[int, ...]:
        """The shape of the parameter given (``probs`` or ``logits``)."""
        return self._param.shape

    @lazy_property
    def logits(self) -> Tensor:
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self) -> Tensor:
        return logits_to_probs(self.logits, is_binary=True)


class Bernoulli(_CoinParams, ExponentialFamily):
    """1 with probability ``p``, 0 with probability ``1 - p``; given by ``probs`` (``p`` in ``[0, 1]``) or by
    ``logits`` (the log-odds ``log(p / (1 - p))``, any real), exactly one of them. The other is computed on
    first use: ``probs = sigmoid(logits)``, ``logits = log(p) - log(1 - p)`` of ``p`` clamped to ``[eps, 1 - eps]``
    (so that 0 and 1 give finite logits).

    * ``log_prob(x) = x logits - softplus(logits)`` (``= x log p + (1 - x) log(1 - p)``, written in logits:
      it is minus the binary cross-entropy with logits, finite and exact for any logit).
    * ``entropy = softplus(logits) - p logits``; mean ``p``, variance ``p (1 - p)``; the mode is 1 if
      ``p > 1/2``, 0 if ``p < 1/2``, and ``nan`` at ``p = 1/2``.
    * ``sample``: ``u < p`` for ``u = mg.rand`` (``mg.bernoulli``), in the parameter's float dtype. A 0/1
      outcome is not a differentiable function of ``p``: there is no ``rsample`` (see :class:`RelaxedBernoulli`)."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args: bool | None = None) -> None:
        self._set_coin(probs, logits)
        super().__init__(self._param.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.probs

    @property
    def mode(self) -> Tensor:
        p = self.probs.data
        xp = backend.xp_of(p)
        return Tensor(xp.where(p == 0.5, math.nan, p > 0.5).astype(p.dtype))

    @property
    def variance(self) -> Tensor:
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape=()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        return creation.bernoulli(Tensor(self.probs.data).expand(*shape))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return value * self.logits - softplus(self.logits)

    def entropy(self) -> Tensor:
        return softplus(self.logits) - self.probs * self.logits

    _mean_carrier_measure = 0

    @property
    def _natural_params(self) -> tuple[Tensor]:
        return (self.logits,)

    def _log_normalizer(self, x: Tensor) -> Tensor:
        return softplus(x)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """``[0, 1]`` in the parameter's dtype, shaped ``(2, 1, ..., 1)`` (or ``(2, *batch_shape)`` with
        ``expand``)."""
        values = creation.arange(2, device=self._param.device, dtype=self._param.dtype)
        values = values.reshape((-1,) + (1,) * len(self._batch_shape))
        return values.expand(2, *self._batch_shape) if expand else values
