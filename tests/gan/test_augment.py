"""DiffAugment: each transformation keeps the images' shape and dtype, does what it says, draws from minigan's
seed, and passes gradients; the trainer applies it to every image D sees, in both phases (its exact resume is in
test_trainer.py)."""
import numpy as np
import pytest

import minigan as mg
from minigan.gan import augment as A
from minigan.gan.trainer import GANConfig, Trainer

from helpers import tensors


def _images(n=3, c=1, h=8, w=8, dtype=np.float32):
    return mg.tensor(np.random.default_rng(0).uniform(-1, 1, (n, c, h, w)).astype(dtype))


@pytest.mark.parametrize("name", A.POLICIES)
def test_each_transformation_keeps_shape_and_dtype_and_follows_the_seed(device, name):
    x = _images(c=3).to(device)
    mg.manual_seed(5)
    a = A.diff_augment(x, name)
    mg.manual_seed(5)
    b = A.diff_augment(x, name)
    assert a.shape == x.shape and a.dtype == x.dtype and a.device == x.device
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert not np.array_equal(a.numpy(), x.numpy())


def test_translation_moves_each_image_by_whole_pixels_with_a_zero_border():
    x = _images(n=16, h=16, w=16)
    mg.manual_seed(1)
    y = A.translation(x).numpy()
    shifts = set()
    for img, out in zip(x.numpy()[:, 0], y[:, 0]):
        found = [(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3)
                 if np.array_equal(out, _shifted(img, dy, dx))]
        assert len(found) == 1                          # exactly one whole-pixel shift of at most 16/8 = 2
        shifts.add(found[0])
    assert len(shifts) > 3                              # the shifts vary from image to image


def _shifted(img, dy, dx):
    out = np.zeros_like(img)
    h, w = img.shape
    out[max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = img[max(-dy, 0):h - max(dy, 0),
                                                                     max(-dx, 0):w - max(dx, 0)]
    return out


def test_cutout_zeroes_one_square_of_half_the_side_clipped_by_the_edge():
    x = mg.ones(32, 1, 8, 8)
    mg.manual_seed(2)
    y = A.cutout(x).numpy()[:, 0]
    for out in y:
        rows, cols = np.nonzero(out == 0)
        assert 1 <= len(rows) <= 16                                 # a 4 x 4 square, maybe cut by the edge
        assert len(rows) == (rows.max() - rows.min() + 1) * (cols.max() - cols.min() + 1)   # a rectangle
        assert set(np.unique(out)) <= {0.0, 1.0}
    assert any((out == 0).sum() == 16 for out in y) and any((out == 0).sum() < 16 for out in y)


def test_color_moves_brightness_within_half_a_unit_and_keeps_one_channel_images_one_channel():
    x = mg.zeros(64, 1, 4, 4)
    mg.manual_seed(3)
    y = A.color(x).numpy()
    means = y.mean(axis=(1, 2, 3))
    assert np.all(np.abs(means) <= 0.5) and means.std() > 0.1       # brightness u ~ U(-0.5, 0.5), per image
    np.testing.assert_allclose(y, means[:, None, None, None] + 0 * y, atol=1e-6)   # flat images stay flat


@pytest.mark.parametrize("policy", ["color", "translation", "cutout", "color,translation,cutout"])
def test_the_gradient_flows_through_the_augmentation(device, policy):
    """Each transformation is a differentiable function of the images, for fixed random draws: gradcheck with the
    seed set at every call."""
    def f(x):
        mg.manual_seed(7)
        return A.diff_augment(x, policy)
    mg.gradcheck(f, tensors(device, np.random.default_rng(1).uniform(-1, 1, (2, 3, 8, 7))))


def test_unknown_names_are_refused_naming_them():
    with pytest.raises(ValueError, match=r"--augment: unknown augmentation 'flip'; choose among color, translation"):
        A.parse_policy("translation,flip")
    with pytest.raises(ValueError, match="unknown augmentation 'zoom'"):
        GANConfig(augment="zoom")
    assert A.parse_policy("") == () and A.parse_policy(" cutout , color ") == ("cutout", "color")


def test_the_trainer_augments_every_image_d_sees_in_both_phases(monkeypatch):
    images, _ = mg.data.load_digits(size=8)
    trainer = Trainer(GANConfig(steps=2, batch=16, augment="translation,cutout", judge=False), images)
    seen = []
    real_augment = A.diff_augment

    def spy(x, policy):
        seen.append((x.shape, x.requires_grad, policy))
        return real_augment(x, policy)
    monkeypatch.setattr("minigan.gan.trainer.diff_augment", spy)
    trainer.train_step()
    assert [s[2] for s in seen] == ["translation,cutout"] * 3         # real and fake in D's phase, fake in G's
    assert [s[1] for s in seen] == [False, False, True]               # G's phase: the gradient goes through T
