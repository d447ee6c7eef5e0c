"""Constraints: where a parameter or a sample may lie, as small objects with one method.

``constraint.check(value)`` is a bool Tensor (no graph) of ``value``'s shape less the constraint's
``event_dim`` rightmost dims, true where the value is allowed. A distribution lists its parameters' constraints
in ``arg_constraints`` and its samples' in ``support``; with ``validate_args`` on it checks them and raises a
``ValueError`` naming the distribution, the argument and the constraint (printed as PyTorch prints it:
``GreaterThan(lower_bound=0.0)``).

Kept from PyTorch's ``torch.distributions.constraints``: ``real``, ``real_vector``, ``positive``,
``nonnegative``, ``greater_than``, ``greater_than_eq``, ``less_than``, ``interval``, ``half_open_interval``,
``unit_interval``, ``boolean``, ``integer_interval``, ``simplex``, ``one_hot``, ``lower_cholesky``,
``positive_definite``, ``corr_cholesky``, ``independent`` and ``dependent`` (a constraint that cannot be checked
on its own and is skipped). Not kept: the integer, lower-triangular, correlation-matrix and Cat/Stack
constraints (the transforms that need them keep private ones); the ``biject_to``/``transform_to`` registries
are in :mod:`.constraint_registry`."""
from __future__ import annotations

from .. import backend
from ..autograd import Tensor

__all__ = ["Constraint", "boolean", "dependent", "greater_than", "greater_than_eq", "half_open_interval",
           "independent", "integer_interval", "interval", "less_than", "lower_cholesky", "nonnegative",
           "one_hot", "positive", "positive_definite", "real", "real_vector", "simplex", "unit_interval",
           "corr_cholesky"]


def _raw(x):
    return x.data if isinstance(x, Tensor) else x


def _bound(b):
    """A bound as PyTorch prints it: a number as a number, a tensor as a tensor."""
    return b.item() if isinstance(b, Tensor) and b.numel() == 1 and b.ndim == 0 else b


class Constraint:
    """A region values may lie in. ``is_discrete``: whether it is a set of separate values (integers, 0/1);
    ``event_dim``: how many rightmost dims make one value (1 for a probability vector, 2 for a matrix)."""

    is_discrete = False
    event_dim = 0

    def check(self, value) -> Tensor:
        """A bool Tensor: true where ``value`` satisfies the constraint."""
        return Tensor(self._check(_raw(value)))

    def _check(self, v):
        raise NotImplementedError

    def __repr__(self) -> str:
        return type(self).__name__.lstrip("_") + "()"


class _Dependent(Constraint):
    """A constraint that depends on other parameters (Uniform's low < high): never checked on its own."""

    def check(self, value):
        raise ValueError("Cannot determine validity of dependent constraint")


def is_dependent(constraint) -> bool:
    return isinstance(constraint, _Dependent)


class _Real(Constraint):
    """Any number but NaN (the infinities are allowed, as in PyTorch)."""

    def _check(self, v):
        return v == v


class _Boolean(Constraint):
    is_discrete = True

    def _check(self, v):
        return (v == 0) | (v == 1)


class _GreaterThan(Constraint):
    def __init__(self, lower_bound) -> None:
        self.lower_bound = lower_bound

    def _check(self, v):
        return _raw(self.lower_bound) < v

    def __repr__(self) -> str:
        return f"GreaterThan(lower_bound={_bound(self.lower_bound)})"


class _GreaterThanEq(_GreaterThan):
    def _check(self, v):
        return _raw(self.lower_bound) <= v

    def __repr__(self) -> str:
        return f"GreaterThanEq(lower_bound={_bound(self.lower_bound)})"


class _LessThan(Constraint):
    def __init__(self, upper_bound) -> None:
        self.upper_bound = upper_bound

    def _check(self, v):
        return v < _raw(self.upper_bound)

    def __repr__(self) -> str:
        return f"LessThan(upper_bound={_bound(self.upper_bound)})"


class _Interval(Constraint):
    """``lower_bound <= v <= upper_bound``."""

    def __init__(self, lower_bound, upper_bound) -> None:
        self.lower_bound, self.upper_bound = lower_bound, upper_bound

    def _check(self, v):
        return (_raw(self.lower_bound) <= v) & (v <= _raw(self.upper_bound))

    def __repr__(self) -> str:
        return f"{type(self).__name__.lstrip('_')}(lower_bound={_bound(self.lower_bound)}, " \
               f"upper_bound={_bound(self.upper_bound)})"


