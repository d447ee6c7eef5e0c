"""Elementwise arithmetic and matmul, gradchecked in float64 on awkward and broadcast shapes."""
import numpy as np
import pytest

import minigan as mg

from helpers import check_grad, compare_with_torch, distinct, randn, tensors

BROADCAST_PAIRS = [((3, 1, 5), (4, 5)), ((1,), (2, 3)), ((2, 3), (2, 3)), ((1, 1), (3, 1)), ((), (3,))]


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div"])
@pytest.mark.parametrize("sa,sb", BROADCAST_PAIRS)
def test_binary_broadcast(device, op, sa, sb):
    a = randn(*sa, seed=1)
    b = randn(*sb, seed=2)
    if op == "div":
        b = np.sign(b) * (np.abs(b) + 0.5)  # keep away from 0
    f = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b,
         "mul": lambda a, b: a * b, "div": lambda a, b: a / b}[op]
    check_grad(f, a, b, device=device)


def test_scalar_operands_and_reflected(device):
    x = randn(3, 1, seed=3)
    check_grad(lambda x: 2.0 - x * 3 + 1 / (x * x + 1) - (-x), x, device=device)


@pytest.mark.parametrize("fn,lo", [
    (lambda x: x ** 2, None), (lambda x: x ** 3, None), (lambda x: x ** 0.5, 0.2), (lambda x: x ** -1.5, 0.2),
    (lambda x: x.exp(), None), (lambda x: x.log(), 0.2), (lambda x: x.sqrt(), 0.2), (lambda x: abs(x), None),
    (lambda x: mg.exp(x) * mg.log(x * x + 1), None),
])
def test_unary(device, fn, lo):
    x = randn(2, 3, seed=4)
    if lo is not None:
        x = np.abs(x) + lo
    else:
        x = np.sign(x) * (np.abs(x) + 0.1)  # abs is not differentiable at 0
    check_grad(fn, x, device=device)


def test_pow_with_tensor_exponent(device):
    a = np.abs(randn(3, 1, seed=5)) + 0.3
    b = randn(1, 4, seed=6)
    check_grad(lambda a, b: a ** b, a, b, device=device)
    check_grad(lambda b: 2.0 ** b, b, device=device)


@pytest.mark.parametrize("op", [mg.maximum, mg.minimum])
def test_maximum_minimum(device, op):
    a = distinct(3, 1, 4, seed=7)
    b = distinct(1, 4, seed=8) + 0.05  # never equal to a value of a
    check_grad(op, a, b, device=device)


def test_maximum_splits_ties_evenly(device):
    a, b = tensors(device, [1.0, 2.0], [1.0, 0.0])
    mg.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [0.5, 1.0])
    np.testing.assert_array_equal(b.grad.numpy(), [0.5, 0.0])


@pytest.mark.parametrize("lo,hi", [(-0.5, 0.5), (None, 0.3), (-0.2, None)])
def test_clip(device, lo, hi):
    x = distinct(3, 5, seed=9) + 0.01  # no element sits on a bound
    check_grad(lambda x: mg.clip(x, lo, hi), x, device=device)


def test_clip_without_bounds_is_an_error():
    with pytest.raises(ValueError, match="clip"):
        mg.clip(mg.zeros(2), None, None)


def test_where(device):
    cond = randn(3, 1, 4, seed=10) > 0
    a, b = randn(3, 1, 4, seed=11), randn(4, seed=12)
    check_grad(lambda a, b: mg.where(cond, a, b), a, b, device=device)
    x, y = tensors(device, a, b)
    mg.where(cond, x, y).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), cond.astype(float))
    np.testing.assert_array_equal(y.grad.numpy(), (~cond).sum(axis=(0, 1)))


def test_where_and_clamp_give_zero_where_not_chosen_even_under_an_infinite_gradient(device, torch):
    """The classic guard ``log(where(x > 0, x, 1))``: at x = 0 the upstream gradient of the unchosen branch is
    infinite, and it must come back as 0 (a select), not inf * 0 = nan (a product with a mask)."""
    x = np.array([0.0, 1.0, 2.0, -3.0])
    compare_with_torch(torch, lambda t: mg.log(mg.where(t > 0, t, mg.zeros(4, dtype=mg.float64, device=device))),
                       lambda t: torch.log(torch.where(t > 0, t, torch.zeros(4, dtype=torch.float64))), [x],
                       device=device)
    compare_with_torch(torch, lambda t: mg.log(mg.clamp(t, 1.0, None) - 1), lambda t: torch.log(t.clamp(1.0) - 1),
                       [x], device=device)
    t = tensors(device, x)[0]
    mg.log(mg.where(t > 0, t, 0.0)).sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), [0.0, 1.0, 0.5, 0.0])
    mg.gradgradcheck(lambda a, b: mg.where(a > 0, a * b, b ** 2),
                     tensors(device, randn(3, 4, seed=3), randn(4, seed=4)))


