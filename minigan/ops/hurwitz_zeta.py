"""Hurwitz's zeta function ``ζ(x, q) = Σ_(k >= 0) (q + k)^-x``, as ``torch.special.zeta`` (``x`` the exponent,
``q`` the shift; Riemann's zeta is ``ζ(x, 1)``).

Forward, on float64 arrays (NumPy or CuPy):

* ``q > 0``: Euler-Maclaurin. The first 10 terms are summed; the rest, from ``w = q + 10`` on, is the integral
  ``w^(1-x) / (x - 1)``, plus half the first term left out, plus the corrections
  ``Σ_j B_2j / (2j)! x (x+1) ... (x+2j-2) w^(-x-2j+1)`` (10 of them, Bernoulli numbers ``B_2j``). The series
  converges for ``x > 1``; at ``x = 1`` it is +inf (the harmonic series) and below, nan, as in PyTorch.
* ``q < 0``: the sum still converges when the power is defined, that is for a whole ``x``; then its first
  ``m = ceil(-q)`` terms are negative, ``(q + k)^-x = (-1)^x (f + j)^-x`` with ``f = 1 - q - m`` in (0, 1], so
  ``ζ(x, q) = (-1)^x (ζ(x, f) - ζ(x, f + m)) + ζ(x, q + m)``: three evaluations at positive shifts, however
  negative q is. At ``q = 0`` and the negative integers a term is ``1/0``: +inf. A fractional x there: nan.

Backward: in ``q``, ``dζ/dq = -x ζ(x + 1, q)``, the same Function again, so it can be differentiated any number
of times. In ``x`` the derivative ``-Σ log(q + k) (q + k)^-x`` is another series; PyTorch does not provide it
and neither does minigan: asking for it raises ``NotImplementedError``, as in PyTorch."""
from __future__ import annotations

import math

from .. import backend
from ..autograd import Function, Tensor
from .arithmetic import _quietly
from .incomplete_gamma import floating_pair
from .special import _B

__all__ = ["zeta"]

_SHIFT, _CORRECTIONS = 10, 10
_EM = [float(_B[2 * j]) / math.factorial(2 * j) for j in range(1, _CORRECTIONS + 1)]


def _zeta_positive(x, q):
    """``ζ(x, q)`` for ``x > 1`` and ``q > 0`` (float64 arrays of one shape) by Euler-Maclaurin (see the module's
    docstring)."""
    xp = backend.xp_of(q)
    with _quietly():
        total = xp.zeros_like(q)
        for k in range(_SHIFT):
            total = total + (q + k) ** -x
        w = q + _SHIFT
        total = total + w ** (1 - x) / (x - 1) + 0.5 * w ** -x
        rising, w_power, inv_w2 = x, w ** (-x - 1), 1 / (w * w)      # x (x+1)...(x+2j-2), w^(-x-2j+1)
        for j, c in enumerate(_EM, start=1):
            total = total + c * rising * w_power
            rising = rising * (x + 2 * j - 1) * (x + 2 * j)
            w_power = w_power * inv_w2
    return total


def _zeta_array(x, q):
    """``ζ(x, q)`` on float64 arrays (broadcast beforehand), with PyTorch's values off the domain: +inf at
    ``x = 1`` and at the poles ``q = 0, -1, -2, ...`` (and ``q = -inf``), nan for ``x < 1``, for ``x = inf``,
    and for a negative ``q`` with a fractional ``x``."""
    xp = backend.xp_of(q)
    ok = x > 1
    xs = xp.where(ok & (x < xp.inf), x, 2.0)
    negative = q < 0
    pole = (q <= 0) & (xp.floor(q) == q)
    whole = xp.floor(xs) == xs
    with _quietly():
        m = xp.where(negative & ~pole, xp.ceil(-q), 0.0)
        f = xp.where(negative & ~pole, 1 - q - m, 1.0)
        positive = _zeta_positive(xs, xp.where(negative | pole | xp.isnan(q), 1.0, q))
        sign = xp.where(xp.fmod(xs, 2) == 0, 1.0, -1.0)
        reflected = sign * (_zeta_positive(xs, f) - _zeta_positive(xs, f + m)) + _zeta_positive(xs, q + m)
        out = xp.where(negative, xp.where(whole, reflected, xp.nan), positive)
    out = xp.where(pole, xp.inf, out)
    out = xp.where(x == 1, xp.inf, xp.where(ok & (x < xp.inf), out, xp.nan))
    return xp.where(xp.isnan(q) | xp.isnan(x), xp.nan, out)


class Zeta(Function):
    """``ζ(x, q)`` (see the module's docstring): ``(x, q) -> y``, shapes ``(*), (*) -> (*)`` (broadcast
    beforehand), computed in float64 and cast to the inputs' dtype. Backward ``g (-x ζ(x + 1, q))`` in ``q``;
    in ``x``, ``NotImplementedError`` (as PyTorch)."""

    @staticmethod
    def forward(ctx, x, q):
        ctx.save_for_backward(x, q)
        y = _zeta_array(x.astype("float64", copy=False), q.astype("float64", copy=False))
        with _quietly():
            return y.astype(q.dtype, copy=False)

    @staticmethod
    def backward(ctx, gy):
        x, q = ctx.saved_tensors
        if ctx.needs_input_grad[0]:
            raise NotImplementedError("zeta: the derivative with respect to x (the exponent) is not implemented, "
                                      "as in PyTorch; only q's is")
        return None, gy * (-x * Zeta.apply(x + 1, q)) if ctx.needs_input_grad[1] else None


def zeta(input, other) -> Tensor:
    """Hurwitz's zeta function ``ζ(x, q) = Σ_(k >= 0) (q + k)^-x`` with ``x = input``, ``q = other`` (Tensors or
    numbers, broadcast together), as ``torch.special.zeta``: ``zeta(2, 1) = π²/6``. +inf at ``x = 1`` and at
    ``q = 0, -1, ...``; nan for ``x < 1``. Integers give float32. Differentiable in ``q`` (any order); not in
    ``x`` (raises, as PyTorch)."""
    x, q = floating_pair("zeta", input, other)
    return Zeta.apply(x, q)
