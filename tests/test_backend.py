"""The backend: device names, array modules, transfers, scatter-add, seeded random streams, and the
host allocator setting it applies on import."""
import os
import platform
import subprocess
import sys

import numpy as np
import pytest

import minigan as mg
from minigan import backend


def test_normalize_device_names():
    assert backend.normalize_device(None) == "cpu"
    assert backend.normalize_device(" CPU ") == "cpu"
    assert backend.normalize_device(mg.zeros(1)) == "cpu"  # anything with .device
    for bad in ("tpu", "cuda:x", 3):
        with pytest.raises(ValueError, match="not a device"):
            backend.normalize_device(bad)


def test_cuda_names_normalize_on_a_gpu(cuda_device):
    assert backend.normalize_device("cuda") == "cuda:0"
    assert backend.normalize_device("CUDA:0") == "cuda:0"
    with pytest.raises(backend.DeviceError, match="GPU"):
        backend.normalize_device("cuda:999")


def test_cupy_status_explains_itself():
    ok, why = backend.cupy_status()
    assert isinstance(why, str) and why
    assert backend.cuda_available() == ok
    if not ok:
        assert "CuPy" in why
        with pytest.raises(backend.DeviceError, match="not available"):
            backend.xp_for("cuda:0")


def test_xp_and_device_of_arrays(device):
    a = mg.zeros(2, 3, device=device).data
    assert backend.is_array(a) and not backend.is_array([1, 2])
    assert backend.device_of(a) == device
    assert backend.xp_of(a) is backend.xp_for(device)
    assert isinstance(backend.to_numpy(a), np.ndarray)


def test_to_device_round_trip(device):
    h = np.arange(6.0).reshape(2, 3)
    d = backend.to_device(h, device)
    assert backend.device_of(d) == device
    np.testing.assert_array_equal(backend.to_numpy(d), h)


def test_scatter_add_sums_repeated_indices(device):
    xp = backend.xp_for(device)
    target = xp.zeros(4)
    backend.scatter_add(target, xp.asarray([0, 0, 3, 0]), xp.asarray([1.0, 2.0, 5.0, 4.0]))
    np.testing.assert_array_equal(backend.to_numpy(target), [7.0, 0.0, 0.0, 5.0])


@pytest.mark.parametrize("layout", ["channels_first", "channels_last", "2-D", "one channel", "1-D"])
def test_sample_operand_gives_what_broadcasting_gives(device, layout):
    """The per-sample operand changes the speed of an op, never its result or its output's layout."""
    xp = backend.xp_for(device)
    rng = np.random.default_rng(0)
    shape = {"2-D": (3, 5), "one channel": (3, 1, 4, 4), "1-D": (7,)}.get(layout, (3, 5, 4, 6))
    x = rng.standard_normal(shape).astype(np.float32)
    if layout == "channels_last":
        x = np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    v = rng.standard_normal(shape[1] if x.ndim > 1 else ()).astype(np.float32)
    spread = (1, -1) + (1,) * (x.ndim - 2) if x.ndim > 1 else ()
    xd = backend.to_device(x, device) if device != "cpu" else x
    for value, plain in ((v, v.reshape(spread) if x.ndim > 1 else v), (np.float32(0.25), np.float32(0.25))):
        op = backend.sample_operand(backend.to_device(np.asarray(value), device), xd)
        got = backend.to_numpy(xd * op)
        np.testing.assert_array_equal(got, x * plain)
        np.testing.assert_array_equal(backend.to_numpy(xp.maximum(xd, op)), np.maximum(x, plain))
        if device == "cpu":
            assert (xd * op).strides == (x * plain).strides          # the layout is kept (channels last stays)
            assert op.size <= x[0].size                                 # one sample at most


def test_manual_seed_repeats_the_stream(device):
    mg.manual_seed(42)
    a = mg.randn(5, device=device).numpy()
    mg.manual_seed(42)
    b = mg.randn(5, device=device).numpy()
    c = mg.randn(5, device=device).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(b, c)


def test_rng_state_round_trip():
    mg.manual_seed(3)
    mg.rand(2)
    state = backend.get_rng_state()
    a = mg.rand(4).numpy()
    backend.set_rng_state(state)
    np.testing.assert_array_equal(mg.rand(4).numpy(), a)


def test_creation_dtypes_and_shapes(device):
    assert mg.zeros(2, 3, device=device).dtype == np.float32
    assert mg.ones((2, 3), device=device).shape == (2, 3)
    assert mg.randn(4, device=device, dtype=np.float64).dtype == np.float64
    r = mg.rand(1000, device=device).numpy()
    assert r.min() >= 0 and r.max() < 1
    assert mg.full((2,), 7.0, device=device).numpy().tolist() == [7.0, 7.0]
    assert mg.randn(2, requires_grad=True).requires_grad


def test_tensor_to_moves_and_keeps_gradient_flow(device):
    x = mg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = x.to(device)
    assert y.device == device
    (y * y).sum().backward()
    assert x.grad.device == "cpu"
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])


def test_synchronize_is_harmless(device):
    backend.synchronize(device)
    backend.synchronize()


def _allocator_setting(env_value):
    env = dict(os.environ)
    env.pop(backend.HOST_ALLOCATOR_ENV, None)
    if env_value is not None:
        env[backend.HOST_ALLOCATOR_ENV] = env_value
    out = subprocess.run([sys.executable, "-c", "import minigan; print(minigan.backend.host_allocator_tuned)"],
                         env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip()


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
                    reason="the host allocator is tuned only under glibc on Linux")
def test_host_allocator_is_tuned_on_import_unless_the_user_says_default():
    assert _allocator_setting(None) == "True"
    assert _allocator_setting("default") == "False"


_REFAULTS = """
import resource, sys
import minigan, numpy as np
a = np.ones(10_500_000, np.float32)        # 42 MB: above the largest block glibc keeps on its heap by default
del a
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
b = np.ones(10_500_000, np.float32)
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
                    reason="the host allocator is tuned only under glibc on Linux")
def test_a_block_above_32_mb_is_reused_without_page_faults():
    """A 42 MB array freed and allocated again takes the same pages (no fault at all) once minigan has tuned
    malloc; with glibc's defaults (MINIGAN_HOST_ALLOCATOR=default) it is mapped afresh and faulted in again."""
    faults = {}
    for setting in (None, "default"):
        env = {k: v for k, v in os.environ.items() if k != backend.HOST_ALLOCATOR_ENV}
        if setting is not None:
            env[backend.HOST_ALLOCATOR_ENV] = setting
        out = subprocess.run([sys.executable, "-c", _REFAULTS], env=env, capture_output=True, text=True, check=True)
        faults[setting] = int(out.stdout.strip())
    assert faults[None] < 20 and faults["default"] > 100, faults


def test_host_allocator_tuning_is_a_no_op_off_glibc(monkeypatch):
    monkeypatch.setattr(platform, "libc_ver", lambda: ("", ""))
    assert backend.tune_host_allocator() is False
