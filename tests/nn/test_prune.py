"""minigan.nn.utils.prune against torch.nn.utils.prune: the same masks for the deterministic methods (once and
iteratively), as many zeros in valid places for the random ones, equal forward outputs and masked gradients of
``weight_orig``, ``remove``, ``is_pruned``, state dicts that load both ways, the errors, and a gradcheck."""
import minigan as mg
import numpy as np
import pytest

import minigan.nn as nn
from minigan.nn.utils import prune

from helpers import check_grad, distinct


def _pair(torch, kind, seed=0):
    """A minigan layer and a torch layer of the same kind with the same (tie-free) float32 weights."""
    if kind == "linear":
        m, t = nn.Linear(7, 5), torch.nn.Linear(7, 5)
    else:
        m, t = nn.Conv2d(3, 6, 3), torch.nn.Conv2d(3, 6, 3)
    w = distinct(*m.weight.shape, seed=seed).astype(np.float32)
    b = distinct(*m.bias.shape, seed=seed + 1).astype(np.float32)
    m.weight.data[...], m.bias.data[...] = w, b
    with torch.no_grad():
        t.weight.copy_(torch.tensor(w))
        t.bias.copy_(torch.tensor(b))
    return m, t


def _input(kind, seed=3):
    shape = (4, 7) if kind == "linear" else (2, 3, 6, 5)
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _check_same(torch, m, t, kind):
    """Equal masks, equal outputs, equal gradients of weight_orig (zero where pruned) and of the bias."""
    np.testing.assert_array_equal(m.weight_mask.numpy(), t.weight_mask.numpy())
    assert str(m.weight_mask.dtype) == str(t.weight_mask.dtype).removeprefix("torch.")
    x = _input(kind)
    y, ty = m(mg.tensor(x)), t(torch.tensor(x))
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-5)
    v = np.random.default_rng(4).standard_normal(y.shape).astype(np.float32)
    (y * mg.tensor(v)).sum().backward()
    (ty * torch.tensor(v)).sum().backward()
    np.testing.assert_allclose(m.weight_orig.grad.numpy(), t.weight_orig.grad.numpy(), rtol=1e-5, atol=1e-5)
    assert np.all(m.weight_orig.grad.numpy()[m.weight_mask.numpy() == 0] == 0)
    m.zero_grad()
    t.zero_grad()


# (minigan call, torch call) pairs: each step prunes the layer again, so two steps test iterative pruning
STEPS = {
    "l1 int then float": [lambda p, l: p.l1_unstructured(l, "weight", amount=9),
                          lambda p, l: p.l1_unstructured(l, "weight", amount=0.35)],
    "ln2 dim0 then l1": [lambda p, l: p.ln_structured(l, "weight", amount=2, n=2, dim=0),
                         lambda p, l: p.l1_unstructured(l, "weight", amount=0.5)],
    "l1 then ln1 dim -1": [lambda p, l: p.l1_unstructured(l, "weight", amount=0.4),
                           lambda p, l: p.ln_structured(l, "weight", amount=0.5, n=1, dim=-1)],
    "ln inf dim1 twice": [lambda p, l: p.ln_structured(l, "weight", amount=1, n=float("inf"), dim=1),
                          lambda p, l: p.ln_structured(l, "weight", amount=0.5, n=float("-inf"), dim=1)],
    "identity then ln3": [lambda p, l: p.identity(l, "weight"),
                          lambda p, l: p.ln_structured(l, "weight", amount=0.6, n=3, dim=0)],
}


@pytest.mark.parametrize("kind", ["linear", "conv"])
@pytest.mark.parametrize("steps", list(STEPS), ids=list(STEPS))
def test_masks_outputs_and_grads_match_torch(torch, kind, steps):
    import torch.nn.utils.prune as tp
    m, t = _pair(torch, kind)
    for step in STEPS[steps]:
        assert step(prune, m) is m
        step(tp, t)
        _check_same(torch, m, t, kind)
    assert isinstance(m._forward_pre_hooks[-1], prune.PruningContainer) and len(m._forward_pre_hooks[-1]) == 2


