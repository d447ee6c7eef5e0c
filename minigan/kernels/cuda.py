"""Convolution and pooling as hand-written CUDA kernels (``cupy.RawKernel``), for CuPy arrays only.

The same functions, names and signatures as :mod:`.naive` and :mod:`.im2col` (the contract is in
:mod:`minigan.kernels`). Four small kernels do the pixel work; the matrix products go to cuBLAS through
``cupy.matmul``, exactly as in :mod:`.im2col`::

    im2col              one thread per column entry: copy x_pad[n, c, oh*s + i*d, ow*s + j*d]
    col2im_gather       one thread per image pixel: SUM the column entries of every window covering it
    max_pool2d_forward  one thread per output: the window's maximum and where it was
    max_pool2d_gather   one thread per input pixel: SUM gy of the windows whose maximum it was

Both backward kernels are *gathers*: each thread owns the one value it writes and adds its terms in a
fixed order, so there are no atomics and the result is bit-for-bit reproducible (a scatter with
``atomicAdd`` would add in whatever order the threads happen to run, which changes the last bits).

The gather's index arithmetic, per axis (``s`` stride, ``p`` padding, ``d`` dilation): window ``oh``'s
tap ``i`` reads padded row ``oh*s + i*d``. So the pixel at padded row ``hp = h + p`` receives from tap
``i`` of window ``oh = (hp - i*d) / s`` exactly when ``(hp - i*d) % s == 0`` and ``0 <= oh < H_out``.

avg_pool2d and its backward are not kernels here: they reuse the portable code of :mod:`.im2col`, which
is already a handful of whole-array CuPy operations (a sum of kh*kw shifted views, and its adjoint).

The kernels are compiled on first use (NVRTC, through CuPy) and cached per dtype: float32 for training,
float64 for ``gradcheck``. Index arithmetic is ``long long`` throughout, because N*C*kh*kw*H_out*W_out
passes 2^31 for large batches. Every array handed to a kernel is made C-contiguous first: a raw kernel
sees only a pointer, not strides.
"""
from __future__ import annotations

import numpy as np

from minigan import backend
from minigan.kernels import im2col as _portable
from minigan.kernels import shapes

__all__ = ["conv2d", "conv2d_grad_input", "conv2d_grad_weight", "conv_transpose2d", "im2col", "col2im",
           "max_pool2d", "max_pool2d_backward", "avg_pool2d", "avg_pool2d_backward"]

THREADS = 256                    # threads per block
MAX_BLOCKS = 2 ** 31 - 1         # the grid's x limit; the kernels' grid-stride loops cover anything beyond

_CTYPES = {np.dtype(np.float32): "float", np.dtype(np.float64): "double"}

# --------------------------------------------------------------------------- CUDA C sources
# Each source is compiled with ``typedef float real_t;`` or ``typedef double real_t;`` in front of it.
# Every kernel loops ``for (idx = global thread id; idx < total; idx += all threads)``: with the grid
# we launch each thread runs the body once, and the loop keeps it correct past the grid-size limit.
_FOR_EACH_INDEX = ("for (long long idx = (long long)blockIdx.x * blockDim.x + threadIdx.x; idx < total;\n"
         "         idx += (long long)blockDim.x * gridDim.x)")

_IM2COL = r"""
// cols[n*sn + c*sc + i*si + j*sj + oh*W_out + ow] = x[n, c, oh*sh - ph + i*dh, ow*sw - pw + j*dw]
// (0 outside the image). One thread per column entry; idx runs over (n, c, i, j, oh, ow) row-major.
// The strides sn, sc, si, sj (in elements) choose the column layout: (N, C, kh, kw, H_out, W_out)
// or, "batch last", (C, kh, kw, N, H_out, W_out).
extern "C" __global__ void im2col(
        const real_t* x, real_t* cols,
        long long C, long long H, long long W,
        long long kh, long long kw, long long sh, long long sw,
        long long ph, long long pw, long long dh, long long dw,
        long long H_out, long long W_out,
        long long sn, long long sc, long long si, long long sj, long long total) {
    FOR_EACH_INDEX {
        long long t = idx;
        const long long ow = t % W_out;  t /= W_out;
        const long long oh = t % H_out;  t /= H_out;
        const long long j = t % kw;      t /= kw;
        const long long i = t % kh;      t /= kh;
        const long long c = t % C;
        const long long n = t / C;
        const long long h = oh * sh - ph + i * dh;      // the image row this tap reads
        const long long w = ow * sw - pw + j * dw;
        real_t v = 0;                                    // zero padding
        if (h >= 0 && h < H && w >= 0 && w < W) {
            v = x[((n * C + c) * H + h) * W + w];
        }
        cols[n * sn + c * sc + i * si + j * sj + oh * W_out + ow] = v;
    }
}
"""

