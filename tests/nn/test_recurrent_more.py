"""nn.RNN, nn.LSTM, nn.GRU and their cells: float64 gradchecks of the layers (inputs, initial states and
parameters) and of the cells' double backward on every device; dropout between layers in training mode only;
torch's warning for dropout with one layer; and the errors, each naming the layer and saying what was expected
and what came. The parity tests against PyTorch are in test_recurrent.py."""
import warnings

import numpy as np
import pytest

import minigan as mg
import minigan.nn as nn

from helpers import host, randn


def _inputs(device, *shapes):
    return [mg.tensor(randn(*s, seed=20 + i), device=device, requires_grad=True) for i, s in enumerate(shapes)]


# --------------------------------------------------------------------------- gradcheck
@pytest.mark.parametrize("kwargs", [{"num_layers": 2, "bidirectional": True},
                                   {"num_layers": 2, "proj_size": 2, "batch_first": True},
                                   {"bias": False}], ids=["2-layers-bidirectional", "proj-batch_first", "no-bias"])
def test_lstm_gradcheck(device, kwargs):
    """Outputs and final states against central differences in float64, for x, h_0, c_0 and every parameter."""
    lstm = nn.LSTM(2, 3, **kwargs).double().to(device)
    d, layers = (2 if lstm.bidirectional else 1), lstm.num_layers
    x_shape = (2, 3, 2) if lstm.batch_first else (3, 2, 2)
    shapes = [x_shape, (d * layers, 2, lstm.proj_size or 3), (d * layers, 2, 3)]
    params = list(lstm.parameters())

    def fn(x, h0, c0):
        out, (h, c) = lstm(x, (h0, c0))
        return out, h, c
    rep = mg.gradcheck(fn, _inputs(device, *shapes), params=params)
    assert [r.name for r in rep.rows] == [f"input {i}" for i in range(3)] + [f"param {i}" for i in range(len(params))]


@pytest.mark.parametrize("cls,kwargs", [("GRU", {"num_layers": 2, "bidirectional": True}),
                                        ("GRU", {"batch_first": True, "bias": False}),
                                        ("RNN", {"num_layers": 2, "nonlinearity": "tanh", "bidirectional": True})],
                         ids=["GRU-2-layers-bidirectional", "GRU-batch_first-no-bias", "RNN-2-layers-bidirectional"])
def test_gru_and_rnn_gradcheck(device, cls, kwargs):
    layer = getattr(nn, cls)(2, 3, **kwargs).double().to(device)
    d = 2 if layer.bidirectional else 1
    x_shape = (2, 3, 2) if layer.batch_first else (3, 2, 2)
    params = list(layer.parameters())
    rep = mg.gradcheck(lambda x, h0: layer(x, h0), _inputs(device, x_shape, (d * layer.num_layers, 2, 3)),
                       params=params)
    assert len(rep.rows) == 2 + len(params)


def test_unbatched_gradcheck(device):
    gru = nn.GRU(2, 3, bidirectional=True).double().to(device)
    mg.gradcheck(lambda x, h0: gru(x, h0), _inputs(device, (4, 2), (2, 3)), params=list(gru.parameters()))


