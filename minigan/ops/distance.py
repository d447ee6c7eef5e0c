"""Distances between vectors, and vectors scaled to unit length, with PyTorch's names, defaults and formulas:

=========================================  ===================================================================
op                                         value, along ``dim``
=========================================  ===================================================================
``normalize(x, p=2, dim=1, eps=1e-12)``    ``x / max(||x||_p, eps)``
``cosine_similarity(x1, x2, 1, 1e-8)``     ``sum(x1 / max(||x1||, eps) * x2 / max(||x2||, eps))``
``pairwise_distance(x1, x2, 2, 1e-6)``     ``||x1 - x2 + eps||_p``, along the last dim
=========================================  ===================================================================

The three ``eps`` do three different things, each as PyTorch does it:

- ``normalize`` clamps the norm with a recorded :func:`~minigan.ops.clip`: where a vector's norm is below eps
  the division is by eps, a constant, and no gradient flows through the norm.
- ``cosine_similarity`` clamps each norm outside the graph (PyTorch clamps it in place under ``no_grad``): the
  value is clamped, but the gradient passes through the norm as if it were not (:class:`ClampMinValue`).
  Each vector is divided by its own norm before the dot product, so the result is within rounding of
  [-1, 1], and the product ``||x1|| ||x2||``, which could overflow, is never formed.
- ``pairwise_distance`` adds eps to every component of the difference: a vector's distance to itself is
  ``eps d^(1/p)`` for d components, not 0.
"""
from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd import Function, Tensor
from ._util import as_floating, lift, normalize_dim, result_type
from .activation import _expect_floating
from .arithmetic import _check_broadcast, clip
from .reduction import norm, sum as _sum
from .shape import broadcast_to


class ClampMinValue(Function):
    """``max(x, lo)`` in the forward, the identity in the backward: the gradient reaches ``x`` unchanged,
    even where the clamp changed its value. This is what PyTorch's clamp in place under ``no_grad`` does to
    the norms in :func:`cosine_similarity` and to the variance in :func:`~minigan.ops.gaussian_nll_loss`."""

    @staticmethod
    def forward(ctx, x, lo):
        xp = backend.xp_of(x)
        return xp.maximum(x, xp.asarray(lo, dtype=x.dtype))

    @staticmethod
    def backward(ctx, gy):
        return gy


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:  # noqa: A002
    """``input / max(||input||_p, eps)``, the norm taken along ``dim`` (``F.normalize`` in PyTorch): every
    vector along ``dim`` scaled to ``p``-norm 1, and a vector of norm below ``eps`` divided by ``eps``.
    Shapes: ``(*) -> (*)``."""
    _expect_floating("normalize", input)
    return input / clip(norm(input, p, dim, keepdim=True), min=eps)


def _broadcast_pair(op: str, x1, x2) -> tuple[Tensor, Tensor]:
    """``x1`` and ``x2`` as Tensors of one broadcast shape; a floating-point one keeps its dtype, an integer
    one takes the pair's (floating-point) common dtype, as in PyTorch."""
    like = x1 if isinstance(x1, Tensor) else x2
    x1, x2 = lift(x1, like), lift(x2, like)
    dtype = result_type(x1, x2)
    if dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating-point common dtype, got {dtype} (x1 is {x1.dtype}, x2 is "
                        f"{x2.dtype}); convert one with .float()")
    x1, x2 = (x if x.data.dtype.kind == "f" else lift(x, x, dtype) for x in (x1, x2))
    _check_broadcast(op, x1, x2)
    shape = np.broadcast_shapes(x1.shape, x2.shape)
    return (x if x.shape == shape else broadcast_to(x, shape) for x in (x1, x2))


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """The cosine of the angle between ``x1`` and ``x2`` along ``dim``, after broadcasting them together:
    ``sum(x1 / max(||x1||, eps) * x2 / max(||x2||, eps))`` (``F.cosine_similarity`` in PyTorch). Each norm is
    clamped without stopping its gradient (see :class:`ClampMinValue`). Shapes: ``(*, D, *)`` twice (broadcast)
    ``-> (*, *)``, ``dim`` removed."""
    x1, x2 = _broadcast_pair("cosine_similarity", x1, x2)
    d = normalize_dim(dim, x1.ndim, "cosine_similarity")
    n1 = ClampMinValue.apply(norm(x1, 2, d, keepdim=True), eps)
    n2 = ClampMinValue.apply(norm(x2, 2, d, keepdim=True), eps)
    return _sum((x1 / n1) * (x2 / n2), d)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """``||x1 - x2 + eps||_p`` along the last dim (``F.pairwise_distance`` in PyTorch): the distance between
    the rows of ``x1`` and ``x2``, broadcast together. ``eps`` is added to the difference, so equal rows are
    ``eps d^(1/p)`` apart. Integer inputs give float32, as in PyTorch. Shapes: ``(*, D)`` twice (broadcast)
    ``-> (*)``, or ``(*, 1)`` with ``keepdim``."""
    like = x1 if isinstance(x1, Tensor) else x2
    x1, x2 = lift(x1, like), lift(x2, like)
    _check_broadcast("pairwise_distance", x1, x2)
    diff = as_floating(x1 - x2 + eps)
    return norm(diff, p, -1, keepdim=keepdim)


__all__ = ["ClampMinValue", "normalize", "cosine_similarity", "pairwise_distance"]
