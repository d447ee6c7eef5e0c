"""Tensor behaviour a PyTorch user relies on: a view or ``detach()`` shares its base's version counter,
``+=`` and friends change a tensor in place, ``==`` is elementwise, ``no_grad`` and ``inference_mode`` decorate
with or without parentheses, ``len`` and iteration, ``size()``, and ``clone``, ``contiguous``, ``detach_``,
``is_floating_point`` and ``mg.is_tensor``."""
import numpy as np
import pytest

import minigan as mg
import minigan.nn as nn
from minigan import backend


def _t(device, values, requires_grad=False):
    return mg.tensor(np.array(values, dtype=np.float64), device=device, requires_grad=requires_grad)


# --------------------------------------------------------------------------- version counters
def test_a_change_through_detach_is_caught(device):
    x = _t(device, [1.0, 2.0], requires_grad=True)
    y = x.exp()                          # exp's backward needs y
    d = y.detach()
    assert d._version_counter is y._version_counter
    d.zero_()
    assert y._version == 1
    with pytest.raises(RuntimeError, match=r"shape \(2,\).*modified in place"):
        y.sum().backward()


def test_a_change_through_a_view_is_caught(device):
    w = _t(device, [1.0, 1.0], requires_grad=True)
    c = _t(device, [3.0, 4.0])
    loss = (w * c).sum()                 # mul saves c for w's gradient
    c[0:1].zero_()
    assert c._version == 1
    with pytest.raises(RuntimeError, match="modified in place"):
        loss.backward()


def test_a_change_to_the_base_of_a_saved_view_is_caught(device):
    w = _t(device, [[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    x = _t(device, [[1.0, 1.0]])
    loss = (x @ w.T).sum()               # matmul saves the view w.T
    with mg.no_grad():
        w -= 0.5                         # as an optimizer step would, between forward and backward
    with pytest.raises(RuntimeError, match="modified in place"):
        loss.backward()


class _ScaleBySavedView(mg.Function):
    """y = x * c, saving a flat view of c (an array of its own, not c's) for the backward."""

    @staticmethod
    def forward(ctx, x, c):
        ctx.save_for_backward(c.reshape(-1))
        return x * c

    @staticmethod
    def backward(ctx, gy):
        (flat,) = ctx.saved_tensors
        return gy * flat, None


def test_a_change_to_the_base_of_a_saved_intermediate_view_is_caught(device):
    x = _t(device, [1.0, 2.0], requires_grad=True)
    c = _t(device, [3.0, 4.0])
    _ScaleBySavedView.apply(x, c).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 4.0])
    loss = _ScaleBySavedView.apply(x, c).sum()
    c.fill_(0.0)
    with pytest.raises(RuntimeError, match="modified in place"):
        loss.backward()


def test_a_copy_keeps_its_own_counter(device):
    w = _t(device, [1.0, 1.0], requires_grad=True)
    c = _t(device, [3.0, 4.0])
    loss = (w * (c + 1.0)).sum()         # c + 1 is new memory: changing c afterwards does not matter
    copied = mg.tensor(c)
    c.zero_()
    assert copied._version == 0 and (c + 1.0)._version == 0
    loss.backward()
    np.testing.assert_array_equal(w.grad.numpy(), [4.0, 5.0])


def test_optimizer_step_and_load_state_dict_bump_the_shared_counter():
    lin = nn.Linear(2, 1)
    view = lin.weight.T
    before = view._version
    lin.weight.grad = mg.ones(1, 2)
    mg.optim.SGD(lin.parameters(), lr=0.1).step()
    assert view._version == before + 1
    lin.load_state_dict({k: v.detach() for k, v in lin.state_dict().items()})
    assert view._version == before + 2


def test_may_share_memory_sees_views_and_not_copies():
    a = np.arange(6.0).reshape(2, 3)
    assert backend.may_share_memory(a, a[1])
    assert backend.may_share_memory(a, a.T)
    assert not backend.may_share_memory(a, a.copy())
    assert not backend.may_share_memory(a[0], a[1])


def test_version_counters_match_pytorch(torch):
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    y.detach().zero_()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()
    w, c = torch.tensor([1.0, 1.0], requires_grad=True), torch.tensor([3.0, 4.0])
    loss = (w * c).sum()
    c[0:1].zero_()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


# --------------------------------------------------------------------------- in-place arithmetic
def test_sub_assign_under_no_grad_updates_a_parameter_in_place(device):
    w = nn.Parameter(_t(device, [1.0, 2.0]))
    w.grad = _t(device, [10.0, 20.0])
    original = w
    with mg.no_grad():
        w -= 0.1 * w.grad
    assert w is original and w.requires_grad and w.is_leaf
    assert w._version == 1
    np.testing.assert_allclose(w.numpy(), [0.0, 0.0])


@pytest.mark.parametrize("op, method, ref", [
    ("+=", "add_", np.add), ("-=", "sub_", np.subtract), ("*=", "mul_", np.multiply), ("/=", "div_", np.divide)])
def test_the_four_in_place_operators_write_into_the_same_memory(device, op, method, ref):
    a0 = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=np.float32)
    b = np.array([2.0, 4.0, 8.0], dtype=np.float32)          # broadcasts along the rows
    x = mg.tensor(a0, device=device)
    data = x.data
    y = x
    if op == "+=":
        y += mg.tensor(b, device=device)
    elif op == "-=":
        y -= mg.tensor(b, device=device)
    elif op == "*=":
        y *= mg.tensor(b, device=device)
    else:
        y /= mg.tensor(b, device=device)
    assert y is x and x.data is data and x._version == 1
    np.testing.assert_allclose(x.numpy(), ref(a0, b))
    z = mg.tensor(a0, device=device)
    assert getattr(z, method)(2.0) is z
    np.testing.assert_allclose(z.numpy(), ref(a0, 2.0))


