"""diagonal, diag_embed and trace: PyTorch's values, gradients, dtypes and refusals; each of diagonal and
diag_embed is the other's transpose (a dot-product test) and the other's backward; gradgradcheck."""
import numpy as np
import pytest

import minigan as mg
from minigan.ops.diagonal import DiagEmbed, Diagonal

from helpers import check_grad, compare_with_torch, randn, tensors

DIAGONAL = [((3, 5), 0, 0, 1), ((3, 5), 2, 0, 1), ((3, 5), -1, 0, 1), ((5, 3), 1, 1, 0), ((3, 5), 7, 0, 1),
            ((3, 5), -7, 0, 1), ((2, 3, 4), 1, 2, 0), ((2, 3, 4), -1, -1, -2), ((4, 1, 4), 0, 0, -1),
            ((2, 3, 3), 0, 1, 2), ((1, 1), 0, 0, 1)]


@pytest.mark.parametrize("shape,offset,dim1,dim2", DIAGONAL, ids=str)
def test_diagonal_matches_torch(torch, shape, offset, dim1, dim2):
    compare_with_torch(torch, lambda x: mg.diagonal(x, offset, dim1, dim2),
                       lambda x: torch.diagonal(x, offset, dim1, dim2), [randn(*shape, seed=1)])
    compare_with_torch(torch, lambda x: x.diagonal(offset=offset, dim1=dim1, dim2=dim2),
                       lambda x: x.diagonal(offset=offset, dim1=dim1, dim2=dim2), [randn(*shape, seed=2)])


DIAG_EMBED = [((3,), 0, -2, -1), ((2, 3), 1, -2, -1), ((2, 3), -1, 0, 2), ((2, 3), -1, 2, 0), ((4,), 2, 1, 0),
              ((2, 1, 3), 0, 1, 3), ((0,), 1, 0, 1), ((2, 3), 0, -3, -1)]


@pytest.mark.parametrize("shape,offset,dim1,dim2", DIAG_EMBED, ids=str)
def test_diag_embed_matches_torch(torch, shape, offset, dim1, dim2):
    compare_with_torch(torch, lambda x: mg.diag_embed(x, offset, dim1, dim2),
                       lambda x: torch.diag_embed(x, offset, dim1, dim2), [randn(*shape, seed=3)])
    compare_with_torch(torch, lambda x: x.diag_embed(offset, dim1, dim2),
                       lambda x: x.diag_embed(offset, dim1, dim2), [randn(*shape, seed=4)])


@pytest.mark.parametrize("shape,offset,dim1,dim2", DIAGONAL[::2], ids=str)
def test_diagonal_gradcheck_and_gradgradcheck(device, shape, offset, dim1, dim2):
    check_grad(lambda x: mg.diagonal(x, offset, dim1, dim2), randn(*shape, seed=5), device=device)
    mg.gradgradcheck(lambda x: mg.diagonal(x, offset, dim1, dim2) ** 2, tensors(device, randn(*shape, seed=6)))


@pytest.mark.parametrize("shape,offset,dim1,dim2", DIAG_EMBED[1::2], ids=str)
def test_diag_embed_gradcheck_and_gradgradcheck(device, shape, offset, dim1, dim2):
    check_grad(lambda x: mg.diag_embed(x, offset, dim1, dim2), randn(*shape, seed=7), device=device)
    mg.gradgradcheck(lambda x: mg.diag_embed(x, offset, dim1, dim2) ** 2, tensors(device, randn(*shape, seed=8)))


@pytest.mark.parametrize("shape,offset,dim1,dim2", [((3, 5), 1, 0, 1), ((5, 3), -2, 1, 0), ((2, 3, 4), 1, 2, 0)],
                         ids=str)
def test_diagonal_and_its_embedding_are_each_others_transpose(device, shape, offset, dim1, dim2):
    """The dot-product test: ``<diagonal(x), v> == <x, embed(v)>``, the embedding into ``x``'s own sizes."""
    d1, d2 = dim1 % len(shape), dim2 % len(shape)
    out_shape = mg.diagonal(mg.zeros(*shape), offset, dim1, dim2).shape
    mg.check_adjoint(lambda x: Diagonal.apply(x, offset, d1, d2),
                     lambda v: DiagEmbed.apply(v, offset, d1, d2, (shape[d1], shape[d2])),
                     shape, out_shape, device=device, as_tensor=True)


def test_the_gradient_of_diagonal_is_its_embedding(device):
    x = tensors(device, randn(3, 4, seed=9))[0]
    g = mg.tensor([1.0, 2.0, 3.0], dtype=mg.float64, device=device)
    mg.diagonal(x, 1).backward(g)
    expected = np.zeros((3, 4))
    expected[[0, 1, 2], [1, 2, 3]] = [1.0, 2.0, 3.0]
    np.testing.assert_array_equal(x.grad.numpy(), expected)


