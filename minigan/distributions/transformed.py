"""TransformedDistribution: the law of ``Y = f_n(... f_1(X))`` for ``X`` drawn from a base distribution and a
chain of :mod:`transforms <minigan.distributions.transforms>`.

Sampling pushes a base draw through the chain. Scoring goes the other way: invert the chain step by step and,
by the change-of-variables rule, subtract each step's ``log|dy/dx|``::

    log p_Y(y) = log p_X(x) - sum_i log|d f_i / d x_i|,    x = f_1^-1(... f_n^-1(y))

Event dims are kept as PyTorch keeps them: a transform whose domain has ``event_dim`` 1 makes the base's last
batch dim part of the event (the base is wrapped in :class:`~minigan.distributions.Independent`), and each
Jacobian term is summed over the event dims it does not count itself."""
from __future__ import annotations

from ..autograd import Tensor, no_grad
from . import constraints
from .distribution import Distribution
from .independent import Independent
from .transforms import ComposeTransform, Transform
from .utils import as_shape, sum_rightmost


class TransformedDistribution(Distribution):
    """``base_distribution`` pushed through ``transforms`` (one :class:`Transform` or a list, applied in order).

    * ``sample``/``rsample``: a base draw through each transform (``rsample`` exists where the base has it;
      its gradient is the base's reparameterisation chained through the transforms).
    * ``log_prob(y)``: the change-of-variables sum above.
    * ``cdf(y) = F_X(f^-1(y))`` for an increasing chain, ``1 - F_X(f^-1(y))`` for a decreasing one (the product
      of the transforms' ``sign``); ``icdf`` the reverse. Only for monotone transforms of one variable.
    * ``mean``, ``variance`` and ``entropy`` have no general formula: ``NotImplementedError``, unless a family
      built on this class writes its own.
    * ``support``: the last transform's codomain (over the event dims)."""

    arg_constraints: dict = {}

    def __init__(self, base_distribution: Distribution, transforms, validate_args: bool | None = None) -> None:
        if not isinstance(base_distribution, Distribution):
            raise ValueError(f"TransformedDistribution: expected base_distribution to be a Distribution, got "
                             f"{type(base_distribution).__name__}")
        if isinstance(transforms, Transform):
            self.transforms = [transforms]
        elif isinstance(transforms, list):
            if not all(isinstance(t, Transform) for t in transforms):
                raise ValueError("transforms must be a Transform or a list of Transforms")
            self.transforms = transforms
        else:
            raise ValueError(f"transforms must be a Transform or list, but was {transforms}")
        base_shape = base_distribution.batch_shape + base_distribution.event_shape
        base_event_dim = len(base_distribution.event_shape)
        chain = ComposeTransform(self.transforms)
        if len(base_shape) < chain.domain.event_dim:
            raise ValueError(f"base_distribution needs to have shape with size at least {chain.domain.event_dim}, "
                             f"but got {base_shape}.")
        forward_shape = chain.forward_shape(base_shape)
        expanded_base_shape = chain.inverse_shape(forward_shape)
        if base_shape != expanded_base_shape:      # a transform's parameters broadcast the base's batch
            base_distribution = base_distribution.expand(expanded_base_shape[:len(expanded_base_shape)
                                                                             - base_event_dim])
        reinterpreted = chain.domain.event_dim - base_event_dim
        if reinterpreted > 0:                       # the transform couples dims the base keeps apart
            base_distribution = Independent(base_distribution, reinterpreted)
        self.base_dist = base_distribution
        event_dim = max(chain.codomain.event_dim,
                        base_event_dim + chain.codomain.event_dim - chain.domain.event_dim)
        cut = len(forward_shape) - event_dim
        super().__init__(forward_shape[:cut], forward_shape[cut:], validate_args=validate_args)

    def expand(self, batch_shape, _instance=None) -> "TransformedDistribution":
        batch_shape = as_shape(batch_shape, "batch_shape")
        new = type(self).__new__(type(self)) if _instance is None else _instance
        for k, v in self.__dict__.items():
            new.__dict__.setdefault(k, v)
        shape = batch_shape + self._event_shape
        for t in reversed(self.transforms):
            shape = t.inverse_shape(shape)
        new.base_dist = self.base_dist.expand(shape[:len(shape) - len(self.base_dist.event_shape)])
        new.transforms = self.transforms
        new._batch_shape = batch_shape
        return new

    @property
    def has_rsample(self) -> bool:
        return self.base_dist.has_rsample

    @property
    def support(self):
        if not self.transforms:
            return self.base_dist.support
        support = self.transforms[-1].codomain
        extra = len(self._event_shape) - support.event_dim
        return constraints.independent(support, extra) if extra > 0 else support

    def sample(self, sample_shape=()) -> Tensor:
        with no_grad():
            x = self.base_dist.sample(sample_shape)
            for t in self.transforms:
                x = t(x)
            return x

    def rsample(self, sample_shape=()) -> Tensor:
        x = self.base_dist.rsample(sample_shape)
        for t in self.transforms:
            x = t(x)
        return x

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        event_dim = len(self._event_shape)
        log_prob, y = 0.0, value
        for t in reversed(self.transforms):
            x = t.inv(y)
            event_dim += t.domain.event_dim - t.codomain.event_dim
            log_prob = log_prob - sum_rightmost(t.log_abs_det_jacobian(x, y), event_dim - t.domain.event_dim)
            y = x
        return log_prob + sum_rightmost(self.base_dist.log_prob(y), event_dim - len(self.base_dist.event_shape))

    def _monotonize_cdf(self, value):
        """``value`` for an increasing chain; ``1 - value`` where the chain decreases (``sign`` -1)."""
        sign = 1
        for t in self.transforms:
            sign = sign * t.sign
        if isinstance(sign, int) and sign == 1:
            return value
        return sign * (value - 0.5) + 0.5

    def cdf(self, value: Tensor) -> Tensor:
        for t in reversed(self.transforms):
            value = t.inv(value)
        if self._validate_args:
            self.base_dist._validate_sample(value)
        return self._monotonize_cdf(self.base_dist.cdf(value))

    def icdf(self, value: Tensor) -> Tensor:
        value = self.base_dist.icdf(self._monotonize_cdf(value))
        for t in self.transforms:
            value = t(value)
        return value
