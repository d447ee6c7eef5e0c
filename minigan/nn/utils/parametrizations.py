"""Ready-made parametrizations, as ``torch.nn.utils.parametrizations``: :func:`orthogonal`, :func:`spectral_norm`
and :func:`weight_norm`, each a small Module registered with :func:`~.parametrize.register_parametrization`.

Each is a composition of minigan's differentiable ops (matmul, solve, norms), so gradients, and gradients of
gradients, come from those ops' backwards. The older hook-based ``spectral_norm`` and ``weight_norm`` (in
``spectral_norm.py`` and ``weight_norm.py``) share their maths with these."""
from __future__ import annotations

from ... import backend
from ...autograd import Tensor
from ...creation import eye, zeros
from ...grad_mode import no_grad
from ...ops import concatenate
from ...ops.decompositions import qr
from ...ops.distance import normalize
from ...ops.linalg import solve
from ...ops.matrix_functions import householder_product, matrix_exp
from ..conv import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from ..module import Module
from . import parametrize
from .spectral_norm import _normalized, _sigma, _weight_matrix
from .weight_norm import _weight_norm, norm_except_dim

__all__ = ["orthogonal", "spectral_norm", "weight_norm"]

_ORTHOGONAL_MAPS = ("matrix_exp", "cayley", "householder")


def _is_orthogonal(Q: Tensor) -> bool:
    xp = backend.xp_of(Q.data)
    n, k = Q.shape[-2], Q.shape[-1]
    eps = 10.0 * n * float(xp.finfo(Q.dtype).eps)
    return bool(xp.allclose(xp.swapaxes(Q.data, -1, -2) @ Q.data, xp.eye(k, dtype=Q.dtype), atol=eps))


def _make_orthogonal(A: Tensor) -> Tensor:
    """The ``Q`` of ``A = QR`` with ``R``'s diagonal made positive, so the map is well defined."""
    q, r = qr(A)
    xp = backend.xp_of(r.data)
    return Tensor(q.data * xp.sign(xp.diagonal(r.data, axis1=-2, axis2=-1))[..., None, :])


class _Orthogonal(Module):
    """Maps an unconstrained matrix ``X`` (``(*, n, k)``) to one with orthonormal columns (or rows, if wide).

    ``cayley``: ``A = X̃ - X̃ᵀ`` (``X̃``: lower triangle of ``X``, padded square) is skew-symmetric and
    ``Q = (I - A/2)⁻¹ (I + A/2)`` orthogonal; ``matrix_exp``: ``Q = exp(A)``; ``householder``: ``Q`` is the
    product of the reflections stored below ``X``'s diagonal. With ``use_trivialization`` the result is
    ``base @ Q``, where the buffer ``base`` holds the orthogonal matrix given at registration (or assigned
    later), so ``X = -I`` means "``base`` itself" and training moves away from it."""

    def __init__(self, weight: Tensor, orthogonal_map: str, *, use_trivialization: bool = True) -> None:
        super().__init__()
        self.shape = weight.shape
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X: Tensor) -> Tensor:
        n, k = X.shape[-2], X.shape[-1]
        transposed = n < k
        if transposed:
            X, n, k = X.mT, k, n
        if self.orthogonal_map in ("matrix_exp", "cayley"):
            X = X.tril()
            if n != k:
                X = concatenate([X, zeros(*X.shape[:-2], n, n - k, device=X.device, dtype=X.dtype)], dim=-1)
            A = X - X.mT
            if self.orthogonal_map == "matrix_exp":
                Q = matrix_exp(A)
            else:
                identity = eye(n, device=A.device, dtype=A.dtype)
                Q = solve(identity - 0.5 * A, identity + 0.5 * A)
            if n != k:
                Q = Q[..., :k]
        else:
            A = X.tril(-1)
            tau = 2.0 / (1.0 + (A * A).sum(dim=-2))
            Q = householder_product(A, tau)
            xp = backend.xp_of(X.data)      # X's diagonal holds the signs ±1, not trained: no graph through it
            Q = Q * Tensor(xp.trunc(xp.diagonal(X.data, axis1=-2, axis2=-1))[..., None, :])
        if "base" in self._buffers:
            Q = self.base @ Q
        return Q.mT if transposed else Q

    def right_inverse(self, Q: Tensor) -> Tensor:
        if Q.shape != self.shape:
            raise ValueError(f"Expected a matrix or batch of matrices of shape {self.shape}. "
                             f"Got a tensor of shape {Q.shape}.")
        Q_init = Q
        n, k = Q.shape[-2], Q.shape[-1]
        transpose = n < k
        if transpose:
            Q, n, k = Q.mT, k, n
        xp = backend.xp_of(Q.data)
        if "base" not in self._buffers:
            if self.orthogonal_map != "householder":
                raise NotImplementedError("It is not possible to assign to the matrix exponential or the Cayley "
                                          "parametrizations when use_trivialization=False.")
            # LAPACK's geqrf form: R on and above the diagonal, the reflections below it; only R's signs kept
            h, tau = xp.linalg.qr(xp.ascontiguousarray(Q.data), mode="raw")
            A = xp.swapaxes(h, -1, -2).copy()
            diag = xp.sign(xp.diagonal(A, axis1=-2, axis2=-1))
            diag = xp.where(tau == 0, -diag, diag)
            idx = xp.arange(min(n, k))
            A[..., idx, idx] = diag
            A = Tensor(A)
            return A.mT if transpose else A
        if n == k:
            Q = _make_orthogonal(Q) if not _is_orthogonal(Q) else Tensor(Q.data.copy())
        else:                   # complete Q's columns to a square orthogonal matrix with random ones
            extra = backend.rng(Q.device).standard_normal(Q.shape[:-2] + (n, n - k)).astype(Q.dtype)
            Q = _make_orthogonal(Tensor(xp.concatenate([Q.data, extra], axis=-1)))
        self.base = Q
        neg_id = xp.zeros(Q_init.shape, dtype=Q_init.dtype)
        idx = xp.arange(min(Q_init.shape[-2:]))
        neg_id[..., idx, idx] = -1.0
        return Tensor(neg_id)


