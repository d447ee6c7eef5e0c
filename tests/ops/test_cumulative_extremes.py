"""Running extremes (cummax, cummin), the running log-sum-exp (logcumsumexp) and differences of neighbours (diff):
values, indices and gradients as PyTorch's (ties, nan, integers, bools, 0-d tensors, empty dims), gradchecks on
awkward shapes, and errors that name the op."""
import numpy as np
import pytest

import minigan as mg

from helpers import check_grad, compare_with_torch, distinct, randn, tensors

NAN, INF = np.nan, np.inf


def _same_values_and_indices(ours, theirs):
    np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())
    np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())
    assert ours.indices.dtype == np.int64 and ours.values.dtype == ours.values.numpy().dtype
    assert ours.values.shape == tuple(theirs.values.shape) == ours.indices.shape


# ----------------------------------------------------------------- cummax and cummin
@pytest.mark.parametrize("name", ["cummax", "cummin"])
@pytest.mark.parametrize("dim", [0, 1, -1, -3])
def test_cumulative_extremes_match_torch(torch, name, dim):
    a = distinct(3, 4, 5, seed=1)
    _same_values_and_indices(getattr(mg, name)(mg.tensor(a), dim), getattr(torch, name)(torch.tensor(a), dim))
    compare_with_torch(torch, lambda x: getattr(x, name)(dim).values, lambda x: getattr(x, name)(dim).values, [a])


@pytest.mark.parametrize("name", ["cummax", "cummin"])
@pytest.mark.parametrize("a", [
    [1.0, 3.0, 3.0, 2.0, NAN, 5.0, NAN, 0.0],      # a nan takes over, and the next nan after it
    [1.0, 1.0, 0.0, 0.0, 2.0, 2.0],                # ties: the latest equal extreme is named
    [-0.0, 0.0, -0.0, 0.0],                        # signed zeros are equal
    [INF, 1.0, -INF, INF],
], ids=["nan", "ties", "signed zeros", "infinities"])
def test_ties_and_nan_pick_the_index_torch_picks(torch, name, a):
    a = np.array(a)
    ours, theirs = getattr(mg, name)(mg.tensor(a), 0), getattr(torch, name)(torch.tensor(a), 0)
    np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())
    np.testing.assert_array_equal(np.signbit(ours.values.numpy()), np.signbit(theirs.values.numpy()))
    np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())


def test_ties_in_a_2d_tensor_and_their_gradient_as_torch(torch):
    a = np.array([[2.0, 2.0, 1.0, 2.0, 3.0], [0.0, 1.0, 1.0, 0.0, 1.0]])
    for name in ("cummax", "cummin"):
        _same_values_and_indices(getattr(mg, name)(mg.tensor(a), 1), getattr(torch, name)(torch.tensor(a), 1))
        compare_with_torch(torch, lambda x: getattr(x, name)(1).values, lambda x: getattr(x, name)(1).values, [a])


@pytest.mark.parametrize("name", ["cummax", "cummin"])
def test_integers_and_bools_as_torch(torch, name):
    a = np.array([[3, -1, 3, 5, 0], [7, 7, 2, 9, 9]])
    for arr in (a, a.astype(np.int32), a.astype(np.uint8), a > 2):
        ours, theirs = getattr(mg, name)(mg.tensor(arr), 1), getattr(torch, name)(torch.tensor(arr), 1)
        _same_values_and_indices(ours, theirs)
        assert ours.values.dtype == arr.dtype


def test_cummax_of_a_0d_tensor_and_of_an_empty_dim(torch):
    ours, theirs = mg.cummax(mg.tensor(2.5), 0), torch.cummax(torch.tensor(2.5), 0)
    _same_values_and_indices(ours, theirs)
    assert isinstance(ours, mg.ops.ValuesIndices) and ours._fields == ("values", "indices")
    _same_values_and_indices(mg.cummin(mg.zeros(2, 0), 1), torch.cummin(torch.zeros(2, 0), 1))


def test_cummax_gradient_goes_to_the_element_at_each_index(device):
    x = tensors(device, np.array([0.5, 2.0, 1.0, 3.0, -1.0]))[0]
    values, indices = mg.cummax(x, 0)
    assert indices.tolist() == [0, 1, 1, 3, 3]
    values.backward(mg.tensor(np.array([1.0, 10.0, 100.0, 1000.0, 10000.0]), device=device))
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 110.0, 0.0, 11000.0, 0.0])


