"""The two-phase trainer: detach and freeze properties, exact resume, the NaN stop, smoke runs."""
import json

import numpy as np
import pytest

import minigan as mg
from minigan.gan.losses import LOSSES
from minigan.gan.trainer import GANConfig, GANDiverged, Trainer


def _images(size=16, n=64):
    return mg.data.load_digits(size=size)[0][:n]


def _tiny(**kw):
    base = dict(model="dcgan", size=16, width=4, nz=8, batch=16, steps=4, judge=False, sample_every=0,
                checkpoint_every=0, seed=3)
    base.update(kw)
    return GANConfig(**base)


def _arrays(module):
    return {k: v.numpy() for k, v in module.state_dict().items()}


def _params(module):
    return [p.numpy() for p in module.parameters()]


def test_discriminator_step_detaches_the_fakes():
    t = Trainer(_tiny(), _images())
    g_before, d_before = _params(t.G), _params(t.D)
    rec = t.d_step()
    assert all(p.grad is None for p in t.G.parameters())          # no gradient reached G
    assert all(np.array_equal(a, p.numpy()) for a, p in zip(g_before, t.G.parameters()))
    assert any(not np.array_equal(a, p.numpy()) for a, p in zip(d_before, t.D.parameters()))
    assert rec["grad_d"] > 0 and 0 < rec["d_real"] < 1 and 0 < rec["d_fake"] < 1


def test_generator_step_leaves_d_bit_identical_and_without_gradients():
    t = Trainer(_tiny(), _images())
    t.d_step()
    d_before, g_before = _params(t.D), _params(t.G)
    rec = t.g_step()
    for a, p in zip(d_before, t.D.parameters()):
        assert np.array_equal(a, p.numpy())                       # bit-identical
        assert p.grad is None                                     # nothing left to leak into D's next step
        assert p.requires_grad                                    # and D is trainable again
    assert any(not np.array_equal(a, p.numpy()) for a, p in zip(g_before, t.G.parameters()))
    assert rec["grad_g"] > 0


def test_d_gradient_of_next_step_is_its_own_loss_only(tmp_path):
    """D's update after a G step uses exactly the gradient of J(D): a run with a G step in between
    and one that restores the same state without it give D the same gradient and the same update."""
    a = Trainer(_tiny(), _images())
    a.d_step()
    a.g_step()
    a.save(tmp_path / "c.npz")
    rec_a = a.d_step()
    b = Trainer(_tiny(), _images())
    b.load_state_dict(mg.io.load(tmp_path / "c.npz"))   # same weights, optimizers, RNG, loader; no .grad
    rec_b = b.d_step()
    assert rec_a["grad_d"] == rec_b["grad_d"] and rec_a["loss_d"] == rec_b["loss_d"]
    assert all(np.array_equal(p.numpy(), q.numpy()) for p, q in zip(a.D.parameters(), b.D.parameters()))


def test_spectral_norm_on_d():
    """Every weighted layer of D divides its weight by the power-iteration estimate u^T W v of its largest
    singular value; G is untouched; the vectors u, v are state that the checkpoint carries."""
    t = Trainer(_tiny(d_spectral_norm=True), _images())
    layers = [m for m in t.D.modules() if isinstance(m, (mg.nn.Linear, mg.nn.Conv2d))]
    assert layers and all("weight_orig" in dict(m.named_parameters()) for m in layers)
    assert not any("weight_orig" in name for name, _ in t.G.named_parameters())
    assert any(k.endswith("weight_u") for k in t.D.state_dict())
    t.train_step()
    for m in layers:
        w = m.weight_orig.numpy().reshape(m.weight_orig.shape[0], -1)
        sigma = m.weight_u.numpy() @ w @ m.weight_v.numpy()
        np.testing.assert_allclose(m.weight.numpy(), m.weight_orig.numpy() / sigma, rtol=1e-5)


def test_skip_d_below_threshold():
    t = Trainer(_tiny(d_skip_below=100.0), _images())     # J(D) is always below 100: never step D
    d_before = _params(t.D)
    rec = t.train_step()
    assert rec["d_skipped"] == 1
    assert all(np.array_equal(a, p.numpy()) for a, p in zip(d_before, t.D.parameters()))


