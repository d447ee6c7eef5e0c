"""Smooth activations, written to stay finite for large inputs: sigmoid(-1000) = 0 without overflow,
tanh(1000) = 1, logsigmoid(-1000) = -1000, log_softmax([1000, 0]) = [0, -1000]. Each backward uses the
forward's output where that is cheaper and exact (sigmoid' = s(1 - s), tanh' = 1 - t²).

Those that are short compositions of minigan ops (silu, mish, gelu, softsign, tanhshrink, softmin, glu) are
written as such: their backward and double backward follow from the ops'. The piecewise family, with kinks
(hardtanh, relu6, hardsigmoid, hardswish, threshold, prelu), is in :mod:`minigan.ops.piecewise`.

The functions take PyTorch's arguments, ``F.leaky_relu(input, 0.2, inplace=True)`` included: minigan records no
in-place operation, so ``inplace`` is accepted and the result computed out of place, as by the layers
(``nn.ReLU(inplace=True)``); use the result, ``x = F.relu(x, inplace=True)``, as PyTorch code does. The
functions ending in ``_`` (``F.relu_``, ``x.relu_()``) are the ones that overwrite their input."""
from __future__ import annotations

import math
import warnings

from .. import backend
from ..autograd import Function, Tensor, is_grad_enabled
from ._util import as_floating, either, normalize_dim
from .arithmetic import _quietly, gated
from .reduction import sum as _sum


def _mask(x, cond) -> Tensor:
    return Tensor(cond.astype(x.dtype))


def _zero_where_dead(g: Tensor, gy: Tensor, dead) -> Tensor:
    """``g`` (``gy`` times a 0/1 mask, made in place) with 0 where the unit is ``dead`` even if ``gy`` is infinite
    or nan there, as PyTorch gives; only looked at where ``gy`` holds such a value (see ``arithmetic.gated``)."""
    xp = backend.xp_of(gy.data)
    if not bool(xp.isfinite(gy.data).all()):
        g.data[xp.broadcast_to(dead, g.shape)] = 0
    return g


def _expect_floating(op: str, x: Tensor) -> None:
    """PyTorch defines leaky_relu, softplus, elu, silu and most other activations on floating-point tensors
    only (sigmoid, tanh, softsign of integers are float32 instead: see as_floating)."""
    if x.data.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating-point tensor, got dtype {x.dtype} (PyTorch does not define "
                        f"{op} on integers either); convert it first with x.float()")


class ReLU(Function):
    @staticmethod
    def forward(ctx, x):
        y = backend.xp_of(x).maximum(x, backend.sample_operand(0, x))      # max(x, 0), at NumPy's fast speed
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        mask = _mask(y.data, y.data > 0)
        if is_grad_enabled():              # recorded (double backward): the mask is a constant factor
            return gated(gy, mask)
        with _quietly():                   # (inf * 0 at a dead unit: set to 0 just below)
            mask.data *= gy.data           # the 0/1 mask, in place: no third array
        return _zero_where_dead(mask, gy, y.data <= 0)


def relu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """max(x, 0); its derivative at 0 is 0, as in PyTorch."""
    return ReLU.apply(input)


