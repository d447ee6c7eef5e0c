"""Transforms: invertible maps ``y = f(x)`` that carry a distribution of ``x`` to one of ``y``, as in
``torch.distributions.transforms``.

The change-of-variables rule: if ``X`` has density ``p_X`` and ``f`` is one-to-one and smooth, ``Y = f(X)`` has
density::

    log p_Y(y) = log p_X(x) - log|dy/dx|,    x = f^-1(y)

(the probability of a little interval is kept, ``p_Y(y) |dy| = p_X(x) |dx|``, so where ``f`` stretches space the
density thins out). A transform therefore knows three things: the forward map ``t(x)``, its inverse ``t.inv(y)``
and ``t.log_abs_det_jacobian(x, y) = log|dy/dx|`` (for a vector event the log of the absolute determinant of
the Jacobian matrix; for the elementwise maps of this file, the sum of the elementwise terms over the event
dims). The maps on vectors and matrices are in :mod:`.transforms_simplex`, :mod:`.transforms_structure` and
:mod:`.transforms_cdf`; this module re-exports them, so every transform is ``transforms.<Name>`` as in PyTorch.
:class:`~minigan.distributions.transformed.TransformedDistribution` chains them onto a base distribution.

Each transform also has a ``domain`` and a ``codomain`` (constraints: where ``x`` and ``y`` may lie), ``bijective``
(whether ``t.inv(t(x)) == x``), ``sign`` (+1 or -1 for a monotone map of one variable: whether it increases or
decreases, which decides how a cdf passes through it) and ``event_dim`` (how many rightmost dims make one
input). Every map and every Jacobian term is a composition of minigan's differentiable ops (``exp``, ``log``,
``softplus``, ``tanh``, ``atanh``, ...), so gradients of any order flow through them to the inputs and to
parameters such as an affine map's ``loc`` and ``scale``.

``cache_size=1`` remembers the last ``(x, y)`` pair: ``t.inv(t(x))`` then gives back ``x`` itself (the very
tensor, which also avoids the rounding of a numerically poor inverse such as ``atanh`` near +-1).

The base class, the inverse and the composition live in :mod:`.transform_base` and are imported here, so that
this module holds every public name, as ``torch.distributions.transforms`` does."""
from __future__ import annotations

import math
import numbers

import numpy as np

from .. import creation, ops
from ..autograd import Tensor
from . import constraints
from .transform_base import ComposeTransform, Transform, identity_transform
from .transforms_cdf import CumulativeDistributionTransform
from .transforms_simplex import (CorrCholeskyTransform, LowerCholeskyTransform, PositiveDefiniteTransform,
                                 SoftmaxTransform, StickBreakingTransform)
from .transforms_structure import CatTransform, IndependentTransform, ReshapeTransform, StackTransform
from .utils import sum_rightmost

__all__ = ["AbsTransform", "AffineTransform", "ComposeTransform", "ExpTransform", "PowerTransform",
           "SigmoidTransform", "SoftplusTransform", "TanhTransform", "Transform", "identity_transform",
           "CatTransform", "CorrCholeskyTransform", "CumulativeDistributionTransform", "IndependentTransform",
           "LowerCholeskyTransform", "PositiveDefiniteTransform", "ReshapeTransform", "SoftmaxTransform",
           "StackTransform", "StickBreakingTransform"]


def _shape_of(p) -> tuple[int, ...]:
    return tuple(p.shape) if isinstance(p, Tensor) else ()


class ExpTransform(Transform):
    """``y = exp(x)``: the reals onto the positive numbers. ``log|dy/dx| = log exp(x) = x``."""

    domain = constraints.real
    codomain = constraints.positive
    bijective = True
    sign = +1

    def _call(self, x):
        return ops.exp(x)

    def _inverse(self, y):
        return ops.log(y)

    def log_abs_det_jacobian(self, x, y):
        return x

    def __eq__(self, other) -> bool:
        return isinstance(other, ExpTransform)

    __hash__ = object.__hash__


