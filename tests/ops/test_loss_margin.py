"""The margin and ranking losses (soft_margin, multilabel_soft_margin, margin_ranking, hinge_embedding,
cosine_embedding, triplet_margin): float64 gradchecks away from the hinges, PyTorch's values and gradients for
every reduction and option, the hinges themselves, labels of any dtype, and the argument errors."""
import numpy as np
import pytest

import minigan as mg
import minigan.nn.functional as F

from helpers import check_grad, compare_with_torch, randn, tensors

REDUCTIONS = ["mean", "sum", "none"]
LABEL_DTYPES = [np.int64, np.int32, np.float32, np.float64]


def _labels(*shape, seed):
    return np.random.default_rng(seed).choice([-1, 1], shape)


# --------------------------------------------------------------------------- soft_margin_loss
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_soft_margin_loss_gradcheck_and_torch(device, torch, reduction):
    x, y = randn(4, 5, seed=1, scale=2), _labels(4, 5, seed=2)
    check_grad(lambda x: F.soft_margin_loss(x, mg.tensor(y, device=device), reduction=reduction), x, device=device)
    compare_with_torch(torch, lambda x: F.soft_margin_loss(x, mg.tensor(y), reduction=reduction),
                       lambda x: torch.nn.functional.soft_margin_loss(x, torch.tensor(y), reduction=reduction), [x])


def test_soft_margin_loss_is_finite_for_huge_scores():
    x = mg.tensor([1000.0, -1000.0, 30.0, 0.0], dtype=mg.float64, requires_grad=True)
    loss = F.soft_margin_loss(x, mg.tensor([-1, -1, 1, 1]), reduction="none")
    np.testing.assert_allclose(loss.numpy(), [1000.0, 0.0, np.log1p(np.exp(-30.0)), np.log(2.0)], rtol=1e-15)
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 0.0, -1 / (1 + np.exp(30.0)), -0.5], rtol=1e-15)


@pytest.mark.parametrize("dtype", LABEL_DTYPES)
def test_soft_margin_loss_labels_of_any_dtype(torch, dtype):
    x, y = randn(6, seed=3), _labels(6, seed=4).astype(dtype)
    ours = F.soft_margin_loss(mg.tensor(x), mg.tensor(y), reduction="none")
    theirs = torch.nn.functional.soft_margin_loss(torch.tensor(x), torch.tensor(y), reduction="none")
    assert ours.dtype == np.float64
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-15)


# --------------------------------------------------------------------------- multilabel_soft_margin_loss
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("shape", [(4, 3), (3,), (2, 3, 4)], ids=str)
def test_multilabel_soft_margin_loss_gradcheck_and_torch(device, torch, reduction, weighted, shape):
    x = randn(*shape, seed=5, scale=2)
    y = np.random.default_rng(6).integers(0, 2, shape)
    w = np.linspace(0.5, 2.0, shape[-1]) if weighted else None
    ours = lambda x, dev: F.multilabel_soft_margin_loss(  # noqa: E731
        x, mg.tensor(y, device=dev), weight=None if w is None else mg.tensor(w, device=dev), reduction=reduction)
    check_grad(lambda x: ours(x, device), x, device=device)
    theirs = lambda x: torch.nn.functional.multilabel_soft_margin_loss(  # noqa: E731
        x, torch.tensor(y), weight=None if w is None else torch.tensor(w), reduction=reduction)
    compare_with_torch(torch, lambda x: ours(x, "cpu"), theirs, [x])


def test_multilabel_soft_margin_loss_value():
    x = tensors("cpu", [[2.0, -1.0, 0.5]])[0]
    loss = F.multilabel_soft_margin_loss(x, mg.tensor([[1, 0, 0]]), weight=mg.tensor([1.0, 2.0, 3.0]))
    sp = lambda z: np.log1p(np.exp(z))  # noqa: E731 - softplus
    assert loss.item() == pytest.approx((sp(-2.0) + 2 * sp(-1.0) + 3 * sp(0.5)) / 3, rel=1e-14)
    with pytest.raises(ValueError, match="multilabel_soft_margin_loss: expected an input with a class dim"):
        F.multilabel_soft_margin_loss(mg.tensor(0.5), mg.tensor(1.0))


