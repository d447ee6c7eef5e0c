"""The registry behind `minigan gradcheck`: every op passes in float64 on every device, and the
command itself prints a table and fails when an op fails."""
import re

import numpy as np
import pytest

import minigan as mg
from minigan import checks
from minigan.cli import main


@pytest.mark.parametrize("case", checks.REGISTRY, ids=[c.name for c in checks.REGISTRY])
def test_registered_op_passes_gradcheck(case, device):
    report = checks.run_case(case, device)
    assert report.passed, str(report)
    assert report.rows, "a gradcheck that compared nothing proves nothing"


def test_command_prints_one_row_per_op(capsys):
    assert main(["gradcheck", "--op", "conv"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("conv")]
    assert len(rows) == sum("conv" in c.name for c in checks.REGISTRY) and all("pass" in r for r in rows)


@pytest.fixture
def broken_registry(monkeypatch):
    """The registry replaced by one op whose backward has a stray factor of 2."""
    class Doubled(mg.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 3

        @staticmethod
        def backward(ctx, gy):
            return gy * 6

    monkeypatch.setattr(checks, "REGISTRY", [checks.Case("broken", lambda rs: (Doubled.apply, [checks._t(rs, 3)]))])


def test_command_fails_when_an_op_is_wrong(capsys, broken_registry):
    assert main(["gradcheck"]) == 1
    assert "FAIL" in capsys.readouterr().out


def test_gradcheck_quiet_prints_the_summary_line_only(capsys):
    status = main(["gradcheck", "--op", "relu", "--quiet"])
    out = capsys.readouterr().out
    assert len(out.splitlines()) == 1, out
    assert re.fullmatch(r"\d+ passed, (\d+) failed \(\d+\.\d s\)\n", out), out
    assert status == (0 if " 0 failed" in out else 1)


def test_gradcheck_quiet_with_a_failure_is_one_line_and_status_1(capsys, broken_registry):
    assert main(["gradcheck", "--quiet"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("0 passed, 1 failed") and len(out.splitlines()) == 1, out


def test_unknown_op_is_one_line_error(capsys):
    assert main(["gradcheck", "--op", "no-such-op"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no-such-op" in err[0]


def test_info_reports_cuda_status(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "numpy" in out and "BLAS" in out and "cuda" in out
    from minigan.kernels import threads
    assert f"CPU        {threads.slice_threads()} thread" in out
    ok, why = mg.backend.cupy_status()
    assert why in out


def test_registry_inputs_are_float64():
    fn, specs = checks.REGISTRY[0].make(np.random.default_rng(0))
    inputs = checks.build_inputs(specs, "cpu")
    assert all(t.dtype == np.float64 for t in inputs if isinstance(t, mg.Tensor))
