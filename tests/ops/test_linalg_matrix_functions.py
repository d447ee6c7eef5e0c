"""minigan.linalg's matrix functions: matrix_exp, householder_product, vander. Values and gradients against
PyTorch, gradcheck and gradgradcheck in float64 on every device, dtypes, errors; and the orthogonal
parametrization, which is built on the first two."""
import numpy as np
import pytest

import minigan as mg
import minigan.linalg as LA

from helpers import check_grad, compare_with_torch, randn, tensors


# ----------------------------------------------------------------- matrix_exp
@pytest.mark.parametrize("shape,scale", [((1, 1), 1.0), ((3, 3), 0.1), ((3, 3), 3.0), ((2, 4, 4), 1.0),
                                         ((2, 1, 5, 5), 6.0)], ids=str)
def test_matrix_exp_matches_torch(torch, device, shape, scale):
    a = randn(*shape, seed=1, scale=scale)
    compare_with_torch(torch, LA.matrix_exp, torch.linalg.matrix_exp, [a], atol=1e-10, rtol=1e-10)
    check_grad(LA.matrix_exp, a, device=device)


def test_matrix_exp_of_known_matrices():
    t = 0.7
    rotation = LA.matrix_exp(mg.tensor(np.array([[0.0, -t], [t, 0.0]]))).numpy()     # exp of skew = a rotation
    np.testing.assert_allclose(rotation, [[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]], rtol=1e-14)
    nilpotent = LA.matrix_exp(mg.tensor(np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]]))).numpy()
    np.testing.assert_allclose(nilpotent, [[1.0, 1.0, 0.5], [0.0, 1.0, 1.0], [0.0, 0.0, 1.0]], rtol=1e-15)
    diag = np.diag([-30.0, 0.0, 2.5])                   # very different scales in one batch, and the zero matrix
    out = LA.matrix_exp(mg.tensor(np.stack([diag, np.zeros((3, 3))]))).numpy()
    np.testing.assert_allclose(out[0], np.diag(np.exp([-30.0, 0.0, 2.5])), rtol=1e-13, atol=1e-300)
    np.testing.assert_array_equal(out[1], np.eye(3))


def test_matrix_exp_gradgradcheck_and_nonfinite_input(device):
    mg.gradgradcheck(LA.matrix_exp, tensors(device, randn(2, 3, 3, seed=2)))
    out = LA.matrix_exp(mg.tensor(np.stack([[[np.inf, 0.0], [0.0, 1.0]], np.eye(2)]))).numpy()
    assert np.isnan(out[0]).all() and np.isfinite(out[1]).all()      # as torch: nan for the matrix with inf


def test_matrix_exp_dtypes_and_errors():
    a = mg.tensor(randn(3, 3, seed=3).astype(np.float32), requires_grad=True)
    y = LA.matrix_exp(a)
    y.sum().backward()
    assert y.dtype == np.float32 and a.grad.dtype == np.float32
    assert LA.matrix_exp(mg.tensor(np.zeros((0, 0)))).shape == (0, 0)
    with pytest.raises(ValueError, match="linalg.matrix_exp: A must be batches of square matrices, but they are 2 "
                                         "by 3"):
        LA.matrix_exp(mg.tensor(np.ones((2, 3))))
    with pytest.raises(ValueError, match="linalg.matrix_exp: The input tensor A must have at least 2 dimensions"):
        LA.matrix_exp(mg.tensor(np.ones(3)))
    with pytest.raises(TypeError, match="linalg.matrix_exp: Expected a floating point or complex tensor as input. "
                                        "Got int64"):
        LA.matrix_exp(mg.tensor(np.eye(2, dtype=np.int64)))


# ----------------------------------------------------------------- householder_product
@pytest.mark.parametrize("m,n,k", [(4, 3, 2), (4, 3, 3), (5, 5, 5), (3, 3, 0), (6, 1, 1), (1, 1, 1)], ids=str)
def test_householder_product_matches_torch(torch, device, m, n, k):
    a, tau = randn(2, m, n, seed=4), randn(2, k, seed=5)
    compare_with_torch(torch, LA.householder_product, torch.linalg.householder_product, [a, tau])
    check_grad(LA.householder_product, a, tau, device=device)


def test_householder_product_rebuilds_q_from_geqrf_and_gradgradcheck(torch, device):
    a = randn(5, 3, seed=6)
    h, tau = torch.geqrf(torch.tensor(a))
    Q = LA.householder_product(mg.tensor(h.numpy()), mg.tensor(tau.numpy())).numpy()
    np.testing.assert_allclose(Q @ np.triu(h.numpy()[:3]), a, atol=1e-12)          # Q R = A
    np.testing.assert_allclose(Q.T @ Q, np.eye(3), atol=1e-12)
    mg.gradgradcheck(LA.householder_product, tensors(device, randn(4, 3, seed=7), randn(2, seed=8)))


