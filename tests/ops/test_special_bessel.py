"""The Bessel family of ``mg.special``: ``bessel_j0/j1/y0/y1``, ``modified_bessel_i0/i1/k0/k1``,
``scaled_modified_bessel_k0/k1``, ``spherical_bessel_j0`` and ``airy_ai``. Values against mpmath (30 digits) on
wide ranges (negative, tiny, huge, the zeros of J₀ and Y₀), against PyTorch (whose J, Y and Ai are accurate to
about 1e-6 of the oscillation's size only, so parity is held there at that level and at 1e-14 for I and K),
PyTorch's values at 0, ±inf, nan and off the domain; gradients (PyTorch has none: held to the derivative
identities, gradchecked and gradgradchecked on every device), dtypes."""
import numpy as np
import pytest

import minigan as mg
import minigan.special as S

from helpers import check_grad, tensors

NAN, INF = np.nan, np.inf
_ODD = {"bessel_j1", "modified_bessel_i1"}
_POSITIVE_ONLY = {"bessel_y0", "bessel_y1", "modified_bessel_k0", "modified_bessel_k1", "scaled_modified_bessel_k0",
                  "scaled_modified_bessel_k1"}
_ALL = ["bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "modified_bessel_i0", "modified_bessel_i1",
        "modified_bessel_k0", "modified_bessel_k1", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1",
        "spherical_bessel_j0", "airy_ai"]


@pytest.fixture
def mpmath():
    mp = pytest.importorskip("mpmath", reason="mpmath is not installed; the high-precision checks need it")
    mp.mp.dps = 30
    return mp


def _reference(mp, name):
    """The mpmath function for ``name``."""
    return {"bessel_j0": lambda v: mp.besselj(0, v), "bessel_j1": lambda v: mp.besselj(1, v),
            "bessel_y0": lambda v: mp.bessely(0, v), "bessel_y1": lambda v: mp.bessely(1, v),
            "modified_bessel_i0": lambda v: mp.besseli(0, v), "modified_bessel_i1": lambda v: mp.besseli(1, v),
            "modified_bessel_k0": lambda v: mp.besselk(0, v), "modified_bessel_k1": lambda v: mp.besselk(1, v),
            "scaled_modified_bessel_k0": lambda v: mp.besselk(0, v) * mp.exp(v),
            "scaled_modified_bessel_k1": lambda v: mp.besselk(1, v) * mp.exp(v),
            "spherical_bessel_j0": lambda v: mp.sin(v) / v, "airy_ai": mp.airyai}[name]


def _points(name):
    """Tiny to huge, both signs where the function is defined there, and the first zeros of J₀ and Y₀ (to 16
    digits) with their neighbours."""
    j0_zeros = np.array([2.404825557695773, 5.520078110286311, 8.653727912911013, 30.63460646843198])
    y0_zeros = np.array([0.8935769662791675, 3.957678419314858, 7.086051060301773])
    zeros = np.concatenate([j0_zeros, y0_zeros, np.nextafter(j0_zeros, 0), np.nextafter(j0_zeros, 99)])
    base = np.concatenate([np.geomspace(1e-300, 1e-4, 9), np.linspace(0.013, 40.0, 181), np.geomspace(41, 1e5, 15),
                           zeros])
    if name.startswith("modified_bessel_i"):
        base = base[base < 700]
    if name == "airy_ai":
        base = base[base < 100]
        return np.concatenate([-base[base < 3000], base])
    return base if name in _POSITIVE_ONLY else np.concatenate([-base, base])


def _size(name, x, ref):
    """The size an error is measured against: the value, or for an oscillating function the amplitude of its
    oscillation (near a zero the value itself is as small as you like)."""
    a = np.abs(x)
    if name.startswith("bessel") or name == "spherical_bessel_j0":
        return np.maximum(np.abs(ref), np.minimum(1.0, np.sqrt(2 / (np.pi * a)) if name != "spherical_bessel_j0"
                                                  else 1 / a))
    if name == "airy_ai":
        return np.maximum(np.abs(ref), np.where(x < 0, np.minimum(0.5, a ** -0.25 / np.sqrt(np.pi)), 0.0))
    return np.abs(ref)


