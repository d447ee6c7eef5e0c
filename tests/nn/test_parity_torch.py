"""Layers against PyTorch: a torch state dict (as numpy arrays) loads with its names unchanged and gives
the same output and gradients; batch norm's running statistics follow torch's over several steps."""
import math

import numpy as np
import pytest

import minigan as mg
import minigan.nn as nn

from helpers import load_from_torch


def _same_forward_backward(torch, mg_layer, t_layer, x_np, atol=1e-5):
    x = mg.tensor(x_np.astype(np.float32), requires_grad=True)
    tx = torch.tensor(x_np.astype(np.float32), requires_grad=True)
    y, ty = mg_layer(x), t_layer(tx)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), atol=atol, rtol=1e-4)
    v = np.random.default_rng(0).standard_normal(ty.shape).astype(np.float32)
    y.backward(mg.tensor(v))
    ty.backward(torch.tensor(v))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), atol=atol, rtol=1e-4)
    t_params = dict(t_layer.named_parameters())
    for name, p in mg_layer.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), t_params[name].grad.numpy(), atol=atol, rtol=1e-4,
                                   err_msg=name)


@pytest.mark.parametrize("pair", [
    lambda tnn: (nn.Linear(5, 3), tnn.Linear(5, 3), (4, 5)),
    lambda tnn: (nn.Conv2d(4, 6, (3, 2), 2, 1, 1, groups=2), tnn.Conv2d(4, 6, (3, 2), 2, 1, 1, groups=2),
                 (2, 4, 7, 6)),
    lambda tnn: (nn.ConvTranspose2d(4, 6, 3, 2, 1, output_padding=1, groups=2),
                 tnn.ConvTranspose2d(4, 6, 3, 2, 1, output_padding=1, groups=2), (2, 4, 3, 4)),
], ids=["Linear", "Conv2d-groups", "ConvTranspose2d-groups"])
def test_torch_state_dict_loads_and_matches(torch, pair):
    torch.manual_seed(0)
    mg_layer, t_layer, shape = pair(torch.nn)
    assert list(mg_layer.state_dict()) == list(t_layer.state_dict())
    load_from_torch(mg_layer, t_layer)
    _same_forward_backward(torch, mg_layer, t_layer, np.random.default_rng(1).standard_normal(shape))


def test_batch_norm2d_state_dict_with_num_batches_tracked(torch):
    t_bn = torch.nn.BatchNorm2d(3)
    with torch.no_grad():
        t_bn.weight.uniform_(0.5, 1.5)
        t_bn.bias.uniform_(-1, 1)
    t_bn(torch.randn(4, 3, 2, 2) * 2 + 1)  # moves the running statistics and the counter
    bn = load_from_torch(nn.BatchNorm2d(3), t_bn)
    assert int(bn.num_batches_tracked.item()) == 1
    np.testing.assert_allclose(bn.running_var.numpy(), t_bn.running_var.numpy())
    bn.eval(), t_bn.eval()
    _same_forward_backward(torch, bn, t_bn, np.random.default_rng(2).standard_normal((2, 3, 4, 4)))


def _dcgan_like(lib):
    return lib.Sequential(
        lib.ConvTranspose2d(4, 8, 4, 1, 0, bias=False), lib.BatchNorm2d(8), lib.ReLU(True),
        lib.ConvTranspose2d(8, 1, 4, 2, 1, bias=False), lib.Tanh(),
        lib.Conv2d(1, 4, 4, 2, 1, bias=False), lib.LeakyReLU(0.2, inplace=True),
        lib.Flatten(), lib.Linear(64, 1), lib.Sigmoid())


@pytest.mark.parametrize("train", [True, False])
def test_dcgan_like_sequential_matches(torch, train):
    torch.manual_seed(3)
    t_net = _dcgan_like(torch.nn)
    t_net(torch.randn(5, 4, 1, 1))  # non-trivial running statistics
    net = load_from_torch(_dcgan_like(nn), t_net)
    net.train(train), t_net.train(train)
    _same_forward_backward(torch, net, t_net, np.random.default_rng(4).standard_normal((3, 4, 1, 1)))
    if train:
        for k, v in t_net.state_dict().items():
            np.testing.assert_allclose(net.state_dict()[k].numpy(), v.numpy(), rtol=1e-5, atol=1e-6, err_msg=k)


