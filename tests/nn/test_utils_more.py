"""nn.utils beyond clipping and normalization: get_total_norm and clip_grads_with_norm_, batch-norm fusion,
skip_init and stateless.functional_call (against torch where it has them, and on their own), and the package's
names."""
import math

import numpy as np
import pytest

import minigan as mg
import minigan.nn as nn
import minigan.nn.functional as F
from minigan.nn import utils
from minigan.nn.utils.stateless import functional_call

from helpers import check_grad, host, load_from_torch, randn

SHAPES = [(3, 4), (5,), (2, 1, 3)]


def test_every_name_of_the_old_module_is_still_importable():
    for name in ("clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters",
                 "spectral_norm", "remove_spectral_norm", "SpectralNorm", "weight_norm", "remove_weight_norm",
                 "WeightNorm", "norm_except_dim", "_as_list", "_vector_norm", "_write_grad", "_normalized"):
        assert hasattr(utils, name), name
    assert callable(utils.spectral_norm) and callable(utils.weight_norm)      # the functions, not the files
    assert utils.rnn.pack_padded_sequence and utils.stateless.functional_call


# --------------------------------------------------------------------------- total norm and clipping by it
def grads(device="cpu", dtypes=(np.float64,) * 3, scale=3.0):
    return [mg.tensor((randn(*s, seed=i) * scale).astype(dt), device=device) for i, (s, dt) in
            enumerate(zip(SHAPES, dtypes))]


@pytest.mark.parametrize("norm_type", [2.0, 1, math.inf, -math.inf, 0, 3.5])
def test_get_total_norm_matches_torch(norm_type, torch):
    gs = grads(dtypes=(np.float32, np.float64, np.float32))
    total = utils.get_total_norm(gs, norm_type)
    t_total = torch.nn.utils.get_total_norm([torch.tensor(g.numpy()) for g in gs], norm_type)
    assert total.shape == () and total.dtype == np.float64            # the norms' dtypes promote, as torch's
    np.testing.assert_allclose(total.numpy(), t_total.numpy(), rtol=1e-6)
    one = utils.get_total_norm(gs[0], norm_type)                       # one tensor
    np.testing.assert_allclose(one.numpy(), torch.nn.utils.get_total_norm(torch.tensor(gs[0].numpy()), norm_type),
                               rtol=1e-6)


def test_get_total_norm_edge_cases(device):
    empty = utils.get_total_norm([])
    assert empty.dtype == np.float32 and float(empty.numpy()) == 0.0
    gs = grads(device)
    assert utils.get_total_norm(gs).device == device
    np.testing.assert_allclose(host(utils.get_total_norm(gs)),
                               np.sqrt(sum((host(g) ** 2).sum() for g in gs)), rtol=1e-12)
    gs[1].data[0] = np.inf
    assert math.isinf(float(host(utils.get_total_norm(gs))))
    with pytest.raises(RuntimeError, match=r"^The total norm of order 2.0 for gradients from `parameters` is "
                                           r"non-finite, so it cannot be clipped"):
        utils.get_total_norm(gs, error_if_nonfinite=True)


@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grads_with_norm_matches_torch(max_norm, torch):
    gs = grads()
    params = [mg.tensor(np.zeros(g.shape), requires_grad=True) for g in gs] + [mg.tensor(np.zeros(2))]
    t_params = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in gs]
    for p, tp, g in zip(params, t_params, gs):
        p.grad, tp.grad = mg.tensor(g.numpy()), torch.tensor(g.numpy())
    total = utils.get_total_norm([p.grad for p in params[:3]])
    assert utils.clip_grads_with_norm_(params, max_norm, total) is None       # the last one has no gradient
    torch.nn.utils.clip_grads_with_norm_(t_params, max_norm, torch.tensor(total.numpy()))
    for p, tp in zip(params, t_params):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-12)
    assert params[3].grad is None


def test_clip_grads_with_norm_takes_a_number_and_equals_clip_grad_norm(device):
    a = [mg.tensor(np.zeros(s), requires_grad=True, device=device) for s in SHAPES]
    b = [mg.tensor(np.zeros(s), requires_grad=True, device=device) for s in SHAPES]
    for p, q, g in zip(a, b, grads(device)):
        p.grad, q.grad = g, mg.tensor(host(g), device=device)
    total = utils.clip_grad_norm_(a, 1.0)
    utils.clip_grads_with_norm_(b, 1.0, float(host(total)))
    for p, q in zip(a, b):
        np.testing.assert_allclose(host(p.grad), host(q.grad), rtol=1e-12)
    assert utils.get_total_norm([p.grad for p in a]).item() == pytest.approx(1.0, rel=1e-5)


