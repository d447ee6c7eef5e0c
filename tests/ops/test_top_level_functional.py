"""torch's top-level names of functional ops (``torch.conv2d``, ``torch.dropout``, ``torch.kl_div``...) at
``mg.<name>``: the same parameter names and order as torch's top-level signatures, and the same values and
gradients when called the same way (positionally, with the top level's int ``reduction``)."""
import inspect

import numpy as np
import pytest

import minigan as mg

from helpers import check_grad, compare_with_torch, randn

NAMES = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "avg_pool1d",
         "max_pool1d", "max_pool2d", "max_pool3d", "adaptive_avg_pool1d", "adaptive_max_pool1d", "batch_norm",
         "layer_norm", "group_norm", "instance_norm", "rms_norm", "embedding", "embedding_bag", "pixel_shuffle",
         "pixel_unshuffle", "channel_shuffle", "prelu", "relu", "selu", "celu", "rrelu", "hardshrink", "threshold",
         "dropout", "alpha_dropout", "feature_alpha_dropout", "bilinear", "cosine_similarity", "pairwise_distance",
         "kl_div", "margin_ranking_loss", "hinge_embedding_loss", "cosine_embedding_loss", "triplet_margin_loss",
         "poisson_nll_loss", "binary_cross_entropy_with_logits", "ctc_loss", "fill"]
EXTRA = {"impl"}          # minigan's own trailing option (which kernel), after torch's parameters


def _torch_names(torch, name):
    schemas = [s for s in torch._C._jit_get_schemas_for_operator("aten::" + name)
               if "out" not in s.overload_name and not s.is_mutable]
    schema = max(schemas, key=lambda s: len(s.arguments))            # the overload with every argument
    return ["input" if a.name == "self" else a.name for a in schema.arguments]


@pytest.mark.parametrize("name", NAMES)
def test_parameters_are_torchs_top_level_ones(torch, name):
    ours = list(inspect.signature(getattr(mg, name)).parameters)
    theirs = _torch_names(torch, name)
    assert ours[:len(theirs)] == theirs and set(ours[len(theirs):]) <= EXTRA, (ours, theirs)


def test_no_defaults_where_torch_has_none():
    for name in ("dropout", "alpha_dropout", "feature_alpha_dropout", "batch_norm", "instance_norm",
                 "poisson_nll_loss", "threshold"):
        params = inspect.signature(getattr(mg, name)).parameters.values()
        assert all(p.default is inspect.Parameter.empty for p in params), name
    with pytest.raises(TypeError):
        mg.dropout(mg.ones(3), 0.5)


X3, W3, B = randn(2, 3, 7, seed=1), randn(4, 3, 3, seed=2), randn(4, seed=3)
X4, W4 = randn(2, 3, 6, 5, seed=4), randn(4, 3, 3, 2, seed=5)
X5, W5 = randn(1, 2, 4, 5, 3, seed=6), randn(3, 2, 2, 3, 2, seed=7)
P, Q = randn(4, 5, seed=8), randn(4, 5, seed=9)
SIGN = np.array([1.0, -1.0, -1.0, 1.0])

