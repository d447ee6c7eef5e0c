"""Where an op's gradient is gated off (a dead ReLU, a clipped value, the loser of a maximum), the gradient there is
0 even when the upstream gradient is infinite or nan, as PyTorch's backward selects give: ``log(relu(x))`` at a
dead unit must give 0, not ``inf * 0 = nan``. Both the plain backward and the recorded one (double backward)."""
import numpy as np
import pytest

import minigan as mg
import minigan.nn.functional as F

from helpers import compare_with_torch, tensors

X = np.array([-2.0, -0.5, 0.0, 0.7, 4.0, 7.0])

CASES = {
    "relu": (lambda t: F.relu(t), lambda T, t: T.nn.functional.relu(t)),
    "hardtanh": (lambda t: F.hardtanh(t, 0.0, 1.0), lambda T, t: T.nn.functional.hardtanh(t, 0.0, 1.0)),
    "relu6": (lambda t: F.relu6(t), lambda T, t: T.nn.functional.relu6(t)),
    "hardsigmoid": (lambda t: F.hardsigmoid(t), lambda T, t: T.nn.functional.hardsigmoid(t)),
    "hardswish": (lambda t: F.hardswish(t), lambda T, t: T.nn.functional.hardswish(t)),
    "maximum": (lambda t: mg.maximum(t, mg.zeros_like(t)), lambda T, t: T.maximum(t, T.zeros_like(t))),
}


@pytest.mark.parametrize("name", list(CASES))
def test_an_infinite_upstream_gradient_stays_out_of_a_closed_gate(device, torch, name):
    ours, theirs = CASES[name]
    # log of the output: where the output is 0 the upstream gradient is infinite, and the gate there is closed
    compare_with_torch(torch, lambda t: mg.log(ours(t)), lambda t: torch.log(theirs(torch, t)), [X], device=device)
    t = tensors(device, X)[0]
    mg.log(ours(t)).sum().backward()
    assert not np.isnan(t.grad.numpy()).any(), t.grad


def test_leaky_relu_multiplies_by_its_slope_as_torch_does_even_at_slope_0(device, torch):
    """PyTorch's leaky_relu backward is a product (gy times 1 or the slope), not a select: at slope 0 an infinite
    gy gives nan where x <= 0, unlike relu. minigan gives the same values."""
    compare_with_torch(torch, lambda t: mg.log(F.leaky_relu(t, 0.0)),
                       lambda t: torch.log(torch.nn.functional.leaky_relu(t, 0.0)), [X], device=device)


@pytest.mark.parametrize("name", ["relu", "hardtanh", "maximum"])
def test_the_recorded_backward_keeps_the_gate_closed_too(device, name):
    ours = CASES[name][0]
    t = tensors(device, X)[0]
    (g,) = mg.grad(mg.log(ours(t)).sum(), [t], create_graph=True)
    assert not np.isnan(g.numpy()).any(), g
    (g * g).sum().backward()                              # and it stays differentiable
    assert t.grad is not None
