"""The style-transfer losses: values against NumPy formulas, and gradients against finite differences."""
import numpy as np
import pytest

import minigan as mg
from minigan.style import content_loss, gram_matrix, style_loss, total_variation_loss


def _t(a, device, requires_grad=False):
    return mg.tensor(np.asarray(a), device=device, requires_grad=requires_grad)


@pytest.mark.parametrize("normalize,divisor", [("none", lambda c, m: 1), ("hw", lambda c, m: m),
                                               ("chw", lambda c, m: c * m), ("gatys", lambda c, m: 2 * c * m)])
def test_gram_matrix_values(rng, normalize, divisor):
    f = rng.standard_normal((2, 3, 4, 5)).astype(np.float32)
    g = gram_matrix(mg.tensor(f), normalize).numpy()
    raw = np.einsum("nchw,ndhw->ncd", f.astype(np.float64), f.astype(np.float64))
    assert g.shape == (2, 3, 3) and g.dtype == np.float32
    np.testing.assert_allclose(g, raw / divisor(3, 20), rtol=1e-5, atol=1e-6)


def test_gatys_normalisation_gives_the_papers_layer_loss(rng):
    """With G / (2NM), sum((G - A)^2) is Gatys's E_l = sum((Graw - Araw)^2) / (4 N^2 M^2)."""
    f, s = rng.standard_normal((2, 1, 6, 7, 8))
    n, m = 6, 56
    raw = lambda a: a.reshape(n, m) @ a.reshape(n, m).T  # noqa: E731
    expected = ((raw(f[0]) - raw(s[0])) ** 2).sum() / (4 * n ** 2 * m ** 2)
    got = style_loss({"l": mg.tensor(f)}, {"l": gram_matrix(mg.tensor(s), "gatys")}, normalize="gatys",
                     reduction="sum").item()
    assert got == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("normalize", ["none", "hw", "chw", "gatys"])
def test_gram_matrix_gradcheck(device, rng, normalize):
    f = _t(rng.standard_normal((2, 3, 4, 3)), device, requires_grad=True)
    mg.gradcheck(lambda f: gram_matrix(f, normalize), [f])


def test_gram_matrix_rejects_bad_input():
    with pytest.raises(ValueError, match=r"gram_matrix: expected features \(N, C, H, W\)"):
        gram_matrix(mg.zeros(3, 4))
    with pytest.raises(ValueError, match="normalize must be one of"):
        gram_matrix(mg.zeros(1, 2, 3, 3), "cm")


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_content_loss_value_and_gradcheck(device, rng, reduction):
    f, p = rng.standard_normal((2, 1, 3, 4, 4))
    expected = ((f - p) ** 2).mean() if reduction == "mean" else 0.5 * ((f - p) ** 2).sum()
    assert content_loss(_t(f, device), _t(p, device), reduction).item() == pytest.approx(expected, rel=1e-12)
    mg.gradcheck(lambda f, p: content_loss(f, p, reduction), [_t(f, device, True), _t(p, device)])
    with pytest.raises(ValueError, match="content_loss: input has shape"):
        content_loss(_t(f, device), _t(p[:, :2], device))


def _features_and_targets(rng, device):
    f1 = _t(rng.standard_normal((1, 3, 5, 5)), device, True)
    f2 = _t(rng.standard_normal((1, 4, 3, 3)) * 10.0, device, True)   # a layer of a very different scale
    targets = {"a": gram_matrix(_t(rng.standard_normal((1, 3, 6, 6)), device)),
               "b": gram_matrix(_t(rng.standard_normal((1, 4, 2, 2)) * 10.0, device))}
    return f1, f2, targets


def test_style_loss_is_the_weighted_sum_of_layer_losses(device, rng):
    f1, f2, targets = _features_and_targets(rng, device)
    feats = {"a": f1, "b": f2}
    e = {k: ((gram_matrix(feats[k]).numpy() - targets[k].numpy()) ** 2).mean() for k in feats}
    got = style_loss(feats, targets, {"a": 0.3, "b": 2.0}).item()
    assert got == pytest.approx(0.3 * e["a"] + 2.0 * e["b"], rel=1e-5)
    assert style_loss(feats, targets, [0.3, 2.0]).item() == pytest.approx(got, rel=1e-6)
    assert style_loss(feats, targets).item() == pytest.approx(0.5 * (e["a"] + e["b"]), rel=1e-5)


