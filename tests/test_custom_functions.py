"""Custom Functions as PyTorch users write them: ctx.mark_non_differentiable, ctx.set_materialize_grads, the
setup_context style, vjp as backward's other name, @once_differentiable and ctx.mark_dirty; each gradchecked
where it differentiates, held against the same Function written for torch, and its errors."""
import minigan as mg  # noqa: I001  (minigan before numpy)
import numpy as np
import pytest

from helpers import check_grad, compare_with_torch, distinct, randn, tensors
from minigan import backend
from minigan.function import once_differentiable


def _for_torch(torch, cls, *names):
    """A torch.autograd.Function made of ``cls``'s own static methods: the very same code, run by PyTorch."""
    names = names or ("forward", "setup_context", "backward")
    return type("T" + cls.__name__, (torch.autograd.Function,), {k: v for k, v in vars(cls).items() if k in names})

# ----------------------------------------------------------------- mark_non_differentiable
def _sort(x):
    """(values, indices) of raw array ``x`` sorted along its last dim."""
    xp = backend.xp_of(x)
    idx = xp.argsort(x, axis=-1, kind="stable")
    return xp.take_along_axis(x, idx, axis=-1), idx


def _unsort(g, idx):
    """The values' gradient sent back to where each value came from."""
    return mg.zeros(g.shape, dtype=g.dtype, device=g.device).scatter(-1, idx, g)


class Sort(mg.Function):
    """Sorted values (differentiable) and the indices (marked non-differentiable) along the last dim."""
    seen = []

    @staticmethod
    def forward(ctx, x):
        values, idx = _sort(x)
        ctx.mark_non_differentiable(idx)
        ctx.save_for_backward(idx)
        return values, idx

    @staticmethod
    def backward(ctx, g_values, g_indices):
        Sort.seen.append(g_indices)
        return _unsort(g_values, *ctx.saved_tensors)


@pytest.mark.parametrize("shape", [(5,), (3, 1), (2, 3, 4), (1, 7)])
def test_non_differentiable_indices_gradcheck(device, shape):
    check_grad(lambda x: Sort.apply(x)[0], distinct(*shape), device=device)
    x, = tensors(device, distinct(*shape))
    values, idx = Sort.apply(x)
    assert values.requires_grad and not idx.requires_grad and idx.grad_fn is None
    assert idx.dtype == np.int64
    Sort.seen.clear()
    values.sum().backward()
    assert Sort.seen[0].shape == shape and not Sort.seen[0].numpy().any()   # zeros, as torch gives them


