"""The classical orthogonal polynomials, as ``torch.special`` has them, each ``f(input, n)``: ``x = input`` and the
degree ``n`` (Tensors or numbers, broadcast together; ``n`` is truncated to a whole number, and a negative ``n``
gives 0, as in PyTorch).

Each is computed by its three-term recurrence, ``p_(k+1) = (a_k x + b_k) p_k - c_k p_(k-1)``, from ``p_0 = 1``
and its own ``p_1``, run up to the largest degree asked for; every element keeps the value of its own degree:

=====================================  ==========================  ================================================
function                               ``p_1``                     ``p_(k+1)``
=====================================  ==========================  ================================================
chebyshev_polynomial_t (``T_n``)       ``x``                       ``2x p_k - p_(k-1)``
chebyshev_polynomial_u (``U_n``)       ``2x``                      ``2x p_k - p_(k-1)``
chebyshev_polynomial_v (``V_n``)       ``2x - 1``                  ``2x p_k - p_(k-1)``
chebyshev_polynomial_w (``W_n``)       ``2x + 1``                  ``2x p_k - p_(k-1)``
shifted_chebyshev_polynomial_*         the same at ``2x - 1``      (orthogonal on [0, 1] instead of [-1, 1])
hermite_polynomial_h (``H_n``)         ``2x``                      ``2x p_k - 2k p_(k-1)``
hermite_polynomial_he (``He_n``)       ``x``                       ``x p_k - k p_(k-1)``
laguerre_polynomial_l (``L_n``)        ``1 - x``                   ``((2k + 1 - x) p_k - k p_(k-1)) / (k + 1)``
legendre_polynomial_p (``P_n``)        ``x``                       ``((2k + 1) x p_k - k p_(k-1)) / (k + 1)``
=====================================  ==========================  ================================================

The recurrences are forward-stable on the intervals of orthogonality (the errors grow at most like n), so the
values there are right to a few ulp times n. Outside them the polynomials grow like ``|x|^n``, and at ±inf the
recurrence gives what PyTorch's gives (``inf``, or nan where two infinities cancel).

Like PyTorch's, these are not differentiable: the result has no graph (``requires_grad`` False). The
derivative of each is a polynomial of the same family (``T_n' = n U_(n-1)``...), easy to build from these."""
from __future__ import annotations

from .. import backend
from ..autograd import Tensor
from .arithmetic import _quietly
from .incomplete_gamma import floating_pair

__all__ = ["chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v", "chebyshev_polynomial_w",
           "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
           "shifted_chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he",
           "laguerre_polynomial_l", "legendre_polynomial_p"]

_CHEBYSHEV_FIRST = {"t": lambda x: x, "u": lambda x: 2 * x, "v": lambda x: 2 * x - 1, "w": lambda x: 2 * x + 1}


def _chebyshev_step(x, k, p, q):
    return 2 * x * p - q


_FAMILIES = {       # name -> (p_1 of x, the step (x, k, p_k, p_(k-1)) -> p_(k+1))
    **{f"chebyshev_polynomial_{kind}": (first, _chebyshev_step) for kind, first in _CHEBYSHEV_FIRST.items()},
    "hermite_polynomial_h": (lambda x: 2 * x, lambda x, k, p, q: 2 * x * p - 2 * k * q),
    "hermite_polynomial_he": (lambda x: x, lambda x, k, p, q: x * p - k * q),
    "laguerre_polynomial_l": (lambda x: 1 - x, lambda x, k, p, q: ((2 * k + 1 - x) * p - k * q) / (k + 1)),
    "legendre_polynomial_p": (lambda x: x, lambda x, k, p, q: ((2 * k + 1) * x * p - k * q) / (k + 1)),
}


def orthogonal_polynomial_array(name: str, x, n):
    """The polynomial ``name`` of degree ``n`` at ``x`` (arrays of one shape and floating dtype, computed in that
    dtype): see the module's docstring. ``name`` may start with ``shifted_`` for a Chebyshev polynomial."""
    xp = backend.xp_of(x)
    if name.startswith("shifted_"):
        name, x = name[len("shifted_"):], 2 * x - 1
    first, step = _FAMILIES[name]
    with _quietly():
        degree = xp.where(xp.isnan(n), -1, xp.trunc(xp.where(xp.isinf(n), -1, n)))
        top = int(degree.max()) if degree.size else -1
        out = xp.where(degree == 0, 1.0, 0.0).astype(x.dtype)
        previous, current = xp.ones_like(x), first(x)
        if top >= 1:
            out = xp.where(degree == 1, current, out)
        for k in range(1, top):
            previous, current = current, step(x, k, current, previous)
            out = xp.where(degree == k + 1, current, out)
        return xp.where(xp.isnan(x) & (degree >= 1), xp.nan, out).astype(x.dtype, copy=False)


