"""More Tensor methods (minigan/tensor_more.py, minigan/tensor_inplace.py): unfold, sum_to_size, the
conjugate-transpose names, casts, ``type``, ``new``, ``fill_diagonal_``, the in-place forms of the ops, and the
random in-place fillers. Values, gradients and dtypes as PyTorch's; the in-place rules; errors."""
import numpy as np
import pytest

import minigan as mg

from helpers import check_grad, compare_with_torch, distinct


# ----------------------------------------------------------------- unfold (sliding windows)
@pytest.mark.parametrize("shape,dim,size,step", [((7,), 0, 3, 2), ((3, 8), 1, 3, 1), ((3, 8), -1, 4, 3),
                                                 ((5, 1, 4), 0, 2, 1), ((5, 1, 4), 1, 1, 1), ((2, 6, 3), -2, 6, 1),
                                                 ((2, 5), 1, 0, 2)])
def test_unfold_matches_torch(torch, shape, dim, size, step):
    compare_with_torch(torch, lambda x: x.unfold(dim, size, step), lambda x: x.unfold(dim, size, step),
                       [distinct(*shape)])


@pytest.mark.parametrize("shape,dim,size,step", [((7,), 0, 3, 1), ((3, 8), -1, 3, 2), ((5, 1, 4), 0, 2, 1)])
def test_unfold_gradcheck(device, shape, dim, size, step):
    check_grad(lambda x: x.unfold(dim, size, step), distinct(*shape), device=device)
    mg.gradgradcheck(lambda x: x.unfold(dim, size, step) ** 2, [mg.tensor(distinct(*shape), device=device,
                                                                          requires_grad=True)])


def test_unfold_of_a_0d_tensor_and_its_errors(torch):
    x = mg.tensor(5.0, dtype=mg.float64, requires_grad=True)
    y = x.unfold(0, 1, 1)
    assert y.shape == (1,) and y.tolist() == [5.0]
    y.sum().backward()
    assert x.grad.item() == 1.0
    with pytest.raises(RuntimeError, match="maximum size for tensor at dimension 1 is 3 but size is 4"):
        mg.zeros(2, 3).unfold(1, 4, 1)
    with pytest.raises(RuntimeError, match="step is 0 but must be > 0"):
        mg.zeros(2, 3).unfold(1, 2, 0)
    with pytest.raises(IndexError, match="unfold"):
        mg.zeros(2, 3).unfold(3, 2, 1)


# ----------------------------------------------------------------- sum_to_size, broadcast_to
@pytest.mark.parametrize("shape,size", [((2, 3), (1, 3)), ((2, 3), (3,)), ((4, 2, 3), (2, 1)), ((2, 3), (2, 3))])
def test_sum_to_size_matches_torch(torch, device, shape, size):
    compare_with_torch(torch, lambda x: x.sum_to_size(*size), lambda x: x.sum_to_size(*size), [distinct(*shape)])
    check_grad(lambda x: x.sum_to_size(size), distinct(*shape), device=device)


def test_sum_to_size_refuses_a_size_that_does_not_expand():
    with pytest.raises(RuntimeError, match=r"size \{\[2, 2\]\} is not expandable to size \{\[2, 3\]\}"):
        mg.zeros(2, 3).sum_to_size(2, 2)


def test_broadcast_to_method(torch, device):
    compare_with_torch(torch, lambda x: x.broadcast_to(4, 2, 3), lambda x: x.broadcast_to(4, 2, 3), [distinct(2, 3)])
    compare_with_torch(torch, lambda x: x.broadcast_to((3, 3)), lambda x: x.broadcast_to((3, 3)), [distinct(1, 3)])
    check_grad(lambda x: x.broadcast_to((2, 5, 3)), distinct(5, 1), device=device)


# ----------------------------------------------------------------- adjoints and the complex-number names
def test_adjoint_names_transpose_real_matrices(torch):
    a = distinct(2, 3, 4)
    assert np.array_equal(mg.tensor(a[0]).H.numpy(), torch.tensor(a[0]).H.numpy())
    assert np.array_equal(mg.tensor(a).mH.numpy(), torch.tensor(a).mH.numpy())
    assert np.array_equal(mg.tensor(a).adjoint().numpy(), torch.tensor(a).adjoint().numpy())
    check_grad(lambda x: x.mH, a)
    with pytest.raises(RuntimeError, match="tensor.H is only supported on matrices .* Got 3-D tensor"):
        mg.tensor(a).H
    with pytest.raises(RuntimeError, match="tensor.mH is only supported on matrices or batches of matrices. Got 1-D"):
        mg.zeros(3).mH
    with pytest.raises(RuntimeError, match=r"tensor.adjoint\(\) is only supported"):
        mg.zeros(3).adjoint()


