"""nn.utils: clip_grad_norm_ and clip_grad_value_ (hand-checked, on every device, and against torch.nn.utils),
and parameters_to_vector / vector_to_parameters round trips."""
import math
import warnings

import numpy as np
import pytest

import minigan as mg
import minigan.nn as nn
from minigan.nn.utils import clip_grad_norm_, clip_grad_value_, parameters_to_vector, vector_to_parameters

from helpers import host, randn

SHAPES = [(3, 4), (5,), (2, 1, 3)]


def params_with_grads(device="cpu", scale=3.0, none_at=None, dtype=np.float64):
    """Three parameters whose gradients are fixed random arrays (times ``scale``); the one at ``none_at``
    has no gradient. Returns the parameters and the host gradients (None where there is none)."""
    params, grads = [], []
    for i, shape in enumerate(SHAPES):
        p = mg.tensor(randn(*shape, seed=i), requires_grad=True, device=device, dtype=dtype)
        g = None if i == none_at else (randn(*shape, seed=10 + i) * scale).astype(dtype)
        if g is not None:
            p.grad = mg.tensor(g, device=device)
        params.append(p)
        grads.append(g)
    return params, grads


def torch_params(torch, grads):
    out = []
    for i, (shape, g) in enumerate(zip(SHAPES, grads)):
        t = torch.tensor(randn(*shape, seed=i), requires_grad=True)
        if g is not None:
            t.grad = torch.tensor(g)
        out.append(t)
    return out


def numpy_norm(grads, p):
    flat = np.concatenate([g.ravel() for g in grads if g is not None])
    if p == math.inf:
        return np.abs(flat).max()
    return (np.abs(flat) ** p).sum() ** (1 / p)


# ----------------------------------------------------------------- clip_grad_norm_
@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf, 3.0])
def test_clip_grad_norm_scales_all_gradients_together(norm_type, device):
    params, grads = params_with_grads(device, none_at=1)
    total = numpy_norm(grads, norm_type)
    assert total > 1.0
    out = clip_grad_norm_(params, max_norm=1.0, norm_type=norm_type)
    assert isinstance(out, mg.Tensor) and out.shape == () and out.device == device and not out.requires_grad
    np.testing.assert_allclose(host(out), total, rtol=1e-12)
    coef = 1.0 / (total + 1e-6)
    for p, g in zip(params, grads):
        if g is None:
            assert p.grad is None
        else:
            np.testing.assert_allclose(host(p.grad), g * coef, rtol=1e-12)
    new_norm = numpy_norm([host(p.grad) for p in params if p.grad is not None], norm_type)
    assert 1.0 - 1e-5 < new_norm <= 1.0


def test_clip_grad_norm_works_in_place_and_bumps_the_version():
    params, _ = params_with_grads()
    grads = [p.grad for p in params]
    versions = [g._version for g in grads]
    clip_grad_norm_(params, 0.5)
    assert all(p.grad is g for p, g in zip(params, grads))
    assert all(g._version > v for g, v in zip(grads, versions))


def test_clip_grad_norm_leaves_small_gradients_unchanged():
    params, grads = params_with_grads(scale=0.01)
    out = clip_grad_norm_(params, max_norm=10.0)
    np.testing.assert_allclose(out.item(), numpy_norm(grads, 2.0), rtol=1e-12)
    for p, g in zip(params, grads):
        np.testing.assert_array_equal(p.grad.numpy(), g)


def test_clip_grad_norm_takes_one_tensor_or_a_generator():
    p = mg.tensor([3.0, 4.0], requires_grad=True, dtype=np.float64)
    p.grad = mg.tensor([3.0, 4.0], dtype=np.float64)
    assert clip_grad_norm_(p, 1.0).item() == 5.0
    np.testing.assert_allclose(p.grad.numpy(), [3 / (5 + 1e-6), 4 / (5 + 1e-6)], rtol=1e-15)

    model = nn.Linear(3, 2)
    model(mg.ones(4, 3)).sum().backward()     # weight grad: 4 in each entry, bias grad: 4 in each
    total = clip_grad_norm_(model.parameters(), 1.0)
    np.testing.assert_allclose(total.item(), 4 * math.sqrt(8), rtol=1e-6)
    np.testing.assert_allclose(model.weight.grad.numpy(), 4 / (4 * math.sqrt(8) + 1e-6), rtol=1e-6)
    assert model.weight.grad.dtype == np.float32


