"""Batch slices on every CPU core at once, each core with a single-threaded BLAS.

NumPy's only parallelism is its BLAS: a matrix product runs on every core, and the work around it (the
unfold's copy, col2im's sums) on one. The CPU convolutions of :mod:`minigan.kernels.fast` cut the batch into
slices anyway; :func:`run_slices` shares the slices out among one thread per BLAS thread, and each thread
does the whole work of its slices, copies and products alike, with BLAS held to one thread meanwhile.
NumPy releases the GIL in both, so the threads really run side by side.

Two things are gained:

- The copies run on every core, not on one while the others wait.
- Each slice's data stays with the core that made it: its columns are copied and multiplied by the same
  thread. A product reading an operand that another core has just written can be much slower. On a virtual
  machine with 2 cores, unfold + product of one 4 MB slice took 1.55 ms for stretches of tens of seconds and
  2.6 ms for others, while the product alone stayed at 1.4 ms; a DCGAN convolution, 5.0 and 8.2–8.5 ms on two
  BLAS threads, took 5.0–5.7 ms either way when its slices ran here.

The BLAS thread count is set through the OpenBLAS library that NumPy loaded (found in ``/proc/self/maps``),
the one NumPy's own wheels ship. With another BLAS, or where the count cannot be read, :func:`run_slices` runs
the slices one after another on the calling thread, with BLAS's own threads in each product, as the
portable path does.

**OpenBLAS's own threads must be asleep.** After each product they keep spinning for about 0.1 s, ready for
the next one; a slice thread that lands on a core where one spins shares it, and a convolution of the
DCGAN step then took 9–11 ms instead of 5. Two ways keep them out of the way:

- Importing minigan before NumPy sets ``OPENBLAS_THREAD_TIMEOUT=4`` (:mod:`minigan.blas_env`; unless it is set
  already): OpenBLAS's threads then sleep as soon as a product is done. This is what ``minigan``'s command
  line, lessons and benchmarks get.
- Otherwise, where no other Python thread could be inside a NumPy product at that moment, OpenBLAS's threads
  are stopped (``blas_thread_shutdown_``) before the slices start; OpenBLAS starts them again when BLAS gets
  its thread count back. Where another thread could be (a notebook's kernel has several), the slices run
  one after another on the calling thread instead, as on the portable path.
"""
from __future__ import annotations

import ctypes
import functools
import os
import threading

__all__ = ["run_slices", "slice_threads"]

# The threads to share slices among; None: as many as BLAS uses (every core, unless OPENBLAS_NUM_THREADS or
# the like says otherwise). 1 runs every slice on the calling thread.
CPU_THREADS: int | None = None


# OPENBLAS_THREAD_TIMEOUT values (log2 of the cycles a thread spins) short enough to count as asleep.
QUIET_TIMEOUTS = range(1, 17)


class _OpenBLAS:
    """``get()``/``set(n)`` of the OpenBLAS thread count, through ctypes; ``shutdown()`` of its threads
    (None where the library has none); ``quiet``: do its threads sleep right after a product?"""

    def __init__(self, get, set_, shutdown=None, timeout=None, core=None) -> None:
        self.get, self.set, self.shutdown = get, set_, shutdown
        self.quiet = timeout is not None and timeout() in QUIET_TIMEOUTS
        self.core = core            # the name of the kernels it chose for this CPU ("Haswell", "SkylakeX", ...)


def _find_openblas():
    """The loaded OpenBLAS library's thread-count functions and the name of its kernels (NumPy's library
    first), or None."""
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if "openblas" in line.rsplit("/", 1)[-1]}
    except OSError:
        return None
    import numpy
    home = os.path.dirname(os.path.dirname(numpy.__file__))
    for path in sorted(paths, key=lambda p: not p.startswith(home)):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        # NumPy's wheels rename the symbols (scipy_openblas_..._64_); a system OpenBLAS keeps the plain names.
        for prefix, suffix in (("scipy_", "64_"), ("", "64_"), ("", "")):
            get = getattr(lib, f"{prefix}openblas_get_num_threads{suffix}", None)
            set_ = getattr(lib, f"{prefix}openblas_set_num_threads{suffix}", None)
            if get is not None and set_ is not None:
                get.restype, get.argtypes = ctypes.c_int, []
                set_.restype, set_.argtypes = None, [ctypes.c_int]
                shutdown = getattr(lib, "blas_thread_shutdown_", None)
                timeout = getattr(lib, "openblas_thread_timeout", None)      # as read when it loaded
                if timeout is not None:
                    timeout.restype, timeout.argtypes = ctypes.c_int, []
                corename = getattr(lib, f"{prefix}openblas_get_corename{suffix}", None)
                core = None
                if corename is not None:
                    corename.restype, corename.argtypes = ctypes.c_char_p, []
                    core = (corename() or b"").decode(errors="replace").strip() or None
                return _OpenBLAS(get, set_, shutdown, timeout, core)
    return None