@pytest.mark.parametrize("kind", ["linear", "conv"])
def test_custom_mask_and_importance_scores_match_torch(torch, kind):
    import torch.nn.utils.prune as tp
    m, t = _pair(torch, kind)
    rng = np.random.default_rng(5)
    given = (rng.uniform(size=m.weight.shape) > 0.3).astype(np.float32)
    prune.custom_from_mask(m, "weight", mask=mg.tensor(given))
    tp.custom_from_mask(t, "weight", mask=torch.tensor(given))
    _check_same(torch, m, t, kind)
    scores = distinct(*m.weight.shape, seed=9)
    prune.l1_unstructured(m, "weight", amount=0.3, importance_scores=mg.tensor(scores))
    tp.l1_unstructured(t, "weight", amount=0.3, importance_scores=torch.tensor(scores))
    _check_same(torch, m, t, kind)
    if kind == "conv":
        prune.ln_structured(m, "weight", 2, 2, 0, importance_scores=mg.tensor(scores))
        tp.ln_structured(t, "weight", 2, 2, 0, importance_scores=torch.tensor(scores))
        _check_same(torch, m, t, kind)


def test_global_unstructured_matches_torch(torch):
    import torch.nn.utils.prune as tp
    (m1, t1), (m2, t2) = _pair(torch, "linear", seed=0), _pair(torch, "conv", seed=2)
    m2.weight.data[...] *= 3                 # the conv's weights are larger, so it loses fewer of them
    with torch.no_grad():
        t2.weight.mul_(3)
    ours, theirs = [(m1, "weight"), (m2, "weight"), (m1, "bias")], [(t1, "weight"), (t2, "weight"), (t1, "bias")]
    prune.global_unstructured(ours, pruning_method=prune.L1Unstructured, amount=40)
    tp.global_unstructured(theirs, pruning_method=tp.L1Unstructured, amount=40)
    scores = {(m1, "weight"): mg.tensor(distinct(5, 7, seed=7))}
    prune.global_unstructured(ours, prune.L1Unstructured, importance_scores=scores, amount=0.25)
    tp.global_unstructured(theirs, tp.L1Unstructured, amount=0.25,
                           importance_scores={(t1, "weight"): torch.tensor(distinct(5, 7, seed=7))})
    for (m, name), (t, _) in zip(ours, theirs):
        np.testing.assert_array_equal(getattr(m, name + "_mask").numpy(), getattr(t, name + "_mask").numpy())
    _check_same(torch, m2, t2, "conv")
    assert (m1.weight_mask.numpy() == 0).mean() > (m2.weight_mask.numpy() == 0).mean()


@pytest.mark.parametrize("kind", ["linear", "conv"])
def test_random_pruning_counts_and_structure(torch, kind):
    import torch.nn.utils.prune as tp
    m, t = _pair(torch, kind)
    prune.random_unstructured(m, "weight", amount=0.3)
    tp.random_unstructured(t, "weight", amount=0.3)
    first = m.weight_mask.numpy()
    assert (first == 0).sum() == (t.weight_mask.numpy() == 0).sum() == round(0.3 * first.size)
    prune.random_structured(m, "weight", amount=2, dim=0)
    tp.random_structured(t, "weight", amount=2, dim=0)
    mask = m.weight_mask.numpy()
    assert np.all(mask[first == 0] == 0)                      # what was pruned stays pruned
    rows = mask.reshape(mask.shape[0], -1)
    assert (rows.sum(1) == 0).sum() == (t.weight_mask.numpy().reshape(rows.shape).sum(1) == 0).sum() == 2
    np.testing.assert_array_equal(rows[rows.sum(1) != 0], first.reshape(rows.shape)[rows.sum(1) != 0])
    np.testing.assert_array_equal(m.weight.numpy(), m.weight_orig.numpy() * mask)


def test_random_choice_follows_the_seed():
    masks = []
    for _ in range(2):
        mg.manual_seed(11)
        layer = nn.Linear(8, 6)
        prune.random_unstructured(layer, "weight", amount=20)
        masks.append(layer.weight_mask.numpy())
    np.testing.assert_array_equal(masks[0], masks[1])


def test_l1_ties_prune_the_first_entries():
    """Equal magnitudes: the lowest flat indices are pruned (minigan's topk; PyTorch's choice among exact ties
    depends on its quickselect)."""
    layer = nn.Linear(4, 3)
    layer.weight.data[...] = np.array([[1, -1, 2, 1], [-1, 3, 1, 2], [1, 1, -4, 1]], dtype=np.float32)
    prune.l1_unstructured(layer, "weight", amount=4)
    expected = np.ones((3, 4), dtype=np.float32)
    expected.reshape(-1)[[0, 1, 3, 4]] = 0
    np.testing.assert_array_equal(layer.weight_mask.numpy(), expected)


