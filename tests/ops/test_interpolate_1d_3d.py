"""interpolate on signals (N, C, L) and volumes (N, C, D, H, W), as PyTorch's: nearest, nearest-exact, linear,
trilinear and area, sizes and per-dim scale factors, align_corners; values and gradients against torch,
gradchecks in float64, and the errors of a mode or a size that does not fit the input."""
import numpy as np
import pytest

import minigan as mg
import minigan.nn as nn
import minigan.nn.functional as F

from helpers import check_grad, compare_with_torch, randn

# (input shape, interpolate keywords): odd sizes, up and down, one pixel, integer and fractional scales
CASES = [
    ((2, 3, 5), dict(size=8, mode="linear")),
    ((1, 2, 7), dict(size=3, mode="linear", align_corners=True)),
    ((2, 1, 4), dict(scale_factor=2.5, mode="linear")),
    ((1, 2, 6), dict(size=1, mode="linear", align_corners=True)),
    ((2, 2, 5), dict(scale_factor=3, mode="nearest")),
    ((1, 3, 7), dict(size=4, mode="nearest")),
    ((1, 2, 5), dict(size=9, mode="nearest-exact")),
    ((2, 2, 9), dict(size=4, mode="area")),
    ((1, 2, 3, 4, 5), dict(size=(4, 6, 3), mode="trilinear")),
    ((2, 1, 3, 3, 2), dict(scale_factor=(2, 1.5, 2.5), mode="trilinear", align_corners=True)),
    ((1, 2, 4, 5, 3), dict(size=(2, 7, 3), mode="trilinear", align_corners=False)),
    ((1, 2, 2, 3, 2), dict(scale_factor=2, mode="nearest")),
    ((1, 1, 3, 4, 5), dict(size=(5, 3, 7), mode="nearest")),
    ((2, 1, 3, 5, 4), dict(scale_factor=(1.5, 0.6, 2), mode="nearest-exact")),
    ((1, 2, 5, 4, 6), dict(size=(2, 3, 4), mode="area")),
]


@pytest.mark.parametrize("shape,kwargs", CASES, ids=lambda v: str(v))
def test_interpolate_1d_3d_matches_torch(device, torch, shape, kwargs):
    compare_with_torch(torch, lambda x: F.interpolate(x, **kwargs),
                       lambda x: torch.nn.functional.interpolate(x, **kwargs), [randn(*shape, seed=1)], device=device)


@pytest.mark.parametrize("shape,kwargs", CASES, ids=lambda v: str(v))
def test_interpolate_1d_3d_gradcheck(device, shape, kwargs):
    check_grad(lambda x: F.interpolate(x, **kwargs), randn(*shape, seed=2), device=device)


def test_interpolate_keeps_float32_and_second_derivative(device):
    x = mg.tensor(randn(1, 2, 3, 4, 3, seed=3).astype(np.float32), device=device)
    assert F.interpolate(x, scale_factor=2, mode="trilinear").dtype == np.float32
    v = mg.tensor(randn(1, 2, 5, seed=4), device=device, requires_grad=True)
    assert mg.gradgradcheck(lambda v: F.interpolate(v, size=7, mode="linear") ** 2, [v])


def test_trilinear_of_a_linear_function_is_exact(device):
    """Linear interpolation reproduces a linear function exactly, along every axis (align_corners=True maps
    the end points onto each other)."""
    d, h, w = np.meshgrid(np.arange(3.0), np.arange(4.0), np.arange(5.0), indexing="ij")
    x = mg.tensor((2 * d - h + 0.5 * w)[None, None], device=device)
    y = F.interpolate(x, size=(5, 7, 9), mode="trilinear", align_corners=True).numpy()[0, 0]
    dd, hh, ww = np.meshgrid(np.linspace(0, 2, 5), np.linspace(0, 3, 7), np.linspace(0, 4, 9), indexing="ij")
    np.testing.assert_allclose(y, 2 * dd - hh + 0.5 * ww, atol=1e-12)


@pytest.mark.parametrize("shape,kwargs,pattern", [
    ((1, 2, 5), dict(scale_factor=2, mode="bilinear"), r"mode 'bilinear' needs a 4-D input, got a 3-D one"),
    ((1, 2, 3, 4, 5), dict(scale_factor=2, mode="linear"), r"mode 'linear' needs a 3-D input, got a 5-D one"),
    ((1, 2, 3, 4, 5), dict(scale_factor=2, mode="bicubic"), r"mode 'bicubic' needs a 4-D input, got a 5-D one"),
    ((1, 2, 3, 4), dict(size=(4, 5, 6)), r"the input has 2 spatial dims \(3, 4\), but size has 3: \(4, 5, 6\)"),
    ((1, 2, 3, 4), dict(scale_factor=(2, 2, 2)), r"the input has 2 spatial dims \(3, 4\), but scale_factor has 3"),
    ((2, 3), dict(scale_factor=2), r"expected a 3-D \(N, C, L\), 4-D \(N, C, H, W\) or 5-D \(N, C, D, H, W\) input"),
    ((1, 2, 3, 4, 5), dict(scale_factor=2, mode="trilinear", antialias=True), r"Anti-alias option is restricted"),
])
def test_interpolate_errors_say_what_does_not_fit(shape, kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        F.interpolate(mg.zeros(*shape), **kwargs)


@pytest.mark.parametrize("args,shape", [(dict(scale_factor=2, mode="linear"), (2, 3, 5)),
                                        (dict(size=(4, 5, 3), mode="trilinear", align_corners=True), (1, 2, 3, 2, 4)),
                                        (dict(scale_factor=(2, 1, 3)), (1, 1, 2, 3, 2))])
def test_upsample_layer_on_signals_and_volumes_as_torch(device, torch, args, shape):
    layer, t_layer = nn.Upsample(**args), torch.nn.Upsample(**args)
    assert repr(layer) == repr(t_layer)
    compare_with_torch(torch, layer, t_layer, [randn(*shape, seed=5)], device=device)