class LeakyReLU(Function):
    """``x`` where ``x > 0``, else ``slope * x``. For ``0 <= slope <= 1`` that is ``max(x, slope * x)``,
    one pass cheaper than a select. For ``slope >= 0`` the output is positive exactly where the input
    is, so the backward's mask is read from the output, and the input need not be kept."""

    @staticmethod
    def forward(ctx, x, slope):
        xp = backend.xp_of(x)
        s = x.dtype.type(slope)
        if 0 <= slope <= 1:
            y = x * s
            xp.maximum(x, y, out=y)
        else:
            y = xp.where(x > 0, x, x * s)
        ctx.save_for_backward(y if slope >= 0 else x)
        ctx.slope = slope
        return y

    @staticmethod
    def backward(ctx, gy):
        (ref,) = ctx.saved_tensors
        # ref is y (slope >= 0) or x: positive where x is. The factor (1 or slope) is made with arithmetic
        # on the 0/1 mask: a select (where) on an unpredictable mask is several times slower on a CPU. A product,
        # as PyTorch's is here too: with slope 0, an infinite gy gives nan where x <= 0 in both (relu gives 0).
        scale = (ref.data > 0).astype(ref.dtype)
        if 0 <= ctx.slope <= 1:
            backend.xp_of(scale).maximum(scale, backend.sample_operand(ctx.slope, scale), out=scale)  # 1, slope
        else:
            scale *= 1 - ctx.slope
            scale += ctx.slope
        if is_grad_enabled():              # recorded (double backward): the mask is a constant factor
            return gy * Tensor(scale)
        with _quietly():
            scale *= gy.data
        return Tensor(scale)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:  # noqa: A002
    _expect_floating("leaky_relu", input)
    return LeakyReLU.apply(input, float(negative_slope))


def _stable_sigmoid(x):
    """1/(1+e^-x) for x >= 0 and e^x/(1+e^x) for x < 0: neither branch overflows."""
    xp = backend.xp_of(x)
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


