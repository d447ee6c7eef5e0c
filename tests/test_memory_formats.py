"""Memory formats (mg.channels_last ...) and mg.strided, held to PyTorch: the strides each conversion gives (in
elements, so the element size cancels), ``is_contiguous`` and ``dim_order`` on awkward strides (size-1 dims,
N = 1, gaps, broadcast zeros), when ``to``/``contiguous`` return self, the ``*_like`` functions preserving a
layout, the errors, gradients through the copies, and a channels-last model."""
import copy
import pickle
import random

import numpy as np
import pytest

import minigan as mg
import minigan.nn as nn

from helpers import check_grad, compare_with_torch, randn

FORMATS = ["contiguous_format", "channels_last", "channels_last_3d", "preserve_format"]
AWKWARD_4D = [(2, 3, 4, 5), (1, 3, 4, 5), (2, 1, 4, 5), (2, 3, 1, 1), (1, 1, 1, 1), (1, 3, 1, 5), (2, 1, 1, 5),
              (3, 2, 1, 4), (2, 0, 3, 4), (0, 3, 2, 2)]


def _pair(torch, name):
    return getattr(mg, name), getattr(torch, name)


def _both(torch, shape, strides):
    """The same strided tensor in each library (float64 zeros)."""
    t = torch.empty_strided(shape, strides, dtype=torch.float64).zero_()
    m = mg.empty_strided(shape, strides, dtype=mg.float64)
    m.data[...] = 0
    return m, t


def _awkward_geometries(count=400, seed=0):
    """Shapes of 1 to 5 dims with sizes 0 to 3, with permuted dense strides, strides with gaps, or random ones
    (broadcast zeros, overlaps, equal strides)."""
    rng, out = random.Random(seed), []
    for _ in range(count):
        nd = rng.choice([1, 2, 3, 4, 4, 4, 5, 5])
        shape = [rng.choice([0, 1, 1, 2, 3]) for _ in range(nd)]
        if rng.random() < 0.5:
            perm, strides, step = rng.sample(range(nd), nd), [0] * nd, 1
            for d in perm:
                strides[d], step = step, step * max(shape[d], 1) * (2 if rng.random() < 0.2 else 1)
        else:
            strides = [rng.choice([0, 1, 2, 3, 4, 6, 12, 24]) for _ in range(nd)]
        out.append((tuple(shape), tuple(strides)))
    return out


# ----------------------------------------------------------------- the objects
def test_format_objects_print_compare_and_copy_as_torch(torch):
    for name in FORMATS + ["strided"]:
        ours, theirs = _pair(torch, name)
        assert repr(ours) == str(ours) == repr(theirs).replace("torch.", "mg.") == f"mg.{name}"
        assert copy.deepcopy(ours) is ours and copy.copy(ours) is ours and pickle.loads(pickle.dumps(ours)) is ours
        assert ours == ours and hash(ours) == hash(getattr(mg, name))
    assert isinstance(mg.channels_last, mg.memory_format) and isinstance(mg.strided, mg.layout)
    assert len({mg.contiguous_format, mg.channels_last, mg.channels_last_3d, mg.preserve_format}) == 4
    assert mg.channels_last != mg.contiguous_format
    with pytest.raises(TypeError, match="cannot create 'mg.memory_format' instances"):
        mg.memory_format()
    x = mg.randn(2, 3)
    assert x.layout is mg.strided and x.T.layout == mg.strided
    assert torch.randn(2, 3).layout is torch.strided


# ----------------------------------------------------------------- strides, is_contiguous, dim_order
@pytest.mark.parametrize("shape", AWKWARD_4D)
def test_channels_last_strides_and_answers_match_torch(torch, shape):
    cl, tcl = _pair(torch, "channels_last")
    for make in (lambda lib, fmt: lib.empty(shape, memory_format=fmt),
                 lambda lib, fmt: lib.zeros(shape).to(memory_format=fmt),
                 lambda lib, fmt: lib.zeros(shape).contiguous(memory_format=fmt),
                 lambda lib, fmt: lib.zeros(shape).clone(memory_format=fmt)):
        ours, theirs = make(mg, cl), make(torch, tcl)
        assert ours.stride() == theirs.stride(), (shape, ours.stride(), theirs.stride())
        assert ours.is_contiguous() == theirs.is_contiguous()
        assert ours.is_contiguous(memory_format=cl) == theirs.is_contiguous(memory_format=tcl)
        assert ours.dim_order() == theirs.dim_order()
        assert mg.empty_like(ours).stride() == torch.empty_like(theirs).stride()
    plain = mg.zeros(shape)                    # N = 1, C = 1, 1x1 images: is a plain tensor channels last too?
    assert plain.is_contiguous(memory_format=cl) == torch.zeros(shape).is_contiguous(memory_format=tcl)


