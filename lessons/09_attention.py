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
# # Lesson 9 — Attention
#
# A convolution mixes each pixel with its neighbours, through weights that are the same everywhere and
# fixed once trained. **Attention** mixes each position with *every* other position, through weights that
# the data decides, afresh for every input:
#
# $$\mathrm{Attention}(Q, K, V) = \mathrm{softmax}\!\left(\frac{Q K^\top}{\sqrt{E}}\right) V$$
#
# with $L$ queries and $S$ keys of length $E$ (the rows of $Q$ and $K$) and $S$ values (the rows of $V$).
# minigan has it as `F.scaled_dot_product_attention`, PyTorch's function, and `nn.MultiheadAttention`,
# PyTorch's layer. In this lesson we
#
# 1. read attention as a soft dictionary lookup, and find the hard lookup as the limit of a large scale;
# 2. measure why the scores are divided by $\sqrt{E}$;
# 3. mask: a causal mask, a boolean and a float mask that agree, and a query that may see nothing;
# 4. check the backward with `mg.gradcheck`, and write it by hand;
# 5. take `nn.MultiheadAttention` apart and rebuild it from its own parameters;
# 6. build SAGAN's self-attention block for a GAN, on a feature map of a real digit, and watch where one
#    pixel looks, before and after training.

# %%
import os

# The matrices here have a few hundred rows at most: a second BLAS thread buys little, and on a busy
# machine threads that wait for each other make every step many times slower.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import time  # noqa: E402

from _common import QUICK, max_abs, save, table  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import minigan as mg  # noqa: E402
import minigan.nn as nn  # noqa: E402
import minigan.nn.functional as F  # noqa: E402

START = time.perf_counter()
rs = np.random.default_rng(0)


def softmax(a, axis=-1):
    """A plain NumPy softmax, to compare minigan with."""
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# %% [markdown]
# ## 1. A soft dictionary lookup
#
# A Python dictionary holds pairs (key, value); a lookup compares the query with the keys and returns the
# value of the one that matches. Attention does the same, softly. Four keys, unit vectors in the plane at
# 0°, 70°, 160° and 250°, hold the values 10, 20, 30 and 40. The query points at 50°: closest to the key
# at 70°, not equal to any. Its **scores** are its dot products with the keys, divided by
# $\sqrt{E} = \sqrt 2$; their softmax gives the **weights**, positive and summing to 1; and the output is
# the weighted mean of the values.

# %%
def unit(degrees):
    return np.array([np.cos(np.radians(degrees)), np.sin(np.radians(degrees))])


ANGLES = [0, 70, 160, 250]
keys = np.stack([unit(a) for a in ANGLES])                  # (S, E) = (4, 2)
values = np.array([[10.0], [20.0], [30.0], [40.0]])         # (S, Ev) = (4, 1)
query = unit(50)[None]                                      # (L, E) = (1, 2)

scores = query @ keys.T / np.sqrt(2)
weights = softmax(scores)
out = F.scaled_dot_product_attention(mg.tensor(query), mg.tensor(keys), mg.tensor(values))
print("scores  q.k / sqrt(2):", scores[0])
print("weights softmax:      ", weights[0], f"(sum {weights.sum():.6f})")
print(f"output: weights @ values = {(weights @ values).item():.4f}; F.scaled_dot_product_attention: "
      f"{out.item():.4f}")

# %% [markdown]
# The output, 20.5, is none of the values: every key contributes, the best match most (0.40). The
# `scale` argument (by default $1/\sqrt E$) sets how sharp the comparison is. At scale 0 every key gets
# the same weight and the output is the plain mean, 25; as the scale grows, the weight of the best key
# goes to 1 and the output to its value, 20: the hard lookup of a dictionary. On the way the output dips
# below 20, because the runner-up (the key at 0°, value 10) gives up its weight more slowly than the two
# keys that point away.

# %%
SCALES = [0.0, 0.3, 1 / np.sqrt(2), 3.0, 10.0, 30.0, 100.0]
rows = []
for s in SCALES:
    w = softmax(s * query @ keys.T)[0]
    o = F.scaled_dot_product_attention(mg.tensor(query), mg.tensor(keys), mg.tensor(values), scale=s).item()
    rows.append([f"{s:.3g}" + (" (1/sqrt E)" if s == 1 / np.sqrt(2) else "")] + list(w) + [o])
table(["scale"] + [f"weight of key {a}°" for a in ANGLES] + ["output"], rows)

# %%
fine = np.logspace(-1, 2, 200)
curves = np.stack([softmax(s * query @ keys.T)[0] for s in fine])
fig, axes = plt.subplots(1, 2, figsize=(10, 4), gridspec_kw={"width_ratios": [1, 1.5]})
for a, v in zip(ANGLES, values[:, 0]):
    axes[0].annotate("", unit(a), (0, 0), arrowprops=dict(arrowstyle="->", color="C0"))
    axes[0].text(*(1.18 * unit(a)), f"key {a}°\nvalue {v:.0f}", ha="center", va="center", fontsize=8)
