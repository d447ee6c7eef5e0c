"""Learning-rate schedulers: the closed forms from the docstrings, step-for-step parity with
torch.optim.lr_scheduler, checkpoints that resume the same sequence, ReduceLROnPlateau, and the errors."""
import math

import numpy as np
import pytest

import minigan as mg
from minigan.optim import SGD
from minigan.optim import lr_scheduler as S

BASES = (0.1, 0.03)   # the two parameter groups' learning rates
STEPS = 30


def make_optimizer(lib=mg):
    """An SGD with two parameter groups (lr 0.1 and 0.03), in minigan or in torch (``lib``)."""
    a = lib.tensor([1.0], requires_grad=True)
    b = lib.tensor([2.0, 3.0], requires_grad=True)
    opt_class = SGD if lib is mg else lib.optim.SGD
    return opt_class([{"params": [a]}, {"params": [b], "lr": BASES[1]}], lr=BASES[0], momentum=0.9)


# Each builder takes the scheduler module (minigan's or torch's) and an optimizer, so the same line
# builds both sides of a parity test.
BUILDERS = {
    "LambdaLR": lambda M, opt: M.LambdaLR(opt, [lambda e: 0.9 ** e, lambda e: 1.0 / (1 + e)]),
    "MultiplicativeLR": lambda M, opt: M.MultiplicativeLR(opt, lambda e: 0.95),
    "StepLR": lambda M, opt: M.StepLR(opt, step_size=4, gamma=0.5),
    "MultiStepLR": lambda M, opt: M.MultiStepLR(opt, milestones=[3, 8, 8, 20], gamma=0.3),
    "ConstantLR": lambda M, opt: M.ConstantLR(opt, factor=0.25, total_iters=6),
    "LinearLR-warmup": lambda M, opt: M.LinearLR(opt, start_factor=0.2, end_factor=1.0, total_iters=10),
    "LinearLR-decay": lambda M, opt: M.LinearLR(opt, start_factor=1.0, end_factor=0.05, total_iters=17),
    "ExponentialLR": lambda M, opt: M.ExponentialLR(opt, gamma=0.93),
    "CosineAnnealingLR": lambda M, opt: M.CosineAnnealingLR(opt, T_max=7, eta_min=1e-3),
    "CosineAnnealingLR-to-0": lambda M, opt: M.CosineAnnealingLR(opt, T_max=10),
    "SequentialLR": lambda M, opt: M.SequentialLR(
        opt, [M.LinearLR(opt, start_factor=0.1, total_iters=5), M.CosineAnnealingLR(opt, T_max=12, eta_min=1e-3)],
        milestones=[5]),
    "SequentialLR-3": lambda M, opt: M.SequentialLR(
        opt, [M.ConstantLR(opt, factor=0.5, total_iters=10), M.ExponentialLR(opt, gamma=0.9),
              M.MultiStepLR(opt, milestones=[2, 6], gamma=0.5)], milestones=[4, 13]),
}


def _cosine(base, e, T, low):
    return low + (base - low) * (1 + math.cos(math.pi * e / T)) / 2


# The closed form in each class's docstring, for group i at epoch e, written out independently.
FORMULAS = {
    "LambdaLR": lambda i, e: BASES[i] * (0.9 ** e if i == 0 else 1.0 / (1 + e)),
    "MultiplicativeLR": lambda i, e: BASES[i] * 0.95 ** e,
    "StepLR": lambda i, e: BASES[i] * 0.5 ** (e // 4),
    "MultiStepLR": lambda i, e: BASES[i] * 0.3 ** sum(m <= e for m in (3, 8, 8, 20)),
    "ConstantLR": lambda i, e: BASES[i] * (0.25 if e < 6 else 1.0),
    "LinearLR-warmup": lambda i, e: BASES[i] * (0.2 + 0.8 * min(e, 10) / 10),
    "LinearLR-decay": lambda i, e: BASES[i] * (1.0 - 0.95 * min(e, 17) / 17),
    "ExponentialLR": lambda i, e: BASES[i] * 0.93 ** e,
    "CosineAnnealingLR": lambda i, e: _cosine(BASES[i], e, 7, 1e-3),      # past T_max it climbs back
    "CosineAnnealingLR-to-0": lambda i, e: _cosine(BASES[i], e, 10, 0.0),
    "SequentialLR": lambda i, e: (BASES[i] * (0.1 + 0.9 * e / 5) if e < 5 else _cosine(BASES[i], e - 5, 12, 1e-3)),
    "SequentialLR-3": lambda i, e: (BASES[i] * 0.5 if e < 4 else BASES[i] * 0.9 ** (e - 4) if e < 13
                                    else BASES[i] * 0.5 ** sum(m <= e - 13 for m in (2, 6))),
}


def run(scheduler, optimizer, steps=STEPS):
    """``steps`` rounds of optimizer.step() then scheduler.step(); returns the (steps + 1, groups) rates,
    starting with the rates the constructor set, and checks get_last_lr() against the groups each time."""
    out = []
    for k in range(steps + 1):
        last = scheduler.get_last_lr()
        assert last == [g["lr"] for g in optimizer.param_groups]
        out.append(last)
        if k < steps:
            optimizer.step()
            scheduler.step()
    return np.array(out)


def lrs_close(got, expected, rtol=1e-12):
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=1e-15)


