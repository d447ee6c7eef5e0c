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
# # Lesson 12 — When training goes wrong: find the NaN, watch the gradients, trade compute for memory
#
# A training run rarely fails with an error. The loss turns into `nan` at step 3,000, or it stops moving, or
# the batch you need does not fit in memory, or the machine stops and an afternoon of training is gone.
# This lesson takes the tools for each, one at a time, and shows every one at work:
#
# 1. **Finding the NaN**: a gradient penalty that is finite but whose gradient is not, and
#    `mg.autograd.detect_anomaly()`, which names the op and the line that made the first NaN;
# 2. **Watching gradients flow**: `Tensor.register_hook` on every layer of a deep network, to *see*
#    vanishing gradients, and `register_post_accumulate_grad_hook`, to step each parameter as soon as its
#    gradient is in;
# 3. **Trading compute for memory**: `checkpoint_sequential` keeps fewer activations and recomputes the rest;
#    we measure the bytes, the time, and that the gradients do not change;
# 4. **Saving and resuming**: `mg.save` / `mg.load` of the model *and* the optimizer, resumed bit for bit;
# 5. **Where a step's time goes**: `mg.profiler`, each op's forward and each backward node timed.

# %%
import copy
import os

# Small matrices: one BLAS thread is enough, and threads that wait for each other slow a busy machine.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import json  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
import warnings  # noqa: E402

from _common import QUICK, best_time, max_abs, save, table  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import minigan as mg  # noqa: E402
import minigan.nn as nn  # noqa: E402
from minigan.utils.checkpoint import checkpoint_sequential  # noqa: E402

START = time.perf_counter()
mg.manual_seed(0)


def nan_count(t):
    """How many elements of a gradient are NaN (None: no gradient at all)."""
    return None if t is None else int(mg.isnan(t).sum())


# %% [markdown]
# ## 1. Finding the NaN
#
# WGAN-GP (lesson 6) keeps the critic 1-Lipschitz with a **gradient penalty**: at points $\hat x$ between
# real and fake samples, it asks the norm of the critic's input gradient to be 1,
#
# $$\mathrm{GP} = \mathbb{E}\big(\lVert\nabla_x D(\hat x)\rVert_2 - 1\big)^2,\qquad
#   \lVert g\rVert_2 = \sqrt{\textstyle\sum_j g_j^2}.$$
#
# Written exactly like that, it has a trap. The derivative of $\sqrt{s}$ is $1/(2\sqrt{s})$: infinite at
# $s = 0$. And $s = \sum g_j^2$ is exactly 0 whenever the critic is *flat* at $\hat x$, which a ReLU critic
# is wherever all its hidden units are off. Here is the case as it happens early in training: the data is a
# ring of radius 2, the untrained generator puts its fakes near the origin, and the critic's first layer has
# negative biases, so near the origin every hidden unit is off and the critic is constant there.

# %%
critic = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1))
with mg.no_grad():
    critic[0].bias.fill_(-0.5)              # every unit off within 0.5 / |w| of the origin: a flat region

N = 64
angle = mg.rand(N) * (2 * np.pi)
real = mg.stack([2 * mg.cos(angle), 2 * mg.sin(angle)], 1)    # (N, 2) on the ring
fake = 0.05 * mg.randn(N, 2)                                   # (N, 2) near the origin
e = mg.rand(N, 1)                                              # x_hat = e real + (1 - e) fake


def input_gradient(D):
    """The critic's gradient at the interpolates, kept differentiable (create_graph) for the penalty."""
    x_hat = (e * real + (1 - e) * fake).requires_grad_(True)
    (g,) = mg.grad(D(x_hat).sum(), x_hat, create_graph=True)
    return g                                                   # (N, 2)


def penalty_plain(g):
    return ((mg.sqrt((g ** 2).sum(1)) - 1) ** 2).mean()


g = input_gradient(critic)
print(f"samples whose input gradient is exactly 0: {int(((g ** 2).sum(1) == 0).sum())} of {N}")
gp = penalty_plain(g)
print(f"the penalty: {gp.item():.4f} (finite: {bool(mg.isfinite(gp))})")
gp.backward()
table(["parameter", "shape", "NaN in .grad"],
      [[name, str(p.shape), str(nan_count(p.grad))] for name, p in critic.named_parameters()])

