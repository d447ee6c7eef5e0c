"""Poisson, Geometric and Binomial against torch.distributions (log_prob, entropy, moments: values and
gradients, float64), gradchecks on every device, frequencies of 10^5 draws and errors; and the KL closed forms of
the gamma family and the counts against torch.distributions.kl_divergence, with gradchecks."""
import numpy as np
import pytest

import minigan as mg
import minigan.distributions as D

from helpers import assert_count_draws, check_grad, compare_with_torch, tensors

N_DRAWS = 100_000
RATES = np.random.default_rng(1).uniform(0.3, 6.0, (3, 4))
COUNTS = np.random.default_rng(2).integers(0, 9, (2, 3, 4)).astype(np.float64)
PROBS = np.random.default_rng(3).uniform(0.1, 0.9, (3, 4))
LOGITS = np.random.default_rng(4).normal(0.0, 1.5, (3, 4))
N_TRIALS = 8.0


def _make(lib, name, kind, param):
    if name == "Poisson":
        return lib.Poisson(param)
    if name == "Geometric":
        return lib.Geometric(**{kind: param})
    return lib.Binomial(N_TRIALS, **{kind: param})


CASES = [("Poisson", "rate", RATES), ("Geometric", "probs", PROBS), ("Geometric", "logits", LOGITS),
         ("Binomial", "probs", PROBS), ("Binomial", "logits", LOGITS)]


@pytest.mark.parametrize("what", ["log_prob", "mean", "variance", "entropy"])
@pytest.mark.parametrize("name, kind, param", CASES)
def test_counts_match_torch(torch, name, kind, param, what):
    if what == "entropy" and name == "Poisson":
        pytest.skip("Poisson has no entropy (nor has torch's)")

    def get(d, v):
        return d.log_prob(v) if what == "log_prob" else d.entropy() if what == "entropy" else getattr(d, what)
    compare_with_torch(torch, lambda a, v: get(_make(D, name, kind, a), v),
                       lambda a, v: get(_make(torch.distributions, name, kind, a), v), [param, COUNTS])


@pytest.mark.parametrize("name, kind, param", CASES)
def test_counts_mode_and_probs_logits_match_torch(torch, name, kind, param):
    ours, theirs = _make(D, name, kind, mg.tensor(param)), _make(torch.distributions, name, kind, torch.tensor(param))
    np.testing.assert_array_equal(ours.mode.numpy(), theirs.mode.numpy())
    for attr in ("probs", "logits") if name != "Poisson" else ():
        np.testing.assert_allclose(getattr(ours, attr).numpy(), getattr(theirs, attr).numpy(), rtol=1e-12)


