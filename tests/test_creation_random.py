"""Random draws (randperm, multinomial, normal, bernoulli, poisson) and the grids logspace, tril_indices and
triu_indices. The draws come from the device's seeded generator, so ``mg.manual_seed`` repeats them; their
distributions are checked statistically on fixed seeds (a test cannot flake: with one seed it always sees the
same numbers), with tolerances of several standard errors. Shapes, dtypes and errors as PyTorch's."""
import numpy as np
import pytest

import minigan as mg


def _twice(fn, seed=3):
    """``fn()`` twice from the same seed, and once from another: as host arrays."""
    out = []
    for s in (seed, seed, seed + 1):
        mg.manual_seed(s)
        out.append(fn().numpy())
    return out


DRAWS = {
    "randperm": lambda dev: mg.randperm(50, device=dev),
    "multinomial": lambda dev: mg.multinomial(mg.tensor([[1.0, 2.0, 0.0, 4.0]] * 3, device=dev), 3),
    "multinomial (replacement)": lambda dev: mg.multinomial(mg.tensor([1.0, 2.0, 3.0], device=dev), 40, True),
    "normal (tensors)": lambda dev: mg.normal(mg.zeros(20, device=dev), mg.ones(20, device=dev)),
    "normal (floats)": lambda dev: mg.normal(1.0, 2.0, (4, 5), device=dev),
    "bernoulli": lambda dev: mg.bernoulli(mg.full((40,), 0.5, device=dev)),
    "poisson": lambda dev: mg.poisson(mg.full((40,), 3.0, device=dev)),
}


@pytest.mark.parametrize("name", list(DRAWS))
def test_draws_repeat_under_manual_seed(device, name):
    a, b, c = _twice(lambda: DRAWS[name](device))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c), "another seed should give other draws"


def test_draws_have_no_graph():
    p = mg.tensor([0.2, 0.5, 0.3], requires_grad=True)
    for out in (mg.multinomial(p, 2), mg.bernoulli(p), mg.poisson(p), mg.normal(p, 1.0), mg.normal(0.0, p),
                mg.normal(p, p)):
        assert not out.requires_grad and out.grad_fn is None


# ----------------------------------------------------------------- randperm
def test_randperm_is_a_uniform_permutation(device):
    perms = np.stack([mg.randperm(3, device=device).numpy() for _ in range(6000)])
    assert (np.sort(perms, axis=1) == np.arange(3)).all()
    _, counts = np.unique(perms, axis=0, return_counts=True)
    assert len(counts) == 6 and np.abs(counts - 1000).max() < 120        # sd ~ 29 per count


def test_randperm_dtypes_and_errors(torch):
    for dtype, t_dtype in ((None, None), (mg.int32, torch.int32), (mg.float32, torch.float32)):
        kw, t_kw = ({}, {}) if dtype is None else ({"dtype": dtype}, {"dtype": t_dtype})
        assert mg.randperm(5, **kw).dtype == torch.randperm(5, **t_kw).numpy().dtype
    assert mg.randperm(0).shape == (0,)
    with pytest.raises(ValueError, match=r"randperm\(\): n must be non-negative, got -1"):
        mg.randperm(-1)
    with pytest.raises(TypeError, match=r"randperm\(\): n must be an int"):
        mg.randperm(3.5)
    with pytest.raises(TypeError, match=r"do not fit in dtype int8"):
        mg.randperm(300, dtype=np.int8)


# ----------------------------------------------------------------- multinomial
def test_multinomial_with_replacement_follows_the_weights(device):
    w = np.array([[1.0, 0.0, 3.0, 4.0], [5.0, 1.0, 0.0, 0.0]])
    draws = mg.multinomial(mg.tensor(w, device=device), 20000, replacement=True)
    assert draws.shape == (2, 20000) and draws.dtype == np.int64
    for row, weights in zip(draws.numpy(), w):
        freq = np.bincount(row, minlength=4) / row.size
        np.testing.assert_allclose(freq, weights / weights.sum(), atol=0.015)   # sd <= 0.0036
        assert freq[weights == 0].sum() == 0


