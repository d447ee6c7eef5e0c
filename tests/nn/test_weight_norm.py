"""nn.utils.weight_norm / remove_weight_norm: parity with PyTorch's classic ``torch.nn.utils.weight_norm`` on
Linear, Conv2d and ConvTranspose2d for every kind of ``dim`` (forward, gradients of weight_g and weight_v,
state_dict, optimizer steps, removal), the errors, and a gradcheck on every device."""
import warnings

import numpy as np
import pytest

import minigan as mg
from minigan.nn.utils import WeightNorm, remove_weight_norm, weight_norm

# torch 2.x warns that its classic weight_norm is deprecated in favour of parametrizations.weight_norm
pytestmark = pytest.mark.filterwarnings("ignore:.*torch.nn.utils.weight_norm.*:FutureWarning")

# (minigan layer, torch layer, input shape), each layer made the same way in both libraries
LAYERS = {
    "linear": (lambda nn: nn.Linear(5, 3), (4, 5)),
    "conv": (lambda nn: nn.Conv2d(3, 4, 3), (2, 3, 5, 5)),
    "convT": (lambda nn: nn.ConvTranspose2d(3, 2, 4, 2, 1), (2, 3, 3, 3)),
}
# 0 and 1 each keep one dim's own norm (1 is a ConvTranspose2d's output dim); -1 and None both mean the whole
# tensor in PyTorch's classic weight_norm (-1 is not the last dim there); -2 counts from the end as usual
DIMS = [0, 1, -1, None, -2]


def _pair(torch, kind, dim):
    """The same float64 layer in minigan and torch (torch's initial values copied), both weight-normalized."""
    make, _ = LAYERS[kind]
    theirs = make(torch.nn).double()
    ours = make(mg.nn)
    for name, t in theirs.named_parameters():
        setattr(ours, name, mg.nn.Parameter(mg.tensor(t.detach().numpy().copy())))
    weight_norm(ours, dim=dim)
    torch.nn.utils.weight_norm(theirs, dim=dim)
    return ours, theirs


def _input(kind):
    return np.random.default_rng(8).standard_normal(LAYERS[kind][1])


def _assert_params_equal(ours, theirs, what, rtol=1e-12, grads=False):
    tp = dict(theirs.named_parameters())
    assert [n for n, _ in ours.named_parameters()] == list(tp), what
    for name, p in ours.named_parameters():
        want = tp[name].grad if grads else tp[name]
        got = p.grad if grads else p
        want = want.detach().numpy()
        # an element much smaller than the largest one (a gradient of 2 beside ones of 4e4) carries the rounding
        # of the large ones, in both libraries: hold it to the array's scale
        np.testing.assert_allclose(got.numpy(), want, rtol=rtol, atol=max(1e-14, rtol * np.abs(want).max()),
                                   err_msg=f"{'gradient of ' if grads else ''}{name} {what}")


@pytest.mark.parametrize("dim", DIMS, ids=str)
@pytest.mark.parametrize("kind", sorted(LAYERS))
def test_matches_torch(torch, kind, dim):
    ours, theirs = _pair(torch, kind, dim)
    # the same parameters, in torch's order and names: bias first, then weight_g and weight_v
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["bias", "weight_g", "weight_v"]
    assert ours.weight_g.shape == tuple(theirs.weight_g.shape)
    for k, v in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[k].numpy(), v.numpy(), rtol=1e-14, err_msg=k)
    # at first the layer computes what it did before: g is the norm of v
    np.testing.assert_allclose(ours.weight.numpy(), ours.weight_v.numpy(), rtol=1e-14)

    x = _input(kind)
    g0 = ours.weight_g.numpy().copy()
    opt, topt = mg.optim.SGD(ours.parameters(), lr=0.05, momentum=0.9), torch.optim.SGD(theirs.parameters(), lr=0.05,
                                                                                         momentum=0.9)
    for step in range(3):                    # three training steps: the hook recomputes the weight each time
        y, ty = ours(mg.tensor(x)), theirs(torch.tensor(x))
        want = ty.detach().numpy()         # held to the array's scale: torch's threaded sums round differently
        np.testing.assert_allclose(y.numpy(), want, rtol=1e-12, atol=1e-12 * np.abs(want).max(), err_msg=f"step {step}")
        (y * y * y).sum().backward()
        (ty * ty * ty).sum().backward()
        _assert_params_equal(ours, theirs, f"at step {step}", rtol=1e-11, grads=True)
        opt.step()
        topt.step()
        opt.zero_grad()
        topt.zero_grad()
        _assert_params_equal(ours, theirs, f"after step {step}", rtol=1e-11)
    assert not np.allclose(ours.weight_g.numpy(), g0, rtol=1e-3)       # the steps did change g

    remove_weight_norm(ours)
    torch.nn.utils.remove_weight_norm(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["bias", "weight"]
    assert isinstance(ours.weight, mg.nn.Parameter)
    for got, want in ((ours.weight.numpy(), theirs.weight.detach().numpy()),
                      (ours(mg.tensor(x)).numpy(), theirs(torch.tensor(x)).detach().numpy())):
        # held to the array's scale, as above: an element near 0 carries the rounding of the large ones
        np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-11 * np.abs(want).max())


