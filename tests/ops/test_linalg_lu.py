"""minigan.linalg's LU family: lu_factor, lu_factor_ex, lu, lu_solve. Values, pivots (int32, 1-based) and
gradients against PyTorch on square, wide and tall batches; gradcheck in float64 on every device; singular
matrices (factored without complaint by lu and lu_factor_ex; inf/nan from lu_solve, as PyTorch's); errors."""
import numpy as np
import pytest

import minigan as mg
import minigan.linalg as LA

from helpers import check_grad, compare_with_torch, randn, tensors
from ops.test_linalg import conditioned

SHAPES = [(1, 1), (3, 3), (2, 4, 4), (5, 3), (3, 5), (2, 1, 4, 2), (2, 3, 5)]
SINGULAR = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 1.0, 1.0]])     # rank 2: U[3, 3] is 0


def _lu_parts(lib_linalg):
    """P L U back together, plus L and U weighted apart: a loss that reads every factor."""
    def f(x):
        P, L, U = lib_linalg.lu(x)
        return (P @ L @ U).sum() * L.sum() + U * U.sum()
    return f


# ----------------------------------------------------------------- lu_factor, lu
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_lu_factor_and_lu_match_torch(torch, shape):
    a = randn(*shape, seed=1)
    LU, pivots = LA.lu_factor(mg.tensor(a))
    t = torch.linalg.lu_factor(torch.tensor(a))
    assert pivots.dtype == np.int32 and pivots.shape == tuple(t.pivots.shape)
    np.testing.assert_array_equal(pivots.numpy(), t.pivots.numpy())
    np.testing.assert_allclose(LU.numpy(), t.LU.numpy(), rtol=1e-12, atol=1e-14)
    ours, theirs = LA.lu(mg.tensor(a)), torch.linalg.lu(torch.tensor(a))
    assert ours._fields == ("P", "L", "U")
    for got, want in zip(ours, theirs):
        assert got.shape == tuple(want.shape)
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose((ours.P @ ours.L @ ours.U).numpy(), a, atol=1e-12)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_lu_gradients_match_torch_and_gradcheck(torch, device, shape):
    a = randn(*shape, seed=2)
    compare_with_torch(torch, lambda x: LA.lu_factor(x).LU, lambda x: torch.linalg.lu_factor(x).LU, [a])
    compare_with_torch(torch, _lu_parts(LA), _lu_parts(torch.linalg), [a])
    check_grad(lambda x: LA.lu_factor(x).LU, a, device=device)
    check_grad(_lu_parts(LA), a, device=device)


def test_lu_gradgradcheck(device):
    for shape in [(2, 3, 3), (3, 4), (4, 2)]:
        mg.gradgradcheck(lambda x: LA.lu_factor(x).LU, tensors(device, randn(*shape, seed=3)))
    mg.gradgradcheck(_lu_parts(LA), tensors(device, randn(3, 3, seed=4)))


def test_p_has_no_gradient_and_pivots_no_graph():
    x = mg.tensor(randn(3, 3, seed=5), requires_grad=True)
    P, L, U = LA.lu(x)
    assert not P.requires_grad and L.requires_grad and U.requires_grad
    LU, pivots, info = LA.lu_factor_ex(x)
    assert LU.requires_grad and not pivots.requires_grad and not info.requires_grad


def test_singular_matrices_factor_as_torch(torch):
    batch = np.stack([SINGULAR, np.zeros((3, 3)), np.array([[0.0, 0, 0], [0, 1, 1], [0, 2, 3]])])
    ours, theirs = LA.lu_factor_ex(mg.tensor(batch)), torch.linalg.lu_factor_ex(torch.tensor(batch))
    assert ours.info.dtype == np.int32 and ours.info.tolist() == theirs.info.tolist() == [3, 1, 1]
    np.testing.assert_array_equal(ours.pivots.numpy(), theirs.pivots.numpy())
    np.testing.assert_allclose(ours.LU.numpy(), theirs.LU.numpy(), atol=1e-15)
    for got, want in zip(LA.lu(mg.tensor(batch)), torch.linalg.lu(torch.tensor(batch))):
        np.testing.assert_allclose(got.numpy(), want.numpy(), atol=1e-15)
    assert LA.lu_factor_ex(mg.tensor(randn(2, 3, 3, seed=6))).info.tolist() == [0, 0]


