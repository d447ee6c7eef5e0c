"""The padding layers (ZeroPad2d, ConstantPad2d, ReflectionPad2d, ReplicationPad2d, CircularPad2d) and
Conv2d's padding_mode: PyTorch's argument forms and reprs, gradchecks in float64, values and gradients
against PyTorch, and the errors."""
import numpy as np
import pytest

import minigan as mg
import minigan.nn as nn
import minigan.nn.functional as F

from helpers import check_grad, compare_with_torch, layer_matches_torch, randn

PAD_LAYERS = {
    "ZeroPad2d": (lambda p: nn.ZeroPad2d(p), lambda tnn, p: tnn.ZeroPad2d(p)),
    "ConstantPad2d": (lambda p: nn.ConstantPad2d(p, -1.5), lambda tnn, p: tnn.ConstantPad2d(p, -1.5)),
    "ReflectionPad2d": (lambda p: nn.ReflectionPad2d(p), lambda tnn, p: tnn.ReflectionPad2d(p)),
    "ReplicationPad2d": (lambda p: nn.ReplicationPad2d(p), lambda tnn, p: tnn.ReplicationPad2d(p)),
    "CircularPad2d": (lambda p: nn.CircularPad2d(p), lambda tnn, p: tnn.CircularPad2d(p)),
}
MODE_OF = {"ZeroPad2d": "constant", "ConstantPad2d": "constant", "ReflectionPad2d": "reflect",
           "ReplicationPad2d": "replicate", "CircularPad2d": "circular"}
# (padding, input shape): an int, an asymmetric 4-tuple with a 0, a batch of 1, an unbatched (C, H, W) input
PADDINGS = [(1, (2, 3, 4, 5)), ((2, 0, 1, 3), (1, 2, 5, 3)), ((0, 1, 2, 2), (3, 3, 4))]


# --------------------------------------------------------------------------- layers
@pytest.mark.parametrize("name", PAD_LAYERS)
def test_padding_forms(name):
    make, _ = PAD_LAYERS[name]
    assert make(2).padding == (2, 2, 2, 2)
    assert make((1, 0, 3, 2)).padding == (1, 0, 3, 2)
    assert make([1, 0, 3, 2]).padding == (1, 0, 3, 2)
    for bad in [(1, 2), (1, 2, 3, 4, 5), 1.5, "1", True]:
        with pytest.raises(TypeError, match=rf"{name}: padding must be an int or a 4-tuple of ints \(left, right, "
                                            rf"top, bottom\), got"):
            make(bad)


@pytest.mark.parametrize("name", PAD_LAYERS)
@pytest.mark.parametrize("padding,shape", PADDINGS)
def test_layer_is_pad_in_its_mode(name, padding, shape):
    make, _ = PAD_LAYERS[name]
    layer = make(padding)
    x = mg.tensor(randn(*shape, seed=1))
    value = -1.5 if name == "ConstantPad2d" else None
    expected = F.pad(x, layer.padding, MODE_OF[name], value).numpy()
    y = layer(x).numpy()
    left, right, top, bottom = layer.padding
    assert y.shape == shape[:-2] + (shape[-2] + top + bottom, shape[-1] + left + right)
    np.testing.assert_array_equal(y, expected)
    np.testing.assert_array_equal(y[..., top:top + shape[-2], left:left + shape[-1]], x.numpy())  # the middle


def test_layer_borders():
    x = mg.tensor(np.arange(6.0).reshape(1, 2, 3))
    np.testing.assert_array_equal(nn.ConstantPad2d((1, 0, 0, 1), 9)(x).numpy()[0],
                                  [[9, 0, 1, 2], [9, 3, 4, 5], [9, 9, 9, 9]])
    np.testing.assert_array_equal(nn.ReflectionPad2d((0, 2, 1, 0))(x).numpy()[0],
                                  [[3, 4, 5, 4, 3], [0, 1, 2, 1, 0], [3, 4, 5, 4, 3]])
    np.testing.assert_array_equal(nn.ReplicationPad2d((1, 0, 0, 1))(x).numpy()[0],
                                  [[0, 0, 1, 2], [3, 3, 4, 5], [3, 3, 4, 5]])
    np.testing.assert_array_equal(nn.CircularPad2d((1, 0, 0, 1))(x).numpy()[0],
                                  [[2, 0, 1, 2], [5, 3, 4, 5], [2, 0, 1, 2]])


