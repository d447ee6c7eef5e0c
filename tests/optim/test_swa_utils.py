"""Weight averaging (minigan.optim.swa_utils): AveragedModel, the averaging functions, update_bn and SWALR, held
against torch.optim.swa_utils on the same models, weights, data and schedules; an independent closed form for
the averages and SWALR's rates; state dicts; and the errors."""
import copy
import io
import math

import numpy as np
import pytest

import minigan as mg
import minigan.nn as nn
from minigan.optim import SGD
from minigan.optim import swa_utils as S
from helpers import host

STEPS = 5


def make_model(lib):
    """Linear(3, 5) -> BatchNorm1d(5) -> ReLU -> Linear(5, 2), float64, in minigan or torch (``lib``)."""
    n = nn if lib is mg else lib.nn
    model = n.Sequential(n.Linear(3, 5), n.BatchNorm1d(5), n.ReLU(), n.Linear(5, 2))
    return model.double()


def twins(torch):
    """A minigan model and its torch twin with the same weights and buffers."""
    model, t_model = make_model(mg), make_model(torch)
    t_model.load_state_dict({k: torch.tensor(host(v)) for k, v in model.state_dict().items()})
    return model, t_model


def set_weights(model, t_model, torch, step):
    """New weights (the same in both) and a training forward on the same batch, which moves the running
    statistics and counts a batch in both."""
    gen = np.random.default_rng(100 + step)
    new = {name: gen.standard_normal(p.shape) for name, p in model.named_parameters()}
    model.load_state_dict(new, strict=False)
    t_model.load_state_dict({k: torch.tensor(v) for k, v in new.items()}, strict=False)
    x = gen.standard_normal((6, 3))
    model(mg.tensor(x))
    t_model(torch.tensor(x))
    return new


def assert_same_state(averaged, t_averaged, rtol=1e-12):
    ours, theirs = averaged.state_dict(), t_averaged.state_dict()
    assert list(ours) == list(theirs)
    for key, value in theirs.items():
        got = host(ours[key])
        assert got.dtype == np.dtype(str(value.dtype).replace("torch.", "")), key
        np.testing.assert_allclose(got, value.numpy(), rtol=rtol, atol=rtol, err_msg=key)


# Each entry builds the averaging arguments in either library (``U`` is its swa_utils module).
AVERAGES = {
    "equal": lambda U: {},
    "swa_avg_fn": lambda U: {"avg_fn": U.get_swa_avg_fn()},
    "ema_avg_fn": lambda U: {"avg_fn": U.get_ema_avg_fn(0.7)},
    "ema_multi": lambda U: {"multi_avg_fn": U.get_ema_multi_avg_fn(0.7)},
    "swa_multi": lambda U: {"multi_avg_fn": U.get_swa_multi_avg_fn()},
}


# torch's swa multi_avg_fn refuses integer buffers, so it is not run with use_buffers: see
# test_swa_multi_on_integer_buffers.
@pytest.mark.parametrize("kind,use_buffers", [(kind, use) for kind in AVERAGES for use in (False, True)
                                              if not (kind == "swa_multi" and use)])
def test_averaged_model_matches_torch(torch, kind, use_buffers):
    from torch.optim import swa_utils as TS
    model, t_model = twins(torch)
    averaged = S.AveragedModel(model, use_buffers=use_buffers, **AVERAGES[kind](S))
    t_averaged = TS.AveragedModel(t_model, use_buffers=use_buffers, **AVERAGES[kind](TS))
    # torch's swa multi_avg_fn rounds its weight 1 / (n + 1) to float32 (a tensor of the default dtype);
    # minigan's keeps it in double precision.
    rtol = 1e-6 if kind == "swa_multi" else 1e-12
    assert_same_state(averaged, t_averaged)
    for step in range(STEPS):
        set_weights(model, t_model, torch, step)
        averaged.update_parameters(model)
        t_averaged.update_parameters(t_model)
        assert_same_state(averaged, t_averaged, rtol)
    assert averaged.n_averaged.item() == STEPS and averaged.n_averaged.dtype == np.int64
    x = np.random.default_rng(0).standard_normal((4, 3))
    averaged.eval()
    t_averaged.eval()
    np.testing.assert_allclose(averaged(mg.tensor(x)).numpy(), t_averaged(torch.tensor(x)).detach().numpy(),
                               rtol=rtol, atol=rtol)


