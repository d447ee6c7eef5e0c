"""The Dirichlet distribution, a law on probability vectors, and its two-outcome case, the Beta distribution on
``[0, 1]``.

Both are normalised gamma draws: ``G_i ~ Gamma(a_i, 1)`` independent, ``X = G / Σ G``. ``rsample`` does just
that with reparameterised gamma draws (:mod:`.gamma_grad`), so its gradient in the concentrations is the chain
rule through the normalisation. (PyTorch differentiates the Dirichlet draw through the Beta marginals instead;
the two gradients of one draw differ, but both are unbiased: their expectations are the gradient of the
expectation, which the tests check.) Densities and entropies are compositions of ``lgamma``, ``digamma`` and
``xlogy``."""
from __future__ import annotations

import numpy as np

from .. import backend, ops
from ..autograd import Tensor
from . import constraints
from .exp_family import ExponentialFamily
from .gamma_grad import standard_gamma_rsample
from .utils import as_param, broadcast_all


def _unit_clamp(x: Tensor) -> Tensor:
    """``x`` moved into ``[tiny, 1 - eps]``, so that ``log x`` and ``log(1 - x)`` of a draw are finite."""
    info = np.finfo(x.dtype)
    return ops.clamp(x, float(info.tiny), 1 - float(info.eps))


class Dirichlet(ExponentialFamily):
    """Density ``Γ(Σ a) / Π Γ(a_i) Π x_i^(a_i - 1)`` on the simplex (``x_i >= 0``, ``Σ x_i = 1``), with
    ``concentration`` ``a`` of shape ``(*batch_shape, K)``, every entry > 0. Event shape ``(K,)``.

    * ``log_prob(x) = Σ (a_i - 1) log x_i + lgamma(Σ a) - Σ lgamma(a_i)``.
    * ``entropy = Σ lgamma(a_i) - lgamma(a_0) - (K - a_0) ψ(a_0) - Σ (a_i - 1) ψ(a_i)``, ``a_0 = Σ a``.
    * mean ``a / a_0``; variance ``a (a_0 - a) / (a_0^2 (a_0 + 1))``; mode ``(a - 1) / (a_0 - K)`` for all
      ``a_i > 1`` (negative entries clamped to 0 first), and, as PyTorch, a one-hot vector when every
      ``a_i < 1``.
    * ``rsample``: ``G / Σ G`` of reparameterised ``Gamma(a_i, 1)`` draws, clamped into ``[tiny, 1 - eps]``."""

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration, validate_args: bool | None = None) -> None:
        name = type(self).__name__
        self.concentration = as_param(name, "concentration", concentration)
        if self.concentration.ndim < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        shape = tuple(self.concentration.shape)
        super().__init__(shape[:-1], shape[-1:], validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.concentration / ops.sum(self.concentration, -1, keepdim=True)

    @property
    def mode(self) -> Tensor:
        a = self.concentration
        xp = backend.xp_of(a.data)
        all_small = xp.all(a.data < 1, axis=-1, keepdims=True)
        am1 = ops.clamp(a - 1, min=0)
        mode = am1 / ops.where(all_small, 1.0, ops.sum(am1, -1, keepdim=True))     # no 0/0 in rows replaced
        with np.errstate(invalid="ignore"):
            first = xp.argmax(mode.data, axis=-1)[..., None]          # a nan row gives 0, as PyTorch's argmax
        one_hot = (xp.arange(a.shape[-1]) == first).astype(a.dtype)
        return ops.where(xp.broadcast_to(all_small, a.shape), Tensor(one_hot), mode)

    @property
    def variance(self) -> Tensor:
        a = self.concentration
        a0 = ops.sum(a, -1, keepdim=True)
        return a * (a0 - a) / (a0 * a0 * (a0 + 1))

    def rsample(self, sample_shape=()) -> Tensor:
        g = standard_gamma_rsample(self.concentration, self._extended_shape(sample_shape))
        return _unit_clamp(g / ops.sum(g, -1, keepdim=True))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        a = self.concentration
        return (ops.sum(ops.xlogy(a - 1, value), -1) + ops.lgamma(ops.sum(a, -1))
                - ops.sum(ops.lgamma(a), -1))

    def entropy(self) -> Tensor:
        a = self.concentration
        k = a.shape[-1]
        a0 = ops.sum(a, -1)
        return (ops.sum(ops.lgamma(a), -1) - ops.lgamma(a0) - (k - a0) * ops.digamma(a0)
                - ops.sum((a - 1) * ops.digamma(a), -1))

    @property
    def _natural_params(self) -> tuple[Tensor]:
        return (self.concentration,)

    def _log_normalizer(self, x: Tensor) -> Tensor:
        return ops.sum(ops.lgamma(x), -1) - ops.lgamma(ops.sum(x, -1))


class Beta(ExponentialFamily):
    """Density ``x^(a-1) (1-x)^(b-1) / B(a, b)`` on ``[0, 1]``, with ``concentration1`` ``a > 0`` and
    ``concentration0`` ``b > 0`` (Tensors or numbers, broadcast together): the first coordinate of a
    ``Dirichlet([a, b])``, written out.

    * ``log_prob(x) = (a - 1) log x + (b - 1) log(1 - x) + lgamma(a + b) - lgamma(a) - lgamma(b)``.
    * ``entropy = lgamma(a) + lgamma(b) - lgamma(a + b) - (a - 1) ψ(a) - (b - 1) ψ(b) + (a + b - 2) ψ(a + b)``.
    * mean ``a / (a + b)``, variance ``a b / ((a + b)^2 (a + b + 1))``, mode as the Dirichlet's.
    * ``rsample = G_a / (G_a + G_b)`` of two reparameterised gamma draws (clamped into ``[tiny, 1 - eps]``)."""

    arg_constraints = {"concentration1": constraints.positive, "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, concentration1, concentration0, validate_args: bool | None = None) -> None:
        self.concentration1, self.concentration0 = broadcast_all(
            type(self).__name__, concentration1=concentration1, concentration0=concentration0)
        super().__init__(self.concentration1.shape, validate_args=validate_args)

    @property
    def _dirichlet(self) -> Dirichlet:
        return Dirichlet(ops.stack([self.concentration1, self.concentration0], -1), validate_args=False)

    @property
    def mean(self) -> Tensor:
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self) -> Tensor:
        return self._dirichlet.mode[..., 0]

    @property
    def variance(self) -> Tensor:
        a, b = self.concentration1, self.concentration0
        total = a + b
        return a * b / (total * total * (total + 1))

    def rsample(self, sample_shape=()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        ga = standard_gamma_rsample(self.concentration1, shape)
        gb = standard_gamma_rsample(self.concentration0, shape)
        return _unit_clamp(ga / (ga + gb))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        a, b = self.concentration1, self.concentration0
        return (ops.xlogy(a - 1, value) + ops.xlogy(b - 1, 1 - value) + ops.lgamma(a + b) - ops.lgamma(a)
                - ops.lgamma(b))

    def entropy(self) -> Tensor:
        a, b = self.concentration1, self.concentration0
        total = a + b
        return (ops.lgamma(a) + ops.lgamma(b) - ops.lgamma(total) - (a - 1) * ops.digamma(a)
                - (b - 1) * ops.digamma(b) + (total - 2) * ops.digamma(total))

    @property
    def _natural_params(self) -> tuple[Tensor, Tensor]:
        return (self.concentration1, self.concentration0)

    def _log_normalizer(self, x: Tensor, y: Tensor) -> Tensor:
        return ops.lgamma(x) + ops.lgamma(y) - ops.lgamma(x + y)

