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
# # Lesson 4 — Transposed convolution, and how backprop flows through it
#
# A GAN's generator grows a small feature map into an image with **transposed convolutions**, often
# called "deconvolutions". The name hides a simple idea. A convolution (with fixed weights) is a *linear*
# map, so it is a matrix $C$ applied to the flattened input. The transposed convolution is the map whose
# matrix is $C^\top$. That is all — and it is also exactly what backpropagation through a convolution
# computes.
#
# In this lesson we
#
# 1. build the matrix $C$ of a small conv2d by pushing unit vectors through it;
# 2. check that `conv_transpose2d` is exactly $C^\top$, and run the adjoint (dot-product) test;
# 3. watch backprop through conv2d call conv_transpose2d, and vice versa;
# 4. compute a "deconvolution" three ways and get the same numbers;
# 5. see why `output_padding` exists;
# 6. see where checkerboard artifacts come from;
# 7. gradient-check both ops.

# %%
from _common import max_abs, save, table

import matplotlib.pyplot as plt
import numpy as np

import minigan as mg
import minigan.nn as nn
import minigan.nn.functional as F
from minigan.kernels import shapes
from minigan.ops.resample import resize_matrix

rs = np.random.default_rng(0)

# %% [markdown]
# ## 1. The matrix of a convolution
#
# One channel, a 5x5 input, a 3x3 kernel with entries 1..9 (so we can recognise them), stride 2,
# padding 1: $H_{out} = \lfloor (5 + 2 - 3)/2 \rfloor + 1 = 3$. The map takes 25 numbers to 9, so $C$ is 9x25.
#
# Column $j$ of any matrix is what it does to the unit vector $e_j$. So we push each of the 25 unit images
# through `F.conv2d` and stack the results as columns.

# %%
S, P = 2, 1
k = mg.tensor(np.arange(1.0, 10.0).reshape(1, 1, 3, 3), dtype=mg.float64)


def conv(x):
    return F.conv2d(x, k, stride=S, padding=P)


def conv_t(y):
    return F.conv_transpose2d(y, k, stride=S, padding=P)


def matrix_of(linear_map, in_shape):
    """The matrix of a linear map on arrays of ``in_shape``: column j = map(e_j), flattened."""
    n = int(np.prod(in_shape))
    columns = []
    for j in range(n):
        e = np.zeros(n)
        e[j] = 1.0
        columns.append(linear_map(mg.tensor(e.reshape(in_shape))).numpy().ravel())
    return np.stack(columns, axis=1)


C = matrix_of(conv, (1, 1, 5, 5))
print("C:", C.shape)
print(C.astype(int))

# %% [markdown]
# Each row is one output pixel: the kernel laid over its window of the (padded) input, with taps that fall
# on padding dropped. Row 0 (output (0, 0)) sees only the bottom-right 2x2 of the kernel: 5 6 / 8 9.
# Rows move two columns at a time: the stride.
#
# $C$ really is the convolution:

# %%
x = mg.tensor(rs.standard_normal((1, 1, 5, 5)))
err = max_abs(C @ x.numpy().ravel(), conv(x).numpy().ravel())
print(f"max |C x - conv2d(x)| = {err:.1e}   (rounding: the sums run in another order)")

# %% [markdown]
# ## 2. conv_transpose2d is exactly Cᵀ
#
# Now do the same to `F.conv_transpose2d` with the **same** weight and the same stride and padding. It maps
# 3x3 back to $(3 - 1)\cdot 2 - 2\cdot 1 + 3 = 5$, so its matrix $T$ is 25x9.