def test_clip_grad_norm_without_gradients():
    p = mg.tensor([1.0], requires_grad=True)
    out = clip_grad_norm_([p], 1.0)
    assert out.item() == 0.0 and out.dtype == np.float32 and p.grad is None
    with pytest.warns(UserWarning, match="`parameters` is an empty generator"):
        clip_grad_norm_((q for q in []), 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clip_grad_norm_([], 1.0)                  # an empty list is not a mistake worth a warning


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_clip_grad_norm_nonfinite(bad):
    params, grads = params_with_grads()
    params[2].grad.data[0, 0, 1] = bad
    with pytest.raises(RuntimeError, match=r"The total norm of order 2.0 for gradients from `parameters` is "
                                           r"non-finite, so it cannot be clipped"):
        clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
    np.testing.assert_array_equal(params[0].grad.numpy(), grads[0])      # nothing was scaled
    out = clip_grad_norm_(params, 1.0)
    assert not math.isfinite(out.item())
    if bad == math.inf:   # the coefficient is 1 / inf = 0: finite gradients become 0, the inf one nan
        np.testing.assert_array_equal(params[0].grad.numpy(), 0.0)
    assert np.isnan(params[2].grad.numpy()[0, 0, 1])


def test_clip_grad_norm_scales_a_shared_gradient_once():
    # With create_graph=True, add's backward hands x and y the same (read-only) gradient array.
    x = mg.tensor([1.0, 2.0], requires_grad=True, dtype=np.float64)
    y = mg.tensor([3.0, 4.0], requires_grad=True, dtype=np.float64)
    (x + y).sum().backward(create_graph=True)
    out = clip_grad_norm_([x, y], 1.0)
    assert out.item() == 2.0
    np.testing.assert_allclose(x.grad.numpy(), [1 / (2 + 1e-6)] * 2, rtol=1e-15)
    np.testing.assert_allclose(y.grad.numpy(), [1 / (2 + 1e-6)] * 2, rtol=1e-15)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf, float("inf"), 3.0, 0.5, 0.0])
@pytest.mark.parametrize("max_norm", [0.7, 1e6])
def test_clip_grad_norm_parity_with_torch(norm_type, max_norm, torch):
    params, grads = params_with_grads(none_at=0)
    tparams = torch_params(torch, grads)
    out = clip_grad_norm_(params, max_norm, norm_type)
    tout = torch.nn.utils.clip_grad_norm_(tparams, max_norm, norm_type)
    np.testing.assert_allclose(out.item(), tout.item(), rtol=1e-12)
    for p, t in zip(params, tparams):
        assert (p.grad is None) == (t.grad is None)
        if p.grad is not None:
            np.testing.assert_allclose(p.grad.numpy(), t.grad.numpy(), rtol=1e-12, atol=0)


def test_clip_grad_norm_of_order_zero_counts_the_nonzero_gradients():
    # The total is the norm of the per-gradient norms; of order 0, that is how many gradients are not all 0.
    params, grads = params_with_grads()
    params[1].grad.data[...] = 0.0
    out = clip_grad_norm_(params, 1.0, norm_type=0)
    assert out.item() == 2.0
    np.testing.assert_allclose(params[0].grad.numpy(), grads[0] / (2 + 1e-6), rtol=1e-15)
    np.testing.assert_array_equal(params[1].grad.numpy(), 0.0)


