"""Samplers as torch.utils.data's: orders, lengths, errors' wording, seeding, weighted draws, resuming a loader."""
import numpy as np
import pytest

import minigan as mg
from minigan.utils.data import (BatchSampler, DataLoader, RandomSampler, SequentialSampler, SubsetRandomSampler,
                                TensorDataset, WeightedRandomSampler)


def test_sequential_and_batch_samplers_match_torch(torch):
    T = torch.utils.data
    assert list(SequentialSampler(range(6))) == list(T.SequentialSampler(range(6))) and len(SequentialSampler([1])) == 1
    for n, size, drop in [(10, 3, False), (10, 3, True), (9, 3, True), (2, 5, False), (2, 5, True), (0, 2, False)]:
        ours, theirs = BatchSampler(range(n), size, drop), T.BatchSampler(range(n), size, drop)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)
        assert list(BatchSampler(SequentialSampler(range(n)), size, drop)) == list(theirs)
    for args, error in [((range(3), 0, False), ValueError), ((range(3), True, False), ValueError),
                        ((range(3), 2.0, False), ValueError), ((range(3), 2, 1), ValueError)]:
        with pytest.raises(error) as theirs:
            T.BatchSampler(*args)
        with pytest.raises(error, match=str(theirs.value)):
            BatchSampler(*args)


def test_random_sampler_orders_and_lengths(torch):
    T = torch.utils.data
    perm = list(RandomSampler(range(10), generator=0))
    assert sorted(perm) == list(range(10)) and perm != list(range(10))
    long = list(RandomSampler(range(4), num_samples=10, generator=1))          # whole permutations, then part
    assert len(long) == 10 and sorted(long[:4]) == sorted(long[4:8]) == [0, 1, 2, 3] and len(set(long[8:])) == 2
    short = list(RandomSampler(range(10), num_samples=3, generator=2))
    assert len(short) == 3 and len(set(short)) == 3
    drawn = list(RandomSampler(range(3), replacement=True, num_samples=300, generator=3))
    assert len(drawn) == 300 and set(drawn) == {0, 1, 2}
    for kwargs in [dict(), dict(replacement=True, num_samples=7), dict(num_samples=2)]:
        assert len(RandomSampler(range(5), **kwargs)) == len(T.RandomSampler(range(5), **kwargs))
    for kwargs, error in [(dict(replacement=1), TypeError), (dict(num_samples=0), ValueError),
                          (dict(num_samples=2.5), ValueError)]:
        with pytest.raises(error) as theirs:
            T.RandomSampler(range(5), **kwargs)
        with pytest.raises(error, match=str(theirs.value)):
            RandomSampler(range(5), **kwargs)
    with pytest.raises(ValueError, match="num_samples should be a positive integer value, but got num_samples=0"):
        RandomSampler([])
    with pytest.raises(TypeError, match="RandomSampler: generator must be None"):
        RandomSampler(range(5), generator=-1)


def test_random_sampler_seeding():
    a = RandomSampler(range(20), generator=5)
    epochs = [list(a), list(a), list(a)]
    assert epochs[0] != epochs[1] != epochs[2]
    assert epochs == [np.random.default_rng([5, e]).permutation(20).tolist() for e in range(3)]
    a.set_epoch(1)
    assert list(a) == epochs[1] and list(RandomSampler(range(20), generator=5)) == epochs[0]
    b = RandomSampler(range(20), generator=np.random.default_rng(9))             # a generator's state moves on
    c = RandomSampler(range(20), generator=np.random.default_rng(9))
    assert list(b) == list(c) and list(b) != list(RandomSampler(range(20), generator=np.random.default_rng(9)))
    mg.manual_seed(3)
    first = [list(RandomSampler(range(20))) for _ in range(2)]
    mg.manual_seed(3)
    assert first == [list(RandomSampler(range(20))) for _ in range(2)] and first[0] != first[1]


def test_subset_random_sampler():
    s = SubsetRandomSampler([10, 20, 30, 40, 50], generator=0)
    one, two = list(s), list(s)
    assert sorted(one) == sorted(two) == [10, 20, 30, 40, 50] and one != two and len(s) == 5
    assert list(SubsetRandomSampler([10, 20, 30, 40, 50], generator=0)) == one


def test_weighted_sampler_frequencies_follow_the_weights():
    w = np.array([1.0, 2.0, 0.0, 5.0, 2.0])
    n = 200_000
    draws = np.array(list(WeightedRandomSampler(w, n, generator=0)))
    freq = np.bincount(draws, minlength=5) / n
    # a fixed seed makes this deterministic; 0.006 is over 5 standard deviations of a frequency at n = 200,000
    np.testing.assert_allclose(freq, w / w.sum(), atol=0.006)
    assert freq[2] == 0
    assert list(WeightedRandomSampler(w, 50, generator=4)) == list(WeightedRandomSampler(w, 50, generator=4))
    mg.manual_seed(1)
    first = list(WeightedRandomSampler(w, 50))
    mg.manual_seed(1)
    assert first == list(WeightedRandomSampler(w, 50))


