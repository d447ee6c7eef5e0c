"""``Embedding``: a learnable lookup table, one row per index (a conditional GAN's class label); ``EmbeddingBag``:
the sum, mean or max of bags of its rows."""
from __future__ import annotations

from ..autograd import Tensor
from ..grad_mode import no_grad
from ..ops.embedding import _padding_index, embedding
from ..ops.embedding_bag import embedding_bag
from . import init
from .factory import factory
from .module import Module, Parameter


def _table(layer, num_embeddings: int, embedding_dim: int, weight, device, dtype) -> Parameter:
    """An embedding layer's weight: ``weight`` itself where given (as a Parameter; its shape checked), else a new
    ``(num_embeddings, embedding_dim)`` table of the layer's device and dtype, for its ``reset_parameters`` to
    draw."""
    if weight is not None:
        if tuple(weight.shape) != (num_embeddings, embedding_dim):
            raise ValueError(f"{type(layer).__name__}: _weight has shape {tuple(weight.shape)}, expected "
                             f"({num_embeddings}, {embedding_dim})")
        return weight if isinstance(weight, Parameter) else Parameter(weight)
    return factory(layer, device, dtype).parameter((num_embeddings, embedding_dim))


class Embedding(Module):
    """``(*) int -> (*, embedding_dim)``: row ``i`` of ``weight`` (num_embeddings, embedding_dim) for index ``i``.
    The weight starts as N(0, 1), and the ``padding_idx`` row as zeros (it gets no gradient), as in PyTorch."""

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                 sparse: bool = False, _weight: Tensor | None = None, _freeze: bool = False, device=None,
                 dtype=None) -> None:
        super().__init__()
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx = None if padding_idx is None else _padding_index(padding_idx, num_embeddings)
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        self.weight = _table(self, num_embeddings, embedding_dim, _weight, device, dtype)
        if _weight is None:
            self.reset_parameters()
        if _freeze:
            self.weight.requires_grad_(False)

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with no_grad():
                self.weight.data[self.padding_idx] = 0

    def forward(self, input) -> Tensor:  # noqa: A002
        return embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                         self.scale_grad_by_freq, self.sparse)

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True, padding_idx: int | None = None,
                        max_norm: float | None = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        sparse: bool = False) -> "Embedding":
        """An Embedding whose weight is ``embeddings`` (2-D); ``freeze=True`` keeps it out of training."""
        if embeddings.ndim != 2:
            raise ValueError(f"Embedding.from_pretrained: embeddings must be 2-D, got shape {embeddings.shape}")
        rows, dim = embeddings.shape
        layer = cls(rows, dim, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse,
                    _weight=Parameter(embeddings, requires_grad=not freeze))
        return layer

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        return s


class EmbeddingBag(Module):
    """``(B, L)`` bags of indices, or a flat ``input`` with ``offsets``, ``-> (B, embedding_dim)``: the sum, mean
    (the default) or max of each bag's rows of ``weight (num_embeddings, embedding_dim)``, as
    ``torch.nn.EmbeddingBag`` (:func:`minigan.ops.embedding_bag.embedding_bag`). The weight starts as N(0, 1), and
    the ``padding_idx`` row as zeros; that index is left out of every bag. ``mode`` is checked when the layer runs,
    as in PyTorch."""

    def __init__(self, num_embeddings: int, embedding_dim: int, max_norm: float | None = None,
                 norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                 _weight: Tensor | None = None, include_last_offset: bool = False,
                 padding_idx: int | None = None, device=None, dtype=None) -> None:
        super().__init__()
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.max_norm, self.norm_type, self.scale_grad_by_freq = max_norm, norm_type, scale_grad_by_freq
        self.padding_idx = None if padding_idx is None else _padding_index(padding_idx, num_embeddings)
        self.mode, self.sparse, self.include_last_offset = mode, sparse, include_last_offset
        self.weight = _table(self, num_embeddings, embedding_dim, _weight, device, dtype)
        if _weight is None:
            self.reset_parameters()

    reset_parameters = Embedding.reset_parameters

    def forward(self, input, offsets=None, per_sample_weights=None) -> Tensor:  # noqa: A002
        return embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type, self.scale_grad_by_freq,
                             self.mode, self.sparse, per_sample_weights, self.include_last_offset, self.padding_idx)

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True, max_norm: float | None = None,
                        norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean",
                        sparse: bool = False, include_last_offset: bool = False,
                        padding_idx: int | None = None) -> "EmbeddingBag":
        """An EmbeddingBag whose weight is ``embeddings`` (2-D); ``freeze=True`` keeps it out of training."""
        if embeddings.ndim != 2:
            raise ValueError(f"EmbeddingBag.from_pretrained: embeddings must be 2-D, got shape {embeddings.shape}")
        rows, dim = embeddings.shape
        return cls(rows, dim, max_norm, norm_type, scale_grad_by_freq, mode, sparse,
                   Parameter(embeddings, requires_grad=not freeze), include_last_offset, padding_idx)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        s += f", mode={self.mode!r}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        return s
