"""Pictures of training: image grids, loss curves, histograms, filters, before/after panels.

Everything here draws on a :class:`matplotlib.figure.Figure` made for the one picture and saved
with its own canvas, never through pyplot: no global state, no window, works on a machine
without a display (the Agg renderer), and a learner's notebook state is left alone.  Each
``path``'s parent folder is created when missing; each function returns the path it wrote.

Images come as ``(N, C, H, W)`` NumPy or CuPy arrays or Tensors, ``C`` = 1 (gray) or 3 (RGB).
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from . import backend

__all__ = ["image_grid", "save_image_grid", "plot_losses", "plot_histograms", "plot_filters",
           "save_side_by_side", "smooth_curve"]


def _host(a) -> np.ndarray:
    """A NumPy copy of an array or a Tensor (its ``.data``)."""
    data = a if backend.is_array(a) else getattr(a, "data", a)
    return np.asarray(backend.to_numpy(data))


def _figure(width: float, height: float):
    from matplotlib.figure import Figure   # imported late: matplotlib is slow to import
    return Figure(figsize=(width, height), dpi=100)


def _save(fig, path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png")   # a Figure without pyplot renders with Agg
    return path


def _to_unit(x: np.ndarray, value_range) -> np.ndarray:
    """Map ``value_range = (lo, hi)`` to [0, 1] and clip; ``"auto"`` uses ``x``'s own min and max."""
    if isinstance(value_range, str):
        if value_range != "auto":
            raise ValueError(f"value_range must be (low, high) or 'auto', got {value_range!r}")
        lo, hi = float(x.min()), float(x.max())
    else:
        lo, hi = (float(v) for v in value_range)
    if hi <= lo:   # a constant image: show it mid-gray rather than divide by zero
        return np.full_like(x, 0.5, dtype=np.float32)
    return np.clip((x.astype(np.float32) - lo) / (hi - lo), 0.0, 1.0)


def image_grid(images, nrow: int | None = None, value_range=(-1, 1), padding: int = 2,
               pad_value: float = 1.0, scale_each: bool = False) -> np.ndarray:
    """Tile images into one picture: ``(N, C, H, W) -> (rows*(H+p)+p, nrow*(W+p)+p, C)`` float32
    in [0, 1], ``p = padding``, ``rows = ceil(N / nrow)``.

    ``nrow`` is the number of images per row (as torchvision's ``make_grid``), ``ceil(sqrt(N))``
    by default.  ``value_range``: ``(-1, 1)`` for tanh outputs, ``(0, 1)``, or ``"auto"`` (the
    batch's min and max; each image's own with ``scale_each``).  Padding is ``pad_value``
    (1 = white).  A single ``(H, W)`` image is accepted as ``(1, 1, H, W)``.
    """
    x = _host(images)
    if x.ndim == 2:
        x = x[None, None]
    if x.ndim != 4 or x.shape[1] not in (1, 3):
        hint = " (for a batch of gray (N, H, W) images use x[:, None]; for one (C, H, W) image x[None])" \
            if x.ndim == 3 else ""
        raise ValueError(f"image_grid: expected images (N, C, H, W) with C = 1 or 3, got shape {x.shape}{hint}")
    n, c, h, w = x.shape
    if n == 0:
        raise ValueError("image_grid: no images to show")
    if scale_each:
        x = np.stack([_to_unit(img, value_range) for img in x])
    else:
        x = _to_unit(x, value_range)
    ncol = int(nrow) if nrow else math.ceil(math.sqrt(n))
    nrows = math.ceil(n / ncol)
    p = int(padding)
    grid = np.full((nrows * (h + p) + p, ncol * (w + p) + p, c), pad_value, dtype=np.float32)
    for i in range(n):
        r, q = divmod(i, ncol)
        top, left = p + r * (h + p), p + q * (w + p)
        grid[top:top + h, left:left + w] = x[i].transpose(1, 2, 0)   # (C, H, W) -> (H, W, C)
    return grid