def test_mechanics_remove_and_is_pruned():
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    orig = model[0].weight
    assert not prune.is_pruned(model)
    prune.l1_unstructured(model[0], "weight", amount=0.5)
    assert prune.is_pruned(model) and not prune.is_pruned(model[2])
    assert model[0].weight_orig is orig and "weight" not in model[0]._parameters
    assert list(model.state_dict()) == ["0.bias", "0.weight_orig", "0.weight_mask", "2.weight", "2.bias"]
    assert [n for n, _ in model.named_parameters()] == ["0.bias", "0.weight_orig", "2.weight", "2.bias"]
    with mg.no_grad():
        orig.data[...] += 1.0                   # the hook recomputes weight before the next forward
    model(mg.randn(2, 4))
    np.testing.assert_array_equal(model[0].weight.numpy(), orig.numpy() * model[0].weight_mask.numpy())
    pruned = model[0].weight.numpy()
    assert prune.remove(model[0], "weight") is model[0]
    assert model[0].weight is orig and isinstance(orig, nn.Parameter)     # an optimizer keeps its parameter
    np.testing.assert_array_equal(orig.numpy(), pruned)
    assert list(model.state_dict()) == ["0.bias", "0.weight", "2.weight", "2.bias"]
    assert not prune.is_pruned(model) and model[0]._forward_pre_hooks == []


def test_prune_method_on_a_tensor_and_container():
    x = mg.tensor(distinct(3, 4), requires_grad=True)
    y = prune.L1Unstructured(amount=5).prune(x)
    assert (y.numpy() == 0).sum() == 5 and np.all(np.abs(x.numpy()[y.numpy() == 0]) <= np.abs(x.numpy()).min() + 0.45)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), (y.numpy() != 0).astype(np.float64))
    w = mg.tensor(distinct(4, 2, 3, seed=1))
    fro = prune.LnStructured(2, "fro", dim=0).compute_mask(w, mg.ones(4, 2, 3, dtype=mg.float64))
    l2 = prune.LnStructured(2, 2, dim=0).compute_mask(w, mg.ones(4, 2, 3, dtype=mg.float64))
    np.testing.assert_array_equal(fro.numpy(), l2.numpy())      # "fro" over 2 dims (PyTorch takes only 2)
    assert (fro.numpy().reshape(4, -1).sum(1) == 0).sum() == 2
    a, b = prune.L1Unstructured(0.5), prune.Identity()
    a._tensor_name = b._tensor_name = "w"
    c = prune.PruningContainer(a, b)
    assert len(c) == 2 and c[0] is a and list(c) == [a, b]
    other = prune.Identity()
    other._tensor_name = "v"
    with pytest.raises(ValueError, match="acting on the parameter named 'w'"):
        c.add_pruning_method(other)
    with pytest.raises(TypeError, match="is not a BasePruningMethod subclass"):
        c.add_pruning_method(3)