# --------------------------------------------------------------------------- batch norm folded into a layer
def eval_bn(cls, n, seed=0, affine=True):
    bn = cls(n, affine=affine).double()
    bn.running_mean.data[...] = randn(n, seed=seed)
    bn.running_var.data[...] = np.abs(randn(n, seed=seed + 1)) + 0.5
    if affine:
        bn.weight.data[...] = randn(n, seed=seed + 2)
        bn.bias.data[...] = randn(n, seed=seed + 3)
    return bn.eval()


@pytest.mark.parametrize("make,bn,x_shape,transpose", [
    (lambda: nn.Conv2d(3, 4, 3, padding=1), lambda a: eval_bn(nn.BatchNorm2d, 4, affine=a), (2, 3, 5, 4), False),
    (lambda: nn.Conv2d(4, 4, (1, 2), bias=False, groups=2), lambda a: eval_bn(nn.BatchNorm2d, 4, affine=a),
     (1, 4, 3, 3), False),
    (lambda: nn.Conv1d(2, 5, 3), lambda a: eval_bn(nn.BatchNorm1d, 5, affine=a), (2, 2, 7), False),
    (lambda: nn.ConvTranspose2d(3, 4, 3, stride=2), lambda a: eval_bn(nn.BatchNorm2d, 4, affine=a), (2, 3, 3, 2),
     True),
    (lambda: nn.Conv3d(2, 3, 2), lambda a: eval_bn(nn.BatchNorm3d, 3, affine=a), (1, 2, 3, 3, 3), False),
], ids=lambda v: None)
@pytest.mark.parametrize("affine", [True, False])
def test_fuse_conv_bn_eval_computes_conv_then_bn(make, bn, x_shape, transpose, affine):
    conv = make().double().eval()
    bn = bn(affine)
    fused = utils.fuse_conv_bn_eval(conv, bn, transpose=transpose)
    x = mg.tensor(randn(*x_shape, seed=9))
    np.testing.assert_allclose(fused(x).numpy(), bn(conv(x)).numpy(), rtol=1e-10, atol=1e-12)
    assert fused is not conv and fused.weight is not conv.weight          # a copy; the original is unchanged
    assert isinstance(fused.weight, nn.Parameter) and fused.weight.requires_grad
    assert fused.bias.requires_grad == (conv.bias is not None)            # a made-up bias does not, as torch's


