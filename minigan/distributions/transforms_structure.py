"""Transforms that rearrange or combine other transforms, as in ``torch.distributions.transforms``:
:class:`IndependentTransform` (more rightmost dims read as one event), :class:`ReshapeTransform` (an event
reshaped), :class:`CatTransform` and :class:`StackTransform` (different transforms on different slices of one
tensor, cut as ``cat`` and ``stack`` would cut it).

None of these has a formula of its own: each forwards to the transforms it holds, and its Jacobian term is
theirs summed, concatenated or stacked (a reshape has none: it moves numbers without changing them)."""
from __future__ import annotations

import math

from .. import backend, creation, ops
from ..autograd import Tensor
from . import constraints
from .transform_base import Transform
from .utils import sum_rightmost

__all__ = ["CatTransform", "IndependentTransform", "ReshapeTransform", "StackTransform"]


class IndependentTransform(Transform):
    """``base_transform`` with ``reinterpreted_batch_ndims`` more rightmost dims read as part of one event: the
    maps are the base's unchanged, and ``log_abs_det_jacobian`` is the base's summed over those dims (the
    Jacobian of independent pieces is block-diagonal: its determinant is the product of the blocks'). The domain
    and the codomain are the base's wrapped in ``constraints.independent``."""

    def __init__(self, base_transform: Transform, reinterpreted_batch_ndims: int, cache_size: int = 0) -> None:
        if not isinstance(base_transform, Transform):
            raise TypeError(f"IndependentTransform: expected base_transform to be a Transform, got "
                            f"{type(base_transform).__name__}")
        super().__init__(cache_size=cache_size)
        self.base_transform = base_transform.with_cache(cache_size)
        self.reinterpreted_batch_ndims = int(reinterpreted_batch_ndims)

    def with_cache(self, cache_size: int = 1) -> Transform:
        if self._cache_size == cache_size:
            return self
        return IndependentTransform(self.base_transform, self.reinterpreted_batch_ndims, cache_size=cache_size)

    @property
    def domain(self):
        return constraints.independent(self.base_transform.domain, self.reinterpreted_batch_ndims)

    @property
    def codomain(self):
        return constraints.independent(self.base_transform.codomain, self.reinterpreted_batch_ndims)

    @property
    def bijective(self) -> bool:
        return self.base_transform.bijective

    @property
    def sign(self):
        return self.base_transform.sign

    def _call(self, x):
        if x.ndim < self.domain.event_dim:
            raise ValueError(f"IndependentTransform: Too few dimensions on input (expected at least "
                             f"{self.domain.event_dim}, got {x.ndim})")
        return self.base_transform(x)

    def _inverse(self, y):
        if y.ndim < self.codomain.event_dim:
            raise ValueError(f"IndependentTransform: Too few dimensions on input (expected at least "
                             f"{self.codomain.event_dim}, got {y.ndim})")
        return self.base_transform.inv(y)

    def log_abs_det_jacobian(self, x, y):
        return sum_rightmost(self.base_transform.log_abs_det_jacobian(x, y), self.reinterpreted_batch_ndims)

    def forward_shape(self, shape):
        return self.base_transform.forward_shape(shape)

    def inverse_shape(self, shape):
        return self.base_transform.inverse_shape(shape)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.base_transform!r}, {self.reinterpreted_batch_ndims})"


