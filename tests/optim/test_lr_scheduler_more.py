"""PolynomialLR, CosineAnnealingWarmRestarts, CyclicLR, OneCycleLR and ChainedScheduler: closed forms written out
here, step-for-step parity with torch.optim.lr_scheduler (rates, and the momentum or Adam's beta1 where it is
cycled) over whole schedules on two parameter groups, checkpoints, and the errors."""
import math
import re

import numpy as np
import pytest

import minigan as mg
from minigan.optim import SGD, Adam
from minigan.optim import lr_scheduler as S

BASES = (0.1, 0.03)   # the two parameter groups' learning rates
STEPS = 30


def make_optimizer(lib=mg, kind="sgd"):
    """SGD (momentum 0.9) or Adam with two parameter groups (lr 0.1 and 0.03), in minigan or in torch (``lib``)."""
    a = lib.tensor([1.0], requires_grad=True)
    b = lib.tensor([2.0, 3.0], requires_grad=True)
    groups = [{"params": [a]}, {"params": [b], "lr": BASES[1]}]
    if kind == "adam":
        return (Adam if lib is mg else lib.optim.Adam)(groups, lr=BASES[0], betas=(0.9, 0.999))
    return (SGD if lib is mg else lib.optim.SGD)(groups, lr=BASES[0], momentum=0.9)


def momenta(optimizer):
    """Each group's momentum, or beta1 for Adam; beta2 must stay as it was."""
    if "betas" in optimizer.defaults:
        assert all(g["betas"][1] == 0.999 and isinstance(g["betas"], tuple) for g in optimizer.param_groups)
        return [g["betas"][0] for g in optimizer.param_groups]
    return [g["momentum"] for g in optimizer.param_groups]


class Scale:
    """A callable object as CyclicLR's scale_fn (its attributes go into the state dict)."""

    def __init__(self, rate):
        self.rate = rate

    def __call__(self, x):
        return 1.0 / (1.0 + self.rate * x)


