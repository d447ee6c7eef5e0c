"""The LKJ distribution (Lewandowski, Kurowicka & Joe, 2009) over the Cholesky factors of correlation matrices:
the usual prior for the correlations of a multivariate model (a covariance is ``diag(s) L L^T diag(s)``).

A correlation matrix ``C = L L^T`` has ones on its diagonal, so every row of ``L`` has unit length; ``L`` is
lower-triangular with a positive diagonal (:data:`~.constraints.corr_cholesky`). The LKJ law makes the density of
``C`` proportional to ``det(C)^(η - 1)``: ``η = 1`` is uniform over correlation matrices, ``η > 1`` favours
matrices near the identity (weak correlations), ``η < 1`` strong correlations."""
from __future__ import annotations

import math
import numbers

import numpy as np

from .. import creation, ops
from ..autograd import Tensor, no_grad
from . import constraints
from .beta import Beta
from .distribution import Distribution
from .utils import broadcast_all, standard_normal

__all__ = ["LKJCholesky"]


class LKJCholesky(Distribution):
    """The law of ``L``, ``D x D`` (``D = dim >= 2``), whose correlation matrix ``C = L L^T`` has density
    proportional to ``det(C)^(η - 1)``; ``concentration`` ``η > 0`` (a number or a Tensor: the batch shape).
    Event shape ``(D, D)``.

    * ``log_prob(L)``: ``det C = prod_i L_ii^2`` and the map ``L -> C`` has Jacobian ``prod_i L_ii^(D - i - 1)``
      (rows ``i = 0 .. D-1``), so ``log p(L) = sum_(i >= 1) (2 (η - 1) + D - i - 1) log L_ii - log c``, with
      the normaliser ``log c = (D - 1)/2 log π + mvlgamma(α - 1/2, D - 1) - (D - 1) lgamma(α)``,
      ``α = η + (D - 1)/2``. Differentiable in ``η`` and in ``L``.
    * ``sample`` (the onion method, written for the Cholesky factor): row 0 is ``e_0``; row ``i >= 1`` is
      ``(sqrt(y_i) u_i, sqrt(1 - y_i))`` padded with zeros, where ``u_i`` is a uniform direction in ``R^i``
      (a normalised Gaussian vector) and ``y_i ~ Beta(i / 2, η + (D - 1 - i) / 2)`` is the squared length of the
      row's off-diagonal part. No ``rsample`` (a beta draw here is not reparameterised), as in PyTorch."""

    arg_constraints = {"concentration": constraints.positive}
    support = constraints.corr_cholesky

    def __init__(self, dim: int, concentration=1.0, validate_args: bool | None = None) -> None:
        if isinstance(dim, bool) or not isinstance(dim, numbers.Integral):
            raise TypeError(f"LKJCholesky: dim must be an int, got {type(dim).__name__}")
        if dim < 2:
            raise ValueError(f"Expected dim to be an integer greater than or equal to 2. Found dim={dim}.")
        self.dim = int(dim)
        (self.concentration,) = broadcast_all(type(self).__name__, concentration=concentration)
        super().__init__(self.concentration.shape, (self.dim, self.dim), validate_args=validate_args)

    def _row_lengths_law(self) -> Beta:
        """The ``Beta(i / 2, η + (D - 1 - i) / 2)`` laws of ``y_i`` for rows ``i = 1 .. D-1``: batch
        ``batch_shape + (D - 1,)``."""
        eta = self.concentration
        i = creation.arange(1, self.dim, device=eta.device, dtype=eta.dtype)
        a = ops.broadcast_to(i / 2, self._batch_shape + (self.dim - 1,))
        return Beta(a, ops.unsqueeze(eta, -1) + (self.dim - 1 - i) / 2, validate_args=False)

    def sample(self, sample_shape=()) -> Tensor:
        with no_grad():
            eta = self.concentration
            y = ops.pad(self._row_lengths_law().sample(sample_shape), (1, 0))     # row 0: no off-diagonal part
            z = ops.tril(standard_normal(self._extended_shape(sample_shape), eta), -1)
            norm = ops.sqrt(ops.sum(z * z, -1, keepdim=True))
            u = z / ops.where((norm.data > 0), norm, 1.0)                          # row 0 stays 0
            w = ops.sqrt(ops.unsqueeze(y, -1)) * u
            tiny = float(np.finfo(eta.dtype).tiny)
            diag = ops.sqrt(ops.clamp(1 - ops.sum(w * w, -1), min=tiny))
            return w + ops.diag_embed(diag)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        d, eta = self.dim, self.concentration
        i = creation.arange(1, d, device=eta.device, dtype=eta.dtype)
        order = 2 * (ops.unsqueeze(eta, -1) - 1) + (d - 1 - i)
        log_diag = ops.log(ops.diagonal(value, 0, -2, -1)[..., 1:])
        alpha = eta + 0.5 * (d - 1)
        log_c = 0.5 * (d - 1) * math.log(math.pi) + ops.mvlgamma(alpha - 0.5, d - 1) - (d - 1) * ops.lgamma(alpha)
        return ops.sum(order * log_diag, -1) - log_c
