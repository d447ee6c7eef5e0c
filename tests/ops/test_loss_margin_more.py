"""The margin losses beyond the first six: multi_margin_loss, multilabel_margin_loss and
triplet_margin_with_distance_loss, and their modules (MultiMarginLoss, MultiLabelMarginLoss,
TripletMarginWithDistanceLoss). Float64 gradchecks on every device away from the hinges, PyTorch's values and
gradients for every reduction, p 1 and 2, with and without a weight, unbatched inputs, -1-terminated multilabel
targets, the hinges themselves (PyTorch counts a term only where it is > 0), and the argument errors."""
import numpy as np
import pytest

import minigan as mg
import minigan.nn as nn
import minigan.nn.functional as F
from minigan import ops

from helpers import check_grad, compare_with_torch, distinct, randn, tensors

REDUCTIONS = ["mean", "sum", "none"]


def _gapped(*shape, seed, step=0.1):
    """Scores a multiple of ``step`` apart (a permuted grid), so that with a margin of 0.35 (or 1 and step 0.3)
    no hinge is within a finite-difference step of 0."""
    return distinct(*shape, seed=seed) / 0.1 * step


# --------------------------------------------------------------------------- multi_margin_loss
MULTI_TARGET = np.array([0, 3, 1, 2, 2])
MULTI_WEIGHT = np.array([0.5, 2.0, 1.0, 1.5])


def _multi_margin(x, dev, p, weighted, reduction, target=MULTI_TARGET, margin=0.35):
    w = mg.tensor(MULTI_WEIGHT, device=dev) if weighted else None
    return F.multi_margin_loss(x, mg.tensor(target, device=dev), p=p, margin=margin, weight=w, reduction=reduction)


