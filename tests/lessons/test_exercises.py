"""The exercise checker: every stub is "not done yet", every solution passes, and wrong solutions are
caught with a report that names the element, the expected and the computed value."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import minigan
from minigan import exercises
from minigan.cli import main as cli_main
from minigan.exercises import EXERCISES, check, find_exercise_file

ROOT = Path(__file__).resolve().parents[2]
STUBS = ROOT / "lessons" / "exercises"
SOLUTIONS = STUBS / "solutions"


def test_every_exercise_has_a_stub_and_a_solution():
    assert len(EXERCISES) == 8
    missing = [n for n in EXERCISES if not (STUBS / f"{n}.py").is_file() or not (SOLUTIONS / f"{n}.py").is_file()]
    assert missing == []


@pytest.mark.parametrize("name", EXERCISES)
def test_stub_is_reported_not_done_yet(name):
    res = check(name, STUBS / f"{name}.py")
    assert res.status == "not done yet", str(res)
    assert res.exit_code == 2
    assert "still raises NotImplementedError" in str(res)


@pytest.mark.parametrize("name", EXERCISES)
def test_solution_passes(name):
    res = check(name, SOLUTIONS / f"{name}.py")
    assert res.status == "passed", str(res)
    assert res.exit_code == 0


def _planted(tmp_path, name: str, old: str, new: str) -> Path:
    """A copy of the solution with ``old`` replaced by ``new`` (which must occur)."""
    text = (SOLUTIONS / f"{name}.py").read_text()
    assert old in text, f"the planted bug no longer applies to the solution of {name}"
    path = tmp_path / f"{name}.py"
    path.write_text(text.replace(old, new))
    return path


PLANTED = {
    # the classic: assigning where overlapping windows must accumulate
    "conv2d_grads": ("grad_x_pad[window] += g * w[co]", "grad_x_pad[window] = g * w[co]"),
    "maxpool_backward": ("+= grad_output[n, c, oh, ow]", "= grad_output[n, c, oh, ow]"),
    # cropping the padding from one border only
    "conv_transpose2d_forward": ("canvas[:, :, p:p + H_out, p:p + W_out]", "canvas[:, :, :H_out, :W_out]"),
    # assuming the upstream gradient is symmetric
    "gram_matrix": ("np.matmul(g + g.transpose(0, 2, 1), F)", "np.matmul(2 * g, F)"),
    "sigmoid_backward": ("grad_output * s * (1 - s)", "grad_output * s"),
    "matmul_backward": ("grad_b = a.T @ grad_output", "grad_b = (grad_output.T @ a).T * 0.5"),   # right shape, half
    # softplus written directly: exp(1000) overflows
    "bce_with_logits": ("softplus = mg.maximum(logits, 0.0) + (1 + (-logits.abs()).exp()).log()",
                        "softplus = (1 + logits.exp()).log()"),
    "generator_loss": ("softplus(-d_fake_logits).mean() * 0.5", "softplus(-d_fake_logits).mean()"),
}


@pytest.mark.parametrize("name", EXERCISES)
def test_planted_wrong_solution_is_caught(name, tmp_path):
    res = check(name, _planted(tmp_path, name, *PLANTED[name]))
    assert res.status == "failed", str(res)
    assert res.exit_code == 1
    assert "  FAIL  " in str(res)


def test_failure_names_the_output_the_element_and_both_values(tmp_path):
    res = check("conv2d_grads", _planted(tmp_path, "conv2d_grads", *PLANTED["conv2d_grads"]))
    text = str(res)
    m = re.search(r"grad_x is wrong at element \((\d+), (\d+), (\d+), (\d+)\): expected (\S+), computed (\S+)", text)
    assert m, text
    assert float(m.group(5)) != float(m.group(6))
    assert "windows overlap" in text                       # the case that failed is named
    assert "central difference at that element gives" in text


def test_a_crash_in_the_learners_code_is_a_failure_with_its_line(tmp_path):
    path = tmp_path / "attempt.py"
    path.write_text("import numpy as np\n\ndef sigmoid_backward(x, grad_output):\n    return grad_output @ x[None]\n")
    res = check("sigmoid_backward", path)
    assert res.status == "failed"
    assert "raised ValueError" in str(res) and "line 4" in str(res)


def test_wrong_shape_and_missing_function_are_reported(tmp_path):
    wrong_shape = tmp_path / "shape.py"
    wrong_shape.write_text("def matmul_backward(a, b, g):\n    return g @ b.T, (a.T @ g).T\n")
    res = check("matmul_backward", wrong_shape)
    assert res.status == "failed" and "grad_b has shape (5, 4), expected (4, 5)" in str(res)
    renamed = tmp_path / "renamed.py"
    renamed.write_text("def matmul_grad(a, b, g):\n    return None\n")
    res = check("matmul_backward", renamed)
    assert res.status == "failed" and "no function `matmul_backward`" in str(res)


def test_a_loss_written_in_numpy_is_refused(tmp_path):
    path = tmp_path / "numpy_loss.py"
    path.write_text("import numpy as np\n\ndef bce_with_logits(a, t):\n"
                    "    a, t = a.numpy(), t.numpy()\n    return np.mean(np.logaddexp(0, a) - t * a)\n")
    res = check("bce_with_logits", path)
    assert res.status == "failed" and "return a minigan Tensor" in str(res)


@pytest.mark.parametrize("kind,slope", [("non_saturating", "-0.5"), ("minimax", "-2.27e-05"),
                                        ("max_likelihood", "-2.27e-05")])
def test_each_generator_loss_passes_and_shows_its_slope(kind, slope, tmp_path):
    body = {"non_saturating": "softplus(-a).mean() * 0.5", "minimax": "softplus(a).mean() * -0.5",
            "max_likelihood": "a.exp().mean() * -0.5"}[kind]
    path = tmp_path / "g.py"
    path.write_text(f"import minigan as mg\nKIND = {kind!r}\n\ndef softplus(a):\n"
                    f"    return mg.maximum(a, 0.0) + (1 + (-a.abs()).exp()).log()\n\n"
                    f"def generator_loss(a):\n    return {body}\n")
    res = check("generator_loss", path)
    assert res.status == "passed", str(res)
    assert f"logit -10, D(G(z)) = 4.5e-05) is {slope}" in str(res)


def test_an_unknown_kind_of_generator_loss_is_a_failure(tmp_path):
    path = tmp_path / "g.py"
    path.write_text("KIND = 'wasserstein'\n\ndef generator_loss(a):\n    raise NotImplementedError\n")
    res = check("generator_loss", path)
    assert res.status == "failed" and "'non_saturating'" in str(res)


def test_half_done_is_not_done_yet_and_says_what_passed(tmp_path):
    text = (SOLUTIONS / "gram_matrix.py").read_text()
    head = text[:text.index("def gram_matrix_backward")]
    path = tmp_path / "gram.py"
    path.write_text(head + "def gram_matrix_backward(features, grad_output):\n    raise NotImplementedError\n")
    res = check("gram_matrix", path)
    assert res.status == "not done yet"
    assert "  ok    gram_matrix, features" in str(res) and "`gram_matrix_backward`" in str(res)


def test_file_lookup_prefers_the_current_directory(tmp_path, monkeypatch):
    local = tmp_path / "lessons" / "exercises"
    local.mkdir(parents=True)
    (local / "sigmoid_backward.py").write_text((SOLUTIONS / "sigmoid_backward.py").read_text())
    monkeypatch.chdir(tmp_path)
    assert find_exercise_file("sigmoid_backward").resolve() == (local / "sigmoid_backward.py").resolve()
    assert check("sigmoid_backward").status == "passed"          # the local solution, not the repo's stub
    # a name with no local file falls back to the repository beside the package
    assert find_exercise_file("matmul_backward").resolve() == (STUBS / "matmul_backward.py").resolve()


def test_no_file_anywhere_names_the_paths_tried(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(minigan, "__file__", str(tmp_path / "site" / "minigan" / "__init__.py"))
    with pytest.raises(FileNotFoundError, match=r"tried .*lessons.exercises.gram_matrix\.py and .*site"):
        find_exercise_file("gram_matrix")


def test_unknown_name_suggests_the_closest(capsys):
    with pytest.raises(ValueError, match="did you mean 'conv2d_grads'"):
        check("conv2d_grad")
    assert exercises.main(["check", "conv2d_grad"]) == 1
    assert "unknown exercise" in capsys.readouterr().err


def test_cli_check_and_list(capsys):
    assert cli_main(["exercise", "check", "conv2d_grads", "--file", str(SOLUTIONS / "conv2d_grads.py")]) == 0
    assert "passed" in capsys.readouterr().out
    assert cli_main(["exercise", "check", "conv2d_grads", "--file", str(STUBS / "conv2d_grads.py")]) == 2
    assert "not done yet" in capsys.readouterr().out
    assert cli_main(["exercise", "list"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in EXERCISES)


def test_python_dash_m_minigan_exercises(tmp_path):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT)] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    run = [sys.executable, "-m", "minigan.exercises", "check", "maxpool_backward", "--file"]
    stub = subprocess.run(run + [str(STUBS / "maxpool_backward.py")], env=env, capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)
    assert stub.returncode == 2 and "not done yet" in stub.stdout, stub.stdout + stub.stderr
    assert "Traceback" not in stub.stderr
    solved = subprocess.run(run + [str(SOLUTIONS / "maxpool_backward.py")], env=env, capture_output=True, text=True,
                            cwd=tmp_path, timeout=120)
    assert solved.returncode == 0 and "passed" in solved.stdout, solved.stdout + solved.stderr
