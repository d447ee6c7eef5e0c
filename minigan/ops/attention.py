"""Scaled dot-product attention, as ``torch.nn.functional.scaled_dot_product_attention``.

Attention lets every position of one sequence (the queries) read from every position of another (the
keys and values), by weights that the data itself decides::

    scores  = Q Kᵀ / sqrt(E) + mask           (..., L, S)   how well query i matches key j
    weights = softmax(scores, along S)        (..., L, S)   each row is positive and sums to 1
    output  = weights V                       (..., L, Ev)  each row a weighted mean of the value rows

with the shapes

- ``Q`` query ``(..., L, E)``: L target positions, each an E-vector ("what am I looking for?");
- ``K`` key ``(..., S, E)``: S source positions, each an E-vector ("what do I hold?"), compared with the
  queries by dot products, so Q and K share E;
- ``V`` value ``(..., S, Ev)``: what each source position hands over when it is attended to; Ev may differ
  from E;
- ``...``: any batch dims (batch, heads), broadcast between the three as in :func:`~minigan.ops.matmul`.

Why divide by ``sqrt(E)``: a dot product of two E-vectors of unit-variance entries has variance E, so
without it the scores grow with E, the softmax saturates to one-hot rows and its gradient vanishes.

A mask says which keys each query may see. A boolean ``attn_mask`` is True where a pair *takes part*
(False pairs get ``-inf`` before the softmax, hence weight 0); a float mask is added to the scores (``-inf``
hides a pair, a finite number biases it). ``is_causal=True`` is the lower-triangular boolean mask: query i
sees keys 0..i, so a sequence model cannot read the future. Beware: ``nn.MultiheadAttention`` takes a boolean
mask the other way round (True = hidden).

Everything here is composed of differentiable minigan ops (matmul, masked_fill, softmax, where, dropout), so
the backward and double backward come from theirs: ``gV = weightsᵀ gOut``, ``gW = gOut Vᵀ``, then the softmax's
backward and two more matmuls give ``gQ`` and ``gK``. In a GAN this is SAGAN's self-attention block
(Zhang et al. 2019): Q, K and V are 1x1 convolutions of one feature map, L = S = H * W.
"""
from __future__ import annotations

import math

import numpy as np

from .. import backend
from ..autograd import Tensor
from .activation import softmax
from .arithmetic import where
from .indexing import masked_fill
from .matmul import matmul
from .normalization import dropout
from .shape import astype, broadcast_to, reshape, transpose, unsqueeze

OP = "scaled_dot_product_attention"


def _check_qkv(query: Tensor, key: Tensor, value: Tensor) -> None:
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{OP}: expected {name} to be a Tensor, got {type(t).__name__}")
    if min(query.ndim, key.ndim, value.ndim) < 2:
        raise ValueError(f"{OP}: expected query (..., L, E), key (..., S, E) and value (..., S, Ev) to be at least "
                         f"2-D, got shapes {query.shape}, {key.shape} and {value.shape}")
    if not query.dtype == key.dtype == value.dtype or query.dtype.kind != "f":
        raise TypeError(f"{OP}: expected query, key and value of one floating-point dtype, got {query.dtype}, "
                        f"{key.dtype} and {value.dtype}")
    if query.shape[-1] != key.shape[-1]:
        raise ValueError(f"{OP}: query (..., L, E) and key (..., S, E) must share E, got shapes {query.shape} and "
                         f"{key.shape}")
    if key.shape[-2] != value.shape[-2]:
        raise ValueError(f"{OP}: key (..., S, E) and value (..., S, Ev) must share S, got shapes {key.shape} and "
                         f"{value.shape}")


def _repeat_interleave_heads(t: Tensor, repeats: int) -> Tensor:
    """``t.repeat_interleave(repeats, dim=-3)``: head h becomes heads h*r .. h*r + r-1, as a broadcast
    ``(..., H, 1, S, E) -> (..., H, r, S, E)`` merged to ``(..., H*r, S, E)`` (its backward sums the copies)."""
    if repeats == 1:
        return t
    wide = broadcast_to(unsqueeze(t, -3), t.shape[:-2] + (repeats,) + t.shape[-2:])
    return reshape(wide, t.shape[:-3] + (t.shape[-3] * repeats,) + t.shape[-2:])


