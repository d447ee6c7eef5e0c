"""A classifier head fused with its loss, as ``torch.nn.LinearCrossEntropyLoss``, and the options of the chunked
path, ``torch.nn.LinearCrossEntropyOptions``. The op, and the memory trade it makes, is
:func:`minigan.ops.linear_cross_entropy.linear_cross_entropy`."""
from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..autograd import Tensor
from ..ops.linear_cross_entropy import linear_cross_entropy
from ..ops.shape import reshape
from .layers import Linear
from .loss import _WeightedLoss

_ACC_POLICIES = ("auto", "accurate", "balanced", "compact")


@dataclasses.dataclass(slots=True, frozen=True)
class LinearCrossEntropyOptions:
    """How :func:`~minigan.nn.functional.linear_cross_entropy` chunks the batch (pass one to opt in; ``None``
    is the reference path). Frozen, checked at construction, with PyTorch's fields and defaults:

    - ``allow_retain_graph``: with ``"mean"``/``"sum"``, allow a second backward through the same graph
      (``retain_graph=True``); without it that raises, as in PyTorch. ``"none"`` ignores it.
    - ``batch_chunk_size``: rows per chunk (a positive int), or None for one chunk (or the method's choice).
    - ``chunking_method``: ``"auto"`` (``"aspect_ratio:2"`` unless ``batch_chunk_size`` is given),
      ``"aspect_ratio"`` / ``"aspect_ratio:k"`` (chunk logits about the size of the input, divided by k), or
      None (use ``batch_chunk_size``). A method and a size that disagree raise at the call.
    - ``acc_policy``: ``"auto"``, ``"accurate"``, ``"balanced"`` or ``"compact"``; accepted, no effect here
      (it picks among PyTorch's kernels and scratch buffers).
    - ``acc_dtype``: None, float16, float32 or float64: the dtype the logits, log-sum-exp and weight gradient
      accumulate in (float32 for a float16 input when None)."""

    allow_retain_graph: bool = False
    batch_chunk_size: int | None = None
    chunking_method: str | None = "auto"
    acc_policy: str = "auto"
    acc_dtype: object = None

    def __post_init__(self):
        if self.acc_policy not in _ACC_POLICIES:
            raise ValueError(f"invalid acc_policy: {self.acc_policy!r}")
        method = self.chunking_method
        if method is not None and method != "auto":
            name, sep, k = method.partition(":") if isinstance(method, str) else (None, "", "")
            if not (name == "aspect_ratio" and (not sep or (k.isdigit() and int(k) > 0))):
                raise ValueError(f"invalid chunking_method: {method!r}")
        size = self.batch_chunk_size
        if not (size is None or (isinstance(size, int) and not isinstance(size, bool) and size > 0)):
            raise ValueError(f"batch_chunk_size must be positive int or None, got {size!r}")
        if self.acc_dtype is not None:
            try:
                ok = np.dtype(self.acc_dtype) in (np.float16, np.float32, np.float64)
            except TypeError:
                ok = False
            if not ok:
                raise ValueError(f"acc_dtype must be one of {{None, float16, float32, float64}}, got "
                                 f"{self.acc_dtype!r}. Pass acc_dtype=None to let the op pick automatically.")


class LinearCrossEntropyLoss(_WeightedLoss):
    """``cross_entropy(linear(input), target)`` with the linear layer inside: ``torch.nn.LinearCrossEntropyLoss``.

    Holds ``self.linear``, a :class:`Linear` of ``in_features -> C * prod(out_features)`` (PyTorch's layout: a
    flat weight ``(C * d1 ... dK, D)`` and bias ``(C * d1 ... dK,)``, reshaped to ``(C, d1, ..., dK, D)`` and
    ``(C, d1, ..., dK)`` at each call, so a state dict converts with its names), initialised as ``Linear`` is,
    ``U(-1/sqrt(D), 1/sqrt(D))``; and the class ``weight`` as a buffer.

    Shapes: input ``(D,)`` or ``(N, D)``; target class indices ``()``, ``(N,)`` or ``(N, d1, ..., dK)``, or
    probabilities ``(C,)``, ``(N, C)`` or ``(N, C, d1, ..., dK)``; output ``()``, or the target's positions with
    ``reduction="none"``. ``options`` (a :class:`LinearCrossEntropyOptions`) chooses the chunked path."""

    def __init__(self, in_features: int, num_classes: int, *, out_features: tuple = (), bias: bool = False,
                 device=None, dtype=None, reduction: str = "mean", weight=None, ignore_index: int | None = None,
                 label_smoothing: float = 0.0, options: LinearCrossEntropyOptions | None = None) -> None:
        if weight is not None and tuple(np.shape(weight.data if isinstance(weight, Tensor) else weight)) != (
                num_classes,):
            shape = tuple(np.shape(weight.data if isinstance(weight, Tensor) else weight))
            raise RuntimeError(f"LinearCrossEntropyLoss: expected weight shape to be {(num_classes,)}, got {shape}")
        if not 0.0 <= label_smoothing <= 1.0:
            raise RuntimeError(f"LinearCrossEntropyLoss: expected label_smoothing to be in range [0, 1], "
                               f"got {label_smoothing}")
        super().__init__(weight, None, None, reduction)
        self.num_classes, self.out_features = num_classes, tuple(out_features)
        self.ignore_index, self.label_smoothing, self.options = ignore_index, label_smoothing, options
        self.linear = Linear(in_features, math.prod(self.out_features, start=num_classes), bias=bias,
                             device=device, dtype=dtype)

    def forward(self, input: Tensor, target) -> Tensor:  # noqa: A002 - PyTorch's name
        shape = (self.num_classes, *self.out_features)
        w = reshape(self.linear.weight, (*shape, self.linear.in_features))
        b = None if self.linear.bias is None else reshape(self.linear.bias, shape)
        return linear_cross_entropy(input, w, target, linear_bias=b, weight=self.weight, reduction=self.reduction,
                                    ignore_index=self.ignore_index, label_smoothing=self.label_smoothing,
                                    options=self.options)

    def extra_repr(self) -> str:
        return (f"in_features={self.linear.in_features}, num_classes={self.num_classes}, "
                f"out_features={self.out_features}, bias={self.linear.bias is not None}, "
                f"reduction={self.reduction}, ignore_index={self.ignore_index}, "
                f"label_smoothing={self.label_smoothing}, options={self.options}")
