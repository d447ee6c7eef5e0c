"""Every layer gradchecked in float64 with respect to its input and its parameters, plus output shapes,
and the errors a layer gives for a wrong input."""
import numpy as np
import pytest

import minigan as mg
import minigan.nn as nn

from helpers import distinct, layer_matches_torch, load_from_torch, randn

# (name, factory, input shape, input maker)
LAYERS = [
    ("Linear", lambda: nn.Linear(5, 3), (2, 5), randn),
    ("Linear-nobias-3d", lambda: nn.Linear(4, 2, bias=False), (2, 1, 4), randn),
    ("Conv2d", lambda: nn.Conv2d(2, 3, (3, 2), stride=2, padding=1), (1, 2, 5, 4), randn),
    ("Conv2d-groups-dil", lambda: nn.Conv2d(4, 2, 3, padding=2, dilation=2, groups=2, bias=False), (1, 4, 4, 4), randn),
    ("ConvTranspose2d", lambda: nn.ConvTranspose2d(2, 3, 4, stride=2, padding=1), (1, 2, 3, 3), randn),
    ("ConvTranspose2d-groups-op", lambda: nn.ConvTranspose2d(4, 2, (3, 2), stride=2, output_padding=1, groups=2),
     (2, 4, 2, 3), randn),
    ("MaxPool2d", lambda: nn.MaxPool2d(3, stride=2, padding=1), (1, 2, 5, 5), distinct),
    ("AvgPool2d", lambda: nn.AvgPool2d(2, stride=1), (2, 1, 3, 4), randn),
    ("AvgPool2d-nopad", lambda: nn.AvgPool2d(3, 2, 1, count_include_pad=False), (1, 1, 5, 4), randn),
    ("BatchNorm1d", lambda: nn.BatchNorm1d(3), (4, 3), randn),
    ("BatchNorm1d-3d", lambda: nn.BatchNorm1d(2), (3, 2, 2), randn),
    ("BatchNorm2d", lambda: nn.BatchNorm2d(2), (2, 2, 2, 3), randn),
    ("BatchNorm2d-eval", lambda: nn.BatchNorm2d(2).eval(), (1, 2, 2, 3), randn),
    ("LayerNorm", lambda: nn.LayerNorm((3, 5)), (1, 2, 3, 5), randn),
    ("LayerNorm-noaffine", lambda: nn.LayerNorm(3, elementwise_affine=False), (2, 3), randn),
    ("GroupNorm", lambda: nn.GroupNorm(3, 6), (1, 6, 3, 1), randn),
    ("InstanceNorm2d", lambda: nn.InstanceNorm2d(2), (1, 2, 3, 5), randn),
    ("InstanceNorm2d-affine-unbatched", lambda: nn.InstanceNorm2d(3, affine=True), (3, 2, 3), randn),
    ("InstanceNorm2d-running-eval", lambda: nn.InstanceNorm2d(2, track_running_stats=True).eval(), (1, 2, 3, 3),
     randn),
    ("ELU", nn.ELU, (2, 5), distinct),
    ("GELU", nn.GELU, (2, 5), randn),
    ("GELU-tanh", lambda: nn.GELU("tanh"), (2, 5), randn),
    ("Softplus", lambda: nn.Softplus(2, 0.5), (2, 5), distinct),
    ("ReLU", nn.ReLU, (2, 5), distinct),
    ("LeakyReLU", lambda: nn.LeakyReLU(0.2), (2, 5), distinct),
    ("Tanh", nn.Tanh, (2, 5), randn),
    ("Sigmoid", nn.Sigmoid, (2, 5), randn),
    ("Flatten", nn.Flatten, (2, 2, 1, 3), randn),
    ("Unflatten", lambda: nn.Unflatten(1, (2, 3)), (2, 6), randn),
    ("Unflatten-inferred", lambda: nn.Unflatten(1, (-1, 2)), (2, 6, 1), randn),
    ("Conv2d-same-even-kernel", lambda: nn.Conv2d(2, 3, (4, 3), padding="same", dilation=(1, 2)), (1, 2, 5, 6),
     randn),
    ("Conv2d-valid", lambda: nn.Conv2d(2, 1, 3, padding="valid"), (1, 2, 4, 5), randn),
    ("Upsample", lambda: nn.Upsample(scale_factor=2), (1, 2, 2, 3), randn),
    ("Upsample-size", lambda: nn.Upsample(size=(3, 5)), (1, 1, 2, 3), randn),
    ("Sequential-DCGAN-like", lambda: nn.Sequential(
        nn.ConvTranspose2d(3, 2, 4, 1, 0, bias=False), nn.BatchNorm2d(2), nn.ReLU(),
        nn.Conv2d(2, 2, 3, 2, 1), nn.LeakyReLU(0.2), nn.Flatten(), nn.Linear(8, 1), nn.Sigmoid()),
     (2, 3, 1, 1), randn),
]


