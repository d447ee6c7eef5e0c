"""Gradient clipping, flat parameter vectors, spectral normalization and weight normalization, with the names
and semantics of ``torch.nn.utils``.

Clipping keeps one bad batch from throwing the weights far away; in a GAN it is one remedy when one
network's gradients grow much larger than the other's::

    loss.backward()
    total = nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)   # returns the norm before clipping
    opt.step()

The clipping functions change ``p.grad`` in place on the raw arrays (``xp = backend.xp_of(...)``, so
NumPy and CuPy alike), bumping the gradient's version as any in-place change does; they record nothing
for autograd. Parameters whose ``grad`` is None are skipped.
"""
from __future__ import annotations

import math
import types
import warnings
from collections.abc import Iterable

import numpy as np

from .. import backend
from ..autograd import Tensor
from ..grad_mode import no_grad
from ..ops._util import normalize_dim
from .conv import ConvTranspose2d
from .module import Parameter

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters", "spectral_norm",
           "remove_spectral_norm", "SpectralNorm", "weight_norm", "remove_weight_norm", "WeightNorm"]


def _as_list(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)


def _vector_norm(a, p: float):
    """The p-norm of all the elements of array ``a``, as a 0-d array of ``a``'s dtype:
    ``(sum |a|^p)^(1/p)``; ``max |a|`` for p = inf, ``min |a|`` for p = -inf, the count of non-zeros for p = 0."""
    xp = backend.xp_of(a)
    a = xp.abs(a)
    if p == math.inf:
        out = a.max()
    elif p == -math.inf:
        out = a.min()
    elif p == 0:
        out = (a != 0).sum()
    elif p == 1:
        out = a.sum()
    elif p == 2:
        out = xp.sqrt((a * a).sum())
    else:
        out = (a ** p).sum() ** (1.0 / p)
    return xp.asarray(out, dtype=a.dtype)


def _write_grad(p: Tensor, new) -> None:
    """Give ``p`` the gradient values ``new``: in place where its gradient's array can be written, else
    (a broadcast view, as a gradient made with ``create_graph=True`` may be) as a new gradient tensor."""
    if backend.is_writable(p.grad.data):
        p.grad.data[...] = new
        p.grad._bump_version()
    else:
        p.grad = Tensor(new)


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False) -> Tensor:
    """Scale all gradients together so that their total norm is at most ``max_norm``; return the total
    norm from before, as a 0-d Tensor.

    ``total = norm([norm(g_1), norm(g_2), ...])`` is the ``norm_type``-norm of all gradients seen as one
    vector (``float("inf")`` for the largest absolute value). Every gradient is then multiplied by
    ``min(max_norm / (total + 1e-6), 1)``, so the directions stay the same and gradients already small
    enough are left alone. A non-finite total (a nan or inf gradient) makes every gradient nan or inf,
    unless ``error_if_nonfinite=True``, which raises a RuntimeError instead.
    """
    is_generator = isinstance(parameters, types.GeneratorType)
    parameters = _as_list(parameters)
    if is_generator and not parameters:
        warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.", stacklevel=2)
    with_grad = [p for p in parameters if p.grad is not None]
    norm_type = float(norm_type)
    if not with_grad:
        return Tensor(np.array(0.0, dtype=np.float32))

    device = with_grad[0].grad.device
    xp = backend.xp_of(with_grad[0].grad.data)
    with backend.device_context(device):
        norms = [backend.to_device(_vector_norm(p.grad.data, norm_type), device) for p in with_grad]
        total = _vector_norm(xp.stack(norms), norm_type)
        if error_if_nonfinite and not bool(xp.isfinite(total)):
            raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, "
                               "so it cannot be clipped. To disable this error and scale the gradients by the "
                               "non-finite norm anyway, set `error_if_nonfinite=False`")
        coef = xp.minimum(float(max_norm) / (total + 1e-6), 1.0).astype(total.dtype)

    # All the new values first, then the writes: two parameters may share one gradient array (add's
    # backward hands both the same gradient under create_graph=True), which must be scaled only once.
    scaled = []
    for p in with_grad:
        g = p.grad.data
        with backend.device_context(backend.device_of(g)), np.errstate(invalid="ignore"):   # inf * 0 is nan
            c = backend.to_device(coef, backend.device_of(g)).astype(g.dtype)
            scaled.append(g * c)
    for p, new in zip(with_grad, scaled):
        _write_grad(p, new)
    return Tensor(total)


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clamp every gradient element into ``[-clip_value, clip_value]``, in place."""
    clip_value = float(clip_value)
    for p in _as_list(parameters):
        if p.grad is None:
            continue
        g = p.grad.data
        xp = backend.xp_of(g)
        with backend.device_context(backend.device_of(g)):
            _write_grad(p, xp.minimum(xp.maximum(g, -clip_value), clip_value))


def _check_same_device(parameters: list[Tensor]) -> None:
    if len({p.device for p in parameters}) > 1:
        raise TypeError("Found two parameters on different devices, this is currently not supported.")


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and joined into one vector of length ``sum(p.numel())``, in order.

    Recorded like any concatenation, so gradients flow back to the parameters."""
    from ..ops import concatenate
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


