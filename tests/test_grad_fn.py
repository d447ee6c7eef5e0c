"""tensor.grad_fn: a view of the recorded graph shaped like PyTorch's: name(), next_functions (nodes, then
AccumulateGrad at the leaves, None for an input that needs no gradient), fn (the op's Function)."""
import minigan as mg
import numpy as np

from minigan.grad_fn import AccumulateGrad, BackwardNode


def _walk(node, depth=0, out=None):
    """(depth, name) of every node below ``node``, depth first, in edge order (torch's and minigan's alike)."""
    out = [] if out is None else out
    out.append((depth, None if node is None else node.name().replace("torch::autograd::", "")))
    for child, _ in (() if node is None else node.next_functions):
        _walk(child, depth + 1, out)
    return out


def test_the_graph_of_a_small_expression():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = mg.tensor([3.0, 4.0], requires_grad=True)
    c = mg.tensor([5.0, 6.0])                                     # needs no gradient
    L = (x * y + y * c).sum()
    assert isinstance(L.grad_fn, BackwardNode) and L.grad_fn.name() == "SumBackward0"
    assert repr(L.grad_fn) == "<SumBackward0>" and "grad_fn=<SumBackward0>" in repr(L)
    add = L.grad_fn.next_functions[0][0]
    assert add.name() == "AddBackward0" and add.fn is mg.ops.arithmetic.Add
    (mul1, i1), (mul2, i2) = add.next_functions
    assert (mul1.name(), mul2.name(), i1, i2) == ("MulBackward0", "MulBackward0", 0, 0)
    (acc_x, _), (acc_y, _) = mul1.next_functions
    assert isinstance(acc_x, AccumulateGrad) and acc_x.variable is x and acc_y.variable is y
    assert mul2.next_functions[1] == (None, 0)                     # c needs no gradient
    assert acc_x.next_functions == () and acc_x.name() == "AccumulateGrad"
    assert L.grad_fn == L.grad_fn and hash(L.grad_fn) == hash(L.grad_fn) and add != mul1
    assert x.grad_fn is None


def test_an_op_with_several_outputs_names_the_output():
    x = mg.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    a, b = mg.split(x, [1, 1], dim=0)
    add = (a * 2 + b).sum().grad_fn.next_functions[0][0]
    (mul, _), (split_b, index_b) = add.next_functions
    (split_a, index_a), _ = mul.next_functions
    assert split_a == split_b and split_a.name() == "SplitBackward0" and (index_a, index_b) == (0, 1)


def test_the_same_walk_as_pytorch(torch):
    x_np, y_np = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    x, y = mg.tensor(x_np, requires_grad=True), mg.tensor(y_np, requires_grad=True)
    tx, ty = torch.tensor(x_np, requires_grad=True), torch.tensor(y_np, requires_grad=True)
    ours = _walk(((x * y + y) * x).sum().grad_fn)
    theirs = _walk(((tx * ty + ty) * tx).sum().grad_fn)
    assert ours == theirs