_COL2IM = r"""
// The adjoint of im2col, as a gather: x[n, c, h, w] = the sum of the column entries of every (window,
// tap) that reads pixel (h, w). One thread per image pixel; idx runs over (n, c, h, w) row-major.
// In padded coordinates hp = h + ph, tap i of window oh reads row oh*sh + i*dh, so the pixel receives
// from tap i exactly when (hp - i*dh) is a multiple of sh and oh = (hp - i*dh) / sh is in [0, H_out).
extern "C" __global__ void col2im_gather(
        const real_t* cols, real_t* x,
        long long C, long long H, long long W,
        long long kh, long long kw, long long sh, long long sw,
        long long ph, long long pw, long long dh, long long dw,
        long long H_out, long long W_out,
        long long sn, long long sc, long long si, long long sj, long long total) {
    FOR_EACH_INDEX {
        long long t = idx;
        const long long w = t % W;  t /= W;
        const long long h = t % H;  t /= H;
        const long long c = t % C;
        const long long n = t / C;
        const real_t* col = cols + n * sn + c * sc;
        real_t acc = 0;
        for (long long i = 0; i < kh; ++i) {
            const long long th = h + ph - i * dh;       // = oh * sh if tap i of window oh reads this row
            if (th < 0) break;                           // larger i reach further up: none can
            if (th % sh != 0) continue;
            const long long oh = th / sh;
            if (oh >= H_out) continue;
            for (long long j = 0; j < kw; ++j) {
                const long long tw = w + pw - j * dw;
                if (tw < 0) break;
                if (tw % sw != 0) continue;
                const long long ow = tw / sw;
                if (ow >= W_out) continue;
                acc += col[i * si + j * sj + oh * W_out + ow];
            }
        }
        x[idx] = acc;
    }
}
"""

_MAX_POOL = r"""
// y[p, oh, ow] = max over the window of x[p, oh*sh - ph + i*dh, ow*sw - pw + j*dw] (taps outside the
// image are -inf, i.e. skipped), argmax = the flat index h*W + w of the winner in the unpadded image.
// p = n*C + c is the image plane. One thread per output; idx runs over (p, oh, ow) row-major.
// A later tap must be strictly larger to take over, so the first maximum in row-major window order
// wins (as in PyTorch). A NaN always takes over (PyTorch's rule), so a window with a NaN gives NaN, at
// its last NaN.
extern "C" __global__ void max_pool2d_forward(
        const real_t* x, real_t* y, long long* argmax, real_t neg_inf,
        long long H, long long W,
        long long kh, long long kw, long long sh, long long sw,
        long long ph, long long pw, long long dh, long long dw,
        long long H_out, long long W_out, long long total) {
    FOR_EACH_INDEX {
        long long t = idx;
        const long long ow = t % W_out;  t /= W_out;
        const long long oh = t % H_out;
        const long long p = t / H_out;
        const real_t* plane = x + p * H * W;
        real_t best = neg_inf;
        long long best_at = -1;
        for (long long i = 0; i < kh; ++i) {
            const long long h = oh * sh - ph + i * dh;
            if (h < 0 || h >= H) continue;
            for (long long j = 0; j < kw; ++j) {
                const long long w = ow * sw - pw + j * dw;
                if (w < 0 || w >= W) continue;
                const real_t v = plane[h * W + w];
                if (best_at < 0 || v > best || v != v) {
                    best = v;
                    best_at = h * W + w;
                }
            }
        }
        y[idx] = best;
        argmax[idx] = best_at;
    }
}
"""

