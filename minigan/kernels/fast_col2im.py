"""col2im for the CPU's ``fast`` kernels (:mod:`minigan.kernels.fast`): adding a transposed convolution's
stamps into its output.

A transposed convolution (and conv2d's input gradient) gives every input pixel the kh*kw values it stamps onto
its window of the output: one stamp plane per kernel tap ``(i, j)``, which lands on the output shifted by
``(i, j)`` and spread by the stride. col2im is the sum of those planes, taken one of three ways:

- :func:`_fold`: tap by tap, each plane added into a strided view of a (padded) buffer. Works for every
  shape.
- :func:`_fold_phases`, where the stride divides the output size (:func:`_blockwise`, DCGAN's 4x4 stride-2
  layers): the output seen as s*s *phases*, each fed by whole planes shifted by whole blocks, then
  interleaved. For channels-last stamps, whose rows of pixels are runs of channels.
- :func:`_fold_planes`, for a thin output (one to four channels, stamps channels first) whose phases fit
  the input's grid (:func:`_fold_fits`): each plane shifted by a fixed number of values and added whole.

Every function runs unchanged on NumPy and CuPy, and is held against adding every tap one value at a time
in ``tests/kernels/test_fast.py``.
"""
from __future__ import annotations

import functools

from minigan import backend
from minigan.kernels.im2col import _tap
from minigan.kernels.scratch import workspace


def _fold(buf, tap, in_hw, kernel, stride, dilation, axis):
    """col2im's sum, tap by tap: ``buf[..., i*d + s*h, j*d + s*w, ...] += tap(i, j)[..., h, w, ...]`` over every
    tap ``(i, j)`` of the kernel, where ``axis`` is the position of the height axis in ``buf`` (width follows
    it) and ``tap(i, j)`` is shaped like that slice of ``buf``. ``buf`` need not be zeroed: without dilation
    the first ``s x s`` taps together write every pixel of ``[0, s*H) x [0, s*W)`` exactly once, so they are
    stored rather than added, and only the rest of the buffer is zeroed."""
    (h, w), (kh, kw), (sh, sw), (dh, dw) = in_hw, kernel, stride, dilation
    lead = (slice(None),) * axis
    tiled = (dh, dw) == (1, 1) and kh >= sh and kw >= sw
    if tiled:       # zero the rows from s*H on and, above them, the columns from s*W on
        buf[lead + (slice(sh * h, None),)] = 0
        buf[lead + (slice(0, sh * h), slice(sw * w, None))] = 0
    else:
        buf[...] = 0
    for i in range(kh):
        for j in range(kw):
            # Within one tap no two input pixels reach the same output pixel, so `+=` is exact.
            at = lead + _tap(i, j, in_hw, stride, dilation)
            if tiled and i < sh and j < sw:
                buf[at] = tap(i, j)
            else:
                buf[at] += tap(i, j)


def _blockwise(size, stride, dilation) -> bool:
    """Can a transposed convolution's stamps be summed phase by phase and interleaved into its (unpadded) output
    of ``size``: no dilation, a stride > 1, and a size the stride divides, as in every DCGAN layer (4x4 kernels
    at stride 2 on even sizes)? See :func:`_fold_phases`."""
    (h, w), (sh, sw) = size, stride
    return tuple(dilation) == (1, 1) and (sh, sw) != (1, 1) and h % sh == 0 and w % sw == 0


@functools.lru_cache(maxsize=256)
def _rounds(k, s, p, size, blocks):
    """Where the taps of one axis land (kernel size ``k``, stride ``s``, padding ``p``; ``size`` input pixels,
    ``blocks`` output blocks), in groups of one shift. With ``t - p = a*s + r`` (``0 <= r < s``), tap ``t`` of
    input pixel ``y`` lands on pixel ``r`` of block ``y + a``: in phase ``r``, shifted by ``a`` blocks. So the
    taps of one shift are neighbours and so are their phases, and each group is ``(a, taps, phases, lo, hi)``:
    the kernel's taps ``taps`` (a slice) land in as many neighbouring phases ``phases`` (a slice), every one
    shifted by ``a`` blocks, and input pixels ``[lo, hi)`` land inside the output (none where ``lo >= hi``).
    One group is added in one operation: a 4x4 kernel at stride 2 with padding 1 has three, taps 0, 1 and 2, 3
    shifted by -1, 0 and 1 blocks. (Kept per argument tuple: a layer asks for the same groups at every call.)"""
    groups = []
    for t in range(k):
        a, r = divmod(t - p, s)
        if groups and groups[-1][0] == a:
            taps, phases = groups[-1][1], groups[-1][2]
            groups[-1] = (a, slice(taps.start, t + 1), slice(phases.start, r + 1)) + groups[-1][3:]
        else:
            groups.append((a, slice(t, t + 1), slice(r, r + 1), max(0, -a), min(size, blocks - a)))
    return tuple(groups)


