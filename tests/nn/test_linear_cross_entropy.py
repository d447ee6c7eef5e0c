"""linear_cross_entropy and LinearCrossEntropyLoss: torch parity (values and gradients) on the reference and the
chunked paths, the two paths against each other, gradchecks of the chunked Function, fallbacks and errors."""
import warnings

import minigan as mg
import numpy as np
import pytest

import minigan.nn as nn
import minigan.nn.functional as F
from helpers import check_grad, compare_with_torch, randn

O = nn.LinearCrossEntropyOptions
N, D, C = 7, 4, 6
TARGET = np.array([2, 0, 5, -100, 1, 3, 5])
CLASS_W = np.array([0.5, 1.0, 2.0, 1.5, 0.75, 1.25])


def _torch_options(torch, opt):
    if opt is None:
        return None
    return torch.nn.LinearCrossEntropyOptions(batch_chunk_size=opt.batch_chunk_size)


def _parity(torch, arrays, target, opt=None, **kw):
    """Values and gradients (of x, W and b where given) against torch, with the same options."""
    torch_target = torch.tensor(target)
    torch_kw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}

    def ours(x, w, b=None):
        return F.linear_cross_entropy(x, w, target, linear_bias=b, options=opt, **kw)

    def theirs(x, w, b=None):
        return torch.nn.functional.linear_cross_entropy(x, w, torch_target, linear_bias=b,
                                                        options=_torch_options(torch, opt), **torch_kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compare_with_torch(torch, ours, theirs, arrays)


OPTIONS = [None, O(batch_chunk_size=1), O(batch_chunk_size=3), O(batch_chunk_size=7), O(batch_chunk_size=50), O()]


@pytest.mark.parametrize("opt", OPTIONS, ids=["reference", "chunk1", "chunk3", "chunk7", "chunk50", "auto"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("bias", [False, True])
def test_parity_with_torch(torch, opt, reduction, bias):
    arrays = [randn(N, D, seed=1), randn(C, D, seed=2)] + ([randn(C, seed=3)] if bias else [])
    _parity(torch, arrays, TARGET, opt, reduction=reduction)
    _parity(torch, arrays, TARGET, opt, reduction=reduction, weight=CLASS_W)
    _parity(torch, arrays, np.where(TARGET < 0, 7, TARGET), opt, reduction=reduction, ignore_index=7)


@pytest.mark.parametrize("opt", [None, O(batch_chunk_size=1)], ids=["reference", "chunked"])
def test_unbatched_and_a_single_row(torch, opt):
    for reduction in ("mean", "none"):
        _parity(torch, [randn(D, seed=1), randn(C, D, seed=2), randn(C, seed=3)], np.array(4), opt,
                reduction=reduction)
        _parity(torch, [randn(1, D, seed=1), randn(C, D, seed=2)], np.array([4]), opt, reduction=reduction,
                weight=CLASS_W)


@pytest.mark.parametrize("opt", [None, O(batch_chunk_size=2)], ids=["reference", "falls back"])
def test_smoothing_probabilities_and_k_dim_fall_back_and_match_torch(torch, opt):
    x, w = randn(5, D, seed=1), randn(C, D, seed=2)
    probs = np.random.default_rng(4).dirichlet(np.ones(C), 5)
    for kw in (dict(label_smoothing=0.2), dict(label_smoothing=0.3, weight=CLASS_W, reduction="sum")):
        _parity(torch, [x, w, randn(C, seed=3)], TARGET[:5], opt, **kw)
    _parity(torch, [x, w], probs, opt)
    _parity(torch, [x, w], probs, opt, weight=CLASS_W, label_smoothing=0.1, reduction="none")
    w3, b3 = randn(C, 3, 2, D, seed=5), randn(C, 3, 2, seed=6)
    t3 = np.random.default_rng(7).integers(0, C, (5, 3, 2))
    t3[0, 1, 1] = -100
    _parity(torch, [x, w3, b3], t3, opt, weight=CLASS_W)
    _parity(torch, [x, w3], t3, opt, reduction="none", label_smoothing=0.25)
    p3 = np.random.default_rng(8).dirichlet(np.ones(C), (5, 3, 2)).transpose(0, 3, 1, 2)
    _parity(torch, [x, w3, b3], p3, opt, reduction="sum")


def test_fallback_warns_for_the_cases_torch_warns_for():
    x, w = mg.tensor(randn(5, D)), mg.tensor(randn(C, D))
    cases = [(TARGET[:5], dict(label_smoothing=0.1)), (np.full((5, C), 1 / C), {}),
             (np.zeros((5, 2), dtype=np.int64), dict(linear_weight=mg.tensor(randn(C, 2, D))))]
    for target, kw in cases:
        weight = kw.pop("linear_weight", w)
        with pytest.warns(UserWarning, match="linear_cross_entropy: ``options`` ignored"):
            F.linear_cross_entropy(x, weight, target, options=O(), **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.linear_cross_entropy(x, w, TARGET[:5].astype(np.int32), options=O())   # any integer dtype: chunked


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_chunked_and_reference_agree_to_float64_precision(reduction):
    x, w, b = randn(13, 5, seed=1), randn(9, 5, seed=2), randn(9, seed=3)
    t = np.random.default_rng(4).integers(0, 9, 13)
    t[[3, 8]] = -100
    cw = np.linspace(0.5, 2.0, 9)
    results = []
    for opt in (None, O(batch_chunk_size=1), O(batch_chunk_size=4), O(chunking_method="aspect_ratio"),
                O(chunking_method=None)):
        xs = [mg.tensor(a, requires_grad=True) for a in (x, w, b)]
        y = F.linear_cross_entropy(xs[0], xs[1], t, linear_bias=xs[2], weight=cw, reduction=reduction, options=opt)
        grads = mg.grad(y, xs, mg.tensor(randn(*y.shape, seed=5)))
        results.append([y.numpy()] + [g.numpy() for g in grads])
    for other in results[1:]:
        for a, b_ in zip(results[0], other):
            np.testing.assert_allclose(b_, a, rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_gradcheck_chunked(device, reduction):
    t = np.array([2, 0, -100, 3, 1])
    opt = O(batch_chunk_size=2, allow_retain_graph=True)

    def fn(x, w, b):
        return F.linear_cross_entropy(x, w, t, linear_bias=b, weight=CLASS_W[:4], reduction=reduction, options=opt)
    assert check_grad(fn, randn(5, 3, seed=1), randn(4, 3, seed=2), randn(4, seed=3), device=device)
    assert mg.gradgradcheck(fn, [mg.tensor(a, device=device, requires_grad=True)
                                 for a in (randn(5, 3, seed=1), randn(4, 3, seed=2), randn(4, seed=3))])
    unbatched = check_grad(lambda x, w: F.linear_cross_entropy(x, w, np.array(1), options=O()), randn(3, seed=4),
                           randn(4, 3, seed=5), device=device)
    assert unbatched


def test_dtypes_and_accumulation():
    x32, w32 = mg.tensor(randn(6, D).astype(np.float32)), mg.tensor(randn(C, D).astype(np.float32))
    y = F.linear_cross_entropy(x32, w32, TARGET[:6], options=O(batch_chunk_size=4))
    assert y.dtype == np.float32
    ref = F.linear_cross_entropy(x32, w32, TARGET[:6])
    np.testing.assert_allclose(y.numpy(), ref.numpy(), rtol=1e-6)
    x16 = mg.tensor(randn(6, D).astype(np.float16), requires_grad=True)
    w16 = mg.tensor(randn(C, D).astype(np.float16), requires_grad=True)
    y16 = F.linear_cross_entropy(x16, w16, TARGET[:6], options=O(batch_chunk_size=4, acc_dtype=np.float32))
    y16.backward()
    assert y16.dtype == np.float16 and x16.grad.dtype == np.float16 and w16.grad.dtype == np.float16
    exact = F.linear_cross_entropy(x16.to(dtype=np.float64), w16.to(dtype=np.float64), TARGET[:6])
    np.testing.assert_allclose(float(y16.numpy()), float(exact.numpy()), rtol=2e-3)
    with pytest.raises(RuntimeError, match="float32 acc_dtype with float16 inputs, but got float64 acc_dtype"):
        F.linear_cross_entropy(x32, w32, TARGET[:6], options=O(acc_dtype=np.float64))


def test_retain_graph_guard_as_torch():
    x, w = mg.tensor(randn(5, D), requires_grad=True), mg.tensor(randn(C, D), requires_grad=True)
    y = F.linear_cross_entropy(x, w, TARGET[:5], options=O(batch_chunk_size=2))
    y.backward(retain_graph=True)
    with pytest.raises(RuntimeError, match="chunked backward called twice"):
        y.backward()
    y = F.linear_cross_entropy(x, w, TARGET[:5], options=O(batch_chunk_size=2, allow_retain_graph=True))
    x.grad = None
    y.backward(retain_graph=True)
    first = x.grad.numpy().copy()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * first)
    y = F.linear_cross_entropy(x, w, TARGET[:5], reduction="none", options=O(batch_chunk_size=2))
    y.sum().backward(retain_graph=True)
    y.sum().backward()                                  # "none" is never guarded


def test_chunk_size_choice():
    from minigan.ops.linear_cross_entropy import chunk_size
    assert chunk_size(O(), 100, 8, 64) == 8              # ceil(100 / 8) = 13 -> 16, halved
    assert chunk_size(O(chunking_method="aspect_ratio"), 100, 8, 64) == 16
    assert chunk_size(O(batch_chunk_size=30), 100, 8, 64) == 30
    assert chunk_size(O(batch_chunk_size=300, chunking_method=None), 100, 8, 64) == 100
    assert chunk_size(O(chunking_method=None), 100, 8, 64) == 100
    with pytest.raises(ValueError, match="batch_chunk_size \\(=30\\) and chunking_method"):
        chunk_size(O(batch_chunk_size=30, chunking_method="aspect_ratio"), 100, 8, 64)


def test_options_validation_as_torch():
    with pytest.raises(ValueError, match="batch_chunk_size must be positive int or None, got 0"):
        O(batch_chunk_size=0)
    with pytest.raises(ValueError, match="invalid chunking_method: 'foo'"):
        O(chunking_method="foo")
    with pytest.raises(ValueError, match="invalid chunking_method: 'aspect_ratio:0'"):
        O(chunking_method="aspect_ratio:0")
    with pytest.raises(ValueError, match="invalid acc_policy: 'fast'"):
        O(acc_policy="fast")
    with pytest.raises(ValueError, match="acc_dtype must be one of"):
        O(acc_dtype=np.int32)
    with pytest.raises(AttributeError):
        O().batch_chunk_size = 3
    assert O(acc_policy="compact", chunking_method="aspect_ratio:4") == O(acc_policy="compact",
                                                                           chunking_method="aspect_ratio:4")


def test_errors_as_torch():
    x, w = mg.tensor(randn(5, D)), mg.tensor(randn(C, D))
    bad = [(dict(input=mg.tensor(randn(2, 5, D))), "expected input with dimensionality 1 or 2, got 3"),
           (dict(linear_weight=mg.tensor(randn(D))), "linear_weight with dimensionality at least 2, got 1"),
           (dict(linear_weight=mg.tensor(randn(C, 3))), "got 4 and 3, respectively"),
           (dict(linear_bias=mg.tensor(randn(C - 1))), r"expected linear_bias shape \(6,\), got \(5,\)"),
           (dict(input=mg.tensor(randn(D)), linear_weight=mg.tensor(randn(C, 2, D)), target=np.array(1)),
            "requires batched input"),
           (dict(target=np.full((5, C), 1 / C), ignore_index=0), "ignore_index cannot be specified")]
    for opt in (None, O()):
        for kw, match in bad:
            args = dict(input=x, linear_weight=w, target=TARGET[:5], options=opt) | kw
            with pytest.raises(RuntimeError, match="linear_cross_entropy: .*" + match):
                F.linear_cross_entropy(**args)
        with pytest.raises(IndexError, match="Target 6 is out of bounds"):
            F.linear_cross_entropy(x, w, np.array([0, 1, 6, 2, 3]), options=opt)
        with pytest.raises(ValueError, match="expected a target of shape"):
            F.linear_cross_entropy(x, w, np.array([0, 1, 2]), options=opt)
        with pytest.raises(ValueError, match="weight should hold one value per class"):
            F.linear_cross_entropy(x, w, TARGET[:5], weight=np.ones(3), options=opt)
    with pytest.warns(UserWarning), pytest.raises(ValueError, match="reduction must be"):
        F.linear_cross_entropy(x, w, TARGET[:5], reduction="avg", options=O())


def test_module_matches_torch(torch):
    torch.manual_seed(0)
    for out_features, bias, opt in [((), True, O(batch_chunk_size=3)), ((3, 2), True, None), ((), False, None)]:
        theirs = torch.nn.LinearCrossEntropyLoss(D, C, out_features=out_features, bias=bias, dtype=torch.float64,
                                                 weight=torch.tensor(CLASS_W), ignore_index=5)
        ours = nn.LinearCrossEntropyLoss(D, C, out_features=out_features, bias=bias, dtype=np.float64,
                                         weight=CLASS_W, ignore_index=5, options=opt)
        assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == \
            {k: tuple(v.shape) for k, v in theirs.state_dict().items()}
        ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
        t = np.random.default_rng(1).integers(0, C, (N, *out_features))
        x = randn(N, D, seed=2)
        tx = torch.tensor(x, requires_grad=True)
        mx = mg.tensor(x, requires_grad=True)
        expected, got = theirs(tx, torch.tensor(t)), ours(mx, t)
        np.testing.assert_allclose(got.numpy(), expected.detach().numpy(), rtol=1e-12)
        expected.backward()
        got.backward()
        np.testing.assert_allclose(mx.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(ours.linear.weight.grad.numpy(), theirs.linear.weight.grad.numpy(),
                                   rtol=1e-10, atol=1e-14)
    assert "out_features=(3, 2)" in repr(nn.LinearCrossEntropyLoss(D, C, out_features=(3, 2)))


def test_module_init_and_errors():
    m = nn.LinearCrossEntropyLoss(16, 5, out_features=(2,), bias=True)
    assert m.linear.weight.shape == (10, 16) and m.linear.bias.shape == (10,) and m.weight is None
    bound = 1 / np.sqrt(16)
    assert 0.5 * bound < np.abs(m.linear.weight.numpy()).max() <= bound
    assert np.abs(m.linear.bias.numpy()).max() <= bound
    assert nn.LinearCrossEntropyLoss(3, 5).linear.bias is None
    with pytest.raises(RuntimeError, match=r"expected weight shape to be \(5,\), got \(3,\)"):
        nn.LinearCrossEntropyLoss(3, 5, weight=np.ones(3))
    with pytest.raises(RuntimeError, match=r"expected label_smoothing to be in range \[0, 1\], got 1.5"):
        nn.LinearCrossEntropyLoss(3, 5, label_smoothing=1.5)
