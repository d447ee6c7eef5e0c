"""The recurrent cells, one time step each, as PyTorch's ``RNNCell``, ``LSTMCell`` and ``GRUCell``. Their steps,
which the layers of :mod:`minigan.nn.recurrent` (RNN, LSTM, GRU) also run at every step of a sequence, are in
:mod:`minigan.ops.rnn_cells` with PyTorch's functional cells. The equations are in the layers' module docstring.

A step is made of differentiable minigan ops (``linear`` for every gate at once, ``chunk`` to cut the gates
apart, ``sigmoid``, ``tanh``), so its backward is theirs, recorded as it runs."""
from __future__ import annotations

import math

from .. import backend
from ..autograd import Tensor
from ..ops import linear, relu, tanh
from ..ops.rnn_cells import _gru_step, _lstm_step, _rnn_step  # noqa: F401  (one time step of each; nn/recurrent.py too)
from . import init
from .factory import factory
from .module import Module

__all__ = ["RNNCell", "LSTMCell", "GRUCell"]


def _zeros_like_batch(x: Tensor, *shape) -> Tensor:
    """A zero initial state of ``shape``, of ``x``'s dtype, on ``x``'s device (torch's default ``h_0``)."""
    return Tensor(backend.xp_of(x.data).zeros(shape, dtype=x.dtype))


def _check_tensor(name: str, what: str, t, packed_hint: bool = False) -> None:
    if not isinstance(t, Tensor):
        hint = (" (packed sequences are not supported unless given as a PackedSequence, from "
                "nn.utils.rnn.pack_padded_sequence or pack_sequence)") if packed_hint else ""
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

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int, device=None,
                 dtype=None) -> None:
        super().__init__()
        make = factory(self, device, dtype)
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        self.weight_ih = make.parameter((num_chunks * hidden_size, input_size))
        self.weight_hh = make.parameter((num_chunks * hidden_size, hidden_size))
        if bias:
            self.bias_ih = make.parameter(num_chunks * hidden_size)
            self.bias_hh = make.parameter(num_chunks * hidden_size)
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

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device=None, dtype=None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: unknown nonlinearity {nonlinearity!r}; select from 'tanh' or 'relu'")
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        self._check_input(input)
        act = tanh if self.nonlinearity == "tanh" else relu
        return _rnn_step(self._gi(input), self._initial(input, hx), self.weight_hh, self.bias_hh, act)


class LSTMCell(_CellBase):
    """A long short-term memory cell, one step (gates i, f, g, o; see the module docstring); mirrors
    ``torch.nn.LSTMCell``. ``cell(input, (h, c)=None)`` -> ``(h', c')``: input ``(N, H_in)`` or ``(H_in,)``,
    each state ``(N, H)`` or ``(H,)`` (zeros when None)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

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

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        self._check_input(input)
        return _gru_step(self._gi(input), self._initial(input, hx), self.weight_hh, self.bias_hh)
