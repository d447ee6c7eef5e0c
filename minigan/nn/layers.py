"""Layers with learnable parameters: Linear, Bilinear, and the normalisation layers BatchNorm1d/2d/3d, LayerNorm,
GroupNorm, InstanceNorm1d/2d/3d; and LocalResponseNorm, which has none. The convolution layers are in
:mod:`minigan.nn.conv`.

Names, argument orders, defaults, weight layouts and default initialisation are PyTorch's, so a
PyTorch state dict (saved as arrays) loads with its names unchanged."""
from __future__ import annotations

import math
import warnings

import numpy as np

from ..autograd import Tensor
from ..ops import batch_norm, group_norm, instance_norm, layer_norm, linear, rms_norm, squeeze, unsqueeze
from ..ops import bilinear, local_response_norm
from . import init
from .factory import factory
from .module import Module


def _expect(layer: Module, x: Tensor, ndims: tuple[int, ...], channels: int, what: str) -> None:
    """The error every layer gives for a wrong input: names the layer, what it expected, what came."""
    if x.ndim not in ndims:
        want = " or ".join(f"{n}-D" for n in ndims)
        raise ValueError(f"{layer!r}: expected a {want} input {what}, got shape {x.shape}")
    if x.shape[1 if x.ndim > 1 else 0] != channels:
        raise ValueError(f"{layer!r}: expected input with {channels} channels/features {what}, "
                         f"got {x.shape[1]} (input shape {x.shape})")


