"""The pooling and resampling layers: PyTorch's constructor arguments, the same outputs and gradients."""
import numpy as np
import pytest

import minigan as mg
from minigan import nn

from helpers import check_grad, compare_with_torch, distinct, randn


LAYERS = [   # (name, constructor arguments, input shape); the same arguments build torch's layer
    ("MaxPool2d", (3, 2, 1, 1, False, True), (1, 2, 8, 7)),                 # ceil_mode, positionally
    ("AvgPool2d", (3, 2, 1, True, False, None), (2, 1, 6, 7)),             # ceil_mode, count_include_pad
    ("AvgPool2d", (2,), (1, 1, 5, 5)),
    ("AdaptiveAvgPool2d", ((2, None),), (1, 2, 5, 4)),
    ("AdaptiveAvgPool2d", (3,), (2, 1, 7, 5)),
    ("Upsample", (None, 2, "bilinear"), (1, 2, 3, 4)),
    ("Upsample", ((5, 6), None, "bicubic", True), (1, 1, 3, 4)),
    ("Upsample", (None, 1.5), (1, 1, 3, 4)),
    ("UpsamplingNearest2d", (None, 2), (1, 1, 2, 3)),
    ("UpsamplingBilinear2d", ((4, 7),), (1, 1, 3, 4)),                     # align_corners=True
]


@pytest.mark.parametrize("name,args,shape", LAYERS, ids=lambda v: str(v))
def test_layer_matches_torch(device, torch, name, args, shape):
    ours = getattr(nn, name)(*args)
    theirs = getattr(torch.nn, name)(*args)
    compare_with_torch(torch, ours, theirs, [distinct(*shape, seed=3)], device=device)


@pytest.mark.parametrize("name,args,shape", LAYERS, ids=lambda v: str(v))
def test_layer_gradients(device, name, args, shape):
    check_grad(getattr(nn, name)(*args), distinct(*shape, seed=4), device=device)


POOL_SETTINGS = [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                 dict(kernel_size=(2, 3), stride=(1, 2), padding=(1, 0)), dict(kernel_size=[2, 2], ceil_mode=True)]


@pytest.mark.parametrize("kind", ["MaxPool2d", "AvgPool2d"])
@pytest.mark.parametrize("settings", POOL_SETTINGS, ids=str)
def test_pool_layers_keep_their_arguments_and_print_as_torch(torch, kind, settings):
    """Sizes are kept as given (an int stays an int), stride None becomes the kernel size, and the repr is
    PyTorch's, so ``print(model)`` reads the same in both."""
    ours, theirs = getattr(nn, kind)(**settings), getattr(torch.nn, kind)(**settings)
    assert repr(ours) == repr(theirs)
    for name in ("kernel_size", "stride", "padding", "ceil_mode"):
        assert getattr(ours, name) == getattr(theirs, name)
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 8))
    np.testing.assert_allclose(ours(mg.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy(), atol=1e-12)


def test_pool_layers_refuse_malformed_sizes_when_built():
    with pytest.raises(TypeError, match=r"kernel_size must be an int or a pair of ints, got \(2, 2, 2\)"):
        nn.MaxPool2d((2, 2, 2))
    with pytest.raises(TypeError, match="stride"):
        nn.AvgPool2d(2, stride="a")


def test_reprs_name_the_settings():
    assert repr(nn.Upsample(scale_factor=2, mode="bilinear")) == "Upsample(scale_factor=2.0, mode='bilinear')"
    assert repr(nn.Upsample(size=(3, 4))) == "Upsample(size=(3, 4), mode='nearest')"
    assert repr(nn.AdaptiveAvgPool2d((2, None))) == "AdaptiveAvgPool2d(output_size=(2, None))"
    assert "ceil_mode=True" in repr(nn.MaxPool2d(2, ceil_mode=True))


def test_max_pool_layer_returns_indices():
    y, idx = nn.MaxPool2d(2, return_indices=True)(mg.tensor(randn(1, 1, 4, 4, seed=5)))
    assert y.shape == idx.shape == (1, 1, 2, 2) and idx.dtype == np.int64


def test_layers_name_themselves_on_a_wrong_shape():
    for layer in (nn.AdaptiveAvgPool2d(2), nn.MaxPool2d(2), nn.AvgPool2d(2)):
        with pytest.raises(ValueError, match=rf"{type(layer).__name__}\(.*expected a 3-D \(C, H, W\) or 4-D "
                                             rf"\(N, C, H, W\) input, got shape \(3, 4\)"):
            layer(mg.zeros(3, 4))
    with pytest.raises(ValueError, match=r"Upsample\(.*expected a 3-D \(N, C, L\), 4-D \(N, C, H, W\) or 5-D "
                                         r"\(N, C, D, H, W\) input, got shape \(3, 4\)"):
        nn.Upsample(scale_factor=2)(mg.zeros(3, 4))
