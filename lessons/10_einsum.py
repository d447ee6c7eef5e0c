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
# # Lesson 10 — Einsum: one notation for every contraction, and its backward
#
# A matrix product, a batch of them, a trace, an outer product, a Gram matrix, attention's scores: each
# multiplies entries that share an index and sums over the indices that disappear. Einstein's summation
# writes them all the same way, by naming the indices:
#
# $$C_{ik} = \sum_j A_{ij} B_{jk} \quad\longleftrightarrow\quad \texttt{einsum("ij,jk->ik", A, B)}$$
#
# Every letter that appears in an input but not in the output is summed over. minigan has it as `mg.einsum`,
# PyTorch's function. In this lesson we
#
# 1. write the familiar ops as einsums and check each against minigan's own op;
# 2. find the backward of any einsum: **it is another einsum**, of the output gradient with the other
#    operands, and write it by hand for a three-operand contraction;
# 3. meet the two cases where that rule needs care: a letter repeated in one operand (a diagonal), and a
#    letter that only one operand has (a sum that the gradient undoes by broadcasting);
# 4. check the backward (and the backward of the backward) with `mg.gradcheck`;
# 5. measure why the order in which a chain of products is contracted matters.

# %%
import os

# Small matrices: one BLAS thread is enough, and it keeps the timings in section 5 steady.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from _common import QUICK, best_time, max_abs, save, table  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import minigan as mg  # noqa: E402
import minigan.nn.functional as F  # noqa: E402
from minigan.style import gram_matrix  # noqa: E402

rs = np.random.default_rng(0)


def t(*shape, grad=False):
    """A float64 tensor of standard normal values."""
    return mg.tensor(rs.standard_normal(shape), requires_grad=grad)


# %% [markdown]
# ## 1. The familiar ops, as einsums
#
# Each row writes one op in index notation and compares `mg.einsum` with the op minigan has for it. The
# letters are names, nothing more: `"ij,jk->ik"` and `"ab,bc->ac"` are the same product.

# %%
A, B, v, w = t(3, 4), t(4, 5), t(4), t(4)
X, Y = t(6, 3, 4), t(6, 4, 2)
S = t(4, 4)
Q, K = t(2, 5, 8), t(2, 7, 8)
feats = t(2, 3, 5, 4)
rows = [
    ["matrix product", "ij,jk->ik", max_abs(mg.einsum("ij,jk->ik", A, B), A @ B)],
    ["batched product", "bij,bjk->bik", max_abs(mg.einsum("bij,bjk->bik", X, Y), mg.bmm(X, Y))],
    ["matrix-vector", "ij,j->i", max_abs(mg.einsum("ij,j->i", A, v), mg.mv(A, v))],
    ["dot product", "i,i->", max_abs(mg.einsum("i,i->", v, w), mg.dot(v, w))],
    ["outer product", "i,j->ij", max_abs(mg.einsum("i,j->ij", v, w), mg.outer(v, w))],
    ["transpose", "ij->ji", max_abs(mg.einsum("ij->ji", A), A.t())],
    ["sum of all", "ij->", max_abs(mg.einsum("ij->", A), A.sum())],
    ["trace", "ii->", max_abs(mg.einsum("ii->", S), mg.trace(S))],
    ["diagonal", "ii->i", max_abs(mg.einsum("ii->i", S), mg.diagonal(S))],
    ["attention scores", "bld,bsd->bls", max_abs(mg.einsum("bld,bsd->bls", Q, K), Q @ K.transpose(-2, -1))],
    ["Gram matrix (style)", "nchw,ndhw->ncd",
     max_abs(mg.einsum("nchw,ndhw->ncd", feats, feats) / (3 * 5 * 4), gram_matrix(feats))],
]
table(["op", "einsum", "max |einsum - op|"], rows)

# %% [markdown]
# Without `->`, einsum writes the output itself: the letters that appear exactly once, in alphabetical
# order. So `"ij,jk"` is the matrix product and `"ji"` is... the transpose, since `i` comes before `j`.
# `...` stands for any number of leading dims that are broadcast, as in a batched matrix product of any
# rank.