def _gqa(query: Tensor, key: Tensor, value: Tensor) -> tuple[Tensor, Tensor]:
    """Grouped-query attention (Ainslie et al. 2023), torch's rule: with Hq query heads and Hk, Hv key and
    value heads (dim -3), each of Hk and Hv must divide Hq, and key and value are repeat-interleaved to Hq
    heads, so query heads ``g*Hq/Hk .. (g+1)*Hq/Hk - 1`` share key head g."""
    if query.ndim < 3 or key.ndim < 3 or value.ndim < 3:
        raise ValueError(f"{OP}: enable_gqa needs a heads dim (-3) on query, key and value, got shapes "
                         f"{query.shape}, {key.shape} and {value.shape}")
    hq, hk, hv = query.shape[-3], key.shape[-3], value.shape[-3]
    if hq == hk == hv:
        return key, value
    if hq % hk or hq % hv:
        raise ValueError(f"{OP}: with enable_gqa the number of heads in key ({hk}) and value ({hv}) must divide "
                         f"the number of heads in query ({hq})")
    return _repeat_interleave_heads(key, hq // hk), _repeat_interleave_heads(value, hq // hv)


def _mask_on(attn_mask, query: Tensor):
    """The mask as a boolean array or a float Tensor on the query's device (torch's dtype rule: bool, the
    query's dtype, or float32; a float32 mask is cast to the query's dtype by a recorded op)."""
    if isinstance(attn_mask, Tensor):
        if attn_mask.device != query.device:
            raise RuntimeError(f"{OP}: expected attn_mask on the query's device {query.device}, got it on "
                               f"{attn_mask.device}")
    elif backend.is_array(attn_mask):
        attn_mask = Tensor(backend.to_device(attn_mask, query.device))
    else:
        attn_mask = Tensor(np.asarray(attn_mask), device=query.device)
    if attn_mask.dtype == np.bool_:
        return attn_mask.data
    if attn_mask.dtype != query.dtype and attn_mask.dtype != np.float32:
        raise TypeError(f"{OP}: expected attn_mask of dtype bool, float32 or the query's dtype {query.dtype}, "
                        f"got {attn_mask.dtype}")
    return astype(attn_mask, query.dtype)


def _masked_scores(scores: Tensor, attn_mask, is_causal: bool, query: Tensor) -> Tensor:
    """``scores`` with the mask applied: -inf where a boolean mask is False, a float mask added."""
    xp = backend.xp_of(scores.data)
    if is_causal:
        if attn_mask is not None:
            raise ValueError(f"{OP}: give either attn_mask or is_causal=True, not both (is_causal is the lower-"
                             "triangular mask)")
        L, S = scores.shape[-2:]
        attn_mask = xp.tril(xp.ones((L, S), dtype=bool))
    if attn_mask is None:
        return scores
    mask = _mask_on(attn_mask, query)
    try:
        fits = np.broadcast_shapes(scores.shape, tuple(mask.shape)) == scores.shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"{OP}: attn_mask of shape {tuple(mask.shape)} does not broadcast to the attention "
                         f"scores' shape {scores.shape} (..., L, S)")
    if isinstance(mask, Tensor):
        return scores + mask
    return masked_fill(scores, xp.logical_not(mask), float("-inf"))


def safe_softmax(scores: Tensor) -> Tensor:
    """Softmax along the last dim, where a row that is ``-inf`` throughout (a query with no key to attend to)
    gives zeros instead of ``0/0 = nan``, as torch's own ``_safe_softmax`` in its attention. That row is
    replaced by zeros before the softmax too, so neither the forward nor the gradient sees a nan."""
    xp = backend.xp_of(scores.data)
    empty = xp.all(scores.data == -xp.inf, axis=-1, keepdims=True)      # constant: no gradient flows here
    if not bool(empty.any()):
        return softmax(scores, dim=-1)
    return where(empty, 0.0, softmax(where(empty, 0.0, scores), dim=-1))


def attention_with_weights(query: Tensor, key: Tensor, value: Tensor, attn_mask=None, dropout_p: float = 0.0,
                           is_causal: bool = False, scale: float | None = None,
                           enable_gqa: bool = False) -> tuple[Tensor, Tensor]:
    """:func:`scaled_dot_product_attention` that also returns the attention weights ``(..., L, S)`` (after
    dropout, as ``nn.MultiheadAttention`` returns them): ``(output, weights)``."""
    _check_qkv(query, key, value)
    if not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"{OP}: dropout_p must be in [0, 1], got {dropout_p}")
    if enable_gqa:
        key, value = _gqa(query, key, value)
    try:
        np.broadcast_shapes(query.shape[:-2], key.shape[:-2], value.shape[:-2])
    except ValueError:
        raise ValueError(f"{OP}: the batch dims of query {query.shape}, key {key.shape} and value {value.shape} "
                         "do not broadcast" + ("" if enable_gqa or query.ndim < 3 else
                                               " (different numbers of heads need enable_gqa=True)")) from None
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    scores = matmul(query, transpose(key, -2, -1)) * scale                  # (..., L, S)
    scores = _masked_scores(scores, attn_mask, is_causal, query)
    weights = dropout(safe_softmax(scores), dropout_p, training=True)       # identity when dropout_p == 0
    return matmul(weights, value), weights                                  # (..., L, Ev)


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor, attn_mask=None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """``softmax(Q Kᵀ * scale + mask) V``: ``(..., L, E), (..., S, E), (..., S, Ev) -> (..., L, Ev)``, as
    ``torch.nn.functional.scaled_dot_product_attention`` (torch 2.x), batch dims broadcast.

    - ``attn_mask``: boolean, True where query i may attend to key j (False gets ``-inf``); or float, added
      to the scores. It must broadcast to ``(..., L, S)``. A NumPy array is taken too.
    - ``is_causal``: the lower-triangular mask ``tril(ones(L, S))`` (top-left aligned when L != S); an error
      together with ``attn_mask``, as in torch.
    - ``scale``: ``1 / sqrt(E)`` by default.
    - ``dropout_p``: dropout on the attention weights, always applied when > 0 (as torch's function, which
      has no training flag: pass ``dropout_p=0.0`` in evaluation). It draws from minigan's generator
      (``mg.manual_seed``), so its masks are not torch's.
    - ``enable_gqa``: grouped-query attention: key and value may have fewer heads (dim -3) than the query, a
      divisor of its number; they are repeat-interleaved to match, as torch does.

    A query row whose keys are all masked (every score ``-inf``) gets zero weights, so a zero output row and
    zero gradients, as torch 2.13 returns (not the ``nan`` a plain softmax would give).
    """
    return attention_with_weights(query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa)[0]
