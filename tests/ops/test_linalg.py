"""minigan.linalg, part 1: det, slogdet, logdet, inv, solve, solve_triangular, matrix_power, cross, multi_dot,
vecdot and the norms. Values and gradients against PyTorch on well-conditioned matrices built from fixed seeds
(``U diag(s) Vᵀ``, singular values kept apart), gradcheck and gradgradcheck on every device, batches, 1x1 and
odd sizes, float32 kept, and errors that name the function. The decompositions are in test_decompositions.py."""
import warnings

import numpy as np
import pytest

import minigan as mg
import minigan.linalg as LA

from helpers import check_grad, compare_with_torch, randn, tensors


def conditioned(*shape, seed=0, lo=1.0, hi=3.0):
    """Matrices ``U diag(s) Vᵀ`` (U, V orthogonal) whose singular values lie in [lo, hi], one apart from the next
    by at least ``0.4 (hi - lo) / n``: well-conditioned, and no two singular values close."""
    rng = np.random.default_rng(seed)
    *batch, m, n = shape
    k = min(m, n)
    U = np.linalg.qr(rng.standard_normal((*batch, m, m)))[0][..., :k]
    V = np.linalg.qr(rng.standard_normal((*batch, n, n)))[0][..., :k]
    s = lo + (hi - lo) * (np.arange(k) + rng.uniform(0.2, 0.8, (*batch, k))) / k
    return (U * s[..., None, :]) @ np.swapaxes(V, -1, -2)


SHAPES = [(1, 1), (3, 3), (5, 5), (2, 4, 4), (2, 1, 3, 3)]


# ----------------------------------------------------------------- det, slogdet, logdet
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_det_slogdet_logdet_match_torch(torch, shape):
    a = conditioned(*shape, seed=1) * np.where(np.arange(shape[-1]) == 0, -1.0, 1.0)   # negative dets too
    compare_with_torch(torch, LA.det, torch.linalg.det, [a])
    compare_with_torch(torch, lambda x: LA.slogdet(x).logabsdet, lambda x: torch.linalg.slogdet(x).logabsdet, [a])
    np.testing.assert_array_equal(LA.slogdet(mg.tensor(a)).sign.numpy(), torch.linalg.slogdet(torch.tensor(a)).sign)
    b = a @ np.swapaxes(a, -1, -2)                                                    # positive det: a real log
    compare_with_torch(torch, mg.logdet, torch.logdet, [b])


def test_slogdet_and_logdet_of_singular_and_negative_matrices_as_torch(torch):
    for a in (np.zeros((3, 3)), np.diag([1.0, -2.0, 3.0])):
        sign, logabs = LA.slogdet(mg.tensor(a))
        t_sign, t_logabs = torch.linalg.slogdet(torch.tensor(a))
        assert sign.item() == t_sign.item() and logabs.item() == t_logabs.item()
        np.testing.assert_array_equal(mg.logdet(mg.tensor(a)).numpy(), torch.logdet(torch.tensor(a)).numpy())
    assert np.isnan(mg.logdet(mg.tensor(np.diag([1.0, -2.0]))).item())
    assert LA.slogdet(mg.tensor(np.eye(2), requires_grad=True)).sign.requires_grad is False


def test_det_gradient_of_a_singular_matrix_is_the_cofactor_matrix(device):
    # det is a polynomial: its gradient at a singular matrix is still the cofactor matrix, here [[4, -2], [-2, 1]]
    x = tensors(device, np.array([[1.0, 2.0], [2.0, 4.0]]))[0]
    LA.det(x).backward()
    np.testing.assert_allclose(x.grad.numpy(), [[4.0, -2.0], [-2.0, 1.0]], atol=1e-12)
    rank_two = np.array([[[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.5, 1.0, 5.0]], [[2.0, 0.0, 0.0], [0.0, 1.0, 0.0],
                                                                              [0.0, 0.0, 0.0]]])
    check_grad(LA.det, rank_two, device=device)


@pytest.mark.parametrize("shape", [(1, 1), (3, 3), (2, 4, 4)], ids=str)
def test_det_slogdet_inv_gradcheck_and_gradgradcheck(device, shape):
    a = conditioned(*shape, seed=2)
    for fn in (LA.det, lambda x: LA.slogdet(x).logabsdet, LA.inv, mg.logdet):
        arr = a @ np.swapaxes(a, -1, -2) if fn is mg.logdet else a
        check_grad(fn, arr, device=device)
        mg.gradgradcheck(fn, tensors(device, arr))