def _fold_phases(out, stamps, stride, padding):
    """col2im's sum straight into the channels-last output ``out (nb, H_out, W_out, g, C/g)`` of a
    :func:`_blockwise` size, from tap-major stamps ``stamps (g, kh, kw, nb, H, W, C/g)``: plane ``(i, j)``
    holds what tap ``(i, j)`` of every input pixel adds to the output.

    Cut the output into blocks of ``s x s`` pixels; pixel ``(r, q)`` of every block makes the *phase*
    ``(r, q)``, an image of ``H_out/s x W_out/s`` pixels. Tap ``i`` of input row ``h`` lands on output row
    ``h*s + i - p``; with ``i - p = a*s + r`` (``0 <= r < s``) that is row ``r`` of block ``h + a``. So each
    tap feeds one phase, shifted by ``a`` blocks (and ``b`` across), and each phase is a sum of shifted whole
    stamp planes: additions over runs of whole rows of pixels, not one pixel's channels at a time, one for
    every group of taps with the same shift (:func:`_rounds`). One copy then interleaves the phases into ``out``.

    Where tap ``(p + r, p + q)`` lands every input pixel on its own block (``a = b = 0`` and ``H_out/s = H``,
    as in DCGAN's 4x4 stride-2 layers), its plane *is* phase ``(r, q)`` to start with, and the other taps are
    added into it in place: no buffer and no zeroing. Otherwise the phases are summed in a zeroed buffer."""
    xp = backend.xp_of(out)
    g, kh, kw, nb, h, w, cg = stamps.shape
    _, ho, wo, _, _ = out.shape
    (sh, sw), (ph, pw) = stride, padding
    hb, wb = ho // sh, wo // sw                               # blocks down and across: each phase's size
    own = (hb, wb) == (h, w) and ph + sh <= kh and pw + sw <= kw
    if own:
        phases = stamps[:, ph:ph + sh, pw:pw + sw]            # (g, s_h, s_w, nb, H, W, C/g), a view
    else:
        phases = workspace(xp, "phases", (g, sh, sw, nb, hb, wb, cg), out.dtype)
        phases[...] = 0
    for a, taps_i, rs, lo, hi in _rounds(kh, sh, ph, h, hb):            # taps in groups of one shift
        for b, taps_j, qs, wlo, whi in _rounds(kw, sw, pw, w, wb):
            if (own and a == b == 0) or lo >= hi or wlo >= whi:
                continue
            # phase (r, q), block (h + a, w + b) gets tap (i, j) of input pixel (h, w)
            phases[:, rs, qs, :, lo + a:hi + a, wlo + b:whi + b] += stamps[:, taps_i, taps_j, :, lo:hi, wlo:whi]
    out.reshape(nb, hb, sh, wb, sw, g, cg)[...] = phases.transpose(3, 4, 1, 5, 2, 0, 6)


def _fold_fits(in_hw, out_hw, stride, dilation) -> bool:
    """Can a thin transposed convolution's stamp planes be summed phase by phase (:func:`_fold_planes`): a
    :func:`_blockwise` output whose phases are no larger than the input, as in DCGAN's last generator layer
    and its discriminator's first (4x4 stride-2 kernels with padding 1; 3x3 ones with padding 2)?"""
    (h, w), (ho, wo), (sh, sw) = in_hw, out_hw, stride
    return _blockwise(out_hw, stride, dilation) and ho // sh <= h and wo // sw <= w


def _shift_into(dst, src, offset, store=False):
    """``dst[..., k] += src[..., k - offset]`` along the last axis, for every ``k`` with ``0 <= k - offset < L``.
    With ``store``, ``dst[..., k] = src[..., k - offset]`` there and 0 everywhere else along that axis."""
    size = dst.shape[-1]
    lo, hi = min(size, max(0, offset)), max(0, min(size, size + offset))
    if store:
        dst[..., :lo] = 0
        dst[..., hi:] = 0
        dst[..., lo:hi] = src[..., lo - offset:hi - offset]
    elif lo < hi:
        dst[..., lo:hi] += src[..., lo - offset:hi - offset]


