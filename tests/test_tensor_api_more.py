"""Tensor attributes PyTorch users reach for: ``retains_grad``, ``output_nr``, the layout queries (``is_sparse``
...), ``resize_`` / ``resize_as_``, ``as_subclass``, shared and pinned memory; and ``nn.init``'s deprecated names
without the ``_``. Each is held to PyTorch where PyTorch can run it."""
import os
import warnings

import numpy as np
import pytest

import minigan as mg
import minigan.nn as nn
from helpers import check_grad, randn

LAYOUT_QUERIES = ["is_sparse", "is_sparse_csr", "is_quantized", "is_meta", "is_mkldnn", "is_nested"]


def both(torch, values, **kwargs):
    """The same values as a minigan and a torch tensor."""
    return mg.tensor(np.asarray(values), **kwargs), torch.tensor(np.asarray(values), **kwargs)


# --------------------------------------------------------------------------- retains_grad, output_nr
def test_retains_grad_matches_torch(torch):
    for lib in (torch, mg):
        x = lib.ones(3, requires_grad=True)
        y, z = x * 2, x * 3
        assert (x.retains_grad, y.retains_grad) == (False, False)
        y.retain_grad()
        x.retain_grad()                               # a leaf keeps its grad anyway: still False
        assert (x.retains_grad, y.retains_grad, z.retains_grad) == (False, True, False)
        (y + z).sum().backward()
        assert y.grad is not None
        assert lib.ones(2).retains_grad is False
    assert z.grad is None                             # minigan's z: backward kept no grad on it


@pytest.mark.parametrize("op", ["split", "svd", "qr", "mul"])
def test_output_nr_matches_torch(torch, op):
    a = randn(4, 3, seed=1)
    calls = {"split": lambda lib, x: lib.split(x, [1, 2, 1]),
             "svd": lambda lib, x: tuple(lib.linalg.svd(x, full_matrices=False)),
             "qr": lambda lib, x: tuple(lib.linalg.qr(x)),
             "mul": lambda lib, x: (x * 2,)}
    x, tx = both(torch, a, requires_grad=True)
    ours = [t.output_nr for t in calls[op](mg, x)]
    assert ours == [t.output_nr for t in calls[op](torch, tx)]
    assert x.output_nr == tx.output_nr == 0
    with mg.no_grad():                                # no graph: every result is a leaf, output 0
        assert [t.output_nr for t in calls[op](mg, x)] == [0] * len(ours)


def test_graph_queries_are_read_only(torch):
    x, tx = both(torch, [1.0, 2.0])
    for name in ["output_nr", "retains_grad"] + LAYOUT_QUERIES:
        with pytest.raises(AttributeError):
            setattr(tx, name, 1)
        with pytest.raises(AttributeError):
            setattr(x, name, 1)


@pytest.mark.parametrize("name", LAYOUT_QUERIES)
def test_layout_queries_are_false_as_torch_dense_tensors(torch, name, device):
    x = mg.ones(2, 3, device=device)
    assert getattr(x, name) is False
    assert getattr(torch.ones(2, 3), name) is False
    assert "dense" in getattr(mg.Tensor, name).__doc__


# --------------------------------------------------------------------------- resize_, resize_as_
def resize_steps(torch, start, steps):
    """Run the same resize_ calls on a minigan and a torch tensor; compare shape, version and the elements torch
    defines (a grown tail is uninitialised in torch, zeros in minigan) after each."""
    x, tx = start(mg), start(torch)
    seen = int(np.prod(tx.shape))                                  # storage elements torch has defined
    for sizes in steps:
        assert x.resize_(*sizes) is x
        tx.resize_(*sizes)
        assert x.shape == tuple(tx.shape) and x.dtype == np.float64
        assert x._version == tx._version
        n = x.numel()
        defined = min(n, seen)
        theirs = tx.clone().numpy().reshape(-1)                         # (a numpy() view would pin torch's storage)
        np.testing.assert_array_equal(x.numpy().reshape(-1)[:defined], theirs[:defined])
        assert not x.numpy().reshape(-1)[defined:].any()              # minigan's new memory is zeros
        seen = max(seen, n) if defined == n else defined
    return x, tx


def test_resize_reinterprets_and_grows_as_torch(torch):
    arange = lambda lib: lib.arange(6, dtype=lib.float64)          # noqa: E731
    resize_steps(torch, arange, [(2, 2), (6,), (2, 3), (2, 3), ((3, 3),), ([2],), ((),)])


def test_resize_keeps_the_storage_offset_and_ignores_strides(torch):
    resize_steps(torch, lambda lib: lib.arange(8, dtype=lib.float64)[3:], [(2,), (5,), (7,)])
    resize_steps(torch, lambda lib: lib.arange(6, dtype=lib.float64).reshape(2, 3).T, [(3, 2), (2, 3), (6,)])


