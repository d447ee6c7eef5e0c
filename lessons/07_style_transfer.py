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
# # Lesson 7 — Style transfer
#
# Gatys, Ecker & Bethge (2016) paint a picture in the style of another by optimising its **pixels**. A
# fixed convolutional network turns an image into feature maps, and two numbers compare them with targets:
#
# - the **content loss**: how far the features are from a content photo's, position by position;
# - the **style loss**: how far the features' **Gram matrices** are from a style image's. A Gram matrix
#   sums over positions: it keeps which features occur together and forgets where.
#
# L-BFGS on $\alpha L_{content} + \beta L_{style} + \gamma L_{TV}$ moves the pixels; nothing else is trained.
# With no content image, started from noise, the same loop synthesises a texture.
#
# The network is usually VGG, trained on ImageNet. minigan ships no trained weights and does not need
# them: its default extractor is one layer of **random** filters of six sizes. In this lesson we
#
# 1. compute a Gram matrix, shuffle the positions, and see what it keeps and what it throws away;
# 2. trade content against style with the weight ratio $\beta / \alpha$;
# 3. switch the total-variation term on and off;
# 4. synthesise a texture from noise, and check it with a second, independently drawn network;
# 5. ask why random filters work at all.

# %%
from _common import QUICK, max_abs, save, table

import matplotlib.pyplot as plt
import numpy as np

import minigan as mg
import minigan.nn.functional as F
from minigan.data import load_image
from minigan.style import (RandomMultiscale, StyleObjective, gram_matrix, style_transfer, synthesize_texture,
                           total_variation_loss)

# Quick mode (MINIGAN_QUICK=1) works on 32-pixel images with few steps: the numbers still tell the story,
# the pictures are rough. The full run (128 px) takes several minutes on two cores.
SIZE = 32 if QUICK else 128          # pixels per side; the largest filter (23 px) needs at least 23
STEPS = 20 if QUICK else 100         # loss-and-gradient evaluations per style transfer
TEXTURE_STEPS = 30 if QUICK else 200
rs = np.random.default_rng(0)

extractor = RandomMultiscale(seed=0)  # 64 random filters of each size 3, 5, 7, 11, 15, 23; ReLU; no training
print(extractor)


def pieces(name):
    """Two different SIZE x SIZE pieces of a shipped texture: its top-left and bottom-right quarters."""
    big = load_image(name, 2 * SIZE)
    return big[..., :SIZE, :SIZE].copy(), big[..., SIZE:, SIZE:].copy()


def terms(objective, image):
    """The unweighted loss terms of ``image`` as floats; content and style are relative errors (all-zero
    features would score 1)."""
    with mg.no_grad():
        return {k: float(v.item()) for k, v in objective(mg.tensor(image)).items()}


def show(ax, image, title):
    ax.imshow(np.clip(image[0].transpose(1, 2, 0), 0, 1))
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])


# %% [markdown]
# ## 1. The Gram matrix
#
# The extractor maps an image `(1, 3, H, W)` in [0, 1] to one feature map per filter size, `k3` ... `k23`,
# each with 64 channels of ReLU(conv). Convolutions are "valid", so the `k` map is $H - k + 1$ wide.

# %%
photo = load_image("grace_hopper", SIZE)
with mg.no_grad():
    features = extractor(mg.tensor(photo))
print({name: f.shape for name, f in features.items()})

# %% [markdown]
# Flatten one map's positions: $F$ is $C \times M$ with $M = H W$. Its Gram matrix is
#
# $$G = \frac{1}{CM} F F^\top, \qquad G_{ij} = \frac{1}{CM} \sum_{m=1}^{M} F_{im} F_{jm},$$
#
# how strongly channels $i$ and $j$ fire together, summed over all positions. ($1/(CM)$ is the course's
# PyTorch notebook's scaling, `normalize="chw"`.)
#
# A sum does not care about the order of its terms. Shuffle the $M$ positions with one permutation for every
# channel, $F \to FP$ with a permutation matrix $P$, and $(FP)(FP)^\top = F P P^\top F^\top = F F^\top$: the
# Gram matrix does not move. The features themselves, compared position by position as the content loss
# compares them, become a different picture.