# name -> (builder(M, opt), optimizer kind, steps). Each builder takes the scheduler module (minigan's or torch's).
BUILDERS = {
    "PolynomialLR": (lambda M, opt: M.PolynomialLR(opt, total_iters=10), "sgd", STEPS),
    "PolynomialLR-power": (lambda M, opt: M.PolynomialLR(opt, total_iters=17, power=0.5), "sgd", STEPS),
    "PolynomialLR-square": (lambda M, opt: M.PolynomialLR(opt, total_iters=12, power=2.0), "adam", STEPS),
    "WarmRestarts": (lambda M, opt: M.CosineAnnealingWarmRestarts(opt, T_0=5), "sgd", STEPS),
    "WarmRestarts-mult": (lambda M, opt: M.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2, eta_min=1e-3), "sgd",
                          50),
    "CyclicLR-triangular": (lambda M, opt: M.CyclicLR(opt, base_lr=[0.01, 0.005], max_lr=[0.1, 0.05],
                                                      step_size_up=4, step_size_down=6), "sgd", STEPS),
    "CyclicLR-triangular2": (lambda M, opt: M.CyclicLR(opt, base_lr=0.01, max_lr=0.2, step_size_up=5,
                                                       mode="triangular2", base_momentum=[0.7, 0.8],
                                                       max_momentum=[0.95, 0.9]), "sgd", 45),
    "CyclicLR-exp_range-adam": (lambda M, opt: M.CyclicLR(opt, base_lr=1e-3, max_lr=[1e-2, 5e-3], step_size_up=3,
                                                          step_size_down=7, mode="exp_range", gamma=0.95),
                                "adam", STEPS),
    "CyclicLR-scale_fn-cycle": (lambda M, opt: M.CyclicLR(opt, 0.01, 0.1, step_size_up=4,
                                                          scale_fn=lambda c: 1.0 / c), "sgd", STEPS),
    "CyclicLR-scale_fn-iterations": (lambda M, opt: M.CyclicLR(opt, 0.01, 0.1, step_size_up=2, step_size_down=5,
                                                               scale_fn=Scale(0.1), scale_mode="iterations",
                                                               cycle_momentum=False), "adam", STEPS),
    "OneCycleLR": (lambda M, opt: M.OneCycleLR(opt, max_lr=[0.5, 0.2], total_steps=STEPS), "sgd", STEPS),
    "OneCycleLR-linear": (lambda M, opt: M.OneCycleLR(opt, max_lr=0.3, epochs=5, steps_per_epoch=6,
                                                      anneal_strategy="linear", pct_start=0.25), "sgd", STEPS),
    "OneCycleLR-three_phase": (lambda M, opt: M.OneCycleLR(opt, max_lr=[0.5, 0.2], total_steps=40, three_phase=True,
                                                           div_factor=10.0, final_div_factor=100.0), "sgd", 40),
    "OneCycleLR-adam": (lambda M, opt: M.OneCycleLR(opt, max_lr=0.01, total_steps=STEPS, pct_start=0.4,
                                                    base_momentum=0.8, max_momentum=[0.95, 0.9]), "adam", STEPS),
    "OneCycleLR-no-momentum": (lambda M, opt: M.OneCycleLR(opt, max_lr=0.4, total_steps=25, cycle_momentum=False,
                                                           three_phase=True, anneal_strategy="linear"), "sgd", 25),
    "ChainedScheduler": (lambda M, opt: M.ChainedScheduler([M.ConstantLR(opt, factor=0.1, total_iters=5),
                                                            M.ExponentialLR(opt, gamma=0.9)]), "sgd", STEPS),
    "ChainedScheduler-3": (lambda M, opt: M.ChainedScheduler(
        [M.StepLR(opt, step_size=4, gamma=0.5), M.PolynomialLR(opt, total_iters=20, power=0.7),
         M.LinearLR(opt, start_factor=0.2, total_iters=6)], optimizer=opt), "adam", STEPS),
    "SequentialLR-restarts": (lambda M, opt: M.SequentialLR(
        opt, [M.LinearLR(opt, start_factor=0.1, total_iters=4), M.CosineAnnealingWarmRestarts(opt, T_0=6)],
        milestones=[4]), "sgd", STEPS),
    "SequentialLR-polynomial": (lambda M, opt: M.SequentialLR(
        opt, [M.ConstantLR(opt, factor=0.5, total_iters=10), M.PolynomialLR(opt, total_iters=10, power=1.5)],
        milestones=[7]), "sgd", STEPS),
}
NAMES = sorted(BUILDERS)
CYCLED = [n for n in NAMES if n.startswith(("CyclicLR", "OneCycleLR")) and "no-momentum" not in n
          and "iterations" not in n]


def build(name, lib=mg):
    builder, kind, steps = BUILDERS[name]
    opt = make_optimizer(lib, kind)
    return builder(S if lib is mg else lib.optim.lr_scheduler, opt), opt, steps


def run(scheduler, optimizer, steps):
    """``steps`` rounds of optimizer.step() then scheduler.step(); returns the (steps + 1, 4) rates and momenta
    (the first row: what the constructor set), checking get_last_lr() against the groups each time."""
    out = []
    for k in range(steps + 1):
        last = scheduler.get_last_lr()
        assert last == [g["lr"] for g in optimizer.param_groups]
        out.append(last + momenta(optimizer))
        if k < steps:
            optimizer.step()
            scheduler.step()
    return np.array(out)


def close(got, expected, rtol=1e-12):
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=1e-15)


# ----------------------------------------------------------------- closed forms (no torch needed)
def polynomial(base, e, total, power):
    return base * (1 - min(e, total) / total) ** power


def warm_restarts(base, e, T_0, T_mult, low):
    T_i, T_cur = T_0, e
    while T_cur >= T_i:                 # walk through the runs
        T_cur -= T_i
        T_i *= T_mult
    return low + (base - low) * (1 + math.cos(math.pi * T_cur / T_i)) / 2


def triangle(e, up, down):
    """0 -> 1 over ``up`` steps, 1 -> 0 over ``down`` steps, repeated; and the cycle number (1, 2, ...)."""
    x = e % (up + down)
    return (x / up if x <= up else (up + down - x) / down), e // (up + down) + 1


