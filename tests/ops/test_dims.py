"""Dimension arguments, with PyTorch's rule: a dim lies in [-ndim, ndim - 1] (an op that inserts one, in
[-ndim - 1, ndim]); anything else is an IndexError naming the op, never a silent wrap-around. A 0-d tensor
takes dims 0 and -1. Also PyTorch's argument names (dim, keepdim, unbiased, correction) beside NumPy's."""
import warnings

import numpy as np
import pytest

import minigan as mg
import minigan.nn.functional as F
from minigan.ops._util import normalize_dim

from helpers import check_grad, compare_with_torch, randn

# op name -> (minigan call taking (tensor, dim), torch call taking (torch, tensor, dim))
DIM_OPS = {
    "sum": (lambda x, d: x.sum(dim=d), lambda torch, x, d: x.sum(dim=d)),
    "mean": (lambda x, d: x.mean(dim=d), lambda torch, x, d: x.mean(dim=d)),
    "amax": (lambda x, d: x.amax(dim=d), lambda torch, x, d: x.amax(dim=d)),
    "var": (lambda x, d: x.var(dim=d), lambda torch, x, d: x.var(dim=d)),
    "max": (lambda x, d: x.max(dim=d).values, lambda torch, x, d: x.max(dim=d).values),
    "min": (lambda x, d: x.min(dim=d).indices, lambda torch, x, d: x.min(dim=d).indices),
    "argmax": (lambda x, d: x.argmax(dim=d), lambda torch, x, d: x.argmax(dim=d)),
    "softmax": (lambda x, d: F.softmax(x, dim=d), lambda torch, x, d: x.softmax(dim=d)),
    "log_softmax": (lambda x, d: F.log_softmax(x, dim=d), lambda torch, x, d: x.log_softmax(dim=d)),
    "unsqueeze": (lambda x, d: x.unsqueeze(d), lambda torch, x, d: x.unsqueeze(d)),
    "squeeze": (lambda x, d: x.squeeze(d), lambda torch, x, d: x.squeeze(d)),
    "flatten_start": (lambda x, d: x.flatten(d), lambda torch, x, d: x.flatten(d)),
    "flatten_end": (lambda x, d: x.flatten(0, d), lambda torch, x, d: x.flatten(0, d)),
    "transpose": (lambda x, d: x.transpose(0, d) if x.ndim else x.transpose(d, d),
                  lambda torch, x, d: x.transpose(0, d) if x.ndim else x.transpose(d, d)),
    "permute": (lambda x, d: x.permute(*range(x.ndim - 1), d) if x.ndim else x.permute(),
                lambda torch, x, d: x.permute(*range(x.ndim - 1), d) if x.ndim else x.permute(())),
    "cat": (lambda x, d: mg.cat([x, x], dim=d), lambda torch, x, d: torch.cat([x, x], dim=d)),
    "stack": (lambda x, d: mg.stack([x, x], dim=d), lambda torch, x, d: torch.stack([x, x], dim=d)),
}
SHAPES = [(2, 3), (1, 3, 2)]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", DIM_OPS)
def test_out_of_range_dim_is_an_index_error_naming_the_op(name, shape):
    call = DIM_OPS[name][0]
    ndim = len(shape) + (name in ("unsqueeze", "stack"))
    x = mg.tensor(randn(*shape, seed=1))
    for d in (ndim, ndim + 3, -ndim - 1):
        with pytest.raises(IndexError, match=rf"{name.split('_')[0]}.*range of \[{-ndim}, {ndim - 1}\].*got {d}"):
            call(x, d)


def test_the_reported_wrap_arounds_are_errors():
    x = mg.zeros(2, 3)
    for bad in (lambda: x.sum(dim=5), lambda: x.unsqueeze(5), lambda: x.permute(0, 3), lambda: mg.cat([x, x], 2),
                lambda: x.squeeze(3), lambda: F.softmax(x, dim=2), lambda: x.transpose(0, 2)):
        with pytest.raises(IndexError, match="out of range"):
            bad()
    with pytest.raises(ValueError, match="flatten: start_dim cannot come after end_dim"):
        x.flatten(1, 0)


def test_normalize_dim():
    assert [normalize_dim(d, 3, "op") for d in (-3, -1, 0, 2)] == [0, 2, 0, 2]
    assert [normalize_dim(d, 0, "op") for d in (-1, 0)] == [0, 0]            # a 0-d tensor: dims -1 and 0
    with pytest.raises(IndexError, match=r"op: .*\[-1, 0\], but got 1"):
        normalize_dim(1, 0, "op")
    with pytest.raises(TypeError, match="op: a dimension must be an int"):
        normalize_dim(1.0, 2, "op")


def test_repeated_dims_are_an_error():
    with pytest.raises(ValueError, match="sum: dims .* same dim"):
        mg.zeros(2, 3).sum(dim=(0, -2))
    with pytest.raises(ValueError, match="permute: dims .* same dim"):
        mg.zeros(2, 3).permute(0, 0)


@pytest.mark.filterwarnings("ignore:.*degrees of freedom")     # var over a dim of size 1: nan in both
@pytest.mark.parametrize("shape", SHAPES + [()])
@pytest.mark.parametrize("name", DIM_OPS)
def test_accepted_dims_and_results_match_torch(torch, name, shape):
    """For every dim from -4 to 4: minigan refuses exactly the dims torch refuses, and agrees elsewhere."""
    mg_call, torch_call = DIM_OPS[name]
    a = randn(*shape, seed=2)
    for d in range(-4, 5):
        try:
            expected = torch_call(torch, torch.tensor(a), d)
        except (IndexError, RuntimeError):
            with pytest.raises((IndexError, ValueError)):
                mg_call(mg.tensor(a), d)
            continue
        got = mg_call(mg.tensor(a), d)
        assert got.shape == tuple(expected.shape), (name, shape, d)
        np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-12, err_msg=f"{name} dim={d}")


