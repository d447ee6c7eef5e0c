"""Elementwise extras: addcmul, addcdiv, nan_to_num, xlogy, logit, erfinv. Values, dtypes and gradients as
PyTorch's, with its values at the awkward points (x = 0 in xlogy, outside logit's clamp, erfinv near ±1), gradchecks
on awkward shapes, and errors that name the op."""
import math

import numpy as np
import pytest

import minigan as mg

from helpers import check_grad, compare_with_torch, randn, tensors

NAN, INF = np.nan, np.inf


# ----------------------------------------------------------------- addcmul and addcdiv
@pytest.mark.parametrize("name", ["addcmul", "addcdiv"])
@pytest.mark.parametrize("shapes", [((3, 4), (3, 4), (3, 4)), ((4,), (3, 1, 4), (2, 1)), ((), (5,), (2, 5)),
                                    ((2, 1, 3), (1,), (4, 1))], ids=str)
@pytest.mark.parametrize("value", [1, -0.5, 3])
def test_addcmul_addcdiv_match_torch(torch, device, name, shapes, value):
    arrays = [randn(*s, seed=i) + (2.0 if i == 2 else 0.0) for i, s in enumerate(shapes)]   # no divisor near 0
    compare_with_torch(torch, lambda a, b, c: getattr(mg, name)(a, b, c, value=value),
                       lambda a, b, c: getattr(torch, name)(a, b, c, value=value), arrays, device=device)
    compare_with_torch(torch, lambda a, b, c: getattr(a, name)(b, c, value=value),
                       lambda a, b, c: getattr(a, name)(b, c, value=value), arrays, device=device)


def test_addcmul_addcdiv_dtypes_as_torch(torch):
    i, f32, f64 = np.array([1, 2]), np.array([0.5, 1.5], dtype=np.float32), np.array([1.0, 4.0])
    cases = [("addcmul", (i, i, i), dict(value=2)), ("addcmul", (i, i, i), dict(value=0.5)),   # 0.5 reads as 0
             ("addcmul", (f32, i, i), dict(value=2)), ("addcmul", (f32, f64, f32), {}),
             ("addcdiv", (i, f32, i), {}), ("addcdiv", (f32, f32, f64), dict(value=2))]
    for name, arrays, kwargs in cases:
        ours = getattr(mg, name)(*(mg.tensor(a) for a in arrays), **kwargs)
        theirs = getattr(torch, name)(*(torch.tensor(a) for a in arrays), **kwargs)
        assert ours.dtype == theirs.numpy().dtype, (name, arrays, kwargs)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


def test_addcmul_addcdiv_gradcheck(device):
    check_grad(lambda a, b, c: mg.addcmul(a, b, c, value=0.7), randn(3, 1, seed=1), randn(2, 1, 4, seed=2),
               randn(4, seed=3), device=device)
    check_grad(lambda a, b, c: mg.addcdiv(a, b, c, value=-1.5), randn(1, seed=4), randn(2, 3, seed=5),
               np.abs(randn(3, seed=6)) + 0.5, device=device)


# ----------------------------------------------------------------- nan_to_num
@pytest.mark.parametrize("kwargs", [{}, dict(nan=1.0, posinf=2.0, neginf=-3.0), dict(posinf=1e3), dict(nan=-0.5)],
                         ids=str)
def test_nan_to_num_matches_torch_values_and_gradients(torch, device, kwargs):
    a = np.array([[NAN, INF, -INF, 1.5], [-2.0, 0.0, NAN, INF]])
    compare_with_torch(torch, lambda x: mg.nan_to_num(x, **kwargs), lambda x: torch.nan_to_num(x, **kwargs), [a],
                       device=device)


def test_nan_to_num_dtypes_as_torch(torch):
    a = np.array([NAN, INF, -INF, 1.5])
    for dtype in (np.float16, np.float32, np.float64):
        ours, theirs = mg.tensor(a.astype(dtype)).nan_to_num(), torch.tensor(a.astype(dtype)).nan_to_num()
        assert ours.dtype == dtype
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    for arr in (np.array([1, 2]), np.array([True, False])):
        x = mg.tensor(arr)
        y = mg.nan_to_num(x, nan=3.0)
        assert y.dtype == arr.dtype and y.tolist() == arr.tolist() and y.data is not x.data


