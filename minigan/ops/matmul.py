"""Matrix products. For ``y = a @ b``: ``ga = gy @ bᵀ`` and ``gb = aᵀ @ gy`` — the backward of a
matmul is two more matmuls, with leading (batch) dimensions broadcast like NumPy's and summed back."""
from __future__ import annotations

from ..autograd import Function, Tensor
from ._util import lift
from .shape import reshape, sum_to


def _mT(t: Tensor) -> Tensor:
    from .shape import transpose
    return transpose(t, -1, -2)


class MatMul(Function):
    @staticmethod
    def forward(ctx, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError("matmul: both operands need at least one dimension, "
                             f"got shapes {tuple(a.shape)} and {tuple(b.shape)}")
        ka = a.shape[-1]
        kb = b.shape[-2] if b.ndim > 1 else b.shape[0]
        if ka != kb:
            raise ValueError(f"matmul: shapes {tuple(a.shape)} and {tuple(b.shape)} do not align "
                             f"({ka} != {kb})")
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        # Treat vectors as matrices so one formula serves every case, then undo.
        a2 = reshape(a, (1,) + a.shape) if a.ndim == 1 else a
        b2 = reshape(b, b.shape + (1,)) if b.ndim == 1 else b
        g2 = gy
        if a.ndim == 1:
            g2 = reshape(g2, g2.shape[:-1] + (1,) + g2.shape[-1:]) if b.ndim > 1 else reshape(g2, g2.shape + (1,))
        if b.ndim == 1:
            g2 = reshape(g2, g2.shape + (1,))
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = g2 @ _mT(b2)
            ga = reshape(sum_to(ga, a2.shape), a.shape)
        if ctx.needs_input_grad[1]:
            gb = _mT(a2) @ g2
            gb = reshape(sum_to(gb, b2.shape), b.shape)
        return ga, gb


def matmul(a, b) -> Tensor:
    """``a @ b``. Both operands must have one dtype: matmul does not promote, as in PyTorch."""
    a, b = (a, lift(b, a)) if isinstance(a, Tensor) else (lift(a, b), b)
    if a.dtype != b.dtype:
        raise TypeError(f"matmul: expected both operands to have the same dtype, got {a.dtype} and {b.dtype} "
                        f"(shapes {a.shape} and {b.shape}); convert one with .to(dtype) or .float()")
    return MatMul.apply(a, b)
