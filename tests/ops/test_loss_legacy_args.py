"""PyTorch's deprecated ``size_average`` / ``reduce`` on every loss that has them (functions and modules): torch's
values, gradients and warning for each combination; the modules' positional order; and the elementwise ``weight``
of mse_loss and l1_loss (weighted mean, gradients to the weight, the shape error)."""
import inspect
import re
import warnings
from types import SimpleNamespace

import numpy as np
import pytest

import minigan as mg
import minigan.nn as nn
import minigan.nn.functional as F
from minigan.ops.loss_reduction import LEGACY_WARNING, legacy_reduction

from helpers import check_grad, compare_with_torch, distinct, randn

REDUCTIONS = ["mean", "sum", "none"]
# (size_average, reduce) -> the reduction PyTorch makes of them; None counts as True
LEGACY = [((True, True), "mean"), ((False, True), "sum"), ((True, False), "none"), ((False, False), "none"),
          ((False, None), "sum"), ((None, False), "none"), ((None, True), "mean")]

_rng = np.random.default_rng(3)
SIGNS = np.array([1.0, -1.0, -1.0, 1.0, 1.0, -1.0])
ROWS3 = np.array([1.0, -1.0, -1.0])
PROBS = _rng.uniform(0.1, 0.9, (3, 4))
UNIT = _rng.uniform(0.0, 1.0, (3, 4))
WEIGHT34 = _rng.uniform(0.5, 2.0, (3, 4))
CLASS_W = np.array([0.5, 1.0, 2.0, 1.5])
BITS = (UNIT > 0.5).astype(np.float64)
LABELS = np.array([2, 0, 3, -100, 1])
LABEL_LISTS = np.array([[3, 0, -1, 1], [1, 2, 3, 0], [-1, 0, 0, 0]])


def _libs(torch):
    """minigan and torch side by side: ``L.F`` the functional module, ``L.nn`` the modules, ``L.c`` a constant."""
    ours = SimpleNamespace(F=F, nn=nn, c=lambda a: mg.tensor(a))
    theirs = SimpleNamespace(F=torch.nn.functional, nn=torch.nn, c=lambda a: torch.tensor(a))
    return ours, theirs