# %% [markdown]
# The loss looks fine; the gradients are poison. (The biases have no gradient at all: the input gradient
# of a ReLU network does not depend on its biases, only on which units are on.) One optimizer step, and
# every weight that got a gradient is NaN, for good:

# %%
ruined = copy.deepcopy(critic)
mg.optim.SGD(ruined.parameters(), lr=0.01).step()
print("NaN weights after one SGD step:", {name: nan_count(p) for name, p in ruined.named_parameters()})

# %% [markdown]
# Where does the NaN come from? A hook on $s = \sum_j g_j^2$ shows what reaches it from the `sqrt`: minus
# infinity at the flat samples (the upstream $-1 \cdot \frac{1}{2\sqrt{0}}$). That is not yet a NaN. The
# next op back, `g ** 2`, multiplies it by its own derivative $2g = 0$, and $0 \cdot \infty$ is NaN.

# %%
critic.zero_grad()
g = input_gradient(critic)
s = (g ** 2).sum(1)
seen = {}
s.register_hook(lambda grad: seen.setdefault("ds", grad.numpy().copy()))
((mg.sqrt(s) - 1) ** 2).mean().backward()
flat = (s.numpy() == 0)
print("gradient reaching s at the flat samples:", np.unique(seen["ds"][flat]),
      "| at the others: all finite", bool(np.isfinite(seen["ds"][~flat]).all()))
with np.errstate(invalid="ignore"):
    print("0 * inf =", np.float32(0) * np.float32(np.inf))

# %% [markdown]
# In a real model this happens deep in a graph of hundreds of ops, and `.grad` only shows the result.
# **Anomaly detection** checks every gradient every op's backward returns, stops at the first NaN with a
# `RuntimeError` that names the op, and first warns with the traceback of the *forward* call that made it:
# the line of your code to look at. We record the warnings and catch the error:

# %%
critic.zero_grad()
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    with mg.autograd.detect_anomaly():
        gp = penalty_plain(input_gradient(critic))
        try:
            gp.backward()
            error = None
        except RuntimeError as exc:
            error = exc
print("RuntimeError:", error)
for w in caught:
    lines = str(w.message).splitlines()
    print(f"{w.category.__name__}: {lines[0]}")
    for line in lines[-2:] if len(lines) > 1 else ():     # the last frame of the forward call: our line
        print("   ", line.strip())

# %% [markdown]
# The op named is `PowScalarBackward0`, the backward of `g ** 2`, where $0 \cdot \infty$ happened (the sqrt
# only made the infinity: the check looks for NaN), and the line shown is `penalty_plain`'s. The first
# warning says the price: every op now keeps a stack trace, so this is for debugging runs only. For the GAN
# trainer, `minigan gan train --detect-anomaly` runs the whole training loop inside it.
#
# **Two fixes.** (a) Keep the square root away from 0: $\sqrt{s + 10^{-12}}$, as
# `minigan.gan.gradient_penalty` does; its derivative $g/\sqrt{s + 10^{-12}}$ is $0$ at $g = 0$ instead of
# $0 \cdot \infty$. (b) Use `mg.linalg.vector_norm`, whose backward is written as one op: $g / \lVert g
# \rVert$, with the value 0 chosen where $\lVert g\rVert = 0$ (PyTorch's choice too: a subgradient of the
# norm, which has a corner there). What it gives at 0:

# %%
z = mg.zeros(3, requires_grad=True)
mg.linalg.vector_norm(z).backward()
print("grad of vector_norm at 0:", z.grad.numpy(), "| grad of sqrt(sum(x^2)) at 0:", end=" ")
z.grad = None
mg.sqrt((z ** 2).sum()).backward()
print(z.grad.numpy())

fixes = {"sqrt(s + 1e-12)": lambda g: ((mg.sqrt((g ** 2).sum(1) + 1e-12) - 1) ** 2).mean(),
         "linalg.vector_norm": lambda g: ((mg.linalg.vector_norm(g, dim=1) - 1) ** 2).mean()}
