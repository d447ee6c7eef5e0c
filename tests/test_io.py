"""Checkpoints: round trips, atomic writes, and clear errors for bad files."""
import math
import os

import numpy as np
import pytest

import minigan as mg
from minigan import backend, io
from minigan.io import CheckpointError


def test_nested_round_trip(tmp_path, rng):
    w = rng.standard_normal((3, 4)).astype(np.float32)
    state = {
        "model": {"fc.weight": w, "fc.bias": np.zeros(4, np.float64), "steps": np.int64(5)},
        "history": {"D": [0.5, 0.25], "G": []},
        "shape": (2, (3, 4)), "names": ["a", "ß", ""], "flags": [True, False, None],
        "big": 2 ** 100, "neg": -3, "pi": math.pi, "specials": [float("inf"), -float("inf"), -0.0],
        "int_keys": {0: "zero", 7: [1, 2]}, "empty": {}, "scalar0d": np.array(2.5, np.float16),
    }
    io.save(tmp_path / "ck.npz", **state)
    back = io.load(tmp_path / "ck.npz")
    np.testing.assert_array_equal(back["model"]["fc.weight"], w)
    assert back["model"]["fc.weight"].dtype == np.float32 and back["model"]["fc.bias"].dtype == np.float64
    assert back["model"]["steps"] == 5 and back["model"]["steps"].dtype == np.int64
    assert back["history"] == {"D": [0.5, 0.25], "G": []}
    assert back["shape"] == (2, (3, 4)) and isinstance(back["shape"][1], tuple)
    assert back["names"] == ["a", "ß", ""] and back["flags"] == [True, False, None]
    assert back["big"] == 2 ** 100 and back["neg"] == -3 and back["pi"] == math.pi
    assert back["specials"][:2] == [math.inf, -math.inf] and math.copysign(1, back["specials"][2]) == -1
    assert back["int_keys"] == {0: "zero", 7: [1, 2]} and back["empty"] == {}
    assert back["scalar0d"].shape == () and back["scalar0d"].dtype == np.float16
    assert isinstance(back["flags"][0], bool) and isinstance(back["neg"], int)


def test_nan_survives(tmp_path):
    io.save(tmp_path / "n.npz", x=float("nan"))
    assert math.isnan(io.load(tmp_path / "n.npz")["x"])


def test_rng_state_with_big_integers_restores_the_stream(tmp_path):
    gen = np.random.default_rng(2024)
    gen.random(3)
    io.save(tmp_path / "rng.npz", rng=gen.bit_generator.state, minigan_rng=backend.get_rng_state())
    expected = gen.random(5)
    restored = np.random.default_rng()
    restored.bit_generator.state = io.load(tmp_path / "rng.npz")["rng"]
    np.testing.assert_array_equal(restored.random(5), expected)
    mt = np.random.Generator(np.random.MT19937(1))              # a state holding an array
    io.save(tmp_path / "mt.npz", s=mt.bit_generator.state)
    expected = mt.random(4)
    again = np.random.Generator(np.random.MT19937())
    again.bit_generator.state = io.load(tmp_path / "mt.npz")["s"]
    np.testing.assert_array_equal(again.random(4), expected)


def test_tensors_are_stored_as_their_arrays_and_load_on_a_device(tmp_path, device):
    t = mg.tensor(np.arange(6.0, dtype=np.float32).reshape(2, 3), requires_grad=True, device=device)
    io.save(tmp_path / "t.npz", params={"w": t}, raw=t.data)
    back = io.load(tmp_path / "t.npz", device=device)
    for a in (back["params"]["w"], back["raw"]):
        assert backend.is_array(a) and backend.device_of(a) == device
        np.testing.assert_array_equal(backend.to_numpy(a), t.numpy())
    assert isinstance(io.load(tmp_path / "t.npz")["raw"], np.ndarray)   # default: the CPU


def test_unsupported_values_fail_before_touching_the_disk(tmp_path):
    path = tmp_path / "ck.npz"
    io.save(path, step=1)
    before = path.read_bytes()
    with pytest.raises(TypeError, match=r"state\['model'\]\['w'\] of type object"):
        io.save(path, step=2, model={"w": object()})
    with pytest.raises(TypeError, match="pickle"):
        io.save(path, a=np.array([None, 1], dtype=object))
    with pytest.raises(TypeError, match="key of type tuple"):
        io.save(path, d={(1, 2): 3})
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["ck.npz"]


def test_interrupted_write_leaves_the_previous_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "ck.npz"
    io.save(path, step=1, w=np.ones(1000))
    real_savez = np.savez

    def savez_then_crash(file, *args, **kwargs):
        real_savez(file, *args, **kwargs)     # some bytes reach the temporary file...
        file.write(b"garbage")
        raise KeyboardInterrupt("power cut")  # ...then the process is interrupted

    monkeypatch.setattr(np, "savez", savez_then_crash)
    with pytest.raises(KeyboardInterrupt):
        io.save(path, step=2, w=np.zeros(1000))
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["ck.npz"]                    # no temporary file left
    back = io.load(path)
    assert back["step"] == 1 and back["w"].sum() == 1000
    io.save(path, step=3)                                        # and a later save replaces it whole
    assert io.load(path) == {"step": 3}


def test_save_creates_the_folder_and_returns_the_path(tmp_path):
    path = io.save(tmp_path / "runs" / "a" / "last.npz", x=1)
    assert path.is_file() and io.load(path) == {"x": 1}


@pytest.fixture
def good(tmp_path, rng):
    path = tmp_path / "good.npz"
    io.save(path, w=rng.standard_normal((64, 64)).astype(np.float32), note="x" * 100)
    return path


@pytest.mark.parametrize("keep", [0.0, 0.1, 0.5, 0.9, 0.999])
def test_truncated_files_are_named(good, tmp_path, keep):
    data = good.read_bytes()
    cut = tmp_path / "cut.npz"
    cut.write_bytes(data[:int(len(data) * keep)])
    with pytest.raises(CheckpointError, match="cut.npz"):
        io.load(cut)


def test_corrupt_bytes_are_detected(good, tmp_path):
    data = bytearray(good.read_bytes())
    data[len(data) // 2] ^= 0xFF                                 # inside the array's bytes
    bad = tmp_path / "bad.npz"
    bad.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="bad.npz is truncated or corrupt"):
        io.load(bad)


def test_foreign_files_are_named(tmp_path):
    np.savez(tmp_path / "plain.npz", x=np.ones(3))
    with pytest.raises(CheckpointError, match=r"plain.npz is not a minigan checkpoint.*\['x'\]"):
        io.load(tmp_path / "plain.npz")
    np.save(tmp_path / "single.npy", np.ones(3))
    with pytest.raises(CheckpointError, match="single.npy .*single .npy array"):
        io.load(tmp_path / "single.npy")
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(CheckpointError, match="notes.txt is not a minigan checkpoint"):
        io.load(tmp_path / "notes.txt")
    (tmp_path / "empty.npz").write_bytes(b"")
    with pytest.raises(CheckpointError, match="empty file"):
        io.load(tmp_path / "empty.npz")
    with pytest.raises(FileNotFoundError, match="missing.npz"):
        io.load(tmp_path / "missing.npz")
    assert issubclass(CheckpointError, ValueError)


def test_newer_format_versions_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(io, "VERSION", io.VERSION + 1)
    io.save(tmp_path / "future.npz", x=1)
    monkeypatch.undo()
    with pytest.raises(CheckpointError, match="future.npz has checkpoint format version 2"):
        io.load(tmp_path / "future.npz")
