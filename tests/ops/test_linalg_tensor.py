"""linalg.tensorinv and linalg.tensorsolve: a tensor read as a square matrix, inverted or solved; gradchecked and
held to PyTorch."""
import minigan as mg
import numpy as np
import pytest

from helpers import check_grad, compare_with_torch, host, randn

LA = mg.linalg


def _well_conditioned(*shape, ind, seed=0):
    """A tensor whose matrix (first ``ind`` dims as rows) is the identity plus a small random part."""
    rows = int(np.prod(shape[:ind]))
    return (np.eye(rows) + 0.2 * randn(rows, rows, seed=seed)).reshape(shape)


@pytest.mark.parametrize("shape, ind", [((4, 6, 8, 3), 2), ((6, 2, 3), 1), ((2, 3, 6), 2), ((5, 5), 1),
                                        ((2, 1, 3, 6), 3)])
def test_tensorinv_inverts_and_matches_pytorch(shape, ind, device, torch):
    a = _well_conditioned(*shape, ind=ind)
    inv = LA.tensorinv(mg.tensor(a, device=device), ind)
    assert inv.shape == shape[ind:] + shape[:ind]
    identity = np.tensordot(host(inv), a, ind)                # inv then A: the identity on x's shape
    np.testing.assert_allclose(identity.reshape(int(np.prod(shape[ind:])), -1), np.eye(int(np.prod(shape[ind:]))),
                               atol=1e-10)
    compare_with_torch(torch, lambda t: LA.tensorinv(t, ind), lambda t: torch.linalg.tensorinv(t, ind), [a])


@pytest.mark.parametrize("a_shape, b_shape, dims", [((2, 3, 6), (2, 3), None), ((6, 2, 3), (2, 3), (0,)),
                                                    ((3, 2, 2, 3), (3, 2), None), ((2, 6, 3), (2, 3), (1,)),
                                                    ((4, 4), (4,), None)])
def test_tensorsolve_solves_and_matches_pytorch(a_shape, b_shape, dims, device, torch):
    rows = int(np.prod(b_shape))
    a = (np.eye(rows) + 0.2 * randn(rows, rows, seed=1)).reshape(a_shape)
    b = randn(*b_shape, seed=2)
    x = LA.tensorsolve(mg.tensor(a, device=device), mg.tensor(b, device=device), dims)
    moved = a if dims is None else np.moveaxis(a, dims, range(a.ndim - np.size(dims), a.ndim))
    np.testing.assert_allclose(np.tensordot(moved, host(x), x.ndim), b, atol=1e-10)
    compare_with_torch(torch, lambda p, q: LA.tensorsolve(p, q, dims),
                       lambda p, q: torch.linalg.tensorsolve(p, q, dims), [a, b])


def test_gradients(device):
    a = _well_conditioned(2, 3, 3, 2, ind=2, seed=3)
    check_grad(lambda t: LA.tensorinv(t, 2), a, device=device)
    check_grad(lambda t: LA.tensorinv(t, 1), _well_conditioned(6, 3, 2, ind=1, seed=4), device=device)
    a2 = (np.eye(6) + 0.2 * randn(6, 6, seed=5)).reshape(6, 2, 3)
    check_grad(lambda p, q: LA.tensorsolve(p, q, (0,)), a2, randn(2, 3, seed=6), device=device)


def test_float32_stays_float32():
    a = mg.tensor(_well_conditioned(2, 3, 6, ind=2).astype(np.float32))
    assert LA.tensorinv(a).dtype == np.float32
    assert LA.tensorsolve(a, mg.ones(2, 3)).dtype == np.float32


def test_errors():
    with pytest.raises(RuntimeError, match="tensorinv: expected a strictly positive integer for 'ind', but got 0"):
        LA.tensorinv(mg.randn(2, 3, 6), ind=0)
    with pytest.raises(RuntimeError, match=r"tensorinv: .*prod\(self.shape\[ind:\]\) == prod\(self.shape\[:ind\]\), "
                                           r"but got 4 != 6"):
        LA.tensorinv(mg.randn(2, 3, 4), ind=2)
    with pytest.raises(RuntimeError, match=r"tensorsolve: .*but got 4 != 6"):
        LA.tensorsolve(mg.randn(2, 3, 4), mg.randn(2, 3))
    with pytest.raises(RuntimeError, match="does not fit A"):
        LA.tensorsolve(mg.randn(2, 3, 6), mg.randn(2, 2))