@pytest.mark.parametrize("shape,dim", [((3, 5), 1), ((4, 1, 3), -3), ((1,), 0), ((2, 3, 4), -1)], ids=str)
def test_cummax_cummin_gradcheck(device, shape, dim):
    check_grad(lambda x: mg.cummax(x, dim).values, distinct(*shape, seed=2), device=device)
    check_grad(lambda x: mg.cummin(x, dim).values * 2, distinct(*shape, seed=3), device=device)


def test_cummax_values_gradgradcheck(device):
    mg.gradgradcheck(lambda x: mg.cummax(x, 1).values ** 2, tensors(device, distinct(3, 4, seed=4)))


def test_cummax_float32_stays_float32():
    values, _ = mg.cummax(mg.tensor([1.0, 0.5, 2.0]), 0)
    assert values.dtype == np.float32 and values.tolist() == [1.0, 1.0, 2.0]


# ----------------------------------------------------------------- logcumsumexp
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_logcumsumexp_matches_torch(torch, device, dim):
    a = randn(3, 4, 5, seed=5, scale=30.0)      # a wide range: a naive exp would overflow
    compare_with_torch(torch, lambda x: mg.logcumsumexp(x, dim), lambda x: torch.logcumsumexp(x, dim), [a],
                       device=device)


def test_logcumsumexp_stays_finite_far_from_zero(torch):
    a = np.array([-1000.0, 0.0, 1000.0, 1000.0, -INF])
    np.testing.assert_allclose(mg.logcumsumexp(mg.tensor(a), 0).numpy(),
                               torch.logcumsumexp(torch.tensor(a), 0).numpy(), rtol=1e-15)
    assert mg.logcumsumexp(mg.tensor(a), 0).tolist()[:3] == [-1000.0, 0.0, 1000.0]
    compare_with_torch(torch, lambda x: mg.logcumsumexp(x, 0), lambda x: torch.logcumsumexp(x, 0),
                       [np.array([-1000.0, 0.0, 1000.0, 999.0, -500.0])])


def test_logcumsumexp_nan_inf_0d_and_float32_as_torch(torch):
    a = np.array([1.0, NAN, 2.0, INF, 0.0])
    np.testing.assert_array_equal(mg.logcumsumexp(mg.tensor(a[2:]), 0).numpy(),
                                  torch.logcumsumexp(torch.tensor(a[2:]), 0).numpy())
    assert np.isnan(mg.logcumsumexp(mg.tensor(a), 0).numpy()[1:]).all()
    assert mg.logcumsumexp(mg.tensor(2.0), 0).tolist() == 2.0 and mg.logcumsumexp(mg.tensor(2.0), -1).shape == ()
    y = mg.logcumsumexp(mg.tensor(randn(2, 6, seed=6).astype(np.float32)), 1)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.numpy(), torch.logcumsumexp(torch.tensor(randn(2, 6, seed=6).astype(np.float32)),
                                                             1).numpy(), rtol=1e-6)


@pytest.mark.parametrize("shape,dim", [((5, 3), 0), ((2, 1, 4), -1), ((1,), 0), ((3, 1), 1)], ids=str)
def test_logcumsumexp_gradcheck(device, shape, dim):
    check_grad(lambda x: mg.logcumsumexp(x, dim), randn(*shape, seed=7, scale=3.0), device=device)


def test_logcumsumexp_gradgradcheck(device):
    mg.gradgradcheck(lambda x: mg.logcumsumexp(x, -1), tensors(device, randn(2, 5, seed=8)))


def test_logcumsumexp_gradient_with_zero_and_mixed_sign_upstream_as_torch(torch):
    a = randn(2, 5, seed=9, scale=4.0)
    g = np.array([[0.0, -1.5, 0.0, 2.0, 0.0], [1.0, 1.0, -3.0, 0.0, 0.5]])
    x, t = mg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    mg.logcumsumexp(x, 1).backward(mg.tensor(g))
    torch.logcumsumexp(t, 1).backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-12)


# ----------------------------------------------------------------- diff
@pytest.mark.parametrize("n,dim", [(1, -1), (2, 0), (3, 1), (0, 1), (6, 1), (1, -2)], ids=str)
def test_diff_matches_torch(torch, device, n, dim):
    a = randn(4, 5, seed=10)
    compare_with_torch(torch, lambda x: mg.diff(x, n, dim), lambda x: torch.diff(x, n, dim), [a], device=device)


