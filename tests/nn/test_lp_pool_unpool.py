"""LPPool1d/2d/3d (power-average pooling) and MaxUnpool1d/3d: PyTorch's values, gradients (the zero windows,
signs and the infinite norms included), shapes, reprs and errors; gradients checked by finite differences."""
import numpy as np
import pytest

import minigan as mg
import minigan.nn.functional as F
from minigan import nn

from helpers import check_grad, compare_with_torch, distinct, randn, tensors

# (op, norm_type, input shape, kernel_size, stride, ceil_mode); inputs are positive where the power is not an
# integer or the sum of powers could be negative (nan there, in both libraries)
LP_CASES = [
    ("lp_pool1d", 2, (2, 3, 9), 3, 2, False),            # overlapping windows
    ("lp_pool1d", 1, (3, 7), 2, None, True),              # unbatched, the sum itself, a cut last window
    ("lp_pool1d", 3, (1, 1, 5), 2, 1, False),             # odd power (positive inputs)
    ("lp_pool2d", 2, (2, 2, 5, 7), (2, 3), (1, 2), False),
    ("lp_pool2d", 1.5, (1, 3, 4, 4), 2, None, True),      # fractional power (positive inputs)
    ("lp_pool2d", 4, (2, 1, 3, 6), (3, 1), 1, False),     # size-1 kernel dim
    ("lp_pool3d", 2, (1, 2, 3, 4, 5), 2, 1, False),
    ("lp_pool3d", 1.5, (2, 3, 3, 3), (1, 2, 3), (1, 1, 2), True),   # unbatched
]
POSITIVE = {1.5, 3}


def _lp_input(norm_type, shape, seed):
    x = distinct(*shape, seed=seed)
    return np.abs(x) + 0.2 if norm_type in POSITIVE else x


def _lp_call(lib_f, op, p, k, s, ceil):
    return lambda x: getattr(lib_f, op)(x, p, k, s, ceil)


@pytest.mark.parametrize("case", LP_CASES, ids=str)
def test_lp_pool_gradients(device, case):
    op, p, shape, k, s, ceil = case
    check_grad(_lp_call(F, op, p, k, s, ceil), _lp_input(p, shape, 1), device=device)


@pytest.mark.parametrize("case", LP_CASES, ids=str)
def test_lp_pool_matches_torch(device, torch, case):
    op, p, shape, k, s, ceil = case
    compare_with_torch(torch, _lp_call(F, op, p, k, s, ceil), _lp_call(torch.nn.functional, op, p, k, s, ceil),
                       [_lp_input(p, shape, 2)], device=device)


@pytest.mark.parametrize("p", [float("inf"), -float("inf")])
@pytest.mark.parametrize("op,shape", [("lp_pool1d", (2, 2, 7)), ("lp_pool2d", (1, 2, 5, 4)),
                                      ("lp_pool3d", (1, 1, 4, 3, 4))])
def test_lp_pool_infinite_norms_are_max_pooling_of_abs(device, torch, op, shape, p):
    """inf: the largest |x| of a window; -inf: the smallest; the gradient goes to that one element."""
    x = distinct(*shape, seed=3)
    compare_with_torch(torch, _lp_call(F, op, p, 2, 1, False), _lp_call(torch.nn.functional, op, p, 2, 1, False),
                       [x], device=device)
    check_grad(_lp_call(F, op, p, 2, 1, False), x, device=device)


def test_lp_pool_zero_windows_and_signs_are_torchs(device, torch):
    """A zero window gives 0 with gradient 0 (no nan from the root's infinite slope); p = 1 sums negative windows;
    p = 3 of a negative sum is nan, value and gradient, as in PyTorch."""
    a = np.array([[[0.0, 0.0, 1.0, -2.0, -1.0, -3.0]]])
    for p in (1, 2, 3, 1.5):
        (x,) = tensors(device, a)
        y = F.lp_pool1d(x, p, 2)
        y.sum().backward()
        tx = torch.tensor(a, requires_grad=True)
        ty = torch.nn.functional.lp_pool1d(tx, p, 2)
        ty.sum().backward()
        np.testing.assert_array_equal(np.isnan(y.numpy()), np.isnan(ty.detach().numpy()))
        np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-12, err_msg=f"p={p}")
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12, err_msg=f"p={p}")
        assert y.numpy()[0, 0, 0] == 0 and (x.grad.numpy()[0, 0, :2] == 0).all()


