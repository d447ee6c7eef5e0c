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
# # Lesson 11 — Distributions, and gradients through randomness (a VAE on the digits)
#
# Autograd differentiates a computation. But many models contain a *draw*: a latent code sampled from an
# encoder's distribution, an action sampled from a policy. The loss is then an expectation,
#
# $$L(\theta) = \mathbb{E}_{z \sim q_\theta}[f(z)],$$
#
# and a sampled $z$ is just a number: where would $\partial z / \partial \theta$ come from? This lesson
# shows the two answers, and uses one of them to train a variational autoencoder. We
#
# 1. use distributions as objects (`minigan.distributions`, PyTorch's API): sample, `log_prob`, entropy,
#    batch and event shapes, and a closed-form KL divergence checked against a Monte Carlo estimate;
# 2. build two unbiased estimators of $\nabla_\theta L$, the **score function** (REINFORCE) and the
#    **reparameterised** one (`rsample`), check both against the exact gradient and measure their variances;
# 3. train a small VAE on the shipped digits, with the ELBO written from `log_prob` and `kl_divergence`;
# 4. gradcheck the gradient that makes the VAE work: the ELBO's, through `rsample`, in the encoder's output.

# %%
import copy
import os

# Small matrices: one BLAS thread is enough, and threads that wait for each other slow a busy machine.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import time  # noqa: E402

from _common import QUICK, max_abs, save, table  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import minigan as mg  # noqa: E402
import minigan.nn as nn  # noqa: E402
import minigan.nn.functional as F  # noqa: E402
from minigan.data import load_digits  # noqa: E402
from minigan.distributions import (Bernoulli, Categorical, Independent, Normal, RelaxedBernoulli,  # noqa: E402
                                   kl_divergence)

START = time.perf_counter()
mg.manual_seed(0)                 # every draw below comes from minigan's seeded generator
rs = np.random.default_rng(0)

# %% [markdown]
# ## 1. Distributions as objects
#
# `Normal(loc, scale)` with three locations and three scales is a **batch** of three independent normals:
# `batch_shape == (3,)`, and each draw is one number, `event_shape == ()`. `sample(s)` returns
# `s + batch_shape + event_shape`. `log_prob(x)` scores values; `entropy()` is $-\mathbb{E}[\log q(z)]$,
# here in closed form $\tfrac12 \log(2\pi e \sigma^2)$, which a Monte Carlo average of $-\log q$ over draws
# approaches.

# %%
DRAWS = 20_000 if QUICK else 200_000
loc, scale = mg.tensor([0.0, 1.0, -2.0]), mg.tensor([1.0, 0.5, 2.0])
q = Normal(loc, scale)
z = q.sample((DRAWS,))
print("batch_shape", q.batch_shape, "event_shape", q.event_shape, "sample((5,)).shape", q.sample((5,)).shape)
x = mg.tensor([0.3, 0.3, 0.3])
by_formula = -0.5 * ((x - loc) / scale) ** 2 - mg.log(scale) - 0.5 * np.log(2 * np.pi)
print("log_prob(0.3)          ", q.log_prob(x).numpy(), " |formula - log_prob|", max_abs(by_formula, q.log_prob(x)))
print("entropy()              ", q.entropy().numpy())
print("1/2 log(2 pi e s^2)    ", (0.5 * np.log(2 * np.pi * np.e * scale.numpy() ** 2)))
print(f"-mean log_prob, {DRAWS} draws", (-q.log_prob(z).mean(0)).numpy())

# %% [markdown]
# `Independent(q, 1)` reads the last batch dim as an event dim: one distribution over vectors of length 3,
# whose `log_prob` is the sum of the three. This is how a VAE scores a whole image as one event.
# Discrete families work the same way: a `Bernoulli` over $\{0, 1\}$ and a `Categorical` over $\{0..K-1\}$.

# %%
qv = Independent(q, 1)
print("Independent: batch_shape", qv.batch_shape, "event_shape", qv.event_shape,
      "| log_prob - sum of the three:", max_abs(qv.log_prob(x), q.log_prob(x).sum()))
b = Bernoulli(probs=mg.tensor([0.1, 0.5, 0.9]))
print("Bernoulli frequencies of 1 :", b.sample((DRAWS,)).mean(0).numpy(), " probs", b.probs.numpy())
c = Categorical(probs=mg.tensor([0.2, 0.3, 0.5]))
counts = np.bincount(c.sample((DRAWS,)).numpy(), minlength=3) / DRAWS
p = c.probs.numpy()
print("Categorical frequencies    :", counts, " entropy", float(c.entropy()), "= -sum p log p",
      float(-(p * np.log(p)).sum()))

