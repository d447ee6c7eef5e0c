"""Differentiable augmentation for GANs (DiffAugment, Zhao et al. 2020): a remedy for a discriminator that
learns its small training set by heart.

With few real images (the 1,797 embedded digits), D can end up remembering them: it grows sure of the
real batch and of every fake, J(D) falls toward 0, and G's gradient fades or points at single training
images. Augmenting only the real images does not help, since G would then learn to produce the
augmented look (shifted, cut-out digits). DiffAugment applies the *same kind* of random transformation
``T`` to every image D sees, real and fake, in both phases:

    D's phase:  D(T(x))  against  D(T(G(z)))          G's phase:  D(T(G(z)))

D never sees an image twice in the same form, and since ``T`` is made of differentiable ops, G's gradient
flows back through ``T``: G is still asked to make images whose transformations look real, that is, real
images. Each transformation draws its randomness per image from minigan's generator (so a resumed run
repeats it exactly) and is written with ops whose backward is known:

- ``"color"``: brightness ``x + u`` (``u ~ U(-0.5, 0.5)``), saturation (each pixel's spread around its
  channel mean times ``U(0, 2)``; nothing for one channel), contrast (each image's spread around its mean
  times ``U(0.5, 1.5)``): sums and products.
- ``"translation"``: a shift by a whole number of pixels, up to 1/8 of the image each way, the uncovered
  border 0: an :func:`~minigan.nn.functional.affine_grid` of the shift read by
  :func:`~minigan.nn.functional.grid_sample` (nearest pixel), whose backward sends each gradient back to
  the pixel it came from.
- ``"cutout"``: a square of half the image's side, at a random place (it may stick out), set to 0: a
  product with a constant 0/1 mask.

The values follow the paper's code (images in [-1, 1]).

It is a remedy for one trouble, not a free gain. On the embedded digits with the default run
(``benchmarks/gan_quality.py --knobs``, 3 seeds), D does not memorise the 1,797 digits in 6000 steps,
and augmenting costs quality: with ``translation`` 2 seeds of 3 reach the quality target (71% confident
samples against the default's 76%), with ``translation,cutout`` none (63%; a cut-out quarter of an 8x8
digit is a lot). Try it where D wins too easily: fewer images, more steps, a larger D.
"""
from __future__ import annotations

import minigan as mg
import minigan.nn.functional as F
from minigan import backend

__all__ = ["POLICIES", "parse_policy", "diff_augment", "color", "translation", "cutout"]

POLICIES = ("color", "translation", "cutout")


def parse_policy(text: str) -> tuple[str, ...]:
    """``"translation,cutout"`` -> ``("translation", "cutout")``; ``""`` -> ``()`` (no augmentation)."""
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    unknown = [n for n in names if n not in POLICIES]
    if unknown:
        raise ValueError(f"--augment: unknown augmentation {unknown[0]!r}; choose among {', '.join(POLICIES)}, "
                         f"separated by commas (e.g. translation,cutout)")
    return names


def _uniform(x: mg.Tensor, *shape) -> mg.Tensor:
    """``U(0, 1)`` values of ``shape`` (one per image: ``(N, 1, 1, 1)``), of ``x``'s dtype, on its device."""
    return mg.rand(*shape, device=x.device).to(dtype=x.dtype)


def color(x: mg.Tensor) -> mg.Tensor:
    """Random brightness, saturation and contrast, one draw per image."""
    n = x.shape[0]
    x = x + (_uniform(x, n, 1, 1, 1) - 0.5)
    mean = x.mean(axis=1, keepdims=True)
    x = (x - mean) * (_uniform(x, n, 1, 1, 1) * 2) + mean
    mean = x.mean(axis=(1, 2, 3), keepdims=True)
    return (x - mean) * (_uniform(x, n, 1, 1, 1) + 0.5) + mean


def translation(x: mg.Tensor, ratio: float = 0.125) -> mg.Tensor:
    """Each image shifted by a whole number of pixels, at most ``ratio`` of its size each way (at least one
    pixel), the uncovered border 0."""
    n, _, h, w = x.shape
    xp = backend.xp_of(x.data)
    reach = (max(1, int(h * ratio + 0.5)), max(1, int(w * ratio + 0.5)))
    # whole-pixel shifts in [-reach, reach], drawn from minigan's generator
    dy, dx = ((mg.rand(n, device=x.device).data * (2 * r + 1)).astype("int64") - r for r in reach)
    theta = xp.zeros((n, 2, 3), dtype=x.data.dtype)
    theta[:, 0, 0] = theta[:, 1, 1] = 1
    theta[:, 0, 2] = -2.0 * dx / w              # output pixel j reads input pixel j - dx: the image moves by +dx
    theta[:, 1, 2] = -2.0 * dy / h
    grid = F.affine_grid(mg.Tensor(theta), (n, x.shape[1], h, w), align_corners=False)
    return F.grid_sample(x, grid, mode="nearest", padding_mode="zeros", align_corners=False)


def cutout(x: mg.Tensor, ratio: float = 0.5) -> mg.Tensor:
    """A square of ``ratio`` of the image's side set to 0 in each image, centred anywhere in it (so it may be cut
    off by the edge)."""
    n, _, h, w = x.shape
    xp = backend.xp_of(x.data)
    size = (max(1, int(h * ratio + 0.5)), max(1, int(w * ratio + 0.5)))
    centre = [(mg.rand(n, device=x.device).data * (s + (1 - s % 2))).astype("int64") for s in (h, w)]
    rows = xp.arange(h)[None, :] - (centre[0][:, None] - size[0] // 2)
    cols = xp.arange(w)[None, :] - (centre[1][:, None] - size[1] // 2)
    inside = ((rows >= 0) & (rows < size[0]))[:, :, None] & ((cols >= 0) & (cols < size[1]))[:, None, :]
    return x * mg.Tensor((~inside).astype(x.data.dtype)[:, None])


_TRANSFORMS = {"color": color, "translation": translation, "cutout": cutout}


def diff_augment(x: mg.Tensor, policy) -> mg.Tensor:
    """``x`` through each transformation of ``policy`` in turn (names from :data:`POLICIES`, or a comma list)."""
    names = parse_policy(policy) if isinstance(policy, str) else tuple(policy)
    for name in names:
        x = _TRANSFORMS[name](x)
    return x
