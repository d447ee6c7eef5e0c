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
import sys
from pathlib import Path
from typing import Any

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
# The timer and the table printer, shared with the ``minigan bench`` command: medians after a warm-up of at
# least MIN_WARMUP_SECONDS
# (OpenBLAS's worker threads keep spinning for 50 to 100 ms after NumPy's last product, and a PyTorch call in
# that time shares the cores with them), every block repeated over several rounds.
from minigan.bench import MIN_WARMUP_SECONDS, measure, measure_side_by_side, print_table  # noqa: E402,F401
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


def warmup_seconds_for(quick: bool) -> float:
    """The warm-up time a benchmark's blocks get: :data:`MIN_WARMUP_SECONDS`, or none in a ``--quick`` smoke run."""
    return 0.0 if quick else MIN_WARMUP_SECONDS


def cpu_threads() -> int:
    """The threads a CPU comparison runs with: NumPy's BLAS uses all cores unless the usual variables
    limit it, and PyTorch is given the same number (``OPENBLAS_NUM_THREADS=1`` gives a single-core
    comparison, steadier on a busy machine)."""
    return int(os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS") or os.cpu_count() or 1)


def threads_suffix(threads: int) -> str:
    """``""`` for a run on every core, else ``"_<n>thread"``: a results file's name says when it was not."""
    return "" if threads == (os.cpu_count() or 1) else f"_{threads}thread"


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
