"""``mg.cuda``: torch.cuda's everyday names, over CuPy (through :mod:`minigan.backend`, the one module that
imports it).

    device = mg.device("cuda" if mg.cuda.is_available() else "cpu")
    mg.cuda.manual_seed_all(0)
    ...
    mg.cuda.synchronize()
    print(mg.cuda.max_memory_allocated() / 2**20, "MiB")

Without CuPy or without a GPU, as in torch: :func:`is_available` is False, :func:`device_count` 0, the seeding
functions and :func:`empty_cache` do nothing, and the memory counters are 0 (so a script that calls them
unconditionally runs on a CPU-only machine); everything that needs a GPU (:func:`current_device`,
:func:`set_device`, :func:`get_device_name`, :func:`get_device_properties`, :func:`synchronize`,
:func:`initial_seed`, :func:`reset_peak_memory_stats`, ``with mg.cuda.device(0)``) raises
:class:`minigan.DeviceError` in one line that says why and how to install CuPy.

A device argument is an int, ``"cuda"``/``"cuda:N"``, an :class:`minigan.device`, or None for the current one.

**Memory.** minigan's GPU arrays come from CuPy's default memory pool: :func:`memory_allocated` is the bytes
arrays hold (``pool.used_bytes()``), :func:`memory_reserved` the bytes the pool holds (``pool.total_bytes()``),
:func:`empty_cache` hands the pool's free blocks back to the driver. CuPy keeps no peak, so minigan counts one:
the first call into ``mg.cuda`` that finds a GPU (usually :func:`is_available`) puts a thin wrapper around the
pool's ``malloc`` as CuPy's allocator, which reads ``used_bytes()`` after every allocation (use only grows at an
allocation, so that is the exact peak). Its limits: memory allocated before that first call counts only as the
use at that moment; arrays made under another allocator (``cupy.cuda.using_allocator``, or one set before minigan's)
are not seen, and then the peak is the largest use seen by these functions' calls.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import backend
from . import devices as _devices
from .backend import DeviceError

__all__ = [
    "is_available", "device_count", "current_device", "set_device", "get_device_name", "get_device_capability",
    "get_device_properties", "synchronize", "manual_seed", "manual_seed_all", "seed", "seed_all", "initial_seed",
    "empty_cache", "memory_allocated", "max_memory_allocated", "reset_peak_memory_stats", "memory_reserved",
    "mem_get_info", "device", "CudaDeviceProperties",
]

INSTALL_HINT = "pip install 'minigan[cuda12]' (or 'minigan[cuda13]')"


def is_available() -> bool:
    """True when CuPy imports and a GPU is visible (``torch.cuda.is_available``)."""
    ok = backend.cuda_available()
    if ok:
        _track_peak()
    return ok


def device_count() -> int:
    """The number of GPUs CuPy sees; 0 without CuPy or a GPU."""
    return _cupy().cuda.runtime.getDeviceCount() if backend.cuda_available() else 0


def _cupy():
    return backend.cupy_module()


def _require(fn: str):
    """CuPy, or a one-line :class:`DeviceError` saying why ``mg.cuda.<fn>`` cannot run here."""
    ok, why = backend.cupy_status()
    if not ok:
        why = " ".join(why.split())
        hint = "" if "pip install" in why else f"; to use a GPU, install CuPy: {INSTALL_HINT}"
        raise DeviceError(f"mg.cuda.{fn}: CUDA is not available ({why}){hint}")
    _track_peak()
    return _cupy()


def _index(fn: str, d, optional: bool = True) -> int:
    """The GPU index that ``d`` names (the current GPU for None or a plain ``"cuda"``), checked against the count."""
    cp = _require(fn)
    if d is None and optional:
        return cp.cuda.runtime.getDevice()
    if isinstance(d, bool) or not (isinstance(d, str) or hasattr(d, "__index__")):
        raise TypeError(f"mg.cuda.{fn}: expected a device (an int, 'cuda', 'cuda:N' or mg.device), "
                        f"got {type(d).__name__}")
    dev = _devices.device(d)
    if dev.type != "cuda":
        raise ValueError(f"mg.cuda.{fn}: expected a cuda device, but got: {dev}")
    idx = cp.cuda.runtime.getDevice() if dev.index is None else dev.index
    n = cp.cuda.runtime.getDeviceCount()
    if idx >= n:
        raise DeviceError(f"mg.cuda.{fn}: device {idx} is not available: this machine has {n} GPU(s)")
    return idx


def current_device() -> int:
    """The index of the GPU that CuPy allocates on now."""
    return _index("current_device", None)


def set_device(d) -> None:
    """Make GPU ``d`` current for CuPy (``torch.cuda.set_device``); a negative int does nothing, as in torch.
    minigan's ``"cuda"`` still means ``"cuda:0"`` (:func:`minigan.backend.normalize_device`)."""
    if isinstance(d, int) and not isinstance(d, bool) and d < 0:
        return
    idx = _index("set_device", d, optional=False)
    _cupy().cuda.Device(idx).use()


