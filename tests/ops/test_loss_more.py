"""The regression and likelihood losses (huber, smooth_l1, kl_div, gaussian_nll, poisson_nll): float64 gradchecks
for every input that has a gradient, PyTorch's values and gradients for every reduction and option, the kinks
themselves, and the argument errors."""
import contextlib
import math
import warnings

import numpy as np
import pytest

import minigan as mg
import minigan.nn.functional as F

from helpers import check_grad, compare_with_torch, randn, tensors

REDUCTIONS = ["mean", "sum", "none"]


def _probabilities(*shape, seed):
    """Rows that sum to 1, each element in (0, 1)."""
    p = np.random.default_rng(seed).uniform(0.05, 1.0, shape)
    return p / p.sum(axis=-1, keepdims=True)


# --------------------------------------------------------------------------- huber_loss / smooth_l1_loss
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("delta", [1.0, 0.35, 2.5])
def test_huber_loss_gradcheck(device, reduction, delta):
    check_grad(lambda x, t: F.huber_loss(x, t, reduction=reduction, delta=delta), randn(4, 5, seed=1),
               randn(4, 5, seed=2), device=device)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("beta", [1.0, 0.35, 2.5])
def test_smooth_l1_loss_gradcheck(device, reduction, beta):
    check_grad(lambda x, t: F.smooth_l1_loss(x, t, reduction=reduction, beta=beta), randn(4, 5, seed=3),
               randn(4, 5, seed=4), device=device)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("delta", [1.0, 0.35, 2.5])
def test_huber_and_smooth_l1_match_torch(torch, reduction, delta):
    tf = torch.nn.functional
    x, t = randn(4, 5, seed=5, scale=2), randn(4, 5, seed=6)
    compare_with_torch(torch, lambda x, t: F.huber_loss(x, t, reduction=reduction, delta=delta),
                       lambda x, t: tf.huber_loss(x, t, reduction=reduction, delta=delta), [x, t])
    compare_with_torch(torch, lambda x, t: F.smooth_l1_loss(x, t, reduction=reduction, beta=delta),
                       lambda x, t: tf.smooth_l1_loss(x, t, reduction=reduction, beta=delta), [x, t])
    w = np.random.default_rng(7).uniform(0.2, 2.0, (4, 5))
    compare_with_torch(torch, lambda x, t, w: F.huber_loss(x, t, reduction=reduction, delta=delta, weight=w),
                       lambda x, t, w: tf.huber_loss(x, t, reduction=reduction, delta=delta, weight=w), [x, t, w])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_smooth_l1_with_beta_0_is_l1(torch, reduction):
    x, t = randn(3, 4, seed=8), randn(3, 4, seed=9)
    ours = F.smooth_l1_loss(mg.tensor(x), mg.tensor(t), reduction=reduction, beta=0.0)
    np.testing.assert_array_equal(ours.numpy(), F.l1_loss(mg.tensor(x), mg.tensor(t), reduction=reduction).numpy())
    compare_with_torch(torch, lambda x, t: F.smooth_l1_loss(x, t, reduction=reduction, beta=0.0),
                       lambda x, t: torch.nn.functional.smooth_l1_loss(x, t, reduction=reduction, beta=0.0), [x, t])


def _second_derivatives(torch, fn_ours, fn_theirs, x, t):
    """The loss's first and second derivatives with respect to each input element (the loss is elementwise, so
    the Hessian is diagonal), from minigan and from PyTorch."""
    xm = mg.tensor(x, requires_grad=True)
    (g,) = mg.grad(fn_ours(xm, mg.tensor(t)).sum(), xm, create_graph=True)
    (gg,) = mg.grad(g.sum(), xm)
    xt = torch.tensor(x, requires_grad=True)
    (tg,) = torch.autograd.grad(fn_theirs(xt, torch.tensor(t)).sum(), xt, create_graph=True)
    (tgg,) = torch.autograd.grad(tg.sum(), xt)
    return (g.numpy(), gg.numpy()), (tg.detach().numpy(), tgg.numpy())