# %% [markdown]
# **KL divergence.** $\mathrm{KL}(q\,\|\,p) = \mathbb{E}_{z\sim q}[\log q(z) - \log p(z)]$. For two
# normals it has a closed form, which `kl_divergence` knows:
#
# $$\mathrm{KL}\big(\mathcal N(\mu_q, \sigma_q^2)\,\|\,\mathcal N(\mu_p, \sigma_p^2)\big) =
# \log\frac{\sigma_p}{\sigma_q} + \frac{\sigma_q^2 + (\mu_q - \mu_p)^2}{2\sigma_p^2} - \frac12 .$$
#
# The definition itself is an expectation, so a Monte Carlo average estimates it too, with a standard error.

# %%
qk, pk = Normal(1.0, 0.5), Normal(0.0, 1.0)
zk = qk.sample((DRAWS,))
terms = (qk.log_prob(zk) - pk.log_prob(zk)).numpy()
print(f"closed form (kl_divergence): {float(kl_divergence(qk, pk)):.4f}")
print(f"by the formula above       : {np.log(1 / 0.5) + (0.25 + 1.0) / 2 - 0.5:.4f}")
print(f"Monte Carlo, {DRAWS} draws : {terms.mean():.4f} +- {terms.std() / np.sqrt(DRAWS):.4f}")

# %% [markdown]
# ## 2. Two estimators of $\nabla_\theta\, \mathbb{E}_{z\sim q_\theta}[f(z)]$
#
# Take $q_\theta = \mathcal N(\mu, \sigma^2)$ and $f(z) = z^2$: then $\mathbb{E}[f] = \mu^2 + \sigma^2$, and the
# exact gradient is $(2\mu, 2\sigma)$.
#
# - **Score function** (REINFORCE): $\nabla_\theta \mathbb{E}[f] = \mathbb{E}[f(z)\,\nabla_\theta \log q_\theta(z)]$,
#   because $\nabla q = q\,\nabla \log q$. It needs only `sample()` (no graph through $z$) and `log_prob`:
#   the surrogate loss is `f(z) * q.log_prob(z)`, with `z` a constant.
# - **Reparameterised**: write $z = \mu + \sigma\varepsilon$ with $\varepsilon \sim \mathcal N(0, 1)$, which
#   does not depend on $\theta$. Then $\nabla_\theta \mathbb{E}[f] = \mathbb{E}_\varepsilon[\nabla_\theta
#   f(\mu + \sigma\varepsilon)]$: an ordinary backward through `rsample()`, which is exactly that formula.
#
# One draw gives one estimate. To get many single-draw estimates at once, we give every draw its own copy
# of $\mu$ and $\sigma$ (a batch of $N$ identical normals): after one backward, `mu.grad[i]` is draw $i$'s
# estimate. A **baseline** $b$ (here the exact $\mathbb{E}[f]$) may be subtracted from $f$ in the score
# function without bias, since $\mathbb{E}[\nabla \log q] = 0$; it is the standard variance reduction.

# %%
MU, SIGMA, N = 1.0, 0.5, (20_000 if QUICK else 200_000)


def per_draw_grads(estimator, f, baseline=0.0):
    """N single-draw estimates of d/dmu and d/dsigma of E[f(z)], z ~ Normal(MU, SIGMA)."""
    mu = mg.full((N,), MU, requires_grad=True)
    sigma = mg.full((N,), SIGMA, requires_grad=True)
    q = Normal(mu, sigma)
    if estimator == "reparameterised":
        f(q.rsample()).sum().backward()
    else:
        z = q.sample()                                    # no graph: z is a constant
        ((f(z) - baseline) * q.log_prob(z)).sum().backward()
    return mu.grad.numpy(), sigma.grad.numpy()


def square(z):
    return z ** 2


rows = []
for name, baseline in [("score function", 0.0), ("score function, baseline", MU ** 2 + SIGMA ** 2),
                       ("reparameterised", 0.0)]:
    gm, gs = per_draw_grads("reparameterised" if name == "reparameterised" else "score", square, baseline)
    rows.append([name, f"{gm.mean():.3f} +- {gm.std() / np.sqrt(N):.3f}", gm.var(),
                 f"{gs.mean():.3f} +- {gs.std() / np.sqrt(N):.3f}", gs.var()])
