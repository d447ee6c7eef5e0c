"""Peak memory of one two-phase step of the 64x64 DCGAN at batch 128: minigan against PyTorch.

    python benchmarks/dcgan_memory.py [--quick] [--batch 128] [--steps 3]

Each library runs in its own fresh subprocess (so neither sees the other's memory), builds Radford et
al.'s 64x64 DCGAN (ngf = ndf = 64, 3 channels), runs ``--steps`` training steps of the trainer's two
phases (the step of ``dcgan_step.py``), and reports its peak resident memory,
``resource.getrusage(RUSAGE_SELF).ru_maxrss``, together with the resident memory before the first step
(the interpreter, the library and the weights). Printed: both peaks and the ratio minigan / PyTorch.
Writes ``results/dcgan_memory_cpu.json`` (``dcgan_memory_quick_cpu.json`` for ``--quick``).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def child(lib: str, batch: int, steps: int, width: int) -> dict:
    """Run in the subprocess: build the models, take ``steps`` steps, return the peaks."""
    sys.path.insert(0, str(HERE))
    import numpy as np
    from dcgan_step import minigan_step, to_torch, torch_step

    import minigan as mg
    from minigan.gan.models import build_models

    nz = 100
    mg.manual_seed(0)
    G, D = build_models("dcgan", 64, channels=3, width=width, nz=nz)
    real = np.random.default_rng(0).uniform(-1, 1, (batch, 3, 64, 64)).astype(np.float32)
    if lib == "torch":
        import torch
        tG, tD = to_torch(G.net, torch), to_torch(D.net, torch)
        del G, D
        opt_g = torch.optim.Adam(tG.parameters(), lr=2e-4, betas=(0.5, 0.999))
        opt_d = torch.optim.Adam(tD.parameters(), lr=2e-4, betas=(0.5, 0.999))
        step = torch_step(tG, tD, opt_g, opt_d, torch.from_numpy(real), nz, torch)
    else:
        opt_g = mg.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
        opt_d = mg.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
        step = minigan_step(G, D, opt_g, opt_d, mg.tensor(real), nz)
    before = _rss_mb()
    for _ in range(steps):
        step()
    return {"lib": lib, "rss_before_steps_mb": before, "peak_rss_mb": _rss_mb()}


def run_child(lib: str, batch: int, steps: int, width: int) -> dict:
    cmd = [sys.executable, __file__, "--child", lib, "--batch", str(batch), "--steps", str(steps),
           "--width", str(width)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=dict(os.environ))
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="smoke run: batch 8, one step (not a measurement)")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--width", type=int, default=64, help="ngf = ndf")
    p.add_argument("--child", choices=["minigan", "torch"], help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.quick:
        args.batch, args.steps = 8, 1
    if args.child:
        print(json.dumps(child(args.child, args.batch, args.steps, args.width)))
        return 0

    sys.path.insert(0, str(HERE))
    from _common import print_table, write_json
    rows, notes = [run_child("minigan", args.batch, args.steps, args.width)], []
    try:
        import importlib.util
        has_torch = importlib.util.find_spec("torch") is not None
    except ValueError:
        has_torch = False
    if has_torch:
        rows.append(run_child("torch", args.batch, args.steps, args.width))
    else:
        notes.append("PyTorch is not installed: its row is skipped")
    ratio = rows[0]["peak_rss_mb"] / rows[1]["peak_rss_mb"] if len(rows) > 1 else None
    print(f"DCGAN 64x64 (ngf = ndf = {args.width}, 3 channels), batch {args.batch}, peak resident memory "
          f"over {args.steps} two-phase step(s) on cpu, each library in its own process:")
    print_table(rows, ["lib", "rss_before_steps_mb", "peak_rss_mb"], floatfmt=".0f")
    if ratio is not None:
        print(f"ratio minigan / torch (peak): {ratio:.2f}x")
    for n in notes:
        print("note:", n)
    # a quick run's file names itself quick (write_json), so it never overwrites the measurement
    path = write_json("dcgan_memory", {"benchmark": "dcgan_memory", "device": "cpu", "quick": args.quick,
                                       "batch": args.batch, "steps": args.steps, "width": args.width, "rows": rows,
                                       "ratio_minigan_over_torch": ratio, "notes": notes,
                                       "loadavg": os.getloadavg()})
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
