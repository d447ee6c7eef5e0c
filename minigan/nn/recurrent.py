"""Recurrent layers, as PyTorch's: the cells ``RNNCell``, ``LSTMCell``, ``GRUCell`` (one time step) and the layers
``RNN``, ``LSTM``, ``GRU`` (a whole sequence, any number of stacked layers, one or two directions). Parameter
names, shapes, order and initialisation, arguments, input and output shapes and reprs are PyTorch's, so a PyTorch
state dict (as arrays) loads unchanged.

A recurrent layer reads a sequence ``x_1 .. x_L`` one step at a time and carries a hidden state ``h`` from step
to step: ``h_t = cell(x_t, h_{t-1})``, with the same weights at every step. The equations, as torch documents
them (``W_i*`` are rows of ``weight_ih``, ``W_h*`` of ``weight_hh``, ``b_i*`` / ``b_h*`` of ``bias_ih`` /
``bias_hh``, ``σ`` the sigmoid, ``*`` elementwise)::

    RNN   h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)          (relu instead of tanh if asked)

    LSTM  i_t = σ(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi)              input gate:  how much new to write
          f_t = σ(W_if x_t + b_if + W_hf h_{t-1} + b_hf)              forget gate: how much of c to keep
          g_t = tanh(W_ig x_t + b_ig + W_hg h_{t-1} + b_hg)           the candidate values to write
          o_t = σ(W_io x_t + b_io + W_ho h_{t-1} + b_ho)              output gate: how much of c to show
          c_t = f_t * c_{t-1} + i_t * g_t                             the cell state, a running memory
          h_t = o_t * tanh(c_t)                                       (then h_t = W_hr h_t with proj_size > 0)

    GRU   r_t = σ(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)              reset gate:  how much of h n may see
          z_t = σ(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)              update gate: keep h, or take n
          n_t = tanh(W_in x_t + b_in + r_t * (W_hn h_{t-1} + b_hn))   the candidate state (r after W_hn h + b_hn)
          h_t = (1 - z_t) * n_t + z_t * h_{t-1}

(The GRU's ``W_hr`` is the reset gate's rows of ``weight_hh``, not the LSTM's projection ``weight_hr``.)

The gates of one cell are stacked in one matrix, in torch's order: ``weight_ih`` is ``(4H, H_in)`` rows
``[W_ii; W_if; W_ig; W_io]`` for the LSTM and ``(3H, H_in)`` rows ``[W_ir; W_iz; W_in]`` for the GRU, so one
matmul computes every gate and :func:`~minigan.ops.chunk` cuts the result. Why gates: in a plain RNN the gradient
reaching step 1 from step L is a product of L Jacobians and vanishes (or explodes); the LSTM's cell state is
updated by addition (``c_t = f_t * c_{t-1} + ...``), so with ``f_t`` near 1 the gradient passes many steps
almost unchanged, and the GRU's ``z_t`` does the same for ``h``.

There is no hand-written backward here. Every step is made of differentiable minigan ops (``linear``,
``sigmoid``, ``tanh``, ``chunk``, ``stack``, ``cat``, ``dropout``), each recorded in the graph as it runs, so
the graph of an L-step sequence is the loop *unrolled*: L copies of the cell, chained through ``h`` (and ``c``).
``backward()`` walks that graph from the last step to the first, which is exactly backpropagation through time
(BPTT), and gives the gradients of every parameter (summed over the steps that shared it), of the input and of
the initial states; differentiating the recorded backward again gives double backward for free.

A stacked layer (``num_layers > 1``) feeds the output sequence of layer k to layer k + 1, with dropout between
layers in training mode only (never after the last). ``bidirectional=True`` runs a second cell of its own
(``..._reverse`` parameters) from the last step to the first, and puts both outputs side by side:
``[forward, backward]`` on the last dim. Packed sequences (``torch.nn.utils.rnn``) are not supported.
"""
from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from .. import backend
from ..autograd import Tensor
from ..ops import cat, chunk, dropout, linear, relu, sigmoid, stack, tanh, transpose, unbind, unsqueeze
from . import init
from .module import Module, Parameter

__all__ = ["RNNCell", "LSTMCell", "GRUCell", "RNN", "LSTM", "GRU"]


def _param(*shape) -> Parameter:
    return Parameter(np.zeros(shape, dtype=np.float32))


