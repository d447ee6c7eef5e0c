"""local_response_norm and bilinear, and their layers LocalResponseNorm and Bilinear: float64 gradchecks on every
device, PyTorch's values and gradients (LRN on 3-D, 4-D and 5-D inputs with even and odd sizes, smaller and
larger than the channel count; bilinear batched, unbatched and with more leading dims, with and without a bias),
a Bilinear loaded from torch's state dict, its initialisation, the reprs, and the errors."""
import numpy as np
import pytest

import minigan as mg
import minigan.nn as nn
import minigan.nn.functional as F

from helpers import check_grad, compare_with_torch, randn, tensors


# --------------------------------------------------------------------------- local_response_norm
def _lrn_reference(x, size, alpha, beta, k):
    """The formula written out: the squares of the channels c - size//2 .. c + (size-1)//2 that exist, summed and
    divided by size (PyTorch's average over a zero-padded window)."""
    c = x.shape[1]
    out = np.empty_like(x)
    for i in range(c):
        lo, hi = max(0, i - size // 2), min(c, i + (size - 1) // 2 + 1)
        s = (x[:, lo:hi] ** 2).sum(axis=1)
        out[:, i] = x[:, i] / (k + alpha / size * s) ** beta
    return out


LRN_SHAPES = [(2, 5, 3), (2, 6, 3, 4), (1, 5, 2, 3, 2)]
LRN_SIZES = [1, 2, 3, 4, 7]


@pytest.mark.parametrize("size", LRN_SIZES)
@pytest.mark.parametrize("shape", LRN_SHAPES, ids=str)
def test_local_response_norm_gradcheck_torch_and_formula(device, torch, shape, size):
    x = randn(*shape, seed=1, scale=1.5)
    args = (size, 0.3, 0.65, 1.2)                   # a large alpha, so the normalisation is felt
    check_grad(lambda x: F.local_response_norm(x, *args), x, device=device)
    compare_with_torch(torch, lambda x: F.local_response_norm(x, *args),
                       lambda x: torch.nn.functional.local_response_norm(x, *args), [x], atol=1e-13, rtol=1e-12)
    y = F.local_response_norm(mg.tensor(x, device=device), *args)
    np.testing.assert_allclose(mg.backend.to_numpy(y.data), _lrn_reference(x, *args), rtol=1e-13)


def test_local_response_norm_defaults_and_layer(torch):
    x = randn(2, 7, 4, 4, seed=2, scale=10.0)
    for size in (2, 5):
        layer, t_layer = nn.LocalResponseNorm(size), torch.nn.LocalResponseNorm(size)
        compare_with_torch(torch, layer, t_layer, [x], atol=1e-13, rtol=1e-12)
        compare_with_torch(torch, lambda x: F.local_response_norm(x, size),
                           lambda x: torch.nn.functional.local_response_norm(x, size), [x], atol=1e-13, rtol=1e-12)
        assert repr(layer) == repr(t_layer) == f"LocalResponseNorm({size}, alpha=0.0001, beta=0.75, k=1.0)"
    layer, t_layer = nn.LocalResponseNorm(3, 1e-3, 0.5, 2), torch.nn.LocalResponseNorm(3, 1e-3, 0.5, 2)
    assert repr(layer) == repr(t_layer) == "LocalResponseNorm(3, alpha=0.001, beta=0.5, k=2)"
    assert (layer.size, layer.alpha, layer.beta, layer.k) == (t_layer.size, t_layer.alpha, t_layer.beta, t_layer.k)
    assert list(layer.parameters()) == [] and list(layer.state_dict()) == []
    compare_with_torch(torch, layer, t_layer, [x], atol=1e-13, rtol=1e-12)


def test_local_response_norm_layer_gradcheck(device):
    layer = nn.LocalResponseNorm(4, alpha=0.5, beta=0.8, k=0.7).to(device)
    check_grad(layer, randn(2, 5, 3, seed=3), device=device)
    mg.gradgradcheck(layer, tensors(device, randn(1, 4, 2, 2, seed=4)))


def test_local_response_norm_dtypes_and_empty_inputs(torch):
    x32 = randn(2, 4, 3, seed=5).astype(np.float32)
    y = F.local_response_norm(mg.tensor(x32), 3, 0.5)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.numpy(), torch.nn.functional.local_response_norm(torch.tensor(x32), 3, 0.5).numpy(),
                               rtol=1e-6)
    ints = np.arange(-12, 18).reshape(2, 5, 3)
    for size in (2, 3, 6):
        # integers give float32, with PyTorch's integer average of the squares: floor(sum / size)
        y = F.local_response_norm(mg.tensor(ints), size, 0.01)
        theirs = torch.nn.functional.local_response_norm(torch.tensor(ints), size, 0.01)
        assert y.dtype == np.float32 and str(theirs.dtype) == "torch.float32"
        np.testing.assert_allclose(y.numpy(), theirs.numpy(), rtol=1e-6)
        floats = _lrn_reference(ints.astype(np.float64), size, 0.01, 0.75, 1.0)
        assert not np.allclose(y.numpy(), floats, rtol=1e-6)        # the truncation shows
    for shape in ((0, 3, 2), (2, 0, 3), (2, 3, 0, 4)):
        empty = mg.zeros(*shape)
        assert F.local_response_norm(empty, 3) is empty