@pytest.mark.parametrize("shape", [(2, 3, 4, 5, 6), (1, 3, 1, 2, 2), (2, 1, 2, 1, 3), (2, 0, 3, 4, 5)])
def test_channels_last_3d_strides_match_torch(torch, shape):
    fmt, tfmt = _pair(torch, "channels_last_3d")
    ours, theirs = mg.empty(shape, memory_format=fmt), torch.empty(shape, memory_format=tfmt)
    assert ours.stride() == theirs.stride()
    assert mg.zeros(shape).to(memory_format=fmt).stride() == torch.zeros(shape).to(memory_format=tfmt).stride()
    assert ours.is_contiguous(memory_format=fmt) and not mg.randn(2, 3, 4, 5).is_contiguous(memory_format=fmt)


def test_awkward_strides_match_torch_everywhere(torch):
    """Every query and every conversion, on 400 strided geometries, against PyTorch's."""
    names = ["contiguous_format", "channels_last", "channels_last_3d"]
    for shape, strides in _awkward_geometries():
        m, t = _both(torch, shape, strides)
        empty = 0 in shape                     # a fresh empty NumPy array has strides 0: compare the others only
        for name in names + ["preserve_format"]:
            f, tf = _pair(torch, name)
            assert m.is_contiguous(memory_format=f) == t.is_contiguous(memory_format=tf), (shape, strides, name)
        assert m.dim_order() == t.dim_order(), (shape, strides)
        for check in (True, [mg.contiguous_format, mg.channels_last], []):
            tcheck = [torch.contiguous_format, torch.channels_last] if isinstance(check, list) and check else check
            try:
                ours = m.dim_order(ambiguity_check=check)
            except RuntimeError as e:
                ours = str(e)
            try:
                theirs = t.dim_order(ambiguity_check=tcheck)
            except RuntimeError as e:
                theirs = str(e)
            assert ours == theirs, (shape, strides, check)
        if not empty:
            assert m.clone().stride() == t.clone().stride(), (shape, strides)
            assert mg.empty_like(m).stride() == torch.empty_like(t).stride(), (shape, strides)
        for name in names[:1] + ([names[len(shape) - 3]] if len(shape) in (4, 5) else []):
            f, tf = _pair(torch, name)
            for ours, theirs in ((m.to(memory_format=f), t.to(memory_format=tf)),
                                 (m.contiguous(memory_format=f), t.contiguous(memory_format=tf))):
                assert (ours is m) == (theirs is t), (shape, strides, name)
                assert empty or ours.stride() == theirs.stride(), (shape, strides, name)
            assert (m.to(mg.float32, memory_format=f).stride()
                    == t.to(torch.float32, memory_format=tf).stride()), (shape, strides, name)
            assert empty or m.clone(memory_format=f).stride() == t.clone(memory_format=tf).stride()


def test_dim_order_examples_as_torch_documents():
    assert mg.empty((2, 3, 5, 7)).dim_order() == (0, 1, 2, 3)
    assert mg.empty((2, 3, 5, 7)).transpose(1, 2).dim_order() == (0, 2, 1, 3)
    assert mg.empty((2, 3, 5, 7), memory_format=mg.channels_last).dim_order() == (0, 2, 3, 1)
    assert mg.tensor(3.0).dim_order() == () and mg.zeros(4).dim_order() == (0,)
    with pytest.raises(RuntimeError, match="does not have unique dim order"):
        mg.empty((1, 2, 3, 4)).dim_order(ambiguity_check=True)
    assert mg.empty((1, 2, 3, 4)).dim_order(ambiguity_check=[mg.contiguous_format, mg.channels_last]) == (0, 1, 2, 3)
    for bad in ("ILLEGAL", [mg.channels_last, 1]):
        with pytest.raises(TypeError, match="must be a bool or a list of memory formats"):
            mg.empty((1, 2, 3, 4)).dim_order(ambiguity_check=bad)


