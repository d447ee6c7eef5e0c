"""Transformer layers, as ``torch.nn``'s: ``TransformerEncoderLayer``, ``TransformerDecoderLayer``, the stacks
``TransformerEncoder`` and ``TransformerDecoder``, and the whole encoder-decoder ``Transformer`` (Vaswani et al.
2017, "Attention Is All You Need"). Submodule and parameter names, their order, shapes and initialisation,
arguments, masks and output shapes are PyTorch's, so a PyTorch state dict (as arrays) loads unchanged.

**One encoder layer** turns a sequence of ``S`` vectors of ``d_model`` features into another one of the same
shape, in two steps, each a *residual* step (the input plus something computed from it)::

    x = norm1(x + SelfAttention(x))              every position reads from every other position
    x = norm2(x + FeedForward(x))                every position on its own: linear2(dropout(act(linear1(x))))

``SelfAttention(x)`` is :class:`~minigan.nn.MultiheadAttention` with query, key and value all ``x``
(``self_attn``); ``FeedForward`` widens each position to ``dim_feedforward`` features, applies ``activation``
(relu or gelu) and narrows it back to ``d_model``; the norms are :class:`~minigan.nn.LayerNorm` over the
features. Each branch ends in dropout (``dropout1``, ``dropout2``; ``dropout`` is inside the feed-forward),
active in training mode only. The residual path lets the gradient reach early layers unchanged, as in a
ResNet. With ``norm_first=True`` ("pre-LN", easier to train deep) each branch normalises its input instead,
and the residual path has no norm at all::

    x = x + SelfAttention(norm1(x))
    x = x + FeedForward(norm2(x))

**One decoder layer** has three steps: *masked* self-attention over the target sequence ``tgt`` (``self_attn``,
usually with a causal ``tgt_mask``, so position ``t`` only reads positions ``0..t``: a model trained to predict
token ``t + 1`` must not see it), then *cross-attention* (``multihead_attn``) whose queries are the target
positions and whose keys and values are the encoder's output ``memory`` (each target position reads from the
whole source), then the feed-forward; ``norm1..3`` and ``dropout1..3`` as above (before each branch with
``norm_first``). A ``Transformer`` runs the encoder stack on ``src`` to get ``memory``, then the decoder stack
on ``tgt`` and ``memory``; each stack is ``num_layers`` deep copies of one layer, with a final LayerNorm.

**Masks.** An *attention mask* (``src_mask``, ``tgt_mask``, ``memory_mask``; ``(L, S)`` or
``(N * nhead, L, S)``) says which query may read which key: a bool mask is True where reading is *forbidden*
(the opposite of ``scaled_dot_product_attention``'s, as in PyTorch), a float mask is added to the scores
(``-inf`` forbids, ``0`` allows). :meth:`Transformer.generate_square_subsequent_mask` makes the causal one.
A *key padding mask* (``*_key_padding_mask``, ``(N, S)``; ``(S,)`` unbatched) says which positions of each
sequence of a batch are padding (True, or ``-inf``), so no query reads them. The ``*is_causal`` arguments are
hints that the mask given is the causal one; ``None`` in the stacks means "find out by comparing the mask with
the causal mask", as PyTorch does. Either way the result is the same.

Shapes (``batch_first=False``, PyTorch's default): ``src (S, N, E)``, ``tgt (T, N, E)`` -> output
``(T, N, E)``; ``batch_first=True`` swaps the first two dims; unbatched ``(S, E)``, ``(T, E)`` -> ``(T, E)``.

PyTorch has a fused "fast path" (and nested tensors in ``TransformerEncoder``) that it takes in evaluation
mode without autograd under some settings; minigan always takes the plain path, which is what PyTorch computes
too, up to rounding, with one visible difference: torch's fast path returns 0 at the padded positions of
``src_key_padding_mask``, where the plain path (and minigan) computes them like any other. Everything is
composed of differentiable layers, so gradients (and double backward) come for free.
"""
from __future__ import annotations

import copy
import warnings
from typing import Any, Callable

import numpy as np

