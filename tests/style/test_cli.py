"""``minigan style``: a tiny run writes its pictures; every user error is one line and exit status 1."""
import json

import numpy as np
import pytest

from minigan.cli import main


def _run(capsys, *argv):
    rc = main(["style", "--quiet", *argv])
    out, err = capsys.readouterr()
    return rc, out, err


def test_tiny_run_writes_the_image_the_figure_and_the_losses(tmp_path, capsys):
    out_dir = tmp_path / "out"
    rc, out, err = _run(capsys, "--size", "32", "--steps", "3", "--out", str(out_dir))
    assert rc == 0, err
    for name in ("result.png", "side_by_side.png", "losses.png", "losses.json"):
        assert (out_dir / name).is_file(), name
    import matplotlib.image as mpimg
    assert mpimg.imread(out_dir / "result.png").shape[:2] == (32, 32)        # pixel for pixel
    summary = json.loads((out_dir / "losses.json").read_text())
    assert summary["content"] == "grace_hopper" and summary["style"] == "mosaic"
    assert set(summary["final"]) == {"content", "style", "tv", "total"}
    assert "style transfer: " in out


def test_texture_mode_with_adam(tmp_path, capsys):
    rc, out, err = _run(capsys, "--texture", "--style", "stripes", "--size", "32", "--steps", "2",
                        "--optimizer", "adam", "--out", str(tmp_path))
    assert rc == 0, err
    summary = json.loads((tmp_path / "losses.json").read_text())
    assert summary["content"] is None and "content" not in summary["final"]


def _one_error_line(rc, err):
    assert rc == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("minigan style: error: "), err
    return lines[0]


def test_missing_image(tmp_path, capsys):
    missing = tmp_path / "nope.jpg"
    line = _one_error_line(*_run(capsys, "--content", str(missing), "--size", "32", "--out", str(tmp_path))[::2])
    assert str(missing) in line and "grace_hopper" in line


def test_unreadable_image(tmp_path, capsys):
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"not a png at all")
    line = _one_error_line(*_run(capsys, "--style", str(bad), "--size", "32", "--out", str(tmp_path))[::2])
    assert "cannot read" in line and str(bad) in line


@pytest.mark.parametrize("content", [b"garbage", None])
def test_bad_weights_file(tmp_path, capsys, content):
    weights = tmp_path / "vgg19.npz"
    if content is None:
        np.savez(weights, **{"features.0.weight": np.zeros((64, 3, 3, 3), np.float32)})
    else:
        weights.write_bytes(content)
    line = _one_error_line(*_run(capsys, "--features", f"vgg19:{weights}", "--size", "32", "--out", str(tmp_path))[::2])
    assert str(weights) in line


def test_a_folder_or_a_foreign_file_as_an_input_names_the_path(tmp_path, capsys):
    import minigan as mg
    folder = tmp_path / "a_folder"
    folder.mkdir()
    checkpoint = mg.io.save(tmp_path / "checkpoint.npz", step=1)
    for argv, path in ((["--content", str(folder)], folder), (["--style", str(checkpoint)], checkpoint),
                       (["--features", f"vgg19:{folder}"], folder),
                       (["--features", f"vgg19:{checkpoint}"], checkpoint)):
        line = _one_error_line(*_run(capsys, *argv, "--size", "32", "--out", str(tmp_path / "out"))[::2])
        assert str(path) in line, line
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("argv,message", [
    (["--steps", "0"], "--steps must be at least 1, got 0"),
    (["--seed", "-1"], "--seed must be at least 0, got -1"),
    (["--lr", "0"], "--lr must be more than 0, got 0.0"),
    (["--lr", "-0.5", "--optimizer", "adam"], "--lr must be more than 0, got -0.5"),
    (["--content-weight", "-1"], "--content-weight must be at least 0, got -1.0"),
    (["--style-weight", "nan"], "--style-weight must be at least 0, got nan"),
    (["--tv-weight", "-0.001"], "--tv-weight must be at least 0, got -0.001"),
])
def test_numbers_out_of_range_are_refused_before_any_work(tmp_path, capsys, argv, message):
    line = _one_error_line(*_run(capsys, *argv, "--out", str(tmp_path / "out"))[::2])
    assert line == f"minigan style: error: {message}"
    assert not (tmp_path / "out").exists()


def test_seed_0_and_weights_of_0_are_used_as_given(tmp_path, capsys, monkeypatch):
    from minigan.style import transfer
    seen = {}

    def spy(content, style, extractor, **kwargs):
        seen.update(kwargs)
        raise KeyboardInterrupt          # stop here: the arguments are all this test needs
    monkeypatch.setattr(transfer, "style_transfer", spy)
    rc, out, err = _run(capsys, "--seed", "0", "--tv-weight", "0", "--style-weight", "0", "--content-weight", "0",
                        "--size", "32", "--out", str(tmp_path))
    assert rc == 130 and "interrupted" in err
    assert seen["seed"] == 0 and seen["tv_weight"] == 0 and seen["style_weight"] == 0 and seen["content_weight"] == 0


def test_a_usage_error_is_one_line(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["style", "--size", "big"])
    assert exit_.value.code == 2
    assert capsys.readouterr().err == ("minigan style: error: argument --size: invalid int value: 'big' "
                                       "(see minigan style --help)\n")


def test_unknown_layer_name(tmp_path, capsys):
    line = _one_error_line(*_run(capsys, "--features", "random-vgg", "--style-layers", "relu1_1,relu9_9",
                                 "--size", "32", "--out", str(tmp_path))[::2])
    assert "unknown style layer 'relu9_9'" in line and "valid names: conv1_1, relu1_1" in line


def test_unknown_extractor(tmp_path, capsys):
    line = _one_error_line(*_run(capsys, "--features", "resnet", "--out", str(tmp_path))[::2])
    assert "unknown extractor 'resnet'" in line


def test_style_layers_with_weights(tmp_path, capsys, monkeypatch):
    from minigan.style import transfer
    seen = {}
    real = transfer.style_transfer

    def spy(*args, **kwargs):
        seen.update(kwargs)
        return real(*args, **kwargs)
    monkeypatch.setattr(transfer, "style_transfer", spy)
    rc, out, err = _run(capsys, "--style-layers", "k3:2.5,k23", "--size", "32", "--steps", "2", "--out", str(tmp_path))
    assert rc == 0, err
    assert seen["style_layers"] == ["k3", "k23"] and seen["style_layer_weights"] == {"k3": 2.5, "k23": 1.0}
    line = _one_error_line(*_run(capsys, "--style-layers", "k3:lots", "--out", str(tmp_path))[::2])
    assert "--style-layers: the weight of layer 'k3' must be a number, got 'lots'" in line
