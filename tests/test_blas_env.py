"""minigan's OpenBLAS settings (:mod:`minigan.blas_env`): set before NumPy loads, never over the user's."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from minigan import blas_env
from minigan.kernels import threads

ZEN4 = """processor\t: 0
vendor_id\t: AuthenticAMD
cpu family\t: 25
model\t\t: 17
flags\t\t: fpu sse2 avx2 fma avx512f avx512bw

processor\t: 1
vendor_id\t: GenuineIntel
"""


def test_zen4_is_told_by_vendor_family_and_avx512():
    assert blas_env.zen4(ZEN4)
    assert not blas_env.zen4(ZEN4.replace("avx512f ", ""))                   # Zen 3: no AVX-512
    assert not blas_env.zen4(ZEN4.replace(": 25", ": 26"))                   # Zen 5: left to OpenBLAS
    assert not blas_env.zen4(ZEN4.replace("AuthenticAMD", "GenuineIntel"))
    assert not blas_env.zen4("")


def test_defaults_never_override_what_the_user_set(monkeypatch):
    monkeypatch.setattr(blas_env, "zen4", lambda cpuinfo=None: True)
    env = {"OPENBLAS_THREAD_TIMEOUT": "7"}
    assert blas_env.set_defaults(env) == {"OPENBLAS_CORETYPE": "Zen"}
    assert env == {"OPENBLAS_THREAD_TIMEOUT": "7", "OPENBLAS_CORETYPE": "Zen"}
    env = {"OPENBLAS_CORETYPE": "SkylakeX"}
    assert blas_env.set_defaults(env) == {"OPENBLAS_THREAD_TIMEOUT": "4"}
    assert env["OPENBLAS_CORETYPE"] == "SkylakeX"
    monkeypatch.setattr(blas_env, "zen4", lambda cpuinfo=None: False)
    env = {}
    blas_env.set_defaults(env)
    assert env == {"OPENBLAS_THREAD_TIMEOUT": "4"}                            # no kernel choice off Zen 4


def _in_a_fresh_python(code: str, **env) -> str:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("OPENBLAS_")}
    environ.update(env)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env=environ).stdout.strip()


def test_importing_minigan_before_numpy_sets_them_and_after_numpy_does_not():
    show = "import os; print(os.environ.get('OPENBLAS_THREAD_TIMEOUT'), os.environ.get('OPENBLAS_CORETYPE'))"
    zen = "Zen" if blas_env.zen4() else "None"
    assert _in_a_fresh_python("import minigan; " + show) == f"4 {zen}"
    assert _in_a_fresh_python("import numpy, minigan; " + show) == "None None"    # too late: left alone
    assert _in_a_fresh_python("import minigan; " + show, OPENBLAS_THREAD_TIMEOUT="2",
                              OPENBLAS_CORETYPE="Haswell") == "2 Haswell"


@pytest.mark.skipif(threads._openblas() is None, reason="NumPy's BLAS is not an OpenBLAS whose kernels can be named")
def test_the_kernels_openblas_chose_can_be_read():
    """The name OpenBLAS gives its kernels, as ``minigan info`` prints it; OPENBLAS_CORETYPE chooses them
    (``Zen``, which minigan picks on Zen 4, runs the kernels OpenBLAS names ``Haswell``)."""
    assert isinstance(blas_env.openblas_core(), str) and blas_env.openblas_core()
    code = "import minigan; from minigan import blas_env; print(blas_env.openblas_core())"
    if _cpu_flags() >= {"avx2", "fma"}:               # an x86 CPU that can run those kernels
        assert _in_a_fresh_python(code, OPENBLAS_CORETYPE="Zen") == "Haswell"


def _cpu_flags() -> set:
    try:
        with open("/proc/cpuinfo") as f:
            return next((set(line.split(":", 1)[1].split()) for line in f if line.startswith("flags")), set())
    except OSError:
        return set()