# ----------------------------------------------------------------- inv
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_inv_matches_torch(torch, shape):
    a = conditioned(*shape, seed=3)
    compare_with_torch(torch, LA.inv, torch.linalg.inv, [a])
    compare_with_torch(torch, mg.inverse, torch.inverse, [a])
    compare_with_torch(torch, lambda x: x.inverse(), lambda x: x.inverse(), [a])


def test_inv_backward_is_minus_inverse_transpose_sandwich():
    a, g = conditioned(3, 3, seed=4), randn(3, 3, seed=5)
    x = mg.tensor(a, requires_grad=True)
    LA.inv(x).backward(mg.tensor(g))
    ai = np.linalg.inv(a)
    np.testing.assert_allclose(x.grad.numpy(), -ai.T @ g @ ai.T, rtol=1e-12, atol=1e-12)


# ----------------------------------------------------------------- solve, solve_triangular
SOLVE_CASES = [((3, 3), (3, 2), True), ((3, 3), (3,), True), ((2, 4, 4), (2, 4), True),
               ((2, 1, 3, 3), (4, 3, 2), True), ((2, 3, 3), (3,), True), ((1, 1), (1, 5), True),
               ((3, 3), (2, 3), False), ((2, 3, 3), (4, 3), False)]


@pytest.mark.parametrize("a_shape,b_shape,left", SOLVE_CASES, ids=str)
def test_solve_matches_torch(torch, a_shape, b_shape, left):
    a, b = conditioned(*a_shape, seed=6), randn(*b_shape, seed=7)
    compare_with_torch(torch, lambda x, y: LA.solve(x, y, left=left),
                       lambda x, y: torch.linalg.solve(x, y, left=left), [a, b])


def test_solve_gradcheck_and_gradgradcheck(device):
    a, b = conditioned(2, 3, 3, seed=8), randn(3, 2, seed=9)
    check_grad(LA.solve, a, b, device=device)
    mg.gradgradcheck(LA.solve, tensors(device, a, b))
    check_grad(lambda x, y: LA.solve(x, y, left=False), a, randn(2, 4, 3, seed=10), device=device)
    mg.gradgradcheck(lambda x, y: LA.solve(x, y), tensors(device, a[0], randn(3, seed=11)))


@pytest.mark.parametrize("upper,left,unit", [(True, True, False), (False, True, True), (False, False, False),
                                             (True, False, True)], ids=str)
def test_solve_triangular_matches_torch(torch, device, upper, left, unit):
    a = conditioned(2, 4, 4, seed=12) + 3 * np.eye(4)
    b = randn(2, 4, 3, seed=13) if left else randn(2, 3, 4, seed=13)
    kw = dict(upper=upper, left=left, unitriangular=unit)
    compare_with_torch(torch, lambda x, y: LA.solve_triangular(x, y, **kw),
                       lambda x, y: torch.linalg.solve_triangular(x, y, **kw), [a, b])
    check_grad(lambda x, y: LA.solve_triangular(x, y, **kw), a, b, device=device)


# ----------------------------------------------------------------- matrix_power, cross, multi_dot, vecdot, diagonal
@pytest.mark.parametrize("n", [0, 1, 2, 3, 6, -1, -3])
def test_matrix_power_matches_torch(torch, device, n):
    a = conditioned(2, 3, 3, seed=14)
    compare_with_torch(torch, lambda x: LA.matrix_power(x, n), lambda x: torch.linalg.matrix_power(x, n), [a])
    compare_with_torch(torch, lambda x: x.matrix_power(n), lambda x: x.matrix_power(n), [a[0]])
    check_grad(lambda x: mg.matrix_power(x, n) * 1.0, a, device=device)


