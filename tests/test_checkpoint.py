"""Gradient checkpointing (minigan.utils.checkpoint): the same values and gradients as the plain run, for inputs
and parameters, with one node left in the graph for the whole segment; dropout's mask and the caller's random
stream kept; batch norm's running statistics updated twice, as PyTorch's checkpoint does; PyTorch's argument
rules and warnings."""
import warnings

import numpy as np
import pytest

import minigan as mg
import minigan.nn as nn
from minigan.utils.checkpoint import CheckpointError, checkpoint, checkpoint_sequential

from helpers import check_grad, randn


def same(a, b, device):
    """Bit for bit on the CPU (the same kernels run); a last-digit tolerance on a GPU."""
    a, b = np.asarray(a), np.asarray(b)
    if device == "cpu":
        np.testing.assert_array_equal(a, b)
    else:
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def graph_nodes(t):
    """The recorded nodes behind ``t``, found through the nodes' edges (each node once)."""
    seen, stack = {}, [t._node]
    while stack:
        n = stack.pop()
        if n is None or id(n) in seen:
            continue
        seen[id(n)] = n
        stack += [e[0] for e in n.edges if isinstance(e, tuple)]
    return list(seen.values())


def run_both(model, x_np, device, wrap, plain=lambda m, x: m(x), seed=5):
    """(output, x.grad, parameter grads, the next random draw) of ``plain(model, x)`` and of ``wrap(model, x)``."""
    results = []
    for call in (lambda x: plain(model, x), lambda x: wrap(model, x)):
        model.zero_grad()
        x = mg.tensor(x_np, device=device, requires_grad=True)
        mg.manual_seed(seed)
        y = call(x)
        (y * y).sum().backward()
        after = mg.rand(4, device=device).numpy()
        results.append((y.numpy(), x.grad.numpy(), [p.grad.numpy() for p in model.parameters()], after))
    return results


def assert_same_runs(plain, ckpt, device):
    for a, b in zip(plain[:2] + (plain[3],), ckpt[:2] + (ckpt[3],)):
        same(a, b, device)
    assert len(plain[2]) == len(ckpt[2])
    for a, b in zip(plain[2], ckpt[2]):
        same(a, b, device)


def mlp(device, p=0.0):
    mg.manual_seed(0)
    return nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(p), nn.Linear(16, 16), nn.Tanh(),
                         nn.Linear(16, 3)).to(device)


# ----------------------------------------------------------------- equal to the plain run
@pytest.mark.parametrize("use_reentrant", [False, True])
@pytest.mark.parametrize("p", [0.0, 0.4])
def test_mlp_with_dropout_equals_the_plain_run(device, use_reentrant, p):
    net = mlp(device, p)
    plain, ckpt = run_both(net, randn(7, 6).astype(np.float32), device,
                           lambda m, x: checkpoint(m, x, use_reentrant=use_reentrant))
    assert_same_runs(plain, ckpt, device)            # same mask, and the caller's stream goes on the same


def test_without_preserve_rng_state_the_recomputed_mask_differs(device):
    net = mlp(device, 0.5)
    x = mg.tensor(randn(64, 6).astype(np.float32), device=device, requires_grad=True)
    mg.manual_seed(3)
    net(x).sum().backward()
    plain = x.grad.numpy()
    x.grad = None
    mg.manual_seed(3)
    checkpoint(net, x, use_reentrant=False, preserve_rng_state=False).sum().backward()
    assert not np.allclose(plain, x.grad.numpy())    # the backward drew a fresh mask


def convnet(device):
    mg.manual_seed(1)
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.LeakyReLU(0.2), nn.Dropout(0.3),
                         nn.Conv2d(4, 2, 3, stride=2), nn.BatchNorm2d(2), nn.ReLU()).to(device)


def test_conv_net_with_batch_norm_and_dropout_equals_the_plain_run(device):
    x_np = randn(2, 3, 7, 9, seed=2).astype(np.float32)
    plain_net, ckpt_net = convnet(device), convnet(device)
    plain, _ = run_both(plain_net, x_np, device, lambda m, x: m(x))
    _, ckpt = run_both(ckpt_net, x_np, device, lambda m, x: checkpoint(m, x, use_reentrant=False))
    assert_same_runs(plain, ckpt, device)


