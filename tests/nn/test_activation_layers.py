"""The activation layers SiLU, Mish, Hardtanh, ReLU6, SELU, CELU, Hardsigmoid, Hardswish, LogSigmoid, Softsign,
Tanhshrink, Threshold, PReLU, Softmin and GLU: PyTorch's constructor arguments and reprs, the functions they
call, gradchecks (PReLU's weight too), and PReLU's parameter names."""
import numpy as np
import pytest

import minigan as mg
import minigan.nn as nn
import minigan.nn.functional as F

from helpers import compare_with_torch, distinct, tensors

# (layer class name, constructor arguments, the repr both libraries give, the function it computes)
LAYERS = [
    ("SiLU", (), "SiLU()", F.silu),
    ("Mish", (), "Mish()", F.mish),
    ("Hardtanh", (), "Hardtanh(min_val=-1.0, max_val=1.0)", F.hardtanh),
    ("Hardtanh", (-2, 3), "Hardtanh(min_val=-2, max_val=3)", lambda x: F.hardtanh(x, -2, 3)),
    ("ReLU6", (), "ReLU6()", F.relu6),
    ("SELU", (), "SELU()", F.selu),
    ("CELU", (), "CELU(alpha=1.0)", F.celu),
    ("CELU", (0.5,), "CELU(alpha=0.5)", lambda x: F.celu(x, 0.5)),
    ("Hardsigmoid", (), "Hardsigmoid()", F.hardsigmoid),
    ("Hardswish", (), "Hardswish()", F.hardswish),
    ("LogSigmoid", (), "LogSigmoid()", F.logsigmoid),
    ("Softsign", (), "Softsign()", F.softsign),
    ("Tanhshrink", (), "Tanhshrink()", F.tanhshrink),
    ("Threshold", (0.1, 20), "Threshold(threshold=0.1, value=20)", lambda x: F.threshold(x, 0.1, 20)),
    ("PReLU", (), "PReLU(num_parameters=1)", lambda x: F.prelu(x, mg.tensor([0.25]))),
    ("PReLU", (4, 0.1), "PReLU(num_parameters=4)", lambda x: F.prelu(x, mg.tensor([0.1] * 4))),
    ("Softmin", (), "Softmin(dim=None)", None),
    ("Softmin", (1,), "Softmin(dim=1)", lambda x: F.softmin(x, 1)),
    ("GLU", (), "GLU(dim=-1)", F.glu),
    ("GLU", (1,), "GLU(dim=1)", lambda x: F.glu(x, 1)),
]
IDS = [f"{name}{args}" for name, args, _, _ in LAYERS]


@pytest.mark.parametrize("name,args,text,fn", LAYERS, ids=IDS)
def test_repr(name, args, text, fn):
    assert repr(getattr(nn, name)(*args)) == text


@pytest.mark.parametrize("name,args,text,fn", LAYERS, ids=IDS)
def test_repr_equals_torch(torch, name, args, text, fn):
    assert repr(getattr(nn, name)(*args)) == repr(getattr(torch.nn, name)(*args)) == text


@pytest.mark.parametrize("name", ["SiLU", "Mish", "Hardtanh", "ReLU6", "SELU", "CELU", "Hardsigmoid", "Hardswish"])
def test_inplace_is_accepted_and_the_input_kept(name):
    x = mg.tensor([-4.0, -0.5, 0.5, 4.0])
    before = x.numpy().copy()
    layer = getattr(nn, name)(inplace=True)
    np.testing.assert_array_equal(layer(x).numpy(), getattr(nn, name)()(x).numpy())
    np.testing.assert_array_equal(x.numpy(), before)


@pytest.mark.parametrize("name,args,text,fn", [c for c in LAYERS if c[3] is not None],
                         ids=[i for i, c in zip(IDS, LAYERS) if c[3] is not None])
def test_layer_computes_its_function(name, args, text, fn):
    x = mg.tensor(np.linspace(-5, 5, 48, dtype=np.float32).reshape(2, 4, 6))
    y = getattr(nn, name)(*args)(x)
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y.numpy(), fn(x).numpy())


@pytest.mark.parametrize("name,args,text,fn", LAYERS, ids=IDS)
def test_layer_matches_torch(torch, name, args, text, fn):
    x = distinct(2, 4, 6, seed=3) * 2
    ours, theirs = getattr(nn, name)(*args).double(), getattr(torch.nn, name)(*args).double()
    if name == "Softmin" and not args:
        ours, theirs = nn.Softmin(1).double(), torch.nn.Softmin(1).double()
    rtol = 5e-8 if name == "Hardsigmoid" else 1e-12     # PyTorch's float64 backward uses a float32 1/6
    compare_with_torch(torch, ours, theirs, [x], atol=1e-12, rtol=rtol)


@pytest.mark.parametrize("name,args", [("SiLU", ()), ("Mish", ()), ("Hardtanh", (-0.5, 0.7)), ("ReLU6", ()),
                                       ("SELU", ()), ("CELU", (0.6,)), ("Hardsigmoid", ()), ("Hardswish", ()),
                                       ("LogSigmoid", ()), ("Softsign", ()), ("Tanhshrink", ()),
                                       ("Threshold", (0.15, -1.0)), ("PReLU", ()), ("PReLU", (3, -0.3)),
                                       ("Softmin", (1,)), ("GLU", (2,))],
                         ids=lambda v: v if isinstance(v, str) else str(v))