def one_cycle(e, start, peak, low, total, pct):
    """Two phases of half a cosine: start -> peak until step pct * total - 1, then peak -> low at total - 1."""
    up_end = pct * total - 1
    if e <= up_end:
        frac, a, b = e / up_end, start, peak
    else:
        frac, a, b = (e - up_end) / (total - 1 - up_end), peak, low
    return b + (a - b) * (1 + math.cos(math.pi * frac)) / 2


# name -> f(group i, epoch e) = [lr, momentum]
FORMULAS = {
    "PolynomialLR": lambda i, e: [polynomial(BASES[i], e, 10, 1.0), 0.9],
    "PolynomialLR-power": lambda i, e: [polynomial(BASES[i], e, 17, 0.5), 0.9],
    "WarmRestarts": lambda i, e: [warm_restarts(BASES[i], e, 5, 1, 0.0), 0.9],
    "WarmRestarts-mult": lambda i, e: [warm_restarts(BASES[i], e, 3, 2, 1e-3), 0.9],
    "CyclicLR-triangular": lambda i, e: [(0.01, 0.005)[i] + ((0.1, 0.05)[i] - (0.01, 0.005)[i]) * triangle(e, 4, 6)[0],
                                         0.9 - 0.1 * triangle(e, 4, 6)[0]],
    "CyclicLR-triangular2": lambda i, e: [0.01 + 0.19 * triangle(e, 5, 5)[0] / 2 ** (triangle(e, 5, 5)[1] - 1),
                                          (0.95, 0.9)[i] - ((0.95, 0.9)[i] - (0.7, 0.8)[i]) * triangle(e, 5, 5)[0]
                                          / 2 ** (triangle(e, 5, 5)[1] - 1)],
    "CyclicLR-exp_range-adam": lambda i, e: [1e-3 + ((1e-2, 5e-3)[i] - 1e-3) * triangle(e, 3, 7)[0] * 0.95 ** e,
                                             0.9 - 0.1 * triangle(e, 3, 7)[0] * 0.95 ** e],
    "OneCycleLR": lambda i, e: [one_cycle(e, (0.02, 0.008)[i], (0.5, 0.2)[i], (0.02, 0.008)[i] / 1e4, STEPS, 0.3),
                                one_cycle(e, 0.95, 0.85, 0.95, STEPS, 0.3)],
}


@pytest.mark.parametrize("name", sorted(FORMULAS))
def test_schedule_follows_its_closed_form(name):
    sched, opt, steps = build(name)
    got = run(sched, opt, steps)
    expected = [[FORMULAS[name](i, e)[0] for i in range(2)] + [FORMULAS[name](i, e)[1] for i in range(2)]
                for e in range(steps + 1)]
    close(got, expected)


def test_polynomial_recursion_and_closed_form_agree():
    opt = make_optimizer()
    sched = S.PolynomialLR(opt, total_iters=13, power=1.7)
    for _ in range(20):
        close(sched._closed_form(), sched.get_last_lr())
        opt.step()
        sched.step()
    assert sched.get_last_lr() == [0.0, 0.0]


def test_cyclic_lr_sets_base_lr_and_momentum_at_construction():
    opt = make_optimizer()
    S.CyclicLR(opt, base_lr=[0.01, 0.002], max_lr=0.1, base_momentum=0.7, max_momentum=[0.95, 0.85])
    assert [g["lr"] for g in opt.param_groups] == [0.01, 0.002]
    assert [g["initial_lr"] for g in opt.param_groups] == [0.01, 0.002]
    assert momenta(opt) == [0.95, 0.85]
    assert [(g["base_momentum"], g["max_momentum"]) for g in opt.param_groups] == [(0.7, 0.95), (0.7, 0.85)]


def test_one_cycle_sets_its_bounds_in_the_groups():
    opt = make_optimizer(kind="adam")
    S.OneCycleLR(opt, max_lr=[1.0, 0.5], total_steps=10, div_factor=4.0, final_div_factor=50.0)
    assert [(g["initial_lr"], g["max_lr"], g["min_lr"]) for g in opt.param_groups] == [(0.25, 1.0, 0.005),
                                                                                      (0.125, 0.5, 0.0025)]
    assert [g["lr"] for g in opt.param_groups] == [0.25, 0.125]
    assert [g["betas"] for g in opt.param_groups] == [(0.95, 0.999)] * 2


