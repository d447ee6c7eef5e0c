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
# # Lesson 3 — Convolution
#
# A convolution slides a small kernel over an image and takes a dot product at every position. We write
# it as plain loops, then as **im2col** — copy every window into a column and do one matrix product — and
# check that the two agree on awkward shapes. Along the way: the output-size formula with stride,
# padding and dilation, and a timing table of the two implementations.
#
# (Deep learning's "convolution" is a cross-correlation: the kernel is not flipped. Every framework does
# it this way, and the flip will turn up again in lesson 4.)

# %%
from _common import QUICK, best_time, max_abs, save, table

import matplotlib.pyplot as plt
import numpy as np

import minigan as mg
import minigan.nn.functional as F
from minigan import kernels
from minigan.kernels import shapes

naive, im2col = kernels.get("naive"), kernels.get("im2col")
rs = np.random.default_rng(0)

# %% [markdown]
# ## 1. Naive loops
#
# For one image and one output channel,
# $y[o_h, o_w] = \sum_{c, i, j} w[c, i, j]\; x_{pad}[c,\; o_h s + i d,\; o_w s + j d]$
# with stride $s$, dilation $d$ (the gap between kernel taps) and $x_{pad}$ the input with $p$ zeros
# around it. Six nested loops, written out:

# %%
def conv2d_loops(x, w, s=1, p=0, d=1):
    """x (N, C_in, H, W), w (C_out, C_in, kh, kw) -> (N, C_out, H_out, W_out)."""
    N, C_in, H, W = x.shape
    C_out, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    H_out = (H + 2 * p - d * (kh - 1) - 1) // s + 1
    W_out = (W + 2 * p - d * (kw - 1) - 1) // s + 1
    y = np.zeros((N, C_out, H_out, W_out))
    for n in range(N):
        for co in range(C_out):
            for oh in range(H_out):
                for ow in range(W_out):
                    for i in range(kh):
                        for j in range(kw):
                            y[n, co, oh, ow] += w[co, :, i, j] @ xp[n, :, oh * s + i * d, ow * s + j * d]
    return y


x = rs.standard_normal((2, 3, 7, 6))
w = rs.standard_normal((4, 3, 3, 3))
ours = conv2d_loops(x, w, s=2, p=1)
print("our loops:", ours.shape, "| max |ours - minigan's naive kernel| =",
      max_abs(ours, naive.conv2d(x, w, (2, 2), (1, 1), (1, 1), 1)))

# %% [markdown]
# ## 2. im2col: every window becomes a column
#
# The window under output position $(o_h, o_w)$ holds $C_{in} k_h k_w$ numbers. Copy each window into one
# column of a matrix `cols` of shape $(C_{in} k_h k_w,\; H_{out} W_{out})$. The weights, flattened to
# $(C_{out},\; C_{in} k_h k_w)$, then produce every output at once: `y = W @ cols`. One big matrix product
# is what BLAS libraries (and GPUs) do fastest.
#
# A 1-channel 4x4 image with values 0..15 and a 3x3 kernel: four windows, so four columns of nine.

# %%
small = np.arange(16.0).reshape(1, 1, 4, 4)
cols = im2col.im2col(small, (3, 3), (1, 1), (0, 0), (1, 1))
print("cols:", cols.shape)
print(cols[0])
print("column 0 is the top-left window:", small[0, 0, :3, :3].ravel())

# %%
def conv2d_im2col(x, w, s=1, p=0, d=1):
    N = x.shape[0]
    C_out, C_in, kh, kw = w.shape
    cols = im2col.im2col(x, (kh, kw), (s, s), (p, p), (d, d))          # (N, C_in*kh*kw, H_out*W_out)
    H_out, W_out = shapes.conv2d_output_size(x.shape[2], x.shape[3], (kh, kw), (s, s), (p, p), (d, d))
    y = w.reshape(C_out, -1) @ cols                                     # (N, C_out, H_out*W_out)
    return y.reshape(N, C_out, H_out, W_out)


print("max |loops - im2col| =", max_abs(conv2d_loops(x, w, 2, 1), conv2d_im2col(x, w, 2, 1)))

# %%
fig, axes = plt.subplots(1, 2, figsize=(8, 3.2), gridspec_kw={"width_ratios": [1, 1.3]})
axes[0].imshow(small[0, 0], cmap="viridis")
for (r, c), v in np.ndenumerate(small[0, 0]):
    axes[0].text(c, r, int(v), ha="center", va="center", color="w")
axes[0].add_patch(plt.Rectangle((-0.45, -0.45), 2.9, 2.9, fill=False, ec="r", lw=2))
axes[0].set_title("input 4x4 (red: window 0)")
axes[1].imshow(cols[0], cmap="viridis", aspect="auto")
for (r, c), v in np.ndenumerate(cols[0]):
    axes[1].text(c, r, int(v), ha="center", va="center", color="w", fontsize=8)
axes[1].add_patch(plt.Rectangle((-0.45, -0.5), 0.9, 9, fill=False, ec="r", lw=2))
axes[1].set_title("im2col: one column per window")
axes[1].set_xlabel("window (output position)")
axes[1].set_ylabel("tap (c, i, j)")
for a in axes:
    a.set_xticks([])
    a.set_yticks([])
