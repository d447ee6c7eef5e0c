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
# # Lesson 5 — Pooling, batch norm, and the layers of a DCGAN
#
# Two more pieces, then the whole machine. **Pooling** shrinks a feature map; its backward routes each
# gradient to where it came from. **Batch norm** standardises every channel over the batch; its backward
# has a property worth seeing. Then we stack transposed convolutions into a generator G and convolutions
# into a discriminator D, as in the course's MNIST DCGAN, and trace the shapes through both.

# %%
from _common import save, table

import matplotlib.pyplot as plt
import numpy as np

import minigan as mg
import minigan.nn as nn
import minigan.nn.functional as F
from minigan.kernels import shapes

rs = np.random.default_rng(0)
mg.manual_seed(0)

# %% [markdown]
# ## 1. Max pooling: the gradient goes to the winner
#
# `max_pool2d` keeps the largest value of each window. Only that element affected the output, so in
# backward the whole gradient of the output goes to it, and every other element of the window gets 0.
# With a 2x2 window and stride 2 the windows tile the input:

# %%
x = mg.tensor(rs.permutation(16).reshape(1, 1, 4, 4).astype(np.float64), requires_grad=True)
y = F.max_pool2d(x, 2)
y.backward(mg.ones(1, 1, 2, 2, dtype=mg.float64))
print("x:\n", x.numpy()[0, 0], "\nmax_pool2d(x, 2):\n", y.numpy()[0, 0], "\nx.grad (ones flow back):\n",
      x.grad.numpy()[0, 0])

# %% [markdown]
# With overlapping windows (kernel 3, stride 2) one element can win *several* windows. Its gradient is then
# the **sum** of theirs — the accumulation from lesson 1 again; a backward that assigns instead of adds gets
# this wrong, and only an overlapping case shows it.

# %%
x = mg.tensor(rs.permutation(49).reshape(1, 1, 7, 7).astype(np.float64), requires_grad=True)
y = F.max_pool2d(x, 3, stride=2)
y.backward(mg.ones(*y.shape, dtype=mg.float64))
g = x.grad.numpy()[0, 0]
print(f"7x7 -> {y.shape[2]}x{y.shape[3]} (kernel 3, stride 2): {y.numel()} windows, gradient total "
      f"{g.sum():g}; the most windows won by one element: {int(g.max())}")
print(mg.gradcheck(lambda t: F.max_pool2d(t, 3, stride=2), [x], what="max_pool2d k3 s2"))

# %% [markdown]
# Average pooling spreads each output's gradient evenly, $1/k^2$ to each element of its window:

# %%
xa = mg.tensor(rs.standard_normal((1, 1, 4, 4)), requires_grad=True)
F.avg_pool2d(xa, 2).sum().backward()
print("avg_pool2d(x, 2): x.grad =", np.unique(xa.grad.numpy()).tolist(), "everywhere (1/4)")

# %%
fig, axes = plt.subplots(1, 2, figsize=(7, 3.3))
axes[0].imshow(x.numpy()[0, 0], cmap="viridis")
axes[0].set_title("input 7x7")
im = axes[1].imshow(g, cmap="Reds")
for (r, c), v in np.ndenumerate(g):
    if v:
        axes[1].text(c, r, int(v), ha="center", va="center")
axes[1].set_title("max_pool2d k3 s2: windows won")
for a in axes:
    a.set_xticks([])
    a.set_yticks([])
save(fig, "05_maxpool_grad.png")

# %% [markdown]
# DCGAN avoids pooling altogether: its discriminator shrinks the map with *strided* convolutions, which
# learn how to downsample, and its generator grows it with transposed convolutions (Radford et al. 2015).
#
# ## 2. Batch norm
#
# In training mode, `BatchNorm2d` standardises each channel with the mean and (biased) variance over the
# batch and all positions, then scales and shifts by learnable `weight` and `bias`:
# $\hat x = (x - \mu_c)/\sqrt{\sigma_c^2 + \epsilon}$, $y = \gamma_c \hat x + \beta_c$.

