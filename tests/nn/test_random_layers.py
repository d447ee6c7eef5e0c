"""ChannelShuffle, RReLU, AlphaDropout, FeatureAlphaDropout and gumbel_softmax: exact PyTorch parity where the
output is deterministic (eval mode, the shuffle, the softmax of shared noise), seeded statistics that cannot
flake where it is random, gradients by finite differences (the noise redrawn identically at every evaluation),
reprs and errors."""
import numpy as np
import pytest

import minigan as mg
import minigan.nn.functional as F
from minigan import backend, nn
from minigan.ops.random_ops import sample_gumbel

from helpers import check_grad, compare_with_torch, distinct, randn, tensors


def _seeded(fn, seed=5):
    """``fn`` drawing the same noise at every call (gradcheck evaluates it many times)."""
    def call(*xs):
        mg.manual_seed(seed)
        return fn(*xs)
    return call


# --------------------------------------------------------------------------- channel_shuffle
@pytest.mark.parametrize("shape,groups", [((2, 6, 3), 2), ((1, 6, 2, 3), 3), ((3, 4, 1, 2, 1), 4), ((2, 5, 3), 1),
                                          ((1, 8, 1, 1, 1, 2), 2)], ids=str)
def test_channel_shuffle_matches_torch_and_gradchecks(device, torch, shape, groups):
    compare_with_torch(torch, lambda x: F.channel_shuffle(x, groups),
                       lambda x: torch.nn.functional.channel_shuffle(x, groups), [randn(*shape)], device=device)
    check_grad(lambda x: F.channel_shuffle(x, groups), randn(*shape, seed=1), device=device)


def test_channel_shuffle_by_hand_dtypes_and_layer(torch):
    x = mg.tensor(np.arange(6).reshape(1, 6, 1))                      # int64 passes through, as in PyTorch
    y = F.channel_shuffle(x, 2)
    np.testing.assert_array_equal(y.numpy()[0, :, 0], [0, 3, 1, 4, 2, 5])
    assert y.dtype == np.int64 and F.channel_shuffle(mg.ones(0, 6, 2), 3).shape == (0, 6, 2)
    layer = nn.ChannelShuffle(3)
    assert repr(layer) == repr(torch.nn.ChannelShuffle(3)) == "ChannelShuffle(groups=3)" and layer.groups == 3
    np.testing.assert_array_equal(layer(x).numpy()[0, :, 0], [0, 2, 4, 1, 3, 5])


def test_channel_shuffle_errors():
    with pytest.raises(ValueError, match=r"channel_shuffle: the number of channels must be divisible by groups; "
                                         r"got 5 channels and 2 groups"):
        F.channel_shuffle(mg.ones(1, 5, 2), 2)
    with pytest.raises(ValueError, match=r"channel_shuffle: expects an input with more than 2 dims \(N, C, \*\), got "
                                         r"shape \(1, 6\)"):
        F.channel_shuffle(mg.ones(1, 6), 2)
    with pytest.raises(ValueError, match="channel_shuffle: the number of groups .* must be positive, got groups=0"):
        nn.ChannelShuffle(0)(mg.ones(1, 6, 2))
    with pytest.raises(TypeError, match="channel_shuffle: groups must be an int, got 2.0"):
        F.channel_shuffle(mg.ones(1, 6, 2), 2.0)


# --------------------------------------------------------------------------- rrelu
def test_rrelu_in_eval_mode_is_torchs_mean_slope(device, torch):
    x = distinct(3, 5, 2)
    compare_with_torch(torch, F.rrelu, torch.nn.functional.rrelu, [x], device=device)          # training=False
    compare_with_torch(torch, lambda t: F.rrelu(t, 0.1, 0.5), lambda t: torch.nn.functional.rrelu(t, 0.1, 0.5),
                       [x], device=device)
    ours, theirs = nn.RReLU(0.2, 0.4).eval(), torch.nn.RReLU(0.2, 0.4).eval()
    compare_with_torch(torch, ours, theirs, [x], device=device)
    check_grad(F.rrelu, x, device=device)


