"""DataLoader: batches, shuffling that is seeded, reproducible and resumable, devices."""
import numpy as np
import pytest

import minigan as mg
from minigan.data import DataLoader, Digits, TensorDataset


def ids_of(loader):
    """One epoch of a loader over (ids,) as a list of id lists."""
    return [b.numpy().tolist() for b in loader]


def test_batches_cover_every_item_once_per_epoch():
    ids = np.arange(10)
    loader = DataLoader(ids, batch_size=4, shuffle=True, seed=0)
    assert len(loader) == 3
    first, second = ids_of(loader), ids_of(loader)
    assert [len(b) for b in first] == [4, 4, 2]
    assert sorted(sum(first, [])) == list(range(10)) and sorted(sum(second, [])) == list(range(10))
    assert first != second                                   # each epoch has its own order
    assert loader.epoch == 2


def test_no_shuffle_keeps_order_and_drop_last():
    loader = DataLoader(np.arange(10), batch_size=4, drop_last=True)
    assert len(loader) == 2
    assert ids_of(loader) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    short = DataLoader(np.arange(3), batch_size=4, drop_last=True)   # fewer items than a batch: no batch
    assert len(short) == 0 and list(short) == [] and list(short) == []
    assert short.state_dict()["epoch"] == 2
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(np.arange(3), batch_size=0)


def test_same_seed_same_batches_and_seed_none_follows_manual_seed():
    a = DataLoader(np.arange(50), 8, shuffle=True, seed=123)
    b = DataLoader(np.arange(50), 8, shuffle=True, seed=123)
    c = DataLoader(np.arange(50), 8, shuffle=True, seed=124)
    assert ids_of(a) == ids_of(b) and ids_of(a) == ids_of(b)
    assert ids_of(c) != ids_of(DataLoader(np.arange(50), 8, shuffle=True, seed=123))
    mg.manual_seed(7)
    d = DataLoader(np.arange(50), 8, shuffle=True)
    mg.manual_seed(7)
    e = DataLoader(np.arange(50), 8, shuffle=True)
    assert d.seed == e.seed and ids_of(d) == ids_of(e)


def test_resuming_mid_epoch_gives_the_same_batches(tmp_path):
    from minigan import io
    reference = DataLoader(np.arange(23), 5, shuffle=True, seed=9)
    epochs = [ids_of(reference) for _ in range(3)]

    run = DataLoader(np.arange(23), 5, shuffle=True, seed=9)
    ids_of(run)                                              # epoch 0
    seen = []
    for i, batch in enumerate(run):                          # epoch 1, interrupted after 2 batches
        seen.append(batch.numpy().tolist())
        if i == 1:
            io.save(tmp_path / "ck.npz", loader=run.state_dict())
            break
    assert seen == epochs[1][:2]
    state = io.load(tmp_path / "ck.npz")["loader"]
    assert state == {"seed": 9, "epoch": 1, "batch": 2}

    resumed = DataLoader(np.arange(23), 5, shuffle=True, seed=0)   # the seed comes from the state
    resumed.load_state_dict(state)
    assert ids_of(resumed) == epochs[1][2:]
    assert ids_of(resumed) == epochs[2]


def test_state_after_a_finished_epoch_points_at_the_next():
    loader = DataLoader(np.arange(6), 3, shuffle=True, seed=1)
    for _ in loader:
        last = loader.state_dict()
    assert last == {"seed": 1, "epoch": 1, "batch": 0}
    assert loader.state_dict() == last
    loader.set_epoch(5)
    assert loader.state_dict()["epoch"] == 5
    with pytest.raises(ValueError, match="outside"):
        loader.load_state_dict({"seed": 1, "epoch": 0, "batch": 3})


def test_tuples_datasets_and_devices(device):
    x = np.random.default_rng(0).standard_normal((7, 2, 3)).astype(np.float32)
    y = np.arange(7)
    for xb, yb in DataLoader((x, y), batch_size=3, device=device):
        assert isinstance(xb, mg.Tensor) and xb.device == device and yb.device == device
        assert xb.dtype == np.float32 and yb.dtype == np.int64 and not xb.requires_grad
        np.testing.assert_array_equal(xb.numpy(), x[yb.numpy()])
    images, labels = next(iter(DataLoader(Digits(), batch_size=16, device=device)))
    assert images.shape == (16, 1, 8, 8) and labels.numpy().tolist() == list(range(10)) + list(range(6))


def test_tensors_and_plain_datasets():
    t = mg.tensor(np.arange(12.0, dtype=np.float32).reshape(6, 2))
    batches = list(DataLoader(t, batch_size=4))
    assert [b.shape for b in batches] == [(4, 2), (2, 2)]

    class Squares:                                        # only __len__ and __getitem__
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return np.float32(i), np.int64(i * i)

    xs, ys = next(iter(DataLoader(Squares(), batch_size=5)))
    assert xs.numpy().tolist() == [0, 1, 2, 3, 4] and ys.numpy().tolist() == [0, 1, 4, 9, 16]


def test_tensor_dataset_checks_lengths():
    with pytest.raises(ValueError, match="first axis"):
        TensorDataset(np.zeros((3, 2)), np.zeros(4))
    with pytest.raises(TypeError, match="expected arrays"):
        DataLoader(42, batch_size=2)


def test_batch_size_defaults_to_one():
    loader = DataLoader(np.arange(3))
    assert loader.batch_size == 1 and len(loader) == 3
    assert [b.shape for b in loader] == [(1,), (1,), (1,)]


def test_batch_counts_match_torch(torch):
    from torch.utils.data import DataLoader as TorchLoader
    for n, kwargs in [(3, dict(batch_size=4, drop_last=True)), (10, dict(batch_size=4, drop_last=True)),
                      (10, dict(batch_size=4)), (3, dict())]:
        ours, theirs = DataLoader(np.arange(n), **kwargs), TorchLoader(list(range(n)), **kwargs)
        assert len(ours) == len(theirs) and [len(b) for b in ours] == [len(b) for b in theirs]