grads = {}
for name, fix in fixes.items():
    critic.zero_grad()
    loss = fix(input_gradient(critic))
    loss.backward()
    grads[name] = [p.grad.numpy().copy() for p in critic.parameters() if p.grad is not None]
    print(f"{name:19s}: penalty {loss.item():.4f}, NaN in the gradients: "
          f"{sum(int(np.isnan(a).sum()) for a in grads[name])}")
print("largest difference between the two fixes' gradients:",
      max(max_abs(a, b) for a, b in zip(*grads.values())))

# %% [markdown]
# Both give the same finite gradient. Note what it says at the flat samples: their penalty is
# $(0 - 1)^2 = 1$, but their gradient is 0, so they cannot pull the critic out of its flat region; the
# other samples train it. A NaN would instead have wiped out the whole step.
#
# ## 2. Watching gradients flow
#
# "Vanishing gradients" is easy to say. `register_hook` lets us see it: a hook on a tensor is called with
# that tensor's gradient when the backward pass computes it. We put one on the output of every layer of a
# 12-layer MLP and record the gradient's norm, for four networks: sigmoid and ReLU with the default
# initialisation (PyTorch's, weights $\sim U(\pm 1/\sqrt{\text{fan\_in}})$), ReLU with He's
# (`nn.init.kaiming_normal_`, variance $2/\text{fan\_in}$), and ReLU with residual connections
# $h \leftarrow h + \mathrm{relu}(W h + b)$.

# %%
LAYERS, WIDTH, BATCH = 12, 64, 32
x = mg.randn(BATCH, WIDTH)


def linear_stack(he=False):
    mg.manual_seed(1)                                    # the same weights for every variant
    layers = [nn.Linear(WIDTH, WIDTH) for _ in range(LAYERS)]
    for lin in layers if he else ():
        nn.init.kaiming_normal_(lin.weight, nonlinearity="relu")
    return layers


def gradient_norms(layers, step):
    """The norm of d(sum of the output)/d(each layer's output), from the first layer to the last."""
    norms = [None] * len(layers)
    h = x
    for i, lin in enumerate(layers):
        h = step(h, lin)
        h.register_hook(lambda grad, i=i: norms.__setitem__(i, float(mg.linalg.vector_norm(grad))))
    h.sum().backward()
    return np.array(norms)


flows = {"sigmoid": gradient_norms(linear_stack(), lambda h, lin: mg.sigmoid(lin(h))),
         "relu": gradient_norms(linear_stack(), lambda h, lin: mg.relu(lin(h))),
         "relu, He init": gradient_norms(linear_stack(he=True), lambda h, lin: mg.relu(lin(h))),
         "relu, residual": gradient_norms(linear_stack(), lambda h, lin: h + mg.relu(lin(h)))}
table(["layer"] + list(flows), [[i + 1] + [float(f[i]) for f in flows.values()] for i in range(LAYERS)])
print("factor per layer, from the last layer back to the first (geometric mean):")
for name, f in flows.items():
    print(f"  {name:15s} x {(f[0] / f[-1]) ** (1 / (LAYERS - 1)):.3f}")

# %%
fig, ax = plt.subplots(figsize=(6.4, 4))
for name, f in flows.items():
    ax.semilogy(np.arange(1, LAYERS + 1), f, "o-", ms=4, label=name)
ax.set_xlabel("layer (the gradient flows from right to left)")
ax.set_ylabel("|d loss / d activation|")
ax.set_title(f"Gradient norm at each layer of a {LAYERS}-layer MLP")
ax.legend()
save(fig, "12_gradient_flow.png")

# %% [markdown]
# At the last layer all four start from the same norm ($\sqrt{\text{batch} \cdot \text{width}}$, the gradient
# of a sum). Going back, the sigmoid network loses a large factor *per layer* ($\sigma' \le 1/4$, times
# small weights): by the first layer the gradient is many orders of magnitude smaller, and the first layers
# do not learn. ReLU passes the gradient unchanged where a unit is on, so what is left is the weights'
# scale: too small with the default initialisation (the gradient still shrinks, slower), about right with
# He's, which was derived for exactly this. The residual network adds an identity path to every layer, so
# the gradient cannot vanish: it even grows going back, as each branch adds its share.
#
# **Stepping as soon as a gradient is in.** `register_post_accumulate_grad_hook(hook)` on a parameter calls
# `hook(p)` right after the backward pass has added to `p.grad`. An optimizer that steps `p` there and then
# drops `p.grad` never holds all the gradients at once: one optimizer per parameter, stepped from its hook.
# A counter in the hooks counts the gradients alive; `tracemalloc` (which sees NumPy's allocations) measures
# the peak memory of backward and step, above what the forward left.

