"""as_strided (overlapping windows, views, 0-d), empty_strided, storage_offset, data_ptr, apply_/map_; the *_copy
view twins; the functional RNN cells; asarray, binomial, scatter_reduce, the unsafe splitters, get_device,
typename; the top-level in-place math. Values, gradients and errors against PyTorch."""
import numpy as np
import pytest

import minigan as mg

from helpers import check_grad, compare_with_torch, randn, tensors


# ----------------------------------------------------------------- as_strided and memory
@pytest.mark.parametrize("size, stride, offset", [((3, 3), (1, 1), 0), ((2, 2), (1, 2), 1), ((4,), (0,), 2),
                                                  ((2, 1, 3), (3, 5, 2), None), ((), (), 5), ((0, 2), (1, 1), 0)])
def test_as_strided_gradcheck_and_torch(device, torch, size, stride, offset):
    a = randn(2, 4, seed=1)
    check_grad(lambda x: mg.as_strided(x, size, stride, offset), a, device=device)
    if device == "cpu":
        compare_with_torch(torch, lambda x: x.as_strided(size, stride, offset),
                           lambda x: x.as_strided(size, stride, offset), [a])


def test_as_strided_of_views_reads_the_base_storage_as_torch(torch):
    a = np.arange(12.0).reshape(3, 4)
    for view in (lambda x: x[1:], lambda x: x.t(), lambda x: x[:, 1::2], lambda x: x[1]):
        for offset in (None, 0, 1):
            ours, theirs = view(mg.tensor(a)), view(torch.tensor(a))
            assert ours.storage_offset() == theirs.storage_offset()
            np.testing.assert_array_equal(ours.as_strided((2, 2), (1, 2), offset).numpy(),
                                          theirs.as_strided((2, 2), (1, 2), offset).numpy())
    # the gradient goes back through the view to the base, adding where windows overlap
    compare_with_torch(torch, lambda x: x.t()[1:].as_strided((3, 2), (1, 2)),
                       lambda x: x.t()[1:].as_strided((3, 2), (1, 2)), [randn(3, 4)])
    compare_with_torch(torch, lambda x: x.expand(2, 3).as_strided((2, 2), (1, 1)),
                       lambda x: x.expand(2, 3).as_strided((2, 2), (1, 1)), [randn(3)])


def test_as_strided_second_order(device):
    x = tensors(device, randn(5))[0]
    assert mg.gradgradcheck(lambda x: (x.as_strided((3, 3), (1, 1)) ** 3), [x])


def test_as_strided_errors():
    x = mg.arange(12.0).reshape(3, 4)
    with pytest.raises(RuntimeError, match=r"storage size of 64 are out of bounds for storage of size 48"):
        x.as_strided((4, 4), (4, 1))
    with pytest.raises(RuntimeError, match=r"out of bounds"):
        x[2:].as_strided((5,), (1,))
    with pytest.raises(RuntimeError, match="Negative strides are not supported"):
        x.as_strided((2,), (-1,))
    with pytest.raises(RuntimeError, match="mismatch in length of strides and shape"):
        mg.as_strided(x, (2, 2), (1,))
    with pytest.raises(TypeError, match="must be Tensor"):
        mg.as_strided(np.ones(3), (2,), (1,))


def test_as_strided_shares_memory_and_ints():
    x = mg.arange(6)
    y = x.as_strided((2, 2), (2, 1), 1)
    assert y.dtype == np.int64 and y.tolist() == [[1, 2], [3, 4]]
    x.add_(10)
    assert y.tolist() == [[11, 12], [13, 14]] and y.data_ptr() == x.data_ptr() + 8


def test_empty_strided_storage_offset_and_data_ptr(torch):
    e = mg.empty_strided((2, 3), (1, 2), dtype=mg.float64)
    assert e.stride() == (1, 2) and e.dtype == np.float64 and e.shape == (2, 3)
    assert mg.empty_strided((2, 3), (3, 1)).dtype == np.float32
    n = mg.ones(2, dtype=mg.int32).new_empty_strided((4,), (2,), requires_grad=False)
    assert n.stride() == (2,) and n.dtype == np.int32
    assert mg.empty_strided((2, 3), (1, 2), requires_grad=True).requires_grad
    with pytest.raises(RuntimeError, match="mismatch in length"):
        mg.empty_strided((2, 3), (1,))
    x = mg.arange(12.0).reshape(3, 4)
    t = torch.arange(12.0).reshape(3, 4)
    for view in (lambda v: v, lambda v: v[2], lambda v: v[1:, 2:], lambda v: v.t()[3]):
        assert view(x).storage_offset() == view(t).storage_offset()
        assert view(x).data_ptr() - x.data_ptr() == view(t).data_ptr() - t.data_ptr()


def test_apply_and_map_as_torch(torch):
    a = np.arange(6).reshape(2, 3)
    ours, theirs = mg.tensor(a), torch.tensor(a)
    ours.apply_(lambda v: v * 1.7), theirs.apply_(lambda v: v * 1.7)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    z, tz = mg.ones(2, 3), torch.ones(2, 3)
    z.map_(mg.tensor([1.0, 2.0, 3.0]), lambda u, w: u + w * w)
    tz.map_(torch.tensor([1.0, 2.0, 3.0]), lambda u, w: u + w * w)
    np.testing.assert_array_equal(z.numpy(), tz.numpy())
    assert z._version == 1
    with pytest.raises(RuntimeError, match=r"Can't call apply_\(\) on Variable that requires grad"):
        mg.ones(3, requires_grad=True).apply_(abs)
    with pytest.raises(RuntimeError, match=r"Can't call map_\(\) on Variable that requires grad"):
        mg.ones(3, requires_grad=True).map_(mg.ones(3), max)
    with pytest.raises(TypeError, match=r"expected torch.FloatTensor for 'other' \(got torch.DoubleTensor\)"):
        mg.ones(3).map_(mg.ones(3, dtype=mg.float64), max)
    with pytest.raises(RuntimeError, match="can't be broadcast"):
        mg.ones(3).map_(mg.ones(2, 3), max)


