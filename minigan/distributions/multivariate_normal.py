"""The multivariate normal distribution ``N(loc, Sigma)`` on vectors of length ``n``, held through the
Cholesky factor ``L`` of its covariance (``Sigma = L L^T``, ``L`` lower-triangular with a positive diagonal).

Everything is computed from ``L`` with :mod:`minigan.linalg`: a sample is ``loc + L eps``; the squared
Mahalanobis distance ``(x - loc)^T Sigma^-1 (x - loc)`` is ``|L^-1 (x - loc)|^2``, one triangular solve; and
``log det Sigma = 2 sum log diag(L)``. All are differentiable, so gradients reach ``loc`` and whichever matrix
was given (through ``cholesky`` when it was a covariance or a precision)."""
from __future__ import annotations

import math

import numpy as np

from .. import creation, linalg, ops
from ..autograd import Tensor
from . import constraints
from .distribution import Distribution
from .utils import as_param, standard_normal

_LOG_2PI = math.log(2 * math.pi)


def _mT(x: Tensor) -> Tensor:
    return ops.transpose(x, -1, -2)


def precision_to_scale_tril(P: Tensor) -> Tensor:
    """The Cholesky factor ``L`` of ``P^-1`` (``L L^T = P^-1``), without inverting ``P``.

    Reverse the order of rows and columns of ``P`` (``flip``), take its Cholesky factor ``Lf`` and flip that
    back: ``U = flip(Lf)`` is upper-triangular with ``U U^T = P``. Then ``P^-1 = U^-T U^-1``, and ``U^-T`` is
    lower-triangular: it is ``L``, one triangular solve of ``U^T X = I``."""
    Lf = linalg.cholesky(ops.flip(P, (-2, -1)))
    U = ops.flip(Lf, (-2, -1))
    eye = creation.eye(P.shape[-1], device=P.device, dtype=P.dtype)
    return linalg.solve_triangular(_mT(U), eye, upper=False)


def scale_tril_from(kind: str, matrix: Tensor) -> Tensor:
    """The lower Cholesky factor ``L`` behind whichever of the three matrices a distribution was given:
    ``kind`` is ``"scale_tril"`` (``L`` itself), ``"covariance_matrix"`` (``L L^T``) or ``"precision_matrix"``
    (``(L L^T)^-1``)."""
    if kind == "scale_tril":
        return matrix
    if kind == "covariance_matrix":
        return linalg.cholesky(matrix)
    return precision_to_scale_tril(matrix)


def batch_mahalanobis(L: Tensor, x: Tensor) -> Tensor:
    """``x^T (L L^T)^-1 x = |L^-1 x|^2`` for ``L (*, n, n)`` and ``x (*, n)``, their batch dims broadcast
    together: one triangular solve, then a sum of squares."""
    batch = np.broadcast_shapes(L.shape[:-2], x.shape[:-1])
    n = x.shape[-1]
    L = L if L.shape[:-2] == batch else ops.broadcast_to(L, batch + (n, n))
    x = x if x.shape[:-1] == batch else ops.broadcast_to(x, batch + (n,))
    y = linalg.solve_triangular(L, ops.unsqueeze(x, -1), upper=False)
    return ops.sum(y * y, (-2, -1))


def _matrix(dist: str, name: str, value, loc: Tensor) -> Tensor:
    m = as_param(dist, name, value, loc)
    if m.ndim < 2:
        what = "scale_tril matrix" if name == "scale_tril" else name
        raise ValueError(f"{what} must be at least two-dimensional, with optional leading batch dimensions")
    if m.shape[-1] != m.shape[-2] or m.shape[-1] != loc.shape[-1]:
        raise ValueError(f"{dist}: {name} must be a batch of square ({loc.shape[-1]}, {loc.shape[-1]}) matrices "
                         f"to match loc of shape {loc.shape}, got shape {m.shape}")
    return m if m.dtype == loc.dtype else ops.astype(m, loc.dtype)


