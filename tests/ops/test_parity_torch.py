"""Parity with PyTorch (float64): forward values and gradients of the ops against torch and
torch.nn.functional. Skips cleanly when PyTorch is not installed."""
import numpy as np
import pytest

import minigan as mg
import minigan.nn.functional as F

from helpers import compare_with_torch, distinct, randn
from .test_conv import CONV_CASES, CONVT_CASES
from .test_pool import POOL_CASES


def test_elementwise_and_matmul(device, torch):
    a, b = randn(3, 1, 5, seed=1), np.abs(randn(4, 5, seed=2)) + 0.5
    compare_with_torch(torch, lambda a, b: (a * b - a / b + a ** 2).exp() + b.log() * b.sqrt(),
                       lambda a, b: (a * b - a / b + a ** 2).exp() + b.log() * b.sqrt(), [a, b], device=device)
    compare_with_torch(torch, lambda a, b: abs(mg.maximum(a, b) - mg.minimum(a, -b)) + mg.clip(a, -0.5, 0.4),
                       lambda a, b: (torch.maximum(a, b) - torch.minimum(a, -b)).abs() + torch.clamp(a, -0.5, 0.4),
                       [a, b], device=device)
    compare_with_torch(torch, lambda a, b: a @ b, lambda a, b: a @ b,
                       [randn(2, 1, 3, 4, seed=3), randn(5, 4, 2, seed=4)], device=device)


def test_reductions(device, torch):
    x = distinct(2, 3, 4, seed=5)
    compare_with_torch(torch, lambda x: x.sum(axis=1) * x.mean(axis=(0, 2), keepdims=True).sum(),
                       lambda x: x.sum(dim=1) * x.mean(dim=(0, 2), keepdim=True).sum(), [x], device=device)
    compare_with_torch(torch, lambda x: x.amax(axis=2) + x.amin(axis=0).sum() + x.var(axis=1).sum(),
                       lambda x: x.amax(dim=2) + x.amin(dim=0).sum() + x.var(dim=1).sum(), [x], device=device)


def test_max_tie_split_matches_torch_amax(device, torch):
    x = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 2.0, 1.0]])
    compare_with_torch(torch, lambda x: x.amax(axis=1), lambda x: x.amax(dim=1), [x], device=device)


def test_shape_ops(device, torch):
    idx = np.array([0, 2, 0, 0])
    compare_with_torch(torch, lambda x: x.permute(2, 0, 1)[::-1, 1:, idx].reshape(-1),
                       lambda x: x.permute(2, 0, 1).flip(0)[:, 1:, idx].reshape(-1), [randn(3, 4, 5, seed=6)],
                       device=device)
    compare_with_torch(torch, lambda a, b: mg.concatenate([a, mg.stack([b, b], axis=1)], axis=1),
                       lambda a, b: torch.cat([a, torch.stack([b, b], dim=1)], dim=1),
                       [randn(2, 3, 4, seed=7), randn(2, 4, seed=8)], device=device)
    compare_with_torch(torch, lambda x: mg.pad(x, (2, 0, 1, 2), value=0.5),
                       lambda x: torch.nn.functional.pad(x, (2, 0, 1, 2), value=0.5), [randn(2, 3, 2, seed=9)],
                       device=device)


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "sigmoid", "tanh", "softplus", "softmax", "log_softmax"])
def test_activations(device, torch, name):
    tf = torch.nn.functional
    mg_fn = {"relu": F.relu, "leaky_relu": lambda x: F.leaky_relu(x, 0.2), "sigmoid": F.sigmoid, "tanh": F.tanh,
             "softplus": F.softplus, "softmax": lambda x: F.softmax(x, dim=1),
             "log_softmax": lambda x: F.log_softmax(x, dim=1)}[name]
    t_fn = {"relu": tf.relu, "leaky_relu": lambda x: tf.leaky_relu(x, 0.2), "sigmoid": torch.sigmoid,
            "tanh": torch.tanh, "softplus": tf.softplus, "softmax": lambda x: tf.softmax(x, dim=1),
            "log_softmax": lambda x: tf.log_softmax(x, dim=1)}[name]
    compare_with_torch(torch, mg_fn, t_fn, [randn(3, 4, 2, seed=10, scale=3)], device=device)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_losses(device, torch, reduction):
    tf = torch.nn.functional
    rs = np.random.default_rng(11)
    t = rs.uniform(size=(4, 3))
    p = rs.uniform(0.05, 0.95, size=(4, 3))
    labels = rs.integers(0, 3, size=4)
    r = reduction
    compare_with_torch(torch, lambda x, t: F.mse_loss(x, t, reduction=r), lambda x, t: tf.mse_loss(x, t, reduction=r),
                       [randn(4, 3, seed=12), t], device=device)
    compare_with_torch(torch, lambda p, t: F.binary_cross_entropy(p, t, reduction=r),
                       lambda p, t: tf.binary_cross_entropy(p, t, reduction=r), [p, t], device=device)
    compare_with_torch(torch, lambda a, t: F.binary_cross_entropy_with_logits(a, t, reduction=r),
                       lambda a, t: tf.binary_cross_entropy_with_logits(a, t, reduction=r),
                       [randn(4, 3, seed=13, scale=5), t], device=device)
    compare_with_torch(torch, lambda x: F.cross_entropy(x, labels, reduction=r),
                       lambda x: tf.cross_entropy(x, torch.tensor(labels), reduction=r), [randn(4, 3, seed=14)],
                       device=device)
    compare_with_torch(torch, lambda x: F.nll_loss(x, labels, reduction=r),
                       lambda x: tf.nll_loss(x, torch.tensor(labels), reduction=r), [randn(4, 3, seed=15)],
                       device=device)