print(f"f(z) = z^2, mu = {MU}, sigma = {SIGMA}; exact gradient: d/dmu = {2 * MU}, d/dsigma = {2 * SIGMA}; "
      f"{N} draws")
table(["estimator", "mean d/dmu", "variance", "mean d/dsigma", "variance"], rows)

# %% [markdown]
# Both are unbiased: their means agree with the exact gradient within a standard error or two. But one
# reparameterised draw is worth many score-function draws: the variance ratio is how many times more
# draws the score function needs for the same precision. The reparameterised estimator uses $f'$, how $f$
# changes near the draw; the score function only sees $f$'s value, and learns which way to move from the
# correlation between $f$ and the direction of the draw.
#
# **When each applies.** The reparameterised estimator needs $f$ differentiable in $z$ and a $z$ that is
# a differentiable function of $\theta$. Take a step, $f(z) = [z > 0]$: $f' = 0$ wherever it exists, so
# the reparameterised estimate is 0, while the true gradient in $\mu$ is $\varphi(\mu/\sigma)/\sigma$.

# %%
def step(z):
    return (mg.sign(z) + 1) / 2                           # [z > 0], written with an op whose derivative is 0


exact = float(mg.exp(Normal(0.0, 1.0).log_prob(mg.tensor(MU / SIGMA)))) / SIGMA
print(f"f = [z > 0]: exact d/dmu {exact:.4f} | score function {per_draw_grads('score', step)[0].mean():.4f}"
      f" | reparameterised {per_draw_grads('reparameterised', step)[0].mean():.4f}")

# %% [markdown]
# A **discrete** $z$ has no reparameterisation at all: a Bernoulli draw is 0 or 1, and moving $p$ a little
# moves it not at all (`Bernoulli.rsample` raises). The score function still works. A **relaxation**
# replaces the draw by a continuous one that approaches it as a temperature $\tau \to 0$:
# `RelaxedBernoulli(τ, probs=p).rsample()` lies in $(0, 1)$ and is differentiable in $p$, at the price of a
# bias (the relaxed $f$ is not $f$) that shrinks with $\tau$ while the variance grows. Here
# $f(b) = (b - 0.45)^2$ and $p = 0.3$, so the exact $\frac{d}{dp}\mathbb{E}[f] = f(1) - f(0) = 0.1$.

# %%
P = 0.3


def bernoulli_grads(kind, tau=None):
    p = mg.full((N,), P, requires_grad=True)
    if kind == "score":
        d = Bernoulli(probs=p)
        bits = d.sample()
        ((bits - 0.45) ** 2 * d.log_prob(bits)).sum().backward()
    else:
        ((RelaxedBernoulli(mg.tensor(tau), probs=p).rsample() - 0.45) ** 2).sum().backward()
    return p.grad.numpy()


try:
    Bernoulli(probs=P).rsample()
except NotImplementedError as e:
    print("Bernoulli.rsample:", e)
rows = [["score function", bernoulli_grads("score")]] + [
    [f"RelaxedBernoulli, tau = {tau}", bernoulli_grads("relaxed", tau)] for tau in (1.0, 0.3, 0.1)]
table(["estimator (exact d/dp = 0.1)", "mean", "variance"], [[n, g.mean(), g.var()] for n, g in rows])

# %% [markdown]
# ## 3. A variational autoencoder on the digits
#
# A VAE learns a decoder $p_\phi(x \mid z)$ from a latent $z \sim \mathcal N(0, I)$ to an image, and an
# encoder $q_\theta(z \mid x) = \mathcal N(\mu_\theta(x), \sigma_\theta(x)^2)$ that guesses which $z$ made
# an image. It maximises the **evidence lower bound** on $\log p(x)$:
#
# $$\mathrm{ELBO}(x) = \underbrace{\mathbb{E}_{z \sim q_\theta(z\mid x)}[\log p_\phi(x \mid z)]}_{\text{reconstruction}}
# - \underbrace{\mathrm{KL}\big(q_\theta(z \mid x)\,\|\,\mathcal N(0, I)\big)}_{\text{KL to the prior}}.$$
#
# The expectation is estimated with one `rsample` per image, so the gradient reaches the encoder through
# $z = \mu + \sigma\varepsilon$; the KL is `kl_divergence`'s closed form. The pixels (0..16) are cut at 8
# into black and white, and the decoder gives one Bernoulli logit per pixel, `Independent` over the 64. The
# latent is 2-D, so that we can draw it. We minimise $-\mathrm{ELBO}$, in nats per digit, and hold out 297
# digits to see that the bound holds on digits the model never saw.

