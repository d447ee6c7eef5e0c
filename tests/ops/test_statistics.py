"""Statistics: nansum, nanmean, var_mean, std_mean, quantile, nanquantile, nanmedian, cov, corrcoef (values and
gradients as PyTorch's, gradchecks on awkward shapes), histc and bincount (counts as PyTorch's), and errors that
name the op."""
import warnings

import numpy as np
import pytest

import minigan as mg

from helpers import check_grad, compare_with_torch, distinct, randn, tensors

NAN = np.nan


def _with_nan(*shape, seed=0, share=0.3):
    rng = np.random.default_rng(seed)
    return np.where(rng.random(shape) < share, NAN, rng.standard_normal(shape))


# ----------------------------------------------------------------- nansum and nanmean
@pytest.mark.parametrize("kwargs", [{}, dict(dim=1), dict(dim=(0, 2), keepdim=True), dict(dim=-1, keepdim=True)],
                         ids=str)
@pytest.mark.parametrize("name", ["nansum", "nanmean"])
def test_nansum_nanmean_match_torch(torch, device, name, kwargs):
    a = _with_nan(3, 4, 5, seed=1)
    compare_with_torch(torch, lambda x: getattr(mg, name)(x, **kwargs), lambda x: getattr(torch, name)(x, **kwargs),
                       [a], device=device)


def test_nansum_integers_bools_and_dtype_as_torch(torch):
    a = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.int32)
    for arr in (a, a > 2):
        ours, theirs = mg.nansum(mg.tensor(arr), 1), torch.nansum(torch.tensor(arr), 1)
        assert ours.dtype == np.int64 and ours.tolist() == theirs.tolist()
    ours = mg.tensor(_with_nan(2, 3, seed=2)).nansum(dtype=mg.float32)
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours.numpy(), torch.tensor(_with_nan(2, 3, seed=2)).nansum(dtype=torch.float32))


def test_nan_places_get_no_gradient_and_an_all_nan_slice_has_mean_nan():
    x = mg.tensor(np.array([[1.0, NAN, 3.0], [NAN, NAN, NAN]]), requires_grad=True)
    y = mg.nanmean(x, 1)
    assert y.tolist()[0] == 2.0 and np.isnan(y.tolist()[1])
    y.backward(mg.tensor(np.array([1.0, 1.0])))
    np.testing.assert_array_equal(x.grad.numpy(), [[0.5, 0.0, 0.5], [0.0, 0.0, 0.0]])     # PyTorch: nan in row 2


def test_nansum_nanmean_gradcheck(device):
    check_grad(lambda x: mg.nansum(x, (0, 2)) + mg.nanmean(x, -1).sum(), _with_nan(3, 1, 5, seed=3), device=device)


# ----------------------------------------------------------------- var_mean and std_mean
@pytest.mark.parametrize("args,kwargs", [((), {}), ((1,), {}), ((1, True), {}), ((1, False, True), {}),
                                         ((False,), {}), ((), dict(dim=0, correction=0, keepdim=True)),
                                         ((), dict(dim=(0, 2), correction=2)), ((), dict(unbiased=False))], ids=str)
@pytest.mark.parametrize("name", ["var_mean", "std_mean"])
def test_var_mean_std_mean_match_torch(torch, name, args, kwargs):
    a = randn(3, 4, 5, seed=4)
    ours, theirs = getattr(mg, name)(mg.tensor(a), *args, **kwargs), getattr(torch, name)(torch.tensor(a), *args,
                                                                                           **kwargs)
    assert type(ours) is tuple and len(ours) == 2
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.numpy(), t.numpy(), rtol=1e-12)
    compare_with_torch(torch, lambda x: sum(t * (i + 1) for i, t in enumerate(getattr(mg, name)(x, *args, **kwargs))),
                       lambda x: sum(t * (i + 1) for i, t in enumerate(getattr(torch, name)(x, *args, **kwargs))),
                       [a])


