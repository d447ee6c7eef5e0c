"""Convolution and pooling as array code that runs unchanged on NumPy and CuPy: im2col, one matmul, col2im.

The idea (Chellapilla et al. 2006; Caffe): copy every kernel-sized window of the input into a column
(:func:`im2col`), and a convolution becomes one matrix product of those columns with the weight. The
adjoint of the copy, :func:`col2im`, adds every column back onto its window, summing where windows
overlap; it turns a matrix product back into an image, which is how the input gradient and the
transposed convolution are computed. With P = N*H_out*W_out windows and K = C_in*kh*kw taps::

    conv2d             y   = cols(x) @ W^T          (P, K) @ (K, C_out)
    conv2d_grad_input  gx  = col2im(gy @ W)         (P, C_out) @ (C_out, K): the same map as conv_transpose2d
    conv2d_grad_weight gW  = gy^T @ cols(x)         (C_out, P) @ (P, K)
    conv_transpose2d   y   = col2im(x @ W)          its weight W (C_in, C_out, kh, kw) read as conv2d's

Neither copy loops over pixels: both loop over the kh*kw kernel taps, and each tap is one strided slice
of the (padded) image: tap ``(i, j)`` of every window at once is ``x_pad[..., i*d : i*d + s*H_out : s,
j*d : j*d + s*W_out : s]``. col2im adds those slices into a zero buffer; within one slice no pixel
repeats, so plain ``+=`` is exact and no scatter-add is needed.

Layouts. The public :func:`im2col`/:func:`col2im` (and pooling) use the contract's per-sample layout
``(N, C*kh*kw, H_out*W_out)``. The convolutions work *channels last*: the padded image is ``(N, Hp, Wp, C)``
and the columns ``(N, H_out, W_out, groups, kh, kw, C/groups)``, i.e. a ``(P, K)`` matrix per group. Then
every tap copy moves runs of C contiguous channels (dozens to hundreds of floats) instead of rows of
W_out pixels (7 in DCGAN's 14 -> 7 layer), which makes the copies several times faster, and the matrix
of each group is a plain strided view, so the batched ``xp.matmul`` over the group axis needs no copy.
Everything stays in the input's dtype (float32 by default).
"""
from __future__ import annotations

from minigan import backend
from minigan.kernels import shapes

__all__ = ["conv2d", "conv2d_grad_input", "conv2d_grad_weight", "conv_transpose2d", "im2col", "col2im",
           "max_pool2d", "max_pool2d_backward", "avg_pool2d", "avg_pool2d_backward"]


# --------------------------------------------------------------------------- the two copies
def _tap(i, j, out_hw, stride, dilation):
    """The slices selecting kernel tap ``(i, j)`` of every window: rows ``i*d, i*d + s, ...``."""
    (ho, wo), (sh, sw), (dh, dw) = out_hw, stride, dilation
    return (slice(i * dh, i * dh + sh * (ho - 1) + 1, sh),
            slice(j * dw, j * dw + sw * (wo - 1) + 1, sw))


def _pad(x, padding, value=0):
    """``x (N, C, H, W)`` padded by ``value`` on both sides of H and W (no copy without padding)."""
    ph, pw = padding
    if ph == 0 and pw == 0:
        return x
    xp = backend.xp_of(x)
    n, c, h, w = x.shape
    out = xp.full((n, c, h + 2 * ph, w + 2 * pw), value, dtype=x.dtype)
    out[:, :, ph:ph + h, pw:pw + w] = x
    return out