# name: (differentiable inputs, call(L, *xs, **legacy)); constants are made by L.c
FUNCTIONS = {
    "mse_loss": ([randn(3, 4, seed=1), randn(3, 4, seed=2)], lambda L, x, t, **k: L.F.mse_loss(x, t, **k)),
    "mse_loss (weight)": ([randn(3, 4, seed=1), randn(3, 4, seed=2)],
                          lambda L, x, t, **k: L.F.mse_loss(x, t, weight=L.c(WEIGHT34), **k)),
    "l1_loss": ([distinct(3, 4), randn(3, 4, seed=2) * 1e-3], lambda L, x, t, **k: L.F.l1_loss(x, t, **k)),
    "smooth_l1_loss": ([randn(3, 4, seed=1), randn(3, 4, seed=2)],
                       lambda L, x, t, **k: L.F.smooth_l1_loss(x, t, beta=0.7, **k)),
    "binary_cross_entropy": ([PROBS, UNIT], lambda L, p, t, **k: L.F.binary_cross_entropy(
        p, t, L.c(WEIGHT34), **k)),
    "binary_cross_entropy_with_logits": ([randn(3, 4, seed=1), UNIT], lambda L, x, t, **k: (
        L.F.binary_cross_entropy_with_logits(x, t, L.c(WEIGHT34), pos_weight=L.c(CLASS_W), **k))),
    "nll_loss": ([randn(5, 4, seed=1)], lambda L, x, **k: L.F.nll_loss(x, L.c(LABELS), L.c(CLASS_W), **k)),
    "cross_entropy": ([randn(5, 4, seed=1)], lambda L, x, **k: L.F.cross_entropy(
        x, L.c(LABELS), L.c(CLASS_W), label_smoothing=0.1, **k)),
    "kl_div": ([randn(3, 4, seed=1), PROBS], lambda L, x, t, **k: L.F.kl_div(x, t, **k)),
    "poisson_nll_loss": ([randn(3, 4, seed=1), PROBS * 3], lambda L, x, t, **k: L.F.poisson_nll_loss(x, t, **k)),
    "soft_margin_loss": ([randn(6, seed=1)], lambda L, x, **k: L.F.soft_margin_loss(x, L.c(SIGNS), **k)),
    "multilabel_soft_margin_loss": ([randn(3, 4, seed=1)], lambda L, x, **k: L.F.multilabel_soft_margin_loss(
        x, L.c(BITS), L.c(CLASS_W), **k)),
    "margin_ranking_loss": ([randn(6, seed=1), randn(6, seed=2)], lambda L, a, b, **k: L.F.margin_ranking_loss(
        a, b, L.c(SIGNS), 0.3, **k)),
    "hinge_embedding_loss": ([randn(6, seed=1)], lambda L, x, **k: L.F.hinge_embedding_loss(x, L.c(SIGNS), 0.8,
                                                                                              **k)),
    "cosine_embedding_loss": ([randn(3, 5, seed=1), randn(3, 5, seed=2)], lambda L, a, b, **k: (
        L.F.cosine_embedding_loss(a, b, L.c(ROWS3), 0.1, **k))),
    "triplet_margin_loss": ([randn(3, 5, seed=1), randn(3, 5, seed=2), randn(3, 5, seed=3)],
                            lambda L, a, p, n, **k: L.F.triplet_margin_loss(a, p, n, 1.5, **k)),
    "multi_margin_loss": ([randn(5, 4, seed=1)], lambda L, x, **k: L.F.multi_margin_loss(
        x, L.c(np.abs(LABELS) % 4), 1, 1.0, L.c(CLASS_W), **k)),
    "multilabel_margin_loss": ([randn(3, 4, seed=1)], lambda L, x, **k: L.F.multilabel_margin_loss(
        x, L.c(LABEL_LISTS), **k)),
}

# module name: (FUNCTIONS entry for the inputs, make(L, **legacy), forward(L, module, *xs))
MODULES = {
    "MSELoss": ("mse_loss", lambda L, **k: L.nn.MSELoss(**k), lambda L, m, x, t: m(x, t)),
    "L1Loss": ("l1_loss", lambda L, **k: L.nn.L1Loss(**k), lambda L, m, x, t: m(x, t)),
    "SmoothL1Loss": ("smooth_l1_loss", lambda L, **k: L.nn.SmoothL1Loss(beta=0.7, **k), lambda L, m, x, t: m(x, t)),
    "BCELoss": ("binary_cross_entropy", lambda L, **k: L.nn.BCELoss(L.c(WEIGHT34), **k), lambda L, m, p, t: m(p, t)),
    "BCEWithLogitsLoss": ("binary_cross_entropy_with_logits", lambda L, **k: L.nn.BCEWithLogitsLoss(
        L.c(WEIGHT34), pos_weight=L.c(CLASS_W), **k), lambda L, m, x, t: m(x, t)),
    "NLLLoss": ("nll_loss", lambda L, **k: L.nn.NLLLoss(L.c(CLASS_W), **k), lambda L, m, x: m(x, L.c(LABELS))),
    "NLLLoss2d": ("nll_loss", lambda L, **k: L.nn.NLLLoss2d(L.c(CLASS_W), **k), lambda L, m, x: m(x, L.c(LABELS))),
    "CrossEntropyLoss": ("cross_entropy", lambda L, **k: L.nn.CrossEntropyLoss(L.c(CLASS_W), label_smoothing=0.1,
                                                                               **k), lambda L, m, x: m(x, L.c(LABELS))),
    "KLDivLoss": ("kl_div", lambda L, **k: L.nn.KLDivLoss(**k), lambda L, m, x, t: m(x, t)),
    "PoissonNLLLoss": ("poisson_nll_loss", lambda L, **k: L.nn.PoissonNLLLoss(**k), lambda L, m, x, t: m(x, t)),
    "SoftMarginLoss": ("soft_margin_loss", lambda L, **k: L.nn.SoftMarginLoss(**k), lambda L, m, x: m(x, L.c(SIGNS))),
    "MultiLabelSoftMarginLoss": ("multilabel_soft_margin_loss", lambda L, **k: L.nn.MultiLabelSoftMarginLoss(
        L.c(CLASS_W), **k), lambda L, m, x: m(x, L.c(BITS))),
    "MarginRankingLoss": ("margin_ranking_loss", lambda L, **k: L.nn.MarginRankingLoss(0.3, **k),
                          lambda L, m, a, b: m(a, b, L.c(SIGNS))),
    "HingeEmbeddingLoss": ("hinge_embedding_loss", lambda L, **k: L.nn.HingeEmbeddingLoss(0.8, **k),
                           lambda L, m, x: m(x, L.c(SIGNS))),
    "CosineEmbeddingLoss": ("cosine_embedding_loss", lambda L, **k: L.nn.CosineEmbeddingLoss(0.1, **k),
                            lambda L, m, a, b: m(a, b, L.c(ROWS3))),
    "TripletMarginLoss": ("triplet_margin_loss", lambda L, **k: L.nn.TripletMarginLoss(1.5, **k),
                          lambda L, m, a, p, n: m(a, p, n)),
    "MultiMarginLoss": ("multi_margin_loss", lambda L, **k: L.nn.MultiMarginLoss(1, 1.0, L.c(CLASS_W), **k),
                        lambda L, m, x: m(x, L.c(np.abs(LABELS) % 4))),
    "MultiLabelMarginLoss": ("multilabel_margin_loss", lambda L, **k: L.nn.MultiLabelMarginLoss(**k),
                             lambda L, m, x: m(x, L.c(LABEL_LISTS))),
}


