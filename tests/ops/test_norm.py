"""linear, batch_norm (train and eval, 2-D and 4-D) and dropout."""
import numpy as np
import pytest

import minigan as mg
import minigan.nn.functional as F

from helpers import check_grad, randn, tensors


@pytest.mark.parametrize("xs", [(5,), (1, 5), (3, 5), (2, 3, 5)])
def test_linear(device, xs):
    check_grad(lambda x, w, b: F.linear(x, w, b), randn(*xs, seed=1), randn(4, 5, seed=2), randn(4, seed=3),
               device=device)
    check_grad(lambda x, w: F.linear(x, w), randn(*xs, seed=1), randn(1, 5, seed=2), device=device)


def test_linear_mismatch_message():
    with pytest.raises(ValueError, match=r"linear: input has 3 features but weight expects 5"):
        F.linear(mg.zeros(2, 3), mg.zeros(4, 5))


@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 5), (3, 2, 3, 2), (1, 2, 3, 3)])
def test_batch_norm_training(device, shape):
    c = shape[1]
    rm = mg.tensor(np.zeros(c), device=device)
    rv = mg.tensor(np.ones(c), device=device)
    check_grad(lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training=True),
               randn(*shape, seed=4, scale=2) + 1, randn(c, seed=5), randn(c, seed=6), device=device)


@pytest.mark.parametrize("shape", [(1, 3), (4, 3), (2, 3, 2, 3)])
def test_batch_norm_eval(device, shape):
    c = shape[1]
    rm = mg.tensor(randn(c, seed=7), device=device)
    rv = mg.tensor(np.abs(randn(c, seed=8)) + 0.5, device=device)
    check_grad(lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training=False),
               randn(*shape, seed=9), randn(c, seed=10), randn(c, seed=11), device=device)


def test_batch_norm_without_affine_or_running_stats(device):
    check_grad(lambda x: F.batch_norm(x, None, None, training=True), randn(5, 2, seed=12), device=device)


def test_batch_norm_normalises_and_updates_running_stats(device):
    a = randn(6, 2, 2, 2, seed=13, scale=3) + 2
    x = tensors(device, a, requires_grad=False)[0]
    rm, rv = mg.tensor(np.zeros(2), device=device), mg.tensor(np.ones(2), device=device)
    y = F.batch_norm(x, rm, rv, training=True, momentum=0.1).numpy()
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3)), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=(0, 2, 3)), 1, rtol=1e-4)
    np.testing.assert_allclose(rm.numpy(), 0.1 * a.mean(axis=(0, 2, 3)), rtol=1e-12)
    np.testing.assert_allclose(rv.numpy(), 0.9 + 0.1 * a.var(axis=(0, 2, 3), ddof=1), rtol=1e-12)


def test_batch_norm_one_value_per_channel_in_training_is_an_error():
    with pytest.raises(ValueError, match="batch_norm.*more than 1 value per channel"):
        F.batch_norm(mg.zeros(1, 3), mg.zeros(3), mg.ones(3), training=True)


def test_dropout_gradient_is_mask_over_keep_probability(device):
    p = 0.3
    a = np.abs(randn(50, 40, seed=14)) + 0.1  # no zeros, so y != 0 exactly where kept
    x = tensors(device, a)[0]
    mg.manual_seed(5)
    y = F.dropout(x, p=p, training=True)
    y.backward(mg.tensor(np.ones(a.shape), device=device))
    mask = y.numpy() != 0
    assert 0.25 < 1 - mask.mean() < 0.35
    np.testing.assert_allclose(x.grad.numpy(), mask / (1 - p), rtol=1e-12)
    np.testing.assert_allclose(y.numpy(), a * mask / (1 - p), rtol=1e-12)
    mg.manual_seed(5)
    np.testing.assert_array_equal(F.dropout(x, p=p).numpy() != 0, mask)  # the seed fixes the mask


def test_dropout_gradcheck_with_fixed_mask(device):
    def f(x):
        mg.manual_seed(11)  # the same mask on every evaluation
        return F.dropout(x, p=0.5)
    check_grad(f, randn(3, 5, seed=15), device=device)


def test_dropout_eval_and_extremes(device):
    x = tensors(device, randn(3, 4, seed=16))[0]
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    np.testing.assert_array_equal(F.dropout(x, 1.0).numpy(), 0)
    with pytest.raises(ValueError, match="dropout"):
        F.dropout(x, 1.5)


# --------------------------------------------------------------------------- per-sample normalisation
@pytest.mark.parametrize("shape,normalized_shape", [((1, 5), 5), ((3, 2, 5), (5,)), ((1, 3, 3, 5), (3, 5)),
                                                    ((2, 3), (2, 3))])