def test_clip_grad_norm_float32_parity_with_torch(torch):
    params, grads = params_with_grads(dtype=np.float32)
    tparams = [torch.tensor(g).requires_grad_() for g in grads]
    for t, g in zip(tparams, grads):
        t.grad = torch.tensor(g)
    out = clip_grad_norm_(params, 0.3)
    tout = torch.nn.utils.clip_grad_norm_(tparams, 0.3)
    assert out.dtype == np.float32 and params[0].grad.dtype == np.float32
    np.testing.assert_allclose(out.item(), tout.item(), rtol=1e-6)
    for p, t in zip(params, tparams):
        np.testing.assert_allclose(p.grad.numpy(), t.grad.numpy(), rtol=1e-6)


def test_clip_grad_norm_nonfinite_parity_with_torch(torch):
    params, grads = params_with_grads()
    grads[1][2] = math.inf
    params[1].grad.data[2] = math.inf
    tparams = torch_params(torch, grads)
    out = clip_grad_norm_(params, 1.0, norm_type=1.0)
    tout = torch.nn.utils.clip_grad_norm_(tparams, 1.0, norm_type=1.0)
    assert out.item() == tout.item() == math.inf
    for p, t in zip(params, tparams):
        np.testing.assert_array_equal(p.grad.numpy(), t.grad.numpy())   # zeros, and nan where inf was


# ----------------------------------------------------------------- clip_grad_value_
def test_clip_grad_value_clamps_each_element(device):
    params, grads = params_with_grads(device, none_at=2)
    versions = [p.grad._version for p in params[:2]]
    assert clip_grad_value_(params, 2.0) is None
    for p, g in zip(params, grads):
        if g is None:
            assert p.grad is None
        else:
            np.testing.assert_array_equal(host(p.grad), np.clip(g, -2.0, 2.0))
            assert np.abs(g).max() > 2.0 and np.abs(host(p.grad)).max() == 2.0
    assert [p.grad._version for p in params[:2]] > versions


def test_clip_grad_value_takes_one_tensor_and_read_only_gradients():
    p = mg.tensor([-3.0, 0.5, 7.0], requires_grad=True, dtype=np.float64)
    (p * 2).sum().backward()
    clip_grad_value_(p, 1)
    np.testing.assert_array_equal(p.grad.numpy(), [1.0, 1.0, 1.0])

    x = mg.tensor([1.0, 2.0], requires_grad=True, dtype=np.float64)
    y = mg.tensor([3.0, 4.0], requires_grad=True, dtype=np.float64)
    (3 * (x + y)).sum().backward(create_graph=True)
    clip_grad_value_([x, y], 0.5)
    np.testing.assert_array_equal(x.grad.numpy(), [0.5, 0.5])
    np.testing.assert_array_equal(y.grad.numpy(), [0.5, 0.5])


@pytest.mark.parametrize("clip_value", [0.1, 2.5, 100.0])
def test_clip_grad_value_parity_with_torch(clip_value, torch):
    params, grads = params_with_grads(none_at=1)
    tparams = torch_params(torch, grads)
    clip_grad_value_(params, clip_value)
    torch.nn.utils.clip_grad_value_(tparams, clip_value)
    for p, t in zip(params, tparams):
        assert (p.grad is None) == (t.grad is None)
        if p.grad is not None:
            np.testing.assert_array_equal(p.grad.numpy(), t.grad.numpy())


# ----------------------------------------------------------------- flat parameter vectors
def test_parameters_to_vector_and_back(device):
    params, _ = params_with_grads(device)
    originals = [host(p) for p in params]
    vec = parameters_to_vector(params)
    assert vec.shape == (12 + 5 + 6,) and vec.device == device
    np.testing.assert_array_equal(host(vec), np.concatenate([a.ravel() for a in originals]))

    vector_to_parameters(vec * 2, params)
    for p, a in zip(params, originals):
        assert p.shape == a.shape
        np.testing.assert_array_equal(host(p), 2 * a)


