"""The one place that knows about devices and CuPy.

minigan's array code is written once against "an array module" ``xp`` that is
either :mod:`numpy` (device ``"cpu"``) or :mod:`cupy` (device ``"cuda"`` or
``"cuda:N"``).  Every other module asks this file for the module of an array
(:func:`xp_of`) or of a device (:func:`xp_for`) and never imports CuPy itself.

Without CuPy, or without a GPU, everything works on the CPU, and asking for
``"cuda"`` raises :class:`DeviceError` saying which of the two is missing.

Where NumPy and CuPy differ, the difference is hidden here: scatter-add
(:func:`scatter_add`), host copies (:func:`to_numpy`), RNG (:func:`rng`),
synchronisation (:func:`synchronize`) and strided views (:func:`as_strided`); and where NumPy is slow
with an operand that CuPy takes as it is, the operand is reshaped here (:func:`sample_operand`).

It also owns one setting of the host's memory (:func:`tune_host_allocator`), applied when minigan is
imported: on Linux, freed arrays stay in the process for the next training step instead of going back to
the kernel, which saves the page faults that would otherwise cost a fifth of a convolutional step.
"""
from __future__ import annotations

import contextlib
import ctypes
import os
import platform
import threading
from typing import Any

import numpy as np

__all__ = [
    "DeviceError", "cupy_status", "cuda_available", "normalize_device", "xp_for", "xp_of",
    "device_of", "to_device", "to_numpy", "is_array", "rng", "manual_seed", "synchronize",
    "scatter_add", "as_strided", "sample_operand", "device_context", "get_rng_state", "set_rng_state",
    "tune_host_allocator", "may_share_memory",
]


class DeviceError(RuntimeError):
    """Raised when a device is asked for that this machine cannot provide."""


# --------------------------------------------------------------------------- host memory
HOST_ALLOCATOR_ENV = "MINIGAN_HOST_ALLOCATOR"
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_MMAP_MAX = -1, -3, -4     # glibc's mallopt() parameter numbers


