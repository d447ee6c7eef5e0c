"""Implicit reparameterisation of the gamma distribution: a standard gamma draw ``x ~ Gamma(a, 1)`` as a
differentiable function of its concentration ``a``.

A gamma draw is not ``a`` plus scaled noise: the samplers (Marsaglia-Tsang, with rejection) are not smooth in
``a``. Hold instead the draw's quantile ``u = F(x; a)`` fixed, ``F`` the regularised lower incomplete gamma
function ``P(a, x)`` (the cdf); differentiating ``F(x(a); a) = u`` gives (Figurnov et al. 2018)::

    dx/da = -(dF/da) / (dF/dx),      dF/dx = x^(a-1) e^-x / Γ(a)   (the density)

The array code of that gradient (:func:`standard_gamma_grad`) and of ``P`` itself (:func:`regularized_gamma_p`)
lives with the incomplete gamma functions in :mod:`minigan.ops.incomplete_gamma`, which explains how the ratio is
computed with no exponential at all; this module makes a draw differentiable with it.
"""
from __future__ import annotations

from .. import backend
from ..autograd import Function, Tensor
from ..ops.incomplete_gamma import StandardGammaGrad, regularized_gamma_p, standard_gamma_grad

__all__ = ["regularized_gamma_p", "standard_gamma_grad", "standard_gamma_rsample"]

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
