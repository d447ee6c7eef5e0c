"""minigan.linalg.lstsq (every driver's outputs, as torch's on the CPU) and the *_ex variants inv_ex, solve_ex,
cholesky_ex (their info codes, and no error unless check_errors). Values and gradients against PyTorch;
gradcheck in float64 on every device."""
import numpy as np
import pytest

import minigan as mg
import minigan.linalg as LA

from helpers import check_grad, compare_with_torch, randn, tensors
from ops.test_linalg import conditioned

DRIVERS = [None, "gels", "gelsy", "gelsd", "gelss"]


# ----------------------------------------------------------------- lstsq
@pytest.mark.parametrize("driver", DRIVERS)
@pytest.mark.parametrize("a_shape,b_shape", [((5, 3), (5, 2)), ((3, 5), (3, 2)), ((2, 3, 3), (2, 3, 1)),
                                             ((2, 6, 2), (2, 6)), ((6, 2), (6,)),
                                             ((1, 4, 2), (3, 4, 2)), ((3, 4, 2), (1, 4, 2))], ids=str)
def test_lstsq_outputs_match_torch(torch, driver, a_shape, b_shape):
    a, b = conditioned(*a_shape, seed=1), randn(*b_shape, seed=2)
    ours = LA.lstsq(mg.tensor(a), mg.tensor(b), driver=driver)
    theirs = torch.linalg.lstsq(torch.tensor(a), torch.tensor(b), driver=driver)
    assert ours._fields == ("solution", "residuals", "rank", "singular_values")
    for name, got, want in zip(ours._fields, ours, theirs):
        assert got.shape == tuple(want.shape) and str(got.dtype) == str(want.dtype).replace("torch.", ""), name
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-10, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("driver", DRIVERS)
@pytest.mark.parametrize("a_shape,b_shape", [((5, 3), (5, 2)), ((3, 5), (3, 2)), ((2, 4, 4), (2, 4, 3))], ids=str)
def test_lstsq_gradients_match_torch_and_gradcheck(torch, device, driver, a_shape, b_shape):
    a, b = conditioned(*a_shape, seed=3), randn(*b_shape, seed=4)
    compare_with_torch(torch, lambda x, y: LA.lstsq(x, y, driver=driver).solution,
                       lambda x, y: torch.linalg.lstsq(x, y, driver=driver).solution, [a, b])
    check_grad(lambda x, y: LA.lstsq(x, y, driver=driver).solution, a, b, device=device)
    if a_shape[-2] > a_shape[-1] and driver in ("gels", "gelsd"):
        compare_with_torch(torch, lambda x, y: LA.lstsq(x, y, driver=driver).residuals,
                           lambda x, y: torch.linalg.lstsq(x, y, driver=driver).residuals, [a, b])
        check_grad(lambda x, y: LA.lstsq(x, y, driver=driver).residuals, a, b, device=device)


def test_lstsq_gradgradcheck_and_least_squares_property(device):
    a, b = conditioned(5, 3, seed=5), randn(5, 2, seed=6)
    mg.gradgradcheck(lambda x, y: LA.lstsq(x, y).solution, tensors(device, a, b))
    X = LA.lstsq(mg.tensor(a), mg.tensor(b)).solution.numpy()
    np.testing.assert_allclose(a.T @ (a @ X - b), 0, atol=1e-12)    # the normal equations hold


def test_lstsq_rank_deficient_as_torch(torch):
    a = randn(2, 5, 3, seed=7)
    a[0, :, 2] = a[0, :, 1]                                         # the first matrix has rank 2
    b = randn(2, 5, 2, seed=8)
    for driver in ("gelsy", "gelsd", "gelss"):
        ours = LA.lstsq(mg.tensor(a), mg.tensor(b), driver=driver)
        theirs = torch.linalg.lstsq(torch.tensor(a), torch.tensor(b), driver=driver)
        assert ours.rank.tolist() == theirs.rank.tolist() == [2, 3]
        assert ours.residuals.shape == tuple(theirs.residuals.shape) == (0,)    # not every matrix has full rank
        np.testing.assert_allclose(ours.solution.numpy(), theirs.solution.numpy(), rtol=1e-8, atol=1e-10)
    for rcond in (0.5, 1e-3):
        assert LA.lstsq(mg.tensor(a), mg.tensor(b), rcond=rcond, driver="gelsd").rank.tolist() == \
            torch.linalg.lstsq(torch.tensor(a), torch.tensor(b), rcond=rcond, driver="gelsd").rank.tolist()


