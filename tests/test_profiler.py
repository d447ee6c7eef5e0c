"""mg.profiler: which events a training step leaves (names, counts, parents), key_averages, the table, the Chrome
trace, schedules, and that nothing is recorded outside a profiler. Structure only: no timing assertions."""
import json
import os
import threading
from collections import Counter

import minigan as mg
import minigan.nn as nn
import pytest
from minigan import profiler_hook

P = mg.profiler


def mlp_step(record_region=False):
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    x = mg.randn(3, 4)
    with P.profile(record_shapes=True, profile_memory=True) as prof:
        if record_region:
            with P.record_function("step"):
                loss = (model(x) ** 2).mean()
                loss.backward()
        else:
            loss = (model(x) ** 2).mean()
            loss.backward()
    return prof, loss


def graph_names(t):
    """The backward node names of the graph behind ``t``, each node once (walked with grad_fn)."""
    seen, names, stack = set(), Counter(), [t.grad_fn]
    while stack:
        fn = stack.pop()
        if fn is None or fn.name() == "AccumulateGrad" or fn in seen:
            continue
        seen.add(fn)
        names[fn.name()] += 1
        stack += [f for f, _ in fn.next_functions]
    return names


def inside_backward(e):
    while e.cpu_parent is not None:
        e = e.cpu_parent
        if e.kind == "backward":
            return True
    return False


def test_mlp_step_names_and_counts():
    prof, loss = mlp_step()
    events = prof.events()
    forward = Counter(e.name for e in events if e.kind == "op" and not inside_backward(e))
    backward = Counter(e.name for e in events if e.kind == "backward")
    assert forward["MatMul"] == 2 and forward["Add"] == 2 and forward["ReLU"] == 1      # two Linear layers
    # one backward event per node of the graph, named as grad_fn names it
    assert backward == graph_names(loss)
    assert backward["MatMulBackward0"] == 2 and backward["AddBackward0"] == 2 and backward["ReLUBackward0"] == 1
    # every recorded forward op is one node of the graph (everything here requires grad)
    assert Counter(n + "Backward0" for n in forward.elements()) == backward
    # the backward pass comes after the forward: the first backward node starts after the last forward op ends
    last_fwd = max(e.end_ns for e in events if e.kind == "op" and not inside_backward(e))
    assert last_fwd <= min(e.start_ns for e in events if e.kind == "backward")


def test_conv_step_names_follow_the_graph():
    mg.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 3, 3, stride=2, padding=1), nn.LeakyReLU(0.2),
                          nn.ConvTranspose2d(3, 1, 4, stride=2, padding=1), nn.Tanh())
    x = mg.randn(2, 1, 7, 7)
    with P.profile() as prof:
        loss = model(x).mean()
        loss.backward()
    backward = Counter(e.name for e in prof.events() if e.kind == "backward")
    assert backward == graph_names(loss)
    assert backward["Conv2dBackward0"] == 1 and backward["ConvTranspose2dBackward0"] == 1
    forward = [e.name for e in prof.events() if e.kind == "op" and e.cpu_parent is None]
    assert forward[:4] == ["Conv2d", "AddBias", "LeakyReLU", "ConvTranspose2d"]    # in the order they ran


def test_self_time_is_total_less_children_and_children_nest():
    prof, _ = mlp_step(record_region=True)
    events = prof.events()
    assert events
    for e in events:
        assert 0 <= e.self_cpu_time_total <= e.cpu_time_total
        assert e.self_cpu_time_total == pytest.approx(e.cpu_time_total - sum(c.cpu_time_total for c in e.cpu_children))
        for c in e.cpu_children:
            assert c.cpu_parent is e and c.thread == e.thread
            assert e.start_ns <= c.start_ns and c.end_ns <= e.end_ns
        kids = sorted(e.cpu_children, key=lambda c: c.start_ns)
        for a, b in zip(kids, kids[1:]):              # siblings do not overlap
            assert a.end_ns <= b.start_ns
    # a backward node's own ops (its backward is written in minigan ops) are its children
    mul_bw = [e for e in events if e.name == "MulBackward0"]
    assert mul_bw and all(any(c.name == "Mul" for c in e.cpu_children) for e in mul_bw)
    avg = {a.key: a for a in prof.key_averages()}
    assert all(a.self_cpu_time_total <= a.cpu_time_total + 1e-9 for a in avg.values())


