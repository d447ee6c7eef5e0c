"""The base of the exponential families, as ``torch.distributions.ExponentialFamily``.

A family is exponential when its density (or mass) can be written ::

    p(x; θ) = exp(<t(x), θ> - F(θ) + k(x))

with ``θ`` the *natural parameters*, ``t(x)`` the sufficient statistic, ``F`` the *log normaliser* (it makes the
density integrate to 1: ``F(θ) = log ∫ exp(<t(x), θ> + k(x)) dx``) and ``k`` the *carrier measure*. The Normal
is one: ``t(x) = (x, x^2)``, ``θ = (loc / scale^2, -1 / (2 scale^2))``.

Why a base class: ``F`` alone knows the moments. Its gradient is the mean of the sufficient statistic,
``∇F(θ) = E[t(X)]``, so the entropy ``H = -E[log p(X)] = F(θ) - <θ, ∇F(θ)> - E[k(X)]`` follows from ``F`` by one
automatic differentiation (the Bregman-divergence route of Nielsen & Nock, "Entropies and cross-entropies of
exponential families", 2010). A family that gives ``_natural_params``, ``_log_normalizer`` and
``_mean_carrier_measure`` (``E[k(X)]``) gets :meth:`ExponentialFamily.entropy` for free; the families with a
closed form keep their own ``entropy``, and the Bregman one checks it (the tests hold the two against each other).
"""
from __future__ import annotations

from ..autograd import Tensor, enable_grad, grad, is_grad_enabled
from .distribution import Distribution

__all__ = ["ExponentialFamily"]


class ExponentialFamily(Distribution):
    """A distribution with density ``exp(<t(x), θ> - F(θ) + k(x))``. Subclasses give:

    * ``_natural_params``: the tuple ``θ`` of Tensors, each of shape ``batch_shape + (any event dims)``;
    * ``_log_normalizer(*θ)``: ``F(θ)``, shape ``batch_shape``, written with differentiable ops (it is
      differentiated once, and that gradient again if the entropy itself is differentiated);
    * ``_mean_carrier_measure``: ``E[k(X)]``, a number or a Tensor of shape ``batch_shape`` (0 for the families
      whose carrier measure is constant 0; a family without a closed form for it leaves it unimplemented)."""

    @property
    def _natural_params(self) -> tuple[Tensor, ...]:
        raise NotImplementedError(f"{type(self).__name__} does not implement _natural_params")

    def _log_normalizer(self, *natural_params: Tensor) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement _log_normalizer")

    @property
    def _mean_carrier_measure(self):
        raise NotImplementedError(f"{type(self).__name__} does not implement _mean_carrier_measure "
                                  f"(E[k(X)], needed for the entropy)")

    def entropy(self) -> Tensor:
        """``H = F(θ) - <θ, ∇F(θ)> - E[k(X)]``, shape ``batch_shape``, with ``∇F`` by :func:`minigan.grad`.

        The gradient is taken with ``create_graph=True`` at the natural parameters themselves where they carry a
        graph, so this entropy is differentiable in the distribution's parameters (to any order ``F`` allows;
        PyTorch's is taken at detached copies and is not); with no graph to keep, at detached copies, and the
        result carries no graph."""
        result = -self._mean_carrier_measure
        thetas = self._natural_params
        track = is_grad_enabled() and any(t.requires_grad for t in thetas)
        with enable_grad():
            thetas = [t if track and t.requires_grad else t.detach().requires_grad_() for t in thetas]
            F = self._log_normalizer(*thetas)
            grads = grad(F.sum(), thetas, create_graph=True)
            result = result + F
            for theta, g in zip(thetas, grads):
                result = result - (theta * g).reshape(self._batch_shape + (-1,)).sum(-1)
        return result if track else result.detach()