def test_complex_queries_are_identities_on_real_tensors():
    x = mg.tensor([1.0, -2.0])
    assert x.conj() is x and x.resolve_conj() is x and x.resolve_neg() is x and x.real is x
    assert x.is_conj() is False and x.is_neg() is False


# ----------------------------------------------------------------- casts, type, device, new
def test_casts_and_type_names(torch):
    x = mg.tensor([1.7, -2.2, 3.0])
    for name in ("byte", "char", "short"):
        ours, theirs = getattr(x, name)(), getattr(torch.tensor([1.7, -2.2, 3.0]), name)()
        assert ours.dtype == np.dtype(str(theirs.dtype).split(".")[1]) and ours.tolist() == theirs.tolist()
    for dtype, tdtype in ((mg.float32, torch.float32), (mg.float64, torch.float64), (np.int8, torch.int8),
                          (np.uint8, torch.uint8), (mg.bool_, torch.bool), (mg.float16, torch.float16)):
        assert mg.zeros(2, dtype=dtype).type() == torch.zeros(2, dtype=tdtype).type()
    assert x.type(mg.float64).dtype == np.float64
    assert x.type("torch.IntTensor").tolist() == torch.tensor([1.7, -2.2, 3.0]).type("torch.IntTensor").tolist()
    with pytest.raises(ValueError, match="invalid type"):
        x.type("torch.NoSuchTensor")


def test_get_device_is_cpu_and_sizes():
    x = mg.zeros(2, 3, dtype=mg.float64)
    assert x.get_device() == -1 and x.is_cpu and not x.is_cuda
    assert x.itemsize == 8 and x.nbytes == 48


def test_new_follows_torch(torch):
    x, tx = mg.zeros(3, dtype=mg.int64), torch.zeros(3, dtype=torch.int64)
    assert x.new().shape == (0,) and x.new().dtype == np.int64
    assert x.new(2, 3).shape == (2, 3) and x.new(2, 3).dtype == np.int64
    assert x.new([1.5, 2]).tolist() == tx.new([1.5, 2]).tolist()
    assert x.new((2, 3)).tolist() == tx.new((2, 3)).tolist()


def test_hardshrink_and_prelu_methods(torch):
    a = distinct(2, 5)
    compare_with_torch(torch, lambda x: x.hardshrink(0.3), lambda x: x.hardshrink(0.3), [a])
    compare_with_torch(torch, lambda x, w: x.prelu(w), lambda x, w: x.prelu(w), [a, np.array([0.25])])


# ----------------------------------------------------------------- fill_diagonal_
@pytest.mark.parametrize("shape,wrap", [((3, 3), False), ((7, 3), False), ((7, 3), True), ((3, 5), True),
                                        ((3, 3, 3), False)])
def test_fill_diagonal_matches_torch(torch, shape, wrap):
    x, t = mg.zeros(*shape), torch.zeros(*shape)
    v = x._version
    assert x.fill_diagonal_(2.5, wrap=wrap) is x and x._version == v + 1
    assert np.array_equal(x.numpy(), t.fill_diagonal_(2.5, wrap=wrap).numpy())


def test_fill_diagonal_errors_and_rules():
    with pytest.raises(RuntimeError, match="dimensions must larger than 1"):
        mg.zeros(3).fill_diagonal_(1)
    with pytest.raises(RuntimeError, match="all dimensions of input must be of equal length"):
        mg.zeros(2, 3, 4).fill_diagonal_(1)
    with pytest.raises(RuntimeError, match="fill_diagonal_: a leaf Variable that requires grad"):
        mg.zeros(2, 2, requires_grad=True).fill_diagonal_(1)


