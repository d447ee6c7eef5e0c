"""The gamma family (lgamma, digamma, polygamma, mvlgamma), entr and xlog1py, and the ``mg.special`` namespace.
Values held to PyTorch's in float64 at rtol 1e-12 on many points (negative non-integers, near the zeros at 1
and 2, tiny and huge arguments), PyTorch's values at the poles, ±inf and nan; where PyTorch itself is less
accurate (its trigamma, its polygamma of high order at half-integers) to mpmath. Gradients as PyTorch's,
gradchecks and gradgradchecks on every device, dtypes and errors."""
import math

import numpy as np
import pytest

import minigan as mg

from helpers import check_grad, compare_with_torch, randn, tensors

NAN, INF = np.nan, np.inf


@pytest.fixture
def mpmath():
    """mpmath (which comes with sympy) as a high-precision reference where PyTorch is not accurate enough."""
    mp = pytest.importorskip("mpmath", reason="mpmath is not installed; the high-precision checks need it")
    mp.mp.dps = 40
    return mp


def _points():
    """Negative non-integers (near the poles too), the neighbourhoods of 1 and 2 (where lgamma is 0), the
    series / Lanczos boundary, tiny and huge arguments."""
    grid = np.linspace(-20.3, 30.7, 511)
    grid = grid[np.abs(grid - np.round(grid)) > 1e-6]
    close = np.geomspace(1e-14, 0.4, 25)
    return np.concatenate([grid, 1 + close, 1 - close, 2 + close, 2 - close, 2.5 + close, 2.5 - close,
                           -3 + close, -3 - close, np.geomspace(1e-300, 1e-3, 20), np.geomspace(31, 1e300, 30),
                           -np.geomspace(1e-12, 0.49, 20), 0.5 - np.geomspace(1e5, 1e15, 6)])


def _away_from_poles(x):
    """The points of :func:`_points` that are not within 1e-3 of a negative integer: there torch's digamma and
    polygamma lose digits (they take ``tan(π (x - trunc x))``); see the mpmath test of those points."""
    return x[(x > 0) | (np.abs(x - np.round(x)) > 1e-3)]


def _same(ours, theirs, rtol=1e-12, atol=0.0):
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=rtol, atol=atol)


# ----------------------------------------------------------------- lgamma
def test_lgamma_matches_torch_on_many_points(torch, device):
    x = _points()
    _same(mg.lgamma(mg.tensor(x, device=device)), torch.lgamma(torch.tensor(x)), atol=1e-14)


def test_lgamma_keeps_relative_accuracy_near_its_zeros(torch):
    x = np.concatenate([1 + np.geomspace(1e-15, 1e-3, 13), 2 - np.geomspace(1e-15, 1e-3, 13)])
    _same(mg.lgamma(mg.tensor(x)), torch.lgamma(torch.tensor(x)), rtol=1e-13)   # values down to 1e-16


def test_lgamma_at_poles_infinities_and_nan_as_torch(torch):
    x = np.array([0.0, -0.0, -1.0, -2.0, -1e20, INF, -INF, NAN, 1e306, 1e-310])
    np.testing.assert_array_equal(mg.lgamma(mg.tensor(x)).numpy(), torch.lgamma(torch.tensor(x)).numpy())


def test_lgamma_gradient_is_digamma_as_torch(torch, device):
    x = np.array([[-2.6, -0.4, 0.3], [1.02, 1.97, 31.5]])
    compare_with_torch(torch, mg.lgamma, torch.lgamma, [x], device=device, rtol=1e-12, atol=1e-13)
    compare_with_torch(torch, lambda t: t.lgamma(), lambda t: t.lgamma(), [x], device=device, rtol=1e-12)


# ----------------------------------------------------------------- digamma
def test_digamma_matches_torch_on_many_points(torch, device):
    x = _away_from_poles(_points())
    # near the zero of ψ at 1.4616 torch (the same recurrence) and minigan both have absolute errors of 1e-16
    _same(mg.digamma(mg.tensor(x, device=device)), torch.digamma(torch.tensor(x)), atol=1e-14)
    _same(mg.special.psi(mg.tensor(x)), torch.special.psi(torch.tensor(x)), atol=1e-14)


