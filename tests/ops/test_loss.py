"""Losses gradchecked in float64, with every reduction, and their error messages."""
import numpy as np
import pytest

import minigan as mg
import minigan.nn.functional as F

from helpers import check_grad, randn, tensors

REDUCTIONS = ["mean", "sum", "none"]


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_loss(device, reduction):
    check_grad(lambda x, t: F.mse_loss(x, t, reduction=reduction), randn(3, 5, seed=1), randn(3, 5, seed=2),
               device=device)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy(device, reduction):
    p = 1 / (1 + np.exp(-randn(4, 3, seed=3)))
    t = np.random.default_rng(4).uniform(size=(4, 3))
    check_grad(lambda p, t: F.binary_cross_entropy(p, t, reduction=reduction), p, t, device=device)


def test_binary_cross_entropy_weight(device):
    p = 1 / (1 + np.exp(-randn(5, seed=5)))
    w = mg.tensor(np.linspace(0.5, 2, 5), device=device)
    check_grad(lambda p: F.binary_cross_entropy(p, mg.tensor(np.ones(5), device=device), weight=w), p,
               device=device)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits(device, reduction):
    t = np.random.default_rng(6).uniform(size=(2, 1, 3))
    check_grad(lambda a, t: F.binary_cross_entropy_with_logits(a, t, reduction=reduction),
               randn(2, 1, 3, seed=7, scale=3), t, device=device)


def test_bce_with_logits_pos_weight_and_weight(device):
    t = mg.tensor((randn(4, 3, seed=8) > 0).astype(float), device=device)
    pw = mg.tensor(np.array([1.0, 2.0, 0.5]), device=device)
    w = mg.tensor(np.linspace(0.1, 1, 12).reshape(4, 3), device=device)
    check_grad(lambda a: F.binary_cross_entropy_with_logits(a, t, weight=w, pos_weight=pw),
               randn(4, 3, seed=9), device=device)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("n", [1, 5])
def test_cross_entropy_and_nll(device, reduction, n):
    labels = mg.tensor(np.random.default_rng(10).integers(0, 4, size=n), device=device)
    logits = randn(n, 4, seed=11, scale=2)
    check_grad(lambda x: F.cross_entropy(x, labels, reduction=reduction), logits, device=device)
    check_grad(lambda x: F.nll_loss(F.log_softmax(x, axis=1), labels, reduction=reduction), logits, device=device)


def test_cross_entropy_value(device):
    x = tensors(device, [[2.0, 0.0, -1.0]])[0]
    y = F.cross_entropy(x, np.array([0])).item()
    assert y == pytest.approx(-2.0 + np.log(np.exp(2) + 1 + np.exp(-1)), rel=1e-12)


def test_nll_loss_repeated_labels_accumulate(device):
    lp = tensors(device, np.zeros((3, 2)))[0]
    F.nll_loss(lp, np.array([1, 1, 0]), reduction="sum").backward()
    np.testing.assert_array_equal(lp.grad.numpy(), [[0, -1], [0, -1], [-1, 0]])


def test_loss_errors_name_the_loss_and_shapes():
    with pytest.raises(ValueError, match=r"mse_loss: input has shape \(2, 3\) but target has shape \(3, 2\)"):
        F.mse_loss(mg.zeros(2, 3), mg.zeros(3, 2))
    with pytest.raises(ValueError, match="reduction"):
        F.mse_loss(mg.zeros(2), mg.zeros(2), reduction="avg")
    with pytest.raises(ValueError, match=r"nll_loss.*\(N, C\).*\(3, 4\).*\(2,\)"):
        F.nll_loss(mg.zeros(3, 4), np.array([0, 1]))
    with pytest.raises(ValueError, match="cross_entropy"):
        F.cross_entropy(mg.zeros(3), np.array([0]))
