"""nll_loss and cross_entropy on K-dim inputs (N, C, d1, ..., dK) and on one unbatched sample (C,): gradchecks in
float64 with weight, ignore_index, label_smoothing and probability targets under every reduction; parity of
values, gradients, dtypes and result shapes with PyTorch; the errors; and the loss modules on the same shapes."""
import numpy as np
import pytest

import minigan as mg
import minigan.nn as nn
import minigan.nn.functional as F

from helpers import check_grad, compare_with_torch, randn

REDUCTIONS = ["mean", "sum", "none"]
# K = 1, 2, 3: odd sizes, batch 1, a size-1 spatial dim
SHAPES = [(2, 3, 5), (1, 5, 3, 1), (3, 4, 1, 3, 2)]
WEIGHT = {3: [0.5, 2.0, 1.25], 4: [0.5, 2.0, 1.25, 0.75], 5: [0.5, 2.0, 1.25, 0.75, 1.5]}


def labels(shape, seed=0, ignore_index=-100, ignored=2):
    """Class indices (N, d1, ..., dK) for an input of ``shape``, with ``ignored`` positions set to ignore_index."""
    rng = np.random.default_rng(seed)
    t = rng.integers(0, shape[1], (shape[0],) + shape[2:])
    t.reshape(-1)[rng.permutation(t.size)[:ignored]] = ignore_index
    return t


def probabilities(shape, seed=0):
    """Class probabilities of ``shape``, summing to 1 along the class dim (dim 1; dim 0 unbatched)."""
    axis = 0 if len(shape) == 1 else 1
    p = np.random.default_rng(seed).uniform(0.1, 1.0, shape)
    return p / p.sum(axis=axis, keepdims=True)


def weight_of(shape, lib, device="cpu", dtype=np.float64):
    w = np.array(WEIGHT[shape[0 if len(shape) == 1 else 1]], dtype=dtype)
    return mg.tensor(w, device=device) if lib is mg else lib.tensor(w)


# --------------------------------------------------------------------------- gradchecks
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_nll_loss_kdim_gradcheck(device, shape, reduction, weighted):
    t = mg.tensor(labels(shape, seed=1), device=device)
    w = weight_of(shape, mg, device) if weighted else None
    assert check_grad(lambda x: F.nll_loss(x, t, w, reduction=reduction), randn(*shape, seed=2), device=device)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.3])
def test_cross_entropy_kdim_class_indices_gradcheck(device, shape, reduction, smoothing):
    t = mg.tensor(labels(shape, seed=3, ignore_index=1), device=device)      # some class-1 targets are ignored
    w = weight_of(shape, mg, device)
    assert check_grad(lambda x: F.cross_entropy(x, t, w, ignore_index=1, reduction=reduction,
                                                label_smoothing=smoothing), randn(*shape, seed=4), device=device)


