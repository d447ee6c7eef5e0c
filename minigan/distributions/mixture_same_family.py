"""MixtureSameFamily: a mixture of ``k`` distributions of one family, ``p(x) = sum_j pi_j p_j(x)``.

The learner's example is the Gaussian mixture model: ``k`` normal bumps with weights ``pi``::

    >>> import minigan as mg
    >>> from minigan.distributions.categorical import Categorical
    >>> from minigan.distributions.normal import Normal
    >>> from minigan.distributions.mixture_same_family import MixtureSameFamily
    >>> gmm = MixtureSameFamily(Categorical(logits=mg.zeros(3)),                # 3 equally weighted ...
    ...                         Normal(mg.tensor([-2.0, 0.0, 3.0]), mg.tensor([0.5, 1.0, 0.7])))   # ... normals
    >>> gmm.batch_shape, gmm.event_shape
    ((), ())

A draw picks a component ``j`` with probability ``pi_j`` (the ``mixture_distribution``, a :class:`Categorical`)
and then draws from component ``j`` (the ``component_distribution``, whose rightmost batch dim indexes the ``k``
components). Scoring sums over the hidden choice. Gradients reach the weights and the components' parameters
through ``log_prob`` (a ``logsumexp``), ``cdf``, ``mean`` and ``variance``; ``sample`` has no graph and there is
no ``rsample`` (the discrete choice of a component is no smooth function of the weights), as in PyTorch."""
from __future__ import annotations

import numpy as np

from .. import backend, ops
from ..autograd import Tensor, no_grad
from . import constraints
from .categorical import Categorical
from .distribution import Distribution
from .utils import as_shape


class MixtureSameFamilyConstraint(constraints.Constraint):
    """The support of a mixture: a value is allowed where the component family allows it. The check adds back
    the components' dim (size 1) before asking ``base_constraint``, then drops it."""

    def __init__(self, base_constraint: constraints.Constraint) -> None:
        self.base_constraint = base_constraint
        self.is_discrete = base_constraint.is_discrete
        self.event_dim = base_constraint.event_dim

    def check(self, value) -> Tensor:
        v = value.data if isinstance(value, Tensor) else value
        if v.ndim < self.event_dim:
            raise ValueError(f"Expected value.dim() >= {self.event_dim} but got {v.ndim}")
        ok = self.base_constraint.check(Tensor(backend.xp_of(v).expand_dims(v, v.ndim - self.event_dim - 1)))
        return ok.squeeze(-1)

    def __repr__(self) -> str:
        return f"MixtureSameFamilyConstraint({self.base_constraint!r})"


