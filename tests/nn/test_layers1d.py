"""The 1-D layers (Conv1d, ConvTranspose1d, MaxPool1d, AvgPool1d, AdaptiveAvgPool1d, AdaptiveMaxPool1d) and the
1-D padding layers against PyTorch: a torch state dict loads with its names unchanged and gives the same outputs
and gradients; parameter shapes, initialisation, attributes and reprs are torch's;
gradchecks in float64; errors that name the layer.
The tests the 1-D and 3-D layers share (the conv, padding_mode and pooling tables) are in test_layers_1d_3d.py."""
import numpy as np
import pytest

import minigan as mg
import minigan.nn as nn
import minigan.nn.functional as F

from helpers import layer_matches_torch, load_from_torch, randn


# --------------------------------------------------------------------------- Conv1d, ConvTranspose1d
# (class name, constructor arguments as torch takes them, input shape); the same arguments build torch's layer
def test_conv1d_is_conv2d_of_height_1():
    layer = nn.Conv1d(2, 3, 3, stride=2, padding=1, bias=False)
    x = mg.tensor(randn(2, 2, 7, seed=3))
    expected = F.conv2d(x.reshape(2, 2, 1, 7), layer.weight.reshape(3, 2, 1, 3), stride=(1, 2), padding=(0, 1))
    np.testing.assert_allclose(layer(x).numpy(), expected.numpy().reshape(2, 3, 4), rtol=1e-6)


def test_conv_transpose1d_output_size(device, torch):
    torch.manual_seed(1)
    t_layer = torch.nn.ConvTranspose1d(2, 3, 3, stride=3, padding=1).double()
    layer = load_from_torch(nn.ConvTranspose1d(2, 3, 3, stride=3, padding=1).double(), t_layer)
    x = randn(1, 2, 4, seed=4)
    for size in ([10], [12], (1, 3, 11)):                                    # the three lengths reachable
        layer_matches_torch(torch, layer, t_layer, x, device, output_size=size)
    with pytest.raises(ValueError, match=r"ConvTranspose1d: requested an output size of \[13\], but valid sizes "
                                         r"range from \[10\] to \[12\] \(for an input of \[4\]\)"):
        layer(mg.tensor(x, device=device), output_size=[13])
    with pytest.raises(ValueError, match=r"ConvTranspose1d: for a 3-D input, output_size must have 1 or 3 elements"):
        layer(mg.tensor(x, device=device), output_size=(3, 11))


# --------------------------------------------------------------------------- pooling layers
def test_pool_reprs():
    assert repr(nn.MaxPool1d(3)) == "MaxPool1d(kernel_size=3, stride=3, padding=0, dilation=1, ceil_mode=False)"
    assert repr(nn.AvgPool1d(3, 2, 1)) == "AvgPool1d(kernel_size=(3,), stride=(2,), padding=(1,))"
    assert repr(nn.AdaptiveMaxPool1d(5, True)) == "AdaptiveMaxPool1d(output_size=5)"


# --------------------------------------------------------------------------- 1-D padding layers
def test_pad1d_borders_and_reprs():
    x = mg.tensor(np.arange(4.0).reshape(1, 4))
    np.testing.assert_array_equal(nn.ConstantPad1d((1, 2), 9)(x).numpy(), [[9, 0, 1, 2, 3, 9, 9]])
    np.testing.assert_array_equal(nn.ReflectionPad1d((2, 1))(x).numpy(), [[2, 1, 0, 1, 2, 3, 2]])
    np.testing.assert_array_equal(nn.ReplicationPad1d((2, 1))(x).numpy(), [[0, 0, 0, 1, 2, 3, 3]])
    np.testing.assert_array_equal(nn.CircularPad1d((2, 1))(x).numpy(), [[2, 3, 0, 1, 2, 3, 0]])
    assert repr(nn.ZeroPad1d((1, 0))) == "ZeroPad1d((1, 0))"
    assert repr(nn.ConstantPad1d(1, 3.5)) == "ConstantPad1d(padding=(1, 1), value=3.5)"
    assert isinstance(nn.ZeroPad1d(1), nn.ConstantPad1d) and isinstance(nn.ZeroPad2d(1), nn.ConstantPad2d)