class PowerTransform(Transform):
    """``y = x ** exponent`` on the positive numbers (``exponent`` a Tensor or a number, broadcast against
    ``x``). ``log|dy/dx| = log|exponent x^(exponent-1)| = log|exponent y / x|``; ``sign`` is ``exponent``'s."""

    domain = constraints.positive
    codomain = constraints.positive
    bijective = True

    def __init__(self, exponent, cache_size: int = 0) -> None:
        super().__init__(cache_size=cache_size)
        if isinstance(exponent, numbers.Number) and not isinstance(exponent, bool):
            exponent = creation.full((), float(exponent), dtype=np.float32)
        elif not isinstance(exponent, Tensor):
            raise ValueError(f"PowerTransform: expected exponent to be a Tensor or a number, got "
                             f"{type(exponent).__name__}")
        self.exponent = exponent

    def with_cache(self, cache_size: int = 1) -> Transform:
        return self if self._cache_size == cache_size else PowerTransform(self.exponent, cache_size=cache_size)

    @property
    def sign(self):
        return ops.sign(self.exponent.detach())

    def _call(self, x):
        return x ** self.exponent

    def _inverse(self, y):
        return y ** (1 / self.exponent)

    def log_abs_det_jacobian(self, x, y):
        return ops.log(ops.abs(self.exponent * y / x))

    def forward_shape(self, shape):
        return tuple(np.broadcast_shapes(tuple(shape), _shape_of(self.exponent)))

    inverse_shape = forward_shape

    def __eq__(self, other) -> bool:
        return isinstance(other, PowerTransform) and bool((self.exponent == other.exponent).data.all())

    __hash__ = object.__hash__


class SigmoidTransform(Transform):
    """``y = sigmoid(x) = 1 / (1 + e^-x)``: the reals onto ``(0, 1)``, clamped to ``[tiny, 1 - eps]`` so that
    the inverse ``logit(y) = log y - log(1 - y)`` stays finite. ``dy/dx = sigmoid(x) sigmoid(-x)``, so
    ``log|dy/dx| = -softplus(-x) - softplus(x)``."""

    domain = constraints.real
    codomain = constraints.unit_interval
    bijective = True
    sign = +1

    def _call(self, x):
        info = np.finfo(x.dtype)
        return ops.clamp(ops.sigmoid(x), float(info.tiny), 1.0 - float(info.eps))

    def _inverse(self, y):
        info = np.finfo(y.dtype)
        y = ops.clamp(y, float(info.tiny), 1.0 - float(info.eps))
        return ops.log(y) - ops.log1p(-y)

    def log_abs_det_jacobian(self, x, y):
        return -ops.softplus(-x) - ops.softplus(x)

    def __eq__(self, other) -> bool:
        return isinstance(other, SigmoidTransform)

    __hash__ = object.__hash__


class TanhTransform(Transform):
    """``y = tanh(x)``: the reals onto ``(-1, 1)``; inverse ``atanh(y)`` (not clamped: near +-1 use
    ``cache_size=1``). ``dy/dx = 1 - tanh^2 x = 4 / (e^x + e^-x)^2``, so
    ``log|dy/dx| = 2 (log 2 - x - softplus(-2x))``, a form that stays finite for large ``|x|``."""

    domain = constraints.real
    codomain = constraints.interval(-1.0, 1.0)
    bijective = True
    sign = +1

    def _call(self, x):
        return ops.tanh(x)

    def _inverse(self, y):
        return ops.atanh(y)

    def log_abs_det_jacobian(self, x, y):
        return 2.0 * (math.log(2.0) - x - ops.softplus(-2.0 * x))

    def __eq__(self, other) -> bool:
        return isinstance(other, TanhTransform)

    __hash__ = object.__hash__