def test_in_place_operators_match_pytorch(torch):
    a0 = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=np.float32)
    b = np.array([2.0, 4.0, 8.0], dtype=np.float64)          # float64 into float32: cast, as PyTorch does
    ours, theirs = mg.tensor(a0), torch.tensor(a0)
    for step in range(4):
        other, other_t = mg.tensor(b + step), torch.tensor(b + step)
        ours += other
        ours *= other
        ours -= 1.5
        ours /= other
        theirs += other_t
        theirs *= other_t
        theirs -= 1.5
        theirs /= other_t
    assert ours.dtype == np.float32 and theirs.dtype == torch.float32
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


def test_in_place_on_a_leaf_that_requires_grad_raises_while_recording(device):
    w = _t(device, [1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
        w += 1.0
    with pytest.raises(RuntimeError, match="mul_: a leaf Variable"):
        w.mul_(2.0)
    np.testing.assert_array_equal(w.numpy(), [1.0, 2.0])


def test_in_place_operator_on_a_graph_tensor_is_out_of_place_while_recording(device):
    """``loss += penalty``: the name is rebound to the sum, and the gradient is PyTorch's."""
    x = _t(device, [1.0, 2.0], requires_grad=True)
    y = y0 = x * 2
    y += x * x
    assert y is not y0
    np.testing.assert_array_equal(y0.numpy(), [2.0, 4.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 6.0])              # 2 + 2x
    with pytest.raises(RuntimeError, match=r"add_: this tensor was computed by Mul and is part of the graph"):
        y0.add_(1.0)                     # a method cannot rebind its caller's name
    with mg.no_grad():                   # allowed outside recording, and seen by the version counter
        y0 += 1.0
    assert y0._version == 1
    np.testing.assert_array_equal(y0.numpy(), [3.0, 5.0])


BROADCAST_ERROR = r"output with shape \[2, 3\] doesn't match the broadcast shape \[4, 2, 3\]"


def test_in_place_needs_the_broadcast_shape_to_be_self_shape(device):
    x = mg.zeros(2, 3, device=device)
    with pytest.raises(RuntimeError, match=BROADCAST_ERROR):
        x += mg.ones(4, 2, 3, device=device)
    assert x._version == 0


def test_in_place_broadcast_error_matches_pytorch(torch):
    t = torch.zeros(2, 3)
    with pytest.raises(RuntimeError, match=BROADCAST_ERROR):
        t += torch.ones(4, 2, 3)
    w = torch.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
        w += 1.0


def test_in_place_never_casts_a_float_result_into_an_integer_tensor(device):
    i = mg.tensor([1, 2], device=device)
    i += 3                               # integer into integer is fine
    np.testing.assert_array_equal(i.numpy(), [4, 5])
    with pytest.raises(RuntimeError, match="result type float64 can't be cast to the desired output type int64"):
        i /= 2
    with pytest.raises(RuntimeError, match="can't be cast"):
        i *= 0.5


def test_in_place_with_an_operand_that_requires_grad(device):
    x0 = _t(device, [1.0, 2.0])
    x = x0
    y = _t(device, [10.0, 20.0], requires_grad=True)
    x += y                               # minigan records no in-place op: x is rebound to the new x0 + y
    assert x is not x0 and x.requires_grad
    np.testing.assert_array_equal(x0.numpy(), [1.0, 2.0])
    (x * x).sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [22.0, 44.0])
    with pytest.raises(RuntimeError, match="add_: the other operand requires grad"):
        x0.add_(y)
    with mg.no_grad():                   # nothing is recorded: the change is made in place
        x0 += y
    np.testing.assert_array_equal(x0.numpy(), [11.0, 22.0])


def test_an_in_place_change_of_a_saved_tensor_is_caught(device):
    w = _t(device, [1.0, 1.0], requires_grad=True)
    c = _t(device, [3.0, 4.0])
    loss = (w * c).sum()
    c *= 2.0
    with pytest.raises(RuntimeError, match="modified in place"):
        loss.backward()


# --------------------------------------------------------------------------- == and !=
def test_eq_and_ne_are_elementwise(device):
    x = _t(device, [1.0, 2.0])
    assert (x == 1.0).tolist() == [True, False]
    assert (x != 1.0).tolist() == [False, True]
    assert (x == _t(device, [1.0, 3.0])).tolist() == [True, False]
    assert (1.0 == x).tolist() == [True, False]
    assert x.eq(2.0).tolist() == [False, True]
    assert (x == None) is False and (x != None) is True  # noqa: E711 - not a number: simply not equal
    assert (x == "a") is False


def test_eq_matches_pytorch(torch):
    values = [1.0, 2.0, 2.0]
    ours, theirs = mg.tensor(values), torch.tensor(values)
    assert (ours == 2.0).tolist() == (theirs == 2.0).tolist()
    assert (ours != mg.tensor([1.0, 0.0, 2.0])).tolist() == (theirs != torch.tensor([1.0, 0.0, 2.0])).tolist()


def test_tensors_stay_hashable_by_identity():
    a, b = mg.tensor([1.0]), mg.tensor([1.0])           # equal values, two tensors
    assert len({a, b}) == 2
    seen = {a: "a", b: "b"}
    assert seen[a] == "a" and seen[b] == "b"


def test_optimizer_finds_parameters_by_identity():
    same_values = [nn.Parameter(mg.tensor([1.0])), nn.Parameter(mg.tensor([1.0]))]
    opt = mg.optim.SGD([{"params": [same_values[0]]}, {"params": [same_values[1]], "lr": 0.5}], lr=0.1)
    for p in same_values:
        p.grad = mg.tensor([1.0])
    opt.step()
    np.testing.assert_allclose([p.item() for p in same_values], [0.9, 0.5])


# --------------------------------------------------------------------------- grad-mode decorators
@pytest.mark.parametrize("block", [mg.no_grad, mg.inference_mode], ids=["no_grad", "inference_mode"])
def test_recording_off_decorates_with_or_without_parentheses(block, device):
    x = _t(device, [1.0, 2.0], requires_grad=True)

    @block
    def bare(t):
        return (t * 2).requires_grad

    @block()
    def called(t):
        return (t * 2).requires_grad

    assert bare(x) is False and called(x) is False and bare.__name__ == "bare"
    assert mg.is_grad_enabled() is True


def test_enable_grad_decorates_without_parentheses():
    x = mg.tensor([1.0], requires_grad=True)

    @mg.enable_grad
    def back_on(t):
        return (t * 2).requires_grad

    with mg.no_grad():
        assert back_on(x) is True
        assert mg.is_grad_enabled() is False
    assert mg.is_grad_enabled() is True


def test_set_grad_enabled_as_a_call_a_block_and_a_decorator():
    try:
        mg.set_grad_enabled(False)       # a plain call sets the mode, as torch.set_grad_enabled does
        assert mg.is_grad_enabled() is False
        mg.set_grad_enabled(True)
        assert mg.is_grad_enabled() is True
        with mg.set_grad_enabled(False):
            assert mg.is_grad_enabled() is False
        assert mg.is_grad_enabled() is True

        @mg.set_grad_enabled(False)
        def inside():
            return mg.is_grad_enabled()

        assert mg.is_grad_enabled() is True and inside() is False and mg.is_grad_enabled() is True
    finally:
        mg.set_grad_enabled(True)


def test_grad_mode_forms_match_pytorch(torch):
    @torch.no_grad
    def bare(t):
        return (t * 2).requires_grad

    assert bare(torch.ones(1, requires_grad=True)) is False
    try:
        torch.set_grad_enabled(False)
        assert torch.is_grad_enabled() is False
    finally:
        torch.set_grad_enabled(True)


def test_inference_mode_false_records(device):
    x = _t(device, [1.0, 2.0], requires_grad=True)

    @mg.inference_mode(False)
    def off(t):
        return (t * 2).requires_grad

    assert off(x) is True
    with mg.inference_mode():
        y = x * 2
        assert mg.is_grad_enabled() is False
        with mg.inference_mode(False):   # False turns recording on, as in PyTorch
            assert mg.is_grad_enabled() is True
        assert mg.is_grad_enabled() is False
    assert y.grad_fn is None and not y.requires_grad and mg.is_grad_enabled() is True
    with mg.inference_mode(False):
        assert (x * 2).requires_grad
    with pytest.raises(ZeroDivisionError):
        with mg.inference_mode():
            1 / 0
    assert mg.is_grad_enabled() is True


def test_inference_mode_forms_match_pytorch(torch):
    x = torch.ones(1, requires_grad=True)

    @torch.inference_mode
    def bare(t):
        return (t * 2).requires_grad

    @torch.inference_mode(False)
    def off(t):
        return (t * 2).requires_grad

    assert bare(x) is False and off(x) is True
    with torch.no_grad():
        with torch.inference_mode(False):
            assert torch.is_grad_enabled() is True
        with mg.no_grad():
            with mg.inference_mode(False):
                assert mg.is_grad_enabled() is True


# --------------------------------------------------------------------------- clone, contiguous, detach_
def test_clone_owns_its_memory_and_counter_and_passes_gradients(device):
    x = _t(device, [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    c = x.clone()
    assert c.grad_fn is not None and not backend.may_share_memory(c.data, x.data)
    assert c._version_counter is not x._version_counter
    with mg.no_grad():
        c.zero_()                        # changes the copy only
    assert c._version == 1 and x._version == 0
    np.testing.assert_array_equal(x.numpy(), [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    mg.gradcheck(lambda t: (t.clone() * t).T.clone(), [x])


def test_clone_of_a_plain_tensor_is_a_plain_copy(device):
    x = _t(device, [1.0, 2.0])
    c = x.clone()
    assert c.is_leaf and not c.requires_grad and c.data is not x.data
    np.testing.assert_array_equal(c.numpy(), x.numpy())


def test_contiguous_copies_only_what_is_not_c_contiguous(device):
    x = _t(device, np.arange(6.0).reshape(2, 3), requires_grad=True)
    assert x.contiguous() is x
    t = x.T
    assert not t.data.flags.c_contiguous
    c = t.contiguous()
    assert c.data.flags.c_contiguous and c.shape == (3, 2)
    np.testing.assert_array_equal(c.numpy(), x.numpy().T)
    mg.gradcheck(lambda a: a.T.contiguous() * 2, [x])
    mg.gradcheck(lambda a: a[:, ::2].contiguous(), [x])


def test_clone_and_contiguous_match_pytorch(torch):
    a = np.arange(6.0).reshape(2, 3)
    ours, theirs = mg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    (ours.T.contiguous().clone() * mg.tensor(a.T)).sum().backward()
    (theirs.T.contiguous().clone() * torch.tensor(a.T)).sum().backward()
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())
    assert theirs.T.contiguous().is_contiguous() and ours.T.contiguous().data.flags.c_contiguous


def test_detach_in_place_makes_a_leaf_and_keeps_the_graph_built_on_it(device):
    x = _t(device, [1.0, 2.0], requires_grad=True)
    y = x * 2
    z = y * 3
    before = y._version_counter
    assert y.detach_() is y
    assert y.is_leaf and y.grad_fn is None and not y.requires_grad and y._version_counter is before
    z.sum().backward()                   # z was built before the detach: it still reaches x
    np.testing.assert_array_equal(x.grad.numpy(), [6.0, 6.0])
    assert not (y * 3).requires_grad     # but nothing new built on y does
    leaf = _t(device, [1.0], requires_grad=True)
    assert not leaf.detach_().requires_grad and leaf.is_leaf


def test_detach_in_place_matches_pytorch(torch):
    for lib in (torch, mg):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        z = y * 3
        y.detach_()
        assert y.is_leaf and y.grad_fn is None and not y.requires_grad
        z.sum().backward()
        np.testing.assert_array_equal(np.asarray(x.grad.tolist()), [6.0, 6.0])


def test_is_floating_point_and_is_tensor(torch):
    for dtype in ("float16", "float32", "float64", "int64", "int32", "bool"):
        ours, theirs = mg.zeros(2, dtype=np.dtype(dtype)), torch.zeros(2, dtype=getattr(torch, dtype))
        assert ours.is_floating_point() == theirs.is_floating_point()
    assert mg.is_tensor(mg.zeros(1)) and mg.is_tensor(nn.Parameter(mg.zeros(1)))
    assert not mg.is_tensor(np.zeros(1)) and not mg.is_tensor([1.0]) and not mg.is_tensor(torch.zeros(1))
    assert torch.is_tensor(torch.zeros(1)) and not torch.is_tensor(np.zeros(1))


# --------------------------------------------------------------------------- len, iteration, size()
def test_len_and_iteration_of_a_0d_tensor_raise_type_error():
    x = mg.tensor(3.0)
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(x)
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        iter(x)


def test_iteration_yields_rows_that_carry_gradients(device):
    x = _t(device, [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], requires_grad=True)
    rows = list(x)
    assert len(x) == 3 and len(rows) == 3 and all(isinstance(r, mg.Tensor) for r in rows)
    np.testing.assert_array_equal(rows[1].numpy(), [3.0, 4.0])
    sum((i + 1) * r.sum() for i, r in enumerate(rows)).backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])


def test_size_is_the_shape_or_one_dimension():
    x = mg.zeros(2, 3, 4)
    assert x.size() == (2, 3, 4) and x.size(0) == 2 and x.size(-1) == 4 and x.size(dim=1) == 3
    assert x.numel() == 24
    with pytest.raises(IndexError, match=r"expected to be in range of \[-3, 2\], but got 3"):
        x.size(3)
    with pytest.raises(IndexError, match="but got -4"):
        x.size(-4)
    with pytest.raises(IndexError, match="no dimensions"):
        mg.tensor(1.0).size(0)
    assert mg.tensor(1.0).size() == () and mg.tensor(1.0).numel() == 1


def test_size_matches_pytorch(torch):
    ours, theirs = mg.zeros(2, 3, 4), torch.zeros(2, 3, 4)
    assert ours.size() == tuple(theirs.size())
    assert [ours.size(d) for d in range(-3, 3)] == [theirs.size(d) for d in range(-3, 3)]
    for bad in (3, -4):
        with pytest.raises(IndexError) as theirs_error:
            theirs.size(bad)
        with pytest.raises(IndexError) as ours_error:
            ours.size(bad)
        assert str(ours_error.value) == str(theirs_error.value)


def test_a_parameter_made_from_a_tensor_shares_its_memory_and_version_counter():
    import minigan.nn as nn
    t = mg.tensor([1.0, 2.0])
    p = nn.Parameter(t)
    assert p.data is t.data
    t.zero_()                            # a change through t is a change of p, as in PyTorch
    assert p._version == t._version == 1
    np.testing.assert_array_equal(p.numpy(), [0.0, 0.0])