def test_matrix_power_of_integers_and_of_zero_as_torch(torch):
    a = np.array([[1, 2], [3, 4]])
    assert LA.matrix_power(mg.tensor(a), 3).tolist() == torch.linalg.matrix_power(torch.tensor(a), 3).tolist()
    assert LA.matrix_power(mg.tensor(a), 0).dtype == np.int64
    x = mg.tensor(np.array([[2.0, np.inf], [0.0, 1.0]]), requires_grad=True)
    identity = LA.matrix_power(x, 0)
    assert identity.tolist() == [[1.0, 0.0], [0.0, 1.0]]
    identity.sum().backward()
    assert x.grad.tolist() == [[0.0, 0.0], [0.0, 0.0]]


@pytest.mark.parametrize("a_shape,b_shape,dim", [((3,), (3,), -1), ((2, 1, 3), (1, 4, 3), -1),
                                                 ((3, 2), (3, 2), 0), ((2, 3, 1), (2, 3, 5), 1)], ids=str)
def test_cross_matches_torch(torch, device, a_shape, b_shape, dim):
    a, b = randn(*a_shape, seed=15), randn(*b_shape, seed=16)
    compare_with_torch(torch, lambda x, y: LA.cross(x, y, dim=dim), lambda x, y: torch.linalg.cross(x, y, dim=dim),
                       [a, b])
    compare_with_torch(torch, lambda x, y: x.cross(y, dim), lambda x, y: x.cross(y, dim), [a, b])
    check_grad(lambda x, y: LA.cross(x, y, dim=dim), a, b, device=device)


def test_cross_of_integers_and_without_dim_as_torch(torch):
    a, b = np.array([[1, 2, 3], [0, 1, 0]]), np.array([[4, 5, 6], [0, 0, 1]])
    assert LA.cross(mg.tensor(a), mg.tensor(b)).tolist() == torch.linalg.cross(torch.tensor(a),
                                                                               torch.tensor(b)).tolist()
    c, d = randn(3, 3, seed=17), randn(3, 3, seed=18)
    with pytest.warns(UserWarning, match="without dim is deprecated"):
        ours = mg.cross(mg.tensor(c), mg.tensor(d))                  # the first dim of size 3: dim 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_allclose(ours.numpy(), torch.cross(torch.tensor(c), torch.tensor(d)).numpy())


@pytest.mark.parametrize("shapes", [[(3,), (3, 5), (5, 2), (2,)], [(4, 3), (3, 2)], [(3,), (3,)],
                                    [(10, 1), (1, 6), (6, 3), (3, 1)]], ids=str)
def test_multi_dot_matches_torch(torch, shapes):
    arrays = [randn(*s, seed=19 + i) for i, s in enumerate(shapes)]
    compare_with_torch(torch, lambda *xs: LA.multi_dot(xs), lambda *xs: torch.linalg.multi_dot(xs), arrays)


def test_vecdot_and_diagonal_match_torch(torch):
    compare_with_torch(torch, LA.vecdot, torch.linalg.vecdot, [randn(2, 3, seed=23), randn(3, seed=24)])
    compare_with_torch(torch, lambda x, y: LA.vecdot(x, y, dim=0), lambda x, y: torch.linalg.vecdot(x, y, dim=0),
                       [randn(4, 2, seed=25), randn(4, 1, seed=26)])
    compare_with_torch(torch, lambda x: LA.diagonal(x, offset=1), lambda x: torch.linalg.diagonal(x, offset=1),
                       [randn(2, 3, 4, seed=27)])


# ----------------------------------------------------------------- norms
@pytest.mark.parametrize("ord", [2, 1, 3, 0.5, float("inf"), -float("inf"), 0])
@pytest.mark.parametrize("dim,keepdim", [(None, False), (-1, False), ((0, 2), True), (1, True)], ids=str)
def test_vector_norm_matches_torch(torch, ord, dim, keepdim):
    a = randn(2, 3, 4, seed=28)
    compare_with_torch(torch, lambda x: LA.vector_norm(x, ord, dim, keepdim),
                       lambda x: torch.linalg.vector_norm(x, ord, dim, keepdim), [a])


@pytest.mark.parametrize("ord", ["fro", "nuc", 2, -2, 1, -1, float("inf"), -float("inf")])
@pytest.mark.parametrize("dim,keepdim", [((-2, -1), False), ((2, 0), True), ((0, 1), False)], ids=str)
def test_matrix_norm_matches_torch(torch, ord, dim, keepdim):
    a = randn(3, 4, 5, seed=29)
    compare_with_torch(torch, lambda x: LA.matrix_norm(x, ord, dim, keepdim),
                       lambda x: torch.linalg.matrix_norm(x, ord, dim, keepdim), [a])


