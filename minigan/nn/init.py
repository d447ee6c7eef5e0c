"""Weight initialisers, in place, with PyTorch's names and formulas (``nn.init.normal_(w, 0, 0.02)``).

Random numbers come from the device's seeded generator (``mg.manual_seed``), or from ``generator`` (an
``mg.Generator``) where the initialiser takes one, as PyTorch's do."""
from __future__ import annotations

import math
import warnings

import numpy as np

from .. import backend
from ..autograd import Tensor
from ..generator import stream


def _fill(t: Tensor, arr) -> Tensor:
    t.data[...] = arr.astype(t.dtype, copy=False)
    t._bump_version()
    return t


def _gen(t: Tensor, generator=None, who: str = "nn.init"):
    return stream(generator, t.device, who)


def calculate_fan_in_and_fan_out(t: Tensor) -> tuple[int, int]:
    """fan_in = size(1) * receptive field, fan_out = size(0) * receptive field (PyTorch's rule; for a
    ConvTranspose2d weight (in, out/groups, kh, kw) this makes fan_in = out/groups * kh * kw)."""
    if t.ndim < 2:
        raise ValueError(f"fan in/out need a tensor with at least 2 dimensions, got shape {t.shape}")
    receptive = int(np.prod(t.shape[2:])) if t.ndim > 2 else 1
    return t.shape[1] * receptive, t.shape[0] * receptive


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    if nonlinearity in ("linear", "conv2d", "conv_transpose2d", "sigmoid"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope ** 2))
    raise ValueError(f"calculate_gain: unknown nonlinearity {nonlinearity!r}")


def uniform_(t: Tensor, a: float = 0.0, b: float = 1.0, generator=None) -> Tensor:
    return _fill(t, _gen(t, generator, "nn.init.uniform_").uniform(a, b, size=t.shape))


def normal_(t: Tensor, mean: float = 0.0, std: float = 1.0, generator=None) -> Tensor:
    """N(mean, std²) in place; DCGAN uses ``normal_(w, 0.0, 0.02)``."""
    return _fill(t, _gen(t, generator, "nn.init.normal_").standard_normal(t.shape) * std + mean)


def constant_(t: Tensor, value: float) -> Tensor:
    t.data[...] = value
    t._bump_version()
    return t


def zeros_(t: Tensor) -> Tensor:
    return constant_(t, 0.0)


def ones_(t: Tensor) -> Tensor:
    return constant_(t, 1.0)


def _fan(t: Tensor, mode: str) -> int:
    fan_in, fan_out = calculate_fan_in_and_fan_out(t)
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    return fan_in if mode == "fan_in" else fan_out


def _zero_element(t: Tensor) -> bool:
    """Is ``t`` empty (a ``Linear(0, n)`` weight)? Then, as PyTorch, the He initialisers warn and leave it: its fan
    is 0, and there is nothing to draw."""
    if t.numel() == 0:
        warnings.warn("Initializing zero-element tensors is a no-op", UserWarning, stacklevel=3)
        return True
    return False


def kaiming_uniform_(t: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                     generator=None) -> Tensor:
    """U(-bound, bound) with bound = gain * sqrt(3 / fan) (He et al. 2015)."""
    if _zero_element(t):
        return t
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / _fan(t, mode))
    return uniform_(t, -bound, bound, generator)


def kaiming_normal_(t: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                    generator=None) -> Tensor:
    """N(0, std²) with std = gain / sqrt(fan) (He et al. 2015)."""
    if _zero_element(t):
        return t
    return normal_(t, 0.0, calculate_gain(nonlinearity, a) / math.sqrt(_fan(t, mode)), generator)


def xavier_uniform_(t: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio 2010)."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(t)
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(t, -a, a, generator)


