"""Watching a digit GAN: sample quality and mode collapse, read by the digit classifier.

For a batch of generated digits (:class:`~minigan.gan.classifier.DigitClassifier` reads them):

* ``confident``: the fraction the classifier assigns to one class with probability >= 0.9 — a
  sharp, legible digit is confidently one thing; a blob is not;
* ``histogram``: the fraction of samples in each class (by the most likely class). A GAN that has
  collapsed onto a few modes draws only a few digits: we warn when fewer than 8 of the 10 classes
  each hold at least 4% of the samples;
* ``frechet``: the Fréchet distance between Gaussians fitted to the classifier's 64 features of the
  samples and of the real digits (the idea of FID, Heusel et al. 2017, with a small digit network
  in place of Inception): ``|mu_s - mu_r|^2 + tr(S_s + S_r - 2 (S_s S_r)^(1/2))``. It is 0 when the
  two feature distributions agree in mean and covariance, and grows with both poor samples and
  missing variety.

The numbers are comparable between runs on the embedded digits (and roughly on MNIST); for other
data the classifier has nothing meaningful to say.
"""
from __future__ import annotations

import functools

import numpy as np

import minigan as mg
from minigan import backend

from .classifier import CLASSIFIER_SIZE, load_classifier

__all__ = ["CONFIDENCE", "MIN_CLASS_SHARE", "MIN_CLASSES", "frechet_distance", "gaussian_stats",
           "classifier_outputs", "real_digit_stats", "sample_quality", "mode_collapse_warning",
           "format_quality"]

CONFIDENCE = 0.9       # a sample is "confident" when its top class has at least this probability
MIN_CLASS_SHARE = 0.04
MIN_CLASSES = 8


def gaussian_stats(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(N, F) -> (mean (F,), covariance (F, F))``, in float64."""
    f = np.asarray(features, dtype=np.float64)
    if f.ndim != 2 or f.shape[0] < 2:
        raise ValueError(f"gaussian_stats: expected features (N, F) with N >= 2, got shape {f.shape}")
    return f.mean(axis=0), np.cov(f, rowvar=False)


def _sqrt_psd(s: np.ndarray) -> np.ndarray:
    """The symmetric square root of a positive semi-definite matrix (negative rounding clipped)."""
    w, v = np.linalg.eigh((s + s.T) / 2)
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def frechet_distance(mu1, sigma1, mu2, sigma2) -> float:
    """``|mu1 - mu2|^2 + tr(S1) + tr(S2) - 2 tr((S1 S2)^(1/2))`` between two Gaussians.

    ``tr((S1 S2)^(1/2))`` is computed as ``tr((A S2 A)^(1/2))`` with ``A = S1^(1/2)``: the two
    matrices are similar, and the second is symmetric, so an eigendecomposition does it stably."""
    mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
    s1, s2 = np.asarray(sigma1, np.float64), np.asarray(sigma2, np.float64)
    a = _sqrt_psd(s1)
    m = a @ s2 @ a
    tr_sqrt = np.sqrt(np.clip(np.linalg.eigvalsh((m + m.T) / 2), 0, None)).sum()
    d = mu1 - mu2
    return float(max(d @ d + np.trace(s1) + np.trace(s2) - 2 * tr_sqrt, 0.0))


@mg.no_grad()
def classifier_outputs(images, device: str = "cpu", batch_size: int = 500) -> tuple[np.ndarray, np.ndarray]:
    """``images (N, 1, S, S)`` in [-1, 1] (array or Tensor) -> ``(probabilities (N, 10), features (N, 64))``
    as host arrays."""
    clf = load_classifier(backend.normalize_device(device))
    data = images.data if isinstance(images, mg.Tensor) else images
    probs, feats = [], []
    for start in range(0, data.shape[0], batch_size):
        x = mg.tensor(data[start:start + batch_size], device=device, dtype=np.float32)
        f = clf.features(x)
        probs.append(backend.to_numpy(mg.nn.functional.softmax(clf.head(f), axis=1).data))
        feats.append(backend.to_numpy(f.data))
    return np.concatenate(probs), np.concatenate(feats)


@functools.lru_cache(maxsize=1)
def real_digit_stats() -> tuple[np.ndarray, np.ndarray]:
    """Feature mean and covariance of all 1,797 real digits (the Fréchet distance's reference)."""
    images, _ = mg.data.load_digits(size=CLASSIFIER_SIZE)
    _, feats = classifier_outputs(images)
    return gaussian_stats(feats)


def mode_collapse_warning(histogram) -> str | None:
    """A warning when fewer than 8 classes each hold >= 4% of the samples, else None."""
    h = np.asarray(histogram, dtype=np.float64)
    held = int((h >= MIN_CLASS_SHARE).sum())
    if held >= MIN_CLASSES:
        return None
    top = ", ".join(f"{d}: {h[d]:.0%}" for d in np.argsort(-h)[:3])
    return (f"possible mode collapse: only {held} of 10 digit classes hold at least {MIN_CLASS_SHARE:.0%} "
            f"of the samples (want {MIN_CLASSES}); most common {top}")


def sample_quality(images, device: str = "cpu") -> dict:
    """The quality figures of a batch of generated digits ``(N, 1, S, S)``:

    ``{"confident": float, "histogram": [10 floats], "classes": int (how many hold >= 4%),
    "frechet": float, "warning": str | None, "n": N}``."""
    probs, feats = classifier_outputs(images, device=device)
    top = probs.argmax(axis=1)
    hist = np.bincount(top, minlength=10) / len(top)
    mu, sigma = gaussian_stats(feats)
    mu_r, sigma_r = real_digit_stats()
    return {"confident": float((probs.max(axis=1) >= CONFIDENCE).mean()),
            "histogram": [float(v) for v in hist],
            "classes": int((hist >= MIN_CLASS_SHARE).sum()),
            "frechet": frechet_distance(mu, sigma, mu_r, sigma_r),
            "warning": mode_collapse_warning(hist),
            "n": int(len(top))}


def format_quality(q: dict) -> str:
    """One line: ``confident 83% | classes 10/10 >= 4% | Fréchet 12.3 | hist 0:9% 1:11% ...``."""
    hist = " ".join(f"{d}:{v:.0%}" for d, v in enumerate(q["histogram"]))
    line = (f"confident {q['confident']:.0%} | classes {q['classes']}/10 >= {MIN_CLASS_SHARE:.0%} | "
            f"Frechet {q['frechet']:.2f} | hist {hist}")
    return line + (f"\nwarning: {q['warning']}" if q.get("warning") else "")
