"""Convolution and pooling as explicit loops that read like the textbook definitions.

This is the reference implementation: slow (small inputs only) and meant to be read. Each function
loops over output (or input) positions and kernel taps exactly as the formula in its docstring says;
only the innermost sum over channels is a vector dot product, to keep the tests fast.
No padded copy of the input is made: a tap that falls outside the input reads zero, so it is skipped.

Notation: ``s`` stride, ``p`` padding, ``d`` dilation, ``g`` the group of a channel.
The input row read by output row ``oh`` and kernel row ``i`` is ``h = oh*s - p + i*d`` (likewise columns).
Sizes arrive already normalised to pairs by :mod:`minigan.kernels.shapes`.
"""
from __future__ import annotations

from minigan import backend
from minigan.kernels import shapes

__all__ = ["conv2d", "conv2d_grad_input", "conv2d_grad_weight", "conv_transpose2d", "im2col", "col2im",
           "max_pool2d", "max_pool2d_backward", "avg_pool2d", "avg_pool2d_backward"]


def _taps(o_h, o_w, kernel, stride, padding, dilation, size):
    """Yield ``(i, j, h, w)`` for every kernel tap of output ``(o_h, o_w)`` that lands inside the input."""
    (kh, kw), (sh, sw), (ph, pw), (dh, dw), (H, W) = kernel, stride, padding, dilation, size
    for i in range(kh):
        h = o_h * sh - ph + i * dh
        if not 0 <= h < H:
            continue
        for j in range(kw):
            w = o_w * sw - pw + j * dw
            if 0 <= w < W:
                yield i, j, h, w


# --------------------------------------------------------------------------- convolution
def conv2d(x, w, stride, padding, dilation, groups):
    """Cross-correlation ("convolution" in deep learning).

    ``x (N, C_in, H, W), w (C_out, C_in/groups, kh, kw) -> y (N, C_out, H_out, W_out)``::

        y[n, co, oh, ow] = sum_{ci in group(co), i, j} w[co, ci, i, j] * x[n, ci, oh*s - p + i*d, ow*s - p + j*d]
    """
    xp = backend.xp_of(x)
    N, C_in, H, W = x.shape
    C_out, cin_g, kh, kw = w.shape
    _, _, H_out, W_out = shapes.check_conv2d(x.shape, w.shape, stride, padding, dilation, groups)
    cout_g = C_out // groups
    y = xp.zeros((N, C_out, H_out, W_out), dtype=x.dtype)
    for n in range(N):
        for g in range(groups):
            co = slice(g * cout_g, (g + 1) * cout_g)   # this group's output channels ...
            ci = slice(g * cin_g, (g + 1) * cin_g)     # ... see only this group's input channels
            for oh in range(H_out):
                for ow in range(W_out):
                    for i, j, h, w_ in _taps(oh, ow, (kh, kw), stride, padding, dilation, (H, W)):
                        y[n, co, oh, ow] += w[co, :, i, j] @ x[n, ci, h, w_]
    return y


def conv_transpose2d(x, w, stride, padding, output_padding, dilation, groups):
    """Transposed convolution, written as a scatter: each input pixel stamps the kernel onto the output.

    ``x (N, C_in, H, W), w (C_in, C_out/groups, kh, kw) -> y (N, C_out, H_out, W_out)`` with
    ``H_out = (H - 1)s - 2p + d(k - 1) + output_padding + 1``::

        y[n, co, h*s - p + i*d, w*s - p + j*d] += w[ci, co, i, j] * x[n, ci, h, w]    for every n, ci, h, w, i, j

    Input pixel ``(h, w)`` lands at ``(h*s, w*s)`` of the output (stride spreads the pixels apart), the
    kernel is stamped there scaled by the pixel's value, overlapping stamps add up, and ``p`` rows and
    columns are then cropped from each border. It is exactly the adjoint of :func:`conv2d`: conv2d
    gathers a window into one output, this scatters one input into a window.
    """
    xp = backend.xp_of(x)
    N, C_in, H, W = x.shape
    _, cout_g, kh, kw = w.shape
    _, C_out, H_out, W_out = shapes.check_conv_transpose2d(x.shape, w.shape, stride, padding,
                                                           output_padding, dilation, groups)
    cin_g = C_in // groups
    y = xp.zeros((N, C_out, H_out, W_out), dtype=x.dtype)
    for n in range(N):
        for g in range(groups):
            ci = slice(g * cin_g, (g + 1) * cin_g)
            co = slice(g * cout_g, (g + 1) * cout_g)
            for h in range(H):
                for w_ in range(W):
                    # Tap (i, j) of input (h, w) lands on output (h*s - p + i*d, w*s - p + j*d):
                    # conv2d's index formula with the roles of input and output swapped.
                    for i, j, oh, ow in _taps(h, w_, (kh, kw), stride, padding, dilation, (H_out, W_out)):
                        y[n, co, oh, ow] += x[n, ci, h, w_] @ w[ci, :, i, j]
    return y