# %%
mg.manual_seed(2)
WIDE = 128
net = nn.Sequential(*[m for _ in range(LAYERS) for m in (nn.Linear(WIDE, WIDE), nn.ReLU())], nn.Linear(WIDE, 1))
net_hooked = copy.deepcopy(net)
xb = mg.randn(64, WIDE)
alive = {"normal": [0, 0], "hooked": [0, 0]}              # [now, peak]


def count_in(run):
    alive[run][0] += 1
    alive[run][1] = max(alive[run][1], alive[run][0])


def measured(fn):
    """Run fn() under tracemalloc: the peak of the bytes allocated, above those when it started."""
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    fn()
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return peak


# The usual way: backward (every .grad filled), then one step, then the gradients dropped.
opt = mg.optim.SGD(net.parameters(), lr=0.01)
for p in net.parameters():
    p.register_post_accumulate_grad_hook(lambda p: count_in("normal"))
loss = (net(xb) ** 2).mean()
peak_normal = measured(lambda: (loss.backward(), opt.step(), opt.zero_grad()))
alive["normal"][0] = 0

# The hooked way: each parameter stepped, and its gradient dropped, inside its own hook.
per_param = {p: mg.optim.SGD([p], lr=0.01) for p in net_hooked.parameters()}
events = []                                                # in the order the backward pass makes them


def step_now(p):
    events.append("parameter")
    count_in("hooked")
    per_param[p].step()
    per_param[p].zero_grad()                               # set_to_none: this gradient is gone
    alive["hooked"][0] -= 1


for p in net_hooked.parameters():
    p.register_post_accumulate_grad_hook(step_now)
first = net_hooked[0](xb)                                 # the first layer's output: its gradient comes last
first.register_hook(lambda grad: events.append("first layer's output"))
loss = (net_hooked[1:](first) ** 2).mean()
peak_hooked = measured(lambda: loss.backward())

n_params = len(list(net.parameters()))
grad_bytes = sum(p.nbytes for p in net.parameters())
table(["run", "gradients alive at the peak", "peak bytes of backward + step", "all gradients' bytes"],
      [["backward, then step", alive["normal"][1], peak_normal, grad_bytes],
       ["step inside the hooks", alive["hooked"][1], peak_hooked, grad_bytes]])
print(f"{n_params} parameters; largest difference between the two runs' new weights:",
      max(max_abs(a, b) for a, b in zip(net.parameters(), net_hooked.parameters())))
print(f"the peak fell by {(peak_normal - peak_hooked) / grad_bytes:.2f} x the gradients' bytes")
last = events.index("first layer's output")
print(f"parameter hooks run before the first layer's output got its gradient: {events[:last].count('parameter')}"
      f", after it: {events[last:].count('parameter')}")

# %% [markdown]
# The same weights, bit for bit, with one gradient alive at a time instead of all of them, and the peak
# falls by most of one set of gradients. The event order shows why it can: the backward pass hands each
# parameter its gradient as soon as it is complete, while the rest of the graph is still to run: every layer's
# weight and bias are stepped before the first layer's output has its gradient (only that layer's own two come
# after it). minigan's engine, like PyTorch's, runs each node of the graph as soon as all the nodes that use its
# outputs are done, the newest first, so a weight's gradient is finished right after the product that used the
# weight, not at the end of the pass.
#
# ## 3. Trading compute for memory
#
# For the backward pass, a forward pass keeps arrays: each `Linear` its input, each `ReLU` its output.
# For a deep network these *activations*, not the weights, fill the memory, and they grow with the batch.
# `checkpoint_sequential(net, k, x)` cuts the network into `k` pieces and runs all but the last without
# keeping anything but each piece's input; in the backward pass each piece's forward is run again, recorded
# this time, just before its gradients are needed. Memory falls to about `k` saved inputs plus one piece's
# activations (smallest near $k \approx \sqrt{\text{layers}}$); the price is one more forward of the pieces.
#
# We measure with `tracemalloc`: the bytes the graph keeps alive after the forward (allocated since the
# input existed), and the peak during the backward. One activation is `batch x width x 4` bytes.

