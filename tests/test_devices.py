"""mg.device: torch.device's parsing, fields, str and repr, as a str that minigan's device arguments take."""
import copy
import pickle

import pytest

import minigan as mg
import minigan.nn as nn
from minigan import backend

VALID = [("cpu",), ("cuda",), ("cuda:0",), ("cuda:1",), ("cuda:12",), ("cpu:0",), ("cuda", 1), ("cuda", 0),
         ("cpu", 0), ("cuda", None)]
BAD_STRINGS = ["cuda:-1", "cuda:01", "cuda0", "cu-da", "cuda:+1", "cuda:1x", "cuda: 1", " cuda", "cuda:x", "cuda:1:2",
               "cuda:1 ", "cuda:", ""]


@pytest.mark.parametrize("args", VALID, ids=repr)
def test_parsing_matches_torch(torch, args):
    ours, theirs = mg.device(*args), torch.device(*args)
    assert (ours.type, ours.index) == (theirs.type, theirs.index)
    assert str(ours) == str(theirs)
    assert repr(ours) == repr(theirs)


def test_keywords_and_copies_match_torch(torch):
    assert repr(mg.device(type="cuda", index=0)) == repr(torch.device(type="cuda", index=0))
    assert repr(mg.device(mg.device("cuda:2"))) == repr(torch.device(torch.device("cuda:2")))


def test_an_int_is_a_cuda_index():
    # torch picks its accelerator for an int (and raises where it has none); minigan's only one is CUDA
    d = mg.device(0)
    assert (d.type, d.index, str(d)) == ("cuda", 0, "cuda:0")
    assert mg.device(3) is mg.device("cuda:3")


@pytest.mark.parametrize("bad", BAD_STRINGS)
def test_bad_strings_raise_as_torch(torch, bad):
    with pytest.raises(RuntimeError) as theirs:
        torch.device(bad)
    with pytest.raises(RuntimeError) as ours:
        mg.device(bad)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("bad, kind", [("gpu", "gpu"), ("CUDA", "CUDA"), ("gpu:1", "gpu"), ("Cpu:0", "Cpu"),
                                       ("mps", "mps")])
def test_unknown_types_name_the_type(torch, bad, kind):
    # torch lists its twenty device types; minigan lists the two it runs on
    with pytest.raises(RuntimeError, match=f"Expected one of cpu, cuda device type at start of device string: {kind}$"):
        mg.device(bad)
    if bad != "mps":
        with pytest.raises(RuntimeError, match=f"device type at start of device string: {kind}$"):
            torch.device(bad)


def test_index_errors(torch):
    with pytest.raises(RuntimeError, match="type \\(string\\) must not include an index because index was passed "
                                           "explicitly: cuda:1"):
        mg.device("cuda:1", 1)
    with pytest.raises(RuntimeError, match="must not include an index"):
        torch.device("cuda:1", 1)
    for args in [("cuda", -1), (-1,)]:
        with pytest.raises(RuntimeError, match="Device index must not be negative, got -1"):
            mg.device(*args)
        with pytest.raises(RuntimeError, match="Device index must not be negative"):
            torch.device(*args)


@pytest.mark.parametrize("args, kwargs, what", [((1.0,), {}, "float"), ((None,), {}, "NoneType"), ((), {}, r"\(\)"),
                                                ((), {"index": 0}, "int"), ((["cpu"],), {}, "list")])
def test_bad_argument_types(torch, args, kwargs, what):
    with pytest.raises(TypeError, match=f"device\\(\\) received an invalid combination of arguments - got .*{what}"):
        mg.device(*args, **kwargs)
    with pytest.raises(TypeError):
        torch.device(*args, **kwargs)


def test_bad_index_types(torch):
    with pytest.raises(TypeError, match="argument 'index' \\(position 2\\) must be int, not bool"):
        mg.device("cuda", True)
    with pytest.raises(TypeError, match="must be int, not bool"):
        torch.device("cuda", True)
    with pytest.raises(TypeError, match="argument 'index' \\(position 2\\) must be int, not str"):
        mg.device("cuda", "1")
    with pytest.raises(TypeError, match="argument 'type' \\(position 1\\) must be str, not device"):
        mg.device(mg.device("cuda"), 1)


