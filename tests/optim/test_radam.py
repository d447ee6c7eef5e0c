"""RAdam: the two regimes by hand (momentum steps while rho_t <= 5, rectified Adam steps after), step-for-step
parity with torch.optim.RAdam (parameters and state), checkpoints, skipped parameters and argument errors."""
import math
import re

import numpy as np
import pytest

import minigan as mg
from minigan import backend
from minigan.optim import RAdam

from optimizer_runs import LR as LRS, Run as _Run, gradients, start_values, to_host  # noqa: F401

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


def test_maximize_climbs():
    x = mg.tensor([1.0, -2.0], requires_grad=True, dtype=np.float64)
    opt = RAdam([x], lr=0.1, maximize=True)
    x.grad = mg.tensor([4.0, -0.5], dtype=np.float64)
    opt.step()
    np.testing.assert_allclose(x.numpy(), [1.4, -2.05], rtol=1e-14)


def test_float32_stays_float32():
    x = mg.tensor([1.0, -2.0], requires_grad=True)
    opt = RAdam([x], weight_decay=0.1)
    for _ in range(8):                  # into the rectified regime
        x.grad = mg.tensor([0.5, 0.25])
        opt.step()
    assert x.dtype == np.float32
    assert opt.state[x]["exp_avg"].dtype == opt.state[x]["exp_avg_sq"].dtype == np.float32
    assert not np.allclose(x.numpy(), [1.0, -2.0])


def test_same_steps_on_every_device(device):
    kwargs = dict(weight_decay=0.05)
    on_device, on_host = Run(None, kwargs, device=device), Run(None, kwargs)
    for t, (a, b) in enumerate(zip(on_device.steps(8), on_host.steps(8))):
        for i, (u, v) in enumerate(zip(a, b)):
            np.testing.assert_allclose(u, v, rtol=1e-12, err_msg=f"parameter {i} after step {t + 1}")
    for key in ("exp_avg", "exp_avg_sq"):
        assert backend.device_of(on_device.opt.state[on_device.params[0]][key]) == device


# ----------------------------------------------------------------- parity with PyTorch
SETTINGS = [
    {}, dict(weight_decay=0.1), dict(weight_decay=0.1, decoupled_weight_decay=True), dict(betas=(0.5, 0.9)),
    dict(betas=(0.8, 0.99), eps=1e-3, weight_decay=0.05, maximize=True),
    dict(betas=(0.0, 0.95), weight_decay=0.2, decoupled_weight_decay=True, maximize=True),
]
SETTING_IDS = [",".join(f"{k}={v}" for k, v in kwargs.items()) or "defaults" for kwargs in SETTINGS]


@pytest.fixture
def torch64(torch):
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield torch
    torch.set_default_dtype(old)


def assert_same_values(ours, theirs, what, rtol=1e-12):
    for i, (a, b) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=0, err_msg=f"parameter {i} {what}")


def assert_same_state(ours: Run, theirs: Run, rtol=1e-12):
    """The same state names and values (PyTorch's ``step`` is a float tensor, minigan's an int); a running mean
    near 0 in one element is compared relative to the largest of its array."""
    for i, (p, tp) in enumerate(zip(ours.params, theirs.params)):
        state, tstate = ours.opt.state[p], theirs.opt.state[tp]
        assert sorted(state) == sorted(tstate) == ["exp_avg", "exp_avg_sq", "step"], f"parameter {i}"
        for key in tstate:
            want = to_host(tstate[key])
            np.testing.assert_allclose(to_host(state[key]), want, rtol=rtol, atol=rtol * np.abs(want).max() / 100,
                                       err_msg=f"state[{key!r}] of parameter {i}")


@pytest.mark.parametrize("kwargs", SETTINGS, ids=SETTING_IDS)
def test_matches_torch_step_for_step(torch64, kwargs):
    ours, theirs = Run(None, kwargs), Run(torch64, kwargs)
    for t, (a, b) in enumerate(zip(ours.steps(20), theirs.steps(20))):
        assert_same_values(a, b, f"after step {t + 1}")
    assert not np.allclose(ours.values()[0], start_values()[0], rtol=1e-3)   # the parameters did move
    assert_same_state(ours, theirs)
    assert ours.opt.state[ours.params[0]]["step"] == 20


def test_matches_torch_with_float32_parameters(torch):
    values = [v.astype(np.float32) for v in start_values()]
    ours, theirs = Run(None, dict(weight_decay=0.1), values=values), Run(torch, dict(weight_decay=0.1), values=values)
    for t, (a, b) in enumerate(zip(ours.steps(20), theirs.steps(20))):
        assert a[0].dtype == np.float32
        assert_same_values(a, b, f"after step {t + 1}", rtol=1e-5)


def test_defaults_are_torchs(torch):
    theirs = torch.optim.RAdam([torch.zeros(1, requires_grad=True)]).defaults
    ours = RAdam([mg.zeros(1, requires_grad=True)]).defaults
    assert ours == {k: theirs[k] for k in ours}
    assert set(theirs) - set(ours) == {"foreach", "capturable", "differentiable"}


# ----------------------------------------------------------------- checkpoints
RICH = dict(weight_decay=0.05, betas=(0.8, 0.99))


