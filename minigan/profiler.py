"""``mg.profiler``: where a training step's time goes, op by op, forward and backward (``torch.profiler``'s shape).

::

    with mg.profiler.profile(record_shapes=True) as prof:
        with mg.profiler.record_function("discriminator step"):
            loss = D(x).mean()
            loss.backward()
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=10))
    prof.export_chrome_trace("step.json")           # open in chrome://tracing or https://ui.perfetto.dev

While a profiler records, every op's ``Function.apply`` becomes an event named by its Function (``MatMul``,
``Conv2d``, ...; the whole call: the forward on arrays and the recording of the graph), every node the backward
engine runs becomes one named as ``tensor.grad_fn.name()`` names it (``MatMulBackward0``), timing that node's
``backward``, and every ``record_function`` region one of its own. The ops a backward node calls (its backward is
written in minigan ops) are its children, so the node's *self* time is its total less theirs. Parent and child
come from the intervals themselves, per thread, as in PyTorch. ``record_shapes`` keeps each op's input shapes,
``profile_memory`` the bytes of its outputs, ``with_stack`` the caller's lines.

On a GPU, work is queued and runs later: a clock read right after a call measures the launch only. So, profiling
with ``ProfilerActivity.CUDA`` on a machine with CuPy and a GPU, each event waits for its outputs' device
(``backend.synchronize``) before its end is read: each op's time is then its GPU time too, and the step as a whole
runs slower than it would unprofiled. Without a GPU, ``CUDA`` is accepted and records nothing more. (This path
is written for the GPU but has not been run on one.)

Without a profiler the engine pays one ``None`` test per op and per backward node (:mod:`minigan.profiler_hook`).
"""
from __future__ import annotations

import contextlib
import enum
import itertools
import os
import threading
import traceback
from time import perf_counter_ns

from . import backend, profiler_hook
from .profiler_events import EventList, FunctionEvent, FunctionEventAvg, build_tree

__all__ = ["profile", "record_function", "ProfilerActivity", "ProfilerAction", "schedule", "supported_activities",
           "EventList", "FunctionEvent", "FunctionEventAvg"]

_SEQ = itertools.count()                 # orders events that start at the same nanosecond: parents first
_PACKAGE = os.path.dirname(os.path.abspath(__file__))
_active: "profile | None" = None         # the profile entered (recording or waiting for its schedule)


class ProfilerActivity(enum.Enum):
    """What to profile: ``CPU`` (the host's clock around each op) and ``CUDA`` (on a GPU: wait for each op's
    device, so the times include its GPU work)."""
    CPU = "CPU"
    CUDA = "CUDA"


def supported_activities() -> set:
    """The activities this machine can profile: CPU, and CUDA where CuPy sees a GPU."""
    return {ProfilerActivity.CPU} | ({ProfilerActivity.CUDA} if backend.cuda_available() else set())


class ProfilerAction(enum.Enum):
    """What a step of a :func:`schedule` does: nothing, warm up (run, not recorded), record, or record and then
    hand the trace to ``on_trace_ready``."""
    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3


def schedule(*, wait: int, warmup: int, active: int, repeat: int = 0, skip_first: int = 0):
    """Which steps to record, as ``torch.profiler.schedule``: after ``skip_first`` steps, cycles of ``wait`` idle
    steps, ``warmup`` steps (run, not recorded: first calls are slow), then ``active`` recorded steps, the last of
    which hands the trace to ``on_trace_ready``; ``repeat`` cycles (0: for as long as ``prof.step()`` is called).
    Returns ``step number -> ProfilerAction``."""
    for name, v in (("wait", wait), ("warmup", warmup), ("repeat", repeat), ("skip_first", skip_first)):
        if v < 0:
            raise ValueError(f"schedule: {name} must be >= 0, got {v}")
    if active < 1:
        raise ValueError(f"schedule: active must be >= 1, got {active}")
    cycle = wait + warmup + active

    def action(step: int) -> ProfilerAction:
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        if repeat > 0 and step >= repeat * cycle:
            return ProfilerAction.NONE
        at = step % cycle
        if at < wait:
            return ProfilerAction.NONE
        if at < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD if at < cycle - 1 else ProfilerAction.RECORD_AND_SAVE
    return action