def save_image_grid(images, path, nrow: int | None = None, value_range=(-1, 1), padding: int = 2,
                    pad_value: float = 1.0, upscale: int | None = None) -> Path:
    """Save :func:`image_grid` as a PNG, pixel for pixel.  ``upscale`` repeats each pixel
    ``k x k`` times; by default ``k`` makes the picture at least about 256 pixels wide, so a
    grid of 8x8 digits is visible without blurring."""
    import matplotlib.image as mpimg   # imsave writes through Pillow: no figure, no global state

    grid = image_grid(images, nrow=nrow, value_range=value_range, padding=padding, pad_value=pad_value)
    k = int(upscale) if upscale else max(1, 256 // max(grid.shape[:2]))
    if k > 1:
        grid = grid.repeat(k, axis=0).repeat(k, axis=1)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rgb = np.repeat(grid, 3, axis=2) if grid.shape[2] == 1 else grid
    mpimg.imsave(path, rgb, format="png")
    return path


def smooth_curve(values, smooth=0.9) -> np.ndarray:
    """Smooth a noisy curve.  A float ``0 <= smooth < 1`` is an exponential moving average
    ``s_t = smooth * s_{t-1} + (1 - smooth) * v_t``, divided by ``1 - smooth**t`` so the start is
    not pulled towards 0 (TensorBoard's debiasing); an int ``k >= 1`` is a trailing mean over
    the last ``k`` values."""
    v = np.asarray(values, dtype=np.float64)
    if isinstance(smooth, (int, np.integer)) and not isinstance(smooth, bool) and smooth >= 1:
        c = np.concatenate([[0.0], np.cumsum(v)])
        idx = np.arange(1, len(v) + 1)
        start = np.maximum(idx - int(smooth), 0)
        return (c[idx] - c[start]) / (idx - start)
    a = float(smooth)
    if not 0.0 <= a < 1.0:
        raise ValueError(f"smooth_curve: smooth must be an EMA factor in [0, 1) or a window >= 1, got {smooth!r}")
    out, s = np.empty_like(v), 0.0
    for t, value in enumerate(v, start=1):
        s = a * s + (1 - a) * value
        out[t - 1] = s / (1 - a ** t)
    return out


def plot_losses(history: dict, path, smooth=0.9, title: str | None = None, xlabel: str = "step") -> Path:
    """One curve per entry of ``history`` (``{"D": [...], "G": [...]}``): the raw values faint,
    the smoothed ones (:func:`smooth_curve`) solid.  For a GAN, healthy training shows both
    losses oscillating rather than falling to 0."""
    fig = _figure(7, 4)
    ax = fig.add_subplot()
    for i, (name, values) in enumerate(history.items()):
        v = np.asarray([float(x) for x in values], dtype=np.float64)
        if v.size == 0:
            continue
        colour = f"C{i}"
        ax.plot(v, color=colour, alpha=0.25, linewidth=0.8)
        label = name if not smooth else f"{name} (smoothed)"
        ax.plot(smooth_curve(v, smooth) if smooth else v, color=colour, linewidth=1.6, label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("loss")
    if title:
        ax.set_title(title)
    if history:
        ax.legend(loc="best")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return _save(fig, path)


def plot_histograms(named_arrays, path, bins: int = 50, title: str | None = None) -> Path:
    """A histogram per named array (a dict, or ``(name, array)`` pairs such as
    ``named_parameters()``), for weights and gradients; ``None`` (a parameter without a
    gradient yet) gets an empty panel that says so.  Each title shows the mean and std."""
    items = list(named_arrays.items()) if isinstance(named_arrays, dict) else list(named_arrays)
    if not items:
        raise ValueError("plot_histograms: nothing to plot")
    ncol = min(4, len(items))
    nrows = math.ceil(len(items) / ncol)
    fig = _figure(3.2 * ncol, 2.4 * nrows)
    for i, (name, a) in enumerate(items):
        ax = fig.add_subplot(nrows, ncol, i + 1)
        if a is None:
            ax.text(0.5, 0.5, "None\n(no gradient yet?)", ha="center", va="center", transform=ax.transAxes)
            ax.set_title(f"{name}", fontsize=8)
            ax.set_axis_off()
            continue
        v = _host(a).astype(np.float64).ravel()
        ax.hist(v, bins=bins, color="C0")
        ax.set_title(f"{name}\nmean {v.mean():.3g}, std {v.std():.3g}", fontsize=8)
        ax.tick_params(labelsize=7)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return _save(fig, path)


def plot_filters(weight, path, max_filters: int = 64, title: str | None = None) -> Path:
    """Show convolution filters ``(C_out, C_in, kh, kw)`` as tiles, each scaled to its own min and
    max.  With ``C_in = 3`` each filter is one RGB tile; otherwise a row per output channel and a
    column per input channel (up to ``max_filters`` tiles in all)."""
    w = _host(weight)
    if w.ndim != 4:
        raise ValueError(f"plot_filters: expected a weight (C_out, C_in, kh, kw), got shape {w.shape}")
    c_out, c_in, kh, kw = w.shape
    if c_in == 3:
        tiles, ncol = w[:max_filters], None
    else:
        cols = max(1, min(c_in, max_filters))
        rows = max(1, min(c_out, max_filters // cols))
        tiles, ncol = w[:rows, :cols].reshape(rows * cols, 1, kh, kw), cols
    grid = image_grid(tiles, nrow=ncol, value_range="auto", scale_each=True, padding=1, pad_value=1.0)
    h, wd = grid.shape[:2]
    fig = _figure(max(3.0, min(10.0, wd / 12)), max(3.0, min(10.0, h / 12)))
    ax = fig.add_subplot()
    ax.imshow(grid[:, :, 0] if grid.shape[2] == 1 else grid, cmap="gray", interpolation="nearest", vmin=0, vmax=1)
    ax.set_axis_off()
    ax.set_title(title or f"filters {tuple(w.shape)}", fontsize=9)
    fig.tight_layout()
    return _save(fig, path)


def save_side_by_side(images: list, titles: list | None, path, value_range=(0, 1)) -> Path:
    """Several images in a row with titles, e.g. content | style | result of style transfer.
    Each image is ``(C, H, W)``, ``(1, C, H, W)`` or ``(H, W)``; ``value_range`` as in
    :func:`image_grid` (``(0, 1)`` by default, the range style transfer clamps pixels to)."""
    if titles is not None and len(titles) != len(images):
        raise ValueError(f"save_side_by_side: {len(images)} images but {len(titles)} titles")
    fig = _figure(3.2 * len(images), 3.6)
    for i, img in enumerate(images):
        x = _host(img)
        if x.ndim == 3:
            x = x[None]
        if x.ndim == 4 and x.shape[0] != 1:
            raise ValueError(f"save_side_by_side: image {i} is a batch of {x.shape[0]}; give one image each")
        tile = image_grid(x, value_range=value_range, padding=0)
        ax = fig.add_subplot(1, len(images), i + 1)
        ax.imshow(tile[:, :, 0] if tile.shape[2] == 1 else tile, cmap="gray", vmin=0, vmax=1)
        ax.set_axis_off()
        if titles is not None:
            ax.set_title(str(titles[i]))
    fig.tight_layout()
    return _save(fig, path)
