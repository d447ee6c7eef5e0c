"""Convolution kernels on DCGAN's layer shapes: naive loops vs im2col vs PyTorch, forward + backward.

    python benchmarks/conv.py [--quick] [--device cpu|cuda]

For every layer below, one "step" is what training does with it: the forward, then the input gradient
and the weight gradient, called as the ops call them where the kernels have the shortcuts: a transposed
convolution's two gradients from one ``conv_transpose2d_backward`` call, and a convolution's forward through
``conv2d_keeping_columns``, whose columns (where it keeps any) its weight gradient takes again. Each is a
matrix product of the same size, so a step is ``3 * 2 * C_in * C_out * kh * kw * N * H * W`` FLOPs, with
H x W the conv2d output (the transposed convolution's input). Printed per layer: milliseconds, GFLOP/s, the
ratio to PyTorch's convolution (>1 means minigan is slower), and the fraction of a plain NumPy matmul's
GFLOP/s of the im2col product's size (M, K, N), measured in the same run: how close im2col gets to the
matmul it is built on. The naive loops are timed on the tiny layer only. Times are medians over three
rounds in which every implementation and the matmul take their turn, so that a slow stretch of a shared
machine is spread over all. Each turn times at least :data:`TIMED_SECONDS` of calls (7 at least): a 28x28
layer's step takes about a millisecond, and seven of them alone fit inside one noisy moment of a shared
host, which then decided the whole ratio.
Each round runs in a fresh Python process of its own (:data:`PROCESSES`), and the medians are taken over
the timed calls of all three. Run one after another in one process, a layer's times depended on the layers
run before it (64x64 layers were measured up to 1.8 times slower after the others than alone, by the memory
those left behind, it seemed). And a process keeps its speed for its whole life: the same backward of the
28x28 generator's last layer took 0.53 and 0.56 ms in two processes and 0.85 and 0.73 ms in the next two.
The JSON keeps each process's own ratios (``per_process``).

Each implementation gets its input and output gradient in the memory layout that its own layers hand to
the next one inside a network: ``fast`` stores its outputs channels last (PyTorch's ``channels_last``
format), so inside minigan's DCGAN every one of these layers receives channels-last arrays, and it is
timed on them; ``im2col``, ``naive`` and PyTorch produce and get plain contiguous NCHW arrays.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))   # for _common, which makes minigan importable
import _common  # noqa: E402

import numpy as np  # noqa: E402

from minigan import backend, kernels  # noqa: E402
from minigan.kernels import shapes  # noqa: E402

# name, kind, batch, C_in, C_out, input size (square), kernel, stride, padding, output_padding
LAYERS = [
    ("tiny",   "conv2d",           2,   4,   8,  8, 4, 2, 1, 0),   # the one shape naive loops can afford
    # the course's MNIST DCGAN, 28x28, batch 64: D is Conv k4 s2 p1 1->64->128->256, G is ConvT k3 s2
    ("D28-1",  "conv2d",           64,   1,  64, 28, 4, 2, 1, 0),  # 28 -> 14
    ("D28-2",  "conv2d",           64,  64, 128, 14, 4, 2, 1, 0),  # 14 -> 7
    ("D28-3",  "conv2d",           64, 128, 256,  7, 4, 2, 1, 0),  # 7 -> 3
    ("G28-2",  "conv_transpose2d", 64, 256, 128,  3, 3, 2, 0, 0),  # 3 -> 7
    ("G28-3",  "conv_transpose2d", 64, 128,  64,  7, 3, 2, 0, 0),  # 7 -> 15
    ("G28-4",  "conv_transpose2d", 64,  64,   1, 15, 3, 2, 2, 1),  # 15 -> 28
    ("G28-k4", "conv_transpose2d", 64, 128,  64,  7, 4, 2, 1, 0),  # 7 -> 14 (the k4 s2 p1 variant)
    # Radford et al.'s DCGAN, 64x64, batch 128: D 3->64->128->256->512, G 512->256->128->64->3
    ("D64-1",  "conv2d",          128,   3,  64, 64, 4, 2, 1, 0),  # 64 -> 32
    ("D64-2",  "conv2d",          128,  64, 128, 32, 4, 2, 1, 0),  # 32 -> 16
    ("D64-3",  "conv2d",          128, 128, 256, 16, 4, 2, 1, 0),  # 16 -> 8
    ("D64-4",  "conv2d",          128, 256, 512,  8, 4, 2, 1, 0),  # 8 -> 4
    ("G64-2",  "conv_transpose2d", 128, 512, 256,  4, 4, 2, 1, 0),  # 4 -> 8
    ("G64-3",  "conv_transpose2d", 128, 256, 128,  8, 4, 2, 1, 0),  # 8 -> 16
    ("G64-4",  "conv_transpose2d", 128, 128,  64, 16, 4, 2, 1, 0),  # 16 -> 32
    ("G64-5",  "conv_transpose2d", 128,  64,   3, 32, 4, 2, 1, 0),  # 32 -> 64
]
QUICK_LAYERS = ("tiny",)

# The least time each turn of the side-by-side measurement spends on timed calls (in a full run). With seven
# calls a turn, the 28x28 generator's last layer (about 1 ms) was timed over 7 ms a turn, and ten standalone
# runs of it gave a fraction of a matmul's GFLOP/s from 0.37 to 0.61.
TIMED_SECONDS = 0.1

# The fresh processes that measure each layer of a full run, one round in each (one for a quick run).
PROCESSES = 3


def layer_problem(layer):
    """Shapes, FLOPs and the im2col product's (M, K, N) of one layer."""
    name, kind, n, c_in, c_out, size, k, s, p, op = layer
    pairs = dict(stride=(s, s), padding=(p, p), dilation=(1, 1))
    x_shape = (n, c_in, size, size)
    if kind == "conv2d":
        w_shape = (c_out, c_in, k, k)
        y_shape = shapes.check_conv2d(x_shape, w_shape, **pairs)
        m, kk, cols = c_out, c_in * k * k, n * y_shape[2] * y_shape[3]      # W @ cols(x)
    else:
        w_shape = (c_in, c_out, k, k)
        y_shape = shapes.check_conv_transpose2d(x_shape, w_shape, output_padding=(op, op), **pairs)
        m, kk, cols = c_out * k * k, c_in, n * size * size                  # W^T @ x, then col2im
    return dict(x_shape=x_shape, w_shape=w_shape, y_shape=y_shape, output_padding=(op, op),
                mkn=(m, kk, cols), flops=3 * 2 * m * kk * cols, **pairs)