# --------------------------------------------------------------------------- 0-d tensors
def test_zero_dim_reductions_and_shapes():
    s = mg.tensor(3.0)
    assert s.sum(dim=0).item() == 3.0 and s.sum(dim=-1).shape == ()
    assert s.mean(dim=(0,)).item() == 3.0 and s.amax(dim=0).item() == 3.0
    values, indices = s.max(dim=0)
    assert (values.item(), values.shape, indices.item(), indices.dtype) == (3.0, (), 0, np.int64)
    assert s.min(dim=-1, keepdim=True).values.shape == ()
    assert s.argmax(0).item() == 0 and s.argmin(dim=0, keepdim=True).shape == ()
    assert s.flatten().shape == (1,) and s.flatten(0, -1).shape == (1,)
    assert F.softmax(s, dim=0).item() == 1.0 and F.log_softmax(s, dim=-1).item() == 0.0
    assert s.unsqueeze(0).shape == (1,) and s.unsqueeze(-1).shape == (1,)
    assert s.squeeze(0).shape == () and s.transpose(0, -1).shape == () and s.permute().shape == ()
    assert mg.stack([s, s], dim=-1).tolist() == [3.0, 3.0]


def test_zero_dim_tensor_cannot_be_concatenated():
    s = mg.tensor(3.0)
    with pytest.raises(ValueError, match="concatenate: the zero-dimensional tensor at position 1"):
        mg.cat([mg.tensor([1.0]), s])


@pytest.mark.parametrize("fn", [
    lambda s: s.sum(dim=0), lambda s: s.mean(dim=-1), lambda s: s.max(dim=0).values, lambda s: s.min(0).values,
    lambda s: s.amax(dim=0), lambda s: s.flatten() * 2, lambda s: F.softmax(s, dim=0) * s,
    lambda s: F.log_softmax(s * s, dim=0) + s, lambda s: s.unsqueeze(0).squeeze(0) * s,
], ids=["sum", "mean", "max", "min", "amax", "flatten", "softmax", "log_softmax", "unsqueeze_squeeze"])
def test_zero_dim_gradients(device, fn):
    check_grad(fn, np.array(0.7), device=device)


def test_zero_dim_values_and_gradients_match_torch(torch):
    compare_with_torch(torch, lambda s: s.sum(dim=0) + s.max(dim=0).values * F.softmax(s, dim=0) + s.flatten().sum(),
                       lambda s: s.sum(dim=0) + s.max(dim=0).values * s.softmax(dim=0) + s.flatten().sum(),
                       [np.array(0.7)])


# --------------------------------------------------------------------------- PyTorch's argument names
def test_torch_keyword_names_are_accepted():
    a = randn(2, 3, 4, seed=3)
    x = mg.tensor(a)
    np.testing.assert_array_equal(mg.cat([x, x], dim=1).numpy(), np.concatenate([a, a], axis=1))
    np.testing.assert_array_equal(mg.stack([x, x], dim=1).numpy(), np.stack([a, a], axis=1))
    assert x.sum(1, keepdim=True).shape == (2, 1, 4) and x.mean(dim=2, keepdims=True).shape == (2, 3, 1)
    np.testing.assert_allclose(mg.sum(x, dim=1).numpy(), a.sum(axis=1), rtol=1e-12)
    np.testing.assert_allclose(mg.mean(x, dim=(0, 2)).numpy(), a.mean(axis=(0, 2)), rtol=1e-12)
    np.testing.assert_allclose(x.var(unbiased=False).item(), a.var(), rtol=1e-12)
    np.testing.assert_allclose(mg.std(x, 0, False).numpy(), a.std(axis=0), rtol=1e-12)   # torch's (dim, unbiased)
    np.testing.assert_allclose(x.var(dim=1, correction=0, keepdim=True).numpy(), a.var(axis=1, keepdims=True),
                               rtol=1e-12)
    assert x.argmax(1, keepdim=True).shape == (2, 1, 4) and x.argmin(dim=-1, keepdim=True).shape == (2, 3, 1)
    np.testing.assert_array_equal(x.argmax(dim=2).numpy(), a.argmax(axis=2))
    np.testing.assert_allclose(F.softmax(x, axis=1).numpy(), F.softmax(x, dim=1).numpy())
    # NumPy's names still work, and both spellings may be given when they agree
    assert x.sum(axis=1, keepdims=True).shape == (2, 1, 4) and x.sum(dim=1, axis=1).shape == (2, 4)


@pytest.mark.parametrize("call", [
    lambda x: x.sum(dim=1, axis=0), lambda x: mg.mean(x, keepdim=True, keepdims=False),
    lambda x: x.var(unbiased=False, correction=1), lambda x: x.argmax(dim=0, axis=1),
    lambda x: mg.cat([x, x], dim=0, axis=1), lambda x: x.max(dim=0, axis=1), lambda x: F.softmax(x, dim=0, axis=1),
])
def test_both_spellings_with_different_values_are_a_type_error(call):
    with pytest.raises(TypeError, match="give one of them"):
        call(mg.zeros(2, 3))


def test_softmax_without_dim_makes_torchs_implicit_choice_with_a_warning(torch):
    a = randn(2, 3, 4, seed=4)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        y = F.softmax(mg.tensor(a))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = torch.nn.functional.softmax(torch.tensor(a)).numpy()
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-12)
