"""Dropout and Dropout1d/2d/3d: what they zero, how they scale, and that eval mode leaves the input alone."""
import numpy as np
import pytest

import minigan as mg
import minigan.nn.functional as F
from minigan import nn


def test_dropout2d_zeros_whole_channels_and_scales_the_rest(device):
    mg.manual_seed(0)
    x = mg.ones(64, 16, 3, 5, device=device, requires_grad=True)
    y = F.dropout2d(x, p=0.25)
    per_channel = y.numpy().reshape(64, 16, -1)
    # every feature map is all zeros or all 1/(1 - p): one draw per (sample, channel)
    np.testing.assert_array_equal(per_channel.min(axis=2), per_channel.max(axis=2))
    np.testing.assert_allclose(np.unique(per_channel), [0.0, 1 / 0.75], rtol=1e-6)
    dropped = (per_channel[:, :, 0] == 0).mean()
    assert 0.18 < dropped < 0.32                                    # about p of 1,024 channels
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.numpy())       # the gradient is the same mask


def test_dropout2d_on_a_3d_input_drops_along_the_first_two_dims():
    mg.manual_seed(1)
    y = F.dropout2d(mg.ones(8, 6, 10), p=0.5).numpy()
    assert ((y == 0).all(axis=2) | (y == 2).all(axis=2)).all()


def test_dropout_layers_are_identity_in_eval_mode_and_like_torch(torch):
    x = mg.randn(2, 3, 4, 4)
    for ours, theirs in [(nn.Dropout2d(0.3), torch.nn.Dropout2d(0.3)), (nn.Dropout(0.3), torch.nn.Dropout(0.3))]:
        assert repr(ours) == repr(theirs)
        ours.eval()
        assert ours(x) is x
    assert F.dropout2d(x, 0.5, training=False) is x
    assert (F.dropout2d(x, 1.0).numpy() == 0).all()


def test_dropout2d_errors():
    with pytest.raises(ValueError, match="dropout2d: p must be in"):
        F.dropout2d(mg.ones(1, 2, 3, 3), p=1.5)
    with pytest.raises(ValueError, match=r"dropout2d: expected a 3-D or 4-D input .* got shape \(2, 3\)"):
        F.dropout2d(mg.ones(2, 3))
    with pytest.raises(ValueError, match="Dropout2d: p must be in"):
        nn.Dropout2d(-0.1)


# --------------------------------------------------------------------------- Dropout1d, Dropout3d
@pytest.mark.parametrize("fn,shape,lead", [(F.dropout1d, (40, 12, 7), 2), (F.dropout1d, (300, 5), 1),
                                           (F.dropout3d, (30, 10, 2, 3, 2), 2), (F.dropout3d, (200, 2, 3, 2), 1)])
def test_channel_dropout_zeros_whole_channels_of_batches_and_unbatched_inputs(device, fn, shape, lead):
    """One draw per (sample, channel), or per channel of one unbatched sample, as torch's dropout1d/dropout3d."""
    mg.manual_seed(2)
    x = mg.ones(*shape, device=device, requires_grad=True)
    y = fn(x, p=0.3)
    per_channel = y.numpy().reshape(shape[:lead] + (-1,))
    np.testing.assert_array_equal(per_channel.min(axis=-1), per_channel.max(axis=-1))
    np.testing.assert_allclose(np.unique(per_channel), [0.0, 1 / 0.7], rtol=1e-6)
    assert 0.2 < (per_channel[..., 0] == 0).mean() < 0.4             # about p of 300 to 480 channels
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.numpy())


def test_channel_dropout_layers_and_errors_as_torch(torch):
    for ours, theirs, x in [(nn.Dropout1d(0.2), torch.nn.Dropout1d(0.2), mg.randn(2, 3, 4)),
                            (nn.Dropout3d(), torch.nn.Dropout3d(), mg.randn(2, 3, 4, 2))]:
        assert repr(ours) == repr(theirs)
        assert (type(ours)(1.0)(x).numpy() == 0).all()
        ours.eval()
        assert ours(x) is x
    with pytest.raises(ValueError, match=r"dropout1d: expected a 2-D or 3-D input \(C, L\) or \(N, C, L\), got "
                                         r"shape \(2, 3, 4, 5\)"):
        F.dropout1d(mg.ones(2, 3, 4, 5))
    with pytest.raises(ValueError, match=r"dropout3d: expected a 4-D or 5-D input \(C, D, H, W\) or "
                                         r"\(N, C, D, H, W\), got shape \(2, 3\)"):
        F.dropout3d(mg.ones(2, 3))
    with pytest.raises(ValueError, match="Dropout3d: p must be in"):
        nn.Dropout3d(1.5)
