"""The 3-D layers (Conv3d, ConvTranspose3d, MaxPool3d, AvgPool3d, AdaptiveAvgPool3d, AdaptiveMaxPool3d) against
PyTorch: a torch state dict loads with its names unchanged and gives the same outputs and gradients; parameter
shapes, initialisation, attributes and reprs are torch's; Conv3d's padding_mode; gradchecks in float64; errors
that name the layer."""
import math

import numpy as np
import pytest

import minigan as mg
import minigan.nn as nn
import minigan.nn.functional as F

from helpers import check_grad, compare_with_torch, distinct, layer_matches_torch, randn


def _load_from_torch(layer, t_layer):
    missing, unexpected = layer.load_state_dict({k: v.detach().numpy() for k, v in t_layer.state_dict().items()})
    assert missing == [] and unexpected == []
    return layer


# --------------------------------------------------------------------------- Conv3d, ConvTranspose3d
# (class name, constructor arguments as torch takes them, input shape); the same arguments build torch's layer
CONVS = [
    ("Conv3d", (2, 3, 3), (2, 2, 4, 5, 3)),
    ("Conv3d", (4, 6, (3, 2, 3), (2, 1, 1), (1, 0, 2), (1, 2, 1), 2), (1, 4, 5, 5, 3)),   # every argument, groups
    ("Conv3d", (2, 3, (2, 3, 2), 1, "same", (1, 1, 3), 1, False), (2, 4, 3, 4)),         # unbatched, even "same"
    ("Conv3d", (2, 2, 2, 2, "valid"), (1, 2, 5, 4, 4)),
    ("ConvTranspose3d", (3, 2, 3, 2, 1, 1), (2, 3, 2, 3, 2)),                            # output_padding
    ("ConvTranspose3d", (4, 6, (4, 2, 3), (2, 1, 2), (1, 0, 1), 0, 2, False), (1, 4, 2, 3, 2)),  # groups, no bias
    ("ConvTranspose3d", (2, 3, 3, 1, 1, (1, 0, 0), 1, True, (2, 1, 1)), (2, 3, 2, 2)),   # unbatched, op 1 >= stride
]
CONV_IDS = ["Conv3d-k3", "Conv3d-all-args", "Conv3d-unbatched-same", "Conv3d-valid-s2", "ConvT3d-op1",
            "ConvT3d-groups-nobias", "ConvT3d-unbatched-dilation"]


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
@pytest.mark.parametrize("name,args,shape", CONVS, ids=CONV_IDS)
def test_conv_layer_loads_torch_state_dict_and_matches(device, torch, name, args, shape):
    torch.manual_seed(0)
    t_layer = getattr(torch.nn, name)(*args).double()
    layer = getattr(nn, name)(*args)
    assert list(layer.state_dict()) == list(t_layer.state_dict())
    assert {k: tuple(v.shape) for k, v in layer.state_dict().items()} == \
        {k: tuple(v.shape) for k, v in t_layer.state_dict().items()}
    layer_matches_torch(torch, _load_from_torch(layer.double(), t_layer), t_layer, randn(*shape, seed=1), device)


@pytest.mark.parametrize("name,args,shape", CONVS, ids=CONV_IDS)
def test_conv_layer_gradcheck(device, name, args, shape):
    layer = getattr(nn, name)(*args).to(device)
    params = list(layer.parameters())
    rep = mg.gradcheck(layer, [mg.tensor(randn(*shape, seed=2), device=device, requires_grad=True)], params=params)
    assert len(rep.rows) == 1 + len(params)


@pytest.mark.parametrize("name,args", [(n, a) for n, a, _ in CONVS], ids=CONV_IDS)
def test_conv_layer_attributes_are_torchs(torch, name, args):
    layer, t_layer = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(layer) == repr(t_layer)
    for attr in ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "output_padding",
                 "groups", "padding_mode"):
        assert getattr(layer, attr) == getattr(t_layer, attr), attr
    assert (layer.bias is None) == (t_layer.bias is None)
    assert [name for name, _ in layer.named_parameters()] == [name for name, _ in t_layer.named_parameters()]


