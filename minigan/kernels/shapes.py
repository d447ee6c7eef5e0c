"""The one home for convolution and pooling size formulas, argument normalisation and shape checks.

Every kernel, op and layer asks this module for output sizes and validates its arguments here, so a
formula is written once and an error message reads the same wherever it is raised. The formulas are
PyTorch's (``torch.nn.Conv2d``, ``ConvTranspose2d``, ``MaxPool2d``, ``AvgPool2d``, floor mode):

    conv2d:            H_out = floor((H + 2p - d(k - 1) - 1) / s) + 1
    conv_transpose2d:  H_out = (H - 1)s - 2p + d(k - 1) + output_padding + 1
    pooling:           the conv2d formula, with padding at most half the kernel

``d(k - 1) + 1`` is the *dilated* kernel size: the span a k-tap kernel covers when its taps sit d apart.
"""
from __future__ import annotations

import numpy as np

import numbers
from typing import Any

__all__ = [
    "pair", "conv2d_output_size", "conv_transpose2d_output_size", "pool2d_output_size",
    "check_conv2d", "check_conv_transpose2d", "check_pool2d", "pool2d_args", "adaptive_bounds", "adaptive_output_size",
    "conv2d_grad_input_output_padding", "conv_padding", "mode_padding", "conv_transpose_output_padding_for_size",
    "ntuple", "check_conv", "check_conv_transpose",
]

Pair = tuple[int, int]


def ntuple(v: Any, n: int, name: str = "value", op: str | None = None) -> tuple[int, ...]:
    """PyTorch's forms of a size for ``n`` dims: ``3 -> (3,) * n``, a tuple or list of ``n`` ints as a tuple;
    anything else raises a ``TypeError`` naming ``name`` (and ``op``, where given)."""
    if isinstance(v, numbers.Integral) and not isinstance(v, bool):
        return (int(v),) * n
    if isinstance(v, (tuple, list)) and len(v) == n and all(
            isinstance(e, numbers.Integral) and not isinstance(e, bool) for e in v):
        return tuple(int(e) for e in v)
    form = "a pair" if n == 2 else f"a {n}-tuple"
    raise TypeError(f"{op + ': ' if op else ''}{name} must be an int or {form} of ints, got {v!r}")


def pair(v: Any, name: str = "value") -> Pair:
    """``3 -> (3, 3)``, ``(3, 5) -> (3, 5)``; anything else raises a ``TypeError`` naming ``name``."""
    return ntuple(v, 2, name)


