"""Piecewise activations, made of straight (or, for hardswish, parabolic) pieces joined at kinks: hardtanh,
relu6, hardsigmoid, hardswish, threshold, prelu, and the shrinks, hardshrink and softshrink.

A kink has no derivative, so each op takes PyTorch's value there, and the tests check it at the exact points:

==================  =====================================  ================================================
op                  forward                                derivative at the kinks
==================  =====================================  ================================================
hardtanh(lo, hi)    clip(x, lo, hi)                        0 at lo and at hi (1 only strictly inside)
relu6               hardtanh(x, 0, 6)                      0 at 0 and at 6
hardsigmoid         clip(x + 3, 0, 6) / 6                  0 at -3 and at 3 (1/6 only strictly inside)
hardswish           x clip(x + 3, 0, 6) / 6                0 at -3 (left side), 1 at 3 (right side)
threshold(t, v)     x where x > t, else v                  0 at t
prelu(w)            x where x > 0, else w x                w at 0 (left side); its weight's gradient is 0
hardshrink(l)       x where |x| > l, else 0                0 at -l and at l (1 only strictly outside)
softshrink(l)       x - l above l, x + l below -l, else 0  0 at -l and at l (1 only strictly outside)
==================  =====================================  ================================================

hardtanh's derivative at a bound is 0, where :func:`~minigan.ops.clip`'s is 1 (a clip passes the gradient to x
when x equals a bound): the two ops agree everywhere else. The 0/1 masks that pick the pieces are constants, so
every backward here is again made of minigan ops, and differentiating it once more gives the second derivative
(0 for the straight pieces, 1/3 on hardswish's parabola).

``inplace=`` is accepted and the result computed out of place, as in :mod:`minigan.ops.activation`."""
from __future__ import annotations

from .. import backend
from ..autograd import Function, Tensor
from ._util import lift
from .activation import _expect_floating
from .arithmetic import gated, where


def _mask(x, cond) -> Tensor:
    return Tensor(cond.astype(x.dtype))


