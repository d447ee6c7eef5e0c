"""The Optimizer base: parameter groups, zero_grad, skipped parameters, argument errors,
state_dict / load_state_dict (exact resumption), and steps on every device."""
import numpy as np
import pytest

import minigan as mg
import minigan.nn as nn
from minigan.optim import LBFGS, SGD, Adam, AdamW


def linear_loss(*pairs):
    """``sum_i sum(coef_i * x_i)``: the gradient of ``x_i`` is ``coef_i`` everywhere."""
    return sum((x * coef).sum() for x, coef in pairs)


# ----------------------------------------------------------------- parameter groups
def test_parameter_groups_use_their_own_options():
    x = mg.tensor([1.0, 2.0], requires_grad=True, dtype=np.float64)
    y = mg.tensor([3.0], requires_grad=True, dtype=np.float64)
    opt = SGD([{"params": [x]}, {"params": y, "lr": 0.01}], lr=0.1, momentum=0.9)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.01]
    assert opt.param_groups[1]["momentum"] == 0.9  # filled from the defaults
    linear_loss((x, 3.0), (y, 5.0)).backward()
    opt.step()
    np.testing.assert_allclose(x.numpy(), [1.0 - 0.3, 2.0 - 0.3], rtol=1e-15)
    np.testing.assert_allclose(y.numpy(), [3.0 - 0.05], rtol=1e-15)


def test_add_param_group_and_changing_lr_between_steps():
    x = mg.tensor([0.0], requires_grad=True, dtype=np.float64)
    y = mg.tensor([0.0], requires_grad=True, dtype=np.float64)
    opt = SGD([x], lr=1.0)
    opt.add_param_group({"params": [y], "lr": 2.0})
    opt.param_groups[0]["lr"] = 0.5  # a schedule changes lr in place, as in PyTorch
    linear_loss((x, 1.0), (y, 1.0)).backward()
    opt.step()
    assert x.item() == -0.5 and y.item() == -2.0


# ----------------------------------------------------------------- zero_grad and skipping
def test_zero_grad_set_to_none():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    opt = SGD([x], lr=0.1)
    (x * x).sum().backward()
    assert x.grad is not None
    opt.zero_grad()
    assert x.grad is None


def test_zero_grad_keeping_the_arrays():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    opt = Adam([x])
    (x * x).sum().backward()
    grad_array = x.grad.data
    opt.zero_grad(set_to_none=False)
    assert x.grad.data is grad_array and np.all(grad_array == 0)
    (x * 3).sum().backward()  # accumulates onto zeros
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])


def test_zero_grad_keeping_the_arrays_after_create_graph():
    """A gradient made with create_graph=True can be a read-only broadcast view (add's backward passes the
    root's ones on), held by both operands: each gets fresh zeros, and nothing else is written."""
    x, y = mg.tensor([1.0, 2.0], requires_grad=True), mg.tensor([3.0, 4.0], requires_grad=True)
    (x + y).sum().backward(create_graph=True)
    shared = x.grad.data
    SGD([x, y], lr=0.1).zero_grad(set_to_none=False)
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0])
    np.testing.assert_array_equal(y.grad.numpy(), [0.0, 0.0])
    assert not x.grad.requires_grad and np.all(shared == 1.0)


def test_module_zero_grad_is_the_optimizers():
    layer = mg.nn.Linear(3, 2)
    layer(mg.ones(4, 3)).sum().backward()
    kept = layer.weight.grad
    layer.zero_grad(set_to_none=False)
    assert layer.weight.grad is kept and np.all(kept.numpy() == 0)      # zeroed in place, as PyTorch
    layer.zero_grad()
    assert layer.weight.grad is None and layer.bias.grad is None


@pytest.mark.parametrize("opt_cls", [SGD, Adam])
def test_parameters_without_grad_are_skipped(opt_cls):
    x = mg.tensor([1.0], requires_grad=True)
    unused = mg.tensor([5.0, 6.0], requires_grad=True)
    opt = opt_cls([x, unused], lr=0.1, momentum=0.9) if opt_cls is SGD else opt_cls([x, unused], lr=0.1)
    for _ in range(2):
        opt.zero_grad()
        (x * 2).sum().backward()
        opt.step()
    assert unused.grad is None
    np.testing.assert_array_equal(unused.numpy(), [5.0, 6.0])
    assert unused not in opt.state and x in opt.state
    assert x.item() < 1.0


