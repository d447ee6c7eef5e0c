"""``minigan bench``: one DCGAN layer, timed in every kernel implementation this machine can run.

The same convolution, forward and both gradients (what one training step does with a layer), in each
implementation of :mod:`minigan.kernels` side by side: the ``naive`` loops (only where the layer is small
enough for Python loops), the portable ``im2col`` code, ``fast`` (the CPU default), and on a GPU the same
``im2col`` code on CuPy and the hand-written ``cuda`` kernels. Each result is checked against ``im2col``
on the CPU, so no row is fast by being wrong::

    minigan bench                          # the 28x28 discriminator's second layer, on every device here
    minigan bench --layer g28.3 --device cuda
    minigan bench --list

The timing helpers :func:`measure` and :func:`measure_side_by_side` are the ones the scripts in
``benchmarks/`` use: medians of timed calls after a warm-up, the device synchronised before every clock
reading, and every implementation's block repeated over several rounds, so that a slow stretch of a
shared machine falls on all of them. A full comparison (every layer, PyTorch beside minigan, JSON results)
is ``benchmarks/kernels.py`` and ``benchmarks/conv.py`` in the source tree.
"""
from __future__ import annotations

import statistics
import time
from typing import Any, Callable, NamedTuple

import numpy as np

from minigan import backend, kernels
from minigan.kernels import shapes

__all__ = ["LAYERS", "Layer", "measure", "measure_side_by_side", "compare", "print_table", "run"]

# Warm-up time of each timed block: BLAS and OpenMP worker threads keep spinning for a while after a call,
# and on a small machine the next block would pay for them (a 12 ms convolution was measured at 25 ms).
MIN_WARMUP_SECONDS = 0.25

# The naive loops are timed only where one step loops at most this many times in Python.
NAIVE_MAX_LOOPS = 30_000


class Layer(NamedTuple):
    """A convolution layer's shape: ``kind`` is ``"conv2d"`` or ``"conv_transpose2d"``; square sizes."""
    kind: str
    batch: int
    c_in: int
    c_out: int
    size: int
    kernel: int
    stride: int
    padding: int
    output_padding: int = 0
    role: str = ""


LAYERS = {
    "tiny":  Layer("conv2d", 2, 4, 8, 8, 4, 2, 1, 0, "small enough for the naive loops"),
    "d28.1": Layer("conv2d", 64, 1, 64, 28, 4, 2, 1, 0, "28x28 discriminator, first layer: 28 -> 14"),
    "d28.2": Layer("conv2d", 64, 64, 128, 14, 4, 2, 1, 0, "28x28 discriminator, second layer: 14 -> 7"),
    "g28.3": Layer("conv_transpose2d", 64, 128, 64, 7, 4, 2, 1, 0, "28x28 generator: 7 -> 14"),
    "d64.2": Layer("conv2d", 128, 64, 128, 32, 4, 2, 1, 0, "64x64 discriminator: 32 -> 16"),
    "g64.4": Layer("conv_transpose2d", 128, 128, 64, 16, 4, 2, 1, 0, "64x64 generator: 16 -> 32"),
}


