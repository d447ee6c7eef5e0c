"""Progress bars for training loops: a thin wrapper over tqdm.

::

    bar = progress(loader, desc="epoch 3")
    for images, labels in bar:
        ...
        bar.set_losses(D=d_loss.item(), G=g_loss.item())     # shown as "D=0.693 G=1.21"

The bar draws on stderr only when stderr is a terminal (tqdm's ``disable=None``), so logs,
tests and pipes stay clean; ``quiet=True`` silences it everywhere.  The last losses are kept in
``bar.losses`` either way.
"""
from __future__ import annotations

import sys
from typing import Iterable

__all__ = ["progress", "Progress", "format_losses"]


def format_losses(losses: dict) -> str:
    """``{"D": 0.69314, "G": 12345.6}`` -> ``"D=0.693 G=1.23e+04"``: 3 significant digits."""
    return " ".join(f"{name}={float(value):.3g}" for name, value in losses.items())


class Progress:
    """An iterable progress bar; see :func:`progress`."""

    def __init__(self, iterable_or_total, desc: str | None = None, quiet: bool = False, leave: bool = True,
                 file=None, **tqdm_kwargs):
        from tqdm import tqdm   # late import: only loops that want a bar pay for tqdm

        if isinstance(iterable_or_total, int):
            iterable, total = None, iterable_or_total
        else:
            iterable, total = iterable_or_total, tqdm_kwargs.pop("total", None)
        self.losses: dict[str, float] = {}
        self.bar = tqdm(iterable, total=total, desc=desc, leave=leave,
                        file=sys.stderr if file is None else file,   # looked up now: tests may swap stderr
                        disable=True if quiet else None,             # None: off unless a terminal
                        dynamic_ncols=True, **tqdm_kwargs)
        self._disabled = bool(self.bar.disable)   # read now: tqdm sets it to True on close()

    @property
    def disabled(self) -> bool:
        """True when nothing is drawn (``quiet``, or not a terminal)."""
        return self._disabled

    def __iter__(self):
        return iter(self.bar)

    def __len__(self) -> int:
        return len(self.bar)

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def set_losses(self, **losses: float) -> None:
        """Show ``name=value`` pairs after the bar (values are floats, or anything ``float()`` takes)."""
        self.losses = {name: float(value) for name, value in losses.items()}
        self.bar.set_postfix_str(format_losses(self.losses), refresh=False)

    def update(self, n: int = 1) -> None:
        """Advance by ``n`` steps (for a bar made from a total)."""
        self.bar.update(n)

    def write(self, message: str) -> None:
        """Print a line without breaking the bar (nothing when quiet)."""
        if not self.disabled:
            self.bar.write(message, file=self.bar.fp)

    def close(self) -> None:
        self.bar.close()


def progress(iterable_or_total: Iterable | int, desc: str | None = None, quiet: bool = False,
             **tqdm_kwargs) -> Progress:
    """A progress bar over an iterable (``for batch in progress(loader, "epoch 1")``) or for a
    number of steps (``bar = progress(1000, "steps"); bar.update()``).  Quiet when ``quiet=True``
    or when stderr is not a terminal."""
    return Progress(iterable_or_total, desc=desc, quiet=quiet, **tqdm_kwargs)
