"""Fractional max pooling: values, indices and gradients exactly as PyTorch's for the same _random_samples (2-D and
3-D, float32 and float64, batched and unbatched), float64 gradchecks (overlapping windows), seeding, the layers'
arguments, state_dict and repr, and the errors."""
import numpy as np
import pytest

import minigan as mg
import minigan.nn as nn
import minigan.nn.functional as F

from helpers import check_grad, distinct

CASES = [  # (dims, input shape, kernel, output_size)
    (2, (2, 3, 11, 9), (2, 3), (5, 4)),
    (2, (3, 10, 7), 2, (1, 5)),            # unbatched, an output size of 1
    (2, (1, 2, 6, 6), 3, 3),                # windows overlap (step < kernel)
    (3, (2, 2, 7, 8, 9), (2, 3, 2), (3, 4, 5)),
    (3, (2, 9, 5, 7), (3, 2, 2), (6, 1, 4)),
]


def _fns(torch, dims):
    return ((F.fractional_max_pool2d, torch.nn.functional.fractional_max_pool2d) if dims == 2 else
            (F.fractional_max_pool3d, torch.nn.functional.fractional_max_pool3d))


def _samples(shape, dims, seed=3, dtype=np.float64):
    n = shape[0] if len(shape) == dims + 2 else 1
    return np.random.default_rng(seed).random((n, shape[-dims - 1], dims)).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("dims, shape, kernel, out", CASES)
def test_values_indices_and_gradients_match_torch_exactly(torch, dims, shape, kernel, out, dtype):
    ours, theirs = _fns(torch, dims)
    rs = np.random.default_rng(0)
    x, s = rs.standard_normal(shape).astype(dtype), _samples(shape, dims, dtype=dtype)
    xm, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, i = ours(xm, kernel, out, return_indices=True, _random_samples=mg.tensor(s))
    ty, ti = theirs(xt, kernel, out, return_indices=True, _random_samples=torch.tensor(s))
    g = rs.standard_normal(tuple(ty.shape)).astype(dtype)
    y.backward(mg.tensor(g))
    ty.backward(torch.tensor(g))
    assert y.dtype == dtype and i.dtype == np.int64 and y.shape == tuple(ty.shape)
    np.testing.assert_array_equal(y.numpy(), ty.detach().numpy())
    np.testing.assert_array_equal(i.numpy(), ti.numpy())
    np.testing.assert_array_equal(xm.grad.numpy(), xt.grad.numpy())


@pytest.mark.parametrize("dims, shape, ratio", [(2, (2, 3, 10, 9), (0.5, 0.5)), (2, (2, 10, 7), (0.7, 0.4)),
                                                (3, (1, 2, 6, 7, 8), (0.5, 0.6, 0.7))])
def test_output_ratio_gives_torch_sizes(torch, dims, shape, ratio):
    ours, theirs = _fns(torch, dims)
    x, s = distinct(*shape), _samples(shape, dims)
    y = ours(mg.tensor(x), 2, output_ratio=ratio, _random_samples=mg.tensor(s))
    ty = theirs(torch.tensor(x), 2, output_ratio=ratio, _random_samples=torch.tensor(s))
    np.testing.assert_array_equal(y.numpy(), ty.numpy())


@pytest.mark.parametrize("dims, shape, kernel, out", [(2, (2, 2, 7, 6), 3, (4, 3)), (2, (2, 5, 5), 2, 3),
                                                      (3, (1, 2, 5, 6, 4), 2, (3, 4, 2))])
def test_gradcheck(device, dims, shape, kernel, out):
    op = F.fractional_max_pool2d if dims == 2 else F.fractional_max_pool3d
    s = mg.tensor(_samples(shape, dims), device=device)
    assert check_grad(lambda x: op(x, kernel, out, _random_samples=s), distinct(*shape, seed=2), device=device)


