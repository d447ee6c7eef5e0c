"""Batch slices shared among CPU threads (:mod:`minigan.kernels.threads`): every slice is done once, the
results come back in slice order, BLAS is held to one thread meanwhile and given back its count after,
and the fast convolutions give the same numbers, bit for bit, on one thread or several."""
import os
import select
import signal
import threading

import numpy as np
import pytest

from minigan.kernels import fast, naive, threads

from .test_naive_vs_im2col import _conv_arrays

needs_openblas = pytest.mark.skipif(
    threads._openblas() is None,
    reason="NumPy's BLAS is not an OpenBLAS whose thread count can be set here: slices run on one thread")


@pytest.fixture
def three_threads(monkeypatch):
    monkeypatch.setattr(threads, "CPU_THREADS", 3)


def test_one_thread_runs_every_slice_in_turn_on_the_caller(monkeypatch):
    monkeypatch.setattr(threads, "CPU_THREADS", 1)
    seen = []
    out = threads.run_slices([slice(i, i + 1) for i in range(5)],
                             lambda b: seen.append((b.start, threading.get_ident())) or b.start * 10)
    assert out == [0, 10, 20, 30, 40]
    assert [s for s, _ in seen] == [0, 1, 2, 3, 4]
    assert {t for _, t in seen} == {threading.get_ident()}


@needs_openblas
def test_slices_are_shared_among_threads_and_come_back_in_order(three_threads):
    lock, seen = threading.Lock(), {}

    def body(b):
        with lock:
            seen[b.start] = (threading.get_ident(), threads._openblas().get())
        return b.start * 10

    before = threads._openblas().get()
    out = threads.run_slices([slice(i, i + 1) for i in range(7)], body)
    assert out == [0, 10, 20, 30, 40, 50, 60]
    assert sorted(seen) == list(range(7))                               # each slice exactly once
    for share in ([0, 1], [2, 3], [4, 5, 6]):                           # three runs of neighbouring slices
        assert len({seen[i][0] for i in share}) == 1
    assert {seen[i][0] for i in (0, 1)} == {threading.get_ident()}     # the caller does the first
    assert seen[2][0] != threading.get_ident()                          # and another thread the next
    assert {blas for _, blas in seen.values()} == {1}                   # BLAS on one thread meanwhile
    assert threads._openblas().get() == before                          # and its count given back


@needs_openblas
def test_an_error_in_a_slice_reaches_the_caller_and_leaves_nothing_behind(three_threads):
    before = threads._openblas().get()

    def body(b):
        if b.start == 4:
            raise ValueError("slice 4 failed")
        return b.start

    with pytest.raises(ValueError, match="slice 4 failed"):
        threads.run_slices([slice(i, i + 1) for i in range(6)], body)
    assert threads._openblas().get() == before
    idents = threads.run_slices([slice(i, i + 1) for i in range(6)], lambda b: threading.get_ident())
    assert idents[0] == threading.get_ident() != idents[2]               # the next call spreads again


@needs_openblas
def test_a_call_inside_a_slice_runs_on_its_own_thread(three_threads):
    """Only one call spreads its slices at a time; one made meanwhile runs its slices in turn."""
    def body(b):
        me = threading.get_ident()
        inner = threads.run_slices([slice(j, j + 1) for j in range(4)], lambda c: threading.get_ident())
        assert inner == [me] * 4
        return b.start

    assert threads.run_slices([slice(i, i + 1) for i in range(3)], body) == [0, 1, 2]


def test_slice_count_is_a_multiple_of_the_threads(monkeypatch):
    monkeypatch.setattr(fast, "CPU_CHUNK_BYTES", 21 * 100)
    monkeypatch.setattr(fast, "CPU_MIN_ROWS", 1)
    sizes = [b.stop - b.start for b in fast._batch_slices(np, 64, 100, rows_per_sample=1, threads=2)]
    assert sizes == [16, 16, 16, 16]                                    # not 21, 21, 22
    assert len(fast._batch_slices(np, 64, 100, rows_per_sample=1, threads=3)) == 3
    assert len(fast._batch_slices(np, 50, 100, rows_per_sample=1, threads=4)) == 4
    # a batch that fits one slice is not cut just to be shared: the threads' start costs more than it saves
    assert len(fast._batch_slices(np, 30, 100, rows_per_sample=1, threads=2)) == 1
    # ... unless it is to be spread (each core then multiplies the columns it copied) and there is enough of it
    monkeypatch.setattr(fast, "CPU_SPREAD_BYTES", 3000)
    assert [b.stop - b.start for b in fast._batch_slices(np, 30, 100, 1, threads=2, spread=True)] == [15, 15]
    assert len(fast._batch_slices(np, 29, 100, rows_per_sample=1, threads=2, spread=True)) == 1
    assert len(fast._batch_slices(np, 30, 100, rows_per_sample=1, threads=1, spread=True)) == 1
    monkeypatch.setattr(fast, "CPU_CHUNK_BYTES", 100)
    assert len(fast._batch_slices(np, 3, 100, rows_per_sample=1, threads=4)) == 3   # never more than samples


