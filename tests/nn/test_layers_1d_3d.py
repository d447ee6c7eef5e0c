"""What the 1-D and 3-D layers share, held against PyTorch on one table: Conv1d/3d and ConvTranspose1d/3d
(torch's state dict loads and gives the same outputs and gradients; gradcheck; attributes, parameter names and
reprs; torch's initialisation) and the pooling layers (outputs, attributes, reprs, gradcheck, return_indices).
Conv1d's and Conv3d's padding_mode are held against PyTorch on one table too. What is particular to each size
is in test_layers1d.py and test_layers3d.py."""
import math

import numpy as np
import pytest

import minigan as mg
import minigan.nn as nn
import minigan.nn.functional as F

from helpers import check_grad, compare_with_torch, distinct, layer_matches_torch, load_from_torch, randn

# --------------------------------------------------------------------------- convolutions
# (class name, constructor arguments as torch takes them, input shape); the same arguments build torch's layer
CONVS = [
    ("Conv1d", (3, 4, 3), (2, 3, 7)),
    ("Conv1d", (4, 6, 3, 2, 1, 2, 2), (1, 4, 9)),                            # stride, padding, dilation, groups
    ("Conv1d", (2, 3, (4,), (1,), "same", (1,), 1, False), (2, 5)),          # unbatched, even "same", 1-tuples
    ("Conv1d", (2, 2, 2, 3, "valid"), (1, 2, 8)),
    ("ConvTranspose1d", (3, 2, 3, 2, 1, 1), (2, 3, 5)),                      # output_padding
    ("ConvTranspose1d", (4, 6, 4, 2, 1, 0, 2, False), (1, 4, 3)),            # groups, no bias
    ("ConvTranspose1d", (2, 3, 3, 1, 1, 1, 1, True, 2), (2, 6)),             # unbatched, op 1 >= stride, dilation 2
    ("Conv3d", (2, 3, 3), (2, 2, 4, 5, 3)),
    ("Conv3d", (4, 6, (3, 2, 3), (2, 1, 1), (1, 0, 2), (1, 2, 1), 2), (1, 4, 5, 5, 3)),   # every argument, groups
    ("Conv3d", (2, 3, (2, 3, 2), 1, "same", (1, 1, 3), 1, False), (2, 4, 3, 4)),         # unbatched, even "same"
    ("Conv3d", (2, 2, 2, 2, "valid"), (1, 2, 5, 4, 4)),
    ("ConvTranspose3d", (3, 2, 3, 2, 1, 1), (2, 3, 2, 3, 2)),                            # output_padding
    ("ConvTranspose3d", (4, 6, (4, 2, 3), (2, 1, 2), (1, 0, 1), 0, 2, False), (1, 4, 2, 3, 2)),  # groups, no bias
    ("ConvTranspose3d", (2, 3, 3, 1, 1, (1, 0, 0), 1, True, (2, 1, 1)), (2, 3, 2, 2)),   # unbatched, op 1 >= stride
]
CONV_IDS = ["Conv1d-k3", "Conv1d-s2p1d2g2", "Conv1d-unbatched-same", "Conv1d-valid-s3", "ConvT1d-op1",
            "ConvT1d-groups-nobias", "ConvT1d-unbatched-dilation",
            "Conv3d-k3", "Conv3d-all-args", "Conv3d-unbatched-same", "Conv3d-valid-s2", "ConvT3d-op1",
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
    layer_matches_torch(torch, load_from_torch(layer.double(), t_layer), t_layer, randn(*shape, seed=1), device)


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
    (lambda lib: lib.Conv1d(4, 8, 5, groups=2), 2 * 5),
    (lambda lib: lib.Conv1d(3, 16, 1), 3),
    (lambda lib: lib.ConvTranspose1d(6, 4, 3, groups=2), 2 * 3),     # torch's fan-in of a transposed weight
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


# --------------------------------------------------------------------------- Conv1d/Conv3d(padding_mode=...)
# (class name, constructor keywords, input shape): odd sizes, stride, dilation, groups, an even "same", unbatched
MODE_CASES = [
    ("Conv1d", dict(kernel_size=3, padding=1), (1, 2, 5)),
    ("Conv1d", dict(kernel_size=3, stride=2, padding=2, bias=False), (2, 2, 7)),
    ("Conv1d", dict(kernel_size=3, padding=2, dilation=2, groups=2), (1, 2, 6)),
    ("Conv1d", dict(kernel_size=4, padding="same", dilation=1), (2, 2, 5)),            # 3 zeros: 1 left, 2 right
    ("Conv1d", dict(kernel_size=2, padding="valid"), (2, 4)),
    ("Conv3d", dict(kernel_size=3, padding=1), (1, 2, 3, 4, 5)),
    ("Conv3d", dict(kernel_size=3, stride=(2, 1, 2), padding=(2, 1, 0), bias=False), (2, 2, 5, 3, 4)),
    ("Conv3d", dict(kernel_size=(3, 2, 2), padding=(2, 1, 1), dilation=(2, 1, 1), groups=2), (1, 2, 4, 3, 3)),
    ("Conv3d", dict(kernel_size=(2, 4, 3), padding="same"), (1, 2, 3, 5, 4)),   # 3 zeros along H: 1 before, 2 after
    ("Conv3d", dict(kernel_size=2, padding="valid"), (2, 3, 4, 3)),
]
MODE_IDS = [f"{d}-{case}" for d in ("1d", "3d")
            for case in ("k3p1", "stride-nobias", "dilation-groups", "same-even-kernel", "valid-unbatched")]
MODES = ["zeros", "reflect", "replicate", "circular"]


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name,kwargs,shape", MODE_CASES, ids=MODE_IDS)
def test_conv_padding_mode_matches_torch(device, torch, mode, name, kwargs, shape):
    torch.manual_seed(2)
    t_layer = getattr(torch.nn, name)(2, 4, padding_mode=mode, **kwargs).double()
    layer = load_from_torch(getattr(nn, name)(2, 4, padding_mode=mode, **kwargs).double(), t_layer)
    assert repr(layer) == repr(t_layer)
    layer_matches_torch(torch, layer, t_layer, randn(*shape, seed=5), device)


@pytest.mark.parametrize("mode", MODES[1:])
@pytest.mark.parametrize("make,shape", [
    (lambda mode: nn.Conv1d(2, 3, 3, stride=2, padding=2, padding_mode=mode), (1, 2, 6)),
    (lambda mode: nn.Conv3d(2, 2, (2, 3, 2), stride=(1, 2, 1), padding=(1, 2, 1), padding_mode=mode), (1, 2, 3, 4, 3)),
], ids=["1d", "3d"])
def test_conv_padding_mode_gradcheck(device, mode, make, shape):
    layer = make(mode).to(device)
    params = list(layer.parameters())
    rep = mg.gradcheck(layer, [mg.tensor(randn(*shape, seed=6), device=device, requires_grad=True)], params=params)
    assert len(rep.rows) == 3


@pytest.mark.parametrize("name,kernel,shape,pads", [("Conv1d", 4, (1, 2, 5), (1, 2)),
                                                    ("Conv3d", (2, 4, 3), (1, 2, 3, 5, 4), (1, 1, 1, 2, 0, 1))])
def test_conv_padding_mode_pads_then_convolves_without_padding(name, kernel, shape, pads):
    """An odd "same" total puts the extra zero at the end of each dim (right, bottom, back), as PyTorch."""
    x = mg.tensor(randn(*shape, seed=7))
    conv = getattr(F, name.lower())
    for mode in ["reflect", "replicate", "circular"]:
        layer = getattr(nn, name)(2, 3, kernel, padding="same", padding_mode=mode)
        expected = conv(F.pad(x, pads, mode=mode), layer.weight, layer.bias)
        np.testing.assert_allclose(layer(x).numpy(), expected.numpy(), rtol=1e-6, err_msg=mode)


# --------------------------------------------------------------------------- 1-D and 3-D padding layers
PAD_LAYERS = {f"{kind}Pad{d}d": (d, (lambda kind, d: lambda lib, p: getattr(lib, f"{kind}Pad{d}d")(
    *((p, -1.5) if kind == "Constant" else (p,))))(kind, d))
    for d in (1, 3) for kind in ("Zero", "Constant", "Reflection", "Replication", "Circular")}
# (padding, input shape) by dims: an int, an asymmetric tuple with a 0, an unbatched input
PADDINGS = {1: [(2, (2, 3, 5)), ((0, 3), (1, 2, 4)), ((2, 1), (3, 4))],
            3: [(1, (1, 2, 3, 4, 3)), ((0, 2, 1, 0, 2, 1), (2, 1, 3, 3, 4)), ((1, 1, 0, 2, 1, 0), (2, 2, 3, 3))]}
PAD_CASES = [(name, padding, shape) for name, (d, _) in PAD_LAYERS.items() for padding, shape in PADDINGS[d]]


@pytest.mark.parametrize("name", PAD_LAYERS)
def test_padding_layer_forms(name):
    d, make = PAD_LAYERS[name]
    sides = ", ".join(("left", "right", "top", "bottom", "front", "back")[:2 * d])
    assert make(nn, 2).padding == (2,) * (2 * d)
    assert make(nn, tuple(range(2 * d))).padding == make(nn, list(range(2 * d))).padding == tuple(range(2 * d))
    for bad in [(1,) * (2 * d + 1), (1,), 1.5, "1", True]:
        with pytest.raises(TypeError, match=rf"{name}: padding must be an int or a {2 * d}-tuple of ints "
                                            rf"\({sides}\), got"):
            make(nn, bad)


@pytest.mark.parametrize("name,padding,shape", PAD_CASES)
def test_padding_layer_matches_torch(device, torch, name, padding, shape):
    _, make = PAD_LAYERS[name]
    layer, t_layer = make(nn, padding), make(torch.nn, padding)
    assert repr(layer) == repr(t_layer)
    x = randn(*shape, seed=6)
    check_grad(layer, x, device=device)
    compare_with_torch(torch, layer, t_layer, [x], device=device)


def test_padding_layer_errors_name_the_layer():
    with pytest.raises(ValueError, match=r"ReflectionPad3d\(\(1, 1, 1, 1, 1, 1\)\): expected a 4-D \(C, D, H, W\) "
                                         r"or 5-D \(N, C, D, H, W\) input, got shape \(4, 4, 4\)"):
        nn.ReflectionPad3d(1)(mg.zeros(4, 4, 4))
    with pytest.raises(ValueError, match="mode 'reflect' needs each amount smaller than the size"):
        nn.ReflectionPad3d((0, 0, 0, 0, 3, 0))(mg.zeros(1, 3, 4, 4))


# --------------------------------------------------------------------------- pooling layers
POOLS = [   # (name, constructor arguments, input shape); the same arguments build torch's layer
    ("MaxPool1d", (3,), (2, 2, 9)),
    ("MaxPool1d", (3, 2, 1, 2, False, True), (1, 3, 10)),                    # dilation, ceil_mode, positionally
    ("MaxPool1d", ((2,), (1,)), (3, 5)),                                      # unbatched, 1-tuples
    ("AvgPool1d", (3, 2, 1, True, False), (2, 1, 8)),                        # ceil_mode, count_include_pad
    ("AvgPool1d", (2,), (3, 7)),
    ("AdaptiveAvgPool1d", (3,), (2, 2, 7)),
    ("AdaptiveAvgPool1d", ((6,),), (4, 4)),
    ("AdaptiveMaxPool1d", (3,), (1, 2, 7)),
    ("AdaptiveMaxPool1d", (4,), (3, 9)),
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


@pytest.mark.parametrize("make, shape", [
    (lambda lib: lib.MaxPool1d(3, 2, 1, return_indices=True, ceil_mode=True), (2, 2, 9)),
    (lambda lib: lib.AdaptiveMaxPool1d(4, return_indices=True), (2, 2, 9)),
    (lambda lib: lib.MaxPool3d(3, 2, 1, return_indices=True, ceil_mode=True), (2, 2, 5, 4, 6)),
    (lambda lib: lib.AdaptiveMaxPool3d((2, 3, 2), return_indices=True), (2, 2, 5, 4, 6)),
])
def test_max_pool_layers_return_torchs_indices(torch, make, shape):
    x = distinct(*shape, seed=5)
    (y, indices), (ty, t_indices) = make(nn)(mg.tensor(x)), make(torch.nn)(torch.tensor(x))
    assert indices.dtype == np.int64
    np.testing.assert_array_equal(indices.numpy(), t_indices.numpy())
    np.testing.assert_array_equal(y.numpy(), ty.numpy())
