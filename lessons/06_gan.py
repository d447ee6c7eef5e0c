# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 6 — The GAN
#
# A generator G turns noise $z$ into an image; a discriminator D says how likely an image is to be real.
# They are trained in turn, each against the other. In this lesson we
#
# 1. write one training step out by hand — D's phase, then G's phase through a frozen D — and then let
#    minigan's `Trainer` repeat it;
# 2. draw Goodfellow's Fig. 16: the three generator losses against $D(G(z))$, and their gradients,
#    computed by minigan's autograd; then watch the flat ends of the curves stall a generator;
# 3. train with the three losses side by side and read the results with a digit classifier;
# 4. provoke mode collapse and catch it with the class histogram;
# 5. compare the balance tricks: learning rates, skipping D's steps, label smoothing.
#
# Everything trains on the 1,797 embedded 8x8 digits, with the fully connected GAN, on the CPU.

# %%
import os

# The matrices here are small (64 x 1024 at most): a second BLAS thread buys little, and on a busy
# machine threads that wait for each other make every step many times slower.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from _common import HERE, QUICK, save, table  # noqa: E402

import dataclasses  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import minigan as mg  # noqa: E402
from minigan.gan import GANConfig, Trainer, build_models, losses  # noqa: E402
from minigan.gan.metrics import mode_collapse_warning, sample_quality  # noqa: E402

START = time.perf_counter()
images, labels = mg.data.load_digits(size=8)        # (1797, 1, 8, 8) in [-1, 1], like G's tanh output
print("digits:", images.shape, images.dtype, f"range [{images.min():.0f}, {images.max():.0f}]")

# %% [markdown]
# ## 1. One step, by hand
#
# The discriminator ends in a single **logit** $a$; $D(x) = \sigma(a)$ is the probability that $x$ is real.
# Its loss is the cross-entropy of a classifier with two labels (Goodfellow's $J^{(D)}$):
#
# $$J^{(D)} = -\tfrac12\, \mathbb{E}_x \log D(x) - \tfrac12\, \mathbb{E}_z \log\bigl(1 - D(G(z))\bigr).$$
#
# **Phase 1, D.** A batch of real digits (target 1) and a batch of fakes (target 0). The fakes are
# *detached*: for this phase they are just data, and no gradient may reach G.
#
# **Phase 2, G.** Fresh noise, through G and then D, with the target "real". The gradient has to pass
# *through* D to reach G, but D must not learn from it, so D's parameters are frozen
# (`requires_grad_(False)`), and only G's optimizer steps.

# %%
mg.manual_seed(0)
G, D = build_models("fc", size=8)                   # G: z(100) -> 256 -> 512 -> 1024 -> 64; D: 64 -> 512 -> 256 -> 1
opt_g = mg.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
opt_d = mg.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
print(f"G: {sum(p.data.size for p in G.parameters()):,} parameters, "
      f"D: {sum(p.data.size for p in D.parameters()):,} parameters")

real = mg.tensor(images[np.random.default_rng(0).choice(len(images), 64, replace=False)])
z_d, z_g = mg.randn(64, 100), mg.randn(64, 100)


def mean_d(x):
    """Mean D(x) = sigmoid(logit) over a batch, as a float."""
    with mg.no_grad():
        return mg.sigmoid(D(x)).mean().item()


# phase 1: D on real (target 1) and on detached fakes (target 0)
fake = G(z_d).detach()                              # a constant now: the graph stops here
before = (mean_d(real), mean_d(fake))
opt_d.zero_grad()
loss_d = losses.discriminator_loss(D(real), D(fake))          # smooth=0: real target 1
loss_d.backward()
print(f"phase 1: J(D) = {loss_d.item():.4f} (log 2 = {np.log(2):.4f}: D cannot tell them apart yet)")
print(f"  parameters with a gradient: D {sum(p.grad is not None for p in D.parameters())} of "
      f"{len(list(D.parameters()))}, G {sum(p.grad is not None for p in G.parameters())} of "
      f"{len(list(G.parameters()))}")
