"""Tensor.register_post_accumulate_grad_hook: called with the leaf after each backward pass adds to its .grad, as
PyTorch's; enough to step an optimizer inside the backward pass."""
import minigan as mg
import numpy as np
import pytest

from helpers import host, randn


def test_called_after_each_accumulation_with_the_summed_gradient(device):
    w = mg.tensor([1.0, 2.0], device=device, requires_grad=True)
    seen = []
    handle = w.register_post_accumulate_grad_hook(lambda p: seen.append(host(p.grad).copy()))
    (w * w + w * 3).sum().backward()               # w used twice: one accumulation, one call
    (w * 3).sum().backward()
    handle.remove()
    (w * w).sum().backward()
    np.testing.assert_allclose(np.array(seen), [[5.0, 7.0], [8.0, 10.0]])
    np.testing.assert_allclose(host(w.grad), [10.0, 14.0])


def test_the_same_calls_as_pytorch(torch):
    ours, theirs = [], []
    w, tw = mg.tensor([0.5, -1.0], requires_grad=True), torch.tensor([0.5, -1.0], requires_grad=True)
    w.register_post_accumulate_grad_hook(lambda p: ours.append(host(p.grad).copy()))
    tw.register_post_accumulate_grad_hook(lambda p: theirs.append(p.grad.numpy().copy()))
    for lib, t in ((mg, w), (torch, tw)):
        (lib.exp(t) * t).sum().backward()
        lib.autograd.backward([(t * t).sum(), t.sum()])
    np.testing.assert_allclose(np.array(ours), np.array(theirs), rtol=1e-6)


def test_an_optimizer_stepping_inside_the_backward_pass(device):
    """Each parameter steps as soon as its gradient is in, and frees it: the same parameters as a plain step."""
    mg.manual_seed(0)
    net = mg.nn.Sequential(mg.nn.Linear(3, 4), mg.nn.Tanh(), mg.nn.Linear(4, 2)).to(device)
    twin = mg.nn.Sequential(mg.nn.Linear(3, 4), mg.nn.Tanh(), mg.nn.Linear(4, 2)).to(device)
    twin.load_state_dict(net.state_dict())
    x = mg.tensor(randn(5, 3).astype(np.float32), device=device)
    optimizers = {}
    for p in net.parameters():
        optimizers[p] = mg.optim.SGD([p], lr=0.1)

        def step(param):
            optimizers[param].step()
            optimizers[param].zero_grad()
        p.register_post_accumulate_grad_hook(step)
    plain = mg.optim.SGD(twin.parameters(), lr=0.1)
    for _ in range(3):
        (net(x) ** 2).sum().backward()
        plain.zero_grad()
        (twin(x) ** 2).sum().backward()
        plain.step()
    assert all(p.grad is None for p in net.parameters())
    for a, b in zip(net.parameters(), twin.parameters()):
        np.testing.assert_allclose(host(a), host(b), rtol=1e-6, atol=1e-7)


def test_with_backward_inputs_and_create_graph():
    a = mg.tensor([1.0, 2.0], requires_grad=True)
    b = mg.tensor([3.0, 4.0], requires_grad=True)
    calls = []
    a.register_post_accumulate_grad_hook(lambda p: calls.append("a"))
    b.register_post_accumulate_grad_hook(lambda p: calls.append("b"))
    (a * b).sum().backward(inputs=[b])
    (a * a * b).sum().backward(create_graph=True)
    assert calls == ["b", "a", "b"] or calls == ["b", "b", "a"]
    assert a.grad.requires_grad                       # recorded, as create_graph asks


def test_errors():
    with pytest.raises(RuntimeError, match="cannot register a hook on a tensor that doesn't require gradient"):
        mg.zeros(2).register_post_accumulate_grad_hook(print)
    x = mg.tensor([1.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="cannot be registered on non-leaf tensors"):
        x.register_post_accumulate_grad_hook(print)


def test_each_leaf_is_handed_its_gradient_as_soon_as_it_is_complete():
    """Not at the end of the pass: the last layer's weight is done (and its hook run) before the first layer's
    output gets its gradient, as in PyTorch's engine; the first layer's own weight only after."""
    mg.manual_seed(0)
    net = mg.nn.Sequential(mg.nn.Linear(3, 4), mg.nn.ReLU(), mg.nn.Linear(4, 4), mg.nn.ReLU(), mg.nn.Linear(4, 1))
    events = []
    for name, p in net.named_parameters():
        p.register_post_accumulate_grad_hook(lambda p, name=name: events.append(name))
    first = net[0](mg.randn(5, 3))
    first.register_hook(lambda g: events.append("first output"))
    net[1:](first).sum().backward()
    cut = events.index("first output")
    assert set(events[:cut]) == {"2.weight", "2.bias", "4.weight", "4.bias"}
    assert set(events[cut + 1:]) == {"0.weight", "0.bias"}


def test_the_same_order_of_hooks_as_pytorch(torch):
    mg.manual_seed(0)
    net = mg.nn.Sequential(mg.nn.Linear(3, 4), mg.nn.Tanh(), mg.nn.Linear(4, 2))
    tnet = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    tnet.load_state_dict({k: torch.tensor(v.numpy()) for k, v in net.state_dict().items()})
    ours, theirs = [], []
    for (name, p), (_, tp) in zip(net.named_parameters(), tnet.named_parameters()):
        p.register_post_accumulate_grad_hook(lambda p, name=name: ours.append(name))
        tp.register_post_accumulate_grad_hook(lambda p, name=name: theirs.append(name))
    x = randn(5, 3).astype(np.float32)
    net(mg.tensor(x)).sum().backward()
    tnet(torch.tensor(x)).sum().backward()
    assert set(ours[:2]) == set(theirs[:2]) == {"2.weight", "2.bias"}      # the last layer's first
    assert set(ours[2:]) == set(theirs[2:]) == {"0.weight", "0.bias"}
