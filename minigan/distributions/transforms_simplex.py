"""Transforms onto the probability simplex and onto Cholesky factors, as in ``torch.distributions.transforms``:
:class:`SoftmaxTransform` and :class:`StickBreakingTransform` (real vectors onto probability vectors),
:class:`LowerCholeskyTransform` and :class:`PositiveDefiniteTransform` (any square matrix onto a Cholesky factor
or a covariance matrix) and :class:`CorrCholeskyTransform` (a real vector onto the Cholesky factor of a
correlation matrix).

These maps couple the coordinates of one event (a vector, ``event_dim`` 1, or a matrix, ``event_dim`` 2), so
their ``log_abs_det_jacobian`` is the log of a whole Jacobian determinant, one value per event. Each is a
composition of minigan's differentiable ops (``softmax``, ``sigmoid``, ``cumprod``, ``tril``, ``cholesky``,
...), so gradients of any order flow through them."""
from __future__ import annotations

import math

import numpy as np

from .. import backend, creation, ops
from ..autograd import Tensor
from ..ops.decompositions import cholesky
from . import constraints
from .transform_base import Transform

__all__ = ["CorrCholeskyTransform", "LowerCholeskyTransform", "PositiveDefiniteTransform", "SoftmaxTransform",
           "StickBreakingTransform"]


def _at_least_1d(what: str, shape) -> None:
    if len(shape) < 1:
        raise ValueError(f"{what}: Too few dimensions on input")


class SoftmaxTransform(Transform):
    """``y = softmax(x) = exp(x) / sum(exp(x))`` over the last dim: real vectors onto the simplex.

    Not one-to-one (adding a constant to every coordinate gives the same ``y``), so not bijective and with no
    Jacobian term; its "inverse" is ``log(y)``, one of the preimages (``t(t.inv(y)) == y``). Being almost
    coordinate-wise, it suits optimisation over the simplex (``transform_to(simplex)``); for a density use
    :class:`StickBreakingTransform`."""

    domain = constraints.real_vector
    codomain = constraints.simplex

    def _call(self, x):
        return ops.softmax(x, -1)

    def _inverse(self, y):
        return ops.log(y)

    def forward_shape(self, shape):
        _at_least_1d(type(self).__name__, shape)
        return tuple(shape)

    inverse_shape = forward_shape

    def __eq__(self, other) -> bool:
        return isinstance(other, SoftmaxTransform)

    __hash__ = object.__hash__


def _stick_offsets(x: Tensor, k: int) -> Tensor:
    """``log(k), log(k - 1), ..., log(1)``: the shifts that make ``x = 0`` the uniform probability vector."""
    offsets = creation.arange(k, 0, -1, device=x.device, dtype=x.dtype)
    return ops.log(offsets)