_MAX_POOL_BACKWARD = r"""
// gx[p, h, w] = the sum of gy[p, oh, ow] over the windows (oh, ow) that contain pixel (h, w) and whose
// argmax is this pixel. One thread per input pixel; idx runs over (p, h, w) row-major. The windows that
// can contain the pixel are found as in col2im_gather: tap i of window oh reads padded row oh*sh + i*dh.
// For a given pixel and window there is only one such tap, so no window is counted twice.
extern "C" __global__ void max_pool2d_gather(
        const real_t* gy, const long long* argmax, real_t* gx,
        long long H, long long W,
        long long kh, long long kw, long long sh, long long sw,
        long long ph, long long pw, long long dh, long long dw,
        long long H_out, long long W_out, long long total) {
    FOR_EACH_INDEX {
        long long t = idx;
        const long long w = t % W;  t /= W;
        const long long h = t % H;
        const long long p = t / H;
        const long long me = h * W + w;                  // how argmax names this pixel
        const real_t* g = gy + p * H_out * W_out;
        const long long* a = argmax + p * H_out * W_out;
        real_t acc = 0;
        for (long long i = 0; i < kh; ++i) {
            const long long th = h + ph - i * dh;
            if (th < 0) break;
            if (th % sh != 0) continue;
            const long long oh = th / sh;
            if (oh >= H_out) continue;
            for (long long j = 0; j < kw; ++j) {
                const long long tw = w + pw - j * dw;
                if (tw < 0) break;
                if (tw % sw != 0) continue;
                const long long ow = tw / sw;
                if (ow >= W_out) continue;
                const long long o = oh * W_out + ow;
                if (a[o] == me) acc += g[o];
            }
        }
        gx[idx] = acc;
    }
}
"""

_SOURCES = {"im2col": _IM2COL, "col2im_gather": _COL2IM, "max_pool2d_forward": _MAX_POOL,
            "max_pool2d_gather": _MAX_POOL_BACKWARD}


def kernel_source(name: str, dtype) -> str:
    """The complete CUDA C source of kernel ``name`` for ``dtype`` (float32 or float64), as compiled."""
    ctype = _CTYPES[np.dtype(dtype)]
    return f"typedef {ctype} real_t;\n" + _SOURCES[name].replace("FOR_EACH_INDEX", _FOR_EACH_INDEX)


# --------------------------------------------------------------------------- compiling and launching
_compiled: dict = {}


def _kernel(name: str, dtype):
    """The ``RawKernel`` ``name`` for ``dtype``, made on first use. (CuPy compiles it at the first launch on
    each device, and keeps the binary in its on-disk cache for later processes.)"""
    key = (name, np.dtype(dtype))
    k = _compiled.get(key)
    if k is None:
        cp = backend.cupy_module()
        k = cp.RawKernel(kernel_source(name, dtype), name)
        _compiled[key] = k
    return k


