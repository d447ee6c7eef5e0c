"""The continuous Bernoulli distribution (Loaiza-Ganem & Cunningham 2019): the likelihood a VAE should use for
pixel values in ``[0, 1]``.

A VAE that scores grey pixels ``x`` in ``[0, 1]`` with the Bernoulli formula ``x log p + (1 - x) log(1 - p)`` is
using a density that does not integrate to 1 over ``[0, 1]``. Normalising it gives this law::

    p(x | λ) = C(λ) λ^x (1 - λ)^(1 - x),    C(λ) = 2 atanh(1 - 2λ) / (1 - 2λ)  (and C(1/2) = 2)

``C`` is a ratio of two quantities that both vanish at ``λ = 1/2``: evaluated there in floating point it is
``0 / 0``. So within ``lims`` (default ``(0.499, 0.501)``) around 1/2 every formula uses its Taylor expansion in
``λ - 1/2`` instead, and the exact formula is evaluated at a harmless ``λ`` (``lims[0]``) there, so that no
``nan`` reaches a gradient. Every formula is a composition of minigan's differentiable ops."""
from __future__ import annotations

import math

from .. import ops
from ..autograd import Tensor
from . import constraints
from .bernoulli import _CoinParams
from .exp_family import ExponentialFamily
from .utils import clamp_probs, lazy_property, logits_to_probs, softplus, uniform

_LOG_2 = math.log(2.0)