# %%
F5 = features["k5"]
n, c, h, w = F5.shape
G = gram_matrix(F5)
perm = rs.permutation(h * w)
F5_shuffled = mg.tensor(F5.numpy().reshape(n, c, h * w)[:, :, perm].reshape(n, c, h, w))
G_shuffled = gram_matrix(F5_shuffled)


def rel(a, b):
    """||a - b|| / ||b||, the relative error of a against b."""
    a, b = (t.numpy() if hasattr(t, "numpy") else np.asarray(t) for t in (a, b))
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


print(f"k5 features F: {F5.shape}, Gram G: {G.shape}, largest |G_ij| = {np.abs(G.numpy()).max():.4f}")
print(f"positions shuffled:  max |G(FP) - G(F)| = {max_abs(G_shuffled, G):.1e}   (float32: the sum runs in "
      f"another order)")
print(f"                     ||FP - F|| / ||F|| = {rel(F5_shuffled, F5):.2f}")

# %% [markdown]
# ### What that means for images
#
# Shuffling feature positions is an experiment on paper; on images we can ask the same question with the
# whole style loss. `StyleObjective` compares an image with a reference: the content term is the relative
# squared error of the `k3` and `k5` features, $\mathrm{mean}((F - P)^2) / \mathrm{mean}(P^2)$; the style
# term, the mean over the six maps of the relative Gram error $\|G - A\|^2 / \|A\|^2$.
#
# The reference is the `mosaic` texture. We compare with it: the reference cut into 4 x 4 tiles that are
# shuffled (the same cells in other places), the reference with its pixels shuffled (the same colours,
# nothing else), another texture, and the photo.

# %%
reference = load_image("mosaic", SIZE)
tile = SIZE // 4
tiles = [reference[..., i:i + tile, j:j + tile] for i in range(0, SIZE, tile) for j in range(0, SIZE, tile)]
order = rs.permutation(len(tiles))
rows_of_tiles = [np.concatenate([tiles[order[4 * r + q]] for q in range(4)], axis=3) for r in range(4)]
tiles_shuffled = np.concatenate(rows_of_tiles, axis=2)
pixel_perm = rs.permutation(SIZE * SIZE)
pixels_shuffled = reference.reshape(1, 3, -1)[:, :, pixel_perm].reshape(reference.shape)
stripes = load_image("stripes", SIZE)

compare = StyleObjective(extractor, mg.tensor(reference), mg.tensor(reference))
candidates = [("the reference itself", reference), ("reference, tiles shuffled", tiles_shuffled),
              ("reference, pixels shuffled", pixels_shuffled), ("stripes", stripes), ("the photo", photo)]
scores = {name: terms(compare, img) for name, img in candidates}
table(["image", "content error (relative)", "style error (relative)"],
      [[name, s["content"], s["style"]] for name, s in scores.items()])

# %%
fig, axes = plt.subplots(1, len(candidates), figsize=(2.3 * len(candidates), 2.9))
for ax, (name, img) in zip(axes, candidates):
    show(ax, img, f"{name}\ncontent {scores[name]['content']:.2f}, style {scores[name]['style']:.3f}")
save(fig, "07_gram_keeps.png")

# %% [markdown]
# Read the table by columns. The content error says "a different picture" to everything but the reference.
# The style error ranks them as textures: the shuffled tiles stay close to the reference (the seams between
# tiles are the only new thing), while stripes and the photo are far. Shuffled *pixels* land in between,
# though their colours are exactly the same. The Gram matrix of the pixels themselves, a 1 x 1 "filter",
# cannot see the difference:

# %%
print(f"Gram of the raw pixels (3 x 3), pixels shuffled: max difference "
      f"{max_abs(gram_matrix(mg.tensor(pixels_shuffled)), gram_matrix(mg.tensor(reference))):.1e}")