def test_vector_to_parameters_shares_the_vector_memory_and_bumps_versions():
    model = nn.Linear(3, 2)
    vec = mg.tensor(np.arange(8, dtype=np.float32))
    versions = [p._version for p in model.parameters()]
    vector_to_parameters(vec, model.parameters())
    np.testing.assert_array_equal(model.weight.numpy(), [[0, 1, 2], [3, 4, 5]])
    np.testing.assert_array_equal(model.bias.numpy(), [6, 7])
    assert np.shares_memory(model.weight.data, vec.data)       # as in PyTorch: a view of the vector
    assert all(p._version > v for p, v in zip(model.parameters(), versions))


def test_parameters_to_vector_is_differentiable():
    params, _ = params_with_grads()
    for p in params:
        p.grad = None
    weights = randn(23, seed=5)
    (parameters_to_vector(params) * mg.tensor(weights)).sum().backward()
    start = 0
    for p in params:
        np.testing.assert_array_equal(p.grad.numpy(), weights[start:start + p.numel()].reshape(p.shape))
        start += p.numel()


def test_vector_to_parameters_errors():
    params, _ = params_with_grads()
    with pytest.raises(TypeError, match="expected minigan.Tensor, but got: ndarray"):
        vector_to_parameters(np.zeros(23), params)
    with pytest.raises(RuntimeError, match="the vector has 20 elements, but the parameters need at least 23"):
        vector_to_parameters(mg.zeros(20), params)
    with pytest.raises(ValueError, match=r"expected a 1-D vector, got shape \(23, 1\)"):
        vector_to_parameters(mg.zeros(23, 1), params)


def test_parameters_on_two_devices_are_refused(cuda_device):
    a = mg.tensor([1.0], requires_grad=True)
    b = mg.tensor([2.0], requires_grad=True, device=cuda_device)
    with pytest.raises(TypeError, match="Found two parameters on different devices"):
        parameters_to_vector([a, b])
    with pytest.raises(TypeError, match="Found two parameters on different devices"):
        vector_to_parameters(mg.zeros(2), [a, b])


def test_vectors_parity_with_torch(torch):
    params, grads = params_with_grads()
    tparams = torch_params(torch, grads)
    vec, tvec = parameters_to_vector(params), torch.nn.utils.parameters_to_vector(tparams)
    np.testing.assert_array_equal(vec.numpy(), tvec.detach().numpy())
    new = randn(23, seed=9)
    vector_to_parameters(mg.tensor(new), params)
    torch.nn.utils.vector_to_parameters(torch.tensor(new), tparams)
    for p, t in zip(params, tparams):
        np.testing.assert_array_equal(p.numpy(), t.detach().numpy())


# --------------------------------------------------------------------------- spectral_norm
def _spectral_pair(torch, make_ours, make_theirs, shape_w):
    """The same layer in minigan and torch (float64), spectral-normalized, with torch's u and v copied."""
    ours, theirs = make_ours(), make_theirs().double()
    w = np.random.default_rng(7).standard_normal(shape_w)
    ours.weight = mg.nn.Parameter(mg.tensor(w))
    ours.bias = mg.nn.Parameter(mg.tensor(theirs.bias.detach().numpy().copy()))
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(w))
    mg.nn.utils.spectral_norm(ours)
    torch.nn.utils.spectral_norm(theirs)
    for b in ("weight_u", "weight_v"):
        getattr(ours, b).data[...] = getattr(theirs, b).numpy()
    return ours, theirs


