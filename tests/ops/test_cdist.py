"""cdist and pdist: values and gradients as PyTorch's for p = 0, 1, 2, inf and general p (batched, broadcast,
size-1 dims, equal rows where the gradient is PyTorch's 0), gradchecks and gradgradchecks in float64, dtypes
kept, and PyTorch's errors."""
import numpy as np
import pytest

import minigan as mg
import minigan.nn.functional as F

from helpers import check_grad, compare_with_torch, randn, tensors

INF = float("inf")
PS = [0.0, 1.0, 2.0, 3.0, INF, 0.5, 1.5]
SHAPES = [((3, 4), (5, 4)), ((2, 3, 4), (2, 5, 4)), ((2, 1, 3, 4), (6, 5, 4)), ((1, 2), (1, 2)), ((4, 1), (3, 1)),
          ((3, 2, 4), (1, 4))]


@pytest.mark.parametrize("p", PS)
@pytest.mark.parametrize("s1, s2", SHAPES, ids=str)
def test_cdist_matches_torch(torch, p, s1, s2):
    compare_with_torch(torch, lambda a, b: mg.cdist(a, b, p), lambda a, b: torch.cdist(a, b, p),
                       [randn(*s1, seed=1), randn(*s2, seed=2)], rtol=1e-9)


@pytest.mark.parametrize("p", PS)
def test_cdist_gradient_at_equal_rows_and_equal_components_is_torchs(torch, p):
    # rows 0 and 1 of x1 equal row 0 of x2 (distance 0); other pairs share some components (a zero difference)
    x1 = np.array([[0.0, 0.0, 1.0], [0.0, 0.0, 1.0], [1.0, 2.0, 1.0]])
    x2 = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, -2.0]])
    compare_with_torch(torch, lambda a, b: mg.cdist(a, b, p), lambda a, b: torch.cdist(a, b, p), [x1, x2])
    compare_with_torch(torch, lambda a: mg.cdist(a, a, p), lambda a: torch.cdist(a, a, p), [x1])
    x = tensors("cpu", x1)[0]
    mg.cdist(x, x, p).sum().backward()
    assert np.isfinite(x.grad.numpy()).all()


def test_cdist_gradient_is_zero_at_zero_distance_and_for_p_zero():
    x = mg.tensor(np.array([[1.0, 2.0]]), requires_grad=True)
    y = mg.tensor(np.array([[1.0, 2.0]]), requires_grad=True)
    for p in (2.0, 0.5, 1.0, 3.0, INF):
        g = mg.grad(mg.cdist(x, y, p).sum(), [x, y])
        assert g[0].tolist() == [[0.0, 0.0]] and g[1].tolist() == [[0.0, 0.0]]
    z = mg.tensor(np.array([[1.0, 5.0]]), requires_grad=True)
    gx, gz = mg.grad(mg.cdist(x, z, 0).sum(), [x, z])
    assert mg.cdist(x, z, 0).item() == 1.0 and gx.tolist() == [[0.0, 0.0]] and gz.tolist() == [[0.0, 0.0]]


def test_cdist_inf_gives_every_tied_largest_component_the_gradient(torch):
    x1, x2 = np.array([[1.0, 1.0, 0.5], [0.0, 3.0, 0.0]]), np.array([[0.0, 0.0, 0.0], [1.0, 3.0, 1.0]])
    compare_with_torch(torch, lambda a, b: mg.cdist(a, b, INF), lambda a, b: torch.cdist(a, b, INF), [x1, x2])
    x = mg.tensor(x1[:1], requires_grad=True)
    mg.cdist(x, mg.tensor(x2[:1]), INF).backward(mg.ones(1, 1, dtype=mg.float64))
    assert x.grad.tolist() == [[1.0, 1.0, 0.0]]


@pytest.mark.parametrize("p", [1.0, 2.0, 3.0, INF, 0.7, 1.5])
def test_cdist_gradcheck(device, p):
    check_grad(lambda a, b: mg.cdist(a, b, p), randn(2, 3, 4, seed=3), randn(1, 5, 4, seed=4), device=device)
    check_grad(lambda a, b: mg.cdist(a, b, p), randn(1, 1, seed=5), randn(3, 1, seed=6), device=device)


@pytest.mark.parametrize("p", [2.0, 3.0, 1.5])
def test_cdist_gradgradcheck(device, p):
    mg.gradgradcheck(lambda a, b: mg.cdist(a, b, p), tensors(device, randn(2, 3, 2, seed=7), randn(2, 4, 2, seed=8)))


def test_cdist_keeps_float32(torch):
    a, b = randn(3, 4, seed=9).astype(np.float32), randn(2, 4, seed=10).astype(np.float32)
    for p in (1.0, 2.0, INF, 2.5):
        ours, theirs = mg.cdist(mg.tensor(a), mg.tensor(b), p), torch.cdist(torch.tensor(a), torch.tensor(b), p)
        assert ours.dtype == np.float32
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5)


