"""BatchNorm3d, InstanceNorm1d and InstanceNorm3d, and the norm layers' bias=False: PyTorch's layers, statistics,
running statistics, reprs and errors, on batched and unbatched inputs; gradchecked in float64."""
import numpy as np
import pytest

import minigan as mg
import minigan.nn as nn

from helpers import layer_matches_torch, randn

# (layer, constructor keyword arguments, input shape)
CASES = [
    ("BatchNorm3d", dict(), (3, 2, 4, 3, 2)),
    ("BatchNorm3d", dict(affine=False, momentum=0.3), (2, 3, 2, 2, 3)),
    ("InstanceNorm1d", dict(), (2, 3, 7)),
    ("InstanceNorm1d", dict(affine=True, track_running_stats=True), (1, 4, 5)),
    ("InstanceNorm1d", dict(affine=True), (3, 6)),                                  # unbatched (C, L)
    ("InstanceNorm3d", dict(affine=True), (2, 2, 3, 2, 4)),
    ("InstanceNorm3d", dict(track_running_stats=True, momentum=0.2), (2, 3, 2, 3, 2)),
    ("InstanceNorm3d", dict(), (2, 3, 2, 3)),                                       # unbatched (C, D, H, W)
]
IDS = [f"{name}-{shape}" for name, _, shape in CASES]


def _pair(torch, name, kwargs, channels):
    t_layer = getattr(torch.nn, name)(channels, **kwargs).double()
    with torch.no_grad():
        for p in t_layer.parameters():
            p.copy_(torch.randn(p.shape, dtype=torch.float64))
    layer = getattr(nn, name)(channels, **kwargs).double()
    layer.load_state_dict({k: v.numpy() for k, v in t_layer.state_dict().items()})
    return layer, t_layer


@pytest.mark.parametrize("name, kwargs, shape", CASES, ids=IDS)
def test_training_step_matches_torch(device, torch, name, kwargs, shape):
    unbatched = len(shape) == {"BatchNorm3d": 4, "InstanceNorm1d": 2, "InstanceNorm3d": 4}[name]
    channels = shape[0] if unbatched else shape[1]
    layer, t_layer = _pair(torch, name, kwargs, channels)
    assert repr(layer) == repr(t_layer)
    assert list(layer.state_dict()) == list(t_layer.state_dict())
    layer_matches_torch(torch, layer, t_layer, randn(*shape, seed=3), device)
    for (k, ours), theirs in zip(layer.state_dict().items(), t_layer.state_dict().values()):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, atol=1e-12, err_msg=k)   # running stats
    layer.eval(), t_layer.eval()
    x = randn(*shape, seed=4)
    np.testing.assert_allclose(layer(mg.tensor(x, device=device)).numpy(), t_layer(torch.tensor(x)).detach().numpy(),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name, shape", [("BatchNorm3d", (2, 2, 3, 2, 2)), ("InstanceNorm1d", (2, 2, 5)),
                                         ("InstanceNorm3d", (1, 2, 2, 3, 2))])
def test_gradcheck(device, name, shape):
    layer = getattr(nn, name)(2, affine=True).double().to(device)
    x = mg.tensor(randn(*shape, seed=5), device=device, requires_grad=True)
    mg.gradcheck(layer, [x], params=list(layer.parameters()))


@pytest.mark.parametrize("make, shape, message", [
    (lambda: nn.BatchNorm3d(2), (2, 2, 3, 3), r"expected .*\(N, C, D, H, W\)"),
    (lambda: nn.InstanceNorm1d(2), (2, 2, 3, 3), r"expected a 3-D input \(N, C, L\) or a 2-D one \(C, L\), got shape"),
    (lambda: nn.InstanceNorm3d(2), (2, 2, 3), r"expected a 5-D input \(N, C, D, H, W\) or a 4-D one \(C, D, H, W\)"),
    (lambda: nn.InstanceNorm3d(3, affine=True), (1, 2, 2, 2, 2), r"expected input with 3 channels \(N, C, D, H, W\)"),
])
def test_wrong_inputs_name_the_layer(make, shape, message):
    layer = make()
    with pytest.raises(ValueError, match=message):
        layer(mg.zeros(*shape))


@pytest.mark.parametrize("name, args, kwargs, shape", [
    ("BatchNorm2d", (3,), dict(bias=False), (2, 3, 4, 3)),
    ("BatchNorm1d", (3,), dict(affine=False), (4, 3)),
    ("InstanceNorm2d", (3,), dict(affine=True, bias=False), (2, 3, 4, 3)),
    ("GroupNorm", (2, 4), dict(bias=False), (2, 4, 3)),
    ("LayerNorm", ((3, 2),), dict(bias=False), (2, 4, 3, 2)),
    ("LayerNorm", (2,), dict(elementwise_affine=False), (3, 2)),
])
def test_norm_layers_without_bias_are_torchs(device, torch, name, args, kwargs, shape):
    """PyTorch 2's ``bias=False`` on the normalisation layers: no ``bias`` parameter or state_dict key, the repr
    says ``bias=False``, and the outputs and gradients are torch's."""
    t_layer = getattr(torch.nn, name)(*args, **kwargs).double()
    with torch.no_grad():
        for p in t_layer.parameters():
            p.copy_(torch.randn(p.shape, dtype=torch.float64))
    layer = getattr(nn, name)(*args, **kwargs).double()
    layer.load_state_dict({k: v.numpy() for k, v in t_layer.state_dict().items()})
    assert repr(layer) == repr(t_layer) and "bias=False" in repr(layer)
    assert list(layer.state_dict()) == list(t_layer.state_dict()) and layer.bias is None
    layer_matches_torch(torch, layer, t_layer, randn(*shape, seed=6), device)
