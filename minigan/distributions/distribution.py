"""The base class of every distribution: shapes, argument checks, and the defaults its families share.

Three shapes describe a distribution and its samples (as in PyTorch)::

    sample(sample_shape).shape == sample_shape + batch_shape + event_shape

``event_shape`` is the shape of one outcome (``()`` for a number, ``(n,)`` for a vector of a
MultivariateNormal or a one-hot vector); ``batch_shape`` is how many independent distributions of that kind
are held at once (one per element of broadcast parameters); ``sample_shape`` is how many draws are asked for.
``log_prob(value)`` takes a value of shape ``(*, *batch_shape, *event_shape)`` (broadcasting where sizes are
1) and returns one log-density per outcome: shape ``(*, *batch_shape)``.
"""
from __future__ import annotations

from ..autograd import Tensor, no_grad
from . import constraints
from .utils import as_shape, lazy_property


class Distribution:
    """A family of probability distributions with its parameters.

    ``has_rsample``: whether :meth:`rsample` gives reparameterised samples (a differentiable function of the
    parameters and of noise that does not depend on them), through which gradients reach the parameters.
    ``validate_args`` (default: on, as in PyTorch; switch it off for all with
    :meth:`set_default_validate_args`): check the parameters against ``arg_constraints`` when the
    distribution is made, and the values given to ``log_prob`` and ``cdf`` against ``support``; a failure is a
    ``ValueError`` naming the distribution, the argument and the constraint."""

    has_rsample = False
    has_enumerate_support = False
    arg_constraints: dict = {}
    support = None
    _validate_args = True

    @staticmethod
    def set_default_validate_args(value: bool) -> None:
        """Switch argument validation on or off for every distribution made from now on without
        ``validate_args``."""
        if value not in (True, False):
            raise ValueError(f"set_default_validate_args: expected True or False, got {value!r}")
        Distribution._validate_args = value

    def __init__(self, batch_shape=(), event_shape=(), validate_args: bool | None = None) -> None:
        self._batch_shape = tuple(batch_shape)
        self._event_shape = tuple(event_shape)
        if validate_args is not None:
            self._validate_args = validate_args
        if self._validate_args:
            for param, constraint, value in self._given_params():
                if not bool(constraint.check(value).data.all()):
                    raise ValueError(f"Expected parameter {param} (Tensor of shape {tuple(value.shape)}) of "
                                     f"distribution {self!r} to satisfy the constraint {constraint!r}, but found "
                                     f"invalid values:\n{value}")

    def _given_params(self):
        """``(name, constraint, value)`` of each parameter to check: those of ``arg_constraints`` that were
        given (one computed from another on demand, as ``logits`` from ``probs``, is checked through that one),
        less the dependent ones."""
        for param, constraint in self.arg_constraints.items():
            if constraints.is_dependent(constraint):
                continue
            if param not in self.__dict__ and isinstance(getattr(type(self), param, None), lazy_property):
                continue
            yield param, constraint, getattr(self, param)

    # ------------------------------------------------------------------ shapes
    @property
    def batch_shape(self) -> tuple[int, ...]:
        """The shape over which parameters are batched (one independent distribution per element)."""
        return self._batch_shape

    @property
    def event_shape(self) -> tuple[int, ...]:
        """The shape of one outcome."""
        return self._event_shape

    def _extended_shape(self, sample_shape=()) -> tuple[int, ...]:
        """``sample_shape + batch_shape + event_shape``: the shape of ``sample(sample_shape)``."""
        return as_shape(sample_shape) + self._batch_shape + self._event_shape

    def expand(self, batch_shape, _instance=None) -> "Distribution":
        """A new distribution of this family with batch shape ``batch_shape``, its parameters broadcast to it
        (by recorded ops: gradients reach the original parameters). The arguments are not checked again.

        Shared by every family whose parameters are the tensors named in ``arg_constraints`` (each stored with
        the batch dims first and its own event dims after); the others override it."""
        batch_shape = as_shape(batch_shape, "batch_shape")
        new = type(self).__new__(type(self)) if _instance is None else _instance
        new.__dict__.update(self.__dict__)
        for name in self.arg_constraints:
            value = self.__dict__.get(name)
            if isinstance(value, Tensor):
                new.__dict__[name] = value.expand(*batch_shape, *value.shape[len(self._batch_shape):])
        new._batch_shape = batch_shape
        return new

    # ------------------------------------------------------------------ summaries
    @property
    def mean(self) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement mean")

    @property
    def mode(self) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement mode")

    @property
    def variance(self) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement variance")

    @property
    def stddev(self) -> Tensor:
        """The standard deviation, ``sqrt(variance)``."""
        return self.variance.sqrt()

    def entropy(self) -> Tensor:
        """``-E[log p(X)]``, one per distribution of the batch: shape ``batch_shape``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement entropy")

    def perplexity(self) -> Tensor:
        """``exp(entropy)``."""
        return self.entropy().exp()

    # ------------------------------------------------------------------ draws
    def sample(self, sample_shape=()) -> Tensor:
        """A draw of shape ``sample_shape + batch_shape + event_shape``, with no graph (no gradient reaches the
        parameters through it: use :meth:`rsample` for that)."""
        with no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape=()) -> Tensor:
        """A reparameterised draw: a differentiable function of the parameters and of parameter-free noise,
        so gradients of a function of the sample reach the parameters."""
        raise NotImplementedError(f"{type(self).__name__} has no reparameterised sampler (has_rsample is False); "
                                  f"use sample()")

    def enumerate_support(self, expand: bool = True) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement enumerate_support")

    # ------------------------------------------------------------------ densities
    def log_prob(self, value: Tensor) -> Tensor:
        """The log of the density (or of the mass, for a discrete family) at ``value``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement log_prob")

    def cdf(self, value: Tensor) -> Tensor:
        """``P(X <= value)``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement cdf")

    def icdf(self, value: Tensor) -> Tensor:
        """The inverse of :meth:`cdf`: the ``value``-quantile."""
        raise NotImplementedError(f"{type(self).__name__} does not implement icdf")

    def _validate_sample(self, value) -> None:
        """Check a value given to ``log_prob``/``cdf``: a Tensor whose rightmost dims are ``event_shape``, whose
        shape broadcasts with ``batch_shape + event_shape``, and whose values lie in the support."""
        if not isinstance(value, Tensor):
            raise ValueError("The value argument to log_prob must be a Tensor")
        shape, event = tuple(value.shape), self._event_shape
        if shape[len(shape) - len(event):] != event:
            raise ValueError(f"The right-most size of value must match event_shape: {shape} vs {event}.")
        expected = self._batch_shape + event
        for i, j in zip(reversed(shape), reversed(expected)):
            if i != 1 and j != 1 and i != j:
                raise ValueError(f"Value is not broadcastable with batch_shape+event_shape: {shape} vs {expected}.")
        support = self.support
        if support is not None and not bool(support.check(value).data.all()):
            raise ValueError(f"Expected value argument (Tensor of shape {shape}) to be within the support "
                             f"({support!r}) of the distribution {self!r}, but found invalid values:\n{value}")

    def __repr__(self) -> str:
        shown = []
        for name in self.arg_constraints:
            v = self.__dict__.get(name)
            if isinstance(v, Tensor):
                shown.append(f"{name}: {v.item() if v.numel() == 1 else tuple(v.shape)}")
        return f"{type(self).__name__}({', '.join(shown)})"