# %%
T = matrix_of(conv_t, (1, 1, 3, 3))
y = mg.tensor(rs.standard_normal((1, 1, 3, 3)))
print(f"T: {T.shape} | max |T - C^T| = {max_abs(T, C.T)}")
print(f"max |C^T y - conv_transpose2d(y)| = {max_abs(C.T @ y.numpy().ravel(), conv_t(y).numpy().ravel()):.1e}")

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 4.6), gridspec_kw={"width_ratios": [25, 9]})
for ax, M, title in [(axes[0], C, "C: conv2d, 9 x 25"), (axes[1], T, "T: conv_transpose2d, 25 x 9 (= Cᵀ)")]:
    ax.imshow(M, cmap="Blues", vmin=0, vmax=12)
    for (r, c), v in np.ndenumerate(M):
        if v:
            ax.text(c, r, int(v), ha="center", va="center", fontsize=7)
    ax.set_title(title)
    ax.set_xlabel("input pixel")
    ax.set_ylabel("output pixel")
save(fig, "04_matrix.png")

# %% [markdown]
# ### Many channels: the same weight array serves both
#
# conv2d's weight is laid out `(C_out, C_in, kh, kw)`; conv_transpose2d's is `(C_in, C_out, kh, kw)`. They are
# the same layout read from opposite ends: a conv2d weight `(3, 2, 3, 3)` maps 2 channels to 3, and the
# transposed conv with that very array maps 3 channels back to 2. Its matrix is again exactly $C^\top$:

# %%
W = mg.tensor(rs.standard_normal((3, 2, 3, 3)))
C2 = matrix_of(lambda t: F.conv2d(t, W, stride=2, padding=1), (1, 2, 5, 5))
T2 = matrix_of(lambda t: F.conv_transpose2d(t, W, stride=2, padding=1), (1, 3, 3, 3))
print(f"C: {C2.shape}, T: {T2.shape}, max |T - C^T| = {max_abs(T2, C2.T)}")

# %% [markdown]
# ### The adjoint test
#
# Building $C$ costs one pass per input pixel, fine for 25 pixels but not for an image. The *dot-product
# test* checks $T = C^\top$ with two random vectors instead:
# $\langle C x, y\rangle = \langle x, C^\top y\rangle$ for all $x, y$ is the definition of the transpose.
# `mg.check_adjoint` runs it (in float64) — here on an awkward case: odd sizes, stride 2, dilation 2, two groups,
# and the `output_padding` that makes the sizes match.

# %%
xs, ws = (2, 4, 9, 8), (6, 2, 3, 3)
kw_ = dict(stride=2, padding=1, dilation=2, groups=2)
ys = F.conv2d(mg.zeros(*xs), mg.zeros(*ws), **kw_).shape
op = shapes.conv2d_grad_input_output_padding(xs[2:], ys[2:], ws[2:], (2, 2), (1, 1), (2, 2))
Wa = mg.tensor(rs.standard_normal(ws))
result = mg.check_adjoint(lambda t: F.conv2d(t, Wa, **kw_),
                          lambda t: F.conv_transpose2d(t, Wa, output_padding=op, **kw_),
                          xs, ys, as_tensor=True)
print(f"x {xs} -> y {tuple(ys)}, output_padding {op}")
print(f"<C x, y> = {result['<Ax,y>']:.12f}\n<x, T y> = {result['<x,ATy>']:.12f}")
print(f"relative error {result['rel_err']:.1e}")

# %% [markdown]
# ## 3. Backprop through a convolution *is* a transposed convolution
#
# For $y = Cx$ and a loss $L$, the chain rule gives $\partial L/\partial x = C^\top\, \partial L/\partial y$. So the
# input gradient of conv2d is conv_transpose2d of the output gradient — and conv_transpose2d's input
# gradient is $(C^\top)^\top = C$: a conv2d. minigan's `ops/conv.py` writes the backward passes exactly like
# that. We can watch it: with `create_graph=True`, the gradient is itself a recorded tensor, and its
# `grad_fn.fn` is the op that computed it.

# %%
x = mg.tensor(rs.standard_normal((1, 1, 5, 5)), requires_grad=True)
v = mg.tensor(rs.standard_normal((1, 1, 3, 3)), requires_grad=True)   # so the backward pass gets recorded
(gx,) = mg.grad(conv(x), [x], grad_outputs=v, create_graph=True)
print(f"conv2d's input gradient was computed by:           {gx.grad_fn.fn.__name__}")
print(f"  max |gx - conv_transpose2d(v)| = {max_abs(gx, conv_t(v))},  max |gx - C^T v| = "
      f"{max_abs(gx.numpy().ravel(), C.T @ v.numpy().ravel()):.1e}")

