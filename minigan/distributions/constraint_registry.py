"""``biject_to`` and ``transform_to``: from a constraint to a transform that lands in it, as
``torch.distributions.constraint_registry``.

To optimise a parameter that must stay in a region (a positive scale, a probability vector, a Cholesky factor),
keep an unconstrained tensor ``u`` and use ``transform_to(constraint)(u)``: any real ``u`` maps into the region,
so a plain optimiser step can never leave it. The two registries differ in what they promise:

* ``biject_to(c)`` is a bijection from unconstrained space onto ``c`` (with ``log_abs_det_jacobian``), what a
  sampler such as HMC needs to move a density to unconstrained space: ``StickBreakingTransform`` for the simplex.
* ``transform_to(c)`` need only land in ``c``; it may forget information and need not be bijective, and so can
  be friendlier to optimise: ``SoftmaxTransform`` for the simplex; ``LowerCholeskyTransform`` and
  ``PositiveDefiniteTransform`` (which ``biject_to`` does not offer).

A registry is looked up by the constraint's type (not its value): ``greater_than(2.0)`` and ``positive`` share
one factory, which reads the bound off the constraint (so ``positive`` maps by ``exp`` then ``+ 0``).
``register(constraint_type_or_instance, factory)`` adds a factory, as a call or a decorator.

minigan's :mod:`.constraints` defines no ``positive_semidefinite``, ``cat`` or ``stack``, so their entries of
PyTorch's table are not here."""
from __future__ import annotations

import numbers

from . import constraints, transforms

__all__ = ["ConstraintRegistry", "biject_to", "transform_to"]


class ConstraintRegistry:
    """A table from constraint types to factories ``constraint -> Transform``."""

    def __init__(self) -> None:
        self._registry: dict = {}

    def register(self, constraint, factory=None):
        """Register ``factory`` for ``constraint`` (a :class:`~.constraints.Constraint` subclass, or an instance
        standing for its class); without ``factory``, a decorator that registers the function it decorates."""
        if factory is None:
            return lambda factory: self.register(constraint, factory)
        if isinstance(constraint, constraints.Constraint):
            constraint = type(constraint)
        if not isinstance(constraint, type) or not issubclass(constraint, constraints.Constraint):
            raise TypeError(f"Expected constraint to be either a Constraint subclass or instance, but got "
                            f"{constraint}")
        self._registry[constraint] = factory
        return factory

    def __call__(self, constraint) -> transforms.Transform:
        """The transform this registry gives for ``constraint``; ``NotImplementedError`` for an unknown type."""
        try:
            factory = self._registry[type(constraint)]
        except KeyError:
            raise NotImplementedError(f"Cannot transform {type(constraint).__name__} constraints") from None
        return factory(constraint)


biject_to = ConstraintRegistry()
transform_to = ConstraintRegistry()


# --------------------------------------------------------------------------- the table
@biject_to.register(constraints.real)
@transform_to.register(constraints.real)
def _to_real(constraint):
    return transforms.identity_transform


@biject_to.register(constraints.independent)
def _biject_to_independent(constraint):
    return transforms.IndependentTransform(biject_to(constraint.base_constraint),
                                           constraint.reinterpreted_batch_ndims)


@transform_to.register(constraints.independent)
def _transform_to_independent(constraint):
    return transforms.IndependentTransform(transform_to(constraint.base_constraint),
                                           constraint.reinterpreted_batch_ndims)


# (registered before greater_than, which has the same type and so replaces it, as in PyTorch's table)
@biject_to.register(constraints.positive)
@biject_to.register(constraints.nonnegative)
@transform_to.register(constraints.positive)
@transform_to.register(constraints.nonnegative)
def _to_positive(constraint):
    return transforms.ExpTransform()


@biject_to.register(constraints.greater_than)
@biject_to.register(constraints.greater_than_eq)
@transform_to.register(constraints.greater_than)
@transform_to.register(constraints.greater_than_eq)
def _to_greater_than(constraint):
    """``lower_bound + exp(u)``."""
    return transforms.ComposeTransform([transforms.ExpTransform(),
                                        transforms.AffineTransform(constraint.lower_bound, 1)])


@biject_to.register(constraints.less_than)
@transform_to.register(constraints.less_than)
def _to_less_than(constraint):
    """``upper_bound - exp(u)``."""
    return transforms.ComposeTransform([transforms.ExpTransform(),
                                        transforms.AffineTransform(constraint.upper_bound, -1)])


@biject_to.register(constraints.interval)
@biject_to.register(constraints.half_open_interval)
@transform_to.register(constraints.interval)
@transform_to.register(constraints.half_open_interval)
def _to_interval(constraint):
    """``sigmoid(u)`` on the unit interval; else ``lower + (upper - lower) sigmoid(u)``."""
    lower, upper = constraint.lower_bound, constraint.upper_bound
    if isinstance(lower, numbers.Number) and lower == 0 and isinstance(upper, numbers.Number) and upper == 1:
        return transforms.SigmoidTransform()
    return transforms.ComposeTransform([transforms.SigmoidTransform(),
                                        transforms.AffineTransform(lower, upper - lower)])


@biject_to.register(constraints.simplex)
def _biject_to_simplex(constraint):
    return transforms.StickBreakingTransform()


@transform_to.register(constraints.simplex)
def _transform_to_simplex(constraint):
    return transforms.SoftmaxTransform()


@biject_to.register(constraints.corr_cholesky)
@transform_to.register(constraints.corr_cholesky)
def _to_corr_cholesky(constraint):
    return transforms.CorrCholeskyTransform()


@transform_to.register(constraints.lower_cholesky)
def _transform_to_lower_cholesky(constraint):
    return transforms.LowerCholeskyTransform()


@transform_to.register(constraints.positive_definite)
def _transform_to_positive_definite(constraint):
    return transforms.PositiveDefiniteTransform()
