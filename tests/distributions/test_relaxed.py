"""RelaxedBernoulli and RelaxedOneHotCategorical (Gumbel-softmax): log_prob against torch.distributions
(values and gradients with respect to the temperature, the parameters and the value, float64), rsample as the
documented function of the noise minigan drew, gradchecks on every device, and two exact facts of the
relaxation checked on 10^5 draws: P(Y > 1/2) = p, and argmax(Y) follows the categorical law."""
import numpy as np
import pytest

import minigan as mg
import minigan.distributions as D

from helpers import check_grad, compare_with_torch, randn, tensors

N_DRAWS = 100_000
PROBS = np.random.default_rng(1).uniform(0.1, 0.9, (3, 4))
Y = np.random.default_rng(2).uniform(0.02, 0.98, (2, 3, 4))
WEIGHTS = np.random.default_rng(3).uniform(0.2, 1.0, (2, 3, 5))
SIMPLEX = np.random.default_rng(4).dirichlet(np.ones(5), size=(2, 3))


@pytest.mark.parametrize("kind", ["probs", "logits"])
def test_relaxed_bernoulli_log_prob_matches_torch(torch, kind):
    p = PROBS if kind == "probs" else randn(3, 4, seed=5)
    compare_with_torch(torch, lambda t, a, y: D.RelaxedBernoulli(t, **{kind: a}).log_prob(y),
                       lambda t, a, y: torch.distributions.RelaxedBernoulli(t, **{kind: a}).log_prob(y),
                       [np.array(0.7), p, Y])


@pytest.mark.parametrize("kind", ["probs", "logits"])
def test_relaxed_one_hot_categorical_log_prob_matches_torch(torch, kind):
    w = WEIGHTS if kind == "probs" else np.log(WEIGHTS)
    compare_with_torch(torch, lambda t, a, y: D.RelaxedOneHotCategorical(t, **{kind: a}).log_prob(y),
                       lambda t, a, y: torch.distributions.RelaxedOneHotCategorical(t, **{kind: a}).log_prob(y),
                       [np.array(1.3), w, SIMPLEX])


def test_relaxed_gradcheck(device):
    check_grad(lambda t, a, y: D.RelaxedBernoulli(t, logits=a).log_prob(y), np.array(0.7), randn(3, 4, seed=5), Y,
               device=device)
    check_grad(lambda t, a: D.RelaxedOneHotCategorical(t, logits=a).log_prob(mg.tensor(SIMPLEX, device=device)),
               np.array(1.3), np.log(WEIGHTS), device=device)

    def draw_bernoulli(t, a):
        mg.manual_seed(3)
        return D.RelaxedBernoulli(t, probs=a).rsample((2,))

    def draw_categorical(t, a):
        mg.manual_seed(3)
        return D.RelaxedOneHotCategorical(t, logits=a).rsample((2,))
    check_grad(draw_bernoulli, np.array(0.7), PROBS, device=device)
    check_grad(draw_categorical, np.array(0.8), np.log(WEIGHTS), device=device)


def test_rsample_is_the_relaxation_of_the_noise_drawn(device):
    eps, tiny = np.finfo(np.float64).eps, np.finfo(np.float64).tiny
    t, p = tensors(device, np.array(0.6), PROBS)
    mg.manual_seed(8)
    y = D.RelaxedBernoulli(t, probs=p).rsample((5,))
    mg.manual_seed(8)
    u = np.clip(mg.rand(5, 3, 4, dtype=mg.float64, device=device).numpy(), eps, 1 - eps)
    x = (np.log(u) - np.log1p(-u) + np.log(PROBS) - np.log1p(-PROBS)) / 0.6
    np.testing.assert_allclose(y.numpy(), np.clip(1 / (1 + np.exp(-x)), tiny, 1 - eps), rtol=1e-12)
    assert y.shape == (5, 3, 4) and y.requires_grad

    logits = tensors(device, np.log(WEIGHTS))[0]
    mg.manual_seed(8)
    y = D.RelaxedOneHotCategorical(0.5, logits=logits).rsample((4,))
    mg.manual_seed(8)
    u = np.clip(mg.rand(4, 2, 3, 5, dtype=mg.float64, device=device).numpy(), eps, 1 - eps)
    scores = (np.log(WEIGHTS / WEIGHTS.sum(-1, keepdims=True)) - np.log(-np.log(u))) / 0.5
    expected = np.exp(scores - scores.max(-1, keepdims=True))
    np.testing.assert_allclose(y.numpy(), expected / expected.sum(-1, keepdims=True), rtol=1e-10)
    y.sum().backward()
    assert logits.grad is not None


def test_relaxed_bernoulli_exceeds_one_half_with_probability_p(device):
    p = np.array([0.15, 0.5, 0.8])
    for temperature in (0.2, 2.0):
        x = D.RelaxedBernoulli(temperature, probs=mg.tensor(p, device=device)).sample((N_DRAWS,))
        xs = x.numpy()
        assert x.shape == (N_DRAWS, 3) and not x.requires_grad and ((xs > 0) & (xs < 1)).all()
        np.testing.assert_array_less(np.abs((xs > 0.5).mean(0) - p), 6 * np.sqrt(p * (1 - p) / N_DRAWS))
    lows = D.RelaxedBernoulli(0.05, probs=mg.tensor(p)).sample((1000,)).numpy()
    assert (np.minimum(lows, 1 - lows) < 0.05).mean() > 0.9                   # near 0/1 when cold


def test_relaxed_one_hot_argmax_follows_the_categorical_law(device):
    p = np.array([0.1, 0.2, 0.3, 0.4])
    x = D.RelaxedOneHotCategorical(0.7, probs=mg.tensor(p, device=device)).sample((N_DRAWS,))
    assert x.shape == (N_DRAWS, 4)
    xs = x.numpy()
    np.testing.assert_allclose(xs.sum(-1), 1.0, rtol=1e-5)
    freq = np.bincount(xs.argmax(-1), minlength=4) / N_DRAWS
    np.testing.assert_array_less(np.abs(freq - p), 6 * np.sqrt(p * (1 - p) / N_DRAWS))


def test_relaxed_shapes_dtypes_and_checks():
    d = D.RelaxedOneHotCategorical(mg.tensor(0.5), logits=mg.zeros(2, 3))
    assert d.batch_shape == (2,) and d.event_shape == (3,) and d.has_rsample
    assert d.rsample((4,)).shape == (4, 2, 3) and d.rsample().dtype == np.float32
    assert d.expand((5, 2)).rsample().shape == (5, 2, 3)
    b = D.RelaxedBernoulli(1.0, logits=mg.zeros(3))
    assert b.batch_shape == (3,) and b.rsample((2,)).dtype == np.float32 and b.expand((2, 3)).sample().shape == (2, 3)
    with pytest.raises(ValueError, match="RelaxedBernoulli: expected temperature > 0"):
        D.RelaxedBernoulli(0.0, probs=0.5)
    with pytest.raises(ValueError, match="Either `probs` or `logits` must be specified"):
        D.RelaxedBernoulli(1.0)
    with pytest.raises(ValueError, match=r"Expected value argument .* support \(Simplex\(\)\) of the distribution "
                                         "RelaxedOneHotCategorical"):
        d.log_prob(mg.tensor([0.5, 0.6, 0.1]))
    with pytest.raises(ValueError, match=r"Expected parameter probs .* RelaxedBernoulli\(probs: 1.5\)"):
        D.RelaxedBernoulli(1.0, probs=1.5)