# --------------------------------------------------------------------------- margin_ranking_loss
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.4])
def test_margin_ranking_loss_gradcheck_and_torch(device, torch, reduction, margin):
    a, b, y = randn(7, seed=7), randn(7, seed=8), _labels(7, seed=9)
    check_grad(lambda a, b: F.margin_ranking_loss(a, b, mg.tensor(y, device=device), margin, reduction), a, b,
               device=device)
    compare_with_torch(torch, lambda a, b: F.margin_ranking_loss(a, b, mg.tensor(y), margin, reduction),
                       lambda a, b: torch.nn.functional.margin_ranking_loss(a, b, torch.tensor(y), margin,
                                                                            reduction=reduction), [a, b])


def test_margin_ranking_loss_on_the_hinge_matches_torch(torch):
    """Where -y (x1 - x2) + margin is exactly 0 the loss is 0 and the gradient passes (clamp_min's rule)."""
    a, b = np.array([1.5, 0.25, -1.0, 2.0]), np.array([1.0, 0.75, -1.5, 0.0])
    y = np.array([1, -1, 1, -1])                                  # -y (a - b) = -0.5, -0.5, -0.5, 2.0
    ours = lambda a, b: F.margin_ranking_loss(a, b, mg.tensor(y), 0.5, "none")  # noqa: E731
    theirs = lambda a, b: torch.nn.functional.margin_ranking_loss(a, b, torch.tensor(y), 0.5,  # noqa: E731
                                                                  reduction="none")
    am, bm = tensors("cpu", a, b)
    loss = ours(am, bm)
    np.testing.assert_array_equal(loss.numpy(), [0.0, 0.0, 0.0, 2.5])
    loss.sum().backward()
    np.testing.assert_array_equal(am.grad.numpy(), [-1.0, 1.0, -1.0, 1.0])
    compare_with_torch(torch, ours, theirs, [a, b], atol=0, rtol=0)


@pytest.mark.parametrize("dtype", LABEL_DTYPES)
def test_margin_ranking_loss_labels_of_any_dtype_and_integer_scores(torch, dtype):
    y = np.array([1, -1, 1]).astype(dtype)
    ours = F.margin_ranking_loss(mg.tensor([1, 2, 3]), mg.tensor([2, 2, 1]), mg.tensor(y), 0.5, "none")
    theirs = torch.nn.functional.margin_ranking_loss(torch.tensor([1, 2, 3]), torch.tensor([2, 2, 1]),
                                                     torch.tensor(y), 0.5, reduction="none")
    assert ours.dtype == (np.float64 if dtype == np.float64 else np.float32)
    assert str(theirs.dtype) == f"torch.{ours.dtype}"
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    np.testing.assert_array_equal(ours.numpy(), [1.5, 0.5, 0.0])


def test_margin_ranking_loss_wants_the_same_number_of_dims():
    with pytest.raises(ValueError, match=r"margin_ranking_loss: input1, input2 and target should have the same "
                                         r"number of dims, got shapes \(3,\), \(3,\) and \(1, 3\)"):
        F.margin_ranking_loss(mg.zeros(3), mg.zeros(3), mg.ones(1, 3))


# --------------------------------------------------------------------------- hinge_embedding_loss
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [1.0, 0.3])
def test_hinge_embedding_loss_gradcheck_and_torch(device, torch, reduction, margin):
    x = np.random.default_rng(10).uniform(0.05, 2.0, (4, 5))
    x[np.abs(x - margin) < 0.02] += 0.05                          # off the hinge
    y = np.random.default_rng(11).choice([-1, 1, 0], (4, 5))      # a target 0 counts both terms, as in PyTorch
    check_grad(lambda x: F.hinge_embedding_loss(x, mg.tensor(y, device=device), margin, reduction), x,
               device=device)
    compare_with_torch(torch, lambda x: F.hinge_embedding_loss(x, mg.tensor(y), margin, reduction),
                       lambda x: torch.nn.functional.hinge_embedding_loss(x, torch.tensor(y), margin,
                                                                          reduction=reduction), [x])


