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
# # Lesson 8 — CPU vs GPU
#
# minigan has one convolution in several implementations with one signature: `naive` loops, portable
# `im2col` array code that runs unchanged on NumPy (CPU) and CuPy (GPU), `fast` (the same method with
# less copying around the matrix product) and hand-written `cuda` kernels.
# We check that they compute the same thing, read one GPU kernel line by line, and time them side by
# side over batch sizes: the GPU wins when there is enough work, and loses on small batches, where the
# fixed cost of launching work on it dominates.
#
# Without a GPU the lesson still runs: it times the CPU side live and reads what was measured on a GPU
# from `benchmarks/results/` (it says so, and it never invents a number).

# %%
from _common import HERE, QUICK, max_abs, save, table

import json
import statistics
import time

import matplotlib.pyplot as plt
import numpy as np

import minigan as mg
from minigan import backend, kernels
from minigan.kernels import cuda as cuda_kernels
from minigan.kernels import im2col as im2col_kernels

GPU_OK, GPU_WHY = backend.cupy_status()
GPU = backend.normalize_device("cuda") if GPU_OK else None
RESULTS = HERE.parent / "benchmarks" / "results"
if GPU:
    print(f"GPU here: {GPU_WHY}; the GPU columns below are measured live on {GPU}")
else:
    print(f"no GPU here: {GPU_WHY}; reading measured results from benchmarks/results/")

# (label, implementation, device): every implementation this machine can run. "fast" joins where it exists.
IMPLS = [(name, name, "cpu") for name in ("naive", "im2col", "fast") if name in kernels.IMPLEMENTATIONS]
if GPU:
    IMPLS += [("im2col on CuPy", "im2col", GPU), ("cuda", "cuda", GPU)]
print("implementations:", ", ".join(f"{label} ({dev})" for label, _, dev in IMPLS))
rs = np.random.default_rng(0)

# %% [markdown]
# ## 1. One operation, several implementations
#
# Each implementation gets the same small float64 inputs (in float64, a difference shows a mistake, not
# rounding), copied to its device. We compare every result with the naive loops: conv2d, conv_transpose2d,
# col2im (the step that sums overlapping windows back into an image) and max_pool2d (its values and the
# argmax indices it remembers for the backward pass).

# %%
x = rs.standard_normal((2, 3, 9, 8))
small = {
    "x": x, "w": rs.standard_normal((4, 3, 3, 3)),
    "xt": rs.standard_normal((2, 4, 5, 4)), "wt": rs.standard_normal((4, 3, 3, 3)),
    "cols": rs.standard_normal((2, 3 * 3 * 3, 5 * 4)),        # x's 5x4 grid of 3x3 windows, stride 2, pad 1
}
OPS = {  # all sizes as pairs: kernel, stride, padding, (output_padding,) dilation, groups
    "conv2d": lambda k, a: k.conv2d(a["x"], a["w"], (2, 2), (1, 1), (1, 1), 1),
    "conv_transpose2d": lambda k, a: k.conv_transpose2d(a["xt"], a["wt"], (2, 2), (1, 1), (1, 1), (1, 1), 1),
    "col2im": lambda k, a: k.col2im(a["cols"], x.shape, (3, 3), (2, 2), (1, 1), (1, 1)),
    "max_pool2d": lambda k, a: k.max_pool2d(a["x"], (3, 3), (2, 2), (1, 1), (1, 1)),
}


def on_host(result):
    """A kernel's result (an array or a tuple of arrays, on any device) as a tuple of NumPy arrays."""
    return tuple(backend.to_numpy(r) for r in (result if isinstance(result, tuple) else (result,)))


ref = {op: on_host(fn(kernels.get("naive"), small)) for op, fn in OPS.items()}
others = [i for i in IMPLS if i[1] != "naive"]
rows = []
for op, fn in OPS.items():
    row = [op]
    for label, name, dev in others:
        arrays = {k: backend.to_device(v, dev) for k, v in small.items()}
        got = on_host(fn(kernels.get(name), arrays))
        row.append(max(max_abs(g, r) for g, r in zip(got, ref[op])))
    rows.append(row)
table(["op"] + [f"max |{label} - naive|" for label, _, _ in others], rows)

# %% [markdown]
# ## 2. What a GPU kernel is
#
# A CUDA kernel is a function that thousands of threads run at once, each on its own index. A launch asks
# for a grid of blocks of 256 threads; thread `idx = blockIdx.x * blockDim.x + threadIdx.x` does the work
# for element `idx`. Here is the heart of minigan's `col2im_gather` (the CUDA C source, as the module
# compiles it for float32):

