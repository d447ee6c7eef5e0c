"""PyTorch's remaining optimizer arguments: ``foreach``, ``fused`` and ``capturable`` (kept in the groups as PyTorch
keeps them, changing nothing), ``differentiable`` (refused), and Adam's ``decoupled_weight_decay`` (AdamW's
update, step for step as PyTorch's)."""
import inspect
import re

import numpy as np
import pytest

import minigan as mg
import minigan.nn as nn
from minigan.optim import SGD, Adam, AdamW

from optimizer_runs import to_host

NAMES = ["SGD", "Adam", "AdamW", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam", "RMSprop", "ASGD", "Rprop",
         "LBFGS", "Adafactor", "Muon"]
DIFFERENTIABLE = ["SGD", "Adam", "AdamW", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam", "RMSprop", "ASGD",
                  "Rprop"]
FUSED = ["SGD", "Adam", "AdamW", "Adagrad"]
SHAPES = [(3, 2), (4,)]


def start_values():
    gen = np.random.default_rng(11)
    return [gen.standard_normal(shape) for shape in SHAPES]


def make(lib, name, kwargs, values=None, group_options=None):
    """``name`` on two float64 parameters in two groups (the second with half the lr and ``group_options``)."""
    values = start_values() if values is None else values
    params = [lib.tensor(v.copy(), requires_grad=True) for v in values]
    groups = [{"params": [params[0]]}, {"params": [params[1]], "lr": 0.05, **(group_options or {})}]
    return params, getattr(lib.optim, name)(groups, **{"lr": 0.1, **kwargs})


def run(lib, params, opt, steps, first=0):
    """``steps`` steps with gradients that depend on the parameters; the values after each step."""
    out = []
    for t in range(first, first + steps):
        gen = np.random.default_rng(50 + t)
        for p in params:
            value = to_host(p)
            p.grad = lib.tensor(gen.standard_normal(value.shape) + 0.5 * value)
        opt.step()
        out.append([to_host(p) for p in params])
    return out


def assert_same(a, b, rtol=1e-12, atol=1e-14):
    for t, (x, y) in enumerate(zip(a, b)):
        for u, v in zip(x, y):
            np.testing.assert_allclose(u, v, rtol=rtol, atol=atol, err_msg=f"after step {t + 1}")


def host_state_dict(sd):
    """A PyTorch state dict with every tensor as a host array (what minigan loads)."""
    return {"state": {i: {k: to_host(v) for k, v in s.items()} for i, s in sd["state"].items()},
            "param_groups": sd["param_groups"]}


# ----------------------------------------------------------------- signatures, defaults, groups
@pytest.mark.parametrize("name", NAMES)
def test_signature_and_group_keys_are_torchs(torch, name):
    ours, theirs = (inspect.signature(getattr(lib.optim, name)).parameters for lib in (mg, torch))
    assert [(p.name, p.kind, p.default) for p in ours.values()] == \
        [(p.name, p.kind, p.default) for p in theirs.values()]
    group = getattr(mg.optim, name)([mg.zeros(2, 2, requires_grad=True)]).param_groups[0]
    tgroup = getattr(torch.optim, name)([torch.zeros(2, 2, requires_grad=True)]).param_groups[0]
    assert list(group) == list(tgroup)
    assert {k: v for k, v in group.items() if k != "params"} == {k: v for k, v in tgroup.items() if k != "params"}


