"""Packed sequences, as ``torch.nn.utils.rnn``: a batch of sequences of different lengths, stored without padding.

A batch of sequences of lengths 3, 2 and 1 is usually *padded* to the longest, ``(T, B, *) = (3, 3, *)``::

    t=0   a0 b0 c0
    t=1   a1 b1 --
    t=2   a2 -- --

A recurrent layer run over that padded batch wastes steps on the padding and, worse, carries its state through
it: b's final state would be the state after reading two padding steps. *Packing* keeps only the real steps,
time step by time step, with the sequences sorted longest first::

    data        = [a0 b0 c0 | a1 b1 | a2]        (sum of lengths, *)
    batch_sizes = [3, 2, 1]                        how many sequences are still running at each step

Because the sequences are sorted, the ``batch_sizes[t]`` sequences running at step ``t`` are always the first
``batch_sizes[t]`` of the batch, so a recurrent layer can run step ``t`` on the first rows of its state and stop
each sequence at its own end (``nn.RNN``, ``nn.LSTM`` and ``nn.GRU`` take a :class:`PackedSequence`). Sorting
is remembered in ``sorted_indices`` (sorted position -> original batch index) and undone with
``unsorted_indices``; both are None when the caller sorted the batch already (``enforce_sorted=True``).

Packing and padding only move values around: each is one gather (an index into the rows of the input), so
gradients flow back through them as a scatter-add, the gather's transpose (indexing's own backward). The
index arrays are worked out on the host from the lengths (small integer bookkeeping) and used on the data's
device.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from ... import backend
from ...autograd import Tensor
from ...ops import cat, unbind

__all__ = ["PackedSequence", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence", "unpad_sequence",
           "pack_sequence", "unpack_sequence", "invert_permutation"]


def _host_ints(values, fn: str, what: str) -> np.ndarray:
    """``values`` (a list, an array or an integer Tensor) as a 1-D host int64 array."""
    arr = backend.to_numpy(values.data) if isinstance(values, Tensor) else np.asarray(values)
    if arr.ndim != 1:
        raise RuntimeError(f"{fn}: '{what}' should be 1-D, got shape {arr.shape}")
    if arr.size and arr.dtype.kind not in "iuf":
        raise TypeError(f"{fn}: '{what}' should hold integers, got dtype {arr.dtype}")
    return arr.astype(np.int64)


def _index_tensor(values: np.ndarray, device: str) -> Tensor:
    return Tensor(backend.to_device(np.asarray(values, dtype=np.int64), device))


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The inverse permutation: ``out[permutation[i]] = i`` (None stays None)."""
    if permutation is None:
        return None
    perm = _host_ints(permutation, "invert_permutation", "permutation")
    out = np.empty_like(perm)
    out[perm] = np.arange(perm.size)
    return _index_tensor(out, permutation.device if isinstance(permutation, Tensor) else "cpu")