# ----------------------------------------------------------------- without torch
@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_schedule_follows_its_closed_form(name):
    opt = make_optimizer()
    got = run(BUILDERS[name](S, opt), opt)
    expected = [[FORMULAS[name](i, e) for i in range(2)] for e in range(STEPS + 1)]
    lrs_close(got, expected)


@pytest.mark.parametrize("name", [n for n in sorted(BUILDERS) if hasattr(BUILDERS[n](S, make_optimizer()),
                                                                          "_closed_form")])
def test_recursion_and_closed_form_agree(name):
    # SequentialLR starts a scheduler from its closed form at a milestone; it must match the recursion.
    opt = make_optimizer()
    sched = BUILDERS[name](S, opt)
    for _ in range(STEPS):
        lrs_close(sched._closed_form(), sched.get_last_lr())
        opt.step()
        sched.step()


def test_constructor_records_initial_lr_and_takes_the_first_step():
    opt = make_optimizer()
    sched = S.StepLR(opt, step_size=2, gamma=0.5)
    assert [g["initial_lr"] for g in opt.param_groups] == list(BASES)
    assert sched.base_lrs == list(BASES)
    assert sched.last_epoch == 0
    opt.step()
    sched.step()
    opt.step()
    sched.step()
    assert sched.last_epoch == 2
    assert sched.get_last_lr() == [0.05, 0.015]
    assert [g["initial_lr"] for g in opt.param_groups] == list(BASES)   # the base rates never change


def test_warmup_scheduler_sets_the_first_rate_at_construction():
    opt = make_optimizer()
    S.LinearLR(opt, start_factor=0.5, total_iters=4)
    assert [g["lr"] for g in opt.param_groups] == [0.05, 0.015]


def test_get_last_lr_is_a_copy():
    opt = make_optimizer()
    sched = S.ExponentialLR(opt, gamma=0.5)
    sched.get_last_lr()[0] = 123.0
    assert sched.get_last_lr() == list(BASES)


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_state_dict_resumes_the_same_sequence(name):
    opt = make_optimizer()
    sched = BUILDERS[name](S, opt)
    run(sched, opt, steps=12)
    opt_state, sched_state = opt.state_dict(), sched.state_dict()
    assert "optimizer" not in sched_state
    rest = run(sched, opt, steps=18)

    # The checkpoint order: build the scheduler, then load the optimizer (rates and initial_lr), then it.
    opt2 = make_optimizer()
    sched2 = BUILDERS[name](S, opt2)
    opt2.load_state_dict(opt_state)
    sched2.load_state_dict(sched_state)
    assert sched2.last_epoch == 12
    np.testing.assert_array_equal(run(sched2, opt2, steps=18), rest)


@pytest.mark.parametrize("name", ["LambdaLR", "MultiStepLR", "SequentialLR-3", "CosineAnnealingLR"])
def test_state_dict_is_plain_data_a_checkpoint_can_store(name, tmp_path):
    opt = make_optimizer()
    sched = BUILDERS[name](S, opt)
    run(sched, opt, steps=7)
    mg.io.save(tmp_path / "ckpt.npz", optimizer=opt.state_dict(), scheduler=sched.state_dict())
    rest = run(sched, opt, steps=10)

    loaded = mg.io.load(tmp_path / "ckpt.npz")
    opt2 = make_optimizer()
    sched2 = BUILDERS[name](S, opt2)
    opt2.load_state_dict(loaded["optimizer"])
    sched2.load_state_dict(loaded["scheduler"])
    np.testing.assert_array_equal(run(sched2, opt2, steps=10), rest)


