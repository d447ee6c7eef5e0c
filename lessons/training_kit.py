# %% [markdown]
# # The training kit, end to end
#
# A small convolutional classifier trained with minigan on the handwritten digits that ship inside the
# package: the optimizer, the data loader, a progress bar, a checkpoint written and read back, and the
# pictures. Run it as `python lessons/training_kit.py` (`MINIGAN_QUICK=1` for a shorter run); it prints
# the held-out accuracy before and after the checkpoint round trip and writes two PNG files.

# %%
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import FIGURES, QUICK  # noqa: E402

import numpy as np  # noqa: E402

import minigan as mg  # noqa: E402
import minigan.nn as nn  # noqa: E402
import minigan.nn.functional as F  # noqa: E402
from minigan.data import DataLoader, load_digits  # noqa: E402
from minigan.progress import progress  # noqa: E402
from minigan.viz import plot_losses, save_image_grid  # noqa: E402

mg.manual_seed(0)

# %% [markdown]
# ## The data: 1,797 digits, 8×8, scaled to [-1, 1], upscaled to 16×16; 297 held out

# %%
images, labels = load_digits(size=16)
order = np.random.default_rng(0).permutation(len(labels))
test, train = order[:297], order[297:]
loader = DataLoader((images[train], labels[train]), batch_size=64, shuffle=True, seed=0)
print(f"{len(train)} training digits, {len(test)} held out, images {images.shape[1:]}")


# %% [markdown]
# ## The model: two strided convolutions and a linear layer

# %%
def make_model():
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, stride=2, padding=1), nn.BatchNorm2d(16), nn.ReLU(),   # 16 -> 8
        nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.BatchNorm2d(32), nn.ReLU(),  # 8 -> 4
        nn.Flatten(), nn.Linear(32 * 4 * 4, 10))


@mg.no_grad()
def accuracy(model, x, y):
    model.eval()
    pred = model(mg.tensor(x)).numpy().argmax(axis=1)
    model.train()
    return float((pred == y).mean())


model = make_model()
opt = mg.optim.Adam(model.parameters(), lr=2e-3)
print(model)
print(f"held-out accuracy before training: {accuracy(model, images[test], labels[test]):.3f}")

# %% [markdown]
# ## Training with Adam, a progress bar showing the loss

# %%
epochs = 4 if QUICK else 12
history = {"loss": []}
bar = progress(epochs * len(loader), desc="training")  # quiet when not attached to a terminal
for epoch in range(epochs):
    for x, y in loader:
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        history["loss"].append(loss.item())
        bar.set_losses(loss=loss.item())
        bar.update(1)
bar.close()
acc = accuracy(model, images[test], labels[test])
print(f"held-out accuracy after {epochs} epochs: {acc:.3f}")

# %% [markdown]
# ## A checkpoint: written atomically, read back into a fresh model, the same accuracy

# %%
with tempfile.TemporaryDirectory() as tmp:
    path = mg.io.save(os.path.join(tmp, "classifier.npz"), model=model.state_dict(), optimizer=opt.state_dict(),
                      epoch=epochs)
    state = mg.io.load(path)
    fresh = make_model()
    fresh.load_state_dict(state["model"])
    acc2 = accuracy(fresh, images[test], labels[test])
print(f"held-out accuracy after the checkpoint round trip: {acc2:.3f} (same: {acc2 == acc})")

# %% [markdown]
# ## Pictures: a grid of digits and the loss curve

# %%
grid = save_image_grid(images[test[:64]], FIGURES / "training_kit_digits.png", nrow=8)
curve = plot_losses(history, FIGURES / "training_kit_loss.png", smooth=0.9)
print(f"wrote {grid.name} and {curve.name} in {FIGURES.name}/")