class MixtureSameFamily(Distribution):
    """A batch of mixtures of ``k`` components of one family.

    ``mixture_distribution``: a :class:`Categorical` over ``k`` components, of batch shape ``()`` or one that
    broadcasts with ``component_distribution.batch_shape[:-1]``; ``component_distribution``: any distribution whose
    rightmost batch dim is ``k`` (``Normal(loc (*B, k), scale)`` for a univariate Gaussian mixture,
    ``Independent(Normal(loc (*B, k, d), ...), 1)`` or a ``MultivariateNormal`` for one over ``d``-vectors).
    Batch shape ``B = component batch_shape[:-1]``; event shape the components'.

    * ``log_prob(x) = logsumexp_j(log pi_j + log p_j(x))``: ``x`` is scored by every component at once (a dim of
      size 1 is put before the event dims, which broadcasts against the ``k`` components), and
      ``log pi = log_softmax(logits)``.
    * ``cdf(x) = sum_j pi_j F_j(x)`` (where the components have a cdf: events of one variable).
    * ``mean = sum_j pi_j mu_j``; ``variance`` by the law of total variance,
      ``Var X = E[Var(X | j)] + Var(E[X | j]) = sum_j pi_j sigma_j^2 + sum_j pi_j (mu_j - mean)^2``.
    * ``sample``: a component index for every element of ``sample_shape + B`` (each mixture of the batch chooses on
      its own, also when ``mixture_distribution`` has batch shape ``()``), a draw of every component, and the
      chosen one gathered. ``rsample``: ``NotImplementedError`` (``has_rsample`` is False)."""

    arg_constraints: dict = {}
    has_rsample = False

    def __init__(self, mixture_distribution: Categorical, component_distribution: Distribution,
                 validate_args: bool | None = None) -> None:
        if not isinstance(mixture_distribution, Categorical):
            raise ValueError(f"MixtureSameFamily: the mixture distribution needs to be an instance of Categorical, "
                             f"got {type(mixture_distribution).__name__}")
        if not isinstance(component_distribution, Distribution):
            raise ValueError(f"MixtureSameFamily: the component distribution needs to be an instance of "
                             f"Distribution, got {type(component_distribution).__name__}")
        if len(component_distribution.batch_shape) < 1:
            raise ValueError("MixtureSameFamily: the component distribution needs a batch dim of the components "
                             "(its rightmost batch dim), got batch_shape ()")
        mdbs, cdbs = mixture_distribution.batch_shape, component_distribution.batch_shape[:-1]
        for size1, size2 in zip(reversed(mdbs), reversed(cdbs)):
            if size1 != 1 and size2 != 1 and size1 != size2:
                raise ValueError(f"`mixture_distribution.batch_shape` ({mdbs}) is not compatible with "
                                 f"`component_distribution.batch_shape`({cdbs})")
        km, kc = mixture_distribution.param_shape[-1], component_distribution.batch_shape[-1]
        if km != kc:
            raise ValueError(f"`mixture_distribution component` ({km}) does not equal "
                             f"`component_distribution.batch_shape[-1]` ({kc})")
        self._mixture_distribution = mixture_distribution
        self._component_distribution = component_distribution
        self._num_component = km
        self._event_ndims = len(component_distribution.event_shape)
        super().__init__(cdbs, component_distribution.event_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None) -> "MixtureSameFamily":
        batch_shape = as_shape(batch_shape, "batch_shape")
        new = type(self).__new__(type(self)) if _instance is None else _instance
        new.__dict__.update(self.__dict__)
        new._component_distribution = self._component_distribution.expand(batch_shape + (self._num_component,))
        new._mixture_distribution = self._mixture_distribution.expand(batch_shape)
        new._batch_shape = batch_shape
        return new

    @property
    def mixture_distribution(self) -> Categorical:
        return self._mixture_distribution

    @property
    def component_distribution(self) -> Distribution:
        return self._component_distribution

    @property
    def support(self):
        return MixtureSameFamilyConstraint(self._component_distribution.support)

    def _pad(self, x: Tensor) -> Tensor:
        """``x`` with a dim of size 1 before its event dims, to meet the ``k`` components."""
        return ops.unsqueeze(x, -1 - self._event_ndims)

    def _weights(self) -> Tensor:
        """The mixture weights ``(*, k)`` with ``event_ndims`` trailing dims of size 1, to meet a component
        statistic of shape ``(*B, k, *event_shape)``."""
        probs = self._mixture_distribution.probs
        return probs.reshape(tuple(probs.shape) + (1,) * self._event_ndims)

    def _sum_components(self, x: Tensor) -> Tensor:
        out = ops.sum(x, -1 - self._event_ndims)
        shape = self._batch_shape + self._event_shape
        return out if tuple(out.shape) == shape else ops.broadcast_to(out, shape)

    @property
    def mean(self) -> Tensor:
        return self._sum_components(self._weights() * self._component_distribution.mean)

    @property
    def variance(self) -> Tensor:
        w, comp = self._weights(), self._component_distribution
        spread = comp.mean - self._pad(self.mean)
        return self._sum_components(w * comp.variance) + self._sum_components(w * spread * spread)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        log_p = self._component_distribution.log_prob(self._pad(value))             # (*S, *B, k)
        log_pi = ops.log_softmax(self._mixture_distribution.logits, -1)             # (*B, k)
        return ops.logsumexp(log_p + log_pi, -1)

    def cdf(self, value: Tensor) -> Tensor:
        return ops.sum(self._component_distribution.cdf(self._pad(value)) * self._mixture_distribution.probs, -1)

    def sample(self, sample_shape=()) -> Tensor:
        sample_shape = as_shape(sample_shape)
        with no_grad():
            mix = self._mixture_distribution
            if mix.batch_shape != self._batch_shape:        # one choice per mixture of the batch
                mix = mix.expand(self._batch_shape)
            index = mix.sample(sample_shape).data                                   # (*S, *B)
            draws = self._component_distribution.sample(sample_shape).data          # (*S, *B, k, *E)
            xp = backend.xp_of(draws)
            axis = len(sample_shape) + len(self._batch_shape)
            index = index.reshape(index.shape + (1,) * (self._event_ndims + 1))
            index = xp.broadcast_to(index, draws.shape[:axis] + (1,) + draws.shape[axis + 1:])
            return Tensor(xp.take_along_axis(draws, index.astype(np.int64), axis=axis).squeeze(axis))

    def __repr__(self) -> str:
        return f"MixtureSameFamily(\n  {self._mixture_distribution!r},\n  {self._component_distribution!r})"