# non-default flags each optimizer takes, and a group that sets its own
FLAG_SETTINGS = [("SGD", dict(momentum=0.9, foreach=True), dict(foreach=False)),
                 ("SGD", dict(momentum=0.9, fused=True), {}),
                 ("Adam", dict(foreach=False, capturable=True), dict(foreach=True)),
                 ("Adam", dict(fused=True, decoupled_weight_decay=True, weight_decay=0.1), {}),
                 ("AdamW", dict(fused=False, foreach=True), dict(capturable=True)),
                 ("Adagrad", dict(fused=True), dict(fused=False, foreach=True)),
                 ("Adadelta", dict(foreach=True, capturable=True), {}),
                 ("Adamax", dict(capturable=True), dict(foreach=False)),
                 ("NAdam", dict(foreach=True, decoupled_weight_decay=True), {}),
                 ("RAdam", dict(capturable=True, decoupled_weight_decay=True), dict(foreach=True)),
                 ("RMSprop", dict(foreach=False, capturable=True), {}),
                 ("ASGD", dict(foreach=True), dict(capturable=True)),
                 ("Rprop", dict(capturable=True), dict(foreach=False)),
                 ("Adafactor", dict(foreach=False), dict(foreach=True))]
FLAG_IDS = [f"{name}-{sorted(kw)}" for name, kw, _ in FLAG_SETTINGS]


@pytest.mark.parametrize("name, kwargs, own", FLAG_SETTINGS, ids=FLAG_IDS)
def test_flags_are_kept_in_groups_and_state_dicts_as_torchs(torch, name, kwargs, own):
    _, opt = make(mg, name, kwargs, group_options=own)
    _, topt = make(torch, name, kwargs, group_options=own)
    for group, tgroup in zip(opt.param_groups, topt.param_groups):
        assert {k: v for k, v in group.items() if k != "params"} == {k: v for k, v in tgroup.items() if k != "params"}
    assert opt.param_groups[1]["lr"] == 0.05 and all(opt.param_groups[1][k] == v for k, v in own.items())
    assert opt.state_dict()["param_groups"] == topt.state_dict()["param_groups"]


@pytest.mark.parametrize("name, kwargs, own", FLAG_SETTINGS[:6], ids=FLAG_IDS[:6])
def test_flags_change_no_value(name, kwargs, own):
    plain = {k: v for k, v in kwargs.items() if k not in ("foreach", "fused", "capturable")}
    a, b = make(mg, name, kwargs, group_options=own), make(mg, name, plain)
    for x, y in zip(run(mg, *a, 4), run(mg, *b, 4)):
        for u, v in zip(x, y):
            np.testing.assert_array_equal(u, v)


# ----------------------------------------------------------------- state dicts, both ways
@pytest.mark.parametrize("name, kwargs", [("SGD", dict(momentum=0.9, nesterov=True, weight_decay=0.1)),
                                          ("Adam", dict(amsgrad=True, weight_decay=0.1)),
                                          ("Adam", dict(weight_decay=0.1, decoupled_weight_decay=True))])
def test_state_dicts_load_both_ways(torch, name, kwargs):
    ours, theirs = make(mg, name, kwargs), make(torch, name, kwargs)
    assert_same(run(mg, *ours, 3), run(torch, *theirs, 3))
    # torch -> minigan: a fresh minigan optimizer with other options takes torch's groups and state
    values = [to_host(p) for p in theirs[0]]
    params, opt = make(mg, name, dict(lr=7.0), values=values)
    opt.load_state_dict(host_state_dict(theirs[1].state_dict()))
    assert opt.param_groups[0]["lr"] == 0.1 and opt.param_groups[0]["foreach"] is None
    # minigan -> torch: arrays become tensors (torch makes Adam's int step a tensor itself)
    sd = ours[1].state_dict()
    sd["state"] = {i: {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in s.items()}
                   for i, s in sd["state"].items()}
    tparams, topt = make(torch, name, dict(lr=7.0), values=[to_host(p) for p in ours[0]])
    topt.load_state_dict(sd)
    assert topt.param_groups[1]["lr"] == 0.05
    continued = [run(mg, params, opt, 4, first=3), run(torch, tparams, topt, 4, first=3),
                 run(mg, *ours, 4, first=3), run(torch, *theirs, 4, first=3)]
    for other in continued[1:]:
        assert_same(continued[0], other)