@pytest.mark.parametrize("decay", [0.0, 0.6, 1.0])
def test_averages_follow_their_closed_forms(decay):
    """Equal average = the mean of the weights seen; EMA = decay**(n-1) * W_1 + sum (1 - decay) decay**(n-k) W_k;
    both copy the first model. Buffers follow the model when they are not averaged."""
    model = make_model(mg)
    equal, ema = S.AveragedModel(model), S.AveragedModel(model, multi_avg_fn=S.get_ema_multi_avg_fn(decay))
    seen = []
    for step in range(STEPS):
        gen = np.random.default_rng(step)
        w = gen.standard_normal((5, 3))
        model[0].weight.data[...] = w
        model(mg.tensor(gen.standard_normal((4, 3))))
        seen.append(w)
        equal.update_parameters(model)
        ema.update_parameters(model)
    np.testing.assert_allclose(equal.module[0].weight.numpy(), np.mean(seen, axis=0), rtol=1e-12)
    expected = seen[0]
    for w in seen[1:]:
        expected = decay * expected + (1 - decay) * w
    np.testing.assert_allclose(ema.module[0].weight.numpy(), expected, rtol=1e-12, atol=1e-12)
    for averaged in (equal, ema):
        np.testing.assert_array_equal(averaged.module[1].running_mean.numpy(), model[1].running_mean.numpy())
        assert averaged.module[1].num_batches_tracked.item() == STEPS


def test_averaged_model_is_a_copy_on_its_device(device):
    model = make_model(mg)
    averaged = S.AveragedModel(model, device=device)
    assert averaged.n_averaged.device == mg.device(device) and averaged.module[0].weight.device == mg.device(device)
    assert averaged.module[0].weight is not model[0].weight
    with mg.no_grad():
        model[0].weight.add_(1.0)
    assert not np.allclose(host(averaged.module[0].weight), model[0].weight.numpy())
    averaged.update_parameters(model)                           # the model stays on the CPU
    np.testing.assert_array_equal(host(averaged.module[0].weight), model[0].weight.numpy())
    assert averaged.module[0].weight.requires_grad and averaged.module[0].weight.grad is None


def test_swa_multi_on_integer_buffers():
    """torch's get_swa_multi_avg_fn raises on int64 buffers (num_batches_tracked, averaged with
    use_buffers=True); minigan's averages them as avg_fn does, truncating, so the two fns agree."""
    model = make_model(mg)
    multi = S.AveragedModel(model, multi_avg_fn=S.get_swa_multi_avg_fn(), use_buffers=True)
    single = S.AveragedModel(model, avg_fn=S.get_swa_avg_fn(), use_buffers=True)
    for step in range(STEPS):
        model[0].weight.data[...] = step
        model(mg.tensor(np.random.default_rng(step).standard_normal((4, 3))))
        multi.update_parameters(model)
        single.update_parameters(model)
    for (key, a), b in zip(multi.state_dict().items(), single.state_dict().values()):
        assert a.dtype == b.dtype
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, err_msg=key)
    np.testing.assert_allclose(multi.module[0].weight.numpy(), 2.0)     # mean of 0..4
    assert multi.module[1].num_batches_tracked.dtype == np.int64


def test_state_dict_round_trip(torch):
    from torch.optim import swa_utils as TS
    model = make_model(mg)
    averaged = S.AveragedModel(model, multi_avg_fn=S.get_ema_multi_avg_fn(0.9), use_buffers=True)
    assert list(averaged.state_dict()) == list(TS.AveragedModel(make_model(torch)).state_dict())
    assert list(averaged.state_dict())[0] == "n_averaged"
    for step in range(3):
        model[0].weight.data[...] = step
        averaged.update_parameters(model)
    buf = io.BytesIO()
    mg.save(averaged.state_dict(), buf)
    buf.seek(0)
    restored = S.AveragedModel(make_model(mg), multi_avg_fn=S.get_ema_multi_avg_fn(0.9), use_buffers=True)
    result = restored.load_state_dict(mg.load(buf))
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert restored.n_averaged.item() == 3 and restored.n_averaged.dtype == np.int64
    model[0].weight.data[...] = 10.0
    averaged.update_parameters(model)
    restored.update_parameters(model)                          # resumes averaging rather than copying
    np.testing.assert_array_equal(restored.module[0].weight.numpy(), averaged.module[0].weight.numpy())
    assert not np.allclose(restored.module[0].weight.numpy(), 10.0)


