"""Joining tensors the NumPy way, with PyTorch's names: hstack, vstack (row_stack), dstack, column_stack, the
atleast_1d/2d/3d that give them enough dims, block_diag, meshgrid and cartesian_prod.

Each is a composition of differentiable shape ops (:func:`~minigan.ops.shape.reshape`,
:func:`~minigan.ops.shape.concatenate`, :func:`~minigan.ops.shape.broadcast_to`, :func:`~minigan.ops.shape.stack`),
so no new backward is needed: a concatenation's gradient is cut back into the pieces, and a broadcast's is summed
over the copies (every point of a meshgrid row gets the gradient of its whole row). Mixed dtypes are promoted
first, as PyTorch's ``cat`` does (an int64 tensor beside a float32 one joins as float32)."""
from __future__ import annotations

import warnings

from .. import backend
from ..autograd import Tensor, _default_float
from ._util import result_type
from .shape import astype, broadcast_to, concatenate, reshape, stack

__all__ = ["atleast_1d", "atleast_2d", "atleast_3d", "hstack", "vstack", "row_stack", "dstack", "column_stack",
           "block_diag", "meshgrid", "cartesian_prod"]


def _tensor_args(op: str, tensors) -> tuple:
    """``tensors`` given as several arguments, or as one list or tuple (``atleast_1d([a, b])``)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: expected Tensors, got {type(t).__name__} at position {i}")
    return tuple(tensors)


def _sequence(op: str, tensors) -> list:
    """The one list or tuple of tensors that hstack and its kin take, non-empty."""
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{op}: expected a list or tuple of tensors, got {type(tensors).__name__}")
    if not tensors:
        raise ValueError(f"{op}: expects a non-empty TensorList")
    return list(_tensor_args(op, tuple(tensors)))


def _promoted(tensors: list) -> list:
    """The tensors cast (by a recorded op) to their common dtype under PyTorch's promotion."""
    dtype = result_type(*tensors)
    return [astype(t, dtype) for t in tensors]


# --------------------------------------------------------------------------- enough dims
def _each(op: str, fix, tensors):
    """``fix`` applied to one tensor (giving a tensor) or to several, or a list of them (giving a tuple)."""
    if len(tensors) == 1 and isinstance(tensors[0], Tensor):
        return fix(tensors[0])
    return tuple(fix(t) for t in _tensor_args(op, tensors))


def atleast_1d(*tensors):
    """Each tensor with at least one dim: a 0-d tensor becomes shape ``(1,)``, others are returned as they are
    (``torch.atleast_1d``). One tensor gives a tensor; several (or a list) give a tuple."""
    return _each("atleast_1d", lambda t: reshape(t, (1,)) if t.ndim == 0 else t, tensors)


def atleast_2d(*tensors):
    """Each tensor with at least two dims: ``() -> (1, 1)``, ``(n,) -> (1, n)`` (a row), as ``torch.atleast_2d``."""
    return _each("atleast_2d", lambda t: reshape(t, (1,) * (2 - t.ndim) + t.shape) if t.ndim < 2 else t, tensors)


def atleast_3d(*tensors):
    """Each tensor with at least three dims, as ``torch.atleast_3d``: ``() -> (1, 1, 1)``, ``(n,) -> (1, n, 1)``,
    ``(m, n) -> (m, n, 1)``: a vector becomes one row of one-channel pixels, a matrix one image of one channel."""
    def fix(t):
        return {0: (1, 1, 1), 1: (1,) + t.shape + (1,), 2: t.shape + (1,)}.get(t.ndim)
    return _each("atleast_3d", lambda t: reshape(t, fix(t)) if t.ndim < 3 else t, tensors)


# --------------------------------------------------------------------------- stacking along a dim
def hstack(tensors) -> Tensor:
    """The tensors joined side by side (``torch.hstack``): along dim 0 for vectors, along dim 1 (the columns)
    otherwise; 0-d tensors count as vectors of one. ``hstack([(2, 3), (2, 1)])`` is ``(2, 4)``."""
    ts = _promoted([atleast_1d(t) for t in _sequence("hstack", tensors)])
    return concatenate(ts, 0 if ts[0].ndim == 1 else 1)


def vstack(tensors) -> Tensor:
    """The tensors joined one below the other (``torch.vstack``): along dim 0, after :func:`atleast_2d`, so
    vectors become rows: ``vstack([(3,), (3,)])`` is ``(2, 3)``."""
    return concatenate(_promoted([atleast_2d(t) for t in _sequence("vstack", tensors)]), 0)


def row_stack(tensors) -> Tensor:
    """:func:`vstack` under its other name (``torch.row_stack``)."""
    return concatenate(_promoted([atleast_2d(t) for t in _sequence("row_stack", tensors)]), 0)


def dstack(tensors) -> Tensor:
    """The tensors joined in depth (``torch.dstack``): along dim 2, after :func:`atleast_3d`: two ``(H, W)``
    maps give ``(H, W, 2)``, two vectors of ``n`` give ``(1, n, 2)``."""
    return concatenate(_promoted([atleast_3d(t) for t in _sequence("dstack", tensors)]), 2)


