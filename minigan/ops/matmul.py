"""Matrix products. For ``y = a @ b``: ``ga = gy @ bᵀ`` and ``gb = aᵀ @ gy`` — the backward of a
matmul is two more matmuls, with leading (batch) dimensions broadcast like NumPy's and summed back.

PyTorch's stricter names are matmul with a shape check in front: ``mm`` (two matrices), ``bmm`` (two batches
of matrices, no broadcasting), ``mv`` (matrix times vector), ``dot`` (two vectors); ``outer`` is a broadcast
product. The ``add*`` family adds a scaled input to a scaled product, ``beta * input + alpha * product``:
``addmm`` (a linear layer's ``bias + x @ Wᵀ``), ``baddbmm`` (batch by batch), ``addbmm`` (the products of a batch
summed, one matrix product), ``addmv`` and ``addr`` (an outer product). Their gradients are those of the
product, scaled by ``alpha``, and ``beta`` times the input's, summed over where it broadcast."""
from __future__ import annotations

from ..autograd import Function, Tensor
from ._util import lift, result_type
from .arithmetic import add, mul
from .shape import astype, permute, reshape, sum_to


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
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError(f"{op}: expected Tensors, got {type(a).__name__} and {type(b).__name__}")
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


def _matrices(op: str, a, b) -> tuple[Tensor, Tensor]:
    a, b = _operands(op, a, b)
    _need_dims(op, (2, 2), a, b, "two 2-D matrices")
    if a.shape[1] != b.shape[0]:
        raise ValueError(f"{op}: shapes {a.shape} and {b.shape} cannot be multiplied ({a.shape[0]}x{a.shape[1]} and "
                         f"{b.shape[0]}x{b.shape[1]}: {a.shape[1]} != {b.shape[0]})")
    return a, b


def mm(a, b) -> Tensor:
    """The product of two matrices, ``(n, k) @ (k, m) -> (n, m)``, as ``torch.mm``: no vectors, no batches,
    no broadcasting (use :func:`matmul` for those)."""
    return MatMul.apply(*_matrices("mm", a, b))


def _batches(op: str, a, b) -> tuple[Tensor, Tensor]:
    a, b = _operands(op, a, b)
    _need_dims(op, (3, 3), a, b, "two 3-D tensors (batches of matrices)")
    if b.shape[:2] != (a.shape[0], a.shape[2]):
        raise ValueError(f"{op}: for a batch of shape {a.shape}, expected the second batch to start with "
                         f"({a.shape[0]}, {a.shape[2]}) (same batch size, rows matching the columns), got {b.shape}")
    return a, b


def bmm(a, b) -> Tensor:
    """Matrix products batch by batch, ``(B, n, k) @ (B, k, m) -> (B, n, m)``, as ``torch.bmm``: both 3-D with
    the same batch size (no broadcasting)."""
    return MatMul.apply(*_batches("bmm", a, b))


def _matrix_vector(op: str, a, v) -> tuple[Tensor, Tensor]:
    a, v = _operands(op, a, v)
    _need_dims(op, (2, 1), a, v, "a 2-D matrix and a 1-D vector")
    if a.shape[1] != v.shape[0]:
        raise ValueError(f"{op}: size mismatch, the matrix {a.shape} has {a.shape[1]} columns but the vector "
                         f"{v.shape} has {v.shape[0]} elements")
    return a, v


def mv(a, v) -> Tensor:
    """A matrix times a vector, ``(n, k) @ (k,) -> (n,)``, as ``torch.mv``."""
    return MatMul.apply(*_matrix_vector("mv", a, v))


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