@dataclass(frozen=True)
class CudaDeviceProperties:
    """What CuPy reports of a GPU, under torch's names (``torch.cuda.get_device_properties``)."""
    name: str
    major: int
    minor: int
    total_memory: int               # bytes
    multi_processor_count: int

    def __repr__(self) -> str:
        return (f"CudaDeviceProperties(name='{self.name}', major={self.major}, minor={self.minor}, "
                f"total_memory={self.total_memory // 2**20}MB, multi_processor_count={self.multi_processor_count})")


def get_device_properties(d=None) -> CudaDeviceProperties:
    """Name, compute capability (major, minor), total memory in bytes and SM count of GPU ``d``."""
    idx = _index("get_device_properties", d)
    p = _cupy().cuda.runtime.getDeviceProperties(idx)
    name = p["name"].decode() if isinstance(p["name"], bytes) else str(p["name"])
    return CudaDeviceProperties(name=name, major=int(p["major"]), minor=int(p["minor"]),
                                total_memory=int(p["totalGlobalMem"]),
                                multi_processor_count=int(p["multiProcessorCount"]))


def get_device_name(d=None) -> str:
    """The GPU's name, e.g. ``"NVIDIA H100 80GB HBM3"``."""
    return get_device_properties(_index("get_device_name", d)).name


def get_device_capability(d=None) -> tuple[int, int]:
    """The GPU's compute capability ``(major, minor)``."""
    p = get_device_properties(_index("get_device_capability", d))
    return p.major, p.minor


def synchronize(d=None) -> None:
    """Wait until the queued work of GPU ``d`` (the current one for None) has finished. Time GPU code only
    after this: kernels run asynchronously."""
    idx = _index("synchronize", d)
    backend.synchronize(f"cuda:{idx}")


# --------------------------------------------------------------------------- random numbers
def manual_seed(seed: int) -> None:
    """Seed the GPUs' generators; does nothing without a GPU, as torch's. minigan derives every device's stream
    from one seed (:func:`minigan.manual_seed`), so on a GPU machine this reseeds the CPU's stream too (torch's
    seeds the current GPU only); ``mg.manual_seed(s)`` followed by this with the same ``s`` is the same state."""
    if backend.cuda_available():
        backend.manual_seed(int(seed))


def manual_seed_all(seed: int) -> None:
    """Seed every GPU's generator (see :func:`manual_seed`: the CPU's too)."""
    manual_seed(seed)


def seed() -> None:
    """Seed the generators with a fresh non-deterministic seed (see :func:`manual_seed`); nothing without a GPU."""
    if backend.cuda_available():
        from .settings import seed as fresh_seed
        fresh_seed()


def seed_all() -> None:
    """The same as :func:`seed` (minigan seeds all devices at once)."""
    seed()


def initial_seed() -> int:
    """The seed the GPUs' streams come from (:func:`minigan.initial_seed`; GPU ``i`` draws from a stream derived
    from it and ``i``)."""
    _require("initial_seed")
    from .settings import initial_seed as seed_of_all
    return seed_of_all()


# --------------------------------------------------------------------------- memory
_peak: dict[int, int] = {}      # GPU index -> the most bytes arrays held at once
_tracking = False