def test_state_dict_round_trip(tmp_path):
    uninterrupted = Run(None, RICH)
    uninterrupted.steps(10)

    first = Run(None, RICH)
    first.steps(5)
    saved, values = first.opt.state_dict(), first.values()
    assert sorted(saved["state"]) == [0, 1] and sorted(saved["state"][0]) == ["exp_avg", "exp_avg_sq", "step"]
    assert [g["lr"] for g in saved["param_groups"]] == [LR, LR / 4]
    first.steps(3)                      # later steps do not change a snapshot already taken
    assert saved["state"][0]["step"] == 5
    mg.io.save(tmp_path / "ckpt.npz", optimizer=saved)

    second = Run(None, RICH, values=values)
    second.opt = RAdam([{"params": [p]} for p in second.params], lr=123.0)
    second.opt.load_state_dict(mg.io.load(tmp_path / "ckpt.npz")["optimizer"])
    assert [g["lr"] for g in second.opt.param_groups] == [LR, LR / 4]
    assert second.opt.param_groups[0]["betas"] == (0.8, 0.99)
    second.t = 5
    second.steps(5)                     # through step 6, where the rectified regime starts
    for a, b in zip(second.values(), uninterrupted.values()):
        np.testing.assert_array_equal(a, b)


def test_state_dict_layout_is_torchs(torch64):
    ours, theirs = Run(None, RICH), Run(torch64, RICH)
    ours.steps(2)
    theirs.steps(2)
    sd, tsd = ours.opt.state_dict(), theirs.opt.state_dict()
    assert sd["state"].keys() == tsd["state"].keys()
    for i in tsd["state"]:
        assert sorted(sd["state"][i]) == sorted(tsd["state"][i])
    for group, tgroup in zip(sd["param_groups"], tsd["param_groups"]):
        assert group == {k: tgroup[k] for k in group}


@pytest.mark.parametrize("kwargs", SETTINGS, ids=SETTING_IDS)
def test_torch_state_dict_loads(torch64, kwargs):
    theirs = Run(torch64, kwargs)
    theirs.steps(4)
    tsd = theirs.opt.state_dict()
    converted = {"state": {i: {k: to_host(v) for k, v in s.items()} for i, s in tsd["state"].items()},
                 "param_groups": [dict(g) for g in tsd["param_groups"]]}
    ours = Run(None, kwargs, values=theirs.values())
    ours.opt.load_state_dict(converted)
    ours.t = theirs.t
    assert_same_state(ours, theirs, rtol=0)
    for t, (a, b) in enumerate(zip(ours.steps(6), theirs.steps(6))):
        assert_same_values(a, b, f"after step {t + 5}")
    assert_same_state(ours, theirs)


# ----------------------------------------------------------------- parameters without a gradient
def test_parameter_without_grad_is_skipped_as_in_torch(torch64):
    ours, theirs = Run(None, dict(weight_decay=0.1)), Run(torch64, dict(weight_decay=0.1))
    for run in (ours, theirs):
        for t in range(8):
            run.params[0].grad = run.lib.tensor(gradients(t, run.values())[0])
            run.params[1].grad = None
            run.opt.step()
    assert_same_values(ours.values(), theirs.values(), "with parameter 1 frozen")
    np.testing.assert_array_equal(ours.values()[1], start_values()[1])
    assert ours.params[1] not in ours.opt.state and sorted(ours.opt.state_dict()["state"]) == [0]
    assert ours.opt.state[ours.params[0]]["step"] == 8


# ----------------------------------------------------------------- argument errors
ERRORS = [
    (dict(lr=-1), "Invalid learning rate: -1"),
    (dict(eps=-1e-8), "Invalid epsilon value: -1e-08"),
    (dict(betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
    (dict(betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    (dict(weight_decay=-0.5), "Invalid weight_decay value: -0.5"),
]
ERROR_IDS = [msg for _, msg in ERRORS]


@pytest.mark.parametrize("kwargs, message", ERRORS, ids=ERROR_IDS)
def test_argument_errors(kwargs, message):
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        RAdam([mg.zeros(1, requires_grad=True)], **kwargs)


@pytest.mark.parametrize("kwargs, message", ERRORS, ids=ERROR_IDS)
def test_argument_errors_are_torchs(torch, kwargs, message):
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        torch.optim.RAdam([torch.zeros(1, requires_grad=True)], **kwargs)


def test_a_bad_group_option_is_caught_when_the_group_is_added():
    x, y = mg.zeros(1, requires_grad=True), mg.zeros(1, requires_grad=True)
    opt = RAdam([x])
    with pytest.raises(ValueError, match=r"^Invalid weight_decay value: -1$"):
        opt.add_param_group({"params": [y], "weight_decay": -1})
    assert len(opt.param_groups) == 1


def test_maximize_is_keyword_only_and_exported():
    x = mg.zeros(1, requires_grad=True)
    with pytest.raises(TypeError):
        RAdam([x], 1e-3, (0.9, 0.999), 1e-8, 0, False, True)
    assert RAdam([x], 1e-3, (0.9, 0.999), 1e-8, 0.1, True, maximize=True).defaults["decoupled_weight_decay"]
    assert mg.optim.RAdam is RAdam and "RAdam" in mg.optim.__all__
