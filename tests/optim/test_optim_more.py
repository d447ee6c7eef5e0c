"""RMSprop, Adagrad, Adadelta, Adamax, NAdam and RAdam: hand-computed first steps, step-for-step parity with
torch.optim (parameters and state), checkpoints, skipped parameters and argument errors."""
import re

import numpy as np
import pytest

import minigan as mg
from minigan import backend
from minigan.optim import Adadelta, NAdam, RMSprop

from optimizer_runs import LR, Run, gradients, start_values, to_host  # noqa: F401

NAMES = ["RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam"]
# options that use every piece of state each optimizer has
RICH_SETTINGS = {
    "RMSprop": dict(centered=True, momentum=0.5, weight_decay=0.05),
    "Adagrad": dict(lr_decay=0.01, initial_accumulator_value=0.1),
    "Adadelta": dict(weight_decay=0.05),
    "Adamax": dict(weight_decay=0.05),
    "NAdam": dict(weight_decay=0.05),
    "RAdam": dict(weight_decay=0.05, betas=(0.8, 0.99)),
    "Rprop": dict(etas=(0.4, 1.5), step_sizes=(1e-4, 0.05)),          # tested in test_rprop_asgd.py
    "ASGD": dict(lambd=1e-2, alpha=0.5, t0=4, weight_decay=0.05),
}


# ----------------------------------------------------------------- hand-computed first steps (no torch needed)
# p0 = [1, -2], gradient g = [4, -0.5] (fixed), default options unless given; each case is p after one step.
G = np.array([4.0, -0.5])
P0 = np.array([1.0, -2.0])
NADAM_MU1, NADAM_MU2 = 0.9 * (1 - 0.5 * 0.96 ** 0.004), 0.9 * (1 - 0.5 * 0.96 ** 0.008)
FIRST_STEPS = {
    # v = 0.01 g^2, s = 0.1 |g| + 1e-8: a step of lr * g / s, about 10 lr = 0.1 per coordinate
    "RMSprop": (dict(), P0 - 1e-2 * G / (0.1 * np.abs(G) + 1e-8)),
    # centred: v - a^2 = 0.01 g^2 - 0.0001 g^2 = 0.0099 g^2
    "RMSprop-centered": (dict(centered=True), P0 - 1e-2 * G / (np.sqrt(0.0099) * np.abs(G) + 1e-8)),
    # S = 0 + g^2: a step of lr * g / (|g| + eps), lr = 0.01 per coordinate
    "Adagrad": (dict(), P0 - 1e-2 * G / (np.abs(G) + 1e-10)),
    # S = 1 + g^2
    "Adagrad-initial": (dict(initial_accumulator_value=1.0), P0 - 1e-2 * G / (np.sqrt(1 + G * G) + 1e-10)),
    # v = 0.1 g^2, dx = sqrt(0 + eps) / sqrt(v + eps) * g: a tiny first step, about sqrt(10 eps) = 3.2e-3
    "Adadelta": (dict(), P0 - np.sqrt(1e-6) / np.sqrt(0.1 * G * G + 1e-6) * G),
    # m = 0.1 g, u = |g| + eps: (lr / 0.1) * 0.1 g / (|g| + eps), lr = 2e-3 per coordinate
    "Adamax": (dict(), P0 - 2e-3 * G / (np.abs(G) + 1e-8)),
    # m = 0.1 g, sqrt(v / (1 - beta2)) = |g|: the two terms of the step add up
    "NAdam": (dict(), P0 - 2e-3 * (1 - NADAM_MU1) / (1 - NADAM_MU1) * G / (np.abs(G) + 1e-8)
              - 2e-3 * NADAM_MU2 / (1 - NADAM_MU1 * NADAM_MU2) * 0.1 * G / (np.abs(G) + 1e-8)),
}


@pytest.mark.parametrize("case", sorted(FIRST_STEPS))
def test_first_step_matches_hand_computed(case):
    kwargs, expected = FIRST_STEPS[case]
    x = mg.tensor(P0.copy(), requires_grad=True)
    opt = getattr(mg.optim, case.split("-")[0])([x], **kwargs)
    x.grad = mg.tensor(G.copy())
    opt.step()
    np.testing.assert_allclose(x.numpy(), expected, rtol=1e-14)
    assert opt.state[x]["step"] == 1


def test_maximize_climbs():
    # same first step as test_first_step_matches_hand_computed, but up the gradient
    for name in NAMES:
        x = mg.tensor(P0.copy(), requires_grad=True)
        opt = getattr(mg.optim, name)([x], maximize=True)
        x.grad = mg.tensor(G.copy())
        opt.step()
        assert (np.sign(x.numpy() - P0) == np.sign(G)).all(), name