def test_rrelu_in_training_draws_one_slope_per_element(device):
    """Negative inputs get slopes in [lower, upper] whose mean is (lower + upper) / 2 and whose spread is a
    uniform's; positive inputs pass; the gradient is the slope the forward used; a seed repeats the draw."""
    mg.manual_seed(0)
    (x,) = tensors(device, -np.ones(20000))
    y = F.rrelu(x, 0.1, 0.3, training=True)
    y.backward(mg.ones(20000, device=device, dtype=np.float64))
    slopes = -y.numpy()
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3
    assert abs(slopes.mean() - 0.2) < 0.002                  # 5 standard errors of 20,000 uniform draws
    assert abs(slopes.std() - 0.2 / np.sqrt(12)) < 0.002
    np.testing.assert_array_equal(x.grad.numpy(), slopes)
    mg.manual_seed(0)
    np.testing.assert_array_equal(F.rrelu(x, 0.1, 0.3, training=True).numpy(), y.numpy())
    z = F.rrelu(mg.tensor([2.0, 0.5, -0.0], device=device), training=True)
    assert z.numpy()[:2].tolist() == [2.0, 0.5] and z.numpy()[2] == 0


def test_rrelu_training_gradients(device):
    check_grad(_seeded(lambda x: F.rrelu(x, 0.05, 0.6, training=True)), distinct(2, 3, 4), device=device)
    mg.gradgradcheck(_seeded(lambda x: F.rrelu(x, training=True) ** 2), tensors(device, distinct(3, 4, seed=1)))


def test_rrelu_layer_follows_its_mode_and_prints_as_torch(torch):
    layer = nn.RReLU()
    assert repr(layer) == repr(torch.nn.RReLU()) and repr(nn.RReLU(0.1, 0.3, True)) == repr(
        torch.nn.RReLU(0.1, 0.3, True))
    x = mg.tensor(-np.ones(50))
    assert len(np.unique(layer(x).numpy())) > 1                          # train(): drawn slopes
    np.testing.assert_allclose(layer.eval()(x).numpy(), -(1 / 8 + 1 / 3) / 2)
    with pytest.raises(ValueError, match=r"rrelu: lower bound should be less than or equal to the upper bound, got "
                                         r"lower=0.5 and upper=0.2"):
        nn.RReLU(0.5, 0.2)(x)                                             # built fine, refused when run (PyTorch's)
    with pytest.raises(TypeError, match="rrelu: expected a floating-point tensor, got dtype int64"):
        F.rrelu(mg.tensor([1, -2]))


# --------------------------------------------------------------------------- alpha dropout
ALPHA = 1.0507009873554805 * 1.6732632423543772              # SELU's scale * alpha


def test_alpha_dropout_levels_and_gradient(device):
    """Kept: a x + a alpha p; dropped: -a alpha (1 - p), a = 1 / sqrt((alpha^2 p + 1)(1 - p)); gradient a or 0."""
    p = 0.2
    a = 1 / np.sqrt((ALPHA ** 2 * p + 1) * (1 - p))
    mg.manual_seed(1)
    (x,) = tensors(device, np.full(1000, 0.5))
    y = F.alpha_dropout(x, p, training=True)
    y.sum().backward()
    kept = x.grad.numpy() != 0
    np.testing.assert_allclose(y.numpy()[kept], a * 0.5 + a * ALPHA * p, rtol=1e-12)
    np.testing.assert_allclose(y.numpy()[~kept], -a * ALPHA * (1 - p), rtol=1e-12)
    np.testing.assert_allclose(x.grad.numpy()[kept], a, rtol=1e-12)
    assert 0.15 < 1 - kept.mean() < 0.25                                  # about p of 1,000


