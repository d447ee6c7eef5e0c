"""Losses gradchecked in float64, with every reduction, and their error messages."""
import numpy as np
import pytest

import minigan as mg
import minigan.nn.functional as F

from helpers import check_grad, compare_with_torch, randn, tensors

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


# --------------------------------------------------------------------------- binary cross-entropy at saturation
def test_bce_saturated_predictions_have_finite_gradients(device):
    p = mg.tensor([1.0, 0.0], device=device, requires_grad=True)   # float32 sigmoid(20) is exactly 1.0
    loss = F.binary_cross_entropy(p, mg.tensor([1.0, 0.0], device=device))
    assert loss.item() == 0.0
    loss.backward()
    np.testing.assert_array_equal(p.grad.numpy(), [0.0, 0.0])
    p = mg.tensor([0.0, 1.0], device=device, requires_grad=True)   # confidently wrong: the loss is capped at 100
    loss = F.binary_cross_entropy(p, mg.tensor([1.0, 0.0], device=device), reduction="none")
    np.testing.assert_array_equal(loss.numpy(), [100.0, 100.0])
    loss.sum().backward()
    np.testing.assert_allclose(p.grad.numpy(), [-1e12, 1e12], rtol=1e-6)  # (p - t) / max(p (1 - p), 1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_near_saturation(device, reduction):
    # a small finite-difference step (1e-8) keeps p inside [0, 1] and resolves the steep curve there
    p = np.array([[1e-6, 1 - 1e-6, 1e-4], [0.3, 1 - 1e-4, 0.5]])
    t = mg.tensor(np.array([[0.0, 1.0, 1.0], [0.7, 0.0, 0.2]]), device=device)
    w = mg.tensor(np.array([0.5, 2.0, 1.5]), device=device)
    check_grad(lambda p: F.binary_cross_entropy(p, t, reduction=reduction), p, device=device, eps=1e-8)
    check_grad(lambda p: F.binary_cross_entropy(p, t, weight=w, reduction=reduction), p, device=device, eps=1e-8)
    soft = np.array([[0.01, 0.99, 0.5], [0.7, 0.02, 0.2]])
    check_grad(lambda p, t: F.binary_cross_entropy(p, t, reduction=reduction), p, soft, device=device, eps=1e-8)


def test_bce_second_derivatives(device):
    p = np.array([[0.01, 0.3, 0.9], [0.5, 0.97, 0.2]])
    t = np.array([[0.01, 0.99, 0.4], [0.9, 0.1, 0.2]])
    w = mg.tensor(np.array([0.5, 2.0, 1.5]), device=device)
    mg.gradgradcheck(lambda p, t: F.binary_cross_entropy(p, t, weight=w), tensors(device, p, t))


@pytest.mark.parametrize("name,p,t", [("input", [0.5, 1.5], [0.0, 1.0]), ("input", [-0.1], [0.0]),
                                      ("input", [np.nan], [1.0]), ("target", [0.5], [1.2])])
def test_bce_values_outside_0_1_are_an_error(name, p, t):
    with pytest.raises(ValueError, match=f"all elements of {name} should be between 0 and 1"):
        F.binary_cross_entropy(mg.tensor(p), mg.tensor(t))


def test_bce_matches_torch(torch):
    import torch.nn.functional as tf
    p = np.array([1.0, 0.0, 0.0, 1.0, 0.3, 1e-30, 0.999])
    t = np.array([1.0, 0.0, 1.0, 0.0, 0.6, 1.0, 0.0])
    w = np.linspace(0.5, 2.0, 7)
    for r in REDUCTIONS:   # at and near saturation; the target is a constant there (torch's d/dt is ±inf at p = 0, 1)
        compare_with_torch(torch, lambda p: F.binary_cross_entropy(p, mg.tensor(t), weight=mg.tensor(w), reduction=r),
                           lambda p: tf.binary_cross_entropy(p, torch.tensor(t), weight=torch.tensor(w), reduction=r),
                           [p], rtol=1e-6)
    p, t = np.array([0.2, 0.5, 0.9]), np.array([0.1, 1.0, 0.3])
    compare_with_torch(torch, lambda p, t: F.binary_cross_entropy(p, t), lambda p, t: tf.binary_cross_entropy(p, t),
                       [p, t])
    f32 = mg.tensor([1.0, 0.0, 0.0], requires_grad=True)
    F.binary_cross_entropy(f32, mg.tensor([1.0, 0.0, 1.0])).backward()
    tp = torch.tensor([1.0, 0.0, 0.0], requires_grad=True)
    tf.binary_cross_entropy(tp, torch.tensor([1.0, 0.0, 1.0])).backward()
    np.testing.assert_allclose(f32.grad.numpy(), tp.grad.numpy(), rtol=1e-6)


