"""PyTorch's ``torch.utils`` names that minigan has: :mod:`minigan.utils.data` (datasets, samplers, loaders).
:mod:`minigan.utils.checkpoint`: gradient checkpointing (``checkpoint``, ``checkpoint_sequential``)."""
from . import data  # noqa: F401
from . import checkpoint  # noqa: F401

__all__ = ["data", "checkpoint"]