yt = mg.tensor(rs.standard_normal((1, 1, 3, 3)), requires_grad=True)
u = mg.tensor(rs.standard_normal((1, 1, 5, 5)), requires_grad=True)
(gyt,) = mg.grad(conv_t(yt), [yt], grad_outputs=u, create_graph=True)
print(f"conv_transpose2d's input gradient was computed by: {gyt.grad_fn.fn.__name__}")
print(f"  max |g - conv2d(u)| = {max_abs(gyt, conv(u))},  max |g - C u| = "
      f"{max_abs(gyt.numpy().ravel(), C @ u.numpy().ravel()):.1e}")

# %% [markdown]
# The weight gradients of both ops are one and the same correlation of an input with an output gradient
# (`F.conv2d_weight`), because in $y = C_w x$ the roles of $w$ and $x$ can be swapped. This symmetry is
# why a GAN's generator (made of transposed convolutions) and its discriminator (convolutions) train with
# the same few kernels.
#
# ## 4. "Deconvolution" three ways
#
# Take a 2-channel 3x3 map and a conv_transpose2d to 3 channels with kernel 3, stride 2, padding 1 and
# output_padding 1: $(3 - 1)\cdot 2 - 2 + 3 + 1 = 6$, so the output is 6x6. Three ways to compute it:
#
# **(a) the gradient of a convolution.** It is $C^\top y$, so it is the gradient with respect to $z$ of
# $\langle \mathrm{conv2d}(z), y\rangle$, for a 6x6 input $z$ (its value does not matter: the map is linear).
#
# **(b) zero insertion, padding, and a convolution with the flipped kernel.** Spread the input pixels
# apart by inserting $s - 1$ zeros between them, pad by $d(k - 1) - p$ on each side (plus `output_padding`
# at the bottom and right), and run an ordinary stride-1 conv2d whose kernel is flipped left-right and
# up-down, with its two channel axes swapped.
#
# **(c) the scatter.** Each input pixel stamps the kernel, scaled by its value, onto the output at
# position $(h s - p,\; w s - p)$; overlapping stamps add up.

# %%
s, p, opad, ksz = 2, 1, 1, 3
xin = rs.standard_normal((1, 2, 3, 3))
w = rs.standard_normal((2, 3, ksz, ksz))                   # conv_transpose2d layout (C_in, C_out, kh, kw)
reference = F.conv_transpose2d(mg.tensor(xin), mg.tensor(w), stride=s, padding=p, output_padding=opad).numpy()
H_out = reference.shape[2]
print("F.conv_transpose2d:", reference.shape)

# (a) the gradient of a conv2d whose weight is the same array, read as (C_out=2, C_in=3, kh, kw)
z = mg.zeros(1, 3, H_out, H_out, dtype=mg.float64, requires_grad=True)
(route_a,) = mg.grad(F.conv2d(z, mg.tensor(w), stride=s, padding=p), [z], grad_outputs=mg.tensor(xin))

# (b) zero insertion + padding + conv2d with the flipped kernel
def insert_zeros(a, s):
    n, c, h, w_ = a.shape
    out = np.zeros((n, c, (h - 1) * s + 1, (w_ - 1) * s + 1))
    out[:, :, ::s, ::s] = a
    return out


edge = 1 * (ksz - 1) - p                                    # d(k - 1) - p, with dilation d = 1
spread = np.pad(insert_zeros(xin, s), ((0, 0), (0, 0), (edge, edge + opad), (edge, edge + opad)))
flipped = w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)         # (C_out=3, C_in=2, kh, kw) for conv2d
route_b = F.conv2d(mg.tensor(spread), mg.tensor(flipped.copy())).numpy()