# --------------------------------------------------------------------------- timing
def measure(fn: Callable[[], Any], device: str = "cpu", warmup: int = 2, repeat: int = 7,
            min_warmup_seconds: float = 0.0, min_timed_seconds: float = 0.0):
    """Time ``fn()``: untimed calls, at least ``warmup`` of them and for at least ``min_warmup_seconds``
    (so that another library's worker threads, still spinning from the call before, have gone to sleep and
    are not counted against ``fn``), then timed ones, at least ``repeat`` of them and for at least
    ``min_timed_seconds`` (so that a function of a millisecond is timed over a stretch of the run, not in
    the few milliseconds that one noisy moment of a shared machine can cover).

    Returns ``(median_seconds, all_seconds)``. The device is synchronised before each clock reading, so
    queued GPU work is counted where it belongs."""
    start, calls = time.perf_counter(), 0
    while calls < warmup or (warmup and time.perf_counter() - start < min_warmup_seconds):
        fn()
        backend.synchronize(device)
        calls += 1
    backend.synchronize(device)
    times = []
    start = time.perf_counter()
    while len(times) < repeat or (repeat and time.perf_counter() - start < min_timed_seconds):
        t0 = time.perf_counter()
        fn()
        backend.synchronize(device)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def measure_side_by_side(fns: dict[str, Callable[[], Any]], device: str = "cpu", warmup: int = 2,
                         repeat: int = 7, rounds: int = 1, min_warmup_seconds: float = MIN_WARMUP_SECONDS,
                         devices: dict[str, str] | None = None,
                         min_timed_seconds: float = 0.0) -> dict[str, tuple[float, list[float]]]:
    """Time several functions in the same run, one block each (warm-up calls, then ``repeat`` timed ones, or
    more to last ``min_timed_seconds``: see :func:`measure`), the whole sequence of blocks ``rounds`` times.
    ``devices`` may name another device than ``device`` for some of the functions (the one to synchronise).

    Blocks rather than turns (a, b, a, b, ...): BLAS and OpenMP worker threads keep spinning for a while
    after a call, and on a small machine the next library's call would pay for them. Each block's own
    warm-up, at least :data:`MIN_WARMUP_SECONDS` long, absorbs that. Several rounds spread every function
    over the whole run, so that a stretch when the machine is slower (a shared host's neighbours) does not
    fall on one function's block only.
    Returns ``{name: (median_seconds, all_seconds)}``, over every round's timings."""
    devices = devices or {}
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            times[name] += measure(fn, devices.get(name, device), warmup, repeat, min_warmup_seconds,
                                   min_timed_seconds)[1]
    return {name: (statistics.median(ts), ts) for name, ts in times.items()}


# --------------------------------------------------------------------------- one layer, every kernel
def problem(layer: Layer) -> dict:
    """The layer's shapes, its keyword arguments as the kernels take them, the FLOPs of one step (the
    forward and both gradients: three matrix products of the same size) and how many times the naive
    kernels' loop body runs for it."""
    pairs = dict(stride=(layer.stride,) * 2, padding=(layer.padding,) * 2, dilation=(1, 1))
    x_shape = (layer.batch, layer.c_in, layer.size, layer.size)
    k = layer.kernel
    if layer.kind == "conv2d":
        w_shape = (layer.c_out, layer.c_in, k, k)
        y_shape = shapes.check_conv2d(x_shape, w_shape, **pairs)
        pixels = layer.batch * y_shape[2] * y_shape[3]
    elif layer.kind == "conv_transpose2d":
        w_shape = (layer.c_in, layer.c_out, k, k)
        y_shape = shapes.check_conv_transpose2d(x_shape, w_shape, output_padding=(layer.output_padding,) * 2,
                                                **pairs)
        pixels = layer.batch * layer.size * layer.size
    else:
        raise ValueError(f"bench: unknown layer kind {layer.kind!r} (conv2d or conv_transpose2d)")
    flops = 3 * 2 * layer.c_in * layer.c_out * k * k * pixels
    return dict(x_shape=x_shape, w_shape=w_shape, y_shape=tuple(y_shape), pairs=pairs, flops=flops,
                loops=3 * pixels * k * k)        # the naive loops' body: once per pixel and tap in each of the three


def step(kern, layer: Layer, x, w, gy, pairs) -> Callable[[], tuple]:
    """One training step's work on a layer with kernel module ``kern``: ``() -> (y, gx, gw)``."""
    s, p, d = pairs["stride"], pairs["padding"], pairs["dilation"]
    if layer.kind == "conv2d":
        def run():
            y = kern.conv2d(x, w, s, p, d, 1)
            gx = kern.conv2d_grad_input(gy, w, x.shape, s, p, d, 1)
            return y, gx, kern.conv2d_grad_weight(x, gy, w.shape, s, p, d, 1)
        return run
    op = (layer.output_padding,) * 2

    def run():
        # a transposed convolution's input gradient is conv2d, its weight gradient the correlation of gy with x
        y = kern.conv_transpose2d(x, w, s, p, op, d, 1)
        return y, kern.conv2d(gy, w, s, p, d, 1), kern.conv2d_grad_weight(gy, x, w.shape, s, p, d, 1)
    return run