@pytest.mark.parametrize("name", PAD_LAYERS)
@pytest.mark.parametrize("padding,shape", PADDINGS)
def test_layer_gradcheck(device, name, padding, shape):
    layer = PAD_LAYERS[name][0](padding)
    rep = check_grad(layer, randn(*shape, seed=2), device=device)
    assert [r.name for r in rep.rows] == ["input 0"]


@pytest.mark.parametrize("name", PAD_LAYERS)
@pytest.mark.parametrize("padding,shape", PADDINGS)
def test_layer_matches_torch(device, torch, name, padding, shape):
    make, make_torch = PAD_LAYERS[name]
    layer, t_layer = make(padding), make_torch(torch.nn, padding)
    assert repr(layer) == repr(t_layer)
    compare_with_torch(torch, layer, t_layer, [randn(*shape, seed=3)], device=device)


def test_layer_reprs():
    assert repr(nn.ZeroPad2d((1, 0, 2, 3))) == "ZeroPad2d((1, 0, 2, 3))"
    assert repr(nn.ConstantPad2d(1, 3.5)) == "ConstantPad2d(padding=(1, 1, 1, 1), value=3.5)"
    assert repr(nn.ReflectionPad2d(2)) == "ReflectionPad2d((2, 2, 2, 2))"
    assert repr(nn.ReplicationPad2d((0, 1, 2, 3))) == "ReplicationPad2d((0, 1, 2, 3))"
    assert repr(nn.CircularPad2d(1)) == "CircularPad2d((1, 1, 1, 1))"


@pytest.mark.parametrize("layer,shape,pattern", [
    (lambda: nn.ReflectionPad2d(1), (4, 4), r"ReflectionPad2d\(\(1, 1, 1, 1\)\): expected a 3-D \(C, H, W\) or 4-D "
                                            r"\(N, C, H, W\) input, got shape \(4, 4\)"),
    (lambda: nn.CircularPad2d(1), (1, 1, 1, 4, 4), r"CircularPad2d.*got shape \(1, 1, 1, 4, 4\)"),
    (lambda: nn.ReplicationPad2d(1), (4,), r"ReplicationPad2d.*got shape \(4,\)"),
    (lambda: nn.ReflectionPad2d((3, 0, 0, 0)), (1, 2, 3), "mode 'reflect' needs each amount smaller than the size"),
    (lambda: nn.CircularPad2d((0, 0, 3, 0)), (1, 2, 3), "mode 'circular' wraps around at most once"),
])
def test_layer_errors(layer, shape, pattern):
    with pytest.raises(ValueError, match=pattern):
        layer()(mg.zeros(*shape))