def test_multinomial_without_replacement_draws_in_order_of_weight(device):
    w = mg.tensor([[1.0, 2.0, 3.0, 0.0]] * 6000, device=device)
    draws = mg.multinomial(w, 3).numpy()
    assert all(len(set(r)) == 3 for r in draws[:100]) and (draws != 3).all()   # no repeats, zero weight unused
    np.testing.assert_allclose(np.bincount(draws[:, 0], minlength=4) / 6000, [1 / 6, 2 / 6, 3 / 6, 0], atol=0.02)
    # the second draw given the first: after drawing 2 (weight 3), 0 and 1 remain with weights 1 : 2
    after_2 = draws[draws[:, 0] == 2, 1]
    np.testing.assert_allclose((after_2 == 1).mean(), 2 / 3, atol=0.03)


def test_multinomial_takes_zero_weights_last_as_torch(torch):
    out = mg.multinomial(mg.tensor([0.0, 1.0, 0.0, 2.0]), 4).numpy()
    assert sorted(out[:2]) == [1, 3] and sorted(out[2:]) == [0, 2]
    assert torch.multinomial(torch.tensor([1.0, 0.0]), 2).tolist() == mg.multinomial(mg.tensor([1.0, 0.0]), 2).tolist()
    assert mg.multinomial(mg.zeros(0, 3), 2).shape == tuple(torch.multinomial(torch.zeros(0, 3), 2).shape)


@pytest.mark.parametrize("p, n, replacement, error, match", [
    ([1.0, -1.0], 1, False, ValueError, r"contains either `inf`, `nan` or element < 0"),
    ([1.0, float("inf")], 1, True, ValueError, r"contains either `inf`, `nan` or element < 0"),
    ([1.0, float("nan")], 1, False, ValueError, r"contains either `inf`, `nan` or element < 0"),
    ([[1.0, 2.0], [0.0, 0.0]], 1, True, ValueError, r"sum of probabilities <= 0"),
    ([[[1.0, 2.0]]], 1, False, ValueError, r"prob_dist must be 1 or 2 dim"),
    ([1.0, 2.0], 0, False, ValueError, r"cannot sample n_sample <= 0 samples"),
    ([1.0, 2.0], 3, False, ValueError, r"cannot sample n_sample > prob_dist.size\(-1\) samples without replacement"),
    (np.array([1, 2]), 1, False, TypeError, r"multinomial\(\): expected a floating-point input, got dtype int64"),
])
def test_multinomial_errors_as_torch(torch, p, n, replacement, error, match):
    with pytest.raises(error, match=match):
        mg.multinomial(mg.tensor(p), n, replacement)
    with pytest.raises(RuntimeError):                         # torch refuses the same input
        torch.multinomial(torch.tensor(p), n, replacement)


# ----------------------------------------------------------------- normal
def test_normal_forms_shapes_and_dtypes_as_torch(torch):
    f64 = np.float64
    cases = [
        (lambda lib: lib.normal(lib.zeros(2, 3), lib.ones(3))),
        (lambda lib: lib.normal(lib.zeros(2, 3, dtype=getattr(lib, "float64")), lib.ones(3))),
        (lambda lib: lib.normal(lib.zeros(3), lib.ones(2, 1, dtype=getattr(lib, "float64")))),
        (lambda lib: lib.normal(lib.zeros(2, 3), 2.0)),
        (lambda lib: lib.normal(0.0, lib.ones(4, dtype=getattr(lib, "float64")))),
        (lambda lib: lib.normal(0.0, 1.0, (2, 3))),
        (lambda lib: lib.normal(0.0, 1.0, size=(2,), dtype=getattr(lib, "float64"))),
        (lambda lib: lib.normal(lib.tensor(0.0), lib.tensor(1.0))),
    ]
    for make in cases:
        ours, theirs = make(mg), make(torch)
        assert ours.shape == tuple(theirs.shape) and ours.dtype == theirs.numpy().dtype
    assert mg.normal(mg.zeros(2), 1.0).dtype == np.float32 and mg.normal(mg.zeros(2, dtype=f64)).dtype == f64


