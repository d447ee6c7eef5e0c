"""Scratch memory for the CPU kernels: arrays of several MB that a convolution needs only while it runs (the
padded image, the column matrix, the product's output, col2im's buffers), kept between calls instead of being
allocated again each time.

Each thread has its own set (:func:`minigan.kernels.threads.run_slices` runs batch slices on several threads
at once), one buffer per name and dtype, grown when a larger array is asked for. Off the CPU a fresh array
is returned: CuPy has its own memory pool.
"""
from __future__ import annotations

import threading

__all__ = ["on_cpu", "workspace"]


class _Scratch(threading.local):
    def __init__(self) -> None:
        self.buffers: dict = {}


_scratch = _Scratch()


def on_cpu(xp) -> bool:
    """Is ``xp`` NumPy (the CPU), where scratch memory is kept and batches are sliced?"""
    return xp.__name__ == "numpy"


def workspace(xp, name: str, shape, dtype):
    """An uninitialised array of ``shape`` for temporary use, backed by a per-thread buffer ``name``
    that is kept between calls on the CPU (a fresh array elsewhere). Never returned to a caller."""
    if not on_cpu(xp):
        return xp.empty(shape, dtype=dtype)
    size = 1
    for s in shape:
        size *= s
    key = (name, xp.dtype(dtype).str)
    buf = _scratch.buffers.get(key)
    if buf is None or buf.size < size:
        buf = xp.empty(size, dtype=dtype)
        _scratch.buffers[key] = buf
    return buf[:size].reshape(shape)