INPUT_LAYOUT = {"fast": "channels_last", "im2col": "contiguous", "naive": "contiguous", "torch": "contiguous"}


def inputs_as_layers_make_them(impl, x, gy):
    """``(x, gy)`` in the layout :data:`INPUT_LAYOUT` gives ``impl``: the one its own layers produce."""
    if INPUT_LAYOUT[impl] != "channels_last":
        return x, gy
    xp = backend.xp_of(x)
    return tuple(xp.ascontiguousarray(a.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2) for a in (x, gy))


def minigan_step(impl, kind, x, gy, w, prob):
    """Forward, input gradient and weight gradient of one layer with kernel module ``impl``."""
    s, p, d = prob["stride"], prob["padding"], prob["dilation"]
    if kind == "conv2d" and hasattr(impl, "conv2d_keeping_columns"):     # as the op calls it in training
        def step():
            _, columns = impl.conv2d_keeping_columns(x, w, s, p, d, 1)
            impl.conv2d_grad_input(gy, w, x.shape, s, p, d, 1)
            impl.conv2d_grad_weight(x, gy, w.shape, s, p, d, 1, columns=columns)
    elif kind == "conv2d":
        def step():
            impl.conv2d(x, w, s, p, d, 1)
            impl.conv2d_grad_input(gy, w, x.shape, s, p, d, 1)
            impl.conv2d_grad_weight(x, gy, w.shape, s, p, d, 1)
    elif hasattr(impl, "conv_transpose2d_backward"):       # as the op calls it in training: one call, both
        def step():
            impl.conv_transpose2d(x, w, s, p, prob["output_padding"], d, 1)
            impl.conv_transpose2d_backward(gy, x, w, s, p, d, 1)
    else:
        def step():
            impl.conv_transpose2d(x, w, s, p, prob["output_padding"], d, 1)
            impl.conv2d(gy, w, s, p, d, 1)                   # the transpose's input gradient
            impl.conv2d_grad_weight(gy, x, w.shape, s, p, d, 1)
    return step


