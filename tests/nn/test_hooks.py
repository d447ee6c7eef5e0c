"""Module forward hooks: watch a layer's inputs and outputs, change them, and take the hook off again."""
import numpy as np
import pytest

import minigan as mg
from minigan import nn

from helpers import randn


def _model():
    mg.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))


def test_forward_hook_sees_each_layers_input_and_output():
    model, seen = _model(), {}
    handles = [m.register_forward_hook(lambda mod, args, out, name=name: seen.__setitem__(name, (args, out)))
               for name, m in model.named_children()]
    x = mg.tensor(randn(5, 3, seed=1).astype(np.float32))
    y = model(x)
    assert list(seen) == ["0", "1", "2"]
    assert seen["0"][0][0] is x                                       # the input, as a tuple of positional args
    np.testing.assert_array_equal(seen["1"][0][0].numpy(), seen["0"][1].numpy())
    assert seen["2"][1] is y
    for h in handles:
        h.remove()
    seen.clear()
    model(x)
    assert seen == {}


def test_hooks_that_return_replace_the_input_and_the_output():
    layer = nn.Linear(3, 2)
    x = mg.tensor(randn(4, 3, seed=2).astype(np.float32))
    plain = layer(x).numpy()
    pre = layer.register_forward_pre_hook(lambda mod, args: args[0] * 2.0)          # not a tuple: wrapped
    np.testing.assert_allclose(layer(x).numpy(), 2 * plain - layer.bias.numpy())     # W(2x) + b
    pre.remove()
    post = layer.register_forward_hook(lambda mod, args, out: out + 1.0)
    np.testing.assert_allclose(layer(x).numpy(), plain + 1.0)
    post.remove()
    np.testing.assert_array_equal(layer(x).numpy(), plain)


def test_a_hooked_output_still_backpropagates():
    layer = nn.Linear(3, 2)
    layer.register_forward_hook(lambda mod, args, out: out * 3.0)
    x = mg.tensor(randn(4, 3, seed=3).astype(np.float32), requires_grad=True)
    layer(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 3.0 * np.tile(layer.weight.numpy().sum(axis=0), (4, 1)), rtol=1e-6)


def test_hooks_run_in_order_and_match_torch(torch):
    calls = []
    ours, theirs = nn.Tanh(), torch.nn.Tanh()
    for m in (ours, theirs):
        m.register_forward_pre_hook(lambda mod, args: calls.append(("pre", type(mod).__module__.split(".")[0])))
        m.register_forward_hook(lambda mod, args, out: calls.append(("post", len(args))))
    ours(mg.zeros(2))
    theirs(torch.zeros(2))
    assert calls == [("pre", "minigan"), ("post", 1), ("pre", "torch"), ("post", 1)]


def test_remove_twice_is_harmless():
    layer = nn.ReLU()
    h = layer.register_forward_hook(lambda *a: None)
    h.remove()
    h.remove()
    assert layer._forward_hooks == []
    with pytest.raises(TypeError):
        layer.register_forward_hook(lambda *a: None)(1)     # a handle is not callable