def columns(devices: list[str]) -> list[tuple[str, str]]:
    """``(implementation, device)`` for every implementation that runs on the given devices."""
    out = []
    for dev in devices:
        names = ("naive", "im2col", "fast") if not backend.is_cuda(dev) else ("im2col", "cuda")
        out += [(name, dev) for name in names]
    return out


def compare(layer: Layer, devices: list[str], repeat: int = 5, rounds: int = 2, quick: bool = False) -> list[dict]:
    """Time :func:`step` on ``layer`` in every implementation on ``devices``, side by side. Returns one row
    per implementation: ``impl``, ``device``, ``ms`` (median, None where skipped), ``gflops``, ``speedup`` (over
    ``im2col`` on the first device), ``max_rel_err`` (against ``im2col`` on the CPU) and ``note``."""
    prob = problem(layer)
    rng = np.random.default_rng(0)
    host = {name: rng.standard_normal(prob[shape]).astype(np.float32)
            for name, shape in (("x", "x_shape"), ("w", "w_shape"), ("gy", "y_shape"))}
    reference = [backend.to_numpy(a) for a in step(kernels.get("im2col"), layer, **host, pairs=prob["pairs"])()]
    scale = [float(np.abs(r).max()) or 1.0 for r in reference]
    rows, fns, devs = [], {}, {}
    for name, dev in columns(devices):
        row = {"impl": name, "device": dev, "ms": None, "gflops": None, "speedup": None, "max_rel_err": None,
               "note": ""}
        rows.append(row)
        if name == "naive" and prob["loops"] > NAIVE_MAX_LOOPS:
            row["note"] = f"skipped: {prob['loops']:,} Python loop iterations (try --layer tiny)"
            continue
        arrays = {k: backend.to_device(a, dev) for k, a in host.items()}
        with backend.device_context(dev):
            run = step(kernels.get(name), layer, **arrays, pairs=prob["pairs"])
            result = run()
        row["max_rel_err"] = max(float(np.abs(backend.to_numpy(r) - ref).max()) / s
                                 for r, ref, s in zip(result, reference, scale, strict=True))
        fns[f"{name} {dev}"], devs[f"{name} {dev}"] = run, dev
    if quick:
        repeat, rounds = 1, 1
    timed = measure_side_by_side(fns, devices[0], warmup=1 if quick else 2, repeat=repeat, rounds=rounds,
                                 min_warmup_seconds=0.0 if quick else MIN_WARMUP_SECONDS, devices=devs)
    base = timed.get(f"im2col {devices[0]}", (None,))[0]
    for row in rows:
        key = f"{row['impl']} {row['device']}"
        if key in timed:
            seconds = timed[key][0]
            row["ms"] = 1e3 * seconds
            row["gflops"] = prob["flops"] / seconds / 1e9
            row["speedup"] = base / seconds if base else None
    return rows