axes[0].annotate("", unit(50), (0, 0), arrowprops=dict(arrowstyle="->", color="C3", lw=2))
axes[0].text(*(0.55 * unit(50) + [0.05, -0.12]), "query", color="C3")
axes[0].set_xlim(-1.5, 1.5)
axes[0].set_ylim(-1.5, 1.5)
axes[0].set_aspect("equal")
axes[0].set_title("four keys and a query (E = 2)")
axes[0].axis("off")
for i, a in enumerate(ANGLES):
    axes[1].semilogx(fine, curves[:, i], label=f"key {a}°")
axes[1].axvline(1 / np.sqrt(2), color="gray", linestyle=":", linewidth=0.8)
axes[1].text(1 / np.sqrt(2) * 1.1, 0.9, "1/sqrt(E)", color="gray", fontsize=8)
axes[1].set_xlabel("scale")
axes[1].set_ylabel("attention weight")
axes[1].set_title("from the mean (small scale) to a lookup (large)")
axes[1].legend()
axes[1].grid(alpha=0.3)
save(fig, "09_lookup.png")

# %% [markdown]
# In a network nothing is hand-placed: $Q$, $K$ and $V$ are learned projections of the data, and each of
# the $L$ queries makes its own lookup. The formula stays the same, one matrix product for all the scores
# ($Q K^\top$, $L \times S$), a softmax along each row, and a second product with $V$.
#
# ## 2. Why divide by √E
#
# A learned projection gives queries and keys whose entries are roughly of unit size. The dot product of
# two $E$-vectors of independent unit-variance entries is a sum of $E$ unit-variance terms: its variance
# is $E$. So without the scaling the scores spread as $\sqrt E$, and the softmax turns into the hard
# lookup of section 1 by accident, just because the vectors are long. Worse, a saturated softmax passes
# almost no gradient: its Jacobian $\mathrm{diag}(w) - w w^\top$ vanishes when $w$ is one-hot.
#
# We measure it: 32 queries against 32 keys, random $N(0, 1)$ entries, for $E$ from 4 to 1024; the spread
# of the scores, the largest weight of each row (1/32 = 0.031 would be uniform, 1 one-hot), and the length
# of the gradient that reaches the scores (the softmax's input) from a random upstream gradient, averaged
# over the rows and over many draws.

# %%
EMBED = [4, 16, 64, 256, 1024]
DRAWS = 8 if QUICK else 64
L_ = S_ = 32
EV = 16                                              # values of a fixed length: only E changes


def saturation(E, scale):
    """Score std, mean largest weight per row, mean length of a row's gradient at the scores."""
    Q = rs.standard_normal((DRAWS, L_, E))
    K = rs.standard_normal((DRAWS, S_, E))
    V = rs.standard_normal((DRAWS, S_, EV))
    s = mg.tensor(Q @ K.transpose(0, 2, 1) * scale, requires_grad=True)   # the scores, a leaf for autograd
    w = F.softmax(s, dim=-1)
    (w @ mg.tensor(V)).backward(mg.tensor(rs.standard_normal((DRAWS, L_, EV))))
    return s.numpy().std(), w.numpy().max(-1).mean(), np.linalg.norm(s.grad.numpy(), axis=-1).mean()


results = {E: (saturation(E, 1.0), saturation(E, 1 / np.sqrt(E))) for E in EMBED}
table(["E", "sqrt(E)", "score std, raw", "max weight, raw", "|grad at scores|, raw",
       "score std, /sqrt(E)", "max weight, /sqrt(E)", "|grad at scores|, /sqrt(E)"],
      [[E, np.sqrt(E), *raw, *scaled] for E, (raw, scaled) in results.items()])
first, last = results[EMBED[0]], results[EMBED[-1]]
print(f"|grad at scores| at E = {EMBED[-1]} divided by that at E = {EMBED[0]}: "
      f"raw {last[0][2] / first[0][2]:.2f}, scaled {last[1][2] / first[1][2]:.2f}")

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
for k, name in ((1, "mean largest weight per row"), (2, "mean |gradient| at the scores")):
    for j, label in ((0, "QKᵀ (raw)"), (1, "QKᵀ / sqrt(E)")):
        axes[k - 1].plot(EMBED, [results[E][j][k] for E in EMBED], "o-", label=label)
    axes[k - 1].set_xscale("log", base=2)
    axes[k - 1].set_xlabel("E (length of queries and keys)")
    axes[k - 1].set_title(name)
    axes[k - 1].grid(alpha=0.3)
    axes[k - 1].legend()
axes[0].axhline(1 / S_, color="gray", linestyle=":", linewidth=0.8)
axes[0].text(4, 1 / S_ + 0.02, "uniform, 1/32", color="gray", fontsize=8)
axes[1].set_yscale("log")
save(fig, "09_scaling.png")

