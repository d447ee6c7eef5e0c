"""1-D convolution and transposed convolution, built on the 2-D ones: a signal is an image one pixel high.

A length-``L`` signal with ``C`` channels, ``(N, C, L)``, is the image ``(N, C, 1, L)``, and a 1-D kernel
``(C_out, C_in/groups, k)`` is the ``1 x k`` kernel ``(C_out, C_in/groups, 1, k)``. Sliding a ``1 x k`` kernel
over a 1-pixel-high image with stride ``(1, s)``, padding ``(0, p)`` and dilation ``(1, d)`` never moves it
vertically, so it computes exactly the 1-D convolution. Each op here therefore

1. unsqueezes a height of 1 (and, for an unbatched ``(C, L)`` input, a batch of 1) into the input and weight,
2. calls :func:`~minigan.ops.conv2d` or :func:`~minigan.ops.conv_transpose2d` with height-1 arguments,
3. squeezes the height (and the batch) back out.

Nothing else is new: the kernels, the backward (conv2d's input gradient is a conv_transpose2d, and so on),
the double backward and CuPy support are all the 2-D ones, and the unsqueeze and squeeze are reshapes,
whose gradients are the reverse reshapes. The formulas are the 2-D ones along the width:

- conv1d:           x (N, C_in, L), w (C_out, C_in/groups, k) -> (N, C_out, L_out),
  ``L_out = floor((L + 2p - d(k - 1) - 1) / s) + 1``
- conv_transpose1d: x (N, C_in, L), w (C_in, C_out/groups, k) -> (N, C_out, L_out),
  ``L_out = (L - 1)s - 2p + d(k - 1) + output_padding + 1``

Shape errors come from :mod:`minigan.kernels.shapes` under the 1-D op's name, so where they print sizes they
print the ``1 x L`` image the op works on. :mod:`minigan.ops.pool1d` does the same for pooling.
"""
from __future__ import annotations

from ..autograd import Tensor, as_tensor
from ..kernels import shapes
from .conv import conv2d, conv_transpose2d
from .shape import squeeze, unsqueeze

__all__ = ["conv1d", "conv_transpose1d", "single", "as_image", "from_image"]


def single(value, name: str, op: str) -> int:
    """PyTorch's 1-D argument forms: ``3 -> 3``, ``(3,) -> 3``; anything else is a ``TypeError`` naming ``op``
    (:func:`minigan.kernels.shapes.ntuple`)."""
    return shapes.ntuple(value, 1, name, op)[0]


def as_image(x: Tensor, op: str, channels: str = "C") -> tuple[Tensor, bool]:
    """``(N, C, L) -> (N, C, 1, L)``, an unbatched ``(C, L) -> (1, C, 1, L)``; with whether ``x`` had a batch."""
    if x.ndim not in (2, 3):
        raise ValueError(f"{op}: expected a 2-D ({channels}, L) or 3-D (N, {channels}, L) input, "
                         f"got shape {x.shape}")
    batched = x.ndim == 3
    return unsqueeze(x if batched else unsqueeze(x, 0), 2), batched


def from_image(y: Tensor, batched: bool) -> Tensor:
    """The inverse of :func:`as_image`: ``(N, C, 1, L_out) -> (N, C, L_out)``, or ``(C, L_out)`` if not ``batched``."""
    y = squeeze(y, 2)
    return y if batched else squeeze(y, 0)


def _weight_as_image(w: Tensor, op: str, layout: str) -> Tensor:
    if w.ndim != 3:
        raise ValueError(f"{op}: expected a 3-D weight {layout}, got shape {w.shape}")
    return unsqueeze(w, 2)


def _check_bias(bias, c_out: int, op: str) -> None:
    if bias is not None and tuple(bias.shape) != (c_out,):
        raise ValueError(f"{op}: bias must have shape ({c_out},), got {tuple(bias.shape)}")


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1,
           groups: int = 1, impl: str | None = None) -> Tensor:
    """1-D convolution (cross-correlation), as ``torch.nn.functional.conv1d``: a :func:`conv2d` of height 1.

    ``(N, C_in, L)`` or unbatched ``(C_in, L)``, weight ``(C_out, C_in/groups, k)`` -> ``(N, C_out, L_out)``
    (or ``(C_out, L_out)``). ``stride``, ``padding`` and ``dilation`` are ints or 1-tuples; ``padding`` may also be
    ``"valid"`` (none) or ``"same"`` (stride 1: ``L_out = L``, an odd total of ``d(k - 1)`` putting the extra
    zero at the right). A plain array for ``input`` or ``weight`` is taken as a constant tensor."""
    x, w = as_tensor(input), as_tensor(weight)
    image, batched = as_image(x, "conv1d", "C_in")
    kernel = _weight_as_image(w, "conv1d", "(C_out, C_in/groups, k)")
    s, d = single(stride, "stride", "conv1d"), single(dilation, "dilation", "conv1d")
    if isinstance(padding, str):
        if padding == "same" and s != 1:
            raise ValueError(f"conv1d: padding='same' is not supported for strided convolutions (stride {s})")
        (_, p), (_, extra) = shapes.conv_padding(padding, (1, w.shape[2]), (1, s), (1, d), "conv1d")
        padding2d = padding                      # conv2d pads "same" the same way along the width
    else:
        p, extra = single(padding, "padding", "conv1d"), 0
        padding2d = (0, p)
    n, c, _, length = image.shape
    shapes.check_conv2d((n, c, 1, length + extra), kernel.shape, (1, s), (0, p), (1, d), groups, "conv1d")
    _check_bias(bias, w.shape[0], "conv1d")
    y = conv2d(image, kernel, bias, (1, s), padding2d, (1, d), groups, impl)
    return from_image(y, batched)


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
                     output_padding=0, groups: int = 1, dilation=1, impl: str | None = None) -> Tensor:
    """1-D transposed convolution, as ``torch.nn.functional.conv_transpose1d`` (note its argument order:
    ``groups`` before ``dilation``): a :func:`conv_transpose2d` of height 1, the adjoint of :func:`conv1d`.

    ``(N, C_in, L)`` or unbatched ``(C_in, L)``, weight ``(C_in, C_out/groups, k)`` -> ``(N, C_out, L_out)``
    (or ``(C_out, L_out)``), ``L_out = (L - 1)s - 2p + d(k - 1) + output_padding + 1``. ``output_padding``
    must be smaller than the stride or the dilation."""
    x, w = as_tensor(input), as_tensor(weight)
    image, batched = as_image(x, "conv_transpose1d", "C_in")
    kernel = _weight_as_image(w, "conv_transpose1d", "(C_in, C_out/groups, k)")
    s, p, o, d = (single(v, name, "conv_transpose1d") for v, name in
                  ((stride, "stride"), (padding, "padding"), (output_padding, "output_padding"),
                   (dilation, "dilation")))
    if not (o < s or o < d):
        raise ValueError(f"conv_transpose1d: output_padding must be smaller than either stride or dilation, "
                         f"got output_padding={o}, stride={s}, dilation={d}")
    shapes.check_conv_transpose2d(image.shape, kernel.shape, (1, s), (0, p), (0, o), (1, d), groups,
                                  "conv_transpose1d")
    _check_bias(bias, w.shape[1] * groups, "conv_transpose1d")
    y = conv_transpose2d(image, kernel, bias, (1, s), (0, p), (0, o), groups, (1, d), impl)
    return from_image(y, batched)