# (c) the scatter: stamp the kernel once per input pixel onto a canvas, then crop the padding
canvas = np.zeros((1, 3, (3 - 1) * s + ksz + opad, (3 - 1) * s + ksz + opad))
for ci in range(2):
    for h in range(3):
        for w_ in range(3):
            canvas[0, :, h * s:h * s + ksz, w_ * s:w_ * s + ksz] += xin[0, ci, h, w_] * w[ci]
route_c = canvas[:, :, p:p + H_out, p:p + H_out]

table(["route", "shape", "max |route - F.conv_transpose2d|"],
      [["(a) gradient of conv2d", str(route_a.shape), max_abs(route_a, reference)],
       ["(b) zeros + pad + flipped conv2d", str(route_b.shape), max_abs(route_b, reference)],
       ["(c) scatter of stamps", str(route_c.shape), max_abs(route_c, reference)]])

# %% [markdown]
# Why does (b) flip the kernel? In the scatter, input pixel $h$ sends tap $i$ to output $hs - p + i$. Read
# from the output's side, output $o$ *gathers* from the inputs with $hs = o + p - i$: as the tap index $i$
# goes up, the input position goes down. A gather whose offsets run backwards is a convolution with the
# kernel reversed. The zeros between pixels make "every $s$-th position" an ordinary stride-1 window.
#
# Route (b) is also why transposed convolution is sometimes called *fractionally strided* convolution:
# stride $1/s$ over the input, realised by the inserted zeros. Route (b) wastes most of its multiplications
# on those zeros; minigan computes (c), as `col2im(Wᵀ @ x)`.

# %%
fig, axes = plt.subplots(1, 4, figsize=(12, 3.2))
panels = [(xin[0, 0], "input x (channel 0), 3x3"),
          (spread[0, 0], f"(b) zeros inserted, padded: {spread.shape[2]}x{spread.shape[3]}"),
          (flipped[0, 0], "(b) the kernel, flipped"),
          (reference[0, 0], f"output (channel 0), {H_out}x{H_out}")]
for ax, (img, title) in zip(axes, panels):
    ax.imshow(img, cmap="RdBu_r", vmin=-np.abs(img).max(), vmax=np.abs(img).max())
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
save(fig, "04_three_ways.png")

# %% [markdown]
# ## 5. The output-size ambiguity, and `output_padding`
#
# conv2d's floor sends several input sizes to one output size. With kernel 3, stride 2, padding 1:

# %%
rows = []
for H in range(4, 10):
    (h_conv, _) = shapes.conv2d_output_size(H, H, (3, 3), (2, 2), (1, 1))
    back = [shapes.conv_transpose2d_output_size(h_conv, h_conv, (3, 3), (2, 2), (1, 1), (o, o))[0] for o in (0, 1)]
    rows.append([H, h_conv, back[0], back[1], [0, 1][back.index(H)]])
table(["conv2d input H", "conv2d output", "transposed, op=0", "transposed, op=1", "op that gives H back"], rows)

# %% [markdown]
# 5 and 6 both map to 3. Going back, a transposed convolution cannot know which one you want, so it
# returns the smallest, $(H - 1)s - 2p + k = 5$, and `output_padding` (0 .. s-1) adds the rest. It is not
# zero padding: the extra row holds stamps that the padding would otherwise have cropped away.

# %%
y3 = mg.tensor(rs.standard_normal((1, 1, 3, 3)))
out5 = F.conv_transpose2d(y3, k, stride=2, padding=1).numpy()
out6 = F.conv_transpose2d(y3, k, stride=2, padding=1, output_padding=1).numpy()
print(f"op=0: {out5.shape[2:]}, op=1: {out6.shape[2:]}; max |op1[:5, :5] - op0| = "
      f"{max_abs(out6[..., :5, :5], out5)}; largest |value| in the extra row = {np.abs(out6[..., 5, :]).max():.3f}")
try:
    F.conv_transpose2d(y3, k, stride=2, padding=1, output_padding=2)
except ValueError as e:
    print("output_padding=2:", e)

