"""ctc_loss and CTCLoss: PyTorch's losses for padded and concatenated targets, every reduction, blank, zero_infinity
and impossible alignments; the gradient from the forward-backward algorithm checked by finite differences on the
raw log-probabilities and held against PyTorch's through a log_softmax; a brute-force sum over all paths on a
tiny case; the layer; the errors."""
import itertools

import numpy as np
import pytest

import minigan as mg
import minigan.nn.functional as F
from minigan import nn
from minigan.ops.ctc import extended_labels

from helpers import check_grad, randn, tensors

T, N, C = 6, 3, 4
PADDED = np.array([[1, 2, 2], [3, 1, 0], [1, 1, 1]])
CONCAT = np.array([1, 2, 2, 3, 1, 1, 1, 1])
INPUT_LENGTHS, TARGET_LENGTHS = [6, 5, 6], [3, 2, 3]


def _ours(targets, input_lengths, target_lengths, **kwargs):
    return lambda u: F.ctc_loss(F.log_softmax(u, -1), targets, input_lengths, target_lengths, **kwargs)


def _theirs(torch, targets, input_lengths, target_lengths, **kwargs):
    tt = [torch.tensor(np.asarray(a)) for a in (targets, input_lengths, target_lengths)]
    return lambda u: torch.nn.functional.ctc_loss(u.log_softmax(-1), *tt, **kwargs)


def _both(torch, device, logits, *args, **kwargs):
    """Loss and logits gradient (for a random upstream gradient) in minigan and in torch."""
    (u,) = tensors(device, logits)
    tu = torch.tensor(logits, requires_grad=True)
    y, ty = _ours(*args, **kwargs)(u), _theirs(torch, *args, **kwargs)(tu)
    v = randn(*ty.shape, seed=9)
    y.backward(mg.tensor(v, device=device))
    ty.backward(torch.tensor(v))
    return (y.numpy(), u.grad.numpy()), (ty.detach().numpy(), tu.grad.numpy())