class SoftplusTransform(Transform):
    """``y = softplus(x) = log(1 + e^x)`` (linear above ``x = 20``, as ``F.softplus``): the reals onto the
    positive numbers. Inverse ``log(-expm1(-y)) + y = log(e^y - 1)``; ``dy/dx = sigmoid(x)``, so
    ``log|dy/dx| = -softplus(-x)``."""

    domain = constraints.real
    codomain = constraints.positive
    bijective = True
    sign = +1

    def _call(self, x):
        return ops.softplus(x)

    def _inverse(self, y):
        return ops.log(-ops.expm1(-y)) + y

    def log_abs_det_jacobian(self, x, y):
        return -ops.softplus(-x)

    def __eq__(self, other) -> bool:
        return isinstance(other, SoftplusTransform)

    __hash__ = object.__hash__


class AbsTransform(Transform):
    """``y = |x|``: not one-to-one (``x`` and ``-x`` meet), so not bijective and with no Jacobian term or sign;
    its "inverse" is the pseudo-inverse ``y -> y`` (``t(t.inv(y)) == y``). A distribution symmetric about 0
    folded by it (HalfNormal, HalfCauchy) has density ``2 p_X(y)`` on ``y >= 0``."""

    domain = constraints.real
    codomain = constraints.positive

    def _call(self, x):
        return ops.abs(x)

    def _inverse(self, y):
        return y

    def __eq__(self, other) -> bool:
        return isinstance(other, AbsTransform)

    __hash__ = object.__hash__


class AffineTransform(Transform):
    """``y = loc + scale * x`` (``loc``, ``scale``: Tensors or numbers, broadcast against ``x``); ``event_dim``
    rightmost dims make one event (0 for numbers, 1 for vectors, ...). Inverse ``(y - loc) / scale``;
    ``log|dy/dx| = log|scale|``, summed over the event's elements (the Jacobian is diagonal: its determinant is
    the product of the scales). ``sign``: the sign of ``scale``."""

    bijective = True

    def __init__(self, loc, scale, event_dim: int = 0, cache_size: int = 0) -> None:
        super().__init__(cache_size=cache_size)
        for name, v in (("loc", loc), ("scale", scale)):
            if not isinstance(v, (Tensor, numbers.Number)) or isinstance(v, bool):
                raise ValueError(f"AffineTransform: expected {name} to be a Tensor or a number, got "
                                 f"{type(v).__name__}")
        self.loc, self.scale, self._event_dim = loc, scale, int(event_dim)

    @property
    def event_dim(self) -> int:
        return self._event_dim

    @property
    def domain(self):
        return constraints.independent(constraints.real, self._event_dim) if self._event_dim else constraints.real

    codomain = domain

    def with_cache(self, cache_size: int = 1) -> Transform:
        if self._cache_size == cache_size:
            return self
        return AffineTransform(self.loc, self.scale, self._event_dim, cache_size=cache_size)

    @property
    def sign(self):
        if isinstance(self.scale, numbers.Number):
            return 1 if self.scale > 0 else -1 if self.scale < 0 else 0
        return ops.sign(self.scale.detach())

    def _call(self, x):
        return self.loc + self.scale * x

    def _inverse(self, y):
        return (y - self.loc) / self.scale

    def log_abs_det_jacobian(self, x, y):
        if isinstance(self.scale, numbers.Number):
            n = x.ndim - self._event_dim               # each event has prod(event dims) equal terms
            per_event = math.log(abs(self.scale)) * math.prod(x.shape[n:])
            return creation.full(tuple(x.shape[:n]), per_event, device=x.device, dtype=x.dtype)
        shape = np.broadcast_shapes(tuple(x.shape), tuple(self.scale.shape))
        term = ops.log(ops.abs(self.scale))
        term = term if tuple(term.shape) == shape else ops.broadcast_to(term, shape)
        return sum_rightmost(term, self._event_dim)

    def forward_shape(self, shape):
        return tuple(np.broadcast_shapes(tuple(shape), _shape_of(self.loc), _shape_of(self.scale)))

    inverse_shape = forward_shape

    def __eq__(self, other) -> bool:
        if not isinstance(other, AffineTransform):
            return False
        for a, b in ((self.loc, other.loc), (self.scale, other.scale)):
            if not bool(np.all(getattr(a == b, "data", a == b))):
                return False
        return True

    __hash__ = object.__hash__
