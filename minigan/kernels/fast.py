"""Convolution tuned for the CPU: the im2col method of :mod:`minigan.kernels.im2col`, with less copying.

The arithmetic is the same as the portable path's (one matrix product per convolution, columns
channels last); what changes is the work around the product, which on a CPU can cost as much as the
product itself:

- **One copy for the columns.** The windows of the padded, channels-last image are one strided *view*
  ``(N, H_out, W_out, kh, kw, C)``; copying it once gives the ``(P, K)`` column matrix with P = N*H_out*W_out
  rows and K = kh*kw*C columns, contiguous, so the product needs no transpose of its operands.
- **Outputs are stored channels last.** The product's rows are the output's pixels, C_out values each:
  that is the memory of an ``(N, H_out, W_out, C_out)`` array, so the product is written straight into
  the output and handed back as its ``(N, C_out, H_out, W_out)`` transposed view, which is PyTorch's
  ``channels_last`` memory format: same shape and values, other strides. NumPy's elementwise ops keep
  that layout (batch norm, activations), so the next convolution finds its input channels last already
  and its copy into the padded buffer moves whole rows, and the gradients flowing back arrive channels
  last too, where their rows of pixels are a free view. Every kernel here (and in the other
  implementations) accepts either layout.
- **col2im walks memory forward.** The transposed convolution's product gives each input pixel the
  ``kh*kw*C_out`` values it stamps, one matrix per tap (tap-major: plane ``(i, j)`` holds tap ``(i, j)`` of
  every pixel). Where the stride divides the output size (DCGAN's 4x4 stride-2 layers), the output is
  viewed as ``s*s`` *phases*, the pixels at one position ``(r, q)`` of every ``s x s`` block; each tap feeds
  one phase, shifted by whole blocks, so each phase is a sum of shifted stamp planes: additions over whole
  rows of pixels (:func:`_fold_phases`). For DCGAN's layers one tap per phase lands every pixel on its
  own block; its plane is the phase to start with and the others are added into it in place, so nothing is
  zeroed, and one copy interleaves the phases into the output. Otherwise the taps are added one by one
  into a padded buffer (:func:`_fold`), whose first ``s x s`` taps tile it and are stored.
- **No columns when the window is the whole image.** A kernel as large as its (unpadded) input, as in
  the first layer of a DCGAN generator (1x1 noise -> 7x7) and the last of its discriminator (7x7 -> one
  logit), is a plain fully connected layer: a single product of reshapes, no unfold and no col2im.
- **Thin layers stay channels first.** Where the unfolded (or stamped) side has only a few channels, as
  in a discriminator's first layer (1 or 3 input channels) or a generator's last (1 or 3 output
  channels), the channels-last layout costs more than it saves: its transposing copies move the *wide*
  side of the layer, which is as large as the product's output. There the columns are the classic
  ``(K, H_out*W_out)`` of :mod:`minigan.kernels.im2col`, and the product lands directly in the output, so
  the wide side is never transposed: ``cols^T (nb*P, K) @ W^T (K, C_out)`` for a thin input, one product
  for the whole batch slice (the output channels last, as above; BLAS reads the transposed operands as
  they are); ``W^T (C_out*kh*kw, C) @ x^T (C, nb*P)`` for a thin output (per sample ``W^T @ x`` where ``x``
  is not channels last), which gives the stamps as planes, one ``(H, W)`` image per output channel and tap.
  Where the stride divides the output size, col2im then adds whole planes, each shifted by a fixed number
  of values (:func:`_fold_planes`): one addition for the whole slice per group of taps with the same shift,
  not one per image row (and not, as channels last would, runs of one to four values). :data:`THIN_CHANNELS`
  sets the switch.
- **A transposed convolution's two gradients share their columns.** Its input gradient is ``conv2d(gy, w)``
  and its weight gradient ``conv2d_grad_weight(gy, x)``: both unfold ``gy``. :func:`conv_transpose2d_backward`
  unfolds each batch slice of it once and multiplies those columns by ``w`` and by ``x``'s pixels while they
  are in cache (:func:`_correlate_channels_last`, :func:`_correlate_channels_first`, which compute either or
  both); the op calls it whenever its backward is not recorded.
- **A thin layer's forward keeps its columns for the weight gradient.** Where a thin input's columns for the
  whole batch are one small matrix (a 28x28 discriminator's first layer: 0.8 MB), :func:`conv2d_keeping_columns`
  returns them with the output and :func:`conv2d_grad_weight` takes them again instead of unfolding ``x`` a
  second time; the op keeps them where the weight's gradient is wanted.
- **Scratch memory is reused.** On the CPU the padded image, the column matrix and the product's output
  are written into per-thread buffers kept between calls (:mod:`minigan.kernels.scratch`) instead of fresh
  arrays of several MB, and the batch is processed in slices whose columns fit in :data:`CPU_CHUNK_BYTES`,
  which also caps the memory a convolution needs. Each slice is padded just before it is unfolded, so the
  unfold reads it from cache. CuPy has its own memory pool and wants the largest product, so on a GPU the
  batch goes in one slice and nothing is cached here.
- **The slices run on every core.** Where the batch takes several slices, :func:`~minigan.kernels.threads.run_slices`
  shares them out among one thread per core, each doing its slices' copies and products with a
  single-threaded BLAS: the copies no longer leave the other cores waiting, and each slice's columns are read
  by the core that wrote them (see :mod:`minigan.kernels.threads` for why that matters). The weight gradient's
  per-slice products are summed in slice order, so the result does not depend on which thread made which
  slice; it may in its last bits on how the batch is cut, which follows the number of threads (as a threaded
  BLAS's sums do). A batch whose columns fit one slice is cut among the cores all the same where they take
  :data:`CPU_SPREAD_BYTES` or more (a 28x28 discriminator's 7 -> 3 layer: 4.7 MB of columns but only 576 rows):
  as one slice, its columns would be written by one core and half of them read by the other core's BLAS
  thread. Only the thin layers' forward and transposed convolution stay whole, about 0.3 ms of work each,
  which two threads were measured to do more slowly.

The full sub-pixel form of a stride-2 transposed convolution, s*s smaller convolutions whose outputs
interleave, needs no col2im at all; on DCGAN's layers it was measured slower than the above (its s*s
products are no faster than the one large product, and each needs its own unfolded input). Only its view
of the output as phases is used, in :func:`_fold_phases` and :func:`_fold_planes`.

col2im's three sums (:func:`_fold`, :func:`_fold_phases`, :func:`_fold_planes`) are in
:mod:`minigan.kernels.fast_col2im`. Max pooling's forward comes from :mod:`minigan.kernels.fast_pool` (no
columns); its backward, average pooling and the public ``im2col``/``col2im`` are the portable ones. Every
function runs unchanged on NumPy and CuPy, and is held against the naive loops in ``tests/kernels/test_fast.py`` and
``tests/kernels/test_naive_vs_im2col.py``.
"""
from __future__ import annotations