from .. import backend
from ..autograd import Tensor
from ..ops import gelu, relu
from . import init
from .attention import MultiheadAttention
from .container import ModuleList
from .factory import factory
from .layers import LayerNorm, Linear
from .module import Module
from .reshape import Dropout


# ----------------------------------------------------------------------------- helpers
def _activation(activation, layer: str) -> Callable:
    """The feed-forward's activation: ``"relu"``, ``"gelu"`` or a callable (a function or a Module)."""
    if isinstance(activation, str):
        if activation == "relu":
            return relu
        if activation == "gelu":
            return gelu
        raise ValueError(f"{layer}: activation should be 'relu' or 'gelu' (or a callable), got {activation!r}")
    if not callable(activation):
        raise TypeError(f"{layer}: activation should be 'relu', 'gelu' or a callable, got "
                        f"{type(activation).__name__}")
    return activation


def _as_tensor(mask, like: Tensor):
    """``mask`` as a Tensor on ``like``'s device (an array or a nested list becomes one); None stays None."""
    if mask is None or isinstance(mask, Tensor):
        return mask
    arr = mask if backend.is_array(mask) else np.asarray(mask)
    return Tensor(backend.to_device(arr, like.device))


def _canonical_mask(mask, name: str, like: Tensor, layer: str, other=None, other_name: str = ""):
    """``mask`` as the float mask attention adds to its scores, of ``like``'s dtype: a bool mask's True (hidden)
    becomes ``-inf`` and its False 0; a float mask is kept. As PyTorch's encoder layers, warn when ``other`` (the
    key padding mask's partner) is of another dtype."""
    mask, other = _as_tensor(mask, like), _as_tensor(other, like)
    if mask is None:
        return None
    if mask.dtype != np.bool_ and mask.dtype.kind != "f":
        raise TypeError(f"{layer}: only bool and floating-point {name} are supported, got dtype {mask.dtype}")
    if other is not None and other.dtype != mask.dtype:
        warnings.warn(f"{layer}: a {name} of dtype {mask.dtype} with a {other_name} of dtype {other.dtype}: "
                      "PyTorch deprecates mismatched mask types; use one type for both", stacklevel=4)
    if mask.dtype == np.bool_:
        xp = backend.xp_of(mask.data)
        mask = Tensor(xp.where(mask.data, -xp.inf, 0.0).astype(like.dtype))
    return mask


def _seq_len(x: Tensor, batch_first: bool) -> int:
    return x.shape[0] if x.ndim == 2 else x.shape[1 if batch_first else 0]


def _detect_is_causal_mask(mask: Tensor | None, is_causal: bool | None, size: int) -> bool:
    """``is_causal`` when it is given; for ``None``, whether ``mask`` is the ``(size, size)`` causal mask
    (``-inf``, or True, above the diagonal and 0, or False, elsewhere), as PyTorch's stacks find out."""
    if is_causal is not None or mask is None:
        return is_causal is True
    if tuple(mask.shape) != (size, size):
        return False
    xp = backend.xp_of(mask.data)
    above = xp.triu(xp.ones((size, size), dtype=bool), 1)
    want = above if mask.dtype == np.bool_ else xp.where(above, -xp.inf, 0.0)
    return bool(xp.array_equal(mask.data, want))


def _check_input(layer: Module, name: str, x, seq: str) -> None:
    """``x`` is ``(seq, N, d_model)`` (or ``(N, seq, d_model)`` with batch_first), or ``(seq, d_model)``."""
    cls = type(layer).__name__
    if not isinstance(x, Tensor):
        raise TypeError(f"{cls}: expected {name} to be a Tensor, got {type(x).__name__}")
    E = layer.self_attn.embed_dim
    if x.ndim not in (2, 3) or x.shape[-1] != E:
        batched = f"(N, {seq}, {E})" if layer.self_attn.batch_first else f"({seq}, N, {E})"
        raise ValueError(f"{cls}: expected {name} of shape {batched} or ({seq}, {E}) unbatched (d_model={E}), "
                         f"got shape {x.shape}")


