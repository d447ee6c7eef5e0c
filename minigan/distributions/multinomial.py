"""The multinomial distribution: how many of ``total_count`` independent draws from a :class:`Categorical` fell
in each of its ``K`` categories. An outcome is a vector of ``K`` counts summing to ``total_count``.

Its log-mass is a composition of minigan's differentiable ops (``lgamma``, a product with the categorical's
normalised ``logits``), so gradients reach ``probs`` or ``logits`` through the normalisation. The counts are
drawn by conditional binomials from minigan's generator (a count has no ``rsample``)."""
from __future__ import annotations

import math
import numbers

import numpy as np

from .. import backend, creation, ops
from ..autograd import Tensor
from . import constraints
from .categorical import _WrapsCategorical
from .counts import Binomial
from .utils import as_shape


class _MultinomialCounts(constraints.Constraint):
    """Vectors of non-negative numbers summing to at most ``upper_bound`` (as PyTorch's
    ``constraints.multinomial``, which does not check that they are whole)."""

    is_discrete = True
    event_dim = 1

    def __init__(self, upper_bound: int) -> None:
        self.upper_bound = upper_bound

    def _check(self, v):
        return (v >= 0).all(axis=-1) & (v.sum(axis=-1) <= self.upper_bound)

    def __repr__(self) -> str:
        return "Multinomial()"


class Multinomial(_WrapsCategorical):
    """Counts ``x = (x_1 .. x_K)`` of ``n = total_count`` draws of a categorical with probabilities ``p``: mass
    ``n! / (x_1! .. x_K!) * p_1^x_1 .. p_K^x_K``. ``total_count`` is one Python int for the whole batch (default
    1; anything else is ``NotImplementedError``, as in PyTorch); ``probs`` (non-negative weights, normalised
    here) or ``logits`` (normalised here), exactly one, shape ``(*batch, K)``: batch shape ``batch``, event
    shape ``(K,)``. It holds the categorical as ``_categorical``.

    * ``log_prob(x) = lgamma(sum x + 1) - sum lgamma(x + 1) + sum x logits`` (the count is read from ``x``, so
      it may differ from ``total_count``; a ``logits`` of ``-inf`` times a count of 0 adds 0).
    * mean ``n p``, variance ``n p (1 - p)`` (each count on its own is ``Binomial(n, p_k)``); no mode.
    * ``entropy = n H(p) - log n! + Σ_k Σ_(j=1..n) Binomial(n, p_k).prob(j) log j!``: the ``log x_k!`` terms of
      ``-E[log P(X)]`` only depend on one count each, whose law is binomial, so the sum runs over ``n K`` terms
      instead of every way to split ``n`` into ``K`` counts.
    * ``sample``: category by category, ``x_k ~ Binomial(n - x_1 - .. - x_(k-1), p_k / (p_k + .. + p_K))`` (what
      is left of the draws, shared among what is left of the categories), from minigan's generator; counts in
      the parameter's float dtype, as in PyTorch."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}

    def __init__(self, total_count: int = 1, probs=None, logits=None, validate_args: bool | None = None) -> None:
        if not isinstance(total_count, numbers.Integral) or isinstance(total_count, bool):
            raise NotImplementedError("inhomogeneous total_count is not supported")
        self.total_count = int(total_count)
        c = self._wrap_categorical(probs, logits)
        super().__init__(c.batch_shape, c.param_shape[-1:], validate_args=validate_args)
        if self._validate_args and self.total_count < 0:
            raise ValueError(f"Expected parameter total_count (int) of distribution {self!r} to satisfy the "
                             f"constraint IntegerGreaterThan(lower_bound=0), but found invalid values:\n"
                             f"{self.total_count}")

    @property
    def support(self):
        return _MultinomialCounts(self.total_count)

    @property
    def param_shape(self) -> tuple[int, ...]:
        return self._categorical.param_shape

    @property
    def mean(self) -> Tensor:
        return self.probs * self.total_count

    @property
    def variance(self) -> Tensor:
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape=()) -> Tensor:
        shape = self._extended_shape(as_shape(sample_shape))
        p = self.probs.data
        xp = backend.xp_of(p)
        gen = backend.rng(self._param.device)
        p = xp.broadcast_to(p.astype(xp.float64), shape)
        left_n = xp.full(shape[:-1], self.total_count, dtype=xp.int64)       # draws not yet given a category
        left_p = xp.ones(shape[:-1])                                          # their share of the probability
        counts = xp.zeros(shape, dtype=xp.int64)
        for k in range(shape[-1] - 1):
            with np.errstate(divide="ignore", invalid="ignore"):
                share = xp.clip(xp.where(left_p > 0, p[..., k] / left_p, 0.0), 0.0, 1.0)
            counts[..., k] = gen.binomial(left_n, share)
            left_n = left_n - counts[..., k]
            left_p = left_p - p[..., k]
        if shape[-1]:
            counts[..., -1] = left_n                                          # the last category takes the rest
        return Tensor(counts.astype(self.probs.dtype))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        logits = self.logits
        shape = np.broadcast_shapes(logits.shape, value.shape)
        logits = logits if logits.shape == shape else ops.broadcast_to(logits, shape)
        value = value if value.shape == shape else ops.broadcast_to(value, shape)
        impossible_zero = (value.data == 0) & (logits.data == -np.inf)       # 0 draws of a category of p = 0
        if bool(impossible_zero.any()):
            logits = ops.where(impossible_zero, 0.0, logits)
        log_factorial_n = ops.lgamma(ops.sum(value, -1) + 1)
        return log_factorial_n - ops.sum(ops.lgamma(value + 1), -1) + ops.sum(logits * value, -1)

    def entropy(self) -> Tensor:
        n, probs = self.total_count, self.probs
        binomial = Binomial(n, probs=probs, validate_args=False)
        counts = creation.arange(1, n + 1, device=probs.device, dtype=probs.dtype)
        counts = counts.reshape((-1,) + (1,) * probs.ndim)                    # (n, 1, ..., 1): j = 1 .. n
        weighted = ops.exp(binomial.log_prob(counts)) * ops.lgamma(counts + 1)  # (n, *batch, K)
        log_factorials = ops.sum(weighted, (0, -1)) if n else 0.0
        return n * self._categorical.entropy() - math.lgamma(n + 1) + log_factorials

    def __repr__(self) -> str:
        return f"{type(self).__name__}(total_count: {self.total_count}, " \
               f"{repr(self._categorical)[len('Categorical('):-1]})"

