"""The training-kit script works end to end: >= 95% held-out accuracy with Adam, the same accuracy after a
checkpoint round trip, and the two pictures written."""
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_training_kit_script(tmp_path):
    env = dict(os.environ, MINIGAN_QUICK="1", MPLBACKEND="Agg", OPENBLAS_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in [os.environ.get("PYTHONPATH")] if p])
    proc = subprocess.run([sys.executable, str(ROOT / "lessons" / "training_kit.py")], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    after = float(re.search(r"after \d+ epochs: ([0-9.]+)", proc.stdout).group(1))
    reloaded = re.search(r"round trip: ([0-9.]+) \(same: (\w+)\)", proc.stdout)
    assert after >= 0.95, proc.stdout
    assert float(reloaded.group(1)) == after and reloaded.group(2) == "True"
    figures = ROOT / "lessons" / "figures"
    for name in ("training_kit_digits.png", "training_kit_loss.png"):
        assert (figures / name).stat().st_size > 1000
