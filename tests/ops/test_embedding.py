"""embedding and one_hot: the gradient of a lookup is a scatter-add (repeated rows add up), padding_idx
gets none, max_norm renormalises in place; all held against PyTorch."""
import numpy as np
import pytest

import minigan as mg
import minigan.nn.functional as F
from minigan import nn

from helpers import check_grad, compare_with_torch, randn, tensors

INDEX_CASES = [
    np.array([3, 0, 3, 4]),                     # row 3 twice: its gradients add; rows 1 and 2 get none
    np.array([[1, 4, 4], [0, 0, 2]]),           # a 2-D index: (2, 3) -> (2, 3, dim)
    np.array([2]),
]


@pytest.mark.parametrize("idx", INDEX_CASES, ids=lambda a: str(a.tolist()))
def test_embedding_gradients(device, idx):
    # (with padding_idx the gradient is withheld on purpose, so finite differences disagree there; the
    # torch parity test below and the layer test check that case)
    check_grad(lambda w: F.embedding(mg.tensor(idx, device=device), w), randn(5, 3, seed=1), device=device)


@pytest.mark.parametrize("idx", INDEX_CASES, ids=lambda a: str(a.tolist()))
@pytest.mark.parametrize("padding_idx", [None, 4, -2])
def test_embedding_matches_torch(device, torch, idx, padding_idx):
    compare_with_torch(torch, lambda w: F.embedding(mg.tensor(idx, device=device), w, padding_idx=padding_idx),
                       lambda w: torch.nn.functional.embedding(torch.tensor(idx), w, padding_idx=padding_idx),
                       [randn(5, 3, seed=2)], device=device)


def test_embedding_is_one_hot_times_the_weight(device):
    idx = mg.tensor(np.array([[2, 0], [1, 2]]), device=device)
    w = tensors(device, randn(3, 4, seed=3), requires_grad=False)[0]
    np.testing.assert_allclose(F.embedding(idx, w).numpy(), (F.one_hot(idx, 3).double() @ w).numpy())


def test_embedding_gradgradcheck(device):
    idx = mg.tensor(np.array([1, 1, 0]), device=device)
    mg.gradgradcheck(lambda w: F.embedding(idx, w) ** 2, tensors(device, randn(3, 2, seed=4)))


def test_max_norm_renormalises_the_rows_looked_up_as_torch(torch):
    w0 = randn(5, 3, seed=5) * 2
    idx = np.array([0, 2, 2, 4])
    ours, theirs = mg.tensor(w0.copy()), torch.tensor(w0.copy())
    y = F.embedding(mg.tensor(idx), ours, max_norm=1.5, norm_type=1.0)
    ty = torch.nn.functional.embedding(torch.tensor(idx), theirs, max_norm=1.5, norm_type=1.0)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)          # changed in place, alike
    np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-12)
    np.testing.assert_array_equal(ours.numpy()[[1, 3]], w0[[1, 3]])               # rows not looked up: as they were
    assert np.abs(ours.numpy()[[0, 2, 4]]).sum(axis=1).max() <= 1.5


@pytest.mark.parametrize("num_classes", [-1, 6])
def test_one_hot_matches_torch(torch, num_classes):
    t = np.array([[0, 3], [2, 2], [4, 1]])
    ours = F.one_hot(mg.tensor(t), num_classes)
    theirs = torch.nn.functional.one_hot(torch.tensor(t), num_classes)
    assert ours.dtype == np.int64 and ours.shape == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_errors_name_the_op_and_the_values():
    w = mg.zeros(4, 2)
    with pytest.raises(IndexError, match="embedding: index 4 is out of range for a table of 4 rows"):
        F.embedding(mg.tensor([1, 4]), w)
    with pytest.raises(TypeError, match="embedding: expected indices of an integer dtype, got dtype float32"):
        F.embedding(mg.tensor([1.0]), w)
    with pytest.raises(ValueError, match="embedding: padding_idx must be within num_embeddings"):
        F.embedding(mg.tensor([1]), w, padding_idx=4)
    with pytest.raises(ValueError, match=r"one_hot: class values must be smaller than num_classes \(3\), got 3"):
        F.one_hot(mg.tensor([0, 3]), 3)
    with pytest.raises(ValueError, match="one_hot: class values must be non-negative"):
        F.one_hot(mg.tensor([-1]))


# ------------------------------------------------------------------------ the layer
def test_embedding_layer_like_torch(torch):
    ours, theirs = nn.Embedding(10, 3, padding_idx=-1), torch.nn.Embedding(10, 3, padding_idx=-1)
    assert repr(ours) == repr(theirs) == "Embedding(10, 3, padding_idx=9)"
    assert ours.weight.dtype == np.float32 and ours.weight.shape == (10, 3)
    np.testing.assert_array_equal(ours.weight.numpy()[9], 0.0)                   # the padding row starts at zero
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    big = nn.Embedding(2000, 50)
    assert abs(big.weight.numpy().mean()) < 0.01 and abs(big.weight.numpy().std() - 1.0) < 0.01  # N(0, 1)


def test_embedding_layer_trains_only_the_rows_it_read():
    layer = nn.Embedding(6, 2, padding_idx=0)
    out = layer(mg.tensor(np.array([[0, 5], [5, 2]])))
    assert out.shape == (2, 2, 2)
    out.sum().backward()
    np.testing.assert_array_equal(layer.weight.grad.numpy(), [[0, 0], [0, 0], [1, 1], [0, 0], [0, 0], [2, 2]])


def test_from_pretrained_shares_and_freezes():
    table = mg.tensor(randn(4, 3, seed=6).astype(np.float32))
    frozen = nn.Embedding.from_pretrained(table)
    assert not frozen.weight.requires_grad and list(frozen.parameters())[0] is frozen.weight
    np.testing.assert_array_equal(frozen(mg.tensor([3])).numpy()[0], table.numpy()[3])
    assert nn.Embedding.from_pretrained(table, freeze=False).weight.requires_grad