@pytest.mark.parametrize("dims,momentum", [(2, 0.1), (3, 0.1), (4, 0.1), (4, None)])
def test_batch_norm_running_statistics_follow_torch(torch, dims, momentum):
    shape = {2: (6, 3), 3: (3, 3, 4), 4: (4, 3, 3, 2)}[dims]
    bn, t_bn = (nn.BatchNorm1d(3, momentum=momentum), torch.nn.BatchNorm1d(3, momentum=momentum)) if dims < 4 \
        else (nn.BatchNorm2d(3, momentum=momentum), torch.nn.BatchNorm2d(3, momentum=momentum))
    rs = np.random.default_rng(5)
    for step in range(4):
        x = (rs.standard_normal(shape) * (step + 1) + step).astype(np.float32)
        y, ty = bn(mg.tensor(x)), t_bn(torch.tensor(x))
        np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), atol=1e-5, rtol=1e-4)
    np.testing.assert_allclose(bn.running_mean.numpy(), t_bn.running_mean.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(bn.running_var.numpy(), t_bn.running_var.numpy(), rtol=1e-5, atol=1e-6)
    assert int(bn.num_batches_tracked.item()) == int(t_bn.num_batches_tracked.item()) == 4
    bn.eval(), t_bn.eval()
    _same_forward_backward(torch, bn, t_bn, rs.standard_normal(shape) * 2)


@pytest.mark.parametrize("make", [
    lambda lib: lib.Linear(7, 3), lambda lib: lib.Conv2d(4, 6, (3, 2), groups=2),
    lambda lib: lib.ConvTranspose2d(4, 6, (3, 2), groups=2),
], ids=["Linear", "Conv2d", "ConvTranspose2d"])
def test_init_bound_equals_torch_fan_in(torch, make):
    t_w = make(torch.nn).weight
    fan_in, _ = torch.nn.init._calculate_fan_in_and_fan_out(t_w)
    ours = nn.init.calculate_fan_in_and_fan_out(make(nn).weight)
    assert ours[0] == fan_in
    w = make(nn).weight.numpy()
    assert np.abs(w).max() <= 1 / math.sqrt(fan_in)


# --------------------------------------------------------------------------- Module rules, side by side
def test_assignments_that_torch_refuses_are_refused(torch):
    for lib, zeros in ((nn, lambda: mg.zeros(2, 2)), (torch.nn, lambda: torch.zeros(2, 2))):
        with pytest.raises(TypeError, match="cannot assign .* as parameter 'weight'"):
            lib.Linear(2, 2).weight = zeros()
        with pytest.raises(TypeError, match="cannot assign 'numpy.ndarray'|cannot assign 'ndarray'"):
            lib.BatchNorm1d(3).running_mean = np.zeros(3)
        bn = lib.BatchNorm1d(3)
        bn.running_mean = zeros()[0]          # a tensor is a buffer's value in both
        lin = lib.Linear(2, 2)
        lin.weight = None
        assert list(lin.state_dict()) == ["bias"]


def test_containers_sharing_and_apply_order_match_torch(torch):
    def build(lib):
        s = lib.Linear(1, 1)
        return lib.Sequential(lib.Sequential(s, lib.ReLU()), s, lib.Linear(1, 1), lib.Linear(1, 1))

    net, t_net = build(nn), build(torch.nn)
    assert [n for n, _ in net.named_modules()] == [n for n, _ in t_net.named_modules()]
    assert [n for n, _ in net.named_parameters()] == [n for n, _ in t_net.named_parameters()]
    assert list(net.state_dict()) == list(t_net.state_dict())
    assert list(net[2:].state_dict()) == list(t_net[2:].state_dict())
    assert [n for n, _ in net.named_children()] == [n for n, _ in t_net.named_children()]
    order, t_order = [], []
    net.apply(lambda m: order.append(type(m).__name__))
    t_net.apply(lambda m: t_order.append(type(m).__name__))
    assert order == t_order
    mods, t_mods = nn.ModuleList([nn.ReLU(), nn.Linear(1, 1)]), torch.nn.ModuleList([torch.nn.ReLU(),
                                                                                       torch.nn.Linear(1, 1)])
    assert list(mods[1:].state_dict()) == list(t_mods[1:].state_dict())


def test_load_state_dict_report_matches_torch(torch):
    lin, t_lin = nn.Linear(3, 4), torch.nn.Linear(3, 4)
    bad = {"weight": np.zeros((4, 2), np.float32), "extra": np.zeros(1, np.float32)}
    with pytest.raises(RuntimeError) as ours:
        lin.load_state_dict(bad)
    with pytest.raises(RuntimeError) as theirs:
        t_lin.load_state_dict({k: torch.tensor(v) for k, v in bad.items()})
    assert str(ours.value) == str(theirs.value).replace("torch.Size([4, 2])", "(4, 2)") \
        .replace("torch.Size([4, 3])", "(4, 3)")
    ok = {"weight": np.zeros((4, 3), np.float32), "extra": np.zeros(1, np.float32)}
    res, t_res = lin.load_state_dict(ok, strict=False), t_lin.load_state_dict(
        {k: torch.tensor(v) for k, v in ok.items()}, strict=False)
    assert res.missing_keys == t_res.missing_keys and res.unexpected_keys == t_res.unexpected_keys
    assert repr(res) == repr(t_res)


def test_to_keeps_and_casts_gradients_as_torch_does(torch):
    lin, t_lin = nn.Linear(2, 2), torch.nn.Linear(2, 2)
    lin(mg.randn(3, 2)).sum().backward()
    t_lin(torch.randn(3, 2)).sum().backward()
    lin.to(mg.float64)
    t_lin.to(torch.float64)
    assert str(lin.weight.grad.dtype) == str(t_lin.weight.grad.dtype).replace("torch.", "")
    lin.float(), t_lin.float()
    assert lin.weight.grad is not None and t_lin.weight.grad is not None


@pytest.mark.parametrize("shape", [(4,), (2, 3), (2, 3, 4), (2, 3, 2, 2)])
@pytest.mark.parametrize("layer", ["Softmax", "LogSoftmax"])
def test_softmax_layers_implicit_dim_matches_torch(torch, shape, layer):
    x = np.random.default_rng(6).standard_normal(shape).astype(np.float32)
    with pytest.warns(UserWarning, match="Implicit dimension choice"):
        y = getattr(nn, layer)()(mg.tensor(x))
    with pytest.warns(UserWarning, match="Implicit dimension choice"):
        ty = getattr(torch.nn, layer)()(torch.tensor(x))
    np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-5, atol=1e-6)