def test_batch_norm_running_statistics_are_updated_twice_as_in_pytorch(device):
    """PyTorch's checkpoint (both variants, checked on 2.13) runs batch norm's forward again in the backward,
    so the running statistics take two momentum steps per training step; minigan's does the same."""
    x_np = randn(6, 3, seed=4).astype(np.float32)
    bn, twice = nn.BatchNorm1d(3).to(device), nn.BatchNorm1d(3).to(device)
    x = mg.tensor(x_np, device=device, requires_grad=True)
    y = checkpoint(bn, x, use_reentrant=False)
    assert int(bn.num_batches_tracked.item()) == 1
    y.sum().backward()
    assert int(bn.num_batches_tracked.item()) == 2
    with mg.no_grad():
        twice(mg.tensor(x_np, device=device))
        twice(mg.tensor(x_np, device=device))
    same(bn.running_mean.numpy(), twice.running_mean.numpy(), device)
    same(bn.running_var.numpy(), twice.running_var.numpy(), device)


def test_pytorch_updates_batch_norm_twice_too(torch):
    for use_reentrant in (True, False):
        bn = torch.nn.BatchNorm1d(3)
        x = torch.randn(6, 3, requires_grad=True)
        torch.utils.checkpoint.checkpoint(bn, x, use_reentrant=use_reentrant).sum().backward()
        assert int(bn.num_batches_tracked) == 2


def test_several_outputs_non_tensor_args_and_kwargs(device):
    lin = nn.Linear(4, 4).to(device)

    def f(x, scale, y, power=1, tag=None):
        h = lin(x) * scale
        return h ** power, (h * y).sum(0), tag, h.argmax(1)

    xs = [randn(3, 4, seed=6), randn(3, 4, seed=7)]
    res = []
    for wrap in (lambda *a, **k: f(*a, **k), lambda *a, **k: checkpoint(f, *a, use_reentrant=False, **k)):
        lin.zero_grad()
        x, y = (mg.tensor(a.astype(np.float32), device=device, requires_grad=True) for a in xs)
        a, b, tag, idx = wrap(x, 0.5, y, power=2, tag="t")
        assert tag == "t" and idx.dtype == np.int64 and not idx.requires_grad
        a.sum().backward()                           # b gets no gradient: y is not reached, as in the plain run
        assert y.grad is None or not np.any(y.grad.numpy())
        res.append([a.numpy(), b.numpy(), idx.numpy(), x.grad.numpy(), lin.weight.grad.numpy(), lin.bias.grad.numpy()])
    for u, v in zip(*res):
        same(u, v, device)


def test_an_input_that_does_not_require_grad(device):
    net = mlp(device)
    x = mg.tensor(randn(5, 6).astype(np.float32), device=device)
    net(x).sum().backward()
    expected = [p.grad.numpy() for p in net.parameters()]
    net.zero_grad()
    y = checkpoint(net, x, use_reentrant=False)      # the parameters still require grad: recorded
    assert y.requires_grad
    y.sum().backward()
    assert x.grad is None
    for e, p in zip(expected, net.parameters()):
        same(e, p.grad.numpy(), device)
    net.zero_grad()
    with pytest.warns(UserWarning, match="None of the inputs have requires_grad=True. Gradients will be None"):
        y = checkpoint(net, x, use_reentrant=True)   # PyTorch's reentrant variant: no graph at all
    assert not y.requires_grad


def test_a_segment_used_twice(device):
    block = nn.Sequential(nn.Linear(5, 5), nn.Tanh()).to(device)
    plain, ckpt = run_both(block, randn(4, 5, seed=8).astype(np.float32), device,
                           lambda m, x: checkpoint(m, checkpoint(m, x, use_reentrant=False), use_reentrant=False),
                           plain=lambda m, x: m(m(x)))
    assert_same_runs(plain, ckpt, device)


@pytest.mark.parametrize("segments", [1, 2, 3])
def test_checkpoint_sequential(device, segments):
    net = mlp(device, 0.3)
    plain, ckpt = run_both(net, randn(5, 6, seed=9).astype(np.float32), device,
                           lambda m, x: checkpoint_sequential(m, segments, x, use_reentrant=False))
    assert_same_runs(plain, ckpt, device)
    x = mg.tensor(randn(5, 6).astype(np.float32), device=device, requires_grad=True)
    y = checkpoint_sequential(net, segments, x, use_reentrant=False)
    names = [type(n.fn).__name__ if not isinstance(n.fn, type) else n.fn.__name__ for n in graph_nodes(y)]
    assert names.count("_Checkpoint") == segments - 1
    calls = []
    fns = [lambda t, i=i: (calls.append(i), t + i)[1] for i in range(7)]   # 7 in 2 pieces: 3 checkpointed, 4
    checkpoint_sequential(fns, segments, mg.zeros(1, requires_grad=True), use_reentrant=False).backward()
    size = 7 // segments                             # the backward recomputes the pieces, last piece first
    again = [i for k in reversed(range(segments - 1)) for i in range(k * size, k * size + size)]
    assert calls == list(range(7)) + again