def test_digamma_at_poles_infinities_and_nan_as_torch(torch):
    x = np.array([0.0, -0.0, -1.0, -7.0, INF, -INF, NAN, 1e-310, -1e-310])
    np.testing.assert_array_equal(mg.digamma(mg.tensor(x)).numpy(), torch.digamma(torch.tensor(x)).numpy())


def test_digamma_gradient_as_torch(torch, device):
    # the gradient is trigamma, where torch's own values are good to about 5e-10 (see the mpmath test below)
    x = np.array([[-3.3, -0.6, 0.2], [1.46, 4.1, 17.0]])
    compare_with_torch(torch, mg.digamma, torch.digamma, [x], device=device, rtol=1e-8)


def test_digamma_known_values():
    x = mg.tensor([1.0, 0.5, 2.0], dtype=mg.float64)
    euler = 0.5772156649015329
    np.testing.assert_allclose(mg.digamma(x).numpy(), [-euler, -euler - 2 * math.log(2), 1 - euler], rtol=1e-15)


# ----------------------------------------------------------------- polygamma
@pytest.mark.parametrize("n", [2, 3, 5, 10])
def test_polygamma_matches_torch(torch, device, n):
    x = _away_from_poles(_points())
    x = x[(np.abs(x) < 1e5) & (np.abs(np.abs(x - np.round(x)) - 0.5) > 0.01)]  # torch loses digits at x = k + 1/2
    _same(mg.polygamma(n, mg.tensor(x, device=device)), torch.polygamma(n, torch.tensor(x)), rtol=1e-11)


def test_polygamma_of_order_0_and_1_as_torch(torch):
    x = _away_from_poles(_points())
    x = x[np.abs(x) < 1e5]
    _same(mg.polygamma(0, mg.tensor(x)), torch.digamma(torch.tensor(x)), atol=1e-14)
    _same(mg.polygamma(1, mg.tensor(x)), torch.polygamma(1, torch.tensor(x)), rtol=1e-9)   # torch's trigamma


@pytest.mark.parametrize("n", [1, 2, 4, 10, 25])
def test_polygamma_to_high_precision(mpmath, n):
    x = np.array([-13.5, -6.87, -2.5, -0.3, 1e-4, 0.78, 1.12, 1.4616, 3.5, 8.2, 29.17, 1e3])
    expected = [float(mpmath.polygamma(n, mpmath.mpf(float(v)))) for v in x]
    np.testing.assert_allclose(mg.polygamma(n, mg.tensor(x)).numpy(), expected, rtol=1e-13)


@pytest.mark.parametrize("n", [0, 1, 2])
def test_polygamma_next_to_negative_poles_to_high_precision(mpmath, n):
    x = np.array([-3 + 1e-14, -3 - 1e-13, -3 + 1e-6, -5 - 1e-9, -2.9999, -1e-12])
    expected = [float(mpmath.polygamma(n, mpmath.mpf(float(v)))) for v in x]
    np.testing.assert_allclose(mg.polygamma(n, mg.tensor(x)).numpy(), expected, rtol=1e-13)


def test_polygamma_at_poles_as_torch(torch):
    x = np.array([0.0, -0.0, -1.0, -4.0, 1e-310, NAN])
    for n in (2, 3, 6):
        np.testing.assert_array_equal(mg.polygamma(n, mg.tensor(x)).numpy(),
                                      torch.polygamma(n, torch.tensor(x)).numpy())
    # trigamma has double poles: +inf at 0 and at the negative integers (torch gives 6.6e32 at -1, a rounding of
    # sin(-π)), 0 at +inf, nan at -inf
    assert mg.polygamma(1, mg.tensor([0.0, -1.0, -4.0, INF, -INF])).tolist()[:4] == [INF, INF, INF, 0.0]
    assert math.isnan(mg.polygamma(1, mg.tensor(-INF)).item())
    assert mg.polygamma(2, mg.tensor(INF)).item() == 0.0    # the limit (torch: nan)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_polygamma_gradient_as_torch(torch, device, n):
    x = np.array([[-1.4, 0.7, 2.3], [-0.3, 5.5, 12.0]])
    rtol = 1e-9 if n == 1 else 1e-11     # the forward of n = 1 is torch's trigamma
    compare_with_torch(torch, lambda t: mg.polygamma(n, t), lambda t: torch.polygamma(n, t), [x], device=device,
                       rtol=rtol)
    compare_with_torch(torch, lambda t: t.polygamma(n), lambda t: t.polygamma(n), [x], device=device, rtol=rtol)