def xavier_normal_(t: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    fan_in, fan_out = calculate_fan_in_and_fan_out(t)
    return normal_(t, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def default_layer_init_(weight: Tensor, bias: Tensor | None) -> None:
    """PyTorch's default for Linear and Conv layers: kaiming_uniform_(a=sqrt(5)) on the weight, i.e.
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the same bound for the bias."""
    kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = calculate_fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        uniform_(bias, -bound, bound)


def _need_ndim(t: Tensor, allowed: tuple[int, ...] | None, message: str) -> None:
    """PyTorch's shape check (its message, then the shape that came); ``allowed=None`` means ndim >= 2."""
    if (t.ndim < 2) if allowed is None else (t.ndim not in allowed):
        raise ValueError(f"{message} (got a tensor of shape {t.shape})")


def eye_(t: Tensor) -> Tensor:
    """The identity matrix, in place, on a 2-D ``(out, in)`` tensor: ``t[i, i] = 1``, zeros elsewhere, so a
    Linear layer with this weight passes its first ``min(out, in)`` inputs through unchanged."""
    _need_ndim(t, (2,), "Only tensors with 2 dimensions are supported")
    return _fill(t, backend.xp_of(t.data).eye(*t.shape))


def dirac_(t: Tensor, groups: int = 1) -> Tensor:
    """The Dirac delta, in place, on a conv weight ``(C_out, C_in/groups, *kernel)`` with 1, 2 or 3 spatial dims:
    within each of the ``groups`` blocks of ``C_out / groups`` output channels, output channel ``d`` takes
    input channel ``d`` at the kernel's centre (index ``k // 2`` on each axis), for ``d < min(C_out / groups,
    C_in / groups)``; every other element is 0. With an odd kernel and ``padding="same"`` the convolution is
    then the identity map on the channels it keeps."""
    _need_ndim(t, (3, 4, 5), "Only tensors with 3, 4, or 5 dimensions are supported")
    if t.shape[0] % groups != 0:
        raise ValueError(f"dim 0 must be divisible by groups (got dim 0 = {t.shape[0]}, groups = {groups})")
    per_group = t.shape[0] // groups
    keep = min(per_group, t.shape[1])
    delta = np.zeros(t.shape, dtype=t.dtype)          # built on the host, then copied to the tensor's device
    out_channels = [g * per_group + d for g in range(groups) for d in range(keep)]
    in_channels = [d for _ in range(groups) for d in range(keep)]
    centre = tuple(k // 2 for k in t.shape[2:])
    delta[(out_channels, in_channels) + centre] = 1
    return _fill(t, backend.to_device(delta, t.device))


def orthogonal_(t: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """A (semi-)orthogonal matrix times ``gain``, in place (Saxe et al. 2013). The tensor is seen as a matrix
    ``(rows, cols) = (size(0), numel / size(0))`` (a conv weight's trailing dims are flattened); its rows are
    orthonormal when ``rows <= cols`` (``W Wᵀ = gain² I``), otherwise its columns are (``Wᵀ W = gain² I``).

    How: the QR decomposition of a Gaussian matrix (of the tall way round), with each column of Q multiplied
    by the sign of R's diagonal, which makes Q uniformly distributed over the orthogonal matrices."""
    _need_ndim(t, None, "Only tensors with 2 or more dimensions are supported")
    if t.data.size == 0:
        return t
    xp = backend.xp_of(t.data)
    rows = t.shape[0]
    cols = t.data.size // rows
    a = _gen(t, generator, "nn.init.orthogonal_").standard_normal((rows, cols))
    if rows < cols:
        a = a.T
    q, r = xp.linalg.qr(a)                   # q: (tall, short) with orthonormal columns
    q *= xp.sign(xp.diag(r))
    if rows < cols:
        q = q.T
    return _fill(t, (gain * q).reshape(t.shape))


def trunc_normal_(t: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0,
                  generator=None) -> Tensor:
    """N(mean, std²) truncated to ``[a, b]``, in place: values outside are drawn again until all lie inside
    (after rounding to the tensor's dtype, inside ``[a, b]`` rounded the same way).

    When ``[a, b]`` holds more than 30% of the normal's mass, each draw is a normal sample, kept if it falls
    inside. Otherwise (a narrow or far-off interval, where most normal samples would miss) each draw is
    uniform on ``[a, b]``, kept with probability ``pdf(x) / pdf(mode)`` (rejection sampling), as PyTorch does.
    A mean more than 2 std outside ``[a, b]`` gives a warning."""
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. "
                      "The distribution of values may be incorrect.", stacklevel=2)
    xp = backend.xp_of(t.data)
    gen = _gen(t, generator, "nn.init.trunc_normal_")

    def norm_cdf(x: float) -> float:
        return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0

    if norm_cdf((b - mean) / std) - norm_cdf((a - mean) / std) > 0.3:
        def draw(shape):
            x = gen.standard_normal(shape) * std + mean
            return x, (x >= a) & (x <= b)
    else:
        mode = max(a, min(mean, b))

        def draw(shape):
            x = gen.uniform(a, b, size=shape)
            log_ratio = -0.5 * ((x - mean) / std) ** 2 + 0.5 * ((mode - mean) / std) ** 2
            return x, xp.log(gen.random(shape)) <= log_ratio

    values, kept = draw(t.shape)
    while not bool(kept.all()):
        again, again_kept = draw(t.shape)
        values = xp.where(kept, values, again)
        kept = kept | again_kept
    return _fill(t, values)


def sparse_(t: Tensor, sparsity: float, std: float = 0.01, generator=None) -> Tensor:
    """A sparse 2-D matrix, in place (Martens 2010): N(0, std²) values, then in every column
    ``ceil(sparsity * rows)`` entries, at rows chosen at random for each column, set to 0."""
    _need_ndim(t, (2,), "Only tensors with 2 dimensions are supported")
    xp = backend.xp_of(t.data)
    gen = _gen(t, generator, "nn.init.sparse_")
    rows, cols = t.shape
    num_zeros = math.ceil(sparsity * rows)
    values = gen.standard_normal((rows, cols)) * std
    shuffled_rows = xp.argsort(gen.random((rows, cols)), axis=0)   # a random permutation of the rows per column
    values[shuffled_rows[:num_zeros], xp.arange(cols)] = 0
    return _fill(t, values)


# --------------------------------------------------------------------------- deprecated names without the _
def _deprecated(initialiser):
    """``initialiser`` (``uniform_``) under its old name without the ``_`` (``uniform``), which PyTorch still
    has: it warns (a ``FutureWarning``, PyTorch's words) and then runs the initialiser."""
    new_name = initialiser.__name__
    old_name = new_name[:-1]

    def old(*args, **kwargs):
        warnings.warn(f"`nn.init.{old_name}` is now deprecated in favor of `nn.init.{new_name}`.", FutureWarning,
                      stacklevel=2)
        return initialiser(*args, **kwargs)

    old.__name__ = old.__qualname__ = old_name
    old.__doc__ = f"Deprecated: :func:`{new_name}` under its old name (warns, then calls it)."
    return old


uniform, normal, constant = _deprecated(uniform_), _deprecated(normal_), _deprecated(constant_)
xavier_uniform, xavier_normal = _deprecated(xavier_uniform_), _deprecated(xavier_normal_)
kaiming_uniform, kaiming_normal = _deprecated(kaiming_uniform_), _deprecated(kaiming_normal_)
orthogonal, sparse, eye, dirac = _deprecated(orthogonal_), _deprecated(sparse_), _deprecated(eye_), _deprecated(dirac_)
