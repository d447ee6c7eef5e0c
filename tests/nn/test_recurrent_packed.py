"""RNN, LSTM and GRU on packed sequences (nn.utils.rnn.PackedSequence) of unequal lengths: equal to torch's for
the same weights (outputs, final states, and the gradients of input, initial state and every parameter), equal to
running each sequence on its own, gradchecked on every device, and the errors of a bad packed call."""
import numpy as np
import pytest

import minigan as mg
import minigan.nn as nn
from minigan.nn.utils import rnn

from helpers import check_grad, host, load_from_torch, randn

LAYERS = {  # name: (minigan layer, torch class name, extra arguments)
    "rnn_tanh": (nn.RNN, "RNN", {}),
    "rnn_relu": (nn.RNN, "RNN", {"nonlinearity": "relu"}),
    "lstm": (nn.LSTM, "LSTM", {}),
    "lstm_proj": (nn.LSTM, "LSTM", {"proj_size": 2}),
    "gru": (nn.GRU, "GRU", {}),
}
SHAPES = [  # (num_layers, bidirectional)
    (1, False), (2, True), (1, True), (2, False),
]
H_IN, HIDDEN = 3, 4


def make_pair(torch, name, num_layers, bidirectional, batch_first):
    cls, torch_name, extra = LAYERS[name]
    kwargs = dict(num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first, **extra)
    torch.manual_seed(7)
    t_layer = getattr(torch.nn, torch_name)(H_IN, HIDDEN, **kwargs).double()
    return load_from_torch(cls(H_IN, HIDDEN, **kwargs).double(), t_layer), t_layer


def initial_state(name, num_layers, bidirectional, batch, seed=4):
    """Host arrays of the initial state(s): (h_0,) or (h_0, c_0)."""
    d = num_layers * (2 if bidirectional else 1)
    h_size = LAYERS[name][2].get("proj_size") or HIDDEN
    h0 = randn(d, batch, h_size, seed=seed)
    return (h0, randn(d, batch, HIDDEN, seed=seed + 1)) if name.startswith("lstm") else (h0,)


def call(layer, packed, states):
    """``layer(packed, hx)``, hx None or built from ``states``; returns (packed output, [final states])."""
    if states is None:
        out, hn = layer(packed)
    else:
        out, hn = layer(packed, states if len(states) == 2 else states[0])
    return out, list(hn) if isinstance(hn, tuple) else [hn]


@pytest.mark.parametrize("name", list(LAYERS))
@pytest.mark.parametrize("num_layers,bidirectional", SHAPES)
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("given_state", [False, True])
def test_packed_layer_matches_torch(name, num_layers, bidirectional, batch_first, given_state, torch):
    layer, t_layer = make_pair(torch, name, num_layers, bidirectional, batch_first)
    lengths = [3, 5, 1, 5, 2]                                   # unsorted, with a tie and a single step
    T, B = max(lengths), len(lengths)
    x_np = randn(*((B, T, H_IN) if batch_first else (T, B, H_IN)), seed=1)
    x = mg.tensor(x_np, requires_grad=True)
    tx = torch.tensor(x_np, requires_grad=True)
    packed = rnn.pack_padded_sequence(x, lengths, batch_first=batch_first, enforce_sorted=False)
    t_packed = torch.nn.utils.rnn.pack_padded_sequence(tx, lengths, batch_first=batch_first, enforce_sorted=False)
    states = [mg.tensor(a, requires_grad=True) for a in initial_state(name, num_layers, bidirectional, B)]
    t_states = [torch.tensor(s.numpy(), requires_grad=True) for s in states]
    out, finals = call(layer, packed, tuple(states) if given_state else None)
    t_out, t_finals = call(t_layer, t_packed, tuple(t_states) if given_state else None)

    assert isinstance(out, rnn.PackedSequence)
    assert out.batch_sizes is packed.batch_sizes and out.sorted_indices is packed.sorted_indices
    np.testing.assert_allclose(out.data.numpy(), t_out.data.detach().numpy(), rtol=1e-10, atol=1e-12)
    for f, tf in zip(finals, t_finals):
        assert f.shape == tuple(tf.shape)
        np.testing.assert_allclose(f.numpy(), tf.detach().numpy(), rtol=1e-10, atol=1e-12)

    # one loss through the packed output and every final state
    v = randn(*t_out.data.shape, seed=8)
    loss = (out.data * mg.tensor(v)).sum() + sum((f * f).sum() for f in finals)
    t_loss = (t_out.data * torch.tensor(v)).sum() + sum((f * f).sum() for f in t_finals)
    loss.backward()
    t_loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12, err_msg="input")
    if given_state:
        for s, ts in zip(states, t_states):
            np.testing.assert_allclose(s.grad.numpy(), ts.grad.numpy(), rtol=1e-10, atol=1e-12, err_msg="state")
    t_params = dict(t_layer.named_parameters())
    for pname, p in layer.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), t_params[pname].grad.numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=pname)


