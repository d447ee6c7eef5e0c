"""Whether operations are being recorded for backward: ``no_grad``, ``enable_grad``, ``set_grad_enabled``,
``inference_mode``.

The mode is thread-local, so a thread inside ``no_grad`` never turns recording off in another thread."""
from __future__ import annotations

import functools
import threading


class _GradMode(threading.local):
    enabled = True


_grad_mode = _GradMode()


def is_grad_enabled() -> bool:
    """Whether operations are being recorded in this thread."""
    return _grad_mode.enabled


class set_grad_enabled:
    """Turn recording on or off for this thread, as ``torch.set_grad_enabled`` does.

    A plain call, ``mg.set_grad_enabled(False)``, sets the mode at once and leaves it set.
    ``with mg.set_grad_enabled(flag): ...`` sets it for the block, and ``@mg.set_grad_enabled(flag)`` for
    each call of the function it decorates; both restore the mode that was there before."""

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)
        self.prev = _grad_mode.enabled
        _grad_mode.enabled = self.mode

    def __enter__(self):
        _grad_mode.enabled = self.mode
        return self

    def __exit__(self, *exc) -> None:
        _grad_mode.enabled = self.prev

    def __call__(self, func):
        _grad_mode.enabled = self.prev  # as a decorator, the mode applies inside each call only
        mode = self.mode

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return func(*args, **kwargs)
        return wrapper


class _GradModeBlock:
    """A mode for a block or for each call of a function: ``with mg.no_grad():``, ``@mg.no_grad()`` and
    ``@mg.no_grad`` (without parentheses, as PyTorch 2 allows). Subclasses choose ``mode``."""

    mode: bool

    def __new__(cls, func=None):
        if func is None:
            return super().__new__(cls)
        return cls()(func)  # used as ``@mg.no_grad``: Python passed the function itself

    def __init__(self, func=None) -> None:
        self.prev: list[bool] = []  # a stack, so one object can be entered again inside its own block

    def __enter__(self):
        self.prev.append(_grad_mode.enabled)
        _grad_mode.enabled = self.mode
        return self

    def __exit__(self, *exc) -> None:
        _grad_mode.enabled = self.prev.pop()

    def _fresh(self) -> "_GradModeBlock":
        """A new block of the same kind, one per call of a decorated function (so threads never share a stack)."""
        return type(self)()

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self._fresh():
                return func(*args, **kwargs)
        return wrapper


class no_grad(_GradModeBlock):
    """``with mg.no_grad(): ...``, ``@mg.no_grad()`` or ``@mg.no_grad``: nothing inside is recorded for backward."""

    mode = False


class enable_grad(_GradModeBlock):
    """Turn recording back on inside a ``no_grad`` block (also ``@mg.enable_grad()`` or ``@mg.enable_grad``)."""

    mode = True


class inference_mode(_GradModeBlock):
    """``with mg.inference_mode(): ...``, ``@mg.inference_mode()`` or ``@mg.inference_mode``, as PyTorch's
    ``torch.inference_mode``; in minigan it is ``no_grad`` under another name: nothing inside is recorded.

    PyTorch's inference mode also stops counting versions and refuses to record later operations on the
    tensors made inside; minigan does neither, so code that runs in PyTorch runs here unchanged.
    ``inference_mode(False)`` turns recording on for the block, as ``enable_grad`` does (PyTorch turns its
    grad mode on there too)."""

    def __new__(cls, mode=True):
        if callable(mode):          # used as ``@mg.inference_mode``: Python passed the function itself
            return cls()(mode)
        return super().__new__(cls)

    def __init__(self, mode: bool = True) -> None:
        super().__init__()
        self.mode = not mode      # recording is on exactly when inference mode is off

    def _fresh(self) -> "inference_mode":
        return inference_mode(not self.mode)

    def __enter__(self):
        self.__dict__.setdefault("inference_prev", []).append(_inference.enabled)
        _inference.enabled = not self.mode
        return super().__enter__()

    def __exit__(self, *exc) -> None:
        _inference.enabled = self.inference_prev.pop()
        super().__exit__(*exc)


class _InferenceMode(threading.local):
    enabled = False


_inference = _InferenceMode()


def is_inference_mode_enabled() -> bool:
    """Whether this thread is inside an ``inference_mode()`` block (``torch.is_inference_mode_enabled``)."""
    return _inference.enabled
