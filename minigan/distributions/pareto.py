"""The Pareto (type I) distribution: heavy-tailed sizes (incomes, city populations) above a least value.

Built, as in PyTorch, as a :class:`~minigan.distributions.transformed.TransformedDistribution`: an exponential
``E`` of rate ``alpha`` through ``x -> exp(x)`` and ``x -> scale x``, that is ``X = scale e^E``. ``log_prob``,
``cdf``, ``icdf`` and ``rsample`` are the chain's; the moments and the entropy are written out."""
from __future__ import annotations

import math

from .. import ops
from ..autograd import Tensor
from . import constraints
from .exponential import Exponential
from .transformed import TransformedDistribution
from .transforms import AffineTransform, ExpTransform
from .utils import broadcast_all


class Pareto(TransformedDistribution):
    """Density ``alpha scale^alpha / x^(alpha + 1)`` on ``x >= scale`` (``scale``, ``alpha`` > 0; Tensors or
    numbers, broadcast together). The support depends on the parameter: ``support`` is
    ``greater_than_eq(scale)``.

    * ``rsample``: ``scale exp(-log(1 - u) / alpha)``, ``u = mg.rand(shape)``; ``cdf(x) = 1 - (scale / x)^alpha``.
    * mean ``alpha scale / (alpha - 1)`` (``inf`` for ``alpha <= 1``), variance
      ``scale^2 alpha / ((alpha - 1)^2 (alpha - 2))`` (``inf`` for ``alpha <= 2``); no gradient reaches ``alpha``
      where a moment is infinite. Mode ``scale``; ``entropy = log(scale / alpha) + 1 + 1 / alpha``."""

    arg_constraints = {"alpha": constraints.positive, "scale": constraints.positive}

    def __init__(self, scale, alpha, validate_args: bool | None = None) -> None:
        self.scale, self.alpha = broadcast_all(type(self).__name__, scale=scale, alpha=alpha)
        # (the base is checked after this distribution, so that a bad alpha is reported as Pareto's alpha)
        base = Exponential(self.alpha, validate_args=False)
        super().__init__(base, [ExpTransform(), AffineTransform(0, self.scale)], validate_args=validate_args)
        self.base_dist._validate_args = self._validate_args

    def expand(self, batch_shape, _instance=None) -> "Pareto":
        new = type(self).__new__(type(self)) if _instance is None else _instance
        shape = tuple(batch_shape)
        new.scale, new.alpha = self.scale.expand(*shape), self.alpha.expand(*shape)
        return super().expand(batch_shape, _instance=new)

    @property
    def support(self):
        return constraints.greater_than_eq(self.scale)

    def _ratio(self, finite_above: float, fn) -> Tensor:
        """``fn(alpha)`` where ``alpha > finite_above``, ``inf`` elsewhere; ``fn`` is evaluated at a harmless
        ``alpha`` there, so that no ``inf - inf`` reaches the gradient of ``alpha`` (it gets none there)."""
        infinite = (self.alpha <= finite_above).data
        a = ops.where(infinite, finite_above + 1.0, self.alpha)
        return ops.where(infinite, math.inf, fn(a))

    @property
    def mean(self) -> Tensor:
        return self.scale * self._ratio(1.0, lambda a: a / (a - 1))

    @property
    def mode(self) -> Tensor:
        return self.scale

    @property
    def variance(self) -> Tensor:
        return self.scale * self.scale * self._ratio(2.0, lambda a: a / ((a - 1) ** 2 * (a - 2)))

    def entropy(self) -> Tensor:
        return ops.log(self.scale / self.alpha) + (1 + ops.reciprocal(self.alpha))