@pytest.mark.parametrize("name,factory,shape,make", LAYERS, ids=[x[0] for x in LAYERS])
def test_layer_gradcheck(device, name, factory, shape, make):
    layer = factory().to(device)
    x = mg.tensor(make(*shape, seed=1), device=device, requires_grad=True)
    params = list(layer.parameters())
    rep = mg.gradcheck(layer, [x], params=params)
    assert [r.name for r in rep.rows] == ["input 0"] + [f"param {i}" for i in range(len(params))]
    for p in params:  # gradcheck restores the float32 parameters
        assert p.dtype == np.float32


def test_layer_gradcheck_after_double(device):
    layer = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).double().to(device)
    assert all(p.dtype == np.float64 for p in layer.parameters())
    x = mg.tensor(randn(2, 3, seed=2), device=device, requires_grad=True)
    mg.gradcheck(layer, [x], params=list(layer.parameters()))


def test_dropout_layer_gradcheck_with_fixed_mask(device):
    layer = nn.Dropout(0.4)

    def f(x):
        mg.manual_seed(3)
        return layer(x)

    mg.gradcheck(f, [mg.tensor(randn(4, 5, seed=4), device=device, requires_grad=True)])
    layer.eval()
    x = mg.tensor(randn(4, 5, seed=4), device=device)
    assert layer(x) is x


@pytest.mark.parametrize("layer,x_shape,y_shape", [
    (lambda: nn.Conv2d(1, 4, 4, 2, 1), (3, 1, 8, 8), (3, 4, 4, 4)),
    (lambda: nn.ConvTranspose2d(4, 1, 4, 2, 1), (3, 4, 4, 4), (3, 1, 8, 8)),
    (lambda: nn.ConvTranspose2d(8, 4, 4, 1, 0), (2, 8, 1, 1), (2, 4, 4, 4)),
    (lambda: nn.ConvTranspose2d(2, 2, 3, 2, 1, output_padding=1), (1, 2, 4, 4), (1, 2, 8, 8)),
    (lambda: nn.MaxPool2d(2), (1, 3, 5, 5), (1, 3, 2, 2)),
    (lambda: nn.AvgPool2d(3, 2, 1), (1, 3, 5, 5), (1, 3, 3, 3)),
    (lambda: nn.Flatten(), (2, 3, 4, 5), (2, 60)),
    (lambda: nn.Unflatten(1, (3, 4, 5)), (2, 60), (2, 3, 4, 5)),
    (lambda: nn.Upsample(scale_factor=2), (1, 1, 3, 4), (1, 1, 6, 8)),
])
def test_output_shapes(layer, x_shape, y_shape):
    assert layer()(mg.zeros(*x_shape)).shape == y_shape


