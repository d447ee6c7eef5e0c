"""Every kernel, every implementation, side by side, on the layer shapes of the two DCGANs.

    python benchmarks/kernels.py [--quick] [--device auto|cpu|cuda] [--repeat R]

Columns (each where available; a GPU column without a GPU is skipped, and the run says why):

    naive        minigan.kernels.naive on NumPy: Python loops, timed only where it loops <= 30,000 times
    im2col_np    minigan.kernels.im2col on NumPy
    im2col_cp    minigan.kernels.im2col on CuPy (the same array code on the GPU)
    cuda         minigan.kernels.cuda: the hand-written RawKernels + cuBLAS matmul
    torch_cpu    PyTorch on the CPU (oneDNN / its own im2col)
    torch_cuda   PyTorch on the GPU (cuDNN)

Rows: conv2d forward and backward (input + weight gradient) on the discriminators' layers, col2im on
the same layers, conv_transpose2d forward and backward on the generators' layers, and max pooling
forward and backward on DCGAN-sized feature maps (DCGAN itself uses strided convolutions, no pooling).
All float32. Median of ``--repeat`` timed runs after a warm-up of at least a quarter of a second (the
BLAS threads of the column before are asleep by then); the GPU is synchronised before every clock
reading. Each implementation's result is also checked against im2col_np, so no column is fast by
being wrong.

The shapes (kernel k, stride s, padding p, output_padding op):

    layer   input (N, C, H, W)     -> output              k  s  p  op   role
    ------  ---------------------  -------------------   -  -  -  --   --------------------------
    28x28, batch 64 (the course's MNIST DCGAN)
    d28.1   (64, 1, 28, 28)        -> (64, 64, 14, 14)     4  2  1       D conv
    d28.2   (64, 64, 14, 14)       -> (64, 128, 7, 7)      4  2  1       D conv
    d28.3   (64, 128, 7, 7)        -> (64, 256, 3, 3)      4  2  1       D conv
    d28.4   (64, 256, 3, 3)        -> (64, 1, 1, 1)        4  2  1       D conv
    g28.1   (64, 100, 1, 1)        -> (64, 256, 3, 3)      3  2  0  0    G conv_transpose
    g28.2   (64, 256, 3, 3)        -> (64, 128, 7, 7)      3  2  0  0    G conv_transpose
    g28.3   (64, 128, 7, 7)        -> (64, 64, 15, 15)     3  2  0  0    G conv_transpose
    g28.4   (64, 64, 15, 15)       -> (64, 1, 28, 28)      3  2  2  1    G conv_transpose
    p28     (64, 64, 28, 28)       -> (64, 64, 14, 14)     2  2  0       max pool
    64x64, batch 128 (Radford et al.'s DCGAN)
    d64.1   (128, 3, 64, 64)       -> (128, 64, 32, 32)    4  2  1       D conv
    d64.2   (128, 64, 32, 32)      -> (128, 128, 16, 16)   4  2  1       D conv
    d64.3   (128, 128, 16, 16)     -> (128, 256, 8, 8)     4  2  1       D conv
    d64.4   (128, 256, 8, 8)       -> (128, 512, 4, 4)     4  2  1       D conv
    d64.5   (128, 512, 4, 4)       -> (128, 1, 1, 1)       4  1  0       D conv
    g64.1   (128, 100, 1, 1)       -> (128, 512, 4, 4)     4  1  0  0    G conv_transpose
    g64.2   (128, 512, 4, 4)       -> (128, 256, 8, 8)     4  2  1  0    G conv_transpose
    g64.3   (128, 256, 8, 8)       -> (128, 128, 16, 16)   4  2  1  0    G conv_transpose
    g64.4   (128, 128, 16, 16)     -> (128, 64, 32, 32)    4  2  1  0    G conv_transpose
    g64.5   (128, 64, 32, 32)      -> (128, 3, 64, 64)     4  2  1  0    G conv_transpose
    p64     (128, 64, 64, 64)      -> (128, 64, 32, 32)    3  2  1       max pool (overlapping)

``--quick`` runs every layer at batch 2 with fewer repeats: a smoke test of the script, not a measurement.
Results: ``benchmarks/results/kernels_<cpu|cuda>.json``.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass

import _common  # first: it imports minigan before NumPy, as a user's script would (see minigan.kernels.threads)

import numpy as np  # noqa: E402

from minigan import backend, kernels
from minigan.kernels import shapes

COLUMNS = ["naive", "im2col_np", "im2col_cp", "cuda", "torch_cpu", "torch_cuda"]
GPU_COLUMNS = {"im2col_cp", "cuda", "torch_cuda"}
# (numerator, denominator): "a/b" > 1 means b is that many times faster than a.
RATIOS = [("naive", "im2col_np"), ("im2col_np", "torch_cpu"), ("im2col_cp", "cuda"), ("im2col_np", "cuda"),
          ("cuda", "torch_cuda")]
NAIVE_MAX_LOOPS = 30_000


@dataclass
class Case:
    name: str
    kind: str                   # "conv", "tconv" or "pool"
    x: tuple                    # input shape (N, C, H, W)
    c_out: int                  # output channels (pool: unused)
    k: int
    s: int
    p: int
    op: int = 0                 # output_padding (tconv)

    def with_batch(self, n):
        return Case(self.name, self.kind, (n,) + self.x[1:], self.c_out, self.k, self.s, self.p, self.op)


CASES = [
    Case("d28.1", "conv", (64, 1, 28, 28), 64, 4, 2, 1), Case("d28.2", "conv", (64, 64, 14, 14), 128, 4, 2, 1),
    Case("d28.3", "conv", (64, 128, 7, 7), 256, 4, 2, 1), Case("d28.4", "conv", (64, 256, 3, 3), 1, 4, 2, 1),
    Case("g28.1", "tconv", (64, 100, 1, 1), 256, 3, 2, 0), Case("g28.2", "tconv", (64, 256, 3, 3), 128, 3, 2, 0),
    Case("g28.3", "tconv", (64, 128, 7, 7), 64, 3, 2, 0), Case("g28.4", "tconv", (64, 64, 15, 15), 1, 3, 2, 2, 1),
    Case("p28", "pool", (64, 64, 28, 28), 64, 2, 2, 0),
    Case("d64.1", "conv", (128, 3, 64, 64), 64, 4, 2, 1), Case("d64.2", "conv", (128, 64, 32, 32), 128, 4, 2, 1),
    Case("d64.3", "conv", (128, 128, 16, 16), 256, 4, 2, 1),
    Case("d64.4", "conv", (128, 256, 8, 8), 512, 4, 2, 1), Case("d64.5", "conv", (128, 512, 4, 4), 1, 4, 1, 0),
    Case("g64.1", "tconv", (128, 100, 1, 1), 512, 4, 1, 0), Case("g64.2", "tconv", (128, 512, 4, 4), 256, 4, 2, 1),
    Case("g64.3", "tconv", (128, 256, 8, 8), 128, 4, 2, 1),
    Case("g64.4", "tconv", (128, 128, 16, 16), 64, 4, 2, 1), Case("g64.5", "tconv", (128, 64, 32, 32), 3, 4, 2, 1),
    Case("p64", "pool", (128, 64, 64, 64), 64, 3, 2, 1),
]


# --------------------------------------------------------------------------- the work of each row
def host_arrays(case: Case, rng) -> dict:
    """The float32 NumPy inputs of every op of ``case`` (gy: an output gradient; cols: col2im's input)."""
    n, c, h, w = case.x
    k, s, p = (case.k,) * 2, (case.s,) * 2, (case.p,) * 2
    a = {"x": rng.standard_normal(case.x).astype(np.float32)}
    if case.kind == "conv":
        a["w"] = rng.standard_normal((case.c_out, c) + k).astype(np.float32) * 0.05
        y = shapes.check_conv2d(case.x, a["w"].shape, s, p)
        ho, wo = y[2:]
        a["cols"] = rng.standard_normal((n, c * k[0] * k[1], ho * wo)).astype(np.float32)
    elif case.kind == "tconv":
        a["w"] = rng.standard_normal((c, case.c_out) + k).astype(np.float32) * 0.05
        y = shapes.check_conv_transpose2d(case.x, a["w"].shape, s, p, (case.op,) * 2)
    else:
        y = shapes.check_pool2d(case.x, k, s, p)
    a["gy"] = rng.standard_normal(y).astype(np.float32)
    return a


def naive_loops(case: Case, op: str, a: dict) -> int:
    """How many times the naive kernel's Python loop body runs for this row (its cost, roughly)."""
    n = case.x[0]
    taps = case.k * case.k
    out_hw = a["gy"].shape[2] * a["gy"].shape[3]
    in_hw = case.x[2] * case.x[3]
    return {"conv2d.forward": n * out_hw * taps, "conv2d.backward": 2 * n * out_hw * taps,
            "col2im": out_hw * taps,
            "conv_transpose2d.forward": n * in_hw * taps, "conv_transpose2d.backward": 2 * n * in_hw * taps,
            "max_pool2d.forward": n * case.x[1] * out_hw * taps,
            "max_pool2d.backward": n * case.x[1] * out_hw}[op]


def minigan_ops(case: Case, kern, a: dict) -> dict:
    """``{op name: thunk}`` for a minigan kernel module on arrays ``a`` (NumPy or CuPy)."""
    k, s, p, d, g = (case.k,) * 2, (case.s,) * 2, (case.p,) * 2, (1, 1), 1
    x, gy = a["x"], a["gy"]
    if case.kind == "conv":
        w = a["w"]
        return {
            "conv2d.forward": lambda: kern.conv2d(x, w, s, p, d, g),
            "conv2d.backward": lambda: (kern.conv2d_grad_input(gy, w, x.shape, s, p, d, g),
                                        kern.conv2d_grad_weight(x, gy, w.shape, s, p, d, g)),
            "col2im": lambda: kern.col2im(a["cols"], x.shape, k, s, p, d),
        }
    if case.kind == "tconv":
        w, op = a["w"], (case.op,) * 2
        # The backward as minigan's ops compute it: the input gradient IS a conv2d, and the weight
        # gradient is conv2d's weight correlation with the roles of x and gy swapped.
        return {
            "conv_transpose2d.forward": lambda: kern.conv_transpose2d(x, w, s, p, op, d, g),
            "conv_transpose2d.backward": lambda: (kern.conv2d(gy, w, s, p, d, g),
                                                  kern.conv2d_grad_weight(gy, x, w.shape, s, p, d, g)),
        }
    saved = {}

    def argmax():                       # the forward's argmax, made by the first (untimed) call
        if "argmax" not in saved:
            saved["argmax"] = kern.max_pool2d(x, k, s, p, d)[1]
        return saved["argmax"]

    return {
        "max_pool2d.forward": lambda: kern.max_pool2d(x, k, s, p, d)[0],
        "max_pool2d.backward": lambda: kern.max_pool2d_backward(gy, argmax(), x.shape, k, s, p, d),
    }


def torch_ops(case: Case, torch, a: dict) -> dict:
    """The same rows in PyTorch (``a``: torch tensors on one device)."""
    F = torch.nn.functional
    k, s, p = case.k, case.s, case.p
    x, gy = a["x"], a["gy"]
    if case.kind == "conv":
        w = a["w"]
        return {
            "conv2d.forward": lambda: F.conv2d(x, w, None, s, p),
            "conv2d.backward": lambda: (torch.nn.grad.conv2d_input(x.shape, w, gy, s, p),
                                        torch.nn.grad.conv2d_weight(x, w.shape, gy, s, p)),
            "col2im": lambda: F.fold(a["cols"], x.shape[2:], k, dilation=1, padding=p, stride=s),
        }
    if case.kind == "tconv":
        w = a["w"]
        return {
            "conv_transpose2d.forward": lambda: F.conv_transpose2d(x, w, None, s, p, case.op),
            "conv_transpose2d.backward": lambda: (F.conv2d(gy, w, None, s, p),
                                                  torch.nn.grad.conv2d_weight(gy, w.shape, x, s, p)),
        }
    _, idx = F.max_pool2d(x, k, s, p, return_indices=True)      # fast in every PyTorch backend
    return {
        "max_pool2d.forward": lambda: F.max_pool2d(x, k, s, p),
        "max_pool2d.backward": lambda: torch.ops.aten.max_pool2d_with_indices_backward(
            gy, x, [k, k], [s, s], [p, p], [1, 1], False, idx),
    }


# --------------------------------------------------------------------------- columns
def _to_host(result):
    """A tuple of host NumPy arrays from a kernel's result (array, tensor or tuple of them)."""
    items = result if isinstance(result, tuple) else (result,)
    out = []
    for r in items:
        if hasattr(r, "detach"):                      # a torch tensor
            r = r.detach().cpu().numpy()
        out.append(backend.to_numpy(r))
    return tuple(out)


def max_rel_err(result, ref) -> float:
    """The largest error relative to the reference's scale, over every array of the result."""
    errs = [float(np.abs(g - r).max() / max(np.abs(r).max(), 1e-30)) for g, r in zip(_to_host(result), ref)]
    return max(errs)


def columns(gpu: str | None, torch):
    """``{column: (device, ops_factory(case, host arrays) -> {op: thunk}, sync)}`` for what this machine has."""
    def mg(name, device):
        def factory(case, host):
            arrays = {k: backend.to_device(v, device) for k, v in host.items()}
            return minigan_ops(case, kernels.get(name), arrays)
        return factory

    def th(device):
        def factory(case, host):
            return torch_ops(case, torch, {k: torch.from_numpy(v).to(device) for k, v in host.items()})
        return factory

    cols = {"naive": ("cpu", mg("naive", "cpu")), "im2col_np": ("cpu", mg("im2col", "cpu"))}
    if gpu:
        cols["im2col_cp"] = (gpu, mg("im2col", gpu))
        cols["cuda"] = (gpu, mg("cuda", gpu))
    if torch is not None:
        cols["torch_cpu"] = ("cpu", th("cpu"))
        if gpu and torch.cuda.is_available():
            cols["torch_cuda"] = (gpu, th("cuda"))
    return cols


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="batch 2, few repeats: a smoke test")
    ap.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"],
                    help="auto: use the GPU where there is one")
    ap.add_argument("--repeat", type=int, default=None, help="timed runs per cell (default 7, quick 2)")
    ap.add_argument("--only", default=None, help="run only the layers whose name starts with this")
    args = ap.parse_args(argv)

    ok, why = backend.cupy_status()
    gpu = None
    if args.device != "cpu" and ok:
        gpu = backend.normalize_device("cuda")
    skipped = None
    if gpu is None:
        skipped = "not asked for (--device cpu)" if args.device == "cpu" else why
        print(f"GPU columns ({', '.join(sorted(GPU_COLUMNS))}) skipped: {skipped}")
    try:
        import torch
    except ImportError:
        torch = None
        print("PyTorch columns skipped: PyTorch is not installed")
    if torch is not None and gpu and not torch.cuda.is_available():
        print("torch_cuda skipped: this PyTorch build has no CUDA")

    repeat = (2 if args.quick else 7) if args.repeat is None else args.repeat
    if repeat < 1:
        raise SystemExit(f"kernels.py: --repeat must be at least 1, got {repeat}")
    warmup = 1 if args.quick else 2
    cols = columns(gpu, torch)
    cases = [c.with_batch(2) if args.quick else c for c in CASES if c.name.startswith(args.only or "")]
    rng = np.random.default_rng(0)
    rows = []
    for case in cases:
        host = host_arrays(case, rng)
        ref_ops = minigan_ops(case, kernels.get("im2col"), host)
        refs = {op: _to_host(fn()) for op, fn in ref_ops.items()}
        per_col = {name: factory(case, host) for name, (device, factory) in cols.items()}
        for op in ref_ops:
            row = {"layer": case.name, "op": op, "input": list(case.x), "kernel": case.k, "stride": case.s,
                   "padding": case.p, "times_ms": {}, "all_times_ms": {}, "max_rel_err": {}, "notes": {}}
            for name, (device, _) in cols.items():
                fn = per_col[name][op]
                if name == "naive" and naive_loops(case, op, host) > NAIVE_MAX_LOOPS:
                    row["notes"][name] = f"skipped: {naive_loops(case, op, host)} Python loop iterations"
                    continue
                row["max_rel_err"][name] = max_rel_err(fn(), refs[op])
                timed = fn
                if name == "torch_cuda":                 # PyTorch queues on its own stream: wait for it too
                    timed = lambda f=fn: (f(), torch.cuda.synchronize())  # noqa: E731
                r, w = (1, 0) if name == "naive" else (repeat, warmup)
                med, times = _common.measure(timed, device, warmup=w, repeat=r,
                                             min_warmup_seconds=_common.warmup_seconds_for(args.quick))
                row["times_ms"][name] = 1e3 * med
                row["all_times_ms"][name] = [1e3 * t for t in times]
            for a, b in RATIOS:
                ta, tb = row["times_ms"].get(a), row["times_ms"].get(b)
                row[f"{a}/{b}"] = ta / tb if ta and tb else None
            bad = {k: v for k, v in row["max_rel_err"].items() if v > 1e-3}
            if bad:
                print(f"WARNING {case.name} {op}: results differ from im2col_np: {bad}")
            rows.append(row)
            print(f"  {case.name:6s} {op:26s} " + "  ".join(
                f"{k}={v:.3g}ms" for k, v in row["times_ms"].items()), flush=True)

    shown = [c for c in COLUMNS if c in cols]
    ratios = [f"{a}/{b}" for a, b in RATIOS if a in cols and b in cols]
    table = [{"layer": r["layer"], "op": r["op"], **{c: r["times_ms"].get(c) for c in shown},
              **{q: r[q] for q in ratios}} for r in rows]
    print(f"\nmedian ms (float32); a/b = how many times faster b is than a{' [--quick]' if args.quick else ''}")
    _common.print_table(table, ["layer", "op"] + shown + ratios, floatfmt=".3g")

    device = gpu or "cpu"
    path = _common.write_json("kernels", {
        "benchmark": "kernels", "dtype": "float32", "quick": args.quick, "repeat": repeat, "warmup": warmup,
        "columns": shown, "ratios": ratios, "gpu_columns_skipped": skipped,
        "naive_max_loops": NAIVE_MAX_LOOPS, "results": rows}, device=device)
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