# ----------------------------------------------------------------- values
@pytest.mark.parametrize("name", _ALL)
def test_values_against_mpmath(mpmath, name):
    x = _points(name)
    ours = getattr(S, name)(mg.tensor(x)).numpy()
    ref = np.array([float(_reference(mpmath, name)(mpmath.mpf(v))) for v in x])
    keep = np.abs(ref) > 1e-300
    err = np.abs(ours - ref)[keep] / _size(name, x, ref)[keep]
    # Ai for large |x| carries the rounding of its phase or exponent ζ = (2/3)|x|^(3/2): about ζ ulp
    allowed = 1e-12 if name == "airy_ai" else 3e-15
    assert err.max() < allowed, (err.max(), x[keep][np.argmax(err)])


@pytest.mark.parametrize("name", _ALL)
def test_values_match_torch(torch, device, name):
    x = _points(name)
    x = x[np.abs(x) <= 1e4]                         # PyTorch's J and Y lose all accuracy by 1e20
    ours = getattr(S, name)(mg.tensor(x, device=device)).numpy()
    theirs = getattr(torch.special, name)(torch.tensor(x)).numpy()
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs))
    keep = np.isfinite(theirs)
    err = np.abs(ours - theirs)[keep] / np.maximum(_size(name, x, theirs)[keep], 1e-300)
    # PyTorch's J, Y (between 2 and 1e4) and Ai (between -5.2 and -2.1) are accurate to about 1e-6 only
    oscillating = name.startswith("bessel") or name == "airy_ai"
    assert err.max() < (5e-6 if oscillating else 3e-15)


@pytest.mark.parametrize("name", _ALL)
def test_special_values_as_torch(torch, name):
    x = np.array([0.0, -0.0, 1e-310, -1e-310, NAN, -1.0, 1e-300])
    np.testing.assert_allclose(getattr(S, name)(mg.tensor(x)).numpy(),
                               getattr(torch.special, name)(torch.tensor(x)).numpy(), rtol=1e-15, atol=1e-321)


def test_limits_at_infinity():
    """minigan gives the limits; PyTorch gives nan for most of these."""
    x = mg.tensor(np.array([INF, -INF]))
    for name, expected in [("bessel_j0", [0, 0]), ("bessel_j1", [0, 0]), ("bessel_y0", [0, NAN]),
                           ("bessel_y1", [0, NAN]), ("modified_bessel_i0", [INF, INF]),
                           ("modified_bessel_i1", [INF, -INF]), ("modified_bessel_k0", [0, NAN]),
                           ("scaled_modified_bessel_k1", [0, NAN]), ("spherical_bessel_j0", [0, 0]),
                           ("airy_ai", [0, 0])]:
        np.testing.assert_array_equal(getattr(S, name)(x).numpy(), expected, err_msg=name)


@pytest.mark.parametrize("name", sorted(_ODD | {"bessel_j0", "modified_bessel_i0", "spherical_bessel_j0"}))
def test_symmetry(name):
    x = np.linspace(0.1, 60.0, 97)
    sign = -1 if name in _ODD else 1
    f = getattr(S, name)
    np.testing.assert_array_equal(f(mg.tensor(-x)).numpy(), sign * f(mg.tensor(x)).numpy())


def test_modified_i_are_i0_and_i1():
    x = mg.tensor(np.linspace(-30, 30, 61))
    np.testing.assert_array_equal(S.modified_bessel_i0(x).numpy(), mg.special.i0(x).numpy())
    np.testing.assert_array_equal(S.modified_bessel_i1(x).numpy(), mg.special.i1(x).numpy())


def test_wronskians():
    """``J₁ Y₀ - J₀ Y₁ = 2/(πx)`` and ``I₀ K₁ + I₁ K₀ = 1/x``: identities no single function can satisfy alone."""
    x = np.geomspace(0.01, 200, 57)
    t = mg.tensor(x)
    w = S.bessel_j1(t) * S.bessel_y0(t) - S.bessel_j0(t) * S.bessel_y1(t)
    np.testing.assert_allclose(w.numpy() * x * np.pi / 2, 1.0, rtol=2e-14)
    t = mg.tensor(x[x < 90])
    w = (mg.special.i0e(t) * S.scaled_modified_bessel_k1(t) + mg.special.i1e(t) * S.scaled_modified_bessel_k0(t))
    np.testing.assert_allclose(w.numpy() * x[x < 90], 1.0, rtol=2e-15)


