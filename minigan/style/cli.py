"""``minigan style``: neural style transfer, or texture synthesis, from the command line.

With no argument it runs on the embedded images (the photo of Grace Hopper that ships with matplotlib,
and the shipped ``mosaic`` texture) with the random multi-scale network, at 128 px on the CPU, and writes
to ``runs/style/``:

- ``result.png``: the image, pixel for pixel;
- ``side_by_side.png``: content | style | result (style | result for a texture);
- ``losses.png``: the weighted content, style and TV losses at every evaluation, and ``losses.json``.

A missing image, an unreadable file, a bad weights file or an unknown layer name ends the command with
one line naming the problem (see :mod:`minigan.cli`).
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

DEFAULT_CONTENT = "grace_hopper"
DEFAULT_STYLE = "mosaic"
ADAM_STEPS = 400          # Adam needs more, cheaper-per-progress steps than L-BFGS


def add_parser(subparsers) -> argparse.ArgumentParser:
    from minigan.data import list_textures

    from .transfer import TEXTURE_DEFAULTS as TEX, TRANSFER_DEFAULTS as ST
    textures = ", ".join(list_textures())
    p = subparsers.add_parser(
        "style", help="neural style transfer / texture synthesis (no pretrained weights needed)",
        description="Neural style transfer (Gatys et al.) with a random-filter network by default. "
                    "Images are files or names: 'grace_hopper' (matplotlib's sample photo) or a shipped "
                    f"texture ({textures}).")
    p.add_argument("--content", default=DEFAULT_CONTENT,
                   help=f"content image: a file, 'grace_hopper' or a texture name; 'none' synthesises a texture "
                        f"(default {DEFAULT_CONTENT})")
    p.add_argument("--style", default=DEFAULT_STYLE,
                   help=f"style image: a file or a texture name (default {DEFAULT_STYLE})")
    p.add_argument("--texture", action="store_true",
                   help="texture synthesis: style only, from noise (same as --content none)")
    p.add_argument("--size", type=int, default=128, help="the shorter side, then center-cropped square (default 128)")
    p.add_argument("--steps", type=int, default=None,
                   help=f"loss evaluations (closure calls); default {ST['steps']} for L-BFGS "
                        f"({TEX['steps']} for a texture), {ADAM_STEPS} for Adam")
    p.add_argument("--optimizer", choices=("lbfgs", "adam"), default="lbfgs", help="default lbfgs")
    p.add_argument("--lr", type=float, default=None, help="step length: 1 for L-BFGS, 0.02 for Adam by default")
    p.add_argument("--features", default="multiscale",
                   help="multiscale (default) | random-vgg | vgg19:WEIGHTS.npz (torchvision's names)")
    p.add_argument("--pool", choices=("max", "avg"), default="avg", help="VGG-19's pooling (default avg, as Gatys)")
    p.add_argument("--content-layers", default=None, help="comma-separated layer names (default: the network's)")
    p.add_argument("--style-layers", default=None,
                   help="comma-separated layer names, each with an optional weight: relu1_1:0.5,relu2_1 "
                        "(default: the network's, weighted equally)")
    p.add_argument("--content-weight", type=float, default=1.0, help="default 1")
    p.add_argument("--style-weight", type=float, default=None,
                   help=f"default {ST['style_weight']:g} ({TEX['style_weight']:g} for a texture)")
    p.add_argument("--tv-weight", type=float, default=None,
                   help=f"total-variation weight (default {ST['tv_weight']:g}; {TEX['tv_weight']:g} for a texture)")
    p.add_argument("--init", choices=("content", "noise", "blend"), default=None,
                   help="starting image (default content; noise for a texture)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random network and of the noise (default 0)")
    p.add_argument("--device", default="cpu", help="cpu or cuda (default cpu)")
    p.add_argument("--out", default="runs/style", help="output folder (default runs/style)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)
    return p


def _layers(text: str | None, option: str):
    """``"relu1_1,relu2_1:0.5"`` -> (names, {name: weight} or None): a weight after a colon, else 1."""
    if text is None:
        return None, None
    names, weights = [], {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        name, _, weight = item.partition(":")
        try:
            weights[name] = float(weight) if weight else 1.0
        except ValueError:
            raise ValueError(f"{option}: the weight of layer {name!r} must be a number, got {weight!r}") from None
        names.append(name)
    return names, (weights if any(v != 1.0 for v in weights.values()) else None)


def _check_numbers(args) -> None:
    """The numeric options, before any work: each error names its option (None: not given, the default applies;
    a weight of 0 switches its term off)."""
    for option, value, low in (("--steps", args.steps, 1), ("--seed", args.seed, 0),
                               ("--content-weight", args.content_weight, 0), ("--style-weight", args.style_weight, 0),
                               ("--tv-weight", args.tv_weight, 0)):
        if value is not None and not value >= low:      # (a NaN fails too)
            raise ValueError(f"{option} must be at least {low}, got {value}")
    if args.lr is not None and not args.lr > 0:
        raise ValueError(f"--lr must be more than 0, got {args.lr}")


def run(args) -> int:
    import minigan as mg
    from minigan import viz
    from minigan.data import load_image

    from . import transfer
    from .features import make_extractor

    texture = args.texture or str(args.content).lower() == "none"
    if args.size < 8:
        raise ValueError(f"--size must be at least 8 pixels, got {args.size}")
    _check_numbers(args)
    device = mg.backend.normalize_device(args.device)
    if device != "cpu" and not mg.cuda_available():
        _, why = mg.backend.cupy_status()
        raise mg.DeviceError(f"--device {args.device}: CUDA is not available ({why})")
    # Read everything first, so a bad path or file fails before any work.
    style = load_image(args.style, args.size)
    content = None if texture else load_image(args.content, args.size)
    extractor = make_extractor(args.features, seed=args.seed, pool=args.pool)
    content_layers, _ = _layers(args.content_layers, "--content-layers")
    style_layers, style_layer_weights = _layers(args.style_layers, "--style-layers")
    if content_layers:
        extractor.check_layers(content_layers, "content layer")
    if style_layers:
        extractor.check_layers(style_layers, "style layer")

    defaults = transfer.TEXTURE_DEFAULTS if texture else transfer.TRANSFER_DEFAULTS
    steps = args.steps if args.steps is not None else (defaults["steps"] if args.optimizer == "lbfgs" else ADAM_STEPS)
    kwargs = dict(steps=steps, optimizer=args.optimizer, lr=args.lr, content_weight=args.content_weight,
                  style_weight=defaults["style_weight"] if args.style_weight is None else args.style_weight,
                  tv_weight=defaults["tv_weight"] if args.tv_weight is None else args.tv_weight,
                  init=args.init or ("noise" if texture else "content"), content_layers=content_layers,
                  style_layers=style_layers, style_layer_weights=style_layer_weights, device=device,
                  seed=args.seed, quiet=args.quiet)
    start = time.perf_counter()
    if texture:
        kwargs.pop("content_weight")
        result = transfer.synthesize_texture(style, extractor, **kwargs)
    else:
        result = transfer.style_transfer(content, style, extractor, **kwargs)
    seconds = time.perf_counter() - start

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    viz.save_image_grid(result.image, out / "result.png", value_range=(0, 1), padding=0, upscale=1)
    images = ([] if texture else [content]) + [style, result.image]
    titles = ([] if texture else ["content"]) + ["style", "texture" if texture else "result"]
    viz.save_side_by_side(images, titles, out / "side_by_side.png")
    curves = {name: values for name, values in result.history.items() if name != "total"}
    viz.plot_losses(curves, out / "losses.png", smooth=False, title="weighted losses", xlabel="evaluation")
    summary = {"content": None if texture else args.content, "style": args.style, "size": args.size,
               "features": args.features, "optimizer": args.optimizer, "steps": steps, "seconds": round(seconds, 2),
               "final": {k: v[-1] for k, v in result.history.items()}, "history": result.history}
    (out / "losses.json").write_text(json.dumps(summary, indent=1))
    final = "  ".join(f"{k}={v[-1]:.3g}" for k, v in result.history.items())
    print(f"{'texture' if texture else 'style transfer'}: {len(result.history['total'])} evaluations in "
          f"{seconds:.1f} s, final {final}")
    print(f"wrote {out / 'result.png'}, {out / 'side_by_side.png'}, {out / 'losses.png'}")
    return 0
