"""``minigan gan train`` and ``minigan gan sample``.

::

    minigan gan train                                   # the course's FC GAN on the embedded 8x8 digits
    minigan gan train --model dcgan --size 16 --loss minimax --steps 3000
    minigan gan train --data mnist:~/data --size 28 --model course28
    minigan gan train --resume                          # continue runs/gan/checkpoint.npz
    minigan gan sample --ckpt runs/gan/checkpoint.npz --n 64 --out grid.png

``--data`` is ``digits`` (shipped), ``mnist:DIR`` / ``fashion:DIR`` (IDX files in DIR/mnist or
DIR/fashion-mnist), or ``folder:DIR`` (your own PNG/JPEG images).
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

__all__ = ["add_parser", "load_images", "train", "sample"]

DATA_KINDS = ("digits", "mnist", "fashion", "folder")


def load_images(spec: str, size: int) -> tuple[np.ndarray, bool]:
    """``--data`` to ``(images (N, C, size, size) in [-1, 1], judged)``; ``judged`` says whether the
    digit classifier's figures mean anything for these images (digits and MNIST)."""
    import minigan as mg

    kind, _, where = spec.partition(":")
    if kind not in DATA_KINDS or (kind == "digits") != (where == ""):
        raise ValueError(f"--data: expected digits, mnist:DIR, fashion:DIR or folder:DIR, got {spec!r}")
    if kind == "digits":
        return mg.data.load_digits(size=size)[0], True
    folder = Path(os.path.expanduser(where))
    if not folder.is_dir():
        raise FileNotFoundError(f"--data {spec}: no folder at {folder}")
    if kind == "folder":
        return mg.data.ImageFolder(folder, size=size, mode="RGB").images, False
    return mg.data.load_mnist(folder, kind=kind, size=size)[0], kind == "mnist"


def _default_size(kind: str, model: str) -> int:
    """The image side when --size is not given: MNIST's 28, 32 for a folder, else what the model
    is sized for on the digits (their native 8x8 for the fully connected GAN, 16 for DCGAN)."""
    if model == "course28" or kind in ("mnist", "fashion"):
        return 28
    if kind == "folder":
        return 32
    return 8 if model == "fc" else 16