def test_unflatten_with_an_inferred_size_matches_torch(torch):
    x = np.arange(24, dtype=np.float32).reshape(2, 12)
    for sizes in [(2, -1), (-1, 2, 3), (3, 4)]:
        y = nn.Unflatten(1, sizes)(mg.tensor(x))
        ty = torch.nn.Unflatten(1, sizes)(torch.tensor(x))
        np.testing.assert_array_equal(y.numpy(), ty.numpy())


def test_conv_transpose2d_output_size_range_matches_torch(torch):
    layer, t_layer = nn.ConvTranspose2d(3, 2, 3, stride=2), torch.nn.ConvTranspose2d(3, 2, 3, stride=2)
    for size in [(9, 9), (10, 9), (1, 2, 9, 10)]:
        assert layer(mg.zeros(1, 3, 4, 4), output_size=size).shape == \
            tuple(t_layer(torch.zeros(1, 3, 4, 4), output_size=size).shape)
    with pytest.raises(ValueError) as theirs:
        t_layer(torch.zeros(1, 3, 4, 4), output_size=(12, 12))
    with pytest.raises(ValueError) as ours:
        layer(mg.zeros(1, 3, 4, 4), output_size=(12, 12))
    assert str(ours.value).endswith(str(theirs.value).replace("torch.Size([4, 4])", "[4, 4]"))


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("args", [dict(kernel_size=4, padding="same"), dict(kernel_size=(3, 2), padding="valid"),
                                  dict(kernel_size=(2, 3), padding="same", dilation=(3, 2))])
