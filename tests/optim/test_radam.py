"""RAdam's own cases: the two regimes by hand (momentum steps while rho_t <= 5, rectified Adam steps after),
both weight decays on the first step, float32 parameters against torch, and its keyword-only maximize. The
checks every optimizer shares (parity with torch step for step, checkpoints, skipped parameters, argument
errors) are in test_optim_more.py."""
import math

import numpy as np
import pytest

import minigan as mg
from minigan.optim import RAdam

from optimizer_runs import LR as LRS, Run as _Run, start_values

LR = LRS["RAdam"]


def Run(lib, kwargs, values=None, device=None):
    """RAdam in the shared harness."""
    return _Run(lib, "RAdam", kwargs, values=values, device=device)


def rho(t, beta2):
    rho_inf = 2 / (1 - beta2) - 1
    return rho_inf - 2 * t * beta2 ** t / (1 - beta2 ** t)


def rectification(t, beta2):
    rho_inf, rho_t = 2 / (1 - beta2) - 1, rho(t, beta2)
    return math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))


# ----------------------------------------------------------------- by hand (no torch needed)
def test_first_five_steps_are_momentum_steps_with_the_default_beta2():
    assert [rho(t, 0.999) > 5 for t in range(1, 8)] == [False] * 5 + [True] * 2


@pytest.mark.parametrize("betas", [(0.9, 0.999), (0.5, 0.9), (0.0, 0.99)])
def test_constant_gradient_follows_the_two_regimes(betas):
    # With a constant gradient g, m_hat = g and v = (1 - beta2^t) g², so each step is lr * g while rho_t <= 5,
    # and afterwards lr * r_t * g / (|g| + eps / sqrt(1 - beta2^t)) (about lr * r_t per coordinate).
    g = np.array([4.0, -0.5, 1e-3])
    p0 = np.array([1.0, -2.0, 0.5])
    x = mg.tensor(p0.copy(), requires_grad=True)
    opt = RAdam([x], lr=0.1, betas=betas)
    expected = p0.copy()
    regimes = set()
    for t in range(1, 41):
        x.grad = mg.tensor(g.copy())
        opt.step()
        beta2 = betas[1]
        if rho(t, beta2) > 5:
            expected -= 0.1 * rectification(t, beta2) * g / (np.abs(g) + 1e-8 / math.sqrt(1 - beta2 ** t))
            regimes.add("rectified")
        else:
            expected -= 0.1 * g
            regimes.add("momentum")
        np.testing.assert_allclose(x.numpy(), expected, rtol=1e-12, err_msg=f"after step {t}")
    assert regimes == {"momentum", "rectified"}
    assert opt.state[x]["step"] == 40


def test_weight_decay_l2_and_decoupled_first_step():
    # step 1 is a momentum step, p - lr * m_hat with m_hat = the gradient the moments saw
    g, p0 = np.array([4.0, -0.5]), np.array([1.0, -2.0])
    for decoupled, expected in [(False, p0 - 0.1 * (g + 0.5 * p0)), (True, p0 * (1 - 0.1 * 0.5) - 0.1 * g)]:
        x = mg.tensor(p0.copy(), requires_grad=True)
        opt = RAdam([x], lr=0.1, weight_decay=0.5, decoupled_weight_decay=decoupled)
        x.grad = mg.tensor(g.copy())
        opt.step()
        np.testing.assert_allclose(x.numpy(), expected, rtol=1e-14)


# ----------------------------------------------------------------- float32 against PyTorch
def test_matches_torch_with_float32_parameters(torch):
    values = [v.astype(np.float32) for v in start_values()]
    ours, theirs = Run(None, dict(weight_decay=0.1), values=values), Run(torch, dict(weight_decay=0.1), values=values)
    for t, (a, b) in enumerate(zip(ours.steps(20), theirs.steps(20))):
        assert a[0].dtype == np.float32
        for i, (mine, theirs_i) in enumerate(zip(a, b)):
            np.testing.assert_allclose(mine, theirs_i, rtol=1e-5, err_msg=f"parameter {i} after step {t + 1}")


def test_maximize_is_keyword_only_and_exported():
    x = mg.zeros(1, requires_grad=True)
    with pytest.raises(TypeError):
        RAdam([x], 1e-3, (0.9, 0.999), 1e-8, 0, False, True)
    assert RAdam([x], 1e-3, (0.9, 0.999), 1e-8, 0.1, True, maximize=True).defaults["decoupled_weight_decay"]
    assert mg.optim.RAdam is RAdam and "RAdam" in mg.optim.__all__