def test_lu_factor_of_a_singular_matrix_is_an_error_naming_the_zero():
    with pytest.raises(LA.LinAlgError, match=r"^linalg.lu_factor: U\[3,3\] is zero and using it on lu_solve would "
                                             r"result in a division by zero"):
        LA.lu_factor(mg.tensor(SINGULAR))
    with pytest.raises(LA.LinAlgError, match=r"linalg.lu_factor_ex: \(Batch element 1\): U\[1,1\] is zero"):
        LA.lu_factor_ex(mg.tensor(np.stack([np.eye(2), np.zeros((2, 2))])), check_errors=True)


def test_lu_factor_errors():
    with pytest.raises(ValueError, match=r"linalg.lu_factor: Expected tensor with 2 or more dimensions. Got size: "
                                         r"\[3\] instead"):
        LA.lu_factor(mg.tensor(np.ones(3)))
    with pytest.raises(NotImplementedError, match="linalg.lu: LU without pivoting is not implemented"):
        LA.lu(mg.tensor(np.eye(2)), pivot=False)
    with pytest.raises(NotImplementedError, match="linalg.lu_factor: LU without pivoting"):
        LA.lu_factor(mg.tensor(np.eye(2)), pivot=False)
    with pytest.raises(TypeError, match="linalg.lu_factor: Expected a floating point or complex tensor as input. "
                                        "Got int64"):
        LA.lu_factor(mg.tensor(np.eye(2, dtype=np.int64)))


def test_empty_and_float32():
    LU, pivots = LA.lu_factor(mg.tensor(np.zeros((2, 0, 3))))
    assert LU.shape == (2, 0, 3) and pivots.shape == (2, 0) and pivots.dtype == np.int32
    a = mg.tensor(randn(2, 3, 3, seed=7).astype(np.float32), requires_grad=True)
    P, L, U = LA.lu(a)
    assert P.dtype == L.dtype == U.dtype == np.float32
    (L.sum() + U.sum()).backward()
    assert a.grad.dtype == np.float32


# ----------------------------------------------------------------- lu_solve
def _solve_with(lib_linalg, left, adjoint):
    def f(a, b):
        LU, pivots = lib_linalg.lu_factor(a)
        return lib_linalg.lu_solve(LU, pivots, b, left=left, adjoint=adjoint)
    return f


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("adjoint", [False, True])
@pytest.mark.parametrize("a_shape,b_shape", [((3, 3), (3, 2)), ((2, 4, 4), (4, 1)), ((1, 1), (1, 3)),
                                             ((2, 3, 3), (5, 2, 3, 3))], ids=str)
def test_lu_solve_matches_torch(torch, device, left, adjoint, a_shape, b_shape):
    a = conditioned(*a_shape, seed=8)
    b = randn(*(b_shape if left else b_shape[:-2] + b_shape[-2:][::-1]), seed=9)
    compare_with_torch(torch, _solve_with(LA, left, adjoint), _solve_with(torch.linalg, left, adjoint), [a, b])
    check_grad(_solve_with(LA, left, adjoint), a, b, device=device)
    A = a.swapaxes(-1, -2) if adjoint else a
    want = np.linalg.solve(A, b) if left else np.swapaxes(np.linalg.solve(np.swapaxes(A, -1, -2),
                                                                          np.swapaxes(b, -1, -2)), -1, -2)
    np.testing.assert_allclose(_solve_with(LA, left, adjoint)(mg.tensor(a), mg.tensor(b)).numpy(), want, rtol=1e-10)