def test_var_mean_gradcheck(device):
    check_grad(lambda x: mg.var_mean(x, -1, keepdim=True)[0] + mg.std_mean(x, 0, correction=0)[1],
               randn(4, 3, seed=5), device=device)


# ----------------------------------------------------------------- quantile and nanquantile
INTERPOLATIONS = ["linear", "lower", "higher", "midpoint", "nearest"]


@pytest.mark.parametrize("interpolation", INTERPOLATIONS)
@pytest.mark.parametrize("dim,keepdim", [(None, False), (None, True), (1, False), (-1, True), (0, False)], ids=str)
@pytest.mark.parametrize("name", ["quantile", "nanquantile"])
def test_quantile_matches_torch(torch, name, interpolation, dim, keepdim):
    a = distinct(3, 6, seed=6)
    q = np.array([0.0, 0.1, 0.25, 0.5, 0.7, 1.0])
    for qq in (0.3, q):
        compare_with_torch(
            torch,
            lambda x: getattr(mg, name)(x, qq if np.isscalar(qq) else mg.tensor(qq), dim, keepdim,
                                        interpolation=interpolation),
            lambda x: getattr(torch, name)(x, qq if np.isscalar(qq) else torch.tensor(qq), dim, keepdim,
                                           interpolation=interpolation), [a])


@pytest.mark.parametrize("interpolation", INTERPOLATIONS)
def test_quantile_positions_halfway_and_ties_as_torch(torch, interpolation):
    a, q = np.arange(6.0), np.array([0.1, 0.3, 0.5, 0.7, 0.9])      # positions 0.5 .. 4.5: halves go to even
    ours = mg.quantile(mg.tensor(a), mg.tensor(q), interpolation=interpolation)
    np.testing.assert_allclose(ours.numpy(), torch.quantile(torch.tensor(a), torch.tensor(q),
                                                            interpolation=interpolation).numpy(), rtol=1e-15)
    ties = np.array([[3.0, 1.0, 1.0, 2.0], [0.0, 7.0, 7.0, 7.0]])
    compare_with_torch(torch, lambda x: mg.quantile(x, mg.tensor([0.3, 0.5], dtype=mg.float64), 1,
                                                    interpolation=interpolation),
                       lambda x: torch.quantile(x, torch.tensor([0.3, 0.5], dtype=torch.float64), 1,
                                                interpolation=interpolation), [ties])


@pytest.mark.parametrize("name", ["quantile", "nanquantile"])
def test_quantile_with_nan_as_torch(torch, name):
    a = np.array([[3.0, NAN, 1.0, 2.0], [NAN, NAN, NAN, NAN], [0.0, 7.0, 5.0, 6.0]])
    q = np.array([0.3, 0.5, 1.0])
    compare_with_torch(torch, lambda x: getattr(mg, name)(x, mg.tensor(q), dim=1),
                       lambda x: getattr(torch, name)(x, torch.tensor(q), dim=1), [a[[0, 2]]])
    ours = getattr(mg, name)(mg.tensor(a), mg.tensor(q), dim=-1, keepdim=True)
    theirs = getattr(torch, name)(torch.tensor(a), torch.tensor(q), dim=-1, keepdim=True)
    assert ours.shape == tuple(theirs.shape) == (3, 3, 1)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-15)
    np.testing.assert_allclose(getattr(mg, name)(mg.tensor(a), 0.4).numpy(), getattr(torch, name)(torch.tensor(a),
                                                                                                  0.4).numpy())


def test_quantile_float32_and_0d_as_torch(torch):
    a = randn(5, 7, seed=7).astype(np.float32)
    q = np.array([0.2, 0.9], dtype=np.float32)
    ours = mg.quantile(mg.tensor(a), mg.tensor(q), 0)
    assert ours.dtype == np.float32 and ours.shape == (2, 7)
    np.testing.assert_allclose(ours.numpy(), torch.quantile(torch.tensor(a), torch.tensor(q), 0).numpy(), rtol=1e-6)
    for dim, keepdim in ((None, False), (0, True), (-1, False)):
        theirs = torch.quantile(torch.tensor(2.5), 0.3, dim, keepdim)
        ours = mg.tensor(2.5).quantile(0.3, dim, keepdim)
        assert ours.shape == tuple(theirs.shape) and ours.tolist() == theirs.tolist()


