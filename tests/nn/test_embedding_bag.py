"""embedding_bag and EmbeddingBag: the sum, mean and max of bags given by offsets or as rows of a 2-D input, with
padding_idx, include_last_offset and per_sample_weights; PyTorch's values and gradients (of the weight and of the
per-sample weights), gradients by finite differences, the layer's arguments, repr and state, and the errors."""
import numpy as np
import pytest

import minigan as mg
import minigan.nn.functional as F
from minigan import nn

from helpers import check_grad, distinct, randn, tensors

IDX = np.array([1, 2, 4, 4, 3, 0, 2])
# (input, offsets, keyword arguments)
CASES = [
    (IDX, [0, 2, 2, 5], {}),                                    # an empty bag, a row twice in one bag
    (IDX, [0, 2, 2, 5], {"padding_idx": 4}),                    # a bag of padding only
    (IDX, [0, 3, 7], {"include_last_offset": True}),            # B + 1 offsets
    (IDX, [0], {"padding_idx": -3}),                            # one bag; a negative padding_idx
    (IDX.reshape(1, 7), None, {}),                              # 2-D: one bag of 7
    (np.array([[1, 2, 4], [4, 3, 0], [2, 2, 2]]), None, {"padding_idx": 2}),
    (np.array([[0], [3]]), None, {}),                           # bags of one
    (np.zeros(0, dtype=np.int64), [0, 0], {}),                  # nothing at all: two empty bags
]
MODES = ["sum", "mean", "max"]


def _call(lib, inp, offsets, mode, kwargs, psw=False):
    """``embedding_bag`` of ``lib`` (minigan or torch) as a function of the weight (and per_sample_weights)."""
    if lib is mg:
        f, as_idx = F.embedding_bag, (lambda a: None if a is None else np.asarray(a, dtype=np.int64))
    else:
        f, as_idx = lib.nn.functional.embedding_bag, (lambda a: None if a is None else lib.tensor(a))
    i, o = as_idx(inp), as_idx(offsets)
    if psw:
        return lambda w, p: f(i, w, o, mode=mode, per_sample_weights=p, **kwargs)
    return lambda w: f(i, w, o, mode=mode, **kwargs)