@pytest.mark.parametrize("make,fan_in", [
    (lambda lib: lib.Conv3d(4, 8, (3, 2, 1), groups=2), 2 * 3 * 2 * 1),
    (lambda lib: lib.Conv3d(3, 16, 1), 3),
    (lambda lib: lib.ConvTranspose3d(6, 4, 2, groups=2), 2 * 8),     # torch's fan-in of a transposed weight
])
def test_conv_layer_initialisation_is_torchs(torch, make, fan_in):
    """U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias, as torch's kaiming_uniform_(a=sqrt(5))."""
    bound = 1 / math.sqrt(fan_in)
    t_layer = make(torch.nn)
    assert torch.nn.init._calculate_fan_in_and_fan_out(t_layer.weight)[0] == fan_in
    weights, biases = [], []
    for seed in range(20):
        mg.manual_seed(seed)
        layer = make(nn)
        assert layer.weight.shape == tuple(t_layer.weight.shape) and layer.weight.dtype == np.float32
        weights.append(layer.weight.numpy().ravel())
        biases.append(layer.bias.numpy().ravel())
    for what, values in (("weight", np.concatenate(weights)), ("bias", np.concatenate(biases))):
        assert np.abs(values).max() <= bound, what
        assert np.abs(values).max() > 0.95 * bound, what                     # fills the interval ...
        assert abs(values.std() - bound / math.sqrt(3)) < 0.1 * bound, what   # ... evenly
    mg.manual_seed(0)
    layer = make(nn)
    before = layer.weight.numpy().copy()
    layer.reset_parameters()                                                 # draws again, from the same law
    assert not np.array_equal(before, layer.weight.numpy()) and np.abs(layer.weight.numpy()).max() <= bound


def test_conv_transpose3d_output_size(device, torch):
    torch.manual_seed(1)
    t_layer = torch.nn.ConvTranspose3d(2, 3, 3, stride=(3, 2, 1), padding=1).double()
    layer = _load_from_torch(nn.ConvTranspose3d(2, 3, 3, stride=(3, 2, 1), padding=1).double(), t_layer)
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


# --------------------------------------------------------------------------- Conv3d(padding_mode=...)
# (constructor keywords, input shape): odd sizes, strides, dilation, groups, an even "same", unbatched
MODE_CASES = [
    (dict(kernel_size=3, padding=1), (1, 2, 3, 4, 5)),
    (dict(kernel_size=3, stride=(2, 1, 2), padding=(2, 1, 0), bias=False), (2, 2, 5, 3, 4)),
    (dict(kernel_size=(3, 2, 2), padding=(2, 1, 1), dilation=(2, 1, 1), groups=2), (1, 2, 4, 3, 3)),
    (dict(kernel_size=(2, 4, 3), padding="same"), (1, 2, 3, 5, 4)),          # 3 zeros along H: 1 before, 2 after
    (dict(kernel_size=2, padding="valid"), (2, 3, 4, 3)),
]
MODE_IDS = ["k3p1", "stride-nobias", "dilation-groups", "same-even-kernel", "valid-unbatched"]
MODES = ["zeros", "reflect", "replicate", "circular"]


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kwargs,shape", MODE_CASES, ids=MODE_IDS)
def test_conv3d_padding_mode_matches_torch(device, torch, mode, kwargs, shape):
    torch.manual_seed(2)
    t_layer = torch.nn.Conv3d(2, 4, padding_mode=mode, **kwargs).double()
    layer = _load_from_torch(nn.Conv3d(2, 4, padding_mode=mode, **kwargs).double(), t_layer)
    assert repr(layer) == repr(t_layer)
    layer_matches_torch(torch, layer, t_layer, randn(*shape, seed=5), device)


