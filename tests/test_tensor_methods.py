"""The Tensor's helper methods as PyTorch's: shapes and dtypes like another tensor's (expand_as, view_as,
reshape_as, type_as), new tensors of the same dtype and device (new_zeros ...), in-place random fills and
in-place indexing (uniform_, normal_, masked_fill_, scatter_, scatter_add_, index_add_, under the rules of the
other in-place methods), in-place elementwise ops (exp_, clamp_ ...), where/erf/logical_*/unflatten, and what a
tensor's memory looks like (is_contiguous, stride, element_size ...)."""
import numpy as np
import pytest

import minigan as mg

from helpers import compare_with_torch, distinct, randn


# ----------------------------------------------------------------- like another tensor
def test_expand_view_reshape_as_match_torch(torch):
    other, t_other = mg.zeros(4, 2, 3), torch.zeros(4, 2, 3)
    compare_with_torch(torch, lambda x: x.expand_as(other), lambda x: x.expand_as(t_other), [randn(2, 1, seed=1)])
    compare_with_torch(torch, lambda x: x.view_as(other), lambda x: x.view_as(t_other), [randn(6, 4, seed=2)])
    compare_with_torch(torch, lambda x: x.reshape_as(other), lambda x: x.reshape_as(t_other), [randn(3, 8, seed=3)])


def test_type_as_casts_and_the_gradient_comes_back_in_the_source_dtype():
    x = mg.tensor([1.5, -2.0], requires_grad=True)
    y = x.type_as(mg.zeros(1, dtype=mg.float64))
    assert y.dtype == np.float64
    (y * 3).sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [3.0, 3.0]
    assert mg.tensor([1.7, -2.2]).type_as(mg.zeros(1, dtype=mg.int64)).tolist() == [1, -2]


# ----------------------------------------------------------------- the op methods, as PyTorch's methods
IDX = np.array([[0, 2], [1, 1], [3, 0]])
MASK = np.array([True, False, False, True])
METHODS = {
    "gather": lambda x, lib: x.gather(1, lib.tensor(IDX)),
    "scatter_add": lambda x, lib: x.scatter_add(1, lib.tensor(IDX), x[:, :2] * 2),
    "index_select": lambda x, lib: x.index_select(1, lib.tensor([3, 0, 3])),
    "index_add": lambda x, lib: x.index_add(0, lib.tensor([2, 2]), x[:2] * 3, alpha=0.5),
    "take_along_dim": lambda x, lib: x.take_along_dim(lib.tensor(IDX), 1),
    "masked_fill": lambda x, lib: x.masked_fill(lib.tensor(MASK), 0.5),
    "masked_select": lambda x, lib: x.masked_select(lib.tensor(MASK)),
    "narrow": lambda x, lib: x.narrow(0, 1, 2),
    "flip": lambda x, lib: x.flip(0),
    "roll": lambda x, lib: x.roll((1, -1), (0, 1)),
    "repeat": lambda x, lib: x.repeat(2, 1, 1),
    "tile": lambda x, lib: x.tile(2),
    "tril": lambda x, lib: x.tril(-1),
    "diag": lambda x, lib: x.diag(1),
    "unbind": lambda x, lib: x.unbind(1)[2],
    "movedim": lambda x, lib: x.movedim(0, 1),
    "swapaxes": lambda x, lib: x.swapaxes(0, 1),
    "t": lambda x, lib: x.t(),
    "mT": lambda x, lib: x.mT,
    "sort": lambda x, lib: x.sort(0, descending=True).values,
    "topk": lambda x, lib: x.topk(2, 0, largest=False).values,
    "kthvalue": lambda x, lib: x.kthvalue(2, 1).values,
    "mm": lambda x, lib: x.mm(x.T),
    "mv": lambda x, lib: x.mv(x[0]),
    "dot": lambda x, lib: x[0].dot(x[1]),
    "outer": lambda x, lib: x[0].outer(x[1]),
    "addmm": lambda x, lib: x[0, :3].addmm(x, x.T, beta=2.0),
    "bmm": lambda x, lib: x.unsqueeze(0).bmm(x.T.unsqueeze(0)),
}


@pytest.mark.parametrize("name", list(METHODS))
def test_op_methods_match_torch(torch, name):
    f = METHODS[name]
    compare_with_torch(torch, lambda x: f(x, mg), lambda x: f(x, torch), [distinct(3, 4, seed=5)])


