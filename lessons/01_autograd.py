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
# # Lesson 1 — Autograd from the inside
#
# A neural network is a long chain of small operations. Autograd records each operation as a node of a
# graph while the forward pass runs, then walks that graph backwards, applying the chain rule once per
# node. In this lesson we do it by hand for a graph of four operations, then let minigan do it, and check
# that both agree to the last bit. Then we see why a gradient must be *summed* wherever a value was
# used more than once, which is also why broadcasting sums gradients.
#
# Run it as a script (`python lessons/01_autograd.py`) or open it as a notebook.

# %%
from _common import save

import matplotlib.pyplot as plt
import numpy as np

import minigan as mg

# %% [markdown]
# ## 1. A small graph
#
# $L = (x\,y + y)^2$ with $x = 1.5$ and $y = 2$. Written as single operations:
#
# | node | operation | value |
# |---|---|---|
# | z | x * y | |
# | w | z + y | |
# | L | w * w | |
#
# Notice that `y` is used twice: by `z` and by `w`.

# %%
x_val, y_val = 1.5, 2.0
z_val = x_val * y_val
w_val = z_val + y_val
L_val = w_val * w_val
print(f"z = {z_val}, w = {w_val}, L = {L_val}")

# %% [markdown]
# ## 2. The graph and its topological order
#
# Backward must visit a node only after every node that *uses* it, so that the node's gradient is
# complete before it is passed on. That is a topological order of the graph, reversed. We find it with a
# depth-first search: a node is appended after all of its inputs, so reading the list backwards puts
# each consumer before its producers. (minigan's `_topological_nodes` in `minigan/backward.py` does the
# same, with an explicit stack instead of recursion, so a chain of 10,000 operations cannot overflow.)

# %%
graph = {                     # node: (operation, inputs)
    "x": ("leaf", ()),
    "y": ("leaf", ()),
    "z": ("mul", ("x", "y")),
    "w": ("add", ("z", "y")),
    "L": ("square", ("w",)),
}


def topological_order(graph, root):
    order, seen = [], set()

    def visit(n):
        if n in seen:
            return
        seen.add(n)
        for parent in graph[n][1]:
            visit(parent)
        order.append(n)        # after all of its inputs

    visit(root)
    return order


order = topological_order(graph, "L")
print("forward (topological) order:", " -> ".join(order))
print("backward order:             ", " -> ".join(reversed(order)))

# %% [markdown]
# ## 3. The backward pass by hand
#
# Start with $\partial L/\partial L = 1$ and walk the backward order. Each node passes its gradient to its
# inputs, multiplied by the local derivative:
#
# - square: $\partial(w^2)/\partial w = 2w$
# - add: $\partial(z + y)/\partial z = \partial(z + y)/\partial y = 1$
# - mul: $\partial(xy)/\partial x = y$, $\partial(xy)/\partial y = x$
#
# The gradients are **added** into `grad[input]` (`+=`), never assigned: `y` receives one contribution from
# `z` and one from `w`, and its gradient is their sum.

# %%
values = {"x": x_val, "y": y_val, "z": z_val, "w": w_val, "L": L_val}
grad = {n: 0.0 for n in graph}
grad["L"] = 1.0
for n in reversed(order):
    op, inputs = graph[n]
    g = grad[n]
    if op == "square":
        contributions = [2 * values[inputs[0]] * g]
    elif op == "add":
        contributions = [g, g]
    elif op == "mul":
        a, b = inputs
        contributions = [values[b] * g, values[a] * g]
    else:
        continue
    for parent, c in zip(inputs, contributions):
        grad[parent] += c
        print(f"  {n:>2} --{op:^8}--> d L/d {parent} += {c:g}")
print(f"by hand:  dL/dx = {grad['x']:g}, dL/dy = {grad['y']:g}")

# %% [markdown]
# ## 4. The same with minigan
#
# Each operation on tensors that require gradients records a node. A tensor's `grad_fn` is the node that made
# it, named as PyTorch names its own (`MulBackward0`: the backward of a multiplication); its `next_functions`
# lead to the nodes of the op's inputs, and end, at a leaf, in an `AccumulateGrad` (the gradient is added to
# that leaf's `.grad`). That is the graph we drew above, and `backward()` runs the walk we just did by hand.

# %%
x = mg.tensor(x_val, requires_grad=True)
y = mg.tensor(y_val, requires_grad=True)
z = x * y
w = z + y
L = w * w
print("grad_fn of z, w, L:", z.grad_fn.name(), w.grad_fn.name(), L.grad_fn.name())
print("L's inputs come from:", L.grad_fn.next_functions)          # w twice: L = w * w
print("w's inputs come from:", w.grad_fn.next_functions)          # z's node, and the leaf y
print("x and y are leaves:", x.is_leaf, y.is_leaf, "| L is a leaf:", L.is_leaf)
L.backward()
print(f"minigan:  dL/dx = {x.grad.item():g}, dL/dy = {y.grad.item():g}")
print("by hand == minigan:", grad["x"] == x.grad.item() and grad["y"] == y.grad.item())

