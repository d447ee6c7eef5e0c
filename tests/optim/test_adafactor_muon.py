"""Adafactor and Muon: hand-computed steps, step-for-step parity with torch.optim (parameters and state, float32 and
float64, several groups, weight decay, maximize), checkpoints, skipped parameters, argument errors, devices.

An optimizer takes no gradient of its own (it reads ``p.grad`` and writes ``p.data`` outside the autograd graph),
so there is nothing here to gradcheck.

PyTorch's Muon runs its Newton-Schulz iteration in bfloat16; minigan's runs in the parameter's dtype. The exact
parity tests therefore run PyTorch's own Muon code with its bfloat16 cast made a no-op (``Tensor.bfloat16``
patched to a copy), and one test holds minigan to the unpatched PyTorch at bfloat16's precision."""
import re

import numpy as np
import pytest

import minigan as mg
from minigan import backend
from minigan.optim import Adafactor, Muon
from minigan.optim.muon import adjust_lr, zeropower_via_newtonschulz

from optimizer_runs import to_host

SHAPES = {"Adafactor": [(5,), (1, 7), (5, 3), (2, 3, 4), ()], "Muon": [(1, 7), (5, 3), (4, 6)]}
LR = {"Adafactor": 5e-2, "Muon": 2e-2}
RTOL = {np.float32: 2e-5, np.float64: 1e-12}


def start_values(name, dtype):
    gen = np.random.default_rng(3)
    return [gen.standard_normal(shape).astype(dtype) for shape in SHAPES[name]]


class Run:
    """One optimizer on the awkward shapes of ``SHAPES[name]``, in two groups (the last parameter alone, with a
    third of the lr), in minigan (``lib=None``) or PyTorch (``lib=torch``); fed the same gradients step by step:
    fixed noise plus ``0.5 * p``."""

    def __init__(self, lib, name, kwargs, dtype=np.float64, values=None, device=None):
        self.lib, self.name = lib or mg, name
        self.on = {} if device is None else {"device": device}
        values = start_values(name, dtype) if values is None else values
        self.params = [self.lib.tensor(v.copy(), requires_grad=True, **self.on) for v in values]
        extra = {"foreach": False} if name == "Adafactor" else {}
        self.opt = getattr(self.lib.optim, name)(self.groups(), lr=LR[name], **kwargs, **extra)
        self.t = 0

    def groups(self):
        return [{"params": self.params[:-1]}, {"params": self.params[-1:], "lr": LR[self.name] / 3}]

    def values(self):
        return [to_host(p) for p in self.params]

    def steps(self, n, skip=()):
        """``n`` steps; parameter ``i`` in ``skip`` gets ``skip[i]`` as its gradient ("none" or "zero")."""
        out = []
        for _ in range(n):
            gen = np.random.default_rng(100 + self.t)
            for i, (p, v) in enumerate(zip(self.params, self.values())):
                g = (gen.standard_normal(v.shape) + 0.5 * v).astype(v.dtype)
                kind = dict(skip).get(i)
                p.grad = None if kind == "none" else self.lib.tensor(g * (kind != "zero"), **self.on)
            self.opt.step()
            self.t += 1
            out.append(self.values())
        return out


def assert_close(ours, theirs, what, rtol):
    for i, (a, b) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * np.abs(b).max(), err_msg=f"parameter {i} {what}")


def assert_same_state(ours: Run, theirs: Run, rtol):
    for i, (p, tp) in enumerate(zip(ours.params, theirs.params)):
        state, tstate = ours.opt.state[p], theirs.opt.state[tp]
        assert sorted(state) == sorted(tstate), f"parameter {i}"
        for key in tstate:
            want = to_host(tstate[key])
            got = to_host(state[key])
            assert got.shape == want.shape, f"state[{key!r}] of parameter {i}"
            np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * np.abs(want).max(),
                                       err_msg=f"state[{key!r}] of parameter {i}")


@pytest.fixture
def torch_fp(torch, monkeypatch):
    """PyTorch with ``Tensor.bfloat16`` a plain copy, so its Muon orthogonalises in the parameter's dtype."""
    monkeypatch.setattr(torch.Tensor, "bfloat16", lambda self: self.clone())
    return torch


