"""Where a layer's parameters and buffers are made: PyTorch's two factory arguments, ``device=`` and ``dtype=``.

Every layer that holds tensors takes them, as in PyTorch::

    nn.Linear(3, 2, dtype=mg.float64)          # a layer to gradcheck in double precision
    nn.Conv2d(1, 8, 3, device="cuda")          # its weight made (and drawn) on the GPU

Without a dtype, the layer's floats take the default dtype (``mg.set_default_dtype``; float32 unless changed),
as ``mg.zeros`` does; without a device, they are on the default device
(``mg.set_default_device``; the CPU unless changed). A layer built of other layers (a Transformer of
attention, linear and norm layers; an RNN of its weights) passes the two on to them. What is not a float keeps its
own dtype whatever ``dtype`` says: batch norm's ``num_batches_tracked`` counts in int64.

Each layer asks once, ``make = factory(self, device, dtype)``, and then makes its tensors with
``make.parameter(shape)`` and ``make.buffer(shape, fill)``; ``make.kwargs`` is what it hands to its sub-layers.
The values are placeholders (zeros, or ``fill``): the layer's ``reset_parameters`` draws the initial weights."""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .. import backend, settings
from ..autograd import Tensor
from .module import Parameter

__all__ = ["Factory", "factory"]


class Factory(NamedTuple):
    """A layer's device (a canonical string) and dtype (a NumPy dtype), settled once: see :func:`factory`."""
    device: str
    dtype: np.dtype

    def full(self, shape, fill: float = 0.0, dtype=None):
        """An array of ``shape`` filled with ``fill``, on the layer's device, of its dtype (or ``dtype``)."""
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        xp = backend.xp_for(self.device)
        with backend.device_context(self.device):
            return xp.full(shape, fill, dtype=self.dtype if dtype is None else dtype)

    def parameter(self, shape, fill: float = 0.0) -> Parameter:
        """A learnable tensor of ``shape``, every value ``fill`` until the layer draws its own."""
        return Parameter(self.full(shape, fill))

    def buffer(self, shape, fill: float = 0.0, dtype=None) -> Tensor:
        """A buffer of ``shape`` (running statistics), filled with ``fill``; ``dtype`` for one that is not a
        float (a count)."""
        return Tensor(self.full(shape, fill, dtype))

    @property
    def kwargs(self) -> dict[str, Any]:
        """``{"device": ..., "dtype": ...}``, for the layers this one is built of."""
        return {"device": self.device, "dtype": self.dtype}


def factory(layer: Any, device=None, dtype=None) -> Factory:
    """The device and dtype a layer's tensors are made with: ``device`` (default :func:`minigan.get_default_device`)
    and ``dtype`` (default :func:`minigan.get_default_dtype`). ``layer`` (the layer, or its name) is named in the
    error for a dtype that cannot be learned: only floating-point parameters can require gradients (PyTorch also
    learns complex ones; minigan's tensors are real)."""
    dtype = np.dtype(settings.get_default_dtype() if dtype is None else dtype)
    if dtype.kind != "f":
        name = layer if isinstance(layer, str) else type(layer).__name__
        raise TypeError(f"{name}: dtype={dtype} cannot be a layer's dtype; only floating-point tensors can "
                        f"require gradients")
    return Factory(settings.creation_device(device), dtype)