# %%
print("implicit 'ij,jk' is A @ B:", max_abs(mg.einsum("ij,jk", A, B), A @ B))
print("implicit 'ji' is A.T:     ", max_abs(mg.einsum("ji", A), A.t()))
print("'...ij,...jk' on (6, 3, 4) and (4, 2):", tuple(mg.einsum("...ij,...jk", X, t(4, 2)).shape))

# %% [markdown]
# ## 2. The backward of an einsum is an einsum
#
# Take $C_{ik} = \sum_j A_{ij} B_{jk}$ and a loss $L$ with upstream gradient $G_{ik} = \partial L/\partial
# C_{ik}$. Entry $A_{ij}$ appears in every $C_{ik}$ (all $k$), multiplied by $B_{jk}$, so
#
# $$\frac{\partial L}{\partial A_{ij}} = \sum_k G_{ik} B_{jk} \quad\longleftrightarrow\quad
# \texttt{einsum("ik,jk->ij", G, B)}$$
#
# which is the familiar $G B^\top$. The recipe holds for any einsum: **swap the operand for the output
# gradient, and ask for the operand's own subscripts.** The letters that were summed in the forward (here
# `j` was, in the output it is gone) come back in the gradient's output; the letters of the output (`i`,
# `k`) now get summed. Here it is by hand for three operands, $D_{il} = \sum_{jk} A_{ij} B_{jk} C_{kl}$.

# %%
A, B, C = t(3, 4, grad=True), t(4, 5, grad=True), t(5, 2, grad=True)
D = mg.einsum("ij,jk,kl->il", A, B, C)
G = mg.tensor(rs.standard_normal(D.shape))
D.backward(G)
by_hand = {
    "A": mg.einsum("il,jk,kl->ij", G, B, C),      # A's place taken by G; output: A's subscripts
    "B": mg.einsum("ij,il,kl->jk", A, G, C),
    "C": mg.einsum("ij,jk,il->kl", A, B, G),
}
table(["operand", "gradient by hand (an einsum)", "max |by hand - autograd|"],
      [[name, eq, max_abs(by_hand[name], op.grad)] for (name, op), eq in
       zip({"A": A, "B": B, "C": C}.items(), ["il,jk,kl->ij", "ij,il,kl->jk", "ij,jk,il->kl"])])

# %% [markdown]
# ## 3. Where the recipe needs care
#
# **A letter repeated within one operand** reads a diagonal: `"ii->i"` takes $S_{ii}$. Its gradient can
# only reach the diagonal; the off-diagonal entries were never read, so their gradient is 0. The recipe
# would ask for an output `"ii"`, which no einsum can write (an output letter may appear once), so minigan
# writes the gradient onto the diagonal of a zero matrix: `diag_embed`, the transpose of `diagonal`.
#
# **A letter that only one operand has** and that is summed away, as `j` in `"ij->i"` (the row sums):
# every $A_{ij}$ of a row feeds the same output, with weight 1, so each gets that output's gradient:
# the gradient is broadcast back along `j`. The recipe's einsum `"i->ij"` would need `j`'s size, which
# only the forward knew; minigan keeps it and broadcasts.

# %%
S = t(4, 4, grad=True)
g = mg.tensor(np.array([1.0, 2.0, 3.0, 4.0]))
mg.einsum("ii->i", S).backward(g)
print("gradient of einsum('ii->i', S) for upstream [1, 2, 3, 4]:\n", S.grad.numpy())
print("diag_embed of the upstream gradient equals it:", max_abs(S.grad, mg.diag_embed(g)) == 0)

A = t(3, 4, grad=True)
g = mg.tensor(np.array([1.0, 2.0, 3.0]))
mg.einsum("ij->i", A).backward(g)
print("gradient of einsum('ij->i', A) (the row sums) for upstream [1, 2, 3]:\n", A.grad.numpy())

# %% [markdown]
# Both at once: `"iij->j"` sums the diagonal of each slice `j`. Its gradient puts the upstream value of
# slice `j` on the diagonal of that slice, and nothing elsewhere.