class Recorder:
    """What ``profiler_hook.recorder`` holds while a profiler records: it times ops, backward nodes and regions,
    and keeps one :class:`FunctionEvent` for each (from any thread)."""

    def __init__(self, record_shapes: bool, profile_memory: bool, with_stack: bool, sync_cuda: bool) -> None:
        self.record_shapes, self.profile_memory, self.with_stack = record_shapes, profile_memory, with_stack
        self.sync_cuda = sync_cuda
        self.events: list[FunctionEvent] = []
        self.closed = False
        self._local = threading.local()

    # -- ops: Function.apply asks `passing(cls)`; False means "record this call" (it calls apply once more)
    def passing(self, cls) -> bool:
        """True for the call that :meth:`record_apply` itself makes (it then runs unrecorded), else False."""
        loc = self._local
        if getattr(loc, "passing", None) is cls:
            loc.passing = None
            return True
        return False

    def record_apply(self, cls, args, kwargs):
        """``cls.apply(*args, **kwargs)``, timed. An op that raises leaves no event."""
        from .function import _op_name
        self._local.passing = cls
        seq, start = next(_SEQ), perf_counter_ns()
        try:
            out = cls.apply(*args, **kwargs)
        finally:
            self._local.passing = None
        outs = out if isinstance(out, tuple) else (out,)
        self._sync(outs)
        end = perf_counter_ns()
        self.add(_op_name(cls), "op", start, end, seq, args, outs)
        return out

    # -- backward nodes: the engine takes a span before a node's backward and closes it after
    def span(self) -> "_Span":
        return _Span(self, next(_SEQ), perf_counter_ns())

    def add(self, name: str, kind: str, start: int, end: int, seq: int, inputs=(), outputs=()) -> None:
        if self.closed:
            return
        shapes = [_shape(a) for a in inputs] if self.record_shapes else None
        host = device = 0
        if self.profile_memory:
            for o in outputs:
                data = getattr(o, "data", None)
                if backend.is_array(data):
                    if backend.device_of(data) == "cpu":
                        host += data.nbytes
                    else:
                        device += data.nbytes
        stack = _user_stack() if self.with_stack else None
        self.events.append(FunctionEvent(name, kind, start, end, seq, threading.get_native_id(), shapes, host,
                                         device, stack))

    def _sync(self, outs) -> None:
        if self.sync_cuda:
            for o in outs:
                data = getattr(o, "data", None)
                if backend.is_array(data) and backend.device_of(data) != "cpu":
                    backend.synchronize(backend.device_of(data))


class _Span:
    """A backward node's start; :meth:`node_done` records it once the node's backward has returned."""

    __slots__ = ("rec", "seq", "start")

    def __init__(self, rec: Recorder, seq: int, start: int) -> None:
        self.rec, self.seq, self.start = rec, seq, start

    def node_done(self, node, grad_outputs, grad_inputs) -> None:
        from .grad_fn import backward_name
        self.rec._sync(grad_inputs)
        self.rec.add(backward_name(node.fn), "backward", self.start, perf_counter_ns(), self.seq, grad_outputs,
                     grad_inputs)


def _shape(a) -> list:
    shape = getattr(a, "shape", None)
    return list(shape) if shape is not None and not isinstance(a, (int, float, complex)) else []


def _user_stack() -> list[str]:
    """The caller's lines, innermost first, without minigan's own frames: ``file(line): function``."""
    frames = [f for f in traceback.extract_stack()[:-1] if not os.path.abspath(f.filename).startswith(_PACKAGE)]
    return [f"{f.filename}({f.lineno}): {f.name}" for f in reversed(frames)]


class record_function(contextlib.ContextDecorator):
    """A named region of your own code (``"discriminator step"``): a context manager or a decorator. While a
    profiler records, the region becomes an event, and the ops inside it its children; otherwise it does nothing.
    """

    def __init__(self, name: str, args: str | None = None) -> None:
        if not isinstance(name, str):
            raise TypeError(f"record_function: name must be a str, got {type(name).__name__}")
        self.name, self.args = name, args
        self._local = threading.local()      # open regions per thread (a decorated function may recurse)

    def __enter__(self) -> "record_function":
        rec = profiler_hook.recorder
        opened = self._local.__dict__.setdefault("open", [])
        opened.append(None if rec is None else (rec, next(_SEQ), perf_counter_ns()))
        return self

    def __exit__(self, *exc) -> bool:
        token = self._local.open.pop()
        if token is not None:
            rec, seq, start = token
            if rec.sync_cuda:
                backend.synchronize()
            rec.add(self.name, "user", start, perf_counter_ns(), seq)
        return False