def test_style_loss_layer_normalisation_makes_layers_comparable(device, rng):
    """Raw, layer b (10x larger activations, so 10^4 x larger Gram errors) dominates; normalised, each
    layer's term is the relative error ||G - A||^2 / ||A||^2."""
    f1, f2, targets = _features_and_targets(rng, device)
    feats = {"a": f1, "b": f2}
    raw = {k: style_loss({k: feats[k]}, {k: targets[k]}, [1.0]).item() for k in feats}
    assert raw["b"] > 100 * raw["a"]
    for k in feats:
        g, a = gram_matrix(feats[k]).numpy(), targets[k].numpy()
        rel = ((g - a) ** 2).sum() / (a ** 2).sum()
        got = style_loss({k: feats[k]}, {k: targets[k]}, [1.0], normalize_layers=True).item()
        assert got == pytest.approx(rel, rel=1e-5)
        assert 0.1 < got < 100


@pytest.mark.parametrize("normalize_layers", [False, True])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_style_loss_gradcheck(device, rng, normalize_layers, reduction):
    f1, f2, targets = _features_and_targets(rng, device)
    targets = {k: _t(v.numpy().astype(np.float64), device) for k, v in targets.items()}

    def fn(a, b):
        return style_loss({"a": a, "b": b}, targets, {"a": 0.7, "b": 0.2}, normalize="chw", reduction=reduction,
                          normalize_layers=normalize_layers)
    mg.gradcheck(fn, [f1, f2])


def test_style_loss_errors(rng):
    f = mg.tensor(rng.standard_normal((1, 2, 3, 3)).astype(np.float32))
    targets = {"a": gram_matrix(f)}
    with pytest.raises(KeyError, match="no features for layer"):
        style_loss({"b": f}, targets)
    with pytest.raises(KeyError, match="unknown layer"):
        style_loss({"a": f}, targets, {"zz": 1.0})
    with pytest.raises(ValueError, match="1 style layers"):
        style_loss({"a": f}, targets, [1.0, 2.0])
    with pytest.raises(ValueError, match="Gram matrix of shape"):
        style_loss({"a": mg.zeros(1, 3, 3, 3)}, targets)


def test_total_variation_values(rng):
    x = rng.standard_normal((2, 3, 5, 6))
    dy = x[:, :, 1:, :-1] - x[:, :, :-1, :-1]
    dx = x[:, :, :-1, 1:] - x[:, :, :-1, :-1]
    t = mg.tensor(x)
    assert total_variation_loss(t).item() == pytest.approx((dx ** 2 + dy ** 2).mean(), rel=1e-12)
    assert total_variation_loss(t, reduction="sum").item() == pytest.approx((dx ** 2 + dy ** 2).sum(), rel=1e-12)
    keras = ((dx ** 2 + dy ** 2) ** 1.25).sum()      # the course's Keras notebook
    assert total_variation_loss(t, "power", beta=2.5, reduction="sum").item() == pytest.approx(keras, rel=1e-12)
    # beta = 2 is the squared form; a constant image has none
    assert total_variation_loss(t, "power", beta=2.0).item() == pytest.approx(total_variation_loss(t).item())
    assert total_variation_loss(mg.ones(1, 3, 4, 4)).item() == 0.0


@pytest.mark.parametrize("form,beta", [("squared", 2.5), ("power", 2.5), ("power", 1.5)])
def test_total_variation_gradcheck(device, rng, form, beta):
    x = _t(rng.standard_normal((1, 2, 4, 5)), device, True)
    mg.gradcheck(lambda x: total_variation_loss(x, form, beta), [x])


def test_total_variation_errors():
    with pytest.raises(ValueError, match="at least 2x2"):
        total_variation_loss(mg.zeros(1, 3, 1, 5))
    with pytest.raises(ValueError, match="form must be one of"):
        total_variation_loss(mg.zeros(1, 3, 4, 4), "l1")
    with pytest.raises(ValueError, match="beta must be > 1"):
        total_variation_loss(mg.zeros(1, 3, 4, 4), "power", beta=1.0)
