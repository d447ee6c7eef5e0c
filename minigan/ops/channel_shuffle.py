"""``channel_shuffle``: ShuffleNet's interleaving of the channels of ``groups`` groups (Zhang et al. 2017).

A grouped convolution keeps each group's channels to itself; shuffling them before the next grouped convolution
lets information cross between groups. The channels ``(N, C, *)``, read as ``groups`` rows of ``C / groups``, are
transposed to ``C / groups`` rows of ``groups`` and read back in order: with 6 channels and 2 groups,
``[0 1 2 | 3 4 5] -> [0 3 1 4 2 5]``.

A composition of reshape and permute, so its gradient is the inverse shuffle (the transposition undone), of any
order.
"""
from __future__ import annotations

import numpy as np

from ..autograd import Tensor, as_tensor
from .shape import permute, reshape

__all__ = ["channel_shuffle"]


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """``(N, C, *) -> (N, C, *)``, the channels of ``groups`` groups interleaved, as
    ``torch.nn.functional.channel_shuffle``: output channel ``j * groups + g`` is input channel ``g * (C / groups) +
    j``. Any dtype; ``C`` must be a multiple of ``groups``."""
    x = as_tensor(input)
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)):
        raise TypeError(f"channel_shuffle: groups must be an int, got {groups!r}")
    if x.ndim <= 2:
        raise ValueError(f"channel_shuffle: expects an input with more than 2 dims (N, C, *), got shape {x.shape}")
    if groups <= 0:
        raise ValueError(f"channel_shuffle: the number of groups to divide channels in must be positive, "
                         f"got groups={groups}")
    n, c, *rest = x.shape
    if c % groups:
        raise ValueError(f"channel_shuffle: the number of channels must be divisible by groups; got {c} channels "
                         f"and {groups} groups (input shape {x.shape})")
    grouped = reshape(x, (n, int(groups), c // groups, *rest))
    return reshape(permute(grouped, (0, 2, 1) + tuple(range(3, x.ndim + 1))), x.shape)
