"""Names PyTorch keeps for old code: ``NLLLoss2d`` (deprecated: ``NLLLoss`` takes ``(N, C, H, W)`` inputs) and
``CrossMapLRN2d``, the local response norm of the original Lua Torch, whose window differs from
:class:`~minigan.nn.LocalResponseNorm`'s."""
from __future__ import annotations

import warnings

import numpy as np

from .. import backend
from ..autograd import Tensor
from ..ops import matmul, permute
from .loss import NLLLoss
from .module import Module

__all__ = ["NLLLoss2d", "CrossMapLRN2d"]


class NLLLoss2d(NLLLoss):
    """Deprecated alias of :class:`~minigan.nn.NLLLoss`; warns with PyTorch's ``FutureWarning`` when made. It takes
    what NLLLoss takes: ``(N, C, d1, ...)`` log-probabilities with ``(N, d1, ...)`` targets (each position a
    sample), ``(N, C)`` with ``(N,)``; ``reduction="none"`` gives the target's shape. Its arguments are NLLLoss's,
in PyTorch's order (``size_average`` and ``reduce`` included)."""

    def __init__(self, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
                 reduction: str = "mean") -> None:
        warnings.warn("`NLLLoss2d` has been deprecated. Please use `NLLLoss` instead as a drop-in replacement and "
                      "see https://pytorch.org/docs/main/nn.html#torch.nn.NLLLoss for more details.",
                      FutureWarning, stacklevel=2)
        super().__init__(weight, size_average, ignore_index, reduce, reduction)

    def forward(self, input: Tensor, target) -> Tensor:  # noqa: A002
        expected = (input.shape[0],) + input.shape[2:] if input.ndim > 2 else None
        if expected is not None and hasattr(target, "shape") and tuple(target.shape) != expected:
            raise ValueError(f"NLLLoss2d: expected a target of shape {expected} for an input of shape {input.shape}, "
                             f"got {tuple(target.shape)}")             # its own message; NLLLoss does the rest
        return super().forward(input, target)


def cross_map_window(channels: int, size: int) -> np.ndarray:
    """``(C, C)`` of 0/1: row ``c`` marks the channels whose squares make channel ``c``'s scale in Lua Torch's
    cross-map LRN. With ``P = int((size - 1) / 2 + 1)`` that is channels ``c - P + 1`` to ``c + P - 1``; the
    running sum it was written as never drops channel 0 (it drops channel ``c - P`` only for ``c > P``), so
    channel 0 stays in every window from ``c = P`` on. PyTorch keeps that behaviour, and so does minigan."""
    p = int((size - 1) / 2 + 1)
    c = np.arange(channels)
    window = (np.abs(c[:, None] - c[None, :]) <= p - 1).astype(np.float64)
    window[c >= p, 0] = 1.0
    return window


class CrossMapLRN2d(Module):
    """Lua Torch's local response norm across channels, ``(N, C, H, W) -> (N, C, H, W)``:
    ``y = x * (k + alpha / size * sum of x² over the window of cross_map_window)^(-beta)``:
    ``torch.nn.CrossMapLRN2d``. A composition of differentiable ops (the window sum is a matmul over the channel
    dim by the 0/1 window matrix), so its gradient is the exact one of that formula."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1) -> None:
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim != 4:
            raise ValueError(f"CrossMapLRN2d: Expected input to be 4D, got {input.ndim}D instead.")
        window = backend.to_device(cross_map_window(input.shape[1], self.size).astype(input.dtype), input.device)
        squares = permute(input * input, 0, 2, 3, 1)                          # (N, H, W, C)
        sums = permute(matmul(squares, Tensor(window.T)), 0, 3, 1, 2)       # back to (N, C, H, W)
        return input * (sums * (self.alpha / self.size) + self.k) ** (-self.beta)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