# %%
DEPTH, WIDTH3, BATCH3 = (16, 64, 512) if QUICK else (32, 128, 2048)     # a big batch: activations dominate
mg.manual_seed(3)
deep = nn.Sequential(*[m for _ in range(DEPTH) for m in (nn.Linear(WIDTH3, WIDTH3), nn.ReLU())],
                     nn.Linear(WIDTH3, 1))
x3 = mg.randn(BATCH3, WIDTH3)


def forward(segments):
    out = deep(x3) if segments == 1 else checkpoint_sequential(deep, segments, x3, use_reentrant=False)
    return (out ** 2).mean()


def train_step(segments):
    deep.zero_grad()
    forward(segments).backward()


def memory_of(segments):
    deep.zero_grad()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    loss = forward(segments)
    kept = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.reset_peak()
    loss.backward()
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return kept, peak, [p.grad.numpy().copy() for p in deep.parameters()]


activation = BATCH3 * WIDTH3 * 4
rows, plain_grads, results = [], None, {}
for k in [1, 2, 4, int(round(np.sqrt(2 * DEPTH))), 8, 2 * DEPTH]:
    if k in results:
        continue
    kept, peak, grads3 = memory_of(k)
    plain_grads = grads3 if k == 1 else plain_grads
    seconds = best_time(lambda: train_step(k), repeat=2 if QUICK else 3)
    results[k] = (kept, peak, seconds)
    rows.append(["plain" if k == 1 else f"{k} pieces", kept / 2 ** 20, kept / activation, peak / 2 ** 20, seconds * 1e3,
                 seconds / results[1][2], max(max_abs(a, b) for a, b in zip(grads3, plain_grads))])
print(f"{DEPTH} Linear + ReLU layers, width {WIDTH3}, batch {BATCH3}: one activation is {activation / 2 ** 20:.3f} MiB")
table(["forward", "kept after forward (MiB)", "in activations", "peak in backward (MiB)", "ms per step",
       "time / plain", "max |grad - plain grad|"], rows)
with mg.no_grad():
    forward_only = best_time(lambda: forward(1), repeat=2 if QUICK else 3)
print(f"a plain forward alone (no graph) takes {forward_only / results[1][2]:.2f} of a plain training step")

# %% [markdown]
# The graph's own account, PyTorch's way: `mg.autograd.graph.saved_tensors_hooks(pack, unpack)` hands every
# tensor an op saves for its backward to `pack` (here: count its bytes, each array once, and keep it as it is).
# With checkpointing, the hooks see what the checkpoint nodes keep: each piece's input and the parameters.

# %%


def saved_bytes(segments):
    arrays = {}

    def pack(t):
        arrays[id(t.data)] = t.nbytes
        return t
    with mg.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        forward(segments)
    parameters = sum(p.nbytes for p in deep.parameters())
    return sum(arrays.values()) - parameters            # the parameters are kept anyway


for k in (1, 4):
    print(f"{'plain' if k == 1 else f'{k} pieces'}: the graph saves {saved_bytes(k) / 2 ** 20:.2f} MiB besides the "
          f"parameters (tracemalloc above: {results[k][0] / 2 ** 20:.2f} MiB kept)")

# %%
ks = list(results)
fig, ax = plt.subplots(1, 2, figsize=(10, 3.6))
ax[0].plot(ks, [results[k][0] / 2 ** 20 for k in ks], "o-", label="kept after the forward")
ax[0].plot(ks, [results[k][1] / 2 ** 20 for k in ks], "s-", label="peak during the backward")
ax[0].set_xscale("log", base=2)
ax[0].set_xlabel("pieces (1 = no checkpointing)")
ax[0].set_ylabel("MiB")
ax[0].legend()
ax[1].plot(ks, [results[k][2] * 1e3 for k in ks], "o-")
ax[1].set_xscale("log", base=2)
ax[1].set_xlabel("pieces (1 = no checkpointing)")
ax[1].set_ylabel("ms per training step")
fig.suptitle("checkpoint_sequential: memory against compute")
save(fig, "12_checkpoint_memory.png")