class _HalfOpenInterval(_Interval):
    """``lower_bound <= v < upper_bound``."""

    def _check(self, v):
        return (_raw(self.lower_bound) <= v) & (v < _raw(self.upper_bound))


class _IntegerInterval(_Interval):
    """Whole numbers from ``lower_bound`` to ``upper_bound``, both included."""

    is_discrete = True

    def _check(self, v):
        return (backend.xp_of(v).floor(v) == v) & super()._check(v)


class _Independent(Constraint):
    """``base`` on each element, all of the last ``reinterpreted_batch_ndims`` dims together making one value."""

    def __init__(self, base: Constraint, reinterpreted_batch_ndims: int) -> None:
        self.base_constraint, self.reinterpreted_batch_ndims = base, reinterpreted_batch_ndims
        self.is_discrete = base.is_discrete
        self.event_dim = base.event_dim + reinterpreted_batch_ndims

    def _check(self, v):
        ok = self.base_constraint._check(v)
        n = self.reinterpreted_batch_ndims
        if ok.ndim < n:
            raise ValueError(f"Expected value.dim() >= {self.event_dim} but got {v.ndim}")
        return ok.reshape(ok.shape[:ok.ndim - n] + (-1,)).all(axis=-1) if n else ok

    def __repr__(self) -> str:
        return f"IndependentConstraint({self.base_constraint!r}, {self.reinterpreted_batch_ndims})"


class _Simplex(Constraint):
    """Non-negative vectors summing to 1 (to within 1e-6)."""

    event_dim = 1

    def _check(self, v):
        xp = backend.xp_of(v)
        return (v >= 0).all(axis=-1) & (xp.abs(v.sum(axis=-1) - 1) < 1e-6)


class _OneHot(Constraint):
    """Vectors of 0s with a single 1."""

    is_discrete = True
    event_dim = 1

    def _check(self, v):
        return ((v == 0) | (v == 1)).all(axis=-1) & (v.sum(axis=-1) == 1)


class _LowerCholesky(Constraint):
    """Lower-triangular matrices with a positive diagonal: the Cholesky factors of covariance matrices."""

    event_dim = 2

    def _check(self, v):
        xp = backend.xp_of(v)
        below = xp.tri(v.shape[-2], v.shape[-1], dtype=bool)           # on and below the diagonal
        lower = (below | (v == 0)).reshape(v.shape[:-2] + (-1,)).all(axis=-1)
        return lower & (xp.diagonal(v, axis1=-2, axis2=-1) > 0).all(axis=-1)


class _PositiveDefinite(Constraint):
    """Symmetric matrices (to within 1e-6) whose eigenvalues are all positive."""

    event_dim = 2

    def _check(self, v):
        xp = backend.xp_of(v)
        if v.ndim < 2 or v.shape[-1] != v.shape[-2]:
            return xp.zeros(v.shape[:-2], dtype=bool)
        mT = xp.swapaxes(v, -1, -2)
        symmetric = xp.isclose(v, mT, atol=1e-6).reshape(v.shape[:-2] + (-1,)).all(axis=-1)
        if not bool(symmetric.all()) or v.size == 0:
            return symmetric
        return (xp.linalg.eigvalsh(v) > 0).all(axis=-1)


class _CorrCholesky(Constraint):
    """Lower-triangular matrices with a positive diagonal and rows of unit length (to within ``10 * eps * D``):
    the Cholesky factors ``L`` of correlation matrices ``L L^T`` (ones on the diagonal)."""

    event_dim = 2

    def _check(self, v):
        xp = backend.xp_of(v)
        tol = float(xp.finfo(v.dtype).eps) * v.shape[-1] * 10
        unit_rows = (xp.abs(xp.sqrt((v * v).sum(axis=-1)) - 1.0) <= tol).all(axis=-1)
        return _LowerCholesky()._check(v) & unit_rows


dependent = _Dependent()
real = _Real()
real_vector = _Independent(real, 1)
boolean = _Boolean()
positive = _GreaterThan(0.0)
nonnegative = _GreaterThanEq(0.0)
unit_interval = _Interval(0.0, 1.0)
simplex = _Simplex()
one_hot = _OneHot()
lower_cholesky = _LowerCholesky()
positive_definite = _PositiveDefinite()
corr_cholesky = _CorrCholesky()
greater_than = _GreaterThan
greater_than_eq = _GreaterThanEq
less_than = _LessThan
interval = _Interval
half_open_interval = _HalfOpenInterval
integer_interval = _IntegerInterval
independent = _Independent