def test_record_function_nesting_and_decorator():
    x = mg.randn(3, requires_grad=True)

    @P.record_function("helper")
    def helper(t):
        return t * 2

    with P.profile() as prof:
        with P.record_function("outer"):
            with P.record_function("inner"):
                y = helper(x).sum()
            y.backward()
    by_name = {e.name: e for e in prof.events()}
    assert by_name["outer"].cpu_parent is None
    assert by_name["inner"].cpu_parent is by_name["outer"]
    assert by_name["helper"].cpu_parent is by_name["inner"] and by_name["helper"].kind == "user"
    assert [c.name for c in by_name["helper"].cpu_children] == ["Mul"]
    assert by_name["Sum"].cpu_parent is by_name["inner"]
    assert by_name["SumBackward0"].cpu_parent is by_name["outer"]
    assert Counter(e.name for e in prof.events()) == Counter(
        ["outer", "inner", "helper", "Mul", "Sum", "SumBackward0", "Reshape", "BroadcastTo", "MulBackward0", "Mul"])
    helper(x)                                                  # outside a profiler the region does nothing
    with P.profile() as empty:
        pass
    assert list(empty.events()) == [] and profiler_hook.recorder is None
    with pytest.raises(TypeError, match="record_function: name must be a str"):
        P.record_function(3)


def test_key_averages_and_grouping_by_input_shape():
    a, b = nn.Linear(4, 8), nn.Linear(8, 2)
    x = mg.randn(5, 4)
    with mg.no_grad(), P.profile(record_shapes=True) as prof:
        b(a(x))
        b(a(x[:3]))
    avg = {e.key: e for e in prof.key_averages()}
    assert avg["MatMul"].count == 4 and avg["MatMul"].input_shapes is None
    assert avg["MatMul"].cpu_time == pytest.approx(avg["MatMul"].cpu_time_total / 4)
    grouped = [e for e in prof.key_averages(group_by_input_shape=True) if e.key == "MatMul"]
    assert sorted(map(str, (e.input_shapes for e in grouped))) == sorted(
        ["[[5, 4], [4, 8]]", "[[5, 8], [8, 2]]", "[[3, 4], [4, 8]]", "[[3, 8], [8, 2]]"])
    assert all(e.count == 1 for e in grouped)
    assert sum(e.cpu_time_total for e in grouped) == pytest.approx(avg["MatMul"].cpu_time_total)


def test_table_columns_sort_and_row_limit():
    prof, _ = mlp_step()
    avgs = prof.key_averages()
    text = avgs.table(sort_by="self_cpu_time_total", row_limit=5)
    lines = text.splitlines()
    for col in ("Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg", "# of Calls",
                "CPU Mem", "Self CPU Mem"):
        assert col in lines[1]
    rows = [ln for ln in lines[3:] if ln and not ln.startswith("-") and not ln.startswith("Self CPU time total")]
    assert len(rows) == 5
    expected = [e.key for e in sorted(avgs, key=lambda e: e.self_cpu_time_total, reverse=True)[:5]]
    assert [r.split()[0] for r in rows] == expected
    assert lines[-1].startswith("Self CPU time total: ") and lines[-2] == lines[0]
    by_calls = avgs.table(sort_by="count", row_limit=1).splitlines()[3].split()
    assert by_calls[0] == max(avgs, key=lambda e: e.count).key and by_calls[-1] == str(max(e.count for e in avgs))
    assert len(avgs.table(row_limit=-1).splitlines()) == len(avgs) + 5     # 3 header lines, a rule, the total
    shaped = prof.key_averages(group_by_input_shape=True).table(row_limit=3)
    assert "Input Shapes" in shaped.splitlines()[1]
    with pytest.raises(AttributeError, match="sort_by='nope' is not a column"):
        avgs.table(sort_by="nope")


