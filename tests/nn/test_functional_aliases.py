"""The small names: max pooling's *_with_indices forms, the deprecated upsample_bilinear/upsample_nearest (with
PyTorch's warning), the in-place activations (values as PyTorch's, the Tensor's in-place rules), NLLLoss2d,
CrossMapLRN2d (forward as PyTorch's; its gradient, exact, gradchecked) and the RNNBase/RNNCellBase names."""
import numpy as np
import pytest

import minigan as mg
import minigan.nn as nn
import minigan.nn.functional as F

from helpers import check_grad, compare_with_torch, distinct, randn


@pytest.mark.parametrize("name, shape, args", [
    ("max_pool1d_with_indices", (2, 3, 9), (3, 2, 1)),
    ("max_pool2d_with_indices", (2, 3, 7, 6), (3, 2, 1)),
    ("max_pool3d_with_indices", (1, 2, 5, 4, 5), (2,)),
    ("adaptive_max_pool1d_with_indices", (2, 3, 9), (4,)),
    ("adaptive_max_pool2d_with_indices", (2, 7, 6), ((3, 4),)),
    ("adaptive_max_pool3d_with_indices", (1, 2, 5, 4, 5), (3,)),
])
def test_with_indices_always_return_both_as_torch(torch, name, shape, args):
    x = distinct(*shape)
    y, i = getattr(F, name)(mg.tensor(x), *args)
    ty, ti = getattr(torch.nn.functional, name)(torch.tensor(x), *args)
    np.testing.assert_array_equal(y.numpy(), ty.numpy())
    np.testing.assert_array_equal(i.numpy(), ti.numpy())
    assert isinstance(getattr(F, name)(mg.tensor(x), *args, return_indices=False), tuple)
    compare_with_torch(torch, lambda t: getattr(F, name)(t, *args)[0],
                       lambda t: getattr(torch.nn.functional, name)(t, *args)[0], [x])


@pytest.mark.parametrize("name, kwargs", [("upsample_bilinear", {"scale_factor": 2}),
                                          ("upsample_nearest", {"size": (5, 3)})])
def test_deprecated_upsample_aliases_warn_and_match_torch(torch, name, kwargs):
    x = randn(2, 3, 4, 5, seed=1)
    with pytest.warns(UserWarning, match=f"`nn.functional.{name}` is deprecated. Use `nn.functional.interpolate`"):
        compare_with_torch(torch, lambda t: getattr(F, name)(t, **kwargs),
                           lambda t: getattr(torch.nn.functional, name)(t, **kwargs), [x])


INPLACE = [("relu_", ()), ("elu_", (0.7,)), ("celu_", (0.6,)), ("selu_", ()), ("leaky_relu_", (0.2,)),
           ("hardtanh_", (-0.4, 0.5)), ("rrelu_", (0.1, 0.3, False)), ("threshold_", (0.2, -3.0))]


@pytest.mark.parametrize("name, args", INPLACE)
def test_in_place_activations_overwrite_their_input_as_torch(torch, name, args):
    x = randn(3, 4, seed=2)
    t = mg.tensor(x)
    version = t._version
    out = getattr(F, name)(t, *args)
    expected = getattr(torch.nn.functional, name)(torch.tensor(x), *args)
    assert out is t and t._version == version + 1
    np.testing.assert_allclose(t.numpy(), expected.numpy(), rtol=1e-12, atol=1e-12)
    f32 = mg.tensor(x.astype(np.float32))
    assert getattr(F, name)(f32, *args).dtype == np.float32


@pytest.mark.parametrize("name, args", INPLACE[:3])
def test_in_place_follows_the_tensors_rules(name, args):
    leaf = mg.tensor(randn(3, seed=3), requires_grad=True)
    with pytest.raises(RuntimeError, match=name):
        getattr(F, name)(leaf, *args)
    with mg.no_grad():
        getattr(F, name)(leaf, *args)           # allowed under no_grad, as in PyTorch
    assert (leaf.numpy() >= -1).all()


def test_rrelu_in_training_draws_from_minigans_generator():
    x = -np.ones(50)
    mg.manual_seed(4)
    a = F.rrelu_(mg.tensor(x), 0.1, 0.3, training=True).numpy()
    mg.manual_seed(4)
    b = F.rrelu_(mg.tensor(x), 0.1, 0.3, training=True).numpy()
    np.testing.assert_array_equal(a, b)
    assert ((a <= -0.1) & (a >= -0.3)).all() and len(set(a.tolist())) > 1


def test_nll_loss_2d_is_a_deprecated_nll_loss(torch):
    with pytest.warns(FutureWarning, match="`NLLLoss2d` has been deprecated. Please use `NLLLoss`"):
        loss = nn.NLLLoss2d(reduction="sum")
    assert isinstance(loss, nn.NLLLoss) and repr(loss) == "NLLLoss2d()"
    x, t = randn(2, 3, 4, 5, seed=5), np.random.default_rng(0).integers(0, 3, (2, 4, 5))
    compare_with_torch(torch, lambda a: loss(a, mg.tensor(t)),
                       lambda a: torch.nn.functional.nll_loss(a, torch.tensor(t), reduction="sum"), [x])
    w, t[0, 1, 2] = randn(3, seed=7) ** 2, -100
    with pytest.warns(FutureWarning):
        for reduction in ("none", "mean"):
            loss = nn.NLLLoss2d(mg.tensor(w), reduction=reduction)
            tfn = torch.nn.functional.nll_loss
            compare_with_torch(torch, lambda a: loss(a, mg.tensor(t)),
                               lambda a: tfn(a, torch.tensor(t), torch.tensor(w), reduction=reduction), [x])
    with pytest.raises(ValueError, match=r"NLLLoss2d: expected a target of shape \(2, 4, 5\)"):
        loss(mg.tensor(x), mg.tensor(t[:, :3]))


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 9])
def test_cross_map_lrn2d_forward_matches_torch(torch, size):
    x = randn(2, 7, 3, 4, seed=size)
    ours = nn.CrossMapLRN2d(size, 1e-2, 0.6, 1.5)
    theirs = torch.nn.CrossMapLRN2d(size, 1e-2, 0.6, 1.5)
    assert repr(ours) == repr(theirs)
    np.testing.assert_allclose(ours(mg.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy(), rtol=1e-12, atol=1e-14)
    assert ours(mg.tensor(x.astype(np.float32))).dtype == np.float32


@pytest.mark.parametrize("size, channels", [(3, 5), (4, 6), (1, 2)])
def test_cross_map_lrn2d_gradcheck(device, size, channels):
    layer = nn.CrossMapLRN2d(size, 0.5, 0.75, 1.0)
    assert check_grad(layer, randn(2, channels, 3, 2, seed=6), device=device)


def test_cross_map_lrn2d_errors():
    with pytest.raises(ValueError, match="CrossMapLRN2d: Expected input to be 4D, got 3D instead"):
        nn.CrossMapLRN2d(3)(mg.randn(2, 3, 4))


def test_rnn_base_names():
    assert issubclass(nn.LSTM, nn.RNNBase) and issubclass(nn.GRUCell, nn.RNNCellBase)
    base = nn.RNNBase("LSTM", 3, 4)
    assert [k for k, _ in base.named_parameters()] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]
    cell = nn.RNNCellBase(3, 4, True, 2)
    assert cell.weight_ih.shape == (8, 3)