@pytest.mark.parametrize("d_steps,spectral,augment", [(1, False, ""), (2, False, ""), (1, True, ""),
                                                     (1, False, "color,translation,cutout")])
def test_resume_is_exact(tmp_path, d_steps, spectral, augment):
    images = _images(n=64)                       # 4 batches an epoch: the runs cross epochs mid-way
    full = Trainer(_tiny(steps=6, d_steps=d_steps, d_spectral_norm=spectral, augment=augment), images)
    full.fit(None, quiet=True)

    first = Trainer(_tiny(steps=3, d_steps=d_steps, d_spectral_norm=spectral, augment=augment), images)
    first.fit(tmp_path, quiet=True)
    again = Trainer.from_checkpoint(tmp_path / "checkpoint.npz", images, steps=6)
    assert again.step == 3
    again.fit(None, quiet=True)

    for name in ("G", "D"):
        want, got = _arrays(getattr(full, name)), _arrays(getattr(again, name))
        assert want.keys() == got.keys()
        for k in want:                            # parameters and BatchNorm buffers
            assert np.array_equal(want[k], got[k]), f"{name}.{k} differs after resume"
    assert full.history == again.history
    sw, sg = full.opt_g.state_dict()["state"], again.opt_g.state_dict()["state"]
    assert all(np.array_equal(sw[i]["exp_avg_sq"], sg[i]["exp_avg_sq"]) for i in sw)


def test_nan_loss_stops_and_keeps_last_good_checkpoint(tmp_path):
    images = _images()
    t = Trainer(_tiny(steps=2, checkpoint_every=1), images)
    t.fit(tmp_path, quiet=True)
    before = (tmp_path / "checkpoint.npz").read_bytes()
    t.config.steps = 5
    with mg.no_grad():
        next(t.D.parameters()).data[...] = np.nan               # D now outputs NaN
    with pytest.raises(GANDiverged, match="step 3: the discriminator loss is nan"):
        t.fit(tmp_path, quiet=True)
    assert (tmp_path / "checkpoint.npz").read_bytes() == before
    saved = mg.io.load(tmp_path / "checkpoint.npz")
    assert int(saved["step"]) == 2 and all(np.isfinite(v).all() for v in saved["D"].values())
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert "step 3" in metrics["stopped"]


class _NaNGradient(mg.Function):
    """The identity whose backward hands on NaN: a finite loss with a NaN gradient."""

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad * float("nan")


def _finite_checkpoint(path, step):
    saved = mg.io.load(path)
    assert int(saved["step"]) == step
    for name in ("G", "D"):
        assert all(np.isfinite(v).all() for v in saved[name].values()), name


def test_nan_gradient_with_finite_loss_stops_before_the_step(tmp_path, monkeypatch):
    from minigan.gan import losses as L
    t = Trainer(_tiny(steps=2, checkpoint_every=1), _images())
    t.fit(tmp_path, quiet=True)
    before = (tmp_path / "checkpoint.npz").read_bytes()
    d_before = _params(t.D)
    plain = L.discriminator_loss
    monkeypatch.setattr(L, "discriminator_loss", lambda r, f, smooth=0.0: plain(_NaNGradient.apply(r), f, smooth))
    t.config.steps = 5
    with pytest.raises(GANDiverged, match=r"step 3: the norm of the discriminator's gradient is nan.*is kept\); "
                                          r"`minigan gan train --detect-anomaly`.*names the op"):
        t.fit(tmp_path, quiet=True)
    # D did not step with the NaN gradient (its BatchNorm statistics did see the step's batch)
    assert all(np.array_equal(a, p.numpy()) for a, p in zip(d_before, t.D.parameters()))
    assert (tmp_path / "checkpoint.npz").read_bytes() == before
    _finite_checkpoint(tmp_path / "checkpoint.npz", 2)