def test_conv_transpose2d_output_size_argument():
    layer = nn.ConvTranspose2d(1, 1, 3, stride=2, padding=1)
    assert layer(mg.zeros(1, 1, 4, 4)).shape == (1, 1, 7, 7)
    assert layer(mg.zeros(1, 1, 4, 4), output_size=(8, 8)).shape == (1, 1, 8, 8)
    assert layer(mg.zeros(1, 1, 4, 4), output_size=(1, 1, 8, 7)).shape == (1, 1, 8, 7)


@pytest.mark.parametrize("name,args,output_size", [("Conv2d", (3, 4, 3, 2, 1), None),
                                                   ("ConvTranspose2d", (3, 2, 3, 2, 1, 1), None),
                                                   ("ConvTranspose2d", (3, 2, 3, 2), (3, 12, 9))])
def test_conv2d_layers_take_one_unbatched_image_as_torch(device, torch, name, args, output_size):
    """(C, H, W) -> (C_out, H_out, W_out), as PyTorch's layers take it; output_size may then have 3 elements."""
    torch.manual_seed(3)
    t_layer = getattr(torch.nn, name)(*args).double()
    layer = load_from_torch(getattr(nn, name)(*args).double(), t_layer)
    kwargs = {} if output_size is None else {"output_size": output_size}
    layer_matches_torch(torch, layer, t_layer, randn(3, 5, 4, seed=2), device, **kwargs)


def test_conv_transpose2d_output_size_out_of_range_says_which_sizes_are_valid():
    layer = nn.ConvTranspose2d(3, 2, 3, stride=2)
    with pytest.raises(ValueError, match=r"ConvTranspose2d: requested an output size of \(12, 12\), but valid sizes "
                                         r"range from \[9, 9\] to \[10, 10\] \(for an input of \[4, 4\]\)"):
        layer(mg.randn(1, 3, 4, 4), output_size=(12, 12))
    with pytest.raises(ValueError, match="output_size must have 2 or 4 elements"):
        layer(mg.randn(1, 3, 4, 4), output_size=(1, 9, 9))


def test_unflatten_infers_one_size():
    assert nn.Unflatten(1, (2, -1))(mg.zeros(3, 6)).shape == (3, 2, 3)
    assert nn.Unflatten(-1, (-1, 4, 1))(mg.zeros(2, 8)).shape == (2, 2, 4, 1)
    with pytest.raises(ValueError, match="needs a multiple of 2"):
        nn.Unflatten(1, (2, -1))(mg.zeros(3, 5))
    with pytest.raises(ValueError, match="at most one size may be -1"):
        nn.Unflatten(1, (-1, -1))(mg.zeros(3, 6))


def test_conv2d_padding_strings():
    same = nn.Conv2d(2, 3, 4, padding="same")
    assert same.padding == "same" and "padding=same" in repr(same)
    assert same(mg.zeros(1, 2, 5, 7)).shape == (1, 3, 5, 7)
    assert nn.Conv2d(2, 3, 3, padding="same", dilation=3)(mg.zeros(1, 2, 4, 4)).shape == (1, 3, 4, 4)
    assert nn.Conv2d(2, 3, (3, 2), padding="valid")(mg.zeros(1, 2, 5, 7)).shape == (1, 3, 3, 6)
    with pytest.raises(ValueError, match="padding='same' is not supported for strided convolutions"):
        nn.Conv2d(2, 3, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="invalid padding string 'full'"):
        nn.Conv2d(2, 3, 3, padding="full")
    with pytest.raises(ValueError, match="for Conv2d only"):
        nn.ConvTranspose2d(2, 3, 3, padding="same")


# --------------------------------------------------------------------------- reset_parameters
@pytest.mark.parametrize("make", [lambda: nn.Linear(4, 3), lambda: nn.Conv2d(2, 4, 3),
                                  lambda: nn.ConvTranspose2d(4, 2, (3, 2), groups=2),
                                  lambda: nn.Conv2d(2, 2, 3, bias=False)])