def _betas(text: str) -> tuple[float, float]:
    try:
        b1, b2 = (float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected two numbers like 0.5,0.999, got {text!r}") from None
    return b1, b2


def _load_checkpoint(path: Path, option: str, device: str = "cpu") -> dict:
    """The state that ``gan train`` saved at ``path``; a missing file, or a file that is not such a
    checkpoint (another minigan checkpoint, say), fails with one line naming ``option`` and the path."""
    import minigan as mg
    if not path.is_file():
        raise FileNotFoundError(f"{option}: no checkpoint at {path}")
    state = mg.io.load(path, device=device)
    for key in ("config", "G", "step"):
        if key not in state or (key == "config" and not isinstance(state[key], dict)):
            raise ValueError(f"{option}: {path} is not a `minigan gan train` checkpoint (it has no {key})")
    return state


def _at_least(option: str, value, low) -> None:
    """A number given on the command line is ``low`` or more (None: not given, the default applies)."""
    if value is not None and not value >= low:      # (a NaN fails too)
        raise ValueError(f"{option} must be at least {low}, got {value}")


def train(args) -> int:
    from .trainer import CHECKPOINT, GANConfig, Trainer

    # The options GANConfig does not check itself (--steps it does, but not when a resumed run changes it).
    for option, low in (("steps", 1), ("size", 1), ("lr_d", 0), ("lr_g", 0), ("seed", 0), ("sample_every", 0)):
        _at_least("--" + option.replace("_", "-"), getattr(args, option), low)
    out = Path(args.out)
    if args.resume is not None:
        path = out / CHECKPOINT if args.resume == "auto" else Path(args.resume)
        saved = _load_checkpoint(path, "--resume")["config"]
        images, judged = load_images(args.data if args.data_given else saved.get("data", "digits"),
                                     saved.get("size", GANConfig.size))
        overrides = {"steps": args.steps} if args.steps is not None else {}
        try:
            trainer = Trainer.from_checkpoint(path, images, device=args.device, **overrides)
        except KeyError as exc:
            raise ValueError(f"--resume: {path} is not a complete `minigan gan train` checkpoint "
                             f"(it has no {exc.args[0]})") from None
        if trainer.step >= trainer.config.steps:
            raise ValueError(f"--resume: the checkpoint {path} is at step {trainer.step} already; give a larger "
                             f"total with --steps (now {trainer.config.steps})")
        if not args.quiet:
            print(f"resuming {path} at step {trainer.step} of {trainer.config.steps}")
    else:
        size = args.size if args.size is not None else _default_size(args.data.split(":")[0], args.model)
        images, judged = load_images(args.data, size)
        config = GANConfig(
            data=args.data, model=args.model, size=size, channels=images.shape[1], width=args.width, loss=args.loss,
            steps=GANConfig.steps if args.steps is None else args.steps, batch=args.batch,
            lr_d=args.lr_d, lr_g=args.lr_g, betas_d=args.betas_d, betas_g=args.betas_g,
            d_steps=args.d_steps, d_skip_below=args.d_skip_below,
            smooth=args.smooth, d_spectral_norm=args.spectral_norm, augment=args.augment, seed=args.seed,
            device=args.device, sample_every=args.sample_every, checkpoint_every=args.sample_every,
            judge=judged and images.shape[1] == 1)
        trainer = Trainer(config, images)
    if args.detect_anomaly:
        import minigan as mg
        with mg.autograd.detect_anomaly():
            trainer.fit(out, quiet=args.quiet)
    else:
        trainer.fit(out, quiet=args.quiet)
    if not args.quiet:
        print(f"wrote {out}/: samples.png, samples/, losses.png, metrics.json, {CHECKPOINT}")
    return 0


def sample(args) -> int:
    import minigan as mg
    from minigan import backend

    from .models import build_models
    from .trainer import GANConfig, _noise, generate

    _at_least("--n", args.n, 1)
    _at_least("--seed", args.seed, 0)
    state = _load_checkpoint(Path(args.ckpt), "--ckpt", device=backend.normalize_device(args.device))
    c = GANConfig(**{k: v for k, v in state["config"].items() if k in GANConfig.__dataclass_fields__})
    G, _ = build_models(c.model, c.size, c.channels, c.nz, c.width)
    G.to(args.device)
    G.load_state_dict(state["G"])
    z = _noise(args.n, c.nz, args.seed, backend.normalize_device(args.device))
    images = generate(G, z)
    mg.viz.save_image_grid(images, args.out)
    print(f"wrote {args.n} samples from step {int(state['step'])} to {args.out}")
    return 0


class _DataAction(argparse.Action):
    """Remembers that --data was given (a resumed run otherwise uses the checkpoint's data)."""

    def __call__(self, parser, namespace, values, option_string=None):
        namespace.data = values
        namespace.data_given = True


def add_parser(subparsers) -> None:
    from .losses import LOSSES
    from .models import MODELS
    from .trainer import GANConfig

    d = GANConfig()
    gan = subparsers.add_parser("gan", help="train a GAN and sample from it")
    sub = gan.add_subparsers(dest="gan_command", metavar="{train,sample}")
    sub.required = True

    # Every help line states its default itself (no ArgumentDefaultsHelpFormatter: it would add a second one).
    t = sub.add_parser("train", help="two-phase GAN training (default: the FC GAN on the embedded digits)",
                       description="Two-phase GAN training. With --resume, the run's settings come from its "
                                   "checkpoint; of the options, only --steps, --data, --device, --out and --quiet "
                                   "apply.")
    t.add_argument("--data", default="digits", action=_DataAction,
                   help="digits | mnist:DIR | fashion:DIR | folder:DIR (default digits, shipped)")
    t.set_defaults(data_given=False)
    t.add_argument("--size", type=int, default=None,
                   help="image side (default 8 for fc and 16 for dcgan on the digits, 28 for MNIST, 32 for a folder)")
    t.add_argument("--model", default=d.model, choices=MODELS, help=f"the two networks (default {d.model})")
    t.add_argument("--width", type=int, default=d.width,
                   help=f"DCGAN's base channel count, ngf = ndf (default {d.width})")
    t.add_argument("--loss", default=d.loss, choices=LOSSES, help=f"the generator's loss (default {d.loss})")
    t.add_argument("--steps", type=int, default=None,
                   help=f"generator steps in all (default {d.steps}; with --resume, the new total)")
    t.add_argument("--batch", type=int, default=d.batch, help=f"images per batch (default {d.batch})")
    t.add_argument("--lr-d", type=float, default=d.lr_d, help=f"Adam learning rate of D (default {d.lr_d:g})")
    t.add_argument("--lr-g", type=float, default=d.lr_g, help=f"Adam learning rate of G (default {d.lr_g:g})")
    t.add_argument("--betas-d", type=_betas, default=d.betas_d,
                   help=f"Adam betas of D (default {','.join(f'{b:g}' for b in d.betas_d)})")
    t.add_argument("--betas-g", type=_betas, default=d.betas_g,
                   help=f"Adam betas of G (default {','.join(f'{b:g}' for b in d.betas_g)})")
    t.add_argument("--d-steps", type=int, default=d.d_steps,
                   help=f"discriminator steps per generator step (default {d.d_steps})")
    t.add_argument("--d-skip-below", type=float, default=None,
                   help="skip D's update while its loss is below this (default: never skip)")
    t.add_argument("--smooth", type=float, default=d.smooth,
                   help=f"one-sided label smoothing: 0.1 makes the real target 0.9, fakes stay 0 "
                        f"(default {d.smooth:g}: real images labelled 1)")
    t.add_argument("--spectral-norm", action="store_true",
                   help="spectral normalization on D's layers, which bounds how sharply D can change (a remedy "
                        "when D overpowers G; default off)")
    t.add_argument("--augment", default=d.augment, metavar="LIST",
                   help="differentiable augmentation of every image D sees, real and fake (DiffAugment, a remedy "
                        "when D memorises a small training set): color, translation, cutout, comma-separated "
                        "(default: none)")
    t.add_argument("--seed", type=int, default=d.seed,
                   help=f"seed of the initial weights, the batches and the noise (default {d.seed})")
    t.add_argument("--device", default="cpu", help="cpu | cuda (default cpu)")
    t.add_argument("--out", default="runs/gan", help="output folder (default runs/gan)")
    t.add_argument("--sample-every", type=int, default=d.sample_every,
                   help=f"steps between sample grids, metrics and checkpoints; 0: at the end only "
                        f"(default {d.sample_every})")
    t.add_argument("--resume", nargs="?", const="auto", default=None, metavar="CKPT",
                   help="continue from CKPT (OUT/checkpoint.npz if no CKPT is given)")
    t.add_argument("--quiet", action="store_true", help="no progress bar or per-period lines")
    t.add_argument("--detect-anomaly", action="store_true",
                   help="stop at the first NaN gradient, naming the op whose backward made it and the line that "
                        "called it (mg.autograd.detect_anomaly; slower, for debugging)")
    t.set_defaults(func=train)

    s = sub.add_parser("sample", help="a grid of samples from a checkpoint")
    s.add_argument("--ckpt", required=True, help="a checkpoint written by gan train")
    s.add_argument("--n", type=int, default=64, help="how many samples (default 64)")
    s.add_argument("--out", default="grid.png", help="the image to write (default grid.png)")
    s.add_argument("--seed", type=int, default=0, help="seed of the noise (default 0)")
    s.add_argument("--device", default="cpu", help="cpu | cuda (default cpu)")
    s.set_defaults(func=sample)