# ----------------------------------------------------------------- new tensors
@pytest.mark.parametrize("dtype", [np.float64, np.int64, np.float16], ids=str)
def test_new_tensors_keep_dtype_and_device(torch, dtype):
    x = mg.zeros(2, dtype=dtype)
    t = torch.zeros(2, dtype=getattr(torch, np.dtype(dtype).name))
    empty = x.new_empty(4)                                      # PyTorch leaves its values undefined
    assert empty.dtype == dtype and empty.shape == tuple(t.new_empty(4).shape) == (4,)
    for ours, theirs in [(x.new_zeros(2, 3), t.new_zeros(2, 3)), (x.new_ones((3,)), t.new_ones((3,))),
                         (x.new_full((2, 2), 7), t.new_full((2, 2), 7)),
                         (x.new_tensor([[1, 2], [3, 4]]), t.new_tensor([[1, 2], [3, 4]]))]:
        assert ours.dtype == dtype and ours.shape == tuple(theirs.shape) and ours.device == x.device
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_new_tensors_take_another_dtype_and_requires_grad():
    x = mg.zeros(2, dtype=mg.int64)
    y = x.new_ones(3, dtype=mg.float32, requires_grad=True)
    assert y.dtype == np.float32 and y.requires_grad and y.is_leaf and y.tolist() == [1.0, 1.0, 1.0]
    data = np.array([1.0, 2.0])
    z = mg.zeros(1).new_tensor(data)
    data[0] = 9.0                                               # new_tensor copies, as PyTorch's
    assert z.dtype == np.float32 and z.tolist() == [1.0, 2.0]


# ----------------------------------------------------------------- in-place random fills
def test_uniform_and_normal_fill_in_place_from_the_seeded_generator():
    w = mg.zeros(200, 100)
    assert w.uniform_(-2.0, 3.0) is w and w._version == 1
    a = w.numpy()
    assert a.min() >= -2.0 and a.max() < 3.0 and abs(a.mean() - 0.5) < 0.05 and abs(a.std() - 5 / 12 ** 0.5) < 0.05
    w.normal_(1.5, 0.5)
    a = w.numpy()
    assert w._version == 2 and abs(a.mean() - 1.5) < 0.02 and abs(a.std() - 0.5) < 0.02
    mg.manual_seed(3)
    first = mg.zeros(5, dtype=mg.float64).normal_().numpy()
    mg.manual_seed(3)
    np.testing.assert_array_equal(mg.zeros(5, dtype=mg.float64).normal_().numpy(), first)
    assert first.dtype == np.float64


def test_random_fills_refuse_a_leaf_that_requires_grad_while_recording():
    w = mg.zeros(3, requires_grad=True)
    for fill in (lambda: w.uniform_(), lambda: w.normal_(0.0, 0.02)):
        with pytest.raises(RuntimeError, match="(uniform_|normal_): a leaf Variable that requires grad"):
            fill()
    assert w._version == 0 and w.tolist() == [0.0, 0.0, 0.0]
    with mg.no_grad():
        w.normal_(0.0, 0.02)
    assert w._version == 1 and np.abs(w.numpy()).max() > 0


def test_random_fills_refuse_integer_tensors():
    with pytest.raises(TypeError, match="uniform_: expects a floating-point tensor, got dtype int64"):
        mg.zeros(3, dtype=mg.int64).uniform_()


def test_a_random_fill_of_a_saved_tensor_is_caught_by_backward():
    x, w = mg.ones(3), mg.ones(3, requires_grad=True)
    y = (w * x).sum()                                           # saves x for w's gradient
    x.normal_()
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()


# ----------------------------------------------------------------- in-place indexing
def test_in_place_indexing_matches_torch(torch):
    a, idx = randn(3, 4, seed=4), np.array([[0, 3, 0], [1, 1, 2], [3, 2, 0]])
    mask = a > 0
    src, source = randn(3, 3, seed=5), randn(2, 4, seed=6)
    cases = [("masked_fill_", lambda x: x.masked_fill_(mask, -1.0), lambda t: t.masked_fill_(torch.tensor(mask), -1.0)),
             ("scatter_", lambda x: x.scatter_(1, idx[:, :1], 5.0),
              lambda t: t.scatter_(1, torch.tensor(idx[:, :1]), 5.0)),
             ("scatter_add_", lambda x: x.scatter_add_(1, idx, mg.tensor(src)),
              lambda t: t.scatter_add_(1, torch.tensor(idx), torch.tensor(src))),
             ("index_add_", lambda x: x.index_add_(0, [2, 2], mg.tensor(source), alpha=0.5),
              lambda t: t.index_add_(0, torch.tensor([2, 2]), torch.tensor(source), alpha=0.5))]
    for name, ours, theirs in cases:
        x, t = mg.tensor(a), torch.tensor(a)
        assert ours(x) is x and x._version == 1, name
        theirs(t)
        np.testing.assert_allclose(x.numpy(), t.numpy(), rtol=1e-12, err_msg=name)
        assert not np.array_equal(x.numpy(), a), name


