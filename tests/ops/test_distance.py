"""normalize, cosine_similarity and pairwise_distance: float64 gradchecks, PyTorch's values and gradients for
every argument (each eps where it acts: a tiny or zero vector), broadcasting, integer inputs, and the errors."""
import numpy as np
import pytest

import minigan as mg
import minigan.nn.functional as F

from helpers import check_grad, compare_with_torch, randn, tensors


# --------------------------------------------------------------------------- normalize
@pytest.mark.parametrize("p,dim", [(2.0, 1), (1.0, 0), (3.0, -1), (2.0, 2)])
def test_normalize_gradcheck_and_torch(device, torch, p, dim):
    x = randn(2, 3, 4, seed=1)
    check_grad(lambda x: F.normalize(x, p=p, dim=dim), x, device=device)
    compare_with_torch(torch, lambda x: F.normalize(x, p=p, dim=dim),
                       lambda x: torch.nn.functional.normalize(x, p=p, dim=dim), [x])


def test_normalize_gives_unit_vectors(device):
    x = tensors(device, randn(5, 3, seed=2))[0]
    y = F.normalize(x)
    np.testing.assert_allclose(np.linalg.norm(y.numpy(), axis=1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(np.abs(F.normalize(x, p=1.0, dim=0).numpy()).sum(axis=0), 1.0, rtol=1e-15)


def test_normalize_below_eps_divides_by_eps(torch):
    """A row of norm below eps is divided by eps, a constant: no gradient flows through its norm, and a zero
    row stays zero with gradient 1/eps."""
    x = np.array([[3.0, 4.0], [0.0, 0.0], [3e-4, -4e-4]])
    compare_with_torch(torch, lambda x: F.normalize(x, eps=1e-3), lambda x: torch.nn.functional.normalize(x, eps=1e-3),
                       [x], rtol=1e-12)
    xm = tensors("cpu", x)[0]
    y = F.normalize(xm, eps=1e-3)
    np.testing.assert_allclose(y.numpy(), [[0.6, 0.8], [0.0, 0.0], [0.3, -0.4]], rtol=1e-12)
    y.sum().backward()
    np.testing.assert_allclose(xm.grad.numpy()[1:], 1e3, rtol=1e-12)


def test_normalize_errors():
    with pytest.raises(IndexError, match=r"dimension out of range \(expected to be in range of \[-1, 0\], but got 1\)"):
        F.normalize(mg.ones(3))
    with pytest.raises(TypeError, match="normalize: expected a floating-point tensor, got dtype int64"):
        F.normalize(mg.tensor([[1, 2]]))


# --------------------------------------------------------------------------- cosine_similarity
@pytest.mark.parametrize("shapes,dim", [(((4, 3), (4, 3)), 1), (((4, 3), (3,)), -1), (((2, 1, 5), (3, 5)), 2),
                                        (((3, 4, 2), (3, 4, 2)), 0), (((5,), (5,)), 0)], ids=str)
def test_cosine_similarity_gradcheck_and_torch(device, torch, shapes, dim):
    a, b = randn(*shapes[0], seed=3), randn(*shapes[1], seed=4)
    check_grad(lambda a, b: F.cosine_similarity(a, b, dim=dim), a, b, device=device)
    compare_with_torch(torch, lambda a, b: F.cosine_similarity(a, b, dim=dim),
                       lambda a, b: torch.nn.functional.cosine_similarity(a, b, dim=dim), [a, b])


def test_cosine_similarity_clamps_each_norm_and_keeps_its_gradient(torch):
    """Each norm is clamped at eps out of the graph (PyTorch's in-place clamp under no_grad): a tiny vector is
    divided by eps, yet the gradient still flows through its norm. A recorded clamp would give another gradient."""
    a = np.array([[1e-5, -2e-5, 1e-5], [0.0, 0.0, 0.0], [1.0, 2.0, -1.0]])
    b = np.array([[0.5, 1.0, 2.0], [1.0, -1.0, 0.5], [2e-5, 1e-5, 0.0]])
    kwargs = dict(dim=1, eps=1e-3)
    compare_with_torch(torch, lambda a, b: F.cosine_similarity(a, b, **kwargs),
                       lambda a, b: torch.nn.functional.cosine_similarity(a, b, **kwargs), [a, b], rtol=1e-12)
    am = tensors("cpu", a)[0]
    F.cosine_similarity(am, mg.tensor(b), **kwargs).sum().backward()
    unit_b = b[0] / np.linalg.norm(b[0])
    recorded_clamp = unit_b / 1e-3                        # what x / clip(||x||, eps) would give: no norm term
    assert not np.allclose(am.grad.numpy()[0], recorded_clamp, rtol=1e-3)


def test_cosine_similarity_of_parallel_vectors_is_1_to_rounding():
    x = mg.tensor(randn(200, 7, seed=13, scale=1e3))
    scale = mg.tensor(np.random.default_rng(14).uniform(0.1, 10.0, (200, 1)))
    for sign in (1, -1):
        y = F.cosine_similarity(x, x * scale * sign).numpy()
        np.testing.assert_allclose(y, sign, rtol=1e-15, atol=0)          # a few ulps at most, as in PyTorch


def test_cosine_similarity_dtypes_and_errors(torch):
    ints, floats = np.array([[1, 2, 0], [0, 1, -1]]), randn(2, 3, seed=5)
    ours = F.cosine_similarity(mg.tensor(ints), mg.tensor(floats))
    theirs = torch.nn.functional.cosine_similarity(torch.tensor(ints), torch.tensor(floats))
    assert ours.dtype == np.float64 and theirs.dtype == torch.float64
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-15)
    with pytest.raises(TypeError, match="cosine_similarity: expected a floating-point common dtype, got int64"):
        F.cosine_similarity(mg.tensor(ints), mg.tensor(ints))
    with pytest.raises(ValueError, match=r"cosine_similarity: shapes \(2, 3\) and \(4, 3\) cannot be broadcast"):
        F.cosine_similarity(mg.ones(2, 3), mg.ones(4, 3))
    with pytest.raises(IndexError, match="cosine_similarity: dimension out of range"):
        F.cosine_similarity(mg.ones(3), mg.ones(3))


# --------------------------------------------------------------------------- pairwise_distance
@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, 0.5, float("inf")])
@pytest.mark.parametrize("keepdim", [False, True])
def test_pairwise_distance_gradcheck_and_torch(device, torch, p, keepdim):
    a, b = np.random.default_rng(6).permutation(12).reshape(4, 3) * 0.3 - 1.7, randn(4, 3, seed=7)
    check_grad(lambda a, b: F.pairwise_distance(a, b, p=p, keepdim=keepdim), a, b, device=device)
    compare_with_torch(torch, lambda a, b: F.pairwise_distance(a, b, p=p, keepdim=keepdim),
                       lambda a, b: torch.nn.functional.pairwise_distance(a, b, p=p, keepdim=keepdim), [a, b])