# %% [markdown]
# The two contributions to `dL/dy`, one per path from `y` to `L`:

# %%
via_z = 2 * w_val * 1 * x_val     # L <- w <- z <- y
direct = 2 * w_val * 1            # L <- w <- y
print(f"via z: {via_z:g}, direct: {direct:g}, sum: {via_z + direct:g}, minigan: {y.grad.item():g}")

# %% [markdown]
# ### A picture of the graph
#
# Each box shows a node's value (forward) and its gradient (backward).

# %%
pos = {"x": (0, 1), "y": (0, 0), "z": (1, 1), "w": (2, 0.5), "L": (3, 0.5)}
fig, ax = plt.subplots(figsize=(7, 2.8))
for n, (op, inputs) in graph.items():
    for p in inputs:
        ax.annotate("", xy=pos[n], xytext=pos[p],
                    arrowprops=dict(arrowstyle="->", color="0.5", shrinkA=24, shrinkB=34))
    label = f"{n} = {values[n]:g}\n∂L/∂{n} = {grad[n]:g}" + (f"\n({op})" if op != "leaf" else "")
    ax.text(*pos[n], label, ha="center", va="center", fontsize=9,
            bbox=dict(boxstyle="round", fc="#e8f0fe" if op == "leaf" else "#fff3e0", ec="0.4"))
ax.set_xlim(-0.5, 3.5)
ax.set_ylim(-0.5, 1.5)
ax.axis("off")
ax.set_title("L = (x·y + y)²: values forward, gradients backward")
save(fig, "01_graph.png")

# %% [markdown]
# ## 5. Gradients accumulate, across calls too
#
# A leaf's `.grad` is *added to* by every backward pass. That is what makes the sum over paths work, and
# it is also why training loops call `zero_grad()` before each step: run backward twice without zeroing
# and the gradient doubles.

# %%
x = mg.tensor(x_val, requires_grad=True)
y = mg.tensor(y_val, requires_grad=True)
L = (x * y + y) * (x * y + y)
L.backward(retain_graph=True)     # keep the saved values so that we may walk the graph again
first = x.grad.item()
L.backward()
print(f"after one backward: x.grad = {first:g}; after two: x.grad = {x.grad.item():g}")

# %% [markdown]
# ## 6. Broadcasting, and why its gradients are summed
#
# `X + b` with `X` of shape (4, 3) and `b` of shape (3,) adds `b` to every row: broadcasting *copies* `b`
# four times. Each copy is a separate use of `b`, so — exactly like `y` above — the gradient of `b` is the
# sum of the gradients of its copies: the upstream gradient summed over the broadcast axis.
#
# We use a random upstream gradient `V` ($L = \sum V \odot (X + b)$, so $\partial L/\partial(X + b) = V$);
# with all ones, a wrong axis could still give the right numbers.

# %%
rs = np.random.default_rng(0)
X = mg.tensor(rs.standard_normal((4, 3)), requires_grad=True, dtype=mg.float64)
V = rs.standard_normal((4, 3))
for b_shape, summed in [((3,), "over axis 0"), ((1, 3), "over axis 0, keeping it"),
                        ((4, 1), "over axis 1, keeping it"), ((), "over everything")]:
    b = mg.tensor(rs.standard_normal(b_shape), requires_grad=True, dtype=mg.float64)
    ((X + b) * mg.tensor(V)).sum().backward()
    expected = V.sum(axis={(3,): 0, (1, 3): 0, (4, 1): 1, (): None}[b_shape],
                     keepdims=b_shape in ((1, 3), (4, 1)))
    print(f"b {str(b_shape):<7} b.grad shape {str(b.grad.shape):<7} = V summed {summed:<26} "
          f"max |difference| = {np.max(np.abs(b.grad.numpy() - expected)):.1e}")
    X.grad = None

# %% [markdown]
# A numerical check of one element makes the same point without any theory: nudge `b[1]` by `h`, and the
# loss changes by `h` times the column sum of `V`, because `b[1]` was added to all four rows.

# %%
b = rs.standard_normal(3)
h = 1e-6


def loss(bv):
    return float(np.sum(V * (X.numpy() + bv)))


nudged = b.copy()
nudged[1] += h
print(f"(L(b + h e_1) - L(b)) / h = {(loss(nudged) - loss(b)) / h:.6f};  column sum of V = {V[:, 1].sum():.6f}")

# %% [markdown]
# ## What to remember
#
# - Forward records a graph; backward walks it in reverse topological order, applying one local
#   derivative per node.
# - Gradients are **summed** wherever a value is used more than once: a variable on two paths, a tensor
#   broadcast over an axis, a leaf across two backward calls.
# - Next: how do we *know* a backward is right? Lesson 2 checks gradients against finite differences.
