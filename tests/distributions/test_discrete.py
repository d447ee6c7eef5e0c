"""Bernoulli, Categorical and OneHotCategorical, given by probs or by logits: log_prob, entropy, the moments
and the conversions between probs and logits against torch.distributions (values and gradients, float64),
gradchecks on every device, enumerate_support, and the frequencies of 10^5 draws."""
import numpy as np
import pytest

import minigan as mg
import minigan.distributions as D

from helpers import check_grad, compare_with_torch, randn, tensors

N_DRAWS = 100_000
BERN_PROBS = np.random.default_rng(1).uniform(0.05, 0.95, (3, 4))
BERN_VALUES = (np.random.default_rng(2).uniform(size=(2, 3, 4)) < 0.5).astype(np.float64)
CAT_WEIGHTS = np.random.default_rng(3).uniform(0.2, 2.0, (2, 3, 5))        # unnormalised: Categorical divides
CAT_VALUES = np.array([[0, 4, 2], [3, 3, 1]])                                # (2, 3): one per batch element
ONE_HOT_VALUES = np.eye(5)[np.array([[[1, 0, 4], [2, 2, 3]]])]              # (1, 2, 3, 5)


def _param(kind, probs):
    """The array to pass as ``kind``: the probabilities, or logits of them (shifted: logits need not be
    normalised)."""
    return probs if kind == "probs" else np.log(probs) + 0.7


# ----------------------------------------------------------------- Bernoulli
@pytest.mark.parametrize("kind", ["probs", "logits"])
@pytest.mark.parametrize("what", ["log_prob", "entropy", "mean", "variance", "probs", "logits"])
def test_bernoulli_matches_torch(torch, kind, what):
    def get(d, v):
        return d.log_prob(v) if what == "log_prob" else d.entropy() if what == "entropy" else getattr(d, what)
    p = BERN_PROBS if kind == "probs" else randn(3, 4, seed=1, scale=3.0)
    compare_with_torch(torch, lambda a, v: get(D.Bernoulli(**{kind: a}), v),
                       lambda a, v: get(torch.distributions.Bernoulli(**{kind: a}), v), [p, BERN_VALUES])


def test_bernoulli_at_probabilities_0_half_and_1_as_torch(torch):
    p = np.array([0.0, 0.5, 1.0, 0.5, 0.25])
    v = np.array([0.0, 1.0, 1.0, 0.0, 1.0])
    ours, theirs = D.Bernoulli(mg.tensor(p)), torch.distributions.Bernoulli(torch.tensor(p))
    for a, b in ((ours.log_prob(mg.tensor(v)), theirs.log_prob(torch.tensor(v))), (ours.entropy(), theirs.entropy()),
                 (ours.mode, theirs.mode), (ours.logits, theirs.logits)):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, atol=1e-12)
    assert np.isnan(ours.mode.numpy()[1]) and ours.mode.numpy().tolist()[2:3] == [1.0]


@pytest.mark.parametrize("kind", ["probs", "logits"])
def test_bernoulli_gradcheck(device, kind):
    p = BERN_PROBS if kind == "probs" else randn(3, 4, seed=1, scale=3.0)
    v = mg.tensor(BERN_VALUES, device=device)                     # a constant: 0/1 values cannot be perturbed
    check_grad(lambda a: D.Bernoulli(**{kind: a}).log_prob(v), p, device=device)
    check_grad(lambda a: D.Bernoulli(**{kind: a}).entropy(), p, device=device)
    check_grad(lambda a: D.Bernoulli(**{kind: a}).variance, p, device=device)


def test_bernoulli_sample_frequencies_shape_and_dtype(device):
    p = np.array([0.1, 0.5, 0.93])
    x = D.Bernoulli(mg.tensor(p, device=device, requires_grad=True)).sample((N_DRAWS,))
    assert x.shape == (N_DRAWS, 3) and x.dtype == np.float64 and not x.requires_grad
    xs = x.numpy()
    assert set(np.unique(xs)) <= {0.0, 1.0}
    np.testing.assert_array_less(np.abs(xs.mean(0) - p), 6 * np.sqrt(p * (1 - p) / N_DRAWS))
    assert D.Bernoulli(logits=mg.zeros(2, 3)).sample((4,)).dtype == np.float32