def test_non_differentiable_outputs_match_torch(torch):
    class TSort(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            v, i = x.sort(stable=True)
            ctx.mark_non_differentiable(i)
            ctx.save_for_backward(i)
            return v, i

        @staticmethod
        def backward(ctx, gv, gi):
            return torch.zeros_like(gv).scatter(-1, ctx.saved_tensors[0], gv)

    compare_with_torch(torch, lambda x: Sort.apply(x)[0] * 1.5, lambda x: TSort.apply(x)[0] * 1.5, [distinct(3, 5)])
    _, ti = TSort.apply(torch.tensor(distinct(3, 5), requires_grad=True))
    _, i = Sort.apply(mg.tensor(distinct(3, 5), requires_grad=True))
    assert i.requires_grad == ti.requires_grad is False
    np.testing.assert_array_equal(i.numpy(), ti.numpy())


def test_marking_an_array_that_is_not_an_output_is_refused():
    class Copy(mg.Function):
        @staticmethod
        def forward(ctx, x):
            idx = backend.xp_of(x).argsort(x)
            ctx.mark_non_differentiable(idx)
            return x * 2, idx.astype(np.int32)          # a copy: not the array marked

        @staticmethod
        def backward(ctx, g, gi):
            return g * 2

    with pytest.raises(RuntimeError, match=r"Copy: mark_non_differentiable: argument 0 is not one of the arrays"):
        Copy.apply(mg.tensor(randn(4), requires_grad=True))


# ----------------------------------------------------------------- set_materialize_grads
class Split(mg.Function):
    """(2x, x^3): backward adds what it got, skipping None (set_materialize_grads(False)); with ``constant``
    the second, a float, is marked non-differentiable."""
    seen = []

    @staticmethod
    def forward(ctx, x, materialize=True, constant=False):
        ctx.set_materialize_grads(materialize)
        ctx.save_for_backward(x)
        a, b = 2 * x, x ** 3
        if constant:
            ctx.mark_non_differentiable(b)
        return a, b

    @staticmethod
    def backward(ctx, ga, gb):
        Split.seen.append((ga, gb))
        x, = ctx.saved_tensors
        g = (0 if ga is None else 2 * ga) + (0 if gb is None else 3 * x * x * gb)
        return g, None, None                             # one per argument, as torch wants them


@pytest.mark.parametrize("materialize", [True, False])
@pytest.mark.parametrize("use", [0, 1])
def test_set_materialize_grads_gradcheck(device, materialize, use):
    check_grad(lambda x: Split.apply(x, materialize, False)[use], randn(3, 1, 2), device=device)
    mg.gradgradcheck(lambda x: Split.apply(x, materialize, False)[use], tensors(device, randn(3, 1, 2)))
    x, = tensors(device, randn(3, 1, 2))
    Split.seen.clear()
    Split.apply(x, materialize, False)[use].sum().backward()
    unused = Split.seen[0][1 - use]
    assert (unused is None) if not materialize else not unused.numpy().any()


@pytest.mark.parametrize("materialize", [True, False])
def test_a_float_output_marked_non_differentiable(device, materialize):
    check_grad(lambda x: Split.apply(x, materialize, True)[0], randn(2, 3), device=device)
    x, = tensors(device, randn(2, 3))
    a, b = Split.apply(x, materialize, True)
    assert a.requires_grad and not b.requires_grad and b.grad_fn is None
    Split.seen.clear()
    a.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full((2, 3), 2.0))
    gb = Split.seen[0][1]
    assert (gb is None) if not materialize else gb.shape == (2, 3) and not gb.numpy().any()
    with pytest.raises(RuntimeError, match="does not require grad"):
        b.sum().backward()


def test_set_materialize_grads_matches_torch(torch):
    TSplit = _for_torch(torch, Split)
    for materialize, use, constant in [(True, 0, False), (True, 1, False), (False, 0, False), (False, 1, False),
                                       (True, 0, True), (False, 0, True)]:
        Split.seen.clear()
        compare_with_torch(torch, lambda x: Split.apply(x, materialize, constant)[use],
                           lambda x: TSplit.apply(x, materialize, constant)[use], [randn(2, 3)])
        assert [g is None for g in Split.seen[0]] == [g is None for g in Split.seen[1]]    # minigan's, torch's
        t_out = TSplit.apply(torch.tensor(randn(2), requires_grad=True), materialize, constant)
        assert [o.requires_grad for o in Split.apply(*tensors("cpu", randn(2)), materialize, constant)] == \
            [o.requires_grad for o in t_out]


# ----------------------------------------------------------------- the setup_context style
class MulAdd(mg.Function):
    """x * y + alpha * x, in the setup_context style."""
    seen = {}

    @staticmethod
    def forward(x, y, alpha=0.5):
        return x * y + alpha * x

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, y, alpha = inputs
        MulAdd.seen.update(inputs=inputs, output=output, grad_enabled=mg.is_grad_enabled())
        ctx.alpha = alpha
        ctx.save_for_backward(x, y)

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        return g * (y + ctx.alpha), g * x, None          # one per input of setup_context, default included


@pytest.mark.parametrize("shape", [(), (1,), (3, 5), (2, 1, 3)])
def test_setup_context_style_gradchecks(device, shape):
    check_grad(lambda x, y: MulAdd.apply(x, y), randn(*shape, seed=1), randn(*shape, seed=2), device=device)
    check_grad(lambda x, y: MulAdd.apply(x, y, alpha=-2.0), randn(*shape, seed=1), randn(*shape, seed=2),
               device=device)
    mg.gradgradcheck(lambda x, y: MulAdd.apply(x, y, 3.0), tensors(device, randn(*shape, seed=3), randn(*shape)))


def test_setup_context_gets_the_inputs_as_given_and_what_forward_returned():
    x, y = tensors("cpu", randn(2, 3, seed=1), randn(2, 3, seed=2))
    out = MulAdd.apply(x, y)
    inputs, output = MulAdd.seen["inputs"], MulAdd.seen["output"]
    assert inputs[0] is x and inputs[1] is y and inputs[2] == 0.5       # Tensors as given; the default filled in
    assert backend.is_array(output) and output is out.data               # forward's array, wrapped as is
    assert MulAdd.seen["grad_enabled"] is False and out.grad_fn.name() == "MulAddBackward0"   # under no_grad


