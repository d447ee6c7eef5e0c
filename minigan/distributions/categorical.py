"""Distributions over ``K`` categories: :class:`Categorical` (an outcome is an index ``0 .. K-1``) and
:class:`OneHotCategorical` (the same outcome written as a one-hot vector of length ``K``)."""
from __future__ import annotations

import math

import numpy as np

from .. import backend, creation, ops
from ..autograd import Tensor
from . import constraints
from .distribution import Distribution
from .utils import as_shape, lazy_property, logits_to_probs, probs_to_logits


def _last_dim_param(dist: str, name: str, value) -> Tensor:
    if not isinstance(value, Tensor):
        raise ValueError(f"{dist}: expected {name} to be a Tensor of shape (..., K), got {type(value).__name__}")
    if value.ndim < 1:
        raise ValueError(f"`{name}` parameter must be at least one-dimensional.")
    return value if value.dtype.kind == "f" else ops.astype(value, np.float32)


class Categorical(Distribution):
    """One of ``K`` categories, category ``k`` with probability ``p_k``; given by ``probs`` (``(*batch, K)``,
    non-negative weights, normalised here to sum to 1) or by ``logits`` (unnormalised log-probabilities,
    normalised here: ``logits - logsumexp(logits)``), exactly one of them. The batch shape is the parameter's
    shape less its last dim; an outcome is an int64 index (event shape ``()``).

    * ``log_prob(k) = logits[..., k]`` (a gather, so the gradient reaches the parameters through the
      normalisation); ``logits`` from ``probs`` is ``log`` of the probabilities clamped to ``[eps, 1 - eps]``.
    * ``entropy = -sum_k p_k logits_k`` (``logits`` clamped above the dtype's lowest number, so that a category
      of probability 0 adds ``0 * finite = 0``).
    * ``sample``: ``mg.multinomial`` with replacement, one draw per element of ``sample_shape`` for each row.
    * mean and variance are ``nan`` (categories have no order), the mode is the most probable category."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args: bool | None = None) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        name = type(self).__name__
        if probs is not None:
            probs = _last_dim_param(name, "probs", probs)
            self.probs = probs / ops.sum(probs, -1, keepdim=True)
        else:
            logits = _last_dim_param(name, "logits", logits)
            self.logits = logits - ops.logsumexp(logits, -1, keepdim=True)
        self._num_events = self._param.shape[-1]
        super().__init__(self._param.shape[:-1], validate_args=validate_args)

    @property
    def _param(self) -> Tensor:
        return self.__dict__["probs"] if "probs" in self.__dict__ else self.__dict__["logits"]

    @property
    def support(self):
        return constraints.integer_interval(0, self._num_events - 1)

    @lazy_property
    def logits(self) -> Tensor:
        return probs_to_logits(self.probs)

    @lazy_property
    def probs(self) -> Tensor:
        return logits_to_probs(self.logits)

    @property
    def param_shape(self) -> tuple[int, ...]:
        return self._param.shape

    def _nan(self) -> Tensor:
        return creation.full(self._batch_shape, math.nan, device=self._param.device, dtype=self._param.dtype)

    @property
    def mean(self) -> Tensor:
        return self._nan()

    @property
    def variance(self) -> Tensor:
        return self._nan()

    @property
    def mode(self) -> Tensor:
        return ops.argmax(self.probs, -1)

    def sample(self, sample_shape=()) -> Tensor:
        sample_shape = as_shape(sample_shape)
        n, k = int(np.prod(sample_shape, dtype=np.int64)), self._num_events
        probs_2d = Tensor(self.probs.data.reshape(-1, k))
        if n == 0 or probs_2d.shape[0] == 0:
            xp = backend.xp_of(probs_2d.data)
            return Tensor(xp.zeros(self._extended_shape(sample_shape), dtype=np.int64))
        draws = creation.multinomial(probs_2d, n, replacement=True).data      # (rows, n)
        return Tensor(draws.T.reshape(self._extended_shape(sample_shape)))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        xp = backend.xp_of(self.logits.data)
        v = value.data.astype(np.int64)[..., None]
        shape = np.broadcast_shapes(v.shape, self.logits.shape)
        logits = ops.broadcast_to(self.logits, shape)
        index = Tensor(xp.ascontiguousarray(xp.broadcast_to(v, shape[:-1] + (1,))))
        return ops.gather(logits, -1, index).squeeze(-1)

    def entropy(self) -> Tensor:
        logits = ops.clamp(self.logits, min=float(np.finfo(self.logits.dtype).min))
        return -ops.sum(logits * self.probs, -1)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """``0 .. K-1`` (int64), shaped ``(K, 1, ..., 1)`` (or ``(K, *batch_shape)`` with ``expand``)."""
        values = creation.arange(self._num_events, device=self._param.device)
        values = values.reshape((-1,) + (1,) * len(self._batch_shape))
        return values.expand(self._num_events, *self._batch_shape) if expand else values


class _WrapsCategorical(Distribution):
    """A distribution over one-hot vectors (or points of the simplex) made of a :class:`Categorical`: its
    parameters, their checks and ``expand`` are the categorical's."""

    def _wrap_categorical(self, probs, logits) -> Categorical:
        self._categorical = c = Categorical(probs, logits, validate_args=False)
        return c

    def _given_params(self):
        for name, constraint in self.arg_constraints.items():
            if name in self._categorical.__dict__:
                yield name, constraint, self._categorical.__dict__[name]

    def expand(self, batch_shape, _instance=None):
        new = type(self).__new__(type(self)) if _instance is None else _instance
        new.__dict__.update(self.__dict__)
        new._categorical = self._categorical.expand(batch_shape)
        new._batch_shape = new._categorical.batch_shape
        return new

    @property
    def _param(self) -> Tensor:
        return self._categorical._param

    @property
    def probs(self) -> Tensor:
        return self._categorical.probs

    @property
    def logits(self) -> Tensor:
        return self._categorical.logits