def _quiet(fn):
    """``fn`` with every warning it raises silenced (torch's, so that pytest.warns sees only minigan's)."""
    def call(*args):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(*args)
    return call


def _warns(reduction: str):
    return pytest.warns(UserWarning, match=re.escape(LEGACY_WARNING.format(reduction)))


def test_the_warning_is_torchs(torch):
    from torch.nn import _reduction
    for (size_average, reduce), expected in LEGACY:
        with warnings.catch_warnings(record=True) as theirs:
            warnings.simplefilter("always")
            assert _reduction.legacy_get_string(size_average, reduce) == expected
        with warnings.catch_warnings(record=True) as ours:
            warnings.simplefilter("always")
            assert legacy_reduction(size_average, reduce, "bogus") == expected
        assert [(w.category, str(w.message)) for w in ours] == [(w.category, str(w.message)) for w in theirs]
    with warnings.catch_warnings():
        warnings.simplefilter("error")                      # neither flag given: the reduction, and no warning
        assert legacy_reduction(None, None, "sum") == "sum"


@pytest.mark.parametrize("legacy,reduction", LEGACY, ids=[f"{a}-{b}" for (a, b), _ in LEGACY])
@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_functions_take_size_average_and_reduce(torch, name, legacy, reduction):
    ours, theirs = _libs(torch)
    arrays, call = FUNCTIONS[name]
    kw = dict(size_average=legacy[0], reduce=legacy[1], reduction="none" if reduction != "none" else "sum")
    with _warns(reduction):                  # the flags win over the reduction given beside them
        compare_with_torch(torch, lambda *xs: call(ours, *xs, **kw), _quiet(lambda *ts: call(theirs, *ts, **kw)),
                           arrays, atol=1e-10)
    plain = dict(reduction=reduction)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        legacy_out = call(ours, *(mg.tensor(a) for a in arrays), **kw).numpy()
        np.testing.assert_array_equal(legacy_out, call(ours, *(mg.tensor(a) for a in arrays), **plain).numpy())


