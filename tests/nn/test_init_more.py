"""nn.init's orthogonal_, trunc_normal_, eye_, dirac_ and sparse_: the random ones by their properties (they draw
from minigan's generator, not PyTorch's), the deterministic ones value for value against PyTorch, and the
shape errors."""
import math
import re

import numpy as np
import pytest

import minigan as mg
from minigan import nn
from minigan.nn import init

from helpers import host


def empty(*shape, device="cpu", dtype=np.float64):
    return mg.empty(*shape, device=device, dtype=dtype)


# ----------------------------------------------------------------- orthogonal_
@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 4), (1, 6), (6, 1), (4, 2, 3, 3), (20, 1, 3, 3), (3, 8, 2)])
@pytest.mark.parametrize("gain", [1.0, 2.5])
def test_orthogonal_gives_orthonormal_rows_or_columns(device, shape, gain):
    w = empty(*shape, device=device)
    assert init.orthogonal_(w, gain=gain) is w
    a = host(w).reshape(shape[0], -1)               # trailing dims flattened, as PyTorch does
    rows, cols = a.shape
    gram = a @ a.T if rows <= cols else a.T @ a
    np.testing.assert_allclose(gram, gain ** 2 * np.eye(min(rows, cols)), atol=1e-12)


def test_orthogonal_float32_and_seeded():
    mg.manual_seed(3)
    w = init.orthogonal_(mg.empty(6, 10))
    assert w.dtype == np.float32
    a = w.numpy()
    np.testing.assert_allclose(a @ a.T, np.eye(6), atol=1e-5)
    mg.manual_seed(3)
    np.testing.assert_array_equal(init.orthogonal_(mg.empty(6, 10)).numpy(), a)
    assert not np.array_equal(init.orthogonal_(mg.empty(6, 10)).numpy(), a)   # the next draw differs


def test_orthogonal_is_uniform_over_signs():
    # The sign correction with R's diagonal makes Q Haar-distributed; without it, LAPACK's QR gives a first
    # column whose first entry always has the same sign. Haar: every entry has mean 0 (and variance 1/n).
    draws = np.stack([init.orthogonal_(empty(3, 3)).numpy() for _ in range(600)])
    mean, var = draws.mean(axis=0), draws.var(axis=0)
    assert np.abs(mean).max() < 5 * math.sqrt(1 / 3 / 600)
    np.testing.assert_allclose(var, 1 / 3, atol=0.08)


def test_orthogonal_on_an_empty_tensor_is_a_no_op():
    w = mg.empty(0, 3)
    assert init.orthogonal_(w) is w and w.shape == (0, 3)


# ----------------------------------------------------------------- trunc_normal_
def _phi(x):
    return math.exp(-x * x / 2) / math.sqrt(2 * math.pi)


def _Phi(x):
    return (1 + math.erf(x / math.sqrt(2))) / 2


def truncated_normal_moments(mean, std, a, b):
    """The mean and standard deviation of N(mean, std²) restricted to [a, b] (the textbook formulas)."""
    alpha, beta = (a - mean) / std, (b - mean) / std
    z = _Phi(beta) - _Phi(alpha)
    shift = (_phi(alpha) - _phi(beta)) / z
    var = 1 + (alpha * _phi(alpha) - beta * _phi(beta)) / z - shift ** 2
    return mean + std * shift, std * math.sqrt(var)


TRUNC_CASES = [
    dict(),                                      # N(0, 1) on [-2, 2]
    dict(mean=1.0, std=2.0, a=0.0, b=3.0),       # lopsided: 53% of the mass inside, normal proposals
    dict(mean=0.0, std=1.0, a=2.0, b=3.0),       # a tail (2% of the mass): uniform proposals, rejection
    dict(mean=0.5, std=0.1, a=0.45, b=0.5),      # narrow (19%): uniform proposals
    dict(mean=-3.0, std=0.5, a=-2.9, b=-1.9),    # mean outside [a, b], within 2 std
]


