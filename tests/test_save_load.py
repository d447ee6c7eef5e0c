"""``mg.save(obj, f)`` / ``mg.load(f, map_location=None)``: round trips of Tensors, state dicts and containers
through paths and file objects, the interplay with ``mg.io.save``/``mg.io.load``, and clear errors."""
import io as pyio
import math
import os
import pathlib

import numpy as np
import pytest

import minigan as mg
import minigan.nn as nn
from minigan.io import CheckpointError


def _round_trip(obj, **load_kwargs):
    buf = pyio.BytesIO()
    assert mg.save(obj, buf) is None
    buf.seek(0)
    return mg.load(buf, **load_kwargs)


# --------------------------------------------------------------------------- tensors
@pytest.mark.parametrize("dtype, shape, requires_grad", [
    (np.float32, (2, 3), True), (np.float64, (3, 1, 2), True), (np.int64, (4,), False),
    (np.float32, (), True), (np.float64, (0, 4), False), (np.bool_, (2, 2), False),
])
def test_tensor_round_trip(tmp_path, device, dtype, shape, requires_grad):
    data = (np.arange(int(np.prod(shape))) - 2).reshape(shape).astype(dtype)
    t = mg.tensor(data, requires_grad=requires_grad, device=device)
    path = tmp_path / "t.pt"
    mg.save(t, str(path))
    for back, where in [(mg.load(path, map_location=device), device), (mg.load(str(path)), "cpu"),
                        (mg.load(path, map_location="cpu"), "cpu")]:
        assert type(back) is mg.Tensor and back.device == where
        assert back.dtype == dtype and back.shape == shape and back.requires_grad == requires_grad
        np.testing.assert_array_equal(back.numpy(), data)
        assert back.is_leaf and back.grad is None


def test_a_non_leaf_tensor_comes_back_as_a_leaf(device):
    x = mg.randn(3, requires_grad=True, device=device)
    back = _round_trip(x * 2, map_location=device)
    assert back.is_leaf and back.requires_grad
    np.testing.assert_allclose(back.numpy(), x.numpy() * 2)


def test_parameter_comes_back_as_a_parameter(device):
    p = nn.Parameter(mg.randn(2, 3, dtype=mg.float64, device=device))
    frozen = nn.Parameter(mg.randn(3), requires_grad=False)
    back = _round_trip({"p": p, "frozen": frozen, "plain": p.detach()}, map_location=device)
    assert type(back["p"]) is nn.Parameter and back["p"].requires_grad and back["p"].dtype == np.float64
    assert type(back["frozen"]) is nn.Parameter and not back["frozen"].requires_grad
    assert type(back["plain"]) is mg.Tensor and not back["plain"].requires_grad
    assert back["p"].device == device
    np.testing.assert_array_equal(back["p"].numpy(), p.numpy())


# --------------------------------------------------------------------------- models and optimizers
def _net(seed, device):
    mg.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(),
                         nn.Linear(4 * 5 * 5, 3)).to(device)


def test_state_dict_loads_into_a_fresh_model(tmp_path, device):
    net = _net(0, device)
    x = mg.tensor(np.random.default_rng(0).standard_normal((2, 3, 5, 5)).astype(np.float32), device=device)
    net(x)                                          # train mode: the running statistics move
    net.eval()
    path = tmp_path / "g.pt"
    mg.save(net.state_dict(), path)
    fresh = _net(1, device).eval()
    assert not np.allclose(fresh(x).numpy(), net(x).numpy())
    loaded = mg.load(path, map_location=device)
    assert list(loaded) == list(net.state_dict())
    assert loaded["1.num_batches_tracked"].dtype == np.int64 and loaded["1.num_batches_tracked"].shape == ()
    fresh.load_state_dict(loaded)
    np.testing.assert_array_equal(fresh(x).numpy(), net(x).numpy())


def _adam_step(net, opt, x):
    opt.zero_grad()
    (net(x) ** 2).mean().backward()
    opt.step()


def test_optimizer_state_dict_resumes_training(tmp_path, device):
    x = mg.tensor(np.random.default_rng(1).standard_normal((2, 3, 5, 5)).astype(np.float32), device=device)
    net = _net(0, device)
    opt = mg.optim.Adam(net.parameters(), lr=0.01, betas=(0.8, 0.9))
    for _ in range(2):
        _adam_step(net, opt, x)
    path = tmp_path / "ckpt.pt"
    mg.save({"model": net.state_dict(), "opt": opt.state_dict(), "epoch": 3}, path)

    ckpt = mg.load(path, map_location=device)
    assert ckpt["epoch"] == 3 and ckpt["opt"]["param_groups"][0]["betas"] == (0.8, 0.9)
    net2 = _net(5, device)
    net2.load_state_dict(ckpt["model"])
    opt2 = mg.optim.Adam(net2.parameters(), lr=0.5)
    opt2.load_state_dict(ckpt["opt"])
    _adam_step(net, opt, x)
    _adam_step(net2, opt2, x)
    for (name, a), (_, b) in zip(net.state_dict().items(), net2.state_dict().items()):
        np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-6, atol=1e-7, err_msg=name)


