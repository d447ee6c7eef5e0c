"""Module's registration and traversal rules, as PyTorch has them: what an assignment may replace, shared
modules and parameters, slices of containers, ``to()`` with its several forms, ``apply`` order, and the
smaller options (``recurse``, ``keep_vars``, non-persistent buffers, ``get_submodule``)."""
import numpy as np
import pytest

import minigan as mg
import minigan.nn as nn


# --------------------------------------------------------------------------- assignment
def test_a_plain_tensor_cannot_replace_a_parameter():
    lin = nn.Linear(2, 2)
    with pytest.raises(TypeError, match=r"cannot assign 'Tensor' as parameter 'weight' \(nn.Parameter or None"):
        lin.weight = mg.tensor(np.zeros((2, 2), np.float32))
    assert [n for n, _ in lin.named_parameters()] == ["weight", "bias"]
    assert list(lin.state_dict()) == ["weight", "bias"]
    lin.weight = nn.Parameter(np.zeros((2, 2), np.float32))     # a Parameter replaces it
    np.testing.assert_array_equal(lin.state_dict()["weight"].numpy(), 0)
    lin.weight = None                                            # None empties the slot
    assert "weight" in lin._parameters and lin.weight is None
    assert list(lin.state_dict()) == ["bias"]


def test_a_buffer_takes_a_tensor_or_none_only():
    bn = nn.BatchNorm1d(3)
    with pytest.raises(TypeError, match=r"cannot assign 'ndarray' as buffer 'running_mean' \(Tensor or None"):
        bn.running_mean = np.zeros(3)
    bn.running_mean = mg.ones(3)
    np.testing.assert_array_equal(bn.state_dict()["running_mean"].numpy(), 1)
    bn.running_mean = None
    assert "running_mean" not in bn.state_dict() and "running_mean" in bn._buffers
    with pytest.raises(TypeError, match="as buffer 'extra'"):
        bn.register_buffer("extra", np.zeros(3))


def test_a_child_module_takes_a_module_or_none_only():
    net = nn.Sequential(nn.Linear(1, 1))
    with pytest.raises(TypeError, match=r"cannot assign 'int' as child module '0'"):
        setattr(net, "0", 3)
    with pytest.raises(TypeError, match="must be a Module"):
        net.add_module("1", 3)


def test_a_new_kind_of_value_replaces_the_old_registration():
    m = nn.Module()
    m.register_buffer("x", mg.zeros(2))
    m.x = nn.Parameter(np.ones(2, np.float32))          # a Parameter may take a buffer's name
    assert [n for n, _ in m.named_parameters()] == ["x"] and list(m.named_buffers()) == []
    m.y = 5                                             # plain attributes stay plain
    assert m.y == 5 and list(m.state_dict()) == ["x"]


# --------------------------------------------------------------------------- sharing
def test_a_shared_module_is_visited_once_but_named_twice_in_the_state_dict():
    s = nn.Linear(1, 1)
    net = nn.Sequential(s, s)
    assert len(list(net.modules())) == 2
    assert [n for n, _ in net.named_modules()] == ["", "0"]
    assert [n for n, _ in net.named_modules(remove_duplicate=False)] == ["", "0", "1"]
    assert len(list(net.children())) == 1
    assert [n for n, _ in net.named_parameters()] == ["0.weight", "0.bias"]
    assert list(net.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]
    assert net.load_state_dict(net.state_dict()).missing_keys == []


def test_a_shared_parameter_comes_once():
    a, b = nn.Linear(2, 2), nn.Linear(2, 2)
    b.weight = a.weight                                  # weight tying
    net = nn.Sequential(a, b)
    assert [n for n, _ in net.named_parameters()] == ["0.weight", "0.bias", "1.bias"]
    assert len(list(net.parameters())) == 3
    assert len(list(net.named_parameters(remove_duplicate=False))) == 4
    mg.optim.SGD(net.parameters(), lr=0.1)               # no "same parameter twice" error


def test_apply_visits_children_before_their_parent():
    net = nn.Sequential(nn.Sequential(nn.Linear(1, 1)), nn.ReLU())
    order = []
    assert net.apply(lambda m: order.append(type(m).__name__)) is net
    assert order == ["Linear", "Sequential", "ReLU", "Sequential"]
    s = nn.Linear(1, 1)
    seen = []
    nn.Sequential(s, s).apply(seen.append)
    assert seen == [s, seen[-1]] and len(seen) == 2


# --------------------------------------------------------------------------- containers
def test_a_slice_of_a_sequential_keeps_the_original_names():
    net = nn.Sequential(*[nn.Linear(1, 1) for _ in range(5)])
    tail = net[3:]
    assert isinstance(tail, nn.Sequential) and len(tail) == 2
    assert list(tail.state_dict()) == ["3.weight", "3.bias", "4.weight", "4.bias"]
    assert tail[0] is net[3] and net[-1] is net[4]
    tail.load_state_dict({k: v.numpy() for k, v in net.state_dict().items() if k[0] in "34"})


