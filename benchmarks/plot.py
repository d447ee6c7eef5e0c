"""Bar charts (PNG) of the benchmark results, for lessons and READMEs.

    python benchmarks/plot.py [--out DIR] [--results DIR]

Reads ``benchmarks/results/kernels_*.json``, ``conv_*.json`` and ``dcgan_step_*.json`` (whichever exist)
and writes, into ``DIR`` (default ``benchmarks/results/plots``):

- ``kernels_<device>_<op>.png``: one chart per kernel (conv2d.forward, col2im, ...): the DCGAN layers
  along x, one bar per implementation, time on a log scale (the columns differ by orders of magnitude);
- ``<name>_<device>.png`` for the other results: one group of bars per row, one bar per implementation.

A results file is a JSON object whose ``"results"`` (or ``"layers"``, ``"rows"``, ``"steps"``) is a list of
rows. A row is read either "wide", with a dict of times per implementation (``times_ms``, ``median_ms``,
``times_s`` or ``seconds``), or "long", with
one implementation (``impl``/``implementation``/``column``) and one time (``median_ms``/``ms``/
``median_s``/``seconds``) per row. The other short fields of a row (layer, case, op, ...) name its
group. Files in neither layout are skipped with a message. Headless: uses ``matplotlib.figure.Figure``
(no pyplot, no display needed).
"""
from __future__ import annotations

import argparse
import json
import math
from collections import defaultdict
from pathlib import Path

from matplotlib.figure import Figure

HERE = Path(__file__).resolve().parent
PATTERNS = ("kernels_*.json", "conv_*.json", "dcgan_step_*.json")
ROW_LISTS = ("results", "layers", "rows", "steps")
WIDE_KEYS = (("times_ms", 1.0), ("median_ms", 1.0), ("times_s", 1e3), ("median_s", 1e3), ("seconds", 1e3))
LONG_IMPL_KEYS = ("impl", "implementation", "column", "backend")
LONG_TIME_KEYS = (("median_ms", 1.0), ("ms", 1.0), ("time_ms", 1.0), ("median_s", 1e3), ("seconds", 1e3),
                  ("time_s", 1e3))
LABEL_KEYS = ("layer", "case", "name", "kind", "shape", "op", "phase", "model", "batch", "device")


def _label(row: dict) -> str:
    return " ".join(str(row[k]) for k in LABEL_KEYS if k in row and not isinstance(row[k], (dict, list)))


def table(payload: dict) -> tuple[list[str], dict[str, dict[str, float]]]:
    """``(group labels in order, {implementation: {label: milliseconds}})`` from a results payload;
    empty when its rows are in neither the wide nor the long layout."""
    rows = next((payload[k] for k in ROW_LISTS if isinstance(payload.get(k), list)), None)
    series: dict[str, dict[str, float]] = defaultdict(dict)
    labels: list[str] = []
    if not isinstance(rows, list):
        return [], {}
    for row in rows:
        if not isinstance(row, dict):
            continue
        label = _label(row)
        wide = next(((row[k], scale) for k, scale in WIDE_KEYS if isinstance(row.get(k), dict)), None)
        if wide is not None:
            times, scale = wide
            for impl, t in times.items():
                if isinstance(t, (int, float)) and t > 0:
                    series[impl][label] = t * scale
        else:
            impl = next((row[k] for k in LONG_IMPL_KEYS if k in row), None)
            hit = next(((row[k], s) for k, s in LONG_TIME_KEYS if isinstance(row.get(k), (int, float))), None)
            if impl is None or hit is None:
                continue
            label = " ".join(str(row[k]) for k in LABEL_KEYS if k in row and k not in LONG_IMPL_KEYS)
            series[str(impl)][label] = hit[0] * hit[1]
        if label not in labels:
            labels.append(label)
    return labels, dict(series)


def _order(payload: dict, series: dict) -> list[str]:
    """Implementations in the file's own column order where it gives one."""
    cols = [c for c in payload.get("columns", []) if c in series]
    return cols + [c for c in series if c not in cols]


def bar_chart(title: str, labels: list[str], series: dict, order: list[str], path: Path,
              log: bool = True, subtitle: str = "") -> Path:
    """Grouped bars: one group per label, one bar per implementation (missing cells leave a gap)."""
    width = 0.8 / max(1, len(order))
    fig = Figure(figsize=(max(6.0, 0.9 * len(labels) * max(1, len(order)) * 0.35 + 2), 4.5), dpi=120)
    ax = fig.add_subplot(1, 1, 1)
    for i, impl in enumerate(order):
        xs = [j + (i - (len(order) - 1) / 2) * width for j, lab in enumerate(labels) if lab in series[impl]]
        ys = [series[impl][lab] for lab in labels if lab in series[impl]]
        ax.bar(xs, ys, width=width, label=impl)
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("median time (ms)" + (", log scale" if log else ""))
    if log:
        ax.set_yscale("log")
    ax.set_title(title + (f"\n{subtitle}" if subtitle else ""), fontsize=10)
    ax.legend(fontsize=8, ncol=min(3, len(order)))
    ax.grid(axis="y", alpha=0.3, which="both")
    fig.tight_layout()
    fig.savefig(path)
    return path


def _machine(payload: dict) -> str:
    m = payload.get("machine", {})
    where = m.get("gpu") or m.get("cpu") or ""
    return f"{where} ({m.get('cpu_count', '?')} CPU cores)" if where else ""


def plot_file(src: Path, out: Path) -> list[Path]:
    """The charts of one results file (none, with a message, if its layout is unknown)."""
    payload = json.loads(src.read_text())
    labels, series = table(payload)
    if not series:
        print(f"skipped {src.name}: no rows in a layout this script knows (see its docstring)")
        return []
    order = _order(payload, series)
    sub = _machine(payload) + (" [--quick: a smoke run, not a measurement]" if payload.get("quick") else "")
    if src.name.startswith("kernels_"):
        # One chart per kernel: the labels are "<layer> <op>"; group by op.
        by_op: dict[str, list[str]] = defaultdict(list)
        for lab in labels:
            layer, _, op = lab.partition(" ")
            by_op[op].append(lab)
        paths = []
        for op, labs in by_op.items():
            sub_series = {impl: {lab.split(" ")[0]: v for lab, v in s.items() if lab in labs}
                          for impl, s in series.items()}
            used = [impl for impl in order if sub_series[impl]]
            paths.append(bar_chart(f"{op} on the DCGAN layers ({src.stem.split('_', 1)[1]})",
                                   [lab.split(" ")[0] for lab in labs], sub_series, used,
                                   out / f"{src.stem}_{op}.png", subtitle=sub))
        return paths
    spread = max(series[i][lab] for i in series for lab in series[i]) / \
        max(1e-12, min(series[i][lab] for i in series for lab in series[i]))
    return [bar_chart(src.stem, labels, series, order, out / f"{src.stem}.png", log=spread > 30 or math.isinf(spread),
                      subtitle=sub)]


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description="Bar charts (PNG) of the benchmark results.")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "plots", help="where the PNGs go")
    ap.add_argument("--results", type=Path, default=HERE / "results", help="where the JSON results are")
    args = ap.parse_args(argv)
    files = sorted(p for pattern in PATTERNS for p in args.results.glob(pattern))
    if not files:
        print(f"no results in {args.results} (run e.g. python benchmarks/kernels.py first)")
        return
    args.out.mkdir(parents=True, exist_ok=True)
    for src in files:
        for path in plot_file(src, args.out):
            print(f"wrote {path}")


if __name__ == "__main__":
    main()