# %%
images, labels = load_digits(scale="unit")
data = (images.reshape(-1, 64) > 0.5).astype(np.float32)
order = rs.permutation(len(data))
train, test, test_labels = data[order[:1500]], data[order[1500:]], labels[order[1500:]]
LATENT, HIDDEN = 2, (64 if QUICK else 256)
EPOCHS, BATCH = (40 if QUICK else 200), 100

encoder = nn.Sequential(nn.Linear(64, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, 2 * LATENT))
decoder = nn.Sequential(nn.Linear(LATENT, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, 64))
prior = Independent(Normal(mg.zeros(LATENT), mg.ones(LATENT)), 1)


def posterior(x):
    """The encoder's q(z | x): a Normal per image, its scale kept positive by a softplus."""
    h = encoder(x)
    return Independent(Normal(h[:, :LATENT], F.softplus(h[:, LATENT:]) + 1e-4), 1)


def elbo_terms(x):
    """(reconstruction log-likelihood, KL to the prior), each averaged over the batch."""
    q = posterior(x)
    z = q.rsample()                                         # z = mu + sigma * eps: the gradient's path
    rec = Independent(Bernoulli(logits=decoder(z)), 1).log_prob(x)
    return rec.mean(), kl_divergence(q, prior).mean()


freq = train.mean(0).clip(1e-3, 1 - 1e-3)
no_z = -(test * np.log(freq) + (1 - test) * np.log(1 - freq)).sum(1).mean()
print(f"a model that ignores z (each pixel its training frequency): {no_z:.2f} nats per held-out digit")