def _feeding_every_phase(groups, s):
    """The first of an axis's groups of taps (:func:`_rounds`) that lands in all ``s`` phases and inside the output,
    or None."""
    return next((g for g in groups if g[2] == slice(0, s) and g[3] < g[4]), None)


def _fold_planes(out, planes, stride, padding):
    """col2im's sum straight into a thin output ``out (nb, C_out, H_out, W_out)`` (contiguous) of a
    :func:`_fold_fits` size, from the stamps as planes, ``planes (C_out, kh, kw, nb, H, W)``: plane
    ``(o, i, j)`` holds what tap ``(i, j)`` of every input pixel adds to output channel ``o`` (each ``(H, W)``
    plane contiguous; the planes are overwritten).

    Each tap feeds one phase of the output, shifted by whole blocks, as in :func:`_fold_phases`; here the phases
    are kept on the input's own ``H x W`` grid. Flattened, a shift by ``a`` blocks down and ``b`` across is a
    shift by ``a*W + b`` values: one addition over whole planes (those of a group of taps with the same shift,
    :func:`_rounds`) rather than one per row. A flat shift carries
    the values near a plane's edge into the next row (or the row before); those are the values that land
    outside the output, and they are zeroed first, so what arrives there is nothing. One copy per phase then
    interleaves the phases into ``out``."""
    xp = backend.xp_of(out)
    c_out, kh, kw, nb, h, w = planes.shape
    _, _, ho, wo = out.shape
    (sh, sw), (ph, pw) = stride, padding
    hb, wb = ho // sh, wo // sw                               # blocks down and across: each phase's size
    # The taps in groups of one shift (:func:`_rounds`): one addition per group, not per tap.
    down, across = _rounds(kh, sh, ph, h, hb), _rounds(kw, sw, pw, w, wb)
    # The input rows (and columns) that land outside the output are zeroed, for a whole group of kernel rows at once.
    for _, taps, _, lo, hi in down:
        if 0 < lo < hi:
            planes[:, taps, :, :, :lo] = 0
        if lo < hi < h:
            planes[:, taps, :, :, hi:] = 0
    for _, taps, _, lo, hi in across:
        if 0 < lo < hi:
            planes[:, :, taps, :, :, :lo] = 0
        if lo < hi < w:
            planes[:, :, taps, :, :, hi:] = 0
    # Where the batch slice's planes lie end to end (the product's own layout), a flat shift runs over all of
    # them at once: what it carries from one sample into the next is a zeroed edge too.
    lanes = (nb * h * w,) if planes.strides[3] == h * planes.strides[4] else (nb, h * w)
    plane_lanes = planes.reshape((c_out, kh, kw) + lanes)                 # a view
    phases = workspace(xp, "phases", (c_out, sh, sw) + lanes, out.dtype)
    # A pair of groups that feeds every phase (a kernel at least as large as the stride has one) is stored
    # rather than added, so the phases need no zeroing first; a kernel smaller than the stride leaves some
    # phases empty, and there they are zeroed.
    first = (_feeding_every_phase(down, sh), _feeding_every_phase(across, sw))
    if None in first:
        phases[...] = 0
    else:
        (a, taps_i, _, _, _), (b, taps_j, _, _, _) = first
        _shift_into(phases, plane_lanes[:, taps_i, taps_j], a * w + b, store=True)
    for g_down in down:
        a, taps_i, rs, lo, hi = g_down
        for g_across in across:
            b, taps_j, qs, wlo, whi = g_across
            if lo < hi and wlo < whi and (g_down, g_across) != first:    # else outside the output, or stored
                # phase (r, q), block (y + a, x + b) gets tap (i, j) of input pixel (y, x)
                _shift_into(phases[:, rs, qs], plane_lanes[:, taps_i, taps_j], a * w + b)
    blocks = out.reshape(nb, c_out, hb, sh, wb, sw)
    for r in range(sh):
        for q in range(sw):
            blocks[:, :, :, r, :, q] = phases[:, r, q].reshape(c_out, nb, h, w)[:, :, :hb, :wb].transpose(1, 0, 2, 3)
