"""Unfold and Fold: im2col and col2im as layers (:mod:`minigan.ops.unfold` explains both, and why each is
the other's transpose). No parameters; the arguments are kept as given, as PyTorch keeps them."""
from __future__ import annotations

from ..autograd import Tensor
from ..ops import fold, unfold
from .module import Module


class Unfold(Module):
    """Every sliding window as a column: ``(N, C, H, W) -> (N, C*kh*kw, L)``, ``L = H_out * W_out``."""

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1) -> None:
        super().__init__()
        self.kernel_size, self.dilation, self.padding, self.stride = kernel_size, dilation, padding, stride

    def forward(self, x: Tensor) -> Tensor:
        return unfold(x, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, "
                f"stride={self.stride}")


class Fold(Module):
    """Every column added back onto its window: ``(N, C*kh*kw, L) -> (N, C, H, W)``, ``(H, W) = output_size``,
    summing where windows overlap."""

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1) -> None:
        super().__init__()
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride

    def forward(self, x: Tensor) -> Tensor:
        return fold(x, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")
