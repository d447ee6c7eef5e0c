"""A classifier head and its loss in one call: ``linear_cross_entropy(x, W, t) = cross_entropy(linear(x, W), t)``,
as ``torch.nn.functional.linear_cross_entropy``, with a reference path and a chunked one.

Why a fused op: the logits ``z = x Wᵀ + b`` of a head with many classes are often the largest tensor of a model.
Input ``(N, D)``, weight ``(C, D)``, logits ``(N, C)``: with N = 2048 rows, D = 128 features and C = 8192 classes
in float32, ``x`` is 1 MiB, ``W`` 4 MiB, and the logits 64 MiB. The reference path (``options=None``) keeps them,
and the log-softmax of the same size, for its backward.

The chunked path (``options`` a :class:`~minigan.nn.LinearCrossEntropyOptions`) never holds all of them. Its
forward walks the batch in chunks of ``B`` rows; for each chunk it computes the ``(B, C)`` logits, their
log-sum-exp ``lse_i = log sum_c exp(z_ic)`` and the loss ``w_(t_i) (lse_i - z_(i, t_i))``, and drops the logits.
It keeps ``x``, ``W``, ``b`` (which the model holds anyway) and one number a row (``lse``). Its backward
recomputes each chunk's logits (a second ``B x D x C`` product: the price) and from them the gradient::

    dL/dz_ic = g_i (softmax(z_i)_c - [c == t_i]),      softmax(z_i)_c = exp(z_ic - lse_i)
    dL/dx_i  = sum_c dL/dz_ic W_c       dL/dW = sum over chunks of dL/dz_chunkᵀ x_chunk      dL/db = sum_i dL/dz_i

where ``g_i`` is the upstream gradient times the row's class weight (divided by the sum of the counted rows'
weights for ``"mean"``; 0 for an ignored row). Measured with ``tracemalloc`` on that example (forward and
backward, batch_chunk_size=256): the largest array the reference path saves for its backward is 64 MiB (the
logits), and its peak is 256 MiB; the chunked path's largest saved array is ``W`` itself (4 MiB), and its peak
57 MiB, a few ``(256, 8192)`` chunk arrays (8 MiB each) at a time. The price: the backward computes the logits again.

The backward is written in minigan's ops, so it can be differentiated again (``create_graph=True``), which
PyTorch's chunked path does not allow; there the softmax is taken from the recomputed logits (differentiable)
instead of the saved ``lse`` (a constant).

What falls back to the reference path, with a warning, as in PyTorch: K-dimensional weights ``(C, d1, ..., dK,
D)`` (and so K-dimensional biases), ``label_smoothing != 0``, and probability (float) targets; a reduction other
than ``"mean"``, ``"sum"``, ``"none"`` also falls back, and the reference raises for it. Class indices of any
integer dtype take the chunked path (minigan's cross_entropy takes them all; PyTorch wants int64).

The options: ``batch_chunk_size`` and ``chunking_method`` (``"auto"``, ``None``, ``"aspect_ratio[:k]"``) pick
``B`` as PyTorch picks it (:func:`chunk_size`). ``acc_dtype`` is the dtype the logits, the log-sum-exp and the
weight gradient are accumulated in (float32 for a float16 input; otherwise the input's dtype, as PyTorch
requires). ``acc_policy`` is accepted and checked but has no effect here: it chooses between PyTorch's kernels
and scratch buffers. ``allow_retain_graph`` is PyTorch's guard: with ``"mean"``/``"sum"`` a second backward
through the same graph raises unless it is True (minigan's recomputing backward would not need it; it is kept
so code moves between the two unchanged); ``"none"`` ignores it."""
from __future__ import annotations

import math
import warnings

import numpy as np

from .. import backend
from ..autograd import Function, Tensor, is_grad_enabled
from .activation import softmax
from .arithmetic import exp
from .loss import cross_entropy
from .loss_classes import check_index_target, class_indices, class_weights
from .matmul import matmul
from .normalization import linear
from .reduction import sum as _sum
from .shape import astype, concatenate, getitem, reshape, transpose