class StickBreakingTransform(Transform):
    """Real vectors of length ``K`` onto probability vectors of length ``K + 1``, by breaking a stick.

    With ``z_k = sigmoid(x_k - log(K + 1 - k))`` (k = 1..K; the shift makes ``x = 0`` the uniform vector), the
    ``k``-th piece takes the fraction ``z_k`` of what is left of the stick::

        y_k = z_k prod_{j<k} (1 - z_j),    y_{K+1} = prod_{j<=K} (1 - z_j)

    Inverse: what is left before piece ``k`` is ``1 - (y_1 + ... + y_{k-1})``, so
    ``z_k = y_k / (1 - cumsum(y)_{k-1})`` and ``x_k = logit(z_k) + log(K + 1 - k)``.
    Jacobian: ``y_k`` depends only on ``x_1..x_k``, so the Jacobian of the first ``K`` outputs is triangular and
    its determinant is the product of ``dy_k/dx_k = z_k (1 - z_k) prod_{j<k}(1 - z_j) = (1 - z_k) y_k``:
    ``log|det| = sum_k (log sigmoid(-(x_k - log(K + 1 - k))) + log y_k)``.
    Bijective (the density-friendly map to the simplex: ``biject_to(simplex)``); event_dim 1;
    ``forward_shape`` adds one to the last dim, ``inverse_shape`` takes one away."""

    domain = constraints.real_vector
    codomain = constraints.simplex
    bijective = True

    def _call(self, x):
        info = np.finfo(x.dtype)
        z = ops.clamp(ops.sigmoid(x - _stick_offsets(x, x.shape[-1])), float(info.tiny), 1.0 - float(info.eps))
        left = ops.cumprod(1 - z, -1)                           # what is left after each piece
        return ops.pad(z, (0, 1), value=1.0) * ops.pad(left, (1, 0), value=1.0)

    def _inverse(self, y):
        pieces = y[..., :-1]
        left = ops.clamp(1 - ops.cumsum(pieces, -1), min=float(np.finfo(y.dtype).tiny))
        return ops.log(pieces) - ops.log(left) + _stick_offsets(y, pieces.shape[-1])

    def log_abs_det_jacobian(self, x, y):
        shifted = x - _stick_offsets(x, x.shape[-1])
        return ops.sum(ops.logsigmoid(-shifted) + ops.log(y[..., :-1]), -1)

    def forward_shape(self, shape):
        _at_least_1d(type(self).__name__, shape)
        return tuple(shape[:-1]) + (shape[-1] + 1,)

    def inverse_shape(self, shape):
        _at_least_1d(type(self).__name__, shape)
        return tuple(shape[:-1]) + (shape[-1] - 1,)

    def __eq__(self, other) -> bool:
        return isinstance(other, StickBreakingTransform)

    __hash__ = object.__hash__


def _with_diagonal(m: Tensor, fn) -> Tensor:
    """The strictly lower triangle of ``m`` with ``fn`` of its diagonal on the diagonal."""
    return ops.tril(m, -1) + ops.diag_embed(fn(ops.diagonal(m, dim1=-2, dim2=-1)))


class LowerCholeskyTransform(Transform):
    """Square matrices onto lower-triangular matrices with a positive diagonal (Cholesky factors): keep the
    strict lower triangle, ``exp`` the diagonal, drop the upper triangle. The upper triangle is forgotten, so
    the map is not bijective and has no Jacobian term; its inverse takes ``log`` of the diagonal (and gives a
    lower-triangular preimage). event_dim 2."""

    domain = constraints.independent(constraints.real, 2)
    codomain = constraints.lower_cholesky

    def _call(self, x):
        return _with_diagonal(x, ops.exp)

    def _inverse(self, y):
        return _with_diagonal(y, ops.log)

    def __eq__(self, other) -> bool:
        return isinstance(other, LowerCholeskyTransform)

    __hash__ = object.__hash__


class PositiveDefiniteTransform(Transform):
    """Square matrices onto symmetric positive-definite ones: ``L = LowerCholeskyTransform()(x)``, then
    ``y = L L^T``. Inverse: the Cholesky factor of ``y``, read back through ``LowerCholeskyTransform``'s
    inverse. Not bijective (the upper triangle of ``x`` is forgotten); no Jacobian term. event_dim 2."""

    domain = constraints.independent(constraints.real, 2)
    codomain = constraints.positive_definite

    def _call(self, x):
        factor = LowerCholeskyTransform()(x)
        return ops.matmul(factor, ops.matrix_transpose(factor))

    def _inverse(self, y):
        return LowerCholeskyTransform().inv(cholesky(y))

    def __eq__(self, other) -> bool:
        return isinstance(other, PositiveDefiniteTransform)

    __hash__ = object.__hash__


def _tril_flat_index(d: int, like: Tensor):
    """Flat positions (in a ``d * d`` matrix, row by row) of the entries strictly below the diagonal."""
    rows, cols = np.tril_indices(d, -1)
    return backend.xp_of(like.data).asarray(rows * d + cols)


