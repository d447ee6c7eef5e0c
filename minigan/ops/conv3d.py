"""3-D convolution and transposed convolution, built on the 2-D ones: a volume is a stack of images.

A batch of volumes ``(N, C, D, H, W)`` holds, for each sample, ``D`` images ``(C, H, W)``: its depth slices. A
3-D kernel ``(C_out, C_in/groups, kd, kh, kw)`` likewise holds ``kd`` 2-D kernels ``w[:, :, j]``, one per
depth tap ``j``. Sliding the 3-D kernel along depth with stride ``s``, dilation ``r`` (the "dilation" along
depth) and zero padding ``p``, output slice ``d`` sees input slices ``d s + j r`` of the depth-padded input,
one per tap, and over each of them the tap's 2-D kernel slides along height and width exactly as in a 2-D
convolution. So a 3-D convolution is a sum over the depth taps of 2-D convolutions::

    y[:, :, d] = sum_j conv2d(x_pad[:, :, d s + j r], w[:, :, j])        j = 0 .. kd - 1

where each conv2d takes the height and width parts of the stride, padding and dilation, and the groups
(which split the channels, never the depth). ``x_pad`` is ``x`` with ``p`` zero slices before and after.

**Batched, not a loop over output slices.** For one tap ``j`` the input slices that all the outputs
``d = 0 .. D_out - 1`` read are ``j r, j r + s, j r + 2s, ...``: one strided selection
``x_pad[:, :, j r :: s]``. Moving depth next to the batch, ``(N, D_out, C, H, W)``, and folding it into the
batch, ``(N * D_out, C, H, W)``, makes them one batch of images, so ONE conv2d call gives tap ``j``'s term of
every output slice. ``kd`` conv2d calls and their sum give the whole output, which is unfolded back to
``(N, C_out, D_out, H_out, W_out)``. The bias goes with tap 0's call (every output voxel gets exactly one
tap-0 term), so it is added once.

**The transpose.** conv_transpose3d is the adjoint of that map (as conv_transpose2d is conv2d's), and the
adjoint of a composition is the adjoint of each step, in reverse order. Selecting slices becomes adding into
those slices of a zero volume, conv2d becomes conv_transpose2d, zero padding becomes cropping::

    y_full[:, :, i s + j r] += conv_transpose2d(x[:, :, i], w[:, :, j])   for every input slice i and tap j
    y = y_full[:, :, p : p + D_out]

Each input slice stamps its 2-D transpose through every tap into the output slice that tap points at, and
overlapping stamps add up. Batched the same way: one conv_transpose2d call per tap on all ``N * D`` input
slices, whose results are added into the strided output slices ``j r, j r + s, ...`` by
:class:`~minigan.ops.shape.IndexAdd` (indexing's transpose). ``output_padding`` makes ``y_full`` that many
slices longer at the back; only the bias reaches them (as in PyTorch).

Nothing else is new: the kernels, the backward, the double backward and CuPy support are the 2-D ops' and
those of the slicing, padding, reshapes and permutes around them. The formulas are the 2-D ones, along each
of the three dims:

- conv3d:           x (N, C_in, D, H, W), w (C_out, C_in/groups, kd, kh, kw) -> (N, C_out, D_out, H_out, W_out),
  ``D_out = floor((D + 2p - r(kd - 1) - 1) / s) + 1``
- conv_transpose3d: x (N, C_in, D, H, W), w (C_in, C_out/groups, kd, kh, kw) -> (N, C_out, D_out, H_out, W_out),
  ``D_out = (D - 1)s - 2p + r(kd - 1) + output_padding + 1``

An unbatched ``(C, D, H, W)`` input is a batch of one. :mod:`minigan.ops.pool3d` builds 3-D pooling on the
2-D pooling in the same spirit.
"""
from __future__ import annotations