@pytest.mark.parametrize("shapes", [((4, 3), (3,)), ((3,), (3,)), ((2, 1, 3), (4, 3)), ((), ())], ids=str)
def test_pairwise_distance_broadcasts_as_torch(torch, shapes):
    a, b = randn(*shapes[0], seed=8), randn(*shapes[1], seed=9)
    compare_with_torch(torch, F.pairwise_distance, torch.nn.functional.pairwise_distance, [a, b])


def test_pairwise_distance_adds_eps_to_the_difference(torch):
    """Equal rows are eps d^(1/p) apart, not 0, and the gradient there is defined."""
    x = randn(2, 4, seed=10)
    d = F.pairwise_distance(mg.tensor(x), mg.tensor(x)).numpy()
    np.testing.assert_allclose(d, 1e-6 * np.sqrt(4), rtol=1e-9)
    d3 = F.pairwise_distance(mg.tensor(x), mg.tensor(x), p=3, eps=1e-2).numpy()
    np.testing.assert_allclose(d3, 1e-2 * 4 ** (1 / 3), rtol=1e-12)
    compare_with_torch(torch, F.pairwise_distance, torch.nn.functional.pairwise_distance, [x, x.copy()])
    compare_with_torch(torch, lambda a, b: F.pairwise_distance(a, b, eps=0.0),
                       lambda a, b: torch.nn.functional.pairwise_distance(a, b, eps=0.0), [x, x.copy()])


def test_pairwise_distance_of_integers_is_float32(torch):
    a, b = np.array([[1, 2, 3], [0, 0, 0]]), np.array([[1, 0, 3], [3, 4, 0]])
    ours = F.pairwise_distance(mg.tensor(a), mg.tensor(b))
    theirs = torch.nn.functional.pairwise_distance(torch.tensor(a), torch.tensor(b))
    assert ours.dtype == np.float32 and theirs.dtype == torch.float32
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match=r"pairwise_distance: shapes \(2, 3\) and \(4, 3\) cannot be broadcast"):
        F.pairwise_distance(mg.ones(2, 3), mg.ones(4, 3))


def test_distances_second_derivatives(device):
    a, b = randn(3, 4, seed=11), randn(3, 4, seed=12)
    mg.gradgradcheck(lambda a, b: F.cosine_similarity(a, b), tensors(device, a, b))
    mg.gradgradcheck(lambda a, b: F.pairwise_distance(a, b, p=3), tensors(device, a, b))
    mg.gradgradcheck(lambda a: F.normalize(a, dim=0) * a, tensors(device, a))