def test_householder_product_errors():
    a, tau = mg.tensor(randn(4, 3, seed=9)), mg.tensor(randn(2, seed=10))
    op = "linalg.householder_product"
    with pytest.raises(ValueError, match=f"{op}: input.shape.-2. must be greater than or equal to input.shape.-1."):
        LA.householder_product(mg.tensor(randn(3, 4, seed=11)), tau)
    with pytest.raises(ValueError, match=f"{op}: input.shape.-1. must be greater than or equal to tau.shape.-1."):
        LA.householder_product(a, mg.tensor(randn(4, seed=12)))
    with pytest.raises(ValueError, match=f"{op}: Expected tau to have one dimension less than input, but got tau.ndim "
                                         "equal to 2 and input.ndim is equal to 2"):
        LA.householder_product(a, mg.tensor(randn(2, 2, seed=13)))
    with pytest.raises(ValueError, match=f"{op}: Expected batch dimensions of tau to be equal to input.shape.:-2., "
                                         r"but got \[3\]"):
        LA.householder_product(mg.tensor(randn(2, 4, 3, seed=14)), mg.tensor(randn(3, 2, seed=15)))
    with pytest.raises(ValueError, match=f"{op}: input must have at least 2 dimensions"):
        LA.householder_product(mg.tensor(randn(4, seed=16)), tau)
    with pytest.raises(TypeError, match=f"{op}: tau dtype float32 does not match input dtype float64"):
        LA.householder_product(a, mg.tensor(randn(2, seed=17).astype(np.float32)))


# ----------------------------------------------------------------- vander
@pytest.mark.parametrize("shape,N", [((3,), None), ((4,), 2), ((2, 3), 5), ((1, 1, 2), None)], ids=str)
def test_vander_matches_torch(torch, device, shape, N):
    x = randn(*shape, seed=18)
    compare_with_torch(torch, lambda t: LA.vander(t, N=N), lambda t: torch.linalg.vander(t, N=N), [x])
    check_grad(lambda t: LA.vander(t, N=N), x, device=device)


def test_vander_gradient_at_zero_as_torch_and_gradgradcheck(torch, device):
    x = np.array([0.0, 2.0, -1.5, 0.0])
    compare_with_torch(torch, lambda t: LA.vander(t, N=4), lambda t: torch.linalg.vander(t, N=4), [x])
    mg.gradgradcheck(lambda t: LA.vander(t, N=4), tensors(device, x))


def test_vander_dtypes_and_errors(torch):
    ints = np.array([1, 2, 3], dtype=np.int8)
    out = LA.vander(mg.tensor(ints))
    assert out.dtype == np.int64 and out.tolist() == torch.linalg.vander(torch.tensor(ints)).tolist()
    assert LA.vander(mg.tensor(np.array([1.0, 2.0], dtype=np.float32))).dtype == np.float32
    with pytest.raises(ValueError, match="linalg.vander: N must be greater than 1."):
        LA.vander(mg.tensor(np.array([1.0, 2.0])), N=1)
    with pytest.raises(ValueError, match="N must be greater than 1"):
        LA.vander(mg.tensor(np.zeros(0)))
    with pytest.raises(IndexError, match="linalg.vander: Dimension specified as -1 but tensor has no dimensions"):
        LA.vander(mg.tensor(2.0))
    with pytest.raises(TypeError, match="linalg.vander supports floating point, complex, and integer tensors, but "
                                        "got Bool"):
        LA.vander(mg.tensor(np.array([True, False])))


# ----------------------------------------------------------------- the orthogonal parametrization uses them
@pytest.mark.parametrize("orthogonal_map", ["matrix_exp", "householder"])
def test_orthogonal_parametrization_stays_orthogonal_and_trains(orthogonal_map):
    import minigan.nn as nn
    layer = nn.utils.parametrizations.orthogonal(nn.Linear(4, 4).to(dtype=np.float64), orthogonal_map=orthogonal_map)
    W = layer.weight.numpy()
    np.testing.assert_allclose(W.T @ W, np.eye(4), atol=1e-12)
    x = mg.tensor(randn(3, 4, seed=19))
    (layer(x) ** 2).sum().backward()
    grads = [p.grad for p in layer.parameters() if p.grad is not None]
    assert grads and all(np.isfinite(g.numpy()).all() for g in grads)


# ----------------------------------------------------------------- torch.vander, torch.matrix_exp
@pytest.mark.parametrize("N,increasing", [(None, False), (4, False), (2, True), (1, False), (0, True)])
def test_top_level_vander_matches_torch(torch, device, N, increasing):
    x = np.array([1.5, -0.5, 0.0, 2.0])
    compare_with_torch(torch, lambda t: mg.vander(t, N=N, increasing=increasing),
                       lambda t: torch.vander(t, N=N, increasing=increasing), [x], device=device, grad=False)
    n = len(x) if N is None else N

    def reference(t):            # torch.vander's own backward fails in torch 2.13 (an in-place write): the same
        v = torch.linalg.vander(t, N=max(n, 2))[:, :n]                # columns from linalg.vander
        return v if increasing else v.flip(-1)
    compare_with_torch(torch, lambda t: mg.vander(t, N=N, increasing=increasing), reference, [x], device=device)
    if N != 0:
        check_grad(lambda t: mg.vander(t, N=N, increasing=increasing), x, device=device)


def test_top_level_vander_dtypes_and_errors(torch):
    for a in (np.array([1, 2, 3]), np.array([True, False])):
        ours, theirs = mg.vander(mg.tensor(a)), torch.vander(torch.tensor(a))
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "") == "int64"
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    with pytest.raises(ValueError, match="vander: x must be a one-dimensional tensor"):
        mg.vander(mg.ones(2, 2))
    with pytest.raises(ValueError, match="vander: N must be non-negative"):
        mg.vander(mg.ones(3), N=-1)


def test_matrix_exp_is_also_a_top_level_function_and_a_tensor_method():
    a = mg.tensor(randn(2, 3, 3, seed=4))
    expected = LA.matrix_exp(a).numpy()
    np.testing.assert_array_equal(mg.matrix_exp(a).numpy(), expected)
    np.testing.assert_array_equal(a.matrix_exp().numpy(), expected)