# %% [markdown]
# Without the scaling the score spread follows $\sqrt E$ (compare the first two columns), the rows grow
# nearly one-hot, and the gradient at the scores falls with them, to a fraction of its size at $E = 4$
# (the ratio printed): the network could hardly learn to move its attention. Divided by $\sqrt E$, the
# scores keep a spread of 1 whatever $E$, and the largest weight and the gradient stay where they were. The
# scale is not magic, only the right unit: a network can still learn sharp attention, by growing its
# queries and keys (the blocks of section 6 do).
#
# ## 3. Masks
#
# A **mask** says which keys each query may see: hidden pairs get the score $-\infty$ before the softmax,
# hence weight 0, and the other weights of the row share the whole 1. A language model predicting the
# next word may not read the words after it: with `is_causal=True`, query $i$ sees keys $0 \dots i$.
#
# To look at the weights themselves we use a trick: with $V$ the identity matrix, the output
# $\mathrm{weights}\cdot I$ *is* the weight matrix.

# %%
L5 = 5
Q5, K5, V5 = (mg.tensor(rs.standard_normal((L5, 4))) for _ in range(3))


def weights_of(q, k, **kw):
    """The attention weights (L, S), read off as the output for V = identity."""
    return F.scaled_dot_product_attention(q, k, mg.eye(k.shape[-2], dtype=mg.float64), **kw).numpy()


causal = weights_of(Q5, K5, is_causal=True)
print("causal weights (query i = row i, key j = column j):\n", causal)
print(f"largest weight above the diagonal: {np.triu(causal, 1).max()}; row sums: {causal.sum(1)}")

# %% [markdown]
# Row 0 sees only key 0, so its weight is 1. The mask really does stop the future from leaking in: change
# the values at positions 3 and 4, and the outputs at positions 0, 1 and 2 do not move by a single bit.

# %%
V5_changed = V5.numpy().copy()
V5_changed[3:] += 100.0
before = F.scaled_dot_product_attention(Q5, K5, V5, is_causal=True).numpy()
after = F.scaled_dot_product_attention(Q5, K5, mg.tensor(V5_changed), is_causal=True).numpy()
print(f"values 3 and 4 moved by 100: outputs 0-2 changed by {max_abs(before[:3], after[:3])}, "
      f"outputs 3-4 by up to {max_abs(before[3:], after[3:]):.1f}")

# %% [markdown]
# A mask can be given two ways. A **boolean** `attn_mask` is True where a pair *takes part*; a **float**
# mask is *added* to the scores, so $-\infty$ hides a pair and 0 leaves it alone. `is_causal=True` is the
# lower-triangular boolean mask; all three give the same weights. A finite float mask does something a
# boolean one cannot: it *biases* the scores. ALiBi (Press et al. 2022) adds $-m\,|i - j|$, so that each
# query leans towards nearby keys without being forbidden the far ones.

# %%
tril = np.tril(np.ones((L5, L5), dtype=bool))
as_float = np.where(tril, 0.0, -np.inf)
print(f"max |bool mask - is_causal| = {max_abs(weights_of(Q5, K5, attn_mask=tril), causal)}, "
      f"max |float mask - is_causal| = {max_abs(weights_of(Q5, K5, attn_mask=as_float), causal)}")
distance = np.abs(np.arange(L5)[:, None] - np.arange(L5)[None, :])
flat_q = mg.zeros(L5, 4, dtype=mg.float64)          # all scores 0: whatever the weights show is the mask
print("query 2, no mask:          ", weights_of(flat_q, K5)[2])
print("query 2, ALiBi -1 * |i - j|:", weights_of(flat_q, K5, attn_mask=-1.0 * distance)[2])

# %% [markdown]
# What if a query may see *no* key, say a padding position, hidden from everything? Its scores are all
# $-\infty$, and a plain softmax computes $e^{-\infty} / \sum e^{-\infty} = 0/0$: nan, which then spreads
# through every gradient that touches it. minigan, like PyTorch's own attention, gives such a row zero weights,
# so a zero output and zero gradients.

# %%
blind = tril.copy()
blind[2] = False                                    # query 2 sees nothing
with np.errstate(invalid="ignore"):
    naive = np.exp(np.full(L5, -np.inf)) / np.exp(np.full(L5, -np.inf)).sum()
print("plain softmax of a row of -inf:", naive)
q_, k_, v_ = (mg.tensor(t.numpy(), requires_grad=True) for t in (Q5, K5, V5))
o_ = F.scaled_dot_product_attention(q_, k_, v_, attn_mask=blind)
print("minigan: output row 2 =", o_.numpy()[2], "| all outputs finite:", bool(np.isfinite(o_.numpy()).all()))
o_.backward(mg.tensor(rs.standard_normal(o_.shape)))
print(f"gradient of query 2: {q_.grad.numpy()[2]}; any nan in the gradients: "
      f"{any(np.isnan(t.grad.numpy()).any() for t in (q_, k_, v_))}")