def test_seeded_by_minigans_generator_and_samples_vary():
    x = mg.tensor(distinct(2, 3, 12, 12))
    mg.manual_seed(5)
    a = F.fractional_max_pool2d(x, 2, output_size=5, return_indices=True)[1].numpy()
    mg.manual_seed(5)
    b = F.fractional_max_pool2d(x, 2, output_size=5, return_indices=True)[1].numpy()
    c = F.fractional_max_pool2d(x, 2, output_size=5, return_indices=True)[1].numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(b, c)


def test_with_indices_forms_always_return_both(torch):
    x = mg.tensor(distinct(1, 2, 8, 8))
    s = mg.tensor(_samples((1, 2, 8, 8), 2))
    y, i = F.fractional_max_pool2d_with_indices(x, 2, 4, _random_samples=s)
    np.testing.assert_array_equal(y.numpy(), F.fractional_max_pool2d(x, 2, 4, _random_samples=s).numpy())
    x3 = mg.tensor(distinct(1, 2, 6, 6, 6))
    y3, i3 = F.fractional_max_pool3d_with_indices(x3, 2, 3)
    assert y3.shape == (1, 2, 3, 3, 3) and i3.dtype == np.int64


def test_layers_state_dict_repr_and_forward(torch):
    s = _samples((2, 3, 9, 9), 2)
    layer = nn.FractionalMaxPool2d(3, output_size=(4, 5), _random_samples=mg.tensor(s))
    tlayer = torch.nn.FractionalMaxPool2d(3, output_size=(4, 5), _random_samples=torch.tensor(s))
    assert list(layer.state_dict()) == list(tlayer.state_dict()) == ["_random_samples"]
    assert repr(layer) == repr(tlayer) == "FractionalMaxPool2d()"
    x = distinct(2, 3, 9, 9)
    np.testing.assert_array_equal(layer(mg.tensor(x)).numpy(), tlayer(torch.tensor(x)).numpy())
    assert list(nn.FractionalMaxPool2d(2, output_ratio=0.5).state_dict()) == []
    y, i = nn.FractionalMaxPool3d(2, output_ratio=(0.5, 0.5, 0.6), return_indices=True)(mg.tensor(distinct(6, 6, 6, 5)))
    assert y.shape == i.shape == (6, 3, 3, 3)


def test_layer_argument_errors():
    with pytest.raises(ValueError, match="FractionalMaxPool2d requires specifying either an output size"):
        nn.FractionalMaxPool2d(2)
    with pytest.raises(ValueError, match="only one of output_size and output_ratio"):
        nn.FractionalMaxPool3d(2, output_size=3, output_ratio=0.5)
    with pytest.raises(ValueError, match=r"output_ratio must be between 0 and 1 \(got 1.5\)"):
        nn.FractionalMaxPool2d(2, output_ratio=1.5)


def test_function_errors():
    x = mg.tensor(distinct(1, 2, 7, 9))
    with pytest.raises(ValueError, match="fractional_max_pool2d requires specifying either an output_size"):
        F.fractional_max_pool2d(x, 2)
    with pytest.raises(ValueError, match="fractional_max_pool2d: pool height 3 too large relative to input height 7"):
        F.fractional_max_pool2d(x, 3, output_size=(5, 3))
    with pytest.raises(ValueError, match=r"fractional_max_pool3d: pool time 2 too large"):
        F.fractional_max_pool3d(mg.tensor(distinct(1, 2, 3, 4, 4)), 2, output_size=(2, 2, 2))
    with pytest.raises(ValueError, match=r"fractional_max_pool2d: expected a 3-D \(unbatched\) or 4-D"):
        F.fractional_max_pool2d(mg.tensor(distinct(7, 9)), 2, output_size=3)
    with pytest.raises(ValueError, match=r"expected _random_samples of shape \(1, 2, 2\)"):
        F.fractional_max_pool2d(x, 2, output_size=3, _random_samples=mg.rand(1, 3, 2))
    with pytest.raises(TypeError, match="fractional_max_pool2d: expected a floating-point input, got dtype int64"):
        F.fractional_max_pool2d(mg.tensor(np.arange(64).reshape(1, 1, 8, 8)), 2, output_size=3)
