"""``skip_init``: a module whose parameters are left uninitialised, as ``torch.nn.utils.skip_init``, for when
they will be overwritten anyway (a checkpoint is about to be loaded, or a custom init follows)."""
from __future__ import annotations

from ... import backend
from ..module import Module

__all__ = ["skip_init"]


def skip_init(module_cls, *args, **kwargs) -> Module:
    """``module_cls(*args, **kwargs)`` with every parameter and buffer holding uninitialised memory
    (``empty``: whatever bytes were there; set them before use) and the random generator where it was before,
    so the random numbers drawn afterwards are those that would have come without this module.

    PyTorch builds the module on its "meta" device, where nothing is allocated or drawn, and then allocates
    empty memory; minigan layers always initialise as they are built (on the CPU, with the CPU generator), so
    here the module is built as usual and the generator's state is put back afterwards: the same result, but
    the initialisation's time is not saved. A ``device=`` keyword (which PyTorch requires and passes to the
    layer) moves the module there afterwards, since minigan layers take no device argument."""
    if not (isinstance(module_cls, type) and issubclass(module_cls, Module)):
        raise RuntimeError(f"Expected a Module; got {module_cls}")
    device = kwargs.pop("device", None)
    gen = backend.rng("cpu")
    saved = gen.bit_generator.state
    try:
        module = module_cls(*args, **kwargs)
    finally:
        gen.bit_generator.state = saved
    for t in list(module.parameters()) + list(module.buffers()):
        t.data = backend.xp_of(t.data).empty_like(t.data)
        t._bump_version()
    return module if device is None else module.to(device)
