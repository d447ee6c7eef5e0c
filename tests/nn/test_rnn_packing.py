"""nn.utils.rnn: packing and padding batches of sequences of different lengths, held against torch.nn.utils.rnn
(values, batch sizes, indices and gradients, in float64), gradchecked on every device, and their errors."""
import numpy as np
import pytest

import minigan as mg
from minigan.nn.utils import rnn
from minigan.nn.utils.rnn import PackedSequence

from helpers import check_grad, host, randn, tensors


def assert_packed_equal(p, tp) -> None:
    """A minigan PackedSequence equal to torch's: data, batch sizes and both index vectors."""
    assert isinstance(p, PackedSequence)
    np.testing.assert_allclose(p.data.numpy(), tp.data.detach().numpy(), rtol=0, atol=0, err_msg="data")
    np.testing.assert_array_equal(p.batch_sizes.numpy(), tp.batch_sizes.numpy())
    assert p.batch_sizes.dtype == np.int64 and p.batch_sizes.device == "cpu"
    for name in ("sorted_indices", "unsorted_indices"):
        got, want = getattr(p, name), getattr(tp, name)
        if want is None:
            assert got is None, name
        else:
            assert got.dtype == np.int64, name
            np.testing.assert_array_equal(got.numpy(), want.numpy(), err_msg=name)


def backward_both(torch, y, ty, xs, txs, seed=3) -> None:
    """One random upstream gradient through both results; equal gradients of every input."""
    v = randn(*ty.shape, seed=seed)
    y.backward(mg.tensor(v, device=y.device))
    ty.backward(torch.tensor(v))
    for i, (x, tx) in enumerate(zip(xs, txs)):
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=0, atol=1e-15, err_msg=f"gradient {i}")


CASES = [  # (padded shape as (T, B, *rest), lengths)
    ((4, 3), [4, 2, 1]),
    ((5, 4, 3), [2, 5, 1, 5]),
    ((3, 1, 2, 1), [3]),
    ((6, 5, 2), [1, 1, 1, 1, 1]),
    ((2, 6, 3), [2, 1, 2, 2, 1, 1]),                          # ties: stable order, as torch's
]


@pytest.mark.parametrize("shape,lengths", CASES)
@pytest.mark.parametrize("batch_first", [False, True])
def test_pack_pad_round_trip_matches_torch(shape, lengths, batch_first, torch):
    sorted_ = list(lengths) == sorted(lengths, reverse=True)
    x_np = randn(*shape, seed=1)
    if batch_first:
        x_np = np.swapaxes(x_np, 0, 1).copy()
    x, = tensors("cpu", x_np)
    tx = torch.tensor(x_np, requires_grad=True)
    p = rnn.pack_padded_sequence(x, lengths, batch_first=batch_first, enforce_sorted=sorted_)
    tp = torch.nn.utils.rnn.pack_padded_sequence(tx, lengths, batch_first=batch_first, enforce_sorted=sorted_)
    assert_packed_equal(p, tp)
    total = shape[0] + 2
    y, lens = rnn.pad_packed_sequence(p, batch_first=batch_first, padding_value=-1.5, total_length=total)
    ty, tlens = torch.nn.utils.rnn.pad_packed_sequence(tp, batch_first=batch_first, padding_value=-1.5,
                                                       total_length=total)
    assert y.shape == tuple(ty.shape) and y.dtype == np.float64
    np.testing.assert_array_equal(y.numpy(), ty.detach().numpy())
    np.testing.assert_array_equal(lens.numpy(), tlens.numpy())
    assert lens.dtype == np.int64 and lens.device == "cpu"
    backward_both(torch, y, ty, [x], [tx])                            # padding positions get zero gradient


