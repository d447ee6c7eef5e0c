"""Layers that only change shape or order (Flatten, Unflatten, PixelShuffle, PixelUnshuffle, ChannelShuffle), and
the dropouts (Dropout, Dropout1d/2d/3d, AlphaDropout, FeatureAlphaDropout)."""
from __future__ import annotations

import math

from ..autograd import Tensor
from ..ops import dropout, dropout1d, dropout2d, dropout3d, flatten, pixel_shuffle, pixel_unshuffle, reshape
from ..ops.channel_shuffle import channel_shuffle
from ..ops.random_ops import alpha_dropout, feature_alpha_dropout
from ..ops.shape import fill_free_size
from .module import Module


class Flatten(Module):
    """``(N, C, H, W) -> (N, C*H*W)`` (dims ``start_dim..end_dim`` merged)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: Tensor) -> Tensor:
        return flatten(x, self.start_dim, self.end_dim)


class Unflatten(Module):
    """Split dim ``dim`` into ``unflattened_size``: ``Unflatten(1, (C, H, W))`` maps ``(N, C*H*W)`` to ``(N, C, H, W)``.
    One size may be -1, inferred from the others: ``Unflatten(1, (2, -1))`` maps ``(N, 6)`` to ``(N, 2, 3)``."""

    def __init__(self, dim: int, unflattened_size) -> None:
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, x: Tensor) -> Tensor:
        d = self.dim % x.ndim
        sizes = tuple(self.unflattened_size)
        filled = fill_free_size(sizes, x.shape[d])
        if filled is None:
            if sizes.count(-1) > 1 or any(s < -1 for s in sizes):
                raise ValueError(f"{self!r}: at most one size may be -1 (inferred), and none negative otherwise")
            known = math.prod(s for s in sizes if s != -1)
            need = f"a multiple of {known}" if -1 in sizes else f"{known}"
            raise ValueError(f"{self!r}: dim {self.dim} has size {x.shape[d]}, but {self.unflattened_size} "
                             f"needs {need} (input shape {x.shape})")
        return reshape(x, x.shape[:d] + filled + x.shape[d + 1:])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class Dropout(Module):
    """Inverted dropout: active in ``train()`` mode only."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"{type(self).__name__}: p must be in [0, 1], got {p}")
        self.p, self.inplace = p, inplace     # inplace is taken for PyTorch code; minigan computes out of place

    def forward(self, x: Tensor) -> Tensor:
        return dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout1d(Dropout):
    """Channel dropout of signals (whole channels), active in ``train()`` mode only: :func:`minigan.ops.dropout1d`."""

    def forward(self, x: Tensor) -> Tensor:
        return dropout1d(x, self.p, self.training)


class Dropout2d(Dropout):
    """Channel dropout (whole feature maps), active in ``train()`` mode only: :func:`minigan.ops.dropout2d`."""

    def forward(self, x: Tensor) -> Tensor:
        return dropout2d(x, self.p, self.training)


class Dropout3d(Dropout):
    """Channel dropout of volumes (whole channels), active in ``train()`` mode only: :func:`minigan.ops.dropout3d`."""

    def forward(self, x: Tensor) -> Tensor:
        return dropout3d(x, self.p, self.training)


class AlphaDropout(Dropout):
    """Dropout for SELU networks, keeping a mean-0, variance-1 input's mean and variance; active in ``train()`` mode
    only: :func:`minigan.ops.random_ops.alpha_dropout`."""

    def forward(self, x: Tensor) -> Tensor:
        return alpha_dropout(x, self.p, self.training)


class FeatureAlphaDropout(Dropout):
    """Alpha dropout of whole channels of ``(N, C, *)``, active in ``train()`` mode only:
    :func:`minigan.ops.random_ops.feature_alpha_dropout`."""

    def forward(self, x: Tensor) -> Tensor:
        return feature_alpha_dropout(x, self.p, self.training)


class ChannelShuffle(Module):
    """``(N, C, *) -> (N, C, *)``, the channels of ``groups`` groups interleaved (ShuffleNet):
    :func:`minigan.ops.channel_shuffle.channel_shuffle`."""

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, x: Tensor) -> Tensor:
        return channel_shuffle(x, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"


class PixelShuffle(Module):
    """``(*, C r², H, W) -> (*, C, H r, W r)``: the sub-pixel upsampler after a convolution."""

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, x: Tensor) -> Tensor:
        return pixel_shuffle(x, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """``(*, C, H r, W r) -> (*, C r², H, W)``, the inverse of :class:`PixelShuffle`."""

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, x: Tensor) -> Tensor:
        return pixel_unshuffle(x, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"
