"""The autograd API as PyTorch's: mg.grad runs only what reaches its inputs, retained gradients add up,
backward takes gradient= and inputs=, 0-d tensors format and index, repr shows the dtype where PyTorch's
does, and the creation functions give PyTorch's dtypes. (gradcheck's own API: tests/test_gradcheck.py.)"""
import numpy as np
import pytest

import minigan as mg


def _x(device="cpu"):
    return mg.tensor(np.array([1.0, 2.0]), requires_grad=True, device=device)


def test_grad_needs_one_gradient_per_output():
    x = _x()
    with pytest.raises(RuntimeError, match="got 2 outputs and 1 grad_outputs"):
        mg.grad([x * 2, x * 3], x, grad_outputs=[mg.ones(2, dtype=np.float64)])


def test_grad_leaves_the_graph_above_its_inputs_for_a_later_backward(device):
    x = _x(device)
    y = x.exp()
    (gy,) = mg.grad((y * y).sum(), y)
    np.testing.assert_allclose(gy.numpy(), 2 * np.exp([1.0, 2.0]))
    y.sum().backward()                  # exp's node was neither run nor freed by grad()
    np.testing.assert_allclose(x.grad.numpy(), np.exp([1.0, 2.0]))


def test_torch_grad_leaves_the_graph_above_its_inputs_too(torch):
    x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    y = x.exp()
    torch.autograd.grad((y * y).sum(), y)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.exp([1.0, 2.0]))


def test_retained_gradients_add_up_and_own_their_memory():
    x = _x()
    y = x * 2
    y.retain_grad()
    y.sum().backward(retain_graph=True)
    y.sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [2.0, 2.0])     # summed over the two calls, as in torch
    a = x * 2
    a.retain_grad()
    g = mg.ones(2, dtype=np.float64)
    (a + 0).backward(g)
    a.grad.zero_()
    np.testing.assert_array_equal(g.numpy(), [1.0, 1.0])           # the caller's gradient is not a.grad


def test_backward_takes_gradient_and_inputs():
    x, w = _x(), _x()
    y = x * w
    y.backward(gradient=mg.ones(2, dtype=np.float64), inputs=[x])
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 2.0])
    assert w.grad is None                                           # only the inputs named get a .grad
    with pytest.raises(TypeError, match="give the gradient once"):
        (x * w).backward(gradient=mg.ones(2), grad=mg.ones(2))


def test_retain_graph_false_is_honoured_with_create_graph():
    x = _x()
    y = (x.exp() * 2).sum()
    y.backward(create_graph=True, retain_graph=False)
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_a_graph_that_saved_nothing_can_be_run_twice():
    x = _x()
    y = (x + 1).sum()
    y.backward()
    y.backward()                        # as in torch: nothing was freed, because nothing was saved
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])


def test_a_function_may_return_one_gradient_per_argument_as_in_torch():
    class MulK(mg.Function):
        @staticmethod
        def forward(ctx, x, k):
            ctx.k = k
            return x * k

        @staticmethod
        def backward(ctx, gy):
            return gy * ctx.k, None     # torch style: None for the number k

    x = _x()
    MulK.apply(x, 3.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])


def test_zero_d_tensors_format_and_index():
    loss = mg.tensor(2.5)
    assert f"loss {loss:.4f}" == "loss 2.5000" and f"{loss}" == "2.5"
    assert [10, 20, 30][mg.tensor(1)] == 20 and list(range(mg.tensor(3))) == [0, 1, 2]
    with pytest.raises(TypeError, match="only integer tensors of a single element"):
        [10, 20][mg.tensor(1.0)]
    with pytest.raises(TypeError, match="unsupported format string"):
        f"{mg.tensor([1.0, 2.0]):.2f}"


def test_zero_d_formatting_matches_torch(torch):
    assert f"{torch.tensor(2.5):.4f}" == f"{mg.tensor(2.5):.4f}"
    assert [10, 20, 30][torch.tensor(1)] == [10, 20, 30][mg.tensor(1)]


