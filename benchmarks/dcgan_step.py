"""One two-phase DCGAN training step: minigan against PyTorch, side by side in one run.

    python benchmarks/dcgan_step.py [--quick] [--device cpu|cuda] [--size 28|64] [--batch 64] [--width 64]
    python benchmarks/dcgan_step.py --device cuda --size 64 --batch 128 --channels 3   # the GPU target

The step is the trainer's: phase 1, D on a real batch and detached fakes (forward, backward, Adam);
phase 2, G through a frozen D (forward, backward, Adam). PyTorch gets the very same architecture,
built layer by layer from minigan's model and loaded with its weights (its first forward is checked
against minigan's), and the same optimizer settings. Times are medians of 24 steps
per implementation, taken in three rounds of eight (each after its own warm-up), so that a slow stretch of
a shared machine does not fall on one implementation alone.

On the CPU the columns are minigan (its default ``fast`` kernels), minigan on the portable ``im2col``
kernels (the "before" of the CPU speed work) and PyTorch; the ratio is minigan / PyTorch. With ``--device cuda`` they
are minigan on the GPU, minigan on the CPU (NumPy) and PyTorch on the GPU, so one run gives both the
GPU's speed-up over the NumPy path and the ratio to PyTorch CUDA. Writes
``results/dcgan_step[_<size>]_<device>.json`` (no size suffix for the 28x28 default).
"""
from __future__ import annotations

import argparse

# _common first: it imports minigan before NumPy, as a user's script would (see minigan.kernels.threads)
from _common import (cpu_threads, machine_info, measure_side_by_side, print_table,
                     threads_suffix, warmup_seconds_for, write_json)

import numpy as np  # noqa: E402

import minigan as mg
import minigan.nn as nn
from minigan import backend, kernels
from minigan.gan.losses import discriminator_loss, non_saturating_loss
from minigan.gan.models import build_models


def minigan_step(G, D, opt_g, opt_d, real, nz, impl=None):
    """One step; ``impl`` names the kernel implementation (None: the default for the device)."""
    def step():
        if impl is not None:
            with kernels.use(impl):
                return body()
        return body()

    def body():
        n = real.shape[0]
        with mg.no_grad():
            fake = G(mg.randn(n, nz, device=real.device))
        opt_d.zero_grad()
        discriminator_loss(D(real), D(fake)).backward()
        opt_d.step()
        D.requires_grad_(False)
        opt_g.zero_grad()
        non_saturating_loss(D(G(mg.randn(n, nz, device=real.device)))).backward()
        opt_g.step()
        D.requires_grad_(True)
    return step


def to_torch(module, torch):
    """The same layers in PyTorch, with minigan's weights."""
    tnn = torch.nn
    if isinstance(module, nn.Sequential):
        return tnn.Sequential(*[to_torch(m, torch) for m in module])
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        cls = tnn.Conv2d if isinstance(module, nn.Conv2d) else tnn.ConvTranspose2d
        kw = dict(stride=module.stride, padding=module.padding, bias=module.bias is not None)
        if isinstance(module, nn.ConvTranspose2d):
            kw["output_padding"] = module.output_padding
        m = cls(module.in_channels, module.out_channels, module.kernel_size, **kw)
    elif isinstance(module, nn.BatchNorm2d):
        m = tnn.BatchNorm2d(module.num_features)
    else:
        simple = {nn.ReLU: tnn.ReLU, nn.Tanh: tnn.Tanh, nn.Flatten: tnn.Flatten}
        if isinstance(module, nn.LeakyReLU):
            return tnn.LeakyReLU(module.negative_slope)
        if type(module) in simple:
            return simple[type(module)]()
        raise TypeError(f"to_torch: no PyTorch twin for {type(module).__name__}")
    m.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in module.state_dict().items()})
    return m