def test_an_older_state_dict_gets_the_flags_torchs_way(torch):
    # a group saved before the flags existed: loading gives each its constructor default, as torch's __setstate__
    _, opt = make(mg, "Adam", dict(foreach=True, capturable=True))
    _, topt = make(torch, "Adam", dict(foreach=True, capturable=True))
    sd = opt.state_dict()
    for group in sd["param_groups"]:
        for key in ("foreach", "fused", "capturable", "differentiable", "decoupled_weight_decay"):
            del group[key]
    opt.load_state_dict(sd)
    topt.load_state_dict(sd)
    assert opt.state_dict()["param_groups"] == topt.state_dict()["param_groups"]
    assert opt.param_groups[0]["foreach"] is None and opt.param_groups[0]["capturable"] is False


def test_adamw_keeps_decoupled_weight_decay_when_an_adam_state_dict_is_loaded(torch):
    _, adam = make(mg, "Adam", dict(weight_decay=0.1))
    _, adamw = make(mg, "AdamW", {})
    _, tadamw = make(torch, "AdamW", {})
    adamw.load_state_dict(adam.state_dict())
    tadamw.load_state_dict(adam.state_dict())
    assert [g["decoupled_weight_decay"] for g in adamw.param_groups] == [True, True]
    assert adamw.state_dict()["param_groups"] == tadamw.state_dict()["param_groups"]


# ----------------------------------------------------------------- decoupled weight decay
DECOUPLED = [("Adam", dict(weight_decay=0.1, decoupled_weight_decay=True)),
             ("Adam", dict(weight_decay=0.3, decoupled_weight_decay=True, amsgrad=True, maximize=True)),
             ("NAdam", dict(weight_decay=0.1, decoupled_weight_decay=True)),
             ("RAdam", dict(weight_decay=0.1, decoupled_weight_decay=True, betas=(0.8, 0.9)))]


@pytest.mark.parametrize("name, kwargs", DECOUPLED)
def test_decoupled_weight_decay_trajectory_is_torchs(torch64, name, kwargs):
    ours, theirs = make(mg, name, kwargs), make(torch64, name, kwargs)
    assert_same(run(mg, *ours, 8), run(torch64, *theirs, 8))
    coupled = make(mg, name, {**kwargs, "decoupled_weight_decay": False})
    assert not np.allclose(run(mg, *coupled, 8)[-1][0], to_host(ours[0][0]), rtol=1e-6)  # the flag matters


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_with_decoupled_weight_decay_is_adamw(torch, amsgrad):
    kwargs = dict(weight_decay=0.2, amsgrad=amsgrad)
    runs = [run(lib, *make(lib, "Adam", {**kwargs, "decoupled_weight_decay": True}), 6) for lib in (mg, torch)]
    runs += [run(lib, *make(lib, "AdamW", kwargs), 6) for lib in (mg, torch)]
    for other in runs[1:]:
        assert_same(runs[0], other)


def test_decoupled_first_step_by_hand():
    # a zero gradient: Adam's L2 term is the whole gradient (a full lr * sign(p) step); decoupled, only the decay
    for decoupled, want in [(False, [0.9, -1.9]), (True, [0.95, -1.9])]:
        x = mg.tensor([1.0, -2.0], requires_grad=True, dtype=np.float64)
        opt = Adam([x], lr=0.1, weight_decay=0.5, decoupled_weight_decay=decoupled)
        x.grad = mg.zeros(2, dtype=np.float64)
        opt.step()
        np.testing.assert_allclose(x.numpy(), want, rtol=1e-7)


# ----------------------------------------------------------------- errors
FUSED_ERRORS = [(dict(fused=True, foreach=True), "`fused` and `foreach` cannot be `True` together."),
                (dict(fused=True, differentiable=True), "`fused` does not support `differentiable`")]