class profile:
    """Record ops, backward nodes and ``record_function`` regions while active (``torch.profiler.profile``).

    ``activities``: a collection of :class:`ProfilerActivity` (None: every supported one). ``schedule`` (see
    :func:`schedule`) with ``prof.step()`` at the end of each training step records only some steps, and hands
    each recorded cycle to ``on_trace_ready(prof)``; without one, everything between enter and exit is recorded
    (and ``on_trace_ready`` is called at exit). ``record_shapes``, ``profile_memory``, ``with_stack``: keep each
    event's input shapes, its outputs' bytes, the caller's lines. One profiler at a time: entering a second one
    raises (in PyTorch a nested profiler silently breaks the outer one).

    Read the result with :meth:`events`, :meth:`key_averages` (``.table(...)``) and :meth:`export_chrome_trace`.
    """

    def __init__(self, *, activities=None, schedule=None, on_trace_ready=None, record_shapes: bool = False,
                 profile_memory: bool = False, with_stack: bool = False) -> None:
        if activities is None:
            activities = supported_activities()
        activities = set(activities)
        bad = [a for a in activities if not isinstance(a, ProfilerActivity)]
        if bad:
            raise TypeError(f"profile: activities must be ProfilerActivity values (CPU, CUDA), got {bad[0]!r}")
        self.activities = activities
        self.schedule = schedule
        self.on_trace_ready = on_trace_ready
        self.record_shapes, self.profile_memory, self.with_stack = record_shapes, profile_memory, with_stack
        self.step_num = 0
        self.current_action = None
        self._recorder: Recorder | None = None
        self._events = EventList(profile_memory=profile_memory)

    # -- starting and stopping
    def __enter__(self) -> "profile":
        self.start()
        return self

    def __exit__(self, *exc) -> bool:
        self.stop()
        return False

    def start(self) -> None:
        global _active
        if _active is not None:
            raise RuntimeError("profile: a profiler is already active; nested profilers are not supported "
                               "(exit the outer one first)")
        _active = self
        self.step_num = 0
        self.current_action = self.schedule(0) if self.schedule is not None else ProfilerAction.RECORD
        if self.current_action in (ProfilerAction.RECORD, ProfilerAction.RECORD_AND_SAVE):
            self._start_recording()

    def stop(self) -> None:
        global _active
        if _active is not self:
            return
        try:
            if self._recorder is not None:
                self._stop_recording()
                if self.on_trace_ready is not None:
                    self.on_trace_ready(self)
        finally:
            _active = None
            self.current_action = None

    def step(self) -> None:
        """The end of a training step: move the schedule on (start or stop recording, hand a finished cycle to
        ``on_trace_ready``). Without a schedule it only counts."""
        if _active is not self:
            return
        prev = self.current_action
        self.step_num += 1
        self.current_action = self.schedule(self.step_num) if self.schedule is not None else ProfilerAction.RECORD
        recording = self.current_action in (ProfilerAction.RECORD, ProfilerAction.RECORD_AND_SAVE)
        if prev == ProfilerAction.RECORD_AND_SAVE and self._recorder is not None:
            self._stop_recording()
            if self.on_trace_ready is not None:
                self.on_trace_ready(self)
        if recording and self._recorder is None:
            self._start_recording()
        elif not recording and self._recorder is not None:
            self._stop_recording()

    def _start_recording(self) -> None:
        sync = ProfilerActivity.CUDA in self.activities and backend.cuda_available()
        self._recorder = Recorder(self.record_shapes, self.profile_memory, self.with_stack, sync)
        self._events = EventList(profile_memory=self.profile_memory)
        profiler_hook.recorder = self._recorder

    def _stop_recording(self) -> None:
        rec, self._recorder = self._recorder, None
        if profiler_hook.recorder is rec:
            profiler_hook.recorder = None
        rec.closed = True
        self._events = EventList(build_tree(rec.events), profile_memory=self.profile_memory)

    # -- reading the result
    def events(self) -> EventList:
        """Every recorded event (of the last recorded cycle), in order of start, each with its ``cpu_parent``
        and ``cpu_children``."""
        return self._events

    def key_averages(self, group_by_input_shape: bool = False, group_by_stack_n: int = 0) -> EventList:
        """Per name (and per input shapes with ``group_by_input_shape=True``; ``record_shapes=True`` keeps them):
        ``key``, ``count``, ``cpu_time_total``, ``self_cpu_time_total``, ``cpu_time`` (the average), in us."""
        return self._events.key_averages(group_by_input_shape, group_by_stack_n)

    def export_chrome_trace(self, path) -> None:
        """The events as a Chrome trace (JSON, ``"ph": "X"`` events, times in us), written atomically."""
        self._events.export_chrome_trace(path)