def _zeros_like_batch(x: Tensor, *shape) -> Tensor:
    """A zero initial state of ``shape``, of ``x``'s dtype, on ``x``'s device (torch's default ``h_0``)."""
    return Tensor(backend.xp_of(x.data).zeros(shape, dtype=x.dtype))


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


def _check_tensor(name: str, what: str, t) -> None:
    if not isinstance(t, Tensor):
        hint = " (packed sequences are not supported: pass a padded Tensor)" if what == "input" else ""
        raise TypeError(f"{name}: expected {what} to be a Tensor, got {type(t).__name__}{hint}")


def _check_pair(name: str, hx, names: str) -> None:
    """An LSTM's state is a pair of tensors (h, c)."""
    if not isinstance(hx, (tuple, list)) or len(hx) != 2:
        got = type(hx).__name__ + (f" of length {len(hx)}" if isinstance(hx, (tuple, list)) else "")
        raise TypeError(f"{name}: expected hx to be a tuple {names} of two Tensors, got {got}")


def _check_dtype(name: str, what: str, t: Tensor, want) -> None:
    if t.dtype != want:
        raise ValueError(f"{name}: {what} dtype ({t.dtype}) does not match weight dtype ({want}); convert the "
                         f"{what} (.to({want})) or the layer (.to({t.dtype}))")


# --------------------------------------------------------------------------- cells
class _CellBase(Module):
    """What the cells share: ``weight_ih (chunks*H, H_in)``, ``weight_hh (chunks*H, H)``, ``bias_ih`` and
    ``bias_hh (chunks*H,)``, all drawn from U(-1/sqrt(H), 1/sqrt(H)), as torch's ``RNNCellBase``."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int) -> None:
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        self.weight_ih = _param(num_chunks * hidden_size, input_size)
        self.weight_hh = _param(num_chunks * hidden_size, hidden_size)
        if bias:
            self.bias_ih = _param(num_chunks * hidden_size)
            self.bias_hh = _param(num_chunks * hidden_size)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0.0
        for p in self.parameters():
            init.uniform_(p, -stdv, stdv)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def _check_input(self, x) -> bool:
        """Torch's rules for a cell's input; True when batched ``(N, H_in)``, False for one ``(H_in,)``."""
        name = type(self).__name__
        _check_tensor(name, "input", x)
        if x.ndim not in (1, 2) or x.shape[-1] != self.input_size:
            raise ValueError(f"{name}: expected input of shape (N, {self.input_size}) or ({self.input_size},) "
                             f"((N, input_size) or unbatched (input_size,)), got shape {x.shape}")
        _check_dtype(name, "input", x, self.weight_ih.dtype)
        return x.ndim == 2

    def _check_state(self, x: Tensor, h, what: str) -> None:
        name = type(self).__name__
        _check_tensor(name, what, h)
        want = (x.shape[0], self.hidden_size) if x.ndim == 2 else (self.hidden_size,)
        layout = "(N, hidden_size)" if x.ndim == 2 else "(hidden_size,)"
        if h.shape != want:
            raise ValueError(f"{name}: expected {what} of shape {want} ({layout} for an input of shape {x.shape}), "
                             f"got shape {h.shape}")
        _check_dtype(name, what, h, x.dtype)

    def _initial(self, x: Tensor, hx, what: str = "hx") -> Tensor:
        """The state ``hx`` given for input ``x``, checked, or zeros (torch's default) where it is None."""
        if hx is None:
            return _zeros_like_batch(x, *x.shape[:-1], self.hidden_size)
        self._check_state(x, hx, what)
        return hx

    def _gi(self, x: Tensor) -> Tensor:
        return linear(x, self.weight_ih, self.bias_ih)


class RNNCell(_CellBase):
    """An Elman RNN cell, one step: ``h' = tanh(W_ih x + b_ih + W_hh h + b_hh)`` (or relu); mirrors
    ``torch.nn.RNNCell``. ``cell(input, hx=None)``: input ``(N, H_in)`` or unbatched ``(H_in,)``, ``hx`` of
    shape ``(N, H)`` or ``(H,)`` (zeros when None) -> ``h'`` of the same shape as ``hx``."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh") -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: unknown nonlinearity {nonlinearity!r}; select from 'tanh' or 'relu'")
        super().__init__(input_size, hidden_size, bias, num_chunks=1)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        self._check_input(input)
        act = tanh if self.nonlinearity == "tanh" else relu
        return _rnn_step(self._gi(input), self._initial(input, hx), self.weight_hh, self.bias_hh, act)


class LSTMCell(_CellBase):
    """A long short-term memory cell, one step (gates i, f, g, o; see the module docstring); mirrors
    ``torch.nn.LSTMCell``. ``cell(input, (h, c)=None)`` -> ``(h', c')``: input ``(N, H_in)`` or ``(H_in,)``,
    each state ``(N, H)`` or ``(H,)`` (zeros when None)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=4)

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
        self._check_input(input)
        if hx is None:
            hx = (self._initial(input, None),) * 2
        else:
            _check_pair("LSTMCell", hx, "(h, c)")
            hx = (self._initial(input, hx[0], "hx[0]"), self._initial(input, hx[1], "hx[1]"))
        return _lstm_step(self._gi(input), hx, self.weight_hh, self.bias_hh)