# %% [markdown]
# The plain forward keeps about one activation per layer (a ReLU's output is the next Linear's input: one
# array, kept once). Cut into pieces, the graph keeps far less, least in the middle of the range: with few
# pieces the last piece, which is not checkpointed, is long; with many, there are many saved inputs, and cut
# into single modules every module's input is saved, the ReLUs' inputs too, which is *more* than no
# checkpointing at all. The peak of the backward sits a little above what was kept: each piece's activations
# come back while it is differentiated, and the weights' gradients are there too. The time goes up by about
# one more forward of the pieces (a forward is a fraction of a training step, measured above), plus the
# bookkeeping of many small pieces. And the gradients are the same: the recomputation runs the same ops on
# the same inputs.
#
# ## 4. Saving and resuming
#
# A run that stops must be able to go on as if it had not. That needs more than the weights: Adam keeps two
# running averages per parameter and a step count, and without them the resumed steps are different steps.
# `mg.save` writes a nested dict of state dicts and numbers; `mg.load` reads it back. We train 3 steps, save,
# and train 3 more; then we build a *fresh* model and optimizer, load the file, and train the same 3 steps.

# %%
batch_x = mg.randn(6, 32, 10)                    # six fixed batches: step t always sees batch t
batch_y = mg.randn(6, 32, 1)


def fresh(seed):
    mg.manual_seed(seed)                          # a different seed: the fresh model starts elsewhere
    model = nn.Sequential(nn.Linear(10, 32), nn.Tanh(), nn.Linear(32, 1))
    return model, mg.optim.Adam(model.parameters(), lr=0.01)


def train(model, opt, steps):
    for t in steps:
        opt.zero_grad()
        ((model(batch_x[t]) - batch_y[t]) ** 2).mean().backward()
        opt.step()


folder = tempfile.mkdtemp()
path = os.path.join(folder, "run.ckpt")
model, opt = fresh(10)
train(model, opt, range(3))
mg.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": 3}, path)
train(model, opt, range(3, 6))

resumed, resumed_opt = fresh(11)
ckpt = mg.load(path)
resumed.load_state_dict(ckpt["model"])
resumed_opt.load_state_dict(ckpt["opt"])
train(resumed, resumed_opt, range(ckpt["step"], 6))

weights_only, new_opt = fresh(12)
weights_only.load_state_dict(ckpt["model"])       # the weights, but a fresh Adam
train(weights_only, new_opt, range(ckpt["step"], 6))


def same_bits(a, b):
    return all(np.array_equal(p.numpy(), q.numpy()) for p, q in zip(a.parameters(), b.parameters()))


print(f"resumed with model + optimizer : equal bit for bit: {same_bits(model, resumed)}")
print(f"resumed with the weights only  : equal bit for bit: {same_bits(model, weights_only)}, largest difference "
      f"{max(max_abs(p, q) for p, q in zip(model.parameters(), weights_only.parameters())):.2e}")

# %% [markdown]
# What is in the file? An ordinary `.npz` archive that NumPy opens with `allow_pickle=False`: one entry
# `__minigan__` holding JSON (the structure of the saved object, every array replaced by a reference to an
# entry) and one entry per array.

# %%
with np.load(path, allow_pickle=False) as archive:
    names = sorted(archive.files, key=lambda n: (n != "__minigan__", len(n), n))
    header = json.loads(bytes(archive["__minigan__"]).decode("utf-8"))
    table(["entry", "dtype", "shape"], [[n, str(archive[n].dtype), str(archive[n].shape)] for n in names])
print("header keys:", sorted(header), "| saved object's keys:", list(ckpt), "| step:", ckpt["step"])
print("optimizer state per parameter:", sorted(ckpt["opt"]["state"][0]))

# %% [markdown]
# No pickle: a pickle file can hold instructions to build any Python object, so loading one runs code from
# the file (PyTorch's `torch.load` restricts this with `weights_only=True`). A minigan checkpoint holds only
# numbers, strings and arrays, so loading a file from anywhere is safe. The price is that a whole `nn.Module`
# or optimizer cannot be saved, only their `state_dict()`s: the code that builds the model stays in your code.

