"""scatter_reduce (sum, prod, mean, amax, amin; with and without x's own values) and scatter's reduce=, held
against torch.scatter_reduce for values and gradients, and gradchecked in float64 with repeated indices, zeros
in the products and a src larger than the index."""
import numpy as np
import pytest

import minigan as mg
from minigan import ops
from minigan.ops import scatter_reduce

from helpers import check_grad, compare_with_torch, randn, tensors

REDUCES = ["sum", "prod", "mean", "amax", "amin"]

# (x shape, dim, index, src shape): repeats, a place named by no index, src larger than index
CASES = [
    ((4,), 0, [0, 0, 2, 3, 3], (6,)),
    ((3, 5), 1, [[0, 4, 0], [2, 2, 2], [4, 1, 4]], (4, 4)),
    ((4, 3), 0, [[3, 0, 1], [3, 2, 0], [1, 0, 0]], (3, 3)),
    ((2, 3, 4), -1, [[[1, 1], [0, 3], [2, 2]], [[3, 0], [0, 0], [1, 2]]], (2, 3, 3)),
]


def _case_arrays(case, seed=0):
    shape, dim, index, src_shape = case
    return randn(*shape, seed=seed), dim, np.array(index), randn(*src_shape, seed=seed + 1)


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", REDUCES)
@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-dim{c[1]}" for c in CASES])
def test_scatter_reduce_matches_torch(torch, case, reduce, include_self):
    """(PyTorch's backward refuses a src larger than the index, so src is cut to the index's shape here.)"""
    x, dim, index, src = _case_arrays(case)
    src = src[tuple(slice(0, m) for m in index.shape)]
    compare_with_torch(torch, lambda x, s: scatter_reduce(x, dim, index, s, reduce, include_self=include_self),
                       lambda x, s: torch.scatter_reduce(x, dim, torch.tensor(index), s, reduce,
                                                         include_self=include_self), [x, src])


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", REDUCES)
@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-dim{c[1]}" for c in CASES])
def test_scatter_reduce_gradcheck(device, case, reduce, include_self):
    x, dim, index, src = _case_arrays(case, seed=3)
    check_grad(lambda x, s: scatter_reduce(x, dim, index, s, reduce, include_self=include_self), x, src,
               device=device)


@pytest.mark.parametrize("include_self", [True, False])
def test_prod_gradient_with_zeros_matches_torch(torch, include_self):
    """One zero in a place: it gets the product of the rest, the others get 0. Two zeros: every factor gets 0."""
    x = np.array([2.0, 0.0, 3.0, 0.0, 5.0])
    src = np.array([0.0, 1.5, 0.0, 0.0, 2.0, -1.0])
    index = np.array([0, 0, 2, 3, 3, 4])
    compare_with_torch(torch, lambda x, s: scatter_reduce(x, 0, index, s, "prod", include_self=include_self),
                       lambda x, s: torch.scatter_reduce(x, 0, torch.tensor(index), s, "prod",
                                                         include_self=include_self), [x, src])
    check_grad(lambda x, s: scatter_reduce(x, 0, index, s, "prod", include_self=include_self), x, src)


@pytest.mark.parametrize("reduce", ["amax", "amin"])
def test_extreme_ties_share_the_gradient_equally_as_in_torch(torch, reduce):
    x = np.array([2.0, 0.0, 3.0, 5.0])
    src = np.array([2.0, 1.0, 3.0, 5.0, 5.0]) * (1 if reduce == "amax" else 1)
    if reduce == "amin":
        x, src = -x, -src
    index = np.array([0, 0, 2, 3, 3])
    compare_with_torch(torch, lambda x, s: scatter_reduce(x, 0, index, s, reduce),
                       lambda x, s: torch.scatter_reduce(x, 0, torch.tensor(index), s, reduce), [x, src])
    a, s = tensors("cpu", x, src)
    scatter_reduce(a, 0, index, s, reduce).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [0.5, 1, 0.5, 1 / 3])
    np.testing.assert_allclose(s.grad.numpy(), [0.5, 0, 0.5, 1 / 3, 1 / 3])


def test_ties_without_self_share_among_the_values_that_took_part():
    """The documented difference from PyTorch: with include_self=False, x's own value (equal to the max here)
    is not a winner, so the two src values that tie share the whole gradient (PyTorch gives each 1/3)."""
    a, s = tensors("cpu", np.array([2.0, 0.0, 3.0, 5.0]), np.array([2.0, 1.0, 3.0, 5.0, 5.0]))
    scatter_reduce(a, 0, np.array([0, 0, 2, 3, 3]), s, "amax", include_self=False).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [0, 1, 0, 0])
    np.testing.assert_allclose(s.grad.numpy(), [1, 0, 1, 0.5, 0.5])


