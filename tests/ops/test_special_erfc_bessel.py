"""erfc, erfcx, ndtr, log_ndtr, ndtri and the modified Bessel functions i0, i0e, i1, i1e (``mg.special``).
Values held to PyTorch's in float64 at rtol 1e-12 over the whole range and far into the tails (where the plain
formulas under- or overflow), PyTorch's values at 0, ±inf and nan; where PyTorch loses digits (ndtr's left
tail, which it takes as 1 + erf) to its own log_ndtr. Gradients as PyTorch's, gradchecks and gradgradchecks on
every device, dtypes."""
import numpy as np
import pytest

import minigan as mg
import minigan.special as S

from helpers import check_grad, compare_with_torch, randn, tensors

NAN, INF = np.nan, np.inf
_NAMES = ["erfc", "erfcx", "ndtr", "log_ndtr", "ndtri", "i0", "i0e", "i1", "i1e"]


def _same(ours, theirs, rtol=1e-12, atol=0.0):
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=rtol, atol=atol)


def _both(torch, name, a, device="cpu"):
    return getattr(S, name)(mg.tensor(a, device=device)), getattr(torch.special, name)(torch.tensor(a))


# ----------------------------------------------------------------- erfc and erfcx
def test_erfc_matches_torch_into_the_tail(torch, device):
    x = np.concatenate([np.linspace(-8, 27, 1401), np.geomspace(1e-12, 26.5, 80), -np.geomspace(1e-12, 30, 40)])
    _same(*_both(torch, "erfc", x, device))          # down to erfc(26.5) = 5e-307, each to its own size


def test_erfcx_matches_torch(torch, device):
    x = np.concatenate([np.linspace(-26, 30, 1121), np.geomspace(1e-12, 1e300, 80), -np.geomspace(1e-12, 26, 40)])
    _same(*_both(torch, "erfcx", x, device))         # about 1/(x√π) far right, e^(x²) far left


def test_erfc_erfcx_special_values_as_torch(torch):
    x = np.array([0.0, -0.0, INF, -INF, NAN, 27.5, -27.0, 1e-320])
    for name in ("erfc", "erfcx"):
        ours, theirs = _both(torch, name, x)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy(), err_msg=name)


def test_erfc_and_erf_add_to_one():
    x = mg.tensor(np.linspace(-5, 5, 41))
    np.testing.assert_allclose((mg.erfc(x) + mg.erf(x)).numpy(), 1.0, rtol=1e-15)


# ----------------------------------------------------------------- ndtr, log_ndtr, ndtri
def test_ndtr_matches_torch_where_torch_is_accurate(torch, device):
    x = np.concatenate([np.linspace(-3, 9, 601), np.geomspace(1e-10, 40, 40)])
    _same(*_both(torch, "ndtr", x, device))


def test_ndtr_left_tail_matches_torch_log_ndtr(torch, device):
    # torch's ndtr is 1/2 (1 + erf(x/√2)): 0 from about -8.3 on. Its log_ndtr is right there, so exp of it
    # (exact to the exp's own rounding of a number near -700: a relative error of about 1e-13) is the reference.
    x = np.concatenate([np.linspace(-37.5, -3, 346), -np.geomspace(3, 37.5, 30)])
    ours = S.ndtr(mg.tensor(x, device=device)).numpy()
    np.testing.assert_allclose(ours, np.exp(torch.special.log_ndtr(torch.tensor(x)).numpy()), rtol=5e-13)
    assert ours[0] > 0 and S.ndtr(mg.tensor(-38.5)).item() == 0.0   # Φ(-38.5) is below the smallest float64


def test_log_ndtr_matches_torch(torch, device):
    x = np.concatenate([np.linspace(-40, 38, 1561), -np.geomspace(1e-10, 1e150, 80), np.geomspace(1e-10, 38, 40)])
    ours, theirs = _both(torch, "log_ndtr", x, device)    # -x²/2 - ... far left, -Φ(-x) far right
    _same(ours, theirs, atol=1e-320)                        # (down to subnormal numbers, with their few digits)


