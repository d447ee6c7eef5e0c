"""Calculus on samples (trapezoid, trapz, cumulative_trapezoid, gradient), window functions and histograms
(histogram, histogramdd): values, dtypes and shapes as PyTorch's, float64 gradchecks of the differentiable ones on
every device, and the errors for bad input."""
import numpy as np
import pytest

import minigan as mg

from helpers import check_grad, compare_with_torch, host, randn


# ----------------------------------------------------------------- trapezoid, trapz, cumulative_trapezoid
X5 = np.array([0.0, 1.0, 1.5, 3.5, 4.25])
TRAPEZOID_CASES = [  # (y shape, x: None | "1d" | shape, dx, dim)
    ((3, 5), None, None, -1), ((3, 5), None, 2.5, 1), ((5, 2), None, None, 0), ((3, 5), "1d", None, -1),
    ((5, 1, 3), "1d", None, 0), ((2, 5), (2, 5), None, 1), ((4, 5), (1, 5), None, -1), ((1, 5), None, 0.5, -1),
    ((5,), "1d", None, 0)]


def _x(spec, mod, y_shape, dim):
    if spec is None:
        return None
    if spec == "1d":
        return mod.tensor(X5[:y_shape[dim]])
    return mod.tensor(np.cumsum(np.abs(randn(*spec, seed=5)) + 0.2, axis=dim))


@pytest.mark.parametrize("name", ["trapezoid", "cumulative_trapezoid", "trapz"])
@pytest.mark.parametrize("case", TRAPEZOID_CASES)
def test_trapezoid_family_matches_torch(torch, name, case):
    shape, spec, dx, dim = case
    if name == "trapz" and dx is not None:
        ours = lambda y: mg.trapz(y, dx=dx, dim=dim)  # noqa: E731
        theirs = lambda y: torch.trapz(y, dx=dx, dim=dim)  # noqa: E731
    else:
        ours = lambda y: getattr(mg, name)(y, _x(spec, mg, shape, dim), dx=dx, dim=dim)  # noqa: E731
        kw = {"dx": dx} if dx is not None else {} if spec is None else {"x": _x(spec, torch, shape, dim)}
        theirs = lambda y: getattr(torch, name)(y, dim=dim, **kw)  # noqa: E731
    compare_with_torch(torch, ours, theirs, [randn(*shape, seed=1)])


def test_trapezoid_gradient_reaches_the_sample_places_too(torch):
    compare_with_torch(torch, lambda y, x: mg.trapezoid(y, x, dim=0), lambda y, x: torch.trapezoid(y, x, dim=0),
                       [randn(5, 3, seed=2), X5])
    compare_with_torch(torch, lambda y, x: mg.cumulative_trapezoid(y, x), lambda y, x: torch.cumulative_trapezoid(y, x),
                       [randn(2, 5, seed=3), X5])


def test_trapezoid_family_gradcheck(device):
    x = mg.tensor(X5, device=device)
    check_grad(lambda y: mg.trapezoid(y, x, dim=0), randn(5, 1, 3, seed=4), device=device)
    check_grad(lambda y, s: mg.cumulative_trapezoid(y, s, dim=-1), randn(3, 5, seed=5), X5, device=device)
    check_grad(lambda y: mg.trapz(y, dx=0.3, dim=-2) * 2, randn(4, 2, seed=6), device=device)