def test_local_response_norm_errors():
    with pytest.raises(ValueError, match=r"local_response_norm: expected an input \(N, C, \*\) of 3 or more dims, got "
                                         r"shape \(2, 5\)"):
        F.local_response_norm(mg.zeros(2, 5), 2)
    with pytest.raises(ValueError, match=r"LocalResponseNorm\(2, alpha=0.0001, beta=0.75, k=1.0\): expected an input "
                                         r"\(N, C, \*\) of 3 or more dims, got shape \(5,\)"):
        nn.LocalResponseNorm(2)(mg.zeros(5))
    for size in (0, -1):
        with pytest.raises(ValueError, match=f"local_response_norm: size must be at least 1, got {size}"):
            F.local_response_norm(mg.zeros(2, 5, 3), size)
    with pytest.raises(TypeError, match="local_response_norm: size must be an int, got float"):
        F.local_response_norm(mg.zeros(2, 5, 3), 2.0)
    assert F.local_response_norm(mg.ones(1, 3, 2), np.int64(2)).shape == (1, 3, 2)


# --------------------------------------------------------------------------- bilinear
BILINEAR_CASES = {           # name -> (input1 shape, input2 shape); the weight is (4, 3, 5)
    "2-D": ((2, 3), (2, 5)),
    "unbatched": ((3,), (5,)),
    "3-D": ((2, 3, 3), (2, 3, 5)),
    "batch 1": ((1, 3), (1, 5)),
}


@pytest.mark.parametrize("with_bias", [True, False], ids=["bias", "no bias"])
@pytest.mark.parametrize("case", BILINEAR_CASES)
def test_bilinear_gradcheck_and_torch(device, torch, case, with_bias):
    s1, s2 = BILINEAR_CASES[case]
    arrays = [randn(*s1, seed=6), randn(*s2, seed=7), randn(4, 3, 5, seed=8)] + ([randn(4, seed=9)] if with_bias
                                                                               else [])
    check_grad(F.bilinear, *arrays, device=device)
    compare_with_torch(torch, F.bilinear, torch.nn.functional.bilinear, arrays, atol=1e-12, rtol=1e-12)
    x1, x2, w = arrays[:3]
    want = np.einsum("...i,oij,...j->...o", x1, w, x2) + (arrays[3] if with_bias else 0)
    got = F.bilinear(*tensors(device, *arrays, requires_grad=False))
    assert got.shape == s1[:-1] + (4,)
    np.testing.assert_allclose(mg.backend.to_numpy(got.data), want, rtol=1e-12)


def test_bilinear_second_derivatives(device):
    mg.gradgradcheck(F.bilinear, tensors(device, randn(2, 3, seed=10), randn(2, 2, seed=11), randn(3, 3, 2, seed=12),
                                         randn(3, seed=13)))