def test_one_cycle_stepping_past_total_steps_is_an_error():
    opt = make_optimizer()
    sched = S.OneCycleLR(opt, max_lr=0.1, total_steps=8)
    for _ in range(8):                  # step 8 is still allowed, as in PyTorch
        sched.step()
    with pytest.raises(ValueError, match="^Tried to step 9 times. The specified number of total steps is 8$"):
        sched.step()


def test_one_cycle_stepping_past_total_steps_is_torchs_error(torch):
    topt = make_optimizer(torch)
    sched = torch.optim.lr_scheduler.OneCycleLR(topt, max_lr=0.1, total_steps=8)
    for _ in range(8):
        topt.step()
        sched.step()
    with pytest.raises(ValueError, match="^Tried to step 9 times. The specified number of total steps is 8$"):
        sched.step()


def test_chained_scheduler_multiplies_the_factors():
    got = run(*build("ChainedScheduler"))[:, :2]
    expected = [[b * (0.1 if e < 5 else 1.0) * 0.9 ** e for b in BASES] for e in range(STEPS + 1)]
    close(got, expected)


def test_warm_restarts_fractional_epochs():
    # per batch within an epoch: step(epoch + i / batches) follows the cosine continuously
    opt = make_optimizer()
    sched = S.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=2, eta_min=0.01)
    for epoch in range(7):
        for i in range(4):
            sched.step(epoch + i / 4)
            e = epoch + i / 4
            T_i, T_cur = 2, e
            while T_cur >= T_i:
                T_cur, T_i = T_cur - T_i, T_i * 2
            expected = [0.01 + (b - 0.01) * (1 + math.cos(math.pi * T_cur / T_i)) / 2 for b in BASES]
            close(sched.get_last_lr(), expected)
            assert sched.last_epoch == epoch


# ----------------------------------------------------------------- parity with PyTorch
def torch_run(scheduler, optimizer, steps):
    out = [scheduler.get_last_lr() + momenta(optimizer)]
    for _ in range(steps):
        optimizer.step()
        scheduler.step()
        assert scheduler.get_last_lr() == [g["lr"] for g in optimizer.param_groups]
        out.append(scheduler.get_last_lr() + momenta(optimizer))
    return np.array(out)


@pytest.mark.parametrize("name", NAMES)
def test_parity_with_torch(name, torch):
    sched, opt, steps = build(name)
    tsched, topt, _ = build(name, torch)
    got = run(sched, opt, steps)
    close(got, torch_run(tsched, topt, steps))
    assert len({tuple(row[:2]) for row in got}) >= 5                # the rates did change
    for key in ("initial_lr", "max_lr", "min_lr", "base_momentum", "max_momentum"):
        assert [g.get(key) for g in opt.param_groups] == [g.get(key) for g in topt.param_groups], key


@pytest.mark.parametrize("name", CYCLED)
def test_cycled_momentum_moves(name):
    got = run(*build(name))[:, 2:]
    assert got.max() - got.min() > 0.05


@pytest.mark.parametrize("T_mult", [1, 2, 3])
def test_warm_restarts_step_with_an_epoch_matches_torch(torch, T_mult):
    opt, topt = make_optimizer(), make_optimizer(torch)
    sched = S.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=T_mult, eta_min=0.005)
    tsched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(topt, T_0=3, T_mult=T_mult, eta_min=0.005)
    # fractional epochs, then plain steps, a jump ahead, a jump back, and plain steps again (PyTorch's interleaving)
    calls = [0.25 * k for k in range(40)] + [None] * 5 + [26, None, None, 3.5, None, 100.75, None, 2]
    for epoch in calls:
        args = () if epoch is None else (epoch,)
        opt.step()
        topt.step()
        sched.step(*args)
        tsched.step(*args)
        close(sched.get_last_lr(), tsched.get_last_lr())
        assert (sched.last_epoch, sched.T_i) == (tsched.last_epoch, tsched.T_i)
        assert sched.T_cur == pytest.approx(tsched.T_cur, rel=1e-12, abs=1e-12)