def test_bernoulli_enumerate_support_as_torch(torch):
    ours, theirs = D.Bernoulli(mg.tensor(BERN_PROBS)), torch.distributions.Bernoulli(torch.tensor(BERN_PROBS))
    for expand in (True, False):
        np.testing.assert_array_equal(ours.enumerate_support(expand).numpy(), theirs.enumerate_support(expand).numpy())
    assert ours.enumerate_support().shape == (2, 3, 4) and ours.enumerate_support(False).shape == (2, 1, 1)


# ----------------------------------------------------------------- Categorical
@pytest.mark.parametrize("kind", ["probs", "logits"])
@pytest.mark.parametrize("what", ["log_prob", "entropy", "probs", "logits"])
def test_categorical_matches_torch(torch, kind, what):
    def get(d, lib):
        if what == "log_prob":
            return d.log_prob(lib.tensor(CAT_VALUES))
        return d.entropy() if what == "entropy" else getattr(d, what)
    compare_with_torch(torch, lambda a: get(D.Categorical(**{kind: a}), mg),
                       lambda a: get(torch.distributions.Categorical(**{kind: a}), torch), [_param(kind, CAT_WEIGHTS)])


def test_categorical_log_prob_broadcasts_values_as_torch(torch):
    weights = CAT_WEIGHTS[0]                                                    # batch (3,)
    values = np.array([[[0], [4]], [[1], [2]]])                                 # (2, 2, 1) against (3,)
    ours = D.Categorical(mg.tensor(weights)).log_prob(mg.tensor(values))
    theirs = torch.distributions.Categorical(torch.tensor(weights)).log_prob(torch.tensor(values))
    assert ours.shape == tuple(theirs.shape) == (2, 2, 3)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


def test_categorical_moments_mode_and_zero_probabilities_as_torch(torch):
    p = np.array([[0.0, 0.3, 0.7], [0.5, 0.5, 0.0]])
    ours, theirs = D.Categorical(mg.tensor(p)), torch.distributions.Categorical(torch.tensor(p))
    assert np.isnan(ours.mean.numpy()).all() and np.isnan(ours.variance.numpy()).all() and ours.mean.shape == (2,)
    np.testing.assert_array_equal(ours.mode.numpy(), theirs.mode.numpy())
    assert ours.mode.dtype == np.int64
    np.testing.assert_allclose(ours.entropy().numpy(), theirs.entropy().numpy(), rtol=1e-12)
    v = np.array([0, 2])
    np.testing.assert_allclose(ours.log_prob(mg.tensor(v)).numpy(), theirs.log_prob(torch.tensor(v)).numpy(),
                               rtol=1e-12)
    logits = np.array([-np.inf, 0.0, 1.0])
    np.testing.assert_allclose(D.Categorical(logits=mg.tensor(logits)).entropy().numpy(),
                               torch.distributions.Categorical(logits=torch.tensor(logits)).entropy().numpy())


@pytest.mark.parametrize("kind", ["probs", "logits"])
def test_categorical_gradcheck(device, kind):
    w = _param(kind, CAT_WEIGHTS)
    index = mg.tensor(CAT_VALUES, device=device)
    check_grad(lambda a: D.Categorical(**{kind: a}).log_prob(index), w, device=device)
    check_grad(lambda a: D.Categorical(**{kind: a}).entropy(), w, device=device)
    check_grad(lambda a: D.OneHotCategorical(**{kind: a}).variance, w, device=device)


def test_categorical_sample_frequencies_shape_and_dtype(device):
    p = np.array([[0.1, 0.0, 0.6, 0.3], [0.25, 0.25, 0.25, 0.25]])
    x = D.Categorical(mg.tensor(p * 3.0, device=device)).sample((N_DRAWS,))
    assert x.shape == (N_DRAWS, 2) and x.dtype == np.int64
    xs = x.numpy()
    freq = np.stack([(xs == k).mean(0) for k in range(4)], -1)
    np.testing.assert_array_less(np.abs(freq - p), 6 * np.sqrt(p * (1 - p) / N_DRAWS) + 1e-12)
    assert freq[0, 1] == 0.0                                                    # a category of probability 0
    assert D.Categorical(logits=mg.zeros(3)).sample((2, 5)).shape == (2, 5)