@pytest.mark.parametrize("mode", MODES[1:])
def test_conv3d_padding_mode_gradcheck(device, mode):
    layer = nn.Conv3d(2, 2, (2, 3, 2), stride=(1, 2, 1), padding=(1, 2, 1), padding_mode=mode).to(device)
    params = list(layer.parameters())
    rep = mg.gradcheck(layer, [mg.tensor(randn(1, 2, 3, 4, 3, seed=6), device=device, requires_grad=True)],
                       params=params)
    assert len(rep.rows) == 3


def test_conv3d_padding_mode_pads_then_convolves_without_padding():
    x = mg.tensor(randn(1, 2, 3, 5, 4, seed=7))
    for mode in ["reflect", "replicate", "circular"]:
        layer = nn.Conv3d(2, 3, (2, 4, 3), padding="same", padding_mode=mode)
        expected = F.conv3d(F.pad(x, (1, 1, 1, 2, 0, 1), mode=mode), layer.weight, layer.bias)
        np.testing.assert_allclose(layer(x).numpy(), expected.numpy(), rtol=1e-6, err_msg=mode)


# --------------------------------------------------------------------------- pooling layers
POOLS = [   # (name, constructor arguments, input shape); the same arguments build torch's layer
    ("MaxPool3d", (3,), (2, 2, 4, 5, 3)),
    ("MaxPool3d", (3, 2, 1, (2, 1, 1), False, True), (1, 2, 6, 5, 4)),       # dilation, ceil_mode, positionally
    ("MaxPool3d", ((2, 1, 2), (1, 1, 2)), (3, 4, 3, 5)),                      # unbatched, tuples
    ("AvgPool3d", (3, 2, 1, True, False), (2, 1, 5, 4, 6)),                  # ceil_mode, count_include_pad
    ("AvgPool3d", ((2, 3, 2), None, (1, 1, 0), False, True, 7), (1, 2, 4, 5, 3)),   # divisor_override
    ("AvgPool3d", (2,), (3, 4, 5, 3)),
    ("AdaptiveAvgPool3d", ((3, 2, 4),), (2, 2, 5, 4, 6)),
    ("AdaptiveAvgPool3d", ((2, None, 3),), (2, 3, 4, 5)),
    ("AdaptiveMaxPool3d", (2,), (1, 2, 5, 4, 3)),
    ("AdaptiveMaxPool3d", ((None, 3, 2),), (3, 2, 4, 5)),
]


@pytest.mark.parametrize("name,args,shape", POOLS, ids=lambda v: str(v))
def test_pool_layer_matches_torch(device, torch, name, args, shape):
    layer, t_layer = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(layer) == repr(t_layer)
    for attr in ("kernel_size", "stride", "padding", "dilation", "ceil_mode", "count_include_pad",
                 "divisor_override", "output_size", "return_indices"):
        assert getattr(layer, attr, None) == getattr(t_layer, attr, None), attr
    compare_with_torch(torch, layer, t_layer, [distinct(*shape, seed=3)], device=device)


@pytest.mark.parametrize("name,args,shape", POOLS, ids=lambda v: str(v))
def test_pool_layer_gradcheck(device, name, args, shape):
    check_grad(getattr(nn, name)(*args), distinct(*shape, seed=4), device=device)


@pytest.mark.parametrize("make", [lambda lib: lib.MaxPool3d(3, 2, 1, return_indices=True, ceil_mode=True),
                                  lambda lib: lib.AdaptiveMaxPool3d((2, 3, 2), return_indices=True)])
def test_max_pool_layers_return_torchs_indices(torch, make):
    x = distinct(2, 2, 5, 4, 6, seed=5)
    (y, indices), (ty, t_indices) = make(nn)(mg.tensor(x)), make(torch.nn)(torch.tensor(x))
    assert indices.dtype == np.int64
    np.testing.assert_array_equal(indices.numpy(), t_indices.numpy())
    np.testing.assert_array_equal(y.numpy(), ty.numpy())


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
    model = _load_from_torch(net(nn).double(), t_net)
    layer_matches_torch(torch, model, t_net, randn(2, 2, 4, 6, 5, seed=8))