def test_bilinear_empty_and_featureless_inputs(torch):
    w, b = randn(4, 3, 2, seed=14), randn(4, seed=15)
    compare_with_torch(torch, F.bilinear, torch.nn.functional.bilinear, [np.zeros((0, 3)), np.zeros((0, 2)), w, b])
    assert F.bilinear(*tensors("cpu", np.zeros((0, 3)), np.zeros((0, 2)), w)).shape == (0, 4)
    out = F.bilinear(*tensors("cpu", np.ones((2, 3)), np.ones((2, 0)), np.zeros((4, 3, 0)), b))  # no in2: the bias
    np.testing.assert_array_equal(out.numpy(), np.broadcast_to(b, (2, 4)))
    with pytest.raises(TypeError, match="bilinear: expected tensors of one dtype \\(no promotion, as in PyTorch\\), "
                                        "got input1 float32, input2 float64, weight float64, bias float64"):
        F.bilinear(mg.zeros(2, 3), *tensors("cpu", np.zeros((2, 2)), w, b))


def test_bilinear_errors():
    x1, x2, w = mg.zeros(2, 3), mg.zeros(2, 5), mg.zeros(4, 3, 5)
    with pytest.raises(ValueError, match=r"bilinear: expected a 3-D weight \(out_features, in1_features, "
                                         r"in2_features\), got shape \(3, 5\)"):
        F.bilinear(x1, x2, w[0])
    with pytest.raises(ValueError, match=r"bilinear: expected inputs \(\*, in1_features\) and \(\*, in2_features\) "
                                         r"with the same leading dims \(they are not broadcast\), got shapes \(1, 3\) "
                                         r"and \(2, 5\)"):
        F.bilinear(x1[:1], x2, w)
    with pytest.raises(ValueError, match=r"got shapes \(3,\) and \(2, 5\)"):
        F.bilinear(x1[0], x2, w)
    with pytest.raises(ValueError, match=r"got shapes \(\) and \(\)"):
        F.bilinear(mg.tensor(1.0), mg.tensor(1.0), w)
    with pytest.raises(ValueError, match=r"bilinear: input1 has 2 features but weight expects 3 \(weight shape "
                                         r"\(4, 3, 5\): \(out, in1, in2\); input1 shape \(2, 2\)\)"):
        F.bilinear(mg.zeros(2, 2), x2, w)
    with pytest.raises(ValueError, match="bilinear: input2 has 4 features but weight expects 5"):
        F.bilinear(x1, mg.zeros(2, 4), w)
    with pytest.raises(ValueError, match=r"bilinear: expected bias of shape \(4,\), one value per output feature, got "
                                         r"shape \(1, 4\)"):
        F.bilinear(x1, x2, w, mg.zeros(1, 4))


# --------------------------------------------------------------------------- Bilinear
def _torch_bilinear_into_ours(torch, t_layer, bias=True):
    layer = nn.Bilinear(t_layer.in1_features, t_layer.in2_features, t_layer.out_features, bias=bias)
    missing, unexpected = layer.load_state_dict({k: v.detach().numpy() for k, v in t_layer.state_dict().items()})
    assert missing == [] and unexpected == []
    return layer


@pytest.mark.parametrize("bias", [True, False])
def test_bilinear_layer_matches_torch_after_loading_its_state_dict(device, torch, bias):
    t_layer = torch.nn.Bilinear(3, 5, 4, bias=bias).double()
    layer = _torch_bilinear_into_ours(torch, t_layer, bias).double().to(device)
    assert [n for n, _ in layer.named_parameters()] == [n for n, _ in t_layer.named_parameters()]
    a, b = randn(6, 3, seed=16), randn(6, 5, seed=17)
    x1, x2 = tensors(device, a, b)
    t1, t2 = (torch.tensor(v, requires_grad=True) for v in (a, b))
    y, ty = layer(x1, x2), t_layer(t1, t2)
    np.testing.assert_allclose(mg.backend.to_numpy(y.data), ty.detach().numpy(), atol=1e-12, rtol=1e-12)
    v = randn(6, 4, seed=18)
    y.backward(mg.tensor(v, device=device))
    ty.backward(torch.tensor(v))
    for got, want in [(x1.grad, t1.grad), (x2.grad, t2.grad)] + [
            (p.grad, tp.grad) for p, tp in zip(layer.parameters(), t_layer.parameters())]:
        np.testing.assert_allclose(mg.backend.to_numpy(got.data), want.numpy(), atol=1e-12, rtol=1e-12)
    mg.gradcheck(layer, tensors(device, a[:2], b[:2]), params=list(layer.parameters()))


