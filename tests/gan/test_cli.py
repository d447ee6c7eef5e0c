"""``minigan gan train`` / ``gan sample`` end to end on a tiny run, and the errors a user can cause."""
import dataclasses
import json

import numpy as np
import pytest

import minigan as mg
from minigan.cli import main
from minigan.gan import trainer as trainer_module

TINY = ["--steps", "2", "--batch", "8", "--width", "4", "--sample-every", "1", "--quiet"]


def test_train_with_anomaly_detection(tmp_path):
    with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):
        assert main(["gan", "train", "--out", str(tmp_path / "run"), "--detect-anomaly", *TINY]) == 0
    assert (tmp_path / "run" / "checkpoint.npz").is_file() and not mg.is_anomaly_enabled()


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
    capsys.readouterr()
    assert main(["gan", "train", "--out", str(out), "--resume", "--steps", "3", "--quiet"]) == 1   # nothing to do
    assert "is at step 3 already; give a larger total with --steps (now 3)" in capsys.readouterr().err


@pytest.mark.parametrize("args,message", [
    (["gan", "train", "--data", "folder:{tmp}/missing"], "no folder at {tmp}/missing"),
    (["gan", "train", "--data", "cifar"], "--data: expected digits, mnist:DIR, fashion:DIR or folder:DIR, got 'cifar'"),
    (["gan", "train", "--data", "mnist:{tmp}"], "files not found in {tmp}/mnist"),
    (["gan", "train", "--resume", "{tmp}/none.npz"], "no checkpoint at {tmp}/none.npz"),
    (["gan", "sample", "--ckpt", "{tmp}/none.npz"], "no checkpoint at {tmp}/none.npz"),
    (["gan", "train", "--model", "dcgan", "--size", "20"], "got 20"),
    (["gan", "train", "--steps", "0"], "--steps must be at least 1, got 0"),
    (["gan", "train", "--resume", "{tmp}/none.npz", "--steps", "0"], "--steps must be at least 1, got 0"),
    (["gan", "train", "--size", "0"], "--size must be at least 1, got 0"),
    (["gan", "train", "--batch", "0"], "--batch must be at least 1, got 0"),
    (["gan", "train", "--seed", "-1"], "--seed must be at least 0, got -1"),
    (["gan", "train", "--lr-d", "-0.1"], "--lr-d must be at least 0, got -0.1"),
    (["gan", "train", "--lr-g", "nan"], "--lr-g must be at least 0, got nan"),
    (["gan", "train", "--sample-every", "-5"], "--sample-every must be at least 0, got -5"),
    (["gan", "train", "--augment", "translation,flip"], "--augment: unknown augmentation 'flip'; choose among"),
    (["gan", "sample", "--ckpt", "{tmp}/none.npz", "--n", "0"], "--n must be at least 1, got 0"),
    (["gan", "sample", "--ckpt", "{tmp}/none.npz", "--seed", "-1"], "--seed must be at least 0, got -1"),
])
def test_errors_are_one_readable_line(tmp_path, capsys, args, message):
    args = [a.format(tmp=tmp_path) for a in args] + ["--out", str(tmp_path / "o")] * (args[1] == "train")
    assert main(args) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message.format(tmp=tmp_path) in err
    assert err.startswith(f"minigan gan {args[1]}: error: ")
    assert not (tmp_path / "o").exists()                # refused before any work


class _NoTraining:
    """Stands in for the Trainer: records the config the command built, and trains nothing."""
    seen = []

    def __init__(self, config, images):
        self.seen.append(config)

    def fit(self, out, quiet=False):
        pass


@pytest.mark.parametrize("args,expected", [
    ([], {"steps": 6000, "seed": 0, "size": 8, "sample_every": 500, "smooth": 0.0,      # real images labelled 1
          "d_spectral_norm": False, "augment": ""}),
    (["--spectral-norm"], {"d_spectral_norm": True}),
    (["--augment", "translation,cutout"], {"augment": "translation,cutout"}),
    (["--seed", "0", "--steps", "7"], {"steps": 7, "seed": 0}),
    (["--seed", "3", "--sample-every", "0"], {"seed": 3, "sample_every": 0, "checkpoint_every": 0}),
    (["--model", "dcgan"], {"size": 16}),
    (["--lr-d", "0", "--smooth", "0.1"], {"lr_d": 0.0, "smooth": 0.1}),
])
def test_options_reach_the_config_as_given(tmp_path, monkeypatch, args, expected):
    """A 0 the user gives is that 0, and an option left out takes GANConfig's default."""
    monkeypatch.setattr(trainer_module, "Trainer", _NoTraining)
    _NoTraining.seen.clear()
    assert main(["gan", "train", "--out", str(tmp_path), "--quiet", *args]) == 0
    config = _NoTraining.seen[0]
    assert {k: getattr(config, k) for k in expected} == expected


def test_a_checkpoint_of_something_else_names_the_path(tmp_path, capsys):
    other = mg.io.save(tmp_path / "other.npz", weights=np.zeros(3), step=1)
    for argv in (["gan", "sample", "--ckpt", str(other), "--out", str(tmp_path / "grid.png")],
                 ["gan", "train", "--resume", str(other), "--out", str(tmp_path / "o")]):
        assert main(argv) == 1
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1
        assert f"{other} is not a `minigan gan train` checkpoint (it has no config)" in err, err
    from minigan.gan.models import build_models
    G, _ = build_models("fc", 8, 1, 100, 32)
    partial = mg.io.save(tmp_path / "partial.npz", config=dataclasses.asdict(trainer_module.GANConfig()),
                         G=G.state_dict(), step=1)
    assert main(["gan", "train", "--resume", str(partial), "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err.strip()
    assert f"{partial} is not a complete `minigan gan train` checkpoint (it has no D)" in err, err


def test_a_usage_error_is_one_line(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["gan", "train", "--steps", "abc"])
    assert exit_.value.code == 2
    assert capsys.readouterr().err == ("minigan gan train: error: argument --steps: invalid int value: 'abc' "
                                       "(see minigan gan train --help)\n")


def _option_help(capsys, argv) -> dict:
    """``--help`` as {option: its help text}, the wrapped lines of each entry joined."""
    with pytest.raises(SystemExit) as exit_:
        main([*argv, "--help"])
    assert exit_.value.code == 0
    entries = {}
    text = capsys.readouterr().out
    options = text[text.index("options:"):].splitlines()[1:]
    for line in options:
        if line.startswith("  -"):
            name, *rest = line.split()
            entries[name.rstrip(",")] = rest
        elif line.strip():
            entries[name.rstrip(",")] += line.split()
    return {name: " ".join(words) for name, words in entries.items()}


@pytest.mark.parametrize("command", ["train", "sample"])
def test_help_states_each_default_once(capsys, command):
    helps = _option_help(capsys, ["gan", command])
    no_default = {"-h", "--quiet", "--resume", "--ckpt", "--detect-anomaly"}
    for name, text in helps.items():
        assert "(default: None)" not in text and "(default: False)" not in text, text
        assert text.count("default") == (0 if name in no_default else 1), text
    if command == "train":
        for name in ("--batch", "--lr-d", "--lr-g", "--seed", "--steps"):
            assert "(default " in helps[name], helps[name]
        assert helps["--steps"].startswith("STEPS generator steps in all (default 6000")
