"""Recurrent layers, as PyTorch's: the layers ``RNN``, ``LSTM``, ``GRU`` (a whole sequence, any number of stacked
layers, one or two directions), and the cells ``RNNCell``, ``LSTMCell``, ``GRUCell`` (one time step), which live in
:mod:`minigan.nn.recurrent_cells`. Parameter
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
``sigmoid``, ``tanh``, ``chunk``, ``split``, ``cat``, slicing, ``dropout``), each recorded in the graph as it runs, so
the graph of an L-step sequence is the loop *unrolled*: L copies of the cell, chained through ``h`` (and ``c``).
``backward()`` walks that graph from the last step to the first, which is exactly backpropagation through time
(BPTT), and gives the gradients of every parameter (summed over the steps that shared it), of the input and of
the initial states; differentiating the recorded backward again gives double backward for free.

A stacked layer (``num_layers > 1``) feeds the output sequence of layer k to layer k + 1, with dropout between
layers in training mode only (never after the last). ``bidirectional=True`` runs a second cell of its own
(``..._reverse`` parameters) from the last step to the first, and puts both outputs side by side:
``[forward, backward]`` on the last dim.

The layers also take a :class:`~minigan.nn.utils.rnn.PackedSequence` (sequences of different lengths without
their padding; see :mod:`minigan.nn.utils.rnn`) and then return one. The time loop is written for that case: at
step t only the first ``batch_sizes[t]`` sequences (sorted longest first) take a step, so each sequence's final
state is its state after its own last step, and the reverse direction starts each sequence at its own last step.
A padded batch ``(L, N, H_in)`` is the case where every step has all N sequences.
"""
from __future__ import annotations

import math
import numbers
import warnings

from .. import backend
from ..autograd import Tensor
from ..ops import cat, dropout, index_select, linear, relu, split, stack, tanh, transpose, unbind, unsqueeze
from . import init
from .factory import factory
from .module import Module, Parameter
from .recurrent_cells import (_check_dtype, _check_pair, _check_tensor, _gru_step, _lstm_step, _rnn_step,
                              _zeros_like_batch)
from .utils.rnn import PackedSequence

__all__ = ["RNN", "LSTM", "GRU"]


# --------------------------------------------------------------------------- the time loop of the layers
# A state is a Tensor (RNN, GRU) or the LSTM's pair (h, c); these helpers take rows (sequences) of either alike.

def _batch(state) -> int:
    return (state[0] if isinstance(state, tuple) else state).shape[0]


def _rows(state, start: int, stop: int):
    """The state of sequences ``start:stop``."""
    if start == 0 and stop == _batch(state):
        return state
    return tuple(s[start:stop] for s in state) if isinstance(state, tuple) else state[start:stop]


def _join(parts: list):
    """The states of consecutive runs of sequences, joined into one state."""
    if len(parts) == 1:
        return parts[0]
    if isinstance(parts[0], tuple):
        return tuple(cat(list(p), 0) for p in zip(*parts))
    return cat(parts, 0)


def _over_time(step, params: dict, gis: list[Tensor], batch_sizes: list[int], initial, reverse: bool):
    """One direction of one layer over a packed batch: ``gis[t]`` ``(batch_sizes[t], G)`` is step t's input part
    of the gates, ``initial`` the state of all N sequences (sorted longest first). Returns the h of every step,
    packed as the input ``(S, H_out)``, and the final state of each sequence.

    Forwards, time runs 0 .. T-1 and the batch shrinks: when fewer sequences run at step t than before, those
    that ended keep the state they have, their final state, and the others go on. Backwards, time runs
    T-1 .. 0 and the batch grows: a sequence joins at its own last step, from its initial state, so it never
    reads the padding after its end. The final state of every sequence is then the state after step 0."""
    hs: list = [None] * len(gis)
    ended: list = []                                               # states of sequences that ended, latest first
    state = _rows(initial, 0, batch_sizes[-1]) if reverse else initial
    for t in (reversed(range(len(gis))) if reverse else range(len(gis))):
        n, running = batch_sizes[t], _batch(state)
        if n > running:                                            # backwards: sequences running..n start here
            state = _join([state, _rows(initial, running, n)])
        elif n < running:                                          # forwards: sequences n..running have ended
            ended.insert(0, _rows(state, n, running))
            state = _rows(state, 0, n)
        state = step(gis[t], state, params)
        hs[t] = state[0] if isinstance(state, tuple) else state
    return cat(hs, 0), _join([state] + ended)


# --------------------------------------------------------------------------- layers
_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