# ----------------------------------------------------------------- in-place forms of the ops
_POS = np.array([[1.3, 2.2, 1.7], [3.1, 1.1, 2.6]])           # > 1: in every domain below
_UNIT = np.array([[0.3, 0.55, 0.7], [0.15, 0.42, 0.9]])         # in (0, 1)
_SIGNED = np.array([[-1.3, 0.0, 1.7], [3.1, -0.4, 2.5]])
_INTS = np.array([[12, -7, 9], [4, 0, 30]])
_CASES = [  # (method, input, args, kwargs)
    *[(n, _POS, (), {}) for n in ("absolute_", "acosh_", "arccosh_", "arcsinh_", "asinh_", "arctan_", "deg2rad_",
                                  "rad2deg_", "digamma_", "lgamma_", "i0_", "sinc_", "negative_", "fix_", "sgn_",
                                  "sign_")],
    *[(n, _UNIT, (), {}) for n in ("arccos_", "arcsin_", "arctanh_", "atanh_", "erfinv_", "logit_")],
    *[(n, _SIGNED, (_UNIT,), {}) for n in ("atan2_", "arctan2_", "copysign_", "hypot_", "multiply_",
                                           "true_divide_", "floor_divide_", "fmod_", "remainder_", "nextafter_",
                                           "heaviside_", "eq_", "ne_", "ge_", "gt_", "le_", "lt_", "greater_",
                                           "greater_equal_", "less_", "less_equal_", "not_equal_", "logical_and_",
                                           "logical_or_", "logical_xor_")],
    *[(n, _POS, (_UNIT,), {}) for n in ("igamma_", "igammac_")],
    ("logical_not_", _SIGNED, (), {}), ("divide_", _SIGNED, (_UNIT,), {"rounding_mode": "floor"}),
    ("subtract_", _SIGNED, (_UNIT,), {"alpha": 2}), ("lerp_", _SIGNED, (_UNIT, 0.3), {}),
    ("addcmul_", _SIGNED, (_UNIT, _POS), {"value": 0.5}), ("addcdiv_", _SIGNED, (_UNIT, _POS), {"value": 2}),
    ("addmm_", _SIGNED, (_POS[:, :2], np.ones((2, 3))), {"beta": 0.5, "alpha": 2}),
    ("addmv_", _SIGNED[0], (_POS.T, _UNIT[0, :2]), {"beta": 2}), ("addr_", _SIGNED, (_UNIT[:, 0], _POS[0]), {}),
    ("baddbmm_", np.stack([_SIGNED] * 2), (np.stack([_POS[:, :2]] * 2), np.ones((2, 2, 3))), {"alpha": 3}),
    ("addbmm_", _SIGNED, (np.stack([_POS[:, :2]] * 2), np.ones((2, 2, 3))), {}),
    ("cumsum_", _SIGNED, (1,), {}), ("cumprod_", _SIGNED, (-2,), {}), ("mvlgamma_", _POS, (1,), {}),
    ("polygamma_", _POS, (1,), {}), ("nan_to_num_", np.array([np.nan, np.inf, -np.inf, 1.0]), (), {"nan": 2.0}),
    ("renorm_", _SIGNED, (2, 0, 1.5), {}), ("tril_", _SIGNED, (), {}), ("triu_", _SIGNED, (1,), {}),
    ("float_power_", _POS, (2.5,), {}), ("ldexp_", _SIGNED, (_INTS,), {}),
    *[(n, _INTS, (np.array([3, 5, 6]),), {}) for n in ("bitwise_and_", "bitwise_or_", "bitwise_xor_", "gcd_", "lcm_",
                                                      "bitwise_left_shift_", "bitwise_right_shift_")],
    ("bitwise_not_", _INTS, (), {}),
]


@pytest.mark.parametrize("name,a,args,kwargs", _CASES, ids=[c[0] for c in _CASES])
def test_in_place_method_matches_torch(torch, name, a, args, kwargs):
    x = mg.tensor(a)
    t = torch.tensor(a)
    v = x._version
    out = getattr(x, name)(*(mg.tensor(o) if isinstance(o, np.ndarray) else o for o in args), **kwargs)
    getattr(t, name)(*(torch.tensor(o) if isinstance(o, np.ndarray) else o for o in args), **kwargs)
    assert out is x and x._version == v + 1 and x.dtype == a.dtype
    np.testing.assert_allclose(x.numpy(), t.numpy(), rtol=1e-6, atol=1e-12)


def test_shape_changing_in_place_methods(torch):
    for name, args in (("squeeze_", ()), ("squeeze_", (1,)), ("unsqueeze_", (-1,)), ("t_", ()),
                       ("transpose_", (0, 1)), ("swapaxes_", (1, 0)), ("swapdims_", (0, 1))):
        a = distinct(3, 1) if name == "squeeze_" else distinct(2, 3)
        x, t = mg.tensor(a), torch.tensor(a)
        base, v = x.detach(), x._version
        assert getattr(x, name)(*args) is x and x._version == v + 1
        getattr(t, name)(*args)
        assert x.shape == tuple(t.shape) and np.array_equal(x.numpy(), t.numpy())
        base.data[...] = 0                               # still the same memory
        assert (x.numpy() == 0).all()
    with pytest.raises(RuntimeError, match=r"t_\(\) expects a tensor with <= 2 dimensions, but self is 3D"):
        mg.zeros(2, 3, 4).t_()