def _parity(torch, device, inp, offsets, mode, kwargs, psw=None):
    """Values and gradients of the weight (and per-sample weights) against torch's, for a random upstream
    gradient; a bag with nothing in it is zeros, whose gradient is nothing."""
    w_np = distinct(6, 3, seed=1)
    arrays = [w_np] + ([] if psw is None else [psw])
    ours = tensors(device, *arrays)
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    y = _call(mg, inp, offsets, mode, kwargs, psw is not None)(*ours)
    ty = _call(torch, inp, offsets, mode, kwargs, psw is not None)(*theirs)
    assert y.shape == tuple(ty.shape) and y.dtype == np.float64
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-12, atol=1e-14)
    if ty.numel() == 0:
        return
    v = randn(*ty.shape, seed=2)
    y.backward(mg.tensor(v, device=device))
    ty.backward(torch.tensor(v))
    for ours_t, theirs_t in zip(ours, theirs):
        np.testing.assert_allclose(ours_t.grad.numpy(), theirs_t.grad.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", range(len(CASES)))
def test_embedding_bag_matches_torch(device, torch, case, mode):
    inp, offsets, kwargs = CASES[case]
    _parity(torch, device, inp, offsets, mode, kwargs)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", range(len(CASES) - 1))
def test_embedding_bag_gradients(device, case, mode):
    inp, offsets, kwargs = CASES[case]
    check_grad(_call(mg, inp, offsets, mode, kwargs), distinct(6, 3, seed=3), device=device)


@pytest.mark.parametrize("inp,offsets,kwargs", [(IDX, [0, 2, 2, 5], {}), (IDX, [0, 4], {"padding_idx": 4}),
                                                 (IDX[:6].reshape(2, 3), None, {"padding_idx": 0})], ids=str)
def test_per_sample_weights_match_torch_and_gradcheck(device, torch, inp, offsets, kwargs):
    """Each row weighed before the sum; the gradient of a weight is <its bag's gradient, its row> (0 for padding)."""
    psw = randn(*inp.shape, seed=4)
    _parity(torch, device, inp, offsets, "sum", kwargs, psw)
    check_grad(_call(mg, inp, offsets, "sum", kwargs, psw=True), distinct(6, 3, seed=5), psw, device=device)


def test_embedding_bag_second_derivatives(device):
    fn = _call(mg, IDX, [0, 3, 3], "sum", {}, psw=True)
    mg.gradgradcheck(lambda w, p: fn(w, p) ** 2, tensors(device, randn(6, 3), randn(7, seed=1)))
    mg.gradgradcheck(lambda w: _call(mg, IDX, [0, 3], "max", {})(w) ** 2, tensors(device, distinct(6, 2)))


def test_embedding_bag_by_hand():
    w = mg.tensor(np.arange(15.0).reshape(5, 3))
    idx, off = np.array([1, 2, 4, 4, 3, 0]), np.array([0, 2, 2, 5])
    np.testing.assert_array_equal(F.embedding_bag(idx, w, off).numpy(),
                                  [[4.5, 5.5, 6.5], [0, 0, 0], [11, 12, 13], [0, 1, 2]])
    np.testing.assert_array_equal(F.embedding_bag(idx, w, off, mode="max").numpy()[2], [12, 13, 14])
    np.testing.assert_array_equal(F.embedding_bag(idx, w, off, mode="sum", padding_idx=4).numpy()[2], [9, 10, 11])
    assert F.embedding_bag(mg.tensor(idx.astype(np.int32)), w.float(), off).dtype == np.float32
    np.testing.assert_array_equal(F.embedding_bag([[1, 2]], w).numpy(), [[4.5, 5.5, 6.5]])     # lists will do


def test_embedding_bag_max_ties_go_to_the_first_element(torch):
    """Equal values in a bag: the gradient goes to the first element holding them, as PyTorch's CPU kernel."""
    w_np = np.array([[1.0, 5.0], [1.0, 5.0], [0.0, 9.0]])
    for idx in ([1, 0, 0], [0, 1, 2], [2, 1, 0]):
        (w,) = tensors("cpu", w_np)
        tw = torch.tensor(w_np, requires_grad=True)
        F.embedding_bag(np.array(idx), w, np.array([0]), mode="max").backward(mg.tensor([[1.0, 10.0]]))
        torch.nn.functional.embedding_bag(torch.tensor(idx), tw, torch.tensor([0]), mode="max").backward(
            torch.tensor([[1.0, 10.0]]))
        np.testing.assert_array_equal(w.grad.numpy(), tw.grad.numpy())


def test_embedding_bag_max_norm_renormalises_the_rows_read(torch):
    w_np = randn(5, 3, scale=3.0)
    w, tw = mg.tensor(w_np.copy()), torch.tensor(w_np.copy())
    y = F.embedding_bag(np.array([0, 2, 2]), w, np.array([0, 1]), max_norm=1.0)
    ty = torch.nn.functional.embedding_bag(torch.tensor([0, 2, 2]), tw, torch.tensor([0, 1]), max_norm=1.0)
    np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-12)
    np.testing.assert_allclose(w.numpy(), tw.numpy(), rtol=1e-12)          # rows 0 and 2 scaled in place, as there


def test_embedding_bag_errors():
    w = mg.randn(5, 3)
    with pytest.raises(ValueError, match="embedding_bag: if input is 2-D .* offsets has to be None"):
        F.embedding_bag(np.zeros((2, 3), dtype=np.int64), w, np.array([0, 1]))
    with pytest.raises(ValueError, match="embedding_bag: a 1-D input needs offsets"):
        F.embedding_bag(IDX, w)
    with pytest.raises(ValueError, match="embedding_bag: offsets\\[0\\] has to be 0.* got 1"):
        F.embedding_bag(IDX, w, np.array([1, 2]))
    with pytest.raises(ValueError, match="embedding_bag: offsets must be non-decreasing"):
        F.embedding_bag(IDX, w, np.array([0, 4, 2]))
    with pytest.raises(ValueError, match="embedding_bag: offsets\\[-1\\] can not be greater than input's length 7"):
        F.embedding_bag(IDX, w, np.array([0, 8]))
    with pytest.raises(ValueError, match="embedding_bag: offsets has to be a 1-D tensor, got shape \\(1, 2\\)"):
        F.embedding_bag(IDX, w, np.array([[0, 2]]))
    with pytest.raises(ValueError, match="embedding_bag: mode has to be one of sum, mean or max, got 'foo'"):
        F.embedding_bag(IDX, w, np.array([0]), mode="foo")
    with pytest.raises(NotImplementedError, match="per_sample_weights is only supported for mode='sum' \\(got "
                                                  "mode='mean'\\)"):
        F.embedding_bag(IDX, w, np.array([0]), per_sample_weights=mg.ones(7))
    with pytest.raises(ValueError, match="per_sample_weights \\(\\(6,\\)\\) must have the same shape as the input "
                                         "\\(\\(7,\\)\\)"):
        F.embedding_bag(IDX, w, np.array([0]), mode="sum", per_sample_weights=mg.ones(6))
    with pytest.raises(TypeError, match="expected per_sample_weights of the weight's dtype float32, got float64"):
        F.embedding_bag(IDX, w, np.array([0]), mode="sum", per_sample_weights=mg.ones(7, dtype=np.float64))
    with pytest.raises(IndexError, match="embedding_bag: index 6 is out of range for a table of 5 rows"):
        F.embedding_bag(IDX + 2, w, np.array([0]))
    with pytest.raises(TypeError, match="embedding_bag: expected indices of an integer dtype, got dtype float64"):
        F.embedding_bag(IDX.astype(float), w, np.array([0]))
    with pytest.raises(TypeError, match="embedding_bag: expected offsets of an integer dtype"):
        F.embedding_bag(IDX, w, np.array([0.0]))
    with pytest.raises(ValueError, match="embedding_bag: weight has to be a 2-D tensor"):
        F.embedding_bag(IDX, w[0], np.array([0]))
    with pytest.raises(TypeError, match="embedding_bag: expected a floating-point weight, got int64"):
        F.embedding_bag(IDX, mg.tensor(np.ones((5, 3), dtype=np.int64)), np.array([0]))
    with pytest.raises(ValueError, match="embedding_bag: input has to be a 1-D or 2-D tensor, but got a tensor of "
                                         "dimension 3"):
        F.embedding_bag(np.zeros((1, 2, 3), dtype=np.int64), w)
    with pytest.raises(ValueError, match="padding_idx must be within the number of embeddings, -5 through 4, but "
                                         "got 5"):
        F.embedding_bag(IDX, w, np.array([0]), padding_idx=5)
    with pytest.raises(NotImplementedError, match="embedding_bag: scale_grad_by_freq and sparse are not implemented"):
        F.embedding_bag(IDX, w, np.array([0]), scale_grad_by_freq=True)


