"""Multi-head attention, as ``torch.nn.MultiheadAttention``: parameter names, shapes, initialisation,
arguments, masks and output shapes are PyTorch's, so a PyTorch state dict (as arrays) loads unchanged.

Multi-head attention runs ``num_heads`` scaled dot-product attentions side by side, each on its own
``head_dim = embed_dim // num_heads`` slice of learned projections of the inputs, and mixes their outputs::

    Q = query Wqᵀ + bq,  K = key Wkᵀ + bk,  V = value Wvᵀ + bv         (N, L, E), (N, S, E), (N, S, E)
    head_h = softmax(Q_h K_hᵀ / sqrt(head_dim) + mask) V_h                (N, L, head_dim), h = 0..num_heads-1
    output = concat(head_0, ..., head_{num_heads-1}) Woᵀ + bo            (N, L, E)

Each head can look for something different (one for the neighbouring position, one for the same colour...)
at the cost of one. Self-attention is ``mha(x, x, x)``; SAGAN's generator and discriminator use it on a
feature map flattened to a sequence of H * W positions. The attention itself is
:func:`~minigan.ops.attention.attention_with_weights`, composed of differentiable ops, so gradients and
double backward come for free.
"""
from __future__ import annotations

import warnings

import numpy as np

from .. import backend
from ..autograd import Tensor
from ..ops import cat, linear, mean, pad, reshape, transpose, unsqueeze
from ..ops.attention import attention_with_weights
from ..ops.shape import astype, broadcast_to
from . import init
from .factory import factory
from .layers import Linear
from .module import Module

NAME = "MultiheadAttention"