# ----------------------------------------------------------------- the *_copy twins of the view ops
COPIES = [("t_copy", (), (3, 4)), ("transpose_copy", (0, -1), (2, 1, 3)), ("permute_copy", ((2, 0, 1),), (2, 1, 3)),
          ("diagonal_copy", (1, 0, 1), (3, 4)), ("expand_copy", ((2, 3, 4),), (3, 1)),
          ("narrow_copy", (1, 1, 2), (2, 4)), ("select_copy", (-1, 2), (2, 3)),
          ("slice_copy", (1, -3, None, 2), (2, 5)),
          ("squeeze_copy", (1,), (3, 1, 2)), ("unsqueeze_copy", (-1,), (3,)), ("unfold_copy", (0, 2, 1), (4, 3)),
          ("view_copy", ((6,),), (2, 3)), ("alias_copy", (), ()), ("as_strided_copy", ((2, 2), (1, 1)), (5,)),
          ("split_copy", (2, 1), (2, 5)), ("split_with_sizes_copy", ((1, 3, 1), -1), (2, 5)),
          ("unbind_copy", (1,), (2, 3))]


def _joined(out):
    return mg.cat([o.reshape(-1) for o in out]) if isinstance(out, tuple) else out


@pytest.mark.parametrize("name, args, shape", COPIES)
def test_copies_gradcheck_torch_and_own_memory(device, torch, name, args, shape):
    a = randn(*shape, seed=2)
    check_grad(lambda x: _joined(getattr(mg, name)(x, *args)), a, device=device)
    if device == "cpu":
        tj = (lambda out: torch.cat([o.reshape(-1) for o in out]) if isinstance(out, tuple) else out)
        compare_with_torch(torch, lambda x: _joined(getattr(mg, name)(x, *args)),
                           lambda x: tj(getattr(torch, name)(x, *args)), [a])
    x = tensors(device, a, requires_grad=False)[0]
    outs = getattr(mg, name)(x, *args)
    for o in (outs if isinstance(outs, tuple) else (outs,)):
        assert o.numel() == 0 or not np.shares_memory(mg.backend.to_numpy(o.data), mg.backend.to_numpy(x.data)) \
            or device != "cpu"


def test_detach_copy_and_narrow_copy_method():
    x = mg.ones(2, 3, requires_grad=True)
    d = mg.detach_copy(x)
    assert not d.requires_grad and not np.shares_memory(d.data, x.data)
    assert x.narrow_copy(1, 1, 2).shape == (2, 2) and x.narrow_copy(1, 1, 2).requires_grad
    with pytest.raises(RuntimeError, match="slice step must be positive"):
        mg.slice_copy(x, 1, 0, 3, -1)
    with pytest.raises(TypeError, match=r"t_copy\(\): argument 'input' must be Tensor"):
        mg.t_copy([1.0])


# ----------------------------------------------------------------- the functional RNN cells
@pytest.mark.parametrize("name, gates", [("rnn_tanh_cell", 1), ("rnn_relu_cell", 1), ("lstm_cell", 4),
                                         ("gru_cell", 3)])
@pytest.mark.parametrize("batch, bias", [(1, True), (3, False)])
def test_rnn_cells_gradcheck_and_torch(device, torch, name, gates, batch, bias):
    hid, inp = 3, 2
    arrays = [randn(batch, inp, seed=1), randn(batch, hid, seed=2), randn(gates * hid, inp, seed=3),
              randn(gates * hid, hid, seed=4)]
    arrays += [randn(gates * hid, seed=5), randn(gates * hid, seed=6)] if bias else []
    if name == "lstm_cell":
        arrays.insert(2, randn(batch, hid, seed=7))

    def call(lib):
        def f(x, h, *rest):
            if name == "lstm_cell":
                c, *rest = rest
                hn, cn = getattr(lib, name)(x, (h, c), *rest)
                return hn * 2 + cn
            return getattr(lib, name)(x, h, *rest)
        return f
    check_grad(call(mg), *arrays, device=device)
    if device == "cpu":
        compare_with_torch(torch, call(mg), call(torch), arrays)


def test_rnn_cell_errors():
    x, h = mg.randn(3, 4), mg.randn(3, 5)
    with pytest.raises(RuntimeError, match="input has inconsistent input_size: got 4 expected 3"):
        mg.rnn_tanh_cell(x, h, mg.randn(5, 3), mg.randn(5, 5))
    with pytest.raises(TypeError, match=r"lstm_cell\(\): argument 'hx' \(position 2\) must be tuple"):
        mg.lstm_cell(x, h, mg.randn(20, 4), mg.randn(20, 5))
    with pytest.raises(RuntimeError, match="G = 3"):
        mg.gru_cell(x, h, mg.randn(15, 4), mg.randn(10, 5))
    with pytest.raises(RuntimeError, match="hidden state of shape"):
        mg.gru_cell(x, mg.randn(2, 5), mg.randn(15, 4), mg.randn(15, 5))
