"""In-place variants: ``mg.<name>_(x)`` for PyTorch's top-level in-place functions, and the Tensor methods PyTorch
has for them. Each overwrites its tensor with the out-of-place op's values (as torch's), keeps its dtype, counts
the change in its version, and follows the rules of minigan's in-place methods (refused on a leaf that requires
grad while recording, and with an operand that requires grad)."""
import numpy as np
import pytest

import minigan as mg
from minigan.ops import inplace

from helpers import randn

UNARY = ["abs_", "acos_", "asin_", "atan_", "ceil_", "cos_", "cosh_", "erf_", "erfc_", "exp_", "exp2_", "expm1_",
         "floor_", "frac_", "log_", "log10_", "log1p_", "log2_", "neg_", "reciprocal_", "round_", "rsqrt_",
         "sigmoid_", "sin_", "sinh_", "sqrt_", "square_", "tan_", "tanh_", "trunc_", "relu_", "selu_", "celu_",
         "zero_"]
TOP_LEVEL_ONLY = {"selu_", "celu_", "rrelu_", "threshold_", "dropout_", "alpha_dropout_", "feature_alpha_dropout_"}


def test_every_name_is_where_torch_has_it(torch):
    for name in inplace.__all__:
        assert hasattr(torch, name) and callable(getattr(mg, name)), name
        assert hasattr(mg.Tensor, name) == hasattr(torch.Tensor, name), name
    assert TOP_LEVEL_ONLY <= set(inplace.__all__)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", UNARY)
def test_unary_in_place_as_torch(torch, name, dtype):
    a = (np.abs(randn(3, 4, seed=1)) % 0.8 + 0.1).astype(dtype) * np.array([1, -1, 1, 1], dtype=dtype)
    if name in ("acos_", "asin_", "log_", "log10_", "log2_", "sqrt_", "rsqrt_"):
        a = np.abs(a)
    ours, theirs = mg.tensor(a), torch.tensor(a)
    version = ours._version
    assert getattr(mg, name)(ours) is ours and ours._version == version + 1
    getattr(torch, name)(theirs)
    assert ours.dtype == dtype
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=2e-6 if dtype == np.float32 else 1e-12)
    if hasattr(torch.Tensor, name):
        method = mg.tensor(a)
        assert getattr(method, name)() is method
        np.testing.assert_array_equal(method.numpy(), ours.numpy())


@pytest.mark.parametrize("call", [
    lambda L, t: L.threshold_(t, 0.1, -2.0), lambda L, t: L.celu_(t, 0.5), lambda L, t: L.clamp_(t, -0.2, 0.3),
    lambda L, t: L.clamp_min_(t, 0.05), lambda L, t: L.clamp_max_(t, -0.1), lambda L, t: L.clip_(t, None, 0.2),
    lambda L, t: L.fill_(t, 1.5), lambda L, t: L.rrelu_(t, 0.2, 0.2), lambda L, t: L.dropout_(t, 0.3, False),
    lambda L, t: L.alpha_dropout_(t, 0.3, False), lambda L, t: L.feature_alpha_dropout_(t, 0.3, False),
    lambda L, t: L.round_(t, decimals=1), lambda L, t: L.xlogy_(t, L.tensor(np.abs(randn(3, 4, seed=2)))),
    lambda L, t: t.clamp_min_(0.0).clamp_max_(0.5), lambda L, t: t.xlogy_(3.0),
], ids=["threshold_", "celu_", "clamp_", "clamp_min_", "clamp_max_", "clip_", "fill_", "rrelu_", "dropout_",
        "alpha_dropout_", "feature_alpha_dropout_", "round_", "xlogy_", "method_clamps", "method_xlogy_"])
def test_with_arguments_as_torch(torch, call):
    a = randn(3, 4, seed=3)
    ours, theirs = mg.tensor(a), torch.tensor(a)
    assert call(mg, ours) is ours
    call(torch, theirs)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, atol=1e-15)


def test_random_in_place_ones_are_seeded():
    x = mg.ones(2000)
    mg.manual_seed(3)
    a = mg.dropout_(mg.ones(2000), 0.5, True).numpy()
    mg.manual_seed(3)
    np.testing.assert_array_equal(mg.dropout_(x, 0.5, True).numpy(), a)
    assert set(np.unique(a)) == {0.0, 2.0}
    y = mg.tensor(-np.ones(100))
    mg.rrelu_(y, 0.1, 0.3, True)
    assert ((y.numpy() <= -0.1) & (y.numpy() >= -0.3)).all() and len(np.unique(y.numpy())) > 1
    with pytest.raises(TypeError, match="rrelu: generator must be an mg.Generator or None"):
        mg.rrelu_(y, generator=1)


def test_integers_keep_their_dtype_or_are_refused(torch):
    x = mg.tensor([-2, 3, -5])
    assert mg.abs_(x) is x and x.tolist() == [2, 3, 5] and x.dtype == np.int64
    mg.clamp_max_(x, 4)
    assert x.tolist() == torch.clamp_max_(torch.tensor([2, 3, 5]), 4).tolist()
    with pytest.raises(RuntimeError, match="sin_: result type float32 can't be cast to the tensor's dtype int64"):
        mg.sin_(x)
    with pytest.raises(RuntimeError, match="xlogy_: result type"):
        x.xlogy_(2.0)


def test_the_rules_of_in_place_changes():
    leaf = mg.tensor([0.5, 0.25], requires_grad=True)
    for f in (mg.cos_, mg.selu_, lambda t: mg.dropout_(t, 0.5, True), lambda t: mg.threshold_(t, 0.0, 1.0)):
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
            f(leaf)
    with mg.no_grad():
        mg.cos_(leaf)
    np.testing.assert_allclose(leaf.numpy(), np.cos([0.5, 0.25]))
    y = leaf * 2
    with pytest.raises(RuntimeError, match="sqrt_: this tensor was computed by"):
        y.sqrt_()
    with pytest.raises(RuntimeError, match="xlogy_: an operand requires grad"):
        mg.zeros(2).xlogy_(leaf)
    with pytest.raises(RuntimeError, match="clamp_min_: an operand requires grad"):
        mg.zeros(2).clamp_min_(leaf)


def test_a_saved_tensor_changed_in_place_is_detected():
    x = mg.tensor([0.3, 0.6], requires_grad=True)
    with mg.no_grad():
        base = mg.tensor([1.0, 2.0])
    y = (x * base).sum()
    mg.tan_(base)
    with pytest.raises(RuntimeError, match="modified by an inplace operation|version"):
        y.backward()