def test_a_str_that_compares_as_its_name():
    d = mg.device("cuda", 1)
    assert isinstance(d, str) and d == "cuda:1" and hash(d) == hash("cuda:1")
    assert {"cuda:1": 7}[d] == 7 and {d: 7}["cuda:1"] == 7
    assert mg.device("cpu") == "cpu" and mg.device("cpu") != "cuda"
    assert mg.device("cuda") != mg.device("cuda:0")     # as torch: no index is not index 0
    assert type(str(d)) is str and str(d) == "cuda:1" and f"{d}" == "cuda:1" and d.startswith("cuda")
    assert [mg.device("cpu")] == ["cpu"]


def test_torch_equality_differs_only_against_plain_strings(torch):
    assert torch.device("cpu") != "cpu"                 # torch's; minigan keeps the str's equality (see docstring)
    assert (mg.device("cuda") == mg.device("cuda:0")) == (torch.device("cuda") == torch.device("cuda:0"))
    assert (mg.device("cuda", 1) == mg.device("cuda:1")) == (torch.device("cuda", 1) == torch.device("cuda:1"))


def test_interned_immutable_and_picklable():
    d = mg.device("cuda", 2)
    assert d is mg.device("cuda:2") is mg.device(type="cuda", index=2) is mg.device(d)
    assert pickle.loads(pickle.dumps(d)) is d
    assert copy.deepcopy(d) is d and copy.copy(d) is d
    with pytest.raises(AttributeError):
        d.type = "cpu"
    with pytest.raises(AttributeError):
        d.index = 0
    assert (d.type, d.index) == ("cuda", 2)


def test_tensor_device_is_a_device(device):
    x = mg.zeros(2, 3, device=device)
    assert isinstance(x.device, mg.device)
    assert x.device == device and x.device is mg.device(device)
    assert x.device.type == device.split(":")[0]
    assert x.device.index == (None if device == "cpu" else int(device.split(":")[1]))
    assert (x + 1).device is x.device


def test_tensor_device_fields_match_torch(torch):
    ours, theirs = mg.zeros(2).device, torch.zeros(2).device
    assert (ours.type, ours.index, str(ours), repr(ours)) == (theirs.type, theirs.index, str(theirs), repr(theirs))


def test_device_arguments_take_a_device():
    cpu = mg.device("cpu")
    x = mg.randn(3, requires_grad=True)
    assert x.to(cpu).device == "cpu"
    y = mg.zeros(2, device=cpu)
    assert y.device is cpu and y.shape == (2,)
    layer = nn.Linear(2, 3).to(cpu)
    assert all(p.device == "cpu" and p.device.type == "cpu" for p in layer.parameters())
    assert layer(mg.randn(4, 2, device=cpu)).device.type == "cpu"
    assert backend.normalize_device(cpu) == "cpu"


def test_torch_style_device_choice():
    dev = mg.device("cuda" if mg.cuda.is_available() else "cpu")
    x = mg.ones(3, device=dev)
    assert x.device.type == dev.type


@pytest.mark.skipif(backend.cuda_available(), reason="a GPU is present: the no-GPU error cannot be shown")
def test_a_cuda_device_without_a_gpu_is_refused_where_used():
    d = mg.device("cuda")                                # naming it is fine, as in torch
    assert d.type == "cuda"
    with pytest.raises(mg.DeviceError, match="device 'cuda' is not available"):
        mg.zeros(2, device=d)


def test_with_device_sets_the_default_device():
    before = mg.get_default_device()
    with mg.device("cpu") as d:
        assert d is mg.device("cpu")
        assert mg.get_default_device() == "cpu"
        assert mg.zeros(2).device == "cpu"
        with mg.device("cpu"):
            assert mg.get_default_device() == "cpu"
        assert mg.get_default_device() == "cpu"
    assert mg.get_default_device() == before


@pytest.mark.skipif(backend.cuda_available(), reason="a GPU is present: the no-GPU error cannot be shown")
def test_with_a_missing_device_raises_and_keeps_the_default():
    before = mg.get_default_device()
    with pytest.raises(mg.DeviceError, match="not available"):
        with mg.device("cuda"):
            pass
    assert mg.get_default_device() == before