def torch_step(torch, kind, x, w, gy, prob):
    """The same step in PyTorch: forward, then autograd for both gradients."""
    tx, tw, tgy = (torch.from_numpy(backend.to_numpy(a)).requires_grad_(a is not gy) for a in (x, w, gy))
    s, p = prob["stride"], prob["padding"]
    if kind == "conv2d":
        def fwd():
            return torch.nn.functional.conv2d(tx, tw, None, s, p)
    else:
        def fwd():
            return torch.nn.functional.conv_transpose2d(tx, tw, None, s, p, prob["output_padding"])

    def step():
        torch.autograd.grad(fwd(), (tx, tw), tgy)
    return step


def bench_layer(layer, device, torch, quick, rng, rounds=3):
    """Time one layer's step with each implementation and a plain matmul, ``rounds`` rounds; return (table row,
    JSON record)."""
    xp = backend.xp_for(device)
    name, kind = layer[:2]
    prob = layer_problem(layer)
    # rounds of blocks (see _common.measure_side_by_side), each block at least TIMED_SECONDS of timed steps: some
    # hundreds of a 28x28 layer, one of a large 64x64 one
    warmup, repeat = (2, 3) if quick else ((2, 7) if prob["flops"] < 1e10 else (1, 1))
    rounds = 1 if quick else rounds
    x, w, gy = (backend.to_device((rng.standard_normal(prob[k]) * 0.1).astype(np.float32), device)
                for k in ("x_shape", "w_shape", "y_shape"))
    m, k, n = prob["mkn"]
    a = xp.asarray(rng.standard_normal((m, k)), dtype=xp.float32)
    b = xp.asarray(rng.standard_normal((k, n)), dtype=xp.float32)
    impls = ["im2col", "fast"] if "fast" in kernels.IMPLEMENTATIONS else ["im2col"]
    fns = {impl: minigan_step(kernels.get(impl), kind, *inputs_as_layers_make_them(impl, x, gy), w, prob)
           for impl in (["naive"] + impls if name == "tiny" else impls)}
    if torch is not None:
        fns["torch"] = torch_step(torch, kind, x, w, gy, prob)
    fns["matmul"] = lambda: a @ b
    measured = _common.measure_side_by_side(fns, device, warmup, repeat, rounds,
                                            _common.warmup_seconds_for(quick),
                                            min_timed_seconds=0.0 if quick else TIMED_SECONDS)
    return summarize(layer, device, {impl: ts for impl, (_, ts) in measured.items()})


def summarize(layer, device, all_times):
    """The table row and JSON record of one layer from every timed call of each implementation and the matmul
    (``{impl: [seconds, ...]}``): medians, GFLOP/s and the ratios."""
    xp = backend.xp_for(device)
    name, kind = layer[:2]
    prob = layer_problem(layer)
    m, k, n = prob["mkn"]
    times = {impl: statistics.median(ts) for impl, ts in all_times.items()}
    t_mm = times.pop("matmul")
    mm_gflops = 2 * m * k * n / t_mm / 1e9
    gflops = {impl: prob["flops"] / t / 1e9 for impl, t in times.items()}
    best = kernels.default_impl(xp) if kernels.default_impl(xp) in times else "im2col"  # what the ops use
    ratio = times[best] / times["torch"] if "torch" in times else None
    frac = gflops[best] / mm_gflops

    def ms(impl):
        return times[impl] * 1e3 if impl in times else None
    row = {"layer": name, "kind": kind, "naive ms": ms("naive"), "im2col ms": ms("im2col"), "fast ms": ms("fast"),
           "torch ms": ms("torch"), "default": best, "GF/s": gflops[best], "torch GF/s": gflops.get("torch"),
           "matmul GF/s": mm_gflops, "default/torch": ratio, "of matmul": frac}
    record = {"layer": name, "kind": kind, **prob, "seconds": times, "all_seconds": all_times, "gflops": gflops,
              "matmul": {"mkn": prob["mkn"], "seconds": t_mm, "gflops": mm_gflops},
              "default_impl": best, "ratio_to_torch": ratio, "fraction_of_matmul": frac,
              "ratio_im2col_to_torch": times["im2col"] / times["torch"] if "torch" in times else None}
    return row, record