def test_where_accepts_a_list_condition(device):
    x = tensors(device, [1.0, 2.0, 3.0])[0]
    mg.where([True, False, True], x, 0.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 0.0, 1.0])


@pytest.mark.parametrize("sa,sb", [((5,), (5,)), ((3,), (3, 2)), ((2, 3), (3,)), ((1, 3), (3, 1)),
                                   ((2, 3), (3, 4)), ((2, 1, 2, 3), (3, 3, 1)), ((1, 2, 3), (4, 3, 2))])
def test_matmul(device, sa, sb):
    check_grad(lambda a, b: a @ b, randn(*sa, seed=13), randn(*sb, seed=14), device=device)


def test_matmul_mismatch_message():
    with pytest.raises(ValueError, match=r"matmul: shapes \(2, 3\) and \(2, 3\) do not align"):
        mg.zeros(2, 3) @ mg.zeros(2, 3)


# --------------------------------------------------------------------------- pow at a base of 0
def test_pow_gradients_at_a_zero_base(device):
    a, b = tensors(device, [0.0, 1.0, 0.0, 3.0], [2.0, 2.0, 0.0, 0.0])
    (a ** b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [0.0, 2.0, 0.0, 0.0])  # d/da = 0 where b = 0
    np.testing.assert_array_equal(b.grad.numpy(), [0.0, 0.0, 0.0, np.log(3.0)])  # d/db = 0 where a = 0, b >= 0


def test_pow_scalar_zero_exponent_has_zero_gradient(device):
    x = tensors(device, [0.0, 2.0, -1.0])[0]
    (x ** 0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 0.0])
    x = mg.tensor([0.0], device=device, requires_grad=True)  # float32, as reported
    (x ** 0).sum().backward()
    assert x.grad.numpy().tolist() == [0.0]


def test_pow_near_zero_base(device):
    a = np.array([[1e-3], [0.02], [0.7]])
    b = np.array([[2.0, 0.5, -1.3, 3.0]])
    check_grad(lambda a, b: a ** b, a, b, device=device)
    mg.gradgradcheck(lambda a, b: a ** b, tensors(device, a * 10 + 0.04, b))   # second derivatives stay moderate
    check_grad(lambda a: a ** 0.5 + a ** 0, a, device=device)


def test_pow_at_zero_matches_torch(torch):
    a = np.array([0.0, 1.0, 0.0, 2.0, 0.5])
    b = np.array([2.0, 2.0, 0.0, 0.0, 3.0])
    compare_with_torch(torch, lambda a, b: a ** b, lambda a, b: a ** b, [a, b])
    compare_with_torch(torch, lambda a: a ** 0, lambda a: a ** 0, [a])

    def second(fn):  # the gradient of sum(grad) with respect to (a, b), through a recorded backward
        def run(a, b):
            y = fn(a, b)
            ga, gb = (mg.grad if isinstance(a, mg.Tensor) else torch.autograd.grad)(y.sum(), (a, b),
                                                                                      create_graph=True)
            return ga + gb
        return run
    pos = np.array([0.3, 1.0, 2.0]), np.array([2.0, 0.5, 0.0])   # positive bases: finite second derivatives
    compare_with_torch(torch, second(lambda a, b: a ** b), second(lambda a, b: a ** b), list(pos))


# --------------------------------------------------------------------------- clamp with tensor bounds
@pytest.mark.parametrize("which", ["both", "min", "max"])
def test_clamp_with_tensor_bounds(device, which):
    x = distinct(3, 4, seed=21)
    lo = distinct(4, seed=22) * 0.5 - 0.3 + 0.007          # broadcast along the rows; no ties with x
    hi = lo + 0.6
    if which == "both":
        check_grad(lambda x, lo, hi: mg.clamp(x, lo, hi), x, lo, hi, device=device)
    elif which == "min":
        check_grad(lambda x, lo: mg.clamp(x, min=lo), x, lo, device=device)
    else:
        check_grad(lambda x, hi: mg.clamp(x, max=hi), x, hi, device=device)