def test_polygamma_is_the_derivative_chain():
    """lgamma' = ψ, ψ' = ψ₁, ψ₁' = ψ₂: three backward passes, each the next order."""
    x = mg.tensor([-2.3, 0.4, 3.1], dtype=mg.float64, requires_grad=True)
    (g1,) = mg.grad(mg.lgamma(x).sum(), [x], create_graph=True)
    (g2,) = mg.grad(g1.sum(), [x], create_graph=True)
    (g3,) = mg.grad(g2.sum(), [x])
    for order, g in enumerate((g1, g2, g3)):
        np.testing.assert_allclose(g.numpy(), mg.polygamma(order, x).numpy(), rtol=1e-14)


def test_polygamma_errors_as_torch():
    x = mg.tensor([1.0, 2.0])
    with pytest.raises(ValueError, match=r"polygamma\(n, x\) does not support negative n, got n=-1"):
        mg.polygamma(-1, x)
    with pytest.raises(TypeError, match="polygamma.*'n' must be int, not float"):
        mg.polygamma(1.5, x)


# ----------------------------------------------------------------- gradchecks on every device
def test_gamma_family_gradcheck(device):
    check_grad(mg.lgamma, np.array([[-2.6], [0.3], [1.97]]), device=device)
    check_grad(mg.digamma, np.array(2.7), device=device)                            # 0-d
    check_grad(lambda t: mg.polygamma(1, t), np.array([[-1.4, 0.7, 2.3, 12.0]]), device=device)
    check_grad(lambda t: mg.polygamma(2, t) + mg.polygamma(5, t), np.array([[0.9], [-0.4], [3.0]]), device=device)
    check_grad(lambda t: mg.mvlgamma(t, 4), np.abs(randn(3, 1, 2, seed=2)) + 2.0, device=device)


def test_lgamma_and_digamma_gradgradcheck(device):
    mg.gradgradcheck(mg.lgamma, tensors(device, np.array([[-2.6, 0.3], [1.02, 7.9]])))
    mg.gradgradcheck(mg.digamma, tensors(device, np.array([-0.6, 0.2, 4.1])))
    mg.gradgradcheck(lambda t: mg.polygamma(2, t), tensors(device, np.array([0.8, 3.3])))


# ----------------------------------------------------------------- dtypes
@pytest.mark.parametrize("name", ["lgamma", "digamma"])
def test_float32_and_integer_inputs_as_torch(torch, name):
    a = np.array([-2.5, 0.25, 1.5, 7.0, 40.0], dtype=np.float32)
    ours, theirs = getattr(mg, name)(mg.tensor(a)), getattr(torch, name)(torch.tensor(a))
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=2e-6, atol=1e-6)
    ints = np.array([1, 2, 5])
    ours, theirs = getattr(mg, name)(mg.tensor(ints)), getattr(torch, name)(torch.tensor(ints))
    assert ours.dtype == theirs.numpy().dtype == np.float32
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, atol=1e-7)
    assert mg.polygamma(1, mg.tensor(ints)).dtype == torch.polygamma(1, torch.tensor(ints)).numpy().dtype


# ----------------------------------------------------------------- mvlgamma
@pytest.mark.parametrize("p", [1, 2, 5])
def test_mvlgamma_matches_torch(torch, device, p):
    x = np.abs(randn(2, 3, seed=p)) + (p - 1) / 2 + 0.1
    compare_with_torch(torch, lambda t: mg.mvlgamma(t, p), lambda t: torch.mvlgamma(t, p), [x], device=device,
                       rtol=1e-12, atol=1e-13)
    compare_with_torch(torch, lambda t: t.mvlgamma(p), lambda t: t.mvlgamma(p), [x], device=device, rtol=1e-12)
    compare_with_torch(torch, lambda t: mg.special.multigammaln(t, p), lambda t: torch.special.multigammaln(t, p),
                       [np.array(p + 0.5)], device=device, rtol=1e-12)