def test_averaged_model_errors():
    model = make_model(mg)
    with pytest.raises(AssertionError, match="Only one of avg_fn and multi_avg_fn"):
        S.AveragedModel(model, avg_fn=S.get_swa_avg_fn(), multi_avg_fn=S.get_swa_multi_avg_fn())
    with pytest.raises(TypeError, match="AveragedModel: expected an nn.Module.*got list"):
        S.AveragedModel([model])
    for make in (S.get_ema_avg_fn, S.get_ema_multi_avg_fn):
        for decay in (-0.1, 1.5):
            with pytest.raises(ValueError, match=rf"Invalid decay value {decay} provided.*\[0,1\] range"):
                make(decay)


# ----------------------------------------------------------------------------------- update_bn
def bn_net(lib):
    n = nn if lib is mg else lib.nn
    return n.Sequential(n.Conv2d(2, 3, 3, padding=1), n.BatchNorm2d(3, momentum=0.3), n.ReLU(), n.Flatten(),
                        n.Linear(48, 8), n.BatchNorm1d(8), n.Unflatten(1, (4, 2)),
                        n.InstanceNorm1d(4, track_running_stats=True)).double()


@pytest.mark.parametrize("as_pairs", [False, True])
def test_update_bn_matches_torch(torch, as_pairs):
    from torch.optim import swa_utils as TS
    model, t_model = bn_net(mg), bn_net(torch)
    gen = np.random.default_rng(3)
    with torch.no_grad():     # some non-default statistics to forget
        for name, t in t_model.state_dict().items():
            if "running" in name:
                t.copy_(torch.tensor(gen.uniform(0.5, 2.0, t.shape)))
    model.load_state_dict({k: host(v) for k, v in t_model.state_dict().items()})
    batches = [gen.standard_normal((n, 2, 4, 4)) for n in (5, 3, 7)]
    loader = [(mg.tensor(b), 0) if as_pairs else mg.tensor(b) for b in batches]
    t_loader = [(torch.tensor(b), 0) if as_pairs else torch.tensor(b) for b in batches]
    model.eval()
    t_model.eval()
    S.update_bn(loader, model)
    TS.update_bn(t_loader, t_model)
    ours = model.state_dict()
    for key, value in t_model.state_dict().items():
        np.testing.assert_allclose(host(ours[key]), value.numpy(), rtol=1e-12, atol=1e-12, err_msg=key)
    assert ours["1.num_batches_tracked"].item() == 3
    assert not model.training and not model[1].training
    assert model[1].momentum == 0.3 and model[5].momentum == 0.1 and model[7].momentum == 0.1
    # the statistics are the plain mean over batches of each batch's mean (momentum None); in the pass the
    # layers below normalised with each batch's own statistics, as a copy in training mode does
    below = copy.deepcopy(model).train()[:5]
    feats = [below(mg.tensor(b)).numpy() for b in batches]
    np.testing.assert_allclose(model[5].running_mean.numpy(), np.mean([f.mean(0) for f in feats], axis=0),
                               rtol=1e-10)


def test_update_bn_device_and_no_batch_norm(device):
    model = bn_net(mg).to(device)
    batches = [mg.randn(4, 2, 4, 4, dtype=mg.float64) for _ in range(2)]      # on the CPU: moved by update_bn
    S.update_bn(batches, model, device=device)
    assert model[5].num_batches_tracked.item() == 2 and model.training
    plain = nn.Sequential(nn.Linear(3, 2))
    before = plain[0].weight.numpy()
    S.update_bn([mg.randn(2, 3)], plain.eval())
    assert not plain.training
    np.testing.assert_array_equal(plain[0].weight.numpy(), before)


