"""Reductions: sum, mean, amax/amin, max/min (values and indices), argmax/argmin, var, std, with dim and
keepdim variants; ties, zero variance, and reductions over one or no elements."""
import warnings

import numpy as np
import pytest

import minigan as mg

from helpers import check_grad, compare_with_torch, distinct, randn, tensors

AXES = [None, 0, 1, -1, (0, 2), (1, 2)]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("name", ["sum", "mean", "amax", "amin", "var", "std"])
def test_reduction_gradients(device, name, axis, keepdims):
    x = distinct(2, 3, 5, seed=1)  # distinct values: amax/amin have one winner
    check_grad(lambda x: getattr(x, name)(axis=axis, keepdims=keepdims), x, device=device)


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [None, 0, 1, -1])
@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_gradients(device, name, dim, keepdim):
    x = distinct(2, 3, 5, seed=1)
    if dim is None:
        check_grad(lambda x: getattr(x, name)(), x, device=device)
    else:
        check_grad(lambda x: getattr(x, name)(dim, keepdim=keepdim).values, x, device=device)


@pytest.mark.parametrize("name", ["sum", "mean", "amax", "amin", "var"])
def test_reduction_values_match_numpy(device, name):
    a = randn(2, 3, 5, seed=2)
    x = tensors(device, a, requires_grad=False)[0]
    ref = {"sum": a.sum(axis=(0, 2), keepdims=True), "mean": a.mean(axis=(0, 2), keepdims=True),
           "amax": a.max(axis=(0, 2), keepdims=True), "amin": a.min(axis=(0, 2), keepdims=True),
           "var": a.var(axis=(0, 2), keepdims=True, ddof=1)}[name]
    np.testing.assert_allclose(getattr(x, name)(axis=(0, 2), keepdims=True).numpy(), ref, rtol=1e-12)


def test_var_correction_zero_is_biased(device):
    a = randn(7, seed=3)
    x = tensors(device, a, requires_grad=False)[0]
    np.testing.assert_allclose(x.var(correction=0).item(), a.var(), rtol=1e-12)
    check_grad(lambda x: mg.ops.var(x, correction=0), a, device=device)


def test_batch_of_one_reductions(device):
    check_grad(lambda x: x.mean(axis=0) * x.sum(), randn(1, 3, seed=4), device=device)


def test_amax_shares_gradient_between_ties(device):
    x = tensors(device, [[1.0, 3.0, 3.0], [2.0, 0.0, 1.0]])[0]
    x.amax(axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 0.5, 0.5], [1, 0, 0]])


def test_dim_keyword_is_accepted(device):
    x = tensors(device, randn(2, 3, seed=5), requires_grad=False)[0]
    np.testing.assert_array_equal(x.sum(dim=1).numpy(), x.sum(axis=1).numpy())


# --------------------------------------------------------------------------- max/min: values and indices
# two-way ties: central differences see a tied pair's max move at half speed, the even split amax gives
TIES = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, -1.0, 2.0, 1.5], [0.5, -4.0, -4.0, 0.25]])


def test_max_with_dim_returns_values_and_indices(device):
    x = tensors(device, TIES, requires_grad=False)[0]
    out = x.max(dim=1)
    assert isinstance(out, mg.ops.ValuesIndices) and out._fields == ("values", "indices")
    values, indices = out
    np.testing.assert_array_equal(values.numpy(), [3.0, 2.0, 0.5])
    assert indices.dtype == np.int64 and indices.tolist() == [1, 0, 0]          # the first of the ties
    assert mg.min(x, 0).indices.tolist() == [2, 2, 2, 0]
    assert x.max(1, keepdim=True).values.shape == (3, 1) and x.min(1, keepdims=True).indices.shape == (3, 1)
    assert x.max().shape == () and x.max().item() == 3.0 and x.min().item() == -4.0


def test_max_with_dim_sends_the_gradient_to_the_returned_index_only(device):
    x = tensors(device, TIES)[0]
    x.max(dim=1).values.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 1, 0, 0], [1, 0, 0, 0], [1, 0, 0, 0]])
    x.grad = None
    x.min(dim=1).values.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 0, 0, 1], [0, 1, 0, 0], [0, 1, 0, 0]])
    x.grad = None
    x.max().backward()          # with no dim, tied maxima share the gradient (as amax)
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 0.5, 0.5, 0], [0] * 4, [0] * 4])


def test_amax_with_ties_passes_gradcheck(device):
    check_grad(lambda x: x.amax(dim=1) * x.amin(dim=(0, 1)), TIES, device=device)
    check_grad(lambda x: x.max() + x.min(), TIES, device=device)


def test_max_with_dim_double_backward(device):
    mg.gradgradcheck(lambda x: x.max(dim=0).values ** 2 + x.min(1, keepdim=True).values.sum(),
                     tensors(device, distinct(3, 4, seed=6)))


