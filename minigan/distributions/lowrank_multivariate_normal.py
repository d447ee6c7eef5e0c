"""The multivariate normal distribution with a low-rank-plus-diagonal covariance, ``Sigma = W W^T + diag(D)``.

``W`` (``cov_factor``, ``(*, n, r)``) holds ``r`` directions along which the ``n`` coordinates move together
(a factor-analysis model; ``r`` is usually much smaller than ``n``), ``D`` (``cov_diag``, ``(*, n)``, positive) the
noise each coordinate has on its own. Nothing ``n x n`` need ever be factorised: two identities move every
``n x n`` question onto the small ``r x r`` *capacitance matrix* ``C = I_r + W^T D^-1 W``:

* Woodbury: ``Sigma^-1 = D^-1 - D^-1 W C^-1 W^T D^-1``, so the squared Mahalanobis distance of ``x`` is
  ``x^T Sigma^-1 x = sum(x^2 / D) - |L_C^-1 W^T D^-1 x|^2`` with ``L_C`` the Cholesky factor of ``C``;
* the matrix determinant lemma: ``det Sigma = det C * prod(D)``, so
  ``log det Sigma = 2 sum log diag(L_C) + sum log D``.

Each is a composition of minigan's differentiable ops (``matmul``, :func:`minigan.linalg.cholesky`,
:func:`minigan.linalg.solve_triangular`, ``log``), so gradients of any order reach ``loc``, ``W`` and ``D``."""
from __future__ import annotations

import math

import numpy as np

from .. import creation, linalg, ops
from ..autograd import Tensor
from . import constraints
from .distribution import Distribution
from .multivariate_normal import batch_mahalanobis
from .utils import as_param, as_shape, lazy_property, standard_normal

_LOG_2PI = math.log(2 * math.pi)


def _mT(x: Tensor) -> Tensor:
    return ops.transpose(x, -1, -2)


def _eye(n: int, like: Tensor) -> Tensor:
    return creation.eye(n, device=like.device, dtype=like.dtype)


def solve_lower(L: Tensor, B: Tensor) -> Tensor:
    """``L^-1 B`` for lower-triangular ``L (*, n, n)`` and ``B (*, n, m)``, their batch dims broadcast together."""
    batch = tuple(np.broadcast_shapes(L.shape[:-2], B.shape[:-2]))
    L = L if L.shape[:-2] == batch else ops.broadcast_to(L, batch + L.shape[-2:])
    B = B if B.shape[:-2] == batch else ops.broadcast_to(B, batch + B.shape[-2:])
    return linalg.solve_triangular(L, B, upper=False)


def capacitance_tril(W: Tensor, D: Tensor) -> Tensor:
    """The Cholesky factor of the capacitance matrix ``C = I_r + W^T D^-1 W`` (``(*, r, r)``): symmetric and
    positive-definite whatever ``W`` is, since ``D > 0``."""
    Wt_Dinv = _mT(W) / ops.unsqueeze(D, -2)
    return linalg.cholesky(ops.matmul(Wt_Dinv, W) + _eye(W.shape[-1], W))


def lowrank_logdet(W: Tensor, D: Tensor, C_tril: Tensor) -> Tensor:
    """``log det(W W^T + diag(D)) = log det C + sum log D`` (the matrix determinant lemma)."""
    return 2 * ops.sum(ops.log(ops.diagonal(C_tril, 0, -2, -1)), -1) + ops.sum(ops.log(D), -1)


def lowrank_mahalanobis(W: Tensor, D: Tensor, x: Tensor, C_tril: Tensor) -> Tensor:
    """``x^T (W W^T + diag(D))^-1 x = sum(x^2 / D) - |L_C^-1 W^T D^-1 x|^2`` (the Woodbury identity), for
    ``x (*, n)``: one ``r x r`` triangular solve."""
    Wt_Dinv_x = ops.matmul(_mT(W) / ops.unsqueeze(D, -2), ops.unsqueeze(x, -1)).squeeze(-1)
    return ops.sum(x * x / D, -1) - batch_mahalanobis(C_tril, Wt_Dinv_x)


