"""``mg.special.gammainc``, ``gammaincc`` (the regularised incomplete gamma functions) and ``zeta`` (Hurwitz's):
values against PyTorch on wide grids and against mpmath (40 digits), the upper function's far tail where
``1 - P`` would lose everything, PyTorch's values off the domain, gradients (in x as PyTorch's; in ``a`` where
PyTorch has none, by finite differences), gradchecks on every device, dtypes and errors."""
import numpy as np
import pytest

import minigan as mg
import minigan.special as S
from minigan.distributions import Gamma

from helpers import check_grad, compare_with_torch, tensors

NAN, INF = np.nan, np.inf


@pytest.fixture
def mpmath():
    mp = pytest.importorskip("mpmath", reason="mpmath is not installed; the high-precision checks need it")
    mp.mp.dps = 40
    return mp


def _grid(a_values, x_values):
    a, x = np.meshgrid(a_values, x_values)
    return a.ravel(), x.ravel()


def _rel(ours, ref, tiny=1e-300):
    """Largest relative error where the reference is a normal float64."""
    ours, ref = np.asarray(ours), np.asarray(ref)
    keep = np.abs(ref) > tiny
    return np.max(np.abs(ours[keep] - ref[keep]) / np.abs(ref[keep]))


# ----------------------------------------------------------------- gammainc, gammaincc: values
@pytest.mark.parametrize("name", ["gammainc", "gammaincc"])
def test_incomplete_gamma_matches_torch_on_a_wide_grid(torch, device, name):
    a, x = _grid(np.geomspace(1e-3, 2e3, 23), np.concatenate([[0.0], np.geomspace(1e-6, 5e3, 31)]))
    ours = getattr(S, name)(mg.tensor(a, device=device), mg.tensor(x, device=device)).numpy()
    theirs = getattr(torch.special, name)(torch.tensor(a), torch.tensor(x)).numpy()
    # torch's own error reaches 2e-9 (for a and x near each other, between 20 and 600: P(38.2, 27.3) = 0.0272895752524
    # where torch gives ...5206); minigan's is 3e-12 at most, against mpmath (next test)
    np.testing.assert_allclose(ours, theirs, rtol=5e-9, atol=1e-300)


@pytest.mark.parametrize("upper", [False, True])
def test_incomplete_gamma_against_mpmath(mpmath, upper):
    a, x = _grid(np.geomspace(1e-4, 3e3, 13), np.geomspace(1e-6, 2e4, 17))
    ours = (S.gammaincc if upper else S.gammainc)(mg.tensor(a), mg.tensor(x)).numpy()
    mp = mpmath
    ref = [mp.gammainc(mp.mpf(ai), mp.mpf(xi), mp.inf, regularized=True) if upper else
           mp.gammainc(mp.mpf(ai), 0, mp.mpf(xi), regularized=True) for ai, xi in zip(a, x)]
    # the tails carry the rounding of their exponent log(x^a e^-x / Γ(a)) (up to 700 here): about 1e-13 per 100
    assert _rel(ours, np.array([float(r) for r in ref])) < 3e-12


def test_gammaincc_is_accurate_where_one_minus_p_cancels(mpmath):
    mp = mpmath
    a = np.array([2.0, 0.5, 1e-3, 1e-3, 1e-10, 0.3, 30.0, 1.0])
    x = np.array([700.0, 300.0, 0.5, 1.5, 1e-3, 1.2, 120.0, 700.0])
    ours = S.gammaincc(mg.tensor(a), mg.tensor(x)).numpy()
    ref = np.array([float(mp.gammainc(mp.mpf(ai), mp.mpf(xi), mp.inf, regularized=True)) for ai, xi in zip(a, x)])
    np.testing.assert_allclose(ours, ref, rtol=2e-13)      # e^-700 carries the rounding of its exponent, 700 ulp
    assert ours[0] > 1e-303 and S.gammainc(mg.tensor(a), mg.tensor(x)).numpy()[0] == 1.0     # 1 - P is 0 there
    assert _rel(1 - S.gammainc(mg.tensor(a[2:4]), mg.tensor(x[2:4])).numpy(), ref[2:4]) > 1e-14


def test_gammainc_plus_gammaincc_is_one(device):
    a, x = _grid(np.geomspace(0.01, 300, 9), np.geomspace(1e-3, 600, 11))
    p = S.gammainc(mg.tensor(a, device=device), mg.tensor(x, device=device)).numpy()
    q = S.gammaincc(mg.tensor(a, device=device), mg.tensor(x, device=device)).numpy()
    np.testing.assert_allclose(p + q, 1.0, rtol=1e-14)


@pytest.mark.parametrize("name", ["gammainc", "gammaincc"])
def test_incomplete_gamma_off_the_domain_as_torch(torch, name):
    a = np.array([0, 0, 0, -1, 1, 1, 1, INF, 1, 2, NAN, 1, 3])
    x = np.array([0, 1, -1, 1, -1, 0, INF, 1, 1e-300, INF, 1, NAN, 1e-310])
    ours = getattr(S, name)(mg.tensor(a), mg.tensor(x)).numpy()
    np.testing.assert_array_equal(ours, getattr(torch.special, name)(torch.tensor(a), torch.tensor(x)).numpy())