# ----------------------------------------------------------------------------------- SWALR
def two_groups(lib):
    a, b = lib.zeros(2, requires_grad=True), lib.zeros(3, requires_grad=True)
    opt = (SGD if lib is mg else lib.optim.SGD)([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=1.0)
    return opt


@pytest.mark.parametrize("anneal_epochs", [0, 1, 4, 7])
@pytest.mark.parametrize("strategy", ["cos", "linear"])
def test_swalr_matches_torch(torch, strategy, anneal_epochs):
    from torch.optim import swa_utils as TS
    opt, t_opt = two_groups(mg), two_groups(torch)
    sched = S.SWALR(opt, swa_lr=[0.05, 0.2], anneal_epochs=anneal_epochs, anneal_strategy=strategy)
    t_sched = TS.SWALR(t_opt, swa_lr=[0.05, 0.2], anneal_epochs=anneal_epochs, anneal_strategy=strategy)
    f = (lambda t: (1 - math.cos(math.pi * t)) / 2) if strategy == "cos" else (lambda t: t)
    for epoch in range(12):
        if epoch:
            opt.step()
            t_opt.step()
            sched.step()
            t_sched.step()
        np.testing.assert_allclose(sched.get_last_lr(), t_sched.get_last_lr(), rtol=1e-12, atol=1e-15)
        alpha = f(min(1.0, epoch / anneal_epochs)) if anneal_epochs else 1.0
        closed = [alpha * swa + (1 - alpha) * lr0 for swa, lr0 in ((0.05, 1.0), (0.2, 0.5))]
        np.testing.assert_allclose(sched.get_last_lr(), closed, rtol=1e-12, atol=1e-15)
    assert [g["swa_lr"] for g in opt.param_groups] == [0.05, 0.2]


def test_swalr_state_dict_resumes():
    """Save mid-annealing; build a new scheduler, load the optimizer's then the scheduler's state: the rates
    go on as before (the anneal function comes back from its name, not from the constructor's argument)."""
    opt = two_groups(mg)
    sched = S.SWALR(opt, swa_lr=0.1, anneal_epochs=6, anneal_strategy="linear")
    for _ in range(2):
        sched.step()
    state = sched.state_dict()
    assert "anneal_func" not in state and state["_anneal_strategy"] == "linear"
    buf = io.BytesIO()
    mg.save({"opt": opt.state_dict(), "sched": state}, buf)
    buf.seek(0)
    expected = []
    for _ in range(5):
        sched.step()
        expected.append(sched.get_last_lr())
    saved = mg.load(buf)
    opt2 = two_groups(mg)
    resumed = S.SWALR(opt2, swa_lr=0.1, anneal_epochs=6, anneal_strategy="cos")
    opt2.load_state_dict(saved["opt"])
    resumed.load_state_dict(saved["sched"])
    got = []
    for _ in range(5):
        resumed.step()
        got.append(resumed.get_last_lr())
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_swalr_errors(torch):
    from torch.optim import swa_utils as TS
    cases = [({"swa_lr": [0.1, 0.2, 0.3]}, "swa_lr must have the same length as optimizer.param_groups"),
             ({"swa_lr": 0.1, "anneal_strategy": "exp"}, "anneal_strategy must be one of 'cos' or 'linear'"),
             ({"swa_lr": 0.1, "anneal_epochs": -1}, "anneal_epochs must be equal or greater than 0, got -1"),
             ({"swa_lr": 0.1, "anneal_epochs": 2.0}, "anneal_epochs must be equal or greater than 0, got 2.0")]
    for kwargs, message in cases:
        with pytest.raises(ValueError, match=message):
            S.SWALR(two_groups(mg), **kwargs)
        with pytest.raises(ValueError, match=message):
            TS.SWALR(two_groups(torch), **kwargs)
    with pytest.raises(TypeError, match="is not an Optimizer"):
        S.SWALR(object(), swa_lr=0.1)