# --------------------------------------------------------------------------- nll_loss / cross_entropy targets
def test_nll_loss_rejects_out_of_range_targets():
    lp = mg.tensor([[-1.0, -2.0, -3.0]])
    for bad in (-1, 3):
        with pytest.raises(IndexError, match=f"Target {bad} is out of bounds"):
            F.nll_loss(lp, mg.tensor([bad]))
    with pytest.raises(IndexError, match="Target -1 is out of bounds"):
        F.cross_entropy(lp, mg.tensor([-1]))


def test_class_targets_must_be_integer_tensors():
    x = mg.zeros(2, 3)
    with pytest.raises(TypeError, match="nll_loss: target must hold class indices .*float32"):
        F.nll_loss(x, mg.tensor([0.0, 1.7]))
    with pytest.raises(TypeError, match=r"cross_entropy: a float target holds class probabilities .*\(2, 3\)"):
        F.cross_entropy(x, mg.tensor([0.0, 1.7]))
    for fn in (F.nll_loss, F.cross_entropy):
        with pytest.raises(TypeError, match="target must be a Tensor .* got a list"):
            fn(x, [0, 1])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_and_cross_entropy_with_weight_and_ignore_index(device, reduction):
    labels = mg.tensor(np.array([0, -100, 3, 3, 1]), device=device)
    w = mg.tensor(np.array([0.5, 1.0, 2.0, 3.0]), device=device)
    logits = randn(5, 4, seed=12, scale=2)
    check_grad(lambda x: F.cross_entropy(x, labels, weight=w, reduction=reduction), logits, device=device)
    check_grad(lambda x: F.nll_loss(x, labels, w, reduction=reduction), logits, device=device)
    check_grad(lambda x: F.nll_loss(x, labels, reduction=reduction), logits, device=device)
    labels2 = mg.tensor(np.array([0, 2, 2, 3, 1]), device=device)
    check_grad(lambda x: F.nll_loss(x, labels2, ignore_index=2, reduction=reduction), logits, device=device)


def test_nll_loss_weighted_mean_value(device):
    lp = tensors(device, [[-1.0, -2.0, -3.0], [-4.0, -5.0, -6.0], [-7.0, -8.0, -9.0]])[0]
    w = mg.tensor(np.array([1.0, 2.0, 3.0]), device=device)
    loss = F.nll_loss(lp, mg.tensor([2, -100, 0], device=device), weight=w)
    assert loss.item() == pytest.approx((3 * 3.0 + 1 * 7.0) / (3 + 1))
    loss.backward()
    np.testing.assert_allclose(lp.grad.numpy(), [[0, 0, -0.75], [0, 0, 0], [-0.25, 0, 0]])


def test_cross_entropy_with_class_probabilities(device):
    probs = np.random.default_rng(13).dirichlet(np.ones(4), size=3)
    w = mg.tensor(np.array([0.5, 1.0, 2.0, 3.0]), device=device)
    for r in REDUCTIONS:
        check_grad(lambda x, t: F.cross_entropy(x, t, weight=w, reduction=r), randn(3, 4, seed=14), probs,
                   device=device)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_and_cross_entropy_match_torch(torch, reduction):
    import torch.nn.functional as tf
    labels = np.array([0, -100, 3, 3, 1, 2])
    w = np.array([0.5, 1.0, 2.0, 3.0])
    x = randn(6, 4, seed=15)
    for ours, theirs in [(F.nll_loss, tf.nll_loss), (F.cross_entropy, tf.cross_entropy)]:
        compare_with_torch(torch, lambda x: ours(x, mg.tensor(labels), weight=mg.tensor(w), reduction=reduction),
                           lambda x: theirs(x, torch.tensor(labels), weight=torch.tensor(w), reduction=reduction), [x])
        compare_with_torch(torch, lambda x: ours(x, mg.tensor(labels), reduction=reduction),
                           lambda x: theirs(x, torch.tensor(labels), reduction=reduction), [x])
        other = np.where(labels < 0, 2, labels)
        compare_with_torch(torch, lambda x: ours(x, mg.tensor(other), ignore_index=3, reduction=reduction),
                           lambda x: theirs(x, torch.tensor(other), ignore_index=3, reduction=reduction), [x])
    probs = np.random.default_rng(16).dirichlet(np.ones(4), size=6)
    compare_with_torch(torch, lambda x, t: F.cross_entropy(x, t, weight=mg.tensor(w), reduction=reduction),
                       lambda x, t: tf.cross_entropy(x, t, weight=torch.tensor(w), reduction=reduction), [x, probs])
    with pytest.raises(IndexError, match="Target -1 is out of bounds"):
        tf.nll_loss(torch.tensor([[-1.0, -2.0, -3.0]]), torch.tensor([-1]))


