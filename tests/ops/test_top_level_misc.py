"""asarray's sharing rules, binomial sampling, scatter_reduce at the top level, the unsafe splitters, get_device,
typename, and the top-level in-place math (mg.acosh_ ...) under the Tensor's in-place rules."""
import numpy as np
import pytest

import minigan as mg

from helpers import randn


def test_asarray_shares_copies_and_refuses_as_torch():
    a = np.arange(3.0)
    t = mg.asarray(a)
    assert t.dtype == np.float64 and np.shares_memory(t.data, a)
    assert not np.shares_memory(mg.asarray(a, copy=True).data, a)
    assert mg.asarray(a, dtype=mg.float32).dtype == np.float32
    x = mg.ones(2, requires_grad=True)
    assert mg.asarray(x) is x
    d = mg.asarray(x, requires_grad=False)
    assert not d.requires_grad and np.shares_memory(d.data, x.data) and x.requires_grad
    c = mg.asarray(x, copy=True)
    assert not c.requires_grad and not np.shares_memory(c.data, x.data)
    assert mg.asarray([1, 2]).dtype == np.int64 and mg.asarray([1.0, 2]).dtype == np.float32
    assert mg.asarray(3.0).shape == () and mg.asarray(a, requires_grad=True).requires_grad
    with pytest.raises(ValueError, match="can't alias tensor with dtype 'Float' into dtype 'Double'"):
        mg.asarray(mg.ones(2), dtype=mg.float64, copy=False)
    with pytest.raises(ValueError, match="can't alias arbitrary sequence"):
        mg.asarray([1.0, 2.0], copy=False)
    with pytest.raises(TypeError, match="only floating-point tensors can require gradients"):
        mg.asarray([1, 2], requires_grad=True)


def test_binomial_draws_seeded_in_range_and_errors():
    mg.manual_seed(3)
    count, prob = mg.tensor([[5.0, 10.0, 0.0]] * 400, dtype=mg.float64), mg.tensor([0.5, 0.2, 0.9], dtype=mg.float64)
    a = mg.binomial(count, prob)
    mg.manual_seed(3)
    np.testing.assert_array_equal(a.numpy(), mg.binomial(count, prob).numpy())
    assert a.dtype == np.float64 and a.shape == (400, 3) and not a.requires_grad
    np.testing.assert_allclose(a.numpy().mean(0), [2.5, 2.0, 0.0], atol=0.25)
    assert (a.numpy() <= count.numpy()).all() and (a.numpy() == np.floor(a.numpy())).all()
    assert mg.binomial(mg.tensor(4.0), mg.tensor(1.0)).item() == 4.0
    with pytest.raises(ValueError, match="binomial only supports floating-point dtypes for count, got: Long"):
        mg.binomial(mg.tensor([5, 10]), mg.tensor([0.5, 0.2]))
    with pytest.raises(RuntimeError, match="found dtype Double for prob but expected Float"):
        mg.binomial(mg.tensor([5.0]), mg.tensor([0.5], dtype=mg.float64))
    with pytest.raises(ValueError, match=r"prob must be in \[0, 1\]"):
        mg.binomial(mg.tensor([5.0]), mg.tensor([1.5]))
    with pytest.raises(ValueError, match="count must hold non-negative whole numbers"):
        mg.binomial(mg.tensor([-1.0]), mg.tensor([0.5]))


def test_scatter_reduce_top_level_matches_torch(torch):
    x, src = randn(3, 4, seed=1), randn(2, 4, seed=2)
    index = np.array([[0, 2, 2, 1], [2, 0, 0, 1]])
    for reduce in ("sum", "prod", "mean", "amax", "amin"):
        ours = mg.scatter_reduce(mg.tensor(x), 0, mg.tensor(index), mg.tensor(src), reduce, include_self=False)
        theirs = torch.scatter_reduce(torch.tensor(x), 0, torch.tensor(index), torch.tensor(src), reduce,
                                      include_self=False)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


