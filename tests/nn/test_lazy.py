"""Lazy modules: the placeholders before the first call, the size read from it, the module becoming its non-lazy
class (repr, state_dict keys and values as PyTorch's, weights copied over), training after it, load_state_dict
before it, float64 gradchecks of the initialised layers, and the errors."""
import numpy as np
import pytest

import minigan as mg
import minigan.nn as nn

from helpers import check_grad, randn


def test_placeholders_before_the_first_call(torch):
    layer, tlayer = nn.LazyLinear(4), torch.nn.LazyLinear(4)
    assert repr(layer) == repr(tlayer) == "LazyLinear(in_features=0, out_features=4, bias=True)"
    assert repr(layer.weight) == "<UninitializedParameter>"
    assert layer.has_uninitialized_params()
    assert [type(p) for p in layer.parameters()] == [nn.UninitializedParameter] * 2
    assert list(layer.state_dict()) == list(tlayer.state_dict())
    with pytest.raises(RuntimeError, match="Can't access the shape of an uninitialized parameter"):
        layer.weight.shape
    assert repr(nn.UninitializedBuffer()) == "<UninitializedBuffer>"


def test_materialize_turns_the_placeholder_into_a_parameter():
    p = nn.UninitializedParameter(dtype=np.float64)
    p.materialize((2, 3))
    assert type(p) is nn.Parameter and p.shape == (2, 3) and p.dtype == np.float64 and p.requires_grad
    b = nn.UninitializedBuffer()
    b.materialize(4)
    assert type(b) is mg.Tensor and b.shape == (4,)


CASES = [  # (lazy, its torch twin's arguments, input shape)
    ("LazyLinear", (5,), (3, 2, 7)),
    ("LazyConv1d", (4, 3), (2, 3, 9)),
    ("LazyConv2d", (4, 3, 2, 1), (2, 2, 7, 6)),
    ("LazyConv2d", (4, 3), (2, 5, 5)),                    # unbatched
    ("LazyConv3d", (2, 2), (1, 3, 4, 5, 4)),
    ("LazyConvTranspose1d", (4, 3, 2), (2, 3, 5)),
    ("LazyConvTranspose2d", (6, 3, 2, 1, 1, 2), (2, 4, 4, 5)),   # groups 2
    ("LazyConvTranspose3d", (2, 2), (1, 3, 3, 3, 2)),
    ("LazyBatchNorm1d", (), (4, 3)),
    ("LazyBatchNorm2d", (), (4, 3, 2, 2)),
    ("LazyBatchNorm3d", (), (2, 3, 2, 2, 2)),
    ("LazyInstanceNorm1d", (), (2, 3, 5)),
    ("LazyInstanceNorm2d", (), (2, 3, 4, 4)),
    ("LazyInstanceNorm3d", (), (2, 3, 2, 3, 2)),
]


@pytest.mark.parametrize("name, args, shape", CASES)
def test_becomes_its_layer_as_torch(torch, name, args, shape):
    layer, tlayer = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(layer) == repr(tlayer)
    x = randn(*shape, seed=1)
    mg.manual_seed(0)
    y = layer(mg.tensor(x.astype(np.float32)))
    tlayer(torch.tensor(x, dtype=torch.float32))
    assert type(layer).__name__ == type(tlayer).__name__ == name[4:]
    assert repr(layer) == repr(tlayer)
    assert not layer.has_uninitialized_params() if hasattr(layer, "has_uninitialized_params") else True
    assert [(k, v.shape) for k, v in layer.state_dict().items()] == [
        (k, tuple(v.shape)) for k, v in tlayer.state_dict().items()]
    assert all(type(p) is nn.Parameter for p in layer.parameters()) and y.dtype == np.float32
    # weights copied over: the same outputs and gradients as torch's
    layer.load_state_dict({k: v.numpy() for k, v in tlayer.state_dict().items()})
    layer.double()
    tlayer.double()
    xm, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = layer(xm), tlayer(xt)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = randn(*ty.shape, seed=2)
    y.backward(mg.tensor(g))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    for (k, p), (_, tp) in zip(layer.named_parameters(), tlayer.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=k)


def test_initial_values_are_the_layers_own_draw():
    mg.manual_seed(3)
    lazy = nn.LazyConv2d(4, 3)
    lazy(mg.zeros(1, 2, 5, 5))
    mg.manual_seed(3)
    plain = nn.Conv2d(2, 4, 3)
    np.testing.assert_array_equal(lazy.weight.numpy(), plain.weight.numpy())
    np.testing.assert_array_equal(lazy.bias.numpy(), plain.bias.numpy())
    bn = nn.LazyBatchNorm2d()
    bn.eval()
    bn(mg.zeros(2, 3, 2, 2))
    assert bn.running_mean.tolist() == [0, 0, 0] and bn.running_var.tolist() == [1, 1, 1]


