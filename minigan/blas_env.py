"""The settings minigan gives OpenBLAS, NumPy's matrix-product library, before NumPy loads it.

OpenBLAS reads these environment variables once, when it is loaded, so only code that runs before NumPy is
imported can set them: ``import minigan`` does, through :func:`set_defaults`, when NumPy is not loaded yet
(minigan's command line, lessons and benchmarks import minigan first). A value already set, by the user or
the shell, is kept. They are set in ``os.environ``, so processes started from this one inherit them. They
change speed only: other kernels may round a sum differently in its last bits, as any two BLAS libraries do,
and nothing else.

- ``OPENBLAS_THREAD_TIMEOUT=4``: OpenBLAS's worker threads go to sleep as soon as a product is done, instead
  of spinning for about 0.1 s in case another comes, so that the CPU convolutions' own threads have the
  cores to themselves (see :mod:`minigan.kernels.threads`).
- ``OPENBLAS_CORETYPE=Zen`` on an AMD Zen 4 (CPU family 25 with AVX-512): OpenBLAS picks its AVX-512
  kernels for it (``SkylakeX``), written for Intel cores whose vector units are 512 bits wide. Zen 4 runs
  each 512-bit instruction as two 256-bit halves, and there OpenBLAS's AVX2 kernels for Zen (which it names
  ``Haswell``) ran the float32 products of DCGAN's convolutions 4 to 10% faster, on one core and on two
  (``benchmarks/README.md``). Zen 5 (family 26), whose vector units are 512 bits wide, is left to OpenBLAS's
  own choice.

:func:`openblas_core` reads back which kernels OpenBLAS chose; ``minigan info`` prints it.
"""
from __future__ import annotations

import os

__all__ = ["DEFAULTS", "set_defaults", "zen4", "openblas_core"]

DEFAULTS = {"OPENBLAS_THREAD_TIMEOUT": "4"}


def zen4(cpuinfo: str | None = None) -> bool:
    """Is this CPU an AMD Zen 4, by ``/proc/cpuinfo`` (or the text given): vendor AuthenticAMD, family 25,
    and AVX-512? False where there is no ``/proc/cpuinfo`` (not Linux)."""
    if cpuinfo is None:
        try:
            with open("/proc/cpuinfo") as f:
                cpuinfo = f.read(1 << 16)         # the first core's lines are enough
        except OSError:
            return False
    fields = {}
    for line in cpuinfo.splitlines():
        if not line.strip():
            break                                 # the end of the first core's block
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    return (fields.get("vendor_id") == "AuthenticAMD" and fields.get("cpu family") == "25"
            and "avx512f" in fields.get("flags", "").split())


def set_defaults(environ=None) -> dict:
    """Set minigan's OpenBLAS variables in ``environ`` (``os.environ``) where they are not set; returns
    those it set. Has an effect on OpenBLAS only before NumPy loads it."""
    environ = os.environ if environ is None else environ
    wanted = dict(DEFAULTS)
    if zen4():
        wanted["OPENBLAS_CORETYPE"] = "Zen"
    done = {}
    for key, value in wanted.items():
        if key not in environ:
            environ[key] = done[key] = value
    return done


def openblas_core() -> str | None:
    """The name of the kernels the loaded OpenBLAS uses (``"Haswell"``, ``"SkylakeX"``, ...), or None where
    NumPy's BLAS is not an OpenBLAS whose name can be read."""
    from minigan.kernels.threads import _openblas
    blas = _openblas()
    return None if blas is None else blas.core