def test_bilinear_layer_float32_matches_torch(torch):
    t_layer = torch.nn.Bilinear(4, 2, 3)
    layer = _torch_bilinear_into_ours(torch, t_layer)
    a, b = randn(5, 4, seed=19).astype(np.float32), randn(5, 2, seed=20).astype(np.float32)
    y = layer(mg.tensor(a), mg.tensor(b))
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.numpy(), t_layer(torch.tensor(a), torch.tensor(b)).detach().numpy(), atol=1e-6)


def test_bilinear_layer_init_shapes_and_repr(torch):
    layer, t_layer = nn.Bilinear(20, 30, 40), torch.nn.Bilinear(20, 30, 40)
    assert repr(layer) == repr(t_layer) == "Bilinear(in1_features=20, in2_features=30, out_features=40, bias=True)"
    assert repr(nn.Bilinear(2, 3, 4, bias=False)) == repr(torch.nn.Bilinear(2, 3, 4, bias=False))
    assert nn.Bilinear(2, 3, 4, False).bias is None and list(nn.Bilinear(2, 3, 4, False).state_dict()) == ["weight"]
    assert {k: tuple(v.shape) for k, v in layer.state_dict().items()} == \
        {k: tuple(v.shape) for k, v in t_layer.state_dict().items()} == {"weight": (40, 20, 30), "bias": (40,)}
    assert (layer.in1_features, layer.in2_features, layer.out_features) == (20, 30, 40)
    bound = 1 / np.sqrt(20)                          # PyTorch's: 1/sqrt(in1_features), for the bias too
    for p in (layer.weight, layer.bias):
        assert p.dtype == np.float32
        values = p.numpy()
        assert values.min() >= -bound and values.max() <= bound
        assert values.min() < -0.9 * bound and values.max() > 0.9 * bound     # the whole range is drawn from
    assert abs(float(layer.weight.numpy().std()) - bound / np.sqrt(3)) < 0.01 * bound     # a uniform's std


def test_bilinear_layer_draws_weight_then_bias_from_the_seed():
    mg.manual_seed(11)
    layer = nn.Bilinear(3, 2, 4)
    mg.manual_seed(11)
    gen = mg.backend.rng("cpu")
    bound = 1 / np.sqrt(3)
    np.testing.assert_array_equal(layer.weight.numpy(), gen.uniform(-bound, bound, (4, 3, 2)).astype(np.float32))
    np.testing.assert_array_equal(layer.bias.numpy(), gen.uniform(-bound, bound, (4,)).astype(np.float32))
    mg.manual_seed(11)
    layer.reset_parameters()              # the same draws as the constructor's
    mg.manual_seed(11)
    fresh = nn.Bilinear(3, 2, 4)
    np.testing.assert_array_equal(layer.weight.numpy(), fresh.weight.numpy())
    np.testing.assert_array_equal(layer.bias.numpy(), fresh.bias.numpy())


def test_bilinear_layer_errors(torch):
    with pytest.raises(ValueError, match="Bilinear: in1_features must be > 0, got 0"):
        nn.Bilinear(0, 3, 2)
    with pytest.raises(ValueError, match="in1_features must be > 0"):
        torch.nn.Bilinear(0, 3, 2)
    layer = nn.Bilinear(0 + 3, 0, 2)                  # no in2 features is allowed, as in PyTorch: y is the bias
    np.testing.assert_array_equal(layer(mg.ones(1, 3), mg.ones(1, 0)).numpy(), layer.bias.numpy()[None])
    layer = nn.Bilinear(3, 5, 4)
    with pytest.raises(ValueError, match=r"Bilinear\(in1_features=3, in2_features=5, out_features=4, bias=True\): "
                                         r"expected inputs \(\*, 3\) and \(\*, 5\), got shapes \(2, 5\) and \(2, 3\)"):
        layer(mg.zeros(2, 5), mg.zeros(2, 3))
    with pytest.raises(ValueError, match=r"with the same leading dims"):
        layer(mg.zeros(2, 3), mg.zeros(3, 5))
