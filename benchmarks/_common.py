"""Helpers every benchmark uses: what machine this is, a careful timer, JSON results and a table printer.

Benchmarks are scripts (``python benchmarks/<name>.py [--quick] [--device cpu|cuda]``). They compare
implementations side by side in one run, on one machine, and write what they measured, together with the
machine and library versions, to ``benchmarks/results/<name>_<device kind>.json`` for plots and lessons.
"""
from __future__ import annotations

import datetime
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
# Where results go: benchmarks/results, or the folder MINIGAN_BENCH_RESULTS names (the smoke tests use it).
RESULTS = Path(os.environ.get("MINIGAN_BENCH_RESULTS") or HERE / "results")

try:                                    # run from a checkout without installing: use the repository's copy
    import minigan  # noqa: F401
except ImportError:
    sys.path.insert(0, str(HERE.parent))
    import minigan  # noqa: F401        # before NumPy, as a user's script would (see minigan.kernels.threads)

import numpy as np  # noqa: E402

from minigan import backend, blas_env  # noqa: E402
from minigan.kernels import threads  # noqa: E402


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _blas_info() -> dict:
    """NumPy's BLAS (name, version, configuration), from ``numpy.show_config(mode='dicts')``."""
    try:
        deps = np.show_config(mode="dicts")["Build Dependencies"]
        blas = deps.get("blas", {})
        return {k: blas[k] for k in ("name", "version", "openblas configuration") if k in blas}
    except Exception:                    # older NumPy: no dict mode
        return {}


def machine_info(device: str = "cpu") -> dict:
    """Platform, CPU, core count, Python, NumPy (+ BLAS), PyTorch and CuPy/GPU where present."""
    info: dict[str, Any] = {
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": _blas_info(),
        "device": device,
        # process-wide: PyTorch, timed in the same process, runs under the same malloc settings
        "host_allocator_tuned": backend.host_allocator_tuned,
        # the cores minigan's CPU convolutions share their batch slices among, and whether OpenBLAS's own
        # threads sleep right after a product (see minigan.kernels.threads)
        "slice_threads": threads.slice_threads(),
        "openblas_thread_timeout": os.environ.get("OPENBLAS_THREAD_TIMEOUT"),
        # the kernels OpenBLAS runs (minigan.blas_env picks them on AMD Zen 4), and the variable that chose them
        "openblas_core": blas_env.openblas_core(),
        "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE"),
    }
    try:
        import torch
        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
    except ImportError:
        info["torch"] = None
    ok, why = backend.cupy_status()
    info["cupy"] = why
    if ok:
        cp = backend.cupy_module()
        idx = int(device.split(":")[1]) if device.startswith("cuda") else 0
        name = cp.cuda.runtime.getDeviceProperties(idx)["name"]
        info["gpu"] = name.decode() if isinstance(name, bytes) else str(name)
        info["cupy_version"] = cp.__version__
    return info


# The least time a block of calls warms up for (see measure). OpenBLAS's worker threads keep spinning for
# 50 to 100 ms after NumPy's last product; a PyTorch call in that time shares the cores with them and was
# measured twice as slow (a 12 ms convolution took 25 ms).
MIN_WARMUP_SECONDS = 0.25


def warmup_seconds_for(quick: bool) -> float:
    """The warm-up time a benchmark's blocks get: :data:`MIN_WARMUP_SECONDS`, or none in a ``--quick`` smoke run."""
    return 0.0 if quick else MIN_WARMUP_SECONDS


def measure(fn: Callable[[], Any], device: str = "cpu", warmup: int = 2, repeat: int = 7,
            min_warmup_seconds: float = 0.0):
    """Time ``fn()``: untimed calls, at least ``warmup`` of them and for at least ``min_warmup_seconds``
    (so that another library's worker threads, still spinning from the call before, have gone to sleep and
    are not counted against ``fn``), then ``repeat`` timed ones.

    Returns ``(median_seconds, all_seconds)``. The device is synchronised before each clock reading, so
    queued GPU work is counted where it belongs."""
    start, calls = time.perf_counter(), 0
    while calls < warmup or (warmup and time.perf_counter() - start < min_warmup_seconds):
        fn()
        backend.synchronize(device)
        calls += 1
    backend.synchronize(device)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        backend.synchronize(device)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def cpu_threads() -> int:
    """The threads a CPU comparison runs with: NumPy's BLAS uses all cores unless the usual variables
    limit it, and PyTorch is given the same number (``OPENBLAS_NUM_THREADS=1`` gives a single-core
    comparison, steadier on a busy machine)."""
    return int(os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS") or os.cpu_count() or 1)


def threads_suffix(threads: int) -> str:
    """``""`` for a run on every core, else ``"_<n>thread"``: a results file's name says when it was not."""
    return "" if threads == (os.cpu_count() or 1) else f"_{threads}thread"


def measure_side_by_side(fns: dict[str, Callable[[], Any]], device: str = "cpu", warmup: int = 2,
                         repeat: int = 7, rounds: int = 1, min_warmup_seconds: float = MIN_WARMUP_SECONDS
                         ) -> dict[str, tuple[float, list[float]]]:
    """Time several functions in the same run, one block each (warm-up calls, then ``repeat`` timed ones),
    the whole sequence of blocks ``rounds`` times.

    Blocks rather than turns (a, b, a, b, ...): BLAS and OpenMP worker threads keep spinning for a while
    after a call, and on a small machine the next library's call would pay for them. Each block's own
    warm-up, at least :data:`MIN_WARMUP_SECONDS` long, absorbs that. Several rounds spread every function
    over the whole run, so that a stretch when the machine is slower (a shared host's neighbours) does not
    fall on one function's block only.
    Returns ``{name: (median_seconds, all_seconds)}``, over every round's timings."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            times[name] += measure(fn, device, warmup, repeat, min_warmup_seconds)[1]
    return {name: (statistics.median(ts), ts) for name, ts in times.items()}


def device_kind(device: str) -> str:
    """``"cpu"`` or ``"cuda"`` (``"cuda:1"`` -> ``"cuda"``): the suffix of a results file."""
    return device.split(":", 1)[0]


def write_json(name: str, payload: dict, device: str = "cpu") -> Path:
    """Write ``payload`` (plus the machine and a timestamp, unless present) to
    ``benchmarks/results/<name>_<device kind>.json``; returns the path. A quick run (``payload["quick"]``)
    goes to ``<name>_quick_<device kind>.json``, so a smoke test never overwrites a measurement."""
    payload = dict(payload)
    payload.setdefault("machine", machine_info(device))
    payload.setdefault("timestamp", datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"))
    RESULTS.mkdir(parents=True, exist_ok=True)
    if payload.get("quick") and not name.endswith("_quick"):
        name += "_quick"
    path = RESULTS / f"{name}_{device_kind(device)}.json"
    with open(path, "w") as f:
        json.dump(payload, f, indent=2, default=str)
        f.write("\n")
    return path


def print_table(rows: list[dict], columns: list[str], floatfmt: str = ".2f") -> None:
    """Print ``rows`` (dicts) as an aligned text table of ``columns``; missing values print as ``-``."""
    def cell(v):
        if v is None:
            return "-"
        return format(v, floatfmt) if isinstance(v, float) else str(v)
    body = [[cell(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(c), *(len(b[i]) for b in body)) if body else len(c) for i, c in enumerate(columns)]
    print("  ".join(c.rjust(w) for c, w in zip(columns, widths)))
    print("  ".join("-" * w for w in widths))
    for b in body:
        print("  ".join(v.rjust(w) for v, w in zip(b, widths)))