def test_trapezoid_dtypes_and_short_inputs_as_torch(torch):
    ints = np.arange(6).reshape(2, 3)
    for name in ("trapezoid", "cumulative_trapezoid"):
        ours, theirs = getattr(mg, name)(mg.tensor(ints)), getattr(torch, name)(torch.tensor(ints))
        assert ours.dtype == np.float32 and str(theirs.dtype) == "torch.float32"
        np.testing.assert_allclose(ours.numpy(), theirs.numpy())
    mixed = mg.trapezoid(mg.tensor(np.ones(3, np.float32)), mg.tensor(np.arange(3.0)))
    assert mixed.dtype == np.float64 and mixed.item() == 2.0
    for shape in [(2, 0), (2, 1)]:
        for name in ("trapezoid", "cumulative_trapezoid"):
            ours, theirs = getattr(mg, name)(mg.zeros(*shape)), getattr(torch, name)(torch.zeros(*shape))
            assert ours.shape == tuple(theirs.shape)
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_trapezoid_errors():
    with pytest.raises(IndexError, match="trapezoid.*no dimensions"):
        mg.trapezoid(mg.tensor(1.0))
    with pytest.raises(ValueError, match="trapezoid: There must be one `x` value for each sample point"):
        mg.trapezoid(mg.ones(3), mg.ones(2))
    with pytest.raises(IndexError, match="cumulative_trapezoid.*out of range"):
        mg.cumulative_trapezoid(mg.ones(3), dim=2)
    with pytest.raises(TypeError, match="trapezoid: give x or dx, not both"):
        mg.trapezoid(mg.ones(3), mg.ones(3), dx=1.0)


# ----------------------------------------------------------------- gradient
GRADIENT_CASES = [  # (shape, spacing: None | number | "coords" | "numbers", dim, edge_order)
    ((3, 5), None, None, 1), ((3, 5), 2.0, None, 2), ((6,), "coords", None, 1), ((6,), "coords", None, 2),
    ((3, 5), "coords", None, 2), ((4, 3, 5), "numbers", (0, -1), 1), ((3, 5), "coords", 1, 1),
    ((2, 5), 0.5, -1, 1), ((3, 1, 4), None, (0, 2), 2)]


def _spacing(mod, spec, shape, dims):
    if spec is None or isinstance(spec, float):
        return {} if spec is None else {"spacing": spec}
    sizes = [shape[d] for d in dims]
    if spec == "numbers":
        return {"spacing": [0.5 + d for d in range(len(dims))]}
    coords = [np.cumsum(np.abs(randn(n, seed=7 + n)) + 0.3) for n in sizes]
    return {"spacing": [mod.tensor(c) for c in coords]}


@pytest.mark.parametrize("case", GRADIENT_CASES)
def test_gradient_matches_torch(torch, case):
    shape, spec, dim, order = case
    dims = range(len(shape)) if dim is None else ([dim] if isinstance(dim, int) else dim)
    dims = [d % len(shape) for d in dims]
    kw = {"dim": dim} if dim is not None else {}
    mine, theirs = _spacing(mg, spec, shape, dims), _spacing(torch, spec, shape, dims)
    outs = mg.gradient(mg.tensor(randn(*shape, seed=8)), edge_order=order, **kw, **mine)
    assert isinstance(outs, tuple) and len(outs) == len(dims)
    for k in range(len(dims)):
        compare_with_torch(torch, lambda y: mg.gradient(y, edge_order=order, **kw, **mine)[k],
                           lambda y: torch.gradient(y, edge_order=order, **kw, **theirs)[k], [randn(*shape, seed=8)])


def test_gradient_gradcheck_in_samples_and_coordinates(device):
    coords = np.array([0.0, 0.4, 1.5, 1.9, 3.0])
    for order in (1, 2):
        check_grad(lambda y, c: mg.gradient(y, spacing=[c], dim=1, edge_order=order)[0] ** 2,
                   randn(2, 5, seed=9), coords, device=device)
        check_grad(lambda y: sum(g.sum() * (k + 1) for k, g in enumerate(mg.gradient(y, spacing=1.5,
                                                                                   edge_order=order))),
                   randn(3, 4, seed=10), device=device)


def test_gradient_dtypes_and_0d_as_torch(torch):
    ours, theirs = mg.gradient(mg.tensor(np.arange(6).reshape(2, 3))), torch.gradient(torch.arange(6).reshape(2, 3))
    assert [g.dtype for g in ours] == [np.float32] * 2
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert mg.gradient(mg.tensor(1.0)) == () == torch.gradient(torch.tensor(1.0))