def test_setup_context_style_matches_torch(torch):
    TMulAdd = _for_torch(torch, MulAdd)
    compare_with_torch(torch, lambda x, y: MulAdd.apply(x, y), lambda x, y: TMulAdd.apply(x, y),
                       [randn(3, 4, seed=1), randn(3, 4, seed=2)])
    compare_with_torch(torch, lambda x, y: MulAdd.apply(x, y, 1.5), lambda x, y: TMulAdd.apply(x, y, 1.5),
                       [randn(1, 4, seed=3), randn(1, 4, seed=4)])
    TMulAdd.apply(*(torch.tensor(randn(2), requires_grad=True) for _ in range(2)))
    assert len(MulAdd.seen["inputs"]) == 3 and MulAdd.seen["inputs"][2] == 0.5     # torch's inputs: the same


def test_setup_context_with_several_outputs_and_marks(device):
    class SortSC(mg.Function):
        forward = staticmethod(_sort)

        @staticmethod
        def setup_context(ctx, inputs, output):
            _, idx = output
            ctx.mark_non_differentiable(idx)
            ctx.set_materialize_grads(False)
            ctx.save_for_backward(idx)

        @staticmethod
        def backward(ctx, gv, gi):
            assert gi is None
            return _unsort(gv, *ctx.saved_tensors)

    check_grad(lambda x: SortSC.apply(x)[0], distinct(3, 5), device=device)
    v, i = SortSC.apply(*tensors(device, distinct(2, 3)))
    assert v.requires_grad and not i.requires_grad