@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_pack_padded_sequence_takes_a_lengths_tensor(enforce_sorted, torch):
    x_np = randn(3, 3, 2, seed=2)
    lengths = [3, 3, 1]
    p = rnn.pack_padded_sequence(mg.tensor(x_np), mg.tensor(np.array(lengths)), enforce_sorted=enforce_sorted)
    tp = torch.nn.utils.rnn.pack_padded_sequence(torch.tensor(x_np), torch.tensor(lengths),
                                                 enforce_sorted=enforce_sorted)
    assert_packed_equal(p, tp)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
@pytest.mark.parametrize("rest", [(), (3,), (2, 1)])
def test_pad_sequence_matches_torch(batch_first, padding_side, rest, torch):
    arrays = [randn(n, *rest, seed=n) for n in (2, 4, 1, 4)]
    xs = tensors("cpu", *arrays)
    txs = [torch.tensor(a, requires_grad=True) for a in arrays]
    y = rnn.pad_sequence(xs, batch_first=batch_first, padding_value=0.25, padding_side=padding_side)
    ty = torch.nn.utils.rnn.pad_sequence(txs, batch_first=batch_first, padding_value=0.25, padding_side=padding_side)
    assert y.shape == tuple(ty.shape)
    np.testing.assert_array_equal(y.numpy(), ty.detach().numpy())
    backward_both(torch, y, ty, xs, txs)


def test_pad_sequence_keeps_dtypes_as_torch(torch):
    ints = [mg.tensor(np.array([1, 2, 3])), mg.tensor(np.array([4]))]
    y = rnn.pad_sequence(ints, padding_value=-1)
    ty = torch.nn.utils.rnn.pad_sequence([torch.tensor([1, 2, 3]), torch.tensor([4])], padding_value=-1)
    assert y.dtype == np.int64
    np.testing.assert_array_equal(y.numpy(), ty.numpy())
    mixed = rnn.pad_sequence([mg.tensor(np.ones(2, np.float32)), mg.tensor(np.ones(3))])
    assert mixed.dtype == np.float32                       # the first sequence's dtype, as torch's
    assert rnn.pad_sequence(mg.tensor(np.ones((2, 3), np.float32))).shape == (3, 2)   # a tensor: its rows


@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_pack_sequence_and_unpack_sequence_match_torch(enforce_sorted, torch):
    arrays = [randn(n, 2, seed=n) for n in ((4, 3, 1) if enforce_sorted else (2, 4, 1, 3))]
    xs = tensors("cpu", *arrays)
    txs = [torch.tensor(a, requires_grad=True) for a in arrays]
    p = rnn.pack_sequence(xs, enforce_sorted=enforce_sorted)
    tp = torch.nn.utils.rnn.pack_sequence(txs, enforce_sorted=enforce_sorted)
    assert_packed_equal(p, tp)
    back = rnn.unpack_sequence(p)
    tback = torch.nn.utils.rnn.unpack_sequence(tp)
    assert [b.shape for b in back] == [tuple(t.shape) for t in tback] == [a.shape for a in arrays]
    for b, a in zip(back, arrays):
        np.testing.assert_array_equal(b.numpy(), a)
    y = mg.cat([b * (i + 1) for i, b in enumerate(back)], 0)
    ty = torch.cat([b * (i + 1) for i, b in enumerate(tback)], 0)
    backward_both(torch, y, ty, xs, txs)


@pytest.mark.parametrize("batch_first", [False, True])
def test_unpad_sequence_matches_torch(batch_first, torch):
    x_np = randn(*((3, 4, 2) if batch_first else (4, 3, 2)), seed=5)
    lengths = [2, 4, 1]
    x, = tensors("cpu", x_np)
    tx = torch.tensor(x_np, requires_grad=True)
    parts = rnn.unpad_sequence(x, mg.tensor(np.array(lengths)), batch_first=batch_first)
    # torch transposes its argument in place (batch_first=False), which a leaf that requires grad refuses
    tparts = torch.nn.utils.rnn.unpad_sequence(tx * 1, torch.tensor(lengths), batch_first=batch_first)
    assert [p.shape for p in parts] == [(n, 2) for n in lengths]
    for part, tpart in zip(parts, tparts):
        np.testing.assert_array_equal(part.numpy(), tpart.detach().numpy())
    backward_both(torch, mg.cat(parts, 0), torch.cat(tparts, 0), [x], [tx])