class Linear(Module):
    """``y = x Wᵀ + b``: ``(*, in_features) -> (*, out_features)``; weight ``(out_features, in_features)``."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        make = factory(self, device, dtype)
        self.in_features, self.out_features = in_features, out_features
        self.weight = make.parameter((out_features, in_features))
        self.register_parameter("bias", make.parameter(out_features) if bias else None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.default_layer_init_(self.weight, self.bias)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim < 1 or x.shape[-1] != self.in_features:
            raise ValueError(f"{self!r}: expected input (*, {self.in_features}), got shape {x.shape}")
        return linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Bilinear(Module):
    """``y = x1ᵀ A x2 + b``, one matrix ``A`` per output feature: ``(*, in1_features), (*, in2_features) ->
    (*, out_features)`` (the same leading dims); weight ``(out_features, in1_features, in2_features)``, drawn with
    the bias from PyTorch's ``U(-1/sqrt(in1_features), 1/sqrt(in1_features))``: ``torch.nn.Bilinear``."""

    def __init__(self, in1_features: int, in2_features: int, out_features: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__()
        make = factory(self, device, dtype)
        self.in1_features, self.in2_features, self.out_features = in1_features, in2_features, out_features
        self.weight = make.parameter((out_features, in1_features, in2_features))
        self.register_parameter("bias", make.parameter(out_features) if bias else None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw the weight and bias again from U(-1/sqrt(in1_features), 1/sqrt(in1_features)), as PyTorch does."""
        if self.in1_features <= 0:
            raise ValueError(f"Bilinear: in1_features must be > 0, got {self.in1_features}")
        bound = 1 / math.sqrt(self.in1_features)
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        for x, n in ((input1, self.in1_features), (input2, self.in2_features)):
            if x.ndim < 1 or x.shape[-1] != n:
                raise ValueError(f"{self!r}: expected inputs (*, {self.in1_features}) and (*, {self.in2_features}), "
                                 f"got shapes {input1.shape} and {input2.shape}")
        return bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")


def _affine_parameters(layer: Module, make, shape, weight: bool, bias: bool) -> None:
    """A normalisation layer's weight (ones) and bias (zeros) of ``shape``, made by ``make`` (the layer's
    :func:`~minigan.nn.factory.factory`), each registered as None when not wanted (PyTorch's ``affine=False`` or
    ``bias=False``), so ``state_dict`` has PyTorch's keys."""
    layer.register_parameter("weight", make.parameter(shape, 1.0) if weight else None)
    layer.register_parameter("bias", make.parameter(shape) if bias else None)


def _reset_affine(layer: Module) -> None:
    """Weight 1 and bias 0 (those the layer has), as in a new layer."""
    if layer.weight is not None:
        init.ones_(layer.weight)
    if layer.bias is not None:
        init.zeros_(layer.bias)


class _BatchNorm(Module):
    _ndims: tuple[int, ...] = ()

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device=None, dtype=None, *, bias: bool = True) -> None:
        super().__init__()
        make = factory(self, device, dtype)
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        _affine_parameters(self, make, num_features, affine, affine and bias)
        if track_running_stats:
            self.register_buffer("running_mean", make.buffer(num_features))
            self.register_buffer("running_var", make.buffer(num_features, 1.0))
            self.register_buffer("num_batches_tracked", make.buffer((), dtype=np.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)

    def reset_running_stats(self) -> None:
        """Forget the running statistics: mean 0, variance 1, no batches seen."""
        if self.track_running_stats:
            for buf, value in ((self.running_mean, 0), (self.running_var, 1), (self.num_batches_tracked, 0)):
                buf.data[...] = value
                buf._bump_version()

    def reset_parameters(self) -> None:
        """Back to the state of a new layer: running statistics forgotten, weight 1 and bias 0."""
        self.reset_running_stats()
        _reset_affine(self)

    def forward(self, x: Tensor) -> Tensor:
        _expect(self, x, self._ndims, self.num_features, self._layout)
        momentum = self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.data[...] += 1
            if momentum is None:  # PyTorch's cumulative moving average: batch k gets weight 1/k
                momentum = 1.0 / float(self.num_batches_tracked.item())
        return batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                          training=self.training or not self.track_running_stats, momentum=momentum,
                          eps=self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch norm over ``(N, C)`` or ``(N, C, L)``: per-feature statistics over the batch."""
    _ndims, _layout = (2, 3), "(N, C) or (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """Batch norm over ``(N, C, H, W)``: per-channel statistics over batch and positions."""
    _ndims, _layout = (4,), "(N, C, H, W)"


class BatchNorm3d(_BatchNorm):
    """Batch norm over ``(N, C, D, H, W)``: per-channel statistics over batch and positions."""
    _ndims, _layout = (5,), "(N, C, D, H, W)"


class LayerNorm(Module):
    """Normalise each sample over its last dims: ``(*, *normalized_shape) -> same shape``, with an elementwise
    weight (ones) and bias (zeros) of shape ``normalized_shape``: ``torch.nn.LayerNorm``."""

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape, self.eps, self.elementwise_affine = shape, eps, elementwise_affine
        _affine_parameters(self, factory(self, device, dtype), shape, elementwise_affine, elementwise_affine and bias)

    def reset_parameters(self) -> None:
        """Weight 1 and bias 0, as in a new layer."""
        _reset_affine(self)

    def forward(self, x: Tensor) -> Tensor:
        k = len(self.normalized_shape)
        if x.ndim < k or tuple(x.shape[x.ndim - k:]) != self.normalized_shape:
            raise ValueError(f"{self!r}: expected input (*, {', '.join(map(str, self.normalized_shape))}), "
                             f"got shape {x.shape}")
        return layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")


class RMSNorm(Module):
    """Root-mean-square norm of each sample over its last dims, ``x / sqrt(mean(x²) + eps) * weight``: layer norm
    without centring and bias (:func:`minigan.ops.rms_norm`), with an elementwise weight (ones) of shape
    ``normalized_shape`` when ``elementwise_affine``; ``eps=None`` is the machine epsilon of the input's dtype:
    ``torch.nn.RMSNorm``."""

    def __init__(self, normalized_shape, eps: float | None = None, elementwise_affine: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape, self.eps, self.elementwise_affine = shape, eps, elementwise_affine
        make = factory(self, device, dtype)
        self.register_parameter("weight", make.parameter(shape, 1.0) if elementwise_affine else None)

    def reset_parameters(self) -> None:
        """Weight 1, as in a new layer."""
        if self.weight is not None:
            init.ones_(self.weight)

    def forward(self, x: Tensor) -> Tensor:
        k = len(self.normalized_shape)
        if x.ndim < k or tuple(x.shape[x.ndim - k:]) != self.normalized_shape:
            raise ValueError(f"{self!r}: expected input (*, {', '.join(map(str, self.normalized_shape))}), "
                             f"got shape {x.shape}")
        return rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class GroupNorm(Module):
    """Normalise each of ``num_groups`` groups of channels of each sample: ``(N, C, *) -> (N, C, *)``, with a
    per-channel weight (ones) and bias (zeros) when ``affine``: ``torch.nn.GroupNorm``."""

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True, device=None,
                 dtype=None, *, bias: bool = True) -> None:
        super().__init__()
        if num_groups < 1 or num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels={num_channels} must be divisible by num_groups={num_groups}")
        self.num_groups, self.num_channels, self.eps, self.affine = num_groups, num_channels, eps, affine
        _affine_parameters(self, factory(self, device, dtype), num_channels, affine, affine and bias)

    def reset_parameters(self) -> None:
        """Weight 1 and bias 0, as in a new layer."""
        _reset_affine(self)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim < 2:
            raise ValueError(f"{self!r}: expected an input (N, C, *) of at least 2 dims, got shape {x.shape}")
        if x.shape[1] != self.num_channels:
            raise ValueError(f"{self!r}: expected input with {self.num_channels} channels (N, C, *), "
                             f"got {x.shape[1]} (input shape {x.shape})")
        return group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class _InstanceNorm(_BatchNorm):
    """Normalise each channel of each sample over its positions (``torch.nn.InstanceNorm1d/2d/3d``), with
    PyTorch's defaults (no affine, no running statistics), on a batch or one unbatched sample. It shares
    batch norm's parameters, buffers and resets (in PyTorch both derive from one base class); with
    ``track_running_stats`` it keeps running statistics in training and normalises with them in evaluation."""
    _layouts: tuple[str, str] = ("", "")     # (batched, unbatched), set by each layer

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = False,
                 track_running_stats: bool = False, device=None, dtype=None, *, bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)

    def forward(self, x: Tensor) -> Tensor:
        batched, unbatched = self._layouts
        dims = batched.count(",") + 1
        if x.ndim == dims - 1:                  # one unbatched sample, as PyTorch accepts
            return squeeze(self.forward(unsqueeze(x, 0)), 0)
        if x.ndim != dims:
            raise ValueError(f"{self!r}: expected a {dims}-D input {batched} or a {dims - 1}-D one {unbatched}, "
                             f"got shape {x.shape}")
        if x.shape[1] != self.num_features:
            msg = (f"{self!r}: expected input with {self.num_features} channels {batched}, got {x.shape[1]} "
                   f"(input shape {x.shape})")
            if self.affine or self.track_running_stats:
                raise ValueError(msg)
            warnings.warn(msg + "; num_features is not used when affine=False and track_running_stats=False",
                          UserWarning, stacklevel=2)
        # As in PyTorch, num_batches_tracked is never counted here and momentum=None means 0 (no update)
        momentum = 0.0 if self.momentum is None else self.momentum
        use_input_stats = self.training or not self.track_running_stats
        return instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                             use_input_stats=use_input_stats, momentum=momentum, eps=self.eps)




class InstanceNorm1d(_InstanceNorm):
    """Instance norm of ``(N, C, L)`` signals (or one ``(C, L)``)."""
    _layouts = ("(N, C, L)", "(C, L)")


class InstanceNorm2d(_InstanceNorm):
    """Instance norm of ``(N, C, H, W)`` images (or one ``(C, H, W)``): the normalisation of style-transfer
    networks."""
    _layouts = ("(N, C, H, W)", "(C, H, W)")


class InstanceNorm3d(_InstanceNorm):
    """Instance norm of ``(N, C, D, H, W)`` volumes (or one ``(C, D, H, W)``)."""
    _layouts = ("(N, C, D, H, W)", "(C, D, H, W)")


class LocalResponseNorm(Module):
    """AlexNet's normalisation across channels: each value divided by ``(k + alpha / size * sum of the squares
    of the size channels around it)^beta`` (see :func:`minigan.ops.local_response_norm`); no parameters:
    ``torch.nn.LocalResponseNorm``. Shapes: ``(N, C, *)`` of at least 3 dims -> the same."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> None:
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim < 3:
            raise ValueError(f"{self!r}: expected an input (N, C, *) of 3 or more dims, got shape {x.shape}")
        return local_response_norm(x, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


__all__ = ["Linear", "Bilinear", "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "LayerNorm", "GroupNorm", "RMSNorm",
           "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "LocalResponseNorm"]