@pytest.mark.parametrize("cls", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cell_gradcheck_and_gradgradcheck(device, cls):
    """The cells' double backward, which comes from differentiating the recorded backward ops."""
    cell = getattr(nn, cls)(2, 3).double().to(device)
    if cls == "LSTMCell":
        inputs, fn = _inputs(device, (2, 2), (2, 3), (2, 3)), lambda x, h, c: cell(x, (h, c))
    else:
        inputs, fn = _inputs(device, (2, 2), (2, 3)), lambda x, h: cell(x, h)
    mg.gradcheck(fn, inputs, params=list(cell.parameters()))
    mg.gradgradcheck(fn, inputs)


def test_lstm_second_derivative(device):
    lstm = nn.LSTM(2, 3).double().to(device)
    mg.gradgradcheck(lambda x: lstm(x)[1][0], _inputs(device, (3, 1, 2)))


# --------------------------------------------------------------------------- dropout
def _dropout_pair(cls, **kwargs):
    with_dropout = getattr(nn, cls)(3, 4, 2, dropout=0.5, **kwargs).double()
    plain = getattr(nn, cls)(3, 4, 2, **kwargs).double()
    plain.load_state_dict(with_dropout.state_dict())
    return with_dropout, plain


@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
def test_dropout_between_layers_only_in_training(cls):
    layer, plain = _dropout_pair(cls, bidirectional=True)
    x = mg.tensor(randn(6, 2, 3, seed=6))

    def run(module, seed):
        mg.manual_seed(seed)
        out, h = module(x)
        return out.numpy(), (h[0] if isinstance(h, tuple) else h).numpy()

    out_a, h_a = run(layer, 5)
    out_b, h_b = run(layer, 5)
    out_c, h_c = run(layer, 6)
    ref_out, ref_h = run(plain, 5)
    np.testing.assert_array_equal(out_a, out_b)                 # minigan's seed decides the masks
    assert not np.allclose(out_a, out_c)                        # another seed, other masks
    assert not np.allclose(out_a, ref_out)                      # dropped in training mode
    np.testing.assert_allclose(h_a[:2], ref_h[:2], atol=1e-14)  # layer 0 (both directions) is before any dropout
    assert not np.allclose(h_a[2:], ref_h[2:])                  # layer 1 reads the dropped output
    layer.eval()
    e1, eh1 = run(layer, 5)
    e2, _ = run(layer, 6)
    np.testing.assert_array_equal(e1, e2)                       # eval: deterministic
    np.testing.assert_allclose(e1, ref_out, atol=1e-14)         # and no dropout at all
    np.testing.assert_allclose(eh1, ref_h, atol=1e-14)


def test_dropout_is_not_applied_after_the_last_layer():
    """With p = 1 the second layer sees only zeros, but its own output is not dropped: it is the output of a
    one-layer RNN with layer 1's weights run on zeros."""
    layer = nn.RNN(3, 4, 2, dropout=1.0).double()
    second = nn.RNN(4, 4).double()
    second.load_state_dict({k.replace("_l1", "_l0"): v for k, v in layer.state_dict().items() if "_l1" in k})
    out, h = layer(mg.tensor(randn(5, 2, 3, seed=7)))
    want, want_h = second(mg.tensor(np.zeros((5, 2, 4))))
    assert np.abs(out.numpy()).min() > 0
    np.testing.assert_allclose(out.numpy(), want.numpy(), atol=1e-14)
    np.testing.assert_allclose(h.numpy()[1], want_h.numpy()[0], atol=1e-14)


def test_gradients_flow_through_dropout_in_training():
    layer, plain = _dropout_pair("GRU")
    x = mg.tensor(randn(4, 1, 3, seed=8), requires_grad=True)
    out, _ = layer(x)
    out.sum().backward()
    assert np.all(np.isfinite(x.grad.numpy())) and np.abs(x.grad.numpy()).max() > 0
    assert all(p.grad is not None for p in layer.parameters())


@pytest.mark.parametrize("make", [lambda: nn.RNN(3, 4, dropout=0.2), lambda: nn.LSTM(3, 4, 1, dropout=0.5),
                                  lambda: nn.GRU(3, 4, dropout=1)], ids=["RNN", "LSTM", "GRU"])
def test_dropout_with_one_layer_warns_as_torch(make):
    with pytest.warns(UserWarning, match="dropout option adds dropout after all but last recurrent layer, so "
                                         "non-zero dropout expects num_layers greater than 1"):
        make()


def test_no_warning_with_more_layers_or_no_dropout():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.LSTM(3, 4, 2, dropout=0.5)
        nn.GRU(3, 4, dropout=0.0)
        nn.RNN(3, 4)


# --------------------------------------------------------------------------- errors
def _t(*shape, dtype=np.float64):
    return mg.tensor(np.zeros(shape, dtype=dtype))


@pytest.mark.parametrize("make,args,error,message", [
    (lambda: nn.RNN(3, 4), (_t(2, 2, 2, 3),), ValueError,
     r"^RNN: expected a 3-D input \(L, N, H_in\) or a 2-D unbatched input \(L, H_in\), got 4-D input of shape "
     r"\(2, 2, 2, 3\)"),
    (lambda: nn.GRU(3, 4, batch_first=True), (_t(3),), ValueError,
     r"^GRU: expected a 3-D input \(N, L, H_in\) .* got 1-D input of shape \(3,\)"),
    (lambda: nn.LSTM(3, 4), (_t(5, 2, 4),), ValueError,
     r"^LSTM: expected input with input_size=3 features \(the last dim of \(L, N, H_in\)\), got 4 "
     r"\(input shape \(5, 2, 4\)\)"),
    (lambda: nn.LSTM(3, 4), (_t(5, 2),), ValueError, r"^LSTM: expected input with input_size=3 .* got 2"),
    (lambda: nn.RNN(3, 4), (_t(0, 2, 3),), ValueError, r"^RNN: expected sequence length to be larger than 0"),
    (lambda: nn.RNN(3, 4, 2), (_t(5, 2, 3), _t(1, 2, 4)), ValueError,
     r"^RNN: expected h_0 of shape \(2, 2, 4\) \(\(D\*num_layers, N, hidden_size\) for a batched 3-D input\), "
     r"got shape \(1, 2, 4\)"),
    (lambda: nn.GRU(3, 4, bidirectional=True), (_t(5, 3), _t(2, 1, 4)), ValueError,
     r"^GRU: expected h_0 of shape \(2, 4\) \(\(D\*num_layers, hidden_size\) for an unbatched 2-D input\), "
     r"got shape \(2, 1, 4\)"),
    (lambda: nn.GRU(3, 4, batch_first=True), (_t(2, 5, 3), _t(1, 5, 4)), ValueError,
     r"^GRU: expected h_0 of shape \(1, 2, 4\)"),
    (lambda: nn.LSTM(3, 4, proj_size=2), (_t(5, 2, 3), (_t(1, 2, 4), _t(1, 2, 4))), ValueError,
     r"^LSTM: expected h_0 of shape \(1, 2, 2\) \(\(D\*num_layers, N, proj_size\) .*got shape \(1, 2, 4\)"),
    (lambda: nn.LSTM(3, 4), (_t(5, 2, 3), (_t(1, 2, 4), _t(1, 3, 4))), ValueError,
     r"^LSTM: expected c_0 of shape \(1, 2, 4\) .*got shape \(1, 3, 4\)"),
    (lambda: nn.LSTM(3, 4), (_t(5, 2, 3), _t(1, 2, 4)), TypeError,
     r"^LSTM: expected hx to be a tuple \(h_0, c_0\) of two Tensors, got Tensor"),
    (lambda: nn.LSTM(3, 4), (_t(5, 2, 3), (_t(1, 2, 4),)), TypeError, r"got tuple of length 1"),
    (lambda: nn.RNN(3, 4), (np.zeros((5, 2, 3)),), TypeError,
     r"^RNN: expected input to be a Tensor, got ndarray \(packed sequences are not supported"),
    (lambda: nn.GRU(3, 4), (_t(5, 2, 3), np.zeros((1, 2, 4))), TypeError, r"^GRU: expected h_0 to be a Tensor"),
    (lambda: nn.RNN(3, 4), (_t(5, 2, 3, dtype=np.float32),), ValueError,
     r"^RNN: input dtype \(float32\) does not match weight dtype \(float64\)"),
    (lambda: nn.RNN(3, 4), (_t(5, 2, 3), _t(1, 2, 4, dtype=np.float32)), ValueError,
     r"^RNN: h_0 dtype \(float32\) does not match"),
    (lambda: nn.RNNCell(3, 4), (_t(2, 2, 3),), ValueError,
     r"^RNNCell: expected input of shape \(N, 3\) or \(3,\) \(\(N, input_size\) or unbatched \(input_size,\)\), "
     r"got shape \(2, 2, 3\)"),
    (lambda: nn.GRUCell(3, 4), (_t(2, 5),), ValueError, r"^GRUCell: expected input of shape \(N, 3\) or \(3,\)"),
    (lambda: nn.LSTMCell(3, 4), (_t(3), ), None, None),
    (lambda: nn.RNNCell(3, 4), (_t(2, 3), _t(3, 4)), ValueError,
     r"^RNNCell: expected hx of shape \(2, 4\) \(\(N, hidden_size\) for an input of shape \(2, 3\)\), got shape "
     r"\(3, 4\)"),
    (lambda: nn.GRUCell(3, 4), (_t(3), _t(1, 4)), ValueError,
     r"^GRUCell: expected hx of shape \(4,\) \(\(hidden_size,\) for an input of shape \(3,\)\), got shape \(1, 4\)"),
    (lambda: nn.LSTMCell(3, 4), (_t(2, 3), (_t(2, 4), _t(2, 5))), ValueError, r"^LSTMCell: expected hx\[1\] of shape"),
    (lambda: nn.LSTMCell(3, 4), (_t(2, 3), _t(2, 4)), TypeError,
     r"^LSTMCell: expected hx to be a tuple \(h, c\) of two Tensors, got Tensor"),
    (lambda: nn.LSTMCell(3, 4), ([0.0, 1.0, 2.0],), TypeError, r"^LSTMCell: expected input to be a Tensor, got list"),
    (lambda: nn.GRUCell(3, 4), (_t(3, dtype=np.float32),), ValueError, r"^GRUCell: input dtype \(float32\)"),
], ids=lambda v: None)
def test_forward_errors_name_the_layer_and_say_what_came(make, args, error, message):
    layer = make().double()
    if error is None:                                               # a good call, among the bad ones
        layer(*args)
        return
    with pytest.raises(error, match=message):
        layer(*args)


@pytest.mark.parametrize("make,error,message", [
    (lambda: nn.RNN(3, 4, nonlinearity="sigmoid"), ValueError,
     r"^RNN: unknown nonlinearity 'sigmoid'; select from 'tanh' or 'relu'"),
    (lambda: nn.RNN(3, 4, 1, "gelu"), ValueError, r"^RNN: unknown nonlinearity 'gelu'"),
    (lambda: nn.RNNCell(3, 4, nonlinearity="Tanh"), ValueError, r"^RNNCell: unknown nonlinearity 'Tanh'"),
    (lambda: nn.GRU(3, 4, 2, dropout=1.5), ValueError,
     r"^GRU: dropout should be a number in range \[0, 1\] .* got 1.5"),
    (lambda: nn.LSTM(3, 4, 2, dropout=-0.1), ValueError, r"^LSTM: dropout should be a number in range \[0, 1\]"),
    (lambda: nn.RNN(3, 4, 2, dropout=True), ValueError, r"^RNN: dropout should be a number .* got True"),
    (lambda: nn.RNN(3, 4, 2, dropout="0.5"), ValueError, r"^RNN: dropout should be a number"),
    (lambda: nn.LSTM(3, 4, proj_size=-1), ValueError,
     r"^LSTM: proj_size should be a positive integer or zero to disable projections, got -1"),
    (lambda: nn.LSTM(3, 4, proj_size=4), ValueError,
     r"^LSTM: proj_size has to be smaller than hidden_size, got proj_size=4 and hidden_size=4"),
    (lambda: nn.LSTM(3, 4, proj_size=7), ValueError, r"^LSTM: proj_size has to be smaller than hidden_size"),
    (lambda: nn.GRU(3, 0), ValueError, r"^GRU: hidden_size must be greater than zero, got 0"),
    (lambda: nn.GRU(0, 3), ValueError, r"^GRU: input_size must be greater than zero, got 0"),
    (lambda: nn.LSTM(3, 4, 0), ValueError, r"^LSTM: num_layers must be greater than zero, got 0"),
    (lambda: nn.LSTM(3, 4.0), TypeError, r"^LSTM: hidden_size should be of type int, got: float"),
    (lambda: nn.RNN(3, 4, bias=1), TypeError, r"^RNN: bias should be of type bool, got: int"),
    (lambda: nn.GRU(3, 4, batch_first="yes"), TypeError, r"^GRU: batch_first should be of type bool, got: str"),
    (lambda: nn.GRU(3, 4, proj_size=2), TypeError, r"proj_size"),          # only the LSTM takes it, as in torch
], ids=lambda v: None)
def test_constructor_errors(make, error, message):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(error, match=message):
            make()


def test_states_keep_their_device_and_dtype(device):
    lstm = nn.LSTM(3, 4, 2, proj_size=2).double().to(device)
    out, (h, c) = lstm(mg.tensor(randn(5, 3), device=device))
    assert (out.shape, h.shape, c.shape) == ((5, 2), (2, 2), (2, 4))
    assert out.device == h.device == c.device == device and out.dtype == h.dtype == c.dtype == np.float64
    cell = nn.GRUCell(3, 4).to(device)
    h = cell(mg.tensor(randn(2, 3).astype(np.float32), device=device))
    assert h.device == device and h.dtype == np.float32 and host(h).shape == (2, 4)
