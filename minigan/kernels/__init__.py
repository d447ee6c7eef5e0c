"""Array-in, array-out kernels with no autograd, in several implementations with one signature.

Implementations (modules with the same function names and signatures):

- ``"naive"``  (:mod:`minigan.kernels.naive`): explicit loops that read like the textbook. Small inputs only.
- ``"im2col"`` (:mod:`minigan.kernels.im2col`): portable array code; runs unchanged on NumPy and CuPy.
- ``"fast"``   (:mod:`minigan.kernels.fast`): the im2col method with less copying around the matrix
  product; also portable. The default for NumPy arrays.
- ``"cuda"``   (:mod:`minigan.kernels.cuda`): hand-written CUDA ``RawKernel``s (CuPy arrays only).

Every implementation provides (all sizes already normalised to pairs of ints by :mod:`.shapes`)::

    conv2d(x, w, stride, padding, dilation, groups) -> y
        x (N, C_in, H, W), w (C_out, C_in/groups, kh, kw) -> y (N, C_out, H_out, W_out). No bias.
    conv2d_grad_input(gy, w, x_shape, stride, padding, dilation, groups) -> gx
        The adjoint of conv2d in x: gy (N, C_out, H_out, W_out) -> gx of shape x_shape.
        This is exactly conv_transpose2d.
    conv2d_grad_weight(x, gy, w_shape, stride, padding, dilation, groups) -> gw
        The correlation of the input with the output gradient; gw has shape w_shape.
    conv_transpose2d(x, w, stride, padding, output_padding, dilation, groups) -> y
        x (N, C_in, H, W), w (C_in, C_out/groups, kh, kw) -> y (N, C_out, H_out, W_out). No bias.
    im2col(x, kernel_size, stride, padding, dilation) -> cols
        x (N, C, H, W) -> cols (N, C*kh*kw, H_out*W_out)
    col2im(cols, x_shape, kernel_size, stride, padding, dilation) -> x
        the adjoint of im2col: overlapping windows are summed.
    max_pool2d(x, kernel_size, stride, padding, dilation) -> (y, argmax)
        argmax: int64 array of y's shape holding the flat index h*W + w (unpadded input) of each max.
        Ties: the first maximum in row-major window order wins; a window with a NaN gives NaN and names
        its last NaN (both as in PyTorch).
    max_pool2d_backward(gy, argmax, x_shape, kernel_size, stride, padding, dilation) -> gx
    avg_pool2d(x, kernel_size, stride, padding, count_include_pad) -> y
    avg_pool2d_backward(gy, x_shape, kernel_size, stride, padding, count_include_pad) -> gx

An implementation may also provide, and ``fast`` does::

    conv_transpose2d_backward(gy, x, w, stride, padding, dilation, groups) -> (gx, gw)
        Both gradients of conv_transpose2d in one call, conv2d(gy, w) and conv2d_grad_weight(gy, x, w.shape),
        sharing their work (gy is unfolded once); x must have conv2d(gy, w)'s shape. The ops use it where
        it exists and the backward is not recorded.
    conv2d_keeping_columns(x, w, stride, padding, dilation, groups) -> (y, columns)
        conv2d, and what its weight gradient can reuse (None where nothing is kept): then
        conv2d_grad_weight(x, gy, w_shape, stride, padding, dilation, groups, columns=columns) takes the
        columns instead of unfolding x again. The conv2d op keeps them where its weight gradient is wanted,
        and uses them where its backward is not recorded.

Pick one with :func:`get` (``get("naive").conv2d(...)``), with the ``impl=`` argument of the
differentiable ops, or for a whole block with ``with kernels.use("naive"): ...``.
"""
from __future__ import annotations

import contextlib
import importlib
import threading

IMPLEMENTATIONS = ("naive", "im2col", "fast", "cuda")

_state = threading.local()


def default_impl(xp_module=None) -> str:
    """The implementation used when none is chosen: the ``use()`` block's, else ``"fast"`` for NumPy
    arrays (``xp_module`` is the array module, e.g. from ``backend.xp_of``) and ``"im2col"`` otherwise."""
    chosen = getattr(_state, "impl", None)
    if chosen:
        return chosen
    return "fast" if getattr(xp_module, "__name__", None) == "numpy" else "im2col"


def get(name: str | None = None, xp_module=None):
    """The kernel module named ``name`` (``None``: the current default for arrays of ``xp_module``)."""
    name = name or default_impl(xp_module)
    if name not in IMPLEMENTATIONS:
        raise ValueError(f"unknown kernel implementation {name!r}; choose one of {IMPLEMENTATIONS}")
    return importlib.import_module(f"minigan.kernels.{name}")


@contextlib.contextmanager
def use(name: str):
    """Run the block with kernel implementation ``name`` as the default (thread-local)."""
    get(name)  # validate early
    old = getattr(_state, "impl", None)
    _state.impl = name
    try:
        yield
    finally:
        _state.impl = old