def test_max_min_with_dim_match_torch_with_ties(device, torch):
    compare_with_torch(torch, lambda x: x.max(dim=1).values * 2 + x.min(dim=0, keepdim=True).values.sum(),
                       lambda x: x.max(dim=1).values * 2 + x.min(dim=0, keepdim=True).values.sum(),
                       [TIES], device=device)
    compare_with_torch(torch, lambda x: x.max() + x.min(), lambda x: x.max() + x.min(), [TIES], device=device)
    x = mg.tensor(TIES)
    assert x.max(dim=1).indices.tolist() == torch.tensor(TIES).max(dim=1).indices.tolist()
    assert x.argmin(0).tolist() == torch.tensor(TIES).argmin(0).tolist()


def test_max_over_several_dims_points_to_amax():
    with pytest.raises(TypeError, match=r"max: dim must be one int.*amax"):
        mg.zeros(2, 3).max(dim=(0, 1))


def test_argmax_argmin_keepdim(device):
    a = randn(3, 4, seed=7)
    x = tensors(device, a, requires_grad=False)[0]
    assert x.argmax(dim=1, keepdim=True).tolist() == a.argmax(axis=1)[:, None].tolist()
    assert x.argmin(0).tolist() == a.argmin(axis=0).tolist()
    assert x.argmax().item() == a.argmax() and x.argmax(keepdim=True).shape == (1, 1)
    assert x.argmax().dtype == np.int64


def test_min_max_of_booleans():
    b = mg.tensor([True, False])
    assert b.min().item() is False and b.max().item() is True
    assert b.amin(dim=0).item() is False and b.min(0).indices.item() == 1


def test_max_along_a_dim_of_an_empty_tensor():
    values, indices = mg.zeros(0, 3).max(dim=1)
    assert values.shape == (0,) and indices.shape == (0,) and indices.dtype == np.int64
    assert mg.zeros(0, 3).amin(dim=1).shape == (0,) and mg.zeros(0, 3).argmax(1).shape == (0,)
    for bad in (lambda: mg.zeros(0, 3).max(dim=0), lambda: mg.zeros(0, 3).max(), lambda: mg.zeros(0).amax(),
                lambda: mg.zeros(0, 3).argmin()):
        with pytest.raises(ValueError, match="size 0"):
            bad()


def test_max_of_an_empty_tensor_backward():
    x = mg.zeros(0, 3, dtype=np.float64, requires_grad=True)
    x.max(dim=1).values.sum().backward()
    assert x.grad.shape == (0, 3)


# --------------------------------------------------------------------------- std, var, mean: degenerate cases
def test_std_gradient_is_zero_where_the_variance_is_zero(device):
    x = tensors(device, [2.0, 2.0, 2.0])[0]
    x.std().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 0.0])
    y = tensors(device, [[2.0, 2.0, 2.0], [1.0, 2.0, 3.0]])[0]
    y.std(dim=1).sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), [[0, 0, 0], [-0.5, 0, 0.5]], atol=1e-15)


def test_std_at_zero_variance_matches_torch(device, torch):
    compare_with_torch(torch, lambda x: x.std(dim=1) * 3, lambda x: x.std(dim=1) * 3,
                       [np.array([[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]])], device=device)


def test_std_double_backward(device):
    mg.gradgradcheck(lambda x: x.std(dim=0, unbiased=False), tensors(device, randn(4, 3, seed=8)))


def test_var_of_one_element_is_nan_with_a_warning(device):
    x = tensors(device, [2.0])[0]
    with pytest.warns(UserWarning, match=r"var\(\): degrees of freedom is <= 0"):
        v = x.var()
    assert np.isnan(v.item())
    with pytest.warns(UserWarning, match=r"std\(\): degrees of freedom"):
        assert np.isnan(mg.std(tensors(device, randn(1, 3))[0], dim=0).numpy()).all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # no NumPy RuntimeWarning on top
        assert x.var(correction=0).item() == 0.0
        with pytest.warns(UserWarning, match="degrees of freedom"):
            v = x.var()
        v.backward()
    assert np.isnan(x.grad.numpy()).all()


def test_mean_of_nothing_is_nan_without_warnings(device):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(mg.zeros(0, device=device).mean().item())
        np.testing.assert_array_equal(mg.zeros(0, 3, device=device).mean(dim=0).numpy(), [np.nan] * 3)
        assert mg.zeros(0, 3, device=device).mean(dim=1).shape == (0,)
        assert mg.zeros(0, device=device).sum().item() == 0.0


def test_degenerate_reductions_match_torch(torch):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in ("var", "std"):
            assert np.isnan(getattr(mg.tensor([2.0]), name)().item())
            assert np.isnan(getattr(torch.tensor([2.0]), name)().item())
        assert np.isnan(mg.zeros(0).mean().item()) and np.isnan(torch.zeros(0).mean().item())