def test_gradient_errors():
    with pytest.raises(ValueError, match="torch.gradient only supports edge_order=1 and edge_order=2"):
        mg.gradient(mg.ones(3, 4), edge_order=3)
    with pytest.raises(ValueError, match="each dimension size to be at least edge_order\\+1"):
        mg.gradient(mg.ones(2, 3), edge_order=2)
    with pytest.raises(ValueError, match="list of length equal to 'self.dim\\(\\) = 2'.*length 3"):
        mg.gradient(mg.ones(2, 3), spacing=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="spacing argument of length 2 and a dim argument of length 1"):
        mg.gradient(mg.ones(2, 3), spacing=[1.0, 2.0], dim=1)
    with pytest.raises(ValueError, match="each element of spacing to have one dimension"):
        mg.gradient(mg.ones(2, 3), spacing=[mg.tensor(2.0), mg.tensor(3.0)])
    with pytest.raises(ValueError, match="dim 0 appears multiple times"):
        mg.gradient(mg.ones(2, 3), dim=(0, 0))
    with pytest.raises(ValueError, match="as many elements as input's dim 1 \\(3\\), but got 2"):
        mg.gradient(mg.ones(2, 3), spacing=[mg.ones(2)], dim=1)


# ----------------------------------------------------------------- windows
WINDOWS = ["hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window"]


@pytest.mark.parametrize("name", WINDOWS)
@pytest.mark.parametrize("length", [0, 1, 2, 5, 8])
@pytest.mark.parametrize("periodic", [True, False])
def test_windows_match_torch(torch, device, name, length, periodic):
    ours, theirs = getattr(mg, name)(length, periodic, device=device), getattr(torch, name)(length, periodic)
    assert ours.dtype == np.float32 and ours.shape == tuple(theirs.shape) and ours.device == device
    assert not ours.requires_grad and ours.grad_fn is None
    np.testing.assert_allclose(host(ours), theirs.numpy(), atol=2e-7, rtol=2e-6)  # torch rounds in float32
    ours = getattr(mg, name)(length, periodic, dtype=mg.float64)
    np.testing.assert_allclose(ours.numpy(), getattr(torch, name)(length, periodic, dtype=torch.float64).numpy(),
                               atol=1e-14)


def test_window_extra_parameters_as_torch(torch):
    np.testing.assert_allclose(mg.hamming_window(7, False, 0.5, 0.5).numpy(),
                               torch.hamming_window(7, False, 0.5, 0.5).numpy(), atol=1e-7)
    np.testing.assert_allclose(mg.kaiser_window(9, True, 5.0).numpy(), torch.kaiser_window(9, True, 5.0).numpy(),
                               atol=1e-7)
    np.testing.assert_allclose(mg.kaiser_window(6, beta=0.0).numpy(), np.ones(6))
    assert mg.hann_window(4, requires_grad=True).requires_grad


def test_window_errors():
    with pytest.raises(TypeError, match="hann_window expects floating point dtypes, got: int64"):
        mg.hann_window(5, dtype=mg.int64)
    with pytest.raises(ValueError, match="kaiser_window requires non-negative window_length, got window_length=-1"):
        mg.kaiser_window(-1)
    with pytest.raises(TypeError, match="bartlett_window\\(\\): argument 'window_length' .* must be int, not float"):
        mg.bartlett_window(2.5)


# ----------------------------------------------------------------- histogram, histogramdd
def _same_hist(ours, theirs, atol=0.0):
    np.testing.assert_allclose(ours.hist.numpy(), theirs.hist.numpy(), atol=atol, rtol=1e-6)
    assert ours.hist.dtype == np.dtype(str(theirs.hist.dtype).replace("torch.", ""))
    edges = ours.bin_edges if isinstance(ours.bin_edges, tuple) else (ours.bin_edges,)
    t_edges = theirs.bin_edges if isinstance(theirs.bin_edges, tuple) else (theirs.bin_edges,)
    assert len(edges) == len(t_edges)
    for e, t in zip(edges, t_edges):
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("kw", [dict(bins=7), dict(bins=5, range=(-1.0, 1.0)), dict(bins=6, density=True),
                                dict(bins=[-2.0, -0.5, 0.0, 0.3, 2.0]), dict(bins=4, weight=True, density=True),
                                dict(bins=3, weight=True), dict(bins=2, range=(0.5, 0.5))])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_histogram_matches_torch(torch, kw, dtype):
    a = randn(4, 50, seed=11).astype(dtype)
    w = np.random.default_rng(12).random((4, 50)).astype(dtype)

    def args(mod):
        out = dict(kw)
        if isinstance(kw["bins"], list):
            out["bins"] = mod.tensor(np.array(kw["bins"], dtype=dtype))
        if kw.get("weight"):
            out["weight"] = mod.tensor(w)
        return out
    _same_hist(mg.histogram(mg.tensor(a), **args(mg)), torch.histogram(torch.tensor(a), **args(torch)), atol=1e-7)
    _same_hist(mg.tensor(a).histogram(**args(mg)), torch.tensor(a).histogram(**args(torch)), atol=1e-7)