@pytest.mark.parametrize("kwargs", TRUNC_CASES, ids=[str(k) for k in TRUNC_CASES])
def test_trunc_normal_stays_in_bounds_with_the_right_moments(device, kwargs):
    full = {**dict(mean=0.0, std=1.0, a=-2.0, b=2.0), **kwargs}
    n = 200_000
    w = empty(n, device=device)
    assert init.trunc_normal_(w, **kwargs) is w
    x = host(w)
    assert x.min() >= full["a"] and x.max() <= full["b"]
    mean, std = truncated_normal_moments(full["mean"], full["std"], full["a"], full["b"])
    assert abs(x.mean() - mean) < 5 * std / math.sqrt(n)
    assert abs(x.std() - std) < 0.01 * std
    # the whole distribution, not only two moments: the empirical CDF at the quartiles of [a, b]
    alpha, beta = ((c - full["mean"]) / full["std"] for c in (full["a"], full["b"]))
    for q in (0.25, 0.5, 0.75):
        c = full["a"] + q * (full["b"] - full["a"])
        cdf = (_Phi((c - full["mean"]) / full["std"]) - _Phi(alpha)) / (_Phi(beta) - _Phi(alpha))
        assert abs((x <= c).mean() - cdf) < 0.005


def test_trunc_normal_float32_keeps_dtype_and_bounds():
    w = mg.empty(300, 300)
    init.trunc_normal_(w, std=0.02, a=-0.04, b=0.04)
    x = w.numpy()
    assert w.dtype == np.float32
    assert x.min() >= np.float32(-0.04) and x.max() <= np.float32(0.04)
    assert abs(x.std() - truncated_normal_moments(0.0, 0.02, -0.04, 0.04)[1]) < 2e-4


def test_trunc_normal_warns_when_the_mean_is_far_from_the_interval(torch):
    message = "mean is more than 2 std from [a, b] in nn.init.trunc_normal_"
    with pytest.warns(UserWarning, match=re.escape(message)):
        init.trunc_normal_(empty(1000), mean=0.0, std=1.0, a=3.0, b=4.0)
    with pytest.warns(UserWarning, match=re.escape(message)):
        torch.nn.init.trunc_normal_(torch.empty(10), mean=0.0, std=1.0, a=3.0, b=4.0)


def test_trunc_normal_far_tail_is_still_sampled_correctly():
    w = empty(100_000)
    with pytest.warns(UserWarning):
        init.trunc_normal_(w, a=3.0, b=4.0)
    x = w.numpy()
    mean, _ = truncated_normal_moments(0.0, 1.0, 3.0, 4.0)
    assert x.min() >= 3.0 and x.max() <= 4.0 and abs(x.mean() - mean) < 0.005


# ----------------------------------------------------------------- eye_ and dirac_
@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 4), (1, 1)])
def test_eye_matches_torch(device, torch, shape):
    w = empty(*shape, device=device, dtype=np.float32)
    w.data[...] = 7
    assert init.eye_(w) is w
    expected = torch.nn.init.eye_(torch.empty(*shape)).numpy()
    np.testing.assert_array_equal(host(w), expected)
    assert w.dtype == np.float32


DIRAC_CASES = [((4, 6, 5), 1), ((6, 4, 3, 3), 1), ((6, 4, 3, 3), 2), ((4, 6, 3, 5), 1), ((3, 16, 5, 5), 1),
               ((3, 24, 5, 5), 3), ((6, 2, 4, 4), 3), ((8, 3, 3, 3, 3), 2), ((4, 4, 2, 3, 1), 1)]