def test_layer_gradcheck(device, name, args):
    layer = getattr(nn, name)(*args).to(device)
    x = mg.tensor(distinct(2, 3, 4, seed=1) * 4, device=device, requires_grad=True)   # none on a kink
    params = list(layer.parameters())
    rep = mg.gradcheck(layer, [x], params=params)
    assert [r.name for r in rep.rows] == ["input 0"] + [f"param {i}" for i in range(len(params))]


# --------------------------------------------------------------------------- PReLU
def test_prelu_parameters_and_state_dict_names_equal_torch(torch):
    for args in [(), (3,), (3, 0.1)]:
        ours, theirs = nn.PReLU(*args), torch.nn.PReLU(*args)
        assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()] == ["weight"]
        assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
        assert ours.weight.shape == tuple(theirs.weight.shape)
        np.testing.assert_array_equal(ours.weight.numpy(), theirs.weight.detach().numpy())
        assert ours.weight.dtype == np.float32 and ours.weight.requires_grad


def test_prelu_loads_torch_weights_and_agrees(torch):
    theirs = torch.nn.PReLU(3)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor([0.1, -0.2, 1.5]))
    ours = nn.PReLU(3)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(2).standard_normal((2, 3, 4, 4)).astype(np.float32)
    tx = torch.tensor(x, requires_grad=True)
    theirs(tx).pow(2).sum().backward()
    mx = mg.tensor(x, requires_grad=True)
    (ours(mx) ** 2).sum().backward()
    np.testing.assert_allclose(ours(mg.tensor(x)).numpy(), theirs(torch.tensor(x)).detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-5)
    np.testing.assert_allclose(mx.grad.numpy(), tx.grad.numpy(), rtol=1e-6)


@pytest.mark.parametrize("num_parameters", [1, 3])
def test_prelu_weight_gradient(device, num_parameters):
    layer = nn.PReLU(num_parameters, init=0.2).to(device)
    x = distinct(2, 3, 2, 2, seed=4)
    (t,) = tensors(device, x)
    layer(t).sum().backward()
    neg = np.where(x > 0, 0.0, x)
    expected = neg.sum(axis=(0, 2, 3)) if num_parameters == 3 else [neg.sum()]
    np.testing.assert_allclose(layer.weight.grad.numpy(), expected, rtol=1e-6)
    assert layer.weight.grad.shape == (num_parameters,)


def test_prelu_reset_parameters_and_wrong_channels():
    layer = nn.PReLU(2, init=0.3)
    layer.weight.data[...] = 5.0
    layer.reset_parameters()
    np.testing.assert_array_equal(layer.weight.numpy(), np.float32(0.3))
    with pytest.raises(ValueError, match="prelu: weight has 2 slopes but the input has 3 channels on dim 1"):
        layer(mg.zeros(1, 3, 2, 2))


def test_prelu_gradgradcheck(device):
    layer = nn.PReLU(3).double().to(device)
    x = distinct(2, 3, 2, seed=6)
    mg.gradgradcheck(lambda x, w: F.prelu(x, w) * x, tensors(device, x) + [layer.weight])


def test_relu6_is_a_hardtanh_from_0_to_6():
    layer = nn.ReLU6()
    assert isinstance(layer, nn.Hardtanh) and (layer.min_val, layer.max_val) == (0.0, 6.0)
    x = mg.tensor([-1.0, 0.0, 3.0, 6.0, 6.5])
    np.testing.assert_array_equal(layer(x).numpy(), nn.Hardtanh(0.0, 6.0)(x).numpy())
    np.testing.assert_array_equal(layer(x).numpy(), [0.0, 0.0, 3.0, 6.0, 6.0])


def test_layer_attributes_equal_torch(torch):
    for name, args, attrs in [("ReLU6", (), ("min_val", "max_val")), ("Hardtanh", (-2, 3), ("min_val", "max_val")),
                              ("CELU", (0.5,), ("alpha",)), ("Threshold", (0.1, 20), ("threshold", "value")),
                              ("PReLU", (3, 0.1), ("num_parameters", "init")), ("Softmin", (1,), ("dim",)),
                              ("GLU", (0,), ("dim",))]:
        ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
        assert [getattr(ours, a) for a in attrs] == [getattr(theirs, a) for a in attrs], name


# --------------------------------------------------------------------------- errors and sequences
def test_hardtanh_needs_max_above_min():
    with pytest.raises(ValueError, match="Hardtanh: max_val must be greater than min_val, got min_val=1, max_val=1"):
        nn.Hardtanh(1, 1)


def test_a_stack_prints_as_torch(torch):
    ours = nn.Sequential(nn.Linear(4, 8), nn.PReLU(8), nn.Hardswish(), nn.Linear(8, 4), nn.GLU(1), nn.Softmin(-1))
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.PReLU(8), torch.nn.Hardswish(),
                                 torch.nn.Linear(8, 4), torch.nn.GLU(1), torch.nn.Softmin(-1))
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