from typing import NamedTuple

from minigan import backend
from minigan.kernels import shapes
from minigan.kernels.fast_col2im import _blockwise, _fold, _fold_fits, _fold_phases, _fold_planes
from minigan.kernels.fast_pool import max_pool2d  # noqa: F401
from minigan.kernels.im2col import _pad
from minigan.kernels.im2col import (avg_pool2d, avg_pool2d_backward, col2im, im2col,  # noqa: F401
                                    max_pool2d_backward)
from minigan.kernels.scratch import on_cpu, workspace
from minigan.kernels.threads import run_slices, slice_threads

__all__ = ["conv2d", "conv2d_grad_input", "conv2d_grad_weight", "conv2d_keeping_columns", "conv_transpose2d",
           "conv_transpose2d_backward", "im2col", "col2im", "max_pool2d", "max_pool2d_backward", "avg_pool2d",
           "avg_pool2d_backward"]

# Batch slices are sized so that one slice's columns take about this many bytes: small enough to stay in
# the CPU's cache between the copy and the product (4 MB measured about 10% faster than 16 MB on DCGAN's
# layers), large enough for an efficient product.
CPU_CHUNK_BYTES = 1 << 22

# ... but a slice's product gets at least this many rows: the deep layers of a 64x64 DCGAN have few pixels
# and many channels, and 4 MB of their columns is only 256 rows, on which two BLAS threads run about 5%
# slower than on 1024.
CPU_MIN_ROWS = 1024

# ... and a batch whose columns fit one slice is still cut among the cores where they take at least this many
# bytes (unless a kernel asks otherwise, ``spread=False``): below about 300 KB, starting the threads costs more
# than sharing the work saves.
# Above it, the cores' own slices gain: 12.2 -> 11.5 ms for a 28x28 discriminator's 7 -> 3 layer (forward and
# both gradients).
CPU_SPREAD_BYTES = 384 << 10

# The channels-first path is taken when the side that is unfolded (conv2d and its weight gradient: the
# input) or stamped (the transposed convolution: the output) has at most this many channels per group.
THIN_CHANNELS = 4

# A thin input's columns, one matrix for the batch slice, get zero rows up to a multiple of this many (on the
# CPU): their weight gradient's product ``cols (K, P) @ gy's pixel rows (P, C_out)`` runs in whole blocks of 4
# rows in OpenBLAS's kernels, and a remainder block is slow. On one core, with P = 7200 and C_out = 64,
# K = 9 rows took 0.173 ms and 12 rows 0.145 ms; 3 rows took 0.158 ms and 4 rows 0.077 ms. A 28x28 generator's
# last layer, seen backwards, has K = 9 (a 3x3 kernel, one channel).
COLUMN_ROW_BLOCK = 4


# --------------------------------------------------------------------------- layouts and batch slices
def _channels_last(a) -> bool:
    """Is ``a (N, C, H, W)`` stored channels last, i.e. is its ``(N, H, W, C)`` transpose contiguous?"""
    return a.transpose(0, 2, 3, 1).flags.c_contiguous


def _empty_channels_last(xp, shape, dtype):
    """An uninitialised ``(N, C, H, W)`` array stored channels last: ``out.transpose(0, 2, 3, 1)`` is its
    contiguous ``(N, H, W, C)`` memory, which the kernels here write directly."""
    n, c, h, w = shape
    return xp.empty((n, h, w, c), dtype=dtype).transpose(0, 3, 1, 2)


