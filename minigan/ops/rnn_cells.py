"""PyTorch's functional recurrent cells: one time step of an RNN, LSTM or GRU with the weights passed in,
``torch.rnn_tanh_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None)`` and its siblings. They are the steps
that ``nn.RNNCell``, ``nn.LSTMCell`` and ``nn.GRUCell`` (``minigan/nn/recurrent_cells.py``) run, called with
``gi = linear(input, w_ih, b_ih)``, the input's share of the gates; their backward is that of the ops they
are made of (``linear``, ``chunk``, ``sigmoid``, ``tanh``), recorded as they run.

Shapes: ``input (N, input_size)``, ``h (N, hidden_size)``, ``w_ih (G * hidden_size, input_size)``,
``w_hh (G * hidden_size, hidden_size)``, biases ``(G * hidden_size,)``, with G = 1 (RNN), 4 (LSTM: gates
i, f, g, o) or 3 (GRU: gates r, z, n)."""
from __future__ import annotations

from ..autograd import Tensor
from .activation import relu, sigmoid, tanh
from .normalization import linear
from .shape import chunk

__all__ = ["rnn_tanh_cell", "rnn_relu_cell", "lstm_cell", "gru_cell"]


# --------------------------------------------------------------------------- one time step of each cell
# ``gi`` is the input's part of the gates, ``W_ih x_t + b_ih``, computed beforehand: it does not depend on h,
# so a layer computes it for every time step at once, with one matmul over the whole sequence.

def _rnn_step(gi: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None, act) -> Tensor:
    return act(gi + linear(h, w_hh, b_hh))


def _lstm_step(gi: Tensor, state: tuple[Tensor, Tensor], w_hh: Tensor, b_hh: Tensor | None,
               w_hr: Tensor | None = None) -> tuple[Tensor, Tensor]:
    h, c = state
    i, f, g, o = chunk(gi + linear(h, w_hh, b_hh), 4, dim=-1)      # torch's gate order: i, f, g, o
    c = sigmoid(f) * c + sigmoid(i) * tanh(g)
    h = sigmoid(o) * tanh(c)
    return (h if w_hr is None else linear(h, w_hr)), c


def _gru_step(gi: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None) -> Tensor:
    i_r, i_z, i_n = chunk(gi, 3, dim=-1)                           # torch's gate order: r, z, n
    h_r, h_z, h_n = chunk(linear(h, w_hh, b_hh), 3, dim=-1)
    r = sigmoid(i_r + h_r)
    z = sigmoid(i_z + h_z)
    n = tanh(i_n + r * h_n)                                        # r gates W_hn h + b_hn, as torch's GRU
    return (1 - z) * n + z * h


def _gates(name: str, input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih, gates: int) -> Tensor:  # noqa: A002
    """The input's share of the gates, ``input @ w_ih.T + b_ih``, after checking the shapes agree."""
    for what, t in (("input", input), ("hx", hx), ("w_ih", w_ih), ("w_hh", w_hh)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}(): argument '{what}' must be Tensor, not {type(t).__name__}")
    if w_ih.ndim != 2 or w_hh.ndim != 2 or w_hh.shape[0] != gates * w_hh.shape[1] \
            or w_ih.shape[0] != w_hh.shape[0]:
        raise RuntimeError(f"{name}: expected w_ih (G * hidden_size, input_size) and w_hh (G * hidden_size, "
                           f"hidden_size) with G = {gates}, got w_ih {w_ih.shape} and w_hh {w_hh.shape}")
    if input.shape[-1:] != w_ih.shape[1:]:
        raise RuntimeError(f"{name}: input has inconsistent input_size: got {input.shape[-1] if input.ndim else 0}"
                           f" expected {w_ih.shape[1]}")
    if hx.shape[-1:] != w_hh.shape[1:] or hx.shape[:-1] != input.shape[:-1]:
        raise RuntimeError(f"{name}: hidden state of shape {hx.shape} doesn't match input {input.shape} and "
                           f"hidden_size {w_hh.shape[1]} (expected {input.shape[:-1] + (w_hh.shape[1],)})")
    return linear(input, w_ih, b_ih)


def rnn_tanh_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,  # noqa: A002
                  b_hh: Tensor | None = None) -> Tensor:
    """``h' = tanh(input @ w_ih.T + b_ih + hx @ w_hh.T + b_hh)``, as ``torch.rnn_tanh_cell``."""
    gi = _gates("rnn_tanh_cell", input, hx, w_ih, w_hh, b_ih, 1)
    return _rnn_step(gi, hx, w_hh, b_hh, tanh)


def rnn_relu_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,  # noqa: A002
                  b_hh: Tensor | None = None) -> Tensor:
    """``h' = relu(input @ w_ih.T + b_ih + hx @ w_hh.T + b_hh)``, as ``torch.rnn_relu_cell``."""
    gi = _gates("rnn_relu_cell", input, hx, w_ih, w_hh, b_ih, 1)
    return _rnn_step(gi, hx, w_hh, b_hh, relu)


def lstm_cell(input: Tensor, hx, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,  # noqa: A002
              b_hh: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """One LSTM step, as ``torch.lstm_cell``: ``hx`` is the pair ``(h, c)``; returns ``(h', c')`` with
    ``i, f, g, o = chunk(gates, 4)``, ``c' = sigmoid(f) * c + sigmoid(i) * tanh(g)``, ``h' = sigmoid(o) * tanh(c')``."""
    if not isinstance(hx, (tuple, list)) or len(hx) != 2:
        raise TypeError(f"lstm_cell(): argument 'hx' (position 2) must be tuple of two Tensors (h, c), not "
                        f"{type(hx).__name__}")
    gi = _gates("lstm_cell", input, hx[0], w_ih, w_hh, b_ih, 4)
    if not isinstance(hx[1], Tensor) or hx[1].shape != hx[0].shape:
        raise RuntimeError(f"lstm_cell: the cell state must be a Tensor of h's shape {hx[0].shape}")
    return _lstm_step(gi, (hx[0], hx[1]), w_hh, b_hh)


def gru_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,  # noqa: A002
             b_hh: Tensor | None = None) -> Tensor:
    """One GRU step, as ``torch.gru_cell``: ``r = sigmoid(i_r + h_r)``, ``z = sigmoid(i_z + h_z)``,
    ``n = tanh(i_n + r * h_n)``, ``h' = (1 - z) * n + z * hx``, where ``i_*`` are the chunks of
    ``input @ w_ih.T + b_ih`` and ``h_*`` those of ``hx @ w_hh.T + b_hh``."""
    gi = _gates("gru_cell", input, hx, w_ih, w_hh, b_ih, 3)
    return _gru_step(gi, hx, w_hh, b_hh)