def _sum_squares(x: Tensor) -> Tensor:
    """``|x|_F^2`` over the last two dims (the trace of ``x x^T``)."""
    return ops.sum(x * x, (-2, -1))


class LowRankMultivariateNormal(Distribution):
    """A normal distribution of vectors of length ``n`` with mean ``loc`` (``(*, n)``) and covariance
    ``cov_factor @ cov_factor^T + diag(cov_diag)`` (``(*, n, r)`` and ``(*, n)``, ``cov_diag > 0``), the batch
    dims broadcast together. Batch shape: that broadcast; event shape ``(n,)``.

    * ``rsample``: ``loc + W eps_W + sqrt(D) eps_D`` with ``eps_W = mg.randn(*sample_shape, *batch_shape, r)``
      drawn first, then ``eps_D = mg.randn(*sample_shape, *batch_shape, n)``: the covariance of the sum is
      ``W W^T + diag(D)``.
    * ``log_prob(x) = -(n log(2 pi) + log det Sigma + (x - loc)^T Sigma^-1 (x - loc)) / 2``, both terms through
      the capacitance matrix (see the module's docstring).
    * ``entropy = (n (1 + log(2 pi)) + log det Sigma) / 2``; mean and mode ``loc``; ``variance`` the diagonal
      ``sum_j W_ij^2 + D_i``.
    * ``covariance_matrix``, ``precision_matrix`` (Woodbury: ``diag(1/D) - A^T A``, ``A = L_C^-1 W^T D^-1``) and
      ``scale_tril`` (``sqrt(D) cholesky(I_n + D^-1/2 W W^T D^-1/2)``) are built ``n x n`` on first use only."""

    arg_constraints = {"loc": constraints.real_vector, "cov_factor": constraints.independent(constraints.real, 2),
                       "cov_diag": constraints.independent(constraints.positive, 1)}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc, cov_factor, cov_diag, validate_args: bool | None = None) -> None:
        name = type(self).__name__
        loc = as_param(name, "loc", loc)
        if loc.ndim < 1:
            raise ValueError("loc must be at least one-dimensional.")
        cov_factor, cov_diag = (as_param(name, k, v, loc) for k, v in (("cov_factor", cov_factor),
                                                                       ("cov_diag", cov_diag)))
        n = loc.shape[-1]
        if cov_factor.ndim < 2:
            raise ValueError("cov_factor must be at least two-dimensional, with optional leading batch dimensions")
        if cov_factor.shape[-2] != n:
            raise ValueError(f"cov_factor must be a batch of matrices with shape {n} x m, got shape "
                             f"{tuple(cov_factor.shape)}")
        if cov_diag.ndim < 1 or cov_diag.shape[-1] != n:
            raise ValueError(f"cov_diag must be a batch of vectors with shape ({n},), got shape "
                             f"{tuple(cov_diag.shape)}")
        cov_factor, cov_diag = (t if t.dtype == loc.dtype else ops.astype(t, loc.dtype) for t in (cov_factor, cov_diag))
        try:
            batch = tuple(np.broadcast_shapes(loc.shape[:-1], cov_factor.shape[:-2], cov_diag.shape[:-1]))
        except ValueError:
            raise ValueError(f"Incompatible batch shapes: loc {tuple(loc.shape)}, cov_factor "
                             f"{tuple(cov_factor.shape)}, cov_diag {tuple(cov_diag.shape)}") from None
        r = cov_factor.shape[-1]
        self.loc = loc if loc.shape[:-1] == batch else ops.broadcast_to(loc, batch + (n,))
        self.cov_factor = cov_factor if cov_factor.shape[:-2] == batch else ops.broadcast_to(cov_factor,
                                                                                             batch + (n, r))
        self.cov_diag = cov_diag if cov_diag.shape[:-1] == batch else ops.broadcast_to(cov_diag, batch + (n,))
        self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag = cov_factor, cov_diag
        super().__init__(batch, (n,), validate_args=validate_args)
        self._capacitance_tril = capacitance_tril(cov_factor, cov_diag)

    def expand(self, batch_shape, _instance=None) -> "LowRankMultivariateNormal":
        batch_shape = as_shape(batch_shape, "batch_shape")
        new = type(self).__new__(type(self)) if _instance is None else _instance
        new.__dict__.update({k: v for k, v in self.__dict__.items()
                             if not isinstance(getattr(type(self), k, None), lazy_property)})
        n, r = self._event_shape[0], self.cov_factor.shape[-1]
        new.loc = self.loc.expand(*batch_shape, n)
        new.cov_diag = self.cov_diag.expand(*batch_shape, n)
        new.cov_factor = self.cov_factor.expand(*batch_shape, n, r)
        new._batch_shape = batch_shape
        return new

    def _full(self, x: Tensor, event_dims: int) -> Tensor:
        shape = self._batch_shape + self._event_shape * event_dims
        return x if tuple(x.shape) == shape else ops.broadcast_to(x, shape)

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @lazy_property
    def variance(self) -> Tensor:
        W = self._unbroadcasted_cov_factor
        return self._full(ops.sum(W * W, -1) + self._unbroadcasted_cov_diag, 1)

    @lazy_property
    def scale_tril(self) -> Tensor:
        W, D = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag
        sqrt_D = ops.unsqueeze(ops.sqrt(D), -1)
        scaled = W / sqrt_D
        K = ops.matmul(scaled, _mT(scaled)) + _eye(self._event_shape[0], W)
        return self._full(sqrt_D * linalg.cholesky(K), 2)

    @lazy_property
    def covariance_matrix(self) -> Tensor:
        W, D = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag
        return self._full(ops.matmul(W, _mT(W)) + ops.diag_embed(D), 2)

    @lazy_property
    def precision_matrix(self) -> Tensor:
        W, D = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag
        A = solve_lower(self._capacitance_tril, _mT(W) / ops.unsqueeze(D, -2))
        return self._full(ops.diag_embed(ops.reciprocal(D)) - ops.matmul(_mT(A), A), 2)

    def _log_det(self) -> Tensor:
        return lowrank_logdet(self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag, self._capacitance_tril)

    def _inverse_quadratic(self, X: Tensor) -> Tensor:
        """``tr(X^T Sigma^-1 X)`` for ``X (*, n, m)`` (the sum of the Mahalanobis terms of its columns), by
        Woodbury: ``sum(X^2 / D) - |L_C^-1 W^T D^-1 X|_F^2``."""
        W, D = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag
        A = solve_lower(self._capacitance_tril, _mT(W) / ops.unsqueeze(D, -2))
        return ops.sum(X * X / ops.unsqueeze(D, -1), (-2, -1)) - _sum_squares(ops.matmul(A, X))

    def _inverse_trace_diag(self, d: Tensor) -> Tensor:
        """``tr(diag(d) Sigma^-1)`` for ``d (*, n)`` >= 0: :meth:`_inverse_quadratic` of ``diag(sqrt d)``, written
        without the ``n x n`` matrix: ``sum(d / D) - |L_C^-1 W^T D^-1 diag(sqrt d)|_F^2``."""
        W, D = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag
        A = solve_lower(self._capacitance_tril, _mT(W) / ops.unsqueeze(D, -2))
        return ops.sum(d / D, -1) - _sum_squares(A * ops.unsqueeze(ops.sqrt(d), -2))

    def rsample(self, sample_shape=()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        eps_W = standard_normal(shape[:-1] + (self.cov_factor.shape[-1],), self.loc)
        eps_D = standard_normal(shape, self.loc)
        W_eps = ops.matmul(self._unbroadcasted_cov_factor, ops.unsqueeze(eps_W, -1)).squeeze(-1)
        return self.loc + W_eps + ops.sqrt(self._unbroadcasted_cov_diag) * eps_D

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        m = lowrank_mahalanobis(self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag, value - self.loc,
                                self._capacitance_tril)
        return -0.5 * (self._event_shape[0] * _LOG_2PI + self._log_det() + m)

    def entropy(self) -> Tensor:
        h = 0.5 * (self._event_shape[0] * (1.0 + _LOG_2PI) + self._log_det())
        return h if tuple(h.shape) == self._batch_shape else ops.broadcast_to(h, self._batch_shape)
