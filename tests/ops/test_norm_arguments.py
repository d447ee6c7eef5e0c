"""Arguments of linear and batch_norm that PyTorch accepts or refuses: a 1-D linear weight, and evaluation-mode
batch norm without running statistics."""
import numpy as np
import pytest

import minigan as mg
import minigan.nn.functional as F

from helpers import check_grad, compare_with_torch, randn


def test_linear_with_a_1d_weight_drops_the_output_dim(device):
    x = mg.tensor(np.arange(6, dtype=np.float32).reshape(2, 3), device=device)
    y = F.linear(x, mg.zeros(3, device=device))
    assert y.shape == (2,)
    np.testing.assert_array_equal(F.linear(x, mg.tensor([1.0, 0.0, 2.0], device=device), mg.tensor(0.5)).numpy(),
                                  [4.5, 13.5])
    assert F.linear(mg.ones(3, device=device), mg.ones(3, device=device)).shape == ()
    check_grad(lambda x, w: F.linear(x, w), randn(4, 2, 3, seed=1), randn(3, seed=2), device=device)


def test_linear_feature_mismatch_message():
    with pytest.raises(ValueError, match=r"linear: input has 3 features but weight expects 4 \(weight shape \(4,\)"):
        F.linear(mg.zeros(2, 3), mg.zeros(4))
    with pytest.raises(ValueError, match=r"linear: input has 3 features but weight expects 2"):
        F.linear(mg.zeros(2, 3), mg.zeros(5, 2))


def test_linear_with_a_1d_weight_matches_torch(torch):
    import torch.nn.functional as tf
    compare_with_torch(torch, lambda x, w: F.linear(x, w), lambda x, w: tf.linear(x, w),
                       [randn(2, 5, 3, seed=3), randn(3, seed=4)])


def test_batch_norm_in_evaluation_needs_running_statistics():
    x = mg.tensor(randn(4, 3, seed=5))
    with pytest.raises(RuntimeError, match="running_mean must be defined in evaluation mode"):
        F.batch_norm(x, None, None, training=False)
    with pytest.raises(RuntimeError, match="running_var must be defined in evaluation mode"):
        F.batch_norm(x, mg.zeros(3), None)
    y = F.batch_norm(x, None, None, training=True)           # training normalises with the batch's statistics
    np.testing.assert_allclose(y.numpy().mean(axis=0), 0.0, atol=1e-6)


def test_batch_norm_evaluation_error_matches_torch(torch):
    import torch.nn.functional as tf
    with pytest.raises(RuntimeError, match="running_mean must be defined in evaluation mode"):
        tf.batch_norm(torch.ones(2, 3), None, None, training=False)