def test_edge_parameters_as_torch(torch):
    k = np.array([0.0, 0.0, 3.0])
    ours = D.Poisson(mg.tensor([0.0, 2.0, 0.5])).log_prob(mg.tensor(k)).numpy()
    theirs = torch.distributions.Poisson(torch.tensor([0.0, 2.0, 0.5])).log_prob(torch.tensor(k)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    assert ours[0] == 0.0
    ours = D.Geometric(mg.tensor([1.0, 0.5, 1.0])).log_prob(mg.tensor(k)).numpy()
    theirs = torch.distributions.Geometric(torch.tensor([1.0, 0.5, 1.0])).log_prob(torch.tensor(k)).numpy()
    np.testing.assert_array_equal(ours, theirs)
    assert ours[0] == 0.0 and ours[2] == -np.inf


@pytest.mark.parametrize("name, kind, param", CASES)
def test_counts_gradcheck(device, name, kind, param):
    v = mg.tensor(COUNTS, device=device)                  # counts are constants: they cannot be perturbed
    check_grad(lambda a: _make(D, name, kind, a).log_prob(v), param, device=device)
    check_grad(lambda a: _make(D, name, kind, a).variance, param, device=device)
    if name != "Poisson":
        check_grad(lambda a: _make(D, name, kind, a).entropy(), param, device=device)


@pytest.mark.parametrize("name, params", [("Poisson", np.array([0.2, 3.0, 40.0])),
                                          ("Geometric", np.array([0.05, 0.4, 0.95])),
                                          ("Binomial", np.array([0.02, 0.5, 0.9]))])
def test_sample_frequencies_shape_and_dtype(device, name, params):
    d = _make(D, name, "probs", mg.tensor(params, device=device, requires_grad=True))
    mg.manual_seed(9)
    x = d.sample((N_DRAWS,))
    assert_count_draws(d, x, device)
    assert _make(D, name, "probs", mg.tensor(params.astype(np.float32))).sample((2,)).dtype == np.float32


def test_binomial_enumerate_support_entropy_and_inhomogeneous_counts(torch):
    ours = D.Binomial(mg.tensor([3.0, 3.0]), mg.tensor([0.2, 0.7]))
    theirs = torch.distributions.Binomial(torch.tensor([3.0, 3.0]), torch.tensor([0.2, 0.7]))
    for expand in (True, False):
        np.testing.assert_array_equal(ours.enumerate_support(expand).numpy(), theirs.enumerate_support(expand).numpy())
    uneven = D.Binomial(mg.tensor([2.0, 3.0]), mg.tensor([0.2, 0.7]))
    for call in (uneven.entropy, uneven.enumerate_support):
        with pytest.raises(NotImplementedError, match="Inhomogeneous total count"):
            call()
    with pytest.raises(ValueError, match="support"):
        uneven.log_prob(mg.tensor([3.0, 1.0]))


def test_count_errors():
    with pytest.raises(ValueError, match=r"Expected parameter rate .*GreaterThanEq\(lower_bound=0.0\)"):
        D.Poisson(mg.tensor([-1.0]))
    with pytest.raises(ValueError, match="to be positive"):
        D.Geometric(mg.tensor([0.0, 0.5]))
    with pytest.raises(ValueError, match="Either `probs` or `logits`"):
        D.Binomial(3, probs=0.5, logits=0.0)
    with pytest.raises(ValueError, match=r"total_count .*IntegerGreaterThan\(lower_bound=0\)"):
        D.Binomial(2.5, probs=0.5)
    with pytest.raises(ValueError, match="support"):
        D.Poisson(2.0).log_prob(mg.tensor([1.5]))


# ----------------------------------------------------------------- kl_divergence
def _pos(*shape, seed):
    return np.random.default_rng(seed).uniform(0.5, 3.0, shape)


KL_PAIRS = {   # name: (family, how many arrays belong to p, arrays of p then q): p's batch (3, 1) meets q's (4,)
    "Gamma": (lambda lib, *a: lib.Gamma(*a), 2, [_pos(3, 1, seed=1), _pos(3, 1, seed=2), _pos(4, seed=3),
                                               _pos(4, seed=4)]),
    "Chi2": (lambda lib, *a: lib.Chi2(*a), 1, [_pos(3, 1, seed=1), _pos(4, seed=2)]),
    "Beta": (lambda lib, *a: lib.Beta(*a), 2, [_pos(3, 1, seed=1), _pos(3, 1, seed=2), _pos(4, seed=3),
                                             _pos(4, seed=4)]),
    "Dirichlet": (lambda lib, *a: lib.Dirichlet(*a), 1, [_pos(3, 1, 5, seed=1), _pos(4, 5, seed=2)]),
    "Poisson": (lambda lib, *a: lib.Poisson(*a), 1, [_pos(3, 1, seed=1), _pos(4, seed=2)]),
    "Geometric": (lambda lib, *a: lib.Geometric(*a), 1, [PROBS[:, :1], PROBS[0]]),
    "GeometricLogits": (lambda lib, *a: lib.Geometric(logits=a[0]), 1, [LOGITS[:, :1], LOGITS[1]]),
    "Binomial": (lambda lib, *a: lib.Binomial(5, *a), 1, [PROBS, PROBS[::-1].copy()]),
    "BinomialLogits": (lambda lib, *a: lib.Binomial(5, logits=a[0]), 1, [LOGITS, LOGITS[::-1].copy()]),
}
MIXED = {  # (p, q) of different families: (make p, make q, arrays of p, arrays of q)
    "ExponentialGamma": (lambda lib, r: lib.Exponential(r), lambda lib, a, r: lib.Gamma(a, r),
                         [_pos(3, 1, seed=1)], [_pos(4, seed=2), _pos(4, seed=3)]),
    "GammaExponential": (lambda lib, a, r: lib.Gamma(a, r), lambda lib, r: lib.Exponential(r),
                         [_pos(3, 1, seed=1), _pos(3, 1, seed=2)], [_pos(4, seed=3)]),
}


def _kl(lib, name, *arrays):
    if name in MIXED:
        mp, mq, ap, _ = MIXED[name]
        return lib.kl_divergence(mp(lib, *arrays[:len(ap)]), mq(lib, *arrays[len(ap):]))
    make, k, _ = KL_PAIRS[name]
    return lib.kl_divergence(make(lib, *arrays[:k]), make(lib, *arrays[k:]))


def _arrays(name):
    return MIXED[name][2] + MIXED[name][3] if name in MIXED else KL_PAIRS[name][2]


@pytest.mark.parametrize("name", list(KL_PAIRS) + list(MIXED))
def test_kl_matches_torch(torch, name):
    compare_with_torch(torch, lambda *a: _kl(D, name, *a), lambda *a: _kl(torch.distributions, name, *a),
                       _arrays(name))


@pytest.mark.parametrize("name", list(KL_PAIRS) + list(MIXED))
def test_kl_gradcheck_and_zero_at_equal_arguments(device, name):
    check_grad(lambda *a: _kl(D, name, *a), *_arrays(name), device=device)
    if name not in MIXED:
        _, k, arrays = KL_PAIRS[name]
        same = _kl(D, name, *tensors(device, *arrays[:k], *arrays[:k], requires_grad=False)).numpy()
        np.testing.assert_allclose(same, 0.0, atol=1e-12)


def test_binomial_kl_counts_as_torch():
    p = D.Binomial(mg.tensor([5.0, 6.0]), mg.tensor([0.3, 0.3]))
    q = D.Binomial(mg.tensor([5.0, 5.0]), mg.tensor([0.4, 0.4]))
    kl = D.kl_divergence(p, q).numpy()
    assert np.isfinite(kl[0]) and kl[1] == np.inf
    with pytest.raises(NotImplementedError, match="q.total_count > p.total_count"):
        D.kl_divergence(q, p)
