"""Matrix products. For ``y = a @ b``: ``ga = gy @ bᵀ`` and ``gb = aᵀ @ gy`` — the backward of a
matmul is two more matmuls, with leading (batch) dimensions broadcast like NumPy's and summed back.

PyTorch's stricter names are matmul with a shape check in front: ``mm`` (two matrices), ``bmm`` (two batches
of matrices, no broadcasting), ``mv`` (matrix times vector), ``dot`` (two vectors), and ``addmm``
(``beta * input + alpha * m1 @ m2``, a linear layer's ``bias + x @ Wᵀ``); ``outer`` is a broadcast product."""
from __future__ import annotations

from ..autograd import Function, Tensor
from ._util import lift
from .arithmetic import add, mul
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


def _operands(op: str, a, b) -> tuple[Tensor, Tensor]:
    """Both operands as Tensors (a list or a number lifted beside the other) of one dtype: matrix products do
    not promote, as in PyTorch."""
    a, b = (a, lift(b, a)) if isinstance(a, Tensor) else (lift(a, b), b)
    if a.dtype != b.dtype:
        raise TypeError(f"{op}: expected both operands to have the same dtype, got {a.dtype} and {b.dtype} "
                        f"(shapes {a.shape} and {b.shape}); convert one with .to(dtype) or .float()")
    return a, b


def matmul(a, b) -> Tensor:
    """``a @ b``. Both operands must have one dtype: matmul does not promote, as in PyTorch."""
    return MatMul.apply(*_operands("matmul", a, b))


def _need_dims(op: str, wanted: tuple[int, int], a: Tensor, b: Tensor, what: str) -> None:
    if (a.ndim, b.ndim) != wanted:
        raise ValueError(f"{op}: expected {what}, got {a.ndim}-D and {b.ndim}-D tensors (shapes {a.shape} and "
                         f"{b.shape})")


def mm(a, b) -> Tensor:
    """The product of two matrices, ``(n, k) @ (k, m) -> (n, m)``, as ``torch.mm``: no vectors, no batches,
    no broadcasting (use :func:`matmul` for those)."""
    a, b = _operands("mm", a, b)
    _need_dims("mm", (2, 2), a, b, "two 2-D matrices")
    if a.shape[1] != b.shape[0]:
        raise ValueError(f"mm: shapes {a.shape} and {b.shape} cannot be multiplied ({a.shape[0]}x{a.shape[1]} and "
                         f"{b.shape[0]}x{b.shape[1]}: {a.shape[1]} != {b.shape[0]})")
    return MatMul.apply(a, b)


def bmm(a, b) -> Tensor:
    """Matrix products batch by batch, ``(B, n, k) @ (B, k, m) -> (B, n, m)``, as ``torch.bmm``: both 3-D with
    the same batch size (no broadcasting)."""
    a, b = _operands("bmm", a, b)
    _need_dims("bmm", (3, 3), a, b, "two 3-D tensors (batches of matrices)")
    if b.shape[:2] != (a.shape[0], a.shape[2]):
        raise ValueError(f"bmm: for a batch of shape {a.shape}, expected the second batch to start with "
                         f"({a.shape[0]}, {a.shape[2]}) (same batch size, rows matching the columns), got {b.shape}")
    return MatMul.apply(a, b)


def mv(a, v) -> Tensor:
    """A matrix times a vector, ``(n, k) @ (k,) -> (n,)``, as ``torch.mv``."""
    a, v = _operands("mv", a, v)
    _need_dims("mv", (2, 1), a, v, "a 2-D matrix and a 1-D vector")
    if a.shape[1] != v.shape[0]:
        raise ValueError(f"mv: size mismatch, the matrix {a.shape} has {a.shape[1]} columns but the vector "
                         f"{v.shape} has {v.shape[0]} elements")
    return MatMul.apply(a, v)


def dot(a, b) -> Tensor:
    """The inner product of two vectors of one length, a 0-d tensor, as ``torch.dot``."""
    a, b = _operands("dot", a, b)
    _need_dims("dot", (1, 1), a, b, "two 1-D tensors")
    if a.shape != b.shape:
        raise ValueError(f"dot: expected two vectors of the same length, got {a.shape[0]} and {b.shape[0]} "
                         "elements")
    return MatMul.apply(a, b)


def outer(a, b) -> Tensor:
    """``a[i] * b[j]``, ``(n,), (m,) -> (n, m)``, as ``torch.outer``: a broadcast product (exact, no sums), with
    the dtypes promoted as ``*`` does."""
    if not (isinstance(a, Tensor) and a.ndim == 1 and isinstance(b, Tensor) and b.ndim == 1):
        shapes = [x.shape if isinstance(x, Tensor) else type(x).__name__ for x in (a, b)]
        raise ValueError(f"outer: expected two 1-D tensors, got {shapes[0]} and {shapes[1]}")
    return mul(reshape(a, (a.shape[0], 1)), reshape(b, (1, b.shape[0])))


def addmm(input: Tensor, m1, m2, *, beta=1, alpha=1) -> Tensor:  # noqa: A002 - PyTorch's name
    """``beta * input + alpha * (m1 @ m2)``, as ``torch.addmm``: ``m1 (n, k)``, ``m2 (k, m)`` as in :func:`mm`,
    and ``input`` broadcast to ``(n, m)`` (a bias row of shape ``(m,)`` is the usual case). With ``beta=0``
    ``input`` is ignored, so a NaN in it does not spread, as in PyTorch."""
    product = mm(m1, m2)
    fits = input.ndim <= 2 and all(n in (1, m) for n, m in zip(input.shape[::-1], product.shape[::-1]))
    if not fits:
        raise ValueError(f"addmm: input of shape {input.shape} does not broadcast to the product's shape "
                         f"{product.shape} (m1 {tuple(m1.shape)} @ m2 {tuple(m2.shape)})")
    if alpha != 1:
        product = mul(product, alpha)
    if beta == 0:
        return product
    return add(input if beta == 1 else mul(input, beta), product)