# %% [markdown]
# ## 4. The backward
#
# `F.scaled_dot_product_attention` is built from minigan ops that each have a backward (matmul, softmax,
# masked_fill, where), so its gradient comes for free; lesson 2's `mg.gradcheck` says whether it is right.
# We check it in float64 on shapes where nothing is square and nothing is equal — 2 batches, 3 heads,
# $L = 5$ queries, $S = 6$ keys, $E = 7$, $E_v = 4$ — without a mask, with a causal one (not square: $L \ne S$),
# and with a random boolean mask.

# %%
shapes = {"query": (2, 3, 5, 7), "key": (2, 3, 6, 7), "value": (2, 3, 6, 4)}
qkv = [mg.tensor(rs.standard_normal(sh), requires_grad=True) for sh in shapes.values()]
random_mask = rs.random((2, 3, 5, 6)) < 0.6
random_mask[..., 0] = True                          # every query sees at least one key
for what, kw in [("no mask", {}), ("is_causal, L != S", dict(is_causal=True)),
                 ("random boolean mask", dict(attn_mask=random_mask))]:
    report = mg.gradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, **kw), qkv, what=what)
    print(f"{what:20s} {'passed' if report.passed else 'FAILED'}, max abs error {report.max_abs_err:.1e}")
print(mg.gradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v), qkv, what="the full report"))

# %% [markdown]
# Now by hand. With $P = QK^\top s$ (the scores), $W = \mathrm{softmax}(P)$ (row-wise), $O = WV$, and
# $G_X$ short for $\partial\mathcal L/\partial X$, the chain rule gives, in the order backward runs, from
# the upstream gradient $G_O$:
#
# - $G_V = W^\top G_O$: each value row collects the upstream rows of the queries that read it, weighted by
#   how much they read it;
# - $G_W = G_O V^\top$;
# - the softmax's backward: $G_P = W \odot \left(G_W - \mathrm{rowsum}(W \odot G_W)\right)$;
# - $G_Q = s\, G_P K$ and $G_K = s\, G_P^\top Q$.
#
# In NumPy, against minigan's autograd:

# %%
q, k, v = (t.numpy() for t in qkv)
G = rs.standard_normal((2, 3, 5, 4))
scale = 1 / np.sqrt(7)
W = softmax(q @ k.swapaxes(-1, -2) * scale)
gV = W.swapaxes(-1, -2) @ G
gW = G @ v.swapaxes(-1, -2)
gP = W * (gW - (W * gW).sum(-1, keepdims=True))
gQ = scale * gP @ k
gK = scale * gP.swapaxes(-1, -2) @ q

for t in qkv:
    t.grad = None
F.scaled_dot_product_attention(*qkv).backward(mg.tensor(G))
table(["gradient", "by hand", "max |by hand - autograd|"],
      [["value", "Wᵀ G_O", max_abs(gV, qkv[2].grad)], ["query", "s G_P K", max_abs(gQ, qkv[0].grad)],
       ["key", "s G_Pᵀ Q", max_abs(gK, qkv[1].grad)]])

# %% [markdown]
# Since the backward is made of differentiable ops too, second derivatives work (a GAN's gradient penalty
# needs them). `mg.gradgradcheck` checks them:

# %%
small = [mg.tensor(rs.standard_normal(sh), requires_grad=True) for sh in [(3, 4), (5, 4), (5, 2)]]
report = mg.gradgradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v), small)
print(f"gradgradcheck: {'passed' if report.passed else 'FAILED'}, max abs error {report.max_abs_err:.1e}")

# %% [markdown]
# ## 5. Multi-head attention, taken apart
#
# One attention makes one weighted mean per query: it can look for one thing at a time. **Multi-head**
# attention (Vaswani et al. 2017) runs several side by side, each on its own slice of learned projections,
# and mixes their outputs:
#
# $$\mathrm{head}_h = \mathrm{Attention}(X W_q^{(h)}, X W_k^{(h)}, X W_v^{(h)}), \qquad
#   \mathrm{out} = [\mathrm{head}_0, \dots, \mathrm{head}_{H-1}]\, W_o^\top + b_o$$
#
# `nn.MultiheadAttention(E, H)` stores $W_q, W_k, W_v$ stacked in one `in_proj_weight` $(3E, E)$, their
# biases in `in_proj_bias` $(3E)$, and $W_o$, $b_o$ in a Linear, `out_proj`. Head $h$ gets features
# $h\,E/H \dots (h+1)\,E/H - 1$ of each projection. We take an 8-dimensional, 2-head layer (so heads of 4
# features), random inputs of 2 sequences of 5 positions, and redo its forward in NumPy from its own
# parameters.

# %%
E8, H = 8, 2
mg.manual_seed(0)
mha = nn.MultiheadAttention(E8, H, batch_first=True, dtype=mg.float64)   # its parameters made in float64
for name, p in mha.named_parameters():
    p.data[...] = rs.standard_normal(p.shape) * 0.5  # PyTorch's init has zero biases: make every part count