# %% [markdown]
# A $k \times k$ filter looks at a $k \times k$ window, so its Gram matrix keeps the arrangement of pixels
# *inside* a window and forgets everything larger. That is what a texture is: the same local statistics
# everywhere, no particular layout. Small filters keep colours and edges; the cells of the mosaic, 5-15
# pixels across here, need the big ones.
#
# ### The gradient of the Gram matrix
#
# $F$ appears twice in $F F^\top$, so (lesson 1) both uses send a gradient back and they add up: for
# $L = \sum_{ij} V_{ij} G_{ij}$ with $G = F F^\top$, $\partial L / \partial F = (V + V^\top) F$. minigan's
# autograd gets it from the matmul and the transpose; we check it against the formula and with gradcheck:

# %%
Fa = mg.tensor(rs.standard_normal((2, 3, 4, 5)), requires_grad=True)
V = rs.standard_normal((2, 3, 3))
(gF,) = mg.grad(gram_matrix(Fa, "none"), [Fa], grad_outputs=mg.tensor(V))
by_hand = (V + V.transpose(0, 2, 1)) @ Fa.numpy().reshape(2, 3, 20)
print(f"max |autograd - (V + V^T) F| = {max_abs(gF.numpy().reshape(2, 3, 20), by_hand):.1e}")
print(mg.gradcheck(lambda f: gram_matrix(f), [Fa], what="gram_matrix, normalize='chw'"))

# %% [markdown]
# ## 2. Content against style
#
# Now the real thing: Grace Hopper in the style of the mosaic. `style_transfer` starts from the photo and
# runs L-BFGS on $1 \cdot L_{content} + \beta L_{style} + 3 L_{TV}$ (pixels clamped to [0, 1] every 10
# iterations). Both losses are relative errors (all-zero features would score 1), so they live on the same
# scale and $\beta$ alone says how much style counts. Three runs, $\beta$ = 0.05, 0.5 (minigan's default)
# and 5:

# %%
style_image = load_image("mosaic", SIZE)
objective = StyleObjective(extractor, mg.tensor(photo), mg.tensor(style_image))
start = terms(objective, photo)
print(f"the photo itself: content {start['content']:.3f}, style {start['style']:.3f}")

BETAS = (0.05, 0.5, 5.0)
results = {}
rows = []
for beta in BETAS:
    results[beta] = style_transfer(photo, style_image, extractor, steps=STEPS, style_weight=beta, tv_weight=3.0,
                                   quiet=True).image
    t = terms(objective, results[beta])
    rows.append([beta, t["content"], t["style"], f"{start['style'] / t['style']:.1f}x"])
table(["beta", "content loss", "style loss", "style loss fell"], rows)

# %%
fig, axes = plt.subplots(1, 2 + len(BETAS), figsize=(2.4 * (2 + len(BETAS)), 2.8))
show(axes[0], photo, "content")
show(axes[1], style_image, "style")
for ax, (beta, img), row in zip(axes[2:], results.items(), rows):
    show(ax, img, f"beta = {beta}\ncontent {row[1]:.3f}, style {row[2]:.3f}")
save(fig, "07_content_vs_style.png")

# %% [markdown]
# The larger $\beta$, the lower the style loss and the higher the content loss: the optimiser buys one with
# the other. At small $\beta$ the picture stays a photo with a tint; at large $\beta$ the mosaic's palette
# and patchiness take over and the face fades. The course's notebooks use $\beta / \alpha$ = 30 and $10^5$;
# their losses are not normalised, so those numbers only make sense together with the sizes of their terms.
#
# ## 3. Total variation
#
# The style loss has no opinion about neighbouring pixels, and L-BFGS happily leaves high-frequency noise
# that no filter minds. The total-variation term penalises differences between neighbours,
# $L_{TV} = \mathrm{mean}(\Delta_x^2 + \Delta_y^2)$ (the squared form; the course's Keras notebook uses
# $\sum (\Delta_x^2 + \Delta_y^2)^{1.25}$, `form="power"`). The $\beta = 0.5$ run again, without it:

# %%
no_tv = style_transfer(photo, style_image, extractor, steps=STEPS, style_weight=0.5, tv_weight=0.0, quiet=True).image


def tv(image):
    with mg.no_grad():
        return float(total_variation_loss(mg.tensor(image)).item())