def print_table(rows: list[dict], columns: list[str], floatfmt: str = ".2f", left: tuple = ()) -> None:
    """Print ``rows`` (dicts) as an aligned text table of ``columns``, right-aligned but for the ``left`` ones;
    a missing value (None) prints as ``-``."""
    def cell(v):
        if v is None:
            return "-"
        return format(v, floatfmt) if isinstance(v, float) else str(v)
    body = [[cell(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(c), *(len(b[i]) for b in body)) if body else len(c) for i, c in enumerate(columns)]

    def line(cells):
        return "  ".join(v.ljust(w) if c in left else v.rjust(w) for c, v, w in zip(columns, cells, widths)).rstrip()
    print(line(columns))
    print(line(["-" * w for w in widths]))
    for b in body:
        print(line(b))


def print_rows(name: str, layer: Layer, rows: list[dict]) -> None:
    """The rows of :func:`compare` as a table, under a line saying what was timed."""
    prob = problem(layer)
    print(f"{name}: {layer.kind} {prob['x_shape']} -> {prob['y_shape']}, kernel {layer.kernel}, stride "
          f"{layer.stride}, padding {layer.padding}; forward + input gradient + weight gradient, "
          f"{prob['flops'] / 1e9:.3g} GFLOP, float32")
    shown = [{"impl": r["impl"], "device": r["device"], "ms": _cell(r["ms"], ".2f"),
              "GFLOP/s": _cell(r["gflops"], ".1f"), "vs im2col": _cell(r["speedup"], ".2f", "x"),
              "max rel err": _cell(r["max_rel_err"], ".1e"), "note": r["note"]} for r in rows]
    print_table(shown, ["impl", "device", "ms", "GFLOP/s", "vs im2col", "max rel err", "note"], left=("note",))


def _cell(v, fmt: str, suffix: str = "") -> str:
    return "-" if v is None else format(v, fmt) + suffix


def run(layer: str = "d28.2", device: str = "auto", repeat: int = 5, batch: int | None = None,
        quick: bool = False) -> list[dict]:
    """What ``minigan bench`` does: :func:`compare` on the named layer (``batch`` replaces its batch size) on
    ``device`` (``"auto"``: the CPU, and the GPU where one is usable; ``"cpu"``; ``"cuda"``), printed."""
    if layer not in LAYERS:
        raise ValueError(f"unknown layer {layer!r}; choose one of {', '.join(LAYERS)}")
    if repeat < 1:
        raise ValueError(f"--repeat must be at least 1, got {repeat}")
    chosen = LAYERS[layer]
    if batch is not None:
        if batch < 1:
            raise ValueError(f"--batch must be at least 1, got {batch}")
        chosen = chosen._replace(batch=batch)
    if device == "auto":
        devices = ["cpu"] + ([backend.normalize_device("cuda")] if backend.cuda_available() else [])
    else:
        devices = [backend.normalize_device(device)]          # raises, saying why, where CUDA is not usable
    rows = compare(chosen, devices, repeat=repeat, quick=quick)
    print_rows(layer, chosen, rows)
    if device == "auto" and len(devices) == 1:
        print(f"no GPU column: {backend.cupy_status()[1]}")
    return rows


def list_layers() -> None:
    """Print the layers ``minigan bench --layer`` knows."""
    for name, layer in LAYERS.items():
        prob = problem(layer)
        print(f"{name:<6} {layer.kind:<16} {str(prob['x_shape']):<18} -> {str(prob['y_shape']):<18} "
              f"k{layer.kernel} s{layer.stride} p{layer.padding}  {layer.role}")


def add_parser(subparsers):
    """Register ``bench [--layer NAME] [--device auto|cpu|cuda] [--batch N] [--repeat R] [--quick] [--list]``
    on the ``minigan`` command."""
    p = subparsers.add_parser("bench", help="time one layer in every kernel implementation, side by side",
                              description="Time one convolution layer's forward and both gradients in every kernel "
                                          "implementation this machine can run (naive loops on small layers, "
                                          "im2col, fast, and on a GPU im2col on CuPy and the CUDA kernels), "
                                          "each result checked against im2col on the CPU.")
    p.add_argument("--layer", default="d28.2", help="which layer (default d28.2; --list shows them)")
    p.add_argument("--device", default="auto", help="auto (the CPU, and the GPU where usable), cpu or cuda "
                                                    "(default auto)")
    p.add_argument("--batch", type=int, default=None, help="batch size (default: the layer's own)")
    p.add_argument("--repeat", type=int, default=5, help="timed calls per round, two rounds (default 5)")
    p.add_argument("--quick", action="store_true", help="one timed call each: a smoke run, not a measurement")
    p.add_argument("--list", action="store_true", help="list the layers and exit")
    p.set_defaults(func=_command)
    return p


def _command(args) -> int:
    if args.list:
        list_layers()
    else:
        run(args.layer, args.device, args.repeat, args.batch, args.quick)
    return 0
