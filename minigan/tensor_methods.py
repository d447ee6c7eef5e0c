"""The Tensor's named op methods: ``x.sum(dim=1)``, ``x.exp()``, ``x.reshape(2, -1)`` ... .

Each is one line handing over to the differentiable op of the same name in :mod:`minigan.ops` (imported
lazily, since ``ops/`` sits above the Tensor): read the op's file to see its forward and backward.
:class:`~minigan.autograd.Tensor` inherits them from :class:`OpMethods`, so that ``autograd.py`` keeps to what
a tensor *is* (its data, its gradient, its place in the graph) and its operators (``+``, ``@``, ``[]``)."""
from __future__ import annotations


def _ops():
    from . import ops
    return ops


class OpMethods:
    """The methods of :class:`~minigan.autograd.Tensor` that are minigan ops under PyTorch's method names."""

    # Reductions take PyTorch's argument names (dim, keepdim, unbiased, correction) or NumPy's (axis,
    # keepdims); their signatures are in minigan/ops/reduction.py.
    def sum(self, *args, **kwargs): return _ops().sum(self, *args, **kwargs)
    def mean(self, *args, **kwargs): return _ops().mean(self, *args, **kwargs)
    def max(self, *args, **kwargs): return _ops().max(self, *args, **kwargs)
    def min(self, *args, **kwargs): return _ops().min(self, *args, **kwargs)
    def amax(self, *args, **kwargs): return _ops().amax(self, *args, **kwargs)
    def amin(self, *args, **kwargs): return _ops().amin(self, *args, **kwargs)
    def var(self, *args, **kwargs): return _ops().var(self, *args, **kwargs)
    def std(self, *args, **kwargs): return _ops().std(self, *args, **kwargs)
    def argmax(self, *args, **kwargs): return _ops().argmax(self, *args, **kwargs)
    def argmin(self, *args, **kwargs): return _ops().argmin(self, *args, **kwargs)
    def reshape(self, *shape): return _ops().reshape(self, *shape)
    def view(self, *shape): return _ops().reshape(self, *shape)
    def permute(self, *dims): return _ops().permute(self, *dims)
    def transpose(self, dim0=None, dim1=None): return _ops().transpose(self, dim0, dim1)
    def flatten(self, start_dim=0, end_dim=-1): return _ops().flatten(self, start_dim, end_dim)
    def unsqueeze(self, dim): return _ops().unsqueeze(self, dim)
    def squeeze(self, dim=None): return _ops().squeeze(self, dim)
    def expand(self, *sizes): return _ops().expand(self, *sizes)
    def split(self, split_size_or_sections, dim=0): return _ops().split(self, split_size_or_sections, dim)
    def chunk(self, chunks, dim=0): return _ops().chunk(self, chunks, dim)
    def exp(self): return _ops().exp(self)
    def log(self): return _ops().log(self)
    def sqrt(self): return _ops().sqrt(self)
    def abs(self): return _ops().abs(self)
    def clip(self, min=None, max=None): return _ops().clip(self, min, max)  # noqa: A002
    clamp = clip
    def relu(self): return _ops().relu(self)
    def sigmoid(self): return _ops().sigmoid(self)
    def tanh(self): return _ops().tanh(self)
    def matmul(self, o): return _ops().matmul(self, o)