class GRUCell(_CellBase):
    """A gated recurrent unit cell, one step (gates r, z, n; see the module docstring); mirrors
    ``torch.nn.GRUCell``. ``cell(input, hx=None)``: input ``(N, H_in)`` or unbatched ``(H_in,)``, ``hx`` of
    shape ``(N, H)`` or ``(H,)`` (zeros when None) -> ``h'`` of the same shape as ``hx``."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=3)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        self._check_input(input)
        return _gru_step(self._gi(input), self._initial(input, hx), self.weight_hh, self.bias_hh)


# --------------------------------------------------------------------------- layers
_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


class _RNNBase(Module):
    """What RNN, LSTM and GRU share, as torch's ``RNNBase``: the argument checks, the parameters of every layer
    and direction in torch's order, the init, the repr, the input checks and the loop over layers, directions
    and time steps."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int = 0) -> None:
        name = type(self).__name__
        if not isinstance(dropout, numbers.Number) or isinstance(dropout, bool) or not 0 <= dropout <= 1:
            raise ValueError(f"{name}: dropout should be a number in range [0, 1] representing the probability of "
                             f"an element being zeroed, got {dropout!r}")
        if dropout > 0 and num_layers == 1:
            warnings.warn(f"{name}: dropout option adds dropout after all but last recurrent layer, so non-zero "
                          f"dropout expects num_layers greater than 1, but got dropout={dropout} and "
                          f"num_layers={num_layers}", UserWarning, stacklevel=3)
        for arg, value, kind in (("bias", bias, bool), ("batch_first", batch_first, bool),
                                 ("bidirectional", bidirectional, bool), ("input_size", input_size, int),
                                 ("hidden_size", hidden_size, int), ("num_layers", num_layers, int),
                                 ("proj_size", proj_size, int)):
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                raise TypeError(f"{name}: {arg} should be of type {kind.__name__}, got: {type(value).__name__}")
        for arg, value in (("input_size", input_size), ("hidden_size", hidden_size), ("num_layers", num_layers)):
            if value <= 0:
                raise ValueError(f"{name}: {arg} must be greater than zero, got {value}")
        if proj_size < 0:
            raise ValueError(f"{name}: proj_size should be a positive integer or zero to disable projections, "
                             f"got {proj_size}")
        if proj_size >= hidden_size:
            raise ValueError(f"{name}: proj_size has to be smaller than hidden_size, got proj_size={proj_size} "
                             f"and hidden_size={hidden_size}")
        super().__init__()
        self.mode = mode
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.proj_size = bidirectional, proj_size
        gate_size = _GATES[mode] * hidden_size
        real_hidden = proj_size if proj_size > 0 else hidden_size
        num_directions = 2 if bidirectional else 1
        self._flat_weights_names: list[str] = []
        self._all_weights: list[list[str]] = []
        for layer in range(num_layers):
            for direction in range(num_directions):
                layer_input = input_size if layer == 0 else real_hidden * num_directions
                suffix = "_reverse" if direction == 1 else ""
                shapes = [("weight_ih", (gate_size, layer_input)), ("weight_hh", (gate_size, real_hidden))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size > 0:
                    shapes += [("weight_hr", (proj_size, hidden_size))]
                names = []
                for stem, shape in shapes:                  # torch's names, in torch's (state_dict) order
                    names.append(f"{stem}_l{layer}{suffix}")
                    setattr(self, names[-1], _param(*shape))
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every parameter from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as torch's."""
        stdv = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -stdv, stdv)

    def flatten_parameters(self) -> None:
        """A no-op, for code written for torch (there it packs the weights for cuDNN)."""

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """The parameters of each layer and direction, as torch's: ``[[weight_ih_l0, weight_hh_l0, ...], ...]``."""
        return [[getattr(self, n) for n in names] for names in self._all_weights]

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # ----------------------------------------------------------------- checks
    @property
    def _num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    def _check_input(self, x) -> bool:
        """Torch's rules for the input; True when batched (3-D), False for one unbatched ``(L, H_in)``."""
        name = type(self).__name__
        _check_tensor(name, "input", x)
        layout = "(N, L, H_in)" if self.batch_first else "(L, N, H_in)"
        if x.ndim not in (2, 3):
            raise ValueError(f"{name}: expected a 3-D input {layout} or a 2-D unbatched input (L, H_in), got "
                             f"{x.ndim}-D input of shape {x.shape}")
        if x.shape[-1] != self.input_size:
            raise ValueError(f"{name}: expected input with input_size={self.input_size} features (the last dim "
                             f"of {layout if x.ndim == 3 else '(L, H_in)'}), got {x.shape[-1]} (input shape "
                             f"{x.shape})")
        if x.shape[1 if x.ndim == 3 and self.batch_first else 0] == 0:
            raise ValueError(f"{name}: expected sequence length to be larger than 0, got input shape {x.shape}")
        _check_dtype(name, "input", x, getattr(self, self._flat_weights_names[0]).dtype)
        return x.ndim == 3

    def _check_state(self, x: Tensor, h, what: str, size: int, batched: bool) -> Tensor:
        """``h`` checked against torch's shape ``(D*num_layers, N, size)`` (``(D*num_layers, size)`` unbatched),
        and returned with its batch dim."""
        name = type(self).__name__
        _check_tensor(name, what, h)
        n = x.shape[1]                                              # x is (L, N, H_in) here
        want = (self._num_directions * self.num_layers, n, size) if batched else \
            (self._num_directions * self.num_layers, size)
        if h.shape != want:
            dims = "D*num_layers, N, " if batched else "D*num_layers, "
            size_name = "proj_size" if self.proj_size and size == self.proj_size else "hidden_size"
            raise ValueError(f"{name}: expected {what} of shape {want} (({dims}{size_name}) for "
                             f"{'a batched 3-D' if batched else 'an unbatched 2-D'} input), got shape {h.shape}")
        _check_dtype(name, what, h, x.dtype)
        return h if batched else unsqueeze(h, 1)

    # ----------------------------------------------------------------- the loop
    def _step(self, gi: Tensor, state, params: dict):
        raise NotImplementedError  # pragma: no cover - each layer has its own

    def _run(self, x: Tensor, states: list) -> tuple[Tensor, list]:
        """``x`` ``(L, N, H_in)``; ``states[k]`` the initial state of layer ``k // D``, direction ``k % D``.
        Returns the last layer's output ``(L, N, D*H_out)`` and the final states in the same order."""
        D = self._num_directions
        finals = []
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(D):
                k = layer * D + direction
                params = {n.split("_l")[0]: getattr(self, n) for n in self._all_weights[k]}  # "weight_ih": ...
                steps = list(unbind(linear(x, params["weight_ih"], params.get("bias_ih")), 0))  # W_ih x_t + b_ih
                state = states[k]
                hs: list = [None] * len(steps)
                for t in (reversed(range(len(steps))) if direction else range(len(steps))):
                    state = self._step(steps[t], state, params)
                    hs[t] = state[0] if isinstance(state, tuple) else state
                outputs.append(stack(hs, 0))                       # in time order, for either direction
                finals.append(state)
            x = outputs[0] if D == 1 else cat(outputs, dim=-1)      # [forward, backward] side by side
            if layer < self.num_layers - 1 and self.dropout > 0 and self.training:
                x = dropout(x, self.dropout, True)                 # between layers, never after the last
        return x, finals

    def _forward(self, input, hx, sizes: tuple[int, ...]):
        """The shared forward: checks, layout to ``(L, N, H_in)``, the loop, and back. ``hx`` is None or a tuple
        with one state per entry of ``sizes`` (the last dim of each). Returns ``(output, [h_n, ...])``."""
        batched = self._check_input(input)
        x = input if batched else unsqueeze(input, 1)
        if batched and self.batch_first:
            x = transpose(x, 0, 1)
        count = self._num_directions * self.num_layers
        if hx is None:
            initial = [_zeros_like_batch(x, count, x.shape[1], size) for size in sizes]
        else:
            whats = ("h_0",) if len(sizes) == 1 else ("h_0", "c_0")
            initial = [self._check_state(x, h, what, size, batched) for h, what, size in zip(hx, whats, sizes)]
        per_layer = [unbind(h, 0) for h in initial]
        states = [s[0] if len(s) == 1 else tuple(s) for s in zip(*per_layer)]
        out, finals = self._run(x, states)
        if len(sizes) == 1:
            finals = [[f] for f in finals]
        final = [stack([f[i] for f in finals], 0) for i in range(len(sizes))]
        if not batched:
            return out[:, 0], [h[:, 0] for h in final]
        return (transpose(out, 0, 1) if self.batch_first else out), final