@pytest.mark.parametrize("shape,ord,dim", [((2, 3, 4), None, None), ((4,), 3, None), ((3, 4), "nuc", None),
                                           ((3, 4), -1, None), ((2, 3, 4), 1, 2), ((2, 3, 4), None, (0, 2)),
                                           ((2, 3, 4), 2, (2, 1)), ((5,), None, None)], ids=str)
def test_norm_dispatches_as_torch(torch, shape, ord, dim):
    compare_with_torch(torch, lambda x: LA.norm(x, ord, dim), lambda x: torch.linalg.norm(x, ord, dim),
                       [randn(*shape, seed=30)])


def test_norms_gradcheck(device):
    a = randn(3, 2, 4, seed=31)
    for o in ("fro", "nuc", 2, -2, 1, float("inf")):
        check_grad(lambda x: LA.matrix_norm(x, o, (0, 2)), a, device=device)
    check_grad(lambda x: LA.vector_norm(x, 3, (0, -1), keepdim=True), a, device=device)
    mg.gradgradcheck(lambda x: LA.matrix_norm(x, "nuc"), tensors(device, a))


# ----------------------------------------------------------------- dtypes, the namespace, Tensor methods
def test_float32_stays_float32():
    a = mg.tensor(conditioned(2, 3, 3, seed=32).astype(np.float32), requires_grad=True)
    outs = [LA.det(a), LA.slogdet(a).logabsdet, LA.slogdet(a).sign, LA.inv(a), LA.solve(a, a[..., 0]),
            LA.matrix_power(a, -2), LA.cross(a, a), LA.matrix_norm(a, "nuc"), LA.vector_norm(a), LA.norm(a, dim=1),
            mg.logdet(a @ a.mT), LA.multi_dot([a[0], a[1]])]
    assert all(o.dtype == np.float32 for o in outs)
    sum(o.sum() for o in outs).backward()
    assert a.grad.dtype == np.float32
    assert LA.vector_norm(a, dtype=mg.float64).dtype == np.float64


def test_namespace_top_level_aliases_and_tensor_methods(torch):
    import minigan.linalg
    assert mg.linalg is minigan.linalg and mg.linalg.inv is LA.inv
    a = conditioned(3, 3, seed=33)
    for name in ("det", "logdet", "inverse", "pinverse"):
        arr = a @ a.T if name == "logdet" else a
        compare_with_torch(torch, getattr(mg, name), getattr(torch, name), [arr])
        compare_with_torch(torch, lambda x: getattr(x, name)(), lambda x: getattr(x, name)(), [arr])
    assert mg.slogdet(mg.tensor(a))._fields == ("sign", "logabsdet")
    np.testing.assert_allclose(mg.tensor(a).slogdet().logabsdet.item(), torch.tensor(a).slogdet().logabsdet.item())


# ----------------------------------------------------------------- errors
@pytest.mark.parametrize("fn,op", [(LA.det, "linalg.det"), (LA.inv, "linalg.inv"), (LA.slogdet, "linalg.slogdet"),
                                   (lambda x: LA.matrix_power(x, 2), "linalg.matrix_power")])
def test_non_square_and_vector_input_are_refused(fn, op):
    with pytest.raises(ValueError, match=f"{op}: A must be batches of square matrices, but they are 3 by 4"):
        fn(mg.tensor(np.ones((2, 3, 4))))
    with pytest.raises(ValueError, match=f"{op}: The input tensor A must have at least 2 dimensions"):
        fn(mg.tensor(np.ones(3)))


def test_integer_and_half_input_are_refused():
    with pytest.raises(TypeError, match="linalg.det: Expected a floating point or complex tensor as input. Got int64"):
        LA.det(mg.tensor(np.eye(3, dtype=np.int64)))
    with pytest.raises(TypeError, match="linalg.inv: Low precision dtypes not supported. Got float16"):
        LA.inv(mg.tensor(np.eye(3, dtype=np.float16)))
    with pytest.raises(TypeError, match="linalg.vector_norm: Expected a floating point"):
        LA.vector_norm(mg.tensor(np.ones(3, dtype=np.int64)))
    with pytest.raises(TypeError, match="linalg.inv: Expected a floating point"):     # inv of an integer matrix
        LA.matrix_power(mg.tensor(np.eye(2, dtype=np.int64)), -1)