@pytest.mark.parametrize("reduce", ["sum", "mean", "amax", "amin"])
def test_double_backward(device, reduce):
    x, dim, index, src = _case_arrays(CASES[1], seed=5)
    mg.gradgradcheck(lambda x, s: scatter_reduce(x, dim, index, s, reduce) ** 2, tensors(device, x, src))


def test_prod_has_no_double_backward():
    a, s = tensors("cpu", randn(4, seed=1), randn(3, seed=2))
    y = scatter_reduce(a, 0, np.array([0, 0, 3]), s, "prod").sum()
    with pytest.raises(NotImplementedError, match="reduce='prod' cannot be differentiated again"):
        mg.autograd.grad(y, [a], create_graph=True)


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", REDUCES)
def test_integer_tensors_match_torch(torch, reduce, include_self):
    """Integers too (no gradient); their mean is rounded down, as PyTorch's: (-2 - 5 - 1) / 3 -> -3."""
    x = np.array([1, -2, 3, 4, 7], dtype=np.int64)
    src = np.array([-5, -1, 6, 0, 2, 9], dtype=np.int64)
    index = np.array([1, 1, 2, 3, 3, 1])
    ours = scatter_reduce(mg.tensor(x), 0, index, mg.tensor(src), reduce, include_self=include_self)
    theirs = torch.scatter_reduce(torch.tensor(x), 0, torch.tensor(index), torch.tensor(src), reduce,
                                  include_self=include_self)
    assert ours.dtype == mg.int64
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.filterwarnings("ignore:The reduce argument of torch.scatter")    # PyTorch's own deprecation note
@pytest.mark.parametrize("reduce", ["add", "multiply"])
def test_scatter_reduce_argument_matches_torch(torch, reduce):
    """Values as torch's (its reduce= has no backward; ours is scatter_reduce's, gradchecked here)."""
    x, index, src = randn(3, 5, seed=7), np.array([[0, 4, 0], [2, 2, 2]]), randn(2, 4, seed=8)
    compare_with_torch(torch, lambda x, s: ops.scatter(x, 1, index, s, reduce=reduce),
                       lambda x, s: x.scatter(1, torch.tensor(index), s, reduce=reduce), [x, src], grad=False)
    check_grad(lambda x, s: ops.scatter(x, 1, index, s, reduce=reduce), x, src)
    ours = mg.tensor(x).scatter(1, index, 2.5, reduce=reduce)
    np.testing.assert_allclose(ours.numpy(), torch.tensor(x).scatter(1, torch.tensor(index), 2.5, reduce=reduce))


def test_tensor_methods_out_of_place_and_in_place():
    x = mg.tensor([1.0, 2.0, 3.0, 4.0])
    y = x.scatter_reduce(0, mg.tensor([0, 0, 3]), mg.tensor([5.0, -1.0, 9.0]), "amin", include_self=False)
    assert y.tolist() == [-1.0, 2.0, 3.0, 9.0] and x.tolist() == [1.0, 2.0, 3.0, 4.0]
    assert x.scatter_reduce_(0, mg.tensor([1, 1]), mg.tensor([2.0, 3.0]), "prod") is x
    assert x.tolist() == [1.0, 12.0, 3.0, 4.0] and x._version == 1
    x.scatter_(0, mg.tensor([2]), mg.tensor([10.0]), reduce="add")
    assert x.tolist() == [1.0, 12.0, 13.0, 4.0]


@pytest.mark.parametrize("call,error,message", [
    (lambda x, s: scatter_reduce(x, 0, [0, 1], s, "max"), ValueError,
     "reduce must be one of 'sum', 'prod', 'mean', 'amax', 'amin', got 'max'"),
    (lambda x, s: scatter_reduce(x, 0, [0, 1], 2.0, "sum"), TypeError, "src must be a Tensor, got float"),
    (lambda x, s: scatter_reduce(x, 0, [0, 4], s, "sum"), IndexError,
     "scatter_reduce: index 4 is out of bounds for dimension 0 with size 4"),
    (lambda x, s: scatter_reduce(x, 0, [0, 1], s.to(dtype=mg.float32), "sum"), TypeError,
     "scatter_reduce: expected src of the input's dtype"),
    (lambda x, s: ops.scatter(x, 0, [0, 1], s, reduce="mean"), ValueError,
     "scatter: reduce must be 'add' or 'multiply', got 'mean'"),
])
def test_errors(call, error, message):
    with pytest.raises(error, match=message):
        call(mg.tensor(randn(4)), mg.tensor(randn(3)))
