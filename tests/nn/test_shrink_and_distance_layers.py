"""nn.Hardshrink, nn.Softshrink, nn.Softmax2d, nn.CosineSimilarity and nn.PairwiseDistance: each is its functional
with the arguments it was built with, with torch.nn's attributes, reprs, values and gradients."""
import numpy as np
import pytest

import minigan as mg
import minigan.nn as nn
import minigan.nn.functional as F

from helpers import check_grad, compare_with_torch, randn

LAYERS = [
    ("Hardshrink", (), 1),
    ("Hardshrink", (0.3,), 1),
    ("Softshrink", (), 1),
    ("Softshrink", (1.25,), 1),
    ("Softmax2d", (), 1),
    ("CosineSimilarity", (), 2),
    ("CosineSimilarity", (0, 1e-4), 2),
    ("PairwiseDistance", (), 2),
    ("PairwiseDistance", (1.0, 1e-3, True), 2),
]
IDS = [f"{name}{args}" for name, args, _ in LAYERS]


def _inputs(name, n):
    if name == "Softmax2d":
        return [randn(2, 3, 4, 5, seed=1)]
    shape = (4, 5) if n == 2 else (3, 7)
    return [np.random.default_rng(i).uniform(-3, 3, shape) for i in range(n)]


@pytest.mark.parametrize("name,args,n", LAYERS, ids=IDS)
def test_layer_matches_torch(torch, name, args, n):
    ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    compare_with_torch(torch, ours, theirs, _inputs(name, n), atol=1e-13, rtol=1e-12)
    assert repr(ours) == repr(theirs)
    for attr in ("lambd", "dim", "eps", "norm", "keepdim"):
        if hasattr(theirs, attr):
            assert getattr(ours, attr) == getattr(theirs, attr), (name, attr)
    assert list(ours.state_dict()) == [] == list(theirs.state_dict())


@pytest.mark.parametrize("name,args,n", LAYERS, ids=IDS)
def test_layer_gradcheck(device, name, args, n):
    layer = getattr(nn, name)(*args)
    arrays = _inputs(name, n)
    if "shrink" in name:                                    # off the kinks at ±lambd
        lambd = args[0] if args else 0.5
        arrays = [np.where(np.abs(np.abs(a) - lambd) < 0.05, a + 0.1, a) for a in arrays]
    check_grad(layer, *arrays, device=device)


def test_reprs_and_defaults(torch):
    assert repr(nn.Hardshrink()) == "Hardshrink(0.5)" == repr(torch.nn.Hardshrink())
    assert repr(nn.Softshrink(0.25)) == "Softshrink(0.25)" == repr(torch.nn.Softshrink(0.25))
    assert repr(nn.Softmax2d()) == "Softmax2d()"
    assert (nn.CosineSimilarity().dim, nn.CosineSimilarity().eps) == (1, 1e-8)
    pd = nn.PairwiseDistance()
    assert (pd.norm, pd.eps, pd.keepdim) == (2.0, 1e-6, False)


def test_layers_call_their_functionals():
    x, y = mg.tensor(randn(4, 5, seed=3)), mg.tensor(randn(4, 5, seed=4))
    pairs = [
        (nn.Hardshrink(0.7)(x), F.hardshrink(x, 0.7)),
        (nn.Softshrink(0.2)(x), F.softshrink(x, 0.2)),
        (nn.CosineSimilarity(0, 0.5)(x, y), F.cosine_similarity(x, y, 0, 0.5)),
        (nn.PairwiseDistance(3.0, 0.1, True)(x, y), F.pairwise_distance(x, y, 3.0, 0.1, True)),
    ]
    for ours, functional in pairs:
        np.testing.assert_array_equal(ours.numpy(), functional.numpy())


@pytest.mark.parametrize("shape", [(3, 4, 5), (2, 3, 4, 5)], ids=str)
def test_softmax2d_sums_to_one_over_the_channels(device, shape):
    x = mg.tensor(randn(*shape, seed=5), device=device)
    y = nn.Softmax2d()(x)
    np.testing.assert_allclose(y.numpy().sum(axis=-3), 1.0, rtol=1e-14)
    np.testing.assert_array_equal(y.numpy(), F.softmax(x, dim=-3).numpy())


def test_softmax2d_wants_3d_or_4d(torch):
    for shape in [(3, 4), (1, 2, 3, 4, 5)]:
        with pytest.raises(ValueError, match=f"Softmax2d: expected input to be 3D or 4D, got {len(shape)}D instead"):
            nn.Softmax2d()(mg.zeros(*shape))
        with pytest.raises(ValueError, match=f"Softmax2d: expected input to be 3D or 4D, got {len(shape)}D instead"):
            torch.nn.Softmax2d()(torch.zeros(*shape))
