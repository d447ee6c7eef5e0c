"""PyTorch's ``torch.utils`` names that minigan has: :mod:`minigan.utils.data` (datasets, samplers, loaders)."""
from . import data  # noqa: F401

__all__ = ["data"]