# --------------------------------------------------------------------------- containers and file objects
def test_nested_containers_keep_their_types(device):
    t = mg.randn(2, device=device, requires_grad=True)
    obj = {"list": [1, 2.5, "s", None, True], "tuple": (t, (np.int64(7), np.float16(1.5))),
           "array": np.arange(3.0), "big": -2 ** 90, "specials": [math.inf, -0.0], "int_keys": {0: {}, 3: []},
           "nested": [{"deep": [(t,)]}]}
    back = _round_trip(obj, map_location=device)
    assert back["list"] == [1, 2.5, "s", None, True] and isinstance(back["list"][4], bool)
    assert isinstance(back["tuple"], tuple) and isinstance(back["tuple"][1], tuple)
    assert type(back["tuple"][0]) is mg.Tensor and back["tuple"][0].requires_grad
    assert back["tuple"][1][0] == 7 and back["tuple"][1][0].dtype == np.int64
    assert back["tuple"][1][1].dtype == np.float16
    assert isinstance(back["array"], np.ndarray) and back["array"].tolist() == [0.0, 1.0, 2.0]
    assert back["big"] == -2 ** 90 and back["int_keys"] == {0: {}, 3: []}
    assert back["specials"][0] == math.inf and math.copysign(1, back["specials"][1]) == -1
    np.testing.assert_array_equal(back["nested"][0]["deep"][0][0].numpy(), t.numpy())
    assert _round_trip([]) == [] and _round_trip(None) is None and _round_trip("x") == "x"
    assert _round_trip((1, (2,))) == (1, (2,))


def test_paths_and_binary_files(tmp_path):
    t = mg.arange(6.0).reshape(2, 3)
    for target in (pathlib.Path(tmp_path) / "a.pt", str(tmp_path / "b.pt")):
        mg.save([t], target)
        np.testing.assert_array_equal(mg.load(target)[0].numpy(), t.numpy())
    assert sorted(os.listdir(tmp_path)) == ["a.pt", "b.pt"]            # no temporary file left behind
    buf = pyio.BytesIO(b"prefix")                    # a file object is written and read at its position
    buf.seek(0, 2)
    mg.save(t, buf)
    buf.seek(6)
    np.testing.assert_array_equal(mg.load(buf).numpy(), t.numpy())
    with open(tmp_path / "c.pt", "wb") as f:
        mg.save({"t": t}, f)
    with open(tmp_path / "c.pt", "rb") as f:
        np.testing.assert_array_equal(mg.load(f)["t"].numpy(), t.numpy())

    class Pipe:                                       # readable, not seekable
        def __init__(self, data):
            self._buf = pyio.BytesIO(data)

        def read(self, n=-1):
            return self._buf.read(n)

    back = mg.load(Pipe((tmp_path / "c.pt").read_bytes()))
    np.testing.assert_array_equal(back["t"].numpy(), t.numpy())


def test_weights_only_is_accepted_and_changes_nothing():
    obj = {"w": mg.ones(2, requires_grad=True), "n": 1}
    a, b = _round_trip(obj, weights_only=True), _round_trip(obj, weights_only=False)
    assert a["n"] == b["n"] == 1 and a["w"].requires_grad and b["w"].requires_grad
    np.testing.assert_array_equal(a["w"].numpy(), b["w"].numpy())


# --------------------------------------------------------------------------- mg.io interplay
def test_io_files_and_save_files_read_each_other(tmp_path):
    t = mg.ones(2, 2, requires_grad=True)
    mg.io.save(tmp_path / "kw.npz", model={"w": t}, raw=np.zeros(3), step=4)
    back = mg.load(tmp_path / "kw.npz")
    assert type(back["model"]["w"]) is mg.Tensor and back["model"]["w"].requires_grad
    assert isinstance(back["raw"], np.ndarray) and back["step"] == 4

    mg.save({"model": {"w": t}, "epoch": 2}, tmp_path / "obj.pt")
    old = mg.io.load(tmp_path / "obj.pt")
    assert isinstance(old["model"]["w"], np.ndarray) and old["epoch"] == 2
    mg.save(t, tmp_path / "bare.pt")
    with pytest.raises(CheckpointError, match=r"bare.pt holds one Tensor written by minigan.save.*minigan.load"):
        mg.io.load(tmp_path / "bare.pt")


# --------------------------------------------------------------------------- errors
def test_what_cannot_be_stored_is_named():
    net = _net(0, "cpu")
    buf = pyio.BytesIO()
    with pytest.raises(TypeError, match=r"save: cannot store obj\['net'\], a whole Sequential.*state_dict\(\)"):
        mg.save({"epoch": 1, "net": net}, buf)
    with pytest.raises(TypeError, match=r"cannot store obj, a whole Linear.*model\.state_dict\(\)"):
        mg.save(nn.Linear(2, 2), buf)
    with pytest.raises(TypeError, match=r"cannot store obj\['opt'\], a whole Adam"):
        mg.save({"opt": mg.optim.Adam(net.parameters())}, buf)
    with pytest.raises(TypeError, match=r"cannot store obj\[1\]\[0\] of type function"):
        mg.save([0, [lambda x: x]], buf)
    with pytest.raises(TypeError, match="key of type tuple"):
        mg.save({(1, 2): 3}, buf)
    assert buf.getvalue() == b""                      # nothing was written