def test_ndtri_matches_torch_on_all_scales(torch, device):
    p = np.concatenate([np.geomspace(5e-324, 0.5, 400), 1 - np.geomspace(1.2e-16, 0.5, 100),
                        np.linspace(0, 1, 1001)[1:-1], 0.5 + np.geomspace(1e-15, 0.1, 20)])
    _same(*_both(torch, "ndtri", p, device))          # ndtri(5e-324) = -38.47


def test_normal_special_values_as_torch(torch):
    x = np.array([0.0, -0.0, INF, -INF, NAN, -39.0, 40.0, -1e300])
    for name in ("ndtr", "log_ndtr"):
        ours, theirs = _both(torch, name, x)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-15, err_msg=name)   # inf and nan too
    p = np.array([0.0, 1.0, -0.1, 1.1, NAN, 0.5, -INF, INF])
    ours, theirs = _both(torch, "ndtri", p)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_ndtri_inverts_ndtr():
    p = np.concatenate([np.geomspace(1e-300, 0.4, 50), np.linspace(0.4, 0.999, 50)])
    # Φ's relative condition number far left is about x² (1400 at p = 1e-300), which the round trip multiplies
    np.testing.assert_allclose(S.ndtr(S.ndtri(mg.tensor(p))).numpy(), p, rtol=1e-12)


# ----------------------------------------------------------------- modified Bessel functions
def _bessel_points():
    """Both signs: the power series (|x| < 25), its boundary, the asymptotic series, up to near I₀'s overflow."""
    x = np.concatenate([np.linspace(0, 60, 601), np.geomspace(1e-12, 700, 100), 25 + np.geomspace(1e-12, 1, 8),
                        25 - np.geomspace(1e-12, 1, 8)])
    return np.concatenate([x, -x])


@pytest.mark.parametrize("name", ["i0", "i0e", "i1", "i1e"])
def test_bessel_matches_torch(torch, device, name):
    _same(*_both(torch, name, _bessel_points(), device))


def test_bessel_special_values():
    x = mg.tensor([0.0, INF, -INF, NAN], dtype=mg.float64)
    np.testing.assert_array_equal(S.i0(x).numpy(), [1.0, INF, INF, NAN])      # torch gives nan at ±inf
    np.testing.assert_array_equal(S.i1(x).numpy(), [0.0, INF, -INF, NAN])     # torch gives nan at ±inf
    np.testing.assert_array_equal(S.i0e(x).numpy(), [1.0, 0.0, 0.0, NAN])
    np.testing.assert_array_equal(S.i1e(x).numpy(), [0.0, 0.0, -0.0, NAN])
    # I₀(710) = 3.3e306 is a float64; torch's e^x times the rest overflows from 709.8 on
    np.testing.assert_allclose(S.i0(mg.tensor([710.0, -713.0], dtype=mg.float64)).numpy(),
                               [3.34533455861966e306, 6.705128263671e307], rtol=1e-12)
    assert S.i0(mg.tensor([100.0])).item() == INF        # in float32, as in PyTorch
    assert S.i0(mg.tensor(714.0)).item() == INF


def test_bessel_torch_special_values(torch):
    x = np.array([0.0, -0.0, NAN, 1e-320, -1e-320])
    for name in ("i0", "i0e", "i1", "i1e"):
        ours, theirs = _both(torch, name, x)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy(), err_msg=name)


# ----------------------------------------------------------------- gradients
_GRAD_POINTS = {
    "erfc": np.array([[-2.1, -0.3], [0.0, 0.8], [2.6, 9.0]]),
    "erfcx": np.array([[-2.1, -0.3], [0.0, 0.8], [2.6, 30.0]]),
    "ndtr": np.array([[-2.9, -1.3], [0.0, 0.4], [2.2, 7.0]]),       # torch's ndtr loses digits below -3
    "log_ndtr": np.array([[-30.0, -6.0], [-1.3, 0.0], [2.2, 7.0]]),  # and its log_ndtr gradient far left
    "ndtri": np.array([[1e-30, 0.02], [0.3, 0.5], [0.77, 0.999]]),
    "i0": np.array([[-30.0, -1.3], [0.0, 0.4], [24.9, 25.1]]),
    "i0e": np.array([[-30.0, -1.3], [0.7, 0.4], [24.9, 99.0]]),
    "i1": np.array([[-30.0, -1.3], [0.0, 0.4], [24.9, 25.1]]),
    "i1e": np.array([[-30.0, -1.3], [0.0, 0.4], [24.9, 99.0]]),
}


