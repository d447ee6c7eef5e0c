"""Linear and bilinear layers, normalisation (batch, layer, group, instance, local response) and dropout.

``linear``, ``bilinear``, ``local_response_norm``, ``dropout`` and evaluation-mode batch norm are built from
other minigan ops (matmul, pad, avg_pool2d, the elementwise ones), so their
backward (and double backward) follow from the ops they are made of. Training-mode batch norm, the one
a GAN runs every step, is one Function (:class:`BatchNorm`): composed of ten elementwise ops it would
pass over the activations about thirty times per step, fused it passes about ten times. Its backward is
the closed form below; written in minigan ops when the backward is being recorded, so gradient
penalties and ``gradgradcheck`` still differentiate it.

The dropouts accept PyTorch's ``inplace=`` and compute their result out of place, as the activations do
(:mod:`minigan.ops.activation`)."""
from __future__ import annotations

import math
import numbers

from .. import backend
from ..autograd import Function, Tensor, is_grad_enabled
from . import arithmetic as A
from ._util import as_floating, channel_sum as _channel_sum
from .pad import pad
from .pool import avg_pool2d
from .reduction import mean, sum as _sum
from .shape import permute, reshape, transpose


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``y = x Wᵀ + b``: ``(*, in) , (out, in) -> (*, out)`` (PyTorch's weight layout). A 1-D weight ``(in,)``
    is one output feature whose dim is dropped: ``(*, in), (in,) -> (*)``."""
    if weight.ndim not in (1, 2) or x.ndim == 0 or x.shape[-1] != weight.shape[-1]:
        raise ValueError(f"linear: input has {x.shape[-1] if x.ndim else 'no'} features but weight expects "
                         f"{weight.shape[-1] if weight.ndim else 'none'} (weight shape {weight.shape}, "
                         f"input shape {x.shape}; the weight is (out, in) or (in,))")
    y = x @ (transpose(weight) if weight.ndim == 2 else weight)
    return y if bias is None else y + bias


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``y = x1ᵀ A x2 + b`` for each output feature (``F.bilinear``): ``y[..., o] = sum_ij x1[..., i] W[o, i, j]
    x2[..., j] + b[o]``. Shapes: input1 ``(*, in1)`` and input2 ``(*, in2)`` with the same leading dims (not
    broadcast, as in PyTorch), weight ``(out, in1, in2)``, bias ``(out,)``; output ``(*, out)``. Computed as one
    matmul, ``x1`` times the weight laid out as ``(in1, out * in2)``, then a product with ``x2`` summed over
    ``in2``."""
    if weight.ndim != 3:
        raise ValueError(f"bilinear: expected a 3-D weight (out_features, in1_features, in2_features), got shape "
                         f"{weight.shape}")
    if input1.ndim == 0 or input1.ndim != input2.ndim or input1.shape[:-1] != input2.shape[:-1]:
        raise ValueError(f"bilinear: expected inputs (*, in1_features) and (*, in2_features) with the same leading "
                         f"dims (they are not broadcast), got shapes {input1.shape} and {input2.shape}")
    out, in1, in2 = weight.shape
    for name, x, n in (("input1", input1, in1), ("input2", input2, in2)):
        if x.shape[-1] != n:
            raise ValueError(f"bilinear: {name} has {x.shape[-1]} features but weight expects {n} (weight shape "
                             f"{weight.shape}: (out, in1, in2); {name} shape {x.shape})")
    if bias is not None and tuple(bias.shape) != (out,):
        raise ValueError(f"bilinear: expected bias of shape ({out},), one value per output feature, got shape "
                         f"{bias.shape}")
    tensors = {"input1": input1, "input2": input2, "weight": weight, "bias": bias}
    if len({t.dtype for t in tensors.values() if t is not None}) > 1:
        raise TypeError("bilinear: expected tensors of one dtype (no promotion, as in PyTorch), got "
                        + ", ".join(f"{name} {t.dtype}" for name, t in tensors.items() if t is not None))
    lead = input1.shape[:-1]
    b = math.prod(lead)
    w = reshape(permute(weight, (1, 0, 2)), (in1, out * in2))
    xw = reshape(reshape(input1, (b, in1)) @ w, (b, out, in2))              # (B, out, in2): (x1ᵀ W_o)_j
    y = reshape(_sum(xw * reshape(input2, (b, 1, in2)), -1), lead + (out,))
    return y if bias is None else y + bias


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75,  # noqa: A002
                        k: float = 1.0) -> Tensor:
    """AlexNet's normalisation across channels (``F.local_response_norm``): each value divided by
    ``(k + alpha / size * sum of the squares of the size channels around it)^beta``, the window
    ``c - size//2 .. c + (size-1)//2``. As in PyTorch the squares are averaged over that window with zero
    padding past the first and last channel (``avg_pool2d`` over the channels of ``x²``), so the sum is divided
    by ``size`` at the edges too. Shapes: ``(N, C, *)`` of at least 3 dims -> the same; integer inputs give
    float32 (with PyTorch's integer average of the squares, truncated); an empty input comes back as it is."""
    if isinstance(size, bool) or not isinstance(size, numbers.Integral):
        raise TypeError(f"local_response_norm: size must be an int, got {type(size).__name__}")
    if size < 1:
        raise ValueError(f"local_response_norm: size must be at least 1, got {size}")
    if input.ndim < 3:
        raise ValueError(f"local_response_norm: expected an input (N, C, *) of 3 or more dims, got shape "
                         f"{input.shape}")
    if input.numel() == 0:
        return input
    x = as_floating(input)
    n, c = x.shape[:2]
    if input.data.dtype.kind != "f":
        div = as_floating(Tensor(_integer_window_mean(input.data, size)))
    else:
        squares = reshape(x * x, (n, 1, c, -1))              # one plane a sample: channels down, positions across
        squares = pad(squares, (0, 0, size // 2, (size - 1) // 2))
        div = reshape(avg_pool2d(squares, (size, 1), stride=1), x.shape)
    return x / A.pow(div * alpha + k, beta)


def _integer_window_mean(a, size: int):
    """What PyTorch's local_response_norm averages for an integer input: the squares stay integers, and its
    integer average pooling truncates, ``floor(sum / size)`` (no gradient: integers have none)."""
    xp = backend.xp_of(a)
    n, c = a.shape[:2]
    sq = a.astype(xp.int64).reshape(n, c, -1) ** 2
    sq = xp.pad(sq, ((0, 0), (size // 2, (size - 1) // 2), (0, 0)))
    running = xp.concatenate([xp.zeros_like(sq[:, :1]), xp.cumsum(sq, axis=1)], axis=1)
    return ((running[:, size:] - running[:, :-size]) // size).reshape(a.shape)


def _channel_dot(a, b):
    """``a, b (N, C, ...) -> (C,)``: ``sum(a * b)`` over every axis but 1, without the product array."""
    xp = backend.xp_of(a)
    n, c = a.shape[:2]
    return xp.einsum("ncl,ncl->c", a.reshape(n, c, -1), b.reshape(n, c, -1))


class BatchNorm(Function):
    """Training-mode batch norm: ``y = x̂ w + b``, ``x̂ = (x - μ) / sqrt(σ² + eps)``, with the batch's
    per-channel mean μ and biased variance σ² over the axes ``axes`` (all but the channel axis 1),
    ``m`` values per channel. ``w``/``b`` may be None (no affine). Backward, with ``g = gy w``:

        gx = (g - mean(g) - x̂ mean(g x̂)) / sqrt(σ² + eps)      gw = sum(gy x̂)      gb = sum(gy)

    ``forward`` also updates the running statistics in place when given them (PyTorch's rule,
    with the unbiased variance ``σ² m / (m - 1)``)."""

    @staticmethod
    def forward(ctx, x, w, b, axes, eps, running, momentum):
        xp = backend.xp_of(x)
        per_channel = backend.sample_operand        # (C,) values as an operand that NumPy is fast with
        m = x.size // x.shape[1]
        mu = _channel_sum(x) * (1.0 / m)                                    # (C,)
        xc = x - per_channel(mu, x)         # centred; x̂ = xc / sqrt(σ² + eps) is never stored (one pass less)
        var_ = _channel_dot(xc, xc) * (1.0 / m)
        rstd = (1 / xp.sqrt(var_ + eps)).astype(x.dtype, copy=False)
        if running is not None:
            rm, rv = running
            rm *= 1 - momentum
            rm += momentum * mu.astype(rm.dtype)
            rv *= 1 - momentum
            rv += momentum * var_.astype(rv.dtype) * (m / max(m - 1, 1))
        ctx.axes, ctx.eps, ctx.affine = axes, eps, (w is not None, b is not None)
        ctx.rstd = rstd
        ctx.save_for_backward(x, w)
        ctx.xc = xc                         # kept for the fast backward; freed with the graph
        y = xc * per_channel(rstd if w is None else rstd * w.reshape(-1), x)    # x̂ w in one pass
        if b is not None:
            y += per_channel(b.reshape(-1), y)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, w = ctx.saved_tensors
        has_w, has_b = ctx.affine
        if is_grad_enabled():               # the backward is being recorded: minigan ops all the way
            gx, gw, gb = _batch_norm_backward_ops(gy, x, w, has_b, ctx.axes, ctx.eps)
        else:
            xc, rstd = ctx.xc, ctx.rstd     # x̂ = xc rstd; rstd and the sums below are (C,)
            per_channel = backend.sample_operand
            g = gy.data
            m = g.size // g.shape[1]
            gb = _channel_sum(g)
            gw = _channel_dot(g, xc) * rstd
            scale = rstd if w is None else rstd * w.data.reshape(-1)
            gx = g - per_channel(gb * (1.0 / m), g)
            gx -= xc * per_channel(gw * rstd * (1.0 / m), xc)               # x̂ mean(g x̂)
            gx *= per_channel(scale, gx)
            gx, gw, gb = Tensor(gx), Tensor(gw), Tensor(gb)
        # one gradient per Tensor argument: x, then weight and bias where given
        return (gx,) + ((gw,) if has_w else ()) + ((gb,) if has_b else ())


def _batch_norm_backward_ops(gy, x, w, has_b, axes, eps):
    """BatchNorm's backward in differentiable minigan ops (x̂ recomputed from x), for double backward."""
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    xc = x - mean(x, axis=axes, keepdims=True)
    rstd = 1.0 / A.sqrt(mean(xc * xc, axis=axes, keepdims=True) + eps)
    xhat = xc * rstd
    g = gy if w is None else gy * reshape(w, shape)
    gx = (g - mean(g, axis=axes, keepdims=True) - xhat * mean(g * xhat, axis=axes, keepdims=True)) * rstd
    gw = _sum(gy * xhat, axis=axes) if w is not None else None
    gb = _sum(gy, axis=axes) if has_b else None
    return gx, gw, gb


def batch_norm(input: Tensor, running_mean=None, running_var=None, weight: Tensor | None = None,
               bias: Tensor | None = None, training: bool = False, momentum: float = 0.1,
               eps: float = 1e-5) -> Tensor:  # noqa: A002
    """Normalise each channel: ``(x - mean) / sqrt(var + eps) * weight + bias``.

    Input ``(N, C)``, ``(N, C, L)``, ``(N, C, H, W)`` or ``(N, C, D, H, W)``; statistics are over every axis but
    the channel axis 1.
    Training uses the batch's mean and biased variance, and updates the running statistics in place
    as PyTorch does: ``running = (1 - momentum) running + momentum * batch``, with the *unbiased*
    variance (n / (n - 1)). Evaluation uses the running statistics.
    ``running_mean``/``running_var`` are Tensors or arrays; they may be None when training (then nothing is
    updated), but evaluation needs them, as in PyTorch."""
    if input.ndim not in (2, 3, 4, 5):
        raise ValueError(f"batch_norm: expected a 2-D to 5-D input (N, C, ...), got shape {input.shape}")
    if not training:
        for name, stat in (("running_mean", running_mean), ("running_var", running_var)):
            if stat is None:
                raise RuntimeError(f"batch_norm: {name} must be defined in evaluation mode (training=False); "
                                   "pass training=True to normalise with the batch's own statistics")
    axes = (0,) + tuple(range(2, input.ndim))
    shape = (1, input.shape[1]) + (1,) * (input.ndim - 2)
    if training or running_mean is None:
        n = input.numel() // input.shape[1]
        if n < 2 and training:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when training, got input "
                             f"shape {input.shape}")
        running = None
        if training and running_mean is not None:
            running = tuple(t.data if isinstance(t, Tensor) else t for t in (running_mean, running_var))
        y = BatchNorm.apply(input, weight, bias, axes, eps, running, momentum)
        if running is not None:
            for t in (running_mean, running_var):
                if isinstance(t, Tensor):
                    t._bump_version()
        return y
    rm = running_mean.data if isinstance(running_mean, Tensor) else running_mean
    rv = running_var.data if isinstance(running_var, Tensor) else running_var
    mu = Tensor(rm.reshape(shape).astype(input.dtype, copy=False))
    v = Tensor(rv.reshape(shape).astype(input.dtype, copy=False))
    y = (input - mu) / A.sqrt(v + eps)
    if weight is not None:
        y = y * reshape(weight, shape)
    if bias is not None:
        y = y + reshape(bias, shape)
    return y


# --------------------------------------------------------------------------- per-sample normalisation
# Layer, group and instance norm normalise each sample with its own statistics, so there are no running
# statistics to keep while training and no batch coupling. They are composed of differentiable ops (mean,
# multiply, sqrt, divide): their backward and double backward follow from those ops.

def _normalize(x: Tensor, axes: tuple[int, ...], eps: float) -> Tensor:
    """``(x - mean) / sqrt(var + eps)`` over ``axes``, with the biased variance ``mean((x - mean)²)``."""
    xc = x - mean(x, axis=axes, keepdims=True)
    return xc / A.sqrt(mean(xc * xc, axis=axes, keepdims=True) + eps)


def _channel_affine(op: str, y: Tensor, weight: Tensor | None, bias: Tensor | None) -> Tensor:
    """``y * weight + bias`` with one ``weight``/``bias`` value per channel (axis 1), each ``(C,)`` or None."""
    c = y.shape[1]
    shape = (1, c) + (1,) * (y.ndim - 2)
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and tuple(p.shape) != (c,):
            raise ValueError(f"{op}: expected {name} of shape ({c},), one value per channel, got shape {p.shape}")
    if weight is not None:
        y = y * reshape(weight, shape)
    if bias is not None:
        y = y + reshape(bias, shape)
    return y


def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:  # noqa: A002
    """Normalise each sample over its last dims: ``(*, *normalized_shape) -> same shape`` (``F.layer_norm``).

    ``y = (x - mean) / sqrt(var + eps) * weight + bias``, mean and biased variance over the trailing
    ``len(normalized_shape)`` dims; ``weight`` and ``bias`` have shape ``normalized_shape`` (elementwise)."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    if k == 0 or input.ndim < k or tuple(input.shape[input.ndim - k:]) != shape:
        raise ValueError(f"layer_norm: normalized_shape={shape} expects an input of shape (*, "
                         f"{', '.join(map(str, shape))}), got shape {input.shape}")
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and tuple(p.shape) != shape:
            raise ValueError(f"layer_norm: expected {name} of shape {shape} (normalized_shape), got shape {p.shape}")
    y = _normalize(input, tuple(range(input.ndim - k, input.ndim)), eps)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


def rms_norm(input: Tensor, normalized_shape, weight: Tensor | None = None, eps: float | None = None) -> Tensor:
    """Root-mean-square norm over each sample's last dims: ``(*, *normalized_shape) -> same shape``
    (``F.rms_norm``).

    ``y = x / sqrt(mean(x²) + eps) * weight``, the mean over the trailing ``len(normalized_shape)`` dims: layer
    norm without its centring and its bias, so only the size of ``x`` is normalised, not its offset.
    ``eps=None`` is the machine epsilon of ``x``'s dtype (about 1.2e-7 for float32), as in PyTorch. Composed of
    differentiable ops (mean, rsqrt, mul), so its backward, and its backward's, are theirs."""
    shape = (normalized_shape,) if isinstance(normalized_shape, numbers.Integral) else tuple(normalized_shape)
    k = len(shape)
    if k == 0 or input.ndim < k or tuple(input.shape[input.ndim - k:]) != shape:
        raise ValueError(f"rms_norm: normalized_shape={shape} expects an input of shape (*, "
                         f"{', '.join(map(str, shape))}), got shape {input.shape}")
    if weight is not None and tuple(weight.shape) != shape:
        raise ValueError(f"rms_norm: expected weight of shape {shape} (normalized_shape), got shape {weight.shape}")
    input = as_floating(input)
    if eps is None:
        eps = float(backend.xp_of(input.data).finfo(input.dtype).eps)
    axes = tuple(range(input.ndim - k, input.ndim))
    y = input / A.sqrt(mean(input * input, axis=axes, keepdims=True) + eps)
    return y if weight is None else y * weight


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:  # noqa: A002
    """Split the ``C`` channels into ``num_groups`` groups of ``C / num_groups`` and normalise each group of
    each sample: ``(N, C, *) -> (N, C, *)`` (``F.group_norm``). ``weight``/``bias`` are per channel, ``(C,)``.
    One group is layer norm over ``(C, *)``; ``C`` groups is instance norm."""
    if input.ndim < 2:
        raise ValueError(f"group_norm: expected an input (N, C, *) of at least 2 dims, got shape {input.shape}")
    n, c = input.shape[:2]
    if num_groups < 1 or c % num_groups:
        raise ValueError(f"group_norm: expected a channel count divisible by num_groups={num_groups}, "
                         f"got {c} channels (input shape {input.shape})")
    grouped = reshape(input, (n, num_groups, -1))                  # each row: one group of one sample
    y = reshape(_normalize(grouped, (2,), eps), input.shape)
    return _channel_affine("group_norm", y, weight, bias)


def instance_norm(input: Tensor, running_mean=None, running_var=None, weight: Tensor | None = None,
                  bias: Tensor | None = None, use_input_stats: bool = True, momentum: float = 0.1,
                  eps: float = 1e-5) -> Tensor:  # noqa: A002
    """Normalise each channel of each sample over its positions: ``(N, C, L)``, ``(N, C, H, W)`` or
    ``(N, C, D, H, W)`` -> same shape (``F.instance_norm``); the normalisation of style-transfer networks.
    ``weight``/``bias``: ``(C,)``.

    With ``use_input_stats`` (the default) each sample's own mean and biased variance are used; given
    ``running_mean``/``running_var`` they are also updated in place as PyTorch does, with the mean over the
    batch of the per-sample mean and *unbiased* variance. ``use_input_stats=False`` normalises with the
    running statistics instead (as batch norm in evaluation)."""
    if input.ndim not in (3, 4, 5):
        raise ValueError(f"instance_norm: expected a 3-D, 4-D or 5-D input (N, C, L), (N, C, H, W) or (N, C, D, H, W), "
                         f"got shape {input.shape}")
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise RuntimeError("instance_norm: running_mean and running_var must be given when use_input_stats=False")
        return batch_norm(input, running_mean, running_var, weight, bias, training=False, eps=eps)
    axes = tuple(range(2, input.ndim))
    m = input.numel() // (input.shape[0] * input.shape[1]) if input.shape[0] * input.shape[1] else 0
    if m < 2:
        raise ValueError(f"instance_norm: expected more than 1 spatial element per channel when using the "
                         f"input's statistics, got input shape {input.shape}")
    if running_mean is not None and running_var is not None:
        per_sample = (input.data.mean(axis=axes), input.data.var(axis=axes, ddof=1))         # each (N, C)
        for stat, batch in zip((running_mean, running_var), per_sample):
            arr = stat.data if isinstance(stat, Tensor) else stat
            arr *= 1 - momentum
            arr += momentum * batch.mean(axis=0).astype(arr.dtype)
            if isinstance(stat, Tensor):
                stat._bump_version()
    return _channel_affine("instance_norm", _normalize(input, axes, eps), weight, bias)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    """Zero each element with probability ``p`` and scale the survivors by ``1/(1-p)`` (inverted
    dropout), so evaluation needs no rescaling. Identity when not training or when ``p == 0``."""
    if not 0 <= p <= 1:
        raise ValueError(f"dropout: p must be in [0, 1], got {p}")
    if not training or p == 0:
        return input
    if p == 1:
        return input * 0.0
    keep = backend.rng(input.device).random(input.shape) >= p
    return input * Tensor((keep / (1 - p)).astype(input.dtype))


def _channel_dropout(x: Tensor, p: float, training: bool, op: str, leads: dict, layout: str) -> Tensor:
    """Zero whole channels of ``x`` with probability ``p`` and scale the others by ``1/(1-p)``: one draw per
    channel (and sample). ``leads`` maps each accepted number of dims to how many leading dims are ``(N, C)``
    (2) or ``(C,)`` (1, an unbatched input); the rest are the positions one draw covers."""
    if not 0 <= p <= 1:
        raise ValueError(f"{op}: p must be in [0, 1], got {p}")
    if x.ndim not in leads:
        raise ValueError(f"{op}: expected a {' or '.join(f'{n}-D' for n in leads)} input {layout}, got shape {x.shape}")
    if not training or p == 0:
        return x
    if p == 1:
        return x * 0.0
    lead = leads[x.ndim]
    keep = backend.rng(x.device).random(x.shape[:lead] + (1,) * (x.ndim - lead)) >= p     # one draw per channel
    return x * Tensor((keep / (1 - p)).astype(x.dtype))


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    """Channel dropout of signals ``(N, C, L)`` or one ``(C, L)``: whole channels zeroed with probability ``p``,
    the others scaled by ``1/(1-p)`` (``torch.nn.functional.dropout1d``)."""
    return _channel_dropout(input, p, training, "dropout1d", {2: 1, 3: 2}, "(C, L) or (N, C, L)")


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    """Channel dropout: zero whole channels (feature maps) of ``(N, C, H, W)`` with probability ``p``, and scale
    the others by ``1/(1-p)``, as ``torch.nn.functional.dropout2d``. Neighbouring pixels of a feature map are
    strongly correlated, so dropping single pixels hardly regularises a convolution; dropping the map does.
    A 3-D input is taken as ``(N, C, L)``, as PyTorch now takes it."""
    return _channel_dropout(input, p, training, "dropout2d", {3: 2, 4: 2}, "(N, C, H, W)")


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    """Channel dropout of volumes ``(N, C, D, H, W)`` or one ``(C, D, H, W)``: whole channels zeroed with
    probability ``p``, the others scaled by ``1/(1-p)`` (``torch.nn.functional.dropout3d``)."""
    return _channel_dropout(input, p, training, "dropout3d", {4: 1, 5: 2}, "(C, D, H, W) or (N, C, D, H, W)")
