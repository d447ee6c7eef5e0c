"""The 3-D layers (Conv3d, ConvTranspose3d, MaxPool3d, AvgPool3d, AdaptiveAvgPool3d, AdaptiveMaxPool3d) against
PyTorch: a torch state dict loads with its names unchanged and gives the same outputs and gradients; parameter
shapes, initialisation, attributes and reprs are torch's; gradchecks in float64; errors
that name the layer.
The tests the 1-D and 3-D layers share (the conv, padding_mode and pooling tables) are in test_layers_1d_3d.py."""
import pytest

import minigan as mg
import minigan.nn as nn

from helpers import layer_matches_torch, load_from_torch, randn


# --------------------------------------------------------------------------- Conv3d, ConvTranspose3d
# (class name, constructor arguments as torch takes them, input shape); the same arguments build torch's layer
def test_conv_transpose3d_output_size(device, torch):
    torch.manual_seed(1)
    t_layer = torch.nn.ConvTranspose3d(2, 3, 3, stride=(3, 2, 1), padding=1).double()
    layer = load_from_torch(nn.ConvTranspose3d(2, 3, 3, stride=(3, 2, 1), padding=1).double(), t_layer)
    x = randn(1, 2, 3, 2, 4, seed=4)
    for size in ([7, 3, 4], [9, 4, 4], (1, 3, 8, 3, 4)):                     # sizes reachable along each dim
        layer_matches_torch(torch, layer, t_layer, x, device, output_size=size)
    layer_matches_torch(torch, layer, t_layer, x[0], device, output_size=(3, 8, 4, 4))   # unbatched: (C, D, H, W)
    with pytest.raises(ValueError, match=r"ConvTranspose3d: requested an output size of \[10, 3, 4\], but valid "
                                         r"sizes range from \[7, 3, 4\] to \[9, 4, 4\] "
                                         r"\(for an input of \[3, 2, 4\]\)"):
        layer(mg.tensor(x, device=device), output_size=[10, 3, 4])
    with pytest.raises(ValueError, match=r"ConvTranspose3d: for a 5-D input, output_size must have 3 or 5 elements"):
        layer(mg.tensor(x, device=device), output_size=(3, 7, 3, 4))


# (constructor keywords, input shape): odd sizes, strides, dilation, groups, an even "same", unbatched
# --------------------------------------------------------------------------- pooling layers
def test_pool_reprs():
    assert repr(nn.MaxPool3d(3)) == "MaxPool3d(kernel_size=3, stride=3, padding=0, dilation=1, ceil_mode=False)"
    assert repr(nn.AvgPool3d((3, 2, 1), 2, 1)) == "AvgPool3d(kernel_size=(3, 2, 1), stride=2, padding=1)"
    assert repr(nn.AdaptiveMaxPool3d((5, None, 2), True)) == "AdaptiveMaxPool3d(output_size=(5, None, 2))"