def test_in_place_indexing_follows_the_in_place_rules():
    w = mg.zeros(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match="masked_fill_: a leaf Variable that requires grad"):
        w.masked_fill_(mg.tensor([True, False, True]), 1.0)
    x, src = mg.zeros(2, 3), mg.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match="scatter_add_: an operand requires grad.*out-of-place scatter_add"):
        x.scatter_add_(1, np.array([[0, 0]]), src)
    with pytest.raises(RuntimeError, match=r"masked_fill_: the result's shape \(2, 2, 3\) doesn't match .*\(2, 3\)"):
        x.masked_fill_(mg.zeros(2, 1, 3).bool(), 1.0)
    assert x._version == 0 and w._version == 0 and not x.numpy().any()
    with mg.no_grad():
        w.masked_fill_(mg.tensor([True, False, True]), 1.0)
    assert w._version == 1 and w.tolist() == [[1.0, 0.0, 1.0]] * 2


# ----------------------------------------------------------------- memory
@pytest.mark.parametrize("view", [lambda x: x, lambda x: x.transpose(0, 2), lambda x: x[:, ::2], lambda x: x[1],
                                  lambda x: x[:, :1].expand(2, 5, 4), lambda x: x.permute(1, 0, 2)[:, 1:]],
                         ids=["contiguous", "transposed", "stepped", "row", "expanded", "permuted"])
def test_stride_and_is_contiguous_match_torch(torch, view):
    a = np.arange(24.0).reshape(2, 3, 4)
    ours, theirs = view(mg.tensor(a)), view(torch.tensor(a))
    assert ours.stride() == theirs.stride()
    dims = range(-ours.ndim, ours.ndim)
    assert [ours.stride(d) for d in dims] == [theirs.stride(d) for d in dims]
    assert ours.is_contiguous() == theirs.is_contiguous()
    assert ours.contiguous().is_contiguous()


def test_element_size_nelement_ndimension_match_torch(torch):
    for dtype in ("float32", "float64", "float16", "int64", "int32", "bool"):
        ours, theirs = mg.zeros(2, 3, 4, dtype=getattr(np, dtype)), torch.zeros(2, 3, 4, dtype=getattr(torch, dtype))
        assert ours.element_size() == theirs.element_size(), dtype
        assert ours.nelement() == theirs.nelement() == 24 and ours.ndimension() == theirs.ndimension() == 3
    assert mg.tensor(1.0).stride() == torch.tensor(1.0).stride() == ()
    with pytest.raises(IndexError, match="stride: dimension out of range"):
        mg.zeros(2, 3).stride(2)


# --------------------------------------------------------------------------- in-place elementwise, and more methods
INPLACE_UNARY = [("abs_", ()), ("neg_", ()), ("exp_", ()), ("sqrt_", ()), ("pow_", (2.0,)), ("sigmoid_", ()),
                 ("tanh_", ()), ("relu_", ()), ("clamp_", (-0.5, 0.5)), ("clip_", (None, 0.2)), ("floor_", ()),
                 ("ceil_", ()), ("round_", ()), ("log_", ())]


@pytest.mark.parametrize("name,args", INPLACE_UNARY, ids=[n for n, _ in INPLACE_UNARY])
def test_inplace_elementwise_methods_match_torch(torch, name, args):
    a = np.random.default_rng(5).standard_normal((3, 4))
    if name in ("sqrt_", "log_"):
        a = np.abs(a) + 0.1
    x, t = mg.tensor(a.copy()), torch.tensor(a.copy())
    version = x._version
    assert getattr(x, name)(*args) is x                      # the same tensor, changed in place
    getattr(t, name)(*args)
    np.testing.assert_allclose(x.numpy(), t.numpy(), rtol=1e-12)
    assert x._version == version + 1