def _unfold(x, kernel, stride, padding, dilation, out_hw, pad_value=0):
    """Copy every window tap: ``x (N, C, H, W) -> (N, C, kh, kw, H_out, W_out)``,
    ``cols[n, c, i, j, oh, ow] = x_pad[n, c, oh*s + i*d, ow*s + j*d]``."""
    xp = backend.xp_of(x)
    n, c = x.shape[:2]
    kh, kw = kernel
    src = _pad(x, padding, pad_value)
    cols = xp.empty((n, c, kh, kw) + tuple(out_hw), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            cols[:, :, i, j] = src[(slice(None), slice(None)) + _tap(i, j, out_hw, stride, dilation)]
    return cols


def _fold(cols, x_shape, kernel, stride, padding, dilation):
    """The adjoint of :func:`_unfold`: add every tap's slice back onto a zero padded image, then crop.
    ``cols (N, C, kh, kw, H_out, W_out)`` (any strides; a broadcast view works) -> contiguous ``x_shape``."""
    xp = backend.xp_of(cols)
    n, c, h, w = x_shape
    (kh, kw), (ph, pw) = kernel, padding
    out_hw = cols.shape[-2:]
    buf = xp.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            # Within one tap the windows never share a pixel, so `+=` on the slice is exact; overlaps
            # between windows come from different taps and are summed by this loop.
            buf[(slice(None), slice(None)) + _tap(i, j, out_hw, stride, dilation)] += cols[:, :, i, j]
    return xp.ascontiguousarray(buf[:, :, ph:ph + h, pw:pw + w])   # a no-op without padding


def _unfold_channels_last(x, kernel, stride, padding, dilation, out_hw, groups):
    """``x (N, C, H, W) -> cols (N, H_out, W_out, groups, kh, kw, C/groups)``,
    ``cols[n, oh, ow, g, i, j, c] = x_pad[n, g*C/groups + c, oh*s + i*d, ow*s + j*d]``."""
    xp = backend.xp_of(x)
    n, c, h, w = x.shape
    (kh, kw), (ph, pw) = kernel, padding
    src = xp.zeros((n, h + 2 * ph, w + 2 * pw, groups, c // groups), dtype=x.dtype)
    src[:, ph:ph + h, pw:pw + w] = x.reshape(n, groups, c // groups, h, w).transpose(0, 3, 4, 1, 2)
    cols = xp.empty((n,) + tuple(out_hw) + (groups, kh, kw, c // groups), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            cols[:, :, :, :, i, j] = src[(slice(None),) + _tap(i, j, out_hw, stride, dilation)]
    return cols


def _fold_channels_last(cols, out, kernel, stride, padding, dilation):
    """The adjoint of :func:`_unfold_channels_last`: ``cols (N, H_out, W_out, groups, kh, kw, C/groups)``
    (any strides) is added onto a zero padded channels-last image, which is cropped into ``out (N, C, H, W)``."""
    xp = backend.xp_of(cols)
    n, c, h, w = out.shape
    (kh, kw), (ph, pw) = kernel, padding
    groups, out_hw = cols.shape[3], cols.shape[1:3]
    buf = xp.zeros((n, h + 2 * ph, w + 2 * pw, groups, c // groups), dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            buf[(slice(None),) + _tap(i, j, out_hw, stride, dilation)] += cols[:, :, :, :, i, j]
    out[...] = buf[:, ph:ph + h, pw:pw + w].transpose(0, 3, 4, 1, 2).reshape(n, c, h, w)
    return out


def im2col(x, kernel_size, stride, padding, dilation):
    """Unfold every window into a column: ``x (N, C, H, W) -> cols (N, C*kh*kw, H_out*W_out)``.

    ``cols[n, (c, i, j), (oh, ow)] = x[n, c, oh*s - p + i*d, ow*s - p + j*d]`` (zero in the padding)."""
    n, c, h, w = x.shape
    out_hw = shapes.conv2d_output_size(h, w, kernel_size, stride, padding, dilation)
    cols = _unfold(x, kernel_size, stride, padding, dilation, out_hw)
    return cols.reshape(n, c * kernel_size[0] * kernel_size[1], out_hw[0] * out_hw[1])


def col2im(cols, x_shape, kernel_size, stride, padding, dilation):
    """The adjoint of :func:`im2col`: ``cols (N, C*kh*kw, H_out*W_out) -> x (N, C, H, W)``, adding each
    column back onto its window and summing where windows overlap."""
    n, c, h, w = x_shape
    kh, kw = kernel_size
    out_hw = shapes.conv2d_output_size(h, w, kernel_size, stride, padding, dilation)
    cols = cols.reshape((n, c, kh, kw) + tuple(out_hw))
    return _fold(cols, x_shape, kernel_size, stride, padding, dilation)


# --------------------------------------------------------------------------- convolution
# On the CPU the batch is processed in slices whose columns fit in about this many bytes: the product
# then runs on cache-warm memory, and the allocator reuses one buffer instead of faulting in fresh pages
# for a column matrix that can reach hundreds of MB (DCGAN's 64x64 layers at batch 128). A GPU has the
# memory and wants the largest matmul it can get, so there the whole batch goes at once.
CPU_CHUNK_BYTES = 1 << 24


def _batch_slices(xp, n, bytes_per_sample):
    """Slices of ``range(n)`` whose column matrices stay under :data:`CPU_CHUNK_BYTES` (one slice off the CPU)."""
    if xp.__name__ != "numpy":
        return [slice(0, n)]
    step = max(1, min(n, CPU_CHUNK_BYTES // max(1, bytes_per_sample)))
    return [slice(b, min(b + step, n)) for b in range(0, n, step)]


def _cols_bytes(c, kernel, out_hw, itemsize):
    """Bytes of one sample's columns: ``C*kh*kw x H_out*W_out`` elements."""
    return c * kernel[0] * kernel[1] * out_hw[0] * out_hw[1] * itemsize


def _cols_matrix(cols):
    """Columns ``(N, H_out, W_out, groups, kh, kw, C/g)`` as one ``(P, K/g)`` matrix per group:
    ``(groups, N*H_out*W_out, kh*kw*C/g)``, a strided view (rows ``groups*K/g`` apart)."""
    groups = cols.shape[3]
    return cols.reshape(-1, groups, cols.shape[4] * cols.shape[5] * cols.shape[6]).transpose(1, 0, 2)


def _weight_matrix(w, groups):
    """A conv2d weight ``(C_out, C_in/g, kh, kw)`` as ``(groups, kh*kw*C_in/g, C_out/g)``: its rows in the
    columns' tap order ``(i, j, c)`` (a small copy)."""
    c_out, c_in_g, kh, kw = w.shape
    w = w.reshape(groups, c_out // groups, c_in_g, kh, kw).transpose(0, 3, 4, 2, 1)
    return w.reshape(groups, kh * kw * c_in_g, c_out // groups)


def _channels_last(y, groups):
    """``(N, C, H, W) -> (groups, N*H*W, C/groups)``: an image as a matrix of pixels per group (a copy)."""
    n, c, h, w = y.shape
    return y.reshape(n, groups, c // groups, h, w).transpose(1, 0, 3, 4, 2).reshape(groups, n * h * w, -1)


def _store_channels_first(y_mat, out):
    """Write ``y_mat (groups, N*H*W, C/groups)``, the product's layout, into ``out (N, C, H, W)``."""
    n, c, h, w = out.shape
    groups = y_mat.shape[0]
    out.reshape(n, groups, c // groups, h, w)[...] = \
        y_mat.reshape(groups, n, h, w, c // groups).transpose(1, 0, 4, 2, 3)


def conv2d(x, w, stride, padding, dilation, groups):
    """``x (N, C_in, H, W), w (C_out, C_in/groups, kh, kw) -> y (N, C_out, H_out, W_out)``.

    ``y[n, co, oh, ow] = sum_{ci, i, j} w[co, ci, i, j] * x[n, ci, oh*s - p + i*d, ow*s - p + j*d]``,
    computed per group as ``cols_g @ W_g^T``."""
    xp = backend.xp_of(x)
    kernel = w.shape[2:]
    n, c_out, h_out, w_out = shapes.check_conv2d(x.shape, w.shape, stride, padding, dilation, groups)
    y = xp.empty((n, c_out, h_out, w_out), dtype=x.dtype)
    w_mat = _weight_matrix(w, groups)                                   # (g, kh*kw*C_in/g, C_out/g)
    for b in _batch_slices(xp, n, _cols_bytes(x.shape[1], kernel, (h_out, w_out), x.itemsize)):
        cols = _unfold_channels_last(x[b], kernel, stride, padding, dilation, (h_out, w_out), groups)
        _store_channels_first(xp.matmul(_cols_matrix(cols), w_mat), y[b])
    return y


def _transpose_conv(x, w, out_shape, stride, padding, dilation, groups):
    """The shared body of conv2d_grad_input and conv_transpose2d: ``col2im(x @ W)``.

    ``x (N, C, H, W)`` with ``w (C, C_out/groups, kh, kw)`` -> ``out_shape (N, C_out, H_out, W_out)``:
    each pixel's C values times W give the kh*kw*C_out values it stamps onto its window."""
    xp = backend.xp_of(x)
    n, c, h, w_ = x.shape
    kh, kw = w.shape[2:]
    c_out_g = out_shape[1] // groups
    out = xp.empty(tuple(out_shape), dtype=x.dtype)
    w_mat = _weight_matrix(w, groups).transpose(0, 2, 1)                # (g, C/g, kh*kw*C_out/g)
    for b in _batch_slices(xp, n, _cols_bytes(out_shape[1], (kh, kw), (h, w_), x.itemsize)):
        cols = xp.matmul(_channels_last(x[b], groups), w_mat)           # (g, n_b*H*W, kh*kw*C_out/g)
        cols = cols.reshape(groups, -1, h, w_, kh, kw, c_out_g).transpose(1, 2, 3, 0, 4, 5, 6)
        _fold_channels_last(cols, out[b], (kh, kw), stride, padding, dilation)
    return out


def conv2d_grad_input(gy, w, x_shape, stride, padding, dilation, groups):
    """The adjoint of conv2d in x: ``gy (N, C_out, H_out, W_out) -> gx x_shape``.

    Each output gradient is spread back over the window it was computed from (``gy @ W``, then col2im):
    exactly :func:`conv_transpose2d` with conv2d's weight, sized to ``x_shape``."""
    return _transpose_conv(gy, w, tuple(x_shape), stride, padding, dilation, groups)


def conv2d_grad_weight(x, gy, w_shape, stride, padding, dilation, groups):
    """The correlation of the input with the output gradient:
    ``x (N, C_in, H, W), gy (N, C_out, H_out, W_out) -> gw (C_out, C_in/groups, kh, kw)``,
    ``gw[co, ci, i, j] = sum_{n, oh, ow} gy[n, co, oh, ow] * x[n, ci, oh*s - p + i*d, ow*s - p + j*d]``.

    The window count comes from ``gy``, not the size formula, so that conv_transpose2d's weight
    gradient (this function with x and gy swapped) works for every ``output_padding``."""
    xp = backend.xp_of(x)
    c_out, c_in_g, kh, kw = w_shape
    out_hw = gy.shape[2:]
    gw = xp.zeros((groups, kh * kw * c_in_g, c_out // groups), dtype=x.dtype)
    for b in _batch_slices(xp, x.shape[0], _cols_bytes(x.shape[1], (kh, kw), out_hw, x.itemsize)):
        cols = _unfold_channels_last(x[b], (kh, kw), stride, padding, dilation, out_hw, groups)
        gw += xp.matmul(_cols_matrix(cols).transpose(0, 2, 1), _channels_last(gy[b], groups))
    # (g, (i, j, c), o) -> (g*o, c, i, j)
    gw = gw.reshape(groups, kh, kw, c_in_g, c_out // groups).transpose(0, 4, 3, 1, 2)
    return gw.reshape(tuple(w_shape))


def conv_transpose2d(x, w, stride, padding, output_padding, dilation, groups):
    """``x (N, C_in, H, W), w (C_in, C_out/groups, kh, kw) -> y (N, C_out, H_out, W_out)`` with
    ``H_out = (H - 1)s - 2p + d(k - 1) + output_padding + 1``: each input pixel stamps the kernel, scaled
    by its value, onto the output at ``(h*s - p, w*s - p)``; computed as ``col2im(x @ W)``.

    Its input gradient is ``conv2d(gy, w)`` cropped to ``(H, W)`` (the crop only matters when
    ``output_padding >= stride``, which a dilation larger than the stride allows); its weight gradient
    is ``conv2d_grad_weight(gy, x, w.shape, ...)``."""
    out_shape = shapes.check_conv_transpose2d(x.shape, w.shape, stride, padding, output_padding, dilation,
                                              groups)
    return _transpose_conv(x, w, out_shape, stride, padding, dilation, groups)


# --------------------------------------------------------------------------- pooling
def _planes(x):
    """``(N, C, H, W) -> (N*C, 1, H, W)``: pooling treats every channel as its own one-channel image."""
    n, c, h, w = x.shape
    return x.reshape(n * c, 1, h, w)


def _first_inside_tap(out_hw, kernel_size, stride, padding, dilation, xp):
    """``(H_out, W_out)``: the first tap ``i*kw + j`` of each window that lies inside the image, not in the
    padding. A window whose real pixels are all -inf names it (its padding is -inf too, and must not win)."""
    (h_out, w_out), (_, kw), (sh, sw), (ph, pw), (dh, dw) = out_hw, kernel_size, stride, padding, dilation
    # the smallest i with oh*s - p + i*d >= 0 (padding <= k/2 leaves at least one tap inside)
    i = xp.maximum(0, -((xp.arange(h_out) * sh - ph) // dh))
    j = xp.maximum(0, -((xp.arange(w_out) * sw - pw) // dw))
    return i.reshape(-1, 1) * kw + j.reshape(1, -1)


def _winner_index(tap, out_hw, kernel_size, stride, padding, dilation, width, xp):
    """The flat input index ``h*W + w`` (int64) of each window's winning tap ``tap = i*kw + j``: window tap
    ``(i, j)`` of output ``(oh, ow)`` is input pixel ``(oh*s - p + i*d, ow*s - p + j*d)``."""
    (h_out, w_out), (_, kw), (sh, sw), (ph, pw), (dh, dw) = out_hw, kernel_size, stride, padding, dilation
    h_idx = xp.arange(h_out).reshape(-1, 1) * sh - ph + (tap // kw) * dh
    w_idx = xp.arange(w_out).reshape(1, -1) * sw - pw + (tap % kw) * dw
    return (h_idx * width + w_idx).astype(xp.int64, copy=False)


def max_pool2d(x, kernel_size, stride, padding, dilation):
    """``x (N, C, H, W) -> (y, argmax)``, both ``(N, C, H_out, W_out)``:
    ``y = max over the window`` (padding is -inf), ``argmax`` = flat index ``h*W + w`` of the first max
    (of the last NaN where the window holds one, and of its first pixel inside the image where all of them
    are -inf, both as in PyTorch)."""
    xp = backend.xp_of(x)
    n, c, h_out, w_out = shapes.check_pool2d(x.shape, kernel_size, stride, padding, dilation)
    kh, kw = kernel_size
    cols = _unfold(_planes(x), kernel_size, stride, padding, dilation, (h_out, w_out), pad_value=-xp.inf)
    cols = cols.reshape(n * c, kh * kw, h_out, w_out)
    tap = cols.argmax(axis=1)                        # first maximum in row-major window order
    y = cols.max(axis=1)
    # A window with a NaN gives NaN (max does that already) at its *last* NaN, as PyTorch names it;
    # argmax names the first.
    nan = cols != cols
    tap = xp.where(nan.any(axis=1), kh * kw - 1 - nan[:, ::-1].argmax(axis=1), tap)
    tap = xp.where(y == -xp.inf, _first_inside_tap((h_out, w_out), kernel_size, stride, padding, dilation, xp),
                   tap)
    argmax = _winner_index(tap, (h_out, w_out), kernel_size, stride, padding, dilation, x.shape[3], xp)
    return y.reshape(n, c, h_out, w_out), argmax.reshape(n, c, h_out, w_out)


def max_pool2d_backward(gy, argmax, x_shape, kernel_size, stride, padding, dilation):
    """``gy (N, C, H_out, W_out) -> gx x_shape``: each output's gradient goes to the input that won.

    Written as the adjoint of the forward: put ``gy`` into the winning row of an otherwise zero column
    (a one-hot over the window taps), then col2im sums columns whose windows overlap."""
    xp = backend.xp_of(gy)
    n, c, h, w = x_shape
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel_size, stride, padding, dilation
    h_out, w_out = gy.shape[2:]
    # Recover the winning tap (i, j) from the flat input index: h = oh*s - p + i*d.
    row, col = argmax // w, argmax % w
    i = (row - xp.arange(h_out).reshape(-1, 1) * sh + ph) // dh
    j = (col - xp.arange(w_out).reshape(1, -1) * sw + pw) // dw
    tap = (i * kw + j).reshape(n * c, 1, h_out, w_out)
    taps = xp.arange(kh * kw).reshape(1, -1, 1, 1)
    onehot = xp.where(tap == taps, gy.reshape(n * c, 1, h_out, w_out), xp.zeros((), dtype=gy.dtype))
    cols = onehot.reshape(n * c, 1, kh, kw, h_out, w_out)
    return _fold(cols, (n * c, 1, h, w), kernel_size, stride, padding, dilation).reshape(x_shape)


def _avg_divisor(x_hw, kernel_size, stride, padding, out_hw, count_include_pad, xp, dtype):
    """``kh*kw``, or per output the number of window taps inside the input (a window sum of ones)."""
    if count_include_pad:
        return kernel_size[0] * kernel_size[1]
    ones = xp.ones((1, 1) + tuple(x_hw), dtype=dtype)
    cols = _unfold(ones, kernel_size, stride, padding, (1, 1), out_hw)
    return cols.sum(axis=(2, 3))[0, 0]                # (H_out, W_out)


def avg_pool2d(x, kernel_size, stride, padding, count_include_pad):
    """``x (N, C, H, W) -> y (N, C, H_out, W_out)``: the window sum (padding is 0) over the divisor,
    ``kh*kw`` with ``count_include_pad`` (PyTorch's default), else the number of non-padded taps."""
    xp = backend.xp_of(x)
    n, c, h_out, w_out = shapes.check_pool2d(x.shape, kernel_size, stride, padding, op="avg_pool2d")
    kh, kw = kernel_size
    src = _pad(x, padding)
    y = xp.zeros((n, c, h_out, w_out), dtype=x.dtype)
    for i in range(kh):                               # the sum of kh*kw shifted views: no column copy
        for j in range(kw):
            y += src[(slice(None), slice(None)) + _tap(i, j, (h_out, w_out), stride, (1, 1))]
    div = _avg_divisor(x.shape[2:], kernel_size, stride, padding, (h_out, w_out), count_include_pad,
                       xp, x.dtype)
    y /= div
    return y


def avg_pool2d_backward(gy, x_shape, kernel_size, stride, padding, count_include_pad):
    """``gy (N, C, H_out, W_out) -> gx x_shape``: each output spreads ``gy / divisor`` evenly over its
    window; col2im of the same value repeated for every tap (a broadcast view, never materialised)."""
    xp = backend.xp_of(gy)
    n, c, h_out, w_out = gy.shape
    kh, kw = kernel_size
    div = _avg_divisor(x_shape[2:], kernel_size, stride, padding, (h_out, w_out), count_include_pad,
                       xp, gy.dtype)
    g = gy / div
    cols = xp.broadcast_to(g.reshape(n, c, 1, 1, h_out, w_out), (n, c, kh, kw, h_out, w_out))
    return _fold(cols, tuple(x_shape), kernel_size, stride, padding, (1, 1))