def test_normal_has_the_asked_mean_and_spread(device):
    mean = mg.tensor(np.array([0.0, 10.0, -3.0]), device=device)
    std = mg.tensor(np.array([1.0, 3.0]).reshape(2, 1, 1) * np.ones((2, 20000, 1)), device=device)
    x = mg.normal(mean, std).numpy()                                  # (2, 20000, 3)
    np.testing.assert_allclose(x.mean(axis=1), np.broadcast_to(mean.numpy(), (2, 3)), atol=0.1)   # sd <= 0.022
    np.testing.assert_allclose(x.std(axis=1), [[1.0] * 3, [3.0] * 3], rtol=0.03)
    y = mg.normal(5.0, 0.5, (40000,), device=device).numpy()
    assert abs(y.mean() - 5.0) < 0.02 and abs(y.std() - 0.5) < 0.01
    assert (mg.normal(mg.ones(5, device=device), 0.0).numpy() == 1.0).all()


def test_normal_errors():
    with pytest.raises(ValueError, match=r"normal\(\): expects all elements of std >= 0.0"):
        mg.normal(mg.zeros(2), mg.tensor([1.0, -1.0]))
    with pytest.raises(ValueError, match=r"normal\(\): expects std >= 0.0, but found std -1"):
        mg.normal(mg.zeros(2), -1.0)
    with pytest.raises(ValueError, match=r"expects std >= 0.0, but found std nan"):
        mg.normal(0.0, float("nan"), (2,))
    with pytest.raises(TypeError, match=r"normal\(\): with a float mean and std, give the size"):
        mg.normal(0.0, 1.0)
    with pytest.raises(TypeError, match=r"size goes with a float mean and std only"):
        mg.normal(mg.zeros(2), mg.ones(2), (2,))
    with pytest.raises(ValueError, match=r"mean of shape \(2, 3\) and std of shape \(4,\) do not broadcast"):
        mg.normal(mg.zeros(2, 3), mg.ones(4))
    with pytest.raises(TypeError, match=r"normal\(\): expected a floating-point mean, got dtype int64"):
        mg.normal(mg.tensor([1, 2]), 1.0)


# ----------------------------------------------------------------- bernoulli and poisson
def test_bernoulli_frequencies_follow_the_probabilities(device):
    p = np.array([0.0, 0.1, 0.5, 0.9, 1.0])
    x = mg.bernoulli(mg.tensor(np.tile(p, (20000, 1)), device=device)).numpy()
    assert x.dtype == np.float64 and set(np.unique(x)) <= {0.0, 1.0}
    np.testing.assert_allclose(x.mean(axis=0), p, atol=0.012)               # sd <= 0.0036
    assert x[:, 0].sum() == 0 and x[:, 4].all()
    y = mg.bernoulli(mg.zeros(40000, device=device), 0.25)                 # p given: the input gives the shape
    assert y.dtype == np.float32 and abs(y.numpy().mean() - 0.25) < 0.01
    mg.manual_seed(5)
    a = mg.tensor([0.3, 0.7]).bernoulli()
    mg.manual_seed(5)
    np.testing.assert_array_equal(a.numpy(), mg.bernoulli(mg.tensor([0.3, 0.7])).numpy())


def test_bernoulli_errors():
    for bad in ([1.5], [-0.5], [float("nan")]):
        with pytest.raises(ValueError, match=r"bernoulli\(\): expected every probability in \[0, 1\]"):
            mg.bernoulli(mg.tensor(bad))
    with pytest.raises(ValueError, match=r"got p = 2"):
        mg.bernoulli(mg.zeros(2), 2)
    with pytest.raises(TypeError, match=r"bernoulli\(\): expected a floating-point input, got dtype int64"):
        mg.bernoulli(mg.tensor([0, 1]))