@pytest.mark.parametrize("name", ["quantile", "nanquantile"])
def test_linear_quantile_gives_q_a_gradient_as_torch(torch, name):
    a = np.array([[0.0, 1.0, 4.0, 9.0, NAN], [NAN] * 5, [3.0, NAN, 1.0, NAN, 2.0], [1.0, 2.5, 3.0, 4.0, 7.0]])
    compare_with_torch(torch, lambda x, q: getattr(mg, name)(x, q, 1), lambda x, q: getattr(torch, name)(x, q, 1),
                       [a, np.array([0.3, 0.55, 0.9])])
    q = mg.tensor(np.array([0.3]), requires_grad=True)
    mg.quantile(mg.tensor(a[3], requires_grad=True), q, interpolation="lower").sum().backward()
    assert q.grad is None       # a step function of q: no gradient, as in PyTorch


@pytest.mark.parametrize("interpolation", INTERPOLATIONS)
def test_quantile_gradcheck(device, interpolation):
    q = [0.15, 0.5, 0.8]
    check_grad(lambda x: mg.quantile(x, mg.tensor(q, dtype=mg.float64, device=device), -1,
                                     interpolation=interpolation), distinct(2, 1, 5, seed=8), device=device)
    check_grad(lambda x: mg.nanquantile(x, 0.35, 0, keepdim=True, interpolation=interpolation),
               np.array([[0.4, NAN, -1.3], [2.1, 0.9, NAN], [-0.2, 1.7, NAN]]), device=device)
    check_grad(lambda x, q: mg.nanquantile(x, q, 1), np.array([[0.4, NAN, -1.3, 0.8], [2.1, 0.9, -0.5, 1.2]]),
               np.array([0.2, 0.45]), device=device)


# ----------------------------------------------------------------- nanmedian
def test_nanmedian_along_a_dim_matches_torch(torch):
    a = np.array([[3.0, NAN, 1.0, 3.0], [2.0, 2.0, 2.0, 5.0], [1.0, NAN, 1.0, NAN], [0.5, -1.0, 4.0, 2.0]])
    for dim, keepdim in ((1, False), (0, True), (-1, True)):
        ours, theirs = mg.nanmedian(mg.tensor(a), dim, keepdim), torch.nanmedian(torch.tensor(a), dim, keepdim)
        np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())
        np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())
        compare_with_torch(torch, lambda x: x.nanmedian(dim, keepdim).values,
                           lambda x: x.nanmedian(dim, keepdim).values, [a])


def test_nanmedian_of_all_elements_shares_the_gradient_as_torch(torch):
    for a in (np.array([2.0, NAN, 2.0, 1.0, 2.0]), np.array([NAN, NAN]), distinct(3, 4, seed=9)):
        compare_with_torch(torch, mg.nanmedian, torch.nanmedian, [a])
    assert np.isnan(mg.nanmedian(mg.tensor(np.zeros(0))).item())


def test_nanmedian_all_nan_slice_integers_and_0d():
    values, indices = mg.nanmedian(mg.tensor(np.array([[NAN, NAN, NAN], [1.0, NAN, 3.0]])), 1)
    assert np.isnan(values.tolist()[0]) and values.tolist()[1] == 1.0
    assert indices.tolist() == [0, 0]       # a slice of nan only: its first nan (PyTorch's index there varies)
    ints = mg.tensor([4, 1, 2, 2])
    assert mg.nanmedian(ints).item() == 2 and mg.nanmedian(ints).dtype == np.int64
    assert mg.nanmedian(ints, 0).values.item() == 2 and ints[mg.nanmedian(ints, 0).indices.item()].item() == 2
    values, indices = mg.nanmedian(mg.tensor(3.0), -1)
    assert values.shape == indices.shape == () and values.item() == 3.0 and indices.item() == 0


