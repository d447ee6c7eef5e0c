"""``minigan bench``: every implementation's step on a layer is run, checked against im2col and reported.

Nothing here asserts a time: the rows' results are checked, and the timings only exist."""
import pytest

from minigan import bench, cli
from minigan.bench import Layer


def _by_impl(rows):
    return {(r["impl"], r["device"]): r for r in rows}


@pytest.mark.parametrize("layer", [
    bench.LAYERS["tiny"],                                               # conv2d: stride 2, padding 1
    Layer("conv2d", 1, 3, 5, 7, 3, 1, 0),                               # batch 1, odd sizes, no padding
    Layer("conv_transpose2d", 2, 3, 4, 5, 4, 2, 1, 1),                  # with output_padding
    Layer("conv_transpose2d", 3, 2, 1, 6, 3, 1, 2),                     # one output channel, padding 2
])
def test_every_cpu_implementation_runs_and_agrees_with_im2col(layer):
    rows = _by_impl(bench.compare(layer, ["cpu"], quick=True))
    assert set(rows) == {("naive", "cpu"), ("im2col", "cpu"), ("fast", "cpu")}
    for row in rows.values():
        assert row["note"] == ""
        assert row["ms"] > 0 and row["gflops"] > 0
        assert row["max_rel_err"] < 1e-5, row
    assert rows[("im2col", "cpu")]["max_rel_err"] == 0 and rows[("im2col", "cpu")]["speedup"] == 1


def test_naive_loops_are_skipped_on_a_large_layer_saying_why():
    layer = Layer("conv2d", 8, 2, 3, 16, 3, 1, 1)                      # 3 * 8 * 256 * 9 = 55,296 loop bodies
    assert bench.problem(layer)["loops"] == 55_296 > bench.NAIVE_MAX_LOOPS
    rows = _by_impl(bench.compare(layer, ["cpu"], quick=True))
    naive = rows[("naive", "cpu")]
    assert naive["ms"] is None and naive["max_rel_err"] is None
    assert naive["note"].startswith("skipped: 55,296 Python loop iterations")
    assert rows[("fast", "cpu")]["ms"] > 0


def test_the_gpu_columns_agree_with_the_cpu(cuda_device):
    rows = _by_impl(bench.compare(bench.LAYERS["tiny"], ["cpu", cuda_device], quick=True))
    for impl in ("im2col", "cuda"):
        assert rows[(impl, cuda_device)]["max_rel_err"] < 1e-4


def test_flops_count_three_products_of_the_layer():
    prob = bench.problem(bench.LAYERS["d28.2"])
    assert prob["y_shape"] == (64, 128, 7, 7)
    assert prob["flops"] == 3 * 2 * 64 * 128 * 16 * (64 * 7 * 7)
    prob = bench.problem(bench.LAYERS["g28.3"])
    assert prob["y_shape"] == (64, 64, 14, 14)
    assert prob["flops"] == 3 * 2 * 128 * 64 * 16 * (64 * 7 * 7)


@pytest.mark.parametrize("kwargs, message", [
    (dict(layer="d99"), "unknown layer 'd99'; choose one of tiny, d28.1"),
    (dict(layer="tiny", batch=0), "--batch must be at least 1, got 0"),
    (dict(layer="tiny", repeat=0), "--repeat must be at least 1, got 0"),
])
def test_bad_arguments_say_what_is_wrong(kwargs, message):
    with pytest.raises(ValueError, match=message):
        bench.run(**kwargs)


def test_the_command_prints_a_row_per_implementation(capsys):
    assert cli.main(["bench", "--layer", "tiny", "--batch", "1", "--quick", "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert "tiny: conv2d (1, 4, 8, 8) -> (1, 8, 4, 4)" in out
    for impl in ("naive", "im2col", "fast"):
        assert any(line.split()[:2] == [impl, "cpu"] for line in out.splitlines()), out


def test_the_command_lists_the_layers(capsys):
    assert cli.main(["bench", "--list"]) == 0
    out = capsys.readouterr().out
    for name in bench.LAYERS:
        assert name in out


def test_a_bad_layer_is_one_line_and_a_non_zero_exit(capsys):
    assert cli.main(["bench", "--layer", "nope"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("minigan bench: error: unknown layer 'nope'")
