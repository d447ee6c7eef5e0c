"""The ``minigan`` command as a whole: a usage error is one line (exit status 2) while ``--help`` stays full,
and a reader that stops early ends the command quietly. (The subcommands' own errors and output are tested
beside them: tests/gan/test_cli.py, tests/style/test_cli.py, tests/test_checks.py for gradcheck.)"""
import subprocess
import sys

import pytest

from minigan.cli import main


@pytest.mark.parametrize("argv,prog,message", [
    ([], "minigan", "the following arguments are required: COMMAND"),
    (["nope"], "minigan", "argument COMMAND: invalid choice: 'nope'"),
    (["info", "extra"], "minigan info", "unrecognized arguments: extra"),
    (["gradcheck", "--bogus"], "minigan gradcheck", "unrecognized arguments: --bogus"),
    (["gan"], "minigan gan", "the following arguments are required: {train,sample}"),
    (["gan", "sample"], "minigan gan sample", "the following arguments are required: --ckpt"),
    (["gan", "train", "--lr-g", "fast"], "minigan gan train", "argument --lr-g: invalid float value: 'fast'"),
    (["gan", "train", "--betas-d", "0.5"], "minigan gan train", "expected two numbers like 0.5,0.999, got '0.5'"),
    (["gan", "train", "--model", "vae"], "minigan gan train", "argument --model: invalid choice: 'vae'"),
    (["style", "--optimizer", "sgd"], "minigan style", "argument --optimizer: invalid choice: 'sgd'"),
    (["exercise", "check"], "minigan exercise check", "the following arguments are required: NAME"),
])
def test_a_usage_error_is_one_line_with_exit_status_2(capsys, argv, prog, message):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    out, err = capsys.readouterr()
    assert out == "" and err.endswith("\n") and len(err.splitlines()) == 1, err
    assert err.startswith(f"{prog}: error: ") and message in err and err.rstrip().endswith(f"(see {prog} --help)")


@pytest.mark.parametrize("argv", [[], ["gan", "train"], ["style"], ["gradcheck"]])
def test_help_is_still_the_full_help(capsys, argv):
    with pytest.raises(SystemExit) as exit_:
        main([*argv, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: minigan") and "options:" in out and len(out.splitlines()) > 5


def test_python_dash_m_minigan_exercises_usage_error_is_one_line():
    run = subprocess.run([sys.executable, "-m", "minigan.exercises", "check"], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr == ("python -m minigan exercise check: error: the following arguments are required: NAME "
                          "(see python -m minigan exercise check --help)\n")


def test_a_reader_that_stops_early_ends_the_command_quietly():
    """``minigan info | head -2``: the reader has gone, so the writes fail; no error and no traceback."""
    proc = subprocess.Popen([sys.executable, "-m", "minigan", "info"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()                     # gone before the command writes its first line
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 1
    assert err == "", err


def test_a_closed_stdout_is_not_reported_as_an_error(capsys, monkeypatch):
    class ClosedPipe:
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self):
            pass
    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    assert main(["info"]) == 1
    assert capsys.readouterr().err == ""