@pytest.mark.parametrize("name", NAMES)
def test_float32_stays_float32(name):
    x = mg.tensor([1.0, -2.0], requires_grad=True)
    opt = getattr(mg.optim, name)([x], weight_decay=0.1)
    for _ in range(3):
        x.grad = mg.tensor([0.5, 0.25])
        opt.step()
    assert x.dtype == np.float32
    arrays = [v for v in opt.state[x].values() if backend.is_array(v)]
    assert len(arrays) >= 1 and all(v.dtype == np.float32 for v in arrays)
    assert not np.allclose(x.numpy(), [1.0, -2.0])


@pytest.mark.parametrize("name", NAMES)
def test_same_steps_on_every_device(device, name):
    kwargs = RICH_SETTINGS[name]
    on_device, on_host = Run(None, name, kwargs, device=device), Run(None, name, kwargs)
    for t, (a, b) in enumerate(zip(on_device.steps(5), on_host.steps(5))):
        assert_same_values(a, b, f"after step {t + 1}")
    for key, value in on_device.opt.state[on_device.params[0]].items():
        if backend.is_array(value):
            assert backend.device_of(value) == device, key


def test_rmsprop_momentum_switched_on_later():
    x = mg.tensor([1.0, -2.0], requires_grad=True, dtype=np.float64)
    opt = RMSprop([x], lr=0.1)
    x.grad = mg.tensor([4.0, -0.5], dtype=np.float64)
    opt.step()
    assert sorted(opt.state[x]) == ["square_avg", "step"]
    opt.param_groups[0].update(momentum=0.9, centered=True)
    before = x.numpy()
    opt.step()
    # the new buffers start at 0: a = 0.01 g, b = g / (sqrt(v - a^2) + eps) with v = 0.0199 g^2
    s = np.sqrt(0.0199 * 16 - 0.0016) + 1e-8
    np.testing.assert_allclose(opt.state[x]["grad_avg"], [0.04, -0.005], rtol=1e-14)
    np.testing.assert_allclose(opt.state[x]["momentum_buffer"][0], 4.0 / s, rtol=1e-14)
    np.testing.assert_allclose(x.numpy()[0], before[0] - 0.1 * 4.0 / s, rtol=1e-14)


# ----------------------------------------------------------------- parity with PyTorch
SETTINGS = [
    ("RMSprop", {}), ("RMSprop", dict(weight_decay=0.1)), ("RMSprop", dict(momentum=0.9)),
    ("RMSprop", dict(centered=True)), ("RMSprop", dict(alpha=0.9, eps=1e-3, maximize=True)),
    ("RMSprop", dict(centered=True, momentum=0.5, weight_decay=0.05, maximize=True)),
    ("Adagrad", {}), ("Adagrad", dict(lr_decay=0.05)), ("Adagrad", dict(weight_decay=0.1)),
    ("Adagrad", dict(initial_accumulator_value=0.5)),
    ("Adagrad", dict(lr_decay=0.01, weight_decay=0.05, initial_accumulator_value=0.1, eps=1e-3, maximize=True)),
    ("Adadelta", {}), ("Adadelta", dict(rho=0.5)), ("Adadelta", dict(weight_decay=0.1)),
    ("Adadelta", dict(rho=0.95, eps=1e-3, weight_decay=0.05, maximize=True)),
    ("Adamax", {}), ("Adamax", dict(betas=(0.5, 0.9))), ("Adamax", dict(weight_decay=0.1)),
    ("Adamax", dict(betas=(0.8, 0.99), eps=1e-3, weight_decay=0.05, maximize=True)),
    ("NAdam", {}), ("NAdam", dict(momentum_decay=0.05)), ("NAdam", dict(weight_decay=0.1)),
    ("NAdam", dict(weight_decay=0.1, decoupled_weight_decay=True)), ("NAdam", dict(betas=(0.3, 0.9))),
    ("NAdam", dict(betas=(0.8, 0.99), eps=1e-3, weight_decay=0.05, momentum_decay=0.01, maximize=True)),
    ("RAdam", {}), ("RAdam", dict(weight_decay=0.1)), ("RAdam", dict(weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict(betas=(0.5, 0.9))), ("RAdam", dict(betas=(0.8, 0.99), eps=1e-3, weight_decay=0.05, maximize=True)),
    ("RAdam", dict(betas=(0.0, 0.95), weight_decay=0.2, decoupled_weight_decay=True, maximize=True)),
]
SETTING_IDS = [name + ":" + ",".join(f"{k}={v}" for k, v in kwargs.items()) for name, kwargs in SETTINGS]


def assert_same_values(ours, theirs, what, rtol=1e-12):
    for i, (a, b) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=0, err_msg=f"parameter {i} {what}")