def tune_host_allocator(mmap_threshold: int = 32 << 20, trim_threshold: int = 256 << 20,
                        map_largest: bool = False) -> bool:
    """Let glibc's ``malloc`` keep freed memory for reuse; return whether it did (False off glibc).

    A training step allocates and frees the same tens of MB of activations and gradients every time.
    With glibc's defaults, blocks that large are handed back to the kernel when freed, so the next step's
    arrays take a page fault, and a page of zeros, on every 4 KB they touch: about 9,000 faults a step
    for the 28x28 DCGAN and 22,000 at 64x64, a fifth of the step's time. Here blocks of up to
    ``mmap_threshold`` bytes (glibc's largest allowed value, 32 MB) come from the heap, and the heap
    keeps up to ``trim_threshold`` bytes of free memory before it shrinks, so each step reuses the pages
    of the last one. Memory freed at the end stays with the process.
    (PyTorch users get the same effect by preloading jemalloc or tcmalloc.)

    Blocks above 32 MB come from the heap too, unless ``map_largest``: glibc would give each a mapping of its
    own, faulted in afresh at every step (``M_MMAP_MAX = 0`` says to map none). A 64x64 discriminator's
    first layer at batch 128 outputs 33.5 MB; its output alternated between the heap and a fresh mapping, and
    where two threads wrote a fresh one at once (:mod:`minigan.kernels.threads`), its forward took 10-47 ms
    instead of 9-10 (on a 2-core virtual machine, PyTorch loaded in the same process). With no mapping its
    whole step went 61-63 -> 25-27 ms in the conv benchmark, and PyTorch's, in the same processes, 79 -> 39 ms.
    The 64x64 DCGAN's peak resident memory at batch 128 went 595 -> 634 MB (PyTorch's: 955-963 MB).

    minigan calls this once, when it is imported; set the environment variable
    ``MINIGAN_HOST_ALLOCATOR=default`` before importing it to leave ``malloc`` as it is."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, int(mmap_threshold)) and mallopt(_M_TRIM_THRESHOLD, int(trim_threshold))
                and (map_largest or mallopt(_M_MMAP_MAX, 0)))


host_allocator_tuned = False if os.environ.get(HOST_ALLOCATOR_ENV, "") == "default" else tune_host_allocator()


# --------------------------------------------------------------------------- CuPy discovery
_cupy: Any = None
_cupy_reason: str | None = None


def _load_cupy() -> None:
    """Import CuPy once, remembering why it is unusable if it is."""
    global _cupy, _cupy_reason
    if _cupy is not None or _cupy_reason is not None:
        return
    try:
        import cupy  # the only import of cupy in the package (besides kernels/cuda.py's use of it)
    except Exception as exc:  # ImportError, or a broken CUDA install
        _cupy_reason = ("CuPy is not installed (pip install 'minigan[cuda12]' or 'minigan[cuda13]'): "
                        f"{type(exc).__name__}: {exc}")
        return
    try:
        n = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:
        _cupy_reason = f"CuPy is installed but no GPU is usable: {type(exc).__name__}: {exc}"
        return
    if n < 1:
        _cupy_reason = "CuPy is installed but no GPU was found (cudaGetDeviceCount() == 0)"
        return
    _cupy = cupy


def cupy_status() -> tuple[bool, str]:
    """``(available, explanation)``: whether ``"cuda"`` can be used, and why not."""
    _load_cupy()
    if _cupy is None:
        return False, _cupy_reason or "unknown"
    n = _cupy.cuda.runtime.getDeviceCount()
    return True, f"CuPy {_cupy.__version__}, {n} GPU(s)"


def cuda_available() -> bool:
    """True when CuPy imports and at least one GPU is visible."""
    return cupy_status()[0]


def cupy_module():
    """The CuPy module, or a :class:`DeviceError` saying why there is none."""
    _load_cupy()
    if _cupy is None:
        raise DeviceError(f"device 'cuda' is not available: {_cupy_reason}")
    return _cupy


# --------------------------------------------------------------------------- devices
def normalize_device(device: Any = None) -> str:
    """Turn ``None``, ``"cpu"`` (or ``"cpu:0"``), ``"cuda"``, ``"cuda:1"`` (or an object with ``.device``) into a
    canonical string: ``"cpu"`` or ``"cuda:N"``.  Raises :class:`DeviceError` for ``cuda`` without
    a GPU, and :class:`ValueError` for anything that is not a device name."""
    if device is None:
        return "cpu"
    if not isinstance(device, str):
        dev = getattr(device, "device", None)
        if isinstance(dev, str):
            return normalize_device(dev)
        raise ValueError(f"not a device: {device!r} (expected 'cpu', 'cuda' or 'cuda:N')")
    name = device.strip().lower()
    if name in ("cpu", "cpu:0"):         # (mg.device("cpu", 0) is "cpu:0", as PyTorch's)
        return "cpu"
    if name == "cuda" or name.startswith("cuda:"):
        idx = 0
        if ":" in name:
            try:
                idx = int(name.split(":", 1)[1])
            except ValueError:
                raise ValueError(f"not a device: {device!r} (expected 'cuda:N' with an integer N)") from None
        cp = cupy_module()
        n = cp.cuda.runtime.getDeviceCount()
        if not 0 <= idx < n:
            raise DeviceError(f"device {device!r} is not available: this machine has {n} GPU(s)")
        return f"cuda:{idx}"
    raise ValueError(f"not a device: {device!r} (expected 'cpu', 'cuda' or 'cuda:N')")


def is_cuda(device: str) -> bool:
    return device.startswith("cuda")


def xp_for(device: str):
    """The array module for a canonical device string."""
    return np if device == "cpu" else cupy_module()


def is_array(a: Any) -> bool:
    """True for a numpy or cupy ndarray."""
    if isinstance(a, np.ndarray):
        return True
    return _cupy is not None and isinstance(a, _cupy.ndarray)


def xp_of(a: Any):
    """The array module (numpy or cupy) that ``a`` belongs to."""
    if _cupy is not None and isinstance(a, _cupy.ndarray):
        return _cupy
    return np


def device_of(a: Any) -> str:
    """``"cpu"`` for NumPy arrays and scalars, ``"cuda:N"`` for CuPy arrays."""
    if _cupy is not None and isinstance(a, _cupy.ndarray):
        return f"cuda:{a.device.id}"
    return "cpu"


@contextlib.contextmanager
def device_context(device: str):
    """Make ``device`` current for CuPy allocations inside the block (a no-op for the CPU)."""
    if device == "cpu":
        yield
    else:
        with cupy_module().cuda.Device(int(device.split(":")[1])):
            yield


def to_device(a: Any, device: str):
    """Copy (or pass through) array ``a`` onto ``device``."""
    device = normalize_device(device)
    if device == "cpu":
        return to_numpy(a)
    cp = cupy_module()
    with device_context(device):
        return cp.asarray(a)


def to_numpy(a: Any) -> np.ndarray:
    """A host NumPy array for a NumPy or CuPy array (or anything ``np.asarray`` takes)."""
    if _cupy is not None and isinstance(a, _cupy.ndarray):
        return _cupy.asnumpy(a)
    return np.asarray(a)


def synchronize(device: str | None = None) -> None:
    """Wait for queued GPU work (a no-op for the CPU). Benchmarks call it before reading a clock."""
    device = normalize_device(device) if device is not None else None
    if device is None:
        if _cupy is not None:
            _cupy.cuda.get_current_stream().synchronize()
        return
    if device != "cpu":
        with device_context(device):
            cupy_module().cuda.get_current_stream().synchronize()


# --------------------------------------------------------------------------- NumPy/CuPy differences
def scatter_add(target, index, values) -> None:
    """``target[index] += values`` with repeated indices summed (``np.add.at`` / ``cupyx.scatter_add``)."""
    if _cupy is not None and isinstance(target, _cupy.ndarray):
        # cupy.add.at (CuPy >= 13) supersedes cupyx.scatter_add; both use atomics, so the order of the
        # additions (and the last bits of a float sum) can vary between runs on the GPU.
        if hasattr(_cupy.add, "at"):
            _cupy.add.at(target, index, values)
        else:
            import cupyx
            cupyx.scatter_add(target, index, values)
    else:
        np.add.at(target, index, values)


def reduce_at(name: str, target, index, values) -> None:
    """``target[index] = name(target[index], values)`` with repeated indices reduced one after another, for
    ``name`` in ``"maximum"``, ``"minimum"``, ``"multiply"`` (``np.maximum.at`` ...; on CuPy its ``ufunc.at``
    where it has one, else ``cupyx.scatter_max`` / ``scatter_min``). :func:`scatter_add` is the sum's."""
    if _cupy is not None and isinstance(target, _cupy.ndarray):
        ufunc = getattr(_cupy, name)
        if hasattr(ufunc, "at"):
            try:
                ufunc.at(target, index, values)
                return
            except (NotImplementedError, TypeError):
                pass
        import cupyx
        fallback = {"maximum": "scatter_max", "minimum": "scatter_min"}.get(name)
        if fallback is None:
            raise NotImplementedError(f"this CuPy has no {name}.at, which a scatter of {name} needs on the GPU; "
                                      f"run it on the CPU (.cpu())")
        getattr(cupyx, fallback)(target, index, values)
    else:
        getattr(np, name).at(target, index, values)