def test_gamma_cdf_is_gammainc():
    a, x = np.array([0.4, 2.5, 17.0]), np.array([0.3, 2.0, 30.0])
    np.testing.assert_array_equal(Gamma(mg.tensor(a), 1.0).cdf(mg.tensor(x)).numpy(),
                                  S.gammainc(mg.tensor(a), mg.tensor(x)).numpy())


# ----------------------------------------------------------------- gammainc, gammaincc: gradients
@pytest.mark.parametrize("name", ["gammainc", "gammaincc"])
def test_incomplete_gamma_gradient_in_x_as_torch(torch, device, name):
    a = np.array([[0.3], [1.0], [4.5]])
    x = np.array([0.2, 1.7, 6.0, 40.0])
    compare_with_torch(torch, lambda t: getattr(S, name)(mg.tensor(a, device=device), t),
                       lambda t: getattr(torch.special, name)(torch.tensor(a), t), [x], device=device,
                       rtol=1e-12, atol=1e-15)


def test_incomplete_gamma_gradient_in_a_where_torch_has_none(torch, mpmath):
    a, x = tensors("cpu", np.array([0.3, 2.0, 15.0]), np.array([0.5, 3.0, 9.0]))
    (ga,) = mg.grad(S.gammainc(a, x).sum(), [a])
    mp = mpmath
    ref = [mp.diff(lambda s: mp.gammainc(s, 0, mp.mpf(xi), regularized=True), mp.mpf(ai))
           for ai, xi in zip(a.numpy(), x.numpy())]
    np.testing.assert_allclose(ga.numpy(), np.array([float(r) for r in ref]), rtol=1e-11)
    (gq,) = mg.grad(S.gammaincc(a, x).sum(), [a])
    np.testing.assert_allclose(gq.numpy(), -ga.numpy(), rtol=1e-15)
    ta = torch.tensor(a.numpy(), requires_grad=True)
    with pytest.raises(NotImplementedError, match="igamma"):           # what minigan adds
        torch.special.gammainc(ta, torch.tensor(x.numpy())).sum().backward()


@pytest.mark.parametrize("name", ["gammainc", "gammaincc"])
def test_incomplete_gamma_gradcheck(device, name):
    f = getattr(S, name)
    check_grad(f, np.array([[0.4], [2.0], [7.5]]), np.array([0.3, 2.5, 11.0, 1.1]), device=device)   # broadcast
    check_grad(f, np.array(3.2), np.array(2.1), device=device)                                          # 0-d
    a = mg.tensor(np.array([0.7, 3.0]), device=device)
    mg.gradgradcheck(lambda t: f(a, t), tensors(device, np.array([[0.6, 4.0]])))


# ----------------------------------------------------------------- gammainc, gammaincc: dtypes and errors
def test_incomplete_gamma_dtypes():
    f32 = mg.tensor(np.array([1.5, 2.0], dtype=np.float32))
    assert S.gammainc(f32, f32).dtype == np.float32 and S.gammaincc(f32, 2.5).dtype == np.float32
    assert S.gammainc(mg.tensor([1, 2]), mg.tensor([1, 3])).dtype == np.float32            # integers: float32
    assert S.gammainc(f32, mg.tensor(np.array([1.0, 2.0]))).dtype == np.float64            # promotion
    np.testing.assert_allclose(S.gammainc(f32, f32).numpy(), S.gammainc(
        mg.tensor(np.array([1.5, 2.0])), mg.tensor(np.array([1.5, 2.0]))).numpy(), rtol=1e-6)


def test_incomplete_gamma_errors():
    with pytest.raises(ValueError, match=r"gammaincc: shapes \(2,\) and \(3,\) cannot be broadcast"):
        S.gammaincc(mg.tensor([1.0, 2.0]), mg.tensor([1.0, 2.0, 3.0]))
    with pytest.raises(TypeError, match="gammainc: expected at least one Tensor, got float and int"):
        S.gammainc(1.0, 2)


# ----------------------------------------------------------------- zeta
def test_zeta_matches_torch_on_a_wide_grid(torch, device):
    x, q = _grid(np.concatenate([1 + np.geomspace(1e-9, 0.5, 8), np.linspace(2, 80, 14)]),
                 np.geomspace(1e-4, 1e5, 19))
    ours = S.zeta(mg.tensor(x, device=device), mg.tensor(q, device=device)).numpy()
    theirs = torch.special.zeta(torch.tensor(x), torch.tensor(q)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=1e-300)