@pytest.mark.parametrize("kind", ["conv", "convT", "linear"])
def test_spectral_norm_matches_torch_over_training_steps(torch, kind):
    make = {"conv": (lambda: mg.nn.Conv2d(3, 4, 3), lambda: torch.nn.Conv2d(3, 4, 3), (4, 3, 3, 3), (2, 3, 5, 5)),
            "convT": (lambda: mg.nn.ConvTranspose2d(3, 2, 4, 2, 1), lambda: torch.nn.ConvTranspose2d(3, 2, 4, 2, 1),
                      (3, 2, 4, 4), (2, 3, 3, 3)),
            "linear": (lambda: mg.nn.Linear(5, 3), lambda: torch.nn.Linear(5, 3), (3, 5), (4, 5))}[kind]
    ours, theirs = _spectral_pair(torch, make[0], make[1], make[2])
    assert sorted(n for n, _ in ours.named_parameters()) == sorted(n for n, _ in theirs.named_parameters())
    assert list(ours.state_dict()) == list(theirs.state_dict())
    x = np.random.default_rng(8).standard_normal(make[3])
    for step in range(3):                    # train mode: one power iteration per forward, carried over
        y, ty = ours(mg.tensor(x)), theirs(torch.tensor(x))
        np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-10, err_msg=f"step {step}")
        np.testing.assert_allclose(ours.weight_u.numpy(), theirs.weight_u.numpy(), rtol=1e-10)
        (y * y).sum().backward()
        (ty * ty).sum().backward()
        np.testing.assert_allclose(ours.weight_orig.grad.numpy(), theirs.weight_orig.grad.numpy(), rtol=1e-9)
        with mg.no_grad(), torch.no_grad():   # a small step on both, so W changes between forwards
            ours.weight_orig.data -= 0.1 * ours.weight_orig.grad.data
            theirs.weight_orig -= 0.1 * theirs.weight_orig.grad
        ours.weight_orig.grad, theirs.weight_orig.grad = None, None
    ours.eval()
    theirs.eval()
    u_before = ours.weight_u.numpy().copy()
    np.testing.assert_allclose(ours(mg.tensor(x)).numpy(), theirs(torch.tensor(x)).detach().numpy(), rtol=1e-10)
    np.testing.assert_array_equal(ours.weight_u.numpy(), u_before)      # eval: no power iteration


def test_spectral_norm_bounds_the_largest_singular_value():
    mg.manual_seed(0)
    layer = mg.nn.utils.spectral_norm(mg.nn.Linear(20, 10))
    layer.weight_orig.data *= 5.0
    for _ in range(30):                      # power iteration converges over forwards
        layer(mg.zeros(1, 20))
    assert np.linalg.svd(layer.weight.numpy(), compute_uv=False)[0] == pytest.approx(1.0, rel=1e-3)
    assert np.linalg.svd(layer.weight_orig.numpy(), compute_uv=False)[0] > 4.0


def test_remove_spectral_norm_and_errors():
    layer = mg.nn.utils.spectral_norm(mg.nn.Linear(4, 3))
    layer(mg.zeros(2, 4))
    normalized = layer.weight.numpy().copy()
    with pytest.raises(RuntimeError, match="already has a spectral_norm hook"):
        mg.nn.utils.spectral_norm(layer)
    mg.nn.utils.remove_spectral_norm(layer)
    assert sorted(layer.state_dict()) == ["bias", "weight"] and isinstance(layer.weight, mg.nn.Parameter)
    np.testing.assert_allclose(layer.weight.numpy(), normalized, rtol=1e-6)
    with pytest.raises(ValueError, match="spectral_norm of 'weight' not found in Linear"):
        mg.nn.utils.remove_spectral_norm(layer)
    with pytest.raises(ValueError, match="n_power_iterations must be positive"):
        mg.nn.utils.spectral_norm(mg.nn.Linear(2, 2), n_power_iterations=0)


@pytest.mark.parametrize("layer", [lambda: mg.nn.Conv2d(2, 3, 3, padding=1), lambda: mg.nn.ConvTranspose2d(2, 3, 3, 2)])
def test_spectral_norm_gradcheck(layer):
    """In eval mode u and v stay put, so the layer is a fixed function of (x, weight_orig) to check."""
    mg.manual_seed(1)
    sn = mg.nn.utils.spectral_norm(layer().to(mg.float64))
    sn(mg.zeros(1, 2, 3, 3, dtype=mg.float64))                          # one power iteration in train mode
    sn.eval()
    x = mg.tensor(np.random.default_rng(9).standard_normal((1, 2, 3, 3)), requires_grad=True)
    assert mg.gradcheck(lambda x, w: sn(x), [x, sn.weight_orig])