opt_d.step()
opt_d.zero_grad()                                   # forget D's gradients, to see what G's phase leaves in D
print(f"  after D's step: mean D(x) {before[0]:.4f} -> {mean_d(real):.4f}, "
      f"mean D(G(z)) {before[1]:.4f} -> {mean_d(fake):.4f}")

# phase 2: G through a frozen D, with the non-saturating loss (target "real")
D_before = [p.data.copy() for p in D.parameters()]
D.requires_grad_(False)
opt_g.zero_grad()
with mg.no_grad():
    fooled_before = mean_d(G(z_g))
loss_g = losses.non_saturating_loss(D(G(z_g)))
loss_g.backward()
opt_g.step()
D.requires_grad_(True)
with mg.no_grad():
    fooled_after = mean_d(G(z_g))
print(f"phase 2: J(G) = {loss_g.item():.4f}; G parameters with a gradient: "
      f"{sum(p.grad is not None for p in G.parameters())} of {len(list(G.parameters()))}, "
      f"D: {sum(p.grad is not None for p in D.parameters())}")
print(f"  after G's step: mean D(G(z)) on the same z {fooled_before:.4f} -> {fooled_after:.4f}")
print("  D's parameters bit-identical after G's step:",
      all(np.array_equal(a, p.data) for a, p in zip(D_before, D.parameters())))

# %% [markdown]
# D learnt to raise $D(x)$ and lower $D(G(z))$; then G learnt to raise $D(G(z))$ again, and D's parameters
# came out of G's phase bit for bit as they went in, with no gradient left in them. (This D has no batch
# norm. A D that has, like the DCGAN's, stays in training mode during G's phase, as in PyTorch's DCGAN
# example, so its running statistics still update there: they are buffers, which no optimizer steps.)
# That is the whole algorithm. `Trainer.train_step` does exactly these two phases (with fresh batches each
# time, and a record of what happened), so from here on it does the work:

# %%
trainer = Trainer(GANConfig(model="fc", size=8, judge=False), images)
record = trainer.train_step()
print("one Trainer step:", {k: round(float(v), 4) for k, v in record.items()})

# %% [markdown]
# ## 2. Three generator losses: Goodfellow's Fig. 16
#
# G wants D to call its fakes real. With $a$ the logit D gives a fake and $D(G(z)) = \sigma(a)$, three
# losses say so (Goodfellow, NIPS 2016 tutorial, sec. 3.2):
#
# | loss | $J^{(G)}$ | $\partial J^{(G)}/\partial a$ per sample |
# | --- | --- | --- |
# | minimax | $-J^{(D)}$, i.e. $\tfrac12\, \mathbb{E}_z \log(1 - D(G(z)))$ | $-\sigma(a)/2$ |
# | non-saturating | $-\tfrac12\, \mathbb{E}_z \log D(G(z))$ | $-(1 - \sigma(a))/2$ |
# | maximum likelihood | $-\tfrac12\, \mathbb{E}_z\, e^{a}$ | $-e^{a}/2$ |
#
# `minigan.gan.losses` computes all three from the logits (as $\mathrm{softplus}$, which stays finite when
# D is very sure). We evaluate each on a sweep of $D(G(z))$ from 0.001 to 0.999 and let autograd give the
# derivative with respect to the logit, then hold it against the formulas of the table.

# %%
d_of_g = np.linspace(0.001, 0.999, 999)
logit = np.log(d_of_g / (1 - d_of_g))              # sigma^-1
KINDS = ["minimax", "non_saturating", "max_likelihood"]
FORMULA = {"minimax": lambda a: -0.5 / (1 + np.exp(-a)),
           "non_saturating": lambda a: -0.5 / (1 + np.exp(a)),
           "max_likelihood": lambda a: -0.5 * np.exp(a)}