def may_share_memory(a, b) -> bool:
    """Whether arrays ``a`` and ``b`` might overlap in memory (a view and its base do).

    Only the address ranges are compared (``np.may_share_memory`` / ``cupy.may_share_memory``), so the answer
    is cheap and never waits for the GPU; a True can be a false alarm (two interleaved views), a False is
    certain. Arrays of different libraries or on different devices never share memory."""
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and np.may_share_memory(a, b)
    if _cupy is not None and isinstance(a, _cupy.ndarray) and isinstance(b, _cupy.ndarray):
        return bool(_cupy.may_share_memory(a, b))  # compares the devices too
    return False


def is_writable(a) -> bool:
    """Whether new values can go into array ``a`` itself: not a read-only NumPy array, nor a broadcast view
    (CuPy has no read-only flag, but a zero stride shows elements that share one memory cell)."""
    return getattr(a.flags, "writeable", True) and all(s != 0 for s, n in zip(a.strides, a.shape) if n > 1)


def as_strided(a, shape, strides):
    """A strided view of ``a`` (strides in bytes), for NumPy and CuPy alike. Read-only use only."""
    if _cupy is not None and isinstance(a, _cupy.ndarray):
        return _cupy.lib.stride_tricks.as_strided(a, shape=shape, strides=strides)
    return np.lib.stride_tricks.as_strided(a, shape=shape, strides=strides, writeable=False)


