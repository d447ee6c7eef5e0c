"""What the autograd graph costs per op: a minigan op (recording a graph node, then the backward) against
the raw array call it wraps, on a small and a large array. Printed as ratios; not a test.

    python benchmarks/autograd_overhead.py [--quick] [--device cpu|cuda]
"""
from __future__ import annotations

import argparse

import _common  # noqa: F401  (puts the repository on sys.path when minigan is not installed)
from _common import measure, print_table, write_json

import minigan as mg
from minigan import backend


def cases(xp, n):
    a = xp.asarray(backend.rng("cpu").standard_normal((n, n)).astype("float32"))
    b = xp.asarray(backend.rng("cpu").standard_normal((n, n)).astype("float32"))
    ta, tb = mg.tensor(a, requires_grad=True), mg.tensor(b, requires_grad=True)
    return [
        ("add", lambda: a + b, lambda: ta + tb),
        ("mul", lambda: a * b, lambda: ta * tb),
        ("tanh", lambda: xp.tanh(a), lambda: ta.tanh()),
        ("sum", lambda: a.sum(), lambda: ta.sum()),
        ("matmul", lambda: a @ b, lambda: ta @ tb),
    ], ta


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--device", default="cpu")
    args = p.parse_args()
    dev = backend.normalize_device(args.device)
    xp = backend.xp_for(dev)
    repeat = 5 if args.quick else 25
    rows = []
    for n in ((8, 256) if args.quick else (8, 1024)):
        ops, ta = cases(xp, n)
        for name, raw, graph in ops:
            t_raw, _ = measure(raw, dev, warmup=2, repeat=repeat)
            with mg.no_grad():
                t_nograd, _ = measure(graph, dev, warmup=2, repeat=repeat)
            t_fwd, _ = measure(graph, dev, warmup=2, repeat=repeat)

            def fwd_bwd():
                ta.grad = None
                graph().sum().backward()
            t_fb, _ = measure(fwd_bwd, dev, warmup=2, repeat=repeat)
            rows.append({"op": name, "size": f"{n}x{n}", "raw_us": t_raw * 1e6, "no_grad_us": t_nograd * 1e6,
                         "graph_us": t_fwd * 1e6, "fwd+bwd_us": t_fb * 1e6,
                         "graph/raw": t_fwd / t_raw, "no_grad/raw": t_nograd / t_raw})
    print(f"autograd overhead on {dev}: microseconds per call (median of {repeat}); ratios to the raw array call")
    print_table(rows, ["op", "size", "raw_us", "no_grad_us", "graph_us", "fwd+bwd_us", "no_grad/raw", "graph/raw"])
    path = write_json("autograd_overhead", {"device": dev, "quick": args.quick, "rows": rows}, dev)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