from ..autograd import Tensor, as_tensor
from ..kernels import shapes
from .conv import conv2d, conv_transpose2d
from .pad import pad
from .shape import IndexAdd, getitem, permute, reshape, squeeze, unsqueeze

__all__ = ["conv3d", "conv_transpose3d", "triple", "as_volume", "from_volume"]

Triple = tuple[int, int, int]


def triple(value, name: str, op: str) -> Triple:
    """PyTorch's 3-D argument forms: ``3 -> (3, 3, 3)``, ``(1, 2, 3) -> (1, 2, 3)``; anything else is a
    ``TypeError`` naming ``op`` (:func:`minigan.kernels.shapes.ntuple`)."""
    return shapes.ntuple(value, 3, name, op)


def as_volume(x: Tensor, op: str, channels: str = "C") -> tuple[Tensor, bool]:
    """``x`` as a batch ``(N, C, D, H, W)``: an unbatched ``(C, D, H, W)`` becomes a batch of one. Returns it and
    whether ``x`` had a batch."""
    if x.ndim not in (4, 5):
        raise ValueError(f"{op}: expected a 4-D ({channels}, D, H, W) or 5-D (N, {channels}, D, H, W) input, "
                         f"got shape {x.shape}")
    return (x, True) if x.ndim == 5 else (unsqueeze(x, 0), False)


def from_volume(y: Tensor, batched: bool) -> Tensor:
    """The inverse of :func:`as_volume`: drop the batch of one again where the input had none."""
    return y if batched else squeeze(y, 0)


def _check_weight(w: Tensor, op: str, layout: str) -> None:
    if w.ndim != 5:
        raise ValueError(f"{op}: expected a 5-D weight {layout}, got shape {w.shape}")
    if min(w.shape[2:]) < 1:
        raise ValueError(f"{op}: expected a non-empty kernel, got weight shape {w.shape}")


def _check_bias(bias, c_out: int, op: str) -> None:
    if bias is not None and tuple(bias.shape) != (c_out,):
        raise ValueError(f"{op}: bias must have shape ({c_out},), got {tuple(bias.shape)}")


def _depth_slices(start: int, count: int, step: int) -> tuple:
    """The index of ``count`` slices along dim 1, ``start, start + step, ...``: a strided slice (basic indexing)."""
    return slice(None), slice(start, start + (count - 1) * step + 1, step)


def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1,
           groups: int = 1, impl: str | None = None) -> Tensor:
    """3-D convolution (cross-correlation), as ``torch.nn.functional.conv3d``: a sum over the kernel's depth taps
    of :func:`conv2d` calls (see the module's docstring).

    ``(N, C_in, D, H, W)`` or unbatched ``(C_in, D, H, W)``, weight ``(C_out, C_in/groups, kd, kh, kw)`` ->
    ``(N, C_out, D_out, H_out, W_out)`` (or without ``N``). ``stride``, ``padding`` and ``dilation`` are ints or
    3-tuples ``(depth, height, width)``; ``padding`` may also be ``"valid"`` (none) or ``"same"`` (stride 1: the
    output keeps the input's size, an odd total of ``r(k - 1)`` putting the extra zero at the back/bottom/right).
    A plain array for ``input`` or ``weight`` is taken as a constant tensor."""
    x, w = as_tensor(input), as_tensor(weight)
    volume, batched = as_volume(x, "conv3d", "C_in")
    _check_weight(w, "conv3d", "(C_out, C_in/groups, kd, kh, kw)")
    s, r = triple(stride, "stride", "conv3d"), triple(dilation, "dilation", "conv3d")
    p, extra = shapes.conv_padding(padding, tuple(w.shape[2:]), s, r, "conv3d")
    n, c = volume.shape[:2]
    grown = (n, c) + tuple(m + e for m, e in zip(volume.shape[2:], extra))
    _, c_out, d_out, h_out, w_out = shapes.check_conv(grown, w.shape, s, p, r, groups, "conv3d")
    _check_bias(bias, c_out, "conv3d")
    if p[0] or extra != (0, 0, 0):
        # The depth padding in full (conv2d never sees the depth), and "same"'s odd extra at the bottom/right;
        # the symmetric height/width padding is conv2d's.
        volume = pad(volume, (0, extra[2], 0, extra[1], p[0], p[0] + extra[0]))
    slices = permute(volume, (0, 2, 1, 3, 4))                     # (N, D_pad, C, H, W): depth next to the batch
    h, wd = slices.shape[3:]
    y = None
    for j in range(w.shape[2]):
        taken = getitem(slices, _depth_slices(j * r[0], d_out, s[0]))        # what tap j reads: (N, D_out, C, H, W)
        images = reshape(taken, (n * d_out, c, h, wd))
        kernel = getitem(w, (slice(None), slice(None), j))                      # tap j's 2-D kernel
        term = conv2d(images, kernel, bias if j == 0 else None, s[1:], p[1:], r[1:], groups, impl)
        y = term if y is None else y + term
    y = permute(reshape(y, (n, d_out, c_out, h_out, w_out)), (0, 2, 1, 3, 4))
    return from_volume(y, batched)


