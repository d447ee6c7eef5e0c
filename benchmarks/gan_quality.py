"""How good the default ``minigan gan train`` is, and how long it takes, on the CPU.

    python benchmarks/gan_quality.py                  # the default run, timed, with its metrics
    python benchmarks/gan_quality.py --knobs          # also: each knob setting x 3 seeds
    python benchmarks/gan_quality.py --knobs --knob-steps 600   # a cheaper knob table (says so)
    python benchmarks/gan_quality.py --knobs --skip-default --only "spectral norm on D"   # one row, added
    python benchmarks/gan_quality.py --knobs --skip-default --only "DiffAugment translation,cutout"

The default run is exactly ``minigan gan train`` with no arguments (the fully connected GAN on the
embedded 8x8 digits, the defaults of :class:`minigan.gan.trainer.GANConfig`), without writing files.
Targets:

* wall time (data, models, training, metrics) at most 300 s on 2 CPU cores;
* at least 70% of 500 samples classified with confidence >= 0.9;
* at least 8 digit classes each holding >= 4% of the samples (no mode collapse);
* a Fréchet distance (digit-classifier features) at most half that of the untrained generator.

The knob table changes one setting at a time from the defaults (which it records) and reports, per
setting, how many of 3 seeds reach the quality targets (time is not part of it), with the number of
steps it used. Writes ``results/gan_quality_cpu.json`` (and ``results/gan_quality_knobs_cpu.json``).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import time

from _common import RESULTS, machine_info, print_table, write_json

import minigan as mg
from minigan.gan.metrics import format_quality
from minigan.gan.trainer import GANConfig, Trainer

TIME_LIMIT_S = 300.0
TARGET_CONFIDENT, TARGET_CLASSES, TARGET_FRECHET_RATIO = 0.70, 8, 0.5

KNOBS = {
    "default": {},
    "smoothing 0.1": {"smooth": 0.1},
    "d-steps 2": {"d_steps": 2},
    "lr-g 2x": {"lr_g": 2 * GANConfig.lr_g},
    "lr-d 0.5x": {"lr_d": 0.5 * GANConfig.lr_d},
    "skip D below 0.2": {"d_skip_below": 0.2},
    "loss minimax": {"loss": "minimax"},
    "loss max_likelihood": {"loss": "max_likelihood"},
    "loss wgan_gp": {"loss": "wgan_gp"},
    "lr 10x both": {"lr_d": 10 * GANConfig.lr_d, "lr_g": 10 * GANConfig.lr_g},
    "spectral norm on D": {"d_spectral_norm": True},
    "DiffAugment translation,cutout": {"augment": "translation,cutout"},
    "DiffAugment translation": {"augment": "translation"},
}


def run(config: GANConfig) -> dict:
    """Train with ``config`` on the digits; the figures, the untrained generator's, and the time."""
    t0 = time.perf_counter()
    images, _ = mg.data.load_digits(size=config.size)
    trainer = Trainer(config, images)
    untrained = trainer.evaluate()            # own noise generator: the run is unchanged by it
    t_untrained = time.perf_counter() - t0
    summary = trainer.fit(None, quiet=True, log=None)
    seconds = time.perf_counter() - t0 - t_untrained
    q = summary["final_quality"]
    ratio = q["frechet"] / untrained["frechet"]
    return {"seconds": seconds, "confident": q["confident"], "classes": q["classes"], "frechet": q["frechet"],
            "frechet_untrained": untrained["frechet"], "frechet_ratio": ratio, "histogram": q["histogram"],
            "quality_during_training": summary["quality"], "last50": summary["last50"],
            "meets_quality": bool(q["confident"] >= TARGET_CONFIDENT and q["classes"] >= TARGET_CLASSES
                                  and ratio <= TARGET_FRECHET_RATIO)}