def test_a_slice_of_a_module_list_is_a_module_list():
    mods = nn.ModuleList([nn.Linear(1, 1) for _ in range(3)])
    part = mods[1:]
    assert isinstance(part, nn.ModuleList) and len(part) == 2 and part[0] is mods[1]
    assert list(part.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]


# --------------------------------------------------------------------------- to()
def test_to_takes_a_dtype_positionally_and_casts_the_gradients():
    lin = nn.Linear(2, 2)
    lin(mg.randn(3, 2)).sum().backward()
    w, g = lin.weight, lin.weight.grad
    assert lin.to(mg.float64) is lin
    assert w.dtype == np.float64 and w.grad is g and g.dtype == np.float64
    lin.to("cpu", mg.float32)
    assert w.dtype == np.float32 and g.dtype == np.float32
    lin.to(device="cpu", dtype=np.float64)
    assert w.dtype == np.float64
    lin.to(mg.zeros(1, dtype=np.float32))              # a tensor's device and dtype
    assert w.dtype == np.float32 and w.grad is g


def test_to_leaves_arrays_that_need_no_change_untouched():
    bn = nn.BatchNorm1d(2)
    bn(mg.randn(4, 2)).sum().backward()
    arrays = [t.data for t in list(bn.parameters()) + list(bn.buffers())]
    grad = bn.weight.grad.data
    bn.to("cpu").float().to(mg.float32)
    assert all(t.data is a for t, a in zip(list(bn.parameters()) + list(bn.buffers()), arrays))
    assert bn.weight.grad.data is grad
    bn.double()
    assert bn.num_batches_tracked.dtype == np.int64 and bn.running_mean.dtype == np.float64


def test_to_rejects_non_float_dtypes():
    with pytest.raises(TypeError, match="floating-point"):
        nn.Linear(1, 1).to(mg.int64)


# --------------------------------------------------------------------------- smaller options
def test_recurse_false_lists_only_the_module_itself():
    m = nn.Module()
    m.w = nn.Parameter(np.zeros(1, np.float32))
    m.register_buffer("b", mg.zeros(1))
    m.child = nn.BatchNorm1d(2)
    assert [n for n, _ in m.named_parameters(recurse=False)] == ["w"]
    assert len(list(m.parameters(recurse=False))) == 1 and len(list(m.parameters())) == 3
    assert [n for n, _ in m.named_buffers(recurse=False)] == ["b"]
    assert len(list(m.buffers(recurse=False))) == 1 and len(list(m.buffers())) == 4


def test_state_dict_keep_vars_gives_the_parameters_themselves():
    lin = nn.Linear(2, 2)
    sd = lin.state_dict(keep_vars=True)
    assert sd["weight"] is lin.weight and sd["weight"].requires_grad
    assert lin.state_dict()["weight"] is not lin.weight
    assert list(lin.state_dict(prefix="head.")) == ["head.weight", "head.bias"]


def test_non_persistent_buffers_stay_out_of_the_state_dict():
    m = nn.Module()
    m.register_buffer("kept", mg.zeros(2))
    m.register_buffer("scratch", mg.zeros(2), persistent=False)
    assert list(m.state_dict()) == ["kept"]
    assert [n for n, _ in m.named_buffers()] == ["kept", "scratch"]
    m.to(mg.float64)
    assert m.scratch.dtype == np.float64
    m.load_state_dict({"kept": np.ones(2)})
    m.register_buffer("scratch", mg.zeros(2))          # registered again as persistent
    assert list(m.state_dict()) == ["kept", "scratch"]


def test_named_children_and_get_submodule():
    net = nn.Sequential(nn.Sequential(nn.Linear(1, 2), nn.ReLU()), nn.Linear(2, 1))
    assert [n for n, _ in net.named_children()] == ["0", "1"]
    assert net.get_submodule("0.1") is net[0][1]
    assert net.get_submodule("") is net
    with pytest.raises(AttributeError, match="no submodule '5'"):
        net.get_submodule("0.5")


def test_buffer_assigned_to_an_attribute_is_registered_as_torch(torch):
    """``self.x = nn.Buffer(t)`` registers a buffer (``persistent=False`` keeps it out of the state dict), stored as
    a plain Tensor on the same memory, as ``torch.nn.Buffer``."""
    class Ours(mg.nn.Module):
        def __init__(self):
            super().__init__()
            self.mean = mg.nn.Buffer(mg.zeros(3))
            self.scratch = mg.nn.Buffer(mg.ones(2), persistent=False)

    class Theirs(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.mean = torch.nn.Buffer(torch.zeros(3))
            self.scratch = torch.nn.Buffer(torch.ones(2), persistent=False)

    ours, theirs = Ours(), Theirs()
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["mean"]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()] == ["mean", "scratch"]
    assert type(ours.mean) is mg.Tensor and not ours.mean.requires_grad
    t = mg.ones(2)
    buf = mg.nn.Buffer(t)
    ours.extra = buf
    assert ours.extra.data is t.data                                        # the same memory
    assert mg.nn.Buffer().shape == (0,) and mg.nn.Buffer().dtype == np.float32
    with pytest.raises(TypeError, match="Buffer: expected a Tensor or an array, got list"):
        mg.nn.Buffer([1, 2])