class MultiheadAttention(Module):
    """``num_heads`` attentions in parallel over projections of ``query``, ``key`` and ``value``; mirrors
    ``torch.nn.MultiheadAttention``.

    Parameters: ``in_proj_weight (3E, E)`` (Wq, Wk, Wv stacked) when ``kdim == vdim == embed_dim``, else
    ``q_proj_weight (E, E)``, ``k_proj_weight (E, kdim)``, ``v_proj_weight (E, vdim)``; ``in_proj_bias (3E,)``
    with ``bias``; ``bias_k``, ``bias_v (1, 1, E)`` with ``add_bias_kv`` (a learned key/value position appended
    to every sequence); ``out_proj`` a Linear(E, E). Init as PyTorch's: xavier_uniform_ on the in-projection
    weights, zeros on both biases, xavier_normal_ on bias_k/bias_v. ``add_zero_attn`` appends a key and a value
    of zeros (after ``bias_k``/``bias_v``). ``dropout`` is on the attention weights, in training mode only.

    Shapes (``batch_first=False``, PyTorch's default): query ``(L, N, E)``, key ``(S, N, kdim)``, value
    ``(S, N, vdim)`` -> output ``(L, N, E)``; with ``batch_first=True`` the first two dims are swapped;
    unbatched ``(L, E), (S, kdim), (S, vdim) -> (L, E)``. Weights ``(N, L, S)`` averaged over heads, or
    ``(N, num_heads, L, S)`` with ``average_attn_weights=False`` (unbatched without N); None with
    ``need_weights=False``. S counts the extra positions of ``add_bias_kv`` and ``add_zero_attn``.
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = False, device=None, dtype=None) -> None:
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"{NAME}: embed_dim and num_heads must be greater than 0, got embed_dim={embed_dim} "
                             f"and num_heads={num_heads}")
        if embed_dim % num_heads:
            raise ValueError(f"{NAME}: embed_dim={embed_dim} must be divisible by num_heads={num_heads} (each head "
                             f"gets embed_dim // num_heads features)")
        super().__init__()
        make = factory(self, device, dtype)
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads, self.dropout, self.batch_first = num_heads, dropout, batch_first
        self.head_dim = embed_dim // num_heads
        if self._qkv_same_embed_dim:
            self.in_proj_weight = make.parameter((3 * embed_dim, embed_dim))
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = make.parameter((embed_dim, embed_dim))
            self.k_proj_weight = make.parameter((embed_dim, self.kdim))
            self.v_proj_weight = make.parameter((embed_dim, self.vdim))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = make.parameter(3 * embed_dim)
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, **make.kwargs)
        if add_bias_kv:
            self.bias_k, self.bias_v = make.parameter((1, 1, embed_dim)), make.parameter((1, 1, embed_dim))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        """PyTorch's init (``out_proj.weight`` keeps Linear's own)."""
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for w in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(w)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
            init.xavier_normal_(self.bias_v)

    # ----------------------------------------------------------------- checks
    def _check(self, query, key, value, key_padding_mask, attn_mask) -> bool:
        """PyTorch's shape rules, each error saying what was expected and what came; True when batched."""
        for name, t in (("query", query), ("key", key), ("value", value)):
            if not isinstance(t, Tensor):
                raise TypeError(f"{NAME}: expected {name} to be a Tensor, got {type(t).__name__}")
        dtype = self.out_proj.weight.dtype
        if not query.dtype == key.dtype == value.dtype == dtype:
            raise TypeError(f"{NAME}: expected query, key and value of the layer's dtype {dtype}, got {query.dtype}, "
                            f"{key.dtype} and {value.dtype} (convert the inputs, or the layer with .to(dtype))")
        if query.ndim not in (2, 3):
            raise ValueError(f"{NAME}: expected query to be 3-D (batched) or 2-D (unbatched), got shape {query.shape}")
        batched = query.ndim == 3
        if key.ndim != query.ndim or value.ndim != query.ndim:
            raise ValueError(f"{NAME}: for a {query.ndim}-D query expected key and value to be {query.ndim}-D too, "
                             f"got shapes {key.shape} and {value.shape}")
        layout = ("(N, {}, {})" if self.batch_first else "({}, N, {})") if batched else "({}, {})"
        for name, t, seq, dim in (("query", query, "L", self.embed_dim), ("key", key, "S", self.kdim),
                                  ("value", value, "S", self.vdim)):
            if t.shape[-1] != dim:
                raise ValueError(f"{NAME}: expected {name} of shape {layout.format(seq, dim)}, got shape {t.shape}")
        seq_axis = 1 if batched and self.batch_first else 0
        if key.shape[seq_axis] != value.shape[seq_axis]:
            raise ValueError(f"{NAME}: key and value must have one length S, got shapes {key.shape} and "
                             f"{value.shape}")
        if batched and not query.shape[1 - seq_axis] == key.shape[1 - seq_axis] == value.shape[1 - seq_axis]:
            raise ValueError(f"{NAME}: query, key and value must have one batch size N, got shapes {query.shape}, "
                             f"{key.shape} and {value.shape}")
        L, S = query.shape[seq_axis], key.shape[seq_axis]
        N = query.shape[1 - seq_axis] if batched else None
        if key_padding_mask is not None:
            want, named = ((N, S), "(N, S)") if batched else ((S,), "(S,)")
            if tuple(key_padding_mask.shape) != want:
                raise ValueError(f"{NAME}: expected key_padding_mask of shape {want} ({named}), got "
                                 f"{tuple(key_padding_mask.shape)}")
        if key_padding_mask is not None and attn_mask is not None and key_padding_mask.dtype != attn_mask.dtype:
            warnings.warn(f"{NAME}: a key_padding_mask of dtype {key_padding_mask.dtype} with an attn_mask of dtype "
                          f"{attn_mask.dtype}: PyTorch deprecates mismatched mask types; use one type for both",
                          stacklevel=4)
        if attn_mask is not None:
            shape = tuple(attn_mask.shape)
            three = ((N if batched else 1) * self.num_heads, L, S)
            if shape not in ((L, S), three):
                raise ValueError(f"{NAME}: expected attn_mask of shape (L, S) = {(L, S)} or "
                                 f"({'N*' if batched else ''}num_heads, L, S) = {three}, got {shape}")
        return batched

    # ----------------------------------------------------------------- pieces of the forward
    def _in_projection(self, query: Tensor, key: Tensor, value: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        E = self.embed_dim
        if self._qkv_same_embed_dim:
            w = self.in_proj_weight
            ws = (w[:E], w[E:2 * E], w[2 * E:])
        else:
            ws = (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)
        b = self.in_proj_bias
        bs = (None, None, None) if b is None else (b[:E], b[E:2 * E], b[2 * E:])
        return tuple(linear(x, w_, b_) for x, w_, b_ in zip((query, key, value), ws, bs))

    def _heads(self, x: Tensor) -> Tensor:
        """``(N, T, E) -> (N, num_heads, T, head_dim)``: head h gets features ``h*head_dim .. (h+1)*head_dim``."""
        N, T, _ = x.shape
        return transpose(reshape(x, (N, T, self.num_heads, self.head_dim)), 1, 2)

    def _mask(self, mask, name: str, like: Tensor, shape: tuple[int, ...]) -> Tensor:
        """A bool mask (True = hidden) as 0 / -inf, or a float mask as it is, reshaped to broadcast against the
        scores ``(N, num_heads, L, S)``, with one 0 column per key position ``add_bias_kv``/``add_zero_attn`` add."""
        if not isinstance(mask, Tensor):
            arr = mask if backend.is_array(mask) else np.asarray(mask)
            mask = Tensor(backend.to_device(arr, like.device))
        if mask.dtype == np.bool_:
            xp = backend.xp_of(mask.data)
            mask = Tensor(xp.where(mask.data, -xp.inf, 0.0).astype(like.dtype))
        elif mask.dtype.kind == "f":
            mask = astype(mask, like.dtype)
        else:
            raise TypeError(f"{NAME}: only bool and floating-point {name} are supported, got dtype {mask.dtype}")
        mask = reshape(mask, shape)
        extra = int(self.bias_k is not None) + int(self.add_zero_attn)
        return pad(mask, (0, extra)) if extra else mask

    def forward(self, query: Tensor, key: Tensor, value: Tensor, key_padding_mask=None, need_weights: bool = True,
                attn_mask=None, average_attn_weights: bool = True, is_causal: bool = False):
        """``(attn_output, attn_weights)``; see the class docstring for the shapes.

        ``key_padding_mask`` ``(N, S)`` (``(S,)`` unbatched): bool with True = that key is padding, ignore it;
        or float, added to the scores. ``attn_mask`` ``(L, S)`` or ``(N * num_heads, L, S)``: bool with
        True = query i may NOT attend to key j (the opposite of ``scaled_dot_product_attention``'s bool mask,
        as in PyTorch), or float, added. ``is_causal`` is a hint that ``attn_mask`` is the causal mask and needs
        it; as in PyTorch, the mask itself is used unless ``need_weights=False`` and no ``key_padding_mask``.

        A query that can attend to no key gets zero weights and a zero attention row (then ``out_proj``'s
        bias), as torch's ``need_weights=False`` path gives; torch's ``need_weights=True`` path gives nan there.
        """
        key_padding_mask, attn_mask = (m if m is None or isinstance(m, Tensor) or backend.is_array(m)
                                       else np.asarray(m) for m in (key_padding_mask, attn_mask))
        batched = self._check(query, key, value, key_padding_mask, attn_mask)
        if is_causal and attn_mask is None:
            raise ValueError(f"{NAME}: is_causal=True is a hint that attn_mask is the causal mask, and needs that "
                             "attn_mask: pass the (L, S) bool mask with True above the diagonal")
        if not batched:                                                     # a batch of one
            query, key, value = (unsqueeze(t, 0) for t in (query, key, value))
        elif not self.batch_first:
            query, key, value = (transpose(t, 0, 1) for t in (query, key, value))
        N, L, E = query.shape
        H = self.num_heads
        q, k, v = self._in_projection(query, key, value)                   # (N, L, E), (N, S, E), (N, S, E)
        if self.bias_k is not None:                                         # a learned extra key and value
            k = cat([k, broadcast_to(self.bias_k, (N, 1, E))], dim=1)
            v = cat([v, broadcast_to(self.bias_v, (N, 1, E))], dim=1)
        q, k, v = self._heads(q), self._heads(k), self._heads(v)           # (N, H, L, hd), (N, H, S, hd) ...
        if self.add_zero_attn:                                              # a key and a value of zeros
            zeros = Tensor(backend.xp_of(k.data).zeros((N, H, 1, self.head_dim), dtype=k.dtype))
            k, v = cat([k, zeros], dim=2), cat([v, zeros], dim=2)
        causal = is_causal and key_padding_mask is None and not need_weights
        mask = None
        if attn_mask is not None and not causal:
            S = attn_mask.shape[-1]
            mask = self._mask(attn_mask, "attn_mask", q, (1, 1, L, S) if attn_mask.ndim == 2 else (N, H, L, S))
        if key_padding_mask is not None:
            kpm = self._mask(key_padding_mask, "key_padding_mask", q, (N, 1, 1, key_padding_mask.shape[-1]))
            mask = kpm if mask is None else mask + kpm
        p = self.dropout if self.training else 0.0
        out, weights = attention_with_weights(q, k, v, mask, dropout_p=p, is_causal=causal)
        out = self.out_proj(reshape(transpose(out, 1, 2), (N, L, E)))      # heads side by side, then mixed
        if not batched:
            out = out[0]
        elif not self.batch_first:
            out = transpose(out, 0, 1)
        if not need_weights:
            return out, None
        if average_attn_weights:
            weights = mean(weights, dim=1)
        return out, (weights if batched else weights[0])
