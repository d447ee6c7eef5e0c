"""Rprop and ASGD: hand-computed steps (Rprop's step sizes growing, shrinking and clamped; ASGD's step-size
schedule and averaging), then the checks every optimizer shares, run through the shared harness
(optimizer_runs.Run) and the shared test bodies of test_optim_more.py: step-for-step parity with torch.optim for
20 steps on two parameter groups (maximize and weight decay included), checkpoints, torch's state dicts,
parameters without a gradient, devices and argument errors with torch's messages."""
import inspect
import re

import numpy as np
import pytest

import minigan as mg
from minigan.optim import ASGD, Rprop

import test_optim_more as shared
from optimizer_runs import Run

NAMES = ["Rprop", "ASGD"]           # their learning rates and full settings are in the shared tables


# ----------------------------------------------------------------- Rprop by hand (no torch needed)
P0 = np.array([1.0, -2.0, 0.5])


def _rprop_steps(grads, **kwargs):
    x = mg.tensor(P0.copy(), requires_grad=True)
    opt = Rprop([x], lr=0.1, **kwargs)
    values = []
    for g in grads:
        x.grad = mg.tensor(np.array(g, dtype=np.float64))
        opt.step()
        values.append((x.numpy().copy(), opt.state[x]["step_size"].copy(), opt.state[x]["prev"].copy()))
    return values, opt.state[x]


def test_rprop_steps_by_hand():
    # step 1: prev = 0, so every step size stays at lr = 0.1 and each coordinate moves by 0.1 against its sign
    # step 2: signs kept / flipped / after a 0: step sizes * 1.2 / * 0.5 (no move, prev = 0) / unchanged
    # step 3: the flipped coordinate compares with 0 (unchanged), the others as step 2
    (p1, s1, prev1), (p2, s2, prev2), (p3, s3, prev3) = _rprop_steps([[4, -0.5, 0], [3, 0.5, 1], [-1, 0.5, 2]])[0]
    np.testing.assert_allclose(s1, [0.1, 0.1, 0.1], rtol=1e-15)
    np.testing.assert_allclose(p1, [0.9, -1.9, 0.5], rtol=1e-15)          # sign(0) = 0: the third stays
    np.testing.assert_array_equal(prev1, [4, -0.5, 0])
    np.testing.assert_allclose(s2, [0.12, 0.05, 0.1], rtol=1e-15)
    np.testing.assert_allclose(p2, [0.9 - 0.12, -1.9, 0.4], rtol=1e-15)
    np.testing.assert_array_equal(prev2, [3, 0, 1])                       # the flipped gradient is forgotten
    np.testing.assert_allclose(s3, [0.06, 0.05, 0.12], rtol=1e-15)
    np.testing.assert_allclose(p3, [0.78, -1.95, 0.28], rtol=1e-15)
    np.testing.assert_array_equal(prev3, [0, 0.5, 2])


def test_rprop_step_sizes_are_clamped_and_lr_is_only_the_start():
    values, state = _rprop_steps([[4, -0.5, 0], [3, 0.5, 1]], step_sizes=(0.09, 0.11), etas=(0.1, 3.0))
    np.testing.assert_allclose(values[1][1], [0.11, 0.09, 0.1], rtol=1e-15)   # 0.3 and 0.01 clamped
    assert state["step"] == 2
    x = mg.tensor([1.0], requires_grad=True, dtype=np.float64)
    opt = Rprop([x], lr=0.1)
    for lr in (0.1, 123.0):            # a new lr does not change a step size already made
        opt.param_groups[0]["lr"] = lr
        x.grad = mg.tensor([1.0], dtype=np.float64)
        opt.step()
    np.testing.assert_allclose(x.numpy(), [1.0 - 0.1 - 0.12], rtol=1e-15)


def test_rprop_uses_only_the_sign_of_the_gradient():
    grads = np.array([[4, -0.5, 0], [3, 0.5, 1]])
    small, large = (_rprop_steps(grads * k)[0][-1][0] for k in (1e-6, 1e6))
    np.testing.assert_array_equal(small, large)


def test_rprop_float32_stays_float32():
    x = mg.tensor([1.0, -2.0], requires_grad=True)
    opt = Rprop([x])
    for g in ([0.5, 0.25], [0.5, -0.25]):
        x.grad = mg.tensor(g)
        opt.step()
    assert x.dtype == opt.state[x]["prev"].dtype == opt.state[x]["step_size"].dtype == np.float32