def test_bad_targets_and_sources(tmp_path):
    with pytest.raises(TypeError, match="save: expected f to be a path .* got int"):
        mg.save(1, 3)
    with pytest.raises(TypeError, match="load: expected f to be a path .* got int"):
        mg.load(3)
    with open(tmp_path / "t.txt", "w") as f, pytest.raises(TypeError, match=r"text mode.*'wb'"):
        mg.save(1, f)
    mg.save(1, tmp_path / "one.pt")
    with open(tmp_path / "one.pt") as f, pytest.raises(TypeError, match=r"text mode.*'rb'"):
        mg.load(f)


def test_missing_truncated_and_foreign_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.pt"):
        mg.load(tmp_path / "missing.pt")
    mg.save({"w": mg.randn(32, 32)}, tmp_path / "good.pt")
    data = (tmp_path / "good.pt").read_bytes()
    for keep in (0.0, 0.3, 0.9, 0.999):
        (tmp_path / "cut.pt").write_bytes(data[:int(len(data) * keep)])
        with pytest.raises(CheckpointError, match="cut.pt"):
            mg.load(tmp_path / "cut.pt")
        with pytest.raises(CheckpointError, match="BytesIO object"):
            mg.load(pyio.BytesIO(data[:int(len(data) * keep)]))
    np.savez(tmp_path / "plain.npz", x=np.ones(2))
    with pytest.raises(CheckpointError, match="plain.npz is not a minigan checkpoint"):
        mg.load(tmp_path / "plain.npz")


def test_map_location_must_name_one_device():
    buf = pyio.BytesIO()
    mg.save(mg.ones(2), buf)
    for bad, kind in [({"cuda:0": "cpu"}, "a dict"), (lambda storage, loc: storage, "a function")]:
        buf.seek(0)
        with pytest.raises(TypeError, match=f"load: map_location as {kind} is not supported.*'cpu'"):
            mg.load(buf, map_location=bad)
    with pytest.raises(ValueError, match="load: map_location 'gpu' is not a device"):
        mg.load(buf, map_location="gpu")
    buf.seek(0)
    like = mg.zeros(1)                                # an object with a .device
    assert mg.load(buf, map_location=like).device == "cpu"


# --------------------------------------------------------------------------- atomic writes
def test_a_failed_save_leaves_the_existing_file(tmp_path, monkeypatch):
    path = tmp_path / "ck.pt"
    mg.save({"step": 1, "w": mg.ones(100)}, path)
    before = path.read_bytes()
    with pytest.raises(TypeError, match=r"obj\['model'\]\['w'\] of type object"):
        mg.save({"step": 2, "model": {"w": object()}}, path)
    assert path.read_bytes() == before

    real_savez = np.savez

    def savez_then_crash(file, *args, **kwargs):
        real_savez(file, *args, **kwargs)             # the bytes reach the temporary file...
        raise KeyboardInterrupt("power cut")          # ...then the process is interrupted

    monkeypatch.setattr(np, "savez", savez_then_crash)
    with pytest.raises(KeyboardInterrupt):
        mg.save({"step": 3, "w": mg.zeros(100)}, path)
    monkeypatch.undo()
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["ck.pt"]
    back = mg.load(path)
    assert back["step"] == 1 and back["w"].numpy().sum() == 100


# --------------------------------------------------------------------------- PyTorch
def test_torch_weights_load_into_the_minigan_twin(tmp_path, torch):
    tnn = torch.nn
    torch.manual_seed(0)
    t_net = tnn.Sequential(tnn.Conv2d(3, 4, 3, padding=1), tnn.BatchNorm2d(4), tnn.ReLU(), tnn.Flatten(),
                           tnn.Linear(4 * 5 * 5, 3))
    x = np.random.default_rng(2).standard_normal((2, 3, 5, 5)).astype(np.float32)
    t_net(torch.from_numpy(x))                        # move the running statistics
    t_net.eval()
    mg.save({k: v.numpy() for k, v in t_net.state_dict().items()}, tmp_path / "from_torch.pt")
    net = _net(3, "cpu").eval()
    net.load_state_dict(mg.load(tmp_path / "from_torch.pt"))
    with torch.no_grad():
        expected = t_net(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(net(mg.tensor(x)).numpy(), expected, rtol=1e-5, atol=1e-6)

    torch.save(t_net.state_dict(), tmp_path / "torch.pt")   # a different format: refused, not misread
    with pytest.raises(CheckpointError, match="torch.pt is not a minigan checkpoint"):
        mg.load(tmp_path / "torch.pt")