# --------------------------------------------------------------------------- beta * input + alpha * product
def _plus_scaled(op: str, input, product: Tensor, beta, alpha, operands: str,  # noqa: A002 - PyTorch's name
                 promote: bool = False) -> Tensor:
    """``beta * input + alpha * product``, the tail of every ``add*`` op: ``input`` must broadcast to the product's
    shape without adding dims (a bias row for a batch of rows is the usual case) and have its dtype (``addr``
    promotes instead, as in PyTorch). With ``beta=0`` the input is not read at all (``0 * nan`` would be nan),
    so a NaN or inf in it does not spread, as in PyTorch."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected input to be a Tensor, got {type(input).__name__}")
    fits = input.ndim <= product.ndim and all(n in (1, m) for n, m in zip(input.shape[::-1], product.shape[::-1]))
    if not fits:
        raise ValueError(f"{op}: input of shape {input.shape} does not broadcast to the product's shape "
                         f"{product.shape} ({operands})")
    if promote:
        dtype = result_type(input, product)
        input, product = astype(input, dtype), astype(product, dtype)
    if input.dtype != product.dtype:
        raise TypeError(f"{op}: expected input and the product's operands to have the same dtype, got "
                        f"{input.dtype} and {product.dtype}")
    if product.dtype.kind in "biu":
        for name, value in (("beta", beta), ("alpha", alpha)):
            if isinstance(value, float):
                raise TypeError(f"{op}: for integral input tensors, argument {name} must not be a floating point "
                                f"number, got {name}={value}")
    if alpha != 1:
        product = mul(product, alpha)
    if beta == 0:
        return product
    return add(input if beta == 1 else mul(input, beta), product)


def addmm(input: Tensor, m1, m2, *, beta=1, alpha=1) -> Tensor:  # noqa: A002 - PyTorch's name
    """``beta * input + alpha * (m1 @ m2)``, as ``torch.addmm``: ``m1 (n, k)``, ``m2 (k, m)`` as in :func:`mm`,
    and ``input`` broadcast to ``(n, m)`` (a bias row of shape ``(m,)`` is the usual case). With ``beta=0``
    ``input`` is ignored, so a NaN in it does not spread, as in PyTorch."""
    m1, m2 = _matrices("addmm", m1, m2)
    return _plus_scaled("addmm", input, MatMul.apply(m1, m2), beta, alpha, f"m1 {m1.shape} @ m2 {m2.shape}")


def baddbmm(input: Tensor, batch1, batch2, *, beta=1, alpha=1) -> Tensor:  # noqa: A002 - PyTorch's name
    """``beta * input + alpha * bmm(batch1, batch2)``, as ``torch.baddbmm``: ``(B, n, k) @ (B, k, m) -> (B, n, m)``
    as :func:`bmm`, and ``input`` broadcast to ``(B, n, m)`` (``(n, m)``, ``(m,)`` or ``()`` too). Attention
    scores with a mask added are one: ``baddbmm(mask, q, kᵀ, alpha=1/sqrt(d))``. ``beta=0`` ignores ``input``."""
    b1, b2 = _batches("baddbmm", batch1, batch2)
    return _plus_scaled("baddbmm", input, MatMul.apply(b1, b2), beta, alpha, f"batch1 {b1.shape} @ batch2 {b2.shape}")


def addbmm(input: Tensor, batch1, batch2, *, beta=1, alpha=1) -> Tensor:  # noqa: A002 - PyTorch's name
    """``beta * input + alpha * (sum over b of batch1[b] @ batch2[b])``, as ``torch.addbmm``: ``(B, n, k)``,
    ``(B, k, m)`` and ``input`` broadcast to ``(n, m)``; ``beta=0`` ignores ``input``.

    The sum of the batch's products is ONE matrix product: ``batch1``'s matrices side by side, ``(n, B k)``,
    times ``batch2``'s stacked, ``(B k, m)``, since ``sum_b sum_j A_b[i, j] B_b[j, l]`` runs over the pairs
    ``(b, j)`` as one index. So no ``(B, n, m)`` batch of products is ever made, and the backward is a
    matmul's."""
    b1, b2 = _operands("addbmm", batch1, batch2)
    _need_dims("addbmm", (3, 3), b1, b2, "two 3-D tensors (batches of matrices)")
    if b1.shape[0] != b2.shape[0]:
        raise ValueError(f"addbmm: batch1 and batch2 must have the same number of batches, got {b1.shape[0]} and "
                         f"{b2.shape[0]} (shapes {b1.shape} and {b2.shape})")
    (n_batch, n, k), m = b1.shape, b2.shape[2]
    if b2.shape[1] != k:
        raise ValueError(f"addbmm: incompatible matrix sizes for the products ({n}x{k} and {b2.shape[1]}x{m}: "
                         f"{k} != {b2.shape[1]})")
    side_by_side = reshape(permute(b1, (1, 0, 2)), (n, n_batch * k))
    product = MatMul.apply(side_by_side, reshape(b2, (n_batch * k, m)))
    return _plus_scaled("addbmm", input, product, beta, alpha, f"batch1 {b1.shape} @ batch2 {b2.shape}, summed")


def addmv(input: Tensor, mat, vec, *, beta=1, alpha=1) -> Tensor:  # noqa: A002 - PyTorch's name
    """``beta * input + alpha * (mat @ vec)``, as ``torch.addmv``: ``(n, k) @ (k,) -> (n,)`` as in :func:`mv`, and
    ``input`` broadcast to ``(n,)`` (so ``(n,)``, ``(1,)`` or ``()``); ``beta=0`` ignores ``input``."""
    mat, vec = _matrix_vector("addmv", mat, vec)
    return _plus_scaled("addmv", input, MatMul.apply(mat, vec), beta, alpha, f"mat {mat.shape} @ vec {vec.shape}")


def addr(input: Tensor, vec1, vec2, *, beta=1, alpha=1) -> Tensor:  # noqa: A002 - PyTorch's name
    """``beta * input + alpha * outer(vec1, vec2)``, as ``torch.addr``: ``(n,), (m,) -> (n, m)``, and ``input``
    broadcast to ``(n, m)``; ``beta=0`` ignores ``input``. As in PyTorch, its dtypes promote as ``*`` and ``+``
    do (a float32 input and float64 vectors give float64), where the other ``add*`` ops demand one dtype."""
    for name, v in (("vec1", vec1), ("vec2", vec2)):
        if not isinstance(v, Tensor):
            raise TypeError(f"addr: expected argument {name} to be a Tensor, got {type(v).__name__}")
        if v.ndim != 1:
            raise ValueError(f"addr: expected 1-D argument {name}, but got {v.ndim}-D (shape {v.shape})")
    product = outer(vec1, vec2)
    return _plus_scaled("addr", input, product, beta, alpha, f"outer of vec1 {vec1.shape} and vec2 {vec2.shape}",
                        promote=True)