def test_nll_loss_with_every_target_ignored_is_nan(torch):
    with np.errstate(invalid="ignore"):
        ours = F.nll_loss(mg.zeros(2, 3), mg.tensor([-100, -100])).item()
    assert np.isnan(ours)
    assert np.isnan(torch.nn.functional.nll_loss(torch.zeros(2, 3), torch.tensor([-100, -100])).item())


# label smoothing: class indices (with weights and an ignored sample) and class probabilities
SMOOTHING_CASES = [
    {},
    {"weight": [0.5, 2.0, 1.0, 0.25]},
    {"ignore_index": 2},
    {"weight": [0.5, 2.0, 1.0, 0.25], "ignore_index": 1},
]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("kwargs", SMOOTHING_CASES, ids=str)
def test_cross_entropy_label_smoothing_matches_torch(device, torch, kwargs, reduction):
    logits, labels = randn(5, 4, seed=40), np.array([1, 2, 0, 3, 1])
    w = np.array(kwargs["weight"]) if "weight" in kwargs else None
    ours = {**kwargs, "weight": None if w is None else mg.tensor(w, device=device)}
    theirs = {**kwargs, "weight": None if w is None else torch.tensor(w)}
    compare_with_torch(torch, lambda x: F.cross_entropy(x, mg.tensor(labels, device=device), reduction=reduction,
                                                        label_smoothing=0.2, **ours),
                       lambda x: torch.nn.functional.cross_entropy(x, torch.tensor(labels), reduction=reduction,
                                                                   label_smoothing=0.2, **theirs),
                       [logits], device=device)
    check_grad(lambda x: F.cross_entropy(x, mg.tensor(labels, device=device), reduction=reduction,
                                         label_smoothing=0.2, **ours), logits, device=device)


@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_label_smoothing_probability_target_matches_torch(device, torch, weighted):
    logits, probs = randn(3, 4, seed=41), np.random.default_rng(42).dirichlet(np.ones(4), size=3)
    w = np.array([0.5, 2.0, 1.0, 0.25]) if weighted else None
    ours = None if w is None else mg.tensor(w, device=device)
    theirs = None if w is None else torch.tensor(w)
    compare_with_torch(torch, lambda x, t: F.cross_entropy(x, t, weight=ours, label_smoothing=0.3),
                       lambda x, t: torch.nn.functional.cross_entropy(x, t, weight=theirs, label_smoothing=0.3),
                       [logits, probs], device=device)


def test_label_smoothing_one_is_the_uniform_target(device):
    """ε = 1 leaves nothing of the labels: the loss is the cross-entropy against 1/C everywhere."""
    x = mg.tensor(randn(3, 5, seed=43), device=device)
    smoothed = F.cross_entropy(x, mg.tensor([0, 4, 2], device=device), label_smoothing=1.0).item()
    uniform = F.cross_entropy(x, mg.tensor(np.full((3, 5), 0.2), device=device)).item()
    assert smoothed == pytest.approx(uniform, rel=1e-12)
    with pytest.raises(ValueError, match="cross_entropy: label_smoothing must be between 0.0 and 1.0, got -0.1"):
        F.cross_entropy(x, mg.tensor([0, 4, 2], device=device), label_smoothing=-0.1)