def _launch(name: str, dtype, total: int, *args) -> None:
    """Run kernel ``name`` over ``total`` elements, 256 threads a block. Python ints become ``long long``."""
    if total == 0:
        return
    blocks = min((total + THREADS - 1) // THREADS, MAX_BLOCKS)
    args = tuple(np.int64(a) if isinstance(a, (int, np.integer)) else a for a in args)
    _kernel(name, dtype)((blocks,), (THREADS,), args + (np.int64(total),))


def _cupy_for(op: str, *arrays):
    """CuPy, after checking that every array is a float32/float64 CuPy array of one dtype."""
    for a in arrays:
        if backend.device_of(a) == "cpu":
            ok, why = backend.cupy_status()
            hint = "" if ok else f" ({why})"
            raise TypeError(f"cuda.{op}: the cuda kernels need CuPy arrays; use impl='im2col' on the CPU "
                            f"(got {type(a).__module__}.{type(a).__name__}){hint}")
    dtype = arrays[0].dtype
    if dtype not in _CTYPES:
        raise TypeError(f"cuda.{op}: expected float32 or float64 arrays, got {dtype}")
    for a in arrays[1:]:
        if a.dtype != dtype:
            raise TypeError(f"cuda.{op}: all arrays must share one dtype, got {dtype} and {a.dtype}")
    return backend.cupy_module()


def _col_strides(n: int, c: int, kernel, out_hw, batch_last: bool):
    """Element strides ``(sn, sc, si, sj)`` of a contiguous column array laid out ``(N, C, kh, kw, H_out,
    W_out)`` or, batch last, ``(C, kh, kw, N, H_out, W_out)``; ``(oh, ow)`` are always innermost."""
    (kh, kw), L = kernel, out_hw[0] * out_hw[1]
    if batch_last:
        return L, kh * kw * n * L, kw * n * L, n * L
    return c * kh * kw * L, kh * kw * L, kw * L, L


def _im2col(x, kernel, stride, padding, dilation, out_hw, batch_last):
    """``x (N, C, H, W)`` -> contiguous columns ``(N, C, kh, kw, H_out, W_out)`` or, batch last,
    ``(C, kh, kw, N, H_out, W_out)``. ``out_hw`` is the window grid (it may exceed the image: zeros)."""
    cp = backend.cupy_module()
    n, c, h, w = x.shape
    kh, kw = kernel
    lead = (c, kh, kw, n) if batch_last else (n, c, kh, kw)
    with x.device:                                   # allocate and launch on the input's GPU
        x = cp.ascontiguousarray(x)
        cols = cp.empty(lead + tuple(out_hw), dtype=x.dtype)
        _launch("im2col", x.dtype, cols.size, x, cols, c, h, w, kh, kw, *stride, *padding, *dilation,
                *out_hw, *_col_strides(n, c, kernel, out_hw, batch_last))
    return cols


def _col2im(cols, x_shape, kernel, stride, padding, dilation, out_hw, batch_last):
    """The adjoint of :func:`_im2col`: contiguous columns (either layout, window grid ``out_hw``) ->
    ``x_shape (N, C, H, W)``, every pixel the sum of the entries that read it (a gather, no atomics)."""
    cp = backend.cupy_module()
    n, c, h, w = x_shape
    with cols.device:
        cols = cp.ascontiguousarray(cols)
        x = cp.empty(tuple(x_shape), dtype=cols.dtype)
        _launch("col2im_gather", cols.dtype, x.size, cols, x, c, h, w, *kernel, *stride, *padding, *dilation,
                *out_hw, *_col_strides(n, c, kernel, out_hw, batch_last))
    return x


# --------------------------------------------------------------------------- im2col / col2im (the contract)
def im2col(x, kernel_size, stride, padding, dilation):
    """Unfold every window into a column: ``x (N, C, H, W) -> cols (N, C*kh*kw, H_out*W_out)``.

    ``cols[n, (c, i, j), (oh, ow)] = x[n, c, oh*s - p + i*d, ow*s - p + j*d]`` (zero in the padding)."""
    _cupy_for("im2col", x)
    n, c, h, w = x.shape
    out_hw = shapes.conv2d_output_size(h, w, kernel_size, stride, padding, dilation)
    cols = _im2col(x, kernel_size, stride, padding, dilation, out_hw, batch_last=False)
    return cols.reshape(n, c * kernel_size[0] * kernel_size[1], out_hw[0] * out_hw[1])


def col2im(cols, x_shape, kernel_size, stride, padding, dilation):
    """The adjoint of :func:`im2col`: ``cols (N, C*kh*kw, H_out*W_out) -> x (N, C, H, W)``, each pixel
    the sum of the column entries whose windows cover it (a deterministic gather)."""
    _cupy_for("col2im", cols)
    n, c, h, w = x_shape
    kh, kw = kernel_size
    out_hw = shapes.conv2d_output_size(h, w, kernel_size, stride, padding, dilation)
    expected = (n, c * kh * kw, out_hw[0] * out_hw[1])
    if tuple(cols.shape) != expected:
        raise ValueError(f"cuda.col2im: expected columns of shape {expected} for x_shape {tuple(x_shape)}, "
                         f"got {tuple(cols.shape)}")
    return _col2im(cols, x_shape, kernel_size, stride, padding, dilation, out_hw, batch_last=False)


# --------------------------------------------------------------------------- convolution
def conv2d(x, w, stride, padding, dilation, groups):
    """``x (N, C_in, H, W), w (C_out, C_in/groups, kh, kw) -> y (N, C_out, H_out, W_out)``.

    ``y[n, co, oh, ow] = sum_{ci, i, j} w[co, ci, i, j] * x[n, ci, oh*s - p + i*d, ow*s - p + j*d]``:
    batch-last columns ``(g, C_in/g*kh*kw, N*H_out*W_out)``, one batched matmul over the groups."""
    cp = _cupy_for("conv2d", x, w)
    n, c_out, h_out, w_out = shapes.check_conv2d(x.shape, w.shape, stride, padding, dilation, groups)
    with x.device:
        cols = _im2col(x, w.shape[2:], stride, padding, dilation, (h_out, w_out), batch_last=True)
        w_g = w.reshape(groups, c_out // groups, -1)                       # (g, C_out/g, C_in/g*kh*kw)
        y = cp.matmul(w_g, cols.reshape(groups, w_g.shape[2], -1))         # (g, C_out/g, N*H_out*W_out)
        return cp.ascontiguousarray(y.reshape(c_out, n, h_out, w_out).transpose(1, 0, 2, 3))


def _transpose_conv(x, w, out_shape, stride, padding, dilation, groups):
    """The shared body of conv2d_grad_input and conv_transpose2d: ``col2im(W^T @ x)``.

    ``x (N, C, H, W)`` with ``w (C, C_out/groups, kh, kw)`` -> ``out_shape (N, C_out, H_out, W_out)``.
    ``W^T @ x`` per group is ``(g, C_out/g*kh*kw, C/g) @ (g, C/g, N*H*W)``, whose contiguous result is
    batch-last columns ``(C_out, kh, kw, N, H, W)`` on a window grid of ``(H, W)``: one window per input
    pixel, which the col2im gather sums into the output."""
    cp = backend.cupy_module()
    n, c, h, w_ = x.shape
    kernel = tuple(w.shape[2:])
    with x.device:
        w_t = w.reshape(groups, c // groups, -1).transpose(0, 2, 1)         # (g, C_out/g*kh*kw, C/g)
        x_t = x.transpose(1, 0, 2, 3).reshape(groups, c // groups, n * h * w_)  # (g, C/g, N*H*W)
        cols = cp.matmul(w_t, x_t)
        return _col2im(cols, out_shape, kernel, stride, padding, dilation, (h, w_), batch_last=True)


def conv2d_grad_input(gy, w, x_shape, stride, padding, dilation, groups):
    """The adjoint of conv2d in x: ``gy (N, C_out, H_out, W_out) -> gx x_shape`` (``W^T @ gy``, then the
    col2im gather): exactly :func:`conv_transpose2d` with conv2d's weight, sized to ``x_shape``."""
    _cupy_for("conv2d_grad_input", gy, w)
    return _transpose_conv(gy, w, tuple(x_shape), stride, padding, dilation, groups)


def conv2d_grad_weight(x, gy, w_shape, stride, padding, dilation, groups):
    """``x (N, C_in, H, W), gy (N, C_out, H_out, W_out) -> gw w_shape (C_out, C_in/groups, kh, kw)``,
    ``gw[co, ci, i, j] = sum_{n, oh, ow} gy[n, co, oh, ow] * x[n, ci, oh*s - p + i*d, ow*s - p + j*d]``:
    per group ``gy_g (C_out/g, N*H_out*W_out) @ cols_g^T``. The window grid is ``gy``'s (see
    :func:`minigan.kernels.im2col.conv2d_grad_weight`)."""
    cp = _cupy_for("conv2d_grad_weight", x, gy)
    out_hw = tuple(gy.shape[2:])
    c_out = gy.shape[1]
    with x.device:
        cols = _im2col(x, tuple(w_shape[2:]), stride, padding, dilation, out_hw, batch_last=True)
        cols_g = cols.reshape(groups, -1, x.shape[0] * out_hw[0] * out_hw[1])   # (g, C_in/g*kh*kw, N*L)
        gy_t = gy.transpose(1, 0, 2, 3).reshape(groups, c_out // groups, -1)    # (g, C_out/g, N*L)
        gw = cp.matmul(gy_t, cols_g.transpose(0, 2, 1))                          # (g, C_out/g, C_in/g*kh*kw)
        return gw.reshape(tuple(w_shape))


def conv_transpose2d(x, w, stride, padding, output_padding, dilation, groups):
    """``x (N, C_in, H, W), w (C_in, C_out/groups, kh, kw) -> y (N, C_out, H_out, W_out)``,
    ``H_out = (H - 1)s - 2p + d(k - 1) + output_padding + 1``: each input pixel stamps the kernel, scaled
    by its value, onto the output; computed as ``col2im(W^T @ x)`` with the gather."""
    _cupy_for("conv_transpose2d", x, w)
    out_shape = shapes.check_conv_transpose2d(x.shape, w.shape, stride, padding, output_padding, dilation,
                                              groups)
    return _transpose_conv(x, w, out_shape, stride, padding, dilation, groups)


# --------------------------------------------------------------------------- pooling
def max_pool2d(x, kernel_size, stride, padding, dilation):
    """``x (N, C, H, W) -> (y, argmax)``, both ``(N, C, H_out, W_out)``: the window maximum (padding is
    -inf) and the flat index ``h*W + w`` (int64, unpadded input) of the first maximum in the window."""
    cp = _cupy_for("max_pool2d", x)
    n, c, h_out, w_out = shapes.check_pool2d(x.shape, kernel_size, stride, padding, dilation)
    with x.device:
        x = cp.ascontiguousarray(x)
        y = cp.empty((n, c, h_out, w_out), dtype=x.dtype)
        argmax = cp.empty((n, c, h_out, w_out), dtype=cp.int64)
        _launch("max_pool2d_forward", x.dtype, y.size, x, y, argmax, x.dtype.type(-np.inf), *x.shape[2:],
                *kernel_size, *stride, *padding, *dilation, h_out, w_out)
    return y, argmax


def max_pool2d_backward(gy, argmax, x_shape, kernel_size, stride, padding, dilation):
    """``gy (N, C, H_out, W_out) -> gx x_shape``: every input pixel gathers the gradients of the windows
    it won (``argmax``), in a fixed order: deterministic, no atomics."""
    cp = _cupy_for("max_pool2d_backward", gy)
    if backend.device_of(argmax) == "cpu" or tuple(argmax.shape) != tuple(gy.shape):
        raise ValueError(f"cuda.max_pool2d_backward: argmax must be a CuPy array of gy's shape "
                         f"{tuple(gy.shape)}, got {type(argmax).__name__} of shape {tuple(argmax.shape)}")
    with gy.device:
        gy = cp.ascontiguousarray(gy)
        argmax = cp.ascontiguousarray(argmax, dtype=cp.int64)
        gx = cp.empty(tuple(x_shape), dtype=gy.dtype)
        _launch("max_pool2d_gather", gy.dtype, gx.size, gy, argmax, gx, *x_shape[2:], *kernel_size, *stride,
                *padding, *dilation, *gy.shape[2:])
    return gx


def avg_pool2d(x, kernel_size, stride, padding, count_include_pad):
    """``x (N, C, H, W) -> y (N, C, H_out, W_out)``, the window mean. Not a hand-written kernel: the
    portable :func:`minigan.kernels.im2col.avg_pool2d` (a sum of shifted views) run on CuPy."""
    _cupy_for("avg_pool2d", x)
    return _portable.avg_pool2d(x, kernel_size, stride, padding, count_include_pad)


def avg_pool2d_backward(gy, x_shape, kernel_size, stride, padding, count_include_pad):
    """``gy (N, C, H_out, W_out) -> gx x_shape``: the portable
    :func:`minigan.kernels.im2col.avg_pool2d_backward` run on CuPy."""
    _cupy_for("avg_pool2d_backward", gy)
    return _portable.avg_pool2d_backward(gy, x_shape, kernel_size, stride, padding, count_include_pad)