def assert_same_state(ours: Run, theirs: Run, rtol=1e-12):
    """The same state names per parameter, and the same values (PyTorch's ``step`` is a float tensor, minigan's
    an int; NAdam's ``mu_product`` a 0-d tensor in PyTorch, a float in minigan).

    A running mean can cancel to nearly 0 in one element (m = 1.6e-5 from terms near 1), where a rounding of the
    terms is a large relative error; so elements are compared to ``rtol`` times the largest of the array."""
    for i, (p, tp) in enumerate(zip(ours.params, theirs.params)):
        state, tstate = ours.opt.state[p], theirs.opt.state[tp]
        assert sorted(state) == sorted(tstate), f"parameter {i}"
        for key in tstate:
            want = to_host(tstate[key])
            np.testing.assert_allclose(to_host(state[key]), want, rtol=rtol, atol=rtol * np.abs(want).max() / 100,
                                       err_msg=f"state[{key!r}] of parameter {i}")


@pytest.mark.parametrize("name, kwargs", SETTINGS, ids=SETTING_IDS)
def test_matches_torch_step_for_step(torch64, name, kwargs):
    ours, theirs = Run(None, name, kwargs), Run(torch64, name, kwargs)
    for t, (a, b) in enumerate(zip(ours.steps(20), theirs.steps(20))):
        assert_same_values(a, b, f"after step {t + 1}")
    assert not np.allclose(ours.values()[0], start_values()[0], rtol=1e-3)   # the parameters did move
    assert_same_state(ours, theirs)
    assert ours.opt.state[ours.params[0]]["step"] == 20


def test_nadam_with_torch_float32_scalars(torch):
    # PyTorch's default dtype float32 rounds mu_product to float32; minigan keeps it in double precision
    ours, theirs = Run(None, "NAdam", {}), Run(torch, "NAdam", {})
    for t, (a, b) in enumerate(zip(ours.steps(20), theirs.steps(20))):
        assert_same_values(a, b, f"after step {t + 1}", rtol=1e-8)
    assert_same_state(ours, theirs, rtol=1e-6)
    mu_product, their_mu_product = (run.opt.state[run.params[0]]["mu_product"] for run in (ours, theirs))
    assert their_mu_product.dtype == torch.float32 and float(their_mu_product) != mu_product


@pytest.mark.parametrize("name", NAMES)
def test_defaults_are_torchs(torch, name):
    theirs = getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)]).defaults
    ours = getattr(mg.optim, name)([mg.zeros(1, requires_grad=True)]).defaults
    assert ours == {k: theirs[k] for k in ours}
    assert set(theirs) - set(ours) <= {"foreach", "fused", "capturable", "differentiable"}


# ----------------------------------------------------------------- checkpoints