def orthogonal(module: Module, name: str = "weight", orthogonal_map: str | None = None, *,
               use_trivialization: bool = True) -> Module:
    """Make ``module.<name>`` (``(*, n, k)``) a matrix with orthonormal columns if tall, rows if wide, as
    ``torch.nn.utils.parametrizations.orthogonal``. Maps: ``"matrix_exp"`` (the default for square matrices),
    ``"cayley"`` and ``"householder"`` (the default otherwise); see :class:`_Orthogonal`. The weight's value is
    kept at registration (made orthogonal first, by QR, if it is not). Returns the module."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if weight.ndim < 2:
        raise ValueError(f"Expected a matrix or batch of matrices. Got a tensor of {weight.ndim} dimensions.")
    if orthogonal_map is None:
        orthogonal_map = "matrix_exp" if weight.shape[-2] == weight.shape[-1] else "householder"
    if orthogonal_map not in _ORTHOGONAL_MAPS:
        raise ValueError('orthogonal_map has to be one of "matrix_exp", "cayley", "householder". '
                         f"Got: {orthogonal_map}")
    orth = _Orthogonal(weight, orthogonal_map, use_trivialization=use_trivialization)
    parametrize.register_parametrization(module, name, orth, unsafe=True)
    return module


class _SpectralNorm(Module):
    """``W / sigma(W)``, ``sigma`` the largest singular value of ``W`` seen as a matrix (``dim`` as rows),
    estimated by power iteration: in training mode each call refines the buffers ``_u``, ``_v`` by
    ``u = normalize(W v)``, ``v = normalize(Wᵀ u)``, then ``sigma = uᵀ W v``, with ``u`` and ``v`` constants
    to the gradient. A 1-d weight is just normalized."""

    def __init__(self, weight: Tensor, n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12) -> None:
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [-{ndim}, {ndim - 1}] but got "
                             f"{dim})")
        if n_power_iterations <= 0:
            raise ValueError("Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            h, w = _weight_matrix(weight, self.dim).shape
            gen = backend.rng(weight.device)
            self.register_buffer("_u", Tensor(_normalized(gen.standard_normal(h).astype(weight.dtype), eps)))
            self.register_buffer("_v", Tensor(_normalized(gen.standard_normal(w).astype(weight.dtype), eps)))
            self._power_method(_weight_matrix(weight, self.dim), 15)    # start from sensible u, v

    def _power_method(self, mat: Tensor, n_iterations: int) -> None:
        m = mat.data
        for _ in range(n_iterations):
            self._u.data[...] = _normalized(m @ self._v.data, self.eps)
            self._v.data[...] = _normalized(m.T @ self._u.data, self.eps)
        self._u._bump_version()
        self._v._bump_version()

    def forward(self, weight: Tensor) -> Tensor:
        if weight.ndim == 1:
            return normalize(weight, dim=0, eps=self.eps)
        mat = _weight_matrix(weight, self.dim)
        if self.training:
            with no_grad():
                self._power_method(mat, self.n_power_iterations)
        return weight / _sigma(mat, self._u.data.copy(), self._v.data.copy())

    def right_inverse(self, value: Tensor) -> Tensor:
        return value


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1, eps: float = 1e-12,
                  dim: int | None = None) -> Module:
    """Spectral normalization (Miyato et al. 2018) as a parametrization, as
    ``torch.nn.utils.parametrizations.spectral_norm``: ``module.<name>`` is the weight divided by its largest
    singular value (see :class:`_SpectralNorm`), so the layer stretches no input by more than a factor 1.
    ``dim`` (the output dim) defaults to 1 for transposed convolutions, 0 otherwise. The power iteration's
    vectors are buffers ``parametrizations.<name>.0._u`` and ``._v``, as PyTorch's. Returns the module."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        dim = 1 if isinstance(module, (ConvTranspose1d, ConvTranspose2d, ConvTranspose3d)) else 0
    parametrize.register_parametrization(module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module


class _WeightNorm(Module):
    """``(g, v) -> v * (g / ||v||)``, the norm over every dim but ``dim`` (the whole tensor for ``None``/-1);
    ``right_inverse(w) = (||w||, w)``, so registration keeps the weight's value."""

    def __init__(self, dim: int | None = 0) -> None:
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:
        return _weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight: Tensor):
        return norm_except_dim(weight, self.dim), weight


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Weight normalization (Salimans & Kingma 2016) as a parametrization, as
    ``torch.nn.utils.parametrizations.weight_norm``: ``module.<name>`` is computed from a magnitude ``g``
    (``parametrizations.<name>.original0``) and a direction ``v`` (``original1``) as ``g * v / ||v||``.
    Returns the module."""
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    return module
