"""hstack, vstack/row_stack, dstack, column_stack, atleast_1d/2d/3d, block_diag, meshgrid, cartesian_prod: values,
shapes and gradients as PyTorch's (they are compositions of cat, reshape and broadcast, so gradients flow),
gradchecks in float64, dtype promotion, meshgrid's default indexing and its warning, and PyTorch's errors."""
import warnings

import numpy as np
import pytest

import minigan as mg

from helpers import check_grad, compare_with_torch, randn, tensors

SHAPE_SETS = [[(3,), (2,)], [(), (2,)], [(2, 3), (2, 1)], [(1, 3), (1, 3), (1, 3)], [(2, 1, 3), (2, 2, 3)], [()]]


@pytest.mark.parametrize("shapes", SHAPE_SETS, ids=str)
def test_hstack_matches_torch(torch, shapes):
    arrays = [randn(*s, seed=i) for i, s in enumerate(shapes)]
    compare_with_torch(torch, lambda *xs: mg.hstack(list(xs)), lambda *xs: torch.hstack(xs), arrays)


ROWS = [[(3,), (3,)], [(), ()], [(2, 3), (1, 3)], [(2, 3, 2), (1, 3, 2)], [(4,)]]
DEPTH = [[(3,), (3,)], [(), ()], [(2, 3), (2, 3)], [(2, 3, 1), (2, 3, 2)], [(4,)]]


@pytest.mark.parametrize("name, shapes", [(n, s) for n in ("vstack", "row_stack") for s in ROWS]
                         + [("dstack", s) for s in DEPTH], ids=str)
def test_vstack_row_stack_dstack_match_torch(torch, name, shapes):
    arrays = [randn(*s, seed=i) for i, s in enumerate(shapes)]
    compare_with_torch(torch, lambda *xs: getattr(mg, name)(xs), lambda *xs: getattr(torch, name)(xs), arrays)


@pytest.mark.parametrize("shapes", [[(3,), (3,)], [(3,), (3, 2)], [(), ()], [(3, 2, 2), (3, 1, 2)], [(2, 4)]],
                         ids=str)
def test_column_stack_matches_torch(torch, shapes):
    arrays = [randn(*s, seed=i) for i, s in enumerate(shapes)]
    compare_with_torch(torch, lambda *xs: mg.column_stack(xs), lambda *xs: torch.column_stack(xs), arrays)


def test_stacking_gradcheck(device):
    check_grad(lambda a, b: mg.hstack([a, b]), randn(2, 3, seed=1), randn(2, 1, seed=2), device=device)
    check_grad(lambda a, b: mg.vstack([a, b]), randn(3, seed=3), randn(2, 3, seed=4), device=device)
    check_grad(lambda a, b: mg.dstack([a, b]), randn(seed=5), randn(1, 1, 2, seed=6), device=device)
    check_grad(lambda a, b: mg.column_stack([a, b]), randn(3, seed=7), randn(3, 2, seed=8), device=device)
    mg.gradgradcheck(lambda a, b: mg.row_stack([a, b]) ** 2, tensors(device, randn(2, seed=9), randn(2, seed=10)))


def test_stacking_promotes_dtypes_as_torch(torch):
    a, b = np.arange(3, dtype=np.int64), np.arange(3, dtype=np.float32)
    for name in ("hstack", "vstack", "dstack", "column_stack"):
        ours = getattr(mg, name)([mg.tensor(a), mg.tensor(b)])
        theirs = getattr(torch, name)([torch.tensor(a), torch.tensor(b)])
        assert ours.dtype == theirs.numpy().dtype == np.float32, name
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    x = mg.tensor(b, requires_grad=True)
    mg.hstack([mg.tensor(a), x]).sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [1.0, 1.0, 1.0]


def test_stacking_errors():
    with pytest.raises(ValueError, match=r"hstack: expects a non-empty TensorList"):
        mg.hstack([])
    with pytest.raises(TypeError, match=r"vstack: expected a list or tuple of tensors, got Tensor"):
        mg.vstack(mg.zeros(2))
    with pytest.raises(TypeError, match=r"dstack: expected Tensors, got int at position 1"):
        mg.dstack([mg.zeros(2), 3])
    with pytest.raises(ValueError, match=r"concatenate"):
        mg.vstack([mg.zeros(3), mg.zeros(2)])


# ----------------------------------------------------------------- atleast
@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (2, 3, 4), (1, 2, 3, 4)], ids=str)
def test_atleast_shapes_match_torch(torch, shape):
    for name in ("atleast_1d", "atleast_2d", "atleast_3d"):
        compare_with_torch(torch, getattr(mg, name), getattr(torch, name), [randn(*shape, seed=1)])


def test_atleast_takes_several_tensors_or_a_list(torch):
    a, b = mg.tensor(1.0), mg.tensor([1.0, 2.0])
    for name in ("atleast_1d", "atleast_2d", "atleast_3d"):
        f = getattr(mg, name)
        theirs = getattr(torch, name)(torch.tensor(1.0), torch.tensor([1.0, 2.0]))
        for ours in (f(a, b), f([a, b]), f((a, b))):
            assert isinstance(ours, tuple) and [t.shape for t in ours] == [tuple(t.shape) for t in theirs]
        assert isinstance(f(a), mg.Tensor) and f() == ()
    with pytest.raises(TypeError, match=r"atleast_2d: expected Tensors, got int at position 0"):
        mg.atleast_2d(5)


def test_atleast_gradcheck(device):
    check_grad(lambda x: mg.atleast_3d(x), randn(3, seed=2), device=device)
    check_grad(lambda x: mg.atleast_2d(x) * 2, randn(seed=3), device=device)