class _RNNBase(Module):
    """What RNN, LSTM and GRU share, as torch's ``RNNBase``: the argument checks, the parameters of every layer
    and direction in torch's order, the init, the repr, the input checks and the loop over layers, directions
    and time steps."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int = 0, device=None, dtype=None) -> None:
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
        make = factory(self, device, dtype)
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
                    setattr(self, names[-1], make.parameter(shape))
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
        _check_tensor(name, "input", x, packed_hint=True)
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

    def _check_packed(self, input: PackedSequence) -> Tensor:
        """The data of a packed input, checked: ``(sum of lengths, H_in)``."""
        name, x = type(self).__name__, input.data
        _check_tensor(name, "the packed input's data", x)
        if x.ndim != 2 or x.shape[1] != self.input_size:
            raise ValueError(f"{name}: expected a PackedSequence whose data is (sum of lengths, input_size) with "
                             f"input_size={self.input_size}, got data of shape {x.shape}")
        _check_dtype(name, "input", x, getattr(self, self._flat_weights_names[0]).dtype)
        return x

    def _check_state(self, x: Tensor, n: int, h, what: str, size: int, batched: bool) -> Tensor:
        """``h`` checked against torch's shape ``(D*num_layers, N, size)`` (``(D*num_layers, size)`` unbatched)
        for an input ``x`` of N sequences, and returned with its batch dim."""
        name = type(self).__name__
        _check_tensor(name, what, h)
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

    def _run(self, x: Tensor, batch_sizes: list[int], states: list) -> tuple[Tensor, list]:
        """``x`` ``(S, H_in)``: a packed batch, its steps one after another, ``batch_sizes[t]`` rows for step t;
        ``states[k]`` the initial state of layer ``k // D``, direction ``k % D``, for all N sequences. Returns
        the last layer's output, packed alike ``(S, D*H_out)``, and the final states in the same order."""
        D = self._num_directions
        finals = []
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(D):
                k = layer * D + direction
                params = {n.split("_l")[0]: getattr(self, n) for n in self._all_weights[k]}  # "weight_ih": ...
                gi = linear(x, params["weight_ih"], params.get("bias_ih"))    # W_ih x_t + b_ih, every step at once
                out, final = _over_time(self._step, params, split(gi, batch_sizes, 0), batch_sizes, states[k],
                                        reverse=direction == 1)
                outputs.append(out)
                finals.append(final)
            x = outputs[0] if D == 1 else cat(outputs, dim=-1)      # [forward, backward] side by side
            if layer < self.num_layers - 1 and self.dropout > 0 and self.training:
                x = dropout(x, self.dropout, True)                 # between layers, never after the last
        return x, finals

    def _forward(self, input, hx, sizes: tuple[int, ...]):
        """The shared forward: checks, the input as a packed batch (a padded one is laid out ``(L*N, H_in)``, all
        N sequences at every step), the loop, and back. ``hx`` is None or a tuple with one state per entry of
        ``sizes`` (the last dim of each). Returns ``(output, [h_n, ...])``."""
        packed = isinstance(input, PackedSequence)
        if packed:
            x, batched = self._check_packed(input), True
            batch_sizes = [int(b) for b in backend.to_numpy(input.batch_sizes.data)]
            n = batch_sizes[0]
        else:
            batched = self._check_input(input)
            x = input if batched else unsqueeze(input, 1)
            if batched and self.batch_first:
                x = transpose(x, 0, 1)
            L, n = x.shape[:2]
            batch_sizes, x = [n] * L, x.reshape(L * n, x.shape[2])
        count = self._num_directions * self.num_layers
        if hx is None:
            initial = [_zeros_like_batch(x, count, n, size) for size in sizes]
        else:
            whats = ("h_0",) if len(sizes) == 1 else ("h_0", "c_0")
            initial = [self._check_state(x, n, h, what, size, batched) for h, what, size in zip(hx, whats, sizes)]
            if packed and input.sorted_indices is not None:          # the caller's batch order -> the packed order
                initial = [index_select(h, 1, input.sorted_indices) for h in initial]
        per_layer = [unbind(h, 0) for h in initial]
        states = [s[0] if len(s) == 1 else tuple(s) for s in zip(*per_layer)]
        out, finals = self._run(x, batch_sizes, states)
        if len(sizes) == 1:
            finals = [[f] for f in finals]
        final = [stack([f[i] for f in finals], 0) for i in range(len(sizes))]
        if packed:
            if input.unsorted_indices is not None:                   # back to the caller's batch order
                final = [index_select(h, 1, input.unsorted_indices) for h in final]
            return PackedSequence(out, input.batch_sizes, input.sorted_indices, input.unsorted_indices), final
        out = out.reshape(len(batch_sizes), n, out.shape[-1])
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
    ``bias_ih_l{k}``, ``bias_hh_l{k} (H,)``, and ``..._reverse`` for the backward direction.

    A :class:`~minigan.nn.utils.rnn.PackedSequence` input (data ``(sum of lengths, H_in)``) gives a packed output
    with the same batch sizes and indices; ``h_0`` and ``h_n`` keep the caller's batch order, and ``h_n`` is each
    sequence's state after its own last step (the same holds for :class:`LSTM` and :class:`GRU`)."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, device=None, dtype=None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: unknown nonlinearity {nonlinearity!r}; select from 'tanh' or 'relu'")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size,
                         num_layers, bias, batch_first, dropout, bidirectional, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def _step(self, gi, h, params):
        act = tanh if self.nonlinearity == "tanh" else relu
        return _rnn_step(gi, h, params["weight_hh"], params.get("bias_hh"), act)

    def forward(self, input: Tensor | PackedSequence,
                hx: Tensor | None = None) -> tuple[Tensor | PackedSequence, Tensor]:
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
                 proj_size: int = 0, device=None, dtype=None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device, dtype)

    def _step(self, gi, state, params):
        return _lstm_step(gi, state, params["weight_hh"], params.get("bias_hh"), params.get("weight_hr"))

    def forward(self, input: Tensor | PackedSequence,
                hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor | PackedSequence, tuple[Tensor, Tensor]]:
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
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, device=None,
                 dtype=None) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)

    def _step(self, gi, h, params):
        return _gru_step(gi, h, params["weight_hh"], params.get("bias_hh"))

    def forward(self, input: Tensor | PackedSequence,
                hx: Tensor | None = None) -> tuple[Tensor | PackedSequence, Tensor]:
        output, (h_n,) = self._forward(input, None if hx is None else (hx,), (self.hidden_size,))
        return output, h_n