@pytest.mark.parametrize("name", ["rnn_tanh", "lstm", "gru"])
def test_sorted_packed_batch_matches_torch(name, torch):
    """enforce_sorted=True: no indices, and the states stay in the given order."""
    layer, t_layer = make_pair(torch, name, 2, True, False)
    seqs = [randn(n, H_IN, seed=n) for n in (4, 4, 2, 1)]
    packed = rnn.pack_sequence([mg.tensor(s) for s in seqs])
    t_packed = torch.nn.utils.rnn.pack_sequence([torch.tensor(s) for s in seqs])
    assert packed.sorted_indices is None
    out, finals = call(layer, packed, None)
    t_out, t_finals = call(t_layer, t_packed, None)
    assert out.sorted_indices is None and out.unsorted_indices is None
    np.testing.assert_allclose(out.data.numpy(), t_out.data.detach().numpy(), rtol=1e-10, atol=1e-12)
    for f, tf in zip(finals, t_finals):
        np.testing.assert_allclose(f.numpy(), tf.detach().numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["rnn_relu", "lstm_proj", "gru"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_packed_batch_equals_each_sequence_run_alone(name, bidirectional):
    """The point of packing, without torch: each sequence's output steps and final state are those of the same
    layer run on that sequence alone, unpadded (so no padding ever leaks into a state)."""
    cls, _, extra = LAYERS[name]
    layer = cls(H_IN, HIDDEN, num_layers=2, bidirectional=bidirectional, **extra).double()
    lengths = [2, 6, 1, 4]
    seqs = [mg.tensor(randn(n, H_IN, seed=10 + n)) for n in lengths]
    out, finals = call(layer, rnn.pack_sequence(seqs, enforce_sorted=False), None)
    outs = rnn.unpack_sequence(out)
    for b, seq in enumerate(seqs):
        alone_out, alone_finals = call(layer, seq, None)          # an unbatched (L, H_in) sequence
        np.testing.assert_allclose(outs[b].numpy(), alone_out.numpy(), rtol=1e-12, atol=1e-13)
        for f, alone in zip(finals, alone_finals):
            np.testing.assert_allclose(f.numpy()[:, b], alone.numpy(), rtol=1e-12, atol=1e-13)


def test_padded_input_still_reads_the_padding():
    """A padded (not packed) batch runs every sequence for all L steps, as torch's: the shorter sequence's final
    state differs from its packed one, which stops at its end."""
    layer = nn.GRU(H_IN, HIDDEN).double()
    x = mg.tensor(randn(4, 2, H_IN, seed=3))
    _, h_padded = layer(x)
    _, h_packed = layer(rnn.pack_padded_sequence(x, [4, 2]))
    np.testing.assert_allclose(h_packed.numpy()[:, 0], h_padded.numpy()[:, 0], rtol=1e-12)
    assert np.abs(h_packed.numpy()[:, 1] - h_padded.numpy()[:, 1]).max() > 1e-3


@pytest.mark.parametrize("bidirectional", [False, True])
def test_packed_lstm_gradcheck(device, bidirectional):
    """Finite differences through a small packed bidirectional LSTM: input, both initial states and every
    parameter, with the padding and unpacking around it."""
    layer = nn.LSTM(2, 3, bidirectional=bidirectional).double().to(device)
    d = 2 if bidirectional else 1
    lengths = [2, 3, 1]

    def fn(x, h0, c0):
        packed = rnn.pack_padded_sequence(x, lengths, enforce_sorted=False)
        out, (hn, cn) = layer(packed, (h0, c0))
        padded, _ = rnn.pad_packed_sequence(out, padding_value=0.5)
        return padded, hn, cn

    assert check_grad(fn, randn(3, 3, 2, seed=1), randn(d, 3, 3, seed=2), randn(d, 3, 3, seed=3), device=device,
                      params=list(layer.parameters()))


def test_packed_output_keeps_the_device_and_float32(device):
    layer = nn.GRU(H_IN, HIDDEN, bidirectional=True).to(device)
    x = mg.tensor(randn(3, 2, H_IN, seed=5).astype(np.float32), device=device)
    out, hn = layer(rnn.pack_padded_sequence(x, [1, 3], enforce_sorted=False))
    assert out.data.dtype == hn.dtype == np.float32
    assert out.data.device == hn.device == device
    assert out.data.shape == (4, 2 * HIDDEN) and hn.shape == (2, 2, HIDDEN)
    assert np.isfinite(host(out.data)).all()


def test_packed_dropout_between_layers_only_in_training():
    layer = nn.LSTM(H_IN, HIDDEN, num_layers=2, dropout=0.5).double()
    packed = rnn.pack_sequence([mg.tensor(randn(n, H_IN, seed=n)) for n in (3, 2)])
    layer.eval()
    a, _ = layer(packed)
    b, _ = layer(packed)
    np.testing.assert_array_equal(a.data.numpy(), b.data.numpy())
    layer.train()
    c, _ = layer(packed)
    assert c.data.shape == a.data.shape and not np.allclose(c.data.numpy(), a.data.numpy())


def _packed(n_features=H_IN, dtype=np.float64):
    return rnn.pack_sequence([mg.tensor(randn(n, n_features, seed=n).astype(dtype)) for n in (3, 1)])


@pytest.mark.parametrize("make,args,error,message", [
    (lambda: nn.RNN(H_IN, HIDDEN), lambda: (_packed(5),), ValueError,
     r"^RNN: expected a PackedSequence whose data is \(sum of lengths, input_size\) with input_size=3, got data of "
     r"shape \(4, 5\)"),
    (lambda: nn.GRU(H_IN, HIDDEN), lambda: (_packed(dtype=np.float32),), ValueError,
     r"^GRU: input dtype \(float32\) does not match weight dtype \(float64\)"),
    (lambda: nn.GRU(H_IN, HIDDEN), lambda: (_packed(), mg.tensor(np.zeros((1, 3, HIDDEN)))), ValueError,
     r"^GRU: expected h_0 of shape \(1, 2, 4\) \(\(D\*num_layers, N, hidden_size\) for a batched 3-D input\), got "
     r"shape \(1, 3, 4\)"),
    (lambda: nn.LSTM(H_IN, HIDDEN, bidirectional=True), lambda: (_packed(), (mg.tensor(np.zeros((2, 2, HIDDEN))),
                                                                          mg.tensor(np.zeros((1, 2, HIDDEN))))),
     ValueError, r"^LSTM: expected c_0 of shape \(2, 2, 4\)"),
    (lambda: nn.RNN(H_IN, HIDDEN), lambda: (np.zeros((3, 2, H_IN)),), TypeError,
     r"^RNN: expected input to be a Tensor, got ndarray \(packed sequences are not supported unless given as a "
     r"PackedSequence"),
], ids=lambda v: None)
def test_packed_errors_name_the_layer_and_say_what_came(make, args, error, message):
    layer = make().double()
    with pytest.raises(error, match=message):
        layer(*args())


def test_a_cell_takes_no_packed_sequence():
    with pytest.raises(TypeError, match=r"^GRUCell: expected input to be a Tensor, got PackedSequence$"):
        nn.GRUCell(H_IN, HIDDEN).double()(_packed())
