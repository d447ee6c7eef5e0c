"""Anomaly detection, as ``torch.autograd.detect_anomaly``: which op's backward made a NaN, and where in your code
that op was called.

A NaN loss in a GAN usually starts as one NaN gradient deep in the graph (a ``sqrt`` at 0, a ``log`` of 0, a
division by a norm that vanished), which then spreads to every parameter; by the time the loss shows it, the
culprit is far behind. Under anomaly detection::

    with mg.autograd.detect_anomaly():
        loss = model(x).sum()
        loss.backward()

each recorded op remembers the stack of the forward call that made it, and the backward pass checks every
gradient each op's backward returns. The first one that holds a NaN stops the pass with a ``RuntimeError``
naming the op and the input (``Function 'DivBackward0' returned nan values in its 1th output.``), after a warning
that shows the forward call's traceback: the line of your code to look at. An error raised inside a backward
gets the same warning. ``check_nan=False`` keeps the tracebacks but not the NaN check.

It costs a stack capture per op, so it is for debugging only (entering it warns so, as PyTorch's does).
``set_detect_anomaly(mode, check_nan=True)`` turns it on or off, as a call or as a ``with`` block (which restores
the previous setting on exit); ``mg.is_anomaly_enabled()`` and ``mg.is_anomaly_check_nan_enabled()`` read it."""
from __future__ import annotations

import functools
import os
import traceback
import warnings

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "is_anomaly_check_nan_enabled",
           "set_anomaly_enabled"]

_enabled = False
_check_nan = True
_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep      # minigan's own frames are left out of stacks


def is_anomaly_enabled() -> bool:
    """Is anomaly detection on (``torch.is_anomaly_enabled``)?"""
    return _enabled


def is_anomaly_check_nan_enabled() -> bool:
    """Does anomaly detection check the gradients for NaN (``torch.is_anomaly_check_nan_enabled``)?"""
    return _check_nan


def set_anomaly_enabled(enabled: bool, check_nan: bool = True) -> None:
    """Turn anomaly detection on or off for good (``torch.set_anomaly_enabled``)."""
    global _enabled, _check_nan
    _enabled, _check_nan = bool(enabled), bool(check_nan)


class set_detect_anomaly:
    """Anomaly detection on or off (``mode``) from here: at once when made, and, used as a ``with`` block, back to
    the previous setting on leaving it."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self.previous = (_enabled, _check_nan)
        set_anomaly_enabled(mode, check_nan)

    def __enter__(self) -> "set_detect_anomaly":
        return self

    def __exit__(self, *exc) -> None:
        set_anomaly_enabled(*self.previous)


class detect_anomaly:
    """Anomaly detection on inside a ``with`` block, or inside each call of a function it decorates."""

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan
        self.previous = None

    def __enter__(self) -> "detect_anomaly":
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime and should only be "
                      "enabled for debugging.", UserWarning, stacklevel=2)
        self.previous = (_enabled, _check_nan)
        set_anomaly_enabled(True, self.check_nan)
        return self

    def __exit__(self, *exc) -> None:
        set_anomaly_enabled(*self.previous)

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapped(*args, **kwargs):
            with detect_anomaly(self.check_nan):
                return fn(*args, **kwargs)
        return wrapped


# --------------------------------------------------------------------------- used by the graph and the backward
def forward_stack() -> str:
    """The stack of the forward call being recorded, without minigan's own frames (what a Node keeps)."""
    frames = [f for f in traceback.extract_stack()[:-1] if not os.path.abspath(f.filename).startswith(_PACKAGE)]
    return "".join(traceback.format_list(frames))


def report(name: str, stack: str | None) -> None:
    """The warning that shows where the op whose backward failed was called (``name``: its node's name,
    ``MulBackward0``, as ``tensor.grad_fn.name()`` gives it)."""
    warnings.warn(f"Error detected in {name}. Traceback of forward call that caused the error:\n"
                  + (stack or "  (not recorded: the op was called with anomaly detection off)\n"),
                  UserWarning, stacklevel=3)


def check_gradients(name: str, stack: str | None, grads) -> None:
    """Stop the backward pass at the first gradient holding a NaN, when the NaN check is on."""
    if not _check_nan:
        return
    from . import backend
    for i, g in enumerate(grads):
        if g is not None and g.data.dtype.kind in "fc" and bool(backend.xp_of(g.data).isnan(g.data).any()):
            report(name, stack)
            raise RuntimeError(f"Function '{name}' returned nan values in its {i}th output.")
