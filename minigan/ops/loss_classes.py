"""The shapes of the classification losses :func:`~minigan.ops.loss.nll_loss` and
:func:`~minigan.ops.loss.cross_entropy`, in one place: which axis holds the classes, which target shape an
input takes, the index that picks each position's target class, and the per-class weight.

An input has one of three layouts, as in PyTorch::

    (C,)                  one sample (unbatched)        class indices ()               probabilities (C,)
    (N, C)                a batch of N samples          class indices (N,)             probabilities (N, C)
    (N, C, d1, ..., dK)   N maps of d1 x ... x dK       class indices (N, d1, ..., dK) probabilities (N, C, d1, ..., dK)

Each of the ``N d1 ... dK`` positions of a K-dim input is a sample of its own (a pixel of a segmentation map,
say): the losses treat ``(N, C, H, W)`` exactly as ``(N H W, C)`` with the class dim moved last, but index the
input where it lies instead of moving it, so no copy is made and the errors name the shapes the user gave. The
class indices themselves are checked and made int64 by :func:`class_indices`."""
from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd import Tensor
from ._util import lift
from .shape import reshape


def class_indices(op: str, target, input: Tensor):  # noqa: A002 - PyTorch's name
    """``target`` as an int64 array of class indices on ``input``'s device, or a TypeError saying why not."""
    if isinstance(target, Tensor):
        t = target.data
    elif backend.is_array(target):
        t = target
    else:
        raise TypeError(f"{op}: target must be a Tensor (or array) of class indices, got a "
                        f"{type(target).__name__}; make one with mg.tensor(...)")
    if t.dtype.kind not in "iu":
        raise TypeError(f"{op}: target must hold class indices (an integer dtype), got dtype {t.dtype}")
    if backend.device_of(t) != input.device:
        t = backend.to_device(t, input.device)
    return t.astype(np.int64, copy=False)


def class_axis(op: str, input: Tensor) -> int:  # noqa: A002 - PyTorch's name
    """The axis of the classes: 0 for an unbatched ``(C,)`` input, 1 otherwise."""
    if input.ndim == 0:
        raise ValueError(f"{op}: expected an input of 1 or more dimensions, (C,), (N, C) or (N, C, d1, ..., dK), "
                         f"got a 0-d tensor")
    return 0 if input.ndim == 1 else 1


def index_target_shape(input_shape: tuple) -> tuple:
    """The shape of the class indices an input of ``input_shape`` takes: the input's without the class dim."""
    return () if len(input_shape) == 1 else (input_shape[0],) + tuple(input_shape[2:])


def check_index_target(op: str, input_shape: tuple, target_shape: tuple) -> None:
    """A ValueError naming both shapes unless class indices of ``target_shape`` fit the input."""
    expected = index_target_shape(input_shape)
    if tuple(target_shape) != expected:
        raise ValueError(f"{op}: input (N, C) or (N, C, d1, ..., dK) takes class indices (N,) or (N, d1, ..., dK), "
                         f"and input (C,) takes (); got input {tuple(input_shape)} and target {tuple(target_shape)}, "
                         f"expected a target of shape {expected}")


def pick_index(t, input_shape: tuple) -> tuple:
    """The index that reads ``input[n, t[n, i, j], i, j]`` at every position of a batched input (N, C, d1, ...):
    a ``range`` along each non-class axis, shaped to broadcast against the others, and ``t`` at the class axis.
    The result has ``t``'s shape; every position reads one element, so the gradient (a scatter-add of the same
    index) adds nothing twice."""
    xp = backend.xp_of(t)
    sizes = (input_shape[0],) + tuple(input_shape[2:])
    ranges = []
    for axis, size in enumerate(sizes):
        shape = [1] * len(sizes)
        shape[axis] = size
        ranges.append(xp.arange(size).reshape(shape))
    return (ranges[0], t, *ranges[1:])


def class_weights(op: str, weight, n_classes: int, like):
    """``weight`` as a raw array of shape ``(C,)`` on ``like``'s device, or a ValueError saying why not."""
    w = weight.data if isinstance(weight, Tensor) else backend.xp_of(like).asarray(weight)
    if tuple(w.shape) != (n_classes,):
        raise ValueError(f"{op}: weight should hold one value per class, shape ({n_classes},), but got shape "
                         f"{tuple(w.shape)}")
    return w


def weight_along_classes(op: str, weight, log_p: Tensor, axis: int) -> Tensor:
    """``weight`` (C,) as a Tensor that broadcasts along the class axis of ``log_p`` (``(C, 1, ..., 1)`` for a
    K-dim input), recorded, so a weight that requires a gradient gets one."""
    class_weights(op, weight, log_p.shape[axis], log_p.data)
    w = lift(weight, log_p)
    trailing = log_p.ndim - axis - 1
    return reshape(w, (log_p.shape[axis],) + (1,) * trailing) if trailing else w


__all__ = ["class_indices", "class_axis", "index_target_shape", "check_index_target", "pick_index", "class_weights",
           "weight_along_classes"]