@pytest.mark.parametrize("transpose", [False, True])
def test_fuse_conv_bn_matches_torch(transpose, torch):
    t_conv = (torch.nn.ConvTranspose2d(3, 4, 2) if transpose else torch.nn.Conv2d(3, 4, 2)).double().eval()
    t_bn = torch.nn.BatchNorm2d(4).double().eval()
    bn = eval_bn(nn.BatchNorm2d, 4, seed=3)
    t_bn.load_state_dict({k: torch.tensor(v.numpy()) for k, v in bn.state_dict().items()})
    conv = load_from_torch((nn.ConvTranspose2d(3, 4, 2) if transpose else nn.Conv2d(3, 4, 2)).double().eval(), t_conv)
    fused = utils.fuse_conv_bn_eval(conv, bn, transpose)
    t_fused = torch.nn.utils.fuse_conv_bn_eval(t_conv, t_bn, transpose)
    np.testing.assert_allclose(fused.weight.numpy(), t_fused.weight.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(fused.bias.numpy(), t_fused.bias.detach().numpy(), rtol=1e-12)


def test_fuse_weights_keep_dtypes_and_requires_grad_as_torch(torch):
    w, rm, rv = randn(4, 3, 2, 2).astype(np.float32), randn(4, seed=1), np.abs(randn(4, seed=2)) + 1
    fw, fb = utils.fuse_conv_bn_weights(mg.tensor(w), None, mg.tensor(rm), mg.tensor(rv), 1e-5, None, None)
    tw, tb = torch.nn.utils.fuse_conv_bn_weights(torch.tensor(w), None, torch.tensor(rm), torch.tensor(rv), 1e-5,
                                                 None, None)
    assert fw.dtype == fb.dtype == np.float32 and not fw.requires_grad and not fb.requires_grad
    np.testing.assert_allclose(fw.numpy(), tw.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(fb.numpy(), tb.detach().numpy(), rtol=1e-6)
    lw, lb = randn(4, 3, seed=5), randn(4, seed=6)
    bw, bb = randn(4, seed=7), randn(4, seed=8)
    got = utils.fuse_linear_bn_weights(mg.tensor(lw, requires_grad=True), mg.tensor(lb), mg.tensor(rm),
                                       mg.tensor(rv), 1e-3, mg.tensor(bw), mg.tensor(bb))
    want = torch.nn.utils.fuse_linear_bn_weights(torch.tensor(lw, requires_grad=True), torch.tensor(lb),
                                                 torch.tensor(rm), torch.tensor(rv), 1e-3, torch.tensor(bw),
                                                 torch.tensor(bb))
    for g, t in zip(got, want):
        assert g.requires_grad == t.requires_grad and g.shape == tuple(t.shape)
        np.testing.assert_allclose(g.numpy(), t.detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("bias,bn_features", [(True, 4), (False, 4), (True, 1)])
def test_fuse_linear_bn_eval_computes_linear_then_bn(bias, bn_features):
    linear = nn.Linear(3, 4, bias=bias).double().eval()
    bn = eval_bn(nn.BatchNorm1d, bn_features, seed=2)
    fused = utils.fuse_linear_bn_eval(linear, bn)
    x = mg.tensor(randn(5, 3, seed=4))
    y = linear(x)
    expected = bn(y) if bn_features == 4 else bn(y.reshape(5, 1, 4)).reshape(5, 4)    # one feature: shared
    np.testing.assert_allclose(fused(x).numpy(), expected.numpy(), rtol=1e-10, atol=1e-12)


def test_fusion_errors_as_torch():
    conv, bn = nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4)
    with pytest.raises(AssertionError, match=r"^Fusion only for eval!$"):
        utils.fuse_conv_bn_eval(conv, bn.eval())
    with pytest.raises(AssertionError, match=r"^Fusion only for eval!$"):
        utils.fuse_linear_bn_eval(nn.Linear(2, 4).eval(), nn.BatchNorm1d(4))
    with pytest.raises(AssertionError, match=r"^To fuse, linear.out_features == bn.num_features or bn.num_features "
                                             r"== 1, got linear.out_features=4 and bn.num_features=3"):
        utils.fuse_linear_bn_eval(nn.Linear(2, 4).eval(), nn.BatchNorm1d(3).eval())
    with pytest.raises(AssertionError, match=r"^bn.running_mean and bn.running_var must not be None$"):
        utils.fuse_conv_bn_eval(conv.eval(), nn.BatchNorm2d(4, track_running_stats=False).eval())


# --------------------------------------------------------------------------- skip_init
def test_skip_init_builds_the_module_without_drawing_random_numbers():
    mg.manual_seed(3)
    expected = mg.randn(4).numpy()
    mg.manual_seed(3)
    layer = utils.skip_init(nn.Linear, 5, 4, bias=True)
    assert isinstance(layer, nn.Linear) and layer.weight.shape == (4, 5) and layer.bias.shape == (4,)
    assert layer.weight.dtype == np.float32 and layer.weight.requires_grad
    np.testing.assert_array_equal(mg.randn(4).numpy(), expected)   # the stream is where it was
    nn.init.zeros_(layer.weight)                                     # set by hand before use
    assert (layer.weight.numpy() == 0).all()
    bn = utils.skip_init(nn.BatchNorm1d, 3, device="cpu")
    assert [n for n, _ in bn.named_buffers()] == ["running_mean", "running_var", "num_batches_tracked"]


def test_skip_init_wants_a_module_class():
    with pytest.raises(RuntimeError, match=r"^Expected a Module; got"):
        utils.skip_init(nn.Linear(2, 2))
    with pytest.raises(RuntimeError, match=r"^Expected a Module; got <class 'int'>"):
        utils.skip_init(int)


# --------------------------------------------------------------------------- functional_call
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.bn = nn.BatchNorm1d(4)
        self.out = nn.Linear(4, 2)

    def forward(self, x, scale=1.0):
        return self.out(F.relu(self.bn(self.fc(x)))) * scale


def test_functional_call_runs_with_the_given_tensors_and_restores_the_module():
    net = Net().double().eval()
    before = {k: v.numpy().copy() for k, v in net.state_dict().items()}
    own = dict(net.named_parameters())
    given = {k: mg.tensor(randn(*v.shape, seed=i), requires_grad=True) for i, (k, v) in enumerate(own.items())}
    given["bn.running_mean"] = mg.tensor(randn(4, seed=20))             # a buffer too
    x = mg.tensor(randn(5, 3, seed=21))
    y = functional_call(net, given, (x,), {"scale": 2.0})
    twin = Net().double().eval()
    twin.load_state_dict({**before, **{k: v.numpy() for k, v in given.items()}})
    np.testing.assert_allclose(y.numpy(), twin(x, scale=2.0).numpy(), rtol=1e-12)
    y.sum().backward()
    assert all(given[k].grad is not None for k in own) and all(p.grad is None for p in net.parameters())
    for k, v in net.state_dict().items():                               # the module's own tensors are back
        np.testing.assert_array_equal(v.numpy(), before[k])
    assert all(net.get_submodule(k.rsplit(".", 1)[0])._parameters[k.rsplit(".", 1)[1]] is p for k, p in own.items())
    y1 = functional_call(net, {}, x)                                    # one argument, no tuple needed
    np.testing.assert_allclose(y1.numpy(), net(x).numpy())


def test_functional_call_gradcheck(device):
    """The gradients reach the given weight and bias (by finite differences), on every device."""
    layer = nn.Conv2d(2, 3, 2).double().to(device)
    assert check_grad(lambda w, b, x: functional_call(layer, {"weight": w, "bias": b}, (x,)),
                      randn(3, 2, 2, 2, seed=1), randn(3, seed=2), randn(1, 2, 3, 4, seed=3), device=device)


def test_functional_call_restores_after_an_error():
    layer = nn.Linear(3, 2)
    weight = layer.weight
    with pytest.raises(ValueError):
        functional_call(layer, {"weight": mg.ones(2, 5)}, mg.ones(4, 3))
    assert layer.weight is weight


def test_functional_call_matches_torch(torch):
    layer, t_layer = nn.Linear(3, 2).double(), torch.nn.Linear(3, 2).double()
    w, x = randn(2, 3, seed=1), randn(4, 3, seed=2)
    y = functional_call(layer, {"weight": mg.tensor(w)}, mg.tensor(x))
    ty = torch.func.functional_call(t_layer, {"weight": torch.tensor(w), "bias": torch.tensor(layer.bias.numpy())},
                                    torch.tensor(x))
    np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-12)


def test_functional_call_ties_weights_and_takes_several_dicts():
    net = nn.Sequential(nn.Linear(3, 3), nn.Linear(3, 3)).double()
    net[1].weight = net[0].weight                                      # tied
    w = mg.tensor(np.eye(3))
    x = mg.tensor(randn(2, 3))
    bias = {"0.bias": mg.tensor(np.zeros(3)), "1.bias": mg.tensor(np.zeros(3))}
    np.testing.assert_allclose(functional_call(net, [{"0.weight": w}, bias], x).numpy(), x.numpy())
    untied = functional_call(net, [{"0.weight": w}, bias], x, tie_weights=False)
    np.testing.assert_allclose(untied.numpy(), (x @ net[0].weight.T).numpy())
    with pytest.raises(ValueError, match=r"^functional_call got multiple values for keys \['0.weight', '1.weight'\], "
                                         r"which are tied. Consider using tie_weights=False"):
        functional_call(net, {"0.weight": w, "1.weight": mg.tensor(np.eye(3))}, x)
    with pytest.raises(ValueError, match=r"^\['0.bias'\] appeared in multiple dictionaries; behavior of functional "
                                         r"call is ambiguous"):
        functional_call(net, [bias, {"0.bias": w}], x)


def test_functional_call_strict_and_unknown_names():
    layer = nn.Linear(3, 2)
    with pytest.raises(RuntimeError, match=r"^Error\(s\) in reparametrizing for Linear:\n\tUnexpected key\(s\): "
                                           r"'foo'.\n\tMissing key\(s\): 'bias'.$"):
        functional_call(layer, {"weight": layer.weight, "foo": mg.ones(1)}, mg.ones(1, 3), strict=True)
    functional_call(layer, {"foo": mg.ones(1)}, mg.ones(1, 3))           # not strict: an attribute for the call
    assert not hasattr(layer, "foo")
    with pytest.raises(AttributeError, match=r"^Linear has no attribute `sub`"):
        functional_call(layer, {"sub.weight": mg.ones(1)}, mg.ones(1, 3))
    with pytest.raises(TypeError, match=r"^submodule `bias` of Linear is a tensor"):
        functional_call(layer, {"bias.x": mg.ones(1)}, mg.ones(1, 3))