class Hardtanh(Function):
    """``clip(x, lo, hi)``. Backward: ``gy`` strictly inside ``(lo, hi)``, 0 elsewhere, bounds included."""

    @staticmethod
    def forward(ctx, x, lo, hi):
        xp = backend.xp_of(x)
        ctx.inside = (x > lo) & (x < hi)           # a bool mask: an eighth of x's memory in float64
        return xp.minimum(xp.maximum(x, xp.asarray(lo, dtype=x.dtype)), xp.asarray(hi, dtype=x.dtype))

    @staticmethod
    def backward(ctx, gy):
        return gated(gy, _mask(gy.data, ctx.inside))


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """``x`` clipped to ``[min_val, max_val]`` (``F.hardtanh`` in PyTorch); an integer tensor stays integer."""
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val cannot be greater than max_val, got min_val={min_val}, "
                         f"max_val={max_val}")
    return Hardtanh.apply(input, min_val, max_val)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``min(max(x, 0), 6)``: ``hardtanh(x, 0, 6)``, with its derivative 0 at both 0 and 6, as in PyTorch
    (``F.relu6``). MobileNetV2 uses it: the bound suits low-precision arithmetic."""
    return Hardtanh.apply(input, 0, 6)


class Hardsigmoid(Function):
    """``clip(x + 3, 0, 6) / 6``: a straight line from (-3, 0) to (3, 1), a cheap stand-in for sigmoid.
    Backward: ``gy / 6`` strictly inside ``(-3, 3)``, 0 elsewhere."""

    @staticmethod
    def forward(ctx, x):
        xp = backend.xp_of(x)
        f = x.dtype.type
        ctx.inside = (x > -3) & (x < 3)
        return xp.minimum(xp.maximum(x + f(3), f(0)), f(6)) / f(6)

    @staticmethod
    def backward(ctx, gy):
        slope = ctx.inside.astype(gy.dtype)
        slope /= 6
        return gated(gy, Tensor(slope))


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """0 below -3, 1 above 3, ``x/6 + 1/2`` between (``F.hardsigmoid`` in PyTorch)."""
    _expect_floating("hardsigmoid", input)
    return Hardsigmoid.apply(input)


class Hardswish(Function):
    """``x hardsigmoid(x) = x clip(x + 3, 0, 6) / 6``: 0 below -3, ``x`` above 3, the parabola
    ``x (x + 3) / 6`` between (MobileNetV3's stand-in for silu).
    Backward: 0 for ``x <= -3``, ``gy (x/3 + 1/2)`` for ``-3 < x < 3``, ``gy`` for ``x >= 3``: the parabola's
    slope is 1/2 - 1 = -1/2 at -3 and 3/2 at 3, and PyTorch takes the outer piece's slope (0, 1) at both."""

    @staticmethod
    def forward(ctx, x):
        xp = backend.xp_of(x)
        f = x.dtype.type
        ctx.save_for_backward(x)
        return x * xp.minimum(xp.maximum(x + f(3), f(0)), f(6)) / f(6)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        parabola = (x.data > -3) & (x.data < 3)
        return gated(gy, where(parabola, x / 3 + 0.5, _mask(x.data, x.data >= 3)))


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``x relu6(x + 3) / 6`` (``F.hardswish`` in PyTorch)."""
    _expect_floating("hardswish", input)
    return Hardswish.apply(input)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:  # noqa: A002
    """``x`` where ``x > threshold``, else ``value`` (``F.threshold`` in PyTorch; ``relu`` is ``threshold(x, 0,
    0)``). Written as a select: the gradient reaches x only where x was kept, so it is 0 at the threshold
    itself. The test is PyTorch's ``x <= threshold`` read the other way round, so a NaN stays NaN; ``value``
    takes x's dtype, so an integer tensor stays integer (its value truncated), as in PyTorch."""
    fill = Tensor(backend.xp_of(input.data).asarray(value, dtype=input.data.dtype))
    return where(input.data <= threshold, fill, input)


def prelu(x: Tensor, weight: Tensor) -> Tensor:
    """Parametric ReLU: ``x`` where ``x > 0``, else ``weight x`` (He et al., 2015; ``F.prelu`` in PyTorch).

    ``weight`` holds one learnable slope, shared by every element, or one per channel: shape ``(C,)`` with
    ``C = x.shape[1]``, broadcast along dim 1 of ``(N, C, *)`` as a batch norm's weight is. A select of
    minigan ops, so the weight's gradient is ``sum(gy x)`` over the elements (of its channel) where
    ``x <= 0``, and the gradient at ``x = 0`` is the left side's ``weight``, as in PyTorch."""
    _expect_floating("prelu", x)
    weight = lift(weight, x)
    if weight.ndim > 1:
        raise ValueError(f"prelu: expected weight to be a scalar or a 1-D tensor, got shape {weight.shape}")
    n = weight.numel()
    if n == 1:
        w = weight.reshape(())
    else:
        if x.ndim == 0:
            raise ValueError(f"prelu: a 0-d input takes a single slope, got a weight of {n}")
        channels = x.shape[1] if x.ndim >= 2 else 1
        if channels != n:
            raise ValueError(f"prelu: weight has {n} slopes but the input has {channels} channels on dim 1 "
                             f"(input shape {x.shape}); give one slope, or one per channel")
        w = weight.reshape((n,) + (1,) * (x.ndim - 2))
    return where(x.data > 0, x, w * x)


def _inside(x, lambd: float):
    """Where ``-lambd <= x <= lambd``: PyTorch's test for the flat piece of a shrink, under which NaN is outside
    (and so stays NaN)."""
    return (x >= -lambd) & (x <= lambd)


def hardshrink(x: Tensor, lambd: float = 0.5) -> Tensor:
    """``x`` where ``|x| > lambd``, else 0 (``F.hardshrink`` in PyTorch): small values are set to zero, the others
    kept as they are, so the function jumps at ``±lambd``. A select: the gradient is ``gy`` strictly outside
    ``[-lambd, lambd]`` and 0 on it, ends included, as in PyTorch."""
    _expect_floating("hardshrink", x)
    return where(_inside(x.data, lambd), 0.0, x)


def softshrink(x: Tensor, lambd: float = 0.5) -> Tensor:
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, else 0 (``F.softshrink`` in PyTorch): every
    value moved towards 0 by ``lambd``, and stopped there, which is the proximal step of the L1 penalty
    ``lambd |x|``. Continuous, with kinks at ``±lambd``, where the gradient is 0 as in PyTorch (``gy``
    strictly outside). The shift ``±lambd`` is a constant, so the backward is again a select."""
    _expect_floating("softshrink", x)
    if lambd < 0:
        raise ValueError(f"softshrink: lambd must be at least 0, got {lambd}")
    xd = x.data
    xp = backend.xp_of(xd)
    shift = Tensor(xp.where(xd > 0, xp.asarray(lambd, dtype=xd.dtype), xp.asarray(-lambd, dtype=xd.dtype)))
    return where(_inside(xd, lambd), 0.0, x - shift)