class CorrCholeskyTransform(Transform):
    """Real vectors of length ``N = D (D - 1) / 2`` onto ``D x D`` Cholesky factors of correlation matrices
    (lower-triangular, positive diagonal, every row of unit length: ``L L^T`` has ones on its diagonal).

    ``r = tanh(x)`` (clamped into ``(-1 + eps, 1 - eps)``) fills the strict lower triangle row by row; each row
    is then a signed stick-breaking: entry ``j`` takes the fraction ``r_ij^2`` of the squared length left, so
    ``y_ij = r_ij sqrt(prod_{k<j} (1 - r_ik^2))`` and the diagonal takes the rest,
    ``y_ii = sqrt(prod_{k<i} (1 - r_ik^2))``. Inverse: ``r_ij = y_ij / sqrt(1 - sum_{k<j} y_ik^2)``,
    ``x = atanh(r)``.

    The domain and the codomain have different dimensions, so the "determinant" is that of the map from ``x``
    to the ``N`` free entries below ``y``'s diagonal (the Stan reference's convention, as PyTorch):
    ``log|det| = sum_ij [1/2 log(1 - sum_{k<j} y_ik^2)] + sum log(1 - tanh^2 x)``, one value per vector.
    ``forward_shape``: ``(..., N) -> (..., D, D)``; ``inverse_shape`` the reverse. Bijective; its ``event_dim``
    is undefined (1 in, 2 out: read ``domain.event_dim`` or ``codomain.event_dim``)."""

    domain = constraints.real_vector
    codomain = constraints.corr_cholesky
    bijective = True

    def _call(self, x):
        d = self.forward_shape(x.shape)[-1]
        eps = float(np.finfo(x.dtype).eps)
        r = ops.clamp(ops.tanh(x), -1 + eps, 1 - eps)
        padded = ops.pad(r, (1, 0))                         # position 0 holds the zero of the upper triangle
        index = backend.xp_of(x.data).zeros(d * d, dtype=np.int64)
        index[_tril_flat_index(d, x)] = backend.xp_of(x.data).arange(1, r.shape[-1] + 1)
        r = ops.reshape(padded[..., index], tuple(x.shape[:-1]) + (d, d))
        left = ops.cumprod(ops.sqrt(1 - r * r), -1)         # sqrt of the squared length left after entry j
        r = r + creation.eye(d, device=x.device, dtype=x.dtype)
        return r * ops.pad(left[..., :-1], (1, 0), value=1.0)

    def _inverse(self, y):
        self.inverse_shape(y.shape)
        d = y.shape[-1]
        left = ops.pad((1 - ops.cumsum(y * y, -1))[..., :-1], (1, 0), value=1.0)
        index = _tril_flat_index(d, y)
        flat = tuple(y.shape[:-2]) + (d * d,)
        r = ops.reshape(y, flat)[..., index] / ops.sqrt(ops.reshape(left, flat)[..., index])
        return ops.atanh(r)

    def log_abs_det_jacobian(self, x, y, intermediates=None):
        d = y.shape[-1]
        left = 1 - ops.cumsum(y * y, -1)            # entry j of row i: 1 - sum_{k<=j} y_ik^2, used below j+1
        rows, cols = np.tril_indices(d, -2)
        index = backend.xp_of(y.data).asarray(rows * d + cols)
        flat = ops.reshape(left, tuple(y.shape[:-2]) + (d * d,))[..., index]
        stick = 0.5 * ops.sum(ops.log(flat), -1)
        tanh_term = -2 * ops.sum(x + ops.softplus(-2 * x) - math.log(2.0), -1)   # sum log(1 - tanh^2 x)
        return stick + tanh_term

    def forward_shape(self, shape):
        _at_least_1d(type(self).__name__, shape)
        n = shape[-1]
        d = round((0.25 + 2 * n) ** 0.5 + 0.5)
        if d * (d - 1) // 2 != n:
            raise ValueError(f"CorrCholeskyTransform: Input is not a flattened lower-diagonal number (last dim "
                             f"{n} is not D (D - 1) / 2 for any D)")
        return tuple(shape[:-1]) + (d, d)

    def inverse_shape(self, shape):
        if len(shape) < 2:
            raise ValueError("CorrCholeskyTransform: Too few dimensions on input")
        if shape[-2] != shape[-1]:
            raise ValueError(f"CorrCholeskyTransform: Input is not square (shape {tuple(shape)})")
        d = shape[-1]
        return tuple(shape[:-2]) + (d * (d - 1) // 2,)