# %%
lines = cuda_kernels.kernel_source("col2im_gather", np.float32).splitlines()
head = next(i for i, line in enumerate(lines) if line.startswith('extern "C"'))
body = next(i for i, line in enumerate(lines) if "for (long long idx" in line)
print(lines[head])
print(f"        /* ... {body - head - 1} lines of sizes, strides and the element count `total` ... */")
print("\n".join(lines[body:]))

# %% [markdown]
# **One thread per output pixel.** Thread `idx` owns pixel `(n, c, h, w)` of the image. It walks the
# kernel's taps `(i, j)`, works out which window `(oh, ow)` would read this pixel through that tap, and
# adds that window's column entry. Then it writes its one pixel, once.
#
# **No atomics.** The obvious way round is a *scatter*: one thread per column entry, each adding its value
# into the pixel it came from. Where windows overlap, several threads add into one pixel at the same
# time, so they need `atomicAdd`. The gather turns this around: nobody else writes my pixel.
#
# **Deterministic.** Each thread adds its terms in a fixed order (i, then j). With atomics the order is
# whichever thread comes first, and float addition is not associative, so the last bits change from run
# to run.
#
# Three checks of those sentences, on the CPU: one Python function that does exactly what one thread does,
# run for every `idx` as a launch would; how many column entries land on one pixel (the would-be
# atomics); and one sum of float32 numbers in several orders.

# %%
def col2im_thread(idx, cols, x_shape, k=(3, 3), s=(2, 2), p=(1, 1), d=(1, 1)):
    """What thread ``idx`` of col2im_gather computes: pixel ``idx`` of x (flat, row-major over (N, C, H, W))."""
    N, C, H, W = x_shape
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = k, s, p, d
    H_out, W_out = (H + 2 * ph - dh * (kh - 1) - 1) // sh + 1, (W + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    L = H_out * W_out
    sn, sc, si, sj = C * kh * kw * L, kh * kw * L, kw * L, L          # the column layout, as strides
    t = idx
    w, t = t % W, t // W
    h, t = t % H, t // H
    c, n = t % C, t // C
    col = cols.ravel()[n * sn + c * sc:]
    acc = 0.0
    for i in range(kh):
        th = h + ph - i * dh
        if th < 0:
            break
        if th % sh != 0:
            continue
        oh = th // sh
        if oh >= H_out:
            continue
        for j in range(kw):
            tw = w + pw - j * dw
            if tw < 0:
                break
            if tw % sw != 0:
                continue
            ow = tw // sw
            if ow >= W_out:
                continue
            acc += col[i * si + j * sj + oh * W_out + ow]
    return acc


launched = np.array([col2im_thread(idx, small["cols"], x.shape) for idx in range(x.size)]).reshape(x.shape)
print(f"{x.size} 'threads' in Python vs minigan's NumPy col2im: max |difference| =",
      max_abs(launched, im2col_kernels.col2im(small["cols"], x.shape, (3, 3), (2, 2), (1, 1), (1, 1))))

writers = im2col_kernels.col2im(np.ones_like(small["cols"]), x.shape, (3, 3), (2, 2), (1, 1), (1, 1))
print("column entries landing on one pixel (a scatter's concurrent writes):",
      f"up to {int(writers.max())}, {int((writers > 1).sum())} of {x.size} pixels receive more than one")

values = rs.standard_normal(10_000).astype(np.float32)
sums = [float(np.cumsum(rs.permutation(values))[-1]) for _ in range(8)]   # left to right, in float32
print(f"the same 10,000 float32 numbers summed in 8 orders: {len(set(sums))} different results,",
      f"from {min(sums):.7g} to {max(sums):.7g}")
if GPU:
    a = backend.to_device(small["cols"].astype(np.float32), GPU)
    runs = [on_host(cuda_kernels.col2im(a, x.shape, (3, 3), (2, 2), (1, 1), (1, 1)))[0] for _ in range(5)]
    print("cuda col2im, 5 runs on the GPU: bit-for-bit identical:", all((r == runs[0]).all() for r in runs))

# %% [markdown]
# ## 3. Timing honestly, and the cost of a launch
#
# A GPU call returns as soon as the work is *queued*. A clock read right after it measures the queueing,
# not the work, so the timer below waits for the device (`backend.synchronize`) before every reading,
# after untimed warm-up calls (the first call of a CUDA kernel also compiles it), and reports a median.
# For tiny operations one call is too short to time, so it times `number` calls and divides. With a GPU,
# the cell also shows what a clock read without waiting would have reported.