def test_reset_parameters_draws_what_the_constructor_draws(make):
    mg.manual_seed(5)
    fresh = make()
    mg.manual_seed(5)
    layer = make()
    mg.manual_seed(5)
    layer.reset_parameters()      # the same draws, from the same seed, as the constructor's
    for (name, a), b in zip(fresh.state_dict().items(), layer.state_dict().values()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)


def test_conv_init_draws_uniform_weight_then_bias_from_the_seed():
    # The constructor's draws, written out: U(-bound, bound) for the weight, then for the bias (PyTorch's
    # default), from minigan's CPU generator in that order. Seeded models must not change.
    mg.manual_seed(11)
    conv = nn.Conv2d(2, 3, (3, 2))
    mg.manual_seed(11)
    gen = mg.backend.rng("cpu")
    bound = 1 / np.sqrt(2 * 3 * 2)
    w = gen.uniform(-bound, bound, size=(3, 2, 3, 2))
    b = gen.uniform(-bound, bound, size=(3,))
    np.testing.assert_array_equal(conv.weight.numpy(), w.astype(np.float32))
    np.testing.assert_array_equal(conv.bias.numpy(), b.astype(np.float32))


def test_batch_norm_reset_running_stats_and_parameters():
    bn = nn.BatchNorm1d(3)
    bn(mg.randn(8, 3) * 2 + 1)
    with mg.no_grad():
        bn.weight.data[...] = 5
    bn.reset_running_stats()
    np.testing.assert_array_equal(bn.running_mean.numpy(), 0)
    np.testing.assert_array_equal(bn.running_var.numpy(), 1)
    assert int(bn.num_batches_tracked.item()) == 0
    np.testing.assert_array_equal(bn.weight.numpy(), 5)     # only the statistics
    bn.reset_parameters()
    np.testing.assert_array_equal(bn.weight.numpy(), 1)
    np.testing.assert_array_equal(bn.bias.numpy(), 0)
    nn.BatchNorm1d(3, affine=False, track_running_stats=False).reset_parameters()


# --------------------------------------------------------------------------- softmax layers
def test_softmax_layers_default_to_the_implicit_dim():
    assert nn.Softmax().dim is None and nn.LogSoftmax().dim is None
    assert repr(nn.Softmax()) == "Softmax(dim=None)" and repr(nn.LogSoftmax(1)) == "LogSoftmax(dim=1)"
    x = mg.randn(2, 3, 4)
    with pytest.warns(UserWarning, match="Implicit dimension choice"):
        y = nn.Softmax()(x)
    np.testing.assert_allclose(y.numpy().sum(axis=0), 1, rtol=1e-5)      # 3-D: dim 0
    with pytest.warns(UserWarning, match="Implicit dimension choice"):
        y = nn.LogSoftmax()(mg.randn(2, 3, 4, 5))
    np.testing.assert_allclose(np.exp(y.numpy()).sum(axis=1), 1, rtol=1e-5)  # 4-D: dim 1
    np.testing.assert_allclose(nn.Softmax(-1)(x).numpy().sum(axis=-1), 1, rtol=1e-5)


