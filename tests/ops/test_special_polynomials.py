"""The orthogonal polynomials of ``mg.special`` (Chebyshev T, U, V, W and their shifted forms, Hermite H and He,
Laguerre L, Legendre P): values against PyTorch on a grid of x and degrees (with broadcasting, negative and
fractional degrees, ±inf), against mpmath's closed forms, the orthogonality that defines them, no gradient (as
PyTorch), dtypes and errors."""
import numpy as np
import pytest

import minigan as mg
import minigan.special as S

INF, NAN = np.inf, np.nan
_NAMES = ["chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v", "chebyshev_polynomial_w",
          "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
          "shifted_chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he", "laguerre_polynomial_l",
          "legendre_polynomial_p"]


@pytest.mark.parametrize("name", _NAMES)
def test_matches_torch_on_a_grid_of_x_and_degrees(torch, device, name):
    x = np.concatenate([np.linspace(-3, 3, 37), [-1.0, 0.0, 1.0, 0.5, INF, -INF]])[:, None]       # (43, 1)
    n = np.array([-3.0, 0.0, 1.0, 2.0, 3.0, 4.0, 6.0, 7.0, 11.0, 30.0])                                # (10,)
    ours = getattr(S, name)(mg.tensor(x, device=device), mg.tensor(n, device=device)).numpy()
    theirs = getattr(torch.special, name)(torch.tensor(x), torch.tensor(n)).numpy()
    assert ours.shape == theirs.shape == (43, 10)
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs))          # where two infinities cancel
    np.testing.assert_array_equal(np.isinf(ours), np.isinf(theirs))
    finite = np.isfinite(theirs)
    # both round differently (PyTorch takes closed forms for some x): relative to the size, or to 1 near zeros
    np.testing.assert_allclose(ours[finite], theirs[finite], rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("name", _NAMES)
def test_scalar_and_broadcast_arguments_as_torch(torch, name):
    ours = getattr(S, name)(0.3, mg.tensor([0, 1, 2, 5]))
    theirs = getattr(torch.special, name)(0.3, torch.tensor([0, 1, 2, 5]))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    assert ours.dtype == theirs.numpy().dtype == np.float32
    ours = getattr(S, name)(mg.tensor(np.array([0.25, -0.8])), 4)
    np.testing.assert_allclose(ours.numpy(), getattr(torch.special, name)(
        torch.tensor([0.25, -0.8], dtype=torch.float64), 4).numpy(), rtol=1e-14)
    # a fractional degree is truncated, as in PyTorch
    frac = getattr(S, name)(mg.tensor(np.array([0.4])), mg.tensor(np.array([3.7])))
    np.testing.assert_array_equal(frac.numpy(), getattr(S, name)(mg.tensor(np.array([0.4])), 3).numpy())


@pytest.fixture
def mpmath():
    mp = pytest.importorskip("mpmath", reason="mpmath is not installed; the high-precision checks need it")
    mp.mp.dps = 30
    return mp


def test_against_mpmath(mpmath):
    mp = mpmath
    x = np.array([-0.93, -0.4, 0.0, 0.31, 0.77, 0.999])
    for n in [2, 5, 17, 40]:
        for name, ref in [("chebyshev_polynomial_t", lambda v: mp.chebyt(n, v)),
                          ("chebyshev_polynomial_u", lambda v: mp.chebyu(n, v)),
                          ("legendre_polynomial_p", lambda v: mp.legendre(n, v)),
                          ("hermite_polynomial_h", lambda v: mp.hermite(n, v)),
                          ("laguerre_polynomial_l", lambda v: mp.laguerre(n, 0, v)),
                          ("shifted_chebyshev_polynomial_t", lambda v: mp.chebyt(n, 2 * v - 1))]:
            got = getattr(S, name)(mg.tensor(x), n).numpy()
            want = np.array([float(ref(mp.mpf(v))) for v in x])
            scale = np.maximum(np.abs(want), np.max(np.abs(want)) * 1e-3)
            assert np.max(np.abs(got - want) / scale) < 2e-14 * n, (name, n)


def test_hermite_he_and_chebyshev_v_w_identities():
    """``He_n(x) = 2^(-n/2) H_n(x / √2)`` and ``W_n(x) = (-1)^n V_n(-x)``."""
    x = np.linspace(-2.5, 2.5, 21)
    for n in range(0, 9):
        he = S.hermite_polynomial_he(mg.tensor(x), n).numpy()
        h = S.hermite_polynomial_h(mg.tensor(x / np.sqrt(2)), n).numpy()
        np.testing.assert_allclose(he, 2 ** (-n / 2) * h, rtol=1e-12, atol=1e-12)
        w = S.chebyshev_polynomial_w(mg.tensor(x), n).numpy()
        v = S.chebyshev_polynomial_v(mg.tensor(-x), n).numpy()
        np.testing.assert_allclose(w, (-1) ** n * v, rtol=1e-13, atol=1e-13)


def test_orthogonality():
    """Gauss-Legendre quadrature (exact for these degrees): ``∫ P_m P_n = 2/(2n+1) δ_mn`` on [-1, 1], and
    Gauss-Chebyshev nodes: ``Σ T_m T_n`` over the zeros of ``T_N``."""
    nodes, weights = np.polynomial.legendre.leggauss(20)
    p = np.stack([S.legendre_polynomial_p(mg.tensor(nodes), n).numpy() for n in range(8)])
    gram = (p * weights) @ p.T
    np.testing.assert_allclose(gram, np.diag(2 / (2 * np.arange(8) + 1)), atol=1e-14)
    theta = (np.arange(20) + 0.5) * np.pi / 20
    t = np.stack([S.chebyshev_polynomial_t(mg.tensor(np.cos(theta)), n).numpy() for n in range(8)])
    np.testing.assert_allclose(t @ t.T * 2 / 20, np.diag([2.0] + [1.0] * 7), atol=1e-13)


@pytest.mark.parametrize("name", _NAMES)
def test_no_gradient_as_torch(torch, name):
    x = mg.tensor(np.array([0.2, 0.7]), requires_grad=True)
    y = getattr(S, name)(x, 3)
    assert not y.requires_grad
    assert not getattr(torch.special, name)(torch.tensor([0.2, 0.7], requires_grad=True), 3).requires_grad


def test_dtypes_and_errors(torch):
    f32 = mg.tensor(np.array([0.5, 0.1], dtype=np.float32))
    assert S.legendre_polynomial_p(f32, 3).dtype == np.float32
    assert S.legendre_polynomial_p(f32, mg.tensor(np.array([3.0, 2.0]))).dtype == np.float64
    assert S.laguerre_polynomial_l(mg.tensor([1, 2]), 2).dtype == np.float32
    np.testing.assert_allclose(S.legendre_polynomial_p(f32, 3).numpy(),
                               torch.special.legendre_polynomial_p(torch.tensor([0.5, 0.1]), 3).numpy(), rtol=1e-6)
    nan = S.chebyshev_polynomial_u(mg.tensor(np.array([NAN, 2.0])), 2).numpy()   # (PyTorch's is not always nan)
    assert np.isnan(nan[0]) and nan[1] == 15.0
    with pytest.raises(ValueError, match=r"hermite_polynomial_h: shapes \(2,\) and \(3,\) cannot be broadcast"):
        S.hermite_polynomial_h(f32, mg.tensor([1, 2, 3]))
    with pytest.raises(TypeError, match="chebyshev_polynomial_t: expected at least one Tensor"):
        S.chebyshev_polynomial_t(0.5, 3)