_CHUNKED_REDUCTIONS = ("mean", "sum", "none")


def chunk_size(options, n: int, in_features: int, n_classes: int) -> int:
    """The rows per chunk ``B`` the options give for ``n`` rows, as PyTorch picks it: ``batch_chunk_size`` if
    given (``"auto"`` then yields to it), else ``chunking_method``'s: ``"aspect_ratio:k"`` makes the ``(B, C)``
    logits about as large as the ``(N, D)`` input, divided by k (``B = next_pow2(ceil(N / ceil(C / D))) // k``);
    ``"auto"`` is ``"aspect_ratio:2"``; ``None`` means one chunk of all ``n`` rows."""
    method, size = options.chunking_method, options.batch_chunk_size
    if method == "auto":
        method = None if size is not None else "aspect_ratio:2"
    b = n if size is None else min(size, n)
    if method is not None:
        name, _, k = method.partition(":")
        rows = -(-n // -(-n_classes // max(in_features, 1)))
        b = min((1 << (rows - 1).bit_length()) // int(k or 1), n)
        if size is not None and size != b:
            raise ValueError(f"linear_cross_entropy: batch_chunk_size (={size}) and chunking_method ('{method}') "
                             f"give different chunk sizes ({size} vs {b}); pass only one.")
    return max(1, b)


def accumulation_dtype(options, dtype) -> np.dtype:
    """The dtype the chunked path accumulates in: ``acc_dtype``, or float32 for a float16 input under
    ``acc_policy="auto"``, else the input's dtype. Like PyTorch, only float32 with a float16 input may differ
    from the input's dtype."""
    dtype = np.dtype(dtype)
    if options.acc_dtype is None:
        auto = options.acc_policy == "auto" and dtype == np.float16
        return np.dtype(np.float32) if auto else dtype
    acc = np.dtype(options.acc_dtype)
    if acc != dtype and not (acc == np.float32 and dtype == np.float16):
        raise RuntimeError(f"linear_cross_entropy supports float32 acc_dtype with float16 inputs, but got {acc} "
                           f"acc_dtype and {dtype} inputs.")
    return acc


class ChunkedLinearCrossEntropy(Function):
    """The loss of ``cross_entropy(x Wᵀ + b, t)`` over ``B``-row chunks: ``x (N, D)``, ``W (C, D)``, ``b (C,)`` or
    None, class indices ``t (N,)`` -> ``(N,)`` with ``"none"``, else ``()``. Only ``x``, ``W``, ``b`` and the
    ``(N,)`` row statistics are kept; the backward recomputes each chunk's logits (see the module's docstring)."""

    @staticmethod
    def forward(ctx, x, w, b, t, class_w, reduction, ignore_index, rows, acc, allow_retain_graph):
        xp = backend.xp_of(x)
        n, n_classes = x.shape[0], w.shape[0]
        counted = t != ignore_index
        bad = counted & ((t < 0) | (t >= n_classes))
        if bool(bad.any()):
            raise IndexError(f"linear_cross_entropy: Target {int(t[bad][0])} is out of bounds: the weight has "
                             f"{n_classes} classes, 0 to {n_classes - 1} (ignore_index is {ignore_index})")
        t = xp.where(counted, t, 0)                     # an ignored row reads class 0, weighted by 0
        row_w = counted.astype(acc) if class_w is None else xp.where(counted, class_w[t], 0).astype(acc)
        lse, picked = xp.empty(n, dtype=acc), xp.empty(n, dtype=acc)
        for s in range(0, n, rows):
            z = x[s:s + rows] @ w.T                     # the (B, C) logits of this chunk, dropped at the loop's end
            z = (z if b is None else z + b).astype(acc, copy=False)
            top = z.max(axis=1)
            lse[s:s + rows] = top + xp.log(xp.exp(z - top[:, None]).sum(axis=1))
            picked[s:s + rows] = z[xp.arange(z.shape[0]), t[s:s + rows]]
        loss = row_w * (lse - picked)
        scale = row_w
        if reduction == "sum":
            loss = loss.sum()
        elif reduction == "mean":
            total = row_w.sum()
            loss = loss.sum() / total if float(total) else xp.asarray(math.nan, dtype=acc)   # 0/0: all ignored
            scale = row_w / total if float(total) else row_w * math.nan
        ctx.save_for_backward(x, w, b)
        ctx.lse, ctx.t, ctx.scale, ctx.rows, ctx.acc = lse, t, scale, rows, acc
        ctx.guarded, ctx.used = reduction != "none" and not allow_retain_graph, False
        return xp.asarray(loss.astype(x.dtype))

    @staticmethod
    def backward(ctx, gy):
        if ctx.guarded and ctx.used:
            raise RuntimeError("linear_cross_entropy chunked backward called twice; retain_graph=True is allowed "
                               "with LinearCrossEntropyOptions(allow_retain_graph=True)")
        ctx.used = True
        x, w, b = ctx.saved_tensors
        xp, acc, rows = backend.xp_of(x.data), ctx.acc, ctx.rows
        need_x, need_w = ctx.needs_input_grad[:2]
        need_b = b is not None and ctx.needs_input_grad[2]
        coef = astype(gy, acc) * Tensor(ctx.scale)       # (N,): the upstream gradient of each row's logits
        gx, gw, gb = [], None, None
        for s in range(0, x.shape[0], rows):
            xc = getitem(x, slice(s, s + rows))
            z = astype(linear(xc, w, b), acc)           # the recomputation: this chunk's logits again
            if is_grad_enabled():                       # create_graph: the softmax as a function of z
                p = softmax(z, axis=1)
            else:
                p = exp(z - Tensor(ctx.lse[s:s + rows, None]))
            onehot = xp.zeros(z.shape, dtype=acc)
            onehot[xp.arange(z.shape[0]), ctx.t[s:s + rows]] = 1
            dz = (p - Tensor(onehot)) * reshape(getitem(coef, slice(s, s + rows)), (-1, 1))    # (B, C)
            if need_x:
                gx.append(astype(matmul(dz, astype(w, acc)), x.dtype))
            if need_w:
                part = matmul(transpose(dz), astype(xc, acc))
                gw = part if gw is None else gw + part
            if need_b:
                gb = _sum(dz, axis=0) if gb is None else gb + _sum(dz, axis=0)
        grads = (concatenate(gx, 0) if need_x else None, astype(gw, w.dtype) if need_w else None)
        return grads if b is None else grads + (astype(gb, b.dtype) if need_b else None,)


def _check_shapes(x: Tensor, w: Tensor, b) -> tuple:
    """PyTorch's checks of the three shapes; returns ``(C, (d1, ..., dK))``."""
    if x.ndim < 1 or x.ndim > 2:
        raise RuntimeError(f"linear_cross_entropy: expected input with dimensionality 1 or 2, got {x.ndim}")
    if w.ndim < 2:
        raise RuntimeError(f"linear_cross_entropy: expected linear_weight with dimensionality at least 2, "
                           f"got {w.ndim}")
    if x.shape[-1] != w.shape[-1]:
        raise RuntimeError(f"linear_cross_entropy: expected equal input and linear_weight last dimensions "
                           f"(in_features), got {x.shape[-1]} and {w.shape[-1]}, respectively")
    n_classes, out_features = w.shape[0], tuple(w.shape[1:-1])
    if b is not None and tuple(b.shape) != (n_classes, *out_features):
        raise RuntimeError(f"linear_cross_entropy: expected linear_bias shape {(n_classes, *out_features)}, "
                           f"got {tuple(b.shape)}")
    if out_features and x.ndim == 1:
        raise RuntimeError(f"linear_cross_entropy: K-dimensional loss defined by linear_weight shape "
                           f"{tuple(w.shape)} requires batched input, (N, {x.shape[-1]}), got unbatched input "
                           f"with shape {tuple(x.shape)}")
    return n_classes, out_features


def linear_cross_entropy(input: Tensor, linear_weight: Tensor, target, *, linear_bias=None,  # noqa: A002
                         weight=None, reduction: str = "mean", ignore_index: int | None = None,
                         label_smoothing: float = 0.0, options=None) -> Tensor:
    """``cross_entropy(linear(input, linear_weight, linear_bias), target, ...)``, as PyTorch's.

    Shapes: input ``(D,)`` or ``(N, D)``; linear_weight ``(C, D)`` or ``(C, d1, ..., dK, D)`` (K-dim loss, batched
    input only); linear_bias ``(C,)`` or ``(C, d1, ..., dK)``; target class indices ``()``, ``(N,)`` or
    ``(N, d1, ..., dK)``, or probabilities of the logits' shape ``(C,)``, ``(N, C)`` or ``(N, C, d1, ..., dK)``
    (a target of the logits' shape is read as probabilities); output ``()``, or with ``"none"`` the target's
    positions. ``ignore_index=None`` means -100 for class indices and is the only value probabilities take.

    ``options=None`` is the reference path (a composition of :func:`linear` and :func:`cross_entropy`); an
    ``options`` object (:class:`~minigan.nn.LinearCrossEntropyOptions`) takes the chunked path of
    :class:`ChunkedLinearCrossEntropy` where it applies, and the reference with a warning where it does not (see
    the module's docstring)."""
    x, w, b = input, linear_weight, linear_bias
    n_classes, out_features = _check_shapes(x, w, b)
    logits_shape = (*x.shape[:-1], n_classes, *out_features)
    t_shape = tuple(target.shape) if hasattr(target, "shape") else ()
    probabilities = t_shape == logits_shape
    if probabilities and ignore_index is not None:
        raise RuntimeError("linear_cross_entropy: ignore_index cannot be specified when target contains "
                           "probabilities")
    ignore_index = -100 if ignore_index is None else ignore_index
    if options is not None:
        t_kind = target.data.dtype.kind if isinstance(target, Tensor) else np.asarray(target).dtype.kind
        if out_features or reduction not in _CHUNKED_REDUCTIONS or label_smoothing != 0.0 or t_kind not in "iu":
            warnings.warn("linear_cross_entropy: ``options`` ignored; the chunked path needs reduction in "
                          "{'mean','sum','none'}, label_smoothing == 0, class-index targets, out_features == (). "
                          f"Got reduction={reduction!r}, label_smoothing={label_smoothing}, target dtype kind "
                          f"{t_kind!r}, out_features={out_features}, linear_bias.shape="
                          f"{None if b is None else tuple(b.shape)}.", stacklevel=2)
        else:
            return _chunked(x, w, b, target, weight, reduction, ignore_index, options)
    if out_features:
        flat = n_classes * math.prod(out_features)
        w = reshape(w, (flat, w.shape[-1]))
        b = None if b is None else reshape(b, (flat,))
    logits = reshape(linear(x, w, b), logits_shape)
    return cross_entropy(logits, target, weight, ignore_index=ignore_index, reduction=reduction,
                         label_smoothing=label_smoothing)


def _chunked(x: Tensor, w: Tensor, b, target, weight, reduction: str, ignore_index: int, options) -> Tensor:
    """The chunked path on a batched view: an unbatched ``(D,)`` input is one row, its loss squeezed back."""
    t = class_indices("linear_cross_entropy", target, x)
    check_index_target("linear_cross_entropy", (*x.shape[:-1], w.shape[0]), t.shape)
    batched = x.ndim == 2
    if not batched:
        x, t = reshape(x, (1, x.shape[0])), t.reshape(1)
    class_w = None if weight is None else class_weights("linear_cross_entropy", weight, w.shape[0], x.data)
    rows = chunk_size(options, x.shape[0], x.shape[1], w.shape[0])
    acc = accumulation_dtype(options, x.dtype)
    loss = ChunkedLinearCrossEntropy.apply(x, w, b, t, class_w, reduction, ignore_index, rows, acc,
                                           bool(options.allow_retain_graph))
    return loss if batched or reduction != "none" else reshape(loss, ())