@pytest.mark.parametrize("delta", [1.0, 0.5, 2.0])
def test_huber_and_smooth_l1_on_the_kinks_match_torch(torch, delta):
    """At |d| = delta both pieces meet: the value is 0.5 delta², the slope ±delta (±1 for smooth_l1), and the
    second derivative is the outer piece's, 0."""
    t = np.array([0.5, 0.5, -1.25, 0.0, 3.0, 0.0])
    x = t + np.array([delta, -delta, delta, 0.0, 1e-3, 5.0])     # exact in binary: delta is a power of 2
    tf = torch.nn.functional
    for ours, theirs, kink_value, slope in [
        (lambda a, b: F.huber_loss(a, b, reduction="none", delta=delta),
         lambda a, b: tf.huber_loss(a, b, reduction="none", delta=delta), 0.5 * delta ** 2, delta),
        (lambda a, b: F.smooth_l1_loss(a, b, reduction="none", beta=delta),
         lambda a, b: tf.smooth_l1_loss(a, b, reduction="none", beta=delta), 0.5 * delta, 1.0),
    ]:
        y = ours(mg.tensor(x), mg.tensor(t)).numpy()
        np.testing.assert_array_equal(y[:3], kink_value)
        np.testing.assert_allclose(y, theirs(torch.tensor(x), torch.tensor(t)).numpy(), rtol=1e-15, atol=0)
        (g, gg), (tg, tgg) = _second_derivatives(torch, ours, theirs, x, t)
        np.testing.assert_array_equal(g[:3], [slope, -slope, slope])
        np.testing.assert_allclose(g, tg, rtol=1e-15, atol=0)
        np.testing.assert_array_equal(gg[:3], 0.0)
        np.testing.assert_array_equal(gg, tgg)
    compare_with_torch(torch, lambda a, b: F.huber_loss(a, b, delta=delta),
                       lambda a, b: tf.huber_loss(a, b, delta=delta), [x, t])


def test_huber_loss_second_derivatives(device):
    mg.gradgradcheck(lambda x, t: F.huber_loss(x, t, delta=0.7), tensors(device, randn(3, 4, seed=10),
                                                                           randn(3, 4, seed=11)))


def test_huber_and_smooth_l1_errors():
    x = mg.zeros(2, 3)
    with pytest.raises(ValueError, match="huber_loss: delta must be positive, got 0.0"):
        F.huber_loss(x, x, delta=0.0)
    with pytest.raises(ValueError, match="huber_loss: delta must be positive, got -1"):
        F.huber_loss(x, x, delta=-1)
    with pytest.raises(ValueError, match="smooth_l1_loss: beta must be at least 0, got -0.5"):
        F.smooth_l1_loss(x, x, beta=-0.5)
    with pytest.raises(ValueError, match=r"huber_loss: input has shape \(2, 3\) but target has shape \(3,\)"):
        F.huber_loss(x, mg.zeros(3))
    with pytest.raises(ValueError, match=r"smooth_l1_loss: input has shape \(2, 3\) but target has shape \(2, 1\)"):
        F.smooth_l1_loss(x, mg.zeros(2, 1))
    with pytest.raises(ValueError, match=r"huber_loss: weight has shape \(3,\) but the input has shape \(2, 3\)"):
        F.huber_loss(x, x, weight=mg.ones(3))
    with pytest.raises(ValueError, match="huber_loss: reduction must be 'mean', 'sum' or 'none', got 'avg'"):
        F.huber_loss(x, x, reduction="avg")
    with pytest.raises(TypeError, match="huber_loss: expected a floating-point tensor, got dtype int64"):
        F.huber_loss(mg.tensor([1, 2]), mg.tensor([1, 2]))
    with pytest.raises(TypeError, match="smooth_l1_loss: expected a floating-point tensor"):
        F.smooth_l1_loss(mg.tensor([1, 2]), mg.tensor([1, 2]))


# --------------------------------------------------------------------------- kl_div
@contextlib.contextmanager
def _mean_warns(reduction):
    """PyTorch's warning for reduction='mean' (and no warning for the others)."""
    if reduction == "mean":
        with pytest.warns(UserWarning, match="kl_div: reduction='mean' divides the total loss by both"):
            yield
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            yield


@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_gradcheck(device, reduction, log_target):
    q = np.log(_probabilities(3, 4, seed=12))
    p = _probabilities(3, 4, seed=13)
    target = np.log(p) if log_target else p
    with _mean_warns(reduction):
        check_grad(lambda x, t: F.kl_div(x, t, reduction=reduction, log_target=log_target), q, target,
                   device=device)