def test_cdist_on_many_rows_matches_torchs_direct_mode(torch):
    a, b = randn(30, 3, seed=11), randn(27, 3, seed=12)
    compare_with_torch(torch, lambda x, y: mg.cdist(x, y, compute_mode="donot_use_mm_for_euclid_dist"),
                       lambda x, y: torch.cdist(x, y, compute_mode="donot_use_mm_for_euclid_dist"), [a, b])
    compare_with_torch(torch, lambda x, y: mg.cdist(x, y), lambda x, y: torch.cdist(x, y), [a, b], atol=1e-7)


def test_cdist_of_empty_inputs(torch):
    theirs = torch.cdist(torch.zeros(0, 4), torch.zeros(5, 4))
    assert mg.cdist(mg.zeros(0, 4), mg.zeros(5, 4)).shape == tuple(theirs.shape) == (0, 5)
    for p in (0.0, 1.0, 2.0, INF, 3.0):
        ours = mg.cdist(mg.zeros(3, 0), mg.zeros(5, 0), p)
        assert ours.shape == (3, 5) and (ours.numpy() == 0).all()


@pytest.mark.parametrize("call, error, match", [
    (lambda: mg.cdist(mg.zeros(3, 4), mg.zeros(5, 3)), ValueError,
     r"cdist: X1 and X2 must have the same number of columns. X1: 4 X2: 3"),
    (lambda: mg.cdist(mg.zeros(4), mg.zeros(5, 4)), ValueError,
     r"cdist: only supports at least 2D tensors, X1 got: 1D"),
    (lambda: mg.cdist(mg.zeros(3, 4), mg.zeros(5, 4), -1), ValueError,
     r"cdist: only supports non-negative p values, got p = -1"),
    (lambda: mg.cdist(mg.zeros(3, 4), mg.zeros(5, 4), float("nan")), ValueError, r"only supports non-negative p"),
    (lambda: mg.cdist(mg.tensor([[1, 2]]), mg.tensor([[1, 2]])), TypeError,
     r"cdist: only supports floating-point dtypes, x1 got: int64"),
    (lambda: mg.cdist(mg.zeros(3, 4), mg.zeros(5, 4, dtype=mg.float64)), TypeError,
     r"cdist: X1 and X2 must have the same dtype, got float32 and float64"),
    (lambda: mg.cdist(mg.zeros(2, 3, 4), mg.zeros(3, 5, 4)), ValueError, r"cdist: the batch dims of X1"),
    (lambda: mg.cdist(mg.zeros(3, 4), mg.zeros(5, 4), compute_mode="foo"), ValueError,
     r"cdist: foo is not a valid value for compute_mode"),
    (lambda: mg.pdist(mg.zeros(3)), ValueError, r"pdist: only supports 2D tensors, got: 1D"),
    (lambda: mg.pdist(mg.zeros(2, 3, 3)), ValueError, r"pdist: only supports 2D tensors, got: 3D"),
    (lambda: mg.pdist(mg.zeros(3, 3), p=-1), ValueError, r"pdist: only supports non-negative p values"),
    (lambda: mg.pdist(mg.tensor([[1, 2], [3, 4]])), TypeError, r"pdist: only supports floating-point dtypes"),
])
def test_distance_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ----------------------------------------------------------------- pdist
@pytest.mark.parametrize("p", PS)
def test_pdist_matches_torch(torch, p):
    x = np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 2.0], [1.0, 0.5], [-1.0, 2.0]])        # equal rows 0 and 1
    compare_with_torch(torch, lambda a: F.pdist(a, p), lambda a: torch.nn.functional.pdist(a, p), [x])
    compare_with_torch(torch, lambda a: mg.pdist(a, p), lambda a: torch.pdist(a, p), [randn(6, 3, seed=13)])


def test_pdist_is_the_upper_triangle_of_cdist_row_by_row(device):
    x = mg.tensor(randn(4, 3, seed=14), device=device)
    d, full = mg.pdist(x).numpy(), mg.cdist(x, x).numpy()
    assert d.shape == (6,)
    np.testing.assert_array_equal(d, [full[0, 1], full[0, 2], full[0, 3], full[1, 2], full[1, 3], full[2, 3]])


def test_pdist_small_shapes_as_torch(torch):
    for shape in ((1, 3), (3, 0), (0, 2), (2, 1)):
        ours, theirs = mg.pdist(mg.zeros(*shape)), torch.pdist(torch.zeros(*shape))
        assert ours.shape == tuple(theirs.shape) and ours.dtype == np.float32


@pytest.mark.parametrize("p", [1.0, 2.0, 3.0, INF, 0.8])
def test_pdist_gradcheck(device, p):
    check_grad(lambda x: mg.pdist(x, p), randn(5, 3, seed=15), device=device)
    check_grad(lambda x: mg.pdist(x, p), randn(2, 1, seed=16), device=device)


def test_pdist_gradgradcheck(device):
    mg.gradgradcheck(lambda x: mg.pdist(x, 2.0) ** 2, tensors(device, randn(4, 2, seed=17)))
