"""What :mod:`minigan.profiler` records and how it is read: one :class:`FunctionEvent` per timed interval (an op's
forward, a backward node, a ``record_function`` region), the parent/child tree rebuilt from the intervals, the
per-name averages of ``prof.key_averages()``, the table, and the Chrome trace.

Times are kept in microseconds (floats), as PyTorch's profiler reports them. An event's *total* time is its whole
interval; its *self* time is the total less its children's totals: what the op itself did, not the ops it called.
"""
from __future__ import annotations

import json
import os
import tempfile

__all__ = ["FunctionEvent", "FunctionEventAvg", "EventList", "build_tree", "format_time"]


class FunctionEvent:
    """One timed interval on one thread. ``start_ns``/``end_ns`` come from ``time.perf_counter_ns``; ``seq``
    orders events that began at the same instant (a parent begins before its children). ``kind`` is ``"op"``
    (a Function's forward), ``"backward"`` (a backward node) or ``"user"`` (a ``record_function`` region)."""

    def __init__(self, name: str, kind: str, start_ns: int, end_ns: int, seq: int, thread: int,
                 input_shapes: list | None = None, memory: int = 0, device_memory: int = 0,
                 stack: list | None = None) -> None:
        self.name, self.kind, self.thread, self.seq = name, kind, thread, seq
        self.start_ns, self.end_ns = start_ns, end_ns
        self.input_shapes = input_shapes if input_shapes is not None else []
        self.self_cpu_memory_usage = memory          # bytes of this event's own outputs (profile_memory=True)
        self.self_device_memory_usage = device_memory
        self.stack = stack if stack is not None else []
        self.cpu_parent: FunctionEvent | None = None
        self.cpu_children: list[FunctionEvent] = []
        self.id = seq

    key = property(lambda self: self.name)
    count = property(lambda self: 1)
    cpu_time_total = property(lambda self: (self.end_ns - self.start_ns) / 1e3)
    cpu_time = cpu_time_total

    @property
    def self_cpu_time_total(self) -> float:
        return self.cpu_time_total - sum(c.cpu_time_total for c in self.cpu_children)

    @property
    def cpu_memory_usage(self) -> int:
        return self.self_cpu_memory_usage + sum(c.cpu_memory_usage for c in self.cpu_children)

    @property
    def device_memory_usage(self) -> int:
        return self.self_device_memory_usage + sum(c.device_memory_usage for c in self.cpu_children)

    def __repr__(self) -> str:
        return (f"<FunctionEvent {self.name} ({self.kind}) cpu_time_total={format_time(self.cpu_time_total)} "
                f"self={format_time(self.self_cpu_time_total)} thread={self.thread} "
                f"input_shapes={self.input_shapes}>")


class FunctionEventAvg:
    """The events of one name (and input shapes, where grouped by them), summed: ``count`` calls,
    ``cpu_time_total`` and ``self_cpu_time_total`` summed over them, ``cpu_time`` their average."""

    def __init__(self, key: str, input_shapes=None, stack=None) -> None:
        self.key = key
        self.input_shapes = input_shapes
        self.stack = stack
        self.count = 0
        self.cpu_time_total = self.self_cpu_time_total = 0.0
        self.cpu_memory_usage = self.self_cpu_memory_usage = 0
        self.device_memory_usage = self.self_device_memory_usage = 0

    def add(self, e) -> "FunctionEventAvg":
        self.count += e.count
        self.cpu_time_total += e.cpu_time_total
        self.self_cpu_time_total += e.self_cpu_time_total
        self.cpu_memory_usage += e.cpu_memory_usage
        self.self_cpu_memory_usage += e.self_cpu_memory_usage
        self.device_memory_usage += e.device_memory_usage
        self.self_device_memory_usage += e.self_device_memory_usage
        return self

    @property
    def cpu_time(self) -> float:
        return self.cpu_time_total / self.count if self.count else 0.0

    def __repr__(self) -> str:
        return (f"<FunctionEventAvg key={self.key} count={self.count} cpu_time_total="
                f"{format_time(self.cpu_time_total)} self_cpu_time_total={format_time(self.self_cpu_time_total)} "
                f"input_shapes={self.input_shapes}>")


