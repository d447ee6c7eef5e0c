"""Padding, as ``torch.nn.functional.pad``: grow the last dims of a tensor by a border (or, with a negative
amount, crop them).

``pad`` is a flat tuple of amounts starting from the LAST dim: ``(left, right)`` pads the last dim,
``(left, right, top, bottom)`` the last two, and so on. The ``mode`` says what the border holds.

``constant`` fills it with a value; it is its own :class:`Pad` Function, whose gradient is padding by the
negated amounts (crop the border away again).

The other three modes copy values of the tensor itself. Each is an *index map* along a padded dim: output
position ``j`` reads input index ``map[j]``. For a dim of ``n = 4`` values ``[a, b, c, d]`` padded by
``(2, 1)``::

    mode        index map                 values
    reflect     [2, 1, 0, 1, 2, 3, 2]     c b | a b c d | c     mirror at the edge (the edge is not repeated)
    replicate   [0, 0, 0, 1, 2, 3, 3]     a a | a b c d | d     repeat the edge value
    circular    [2, 3, 0, 1, 2, 3, 0]     c d | a b c d | a     wrap around, as on a ring

Padding several dims gathers with one map per dim on an open grid, ``x[..., rows[:, None], cols]``, so the
corners follow from the edges. The forward is thus integer-array indexing (:func:`getitem`), and the
gradient is indexing's: ``gy`` scatter-added into zeros, where an input value read by several output
positions (the edge under ``replicate``, say) collects all their gradients. Indexing's backward is itself
differentiable, so the double backward comes for free, on the GPU too.
"""
from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd import Function, Tensor

MODES = ("constant", "reflect", "replicate", "circular")


# --------------------------------------------------------------------------- constant
class Pad(Function):
    """Constant padding by ``widths``, one ``(before, after)`` pair per dim; a negative amount crops
    instead. The gradient of padding by ``p`` is padding by ``-p``: it crops away the border the forward
    added, and puts zeros where the forward cropped."""

    @staticmethod
    def forward(ctx, x, widths, value):
        ctx.widths = widths
        crop = tuple(slice(max(-b, 0), n - max(-a, 0)) for (b, a), n in zip(widths, x.shape))
        grow = tuple((max(b, 0), max(a, 0)) for b, a in widths)
        return backend.xp_of(x).pad(x[crop], grow, mode="constant", constant_values=value)

    @staticmethod
    def backward(ctx, gy):
        return Pad.apply(gy, tuple((-b, -a) for b, a in ctx.widths), 0)


# --------------------------------------------------------------------------- the index maps
# Output position j of a dim padded by (before, after) sits at p = j - before in the input's coordinates,
# so p runs over -before .. n - 1 + after; each map says which input index p reads.

def reflect_index(n: int, before: int, after: int) -> np.ndarray:
    """Mirror ``p`` at index 0 and at index ``n - 1``: ``-1 -> 1``, ``n -> n - 2``. Needs ``before, after < n``,
    so one reflection is enough. ``reflect_index(4, 2, 1) = [2, 1, 0, 1, 2, 3, 2]``."""
    p = np.abs(np.arange(-before, n + after))
    return np.where(p > n - 1, 2 * (n - 1) - p, p)


def replicate_index(n: int, before: int, after: int) -> np.ndarray:
    """Clamp ``p`` into ``[0, n - 1]``. ``replicate_index(4, 2, 1) = [0, 0, 0, 1, 2, 3, 3]``."""
    return np.clip(np.arange(-before, n + after), 0, n - 1)


def circular_index(n: int, before: int, after: int) -> np.ndarray:
    """``p`` modulo the size. A negative amount first crops, and the wrap-around reads the ``m`` values that
    remain: ``circular_index(4, 2, 1) = [2, 3, 0, 1, 2, 3, 0]``, ``circular_index(4, -1, 2) = [1, 2, 3, 1, 2]``.
    Needs ``before, after <= m``, so it wraps at most once."""
    start = max(-before, 0)
    m = n - start - max(-after, 0)                      # the values left after cropping
    q = np.arange(-max(before, 0), m + max(after, 0))   # positions relative to the first one left
    return start + q % max(m, 1)


INDEX_MAPS = {"reflect": reflect_index, "replicate": replicate_index, "circular": circular_index}