# --------------------------------------------------------------------------- the layer
@pytest.mark.parametrize("kwargs", [{}, {"mode": "max", "padding_idx": -1}, {"max_norm": 1.0, "norm_type": 3.0},
                                    {"scale_grad_by_freq": True, "include_last_offset": True, "mode": "sum"}],
                         ids=str)
def test_embedding_bag_layer_is_torchs(torch, kwargs):
    """Arguments in torch's order, its attributes, repr and state dict; padding_idx counted from the front and
    its row zero."""
    ours, theirs = nn.EmbeddingBag(5, 3, **kwargs), torch.nn.EmbeddingBag(5, 3, **kwargs)
    assert repr(ours) == repr(theirs)
    for attr in ("num_embeddings", "embedding_dim", "max_norm", "norm_type", "scale_grad_by_freq", "mode",
                 "sparse", "include_last_offset", "padding_idx"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    assert ours.weight.shape == (5, 3) and ours.weight.dtype == np.float32
    if ours.padding_idx is not None:
        assert (ours.weight.numpy()[ours.padding_idx] == 0).all()


def test_embedding_bag_layer_forward_matches_torch(device, torch):
    ours, theirs = nn.EmbeddingBag(6, 3, mode="sum", padding_idx=2), torch.nn.EmbeddingBag(6, 3, mode="sum",
                                                                                             padding_idx=2)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    ours.to(device)
    psw = randn(7, seed=6)
    y = ours(mg.tensor(IDX, device=device), mg.tensor(np.array([0, 3, 3]), device=device),
             mg.tensor(psw.astype(np.float32), device=device))
    ty = theirs(torch.tensor(IDX), torch.tensor([0, 3, 3]), torch.tensor(psw, dtype=torch.float32))
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_embedding_bag_from_pretrained_and_seeded_init(torch):
    layer = nn.EmbeddingBag.from_pretrained(mg.ones(3, 2), mode="max")
    assert repr(layer) == repr(torch.nn.EmbeddingBag.from_pretrained(torch.ones(3, 2), mode="max"))
    assert not layer.weight.requires_grad and nn.EmbeddingBag.from_pretrained(mg.ones(3, 2), False).weight.requires_grad
    mg.manual_seed(3)
    a = nn.EmbeddingBag(4, 2).weight.numpy()
    mg.manual_seed(3)
    np.testing.assert_array_equal(a, nn.EmbeddingBag(4, 2).weight.numpy())
    with pytest.raises(ValueError, match=r"EmbeddingBag: _weight has shape \(3, 2\), expected \(4, 2\)"):
        nn.EmbeddingBag(4, 2, _weight=mg.ones(3, 2))
    with pytest.raises(ValueError, match="EmbeddingBag.from_pretrained: embeddings must be 2-D"):
        nn.EmbeddingBag.from_pretrained(mg.ones(3))
    with pytest.raises(ValueError, match="embedding_bag: mode has to be one of sum, mean or max, got 'foo'"):
        nn.EmbeddingBag(4, 2, mode="foo")(np.array([[0]]))               # built fine, refused when run (PyTorch's)