def test_nanmedian_gradcheck(device):
    check_grad(lambda x: mg.nanmedian(x, 1).values, np.array([[0.4, NAN, -1.3, 0.2], [2.1, 0.9, -0.6, 1.5]]),
               device=device)
    check_grad(mg.nanmedian, np.array([[0.4, NAN, -1.3], [2.1, 0.9, NAN]]), device=device)


# ----------------------------------------------------------------- cov and corrcoef
FW = np.array([1, 2, 1, 3, 1])
AW = np.array([0.5, 1.0, 2.0, 0.3, 1.2])


@pytest.mark.parametrize("weights", ["none", "f", "a", "fa"])
@pytest.mark.parametrize("correction", [0, 1, 2])
def test_cov_matches_torch(torch, device, weights, correction):
    a = randn(3, 5, seed=10)
    fw = (lambda lib: lib.tensor(FW)) if "f" in weights else (lambda lib: None)
    if "a" in weights:      # aweights get a gradient too
        compare_with_torch(torch, lambda x, w: mg.cov(x, correction=correction, fweights=fw(mg), aweights=w),
                           lambda x, w: torch.cov(x, correction=correction, fweights=fw(torch), aweights=w),
                           [a, AW])
    compare_with_torch(torch, lambda x: mg.cov(x, correction=correction, fweights=fw(mg)),
                       lambda x: torch.cov(x, correction=correction, fweights=fw(torch)), [a], device="cpu")


def test_cov_shapes_and_dtypes_as_torch(torch):
    for arr in (randn(5, seed=11), randn(1, 5, seed=12), randn(4, 1, seed=13)):
        with warnings.catch_warnings():     # four variables seen once: no degrees of freedom, nan
            warnings.simplefilter("ignore")
            ours, theirs = mg.cov(mg.tensor(arr)), torch.cov(torch.tensor(arr))
        assert ours.shape == tuple(theirs.shape)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
    ints = np.array([[1, 2, 4], [0, 1, 1]])
    ours = mg.cov(mg.tensor(ints))
    assert ours.dtype == np.float32 and np.allclose(ours.numpy(), torch.cov(torch.tensor(ints)).numpy())
    mixed = mg.cov(mg.tensor(randn(2, 5, seed=14).astype(np.float32)), aweights=mg.tensor(AW))
    assert mixed.dtype == np.float64


def test_cov_without_degrees_of_freedom_warns_and_gives_inf_or_nan_as_torch(torch):
    a = randn(3, 4, seed=15)
    with pytest.warns(UserWarning, match=r"cov: degrees of freedom is <= 0"):
        ours = mg.cov(mg.tensor(a), correction=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = torch.cov(torch.tensor(a), correction=4)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        with pytest.warns(UserWarning, match=r"degrees of freedom"):
            assert np.isnan(mg.cov(mg.tensor(2.0)).item())


@pytest.mark.parametrize("shape", [(3, 6), (2, 4), (6,)], ids=str)
def test_corrcoef_matches_torch(torch, device, shape):
    compare_with_torch(torch, mg.corrcoef, torch.corrcoef, [randn(*shape, seed=16)], device=device, atol=1e-12)


def test_corrcoef_of_a_constant_row_and_of_integers_as_torch(torch):
    a = np.array([[1.0, 1.0, 1.0], [0.0, 1.0, 1.0]])
    np.testing.assert_array_equal(mg.corrcoef(mg.tensor(a)).numpy(), torch.corrcoef(torch.tensor(a)).numpy())
    ints = np.array([[1, 2, 4], [0, 1, 1]])
    ours = mg.tensor(ints).corrcoef()
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours.numpy(), torch.corrcoef(torch.tensor(ints)).numpy(), rtol=1e-6)


def test_cov_corrcoef_gradcheck(device):
    fw = mg.tensor(FW, device=device)
    check_grad(lambda x, w: mg.cov(x, fweights=fw, aweights=w), randn(2, 5, seed=17), AW, device=device)
    check_grad(lambda x: mg.cov(x, correction=0), randn(1, 4, seed=18), device=device)
    check_grad(mg.corrcoef, randn(3, 7, seed=19), device=device)
    mg.gradgradcheck(mg.corrcoef, tensors(device, randn(2, 5, seed=20)))