def test_chrome_trace_is_json_written_atomically(tmp_path, monkeypatch):
    prof, _ = mlp_step(record_region=True)
    path = tmp_path / "trace.json"
    path.write_text("old")
    prof.export_chrome_trace(str(path))
    trace = json.loads(path.read_text())
    xs = [e for e in trace["traceEvents"] if e["ph"] == "X"]
    assert len(xs) == len(prof.events())
    assert Counter(e["name"] for e in xs) == Counter(e.name for e in prof.events())
    assert all(e["dur"] >= 0 and e["ts"] >= 0 for e in xs)
    step = next(e for e in xs if e["name"] == "step")
    assert all(step["ts"] <= e["ts"] and e["ts"] + e["dur"] <= step["ts"] + step["dur"] + 1e-6 for e in xs)
    assert os.listdir(tmp_path) == ["trace.json"]                     # no temporary file left behind

    def fail(src, dst):
        raise OSError("disk full")
    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        prof.export_chrome_trace(path)
    monkeypatch.undo()
    assert json.loads(path.read_text()) == trace and os.listdir(tmp_path) == ["trace.json"]
    missing = tmp_path / "no_such_folder" / "t.json"
    with pytest.raises(FileNotFoundError, match="no_such_folder"):
        prof.export_chrome_trace(missing)


def test_nothing_recorded_outside_and_stops_on_exception():
    x = mg.randn(3, requires_grad=True)
    assert profiler_hook.recorder is None
    (x * 2).sum().backward()
    with pytest.raises(ValueError, match="boom"):
        with P.profile() as prof:
            x * 3
            raise ValueError("boom")
    assert profiler_hook.recorder is None
    (x * 4).sum().backward()                                    # after exit: not recorded
    assert [e.name for e in prof.events()] == ["Mul"]


def test_an_op_that_raises_leaves_no_event():
    a, b = mg.randn(2, 3), mg.randn(4, 5)
    with P.profile() as prof:
        with P.record_function("region"):
            with pytest.raises(Exception):
                a @ b
            c = a + 1
    assert [e.name for e in prof.events()] == ["region", "Add"]
    assert prof.events()[1].cpu_parent is prof.events()[0]
    assert c.shape == (2, 3)


def test_nested_profilers_are_refused():
    with P.profile() as outer:
        with pytest.raises(RuntimeError, match="already active"):
            with P.profile():
                pass
        mg.randn(2) * 2
    assert [e.name for e in outer.events()] == ["Mul"]
    with P.profile() as again:                    # the refused one left nothing behind
        mg.randn(2) + 1
    assert [e.name for e in again.events()] == ["Add"]


def test_events_from_another_thread_keep_their_own_tree():
    def work():
        with P.record_function("worker"):
            mg.randn(2) * 2
    with P.profile() as prof:
        with P.record_function("main"):
            t = threading.Thread(target=work)
            t.start()
            t.join()
    by = {e.name: e for e in prof.events()}
    assert by["worker"].thread != by["main"].thread
    assert by["worker"].cpu_parent is None and by["Mul"].cpu_parent is by["worker"]


def test_schedule_records_only_active_steps():
    assert [P.schedule(wait=1, warmup=1, active=2, repeat=1)(i).name for i in range(6)] == [
        "NONE", "WARMUP", "RECORD", "RECORD_AND_SAVE", "NONE", "NONE"]
    ready = []
    sched = P.schedule(wait=1, warmup=1, active=2, repeat=2, skip_first=1)
    with P.profile(schedule=sched, on_trace_ready=lambda p: ready.append(
            [e.name for e in p.events() if e.kind == "user"])) as prof:
        for i in range(12):
            with P.record_function(f"it{i}"):
                mg.randn(2) * 2
            prof.step()
    assert ready == [["it3", "it4"], ["it7", "it8"]]
    with pytest.raises(ValueError, match="active must be >= 1"):
        P.schedule(wait=0, warmup=0, active=0)


def test_activities_memory_and_stack():
    assert P.ProfilerActivity.CPU in P.supported_activities()
    x = mg.randn(4, 5)
    with P.profile(activities=[P.ProfilerActivity.CPU, P.ProfilerActivity.CUDA], profile_memory=True,
                   with_stack=True) as prof:
        y = x.float() * 2.0
    (e,) = prof.events()
    assert e.self_cpu_memory_usage == y.data.nbytes == 80
    assert any(os.path.basename(__file__) in line for line in e.stack)
    assert not any(os.sep + "minigan" + os.sep in line for line in e.stack)
    with pytest.raises(TypeError, match="ProfilerActivity"):
        P.profile(activities=["CPU"])
