"""The fractional max pooling layers, FractionalMaxPool2d and FractionalMaxPool3d, over
:mod:`minigan.ops.fractional_pool` (where the windows and the gradient are explained)."""
from __future__ import annotations

import numbers

from ..autograd import Tensor
from ..ops.fractional_pool import fractional_max_pool2d, fractional_max_pool3d
from .module import Module

__all__ = ["FractionalMaxPool2d", "FractionalMaxPool3d"]


class _FractionalMaxPoolNd(Module):
    """What the two layers share: the argument checks and ``_random_samples`` kept as a buffer (in
    ``state_dict()`` only where given), as PyTorch's."""
    _dims = 2

    def __init__(self, kernel_size, output_size=None, output_ratio=None, return_indices: bool = False,
                 _random_samples=None) -> None:
        super().__init__()
        name = type(self).__name__
        self.kernel_size, self.output_size, self.return_indices = kernel_size, output_size, return_indices
        self.register_buffer("_random_samples", _random_samples)
        if output_size is None and output_ratio is None:
            raise ValueError(f"{name} requires specifying either an output size, or a pooling ratio")
        if output_size is not None and output_ratio is not None:
            raise ValueError("only one of output_size and output_ratio may be specified")
        if output_ratio is not None:
            ratio = (output_ratio,) * self._dims if isinstance(output_ratio, numbers.Real) else tuple(output_ratio)
            if len(ratio) != self._dims:
                raise ValueError(f"{name}: output_ratio must be a number or {self._dims} numbers, got {output_ratio!r}")
            if not all(0 < r < 1 for r in ratio):
                raise ValueError(f"output_ratio must be between 0 and 1 (got {output_ratio})")
            output_ratio = ratio
        self.output_ratio = output_ratio

    def forward(self, input: Tensor):
        return self._pool(input, self.kernel_size, self.output_size, self.output_ratio, self.return_indices,
                          _random_samples=self._random_samples)


class FractionalMaxPool2d(_FractionalMaxPoolNd):
    """Fractional max pooling, ``(N, C, H, W) -> (N, C, H_out, W_out)`` (or without ``N``), to ``output_size`` or
    ``output_ratio`` (in (0, 1)) of the input's: :func:`minigan.ops.fractional_pool.fractional_max_pool2d`."""
    _dims, _pool = 2, staticmethod(fractional_max_pool2d)


class FractionalMaxPool3d(_FractionalMaxPoolNd):
    """Fractional max pooling, ``(N, C, D, H, W) -> (N, C, D_out, H_out, W_out)`` (or without ``N``):
    :func:`minigan.ops.fractional_pool.fractional_max_pool3d`."""
    _dims, _pool = 3, staticmethod(fractional_max_pool3d)