# %%
T = t(3, 3, 2, grad=True)
mg.einsum("iij->j", T).backward(mg.tensor(np.array([10.0, -1.0])))
print("slice j = 0 of the gradient:\n", T.grad.numpy()[:, :, 0])
print("slice j = 1 of the gradient:\n", T.grad.numpy()[:, :, 1])

# %% [markdown]
# ## 4. Checking it
#
# `mg.gradcheck` compares each gradient with central differences (in float64), and `mg.gradgradcheck` the
# gradient of the gradient: the backward is built of einsums, which have backwards of their own, so an
# einsum can be differentiated as often as one likes (needed, for instance, by a gradient penalty on a
# critic built of einsums).

# %%
EQUATIONS = [("ij,jk->ik", [(3, 4), (4, 2)]), ("ii->", [(4, 4)]), ("iij->ji", [(3, 3, 2)]),
             ("bij,bkj->bik", [(2, 3, 4), (2, 5, 4)]), ("...ik,...jl->...ij", [(2, 1, 3, 4), (3, 1, 5)]),
             ("ab,bc,cbd->ad", [(2, 3), (3, 4), (4, 3, 2)])]
rows = []
for eq, shapes in EQUATIONS:
    ops = [t(*s, grad=True) for s in shapes]
    report = mg.gradcheck(lambda *xs, eq=eq: mg.einsum(eq, *xs), ops)
    second = mg.gradgradcheck(lambda *xs, eq=eq: mg.einsum(eq, *xs), ops)
    rows.append([eq, " ".join(str(s) for s in shapes), max(r.max_abs_err for r in report.rows), bool(second)])
table(["equation", "shapes", "largest |analytic - numeric|", "gradgradcheck"], rows)

# %% [markdown]
# ## 5. The order of a chain matters
#
# $A B C$ with $A$ of $n \times n$, $B$ of $n \times n$ and $C$ of $n \times 1$ can be contracted as
# $(AB)C$, which costs $n^3 + n^2$ multiplications, or as $A(BC)$, which costs $2n^2$: for $n = 400$ that is
# 64 million against 320 thousand. `einsum` picks the order itself where the array library lets it
# (NumPy's `optimize=True`, which minigan asks for with three or more operands); by hand, the parentheses
# decide. The timings are measured here and now, on this machine.

# %%
SIZES = [50, 100, 200] if QUICK else [100, 200, 400, 800]
rows, t_left, t_right, t_einsum = [], [], [], []
for n in SIZES:
    a, b, c = (mg.tensor(rs.standard_normal(s)) for s in ((n, n), (n, n), (n, 1)))
    left = best_time(lambda: (a @ b) @ c)
    right = best_time(lambda: a @ (b @ c))
    ein = best_time(lambda: mg.einsum("ij,jk,kl->il", a, b, c))
    t_left.append(left), t_right.append(right), t_einsum.append(ein)
    rows.append([n, n ** 3 + n ** 2, 2 * n ** 2, 1e3 * left, 1e3 * right, 1e3 * ein])
table(["n", "mults (AB)C", "mults A(BC)", "(AB)C ms", "A(BC) ms", "einsum ms"], rows)

fig, ax = plt.subplots(figsize=(6, 4))
ax.loglog(SIZES, t_left, "o-", label="(A B) C")
ax.loglog(SIZES, t_right, "s-", label="A (B C)")
ax.loglog(SIZES, t_einsum, "^--", label="einsum('ij,jk,kl->il')")
ax.set_xlabel("n")
ax.set_ylabel("seconds (best of 3)")
ax.set_title("one chain of products, three orders")
ax.legend()
save(fig, "10_einsum_order.png")

# %% [markdown]
# ## What to take away
#
# - One notation covers the contractions of deep learning: name the indices, and the ones that vanish are
#   summed.
# - The backward of a contraction is a contraction: put the output gradient in the operand's place and ask
#   for the operand's subscripts. Two cases need care, and both come from the forward throwing something
#   away: a diagonal read (the gradient goes back onto the diagonal) and a summed letter only one operand
#   had (the gradient is broadcast back along it).
# - A chain of products is cheap or dear depending on its order; einsum can choose it for you.
