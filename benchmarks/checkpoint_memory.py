"""Gradient checkpointing, both sides of the trade: peak memory and step time of a deep MLP, with and without it.

    python benchmarks/checkpoint_memory.py [--quick] [--device cpu|cuda] [--depth 32] [--width 512]
                                           [--batch 2048] [--segments 6] [--steps 4]

The model is ``--depth`` blocks of ``Linear(width, width)`` + ``Tanh``, trained with SGD on a mean squared error
for ``--steps`` steps, in four fresh subprocesses (so none sees another's memory): minigan plain, minigan with
``checkpoint_sequential(model, segments, x, use_reentrant=False)``, and the same two with PyTorch's
``torch.utils.checkpoint`` where PyTorch is installed. Without checkpointing a step keeps every block's
activations until its backward; with it, only the ``segments`` boundaries plus one segment's activations at a time,
for one more forward of all but the last segment. Reported per run: the resident memory before the first step
(interpreter, library, weights), the peak resident memory (``ru_maxrss``) and their difference (what the steps
added), and the median step time. On a GPU the memory is the device's instead: CuPy's pool after the steps (it
keeps freed blocks, so it is close to the peak) and ``torch.cuda.max_memory_allocated``.
Writes ``results/checkpoint_memory_<device kind>.json`` (``checkpoint_memory_quick_...`` for ``--quick``).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def _minigan_step(args, device):
    import minigan as mg
    import minigan.nn as nn
    import minigan.nn.functional as F
    from minigan.utils.checkpoint import checkpoint_sequential

    mg.manual_seed(0)
    layers = []
    for _ in range(args.depth):
        layers += [nn.Linear(args.width, args.width), nn.Tanh()]
    model = nn.Sequential(*layers).to(device)
    opt = mg.optim.SGD(model.parameters(), lr=1e-3)
    x = mg.randn(args.batch, args.width, device=device)
    target = mg.zeros(args.batch, args.width, device=device)

    def step():
        opt.zero_grad()
        y = checkpoint_sequential(model, args.segments, x, use_reentrant=False) if args.checkpoint else model(x)
        F.mse_loss(y, target).backward()
        opt.step()
        mg.backend.synchronize(device)

    def gpu_mb():
        return mg.backend.cupy_module().get_default_memory_pool().total_bytes() / 2**20
    return step, (gpu_mb if device != "cpu" else None)


def _torch_step(args, device):
    import torch
    from torch.utils.checkpoint import checkpoint_sequential

    torch.manual_seed(0)
    layers = []
    for _ in range(args.depth):
        layers += [torch.nn.Linear(args.width, args.width), torch.nn.Tanh()]
    dev = "cuda" if device != "cpu" else "cpu"
    model = torch.nn.Sequential(*layers).to(dev)
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    x = torch.randn(args.batch, args.width, device=dev)
    target = torch.zeros(args.batch, args.width, device=dev)

    def step():
        opt.zero_grad()
        y = checkpoint_sequential(model, args.segments, x, use_reentrant=False) if args.checkpoint else model(x)
        torch.nn.functional.mse_loss(y, target).backward()
        opt.step()
        if dev == "cuda":
            torch.cuda.synchronize()

    def gpu_mb():
        return torch.cuda.max_memory_allocated() / 2**20
    return step, (gpu_mb if dev == "cuda" else None)


def child(args) -> dict:
    """Run in the subprocess: build the model, take the steps, return the memory and the times."""
    make = _torch_step if args.child == "torch" else _minigan_step
    step, gpu_mb = make(args, args.device)
    before = _rss_mb()
    times = []
    for _ in range(args.steps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    timed = times[1:] or times                 # the first step also allocates and warms up
    row = {"lib": args.child, "checkpoint": bool(args.checkpoint), "rss_before_steps_mb": before,
           "peak_rss_mb": _rss_mb(), "step_ms": 1e3 * statistics.median(timed)}
    row["steps_added_mb"] = row["peak_rss_mb"] - before
    if gpu_mb is not None:
        row["gpu_mb"] = gpu_mb()
    return row


def run_child(lib: str, checkpoint: bool, args) -> dict:
    cmd = [sys.executable, __file__, "--child", lib, "--device", args.device, "--depth", str(args.depth),
           "--width", str(args.width), "--batch", str(args.batch), "--segments", str(args.segments),
           "--steps", str(args.steps)] + (["--checkpoint"] if checkpoint else [])
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=dict(os.environ))
    return json.loads(out.stdout.strip().splitlines()[-1])


def _torch_usable(device: str) -> tuple[bool, str]:
    import importlib.util
    try:
        if importlib.util.find_spec("torch") is None:
            return False, "PyTorch is not installed: its rows are skipped"
    except ValueError:
        return False, "PyTorch is not installed: its rows are skipped"
    if device != "cpu":
        import torch
        if not torch.cuda.is_available():
            return False, "this PyTorch has no CUDA: its rows are skipped"
    return True, ""


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="smoke run: a small MLP, two steps (not a measurement)")
    p.add_argument("--device", default="cpu")
    p.add_argument("--depth", type=int, default=32, help="Linear + Tanh blocks")
    p.add_argument("--width", type=int, default=512)
    p.add_argument("--batch", type=int, default=2048)
    p.add_argument("--segments", type=int, default=6)
    p.add_argument("--steps", type=int, default=4)
    p.add_argument("--child", choices=["minigan", "torch"], help=argparse.SUPPRESS)
    p.add_argument("--checkpoint", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.quick and not args.child:
        args.depth, args.width, args.batch, args.segments, args.steps = 8, 64, 64, 3, 2
    if args.child:
        print(json.dumps(child(args)))
        return 0

    sys.path.insert(0, str(HERE))
    from _common import device_kind, print_table, write_json
    from minigan import backend
    args.device = backend.normalize_device(args.device)
    rows, notes = [run_child("minigan", False, args), run_child("minigan", True, args)], []
    ok, why = _torch_usable(args.device)
    if ok:
        rows += [run_child("torch", False, args), run_child("torch", True, args)]
    else:
        notes.append(why)
    key = "gpu_mb" if args.device != "cpu" else "steps_added_mb"
    ratios = {}
    for lib in ("minigan", "torch"):
        pair = [r for r in rows if r["lib"] == lib]
        if len(pair) == 2:
            plain, ckpt = pair
            ratios[lib] = {"memory_checkpoint_over_plain": ckpt[key] / plain[key] if plain[key] else None,
                           "time_checkpoint_over_plain": ckpt["step_ms"] / plain["step_ms"]}
    print(f"checkpoint memory: MLP of {args.depth} x (Linear({args.width}, {args.width}) + Tanh), batch {args.batch}, "
          f"{args.segments} segments, {args.steps} step(s) on {args.device}, each run in its own process:")
    cols = ["lib", "checkpoint", "rss_before_steps_mb", "peak_rss_mb", "steps_added_mb", "step_ms"]
    print_table(rows, cols + (["gpu_mb"] if args.device != "cpu" else []), floatfmt=".1f")
    for lib, r in ratios.items():
        mem = r["memory_checkpoint_over_plain"]
        print(f"{lib}: checkpointed / plain: memory {'n/a' if mem is None else f'{mem:.2f}x'} ({key}), "
              f"step time {r['time_checkpoint_over_plain']:.2f}x")
    for n in notes:
        print("note:", n)
    # a quick run's file names itself quick (write_json), so it never overwrites the measurement
    path = write_json("checkpoint_memory", {
        "benchmark": "checkpoint_memory", "device": args.device, "quick": args.quick, "depth": args.depth,
        "width": args.width, "batch": args.batch, "segments": args.segments, "steps": args.steps, "rows": rows,
        "memory_measure": key, "ratios": ratios, "notes": notes, "loadavg": os.getloadavg()},
        device=device_kind(args.device))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