def conv2d_grad_input(gy, w, x_shape, stride, padding, dilation, groups):
    """The gradient of conv2d with respect to its input: ``gy (N, C_out, H_out, W_out) -> gx x_shape``.

    ``gx[n, ci, h, w] = sum_{co, i, j : h = oh*s - p + i*d, w = ow*s - p + j*d} w[co, ci, i, j] * gy[n, co, oh, ow]``

    This sum is the scatter of :func:`conv_transpose2d`, with conv2d's weight ``(C_out, C_in/g, kh, kw)``
    read as a transposed-conv weight ``(C_in', C_out'/g, ...)`` where ``C_in' = C_out``: the two maps are
    adjoint, so one function serves both. ``output_padding`` restores the rows conv2d's floor dropped.
    """
    op = shapes.conv2d_grad_input_output_padding(x_shape[2:], gy.shape[2:], w.shape[2:], stride, padding,
                                                 dilation)
    return conv_transpose2d(gy, w, stride, padding, op, dilation, groups)


def conv2d_grad_weight(x, gy, w_shape, stride, padding, dilation, groups):
    """The gradient of conv2d with respect to its weight: the correlation of the input with ``gy``.

    ``x (N, C_in, H, W), gy (N, C_out, H_out, W_out) -> gw (C_out, C_in/groups, kh, kw)``::

        gw[co, ci, i, j] = sum_{n, oh, ow} gy[n, co, oh, ow] * x[n, ci, oh*s - p + i*d, ow*s - p + j*d]
    """
    xp = backend.xp_of(x)
    N, C_in, H, W = x.shape
    C_out, cin_g, kh, kw = w_shape
    _, _, H_out, W_out = gy.shape
    cout_g = C_out // groups
    gw = xp.zeros(tuple(w_shape), dtype=x.dtype)
    for n in range(N):
        for g in range(groups):
            co = slice(g * cout_g, (g + 1) * cout_g)
            ci = slice(g * cin_g, (g + 1) * cin_g)
            for oh in range(H_out):
                for ow in range(W_out):
                    for i, j, h, w_ in _taps(oh, ow, (kh, kw), stride, padding, dilation, (H, W)):
                        gw[co, :, i, j] += xp.outer(gy[n, co, oh, ow], x[n, ci, h, w_])
    return gw


# --------------------------------------------------------------------------- im2col / col2im
def im2col(x, kernel_size, stride, padding, dilation):
    """Unfold every window into a column: ``x (N, C, H, W) -> cols (N, C*kh*kw, H_out*W_out)``.

    ``cols[n, (c, i, j), (oh, ow)] = x[n, c, oh*s - p + i*d, ow*s - p + j*d]`` (zero outside the input)."""
    xp = backend.xp_of(x)
    N, C, H, W = x.shape
    kh, kw = kernel_size
    H_out, W_out = shapes.conv2d_output_size(H, W, kernel_size, stride, padding, dilation)
    cols = xp.zeros((N, C, kh, kw, H_out, W_out), dtype=x.dtype)
    for oh in range(H_out):
        for ow in range(W_out):
            for i, j, h, w in _taps(oh, ow, kernel_size, stride, padding, dilation, (H, W)):
                cols[:, :, i, j, oh, ow] = x[:, :, h, w]
    return cols.reshape(N, C * kh * kw, H_out * W_out)


def col2im(cols, x_shape, kernel_size, stride, padding, dilation):
    """The adjoint of :func:`im2col`: put every column back into its window, summing where windows overlap.

    ``cols (N, C*kh*kw, H_out*W_out) -> x (N, C, H, W)``;
    ``x[n, c, oh*s - p + i*d, ow*s - p + j*d] += cols[n, (c, i, j), (oh, ow)]``."""
    xp = backend.xp_of(cols)
    N, C, H, W = x_shape
    kh, kw = kernel_size
    H_out, W_out = shapes.conv2d_output_size(H, W, kernel_size, stride, padding, dilation)
    cols = cols.reshape(N, C, kh, kw, H_out, W_out)
    x = xp.zeros(tuple(x_shape), dtype=cols.dtype)
    for oh in range(H_out):
        for ow in range(W_out):
            for i, j, h, w in _taps(oh, ow, kernel_size, stride, padding, dilation, (H, W)):
                x[:, :, h, w] += cols[:, :, i, j, oh, ow]
    return x


