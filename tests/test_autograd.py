"""Autograd semantics: accumulation, freed graphs, deep graphs, higher derivatives, grad mode,
in-place checks, broadcasting, dtypes and the error messages a learner sees."""
import threading

import numpy as np
import pytest

import minigan as mg
from minigan import backend


def _x(device, values=(1.0, -2.0, 3.0)):
    return mg.tensor(np.array(values, dtype=np.float64), device=device, requires_grad=True)


# --------------------------------------------------------------------------- accumulation
def test_two_backward_calls_accumulate_exactly_twice(device):
    x = _x(device)
    y = (x * x * x).sum()
    y.backward(retain_graph=True)
    once = x.grad.numpy().copy()
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), 2 * once)
    np.testing.assert_allclose(once, 3 * np.array([1.0, 4.0, 9.0]))


def test_backward_is_idempotent_after_reset(device):
    x = _x(device)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    first = x.grad.numpy().copy()
    x.grad = None
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), first)


def test_leaf_used_twice_sums_both_paths(device):
    x = _x(device)
    (x * 2 + x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [5.0, 5.0, 5.0])


def test_grad_is_not_aliased_to_the_upstream_array(device):
    x = _x(device)
    g = mg.tensor(np.ones(3), device=device)
    (x + 0).backward(g)
    x.grad.data[...] = 7
    np.testing.assert_array_equal(g.numpy(), np.ones(3))


def test_zero_grad_of_a_module_resets():
    nn = mg.nn
    lin = nn.Linear(3, 2)
    lin(mg.randn(4, 3)).sum().backward()
    assert lin.weight.grad is not None
    lin.zero_grad()
    assert lin.weight.grad is None


# --------------------------------------------------------------------------- freed graphs
def test_second_backward_through_freed_graph_raises(device):
    x = _x(device)
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time.*retain_graph=True"):
        y.backward()


def test_retain_graph_allows_second_backward(device):
    x = _x(device)
    y = x.sigmoid().sum()
    y.backward(retain_graph=True)
    y.backward()
    s = 1 / (1 + np.exp(-np.array([1.0, -2.0, 3.0])))
    np.testing.assert_allclose(x.grad.numpy(), 2 * s * (1 - s))


# --------------------------------------------------------------------------- deep graphs
def test_ten_thousand_op_chain_backpropagates():
    x = mg.tensor(np.array([1.0]), requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.sum().backward()  # a recursive walk would overflow Python's stack here
    np.testing.assert_allclose(x.grad.numpy(), [1.0001 ** 10_000], rtol=1e-10)


# --------------------------------------------------------------------------- higher derivatives
def test_second_derivative_of_cube_with_create_graph(device):
    x = _x(device)
    (g,) = mg.grad((x ** 3).sum(), x, create_graph=True)
    np.testing.assert_allclose(g.numpy(), 3 * np.array([1.0, 4.0, 9.0]))
    (gg,) = mg.grad(g.sum(), x)
    np.testing.assert_allclose(gg.numpy(), 6 * np.array([1.0, -2.0, 3.0]))


def test_backward_create_graph_then_differentiate_grad(device):
    x = _x(device)
    (x ** 3).sum().backward(create_graph=True)
    g = x.grad
    assert g.requires_grad
    x.grad = None
    g.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 6 * np.array([1.0, -2.0, 3.0]))


def test_grad_does_not_touch_dot_grad(device):
    x = _x(device)
    mg.grad((x * x).sum(), x)
    assert x.grad is None


def test_grad_unused_input_needs_allow_unused(device):
    x, z = _x(device), _x(device)
    with pytest.raises(RuntimeError, match="not used"):
        mg.grad((x * 2).sum(), [x, z])
    gx, gz = mg.grad((x * 2).sum(), [x, z], allow_unused=True)
    assert gz is None and np.allclose(gx.numpy(), 2)


# --------------------------------------------------------------------------- grad mode
def test_no_grad_context_manager(device):
    x = _x(device)
    with mg.no_grad():
        y = x * 2
    assert not y.requires_grad and y.grad_fn is None
    assert (x * 2).requires_grad