@pytest.mark.parametrize("shape, groups", DIRAC_CASES, ids=[f"{s}-g{g}" for s, g in DIRAC_CASES])
def test_dirac_matches_torch(device, torch, shape, groups):
    w = empty(*shape, device=device)
    w.data[...] = -1
    assert init.dirac_(w, groups=groups) is w
    expected = torch.nn.init.dirac_(torch.empty(*shape, dtype=torch.float64), groups=groups).numpy()
    np.testing.assert_array_equal(host(w), expected)
    assert host(w).sum() == groups * min(shape[0] // groups, shape[1])


@pytest.mark.parametrize("in_channels, out_channels, kernel_size, groups", [
    (4, 4, 3, 1), (4, 4, 5, 2), (3, 3, (5, 3), 1), (6, 6, 3, 3), (6, 4, 3, 1),
])
def test_dirac_conv2d_with_same_padding_is_the_identity(device, in_channels, out_channels, kernel_size, groups):
    conv = nn.Conv2d(in_channels, out_channels, kernel_size, padding="same", groups=groups, bias=False)
    conv = conv.double().to(device)
    init.dirac_(conv.weight, groups=groups)
    x = mg.tensor(np.random.default_rng(0).standard_normal((2, in_channels, 7, 6)), device=device)
    y = host(conv(x))
    # each output channel copies one input channel: the same index within its group
    per_out, per_in = out_channels // groups, in_channels // groups
    keep = [g * per_in + d for g in range(groups) for d in range(per_out)]
    np.testing.assert_array_equal(y, host(x)[:, keep])


# ----------------------------------------------------------------- sparse_
def test_sparse_zeros_per_column(device):
    w = empty(10, 300, device=device)
    assert init.sparse_(w, sparsity=0.25) is w
    x = host(w)
    np.testing.assert_array_equal((x == 0).sum(axis=0), np.full(300, 3))        # ceil(0.25 * 10)
    # the zero rows are drawn again for every column: each row is zero in about 30% of the columns
    np.testing.assert_allclose((x == 0).mean(axis=1), 0.3, atol=0.1)
    assert len({tuple(np.flatnonzero(col == 0)) for col in x.T}) > 50


def test_sparse_values_have_the_given_std():
    w = init.sparse_(empty(400, 100), sparsity=0.5, std=0.05)
    x = w.numpy()
    assert ((x == 0).sum(axis=0) == 200).all()
    assert abs(x[x != 0].std() - 0.05) < 0.002 and abs(x[x != 0].mean()) < 0.002


@pytest.mark.parametrize("sparsity, zeros", [(0.0, 0), (0.01, 1), (0.5, 4), (1.0, 7)])
def test_sparse_rounds_the_count_up(sparsity, zeros):
    x = init.sparse_(mg.empty(7, 20), sparsity).numpy()
    np.testing.assert_array_equal((x == 0).sum(axis=0), np.full(20, zeros))


# ----------------------------------------------------------------- shape errors, as PyTorch's
ERRORS = [
    ("orthogonal_", (5,), {}, "Only tensors with 2 or more dimensions are supported"),
    ("eye_", (5,), {}, "Only tensors with 2 dimensions are supported"),
    ("eye_", (2, 3, 4), {}, "Only tensors with 2 dimensions are supported"),
    ("dirac_", (3, 3), {}, "Only tensors with 3, 4, or 5 dimensions are supported"),
    ("dirac_", (1, 2, 3, 4, 5, 6), {}, "Only tensors with 3, 4, or 5 dimensions are supported"),
    ("dirac_", (5, 2, 3, 3), dict(groups=2), "dim 0 must be divisible by groups"),
    ("sparse_", (4, 5, 6), dict(sparsity=0.1), "Only tensors with 2 dimensions are supported"),
    ("sparse_", (4,), dict(sparsity=0.1), "Only tensors with 2 dimensions are supported"),
]


@pytest.mark.parametrize("name, shape, kwargs, message", ERRORS, ids=[f"{e[0]}{e[1]}" for e in ERRORS])
def test_shape_errors(name, shape, kwargs, message):
    # PyTorch's message, then what came
    came = f"dim 0 = {shape[0]}, groups = 2" if "groups" in kwargs else f"a tensor of shape {shape}"
    with pytest.raises(ValueError, match="^" + re.escape(f"{message} (got {came})") + "$"):
        getattr(init, name)(mg.empty(*shape), **kwargs)


@pytest.mark.parametrize("name, shape, kwargs, message", ERRORS, ids=[f"{e[0]}{e[1]}" for e in ERRORS])
def test_shape_errors_are_torchs(torch, name, shape, kwargs, message):
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        getattr(torch.nn.init, name)(torch.empty(*shape), **kwargs)