curve, slope = {}, {}
for kind in KINDS:
    a = mg.tensor(logit[:, None], requires_grad=True)              # (999, 1) float64: one "fake" per row
    J = losses.generator_loss(a, kind)                              # the mean over the rows
    (J * len(logit)).backward()                                     # row i's term depends on a_i only
    curve[kind] = np.array([losses.generator_loss(mg.tensor([[v]]), kind).item() for v in logit])
    slope[kind] = a.grad.numpy()[:, 0]
    print(f"{kind:15s} max |autograd - formula| = {np.abs(slope[kind] - FORMULA[kind](logit)).max():.1e}")

rows = []
for p in (0.001, 0.01, 0.5, 0.99):
    a = mg.tensor([[np.log(p / (1 - p))]], requires_grad=True)
    grads = []
    for kind in KINDS:
        a.grad = None
        losses.generator_loss(a, kind).backward()
        grads.append(a.grad.item())
    rows.append([p] + grads + [grads[1] / grads[0]])
table(["D(G(z))", "dJ/da minimax", "non-saturating", "max likelihood", "non-saturating / minimax"], rows)

# %% [markdown]
# Where D easily spots the fake, $D(G(z)) = 0.01$, the non-saturating loss pushes about 99 times harder than
# the minimax one (the ratio is $(1 - D)/D$), and maximum likelihood is as weak as minimax. At 0.5 minimax
# and non-saturating agree; maximum likelihood is twice as strong there, and it explodes as $D(G(z)) \to 1$:
# its gradient is concentrated on the few fakes D already believes.

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 4))
names = {"minimax": "minimax", "non_saturating": "non-saturating", "max_likelihood": "maximum likelihood"}
for kind in KINDS:
    axes[0].plot(d_of_g, curve[kind], label=names[kind])
    axes[1].semilogy(d_of_g, -slope[kind], label=names[kind])
axes[0].set_ylim(-10, 4)
axes[0].set_xlabel("D(G(z))")
axes[0].set_ylabel("J(G) per sample")
axes[0].set_title("Goodfellow's Fig. 16: the three generator losses")
axes[1].set_xlabel("D(G(z))")
axes[1].set_ylabel("-dJ(G)/da (a = D's logit), log scale")
axes[1].set_title("their gradients, by minigan's autograd")
for ax in axes:
    ax.grid(alpha=0.3)
    ax.legend()
save(fig, "06_generator_losses.png")

# %% [markdown]
# ### The flat end, in action
#
# Does the flat end matter? Put G where the curves differ most: train D alone for a while, until it calls
# G's fakes fake with confidence, then freeze D and give G the same number of steps with each loss (same
# starting weights, same noise). Fig. 16 predicts that the non-saturating generator climbs out and the
# other two barely move. We try it with plain SGD and with Adam.

# %%
mg.manual_seed(1)
G0, D0 = build_models("fc", size=8)
opt = mg.optim.Adam(D0.parameters(), lr=1e-3, betas=(0.5, 0.999))
rng = np.random.default_rng(1)
for _ in range(40):                                  # D alone: real digits vs. the untrained G's fakes
    with mg.no_grad():
        fake = G0(mg.randn(64, 100))
    x = mg.tensor(images[rng.choice(len(images), 64, replace=False)])
    opt.zero_grad()
    losses.discriminator_loss(D0(x), D0(fake)).backward()
    opt.step()
D0.requires_grad_(False)
z_fixed = mg.randn(256, 100)


def fooled(G_):
    """Mean D0(G(z)) over the fixed noise."""
    with mg.no_grad():
        return mg.sigmoid(D0(G_(z_fixed))).mean().item()


def grad_norm(module):
    """The length of the whole gradient of a module, sqrt(sum of squares over all its parameters)."""
    return np.sqrt(sum(float((p.grad.data.astype(np.float64) ** 2).sum()) for p in module.parameters()))


