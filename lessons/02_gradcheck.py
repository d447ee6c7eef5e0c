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
# # Lesson 2 — Checking gradients
#
# Every backward pass in minigan is written by hand, so every one can be wrong. The cure is old and
# simple: compare it with a *finite difference*, the slope measured by nudging the input. This lesson
# shows how small the nudge should be (and why the answer forces float64), what `mg.gradcheck` prints
# when a gradient is right, and how a failing check points at the exact element of a planted bug.

# %%
from _common import QUICK, save, table

import matplotlib.pyplot as plt
import numpy as np

import minigan as mg

# %% [markdown]
# ## 1. Central differences
#
# $$f'(x) \approx \frac{f(x + \varepsilon) - f(x - \varepsilon)}{2\varepsilon}$$
#
# Two errors compete. **Truncation**: the Taylor series says the formula is off by
# $\varepsilon^2 f'''(x)/6$, so a smaller $\varepsilon$ is better. **Rounding**: $f(x \pm \varepsilon)$ are
# stored with a relative error of about $u$ (the machine epsilon), and dividing their difference by
# $2\varepsilon$ magnifies it to about $u\,|f| / \varepsilon$, so a smaller $\varepsilon$ is worse.
# The total is a U-shaped curve in log-log axes with its bottom near $\varepsilon \approx u^{1/3}$.
#
# We measure it for $f(x) = \tanh(x)\,e^x$ at $x = 0.7$, computed with minigan in float32 and in float64.

# %%
x0 = 0.7
exact = (1 - np.tanh(x0) ** 2) * np.exp(x0) + np.tanh(x0) * np.exp(x0)   # f'(x) by the product rule


def f(x):
    return x.tanh() * x.exp()


t = mg.tensor(np.float64(x0), requires_grad=True)
f(t).backward()
print(f"f'(0.7): by the product rule {exact:.16f}, by minigan's autograd {t.grad.item():.16f}")

eps_grid = np.logspace(-14, 0, 29 if QUICK else 57)
errors = {}
for dtype in (np.float32, np.float64):
    err = []
    for eps in eps_grid:
        xp_, xm_ = mg.tensor(dtype(x0) + dtype(eps), dtype=dtype), mg.tensor(dtype(x0) - dtype(eps), dtype=dtype)
        slope = (f(xp_).item() - f(xm_).item()) / (2 * float(dtype(eps)))
        err.append(max(abs(slope - exact), 1e-18))        # floor: log axes cannot show an exact 0
    errors[dtype] = np.array(err)

rows = []
for dtype, err in errors.items():
    u = np.finfo(dtype).eps
    k = int(np.argmin(err))
    # The two arms of the U: slope +2 (truncation) to the right of the bottom, about -1 (rounding) to the left.
    right = (eps_grid > eps_grid[k] * 4) & (eps_grid <= 0.3)
    left = (eps_grid < eps_grid[k] / 10) & (err < 1)
    slope_r = np.polyfit(np.log10(eps_grid[right]), np.log10(err[right]), 1)[0]
    slope_l = np.polyfit(np.log10(eps_grid[left]), np.log10(err[left]), 1)[0]
    rows.append([np.dtype(dtype).name, u, u ** (1 / 3), eps_grid[k], err[k], slope_l, slope_r])
table(["dtype", "machine eps u", "u^(1/3)", "best eps", "smallest error", "left slope", "right slope"], rows)

# %%
fig, ax = plt.subplots(figsize=(6.4, 4))
for dtype, err in errors.items():
    ax.loglog(eps_grid, err, "o-", ms=3, label=np.dtype(dtype).name)
    ax.axvline(np.finfo(dtype).eps ** (1 / 3), ls=":", color=ax.lines[-1].get_color())
ax.set_xlabel("eps")
ax.set_ylabel("|central difference - f'(x)|")
ax.set_title("The U curve: rounding (left) vs truncation (right)\ndotted: u^(1/3)")
ax.legend()
save(fig, "02_u_curve.png")

# %% [markdown]
# The bottoms sit near $u^{1/3}$, as predicted, and the arms have the predicted slopes. In float32 even
# the best central difference agrees with $f'$ to only about six digits, and at the `eps = 1e-6` a float64
# check uses, it is far worse:

# %%
j = int(np.argmin(np.abs(eps_grid - 1e-6)))
for dtype, err in errors.items():
    print(f"{np.dtype(dtype).name}: error at eps = {eps_grid[j]:.0e} is {err[j]:.1e} "
          f"(relative {err[j] / abs(exact):.1e})")

# %% [markdown]
# So gradient checks run in **float64**, where the error at `eps = 1e-6` is around `1e-10`: far below any
# real bug. `mg.gradcheck` copies its inputs to float64 itself.

# %% [markdown]
# ## 2. `mg.gradcheck` on a correct gradient
#
# For `y = fn(*inputs)` it draws a random upstream gradient `v` and compares, for every element `j` of every
# input, what autograd says, $(\partial y/\partial x)^\top v$, with the central difference of
# $\langle f(x), v \rangle$. One row per input; "worst at" is the element furthest from its tolerance.