class MultivariateNormal(Distribution):
    """Density ``exp(-|L^-1 (x - loc)|^2 / 2) / ((2 pi)^(n/2) det L)`` of vectors ``x`` of length ``n``.

    ``loc`` ``(*, n)`` with exactly one of ``covariance_matrix`` ``Sigma``, ``precision_matrix`` ``Sigma^-1``
    (both symmetric positive-definite) or ``scale_tril`` ``L`` (lower-triangular, positive diagonal), each
    ``(*, n, n)``. The batch shape is the broadcast of the leading dims; the event shape is ``(n,)``.

    * ``rsample``: ``loc + L eps`` with ``eps = mg.randn(*sample_shape, *batch_shape, n)``.
    * ``log_prob(x) = -(n log(2 pi) + |L^-1 (x - loc)|^2) / 2 - sum log diag(L)``.
    * ``entropy = n (1 + log(2 pi)) / 2 + sum log diag(L)``; mean and mode ``loc``; ``variance`` the diagonal of
      ``Sigma`` (``sum_j L_ij^2``). ``covariance_matrix``, ``precision_matrix`` and ``scale_tril`` are all
      available, whichever was given."""

    arg_constraints = {"loc": constraints.real_vector, "covariance_matrix": constraints.positive_definite,
                       "precision_matrix": constraints.positive_definite, "scale_tril": constraints.lower_cholesky}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc, covariance_matrix=None, precision_matrix=None, scale_tril=None,
                 validate_args: bool | None = None) -> None:
        name = type(self).__name__
        loc = as_param(name, "loc", loc)
        if loc.ndim < 1:
            raise ValueError("loc must be at least one-dimensional.")
        given = {k: v for k, v in (("covariance_matrix", covariance_matrix), ("precision_matrix", precision_matrix),
                                   ("scale_tril", scale_tril)) if v is not None}
        if len(given) != 1:
            raise ValueError("Exactly one of covariance_matrix or precision_matrix or scale_tril may be specified.")
        (kind, matrix), = given.items()
        matrix = _matrix(name, kind, matrix, loc)
        n = loc.shape[-1]
        batch = np.broadcast_shapes(matrix.shape[:-2], loc.shape[:-1])
        setattr(self, kind, matrix if matrix.shape[:-2] == batch else ops.broadcast_to(matrix, batch + (n, n)))
        self.loc = loc if loc.shape[:-1] == batch else ops.broadcast_to(loc, batch + (n,))
        super().__init__(batch, (n,), validate_args=validate_args)
        self._unbroadcasted_scale_tril = scale_tril_from(kind, matrix)

    def _matrix_shape(self) -> tuple[int, ...]:
        return self._batch_shape + self._event_shape + self._event_shape

    def _given_params(self):
        for name, constraint in self.arg_constraints.items():
            if name in self.__dict__:
                yield name, constraint, self.__dict__[name]

    def __getattr__(self, name):
        # the two matrices that were not given, computed from L on first use and then stored
        L = self.__dict__.get("_unbroadcasted_scale_tril")
        if L is None or name not in ("covariance_matrix", "precision_matrix", "scale_tril"):
            raise AttributeError(f"'{type(self).__name__}' object has no attribute {name!r}")
        if name == "scale_tril":
            value = L
        elif name == "covariance_matrix":
            value = ops.matmul(L, _mT(L))
        else:
            eye = creation.eye(L.shape[-1], device=L.device, dtype=L.dtype)
            L_inv = linalg.solve_triangular(L, eye, upper=False)
            value = ops.matmul(_mT(L_inv), L_inv)
        value = ops.broadcast_to(value, self._matrix_shape())
        self.__dict__[name] = value
        return value

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        L = self._unbroadcasted_scale_tril
        return ops.broadcast_to(ops.sum(L * L, -1), self._batch_shape + self._event_shape)

    def _half_log_det(self) -> Tensor:
        return ops.sum(ops.log(ops.diagonal(self._unbroadcasted_scale_tril, 0, -2, -1)), -1)

    def rsample(self, sample_shape=()) -> Tensor:
        eps = standard_normal(self._extended_shape(sample_shape), self.loc)
        return self.loc + ops.matmul(self._unbroadcasted_scale_tril, ops.unsqueeze(eps, -1)).squeeze(-1)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        m = batch_mahalanobis(self._unbroadcasted_scale_tril, value - self.loc)
        return -0.5 * (self._event_shape[0] * _LOG_2PI + m) - self._half_log_det()

    def entropy(self) -> Tensor:
        h = 0.5 * self._event_shape[0] * (1.0 + _LOG_2PI) + self._half_log_det()
        return h if h.shape == self._batch_shape else ops.broadcast_to(h, self._batch_shape)
