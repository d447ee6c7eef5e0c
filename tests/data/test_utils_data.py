"""minigan.utils.data as torch.utils.data: datasets, default_collate, the DataLoader's arguments and batches."""
import collections
import warnings
from unittest import mock

import numpy as np
import pytest

import minigan as mg
import minigan.data as data
from minigan.utils.data import (ChainDataset, ConcatDataset, DataLoader, Dataset, IterableDataset, Subset,
                                TensorDataset, default_collate, default_convert, get_worker_info, random_split)

Point = collections.namedtuple("Point", "x y")


def show(obj):
    """A batch as plain values: containers by type name, Tensors (either library's) as (dtype, values)."""
    if isinstance(obj, dict):
        return ("dict", {k: show(v) for k, v in obj.items()})
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return (type(obj).__name__, [show(v) for v in obj])
    if isinstance(obj, (list, tuple)):
        return (type(obj).__name__, [show(v) for v in obj])
    if hasattr(obj, "numpy"):
        return (str(obj.dtype).replace("torch.", ""), tuple(obj.shape), obj.numpy().tolist())
    return obj


def items(n=5):
    return [{"image": np.arange(6, dtype=np.float32).reshape(2, 3) + i, "label": i, "score": 0.25 * i,
             "name": f"item{i}", "pair": (np.int32(i), i % 2 == 0), "point": Point(np.float64(i), [i, -i]),
             "flag": np.bool_(i > 2), "byte": np.uint8(i)} for i in range(n)]


class Squares(Dataset):
    def __len__(self):
        return 7

    def __getitem__(self, i):
        return np.float32(i), i * i


def stream_class(base):
    """A stream ``0..n-1`` on either library's IterableDataset."""
    class Stream(base):
        def __init__(self, n, with_len=True):
            self.n, self.with_len = n, with_len

        def __iter__(self):
            return iter(range(self.n))

        def __len__(self):
            if not self.with_len:
                raise TypeError("Stream has no length")
            return self.n
    return Stream


Stream = stream_class(IterableDataset)


def test_names_are_torch_utils_data_names(torch):
    import torch.utils.data as T
    import minigan.utils.data as U
    for name in U.__all__:
        assert hasattr(T, name), name
        assert getattr(data, name) is getattr(U, name)
    assert mg.utils.data is U and get_worker_info() is None is T.get_worker_info()


@pytest.mark.parametrize("batch_size, drop_last", [(2, False), (2, True), (5, False), (1, False)])
def test_default_collate_matches_torch(torch, batch_size, drop_last):
    ours = DataLoader(items(), batch_size=batch_size, drop_last=drop_last)
    theirs = torch.utils.data.DataLoader(items(), batch_size=batch_size, drop_last=drop_last)
    assert len(ours) == len(theirs)
    assert [show(b) for b in ours] == [show(b) for b in theirs]
    first = next(iter(ours))
    assert first["score"].dtype == np.float64 and first["label"].dtype == np.int64      # numbers as torch's
    assert first["pair"][0].dtype == np.int32 and first["pair"][1].dtype == np.bool_
    assert isinstance(first["pair"], list) and isinstance(first["point"], Point)          # a tuple becomes a list


def test_collate_of_numbers_tensors_and_lists(torch):
    cases = [[1, 2, 3], [1.5, 2, 3], [True, False], [1, 2.5], [np.float32(1), np.float64(2)], ["a", "b"],
             [[1, 2], [3, 4]], [(1, 2.0), (3, 4.0)], [np.zeros((2, 0)), np.ones((2, 0))], [b"x", b"y"]]
    for batch in cases:
        assert show(default_collate(batch)) == show(torch.utils.data.default_collate(batch)), batch
    tensors = [mg.tensor(np.arange(3, dtype=np.float32) * i) for i in range(4)]
    out = default_collate(tensors)
    assert isinstance(out, mg.Tensor) and out.shape == (4, 3) and out.dtype == np.float32
    np.testing.assert_array_equal(out.numpy(), np.stack([t.numpy() for t in tensors]))
    for sample in [np.arange(3), (np.arange(2), 1, "s"), {"a": np.float32(1), "b": [np.arange(2)]}, 5, Point(1, 2)]:
        assert show(default_convert(sample)) == show(torch.utils.data.default_convert(sample))


def test_collate_errors_as_torch(torch):
    bad = [([np.array(["a"]), np.array(["b"])], TypeError, "batch must contain tensors, numpy arrays, numbers"),
           ([None, None], TypeError, "found <class 'NoneType'>"),
           ([[1, 2], [3]], RuntimeError, "each element in list of batch should be of equal size"),
           ([np.zeros(3), np.zeros(2)], RuntimeError, "stack expects each tensor to be equal size")]
    for batch, error, words in bad:
        with pytest.raises(error, match=words):
            default_collate(batch)
        with pytest.raises(error, match=words):
            torch.utils.data.default_collate(batch)