# name, differentiable arrays, the call given (lib, *tensors)
CASES = [
    ("conv1d", [X3, W3, B], lambda L, x, w, b: L.conv1d(x, w, b, 2, 1, 1, 1)),
    ("conv2d", [X4, W4], lambda L, x, w: L.conv2d(x, w, None, (2, 1), 1, (1, 2), 1)),
    ("conv3d", [X5, W5], lambda L, x, w: L.conv3d(x, w, None, 1, (1, 0, 1))),
    ("conv_transpose1d", [X3[:, :3].copy(), randn(3, 2, 3, seed=10)],
     lambda L, x, w: L.conv_transpose1d(x, w, None, 2, 1, 1)),
    ("conv_transpose2d", [X4, randn(3, 2, 2, 3, seed=11)], lambda L, x, w: L.conv_transpose2d(x, w, None, 2, 0, 1)),
    ("conv_transpose3d", [X5, randn(2, 1, 2, 2, 2, seed=12)], lambda L, x, w: L.conv_transpose3d(x, w, None, 1, 1)),
    ("avg_pool1d", [X3], lambda L, x: L.avg_pool1d(x, 3, 2, 1, True, False)),
    ("max_pool1d", [X3], lambda L, x: L.max_pool1d(x, 2)),
    ("max_pool2d", [X4], lambda L, x: L.max_pool2d(x, (2, 3), 1, 1, 1, True)),
    ("max_pool3d", [X5], lambda L, x: L.max_pool3d(x, 2, 1)),
    ("adaptive_avg_pool1d", [X3], lambda L, x: L.adaptive_avg_pool1d(x, 3)),
    ("adaptive_max_pool1d", [X3], lambda L, x: L.adaptive_max_pool1d(x, 3)[0]),
    ("batch_norm", [X4, randn(3, seed=13), randn(3, seed=14)],
     lambda L, x, w, b: L.batch_norm(x, w, b, None, None, True, 0.1, 1e-5, False)),
    ("layer_norm", [X4, randn(6, 5, seed=15)], lambda L, x, w: L.layer_norm(x, (6, 5), w, None, 1e-3)),
    ("group_norm", [X4[:, 1:].copy(), randn(2, seed=16)], lambda L, x, w: L.group_norm(x, 1, w)),
    ("instance_norm", [X3, randn(3, seed=17), randn(3, seed=18)],
     lambda L, x, w, b: L.instance_norm(x, w, b, None, None, True, 0.1, 1e-5, True)),
    ("rms_norm", [X3, randn(7, seed=19)], lambda L, x, w: L.rms_norm(x, [7], w, 1e-6)),
    ("embedding", [randn(5, 3, seed=20)], lambda L, w: L.embedding(w, L.tensor([[0, 4, 4], [1, 0, 2]]), 4)),
    ("embedding_bag", [randn(5, 3, seed=21)],
     lambda L, w: L.embedding_bag(w, L.tensor([0, 2, 2, 4, 1]), L.tensor([0, 2]), False, 2)[0]),
    ("pixel_shuffle", [randn(1, 8, 2, 3, seed=22)], lambda L, x: L.pixel_shuffle(x, 2)),
    ("pixel_unshuffle", [X4], lambda L, x: L.pixel_unshuffle(x, 1)),
    ("channel_shuffle", [randn(2, 6, 3, seed=23)], lambda L, x: L.channel_shuffle(x, 3)),
    ("prelu", [X3, randn(3, seed=24)], lambda L, x, w: L.prelu(x, w)),
    ("relu", [X3], lambda L, x: L.relu(x)),
    ("selu", [X3], lambda L, x: L.selu(x)),
    ("celu", [X3], lambda L, x: L.celu(x, 0.7)),
    ("rrelu", [X3], lambda L, x: L.rrelu(x, 0.1, 0.3)),
    ("hardshrink", [X3], lambda L, x: L.hardshrink(x, 0.4)),
    ("threshold", [X3], lambda L, x: L.threshold(x, 0.2, -1.0)),
    ("dropout", [X3], lambda L, x: L.dropout(x, 0.5, False)),
    ("alpha_dropout", [X3], lambda L, x: L.alpha_dropout(x, 0.5, False)),
    ("feature_alpha_dropout", [X3], lambda L, x: L.feature_alpha_dropout(x, 0.2, False)),
    ("bilinear", [P, Q[:, :3].copy(), randn(2, 5, 3, seed=25), randn(2, seed=26)],
     lambda L, a, b, w, c: L.bilinear(a, b, w, c)),
    ("cosine_similarity", [P, Q], lambda L, a, b: L.cosine_similarity(a, b, 0)),
    ("pairwise_distance", [P, Q], lambda L, a, b: L.pairwise_distance(a, b, 3.0, 1e-6, True)),
    ("kl_div", [P, Q], lambda L, a, b: L.kl_div(a, b, 2, log_target=True)),
    ("margin_ranking_loss", [P[:, 0].copy(), Q[:, 0].copy()],
     lambda L, a, b: L.margin_ranking_loss(a, b, L.tensor(SIGN), 0.3)),
    ("hinge_embedding_loss", [P[:, 0].copy()], lambda L, a: L.hinge_embedding_loss(a, L.tensor(SIGN), 0.5, 1)),
    ("cosine_embedding_loss", [P, Q], lambda L, a, b: L.cosine_embedding_loss(a, b, L.tensor(SIGN), 0.1, 2)),
    ("triplet_margin_loss", [P, Q, randn(4, 5, seed=27)],
     lambda L, a, p, n: L.triplet_margin_loss(a, p, n, 1.0, 2.0, 1e-6, True, 1)),
    ("poisson_nll_loss", [P], lambda L, a: L.poisson_nll_loss(a, L.tensor(np.abs(Q)), True, True, 1e-8, 1)),
    ("binary_cross_entropy_with_logits", [P],       # torch gives weight and pos_weight no gradient
     lambda L, a: L.binary_cross_entropy_with_logits(a, L.tensor(Q > 0) * 1.0, L.tensor(np.abs(B[:1])),
                                                     L.tensor(np.exp(randn(5, seed=28))), 1)),
    ("ctc_loss", [randn(6, 2, 4, seed=29)],
     lambda L, lp: L.ctc_loss(lp.log_softmax(2), L.tensor([[1, 2], [3, 3]]), [6, 5], [2, 2], 0, 2)),
    ("fill", [X3, np.array(2.5)], lambda L, x, v: L.fill(x, v)),
]