# --------------------------------------------------------------------------- spectral normalization
class SpectralNorm:
    """The forward pre-hook that :func:`spectral_norm` puts on a module: before each forward it sets
    ``module.weight = weight_orig / sigma``, where ``sigma`` estimates the largest singular value of the
    weight seen as a matrix ``W`` (``dim`` first, the rest flattened: ``(out, in*kh*kw)`` for a Conv2d).

    ``sigma`` comes from power iteration: two unit vectors ``u`` and ``v`` (buffers, so they carry over from
    step to step) are refined in training mode by ``v = normalize(Wᵀu)``, ``u = normalize(W v)``, and then
    ``sigma = uᵀ W v``. One iteration per step is enough, because ``W`` changes little between steps. The
    gradient flows through ``weight_orig / sigma``, including through ``sigma``'s dependence on ``W``
    (``d sigma / dW = u vᵀ``); ``u`` and ``v`` are constants to it."""

    def __init__(self, name: str = "weight", n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12) -> None:
        if n_power_iterations <= 0:
            raise ValueError(f"spectral_norm: n_power_iterations must be positive, got {n_power_iterations}")
        self.name, self.n_power_iterations, self.dim, self.eps = name, n_power_iterations, dim, eps

    def matrix(self, weight: Tensor) -> Tensor:
        """The weight as a matrix: dim ``self.dim`` becomes the rows, every other dim is flattened into columns."""
        if self.dim != 0:
            weight = weight.permute(self.dim, *[d for d in range(weight.ndim) if d != self.dim])
        return weight.reshape(weight.shape[0], -1)

    def compute_weight(self, module, do_power_iteration: bool) -> Tensor:
        weight = getattr(module, self.name + "_orig")
        u, v = getattr(module, self.name + "_u"), getattr(module, self.name + "_v")
        mat = self.matrix(weight)
        if do_power_iteration:
            m = mat.data
            for _ in range(self.n_power_iterations):
                v.data[...] = _normalized(m.T @ u.data, self.eps)
                u.data[...] = _normalized(m @ v.data, self.eps)
            u._bump_version()
            v._bump_version()
            # the products below keep copies, so the next step's update in place leaves this graph alone
            u, v = Tensor(u.data.copy()), Tensor(v.data.copy())
        xp = backend.xp_of(mat.data)
        sigma = (mat * Tensor(xp.outer(u.data, v.data))).sum()          # uᵀ W v
        return weight / sigma

    def __call__(self, module, args) -> None:
        setattr(module, self.name, self.compute_weight(module, do_power_iteration=module.training))


def _normalized(a, eps: float):
    """``a / max(||a||, eps)``, as ``F.normalize``."""
    xp = backend.xp_of(a)
    return a / xp.maximum(xp.linalg.norm(a), eps)


def spectral_norm(module, name: str = "weight", n_power_iterations: int = 1, eps: float = 1e-12,
                  dim: int | None = None):
    """Spectral normalization (Miyato et al. 2018), as ``torch.nn.utils.spectral_norm``: the layer's weight
    is divided by its largest singular value before each forward, so the layer can stretch no input by
    more than a factor 1. On a GAN's discriminator it bounds how sharply D can change, which keeps its
    gradients useful to G (a remedy for a discriminator that overpowers the generator).

    The parameter becomes ``weight_orig`` (the optimizer trains it), with buffers ``weight_u`` and
    ``weight_v``; ``module.weight`` is recomputed from them (see :class:`SpectralNorm`). ``dim`` is the
    output dim: 0, or 1 for a ConvTranspose2d. Returns the module."""
    if dim is None:
        dim = 1 if isinstance(module, ConvTranspose2d) else 0
    if any(isinstance(h, SpectralNorm) and h.name == name for h in module._forward_pre_hooks):
        raise RuntimeError(f"spectral_norm: the parameter {name!r} already has a spectral_norm hook")
    weight = module._parameters.get(name)
    if weight is None:
        raise ValueError(f"spectral_norm: {type(module).__name__} has no parameter {name!r}")
    fn = SpectralNorm(name, n_power_iterations, dim, eps)
    h, w = fn.matrix(weight).shape
    gen = backend.rng(weight.device)
    u = _normalized(gen.standard_normal(h).astype(weight.dtype), eps)
    v = _normalized(gen.standard_normal(w).astype(weight.dtype), eps)
    delattr(module, name)
    module.register_parameter(name + "_orig", weight)
    setattr(module, name, Tensor(weight.data))
    module.register_buffer(name + "_u", Tensor(u))
    module.register_buffer(name + "_v", Tensor(v))
    module.register_forward_pre_hook(fn)
    return module


def remove_spectral_norm(module, name: str = "weight"):
    """Undo :func:`spectral_norm`: ``weight`` becomes a parameter again, holding the normalized weight."""
    for i, hook in enumerate(module._forward_pre_hooks):
        if isinstance(hook, SpectralNorm) and hook.name == name:
            break
    else:
        raise ValueError(f"remove_spectral_norm: spectral_norm of {name!r} not found in {type(module).__name__}")
    with no_grad():
        weight = hook.compute_weight(module, do_power_iteration=False)
    del module._forward_pre_hooks[i]
    for suffix in ("", "_u", "_v", "_orig"):
        delattr(module, name + suffix)
    module.register_parameter(name, Parameter(weight.data.copy()))
    return module


# --------------------------------------------------------------------------- weight normalization
class WeightNorm:
    """The forward pre-hook that :func:`weight_norm` puts on a module: before each forward it sets
    ``module.weight = weight_v * (weight_g / ||weight_v||)``, the norm taken over every dim but ``dim``
    (keeping them, size 1, so it broadcasts), or over the whole tensor where ``dim`` is -1 (``None`` is
    stored as -1, as PyTorch does). The weight is built from minigan ops, so the gradient reaches
    ``weight_g`` and ``weight_v``, including through the norm's dependence on ``weight_v``."""

    def __init__(self, name: str, dim: int | None) -> None:
        self.name, self.dim = name, -1 if dim is None else dim

    def compute_weight(self, module) -> Tensor:
        g, v = getattr(module, self.name + "_g"), getattr(module, self.name + "_v")
        return v * (g / norm_except_dim(v, self.dim))

    def __call__(self, module, args) -> None:
        setattr(module, self.name, self.compute_weight(module))


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