# %%
bn = nn.BatchNorm2d(3)
xb = mg.tensor((rs.standard_normal((8, 3, 5, 5)) * [[[[2.0]], [[0.5]], [[3.0]]]] + [[[[1.0]], [[-4.0]], [[7.0]]]])
                .astype(np.float32))
yb = bn(xb)
table(["channel", "input mean", "input std", "output mean", "output std", "running_mean", "0.1 x batch mean"],
      [[c, xb.numpy()[:, c].mean(), xb.numpy()[:, c].std(), yb.numpy()[:, c].mean(), yb.numpy()[:, c].std(),
        bn.running_mean.numpy()[c], 0.1 * xb.numpy()[:, c].mean()] for c in range(3)])

# %% [markdown]
# It also keeps running averages (momentum 0.1, starting from mean 0 and variance 1) for evaluation, where
# a single image has no batch to take statistics from. So the same input gives different outputs in
# `train()` and `eval()` mode:

# %%
bn.eval()
print(f"channel 2, same input: output mean {yb.numpy()[:, 2].mean():.3f} in train mode, "
      f"{bn(xb).numpy()[:, 2].mean():.3f} in eval mode (running mean {bn.running_mean.numpy()[2]:.3f} "
      f"after one batch, batch mean {xb.numpy()[:, 2].mean():.3f})")
bn.train()

# %% [markdown]
# ### What batch norm does to gradients
#
# Add a constant to every input of one channel: the mean moves with it, $\hat x$ does not change, and
# neither does the loss. So the gradient has no component along that direction: **per channel, the input
# gradient sums to zero**. Scaling a channel changes nothing either, so the gradient is also orthogonal to
# $\hat x$ — exactly so with $\epsilon = 0$, which we use here (the small $\epsilon$ under the square root
# breaks the scale invariance by a hair).

# %%
xg = mg.tensor(xb.numpy().astype(np.float64), requires_grad=True)
w_, b_ = mg.ones(3, dtype=mg.float64), mg.zeros(3, dtype=mg.float64)
out = F.batch_norm(xg, None, None, w_, b_, training=True, eps=0.0)   # weight 1, bias 0: out is x_hat
out.backward(mg.tensor(rs.standard_normal(out.shape)))
gx = xg.grad.numpy()
xhat = out.numpy()
print(f"largest |per-channel sum of the input gradient|: {np.abs(gx.sum(axis=(0, 2, 3))).max():.1e}   "
      f"(the gradient itself is up to {np.abs(gx).max():.2f})")
print(f"largest |per-channel sum of gradient * x_hat|:   {np.abs((gx * xhat).sum(axis=(0, 2, 3))).max():.1e}")
print(mg.gradcheck(lambda t, w, b: F.batch_norm(t, None, None, w, b, training=True),
                   [mg.tensor(rs.standard_normal((3, 2, 3, 2)), requires_grad=True),
                    mg.tensor(rs.standard_normal(2), requires_grad=True),
                    mg.tensor(rs.standard_normal(2), requires_grad=True)], what="batch_norm (train)"))

# %% [markdown]
# ## 3. The layers of a DCGAN
#
# The course's MNIST DCGAN (from `COURSE.md`; `minigan.gan.models.Course28Generator` and
# `Course28Discriminator` build the same):
#
# - **G**: noise $z$ (100 numbers), read as a 100-channel 1x1 image, then ConvTranspose2d with kernel 3,
#   stride 2 and no bias, 100 → 256 → 128 → 64 → 1 channels, BatchNorm + ReLU between, tanh at the end.
#   Sizes 1 → 3 → 7 → 15 → 28; the last layer uses padding 2 and output_padding 1 (lesson 4).
# - **D**: Conv2d with kernel 4, stride 2, padding 1, 1 → 64 → 128 → 256 → 1 channels
#   (28 → 14 → 7 → 3 → 1), LeakyReLU 0.2 and BatchNorm between (no BatchNorm after the first layer).
#   The last layer turns the 3x3 map into a single logit: $\lfloor (3 + 2 - 4)/2 \rfloor + 1 = 1$.
#
# Weights start from $N(0, 0.02)$ and BatchNorm's scale from $N(1, 0.02)$ (Radford et al.).