def test_in_place_rules():
    w = mg.zeros(2, 3, requires_grad=True)
    for call in (lambda: w.acosh_(), lambda: w.t_(), lambda: w.unsqueeze_(0), lambda: w.ge_(0),
                 lambda: w.bernoulli_(0.5)):
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
            call()
    with mg.no_grad():
        w.t_().hypot_(mg.ones(3, 2))
    assert w.shape == (3, 2) and (w.numpy() == 1).all()
    with pytest.raises(RuntimeError, match="hypot_: an operand requires grad"):
        mg.zeros(2).hypot_(mg.ones(2, requires_grad=True))
    with pytest.raises(RuntimeError, match="computed by .* part of the graph"):
        (w * 2).cumsum_(0)
    with pytest.raises(RuntimeError, match="deg2rad_: result type float32 can't be cast to the tensor's dtype int64"):
        mg.tensor([1, 2]).deg2rad_()
    with pytest.raises(RuntimeError, match="float_power_ has dtype float32 but the operation's result requires"):
        mg.tensor([1.0, 2.0]).float_power_(2)
    assert mg.tensor([1.0, -2.0]).ge_(0).tolist() == [1.0, 0.0]


# ----------------------------------------------------------------- random in-place fillers
def test_random_fillers_have_the_right_statistics():
    mg.manual_seed(0)
    n = 200_000
    b = mg.zeros(n, dtype=mg.float64).bernoulli_(0.3).numpy()
    assert set(np.unique(b)) == {0.0, 1.0} and abs(b.mean() - 0.3) < 0.005
    e = mg.zeros(n, dtype=mg.float64).exponential_(2.0).numpy()
    assert e.min() > 0 and abs(e.mean() - 0.5) < 0.01 and abs(e.std() - 0.5) < 0.01
    c = mg.zeros(n, dtype=mg.float64).cauchy_(1.0, 2.0).numpy()
    assert abs(np.median(c) - 1.0) < 0.03 and abs(np.percentile(c, 75) - np.percentile(c, 25) - 4.0) < 0.1
    g = mg.zeros(n, dtype=mg.int32).geometric_(0.25).numpy()
    assert g.dtype == np.int32 and g.min() == 1 and abs(g.mean() - 4.0) < 0.05 and abs((g == 1).mean() - 0.25) < 0.005
    ln = np.log(mg.zeros(n, dtype=mg.float64).log_normal_(1.0, 0.5).numpy())
    assert abs(ln.mean() - 1.0) < 0.01 and abs(ln.std() - 0.5) < 0.01
    r = mg.zeros(n, dtype=mg.int64).random_(-3, 4).numpy()
    assert set(np.unique(r)) == set(range(-3, 4)) and abs(r.mean()) < 0.03
    assert set(np.unique(mg.zeros(1000).random_(5).numpy())) == {0.0, 1.0, 2.0, 3.0, 4.0}
    f = mg.zeros(1000).random_().numpy()
    assert f.max() <= 2 ** 24 and f.max() > 2 ** 20 and (f == np.round(f)).all()
    assert set(np.unique(mg.zeros(100, dtype=mg.bool_).random_().numpy())) == {False, True}


def test_random_fillers_follow_the_seed_and_keep_the_dtype():
    mg.manual_seed(3)
    a = mg.zeros(5).exponential_().numpy()
    mg.manual_seed(3)
    b = mg.zeros(5).exponential_().numpy()
    assert np.array_equal(a, b) and a.dtype == np.float32
    p = mg.tensor([0.0, 1.0, 0.0, 1.0])
    assert mg.zeros(4).bernoulli_(p).tolist() == [0.0, 1.0, 0.0, 1.0]


def test_random_filler_errors():
    x = mg.zeros(3)
    for call, message in ((lambda: x.geometric_(0), r"geometric_ expects p to be in \(0, 1\), but got p=0"),
                          (lambda: x.exponential_(-1), "exponential_ expects lambda > 0.0, but found lambda=-1"),
                          (lambda: x.cauchy_(0, 0), "cauchy_ expects sigma > 0.0, but found sigma=0"),
                          (lambda: x.log_normal_(1, 0), "log_normal_ expects std > 0.0, but found std=0"),
                          (lambda: x.bernoulli_(1.5), r"bernoulli_ expects p to be in \[0, 1\], but got p=1.5"),
                          (lambda: x.random_(5, 5), "random_ expects 'from' to be less than 'to', but got from=5"),
                          (lambda: mg.zeros(3, dtype=mg.int64).exponential_(), "dtype must be a floating point")):
        with pytest.raises(RuntimeError, match=message):
            call()