# %% [markdown]
# Backprop meets the same question, and has the answer at hand: the input's size. The input gradient of a
# conv2d on a 6x6 input is a conv_transpose2d with `output_padding = 1`, which minigan computes from the
# shapes. A layer can be told the target size instead, as in PyTorch (`output_size=`).

# %%
x6 = mg.tensor(rs.standard_normal((1, 1, 6, 6)), requires_grad=True)
F.conv2d(x6, k, stride=2, padding=1).sum().backward()
print("x6.grad:", x6.grad.shape, "| output_padding used:",
      shapes.conv2d_grad_input_output_padding((6, 6), (3, 3), (3, 3), (2, 2), (1, 1)))
up = nn.ConvTranspose2d(1, 1, 3, stride=2, padding=1)
print("ConvTranspose2d(1, 1, 3, stride=2, padding=1) on 3x3:", up(y3).shape, "| with output_size=(6, 6):",
      up(y3, output_size=(6, 6)).shape)

# %% [markdown]
# The course's MNIST generator uses this to land on 28: its last layer maps 15 to
# $(15 - 1)\cdot 2 - 2\cdot 2 + 3 + 1 = 28$ with padding 2 and output_padding 1, and a conv2d with the same
# arguments sends both 27 and 28 to 15:

# %%
print("conv2d k3 s2 p2: 27 ->", shapes.conv2d_output_size(27, 27, (3, 3), (2, 2), (2, 2))[0],
      ", 28 ->", shapes.conv2d_output_size(28, 28, (3, 3), (2, 2), (2, 2))[0],
      "| transposed from 15: op=0 ->", shapes.conv_transpose2d_output_size(15, 15, (3, 3), (2, 2), (2, 2))[0],
      ", op=1 ->", shapes.conv_transpose2d_output_size(15, 15, (3, 3), (2, 2), (2, 2), (1, 1))[0])

# %% [markdown]
# ## 6. Checkerboard artifacts
#
# In the scatter, stamps of size $k$ land every $s$ pixels. Unless $s$ divides $k$, some output pixels are
# covered by more stamps than their neighbours. Feed a transposed convolution an input of ones and a
# kernel of ones, and the output *is* that overlap count. (Odena, Dumoulin & Olah, "Deconvolution and
# Checkerboard Artifacts", Distill 2016.)

# %%
def overlap(kernel, stride, padding, output_padding, n=8):
    ones_in = mg.ones(1, 1, n, n, dtype=mg.float64)
    ones_k = mg.ones(1, 1, kernel, kernel, dtype=mg.float64)
    return F.conv_transpose2d(ones_in, ones_k, stride=stride, padding=padding,
                              output_padding=output_padding).numpy()[0, 0]


count3 = overlap(3, 2, 1, 1)          # 8 -> 16
count4 = overlap(4, 2, 1, 0)          # 8 -> 16
inner = (slice(3, -3), slice(3, -3))  # away from the borders, where fewer stamps reach
print("kernel 3, stride 2: interior counts", np.unique(count3[inner]).tolist())
print("kernel 4, stride 2: interior counts", np.unique(count4[inner]).tolist())

rows = []
for s_ in (2, 3):
    for k_ in range(2, 7):
        c = overlap(k_, s_, 0, 0)
        interior = c[k_:-k_, k_:-k_]
        rows.append([k_, s_, "yes" if k_ % s_ == 0 else "no", interior.min(), interior.max(),
                     "uniform" if interior.min() == interior.max()
                     else "holes (stride > kernel)" if interior.min() == 0 else "checkerboard"])
table(["kernel", "stride", "stride divides kernel", "min count", "max count", "interior"], rows)

# %% [markdown]
# With $k = 3$ the uneven overlap is built into the layer: even a constant kernel paints a checkerboard,
# and the weights have to learn to cancel it. With $k = 4$ the layer starts out even. Another remedy is to
# upsample (nearest) and then convolve, where every output sees the same number of taps:

# %%
resized = F.conv2d(F.interpolate(mg.ones(1, 1, 8, 8, dtype=mg.float64), scale_factor=2),
                   mg.ones(1, 1, 3, 3, dtype=mg.float64), padding=1).numpy()[0, 0]
