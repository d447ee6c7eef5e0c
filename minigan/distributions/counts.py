"""Laws of counts: Poisson (events in a fixed time at a given rate), Geometric (failures before the first
success) and Binomial (successes in ``n`` trials).

Their log-masses are compositions of ``xlogy``, ``lgamma`` (``log k! = lgamma(k + 1)``), ``log1p`` and
``softplus``, differentiable in the parameters (a count itself is not: there is no ``rsample``). Draws come from
minigan's generator of the parameters' device (``backend.rng(device).poisson`` / ``.binomial`` on NumPy and
CuPy alike; Geometric inverts the cdf of ``mg.rand`` noise), in the parameters' float dtype, as in PyTorch."""
from __future__ import annotations

import numpy as np

from .. import backend, creation, ops
from ..autograd import Tensor
from . import constraints
from .exp_family import ExponentialFamily
from .bernoulli import _CoinParams
from .utils import broadcast_all, softplus, uniform


class _IntegerGreaterThanEq(constraints.Constraint):
    """Whole numbers ``>= lower_bound`` (PyTorch's ``nonnegative_integer`` for a bound of 0)."""

    is_discrete = True

    def __init__(self, lower_bound) -> None:
        self.lower_bound = lower_bound

    def _check(self, v):
        return (backend.xp_of(v).floor(v) == v) & (v >= self.lower_bound)

    def __repr__(self) -> str:
        return f"IntegerGreaterThan(lower_bound={self.lower_bound})"


nonnegative_integer = _IntegerGreaterThanEq(0)