def test_histogram_edge_data_as_torch(torch):
    for data, bins, rng in [([1.0, 1.0, 1.0], 2, None), ([], 2, None), ([1.0, np.nan, 3.0], 2, (0.0, 4.0)),
                            ([0.0, 1.0, 2.0, 3.0], 3, None), ([-5.0, 0.5, 9.0], 2, (0.0, 1.0))]:
        a = np.array(data, dtype=np.float32)
        _same_hist(mg.histogram(mg.tensor(a), bins, range=rng), torch.histogram(torch.tensor(a), bins, range=rng))


@pytest.mark.parametrize("bins", [2, (2, 3, 4), "edges"])
@pytest.mark.parametrize("weighted", [False, True])
def test_histogramdd_matches_torch(torch, bins, weighted):
    p = randn(5, 7, 3, seed=13)
    w = np.random.default_rng(14).random((5, 7))
    edges = [np.array([-3.0, 0.0, 3.0]), np.array([-1.0, -0.2, 0.4, 2.0]), np.array([-4.0, 4.0])]

    def args(mod):
        b = [mod.tensor(e) for e in edges] if bins == "edges" else bins
        return dict(bins=b, weight=mod.tensor(w) if weighted else None, density=weighted)
    _same_hist(mg.histogramdd(mg.tensor(p), **args(mg)), torch.histogramdd(torch.tensor(p), **args(torch)), 1e-12)
    _same_hist(mg.histogramdd(mg.tensor(p[0]), 3, range=[-1.0, 1.0, 0.0, 2.0, -2.0, 0.0]),
               torch.histogramdd(torch.tensor(p[0]), 3, range=[-1.0, 1.0, 0.0, 2.0, -2.0, 0.0]))


def test_histogram_errors():
    x = mg.tensor([1.0, 2.0, 2.0, 3.0, 7.0, 10.0])
    with pytest.raises(TypeError, match="torch.histogram.*not implemented for int64"):
        mg.histogram(mg.tensor([1, 2]), 3)
    with pytest.raises(ValueError, match="bins must be > 0, but got 0 for dimension 0"):
        mg.histogram(x, 0)
    with pytest.raises(ValueError, match="min should not exceed max, but got min 5 max 1 for dimension 0"):
        mg.histogram(x, 3, range=(5.0, 1.0))
    with pytest.raises(ValueError, match="weight should have the same shape as the input"):
        mg.histogram(x, 3, weight=mg.ones(5))
    with pytest.raises(TypeError, match="same dtype, but got input with dtype float32 and bins .* float64"):
        mg.histogram(x, mg.tensor(np.array([0.0, 2.0, 5.0])))
    with pytest.raises(ValueError, match="bins tensor should have one dimension, but got 2"):
        mg.histogram(x, mg.tensor([[0.0, 2.0], [5.0, 10.0]]))
    with pytest.raises(ValueError, match="range \\[nan, nan\\] is not finite"):
        mg.histogram(mg.tensor([1.0, np.nan]), 2)
    with pytest.raises(ValueError, match="The size of bins must be equal to the innermost dimension"):
        mg.histogramdd(mg.ones(4, 2), [2])
    with pytest.raises(ValueError, match="for a 2-dimensional histogram range should have 4 elements, but got 2"):
        mg.histogramdd(mg.ones(4, 2), [2, 3], range=[0.0, 1.0])
    with pytest.raises(ValueError, match="input tensor should have at least 2 dimensions"):
        mg.histogramdd(mg.ones(3), 2)
