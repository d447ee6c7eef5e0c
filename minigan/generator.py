"""Random generators a user can hold and pass around: ``mg.Generator`` and ``mg.default_generator``, as
``torch.Generator`` and ``torch.default_generator``.

minigan's random ops draw from one seeded stream per device (:func:`minigan.backend.rng`, seeded by
``mg.manual_seed``). A :class:`Generator` is a stream of one's own: give it to an op (``generator=g``) and the op
draws from it instead, leaving the device's stream where it was::

    g = mg.Generator().manual_seed(0)
    mg.randn(3, generator=g)                                  # repeatable, whatever else draws meanwhile
    DataLoader(ds, shuffle=True, generator=g); random_split(ds, [0.8, 0.2], generator=g)

On the CPU a Generator wraps a ``numpy.random.Generator`` (PCG64, seeded as ``numpy.random.default_rng(seed)``,
so ``Generator().manual_seed(s)`` draws what ``mg.manual_seed(s)`` makes the CPU stream draw); on a GPU it wraps
CuPy's ``cupy.random.default_rng`` through :mod:`minigan.backend` (a small wrapper, not exercised by the tests
without a GPU). A new Generator is seeded with PyTorch's default seed, 67280421310721, so it is repeatable too.

``default_generator`` is not a second stream: it is the CPU stream that ``mg.manual_seed`` seeds, seen as a
Generator (``mg.manual_seed(0)`` then ``mg.default_generator.initial_seed() == 0``), and ``generator=None`` and
``generator=mg.default_generator`` draw the same numbers.

A state (:meth:`Generator.get_state`) is a uint8 Tensor, as PyTorch's: the bytes of a short text record naming the
kind of generator, its seed and its bit generator's state; :meth:`Generator.set_state` refuses a state of another
kind (a torch state's bytes, a GPU generator's state given to a CPU one)."""
from __future__ import annotations

import json
import numbers

import numpy as np

from . import backend, settings

__all__ = ["Generator", "default_generator", "stream"]

DEFAULT_SEED = 67280421310721          # PyTorch's seed for a generator nobody seeded
_HEADER = b"minigan.Generator\n"        # the first bytes of every state


def _check_seed(seed) -> int:
    """``seed`` as the unsigned 64-bit number PyTorch keeps (-1 becomes 2**64 - 1)."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"manual_seed expected an int seed, but got {type(seed).__name__} {seed!r}")
    seed = int(seed)
    if not -2 ** 63 <= seed < 2 ** 64:
        raise ValueError(f"manual_seed: the seed must fit in 64 bits (-2**63 <= seed < 2**64), got {seed}")
    return seed % 2 ** 64


def _fresh_seed() -> int:
    """A non-deterministic seed from the operating system's entropy."""
    return int(np.random.SeedSequence().generate_state(1, dtype=np.uint64)[0])


def _device_object(name: str):
    """``name`` as an ``mg.device`` where minigan has that class, else the string itself."""
    try:
        from .devices import device
    except ImportError:
        return name
    return device(name)


def _kind(device: str) -> str:
    return "cpu" if device == "cpu" else "cuda"


