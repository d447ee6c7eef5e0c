"""prod, cumsum, cumprod (minigan/ops/cumulative.py), logsumexp, norm, median, all, any, count_nonzero
(minigan/ops/reduction.py): gradients in float64, second derivatives, and PyTorch's values and gradients at the
special points: zeros in a product, a norm of 0, overflow in logsumexp, ties and nan in a median."""
import numpy as np
import pytest

import minigan as mg

from helpers import check_grad, compare_with_torch, distinct, randn, tensors


def _nonzero(*shape, seed=0):
    """Values in +-[0.5, 1.5]: no zero, and products that stay near 1."""
    rs = np.random.default_rng(seed)
    return rs.choice([-1.0, 1.0], shape) * rs.uniform(0.5, 1.5, shape)


def _second(torch, fn):
    """The gradient of ``fn(x).sum()`` with its graph kept, so that a comparison of its gradient compares the
    second derivatives (minigan's and PyTorch's)."""
    def run(x):
        y = fn(x).sum()
        (g,) = (mg.grad if isinstance(x, mg.Tensor) else torch.autograd.grad)(y, (x,), create_graph=True)
        return g
    return run


# --------------------------------------------------------------------------- prod
@pytest.mark.parametrize("dim,keepdim", [(None, False), (0, False), (1, True), (-1, False), (2, True)])
def test_prod_gradcheck(device, dim, keepdim):
    x = _nonzero(3, 4, 5, seed=1)
    check_grad(lambda x: mg.prod(x) if dim is None else mg.prod(x, dim, keepdim=keepdim), x, device=device)


ZEROS = {
    "one zero": np.array([[2.0, 0.0, 3.0, -1.5], [1.5, 2.0, -0.5, 4.0], [0.0, 1.0, 2.0, 3.0]]),
    "two zeros": np.array([[0.0, 2.0, 0.0, 3.0], [1.0, 0.0, 0.0, 0.0], [2.0, 2.0, 2.0, 0.0]]),
    "zero first and last": np.array([[0.0, 2.0, 3.0, 0.0], [0.0, 1.5, -2.0, 0.5], [0.5, 1.0, 2.0, 0.0]]),
    "all zero": np.zeros((3, 4)),
}


@pytest.mark.parametrize("case", sorted(ZEROS))
def test_prod_with_zeros_matches_torch(device, torch, case):
    x = ZEROS[case]
    compare_with_torch(torch, lambda x: mg.prod(x, 1), lambda x: torch.prod(x, 1), [x], device=device)
    compare_with_torch(torch, lambda x: mg.prod(x, 0, keepdim=True), lambda x: torch.prod(x, 0, keepdim=True), [x],
                       device=device)
    compare_with_torch(torch, mg.prod, torch.prod, [x], device=device)
    compare_with_torch(torch, mg.prod, torch.prod, [x[:1]], device=device)


def test_prod_gradient_with_one_zero_is_the_product_of_the_others(device):
    x = tensors(device, [3.0, 0.0, -2.0, 0.5])[0]
    mg.prod(x).backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, -3.0, 0.0, 0.0])
    x = tensors(device, [3.0, 0.0, -2.0, 0.0])[0]
    mg.prod(x).backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 0.0, 0.0])


def test_prod_second_derivatives(device, torch):
    mg.gradgradcheck(lambda x: mg.prod(x, 1), tensors(device, _nonzero(3, 4, seed=2)))
    mg.gradgradcheck(lambda x: mg.prod(x, 0), tensors(device, ZEROS["one zero"]))     # one zero per column or none
    for case in ("one zero", "two zeros"):
        compare_with_torch(torch, _second(torch, lambda x: mg.prod(x, 1)), _second(torch, lambda x: torch.prod(x, 1)),
                           [ZEROS[case]], device=device)


def test_prod_dtypes_and_shapes(torch):
    for dtype in ("int32", "int64", "bool", "uint8"):
        a = np.array([[1, 2, 3], [1, 0, 2]]).astype(dtype)
        y, t = mg.prod(mg.tensor(a), 1), torch.prod(torch.tensor(a), 1)
        assert str(y.dtype) == str(t.dtype).replace("torch.", "") == "int64", dtype
        np.testing.assert_array_equal(y.numpy(), t.numpy())
    assert mg.prod(mg.tensor([1, 2, 3]), dtype=np.float64).dtype == np.float64
    assert mg.prod(mg.tensor(3.0)).item() == 3.0 and mg.prod(mg.tensor(3.0), 0).shape == ()
    assert mg.prod(mg.zeros(2, 0), 1).tolist() == [1.0, 1.0] and mg.prod(mg.zeros(0)).item() == 1.0
    assert mg.prod(mg.ones(2, 3), axis=1, keepdims=True).shape == (2, 1)
    with pytest.raises(TypeError, match="prod: dim must be one int"):
        mg.prod(mg.ones(2, 3), dim=(0, 1))


