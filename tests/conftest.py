"""Shared fixtures: one device fixture for the whole suite, and PyTorch as an optional reference."""
import os

import numpy as np
import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

from minigan import backend  # noqa: E402

ALL_DEVICES = ["cpu", "cuda"]


def _skip_unless_device(name: str) -> str:
    if name.startswith("cuda"):
        ok, why = backend.cupy_status()
        if not ok:
            pytest.skip(f"CUDA case skipped: {why}")
    return backend.normalize_device(name)


@pytest.fixture(params=ALL_DEVICES)
def device(request):
    """Every device this machine has: 'cpu' always, 'cuda:0' where CuPy and a GPU are present."""
    return _skip_unless_device(request.param)


@pytest.fixture
def cuda_device():
    """A CUDA device, or a skip that says why there is none."""
    return _skip_unless_device("cuda")


@pytest.fixture
def torch():
    """PyTorch as an independent reference; parity tests skip cleanly without it."""
    return pytest.importorskip(
        "torch", reason="PyTorch is not installed; parity tests need it (pip install 'minigan[torch]')")


@pytest.fixture(autouse=True)
def _seed():
    """Every test starts from the same random state."""
    import minigan as mg
    mg.manual_seed(0)
    yield


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
