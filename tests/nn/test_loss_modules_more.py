"""The loss modules beyond the first six (HuberLoss ... TripletMarginLoss): each is its functional with the
arguments it was built with, gradchecked in float64 on every device, held against torch.nn's losses (values,
gradients, repr, attributes, defaults, state dict), and its constructor's errors."""
import warnings

import numpy as np
import pytest

import minigan as mg
import minigan.nn as nn
import minigan.nn.functional as F

from helpers import check_grad, compare_with_torch, randn

REDUCTIONS = ["mean", "sum", "none"]
MEAN_WARNINGS = ("ignore:kl_div. reduction='mean':UserWarning", "ignore:reduction. 'mean':UserWarning")  # KLDivLoss's
NAMES = ["HuberLoss", "SmoothL1Loss", "KLDivLoss", "GaussianNLLLoss", "PoissonNLLLoss", "SoftMarginLoss",
         "MultiLabelSoftMarginLoss", "MarginRankingLoss", "HingeEmbeddingLoss", "CosineEmbeddingLoss",
         "TripletMarginLoss"]


def _probabilities(*shape, seed):
    p = np.random.default_rng(seed).uniform(0.05, 1.0, shape)
    return p / p.sum(axis=-1, keepdims=True)


def _labels(*shape, seed):
    return np.random.default_rng(seed).choice([-1, 1], shape)


# name -> (arguments for both constructors, differentiable inputs, constant trailing inputs)
CASES = {
    "HuberLoss": (dict(delta=0.6), [randn(4, 3, seed=1), randn(4, 3, seed=2)], []),
    "SmoothL1Loss": (dict(beta=0.4), [randn(4, 3, seed=3), randn(4, 3, seed=4)], []),
    "KLDivLoss": (dict(log_target=True), [np.log(_probabilities(4, 3, seed=5)), np.log(_probabilities(4, 3, seed=6))],
                  []),
    "GaussianNLLLoss": (dict(full=True, eps=1e-4), [randn(4, 3, seed=7), randn(4, 3, seed=8),
                                                    np.random.default_rng(9).uniform(0.2, 2.0, (4, 1))], []),
    "PoissonNLLLoss": (dict(log_input=False, full=True, eps=1e-4),
                       [np.random.default_rng(10).uniform(0.2, 3.0, (4, 3)),
                        np.random.default_rng(11).uniform(1.5, 5.0, (4, 3))], []),
    "SoftMarginLoss": ({}, [randn(4, 3, seed=12)], [_labels(4, 3, seed=13)]),
    "MultiLabelSoftMarginLoss": ({"weight": np.array([0.5, 2.0, 1.0])}, [randn(4, 3, seed=14)],
                                 [np.random.default_rng(15).integers(0, 2, (4, 3))]),
    "MarginRankingLoss": (dict(margin=0.3), [randn(5, seed=16), randn(5, seed=17)], [_labels(5, seed=18)]),
    "HingeEmbeddingLoss": (dict(margin=1.5), [np.random.default_rng(19).uniform(0.1, 1.4, (4, 3))],
                           [_labels(4, 3, seed=20)]),
    "CosineEmbeddingLoss": (dict(margin=0.2), [randn(4, 3, seed=21), randn(4, 3, seed=22)], [_labels(4, seed=23)]),
    "TripletMarginLoss": (dict(margin=0.7, p=3.0, eps=1e-3, swap=True), [randn(4, 3, seed=24), randn(4, 3, seed=25),
                                                                         randn(4, 3, seed=26)], []),
}


def _ours(name, reduction, device="cpu"):
    kwargs = dict(CASES[name][0])
    if "weight" in kwargs:
        kwargs["weight"] = mg.tensor(kwargs["weight"], device=device)
    return getattr(nn, name)(reduction=reduction, **kwargs)


def _theirs(torch, name, reduction):
    kwargs = dict(CASES[name][0])
    if "weight" in kwargs:
        kwargs["weight"] = torch.tensor(kwargs["weight"])
    return getattr(torch.nn, name)(reduction=reduction, **kwargs)