def sample_operand(value, like):
    """``value`` (a scalar, or one value per channel, shape ``(C,)``) as the second operand of an elementwise op
    with ``like (N, C, ...)``: on NumPy, an array of one sample's shape ``(1, C, ...)``, filled with ``value`` and
    stored in ``like``'s axis order (channels last where ``like`` is); elsewhere, plain broadcasting.

    The op is the same either way; only its speed differs. With the usual operands NumPy (2.x, on the CPU) runs
    ``maximum(x, 0)`` about 3x slower than ``maximum`` of two arrays, and a per-channel op on an array stored
    channels last as one short loop per pixel, about 2x slower. Against a whole sample in the same layout every
    op is one long contiguous loop per sample. The operand is one sample (tens of KB) and filled per call."""
    xp = xp_of(like)
    v = xp.asarray(value, dtype=like.dtype)
    spread = (1,) * (like.ndim - 2)
    if xp is not np or like.ndim < 2:
        return v if v.ndim == 0 else v.reshape((1, -1) + spread)
    if like.ndim == 4 and like.shape[1] > 1 and like.transpose(0, 2, 3, 1).flags.c_contiguous:
        out = np.empty((1,) + like.shape[2:] + like.shape[1:2], dtype=like.dtype)     # (1, H, W, C)
        out[...] = v                                                             # v is () or (C,)
        return out.transpose(0, 3, 1, 2)
    out = np.empty((1,) + like.shape[1:], dtype=like.dtype)
    out[...] = v if v.ndim == 0 else v.reshape((-1,) + spread)
    return out


# --------------------------------------------------------------------------- random numbers
class _RNGState(threading.local):
    def __init__(self) -> None:
        self.seed = None
        self.generators: dict[str, Any] = {}


_rng = _RNGState()


def manual_seed(seed: int) -> None:
    """Seed every device's generator (each device gets its own stream, derived from ``seed``)."""
    _rng.seed = int(seed)
    _rng.generators = {}


def rng(device: str = "cpu"):
    """The generator of ``device``: a ``numpy.random.Generator`` or a ``cupy.random.Generator``.

    Generators are created lazily from the last :func:`manual_seed` (or OS entropy if none)."""
    gen = _rng.generators.get(device)
    if gen is None:
        seed = _rng.seed
        if device == "cpu":
            gen = np.random.default_rng(seed)
        else:
            cp = cupy_module()
            with device_context(device):
                if seed is None:
                    seed = int(np.random.SeedSequence().generate_state(1)[0])
                idx = int(device.split(":")[1])
                gen = cp.random.default_rng(seed + 7919 * (idx + 1))
        _rng.generators[device] = gen
    return gen


def rng_states(devices=()) -> dict:
    """The exact states of the CPU's generator and of ``devices``' (``"cuda:0"``...), to put back with
    :func:`set_rng_states` in this process (gradient checkpointing replays a segment's random draws). Unlike
    :func:`get_rng_state` it holds the GPU streams too, as device arrays: not for saving to a file."""
    snap = {}
    for device in ["cpu", *devices]:
        bits = rng(device).bit_generator
        # CuPy's generators keep their state in a device array, ``_state`` (they have no public ``state``)
        snap[device] = bits.state if device == "cpu" else bits._state.copy()
    return snap


def set_rng_states(snap: dict) -> None:
    """Put back the generators' states that :func:`rng_states` took."""
    for device, state in snap.items():
        bits = rng(device).bit_generator
        if device == "cpu":
            bits.state = state
        else:
            bits._state[...] = state


def get_rng_state() -> dict:
    """A picklable snapshot of the CPU generator (for checkpoints); GPU streams are re-derived."""
    state = {"seed": _rng.seed}
    gen = _rng.generators.get("cpu")
    if gen is not None:
        state["cpu"] = gen.bit_generator.state
    return state


def set_rng_state(state: dict) -> None:
    """Restore what :func:`get_rng_state` returned."""
    _rng.seed = state.get("seed")
    _rng.generators = {}
    if "cpu" in state:
        gen = np.random.default_rng()
        gen.bit_generator.state = state["cpu"]
        _rng.generators["cpu"] = gen