print(f"a confident D: mean D(G(z)) = {fooled(G0):.4f}")

G_STEPS, rows = 10, []
OPTIMIZERS = [lambda ps: mg.optim.SGD(ps, lr=0.01), lambda ps: mg.optim.Adam(ps, lr=2e-4, betas=(0.5, 0.999))]
for kind in KINDS:
    row = [names[kind]]
    for make_opt in OPTIMIZERS:
        mg.manual_seed(2)                            # the same noise for every loss
        Gk, _ = build_models("fc", size=8)
        Gk.load_state_dict(G0.state_dict())          # the same starting generator for every loss
        opt = make_opt(Gk.parameters())
        for step in range(G_STEPS):
            opt.zero_grad()
            losses.generator_loss(D0(Gk(mg.randn(64, 100))), kind).backward()
            if step == 0 and make_opt is OPTIMIZERS[0]:
                row.append(grad_norm(Gk))
            opt.step()
        row.append(fooled(Gk))
    rows.append(row)
table(["generator loss", "|grad of G| at step 1", f"D(G(z)) after {G_STEPS} SGD steps",
       f"after {G_STEPS} Adam steps"], rows)
print(f"gradient ratio at step 1, non-saturating / minimax: {rows[1][1] / rows[0][1]:.0f}")

# %% [markdown]
# With plain SGD (lr 0.01), whose step is the gradient itself, the picture is Fig. 16's: the non-saturating
# generator's gradient is the larger by the ratio printed, and it fools D within ten steps, while minimax and
# maximum likelihood have hardly moved. **Adam** tells another story. It divides each parameter's step by
# a running average of that parameter's gradient size, so a gradient a hundred times smaller makes
# about the same step: all three generators climb out. The saturation is real, but an adaptive optimizer
# hides most of it; that is one reason the three losses behave alike in the runs that follow, which all
# use Adam, as DCGAN does.

# %% [markdown]
# ## 3. The three losses, trained side by side
#
# Now whole runs: the same seed (so the same initial weights and the same batches), the same number of
# steps, minigan's defaults for the 1,797 embedded digits (Adam, lr 2e-4, $\beta_1 = 0.5$, batch 64, real
# target 1), and only the generator loss changed. The course's notebooks use the same Adam settings on
# MNIST's 60,000 digits with batches of 128–256 for the fully connected GAN and 128 for the DCGAN.
#
# How good are the samples? A small CNN trained on the real digits, shipped with minigan
# (`minigan.gan.classifier`), reads 500 of them, and `minigan.gan.metrics` reports
#
# - **confident**: the fraction it gives one class with probability at least 0.9 (a legible digit);
# - **classes**: how many of the 10 digits hold at least 4% of the samples (variety);
# - **Fréchet**: the distance between Gaussians fitted to its 64 features of the samples and of all the
#   real digits — the idea of FID, with a digit network in place of Inception. Lower is better.
#
# First the yardsticks: 500 real digits, and 500 images of uniform noise.

# %%

STEPS = 200 if QUICK else 1000                      # generator steps per run
BASE = dict(model="fc", size=8, steps=STEPS, batch=64, judge=False, sample_every=0, checkpoint_every=0)
runs = {}                                           # label -> (trainer, quality)


def train(label, **overrides):
    """One run with the base settings changed by ``overrides``; its trainer and the quality of 500 samples."""
    trainer = Trainer(GANConfig(**{**BASE, **overrides}), images)
    t0 = time.perf_counter()
    for _ in range(trainer.config.steps):
        trainer.train_step()
    runs[label] = (trainer, trainer.evaluate())
    print(f"{label}: {trainer.config.steps} steps in {time.perf_counter() - t0:.1f} s")
    return runs[label]


def last(trainer, key):
    """The mean of a logged value over the last 50 steps."""
    return float(np.mean(trainer.history[key][-50:]))


def quality_row(label, q):
    return [label, q["confident"], q["classes"], q["frechet"]]


