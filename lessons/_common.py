"""What every lesson shares: quick mode, the figures folder, a timer and a table printer.

- Quick mode (``MINIGAN_QUICK=1``) makes every lesson finish in well under a minute on two CPU cores,
  with smaller inputs and fewer repetitions; the test suite runs the lessons this way. The numbers a
  lesson prints still show what its prose says.
- Figures go to ``lessons/figures/`` (ignored by git). In Jupyter they also appear under the cell.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

try:                                    # run from a checkout without installing: use the repository's copy
    import minigan  # noqa: F401
except ImportError:
    sys.path.insert(0, str(HERE.parent))
    import minigan  # noqa: F401        # before NumPy (see minigan.kernels.threads)

import matplotlib  # noqa: E402

IN_NOTEBOOK = "ipykernel" in sys.modules
if not IN_NOTEBOOK:
    matplotlib.use("Agg")               # a script draws into files only, with or without a display

import numpy as np  # noqa: E402

QUICK = os.environ.get("MINIGAN_QUICK", "").strip().lower() not in ("", "0", "false", "no")
FIGURES = HERE / "figures"

np.set_printoptions(precision=4, suppress=True, linewidth=110)


def save(fig, name: str) -> Path:
    """Write ``fig`` to ``lessons/figures/<name>`` and say where (the path relative to the lessons)."""
    FIGURES.mkdir(parents=True, exist_ok=True)
    path = FIGURES / name
    fig.savefig(path, dpi=110, bbox_inches="tight")
    print(f"figure: {path.relative_to(HERE)}")
    if not IN_NOTEBOOK:                 # in a notebook, leave it open so that it is shown under the cell
        import matplotlib.pyplot as plt
        plt.close(fig)
    return path


def best_time(fn, repeat: int = 3, number: int = 1) -> float:
    """The best of ``repeat`` timings of ``number`` calls of ``fn()``, in seconds per call.

    One call first, untimed, so that allocation and caches are warm; the minimum, because noise on a
    shared machine only ever adds time."""
    fn()
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t0) / number)
    return best


def table(headers, rows) -> None:
    """Print ``rows`` (lists of values) under ``headers``, each column as wide as its widest cell."""
    body = [[v if isinstance(v, str) else _fmt(v) for v in r] for r in rows]
    widths = [max([len(str(h))] + [len(r[i]) for r in body]) for i, h in enumerate(headers)]
    print("  ".join(str(h).ljust(w) for h, w in zip(headers, widths)))
    print("  ".join("-" * w for w in widths))
    for raw, r in zip(rows, body):          # text to the left, numbers to the right
        print("  ".join(c.ljust(w) if isinstance(v, str) else c.rjust(w) for v, c, w in zip(raw, r, widths)))


def _fmt(v) -> str:
    if isinstance(v, (float, np.floating)):
        v = float(v)
        return f"{v:.3g}" if v != 0 and (abs(v) < 1e-3 or abs(v) >= 1e4) else f"{v:.4g}"
    return str(v)


def max_abs(a, b) -> float:
    """``max |a - b|`` of two arrays or tensors, as a Python float (on the host)."""
    a = a.numpy() if hasattr(a, "numpy") else np.asarray(a)
    b = b.numpy() if hasattr(b, "numpy") else np.asarray(b)
    return float(np.max(np.abs(a - b))) if a.size else 0.0