# ----------------------------------------------------------------- hand-computed steps (no torch needed)
def test_adafactor_first_step_is_the_gradients_sign_times_relative_size():
    # t = 1: V = g² exactly (weight 1), U = g / |g| = sign(g), RMS(U) = 1 (no clipping), alpha = RMS(p) * min(lr, 1).
    # For a matrix whose g² is rank 1 (g = r c^T) the factored V = R C / mean(R) is g² exactly too.
    p0 = [np.array([1.0, -2.0, 0.5]), np.array([[1.0, 2.0], [3.0, -4.0], [0.5, 0.0]])]
    grads = [np.array([4.0, -0.5, 2.0]), np.outer([1.0, -2.0, 0.5], [3.0, -0.25])]
    params = [mg.tensor(v.copy(), requires_grad=True) for v in p0]
    opt = Adafactor(params, lr=0.02)
    for p, g in zip(params, grads):
        p.grad = mg.tensor(g)
    opt.step()
    for p, v, g in zip(params, p0, grads):
        rms = np.sqrt(np.mean(v * v))
        np.testing.assert_allclose(p.numpy(), v - 0.02 * rms * np.sign(g), rtol=1e-14)
    assert sorted(opt.state[params[0]]) == ["step", "variance"]
    assert opt.state[params[1]]["row_var"].shape == (3, 1) and opt.state[params[1]]["col_var"].shape == (1, 2)
    np.testing.assert_allclose(opt.state[params[1]]["row_var"][:, 0], np.mean(grads[1] ** 2, axis=1), rtol=1e-14)


def test_adafactor_clips_the_update_and_floors_the_step_size():
    # step 1 has g = 0: U = 0, nothing moves. Step 2: V = w g² with w = 2^-0.8, so U = sign(g) / sqrt(w) and
    # RMS(U) = 1 / sqrt(w) = 1.32: d = 1 clips U back to sign(g), d = 2 does not. A zero parameter steps by
    # eps2 * rho (the floor on RMS(p)), rho = min(lr, 1 / sqrt(2)) = lr.
    w = 2.0 ** -0.8
    for d, scale in [(1.0, 1.0), (2.0, 1 / np.sqrt(w))]:
        x, zero = mg.tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True), mg.tensor(np.zeros(2), requires_grad=True)
        opt = Adafactor([x, zero], lr=0.1, d=d, eps=(None, 1e-2))
        for g, gz in [([0.0, 0.0, 0.0], [0.0, 0.0]), ([4.0, -0.5, 2.0], [-3.0, 1.0])]:
            x.grad, zero.grad = mg.tensor(np.array(g)), mg.tensor(np.array(gz))
            opt.step()
        rms = np.sqrt(14 / 3)
        np.testing.assert_allclose(x.numpy(), [1.0, -2.0, 3.0] - 0.1 * rms * scale * np.array([1, -1, 1]), rtol=1e-14)
        np.testing.assert_allclose(zero.numpy(), -1e-2 * 0.1 * scale * np.array([-1, 1]), rtol=1e-14)
        assert opt.state[x]["step"] == 2


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_adafactor_eps1_defaults_to_the_dtypes_epsilon(torch, dtype):
    # a gradient far below eps1 = finfo(dtype).eps: U = g / max(|g|, eps1) = g / eps1, not sign(g)
    eps1 = np.finfo(dtype).eps
    tiny = np.array([0.01, -0.02], dtype=dtype) * eps1
    for lib in (mg, torch):
        x = lib.tensor(np.array([1.0, -2.0], dtype=dtype), requires_grad=True)
        opt = lib.optim.Adafactor([x])
        x.grad = lib.tensor(tiny)
        opt.step()
        np.testing.assert_allclose(to_host(x), [1.0, -2.0] - 0.01 * np.sqrt(2.5) * tiny / eps1, rtol=1e-6)
        assert to_host(x).dtype == dtype