def test_poisson_mean_and_variance_are_the_rate(device):
    rates = np.array([0.0, 0.5, 4.0, 30.0])
    x = mg.poisson(mg.tensor(np.tile(rates, (20000, 1)), device=device)).numpy()
    assert x.dtype == np.float64 and (x == np.round(x)).all() and (x >= 0).all()
    np.testing.assert_allclose(x.mean(axis=0), rates, atol=0.12)            # sd <= 0.04
    np.testing.assert_allclose(x.var(axis=0), rates, atol=0.1, rtol=0.05)
    assert (x[:, 0] == 0).all()
    assert mg.poisson(mg.tensor(3.0)).shape == () and mg.poisson(mg.ones(3)).dtype == np.float32


def test_poisson_errors():
    for bad in ([-1.0], [float("nan")]):
        with pytest.raises(ValueError, match=r"poisson\(\): invalid Poisson rate, expected rate to be non-negative"):
            mg.poisson(mg.tensor(bad))
    with pytest.raises(TypeError, match=r"poisson\(\): expected a floating-point input"):
        mg.poisson(mg.tensor([1, 2]))


def test_multinomial_method_is_the_function():
    p = mg.tensor([0.2, 0.3, 0.5])
    mg.manual_seed(2)
    a = p.multinomial(2)
    mg.manual_seed(2)
    assert a.tolist() == mg.multinomial(p, 2).tolist()


# ----------------------------------------------------------------- logspace and the triangles' indices
@pytest.mark.parametrize("args, kwargs", [
    ((0, 2, 3), {}), ((0, 2, 3), {"base": 2}), ((-1, 2, 4, 10.0), {}), ((0, 1, 5), {}), ((0, 2, 0), {}),
    ((0, 2, 1), {}), ((0, 2, 3), {"base": -2}), ((2.5, -1.5, 6), {"base": 3.0}),
    ((0, 2, 3), {"dtype": "int64"}), ((0, 3, 7), {"base": 2, "dtype": "int64"}),
    ((0.5, 3.5, 4), {"base": 2, "dtype": "int64"}), ((0, -3, 4), {"dtype": "int64"}),
    ((0, 3, 4), {"dtype": "int32"}), ((-1, 2, 4), {"dtype": "float64"}),
])
def test_logspace_matches_torch(torch, args, kwargs):
    dtype = kwargs.pop("dtype", None)
    ours = mg.logspace(*args, **kwargs, **({} if dtype is None else {"dtype": np.dtype(dtype)}))
    theirs = torch.logspace(*args, **kwargs, **({} if dtype is None else {"dtype": getattr(torch, dtype)}))
    assert ours.dtype == theirs.numpy().dtype and ours.shape == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


def test_logspace_refuses_negative_steps():
    with pytest.raises(ValueError, match=r"logspace\(\): number of steps must be non-negative, got -1"):
        mg.logspace(0, 2, -1)


@pytest.mark.parametrize("row, col", [(3, 3), (3, 4), (4, 2), (0, 3), (1, 1), (5, 0)])
def test_triangle_indices_match_torch(torch, device, row, col):
    for offset in range(-6, 7):
        for ours, theirs in ((mg.tril_indices(row, col, offset, device=device), torch.tril_indices(row, col, offset)),
                             (mg.triu_indices(row, col, offset, device=device), torch.triu_indices(row, col, offset))):
            assert ours.dtype == np.int64 and ours.shape == tuple(theirs.shape)
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_triangle_indices_read_what_tril_keeps():
    x = mg.tensor(np.arange(12.0).reshape(3, 4))
    i, j = mg.tril_indices(3, 4, 1)
    assert mg.tril(x, 1)[i, j].tolist() == x[i, j].tolist() and mg.tril(x, 1).sum().item() == x[i, j].sum().item()
    assert mg.triu_indices(3, 4, dtype=np.int32).dtype == np.int32


def test_triangle_indices_errors():
    with pytest.raises(ValueError, match=r"tril_indices\(\): row must be non-negative, got -1"):
        mg.tril_indices(-1, 4)
    with pytest.raises(ValueError, match=r"triu_indices\(\): col must be non-negative, got -4"):
        mg.triu_indices(3, -4)
    with pytest.raises(TypeError, match=r"triu_indices\(\): indices need an integer dtype, got float32"):
        mg.triu_indices(3, 4, dtype=np.float32)