# --------------------------------------------------------------------------- Conv2d(padding_mode=...)
# (padding_mode, conv arguments, input shape): odd sizes, stride 2, dilation, groups, asymmetric "same"
CONV_CASES = [
    (dict(kernel_size=3, padding=1), (1, 2, 5, 4)),
    (dict(kernel_size=(3, 2), stride=2, padding=(2, 1), bias=False), (2, 2, 5, 7)),
    (dict(kernel_size=3, padding=(1, 2), dilation=2, groups=2), (1, 2, 6, 5)),
    (dict(kernel_size=(4, 3), padding="same", dilation=(1, 2)), (1, 2, 5, 6)),   # 3 rows of padding: 1 + 2
    (dict(kernel_size=2, padding="valid"), (1, 2, 3, 4)),
]
CONV_IDS = ["k3p1", "stride2-nobias", "dilation-groups", "same-even-kernel", "valid"]
MODES = ["zeros", "reflect", "replicate", "circular"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("args,shape", CONV_CASES, ids=CONV_IDS)
def test_conv2d_padding_mode_gradcheck(device, mode, args, shape):
    layer = nn.Conv2d(2, 4, padding_mode=mode, **args).to(device)
    x = mg.tensor(randn(*shape, seed=4), device=device, requires_grad=True)
    params = list(layer.parameters())
    rep = mg.gradcheck(layer, [x], params=params)
    assert [r.name for r in rep.rows] == ["input 0"] + [f"param {i}" for i in range(len(params))]


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("args,shape", CONV_CASES, ids=CONV_IDS)
def test_conv2d_padding_mode_matches_torch(device, torch, mode, args, shape):
    torch.manual_seed(0)
    t_layer = torch.nn.Conv2d(2, 4, padding_mode=mode, **args).double()
    layer = nn.Conv2d(2, 4, padding_mode=mode, **args).double()
    assert repr(layer) == repr(t_layer)
    layer.load_state_dict({k: v.numpy() for k, v in t_layer.state_dict().items()})
    layer_matches_torch(torch, layer, t_layer, randn(*shape, seed=5), device, seed=6)


def test_conv2d_padding_mode_pads_then_convolves_without_padding():
    x = mg.tensor(randn(1, 2, 5, 4, seed=6))
    for mode in ["reflect", "replicate", "circular"]:
        layer = nn.Conv2d(2, 3, (4, 3), padding="same", padding_mode=mode)
        # "same" with a 4-row kernel pads 3 rows: 1 on top and 2 below, as PyTorch does
        expected = F.conv2d(F.pad(x, (1, 1, 1, 2), mode=mode), layer.weight, layer.bias)
        np.testing.assert_allclose(layer(x).numpy(), expected.numpy(), rtol=1e-6, err_msg=mode)
        assert layer(x).shape == (1, 3, 5, 4)
    zeros = nn.Conv2d(2, 3, 3, padding=1)
    reflect = nn.Conv2d(2, 3, 3, padding=1, padding_mode="reflect")
    reflect.load_state_dict(zeros.state_dict())
    assert not np.allclose(zeros(x).numpy(), reflect(x).numpy())        # the border differs ...
    np.testing.assert_allclose(zeros(x).numpy()[..., 1:-1, 1:-1], reflect(x).numpy()[..., 1:-1, 1:-1],
                               rtol=1e-6)                               # ... the inside does not


def test_conv2d_padding_mode_repr_and_errors():
    assert nn.Conv2d(2, 3, 3).padding_mode == "zeros" and "padding_mode" not in repr(nn.Conv2d(2, 3, 3))
    assert repr(nn.Conv2d(2, 3, 3, padding=1, bias=False, padding_mode="reflect")) == (
        "Conv2d(2, 3, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False, padding_mode=reflect)")
    with pytest.raises(ValueError, match="Conv2d: padding_mode must be one of 'zeros', 'reflect', 'replicate', "
                                         "'circular', got 'wrap'"):
        nn.Conv2d(2, 3, 3, padding_mode="wrap")
    with pytest.raises(ValueError, match="Conv2d: padding_mode must be one of .* got 'constant'"):
        nn.Conv2d(2, 3, 3, padding_mode="constant")     # F.pad's name for zeros is not a padding_mode
    assert nn.ConvTranspose2d(2, 3, 3, padding_mode="zeros").padding_mode == "zeros"
    with pytest.raises(ValueError, match="ConvTranspose2d: only padding_mode 'zeros' is supported .*got 'reflect'"):
        nn.ConvTranspose2d(2, 3, 3, padding_mode="reflect")
    with pytest.raises(ValueError, match=r"mode 'reflect' needs each amount smaller than the size of its dim"):
        nn.Conv2d(1, 1, 5, padding=3, padding_mode="reflect")(mg.zeros(1, 1, 3, 3))


def test_conv_transpose2d_refuses_padding_modes_as_torch_does(torch):
    with pytest.raises(ValueError, match='Only "zeros" padding mode is supported'):
        torch.nn.ConvTranspose2d(2, 3, 3, padding_mode="reflect")
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        torch.nn.Conv2d(2, 3, 3, padding_mode="wrap")