def test_sequential_lr_with_a_warm_restarts_stepped_before_matches_torch(torch):
    # SequentialLR starts a scheduler at its milestone with last_epoch = 0 and the rates get_lr() gives; the cosine
    # of CosineAnnealingWarmRestarts follows T_cur, which that leaves alone: a cosine stepped before SequentialLR
    # took it goes on from where it was (epoch 3 of 5), as in PyTorch
    def build_sequence(M, opt):
        warm_up, restarts = M.LinearLR(opt, start_factor=0.2, total_iters=4), M.CosineAnnealingWarmRestarts(opt, 5)
        for _ in range(3):
            restarts.step()
        return M.SequentialLR(opt, [warm_up, restarts], milestones=[4])

    opt, topt = make_optimizer(), make_optimizer(torch)
    got = run(build_sequence(S, opt), opt, 20)
    close(got, torch_run(build_sequence(torch.optim.lr_scheduler, topt), topt, 20))
    close(got[4:10, 0], [warm_restarts(0.1, e, 5, 1, 0.0) for e in range(3, 9)])


RESUMING = {
    "PolynomialLR": lambda M, opt, last: M.PolynomialLR(opt, total_iters=12, power=1.5, last_epoch=last),
    "WarmRestarts": lambda M, opt, last: M.CosineAnnealingWarmRestarts(opt, T_0=4, eta_min=1e-3, last_epoch=last),
    "CyclicLR": lambda M, opt, last: M.CyclicLR(opt, 0.01, 0.1, step_size_up=3, mode="triangular2",
                                                last_epoch=last),
}


@pytest.mark.parametrize("name", sorted(RESUMING))
@pytest.mark.parametrize("last_epoch", [0, 5, 9])
def test_parity_with_torch_resuming_from_last_epoch(name, last_epoch, torch):
    opt, topt = make_optimizer(), make_optimizer(torch)
    for o in (opt, topt):
        for g, lr in zip(o.param_groups, (0.07, 0.02)):
            g["initial_lr"], g["lr"] = g["lr"], lr      # as an earlier run left them
    got = run(RESUMING[name](S, opt, last_epoch), opt, 20)
    expected = torch_run(RESUMING[name](torch.optim.lr_scheduler, topt, last_epoch), topt, 20)
    close(got, expected)


# ----------------------------------------------------------------- checkpoints
def _group_values(optimizer):
    return [{k: v for k, v in g.items() if k not in ("params",)} for g in optimizer.param_groups]


@pytest.mark.parametrize("name", NAMES)
def test_state_dict_resumes_the_same_sequence(name, tmp_path):
    sched, opt, steps = build(name)
    run(sched, opt, 12)
    mg.io.save(tmp_path / "ckpt.npz", optimizer=opt.state_dict(), scheduler=sched.state_dict())
    assert "optimizer" not in sched.state_dict()
    rest = run(sched, opt, steps - 12)

    # build the scheduler, then load the optimizer (rates, momenta, bounds), then the scheduler
    sched2, opt2, _ = build(name)
    loaded = mg.io.load(tmp_path / "ckpt.npz")
    opt2.load_state_dict(loaded["optimizer"])
    sched2.load_state_dict(loaded["scheduler"])
    np.testing.assert_array_equal(run(sched2, opt2, steps - 12), rest)
    assert _group_values(opt2) == _group_values(opt)


def test_state_dict_is_a_snapshot():
    sched, opt, _ = build("ChainedScheduler")
    state = sched.state_dict()
    run(sched, opt, 3)
    assert [s["last_epoch"] for s in state["_schedulers"]] == [0, 0]
    assert state["_last_lr"] == list(np.array(BASES) * 0.1)


