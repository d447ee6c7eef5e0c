"""How the exercise checker calls a learner's function and compares what comes back.

Everything a check can conclude is one of three things, raised as an exception so that a spec reads as a
straight list of expectations:

- the function still raises ``NotImplementedError``  -> :class:`NotDone`
- something is wrong (a crash, a shape, a value)     -> :class:`Failure`, with a message for the learner
- nothing was raised                                 -> passed

A wrong value is reported by its place: which output (or which input's gradient), which element, the
expected and the computed value, and how many elements are off. For gradients, a central difference of
the reference at that element gives an independent second opinion.
"""
from __future__ import annotations

import traceback
import warnings
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Sequence

import numpy as np

from ..autograd import Tensor, no_grad


class NotDone(Exception):
    """The learner's function still raises NotImplementedError."""

    def __init__(self, function: str) -> None:
        super().__init__(function)
        self.function = function


class Failure(Exception):
    """A check failed; ``str(self)`` is the message shown to the learner (one or more lines)."""


def host(a: Any) -> Any:
    """A Tensor's data as a host NumPy array; anything else unchanged."""
    return a.numpy() if isinstance(a, Tensor) else a


def _where_in_file(exc: BaseException, path: str | None) -> str:
    """``" (line 12: y[n] = ...)"`` for the deepest frame of the learner's file, or ``""``."""
    if not path:
        return ""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename).resolve() == Path(path).resolve()]
    if not frames:
        return ""
    f = frames[-1]
    return f" (line {f.lineno}: {f.line.strip()})" if f.line else f" (line {f.lineno})"


def call(module: ModuleType, function: str, *args, **kwargs):
    """Call the learner's ``function`` with copies of ``args`` (so an in-place change cannot spoil the
    reference), turning NotImplementedError into :class:`NotDone` and any other error into :class:`Failure`."""
    fn = getattr(module, function, None)
    if not callable(fn):
        raise Failure(f"the file defines no function `{function}` (keep the name the stub gives it)")
    args = tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)
    path = getattr(module, "__file__", None)
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(*args, **kwargs)
    except NotImplementedError:
        raise NotDone(function) from None
    except (Failure, NotDone):
        raise
    except Exception as exc:  # the learner's bug: report it, do not crash the checker
        raise Failure(f"`{function}` raised {type(exc).__name__}: {exc}{_where_in_file(exc, path)}") from None


def as_array(value: Any, what: str) -> np.ndarray:
    """The learner's result as a float64 NumPy array, or a Failure saying what came instead."""
    if value is None:
        raise Failure(f"{what}: the function returned None (did you forget `return`?)")
    value = host(value)
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise Failure(f"{what}: expected an array, got {type(value).__name__}") from None
    return arr


def unpack(result: Any, names: Sequence[str], function: str) -> list:
    """Split a result that should be a tuple of ``len(names)`` values (one name: the value itself)."""
    if len(names) == 1:
        return [result]
    if not isinstance(result, (tuple, list)) or len(result) != len(names):
        got = f"a {type(result).__name__} of {len(result)}" if isinstance(result, (tuple, list)) else \
            type(result).__name__
        raise Failure(f"`{function}` should return a tuple ({', '.join(names)}), got {got}")
    return list(result)


def expect_close(what: str, got: Any, expected: np.ndarray, atol: float = 1e-8, rtol: float = 1e-6,
                 second_opinion: Callable[[tuple], float] | None = None, source: str = "the reference") -> None:
    """Compare the learner's ``got`` with ``expected``: shape first, then every element.

    ``second_opinion(index)`` (optional) gives an independent value at the worst element (a central
    difference), printed beside the expected one."""
    expected = np.asarray(expected, dtype=np.float64)
    got = as_array(got, what)
    if got.shape != expected.shape:
        raise Failure(f"{what} has shape {got.shape}, expected {expected.shape}")
    if expected.size == 0:
        return
    finite = np.isfinite(got)
    bad = ~finite | (np.abs(got - expected) > atol + rtol * np.abs(expected))
    if not bad.any():
        return
    # The worst element: a non-finite one first, else the one furthest beyond its tolerance.
    score = np.where(finite, np.abs(got - expected) - (atol + rtol * np.abs(expected)), np.inf)
    idx = tuple(int(i) for i in np.unravel_index(int(np.argmax(score)), expected.shape))
    at = f" at element {idx}" if expected.ndim else ""
    lines = [f"{what} is wrong{at}: expected {expected[idx]:.6g}, computed {got[idx]:.6g}"]
    detail = (f"{int(bad.sum())} of {expected.size} elements differ; " if expected.ndim else "") + \
        f"the expected value{'s come' if expected.ndim else ' comes'} from {source}"
    if second_opinion is not None:
        detail += f", and a central difference at that element gives {second_opinion(idx):.6g}"
    lines.append(f"({detail})")
    raise Failure("\n".join(lines))


def central_difference(forward: Callable[..., Tensor], arrays: Sequence[np.ndarray], which: int,
                       grad_output: np.ndarray | None, eps: float = 1e-6) -> Callable[[tuple], float]:
    """``index -> d<forward(*arrays), grad_output>/d arrays[which][index]`` by central differences in float64
    (``grad_output=None``: the forward is a scalar loss)."""

    def at(index: tuple) -> float:
        vals = []
        for sign in (1.0, -1.0):
            args = [np.array(a, dtype=np.float64, copy=True) for a in arrays]
            args[which][index] += sign * eps
            with no_grad():
                out = forward(*[Tensor(a) for a in args]).numpy()
            vals.append(float(np.sum(out if grad_output is None else out * grad_output)))
        return (vals[0] - vals[1]) / (2 * eps)

    return at
