"""The digit classifier and the quality figures built on it."""
import numpy as np
import pytest

import minigan as mg
from minigan.gan import metrics as M
from minigan.gan.classifier import accuracy, load_classifier, split_digits


def test_shipped_classifier_reads_held_out_digits():
    _, _, x_test, y_test = split_digits()
    assert len(y_test) == 297
    assert accuracy(load_classifier(), x_test, y_test) >= 0.95


def test_classifier_reads_other_sizes_by_resizing():
    images, labels = mg.data.load_digits(size=32)
    probs, feats = M.classifier_outputs(images[:200])
    assert probs.shape == (200, 10) and feats.shape == (200, 64)
    assert (probs.argmax(axis=1) == labels[:200]).mean() >= 0.9


def test_frechet_distance_closed_forms():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(400, 5)) @ rng.normal(size=(5, 5))
    mu, s = M.gaussian_stats(a)
    assert M.frechet_distance(mu, s, mu, s) == pytest.approx(0.0, abs=1e-8)
    # diagonal covariances: |mu1 - mu2|^2 + sum (sqrt(a_i) - sqrt(b_i))^2
    d1, d2 = np.array([1.0, 4.0, 9.0]), np.array([4.0, 1.0, 1.0])
    m1, m2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 0.0])
    want = ((m1 - m2) ** 2).sum() + ((np.sqrt(d1) - np.sqrt(d2)) ** 2).sum()
    assert M.frechet_distance(m1, np.diag(d1), m2, np.diag(d2)) == pytest.approx(want, rel=1e-10)


def test_real_digits_score_well_and_a_collapsed_batch_is_flagged():
    images, labels = mg.data.load_digits(size=16)
    rng = np.random.default_rng(1)
    real = images[rng.permutation(len(images))[:500]]
    q = M.sample_quality(real)
    assert q["confident"] > 0.9 and q["classes"] == 10 and q["warning"] is None
    sevens = images[labels == 7][:150]
    collapsed = np.concatenate([sevens, images[labels == 1][:20]])
    c = M.sample_quality(collapsed)
    assert c["classes"] <= 2 and "mode collapse" in c["warning"]
    assert c["frechet"] > 5 * q["frechet"]
    noise = rng.uniform(-1, 1, size=(300, 1, 16, 16)).astype(np.float32)
    assert M.sample_quality(noise)["frechet"] > 5 * q["frechet"]


def test_mode_collapse_threshold():
    eight = [0.1] * 8 + [0.1, 0.1]
    assert M.mode_collapse_warning(eight) is None
    seven = [0.13] * 7 + [0.03, 0.03, 0.03]        # only 7 classes hold >= 4%
    assert "only 7 of 10" in M.mode_collapse_warning(seven)
