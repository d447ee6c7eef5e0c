"""mg.set_default_device / mg.get_default_device, as PyTorch's: tensors and layers made without a device go to the
default one; what follows an input's device does not move. On a machine without a GPU only the CPU is tested here;
the `device` fixture runs the same tests on every GPU present."""
import minigan as mg
import numpy as np
import pytest

from minigan import backend


@pytest.fixture
def default_device(device):
    mg.set_default_device(device)
    yield device
    mg.set_default_device("cpu")


def test_the_cpu_until_changed_and_none_resets():
    assert mg.get_default_device() == "cpu"
    mg.set_default_device(None)
    assert mg.get_default_device() == "cpu"


def test_a_gpu_that_cannot_be_used_is_refused_saying_why():
    if backend.cuda_available():
        pytest.skip("a GPU is usable here: setting it is tested by the device fixture")
    with pytest.raises(backend.DeviceError, match="device 'cuda' is not available"):
        mg.set_default_device("cuda")
    assert mg.get_default_device() == "cpu"
    with pytest.raises(ValueError, match="not a device: 'gpu'"):
        mg.set_default_device("gpu")


def test_creation_without_a_device_goes_to_the_default(default_device):
    made = {"zeros": mg.zeros(2, 3), "ones": mg.ones(2), "empty": mg.empty(3), "eye": mg.eye(3),
            "full": mg.full((2,), 1.5), "arange": mg.arange(5), "linspace": mg.linspace(0, 1, 4),
            "logspace": mg.logspace(0, 1, 3), "randn": mg.randn(2, 2), "rand": mg.rand(3),
            "randint": mg.randint(0, 5, (4,)), "randperm": mg.randperm(5), "tensor(list)": mg.tensor([1.0, 2.0]),
            "tensor(numpy)": mg.tensor(np.ones(3)), "as_tensor(list)": mg.as_tensor([1, 2]),
            "hann_window": mg.hann_window(5), "scalar_tensor": mg.scalar_tensor(3)}
    assert {name: t.device for name, t in made.items()} == {name: default_device for name in made}


def test_layers_make_their_parameters_on_the_default(default_device):
    layer, norm = mg.nn.Linear(3, 2), mg.nn.BatchNorm2d(4)
    assert {t.device for t in [*layer.parameters(), *norm.parameters(), *norm.buffers()]} == {default_device}
    assert layer(mg.randn(5, 3)).device == default_device


def test_what_follows_an_input_stays_where_the_input_is(default_device):
    x = mg.zeros(2, 3, device="cpu")
    for t in (mg.zeros_like(x), mg.ones_like(x), mg.randn_like(x), x.new_zeros(2), mg.tensor(x), mg.as_tensor(x),
              mg.empty_like(x), x * 2):
        assert t.device == "cpu"
    assert mg.zeros(2, device="cpu").device == "cpu"            # an explicit device wins


def test_the_same_default_as_pytorch(torch):
    assert torch.get_default_device().type == mg.get_default_device()


def test_window_functions_take_the_default_dtype(torch):
    mg.set_default_dtype(mg.float64)
    torch.set_default_dtype(torch.float64)
    try:
        for name in ("hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window"):
            ours, theirs = getattr(mg, name)(6), getattr(torch, name)(6)
            assert ours.dtype == np.float64 and theirs.dtype == torch.float64
            np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, atol=1e-15)
    finally:
        mg.set_default_dtype(mg.float32)
        torch.set_default_dtype(torch.float32)
    assert mg.hann_window(4).dtype == np.float32