print(mha)
print({name: p.shape for name, p in mha.named_parameters()},
      f"{sum(p.data.size for p in mha.parameters())} parameters = 4E² + 4E = {4 * E8 ** 2 + 4 * E8}")

x8 = rs.standard_normal((2, L5, E8))                 # (N, L, E): batch_first
out_mg, weights_mg = mha(mg.tensor(x8), mg.tensor(x8), mg.tensor(x8))   # self-attention: query = key = value = x


def mha_by_hand(x, mask=None):
    """Multi-head self-attention in NumPy from mha's own parameters; ``mask`` (L, S) bool, True = may attend."""
    w_in, b_in = mha.in_proj_weight.numpy(), mha.in_proj_bias.numpy()
    proj = [x @ w_in[i * E8:(i + 1) * E8].T + b_in[i * E8:(i + 1) * E8] for i in range(3)]  # Q, K, V: (N, L, E)
    hd = E8 // H
    heads, head_weights = [], []
    for h in range(H):
        qh, kh, vh = (p[..., h * hd:(h + 1) * hd] for p in proj)                # (N, L, hd)
        sc = qh @ kh.swapaxes(-1, -2) / np.sqrt(hd)
        if mask is not None:
            sc = np.where(mask, sc, -np.inf)
        wh = softmax(sc)
        heads.append(wh @ vh)
        head_weights.append(wh)
    concat = np.concatenate(heads, axis=-1)                                       # (N, L, E), heads side by side
    out = concat @ mha.out_proj.weight.numpy().T + mha.out_proj.bias.numpy()
    return out, np.stack(head_weights, axis=1)                                    # (N, L, E), (N, H, L, S)


out_hand, weights_hand = mha_by_hand(x8)
_, per_head = mha(mg.tensor(x8), mg.tensor(x8), mg.tensor(x8), average_attn_weights=False)
table(["compared", "shape", "max |nn.MultiheadAttention - by hand|"],
      [["output", str(out_mg.shape), max_abs(out_mg, out_hand)],
       ["weights, per head", str(per_head.shape), max_abs(per_head, weights_hand)],
       ["weights, averaged over heads (the default)", str(weights_mg.shape),
        max_abs(weights_mg, weights_hand.mean(1))]])
print("the first query's weights, head 0:", per_head.numpy()[0, 0, 0], "head 1:", per_head.numpy()[0, 1, 0])

# %% [markdown]
# The two heads look at different things from the same input (their weight rows differ), and the layer
# returns their average by default. One warning, inherited from PyTorch: `nn.MultiheadAttention`'s boolean
# `attn_mask` is the **other way round** from `F.scaled_dot_product_attention`'s: True means *hidden*. Its
# causal mask is therefore the upper triangle above the diagonal, and passing the lower triangle (the
# function's convention) silently gives something else:

# %%
upper = np.triu(np.ones((L5, L5), dtype=bool), 1)   # True above the diagonal = hidden
masked_out, _ = mha(mg.tensor(x8), mg.tensor(x8), mg.tensor(x8), attn_mask=upper)
hand_out, _ = mha_by_hand(x8, mask=tril)
print(f"attn_mask = triu(ones, 1), True = hidden: max |layer - causal by hand| = "
      f"{max_abs(masked_out, hand_out):.1e}")
_, wrong_w = mha(mg.tensor(x8), mg.tensor(x8), mg.tensor(x8), attn_mask=tril)
print("attn_mask = tril (the function's convention), averaged weights of sequence 0:\n", wrong_w.numpy()[0])

# %% [markdown]
# With the lower triangle each query sees only the keys *after* it (the last one sees none, and gets a
# row of zeros): the mask read backwards.
#
# ## 6. Self-attention in a GAN: SAGAN's block
#
# A DCGAN's convolutions are local: to relate two far-apart parts of an image (the two ends of a digit's
# stroke, the two eyes of a face), information has to hop through many layers. Zhang et al. (SAGAN, 2019)
# add a self-attention block to both G and D, on a feature map $x$ of $C$ channels and $H \times W$
# positions:
#
# - three 1x1 convolutions give, at every position, a query and a key of $C/8$ channels and a value of $C$;
# - every position attends to all $H W$ positions (so $L = S = HW$);
# - the block returns $x + \gamma \cdot \mathrm{attention}$, with a learnable scalar $\gamma$ that starts
#   at **0**.
#
# Built from minigan layers, in the form most re-implementations use. The paper's differs in two details: its
# scores are not divided by $\sqrt{C/8}$ (`scale=1.0` would do that; we keep section 2's default), and its
# values pass through $C/8$ channels, brought back to $C$ by a fourth 1x1 convolution.