# %%
def generator(nz=100):
    layers, c_in = [], nz
    for c in (256, 128, 64):
        layers += [nn.ConvTranspose2d(c_in, c, 3, stride=2, bias=False), nn.BatchNorm2d(c), nn.ReLU()]
        c_in = c
    layers += [nn.ConvTranspose2d(c_in, 1, 3, stride=2, padding=2, output_padding=1, bias=False), nn.Tanh()]
    return nn.Sequential(*layers)


def discriminator():
    layers, c_in = [], 1
    for i, c in enumerate((64, 128, 256)):
        layers.append(nn.Conv2d(c_in, c, 4, stride=2, padding=1, bias=i == 0))
        if i > 0:
            layers.append(nn.BatchNorm2d(c))
        layers.append(nn.LeakyReLU(0.2))
        c_in = c
    layers += [nn.Conv2d(c_in, 1, 4, stride=2, padding=1), nn.Flatten()]      # 3x3 -> 1x1: one logit
    return nn.Sequential(*layers)


def dcgan_init(model):
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)
    return model


G, D = dcgan_init(generator()), dcgan_init(discriminator())
print("G's conv weights, measured std:", [f"{m.weight.numpy().std():.4f}" for m in G.modules()
                                          if isinstance(m, nn.ConvTranspose2d)])

# %% [markdown]
# ### Shapes traced through G and D
#
# We run a batch of 4 noise vectors through G, layer by layer, and the images through D. For every
# (transposed) convolution the table also shows the size the formula predicts:
# conv2d $\lfloor (H + 2p - k)/s \rfloor + 1$, transposed $(H - 1)s - 2p + k + \text{output\_padding}$.

# %%
def describe(layer):
    """A short name: ``ConvTranspose2d(100->256, k3 s2 p0)``."""
    if isinstance(layer, (nn.Conv2d, nn.ConvTranspose2d)):
        s = (f"{type(layer).__name__}({layer.in_channels}->{layer.out_channels}, k{layer.kernel_size[0]} "
             f"s{layer.stride[0]} p{layer.padding[0]}")
        if getattr(layer, "output_padding", (0, 0)) != (0, 0):
            s += f" op{layer.output_padding[0]}"
        return s + ")"
    if isinstance(layer, nn.BatchNorm2d):
        return f"BatchNorm2d({layer.num_features})"
    return repr(layer)


def trace(model, x):
    rows, sizes = [], [x.shape[2]]
    for layer in model:
        h = x.shape[2] if x.ndim == 4 else None
        x = layer(x)
        predicted = ""
        if isinstance(layer, nn.ConvTranspose2d):
            predicted = shapes.conv_transpose2d_output_size(h, h, layer.kernel_size, layer.stride, layer.padding,
                                                            layer.output_padding)[0]
        elif isinstance(layer, nn.Conv2d):
            predicted = shapes.conv2d_output_size(h, h, layer.kernel_size, layer.stride, layer.padding)[0]
        n_params = sum(p.numel() for p in layer.parameters())
        rows.append([describe(layer), str(x.shape), predicted, n_params])
        if isinstance(layer, (nn.Conv2d, nn.ConvTranspose2d)):
            sizes.append(x.shape[2])
    table(["layer", "output shape", "formula", "parameters"], rows)
    return x, sizes


z = mg.randn(4, 100).reshape(4, 100, 1, 1)
print("G: z", z.shape)
fake, g_sizes = trace(G, z)
print("\nD: images", fake.shape)
logits, d_sizes = trace(D, fake)
n_g, n_d = sum(p.numel() for p in G.parameters()), sum(p.numel() for p in D.parameters())
print(f"\nG has {n_g:,} parameters, D has {n_d:,}")
print(f"G's output lies in [{fake.numpy().min():.3f}, {fake.numpy().max():.3f}] (tanh), D's logits: "
      f"{logits.numpy().ravel()}")