def test_lp_pool_second_derivatives(device):
    mg.gradgradcheck(lambda x: F.lp_pool2d(x, 2, (2, 3), 1), tensors(device, distinct(1, 2, 4, 5, seed=5)))
    mg.gradgradcheck(lambda x: F.lp_pool1d(x, 3, 3, 2), tensors(device, np.abs(distinct(2, 1, 7, seed=6)) + 0.3))


def test_lp_pool_by_hand_and_dtypes():
    x = mg.tensor([[[3.0, 4.0, 1.0, 2.0]]])                       # float32
    y = F.lp_pool1d(x, 2, 2)
    np.testing.assert_allclose(y.numpy(), [[[5.0, np.sqrt(5.0)]]], rtol=1e-6)
    assert y.dtype == np.float32 and F.lp_pool1d(x.double(), 2, 2).dtype == np.float64
    assert F.lp_pool2d(mg.ones(3, 5, 4), 2, 2).shape == (3, 2, 2)        # unbatched
    assert F.lp_pool3d(mg.ones(2, 1, 5, 4, 3), 1, (2, 2, 1), ceil_mode=True).shape == (2, 1, 3, 2, 3)


def test_lp_pool_errors():
    with pytest.raises(TypeError, match="lp_pool1d: expected a floating-point input, got int64"):
        F.lp_pool1d(mg.tensor(np.ones((1, 1, 4), dtype=np.int64)), 2, 2)
    with pytest.raises(ValueError, match="lp_pool2d: norm_type must be nonzero"):
        F.lp_pool2d(mg.ones(1, 1, 4, 4), 0, 2)
    with pytest.raises(TypeError, match="lp_pool2d: norm_type must be a number, got '2'"):
        F.lp_pool2d(mg.ones(1, 1, 4, 4), "2", 2)
    with pytest.raises(ValueError, match=r"avg_pool1d: expected a 2-D \(C, L\) or 3-D \(N, C, L\) input"):
        F.lp_pool1d(mg.ones(6), 2, 2)
    with pytest.raises(TypeError, match=r"lp_pool3d: kernel_size must be an int or a 3-tuple of ints, got \(2, 2\)"):
        F.lp_pool3d(mg.ones(1, 1, 4, 4, 4), 2, (2, 2))


LP_LAYERS = [("LPPool1d", (2, 3)), ("LPPool1d", (1.5, 2, 1, True)), ("LPPool2d", (2, (2, 3))),
             ("LPPool2d", (3, 2, (1, 2), True)), ("LPPool3d", (2, 2)), ("LPPool3d", (1, (1, 2, 2), 1))]


@pytest.mark.parametrize("name,args", LP_LAYERS, ids=str)
def test_lp_pool_layers_are_torchs(device, torch, name, args):
    """Arguments kept as given (stride None stays None), the repr, no state, and the same outputs and gradients."""
    ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(ours) == repr(theirs)
    for attr in ("norm_type", "kernel_size", "stride", "ceil_mode"):
        assert getattr(ours, attr) == getattr(theirs, attr)
    assert ours.state_dict() == {} and list(ours.parameters()) == []
    dims = int(name[-2])
    x = np.abs(distinct(2, 3, *(5, 6, 4)[:dims], seed=7)) + 0.1
    compare_with_torch(torch, ours, theirs, [x], device=device)


def test_lp_pool_layers_name_themselves():
    with pytest.raises(ValueError, match=r"LPPool2d\(norm_type=2, kernel_size=2.*expected a 3-D .* or 4-D"):
        nn.LPPool2d(2, 2)(mg.ones(4, 4))
    with pytest.raises(TypeError, match="LPPool1d: kernel_size must be an int or a 1-tuple"):
        nn.LPPool1d(2, (2, 2))


# --------------------------------------------------------------------------- max unpooling
def _pooled(lib, dims, x, k, s, p):
    """max pooling's values and indices of the float64 array ``x`` in ``lib`` (minigan or torch)."""
    f = getattr(lib.nn.functional if lib is not mg else F, f"max_pool{dims}d")
    t = mg.tensor(x) if lib is mg else lib.tensor(x)
    return f(t, k, s, p, return_indices=True)


# (dims, input shape, kernel, stride, padding, output_size)
UNPOOL_CASES = [
    (1, (2, 3, 9), 3, 2, 1, None),
    (1, (3, 8), 2, None, 0, None),                        # unbatched
    (1, (1, 2, 9), 2, 2, 0, (9,)),                        # output_size restores the dropped last element
    (1, (2, 1, 7), 3, 1, 1, (2, 1, 7)),                   # output_size with (N, C) first
    (3, (1, 2, 4, 5, 6), 2, None, 0, (4, 5, 6)),
    (3, (2, 1, 5, 6, 7), 3, 2, 1, (5, 6, 7)),
    (3, (2, 3, 4, 2), (2, 1, 2), (2, 1, 1), 0, None),     # unbatched, non-cubic windows
]