# ----------------------------------------------------------------- histc and bincount
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_histc_matches_torch_at_the_bin_edges_too(torch, dtype):
    rng = np.random.default_rng(21)
    for bins, lo, hi in ((4, 0.0, 3.0), (7, -1.3, 2.2), (13, -2.0, -0.5), (1, 0.0, 1.0)):
        edges = np.linspace(lo, hi, bins + 1)
        a = np.concatenate([rng.uniform(lo - 1, hi + 1, 300), edges, np.nextafter(edges, np.inf),
                            np.nextafter(edges, -np.inf)]).astype(dtype)
        ours, theirs = mg.histc(mg.tensor(a), bins, lo, hi), torch.histc(torch.tensor(a), bins, lo, hi)
        assert ours.dtype == dtype and ours.shape == (bins,)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_histc_range_from_the_data_as_torch(torch):
    cases = [(np.array([1.0, 2.0, 1.0, 2.5, 4.0, -1.0]), dict(bins=4)), (np.array([2.0, 2.0]), dict(bins=4)),
             (np.array([1.0, 2.0, 3.0]), dict(bins=3, min=2, max=2)), (np.zeros(0), dict(bins=5)),
             (np.array([[1.0, 2.0], [3.0, 0.0]]), dict(bins=3)), (np.array([1.0, NAN]), dict(bins=3, min=0, max=2))]
    for a, kwargs in cases:
        np.testing.assert_array_equal(mg.tensor(a).histc(**kwargs).numpy(), torch.tensor(a).histc(**kwargs).numpy())
    assert not mg.histc(mg.tensor([1.0, 2.0], requires_grad=True), 3).requires_grad


def test_bincount_matches_torch(torch):
    b = np.array([0, 3, 1, 3, 3])
    for kwargs in ({}, dict(minlength=7), dict(minlength=2)):
        ours, theirs = mg.bincount(mg.tensor(b), **kwargs), torch.bincount(torch.tensor(b), **kwargs)
        assert ours.dtype == np.int64 and ours.tolist() == theirs.tolist()
    for w in (np.array([0.5, 1.0, 2.0, 0.25, 1.0], dtype=np.float32), np.array([0.5, 1.0, 2.0, 0.25, 1.0]),
              np.array([1, 2, 3, 4, 5]), np.array([True, False, True, True, True])):
        ours, theirs = mg.tensor(b).bincount(mg.tensor(w)), torch.tensor(b).bincount(torch.tensor(w))
        assert ours.dtype == theirs.numpy().dtype and ours.tolist() == theirs.tolist()
    assert mg.bincount(mg.tensor(np.zeros(0, dtype=np.int64)), minlength=3).tolist() == [0, 0, 0]
    assert mg.bincount(mg.tensor(np.array([1, 2], dtype=np.uint8))).tolist() == [0, 1, 1]


# ----------------------------------------------------------------- errors
X = mg.tensor(np.ones((2, 3)))