def test_mvlgamma_below_its_domain_and_on_integers_as_torch(torch):
    x = np.array([1.0, 0.4, 0.5])   # PyTorch no longer refuses x <= (p - 1)/2: the sum of lgammas is returned
    np.testing.assert_allclose(mg.mvlgamma(mg.tensor(x), 2).numpy(), torch.mvlgamma(torch.tensor(x), 2).numpy(),
                               rtol=1e-12)
    ours, theirs = mg.mvlgamma(mg.tensor([2, 3]), 2), torch.mvlgamma(torch.tensor([2, 3]), 2)
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


def test_mvlgamma_errors():
    with pytest.raises(ValueError, match="mvlgamma: p has to be greater than or equal to 1, got p=0"):
        mg.mvlgamma(mg.tensor([2.0]), 0)
    with pytest.raises(TypeError, match="mvlgamma: p must be an int, got float"):
        mg.mvlgamma(mg.tensor([2.0]), 2.0)


# ----------------------------------------------------------------- entr and xlog1py
def test_entr_matches_torch_values_and_gradients(torch, device):
    x = np.array([0.0, -0.0, -1.0, 1.0, 0.5, 1e-300, 3.0, INF, -INF, NAN])
    _same(mg.special.entr(mg.tensor(x, device=device)), torch.special.entr(torch.tensor(x)))
    compare_with_torch(torch, mg.special.entr, torch.special.entr, [np.array([[0.2, 1.0], [2.5, 1e-8]])],
                       device=device, rtol=1e-12)
    # at 0 the gradient -(1 + log 0) is +inf, below 0 nan: torch's values
    compare_with_torch(torch, mg.special.entr, torch.special.entr, [np.array([0.0, -2.0, 0.5])], device=device)
    check_grad(mg.special.entr, np.abs(randn(3, 1, 2, seed=4)) + 0.1, device=device)
    mg.gradgradcheck(mg.special.entr, tensors(device, np.array([0.3, 2.0])))


def test_entr_dtypes_as_torch(torch):
    for a in (np.array([1, 2, 0]), np.array([0.5, 2.0], dtype=np.float32)):
        ours, theirs = mg.special.entr(mg.tensor(a)), torch.special.entr(torch.tensor(a))
        assert ours.dtype == theirs.numpy().dtype
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


def test_xlog1py_matches_torch_values_and_gradients(torch, device):
    x = np.array([0.0, 0.0, 0.0, 1.0, 2.0, 0.0, -1.5, 3.0])
    y = np.array([-1.0, -2.0, NAN, -1.0, INF, 0.0, 1e-20, 0.5])
    _same(mg.special.xlog1py(mg.tensor(x, device=device), mg.tensor(y, device=device)),
          torch.special.xlog1py(torch.tensor(x), torch.tensor(y)))
    compare_with_torch(torch, mg.special.xlog1py, torch.special.xlog1py, [randn(3, 1, seed=1), np.abs(randn(4))],
                       device=device, rtol=1e-12)
    # x = 0 with y <= -1: the x-gradient is 0, where log(1 + y) is -inf or nan
    compare_with_torch(torch, mg.special.xlog1py, torch.special.xlog1py,
                       [np.array([0.0, 0.0, 1.0]), np.array([-1.0, -3.0, 0.5])], device=device)


def test_xlog1py_numbers_integers_and_errors(torch):
    t = np.array([1.0, 2.0, 3.0])
    for a, b in ((2, t), (t, 2), (np.array([1, 2]), np.array([1, 2]))):
        ours = mg.special.xlog1py(mg.tensor(a) if isinstance(a, np.ndarray) else a,
                                  mg.tensor(b) if isinstance(b, np.ndarray) else b)
        theirs = torch.special.xlog1py(torch.tensor(a) if isinstance(a, np.ndarray) else a,
                                       torch.tensor(b) if isinstance(b, np.ndarray) else b)
        assert ours.dtype == theirs.numpy().dtype
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-7)
    with pytest.raises(ValueError, match=r"xlog1py: shapes \(2,\) and \(3,\) cannot be broadcast"):
        mg.special.xlog1py(mg.tensor([1.0, 2.0]), mg.tensor(t))
    with pytest.raises(TypeError, match="xlog1py: expected at least one Tensor"):
        mg.special.xlog1py(1.0, 2.0)