def _batch_slices(xp, n: int, bytes_per_sample: int, rows_per_sample: int = 0, threads: int = 1,
                  spread: bool = False):
    """Slices of ``range(n)`` whose columns take about :data:`CPU_CHUNK_BYTES`, but whose product has at least
    :data:`CPU_MIN_ROWS` rows (``rows_per_sample`` rows a sample); one slice off the CPU. The slices are of
    equal size (within one sample): 64 samples of 21 a slice would leave a last slice of one sample, whose
    product is slow, so they are cut 21, 21, 22. Where the batch takes several slices and they are to be
    shared among ``threads`` threads (:func:`~minigan.kernels.threads.run_slices`), their number is rounded up
    to a multiple of ``threads``, so that each thread gets as many: 64 samples go 16, 16, 16, 16 on two
    threads, not 21, 21, 22. A batch that fits one slice is cut among the threads all the same where ``spread``
    and its columns take at least :data:`CPU_SPREAD_BYTES`: each core then multiplies the columns it copied,
    rather than BLAS's second thread reading half of what the first core wrote (see
    :mod:`minigan.kernels.threads`). Below that, starting the threads costs more than it saves."""
    if not on_cpu(xp):
        return [slice(0, n)]
    step = CPU_CHUNK_BYTES // max(1, bytes_per_sample)
    if rows_per_sample:
        step = max(step, -(-CPU_MIN_ROWS // rows_per_sample))
    step = max(1, min(n, step))
    count = max(1, round(n / step))
    if rows_per_sample:                           # never fewer rows than asked for (as n // step would)
        count = min(count, max(1, n // step))
    if threads > 1 and (count > 1 or (spread and n * bytes_per_sample >= CPU_SPREAD_BYTES)):
        count = min(n, -(-count // threads) * threads)
    bounds = [n * i // count for i in range(count + 1)]
    return [slice(bounds[i], bounds[i + 1]) for i in range(count)]


def _each_slice(xp, n: int, bytes_per_sample: int, body, rows_per_sample: int = 0, spread: bool = True):
    """``body(b)`` for every slice ``b`` of :func:`_batch_slices`, on every core where the batch takes several
    (:func:`~minigan.kernels.threads.run_slices`); the results in slice order."""
    return run_slices(_batch_slices(xp, n, bytes_per_sample, rows_per_sample, slice_threads(), spread), body)


def _sum_in_order(parts):
    """The slices' weight gradients added up from zero in slice order, whichever thread made each, so that the
    sum has the same bits on every run with the same slices."""
    total = backend.xp_of(parts[0]).zeros_like(parts[0])
    for part in parts:
        total += part
    return total


# --------------------------------------------------------------------------- layouts
def _padded_channels_last(x, padding, groups):
    """``x (N, C, H, W) -> (N, H + 2p_h, W + 2p_w, groups, C/groups)``, zero in the padding, in scratch memory.
    Only the border is zeroed: the inside is written once, by a copy that transposes unless ``x`` is
    stored channels last already. With no padding and ``x`` stored channels last, it is ``x`` itself (a view)."""
    xp = backend.xp_of(x)
    n, c, h, w = x.shape
    ph, pw = padding
    if (ph, pw) == (0, 0) and _channels_last(x):
        return x.transpose(0, 2, 3, 1).reshape(n, h, w, groups, c // groups)     # x's own memory: a view
    src = workspace(xp, "src", (n, h + 2 * ph, w + 2 * pw, groups, c // groups), x.dtype)
    if ph:
        src[:, :ph] = 0
        src[:, ph + h:] = 0
    if pw:
        src[:, :, :pw] = 0
        src[:, :, pw + w:] = 0
    src[:, ph:ph + h, pw:pw + w] = x.reshape(n, groups, c // groups, h, w).transpose(0, 3, 4, 1, 2)
    return src


def _windows(src, kernel, stride, dilation, out_hw):
    """Every window of a padded channels-last image, as a read-only strided view (no copy):
    ``src (N, Hp, Wp, g, C/g) -> (N, H_out, W_out, g, kh, kw, C/g)``,
    ``view[n, oh, ow, g, i, j, c] = src[n, oh*s + i*d, ow*s + j*d, g, c]``."""
    sn, sh_, sw_, sg, sc = src.strides
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    n, _, _, g, cg = src.shape
    return backend.as_strided(src, (n,) + tuple(out_hw) + (g, kh, kw, cg),
                              (sn, sh_ * sh, sw_ * sw, sg, sh_ * dh, sw_ * dw, sc))


def _unfold(src_b, kernel, stride, dilation, out_hw):
    """The column matrices of a batch slice: ``(groups, P, kh*kw*C/g)``, copied once from the window
    view into scratch memory (a strided view of one contiguous ``(P, groups, K/g)`` block)."""
    xp = backend.xp_of(src_b)
    win = _windows(src_b, kernel, stride, dilation, out_hw)
    n, ho, wo, g, kh, kw, cg = win.shape
    cols = workspace(xp, "cols", win.shape, src_b.dtype)
    cols[...] = win
    return cols.reshape(n * ho * wo, g, kh * kw * cg).transpose(1, 0, 2)


def _weight_matrix(w, groups):
    """A conv2d weight ``(C_out, C_in/g, kh, kw)`` as ``(g, kh*kw*C_in/g, C_out/g)``, rows in the columns'
    tap order ``(i, j, c)``: a transposed view of a small copy ``(g, C_out/g, kh, kw, C_in/g)``, which
    moves each output channel's block in one piece (BLAS takes the transposed operand as it is)."""
    c_out, c_in_g, kh, kw = w.shape
    w = w.reshape(groups, c_out // groups, c_in_g, kh, kw).transpose(0, 1, 3, 4, 2)
    return backend.xp_of(w).ascontiguousarray(w).reshape(groups, c_out // groups, -1).transpose(0, 2, 1)


def _pixels(y, groups, name):
    """``y (N, C, H, W) -> (groups, N*H*W, C/groups)``: the image as one row per pixel, channels last,
    copied into scratch memory."""
    xp = backend.xp_of(y)
    n, c, h, w = y.shape
    if groups == 1 and _channels_last(y):
        return y.transpose(0, 2, 3, 1).reshape(1, n * h * w, c)          # already rows of pixels: a view
    out = workspace(xp, name, (groups, n, h, w, c // groups), y.dtype)
    out[...] = y.reshape(n, groups, c // groups, h, w).transpose(1, 0, 3, 4, 2)
    return out.reshape(groups, n * h * w, c // groups)


def _flat(a, channels_last=None):
    """``a (N, C, H, W) -> (N, C*H*W)``, each row in the order of ``a``'s memory: ``(c, h, w)``, or ``(h, w, c)``
    where ``a`` is stored channels last (or ``channels_last`` says to take that order), so it is a view."""
    if channels_last is None:
        channels_last = _channels_last(a)
    return (a.transpose(0, 2, 3, 1) if channels_last else a).reshape(a.shape[0], -1)


def _whole_image(in_hw, kernel, padding, dilation, groups) -> bool:
    """Is every window the whole unpadded image (so the convolution is a fully connected layer)?"""
    return groups == 1 and tuple(in_hw) == tuple(kernel) and tuple(padding) == (0, 0) \
        and tuple(dilation) == (1, 1)


def _cols_bytes(c, kernel, out_hw, itemsize):
    return c * kernel[0] * kernel[1] * out_hw[0] * out_hw[1] * itemsize


def _transpose_weight_matrix(w, groups):
    """A transposed convolution's weight ``(C, C_out/g, kh, kw)`` as ``(g, kh*kw, C/g, C_out/g)``: one matrix per
    tap, so that the product gives tap-major stamps. A small copy."""
    c, cg_out, kh, kw = w.shape
    w = w.reshape(groups, c // groups, cg_out, kh, kw).transpose(0, 3, 4, 1, 2)
    return backend.xp_of(w).ascontiguousarray(w).reshape(groups, kh * kw, c // groups, cg_out)


# --------------------------------------------------------------------------- channels first, for thin layers
def _thin(channels_per_group: int) -> bool:
    return channels_per_group <= THIN_CHANNELS


def _column_rows(xp, k: int) -> int:
    """The rows a thin input's columns take for ``k`` taps: ``k`` rounded up to :data:`COLUMN_ROW_BLOCK` on the
    CPU (the rest zero), ``k`` itself elsewhere and for a single tap."""
    return k if k == 1 or not on_cpu(xp) else -(-k // COLUMN_ROW_BLOCK) * COLUMN_ROW_BLOCK


def _unfold_channels_first(src_b, kernel, stride, dilation, out_hw, groups, batch_inside=False, keep=False):
    """The columns of a padded channels-first batch slice, ``(nb, groups, C/g*kh*kw, H_out*W_out)``,
    ``cols[n, g, (c, i, j), (oh, ow)] = src[n, g*C/g + c, oh*s + i*d, ow*s + j*d]``: one copy from a
    strided view into scratch memory (a fresh array where ``keep``, for :func:`conv2d_keeping_columns`).
    With ``batch_inside`` (no groups) the same values as one matrix for the whole slice,
    ``(K', nb*H_out*W_out)``, so that a single product serves every sample: its first ``K = C*kh*kw`` rows
    are the columns and the rest, up to ``K' =`` :func:`_column_rows`, are zero (only the weight gradient's
    product takes them, and drops their results)."""
    xp = backend.xp_of(src_b)
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    n, c, _, _ = src_b.shape
    sn, sc, sh_, sw_ = src_b.strides
    ho, wo = out_hw
    win = backend.as_strided(src_b, (n, c, kh, kw, ho, wo), (sn, sc, sh_ * dh, sw_ * dw, sh_ * sh, sw_ * sw))
    if batch_inside:
        k = c * kh * kw
        shape = (_column_rows(xp, k), n * ho * wo)
        cols = xp.empty(shape, dtype=src_b.dtype) if keep else workspace(xp, "cols", shape, src_b.dtype)
        cols[:k].reshape(c, kh, kw, n, ho, wo)[...] = win.transpose(1, 2, 3, 0, 4, 5)
        cols[k:] = 0
        return cols
    cols = workspace(xp, "cols", win.shape, src_b.dtype)
    cols[...] = win
    return cols.reshape(n, groups, (c // groups) * kh * kw, ho * wo)


def _correlate_channels_first(x, w, gy, w_shape, stride, padding, dilation, groups, y_shape, columns=None):
    """conv2d and its weight gradient for a thin input, from the columns of ``x``: ``y = conv2d(x, w)`` where ``w``
    is given, ``gw = conv2d_grad_weight(x, gy, w_shape)`` where ``gy`` is given; where both are, each batch slice
    is unfolded once for the two products (:func:`conv_transpose2d_backward`). Returns ``(y, gw)``, None for
    what was not asked. ``columns``, where given, are ``x``'s columns for the whole batch as one matrix
    ``(K, N*P)`` (no groups; :func:`conv2d_keeping_columns`), and nothing is unfolded.

    Without groups (and with ``gy``, if given, stored channels last) the columns are one matrix for the whole
    slice, ``(K, nb*P)``: ``y``'s rows are ``cols^T (nb*P, K) @ W^T (K, C_out)``, which lands channels last, and
    ``gw^T += cols @ gy's pixel rows (nb*P, C_out)``. The weight gradient's product has a long inner dimension,
    which leaves BLAS's own threads only a small result to share (16 x 64 for a 28x28 discriminator's first
    layer), so its batch is cut among the cores even where it fits one slice; the forward's alone is not.
    Otherwise, per sample and group, ``y = W (C_out/g, K/g) @ cols (K/g, P)`` and
    ``gw += gy (C_out/g, P) @ cols^T (P, K/g)``, summed over the batch, already in the weight's layout."""
    xp = backend.xp_of(x)
    n, c_out, h_out, w_out = y_shape
    kernel = tuple(w_shape[2:])
    k = w_shape[1] * kernel[0] * kernel[1]                        # the columns' rows (per group), zero rows aside
    inside = groups == 1 and (gy is None or _channels_last(gy))
    src = _pad(x, padding) if columns is None else None
    y = rows = None
    if w is not None:
        w_mat = w.reshape(groups, c_out // groups, -1)            # (g, C_out/g, (c, i, j)): w's own layout
        y = _empty_channels_last(xp, y_shape, x.dtype) if inside else xp.empty(y_shape, dtype=x.dtype)
        rows = y.transpose(0, 2, 3, 1).reshape(-1, c_out) if inside else None

    def one_slice(b):
        nb, p = b.stop - b.start, h_out * w_out
        if columns is None:
            cols = _unfold_channels_first(src[b], kernel, stride, dilation, (h_out, w_out), groups, inside)
        else:                                                     # (K', nb*P), or per sample (nb, 1, K, P)
            cols = columns[:, b.start * p:b.stop * p]
            cols = cols if inside else cols[:k].reshape(k, nb, p).transpose(1, 0, 2)[:, None]
        if w is not None and inside:
            xp.matmul(cols[:k].T, w_mat[0].T, out=rows[b.start * p:b.stop * p])
        elif w is not None:
            xp.matmul(w_mat, cols, out=y[b].reshape(nb, groups, c_out // groups, p))
        if gy is None:
            return None
        if inside:                                                # (K', C_out): all of cols' rows, zero ones too
            return xp.matmul(cols, gy[b].transpose(0, 2, 3, 1).reshape(-1, c_out))
        g_b = gy[b].reshape(nb, groups, c_out // groups, p)
        return xp.matmul(g_b, cols.transpose(0, 1, 3, 2)).sum(axis=0)
    parts = _each_slice(xp, n, _cols_bytes(x.shape[1], kernel, (h_out, w_out), x.itemsize), one_slice,
                        spread=gy is not None and inside)
    if gy is None:
        return y, None
    gw = _sum_in_order(parts)
    if inside:                                # gw^T ((c, i, j), C_out), the zero rows' results dropped
        return y, xp.ascontiguousarray(gw[:k].T).reshape(tuple(w_shape))
    return y, gw.reshape(tuple(w_shape))


def _transpose_conv_channels_first(x, w, out, stride, padding, dilation, groups):
    """``col2im(W^T @ x)`` into ``out`` for a thin output. The product gives the stamps as planes, one ``(H, W)``
    plane per output channel and tap: ``W^T (C_out*kh*kw, C) @ x's pixel rows^T (C, nb*H*W)``, one product for the
    batch slice, where ``x`` is stored channels last (and there are no groups); per sample and group
    ``W^T (kh*kw*C_out/g, C/g) @ x (C/g, H*W)`` otherwise. The planes are added whole, phase by phase, where
    :func:`_fold_fits` (:func:`_fold_planes`), else tap by tap into a padded buffer (:func:`_fold`)."""
    xp = backend.xp_of(x)
    n, c, h, w_ = x.shape
    kh, kw = w.shape[2:]
    _, c_out, h_out, w_out = out.shape
    (ph, pw), cg_out = padding, c_out // groups
    # (C, C_out/g, kh, kw) -> (g, (o, i, j), C/g)
    w_mat = xp.ascontiguousarray(w.reshape(groups, c // groups, cg_out * kh * kw).transpose(0, 2, 1))
    hb, wb = h_out + 2 * ph, w_out + 2 * pw
    rows_in = groups == 1 and _channels_last(x)
    by_planes = _fold_fits((h, w_), (h_out, w_out), stride, dilation)

    def one_slice(b):
        nb = b.stop - b.start
        if rows_in:         # x stored channels last: one product over the slice's pixels, read transposed by BLAS
            planes = workspace(xp, "cols", (c_out * kh * kw, nb * h * w_), x.dtype)
            xp.matmul(w_mat[0], x[b].transpose(0, 2, 3, 1).reshape(-1, c).T, out=planes)
            planes = planes.reshape(c_out, kh, kw, nb, h, w_)
        else:
            cols = workspace(xp, "cols", (nb, groups, cg_out * kh * kw, h * w_), x.dtype)
            xp.matmul(w_mat, x[b].reshape(nb, groups, c // groups, h * w_), out=cols)
            planes = cols.reshape(nb, c_out, kh, kw, h, w_).transpose(1, 2, 3, 0, 4, 5)
        if by_planes:
            _fold_planes(out[b], planes, stride, padding)
            return
        buf = workspace(xp, "fold", (nb, c_out, hb, wb), x.dtype) if (ph, pw) != (0, 0) else out[b]
        _fold(buf, lambda i, j: planes[:, i, j].transpose(1, 0, 2, 3), (h, w_), (kh, kw), stride, dilation, axis=2)
        if (ph, pw) != (0, 0):
            out[b] = buf[:, :, ph:ph + h_out, pw:pw + w_out]
    # spread=False: about 0.3 ms of work for DCGAN's last generator layer, which two threads were measured to do
    # more slowly (as a thin input's forward, in _correlate_channels_first)
    _each_slice(xp, n, _cols_bytes(c_out, (kh, kw), (h, w_), x.itemsize), one_slice, spread=False)
    return out


# --------------------------------------------------------------------------- convolution
def _correlate_channels_last(x, w, gy, w_shape, stride, padding, dilation, groups, y_shape):
    """conv2d and its weight gradient from the columns of ``x``, channels last: ``y = conv2d(x, w)`` where ``w``
    is given, ``gw = conv2d_grad_weight(x, gy, w_shape)`` where ``gy`` is given; where both are, each batch slice
    is unfolded once for the two products (:func:`conv_transpose2d_backward`). Returns ``(y, gw)``, None for
    what was not asked. Per batch slice and group: ``y``'s rows are ``cols (P, K) @ W (K, C_out)`` (without
    groups the product's rows are the output's pixels: no copy), and ``gw += gy's pixels^T (C_out, P) @ cols``."""
    xp = backend.xp_of(x)
    n, c_out, h_out, w_out = y_shape
    c_in_g, kh, kw = w_shape[1:]
    cg_out = c_out // groups
    y = rows = None
    if w is not None:
        y = _empty_channels_last(xp, y_shape, x.dtype)
        rows = y.transpose(0, 2, 3, 1)                                     # (N, H_out, W_out, C_out)
        w_mat = _weight_matrix(w, groups)                                 # (g, K/g, C_out/g), a view

    def one_slice(b):
        src = _padded_channels_last(x[b], padding, groups)     # per slice: still in cache for the unfold
        cols = _unfold(src, (kh, kw), stride, dilation, (h_out, w_out))     # (g, P, K/g)
        if w is not None and groups == 1:
            xp.matmul(cols[0], w_mat[0], out=rows[b].reshape(-1, c_out))
        elif w is not None:
            prod = workspace(xp, "prod", (groups, cols.shape[1], cg_out), x.dtype)
            xp.matmul(cols, w_mat, out=prod)
            rows[b].reshape(-1, groups, cg_out)[...] = prod.transpose(1, 0, 2)
        if gy is not None:
            return xp.matmul(_pixels(gy[b], groups, "pixels").transpose(0, 2, 1), cols)
    parts = _each_slice(xp, n, _cols_bytes(x.shape[1], (kh, kw), (h_out, w_out), x.itemsize), one_slice,
                        h_out * w_out)
    if gy is None:
        return y, None
    gw = _sum_in_order(parts)
    # (g, o, (i, j, c)) -> (g*o, c, i, j)
    gw = gw.reshape(groups, cg_out, kh, kw, c_in_g).transpose(0, 1, 4, 2, 3)
    return y, xp.ascontiguousarray(gw).reshape(tuple(w_shape))


def _correlate(x, w, gy, w_shape, stride, padding, dilation, groups, y_shape):
    """:func:`_correlate_channels_first` for a thin input, else :func:`_correlate_channels_last`."""
    path = _correlate_channels_first if _thin(x.shape[1] // groups) else _correlate_channels_last
    return path(x, w, gy, w_shape, stride, padding, dilation, groups, y_shape)


def conv2d(x, w, stride, padding, dilation, groups):
    """``x (N, C_in, H, W), w (C_out, C_in/groups, kh, kw) -> y (N, C_out, H_out, W_out)``,
    ``y[n, co, oh, ow] = sum_{ci, i, j} w[co, ci, i, j] * x[n, ci, oh*s - p + i*d, ow*s - p + j*d]``:
    per batch slice and group, ``cols (P, K) @ W (K, C_out)``."""
    xp = backend.xp_of(x)
    y_shape = shapes.check_conv2d(x.shape, w.shape, stride, padding, dilation, groups)
    if _whole_image(x.shape[2:], w.shape[2:], padding, dilation, groups):
        # One window per sample, the whole image: y = x_flat @ W_flat^T (flattened in x's memory order).
        cl = _channels_last(x)
        return xp.matmul(_flat(x, cl), _flat(w, cl).T).reshape(y_shape)
    return _correlate(x, w, None, w.shape, stride, padding, dilation, groups, y_shape)[0]


class Columns(NamedTuple):
    """What :func:`conv2d_keeping_columns` keeps for the weight gradient: ``x``'s columns as one matrix
    ``cols (C*kh*kw, N*H_out*W_out)``, and the call they belong to, ``made_for = (x.shape, w.shape, stride,
    padding, dilation, groups)``."""
    cols: object
    made_for: tuple

    @staticmethod
    def call(x_shape, w_shape, stride, padding, dilation, groups) -> tuple:
        """The ``made_for`` of a call: its arguments as plain tuples, to compare."""
        return tuple(x_shape), tuple(w_shape), tuple(stride), tuple(padding), tuple(dilation), groups


def conv2d_keeping_columns(x, w, stride, padding, dilation, groups):
    """``conv2d(x, w)``, and ``x``'s columns for its weight gradient to take again: ``(y, columns)``, which
    ``conv2d_grad_weight(x, gy, w.shape, ..., columns=columns)`` multiplies by ``gy`` without unfolding ``x`` a
    second time. Columns are kept only where the forward makes them as one matrix for the whole batch: a thin
    input without groups whose columns take at most :data:`CPU_CHUNK_BYTES` (a 28x28 discriminator's first
    layer: 0.8 MB, a quarter of its output); they are then a fresh array, not scratch memory. Elsewhere
    ``columns`` is None: kept, they would cost as much memory as the layer's output or more, until the backward.
    The op keeps them where the weight's gradient is wanted; a 28x28 discriminator's first layer, forward and
    weight gradient, measured 0.76 -> 0.69 ms (its weight gradient alone 0.38 -> 0.27 ms)."""
    y_shape = shapes.check_conv2d(x.shape, w.shape, stride, padding, dilation, groups)
    kernel, out_hw = tuple(w.shape[2:]), y_shape[2:]
    if groups != 1 or not _thin(x.shape[1]) or _whole_image(x.shape[2:], kernel, padding, dilation, groups) \
            or x.shape[0] * _cols_bytes(x.shape[1], kernel, out_hw, x.itemsize) > CPU_CHUNK_BYTES:
        return conv2d(x, w, stride, padding, dilation, groups), None
    cols = _unfold_channels_first(_pad(x, padding), kernel, stride, dilation, out_hw, 1, batch_inside=True,
                                  keep=True)
    y = _correlate_channels_first(x, w, None, w.shape, stride, padding, dilation, 1, y_shape, columns=cols)[0]
    return y, Columns(cols, Columns.call(x.shape, w.shape, stride, padding, dilation, groups))


def _transpose_conv(x, w, out_shape, stride, padding, dilation, groups):
    """The shared body of conv2d_grad_input and conv_transpose2d: ``col2im(x @ W)``.

    ``x (N, C, H, W)`` with ``w (C, C_out/groups, kh, kw)`` -> ``out_shape (N, C_out, H_out, W_out)``:
    each pixel's C values times W give the kh*kw*C_out values it stamps onto its window, which are
    added into the channels-last output: block by block where :func:`_blockwise` allows (DCGAN's layers),
    else tap by tap into a padded buffer that is then cropped."""
    xp = backend.xp_of(x)
    n, c, h, w_ = x.shape
    kh, kw = w.shape[2:]
    _, c_out, h_out, w_out = out_shape
    (ph, pw), cg_out = padding, c_out // groups
    if (h, w_) == (1, 1) and groups == 1 and tuple(dilation) == (1, 1) \
            and (h_out + 2 * ph, w_out + 2 * pw) == (kh, kw):
        # A 1x1 input stamps one whole kernel per sample: y = x_flat @ W_flat (a single input channel makes that
        # an outer product, which BLAS does slowly), stored channels last. Either W is copied channels last
        # first and the product lands in the output, or the product is in W's own layout and is copied into
        # the output, whichever copies less: the first for a discriminator's last layer seen backwards (one
        # channel), the second for a generator's first layer (nz = 100 channels, a batch of 64).
        out = _empty_channels_last(xp, tuple(out_shape), x.dtype)
        w_crop = w[:, :, ph:ph + h_out, pw:pw + w_out]
        moved = w_crop.size <= out.size
        w_flat = (xp.ascontiguousarray(w_crop.transpose(0, 2, 3, 1)) if moved else w).reshape(c, -1)
        dst = out.transpose(0, 2, 3, 1).reshape(n, -1) if moved else None     # the output's own memory
        y = (xp.multiply if c == 1 else xp.matmul)(x.reshape(n, c), w_flat, out=dst)
        if not moved:
            out[...] = y.reshape(n, c_out, kh, kw)[:, :, ph:ph + h_out, pw:pw + w_out]
        return out
    if _thin(cg_out):
        return _transpose_conv_channels_first(x, w, xp.empty(tuple(out_shape), dtype=x.dtype), stride, padding,
                                              dilation, groups)
    out = _empty_channels_last(xp, tuple(out_shape), x.dtype)
    rows = out.transpose(0, 2, 3, 1)                                       # (N, H_out, W_out, C_out)
    blockwise = _blockwise((h_out, w_out), stride, dilation)              # then no padded buffer
    w_taps = _transpose_weight_matrix(w, groups)                            # (g, kh*kw, C/g, C_out/g)
    hb, wb = h_out + 2 * ph, w_out + 2 * pw

    def one_slice(b):
        nb = b.stop - b.start
        pix = _pixels(x[b], groups, "pixels")                               # (g, nb*H*W, C/g)
        stamps = workspace(xp, "cols", (groups, kh * kw, nb * h * w_, cg_out), x.dtype)
        xp.matmul(pix[:, None], w_taps, out=stamps)                          # one product per tap
        stamps = stamps.reshape(groups, kh, kw, nb, h, w_, cg_out)
        if blockwise:
            _fold_phases(rows[b].reshape(nb, h_out, w_out, groups, cg_out), stamps, stride, padding)
            return
        padded = (ph, pw) != (0, 0)
        buf = workspace(xp, "fold", (nb, hb, wb, groups, cg_out), x.dtype) if padded else \
            rows[b].reshape(nb, hb, wb, groups, cg_out)
        _fold(buf, lambda i, j: stamps[:, i, j].transpose(1, 2, 3, 0, 4), (h, w_), (kh, kw), stride,
              dilation, axis=1)
        if padded:
            rows[b] = buf[:, ph:ph + h_out, pw:pw + w_out].reshape(nb, h_out, w_out, c_out)
    _each_slice(xp, n, _cols_bytes(c_out, (kh, kw), (h, w_), x.itemsize), one_slice, h * w_)
    return out


def conv2d_grad_input(gy, w, x_shape, stride, padding, dilation, groups):
    """The adjoint of conv2d in x: ``gy (N, C_out, H_out, W_out) -> gx x_shape`` (a conv_transpose2d
    with conv2d's weight, sized to ``x_shape``)."""
    return _transpose_conv(gy, w, tuple(x_shape), stride, padding, dilation, groups)


def conv2d_grad_weight(x, gy, w_shape, stride, padding, dilation, groups, columns=None):
    """``x (N, C_in, H, W), gy (N, C_out, H_out, W_out) -> gw (C_out, C_in/groups, kh, kw)``,
    ``gw[co, ci, i, j] = sum_{n, oh, ow} gy[n, co, oh, ow] * x[n, ci, oh*s - p + i*d, ow*s - p + j*d]``:
    per batch slice and group, ``cols^T (K, P) @ gy (P, C_out)``, summed over slices. ``columns`` from
    :func:`conv2d_keeping_columns` (with the same arguments) are used instead of unfolding ``x`` again.

    The window count comes from ``gy`` (not the size formula), as conv_transpose2d's weight gradient needs."""
    xp = backend.xp_of(x)
    c_out, c_in_g, kh, kw = w_shape
    n = x.shape[0]
    if columns is not None:
        asked = Columns.call(x.shape, w_shape, stride, padding, dilation, groups)
        if asked != columns.made_for:
            raise ValueError(f"conv2d_grad_weight: the columns were made for (x.shape, w.shape, stride, padding, "
                             f"dilation, groups) = {columns.made_for}, not {asked}")
        return _correlate_channels_first(x, None, gy, w_shape, stride, padding, dilation, groups, tuple(gy.shape),
                                         columns=columns.cols)[1]
    if gy.shape[2:] == (1, 1) and _whole_image(x.shape[2:], (kh, kw), padding, dilation, groups):
        # For x stored channels last, either x is copied channels first (N rows) or the result is transposed
        # into the weight's layout (C_out rows), whichever moves less: a generator's first layer has C_out = nz
        # = 100 rows of 7*7*128, and a batch of 64 is the cheaper copy.
        cl = _channels_last(x) and n >= c_out
        gw = xp.matmul(gy.reshape(n, c_out).T, _flat(x, cl))
        if not cl:
            return gw.reshape(tuple(w_shape))
        return xp.ascontiguousarray(gw.reshape(c_out, kh, kw, c_in_g).transpose(0, 3, 1, 2))
    return _correlate(x, None, gy, w_shape, stride, padding, dilation, groups, tuple(gy.shape))[1]


def conv_transpose2d(x, w, stride, padding, output_padding, dilation, groups):
    """``x (N, C_in, H, W), w (C_in, C_out/groups, kh, kw) -> y (N, C_out, H_out, W_out)`` with
    ``H_out = (H - 1)s - 2p + d(k - 1) + output_padding + 1``: each input pixel stamps the kernel, scaled
    by its value, onto the output at ``(h*s - p, w*s - p)``; computed as ``col2im(x @ W)``."""
    out_shape = shapes.check_conv_transpose2d(x.shape, w.shape, stride, padding, output_padding, dilation,
                                              groups)
    return _transpose_conv(x, w, out_shape, stride, padding, dilation, groups)


def conv_transpose2d_backward(gy, x, w, stride, padding, dilation, groups):
    """Both gradients of ``y = conv_transpose2d(x, w)`` at once: ``gx = conv2d(gy, w)`` and
    ``gw = conv2d_grad_weight(gy, x, w.shape)``. The two unfold the same ``gy``; here each batch slice of it is
    unfolded once and its columns go into both products while they are in cache (as PyTorch's
    ``convolution_backward`` computes both gradients in one call). ``x`` must have ``conv2d(gy, w)``'s shape,
    which it has unless ``output_padding >= stride`` (possible with dilation): there the two are called apart,
    as :class:`minigan.ops.conv.ConvTranspose2d` does. On DCGAN's transposed layers (forward and both gradients),
    against the two calls: the 28x28 generator's last layer 1.03 -> 0.90 ms, the 64x64 one's 28.6 -> 25.6 ms,
    its 8 -> 16 layer 144 -> 137 ms."""
    gx_shape = shapes.check_conv2d(gy.shape, w.shape, stride, padding, dilation, groups)
    if tuple(gx_shape) != tuple(x.shape):
        raise ValueError(f"conv_transpose2d_backward: x should have conv2d(gy, w)'s shape {tuple(gx_shape)}, "
                         f"got {tuple(x.shape)}")
    if _whole_image(gy.shape[2:], w.shape[2:], padding, dilation, groups):      # no columns to share
        return (conv2d(gy, w, stride, padding, dilation, groups),
                conv2d_grad_weight(gy, x, w.shape, stride, padding, dilation, groups))
    return _correlate(gy, w, x, w.shape, stride, padding, dilation, groups, gx_shape)
