"""The two-phase GAN trainer.

One training step (``d_steps`` = k discriminator steps, then one generator step)::

    phase 1, D (k times):  x ~ data, z ~ N(0, I)
                           J(D) = 1/2 BCE(D(x), 1 - smooth) + 1/2 BCE(D(G(z).detach()), 0)
                           (real target 1 by default; smooth = 0.1 is one-sided label smoothing, 0.9).
                           G(z) is detached: no gradient reaches G. Skipped (not stepped) while
                           J(D) < d_skip_below, so a too-strong D waits for G to catch up.
    phase 2, G (once):     z ~ N(0, I) fresh, J(G) from D(G(z)) toward "real";
                           D's parameters are frozen (requires_grad off): G's backward goes
                           *through* D but leaves no gradient in it, and only G's optimizer steps.

Every step logs both losses, mean D(x) and D(G(z)) (the probabilities; for WGAN-GP the raw critic
scores) and the gradient norms of D and G. A checkpoint (models, optimizers, RNG, the loader's
position, the step, the history) is written atomically every ``checkpoint_every`` steps; a run
resumed from it (:meth:`Trainer.from_checkpoint`) makes exactly the steps the uninterrupted run
would have made (on the CPU, whose generator state is saved). A NaN or inf loss, or a NaN or inf
gradient (its norm is checked after backward), stops training with :class:`GANDiverged`, naming
the step, before that optimizer steps with it; and parameters that are not finite when samples or
a checkpoint are due (an update that overflowed) stop it before they are used or saved. Either way
the last good checkpoint stays as it was.
"""
from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import time
from pathlib import Path

import numpy as np

import minigan as mg
from minigan import backend

from . import losses as L
from .augment import diff_augment, parse_policy
from .models import build_models

__all__ = ["GANConfig", "Trainer", "GANDiverged", "generate"]

CHECKPOINT = "checkpoint.npz"


@dataclasses.dataclass
class GANConfig:
    """Everything that decides a run. The defaults are those of ``minigan gan train``."""
    data: str = "digits"              # the --data it was given (recorded so a resumed run finds it)
    model: str = "fc"                 # fc | dcgan | course28
    size: int = 8                     # image side; the data are resized to it (the digits are 8x8)
    channels: int = 1
    width: int = 32                   # DCGAN's ngf = ndf
    nz: int = 100
    loss: str = "non_saturating"      # non_saturating | minimax | max_likelihood | wgan_gp
    steps: int = 6000                 # generator steps in all
    batch: int = 64
    lr_d: float = 2e-4
    lr_g: float = 2e-4
    betas_d: tuple = (0.5, 0.999)
    betas_g: tuple = (0.5, 0.999)
    d_steps: int = 1                  # discriminator steps per generator step
    d_skip_below: float | None = None  # skip D's update while J(D) is below this
    smooth: float = 0.0               # one-sided label smoothing: real target 1 - smooth (0: target 1)
    d_spectral_norm: bool = False     # spectral normalization on every weighted layer of D
    augment: str = ""                 # DiffAugment before every D: "color", "translation", "cutout", comma-joined
    gp_weight: float = 10.0           # WGAN-GP's lambda
    seed: int = 0
    device: str = "cpu"
    sample_every: int = 500           # sample grid and quality figures every so many steps (0: end only)
    checkpoint_every: int = 500       # checkpoint every so many steps (0: end only)
    n_quality: int = 500              # samples judged by the digit classifier
    judge: bool = True                # compute the digit-classifier figures (digit data only)

    def __post_init__(self) -> None:
        if self.loss not in L.LOSSES:
            raise ValueError(f"--loss: unknown loss {self.loss!r}; choose one of {', '.join(L.LOSSES)}")
        for name in ("steps", "batch", "d_steps", "nz", "width"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"--{name.replace('_', '-')} must be at least 1, got {getattr(self, name)}")
        parse_policy(self.augment)                    # an unknown name fails here, naming it
        if not 0.0 <= self.smooth < 1.0:
            raise ValueError(f"--smooth must be in [0, 1) (0.1 makes the real target 0.9), got {self.smooth}")
        self.betas_d, self.betas_g = tuple(self.betas_d), tuple(self.betas_g)


class GANDiverged(RuntimeError):
    """A loss, a gradient or a parameter became NaN or infinite; training stopped without stepping
    with it, or without saving it."""


@contextlib.contextmanager
def _buffers_kept(model: mg.nn.Module):
    """Run ``model`` in training mode (batch statistics) and put its buffers back afterwards, so that
    looking at samples changes nothing in the run."""
    saved = [(b, b.data.copy()) for b in model.buffers()]
    was_training = model.training
    model.train()
    try:
        yield
    finally:
        for b, data in saved:
            b.data[...] = data
            b._bump_version()
        model.train(was_training)