def _torch_multi_margin(torch, p, weighted, reduction, target=MULTI_TARGET, margin=0.35):
    w = torch.tensor(MULTI_WEIGHT) if weighted else None
    return lambda x: torch.nn.functional.multi_margin_loss(x, torch.tensor(target), p=p, margin=margin, weight=w,
                                                           reduction=reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("p", [1, 2])
def test_multi_margin_loss_gradcheck_and_torch(device, torch, reduction, weighted, p):
    x = _gapped(5, 4, seed=1)
    check_grad(lambda x: _multi_margin(x, device, p, weighted, reduction), x, device=device)
    compare_with_torch(torch, lambda x: _multi_margin(x, "cpu", p, weighted, reduction),
                       _torch_multi_margin(torch, p, weighted, reduction), [x], atol=1e-12, rtol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("target", [np.array(2), np.array([2])], ids=["0-d target", "1-d target"])
def test_multi_margin_loss_one_sample(device, torch, reduction, target):
    """A (C,) input is one sample; with reduction="none" the output has the target's shape, () or (1,)."""
    x = _gapped(4, seed=2)
    ours = _multi_margin(tensors(device, x)[0], device, 2, True, reduction, target)
    assert ours.shape == (target.shape if reduction == "none" else ())
    check_grad(lambda x: _multi_margin(x, device, 2, True, reduction, target), x, device=device)
    compare_with_torch(torch, lambda x: _multi_margin(x, "cpu", 2, True, reduction, target),
                       _torch_multi_margin(torch, 2, True, reduction, target), [x], atol=1e-12, rtol=1e-12)


def test_multi_margin_loss_value_and_shapes(torch):
    # PyTorch's example: 0.25 * ((1 - (0.8 - 0.1)) + (1 - (0.8 - 0.2)) + (1 - (0.8 - 0.4)))
    x = mg.tensor([[0.1, 0.2, 0.4, 0.8]], dtype=mg.float64)
    assert F.multi_margin_loss(x, mg.tensor([3])).item() == pytest.approx(0.325, rel=1e-14)
    assert nn.MultiMarginLoss()(x, mg.tensor([3])).item() == pytest.approx(0.325, rel=1e-14)
    # a 2-D input of one sample takes a 0-d target, and a 0-d input is one sample of one class, as in PyTorch
    assert F.multi_margin_loss(x, mg.tensor(3), reduction="none").shape == ()
    assert F.multi_margin_loss(mg.tensor(0.5), mg.tensor(0), reduction="none").item() == 0.0
    # float32 stays float32; a negative margin only counts classes scoring above x_y - margin
    x32 = randn(3, 4, seed=3).astype(np.float32)
    t = np.array([1, 0, 3])
    ours = F.multi_margin_loss(mg.tensor(x32), mg.tensor(t), margin=-0.5, reduction="none")
    theirs = torch.nn.functional.multi_margin_loss(torch.tensor(x32), torch.tensor(t), margin=-0.5, reduction="none")
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    # int32 class indices are taken as int64 ones
    compare_with_torch(torch, lambda x: F.multi_margin_loss(x, mg.tensor(t.astype(np.int32))),
                       lambda x: torch.nn.functional.multi_margin_loss(x, torch.tensor(t)), [randn(3, 4, seed=4)])
    # an empty batch
    assert F.multi_margin_loss(mg.zeros(0, 3), mg.tensor(np.zeros(0, np.int64)), reduction="none").shape == (0,)
    assert F.multi_margin_loss(mg.zeros(0, 3), mg.tensor(np.zeros(0, np.int64)), reduction="sum").item() == 0.0


def test_multi_margin_loss_on_the_hinge_matches_torch(torch):
    """Where margin - x_y + x_i is exactly 0 the term counts for nothing, gradient included (PyTorch's z > 0)."""
    x = np.array([[0.0, 1.0, 0.5], [2.0, 0.0, 1.0]])
    t = np.array([1, 2])                                      # hinges: 0, -, 0.5 and 2, 0, -
    for p in (1, 2):
        xm = tensors("cpu", x)[0]
        loss = F.multi_margin_loss(xm, mg.tensor(t), p=p, reduction="sum")
        loss.backward()
        assert loss.item() == pytest.approx((0.5 ** p + 2.0 ** p) / 3, rel=1e-15)
        g0, g1 = p * 0.5 ** (p - 1) / 3, p * 2.0 ** (p - 1) / 3     # each term's derivative, over C = 3
        np.testing.assert_allclose(xm.grad.numpy(), [[0, -g0, g0], [g1, 0, -g1]], rtol=1e-15)
        compare_with_torch(torch, lambda x: F.multi_margin_loss(x, mg.tensor(t), p=p, reduction="none"),
                           lambda x: torch.nn.functional.multi_margin_loss(x, torch.tensor(t), p=p,
                                                                           reduction="none"), [x], atol=0, rtol=0)


def test_multi_margin_loss_weight_gets_a_gradient():
    """The weight is a factor like any other: it gets its gradient (PyTorch refuses a weight that requires one)."""
    x, w = tensors("cpu", _gapped(5, 4, seed=5), MULTI_WEIGHT)
    mg.gradcheck(lambda x, w: F.multi_margin_loss(x, mg.tensor(MULTI_TARGET), weight=w), [x, w])
    loss = F.multi_margin_loss(x, mg.tensor(MULTI_TARGET), weight=w.float(), reduction="none")
    assert loss.dtype == np.float64                           # the weight takes the input's dtype


def test_multi_margin_loss_errors():
    x, t = mg.zeros(3, 4), mg.tensor([0, 1, 2])
    with pytest.raises(ValueError, match=r"multi_margin_loss: only p == 1 and p == 2 are supported, got p=3"):
        F.multi_margin_loss(x, t, p=3)
    with pytest.raises(TypeError, match="multi_margin_loss: expected a floating-point tensor, got dtype int64"):
        F.multi_margin_loss(mg.tensor([[1, 2]]), mg.tensor([0]))
    with pytest.raises(ValueError, match=r"multi_margin_loss: expected class scores \(N, C\) or \(C,\) with at least "
                                         r"one class, got shape \(1, 3, 4\)"):
        F.multi_margin_loss(mg.zeros(1, 3, 4), t)
    with pytest.raises(ValueError, match=r"got shape \(3, 0\)"):
        F.multi_margin_loss(mg.zeros(3, 0), t)
    with pytest.raises(ValueError, match=r"multi_margin_loss: expected a target of shape \(3,\), one class index per "
                                         r"sample \(or \(\) for one sample\), got shape \(3, 1\) for input of shape "
                                         r"\(3, 4\)"):
        F.multi_margin_loss(x, mg.tensor([[0], [1], [2]]))
    with pytest.raises(ValueError, match=r"expected a target of shape \(1,\).* got shape \(2,\)"):
        F.multi_margin_loss(mg.zeros(4), mg.tensor([0, 1]))
    with pytest.raises(IndexError, match="multi_margin_loss: target 4 is out of range: the input has 4 classes, "
                                         "0 to 3"):
        F.multi_margin_loss(x, mg.tensor([0, 4, 1]))
    with pytest.raises(IndexError, match="target -1 is out of range"):
        F.multi_margin_loss(x, mg.tensor([0, -1, 1]))
    with pytest.raises(TypeError, match="multi_margin_loss: target must hold class indices .*float"):
        F.multi_margin_loss(x, mg.tensor([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match=r"multi_margin_loss: weight must be one-dimensional, one value per class, "
                                         r"got shape \(1, 4\)"):
        F.multi_margin_loss(x, t, weight=mg.ones(1, 4))
    with pytest.raises(ValueError, match=r"multi_margin_loss: weight should hold one value per class, shape \(4,\), "
                                         r"got shape \(3,\)"):
        F.multi_margin_loss(x, t, weight=mg.ones(3))
    with pytest.raises(ValueError, match="multi_margin_loss: reduction must be 'mean', 'sum' or 'none', got 'avg'"):
        F.multi_margin_loss(x, t, reduction="avg")


# --------------------------------------------------------------------------- multilabel_margin_loss
# Each row lists its classes up to the first -1 (what follows is ignored, though it must be in range); a full row
# needs no -1; a class listed twice counts twice; a row that starts with -1 has no classes and costs nothing.
MULTILABEL_TARGET = np.array([[3, 0, -1, 1, 2], [1, 2, 4, 0, 3], [-1, 0, 1, 2, 3], [2, 2, -1, 4, -1],
                              [1, -1, -1, -1, -1], [4, 0, 2, -1, 1]])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multilabel_margin_loss_gradcheck_and_torch(device, torch, reduction):
    x = _gapped(6, 5, seed=6, step=0.3)
    ours = lambda x, dev: F.multilabel_margin_loss(x, mg.tensor(MULTILABEL_TARGET, device=dev),  # noqa: E731
                                                   reduction=reduction)
    check_grad(lambda x: ours(x, device), x, device=device)
    theirs = lambda x: torch.nn.functional.multilabel_margin_loss(x, torch.tensor(MULTILABEL_TARGET),  # noqa: E731
                                                                  reduction=reduction)
    compare_with_torch(torch, lambda x: ours(x, "cpu"), theirs, [x], atol=1e-12, rtol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("row", range(len(MULTILABEL_TARGET)))
def test_multilabel_margin_loss_one_sample(device, torch, reduction, row):
    x = _gapped(5, seed=7, step=0.3)
    y = MULTILABEL_TARGET[row]
    ours = lambda x, dev: F.multilabel_margin_loss(x, mg.tensor(y, device=dev), reduction=reduction)  # noqa: E731
    assert ours(tensors(device, x)[0], device).shape == ()
    check_grad(lambda x: ours(x, device), x, device=device)
    compare_with_torch(torch, lambda x: ours(x, "cpu"),
                       lambda x: torch.nn.functional.multilabel_margin_loss(x, torch.tensor(y), reduction=reduction),
                       [x], atol=1e-12, rtol=1e-12)


def test_multilabel_margin_loss_value_and_edges(torch):
    # PyTorch's example: classes 3 and 0, not the 1 after the -1:
    # 0.25 * ((1 - (0.1 - 0.2)) + (1 - (0.1 - 0.4)) + (1 - (0.8 - 0.2)) + (1 - (0.8 - 0.4)))
    x = mg.tensor([[0.1, 0.2, 0.4, 0.8]], dtype=mg.float64)
    y = mg.tensor([[3, 0, -1, 1]])
    assert F.multilabel_margin_loss(x, y).item() == pytest.approx(0.85, rel=1e-14)
    assert nn.MultiLabelMarginLoss()(x, y).item() == pytest.approx(0.85, rel=1e-14)
    # a class listed twice counts twice; every class a target costs nothing
    once = F.multilabel_margin_loss(x, mg.tensor([[1, -1, -1, 0]])).item()
    assert F.multilabel_margin_loss(x, mg.tensor([[1, 1, -1, 0]])).item() == pytest.approx(2 * once, rel=1e-15)
    assert F.multilabel_margin_loss(x, mg.tensor([[1, 0, 2, 3]])).item() == 0.0
    # a 0-d input is one sample of one class; an empty batch gives an empty loss
    assert F.multilabel_margin_loss(mg.tensor(0.5), mg.tensor(0), reduction="none").shape == ()
    empty = F.multilabel_margin_loss(mg.zeros(0, 3), mg.tensor(np.zeros((0, 3), np.int64)), reduction="none")
    assert empty.shape == (0,)
    # float32 stays float32; int32 targets are taken
    x32 = randn(6, 5, seed=8).astype(np.float32)
    ours = F.multilabel_margin_loss(mg.tensor(x32), mg.tensor(MULTILABEL_TARGET.astype(np.int32)), reduction="none")
    theirs = torch.nn.functional.multilabel_margin_loss(torch.tensor(x32), torch.tensor(MULTILABEL_TARGET),
                                                        reduction="none")
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


def test_multilabel_margin_loss_on_the_hinge_matches_torch(torch):
    x = np.array([[0.0, 1.0, 0.0, -0.5]])
    y = np.array([[1, -1, 0, 0]])                             # class 1 only: hinges 0, 0, -0.5 for classes 0, 2, 3
    xm = tensors("cpu", x)[0]
    loss = F.multilabel_margin_loss(xm, mg.tensor(y), reduction="sum")
    loss.backward()
    assert loss.item() == 0.0
    np.testing.assert_array_equal(xm.grad.numpy(), np.zeros((1, 4)))
    for shifted in (x, x + np.array([[0.0, 0.0, 0.25, 0.0]])):    # then class 2's hinge is 0.25, class 0's still 0
        compare_with_torch(torch, lambda x: F.multilabel_margin_loss(x, mg.tensor(y), reduction="none"),
                           lambda x: torch.nn.functional.multilabel_margin_loss(x, torch.tensor(y), reduction="none"),
                           [shifted], atol=0, rtol=0)


def test_multilabel_margin_loss_errors():
    x = mg.zeros(3, 4)
    with pytest.raises(TypeError, match="multilabel_margin_loss: expected a floating-point tensor, got dtype int64"):
        F.multilabel_margin_loss(mg.tensor([[1, 2]]), mg.tensor([[0, 1]]))
    with pytest.raises(ValueError, match=r"multilabel_margin_loss: expected class scores \(N, C\) or \(C,\) with at "
                                         r"least one class, got shape \(1, 3, 4\)"):
        F.multilabel_margin_loss(mg.zeros(1, 3, 4), mg.tensor(np.zeros((1, 3, 4), np.int64)))
    with pytest.raises(ValueError, match=r"got shape \(0,\)"):
        F.multilabel_margin_loss(mg.zeros(0), mg.tensor(np.zeros(0, np.int64)))
    with pytest.raises(ValueError, match=r"multilabel_margin_loss: expected a target of the input's shape \(3, 4\) "
                                         r"\(class indices, ended by -1\), got shape \(3, 3\)"):
        F.multilabel_margin_loss(x, mg.tensor(np.zeros((3, 3), np.int64)))
    with pytest.raises(ValueError, match=r"input's shape \(4,\).*got shape \(1, 4\)"):
        F.multilabel_margin_loss(mg.zeros(4), mg.tensor([[0, 1, -1, 2]]))
    with pytest.raises(IndexError, match="multilabel_margin_loss: target 4 is out of range: expected class indices 0 "
                                         "to 3, or -1 to end the list"):
        F.multilabel_margin_loss(x, mg.tensor([[4, -1, 0, 0]] * 3))
    with pytest.raises(IndexError, match="target 9 is out of range"):      # after the -1 too, as in PyTorch
        F.multilabel_margin_loss(x, mg.tensor([[1, -1, 9, 0]] * 3))
    with pytest.raises(IndexError, match="target -2 is out of range"):
        F.multilabel_margin_loss(x, mg.tensor([[-2, -1, 0, 0]] * 3))
    with pytest.raises(TypeError, match="multilabel_margin_loss: target must hold class indices .*float"):
        F.multilabel_margin_loss(x, mg.zeros(3, 4))
    with pytest.raises(ValueError, match="multilabel_margin_loss: reduction must be 'mean', 'sum' or 'none', got "
                                         "'avg'"):
        F.multilabel_margin_loss(x, mg.tensor(np.zeros((3, 4), np.int64)), reduction="avg")


# --------------------------------------------------------------------------- triplet_margin_with_distance_loss
def _cosine_distance(lib):
    return lambda u, v: 1.0 - lib.cosine_similarity(u, v)


def _l_inf(lib):
    return (lambda u, v: ops.amax(ops.abs(u - v), dim=-1)) if lib is F else (lambda u, v: (u - v).abs().amax(dim=-1))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("distance", [None, "cosine", "pairwise p 1"])
def test_triplet_margin_with_distance_loss_gradcheck_and_torch(device, torch, reduction, swap, distance):
    a, pos, neg = randn(6, 4, seed=9), randn(6, 4, seed=10), randn(6, 4, seed=11)
    tf = torch.nn.functional
    ours_d, theirs_d = {None: (None, None), "cosine": (_cosine_distance(F), _cosine_distance(tf)),
                        "pairwise p 1": (nn.PairwiseDistance(p=1.0), torch.nn.PairwiseDistance(p=1.0))}[distance]
    kwargs = dict(margin=0.8, swap=swap, reduction=reduction)
    ours = lambda a, p, n: F.triplet_margin_with_distance_loss(a, p, n, distance_function=ours_d,  # noqa: E731
                                                               **kwargs)
    check_grad(ours, a, pos, neg, device=device)
    compare_with_torch(torch, ours, lambda a, p, n: tf.triplet_margin_with_distance_loss(
        a, p, n, distance_function=theirs_d, **kwargs), [a, pos, neg], atol=1e-12, rtol=1e-10)


def test_triplet_margin_with_distance_loss_defaults_are_triplet_margin_loss(torch):
    a, pos, neg = randn(5, 3, seed=12), randn(5, 3, seed=13), randn(5, 3, seed=14)
    ta, tp, tn = tensors("cpu", a, pos, neg)
    np.testing.assert_allclose(F.triplet_margin_with_distance_loss(ta, tp, tn, reduction="none").numpy(),
                               F.triplet_margin_loss(ta, tp, tn, reduction="none").numpy(), rtol=1e-15)
    # one triplet of vectors, and a distance of 3-D inputs (batch, then any dims the function takes)
    compare_with_torch(torch, F.triplet_margin_with_distance_loss,
                       torch.nn.functional.triplet_margin_with_distance_loss, [a[0], pos[0], neg[0]])
    x3 = [randn(2, 3, 4, seed=s) for s in (15, 16, 17)]
    compare_with_torch(torch, lambda *t: F.triplet_margin_with_distance_loss(*t, distance_function=_l_inf(F),
                                                                             reduction="none"),
                       lambda *t: torch.nn.functional.triplet_margin_with_distance_loss(
                           *t, distance_function=_l_inf(torch), reduction="none"), x3)


def test_triplet_margin_with_distance_loss_on_the_hinge():
    """Where margin + d(a, p) - d(a, n) is 0 the loss is 0 and the gradient passes (clamp_min's rule)."""
    anchor = tensors("cpu", np.zeros((1, 2)))[0]
    pos, neg = tensors("cpu", [[3.0, 4.0]], [[6.0, 8.0]])
    dist = lambda u, v: ops.norm(u - v, 2, -1)  # noqa: E731
    loss = F.triplet_margin_with_distance_loss(anchor, pos, neg, distance_function=dist, margin=5.0)
    loss.backward()
    assert loss.item() == 0.0
    np.testing.assert_allclose(pos.grad.numpy(), [[0.6, 0.8]], rtol=1e-15)


def test_triplet_margin_with_distance_loss_errors(torch):
    x = mg.ones(2, 3)
    with pytest.raises(ValueError, match="triplet_margin_with_distance_loss: margin must be greater than 0, got 0"):
        F.triplet_margin_with_distance_loss(x, x, x, margin=0)
    with pytest.raises(ValueError, match=r"triplet_margin_with_distance_loss: anchor, positive and negative should "
                                         r"have the same number of dims, got shapes \(2, 3\), \(2, 3\) and \(3,\)"):
        F.triplet_margin_with_distance_loss(x, x, mg.ones(3))
    # the reduction first, as in PyTorch, before the distance function is called
    with pytest.raises(ValueError, match="triplet_margin_with_distance_loss: reduction must be 'mean', 'sum' or "
                                         "'none', got 'avg'"):
        F.triplet_margin_with_distance_loss(x, x, x, margin=0, reduction="avg", distance_function=lambda u, v: 1 / 0)
    # everything after the three tensors is keyword-only, as in PyTorch
    with pytest.raises(TypeError):
        F.triplet_margin_with_distance_loss(x, x, x, None)
    with pytest.raises(TypeError):
        torch.nn.functional.triplet_margin_with_distance_loss(*(torch.ones(2, 3),) * 3, None)


def test_second_derivatives(device):
    x = tensors(device, _gapped(5, 4, seed=18))
    t = mg.tensor(MULTI_TARGET, device=device)
    mg.gradgradcheck(lambda x: F.multi_margin_loss(x, t, p=2, margin=0.35), x)       # no hinge at 0
    a, b = tensors(device, randn(4, 3, seed=19), randn(4, 3, seed=20))
    mg.gradgradcheck(lambda a, b: F.triplet_margin_with_distance_loss(
        a, b, b * 0.5 + 1.0, distance_function=_cosine_distance(F), swap=True), [a, b])


# --------------------------------------------------------------------------- the modules
def _module_cases(torch, lib, dev="cpu"):
    """name -> (our module or torch's, differentiable inputs, constant trailing inputs)."""
    make = (lambda a: mg.tensor(a, device=dev)) if lib is nn else torch.tensor
    tf = F if lib is nn else torch.nn.functional
    return {
        "MultiMarginLoss": lambda red: (lib.MultiMarginLoss(2, 0.35, make(MULTI_WEIGHT), reduction=red),
                                        [_gapped(5, 4, seed=21)], [make(MULTI_TARGET)]),
        "MultiLabelMarginLoss": lambda red: (lib.MultiLabelMarginLoss(reduction=red),
                                             [_gapped(6, 5, seed=22, step=0.3)], [make(MULTILABEL_TARGET)]),
        "TripletMarginWithDistanceLoss": lambda red: (
            lib.TripletMarginWithDistanceLoss(distance_function=_cosine_distance(tf), margin=0.6, swap=True,
                                              reduction=red),
            [randn(4, 3, seed=s) for s in (23, 24, 25)], []),
    }


MODULES = ["MultiMarginLoss", "MultiLabelMarginLoss", "TripletMarginWithDistanceLoss"]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", MODULES)
def test_loss_module_gradcheck_and_torch(device, torch, name, reduction):
    loss, arrays, consts = _module_cases(torch, nn, device)[name](reduction)
    check_grad(lambda *xs: loss(*xs, *consts), *arrays, device=device)
    ours, _, consts = _module_cases(torch, nn)[name](reduction)
    theirs, _, t_consts = _module_cases(torch, torch.nn)[name](reduction)
    compare_with_torch(torch, lambda *xs: ours(*xs, *consts), lambda *xs: theirs(*xs, *t_consts), arrays,
                       atol=1e-12, rtol=1e-10)
    assert repr(ours) == repr(theirs) == f"{name}()"
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for attr in ("reduction", "margin", "p", "swap"):
        if hasattr(theirs, attr):
            assert getattr(ours, attr) == getattr(theirs, attr), (name, attr)


@pytest.mark.parametrize("name", MODULES)
def test_loss_module_defaults_repr_and_state_dict_match_torch(torch, name):
    ours, theirs = getattr(nn, name)(), getattr(torch.nn, name)()
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == []
    for attr in ("reduction", "margin", "p", "swap", "weight"):
        if hasattr(theirs, attr):
            want, got = getattr(theirs, attr), getattr(ours, attr)
            assert (got is None) if want is None else (got == want and type(got) is type(want)), (name, attr)


def test_triplet_margin_with_distance_loss_module_default_distance_is_a_child(torch):
    loss = nn.TripletMarginWithDistanceLoss()
    assert isinstance(loss.distance_function, nn.PairwiseDistance)
    assert [n for n, _ in loss.named_modules()] == ["", "distance_function"]
    assert repr(loss) == repr(torch.nn.TripletMarginWithDistanceLoss()) == \
        "TripletMarginWithDistanceLoss(\n  (distance_function): PairwiseDistance()\n)"
    a, b, c = (mg.tensor(randn(4, 3, seed=s)) for s in (26, 27, 28))
    np.testing.assert_array_equal(loss(a, b, c).numpy(), F.triplet_margin_loss(a, b, c).numpy())


def test_multi_margin_loss_weight_is_a_buffer():
    loss = nn.MultiMarginLoss(weight=np.array([1.0, 2.0, 0.5], dtype=np.float32))
    assert list(loss.state_dict()) == ["weight"] and not loss.weight.requires_grad
    loss.double()
    assert loss.weight.dtype == np.float64
    x, t = mg.tensor(randn(2, 3, seed=29)), mg.tensor([2, 0])
    np.testing.assert_array_equal(loss(x, t).numpy(), F.multi_margin_loss(x, t, weight=loss.weight).numpy())


def test_loss_module_errors(torch):
    with pytest.raises(ValueError, match=r"MultiMarginLoss: only p == 1 and p == 2 are supported, got p=3"):
        nn.MultiMarginLoss(p=3)
    with pytest.raises(ValueError, match="MultiMarginLoss: expected weight to be None or 1D tensor, got 2D instead"):
        nn.MultiMarginLoss(weight=np.ones((2, 2)))
    with pytest.raises(ValueError, match="MultiMarginLoss: expected weight to be None or 1D tensor, got 2D instead"):
        torch.nn.MultiMarginLoss(weight=torch.ones(2, 2))
    with pytest.raises(ValueError, match="TripletMarginWithDistanceLoss: expected margin to be greater than 0, got "
                                         "-1 instead"):
        nn.TripletMarginWithDistanceLoss(margin=-1)
    for name in MODULES:
        with pytest.raises(ValueError, match=rf"{name}: reduction must be 'mean', 'sum' or 'none', got 'avg'"):
            getattr(nn, name)(reduction="avg")
    # PyTorch's positional order, with its deprecated size_average and reduce; TripletMarginWithDistanceLoss's
    # arguments are all keyword-only, in PyTorch too
    assert nn.MultiMarginLoss(1, 1.0, None, None).reduction == "mean"
    assert nn.MultiLabelMarginLoss(None).reduction == "mean"
    with pytest.raises(TypeError):
        nn.TripletMarginWithDistanceLoss(None)
    with pytest.raises(TypeError):
        torch.nn.TripletMarginWithDistanceLoss(None)