def test_checkpoint_sequential_arguments():
    net = mlp("cpu")
    x = mg.randn(2, 6)
    with pytest.raises(ValueError, match="Unexpected keyword arguments: foo"):
        checkpoint_sequential(net, 2, x, use_reentrant=False, foo=1)
    with pytest.raises(ValueError, match=r"segments must be between 1 and the number of functions \(6\), got 7"):
        checkpoint_sequential(net, 7, x, use_reentrant=False)
    with pytest.warns(UserWarning, match="checkpoint_sequential: the use_reentrant parameter should be passed"):
        checkpoint_sequential(net, 2, x.requires_grad_())


# ----------------------------------------------------------------- the graph keeps no activations
def test_the_graph_keeps_one_node_and_only_the_inputs(device):
    net = mlp(device)
    x = mg.tensor(randn(3, 6).astype(np.float32), device=device, requires_grad=True)
    plain = graph_nodes(net(x))
    ckpt = graph_nodes(checkpoint(net, x, use_reentrant=False))
    assert len(plain) >= 6 and len(ckpt) == 1
    saved = ckpt[0].ctx._saved                        # what the node holds until its backward: x and the weights
    assert id(saved[0]) == id(x) and {id(t) for t in saved[1:]} == {id(p) for p in net.parameters()}
    assert ckpt[0].fn.__name__ == "_Checkpoint"


# ----------------------------------------------------------------- mg.grad, parameters, double backward
def test_grad_through_a_checkpoint_gives_inputs_and_parameters_without_touching_grad(device):
    net = mlp(device)
    x = mg.tensor(randn(4, 6).astype(np.float32), device=device, requires_grad=True)
    expected = mg.grad(net(x).sum(), [x, net[0].weight])
    got = mg.grad(checkpoint(net, x, use_reentrant=False).sum(), [x, net[0].weight])
    (gw,) = mg.grad(checkpoint(net, x, use_reentrant=False).sum(), [net[3].weight])
    assert gw.shape == (16, 16)
    for e, g in zip(expected, got):
        same(e.numpy(), g.numpy(), device)
    assert all(p.grad is None for p in net.parameters())


def test_every_tensor_the_segment_reads_is_an_edge_however_it_is_reached(device):
    """The segment's own graph (recorded once in the forward, then let go) names the tensors it used: here one
    read through an object with no ``__dict__``, which no search of the function's names would find."""
    class Box:
        __slots__ = ("w",)
    box = Box()
    box.w = mg.tensor(randn(3, 3), device=device, requires_grad=True)
    x = mg.tensor(randn(2, 3, seed=1), device=device, requires_grad=True)
    y = checkpoint(lambda t: (t @ box.w).tanh(), x, use_reentrant=False)
    assert len(graph_nodes(y)[0].edges) == 2 and graph_nodes(y)[0].edges[1] is box.w
    (gw,) = mg.grad(y.sum(), [box.w], retain_graph=True)     # mg.grad reaches it too
    assert box.w.grad is None and gw.shape == (3, 3)
    y.sum().backward(retain_graph=True)
    g = box.w.grad.numpy().copy()
    x2 = x.detach().requires_grad_()
    (x2 @ box.w).tanh().sum().backward()
    same(box.w.grad.numpy(), 2 * g, device)           # the plain run added the same gradient once more
    y.sum().backward()                                # a second backward through the retained node: once more
    same(box.w.grad.numpy(), 3 * g, device)


def test_gradcheck_float64(device):
    w = randn(4, 5, seed=3)
    check_grad(lambda x, w: checkpoint(lambda a, b: (a @ b).sin() * a.sum(), x, w, use_reentrant=False),
               randn(3, 4, seed=2), w, device=device)
    lin = nn.Linear(5, 2).to(device).double()
    mg.gradcheck(lambda x: checkpoint(lambda t: lin(t).exp(), x, use_reentrant=False),
                 [mg.tensor(randn(3, 5), device=device, requires_grad=True)], params=list(lin.parameters()))


def test_double_backward_through_a_checkpoint(device):
    fn = lambda x, w: checkpoint(lambda a, b: (a * b).tanh() ** 2, x, w, use_reentrant=False)  # noqa: E731
    mg.gradgradcheck(fn, [mg.tensor(randn(3, 4), device=device, requires_grad=True),
                          mg.tensor(randn(3, 4, seed=1), device=device, requires_grad=True)])