save(fig, "03_im2col.png")

# %% [markdown]
# ## 3. The equivalence, on awkward shapes
#
# Agreement on one friendly shape proves little. minigan's two kernels, `naive` (loops) and `im2col`,
# implement the same signature; we hold them against each other on odd sizes, stride larger than one,
# padding, dilation, non-square kernels, groups and batch 1.

# %%
cases = [  # (x shape, w shape, stride, padding, dilation, groups)
    ((2, 3, 7, 6), (4, 3, 3, 3), 2, 1, 1, 1),
    ((1, 2, 9, 8), (3, 2, 3, 2), (2, 3), (1, 0), 1, 1),
    ((2, 4, 8, 7), (6, 2, 3, 3), 1, 2, 2, 2),
    ((1, 1, 5, 5), (2, 1, 5, 5), 1, 0, 1, 1),
    ((3, 2, 6, 9), (2, 2, 1, 4), (1, 2), (0, 1), (1, 2), 1),
]
rows = []
for xs, ws, s, p, d, g in cases:
    s2, p2, d2 = shapes.pair(s), shapes.pair(p), shapes.pair(d)
    xa, wa = rs.standard_normal(xs), rs.standard_normal(ws)
    y_naive = naive.conv2d(xa, wa, s2, p2, d2, g)
    y_cols = im2col.conv2d(xa, wa, s2, p2, d2, g)
    rows.append([str(xs), str(ws), str(s), str(p), str(d), g, str(y_naive.shape), max_abs(y_naive, y_cols)])
table(["x", "w", "stride", "pad", "dilation", "groups", "y", "max |naive - im2col|"], rows)

# %% [markdown]
# ## 4. Output sizes
#
# Along one axis, a kernel of $k$ taps spaced $d$ apart spans $d(k - 1) + 1$ pixels. It fits into the padded
# input $H + 2p$ at every $s$-th position, so
#
# $$H_{out} = \left\lfloor \frac{H + 2p - d(k-1) - 1}{s} \right\rfloor + 1.$$
#
# The floor matters: when the stride does not divide evenly, the last rows are never read. We compare the
# formula with the shape `F.conv2d` actually returns.

# %%
rows = []
for H, k, s, p, d in [(28, 4, 2, 1, 1), (7, 3, 2, 1, 1), (8, 3, 2, 1, 1), (10, 3, 1, 0, 2), (9, 5, 3, 2, 1),
                      (6, 3, 1, 1, 1)]:
    formula = (H + 2 * p - d * (k - 1) - 1) // s + 1
    y = F.conv2d(mg.zeros(1, 1, H, H), mg.zeros(1, 1, k, k), stride=s, padding=p, dilation=d)
    unread = (H + 2 * p) - ((formula - 1) * s + d * (k - 1) + 1)
    rows.append([H, k, s, p, d, formula, y.shape[2], unread])
table(["H", "k", "stride", "pad", "dilation", "formula", "F.conv2d", "padded rows never read"], rows)

# %% [markdown]
# `H = 7` and `H = 8` with `k = 3, s = 2, p = 1` both give 4: two input sizes, one output size. Lesson 4 meets
# this again as the reason transposed convolution needs `output_padding`.
#
# ## 5. Timing: naive loops vs im2col
#
# The same arithmetic, in a different order. The loops run the multiply-adds a few at a time in Python;
# im2col does them in one matrix product in compiled code. (Timings depend on the machine; they are
# printed here, never asserted.)

# %%
sizes = [(2, 3, 8, 8, 4), (2, 3, 16, 16, 8)] if QUICK else [(2, 3, 16, 16, 8), (4, 8, 32, 32, 16),
                                                            (8, 16, 32, 32, 32)]
rows = []
for n, c, h, w_, c_out in sizes:
    xa = rs.standard_normal((n, c, h, w_)).astype(np.float32)
    wa = rs.standard_normal((c_out, c, 3, 3)).astype(np.float32)
    args = ((1, 1), (1, 1), (1, 1), 1)
    t_naive = best_time(lambda: naive.conv2d(xa, wa, *args), repeat=1 if QUICK else 2)
    t_cols = best_time(lambda: im2col.conv2d(xa, wa, *args), repeat=3, number=5)
    rows.append([f"x {(n, c, h, w_)}, w {(c_out, c, 3, 3)}", t_naive * 1e3, t_cols * 1e3, t_naive / t_cols])
table(["conv2d, k3 s1 p1 (float32)", "naive ms", "im2col ms", "naive / im2col"], rows)

# %% [markdown]
# ## What to remember
#
# - A convolution is a dot product per window; im2col turns all of them into one matrix product.
# - Two implementations with one signature can be held against each other: `naive` = `im2col` to ~1e-15.
# - $H_{out} = \lfloor (H + 2p - d(k-1) - 1)/s \rfloor + 1$, with a floor that maps several input sizes to one.
# - Next: lesson 4 turns this map around — the transposed convolution.