@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_matches_torch(torch, reduction, log_target):
    q = np.log(_probabilities(4, 5, seed=14))
    p = _probabilities(4, 5, seed=15)
    target = np.log(p) if log_target else p
    theirs = torch.nn.functional.kl_div
    with _mean_warns(reduction), warnings.catch_warnings():
        warnings.filterwarnings("ignore", "reduction: 'mean'", UserWarning)     # PyTorch's own
        compare_with_torch(torch, lambda x, t: F.kl_div(x, t, reduction=reduction, log_target=log_target),
                           lambda x, t: theirs(x, t, reduction=reduction, log_target=log_target), [q, target])


def test_kl_div_batchmean_is_the_mean_of_the_samples_divergences():
    q, p = _probabilities(3, 4, seed=16), _probabilities(3, 4, seed=17)
    loss = F.kl_div(mg.tensor(np.log(q)), mg.tensor(p), reduction="batchmean").item()
    assert loss == pytest.approx(np.mean(np.sum(p * np.log(p / q), axis=1)), rel=1e-12)
    x, t = tensors("cpu", np.log(0.25), 0.5)
    zero_d = F.kl_div(x, t, reduction="batchmean").item()              # a 0-d input: batchmean is the sum
    assert zero_d == pytest.approx(0.5 * (np.log(0.5) - np.log(0.25)), rel=1e-12)


def test_kl_div_target_zero_adds_nothing(torch):
    """0 log 0 is 0, as PyTorch's xlogy makes it; the input's gradient there is -t = 0. PyTorch's gradient with
    respect to a zero target is NaN (0/0); minigan's is -input (the slope of t log t taken as 0)."""
    x = np.array([[-1.0, -0.3, -2.0], [-0.7, -1.5, -0.2]])
    t = np.array([[0.0, 0.6, 0.4], [0.5, 0.0, 0.5]])
    xm, tm = tensors("cpu", x, t)
    loss = F.kl_div(xm, tm, reduction="sum")
    xt, tt = (torch.tensor(a, requires_grad=True) for a in (x, t))
    theirs = torch.nn.functional.kl_div(xt, tt, reduction="sum")
    assert np.isfinite(loss.item()) and loss.item() == pytest.approx(theirs.item(), rel=1e-14)
    loss.backward()
    theirs.backward()
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-15)
    zero = t == 0
    assert np.isnan(tt.grad.numpy()[zero]).all()
    np.testing.assert_array_equal(tm.grad.numpy()[zero], -x[zero])
    np.testing.assert_allclose(tm.grad.numpy()[~zero], tt.grad.numpy()[~zero], rtol=1e-14)
    none = F.kl_div(mg.tensor(x), mg.tensor(t), reduction="none").numpy()
    np.testing.assert_array_equal(none[zero], 0.0)


def test_kl_div_broadcasts_the_target_as_torch(torch):
    q, p = np.log(_probabilities(3, 4, seed=18)), _probabilities(4, seed=19)
    compare_with_torch(torch, lambda x, t: F.kl_div(x, t, reduction="batchmean"),
                       lambda x, t: torch.nn.functional.kl_div(x, t, reduction="batchmean"), [q, p])


def test_kl_div_errors():
    x = mg.zeros(2, 3)
    with pytest.raises(ValueError, match="kl_div: reduction must be 'mean', 'batchmean', 'sum' or 'none', got 'avg'"):
        F.kl_div(x, x, reduction="avg")
    with pytest.raises(TypeError, match="kl_div: expected a floating-point tensor, got dtype int64"):
        F.kl_div(x, mg.tensor([[0, 1, 0], [1, 0, 0]]), reduction="sum")
    with pytest.raises(TypeError, match="kl_div: expected a floating-point tensor, got dtype int64"):
        F.kl_div(mg.tensor([1, 2]), mg.zeros(2), reduction="sum")
    with pytest.warns(UserWarning, match="kl_div: reduction='mean' divides the total loss by both the batch size"):
        assert F.kl_div(x, x + 0.5).item() == pytest.approx(0.5 * np.log(0.5), rel=1e-6)