def _polynomial(name: str, input, n) -> Tensor:
    x, degree = floating_pair(name, input, n)
    return Tensor(orthogonal_polynomial_array(name, x.data, degree.data))


def chebyshev_polynomial_t(input, n) -> Tensor:
    """The Chebyshev polynomial of the first kind ``T_n(x)`` (``T_n(cos θ) = cos nθ``), as
    ``torch.special.chebyshev_polynomial_t``. No gradient, as PyTorch."""
    return _polynomial("chebyshev_polynomial_t", input, n)


def chebyshev_polynomial_u(input, n) -> Tensor:
    """The Chebyshev polynomial of the second kind ``U_n(x)`` (``U_n(cos θ) = sin((n+1)θ) / sin θ``), as
    ``torch.special.chebyshev_polynomial_u``. No gradient, as PyTorch."""
    return _polynomial("chebyshev_polynomial_u", input, n)


def chebyshev_polynomial_v(input, n) -> Tensor:
    """The Chebyshev polynomial of the third kind ``V_n(x)``, as ``torch.special.chebyshev_polynomial_v``. No
    gradient, as PyTorch."""
    return _polynomial("chebyshev_polynomial_v", input, n)


def chebyshev_polynomial_w(input, n) -> Tensor:
    """The Chebyshev polynomial of the fourth kind ``W_n(x)``, as ``torch.special.chebyshev_polynomial_w``. No
    gradient, as PyTorch."""
    return _polynomial("chebyshev_polynomial_w", input, n)


def shifted_chebyshev_polynomial_t(input, n) -> Tensor:
    """``T_n(2x - 1)``, orthogonal on [0, 1], as ``torch.special.shifted_chebyshev_polynomial_t``."""
    return _polynomial("shifted_chebyshev_polynomial_t", input, n)


def shifted_chebyshev_polynomial_u(input, n) -> Tensor:
    """``U_n(2x - 1)``, as ``torch.special.shifted_chebyshev_polynomial_u``."""
    return _polynomial("shifted_chebyshev_polynomial_u", input, n)


def shifted_chebyshev_polynomial_v(input, n) -> Tensor:
    """``V_n(2x - 1)``, as ``torch.special.shifted_chebyshev_polynomial_v``."""
    return _polynomial("shifted_chebyshev_polynomial_v", input, n)


def shifted_chebyshev_polynomial_w(input, n) -> Tensor:
    """``W_n(2x - 1)``, as ``torch.special.shifted_chebyshev_polynomial_w``."""
    return _polynomial("shifted_chebyshev_polynomial_w", input, n)


def hermite_polynomial_h(input, n) -> Tensor:
    """The physicists' Hermite polynomial ``H_n(x)`` (weight ``e^(-x²)``), as
    ``torch.special.hermite_polynomial_h``. No gradient, as PyTorch."""
    return _polynomial("hermite_polynomial_h", input, n)


def hermite_polynomial_he(input, n) -> Tensor:
    """The probabilists' Hermite polynomial ``He_n(x)`` (weight ``e^(-x²/2)``), as
    ``torch.special.hermite_polynomial_he``. No gradient, as PyTorch."""
    return _polynomial("hermite_polynomial_he", input, n)


def laguerre_polynomial_l(input, n) -> Tensor:
    """The Laguerre polynomial ``L_n(x)`` (weight ``e^-x`` on [0, inf)), as ``torch.special.laguerre_polynomial_l``.
    No gradient, as PyTorch."""
    return _polynomial("laguerre_polynomial_l", input, n)


def legendre_polynomial_p(input, n) -> Tensor:
    """The Legendre polynomial ``P_n(x)`` (weight 1 on [-1, 1]), as ``torch.special.legendre_polynomial_p``. No
    gradient, as PyTorch."""
    return _polynomial("legendre_polynomial_p", input, n)