def test_resize_same_storage_is_seen_by_views():
    x = mg.arange(6, dtype=np.float64)
    view = x[:4]
    x.resize_(2, 2)
    x[1, 1] = 30.0
    assert view.tolist() == [0.0, 1.0, 2.0, 30.0]
    x.resize_(6)                                                    # still in the storage: the old values
    assert x.tolist() == [0.0, 1.0, 2.0, 30.0, 4.0, 5.0]
    assert view._version == x._version == 3                        # views share the version counter


def test_resize_as_matches_torch(torch):
    x, tx = both(torch, np.arange(6.0))
    assert x.resize_as_(mg.zeros(3, 1)) is x
    tx.resize_as_(torch.zeros(3, 1))
    np.testing.assert_array_equal(x.numpy(), tx.numpy())
    assert x._version == tx._version == 1
    with pytest.raises(TypeError, match="resize_as_"):
        x.resize_as_((2, 2))


@pytest.mark.parametrize("kind", ["leaf", "non-leaf", "no_grad leaf"])
def test_resize_refuses_tensors_that_require_grad(torch, kind):
    for lib in (torch, mg):
        x = lib.ones(3, dtype=lib.float64, requires_grad=True)
        target = x * 2 if kind == "non-leaf" else x
        with pytest.raises(RuntimeError, match="cannot resize variables that require grad"):
            if kind == "no_grad leaf":
                with lib.no_grad():
                    target.resize_(2)
            else:
                target.resize_(2)
        with pytest.raises(RuntimeError, match="cannot resize variables that require grad"):
            target.resize_as_(lib.ones(2))
    y = x.detach()
    y.resize_(2)                                                    # a detached alias may be resized
    assert y.shape == (2,) and x.shape == (3,)


def test_resize_bad_sizes(torch):
    x, tx = both(torch, [1.0, 2.0])
    with pytest.raises(TypeError, match="must be tuple of ints"):
        tx.resize_(2.5)
    with pytest.raises(TypeError, match=r"resize_\(\): argument 'size' \(position 1\) must be tuple of ints"):
        x.resize_(2.5)
    with pytest.raises(RuntimeError):
        tx.resize_(2, -1)
    with pytest.raises(RuntimeError, match=r"resize_: sizes must be non-negative, got \[2, -1\]"):
        x.resize_(2, -1)
    assert x.shape == (2,) and x._version == 0


# --------------------------------------------------------------------------- as_subclass
class MyTensor(mg.Tensor):
    def describe(self):
        return f"MyTensor{self.shape}"


def test_as_subclass_shares_memory_and_graph_as_torch(torch):
    a = randn(2, 3, seed=2)
    x, tx = both(torch, a, requires_grad=True)
    s = x.as_subclass(MyTensor)
    ts = tx.as_subclass(type("TorchSub", (torch.Tensor,), {}))
    assert type(s) is MyTensor and s.describe() == "MyTensor(2, 3)"
    assert (s.requires_grad, s.is_leaf) == (ts.requires_grad, ts.is_leaf) == (True, False)
    assert s.grad_fn.name() == type(ts.grad_fn).__name__ == "AliasBackward0"
    (s * s).sum().backward()
    (ts * ts).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())
    with mg.no_grad():
        x.mul_(2.0)
    np.testing.assert_array_equal(s.numpy(), 2 * a)                 # one memory
    assert s._version == x._version == 1


def test_as_subclass_requires_grad_as_torch(torch):
    tsub = type("TorchSub", (torch.Tensor,), {})
    for lib, cls in ((mg, MyTensor), (torch, tsub)):
        x = lib.ones(2, dtype=lib.float64, requires_grad=True)
        with lib.no_grad():
            s = x.as_subclass(cls)
        assert (s.requires_grad, s.is_leaf, s.grad_fn) == (True, True, None)
        plain = lib.ones(2).as_subclass(cls)
        assert (plain.requires_grad, plain.is_leaf) == (False, True)
    p = nn.Parameter(mg.ones(2))
    assert type(p.as_subclass(mg.Tensor)) is mg.Tensor
    assert type(mg.ones(2).as_subclass(nn.Parameter)) is nn.Parameter


def test_as_subclass_gradcheck(device):
    assert check_grad(lambda x: x.as_subclass(MyTensor) * x, randn(3, 1, 2, seed=3), device=device)


def test_as_subclass_refuses_other_classes(torch):
    with pytest.raises(TypeError, match="does not inherit from Tensor"):
        torch.ones(2).as_subclass(int)
    for cls in (int, np.ndarray, "Tensor"):
        with pytest.raises(TypeError, match="as_subclass: Creating a Tensor subclass from a class that does not "
                                            "inherit from Tensor"):
            mg.ones(2).as_subclass(cls)