# ----------------------------------------------------------------- vjp and once_differentiable
class Cube(mg.Function):
    """x^3, with its backward given as ``vjp``."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def vjp(ctx, g):
        x, = ctx.saved_tensors
        return 3 * x * x * g


class RawCube(mg.Function):
    """x^3 with a backward written on raw arrays, so it can be differentiated once only."""
    grad_enabled = []

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        RawCube.grad_enabled.append(mg.is_grad_enabled())
        x, = ctx.saved_tensors
        return mg.tensor(3 * x.data * x.data * g.data, device=g.device)


def test_vjp_is_backward(device):
    assert Cube.backward is Cube.vjp and mg.Function.vjp is mg.Function.backward
    check_grad(Cube.apply, randn(2, 3), device=device)
    mg.gradgradcheck(Cube.apply, tensors(device, randn(4)))


def test_vjp_matches_torch(torch):
    compare_with_torch(torch, Cube.apply, _for_torch(torch, Cube, "forward", "vjp").apply, [randn(3, 2)])


def test_errors_of_the_function_styles():
    class WithCtx(mg.Function):             # the ctx style's forward beside a setup_context
        forward = staticmethod(lambda ctx, x: x)
        setup_context = staticmethod(lambda ctx, inputs, output: None)

    with pytest.raises(TypeError, match=r"WithCtx.apply: missing a required argument: 'x'.*without ctx"):
        WithCtx.apply(mg.tensor([1.0], requires_grad=True))
    with pytest.raises(RuntimeError, match="Implementing both 'backward' and 'vjp' for a custom Function is not"):
        class Both(mg.Function):
            forward = staticmethod(lambda ctx, x: x)
            backward = staticmethod(lambda ctx, g: g)
            vjp = staticmethod(lambda ctx, g: g)

    class Neither(mg.Function):
        forward = staticmethod(lambda ctx, x: x * 1)

    with pytest.raises(NotImplementedError, match="You must implement either the backward or vjp method"):
        Neither.apply(mg.tensor([1.0], requires_grad=True)).sum().backward()


def test_once_differentiable_runs_under_no_grad_and_refuses_a_second_order(device):
    check_grad(RawCube.apply, randn(2, 3), device=device)
    x, = tensors(device, randn(5))
    RawCube.grad_enabled.clear()
    gx, = mg.grad((RawCube.apply(x) * x).sum(), x, create_graph=True)
    assert RawCube.grad_enabled == [False] and gx.requires_grad
    with pytest.raises(RuntimeError, match="trying to differentiate twice a function that was marked with "
                                           "@once_differentiable"):
        gx.sum().backward()
    gx, = mg.grad((RawCube.apply(x) * x).sum(), x)                 # no create_graph: a plain gradient
    assert not gx.requires_grad
    np.testing.assert_allclose(gx.numpy(), 4 * x.numpy() ** 3)


def test_once_differentiable_matches_torch(torch):
    from torch.autograd.function import once_differentiable as t_once

    class TRawCube(torch.autograd.Function):
        forward = vars(RawCube)["forward"]

        @staticmethod
        @t_once
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return torch.tensor(3 * x.numpy() * x.numpy() * g.numpy())

    compare_with_torch(torch, RawCube.apply, TRawCube.apply, [randn(2, 2)])
    messages = []
    for grad, f, x in ((mg.grad, RawCube.apply, mg.tensor(randn(3), requires_grad=True)),
                       (torch.autograd.grad, TRawCube.apply, torch.tensor(randn(3), requires_grad=True))):
        gx, = grad((f(x) * x).sum(), x, create_graph=True)
        with pytest.raises(RuntimeError) as info:
            gx.sum().backward()
        messages.append(str(info.value))
    assert messages[0] == messages[1]


# ----------------------------------------------------------------- mark_dirty
class AddOne_(mg.Function):
    """x += 1 in place, marked dirty: allowed where nothing is recorded."""

    @staticmethod
    def forward(ctx, x):
        x += 1
        ctx.mark_dirty(x)
        return x

    @staticmethod
    def backward(ctx, g):
        return g


def test_mark_dirty_where_nothing_is_recorded_returns_the_input_itself(device):
    z = mg.zeros(2, 3, device=device, dtype=mg.float64)
    assert AddOne_.apply(z) is z and z._version == 1
    x = mg.tensor(randn(2, 3), device=device, requires_grad=True)
    with mg.no_grad():                                   # one that requires grad comes back as an alias
        r = AddOne_.apply(x)
    assert r is not x and r.data is x.data and not r.requires_grad and r._version == x._version == 1
    np.testing.assert_allclose(x.numpy(), randn(2, 3) + 1)


def test_mark_dirty_matches_torch(torch):
    TAddOne_ = _for_torch(torch, AddOne_)
    for lib, f in ((mg, AddOne_), (torch, TAddOne_)):
        z, x = lib.zeros(2, dtype=lib.float64), lib.zeros(2, dtype=lib.float64, requires_grad=True)
        with lib.no_grad():
            r = f.apply(x)
        assert f.apply(z) is z and r is not x and not r.requires_grad and x.requires_grad
        np.testing.assert_array_equal(x.detach().numpy(), [1.0, 1.0])


def test_mark_dirty_is_caught_by_a_saved_tensor_check(device, torch):
    TAddOne_ = _for_torch(torch, AddOne_)
    for f, a in ((AddOne_, mg.tensor(randn(3), device=device, requires_grad=True)),
                 (TAddOne_, torch.tensor(randn(3), requires_grad=True))):
        b = a.exp()                                          # exp saves its output b
        with mg.no_grad(), torch.no_grad():
            f.apply(b)
        np.testing.assert_allclose(b.detach().numpy(), np.exp(randn(3)) + 1)
        with pytest.raises(RuntimeError, match="modified (in place|by an inplace operation)"):
            b.sum().backward()


def test_mark_dirty_errors():
    leaf = mg.tensor(randn(3), requires_grad=True)
    with pytest.raises(RuntimeError, match="AddOne_: a leaf Variable that requires grad has been used in an in-place"):
        AddOne_.apply(leaf)
    with pytest.raises(RuntimeError, match="AddOne_: mark_dirty: minigan records no in-place operation"):
        AddOne_.apply(leaf * 1)

    class NotReturned(mg.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.mark_dirty(x)
            return x * 2

    with pytest.raises(RuntimeError, match="marked as dirty during the forward method were not returned"):
        NotReturned.apply(mg.zeros(2))

    class NotInput(mg.Function):
        @staticmethod
        def forward(ctx, x):
            y = x * 2
            ctx.mark_dirty(y)
            return y

    with pytest.raises(RuntimeError, match="NotInput: mark_dirty: argument 0 is not an input"):
        NotInput.apply(mg.zeros(2))