@pytest.mark.parametrize("batch_first", [False, True])
def test_pack_and_pad_gradcheck(device, batch_first):
    """Gradients of the gather in each direction, by finite differences, on an awkward unsorted batch."""
    lengths = [1, 3, 2, 3]
    shape = (4, 3, 2) if batch_first else (3, 4, 2)

    def pack(x):
        return rnn.pack_padded_sequence(x, lengths, batch_first=batch_first, enforce_sorted=False).data

    def round_trip(x):
        p = rnn.pack_padded_sequence(x, lengths, batch_first=batch_first, enforce_sorted=False)
        return rnn.pad_packed_sequence(p, batch_first=batch_first, padding_value=2.0, total_length=4)[0]

    assert check_grad(pack, randn(*shape, seed=6), device=device)
    assert check_grad(round_trip, randn(*shape, seed=7), device=device)
    assert check_grad(lambda a, b: rnn.pad_sequence([a, b], batch_first=batch_first, padding_side="left"),
                      randn(3, 2, seed=8), randn(1, 2, seed=9), device=device)


def test_packing_stays_on_the_device_and_keeps_float32(device):
    x = mg.tensor(randn(3, 2, 4).astype(np.float32), device=device)
    p = rnn.pack_padded_sequence(x, [1, 3], enforce_sorted=False)
    assert p.data.device == device and p.data.dtype == np.float32
    assert p.sorted_indices.device == device and p.batch_sizes.device == "cpu"
    y, lengths = rnn.pad_packed_sequence(p)
    assert y.device == device and y.dtype == np.float32
    np.testing.assert_array_equal(host(y)[:, 1], host(x)[:, 1])
    np.testing.assert_array_equal(host(y)[1:, 0], 0.0)
    np.testing.assert_array_equal(lengths.numpy(), [1, 3])


def test_packed_sequence_construction_and_to():
    data = mg.tensor(np.arange(6.0).reshape(3, 2))
    p = PackedSequence(data, [2, 1], mg.tensor(np.array([1, 0])))
    np.testing.assert_array_equal(p.unsorted_indices.numpy(), [1, 0])
    assert p.batch_sizes.dtype == np.int64
    q = PackedSequence((data, mg.tensor(np.array([2, 1]))))
    assert q.sorted_indices is None and q.unsorted_indices is None
    assert p.to("cpu") is p and p.double() is p
    f = p.float()
    assert f.data.dtype == np.float32 and f.batch_sizes is p.batch_sizes and f.sorted_indices is p.sorted_indices
    assert not p.is_cuda
    assert p._fields == ("data", "batch_sizes", "sorted_indices", "unsorted_indices")
    data2, bs, si, ui = p                                     # a named tuple, as torch's
    assert data2 is data


def test_packed_sequence_to_cuda_moves_the_indices(cuda_device):
    p = rnn.pack_sequence([mg.tensor(np.ones((1, 2))), mg.tensor(np.ones((2, 2)))], enforce_sorted=False)
    q = p.to(cuda_device)
    assert q.is_cuda and q.data.device == q.sorted_indices.device == q.unsorted_indices.device == cuda_device
    assert q.batch_sizes.device == "cpu"
    with pytest.raises(ValueError, match=r"^batch_sizes should always be on CPU"):
        PackedSequence(q.data, mg.tensor(np.array([2, 1]), device=cuda_device))


