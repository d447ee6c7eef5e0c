"""Draw minigan's four style-transfer textures and save them as PNG.

Usage::

    python tools/make_textures.py [--out minigan/data/files/textures] [--size 256]

Each texture is computed from a fixed seed with NumPy alone, so the pictures are the same on
every run.  They are minigan's own works, dedicated to the public domain (CC0 1.0).

* ``stripes``: diagonal bands bent by two sine waves, coloured through a sunset palette.
* ``mosaic``:  Voronoi cells (each pixel takes the colour of its nearest seed point), grouted.
* ``marble``:  sine veins displaced by fractal noise turbulence (Perlin's classic marble).
* ``weave``:   a tartan: coloured bands across and down, mixed as a twill weave mixes threads.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "minigan" / "data" / "files" / "textures"


def palette(t: np.ndarray, stops: list[tuple[float, tuple[int, int, int]]]) -> np.ndarray:
    """Map values ``t`` in [0, 1] to colours by linear interpolation between ``(position, rgb)`` stops."""
    pos = np.array([p for p, _ in stops])
    rgb = np.array([c for _, c in stops], dtype=np.float64) / 255
    return np.stack([np.interp(t, pos, rgb[:, k]) for k in range(3)], axis=-1)


def value_noise(size: int, cells: int, rng: np.random.Generator) -> np.ndarray:
    """Smooth random field in [0, 1]: a ``cells x cells`` grid of random values, bilinearly
    interpolated (with a smoothstep) up to ``size x size``; it wraps around, so it tiles."""
    grid = rng.random((cells, cells))
    x = np.arange(size) * cells / size
    i0 = np.floor(x).astype(int)
    t = x - i0
    t = t * t * (3 - 2 * t)                       # smoothstep hides the grid's creases
    i1 = (i0 + 1) % cells
    rows = grid[i0] * (1 - t)[:, None] + grid[i1] * t[:, None]
    return rows[:, i0] * (1 - t) + rows[:, i1] * t


def turbulence(size: int, rng: np.random.Generator, octaves: int = 5) -> np.ndarray:
    """Fractal noise: octaves of value noise, each twice as fine and half as strong; in [0, 1]."""
    total, weight = np.zeros((size, size)), 0.0
    for k in range(octaves):
        amp = 0.5 ** k
        total += amp * value_noise(size, 4 * 2 ** k, rng)
        weight += amp
    return total / weight


def stripes(size: int) -> np.ndarray:
    y, x = np.mgrid[0:size, 0:size] / size
    phase = 6 * (x + y) + 0.35 * np.sin(2 * np.pi * 3 * y) + 0.2 * np.sin(2 * np.pi * 5 * x)
    t = 0.5 + 0.5 * np.sin(2 * np.pi * phase)
    return palette(t, [(0.0, (40, 20, 90)), (0.35, (200, 40, 90)), (0.7, (250, 150, 40)), (1.0, (255, 235, 150))])


def mosaic(size: int, cells: int = 60) -> np.ndarray:
    rng = np.random.default_rng(2)
    seeds = rng.random((cells, 2)) * size
    colours = palette(rng.random(cells), [(0.0, (20, 90, 160)), (0.33, (30, 170, 150)),
                                          (0.66, (240, 200, 60)), (1.0, (220, 80, 50))])
    y, x = np.mgrid[0:size, 0:size] + 0.5
    # distances on a torus, so the picture tiles
    dy = np.abs(y[..., None] - seeds[:, 0]); dy = np.minimum(dy, size - dy)
    dx = np.abs(x[..., None] - seeds[:, 1]); dx = np.minimum(dx, size - dx)
    d = np.sqrt(dx ** 2 + dy ** 2)
    order = np.sort(d, axis=-1)
    nearest = np.argmin(d, axis=-1)
    image = colours[nearest]
    grout = np.clip((order[..., 1] - order[..., 0]) / 3.0, 0, 1)[..., None]   # dark where two cells meet
    shade = 0.85 + 0.15 * turbulence(size, rng, octaves=3)[..., None]
    return image * shade * grout + 0.12 * (1 - grout)


def marble(size: int) -> np.ndarray:
    rng = np.random.default_rng(3)
    y, x = np.mgrid[0:size, 0:size] / size
    veins = np.sin(2 * np.pi * (3 * x + 1 * y) + 7.0 * turbulence(size, rng))
    t = np.abs(veins) ** 0.5                       # thin dark veins between wide light bands
    return palette(t, [(0.0, (30, 40, 70)), (0.25, (90, 110, 150)), (0.6, (205, 210, 220)), (1.0, (245, 242, 235))])


def weave(size: int) -> np.ndarray:
    colours = np.array([(150, 20, 30), (20, 50, 110), (30, 90, 50), (235, 200, 60), (240, 240, 230)]) / 255
    # one sett (the repeating band pattern), in threads: (colour index, width)
    sett = [(0, 24), (1, 10), (0, 6), (2, 12), (3, 2), (2, 12), (0, 6), (1, 10), (4, 2)]
    band = np.concatenate([np.full(w, c) for c, w in sett])
    idx = band[np.arange(size) % len(band)]
    warp = colours[idx][None, :, :].repeat(size, axis=0)     # threads running down: colour by column
    weft = colours[idx][:, None, :].repeat(size, axis=1)     # threads running across: colour by row
    y, x = np.mgrid[0:size, 0:size]
    over = ((x // 2 + y // 2) % 4) < 2                       # 2/2 twill: diagonal ribs
    image = np.where(over[..., None], warp, weft)
    relief = 0.9 + 0.1 * np.cos(np.pi * (x % 2))[..., None] * np.cos(np.pi * (y % 2))[..., None]
    return image * relief


TEXTURES = {"stripes": stripes, "mosaic": mosaic, "marble": marble, "weave": weave}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--size", type=int, default=256)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, draw in TEXTURES.items():
        rgb = np.clip(draw(args.size), 0, 1)
        path = args.out / f"{name}.png"
        # Pillow directly (not matplotlib's imsave) so no version string lands in the file
        Image.fromarray(np.round(rgb * 255).astype(np.uint8)).save(path, optimize=True)
        print(f"wrote {path.name}: {args.size}x{args.size}, {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