def torch_step(G, D, opt_g, opt_d, real, nz, torch):
    F = torch.nn.functional

    def step():
        n = real.shape[0]
        with torch.no_grad():
            fake = G(torch.randn(n, nz, 1, 1, device=real.device))
        opt_d.zero_grad()
        lr, lf = D(real), D(fake)
        (0.5 * F.binary_cross_entropy_with_logits(lr, torch.ones_like(lr))
         + 0.5 * F.binary_cross_entropy_with_logits(lf, torch.zeros_like(lf))).backward()
        opt_d.step()
        D.requires_grad_(False)
        opt_g.zero_grad()
        lg = D(G(torch.randn(n, nz, 1, 1, device=real.device)))
        (0.5 * F.softplus(-lg).mean()).backward()
        opt_g.step()
        D.requires_grad_(True)
        if real.is_cuda:
            torch.cuda.synchronize()
    return step


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="smoke run: batch 8, few repeats (not a measurement)")
    p.add_argument("--device", default="cpu")
    p.add_argument("--size", type=int, default=28, help="image side: 28 (the course's MNIST) or 64 (Radford's)")
    p.add_argument("--channels", type=int, default=1, help="image channels (1: the digits; 3: random images)")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--width", type=int, default=64, help="ngf = ndf")
    args = p.parse_args(argv)
    device = backend.normalize_device(args.device)
    on_gpu = device.startswith("cuda")
    batch, repeat, rounds = (8, 2, 1) if args.quick else (args.batch, 8, 3)
    nz = 100

    mg.manual_seed(0)
    G, D = build_models("dcgan", args.size, channels=args.channels, width=args.width, nz=nz)
    if args.channels == 1:
        real_np = mg.data.load_digits(size=args.size)[0][:batch]
        real_np = np.concatenate([real_np] * -(-batch // len(real_np)))[:batch]
    else:                                   # the time does not depend on what the pictures show
        real_np = np.random.default_rng(0).uniform(-1, 1, (batch, args.channels, args.size, args.size))
    real_np = real_np.astype(np.float32)
    fns, notes = {}, []
    try:
        import torch
        torch.set_num_threads(cpu_threads())          # as many threads as NumPy's BLAS
    except ImportError:
        torch = None
        notes.append("PyTorch is not installed: its column is skipped")
    if torch is not None:
        tdev = "cuda" if on_gpu else "cpu"
        tG, tD = to_torch(G.net, torch).to(tdev), to_torch(D.net, torch).to(tdev)
        z = np.random.default_rng(0).standard_normal((4, nz)).astype(np.float32)
        with torch.no_grad():
            ours = G(mg.tensor(z)).numpy()
            theirs = tG(torch.from_numpy(z).reshape(4, nz, 1, 1).to(tdev)).cpu().numpy()
        diff = float(np.abs(ours - theirs).max())
        if diff > 1e-4:
            raise SystemExit(f"dcgan_step: PyTorch's twin of G disagrees with minigan's by {diff}")
        t_opt_g = torch.optim.Adam(tG.parameters(), lr=2e-4, betas=(0.5, 0.999))
        t_opt_d = torch.optim.Adam(tD.parameters(), lr=2e-4, betas=(0.5, 0.999))
        fns[f"torch {tdev}" if on_gpu else "torch"] = torch_step(tG, tD, t_opt_g, t_opt_d,
                                                                  torch.from_numpy(real_np).to(tdev), nz, torch)

    def ours_on(dev, impl=None):
        g, d = build_models("dcgan", args.size, channels=args.channels, width=args.width, nz=nz)
        g.load_state_dict(G.state_dict()), d.load_state_dict(D.state_dict())
        g.to(dev), d.to(dev)
        opt_g = mg.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
        opt_d = mg.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
        return minigan_step(g, d, opt_g, opt_d, mg.tensor(real_np, device=dev), nz, impl)
    if on_gpu:
        fns = {"minigan cuda": ours_on(device), "minigan cpu": ours_on("cpu"), **fns}
    else:
        # "before": the same step on the portable im2col kernels, which the fast ones replace on the CPU
        fns = {"minigan": ours_on("cpu"), "minigan im2col": ours_on("cpu", "im2col"), **fns}

    timed = measure_side_by_side(fns, device, warmup=2, repeat=repeat, rounds=rounds,
                                 min_warmup_seconds=warmup_seconds_for(args.quick))
    rows = [{"model": f"dcgan{args.size}", "batch": batch, "impl": name, "median_ms": 1e3 * med,
             "all_ms": [1e3 * t for t in ts]} for name, (med, ts) in timed.items()]
    ours_key = "minigan cuda" if on_gpu else "minigan"
    theirs_key = "torch cuda" if on_gpu else "torch"
    ratio = timed[ours_key][0] / timed[theirs_key][0] if theirs_key in timed else None
    speedup = timed["minigan cpu"][0] / timed["minigan cuda"][0] if on_gpu else None
    before = timed["minigan im2col"][0] / timed[theirs_key][0] if "minigan im2col" in timed and ratio else None
    print(f"DCGAN {args.size}x{args.size}x{args.channels} (ngf = ndf = {args.width}), batch {batch}, "
          f"one two-phase step on {device}, {cpu_threads()} CPU thread(s):")
    print_table(rows, ["model", "batch", "impl", "median_ms"])
    if ratio is not None:
        print(f"ratio {ours_key} / {theirs_key}: {ratio:.2f}x" + (" (target <= 2)" if on_gpu else ""))
    if before is not None:
        print(f"ratio minigan im2col / torch: {before:.2f}x (the portable kernels, for comparison)")
    if speedup is not None:
        print(f"minigan GPU speed-up over its NumPy path: {speedup:.1f}x (target >= 20 at 64x64, batch 128)")
    for n in notes:
        print("note:", n)
    if not args.quick:
        name = ("dcgan_step" if args.size == 28 else f"dcgan_step_{args.size}") + threads_suffix(cpu_threads())
        path = write_json(name, {"benchmark": "dcgan_step", "device": device, "quick": False, "size": args.size,
                                 "channels": args.channels, "width": args.width, "rows": rows,
                                 "ratio_minigan_over_torch": ratio, "ratio_of": [ours_key, theirs_key],
                                 "ratio_im2col_over_torch": before, "threads": cpu_threads(),
                                 "gpu_speedup_over_numpy": speedup,
                                 "notes": notes, "machine": machine_info(device)}, device)
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