def build_tree(events: list[FunctionEvent]) -> list[FunctionEvent]:
    """Link each event to the innermost event of its thread whose interval holds it (as PyTorch does, from the
    intervals alone), and return the events in order of their start. A walk with a stack, one thread at a time:
    events sorted by start (the longer first where two start together), a stacked event that ended before the
    next one starts is closed, and the one left on top is the parent."""
    events = sorted(events, key=lambda e: (e.start_ns, -e.end_ns, e.seq))
    stacks: dict[int, list[FunctionEvent]] = {}
    for e in events:
        e.cpu_parent, e.cpu_children = None, []
        stack = stacks.setdefault(e.thread, [])
        while stack and not (stack[-1].start_ns <= e.start_ns and e.end_ns <= stack[-1].end_ns):
            stack.pop()
        if stack:
            e.cpu_parent = stack[-1]
            stack[-1].cpu_children.append(e)
        stack.append(e)
    return events


def format_time(us: float) -> str:
    """Microseconds as the table prints them: ``12.346us``, ``5.123ms``, ``1.235s``."""
    if us >= 1e6:
        return f"{us / 1e6:.3f}s"
    if us >= 1e3:
        return f"{us / 1e3:.3f}ms"
    return f"{us:.3f}us"


def format_memory(nbytes: int) -> str:
    """Bytes as the table prints them: ``512 b``, ``3.00 Kb``, ``1.50 Mb``, ``2.00 Gb``."""
    for unit, size in (("Gb", 1 << 30), ("Mb", 1 << 20), ("Kb", 1 << 10)):
        if abs(nbytes) >= size:
            return f"{nbytes / size:.2f} {unit}"
    return f"{nbytes} b"


class EventList(list):
    """A list of events (``prof.events()``) or of averages (``prof.key_averages()``) that prints as a table."""

    def __init__(self, items=(), profile_memory: bool = False, with_shapes: bool = False) -> None:
        super().__init__(items)
        self._profile_memory = profile_memory
        self._with_shapes = with_shapes

    @property
    def self_cpu_time_total(self) -> float:
        return sum(e.self_cpu_time_total for e in self)

    def key_averages(self, group_by_input_shape: bool = False, group_by_stack_n: int = 0) -> "EventList":
        """One :class:`FunctionEventAvg` per name (per name and input shapes with ``group_by_input_shape``, per
        name and the innermost ``group_by_stack_n`` lines of the caller's stack with that), in first-seen order."""
        groups: dict[tuple, FunctionEventAvg] = {}
        for e in self:
            key = [e.key]
            if group_by_input_shape:
                key.append(str(e.input_shapes))
            if group_by_stack_n > 0:
                key.append(tuple(e.stack[:group_by_stack_n]))
            k = tuple(key)
            if k not in groups:
                groups[k] = FunctionEventAvg(e.key, e.input_shapes if group_by_input_shape else None,
                                             e.stack[:group_by_stack_n] if group_by_stack_n > 0 else None)
            groups[k].add(e)
        return EventList(groups.values(), self._profile_memory, group_by_input_shape)

    def table(self, sort_by: str | None = None, row_limit: int = 100, max_name_column_width: int = 55,
              header: str | None = None, top_level_events_only: bool = False) -> str:
        """The events as PyTorch's table: Name, Self CPU %, Self CPU, CPU total %, CPU total, CPU time avg,
        # of Calls (and CPU Mem, Self CPU Mem with ``profile_memory``; Input Shapes where grouped by them), sorted
        by ``sort_by`` (any numeric attribute, largest first; None keeps the order), ``row_limit`` rows
        (a negative limit: all). Percentages are of the sum of every event's self time: the profiled time."""
        return _table(self, sort_by, row_limit, max_name_column_width, header, top_level_events_only)

    def export_chrome_trace(self, path) -> None:
        export_chrome_trace(self, path)