# --------------------------------------------------------------------------- cumsum and cumprod
@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumulative_gradcheck(device, name, dim):
    check_grad(lambda x: getattr(mg, name)(x, dim), _nonzero(3, 5, 2, seed=3), device=device)


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
def test_cumulative_matches_torch(device, torch, name):
    for dim in (0, 1, 2):
        compare_with_torch(torch, lambda x: getattr(mg, name)(x, dim), lambda x: getattr(torch, name)(x, dim),
                           [_nonzero(3, 5, 2, seed=4)], device=device)


@pytest.mark.parametrize("case", sorted(ZEROS))
def test_cumprod_with_zeros_matches_torch(device, torch, case):
    x = ZEROS[case]
    for dim in (0, 1):
        compare_with_torch(torch, lambda x: mg.cumprod(x, dim), lambda x: torch.cumprod(x, dim), [x], device=device)


def test_cumprod_gradient_at_the_first_zero(device):
    """y = [a, a*0, a*0*c]: the zero's gradient is g1 * a + g2 * a * c; c's is 0 (its products hold the zero)."""
    x = tensors(device, [2.0, 0.0, 3.0, 0.0])[0]
    mg.cumprod(x, 0).backward(mg.tensor([1.0, 10.0, 100.0, 1000.0]))
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 2.0 * 10 + 2.0 * 3.0 * 100, 0.0, 0.0])


def test_cumulative_second_derivatives(device, torch):
    mg.gradgradcheck(lambda x: mg.cumprod(x, 1), tensors(device, _nonzero(2, 4, seed=5)))
    mg.gradgradcheck(lambda x: mg.cumprod(x, 1), tensors(device, ZEROS["one zero"]))
    mg.gradgradcheck(lambda x: mg.cumsum(x, 0) ** 2, tensors(device, randn(3, 2, seed=6)))
    compare_with_torch(torch, _second(torch, lambda x: mg.cumprod(x, 1)), _second(torch, lambda x: torch.cumprod(x, 1)),
                       [ZEROS["one zero"]], device=device)


@pytest.mark.parametrize("case", ["two zeros", "zero first and last", "all zero"])
def test_cumprod_second_derivatives_with_several_zeros(device, torch, case):
    """A later zero's gradient is 0 in value but moves with the first zero: the recorded backward keeps that."""
    for dim in (0, 1):
        mg.gradgradcheck(lambda x: mg.cumprod(x, dim), tensors(device, ZEROS[case]))
        compare_with_torch(torch, _second(torch, lambda x: mg.cumprod(x, dim)),
                           _second(torch, lambda x: torch.cumprod(x, dim)), [ZEROS[case]], device=device)
    mg.gradgradcheck(lambda x: mg.prod(x, 1), tensors(device, ZEROS[case]))


def test_cumulative_dtypes_and_shapes(torch):
    for name in ("cumsum", "cumprod"):
        for dtype in ("int32", "bool", "uint8", "int64"):
            a = np.array([[1, 2, 3], [1, 0, 2]]).astype(dtype)
            y, t = getattr(mg, name)(mg.tensor(a), 1), getattr(torch, name)(torch.tensor(a), 1)
            assert str(y.dtype) == str(t.dtype).replace("torch.", ""), (name, dtype)
            np.testing.assert_array_equal(y.numpy(), t.numpy())
        y = getattr(mg, name)(mg.tensor([1, 2, 3]), 0, dtype=np.float32)
        assert y.dtype == np.float32 and y.tolist() == getattr(torch, name)(torch.tensor([1, 2, 3]), 0).tolist()
        assert getattr(mg, name)(mg.tensor(3.0), 0).shape == () and getattr(mg, name)(mg.zeros(0, 2), 0).shape == (0, 2)
    with pytest.raises(IndexError, match="cumsum: dimension out of range"):
        mg.cumsum(mg.ones(2, 3), 2)


# --------------------------------------------------------------------------- logsumexp
@pytest.mark.parametrize("dim,keepdim", [(0, False), (1, True), ((0, 2), False), (-1, True), ((0, 1, 2), False)])
def test_logsumexp_gradcheck_and_torch(device, torch, dim, keepdim):
    x = randn(3, 4, 2, seed=7) * 3
    check_grad(lambda x: mg.logsumexp(x, dim, keepdim), x, device=device)
    compare_with_torch(torch, lambda x: mg.logsumexp(x, dim, keepdim), lambda x: torch.logsumexp(x, dim, keepdim),
                       [x], device=device)