def test_repr_shows_the_dtype_where_pytorch_does():
    assert repr(mg.tensor([1, 2])) == "tensor([1, 2])"                    # int64, bool and float32: left out
    assert repr(mg.tensor([True, False])) == "tensor([ True, False])"
    assert repr(mg.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(mg.tensor(3)) == "tensor(3)"
    assert repr(mg.tensor([1, 2], dtype=np.int32)) == "tensor([1, 2], dtype=int32)"
    assert repr(mg.tensor([1.0, 2.0], dtype=np.float64)) == "tensor([1., 2.], dtype=float64)"
    assert repr(mg.tensor([1.0], requires_grad=True)) == "tensor([1.], requires_grad=True)"
    x = mg.tensor([1.0], dtype=np.float64, requires_grad=True)
    assert repr(x * 2) == "tensor([2.], dtype=float64, grad_fn=<MulBackward0>)"
    assert repr(mg.zeros(0)) == "tensor([])" and repr(mg.zeros(0, dtype=np.int64)) == "tensor([], dtype=int64)"


def test_repr_dtype_rule_matches_pytorch(torch):
    def suffix(r):
        return r.partition("dtype=")[2].partition(",")[0].rstrip(")").removeprefix("torch.")

    for values, dtype in [([1, 2], "int64"), ([True], "bool"), ([1.0], "float32"), ([1.0], "float64"),
                          ([1, 2], "int32"), ([1.0], "float16"), ([], "int64"), ([], "float32")]:
        ours = mg.tensor(np.array(values, dtype=dtype))
        theirs = torch.tensor(values, dtype=getattr(torch, dtype))
        assert suffix(repr(ours)) == suffix(repr(theirs)), (values, dtype)


@pytest.mark.parametrize("make, dtype", [
    (lambda: mg.full((2,), 7), np.int64), (lambda: mg.full((2,), True), np.bool_),
    (lambda: mg.full((2,), 0.5), np.float32), (lambda: mg.arange(5), np.int64),
    (lambda: mg.arange(0.0, 1, 0.25), np.float32), (lambda: mg.randint(10, (3,)), np.int64),
    (lambda: mg.randn(2, dtype=np.float16), np.float16),
    (lambda: mg.zeros_like(mg.ones(2), dtype=np.float64), np.float64),
])
def test_creation_dtypes_are_pytorch_s(make, dtype):
    assert make().dtype == dtype


def test_creation_arguments_as_in_torch():
    assert mg.arange(3, requires_grad=False).tolist() == [0, 1, 2]
    assert mg.arange(0.0, end=1.0, step=0.5).tolist() == [0.0, 0.5]
    assert mg.arange(4, dtype=np.float32, requires_grad=True).requires_grad
    assert 0 <= int(mg.randint(10, (5,)).numpy().max()) < 10
    with pytest.raises(ValueError, match="step must be nonzero"):
        mg.arange(0, 3, 0)


@pytest.mark.parametrize("data", ["abc", [1, None], {1: 2}, [2 ** 70]])
def test_tensor_refuses_what_is_not_numbers(data):
    with pytest.raises(TypeError, match="could not make a tensor of numbers"):
        mg.tensor(data)


def test_hooks_see_and_change_gradients_as_in_torch(torch):
    """A hook on an intermediate tensor sees its gradient; a hook that returns a tensor replaces it; a leaf's
    hook sees its gradient summed over its uses; remove() takes a hook off."""
    def run(lib, tensor):
        x = tensor([1.0, 2.0, -1.0])
        y = x * 3
        seen = []
        y.register_hook(lambda g: seen.append(g.numpy().copy()))
        handle = x.register_hook(lambda g: g * 10)
        (y * y + x).sum().backward()                    # x is used twice: its hook sees 2 * 3y * 3 + 1
        first = x.grad.numpy().copy()
        handle.remove()
        x.grad = None
        (x * 3 * (x * 3) + x).sum().backward()         # the same again, without the hook
        return seen, first, x.grad.numpy()

    ours = run(mg, lambda v: mg.tensor(np.array(v), requires_grad=True))
    theirs = run(torch, lambda v: torch.tensor(v, dtype=torch.float64, requires_grad=True))
    for a, b in zip(ours[0], theirs[0]):
        np.testing.assert_allclose(a, b)
    np.testing.assert_allclose(ours[1], theirs[1])
    np.testing.assert_allclose(ours[2], theirs[2])
    np.testing.assert_allclose(ours[1], 10 * (18 * np.array([1.0, 2.0, -1.0]) + 1))


def test_a_hook_shows_the_gradient_reaching_a_transposed_convolution(device):
    """A learner's use: watch the gradient that flows into a layer's output during backward."""
    x = mg.randn(1, 2, 3, 3, device=device, requires_grad=True)
    w = mg.randn(2, 3, 4, 4, device=device, requires_grad=True)
    y = mg.nn.functional.conv_transpose2d(x, w, stride=2, padding=1)
    seen = []
    y.register_hook(lambda g: seen.append(g.shape))
    y.sum().backward()
    assert seen == [(1, 3, 6, 6)]


def test_hook_errors():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        mg.tensor([1.0]).register_hook(print)
    x = _x()
    y = x * 2
    y.register_hook(lambda g: mg.ones(3, dtype=np.float64))
    with pytest.raises(RuntimeError, match=r"a hook returned a gradient of shape \(3,\) for a tensor of shape \(2,\)"):
        y.sum().backward()