class ContinuousBernoulli(_CoinParams, ExponentialFamily):
    """Density ``C(λ) λ^x (1 - λ)^(1 - x)`` on ``[0, 1]``, given by ``probs`` ``λ`` (in ``[0, 1]``; clamped into
    ``[eps, 1 - eps]``) or by ``logits`` ``log(λ / (1 - λ))``, exactly one, as for :class:`Bernoulli` (but
    ``λ`` is no probability here: the mean is not ``λ``). ``lims``: the interval around 1/2 where the Taylor
    expansions are used.

    With ``L = log(λ) - log(1 - λ)`` (the logits) and ``x = λ - 1/2``:

    * ``log_prob(v) = v L - softplus(L) + log C``, ``log C = log|log(1 - λ) - log λ| - log|1 - 2λ|``
      (near 1/2: ``log 2 + (4/3 + 104/45 x^2) x^2``).
    * mean ``λ / (2λ - 1) + 1 / L'``, ``L' = log(1 - λ) - log λ`` (near 1/2: ``1/2 + (1/3 + 16/45 x^2) x``);
      variance ``λ (λ - 1) / (1 - 2λ)^2 + 1 / L'^2`` (near 1/2: ``1/12 - (1/15 - 128/945 x^2) x^2``).
    * ``cdf(v) = (λ^v (1 - λ)^(1 - v) + λ - 1) / (2λ - 1)`` (near 1/2: ``v``), 0 below 0 and 1 above 1;
      ``icdf(u) = (log(1 - λ + u (2λ - 1)) - log(1 - λ)) / (log λ - log(1 - λ))`` (near 1/2: ``u``).
    * ``rsample = icdf(u)`` for ``u = mg.rand(shape)``: differentiable in ``λ``.
    * ``entropy = mean (log(1 - λ) - log λ) - log C - log(1 - λ)``.

    With ``validate_args`` on, ``probs`` is checked before it is clamped (PyTorch checks it only when
    ``validate_args`` is given explicitly, and otherwise clamps 1.5 to ``1 - eps`` in silence)."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, probs=None, logits=None, lims=(0.499, 0.501), validate_args: bool | None = None) -> None:
        self._set_coin(probs, logits)
        self._lims = (float(lims[0]), float(lims[1]))
        super().__init__(self._param.shape, validate_args=validate_args)
        if "probs" in self.__dict__:             # checked above as given; clamped now so that its logs are finite
            self.__dict__["probs"] = clamp_probs(self.__dict__["probs"])

    @lazy_property
    def probs(self) -> Tensor:
        return clamp_probs(logits_to_probs(self.logits, is_binary=True))

    # ------------------------------------------------------------------ the two regions
    def _outside_unstable_region(self):
        """A bool array: true where ``λ`` is far enough from 1/2 for the exact formulas."""
        p = self.probs.data
        return (p <= self._lims[0]) | (p > self._lims[1])

    def _cut_probs(self) -> Tensor:
        """``λ`` where the exact formulas are used, ``lims[0]`` elsewhere (a value where they are finite)."""
        return ops.where(self._outside_unstable_region(), self.probs, self._lims[0])

    def _cont_bern_log_norm(self) -> Tensor:
        """``log C(λ)``, the log of the normalising constant."""
        p = self._cut_probs()
        exact = ops.log(ops.abs(ops.log1p(-p) - ops.log(p))) - ops.log(ops.abs(1 - 2 * p))
        x = (self.probs - 0.5) ** 2
        taylor = _LOG_2 + (4.0 / 3.0 + 104.0 / 45.0 * x) * x
        return ops.where(self._outside_unstable_region(), exact, taylor)

    # ------------------------------------------------------------------ summaries
    @property
    def mean(self) -> Tensor:
        p = self._cut_probs()
        exact = p / (2 * p - 1) + 1 / (ops.log1p(-p) - ops.log(p))
        x = self.probs - 0.5
        taylor = 0.5 + (1.0 / 3.0 + 16.0 / 45.0 * x * x) * x
        return ops.where(self._outside_unstable_region(), exact, taylor)

    @property
    def variance(self) -> Tensor:
        p = self._cut_probs()
        exact = p * (p - 1) / (1 - 2 * p) ** 2 + 1 / (ops.log1p(-p) - ops.log(p)) ** 2
        x = (self.probs - 0.5) ** 2
        taylor = 1.0 / 12.0 - (1.0 / 15.0 - 128.0 / 945.0 * x) * x
        return ops.where(self._outside_unstable_region(), exact, taylor)

    def entropy(self) -> Tensor:
        log_q, log_p = ops.log1p(-self.probs), ops.log(self.probs)
        return self.mean * (log_q - log_p) - self._cont_bern_log_norm() - log_q

    _mean_carrier_measure = 0

    @property
    def _natural_params(self) -> tuple[Tensor]:
        return (self.logits,)

    def _log_normalizer(self, x: Tensor) -> Tensor:
        """``log((e^x - 1) / x)``; its Taylor series ``x/2 + x^2/24 - x^4/2880`` for ``x`` within
        ``lims - 1/2`` (PyTorch's cut, made on the logit)."""
        far = (x.data <= self._lims[0] - 0.5) | (x.data > self._lims[1] - 0.5)
        cut = ops.where(far, x, self._lims[0] - 0.5)
        exact = ops.log(ops.abs(ops.expm1(cut))) - ops.log(ops.abs(cut))
        return ops.where(far, exact, 0.5 * x + x * x / 24.0 - x ** 4 / 2880.0)

    # ------------------------------------------------------------------ densities and draws
    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        logits = self.logits
        return value * logits - softplus(logits) + self._cont_bern_log_norm()

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        p = self._cut_probs()
        exact = (p ** value * (1 - p) ** (1 - value) + p - 1) / (2 * p - 1)
        inside = ops.where(self._outside_unstable_region(), exact, value)
        return ops.where((value <= 0).data, 0.0, ops.where((value >= 1).data, 1.0, inside))

    def icdf(self, value: Tensor) -> Tensor:
        p = self._cut_probs()
        exact = (ops.log1p(-p + value * (2 * p - 1)) - ops.log1p(-p)) / (ops.log(p) - ops.log1p(-p))
        return ops.where(self._outside_unstable_region(), exact, value)

    def rsample(self, sample_shape=()) -> Tensor:
        return self.icdf(uniform(self._extended_shape(sample_shape), self.probs))