def test_state_dict_is_a_snapshot():
    opt = make_optimizer()
    sched = S.MultiStepLR(opt, milestones=[2], gamma=0.5)
    state = sched.state_dict()
    run(sched, opt, steps=3)
    assert state["last_epoch"] == 0 and state["_last_lr"] == list(BASES)
    state["milestones"][5] = 1          # changing the snapshot does not change the scheduler
    assert 5 not in sched.milestones


def test_lambda_lr_state_dict_leaves_out_functions_but_keeps_callable_objects():
    class Decay:
        def __init__(self, rate):
            self.rate = rate

        def __call__(self, epoch):
            return self.rate ** epoch

    opt = make_optimizer()
    sched = S.LambdaLR(opt, [lambda e: 1.0, Decay(0.5)])
    state = sched.state_dict()
    assert state["lr_lambdas"] == [None, {"rate": 0.5}]

    opt2 = make_optimizer()
    decay = Decay(0.9)
    sched2 = S.LambdaLR(opt2, [lambda e: 1.0, decay])
    sched2.load_state_dict(state)
    assert decay.rate == 0.5
    opt2.step()
    sched2.step()
    assert sched2.get_last_lr() == [0.1, 0.03 * 0.5]


def test_resuming_with_last_epoch_needs_initial_lr():
    opt = make_optimizer()
    with pytest.raises(KeyError, match=r"param 'initial_lr' is not specified in param_groups\[0\] when resuming"):
        S.StepLR(opt, step_size=3, last_epoch=4)