class ReshapeTransform(Transform):
    """The rightmost ``in_shape`` of a tensor reshaped to ``out_shape`` (same number of elements), the leading
    (batch) dims kept. It only moves numbers, so its Jacobian is a permutation: ``log|det| = 0`` for each batch
    element. Bijective; domain ``independent(real, len(in_shape))``, codomain ``independent(real,
    len(out_shape))``."""

    bijective = True

    def __init__(self, in_shape, out_shape, cache_size: int = 0) -> None:
        self.in_shape, self.out_shape = tuple(int(n) for n in in_shape), tuple(int(n) for n in out_shape)
        if math.prod(self.in_shape) != math.prod(self.out_shape):
            raise ValueError(f"ReshapeTransform: in_shape, out_shape have different numbers of elements "
                             f"({self.in_shape} has {math.prod(self.in_shape)}, {self.out_shape} has "
                             f"{math.prod(self.out_shape)})")
        super().__init__(cache_size=cache_size)

    @property
    def domain(self):
        return constraints.independent(constraints.real, len(self.in_shape))

    @property
    def codomain(self):
        return constraints.independent(constraints.real, len(self.out_shape))

    def with_cache(self, cache_size: int = 1) -> Transform:
        if self._cache_size == cache_size:
            return self
        return ReshapeTransform(self.in_shape, self.out_shape, cache_size=cache_size)

    def _call(self, x):
        return ops.reshape(x, tuple(x.shape[:x.ndim - len(self.in_shape)]) + self.out_shape)

    def _inverse(self, y):
        return ops.reshape(y, tuple(y.shape[:y.ndim - len(self.out_shape)]) + self.in_shape)

    def log_abs_det_jacobian(self, x, y):
        return creation.zeros(*x.shape[:x.ndim - len(self.in_shape)], device=x.device, dtype=x.dtype)

    @staticmethod
    def _swap(shape, old, new):
        shape = tuple(shape)
        if len(shape) < len(old):
            raise ValueError(f"ReshapeTransform: Too few dimensions on input (shape {shape}, event shape {old})")
        cut = len(shape) - len(old)
        if shape[cut:] != old:
            raise ValueError(f"ReshapeTransform: Shape mismatch: expected {shape[cut:]} but got {old}")
        return shape[:cut] + new

    def forward_shape(self, shape):
        return self._swap(shape, self.in_shape, self.out_shape)

    def inverse_shape(self, shape):
        return self._swap(shape, self.out_shape, self.in_shape)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _check_transforms(name: str, tseq) -> list:
    tseq = list(tseq)
    for t in tseq:
        if not isinstance(t, Transform):
            raise TypeError(f"{name}: All elements of tseq must be Transform instances, got {type(t).__name__}")
    return tseq


def _check_dim(name: str, what: str, value: Tensor, dim: int, size: int, expected: str) -> None:
    """``dim`` is a dim of ``value`` and ``value.size(dim)`` is ``size``, or a ValueError saying which fails."""
    if not -value.ndim <= dim < value.ndim:
        raise ValueError(f"{name}: dim {dim} out of range for {what} with {value.ndim} dimensions")
    if value.shape[dim] != size:
        raise ValueError(f"{name}: {what}.size({dim}) = {value.shape[dim]} must equal {expected} {size}")


class _Cat(constraints.Constraint):
    """``cseq[i]`` on the ``i``-th slice of ``lengths[i]`` along ``dim``, as ``cat`` lays the slices out.
    (Private: the domain and codomain of :class:`CatTransform`; minigan's :mod:`.constraints` has no ``cat``.)"""

    def __init__(self, cseq, dim: int = 0, lengths=None) -> None:
        self.cseq = list(cseq)
        self.lengths = [1] * len(self.cseq) if lengths is None else list(lengths)
        self.dim = dim

    is_discrete = property(lambda self: any(c.is_discrete for c in self.cseq))
    event_dim = property(lambda self: max(c.event_dim for c in self.cseq))

    def _check(self, v):
        xp, pieces, start = backend.xp_of(v), [], 0
        for c, n in zip(self.cseq, self.lengths):
            pieces.append(c._check(xp.take(v, xp.arange(start, start + n), axis=self.dim)))
            start += n
        return xp.concatenate(pieces, axis=self.dim)


class _Stack(constraints.Constraint):
    """``cseq[i]`` on the ``i``-th slice along ``dim``, as ``stack`` lays the slices out. (Private: the domain
    and codomain of :class:`StackTransform`; minigan's :mod:`.constraints` has no ``stack``.)"""

    def __init__(self, cseq, dim: int = 0) -> None:
        self.cseq, self.dim = list(cseq), dim

    is_discrete = property(lambda self: any(c.is_discrete for c in self.cseq))

    @property
    def event_dim(self) -> int:
        event_dim = max(c.event_dim for c in self.cseq)
        return event_dim + 1 if self.dim + event_dim < 0 else event_dim    # the stacked dim is inside the event

    def _check(self, v):
        xp = backend.xp_of(v)
        return xp.stack([c._check(xp.take(v, i, axis=self.dim)) for i, c in enumerate(self.cseq)], axis=self.dim)