def test_weight_g_shapes():
    conv = lambda: mg.nn.Conv2d(3, 4, 3)          # noqa: E731 - weight (4, 3, 3, 3)
    assert weight_norm(conv()).weight_g.shape == (4, 1, 1, 1)
    assert weight_norm(conv(), dim=1).weight_g.shape == (1, 3, 1, 1)
    assert weight_norm(conv(), dim=3).weight_g.shape == (1, 1, 1, 3)
    assert weight_norm(conv(), dim=-2).weight_g.shape == (1, 1, 3, 1)
    assert weight_norm(conv(), dim=None).weight_g.shape == weight_norm(conv(), dim=-1).weight_g.shape == ()
    assert weight_norm(mg.nn.ConvTranspose2d(3, 2, 4), dim=1).weight_g.shape == (1, 2, 1, 1)
    layer = weight_norm(mg.nn.Linear(5, 3))
    np.testing.assert_allclose(layer.weight_g.numpy()[:, 0], np.linalg.norm(layer.weight_v.numpy(), axis=1),
                               rtol=1e-6)
    hook = layer._forward_pre_hooks[0]
    assert isinstance(hook, WeightNorm) and hook.name == "weight" and hook.dim == 0
    assert weight_norm(conv(), dim=None)._forward_pre_hooks[0].dim == -1      # None is stored as -1, as in torch


def test_the_weight_follows_g_and_v_and_v_shares_the_old_array():
    layer = mg.nn.Linear(4, 2)
    old = layer.weight
    weight_norm(layer)
    assert layer.weight_v.data is old.data
    with mg.no_grad():
        layer.weight_g.data[...] = 3.0
        layer.weight_v.data *= 10.0          # the scale of v does not matter: only its direction
    y = layer(mg.zeros(1, 4))                # the pre-hook recomputes the weight
    np.testing.assert_allclose(np.linalg.norm(layer.weight.numpy(), axis=1), [3.0, 3.0], rtol=1e-6)
    np.testing.assert_allclose(y.numpy(), layer.bias.numpy()[None], rtol=1e-6)


def test_loads_torchs_state_dict(torch):
    ours, theirs = _pair(torch, "conv", 0)
    with torch.no_grad():
        theirs.weight_g.mul_(2.0)
        theirs.weight_v.add_(0.5)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = _input("conv")
    np.testing.assert_allclose(ours(mg.tensor(x)).numpy(), theirs(torch.tensor(x)).detach().numpy(), rtol=1e-12)


def test_no_deprecation_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        remove_weight_norm(weight_norm(mg.nn.Linear(2, 2)))


def test_errors_are_torchs(torch):
    for lib, module in ((mg, mg.nn.Linear(3, 2)), (torch, torch.nn.Linear(3, 2))):
        lib.nn.utils.weight_norm(module)
        with pytest.raises(RuntimeError, match="^Cannot register two weight_norm hooks on the same parameter weight$"):
            lib.nn.utils.weight_norm(module)
        with pytest.raises(AttributeError, match="^'Linear' object has no attribute 'wieght'$"):
            lib.nn.utils.weight_norm(module, name="wieght")
        lib.nn.utils.remove_weight_norm(module)
        with pytest.raises(ValueError, match=r"^weight_norm of 'weight' not found in Linear\(in_features=3, "
                                             r"out_features=2, bias=True\)$"):
            lib.nn.utils.remove_weight_norm(module)


def test_a_bad_name_or_dim_leaves_the_module_as_it_was():
    bn = mg.nn.BatchNorm1d(3)
    # a buffer: a KeyError, as in torch (whose message is only the name)
    with pytest.raises(KeyError, match="'running_mean' is not a parameter of BatchNorm1d"):
        weight_norm(bn, name="running_mean")
    layer = mg.nn.Conv2d(3, 4, 3)
    with pytest.raises(IndexError, match=r"expected to be in range of \[-4, 3\], but got 5"):
        weight_norm(layer, dim=5)
    assert list(layer.state_dict()) == ["weight", "bias"] and not layer._forward_pre_hooks
    two = weight_norm(weight_norm(mg.nn.Linear(3, 2)), name="bias")       # two parameters, two hooks
    assert list(two.state_dict()) == ["weight_g", "weight_v", "bias_g", "bias_v"]
    np.testing.assert_allclose(two.bias_g.numpy(), np.abs(two.bias_v.numpy()), rtol=1e-6)   # 1-d: g = |v|
    remove_weight_norm(two, "bias")
    assert list(two.state_dict()) == ["weight_g", "weight_v", "bias"] and len(two._forward_pre_hooks) == 1


@pytest.mark.parametrize("dim", [0, None], ids=str)
@pytest.mark.parametrize("kind", ["linear", "convT"])
def test_gradcheck(device, kind, dim):
    mg.manual_seed(1)
    layer = weight_norm(LAYERS[kind][0](mg.nn).to(device, mg.float64), dim=dim)
    x = mg.tensor(_input(kind), device=device)
    assert mg.gradcheck(lambda x: layer(x), [x], params=[layer.weight_g, layer.weight_v])
    assert layer.weight_g.grad is None and layer.weight_g.dtype == np.float64     # gradcheck puts them back