def test_conv2d_padding_strings_layer_matches_torch(torch, args):
    torch.manual_seed(1)
    t_layer = torch.nn.Conv2d(2, 3, **args)
    layer = load_from_torch(nn.Conv2d(2, 3, **args), t_layer)
    assert repr(layer) == repr(t_layer)
    _same_forward_backward(torch, layer, t_layer, np.random.default_rng(7).standard_normal((2, 2, 6, 5)))


@pytest.mark.parametrize("pair", [
    lambda tnn: (nn.LayerNorm((3, 4)), tnn.LayerNorm((3, 4)), (2, 5, 3, 4)),
    lambda tnn: (nn.LayerNorm(5, bias=False), tnn.LayerNorm(5, bias=False), (1, 5)),
    lambda tnn: (nn.GroupNorm(2, 6), tnn.GroupNorm(2, 6), (1, 6, 3, 5)),
    lambda tnn: (nn.InstanceNorm2d(3, affine=True), tnn.InstanceNorm2d(3, affine=True), (2, 3, 5, 3)),
    lambda tnn: (nn.InstanceNorm2d(3), tnn.InstanceNorm2d(3), (3, 4, 5)),
    lambda tnn: (nn.ELU(0.5), tnn.ELU(0.5), (2, 7)),
    lambda tnn: (nn.GELU(), tnn.GELU(), (2, 7)),
    lambda tnn: (nn.GELU("tanh"), tnn.GELU("tanh"), (2, 7)),
    lambda tnn: (nn.Softplus(2, 1), tnn.Softplus(2, 1), (2, 7)),
], ids=["LayerNorm", "LayerNorm-nobias", "GroupNorm", "InstanceNorm2d-affine", "InstanceNorm2d-unbatched", "ELU",
        "GELU", "GELU-tanh", "Softplus"])
def test_new_layers_match_torch(torch, pair):
    mg_layer, t_layer, shape = pair(torch.nn)
    with torch.no_grad():
        for p in t_layer.parameters():  # not the default ones and zeros, so the affine part is tested
            p.copy_(torch.randn(p.shape))
    load_from_torch(mg_layer, t_layer)
    _same_forward_backward(torch, mg_layer, t_layer, np.random.default_rng(1).standard_normal(shape) * 2)


@pytest.mark.parametrize("momentum", [0.1, None])
def test_instance_norm2d_running_statistics_follow_torch(torch, momentum):
    layer = nn.InstanceNorm2d(2, momentum=momentum, affine=True, track_running_stats=True)
    t_layer = torch.nn.InstanceNorm2d(2, momentum=momentum, affine=True, track_running_stats=True)
    assert list(layer.state_dict()) == list(t_layer.state_dict())
    rs = np.random.default_rng(2)
    for _ in range(3):
        x = (rs.standard_normal((3, 2, 4, 3)) * 2 + 1).astype(np.float32)
        layer(mg.tensor(x)), t_layer(torch.tensor(x))
    for name, buf in t_layer.state_dict().items():
        np.testing.assert_allclose(layer.state_dict()[name], buf.numpy(), rtol=1e-5, err_msg=name)
    layer.eval(), t_layer.eval()
    _same_forward_backward(torch, layer, t_layer, rs.standard_normal((2, 2, 3, 3)))


@pytest.mark.parametrize("kind, args", [
    ("ConvTranspose2d", (4, 6, 3, 2, 1, 1, 2, False, 2)),      # dilation printed before output_padding
    ("ConvTranspose2d", (3, 3, (2, 4), 1, 0, 0, 1, True, (1, 2))),
    ("Conv2d", (4, 6, 3, 2, 1, 2, 2, False, "reflect")),
    ("Conv2d", (2, 2, (1, 3))),
])
def test_conv_layer_reprs_are_torchs(torch, kind, args):
    assert repr(getattr(nn, kind)(*args)) == repr(getattr(torch.nn, kind)(*args))