t_with, t_without = terms(objective, results[0.5]), terms(objective, no_tv)
table(["run", "total variation", "content loss", "style loss"],
      [["the photo", tv(photo), 0.0, start["style"]],
       ["beta 0.5, TV weight 3", tv(results[0.5]), t_with["content"], t_with["style"]],
       ["beta 0.5, TV weight 0", tv(no_tv), t_without["content"], t_without["style"]]])
print(f"the TV term lowers the total variation by {1 - tv(results[0.5]) / tv(no_tv):.0%}; it changes the content "
      f"loss by {t_with['content'] / t_without['content'] - 1:+.0%} and the style loss by "
      f"{t_with['style'] / t_without['style'] - 1:+.0%}")

# %%
fig, axes = plt.subplots(1, 2, figsize=(6, 3.2))
show(axes[0], no_tv, f"TV weight 0\nTV {tv(no_tv):.4f}")
show(axes[1], results[0.5], f"TV weight 3\nTV {tv(results[0.5]):.4f}")
save(fig, "07_tv.png")

# %% [markdown]
# The smoothing costs little: the content and style losses move by a few per cent (the last line), far less
# than the total variation drops. The TV weight is a matter of taste; minigan's default, 3, meets the
# quality targets of `benchmarks/style_quality.py`.
#
# ## 4. Texture synthesis from noise
#
# Drop the content term, start from uniform noise, and match only the Gram matrices: the result is a new
# piece of the texture. The style image is one piece of `marble`.

# %%
texture, texture_other_piece = pieces("marble")
synthesised = synthesize_texture(texture, extractor, steps=TEXTURE_STEPS, seed=0, quiet=True)
curve = synthesised.history["style"]               # style weight 1: the unweighted Gram loss
noise = np.random.default_rng(0).random((1, 3, SIZE, SIZE), dtype=np.float32)   # the start (seed=0)
own = StyleObjective(extractor, None, mg.tensor(texture))
print(f"Gram loss of the noise, recomputed: {terms(own, noise)['style']:.4f} (the run's first evaluation: "
      f"{curve[0]:.4f})")
print(f"Gram loss: start {curve[0]:.4f} -> end {terms(own, synthesised.image)['style']:.3g}, "
      f"fell {curve[0] / terms(own, synthesised.image)['style']:.0f}x in {len(curve)} evaluations")

# %% [markdown]
# The optimiser was shown 384 filters; perhaps it found an image that fools exactly those and nothing else.
# The test: draw a **second network**, same architecture, another seed (`seed=1`, filters it has never
# seen), and measure the Gram loss there. For scale: a second real piece of marble, cut from the same
# picture.

# %%
judge = StyleObjective(RandomMultiscale(seed=1), None, mg.tensor(texture))
j_noise, j_result = terms(judge, noise)["style"], terms(judge, synthesised.image)["style"]
j_real = terms(judge, texture_other_piece)["style"]
table(["image", "Gram loss, network seed 0 (optimised)", "Gram loss, network seed 1 (never seen)"],
      [["noise (the start)", terms(own, noise)["style"], j_noise],
       ["synthesised", terms(own, synthesised.image)["style"], j_result],
       ["another real piece of marble", terms(own, texture_other_piece)["style"], j_real]])
print(f"measured with the unseen network the Gram loss still fell {j_noise / j_result:.0f}x")

# %%
fig = plt.figure(figsize=(11, 2.9))
for i, (img, title) in enumerate([(texture, "style: marble"), (noise, "start: noise"),
                                  (synthesised.image, "synthesised")]):
    show(fig.add_subplot(1, 4, i + 1), img, title)
ax = fig.add_subplot(1, 4, 4)
ax.semilogy(np.minimum.accumulate(curve))   # the lowest so far: L-BFGS's line-search trials overshoot at times
ax.set_xlabel("evaluation")
ax.set_title("Gram loss, lowest so far (seed 0)", fontsize=9)
save(fig, "07_texture.png")