def test_no_grad_decorator():
    x = _x("cpu")

    @mg.no_grad()
    def double(t):
        return t * 2

    assert not double(x).requires_grad
    assert mg.is_grad_enabled()


def test_no_grad_restores_after_exception():
    with pytest.raises(ZeroDivisionError):
        with mg.no_grad():
            1 / 0
    assert mg.is_grad_enabled()


def test_enable_grad_inside_no_grad():
    x = _x("cpu")
    with mg.no_grad():
        with mg.enable_grad():
            assert (x * 2).requires_grad
        assert not (x * 2).requires_grad


def test_no_grad_is_thread_local():
    x = _x("cpu")
    inside = threading.Event()
    done = threading.Event()
    seen = {}

    def worker():
        with mg.no_grad():
            seen["worker"] = (x * 2).requires_grad
            inside.set()
            done.wait(5)

    t = threading.Thread(target=worker)
    t.start()
    assert inside.wait(5)
    seen["main"] = (x * 2).requires_grad  # recorded while the other thread sits inside no_grad
    done.set()
    t.join()
    assert seen == {"worker": False, "main": True}


# --------------------------------------------------------------------------- in-place changes
def test_modifying_a_saved_output_in_place_raises(device):
    x = _x(device)
    y = x.sigmoid()  # sigmoid's backward needs y
    loss = (y * 1.0).sum()
    with mg.no_grad():
        y.zero_()
    with pytest.raises(RuntimeError, match="modified in place"):
        loss.backward()


def test_in_place_change_of_a_graph_tensor_while_recording_raises(device):
    # Not recorded in the graph, such a change would make backward silently differentiate the old values.
    x = _x(device)
    y = x.sigmoid()
    with pytest.raises(RuntimeError, match="zero_.*Sigmoid.*part of the graph"):
        y.zero_()
    z = x * 2
    with pytest.raises(RuntimeError, match="__setitem__.*Mul"):
        z[0] = 0.0
    with pytest.raises(RuntimeError, match="copy_"):
        z.copy_(np.zeros(3))
    z.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0, 2.0])


def test_modifying_a_saved_input_with_setitem_raises(device):
    a = mg.tensor(np.array([1.0, 2.0]), device=device)
    w = _x(device, (3.0, 4.0))
    loss = (a * w).sum()  # mul saves a for w's gradient
    a[0] = 5.0
    with pytest.raises(RuntimeError, match=r"shape \(2,\).*modified in place"):
        loss.backward()


def test_modifying_a_saved_input_with_copy_raises(device):
    a = mg.tensor(np.array([1.0, 2.0]), device=device)
    w = _x(device, (3.0, 4.0))
    loss = (a * w).sum()
    a.copy_(np.array([0.0, 0.0]))
    with pytest.raises(RuntimeError, match="modified in place"):
        loss.backward()


def test_in_place_on_a_leaf_that_requires_grad_raises_while_recording(device):
    x = _x(device)
    with pytest.raises(RuntimeError, match="zero_.*no_grad"):
        x.zero_()
    with mg.no_grad():
        x.zero_()
    np.testing.assert_array_equal(x.numpy(), 0)