@pytest.mark.parametrize("case", [
    (7, 3, 4, (7, 6), (3, 3), (2, 1), (1, 1), (1, 1), 1),
    (6, 4, 6, (8, 8), (4, 4), (2, 2), (1, 1), (1, 1), 2),
], ids=["odd", "groups"])
@pytest.mark.parametrize("thin", [-1, 1 << 30], ids=["channels_last", "channels_first"])
@pytest.mark.parametrize("stored", ["contiguous", "stored_channels_last"])
@pytest.mark.parametrize("slicing", ["a_sample_a_slice", "one_slice_spread"])
def test_fast_convolutions_are_the_same_on_one_thread_or_three(rng, monkeypatch, case, thin, stored, slicing):
    """Tiny slices on three threads (one sample a slice, or the batch in one slice that the kernels asking to
    spread it cut among the threads), down either of fast's paths and with inputs in either layout (fast's own
    outputs are stored channels last): the naive result, and where the slices are the same on one thread, the
    very same bits as there, since the weight gradient's slices are summed in slice order whichever thread
    made them. (A spread batch is one slice on one thread: its sums are cut otherwise, so only close.)"""
    x, w, gy, (s, p, d, g) = _conv_arrays(rng, case)
    if stored != "contiguous":
        x, gy = (np.ascontiguousarray(a.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2) for a in (x, gy))
    monkeypatch.setattr(fast, "THIN_CHANNELS", thin)
    monkeypatch.setattr(fast, "CPU_CHUNK_BYTES", 1 if slicing == "a_sample_a_slice" else 1 << 40)
    monkeypatch.setattr(fast, "CPU_SPREAD_BYTES", 0)
    monkeypatch.setattr(fast, "CPU_MIN_ROWS", 1)
    results = {}
    for n_threads in (1, 3):
        monkeypatch.setattr(threads, "CPU_THREADS", n_threads)
        results[n_threads] = (fast.conv2d(x, w, s, p, d, g), fast.conv2d_grad_input(gy, w, x.shape, s, p, d, g),
                              fast.conv2d_grad_weight(x, gy, w.shape, s, p, d, g),
                              # a transposed convolution's backward, x playing its gy: both from one unfold
                              *fast.conv_transpose2d_backward(x, gy, w, s, p, d, g),
                              # the weight gradient from the columns the forward kept (where it keeps any)
                              fast.conv2d_grad_weight(x, gy, w.shape, s, p, d, g,
                                                      columns=fast.conv2d_keeping_columns(x, w, s, p, d, g)[1]))
    expected = (naive.conv2d(x, w, s, p, d, g), naive.conv2d_grad_input(gy, w, x.shape, s, p, d, g),
                naive.conv2d_grad_weight(x, gy, w.shape, s, p, d, g))
    expected += (expected[0], expected[2], expected[2])
    for one, three, want in zip(results[1], results[3], expected):
        np.testing.assert_allclose(three, want, rtol=1e-12, atol=1e-12)
        if slicing == "a_sample_a_slice":
            np.testing.assert_array_equal(three, one)
    again = fast.conv2d_grad_weight(x, gy, w.shape, s, p, d, g)        # three threads, the same slices
    np.testing.assert_array_equal(again, results[3][2])
    np.testing.assert_array_equal(fast.conv_transpose2d_backward(x, gy, w, s, p, d, g)[1], results[3][4])


@needs_openblas
def test_spinning_blas_threads_are_stopped_or_the_slices_run_in_turn(monkeypatch, three_threads):
    """OpenBLAS's own threads spin after each product unless told to sleep at once (OPENBLAS_THREAD_TIMEOUT,
    which importing minigan before NumPy sets): then they are stopped before the slices start, where no
    other thread could be using BLAS, and otherwise the slices run in turn on the caller, BLAS untouched."""
    blas = threads._openblas()
    stopped = []
    monkeypatch.setattr(blas, "shutdown", lambda: stopped.append(True))
    slices = [slice(i, i + 1) for i in range(4)]

    def idents():
        return set(threads.run_slices(slices, lambda b: threading.get_ident()))

    monkeypatch.setattr(blas, "quiet", True)                         # they sleep: nothing to stop
    assert threads.slice_threads() == 3 and len(idents()) > 1 and stopped == []
    monkeypatch.setattr(blas, "quiet", False)
    monkeypatch.setattr(threads, "_alone", lambda: True)             # they spin, and may be stopped
    assert threads.slice_threads() == 3 and len(idents()) > 1 and stopped == [True]
    monkeypatch.setattr(threads, "_alone", lambda: False)            # another thread might be in a product
    before = blas.get()
    seen = threads.run_slices(slices, lambda b: (threading.get_ident(), blas.get()))
    assert threads.slice_threads() == 1 and stopped == [True]
    assert seen == [(threading.get_ident(), before)] * 4


def test_other_python_threads_make_the_caller_not_alone():
    assert threads._alone()                                          # pytest runs the tests on one thread
    done = threading.Event()
    other = threading.Thread(target=done.wait, name="a user's thread")
    other.start()
    try:
        assert not threads._alone()
    finally:
        done.set()
        other.join()
    assert threads._alone()


@needs_openblas
@pytest.mark.skipif(not hasattr(os, "fork"), reason="this platform has no os.fork")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")      # Python 3.12+ warns on fork() beside threads
def test_a_forked_child_spreads_its_slices_on_workers_of_its_own(three_threads):
    """A child made by fork has none of its parent's worker threads: it starts its own rather than waiting
    forever for the parent's."""
    threads.run_slices([slice(i, i + 1) for i in range(3)], lambda b: b)            # the parent's workers start
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:                                                     # the child: report, and leave at once
        try:
            out = threads.run_slices([slice(i, i + 1) for i in range(6)], lambda b: (b.start, threading.get_ident()))
            ok = [s for s, _ in out] == list(range(6)) and len({t for _, t in out}) == 3
            os.write(write, b"ok" if ok else b"wrong")
        finally:
            os._exit(0)
    os.close(write)
    try:
        ready, _, _ = select.select([read], [], [], 60)
        answer = os.read(read, 16) if ready else b"no answer within 60 s"
    finally:
        if not ready:
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(read)
    assert answer == b"ok"
