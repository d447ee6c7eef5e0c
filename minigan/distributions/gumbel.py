"""The Gumbel distribution: the law of the largest of many draws (extreme values), and the noise behind the
Gumbel-max trick and :class:`~minigan.distributions.RelaxedOneHotCategorical`.

Built, as in PyTorch, as a :class:`~minigan.distributions.transformed.TransformedDistribution`: a uniform
``U`` on ``[tiny, 1 - eps]`` through ``x -> log x``, ``x -> -x``, ``x -> log x`` and ``x -> loc - scale x``,
that is ``Y = loc - scale log(-log U)`` (``-log(-log U)`` is a standard Gumbel draw). ``cdf``/``icdf`` go
through that chain (two decreasing steps: its sign is +1); ``log_prob``, the moments and the entropy are
written out."""
from __future__ import annotations

import math

import numpy as np

from .. import creation, ops
from ..autograd import Tensor
from . import constraints
from .transformed import TransformedDistribution
from .transforms import AffineTransform, ExpTransform
from .uniform import Uniform
from .utils import broadcast_all

_EULER_GAMMA = 0.5772156649015329


class Gumbel(TransformedDistribution):
    """Density ``exp(-(z + e^-z)) / scale`` with ``z = (x - loc) / scale``: ``loc`` (any real) is the mode,
    ``scale`` (> 0) the spread; Tensors or numbers, broadcast together.

    * ``rsample``: ``loc - scale log(-log u)``, ``u`` uniform on ``[tiny, 1 - eps]`` (so both logs are finite).
    * ``log_prob(x) = y - e^y - log(scale)`` with ``y = (loc - x) / scale``.
    * ``cdf(x) = exp(-exp(-(x - loc) / scale))``; ``icdf(p) = loc - scale log(-log p)`` (through the chain).
    * mean ``loc + scale * gamma`` (``gamma`` Euler's constant), mode ``loc``, standard deviation
      ``pi scale / sqrt 6``, ``entropy = log(scale) + 1 + gamma``."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real

    def __init__(self, loc, scale, validate_args: bool | None = None) -> None:
        self.loc, self.scale = broadcast_all(type(self).__name__, loc=loc, scale=scale)
        info = np.finfo(self.loc.dtype)
        low, high = float(info.tiny), 1 - float(info.eps)
        if isinstance(loc, Tensor) or isinstance(scale, Tensor):
            low, high = creation.full_like(self.loc, low), creation.full_like(self.loc, high)
        base = Uniform(low, high, validate_args=validate_args)
        transforms = [ExpTransform().inv, AffineTransform(0, -creation.ones_like(self.scale)),
                      ExpTransform().inv, AffineTransform(loc, -self.scale)]
        super().__init__(base, transforms, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None) -> "Gumbel":
        new = type(self).__new__(type(self)) if _instance is None else _instance
        shape = tuple(batch_shape)
        new.loc, new.scale = self.loc.expand(*shape), self.scale.expand(*shape)
        return super().expand(batch_shape, _instance=new)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        y = (self.loc - value) / self.scale
        return y - ops.exp(y) - ops.log(self.scale)

    @property
    def mean(self) -> Tensor:
        return self.loc + self.scale * _EULER_GAMMA

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def stddev(self) -> Tensor:
        return (math.pi / math.sqrt(6)) * self.scale

    @property
    def variance(self) -> Tensor:
        s = self.stddev
        return s * s

    def entropy(self) -> Tensor:
        return ops.log(self.scale) + (1 + _EULER_GAMMA)