def test_plain_datasets_lists_and_iterables_match_torch(torch):
    T = torch.utils.data
    TStream = stream_class(T.IterableDataset)
    for ours, theirs in [(DataLoader(Squares(), batch_size=3), T.DataLoader(Squares(), batch_size=3)),
                         (DataLoader(list(range(10)), batch_size=4, drop_last=True),
                          T.DataLoader(list(range(10)), batch_size=4, drop_last=True)),
                         (DataLoader(Squares(), batch_size=None), T.DataLoader(Squares(), batch_size=None)),
                         (DataLoader(Stream(7), batch_size=3), T.DataLoader(TStream(7), batch_size=3)),
                         (DataLoader(Stream(7), batch_size=3, drop_last=True),
                          T.DataLoader(TStream(7), batch_size=3, drop_last=True)),
                         (DataLoader(Stream(4), batch_size=None), T.DataLoader(TStream(4), batch_size=None)),
                         (DataLoader(Stream(3) + Stream(2), batch_size=2), T.DataLoader(TStream(3) + TStream(2),
                                                                                        batch_size=2))]:
        assert len(ours) == len(theirs)
        assert [show(b) for b in ours] == [show(b) for b in theirs]
    endless = DataLoader(Stream(5, with_len=False), batch_size=2)
    assert [b.numpy().tolist() for b in endless] == [[0, 1], [2, 3], [4]]
    with pytest.raises(TypeError, match="no length"):
        len(endless)


