"""Adaptive softmax (Grave et al., 2016): a softmax over many classes made cheap by putting rare classes in
clusters, as ``torch.nn.AdaptiveLogSoftmaxWithLoss``.

``cutoffs = [c1, c2, ...]`` splits the ``n_classes`` classes, sorted by frequency, into a shortlist
``[0, c1)`` and clusters ``[c1, c2)``, ``[c2, c3)``, ..., ``[c_last, n_classes)``. The *head* is a Linear
``in_features -> c1 + n_clusters``: one logit per shortlist class and one per cluster. Cluster ``i`` has its own
*tail*, ``Linear(in_features, in_features // div_value**(i+1), bias=False)`` then ``Linear(that, cluster size,
bias=False)``, smaller for rarer clusters. The log-probability of a class is

    shortlist class t:          log_softmax(head(x))[t]
    class t in cluster i:       log_softmax(head(x))[c1 + i] + log_softmax(tail_i(x))[t - start of cluster i]

so a target in the shortlist costs only the head. The layer is a composition of differentiable ops (linear,
log_softmax, gather, index_select, cat), so its gradients come from theirs.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .. import backend
from ..autograd import Tensor, as_tensor
from ..ops import argmax, cat, gather, getitem, index_select, log_softmax, squeeze, unsqueeze
from .container import ModuleList, Sequential
from .layers import Linear
from .factory import factory
from .module import Module

__all__ = ["AdaptiveLogSoftmaxWithLoss"]


class _ASMoutput(NamedTuple):
    """What the forward returns: each sample's log-probability of its target, and the mean negative of them."""
    output: Tensor
    loss: Tensor