# %%
class SelfAttention2d(nn.Module):
    """SAGAN's self-attention block: x + gamma * softmax(Q Kᵀ / sqrt(C/8)) V over the H*W positions."""

    def __init__(self, channels):
        super().__init__()
        self.query = nn.Conv2d(channels, channels // 8, 1)
        self.key = nn.Conv2d(channels, channels // 8, 1)
        self.value = nn.Conv2d(channels, channels, 1)
        self.gamma = nn.Parameter(np.zeros(1, dtype=np.float32))

    def qkv(self, x):
        """Queries, keys and values as sequences: (N, C', H, W) -> (N, H*W, C')."""
        N, _, H, W = x.shape
        return [conv(x).reshape(N, -1, H * W).transpose(1, 2) for conv in (self.query, self.key, self.value)]

    def attention_weights(self, x):
        """(N, H*W, H*W): row p is where position p looks."""
        q, k, _ = self.qkv(x)
        return F.softmax(q @ k.transpose(1, 2) / np.sqrt(q.shape[-1]), dim=-1)

    def forward(self, x):
        q, k, v = self.qkv(x)
        attended = F.scaled_dot_product_attention(q, k, v)            # (N, H*W, C)
        return x + self.gamma * attended.transpose(1, 2).reshape(x.shape)


# %% [markdown]
# The feature map comes from the embedded digits: each digit, scaled to 10 x 10 pixels (12 x 12 in the full
# run), is pasted at a random place on an empty 20 x 20 canvas (24 x 24), and a frozen, randomly drawn 3x3
# convolution with a leaky ReLU gives 30 channels of features. At initialisation, with $\gamma = 0$, the
# block is exactly the identity, so it can be dropped into a trained network without changing what it
# computes; and only $\gamma$ receives a gradient at first, because the attention path is multiplied by it.

# %%
CANVAS, DIGIT = (20, 10) if QUICK else (24, 12)
N_TRAIN = 32 if QUICK else 48
STEPS = 40 if QUICK else 120
SEEDS = (0, 1, 2)
C_FEAT = 30

digits, _ = mg.data.load_digits(size=DIGIT, scale="unit")   # ink up to 1, background 0 (as the zero padding)
mg.manual_seed(0)
features = nn.Sequential(nn.Conv2d(1, C_FEAT, 3, padding=1), nn.LeakyReLU(0.2))
features.requires_grad_(False)


def on_canvas(indices, rng):
    canvas = np.zeros((len(indices), 1, CANVAS, CANVAS), dtype=np.float32)
    for n, i in enumerate(indices):
        r, c = rng.integers(0, CANVAS - DIGIT + 1, 2)
        canvas[n, :, r:r + DIGIT, c:c + DIGIT] = digits[i]
    return canvas


place = np.random.default_rng(1)
train_images = on_canvas(place.choice(len(digits) - 100, N_TRAIN, replace=False), place)
test_images = on_canvas(np.arange(len(digits) - 100, len(digits) - 84), place)     # 16 digits never trained on
with mg.no_grad():
    feature_map = features(mg.tensor(train_images[:1]))
print(f"a digit on the canvas: {train_images.shape[1:]}; its feature map: {feature_map.shape[1:]}, "
      f"so H*W = {CANVAS * CANVAS} positions, each attending to all {CANVAS * CANVAS}")

mg.manual_seed(0)
block = SelfAttention2d(C_FEAT)
y = block(feature_map)
print(f"gamma = {block.gamma.item()}: max |block(x) - x| = {max_abs(y, feature_map)}")
(y * mg.tensor(rs.standard_normal(y.shape).astype(np.float32))).sum().backward()
table(["parameter", "shape", "max |gradient|"],
      [[name, str(p.shape), float(np.abs(p.grad.numpy()).max())] for name, p in block.named_parameters()])

# %% [markdown]
# The block also knows nothing about *where* a position is: 1x1 convolutions treat each position alone,
# and attention is a weighted sum over a set. Scramble the pixels of the feature map, and the output is
# scrambled the same way, with nothing else changed (here with $\gamma = 1$, so that attention takes part):

# %%
block.gamma.data[...] = 1.0
N1, C1, H1, W1 = feature_map.shape
perm = rs.permutation(H1 * W1)
scrambled = mg.tensor(feature_map.numpy().reshape(N1, C1, -1)[..., perm].reshape(feature_map.shape))
with mg.no_grad():
    out_plain = block(feature_map).numpy().reshape(N1, C1, -1)
    out_scrambled = block(scrambled).numpy().reshape(N1, C1, -1)
print(f"max |block(scrambled x) - scrambled block(x)| = {max_abs(out_scrambled, out_plain[..., perm]):.1e} "
      f"(float32 rounding; the outputs themselves are up to {np.abs(out_plain).max():.1f})")

# %% [markdown]
# So what the block can learn to look at is content. To give it a job that needs looking far away, we ask:
# **where is the digit?** Two channels are appended to the features: at each ink pixel, its own row and
# column in $[-1, 1]$, and 0 on the empty background (coordinates as CoordConv adds them, or a
# transformer its positional encodings; why only on the ink, we see at the end). Every position, the empty
# corners included, must add to these two channels the centre of the digit's ink. A 3x3 convolution in a
# corner cannot see the digit; attention that puts its weight on the ink and reads the coordinates there
# can. The loss is the squared error of what the block adds to the two channels.
#
# First the untrained blocks of three seeds: where does the top-left pixel, in an empty corner, look?

# %%
lin = np.linspace(-1, 1, CANVAS, dtype=np.float32)
COORDS = np.stack(np.meshgrid(lin, lin, indexing="ij"))[None]            # (1, 2, H, W): row, column
PIXEL = 0                                                                   # position 0: the top-left corner
TO_PIXELS = (CANVAS - 1) / 2                                                # coordinate units -> pixels


def prepare(images):
    """The features with the two coordinate channels, where the ink is (N, H*W), and its centre (N, 2)."""
    with mg.no_grad():
        f = features(mg.tensor(images)).numpy()
    ink = images[:, 0] > 0.25
    x = np.concatenate([f, COORDS * ink[:, None]], axis=1)                 # coordinates on the ink only
    centre = np.stack([(COORDS[0, c] * ink).sum((1, 2)) / ink.sum((1, 2)) for c in range(2)], axis=1)
    return mg.tensor(x), ink.reshape(len(images), -1), centre


def read(block, data):
    """The share of attention that lands on ink (mean over all positions; for PIXEL), the mean error of the
    answer in pixels, and the weights."""
    x, ink, centre = data
    with mg.no_grad():
        w = block.attention_weights(x).numpy()
        added = (block(x) - x).numpy()[:, -2:].reshape(len(ink), 2, -1)
    on_ink = (w * ink[:, None, :]).sum(-1)                                  # (N, H*W)
    error = np.abs(added - centre[:, :, None]).mean() * TO_PIXELS
    return on_ink.mean(), on_ink[:, PIXEL].mean(), error, w


train_data, test_data = prepare(train_images), prepare(test_images)
print(f"ink covers {train_data[1].mean():.1%} of the canvas; answering 'the middle of the canvas' everywhere "
      f"misses by {np.abs(train_data[2]).mean() * TO_PIXELS:.2f} pixels")
blocks, maps = {}, {}
for seed in SEEDS:
    mg.manual_seed(seed)
    blocks[seed] = SelfAttention2d(C_FEAT + 2)
    share, share_pixel, _, _ = read(blocks[seed], train_data)
    maps["untrained", seed] = w = read(blocks[seed], test_data)[3]
    print(f"seed {seed}, untrained: attention on ink {share:.1%} (the top-left pixel's: {share_pixel:.1%}); "
          f"largest weight {w.max():.4f}, where uniform would be {1 / CANVAS ** 2:.4f}")

# %% [markdown]
# Untrained, the queries and keys are small, so every row of weights is nearly uniform (section 1, a small
# scale): each position looks almost everywhere alike, and its share on the ink is the share of ink on the
# canvas. Now we train each block with Adam (only the block: the feature convolution stays frozen):

# %%
rows = []
for seed in SEEDS:
    block = blocks[seed]
    opt = mg.optim.Adam(block.parameters(), lr=0.05)
    x, _, centre = train_data
    target = mg.tensor(np.broadcast_to(centre[:, :, None, None], (N_TRAIN, 2, CANVAS, CANVAS)).copy())
    t0 = time.perf_counter()
    for step in range(STEPS):
        opt.zero_grad()
        loss = F.mse_loss((block(x) - x)[:, -2:], target)
        loss.backward()
        opt.step()
    train_read, test_read = read(block, train_data), read(block, test_data)
    maps["trained", seed] = test_read[3]
    rows.append([seed, block.gamma.item(), train_read[0], test_read[0], test_read[1], train_read[2], test_read[2],
                 f"{time.perf_counter() - t0:.1f} s"])
table(["seed", "gamma", "on ink (train)", "on ink (new digits)", "top-left pixel on ink (new)",
       "error px (train)", "error px (new digits)", "time"], rows)
rr, cc = np.divmod(np.arange(CANVAS * CANVAS), CANVAS)
far = [np.hypot(rr - PIXEL // CANVAS, cc - PIXEL % CANVAS)[on].min() for on in test_data[1]]
print(f"{STEPS} steps; on the new digits, the top-left pixel is {min(far):.1f} to {max(far):.1f} pixels from the "
      "nearest ink")

# %% [markdown]
# After a few dozen steps every block answers within about a pixel, on digits it never saw too, where
# "the middle of the canvas" missed by more than two; and the share of attention on the ink has gone from
# the ink's share of the canvas to nearly all of it. The empty top-left corner, often far from the nearest
# stroke (the distances are printed), has learnt to look at the digit, in one step.
#
# Why put the coordinates on the ink only? Because otherwise the background would hold the answer too.
# The coordinates of the whole canvas sum to zero, so the mean coordinate of its empty part is the centre
# of the ink mirrored through the middle and shrunk by $n/(HW - n)$, with $n$ the number of ink pixels:

# %%
ink = train_data[1]
background_mean = np.stack([(COORDS[0, c].ravel() * ~ink).sum(1) for c in range(2)], 1) / (~ink).sum(1)[:, None]
factor = ink.sum(1) / (CANVAS ** 2 - ink.sum(1))
print(f"max |mean coordinate of the background + n/(HW - n) * centre of the ink| = "
      f"{np.abs(background_mean + factor[:, None] * train_data[2]).max():.1e}")
print(f"n/(HW - n) over the training digits: {factor.min():.3f} .. {factor.max():.3f}")

# %% [markdown]
# The factor changes from digit to digit (the range printed), so the background gives only an approximate
# answer, where the ink gives an exact one. Does a block take it? Train seed 0's block once more, the same
# way, with the coordinates on every position:

# %%
def everywhere(data):
    """The same features with the coordinates on every position, not only on the ink."""
    x, ink, centre = data
    x = x.numpy().copy()
    x[:, -2:] = COORDS
    return mg.tensor(x), ink, centre


train_all, test_all = everywhere(train_data), everywhere(test_data)
mg.manual_seed(SEEDS[0])
block = SelfAttention2d(C_FEAT + 2)
opt = mg.optim.Adam(block.parameters(), lr=0.05)
x, _, centre = train_all
target = mg.tensor(np.broadcast_to(centre[:, :, None, None], (N_TRAIN, 2, CANVAS, CANVAS)).copy())
for step in range(STEPS):
    opt.zero_grad()
    F.mse_loss((block(x) - x)[:, -2:], target).backward()
    opt.step()
train_read, test_read = read(block, train_all), read(block, test_all)
maps["everywhere", SEEDS[0]] = test_read[3]
print(f"coordinates everywhere, seed {SEEDS[0]}: attention on ink {train_read[0]:.1e} (train), "
      f"{test_read[0]:.1e} (new digits); error {train_read[2]:.2f} px (train), {test_read[2]:.2f} px (new digits)")

# %% [markdown]
# It does: this block puts practically none of its attention on the ink, all of it on the empty
# background, and its error is of the same size as that of the blocks that read the ink (compare the
# table). In the pictures, on new digits, the trained maps of the first blocks sit on the strokes (spread
# along them, or gathered on a few ink pixels), and the last one is a negative: dark where the digit is,
# bright on the empty canvas. The untrained map is nearly flat: its colours span only the few percent
# between the uniform weight and the largest one in its title.

# %%
def show(ax, img, title, cmap="gray"):
    ax.imshow(img, cmap=cmap)
    r, c = divmod(PIXEL, CANVAS)
    ax.add_patch(plt.Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, edgecolor="red", linewidth=2))
    ax.set_title(title, fontsize=8)
    ax.set_xticks([])
    ax.set_yticks([])


N_SHOW = 3
columns = ([("untrained", SEEDS[0], "untrained")] + [("trained", seed, "trained") for seed in SEEDS]
           + [("everywhere", SEEDS[0], "coordinates\neverywhere")])
fig, axes = plt.subplots(N_SHOW, 1 + len(columns), figsize=(2.2 * (1 + len(columns)), 2.5 * N_SHOW))
for i in range(N_SHOW):
    show(axes[i, 0], test_images[i, 0], "a new digit;\nthe pixel in red")
    for j, (state, seed, label) in enumerate(columns):
        w = maps[state, seed][i, PIXEL]
        show(axes[i, j + 1], w.reshape(CANVAS, CANVAS), f"seed {seed}, {label}\nmax weight {w.max():.4f}",
             cmap="magma")
save(fig, "09_sagan_attention.png")

# %% [markdown]
# Attention goes wherever the answer can be read. Its weights show *what* a network reads, which is not
# always what we would have read: both kinds of map "explain" the same answer.

# %% [markdown]
# ## What to remember
#
# - Attention is a soft dictionary lookup: the weights are a softmax of query-key dot products, the output
#   a weighted mean of the values. At scale 0 it is the plain mean; as the scale grows, the hard lookup.
# - Dividing by $\sqrt E$ keeps the scores of unit spread whatever $E$; without it long vectors saturate the
#   softmax into nearly one-hot rows, and the gradient at the scores shrinks with them.
# - A boolean mask (True = may attend) and a float mask ($-\infty$ = hidden, finite = a bias) give the same
#   weights; a causal mask keeps every output blind to later positions, bit for bit; a query with nothing to
#   see gets zeros, not nan. `nn.MultiheadAttention`'s boolean mask is the other way round.
# - The backward is $G_V = W^\top G_O$, then the softmax's backward and two more
#   products for $Q$ and $K$; gradcheck and gradgradcheck pass.
# - Multi-head attention is $H$ attentions on slices of one projection, concatenated and mixed by
#   `out_proj`: nothing more (rebuilt in NumPy, to the last bit here).
# - SAGAN's block is three 1x1 convolutions and an attention over all positions, added to $x$ through a
#   $\gamma$ that starts at 0 (an identity at first). It knows no positions by itself, and it can learn to
#   look across the whole image in one step — at whatever answers the question, not always where we would.

# %%
print(f"lesson 9 ran in {time.perf_counter() - START:.0f} s")