# --------------------------------------------------------------------------- gaussian_nll_loss
VAR_SHAPES = [(4, 3), (4,), (4, 1), (1, 3)]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("var_shape", VAR_SHAPES, ids=str)
@pytest.mark.parametrize("full", [False, True])
def test_gaussian_nll_loss_gradcheck(device, reduction, var_shape, full):
    var = np.random.default_rng(20).uniform(0.3, 2.0, var_shape)
    check_grad(lambda x, t, v: F.gaussian_nll_loss(x, t, v, full=full, reduction=reduction), randn(4, 3, seed=21),
               randn(4, 3, seed=22), var, device=device)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("var_shape", VAR_SHAPES, ids=str)
@pytest.mark.parametrize("full", [False, True])
def test_gaussian_nll_loss_matches_torch(torch, reduction, var_shape, full):
    var = np.random.default_rng(23).uniform(0.3, 2.0, var_shape)
    compare_with_torch(torch, lambda x, t, v: F.gaussian_nll_loss(x, t, v, full=full, reduction=reduction),
                       lambda x, t, v: torch.nn.functional.gaussian_nll_loss(x, t, v, full=full, reduction=reduction),
                       [randn(4, 3, seed=24), randn(4, 3, seed=25), var])


def test_gaussian_nll_loss_clamps_the_variance_but_not_its_gradient(torch):
    """A variance below eps counts as eps, and the gradient still reaches it (PyTorch clamps in place under
    no_grad): d/dv = 0.5 (1/eps' - d²/eps'²) with eps' the clamped value."""
    x, t = np.array([0.3, -1.0, 2.0]), np.array([0.1, -1.0, 1.0])
    v = np.array([1e-9, 0.0, 0.5])
    compare_with_torch(torch, lambda x, t, v: F.gaussian_nll_loss(x, t, v, eps=1e-3, reduction="none"),
                       lambda x, t, v: torch.nn.functional.gaussian_nll_loss(x, t, v, eps=1e-3, reduction="none"),
                       [x, t, v], rtol=1e-12)
    vm = mg.tensor(v, requires_grad=True)
    F.gaussian_nll_loss(mg.tensor(x), mg.tensor(t), vm, eps=1e-3, reduction="sum").backward()
    assert vm.grad.numpy()[0] == pytest.approx(0.5 * (1 / 1e-3 - 0.2 ** 2 / 1e-3 ** 2), rel=1e-9)


@pytest.mark.parametrize("var", [0.5, 2, 1e-9])
def test_gaussian_nll_loss_with_a_number_for_var(torch, var):
    x, t = randn(3, 2, seed=26), randn(3, 2, seed=27)
    ours = F.gaussian_nll_loss(mg.tensor(x), mg.tensor(t), var, full=True, reduction="none").numpy()
    theirs = torch.nn.functional.gaussian_nll_loss(torch.tensor(x), torch.tensor(t), float(var), full=True,
                                                   reduction="none").numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-13)
    v = max(var, 1e-6)
    np.testing.assert_allclose(ours, 0.5 * (np.log(v) + (x - t) ** 2 / v) + 0.5 * math.log(2 * math.pi), rtol=1e-13)


def test_gaussian_nll_loss_errors(torch):
    x = mg.zeros(4, 3)
    with pytest.raises(ValueError, match=r"gaussian_nll_loss: var has negative entries \(the smallest is -0.5\)"):
        F.gaussian_nll_loss(x, x, mg.tensor(np.full((4, 3), -0.5)))
    with pytest.raises(ValueError, match="gaussian_nll_loss: var must not be negative, got -1.0"):
        F.gaussian_nll_loss(x, x, -1.0)
    for shape in [(3,), (2, 3), (4, 3, 1), (1, 1)]:
        with pytest.raises(ValueError, match=rf"gaussian_nll_loss: var has shape \({shape[0]},"):
            F.gaussian_nll_loss(x, x, mg.ones(*shape))
        with pytest.raises(ValueError, match="var is of incorrect size"):
            torch.nn.functional.gaussian_nll_loss(torch.zeros(4, 3), torch.zeros(4, 3), torch.ones(*shape))
    with pytest.raises(ValueError, match="gaussian_nll_loss: reduction must be 'mean', 'sum' or 'none'"):
        F.gaussian_nll_loss(x, x, mg.ones(4, 3), reduction="batchmean")


# --------------------------------------------------------------------------- poisson_nll_loss
def _counts(*shape, seed):
    """Counts 0..6 with no 1s (at t = 1 the full loss's Stirling term switches on, a jump)."""
    c = np.random.default_rng(seed).integers(0, 7, shape)
    return np.where(c == 1, 2, c).astype(np.float64)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("log_input", [True, False])