# --------------------------------------------------------------------------- errors naming the layer
@pytest.mark.parametrize("layer,shape,pattern", [
    (lambda: nn.Conv3d(3, 4, 3), (3, 4, 5), r"Conv3d\(3, 4, kernel_size=\(3, 3, 3\), stride=\(1, 1, 1\)\): expected a "
                                            r"4-D \(C_in, D, H, W\) or 5-D \(N, C_in, D, H, W\) input, got shape "
                                            r"\(3, 4, 5\)"),
    (lambda: nn.Conv3d(3, 4, 3), (2, 5, 6, 6, 6), r"Conv3d\(.*\): expected input with 3 channels, \(N, C_in, D, H, W\) "
                                                  r"or \(C_in, D, H, W\), got 5 \(input shape \(2, 5, 6, 6, 6\)\)"),
    (lambda: nn.Conv3d(3, 4, 3), (5, 6, 6, 6), r"Conv3d\(.*\): expected input with 3 channels.* got 5"),
    (lambda: nn.ConvTranspose3d(2, 4, 3), (1, 1, 2, 3, 3, 3), r"ConvTranspose3d\(.*\): expected a 4-D .* got shape"),
    (lambda: nn.MaxPool3d(2), (1, 4, 4), r"MaxPool3d\(kernel_size=2, .*\): expected a 4-D \(C, D, H, W\) or 5-D "
                                         r"\(N, C, D, H, W\) input, got shape \(1, 4, 4\)"),
    (lambda: nn.AvgPool3d(2), (4, 4), r"AvgPool3d\(.*\): expected a 4-D \(C, D, H, W\) or 5-D"),
    (lambda: nn.AdaptiveAvgPool3d(2), (1, 1, 1, 4, 4, 4), r"AdaptiveAvgPool3d\(output_size=2\): expected a 4-D"),
    (lambda: nn.AdaptiveMaxPool3d(2), (4, 4, 4), r"AdaptiveMaxPool3d\(output_size=2\): expected a 4-D"),
    (lambda: nn.Conv3d(1, 1, 5, padding=3, padding_mode="reflect"), (1, 1, 3, 3, 3),
     r"mode 'reflect' needs each amount smaller than the size"),
])
def test_wrong_inputs_name_the_layer(layer, shape, pattern):
    with pytest.raises(ValueError, match=pattern):
        layer()(mg.zeros(*shape))


@pytest.mark.parametrize("make,error,pattern", [
    (lambda: nn.Conv3d(3, 4, (3, 3)), TypeError, r"Conv3d: kernel_size must be an int or a 3-tuple of ints"),
    (lambda: nn.Conv3d(3, 4, 3, groups=2), ValueError, r"Conv3d: groups=2 must divide in_channels=3"),
    (lambda: nn.Conv3d(2, 4, 3, stride=(1, 1, 2), padding="same"), ValueError,
     r"Conv3d: padding='same' is not supported for strided convolutions \(stride \(1, 1, 2\)\)"),
    (lambda: nn.Conv3d(2, 4, 3, padding="full"), ValueError, r"Conv3d: invalid padding string 'full'"),
    (lambda: nn.Conv3d(2, 4, 3, padding_mode="wrap"), ValueError, r"Conv3d: padding_mode must be one of"),
    (lambda: nn.ConvTranspose3d(2, 4, 3, padding="same"), ValueError, r"ConvTranspose3d: padding='same' is for "
                                                                      r"Conv3d only"),
    (lambda: nn.ConvTranspose3d(2, 4, 3, padding_mode="reflect"), ValueError,
     r"ConvTranspose3d: only padding_mode 'zeros' is supported"),
    (lambda: nn.ConvTranspose3d(2, 4, 3, stride=2, output_padding=(0, 0, 2)), ValueError,
     r"ConvTranspose3d: output_padding \(0, 0, 2\) must be smaller than either stride \(2, 2, 2\) or dilation "
     r"\(1, 1, 1\)"),
    (lambda: nn.MaxPool3d((2, 2)), TypeError, r"MaxPool3d: kernel_size must be an int or a 3-tuple"),
    (lambda: nn.AvgPool3d(2, stride=1.5), TypeError, r"AvgPool3d: stride must be an int or a 3-tuple"),
])
def test_constructor_errors(make, error, pattern):
    with pytest.raises(error, match=pattern):
        make()


def test_layers_work_in_a_sequential_on_volumes(torch):
    """A small 3-D encoder-decoder, loaded from torch's: the same output and gradients."""
    def net(lib):
        return lib.Sequential(lib.Conv3d(2, 4, 3, 1, 1, padding_mode="replicate"), lib.ReLU(), lib.MaxPool3d(2),
                              lib.ConvTranspose3d(4, 2, 4, 2, 1), lib.Tanh(), lib.AvgPool3d(2, 1, 1),
                              lib.AdaptiveAvgPool3d((3, 2, 3)))
    torch.manual_seed(3)
    t_net = net(torch.nn).double()
    model = load_from_torch(net(nn).double(), t_net)
    layer_matches_torch(torch, model, t_net, randn(2, 2, 4, 6, 5, seed=8))