print("nearest x2 then conv k3: interior counts", np.unique(resized[inner]).tolist())

# %% [markdown]
# Bilinear upsampling (`mode="bilinear"`) is a linear map too, and a separable one: each output row is a
# weighted sum of input rows, the same in every column. So `F.interpolate` computes $A_h\,x\,A_w^\top$
# with one small matrix per axis, and its backward is the transpose, $A_h^\top\,g\,A_w$, just as
# conv_transpose2d is $C^\top$:

# %%
a = resize_matrix(4, 8, "bilinear")
print("bilinear 4 -> 8: row i holds the weights of output pixel i (each row sums to 1)\n", a)
xb = mg.tensor(rs.standard_normal((1, 1, 4, 4)), requires_grad=True)
gb = rs.standard_normal((1, 1, 8, 8))
F.interpolate(xb, scale_factor=2, mode="bilinear").backward(mg.tensor(gb))
print("x.grad equals A^T g A:", np.allclose(xb.grad.numpy()[0, 0], a.T @ gb[0, 0] @ a))

# %%
fig, axes = plt.subplots(1, 3, figsize=(11, 3.6))
for ax, img, title in [(axes[0], count3, "transposed conv k3 s2"), (axes[1], count4, "transposed conv k4 s2"),
                       (axes[2], resized, "nearest x2, then conv k3")]:
    im = ax.imshow(img, cmap="magma")
    ax.set_title(f"{title}\noverlap count")
    ax.set_xticks([])
    ax.set_yticks([])
    fig.colorbar(im, ax=ax, fraction=0.046)
save(fig, "04_checkerboard.png")

# %% [markdown]
# ## 7. gradcheck of both
#
# Finally, the check from lesson 2, in float64, on shapes where windows overlap (stride smaller than the
# kernel) and sizes are odd, with bias. If a backward forgot to *add* overlapping contributions, or got an
# index wrong at a border, these would fail.

# %%
xa, wa, ba = (mg.tensor(rs.standard_normal(sh), requires_grad=True) for sh in [(2, 3, 7, 6), (4, 3, 3, 3), (4,)])
print(mg.gradcheck(lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1), [xa, wa, ba], what="conv2d k3 s2 p1"))
xt, wt, bt = (mg.tensor(rs.standard_normal(sh), requires_grad=True) for sh in [(2, 3, 4, 5), (3, 2, 3, 3), (2,)])
print(mg.gradcheck(lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
                   [xt, wt, bt], what="conv_transpose2d k3 s2 p1 op1"))

# %% [markdown]
# Because each backward is written with the other op, the gradient of a gradient works too (a GAN's
# gradient penalty needs it). `mg.gradgradcheck` checks second derivatives the same way:

# %%
x2, w2 = (mg.tensor(rs.standard_normal(sh), requires_grad=True) for sh in [(1, 2, 3, 3), (2, 2, 3, 3)])
rep = mg.gradgradcheck(lambda x, w: F.conv_transpose2d(x, w, stride=2, padding=1), [x2, w2])
print(f"gradgradcheck of conv_transpose2d: {'passed' if rep.passed else 'FAILED'}, "
      f"max abs error {rep.max_abs_err:.1e}")

# %% [markdown]
# ## What to remember
#
# - A convolution is a matrix $C$; `conv_transpose2d` with the same weight is exactly $C^\top$
#   (checked element by element above, and by the dot-product test).
# - So conv2d's input gradient *is* a conv_transpose2d, and conv_transpose2d's *is* a conv2d.
# - Three equal pictures: the gradient of a conv; zeros inserted + padding + a flipped-kernel conv; and
#   each input pixel stamping the kernel.
# - conv2d's floor makes sizes ambiguous; `output_padding` (or `output_size=`) picks one.
# - If the stride does not divide the kernel size, stamps overlap unevenly: a checkerboard.
# - Next: lesson 5 puts these layers together, with pooling and batch norm, into a DCGAN.
