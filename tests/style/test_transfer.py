"""A few steps of the transfer loop with every extractor and optimizer, on tiny images."""
import numpy as np
import pytest

import minigan as mg
from minigan.style import RandomMultiscale, RandomVGG, StyleObjective, style_transfer, synthesize_texture
from minigan.style.features import VGG19


def _images(size=20):
    r = np.random.default_rng(5)
    yy, xx = np.mgrid[0:size, 0:size] / size
    content = np.stack([yy, xx, 0.5 + 0.4 * np.sin(6 * xx)])[None].astype(np.float32)   # smooth gradients
    style = (r.random((1, 3, size, size)) > 0.5).astype(np.float32)                     # a binary noise texture
    return content, style


def _small_multiscale(seed=0):
    return RandomMultiscale(sizes=(3, 5), channels=8, seed=seed)


def _check(result, shape, steps):
    image, history = result
    assert image.shape == shape and image.dtype == np.float32 and isinstance(image, np.ndarray)
    assert image.min() >= 0.0 and image.max() <= 1.0                       # clamped
    assert len(history["total"]) <= steps + 1 and len(history["style"]) == len(history["total"])
    assert history["total"][-1] < history["total"][0]


@pytest.mark.parametrize("optimizer", ["lbfgs", "adam"])
def test_transfer_lowers_the_loss_with_each_optimizer(device, optimizer):
    content, style = _images()
    lr = 0.05 if optimizer == "adam" else None
    result = style_transfer(content, style, _small_multiscale(), steps=12, optimizer=optimizer, lr=lr,
                            style_weight=10.0, device=device, quiet=True)
    _check(result, content.shape, 12)
    assert result.history["style"][-1] < 0.5 * result.history["style"][0]
    assert set(result.history) == {"content", "style", "tv", "total"}
    assert result.history["content"][0] == 0.0                             # started from the content image


@pytest.mark.parametrize("make", [_small_multiscale,
                                  lambda: RandomVGG(channels=(8, 16), convs_per_block=(1, 1),
                                                    content_layers=("relu2_1",)),
                                  lambda: VGG19(content_layers=("relu2_1",), style_layers=("relu1_1", "relu2_1"))],
                         ids=["multiscale", "random-vgg", "vgg19-untrained"])
def test_each_extractor_runs(make):
    content, style = _images(16)
    result = style_transfer(content, style, make(), steps=6, init="blend", quiet=True)
    _check(result, content.shape, 6)


def test_texture_synthesis_has_no_content_term_and_matches_the_grams():
    _, style = _images(24)
    ex = _small_multiscale()
    image, history = synthesize_texture(style, ex, output_size=16, steps=25, quiet=True)
    assert image.shape == (1, 3, 16, 16) and "content" not in history
    assert history["style"][-1] < 0.05 * history["style"][0]


def test_seeded_runs_repeat_and_inits_differ():
    content, style = _images(16)
    a = style_transfer(content, style, _small_multiscale(), steps=4, init="noise", seed=1, quiet=True).image
    b = style_transfer(content, style, _small_multiscale(), steps=4, init="noise", seed=1, quiet=True).image
    c = style_transfer(content, style, _small_multiscale(), steps=4, init="noise", seed=2, quiet=True).image
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_content_error_is_zero_for_the_content_image_and_grows_away_from_it():
    content, style = _images(16)
    objective = StyleObjective(_small_multiscale(), mg.tensor(content), mg.tensor(style))
    assert objective.content_error(content) == 0.0
    assert objective.content_error(np.clip(content + 0.2, 0, 1)) > 0.05


def test_transfer_argument_errors():
    content, style = _images(16)
    ex = _small_multiscale()
    with pytest.raises(ValueError, match="optimizer must be one of"):
        style_transfer(content, style, ex, optimizer="sgd")
    with pytest.raises(ValueError, match="init must be one of"):
        style_transfer(content, style, ex, init="zeros", steps=1)
    with pytest.raises(ValueError, match="needs a content image"):
        synthesize_texture(style, ex, init="blend", steps=1)
    with pytest.raises(ValueError, match=r"the style image must be \(1, 3, H, W\)"):
        style_transfer(content, style[:, :1], ex, steps=1)
    with pytest.raises(KeyError, match="unknown style layer 'relu1_1'; valid names: k3, k5"):
        style_transfer(content, style, ex, style_layers=["relu1_1"], steps=1)