class _Worker:
    """A thread that runs one share of slices at a time: ``start(body, slices)`` hands it over, ``join()`` waits
    for it and returns its outcome.

    Each share has a thread of its own; a pool's idle threads may take two shares one after the other while
    another thread sleeps on. The hand-over is two plain locks, each released by one side and acquired by the
    other, which is lighter than a pool's queue and futures: an empty share went 76 -> 53 us on a 2-core
    virtual machine, most of what is left being the waking of a sleeping thread. (On DCGAN's layers the
    difference is within the noise.)"""

    def __init__(self, name: str) -> None:
        self._go, self._done = threading.Lock(), threading.Lock()
        self._go.acquire()
        self._done.acquire()
        self._job = self._outcome = None
        threading.Thread(target=self._loop, name=name, daemon=True).start()

    def _loop(self) -> None:
        while True:
            self._go.acquire()
            body, slices = self._job
            try:
                self._outcome = (True, _every(body, slices))
            except BaseException as error:          # handed to the caller, who raises it
                self._outcome = (False, error)
            self._done.release()

    def start(self, body, slices) -> None:
        self._job = (body, slices)
        self._go.release()

    def join(self) -> tuple:
        """``(True, results)``, or ``(False, the exception)`` that the share raised."""
        self._done.acquire()
        outcome, self._job, self._outcome = self._outcome, None, None
        return outcome


_workers: list[_Worker] = []
_PREFIX = "minigan-slices"
_busy = threading.Lock()            # one parallel region at a time: BLAS's thread count is process-wide


def _forget_workers_after_fork() -> None:
    """A child made by ``fork`` has none of its parent's threads: it starts its own workers when it needs them
    (without this, a forked child that spread its slices waited forever for a worker that was not there)."""
    global _busy
    _workers.clear()
    _busy = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_workers_after_fork)


@functools.cache
def _openblas():
    return _find_openblas()


def slice_threads() -> int:
    """The threads :func:`run_slices` would share slices among now: :data:`CPU_THREADS`, else BLAS's thread
    count; 1 where it would run them in turn (no OpenBLAS to set, or its own threads may be spinning and
    cannot be stopped: see the module's docstring)."""
    blas = _openblas()
    if blas is None:
        return 1
    threads = CPU_THREADS if CPU_THREADS is not None else blas.get()
    if threads < 2 or (not blas.quiet and (blas.shutdown is None or not _alone())):
        return 1
    return threads


def _alone() -> bool:
    """Is the calling thread the only one that could be inside a NumPy product now? (The slice threads are
    idle between calls, and tqdm's monitor thread only watches progress bars.)"""
    me = threading.current_thread()
    return all(t is me or t.name.startswith(_PREFIX) or type(t).__name__ == "TMonitor"
               for t in threading.enumerate())


def _every(body, slices):
    return [body(b) for b in slices]


def run_slices(slices, body):
    """``[body(b) for b in slices]``, the slices shared out among :func:`slice_threads` threads in runs of
    neighbours (the calling thread takes the first run), with BLAS on one thread meanwhile.

    ``body`` may write only what belongs to its own slice, and use scratch memory only through
    :func:`minigan.kernels.scratch.workspace` (which keeps one set per thread). The results come back in the
    order of ``slices`` whichever thread made them, so a sum over them is the same on every run. Runs the
    slices in turn on the calling thread, BLAS untouched, where :func:`slice_threads` is 1 or there is one
    slice, and where another call is already spreading its slices."""
    threads = min(slice_threads(), len(slices))
    busy = _busy
    if threads < 2 or not busy.acquire(blocking=False):
        return _every(body, slices)
    try:
        blas = _openblas()
        while len(_workers) < threads - 1:
            _workers.append(_Worker(f"{_PREFIX}-{len(_workers)}"))
        before = blas.get()
        blas.set(1)
        if not blas.quiet:
            blas.shutdown()
        try:
            shares = [slices[len(slices) * t // threads:len(slices) * (t + 1) // threads] for t in range(threads)]
            helpers = _workers[:threads - 1]
            for worker, share in zip(helpers, shares[1:]):
                worker.start(body, share)
            try:
                mine = _every(body, shares[0])
            finally:                # every thread is done with its slices before anything else happens
                outcomes = [worker.join() for worker in helpers]
            for ok, value in outcomes:
                if not ok:
                    raise value
            parts = [mine] + [value for _, value in outcomes]
        finally:
            blas.set(before)
    finally:
        busy.release()
    return [result for part in parts for result in part]