def test_state_dict_loads_both_ways(torch):
    import torch.nn.utils.prune as tp
    t = torch.nn.Sequential(torch.nn.Conv2d(2, 4, 3), torch.nn.Flatten(), torch.nn.Linear(16, 3))
    tp.l1_unstructured(t[0], "weight", amount=0.4)
    tp.ln_structured(t[2], "weight", amount=1, n=2, dim=0)
    m = nn.Sequential(nn.Conv2d(2, 4, 3), nn.Flatten(), nn.Linear(16, 3))
    prune.identity(m[0], "weight")
    prune.identity(m[2], "weight")
    assert list(m.state_dict()) == list(t.state_dict())
    m.load_state_dict({k: v.numpy() for k, v in t.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((2, 2, 4, 4)).astype(np.float32)
    np.testing.assert_allclose(m(mg.tensor(x)).numpy(), t(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)
    prune.l1_unstructured(m[2], "weight", amount=5)
    t2 = torch.nn.Sequential(torch.nn.Conv2d(2, 4, 3), torch.nn.Flatten(), torch.nn.Linear(16, 3))
    tp.identity(t2[0], "weight")
    tp.identity(t2[2], "weight")
    t2.load_state_dict({k: torch.tensor(v.numpy()) for k, v in m.state_dict().items()})
    np.testing.assert_allclose(t2(torch.tensor(x)).detach().numpy(), m(mg.tensor(x)).numpy(), rtol=1e-5, atol=1e-6)


def _raised(fn):
    try:
        fn()
    except Exception as e:      # noqa: BLE001 - the test compares whatever each library raises
        return e
    raise AssertionError("no error raised")


BAD = [  # (call on a prune module and a fresh Linear(3, 4), message minigan gives)
    (lambda p, l: p.l1_unstructured(l, "weight", amount=-1), "amount=-1 should either be a float in the range"),
    (lambda p, l: p.random_unstructured(l, "weight", amount=1.5), r"amount=1.5 should either be a float"),
    (lambda p, l: p.l1_unstructured(l, "weight", amount="a"), "Invalid type for amount: a. Must be int or float."),
    (lambda p, l: p.l1_unstructured(l, "weight", amount=13), "amount=13 should be smaller than the number of "
                                                              "parameters to prune=12"),
    (lambda p, l: p.ln_structured(l, "weight", amount=5, n=2, dim=0), "amount=5 should be smaller"),
    (lambda p, l: p.l1_unstructured(l, "foo", amount=1), "'Linear' object has no attribute 'foo'"),
    (lambda p, l: p.ln_structured(l, "weight", amount=1, n=2, dim=2), r"Invalid index 2 for tensor of size"),
    (lambda p, l: p.random_structured(l, "bias", amount=1, dim=0), "Structured pruning can only be applied to "
                                                                    "multidimensional tensors"),
    (lambda p, l: p.remove(l, "weight"), "Parameter 'weight' of module Linear.* has to be pruned before"),
    (lambda p, l: p.global_unstructured(3, pruning_method=p.L1Unstructured, amount=1),
     r"global_unstructured\(\): parameters is not an Iterable"),
    (lambda p, l: p.global_unstructured([(l, "weight")], p.L1Unstructured, importance_scores=[1], amount=1),
     r"global_unstructured\(\): importance_scores must be of type dict"),
    (lambda p, l: p.global_unstructured([(l, "weight")], p.RandomStructured, amount=1),
     'Only "unstructured" PRUNING_TYPE supported'),
]


@pytest.mark.parametrize("call,message", BAD)
def test_errors_as_torch(torch, call, message):
    import torch.nn.utils.prune as tp
    layer = nn.Linear(3, 4)
    ours, theirs = _raised(lambda: call(prune, layer)), _raised(lambda: call(tp, torch.nn.Linear(3, 4)))
    assert type(ours) is type(theirs)
    with pytest.raises(type(theirs), match=message):
        raise ours
    assert list(layer.state_dict()) == ["weight", "bias"] and layer._forward_pre_hooks == []   # left as it was


def test_errors_of_our_own():
    layer = nn.Linear(3, 4)
    with pytest.raises(TypeError, match="Invalid type for amount: True"):     # PyTorch fails later, in topk
        prune.l1_unstructured(layer, "weight", amount=True)
    with pytest.raises(IndexError, match="Invalid index -3"):
        prune.ln_structured(layer, "weight", amount=1, n=2, dim=-3)
    with pytest.raises(AssertionError, match="importance_scores should have the same shape as parameter weight"):
        prune.l1_unstructured(layer, "weight", amount=1, importance_scores=mg.ones(2))
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'running_mean_orig'"):
        prune.l1_unstructured(nn.BatchNorm1d(3), "running_mean", amount=1)
    prune.l1_unstructured(layer, "weight", amount=2)
    prune.l1_unstructured(layer, "weight", amount=2)
    before = layer.weight_mask.numpy()
    with pytest.raises(ValueError, match="amount=11 should be smaller than the number of parameters to prune=8"):
        prune.l1_unstructured(layer, "weight", amount=11)   # PyTorch drops the hook here; minigan keeps it
    assert len(layer._forward_pre_hooks) == 1 and len(layer._forward_pre_hooks[0]) == 2
    np.testing.assert_array_equal(layer.weight_mask.numpy(), before)


def test_gradcheck_pruned_linear(device):
    layer = nn.Linear(5, 3).to(device, mg.float64)
    prune.l1_unstructured(layer, "weight", amount=6)
    prune.ln_structured(layer, "weight", amount=1, n=1, dim=0)
    assert layer.weight_mask.device == device and (layer.weight_mask.numpy() == 0).sum() >= 8
    x = np.random.default_rng(2).standard_normal((4, 5))
    check_grad(lambda x: layer(x), x, device=device, params=[layer.weight_orig, layer.bias])
    y = layer(mg.tensor(x, device=device))
    y.sum().backward()
    assert np.all(layer.weight_orig.grad.numpy()[layer.weight_mask.numpy() == 0] == 0)