def test_resuming_with_last_epoch_continues_the_schedule():
    opt = make_optimizer()
    for g in opt.param_groups:
        g["initial_lr"] = g["lr"]
        g["lr"] = g["lr"] * 0.5 ** 2        # StepLR(step_size=3, gamma=0.5) at epoch 7
    sched = S.StepLR(opt, step_size=3, gamma=0.5, last_epoch=6)
    assert sched.last_epoch == 7 and sched.base_lrs == list(BASES)
    got = run(sched, opt, steps=5)[:, 0]
    lrs_close(got, [0.1 * 0.5 ** (e // 3) for e in range(7, 13)])


@pytest.mark.parametrize("build, error, match", [
    (lambda opt: S.StepLR([1.0], step_size=2), TypeError, "list is not an Optimizer"),
    (lambda opt: S.ReduceLROnPlateau("sgd"), TypeError, "str is not an Optimizer"),
    (lambda opt: S.LambdaLR(opt, [lambda e: 1.0] * 3), ValueError, "Expected 2 lr_lambdas, but got 3"),
    (lambda opt: S.MultiplicativeLR(opt, 0.9), TypeError, "lr_lambda should be a function, but got float"),
    (lambda opt: S.ConstantLR(opt, factor=1.5), ValueError, "Constant multiplicative factor expected"),
    (lambda opt: S.LinearLR(opt, start_factor=0.0), ValueError, "Starting multiplicative factor expected"),
    (lambda opt: S.LinearLR(opt, end_factor=1.5), ValueError, "Ending multiplicative factor expected"),
    (lambda opt: S.SequentialLR(opt, [], milestones=[]), ValueError, "expects at least one scheduler"),
    (lambda opt: S.SequentialLR(opt, [S.StepLR(opt, 2), S.StepLR(opt, 3)], milestones=[]), ValueError,
     "number of schedulers 2 and the number of milestones to be equal to 0"),
    (lambda opt: S.SequentialLR(opt, [S.StepLR(opt, 2), S.StepLR(make_optimizer(), 3)], milestones=[4]),
     ValueError, "expects all schedulers to belong to the same optimizer"),
    (lambda opt: S.SequentialLR(opt, [S.StepLR(opt, 2), S.ReduceLROnPlateau(opt)], milestones=[4]), ValueError,
     "does not support `ReduceLROnPlateau`"),
    (lambda opt: S.SequentialLR(opt, [S.StepLR(opt, 2), object()], milestones=[4]), TypeError,
     "at index 1 should have `optimizer` as its attribute"),
    (lambda opt: S.ReduceLROnPlateau(opt, factor=1.0), ValueError, "Factor should be < 1.0"),
    (lambda opt: S.ReduceLROnPlateau(opt, mode="avg"), ValueError, "mode avg is unknown!"),
    (lambda opt: S.ReduceLROnPlateau(opt, threshold_mode="pct"), ValueError, "threshold mode pct is unknown!"),
    (lambda opt: S.ReduceLROnPlateau(opt, min_lr=[0.0]), ValueError, "expected 2 min_lrs, got 1"),
])
def test_bad_arguments_raise(build, error, match):
    with pytest.raises(error, match=match):
        build(make_optimizer())


# ----------------------------------------------------------------- ReduceLROnPlateau
def plateau_lrs(sched, opt, metrics):
    out = []
    for m in metrics:
        opt.step()
        sched.step(m)
        assert sched.get_last_lr() == [g["lr"] for g in opt.param_groups]
        out.append(sched.get_last_lr()[0])
    return out


def test_plateau_reduces_after_patience_runs_out():
    opt = make_optimizer()
    sched = S.ReduceLROnPlateau(opt, factor=0.5, patience=1)
    assert sched.get_last_lr() == list(BASES) and "initial_lr" not in opt.param_groups[0]
    # 1.0 sets best; 0.99995 is within the 1e-4 relative threshold, so not better (bad 1); the third
    # bad epoch in a row (bad 2 > patience 1) halves the rate; 0.5 is better and resets the count.
    got = plateau_lrs(sched, opt, [1.0, 0.99995, 1.0, 1.0, 1.0, 0.5, 0.6])
    assert got == [0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.025]
    assert sched.best == 0.5 and sched.num_bad_epochs == 1 and sched.last_epoch == 7


def test_plateau_mode_max_and_absolute_threshold():
    opt = make_optimizer()
    sched = S.ReduceLROnPlateau(opt, mode="max", factor=0.1, patience=0, threshold=0.5, threshold_mode="abs")
    # best 1.0; 1.4 is not above 1.0 + 0.5: reduce; 1.6 is: best 1.6; 2.0 is not: reduce
    got = plateau_lrs(sched, opt, [1.0, 1.4, 1.6, 2.0])
    lrs_close(got, [0.1, 0.01, 0.01, 0.001])
    assert sched.best == 1.6


@pytest.mark.parametrize("mode, threshold_mode, metrics, best", [
    # best 10, threshold 0.1: "better" means below 9 (rel), below 9.9 (abs), above 11 (rel), above 10.1 (abs)
    ("min", "rel", [10.0, 9.5, 9.0, 8.9], 8.9),
    ("min", "abs", [10.0, 9.95, 9.9, 9.5], 9.5),
    ("max", "rel", [10.0, 10.5, 11.0, 11.2], 11.2),
    ("max", "abs", [10.0, 10.05, 10.1, 10.5], 10.5),
])
def test_plateau_threshold_modes(mode, threshold_mode, metrics, best):
    opt = make_optimizer()
    sched = S.ReduceLROnPlateau(opt, mode=mode, threshold=0.1, threshold_mode=threshold_mode, patience=5)
    bad = []
    for m in metrics:
        sched.step(m)
        bad.append(sched.num_bad_epochs)
    assert bad == [0, 1, 2, 0]      # the second and third values are not better by the threshold; the last is
    assert sched.best == best


def test_plateau_cooldown_ignores_bad_epochs():
    opt = make_optimizer()
    sched = S.ReduceLROnPlateau(opt, factor=0.5, patience=0, cooldown=2)
    # reduce at epoch 2, then 2 epochs of cooldown in which bad epochs do not count, then reduce again
    got = plateau_lrs(sched, opt, [1.0, 2.0, 2.0, 2.0, 2.0, 2.0])
    assert got == [0.1, 0.05, 0.05, 0.05, 0.025, 0.025]


def test_plateau_min_lr_per_group_and_eps():
    opt = make_optimizer()
    sched = S.ReduceLROnPlateau(opt, factor=0.1, patience=0, min_lr=[0.02, 0.0], eps=1e-3)
    for m in [1.0, 2.0, 3.0]:
        sched.step(m)
    # group 0 stops at its min_lr 0.02; group 1: 0.03 -> 0.003 -> 0.0003 (cuts of 0.027 and 0.0027), and
    # the next cut (2.7e-4) is smaller than eps, so it is skipped
    lrs_close(sched.get_last_lr(), [0.02, 3e-4])
    sched.step(4.0)
    lrs_close(sched.get_last_lr(), [0.02, 3e-4])


def test_plateau_accepts_a_tensor_metric():
    opt = make_optimizer()
    sched = S.ReduceLROnPlateau(opt, patience=0)
    sched.step(mg.tensor(1.0))
    sched.step(mg.tensor([2.0]))
    assert sched.best == 1.0
    lrs_close(sched.get_last_lr(), [0.01, 0.003])


def test_plateau_new_param_group():
    opt = make_optimizer()
    scalar = S.ReduceLROnPlateau(opt, patience=0, min_lr=0.001)
    opt.add_param_group({"params": [mg.tensor([0.0], requires_grad=True)], "lr": 0.5})
    scalar.step(1.0)
    scalar.step(2.0)
    assert scalar.min_lrs == [0.001] * 3
    lrs_close(scalar.get_last_lr(), [0.01, 0.003, 0.05])

    opt = make_optimizer()
    per_group = S.ReduceLROnPlateau(opt, patience=0, min_lr=[0.0, 0.0])
    opt.add_param_group({"params": [mg.tensor([0.0], requires_grad=True)], "lr": 0.5})
    per_group.step(1.0)
    with pytest.raises(RuntimeError, match=r"The number of param groups in the `optimizer` \(3\) differs"):
        per_group.step(2.0)


def test_plateau_state_dict_round_trip(tmp_path):
    opt = make_optimizer()
    sched = S.ReduceLROnPlateau(opt, mode="max", factor=0.5, patience=1, cooldown=1)
    metrics = [0.1, 0.2, 0.2, 0.2, 0.3, 0.1, 0.1, 0.1, 0.1, 0.4, 0.4, 0.4, 0.4]
    plateau_lrs(sched, opt, metrics[:5])
    mg.io.save(tmp_path / "ckpt.npz", optimizer=opt.state_dict(), scheduler=sched.state_dict())
    rest = plateau_lrs(sched, opt, metrics[5:])

    loaded = mg.io.load(tmp_path / "ckpt.npz")
    opt2 = make_optimizer()
    sched2 = S.ReduceLROnPlateau(opt2)                      # other settings: the state dict brings them
    opt2.load_state_dict(loaded["optimizer"])
    sched2.load_state_dict(loaded["scheduler"])
    assert sched2.mode == "max" and sched2.mode_worse == -math.inf
    assert plateau_lrs(sched2, opt2, metrics[5:]) == rest
    assert rest != [rest[0]] * len(rest)                    # the rate did change after the checkpoint


# ----------------------------------------------------------------- parity with PyTorch
def torch_run(torch, scheduler, optimizer, steps=STEPS):
    out = [scheduler.get_last_lr()]
    for _ in range(steps):
        optimizer.step()
        scheduler.step()
        out.append(scheduler.get_last_lr())
        assert out[-1] == [g["lr"] for g in optimizer.param_groups]
    return np.array(out)


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_parity_with_torch(name, torch):
    T = torch.optim.lr_scheduler
    opt, topt = make_optimizer(), make_optimizer(torch)
    got = run(BUILDERS[name](S, opt), opt)
    expected = torch_run(torch, BUILDERS[name](T, topt), topt)
    lrs_close(got, expected)
    assert [g["initial_lr"] for g in opt.param_groups] == [g["initial_lr"] for g in topt.param_groups]


def test_parity_two_schedulers_on_one_optimizer(torch):
    def both(M, opt):
        return [M.StepLR(opt, step_size=5, gamma=0.5), M.ExponentialLR(opt, gamma=0.97),
                M.LinearLR(opt, start_factor=0.5, total_iters=8)]

    T = torch.optim.lr_scheduler
    opt, topt = make_optimizer(), make_optimizer(torch)
    scheds, tscheds = both(S, opt), both(T, topt)
    for _ in range(STEPS):
        opt.step()
        topt.step()
        for s, t in zip(scheds, tscheds):
            s.step()
            t.step()
            lrs_close(s.get_last_lr(), t.get_last_lr())
        lrs_close([g["lr"] for g in opt.param_groups], [g["lr"] for g in topt.param_groups])


RESUMING = {
    "LambdaLR": lambda M, opt, last: M.LambdaLR(opt, lambda e: 0.9 ** e, last_epoch=last),
    "MultiplicativeLR": lambda M, opt, last: M.MultiplicativeLR(opt, lambda e: 0.95, last_epoch=last),
    "StepLR": lambda M, opt, last: M.StepLR(opt, step_size=3, gamma=0.5, last_epoch=last),
    "MultiStepLR": lambda M, opt, last: M.MultiStepLR(opt, milestones=[6, 8, 8], gamma=0.3, last_epoch=last),
    "ConstantLR": lambda M, opt, last: M.ConstantLR(opt, factor=0.25, total_iters=7, last_epoch=last),
    "LinearLR": lambda M, opt, last: M.LinearLR(opt, start_factor=0.2, total_iters=10, last_epoch=last),
    "ExponentialLR": lambda M, opt, last: M.ExponentialLR(opt, gamma=0.93, last_epoch=last),
    "CosineAnnealingLR": lambda M, opt, last: M.CosineAnnealingLR(opt, T_max=6, eta_min=1e-3, last_epoch=last),
}


@pytest.mark.parametrize("name", sorted(RESUMING))
@pytest.mark.parametrize("last_epoch", [0, 5, 6, 9])
def test_parity_with_torch_resuming_from_last_epoch(name, last_epoch, torch):
    opt, topt = make_optimizer(), make_optimizer(torch)
    for o in (opt, topt):
        for g, lr in zip(o.param_groups, (0.07, 0.02)):
            g["initial_lr"], g["lr"] = g["lr"], lr      # as an earlier run left them
    got = run(RESUMING[name](S, opt, last_epoch), opt)
    expected = torch_run(torch, RESUMING[name](torch.optim.lr_scheduler, topt, last_epoch), topt)
    lrs_close(got, expected)


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_loads_a_torch_state_dict(name, torch):
    T = torch.optim.lr_scheduler
    topt = make_optimizer(torch)
    tsched = BUILDERS[name](T, topt)
    torch_run(torch, tsched, topt, steps=9)
    opt = make_optimizer()
    sched = BUILDERS[name](S, opt)
    for g, tg in zip(opt.param_groups, topt.param_groups):
        g["lr"], g["initial_lr"] = tg["lr"], tg["initial_lr"]
    sched.load_state_dict(tsched.state_dict())
    lrs_close(run(sched, opt, steps=15), torch_run(torch, tsched, topt, steps=15))


PLATEAU_CASES = [
    dict(),
    dict(mode="max", patience=2),
    dict(mode="min", threshold_mode="abs", threshold=0.05, patience=1, factor=0.5),
    dict(mode="max", threshold_mode="abs", threshold=0.05, patience=0, cooldown=2, factor=0.3),
    dict(mode="min", patience=0, cooldown=1, min_lr=[0.01, 0.001], factor=0.5),
    dict(mode="min", patience=0, min_lr=0.005, eps=1e-3, factor=0.7),
    dict(mode="max", threshold=0.2, patience=1, cooldown=3, factor=0.5),
]


@pytest.mark.parametrize("kwargs", PLATEAU_CASES, ids=[str(sorted(k.items())) for k in PLATEAU_CASES])
def test_reduce_on_plateau_parity_with_torch(kwargs, torch):
    gen = np.random.default_rng(3)
    # plateaus, slow drifts inside the threshold, jumps both ways
    metrics = np.concatenate([np.full(6, 1.0), 1.0 - 1e-5 * np.arange(6), gen.uniform(0.5, 1.5, 20),
                              np.linspace(0.4, 2.0, 10), np.full(8, 2.0)])
    opt, topt = make_optimizer(), make_optimizer(torch)
    sched = S.ReduceLROnPlateau(opt, **kwargs)
    tsched = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kwargs)
    lr_changes = 0
    for m in metrics:
        before = sched.get_last_lr()
        opt.step()
        topt.step()
        sched.step(float(m))
        tsched.step(float(m))
        lrs_close(sched.get_last_lr(), tsched.get_last_lr())
        lrs_close([g["lr"] for g in opt.param_groups], [g["lr"] for g in topt.param_groups])
        assert (sched.best, sched.num_bad_epochs, sched.cooldown_counter) == \
            (tsched.best, tsched.num_bad_epochs, tsched.cooldown_counter)
        lr_changes += sched.get_last_lr() != before
    assert lr_changes > 0                                    # every case exercises a reduction