# --------------------------------------------------------------------------- broadcasting and comparisons
def test_broadcasting_reduces_gradients_to_each_input_shape(device):
    a = mg.tensor(np.ones((3, 1, 5)), device=device, requires_grad=True)
    b = mg.tensor(np.ones((4, 5)), device=device, requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.shape == (3, 1, 5) and b.grad.shape == (4, 5)
    np.testing.assert_array_equal(a.grad.numpy(), 4.0)
    np.testing.assert_array_equal(b.grad.numpy(), 3.0)


def test_comparisons_do_not_require_grad(device):
    x = _x(device)
    for c in (x > 0, x < 0, x >= 1, x <= 1, x.eq(1.0), x.ne(1.0)):
        assert not c.requires_grad and c.grad_fn is None
        assert c.dtype == np.bool_
    np.testing.assert_array_equal((x > 0).numpy(), [True, False, True])


# --------------------------------------------------------------------------- errors
def test_shape_mismatch_names_op_and_both_shapes(device):
    a = mg.zeros(3, 2, device=device)
    b = mg.zeros(4, device=device)
    with pytest.raises(ValueError, match=r"add: shapes \(3, 2\) and \(4,\)"):
        a + b
    with pytest.raises(ValueError, match=r"mul: shapes \(3, 2\) and \(4,\)"):
        a * b
    with pytest.raises(ValueError, match=r"matmul: shapes \(3, 2\) and \(4,\)"):
        a @ b


def test_mixing_devices_raises(cuda_device):
    a = mg.zeros(3)
    b = mg.zeros(3, device=cuda_device)
    with pytest.raises(RuntimeError, match="same device.*cpu.*cuda"):
        a + b


def test_cuda_without_cupy_says_what_is_missing():
    ok, why = backend.cupy_status()
    if ok:
        pytest.skip("a GPU is present; the missing-CuPy message cannot be seen here")
    with pytest.raises(mg.DeviceError, match="not available") as info:
        backend.normalize_device("cuda")
    assert why in str(info.value)
    with pytest.raises(mg.DeviceError):
        mg.zeros(2, device="cuda")


def test_backward_on_non_scalar_without_grad_raises(device):
    x = _x(device)
    with pytest.raises(RuntimeError, match=r"scalar.*shape \(3,\)"):
        (x * 2).backward()


def test_backward_with_wrong_grad_shape_raises(device):
    x = _x(device)
    with pytest.raises(RuntimeError, match=r"\(2,\).*\(3,\)"):
        (x * 2).backward(np.ones(2))


def test_backward_without_graph_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        mg.tensor([1.0, 2.0]).sum().backward()


def test_requires_grad_on_integer_tensor_raises():
    with pytest.raises(TypeError, match="floating-point.*int64"):
        mg.tensor([1, 2], requires_grad=True)


# --------------------------------------------------------------------------- dtypes
def test_float_lists_become_float32():
    assert mg.tensor([1.0, 2.0]).dtype == np.float32
    assert mg.tensor(3.5).dtype == np.float32
    assert mg.tensor([[1, 2]]).dtype == np.int64
    assert mg.tensor(np.ones(2)).dtype == np.float64  # numpy arrays keep their dtype


def test_float32_stays_float32_with_python_scalars(device):
    x = mg.tensor([1.0, 2.0], device=device, requires_grad=True)
    y = ((x * 2.5 + 1) / 3.0 - 0.5) ** 2
    y = 1.0 - y.exp() * 0.1
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32


def test_gradient_takes_the_dtype_of_its_input_even_after_promotion(device):
    x = mg.tensor([1.0, 2.0], device=device, requires_grad=True)
    c = mg.tensor(np.array([3.0, 0.5]), device=device)  # float64
    y = (x * c).sum()
    assert y.dtype == np.float64  # the forward promotes, as NumPy does
    y.backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 0.5])
    (g,) = mg.grad((x * c).sum(), x, create_graph=True)
    assert g.dtype == np.float32


def test_gradient_of_float32_leaf_is_float32_through_matmul_and_reductions(device):
    w = mg.randn(3, 2, device=device, requires_grad=True)
    x = mg.randn(4, 3, device=device)
    (x @ w).mean().backward()
    assert w.grad.dtype == np.float32


def test_detach_cuts_the_graph(device):
    x = _x(device)
    y = (x * 2).detach()
    assert not y.requires_grad
    (x * y).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.array([1.0, -2.0, 3.0]))


def test_retain_grad_keeps_intermediate_gradient(device):
    x = _x(device)
    h = x * 3
    h.retain_grad()
    (h * h).sum().backward()
    np.testing.assert_allclose(h.grad.numpy(), 2 * 3 * np.array([1.0, -2.0, 3.0]))
