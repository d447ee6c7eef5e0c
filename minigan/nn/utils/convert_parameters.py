"""Parameters as one flat vector and back, as ``torch.nn.utils.convert_parameters``: the form that optimisers
written for a single vector (L-BFGS, line searches, Hessian-vector products) want."""
from __future__ import annotations

from collections.abc import Iterable

from ...autograd import Tensor
from .clip_grad import _as_list

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def _check_same_device(parameters: list[Tensor]) -> None:
    if len({p.device for p in parameters}) > 1:
        raise TypeError("Found two parameters on different devices, this is currently not supported.")


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and joined into one vector of length ``sum(p.numel())``, in order.

    Recorded like any concatenation, so gradients flow back to the parameters."""
    from ...ops import concatenate
    parameters = _as_list(parameters)
    _check_same_device(parameters)
    return concatenate([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """The inverse of :func:`parameters_to_vector`: each parameter's ``data`` becomes the next ``p.numel()``
    elements of ``vec``, reshaped to the parameter's shape (a view sharing ``vec``'s memory, as in PyTorch)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected minigan.Tensor, but got: {type(vec).__name__}")
    if vec.ndim != 1:
        raise ValueError(f"vector_to_parameters: expected a 1-D vector, got shape {vec.shape}")
    parameters = _as_list(parameters)
    _check_same_device(parameters)
    start = 0
    for p in parameters:
        n = p.numel()
        if start + n > vec.numel():
            raise RuntimeError(f"vector_to_parameters: the vector has {vec.numel()} elements, but the parameters "
                               f"need at least {start + n}")
        p.data = vec.data[start:start + n].reshape(p.shape)
        p._bump_version()
        start += n

