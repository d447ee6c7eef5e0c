"""Every lesson runs, as a script, in quick mode: the learning path cannot silently rot.

Lessons are found by name (``lessons/NN_*.py``), so lessons added later are run too. Each runs in a
fresh interpreter from a scratch directory, importing this checkout's minigan."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LESSONS = sorted((ROOT / "lessons").glob("[0-9][0-9]_*.py"))
FIRST_FIVE = ["01_autograd.py", "02_gradcheck.py", "03_convolution.py", "04_transposed_convolution.py",
              "05_layers_of_a_dcgan.py"]


def test_the_first_five_lessons_are_there():
    names = [p.name for p in LESSONS]
    assert [n for n in FIRST_FIVE if n not in names] == []


@pytest.mark.parametrize("lesson", LESSONS, ids=[p.name for p in LESSONS])
def test_lesson_is_a_jupytext_percent_script(lesson):
    text = lesson.read_text(encoding="utf-8")
    assert "format_name: percent" in text
    assert "\n# %% [markdown]\n" in text and "\n# %%\n" in text   # prose cells and code cells


@pytest.mark.parametrize("lesson", LESSONS, ids=[p.name for p in LESSONS])
def test_lesson_runs_in_quick_mode(lesson, tmp_path):
    env = dict(os.environ, MINIGAN_QUICK="1", MPLBACKEND="Agg")
    # One BLAS thread: the lessons run while other tests hold the cores, and oversubscribed BLAS
    # threads spin-wait for each other (10-30x slower on a busy 2-core machine).
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    env.setdefault("OMP_NUM_THREADS", "1")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in [os.environ.get("PYTHONPATH")] if p])
    proc = subprocess.run([sys.executable, str(lesson)], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, (f"{lesson.name} exited with {proc.returncode}\n--- stdout (end)\n"
                                  f"{proc.stdout[-3000:]}\n--- stderr (end)\n{proc.stderr[-3000:]}")
    assert proc.stdout.strip(), f"{lesson.name} printed nothing: a lesson prints the numbers it discusses"
    assert "Traceback" not in proc.stderr
