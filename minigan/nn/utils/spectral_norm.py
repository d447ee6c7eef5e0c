"""Spectral normalization, as ``torch.nn.utils.spectral_norm``: a layer's weight divided by an estimate of its
largest singular value before each forward."""
from __future__ import annotations

from ... import backend
from ...autograd import Tensor
from ...grad_mode import no_grad
from ..conv import ConvTranspose2d
from ..module import Parameter

__all__ = ["spectral_norm", "remove_spectral_norm", "SpectralNorm"]


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
        return _weight_matrix(weight, self.dim)

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
        return weight / _sigma(mat, u.data, v.data)

    def __call__(self, module, args) -> None:
        setattr(module, self.name, self.compute_weight(module, do_power_iteration=module.training))


def _weight_matrix(weight: Tensor, dim: int) -> Tensor:
    """The weight as a matrix: dim ``dim`` becomes the rows, every other dim is flattened into columns."""
    if dim != 0:
        weight = weight.permute(dim, *[d for d in range(weight.ndim) if d != dim])
    return weight.reshape(weight.shape[0], -1)


def _sigma(mat: Tensor, u, v) -> Tensor:
    """``uᵀ W v``, the largest singular value of ``W`` estimated from power iteration's vectors (arrays, held
    constant: the gradient is ``u vᵀ``, as the exact one is at convergence)."""
    xp = backend.xp_of(mat.data)
    return (mat * Tensor(xp.outer(u, v))).sum()


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
