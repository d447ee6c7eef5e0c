"""mg.autograd.graph's hooks on saved tensors (torch.autograd.graph): pack at save, unpack in the backward, the
same gradients (first and second order), in-place changes still caught, PyTorch's errors."""
import minigan as mg
import numpy as np
import pytest

from helpers import check_grad, host, randn
from minigan.backward import graph_nodes
from minigan.saved_tensor_hooks import Packed

G = mg.autograd.graph


def _f(x, w):
    return ((x @ w).tanh() * x.sum()).exp().sum()


def test_pack_sees_what_the_graph_keeps_and_unpack_gives_it_back(device):
    x = mg.tensor(randn(3, 4), device=device, requires_grad=True)
    w = mg.tensor(randn(4, 2, seed=1), device=device, requires_grad=True)
    packed, unpacked = [], []

    def pack(t):
        packed.append(t.shape)
        return ("kept", t)

    def unpack(p):
        unpacked.append(p[1].shape)
        return p[1]
    with G.saved_tensors_hooks(pack, unpack):
        loss = _f(x, w)
    assert packed and (3, 4) in packed and (4, 2) in packed
    loss.backward()
    assert sorted(unpacked) == sorted(packed)                      # every saved tensor came back once
    gx, gw = host(x.grad), host(w.grad)
    x.grad = w.grad = None
    _f(x, w).backward()
    np.testing.assert_array_equal(gx, host(x.grad))
    np.testing.assert_array_equal(gw, host(w.grad))


def test_save_on_cpu_keeps_host_copies_and_the_same_gradients(device):
    x = mg.tensor(randn(3, 4), device=device, requires_grad=True)
    w = mg.tensor(randn(4, 2, seed=1), device=device, requires_grad=True)
    with G.save_on_cpu():
        loss = _f(x, w)
    packs = [n.ctx._saved for n in graph_nodes([loss]) if isinstance(n.ctx._saved, Packed)]
    assert packs and all(isinstance(item[0][1], np.ndarray) for p in packs for item in p.items if item is not None)
    grads = mg.grad(loss, [x, w])
    plain = mg.grad(_f(x, w), [x, w])
    for a, b in zip(grads, plain):
        np.testing.assert_array_equal(host(a), host(b))
        assert a.device == device


def test_second_derivatives_through_hooks(device):
    def f(x, w):
        with G.save_on_cpu():
            return _f(x, w)
    mg.gradgradcheck(f, [mg.tensor(randn(2, 3), device=device, requires_grad=True),
                         mg.tensor(randn(3, 2, seed=4) * 0.3, device=device, requires_grad=True)])
    check_grad(f, randn(2, 3), randn(3, 2, seed=5) * 0.3, device=device)


def test_an_in_place_change_after_saving_is_still_caught():
    a = mg.tensor([1.0, 2.0], requires_grad=True)
    b = mg.tensor([3.0, 4.0])
    with G.saved_tensors_hooks(lambda t: t.detach().clone(), lambda t: t):
        y = (a * b).sum()                         # saves a and b
    with mg.no_grad():
        b.mul_(2)
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()


def test_the_innermost_hooks_apply_and_disabling_forbids_new_ones():
    seen = []
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    with G.saved_tensors_hooks(lambda t: seen.append("outer") or t, lambda t: t):
        with G.saved_tensors_hooks(lambda t: seen.append("inner") or t, lambda t: t):
            x.exp().sum()
        x.sin().sum()
    assert seen[0] == "inner" and seen[-1] == "outer"
    with G.disable_saved_tensors_hooks("no hooks in this region"):
        with pytest.raises(RuntimeError, match="no hooks in this region"):
            with G.saved_tensors_hooks(lambda t: t, lambda t: t):
                pass
    with G.saved_tensors_hooks(lambda t: t, lambda t: t):           # allowed again outside
        pass


def test_a_bad_unpack_is_refused_as_pytorch_refuses_it(torch):
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    with G.saved_tensors_hooks(lambda t: t, lambda p: 5):
        y = x.exp().sum()
    with pytest.raises(TypeError, match="unpack_hook expected to be a Tensor but got result of type int"):
        y.backward()
    tx = torch.tensor([1.0, 2.0], requires_grad=True)
    with torch.autograd.graph.saved_tensors_hooks(lambda t: t, lambda p: 5):
        ty = tx.exp().sum()
    with pytest.raises(TypeError, match="unpack_hook expected to be a Tensor but got result of type int"):
        ty.backward()
    with G.saved_tensors_hooks(lambda t: t, lambda p: mg.zeros(3)):
        y = x.exp().sum()
    with pytest.raises(RuntimeError, match="returned a tensor of shape"):
        y.backward()


def test_the_same_gradients_as_pytorch_with_hooks(torch):
    xs, ws = randn(3, 4), randn(4, 2, seed=1)
    x, w = mg.tensor(xs, requires_grad=True), mg.tensor(ws, requires_grad=True)
    tx, tw = torch.tensor(xs, requires_grad=True), torch.tensor(ws, requires_grad=True)
    with G.save_on_cpu():
        _f(x, w).backward()
    with torch.autograd.graph.save_on_cpu():
        (((tx @ tw).tanh() * tx.sum()).exp().sum()).backward()
    np.testing.assert_allclose(host(x.grad), tx.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(host(w.grad), tw.grad.numpy(), rtol=1e-12)


def test_a_checkpointed_segment_shows_the_hooks_only_what_its_node_keeps():
    from minigan.utils.checkpoint import checkpoint
    net = mg.nn.Sequential(mg.nn.Linear(4, 8), mg.nn.Tanh(), mg.nn.Linear(8, 8), mg.nn.Tanh())
    x = mg.randn(5, 4, requires_grad=True)
    plain, ckpt = [], []
    with G.saved_tensors_hooks(lambda t: plain.append(t.shape) or t, lambda t: t):
        net(x).sum()
    with G.saved_tensors_hooks(lambda t: ckpt.append(t.shape) or t, lambda t: t):
        y = checkpoint(net, x, use_reentrant=False).sum()
    assert (5, 8) in plain                                    # the activations inside the segment
    assert sorted(ckpt) == sorted([(5, 4), (8, 4), (8,), (8, 8), (8,)])   # the node's input and parameters
    y.backward()
    assert x.grad.shape == (5, 4)