def test_tensor_dataset_items_and_batches_match_torch(torch):
    x, y = np.random.default_rng(0).standard_normal((9, 2, 3)).astype(np.float32), np.arange(9)
    ours, theirs = TensorDataset(mg.tensor(x), y), torch.utils.data.TensorDataset(torch.tensor(x), torch.tensor(y))
    assert len(ours) == len(theirs) == 9
    xi, yi = ours[4]
    assert isinstance(xi, mg.Tensor) and xi.shape == (2, 3) and not isinstance(yi, mg.Tensor) and yi == 4
    for kwargs in [dict(batch_size=4), dict(batch_size=4, drop_last=True), dict()]:
        got = [show(b) for b in DataLoader(ours, **kwargs)]
        assert got == [show(b) for b in torch.utils.data.DataLoader(theirs, **kwargs)]
    assert isinstance(next(iter(DataLoader(ours, batch_size=2))), list)
    with pytest.raises(ValueError, match="Size mismatch between tensors"):
        TensorDataset(np.zeros((3, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="at least one"):
        TensorDataset()


def test_tensor_dataset_batches_are_cut_with_one_fancy_index(device):
    x = np.random.default_rng(1).standard_normal((11, 3)).astype(np.float32)
    y = np.arange(11) % 3
    ds = TensorDataset(x, y)
    train, val = random_split(ds, [8, 3], generator=0)
    slow = lambda batch: default_collate(batch)                     # a collate_fn of its own: item by item
    with mock.patch.object(TensorDataset, "__getitem__", side_effect=AssertionError("fetched item by item")):
        fast = [show(b) for b in DataLoader(train, batch_size=3, device=device)]
        fast_ds = [show(b) for b in DataLoader(ds, batch_size=4, shuffle=True, seed=2, device=device)]
    assert fast == [show(b) for b in DataLoader(train, batch_size=3, collate_fn=slow, device=device)]
    assert fast_ds == [show(b) for b in DataLoader(ds, batch_size=4, shuffle=True, seed=2, collate_fn=slow)]
    xb, yb = next(iter(DataLoader(Subset(train, [2, -1]), batch_size=2, device=device)))
    assert xb.device == device and yb.device == device
    np.testing.assert_array_equal(xb.numpy(), x[[train.indices[2], train.indices[-1]]])

    class Doubled(TensorDataset):                                   # its own items: the loader must use them
        def __getitem__(self, i):
            a, b = super().__getitem__(i)
            return 2 * a, b
    xb, _ = next(iter(DataLoader(Doubled(x, y), batch_size=5)))
    np.testing.assert_allclose(xb.numpy(), 2 * x[:5])


def test_batches_of_collated_items_go_to_the_device(device):
    loader = DataLoader(items(4), batch_size=2, device=device)
    batch = next(iter(loader))
    assert batch["image"].device == device and batch["pair"][0].device == device and batch["name"] == ["item0",
                                                                                                       "item1"]
    keep = DataLoader(items(4), batch_size=2, collate_fn=lambda b: [item["label"] for item in b])
    assert list(keep) == [[0, 1], [2, 3]]


def test_loader_argument_checks_as_torch(torch):
    T = torch.utils.data
    sampler = data.SequentialSampler(range(4))
    bad = [dict(sampler=sampler, shuffle=True), dict(batch_sampler=[[0, 1]], batch_size=2),
           dict(batch_sampler=[[0, 1]], drop_last=True), dict(batch_sampler=[[0, 1]], sampler=sampler),
           dict(batch_size=None, drop_last=True), dict(num_workers=-1), dict(batch_size=0),
           dict(persistent_workers=True), dict(timeout=-1)]
    for kwargs in bad:
        with pytest.raises(ValueError) as theirs:
            T.DataLoader(list(range(4)), **kwargs)
        with pytest.raises(ValueError) as ours:
            DataLoader(list(range(4)), **kwargs)
        assert str(theirs.value) in str(ours.value), kwargs
    for kwargs in [dict(shuffle=True), dict(sampler=[0, 1]), dict(batch_sampler=[[0]])]:
        with pytest.raises(ValueError, match="DataLoader with IterableDataset: expected unspecified"):
            DataLoader(Stream(3), **kwargs)
        with pytest.raises(ValueError, match="DataLoader with IterableDataset: expected unspecified"):
            T.DataLoader(stream_class(T.IterableDataset)(3), **kwargs)
    with pytest.raises(ValueError, match="prefetch_factor option could only be specified in multiprocessing"):
        DataLoader(list(range(4)), prefetch_factor=2)
    loader = DataLoader(list(range(4)), batch_size=2)
    with pytest.raises(ValueError, match="batch_size attribute should not be set after DataLoader is initialized"):
        loader.batch_size = 3
    with pytest.raises(TypeError, match="expected arrays, Tensors or a dataset, got int"):
        DataLoader(42)


def test_workers_and_pinning_are_accepted_and_ignored():
    plain = [b.numpy().tolist() for b in DataLoader(np.arange(10), 4, shuffle=True, seed=3)]
    busy = DataLoader(np.arange(10), 4, shuffle=True, seed=3, num_workers=4, pin_memory=True, prefetch_factor=2,
                      persistent_workers=True, worker_init_fn=lambda worker: 1 / 0)
    assert [b.numpy().tolist() for b in busy] == plain


def test_custom_batch_sampler_and_sampler():
    loader = DataLoader(list(range(10)), batch_sampler=[[3, 1], [0], [9, 8, 7]])
    assert loader.batch_size is None and len(loader) == 3
    assert [b.numpy().tolist() for b in loader] == [[3, 1], [0], [9, 8, 7]]
    loader = DataLoader(np.arange(10) * 10, sampler=[9, 0, 5], batch_size=2)
    assert [b.numpy().tolist() for b in loader] == [[90, 0], [50]]


def test_subset_and_concat_datasets_match_torch(torch):
    T = torch.utils.data
    a, b = Squares(), list(range(100, 103))
    ours, theirs = ConcatDataset([a, b]), T.ConcatDataset([Squares(), b])
    assert len(ours) == len(theirs) == 10 and ours.cumulative_sizes == theirs.cumulative_sizes
    for i in [0, 6, 7, 9, -1, -10]:
        assert show(ours[i]) == show(theirs[i])
    assert len(a + a) == 14 and isinstance(a + a, ConcatDataset)
    with pytest.raises(ValueError, match="absolute value of index should not exceed dataset length"):
        ours[-11]
    with pytest.raises(IndexError, match="out of range"):
        ours[10]
    with pytest.raises(ValueError, match="datasets should not be an empty iterable"):
        ConcatDataset([])
    with pytest.raises(TypeError, match="ConcatDataset does not support IterableDataset"):
        ConcatDataset([Stream(2)])
    sub = Subset(b, [2, 0])
    assert len(sub) == 2 and sub[0] == 102 and sub.__getitems__([1, 0]) == [100, 102]
    assert isinstance(Stream(2) + Stream(3), ChainDataset) and list(Stream(2) + Stream(3)) == [0, 1, 0, 1, 2]
    with pytest.raises(NotImplementedError, match="should implement __getitem__"):
        Dataset()[0]


@pytest.mark.parametrize("n, lengths", [(10, [3, 7]), (10, [0.3, 0.7]), (10, [0.33, 0.33, 0.34]), (7, [0.5, 0.5]),
                                        (30, [0.1] * 10), (5, [1.0]), (3, [0.5, 0.5, 0.0]), (0, [0, 0])])
def test_random_split_sizes_match_torch(torch, n, lengths):
    with warnings.catch_warnings(record=True) as ours_w:
        warnings.simplefilter("always")
        ours = random_split(range(n), lengths, generator=0)
    with warnings.catch_warnings(record=True) as theirs_w:
        warnings.simplefilter("always")
        theirs = torch.utils.data.random_split(range(n), lengths, generator=torch.Generator().manual_seed(0))
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    assert [str(w.message) for w in ours_w] == [str(w.message) for w in theirs_w]
    assert sorted(i for s in ours for i in s) == list(range(n))                 # disjoint, covering everything


def test_random_split_is_seeded_and_checks_lengths(torch):
    seeded = [list(s) for s in random_split(range(20), [5, 15], generator=4)]
    assert seeded == [list(s) for s in random_split(range(20), [5, 15], generator=4)]
    order = np.random.default_rng(4).permutation(20).tolist()
    assert seeded == [order[:5], order[5:]]
    assert seeded != [list(s) for s in random_split(range(20), [5, 15], generator=5)]
    gen = [list(s) for s in random_split(range(20), [5, 15], generator=np.random.default_rng(4))]
    assert gen == seeded
    mg.manual_seed(11)
    first = [list(s) for s in random_split(range(20), [0.5, 0.5])]
    mg.manual_seed(11)
    assert first == [list(s) for s in random_split(range(20), [0.5, 0.5])]
    for lengths, words in [([3, 3], "Sum of input lengths does not equal the length of the input dataset!"),
                           ([0.5, 1.5, -1.0], "Fraction at index 1 is not between 0 and 1")]:
        with pytest.raises(ValueError, match=words):
            random_split(range(10), lengths)
        with pytest.raises(ValueError, match=words):
            torch.utils.data.random_split(range(10), lengths)
    with pytest.raises(ValueError, match="non-negative counts"):
        random_split(range(10), [-1, 11])
    with pytest.raises(TypeError, match="random_split: generator must be"):
        random_split(range(10), [5, 5], generator="seed")


def test_lists_of_arrays_are_items_and_tuples_of_arrays_are_columns(torch):
    rows = [np.full(3, i, dtype=np.float32) for i in range(4)]
    ours = [show(b) for b in DataLoader(rows, batch_size=2)]
    assert ours == [show(b) for b in torch.utils.data.DataLoader(rows, batch_size=2)]
    x, y = next(iter(DataLoader((np.stack(rows), np.arange(4)), batch_size=3)))     # minigan's shorthand
    assert x.shape == (3, 3) and y.numpy().tolist() == [0, 1, 2]


def test_an_iterable_dataset_resumes_mid_epoch():
    reference = [b.numpy().tolist() for b in DataLoader(Stream(10), batch_size=3)]
    run = DataLoader(Stream(10), batch_size=3)
    batches = iter(run)
    assert [next(batches).numpy().tolist() for _ in range(2)] == reference[:2]
    assert run.state_dict()["batch"] == 2
    resumed = DataLoader(Stream(10), batch_size=3)
    resumed.load_state_dict(run.state_dict())
    assert [b.numpy().tolist() for b in resumed] == reference[2:]
    assert resumed.state_dict() == {"seed": resumed.seed, "epoch": 1, "batch": 0}


def test_stack_dataset_puts_datasets_side_by_side(torch):
    from minigan.utils.data import StackDataset
    images, labels = np.arange(12.0).reshape(4, 3), np.array([1, 0, 2, 1])
    pairs = StackDataset(TensorDataset(images), labels)
    assert len(pairs) == 4
    np.testing.assert_array_equal(pairs[2][0][0], images[2])
    assert pairs[2][1] == 2
    named = StackDataset(image=images, label=labels)
    assert set(named[1]) == {"image", "label"} and named[1]["label"] == 0
    batch = next(iter(DataLoader(named, batch_size=3)))
    assert batch["image"].shape == (3, 3) and batch["label"].numpy().tolist() == [1, 0, 2]
    t_batch = next(iter(torch.utils.data.DataLoader(torch.utils.data.StackDataset(image=images, label=labels),
                                                    batch_size=3)))
    assert show(batch) == show(t_batch)                                 # the same batch as PyTorch's
    theirs = torch.utils.data.StackDataset(image=torch.tensor(images), label=torch.tensor(labels))
    assert len(theirs) == len(named) and int(theirs[1]["label"]) == named[1]["label"]
    with pytest.raises(ValueError, match="Size mismatch between datasets"):
        StackDataset(images, labels[:3])
    with pytest.raises(ValueError, match="At least one dataset should be passed"):
        StackDataset()
    with pytest.raises(ValueError, match="but both types are given"):
        StackDataset(images, label=labels)