# ----------------------------------------------------------------- ASGD by hand
def test_asgd_first_step_by_hand():
    g, lr, lambd, alpha = np.array([4.0, -0.5, 0.0]), 0.1, 0.2, 0.5
    x = mg.tensor(P0.copy(), requires_grad=True)
    opt = ASGD([x], lr=lr, lambd=lambd, alpha=alpha, weight_decay=0.3)
    x.grad = mg.tensor(g.copy())
    opt.step()
    expected = P0 * (1 - lambd * lr) - lr * (g + 0.3 * P0)      # the shrink, then the step with the L2 term
    np.testing.assert_allclose(x.numpy(), expected, rtol=1e-15)
    state = opt.state[x]
    assert state["step"] == 1 and state["mu"] == 1.0
    assert state["eta"] == pytest.approx(lr / (1 + lambd * lr) ** alpha, rel=1e-15)
    np.testing.assert_array_equal(state["ax"], x.numpy())             # mu = 1: the average is p itself


def test_asgd_step_size_schedule_and_average():
    # eta_t = lr / (1 + lambd lr t)^alpha; from step t0 + 2 on, ax is the mean of the iterates since then
    lr, lambd, alpha, t0 = 0.05, 0.5, 0.75, 3
    x = mg.tensor(P0.copy(), requires_grad=True)
    opt = ASGD([x], lr=lr, lambd=lambd, alpha=alpha, t0=t0)
    iterates, expected = [], P0.copy()
    gen = np.random.default_rng(0)
    for t in range(1, 13):
        g = gen.standard_normal(3)
        eta = lr / (1 + lambd * lr * (t - 1)) ** alpha               # the step size made by the previous step
        expected = expected * (1 - lambd * eta) - eta * g
        x.grad = mg.tensor(g)
        opt.step()
        iterates.append(x.numpy().copy())
        np.testing.assert_allclose(x.numpy(), expected, rtol=1e-13, err_msg=f"step {t}")
        first = min(t, t0 + 2)
        np.testing.assert_allclose(opt.state[x]["ax"], np.mean(iterates[first - 1:], axis=0), rtol=1e-13,
                                   err_msg=f"ax after step {t}")
        assert opt.state[x]["mu"] == pytest.approx(1 / max(1, t - t0), rel=1e-15)


def test_maximize_climbs():
    for name in NAMES:
        x = mg.tensor(P0.copy(), requires_grad=True)
        opt = getattr(mg.optim, name)([x], maximize=True)
        x.grad = mg.tensor([4.0, -0.5, 1.0])
        opt.step()
        assert (np.sign(x.numpy() - P0) == [1, -1, 1]).all(), name


# ----------------------------------------------------------------- parity with PyTorch, through the shared bodies
SETTINGS = [
    ("Rprop", {}), ("Rprop", dict(maximize=True)), ("Rprop", dict(etas=(0.3, 1.5))),
    ("Rprop", dict(step_sizes=(1e-3, 0.02))),         # both bounds reached within 20 steps
    ("Rprop", dict(etas=(0.4, 1.5), step_sizes=(1e-4, 0.05), maximize=True)),
    ("ASGD", {}), ("ASGD", dict(weight_decay=0.1)), ("ASGD", dict(maximize=True)),
    ("ASGD", dict(lambd=1e-2, alpha=0.5)), ("ASGD", dict(t0=5)),          # averaging from step 7 on
    ("ASGD", dict(lambd=0.1, alpha=1.0, t0=2, weight_decay=0.05, maximize=True)),
]
SETTING_IDS = [name + ":" + ",".join(f"{k}={v}" for k, v in kwargs.items()) for name, kwargs in SETTINGS]


@pytest.mark.parametrize("name, kwargs", SETTINGS, ids=SETTING_IDS)
def test_matches_torch_step_for_step(torch64, name, kwargs):
    shared.test_matches_torch_step_for_step(torch64, name, kwargs)


@pytest.mark.parametrize("name, kwargs", SETTINGS, ids=SETTING_IDS)
def test_torch_state_dict_loads(torch64, name, kwargs):
    shared.test_torch_state_dict_loads(torch64, name, kwargs)


def test_step_size_bounds_are_reached(torch64):
    kwargs = dict(step_sizes=(1e-3, 0.02))
    ours, theirs = Run(None, "Rprop", kwargs), Run(torch64, "Rprop", kwargs)
    ours.steps(20)
    theirs.steps(20)
    sizes = np.concatenate([ours.opt.state[p]["step_size"].ravel() for p in ours.params])
    assert sizes.max() == 0.02 and sizes.min() == 1e-3
    shared.assert_same_state(ours, theirs, rtol=0)