def test_logsumexp_is_stable(torch):
    a = np.array([[1000.0, 1000.0, -np.inf], [-1000.0, -1001.0, -np.inf], [-np.inf, -np.inf, -np.inf],
                  [np.inf, 0.0, 1.0], [0.0, 0.0, 0.0]])
    y = mg.logsumexp(mg.tensor(a), 1).numpy()
    np.testing.assert_allclose(y[:2], [1000 + np.log(2), -1000 + np.log1p(np.exp(-1))], rtol=1e-15)
    np.testing.assert_array_equal(y, torch.logsumexp(torch.tensor(a), 1).numpy())
    compare_with_torch(torch, lambda x: mg.logsumexp(x, 1), lambda x: torch.logsumexp(x, 1), [a[:2]])
    assert mg.logsumexp(mg.zeros(0, 3), 0).tolist() == [-np.inf] * 3


def test_logsumexp_second_derivatives_dtypes_and_errors(device, torch):
    mg.gradgradcheck(lambda x: mg.logsumexp(x, 1), tensors(device, randn(3, 4, seed=8)))
    y, t = mg.logsumexp(mg.tensor([1, 2, 3]), 0), torch.logsumexp(torch.tensor([1, 2, 3]), 0)
    assert y.dtype == np.float32 and t.dtype == torch.float32
    np.testing.assert_allclose(y.item(), t.item(), rtol=1e-6)
    with pytest.raises(TypeError, match="logsumexp: missing the argument dim"):
        mg.logsumexp(mg.ones(3))


# --------------------------------------------------------------------------- norm
NORM_CASES = [("fro", None, False), ("fro", 1, False), ("fro", (0, 2), True), (2, None, True), (2, -1, False),
              (1, 0, False), (3, (1, 2), False), (0.5, 1, True), (1.5, None, False), (-1, 1, False),
              (np.inf, 1, False), (-np.inf, (0, 1), False), (4, (0, 1, 2), False)]


@pytest.mark.parametrize("p,dim,keepdim", NORM_CASES)
def test_norm_gradcheck_and_torch(device, torch, p, dim, keepdim):
    x = distinct(3, 4, 2, seed=9)           # distinct values and no zero: no ties for inf, no kink of |x|
    check_grad(lambda x: mg.norm(x, p, dim, keepdim), x, device=device)
    compare_with_torch(torch, lambda x: mg.norm(x, p, dim, keepdim), lambda x: torch.norm(x, p, dim, keepdim), [x],
                       device=device)


@pytest.mark.parametrize("p", ["fro", 2, 1, 3, 1.5, 0.5, -1, 0, np.inf, -np.inf])
def test_norm_at_zero_matches_torch(device, torch, p):
    """A vector of zeros (the 2-norm's gradient is 0 there, not 0/0), and one zero among other values."""
    x = np.array([[0.0, 0.0, 0.0], [0.0, 2.0, -1.0], [3.0, -3.0, 1.0]])
    with np.errstate(all="ignore"):
        compare_with_torch(torch, lambda x: mg.norm(x, p, 1), lambda x: torch.norm(x, p, 1), [x], device=device)


@pytest.mark.parametrize("shape,dim", [((3, 4), None), ((2, 3, 4), (1, 2)), ((4, 2, 3), (0, 2))])
def test_nuclear_norm_is_the_sum_of_the_singular_values_as_torch(device, torch, shape, dim):
    x = randn(*shape, seed=11)
    compare_with_torch(torch, lambda x: mg.norm(x, "nuc", dim), lambda x: torch.norm(x, "nuc", dim), [x],
                       device=device)
    check_grad(lambda x: mg.norm(x, "nuc", dim), x, device=device)


def test_norm_second_derivatives(device):
    for p in ("fro", 3, 1.5):
        mg.gradgradcheck(lambda x: mg.norm(x, p, 1), tensors(device, _nonzero(3, 4, seed=10)))


def test_norm_p0_counts_and_the_errors():
    x = mg.tensor([[0.0, 2.0, -1.0], [0.0, 0.0, 0.5]], requires_grad=True)
    y = mg.norm(x, 0, 1)
    assert y.tolist() == [2.0, 1.0]
    y.sum().backward()
    assert not x.grad.numpy().any()
    assert x.norm().shape == () and x.norm(keepdim=True).shape == (1, 1) and x.norm(2, 0, True).shape == (1, 3)
    with pytest.raises(TypeError, match="norm: expected a floating-point tensor"):
        mg.norm(mg.tensor([1, 2]))
    with pytest.raises(ValueError, match="norm: p='fro' takes at most two dims"):
        mg.norm(mg.ones(2, 2, 2), dim=(0, 1, 2))
    with pytest.raises(ValueError, match="p='spectral' is not supported; give 'fro', 'nuc' or a number"):
        mg.norm(mg.ones(2, 2), "spectral")
    with pytest.raises(ValueError, match=r"norm: p='nuc' needs two dims \(a matrix\), got dim=None for shape"):
        mg.norm(mg.ones(2, 2, 2), "nuc")
    assert mg.norm(mg.tensor([3, 4]), dtype=np.float64).item() == 5.0