@pytest.mark.parametrize("call,error,message", [
    (lambda x: rnn.pack_padded_sequence(x, [2, 3, 1]), RuntimeError,
     r"^`lengths` array must be sorted in decreasing order when `enforce_sorted` is True"),
    (lambda x: rnn.pack_padded_sequence(x, [3, 2, 0]), RuntimeError,
     r"^Length of all samples has to be greater than 0, but found an element in 'lengths' that is <= 0"),
    (lambda x: rnn.pack_padded_sequence(x, [1, 0, 2], enforce_sorted=False), RuntimeError,
     r"^Length of all samples has to be greater than 0"),
    (lambda x: rnn.pack_padded_sequence(x, [5, 2, 1]), RuntimeError,
     r"^pack_padded_sequence: a sequence is 5 steps long but the padded input has only 4 time steps"),
    (lambda x: rnn.pack_padded_sequence(x, [2, 5, 1], enforce_sorted=False), RuntimeError, r"only 4 time steps"),
    (lambda x: rnn.pack_padded_sequence(x, [4, 2, 1], batch_first=True), RuntimeError,
     r"^Expected `len\(lengths\)` to be equal to batch_size, but got 3 \(batch_size=4\)"),
    (lambda x: rnn.pack_padded_sequence(x, [3, 2]), RuntimeError, r"but got 2 \(batch_size=3\)"),
    (lambda x: rnn.pack_padded_sequence(x, [[3, 2, 1]]), RuntimeError,
     r"^pack_padded_sequence: 'lengths' should be 1-D"),
    (lambda x: rnn.pack_padded_sequence(x[0, 0], [2]), ValueError,
     r"^pack_padded_sequence: expected an input of at least 2 dims"),
    (lambda x: rnn.pad_packed_sequence(rnn.pack_padded_sequence(x, [3, 2, 1]), total_length=2), ValueError,
     r"^Expected total_length to be at least the length of the longest sequence in input, but got total_length=2 "
     r"and max sequence length being 3"),
    (lambda x: rnn.pad_packed_sequence(x), TypeError, r"^pad_packed_sequence: expected a PackedSequence, got Tensor"),
    (lambda x: rnn.pad_sequence([]), RuntimeError, r"^received an empty list of sequences"),
    (lambda x: rnn.pad_sequence([x[0], x[:, 0, :1]]), RuntimeError,
     r"^pad_sequence: every sequence must have shape \(L, \*\(2,\)\) like the first, got shape \(4, 1\) at position 1"),
    (lambda x: rnn.pad_sequence([x[0, 0, 0], x[0, 0]]), RuntimeError, r"got shape \(\) at position 0"),
    (lambda x: rnn.pad_sequence([x[0]], padding_side="middle"), RuntimeError,
     r"^Expected padding_side to be one of left or right, but got middle."),
    (lambda x: rnn.pack_sequence([x[0], x[0, :0]]), RuntimeError, r"^Cannot pack empty tensors."),
    (lambda x: rnn.pack_sequence([]), RuntimeError, r"^received an empty list of sequences"),
    (lambda x: rnn.unpad_sequence(x, [5, 1, 1]), ValueError, r"^unpad_sequence: a length of 5 is longer"),
], ids=lambda v: None)
def test_errors_as_torch(call, error, message):
    x = mg.tensor(randn(4, 3, 2))
    with pytest.raises(error, match=message):
        call(x)


def test_torch_raises_the_same_errors(torch):
    """The wording above is torch's own where torch has one (lengths past the input's end: torch 2.13 does not
    check, minigan does)."""
    tx = torch.randn(4, 3, 2)
    for lengths, kw in (([2, 3, 1], {}), ([3, 2, 0], {}), ([3, 2], {})):
        mine = pytest.raises(RuntimeError, rnn.pack_padded_sequence, mg.tensor(tx.numpy()), lengths, **kw)
        theirs = pytest.raises(RuntimeError, torch.nn.utils.rnn.pack_padded_sequence, tx, lengths, **kw)
        assert str(mine.value) == str(theirs.value)