def _unpool_call(lib_f, dims, idx, k, s, p, size):
    return lambda y: getattr(lib_f, f"max_unpool{dims}d")(y, idx, k, s, p, size)


@pytest.mark.parametrize("case", UNPOOL_CASES, ids=str)
def test_max_unpool_matches_torch(device, torch, case):
    dims, shape, k, s, p, size = case
    x = distinct(*shape, seed=8)
    y, idx = _pooled(mg, dims, x, k, s, p)
    ty, tidx = _pooled(torch, dims, x, k, s, p)
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())
    compare_with_torch(torch, _unpool_call(F, dims, idx.to(device), k, s, p, size),
                       _unpool_call(torch.nn.functional, dims, tidx, k, s, p, size), [y.numpy()], device=device)


@pytest.mark.parametrize("case", UNPOOL_CASES, ids=str)
def test_max_unpool_gradients_and_roundtrip(device, case):
    """Each maximum goes back to where it was (every other place 0); the gradient is the output gradient read
    at the indices. Where overlapping windows name one winner twice, the output holds one copy of the (equal)
    values and each copy gets the gradient there, as in PyTorch: not a derivative, so finite differences are
    only compared where every index is named once."""
    dims, shape, k, s, p, size = case
    x = distinct(*shape, seed=9)
    y, idx = _pooled(mg, dims, x, k, s, p)
    idx = idx.to(device)
    out = _unpool_call(F, dims, idx, k, s, p, size)(y.to(device)).numpy()
    lead = idx.shape[:-dims]
    flat_x, where = x.reshape(*lead, -1), idx.numpy().reshape(*lead, -1)
    expected = np.zeros(lead + (int(np.prod(out.shape[-dims:])),))
    np.put_along_axis(expected, where, np.take_along_axis(flat_x, where, -1), -1)
    np.testing.assert_array_equal(out, expected.reshape(out.shape))
    fn = _unpool_call(F, dims, idx, k, s, p, size)
    if all(len(np.unique(w)) == w.size for w in where.reshape(-1, where.shape[-1])):
        check_grad(fn, randn(*y.shape, seed=10), device=device)
    else:
        (v,) = tensors(device, randn(*y.shape, seed=10))
        g = randn(*out.shape, seed=11)
        fn(v).backward(mg.tensor(g, device=device))
        expected_grad = np.take_along_axis(g.reshape(*lead, -1), where, -1).reshape(y.shape)
        np.testing.assert_array_equal(v.grad.numpy(), expected_grad)


def test_max_unpool_second_derivatives(device):
    _, idx = F.max_pool3d(mg.tensor(distinct(1, 2, 4, 4, 4, seed=11)), 2, return_indices=True)
    mg.gradgradcheck(lambda y: F.max_unpool3d(y, idx.to(device), 2) ** 2, tensors(device, randn(1, 2, 2, 2, 2)))


def test_max_unpool_by_hand():
    y = mg.tensor([[[5.0, 7.0]]])
    np.testing.assert_array_equal(F.max_unpool1d(y, mg.tensor(np.array([[[1, 3]]])), 2).numpy(), [[[0, 5, 0, 7]]])
    v = mg.tensor([[[[[2.0]]]]], requires_grad=True)
    out = F.max_unpool3d(v, mg.tensor(np.array([[[[[5]]]]])), 2)       # (2, 2, 2): flat 5 is (d, h, w) = (1, 0, 1)
    assert out.shape == (1, 1, 2, 2, 2) and out.numpy()[0, 0, 1, 0, 1] == 2 and out.numpy().sum() == 2
    assert out.dtype == np.float32
    out.backward(mg.tensor(np.arange(8.0).reshape(1, 1, 2, 2, 2)))
    assert v.grad.numpy().item() == 5