# --------------------------------------------------------------------------- median
def test_median_values_indices_and_gradients_match_torch(device, torch):
    x = distinct(3, 5, 4, seed=11)              # odd and even counts along the dims, no ties
    for dim in (0, 1, 2, -1):
        ours, theirs = mg.median(mg.tensor(x), dim), torch.median(torch.tensor(x), dim)
        np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())
        np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())
        compare_with_torch(torch, lambda x: mg.median(x, dim, keepdim=True).values,
                           lambda x: torch.median(x, dim, keepdim=True).values, [x], device=device)
    compare_with_torch(torch, mg.median, torch.median, [x], device=device)
    check_grad(lambda x: mg.median(x, 1).values, x, device=device)


def test_median_is_the_lower_middle_ties_share_and_nan_wins(torch):
    assert mg.median(mg.tensor([4.0, 1.0, 3.0, 2.0])).item() == 2.0
    compare_with_torch(torch, mg.median, torch.median, [np.array([1.0, 2.0, 2.0, 3.0])])  # the two 2s share
    a = np.array([[3.0, np.nan, 1.0, np.nan], [2.0, 1.0, 3.0, 0.0]])
    ours, theirs = mg.median(mg.tensor(a), 1), torch.median(torch.tensor(a), 1)
    np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())
    np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())
    x = mg.tensor(a, requires_grad=True)
    y = mg.median(x)
    assert np.isnan(y.item()) and np.isnan(torch.median(torch.tensor(a)).item())
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0.0, 0.5, 0.0, 0.5], [0.0] * 4])   # the nans share it
    assert mg.median(mg.tensor(2.5), 0).values.item() == 2.5 and mg.tensor([1.0, 5.0, 2.0]).median().item() == 2.0
    with pytest.raises(ValueError, match="median"):
        mg.median(mg.zeros(0))


# --------------------------------------------------------------------------- all, any, count_nonzero
LOGICAL = np.array([[0.0, 1.0, np.nan], [0.0, 0.0, -2.0], [3.0, 0.5, 1.0]])


@pytest.mark.parametrize("name", ["all", "any"])
def test_all_any_match_torch(torch, name):
    for a in (LOGICAL, LOGICAL != 0, LOGICAL[:, :2].astype(np.int64), np.zeros((0, 3))):
        x, t = mg.tensor(a), torch.tensor(a)
        y = getattr(mg, name)(x)
        assert y.dtype == np.bool_ and y.shape == () and y.item() == getattr(torch, name)(t).item()
        for dim, keepdim in [(0, False), (1, True), (-1, False), ((0, 1), False)]:
            y = getattr(x, name)(dim, keepdim=keepdim)
            assert y.dtype == np.bool_ and not y.requires_grad
            np.testing.assert_array_equal(y.numpy(), getattr(torch, name)(t, dim, keepdim=keepdim).numpy())


def test_count_nonzero_matches_torch(torch):
    for dim in (None, 0, 1, (0, 1), -1):
        y, t = mg.count_nonzero(mg.tensor(LOGICAL), dim), torch.count_nonzero(torch.tensor(LOGICAL), dim)
        assert y.dtype == np.int64 and t.dtype == torch.int64
        np.testing.assert_array_equal(y.numpy(), t.numpy())
    assert mg.tensor([[True, False]]).count_nonzero(1).tolist() == [1]


# --------------------------------------------------------------------------- Tensor methods
def test_reduction_methods_are_the_functions():
    x = mg.tensor(_nonzero(3, 4, seed=12))
    same = [(x.prod(), mg.prod(x)), (x.prod(1, keepdim=True), mg.prod(x, 1, True)), (x.cumsum(1), mg.cumsum(x, 1)),
            (x.cumprod(0), mg.cumprod(x, 0)), (x.logsumexp(1), mg.logsumexp(x, 1)), (x.norm(), mg.norm(x)),
            (x.norm(1, 0), mg.norm(x, 1, 0)), (x.median(), mg.median(x)), (x.median(1).values, mg.median(x, 1)[0]),
            (x.all(), mg.all(x)), (x.any(0), mg.any(x, 0)), (x.count_nonzero(), mg.count_nonzero(x)),
            (x.cumsum(0, dtype=np.float32), mg.cumsum(x, 0, dtype=np.float32))]
    for ours, theirs in same:
        assert ours.dtype == theirs.dtype
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert mg.ops.norm is mg.norm and callable(mg.ops.norm)     # the function (the layers' file is normalization.py)