def _get_clones(module: Module, n: int) -> ModuleList:
    """``n`` deep copies of ``module``, each with parameters of its own (equal at first, as in PyTorch)."""
    return ModuleList([copy.deepcopy(module) for _ in range(n)])


# ----------------------------------------------------------------------------- layers
class TransformerEncoderLayer(Module):
    """Self-attention, then a position-wise feed-forward network, each with a residual connection and a
    LayerNorm (after, or before with ``norm_first``); see the module docstring. ``(S, N, E) -> (S, N, E)``
    (``(N, S, E)`` with ``batch_first``; ``(S, E)`` unbatched). ``bias=False`` drops the biases of every Linear,
    of the attention and of the LayerNorms. Each submodule keeps its own init."""

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: str | Callable[[Tensor], Tensor] = relu, layer_norm_eps: float = 1e-5,
                 batch_first: bool = False, norm_first: bool = False, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__()
        make = factory(self, device, dtype).kwargs
        activation = _activation(activation, type(self).__name__)
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first,
                                            **make)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **make)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **make)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **make)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **make)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = activation        # a Module (nn.GELU()) is registered, as in PyTorch; a function is not

    def forward(self, src: Tensor, src_mask=None, src_key_padding_mask=None, is_causal: bool = False) -> Tensor:
        """``src_mask`` ``(S, S)`` or ``(N * nhead, S, S)``, ``src_key_padding_mask`` ``(N, S)`` (``(S,)``
        unbatched): bool (True = hidden) or float (added); ``is_causal``: a hint that ``src_mask`` is causal."""
        name = type(self).__name__
        _check_input(self, "src", src, "S")
        src_key_padding_mask = _canonical_mask(src_key_padding_mask, "src_key_padding_mask", src, name,
                                               other=src_mask, other_name="src_mask")
        src_mask = _canonical_mask(src_mask, "src_mask", src, name)
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff_block(x))
        return x

    def _sa_block(self, x: Tensor, attn_mask, key_padding_mask, is_causal: bool) -> Tensor:
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask, need_weights=False,
                           is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x: Tensor) -> Tensor:
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerDecoderLayer(Module):
    """Masked self-attention over ``tgt``, cross-attention from ``tgt`` to ``memory`` (the encoder's output), then
    the feed-forward network, each with a residual connection and a LayerNorm (after, or before with
    ``norm_first``); see the module docstring. ``tgt (T, N, E)``, ``memory (S, N, E)`` -> ``(T, N, E)``
    (batch first with ``batch_first``; ``(T, E)``, ``(S, E)`` -> ``(T, E)`` unbatched)."""

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: str | Callable[[Tensor], Tensor] = relu, layer_norm_eps: float = 1e-5,
                 batch_first: bool = False, norm_first: bool = False, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__()
        make = factory(self, device, dtype).kwargs
        activation = _activation(activation, type(self).__name__)
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, batch_first=batch_first, bias=bias,
                                            **make)
        self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout, batch_first=batch_first,
                                                 bias=bias, **make)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **make)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **make)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **make)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **make)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **make)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        self.activation = activation

    def forward(self, tgt: Tensor, memory: Tensor, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal: bool = False, memory_is_causal: bool = False) -> Tensor:
        """``tgt_mask`` ``(T, T)`` or ``(N * nhead, T, T)``, ``memory_mask`` ``(T, S)`` or ``(N * nhead, T, S)``,
        ``tgt_key_padding_mask`` ``(N, T)``, ``memory_key_padding_mask`` ``(N, S)``: bool (True = hidden) or
        float (added); ``*_is_causal``: hints that the mask is causal."""
        self._check(tgt, memory)
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask, memory_key_padding_mask, memory_is_causal)
            x = x + self._ff_block(self.norm3(x))
        else:
            x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
            x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask, memory_is_causal))
            x = self.norm3(x + self._ff_block(x))
        return x

    def _check(self, tgt, memory) -> None:
        _check_input(self, "tgt", tgt, "T")
        _check_input(self, "memory", memory, "S")
        name = type(self).__name__
        if tgt.ndim != memory.ndim:
            raise ValueError(f"{name}: tgt and memory must both be batched (3-D) or both unbatched (2-D), got shapes "
                             f"{tgt.shape} and {memory.shape}")
        batch_axis = 0 if self.self_attn.batch_first else 1
        if tgt.ndim == 3 and tgt.shape[batch_axis] != memory.shape[batch_axis]:
            raise ValueError(f"{name}: tgt and memory must have one batch size N (dim {batch_axis}), got shapes "
                             f"{tgt.shape} and {memory.shape}")

    def _sa_block(self, x: Tensor, attn_mask, key_padding_mask, is_causal: bool) -> Tensor:
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask, is_causal=is_causal,
                           need_weights=False)[0]
        return self.dropout1(x)

    def _mha_block(self, x: Tensor, mem: Tensor, attn_mask, key_padding_mask, is_causal: bool) -> Tensor:
        x = self.multihead_attn(x, mem, mem, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                                is_causal=is_causal, need_weights=False)[0]
        return self.dropout2(x)

    def _ff_block(self, x: Tensor) -> Tensor:
        return self.dropout3(self.linear2(self.dropout(self.activation(self.linear1(x)))))


