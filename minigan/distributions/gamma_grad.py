"""Implicit reparameterisation of the gamma distribution: a standard gamma draw ``x ~ Gamma(a, 1)`` as a
differentiable function of its concentration ``a``.

A gamma draw is not ``a`` plus scaled noise: the samplers (Marsaglia-Tsang, with rejection) are not smooth in
``a``. Hold instead the draw's quantile ``u = F(x; a)`` fixed, ``F`` the regularised lower incomplete gamma
function ``P(a, x)`` (the cdf); differentiating ``F(x(a); a) = u`` gives (Figurnov et al. 2018)::

    dx/da = -(dF/da) / (dF/dx),      dF/dx = x^(a-1) e^-x / Γ(a)   (the density)

Both derivatives share the factor ``e^L = x^a e^-x / Γ(a)``, so their ratio is computed with no exponential
at all, from one of two classic forms of ``P`` (Numerical Recipes, ch. 6.2), carried with their derivative in
``a`` (forward mode: each quantity travels with its ``d/da``):

* ``x < a + 1``: the series ``P = e^L S``, ``S = Σ_n t_n``, ``t_0 = 1/a``, ``t_n = t_(n-1) x / (a + n)``; then
  ``dP/da = e^L ((log x - ψ(a)) S + S')`` and ``dx/da = -x ((log x - ψ(a)) S + S')``, with
  ``t_n' = -t_n Σ_(k<=n) 1/(a + k)``. Every term is positive: no cancellation in ``S``.
* ``x >= a + 1``: the continued fraction ``Q = 1 - P = e^L C``, ``C = 1/(b_0 - a_1/(b_1 - a_2/(b_2 - ...)))``
  with ``b_k = x + 2k + 1 - a``, ``a_k = k (k - a)``, evaluated from the bottom up at a fixed depth; then
  ``dx/da = x ((log x - ψ(a)) C + C')``.

Both need about ``sqrt(a)`` terms where ``x`` is near ``a`` (the bulk of the distribution): the series runs
until its terms stop counting (at most ``_MAX_TERMS``) and the fraction's depth grows with ``sqrt(a)``. Against
a 50-digit reference (mpmath) the gradient is accurate to about 1e-12 relative for ``a`` from 1e-3 to 1e5 and
``x`` anywhere its cdf is between 1e-300 and 1 - 1e-16; past ``a = 1e6`` the number of terms is capped and
the accuracy is not claimed (the tests stop at 1e5).
"""
from __future__ import annotations

import math

from .. import backend
from ..autograd import Function, Tensor
from ..ops.arithmetic import _quietly
from ..ops.special import _digamma_array, _lgamma_array

__all__ = ["regularized_gamma_p", "standard_gamma_grad", "standard_gamma_rsample"]

_MAX_TERMS = 20_000
_TOL = 1e-17


def _series(a, x):
    """``(S, S')`` of the series form (see the module's docstring), for ``x < a + 1``."""
    xp = backend.xp_of(a)
    t = 1 / a
    harmonic = 1 / a                  # Σ_(k<=n) 1/(a + k)
    s, ds = t.copy(), -t * harmonic
    for n in range(1, _MAX_TERMS):
        t = t * x / (a + n)
        harmonic = harmonic + 1 / (a + n)
        s = s + t
        ds = ds - t * harmonic
        if bool(xp.all(t * (1 + harmonic) <= _TOL * (s + xp.abs(ds)))):
            break
    return s, ds


def _continued_fraction(a, x):
    """``(C, C')`` of the continued-fraction form (see the module's docstring), for ``x >= a + 1``."""
    xp = backend.xp_of(a)
    depth = 100 + int(6 * math.sqrt(float(xp.max(a)))) if a.size else 1
    depth = min(depth, _MAX_TERMS)
    t, dt = x + 2 * depth + 1 - a, -xp.ones_like(a)             # T_depth = b_depth
    for k in range(depth - 1, -1, -1):
        ak, dak = (k + 1) * (k + 1 - a), -(k + 1.0)             # a_(k+1) and its d/da
        # T_k = b_k - a_(k+1) / T_(k+1)
        t, dt = x + 2 * k + 1 - a - ak / t, -1 - dak / t + ak * dt / (t * t)
    return 1 / t, -dt / (t * t)