def test_clamp_with_tensor_bounds_mixed_with_a_number(device):
    x, hi = tensors(device, [-2.0, 0.5, 3.0], [1.0, 0.2, 2.0])
    y = mg.clamp(x, -1.0, hi)
    np.testing.assert_array_equal(y.numpy(), [-1.0, 0.2, 2.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(hi.grad.numpy(), [0.0, 1.0, 1.0])


def test_clamp_tensor_bounds_at_ties(device):
    """Both bounds are inclusive for x: at a tie x gets the gradient, the bound none (PyTorch's rule)."""
    x, lo, hi = tensors(device, [1.0, 3.0, 0.0, 2.0, 4.0], [1.0, 1.0, 1.0, 3.0, 5.0], [3.0, 3.0, 3.0, 3.0, 2.0])
    mg.clamp(x, lo, hi).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(lo.grad.numpy(), [0.0, 0.0, 1.0, 0.0, 0.0])  # x < lo = hi: nobody (element 3)
    np.testing.assert_array_equal(hi.grad.numpy(), [0.0, 0.0, 0.0, 0.0, 1.0])  # hi < lo: hi is the output


def test_clamp_tensor_bounds_match_torch(torch):
    x = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 1.0, 2.0, 5.0])
    lo = np.array([1.0, 1.0, 1.0, 1.0, 5.0, 1.0, 3.0, 2.0])
    hi = np.array([3.0, 3.0, 3.0, 3.0, 2.0, 1.0, 3.0, 2.0])
    compare_with_torch(torch, lambda x, lo, hi: mg.clamp(x, lo, hi), lambda x, lo, hi: torch.clamp(x, lo, hi),
                       [x, lo, hi])
    compare_with_torch(torch, lambda x, lo: mg.clamp(x, min=lo), lambda x, lo: torch.clamp(x, min=lo), [x, lo])
    compare_with_torch(torch, lambda x, hi: mg.clamp(x, max=hi), lambda x, hi: torch.clamp(x, max=hi), [x, hi])
    compare_with_torch(torch, lambda x: mg.clamp(x, 3.0, 1.0), lambda x: torch.clamp(x, 3.0, 1.0), [x])


# --------------------------------------------------------------------------- values outside a domain, quietly
EDGE_OPS = {
    "div by 0": (lambda x: x / 0.0, lambda t, x: x / 0.0),
    "0 / 0": (lambda x: (x * 0) / (x * 0), lambda t, x: (x * 0) / (x * 0)),
    "log": (mg.log, lambda t, x: t.log(x)),
    "sqrt": (mg.sqrt, lambda t, x: t.sqrt(x)),
    "exp": (mg.exp, lambda t, x: t.exp(x)),
    "x ** -1": (lambda x: x ** -1, lambda t, x: x ** -1),
    "x ** 0.5": (lambda x: x ** 0.5, lambda t, x: x ** 0.5),
    "x ** tensor": (lambda x: x ** mg.tensor([-1.0, 0.5, 2.0, -2.0, 0.5]), lambda t, x: x ** t.tensor(
        [-1.0, 0.5, 2.0, -2.0, 0.5], dtype=t.float64)),
}


@pytest.mark.parametrize("name", list(EDGE_OPS))
def test_edge_values_and_gradients_match_torch_without_warnings(torch, name, recwarn):
    """1/0, log 0, sqrt(-1), exp(1000), 0 ** -1 and their gradients give PyTorch's inf and nan, and, as in
    PyTorch, no warning: NumPy's floating-point warnings are off inside these ops (forward and backward)."""
    ours, theirs = EDGE_OPS[name]
    x = np.array([0.0, -1.0, 1000.0, -3.0, 4.0])
    a = mg.tensor(x, requires_grad=True)
    ta = torch.tensor(x, requires_grad=True)
    y, ty = ours(a), theirs(torch, ta)
    y.backward(mg.ones_like(y))
    ty.backward(torch.ones_like(ty))
    np.testing.assert_array_equal(y.numpy(), ty.detach().numpy())
    np.testing.assert_array_equal(a.grad.numpy(), ta.grad.numpy())
    assert [str(w.message) for w in recwarn if issubclass(w.category, RuntimeWarning)] == []