@pytest.mark.filterwarnings(MEAN_WARNINGS[0], MEAN_WARNINGS[1])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", NAMES)
def test_loss_module_gradcheck(device, name, reduction):
    _, arrays, constants = CASES[name]
    loss = _ours(name, reduction, device)
    consts = [mg.tensor(c, device=device) for c in constants]
    check_grad(lambda *xs: loss(*xs, *consts), *arrays, device=device)


@pytest.mark.filterwarnings(MEAN_WARNINGS[0], MEAN_WARNINGS[1])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", NAMES)
def test_loss_module_matches_torch(torch, name, reduction):
    _, arrays, constants = CASES[name]
    ours, theirs = _ours(name, reduction), _theirs(torch, name, reduction)
    compare_with_torch(torch, lambda *xs: ours(*xs, *[mg.tensor(c) for c in constants]),
                       lambda *xs: theirs(*xs, *[torch.tensor(c) for c in constants]), arrays, atol=1e-12, rtol=1e-10)
    assert repr(ours) == repr(theirs) == f"{name}()"
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for attr in ("reduction", "delta", "beta", "log_target", "full", "eps", "log_input", "margin", "p", "swap"):
        if hasattr(theirs, attr):
            assert getattr(ours, attr) == getattr(theirs, attr), (name, attr)


@pytest.mark.parametrize("name", NAMES)
def test_loss_module_defaults_match_torch(torch, name):
    ours, theirs = getattr(nn, name)(), getattr(torch.nn, name)()
    checked = 0
    for attr in ("reduction", "delta", "beta", "log_target", "full", "eps", "log_input", "margin", "p", "swap",
                 "weight"):
        if hasattr(theirs, attr):
            want = getattr(theirs, attr)
            got = getattr(ours, attr)
            assert (got is None) if want is None else (got == want and type(got) is type(want)), (name, attr)
            checked += 1
    assert checked >= 1 and repr(ours) == repr(theirs)


def test_kl_div_loss_takes_batchmean_and_warns_for_mean(torch):
    x, t = np.log(_probabilities(3, 4, seed=27)), _probabilities(3, 4, seed=28)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = nn.KLDivLoss(reduction="batchmean")(mg.tensor(x), mg.tensor(t)).item()
        theirs = torch.nn.KLDivLoss(reduction="batchmean")(torch.tensor(x), torch.tensor(t)).item()
    assert ours == pytest.approx(theirs, rel=1e-13)
    assert ours == pytest.approx(np.sum(t * (np.log(t) - x)) / 3, rel=1e-13)
    with pytest.warns(UserWarning, match="kl_div: reduction='mean'"):
        nn.KLDivLoss()(mg.tensor(x), mg.tensor(t))
    with pytest.raises(ValueError, match="KLDivLoss: reduction must be 'mean', 'batchmean', 'sum' or 'none', "
                                         "got 'avg'"):
        nn.KLDivLoss(reduction="avg")
    with pytest.raises(ValueError, match="HuberLoss: reduction must be 'mean', 'sum' or 'none', got 'batchmean'"):
        nn.HuberLoss(reduction="batchmean")