def histogram_table(labels):
    table(["run"] + [str(d) for d in range(10)],
          [[label] + [f"{v:.0%}" for v in runs[label][1]["histogram"]] for label in labels])


reference = {"real digits": images[np.random.default_rng(3).choice(len(images), 500, replace=False)],
             "uniform noise": np.random.default_rng(3).uniform(-1, 1, (500, 1, 8, 8)).astype(np.float32)}
ref_quality = {k: sample_quality(v) for k, v in reference.items()}
table(["images", "confident", "classes >= 4%", "Fréchet"], [quality_row(k, q) for k, q in ref_quality.items()])

# %%
for kind in KINDS:
    train(names[kind], loss=kind)

rows = []
for kind in KINDS:
    trainer, q = runs[names[kind]]
    p = last(trainer, "d_fake")
    a = mg.tensor([[np.log(p / (1 - p))]], requires_grad=True)
    losses.generator_loss(a, kind).backward()
    rows.append([names[kind], last(trainer, "loss_d"), last(trainer, "d_real"), p, a.grad.item()]
                + quality_row(names[kind], q)[1:])
table(["generator loss", "J(D)", "D(x)", "D(G(z))", "dJ(G)/da there", "confident", "classes >= 4%", "Fréchet"],
      rows)
histogram_table([names[k] for k in KINDS])

# %% [markdown]
# The first columns are means over the last 50 steps. $J^{(D)}$ stays near $\log 2 = 0.693$ and $D(x)$,
# $D(G(z))$ near one half: neither player wins, which is what a healthy run looks like. D never becomes
# sure enough to push $D(G(z))$ into the flat end of Fig. 16, so each loss works in the middle of its curve,
# where the three gradients are within a factor of two of each other (the column "dJ(G)/da there"); with
# Adam on top, the three runs differ far less than the figure's ends suggest. Compare their quality with
# the yardsticks above: all three are far from noise and still far from real digits.

# %%
fig, axes = plt.subplots(2, 3, figsize=(12, 7.5))
for col, kind in enumerate(KINDS):
    trainer, q = runs[names[kind]]
    for key, name in (("loss_d", "J(D)"), ("loss_g", "J(G)")):
        axes[0, col].plot(mg.viz.smooth_curve(trainer.history[key], 0.95), label=name)
    axes[0, col].axhline(np.log(2), color="gray", linewidth=0.8, linestyle=":")
    axes[0, col].set_title(f"{names[kind]}: losses (smoothed)")
    axes[0, col].set_xlabel("step")
    axes[0, col].legend()
    axes[0, col].grid(alpha=0.3)
    axes[1, col].imshow(mg.viz.image_grid(trainer.samples(), nrow=8)[..., 0], cmap="gray", vmin=0, vmax=1)
    axes[1, col].set_title(f"samples: Fréchet {q['frechet']:.0f}, {q['classes']}/10 classes")
    axes[1, col].axis("off")
fig.tight_layout()
save(fig, "06_three_losses.png")

# %% [markdown]
# ## 4. Mode collapse, provoked and caught
#
# If G learns much faster than D, it can chase whatever D currently believes: find the few images D likes
# best, move all of $z$ onto them, then hop to the next few when D catches up. The samples may look fine
# one by one; what is missing is *variety*. The classifier's histogram over 500 samples shows it: a healthy
# generator draws every digit, a collapsed one only a few. `mode_collapse_warning` speaks up when fewer
# than 8 classes hold at least 4% of the samples.
#
# We provoke it by giving G a learning rate 100 times D's (1e-2 against 1e-4), everything else as in the
# non-saturating run above.

# %%
COLLAPSED = "G's lr 100 x D's"
train(COLLAPSED, lr_g=1e-2, lr_d=1e-4)
histogram_table(["non-saturating", COLLAPSED])
for label in ("non-saturating", COLLAPSED):
    q = runs[label][1]
    print(f"{label}: {q['classes']}/10 classes hold >= 4%, confident {q['confident']:.0%}; "
          f"warning: {mode_collapse_warning(q['histogram'])}")