def test_bce_clamps_logs_like_torch(device, torch):
    p = np.array([0.0, 1.0, 0.5])
    t = np.array([1.0, 0.0, 0.5])
    compare_with_torch(torch, lambda p: F.binary_cross_entropy(p, mg.tensor(t, device=device), reduction="sum"),
                       lambda p: torch.nn.functional.binary_cross_entropy(p, torch.tensor(t), reduction="sum"),
                       [p], device=device, grad=False)


@pytest.mark.parametrize("case", CONV_CASES)
def test_conv2d(device, torch, case):
    n, cin, h, w, cout, k, s, p, d, g = case
    compare_with_torch(torch, lambda x, w, b: F.conv2d(x, w, b, s, p, d, g),
                       lambda x, w, b: torch.nn.functional.conv2d(x, w, b, s, p, d, g),
                       [randn(n, cin, h, w, seed=16), randn(cout, cin // g, *k, seed=17), randn(cout, seed=18)],
                       device=device)


@pytest.mark.parametrize("case", CONVT_CASES)
def test_conv_transpose2d(device, torch, case):
    n, cin, h, w, cout, k, s, p, op, d, g = case
    compare_with_torch(torch, lambda x, w, b: F.conv_transpose2d(x, w, b, s, p, op, g, d),
                       lambda x, w, b: torch.nn.functional.conv_transpose2d(x, w, b, s, p, op, g, d),
                       [randn(n, cin, h, w, seed=19), randn(cin, cout // g, *k, seed=20), randn(cout, seed=21)],
                       device=device)


@pytest.mark.parametrize("case", POOL_CASES)
def test_max_pool2d_with_ties(device, torch, case):
    n, c, h, w, k, s, p, d = case
    x = np.random.default_rng(22).integers(0, 3, size=(n, c, h, w)).astype(np.float64)  # many ties
    compare_with_torch(torch, lambda x: F.max_pool2d(x, k, s, p, d),
                       lambda x: torch.nn.functional.max_pool2d(x, k, s, p, d), [x], device=device)


@pytest.mark.parametrize("count_include_pad", [True, False])
@pytest.mark.parametrize("case", [c for c in POOL_CASES if c[7] == 1])
def test_avg_pool2d(device, torch, case, count_include_pad):
    n, c, h, w, k, s, p, _ = case
    compare_with_torch(torch, lambda x: F.avg_pool2d(x, k, s, p, count_include_pad=count_include_pad),
                       lambda x: torch.nn.functional.avg_pool2d(x, k, s, p, count_include_pad=count_include_pad),
                       [randn(n, c, h, w, seed=23)], device=device)


@pytest.mark.parametrize("kwargs", [{"scale_factor": 2}, {"size": (5, 7)}, {"size": (2, 3)}, {"size": 6},
                                    {"scale_factor": 1.7}, {"scale_factor": (0.6, 2.5)}])
def test_interpolate_nearest(device, torch, kwargs):
    compare_with_torch(torch, lambda x: F.interpolate(x, **kwargs),
                       lambda x: torch.nn.functional.interpolate(x, mode="nearest", **kwargs),
                       [randn(2, 2, 5, 4, seed=24)], device=device)


def test_interpolate_nearest_index_rule_over_many_sizes(torch):
    """Which input pixel each output pixel reads, for every size pair up to 29 -> 69 and many scale
    factors: PyTorch computes the index in float32, and minigan must agree to the pixel."""
    for h in range(1, 30):
        x = np.arange(float(h)).reshape(1, 1, h, 1)
        sizes = [{"size": (oh, 1)} for oh in range(1, 70)]
        scales = [{"scale_factor": (float(s), 1.0)} for s in np.arange(0.3, 4.0, 0.1) if int(h * s) >= 1]
        for kw in sizes + scales:
            ours = F.interpolate(mg.tensor(x), **kw).numpy()
            theirs = torch.nn.functional.interpolate(torch.tensor(x), mode="nearest", **kw).numpy()
            np.testing.assert_array_equal(ours, theirs, err_msg=f"H={h}, {kw}")


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape", [(5, 3), (3, 3, 4, 2)])
def test_batch_norm_functional(device, torch, shape, training):
    c = shape[1]
    rm0, rv0 = randn(c, seed=25), np.abs(randn(c, seed=26)) + 0.5
    rm, rv = mg.tensor(rm0.copy(), device=device), mg.tensor(rv0.copy(), device=device)
    trm, trv = torch.tensor(rm0.copy()), torch.tensor(rv0.copy())
    compare_with_torch(torch, lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training=training, momentum=0.1),
                       lambda x, w, b: torch.nn.functional.batch_norm(x, trm, trv, w, b, training=training,
                                                                      momentum=0.1),
                       [randn(*shape, seed=27, scale=2), randn(c, seed=28), randn(c, seed=29)], device=device)
    np.testing.assert_allclose(rm.numpy(), trm.numpy(), rtol=1e-12)
    np.testing.assert_allclose(rv.numpy(), trv.numpy(), rtol=1e-12)


@pytest.mark.parametrize("name", ["elu", "elu0.4", "gelu", "gelu_tanh", "softplus_beta_threshold", "erf"])
def test_new_activations(device, torch, name):
    tf = torch.nn.functional
    mg_fn, t_fn = {
        "elu": (F.elu, tf.elu), "elu0.4": (lambda x: F.elu(x, 0.4), lambda x: tf.elu(x, 0.4)),
        "gelu": (F.gelu, tf.gelu),
        "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"), lambda x: tf.gelu(x, approximate="tanh")),
        "softplus_beta_threshold": (lambda x: F.softplus(x, beta=2, threshold=3),
                                    lambda x: tf.softplus(x, beta=2, threshold=3)),
        "erf": (mg.ops.erf, torch.erf)}[name]
    compare_with_torch(torch, mg_fn, t_fn, [randn(3, 4, 2, seed=30, scale=3)], device=device, atol=1e-13, rtol=1e-12)


def test_per_sample_norms(device, torch):
    tf = torch.nn.functional
    x = randn(2, 6, 3, 5, seed=31, scale=2) + 1
    compare_with_torch(torch, lambda x, w, b: F.layer_norm(x, (3, 5), w, b, eps=1e-3),
                       lambda x, w, b: tf.layer_norm(x, (3, 5), w, b, eps=1e-3),
                       [x, randn(3, 5, seed=32), randn(3, 5, seed=33)], device=device)
    compare_with_torch(torch, lambda x, w, b: F.group_norm(x, 3, w, b), lambda x, w, b: tf.group_norm(x, 3, w, b),
                       [x, randn(6, seed=34), randn(6, seed=35)], device=device)
    compare_with_torch(torch, lambda x, w, b: F.instance_norm(x, weight=w, bias=b),
                       lambda x, w, b: tf.instance_norm(x, weight=w, bias=b),
                       [x[:1, :, :, :4], randn(6, seed=36), randn(6, seed=37)], device=device)


def test_instance_norm_running_stats_follow_torch(device, torch):
    x = randn(3, 2, 4, 3, seed=38, scale=2) + 1
    rm, rv = mg.tensor(np.zeros(2), device=device), mg.tensor(np.ones(2), device=device)
    trm, trv = torch.zeros(2, dtype=torch.float64), torch.ones(2, dtype=torch.float64)
    F.instance_norm(mg.tensor(x, device=device), rm, rv, momentum=0.3)
    torch.nn.functional.instance_norm(torch.tensor(x), trm, trv, momentum=0.3)
    np.testing.assert_allclose(rm.numpy(), trm.numpy(), rtol=1e-12)
    np.testing.assert_allclose(rv.numpy(), trv.numpy(), rtol=1e-12)
    compare_with_torch(torch, lambda x: F.instance_norm(x, rm, rv, use_input_stats=False),
                       lambda x: torch.nn.functional.instance_norm(x, trm, trv, use_input_stats=False), [x],
                       device=device)