# --------------------------------------------------------------------------- errors naming the layer
@pytest.mark.parametrize("layer,shape,pattern", [
    (lambda: nn.Conv1d(3, 4, 3), (3, 4, 5, 6), r"Conv1d\(3, 4, kernel_size=\(3,\), stride=\(1,\)\): expected a 2-D "
                                               r"\(C_in, L\) or 3-D \(N, C_in, L\) input, got shape \(3, 4, 5, 6\)"),
    (lambda: nn.Conv1d(3, 4, 3), (2, 5, 6), r"Conv1d\(.*\): expected input with 3 channels, \(N, C_in, L\) or "
                                            r"\(C_in, L\), got 5 \(input shape \(2, 5, 6\)\)"),
    (lambda: nn.Conv1d(3, 4, 3), (5, 6), r"Conv1d\(.*\): expected input with 3 channels.* got 5"),
    (lambda: nn.ConvTranspose1d(2, 4, 3), (7,), r"ConvTranspose1d\(.*\): expected a 2-D .* got shape \(7,\)"),
    (lambda: nn.MaxPool1d(2), (1, 1, 4, 4), r"MaxPool1d\(kernel_size=2, .*\): expected a 2-D \(C, L\) or 3-D "
                                            r"\(N, C, L\) input, got shape \(1, 1, 4, 4\)"),
    (lambda: nn.AvgPool1d(2), (4,), r"AvgPool1d\(.*\): expected a 2-D \(C, L\) or 3-D \(N, C, L\) input"),
    (lambda: nn.AdaptiveAvgPool1d(2), (1, 1, 4, 4), r"AdaptiveAvgPool1d\(output_size=2\): expected a 2-D"),
    (lambda: nn.AdaptiveMaxPool1d(2), (4,), r"AdaptiveMaxPool1d\(output_size=2\): expected a 2-D"),
    (lambda: nn.ReflectionPad1d(1), (1, 1, 4, 4), r"ReflectionPad1d\(\(1, 1\)\): expected a 2-D \(C, L\) or 3-D "
                                                  r"\(N, C, L\) input, got shape \(1, 1, 4, 4\)"),
    (lambda: nn.CircularPad1d(1), (4,), r"CircularPad1d\(\(1, 1\)\): expected a 2-D .* got shape \(4,\)"),
    (lambda: nn.ReflectionPad1d(3), (1, 3), r"mode 'reflect' needs each amount smaller than the size"),
    (lambda: nn.Conv1d(1, 1, 5, padding=3, padding_mode="reflect"), (1, 1, 3),
     r"mode 'reflect' needs each amount smaller than the size"),
])
def test_wrong_inputs_name_the_layer(layer, shape, pattern):
    with pytest.raises(ValueError, match=pattern):
        layer()(mg.zeros(*shape))


@pytest.mark.parametrize("make,error,pattern", [
    (lambda: nn.Conv1d(3, 4, (3, 3)), TypeError, r"Conv1d: kernel_size must be an int or a 1-tuple of ints"),
    (lambda: nn.Conv1d(3, 4, 3, groups=2), ValueError, r"Conv1d: groups=2 must divide in_channels=3"),
    (lambda: nn.Conv1d(2, 4, 3, stride=2, padding="same"), ValueError,
     r"Conv1d: padding='same' is not supported for strided convolutions \(stride \(2,\)\)"),
    (lambda: nn.Conv1d(2, 4, 3, padding="full"), ValueError, r"Conv1d: invalid padding string 'full'"),
    (lambda: nn.Conv1d(2, 4, 3, padding_mode="wrap"), ValueError, r"Conv1d: padding_mode must be one of"),
    (lambda: nn.ConvTranspose1d(2, 4, 3, padding="same"), ValueError, r"ConvTranspose1d: padding='same' is for "
                                                                      r"Conv1d only"),
    (lambda: nn.ConvTranspose1d(2, 4, 3, padding_mode="reflect"), ValueError,
     r"ConvTranspose1d: only padding_mode 'zeros' is supported"),
    (lambda: nn.ConvTranspose1d(2, 4, 3, stride=2, output_padding=2), ValueError,
     r"ConvTranspose1d: output_padding \(2,\) must be smaller than either stride \(2,\) or dilation \(1,\)"),
    (lambda: nn.MaxPool1d((2, 2)), TypeError, r"MaxPool1d: kernel_size must be an int or a 1-tuple"),
    (lambda: nn.AvgPool1d(2, stride=1.5), TypeError, r"AvgPool1d: stride must be an int or a 1-tuple"),
    (lambda: nn.AdaptiveAvgPool1d(None), TypeError, r"AdaptiveAvgPool1d: output_size must be an int or a 1-tuple"),
])
def test_constructor_errors(make, error, pattern):
    with pytest.raises(error, match=pattern):
        make()


def test_layers_work_in_a_sequential_on_signals(torch):
    """A small 1-D encoder-decoder, loaded from torch's: the same output and gradients."""
    def net(lib):
        return lib.Sequential(lib.Conv1d(2, 4, 3, 1, 1, padding_mode="reflect"), lib.ReLU(), lib.MaxPool1d(2),
                              lib.ConvTranspose1d(4, 2, 4, 2, 1), lib.Tanh(), lib.AdaptiveAvgPool1d(5))
    torch.manual_seed(3)
    t_net = net(torch.nn).double()
    model = load_from_torch(net(nn).double(), t_net)
    layer_matches_torch(torch, model, t_net, randn(3, 2, 10, seed=8))