def _track_peak() -> None:
    """Install the allocator wrapper that counts the peak (once; see the module's docstring)."""
    global _tracking
    if _tracking:
        return
    _tracking = True
    cp = _cupy()
    pool = cp.get_default_memory_pool()
    get_allocator = getattr(cp.cuda, "get_allocator", None)
    if get_allocator is None or get_allocator() != pool.malloc:     # someone else's allocator: count at calls only
        return

    def malloc_counting_peak(size):
        mem = pool.malloc(size)
        used = pool.used_bytes()                      # of the current device, which malloc allocated on
        if used > _peak.get(mem.device_id, 0):
            _peak[mem.device_id] = used
        return mem

    cp.cuda.set_allocator(malloc_counting_peak)


def _pool_bytes(fn: str, d, what: str) -> int:
    if not backend.cuda_available():
        return 0
    cp = _cupy()
    idx = _index(fn, d)
    with cp.cuda.Device(idx):
        pool = cp.get_default_memory_pool()
        used = pool.used_bytes()
        if used > _peak.get(idx, 0):
            _peak[idx] = used
        return used if what == "used" else pool.total_bytes()


def memory_allocated(d=None) -> int:
    """Bytes held by arrays on GPU ``d`` (CuPy's pool ``used_bytes()``); 0 without a GPU, as torch's."""
    return _pool_bytes("memory_allocated", d, "used")


def memory_reserved(d=None) -> int:
    """Bytes CuPy's pool holds on GPU ``d``, used or free (``total_bytes()``); 0 without a GPU."""
    return _pool_bytes("memory_reserved", d, "total")


def max_memory_allocated(d=None) -> int:
    """The most bytes arrays held at once on GPU ``d`` since the peak was last reset (the module's docstring
    says how it is counted, and its limits); 0 without a GPU."""
    if not backend.cuda_available():
        return 0
    idx = _index("max_memory_allocated", d)
    _pool_bytes("max_memory_allocated", idx, "used")
    return _peak.get(idx, 0)


def reset_peak_memory_stats(d=None) -> None:
    """Start counting :func:`max_memory_allocated` again from the bytes held now."""
    idx = _index("reset_peak_memory_stats", d)
    _peak[idx] = 0
    _pool_bytes("reset_peak_memory_stats", idx, "used")


def empty_cache() -> None:
    """Hand the free blocks of CuPy's pool back to the driver (``free_all_blocks``), so that other programs, and
    ``nvidia-smi``, see them free; arrays in use are untouched. Does nothing without a GPU."""
    if backend.cuda_available():
        _cupy().get_default_memory_pool().free_all_blocks()


def mem_get_info(d=None) -> tuple[int, int]:
    """``(free, total)`` bytes of GPU ``d``, as the driver sees them (``cudaMemGetInfo``)."""
    cp = _cupy() if backend.cuda_available() else _require("mem_get_info")
    with cp.cuda.Device(_index("mem_get_info", d)):
        free, total = cp.cuda.runtime.memGetInfo()
    return int(free), int(total)


# --------------------------------------------------------------------------- `with mg.cuda.device(1):`
class device:
    """Make GPU ``d`` current inside the block, and the previous one again after it (``torch.cuda.device``).
    None or a negative int does nothing. Without a GPU, entering raises :class:`minigan.DeviceError`."""

    def __init__(self, d) -> None:
        skip = d is None or (isinstance(d, int) and not isinstance(d, bool) and d < 0)
        self.idx = -1 if skip else d
        self.prev_idx = -1

    def __enter__(self) -> device:
        if self.idx == -1:
            return self
        self.idx = _index("device", self.idx, optional=False)
        cp = _cupy()
        self.prev_idx = cp.cuda.runtime.getDevice()
        if self.prev_idx != self.idx:
            cp.cuda.runtime.setDevice(self.idx)
        return self

    def __exit__(self, *exc) -> None:
        if self.idx != -1 and self.prev_idx != self.idx:
            _cupy().cuda.runtime.setDevice(self.prev_idx)
