"""Multinomial and NegativeBinomial against torch.distributions (log_prob, moments, entropy: values and gradients,
float64), the multinomial entropy against a brute-force sum over every outcome, gradchecks on every device,
statistics of 10^5 seeded draws, shapes, dtypes, expand and errors."""
import itertools
import math
import types

import numpy as np
import pytest

import minigan as mg
from minigan.distributions.multinomial import Multinomial
from minigan.distributions.negative_binomial import NegativeBinomial

from helpers import assert_count_draws, check_grad, compare_with_torch, tensors

N_DRAWS = 100_000
WEIGHTS = np.random.default_rng(1).uniform(0.1, 1.0, (2, 3, 5))           # batch (2, 3), 5 categories
LOGITS = np.random.default_rng(2).normal(0.0, 1.5, (2, 3, 5))
COUNTS = np.random.default_rng(3).multinomial(7, np.full(5, 0.2), (4, 2, 3)).astype(np.float64)
N = 7
OURS = types.SimpleNamespace(Multinomial=Multinomial, NegativeBinomial=NegativeBinomial)


def _multinomial(lib, kind, param, n=N):
    return lib.Multinomial(n, **{kind: param})


# ----------------------------------------------------------------- Multinomial: parity, values and gradients
@pytest.mark.parametrize("kind, param", [("probs", WEIGHTS), ("logits", LOGITS)])
@pytest.mark.parametrize("what", ["log_prob", "mean", "variance", "probs", "logits"])
def test_multinomial_matches_torch(torch, kind, param, what):
    def get(d, v):
        return d.log_prob(v) if what == "log_prob" else getattr(d, what) + 0 * v.sum()
    compare_with_torch(torch, lambda a, v: get(_multinomial(OURS, kind, a), v),
                       lambda a, v: get(_multinomial(torch.distributions, kind, a), v), [param, COUNTS])


@pytest.mark.parametrize("n", [1, 4, 23])
@pytest.mark.parametrize("kind, param", [("probs", WEIGHTS[0]), ("logits", LOGITS[0])])
def test_multinomial_entropy_matches_torch(torch, kind, param, n):
    # torch takes log n! as the float32 lgamma of an int tensor (off by up to ~1e-6 of it): minigan's is exact
    compare_with_torch(torch, lambda a: _multinomial(OURS, kind, a, n).entropy(),
                       lambda a: _multinomial(torch.distributions, kind, a, n).entropy(), [param], rtol=2e-6)


def test_multinomial_entropy_is_the_sum_over_every_outcome():
    probs = np.array([[0.2, 0.5, 0.3], [0.05, 0.05, 0.9]])
    for n in (0, 1, 2, 6):
        outcomes = mg.tensor([c for c in itertools.product(range(n + 1), repeat=3) if sum(c) == n], dtype=mg.float64)
        d = Multinomial(n, mg.tensor(probs))
        log_p = d.log_prob(outcomes[:, None, :]).numpy()                      # (outcomes, 2)
        assert np.allclose(np.exp(log_p).sum(0), 1.0, rtol=1e-12)
        np.testing.assert_allclose(d.entropy().numpy(), -(np.exp(log_p) * log_p).sum(0), rtol=1e-12, atol=1e-15)