class AdaptiveLogSoftmaxWithLoss(Module):
    """Adaptive softmax (see the module's docstring). ``forward(input (N, in_features) or (in_features,), target
    (N,) or ()) -> (output (N,) or (), loss ())``: ``output`` is the log-probability of each target, ``loss`` the
    mean of ``-output``. :meth:`log_prob` gives all ``n_classes`` log-probabilities, :meth:`predict` the most
    likely class. Parameters: ``head.weight``, ``head.bias`` (with ``head_bias``), ``tail.{i}.0.weight``,
    ``tail.{i}.1.weight``, PyTorch's names."""

    def __init__(self, in_features: int, n_classes: int, cutoffs, div_value: float = 4.0,
                 head_bias: bool = False, device=None, dtype=None) -> None:
        super().__init__()
        make = factory(self, device, dtype).kwargs
        cutoffs = list(cutoffs)
        if len(cutoffs) == 0:
            raise ValueError("cutoffs should be a sequence of length larger than 0")
        if (cutoffs != sorted(cutoffs) or min(cutoffs) <= 0 or max(cutoffs) > n_classes - 1
                or len(set(cutoffs)) != len(cutoffs) or any(int(c) != c for c in cutoffs)):
            raise ValueError("cutoffs should be a sequence of unique, positive integers sorted in an increasing "
                             f"order, where each value is between 1 and n_classes-1 (got {cutoffs} with "
                             f"n_classes={n_classes})")
        self.in_features, self.n_classes = in_features, n_classes
        self.cutoffs = [int(c) for c in cutoffs] + [n_classes]
        self.div_value, self.head_bias = div_value, head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        self.head = Linear(in_features, self.head_size, bias=head_bias, **make)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hidden = int(in_features // (div_value ** (i + 1)))
            size = self.cutoffs[i + 1] - self.cutoffs[i]
            # a small in_features over a large div_value**i gives a cluster a projection of size 0, as in PyTorch
            # (whose init then warns that it has nothing to draw, as minigan's does)
            self.tail.append(Sequential(Linear(in_features, hidden, bias=False, **make),
                                        Linear(hidden, size, bias=False, **make)))

    def reset_parameters(self) -> None:
        """Draw every Linear's weights (and the head's bias) again, as new ones."""
        self.head.reset_parameters()
        for projection in self.tail:
            for layer in projection:
                if layer.in_features > 0:
                    layer.reset_parameters()

    def forward(self, input: Tensor, target) -> _ASMoutput:
        target = as_tensor(target, device=input.device)
        if target.ndim == 1:
            if input.ndim != 2:
                raise ValueError(f"AdaptiveLogSoftmaxWithLoss: 1D target tensor expects 2D input tensors, but found "
                                 f"inputs with size {input.shape}")
            if input.shape[0] != target.shape[0]:
                raise ValueError("AdaptiveLogSoftmaxWithLoss: Input and target should have the same size in the "
                                 f"batch dimension (input {input.shape}, target {target.shape})")
        elif target.ndim == 0:
            if input.ndim != 1:
                raise ValueError(f"AdaptiveLogSoftmaxWithLoss: 0D target tensor expects 1D input tensors, but found "
                                 f"inputs with size {input.shape}")
        else:
            raise ValueError("AdaptiveLogSoftmaxWithLoss: 0D or 1D target tensor expected, multi-target not "
                             f"supported (got target shape {target.shape})")
        if target.dtype.kind not in "iu":
            raise TypeError(f"AdaptiveLogSoftmaxWithLoss: expected an integer target, got dtype {target.dtype}")
        batched = target.ndim == 1
        x = input if batched else unsqueeze(input, 0)
        t = backend.to_numpy(target.data).reshape(-1).astype(np.int64)
        if t.size and (t.min() < 0 or t.max() >= self.n_classes):
            raise ValueError(f"AdaptiveLogSoftmaxWithLoss: Target values should be in [0, {self.n_classes - 1}], "
                             f"but values in range [{t.min()}, {t.max()}] were found.")
        xp = backend.xp_of(x.data)
        head_column = t.copy()                       # the head logit each sample reads: its class or its cluster
        rows, parts = [], []                         # each cluster's samples and their log-probability in it
        for i in range(1, len(self.cutoffs)):
            low, high = self.cutoffs[i - 1], self.cutoffs[i]
            where = np.nonzero((t >= low) & (t < high))[0]
            if where.size == 0:
                continue
            head_column[where] = self.shortlist_size + i - 1
            cluster = log_softmax(self.tail[i - 1](index_select(x, 0, xp.asarray(where))), dim=1)
            parts.append(gather(cluster, 1, xp.asarray(t[where] - low)[:, None])[:, 0])
            rows.append(where)
        head_logprob = log_softmax(self.head(x), dim=1)
        output = gather(head_logprob, 1, xp.asarray(head_column)[:, None])[:, 0]
        if parts:    # add each cluster's part at its samples' rows: the parts in row order, zeros elsewhere
            shortlist = np.nonzero(t < self.shortlist_size)[0]
            order = np.argsort(np.concatenate([shortlist] + rows), kind="stable")
            zeros = Tensor(xp.zeros(shortlist.size, dtype=output.dtype))
            output = output + getitem(cat([zeros] + parts), xp.asarray(order))
        loss = (-output).mean()
        return _ASMoutput(output if batched else squeeze(output, 0), loss)

    def _full_log_prob(self, x: Tensor, head_output: Tensor) -> Tensor:
        """``(N, n_classes)``: the shortlist's log-probabilities, then each cluster's plus its head log-probability."""
        head_logprob = log_softmax(head_output, dim=1)
        pieces = [head_logprob[:, :self.shortlist_size]]
        for i in range(self.n_clusters):
            cluster = log_softmax(self.tail[i](x), dim=1)
            pieces.append(cluster + head_logprob[:, self.shortlist_size + i:self.shortlist_size + i + 1])
        return cat(pieces, dim=1)

    def _batch(self, what: str, input: Tensor) -> tuple[Tensor, bool]:
        if input.ndim not in (1, 2) or input.shape[-1] != self.in_features:
            raise ValueError(f"AdaptiveLogSoftmaxWithLoss.{what}: expected an input (N, {self.in_features}) or "
                             f"({self.in_features},), got shape {input.shape}")
        return (input, True) if input.ndim == 2 else (unsqueeze(input, 0), False)

    def log_prob(self, input: Tensor) -> Tensor:
        """All ``n_classes`` log-probabilities: ``(N, in_features) -> (N, n_classes)`` (or without ``N``)."""
        x, batched = self._batch("log_prob", input)
        out = self._full_log_prob(x, self.head(x))
        return out if batched else squeeze(out, 0)

    def predict(self, input: Tensor) -> Tensor:
        """The most likely class of each sample, int64: ``(N, in_features) -> (N,)`` (or ``()``). Where the head's
        best is a shortlist class, that class wins outright (a cluster's classes each have at most its cluster's
        probability), so the tails run only for the other samples."""
        x, batched = self._batch("predict", input)
        head_output = self.head(x)
        best = backend.to_numpy(argmax(head_output, dim=1).data).astype(np.int64)
        outside = np.nonzero(best >= self.shortlist_size)[0]
        if outside.size:
            xp = backend.xp_of(x.data)
            at = xp.asarray(outside)
            full = self._full_log_prob(index_select(x, 0, at), index_select(head_output, 0, at))
            best[outside] = backend.to_numpy(argmax(full, dim=1).data)
        out = Tensor(backend.to_device(best, x.device))
        return out if batched else squeeze(out, 0)