class PackedSequence(namedtuple("PackedSequence", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    """A packed batch of sequences (see the module docstring): ``data (sum of lengths, *)``, ``batch_sizes`` (an
    int64 CPU Tensor, non-increasing: how many sequences run at each step), ``sorted_indices`` and
    ``unsorted_indices`` (int64 on the data's device, or None when the batch was given sorted). Make one with
    :func:`pack_padded_sequence` or :func:`pack_sequence`; built directly, ``unsorted_indices`` is worked out from
    ``sorted_indices``."""
    __slots__ = ()

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if batch_sizes is None:                                     # PackedSequence((data, batch_sizes))
            data, batch_sizes = data
        if isinstance(batch_sizes, Tensor) and batch_sizes.device != "cpu":
            raise ValueError("batch_sizes should always be on CPU. Instances of PackedSequence should never be "
                             "created manually. They should be instantiated by functions like pack_sequence and "
                             "pack_padded_sequences in nn.utils.rnn.")
        if not (isinstance(batch_sizes, Tensor) and batch_sizes.dtype == np.int64 and batch_sizes.ndim == 1):
            batch_sizes = Tensor(_host_ints(batch_sizes, "PackedSequence", "batch_sizes"))
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs) -> "PackedSequence":
        """The data moved and/or cast as ``Tensor.to`` does (the indices follow it to a new device; the batch
        sizes stay on the CPU); ``self`` where nothing changes."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        move = (lambda t: t if t is None or t.device == data.device else t.to(data.device))
        return type(self)(data, self.batch_sizes, move(self.sorted_indices), move(self.unsorted_indices))

    def cpu(self) -> "PackedSequence":
        return self.to("cpu")

    def cuda(self) -> "PackedSequence":
        return self.to("cuda")

    def double(self) -> "PackedSequence":
        return self.to(dtype=np.float64)

    def float(self) -> "PackedSequence":
        return self.to(dtype=np.float32)

    @property
    def is_cuda(self) -> bool:
        return backend.is_cuda(self.data.device)


def _gather_rows(rows: Tensor, index: np.ndarray, shape: tuple, padding_value=None) -> Tensor:
    """``rows[index]`` (the first dim of ``rows`` indexed by the host integer array ``index``) reshaped to
    ``shape + rows.shape[1:]``. With a ``padding_value``, a row of it is appended first, so that ``index`` may
    point at it (``index == len(rows)``) where there is no data. One differentiable gather."""
    if padding_value is not None:
        with backend.device_context(rows.device):
            pad = backend.xp_of(rows.data).full((1,) + rows.shape[1:], padding_value, dtype=rows.dtype)
        rows = cat([rows, Tensor(pad)], 0)
    picked = rows[backend.to_device(index.reshape(-1), rows.device)]
    return picked.reshape(*shape, *rows.shape[1:])


def pack_padded_sequence(input: Tensor, lengths, batch_first: bool = False,  # noqa: A002
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch ``(T, B, *)`` (``(B, T, *)`` with ``batch_first``) whose sequence ``b`` has
    ``lengths[b]`` real steps (a list or a 1-D int64 CPU Tensor, each in ``1..T``). With ``enforce_sorted=True``
    the lengths must be non-increasing already; ``enforce_sorted=False`` sorts them (longest first, ties in
    batch order) and records the order in ``sorted_indices``.

    ``data[k]`` is ``input[t, sorted_indices[j]]`` for the k-th pair ``(t, j)`` with ``j < batch_sizes[t]``,
    taken time step by time step: one gather of the input's rows, which reads both layouts alike (row ``t*B + b``,
    or ``b*T + t`` batch-first), so no transpose is needed. Its backward scatters ``data``'s gradient back into
    those rows; the padding gets zero gradient."""
    fn = "pack_padded_sequence"
    lengths = _host_ints(lengths, fn, "lengths")
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}: expected input to be a Tensor, got {type(input).__name__}")
    if input.ndim < 2:
        raise ValueError(f"{fn}: expected an input of at least 2 dims ((T, B, *) or (B, T, *) with batch_first), "
                         f"got shape {input.shape}")
    T, B = (input.shape[1], input.shape[0]) if batch_first else input.shape[:2]
    if lengths.size != B:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got {lengths.size} "
                           f"(batch_size={B})")
    if (lengths <= 0).any():
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' "
                           "that is <= 0")
    if enforce_sorted:
        if (np.diff(lengths) > 0).any():
            raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. "
                               "You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to "
                               "sidestep this requirement if you do not need ONNX exportability.")
        order, sorted_indices = np.arange(B), None
    else:
        order = np.argsort(-lengths, kind="stable")
        sorted_indices = _index_tensor(order, input.device)
    if lengths.max() > T:
        raise RuntimeError(f"{fn}: a sequence is {lengths.max()} steps long but the padded input has only {T} "
                           f"time steps (input shape {input.shape}, batch_first={batch_first})")
    running = np.arange(lengths.max())[:, None] < lengths[order][None, :]   # (t, j): sequence j still runs at t
    batch_sizes = running.sum(axis=1)
    t, j = np.nonzero(running)                                          # time-major, longest first within a step
    b = order[j]
    rows = b * T + t if batch_first else t * B + b
    data = _gather_rows(input.reshape(T * B, *input.shape[2:]), rows, (rows.size,))
    return PackedSequence(data, batch_sizes, sorted_indices)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0,
                        total_length: int | None = None) -> tuple[Tensor, Tensor]:
    """Undo :func:`pack_padded_sequence`: ``(padded, lengths)`` with ``padded`` ``(T, B, *)`` (``(B, T, *)``
    batch-first) in the original batch order, ``padding_value`` after each sequence's end, and ``lengths`` an
    int64 CPU Tensor. ``T`` is the longest length, or ``total_length`` if given (at least the longest; useful to
    get back the input's own size, as a model wrapped for several devices must).

    Each place ``(t, b)`` of the output reads one row of the data, or a row of ``padding_value`` appended to it:
    one gather, whose backward sends each output gradient to the data row it came from (none to the padding)."""
    if not isinstance(sequence, PackedSequence):
        raise TypeError(f"pad_packed_sequence: expected a PackedSequence, got {type(sequence).__name__}")
    batch_sizes = _host_ints(sequence.batch_sizes, "pad_packed_sequence", "batch_sizes")
    steps, B = batch_sizes.size, int(batch_sizes[0])
    T = steps
    if total_length is not None:
        if total_length < steps:
            raise ValueError("Expected total_length to be at least the length of the longest sequence in input, "
                             f"but got total_length={total_length} and max sequence length being {steps}")
        T = int(total_length)
    lengths_sorted = (batch_sizes[:, None] > np.arange(B)[None, :]).sum(axis=0)     # j runs while batch_sizes > j
    order = np.arange(B) if sequence.sorted_indices is None else \
        _host_ints(sequence.sorted_indices, "pad_packed_sequence", "sorted_indices")
    start = np.cumsum(batch_sizes) - batch_sizes                       # where step t begins in data
    source = np.full((T, B), int(batch_sizes.sum()), dtype=np.int64)   # the appended padding row, by default
    t, j = np.nonzero(np.arange(T)[:, None] < lengths_sorted[None, :])
    source[t, order[j]] = start[t] + j
    if batch_first:
        source = source.T
    padded = _gather_rows(sequence.data, source, source.shape, padding_value)
    lengths = np.empty(B, dtype=np.int64)
    lengths[order] = lengths_sorted
    return padded, Tensor(lengths)


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stack sequences ``(L_i, *)`` of different lengths into one padded ``(T, B, *)`` (``(B, T, *)`` batch-first),
    ``T = max L_i``, filling with ``padding_value`` after each sequence (``padding_side="left"``: before it).
    The result has the first sequence's dtype. A gather from the sequences joined end to end (and a padding
    row), so gradients flow back to each sequence."""
    fn = "pad_sequence"
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    sequences = list(unbind(sequences, 0)) if isinstance(sequences, Tensor) else list(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    first = sequences[0]
    for i, s in enumerate(sequences):
        if not isinstance(s, Tensor):
            raise TypeError(f"{fn}: expected a sequence of Tensors, got {type(s).__name__} at position {i}")
        if s.ndim == 0 or s.shape[1:] != first.shape[1:]:
            raise RuntimeError(f"{fn}: every sequence must have shape (L, *{first.shape[1:]}) like the first, "
                               f"got shape {s.shape} at position {i}")
    lengths = np.array([s.shape[0] for s in sequences], dtype=np.int64)
    T, B = int(lengths.max()), len(sequences)
    start = np.cumsum(lengths) - lengths                                   # where sequence b begins in the join
    steps = np.arange(T)[:, None]
    offset = steps - (T - lengths)[None, :] if padding_side == "left" else np.broadcast_to(steps, (T, B))
    source = np.where((offset >= 0) & (offset < lengths[None, :]), start[None, :] + offset, lengths.sum())
    joined = cat([s if s.dtype == first.dtype else s.astype(first.dtype) for s in sequences], 0)
    return _gather_rows(joined, source.T if batch_first else source, (B, T) if batch_first else (T, B),
                        padding_value)


def unpad_sequence(padded_sequences: Tensor, lengths, batch_first: bool = False) -> list[Tensor]:
    """Undo :func:`pad_sequence`: the list of sequences ``padded[:lengths[b], b]`` (``padded[b, :lengths[b]]``
    batch-first), each a differentiable slice."""
    lengths = _host_ints(lengths, "unpad_sequence", "lengths")
    B = padded_sequences.shape[0 if batch_first else 1]
    if lengths.size != B:
        raise ValueError(f"unpad_sequence: got {lengths.size} lengths for a batch of {B} sequences")
    if lengths.size and lengths.max() > padded_sequences.shape[1 if batch_first else 0]:
        raise ValueError(f"unpad_sequence: a length of {lengths.max()} is longer than the padded sequences "
                         f"(shape {padded_sequences.shape}, batch_first={batch_first})")
    if batch_first:
        return [padded_sequences[b, :n] for b, n in enumerate(lengths.tolist())]
    return [padded_sequences[:n, b] for b, n in enumerate(lengths.tolist())]


def pack_sequence(sequences, enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of sequences ``(L_i, *)`` (longest first unless ``enforce_sorted=False``):
    :func:`pad_sequence`, then :func:`pack_padded_sequence` with their lengths."""
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    lengths = [s.shape[0] if isinstance(s, Tensor) and s.ndim else 0 for s in sequences]
    if min(lengths) == 0:
        raise RuntimeError("Cannot pack empty tensors.")
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """Undo :func:`pack_sequence`: the list of sequences, in their original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