# %%
fig, axes = plt.subplots(1, 4, figsize=(14, 3.4), gridspec_kw={"width_ratios": [3, 2, 3, 2]})
for i, label in enumerate(("non-saturating", COLLAPSED)):
    trainer, q = runs[label]
    axes[2 * i].bar(range(10), q["histogram"], color="C3" if q["warning"] else "C0")
    axes[2 * i].axhline(0.04, color="gray", linewidth=0.8, linestyle=":")
    axes[2 * i].set_xticks(range(10))
    axes[2 * i].set_xlabel("digit (the classifier's reading)")
    axes[2 * i].set_title(f"{label}: {q['classes']}/10 classes >= 4%")
    axes[2 * i + 1].imshow(mg.viz.image_grid(trainer.samples(), nrow=8)[..., 0], cmap="gray", vmin=0, vmax=1)
    axes[2 * i + 1].axis("off")
fig.tight_layout()
save(fig, "06_mode_collapse.png")

# %% [markdown]
# The healthy run's histogram is spread over the digits; the collapsed one piles onto a few (in the full
# 1,000-step run, onto one), and the warning names them. Its samples are all alike. Here they are also
# seldom read confidently (printed above), but that need not be so: the knob table at the end of this
# lesson has a collapse with the *most* confident samples of all. That is why a GAN needs a variety check
# beside a quality check.
#
# ## 5. Balance tricks
#
# A GAN trains well while neither player runs away with the game. The course names the usual knobs:
#
# - **different learning rates** for D and G;
# - **skipping D's update while its loss is already low** (the trainer's `d_skip_below`): a D that is
#   winning waits for G to catch up;
# - **one-sided label smoothing**: real targets 0.9 instead of 1 (`smooth=0.1`; the default above is 0,
#   real target 1), so D is never rewarded for unbounded confidence; fakes keep target 0, since smoothing
#   them would reward G's mistakes.
#
# One more remedy for a D that is too strong is not among the course's knobs, but is one flag away:
# **spectral normalization** (`d_spectral_norm=True`, `minigan gan train --spectral-norm`, built on
# `mg.nn.utils.spectral_norm`). Each of D's layers divides its weight by its largest singular value, so no
# layer stretches its input by more than a factor 1 and D cannot change sharply between nearby images:
# its gradients stay useful to G however well it separates real from fake.
#
# Each row changes one thing from minigan's defaults (non-saturating loss throughout); the first and
# last rows are the runs of sections 3 and 4. The threshold 0.65 sits just under where $J^{(D)}$ settles
# with a fast D, so skipping trims its best moments.

# %%
train("real target 0.9 (smooth 0.1)", smooth=0.1)
train("D's lr 5 x (1e-3)", lr_d=1e-3)
train("D's lr 5 x, skip D below 0.65", lr_d=1e-3, d_skip_below=0.65)
train("D's lr 5 x, spectral norm on D", lr_d=1e-3, d_spectral_norm=True)
TRICKS = ["non-saturating", "real target 0.9 (smooth 0.1)", "D's lr 5 x (1e-3)", "D's lr 5 x, skip D below 0.65",
          "D's lr 5 x, spectral norm on D", COLLAPSED]
rows = []
for label in TRICKS:
    trainer, q = runs[label]
    rows.append([label if label != "non-saturating" else "defaults (lr 2e-4, target 1)",
                 last(trainer, "loss_d"), last(trainer, "d_real"), last(trainer, "d_fake"),
                 f"{int(sum(trainer.history['d_skipped']))} of {trainer.step}"] + quality_row(label, q)[1:])
