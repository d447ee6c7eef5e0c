"""The Wishart distribution ``W_p(df, Sigma)`` on symmetric positive-definite ``p x p`` matrices: the law of
``X = sum_k z_k z_k^T`` for ``df`` independent ``z_k ~ N(0, Sigma)`` when ``df`` is whole (the scatter matrix of
``df`` centred Gaussian vectors), extended to any real ``df > p - 1``. It is the conjugate prior of a Gaussian's
precision matrix.

Like :class:`~minigan.distributions.MultivariateNormal`, it is held through the Cholesky factor ``L`` of
``Sigma`` (``Sigma = L L^T``), whichever of ``covariance_matrix``, ``precision_matrix`` or ``scale_tril`` was
given. Every formula is a composition of minigan's differentiable ops (``solve_triangular``, ``slogdet``,
``mvlgamma``, ``digamma``, ...), so ``log_prob``, ``entropy`` and ``rsample`` are differentiable in ``df`` and
in the matrix."""
from __future__ import annotations

import math
import warnings

import numpy as np

from .. import backend, creation, linalg, ops
from ..autograd import Tensor, no_grad
from . import constraints
from .exp_family import ExponentialFamily
from .gamma import Chi2
from .multivariate_normal import _mT, scale_tril_from
from .utils import as_param, lazy_property, standard_normal

__all__ = ["Wishart"]

_LOG_2 = math.log(2.0)


def _mvdigamma(x: Tensor, p: int) -> Tensor:
    """The multivariate digamma ``psi_p(x) = sum_(i < p) digamma(x - i/2)``, the derivative of ``mvlgamma``."""
    halves = Tensor(backend.xp_of(x.data).arange(p, dtype=x.dtype) / 2)
    return ops.sum(ops.digamma(ops.unsqueeze(x, -1) - halves), -1)


def _trace(m: Tensor) -> Tensor:
    return ops.sum(ops.diagonal(m, 0, -2, -1), -1)


