"""Distance layers, as in ``torch.nn``: thin Modules over :func:`minigan.ops.cosine_similarity` and
:func:`minigan.ops.pairwise_distance`, with PyTorch's arguments, attribute names and reprs."""
from __future__ import annotations

from ..autograd import Tensor
from ..ops import cosine_similarity, pairwise_distance
from .module import Module


class CosineSimilarity(Module):
    """The cosine of the angle between ``x1`` and ``x2`` along ``dim``, each norm clamped at ``eps``; mirrors
    ``torch.nn.CosineSimilarity``.

    Shapes: ``x1`` and ``x2`` ``(*, D, *)``, broadcast together; output ``(*, *)``, ``dim`` removed."""

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """``||x1 - x2 + eps||_p`` along the last dim; mirrors ``torch.nn.PairwiseDistance``, which keeps ``p`` in an
    attribute named ``norm``.

    Shapes: ``x1`` and ``x2`` ``(*, D)``, broadcast together; output ``(*)``, or ``(*, 1)`` with ``keepdim``."""

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