def test_multinomial_zero_probability_categories_as_torch(torch):
    p = np.array([0.0, 0.5, 0.5])
    v = np.array([[0.0, 1.0, 2.0], [1.0, 1.0, 0.0]])
    ours = Multinomial(3, mg.tensor(p)).log_prob(mg.tensor(v)).numpy()
    theirs = torch.distributions.Multinomial(3, torch.tensor(p)).log_prob(torch.tensor(v)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    ours = Multinomial(logits=mg.tensor([-np.inf, 0.0])).log_prob(mg.tensor([0.0, 1.0])).numpy()
    assert ours == 0.0


@pytest.mark.parametrize("kind, param", [("probs", WEIGHTS), ("logits", LOGITS)])
def test_multinomial_gradcheck(device, kind, param):
    v = mg.tensor(COUNTS, device=device)                     # counts are constants: they cannot be perturbed
    check_grad(lambda a: _multinomial(OURS, kind, a).log_prob(v), param, device=device)
    check_grad(lambda a: _multinomial(OURS, kind, a).entropy(), param[:, :2], device=device)
    check_grad(lambda a: _multinomial(OURS, kind, a).variance, param, device=device)
    # a single-category batch of one, with broadcasting of the value over it
    check_grad(lambda a: Multinomial(3, **{kind: a}).log_prob(mg.tensor([[3.0]], device=device)), param[:1, :1, :1],
               device=device)


def test_multinomial_sample_statistics_shape_and_dtype(device):
    probs = np.array([[0.05, 0.25, 0.7], [0.4, 0.0, 0.6]])
    d = Multinomial(20, mg.tensor(probs, device=device, requires_grad=True))
    mg.manual_seed(5)
    x = d.sample((N_DRAWS,))
    assert x.shape == (N_DRAWS, 2, 3) and x.dtype == np.float64 and not x.requires_grad
    xs, mean, var = x.numpy(), d.mean.numpy(), d.variance.numpy()
    assert (xs.sum(-1) == 20).all() and (xs[:, 1, 1] == 0).all() and (np.floor(xs) == xs).all()
    assert bool(d.support.check(x).numpy().all())
    np.testing.assert_array_less(np.abs(xs.mean(0) - mean), 6 * np.sqrt(var / N_DRAWS) + 1e-12)
    np.testing.assert_allclose(xs.var(0), var, rtol=0.05, atol=1e-12)
    cov = np.mean((xs[:, 0, 0] - mean[0, 0]) * (xs[:, 0, 2] - mean[0, 2]))
    np.testing.assert_allclose(cov, -20 * probs[0, 0] * probs[0, 2], rtol=0.08)          # cov = -n p_i p_j
    assert Multinomial(3, mg.tensor(probs.astype(np.float32))).sample((2,)).dtype == np.float32
    assert Multinomial(0, mg.tensor(probs)).sample((4,)).numpy().sum() == 0


def test_multinomial_samples_repeat_under_a_seed():
    d = Multinomial(10, logits=mg.tensor(LOGITS))
    mg.manual_seed(4)
    a = d.sample((3,))
    mg.manual_seed(4)
    np.testing.assert_array_equal(a.numpy(), d.sample((3,)).numpy())
    assert not np.array_equal(a.numpy(), d.sample((3,)).numpy())


def test_multinomial_shapes_expand_and_support(torch):
    d = Multinomial(4, mg.tensor([0.2, 0.3, 0.5], dtype=mg.float64))
    assert d.batch_shape == () and d.event_shape == (3,) and d.sample().shape == (3,) and d.param_shape == (3,)
    assert d.support.event_dim == 1 and d.support.is_discrete and not d.has_rsample
    e = d.expand((4, 2))
    assert e.batch_shape == (4, 2) and e.sample((5,)).shape == (5, 4, 2, 3) and e.probs.shape == (4, 2, 3)
    np.testing.assert_allclose(e.entropy().numpy(), np.full((4, 2), d.entropy().item()), rtol=1e-12)
    assert e.total_count == 4
    check = d.support.check(mg.tensor([[1.5, 2.0, 0.5], [2.0, 2.0, 1.0], [-1.0, 4.0, 1.0]])).numpy().tolist()
    theirs = torch.distributions.Multinomial(4, torch.tensor([0.2, 0.3, 0.5])).support.check(
        torch.tensor([[1.5, 2.0, 0.5], [2.0, 2.0, 1.0], [-1.0, 4.0, 1.0]])).tolist()
    assert check == theirs == [True, False, False]
    with pytest.raises(NotImplementedError, match="does not implement mode"):
        d.mode


def test_multinomial_errors():
    with pytest.raises(NotImplementedError, match="inhomogeneous total_count is not supported"):
        Multinomial(2.0, mg.tensor([0.5, 0.5]))
    with pytest.raises(NotImplementedError, match="inhomogeneous total_count"):
        Multinomial(mg.tensor([2, 3]), mg.tensor([[0.5, 0.5], [0.5, 0.5]]))
    with pytest.raises(ValueError, match=r"total_count .*IntegerGreaterThan\(lower_bound=0\)"):
        Multinomial(-1, mg.tensor([0.5, 0.5]))
    with pytest.raises(ValueError, match=r"Expected parameter probs .*Simplex\(\)"):
        Multinomial(2, mg.tensor([-0.5, 1.5]))
    with pytest.raises(ValueError, match="at least one-dimensional"):
        Multinomial(2, mg.tensor(1.0))
    for args in ({}, {"probs": mg.tensor([0.5, 0.5]), "logits": mg.tensor([0.0, 0.0])}):
        with pytest.raises(ValueError, match="Either `probs` or `logits`"):
            Multinomial(2, **args)
    d = Multinomial(3, mg.tensor([0.5, 0.5]))
    with pytest.raises(ValueError, match=r"support \(Multinomial\(\)\)"):
        d.log_prob(mg.tensor([3.0, 1.0]))
    with pytest.raises(ValueError, match="must match event_shape"):
        d.log_prob(mg.tensor([1.0, 1.0, 1.0]))
    assert math.isfinite(Multinomial(3, mg.tensor([0.5, 0.5]), validate_args=False).log_prob(
        mg.tensor([3.0, 1.0])).item())


# ----------------------------------------------------------------- NegativeBinomial
R = np.random.default_rng(4).uniform(0.3, 6.0, (3, 1))
PROBS = np.random.default_rng(5).uniform(0.05, 0.9, (4,))
NB_LOGITS = np.random.default_rng(6).normal(0.0, 1.5, (4,))
NB_COUNTS = np.random.default_rng(7).integers(0, 12, (2, 3, 4)).astype(np.float64)


def _nb(lib, kind, r, param):
    return lib.NegativeBinomial(r, **{kind: param})


@pytest.mark.parametrize("kind, param", [("probs", PROBS), ("logits", NB_LOGITS)])
@pytest.mark.parametrize("what", ["log_prob", "mean", "variance", "probs", "logits"])
def test_negative_binomial_matches_torch(torch, kind, param, what):
    def get(d, v):
        return d.log_prob(v) if what == "log_prob" else getattr(d, what) + 0 * v.sum()
    compare_with_torch(torch, lambda r, a, v: get(_nb(OURS, kind, r, a), v),
                       lambda r, a, v: get(_nb(torch.distributions, kind, r, a), v), [R, param, NB_COUNTS])


def test_negative_binomial_mode_and_edges_as_torch(torch):
    r, p = np.array([0.0, 2.5, 3.0, 0.7, 0.0]), np.array([0.3, 0.0, 0.9, 0.5, 0.5])
    ours, theirs = NegativeBinomial(mg.tensor(r), mg.tensor(p)), torch.distributions.NegativeBinomial(
        torch.tensor(r), torch.tensor(p))
    np.testing.assert_array_equal(ours.mode.numpy(), theirs.mode.numpy())
    for k in (np.array([0.0, 1.0, 2.0, 4.0, 3.0]), np.array([1.0, 0.0, 2.0, 0.0, 0.0])):
        got, want = ours.log_prob(mg.tensor(k)).numpy(), theirs.log_prob(torch.tensor(k)).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-12)                    # incl. -inf for k > 0 at r = 0
    assert ours.log_prob(mg.tensor(np.zeros(5))).numpy()[0] == 0.0             # r = 0: P(0) = 1