def test_the_gradient_of_diag_embed_reads_its_diagonal_back(device):
    v = tensors(device, randn(2, 3, seed=10))[0]
    g = randn(2, 3, 3, seed=11)
    mg.diag_embed(v).backward(mg.tensor(g, device=device))
    np.testing.assert_array_equal(v.grad.numpy(), np.diagonal(g, 0, 1, 2))


def test_the_backward_of_each_is_the_other():
    x, v = mg.tensor(randn(3, 3, seed=12), requires_grad=True), mg.tensor(randn(3, seed=13), requires_grad=True)
    gx = mg.grad(mg.diagonal(x), x, mg.tensor(randn(3, seed=14), requires_grad=True), create_graph=True)[0]
    gv = mg.grad(mg.diag_embed(v), v, mg.tensor(randn(3, 3, seed=15), requires_grad=True), create_graph=True)[0]
    assert gx._node.fn is DiagEmbed and gv._node.fn is Diagonal


def test_results_keep_the_dtype_and_are_not_views(torch):
    a = np.arange(12).reshape(3, 4).astype(np.int32)
    ours, theirs = mg.diagonal(mg.tensor(a), 1), torch.diagonal(torch.tensor(a), 1)
    assert ours.dtype == np.int32 and ours.tolist() == theirs.tolist()
    ours.data[0] = 99
    assert a[0, 1] == 1 and mg.tensor(a).diagonal(1).tolist() == [1, 6, 11]
    embedded = mg.diag_embed(mg.tensor([1, 2], dtype=mg.int64), -1)
    assert embedded.dtype == np.int64 and embedded.tolist() == torch.diag_embed(torch.tensor([1, 2]), -1).tolist()
    assert mg.diagonal(mg.zeros(2, 3, dtype=mg.float32)).dtype == np.float32


# ----------------------------------------------------------------- trace
@pytest.mark.parametrize("shape", [(3, 3), (3, 5), (5, 2), (1, 1), (0, 3)], ids=str)
def test_trace_matches_torch(torch, shape):
    compare_with_torch(torch, mg.trace, torch.trace, [randn(*shape, seed=16)])
    compare_with_torch(torch, lambda x: x.trace(), lambda x: x.trace(), [randn(*shape, seed=17)])


def test_trace_gradcheck_and_its_gradient_is_the_identity(device):
    check_grad(mg.trace, randn(3, 5, seed=18), device=device)
    mg.gradgradcheck(lambda x: mg.trace(x) ** 2, tensors(device, randn(4, 3, seed=19)))
    x = tensors(device, randn(2, 3, seed=20))[0]
    mg.trace(x).backward(mg.tensor(-3.0, dtype=mg.float64, device=device))
    np.testing.assert_array_equal(x.grad.numpy(), -3.0 * np.eye(2, 3))


@pytest.mark.parametrize("dtype", ["int32", "uint8", "int64", "float32"])
def test_trace_dtypes_as_torch(torch, dtype):
    a = np.array([[1, 2, 3], [4, 250, 6], [7, 8, 9]]).astype(dtype)
    ours, theirs = mg.trace(mg.tensor(a)), torch.trace(torch.tensor(a))
    assert str(theirs.dtype) == f"torch.{ours.dtype}" and ours.item() == theirs.item()


@pytest.mark.parametrize("call,error,message", [
    (lambda: mg.diagonal(mg.zeros(3, 5), 0, 0, -2), ValueError,
     r"diagonal: diagonal dimensions cannot be identical, got dim1=0 and dim2=-2 \(both dim 0 of a 2-D tensor\)"),
    (lambda: mg.diagonal(mg.zeros(3, 5), 0, 0, 2), IndexError,
     r"diagonal: dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"),
    (lambda: mg.diagonal(mg.zeros(3)), IndexError, r"diagonal: dimension out of range .* but got 1\)"),
    (lambda: mg.diag_embed(mg.zeros(2, 3), 0, 1, -2), ValueError,
     r"diag_embed: diagonal dimensions cannot be identical, got dim1=1 and dim2=-2 \(both dim 1 of a 3-D result\)"),
    (lambda: mg.diag_embed(mg.zeros(2, 3), 0, 1, 3), IndexError,
     r"diag_embed: dimension out of range \(expected to be in range of \[-3, 2\], but got 3\)"),
    (lambda: mg.diag_embed(mg.zeros(())), ValueError, "diag_embed: expected a tensor with at least 1 dim"),
    (lambda: mg.trace(mg.zeros(3)), ValueError, r"trace: expected a matrix \(a 2-D tensor\), got a 1-D tensor"),
    (lambda: mg.trace(mg.zeros(2, 3, 5)), ValueError,
     r"trace: expected a matrix .*got a 3-D tensor of shape \(2, 3, 5"),
    (lambda: mg.trace(mg.tensor([[True]])), TypeError, "trace: not implemented for bool tensors"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_errors_name_the_op_what_it_expected_and_what_came(call, error, message):
    with pytest.raises(error, match=message):
        call()