@pytest.mark.parametrize("name", _NAMES)
def test_gradients_match_torch(torch, device, name):
    compare_with_torch(torch, getattr(S, name), getattr(torch.special, name), [_GRAD_POINTS[name]], device=device,
                       rtol=1e-11, atol=1e-300)


def test_gradients_at_awkward_points_as_torch(torch, device):
    # i1 and i1e at 0 (the limit 1/2), i0e at 0 (sign(0) = 0), ndtri at 0 and 1, erfcx where it overflows
    for name, a in (("i1", [0.0, -0.0]), ("i1e", [0.0]), ("i0e", [0.0]), ("ndtri", [0.0, 1.0, 0.5]),
                    ("erfcx", [-30.0, -1e3]), ("log_ndtr", [INF, 50.0])):
        compare_with_torch(torch, getattr(S, name), getattr(torch.special, name), [np.array(a)], device=device)


def test_log_ndtr_gradient_far_left():
    x = mg.tensor(-INF, dtype=mg.float64, requires_grad=True)
    S.log_ndtr(x).backward()
    assert x.grad.item() == INF            # the limit of φ/Φ (torch: nan, from exp(inf - inf))
    # φ(x)/Φ(x) ~ -x - 1/x far left: taken as √(2/π) / erfcx(-x/√2), never as a ratio of underflowed numbers
    t = np.array([1e5, 1e4, 1e3])
    x = mg.tensor(-t, dtype=mg.float64, requires_grad=True)
    S.log_ndtr(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t + 1 / t - 2 / t ** 3, rtol=1e-15)


@pytest.mark.parametrize("name", _NAMES)
def test_gradcheck(device, name):
    x = np.abs(randn(3, 1, 2, seed=1)) * 0.3 + 0.05 if name == "ndtri" else randn(3, 1, 2, seed=1) * 2 + 0.1
    check_grad(getattr(S, name), x, device=device)
    check_grad(getattr(S, name), np.array(0.35), device=device)                    # 0-d


@pytest.mark.parametrize("name", ["erfcx", "log_ndtr", "ndtri", "i0e", "i1", "i1e"])
def test_gradgradcheck(device, name):
    a = {"ndtri": np.array([0.2, 0.45, 0.9]), "i1": np.array([-2.3, 0.4, 1.7, 6.0])}.get(
        name, np.array([-2.3, 0.4, 1.7, 27.0]))
    mg.gradgradcheck(getattr(S, name), tensors(device, a))


# ----------------------------------------------------------------- dtypes
@pytest.mark.parametrize("name", _NAMES)
def test_float32_and_integer_inputs_as_torch(torch, name):
    a = np.array([0.02, 0.3, 0.5, 0.9], dtype=np.float32) if name == "ndtri" else np.array([-3.5, -0.2, 0.0, 1.5, 9.0],
                                                                                            dtype=np.float32)
    ours, theirs = _both(torch, name, a)
    assert ours.dtype == np.float32
    # torch's float32 ndtr(-3.5) and log_ndtr(9) lose digits (1 + erf, 1 - erf in float32): held to float64 here
    reference = theirs.numpy() if name not in ("ndtr", "log_ndtr") else getattr(S, name)(mg.tensor(a.astype(
        np.float64))).numpy()
    np.testing.assert_allclose(ours.numpy(), reference, rtol=3e-6, atol=1e-30)
    ints = np.array([0, 1]) if name == "ndtri" else np.array([-2, 0, 3])
    ours, theirs = _both(torch, name, ints)
    assert ours.dtype == theirs.numpy().dtype == np.float32, name
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=3e-6)