@mg.no_grad()
def generate(G, z, batch_size: int = 500):
    """Images from noise ``z (N, nz)``, with BatchNorm on the batch's statistics (as in training:
    a young generator's running averages lag behind its weights) and G's buffers left as they were.
    A single sample has no batch statistics: it uses the running averages."""
    if z.shape[0] < 2:
        was_training = G.training
        out = G.eval()(z)
        G.train(was_training)
        return out
    with _buffers_kept(G):
        parts = [G(z[i:i + batch_size]).data for i in range(0, z.shape[0], batch_size)]
    xp = backend.xp_of(parts[0])
    return mg.Tensor(xp.concatenate(parts))


def _grad_norm(module) -> float:
    total = 0.0
    for p in module.parameters():
        if p.grad is not None:
            total += float((p.grad.data.astype(np.float64) ** 2).sum())
    return math.sqrt(total)


def _noise(n: int, nz: int, seed, device: str):
    """Noise from its own generator (not the training one), for sample grids and quality checks."""
    z = np.random.default_rng(seed).standard_normal((n, nz)).astype(np.float32)
    return mg.tensor(z, device=device)


class Trainer:
    """Trains ``G`` and ``D`` on ``images (N, C, S, S)`` in [-1, 1] with the two-phase loop."""

    def __init__(self, config: GANConfig, images: np.ndarray) -> None:
        self.config = c = config
        if images.ndim != 4 or images.shape[1:] != (c.channels, c.size, c.size):
            raise ValueError(f"Trainer: expected images (N, {c.channels}, {c.size}, {c.size}), got {images.shape}")
        if len(images) < c.batch:
            raise ValueError(f"Trainer: {len(images)} images are fewer than one batch of {c.batch}")
        self.device = backend.normalize_device(c.device)
        mg.manual_seed(c.seed)
        self.G, self.D = build_models(c.model, c.size, c.channels, c.nz, c.width, d_norm=c.loss != "wgan_gp")
        if c.d_spectral_norm:
            for layer in self.D.modules():
                if isinstance(layer, (mg.nn.Linear, mg.nn.Conv2d)):
                    mg.nn.utils.spectral_norm(layer)
        self.G.to(self.device)
        self.D.to(self.device)
        self.opt_g = mg.optim.Adam(self.G.parameters(), lr=c.lr_g, betas=c.betas_g)
        self.opt_d = mg.optim.Adam(self.D.parameters(), lr=c.lr_d, betas=c.betas_d)
        self.loader = mg.data.DataLoader(images, batch_size=c.batch, shuffle=True, drop_last=True, seed=c.seed,
                                         device=self.device)
        self._batches = None
        self.fixed_noise = _noise(64, c.nz, [c.seed, 1], self.device)
        self.step = 0
        self.history: dict[str, list] = {k: [] for k in
                                         ("loss_d", "loss_g", "d_real", "d_fake", "grad_d", "grad_g", "d_skipped")}
        self.quality: list[dict] = []

    # ----------------------------------------------------------------- one step
    def _real_batch(self):
        if self._batches is None:
            self._batches = iter(self.loader)
        try:
            return next(self._batches)
        except StopIteration:
            self._batches = iter(self.loader)
            return next(self._batches)

    def _noise(self, n: int):
        return mg.randn(n, self.config.nz, device=self.device)

    def _augment(self, images):
        """The images as D is to see them: through the config's differentiable augmentation, if any."""
        return diff_augment(images, self.config.augment) if self.config.augment else images

    def _check(self, value: float, what: str) -> None:
        """Stop on a non-finite loss or gradient norm (``what`` names it), before any step uses it."""
        if not math.isfinite(value):
            hint = ("; `minigan gan train --detect-anomaly` (mg.autograd.detect_anomaly) names the op whose "
                    "backward made it" if "gradient" in what else "")
            raise GANDiverged(f"step {self.step + 1}: the {what} is {value}; training stopped before "
                              f"updating with it (the last good checkpoint is kept){hint}")

    def _check_parameters(self) -> None:
        """Stop if a weight or a BatchNorm statistic of G or D is NaN or infinite (checked before saving)."""
        for name, model in (("G", self.G), ("D", self.D)):
            for key, value in model.state_dict().items():
                if not bool(backend.xp_of(value.data).isfinite(value.data).all()):
                    raise GANDiverged(f"step {self.step}: {name}.{key} holds NaN or inf after the update; "
                                      f"training stopped without saving it (the last good checkpoint is kept)")

    def d_step(self) -> dict:
        """Phase 1: one discriminator update on a real batch and detached fakes."""
        c = self.config
        real = self._real_batch()
        with mg.no_grad():                      # the fakes are constants here: no gradient reaches G
            fake = self.G(self._noise(real.shape[0]))
        self.opt_d.zero_grad()
        real, fake = self._augment(real), self._augment(fake)     # the same kind of T on both (DiffAugment)
        real_logits, fake_logits = self.D(real), self.D(fake)
        if c.loss == "wgan_gp":
            loss = L.wgan_gp_d_loss(self.D, real, fake, real_logits, fake_logits, c.gp_weight)
            d_real, d_fake = real_logits.mean().item(), fake_logits.mean().item()
        else:
            loss = L.discriminator_loss(real_logits, fake_logits, c.smooth)
            d_real = mg.sigmoid(real_logits).mean().item()
            d_fake = mg.sigmoid(fake_logits).mean().item()
        value = loss.item()
        self._check(value, "discriminator loss")
        skipped = c.d_skip_below is not None and value < c.d_skip_below
        grad_norm = 0.0
        if not skipped:
            loss.backward()
            grad_norm = _grad_norm(self.D)
            self._check(grad_norm, "norm of the discriminator's gradient")   # finite loss, NaN gradient
            self.opt_d.step()
        self.opt_d.zero_grad()
        return {"loss_d": value, "d_real": d_real, "d_fake": d_fake, "grad_d": grad_norm, "d_skipped": skipped}

    def g_step(self) -> dict:
        """Phase 2: one generator update through a frozen D, on fresh noise."""
        c = self.config
        self.D.requires_grad_(False)            # G's backward passes through D without touching it
        try:
            self.opt_g.zero_grad()
            logits = self.D(self._augment(self.G(self._noise(c.batch))))     # G's gradient passes through T
            loss = L.wgan_gp_g_loss(logits) if c.loss == "wgan_gp" else L.generator_loss(logits, c.loss)
            value = loss.item()
            self._check(value, "generator loss")
            loss.backward()
            grad_norm = _grad_norm(self.G)
            self._check(grad_norm, "norm of the generator's gradient")
            self.opt_g.step()
            self.opt_g.zero_grad()
        finally:
            self.D.requires_grad_(True)
        return {"loss_g": value, "grad_g": grad_norm}

    def train_step(self) -> dict:
        """``d_steps`` discriminator updates, then one generator update; returns the step's record
        (D's figures are those of its last update)."""
        record: dict = {}
        skipped = 0
        for _ in range(self.config.d_steps):
            record = self.d_step()
            skipped += record["d_skipped"]
        record["d_skipped"] = skipped
        record.update(self.g_step())
        self.step += 1
        for k in self.history:
            self.history[k].append(float(record[k]))
        return record

    # ----------------------------------------------------------------- looking at G
    def samples(self, n: int | None = None, seed=None):
        """``n`` images from G (the fixed noise batch when ``n`` is None)."""
        z = self.fixed_noise if n is None else _noise(n, self.config.nz, seed, self.device)
        return generate(self.G, z)

    def evaluate(self) -> dict:
        """The digit classifier's figures (:func:`minigan.gan.metrics.sample_quality`) for
        ``n_quality`` samples drawn with noise of their own (the training RNG is not touched)."""
        from .metrics import sample_quality
        images = self.samples(self.config.n_quality, seed=[self.config.seed, 2])
        q = sample_quality(images, device=self.device)
        q["step"] = self.step
        return q

    # ----------------------------------------------------------------- checkpoints
    def state_dict(self) -> dict:
        return {"G": self.G.state_dict(), "D": self.D.state_dict(), "opt_g": self.opt_g.state_dict(),
                "opt_d": self.opt_d.state_dict(), "rng": backend.get_rng_state(),
                "loader": self.loader.state_dict(), "step": self.step,
                "config": dataclasses.asdict(self.config), "fixed_noise": self.fixed_noise,
                "history": {k: np.asarray(v, dtype=np.float64) for k, v in self.history.items()},
                "quality": json.dumps(self.quality)}

    def save(self, path) -> Path:
        """Write the checkpoint atomically (a crash mid-write leaves the previous one intact). Raises
        :class:`GANDiverged`, writing nothing, if a parameter or buffer is not finite."""
        self._check_parameters()
        return mg.io.save(path, **self.state_dict())

    def load_state_dict(self, state: dict) -> None:
        self.G.load_state_dict(state["G"])
        self.D.load_state_dict(state["D"])
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        self.loader.load_state_dict(state["loader"])
        self._batches = None
        self.fixed_noise = mg.tensor(state["fixed_noise"], device=self.device)
        self.step = int(state["step"])
        self.history = {k: [float(x) for x in np.asarray(backend.to_numpy(v))] for k, v in state["history"].items()}
        self.quality = json.loads(state["quality"])
        backend.set_rng_state(state["rng"])

    @classmethod
    def from_checkpoint(cls, path, images: np.ndarray, device: str | None = None, **overrides) -> "Trainer":
        """A trainer in the state saved at ``path``; ``overrides`` (e.g. ``steps=``) change its config."""
        state = mg.io.load(path, device="cpu")
        fields = {f.name for f in dataclasses.fields(GANConfig)}
        config = GANConfig(**{k: v for k, v in state["config"].items() if k in fields})
        for k, v in overrides.items():
            setattr(config, k, v)
        if device is not None:
            config.device = device
        trainer = cls(config, images)
        trainer.load_state_dict(state)
        return trainer

    # ----------------------------------------------------------------- the whole run
    def fit(self, out=None, quiet: bool = False, log=print) -> dict:
        """Train until ``config.steps``, writing into ``out`` (unless None): ``samples/step_NNNNNN.png``
        from the fixed noise, ``losses.png``, ``metrics.json`` and ``checkpoint.npz``. Returns the
        summary that ``metrics.json`` holds. A :class:`GANDiverged` is re-raised after
        ``metrics.json`` has recorded it; the checkpoint is not overwritten."""
        c = self.config
        out = None if out is None else Path(out)
        bar = mg.progress.progress(c.steps, desc="gan", quiet=quiet, initial=self.step)
        start = time.perf_counter()
        try:
            while self.step < c.steps:
                rec = self.train_step()
                bar.update()
                bar.set_losses(D=rec["loss_d"], G=rec["loss_g"], Dx=rec["d_real"], DGz=rec["d_fake"])
                last = self.step == c.steps
                looks = last or bool(c.sample_every and self.step % c.sample_every == 0)
                saves = out is not None and (last or bool(c.checkpoint_every and self.step % c.checkpoint_every == 0))
                if looks:
                    self._check_parameters()        # NaN weights are neither judged nor drawn (save checks too)
                if c.judge and looks:
                    self.quality.append(self.evaluate())
                    if not quiet:
                        from .metrics import format_quality
                        bar.write(f"step {self.step}: " + format_quality(self.quality[-1]))
                if out is not None and looks:
                    mg.viz.save_image_grid(self.samples(), out / "samples" / f"step_{self.step:06d}.png", nrow=8)
                if saves:
                    self.save(out / CHECKPOINT)
        except GANDiverged as exc:
            bar.close()
            if out is not None:
                self._write_summary(out, time.perf_counter() - start, stopped=str(exc))
            raise
        bar.close()
        seconds = time.perf_counter() - start
        summary = self._summary(seconds)
        if out is not None:
            summary = self._write_summary(out, seconds)
            mg.viz.save_image_grid(self.samples(), out / "samples.png", nrow=8)
        if log and not quiet:
            log(self.report(summary))
        return summary

    def _summary(self, seconds: float, stopped: str | None = None) -> dict:
        h = self.history
        tail = {k: float(np.mean(v[-50:])) for k, v in h.items() if v}
        return {"config": dataclasses.asdict(self.config), "step": self.step, "seconds": seconds,
                "stopped": stopped, "last50": tail, "quality": self.quality,
                "final_quality": self.quality[-1] if self.quality else None, "history": h}

    def _write_summary(self, out: Path, seconds: float, stopped: str | None = None) -> dict:
        summary = self._summary(seconds, stopped)
        out.mkdir(parents=True, exist_ok=True)
        (out / "metrics.json").write_text(json.dumps(summary, indent=1))
        if self.history["loss_d"]:
            mg.viz.plot_losses({"D": self.history["loss_d"], "G": self.history["loss_g"]}, out / "losses.png",
                               title=f"{self.config.model}, {self.config.loss} loss")
        return summary

    def report(self, summary: dict) -> str:
        """The lines printed at the end of a run."""
        t = summary["last50"]
        lines = [f"{self.step} steps in {summary['seconds']:.1f} s; last 50 steps: loss D {t['loss_d']:.3f}, "
                 f"G {t['loss_g']:.3f}, D(x) {t['d_real']:.3f}, D(G(z)) {t['d_fake']:.3f}"]
        if summary["final_quality"]:
            from .metrics import format_quality
            lines.append("samples: " + format_quality(summary["final_quality"]))
        return "\n".join(lines)