def test_an_optimizer_built_after_the_first_call_trains_it():
    mg.manual_seed(0)
    model = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), nn.LazyLinear(1))
    x, t = mg.randn(16, 3), mg.randn(16, 1)
    model(x)
    opt = mg.optim.SGD(model.parameters(), lr=0.05)
    losses = []
    for _ in range(20):
        opt.zero_grad()
        loss = ((model(x) - t) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] * 0.9
    assert repr(model[0]) == "Linear(in_features=3, out_features=8, bias=True)"


def test_the_hook_is_gone_after_the_first_call():
    layer = nn.LazyLinear(2)
    layer(mg.randn(1, 3))
    assert layer._forward_pre_hooks == []
    with pytest.raises(ValueError, match=r"expected input \(\*, 3\)"):
        layer(mg.randn(1, 4))          # now a Linear with 3 inputs


def test_load_state_dict_before_the_first_call():
    src = nn.Linear(2, 3)
    lazy = nn.LazyLinear(3)
    lazy.load_state_dict(src.state_dict())
    x = mg.randn(4, 2)
    np.testing.assert_array_equal(lazy(x).numpy(), src(x).numpy())
    assert repr(lazy) == "Linear(in_features=2, out_features=3, bias=True)"


def test_a_model_holding_lazy_layers_loads_a_state_dict_before_the_first_call(torch):
    """The model's load_state_dict gives each lazy layer inside it its shapes (PyTorch's load hook does the same),
    and the model then computes what the model the state dict came from computes."""
    src = torch.nn.Sequential(torch.nn.Conv2d(2, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.Flatten(),
                              torch.nn.Linear(36, 5)).double().eval()
    f64 = {"dtype": mg.float64}
    model = nn.Sequential(nn.LazyConv2d(4, 3, **f64), nn.LazyBatchNorm2d(**f64), nn.Flatten(), nn.LazyLinear(5, **f64))
    result = model.load_state_dict({k: v.numpy() for k, v in src.state_dict().items()})
    assert result.missing_keys == [] and result.unexpected_keys == []
    x = np.random.default_rng(3).standard_normal((2, 2, 5, 5))
    np.testing.assert_allclose(model.eval()(mg.tensor(x)).numpy(), src(torch.tensor(x)).detach().numpy(),
                               rtol=1e-10, atol=1e-12)
    assert [type(m).__name__ for m in model] == ["Conv2d", "BatchNorm2d", "Flatten", "Linear"]


def test_norm_without_parameters_reads_num_features():
    bn = nn.LazyBatchNorm1d(affine=False, track_running_stats=False)
    assert not bn.has_uninitialized_params()
    bn(mg.randn(4, 3))
    assert bn.num_features == 3 and list(bn.state_dict()) == []
    inorm = nn.LazyInstanceNorm2d()
    inorm(mg.randn(3, 4, 4))           # unbatched: the channels are dim 0
    assert inorm.num_features == 3


@pytest.mark.parametrize("name, args, shape", [("LazyLinear", (3,), (2, 5)), ("LazyConv2d", (2, 2, 1, 1), (1, 3, 4, 5)),
                                               ("LazyConvTranspose1d", (2, 3, 2), (2, 3, 4)),
                                               ("LazyBatchNorm1d", (), (5, 3, 2))])
def test_gradcheck_after_initialisation(device, name, args, shape):
    layer = getattr(nn, name)(*args).to(device).double()
    layer(mg.zeros(*shape, device=device, dtype=np.float64))
    assert all(p.device == device and p.dtype == np.float64 for p in layer.parameters())
    assert check_grad(lambda x: layer(x), randn(*shape, seed=4), device=device)


def test_errors():
    with pytest.raises(ValueError, match=r"Expected 3D \(unbatched\) or 4D \(batched\) input to LazyConv2d"):
        nn.LazyConv2d(4, 3)(mg.randn(5, 5))
    with pytest.raises(ValueError, match="LazyConv2d: in_channels must be divisible by groups"):
        nn.LazyConv2d(4, 3, groups=2)(mg.randn(1, 3, 5, 5))
    with pytest.raises(ValueError, match="LazyLinear: expected an input"):
        nn.LazyLinear(3)(mg.tensor(1.0))
    with pytest.raises(ValueError, match="LazyBatchNorm1d: expected an input"):
        nn.LazyBatchNorm1d()(mg.randn(3))