@pytest.mark.parametrize("shape", SHAPES + [(4,)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_probability_target_gradcheck(device, shape, reduction, weighted):
    w = weight_of(shape, mg, device) if weighted else None
    assert check_grad(lambda x, p: F.cross_entropy(x, p, w, reduction=reduction, label_smoothing=0.2),
                      randn(*shape, seed=5), probabilities(shape, seed=6), device=device)


@pytest.mark.parametrize("reduction, label", [(r, label) for r in REDUCTIONS for label in (2, 0)]
                         + [("sum", -100), ("none", -100)])          # an ignored sample's "mean" is 0/0 = nan
def test_unbatched_class_index_gradcheck(device, reduction, label):
    t = mg.tensor(np.array(label), device=device)
    w = weight_of((3,), mg, device)
    assert check_grad(lambda x: F.nll_loss(x, t, w, reduction=reduction), randn(3, seed=7), device=device)
    assert check_grad(lambda x: F.cross_entropy(x, t, w, reduction=reduction, label_smoothing=0.1),
                      randn(3, seed=8), device=device)


def test_kdim_cross_entropy_second_derivatives(device):
    t = mg.tensor(labels((2, 3, 2, 3), seed=9), device=device)
    x = mg.tensor(randn(2, 3, 2, 3, seed=10), device=device, requires_grad=True)
    assert mg.gradgradcheck(lambda x: F.cross_entropy(x, t, weight_of((2, 3), mg, device), label_smoothing=0.2),
                            [x])


# --------------------------------------------------------------------------- parity with torch
def _pair(torch, kind, shape, reduction, device, seed=0, dtype=np.float64):
    """(minigan fn, torch fn, arrays) for one kind of call on ``shape``, with class weights of ``dtype``."""
    tf = torch.nn.functional
    ws = dict(zip(("mg", "torch"), (weight_of(shape, mg, device, dtype), weight_of(shape, torch, dtype=dtype))))
    if kind == "probabilities":
        def call(lib, w):
            f = F if lib == "mg" else tf
            return lambda x, p: f.cross_entropy(x, p, w, reduction=reduction, label_smoothing=0.2)
        return call("mg", ws["mg"]), call("torch", ws["torch"]), [randn(*shape, seed=seed),
                                                                   probabilities(shape, seed + 1)]
    t = labels(shape, seed=seed, ignore_index=0) if len(shape) > 1 else np.array(seed % shape[0])
    kw = dict(ignore_index=0, reduction=reduction)
    if kind == "smoothed":
        kw["label_smoothing"] = 0.25
    op = "nll_loss" if kind == "nll" else "cross_entropy"
    ours = lambda x: getattr(F, op)(x, mg.tensor(t, device=device), ws["mg"], **kw)        # noqa: E731
    theirs = lambda x: getattr(tf, op)(x, torch.tensor(t), ws["torch"], **kw)               # noqa: E731
    return ours, theirs, [randn(*shape, seed=seed)]


@pytest.mark.parametrize("shape", SHAPES + [(4,)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kind", ["nll", "cross_entropy", "smoothed", "probabilities"])
def test_matches_torch(device, torch, shape, reduction, kind):
    ours, theirs, arrays = _pair(torch, kind, shape, reduction, device, seed=11)
    compare_with_torch(torch, ours, theirs, arrays, device=device)


@pytest.mark.parametrize("shape", SHAPES + [(4,)])
@pytest.mark.parametrize("kind", ["nll", "cross_entropy", "probabilities"])
def test_float32_in_float32_out_with_torch_shapes(torch, shape, kind):
    for reduction in REDUCTIONS:
        ours, theirs, arrays = _pair(torch, kind, shape, reduction, "cpu", seed=12, dtype=np.float32)
        y = ours(*(mg.tensor(a.astype(np.float32)) for a in arrays))
        ty = theirs(*(torch.tensor(a.astype(np.float32)) for a in arrays))
        assert y.dtype == np.float32 and y.shape == tuple(ty.shape), (reduction, y.shape, tuple(ty.shape))
        np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-5, atol=1e-6)


def test_unbatched_none_is_0d_and_every_ignored_mean_is_nan(torch):
    x = randn(4, seed=13)
    for fn, tfn in ((F.nll_loss, torch.nn.functional.nll_loss), (F.cross_entropy, torch.nn.functional.cross_entropy)):
        y = fn(mg.tensor(x), mg.tensor(np.array(3)), reduction="none")
        assert y.shape == () and y.item() == pytest.approx(tfn(torch.tensor(x), torch.tensor(3), reduction="none"))
        assert fn(mg.tensor(x), mg.tensor(np.array(-100)), reduction="none").item() == 0.0
        assert np.isnan(fn(mg.tensor(x), mg.tensor(np.array(-100))).item())
        assert np.isnan(tfn(torch.tensor(x), torch.tensor(-100)).item())
    every_ignored = np.full((2, 3), -100)
    assert np.isnan(F.cross_entropy(mg.tensor(randn(2, 4, 3)), mg.tensor(every_ignored), label_smoothing=0.1).item())


def test_kdim_is_the_flattened_2d_loss(device):
    """(N, C, H, W) is N H W samples of C classes: the same losses as the class dim moved last and flattened."""
    x, t = randn(2, 4, 3, 5, seed=14), labels((2, 4, 3, 5), seed=15, ignored=4)
    flat_x, flat_t = x.transpose(0, 2, 3, 1).reshape(-1, 4), t.reshape(-1)
    w = weight_of((2, 4), mg, device)
    for reduction in REDUCTIONS:
        kdim = F.cross_entropy(mg.tensor(x, device=device), mg.tensor(t, device=device), w, reduction=reduction,
                               label_smoothing=0.3).numpy()
        flat = F.cross_entropy(mg.tensor(flat_x, device=device), mg.tensor(flat_t, device=device), w,
                               reduction=reduction, label_smoothing=0.3).numpy()
        np.testing.assert_allclose(kdim.reshape(-1), flat.reshape(-1), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("dtype", [np.int32, np.uint8, np.int64])
def test_integer_target_dtypes(dtype):
    x, t = randn(2, 3, 4, seed=16), labels((2, 3, 4), seed=17, ignored=0)
    expected = F.nll_loss(mg.tensor(x), mg.tensor(t), reduction="none").numpy()
    np.testing.assert_array_equal(F.nll_loss(mg.tensor(x), mg.tensor(t.astype(dtype)), reduction="none").numpy(),
                                  expected)
    np.testing.assert_array_equal(expected, -np.take_along_axis(x, t[:, None], 1)[:, 0])


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize("fn", ["nll_loss", "cross_entropy"])
def test_target_shape_mismatch_names_the_users_shapes(fn, torch):
    f, x = getattr(F, fn), mg.zeros(2, 3, 4, 5)
    for bad in [(2, 3, 5), (1, 4, 5), (2, 20), (2, 4, 5, 1)]:
        expected = rf"{fn}: .*\(N, C, d1, \.\.\., dK\).*got input \(2, 3, 4, 5\) and target {_re(bad)}, " \
                   r"expected a target of shape \(2, 4, 5\)"
        with pytest.raises(ValueError, match=expected):
            f(x, mg.tensor(np.zeros(bad, dtype=np.int64)))
        with pytest.raises((ValueError, RuntimeError)):            # torch refuses each of them too
            getattr(torch.nn.functional, fn)(torch.zeros(2, 3, 4, 5), torch.zeros(bad, dtype=torch.long))
    with pytest.raises(ValueError, match=rf"{fn}: .*and input \(C,\) takes \(\); got input \(3,\) and target "
                                         r"\(2,\), expected a target of shape \(\)"):
        f(mg.zeros(3), mg.tensor([0, 1]))
    with pytest.raises(ValueError, match=rf"{fn}: expected an input of 1 or more dimensions.*got a 0-d tensor"):
        f(mg.tensor(0.5), mg.tensor(np.array(0)))


def _re(shape):
    return "\\" + str(tuple(shape)).replace(")", "\\)")


@pytest.mark.parametrize("fn", ["nll_loss", "cross_entropy"])
def test_kdim_and_unbatched_targets_out_of_bounds(fn):
    t = labels((2, 3, 4, 5), seed=18, ignored=0)
    for bad in (3, -2):
        t[1, 2, 3] = bad
        with pytest.raises(IndexError, match=rf"nll_loss: Target {bad} is out of bounds: the input has 3 classes"):
            getattr(F, fn)(mg.zeros(2, 3, 4, 5), mg.tensor(t))
        with pytest.raises(IndexError, match=f"Target {bad} is out of bounds"):
            getattr(F, fn)(mg.zeros(3), mg.tensor(np.array(bad)), label_smoothing=0.1) if fn == "cross_entropy" \
                else F.nll_loss(mg.zeros(3), mg.tensor(np.array(bad)))
    t[1, 2, 3] = 7                                       # ignore_index may lie outside [0, C)
    assert F.nll_loss(mg.zeros(2, 3, 4, 5), mg.tensor(t), ignore_index=7, reduction="none").numpy()[1, 2, 3] == 0


def test_float_target_of_the_wrong_shape():
    for shape, target in [((2, 3, 4), (2, 3)), ((2, 3, 4), (2, 4)), ((3,), (4,)), ((3,), ())]:
        with pytest.raises(TypeError, match=rf"cross_entropy: a float target holds class probabilities and must "
                                            rf"have the input's shape {_re(shape)}, got {_re(target)}"):
            F.cross_entropy(mg.zeros(*shape), mg.tensor(np.zeros(target, dtype=np.float32)))
    with pytest.raises(TypeError, match="nll_loss: target must hold class indices .*float32"):
        F.nll_loss(mg.zeros(2, 3, 4), mg.zeros(2, 4))


@pytest.mark.parametrize("shape", [(2, 3, 4), (3,)])
def test_weight_of_the_wrong_size(shape):
    target = np.zeros((2, 4) if len(shape) > 1 else (), dtype=np.int64)
    calls = [("nll_loss", lambda w: F.nll_loss(mg.zeros(*shape), mg.tensor(target), w)),
             ("cross_entropy", lambda w: F.cross_entropy(mg.zeros(*shape), mg.tensor(target), w)),
             ("cross_entropy", lambda w: F.cross_entropy(mg.zeros(*shape), mg.tensor(target), w, label_smoothing=0.1)),
             ("cross_entropy", lambda w: F.cross_entropy(mg.zeros(*shape), mg.zeros(*shape), w))]
    for name, call in calls:
        with pytest.raises(ValueError, match=rf"{name}: weight should hold one value per class, shape \(3,\), but "
                                             r"got shape \(4,\)"):
            call(mg.ones(4))


# --------------------------------------------------------------------------- the loss modules
@pytest.mark.parametrize("shape", [(2, 3, 5), (1, 5, 3, 1), (4,)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_loss_modules_take_the_same_shapes(device, torch, shape, reduction):
    t = labels(shape, seed=19) if len(shape) > 1 else np.array(1)
    w = np.array(WEIGHT[shape[0 if len(shape) == 1 else 1]])
    pairs = [(nn.NLLLoss(mg.tensor(w), reduction=reduction), torch.nn.NLLLoss(torch.tensor(w), reduction=reduction)),
             (nn.CrossEntropyLoss(mg.tensor(w), reduction=reduction, label_smoothing=0.1),
              torch.nn.CrossEntropyLoss(torch.tensor(w), reduction=reduction, label_smoothing=0.1))]
    for ours, theirs in pairs:
        ours.to(device)
        compare_with_torch(torch, lambda x: ours(x, mg.tensor(t, device=device)), lambda x: theirs(x, torch.tensor(t)),
                           [randn(*shape, seed=20)], device=device)
    p = probabilities(shape, seed=21)
    compare_with_torch(torch, lambda x: nn.CrossEntropyLoss(reduction=reduction)(x, mg.tensor(p, device=device)),
                       lambda x: torch.nn.CrossEntropyLoss(reduction=reduction)(x, torch.tensor(p)),
                       [randn(*shape, seed=22)], device=device)


def test_nll_loss_2d_takes_k_dim_and_2d_inputs(torch):
    with pytest.warns(FutureWarning):
        loss = nn.NLLLoss2d(reduction="none")
    for shape in [(2, 3, 4, 5), (3, 4, 1, 3, 2), (4, 3)]:
        x, t = randn(*shape, seed=23), labels(shape, seed=24)
        compare_with_torch(torch, lambda a: loss(a, mg.tensor(t)),
                           lambda a: torch.nn.functional.nll_loss(a, torch.tensor(t), reduction="none"), [x])
    with pytest.raises(ValueError, match=r"NLLLoss2d: expected a target of shape \(2, 4, 5\).*got \(2, 4\)"):
        loss(mg.zeros(2, 3, 4, 5), mg.tensor(np.zeros((2, 4), dtype=np.int64)))
    with pytest.raises(TypeError, match="nll_loss: target must be a Tensor"):
        loss(mg.zeros(2, 3), [0, 1])