def _recorded_rows(steps: int) -> list[dict]:
    """The rows of the recorded knob table, which ``--only`` adds to; it must have used ``steps`` and
    today's defaults, or the rows would not compare."""
    path = RESULTS / "gan_quality_knobs_cpu.json"
    if not path.exists():
        raise SystemExit(f"gan_quality.py: --only adds to the recorded table, and there is none at {path}")
    table = json.loads(path.read_text())
    defaults = json.loads(json.dumps(dataclasses.asdict(GANConfig())))
    recorded = {k: v for k, v in table["defaults"].items() if k in defaults}
    if table["steps"] != steps or any(defaults[k] != v for k, v in recorded.items()):
        raise SystemExit(f"gan_quality.py: the recorded table at {path} used other steps or defaults; rerun it whole "
                         "with --knobs")
    return table["rows"]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--knobs", action="store_true", help=f"also run the knob table ({len(KNOBS)} settings x 3 seeds)")
    p.add_argument("--knob-steps", type=int, default=None, help="steps per knob run (default: the default's)")
    p.add_argument("--skip-default", action="store_true", help="only the knob table")
    p.add_argument("--only", action="append", default=None, metavar="SETTING", choices=list(KNOBS),
                   help="run only this knob setting (repeatable) and put its row into the recorded table, whose "
                        "steps and defaults must be the same")
    args = p.parse_args(argv)
    info = machine_info("cpu")
    info["load_average_at_start"] = os.getloadavg()
    # BLAS threads spin while they wait: on a busy 2-core machine 2 threads can be many times slower
    # than 1, so the thread settings belong to the measurement
    info["thread_env"] = {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}

    if not args.skip_default:
        config = GANConfig()
        print(f"default run: {config.model} {config.size}x{config.size}, {config.steps} steps, batch {config.batch}, "
              f"loss {config.loss}, lr D {config.lr_d} G {config.lr_g}, on {os.cpu_count()} CPU cores ...", flush=True)
        r = run(config)
        r["meets_time"] = r["seconds"] <= TIME_LIMIT_S
        print(f"time {r['seconds']:.1f} s (target <= {TIME_LIMIT_S:.0f} s): {'ok' if r['meets_time'] else 'MISSED'}")
        print("samples: " + format_quality({**r, "warning": None}))
        print(f"Frechet {r['frechet']:.2f} vs untrained {r['frechet_untrained']:.2f}: ratio {r['frechet_ratio']:.3f} "
              f"(target <= {TARGET_FRECHET_RATIO})")
        print(f"quality target (>= {TARGET_CONFIDENT:.0%} confident, >= {TARGET_CLASSES} classes, Frechet ratio "
              f"<= {TARGET_FRECHET_RATIO}): {'met' if r['meets_quality'] else 'MISSED'}")
        info["load_average_at_end"] = os.getloadavg()
        write_json("gan_quality", {"benchmark": "gan_quality", "config": dataclasses.asdict(config), "result": r,
                                   "targets": {"seconds": TIME_LIMIT_S, "confident": TARGET_CONFIDENT,
                                               "classes": TARGET_CLASSES, "frechet_ratio": TARGET_FRECHET_RATIO},
                                   "machine": info})

    if args.knobs:
        steps = GANConfig.steps if args.knob_steps is None else args.knob_steps
        if steps < 1:
            raise SystemExit(f"gan_quality.py: --knob-steps must be at least 1, got {steps}")
        print(f"\nknob table: one change at a time, seeds 0, 1, 2, {steps} steps each"
              + ("" if steps == GANConfig.steps else f" (fewer than the default {GANConfig.steps}: a cheaper table)"),
              flush=True)
        rows, names = [], list(KNOBS)
        if args.only:
            rows = _recorded_rows(steps)
            names = args.only
        for name in names:
            change = KNOBS[name]
            runs = [run(GANConfig(**{**change, "seed": seed, "steps": steps})) for seed in range(3)]
            row = {"setting": name, "reached": f"{sum(r['meets_quality'] for r in runs)}/3",
                   "confident": sum(r["confident"] for r in runs) / 3,
                   "classes": min(r["classes"] for r in runs),
                   "frechet_ratio": max(r["frechet_ratio"] for r in runs),
                   "seconds": sum(r["seconds"] for r in runs) / 3, "runs": runs}
            rows = [r for r in rows if r["setting"] != name] + [row]
            rows.sort(key=lambda r: list(KNOBS).index(r["setting"]) if r["setting"] in KNOBS else len(KNOBS))
            print(f"{name}: {row['reached']} seeds reach the target", flush=True)
            # written after every setting, so an interrupted table keeps what it measured
            write_json("gan_quality_knobs", {"benchmark": "gan_quality_knobs", "steps": steps,
                                             "defaults": dataclasses.asdict(GANConfig()), "rows": rows,
                                             "complete": {r["setting"] for r in rows} >= set(KNOBS),
                                             "machine": info})
        print_table(rows, ["setting", "reached", "confident", "classes", "frechet_ratio", "seconds"])
        print("(confident: mean over seeds; classes: the fewest; frechet_ratio: the worst)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