@pytest.mark.parametrize("name", FUSED)
@pytest.mark.parametrize("kwargs, message", FUSED_ERRORS)
def test_fused_conflicts_are_torchs(torch, name, kwargs, message):
    for lib in (mg, torch):
        with pytest.raises(RuntimeError, match="^" + re.escape(message) + "$"):
            getattr(lib.optim, name)([lib.zeros(2, requires_grad=True)], **kwargs)
    opt = getattr(mg.optim, name)([mg.zeros(2, requires_grad=True)], fused=True)     # also in a group added later
    with pytest.raises(RuntimeError, match=re.escape(message)):
        opt.add_param_group({"params": [mg.zeros(1, requires_grad=True)], **kwargs})
    assert len(opt.param_groups) == 1


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_differentiable_is_refused_with_what_to_do(name):
    x, y = mg.zeros(2, requires_grad=True), mg.zeros(1, requires_grad=True)
    with pytest.raises(NotImplementedError, match=f"^{name}: differentiable=True is not supported: .*in place.*"
                                                  r"minigan\.func\.functional_call"):
        getattr(mg.optim, name)([x], differentiable=True)
    assert issubclass(NotImplementedError, RuntimeError)
    opt = getattr(mg.optim, name)([x])
    with pytest.raises(NotImplementedError, match="differentiable=True"):
        opt.add_param_group({"params": [y], "differentiable": True})
    sd = opt.state_dict()
    sd["param_groups"][0]["differentiable"] = True
    with pytest.raises(NotImplementedError, match="differentiable=True"):
        opt.load_state_dict(sd)
    assert opt.param_groups[0]["differentiable"] is False


def test_differentiating_through_a_step_by_hand_matches_torchs_differentiable_sgd(torch):
    # what the refusal suggests: the step written with minigan ops, the model run on the new tensors
    gen = np.random.default_rng(5)
    x, y, w, b = (gen.standard_normal(s) for s in [(5, 3), (5, 2), (2, 3), (2,)])
    model = nn.Linear(3, 2).double()
    params = {"weight": mg.tensor(w, requires_grad=True), "bias": mg.tensor(b, requires_grad=True)}

    def loss(ps):
        return ((mg.func.functional_call(model, ps, (mg.tensor(x),)) - mg.tensor(y)) ** 2).sum()
    grads = mg.grad(loss(params), list(params.values()), create_graph=True)
    stepped = {n: p - 0.1 * g for (n, p), g in zip(params.items(), grads)}
    ours = mg.grad(loss(stepped), list(params.values()))

    tw, tb = (torch.tensor(v, requires_grad=True) for v in (w, b))
    cw, cb = tw.clone(), tb.clone()                    # torch's differentiable step needs non-leaf parameters

    def tloss(pw, pb):
        return ((torch.tensor(x) @ pw.T + pb - torch.tensor(y)) ** 2).sum()
    cw.grad, cb.grad = torch.autograd.grad(tloss(cw, cb), (cw, cb), create_graph=True)
    torch.optim.SGD([cw, cb], lr=0.1, differentiable=True).step()
    theirs = torch.autograd.grad(tloss(cw, cb), (tw, tb))
    for a, t in zip(ours, theirs):
        np.testing.assert_allclose(a.numpy(), t.numpy(), rtol=1e-12)


def test_maximize_and_the_flags_are_keyword_only_where_torchs_are():
    x = mg.zeros(1, requires_grad=True)
    with pytest.raises(TypeError):
        SGD([x], 0.1, 0.9, 0, 0, False, True)
    with pytest.raises(TypeError):
        Adam([x], 1e-3, (0.9, 0.999), 1e-8, 0, False, None)
    with pytest.raises(TypeError):
        AdamW([x], 1e-3, (0.9, 0.999), 1e-8, 0, False, True)
    assert mg.optim.RMSprop([x], 1e-2, 0.99, 1e-8, 0, 0, False, True, True).param_groups[0]["foreach"] is True
    assert mg.optim.Adagrad([x], 1e-2, 0, 0, 0, 1e-10, False).param_groups[0]["foreach"] is False
