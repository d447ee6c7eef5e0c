"""LogisticNormal: a normal vector carried onto the probability simplex by stick-breaking, as
``torch.distributions.LogisticNormal``.

If ``X ~ Normal(loc, scale)`` is a vector of ``K`` independent coordinates, ``Y = StickBreakingTransform()(X)``
is a probability vector of ``K + 1`` entries; conversely ``log(Y / (1 - cumsum(Y)))[..., :-1]`` (shifted by the
transform's offsets) is normal. A lighter-tailed alternative to the Dirichlet whose ``rsample`` is the plain
normal reparameterisation. Everything comes from :class:`~.transformed.TransformedDistribution`: ``log_prob``
is the normal's minus the stick-breaking ``log|det J|``; ``mean``, ``variance`` and ``entropy`` have no closed
form."""
from __future__ import annotations

from ..autograd import Tensor
from . import constraints
from .normal import Normal
from .transformed import TransformedDistribution
from .transforms_simplex import StickBreakingTransform

__all__ = ["LogisticNormal"]


class LogisticNormal(TransformedDistribution):
    """``StickBreakingTransform()(X)`` for ``X ~ Normal(loc, scale)``; ``loc``'s and ``scale``'s last dim
    (``K``, broadcast together) is the base vector's, so the event shape is ``(K + 1,)`` and the batch shape is
    the rest. A 0-d ``loc`` and ``scale`` are read as ``K = 1`` (event shape ``(2,)``)."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, loc, scale, validate_args: bool | None = None) -> None:
        base = Normal(loc, scale, validate_args=validate_args)
        if not base.batch_shape:
            base = base.expand((1,))
        super().__init__(base, StickBreakingTransform(), validate_args=validate_args)

    @property
    def loc(self) -> Tensor:
        return self.base_dist.base_dist.loc

    @property
    def scale(self) -> Tensor:
        return self.base_dist.base_dist.scale