table(["setting", "J(D)", "D(x)", "D(G(z))", "D steps skipped", "confident", "classes >= 4%", "Fréchet"], rows)
best = min(TRICKS, key=lambda label: runs[label][1]["frechet"])
print(f"lowest Fréchet distance: {best} ({runs[best][1]['frechet']:.1f}); real digits score "
      f"{ref_quality['real digits']['frechet']:.1f}")

# %% [markdown]
# Read the table from the two ends. G's runaway learning rate is the extreme of imbalance: $J^{(D)}$ has
# left $\log 2$ and G has collapsed onto a few digits. In the full run (1,000 steps) D has won outright,
# $J^{(D)}$ near 0, $D(x)$ near 1 and $D(G(z))$ near 0: the course's warning sign, "D's loss collapses to
# 0". With real target 1 nothing keeps $J^{(D)}$ from 0. With smoothing 0.1 it cannot fall below
# $\tfrac12 \cdot 0.325 \approx 0.16$ (0.325 is the cross-entropy of a perfect answer to the target 0.9),
# which would hide that sign, and a `d_skip_below` threshold under 0.16 would never act.
#
# With minigan's defaults this small discriminator is, if anything, the weaker player: $J^{(D)}$ sits at
# $\log 2$. So the direction to try here is a *faster D* (compare the Fréchet column of its two rows with
# the first), and the skipping rule — the remedy for a D that is too strong — only steps in now and then
# (count its skipped steps). Spectral normalization, the other remedy for a strong D, pulls the fast D back
# to the stalemate ($J^{(D)}$ and $D(x)$ return to about where the defaults put them), and with it goes what
# the faster D bought: here, where D is the weaker player, it is a brake that is not needed. With
# smoothing, D's target for real digits is 0.9 rather than 1, and $D(x)$ sits a little lower. These are
# single runs with one seed each, so treat close numbers as ties; the gap between a collapsed run and the
# rest is not close.
#
# ### The same knobs over three seeds
#
# One seed per setting cannot tell a robust setting from a lucky one. `benchmarks/gan_quality.py --knobs`
# trains the default `minigan gan train` (the fully connected GAN on the 8x8 digits, 6000 steps) with one
# change at a time, three seeds each, and counts the seeds that reach the quality target: at least 70% of
# samples read confidently, at least 8 digit classes each holding 4% or more, and a Fréchet distance at most
# half the untrained generator's. That takes about an hour and a quarter, so the lesson reads the recorded
# table rather than running it.

# %%
KNOBS = HERE.parent / "benchmarks" / "results" / "gan_quality_knobs_cpu.json"
if KNOBS.exists():
    knobs = json.loads(KNOBS.read_text())
    print(f"recorded with {knobs['steps']} steps per run"
          + ("" if knobs.get("complete", True) else " (an interrupted table: not every setting was run)"))
    # each row changes one setting from the defaults the table recorded; say where they are not GANConfig's now
    now = json.loads(json.dumps(dataclasses.asdict(GANConfig())))
    differ = {k: v for k, v in knobs.get("defaults", now).items() if k in now and v != now[k]}
    if differ:
        print("its 'default' row used " + ", ".join(f"{k}={v}" for k, v in differ.items()) + ", where GANConfig "
              "now has " + ", ".join(f"{k}={now[k]}" for k in differ))
    table(["setting", "seeds reaching the target", "confident (mean)", "classes (fewest)", "Fréchet ratio (worst)"],
          [[r["setting"], r["reached"], f"{r['confident']:.0%}", r["classes"], f"{r['frechet_ratio']:.2f}"]
           for r in knobs["rows"]])
else:
    print(f"no knob table recorded yet: python benchmarks/gan_quality.py --knobs writes {KNOBS.name}")

