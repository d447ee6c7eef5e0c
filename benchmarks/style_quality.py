"""How well the embedded style transfer works, without pretrained weights, on the CPU at 128 px.

Runs the defaults of ``minigan style`` (Grace Hopper in the style of the shipped ``mosaic`` texture, the
random multi-scale network, L-BFGS) and checks, printing every figure:

1. style transfer: the style loss falls at least 20x from the start (the content image), and the
   relative error of the content features ``||F - P|| / ||P||`` stays <= 0.5;
2. the same run without the TV term: with it, the total variation of the result is >= 30% lower;
3. texture synthesis from noise: the Gram (style) loss falls at least 100x, and still at least 10x when
   measured with a differently seeded network, so the result matches the texture, not one set of filters;
4. the default run takes at most 3 minutes (on two CPU cores).

Usage::

    python benchmarks/style_quality.py                    # writes benchmarks/results/style_quality_cpu.json
    python benchmarks/style_quality.py --pictures runs/style_quality   # also the pictures

The figures go to a JSON file with the machine, the versions and the device, for lessons and plots.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # run from a checkout without installing

import minigan as mg  # noqa: E402   (before NumPy, as a user's script would: see minigan.kernels.threads)
import numpy as np  # noqa: E402
from minigan.data import load_image  # noqa: E402
from minigan.style import (RandomMultiscale, StyleObjective, style_transfer, synthesize_texture,  # noqa: E402
                           total_variation_loss)

TARGETS = {"style_drop": 20.0, "content_error": 0.5, "tv_reduction": 0.30, "texture_drop": 100.0,
           "texture_drop_other_seed": 10.0, "seconds": 180.0}


def _machine() -> dict:
    try:
        blas = np.show_config(mode="dicts").get("Build Dependencies", {}).get("blas", {})
        blas = f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception:
        blas = "unknown"
    return {"python": platform.python_version(), "numpy": np.__version__, "minigan": mg.__version__,
            "platform": platform.platform(), "processor": platform.processor() or platform.machine(),
            "cpu_count": os.cpu_count(), "blas": blas}


def _terms(objective: StyleObjective, image) -> dict:
    with mg.no_grad():
        return {k: float(v.item()) for k, v in objective(mg.tensor(image)).items()}


def _tv(image) -> float:
    with mg.no_grad():
        return float(total_variation_loss(mg.tensor(image)).item())


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--size", type=int, default=128)
    p.add_argument("--content", default="grace_hopper")
    p.add_argument("--style", default="mosaic")
    p.add_argument("--texture", default="mosaic", help="the texture to synthesise from noise")
    p.add_argument("--out", default=str(Path(__file__).resolve().parent / "results" / "style_quality_cpu.json"))
    p.add_argument("--pictures", default=None, help="also save the pictures in this folder")
    args = p.parse_args(argv)

    content = load_image(args.content, args.size)
    style = load_image(args.style, args.size)
    texture = load_image(args.texture, args.size)
    extractor = RandomMultiscale(seed=0)
    figures: dict = {}

    # 1. The default run (timed), and 2. the same run without TV.
    start = time.perf_counter()
    result = style_transfer(content, style, extractor, quiet=True)
    seconds = time.perf_counter() - start
    objective = StyleObjective(extractor, mg.tensor(content), mg.tensor(style))
    at_start, at_end = _terms(objective, content), _terms(objective, result.image)
    figures["seconds"] = seconds
    figures["evaluations"] = len(result.history["total"])
    figures["style_start"], figures["style_end"] = at_start["style"], at_end["style"]
    figures["style_drop"] = at_start["style"] / at_end["style"]
    figures["content_error"] = objective.content_error(result.image)
    no_tv = style_transfer(content, style, extractor, tv_weight=0.0, quiet=True)
    figures["tv_with"], figures["tv_without"] = _tv(result.image), _tv(no_tv.image)
    figures["tv_reduction"] = 1.0 - figures["tv_with"] / figures["tv_without"]
    figures["content_error_without_tv"] = objective.content_error(no_tv.image)

    # 3. Texture synthesis from noise, measured with the network it was made with and with another one.
    start = time.perf_counter()
    synth = synthesize_texture(texture, extractor, quiet=True)
    figures["texture_seconds"] = time.perf_counter() - start
    noise = np.random.default_rng(0).random(synth.image.shape, dtype=np.float32)   # its starting image
    for key, ex in (("texture_drop", extractor), ("texture_drop_other_seed", RandomMultiscale(seed=1))):
        measure = StyleObjective(ex, None, mg.tensor(texture))
        before, after = _terms(measure, noise)["style"], _terms(measure, synth.image)["style"]
        figures[key] = before / after
        figures[key.replace("drop", "loss")] = {"noise": before, "result": after}

    checks = {
        "style_drop": figures["style_drop"] >= TARGETS["style_drop"],
        "content_error": figures["content_error"] <= TARGETS["content_error"],
        "tv_reduction": figures["tv_reduction"] >= TARGETS["tv_reduction"],
        "texture_drop": figures["texture_drop"] >= TARGETS["texture_drop"],
        "texture_drop_other_seed": figures["texture_drop_other_seed"] >= TARGETS["texture_drop_other_seed"],
        "seconds": figures["seconds"] <= TARGETS["seconds"],
    }
    print(f"style transfer, {args.content} in the style of {args.style}, {args.size} px, RandomMultiscale, "
          f"L-BFGS, {figures['evaluations']} evaluations")
    print(f"  time                      {figures['seconds']:8.1f} s      (target <= {TARGETS['seconds']:.0f} s)")
    print(f"  style loss                {figures['style_start']:.4g} -> {figures['style_end']:.4g}: "
          f"{figures['style_drop']:.1f}x lower (target >= {TARGETS['style_drop']:.0f}x)")
    print(f"  content feature error     {figures['content_error']:8.3f}        (target <= {TARGETS['content_error']})")
    print(f"  total variation           {figures['tv_with']:.5f} with TV, {figures['tv_without']:.5f} without: "
          f"{100 * figures['tv_reduction']:.0f}% lower (target >= {100 * TARGETS['tv_reduction']:.0f}%)")
    print(f"texture synthesis of {args.texture} from noise ({figures['texture_seconds']:.1f} s)")
    print(f"  Gram loss, same network   {figures['texture_drop']:8.1f}x lower "
          f"(target >= {TARGETS['texture_drop']:.0f}x)")
    print(f"  Gram loss, seed-1 network {figures['texture_drop_other_seed']:8.1f}x lower "
          f"(target >= {TARGETS['texture_drop_other_seed']:.0f}x)")
    failed = [k for k, ok in checks.items() if not ok]
    print("all targets met" if not failed else f"MISSED: {', '.join(failed)}")

    record = {"benchmark": "style_quality", "device": "cpu", "size": args.size, "content": args.content,
              "style": args.style, "texture": args.texture, "threads_hint": os.environ.get("OMP_NUM_THREADS"),
              "machine": _machine(), "targets": TARGETS, "figures": figures, "checks": checks,
              "history": {"transfer": result.history, "transfer_without_tv": no_tv.history,
                          "texture": synth.history}}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=1))
    print(f"wrote {out}")
    if args.pictures:
        from minigan import viz
        pics = Path(args.pictures)
        viz.save_side_by_side([content, style, result.image, no_tv.image],
                              ["content", "style", "result", "result without TV"], pics / "transfer.png")
        viz.save_side_by_side([texture, noise, synth.image], ["texture", "start (noise)", "synthesised"],
                              pics / "texture.png")
        viz.plot_losses({k: v for k, v in result.history.items() if k != "total"}, pics / "losses.png", smooth=False,
                        xlabel="evaluation")
        print(f"wrote pictures to {pics}")
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