def _check_copy_mode(x: Tensor, pad: tuple, pairs: list, mode: str) -> None:
    """PyTorch's rules for the modes that copy: 1, 2 or 3 padded dims, of an input with one or two more dims
    (an optional batch dim and a channel dim), and amounts each mode can read."""
    k = len(pairs)
    if k not in (1, 2, 3) or x.ndim not in (k + 1, k + 2):
        raise ValueError(
            f"pad: mode {mode!r} pads the last 1, 2 or 3 dims of an input with 1 or 2 more dims (channels, and "
            f"an optional batch): 2 amounts need a 2-D or 3-D input, 4 amounts a 3-D or 4-D input, 6 amounts "
            f"a 4-D or 5-D input; got {len(pad)} amounts {tuple(pad)} for an input of shape {x.shape}")
    for d, (before, after) in zip(range(x.ndim - 1, -1, -1), pairs):
        n = x.shape[d]
        where = f"pad {tuple(pad)} on dim {d} of size {n} (input shape {x.shape})"
        if mode == "reflect" and (before >= n or after >= n):
            raise ValueError(f"pad: mode 'reflect' needs each amount smaller than the size of its dim, got {where}")
        if mode in ("reflect", "replicate") and (n == 0 or n + before + after <= 0):
            raise ValueError(f"pad: mode {mode!r} needs a non-empty dim and a non-empty result, got {where}")
        left = n + min(before, 0) + min(after, 0)       # what the negative amounts leave
        if mode == "circular" and left < 0:
            raise ValueError(f"pad: {where} crops more than the dim holds")
        if mode == "circular" and (before > left or after > left):
            size = f"{left}, after cropping" if left != n else f"{n}"
            raise ValueError(f"pad: mode 'circular' wraps around at most once, so each amount must be at most "
                             f"the size of its dim ({size}), got {where}")


def pad(input: Tensor, pad, mode: str = "constant", value: float | None = None) -> Tensor:  # noqa: A002
    """Pad the last dims of ``x``, as ``torch.nn.functional.pad``: ``pad(x, (1, 1, 2, 2))`` maps
    ``(N, C, H, W)`` to ``(N, C, H + 4, W + 2)``. A negative amount crops.

    ``mode="constant"`` fills the border with ``value`` (default 0) and pads any number of dims.
    ``"reflect"``, ``"replicate"`` and ``"circular"`` copy values of ``x`` through the index maps of this
    module's docstring; as in PyTorch they pad the last 1, 2 or 3 dims of a 2-D/3-D, 3-D/4-D or 4-D/5-D
    input, ``reflect`` needs each amount smaller than its dim, and ``circular`` at most its dim."""
    if mode not in MODES:
        raise ValueError(f"pad: mode must be one of {', '.join(map(repr, MODES))}, got {mode!r}")
    if not isinstance(pad, (tuple, list)) or not all(isinstance(p, (int, np.integer)) for p in pad):
        raise TypeError(f"pad: pad must be a tuple of ints (left, right, top, bottom, ...), starting from the "
                        f"last dim, got {pad!r}")
    if len(pad) % 2 or len(pad) > 2 * input.ndim:
        raise ValueError(f"pad: pad {tuple(pad)} must hold a (before, after) pair for each of at most the "
                         f"tensor's {input.ndim} dims (shape {input.shape})")
    pairs = [(int(pad[i]), int(pad[i + 1])) for i in range(0, len(pad), 2)]      # last dim first
    if mode == "constant":
        widths = ((0, 0),) * (input.ndim - len(pairs)) + tuple(reversed(pairs))      # one pair per dim, in order
        for (b, a), n in zip(widths, input.shape):
            if n + min(b, 0) + min(a, 0) < 0:
                raise ValueError(f"pad: pad {tuple(pad)} crops more than the tensor holds (shape {input.shape})")
        return Pad.apply(input, widths, 0.0 if value is None else value)
    if value is not None and value != 0:
        raise ValueError(f"pad: mode {mode!r} copies values of the input and takes no value (got value={value}); "
                         "only mode='constant' fills with a value")
    _check_copy_mode(input, pad, pairs, mode)
    xp = backend.xp_of(input.data)
    maps = [INDEX_MAPS[mode](n, b, a) for n, (b, a) in zip(input.shape[-len(pairs):], reversed(pairs))]
    grid = tuple(xp.asarray(m) for m in np.ix_(*maps))  # one index array per padded dim, on an open grid
    return input[(Ellipsis,) + grid]