def test_cyclic_lr_state_dict_leaves_out_functions_but_keeps_callable_objects():
    opt = make_optimizer()
    plain = S.CyclicLR(opt, 0.01, 0.1, scale_fn=lambda x: 1.0)
    assert plain.state_dict()["_scale_fn_custom"] is None
    assert S.CyclicLR(make_optimizer(), 0.01, 0.1).state_dict()["_scale_fn_custom"] is None

    sched = S.CyclicLR(make_optimizer(), 0.01, 0.1, step_size_up=2, scale_fn=Scale(0.5), scale_mode="iterations")
    state = sched.state_dict()
    assert state["_scale_fn_custom"] == {"rate": 0.5} and state["scale_mode"] == "iterations"
    scale = Scale(3.0)
    sched2 = S.CyclicLR(make_optimizer(), 0.01, 0.1, step_size_up=2, scale_fn=scale, scale_mode="iterations")
    sched2.load_state_dict(state)
    assert scale.rate == 0.5 and sched2._scale_fn_custom is scale
    sched2.step()                       # step 1 of 2 up: h = 0.5, scale 1 / (1 + 0.5 * 1)
    close(sched2.get_last_lr(), [0.01 + 0.09 * 0.5 / 1.5] * 2)


def test_cyclic_lr_built_in_mode_keeps_its_scale_mode_after_loading():
    sched = S.CyclicLR(make_optimizer(), 0.01, 0.1, mode="exp_range", gamma=0.9, scale_mode="cycle")
    assert sched.scale_mode == "iterations"          # exp_range always scales by the step count
    state = sched.state_dict()
    state["scale_mode"] = "cycle"
    sched.load_state_dict(state)
    assert sched.scale_mode == "iterations"


@pytest.mark.parametrize("name", NAMES)
def test_loads_a_torch_state_dict(name, torch):
    tsched, topt, steps = build(name, torch)
    torch_run(tsched, topt, 9)
    sched, opt, _ = build(name)
    for g, tg in zip(opt.param_groups, topt.param_groups):
        g.update({k: v for k, v in tg.items() if k in ("lr", "initial_lr", "momentum", "betas", "max_lr", "min_lr",
                                                         "base_momentum", "max_momentum")})
    sched.load_state_dict(tsched.state_dict())
    close(run(sched, opt, steps - 9), torch_run(tsched, topt, steps - 9))


# ----------------------------------------------------------------- errors
class NoOptimizer:
    pass