class Wishart(ExponentialFamily):
    """Density of ``X`` (``p x p``, symmetric positive-definite), with ``n = df`` and ``Sigma = L L^T``::

        p(X) = det(X)^((n - p - 1)/2) exp(-tr(Sigma^-1 X) / 2) / (2^(n p / 2) det(Sigma)^(n/2) Gamma_p(n/2))

    ``df`` (a number or a Tensor, every entry ``> p - 1``) and exactly one of ``covariance_matrix`` ``Sigma``,
    ``precision_matrix`` ``Sigma^-1`` (symmetric positive-definite) or ``scale_tril`` ``L`` (lower-triangular,
    positive diagonal), ``(*, p, p)``. The batch shape is the broadcast of ``df``'s shape and the matrix's leading
    dims; the event shape is ``(p, p)``. ``df`` below ``p`` is allowed with a warning (singular draws are likely).

    * ``log_prob(X) = -n (p log 2 / 2 + sum log diag L) - mvlgamma(n/2, p) + (n - p - 1)/2 log det X
      - tr(Sigma^-1 X) / 2``, with ``tr(Sigma^-1 X) = tr(L^-1 X L^-T)`` from two triangular solves.
    * ``entropy = (p + 1) (p log 2 / 2 + sum log diag L) + mvlgamma(n/2, p) - (n - p - 1)/2 psi_p(n/2) + n p / 2``
      (``psi_p`` the multivariate digamma).
    * mean ``n Sigma``; mode ``(n - p - 1) Sigma`` (``nan`` where ``n <= p + 1``); variance of entry ``ij``:
      ``n (Sigma_ij^2 + Sigma_ii Sigma_jj)``.
    * ``rsample`` (Bartlett decomposition): ``X = (L A)(L A)^T`` with ``A`` lower-triangular, ``A_ii =
      sqrt(c_i)`` for ``c_i ~ Chi2(n - i)`` (``i = 0 .. p-1``, reparameterised, clamped above ``eps``) and
      ``A_ij ~ N(0, 1)`` below the diagonal. A draw that is not positive-definite in floating point (likely for
      ``df`` near ``p - 1``) is drawn again, at most ``max_try_correction`` times (default 10), with a warning;
      one still singular after that is returned as it is (its ``log_prob`` is ``-inf``).
    * An exponential family: ``θ = (-Sigma^-1 / 2, (n - p - 1) / 2)``,
      ``F(θ) = (θ_2 + (p + 1)/2) (p log 2 - log det(-2 θ_1)) + mvlgamma(θ_2 + (p + 1)/2, p)``."""

    support = constraints.positive_definite
    has_rsample = True
    _mean_carrier_measure = 0

    @property
    def arg_constraints(self) -> dict:
        return {"covariance_matrix": constraints.positive_definite,
                "precision_matrix": constraints.positive_definite, "scale_tril": constraints.lower_cholesky,
                "df": constraints.greater_than(self._event_shape[-1] - 1)}

    def __init__(self, df, covariance_matrix=None, precision_matrix=None, scale_tril=None,
                 validate_args: bool | None = None) -> None:
        name = type(self).__name__
        given = {k: v for k, v in (("covariance_matrix", covariance_matrix), ("precision_matrix", precision_matrix),
                                   ("scale_tril", scale_tril)) if v is not None}
        if len(given) != 1:      # an AssertionError, as PyTorch's
            raise AssertionError("Exactly one of covariance_matrix or precision_matrix or scale_tril may be "
                                 "specified.")
        (kind, matrix), = given.items()
        matrix = as_param(name, kind, matrix)
        if matrix.ndim < 2:
            raise ValueError("scale_tril must be at least two-dimensional, with optional leading batch dimensions")
        p = matrix.shape[-1]
        if matrix.shape[-2] != p:
            raise ValueError(f"{name}: {kind} must be a batch of square matrices, got shape {tuple(matrix.shape)}")
        df_t = as_param(name, "df", df, matrix)
        df_t = df_t if df_t.dtype == matrix.dtype else ops.astype(df_t, matrix.dtype)
        batch = tuple(np.broadcast_shapes(matrix.shape[:-2], df_t.shape))
        if bool((df_t.data <= p - 1).any()):
            raise ValueError(f"Value of df={df} expected to be greater than ndim - 1 = {p - 1}.")
        if bool((df_t.data < p).any()):
            warnings.warn("Low df values detected. Singular samples are highly likely to occur for "
                          "ndim - 1 < df < ndim.", stacklevel=2)
        self.df = df_t if df_t.shape == batch else ops.broadcast_to(df_t, batch)
        setattr(self, kind, matrix if matrix.shape[:-2] == batch else ops.broadcast_to(matrix, batch + (p, p)))
        super().__init__(batch, (p, p), validate_args=validate_args)
        self._unbroadcasted_scale_tril = scale_tril_from(kind, matrix)

    # ------------------------------------------------------------------ the three matrices
    @lazy_property
    def scale_tril(self) -> Tensor:
        return ops.broadcast_to(self._unbroadcasted_scale_tril, self._batch_shape + self._event_shape)

    @lazy_property
    def covariance_matrix(self) -> Tensor:
        L = self._unbroadcasted_scale_tril
        return ops.broadcast_to(ops.matmul(L, _mT(L)), self._batch_shape + self._event_shape)

    @lazy_property
    def precision_matrix(self) -> Tensor:
        L = self._unbroadcasted_scale_tril
        eye = creation.eye(L.shape[-1], device=L.device, dtype=L.dtype)
        L_inv = linalg.solve_triangular(L, eye, upper=False)
        return ops.broadcast_to(ops.matmul(_mT(L_inv), L_inv), self._batch_shape + self._event_shape)

    # ------------------------------------------------------------------ summaries
    def _df_matrix(self, df: Tensor) -> Tensor:
        return ops.reshape(df, self._batch_shape + (1, 1))

    @property
    def mean(self) -> Tensor:
        return self._df_matrix(self.df) * self.covariance_matrix

    @property
    def mode(self) -> Tensor:
        factor = self.df - (self._event_shape[-1] + 1)
        factor = ops.where((factor.data <= 0), math.nan, factor)
        return self._df_matrix(factor) * self.covariance_matrix

    @property
    def variance(self) -> Tensor:
        V = self.covariance_matrix
        d = ops.diagonal(V, 0, -2, -1)
        return self._df_matrix(self.df) * (V * V + ops.unsqueeze(d, -1) * ops.unsqueeze(d, -2))

    def _half_log_det(self) -> Tensor:
        """``log det(Sigma) / 2 = sum log diag L``, shape of ``L``'s batch dims."""
        return ops.sum(ops.log(ops.diagonal(self._unbroadcasted_scale_tril, 0, -2, -1)), -1)

    # ------------------------------------------------------------------ densities
    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        n, p, L = self.df, self._event_shape[-1], self._unbroadcasted_scale_tril
        A = linalg.solve_triangular(L, value, upper=False)                  # L^-1 X
        trace = _trace(linalg.solve_triangular(L, _mT(A), upper=False))     # tr(L^-1 X^T L^-T) = tr(Sigma^-1 X)
        return (-n * (p * _LOG_2 / 2 + self._half_log_det()) - ops.mvlgamma(n / 2, p)
                + (n - p - 1) / 2 * linalg.slogdet(value).logabsdet - trace / 2)

    def entropy(self) -> Tensor:
        n, p = self.df, self._event_shape[-1]
        return ((p + 1) * (p * _LOG_2 / 2 + self._half_log_det()) + ops.mvlgamma(n / 2, p)
                - (n - p - 1) / 2 * _mvdigamma(n / 2, p) + n * p / 2)

    @property
    def _natural_params(self) -> tuple[Tensor, Tensor]:
        return -0.5 * self.precision_matrix, (self.df - self._event_shape[-1] - 1) / 2

    def _log_normalizer(self, x: Tensor, y: Tensor) -> Tensor:
        p = self._event_shape[-1]
        a = y + (p + 1) / 2
        return a * (p * _LOG_2 - linalg.slogdet(-2 * x).logabsdet) + ops.mvlgamma(a, p)

    # ------------------------------------------------------------------ draws
    def _bartlett(self, sample_shape) -> Tensor:
        """One Bartlett draw ``(L A)(L A)^T`` of shape ``sample_shape + batch_shape + (p, p)``."""
        p, L = self._event_shape[-1], self._unbroadcasted_scale_tril
        shifts = creation.arange(p, device=L.device, dtype=L.dtype)
        chi2 = Chi2(ops.unsqueeze(self.df, -1) - shifts, validate_args=False)
        eps = float(np.finfo(L.dtype).eps)
        diag = ops.clamp(ops.sqrt(chi2.rsample(sample_shape)), min=eps)
        below = ops.tril(standard_normal(self._extended_shape(sample_shape), L), -1)
        LA = ops.matmul(L, ops.diag_embed(diag) + below)
        return ops.matmul(LA, _mT(LA))

    def rsample(self, sample_shape=(), max_try_correction: int | None = None) -> Tensor:
        """A reparameterised draw (differentiable in ``df``, through the chi-squared draws, and in the
        matrix). Draws that are not positive-definite are replaced by fresh ones, at most ``max_try_correction``
        (default 10) times, with a ``UserWarning``."""
        max_try_correction = 10 if max_try_correction is None else int(max_try_correction)
        sample = self._bartlett(sample_shape)
        with no_grad():
            singular = ~self.support.check(sample).data
        if bool(singular.any()):
            warnings.warn("Singular sample detected.", stacklevel=2)
            for _ in range(max_try_correction):
                fresh = self._bartlett(sample_shape)
                sample = ops.where(singular[..., None, None], fresh, sample)
                with no_grad():
                    singular = singular & ~self.support.check(fresh).data
                if not bool(singular.any()):
                    break
        return sample