# --------------------------------------------------------------------------- wrong inputs
@pytest.mark.parametrize("layer,x_shape,pattern", [
    (lambda: nn.Conv2d(3, 4, 3), (1, 2, 5, 5), r"Conv2d\(3, 4.*expected input with 3 channels.*got 2"),
    (lambda: nn.Conv2d(3, 4, 3), (5, 5), r"Conv2d\(3, 4.*expected a 3-D \(C_in, H, W\) or 4-D \(N, C_in, H, W\) input, "
                                         r"got shape \(5, 5\)"),
    (lambda: nn.Conv2d(3, 4, 3), (2, 5, 5), r"Conv2d\(3, 4.*expected input with 3 channels.*got 2 \(input shape "),
    (lambda: nn.ConvTranspose2d(4, 2, 3), (1, 3, 5, 5),
     r"ConvTranspose2d\(4, 2.*expected input with 4 channels.*got 3"),
    (lambda: nn.Linear(3, 4), (2, 5), r"Linear\(in_features=3.*expected input \(\*, 3\), got shape \(2, 5\)"),
    (lambda: nn.BatchNorm2d(3), (2, 3, 4), r"BatchNorm2d\(3.*expected a 4-D input.*got shape \(2, 3, 4\)"),
    (lambda: nn.BatchNorm1d(3), (2, 4), r"BatchNorm1d\(3.*expected input with 3 channels.*got 4"),
    (lambda: nn.MaxPool2d(2), (4, 4), r"MaxPool2d\(.*expected a 3-D \(C, H, W\) or 4-D \(N, C, H, W\) input.*got "
                                      r"shape \(4, 4\)"),
    (lambda: nn.LayerNorm((3, 4)), (2, 4, 3),
     r"LayerNorm\(\(3, 4\).*expected input \(\*, 3, 4\), got shape \(2, 4, 3\)"),
    (lambda: nn.GroupNorm(2, 4), (2, 6, 3), r"GroupNorm\(2, 4.*expected input with 4 channels.*got 6"),
    (lambda: nn.GroupNorm(2, 4), (4,), r"GroupNorm\(2, 4.*at least 2 dims, got shape \(4,\)"),
    (lambda: nn.InstanceNorm2d(3), (2, 3, 4, 4, 4), r"InstanceNorm2d\(3.*expected a 4-D input.*got shape"),
    (lambda: nn.InstanceNorm2d(3, affine=True), (2, 4, 5, 5),
     r"InstanceNorm2d\(3.*expected input with 3 channels.*got 4"),
    (lambda: nn.Upsample(scale_factor=2), (4, 4), r"Upsample\(.*expected a 3-D \(N, C, L\), 4-D"),
    (lambda: nn.Unflatten(1, (2, 3)), (2, 5), r"Unflatten\(.*dim 1 has size 5.*\(2, 3\) needs 6"),
])
def test_wrong_input_names_layer_expected_and_got(layer, x_shape, pattern):
    with pytest.raises(ValueError, match=pattern):
        layer()(mg.zeros(*x_shape))


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="Conv2d: groups=2 must divide in_channels=3"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="ConvTranspose2d: output_padding"):
        nn.ConvTranspose2d(1, 1, 3, stride=2, output_padding=2)
    with pytest.raises(ValueError, match="GroupNorm: num_channels=6 must be divisible by num_groups=4"):
        nn.GroupNorm(4, 6)
    with pytest.raises(ValueError, match="GELU: approximate must be 'none' or 'tanh'"):
        nn.GELU("erf")
    with pytest.raises(ValueError, match="Dropout"):
        nn.Dropout(2.0)
    with pytest.raises(TypeError, match="kernel_size"):
        nn.Conv2d(1, 1, kernel_size=(3, 3, 3))


def test_new_norm_layers_default_init_and_parameters():
    ln, gn = nn.LayerNorm((2, 3)), nn.GroupNorm(2, 4)
    np.testing.assert_array_equal(ln.weight.numpy(), np.ones((2, 3)))
    np.testing.assert_array_equal(ln.bias.numpy(), np.zeros((2, 3)))
    np.testing.assert_array_equal(gn.weight.numpy(), np.ones(4))
    assert [n for n, _ in nn.LayerNorm(3, bias=False).named_parameters()] == ["weight"]
    assert list(nn.InstanceNorm2d(3).parameters()) == [] and list(nn.InstanceNorm2d(3).state_dict()) == []
    assert list(nn.InstanceNorm2d(3, track_running_stats=True).state_dict()) == [
        "running_mean", "running_var", "num_batches_tracked"]


def test_instance_norm2d_channel_mismatch_without_affine_warns_as_torch():
    with pytest.warns(UserWarning, match="num_features is not used"):
        y = nn.InstanceNorm2d(3)(mg.randn(1, 4, 2, 2))
    assert y.shape == (1, 4, 2, 2)
