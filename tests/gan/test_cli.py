"""``minigan gan train`` / ``gan sample`` end to end on a tiny run, and the errors a user can cause."""
import json

import pytest

from minigan.cli import main

TINY = ["--steps", "2", "--batch", "8", "--width", "4", "--sample-every", "1", "--quiet"]


def test_train_then_sample_then_resume(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["gan", "train", "--out", str(out), *TINY]) == 0
    for name in ("checkpoint.npz", "metrics.json", "losses.png", "samples.png", "samples/step_000001.png"):
        assert (out / name).is_file(), name
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["step"] == 2 and metrics["final_quality"]["n"] == 500
    assert main(["gan", "sample", "--ckpt", str(out / "checkpoint.npz"), "--n", "9",
                 "--out", str(tmp_path / "grid.png")]) == 0
    assert (tmp_path / "grid.png").is_file()
    assert main(["gan", "train", "--out", str(out), "--resume", "--steps", "3", "--quiet"]) == 0
    assert json.loads((out / "metrics.json").read_text())["step"] == 3


@pytest.mark.parametrize("args,message", [
    (["gan", "train", "--data", "folder:{tmp}/missing"], "no folder at {tmp}/missing"),
    (["gan", "train", "--data", "cifar"], "--data: expected digits, mnist:DIR, fashion:DIR or folder:DIR, got 'cifar'"),
    (["gan", "train", "--data", "mnist:{tmp}"], "files not found in {tmp}/mnist"),
    (["gan", "train", "--resume", "{tmp}/none.npz"], "no checkpoint at {tmp}/none.npz"),
    (["gan", "sample", "--ckpt", "{tmp}/none.npz"], "no checkpoint at {tmp}/none.npz"),
    (["gan", "train", "--model", "dcgan", "--size", "20"], "got 20"),
])
def test_errors_are_one_readable_line(tmp_path, capsys, args, message):
    args = [a.format(tmp=tmp_path) for a in args] + ["--out", str(tmp_path / "o")] * (args[1] == "train")
    assert main(args) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message.format(tmp=tmp_path) in err