def test_step_returns_the_closure_loss():
    x = mg.tensor([2.0], requires_grad=True)
    opt = SGD([x], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (x * x).sum()
        loss.backward()
        return loss
    assert opt.step(closure).item() == 4.0
    assert np.isclose(x.item(), 2.0 - 0.1 * 4.0)


def test_step_bumps_the_version():
    x = mg.tensor([1.0], requires_grad=True)
    opt = SGD([x], lr=0.1)
    (x * x).sum().backward()
    before = x._version
    opt.step()
    assert x._version > before


# ----------------------------------------------------------------- bad arguments
@pytest.mark.parametrize("make, match", [
    (lambda p: SGD(p, lr=-0.1), "^Invalid learning rate: -0.1$"),
    (lambda p: SGD(p, lr=0.1, momentum=-0.5), "^Invalid momentum value: -0.5$"),
    (lambda p: SGD(p, lr=0.1, weight_decay=-1), "^Invalid weight_decay value: -1$"),
    (lambda p: SGD(p, lr=0.1, nesterov=True), "^Nesterov momentum requires a momentum and zero dampening$"),
    (lambda p: SGD(p, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), "requires a momentum and zero dampening"),
    (lambda p: SGD([{"params": p, "lr": -1.0}], lr=0.1), "^Invalid learning rate: -1.0$"),   # a group's own too
    (lambda p: Adam(p, lr=-1e-3), "^Invalid learning rate: -0.001$"),
    (lambda p: Adam(p, betas=(1.0, 0.999)), r"^Invalid beta parameter at index 0: 1.0$"),
    (lambda p: Adam(p, betas=(0.9, -0.1)), r"^Invalid beta parameter at index 1: -0.1$"),
    (lambda p: Adam(p, betas=(0.9,)), r"^Adam: betas must be a pair \(beta1, beta2\), got \(0.9,\)$"),
    (lambda p: Adam(p, eps=-1e-8), "^Invalid epsilon value: -1e-08$"),
    (lambda p: Adam(p, weight_decay=-0.1), "^Invalid weight_decay value: -0.1$"),
])
def test_bad_options_raise(make, match):
    with pytest.raises(ValueError, match=match):
        make([mg.tensor([1.0], requires_grad=True)])


def test_bad_params_raise():
    x = mg.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="empty parameter list"):
        SGD([], lr=0.1)
    with pytest.raises(TypeError, match="single Tensor"):
        SGD(x, lr=0.1)
    with pytest.raises(TypeError, match="can only optimize Tensors"):
        SGD([np.zeros(2)], lr=0.1)
    with pytest.raises(TypeError, match="not a set"):
        SGD([{"params": {x}}], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        SGD([{"params": [x]}, {"params": [x]}], lr=0.1)
    with pytest.raises(ValueError, match="leaf"):
        SGD([x * 2], lr=0.1)


def test_sgd_lr_defaults_to_1e_3():
    assert SGD([mg.tensor([1.0], requires_grad=True)]).param_groups[0]["lr"] == 1e-3


@pytest.mark.parametrize("opt_cls", [SGD, Adam, LBFGS])
def test_named_parameters_are_accepted(opt_cls):
    net = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    opt = opt_cls(net.named_parameters(), lr=0.1)
    assert opt.param_groups[0]["params"] == list(net.parameters())
    assert opt.param_groups[0]["param_names"] == ["0.weight", "0.bias", "1.weight", "1.bias"]

    def closure():
        opt.zero_grad()
        loss = (net(mg.ones(4, 2)) ** 2).sum()
        loss.backward()
        return loss
    before = net[0].weight.numpy()
    opt.step(closure)
    assert not np.array_equal(net[0].weight.numpy(), before)
    opt.load_state_dict(opt.state_dict())
    assert opt.param_groups[0]["param_names"][0] == "0.weight"


def test_named_parameter_groups():
    x, y = mg.tensor([1.0], requires_grad=True), mg.tensor([2.0], requires_grad=True)
    opt = SGD([{"params": [("x", x)]}, {"params": [("y", y)], "lr": 0.5}], lr=0.1)
    assert [g["param_names"] for g in opt.param_groups] == [["x"], ["y"]]
    assert opt.param_groups[1]["params"][0] is y
    with pytest.raises(ValueError, match="all parameters with names"):
        SGD([("x", x), y])
    with pytest.raises(ValueError, match="with names or all without"):
        opt.add_param_group({"params": [mg.tensor([3.0], requires_grad=True)]})
    with pytest.raises(ValueError, match="with names or all without"):
        SGD([{"params": [x]}, {"params": [("y", y)]}])


# ----------------------------------------------------------------- state_dict
def test_state_dict_layout_and_copies():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    c = mg.tensor([3.0], requires_grad=True)
    opt = SGD([{"params": [w]}, {"params": [c], "lr": 0.01}], lr=0.1, momentum=0.9)
    linear_loss((w, 1.0), (c, 1.0)).backward()
    opt.step()
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0], [1]]
    assert sd["param_groups"][1]["lr"] == 0.01 and sd["param_groups"][0]["momentum"] == 0.9
    assert sorted(sd["state"]) == [0, 1]
    buf = sd["state"][0]["momentum_buffer"]
    np.testing.assert_array_equal(buf, [1.0, 1.0])
    assert buf is not opt.state[w]["momentum_buffer"]
    opt.step()  # changes the live buffer, not the snapshot
    np.testing.assert_array_equal(buf, [1.0, 1.0])

    fresh = SGD([{"params": [w]}, {"params": [c]}], lr=0.5)
    fresh.load_state_dict(sd)
    assert fresh.param_groups[1]["lr"] == 0.01 and fresh.param_groups[1]["params"][0] is c
    sd["state"][0]["momentum_buffer"][0] = 99.0  # the loaded state is a copy too
    assert fresh.state[w]["momentum_buffer"][0] == 1.0