class CatTransform(Transform):
    """``tseq[i]`` applied to the ``i``-th slice of ``lengths[i]`` entries along ``dim`` (``lengths`` defaults
    to ones), the results put back together with ``cat``. Its ``event_dim`` is the largest of the parts';
    ``log_abs_det_jacobian`` is the parts' terms (each first summed over the event dims it does not count),
    concatenated along ``dim`` where ``dim`` is a batch dim, else added. Bijective when every part is."""

    def __init__(self, tseq, dim: int = 0, lengths=None, cache_size: int = 0) -> None:
        tseq = _check_transforms("CatTransform", tseq)
        if cache_size:
            tseq = [t.with_cache(cache_size) for t in tseq]
        super().__init__(cache_size=cache_size)
        self.transforms = tseq
        self.lengths = [1] * len(tseq) if lengths is None else [int(n) for n in lengths]
        if len(self.lengths) != len(self.transforms):
            raise ValueError(f"CatTransform: lengths ({len(self.lengths)}) must match transforms "
                             f"({len(self.transforms)})")
        self.dim = int(dim)

    @property
    def event_dim(self) -> int:
        return max(t.event_dim for t in self.transforms)

    @property
    def length(self) -> int:
        return sum(self.lengths)

    def with_cache(self, cache_size: int = 1) -> Transform:
        if self._cache_size == cache_size:
            return self
        return CatTransform(self.transforms, self.dim, self.lengths, cache_size)

    def _pieces(self, what: str, value: Tensor):
        _check_dim("CatTransform", what, value, self.dim, self.length, "length")
        out, start = [], 0
        for n in self.lengths:
            out.append(ops.narrow(value, self.dim, start, n))
            start += n
        return out

    def _call(self, x):
        return ops.cat([t(p) for t, p in zip(self.transforms, self._pieces("x", x))], dim=self.dim)

    def _inverse(self, y):
        return ops.cat([t.inv(p) for t, p in zip(self.transforms, self._pieces("y", y))], dim=self.dim)

    def log_abs_det_jacobian(self, x, y):
        terms = [sum_rightmost(t.log_abs_det_jacobian(a, b), self.event_dim - t.event_dim)
                 for t, a, b in zip(self.transforms, self._pieces("x", x), self._pieces("y", y))]
        dim = (self.dim - x.ndim if self.dim >= 0 else self.dim) + self.event_dim
        if dim < 0:                     # dim is a batch dim: one term per slice, laid out as the slices
            return ops.cat(terms, dim=dim)
        total = terms[0]
        for term in terms[1:]:
            total = total + term
        return total

    @property
    def bijective(self) -> bool:
        return all(t.bijective for t in self.transforms)

    @property
    def domain(self):
        return _Cat([t.domain for t in self.transforms], self.dim, self.lengths)

    @property
    def codomain(self):
        return _Cat([t.codomain for t in self.transforms], self.dim, self.lengths)


class StackTransform(Transform):
    """``tseq[i]`` applied to the ``i``-th slice along ``dim`` (``x.size(dim) == len(tseq)``), the results put
    back together with ``stack``; ``log_abs_det_jacobian`` is the parts' terms stacked along ``dim``. Bijective
    when every part is."""

    def __init__(self, tseq, dim: int = 0, cache_size: int = 0) -> None:
        tseq = _check_transforms("StackTransform", tseq)
        if cache_size:
            tseq = [t.with_cache(cache_size) for t in tseq]
        super().__init__(cache_size=cache_size)
        self.transforms, self.dim = tseq, int(dim)

    def with_cache(self, cache_size: int = 1) -> Transform:
        if self._cache_size == cache_size:
            return self
        return StackTransform(self.transforms, self.dim, cache_size)

    def _slices(self, what: str, value: Tensor):
        _check_dim("StackTransform", what, value, self.dim, len(self.transforms), "len(transforms)")
        return ops.unbind(value, self.dim)

    def _call(self, x):
        return ops.stack([t(s) for t, s in zip(self.transforms, self._slices("x", x))], dim=self.dim)

    def _inverse(self, y):
        return ops.stack([t.inv(s) for t, s in zip(self.transforms, self._slices("y", y))], dim=self.dim)

    def log_abs_det_jacobian(self, x, y):
        return ops.stack([t.log_abs_det_jacobian(a, b) for t, a, b in
                          zip(self.transforms, self._slices("x", x), self._slices("y", y))], dim=self.dim)

    @property
    def bijective(self) -> bool:
        return all(t.bijective for t in self.transforms)

    @property
    def domain(self):
        return _Stack([t.domain for t in self.transforms], self.dim)

    @property
    def codomain(self):
        return _Stack([t.codomain for t in self.transforms], self.dim)