# %%
def median_time(fn, device="cpu", repeat=5, warmup=2, number=1):
    """Median seconds per call of ``fn()`` on ``device``; the device is synchronised before each clock read."""
    for _ in range(warmup):
        fn()
    backend.synchronize(device)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        backend.synchronize(device)
        times.append((time.perf_counter() - t0) / number)
    return statistics.median(times)


if GPU:   # what a clock read without synchronising would report: the queueing, not the work
    xg = backend.to_device(rs.standard_normal((128, 64, 32, 32)).astype(np.float32), GPU)
    wg = backend.to_device((0.05 * rs.standard_normal((128, 64, 4, 4))).astype(np.float32), GPU)
    conv = lambda: kernels.get("cuda").conv2d(xg, wg, (2, 2), (1, 1), (1, 1), 1)   # noqa: E731
    conv()
    backend.synchronize(GPU)
    t0 = time.perf_counter()
    conv()
    queued = time.perf_counter() - t0
    backend.synchronize(GPU)
    done = time.perf_counter() - t0
    print(f"cuda conv2d (128, 64, 32, 32) -> (128, 128, 16, 16): the call returns after {queued * 1e3:.3g} ms,",
          f"the result is ready after {done * 1e3:.3g} ms")
else:
    print("no GPU here: on the CPU a call returns when its work is done, so there is nothing to wait for")


# %% [markdown]
# Every call has a fixed cost, whatever the size of its work: Python dispatch, and on the GPU the launch
# (a message to the device, and the wait for the result). On an 8x8 addition that cost is all there is.
# The minigan rows also record a node of the autograd graph — bookkeeping, not arithmetic, which weighs
# at 8x8 and vanishes in a large array. The last column shows how little of a tiny call is arithmetic.

# %%
big = 512 if QUICK else 2048
rows = []
for n in (8, big):
    a_np = rs.standard_normal((n, n)).astype(np.float32)
    b_np = rs.standard_normal((n, n)).astype(np.float32)
    for dev in ["cpu"] + ([GPU] if GPU else []):
        a, b = backend.to_device(a_np, dev), backend.to_device(b_np, dev)
        ta, tb = mg.tensor(a_np, requires_grad=True, device=dev), mg.tensor(b_np, requires_grad=True, device=dev)
        number = 200 if n == 8 else 5
        raw = median_time(lambda: a + b, dev, number=number)
        graph = median_time(lambda: ta + tb, dev, number=number)
        rows.append([f"{n}x{n}", dev, raw * 1e6, graph * 1e6, graph / raw, 1e-9 * n * n / raw])
table(["a + b", "device", "array µs", "minigan µs", "minigan / array", "G additions/s (array)"], rows)

# %% [markdown]
# ## 4. Time against batch size: where the GPU starts to win
#
# Three layers of the 28x28 DCGAN, at growing batch sizes, in float32: the discriminator's first
# convolution, the generator's last transposed convolution and a 2x2 max pooling. CPU columns run on
# NumPy, GPU columns on CuPy.

# %%
BATCHES = (1, 16, 64) if QUICK else (1, 4, 16, 64, 128)
LAYERS = {  # name: (input shape without the batch, weight shape, the call)
    "conv2d (N,1,28,28) -> (N,64,14,14)": (
        (1, 28, 28), (64, 1, 4, 4), lambda k, x, w: k.conv2d(x, w, (2, 2), (1, 1), (1, 1), 1)),
    "conv_transpose2d (N,64,15,15) -> (N,1,28,28)": (
        (64, 15, 15), (64, 1, 3, 3), lambda k, x, w: k.conv_transpose2d(x, w, (2, 2), (2, 2), (1, 1), (1, 1), 1)),
    "max_pool2d (N,64,28,28) -> (N,64,14,14)": (
        (64, 28, 28), None, lambda k, x, w: k.max_pool2d(x, (2, 2), (2, 2), (0, 0), (1, 1))),
}
timed = [i for i in IMPLS if i[1] != "naive"]          # the loops would take minutes here
times = {}                                             # (layer, label) -> [seconds per batch size]
for layer, (shape, w_shape, call) in LAYERS.items():
    w_np = None if w_shape is None else (0.05 * rs.standard_normal(w_shape)).astype(np.float32)
    for label, name, dev in timed:
        w = None if w_np is None else backend.to_device(w_np, dev)
        per_batch = []
        for n in BATCHES:
            xb = backend.to_device(rs.standard_normal((n,) + shape).astype(np.float32), dev)
            per_batch.append(median_time(lambda: call(kernels.get(name), xb, w), dev,
                                         repeat=3 if QUICK else 7, warmup=1 if QUICK else 2))
        times[layer, label] = per_batch
    print(layer)
    table(["batch"] + [f"{label} ({'GPU' if dev != 'cpu' else 'CPU'}) ms" for label, _, dev in timed],
          [[n] + [times[layer, label][b] * 1e3 for label, _, _ in timed] for b, n in enumerate(BATCHES)])
    print()