def test_lstsq_float32_and_errors():
    a = mg.tensor(randn(4, 2, seed=9).astype(np.float32), requires_grad=True)
    X = LA.lstsq(a, mg.tensor(randn(4, 1, seed=10).astype(np.float32))).solution
    X.sum().backward()
    assert X.dtype == np.float32 and a.grad.dtype == np.float32
    a, b = mg.tensor(randn(5, 3, seed=11)), mg.tensor(randn(5, 2, seed=12))
    with pytest.raises(ValueError, match="linalg.lstsq: input.size.-2. should match other.size.-2."):
        LA.lstsq(a, mg.tensor(randn(4, 2, seed=13)))
    with pytest.raises(TypeError, match="linalg.lstsq: Expected input and other to have the same dtype, but got "
                                        "input's dtype float64 and other's dtype float32"):
        LA.lstsq(a, mg.tensor(randn(5, 2, seed=14).astype(np.float32)))
    with pytest.raises(ValueError, match=r"linalg.lstsq: parameter `driver` should be one of \(gels, gelsy, gelsd, "
                                         r"gelss\)"):
        LA.lstsq(a, b, driver="svd")
    with pytest.raises(ValueError, match="linalg.lstsq: input must have at least 2 dimensions"):
        LA.lstsq(mg.tensor(np.ones(3)), mg.tensor(np.ones(3)))
    with pytest.raises(ValueError, match=r"linalg.lstsq: input.dim\(\) must be greater or equal to other.dim\(\)"):
        LA.lstsq(a, mg.tensor(randn(4, 5, 2, seed=15)))
    with pytest.raises(TypeError, match="linalg.lstsq: Expected a floating point or complex tensor as input. Got "
                                        "int64"):
        LA.lstsq(mg.tensor(np.ones((3, 2), dtype=np.int64)), mg.tensor(np.ones((3, 1), dtype=np.int64)))


# ----------------------------------------------------------------- inv_ex, solve_ex, cholesky_ex
def test_inv_ex_and_solve_ex_match_torch(torch, device):
    a = conditioned(2, 3, 3, seed=16)
    compare_with_torch(torch, lambda x: LA.inv_ex(x).inverse, lambda x: torch.linalg.inv_ex(x).inverse, [a])
    for b, left in ((randn(3, 2, seed=17), True), (randn(4, 3, seed=18), False), (randn(2, 3, seed=19), True)):
        compare_with_torch(torch, lambda x, y: LA.solve_ex(x, y, left=left).result,
                           lambda x, y: torch.linalg.solve_ex(x, y, left=left).result, [a, b])
    check_grad(lambda x: LA.inv_ex(x).inverse, a, device=device)
    check_grad(lambda x, y: LA.solve_ex(x, y).result, a, randn(3, 2, seed=20), device=device)
    mg.gradgradcheck(lambda x: LA.inv_ex(x).inverse, tensors(device, a[0]))
    ours = LA.solve_ex(mg.tensor(a), mg.tensor(randn(3, seed=21)))
    assert ours.result.shape == (2, 3) and ours.info.dtype == np.int32 and ours.info.tolist() == [0, 0]


def test_inv_ex_and_solve_ex_of_singular_matrices_as_torch(torch):
    batch = np.stack([np.eye(3), np.zeros((3, 3)), [[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 1.0, 1.0]]])
    ours, theirs = LA.inv_ex(mg.tensor(batch)), torch.linalg.inv_ex(torch.tensor(batch))
    assert ours.info.tolist() == theirs.info.tolist() == [0, 1, 3]
    np.testing.assert_array_equal(ours.inverse.numpy()[0], np.eye(3))
    assert not np.isfinite(ours.inverse.numpy()[1:]).all()
    b = np.ones((3, 1))
    ours = LA.solve_ex(mg.tensor(batch), mg.tensor(b))
    theirs = torch.linalg.solve_ex(torch.tensor(batch), torch.tensor(b))
    assert ours.info.tolist() == theirs.info.tolist()
    np.testing.assert_array_equal(ours.result.numpy(), theirs.result.numpy())     # the same inf/nan pattern
    with pytest.raises(LA.LinAlgError, match=r"linalg.inv_ex: \(Batch element 1\): The diagonal element 1 is zero, "
                                             "the inversion could not be completed"):
        LA.inv_ex(mg.tensor(batch), check_errors=True)
    with pytest.raises(LA.LinAlgError, match="linalg.solve_ex: .*The solver failed because the input matrix is "
                                             "singular"):
        LA.solve_ex(mg.tensor(batch), mg.tensor(b), check_errors=True)


def test_cholesky_ex_info_and_values_as_torch(torch, device):
    good = conditioned(3, 3, seed=22)
    good = good @ good.T
    batch = np.stack([good, np.diag([1.0, 1.0, -1.0]), np.diag([1.0, -1.0, 1.0])])
    ours, theirs = LA.cholesky_ex(mg.tensor(batch)), torch.linalg.cholesky_ex(torch.tensor(batch))
    assert ours.info.dtype == np.int32 and ours.info.tolist() == theirs.info.tolist() == [0, 3, 2]
    np.testing.assert_allclose(ours.L.numpy()[0], theirs.L.numpy()[0], rtol=1e-12)
    assert np.isnan(ours.L.numpy()[1:]).all()          # a failed matrix's factor: nan (see linalg_ex's docstring)
    compare_with_torch(torch, lambda x: LA.cholesky_ex(x, upper=True).L,
                       lambda x: torch.linalg.cholesky_ex(x, upper=True).L, [good])
    check_grad(lambda x: LA.cholesky_ex((x + x.mT) / 2).L, good, device=device)
    with pytest.raises(LA.LinAlgError, match=r"linalg.cholesky_ex: \(Batch element 1\): .*the leading minor of order "
                                             "3 is not positive-definite"):
        LA.cholesky_ex(mg.tensor(batch), check_errors=True)
    with pytest.raises(ValueError, match="linalg.cholesky_ex: A must be batches of square matrices"):
        LA.cholesky_ex(mg.tensor(np.ones((2, 3))))