def test_xlog1py_gradcheck(device):
    check_grad(mg.special.xlog1py, randn(2, 1, 3, seed=5), np.abs(randn(4, 1, seed=6)) - 0.5, device=device)
    mg.gradgradcheck(mg.special.xlog1py, tensors(device, randn(3, seed=7), np.abs(randn(3, seed=8))))


# ----------------------------------------------------------------- the namespace, aliases and methods
_SPECIAL = ["expit", "logit", "erf", "erfc", "erfcx", "erfinv", "ndtr", "ndtri", "log_ndtr", "gammaln", "digamma",
            "psi", "polygamma", "multigammaln", "i0", "i0e", "i1", "i1e", "sinc", "entr", "xlogy", "xlog1py",
            "logsumexp", "softmax", "log_softmax", "round", "log1p", "expm1", "exp2",
            "gammainc", "gammaincc", "zeta", "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "modified_bessel_i0",
            "modified_bessel_i1", "modified_bessel_k0", "modified_bessel_k1", "scaled_modified_bessel_k0",
            "scaled_modified_bessel_k1", "spherical_bessel_j0", "airy_ai", "chebyshev_polynomial_t",
            "chebyshev_polynomial_u", "chebyshev_polynomial_v", "chebyshev_polynomial_w",
            "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
            "shifted_chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he", "laguerre_polynomial_l",
            "legendre_polynomial_p"]


def test_special_namespace_has_torch_names(torch):
    import minigan.special as S
    for name in _SPECIAL:
        assert hasattr(torch.special, name) and callable(getattr(S, name)), name
    assert sorted(S.__all__) == sorted(_SPECIAL)
    assert S.gammaln is mg.lgamma and S.psi is mg.digamma and S.multigammaln is mg.mvlgamma
    assert S.expit is mg.sigmoid and S.erfinv is mg.erfinv and S.logsumexp is mg.logsumexp


@pytest.mark.parametrize("name", ["expit", "logit", "erf", "erfinv", "sinc", "log1p", "expm1", "exp2", "round"])
def test_special_reexports_agree_with_torch(torch, name):
    a = np.array([0.1, 0.35, 0.5, 0.8])
    np.testing.assert_allclose(getattr(mg.special, name)(mg.tensor(a)).numpy(),
                               getattr(torch.special, name)(torch.tensor(a)).numpy(), rtol=1e-12)


def test_special_softmax_family_as_torch(torch, device):
    a = randn(2, 3, seed=3)
    for name in ("softmax", "log_softmax"):
        compare_with_torch(torch, lambda t: getattr(mg.special, name)(t, 1), lambda t: getattr(torch.special, name)(
            t, 1), [a], device=device, rtol=1e-12)
        ours = getattr(mg.special, name)(mg.tensor(a.astype(np.float32)), 0, dtype=mg.float64)
        theirs = getattr(torch.special, name)(torch.tensor(a.astype(np.float32)), 0, dtype=torch.float64)
        assert ours.dtype == np.float64
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
    compare_with_torch(torch, lambda t: mg.special.logsumexp(t, 0, keepdim=True),
                       lambda t: torch.special.logsumexp(t, 0, keepdim=True), [a], device=device, rtol=1e-12)
    x = mg.tensor(a.astype(np.float32), requires_grad=True)          # the cast is recorded: the gradient is float32
    mg.special.softmax(x, 1, dtype=mg.float64)[:, 0].sum().backward()
    assert x.grad.dtype == np.float32


@pytest.mark.parametrize("name", ["lgamma", "digamma", "i0", "erfc"])
def test_top_level_aliases_and_tensor_methods_as_torch(torch, name):
    assert hasattr(torch, name) and hasattr(torch.Tensor, name)
    a = np.array([0.3, 1.7, 4.2])
    expected = getattr(torch, name)(torch.tensor(a)).numpy()
    np.testing.assert_allclose(getattr(mg, name)(mg.tensor(a)).numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(getattr(mg.tensor(a), name)().numpy(), expected, rtol=1e-12)