@pytest.mark.parametrize("name, arrays, call", CASES, ids=[c[0] for c in CASES])
def test_values_and_gradients_as_torch(torch, name, arrays, call):
    compare_with_torch(torch, lambda *t: call(mg, *t), lambda *t: call(torch, *t), arrays, atol=1e-8)


@pytest.mark.parametrize("name", ["conv2d", "batch_norm", "embedding_bag", "kl_div", "threshold", "fill",
                                  "binary_cross_entropy_with_logits"])
def test_gradcheck(device, name):
    _, arrays, call = next(c for c in CASES if c[0] == name)
    check_grad(lambda *t: call(_OnDevice(device), *t), *arrays, device=device)


class _OnDevice:
    """``mg`` with ``tensor`` making its tensors on one device (the cases' index and target tensors)."""

    def __init__(self, device):
        self.device = device

    def tensor(self, data):
        return mg.tensor(data, device=self.device)

    def __getattr__(self, name):
        return getattr(mg, name)


@pytest.mark.parametrize("name", ["kl_div", "margin_ranking_loss", "hinge_embedding_loss",
                                  "binary_cross_entropy_with_logits"])
def test_losses_default_to_no_reduction_and_take_an_int(torch, name):
    a, b = P[:, 0].copy(), np.abs(Q[:, 0])
    args = {"kl_div": (a, b), "margin_ranking_loss": (a, b, SIGN), "hinge_embedding_loss": (a, SIGN),
            "binary_cross_entropy_with_logits": (a, b / b.max())}[name]
    for reduction in ({}, {"reduction": 0}, {"reduction": 1}, {"reduction": 2}):
        ours = getattr(mg, name)(*map(mg.tensor, args), **reduction)
        theirs = getattr(torch, name)(*map(torch.tensor, args), **reduction)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), atol=1e-12)
    with pytest.raises(TypeError, match=f"{name}\\(\\): argument 'reduction' must be an int"):
        getattr(mg, name)(*map(mg.tensor, args), reduction="mean")


def test_return_types_as_torch(torch):
    x = mg.tensor(X3.astype(np.float32))
    values, indices = mg.adaptive_max_pool1d(x, 2)
    assert values.dtype == np.float32 and indices.dtype == np.int64
    t_values, t_indices = torch.adaptive_max_pool1d(torch.tensor(X3.astype(np.float32)), 2)
    np.testing.assert_array_equal(indices.numpy(), t_indices.numpy())
    assert isinstance(mg.max_pool2d(mg.tensor(X4), 2), mg.Tensor)
    out = mg.embedding_bag(mg.tensor(randn(5, 3)), mg.tensor([0, 1]), mg.tensor([0]))
    assert len(out) == 4 and out[0].shape == (1, 3)
    assert mg.fill(mg.tensor([1, 2]), 1.5).tolist() == torch.fill(torch.tensor([1, 2]), 1.5).tolist() == [1, 1]
    with pytest.raises(ValueError, match="fill: only supports a 0-dimension value tensor"):
        mg.fill(x, mg.ones(1))
    with pytest.raises(TypeError, match="rrelu: generator must be an mg.Generator or None"):
        mg.rrelu(x, generator=object())


def test_dropout_at_the_top_level_is_seeded_and_trains(torch):
    x = mg.ones(1000)
    mg.manual_seed(0)
    a = mg.dropout(x, 0.25, True)
    mg.manual_seed(0)
    np.testing.assert_array_equal(a.numpy(), mg.dropout(x, 0.25, True).numpy())
    kept = a.numpy() != 0
    assert 0.65 < kept.mean() < 0.85 and np.allclose(a.numpy()[kept], 1 / 0.75)