# --------------------------------------------------------------------------- shared memory
def test_share_memory_matches_torch(torch, device):
    x, tx = mg.tensor([1.0, 2.0, 3.0], device=device), torch.tensor([1.0, 2.0, 3.0])
    assert x.is_shared() is (device != "cpu") and tx.is_shared() is False
    data = x.data
    assert x.share_memory_() is x and tx.share_memory_() is tx
    assert x.is_shared() is tx.is_shared() is True
    assert x[1:].is_shared() and tx[1:].is_shared()               # views of shared memory are shared
    assert x.tolist() == tx.tolist() and x.dtype == np.float32 and x._version == tx._version == 0
    if device != "cpu":
        assert x.data is data                                      # a no-op on the GPU
    again = x.data
    x.share_memory_()
    assert x.data is again                                         # already shared: a no-op
    assert mg.ones(2, device=device).is_shared() is (device != "cpu")


def test_share_memory_keeps_grad_and_shape():
    p = nn.Parameter(mg.tensor(randn(2, 0, 3)))
    q = nn.Parameter(mg.tensor(randn(3, 2)))
    for t in (p, q):
        before = t.numpy()
        t.share_memory_()
        assert t.is_shared() and t.requires_grad and t.is_leaf
        np.testing.assert_array_equal(t.numpy(), before)
    (q * q).sum().backward()
    np.testing.assert_allclose(q.grad.numpy(), 2 * q.numpy())


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is not available on this platform")
def test_share_memory_a_forked_child_writes_are_seen():
    shared = mg.zeros(2, 3, dtype=np.float64).share_memory_()
    private = mg.zeros(2, 3, dtype=np.float64)
    with warnings.catch_warnings():                                # fork beside threads: Python warns
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:                                                   # the child: write, then leave at once
        code = 1
        try:
            shared[1, 2] = 7.0
            shared[0] = 1.5
            private[1, 2] = 7.0
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    assert shared.tolist() == [[1.5, 1.5, 1.5], [0.0, 0.0, 7.0]]   # the parent sees the child's writes
    assert not private.numpy().any()                                # and not those to unshared memory


# --------------------------------------------------------------------------- pinned memory
def test_pin_memory_without_an_accelerator_raises_as_torch(torch):
    if mg.backend.cuda_available():
        pytest.skip("a GPU is present: pin_memory() works (see test_pin_memory_copies_into_pinned_memory)")
    x, tx = both(torch, [1.0, 2.0])
    assert x.is_pinned() is tx.is_pinned() is False
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="Cannot access accelerator device when none is available"):
            tx.pin_memory()
    with pytest.raises(RuntimeError, match="pin_memory: Cannot access accelerator device when none is available"):
        x.pin_memory()


def test_pin_memory_copies_into_pinned_memory(cuda_device):
    x = mg.tensor(randn(2, 3), requires_grad=True)
    pinned = x.pin_memory()
    assert pinned.is_pinned() and not x.is_pinned() and pinned.device == "cpu"
    assert pinned.pin_memory() is pinned
    np.testing.assert_array_equal(pinned.numpy(), x.numpy())
    pinned.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((2, 3)))
    gpu = mg.ones(2, device=cuda_device)
    assert gpu.is_pinned() is False
    with pytest.raises(RuntimeError, match="only dense CPU tensors can be pinned"):
        gpu.pin_memory()


# --------------------------------------------------------------------------- nn.init's deprecated names
OLD_INIT = {"uniform": (), "normal": (), "constant": (0.25,), "xavier_uniform": (), "xavier_normal": (),
            "kaiming_uniform": (), "kaiming_normal": (), "orthogonal": (), "sparse": (0.5,), "eye": (),
            "dirac": ()}


@pytest.mark.parametrize("name", sorted(OLD_INIT))
def test_init_deprecated_names_warn_as_torch(torch, name):
    shape = (4, 3, 3) if name == "dirac" else (4, 3)
    args = OLD_INIT[name]
    tw = torch.empty(shape)
    with pytest.warns(FutureWarning) as torch_record:
        assert getattr(torch.nn.init, name)(tw, *args) is tw
    w = mg.empty(shape)
    with pytest.warns(FutureWarning) as record:
        assert getattr(nn.init, name)(w, *args) is w
    assert [str(r.message) for r in record] == [str(r.message) for r in torch_record]
    assert str(record[0].message) == f"`nn.init.{name}` is now deprecated in favor of `nn.init.{name}_`."
    assert record[0].filename == __file__                             # points at the caller, as torch's
    assert getattr(nn.init, name).__name__ == name
    mg.manual_seed(3)
    expected = getattr(nn.init, name + "_")(mg.empty(shape), *args).numpy()
    mg.manual_seed(3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        np.testing.assert_array_equal(getattr(nn.init, name)(w, *args).numpy(), expected)