# ----------------------------------------------------------------- PyTorch parity
def test_values_and_gradients_match_torch(torch):
    net = nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 8), nn.Sigmoid(), nn.Linear(8, 2)).double()
    tnet = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.Tanh(), torch.nn.Linear(8, 8), torch.nn.Sigmoid(),
                               torch.nn.Linear(8, 2)).double()
    with torch.no_grad():
        for p, tp in zip(net.parameters(), tnet.parameters()):
            tp.copy_(torch.tensor(p.numpy()))
    x_np = randn(5, 6, seed=4)
    x, tx = mg.tensor(x_np, requires_grad=True), torch.tensor(x_np, requires_grad=True)
    y = checkpoint_sequential(net, 2, checkpoint(lambda t: t * 2, x, use_reentrant=False), use_reentrant=False)
    ty = torch.utils.checkpoint.checkpoint_sequential(
        tnet, 2, torch.utils.checkpoint.checkpoint(lambda t: t * 2, tx, use_reentrant=False), use_reentrant=False)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-12, atol=1e-14)
    v = randn(5, 2, seed=5)
    y.backward(mg.tensor(v))
    ty.backward(torch.tensor(v))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-13)
    for p, tp in zip(net.parameters(), tnet.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-10, atol=1e-13)


# ----------------------------------------------------------------- arguments, warnings and errors as PyTorch's
def test_signatures_match_torch(torch):
    import inspect
    for ours, theirs in ((checkpoint, torch.utils.checkpoint.checkpoint),
                         (checkpoint_sequential, torch.utils.checkpoint.checkpoint_sequential)):
        a, b = inspect.signature(ours).parameters, inspect.signature(theirs).parameters
        assert list(a) == list(b)
        assert [(p.kind, p.default) for n, p in a.items() if n != "context_fn"] == \
            [(p.kind, p.default) for n, p in b.items() if n != "context_fn"]


def test_use_reentrant_none_warns_and_true_rejects_what_pytorch_rejects():
    x = mg.randn(3, requires_grad=True)
    with pytest.warns(UserWarning, match="use_reentrant parameter should be passed explicitly"):
        checkpoint(lambda t: t * 2, x)
    with pytest.raises(ValueError, match="Unexpected keyword arguments: scale"):
        checkpoint(lambda t, scale: t * scale, x, use_reentrant=True, scale=2)
    with pytest.raises(ValueError, match="Passing `context_fn` or `debug` is only supported when use_reentrant=False"):
        checkpoint(lambda t: t, x, use_reentrant=True, debug=True)
    with pytest.raises(ValueError, match=r"determinism_check should be one of \['default', 'none'\], but got x"):
        checkpoint(lambda t: t, x, use_reentrant=False, determinism_check="x")
    with warnings.catch_warnings():
        warnings.simplefilter("error")               # explicit use_reentrant: no warning
        checkpoint(lambda t: t * 2, x, use_reentrant=False)


def test_a_recomputation_that_changes_shape_raises_checkpoint_error():
    calls = []

    def flaky(t):
        calls.append(1)
        return t[: len(calls)] * 2

    y = checkpoint(flaky, mg.randn(4, requires_grad=True), use_reentrant=False)
    with pytest.raises(CheckpointError, match="Recomputed values for the following tensors have different metadata"):
        y.sum().backward()
    calls.clear()
    y = checkpoint(flaky, mg.randn(4, requires_grad=True), use_reentrant=False, determinism_check="none")
    with pytest.raises(RuntimeError, match="shape"):   # unchecked: the engine catches the wrong gradient shape
        y.sum().backward()


def test_context_fn_wraps_the_forward_and_the_recomputation():
    import contextlib
    log = []

    @contextlib.contextmanager
    def mark(name):
        log.append(name + " in")
        yield
        log.append(name + " out")

    y = checkpoint(lambda t: t.exp(), mg.randn(3, requires_grad=True), use_reentrant=False,
                   context_fn=lambda: (mark("forward"), mark("recompute")))
    assert log == ["forward in", "forward out"]
    y.sum().backward()
    assert log == ["forward in", "forward out", "recompute in", "recompute out"]


def test_an_input_changed_in_place_after_the_forward_is_caught():
    x = mg.randn(3, requires_grad=True)
    h = x * 1
    y = checkpoint(lambda t: t.exp(), h, use_reentrant=False)
    with mg.no_grad():
        h.mul_(2)
    with pytest.raises(RuntimeError, match="modified in place"):
        y.sum().backward()
