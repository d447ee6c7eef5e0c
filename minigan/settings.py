"""minigan's process-wide settings, under PyTorch's names: the default float dtype, how tensors print, the
random generators' state and seed, and the number of BLAS threads.

- ``mg.set_default_device("cuda")``: the device of tensors and layers made without one (the CPU until changed).
- ``mg.set_default_dtype(mg.float64)``: the dtype of floats made without one (``mg.tensor([1.5])``,
  ``mg.zeros(3)``, ``mg.randn(2)``, ``mg.arange(0.0, 1.0, 0.5)``, an integer tensor's ``exp``...); float32
  until changed. Only floating-point dtypes are accepted.
- ``mg.set_printoptions(precision=, threshold=, edgeitems=, linewidth=, sci_mode=, profile=)``: passed on to
  NumPy's ``array2string``, which prints a tensor's numbers.
- ``mg.get_rng_state()`` / ``mg.set_rng_state(state)``, ``mg.initial_seed()``, ``mg.seed()``: the state of
  the devices' seeded generators (:mod:`minigan.backend`); a state is a picklable dict, not a byte tensor.
- ``mg.get_num_threads()`` / ``mg.set_num_threads(n)``: the threads of the OpenBLAS library NumPy loaded,
  through :mod:`minigan.kernels.threads`; with another BLAS the count is only remembered.

This module sits beside :mod:`minigan.backend`, below the Tensor: it imports nothing that needs one."""
from __future__ import annotations

import numpy as np

from . import backend

_FLOAT_DTYPES = (np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64))
_default_dtype = np.float32


def get_default_dtype():
    """The dtype of the floats minigan makes when no dtype is given (``torch.get_default_dtype``)."""
    return _default_dtype


def set_default_dtype(d) -> None:
    """Make ``d`` (float16, float32 or float64) the dtype of new floats (``torch.set_default_dtype``). Tensors
    made before keep theirs; a test that changes it should restore it."""
    global _default_dtype
    try:
        dtype = np.dtype(d)
    except TypeError:
        raise TypeError(f"set_default_dtype: expected a dtype, got {d!r}") from None
    if dtype not in _FLOAT_DTYPES:
        raise TypeError(f"set_default_dtype: only floating-point types are supported as the default type, got {dtype}")
    _default_dtype = dtype.type


# --------------------------------------------------------------------------- the default device
_default_device = "cpu"


def get_default_device() -> str:
    """The device minigan makes tensors on when none is given (``torch.get_default_device``): ``"cpu"`` unless
    :func:`set_default_device` changed it. minigan's devices are strings (``"cpu"``, ``"cuda:0"``)."""
    return _default_device


def set_default_device(device) -> None:
    """Make ``device`` (``"cpu"``, ``"cuda"``, ``"cuda:N"``; None for the CPU) the device of the tensors made
    without one (``torch.set_default_device``): ``mg.zeros(3)``, ``mg.randn(2)``, ``mg.tensor([1.0])`` (of data that
    is not on a device already), the window functions, and every layer's parameters (``nn.Linear(3, 2)``). What
    follows an input's device (``zeros_like``, ``x.new_zeros``, ops) is unchanged, and so is the CPU's part of the
    library (the data loaders, the checkpoints' ``map_location``). Raises DeviceError for a GPU this machine cannot
    use, saying why; a test that changes it should restore it."""
    global _default_device
    _default_device = backend.normalize_device(device)


def creation_device(device) -> str:
    """The device a tensor is made on: ``device`` (any form :func:`minigan.backend.normalize_device` takes), or the
    default device where it is None."""
    return _default_device if device is None else backend.normalize_device(device)


# --------------------------------------------------------------------------- printing
# minigan's own defaults (the repr has always printed these); PyTorch summarises above 1000 elements instead of 50
_PRINT_DEFAULTS = {"precision": 4, "threshold": 50, "edgeitems": 3, "linewidth": 75, "sci_mode": None}
_PROFILES = {"default": _PRINT_DEFAULTS,
             "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80, "sci_mode": None},
             "full": {"precision": 4, "threshold": 2 ** 63 - 1, "edgeitems": 3, "linewidth": 80, "sci_mode": None}}
_print = dict(_PRINT_DEFAULTS)


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None,
                     sci_mode=None) -> None:
    """How tensors print (``torch.set_printoptions``): ``precision`` digits after the point, summarise (``...``)
    tensors of more than ``threshold`` elements showing ``edgeitems`` at each end, ``linewidth`` characters a
    line, ``sci_mode`` True/False to force or forbid scientific notation (None: NumPy decides). ``profile``
    (``"default"``, ``"short"``, ``"full"``) first resets all of them."""
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions: profile must be one of {sorted(_PROFILES)}, got {profile!r}")
        _print.update(_PROFILES[profile])
    for name, value in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems),
                        ("linewidth", linewidth)):
        if value is not None:
            _print[name] = int(value)
    _print["sci_mode"] = sci_mode          # as in PyTorch, a call without sci_mode turns it back to automatic


def array2string_options() -> dict:
    """The keyword arguments of ``numpy.array2string`` that the current print options give."""
    p = _print
    opts = {"precision": p["precision"], "threshold": p["threshold"], "edgeitems": p["edgeitems"],
            "max_line_width": p["linewidth"]}
    if p["sci_mode"] is True:
        opts["formatter"] = {"float_kind": lambda v: np.format_float_scientific(v, precision=p["precision"])}
    elif p["sci_mode"] is False:
        opts["suppress_small"] = True
    return opts


# --------------------------------------------------------------------------- random generators
def get_rng_state() -> dict:
    """A picklable snapshot of the generators (``torch.get_rng_state``; a dict, not a byte tensor)."""
    return backend.get_rng_state()


def set_rng_state(new_state: dict) -> None:
    """Restore what :func:`get_rng_state` returned (``torch.set_rng_state``)."""
    if not isinstance(new_state, dict) or "seed" not in new_state:
        raise TypeError(f"set_rng_state: expected a state from mg.get_rng_state(), got {type(new_state).__name__}")
    backend.set_rng_state(new_state)


def seed() -> int:
    """Seed every generator with a fresh non-deterministic seed, and return it (``torch.seed``)."""
    s = int(np.random.SeedSequence().generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))
    backend.manual_seed(s)
    return s


def initial_seed() -> int:
    """The seed the generators were last seeded with (``torch.initial_seed``). A minigan that was never seeded
    draws from OS entropy; asking for its seed seeds it with a fresh one (:func:`seed`) and returns that."""
    s = backend.get_rng_state()["seed"]
    return seed() if s is None else int(s)


# --------------------------------------------------------------------------- threads
_threads_asked: int | None = None


def get_num_threads() -> int:
    """The threads a CPU matrix product uses: OpenBLAS's count (``torch.get_num_threads``), or the count last
    set (1 at first) where NumPy's BLAS is not an OpenBLAS minigan can reach."""
    from .kernels.threads import _openblas
    blas = _openblas()
    if blas is not None:
        return int(blas.get())
    return _threads_asked or 1


def set_num_threads(n: int) -> None:
    """Let CPU matrix products use ``n`` threads (``torch.set_num_threads``), through OpenBLAS's own setting
    where NumPy loaded one."""
    global _threads_asked
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n <= 0:
        raise RuntimeError(f"set_num_threads expects a positive integer, got {n!r}")
    from .kernels.threads import _openblas
    _threads_asked = int(n)
    blas = _openblas()
    if blas is not None:
        blas.set(_threads_asked)
