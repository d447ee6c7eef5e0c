"""The benchmarks run: each script's quick mode on every device present, and the plots from its results.

These are smoke runs, not measurements (a test never times anything): each must finish, print its
comparison and, where it writes results, write a quick-run JSON that names itself quick, into a
temporary folder (``MINIGAN_BENCH_RESULTS``), never over the committed measurements.
"""
import json
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"

# script, its arguments, a line its output must hold, the start of the results file's name (None: it writes
# none); a quick run's file is ``<name>[_<n>thread]_quick_<device kind>.json``
QUICK_RUNS = [
    ("autograd_overhead.py", ["--quick"], "autograd overhead on", "autograd_overhead"),
    ("checkpoint_memory.py", ["--quick"], "checkpoint memory: MLP of", "checkpoint_memory"),
    ("conv.py", ["--quick"], "conv kernels, forward + both gradients", "conv"),
    ("dcgan_step.py", ["--quick"], "one two-phase step on", None),
    ("kernels.py", ["--quick"], "median ms (float32)", "kernels"),
]


def _run(script, args, results_dir):
    env = dict(os.environ, MINIGAN_BENCH_RESULTS=str(results_dir), OPENBLAS_NUM_THREADS="1",
               OMP_NUM_THREADS="1", MPLBACKEND="Agg")
    proc = subprocess.run([sys.executable, str(BENCHMARKS / script), *args], env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, f"{script} {' '.join(args)} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    return proc.stdout


@pytest.mark.parametrize("script,args,expect,results", QUICK_RUNS, ids=[r[0] for r in QUICK_RUNS])
def test_quick_run(device, tmp_path, script, args, expect, results):
    kind = device.split(":")[0]
    out = _run(script, args + ["--device", kind], tmp_path)
    assert expect in out
    if results is None:
        assert not list(tmp_path.iterdir())
        return
    written = sorted(tmp_path.glob(f"{results}*_quick_{kind}.json"))
    assert len(written) == 1, f"{script} wrote {[p.name for p in tmp_path.iterdir()]}"
    path = written[0]
    payload = json.loads(path.read_text())
    assert payload["quick"] is True
    assert payload["machine"]["python"]


def test_dcgan_step_on_the_gpu_compares_with_the_numpy_path(cuda_device, tmp_path):
    out = _run("dcgan_step.py", ["--quick", "--device", "cuda", "--size", "64", "--channels", "3",
                                 "--width", "8"], tmp_path)
    assert "minigan cuda" in out and "minigan cpu" in out
    assert "GPU speed-up over its NumPy path" in out


def test_dcgan_memory_quick_run(tmp_path):
    out = _run("dcgan_memory.py", ["--quick"], tmp_path)
    assert "ratio minigan / torch (peak)" in out or "PyTorch is not installed" in out
    written = [p.name for p in tmp_path.iterdir()]
    assert written == ["dcgan_memory_quick_cpu.json"], written
    payload = json.loads((tmp_path / written[0]).read_text())
    assert payload["quick"] is True and payload["rows"][0]["lib"] == "minigan"


def test_plots_are_drawn_from_results(tmp_path):
    results = tmp_path / "results"
    _run("conv.py", ["--quick", "--device", "cpu"], results)
    _run("kernels.py", ["--quick", "--device", "cpu"], results)
    _run("plot.py", ["--results", str(results), "--out", str(tmp_path / "plots")], results)
    pngs = sorted(p.name for p in (tmp_path / "plots").glob("*.png"))
    assert any(name.startswith("kernels_") for name in pngs), pngs
    assert any(name.startswith("conv_") for name in pngs), pngs
    for name in pngs:
        assert (tmp_path / "plots" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def _common():
    """The benchmarks' shared helpers module, ``benchmarks/_common.py``."""
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import _common
    finally:
        sys.path.remove(str(BENCHMARKS))
    return _common


def test_side_by_side_rounds_interleave_the_blocks(_common):
    """``rounds`` repeats the whole sequence of blocks: a, b, a, b (each block its warm-up, then its timed
    calls), and every round's timings are kept. The order of the calls is checked, not any time."""
    calls = []
    fns = {"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}
    out = _common.measure_side_by_side(fns, warmup=1, repeat=2, rounds=3, min_warmup_seconds=0)
    assert calls == (["a"] * 3 + ["b"] * 3) * 3
    assert set(out) == {"a", "b"} and all(len(ts) == 6 for _, ts in out.values())


def test_warm_up_lasts_long_enough_for_other_threads_to_sleep(_common, monkeypatch):
    """A block warms up for at least ``min_warmup_seconds`` (another library's threads, still spinning, must
    not be counted), and for at least ``warmup`` calls; no warm-up at all when ``warmup`` is 0 (the naive
    loops, too slow to repeat). The clock is a fake that each call moves on by 0.1 s: nothing is timed."""
    import minigan.bench                        # the timer's home, which the benchmarks share
    clock = [0.0]
    monkeypatch.setattr(minigan.bench, "time", types.SimpleNamespace(perf_counter=lambda: clock[0]))
    calls = []

    def fn():
        calls.append(1)
        clock[0] += 0.1

    def count(**kw):
        calls.clear()
        _common.measure(fn, repeat=2, **kw)
        return len(calls) - 2                   # the warm-up calls
    assert count(warmup=1, min_warmup_seconds=0.35) == 4
    assert count(warmup=6, min_warmup_seconds=0.35) == 6
    assert count(warmup=0, min_warmup_seconds=0.35) == 0
    assert count(warmup=2) == 2


def test_timed_calls_last_at_least_min_timed_seconds(_common, monkeypatch):
    """Timed calls go on until there are ``repeat`` of them and they have taken ``min_timed_seconds``; the
    median is over all of them. The clock is a fake that each call moves on by 0.1 s: nothing is timed."""
    import minigan.bench
    clock = [0.0]
    monkeypatch.setattr(minigan.bench, "time", types.SimpleNamespace(perf_counter=lambda: clock[0]))

    def fn():
        clock[0] += 0.1

    assert len(_common.measure(fn, warmup=0, repeat=2, min_timed_seconds=0.45)[1]) == 5
    assert len(_common.measure(fn, warmup=0, repeat=7, min_timed_seconds=0.45)[1]) == 7
    assert len(_common.measure(fn, warmup=0, repeat=2)[1]) == 2
    calls = []
    out = _common.measure_side_by_side({"a": lambda: calls.append("a") or fn()}, warmup=0, repeat=1, rounds=2,
                                       min_warmup_seconds=0, min_timed_seconds=0.25)
    assert len(out["a"][1]) == len(calls) == 6                       # three timed calls in each of two rounds


def test_gan_quality_only_adds_its_row_to_the_recorded_table(tmp_path):
    """``--only SETTING`` reruns one knob and puts its row into the recorded table, in the table's order;
    a table recorded with other steps is refused."""
    import dataclasses
    from minigan.gan.trainer import GANConfig
    defaults = json.loads(json.dumps(dataclasses.asdict(GANConfig())))
    old_row = {"setting": "lr 10x both", "reached": "0/3"}
    (tmp_path / "gan_quality_knobs_cpu.json").write_text(json.dumps(
        {"steps": 2, "defaults": defaults, "rows": [{"setting": "spectral norm on D", "reached": "stale"}, old_row]}))
    out = _run("gan_quality.py", ["--knobs", "--skip-default", "--knob-steps", "2", "--only", "spectral norm on D"],
               tmp_path)
    assert "spectral norm on D:" in out
    table = json.loads((tmp_path / "gan_quality_knobs_cpu.json").read_text())
    assert [r["setting"] for r in table["rows"]] == ["lr 10x both", "spectral norm on D"]
    assert table["rows"][0] == old_row and table["rows"][1]["reached"] != "stale"
    assert len(table["rows"][1]["runs"]) == 3 and table["complete"] is False
    env = dict(os.environ, MINIGAN_BENCH_RESULTS=str(tmp_path))
    proc = subprocess.run([sys.executable, str(BENCHMARKS / "gan_quality.py"), "--knobs", "--skip-default",
                           "--knob-steps", "3", "--only", "default"], env=env, capture_output=True, text=True)
    assert proc.returncode != 0 and "used other steps or defaults" in proc.stderr