_SORT_KEYS = ("cpu_time", "cpu_time_total", "self_cpu_time_total", "count", "cpu_memory_usage",
              "self_cpu_memory_usage", "device_memory_usage", "self_device_memory_usage")


def _table(events: EventList, sort_by, row_limit, max_name_column_width, header, top_level_events_only) -> str:
    rows = list(events)
    if top_level_events_only:
        rows = [e for e in rows if getattr(e, "cpu_parent", None) is None]
    if sort_by is not None:
        if sort_by not in _SORT_KEYS:
            raise AttributeError(f"table: sort_by={sort_by!r} is not a column; expected one of {', '.join(_SORT_KEYS)}")
        rows.sort(key=lambda e: getattr(e, sort_by), reverse=True)
    if row_limit is not None and row_limit >= 0:
        rows = rows[:row_limit]
    total = events.self_cpu_time_total
    name_w = min(max([len(e.key) for e in rows] + [4]) + 4, max_name_column_width)
    heads = ["Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg"]
    if events._profile_memory:
        heads += ["CPU Mem", "Self CPU Mem"]
    heads += ["# of Calls"]
    shapes = events._with_shapes
    shape_w = max([len(str(e.input_shapes)) for e in rows] + [12]) + 2 if shapes else 0
    widths = [name_w] + [12] * len(heads) + ([shape_w] if shapes else [])
    line = "  ".join("-" * w for w in widths) + "  "

    def fmt(cells):
        return "  ".join(c.rjust(w) for c, w in zip(cells, widths)) + "  "

    def pct(x):
        return f"{100.0 * x / total:.2f}%" if total else "0.00%"

    out = [] if header is None else [header]
    out += [line, fmt(["Name"] + heads + (["Input Shapes"] if shapes else [])), line]
    for e in rows:
        name = e.key if len(e.key) <= name_w else e.key[:name_w - 3] + "..."
        cells = [name, pct(e.self_cpu_time_total), format_time(e.self_cpu_time_total), pct(e.cpu_time_total),
                 format_time(e.cpu_time_total), format_time(e.cpu_time)]
        if events._profile_memory:
            cells += [format_memory(e.cpu_memory_usage), format_memory(e.self_cpu_memory_usage)]
        cells.append(str(e.count))
        if shapes:
            cells.append(str(e.input_shapes))
        out.append(fmt(cells))
    out += [line, f"Self CPU time total: {format_time(total)}", ""]
    return "\n".join(out)


def chrome_trace(events) -> dict:
    """The events as Chrome's trace format: one complete (``"ph": "X"``) event each, ``ts``/``dur`` in
    microseconds from the first event, ``tid`` the thread. chrome://tracing and https://ui.perfetto.dev open it."""
    evs = [e for e in events if isinstance(e, FunctionEvent)]
    t0 = min((e.start_ns for e in evs), default=0)
    cats = {"op": "cpu_op", "backward": "autograd_node", "user": "user_annotation"}
    trace = []
    for e in evs:
        args = {"Input Shapes": e.input_shapes} if e.input_shapes else {}
        if e.self_cpu_memory_usage or e.self_device_memory_usage:
            args["Output Bytes"] = e.self_cpu_memory_usage + e.self_device_memory_usage
        trace.append({"ph": "X", "cat": cats.get(e.kind, e.kind), "name": e.name, "pid": os.getpid(),
                      "tid": e.thread, "ts": (e.start_ns - t0) / 1e3, "dur": (e.end_ns - e.start_ns) / 1e3,
                      "args": args})
    return {"traceEvents": trace, "displayTimeUnit": "ms"}


def export_chrome_trace(events, path) -> None:
    """Write :func:`chrome_trace` to ``path`` atomically: into a temporary file beside it, then renamed over it,
    so a reader never sees half a file and an error leaves an older trace as it was."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"export_chrome_trace: cannot write {path!r}: the folder {folder!r} does not exist")
    text = json.dumps(chrome_trace(events))
    fd, tmp = tempfile.mkstemp(prefix=".trace-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