# ----------------------------------------------------------------- gradients
_DERIVATIVE = {          # the derivative of each function, in PyTorch's functions (PyTorch has no gradient)
    "bessel_j0": lambda T, x: -T.bessel_j1(x),
    "bessel_j1": lambda T, x: T.bessel_j0(x) - T.bessel_j1(x) / x,
    "bessel_y0": lambda T, x: -T.bessel_y1(x),
    "bessel_y1": lambda T, x: T.bessel_y0(x) - T.bessel_y1(x) / x,
    "modified_bessel_i0": lambda T, x: T.modified_bessel_i1(x),
    "modified_bessel_i1": lambda T, x: T.modified_bessel_i0(x) - T.modified_bessel_i1(x) / x,
    "modified_bessel_k0": lambda T, x: -T.modified_bessel_k1(x),
    "modified_bessel_k1": lambda T, x: -T.modified_bessel_k0(x) - T.modified_bessel_k1(x) / x,
    "scaled_modified_bessel_k0": lambda T, x: T.scaled_modified_bessel_k0(x) - T.scaled_modified_bessel_k1(x),
    "scaled_modified_bessel_k1": lambda T, x: (T.scaled_modified_bessel_k1(x) * (1 - 1 / x)
                                               - T.scaled_modified_bessel_k0(x)),
    "spherical_bessel_j0": lambda T, x: (x.cos() - T.spherical_bessel_j0(x)) / x,
}


@pytest.mark.parametrize("name", sorted(_DERIVATIVE))
def test_gradient_is_the_derivative(torch, name):
    x = np.array([0.3, 0.9, 1.7, 4.4, 13.0, 27.5])
    t = mg.tensor(x, requires_grad=True)
    (g,) = mg.grad(getattr(S, name)(t).sum(), [t])
    expected = _DERIVATIVE[name](torch.special, torch.tensor(x)).numpy()
    tol = 1e-5 if name.startswith("bessel") else 1e-13                   # PyTorch's J, Y as above
    np.testing.assert_allclose(g.numpy(), expected, rtol=tol, atol=tol * 1e-2)
    assert not getattr(torch.special, name)(torch.tensor(x, requires_grad=True)).requires_grad   # none in torch


def test_airy_gradient_against_mpmath(mpmath):
    x = np.array([-30.0, -11.5, -7.3, -2.1, -0.4, 0.0, 0.8, 3.5, 20.0])
    t = mg.tensor(x, requires_grad=True)
    (g,) = mg.grad(S.airy_ai(t).sum(), [t], create_graph=True)
    (gg,) = mg.grad(g.sum(), [t])
    ref = np.array([float(mpmath.airyai(mpmath.mpf(v), derivative=1)) for v in x])
    np.testing.assert_allclose(g.numpy(), ref, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(gg.numpy(), x * S.airy_ai(mg.tensor(x)).numpy(), rtol=1e-15)   # Ai'' = x Ai


def test_derivatives_at_zero():
    t = mg.tensor(np.array([0.0]), requires_grad=True)
    for name, expected in [("bessel_j0", 0.0), ("bessel_j1", 0.5), ("spherical_bessel_j0", 0.0),
                           ("modified_bessel_i1", 0.5)]:
        (g,) = mg.grad(getattr(S, name)(t).sum(), [t])
        assert g.item() == expected, name


@pytest.mark.parametrize("name", _ALL)
def test_gradcheck(device, name):
    positive = name in _POSITIVE_ONLY
    x = np.array([[0.04], [0.9], [2.6], [7.3], [26.0]]) if positive else np.array([[-8.2, -0.7], [0.02, 1.3],
                                                                                   [3.4, 12.6], [-26.5, 27.0]])
    if name.startswith("modified_bessel_i"):
        x = x / 3            # moderate values, so finite differences stay accurate
    f = getattr(S, name)
    check_grad(f, x, device=device)
    check_grad(f, np.array(1.7), device=device)                                          # 0-d
    mg.gradgradcheck(f, tensors(device, x[:3]))


# ----------------------------------------------------------------- dtypes
@pytest.mark.parametrize("name", _ALL)
def test_float32_and_integer_inputs(torch, name):
    x32 = np.array([0.5, 1.5, 3.25, 9.0], dtype=np.float32)
    ours, theirs = getattr(S, name)(mg.tensor(x32)), getattr(torch.special, name)(torch.tensor(x32))
    assert ours.dtype == theirs.numpy().dtype == np.float32
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=2e-6, atol=1e-7)
    ints = getattr(S, name)(mg.tensor([1, 2, 5]))
    assert ints.dtype == getattr(torch.special, name)(torch.tensor([1, 2, 5])).numpy().dtype == np.float32