# %% [markdown]
# How much the time grows while the batch grows from the first size to the last. On the GPU one launch
# covers the whole batch, so the time hardly moves until the device is busy: at small batches it is mostly
# the fixed cost of the launches. On the CPU the same few cores do every image, so the time grows with the
# batch. (A busy machine adds a fixed cost on the CPU too: a multi-threaded BLAS call can wait milliseconds
# for its worker threads to be scheduled, whatever its size, and the line starts flat.)

# %%
growth = BATCHES[-1] / BATCHES[0]
for layer in LAYERS:
    print(f"{layer}: batch x{growth:g}, time " + ", ".join(
        f"{label} x{times[layer, label][-1] / times[layer, label][0]:.3g}" for label, _, _ in timed))

CPU_LABELS = [label for label, _, dev in timed if dev == "cpu"]
GPU_LABELS = [label for label, _, dev in timed if dev != "cpu"]
crossover = {}
if GPU:
    for layer in LAYERS:
        cpu = np.min([times[layer, label] for label in CPU_LABELS], axis=0)   # the best of each side
        gpu = np.min([times[layer, label] for label in GPU_LABELS], axis=0)
        wins = gpu < cpu
        # the smallest batch from which the GPU wins at every larger batch too
        start = next((b for b in range(len(BATCHES)) if wins[b:].all()), None)
        crossover[layer] = None if start is None else BATCHES[start]
        if start is None:
            verdict = "the CPU wins at every batch tried"
        elif start == 0:
            verdict = f"the GPU wins at every batch tried, even batch {BATCHES[0]}"
        else:
            verdict = f"the GPU starts to win at batch {BATCHES[start]}"
        print(f"{layer}: {verdict}; at batch {BATCHES[0]} CPU {cpu[0] * 1e3:.3g} ms vs GPU "
              f"{gpu[0] * 1e3:.3g} ms, at batch {BATCHES[-1]} CPU {cpu[-1] * 1e3:.3g} ms vs GPU {gpu[-1] * 1e3:.3g} ms")
else:
    print("\nno GPU here: the GPU side of this comparison is read from benchmarks/results/ in section 5")

# %%
fig, axes = plt.subplots(1, len(LAYERS), figsize=(4.2 * len(LAYERS), 3.6), sharey=True)
for ax, layer in zip(axes, LAYERS):
    for label, _, dev in timed:
        ax.plot(BATCHES, np.array(times[layer, label]) * 1e3, "o-" if dev == "cpu" else "s--",
                label=f"{label} ({'CPU' if dev == 'cpu' else 'GPU'})")
    if crossover.get(layer) not in (None, BATCHES[0]):
        ax.axvline(crossover[layer], color="gray", ls=":", label="GPU starts to win")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(BATCHES, [str(n) for n in BATCHES])
    ax.minorticks_off()
    ax.set_xlabel("batch size")
    ax.set_title(layer, fontsize=8)
axes[0].set_ylabel("ms per call (median)")
axes[0].legend(fontsize=7)
fig.suptitle("time vs batch" + ("" if GPU else " (CPU only: no GPU here)"))
save(fig, "08_time_vs_batch.png")

# %% [markdown]
# ## 5. What was measured on a GPU: `benchmarks/results/`
#
# `benchmarks/kernels.py` times every kernel on the layer shapes of both DCGANs (28x28 at batch 64, 64x64
# at batch 128) and writes `kernels_<cpu|cuda>.json`, with the machine it ran on. A lesson reads them; it
# never copies numbers into its text. Compare ratios measured in one run, not times from two machines.

# %%
def load(name):
    """The results file ``benchmarks/results/<name>.json`` as a dict, or None where it was not recorded."""
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def describe(payload, name):
    m = payload.get("machine", {})
    print(f"{name}.json: {m.get('gpu', 'no GPU')}, CPU {m.get('cpu', '?')} x{m.get('cpu_count', '?')},",
          f"recorded {payload.get('timestamp', '?')}")
    if payload.get("quick"):
        print(f"  note: {name}.json is a --quick smoke run; its numbers are not measurements")