def column_stack(tensors) -> Tensor:
    """The tensors joined as columns (``torch.column_stack``): a 0-d or 1-D tensor of ``n`` elements becomes one
    column ``(n, 1)``, others are kept, and all are joined along dim 1: ``column_stack([(3,), (3, 2)])`` is
    ``(3, 3)``."""
    ts = [reshape(t, (t.numel(), 1)) if t.ndim < 2 else t for t in _sequence("column_stack", tensors)]
    return concatenate(_promoted(ts), 1)


# --------------------------------------------------------------------------- blocks and grids
def block_diag(*tensors) -> Tensor:
    """The block-diagonal matrix with the tensors as its blocks, top left to bottom right, zeros elsewhere
    (``torch.block_diag``): blocks of ``(r_i, c_i)`` give ``(sum r_i, sum c_i)``. A 0-d tensor is a ``(1, 1)``
    block and a vector of ``n`` a ``(1, n)`` row. With no tensors the result is ``(1, 0)``, as in PyTorch.

    Each block is padded with zero blocks to the full width and the rows are joined, so the gradient of each
    block is its own part of the result's gradient."""
    blocks = list(_tensor_args("block_diag", tensors))
    for i, t in enumerate(blocks):
        if t.ndim > 2:
            raise ValueError(f"block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has {t.ndim} "
                             f"dimensions (shape {t.shape})")
    if not blocks:
        return Tensor(backend.xp_for("cpu").zeros((1, 0), dtype=_default_float()))
    blocks = _promoted([reshape(t, (1,) * (2 - t.ndim) + t.shape) for t in blocks])
    width, left, rows = sum(t.shape[1] for t in blocks), 0, []
    for t in blocks:
        xp = backend.xp_of(t.data)
        r, c = t.shape
        pad_l = Tensor(xp.zeros((r, left), dtype=t.dtype))
        pad_r = Tensor(xp.zeros((r, width - left - c), dtype=t.dtype))
        rows.append(concatenate([pad_l, t, pad_r], 1))
        left += c
    return concatenate(rows, 0)


def meshgrid(*tensors, indexing: str | None = None) -> tuple[Tensor, ...]:
    """Coordinate grids from 1-D tensors of sizes ``n_0, n_1, ...`` (``torch.meshgrid``): one tensor per input,
    each of shape ``(n_0, n_1, ...)``, the ``i``-th holding input ``i``'s values along dim ``i`` and repeated along
    the others. ``indexing='xy'`` (NumPy's and plotting's convention) swaps the first two dims: ``(n_1, n_0, ...)``,
    x along the columns. PyTorch's default is ``'ij'`` and so is minigan's; as PyTorch, minigan warns when
    ``indexing`` is not given (pass it to be explicit and silence the warning). 0-d tensors count as size 1.

    Each grid is its input reshaped to lie along its dim and broadcast to the full shape, so its gradient is
    summed over the copies."""
    ts = _tensor_args("meshgrid", tensors)
    if not ts:
        raise ValueError("meshgrid: expects a non-empty TensorList")
    if indexing is None:
        warnings.warn("meshgrid: pass indexing='ij' (the default, used here) or indexing='xy'; PyTorch warns that "
                      "a coming release will require the argument", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise ValueError(f'meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    for i, t in enumerate(ts):
        if t.ndim > 1:
            raise ValueError(f"meshgrid: expected 0D or 1D tensors, but tensor {i} has shape {t.shape}")
        if t.dtype != ts[0].dtype:
            raise TypeError(f"meshgrid: expects all tensors to have the same dtype, got {ts[0].dtype} and "
                            f"{t.dtype} (tensor {i})")
    axes = list(range(len(ts)))
    if indexing == "xy" and len(ts) > 1:
        axes[0], axes[1] = 1, 0
    shape = [0] * len(ts)
    for t, a in zip(ts, axes):
        shape[a] = t.numel()
    return tuple(broadcast_to(reshape(t, tuple(n if d == a else 1 for d, n in enumerate(shape))), tuple(shape))
                 for t, a in zip(ts, axes))


def cartesian_prod(*tensors) -> Tensor:
    """Every combination of one element from each 1-D tensor, as rows, the last tensor varying fastest
    (``torch.cartesian_prod``, ``itertools.product``): sizes ``n_0, n_1, ...`` give ``(n_0 * n_1 * ..., k)``
    for ``k`` tensors; one tensor is returned as it is. The columns are the flattened :func:`meshgrid`
    (``'ij'``), stacked."""
    ts = _tensor_args("cartesian_prod", tensors)
    for t in ts:
        if t.ndim != 1:
            raise ValueError(f"cartesian_prod: expect a 1D vector, but got shape {t.shape}")
    if len(ts) == 1:
        return ts[0]
    return stack([reshape(g, (-1,)) for g in meshgrid(*ts, indexing="ij")], 1)