@pytest.mark.filterwarnings("ignore:`NLLLoss2d` has been deprecated:FutureWarning")
@pytest.mark.parametrize("legacy,reduction", LEGACY, ids=[f"{a}-{b}" for (a, b), _ in LEGACY])
@pytest.mark.parametrize("name", list(MODULES))
def test_modules_take_size_average_and_reduce(torch, name, legacy, reduction):
    ours, theirs = _libs(torch)
    inputs, make, forward = MODULES[name]
    arrays = FUNCTIONS[inputs][0]
    kw = dict(size_average=legacy[0], reduce=legacy[1], reduction="none" if reduction != "none" else "sum")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_module = make(theirs, **kw)
    with _warns(reduction) as record:
        module = make(ours, **kw)
    assert module.reduction == t_module.reduction == reduction
    assert any(w.filename == __file__ for w in record)        # the warning points at the line that made it
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                     # KLDivLoss's "mean" warns on every call, as torch's
        compare_with_torch(torch, lambda *xs: forward(ours, module, *xs),
                           lambda *ts: forward(theirs, t_module, *ts), arrays, atol=1e-10)


def test_kl_div_legacy_mean_does_not_warn_about_batchmean(torch):
    x, t = mg.tensor(randn(3, 4, seed=1)), mg.tensor(PROBS)
    for fn, args in ((F.kl_div, (x, t)), (torch.nn.functional.kl_div, (torch.tensor(x.numpy()), torch.tensor(PROBS)))):
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            fn(*args, size_average=True)
        assert [str(w.message) for w in record] == [LEGACY_WARNING.format("mean")]
    with pytest.warns(UserWarning, match="batchmean"):
        F.kl_div(x, t)


def _init_parameters(cls):
    return [(p.name, p.kind, p.default) for p in inspect.signature(cls.__init__).parameters.values()][1:]


def test_modules_have_torchs_positional_order(torch):
    names = [n for n in dir(torch.nn) if (n.endswith("Loss") or n == "NLLLoss2d") and hasattr(nn, n)]
    assert len(names) >= 22
    for name in names:
        ours, theirs = _init_parameters(getattr(nn, name)), _init_parameters(getattr(torch.nn, name))
        assert [(n, k) for n, k, _ in ours] == [(n, k) for n, k, _ in theirs], name
        for (n, _, ours_default), (_, _, torch_default) in zip(ours, theirs):
            if not inspect.isclass(torch_default):
                assert ours_default == torch_default, (name, n)


def test_modules_positional_arguments_mean_what_they_mean_in_torch(torch):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, args in (("NLLLoss", (None, None, -100, None, "sum")), ("MSELoss", (None, False)),
                           ("MultiMarginLoss", (2, 0.5, None, False, True)), ("NLLLoss2d", (None, False, 3)),
                           ("PoissonNLLLoss", (False, True, None, 1e-4, None, "none")),
                           ("TripletMarginLoss", (1.0, 2.0, 1e-6, True, None, False)),
                           ("CrossEntropyLoss", (None, None, 2, None, "sum", 0.25))):
            ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
            for attr in ("reduction", "ignore_index", "p", "margin", "eps", "log_input", "full", "swap",
                         "label_smoothing"):
                assert getattr(ours, attr, None) == getattr(theirs, attr, None), (name, attr)


def test_functions_take_the_flags_keyword_only_after_their_own_positions(torch):
    for name in FUNCTIONS:
        name = name.split(" ")[0]
        torch_params = inspect.signature(getattr(torch.nn.functional, name)).parameters
        params = inspect.signature(getattr(F, name)).parameters
        assert "size_average" in torch_params and "reduce" in torch_params
        assert params["size_average"].kind is params["reduce"].kind is inspect.Parameter.KEYWORD_ONLY, name
        assert params["size_average"].default is params["reduce"].default is None
    x, t = mg.tensor([1.0, 2.0]), mg.tensor([0.0, 0.0])
    assert F.mse_loss(x, t, "sum").item() == 5.0 and F.l1_loss(x, t, "none").shape == (2,)   # reduction: third
    with pytest.raises(TypeError):
        F.mse_loss(x, t, None, None, "sum")