def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
                     output_padding=0, groups: int = 1, dilation=1, impl: str | None = None) -> Tensor:
    """3-D transposed convolution, as ``torch.nn.functional.conv_transpose3d`` (note its argument order:
    ``groups`` before ``dilation``): the adjoint of :func:`conv3d`, composed of :func:`conv_transpose2d` calls
    (see the module's docstring).

    ``(N, C_in, D, H, W)`` or unbatched ``(C_in, D, H, W)``, weight ``(C_in, C_out/groups, kd, kh, kw)`` ->
    ``(N, C_out, D_out, H_out, W_out)`` (or without ``N``), ``D_out = (D - 1)s - 2p + r(kd - 1) + output_padding + 1``
    and likewise along height and width. ``output_padding`` must be smaller than the stride or the dilation
    along each dim."""
    x, w = as_tensor(input), as_tensor(weight)
    volume, batched = as_volume(x, "conv_transpose3d", "C_in")
    _check_weight(w, "conv_transpose3d", "(C_in, C_out/groups, kd, kh, kw)")
    s, p, o, r = (triple(v, name, "conv_transpose3d") for v, name in
                  ((stride, "stride"), (padding, "padding"), (output_padding, "output_padding"),
                   (dilation, "dilation")))
    n, c_out, d_out, h_out, w_out = shapes.check_conv_transpose(volume.shape, w.shape, s, p, o, r, groups,
                                                                "conv_transpose3d")
    _check_bias(bias, c_out, "conv_transpose3d")
    c, depth, h, wd = volume.shape[1:]
    images = reshape(permute(volume, (0, 2, 1, 3, 4)), (n * depth, c, h, wd))   # every input slice, as a batch
    full = (depth - 1) * s[0] + r[0] * (w.shape[2] - 1) + 1 + o[0]            # the output's depth before cropping p
    y = None
    for j in range(w.shape[2]):
        kernel = getitem(w, (slice(None), slice(None), j))                      # tap j's 2-D kernel
        stamps = conv_transpose2d(images, kernel, None, s[1:], p[1:], o[1:], groups, r[1:], impl)
        stamps = reshape(stamps, (n, depth, c_out, h_out, w_out))
        # input slice i lands on output slice i s + j r: added into those strided slices of a zero volume
        term = IndexAdd.apply(stamps, (n, full, c_out, h_out, w_out), _depth_slices(j * r[0], depth, s[0]))
        y = term if y is None else y + term
    y = getitem(y, (slice(None), slice(p[0], p[0] + d_out)))                     # crop the depth padding away
    y = permute(y, (0, 2, 1, 3, 4))
    if bias is not None:                                          # every output voxel, the output_padding too
        y = y + reshape(as_tensor(bias), (1, c_out, 1, 1, 1))
    return from_volume(y, batched)