def conv_padding(padding: Any, kernel, stride, dilation=None, op: str = "conv2d") -> tuple[tuple, tuple]:
    """A convolution's ``padding`` argument as ``(both_sides, extra)``, one entry a dim (as many as the kernel
    has): pad ``both_sides`` on every side, plus ``extra`` more at the end (bottom/right/back) only.

    An int or a tuple pads symmetrically (``extra`` all 0). ``"valid"`` means no padding. ``"same"`` (stride 1
    only) keeps the input's size: the dilated kernel spans ``d(k - 1) + 1`` rows, so ``d(k - 1)`` rows of
    padding are needed in all, ``d(k - 1) // 2`` before and the rest after. When that total is odd (an even
    kernel with an odd dilation) the one extra row goes at the end, as in PyTorch:
    ``kernel 4 -> both_sides 1, extra 1``."""
    n = len(kernel)
    dilation = (1,) * n if dilation is None else tuple(dilation)
    if not isinstance(padding, str):
        return ntuple(padding, n, "padding", op), (0,) * n
    if padding == "valid":
        return (0,) * n, (0,) * n
    if padding != "same":
        raise ValueError(f"{op}: invalid padding string {padding!r}, should be one of 'same', 'valid'")
    if tuple(stride) != (1,) * n:
        raise ValueError(f"{op}: padding='same' is not supported for strided convolutions (stride {tuple(stride)})")
    total = [d * (k - 1) for k, d in zip(kernel, dilation)]
    return tuple(t // 2 for t in total), tuple(t % 2 for t in total)


def mode_padding(both_sides, extra) -> tuple[int, ...]:
    """:func:`conv_padding`'s ``(both_sides, extra)`` as :func:`minigan.ops.pad`'s tuple, last dim first:
    ``(left, right, top, bottom, front, back)`` for three dims, the extra one at the right/bottom/back."""
    return tuple(v for p, e in zip(reversed(both_sides), reversed(extra)) for v in (p, p + e))


# --------------------------------------------------------------------------- output-size formulas
def _dilated(k: int, d: int) -> int:
    """The span of a k-tap kernel whose taps sit d apart: d(k - 1) + 1."""
    return d * (k - 1) + 1


def conv2d_output_size(h: int, w: int, kernel: Pair, stride: Pair, padding: Pair,
                       dilation: Pair = (1, 1)) -> Pair:
    """``(H_out, W_out)`` of a convolution: ``floor((H + 2p - d(k - 1) - 1) / s) + 1`` per axis.

    May be zero or negative when the kernel does not fit; :func:`check_conv2d` turns that into an error."""
    return tuple((n + 2 * p - _dilated(k, d)) // s + 1
                 for n, k, s, p, d in zip((h, w), kernel, stride, padding, dilation))


def conv_transpose2d_output_size(h: int, w: int, kernel: Pair, stride: Pair, padding: Pair,
                                 output_padding: Pair = (0, 0), dilation: Pair = (1, 1)) -> Pair:
    """``(H_out, W_out)`` of a transposed convolution: ``(H - 1)s - 2p + d(k - 1) + output_padding + 1``.

    With ``output_padding = 0`` this is the smallest input size that a conv2d with the same arguments maps
    onto ``(h, w)``; because of conv2d's floor, up to ``s - 1`` larger sizes map there too, and
    ``output_padding`` picks which one the transpose recovers."""
    return tuple((n - 1) * s - 2 * p + _dilated(k, d) + op
                 for n, k, s, p, op, d in zip((h, w), kernel, stride, padding, output_padding, dilation))


def pool2d_output_size(h: int, w: int, kernel: Pair, stride: Pair, padding: Pair,
                       dilation: Pair = (1, 1), ceil_mode: bool = False) -> Pair:
    """``(H_out, W_out)`` of max/avg pooling. In floor mode it is the conv2d formula. ``ceil_mode`` rounds the
    division up instead, so a last, partial window covers the rows the floor would drop, as PyTorch does::

        H_out = ceil((H + 2p - d(k - 1) - 1) / s) + 1,  minus 1 if that last window starts at or past H + p

    (a window must start inside the image or its top/left padding)."""
    if not ceil_mode:
        return conv2d_output_size(h, w, kernel, stride, padding, dilation)
    out = []
    for n, k, s, p, d in zip((h, w), kernel, stride, padding, dilation):
        size = (n + 2 * p - _dilated(k, d) + s - 1) // s + 1
        out.append(size - 1 if (size - 1) * s >= n + p else size)
    return tuple(out)


def adaptive_bounds(n_in: int, n_out: int):
    """The windows of adaptive pooling, as PyTorch's: output ``i`` covers input indices ``start[i]`` up to, not
    including, ``end[i]``, with ``start = floor(i n_in / n_out)`` and ``end = ceil((i + 1) n_in / n_out)``.
    Windows may overlap by one when ``n_out`` does not divide ``n_in``. NumPy int arrays."""
    i = np.arange(n_out)
    return (i * n_in) // n_out, -((-(i + 1) * n_in) // n_out)


def adaptive_output_size(op: str, output_size, in_hw) -> Pair:
    """Adaptive pooling's ``output_size`` (an int, or a pair whose ``None`` keeps that input size) as a pair
    of positive ints."""
    sizes = (output_size, output_size) if output_size is None or isinstance(output_size, (int, np.integer)) \
        else tuple(output_size)
    if len(sizes) != 2:
        raise ValueError(f"{op}: output_size must be an int or a pair, got {output_size!r}")
    out = pair(tuple(n if s is None else s for s, n in zip(sizes, in_hw)), f"{op}: output_size")
    if min(out) < 1:
        raise ValueError(f"{op}: output_size must be positive, got {output_size!r}")
    return out


def conv2d_grad_input_output_padding(x_hw: Pair, y_hw: Pair, kernel: Pair, stride: Pair, padding: Pair,
                                     dilation: Pair = (1, 1)) -> Pair:
    """The ``output_padding`` with which ``conv_transpose2d`` of a conv2d output has the conv2d input's size.

    conv2d's floor drops up to ``s - 1`` trailing rows; the transpose must give them back (as zeros of the
    scatter) so that conv2d's input gradient, which IS conv_transpose2d, has the input's shape::

        output_padding = H - [(H_out - 1)s - 2p + d(k - 1) + 1]     (always in 0 .. s - 1)
    """
    full = conv_transpose2d_output_size(y_hw[0], y_hw[1], kernel, stride, padding, (0, 0), dilation)
    return x_hw[0] - full[0], x_hw[1] - full[1]


def conv_transpose_output_padding_for_size(x_sizes, x_ndim: int, output_size, kernel, stride, padding,
                                           dilation, op: str) -> tuple[int, ...]:
    """The ``output_padding`` that makes a transposed convolution of an input of spatial sizes ``x_sizes``
    (``x_ndim`` dims in all) ``output_size`` large: the output's spatial sizes, or its whole shape, as
    PyTorch's ``ConvTranspose2d(x, output_size)`` (and 1-D, 3-D).

    The sizes reachable run from the ``output_padding = 0`` size up to ``s - 1`` more; anything else is a
    ``ValueError`` giving that range."""
    n = len(kernel)
    if len(output_size) == x_ndim:
        output_size = output_size[-n:]
    if len(output_size) != n:
        raise ValueError(f"{op}: for a {x_ndim}-D input, output_size must have {n} or {x_ndim} elements, "
                         f"got {tuple(output_size)}")
    sizes = tuple(int(v) for v in output_size)
    smallest = tuple((m - 1) * s - 2 * p + _dilated(k, d)
                     for m, k, s, p, d in zip(x_sizes, kernel, stride, padding, dilation))
    largest = tuple(m + s - 1 for m, s in zip(smallest, stride))
    if any(not lo <= m <= hi for m, lo, hi in zip(sizes, smallest, largest)):
        raise ValueError(f"{op}: requested an output size of {output_size}, but valid sizes range from "
                         f"{list(smallest)} to {list(largest)} (for an input of {list(x_sizes)})")
    return tuple(m - lo for m, lo in zip(sizes, smallest))


# --------------------------------------------------------------------------- checks
def _fmt(sizes) -> str:
    """``(5, 7) -> "(5 x 7)"``, a size as the errors write it."""
    return "(" + " x ".join(str(v) for v in sizes) + ")"


def _check_ndim(shape, what: str, layout: str, op: str) -> None:
    if len(shape) != 4:
        raise ValueError(f"{op}: expected a 4-D {what} {layout}, got shape {tuple(shape)}")


def _check_hyper(op: str, stride: Pair, padding: Pair, dilation: Pair) -> None:
    if min(stride) < 1:
        raise ValueError(f"{op}: stride must be positive, got {stride}")
    if min(padding) < 0:
        raise ValueError(f"{op}: padding must be non-negative, got {padding}")
    if min(dilation) < 1:
        raise ValueError(f"{op}: dilation must be positive, got {dilation}")


def _check_groups(op: str, groups: int, c_in: int, c_out: int) -> None:
    if not isinstance(groups, numbers.Integral) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    if c_in % groups or c_out % groups:
        raise ValueError(f"{op}: groups={groups} must divide both the input channels ({c_in}) "
                         f"and the output channels ({c_out})")


def check_conv(x_shape, w_shape, stride, padding, dilation, groups: int, op: str) -> tuple[int, ...]:
    """Validate a convolution of any number of spatial dims (1-D, 2-D, 3-D) and return its output shape:
    ``x (N, C_in, *sizes), w (C_out, C_in/groups, *kernel) -> (N, C_out, *sizes_out)``, each size
    ``floor((n + 2p - d(k - 1) - 1) / s) + 1``. The dims of ``x`` and ``w`` are the caller's to check."""
    _check_hyper(op, stride, padding, dilation)
    n, c_in, *sizes = x_shape
    c_out, c_in_g, *kernel = w_shape
    _check_groups(op, groups, c_in, c_out)
    if c_in != c_in_g * groups:
        expect = f"{c_in_g * groups}" + (f" ({c_in_g} per group x {groups} groups)" if groups > 1 else "")
        raise ValueError(f"{op}: input has {c_in} channels but weight expects {expect} "
                         f"(weight shape {tuple(w_shape)})")
    padded = [m + 2 * p for m, p in zip(sizes, padding)]
    span = [_dilated(k, d) for k, d in zip(kernel, dilation)]
    if any(a > b for a, b in zip(span, padded)):
        dil = f" (kernel {_fmt(kernel)}, dilation {tuple(dilation)})" if max(dilation) > 1 else ""
        raise ValueError(f"{op}: the kernel {_fmt(span)}{dil} is larger than the padded input "
                         f"{_fmt(padded)} (input {_fmt(sizes)}, padding {tuple(padding)})")
    return (n, c_out) + tuple((m - a) // s + 1 for m, a, s in zip(padded, span, stride))


def check_conv_transpose(x_shape, w_shape, stride, padding, output_padding, dilation, groups: int,
                         op: str) -> tuple[int, ...]:
    """Validate a transposed convolution of any number of spatial dims and return its output shape:
    ``x (N, C_in, *sizes), w (C_in, C_out/groups, *kernel) -> (N, C_out, *sizes_out)``, each size
    ``(n - 1)s - 2p + d(k - 1) + output_padding + 1``. ``output_padding`` must be smaller than the stride or
    the dilation (PyTorch's rule): it only picks among the input sizes that the matching convolution maps
    onto the same output size. The dims of ``x`` and ``w`` are the caller's to check."""
    _check_hyper(op, stride, padding, dilation)
    if min(output_padding) < 0:
        raise ValueError(f"{op}: output_padding must be non-negative, got {tuple(output_padding)}")
    n, c_in, *sizes = x_shape
    w_c_in, c_out_g, *kernel = w_shape
    c_out = c_out_g * groups
    _check_groups(op, groups, w_c_in, c_out)
    if c_in != w_c_in:
        layout = ", ".join(["C_in", "C_out/groups"] + ["kd", "kh", "kw"][-len(kernel):])
        raise ValueError(f"{op}: input has {c_in} channels but weight expects {w_c_in} "
                         f"(weight shape {tuple(w_shape)}, laid out ({layout}))")
    for axis, o, s, d in zip("DHW"[-len(kernel):], output_padding, stride, dilation):
        if not (o < s or o < d):
            raise ValueError(f"{op}: output_padding must be smaller than either stride or dilation, "
                             f"got output_padding={tuple(output_padding)}, stride={tuple(stride)}, "
                             f"dilation={tuple(dilation)} (axis {axis})")
    out = tuple((m - 1) * s - 2 * p + _dilated(k, d) + o
                for m, k, s, p, o, d in zip(sizes, kernel, stride, padding, output_padding, dilation))
    if min(out) < 1:
        raise ValueError(f"{op}: output size {_fmt(out)} is too small for input {_fmt(sizes)} with kernel "
                         f"{_fmt(kernel)}, stride {tuple(stride)}, padding {tuple(padding)}")
    return (n, c_out) + out


def check_conv2d(x_shape, w_shape, stride: Pair, padding: Pair, dilation: Pair = (1, 1),
                 groups: int = 1, op: str = "conv2d") -> tuple[int, int, int, int]:
    """Validate a convolution and return its output shape (:func:`check_conv` for 4-D arrays).

    ``x (N, C_in, H, W), w (C_out, C_in/groups, kh, kw) -> (N, C_out, H_out, W_out)``."""
    _check_ndim(x_shape, "input", "(N, C_in, H, W)", op)
    _check_ndim(w_shape, "weight", "(C_out, C_in/groups, kh, kw)", op)
    return check_conv(x_shape, w_shape, stride, padding, dilation, groups, op)


def check_conv_transpose2d(x_shape, w_shape, stride: Pair, padding: Pair, output_padding: Pair = (0, 0),
                           dilation: Pair = (1, 1), groups: int = 1,
                           op: str = "conv_transpose2d") -> tuple[int, int, int, int]:
    """Validate a transposed convolution and return its output shape (:func:`check_conv_transpose` for 4-D
    arrays): ``x (N, C_in, H, W), w (C_in, C_out/groups, kh, kw) -> (N, C_out, H_out, W_out)``."""
    _check_ndim(x_shape, "input", "(N, C_in, H, W)", op)
    _check_ndim(w_shape, "weight", "(C_in, C_out/groups, kh, kw)", op)
    return check_conv_transpose(x_shape, w_shape, stride, padding, output_padding, dilation, groups, op)


def pool2d_args(kernel_size, stride=None, padding=0, dilation=1) -> tuple[Pair, Pair, Pair, Pair]:
    """Normalise pooling arguments to pairs; ``stride=None`` means the kernel size (PyTorch's default)."""
    kernel = pair(kernel_size, "kernel_size")
    stride = kernel if stride is None else pair(stride, "stride")
    return kernel, stride, pair(padding, "padding"), pair(dilation, "dilation")


def check_pool2d(x_shape, kernel: Pair, stride: Pair, padding: Pair, dilation: Pair = (1, 1),
                 op: str = "max_pool2d", ceil_mode: bool = False) -> tuple[int, int, int, int]:
    """Validate a pooling and return its output shape ``(N, C, H, W) -> (N, C, H_out, W_out)``.

    Padding must be at most half the kernel (PyTorch's rule), so every window holds a real element."""
    _check_ndim(x_shape, "input", "(N, C, H, W)", op)
    if min(kernel) < 1:
        raise ValueError(f"{op}: kernel_size must be positive, got {kernel}")
    _check_hyper(op, stride, padding, dilation)
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:
        raise ValueError(f"{op}: padding should be at most half of the kernel size, "
                         f"got padding={padding} and kernel_size={kernel}")
    n, c, h, w = x_shape
    h_out, w_out = pool2d_output_size(h, w, kernel, stride, padding, dilation, ceil_mode)
    if h_out < 1 or w_out < 1:
        span = (_dilated(kernel[0], dilation[0]), _dilated(kernel[1], dilation[1]))
        raise ValueError(f"{op}: the window {_fmt(span)} is larger than the padded input "
                         f"{_fmt((h + 2 * padding[0], w + 2 * padding[1]))} (input {_fmt((h, w))})")
    return n, c, h_out, w_out