def test_lu_solve_gradient_in_lu_itself_matches_torch(torch, device):
    """LU as a leaf: the gradient of its lower triangle comes from the L solve, of the rest from the U solve."""
    LU, pivots = (t.numpy() for t in LA.lu_factor(mg.tensor(conditioned(2, 4, 4, seed=10))))
    b = randn(2, 4, 3, seed=11)
    compare_with_torch(torch, lambda lu, x: LA.lu_solve(lu, mg.tensor(pivots), x),
                       lambda lu, x: torch.linalg.lu_solve(lu, torch.tensor(pivots), x), [LU, b])
    compare_with_torch(torch, lambda lu, x: LA.lu_solve(lu, mg.tensor(pivots), x, adjoint=True),
                       lambda lu, x: torch.linalg.lu_solve(lu, torch.tensor(pivots), x, adjoint=True), [LU, b])
    mg.gradgradcheck(lambda lu, x: LA.lu_solve(lu, mg.tensor(pivots, device=device), x), tensors(device, LU, b))


def test_lu_solve_of_a_singular_factorization_gives_inf_and_nan_as_torch(torch):
    LU, pivots, _ = LA.lu_factor_ex(mg.tensor(SINGULAR))
    t_LU, t_pivots, _ = torch.linalg.lu_factor_ex(torch.tensor(SINGULAR))
    for adjoint in (False, True):
        ours = LA.lu_solve(LU, pivots, mg.tensor(np.ones((3, 2))), adjoint=adjoint).numpy()
        theirs = torch.linalg.lu_solve(t_LU, t_pivots, torch.ones(3, 2, dtype=torch.float64), adjoint=adjoint)
        assert not np.isfinite(ours).all()
        np.testing.assert_array_equal(ours, theirs.numpy())        # the same inf, -inf and nan, in the same places


def test_lu_solve_errors():
    LU, pivots = LA.lu_factor(mg.tensor(conditioned(3, 3, seed=12)))
    b = mg.tensor(np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"linalg.lu_solve: Incompatible shapes of A and B for the equation AX = B "
                                         r"\(3x3 and 2x3\)"):
        LA.lu_solve(LU, pivots, mg.tensor(np.ones((2, 3))))
    with pytest.raises(ValueError, match=r"equation XA = B \(3x3 and 3x2\)"):
        LA.lu_solve(LU, pivots, b, left=False)
    with pytest.raises(ValueError, match="linalg.lu_solve: The input tensor B must have at least 2 dimensions"):
        LA.lu_solve(LU, pivots, mg.tensor(np.ones(3)))
    with pytest.raises(TypeError, match="linalg.lu_solve: Expected LU and B to have the same dtype, but found LU of "
                                        "type float64 and B of type float32"):
        LA.lu_solve(LU, pivots, mg.tensor(np.ones((3, 2), dtype=np.float32)))
    with pytest.raises(TypeError, match="linalg.lu_solve: pivots should be a Tensor of scalar type int32, got int64"):
        LA.lu_solve(LU, mg.tensor(pivots.numpy().astype(np.int64)), b)
    with pytest.raises(ValueError, match="linalg.lu_solve: A must be batches of square matrices, but they are 3 by 4"):
        LA.lu_solve(mg.tensor(np.ones((3, 4))), pivots, b)
    with pytest.raises(ValueError, match="Number of pivots per batch should be same as the dimension of the matrix"):
        LA.lu_solve(LU, pivots[:2], b)
    with pytest.raises(ValueError, match=r"Expected LU.shape\[:-1\] and pivots.shape to be the same, but got pivots "
                                         r"with shape \[2, 3\]"):
        LA.lu_solve(LU, mg.tensor(np.ones((2, 3), dtype=np.int32)), b)
    with pytest.raises(ValueError, match="Pivots given to lu_solve must all be smaller or equal to LU.size"):
        LA.lu_solve(LU, mg.tensor(np.array([5, 1, 1], dtype=np.int32)), b)
    with pytest.raises(ValueError, match="Pivots given to lu_solve must all be greater or equal to 1"):
        LA.lu_solve(LU, mg.tensor(np.array([0, 1, 1], dtype=np.int32)), b)