def _split(a, x):
    """``a``, ``x`` broadcast together (float64), and the mask of where the series form is used."""
    xp = backend.xp_of(a)
    a, x = xp.broadcast_arrays(xp.asarray(a, dtype=xp.float64), xp.asarray(x, dtype=xp.float64))
    return a, x, x < a + 1


def standard_gamma_grad(a, x):
    """``dx/da`` of a standard gamma draw ``x`` of concentration ``a``, holding its cdf fixed (arrays of one
    device, broadcast together; float64 out). At ``x = 0`` (an underflowed draw) it is 0."""
    xp = backend.xp_of(a)
    a, x, low = _split(a, x)
    out = xp.zeros(a.shape)
    with _quietly():
        log_x = xp.log(x)
        shift = log_x - _digamma_array(a)
        if bool(low.any()):
            s, ds = _series(a[low], x[low])
            out[low] = -x[low] * (shift[low] * s + ds)
        if bool((~low).any()):
            c, dc = _continued_fraction(a[~low], x[~low])
            out[~low] = x[~low] * (shift[~low] * c + dc)
    return xp.where(x > 0, out, 0.0)


def regularized_gamma_p(a, x):
    """``P(a, x) = γ(a, x) / Γ(a)``, the cdf of a standard gamma of concentration ``a`` at ``x >= 0`` (arrays of
    one device; float64 out), from the same two forms: ``e^L S`` for ``x < a + 1``, ``1 - e^L C`` above."""
    xp = backend.xp_of(a)
    a, x, low = _split(a, x)
    out = xp.zeros(a.shape)
    with _quietly():
        log_prefactor = a * xp.log(x) - x - _lgamma_array(a)
        if bool(low.any()):
            out[low] = xp.exp(log_prefactor[low]) * _series(a[low], x[low])[0]
        if bool((~low).any()):
            out[~low] = 1 - xp.exp(log_prefactor[~low]) * _continued_fraction(a[~low], x[~low])[0]
    return xp.where(x > 0, out, 0.0)


class StandardGamma(Function):
    """A standard gamma draw as a function of its concentration: ``(a, x drawn) -> x``, shapes ``(*) -> (*)``.

    The draw ``x`` is made outside (from minigan's generator) and passed in as an array; the forward returns
    it. Backward: ``g dx/da`` with the implicit gradient of :func:`standard_gamma_grad`. That gradient is an
    array function of ``(a, x)`` with no graph of its own, so a second derivative through it raises
    (as PyTorch's ``_standard_gamma_grad`` does): see :class:`StandardGammaGrad`."""

    @staticmethod
    def forward(ctx, a, x):
        ctx.save_for_backward(a)
        ctx.x = x
        return x.copy()

    @staticmethod
    def backward(ctx, gy):
        (a,) = ctx.saved_tensors
        return gy * StandardGammaGrad.apply(a, ctx.x), None


class StandardGammaGrad(Function):
    """``dx/da`` of a standard gamma draw (see :func:`standard_gamma_grad`), cast to ``a``'s dtype. It is not
    differentiable: its backward raises ``NotImplementedError``."""

    @staticmethod
    def forward(ctx, a, x):
        return standard_gamma_grad(a, x).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, gy):
        raise NotImplementedError("the derivative of the standard gamma sample's gradient (a second derivative "
                                  "of a gamma rsample in its concentration) is not implemented")


def standard_gamma_rsample(concentration: Tensor, shape) -> Tensor:
    """A ``Gamma(concentration, 1)`` draw of ``shape`` (``concentration`` broadcast to it), from minigan's
    generator of its device, differentiable in ``concentration`` by :class:`StandardGamma`. A draw that
    underflows is raised to the dtype's smallest normal number, as in PyTorch, so that logs of it stay finite."""
    shape = tuple(shape)
    a = concentration.expand(*shape) if concentration.shape != shape else concentration
    xp = backend.xp_of(a.data)
    drawn = backend.rng(a.device).standard_gamma(a.data.astype(xp.float64), size=shape)
    tiny = float(xp.finfo(a.dtype).tiny)
    x = xp.maximum(drawn.astype(a.dtype), tiny)
    return StandardGamma.apply(a, x)