def test_anomaly_detection_names_the_op_that_made_the_nan_gradient(tmp_path, monkeypatch):
    """What the divergence message points to: under mg.autograd.detect_anomaly the same run stops inside the
    backward, at the op whose backward made the NaN, and the last good checkpoint is kept all the same."""
    from minigan.gan import losses as L
    t = Trainer(_tiny(steps=2, checkpoint_every=1), _images())
    t.fit(tmp_path, quiet=True)
    before = (tmp_path / "checkpoint.npz").read_bytes()
    plain = L.discriminator_loss
    monkeypatch.setattr(L, "discriminator_loss", lambda r, f, smooth=0.0: plain(_NaNGradient.apply(r), f, smooth))
    t.config.steps = 5
    with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):
        with mg.autograd.detect_anomaly():
            with pytest.warns(UserWarning, match="Error detected in _NaNGradientBackward0"):
                with pytest.raises(RuntimeError, match="'_NaNGradientBackward0' returned nan values in its 0th"):
                    t.fit(tmp_path, quiet=True)
    assert (tmp_path / "checkpoint.npz").read_bytes() == before


def test_non_finite_parameters_are_not_saved(tmp_path, monkeypatch):
    t = Trainer(_tiny(steps=2, checkpoint_every=2), _images())
    t.fit(tmp_path, quiet=True)
    before = (tmp_path / "checkpoint.npz").read_bytes()
    step = t.opt_g.step

    def overflowing_step():                 # step 4's update overflows: finite loss and gradient, inf weight
        step()
        if t.step == 3:
            next(t.G.parameters()).data[0] = np.inf
    monkeypatch.setattr(t.opt_g, "step", overflowing_step)
    t.config.steps = 4
    with pytest.raises(GANDiverged, match=r"step 4: G\.net\.0\.weight holds NaN or inf.*checkpoint is kept"):
        t.fit(tmp_path, quiet=True)
    assert (tmp_path / "checkpoint.npz").read_bytes() == before
    _finite_checkpoint(tmp_path / "checkpoint.npz", 2)
    assert "step 4" in json.loads((tmp_path / "metrics.json").read_text())["stopped"]


@pytest.mark.parametrize("loss", LOSSES)
def test_smoke_every_loss(loss, tmp_path):
    t = Trainer(_tiny(loss=loss, steps=2, sample_every=2, checkpoint_every=2), _images())
    summary = t.fit(tmp_path, quiet=True)
    assert summary["step"] == 2 and np.isfinite(summary["last50"]["loss_g"])
    for name in ("losses.png", "metrics.json", "checkpoint.npz", "samples.png", "samples/step_000002.png"):
        assert (tmp_path / name).is_file(), name


@pytest.mark.parametrize("model,size", [("dcgan", 28), ("dcgan", 32), ("fc", 8), ("course28", 28)])
def test_smoke_every_model(model, size):
    t = Trainer(_tiny(model=model, size=size, nz=100 if model == "course28" else 8, batch=8, steps=2),
                _images(size=size, n=16))             # 28x28: the digits upscaled
    t.fit(None, quiet=True)
    assert t.step == 2 and all(np.isfinite(v).all() for v in t.history.values())
    assert t.samples().shape == (64, 1, size, size)


def test_sampling_and_judging_change_nothing():
    from minigan.gan.classifier import load_classifier
    t = Trainer(_tiny(n_quality=20), _images())
    t.train_step()
    before = _arrays(t.G)
    rng_before = mg.backend.get_rng_state()
    load_classifier.cache_clear()          # the first evaluation builds the classifier
    t.samples(), t.samples(20, seed=5), t.evaluate()
    assert all(np.array_equal(v, t.G.state_dict()[k].numpy()) for k, v in before.items())
    assert str(mg.backend.get_rng_state()) == str(rng_before)


def test_quality_is_logged_during_training():
    t = Trainer(_tiny(steps=2, sample_every=1, judge=True, n_quality=50), _images())
    t.fit(None, quiet=True)
    assert [q["step"] for q in t.quality] == [1, 2]
    assert set(t.quality[0]) >= {"confident", "histogram", "classes", "frechet", "warning"}


def test_config_errors_name_the_value():
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        GANConfig(loss="hinge")
    with pytest.raises(ValueError, match="--smooth"):
        GANConfig(smooth=1.5)
    with pytest.raises(ValueError, match="fewer than one batch"):
        Trainer(_tiny(batch=128), _images(n=64))


def test_two_phase_step_on_every_device(device):
    t = Trainer(_tiny(device=device, steps=1, judge=True, n_quality=40), _images())
    t.fit(None, quiet=True)
    assert t.G.state_dict()["net.0.weight"].device == device
    assert all(np.isfinite(v).all() for v in t.history.values())
    assert t.quality[-1]["n"] == 40