# ----------------------------------------------------------------- conversions: values, aliasing, copies
def test_conversions_keep_values_and_copy_only_when_needed():
    x = mg.tensor(randn(2, 3, 4, 5))
    y = x.to(memory_format=mg.channels_last)
    np.testing.assert_array_equal(y.numpy(), x.numpy())
    assert y.stride() == (60, 1, 15, 3) and not y.is_contiguous() and y.is_contiguous(memory_format=mg.channels_last)
    assert y.to(memory_format=mg.channels_last) is y and y.contiguous(memory_format=mg.channels_last) is y
    assert x.to(memory_format=mg.preserve_format) is x and x.contiguous(memory_format=mg.contiguous_format) is x
    back = y.contiguous()
    assert back.stride() == (60, 20, 5, 1) and np.array_equal(back.numpy(), x.numpy())
    c = y.clone()                               # preserve: the copy stays channels last, in memory of its own
    assert c.stride() == y.stride() and not np.shares_memory(c.data, y.data)
    c[0, 0, 0, 0] = 100.0
    assert y[0, 0, 0, 0].item() == x[0, 0, 0, 0].item() != 100.0
    t = x.transpose(1, 3)                       # a dense transpose: clone keeps it stride for stride
    assert t.clone().stride() == t.stride() and t.clone(memory_format=mg.contiguous_format).is_contiguous()
    assert x.to(mg.float64, memory_format=mg.channels_last).stride() == (60, 1, 15, 3)
    assert y.double().stride() == (60, 1, 15, 3)    # a cast keeps the layout, as PyTorch's (preserve)


def test_like_functions_preserve_the_layout_as_torch(torch):
    shape = (2, 3, 4, 5)
    ours = mg.zeros(shape).to(memory_format=mg.channels_last)
    theirs = torch.zeros(shape).to(memory_format=torch.channels_last)
    sliced, tsliced = ours[:, :, ::2], theirs[:, :, ::2]      # gaps: the copy keeps the order, dense
    for name in ("zeros_like", "ones_like", "empty_like", "rand_like", "randn_like"):
        for m, t in ((ours, theirs), (sliced, tsliced), (ours.transpose(0, 2), theirs.transpose(0, 2))):
            assert getattr(mg, name)(m).stride() == getattr(torch, name)(t).stride(), name
        assert getattr(mg, name)(ours, memory_format=mg.contiguous_format).is_contiguous()
    assert mg.full_like(ours, 2.5).stride() == torch.full_like(theirs, 2.5).stride()
    assert mg.randint_like(ours, 5).stride() == torch.randint_like(theirs, 5).stride()
    assert mg.ones_like(mg.zeros(shape), memory_format=mg.channels_last).stride() == (60, 1, 15, 3)
    assert (mg.full_like(ours, 2.5).numpy() == 2.5).all() and (mg.ones_like(sliced).numpy() == 1).all()


def test_like_functions_draw_the_same_numbers_whatever_the_layout():
    x = mg.zeros(2, 3, 4, 5)
    for name in ("rand_like", "randn_like"):
        mg.manual_seed(5)
        plain = getattr(mg, name)(x)
        mg.manual_seed(5)
        last = getattr(mg, name)(x.to(memory_format=mg.channels_last))
        assert last.is_contiguous(memory_format=mg.channels_last) and plain.is_contiguous()
        np.testing.assert_array_equal(last.numpy(), plain.numpy())


# ----------------------------------------------------------------- errors
def _raises_as_torch(torch, ours, theirs, error, match):
    with pytest.raises(error, match=match):
        theirs(torch)
    with pytest.raises(error, match=match):
        ours()


@pytest.mark.parametrize("call", [
    lambda lib, fmt: lib.zeros(2, 3, 4).to(memory_format=fmt),
    lambda lib, fmt: lib.zeros(2, 3, 4).contiguous(memory_format=fmt),
    lambda lib, fmt: lib.zeros(2, 3, 4).clone(memory_format=fmt),
    lambda lib, fmt: lib.empty(2, 3, 4, memory_format=fmt),
    lambda lib, fmt: lib.zeros_like(lib.zeros(2, 3, 4), memory_format=fmt),
])
def test_channels_last_needs_rank_4_as_torch(torch, call):
    _raises_as_torch(torch, lambda: call(mg, mg.channels_last), lambda t: call(t, t.channels_last), RuntimeError,
                     "required rank 4 tensor to use channels_last format")
    _raises_as_torch(torch, lambda: call(mg, mg.channels_last_3d), lambda t: call(t, t.channels_last_3d),
                     RuntimeError, "required rank 5 tensor to use channels_last_3d format")
    assert mg.zeros(2, 3, 4).is_contiguous(memory_format=mg.channels_last) is False    # a question, not an error