ERRORS = [
    (lambda M, opt, make: M.CosineAnnealingWarmRestarts(opt, T_0=0), ValueError,
     "Expected positive integer T_0, but got 0"),
    (lambda M, opt, make: M.CosineAnnealingWarmRestarts(opt, T_0=2.5), ValueError,
     "Expected positive integer T_0, but got 2.5"),
    (lambda M, opt, make: M.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=0), ValueError,
     "Expected integer T_mult >= 1, but got 0"),
    (lambda M, opt, make: M.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=1.5), ValueError,
     "Expected integer T_mult >= 1, but got 1.5"),
    (lambda M, opt, make: M.CosineAnnealingWarmRestarts(opt, T_0=3, eta_min="0"), ValueError,
     "Expected float or int eta_min, but got 0 of type <class 'str'>"),
    (lambda M, opt, make: M.CosineAnnealingWarmRestarts(opt, T_0=3).step(-1), ValueError,
     "Expected non-negative epoch, but got -1"),
    (lambda M, opt, make: M.CyclicLR([1.0], 0.01, 0.1), TypeError, "list is not an Optimizer"),
    (lambda M, opt, make: M.CyclicLR(opt, 0.01, 0.1, mode="square"), ValueError,
     "mode is invalid and scale_fn is None"),
    (lambda M, opt, make: M.CyclicLR(opt, [0.01], 0.1), ValueError,
     "base_lr must have the same length as optimizer.param_groups. base_lr has 1 values, param_groups has 2."),
    (lambda M, opt, make: M.CyclicLR(opt, 0.01, [0.1, 0.2, 0.3]), ValueError,
     "max_lr must have the same length as optimizer.param_groups. max_lr has 3 values, param_groups has 2."),
    (lambda M, opt, make: M.CyclicLR(opt, 0.01, 0.1, max_momentum=(0.9,)), ValueError,
     "max_momentum must have the same length as optimizer.param_groups"),
    (lambda M, opt, make: M.CyclicLR(make("adagrad"), 0.01, 0.1), ValueError,
     "optimizer must support momentum or beta1 with `cycle_momentum` option enabled"),
    (lambda M, opt, make: M.OneCycleLR("sgd", 0.1, total_steps=10), TypeError, "str is not an Optimizer"),
    (lambda M, opt, make: M.OneCycleLR(opt, 0.1), ValueError,
     re.escape("You must define either total_steps OR (epochs AND steps_per_epoch)")),
    (lambda M, opt, make: M.OneCycleLR(opt, 0.1, epochs=3), ValueError,
     re.escape("You must define either total_steps OR (epochs AND steps_per_epoch)")),
    (lambda M, opt, make: M.OneCycleLR(opt, 0.1, total_steps=0), ValueError,
     "Expected positive integer total_steps, but got 0"),
    (lambda M, opt, make: M.OneCycleLR(opt, 0.1, total_steps=10.0), ValueError,
     "Expected positive integer total_steps, but got 10.0"),
    (lambda M, opt, make: M.OneCycleLR(opt, 0.1, epochs=0, steps_per_epoch=5), ValueError,
     "Expected positive integer epochs, but got 0"),
    (lambda M, opt, make: M.OneCycleLR(opt, 0.1, epochs=2, steps_per_epoch=-5), ValueError,
     "Expected positive integer steps_per_epoch, but got -5"),
    (lambda M, opt, make: M.OneCycleLR(opt, 0.1, total_steps=10, pct_start=1.5), ValueError,
     "Expected float between 0 and 1 pct_start, but got 1.5"),
    (lambda M, opt, make: M.OneCycleLR(opt, 0.1, total_steps=10, pct_start=1), ValueError,
     "Expected float between 0 and 1 pct_start, but got 1"),
    (lambda M, opt, make: M.OneCycleLR(opt, 0.1, total_steps=10, anneal_strategy="exp"), ValueError,
     "anneal_strategy must be one of 'cos' or 'linear', instead got exp"),
    (lambda M, opt, make: M.OneCycleLR(opt, [0.1], total_steps=10), ValueError,
     "max_lr must have the same length as optimizer.param_groups"),
    (lambda M, opt, make: M.OneCycleLR(make("adagrad"), 0.1, total_steps=10), ValueError,
     "optimizer must support momentum or beta1 with `cycle_momentum` option enabled"),
    (lambda M, opt, make: M.ChainedScheduler([]), ValueError,
     "ChainedScheduler expects at least one scheduler to be chained, but got no scheduler."),
    (lambda M, opt, make: M.ChainedScheduler([M.StepLR(opt, 2), M.StepLR(make("sgd"), 3)]), ValueError,
     "ChainedScheduler expects all schedulers to belong to the same optimizer, but got scheduler StepLR at index 1"),
    (lambda M, opt, make: M.ChainedScheduler([M.StepLR(make("sgd"), 2)], optimizer=opt), ValueError,
     "ChainedScheduler expects all schedulers to belong to the same optimizer, but got scheduler StepLR at index 0"),
    (lambda M, opt, make: M.ChainedScheduler([M.StepLR(opt, 2), M.ReduceLROnPlateau(opt)]), ValueError,
     "ChainedScheduler does not support `ReduceLROnPlateau` scheduler"),
    (lambda M, opt, make: M.ChainedScheduler([M.StepLR(opt, 2), NoOptimizer()]), TypeError,
     "ChainedScheduler at index 1 should have `optimizer` as its attribute."),
]
ERROR_IDS = [f"{i}:{e[2][:40]}" for i, e in enumerate(ERRORS)]


def _maker(lib):
    def make(kind):
        if kind == "adagrad":
            return lib.optim.Adagrad([lib.tensor([1.0], requires_grad=True)], lr=0.1)
        return make_optimizer(lib, kind)
    return make


@pytest.mark.parametrize("build_it, error, match", ERRORS, ids=ERROR_IDS)
def test_bad_arguments_raise(build_it, error, match):
    with pytest.raises(error, match="^" + match):
        build_it(S, make_optimizer(), _maker(mg))


@pytest.mark.parametrize("build_it, error, match", ERRORS, ids=ERROR_IDS)
def test_bad_arguments_raise_as_in_torch(build_it, error, match, torch):
    with pytest.raises(error, match="^" + match):
        build_it(torch.optim.lr_scheduler, make_optimizer(torch), _maker(torch))
