"""nn.RNN, nn.LSTM, nn.GRU and their cells against PyTorch: after loading torch's state dict (float64), the same
outputs and final states, and the same gradients of every parameter, of the input and of the initial states
after one backward of a random weighted sum, for every layout and option; torch's state_dict keys, order and
shapes, reprs and init. Gradchecks, dropout and the errors are in test_recurrent_more.py."""
import math
import warnings

import numpy as np
import pytest

import minigan as mg
import minigan.nn as nn

from helpers import host, randn


def _pair(torch, cls: str, args, kwargs, device="cpu"):
    """A torch layer (float64, seeded) and a minigan layer loaded from its state dict, on ``device``."""
    torch.manual_seed(0)
    ref = getattr(torch.nn, cls)(*args, **kwargs).double()
    mine = getattr(nn, cls)(*args, **kwargs).double()
    mine.load_state_dict({k: v.detach().numpy() for k, v in ref.state_dict().items()})
    return ref, mine.to(device)


def _flat(result) -> list:
    """``out``, ``(out, h)``, ``(out, (h, c))`` or ``(h, c)`` as one flat list of tensors."""
    if isinstance(result, tuple):
        return [t for r in result for t in _flat(r)]
    return [result]


def _compare(torch, ref, mine, device, arrays, call, atol=1e-12):
    """``call(module, tensors)`` on minigan tensors and on torch tensors made from ``arrays`` (the input, then the
    initial states): equal outputs, then equal gradients of every parameter and input after a weighted sum."""
    ms = [mg.tensor(a, device=device, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    mo, to = _flat(call(mine, ms)), _flat(call(ref, ts))
    assert len(mo) == len(to)
    rs = np.random.default_rng(7)
    loss = tloss = 0
    for i, (a, b) in enumerate(zip(mo, to)):
        assert a.shape == tuple(b.shape), f"output {i}: {a.shape} != {tuple(b.shape)}"
        np.testing.assert_allclose(host(a), b.detach().numpy(), atol=atol, rtol=1e-9, err_msg=f"output {i}")
        g = rs.standard_normal(a.shape)
        loss = loss + (a * mg.tensor(g, device=device)).sum()
        tloss = tloss + (b * torch.tensor(g)).sum()
    loss.backward()
    tloss.backward()
    named, tnamed = list(mine.named_parameters()), list(ref.named_parameters())
    assert [n for n, _ in named] == [n for n, _ in tnamed]
    for (name, p), (_, tp) in zip(named, tnamed):
        np.testing.assert_allclose(host(p.grad), tp.grad.numpy(), atol=1e-10, rtol=1e-8,
                                   err_msg=f"gradient of {name}")
    for i, (m, t) in enumerate(zip(ms, ts)):
        np.testing.assert_allclose(host(m.grad), t.grad.numpy(), atol=1e-10, rtol=1e-8,
                                   err_msg=f"gradient of {['input', 'h_0', 'c_0'][i]}")


# --------------------------------------------------------------------------- layers
def _state_shapes(cls, args, kwargs, x_shape):
    """torch's h_0 (and c_0) shapes for this layer and input."""
    hidden = args[1]
    layers = args[2] if len(args) > 2 else kwargs.get("num_layers", 1)
    d = 2 if kwargs.get("bidirectional") else 1
    h_out = kwargs.get("proj_size", 0) or hidden
    batch = () if len(x_shape) == 2 else (x_shape[0 if kwargs.get("batch_first") else 1],)
    shapes = [(d * layers, *batch, h_out)]
    return shapes + [(d * layers, *batch, hidden)] if cls == "LSTM" else shapes


# (class, constructor args, constructor kwargs, input shape, whether the initial states are given)
LAYER_CASES = [
    ("RNN", (3, 5), {}, (4, 2, 3), False),
    ("RNN", (3, 5), {}, (4, 2, 3), True),
    ("RNN", (3, 5, 2, "relu"), {"bidirectional": True}, (4, 2, 3), True),
    ("RNN", (3, 5), {"nonlinearity": "relu", "bias": False, "batch_first": True}, (2, 4, 3), True),
    ("RNN", (3, 5, 2), {"batch_first": True, "bidirectional": True}, (3, 4, 3), False),
    ("RNN", (3, 5, 2), {}, (4, 3), True),
    ("RNN", (3, 5), {"bidirectional": True, "batch_first": True}, (4, 3), False),
    ("RNN", (7, 1, 3), {"bidirectional": True}, (1, 1, 7), True),
    ("LSTM", (3, 5), {}, (4, 2, 3), False),
    ("LSTM", (3, 5), {}, (4, 2, 3), True),
    ("LSTM", (3, 5, 2), {"bidirectional": True}, (4, 2, 3), True),
    ("LSTM", (3, 5, 2), {"batch_first": True}, (2, 4, 3), False),
    ("LSTM", (3, 5), {"bias": False}, (1, 1, 3), True),
    ("LSTM", (3, 5), {"proj_size": 2}, (4, 2, 3), True),
    ("LSTM", (3, 5, 2), {"proj_size": 3, "bidirectional": True, "batch_first": True}, (2, 4, 3), True),
    ("LSTM", (3, 5, 2), {"proj_size": 1, "bias": False}, (4, 2, 3), False),
    ("LSTM", (3, 5, 2), {"bidirectional": True}, (4, 3), True),
    ("LSTM", (3, 4), {"proj_size": 2, "bidirectional": True}, (5, 3), False),
    ("LSTM", (7, 3, 3), {"bidirectional": True}, (1, 1, 7), True),
    ("GRU", (3, 5), {}, (4, 2, 3), False),
    ("GRU", (3, 5), {}, (4, 2, 3), True),
    ("GRU", (3, 5, 2), {"bidirectional": True, "batch_first": True}, (2, 4, 3), True),
    ("GRU", (3, 5, 2), {"bias": False}, (4, 2, 3), True),
    ("GRU", (3, 5), {"bidirectional": True}, (4, 3), True),
    ("GRU", (3, 5, 3), {"batch_first": True}, (4, 3), False),
    ("GRU", (7, 1), {"bidirectional": True}, (1, 1, 7), True),
    ("GRU", (5, 6, 2), {"bidirectional": True, "dropout": 0.5}, (6, 3, 5), True),    # eval: no dropout
    ("LSTM", (3, 5, 3), {"dropout": 0.3, "proj_size": 2}, (4, 2, 3), True),
]


def _layer_id(case):
    cls, args, kwargs, shape, given = case
    opts = ",".join(f"{k}={v}" for k, v in kwargs.items())
    return f"{cls}{args}-{opts}-x{shape}-{'h0' if given else 'no-h0'}"


def _call_layer(cls, given):
    def call(module, ts):
        if not given:
            return module(ts[0])
        return module(ts[0], (ts[1], ts[2]) if cls == "LSTM" else ts[1])
    return call


@pytest.mark.parametrize("case", LAYER_CASES, ids=[_layer_id(c) for c in LAYER_CASES])
def test_layer_outputs_states_and_gradients_match_torch(device, torch, case):
    cls, args, kwargs, x_shape, given = case
    ref, mine = _pair(torch, cls, args, kwargs, device)
    ref.eval()
    mine.eval()
    arrays = [randn(*x_shape, seed=1)]
    if given:
        arrays += [randn(*s, seed=2 + i) for i, s in enumerate(_state_shapes(cls, args, kwargs, x_shape))]
    _compare(torch, ref, mine, device, arrays, _call_layer(cls, given))


@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
def test_training_mode_without_dropout_is_eval_mode(torch, cls):
    ref, mine = _pair(torch, cls, (3, 4, 2), {"bidirectional": True})
    _compare(torch, ref, mine, "cpu", [randn(3, 2, 3, seed=4)], _call_layer(cls, False))


@pytest.mark.parametrize("cls,kwargs", [("GRU", {}), ("RNN", {"bidirectional": True}),
                                        ("LSTM", {"bidirectional": True, "proj_size": 2})])
def test_dropout_one_in_training_zeroes_the_next_layers_input_as_torch(torch, cls, kwargs):
    """With p = 1 torch's dropout between layers is deterministic (all zeros), so training mode compares too;
    the last layer's output is not dropped."""
    ref, mine = _pair(torch, cls, (3, 4, 2), {"dropout": 1.0, **kwargs})
    ref.train()
    mine.train()
    _compare(torch, ref, mine, "cpu", [randn(5, 2, 3, seed=5)], _call_layer(cls, False))


@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
def test_float32_layer_loads_torchs_float32_state_dict(torch, cls):
    torch.manual_seed(0)
    ref = getattr(torch.nn, cls)(4, 6, 2, batch_first=True, bidirectional=True)
    mine = getattr(nn, cls)(4, 6, 2, batch_first=True, bidirectional=True)
    mine.load_state_dict({k: v.detach().numpy() for k, v in ref.state_dict().items()})
    x = randn(3, 5, 4, seed=3).astype(np.float32)
    out = _flat(mine(mg.tensor(x)))
    with torch.no_grad():
        tout = _flat(ref(torch.tensor(x)))
    for a, b in zip(out, tout):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-5)


def test_passing_none_as_the_state_is_the_default():
    for layer in (nn.RNN(3, 4, 2), nn.LSTM(3, 4, proj_size=2), nn.GRU(3, 4, bidirectional=True)):
        x = mg.tensor(randn(3, 2, 3, seed=6).astype(np.float32))
        for a, b in zip(_flat(layer(x)), _flat(layer(x, None))):
            np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_a_layer_is_its_cell_unrolled():
    """One layer, one direction: the output at step t is the cell's h after t + 1 steps, sharing the weights."""
    for layer_cls, cell_cls in ((nn.RNN, nn.RNNCell), (nn.LSTM, nn.LSTMCell), (nn.GRU, nn.GRUCell)):
        layer, cell = layer_cls(3, 4).double(), cell_cls(3, 4).double()
        cell.load_state_dict({k[:-3]: v for k, v in layer.state_dict().items()})      # weight_ih_l0 -> weight_ih
        x = mg.tensor(randn(5, 2, 3, seed=8))
        out, _ = layer(x)
        state = None
        for t in range(5):
            state = cell(x[t], state)
            h = state[0] if isinstance(state, tuple) else state
            np.testing.assert_allclose(out[t].numpy(), h.numpy(), atol=1e-14)


# --------------------------------------------------------------------------- cells
# (class, constructor args, constructor kwargs, input shape, whether hx is given)
CELL_CASES = [
    ("RNNCell", (3, 5), {}, (2, 3), False),
    ("RNNCell", (3, 5), {}, (2, 3), True),
    ("RNNCell", (3, 5, False, "relu"), {}, (2, 3), True),
    ("RNNCell", (3, 5), {"nonlinearity": "relu"}, (3,), True),
    ("RNNCell", (3, 5), {}, (3,), False),
    ("RNNCell", (7, 1), {}, (1, 7), True),
    ("LSTMCell", (3, 5), {}, (2, 3), False),
    ("LSTMCell", (3, 5), {}, (2, 3), True),
    ("LSTMCell", (3, 5, False), {}, (2, 3), True),
    ("LSTMCell", (3, 5), {}, (3,), True),
    ("LSTMCell", (3, 5), {"bias": False}, (3,), False),
    ("LSTMCell", (7, 1), {}, (1, 7), True),
    ("GRUCell", (3, 5), {}, (2, 3), False),
    ("GRUCell", (3, 5), {}, (2, 3), True),
    ("GRUCell", (3, 5), {"bias": False}, (2, 3), True),
    ("GRUCell", (3, 5), {}, (3,), True),
    ("GRUCell", (3, 5), {}, (3,), False),
    ("GRUCell", (7, 2), {}, (1, 7), True),
]


@pytest.mark.parametrize("case", CELL_CASES, ids=[_layer_id(c) for c in CELL_CASES])
def test_cell_outputs_and_gradients_match_torch(device, torch, case):
    cls, args, kwargs, x_shape, given = case
    ref, mine = _pair(torch, cls, args, kwargs, device)
    hidden = args[1]
    arrays = [randn(*x_shape, seed=1)]
    if given:
        arrays += [randn(*x_shape[:-1], hidden, seed=2 + i) for i in range(2 if cls == "LSTMCell" else 1)]

    def call(module, ts):
        if not given:
            return module(ts[0])
        return module(ts[0], (ts[1], ts[2]) if cls == "LSTMCell" else ts[1])
    _compare(torch, ref, mine, device, arrays, call)


def test_cells_step_a_sequence_like_torch(torch):
    """Ten steps of each cell, feeding its state back: BPTT through the cell's graph, as torch's."""
    for cls in ("RNNCell", "LSTMCell", "GRUCell"):
        ref, mine = _pair(torch, cls, (3, 4), {})

        def call(module, ts):
            state, outs = None, []
            for t in range(ts[0].shape[0]):
                state = module(ts[0][t], state)
                outs.append(state[0] if isinstance(state, tuple) else state)
            return tuple(outs) + (state if isinstance(state, tuple) else (state,))
        _compare(torch, ref, mine, "cpu", [randn(10, 2, 3, seed=9)], call)


# --------------------------------------------------------------------------- parameters, state dict, repr, init
STATE_CASES = [
    ("RNN", (3, 5), {}),
    ("RNN", (3, 5, 2, "relu"), {"bias": False, "bidirectional": True}),
    ("LSTM", (3, 5), {}),
    ("LSTM", (3, 5, 2), {"bidirectional": True, "proj_size": 2}),
    ("LSTM", (3, 5, 3), {"bias": False, "proj_size": 4}),
    ("GRU", (3, 5, 2), {"bidirectional": True}),
    ("GRU", (3, 5), {"bias": False}),
    ("RNNCell", (3, 5), {}),
    ("RNNCell", (3, 5), {"bias": False, "nonlinearity": "relu"}),
    ("LSTMCell", (3, 5), {}),
    ("LSTMCell", (3, 5, False), {}),
    ("GRUCell", (3, 5), {}),
]


@pytest.mark.parametrize("cls,args,kwargs", STATE_CASES, ids=[f"{c[0]}{c[1]}{c[2]}" for c in STATE_CASES])
def test_state_dict_keys_order_and_shapes_are_torchs(torch, cls, args, kwargs):
    ref, mine = getattr(torch.nn, cls)(*args, **kwargs), getattr(nn, cls)(*args, **kwargs)
    assert list(mine.state_dict()) == list(ref.state_dict())
    assert [n for n, _ in mine.named_parameters()] == [n for n, _ in ref.named_parameters()]
    for k, v in mine.state_dict().items():
        assert v.shape == tuple(ref.state_dict()[k].shape), k
        assert v.dtype == np.float32
    result = mine.load_state_dict({k: v.numpy() for k, v in ref.state_dict().items()})
    assert not result.missing_keys and not result.unexpected_keys
    for k, v in mine.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), ref.state_dict()[k].numpy())