def test_load_state_dict_rejects_a_different_layout():
    w, c = mg.tensor([1.0], requires_grad=True), mg.tensor([2.0], requires_grad=True)
    sd = SGD([w, c], lr=0.1).state_dict()
    with pytest.raises(ValueError, match="group 0 has 2"):
        SGD([w], lr=0.1).load_state_dict(sd)
    with pytest.raises(ValueError, match="1 parameter group"):
        SGD([{"params": [w]}, {"params": [c]}], lr=0.1).load_state_dict(sd)


def rosenbrock(a, b):
    return ((1 - a) ** 2 + 100 * (b - a ** 2) ** 2).sum()


RESUMABLE = {
    "sgd_momentum": lambda p: SGD(p, lr=1e-4, momentum=0.9, nesterov=True, weight_decay=0.01),
    "adam_amsgrad": lambda p: Adam([{"params": p[:1]}, {"params": p[1:], "lr": 0.05}], lr=0.02,
                                   amsgrad=True, weight_decay=0.01),
    "adamw_amsgrad": lambda p: AdamW([{"params": p[:1]}, {"params": p[1:], "lr": 0.05}], lr=0.02,
                                     amsgrad=True, weight_decay=0.1),
    "lbfgs_wolfe": lambda p: LBFGS(p, max_iter=3, history_size=4, line_search_fn="strong_wolfe"),
    "lbfgs_fixed": lambda p: LBFGS(p, lr=1e-3, max_iter=3, history_size=4),
}


def train(opt, params, steps):
    def closure():
        opt.zero_grad()
        loss = rosenbrock(*params)
        loss.backward()
        return loss
    for _ in range(steps):
        opt.step(closure)


@pytest.mark.parametrize("name", sorted(RESUMABLE))
def test_resuming_from_a_state_dict_is_exact(name):
    make = RESUMABLE[name]
    start = [np.array([-1.5]), np.array([2.0])]

    params = [mg.tensor(v, requires_grad=True) for v in start]
    opt = make(params)
    train(opt, params, 6)  # uninterrupted
    expected = [p.numpy() for p in params]

    params = [mg.tensor(v, requires_grad=True) for v in start]
    opt = make(params)
    train(opt, params, 3)
    saved, saved_values = opt.state_dict(), [p.numpy() for p in params]
    train(opt, params, 2)  # the old run goes on; the snapshot must not change with it
    resumed = [mg.tensor(v, requires_grad=True) for v in saved_values]
    opt2 = make(resumed)
    opt2.load_state_dict(saved)
    train(opt2, resumed, 3)
    for got, want in zip(resumed, expected):
        np.testing.assert_array_equal(got.numpy(), want)
    assert not np.array_equal(expected[0], start[0])  # it did move


# ----------------------------------------------------------------- devices
STEPPERS = {
    "sgd": lambda p: SGD(p, lr=1e-3, momentum=0.9),
    "adam": lambda p: Adam(p, lr=0.1),
    "adamw": lambda p: AdamW(p, lr=0.1),
    "lbfgs": lambda p: LBFGS(p, max_iter=5, line_search_fn="strong_wolfe"),
}


def state_arrays(value):
    """Every array inside a (nested) state dict: LBFGS keeps lists of them."""
    if mg.backend.is_array(value):
        return [value]
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    return [a for v in items for a in state_arrays(v)]


@pytest.mark.parametrize("name", sorted(STEPPERS))
def test_steps_run_on_each_device(device, name):
    def run(dev):
        params = [mg.tensor([-1.5], requires_grad=True, device=dev),
                  mg.tensor([2.0], requires_grad=True, device=dev)]
        opt = STEPPERS[name](params)
        train(opt, params, 2)
        return params, opt

    params, opt = run(device)
    for p in params:
        assert p.device == device and p.dtype == np.float32
    # state arrays live with their parameter; loading moves a CPU snapshot onto the device
    cpu_params, cpu_opt = run("cpu")
    fresh = STEPPERS[name]([mg.tensor([0.0], requires_grad=True, device=device),
                            mg.tensor([0.0], requires_grad=True, device=device)])
    fresh.load_state_dict(cpu_opt.state_dict())
    for opt_ in (opt, fresh):
        arrays = [a for state in opt_.state.values() for a in state_arrays(state)]
        assert arrays and all(mg.backend.device_of(a) == device for a in arrays)
    for p, q in zip(params, cpu_params):
        np.testing.assert_allclose(p.numpy(), q.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam"])
def test_a_closure_records_even_when_step_is_called_under_no_grad(name):
    x = mg.tensor([1.0, -2.0], requires_grad=True)
    opt = getattr(mg.optim, name)([x], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (x * x).sum()
        loss.backward()
        return loss

    with mg.no_grad():
        loss = opt.step(closure)
    assert float(loss) == 5.0 and not np.array_equal(x.numpy(), [1.0, -2.0])