class Generator:
    """A random number stream of one's own (``torch.Generator``) on ``device`` (``"cpu"``, ``"cuda"``,
    ``"cuda:N"``). Ops that take ``generator=`` draw from it; ``mg.manual_seed`` does not touch it."""

    def __init__(self, device="cpu") -> None:
        self._device = backend.normalize_device(device)
        self._gen = None
        self.manual_seed(DEFAULT_SEED)

    # ---- seeding
    def manual_seed(self, seed) -> "Generator":
        """Seed the stream with ``seed`` (any int of 64 bits; a negative one is taken modulo 2**64, as PyTorch
        does); returns the generator, so ``g = mg.Generator().manual_seed(0)`` reads as in PyTorch."""
        self._seed = _check_seed(seed)
        if self._device == "cpu":
            fresh = np.random.PCG64(self._seed)              # what numpy.random.default_rng(seed) starts from
            if self._gen is None:
                self._gen = np.random.Generator(fresh)
            else:                                            # reseeded in place: whoever holds the stream sees it
                self._gen.bit_generator.state = fresh.state
        else:
            with backend.device_context(self._device):
                self._gen = backend.cupy_module().random.default_rng(self._seed)
        return self

    def seed(self) -> int:
        """Seed the stream with a fresh non-deterministic seed, and return it (``torch.Generator.seed``)."""
        s = _fresh_seed()
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        """The seed the stream was last seeded with."""
        return self._seed

    @property
    def device(self):
        """Where the stream draws: an ``mg.device`` (a string, ``"cpu"`` or ``"cuda:N"``, before minigan had one)."""
        return _device_object(self._device)

    def _stream(self):
        """The ``numpy.random.Generator`` (or ``cupy.random.Generator``) this one draws with."""
        return self._gen

    # ---- state
    def _bits(self) -> dict:
        bits = self._stream().bit_generator
        if self._device == "cpu":
            return {"bit_generator": type(bits).__name__, "state": bits.state}
        raw = backend.to_numpy(bits._state)        # CuPy keeps the state in a device array, with no public name
        return {"bit_generator": type(bits).__name__, "dtype": raw.dtype.str, "shape": list(raw.shape),
                "hex": raw.tobytes().hex()}

    def _put_bits(self, record: dict) -> None:
        bits = self._stream().bit_generator
        if self._device == "cpu":
            bits.state = record["state"]
        else:
            raw = np.frombuffer(bytes.fromhex(record["hex"]), dtype=np.dtype(record["dtype"]))
            bits._state[...] = backend.to_device(raw.reshape(record["shape"]), self._device)

    def get_state(self):
        """The stream's state as a uint8 Tensor on the CPU (``torch.Generator.get_state``): give it to
        :meth:`set_state` later to draw the same numbers again. It holds the seed too."""
        from .autograd import Tensor
        record = {"kind": _kind(self._device), "seed": self._seed, **self._bits()}
        data = _HEADER + json.dumps(record).encode("ascii")
        return Tensor(np.frombuffer(data, dtype=np.uint8).copy())

    def set_state(self, new_state) -> "Generator":
        """Put back a state that :meth:`get_state` of a generator of the same kind gave (``torch.Generator.
        set_state``); returns the generator. Refuses anything else, saying what came."""
        from .autograd import Tensor
        if not isinstance(new_state, Tensor) or new_state.dtype != np.uint8:
            got = f"a Tensor of dtype {new_state.dtype}" if isinstance(new_state, Tensor) else type(new_state).__name__
            raise TypeError(f"set_state: RNG state must be a uint8 Tensor (from Generator.get_state()), got {got}")
        data = backend.to_numpy(new_state.data).reshape(-1).tobytes()
        record = None
        if data.startswith(_HEADER):
            try:
                record = json.loads(data[len(_HEADER):].decode("ascii"))
            except (UnicodeDecodeError, ValueError):
                record = None
        if not isinstance(record, dict) or "kind" not in record:
            raise RuntimeError(f"set_state: this is not the state of a minigan Generator ({len(data)} bytes that do "
                               f"not start as Generator.get_state()'s do); a state from another library or another "
                               f"kind of generator cannot be put back")
        mine = {"kind": _kind(self._device), "bit_generator": type(self._stream().bit_generator).__name__}
        theirs = {"kind": record.get("kind"), "bit_generator": record.get("bit_generator")}
        if mine != theirs:
            raise RuntimeError(f"set_state: the state is of a {theirs['kind']} generator using "
                               f"{theirs['bit_generator']}, but this generator is a {mine['kind']} one using "
                               f"{mine['bit_generator']}")
        self._restore(record)
        return self

    def _restore(self, record: dict) -> None:
        self._put_bits(record)
        if record.get("seed") is not None:            # a state of the default stream drawn from entropy has none
            self._seed = int(record["seed"])

    def __repr__(self) -> str:
        return f"<minigan.Generator on {self._device}, initial_seed={self.initial_seed()}>"


class _DefaultGenerator(Generator):
    """The CPU stream minigan's random ops draw from when given no generator, as a :class:`Generator`. It holds
    nothing itself: every call goes to :mod:`minigan.backend`'s stream (per thread, as that one is), so it and
    ``mg.manual_seed`` / ``mg.get_rng_state`` always agree, and code that never names it draws what it always
    drew. ``manual_seed`` here is ``mg.manual_seed`` (the GPU streams, derived from the same seed, follow)."""

    def __init__(self) -> None:
        self._device = "cpu"

    def manual_seed(self, seed) -> "Generator":
        backend.manual_seed(_check_seed(seed))
        return self

    def seed(self) -> int:
        return settings.seed()

    def initial_seed(self) -> int:
        return settings.initial_seed()

    def _stream(self):
        return backend.rng("cpu")

    @property
    def _seed(self):
        return backend.get_rng_state()["seed"]

    def _restore(self, record: dict) -> None:      # the seed goes back with the stream, as in mg.set_rng_state
        backend.set_rng_state({"seed": record.get("seed"), "cpu": record["state"]})

    def get_state(self):
        self._stream()                       # a stream never drawn from is made now, from the seed (or entropy)
        return super().get_state()

    def __repr__(self) -> str:
        return "<minigan.default_generator (the CPU stream mg.manual_seed seeds)>"


default_generator = _DefaultGenerator()


def stream(generator, device: str, op: str):
    """The array library's generator an op on ``device`` draws from: minigan's stream of that device when
    ``generator`` is None, else the given :class:`Generator`'s, which must be on ``device`` (as PyTorch, a CPU
    generator cannot feed a GPU op, nor the other way round)."""
    if generator is None:
        return backend.rng(device)
    if not isinstance(generator, Generator):
        got = "a numpy.random.Generator" if isinstance(generator, np.random.Generator) else type(generator).__name__
        raise TypeError(f"{op}: generator must be an mg.Generator or None, got {got}")
    if generator._device != device:
        if _kind(generator._device) != _kind(device):
            raise RuntimeError(f"{op}: Expected a '{_kind(device)}' device type for generator but found "
                               f"'{_kind(generator._device)}'")
        raise RuntimeError(f"{op}: expected a generator on {device}, but found one on {generator._device}")
    return generator._stream()


def host_stream(generator, who: str):
    """For the data side, which draws on the CPU: None for ``mg.default_generator`` (minigan's CPU stream, looked
    up at each draw, so ``mg.manual_seed`` keeps reaching it) and a CPU Generator's ``numpy.random.Generator``."""
    if isinstance(generator, _DefaultGenerator):
        return None
    if generator._device != "cpu":
        raise ValueError(f"{who}: the data is shuffled on the CPU; expected a CPU generator, got one on "
                         f"{generator._device}")
    return generator._stream()