def test_unsafe_splitters_are_the_safe_ones(torch):
    a = randn(5, 3)
    for ours, theirs in [(mg.unsafe_chunk(mg.tensor(a), 2), torch.unsafe_chunk(torch.tensor(a), 2)),
                         (mg.unsafe_split(mg.tensor(a), 2, -1), torch.unsafe_split(torch.tensor(a), 2, -1)),
                         (mg.unsafe_split_with_sizes(mg.tensor(a), [1, 4]),
                          torch.unsafe_split_with_sizes(torch.tensor(a), [1, 4])),
                         (mg.tensor(a).unsafe_chunk(3, 1), torch.tensor(a).unsafe_chunk(3, 1)),
                         (mg.tensor(a).unsafe_split_with_sizes([2, 3]),
                          torch.tensor(a).unsafe_split_with_sizes([2, 3]))]:
        assert len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            np.testing.assert_array_equal(o.numpy(), t.numpy())
    x = mg.tensor(a, requires_grad=True)
    sum(p.sum() * (i + 1) for i, p in enumerate(mg.unsafe_split(x, 2))).backward()
    np.testing.assert_array_equal(x.grad.numpy()[:, 0], [1, 1, 2, 2, 3])


def test_get_device_and_typename(torch):
    assert mg.get_device(mg.ones(2)) == -1
    with pytest.raises(TypeError, match="must be Tensor"):
        mg.get_device([1.0])
    assert mg.typename(mg.ones(2)) == torch.typename(torch.ones(2)) == "torch.FloatTensor"
    assert mg.typename(mg.arange(2)) == "torch.LongTensor"
    assert mg.typename(3) == torch.typename(3) == "int" and mg.typename(int) == "int"
    assert mg.typename(mg.nn.Linear(2, 2)) == type(mg.nn.Linear(2, 2)).__module__ + ".Linear"
    assert mg.typename(np.ndarray) == "numpy.ndarray"
    assert mg.typename(mg.typename) == "minigan.ops.top_level_extra.typename"


INPLACE = [("acosh_", 1.5), ("arccos_", 0.3), ("arccosh_", 1.5), ("arcsin_", 0.3), ("arcsinh_", 0.3), ("arctan_", 0.3),
           ("arctanh_", 0.3), ("asinh_", 0.3), ("atanh_", 0.3), ("deg2rad_", 0.3), ("rad2deg_", 0.3), ("fix_", 0.3),
           ("logit_", 0.3), ("sinc_", 0.3), ("negative_", 0.3), ("nan_to_num_", 0.3), ("i0_", 0.3)]


@pytest.mark.parametrize("name, shift", INPLACE)
def test_inplace_math_matches_torch_and_refuses_on_grad_leaves(torch, name, shift):
    a = np.abs(randn(2, 3, seed=4)) * 0.5 + shift
    x, t = mg.tensor(a), torch.tensor(a)
    assert getattr(mg, name)(x) is x
    getattr(torch, name)(t)
    np.testing.assert_allclose(x.numpy(), t.numpy(), rtol=1e-12)
    assert x._version == 1
    with pytest.raises(RuntimeError, match=f"{name}: a leaf Variable that requires grad"):
        getattr(mg, name)(mg.tensor(a, requires_grad=True))


def test_inplace_integer_and_operand_ones(torch):
    a, b = mg.tensor([12, 18, -4]), torch.tensor([12, 18, -4])
    mg.gcd_(a, mg.tensor([8, 12, 6]))
    torch.gcd_(b, torch.tensor([8, 12, 6]))
    assert a.tolist() == b.tolist()
    mg.lcm_(a, mg.tensor([3, 5, 4]))
    torch.lcm_(b, torch.tensor([3, 5, 4]))
    assert a.tolist() == b.tolist()
    x, t = mg.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0])
    mg.ldexp_(x, mg.tensor([2, 3]))
    torch.ldexp_(t, torch.tensor([2, 3]))
    assert x.tolist() == t.tolist()
    y = mg.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match="ldexp_: an operand requires grad"):
        mg.ldexp_(y, mg.tensor([1.0, 2.0], requires_grad=True))
    m, v, w = mg.ones(2), mg.ones(2, 3), mg.ones(3)
    assert mg.addmv_(m, v, w).tolist() == [4.0, 4.0]