# (targets, input_lengths, target_lengths, keyword arguments)
CASES = [
    (PADDED, INPUT_LENGTHS, TARGET_LENGTHS, {}),
    (CONCAT, INPUT_LENGTHS, TARGET_LENGTHS, {"reduction": "sum"}),
    (np.array([[1, 3, 3], [3, 1, 2], [1, 1, 1]]), INPUT_LENGTHS, TARGET_LENGTHS, {"reduction": "none", "blank": 2}),
    (PADDED, [6, 4, 1], [3, 0, 0], {"reduction": "none"}),              # empty targets (one with one frame)
    (PADDED, [6, 0, 2], [3, 0, 0], {"reduction": "mean"}),              # no frames and an empty target: loss 0
    (np.array([[3, 3, 3], [1, 3, 0], [3, 1, 3]]), INPUT_LENGTHS, TARGET_LENGTHS, {"reduction": "none", "blank": 2}),
    (PADDED, [6, 5, 6], [3, 2, 3], {"reduction": "none", "zero_infinity": True}),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_ctc_loss_matches_torch(device, torch, case):
    targets, il, tl, kwargs = case
    (y, g), (ty, tg) = _both(torch, device, randn(T, N, C, seed=1), targets, il, tl, **kwargs)
    np.testing.assert_allclose(y, ty, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(g, tg, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_impossible_alignments_are_inf_or_zero_as_in_torch(device, torch, reduction):
    """A target that needs more frames than there are (1 1 1 needs 5): inf and a nan gradient for its frames, or
    0 and 0 with zero_infinity."""
    for zero_infinity in (False, True):
        (y, g), (ty, tg) = _both(torch, device, randn(T, N, C, seed=2), PADDED, [6, 5, 4], TARGET_LENGTHS,
                                 reduction=reduction, zero_infinity=zero_infinity)
        np.testing.assert_array_equal(np.isinf(y), np.isinf(ty))
        np.testing.assert_allclose(y[np.isfinite(y)], ty[np.isfinite(ty)], rtol=1e-10)
        np.testing.assert_array_equal(np.isnan(g), np.isnan(tg))
        np.testing.assert_allclose(g[~np.isnan(g)], tg[~np.isnan(tg)], rtol=1e-9, atol=1e-12)
        assert np.isnan(g).any() != zero_infinity


@pytest.mark.parametrize("targets,il,tl,blank", [
    (np.array([[1, 1], [2, 0]]), [5, 4], [2, 1], 0),      # a repeated label needs a blank between
    (np.array([2, 3, 3]), [4, 3], [2, 1], 1),             # concatenated targets, another blank
    (np.array([[3]]), [1], [1], 0),                       # one frame, one label
    (np.array([[1, 2, 1], [0, 0, 0]]), [4, 3], [3, 0], 0),
], ids=str)
def test_ctc_loss_gradcheck_on_raw_log_probs(device, targets, il, tl, blank):
    """The backward is d(-log p)/d log_probs itself (minus the state posteriors by class), so finite differences
    of the loss in the raw log_probs (not normalised at all) agree with it."""
    n = len(il)
    check_grad(lambda x: F.ctc_loss(x, targets, il, tl, blank=blank, reduction="none"),
               randn(max(il), n, 4, seed=3), device=device)


def test_ctc_loss_gradcheck_through_log_softmax(device):
    check_grad(_ours(PADDED, [5, 4, 6], TARGET_LENGTHS), randn(T, N, C, seed=4), device=device)


def test_raw_gradient_differs_from_torchs_by_exp_log_probs(torch):
    """PyTorch's gradient in log_probs adds exp(log_probs) on each sequence's frames (its gradient in the logits of
    a log_softmax); minigan's is the gradient in log_probs. Through a log_softmax they agree (tested above)."""
    lp = randn(T, N, C, seed=5)
    (x,) = tensors("cpu", lp)
    F.ctc_loss(x, PADDED, INPUT_LENGTHS, TARGET_LENGTHS, reduction="sum").backward()
    tx = torch.tensor(lp, requires_grad=True)
    torch.nn.functional.ctc_loss(tx, torch.tensor(PADDED), torch.tensor(INPUT_LENGTHS), torch.tensor(TARGET_LENGTHS),
                                 reduction="sum").backward()
    frames = np.arange(T)[:, None] < np.array(INPUT_LENGTHS)                      # (T, N)
    np.testing.assert_allclose(tx.grad.numpy(), x.grad.numpy() + np.exp(lp) * frames[..., None], rtol=1e-10)


def _brute_force_nll(lp, labels, blank):
    """-log of the sum over every path of len(lp) frames that collapses to ``labels``: all C^T of them."""
    total = 0.0
    for path in itertools.product(range(lp.shape[1]), repeat=lp.shape[0]):
        collapsed = [c for i, c in enumerate(path) if c != blank and (i == 0 or c != path[i - 1])]
        if collapsed == list(labels):
            total += np.exp(sum(lp[t, c] for t, c in enumerate(path)))
    return -np.log(total)


@pytest.mark.parametrize("labels,blank", [([1, 1], 0), ([2, 1], 0), ([0, 2], 1), ([], 0), ([1, 2, 1], 0)], ids=str)
def test_ctc_loss_is_the_sum_over_all_paths(labels, blank):
    """An independent oracle: enumerate all 3^5 paths of a 5-frame, 3-class case and add up the ones that
    collapse to the target."""
    lp = np.log(np.random.default_rng(6).dirichlet(np.ones(3), size=5))
    ours = F.ctc_loss(mg.tensor(lp), np.array(labels, dtype=np.int64), 5, len(labels), blank=blank,
                      reduction="none")
    np.testing.assert_allclose(ours.item(), _brute_force_nll(lp, labels, blank), rtol=1e-12)


def test_extended_labels():
    np.testing.assert_array_equal(extended_labels(np.array([3, 1, 1]), 0), [0, 3, 0, 1, 0, 1, 0])
    np.testing.assert_array_equal(extended_labels(np.zeros(0, dtype=np.int64), 2), [2])


def test_unbatched_input_and_dtypes(device, torch):
    lp = randn(T, C, seed=7)
    tl = torch.nn.functional.log_softmax(torch.tensor(lp), -1)
    ours = F.log_softmax(mg.tensor(lp, device=device), -1)
    for reduction in ("none", "mean", "sum"):
        y = F.ctc_loss(ours, np.array([1, 2, 2]), 6, 3, reduction=reduction)
        ty = torch.nn.functional.ctc_loss(tl, torch.tensor([1, 2, 2]), torch.tensor(6), torch.tensor(3),
                                          reduction=reduction)
        assert y.shape == () and np.isclose(y.item(), ty.item(), rtol=1e-12)
    y32 = F.ctc_loss(ours.float(), PADDED[0], [6], [3])                          # the mean: the loss / 3
    assert y32.dtype == np.float32 and np.isclose(y32.item(), ty.item() / 3, rtol=1e-5)
    assert F.ctc_loss(ours, mg.tensor(PADDED[:1].astype(np.int32)), (6,), (3,), reduction="sum").dtype == np.float64


def test_ctc_loss_second_derivative_is_refused(device):
    """As in PyTorch: the gradient differentiates in the upstream gradient, not again in log_probs."""
    (x,) = tensors(device, randn(T, N, C))
    (g,) = mg.grad(F.ctc_loss(x, PADDED, INPUT_LENGTHS, TARGET_LENGTHS), [x], create_graph=True)
    with pytest.raises(NotImplementedError, match="ctc_loss: the second derivative with respect to log_probs is "
                                                  "not implemented"):
        g.sum().backward()


def test_ctc_loss_errors():
    lp = mg.randn(T, N, C)
    args = (PADDED, INPUT_LENGTHS, TARGET_LENGTHS)
    with pytest.raises(ValueError, match="ctc_loss: 'foo' is not a valid value for reduction"):
        F.ctc_loss(lp, *args, reduction="foo")
    with pytest.raises(ValueError, match=r"ctc_loss: blank must be in label range \[0, 4\), got 4"):
        F.ctc_loss(lp, *args, blank=4)
    with pytest.raises(ValueError, match="ctc_loss: expected input_lengths to have value at most 6 .* got value 7"):
        F.ctc_loss(lp, PADDED, [7, 5, 6], TARGET_LENGTHS)
    with pytest.raises(ValueError, match="ctc_loss: expected input_lengths to have values at least 0, but got "
                                         "value -1"):
        F.ctc_loss(lp, PADDED, [-1, 5, 6], TARGET_LENGTHS)
    with pytest.raises(ValueError, match=r"ctc_loss: target_lengths must be of size batch_size \(3\), got 2"):
        F.ctc_loss(lp, PADDED, INPUT_LENGTHS, [3, 2])
    with pytest.raises(TypeError, match="ctc_loss: input_lengths must be integral, got dtype float64"):
        F.ctc_loss(lp, PADDED, np.array([6.0, 5, 6]), TARGET_LENGTHS)
    with pytest.raises(ValueError, match="ctc_loss: expected targets to have size at least max_target_length 4"):
        F.ctc_loss(lp, PADDED, INPUT_LENGTHS, [4, 2, 3])
    with pytest.raises(ValueError, match=r"ctc_loss: concatenated 1-D targets must hold sum\(target_lengths\) = 8 "
                                         r"labels, got 7"):
        F.ctc_loss(lp, CONCAT[:7], INPUT_LENGTHS, TARGET_LENGTHS)
    with pytest.raises(ValueError, match="ctc_loss: target label 4 is out of range for 4 classes"):
        F.ctc_loss(lp, PADDED + 2, INPUT_LENGTHS, TARGET_LENGTHS)
    with pytest.raises(ValueError, match="ctc_loss: a target holds the blank label 2"):
        F.ctc_loss(lp, PADDED, INPUT_LENGTHS, TARGET_LENGTHS, blank=2)    # padding past a length may be anything
    with pytest.raises(TypeError, match="ctc_loss: expected targets of an integer dtype, got float64"):
        F.ctc_loss(lp, PADDED.astype(float), INPUT_LENGTHS, TARGET_LENGTHS)
    with pytest.raises(ValueError, match=r"ctc_loss: expected log_probs of 2 \(T, C\) or 3 \(T, N, C\) dims, got "
                                         r"shape \(4,\)"):
        F.ctc_loss(lp[0, 0], *args)
    with pytest.raises(TypeError, match="ctc_loss: expected floating-point log_probs, got int64"):
        F.ctc_loss(mg.tensor(np.zeros((T, N, C), dtype=np.int64)), *args)
    with pytest.raises(ValueError, match=r"ctc_loss: expected padded targets \(N, S\) with N = 3, got shape \(1, 3\)"):
        F.ctc_loss(lp, PADDED[:1], INPUT_LENGTHS, TARGET_LENGTHS)


def test_ctc_loss_layer_is_torchs(device, torch):
    for args in ((), (2, "sum", True)):
        ours, theirs = nn.CTCLoss(*args), torch.nn.CTCLoss(*args)
        assert repr(ours) == repr(theirs) and ours.state_dict() == {}
        for attr in ("blank", "reduction", "zero_infinity"):
            assert getattr(ours, attr) == getattr(theirs, attr)
    logits = randn(T, N, C, seed=8)
    (u,) = tensors(device, logits)
    tu = torch.tensor(logits, requires_grad=True)
    layer, t_layer = nn.CTCLoss(blank=3), torch.nn.CTCLoss(blank=3)
    targets = np.array([[1, 2, 2], [0, 1, 3], [1, 1, 1]])
    y = layer(F.log_softmax(u, 2), targets, INPUT_LENGTHS, TARGET_LENGTHS)
    ty = t_layer(tu.log_softmax(2), torch.tensor(targets), torch.tensor(INPUT_LENGTHS), torch.tensor(TARGET_LENGTHS))
    y.backward()
    ty.backward()
    assert np.isclose(y.item(), ty.item(), rtol=1e-12)
    np.testing.assert_allclose(u.grad.numpy(), tu.grad.numpy(), rtol=1e-9, atol=1e-12)
    with pytest.raises(ValueError, match="CTCLoss: reduction must be 'mean', 'sum' or 'none', got 'avg'"):
        nn.CTCLoss(reduction="avg")
