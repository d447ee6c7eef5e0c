"""AdaptiveLogSoftmaxWithLoss: parameters, state_dict keys and repr as PyTorch's; with its weights copied over, the
same output, loss, log_prob, predict and gradients (targets in the shortlist and in every cluster, a batch of one,
an unbatched sample, a cluster nobody falls in); float64 gradchecks; the errors."""
import numpy as np
import pytest

import minigan as mg
import minigan.nn as nn

from helpers import check_grad, randn

# torch's own warning, for a cluster whose tail layer is empty
pytestmark = pytest.mark.filterwarnings("ignore:Initializing zero-element tensors")


def _pair(torch, *args, **kwargs):
    ours = nn.AdaptiveLogSoftmaxWithLoss(*args, **kwargs)
    theirs = torch.nn.AdaptiveLogSoftmaxWithLoss(*args, **kwargs).double()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    return ours.double(), theirs


def test_structure_matches_torch(torch):
    ours = nn.AdaptiveLogSoftmaxWithLoss(8, 12, [3, 7, 10], div_value=2.0, head_bias=True)
    theirs = torch.nn.AdaptiveLogSoftmaxWithLoss(8, 12, [3, 7, 10], div_value=2.0, head_bias=True)
    assert repr(ours) == repr(theirs)
    assert [(k, v.shape) for k, v in ours.state_dict().items()] == [
        (k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    assert (ours.cutoffs, ours.shortlist_size, ours.n_clusters, ours.head_size) == (
        theirs.cutoffs, theirs.shortlist_size, theirs.n_clusters, theirs.head_size)
    assert ours.head.weight.dtype == np.float32


@pytest.mark.parametrize("cutoffs, head_bias, target", [
    ([3, 7, 10], True, [0, 4, 11, 2, 8, 5, 10, 1, 7]),
    ([2], False, [1, 3, 0, 4]),
    ([3, 7, 10], False, [1, 2, 0]),                      # all in the shortlist: the tails get no gradient
    ([3, 7, 10], True, [11]),                             # a batch of one, in the last cluster
])
def test_forward_log_prob_predict_and_gradients_match_torch(torch, cutoffs, head_bias, target):
    n_classes = 12 if len(cutoffs) > 1 else 5
    ours, theirs = _pair(torch, 6, n_classes, cutoffs, div_value=2.0, head_bias=head_bias)
    x = randn(len(target), 6, seed=1, scale=2.0)
    xm, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, loss = ours(xm, mg.tensor(np.array(target)))
    tout, tloss = theirs(xt, torch.tensor(target))
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(loss.numpy(), tloss.detach().numpy(), rtol=1e-12)
    (out * mg.tensor(np.arange(len(target)) + 1.0)).sum().add(loss).backward()
    ((tout * (torch.arange(len(target)) + 1.0)).sum() + tloss).backward()
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    for (k, p), (_, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        expected = np.zeros(tp.shape) if tp.grad is None else tp.grad.numpy()
        got = np.zeros(p.shape) if p.grad is None else p.grad.numpy()
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12, err_msg=k)
    np.testing.assert_allclose(ours.log_prob(xm).detach().numpy(), theirs.log_prob(xt).detach().numpy(),
                               rtol=1e-12, atol=1e-12)
    pred = ours.predict(xm)
    assert pred.dtype == np.int64
    np.testing.assert_array_equal(pred.numpy(), theirs.predict(xt).numpy())


def test_log_prob_is_a_distribution_and_predict_its_argmax():
    mg.manual_seed(1)
    m = nn.AdaptiveLogSoftmaxWithLoss(5, 20, [4, 9, 15], div_value=1.5)
    x = mg.randn(30, 5) * 4
    lp = m.log_prob(x).numpy()
    np.testing.assert_allclose(np.exp(lp).sum(1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(m.predict(x).numpy(), lp.argmax(1))
    assert (lp.argmax(1) >= 4).any()        # some predictions come from the tails


def test_unbatched_sample(torch):
    ours, theirs = _pair(torch, 4, 10, [2, 6])
    x = randn(4, seed=3)
    out, loss = ours(mg.tensor(x), mg.tensor(np.int64(7)))
    tout, tloss = theirs(torch.tensor(x), torch.tensor(7))
    assert out.shape == loss.shape == ()
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-12)
    assert ours.log_prob(mg.tensor(x)).shape == (10,) and ours.predict(mg.tensor(x)).shape == ()
    assert ours(mg.tensor(x), mg.tensor(np.int64(7))).output is not None      # a named tuple, as PyTorch's


def test_gradcheck(device):
    m = nn.AdaptiveLogSoftmaxWithLoss(4, 9, [2, 5], div_value=2.0, head_bias=True).double().to(device)
    target = mg.tensor(np.array([0, 3, 8, 6, 1]), device=device)
    # the input's gradient here; the parameters' gradients are held against PyTorch's above
    assert check_grad(lambda x: m(x, target).output + m.log_prob(x)[:, 4], randn(5, 4, seed=5), device=device)


def test_errors():
    with pytest.raises(ValueError, match="cutoffs should be a sequence of length larger than 0"):
        nn.AdaptiveLogSoftmaxWithLoss(4, 10, [])
    for bad in ([5, 3], [0, 3], [3, 10], [3, 3], [2.5]):
        with pytest.raises(ValueError, match="cutoffs should be a sequence of unique, positive integers"):
            nn.AdaptiveLogSoftmaxWithLoss(4, 10, bad)
    m = nn.AdaptiveLogSoftmaxWithLoss(4, 10, [3])
    with pytest.raises(ValueError, match=r"Target values should be in \[0, 9\], but values in range \[0, 10\]"):
        m(mg.randn(2, 4), mg.tensor(np.array([0, 10])))
    with pytest.raises(ValueError, match="Input and target should have the same size in the batch dimension"):
        m(mg.randn(3, 4), mg.tensor(np.array([0, 1])))
    with pytest.raises(ValueError, match="1D target tensor expects 2D input tensors"):
        m(mg.randn(2, 2, 4), mg.tensor(np.array([0, 1])))
    with pytest.raises(ValueError, match="0D or 1D target tensor expected"):
        m(mg.randn(2, 4), mg.tensor(np.zeros((2, 1), dtype=np.int64)))
    with pytest.raises(ValueError, match=r"log_prob: expected an input \(N, 4\)"):
        m.log_prob(mg.randn(2, 5))