opt = mg.optim.Adam(list(encoder.parameters()) + list(decoder.parameters()), lr=3e-3)
xtest = mg.tensor(test)
rows, history = [], []
for epoch in range(1, EPOCHS + 1):
    perm, sums = rs.permutation(len(train)), np.zeros(2)
    for i in range(0, len(train), BATCH):
        rec, kl = elbo_terms(mg.tensor(train[perm[i:i + BATCH]]))
        loss = kl - rec                                       # -ELBO
        opt.zero_grad()
        loss.backward()
        opt.step()
        sums += [float(rec), float(kl)]
    rec, kl = sums / (len(train) // BATCH)
    with mg.no_grad():
        trec, tkl = (float(v) for v in elbo_terms(xtest))
    history.append((kl - rec, tkl - trec))
    if epoch in (1, 2, 3, EPOCHS) or epoch % max(1, EPOCHS // 5) == 0:
        rows.append([epoch, kl - rec, -rec, kl, tkl - trec])
table(["epoch", "-ELBO (train)", "-reconstruction", "KL", "-ELBO (held out)"], rows)

# %% [markdown]
# The bound falls, through the reconstruction term; the KL starts near 0 and then grows, since the encoder
# first ignores the image ($q \approx$ the prior) and then pays nats to the prior for every bit of
# information it puts into $z$. The held-out bound ends below the model that ignores $z$: two numbers per
# digit carry real information. It trails the training bound a little: 1,500 digits are few, and a longer
# run would widen the gap. Below: digits and their reconstructions (the decoder's probabilities at
# $z = \mu$), digits decoded from draws of the prior, the 2-D latent space decoded on a grid (at the
# prior's quantiles, so equal areas of the grid carry equal prior mass), and where the encoder puts the
# held-out digits.

# %%
with mg.no_grad():
    mu_test = posterior(xtest).mean
    recon = mg.sigmoid(decoder(mu_test[:10])).numpy()
    drawn = mg.sigmoid(decoder(prior.sample((20,)))).numpy()
    G = 8 if QUICK else 15
    u = Normal(0.0, 1.0).icdf(mg.tensor(np.linspace(0.03, 0.97, G), dtype=mg.float32))
    grid = mg.stack([mg.stack([u[j], u[G - 1 - i]]) for i in range(G) for j in range(G)])
    tiles = np.pad(mg.sigmoid(decoder(grid)).numpy().reshape(G, G, 8, 8), ((0, 0), (0, 0), (0, 1), (0, 1)))
    tiles = tiles.transpose(0, 2, 1, 3).reshape(G * 9, G * 9)   # (row, y, column, x): one blank line between

fig, axes = plt.subplots(4, 10, figsize=(10, 4.4))
for k, ax in enumerate(axes.flat):
    row, col = divmod(k, 10)
    img = [test[col], recon[col], drawn[col], drawn[10 + col]][row]
    ax.imshow(img.reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
    ax.set_axis_off()
for row, title in enumerate(["held-out digits", "reconstructions", "from the prior", ""]):
    axes[row, 0].set_title(title, loc="left", fontsize=9)
save(fig, "11_vae_digits.png")

fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 5))
a1.imshow(tiles, cmap="gray_r", vmin=0, vmax=1)
a1.set_title("the decoder on a grid of z (prior quantiles 3%..97%)")
a1.set_axis_off()
m = mu_test.numpy()
pts = a2.scatter(m[:, 0], m[:, 1], c=test_labels, cmap="tab10", s=10)
fig.colorbar(pts, ax=a2, label="digit")
a2.set_title("encoder means of the held-out digits")
save(fig, "11_vae_latent.png")

# %% [markdown]
# ## 4. Checking the gradient through `rsample`
#
# The whole VAE rests on one gradient: the ELBO's in the encoder's output $(\mu, \log\sigma)$, through
# $z = \mu + \sigma\varepsilon$. `mg.gradcheck` compares it with central differences in float64 (on a
# float64 copy of the trained decoder, whose parameters it checks too). For the differences to mean
# anything, every evaluation must see **the same** $\varepsilon$: we reseed minigan's generator inside the
# function, so the noise is fixed and the ELBO is a deterministic function of $(\mu, \log\sigma)$. Without
# the reseed, each evaluation draws a new $\varepsilon$ and the "derivative" is noise divided by a tiny step.

# %%
dec64 = copy.deepcopy(decoder).double()
x64 = mg.tensor(test[:4].astype(np.float64))
prior64 = Independent(Normal(mg.zeros(LATENT, dtype=mg.float64), 1.0), 1)


def elbo_of_encoder_output(mu, log_sigma, reseed=True):
    if reseed:
        mg.manual_seed(11)                                  # the same eps at every evaluation
    q = Independent(Normal(mu, log_sigma.exp()), 1)
    z = q.rsample()
    return Independent(Bernoulli(logits=dec64(z)), 1).log_prob(x64) - kl_divergence(q, prior64)


mu = mg.tensor(rs.standard_normal((4, LATENT)), requires_grad=True)
log_sigma = mg.tensor(rs.standard_normal((4, LATENT)) - 1.0, requires_grad=True)
mg.manual_seed(11)
eps = Normal(mg.zeros((4, LATENT), dtype=mg.float64), 1.0).rsample()
mg.manual_seed(11)
print("rsample == mu + sigma * eps:", max_abs(Normal(mu, log_sigma.exp()).rsample(), mu + log_sigma.exp() * eps))
report = mg.gradcheck(elbo_of_encoder_output, [mu, log_sigma], params=list(dec64.parameters()))
print(report)
noisy = mg.gradcheck(lambda m, s: elbo_of_encoder_output(m, s, reseed=False), [mu, log_sigma],
                     raise_exception=False)
print(f"without fixing the noise: passed = {noisy.passed}, largest |analytic - numeric| = {noisy.max_abs_err:.3g}")
print(f"lesson ran in {time.perf_counter() - START:.1f} s")

# %% [markdown]
# ## What to take away
#
# - A distribution is an object with shapes (`batch_shape`, `event_shape`), `sample`, `log_prob`, `entropy`;
#   `Independent` turns a batch into one event; `kl_divergence` knows the closed forms, which agree with
#   the Monte Carlo definition.
# - Two unbiased estimators get a gradient through a draw. The score function (`f * log_prob`) needs only
#   `log_prob`, so it works for discrete $z$ and for an $f$ with no useful derivative, at a variance many
#   times higher. The reparameterised one (`rsample`) moves the randomness into a fixed $\varepsilon$ and
#   backpropagates through $z = \mu + \sigma\varepsilon$: low variance, but $z$ must be continuous and $f$
#   differentiable. Relaxations (`RelaxedBernoulli`) trade a bias for the reparameterisation.
# - A VAE is the reparameterised estimator put to work: ELBO = `log_prob` of the image under the decoder
#   minus `kl_divergence` to the prior, and its gradient through `rsample` checks out in float64 once
#   the noise is held fixed.