def test_nan_to_num_gradcheck(device):
    check_grad(lambda x: mg.nan_to_num(x, 0.5, 3.0, -2.0), np.array([[0.3, NAN, -1.2], [INF, 2.0, -INF]]),
               device=device)
    mg.gradgradcheck(lambda x: mg.nan_to_num(x) ** 2, tensors(device, np.array([[0.3, NAN], [-1.2, 2.0]])))


# ----------------------------------------------------------------- xlogy
def test_xlogy_matches_torch_at_the_special_points(torch, device):
    x = np.array([0.0, 0.0, 0.0, 1.0, 2.0, -1.0, 0.0, 2.0, NAN, 0.5])
    y = np.array([0.0, NAN, -1.0, 0.0, 3.0, 2.0, INF, -1.0, 1.0, INF])
    compare_with_torch(torch, mg.xlogy, torch.xlogy, [x, y], device=device)


def test_xlogy_broadcasts_and_takes_numbers_as_torch(torch):
    compare_with_torch(torch, mg.xlogy, torch.xlogy, [randn(3, 1, 4, seed=7), np.abs(randn(2, 4, seed=8)) + 0.1])
    compare_with_torch(torch, lambda y: mg.xlogy(2, y), lambda y: torch.xlogy(2, y), [np.array([0.5, 3.0])])
    compare_with_torch(torch, lambda x: mg.xlogy(x, 2.5), lambda x: torch.xlogy(x, 2.5), [np.array([0.0, -1.5])])
    cases = [(np.array([1, 0]), np.array([3, 4])), (np.array([1, 0]), 2), (np.array([1.0, 0.0], dtype=np.float32),
                                                                           np.array([2.0, 3.0]))]
    for a, b in cases:
        ours = mg.xlogy(mg.tensor(a), b if np.isscalar(b) else mg.tensor(b))
        theirs = torch.xlogy(torch.tensor(a), b if np.isscalar(b) else torch.tensor(b))
        assert ours.dtype == theirs.numpy().dtype
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    assert mg.tensor([0.0, 2.0]).xlogy(mg.tensor([0.0, math.e])).tolist() == [0.0, 2.0]


def test_xlogy_gradcheck(device):
    check_grad(mg.xlogy, randn(3, 1, 4, seed=9), np.abs(randn(2, 4, seed=10)) + 0.2, device=device)
    mg.gradgradcheck(mg.xlogy, tensors(device, randn(2, 3, seed=11), np.abs(randn(3, seed=12)) + 0.3))


def test_xlogy_derivative_in_x_is_log_y_but_0_where_x_is_0_and_y_is_not_positive(device):
    x, y = tensors(device, np.array([0.0, 0.0, 0.0, 1.0]), np.array([2.0, 0.0, -1.0, 2.0]))
    mg.xlogy(x, y).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [math.log(2.0), 0.0, 0.0, math.log(2.0)])


# ----------------------------------------------------------------- logit
@pytest.mark.parametrize("eps", [None, 0.05, 1e-6, -0.1])
def test_logit_matches_torch_values_and_gradients(torch, device, eps):
    a = np.array([0.0, 0.01, 0.05, 0.3, 0.5, 0.95, 0.999, 1.0, -0.1, 1.2])
    compare_with_torch(torch, lambda x: mg.logit(x, eps), lambda x: torch.logit(x, eps), [a], device=device)
    compare_with_torch(torch, lambda x: x.logit(eps), lambda x: x.logit(eps), [randn(2, 3, seed=13) * 0.2 + 0.5])


def test_logit_dtypes_as_torch(torch):
    for arr in (np.array([0, 1]), np.array([True, False]), np.array([0.25, 0.75], dtype=np.float32)):
        ours, theirs = mg.logit(mg.tensor(arr)), torch.logit(torch.tensor(arr))
        assert ours.dtype == np.float32 == theirs.numpy().dtype
        np.testing.assert_allclose(ours.numpy(), theirs.numpy())


def test_logit_gradcheck(device):
    check_grad(mg.logit, np.random.default_rng(14).uniform(0.05, 0.95, (3, 1, 4)), device=device)
    check_grad(lambda x: mg.logit(x, 0.1), np.array([[0.03, 0.25, 0.5], [0.72, 0.95, 0.4]]), device=device)
    mg.gradgradcheck(mg.logit, tensors(device, np.array([0.2, 0.5, 0.7])))