@pytest.mark.parametrize("dtype", LABEL_DTYPES)
def test_hinge_embedding_loss_on_the_hinge_and_labels_of_any_dtype(torch, dtype):
    x = np.array([1.0, 1.0, 0.25, 3.0, 0.5])
    y = np.array([-1, 1, -1, -1, 0]).astype(dtype)
    ours = lambda x: F.hinge_embedding_loss(x, mg.tensor(y), reduction="none")  # noqa: E731
    theirs = lambda x: torch.nn.functional.hinge_embedding_loss(x, torch.tensor(y), reduction="none")  # noqa: E731
    xm = tensors("cpu", x)[0]
    loss = ours(xm)
    np.testing.assert_array_equal(loss.numpy(), [0.0, 1.0, 0.75, 0.0, 1.0])
    loss.sum().backward()
    np.testing.assert_array_equal(xm.grad.numpy(), [-1.0, 1.0, -1.0, 0.0, 0.0])   # x = margin: the gradient passes
    compare_with_torch(torch, ours, theirs, [x], atol=0, rtol=0)


# --------------------------------------------------------------------------- cosine_embedding_loss
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.3, -0.2])
def test_cosine_embedding_loss_gradcheck_and_torch(device, torch, reduction, margin):
    a, b, y = randn(5, 4, seed=12), randn(5, 4, seed=13), _labels(5, seed=14)
    check_grad(lambda a, b: F.cosine_embedding_loss(a, b, mg.tensor(y, device=device), margin, reduction), a, b,
               device=device)
    compare_with_torch(torch, lambda a, b: F.cosine_embedding_loss(a, b, mg.tensor(y), margin, reduction),
                       lambda a, b: torch.nn.functional.cosine_embedding_loss(a, b, torch.tensor(y), margin,
                                                                              reduction=reduction), [a, b])


def test_cosine_embedding_loss_one_pair_and_a_zero_vector(torch):
    """A 0-d target with 1-D inputs is one pair; a zero vector has cosine 0 (PyTorch's 1e-12 in each squared
    norm), and a finite gradient."""
    a, b = randn(4, seed=15), randn(4, seed=16)
    for y in (1, -1):
        compare_with_torch(torch, lambda a, b: F.cosine_embedding_loss(a, b, mg.tensor(y), 0.1),
                           lambda a, b: torch.nn.functional.cosine_embedding_loss(a, b, torch.tensor(y), 0.1), [a, b])
    zero = np.zeros((2, 3))
    zero[1] = [1e-7, 0.0, -2e-7]                                  # tiny, so the 1e-12 matters
    other = randn(2, 3, seed=17)
    compare_with_torch(torch, lambda a, b: F.cosine_embedding_loss(a, b, mg.tensor([1, -1]), -0.5, "none"),
                       lambda a, b: torch.nn.functional.cosine_embedding_loss(a, b, torch.tensor([1, -1]), -0.5,
                                                                              reduction="none"), [zero, other])
    loss = F.cosine_embedding_loss(mg.tensor(np.zeros((1, 3))), mg.tensor(other[:1]), mg.tensor([1]), 0.0, "none")
    np.testing.assert_array_equal(loss.numpy(), [1.0])


def test_cosine_embedding_loss_shape_errors():
    with pytest.raises(ValueError, match=r"cosine_embedding_loss: expected a 0-d or 1-d target .* shape \(2, 1\)"):
        F.cosine_embedding_loss(mg.ones(2, 3), mg.ones(2, 3), mg.ones(2, 1))
    with pytest.raises(ValueError, match=r"a 1-d target expects 2-d inputs, got shapes \(3,\) and \(2, 3\)"):
        F.cosine_embedding_loss(mg.ones(3), mg.ones(2, 3), mg.ones(2))
    with pytest.raises(ValueError, match=r"a 0-d target expects 1-d inputs, got shapes \(2, 3\) and \(2, 3\)"):
        F.cosine_embedding_loss(mg.ones(2, 3), mg.ones(2, 3), mg.tensor(1.0))


