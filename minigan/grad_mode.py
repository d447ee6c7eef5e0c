"""Whether operations are being recorded for backward: ``no_grad``, ``enable_grad``, ``set_grad_enabled``.

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
    """Context manager (and decorator) that turns recording on or off for this thread."""

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)
        self.prev: list[bool] = []

    def __enter__(self):
        self.prev.append(_grad_mode.enabled)
        _grad_mode.enabled = self.mode
        return self

    def __exit__(self, *exc) -> None:
        _grad_mode.enabled = self.prev.pop()

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with type(self)(*self._args()):
                return func(*args, **kwargs)
        return wrapper

    def _args(self):
        return (self.mode,)


class no_grad(set_grad_enabled):
    """``with mg.no_grad(): ...`` or ``@mg.no_grad()``: nothing inside is recorded for backward."""

    def __init__(self) -> None:
        super().__init__(False)

    def _args(self):
        return ()


class enable_grad(set_grad_enabled):
    """Turn recording back on inside a ``no_grad`` block."""

    def __init__(self) -> None:
        super().__init__(True)

    def _args(self):
        return ()