def test_layer_norm(device, shape, normalized_shape):
    ns = (normalized_shape,) if isinstance(normalized_shape, int) else normalized_shape
    check_grad(lambda x, w, b: F.layer_norm(x, normalized_shape, w, b),
               randn(*shape, seed=16, scale=2) + 1, randn(*ns, seed=17), randn(*ns, seed=18), device=device)
    check_grad(lambda x: F.layer_norm(x, normalized_shape), randn(*shape, seed=19), device=device)


@pytest.mark.parametrize("shape,groups", [((1, 6, 3, 1), 3), ((2, 4, 5), 1), ((3, 4), 4), ((1, 3, 2, 3), 3)])
def test_group_norm(device, shape, groups):
    c = shape[1]
    check_grad(lambda x, w, b: F.group_norm(x, groups, w, b),
               randn(*shape, seed=20, scale=2) - 1, randn(c, seed=21), randn(c, seed=22), device=device)


@pytest.mark.parametrize("shape", [(1, 3, 3, 5), (2, 1, 7), (2, 2, 1, 3)])
def test_instance_norm(device, shape):
    c = shape[1]
    check_grad(lambda x, w, b: F.instance_norm(x, weight=w, bias=b),
               randn(*shape, seed=23, scale=3), randn(c, seed=24), randn(c, seed=25), device=device)
    check_grad(F.instance_norm, randn(*shape, seed=26), device=device)


def test_per_sample_norms_normalise_what_they_should(device):
    a = randn(2, 4, 3, 5, seed=27, scale=3) + 2
    x = tensors(device, a, requires_grad=False)[0]
    y = F.layer_norm(x, (4, 3, 5)).numpy()
    np.testing.assert_allclose(y.mean(axis=(1, 2, 3)), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=(1, 2, 3)), 1, rtol=1e-4)
    y = F.instance_norm(x).numpy()
    np.testing.assert_allclose(y.mean(axis=(2, 3)), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=(2, 3)), 1, rtol=1e-4)
    y = F.group_norm(x, 2).numpy().reshape(2, 2, -1)
    np.testing.assert_allclose(y.mean(axis=2), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=2), 1, rtol=1e-4)
    # the limits: one group is layer norm over (C, H, W), C groups is instance norm
    np.testing.assert_allclose(F.group_norm(x, 1).numpy(), F.layer_norm(x, (4, 3, 5)).numpy(), atol=1e-12)
    np.testing.assert_allclose(F.group_norm(x, 4).numpy(), F.instance_norm(x).numpy(), atol=1e-12)


def test_instance_norm_running_stats_update_and_eval(device):
    a = randn(3, 2, 2, 3, seed=28, scale=2) + 1
    x = tensors(device, a, requires_grad=False)[0]
    rm, rv = mg.tensor(np.zeros(2), device=device), mg.tensor(np.ones(2), device=device)
    F.instance_norm(x, rm, rv, momentum=0.1)
    np.testing.assert_allclose(rm.numpy(), 0.1 * a.mean(axis=(2, 3)).mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(rv.numpy(), 0.9 + 0.1 * a.var(axis=(2, 3), ddof=1).mean(axis=0), rtol=1e-12)
    y = F.instance_norm(x, rm, rv, use_input_stats=False).numpy()
    expected = (a - rm.numpy()[:, None, None]) / np.sqrt(rv.numpy()[:, None, None] + 1e-5)
    np.testing.assert_allclose(y, expected, rtol=1e-12)


@pytest.mark.parametrize("call,pattern", [
    (lambda: F.layer_norm(mg.zeros(2, 4), 5), r"layer_norm: normalized_shape=\(5,\) expects an input of shape "
                                                r"\(\*, 5\), got shape \(2, 4\)"),
    (lambda: F.layer_norm(mg.zeros(2, 5), 5, weight=mg.ones(4)), r"layer_norm: expected weight of shape \(5,\).*"
                                                                    r"got shape \(4,\)"),
    (lambda: F.group_norm(mg.zeros(2, 5, 3), 2), r"group_norm: expected a channel count divisible by "
                                                 r"num_groups=2, got 5 channels"),
    (lambda: F.group_norm(mg.zeros(2, 4), 2, bias=mg.ones(2)), r"group_norm: expected bias of shape \(4,\)"),
    (lambda: F.instance_norm(mg.zeros(2, 3)), r"instance_norm: expected a 3-D, 4-D or 5-D input.*got shape \(2, 3\)"),
    (lambda: F.instance_norm(mg.zeros(2, 3, 1, 1)), r"instance_norm: expected more than 1 spatial element"),
])
def test_per_sample_norm_messages(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()
