"""One two-phase training step of the 28x28 DCGAN (batch 64): minigan against PyTorch, side by side.

    python benchmarks/dcgan_step.py [--quick] [--device cpu|cuda] [--batch 64] [--width 64]

The step is the trainer's: phase 1, D on a real batch and detached fakes (forward, backward, Adam);
phase 2, G through a frozen D (forward, backward, Adam). PyTorch gets the very same architecture,
built layer by layer from minigan's model and loaded with its weights (its first forward is checked
against minigan's), and the same optimizer settings. Times are medians after warm-up; the ratio is
minigan / PyTorch. Writes ``results/dcgan_step_<device>.json``.
"""
from __future__ import annotations

import argparse

import numpy as np
from _common import machine_info, measure_side_by_side, print_table, write_json

import minigan as mg
import minigan.nn as nn
from minigan import backend
from minigan.gan.losses import discriminator_loss, non_saturating_loss
from minigan.gan.models import build_models


def minigan_step(G, D, opt_g, opt_d, real, nz):
    def step():
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
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--width", type=int, default=64, help="ngf = ndf")
    args = p.parse_args(argv)
    device = backend.normalize_device(args.device)
    batch, repeat = (8, 2) if args.quick else (args.batch, 7)
    nz = 100

    mg.manual_seed(0)
    G, D = build_models("dcgan", 28, width=args.width, nz=nz)
    real_np = mg.data.load_digits(size=28)[0][:batch]
    fns, notes = {}, []
    try:
        import torch
    except ImportError:
        torch = None
        notes.append("PyTorch is not installed: its column is skipped")
    if torch is not None:
        tdev = "cuda" if device.startswith("cuda") else "cpu"
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
        fns["torch"] = torch_step(tG, tD, t_opt_g, t_opt_d, torch.from_numpy(real_np).to(tdev), nz, torch)
    G.to(device), D.to(device)
    opt_g = mg.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = mg.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    fns = {"minigan": minigan_step(G, D, opt_g, opt_d, mg.tensor(real_np, device=device), nz), **fns}

    timed = measure_side_by_side(fns, device, warmup=2, repeat=repeat)
    rows = [{"model": "dcgan28", "batch": batch, "impl": name, "median_ms": 1e3 * med,
             "all_ms": [1e3 * t for t in ts]} for name, (med, ts) in timed.items()]
    ratio = timed["minigan"][0] / timed["torch"][0] if "torch" in timed else None
    print(f"DCGAN 28x28 (ngf = ndf = {args.width}), batch {batch}, one two-phase step on {device}:")
    print_table(rows, ["model", "batch", "impl", "median_ms"])
    if ratio is not None:
        print(f"ratio minigan / torch: {ratio:.2f}x")
    for n in notes:
        print("note:", n)
    if not args.quick:
        path = write_json("dcgan_step", {"benchmark": "dcgan_step", "device": device, "quick": False,
                                         "width": args.width, "rows": rows, "ratio_minigan_over_torch": ratio,
                                         "notes": notes, "machine": machine_info(device)}, device)
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