@pytest.mark.parametrize("n,dim", [(1, 1), (2, 1), (3, 0)], ids=str)
def test_diff_with_prepend_and_append_matches_torch(torch, n, dim):
    a, p, q = randn(3, 4, seed=11), randn(3, 4, seed=12), randn(3, 4, seed=13)
    p, q = (p[:1], q[:2]) if dim == 0 else (p[:, :2], q[:, :1])
    compare_with_torch(torch, lambda x, b, c: mg.diff(x, n, dim, prepend=b, append=c),
                       lambda x, b, c: torch.diff(x, n, dim, prepend=b, append=c), [a, p, q])
    compare_with_torch(torch, lambda x, c: x.diff(n, dim, append=c), lambda x, c: x.diff(n, dim, append=c), [a, q])


def test_diff_integers_bools_and_mixed_dtypes_as_torch(torch):
    a = np.array([[1, 2, 4, 7], [0, 3, 3, 1]])
    for n in range(4):
        ours, theirs = mg.diff(mg.tensor(a), n), torch.diff(torch.tensor(a), n)
        assert ours.dtype == np.int64 and ours.tolist() == theirs.tolist()
    b = np.array([True, False, False, True, True])
    for n in (1, 2):
        ours = mg.diff(mg.tensor(b), n)
        assert ours.dtype == np.bool_ and ours.tolist() == torch.diff(torch.tensor(b), n).tolist()
    ours = mg.diff(mg.tensor(a), dim=1, append=mg.tensor(np.array([[1.5], [2.0]], dtype=np.float32)))
    theirs = torch.diff(torch.tensor(a), dim=1, append=torch.tensor([[1.5], [2.0]]))
    assert ours.dtype == np.float32 and ours.tolist() == theirs.tolist()


def test_diff_gradient_of_a_float32_input_stays_float32():
    x = mg.tensor([1.0, 4.0, 9.0, 16.0], requires_grad=True)
    y = mg.diff(x, 2, prepend=mg.tensor(np.array([0.0])))
    assert y.dtype == np.float64 and y.tolist() == [2.0, 2.0, 2.0]
    y.sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [-1.0, 0.0, -1.0, 1.0]   # d(z4 - z3 - z1 + z0)


@pytest.mark.parametrize("shape,n,dim", [((5,), 1, 0), ((3, 4), 2, -1), ((4, 1, 3), 3, 0), ((2, 5), 5, 1)], ids=str)
def test_diff_gradcheck(device, shape, n, dim):
    check_grad(lambda x: mg.diff(x, n, dim), randn(*shape, seed=14), device=device)


def test_diff_gradcheck_through_prepend_and_append(device):
    check_grad(lambda x, p, a: mg.diff(x, 2, 0, p, a), randn(3, 2, seed=15), randn(1, 2, seed=16),
               randn(2, 2, seed=17), device=device)


# ----------------------------------------------------------------- errors
@pytest.mark.parametrize("call,error,message", [
    (lambda: mg.cummax(mg.zeros(2, 3), 2), IndexError, r"cummax: dimension out of range .*got 2"),
    (lambda: mg.cummin(mg.zeros(2, 3), -3), IndexError, r"cummin: dimension out of range .*got -3"),
    (lambda: mg.logcumsumexp(mg.tensor([1, 2]), 0), TypeError, r"logcumsumexp: expected a floating-point .*int64"),
    (lambda: mg.logcumsumexp(mg.zeros(2), 1), IndexError, r"logcumsumexp: dimension out of range .*got 1"),
    (lambda: mg.diff(mg.tensor(3.0)), ValueError, r"diff: expects input to be at least one-dimensional"),
    (lambda: mg.diff(mg.zeros(3), -1), ValueError, r"diff: order must be non-negative but got -1"),
    (lambda: mg.diff(mg.zeros(3), 1.5), TypeError, r"diff: n must be an int, got 1.5"),
    (lambda: mg.diff(mg.zeros(2, 3), dim=2), IndexError, r"diff: dimension out of range .*got 2"),
    (lambda: mg.diff(mg.zeros(2, 3), prepend=5), TypeError, r"diff: prepend must be a Tensor, got int"),
    (lambda: mg.diff(mg.zeros(2, 3), dim=0, prepend=mg.zeros(3)), ValueError,
     r"diff: expects prepend to have the same number of dims as the input \(2\), got shape \(3,\)"),
    (lambda: mg.diff(mg.zeros(2, 3), dim=1, append=mg.zeros(3, 2)), ValueError,
     r"diff: expects the shape of append to match that of the input except along the differencing dim 1"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_errors_name_the_op_what_it_expected_and_what_came(call, error, message):
    with pytest.raises(error, match=message):
        call()