# ----------------------------------------------------------------------------- stacks
class TransformerEncoder(Module):
    """``num_layers`` deep copies of ``encoder_layer`` (``layers.0``, ``layers.1``, ...) applied in turn, then
    ``norm`` if given. The copies start with equal parameters, as in PyTorch; each has its own.

    ``enable_nested_tensor`` and ``mask_check`` are kept for PyTorch code; minigan has no nested tensors
    (``use_nested_tensor`` is always False) and always takes the plain path."""

    def __init__(self, encoder_layer: Module, num_layers: int, norm: Module | None = None,
                 enable_nested_tensor: bool = True, mask_check: bool = True) -> None:
        super().__init__()
        self.layers = _get_clones(encoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor
        self.use_nested_tensor = False
        self.mask_check = mask_check

    def forward(self, src: Tensor, mask=None, src_key_padding_mask=None, is_causal: bool | None = None) -> Tensor:
        """The same masks as :meth:`TransformerEncoderLayer.forward` (``mask`` is its ``src_mask``), passed to
        every layer; ``is_causal=None`` finds out whether ``mask`` is the causal mask."""
        name = type(self).__name__
        if not isinstance(src, Tensor):
            raise TypeError(f"{name}: expected src to be a Tensor, got {type(src).__name__}")
        src_key_padding_mask = _canonical_mask(src_key_padding_mask, "src_key_padding_mask", src, name,
                                               other=mask, other_name="mask")
        mask = _canonical_mask(mask, "mask", src, name)
        is_causal = _detect_is_causal_mask(mask, is_causal, _seq_len(src, self.layers[0].self_attn.batch_first))
        output = src
        for mod in self.layers:
            output = mod(output, src_mask=mask, is_causal=is_causal, src_key_padding_mask=src_key_padding_mask)
        if self.norm is not None:
            output = self.norm(output)
        return output


class TransformerDecoder(Module):
    """``num_layers`` deep copies of ``decoder_layer`` (``layers.0``, ...) applied in turn, each reading the same
    ``memory``, then ``norm`` if given."""

    def __init__(self, decoder_layer: Module, num_layers: int, norm: Module | None = None) -> None:
        super().__init__()
        self.layers = _get_clones(decoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, tgt: Tensor, memory: Tensor, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal: bool | None = None,
                memory_is_causal: bool = False) -> Tensor:
        """The masks of :meth:`TransformerDecoderLayer.forward`, passed to every layer; ``tgt_is_causal=None``
        finds out whether ``tgt_mask`` is the causal mask."""
        if not isinstance(tgt, Tensor):
            raise TypeError(f"{type(self).__name__}: expected tgt to be a Tensor, got {type(tgt).__name__}")
        tgt_mask = _as_tensor(tgt_mask, tgt)
        tgt_is_causal = _detect_is_causal_mask(tgt_mask, tgt_is_causal,
                                               _seq_len(tgt, self.layers[0].self_attn.batch_first))
        output = tgt
        for mod in self.layers:
            output = mod(output, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                         tgt_key_padding_mask=tgt_key_padding_mask, memory_key_padding_mask=memory_key_padding_mask,
                         tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)
        if self.norm is not None:
            output = self.norm(output)
        return output


class Transformer(Module):
    """The encoder-decoder model: ``memory = encoder(src)``, ``output = decoder(tgt, memory)``;
    ``src (S, N, E)``, ``tgt (T, N, E)`` -> ``(T, N, E)`` (batch first with ``batch_first``; unbatched
    ``(S, E)``, ``(T, E)`` -> ``(T, E)``). Each stack ends in a LayerNorm (``encoder.norm``, ``decoder.norm``)
    unless a ``custom_encoder``/``custom_decoder`` replaces it. As PyTorch's, every parameter with more than one
    dim (all the weight matrices) is then drawn again with ``xavier_uniform_``, so the layers of a stack differ."""

    def __init__(self, d_model: int = 512, nhead: int = 8, num_encoder_layers: int = 6, num_decoder_layers: int = 6,
                 dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: str | Callable[[Tensor], Tensor] = relu, custom_encoder: Any | None = None,
                 custom_decoder: Any | None = None, layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        make = factory(self, device, dtype).kwargs
        layer_args = (d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps, batch_first,
                      norm_first, bias)
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            self.encoder = TransformerEncoder(TransformerEncoderLayer(*layer_args, **make), num_encoder_layers,
                                              LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **make))
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            self.decoder = TransformerDecoder(TransformerDecoderLayer(*layer_args, **make), num_decoder_layers,
                                              LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **make))
        self._reset_parameters()
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first

    def _reset_parameters(self) -> None:
        """PyTorch's init: xavier_uniform_ on every parameter with more than one dim; biases and norms keep
        their own."""
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)

    def forward(self, src: Tensor, tgt: Tensor, src_mask=None, tgt_mask=None, memory_mask=None,
                src_key_padding_mask=None, tgt_key_padding_mask=None, memory_key_padding_mask=None,
                src_is_causal: bool | None = None, tgt_is_causal: bool | None = None,
                memory_is_causal: bool = False) -> Tensor:
        """``src_mask (S, S)``, ``tgt_mask (T, T)``, ``memory_mask (T, S)`` (or ``(N * nhead, ., .)``) and the key
        padding masks ``(N, S)``, ``(N, T)``, ``(N, S)``; see the module docstring."""
        name = type(self).__name__
        for what, t in (("src", src), ("tgt", tgt)):
            if not isinstance(t, Tensor):
                raise TypeError(f"{name}: expected {what} to be a Tensor, got {type(t).__name__}")
        if src.ndim != tgt.ndim:
            raise ValueError(f"{name}: src and tgt must both be batched (3-D) or both unbatched (2-D), got shapes "
                             f"{src.shape} and {tgt.shape}")
        batch_axis = 0 if self.batch_first else 1
        if src.ndim == 3 and src.shape[batch_axis] != tgt.shape[batch_axis]:
            raise ValueError(f"{name}: the batch number of src and tgt must be equal (dim {batch_axis} with "
                             f"batch_first={self.batch_first}), got shapes {src.shape} and {tgt.shape}")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise ValueError(f"{name}: the feature number of src and tgt must be equal to d_model={self.d_model}, "
                             f"got shapes {src.shape} and {tgt.shape}")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask, tgt_is_causal=tgt_is_causal,
                            memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device=None, dtype=None) -> Tensor:
        """The causal float mask ``(sz, sz)``: 0 on and below the diagonal (position i reads 0..i), ``-inf``
        above it (the future is hidden). ``dtype`` float32 unless given."""
        dtype = np.dtype(np.float32 if dtype is None else dtype)
        mask = np.triu(np.full((sz, sz), -np.inf, dtype=dtype), 1)
        return Tensor(backend.to_device(mask, backend.normalize_device(device)))


__all__ = ["Transformer", "TransformerEncoder", "TransformerDecoder", "TransformerEncoderLayer",
           "TransformerDecoderLayer"]