def test_other_errors_name_the_function(torch):
    x = mg.zeros(2, 3, 4, 5)
    _raises_as_torch(torch, lambda: x.mT.contiguous(memory_format=mg.preserve_format),
                     lambda t: t.zeros(2, 3, 4, 5).mT.contiguous(memory_format=t.preserve_format), RuntimeError,
                     "preserve memory format is unsupported by the contiguous operator")
    _raises_as_torch(torch, lambda: mg.empty(2, 3, memory_format=mg.preserve_format),
                     lambda t: t.empty(2, 3, memory_format=t.preserve_format), RuntimeError,
                     "unsupported memory format Preserve")
    for call, name in ((lambda: x.is_contiguous(memory_format="channels_last"), "is_contiguous"),
                       (lambda: x.contiguous(memory_format=3), "contiguous"),
                       (lambda: x.clone(memory_format=1), "clone"),
                       (lambda: x.to(memory_format="channels_last"), "to"),
                       (lambda: mg.zeros_like(x, memory_format="x"), "zeros_like"),
                       (lambda: mg.empty(2, memory_format="x"), "empty")):
        with pytest.raises(TypeError, match=rf"{name}\(\): argument 'memory_format' must be mg.memory_format, not"):
            call()


# ----------------------------------------------------------------- autograd through the copies
@pytest.mark.parametrize("convert", [
    lambda x: x.to(memory_format=mg.channels_last),
    lambda x: x.contiguous(memory_format=mg.channels_last).contiguous(),
    lambda x: x.transpose(1, 3).clone(),
    lambda x: x[:, :, ::2].clone(memory_format=mg.channels_last),
])
def test_gradients_pass_through_the_copies(device, convert):
    report = check_grad(lambda x: convert(x) * convert(x).sum(), randn(2, 3, 4, 5, seed=3), device=device)
    assert report
    x = mg.tensor(randn(1, 3, 1, 5), device=device, requires_grad=True)
    assert mg.gradgradcheck(lambda v: (convert(v) ** 2).sum(dim=1), [x])


def test_copies_match_torch_values_gradients_and_node_names(torch):
    a = randn(2, 3, 4, 5, seed=4)
    compare_with_torch(torch, lambda x: x.to(memory_format=mg.channels_last) * x.mT.clone().mT,
                       lambda x: x.to(memory_format=torch.channels_last) * x.mT.clone().mT, [a])
    x = mg.tensor(a, requires_grad=True)
    assert x.contiguous(memory_format=mg.channels_last).grad_fn.name() == "CloneBackward0"
    with mg.no_grad():
        assert x.clone(memory_format=mg.channels_last).grad_fn is None


# ----------------------------------------------------------------- a channels-last model
def _model():
    mg.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.Conv2d(8, 4, 3, stride=2),
                         nn.Flatten(), nn.Linear(4 * 3 * 3, 2))


def test_module_to_channels_last_relays_4d_parameters_as_torch(torch):
    model, plain = _model(), _model()
    params = list(model.parameters())
    assert model.to(memory_format=mg.channels_last) is model and list(model.parameters()) == params
    tmodel = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.BatchNorm2d(8), torch.nn.ReLU(),
                                 torch.nn.Conv2d(8, 4, 3, stride=2), torch.nn.Flatten(), torch.nn.Linear(36, 2))
    tmodel.to(memory_format=torch.channels_last)
    for (name, p), (tname, tp) in zip(model.named_parameters(), tmodel.named_parameters()):
        assert name == tname and p.stride() == tp.stride(), name
    for (name, b), (_, tb) in zip(model.named_buffers(), tmodel.named_buffers()):
        assert b.stride() == tb.stride(), name
    x = mg.tensor(randn(2, 3, 7, 7, seed=5).astype(np.float32))
    conv_out = model[0](x.to(memory_format=mg.channels_last))
    assert conv_out.is_contiguous(memory_format=mg.channels_last)
    np.testing.assert_allclose(model(x.to(memory_format=mg.channels_last)).numpy(), plain(x).numpy(),
                               rtol=1e-5, atol=1e-6)


def test_module_to_moves_gradients_and_refuses_the_wrong_rank_without_changing_anything():
    model = _model()
    model(mg.randn(2, 3, 7, 7)).sum().backward()
    model.to(memory_format=mg.channels_last)
    w = model[0].weight
    assert w.is_contiguous(memory_format=mg.channels_last) and w.grad.is_contiguous(memory_format=mg.channels_last)
    before = [p.stride() for p in model.parameters()]
    with pytest.raises(RuntimeError, match="required rank 5 tensor to use channels_last_3d format"):
        model.to(memory_format=mg.channels_last_3d)
    assert [p.stride() for p in model.parameters()] == before
    with pytest.raises(TypeError, match="must be mg.memory_format"):
        model.to(memory_format="channels_last")
    model.to(memory_format=mg.contiguous_format)
    assert all(p.is_contiguous() for p in model.parameters())