def times_ms(row) -> float:
    return row[f"{row['default']} ms"]


def run_layer(name, args):
    """``bench_layer`` for the layer ``name``, one round in each of :data:`PROCESSES` fresh Python processes (one
    for a quick run), summarized over the timed calls of all: returns (row, record)."""
    cmd = [sys.executable, __file__, "--layer", name, "--device", args.device, "--rounds", "1"] \
        + (["--quick"] if args.quick else [])
    records = []
    for _ in range(1 if args.quick else PROCESSES):
        done = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ))
        if done.returncode != 0:
            raise SystemExit(f"conv.py: layer {name} failed:\n{done.stderr.strip()}")
        records.append(json.loads(done.stdout.strip().splitlines()[-1])["record"])
    layer = LAYERS[[layer[0] for layer in LAYERS].index(name)]
    pooled = {impl: [t for r in records for t in r["all_seconds"][impl]] for impl in records[0]["all_seconds"]}
    row, record = summarize(layer, backend.normalize_device(args.device), pooled)
    record["per_process"] = [{"ratio_to_torch": r["ratio_to_torch"], "fraction_of_matmul": r["fraction_of_matmul"],
                              "seconds": r["seconds"], "matmul_seconds": r["matmul"]["seconds"]} for r in records]
    return row, record


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="one small shape, few repeats (a smoke test)")
    ap.add_argument("--device", default="cpu", help="cpu or cuda (im2col on CuPy)")
    ap.add_argument("--layer", help=argparse.SUPPRESS)          # run this one layer (in a process of its own)
    ap.add_argument("--rounds", type=int, default=3, help=argparse.SUPPRESS)     # ... this many rounds
    args = ap.parse_args(argv)
    device = backend.normalize_device(args.device)
    threads = _common.cpu_threads()
    if args.layer:                        # the child of the loop below: one layer, its results on stdout
        torch = None
        if device == "cpu":               # PyTorch's CPU convolution is the reference for a CPU run only
            try:
                import torch
                torch.set_num_threads(threads)
            except ImportError:
                torch = None
        index = [layer[0] for layer in LAYERS].index(args.layer)
        row, record = bench_layer(LAYERS[index], device, torch, args.quick, np.random.default_rng(index),
                                  args.rounds)
        print(json.dumps({"row": row, "record": record}, default=float))
        return
    rows, records = [], []
    for layer in LAYERS:
        if args.quick and layer[0] not in QUICK_LAYERS:
            continue
        row, record = run_layer(layer[0], args)
        rows.append(row)
        records.append(record)
        print(f"  {row['layer']}: {row['default']} {times_ms(row):.1f} ms"
              + (f", torch {row['torch ms']:.1f} ms" if row["torch ms"] is not None else ""), flush=True)

    print(f"\nconv kernels, forward + both gradients, device {device}, float32, {threads} thread(s)"
          f" ({'quick' if args.quick else 'full'} run; medians)")
    _common.print_table(rows, ["layer", "kind", "naive ms", "im2col ms", "fast ms", "torch ms", "default", "GF/s",
                               "torch GF/s", "matmul GF/s", "default/torch", "of matmul"])
    # the targets are on DCGAN's layers; "tiny" is there for the naive loops
    dcgan = [r for r in rows if r["layer"] not in QUICK_LAYERS]
    worst = [r["default/torch"] for r in dcgan if r["default/torch"] is not None]
    if worst:
        print(f"\nDCGAN layers: worst ratio to PyTorch {max(worst):.2f} (target <= 1.5), "
              f"{sum(w <= 1.5 for w in worst)} of {len(worst)} within it; lowest fraction of matmul GFLOP/s "
              f"{min(r['of matmul'] for r in dcgan):.2f} (target >= 0.5)")
    # A quick (smoke-test) run must not overwrite the real results.
    payload = {"benchmark": "conv", "device": device, "quick": args.quick, "threads": threads,
               "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
               "step": "forward + grad_input + grad_weight", "dtype": "float32", "input_layout": INPUT_LAYOUT,
               "layers": records}
    path = _common.write_json("conv" + _common.threads_suffix(threads), payload, device)
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