@pytest.mark.parametrize("name", NAMES)
def test_state_dict_round_trip(name):
    kwargs = RICH_SETTINGS[name]
    uninterrupted = Run(None, name, kwargs)
    uninterrupted.steps(10)

    first = Run(None, name, kwargs)
    first.steps(5)
    saved, values = first.opt.state_dict(), first.values()
    assert sorted(saved["state"]) == [0, 1]
    assert [g["params"] for g in saved["param_groups"]] == [[0], [1]]
    assert [g["lr"] for g in saved["param_groups"]] == [LR[name], LR[name] / 4]
    first.steps(3)                      # later steps do not change a snapshot already taken
    assert saved["state"][0]["step"] == 5

    second = Run(None, name, kwargs, values=values)
    second.opt = getattr(mg.optim, name)([{"params": [p]} for p in second.params], lr=123.0, **kwargs)
    second.opt.load_state_dict(saved)   # the groups' options come from the snapshot too
    assert [g["lr"] for g in second.opt.param_groups] == [LR[name], LR[name] / 4]
    second.t = 5
    second.steps(5)
    for a, b in zip(second.values(), uninterrupted.values()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", NAMES)
def test_state_dict_layout_is_torchs(torch64, name):
    kwargs = RICH_SETTINGS[name]
    ours, theirs = Run(None, name, kwargs), Run(torch64, name, kwargs)
    ours.steps(2)
    theirs.steps(2)
    sd, tsd = ours.opt.state_dict(), theirs.opt.state_dict()
    assert sd["state"].keys() == tsd["state"].keys()
    for i in tsd["state"]:
        assert sorted(sd["state"][i]) == sorted(tsd["state"][i])
    for group, tgroup in zip(sd["param_groups"], tsd["param_groups"]):
        assert group == {k: tgroup[k] for k in group}


@pytest.mark.parametrize("name, kwargs", SETTINGS, ids=SETTING_IDS)
def test_torch_state_dict_loads(torch64, name, kwargs):
    theirs = Run(torch64, name, kwargs)
    theirs.steps(5)
    tsd = theirs.opt.state_dict()
    converted = {"state": {i: {k: to_host(v) for k, v in s.items()} for i, s in tsd["state"].items()},
                 "param_groups": [dict(g) for g in tsd["param_groups"]]}
    ours = Run(None, name, kwargs, values=theirs.values())
    ours.opt.load_state_dict(converted)
    ours.t = theirs.t
    assert_same_state(ours, theirs, rtol=0)
    for t, (a, b) in enumerate(zip(ours.steps(5), theirs.steps(5))):
        assert_same_values(a, b, f"after step {t + 6}")
    assert_same_state(ours, theirs)


# ----------------------------------------------------------------- parameters without a gradient
@pytest.mark.parametrize("name", NAMES)
def test_parameter_without_grad_is_skipped(name):
    x = mg.tensor([1.0, -2.0], requires_grad=True)
    frozen = mg.tensor([3.0, 4.0], requires_grad=True)
    extra = dict(initial_accumulator_value=0.5) if name == "Adagrad" else {}
    opt = getattr(mg.optim, name)([x, frozen], weight_decay=0.1, **extra)
    for _ in range(3):
        x.grad = mg.tensor([0.5, 0.25])
        opt.step()
    np.testing.assert_array_equal(frozen.numpy(), [3.0, 4.0])
    assert opt.state[x]["step"] == 3
    if name == "Adagrad":    # Adagrad's constructor creates every parameter's state, as PyTorch's does
        assert opt.state[frozen]["step"] == 0
        np.testing.assert_array_equal(opt.state[frozen]["sum"], [0.5, 0.5])
    else:
        assert frozen not in opt.state
        assert sorted(opt.state_dict()["state"]) == [0]


@pytest.mark.parametrize("name", NAMES)
def test_parameter_without_grad_matches_torch(torch64, name):
    ours, theirs = Run(None, name, {}), Run(torch64, name, {})
    for run in (ours, theirs):
        for t in range(3):
            run.params[0].grad = run.lib.tensor(gradients(t, run.values())[0])
            run.params[1].grad = None
            run.opt.step()
    assert_same_values(ours.values(), theirs.values(), "with parameter 1 frozen")
    np.testing.assert_array_equal(ours.values()[1], start_values()[1])
    assert (ours.params[1] in ours.opt.state) == (theirs.params[1] in theirs.opt.state) == (name == "Adagrad")
    assert_same_state(ours, theirs)


def test_adagrad_param_group_added_later_starts_from_the_defaults(torch64):
    values = start_values()
    runs = []
    for lib in (mg, torch64):
        a, b = (lib.tensor(v.copy(), requires_grad=True) for v in values)
        opt = lib.optim.Adagrad([a], initial_accumulator_value=0.3)
        opt.add_param_group({"params": [b], "initial_accumulator_value": 5.0, "lr": 0.5})
        for p in (a, b):
            p.grad = lib.tensor(np.ones(p.shape))
        opt.step()
        runs.append((to_host(b), to_host(opt.state[b]["sum"])))
    (b, s), (tb, ts) = runs
    np.testing.assert_allclose(s, np.full(values[1].shape, 1.3), rtol=1e-15)     # 0.3 + 1^2: the group's 5.0 unused
    np.testing.assert_allclose(s, ts, rtol=0)
    np.testing.assert_allclose(b, tb, rtol=1e-15)


# ----------------------------------------------------------------- argument errors
ERRORS = [
    ("SGD", dict(lr=-0.1), "Invalid learning rate: -0.1"),
    ("SGD", dict(lr=0.1, momentum=-0.5), "Invalid momentum value: -0.5"),
    ("SGD", dict(lr=0.1, weight_decay=-1), "Invalid weight_decay value: -1"),
    ("SGD", dict(lr=0.1, nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
    ("Adam", dict(lr=-1e-3), "Invalid learning rate: -0.001"),
    ("Adam", dict(eps=-1e-8), "Invalid epsilon value: -1e-08"),
    ("Adam", dict(betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
    ("Adam", dict(weight_decay=-0.1), "Invalid weight_decay value: -0.1"),
    ("RMSprop", dict(lr=-1), "Invalid learning rate: -1"),
    ("RMSprop", dict(eps=-1e-8), "Invalid epsilon value: -1e-08"),
    ("RMSprop", dict(momentum=-0.5), "Invalid momentum value: -0.5"),
    ("RMSprop", dict(weight_decay=-0.1), "Invalid weight_decay value: -0.1"),
    ("RMSprop", dict(alpha=-0.99), "Invalid alpha value: -0.99"),
    ("Adagrad", dict(lr=-0.01), "Invalid learning rate: -0.01"),
    ("Adagrad", dict(lr_decay=-1), "Invalid lr_decay value: -1"),
    ("Adagrad", dict(weight_decay=-1), "Invalid weight_decay value: -1"),
    ("Adagrad", dict(initial_accumulator_value=-1), "Invalid initial_accumulator_value value: -1"),
    ("Adagrad", dict(eps=-1), "Invalid epsilon value: -1"),
    ("Adadelta", dict(lr=-1), "Invalid learning rate: -1"),
    ("Adadelta", dict(rho=1.5), "Invalid rho value: 1.5"),
    ("Adadelta", dict(rho=-0.1), "Invalid rho value: -0.1"),
    ("Adadelta", dict(eps=-1), "Invalid epsilon value: -1"),
    ("Adadelta", dict(weight_decay=-1), "Invalid weight_decay value: -1"),
    ("Adamax", dict(lr=-1), "Invalid learning rate: -1"),
    ("Adamax", dict(eps=-1), "Invalid epsilon value: -1"),
    ("Adamax", dict(betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
    ("Adamax", dict(betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    ("Adamax", dict(weight_decay=-1), "Invalid weight_decay value: -1"),
    ("NAdam", dict(lr=-1), "Invalid learning rate: -1"),
    ("NAdam", dict(eps=-1), "Invalid epsilon value: -1"),
    ("NAdam", dict(betas=(-0.1, 0.999)), "Invalid beta parameter at index 0: -0.1"),
    ("NAdam", dict(betas=(0.9, 1.0)), "Invalid beta parameter at index 1: 1.0"),
    ("NAdam", dict(weight_decay=-1), "Invalid weight_decay value: -1"),
    ("NAdam", dict(momentum_decay=-1), "Invalid momentum_decay value: -1"),
    ("RAdam", dict(lr=-1), "Invalid learning rate: -1"),
    ("RAdam", dict(eps=-1e-8), "Invalid epsilon value: -1e-08"),
    ("RAdam", dict(betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
    ("RAdam", dict(betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    ("RAdam", dict(weight_decay=-0.5), "Invalid weight_decay value: -0.5"),
]
ERROR_IDS = [f"{name}:{msg}" for name, _, msg in ERRORS]


@pytest.mark.parametrize("name, kwargs, message", ERRORS, ids=ERROR_IDS)
def test_argument_errors(name, kwargs, message):
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        getattr(mg.optim, name)([mg.zeros(1, requires_grad=True)], **kwargs)


@pytest.mark.parametrize("name, kwargs, message", ERRORS, ids=ERROR_IDS)
def test_argument_errors_are_torchs(torch, name, kwargs, message):
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)], **kwargs)


def test_a_bad_group_option_is_caught_when_the_group_is_added():
    x, y = mg.zeros(1, requires_grad=True), mg.zeros(1, requires_grad=True)
    opt = RMSprop([x])
    with pytest.raises(ValueError, match=r"^Invalid alpha value: -1$"):
        opt.add_param_group({"params": [y], "alpha": -1})
    assert len(opt.param_groups) == 1
    with pytest.raises(ValueError, match=r"^Invalid rho value: 2$"):
        Adadelta([{"params": [x]}, {"params": [y], "rho": 2}])


def test_maximize_is_keyword_only():
    # PyTorch's positional order puts capturable and foreach before maximize (minigan's too: those two fill the
    # positions, and maximize stays keyword-only), and NAdam's ends at decoupled_weight_decay
    x = mg.zeros(1, requires_grad=True)
    assert not RMSprop([x], 1e-2, 0.99, 1e-8, 0, 0, False, True).defaults["maximize"]
    assert RMSprop([x], 1e-2, 0.99, 1e-8, 0, 0, False, True).defaults["capturable"]
    with pytest.raises(TypeError):
        NAdam([x], 2e-3, (0.9, 0.999), 1e-8, 0, 4e-3, False, True)
    assert NAdam([x], 2e-3, (0.9, 0.999), 1e-8, 0.1, 4e-3, True, maximize=True).defaults["decoupled_weight_decay"]