class Sigmoid(Function):
    @staticmethod
    def forward(ctx, x):
        y = _stable_sigmoid(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return gy * y * (1 - y)


def sigmoid(input: Tensor) -> Tensor:  # noqa: A002
    return Sigmoid.apply(as_floating(input))


class Tanh(Function):
    @staticmethod
    def forward(ctx, x):
        y = backend.xp_of(x).tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return gy * (1 - y * y)


def tanh(input: Tensor) -> Tensor:  # noqa: A002
    return Tanh.apply(as_floating(input))


class Softplus(Function):
    """``log(1 + e^(βx)) / β``, written ``(max(z, 0) + log1p(e^-|z|)) / β`` with ``z = βx`` so it is finite for
    any x; where ``z > threshold`` it is ``x`` itself (PyTorch's rule: there the two differ by less than
    ``e^-threshold``). Its derivative is ``sigmoid(βx)``, and 1 on the linear part."""

    @staticmethod
    def forward(ctx, x, beta, threshold):
        xp = backend.xp_of(x)
        z = x * x.dtype.type(beta)
        linear = z > threshold
        y = (xp.maximum(z, 0) + xp.log1p(xp.exp(-xp.abs(z)))) / x.dtype.type(beta)
        ctx.beta, ctx.linear = beta, linear
        ctx.save_for_backward(x)
        return xp.where(linear, x, y)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        from .arithmetic import where
        return gy * where(ctx.linear, 1.0, sigmoid(x * ctx.beta))


def softplus(x: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + e^(beta x)) / beta``, and ``x`` where ``beta x > threshold`` (``F.softplus`` in PyTorch)."""
    _expect_floating("softplus", x)
    if beta == 0:
        raise ValueError("softplus: beta must be nonzero (the result is log(1 + e^(beta x)) / beta)")
    return Softplus.apply(x, float(beta), float(threshold))


class ELU(Function):
    """``scale x`` where ``x > 0``, else ``alpha scale (e^(input_scale x) - 1)`` (computed with ``expm1``, exact
    near 0): PyTorch's one kernel for elu (``scale = input_scale = 1``), selu and celu.
    Backward: ``gy scale`` where ``x > 0``, else ``gy input_scale (y + alpha scale)`` (= the derivative
    ``gy alpha scale input_scale e^(input_scale x)``), read from the output. At ``x = 0`` that is the left
    side's ``alpha scale input_scale``, as in PyTorch."""

    @staticmethod
    def forward(ctx, x, alpha, scale=1.0, input_scale=1.0):
        xp = backend.xp_of(x)
        f = x.dtype.type
        positive = x > 0
        below = xp.minimum(x, 0)                                         # no e^x overflow for x > 0
        if input_scale != 1:
            below = below * f(input_scale)
        y = xp.where(positive, x if scale == 1 else x * f(scale), f(alpha * scale) * xp.expm1(below))
        ctx.alpha, ctx.scale, ctx.input_scale, ctx.positive = alpha, scale, input_scale, positive
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        from .arithmetic import where
        below = y + ctx.alpha * ctx.scale
        if ctx.input_scale != 1:
            below = below * ctx.input_scale
        return gy * where(ctx.positive, ctx.scale, below)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """Exponential linear unit: ``x`` for ``x > 0``, ``alpha (e^x - 1)`` otherwise (``F.elu`` in PyTorch)."""
    _expect_floating("elu", input)
    return ELU.apply(input, float(alpha))


SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def selu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """Scaled ELU, ``scale * elu(x, alpha)``, with the two constants (``SELU_ALPHA`` ≈ 1.6733, ``SELU_SCALE``
    ≈ 1.0507) chosen so that activations of zero mean and unit variance keep them through a deep stack of
    linear layers (Klambauer et al., 2017). ``F.selu`` in PyTorch."""
    _expect_floating("selu", input)
    return ELU.apply(input, SELU_ALPHA, SELU_SCALE)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """Continuously differentiable ELU: ``x`` for ``x > 0``, ``alpha (e^(x/alpha) - 1)`` otherwise; its
    derivative is 1 on both sides of 0 for every alpha (``F.celu`` in PyTorch)."""
    _expect_floating("celu", input)
    if alpha == 0:
        raise ValueError("celu: alpha must be nonzero (the negative side is alpha (e^(x/alpha) - 1))")
    return ELU.apply(input, float(alpha), 1.0, 1.0 / alpha)


def _erf_array(x):
    """The error function ``erf(x) = 2/√π ∫₀ˣ e^(-t²) dt`` on an array, in array code that runs on NumPy and
    CuPy alike (NumPy has no erf). Two classic expansions, each used where it converges fast:

    * ``|x| < 2.5``: the series of all-positive terms (Abramowitz & Stegun 7.1.6), no cancellation:
      ``erf(x) = 2/√π e^(-x²) Σₙ 2ⁿ x^(2n+1) / (1·3·5···(2n+1))``, 35 terms;
    * ``|x| >= 2.5``: ``erf(x) = 1 - erfc(x)`` with the continued fraction (A&S 7.1.14)
      ``erfc(x) = e^(-x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...))))``, 25 levels, evaluated bottom-up.

    Largest error against ``math.erf`` over a dense grid of [-7, 7]: 1.4e-15 in float64 (a few ulp).
    It costs about 60 array passes: GELU's ``approximate='tanh'`` is the fast choice."""
    xp = backend.xp_of(x)
    a = xp.abs(x)
    s = xp.minimum(a, x.dtype.type(2.5))            # the series' argument (clipped: no overflow beyond 2.5)
    two_s2 = 2 * s * s
    term = s.copy()
    total = s.copy()
    for n in range(1, 35):
        term *= two_s2
        term /= 2 * n + 1
        total += term
    series = (2 / math.sqrt(math.pi)) * xp.exp(-s * s) * total
    b = xp.maximum(a, x.dtype.type(2.5))            # the continued fraction's argument
    return xp.sign(x) * xp.where(a < 2.5, series, 1 - xp.exp(-b * b) * erfcx_fraction(b, 25))


def erfcx_fraction(b, levels: int):
    """The scaled ``erfcx(b) = e^(b²) erfc(b)`` for large enough ``b`` (1 and up) by the continued fraction of A&S
    7.1.14, ``1/√π · 1/(b + (1/2)/(b + 1/(b + (3/2)/(b + ...))))``, ``levels`` deep, evaluated bottom-up. Times
    ``e^(-b²)`` it is ``erfc(b)``, accurate relative to erfc's own size, where ``1 - erf(b)`` would have cancelled;
    without that factor nothing underflows. 25 levels serve erf from 2.5 on, 60 reach float64's precision from 2
    on, 200 from 1 on."""
    k = b.copy()
    for j in range(levels, 0, -1):
        k = b + (j / 2) / k
    return 1 / (math.sqrt(math.pi) * k)


class Erf(Function):
    """``erf(x)`` (see :func:`_erf_array`); backward ``gy 2/√π e^(-x²)``."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _erf_array(x)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        from .arithmetic import exp
        return gy * (exp(-(x * x)) * (2 / math.sqrt(math.pi)))


def erf(x: Tensor) -> Tensor:
    """The error function, ``torch.erf``: odd, from -1 to 1, ``erf(x) = 2/√π ∫₀ˣ e^(-t²) dt``."""
    return Erf.apply(as_floating(x))


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit ``x Φ(x)``, with Φ the standard normal CDF (``F.gelu`` in PyTorch):

    * ``approximate='none'``: ``x/2 (1 + erf(x/√2))``, exact;
    * ``approximate='tanh'``: ``x/2 (1 + tanh(√(2/π) (x + 0.044715 x³)))``, cheaper, within about 5e-4 of it.

    Composed of differentiable ops, so its backward and double backward follow from theirs."""
    _expect_floating("gelu", x)
    if approximate == "none":
        return x * 0.5 * (1 + erf(x * (1 / math.sqrt(2))))
    if approximate == "tanh":
        return x * 0.5 * (1 + tanh((x + x * x * x * 0.044715) * math.sqrt(2 / math.pi)))
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def silu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """Sigmoid linear unit (swish), ``x sigmoid(x)`` (``F.silu`` in PyTorch). Finite for any x, since
    sigmoid is: 0 and gradient 0 at -1000, x and gradient 1 at 1000."""
    _expect_floating("silu", input)
    return input * sigmoid(input)


def mish(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``x tanh(softplus(x))`` (Misra, 2019; ``F.mish`` in PyTorch), finite for any x because softplus is:
    ``softplus(-1000) = 0`` and ``softplus(1000) = 1000``."""
    _expect_floating("mish", input)
    return input * tanh(softplus(input))


class LogSigmoid(Function):
    """``log(sigmoid(x)) = min(x, 0) - log1p(e^-|x|)``: the exponent is never positive, so this is finite
    for any x (``logsigmoid(-1000) = -1000``) and exact where sigmoid(x) rounds to 1 (``logsigmoid(40) =
    -4.2e-18``, not 0). Backward: ``gy (1 - sigmoid(x)) = gy sigmoid(-x)``, which is 1 at -1000."""

    @staticmethod
    def forward(ctx, x):
        xp = backend.xp_of(x)
        ctx.save_for_backward(x)
        return xp.minimum(x, 0) - xp.log1p(xp.exp(-xp.abs(x)))

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * sigmoid(-x)


def logsigmoid(x: Tensor) -> Tensor:
    """``log(1 / (1 + e^-x))``, computed without overflow (``F.logsigmoid`` in PyTorch)."""
    _expect_floating("logsigmoid", x)
    return LogSigmoid.apply(x)


def softsign(input: Tensor) -> Tensor:  # noqa: A002
    """``x / (1 + |x|)``: from -1 to 1 like tanh, but nearing ±1 as ``1/|x|`` shrinks, not exponentially. Its
    derivative ``1 / (1 + |x|)²`` is 1 at 0, which the composition gives too (there ``x`` times the
    derivative of ``|x|`` is 0)."""
    input = as_floating(input)
    from .arithmetic import abs as _abs
    return input / (_abs(input) + 1)


def tanhshrink(input: Tensor) -> Tensor:  # noqa: A002
    """``x - tanh(x)`` (``F.tanhshrink`` in PyTorch)."""
    input = as_floating(input)
    return input - tanh(input)


def glu(input: Tensor, dim: int = -1) -> Tensor:  # noqa: A002
    """Gated linear unit: ``x`` cut in two halves ``a, b`` along ``dim``, then ``a sigmoid(b)``:
    ``(*, 2n, *) -> (*, n, *)`` (Dauphin et al., 2017; ``F.glu`` in PyTorch)."""
    _expect_floating("glu", input)
    if input.ndim == 0:
        raise ValueError("glu: does not support 0-d tensors, because the halved dimension must be even")
    d = normalize_dim(dim, input.ndim, "glu")
    if input.shape[d] % 2:
        raise ValueError(f"glu: the halved dimension must be even, but dimension {d} is size {input.shape[d]} "
                         f"(input shape {input.shape})")
    from .shape import chunk
    a, b = chunk(input, 2, dim=d)
    return a * sigmoid(b)


def _softmax_dim(op: str, x: Tensor, dim, axis):
    """The dim ``op`` works along, as an argument for the Functions below: ``()`` for a 0-d tensor (its one
    element). With no dim given, PyTorch's deprecated implicit choice, with its warning: dim 0 for 0-, 1-
    and 3-D tensors, else dim 1."""
    if x.dtype.kind not in "fc":
        raise TypeError(f"{op}: expected a floating-point tensor, got {x.dtype} (convert it with .float())")
    dim = either(op, "dim", dim, "axis", axis)
    if dim is None:
        dim = 0 if x.ndim in (0, 1, 3) else 1
        warnings.warn(f"Implicit dimension choice for {op} has been deprecated. Change the call to include "
                      f"dim={dim} as an argument.", UserWarning, stacklevel=3)
    dim = normalize_dim(dim, x.ndim, op)
    return dim if x.ndim else ()


class LogSoftmax(Function):
    """x - logsumexp(x), with the max subtracted first so exp never overflows.
    Backward: g - softmax(x) * sum(g)."""

    @staticmethod
    def forward(ctx, x, axis):
        xp = backend.xp_of(x)
        shifted = x - x.max(axis=axis, keepdims=True)
        y = shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))
        ctx.axis = axis
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        from .arithmetic import exp
        return gy - exp(y) * _sum(gy, axis=ctx.axis, keepdims=True)


def _cast(x: Tensor, dtype) -> Tensor:
    """``x`` in ``dtype`` first, where one is given (softmax's ``dtype=``: a recorded cast, so the gradient comes
    back in x's own dtype), as PyTorch's."""
    return x if dtype is None else x.to(dtype=dtype)


def log_softmax(input: Tensor, dim: int | None = None, *, axis: int | None = None, dtype=None) -> Tensor:  # noqa: A002
    """``log(softmax(x, dim))`` along ``dim`` (or ``axis``), computed without overflow; ``dtype`` casts x first."""
    return LogSoftmax.apply(_cast(input, dtype), _softmax_dim("log_softmax", input, dim, axis))


class Softmax(Function):
    """e^(x - max) / sum e^(x - max). Backward: s * (g - sum(g * s))."""

    @staticmethod
    def forward(ctx, x, axis):
        xp = backend.xp_of(x)
        e = xp.exp(x - x.max(axis=axis, keepdims=True))
        y = e / e.sum(axis=axis, keepdims=True)
        ctx.axis = axis
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return y * (gy - _sum(gy * y, axis=ctx.axis, keepdims=True))


def softmax(input: Tensor, dim: int | None = None, *, axis: int | None = None, dtype=None) -> Tensor:  # noqa: A002
    """``e^x / sum(e^x)`` along ``dim`` (or ``axis``): positive, summing to 1 along it; ``dtype`` casts x first."""
    return Softmax.apply(_cast(input, dtype), _softmax_dim("softmax", input, dim, axis))


def softmin(input: Tensor, dim: int | None = None, *, axis: int | None = None, dtype=None) -> Tensor:  # noqa: A002
    """``softmax(-x, dim)``: positive, summing to 1 along ``dim`` (or ``axis``), largest where x is smallest;
    ``dtype`` casts x first."""
    return Softmax.apply(-_cast(input, dtype), _softmax_dim("softmin", input, dim, axis))