def test_loss_modules_call_their_functional_with_their_arguments():
    a, b, c = (mg.tensor(randn(4, 3, seed=s)) for s in (29, 30, 31))
    y = mg.tensor(_labels(4, seed=32))
    v = mg.tensor(np.random.default_rng(33).uniform(0.5, 2.0, (4, 3)))
    pairs = [
        (nn.HuberLoss("sum", 0.5)(a, b), F.huber_loss(a, b, "sum", 0.5)),
        (nn.SmoothL1Loss(beta=2.0)(a, b), F.smooth_l1_loss(a, b, beta=2.0)),
        (nn.GaussianNLLLoss(full=True, reduction="none")(a, b, v),
         F.gaussian_nll_loss(a, b, v, True, reduction="none")),
        (nn.PoissonNLLLoss(False, True, eps=0.5)(v, v * 2), F.poisson_nll_loss(v, v * 2, False, True, eps=0.5)),
        (nn.MarginRankingLoss(0.4)(a[:, 0], b[:, 0], y), F.margin_ranking_loss(a[:, 0], b[:, 0], y, 0.4)),
        (nn.HingeEmbeddingLoss(0.2, reduction="sum")(v, a), F.hinge_embedding_loss(v, a, 0.2, "sum")),
        (nn.CosineEmbeddingLoss(-0.1)(a, b, y), F.cosine_embedding_loss(a, b, y, -0.1)),
        (nn.TripletMarginLoss(2.0, 1.0, 0.0, True)(a, b, c), F.triplet_margin_loss(a, b, c, 2.0, 1.0, 0.0, True)),
        (nn.MultiLabelSoftMarginLoss(mg.tensor([1.0, 2.0, 3.0]))(a, v > 1),
         F.multilabel_soft_margin_loss(a, v > 1, mg.tensor([1.0, 2.0, 3.0]))),
    ]
    for ours, functional in pairs:
        np.testing.assert_array_equal(ours.numpy(), functional.numpy())


def test_multilabel_weight_is_a_buffer_that_moves_and_casts():
    loss = nn.MultiLabelSoftMarginLoss(weight=np.array([1.0, 2.0], dtype=np.float32))
    assert list(loss.state_dict()) == ["weight"] and not loss.weight.requires_grad
    loss.double()
    assert loss.weight.dtype == np.float64
    assert nn.MultiLabelSoftMarginLoss().weight is None and list(nn.MultiLabelSoftMarginLoss().state_dict()) == []


# ----------------------------------------------------------------- errors
@pytest.mark.parametrize("name", NAMES)
def test_a_bad_reduction_fails_at_construction(name):
    with pytest.raises(ValueError, match=rf"{name}: reduction must be 'mean', .*'sum' or 'none', got 'avg'"):
        getattr(nn, name)(reduction="avg")


def test_loss_module_argument_errors(torch):
    with pytest.raises(TypeError, match="HuberLoss: delta must be a float or int, got str"):
        nn.HuberLoss(delta="1")
    with pytest.raises(TypeError, match="delta must be a float or int"):
        torch.nn.HuberLoss(delta="1")
    with pytest.raises(ValueError, match="HuberLoss: delta must be positive, got 0"):
        nn.HuberLoss(delta=0)
    with pytest.raises(ValueError, match="SmoothL1Loss: beta must be at least 0, got -1.0"):
        nn.SmoothL1Loss(beta=-1.0)
    with pytest.raises(ValueError, match="TripletMarginLoss: expected margin to be greater than 0, got -1 instead"):
        nn.TripletMarginLoss(margin=-1)
    with pytest.raises(ValueError, match="TripletMarginLoss: expected margin to be greater than 0, got -1 instead"):
        torch.nn.TripletMarginLoss(margin=-1)
    # PyTorch's positional order, with its deprecated size_average and reduce (None: reduction decides)
    for make in (lambda: nn.SmoothL1Loss(None, None, "sum"), lambda: nn.KLDivLoss(None, None, "sum"),
                 lambda: nn.SoftMarginLoss(None, None, "sum"), lambda: nn.MarginRankingLoss(0.0, None, None, "sum")):
        assert make().reduction == "sum"
    assert nn.PoissonNLLLoss(True, False, None, 1e-8).eps == 1e-8
    assert nn.TripletMarginLoss(1.0, 2.0, 1e-6, False, None).reduction == "mean"
    with pytest.raises(TypeError):                   # its arguments are keyword-only, in PyTorch too
        nn.GaussianNLLLoss(True)
    with pytest.raises(TypeError):
        torch.nn.GaussianNLLLoss(True)
    assert nn.HuberLoss("sum", 2.0).reduction == "sum" and nn.HuberLoss("sum", 2.0).delta == 2.0   # both positional
    assert torch.nn.HuberLoss("sum", 2.0).delta == 2.0