def test_a_bidirectional_lstm_has_torchs_names():
    lstm = nn.LSTM(3, 5, 2, bidirectional=True, proj_size=2)
    names = [f"{s}_l{k}{r}" for k in range(2) for r in ("", "_reverse")
             for s in ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")]
    assert list(lstm.state_dict()) == names
    assert lstm.weight_ih_l1_reverse.shape == (20, 4) and lstm.weight_hh_l0.shape == (20, 2)
    assert lstm.weight_hr_l1.shape == (2, 5) and lstm.bias_hh_l0_reverse.shape == (20,)
    assert [len(w) for w in lstm.all_weights] == [5] * 4 and lstm.all_weights[1][0] is lstm.weight_ih_l0_reverse
    cell = nn.GRUCell(3, 5, bias=False)
    assert list(cell.state_dict()) == ["weight_ih", "weight_hh"] and cell.bias_ih is None and cell.bias_hh is None


REPR_CASES = [
    ("RNN", (3, 5), {}),
    ("RNN", (3, 5, 2, "relu", False, True, 0.5, True), {}),
    ("RNN", (3, 5), {"nonlinearity": "relu"}),
    ("LSTM", (3, 5), {}),
    ("LSTM", (3, 5), {"proj_size": 2, "num_layers": 3, "dropout": 1, "batch_first": True}),
    ("LSTM", (10, 20, 2), {"bias": False, "bidirectional": True}),
    ("GRU", (3, 5, 2), {"dropout": 0.25}),
    ("GRU", (3, 5), {"batch_first": True, "bidirectional": True}),
    ("RNNCell", (3, 5), {}),
    ("RNNCell", (3, 5, False, "relu"), {}),
    ("RNNCell", (3, 5), {"nonlinearity": "tanh", "bias": True}),
    ("LSTMCell", (3, 5), {}),
    ("LSTMCell", (3, 5), {"bias": False}),
    ("GRUCell", (3, 5, False), {}),
]


@pytest.mark.parametrize("cls,args,kwargs", REPR_CASES, ids=[f"{c[0]}{c[1]}{c[2]}" for c in REPR_CASES])
def test_repr_is_torchs(torch, cls, args, kwargs):
    with warnings.catch_warnings():                 # dropout=1 with one layer warns, in both
        warnings.simplefilter("ignore")
        ref, mine = getattr(torch.nn, cls)(*args, **kwargs), getattr(nn, cls)(*args, **kwargs)
    assert repr(mine) == repr(ref)
    for attr in ("input_size", "hidden_size", "bias", "num_layers", "batch_first", "dropout", "bidirectional",
                 "proj_size", "nonlinearity", "mode"):
        if hasattr(ref, attr):
            assert getattr(mine, attr) == getattr(ref, attr), attr


@pytest.mark.parametrize("make", [lambda: nn.RNN(16, 64, 2, bidirectional=True),
                                  lambda: nn.LSTM(16, 64, proj_size=8), lambda: nn.GRU(16, 100, bias=True),
                                  lambda: nn.RNNCell(16, 64), lambda: nn.LSTMCell(16, 64),
                                  lambda: nn.GRUCell(16, 49)], ids=["RNN", "LSTM", "GRU", "RNNCell", "LSTMCell",
                                                                    "GRUCell"])
def test_init_is_uniform_within_one_over_sqrt_hidden_size(make):
    mg.manual_seed(3)
    layer = make()
    bound = 1 / math.sqrt(layer.hidden_size)
    for name, p in layer.named_parameters():
        w = p.numpy()
        assert p.dtype == np.float32
        assert np.abs(w).max() <= bound, name
        assert np.abs(w).max() > 0.8 * bound, name                  # drawn over the whole range
        if w.size > 500:
            assert abs(w.mean()) < 0.1 * bound and abs(w.std() - bound / math.sqrt(3)) < 0.1 * bound, name
    first = [p.numpy().copy() for p in layer.parameters()]
    layer.reset_parameters()
    assert any(not np.array_equal(a, p.numpy()) for a, p in zip(first, layer.parameters()))