@pytest.mark.parametrize("call,error,message", [
    (lambda: mg.nanmean(mg.tensor([1, 2])), TypeError, r"nanmean: expected input to have floating point dtype but "
                                                       r"got int64"),
    (lambda: mg.nansum(X, 2), IndexError, r"nansum: dimension out of range .*got 2"),
    (lambda: mg.var_mean(mg.tensor([1, 2])), TypeError, r"var_mean: expected a floating-point tensor, got int64"),
    (lambda: mg.quantile(X, 1.5), ValueError, r"quantile: q must be in the range \[0, 1\] but got 1.5"),
    (lambda: mg.quantile(X, mg.tensor(np.array([0.5, -0.1]))), ValueError, r"quantile: q values must be in the range"),
    (lambda: mg.nanquantile(X, mg.tensor(np.array([[0.5]]))), ValueError, r"nanquantile: q must be a scalar or 1D"),
    (lambda: mg.quantile(X, mg.tensor([0.5])), TypeError, r"quantile: q tensor must be same dtype as the input tensor "
                                                          r"\(float64\), got float32"),
    (lambda: mg.quantile(mg.tensor([1, 2]), 0.5), TypeError, r"quantile: input tensor must be either float or double"),
    (lambda: mg.quantile(mg.zeros(2, 0), 0.5, 0), ValueError, r"quantile: input tensor must be non-empty"),
    (lambda: mg.quantile(X, 0.5, interpolation="cubic"), ValueError, r"quantile: interpolation must be one of linear, "
                                                                     r"lower, higher, midpoint or nearest, but got"),
    (lambda: mg.quantile(X, 0.5, 2), IndexError, r"quantile: dimension out of range .*got 2"),
    (lambda: mg.nanmedian(mg.zeros(2, 0), 1), IndexError, r"nanmedian: expected reduction dim 1 to have non-zero size"),
    (lambda: mg.cov(mg.zeros(2, 3, 4)), ValueError, r"cov: expected input to have two or fewer dimensions but got an "
                                                    r"input with 3 dimensions"),
    (lambda: mg.cov(X, correction=0.5), TypeError, r"cov: correction must be an int, got 0.5"),
    (lambda: mg.cov(X, fweights=mg.tensor([1.0, 2.0, 1.0])), TypeError, r"cov: expected fweights to have integral"),
    (lambda: mg.cov(X, fweights=mg.tensor([1, -2, 1])), ValueError, r"cov: fweights cannot be negative"),
    (lambda: mg.cov(X, fweights=mg.tensor([1, 2])), ValueError, r"cov: expected fweights to have the same numel as "
                                                                r"there are observations in the input but got 2 != 3"),
    (lambda: mg.cov(X, aweights=mg.tensor([[1.0, 2.0, 1.0]])), ValueError, r"cov: expected aweights to have one or "
                                                                           r"fewer dimensions"),
    (lambda: mg.cov(X, aweights=mg.tensor([1, 2, 1])), TypeError, r"cov: expected aweights to have floating point"),
    (lambda: mg.cov(X, aweights=mg.tensor([1.0, -2.0, 1.0])), ValueError, r"cov: aweights cannot be negative"),
    (lambda: mg.histc(X, bins=0), ValueError, r"histc: bins must be > 0, but got 0"),
    (lambda: mg.histc(X, bins=2.5), TypeError, r"histc: bins must be an int, got 2.5"),
    (lambda: mg.histc(mg.tensor([1, 2]), 3), TypeError, r"histc: expected a floating-point tensor, got int64"),
    (lambda: mg.histc(X, 3, min=3, max=1), ValueError, r"histc: max must be larger than min"),
    (lambda: mg.histc(mg.tensor([1.0, NAN]), 3), ValueError, r"histc: range of \[nan, nan\] is not finite"),
    (lambda: mg.histc(X, 3, 0, np.inf), ValueError, r"histc: range of \[0.0, inf\] is not finite"),
    (lambda: mg.bincount(mg.tensor([1, -1])), ValueError, r"bincount: only supports 1-d non-negative integral"),
    (lambda: mg.bincount(mg.tensor([1.0, 2.0])), TypeError, r"bincount: only supports 1-d non-negative integral .*"
                                                            r"float32"),
    (lambda: mg.bincount(mg.tensor([[1, 2]])), TypeError, r"bincount: only supports 1-d .* got a 2-d tensor"),
    (lambda: mg.bincount(mg.tensor([1, 2]), minlength=-1), ValueError, r"bincount: minlength should be >= 0"),
    (lambda: mg.bincount(mg.tensor([1, 2]), mg.tensor([1.0])), ValueError, r"bincount: weights should be 1-d and "
                                                                           r"have the same length as input \(2\)"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_errors_name_the_op_what_it_expected_and_what_came(call, error, message):
    with pytest.raises(error, match=message):
        call()
