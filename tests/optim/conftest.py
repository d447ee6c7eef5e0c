"""Small problems the optimizer tests share: fixed numbers, so minigan and PyTorch start alike."""
import numpy as np
import pytest


@pytest.fixture
def lstsq():
    """A least-squares problem ``sum((A @ w + c - b)^2)`` with ``w: (3, 1)``, ``c: (1,)``.

    Returns a dict of host arrays: ``A (6, 3)``, ``b (6, 1)`` and the starting values ``w0``, ``c0``.
    """
    gen = np.random.default_rng(7)
    return {"A": gen.standard_normal((6, 3)), "b": gen.standard_normal((6, 1)),
            "w0": gen.standard_normal((3, 1)), "c0": np.array([0.5])}


@pytest.fixture
def torch64(torch):
    """PyTorch with float64 as its default dtype, so that it keeps NAdam's ``mu_product`` and ASGD's ``eta`` and
    ``mu`` in double precision as minigan does (with float32 they agree to about 1e-7 in NAdam's, see
    test_nadam_with_torch_float32_scalars)."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield torch
    torch.set_default_dtype(old)