gpu_kernels = load("kernels_cuda")
if gpu_kernels is None:
    print("no GPU results have been recorded yet (benchmarks/results/kernels_cuda.json is missing).")
    print("To record them on a machine with a GPU:  pip install cupy-cuda12x  (the wheel for its CUDA), then")
    print("    python benchmarks/kernels.py --device cuda")
else:
    describe(gpu_kernels, "kernels_cuda")
    res = gpu_kernels["results"]
    show = [r for r in res if r["layer"][1:3] == "28"]
    cols = [c for c in ("im2col_np", "im2col_cp", "cuda", "torch_cuda") if any(c in r["times_ms"] for r in show)]
    table(["layer", "op"] + [f"{c} ms" for c in cols] + ["im2col_np / cuda"],
          [[r["layer"], r["op"]] + [r["times_ms"].get(c, "-") for c in cols] + [r.get("im2col_np/cuda") or "-"]
           for r in show])
    speedups = [r["im2col_np/cuda"] for r in res if r.get("im2col_np/cuda")]
    if speedups:
        print(f"over all {len(speedups)} rows, the cuda kernels are {np.median(speedups):.3g}x faster than "
              f"NumPy im2col (median; from {min(speedups):.3g}x to {max(speedups):.3g}x);",
              "the GPU is slower on:", ", ".join(f"{r['layer']} {r['op']}" for r in res
                                                 if r.get("im2col_np/cuda") and r["im2col_np/cuda"] < 1) or "none")

for device in ("cpu", "cuda"):
    step = load(f"dcgan_step_{device}")
    if step is not None:
        describe(step, f"dcgan_step_{device}")
        table(["batch", "impl", "ms per two-phase DCGAN step"],
              [[r["batch"], r["impl"], r["median_ms"]] for r in step["rows"]])

# %% [markdown]
# The three layers timed live in section 4 are rows of that benchmark too, at batch 64: our live CPU time
# next to the recorded ones. Two runs of one measurement can differ, even on one machine: on a busy one a
# thread pool waits for descheduled threads, and a millisecond call takes ten.

# %%
cpu_kernels = load("kernels_cpu")
recorded = {("d28.1", "conv2d.forward"): list(LAYERS)[0], ("g28.4", "conv_transpose2d.forward"): list(LAYERS)[1],
            ("p28", "max_pool2d.forward"): list(LAYERS)[2]}
if cpu_kernels is None:
    print("no CPU results recorded yet: python benchmarks/kernels.py --device cpu")
else:
    describe(cpu_kernels, "kernels_cpu")
    on_gpu = {(r["layer"], r["op"]): r["times_ms"] for r in (gpu_kernels or {}).get("results", [])}
    gpu_cols = [c for c in ("im2col_cp", "cuda") if any(c in t for t in on_gpu.values())]
    rows = []
    for r in cpu_kernels["results"]:
        layer = recorded.get((r["layer"], r["op"]))
        if layer is not None and r["input"][0] in BATCHES:
            live = times[layer, "im2col"][BATCHES.index(r["input"][0])] * 1e3
            gpu_ms = on_gpu.get((r["layer"], r["op"]), {})
            rows.append([r["layer"], r["op"], r["input"][0], live, r["times_ms"].get("im2col_np", "-"),
                         r["times_ms"].get("torch_cpu", "-")] + [gpu_ms.get(c, "-") for c in gpu_cols])
    table(["layer", "op", "batch", "im2col ms (live)", "im2col ms (recorded)", "PyTorch CPU ms (recorded)"]
          + [f"{c} ms (recorded, GPU)" for c in gpu_cols], rows)

# %% [markdown]
# ## What to remember
#
# - `naive`, `im2col` and `fast` (on NumPy or CuPy) and `cuda` are one operation: same signature, same
#   numbers.
# - A GPU kernel is a function run by one thread per output element. minigan's backward kernels are
#   gathers — each thread writes its own pixel, in a fixed order — so they need no atomics and give the same
#   bits on every run.
# - Time GPU work only after `backend.synchronize`, after a warm-up, and report a median.
# - Every call has a fixed cost. With little work per call (a small batch, an 8x8 array) that cost is the
#   whole time, and the CPU wins; with enough work per launch the GPU's thousands of threads win.