# %% [markdown]
# ### Gradients flow through both
#
# Phase 2 of GAN training (lesson 6) trains G *through* D: the loss is computed on D's logits, and backward
# runs through D's convolutions (as transposed convolutions) and on through G's transposed convolutions (as
# convolutions) down to G's first weight. D's own weights are frozen in that phase; they still pass the
# gradient on.

# %%
for p in D.parameters():
    p.requires_grad_(False)
loss = F.binary_cross_entropy_with_logits(D(G(z)), mg.ones(4, 1))
loss.backward()
first = G[0].weight
print(f"generator loss {loss.item():.4f}; G's first weight {first.shape} got a gradient of norm "
      f"{np.linalg.norm(first.grad.numpy()):.2e}; D's weights have grad: "
      f"{any(p.grad is not None for p in D.parameters())}")

# %% [markdown]
# ### Watching layers from outside: forward hooks
#
# The trace above called each layer by hand. A model's own forward can be watched from outside, as in
# PyTorch, with a *forward hook*: a function a layer calls after every forward with its input and output
# (`layer.register_forward_hook(fn)`; `handle.remove()` takes it off again). Here each of G's batch norms
# reports what it hands on (mean near 0 and standard deviation near 1 in every channel: section 2 at work),
# then each ReLU and the final tanh what they make of it.

# %%
watched = []


def report(layer, args, out):
    """A forward hook: one row per call, naming the layer and the statistics of its output."""
    a = out.numpy()
    watched.append([type(layer).__name__, str(out.shape), f"{a.mean():+.3f}", f"{a.std():.3f}",
                    f"{(a == 0).mean():.0%}"])


handles = [m.register_forward_hook(report) for m in G if isinstance(m, (nn.BatchNorm2d, nn.ReLU, nn.Tanh))]
with mg.no_grad():
    G(mg.randn(16, 100).reshape(16, 100, 1, 1))
for h in handles:
    h.remove()
table(["layer", "output shape", "mean", "std", "zeros"], watched)

# %% [markdown]
# Each ReLU then zeroes the negative half of its (roughly standard normal) input: half its outputs are
# exactly 0, and the rest give a mean of $1/\sqrt{2\pi} \approx 0.399$ and a standard deviation of
# $\sqrt{1/2 - 1/(2\pi)} \approx 0.584$, which is what the hooks report. Batch norm hands every layer
# inputs of the same scale, whatever the weights do.

# %%
fig, ax = plt.subplots(figsize=(6.5, 3.4))
ax.plot(range(len(g_sizes)), g_sizes, "o-", label="G: ConvTranspose2d k3 s2")
ax.plot(range(len(g_sizes) - 1, len(g_sizes) - 1 + len(d_sizes)), d_sizes, "s-", label="D: Conv2d k4 s2 p1")
for i, sz in enumerate(g_sizes + d_sizes[1:]):
    ax.annotate(str(sz), (i, sz), textcoords="offset points", xytext=(0, 6), ha="center")
ax.set_xlabel("layer (G, then D)")
ax.set_ylabel("feature-map side (pixels)")
ax.set_title("z (1x1) → G → 28x28 image → D → 1x1 logit")
ax.legend()
save(fig, "05_dcgan_sizes.png")

# %% [markdown]
# ## What to remember
#
# - Max pooling's gradient goes to each window's winner, summed when windows overlap; average pooling
#   spreads it evenly.
# - Batch norm standardises per channel over the batch; its input gradient sums to zero per channel.
#   Train and eval modes differ (batch vs running statistics).
# - A DCGAN's G is transposed convolutions growing 1 → 28, D is strided convolutions shrinking 28 → 1, and
#   every size follows from the two formulas of lessons 3 and 4.
# - Next: lesson 6 trains a GAN, the fully connected one on the 8x8 digits. This DCGAN trains with
#   `minigan gan train --model course28 --data mnist:DIR`, on MNIST files you have in DIR/mnist.
