"""tensor.grad_fn: a view of the recorded graph shaped like PyTorch's: name(), next_functions (nodes, then
AccumulateGrad at the leaves, None for an input that needs no gradient), fn (the op's Function)."""
import minigan as mg
import numpy as np
import pytest

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


def test_node_hooks_see_and_change_the_gradients_as_pytorchs(torch):
    results = []
    for lib in (mg, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 3
        z = (y * y).sum()
        seen = []
        pre = y.grad_fn.register_prehook(lambda go: seen.append(("pre", [float(v) for v in go[0]])))
        y.grad_fn.register_hook(lambda gi, go: (seen.append(("post", [float(v) for v in gi[0]])),
                                                (gi[0] * 10, gi[1]))[1])
        z.backward(retain_graph=True)
        first = [float(v) for v in x.grad]
        pre.remove()
        x.grad = None
        z.backward()
        results.append((seen, first, [float(v) for v in x.grad]))
    assert results[0] == results[1]
    assert results[0][0][0] == ("pre", [6.0, 12.0]) and results[0][1] == [180.0, 360.0]


def test_a_prehook_can_replace_the_output_gradient_and_a_wrong_count_is_refused():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    y.grad_fn.register_prehook(lambda go: (mg.zeros(2),))
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0])
    w = x.exp()
    w.grad_fn.register_hook(lambda gi, go: (gi[0], gi[0]))
    with pytest.raises(RuntimeError, match="post-hook of ExpBackward0 returned 2 gradients for 1 grad_inputs"):
        w.sum().backward()