# --------------------------------------------------------------------------- mse_loss / l1_loss weight
WEIGHTED = {"mse_loss": F.mse_loss, "l1_loss": F.l1_loss}


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(), (1,), (3, 1, 5), (2, 3)])
@pytest.mark.parametrize("name", list(WEIGHTED))
def test_weighted_gradcheck(device, name, shape, reduction):
    fn = WEIGHTED[name]
    w = np.random.default_rng(4).uniform(0.3, 2.0, shape)
    check_grad(lambda x, t, w: fn(x, t, weight=w, reduction=reduction), distinct(*shape, seed=1),
               randn(*shape, seed=2) * 1e-3, w, device=device)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", list(WEIGHTED))
def test_weighted_matches_torch(torch, name, reduction):
    ours, theirs = WEIGHTED[name], getattr(torch.nn.functional, name)
    x, t, w = distinct(4, 5, seed=5), randn(4, 5, seed=6) * 1e-3, np.random.default_rng(7).uniform(0.2, 2.0, (4, 5))
    compare_with_torch(torch, lambda x, t, w: ours(x, t, weight=w, reduction=reduction),
                       lambda x, t, w: theirs(x, t, weight=w, reduction=reduction), [x, t, w])
    compare_with_torch(torch, lambda x, t, w: ours(x, t, reduction, w),           # weight: after reduction
                       lambda x, t, w: theirs(x, t, None, None, reduction, w), [x, t, w])


@pytest.mark.parametrize("name", list(WEIGHTED))
def test_weighted_mean_divides_by_the_weights(name):
    x, t, w = mg.tensor([1.0, 2.0, 4.0]), mg.tensor([0.0, 0.0, 0.0]), mg.tensor([1.0, 1.0, 2.0])
    per_element = WEIGHTED[name](x, t, reduction="none").numpy()
    expected = (per_element * w.numpy()).sum() / 4.0
    assert WEIGHTED[name](x, t, weight=w).item() == pytest.approx(expected)
    assert WEIGHTED[name](x, t, weight=w * 3).item() == pytest.approx(expected)     # scale-free, unlike a plain mean
    ones = mg.ones(3)
    assert WEIGHTED[name](x, t, weight=ones).item() == pytest.approx(WEIGHTED[name](x, t).item())


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_huber_weighted_mean_is_the_plain_mean_as_in_torch(torch, reduction):
    x, t, w = randn(4, 5, seed=1, scale=2), randn(4, 5, seed=2), np.random.default_rng(3).uniform(0.2, 2.0, (4, 5))
    compare_with_torch(torch, lambda x, t, w: F.huber_loss(x, t, reduction=reduction, weight=w),
                       lambda x, t, w: torch.nn.functional.huber_loss(x, t, reduction=reduction, weight=w),
                       [x, t, w])


@pytest.mark.parametrize("name", list(WEIGHTED))
def test_weighted_dtypes_and_legacy_flags(torch, name):
    x = mg.tensor(np.ones((2, 3), np.float32))
    w = mg.tensor(np.full((2, 3), 2.0, np.float32))
    assert WEIGHTED[name](x, mg.zeros(2, 3), weight=w).dtype == mg.float32
    with _warns("sum"):
        assert WEIGHTED[name](x, mg.zeros(2, 3), weight=w, size_average=False).item() == pytest.approx(12.0)


@pytest.mark.parametrize("name", list(WEIGHTED))
def test_weight_of_another_shape_is_an_error(torch, name):
    x, t = mg.zeros(2, 3), mg.zeros(2, 3)
    with pytest.raises(ValueError, match=rf"{name}: Weights and input must have the same size: weight has shape "
                                         rf"\(3,\) but the input has shape \(2, 3\)"):
        WEIGHTED[name](x, t, weight=mg.ones(3))
    with pytest.raises(ValueError, match="Weights and input must have the same size"):
        getattr(torch.nn.functional, name)(torch.zeros(2, 3), torch.zeros(2, 3), weight=torch.ones(3))
    with pytest.raises(ValueError, match=rf"{name}: reduction must be 'mean', 'sum' or 'none', got 'avg'"):
        WEIGHTED[name](x, t, weight=mg.ones(2, 3), reduction="avg")