# %% [markdown]
# The unseen network agrees that the noise became marble: the match is of the texture, not of one set of
# filters. (It is less perfect there than on the network that was optimised, as one expects.) The synthesis
# even scores lower than the second real piece: it copies the statistics of this one piece, chance
# fluctuations included, while two pieces of marble differ as two samples do.
#
# ## 5. Why random filters work at all
#
# A trained network's first layer learns edge and colour detectors. Random filters are not edge detectors
# by design, yet each one already prefers some orientations and some scales. A filter's response to a
# grating of frequency $f$ is $|\hat w(f)|$, its Fourier transform at $f$; for random weights that is a
# random bumpy function of $f$, with bumps about $1/k$ wide for a $k \times k$ filter.
#
# A *zone plate*, $\cos(\pi r^2 / L)$, is a grating whose frequency grows with the distance from the centre
# and whose orientation turns with the angle; so a filter's response to it draws $|\hat w|$ as a map: the
# bright lobes are the orientations and scales the filter responds to.

# %%
L = 128
yy, xx = np.mgrid[-L // 2:L // 2, -L // 2:L // 2].astype(np.float32)
zone = 0.5 + 0.5 * np.cos(np.pi * (xx ** 2 + yy ** 2) / L)
zone = np.where(xx ** 2 + yy ** 2 < (L / 2) ** 2, zone, 0.5).astype(np.float32)   # beyond r = L/2 it would alias
zone_rgb = mg.tensor(np.repeat(zone[None, None], 3, axis=1) - 0.5)
SHOWN = {3: 0, 7: 2, 23: 4}          # size -> index of the layer in the extractor
fig, axes = plt.subplots(len(SHOWN), 7, figsize=(14, 6.4))
for row, (k, i) in zip(axes, SHOWN.items()):
    weight = extractor.convs[i].weight.numpy()[:3]
    with mg.no_grad():
        response = F.relu(F.conv2d(zone_rgb, mg.tensor(weight))).numpy()[0]
    show(row[0], zone[None, None].repeat(3, 1), "zone plate" if k == 3 else "")
    for j in range(3):
        wj = weight[j]
        show(row[1 + 2 * j], (0.5 + 0.5 * wj / np.abs(wj).max())[None], f"k{k} filter {j}")
        row[2 + 2 * j].imshow(response[j], cmap="magma")
        row[2 + 2 * j].set_title("its response", fontsize=9)
        row[2 + 2 * j].set_xticks([])
        row[2 + 2 * j].set_yticks([])
save(fig, "07_random_filters.png")

# %% [markdown]
# Now in numbers. For each filter, we take its gray response (the three colour planes summed) and compute
# $|\hat w|$ on 90 orientations at a grating period of 4 and of 16 pixels. Two measures per size:
# the **orientation selectivity**, the best orientation's response over the worst's, and the **tuning
# width**, the fraction of orientations that get at least half the best response (1 = blind to orientation).
# Medians over the 64 filters of each size:

# %%
angles = np.linspace(0, np.pi, 90, endpoint=False)


def orientation_response(w, period):
    """|w^(f)| at frequency 1/period along each angle: the amplitude of the response to a gray grating."""
    k = w.shape[0]
    u = np.arange(k) - (k - 1) / 2
    f = 1.0 / period
    phase = np.exp(-2j * np.pi * f * (np.cos(angles)[:, None, None] * u[None, :, None]
                                      + np.sin(angles)[:, None, None] * u[None, None, :]))
    return np.abs((phase * w[None]).sum(axis=(1, 2)))


rows = []
for k, conv in zip(extractor.sizes, extractor.convs):
    gray = conv.weight.numpy().sum(axis=1)                 # (64, k, k): the response to a gray image
    row = [f"k{k}"]
    for period in (4, 16):
        amp = np.stack([orientation_response(g, period) for g in gray])        # (64, 90)
        selectivity = amp.max(1) / amp.min(1)
        width = (amp >= amp.max(1, keepdims=True) / 2).mean(1)
        row += [float(np.median(selectivity)), float(np.median(width))]
    rows.append(row)
table(["size", "selectivity @4 px", "tuning width @4 px", "selectivity @16 px", "tuning width @16 px"], rows)

# %% [markdown]
# Every size prefers some orientations over others, and the bigger the filter, the sharper its tuning. At a
# period of 16 pixels, slow structures such as the mosaic's cells, a 3 x 3 filter sees nearly a constant
# and barely cares about orientation; a 23 x 23 filter does. That is why the scales matter: the Gram matrix
# of a size keeps only what fits in its window.
#
# Ustyuzhaninov, Brendel, Gatys & Bethge (2016, "Texture synthesis using shallow convolutional networks with
# random filters") found that one layer of random filters of sizes 3 to 55, 128 maps each, synthesises
# textures about as well as VGG, provided there are many filters and many scales. He, Wang & Hopcroft
# (2016, "A powerful generative model using random weights for the deep image representation") did style
# transfer with a random-weight VGG, given a per-layer normalisation of the loss (here `normalize_layers=True`:
# each layer's error relative to its target). Many random projections of the local patches, with all their
# co-activations matched, pin down the patches' statistics; learned filters are more economical, not
# essential.
#
# Let us test the two ingredients: synthesise the same marble with (a) only 3 x 3 filters, as many as the
# full extractor has (384), and (b) all six sizes but only 8 filters each, and judge all results with the
# unseen seed-1 network.

# %%
variants = {"6 sizes x 64 (the default)": (extractor, synthesised.image),
            "3 x 3 only, 384 filters": (RandomMultiscale(sizes=(3,), channels=384, seed=0), None),
            "6 sizes x 8 filters": (RandomMultiscale(channels=8, seed=0), None)}
judge_k3 = StyleObjective(judge.extractor, None, mg.tensor(texture), style_layers=["k3"])
judge_k23 = StyleObjective(judge.extractor, None, mg.tensor(texture), style_layers=["k23"])
rows = []
for name, (ex, image) in variants.items():
    if image is None:
        image = synthesize_texture(texture, ex, steps=TEXTURE_STEPS, seed=0, quiet=True).image
        variants[name] = (ex, image)
    own_v = StyleObjective(ex, None, mg.tensor(texture))
    rows.append([name, sum(ex.channels), f"{terms(own_v, noise)['style'] / terms(own_v, image)['style']:.0f}x",
                 terms(judge, image)["style"], terms(judge_k3, image)["style"], terms(judge_k23, image)["style"]])
rows.append(["another real piece of marble", "", "", j_real, terms(judge_k3, texture_other_piece)["style"],
             terms(judge_k23, texture_other_piece)["style"]])
table(["extractor", "filters", "own loss fell", "judge: all sizes", "judge: k3 only", "judge: k23 only"], rows)

# %%
fig, axes = plt.subplots(1, 1 + len(variants), figsize=(2.6 * (1 + len(variants)), 2.9))
show(axes[0], texture, "style: marble")
for ax, (name, (_, img)), row in zip(axes[1:], variants.items(), rows):
    show(ax, img, f"{name}\njudge {row[3]:.2g}")
save(fig, "07_which_filters.png")

# %% [markdown]
# Each extractor matched its own Gram matrices, by orders of magnitude; the judge tells them apart. Look at
# its last two columns, the error of its 3 x 3 filters alone and of its 23 x 23 filters alone. The 3 x 3
# extractor matches the small scale and leaves the large one to chance (in the 128-pixel run: blobs instead
# of long veins). With 8 filters per size every scale is matched, but loosely.
#
# The last row, the second real piece, is a reminder that a Gram loss measures closeness to *this* piece:
# it ranks syntheses of it, but it is no absolute score of "being marble". Look at the pictures too.
#
# ## What to remember
#
# - The Gram matrix $F F^\top$ sums over positions: shuffle them and it does not change (max difference at
#   float32 rounding), while the features change completely. It keeps what co-occurs inside a filter's
#   window and throws away the layout: a texture.
# - Its gradient is $(V + V^\top) F$: $F$ is used twice.
# - $\beta / \alpha$ trades content against style; the TV term trades a little of both for smoothness.
# - Texture synthesis is style transfer without content, from noise; a second, unseen network confirms the
#   match is of the texture.
# - Random filters work because each is already tuned to some orientations and scales, and many of them at
#   many sizes pin down the local statistics: what matters is many filters at many scales, not learning.