def test_alpha_dropout_keeps_mean_and_variance(device):
    """A mean-0, variance-1 input keeps both (the point of alpha dropout), for several p; fixed seeds."""
    for seed, p in enumerate((0.1, 0.3, 0.6)):
        mg.manual_seed(seed)
        x = mg.tensor(np.random.default_rng(seed).standard_normal(200000), device=device)
        y = F.alpha_dropout(x, p, training=True).numpy()
        assert abs(y.mean()) < 0.015 and abs(y.var() - 1) < 0.02, (p, y.mean(), y.var())


def test_feature_alpha_dropout_draws_once_per_channel(device):
    mg.manual_seed(2)
    y = F.feature_alpha_dropout(mg.zeros(40, 12, 3, 2, device=device), 0.5, training=True).numpy()
    per_channel = y.reshape(40, 12, -1)
    np.testing.assert_array_equal(per_channel.min(axis=2), per_channel.max(axis=2))
    assert len(np.unique(per_channel)) == 2 and 0.4 < (per_channel[..., 0] < 0).mean() < 0.6
    y2 = F.feature_alpha_dropout(mg.zeros(30, 40, device=device), 0.5, training=True).numpy()
    assert len(np.unique(y2)) == 2                                         # (N, C): one draw per element


@pytest.mark.parametrize("fn,shape", [(F.alpha_dropout, (3, 4)), (F.feature_alpha_dropout, (2, 3, 5)),
                                      (F.alpha_dropout, ())], ids=str)
def test_alpha_dropout_gradients(device, fn, shape):
    check_grad(_seeded(lambda x: fn(x, 0.35, training=True)), randn(*shape), device=device)


def test_alpha_dropout_eval_and_edges_are_torchs(torch):
    x = mg.randn(3, 4)
    for f, tf in ((F.alpha_dropout, torch.nn.functional.alpha_dropout),
                  (F.feature_alpha_dropout, torch.nn.functional.feature_alpha_dropout)):
        assert f(x) is x and f(x, 0.5, False) is x and f(x, 0.0, True) is x          # training=False by default
        np.testing.assert_array_equal(f(x, 1.0, True).numpy(), tf(torch.tensor(x.numpy()), 1.0, True).numpy())
    assert F.alpha_dropout(x.double(), 0.5, True).dtype == np.float64
    for name, p in (("AlphaDropout", 0.5), ("FeatureAlphaDropout", 0.2)):
        ours, theirs = getattr(nn, name)(p), getattr(torch.nn, name)(p)
        assert repr(ours) == repr(theirs) and ours.p == theirs.p
        assert ours.eval()(x) is x


def test_alpha_dropout_errors():
    with pytest.raises(ValueError, match="alpha_dropout: dropout probability has to be between 0 and 1, but got 1.5"):
        F.alpha_dropout(mg.ones(3), 1.5)                                   # checked in eval mode too, as in PyTorch
    with pytest.raises(ValueError, match=r"feature_alpha_dropout: feature dropout requires at least 2 dimensions in "
                                         r"the input \(N, C, \*\), got shape \(3,\)"):
        F.feature_alpha_dropout(mg.ones(3), 0.5, True)
    with pytest.raises(TypeError, match="alpha_dropout: expected a floating-point tensor, got dtype int64"):
        F.alpha_dropout(mg.tensor([1, 2]), 0.5, True)
    with pytest.raises(ValueError, match="AlphaDropout: p must be in"):
        nn.AlphaDropout(-0.1)


# --------------------------------------------------------------------------- gumbel_softmax
@pytest.mark.parametrize("shape,tau,dim", [((3, 5), 1, -1), ((2, 4, 3), 0.5, 1), ((6,), 2.0, 0), ((1, 1), 1, 0)],
                         ids=str)