def test_categorical_enumerate_support_as_torch(torch):
    ours, theirs = D.Categorical(mg.tensor(CAT_WEIGHTS)), torch.distributions.Categorical(torch.tensor(CAT_WEIGHTS))
    for expand in (True, False):
        np.testing.assert_array_equal(ours.enumerate_support(expand).numpy(), theirs.enumerate_support(expand).numpy())
    assert ours.enumerate_support().shape == (5, 2, 3)


# ----------------------------------------------------------------- OneHotCategorical
@pytest.mark.parametrize("kind", ["probs", "logits"])
@pytest.mark.parametrize("what", ["log_prob", "entropy", "mean", "variance"])
def test_one_hot_categorical_matches_torch(torch, kind, what):
    def get(d, v):
        return d.log_prob(v) if what == "log_prob" else d.entropy() if what == "entropy" else getattr(d, what)
    compare_with_torch(torch, lambda a, v: get(D.OneHotCategorical(**{kind: a}), v),
                       lambda a, v: get(torch.distributions.OneHotCategorical(**{kind: a}), v),
                       [_param(kind, CAT_WEIGHTS), ONE_HOT_VALUES])


def test_one_hot_categorical_mode_support_and_samples(torch, device):
    ours = D.OneHotCategorical(mg.tensor(CAT_WEIGHTS, device=device))
    theirs = torch.distributions.OneHotCategorical(torch.tensor(CAT_WEIGHTS))
    np.testing.assert_array_equal(ours.mode.numpy(), theirs.mode.numpy())
    for expand in (True, False):
        np.testing.assert_array_equal(ours.enumerate_support(expand).numpy(), theirs.enumerate_support(expand).numpy())
    assert ours.batch_shape == (2, 3) and ours.event_shape == (5,)
    x = ours.sample((N_DRAWS // 10,))
    assert x.shape == (N_DRAWS // 10, 2, 3, 5) and x.dtype == np.float64
    xs = x.numpy()
    assert (xs.sum(-1) == 1).all() and set(np.unique(xs)) == {0.0, 1.0}
    p = ours.probs.numpy()
    n = xs.shape[0]
    np.testing.assert_array_less(np.abs(xs.mean(0) - p), 6 * np.sqrt(p * (1 - p) / n))


def test_one_hot_categorical_gradcheck(device):
    v = mg.tensor(ONE_HOT_VALUES, device=device)
    check_grad(lambda a: D.OneHotCategorical(a).log_prob(v), CAT_WEIGHTS, device=device)
    check_grad(lambda a: D.OneHotCategorical(logits=a).entropy(), np.log(CAT_WEIGHTS), device=device)


def test_discrete_parameters_of_float32_keep_float32():
    w = mg.tensor(CAT_WEIGHTS.astype(np.float32))
    for d in (D.Categorical(w), D.OneHotCategorical(logits=w), D.Bernoulli(mg.tensor(BERN_PROBS, dtype=mg.float32))):
        assert d.entropy().dtype == np.float32 and d.logits.dtype == np.float32 and d.probs.dtype == np.float32
    assert D.OneHotCategorical(w).sample().dtype == np.float32


def test_probs_and_logits_given_stay_as_given(device):
    p, logits = tensors(device, BERN_PROBS, randn(3, 4, seed=5))
    assert D.Bernoulli(p).probs is p and D.Bernoulli(logits=logits).logits is logits
    d = D.Categorical(logits=mg.tensor(np.log(CAT_WEIGHTS)))
    np.testing.assert_allclose(np.exp(d.logits.numpy()).sum(-1), 1.0, rtol=1e-12)   # normalised
    np.testing.assert_allclose(d.probs.numpy(), CAT_WEIGHTS / CAT_WEIGHTS.sum(-1, keepdims=True), rtol=1e-12)