def test_max_unpool_errors():
    y, idx = F.max_pool1d(mg.tensor(distinct(2, 3, 9)), 3, 2, 1, return_indices=True)
    with pytest.raises(ValueError, match=r"max_unpool1d: invalid output_size \(20,\) \(dim 0 must be between 7 and "
                                         r"11"):
        F.max_unpool1d(y, idx, 3, 2, 1, output_size=(20,))
    with pytest.raises(ValueError, match="max_unpool1d: output_size should be a sequence containing 1 or 3 elements"):
        F.max_unpool1d(y, idx, 3, 2, 1, output_size=(1, 9))
    with pytest.raises(TypeError, match="max_unpool1d: output_size must be a sequence of 1 or 3 ints, got 9"):
        F.max_unpool1d(y, idx, 3, 2, 1, output_size=9)
    with pytest.raises(ValueError, match=r"max_unpool1d: found an invalid max index 28 \(the outputs are of size "
                                         r"9, so expected indices from 0 to 8\)"):
        F.max_unpool1d(y, idx + 20, 3, 2, 1)
    with pytest.raises(ValueError, match="max_unpool1d: found an invalid max index -20"):
        F.max_unpool1d(y, idx - 20, 3, 2, 1)
    with pytest.raises(TypeError, match="max_unpool1d: elements in indices should be type int64 .* got int32"):
        F.max_unpool1d(y, idx.to(dtype=np.int32), 3, 2, 1)
    with pytest.raises(ValueError, match=r"max_unpool1d: expected indices of the input's shape \(2, 3, 5\), got "
                                         r"shape \(2, 2, 5\)"):
        F.max_unpool1d(y, idx[:, :2], 3, 2, 1)
    with pytest.raises(ValueError, match=r"max_unpool1d: expected a 2-D \(C, L\) or 3-D \(N, C, L\) input"):
        F.max_unpool1d(y[0, 0], idx[0, 0], 3, 2, 1)
    with pytest.raises(ValueError, match=r"max_unpool3d: expected a 4-D \(C, D, H, W\) or 5-D"):
        F.max_unpool3d(y, idx, 3, 2, 1)
    with pytest.raises(ValueError, match=r"max_unpool3d: output_size must contain non-negative spatial dimensions, "
                                         r"but got output_size\[0\]=-1"):
        F.max_unpool3d(mg.ones(1, 1, 1, 1, 1), np.zeros((1, 1, 1, 1, 1), dtype=np.int64), 1, padding=1)
    with pytest.raises(ValueError, match=r"max_unpool3d: found an invalid max index 8 \(the outputs are of size "
                                         r"2 x 2 x 2"):
        F.max_unpool3d(mg.ones(1, 1, 1, 1, 1), np.full((1, 1, 1, 1, 1), 8), 2)


def test_max_unpool_to_an_empty_output_is_empty_as_in_torch():
    out = F.max_unpool1d(mg.ones(1, 2, 2, requires_grad=True), np.zeros((1, 2, 2), dtype=np.int64), 2, padding=2)
    assert out.shape == (1, 2, 0)


@pytest.mark.parametrize("name,args", [("MaxUnpool1d", (2,)), ("MaxUnpool1d", (3, 2, 1)), ("MaxUnpool3d", (2,)),
                                       ("MaxUnpool3d", ((2, 1, 2), None, (0, 0, 1)))], ids=str)
def test_max_unpool_layers_are_torchs(torch, name, args):
    """Sizes kept as tuples (stride None becomes the kernel size), the repr, and the layer is the function."""
    ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(ours) == repr(theirs)
    for attr in ("kernel_size", "stride", "padding"):
        assert getattr(ours, attr) == getattr(theirs, attr)
    assert ours.state_dict() == {}


def test_max_unpool_layers_forward_with_output_size(device, torch):
    pool, unpool = nn.MaxPool1d(2, return_indices=True), nn.MaxUnpool1d(2)
    x = mg.tensor(distinct(2, 3, 7, seed=12), device=device)
    y, idx = pool(x)
    out = unpool(y, idx, output_size=x.shape)
    t_out = torch.nn.MaxUnpool1d(2)(*torch.nn.MaxPool1d(2, return_indices=True)(torch.tensor(x.numpy())),
                                    output_size=x.shape)
    np.testing.assert_array_equal(out.numpy(), t_out.numpy())
    x3 = mg.tensor(distinct(3, 4, 4, 4, seed=13), device=device)                       # unbatched
    y3, idx3 = nn.MaxPool3d(2, return_indices=True)(x3)
    assert nn.MaxUnpool3d(2)(y3, idx3).shape == (3, 4, 4, 4)
    with pytest.raises(ValueError, match=r"MaxUnpool3d\(kernel_size=\(2, 2, 2\).*expected a 4-D"):
        nn.MaxUnpool3d(2)(y3[0], idx3[0])
    with pytest.raises(TypeError, match="MaxUnpool3d: kernel_size must be an int or a 3-tuple"):
        nn.MaxUnpool3d((2, 2))