# --------------------------------------------------------------------------- triplet_margin_loss
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p,swap", [(2.0, False), (2.0, True), (1.0, False), (3.0, True)])
def test_triplet_margin_loss_gradcheck_and_torch(device, torch, reduction, p, swap):
    a, pos, neg = randn(6, 4, seed=18), randn(6, 4, seed=19), randn(6, 4, seed=20)
    kwargs = dict(margin=0.8, p=p, eps=1e-3, swap=swap, reduction=reduction)
    check_grad(lambda a, pos, neg: F.triplet_margin_loss(a, pos, neg, **kwargs), a, pos, neg, device=device)
    compare_with_torch(torch, lambda a, pos, neg: F.triplet_margin_loss(a, pos, neg, **kwargs),
                       lambda a, pos, neg: torch.nn.functional.triplet_margin_loss(a, pos, neg, **kwargs),
                       [a, pos, neg])


def test_triplet_margin_loss_one_triplet_and_defaults(torch):
    a, pos, neg = randn(5, seed=21), randn(5, seed=22), randn(5, seed=23)
    compare_with_torch(torch, F.triplet_margin_loss, torch.nn.functional.triplet_margin_loss, [a, pos, neg])
    anchor = mg.tensor(np.zeros((1, 2)))
    loss = F.triplet_margin_loss(anchor, mg.tensor([[3.0, 4.0]]), mg.tensor([[6.0, 8.0]]), margin=0.5, eps=0.0)
    assert loss.item() == 0.0                                     # 5 + 0.5 - 10 < 0
    loss = F.triplet_margin_loss(anchor, mg.tensor([[6.0, 8.0]]), mg.tensor([[3.0, 4.0]]), margin=0.5, eps=0.0)
    assert loss.item() == pytest.approx(5.5, rel=1e-15)


def test_triplet_margin_loss_errors():
    x = mg.ones(2, 3)
    with pytest.raises(ValueError, match="triplet_margin_loss: margin must be greater than 0, got 0"):
        F.triplet_margin_loss(x, x, x, margin=0)
    with pytest.raises(ValueError, match=r"anchor, positive and negative should have the same number of dims, got "
                                         r"shapes \(2, 3\), \(2, 3\) and \(3,\)"):
        F.triplet_margin_loss(x, x, mg.ones(3))


# --------------------------------------------------------------------------- shared
@pytest.mark.parametrize("name", ["soft_margin_loss", "hinge_embedding_loss", "multilabel_soft_margin_loss"])
def test_margin_losses_want_floating_point_scores(name):
    with pytest.raises(TypeError, match=f"{name}: expected a floating-point tensor, got dtype int64"):
        getattr(F, name)(mg.tensor([[1, 2]]), mg.tensor([[1, -1]]))


def test_margin_losses_name_themselves_in_reduction_errors():
    x, y = mg.zeros(2, 3), mg.ones(2)
    calls = {
        "soft_margin_loss": lambda r: F.soft_margin_loss(x, x, reduction=r),
        "multilabel_soft_margin_loss": lambda r: F.multilabel_soft_margin_loss(x, x, reduction=r),
        "margin_ranking_loss": lambda r: F.margin_ranking_loss(y, y, y, reduction=r),
        "hinge_embedding_loss": lambda r: F.hinge_embedding_loss(x, x, reduction=r),
        "cosine_embedding_loss": lambda r: F.cosine_embedding_loss(x, x, y, reduction=r),
        "triplet_margin_loss": lambda r: F.triplet_margin_loss(x, x, x, reduction=r),
    }
    for name, call in calls.items():
        with pytest.raises(ValueError, match=f"{name}: reduction must be 'mean', 'sum' or 'none', got 'avg'"):
            call("avg")


def test_margin_losses_second_derivatives(device):
    a, b = randn(4, 3, seed=24), randn(4, 3, seed=25)
    y = mg.tensor(np.array([1, -1, -1, 1]), device=device)
    mg.gradgradcheck(lambda a, b: F.cosine_embedding_loss(a, b, y, 0.1), tensors(device, a, b))
    mg.gradgradcheck(lambda a, b: F.triplet_margin_loss(a, b, b * 0.5 + 1.0, swap=True), tensors(device, a, b))
    mg.gradgradcheck(lambda x: F.soft_margin_loss(x, y[:, None]), tensors(device, a))