@pytest.mark.parametrize("kind, param", [("probs", PROBS), ("logits", NB_LOGITS)])
def test_negative_binomial_gradcheck(device, kind, param):
    v = mg.tensor(NB_COUNTS, device=device)
    check_grad(lambda r, a: _nb(OURS, kind, r, a).log_prob(v), R, param, device=device)
    check_grad(lambda r, a: _nb(OURS, kind, r, a).variance, R, param, device=device)
    # 0-d parameters against a batch of values
    check_grad(lambda r, a: _nb(OURS, kind, r, a).log_prob(v), R[0, 0], param[0], device=device)


@pytest.mark.parametrize("kind", ["probs", "logits"])
def test_negative_binomial_sample_statistics(device, kind):
    r, p = np.array([0.4, 3.0, 25.0]), np.array([0.2, 0.6, 0.9])
    param = p if kind == "probs" else np.log(p) - np.log1p(-p)
    r_t, param_t = tensors(device, r, param, requires_grad=False)
    d = NegativeBinomial(r_t, **{kind: param_t})
    mg.manual_seed(11)
    x = d.sample((N_DRAWS,))
    assert_count_draws(d, x, device)
    xs = x.numpy()
    mg.manual_seed(11)
    np.testing.assert_array_equal(d.sample((N_DRAWS,)).numpy(), xs)


def test_negative_binomial_shapes_dtypes_and_expand():
    d = NegativeBinomial(2.0, 0.5)
    assert d.batch_shape == () and d.sample().shape == () and d.sample((3,)).dtype == np.float32
    assert d.total_count.dtype == np.float32 and d.log_prob(mg.tensor(2.0)).dtype == np.float32
    d64 = NegativeBinomial(mg.tensor([1, 2]), mg.tensor([0.5, 0.25], dtype=mg.float64))
    assert d64.total_count.dtype == np.float64 and d64.sample().dtype == np.float64
    e = NegativeBinomial(2.5, logits=mg.tensor([1.0, 2.0])).expand((3, 2))
    assert e.batch_shape == (3, 2) and e.total_count.shape == (3, 2) and e.logits.shape == (3, 2)
    assert e.sample((4,)).shape == (4, 3, 2) and "probs" not in e.__dict__
    assert not d.has_rsample and repr(NegativeBinomial(2.0, 0.5)) == "NegativeBinomial(total_count: 2.0, probs: 0.5)"
    with pytest.raises(NotImplementedError):
        d.entropy()


def test_negative_binomial_errors():
    with pytest.raises(ValueError, match=r"Expected parameter total_count .*GreaterThanEq\(lower_bound=0\)"):
        NegativeBinomial(-1.0, 0.5)
    with pytest.raises(ValueError, match=r"Expected parameter probs .*HalfOpenInterval\(lower_bound=0.0, "
                                         r"upper_bound=1.0\)"):
        NegativeBinomial(1.0, mg.tensor([0.5, 1.0]))
    with pytest.raises(ValueError, match="Either `probs` or `logits`"):
        NegativeBinomial(1.0, 0.5, logits=0.0)
    with pytest.raises(ValueError, match="Either `probs` or `logits`"):
        NegativeBinomial(1.0)
    with pytest.raises(ValueError, match=r"support \(IntegerGreaterThan\(lower_bound=0\)\)"):
        NegativeBinomial(2.0, 0.5).log_prob(mg.tensor(1.5))
    with pytest.raises(ValueError, match="NegativeBinomial: expected total_count to be a Tensor or a number"):
        NegativeBinomial("2", 0.5)
    with pytest.raises(ValueError, match="do not broadcast"):
        NegativeBinomial(mg.tensor([1.0, 2.0]), mg.tensor([0.1, 0.2, 0.3]))