# %% [markdown]
# Each row changes one setting from the defaults the table was recorded with (a line above the table says
# where those differ from GANConfig's now). On these small digits they are robust: most single changes
# reach the target on all three seeds, spectral normalization on D included, and a knob that never acts
# changes nothing (J(D) never falls to 0.2 here, so "skip D below 0.2" repeats the default run exactly).
# The rows that fall short are the instructive ones. Ten times the learning rate for both players gives the
# *most* confident samples and the *fewest* classes: sharper digits, less variety, one seed down to 7
# classes — mode collapse, caught by the histogram and not by the confidence. WGAN-GP, after the same
# number of steps, is read confidently less often (one seed ends at 62%, under the 70% target). A single
# lucky seed would have hidden both.
#
# ## What to remember
#
# - One GAN step is two phases: D on real (1) and **detached** fakes (0); then G through a **frozen** D,
#   toward "real". D's parameters come out of G's phase bit for bit unchanged (a batch-norm D's running
#   statistics still update there, as in PyTorch).
# - The three generator losses differ in where they are steep. Where D spots a fake, $D(G(z)) \approx 0$,
#   minimax and maximum likelihood give almost no gradient and non-saturating gives a strong one; plain
#   SGD feels that at once, Adam mostly normalises it away.
# - Healthy training is a stalemate: $J^{(D)}$ near $\log 2$, $D(x)$ and $D(G(z))$ near one half, losses
#   oscillating rather than falling.
# - Mode collapse is a loss of variety, not of sharpness: watch the class histogram.
# - Balance is the game: learning rates, skipped D steps, label smoothing and spectral normalization are
#   ways to keep either player from winning.
#
# Next: lesson 7 optimises pixels instead of weights, for style transfer.

# %% [markdown]
# ## Postscript: an averaged generator
#
# G's weights jitter from step to step, because each step answers the latest D. Many GANs are therefore
# sampled from an **exponential moving average** of G's weights, kept beside G and updated after each step:
# $W_{\text{EMA}} \leftarrow d\, W_{\text{EMA}} + (1 - d)\, W_G$. `minigan.optim.swa_utils.AveragedModel`
# holds such a copy (as `torch.optim.swa_utils` does): its first `update_parameters(G)` copies G, each later
# one mixes G in, and calling it runs the averaged copy. The decay $d$ sets the memory, about $1/(1-d)$
# steps, and $d^{\text{steps}}$ of the untrained starting G is still in the average at the end. The common
# $d = 0.999$ is meant for runs of many thousands of steps; here it runs beside $d = 0.99$, on one run.

# %%
from minigan.gan.trainer import generate  # noqa: E402
from minigan.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn  # noqa: E402

trainer = Trainer(GANConfig(**BASE), images)
averaged = {f"EMA, d = {d}": AveragedModel(trainer.G, multi_avg_fn=get_ema_multi_avg_fn(d)) for d in (0.99, 0.999)}
for _ in range(STEPS):
    trainer.train_step()
    for ema_G in averaged.values():
        ema_G.update_parameters(trainer.G)
z = mg.tensor(np.random.default_rng(5).standard_normal((500, trainer.config.nz)).astype(np.float32))
generators = {"G": trainer.G, **averaged}
ema_quality = {label: sample_quality(generate(model, z)) for label, model in generators.items()}
table(["generator", "untrained G left in it", "confident", "classes >= 4%", "Fréchet"],
      [[label, "-" if label == "G" else f"{d ** STEPS:.0%}"] + quality_row(label, q)[1:]
       for (label, q), d in zip(ema_quality.items(), (None, 0.99, 0.999))])
fig, axes = plt.subplots(1, 3, figsize=(12, 4.2))
for ax, (label, model) in zip(axes, generators.items()):
    ax.imshow(mg.viz.image_grid(generate(model, z[:64]), nrow=8)[..., 0], cmap="gray", vmin=0, vmax=1)
    ax.set_title(f"{label}: Fréchet {ema_quality[label]['frechet']:.0f}")
    ax.axis("off")
save(fig, "06_ema_generator.png")

# %%
print(f"lesson 6 ran in {time.perf_counter() - START:.0f} s")