# ----------------------------------------------------------------- block_diag
def test_block_diag_matches_torch(torch):
    shapes = [(2, 2), (3,), (), (0, 2), (1, 0), (2, 3)]
    compare_with_torch(torch, lambda *xs: mg.block_diag(*xs), lambda *xs: torch.block_diag(*xs),
                       [randn(*s, seed=i) for i, s in enumerate(shapes)])
    compare_with_torch(torch, mg.block_diag, torch.block_diag, [randn(3, 1, seed=7)])
    assert mg.block_diag().shape == tuple(torch.block_diag().shape) == (1, 0)
    mixed = mg.block_diag(mg.tensor([0, 1]), mg.tensor([True]))
    t_mixed = torch.block_diag(torch.tensor([0, 1]), torch.tensor([True]))
    assert mixed.dtype == t_mixed.numpy().dtype and mixed.tolist() == t_mixed.tolist()


def test_block_diag_gradcheck(device):
    check_grad(lambda a, b, c: mg.block_diag(a, b, c), randn(2, 3, seed=1), randn(seed=2), randn(1, 2, seed=3),
               device=device)
    mg.gradgradcheck(lambda a, b: mg.block_diag(a, b) ** 2, tensors(device, randn(2, seed=4), randn(2, 1, seed=5)))


def test_block_diag_refuses_three_dims():
    with pytest.raises(ValueError, match=r"block_diag: Input tensors must have 2 or fewer dimensions. Input 1 has 3"):
        mg.block_diag(mg.zeros(2), mg.zeros(2, 2, 2))


# ----------------------------------------------------------------- meshgrid and cartesian_prod
@pytest.mark.parametrize("indexing", ["ij", "xy"])
@pytest.mark.parametrize("shapes", [[(3,), (2,)], [(3,), (2,), (4,)], [(), (2,)], [(5,)], [(1,), (3,)]], ids=str)
def test_meshgrid_matches_torch(torch, indexing, shapes):
    arrays = [randn(*s, seed=i) for i, s in enumerate(shapes)]
    for i in range(len(shapes)):
        compare_with_torch(torch, lambda *xs: mg.meshgrid(*xs, indexing=indexing)[i] * (i + 1),
                           lambda *xs: torch.meshgrid(*xs, indexing=indexing)[i] * (i + 1), arrays)
    assert [g.shape for g in mg.meshgrid([mg.tensor(a) for a in arrays], indexing=indexing)] == \
        [tuple(g.shape) for g in torch.meshgrid([torch.tensor(a) for a in arrays], indexing=indexing)]


def test_meshgrid_defaults_to_ij_and_warns_as_torch(torch):
    a, b = mg.zeros(3), mg.zeros(2)
    with pytest.warns(UserWarning, match=r"meshgrid: pass indexing='ij' \(the default, used here\)"):
        grids = mg.meshgrid(a, b)
    with pytest.warns(UserWarning, match="indexing"):
        t_grids = torch.meshgrid(torch.zeros(3), torch.zeros(2))
    assert [g.shape for g in grids] == [tuple(g.shape) for g in t_grids] == [(3, 2), (3, 2)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mg.meshgrid(a, b, indexing="ij")                         # given: no warning
        mg.meshgrid(a, b, indexing="xy")


def test_meshgrid_gradient_sums_over_the_copies(device):
    a, b = tensors(device, np.array([1.0, 2.0, 3.0]), np.array([10.0, 20.0]))
    gx, gy = mg.meshgrid(a, b, indexing="xy")                   # (2, 3) each
    (gx * gy).sum().backward()
    assert a.grad.tolist() == [30.0, 30.0, 30.0] and b.grad.tolist() == [6.0, 6.0]
    check_grad(lambda u, v: mg.meshgrid(u, v, indexing="xy")[0] * mg.meshgrid(u, v, indexing="xy")[1] ** 2,
               randn(3, seed=1), randn(2, seed=2), device=device)


def test_meshgrid_errors():
    with pytest.raises(ValueError, match=r'meshgrid: indexing must be one of "xy" or "ij", but received: foo'):
        mg.meshgrid(mg.zeros(2), indexing="foo")
    with pytest.raises(ValueError, match=r"meshgrid: expects a non-empty TensorList"):
        mg.meshgrid(indexing="ij")
    with pytest.raises(ValueError, match=r"meshgrid: expected 0D or 1D tensors, but tensor 0 has shape \(2, 2\)"):
        mg.meshgrid(mg.zeros(2, 2), mg.zeros(2), indexing="ij")
    with pytest.raises(TypeError, match=r"meshgrid: expects all tensors to have the same dtype"):
        mg.meshgrid(mg.zeros(2), mg.tensor([1, 2]), indexing="ij")


@pytest.mark.parametrize("shapes", [[(3,), (2,)], [(2,), (3,), (2,)], [(4,)], [(3,), (0,)]], ids=str)
def test_cartesian_prod_matches_torch(torch, shapes):
    arrays = [randn(*s, seed=i) for i, s in enumerate(shapes)]
    compare_with_torch(torch, lambda *xs: mg.cartesian_prod(*xs), lambda *xs: torch.cartesian_prod(*xs), arrays)


def test_cartesian_prod_rows_are_itertools_product_and_gradcheck(device):
    rows = mg.cartesian_prod(mg.tensor([1, 2]), mg.tensor([3, 4, 5])).tolist()
    assert rows == [[1, 3], [1, 4], [1, 5], [2, 3], [2, 4], [2, 5]]
    check_grad(lambda a, b, c: mg.cartesian_prod(a, b, c), randn(2, seed=1), randn(3, seed=2), randn(1, seed=3),
               device=device)
    with pytest.raises(ValueError, match=r"cartesian_prod: expect a 1D vector, but got shape \(\)"):
        mg.cartesian_prod(mg.tensor(1.0), mg.zeros(2))