def test_newton_schulz_converges_to_the_polar_factor():
    # with the classical cubic-free quintic (15/8, -10/8, 3/8) the iteration converges to U V^T (g = U S V^T)
    gen = np.random.default_rng(0)
    for shape in [(5, 3), (3, 5), (4, 4)]:
        g = gen.standard_normal(shape)
        u, _, vt = np.linalg.svd(g, full_matrices=False)
        got = zeropower_via_newtonschulz(g, (1.875, -1.25, 0.375), 60, 1e-7)
        np.testing.assert_allclose(got, u @ vt, atol=1e-10)
        fast = zeropower_via_newtonschulz(g.astype(np.float32), (3.4445, -4.775, 2.0315), 5, 1e-7)
        assert fast.dtype == np.float32 and fast.shape == shape
        assert np.all(np.abs(np.linalg.svd(fast, compute_uv=False) - 1) < 0.35)


def test_muon_adjusted_learning_rates():
    assert adjust_lr(0.1, None, (8, 2)) == pytest.approx(0.2)
    assert adjust_lr(0.1, "original", (2, 8)) == pytest.approx(0.1)
    assert adjust_lr(0.1, "match_rms_adamw", (2, 25)) == pytest.approx(0.1 * 0.2 * 5)


def test_muon_first_step_without_momentum_history():
    # t = 1, nesterov: b = 0.05 g, u = lerp(g, b, 0.95) = 0.0975 g, and NS(0.0975 g) = NS(g) (it divides by the norm)
    g = np.random.default_rng(1).standard_normal((3, 6))
    w0 = np.random.default_rng(2).standard_normal((3, 6))
    w = mg.tensor(w0.copy(), requires_grad=True)
    opt = Muon([w], lr=0.1, weight_decay=0.5)
    w.grad = mg.tensor(g)
    opt.step()
    o = zeropower_via_newtonschulz(g, (3.4445, -4.775, 2.0315), 5, 1e-7)
    np.testing.assert_allclose(w.numpy(), w0 * (1 - 0.05) - 0.1 * o, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(opt.state[w]["momentum_buffer"], 0.05 * g, rtol=1e-14)


# ----------------------------------------------------------------- parity with PyTorch
SETTINGS = [
    ("Adafactor", {}), ("Adafactor", dict(weight_decay=0.1)), ("Adafactor", dict(maximize=True, d=1.5)),
    ("Adafactor", dict(beta2_decay=-0.5, eps=(1e-3, 1e-2), weight_decay=0.05, maximize=True)),
    ("Muon", {}), ("Muon", dict(weight_decay=0.5, adjust_lr_fn="original")),
    ("Muon", dict(nesterov=False, momentum=0.3, adjust_lr_fn="match_rms_adamw")),
    ("Muon", dict(ns_coefficients=(2.0, -1.5, 0.5), ns_steps=3, eps=1e-3, momentum=0.0)),
]
SETTING_IDS = [name + ":" + ",".join(f"{k}={v}" for k, v in kwargs.items()) for name, kwargs in SETTINGS]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name, kwargs", SETTINGS, ids=SETTING_IDS)
def test_matches_torch_step_for_step(torch_fp, name, kwargs, dtype):
    ours, theirs = Run(None, name, kwargs, dtype), Run(torch_fp, name, kwargs, dtype)
    for t, (a, b) in enumerate(zip(ours.steps(8), theirs.steps(8))):
        assert_close(a, b, f"after step {t + 1}", RTOL[dtype])
    moved = [np.abs(v - v0).max() for v, v0 in zip(ours.values(), start_values(name, dtype))]
    assert min(moved) > 1e-3                       # every parameter did move
    assert_same_state(ours, theirs, RTOL[dtype])
    assert all(p.dtype == dtype for p in ours.params)
    assert all(v.dtype == dtype for s in ours.opt.state.values() for v in s.values() if backend.is_array(v))


def test_muon_matches_torch_bfloat16_to_its_precision(torch):
    ours, theirs = Run(None, "Muon", {}, np.float32), Run(torch, "Muon", {}, np.float32)
    ours.steps(6)
    theirs.steps(6)
    for a, b, v0 in zip(ours.values(), theirs.values(), start_values("Muon", np.float32)):
        moved = np.abs(b - v0).max()
        assert np.abs(a - b).max() < 0.05 * moved        # bfloat16 keeps about 3 digits of each step
        assert np.abs(a - b).max() > 1e-6                # ... and the two do differ: PyTorch did use it


@pytest.mark.parametrize("name", ["Adafactor", "Muon"])
def test_defaults_are_torchs(torch, name):
    p = torch.zeros(2, 2, requires_grad=True)
    theirs = getattr(torch.optim, name)([p]).defaults
    ours = getattr(mg.optim, name)([mg.zeros(2, 2, requires_grad=True)]).defaults
    assert ours == theirs
    assert name in mg.optim.__all__


# ----------------------------------------------------------------- checkpoints
RICH = {"Adafactor": dict(weight_decay=0.1, maximize=True), "Muon": dict(nesterov=True, weight_decay=0.2)}


@pytest.mark.parametrize("name", ["Adafactor", "Muon"])
def test_state_dict_round_trip(name):
    uninterrupted = Run(None, name, RICH[name])
    uninterrupted.steps(4)
    first = Run(None, name, RICH[name])
    first.steps(2)
    saved, values = first.opt.state_dict(), first.values()
    kept = {k: to_host(v) for k, v in saved["state"][0].items()}
    first.steps(1)                                  # a snapshot taken is not changed by later steps
    for key, value in saved["state"][0].items():
        np.testing.assert_array_equal(to_host(value), kept[key])
        assert not np.array_equal(to_host(first.opt.state[first.params[0]][key]), kept[key]), key
    second = Run(None, name, RICH[name], values=values)
    second.opt = getattr(mg.optim, name)(second.groups(), lr=123.0)
    second.opt.load_state_dict(saved)               # the groups' options come from the snapshot too
    assert [g["lr"] for g in second.opt.param_groups] == [LR[name], LR[name] / 3]
    second.t = 2
    second.steps(2)
    for a, b in zip(second.values(), uninterrupted.values()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", ["Adafactor", "Muon"])
def test_state_dict_layout_is_torchs_and_torchs_loads(torch_fp, name):
    ours, theirs = Run(None, name, RICH[name]), Run(torch_fp, name, RICH[name])
    ours.steps(2)
    theirs.steps(2)
    sd, tsd = ours.opt.state_dict(), theirs.opt.state_dict()
    assert sd["param_groups"] == tsd["param_groups"]
    assert sd["state"].keys() == tsd["state"].keys()
    for i, tstate in tsd["state"].items():
        assert sorted(sd["state"][i]) == sorted(tstate)
        for key, value in tstate.items():
            assert np.shape(sd["state"][i][key]) == tuple(value.shape), (i, key)
    # PyTorch's checkpoint, as host arrays, continues in minigan as PyTorch itself continues
    converted = {"state": {i: {k: to_host(v) for k, v in s.items()} for i, s in tsd["state"].items()},
                 "param_groups": [dict(g) for g in tsd["param_groups"]]}
    resumed = Run(None, name, RICH[name], values=theirs.values())
    resumed.opt.load_state_dict(converted)
    resumed.t = theirs.t
    for t, (a, b) in enumerate(zip(resumed.steps(3), theirs.steps(3))):
        assert_close(a, b, f"after step {t + 3}", 1e-12)


# ----------------------------------------------------------------- parameters without a gradient, zero gradients
@pytest.mark.parametrize("name", ["Adafactor", "Muon"])
def test_none_grad_skipped_and_zero_grad_matches_torch(torch_fp, name):
    kwargs = dict(weight_decay=0.1)
    skip = {0: "none", 1: "zero"}
    ours, theirs = Run(None, name, kwargs), Run(torch_fp, name, kwargs)
    for t, (a, b) in enumerate(zip(ours.steps(3, skip), theirs.steps(3, skip))):
        assert_close(a, b, f"after step {t + 1}", 1e-12)
    v0 = start_values(name, np.float64)
    np.testing.assert_array_equal(ours.values()[0], v0[0])          # no gradient: untouched, no state
    assert ours.params[0] not in ours.opt.state
    assert sorted(ours.opt.state_dict()["state"]) == list(range(1, len(SHAPES[name])))
    # a zero gradient is a step: the state is made and the parameter only decays
    np.testing.assert_allclose(ours.values()[1], v0[1] * (1 - LR[name] * 0.1) ** 3, rtol=1e-14)
    assert ours.opt.state[ours.params[1]].get("step", 3) == 3
    assert_same_state(ours, theirs, 1e-12)


# ----------------------------------------------------------------- argument errors
ERRORS = [
    ("Adafactor", dict(lr=-1.0), "Learning rate should be >= 0 but is: -1.0"),
    ("Adafactor", dict(beta2_decay=0.5), "beta2_decay should be <= 0 but is: 0.5"),
    ("Adafactor", dict(eps=(-1.0, 1e-3)), "epsilon1 should be >= 0 but is: -1.0"),
    ("Adafactor", dict(eps=(None, -0.1)), "epsilon2 should be >= 0 but is: -0.1"),
    ("Adafactor", dict(d=0.5), "Clipping threshold d should be >= 1 but is: 0.5"),
    ("Adafactor", dict(weight_decay=-0.1), "weight_decay should be >= 0 but is: -0.1"),
    ("Muon", dict(lr=-1.0), "Learning rate should be >= 0 but is: -1.0"),
    ("Muon", dict(momentum=-0.5), "momentum should be >= 0 but is: -0.5"),
    ("Muon", dict(weight_decay=-0.1), "weight decay should be >= 0 but is: -0.1"),
    ("Muon", dict(adjust_lr_fn="spectral"), "Adjust learning rate function spectral is not supported"),
    ("Muon", dict(ns_steps=100), "Number of steps must be less than 100 for computational efficiency"),
    ("Muon", dict(ns_coefficients=(1.0, 2.0)), "Coefficients must be a tuple of exactly 3 values"),
]
ERROR_IDS = [f"{name}:{msg}" for name, _, msg in ERRORS]


@pytest.mark.parametrize("name, kwargs, message", ERRORS, ids=ERROR_IDS)
def test_argument_errors(name, kwargs, message):
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        getattr(mg.optim, name)([mg.zeros(2, 2, requires_grad=True)], **kwargs)


@pytest.mark.parametrize("name, kwargs, message", ERRORS, ids=ERROR_IDS)
def test_argument_errors_are_torchs(torch, name, kwargs, message):
    # PyTorch's Muon checks ns_steps and ns_coefficients only when it steps; minigan at once
    p = torch.zeros(2, 2, requires_grad=True)
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        getattr(torch.optim, name)([p], **kwargs)
        p.grad = torch.ones(2, 2)
        getattr(torch.optim, name)([p], **kwargs).step()


def test_muon_refuses_a_parameter_that_is_not_2d(torch):
    message = "Muon only supports 2D parameters whereas we found a parameter with size: "
    for shape in [(5,), (2, 3, 4), ()]:
        with pytest.raises(ValueError, match="^" + re.escape(message + str(shape)) + "$"):
            Muon([mg.zeros(2, 2, requires_grad=True), mg.zeros(*shape, requires_grad=True)])
        with pytest.raises(ValueError, match="^" + re.escape(message)):
            torch.optim.Muon([torch.zeros(shape, requires_grad=True)])
    opt = Muon([mg.zeros(2, 2, requires_grad=True)])
    with pytest.raises(ValueError, match=re.escape(message + "(3,)")):   # also a group added later
        opt.add_param_group({"params": [mg.zeros(3, requires_grad=True)]})
    assert len(opt.param_groups) == 1


def test_options_are_keyword_only_where_torchs_are():
    x = mg.zeros(2, 2, requires_grad=True)
    with pytest.raises(TypeError):
        Adafactor([x], 1e-2, -0.8, (None, 1e-3), 1.0, 0.0, None)
    assert Adafactor([x], 1e-2, -0.8, (None, 1e-3), 1.0, 0.0, maximize=True).defaults["maximize"]
    assert Muon([x], 1e-3, 0.1, 0.95, False, (3.0, -3.0, 1.0), 1e-7, 4, "match_rms_adamw").defaults["ns_steps"] == 4


# ----------------------------------------------------------------- devices
@pytest.mark.parametrize("name", ["Adafactor", "Muon"])
def test_same_steps_on_every_device(device, name):
    on_device, on_host = Run(None, name, RICH[name], device=device), Run(None, name, RICH[name])
    for t, (a, b) in enumerate(zip(on_device.steps(4), on_host.steps(4))):
        assert_close(a, b, f"after step {t + 1}", 1e-12)
    for state in on_device.opt.state.values():
        for key, value in state.items():
            if backend.is_array(value):
                assert backend.device_of(value) == device, key