# --------------------------------------------------------------------------- pooling
def max_pool2d(x, kernel_size, stride, padding, dilation):
    """Max pooling: ``x (N, C, H, W) -> (y, argmax)``, both ``(N, C, H_out, W_out)``.

    ``y[n, c, oh, ow] = max_{i, j} x[n, c, oh*s - p + i*d, ow*s - p + j*d]`` over taps inside the input
    (padding counts as -inf). ``argmax`` holds the flat index ``h*W + w`` of the winner; on ties the first
    maximum in row-major window order wins (a later tap must be strictly larger to take over). A NaN
    always takes over, so a window with a NaN gives NaN, at its last NaN (PyTorch's rule)."""
    xp = backend.xp_of(x)
    N, C, H, W = x.shape
    _, _, H_out, W_out = shapes.check_pool2d(x.shape, kernel_size, stride, padding, dilation)
    y = xp.full((N, C, H_out, W_out), -xp.inf, dtype=x.dtype)
    argmax = xp.full((N, C, H_out, W_out), -1, dtype=xp.int64)
    for n in range(N):
        for c in range(C):
            for oh in range(H_out):
                for ow in range(W_out):
                    for _, _, h, w in _taps(oh, ow, kernel_size, stride, padding, dilation, (H, W)):
                        v = x[n, c, h, w]
                        if v > y[n, c, oh, ow] or v != v or argmax[n, c, oh, ow] < 0:
                            y[n, c, oh, ow] = v
                            argmax[n, c, oh, ow] = h * W + w
    return y, argmax


def max_pool2d_backward(gy, argmax, x_shape, kernel_size, stride, padding, dilation):
    """Each output's gradient flows to the input that won its window: ``gx[argmax] += gy``
    (``+=``: with overlapping windows one input can win several)."""
    xp = backend.xp_of(gy)
    N, C, H, W = x_shape
    gx = xp.zeros(tuple(x_shape), dtype=gy.dtype)
    for n in range(N):
        for c in range(C):
            for oh in range(gy.shape[2]):
                for ow in range(gy.shape[3]):
                    h, w = divmod(int(argmax[n, c, oh, ow]), W)
                    gx[n, c, h, w] += gy[n, c, oh, ow]
    return gx


def _avg_divisor(oh, ow, kernel_size, stride, padding, size, count_include_pad):
    """kh*kw, or the number of window taps inside the input when padding is not counted."""
    if count_include_pad:
        return kernel_size[0] * kernel_size[1]
    return sum(1 for _ in _taps(oh, ow, kernel_size, stride, padding, (1, 1), size))


def avg_pool2d(x, kernel_size, stride, padding, count_include_pad):
    """Average pooling: ``x (N, C, H, W) -> y (N, C, H_out, W_out)``,
    ``y[n, c, oh, ow] = sum_{i, j} x[n, c, oh*s - p + i, ow*s - p + j] / divisor`` where the divisor is
    ``kh*kw`` with ``count_include_pad`` (PyTorch's default), else the number of taps inside the input."""
    xp = backend.xp_of(x)
    N, C, H, W = x.shape
    _, _, H_out, W_out = shapes.check_pool2d(x.shape, kernel_size, stride, padding, (1, 1), op="avg_pool2d")
    y = xp.zeros((N, C, H_out, W_out), dtype=x.dtype)
    for oh in range(H_out):
        for ow in range(W_out):
            div = _avg_divisor(oh, ow, kernel_size, stride, padding, (H, W), count_include_pad)
            for _, _, h, w in _taps(oh, ow, kernel_size, stride, padding, (1, 1), (H, W)):
                y[:, :, oh, ow] += x[:, :, h, w] / div
    return y


def avg_pool2d_backward(gy, x_shape, kernel_size, stride, padding, count_include_pad):
    """Each output spreads its gradient evenly over its window: ``gx[window] += gy / divisor``."""
    xp = backend.xp_of(gy)
    N, C, H, W = x_shape
    gx = xp.zeros(tuple(x_shape), dtype=gy.dtype)
    for oh in range(gy.shape[2]):
        for ow in range(gy.shape[3]):
            div = _avg_divisor(oh, ow, kernel_size, stride, padding, (H, W), count_include_pad)
            for _, _, h, w in _taps(oh, ow, kernel_size, stride, padding, (1, 1), (H, W)):
                gx[:, :, h, w] += gy[:, :, oh, ow] / div
    return gx