@pytest.mark.parametrize("name, kwargs", [("Rprop", dict(maximize=True)), ("ASGD", dict(weight_decay=0.1, t0=3))])
def test_matches_torch_with_float32_parameters(torch, name, kwargs):
    # torch's default float32 scalars: Rprop's arithmetic is all in the parameter's dtype, so it agrees exactly;
    # torch rounds ASGD's eta and mu to float32, minigan keeps them in double precision
    values = [v.astype(np.float32) for v in shared.start_values()]
    ours, theirs = Run(None, name, kwargs, values=values), Run(torch, name, kwargs, values=values)
    rtol = 0 if name == "Rprop" else 1e-5
    for t, (a, b) in enumerate(zip(ours.steps(20), theirs.steps(20))):
        assert a[0].dtype == np.float32
        shared.assert_same_values(a, b, f"after step {t + 1}", rtol=rtol)


@pytest.mark.parametrize("name", NAMES)
def test_defaults_and_signature_are_torchs(torch, name):
    shared.test_defaults_are_torchs(torch, name)      # all but foreach, capturable and differentiable
    ours, theirs = (inspect.signature(getattr(lib.optim, name)).parameters for lib in (mg, torch))
    described = [[(p.name, p.kind, p.default) for p in params.values()] for params in (ours, theirs)]
    assert described[0] == described[1]


def test_positional_and_keyword_only_options():
    x = mg.zeros(1, requires_grad=True)
    assert ASGD([x], 0.01, 1e-4, 0.75, 1e6, 0, None, True).defaults["maximize"]      # all positional, as torch's
    with pytest.raises(TypeError):
        Rprop([x], 1e-2, (0.5, 1.2), (1e-6, 50), False)          # torch's Rprop options are keyword-only
    opt = Rprop([x], maximize=True, foreach=True, capturable=True)      # accepted, and without effect
    assert opt.defaults == dict(lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), maximize=True, foreach=True,
                                differentiable=False, capturable=True)


# ----------------------------------------------------------------- checkpoints, devices, skipped parameters
@pytest.mark.parametrize("name", NAMES)
def test_state_dict_round_trip(name):
    shared.test_state_dict_round_trip(name)


@pytest.mark.parametrize("name", NAMES)
def test_state_dict_layout_is_torchs(torch64, name):
    shared.test_state_dict_layout_is_torchs(torch64, name)


@pytest.mark.parametrize("name", NAMES)
def test_same_steps_on_every_device(device, name):
    shared.test_same_steps_on_every_device(device, name)


@pytest.mark.parametrize("name", NAMES)
def test_parameter_without_grad_matches_torch(torch64, name):
    shared.test_parameter_without_grad_matches_torch(torch64, name)


# ----------------------------------------------------------------- argument errors
ERRORS = [
    ("Rprop", dict(lr=-0.1), "Invalid learning rate: -0.1"),
    ("Rprop", dict(etas=(0.0, 1.2)), "Invalid eta values: 0.0, 1.2"),
    ("Rprop", dict(etas=(1.0, 1.2)), "Invalid eta values: 1.0, 1.2"),
    ("Rprop", dict(etas=(0.5, 1.0)), "Invalid eta values: 0.5, 1.0"),
    ("Rprop", dict(etas=(0.5, 0.9)), "Invalid eta values: 0.5, 0.9"),
    ("ASGD", dict(lr=-1), "Invalid learning rate: -1"),
    ("ASGD", dict(weight_decay=-0.5), "Invalid weight_decay value: -0.5"),
]
ERROR_IDS = [f"{name}:{msg}" for name, _, msg in ERRORS]


@pytest.mark.parametrize("name, kwargs, message", ERRORS, ids=ERROR_IDS)
def test_argument_errors(name, kwargs, message):
    shared.test_argument_errors(name, kwargs, message)


@pytest.mark.parametrize("name, kwargs, message", ERRORS, ids=ERROR_IDS)
def test_argument_errors_are_torchs(torch, name, kwargs, message):
    shared.test_argument_errors_are_torchs(torch, name, kwargs, message)


def test_a_bad_group_option_is_caught_when_the_group_is_added():
    x, y = mg.zeros(1, requires_grad=True), mg.zeros(1, requires_grad=True)
    opt = Rprop([x])
    with pytest.raises(ValueError, match=r"^Invalid eta values: 0.5, 0.5$"):
        opt.add_param_group({"params": [y], "etas": (0.5, 0.5)})
    assert len(opt.param_groups) == 1
    with pytest.raises(ValueError, match=r"^Invalid weight_decay value: -1$"):
        ASGD([{"params": [x]}, {"params": [y], "weight_decay": -1}])


@pytest.mark.parametrize("name", NAMES)
def test_differentiable_is_refused(name):
    with pytest.raises(NotImplementedError, match=re.escape(f"{name}: differentiable=True is not supported")):
        getattr(mg.optim, name)([mg.zeros(1, requires_grad=True)], differentiable=True)


def test_exported():
    assert mg.optim.Rprop is Rprop and mg.optim.ASGD is ASGD
    assert {"Rprop", "ASGD"} <= set(mg.optim.__all__)
