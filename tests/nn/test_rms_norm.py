"""RMSNorm and F.rms_norm against PyTorch: values and gradients (float64 and float32, eps=None taking the dtype's
machine epsilon), gradchecks (and the second derivative) in float64, the layer's repr, state dict and errors."""
import numpy as np
import pytest

import minigan as mg
import minigan.nn as nn
import minigan.nn.functional as F

from helpers import check_grad, compare_with_torch, layer_matches_torch, load_from_torch, randn


@pytest.mark.parametrize("shape,normalized,eps", [((2, 3, 5), (5,), None), ((1, 4, 3), (4, 3), 1e-3),
                                                  ((7,), 7, 1e-6), ((2, 1, 3, 2), (1, 3, 2), None)])
def test_rms_norm_matches_torch(torch, shape, normalized, eps):
    w_shape = (normalized,) if isinstance(normalized, int) else normalized
    x, w = randn(*shape, seed=1), randn(*w_shape, seed=2)
    compare_with_torch(torch, lambda x, w: F.rms_norm(x, normalized, w, eps),
                       lambda x, w: torch.nn.functional.rms_norm(x, list(w_shape), w, eps), [x, w])
    compare_with_torch(torch, lambda x: F.rms_norm(x, normalized, eps=eps),
                       lambda x: torch.nn.functional.rms_norm(x, list(w_shape), eps=eps), [x])


def test_rms_norm_eps_none_is_the_dtype_machine_epsilon(torch):
    """Tiny inputs show eps: float32's 1.19e-7 and float64's 2.2e-16 give different outputs, each as torch's."""
    x = np.full((2, 4), 1e-4)
    for dtype in (np.float32, np.float64):
        ours = F.rms_norm(mg.tensor(x.astype(dtype)), (4,)).numpy()
        theirs = torch.nn.functional.rms_norm(torch.tensor(x.astype(dtype)), [4]).numpy()
        assert ours.dtype == dtype
        np.testing.assert_allclose(ours, theirs, rtol=1e-5 if dtype == np.float32 else 1e-12)
    assert F.rms_norm(mg.tensor(x.astype(np.float32)), (4,)).numpy()[0, 0] < 0.9995   # eps counts in float32
    np.testing.assert_allclose(F.rms_norm(mg.tensor(x), (4,)).numpy(), 1.0, rtol=1e-7)  # and hardly in float64


@pytest.mark.parametrize("affine", [True, False])
def test_rms_norm_gradcheck(device, affine):
    x = randn(2, 3, 4, seed=3)
    if affine:
        check_grad(lambda x, w: F.rms_norm(x, (3, 4), w, 1e-5), x, randn(3, 4, seed=4), device=device)
    else:
        check_grad(lambda x: F.rms_norm(x, 4), x, device=device)


def test_rms_norm_second_derivative(device):
    x = mg.tensor(randn(2, 5, seed=5), device=device, requires_grad=True)
    w = mg.tensor(randn(5, seed=6), device=device, requires_grad=True)
    assert mg.gradgradcheck(lambda x, w: F.rms_norm(x, 5, w, 1e-4), [x, w])


@pytest.mark.parametrize("args,shape", [((5,), (2, 3, 5)), (((3, 4), 1e-3), (1, 3, 4)), ((6, None, False), (6,))])
def test_rms_norm_layer_matches_torch(device, torch, args, shape):
    t_layer = torch.nn.RMSNorm(*args).double()
    if t_layer.weight is not None:
        with torch.no_grad():
            t_layer.weight.copy_(torch.tensor(randn(*t_layer.weight.shape, seed=7)))
    layer = nn.RMSNorm(*args).double()
    assert repr(layer) == repr(t_layer)
    assert list(layer.state_dict()) == list(t_layer.state_dict())
    layer_matches_torch(torch, load_from_torch(layer, t_layer), t_layer, randn(*shape, seed=8), device)


def test_rms_norm_layer_resets_and_errors():
    layer = nn.RMSNorm((2, 3))
    assert layer.weight.shape == (2, 3) and layer.weight.dtype == np.float32
    layer.weight.data[...] = 5
    layer.reset_parameters()
    np.testing.assert_array_equal(layer.weight.numpy(), 1)
    nn.RMSNorm(3, elementwise_affine=False).reset_parameters()               # nothing to reset, no error
    with pytest.raises(ValueError, match=r"RMSNorm\(\(2, 3\).*expected input \(\*, 2, 3\), got shape \(2, 3, 2\)"):
        layer(mg.zeros(2, 3, 2))
    with pytest.raises(ValueError, match=r"rms_norm: normalized_shape=\(4,\) expects an input of shape \(\*, 4\)"):
        F.rms_norm(mg.zeros(2, 3), 4)
    with pytest.raises(ValueError, match=r"rms_norm: expected weight of shape \(3,\) \(normalized_shape\), got"):
        F.rms_norm(mg.zeros(2, 3), 3, mg.ones(2))
