"""Reductions: sum, mean, max, min, var with axis and keepdims variants."""
import numpy as np
import pytest

import minigan as mg

from helpers import check_grad, distinct, randn, tensors

AXES = [None, 0, 1, -1, (0, 2), (1, 2)]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "var"])
def test_reduction_gradients(device, name, axis, keepdims):
    x = distinct(2, 3, 5, seed=1)  # distinct values: max/min have one winner
    check_grad(lambda x: getattr(x, name)(axis=axis, keepdims=keepdims), x, device=device)


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "var"])
def test_reduction_values_match_numpy(device, name):
    a = randn(2, 3, 5, seed=2)
    x = tensors(device, a, requires_grad=False)[0]
    ref = {"sum": a.sum(axis=(0, 2), keepdims=True), "mean": a.mean(axis=(0, 2), keepdims=True),
           "max": a.max(axis=(0, 2), keepdims=True), "min": a.min(axis=(0, 2), keepdims=True),
           "var": a.var(axis=(0, 2), keepdims=True, ddof=1)}[name]
    np.testing.assert_allclose(getattr(x, name)(axis=(0, 2), keepdims=True).numpy(), ref, rtol=1e-12)


def test_var_correction_zero_is_biased(device):
    a = randn(7, seed=3)
    x = tensors(device, a, requires_grad=False)[0]
    np.testing.assert_allclose(x.var(correction=0).item(), a.var(), rtol=1e-12)
    check_grad(lambda x: mg.ops.var(x, correction=0), a, device=device)


def test_batch_of_one_reductions(device):
    check_grad(lambda x: x.mean(axis=0) * x.sum(), randn(1, 3, seed=4), device=device)


def test_max_shares_gradient_between_ties(device):
    x = tensors(device, [[1.0, 3.0, 3.0], [2.0, 0.0, 1.0]])[0]
    x.max(axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 0.5, 0.5], [1, 0, 0]])


def test_dim_keyword_is_accepted(device):
    x = tensors(device, randn(2, 3, seed=5), requires_grad=False)[0]
    np.testing.assert_array_equal(x.sum(dim=1).numpy(), x.sum(axis=1).numpy())
