"""Weight normalization, as PyTorch's classic ``torch.nn.utils.weight_norm``: a layer's weight split into a
magnitude ``weight_g`` and a direction ``weight_v``, recomputed before each forward."""
from __future__ import annotations

from ...autograd import Tensor
from ...grad_mode import no_grad
from ...ops._util import normalize_dim
from ..module import Parameter

__all__ = ["weight_norm", "remove_weight_norm", "WeightNorm", "norm_except_dim"]


class WeightNorm:
    """The forward pre-hook that :func:`weight_norm` puts on a module: before each forward it sets
    ``module.weight = weight_v * (weight_g / ||weight_v||)``, the norm taken over every dim but ``dim``
    (keeping them, size 1, so it broadcasts), or over the whole tensor where ``dim`` is -1 (``None`` is
    stored as -1, as PyTorch does). The weight is built from minigan ops, so the gradient reaches
    ``weight_g`` and ``weight_v``, including through the norm's dependence on ``weight_v``."""

    def __init__(self, name: str, dim: int | None) -> None:
        self.name, self.dim = name, -1 if dim is None else dim

    def compute_weight(self, module) -> Tensor:
        return _weight_norm(getattr(module, self.name + "_v"), getattr(module, self.name + "_g"), self.dim)

    def __call__(self, module, args) -> None:
        setattr(module, self.name, self.compute_weight(module))


def _weight_norm(v: Tensor, g: Tensor, dim: int) -> Tensor:
    """``v * (g / ||v||)``, the norm over every dim but ``dim`` (``torch._weight_norm``); a composition of
    minigan ops, so the gradient reaches ``g`` and ``v``, including through the norm's dependence on ``v``."""
    return v * (g / norm_except_dim(v, dim))


def norm_except_dim(v: Tensor, dim: int) -> Tensor:
    """The 2-norm of ``v`` over every dim except ``dim``, those dims kept with size 1 (``torch.norm_except_dim``);
    ``dim=-1`` means the norm of the whole tensor, a 0-d tensor (so -1 is never the last dim here, as in
    PyTorch; -2, -3, ... count from the end as usual)."""
    if dim == -1:
        return v.norm(2)
    dim = normalize_dim(dim, v.ndim, "weight_norm")
    others = tuple(d for d in range(v.ndim) if d != dim)
    return v.norm(2, dim=others, keepdim=True) if others else v.abs()


def weight_norm(module, name: str = "weight", dim: int | None = 0):
    """Weight normalization (Salimans & Kingma 2016), as PyTorch's classic ``torch.nn.utils.weight_norm``:
    the parameter ``name`` is split into a magnitude ``weight_g`` and a direction ``weight_v``, and the weight
    is recomputed before each forward as ``weight_g * weight_v / ||weight_v||`` (see :class:`WeightNorm`), so
    training moves the length and the direction of each output unit's weights separately.

    ``dim`` is the dim that keeps its own norm: 0 (the default) gives one norm per output unit of a Linear or
    Conv2d, ``weight_g`` of shape ``(out, 1, 1, 1)``; a ConvTranspose2d keeps its outputs in dim 1, which it
    must be told (PyTorch uses 0 for every layer unless told). ``dim=None`` (or -1) normalizes the whole
    tensor, with a 0-d ``weight_g``. ``weight_g`` starts as the weight's norm and ``weight_v`` as the weight
    (sharing its array), so the layer computes what it did before; the two are registered in that order,
    after the module's other parameters, so ``state_dict()`` has PyTorch's keys (``bias``, ``weight_g``,
    ``weight_v``) and loads PyTorch's checkpoints. Unlike PyTorch, no deprecation warning is given.
    Returns the module."""
    if any(isinstance(h, WeightNorm) and h.name == name for h in module._forward_pre_hooks):
        raise RuntimeError(f"Cannot register two weight_norm hooks on the same parameter {name}")
    getattr(module, name)                            # a missing name: the module's own AttributeError
    weight = module._parameters.get(name)
    if weight is None:
        raise KeyError(f"weight_norm: {name!r} is not a parameter of {type(module).__name__}")
    fn = WeightNorm(name, dim)
    g = norm_except_dim(weight.detach(), fn.dim)     # checks dim before the module is changed
    del module._parameters[name]
    module.register_parameter(name + "_g", Parameter(g.data))
    module.register_parameter(name + "_v", Parameter(weight))     # one array, one version counter
    setattr(module, name, fn.compute_weight(module))
    module.register_forward_pre_hook(fn)
    return module


def remove_weight_norm(module, name: str = "weight"):
    """Undo :func:`weight_norm`: ``weight`` becomes a plain parameter again, holding ``g * v / ||v||``."""
    for i, hook in enumerate(module._forward_pre_hooks):
        if isinstance(hook, WeightNorm) and hook.name == name:
            break
    else:
        raise ValueError(f"weight_norm of '{name}' not found in {module}")
    with no_grad():
        weight = hook.compute_weight(module)
    del module._forward_pre_hooks[i]
    for attr in (name, name + "_g", name + "_v"):
        delattr(module, attr)
    module.register_parameter(name, Parameter(weight.data))
    return module