def test_zeta_against_mpmath(mpmath):
    mp = mpmath
    x, q = _grid(np.array([1 + 1e-7, 1.01, 1.5, 2.0, 3.3, 7.0, 16.5]), np.array([1e-3, 0.37, 1.0, 2.5, 13.0, 4e4]))
    ours = S.zeta(mg.tensor(x), mg.tensor(q)).numpy()
    ref = np.array([float(mp.zeta(mp.mpf(s), mp.mpf(a))) for s, a in zip(x, q)])
    assert _rel(ours, ref) < 2e-14
    np.testing.assert_allclose(S.zeta(mg.tensor(np.array([2.0, 4.0])), 1.0).numpy(), [np.pi ** 2 / 6, np.pi ** 4 / 90],
                               rtol=1e-15)


def test_zeta_at_negative_shifts_as_torch(torch, mpmath):
    x = np.array([2.0, 3.0, 4.0, 5.0, 2.0, 6.0, 3.0])
    q = np.array([-1.5, -1e6 - 0.3, -7.25, -0.001, -30.6, -3.3, -0.5])
    ours = S.zeta(mg.tensor(x), mg.tensor(q)).numpy()
    np.testing.assert_allclose(ours, torch.special.zeta(torch.tensor(x), torch.tensor(q)).numpy(), rtol=1e-12)
    mp = mpmath        # a few negative terms, summed by hand, then Hurwitz's zeta at the positive shift
    for s, a in zip(x[[0, 2, 5]], q[[0, 2, 5]]):
        m = int(np.ceil(-a))
        ref = sum(mp.mpf(a + k) ** -int(s) for k in range(m)) + mp.zeta(int(s), mp.mpf(a) + m)
        assert abs(S.zeta(mg.tensor(np.array(s)), mg.tensor(np.array(a))).item() - float(ref)) < 1e-13 * abs(ref)


def test_zeta_off_the_domain_as_torch(torch):
    x = np.array([1, 0.5, -1, 2, 2, 2, 2.5, INF, 2, 2, NAN, 2, 3])
    q = np.array([1, 1, 1, 0, -1, -INF, -1.5, 2, 1e-300, NAN, 1, -4.0, 0.0])
    np.testing.assert_array_equal(S.zeta(mg.tensor(x), mg.tensor(q)).numpy(),
                                  torch.special.zeta(torch.tensor(x), torch.tensor(q)).numpy())
    assert S.zeta(mg.tensor(np.array([2.0])), mg.tensor(np.array([INF]))).item() == 0.0   # the limit (torch: nan)


def test_zeta_gradient_in_q_as_torch(torch, device):
    x = np.array([[1.5], [2.0], [7.0]])
    q = np.array([0.3, 1.0, 2.6, 40.0, -2.5])
    compare_with_torch(torch, lambda t: S.zeta(mg.tensor(x, device=device), t),
                       lambda t: torch.special.zeta(torch.tensor(x), t), [q], device=device, rtol=1e-12, atol=1e-14)


def test_zeta_gradient_in_x_raises_as_torch(torch):
    x = mg.tensor(np.array([2.0, 3.0]), requires_grad=True)
    with pytest.raises(NotImplementedError, match="zeta: the derivative with respect to x"):
        S.zeta(x, mg.tensor(np.array([1.5, 2.0]))).sum().backward()
    tx = torch.tensor([2.0, 3.0], dtype=torch.float64, requires_grad=True)
    with pytest.raises(NotImplementedError, match="zeta"):
        torch.special.zeta(tx, torch.tensor([1.5, 2.0], dtype=torch.float64)).sum().backward()


def test_zeta_gradcheck(device):
    x = mg.tensor(np.array([[1.3], [2.0], [4.5]]), device=device)
    check_grad(lambda t: S.zeta(x, t), np.array([0.2, 1.7, 30.0]), device=device)
    whole = mg.tensor(np.array([[2.0], [5.0]]), device=device)                        # negative shifts need whole x
    check_grad(lambda t: S.zeta(whole, t), np.array([-2.5, -0.3, 0.6]), device=device)
    check_grad(lambda t: S.zeta(2.5, t), np.array(0.8), device=device)                    # 0-d, a number x
    mg.gradgradcheck(lambda t: S.zeta(x, t), tensors(device, np.array([0.6, 3.0])))


def test_zeta_dtypes_and_errors(torch):
    f32 = mg.tensor(np.array([2.0, 3.0], dtype=np.float32))
    for ours, theirs in [(S.zeta(f32, 2), torch.special.zeta(torch.tensor([2.0, 3.0]), 2)),
                         (S.zeta(2, f32), torch.special.zeta(2, torch.tensor([2.0, 3.0]))),
                         (S.zeta(mg.tensor([2, 3]), mg.tensor([1, 2])),
                          torch.special.zeta(torch.tensor([2, 3]), torch.tensor([1, 2])))]:
        assert ours.dtype == theirs.numpy().dtype == np.float32
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match=r"zeta: shapes \(2,\) and \(3,\) cannot be broadcast"):
        S.zeta(f32, mg.tensor([1.0, 2.0, 3.0]))
