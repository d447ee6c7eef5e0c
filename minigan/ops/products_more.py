"""PyTorch's other names and small compositions around products and norms: vdot and ger (dot and outer),
chain_matmul (a chain of matrix products), dist (the p-norm of a difference) and renorm (slices whose p-norm
passes a bound scaled back to it). Each is a composition of differentiable ops, so its gradient is theirs."""
from __future__ import annotations

from ..autograd import Tensor
from ._util import normalize_dim
from .arithmetic import div, where
from .linalg import multi_dot
from .matmul import dot, outer
from .reduction import norm


def vdot(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002 - PyTorch's argument names
    """The inner product of two 1-D tensors of one length, as ``torch.vdot`` (which conjugates the first:
    nothing to do for real tensors), so :func:`~minigan.ops.matmul.dot`."""
    if input.ndim != 1 or other.ndim != 1:
        raise ValueError(f"vdot: 1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    if input.shape != other.shape:
        raise ValueError(f"vdot: inconsistent tensor size, expected tensor [{input.shape[0]}] and src "
                         f"[{other.shape[0]}] to have the same number of elements")
    return dot(input, other)


def ger(input: Tensor, vec2: Tensor) -> Tensor:  # noqa: A002
    """The outer product of two vectors (``torch.ger``, the old name of :func:`~minigan.ops.matmul.outer`)."""
    return outer(input, vec2)


def chain_matmul(*matrices) -> Tensor:
    """The product of 2-D tensors in order (``torch.chain_matmul``, now ``torch.linalg.multi_dot``), grouped
    to need the fewest multiplications; one matrix is returned as a copy of itself (``A * 1``)."""
    if not matrices:
        raise ValueError("chain_matmul(): Expected one or more matrices")
    for i, m in enumerate(matrices):
        if m.ndim != 2:
            raise ValueError(f"chain_matmul(): Tensor dimension is {m.ndim}, expected 2 instead (tensor {i})")
    if len(matrices) == 1:
        return matrices[0] * 1
    return multi_dot(matrices)


def dist(input: Tensor, other: Tensor, p=2) -> Tensor:  # noqa: A002
    """``||input - other||_p`` over all elements (broadcast first), a 0-d tensor, as ``torch.dist``: the p-norm
    (:func:`~minigan.ops.reduction.norm`) of the difference; p may be 0, inf, -inf or any number."""
    return norm(input - other, float(p))


def renorm(input: Tensor, p, dim: int, maxnorm) -> Tensor:  # noqa: A002
    """Each slice ``input.select(dim, i)`` whose p-norm exceeds ``maxnorm`` scaled down to norm ``maxnorm``,
    the others kept, as ``torch.renorm``: ``x * where(n > maxnorm, maxnorm / (n + 1e-7), 1)`` with ``n`` the
    slice's norm (PyTorch's 1e-7 too). The scale is a function of x, and its gradient flows through it."""
    if input.ndim < 2:
        raise ValueError(f"renorm: input needs at least 2 dimensions, got {input.ndim} dimensions")
    if p <= 0:
        raise ValueError(f"renorm: non-positive norm not supported, got p = {p}")
    if maxnorm < 0:
        raise ValueError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    d = normalize_dim(dim, input.ndim, "renorm")
    others = tuple(i for i in range(input.ndim) if i != d)
    n = norm(input, float(p), others, keepdim=True)
    scale = where(n.data > maxnorm, div(maxnorm, n + 1e-7), 1.0)
    return input * scale
