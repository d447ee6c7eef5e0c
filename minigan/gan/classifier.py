"""A small CNN that reads digits: the judge of a digit GAN's samples (:mod:`minigan.gan.metrics`).

It is trained with minigan itself on the embedded digits, upscaled to 16x16, by
``tools/train_digit_classifier.py``; the weights ship as ``files/digit_classifier.npz`` (how they
were made: ``files/README.md``). The same script, run again, makes the same file.

Architecture, ``(N, 1, 16, 16) -> (N, 10)`` logits::

    Conv2d(1, 16, 3, p1) ReLU MaxPool2d(2)     16x16 -> 8x8
    Conv2d(16, 32, 3, p1) ReLU MaxPool2d(2)    8x8 -> 4x4
    Flatten, Linear(512, 64) ReLU              the 64 features the Fréchet distance compares
    Linear(64, 10)

Images of another size are resized to 16x16 (bilinear) before they are read.
"""
from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

import minigan as mg
import minigan.nn as nn
import minigan.nn.functional as F
from minigan import backend

__all__ = ["DigitClassifier", "CLASSIFIER_PATH", "CLASSIFIER_SIZE", "split_digits", "train_classifier",
           "accuracy", "load_classifier"]

CLASSIFIER_PATH = Path(__file__).resolve().parent / "files" / "digit_classifier.npz"
CLASSIFIER_SIZE = 16
HELD_OUT = 297          # digits kept out of training to measure accuracy (1797 = 1500 + 297)
SPLIT_SEED = 2024


class DigitClassifier(nn.Module):
    """``(N, 1, S, S) -> (N, 10)`` logits; :meth:`features` gives the 64 penultimate activations."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(32 * 4 * 4, 64), nn.ReLU())
        self.head = nn.Linear(64, 10)

    def features(self, x):
        """``(N, 1, S, S) -> (N, 64)``, after resizing to 16x16 when ``S != 16``."""
        if x.ndim != 4 or x.shape[1] != 1:
            raise ValueError(f"DigitClassifier: expected gray images (N, 1, H, W), got shape {x.shape}")
        if x.shape[2:] != (CLASSIFIER_SIZE, CLASSIFIER_SIZE):
            x = mg.tensor(mg.data.resize(x.detach().data, CLASSIFIER_SIZE), device=x.device, dtype=x.dtype)
        return self.body(x)

    def forward(self, x):
        return self.head(self.features(x))


def split_digits(size: int = CLASSIFIER_SIZE):
    """The fixed split: ``(train_images, train_labels, test_images, test_labels)``, 1500 / 297 digits."""
    images, labels = mg.data.load_digits(size=size)
    order = np.random.default_rng(SPLIT_SEED).permutation(len(labels))
    test, train = order[:HELD_OUT], order[HELD_OUT:]
    return images[train], labels[train], images[test], labels[test]


def _shift(images: np.ndarray, rng: np.random.Generator, max_shift: int = 2) -> np.ndarray:
    """Move each image by up to ``max_shift`` pixels each way (background -1 fills in): the
    classifier then does not depend on where exactly a generator draws the digit."""
    n, _, h, w = images.shape
    padded = np.pad(images, ((0, 0), (0, 0), (max_shift,) * 2, (max_shift,) * 2), constant_values=-1.0)
    dy, dx = rng.integers(0, 2 * max_shift + 1, size=(2, n))
    return np.stack([padded[i, :, dy[i]:dy[i] + h, dx[i]:dx[i] + w] for i in range(n)])


@mg.no_grad()
def accuracy(model: DigitClassifier, images: np.ndarray, labels: np.ndarray, device: str = "cpu") -> float:
    """The fraction of ``images`` whose most likely class is their label."""
    model.eval()
    logits = model(mg.tensor(images, device=device))
    return float((backend.to_numpy(logits.data).argmax(axis=1) == labels).mean())


def train_classifier(epochs: int = 20, batch_size: int = 64, lr: float = 2e-3, seed: int = 0,
                     device: str = "cpu", log=print) -> tuple[DigitClassifier, float]:
    """Train on the 1500 training digits (with random shifts); returns ``(model, held-out accuracy)``."""
    mg.manual_seed(seed)
    x_train, y_train, x_test, y_test = split_digits()
    model = DigitClassifier().to(device)
    opt = mg.optim.Adam(model.parameters(), lr=lr)
    rng = np.random.default_rng(seed)
    for epoch in range(epochs):
        model.train()
        order = rng.permutation(len(y_train))
        total = 0.0
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            x = mg.tensor(_shift(x_train[idx], rng), device=device)
            y = mg.tensor(y_train[idx], device=device)
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        if log:
            log(f"epoch {epoch + 1:2d}: loss {total / len(order):.4f}, "
                f"held-out accuracy {accuracy(model, x_test, y_test, device):.4f}")
    model.eval()
    return model, accuracy(model, x_test, y_test, device)


@functools.lru_cache(maxsize=4)
def load_classifier(device: str = "cpu", path: str | None = None) -> DigitClassifier:
    """The shipped classifier (or one saved at ``path``), in eval mode on ``device``. Cached: treat
    it as read-only."""
    path = Path(path) if path else CLASSIFIER_PATH
    if not path.is_file():
        raise FileNotFoundError(f"load_classifier: no classifier weights at {path}; make them with "
                                "tools/train_digit_classifier.py")
    state = mg.io.load(path, device=backend.normalize_device(device))
    # Building the layers draws their (soon overwritten) initial weights from the CPU generator; put
    # its state back, so that loading the judge in the middle of a GAN run changes nothing in the run.
    gen = backend.rng("cpu")
    rng_state = gen.bit_generator.state
    model = DigitClassifier()
    gen.bit_generator.state = rng_state
    model.to(device)
    model.load_state_dict(state["model"])
    model.requires_grad_(False)
    return model.eval()