def test_singular_matrices_name_the_function_and_the_batch_element():
    singular = np.stack([np.eye(3), np.zeros((3, 3))])
    with pytest.raises(LA.LinAlgError, match=r"linalg.inv: \(Batch element 1\): .* singular"):
        LA.inv(mg.tensor(singular))
    with pytest.raises(LA.LinAlgError, match=r"^linalg.inv: The inversion could not be completed .* singular"):
        LA.inv(mg.tensor(singular[1]))
    with pytest.raises(LA.LinAlgError, match=r"linalg.solve: \(Batch element 1\): The solver failed .* singular"):
        LA.solve(mg.tensor(singular), mg.tensor(np.ones(3)))
    with pytest.raises(ValueError, match="linalg.inv"):                         # LinAlgError is a ValueError
        LA.matrix_power(mg.tensor(singular[1]), -2)
    assert np.isnan(LA.inv(mg.tensor(np.full((2, 2), np.nan))).numpy()).all()  # nan in, nan out, as torch


def test_solve_shape_and_dtype_errors():
    eye = mg.tensor(np.eye(3))
    with pytest.raises(ValueError, match=r"linalg.solve: Incompatible shapes of A and B for the equation AX = B "
                                         r"\(3x3 and 4x1\)"):
        LA.solve(eye, mg.tensor(np.ones(4)))
    with pytest.raises(ValueError, match=r"equation XA = B \(3x3 and 3x1\)"):       # a vector is a column
        LA.solve(eye, mg.tensor(np.ones(3)), left=False)
    with pytest.raises(TypeError, match="linalg.solve: Expected A and B to have the same dtype"):
        LA.solve(eye, mg.tensor(np.ones(3, dtype=np.float32)))


def test_other_argument_errors():
    with pytest.raises(ValueError, match="linalg.cross: inputs dimension -1 must have length 3. Got 4 and 4"):
        LA.cross(mg.tensor(np.ones(4)), mg.tensor(np.ones(4)))
    with pytest.raises(ValueError, match="linalg.cross: inputs must have the same number of dimensions"):
        LA.cross(mg.tensor(np.ones((2, 3))), mg.tensor(np.ones(3)))
    with pytest.raises(ValueError, match="cross: no dimension of size 3"):
        mg.cross(mg.tensor(np.ones(4)), mg.tensor(np.ones(4)))
    with pytest.raises(TypeError, match="linalg.matrix_power: argument 'n' must be int, not float"):
        LA.matrix_power(mg.tensor(np.eye(2)), 2.0)
    with pytest.raises(ValueError, match="linalg.matrix_norm: Order 3 not supported"):
        LA.matrix_norm(mg.tensor(np.eye(3)), 3)
    with pytest.raises(ValueError, match=r"linalg.matrix_norm: dims must be different. Got \(0, 0\)"):
        LA.matrix_norm(mg.tensor(np.eye(3)), dim=(0, 0))
    with pytest.raises(ValueError, match="linalg.norm: If dim is not specified but ord is, the input must be 1D or "
                                         "2D. Got 3D"):
        LA.norm(mg.tensor(np.ones((2, 2, 2))), 2)
    with pytest.raises(ValueError, match=r"linalg.norm: If dim is specified, it must be of length 1 or 2. Got "
                                         r"\[0, 1, 2\]"):
        LA.norm(mg.tensor(np.ones((2, 2, 2))), dim=(0, 1, 2))
    with pytest.raises(TypeError, match="linalg.vector_norm: argument 'ord' must be a number, not str"):
        LA.vector_norm(mg.tensor(np.ones(3)), "fro")
    with pytest.raises(ValueError, match="multi_dot\\(\\): expected at least 2 tensors but got 1"):
        LA.multi_dot([mg.tensor(np.ones(3))])
    with pytest.raises(ValueError, match="multi_dot\\(\\): tensor 1 must be 2D but got 3D"):
        LA.multi_dot([mg.tensor(np.ones((2, 2)))] + [mg.tensor(np.ones((2, 2, 2)))] + [mg.tensor(np.ones((2, 2)))])