@pytest.mark.parametrize("full", [False, True])
def test_poisson_nll_loss_gradcheck(device, reduction, log_input, full):
    x = randn(3, 4, seed=28) if log_input else np.random.default_rng(29).uniform(0.2, 4.0, (3, 4))
    t = np.random.default_rng(30).uniform(1.2, 6.0, (3, 4))       # the target's gradient, off the jump at 1
    check_grad(lambda x, t: F.poisson_nll_loss(x, t, log_input=log_input, full=full, reduction=reduction), x, t,
               device=device)
    counts = mg.tensor(_counts(3, 4, seed=31), device=device)
    check_grad(lambda x: F.poisson_nll_loss(x, counts, log_input=log_input, full=full, reduction=reduction), x,
               device=device)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("log_input", [True, False])
@pytest.mark.parametrize("full", [False, True])
def test_poisson_nll_loss_matches_torch(torch, reduction, log_input, full):
    x = randn(3, 4, seed=32) if log_input else np.random.default_rng(33).uniform(0.2, 4.0, (3, 4))
    t = np.random.default_rng(34).uniform(1.2, 6.0, (3, 4))
    tf = torch.nn.functional
    compare_with_torch(torch, lambda x, t: F.poisson_nll_loss(x, t, log_input, full, eps=1e-3, reduction=reduction),
                       lambda x, t: tf.poisson_nll_loss(x, t, log_input, full, eps=1e-3, reduction=reduction), [x, t])
    counts = _counts(3, 4, seed=35)                                 # zeros and counts above 1: input gradient only
    compare_with_torch(torch, lambda x: F.poisson_nll_loss(x, mg.tensor(counts), log_input, full, reduction=reduction),
                       lambda x: tf.poisson_nll_loss(x, torch.tensor(counts), log_input, full, reduction=reduction),
                       [x])


def test_poisson_nll_loss_integer_counts_and_the_stirling_term(torch):
    x = np.array([0.3, -0.2, 1.1, 0.0, 0.5])
    counts = np.array([0, 1, 2, 5, 3])
    ours = F.poisson_nll_loss(mg.tensor(x), mg.tensor(counts), full=True, reduction="none")
    assert ours.dtype == np.float64
    theirs = torch.nn.functional.poisson_nll_loss(torch.tensor(x), torch.tensor(counts), full=True, reduction="none")
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-7)    # PyTorch logs integer counts in float32
    t = counts.astype(float)
    stirling = np.where(t > 1, t * np.log(np.maximum(t, 1)) - t + 0.5 * np.log(2 * np.pi * np.maximum(t, 1)), 0)
    np.testing.assert_allclose(ours.numpy(), np.exp(x) - t * x + stirling, rtol=1e-14)


def test_poisson_nll_loss_target_gradient_where_the_stirling_term_is_off(torch):
    """PyTorch's gradient with respect to a zero target under ``full`` is NaN (0 * log 0 in the masked term);
    minigan's is that of the unmasked part, -input, as it is at any other target <= 1."""
    x = np.array([0.3, -0.2, 1.1, 0.7])
    t = np.array([0.0, 0.5, 1.0, 3.0])
    tm = mg.tensor(t, requires_grad=True)
    F.poisson_nll_loss(mg.tensor(x), tm, full=True, reduction="sum").backward()
    tt = torch.tensor(t, requires_grad=True)
    torch.nn.functional.poisson_nll_loss(torch.tensor(x), tt, full=True, reduction="sum").backward()
    np.testing.assert_allclose(tm.grad.numpy()[:3], -x[:3], rtol=1e-15)
    assert np.isnan(tt.grad.numpy()[0])
    np.testing.assert_allclose(tm.grad.numpy()[1:], tt.grad.numpy()[1:], rtol=1e-14)
    assert tm.grad.numpy()[3] == pytest.approx(-x[3] + np.log(3.0) + 0.5 / 3.0, rel=1e-14)


def test_poisson_nll_loss_errors():
    with pytest.raises(ValueError, match="poisson_nll_loss: reduction must be 'mean', 'sum' or 'none', got 'avg'"):
        F.poisson_nll_loss(mg.zeros(2), mg.zeros(2), reduction="avg")
