"""interpolate: output sizes, gradchecks, and its argument errors."""
import numpy as np
import pytest

import minigan as mg
import minigan.nn.functional as F

from helpers import check_grad, randn, tensors


@pytest.mark.parametrize("kwargs,out_hw", [
    ({"scale_factor": 2}, (6, 8)), ({"scale_factor": (1, 3)}, (3, 12)), ({"size": (5, 7)}, (5, 7)),
    ({"size": 2}, (2, 2)), ({"scale_factor": 1.5}, (4, 6)),
])
def test_interpolate_nearest(device, kwargs, out_hw):
    x = randn(2, 1, 3, 4, seed=5)
    y = F.interpolate(tensors(device, x, requires_grad=False)[0], **kwargs)
    assert y.shape == (2, 1) + out_hw
    check_grad(lambda x: F.interpolate(x, **kwargs), x, device=device)


def test_interpolate_scale2_gradient_sums_blocks(device):
    x = tensors(device, np.zeros((1, 1, 2, 2)))[0]
    g = np.arange(16.0).reshape(1, 1, 4, 4)
    F.interpolate(x, scale_factor=2).backward(mg.tensor(g, device=device))
    blocks = [[0 + 1 + 4 + 5, 2 + 3 + 6 + 7], [8 + 9 + 12 + 13, 10 + 11 + 14 + 15]]
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], blocks)


def test_interpolate_errors():
    with pytest.raises(ValueError, match="interpolate.*exactly one"):
        F.interpolate(mg.zeros(1, 1, 2, 2))