class OneHotCategorical(_WrapsCategorical):
    """A :class:`Categorical` whose outcome is written one-hot: category ``k`` of ``K`` is the vector with a 1
    at ``k`` and 0 elsewhere (event shape ``(K,)``, in the parameter's float dtype). ``probs`` or ``logits`` as
    for :class:`Categorical`, which it holds as ``_categorical``.

    ``log_prob(x) = logits[..., argmax(x)]``; the entropy and the samples are the categorical ones; the mean
    is ``probs`` (the average of one-hot vectors is the frequency of each category), the variance
    ``probs (1 - probs)``, the mode the one-hot vector of the most probable category."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.one_hot
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args: bool | None = None) -> None:
        c = self._wrap_categorical(probs, logits)
        super().__init__(c.batch_shape, c.param_shape[-1:], validate_args=validate_args)

    @property
    def param_shape(self) -> tuple[int, ...]:
        return self._categorical.param_shape

    @property
    def mean(self) -> Tensor:
        return self._categorical.probs

    @property
    def mode(self) -> Tensor:
        probs = self._categorical.probs
        return ops.one_hot(ops.argmax(probs, -1), probs.shape[-1]).to(dtype=probs.dtype)

    @property
    def variance(self) -> Tensor:
        p = self._categorical.probs
        return p * (1 - p)

    def sample(self, sample_shape=()) -> Tensor:
        indices = self._categorical.sample(sample_shape)
        return ops.one_hot(indices, self._categorical._num_events).to(dtype=self._param.dtype)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return self._categorical.log_prob(Tensor(value.data.argmax(axis=-1)))

    def entropy(self) -> Tensor:
        return self._categorical.entropy()

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """The ``K`` one-hot vectors, shaped ``(K, 1, ..., 1, K)`` (or ``(K, *batch_shape, K)`` with ``expand``)."""
        n = self._event_shape[0]
        values = creation.eye(n, device=self._param.device, dtype=self._param.dtype)
        values = values.reshape((n,) + (1,) * len(self._batch_shape) + (n,))
        return values.expand(n, *self._batch_shape, n) if expand else values

    def __repr__(self) -> str:
        return f"{type(self).__name__}({repr(self._categorical)[len('Categorical('):-1]})"