def test_gumbel_softmax_is_torchs_on_the_same_noise(device, torch, shape, tau, dim):
    """The noise minigan draws, fed to PyTorch's formula softmax((logits + g) / tau): the same values and
    gradients, soft and hard."""
    logits = randn(*shape, seed=2)
    mg.manual_seed(7)
    g = backend.to_numpy(sample_gumbel(shape, mg.tensor(logits, device=device)))
    for hard in (False, True):
        def theirs(t):
            y_soft = ((t + torch.tensor(g)) / tau).softmax(dim)
            if not hard:
                return y_soft
            y_hard = torch.zeros_like(t).scatter_(dim, y_soft.argmax(dim, keepdim=True), 1.0)
            return y_hard - y_soft.detach() + y_soft
        compare_with_torch(torch, _seeded(lambda t: F.gumbel_softmax(t, tau, hard, dim=dim), seed=7), theirs,
                           [logits], device=device)


def test_gumbel_softmax_hard_is_one_hot_with_the_soft_gradient(device):
    (x,) = tensors(device, randn(50, 7))
    y = _seeded(lambda t: F.gumbel_softmax(t, 0.8, hard=True))(x)
    np.testing.assert_array_equal(np.sort(y.numpy(), axis=1)[:, :-1], 0)
    np.testing.assert_array_equal(y.numpy().max(axis=1), 1)
    v = randn(50, 7, seed=3)
    y.backward(mg.tensor(v, device=device))
    (x2,) = tensors(device, randn(50, 7))
    _seeded(lambda t: F.gumbel_softmax(t, 0.8))(x2).backward(mg.tensor(v, device=device))
    np.testing.assert_array_equal(x.grad.numpy(), x2.grad.numpy())        # straight-through: the soft gradient


def test_gumbel_max_samples_follow_the_softmax(device):
    """The Gumbel-max trick: the winners of 40,000 hard samples fall in each class with probability
    softmax(logits) (each frequency within 5 standard errors, fixed seed)."""
    logits = np.array([1.0, 0.0, -1.0, 0.5])
    mg.manual_seed(11)
    y = F.gumbel_softmax(mg.tensor(np.tile(logits, (40000, 1)), device=device), hard=True).numpy()
    freq = y.mean(axis=0)
    p = np.exp(logits) / np.exp(logits).sum()
    assert (np.abs(freq - p) < 5 * np.sqrt(p * (1 - p) / 40000)).all(), (freq, p)
    x = mg.tensor(np.tile(logits, (4000, 1)), device=device)
    assert F.gumbel_softmax(x, tau=0.05).numpy().max(axis=1).mean() > 0.95   # a small tau: nearly one-hot
    assert np.abs(F.gumbel_softmax(x, tau=100.0).numpy() - 0.25).max() < 0.05   # a large one: nearly uniform


def test_gumbel_softmax_gradients_and_shapes(device):
    check_grad(_seeded(lambda t: F.gumbel_softmax(t, 0.7, dim=0)), randn(4, 3), device=device)
    check_grad(_seeded(lambda t: F.gumbel_softmax(t, 1.5, dim=-2)), randn(2, 5, 3), device=device)
    mg.gradgradcheck(_seeded(lambda t: F.gumbel_softmax(t, 1.2) ** 2), tensors(device, randn(2, 4)))
    y = F.gumbel_softmax(mg.tensor(2.0), hard=True)
    assert y.shape == () and y.item() == 1
    assert F.gumbel_softmax(mg.randn(0, 3), hard=True).shape == (0, 3)
    assert F.gumbel_softmax(mg.randn(2, 3)).dtype == np.float32


def test_gumbel_softmax_errors_and_eps():
    with pytest.raises(IndexError, match="gumbel_softmax: dimension out of range"):
        F.gumbel_softmax(mg.ones(3), dim=2)
    with pytest.raises(TypeError, match="gumbel_softmax: expected a floating-point tensor, got dtype int64"):
        F.gumbel_softmax(mg.tensor([1, 2]))
    with pytest.warns(UserWarning, match="`eps` parameter is deprecated and has no effect"):
        F.gumbel_softmax(mg.ones(3), eps=1e-5)