def test_weighted_sampler_without_replacement_draws_in_sequence():
    w = np.array([1.0, 2.0, 3.0, 4.0])
    p = w / w.sum()
    gen = np.random.default_rng(7)
    s = WeightedRandomSampler(w, 2, replacement=False, generator=gen)
    pairs = np.array([list(s) for _ in range(40_000)])
    assert (pairs[:, 0] != pairs[:, 1]).all()
    first = np.bincount(pairs[:, 0], minlength=4) / len(pairs)
    second = np.bincount(pairs[:, 1], minlength=4) / len(pairs)
    expected_second = np.array([sum(p[i] * p[j] / (1 - p[i]) for i in range(4) if i != j) for j in range(4)])
    np.testing.assert_allclose(first, p, atol=0.012)           # > 5 standard deviations at 40,000 draws
    np.testing.assert_allclose(second, expected_second, atol=0.012)
    everything = list(WeightedRandomSampler([1.0, 0.0, 0.0, 3.0], 4, replacement=False, generator=0))
    assert sorted(everything[:2]) == [0, 3] and everything[2:] == [1, 2]    # weight 0 last, in order, as torch's


def test_weighted_sampler_matches_torch_where_deterministic(torch):
    T = torch.utils.data
    for args in [([0.0, 0.0, 5.0], 4), ([1.0, 0.0, 0.0], 3, False)]:
        assert list(WeightedRandomSampler(*args, generator=0)) == list(T.WeightedRandomSampler(*args))
    for args in [([1.0, 2.0], 3), ([1.0, 2.0], 2, False)]:
        assert len(WeightedRandomSampler(*args)) == len(T.WeightedRandomSampler(*args))
    for args in [([[1.0, 2.0]], 2), ([1.0, 2.0], 0), ([1.0, 2.0], True), ([1.0, 2.0], 2, 1)]:
        with pytest.raises(ValueError) as theirs:
            T.WeightedRandomSampler(*args)
        with pytest.raises(ValueError, match=str(theirs.value).replace("(", r"\(").replace(")", r"\)")):
            WeightedRandomSampler(*args)
    for args in [([-1.0, 2.0], 2), ([0.0, 0.0], 2), ([np.inf, 1.0], 2), ([1.0, 2.0], 3, False), ([-1.0, 2.0], 1, False),
                 ([np.nan, 1.0], 1, False), ([0.0, 0.0], 1, False)]:
        with pytest.raises(RuntimeError) as theirs:
            list(T.WeightedRandomSampler(*args))
        with pytest.raises(RuntimeError, match=str(theirs.value).replace("(", r"\(").replace(")", r"\)")):
            list(WeightedRandomSampler(*args))


def test_loader_shuffle_is_the_checkpointed_formula():
    """A checkpoint stores (seed, epoch, batch): the order of an epoch must stay default_rng([seed, e])'s."""
    images = np.arange(23)
    loader = DataLoader(images, batch_size=5, shuffle=True, drop_last=True, seed=8)
    for e in range(3):
        order = np.random.default_rng([8, e]).permutation(23)
        assert [b.numpy().tolist() for b in loader] == [order[i:i + 5].tolist() for i in range(0, 20, 5)]
        np.testing.assert_array_equal(loader.order(e), order)
    assert isinstance(loader.sampler, RandomSampler) and isinstance(loader.batch_sampler, BatchSampler)


@pytest.mark.parametrize("make", [
    lambda ds: dict(sampler=WeightedRandomSampler(np.linspace(1, 2, len(ds)), 9, generator=6), batch_size=2),
    lambda ds: dict(sampler=RandomSampler(ds, replacement=True, generator=2), batch_size=3),
    lambda ds: dict(batch_sampler=BatchSampler(SubsetRandomSampler(range(0, 11, 2), generator=1), 2, False)),
    lambda ds: dict(shuffle=True, seed=4, batch_size=4),
])
def test_resuming_a_loader_with_a_seeded_sampler_is_exact(make):
    ds = TensorDataset(np.arange(11) * 10, np.arange(11))

    def ids(loader, stop=None):
        out = []
        for i, (x, _) in enumerate(loader):
            out.append(x.numpy().tolist())
            if i == stop:
                break
        return out
    reference = DataLoader(ds, **make(ds))
    epochs = [ids(reference) for _ in range(3)]
    assert epochs[0] != epochs[1]
    run = DataLoader(ds, **make(ds))
    ids(run)
    assert ids(run, stop=1) == epochs[1][:2]
    state = run.state_dict()
    resumed = DataLoader(ds, **make(ds))
    resumed.load_state_dict(state)
    assert ids(resumed) == epochs[1][2:] and ids(resumed) == epochs[2]