# %%
rs = np.random.default_rng(0)
a = mg.tensor(rs.standard_normal((3, 4)), requires_grad=True)
b = mg.tensor(rs.standard_normal((4, 2)), requires_grad=True)
report = mg.gradcheck(lambda a, b: (a @ b).tanh(), [a, b])
print(report)

# %% [markdown]
# ## 3. A planted bug, found by its index
#
# `diff` maps `x (n,)` to `y (n-1,)` with `y[i] = x[i+1] - x[i]`. Each `x[k]` appears twice: as `+x[k]` in
# `y[k-1]` and as `-x[k]` in `y[k]`, so
# `gx[k] = gy[k-1] - gy[k]` (a term is missing at either end). Below, a correct backward and one with an
# off-by-one slice — the kind of bug that looks right on the page.
#
# A custom op is a `mg.Function`: `forward` on the raw arrays, `backward` in minigan's own ops (so it can be
# differentiated again). PyTorch's other way of writing one works too: `forward(x)` without `ctx`, and a
# `setup_context(ctx, inputs, output)` that saves what the backward needs; `ctx` also has PyTorch's
# `mark_non_differentiable` and `set_materialize_grads` (see `help(mg.Function)`).

# %%
class Diff(mg.Function):
    @staticmethod
    def forward(ctx, x):
        return x[1:] - x[:-1]

    @staticmethod
    def backward(ctx, gy):
        return mg.pad(gy, (1, 0)) - mg.pad(gy, (0, 1))       # + gy[k-1] - gy[k]


class BuggyDiff(Diff):
    @staticmethod
    def backward(ctx, gy):
        return mg.pad(gy[:-1], (1, 1)) - mg.pad(gy, (0, 1))  # gy[:-1]: drops the last term


x = mg.tensor(rs.standard_normal(7), requires_grad=True)
print(mg.gradcheck(Diff.apply, [x], what="diff"))
bad = mg.gradcheck(BuggyDiff.apply, [x], what="buggy diff", raise_exception=False)
print(bad)
row = bad.rows[0]
print(f"the check points at element {row.worst_index} of {row.shape}: autograd says {row.analytic:.6f}, "
      f"the finite difference says {row.numeric:.6f}")

# %% [markdown]
# The report names one element, the worst. To see the whole pattern, compare every element: compute the
# full numerical gradient ourselves (the same central differences) and list where it disagrees.

# %%
def numerical_grad(fn, x, v, eps=1e-6):
    xd = x.numpy().astype(np.float64)
    g = np.zeros_like(xd)
    for j in range(xd.size):
        e = np.zeros_like(xd)
        e.flat[j] = eps
        g.flat[j] = (np.sum(fn(mg.tensor(xd + e)).numpy() * v) - np.sum(fn(mg.tensor(xd - e)).numpy() * v)) / (2 * eps)
    return g


v = rs.standard_normal(6)
xd = mg.tensor(x.numpy().astype(np.float64), requires_grad=True)
(g_bug,) = mg.grad(BuggyDiff.apply(xd), [xd], grad_outputs=mg.tensor(v))
g_num = numerical_grad(Diff.apply, xd, v)
wrong = np.flatnonzero(np.abs(g_bug.numpy() - g_num) > 1e-6)
print("elements that disagree:", wrong.tolist(), "| the last one is", x.shape[0] - 1)
print(f"missing there: {g_num[wrong[0]] - g_bug.numpy()[wrong[0]]:.6f} = gy[-1] = {v[-1]:.6f}")
# A test makes the same comparison with mg.testing.assert_close (torch.testing's): elementwise
# |actual - expected| <= atol + rtol * |expected|, and a message that counts the elements that disagree and
# names the worst one's index.
try:
    mg.testing.assert_close(g_bug, mg.tensor(g_num), rtol=1e-6, atol=1e-6)
except AssertionError as err:
    print(err)

# %% [markdown]
# Only the last element is wrong, and the missing amount is exactly `gy[-1]`: the bug is at the boundary,
# in the slice `gy[:-1]`. Index-level reports turn "the gradient is wrong" into "this term is missing".
#
# ## 4. Why the upstream gradient is random
#
# `flip` reverses a vector; its backward must reverse the gradient too. Forget that, and an all-ones
# upstream gradient cannot tell: reversed ones are ones.

# %%
class BuggyFlip(mg.Function):
    @staticmethod
    def forward(ctx, x):
        return x[::-1].copy()

    @staticmethod
    def backward(ctx, gy):
        return gy                                 # should be gy reversed


ones = mg.gradcheck(BuggyFlip.apply, [x], grad_outputs=mg.ones(7, dtype=mg.float64), raise_exception=False)
rand = mg.gradcheck(BuggyFlip.apply, [x], raise_exception=False)
print(f"buggy flip, all-ones v: {'passed' if ones.passed else 'FAILED'};  random v: "
      f"{'passed' if rand.passed else 'FAILED'} (worst at {rand.rows[0].worst_index})")

# %% [markdown]
# ## What to remember
#
# - Central differences have an error U: truncation ~ eps², rounding ~ u/eps. Check in float64.
# - `mg.gradcheck` compares every element, with a random upstream gradient; a failure names the input, the
#   element, and both numbers. `minigan gradcheck` runs it over every op of the library.
# - Next: lesson 3 builds convolution three ways and checks that they agree.