class Poisson(ExponentialFamily):
    """Mass ``rate^k e^(-rate) / k!`` at ``k = 0, 1, 2, ...``, ``rate >= 0`` (a Tensor or a number).

    * ``log_prob(k) = k log(rate) - rate - lgamma(k + 1)`` (``xlogy``: ``P(0) = 1`` at rate 0).
    * mean and variance ``rate``, mode ``floor(rate)``. No ``entropy`` (no closed form; PyTorch has none).
    * ``sample``: ``backend.rng(device).poisson(rate)``, no graph."""

    arg_constraints = {"rate": constraints.nonnegative}
    support = nonnegative_integer

    def __init__(self, rate, validate_args: bool | None = None) -> None:
        (self.rate,) = broadcast_all(type(self).__name__, rate=rate)
        super().__init__(self.rate.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.rate

    @property
    def mode(self) -> Tensor:
        return ops.floor(self.rate)

    @property
    def variance(self) -> Tensor:
        return self.rate

    def sample(self, sample_shape=()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        rate = self.rate.data
        xp = backend.xp_of(rate)
        lam = xp.broadcast_to(rate.astype(xp.float64), shape)
        return Tensor(backend.rng(self.rate.device).poisson(lam, size=shape).astype(rate.dtype))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return ops.xlogy(value, self.rate) - self.rate - ops.lgamma(value + 1)

    @property
    def _natural_params(self) -> tuple[Tensor]:
        return (ops.log(self.rate),)

    def _log_normalizer(self, x: Tensor) -> Tensor:
        return ops.exp(x)


class Geometric(_CoinParams):
    """The number of failures ``k = 0, 1, ...`` before the first success of trials that succeed with
    probability ``p`` in ``(0, 1]``: mass ``(1 - p)^k p``. Given by ``probs`` or ``logits`` (log-odds), exactly
    one, as :class:`Bernoulli`.

    * ``log_prob(k) = k log1p(-p) + log p`` (``0`` for ``k = 0`` at ``p = 1``, where ``0 log 0`` is read as 0).
    * ``entropy = (softplus(logits) - p logits) / p`` (the Bernoulli entropy over the expected number of trials).
    * mean ``1/p - 1``, variance ``(1/p - 1) / p``, mode 0.
    * ``sample = floor(log u / log1p(-p))`` for ``u = mg.rand`` moved into ``[tiny, 1)``: the cdf inverted."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = nonnegative_integer

    def __init__(self, probs=None, logits=None, validate_args: bool | None = None) -> None:
        self._set_coin(probs, logits)
        super().__init__(self._param.shape, validate_args=validate_args)
        if self._validate_args and probs is not None and not bool((self.probs.data > 0).all()):
            raise ValueError(f"Expected parameter probs (Tensor of shape {tuple(self.probs.shape)}) of distribution "
                             f"{self!r} to be positive but found invalid values:\n{self.probs}")

    @property
    def mean(self) -> Tensor:
        return 1.0 / self.probs - 1.0

    @property
    def mode(self) -> Tensor:
        return creation.zeros_like(self._param)

    @property
    def variance(self) -> Tensor:
        return (1.0 / self.probs - 1.0) / self.probs

    def sample(self, sample_shape=()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        p = Tensor(self.probs.data)
        u = ops.clamp(uniform(shape, p), min=float(np.finfo(p.dtype).tiny))
        with np.errstate(divide="ignore"):
            return Tensor(ops.floor(ops.log(u) / ops.log1p(-p)).data)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        p = self.probs
        certain_zero = (p.data == 1) & (value.data == 0)        # 0 failures when success is certain: 0 log 0 = 0
        p_masked = ops.where(certain_zero, 0.0, p) if bool(certain_zero.any()) else p
        return value * ops.log1p(-p_masked) + ops.log(p)

    def entropy(self) -> Tensor:
        return (softplus(self.logits) - self.probs * self.logits) / self.probs


class Binomial(_CoinParams):
    """Successes in ``total_count`` independent trials that each succeed with probability ``p``: mass
    ``C(n, k) p^k (1 - p)^(n - k)``, ``k = 0..n``. ``total_count`` (a whole number >= 0, default 1) and one of
    ``probs``/``logits`` broadcast together (the batch shape); ``total_count`` takes their float dtype.

    * ``log_prob(k) = lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1) + k logits - n softplus(logits)``
      (``n log(1 - p) = -n softplus(logits)``: exact for any logit).
    * mean ``n p``, variance ``n p (1 - p)``, mode ``min(floor((n + 1) p), n)``.
    * ``entropy``: ``-Σ_k P(k) log P(k)`` over ``k = 0..n``; like :meth:`enumerate_support`, it needs one
      ``total_count`` for the whole batch (else ``NotImplementedError``, as in PyTorch).
    * ``sample``: ``backend.rng(device).binomial(n, p)``, no graph."""

    arg_constraints = {"total_count": nonnegative_integer, "probs": constraints.unit_interval,
                       "logits": constraints.real}
    has_enumerate_support = True

    def __init__(self, total_count=1, probs=None, logits=None, validate_args: bool | None = None) -> None:
        self._set_coin(probs, logits, total_count=total_count)
        super().__init__(self._param.shape, validate_args=validate_args)

    @property
    def support(self):
        return constraints.integer_interval(0, self.total_count)

    @property
    def mean(self) -> Tensor:
        return self.total_count * self.probs

    @property
    def mode(self) -> Tensor:
        return ops.minimum(ops.floor((self.total_count + 1) * self.probs), self.total_count)

    @property
    def variance(self) -> Tensor:
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape=()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        p = self.probs.data
        xp = backend.xp_of(p)
        n = xp.broadcast_to(self.total_count.data.astype(xp.int64), shape)
        draws = backend.rng(self.probs.device).binomial(n, xp.broadcast_to(p.astype(xp.float64), shape), size=shape)
        return Tensor(draws.astype(p.dtype))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        n, logits = self.total_count, self.logits
        log_choose = ops.lgamma(n + 1) - ops.lgamma(value + 1) - ops.lgamma(n - value + 1)
        return log_choose + value * logits - n * softplus(logits)

    def _homogeneous_count(self, what: str) -> int:
        counts = self.total_count.data
        top = int(counts.max()) if counts.size else 0
        if counts.size and int(counts.min()) != top:
            raise NotImplementedError(f"Inhomogeneous total count not supported by `{what}`.")
        return top

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """``0, 1, ..., n`` in the parameters' dtype, shaped ``(n + 1, 1, ..., 1)`` (``(n + 1, *batch_shape)``
        with ``expand``)."""
        n = self._homogeneous_count("enumerate_support")
        values = creation.arange(n + 1, device=self._param.device, dtype=self._param.dtype)
        values = values.reshape((-1,) + (1,) * len(self._batch_shape))
        return values.expand(n + 1, *self._batch_shape) if expand else values

    def entropy(self) -> Tensor:
        n = self._homogeneous_count("entropy")
        values = creation.arange(n + 1, device=self._param.device, dtype=self._param.dtype)
        log_p = self.log_prob(values.reshape((-1,) + (1,) * len(self._batch_shape)))
        return -ops.sum(ops.exp(log_p) * log_p, 0)