class RNN(_RNNBase):
    """A multi-layer Elman RNN, ``h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)`` (or relu); mirrors
    ``torch.nn.RNN``. ``rnn(input, h_0=None) -> (output, h_n)``:

    input ``(L, N, H_in)``, ``(N, L, H_in)`` with ``batch_first``, or unbatched ``(L, H_in)``; ``h_0`` and
    ``h_n`` ``(D*num_layers, N, H)`` (``(D*num_layers, H)`` unbatched; never batch-first), zeros when None;
    output ``(L, N, D*H)`` (the last layer's h at every step; batch-first or unbatched as the input), with
    ``D = 2`` if bidirectional else 1. Parameters ``weight_ih_l{k} (H, H_in or D*H)``, ``weight_hh_l{k} (H, H)``,
    ``bias_ih_l{k}``, ``bias_hh_l{k} (H,)``, and ``..._reverse`` for the backward direction."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: unknown nonlinearity {nonlinearity!r}; select from 'tanh' or 'relu'")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size,
                         num_layers, bias, batch_first, dropout, bidirectional)
        self.nonlinearity = nonlinearity

    def _step(self, gi, h, params):
        act = tanh if self.nonlinearity == "tanh" else relu
        return _rnn_step(gi, h, params["weight_hh"], params.get("bias_hh"), act)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:
        output, (h_n,) = self._forward(input, None if hx is None else (hx,), (self.hidden_size,))
        return output, h_n


class LSTM(_RNNBase):
    """A multi-layer long short-term memory RNN (gates i, f, g, o; see the module docstring); mirrors
    ``torch.nn.LSTM``. ``lstm(input, (h_0, c_0)=None) -> (output, (h_n, c_n))``:

    input as :class:`RNN`'s; ``h_0``, ``h_n`` ``(D*num_layers, N, H_out)`` and ``c_0``, ``c_n``
    ``(D*num_layers, N, H)`` (without N unbatched), zeros when None; output ``(L, N, D*H_out)``, where
    ``H_out = proj_size`` if ``proj_size > 0`` else ``H``. Parameters ``weight_ih_l{k} (4H, H_in or D*H_out)``,
    ``weight_hh_l{k} (4H, H_out)``, ``bias_ih_l{k}``, ``bias_hh_l{k} (4H,)``, with ``proj_size`` also
    ``weight_hr_l{k} (proj_size, H)`` (``h_t = W_hr (o_t * tanh(c_t))``), and ``..._reverse``."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int = 0) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size)

    def _step(self, gi, state, params):
        return _lstm_step(gi, state, params["weight_hh"], params.get("bias_hh"), params.get("weight_hr"))

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        if hx is not None:
            _check_pair("LSTM", hx, "(h_0, c_0)")
        output, (h_n, c_n) = self._forward(input, hx, (self.proj_size or self.hidden_size, self.hidden_size))
        return output, (h_n, c_n)


class GRU(_RNNBase):
    """A multi-layer gated recurrent unit RNN (gates r, z, n; see the module docstring); mirrors
    ``torch.nn.GRU``. ``gru(input, h_0=None) -> (output, h_n)`` with :class:`RNN`'s shapes. Parameters
    ``weight_ih_l{k} (3H, H_in or D*H)``, ``weight_hh_l{k} (3H, H)``, ``bias_ih_l{k}``, ``bias_hh_l{k} (3H,)``,
    and ``..._reverse`` for the backward direction."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional)

    def _step(self, gi, h, params):
        return _gru_step(gi, h, params["weight_hh"], params.get("bias_hh"))

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:
        output, (h_n,) = self._forward(input, None if hx is None else (hx,), (self.hidden_size,))
        return output, h_n