def test_inplace_elementwise_refuses_a_leaf_that_requires_grad_and_a_lossy_cast():
    x = mg.tensor([1.0, -2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="exp_: a leaf Variable that requires grad"):
        x.exp_()
    with mg.no_grad():
        x.exp_()                                              # allowed where nothing is recorded
    np.testing.assert_allclose(x.numpy(), np.exp([1.0, -2.0]), rtol=1e-6)
    with pytest.raises(RuntimeError, match="exp_: result type float32 can't be cast to the tensor's dtype int64"):
        mg.tensor([1, 2]).exp_()


def test_more_methods_match_torch(torch):
    a = np.random.default_rng(6).standard_normal((2, 6))
    x, t = mg.tensor(a), torch.tensor(a)
    cond = a > 0
    zeros, t_zeros = mg.zeros(2, 6, dtype=mg.float64), torch.zeros(2, 6, dtype=torch.float64)
    pairs = [
        (x.where(mg.tensor(cond), zeros), t.where(torch.tensor(cond), t_zeros)),
        (x.erf(), t.erf()), (x.clamp_min(0.1), t.clamp_min(0.1)), (x.clamp_max(-0.1), t.clamp_max(-0.1)),
        (x.ravel(), t.ravel()), (x.unflatten(1, (3, -1)), t.unflatten(1, (3, -1))),
        (x.logical_not(), t.logical_not()), (x.logical_and(x > 0.5), t.logical_and(t > 0.5)),
        (x.logical_or(x > 0.5), t.logical_or(t > 0.5)), (x.logical_xor(x > 0.5), t.logical_xor(t > 0.5)),
    ]
    for ours, theirs in pairs:
        assert ours.shape == tuple(theirs.shape)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
    assert x.logical_not().dtype == np.bool_
    with pytest.raises(RuntimeError, match=r"unflatten: sizes \(4, -1\) don't multiply up to the size of dim 1"):
        x.unflatten(1, (4, -1))


def test_more_methods_carry_gradients():
    a = np.random.default_rng(7).standard_normal((2, 3))
    assert mg.gradcheck(lambda x: x.where(mg.tensor(a > 0), x * 2).unflatten(1, (3, 1)).ravel().clamp_min(-0.5),
                        [mg.tensor(a, requires_grad=True)])


@pytest.mark.parametrize("name", ["logical_and", "logical_or", "logical_xor"])
def test_top_level_logical_functions_match_torch(torch, name):
    a, b = np.array([[0.0, 1.5, -2.0], [0.0, 0.0, 3.0]]), np.array([[1.0, 0.0, -1.0], [0.0, 2.0, 0.0]])
    ours = getattr(mg, name)(mg.tensor(a), mg.tensor(b))
    assert ours.dtype == np.bool_ and not ours.requires_grad
    np.testing.assert_array_equal(ours.numpy(), getattr(torch, name)(torch.tensor(a), torch.tensor(b)).numpy())
    np.testing.assert_array_equal(getattr(mg, name)(0, mg.tensor(b)).numpy(),
                                  getattr(torch, name)(torch.tensor(0.0), torch.tensor(b)).numpy())
    np.testing.assert_array_equal(mg.logical_not(mg.tensor(a)).numpy(), torch.logical_not(torch.tensor(a)).numpy())


def test_top_level_shape_functions_are_torchs(torch):
    a = randn(2, 1, 3, seed=4)
    x = mg.tensor(a, requires_grad=True)
    t = torch.tensor(a)
    for ours, theirs in ((mg.flatten(x), torch.flatten(t)), (mg.ravel(x), torch.ravel(t)),
                         (mg.squeeze(x), torch.squeeze(t)), (mg.unsqueeze(x, 1), torch.unsqueeze(t, 1)),
                         (mg.broadcast_to(x, (4, 2, 5, 3)), torch.broadcast_to(t, (4, 2, 5, 3))),
                         (mg.clone(x), torch.clone(t)), (mg.erf(x), torch.erf(t))):
        assert ours.shape == tuple(theirs.shape)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
    assert mg.numel(x) == torch.numel(t) == 6
    mg.ravel(x).sum().backward()                # ravel is a recorded reshape: the gradient flows back
    np.testing.assert_array_equal(x.grad.numpy(), np.ones_like(a))
    c = mg.clone(x)
    assert c.data is not x.data and c.requires_grad