# %% [markdown]
# ## 5. Where a step's time goes: `mg.profiler`
#
# A step is slow, but which op? `mg.profiler.profile()` (PyTorch's `torch.profiler.profile`) records every op's
# forward (named by its Function: `Conv2d`, `ConvTranspose2d`, `MatMul`) and every node the backward pass runs
# (named as `grad_fn.name()` names it: `Conv2dBackward0`); `record_function` marks regions of our own. A node's
# *self* time is its total less the ops it called: conv2d's backward computes its input gradient by calling
# `ConvTranspose2d` (lesson 4), so that time shows up under `ConvTranspose2d`, as a child of `Conv2dBackward0`.
# We profile three DCGAN steps with a schedule (one warm-up step first: first calls are slow; three steps, since
# one step on a busy machine is noisy) and sort by self time.
#
# Reading the table: the convolution family (`Conv2d`, `ConvTranspose2d`, `Conv2dWeight` for the weight
# gradients, and the `Conv...Backward0` nodes that call them) is the largest share of the step, printed below
# the table; batch norm and the elementwise ops come after. The two regions' own self time is what ran outside
# any op: Python between the calls and Adam's update, which works on the arrays directly. A faster convolution
# kernel (lesson 8, `minigan bench`) is where a faster step would come from. `prof.export_chrome_trace(path)`
# writes the same events for a timeline view in chrome://tracing or https://ui.perfetto.dev.

# %%
from minigan.gan.losses import discriminator_loss, generator_loss  # noqa: E402
from minigan.gan.models import DCGANDiscriminator, DCGANGenerator  # noqa: E402

mg.manual_seed(0)
nz, width = 32, (16 if QUICK else 32)
G, D = DCGANGenerator(size=16, nz=nz, ngf=width), DCGANDiscriminator(size=16, ndf=width)
opt_g = mg.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
opt_d = mg.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
real = mg.rand(32, 1, 16, 16) * 2 - 1            # a batch of images in [-1, 1]


def gan_step():
    with mg.profiler.record_function("discriminator step"):
        opt_d.zero_grad()
        fake = G(mg.randn(real.shape[0], nz))
        discriminator_loss(D(real), D(fake.detach())).backward()
        opt_d.step()
    with mg.profiler.record_function("generator step"):
        opt_g.zero_grad()
        generator_loss(D(fake)).backward()
        opt_g.step()


with mg.profiler.profile(schedule=mg.profiler.schedule(wait=0, warmup=1, active=3, repeat=1)) as prof:
    for _ in range(4):
        gan_step()
        prof.step()
averages = prof.key_averages()
print(averages.table(sort_by="self_cpu_time_total", row_limit=12))
conv_self = sum(a.self_cpu_time_total for a in averages if a.key.startswith("Conv"))
print(f"convolution ops and nodes: {100 * conv_self / averages.self_cpu_time_total:.0f}% of the profiled self time")
called_by = [e.cpu_parent.name for e in prof.events()
             if e.name == "ConvTranspose2d" and e.cpu_parent.kind == "backward"]
print(f"ConvTranspose2d calls made inside backward nodes: {len(called_by)}, all by {sorted(set(called_by))}")
print(f"lesson ran in {time.perf_counter() - START:.1f} s")

# %% [markdown]
# ## What to take away
#
# - A finite loss can have NaN gradients: $\sqrt{s}$ at $s = 0$ gives $\infty$, and $0 \cdot \infty$ is NaN.
#   `mg.autograd.detect_anomaly()` (or `minigan gan train --detect-anomaly`) names the op whose backward
#   made the first NaN and shows the line that called it. Fix the formula (an `eps` inside the sqrt, or
#   `mg.linalg.vector_norm`, whose gradient at 0 is 0), and check that the gradient is finite.
# - `register_hook` shows the gradient of any tensor: per-layer norms make vanishing gradients visible, and
#   show what initialisation and residual connections do to them. `register_post_accumulate_grad_hook` lets
#   an optimizer step each parameter as soon as its gradient is in, with one gradient alive at a time.
# - `checkpoint_sequential` trades one extra forward of the pieces for most of the activations' memory,
#   with the same gradients.
# - Save the optimizer's state with the model's, and a run resumes exactly; minigan's files hold no pickle.
# - `mg.profiler.profile()` times every op's forward and every backward node; sort its table by self time to
#   see where a step goes (here, the convolutions), and `record_function` to name your own regions.