# ----------------------------------------------------------------- erfinv
def _erfinv_points() -> np.ndarray:
    tail = np.logspace(-16, -0.3, 200)
    tiny = np.logspace(-300, -1, 100)
    grid = np.linspace(-1, 1, 2001)
    random = np.random.default_rng(15).uniform(-1, 1, 2000)
    return np.concatenate([grid, random, 1 - tail, tail - 1, tiny, -tiny, [np.nextafter(1.0, 0), -0.0]])


def test_erfinv_matches_torch_to_1e_12_everywhere_including_near_plus_minus_1(torch):
    y = _erfinv_points()
    ours, theirs = mg.erfinv(mg.tensor(y)).numpy(), torch.erfinv(torch.tensor(y)).numpy()
    np.testing.assert_array_equal(np.isinf(ours), np.isinf(theirs))
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=0)
    assert ours[-1] == 0.0 and np.signbit(ours[-1])         # erfinv(-0.0) = -0.0


def test_erfinv_inverts_erf(device):
    x = np.linspace(-5.5, 5.5, 1001)
    y = mg.erf(mg.tensor(x, device=device))
    back = mg.erfinv(y).numpy()
    near = np.abs(x) < 3.0          # beyond, erf(x) rounds to numbers so near 1 that x is no longer recoverable
    np.testing.assert_allclose(back[near], x[near], rtol=1e-12, atol=1e-14)


def test_erfinv_at_the_ends_outside_and_in_other_dtypes_as_torch(torch):
    a = np.array([-1.0, 1.0, 1.5, -1.0000001, NAN, 0.0, 0.5])
    np.testing.assert_array_equal(mg.erfinv(mg.tensor(a)).numpy(), torch.erfinv(torch.tensor(a)).numpy())
    for arr in (np.array([0, 1]), np.array([True, False]), np.array([-0.999999, 0.3, 0.9], dtype=np.float32)):
        ours, theirs = mg.tensor(arr).erfinv(), torch.erfinv(torch.tensor(arr))
        assert ours.dtype == np.float32 == theirs.numpy().dtype
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


def test_erfinv_gradient_matches_torch(torch, device):
    a = np.concatenate([np.linspace(-0.999, 0.999, 41), [1 - 1e-9, -1 + 1e-12]])
    compare_with_torch(torch, mg.erfinv, torch.erfinv, [a], device=device, rtol=1e-10)
    x = tensors(device, np.array([-1.0, 1.0]))[0]
    mg.erfinv(x).backward(mg.tensor(np.ones(2), device=device))    # (a sum of -inf and inf would be nan)
    assert x.grad.tolist() == [INF, INF]


def test_erfinv_gradcheck(device):
    check_grad(mg.erfinv, np.random.default_rng(16).uniform(-0.95, 0.95, (3, 1, 4)), device=device)
    mg.gradgradcheck(mg.erfinv, tensors(device, np.array([-0.7, 0.0, 0.4, 0.9])))


# ----------------------------------------------------------------- errors
@pytest.mark.parametrize("call,error,message", [
    (lambda: mg.addcmul(mg.zeros(2), mg.zeros(2), mg.zeros(3)), ValueError,
     r"addcmul: shapes \(2,\), \(2,\), \(3,\) \(input, tensor1, tensor2\) cannot be broadcast together"),
    (lambda: mg.addcmul(*(mg.tensor([True]),) * 3), TypeError, r"addcmul: not defined for bool tensors"),
    (lambda: mg.addcdiv(mg.zeros(2), mg.tensor([1, 2]), mg.tensor([3, 4])), TypeError,
     r"addcdiv: integer division with addcdiv is not supported"),
    (lambda: mg.xlogy(2, 3), TypeError, r"xlogy: expected at least one Tensor, got int and int"),
    (lambda: mg.xlogy(mg.zeros(2), mg.zeros(3)), ValueError, r"xlogy: shapes \(2,\) and \(3,\) cannot be broadcast"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_errors_name_the_op_what_it_expected_and_what_came(call, error, message):
    with pytest.raises(error, match=message):
        call()
