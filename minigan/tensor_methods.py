"""The Tensor's named op methods: ``x.sum(dim=1)``, ``x.exp()``, ``x.reshape(2, -1)`` ... .

Each is one line handing over to the differentiable op of the same name in :mod:`minigan.ops` (imported
lazily, since ``ops/`` sits above the Tensor): read the op's file to see its forward and backward.
:class:`~minigan.autograd.Tensor` inherits them from :class:`OpMethods`, so that ``autograd.py`` keeps to what
a tensor *is* (its data, its gradient, its place in the graph) and its operators (``+``, ``@``, ``[]``)."""
from __future__ import annotations


def _ops():
    from . import ops
    return ops


def _new(t, make: str, *args, dtype=None, device=None, requires_grad: bool = False):
    """A new tensor from ``mg.<make>`` (``zeros``, ``full``, ``tensor``...), of ``t``'s dtype and device unless
    others are given: ``x.new_zeros(3)`` as PyTorch's ``new_*`` methods."""
    from . import autograd
    make = getattr(_creation(), make, None) or getattr(autograd, make)
    return make(*args, dtype=t.dtype if dtype is None else dtype, device=t.device if device is None else device,
                requires_grad=requires_grad)


def _creation():
    from . import creation
    return creation


def _fill_random(t, what: str, draw: str, shift, scale, generator=None):
    """``t`` overwritten with ``shift + scale * sample`` (``draw``: ``"rand"`` for U[0, 1), or ``"randn"``, from
    the device's seeded generator), as the Tensor's other in-place methods: refused on a leaf that requires
    grad while recording (initialise weights under ``mg.no_grad()``), and counted in its version."""
    if t.dtype.kind != "f":
        raise TypeError(f"{what}: expects a floating-point tensor, got dtype {t.dtype}")
    t._check_inplace(what)
    sample = getattr(_creation(), draw)(t.shape, device=t.device, dtype=t.dtype, generator=generator).data
    t.data[...] = shift + scale * sample
    t._bump_version()
    return t


def _strides(t, dim=None):
    """The steps in memory from one element to the next along each dim, in elements (NumPy's are in bytes),
    as PyTorch's ``stride``: ``(3, 1)`` for a C-contiguous ``(2, 3)`` tensor, ``(1, 3)`` for its ``.T``."""
    strides = tuple(s // t.data.itemsize for s in t.data.strides)
    if dim is None:
        return strides
    if t.ndim == 0:
        raise IndexError(f"stride: dimension specified as {dim} but the tensor has no dimensions")
    from .ops._util import normalize_dim
    return strides[normalize_dim(dim, t.ndim, "stride")]


def _in_place(t, what: str, op, *args, **kwargs):
    """``t`` overwritten with ``op(t, *args)`` (``masked_fill_`` from ``masked_fill``...), under the rules of the
    Tensor's other in-place methods: refused while recording on a leaf that requires grad, on a tensor of the
    graph, or with an operand that requires grad (minigan records no in-place operation); the result must
    keep t's shape; the change is counted in t's version."""
    from .autograd import Tensor, _can_cast_inplace, is_grad_enabled, no_grad
    t._check_inplace(what)
    if is_grad_enabled() and any(isinstance(a, Tensor) and a.requires_grad for a in args):
        raise RuntimeError(f"{what}: an operand requires grad, and minigan records no in-place operation; use "
                           f"the out-of-place {what[:-1]} instead")
    with no_grad():
        out = op(t, *args, **kwargs)
    if out.shape != t.shape:
        raise RuntimeError(f"{what}: the result's shape {out.shape} doesn't match the tensor's shape {t.shape}")
    if not _can_cast_inplace(out.dtype, t.dtype):
        raise RuntimeError(f"{what}: result type {out.dtype} can't be cast to the tensor's dtype {t.dtype}")
    t.data[...] = out.data
    t._bump_version()
    return t


def _logical(t, o, name: str):
    """``logical_and`` ... of the truth of each element (non-zero is true): a bool tensor with no graph, made
    as the comparisons are (``Tensor._compare``)."""
    from . import backend
    from .autograd import Tensor
    if o is None:
        return Tensor(getattr(backend.xp_of(t.data), name)(t.data))
    return t._compare(o, lambda a, b: getattr(backend.xp_of(a), name)(a, b))


def _unflatten(t, dim: int, sizes):
    """Dim ``dim`` split into ``sizes`` (one of them may be -1), as ``torch.Tensor.unflatten``."""
    from .ops._util import normalize_dim
    from .ops.shape import fill_free_size
    d = normalize_dim(dim, t.ndim, "unflatten")
    filled = fill_free_size(tuple(sizes), t.shape[d])
    if filled is None:
        raise RuntimeError(f"unflatten: sizes {tuple(sizes)} don't multiply up to the size of dim {dim} "
                           f"({t.shape[d]}) of a tensor of shape {t.shape}")
    return _ops().reshape(t, t.shape[:d] + filled + t.shape[d + 1:])


class OpMethods:
    """The methods of :class:`~minigan.autograd.Tensor` that are minigan ops under PyTorch's method names."""

    # Reductions take PyTorch's argument names (dim, keepdim, unbiased, correction) or NumPy's (axis,
    # keepdims); their signatures are in minigan/ops/reduction.py.
    def sum(self, *args, **kwargs): return _ops().sum(self, *args, **kwargs)
    def mean(self, *args, **kwargs): return _ops().mean(self, *args, **kwargs)
    def max(self, *args, **kwargs): return _ops().max(self, *args, **kwargs)
    def min(self, *args, **kwargs): return _ops().min(self, *args, **kwargs)
    def amax(self, *args, **kwargs): return _ops().amax(self, *args, **kwargs)
    def amin(self, *args, **kwargs): return _ops().amin(self, *args, **kwargs)
    def var(self, *args, **kwargs): return _ops().var(self, *args, **kwargs)
    def std(self, *args, **kwargs): return _ops().std(self, *args, **kwargs)
    # Running extremes, statistics and pointwise extras: minigan/ops/cumulative.py, statistics.py, pointwise.py
    def cummax(self, dim): return _ops().cummax(self, dim)
    def cummin(self, dim): return _ops().cummin(self, dim)
    def logcumsumexp(self, dim): return _ops().logcumsumexp(self, dim)
    def diff(self, *args, **kwargs): return _ops().diff(self, *args, **kwargs)
    def nansum(self, *args, **kwargs): return _ops().nansum(self, *args, **kwargs)
    def nanmean(self, *args, **kwargs): return _ops().nanmean(self, *args, **kwargs)
    def quantile(self, q, *args, **kwargs): return _ops().quantile(self, q, *args, **kwargs)
    def nanquantile(self, q, *args, **kwargs): return _ops().nanquantile(self, q, *args, **kwargs)
    def nanmedian(self, *args, **kwargs): return _ops().nanmedian(self, *args, **kwargs)
    def cov(self, **kwargs): return _ops().cov(self, **kwargs)
    def corrcoef(self): return _ops().corrcoef(self)
    def histc(self, *args, **kwargs): return _ops().histc(self, *args, **kwargs)
    def bincount(self, *args, **kwargs): return _ops().bincount(self, *args, **kwargs)
    def addcmul(self, tensor1, tensor2, *, value=1): return _ops().addcmul(self, tensor1, tensor2, value=value)
    def addcdiv(self, tensor1, tensor2, *, value=1): return _ops().addcdiv(self, tensor1, tensor2, value=value)
    def nan_to_num(self, *args, **kwargs): return _ops().nan_to_num(self, *args, **kwargs)
    def xlogy(self, other): return _ops().xlogy(self, other)
    def logit(self, eps=None): return _ops().logit(self, eps)
    def erfinv(self): return _ops().erfinv(self)
    def argmax(self, *args, **kwargs): return _ops().argmax(self, *args, **kwargs)
    def argmin(self, *args, **kwargs): return _ops().argmin(self, *args, **kwargs)
    def reshape(self, *shape): return _ops().reshape(self, *shape)
    def view(self, *shape): return _ops().reshape(self, *shape)
    def permute(self, *dims): return _ops().permute(self, *dims)
    def transpose(self, dim0=None, dim1=None): return _ops().transpose(self, dim0, dim1)
    def flatten(self, start_dim=0, end_dim=-1): return _ops().flatten(self, start_dim, end_dim)
    def unsqueeze(self, dim): return _ops().unsqueeze(self, dim)
    def squeeze(self, dim=None): return _ops().squeeze(self, dim)
    def expand(self, *sizes): return _ops().expand(self, *sizes)
    def split(self, split_size_or_sections, dim=0): return _ops().split(self, split_size_or_sections, dim)
    def chunk(self, chunks, dim=0): return _ops().chunk(self, chunks, dim)
    def exp(self): return _ops().exp(self)
    def log(self): return _ops().log(self)
    def sqrt(self): return _ops().sqrt(self)
    def abs(self): return _ops().abs(self)
    def clip(self, min=None, max=None): return _ops().clip(self, min, max)  # noqa: A002
    clamp = clip
    def relu(self): return _ops().relu(self)
    def sigmoid(self): return _ops().sigmoid(self)
    def tanh(self): return _ops().tanh(self)
    def matmul(self, o): return _ops().matmul(self, o)

    # Elementwise math, more reductions and comparisons: minigan/ops/math.py, reduction.py, cumulative.py
    def sin(self): return _ops().sin(self)
    def cos(self): return _ops().cos(self)
    def tan(self): return _ops().tan(self)
    def asin(self): return _ops().asin(self)
    def acos(self): return _ops().acos(self)
    def atan(self): return _ops().atan(self)
    def sinh(self): return _ops().sinh(self)
    def cosh(self): return _ops().cosh(self)
    def asinh(self): return _ops().asinh(self)
    def acosh(self): return _ops().acosh(self)
    def atanh(self): return _ops().atanh(self)
    def log1p(self): return _ops().log1p(self)
    def expm1(self): return _ops().expm1(self)
    def log2(self): return _ops().log2(self)
    def log10(self): return _ops().log10(self)
    def exp2(self): return _ops().exp2(self)
    def rsqrt(self): return _ops().rsqrt(self)
    def reciprocal(self): return _ops().reciprocal(self)
    def square(self): return _ops().square(self)
    def sinc(self): return _ops().sinc(self)
    def sign(self): return _ops().sign(self)
    def floor(self): return _ops().floor(self)
    def ceil(self): return _ops().ceil(self)
    def round(self, decimals=0): return _ops().round(self, decimals)
    def trunc(self): return _ops().trunc(self)
    def frac(self): return _ops().frac(self)
    def fmod(self, o): return _ops().fmod(self, o)
    def remainder(self, o): return _ops().remainder(self, o)
    def atan2(self, o): return _ops().atan2(self, o)
    def hypot(self, o): return _ops().hypot(self, o)
    def logaddexp(self, o): return _ops().logaddexp(self, o)
    def lerp(self, end, weight): return _ops().lerp(self, end, weight)
    def prod(self, *args, **kwargs): return _ops().prod(self, *args, **kwargs)
    def cumsum(self, dim, **kwargs): return _ops().cumsum(self, dim, **kwargs)
    def cumprod(self, dim, **kwargs): return _ops().cumprod(self, dim, **kwargs)
    def logsumexp(self, *args, **kwargs): return _ops().logsumexp(self, *args, **kwargs)
    def norm(self, p="fro", dim=None, keepdim=False, dtype=None): return _ops().norm(self, p, dim, keepdim, dtype)
    def median(self, *args, **kwargs): return _ops().median(self, *args, **kwargs)
    def all(self, *args, **kwargs): return _ops().all(self, *args, **kwargs)
    def any(self, *args, **kwargs): return _ops().any(self, *args, **kwargs)
    def count_nonzero(self, dim=None): return _ops().count_nonzero(self, dim)
    def isnan(self): return _ops().isnan(self)
    def isinf(self): return _ops().isinf(self)
    def isfinite(self): return _ops().isfinite(self)
    def isclose(self, o, *args, **kwargs): return _ops().isclose(self, o, *args, **kwargs)
    def allclose(self, o, *args, **kwargs): return _ops().allclose(self, o, *args, **kwargs)
    def equal(self, o): return _ops().equal(self, o)
    def gt(self, o): return _ops().gt(self, o)
    def ge(self, o): return _ops().ge(self, o)
    def lt(self, o): return _ops().lt(self, o)
    def le(self, o): return _ops().le(self, o)

    # PyTorch's method names for the arithmetic operators, and two activations: minigan/ops/arithmetic.py, activation.py
    def add(self, o, *, alpha=1): return _ops().add(self, o if alpha == 1 else o * alpha)
    def sub(self, o, *, alpha=1): return _ops().sub(self, o if alpha == 1 else o * alpha)
    def mul(self, o): return _ops().mul(self, o)
    def div(self, o): return _ops().div(self, o)
    def neg(self): return _ops().neg(self)
    def pow(self, o): return _ops().pow(self, o)
    def maximum(self, o): return _ops().maximum(self, o)
    def minimum(self, o): return _ops().minimum(self, o)
    def softmax(self, dim, dtype=None): return _ops().softmax(self, dim, dtype=dtype)
    def log_softmax(self, dim, dtype=None): return _ops().log_softmax(self, dim, dtype=dtype)

    # Indexing, rearranging, sorting and matrix products: minigan/ops/indexing.py, rearrange.py, sort.py, matmul.py
    def gather(self, dim, index): return _ops().gather(self, dim, index)
    def scatter(self, dim, index, src, *, reduce=None): return _ops().scatter(self, dim, index, src, reduce=reduce)
    def scatter_reduce(self, dim, index, src, reduce, *, include_self=True):
        return _ops().scatter_reduce(self, dim, index, src, reduce, include_self=include_self)
    def scatter_add(self, dim, index, src): return _ops().scatter_add(self, dim, index, src)
    def index_select(self, dim, index): return _ops().index_select(self, dim, index)
    def index_add(self, dim, index, source, *, alpha=1): return _ops().index_add(self, dim, index, source, alpha=alpha)
    def take_along_dim(self, indices, dim=None): return _ops().take_along_dim(self, indices, dim)
    def masked_fill(self, mask, value): return _ops().masked_fill(self, mask, value)
    def masked_select(self, mask): return _ops().masked_select(self, mask)
    def nonzero(self, as_tuple=False): return _ops().nonzero(self, as_tuple)
    def narrow(self, dim, start, length): return _ops().narrow(self, dim, start, length)
    def flip(self, *dims): return _ops().flip(self, *dims)
    def roll(self, shifts, dims=None): return _ops().roll(self, shifts, dims)
    def repeat(self, *sizes): return _ops().repeat(self, *sizes)
    def repeat_interleave(self, repeats, dim=None, *, output_size=None):
        return _ops().repeat_interleave(self, repeats, dim, output_size=output_size)
    def rot90(self, k=1, dims=(0, 1)): return _ops().rot90(self, k, dims)
    def take(self, index): return _ops().take(self, index)
    def unique(self, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
        return _ops().unique(self, sorted, return_inverse, return_counts, dim)
    def unique_consecutive(self, return_inverse=False, return_counts=False, dim=None):
        return _ops().unique_consecutive(self, return_inverse, return_counts, dim)
    def multinomial(self, num_samples, replacement=False, *, generator=None):
        return _creation().multinomial(self, num_samples, replacement, generator=generator)
    def bernoulli(self, p=None, *, generator=None): return _creation().bernoulli(self, p, generator=generator)
    def tile(self, *dims): return _ops().tile(self, *dims)
    def tril(self, diagonal=0): return _ops().tril(self, diagonal)
    def triu(self, diagonal=0): return _ops().triu(self, diagonal)
    def diag(self, diagonal=0): return _ops().diag(self, diagonal)
    def unbind(self, dim=0): return _ops().unbind(self, dim)
    def movedim(self, source, destination): return _ops().movedim(self, source, destination)
    moveaxis = movedim
    def swapaxes(self, axis0, axis1): return _ops().swapaxes(self, axis0, axis1)
    swapdims = swapaxes
    def t(self): return _ops().t(self)
    def diagonal(self, offset=0, dim1=0, dim2=1): return _ops().diagonal(self, offset, dim1, dim2)
    def diag_embed(self, offset=0, dim1=-2, dim2=-1): return _ops().diag_embed(self, offset, dim1, dim2)
    def trace(self): return _ops().trace(self)
    def inner(self, o): return _ops().inner(self, o)
    def kron(self, o): return _ops().kron(self, o)
    def baddbmm(self, batch1, batch2, *, beta=1, alpha=1):
        return _ops().baddbmm(self, batch1, batch2, beta=beta, alpha=alpha)
    def addbmm(self, batch1, batch2, *, beta=1, alpha=1):
        return _ops().addbmm(self, batch1, batch2, beta=beta, alpha=alpha)
    def addmv(self, mat, vec, *, beta=1, alpha=1): return _ops().addmv(self, mat, vec, beta=beta, alpha=alpha)
    def addr(self, vec1, vec2, *, beta=1, alpha=1): return _ops().addr(self, vec1, vec2, beta=beta, alpha=alpha)
    def det(self): return _ops().det(self)
    def logdet(self): return _ops().logdet(self)
    def slogdet(self): return _ops().slogdet(self)
    def inverse(self): return _ops().inverse(self)
    def pinverse(self, rcond=1e-15): return _ops().pinverse(self, rcond)
    def matrix_power(self, n): return _ops().matrix_power(self, n)
    def matrix_exp(self): return _ops().matrix_exp(self)
    def cross(self, other, dim=None): return _ops().cross(self, other, dim)
    def svd(self, some=True, compute_uv=True): return _ops().svd(self, some, compute_uv)
    def lgamma(self): return _ops().lgamma(self)
    def digamma(self): return _ops().digamma(self)
    def polygamma(self, n): return _ops().polygamma(n, self)
    def mvlgamma(self, p): return _ops().mvlgamma(self, p)
    def i0(self): return _ops().i0(self)
    def erfc(self): return _ops().erfc(self)
    mT = property(lambda self: _ops().matrix_transpose(self), doc="Each matrix (the last two dims) transposed.")
    def sort(self, dim=-1, descending=False, *, stable=False): return _ops().sort(self, dim, descending, stable=stable)
    def argsort(self, dim=-1, descending=False, stable=False): return _ops().argsort(self, dim, descending, stable)
    def topk(self, k, dim=-1, largest=True, sorted=True): return _ops().topk(self, k, dim, largest, sorted)  # noqa
    def kthvalue(self, k, dim=-1, keepdim=False): return _ops().kthvalue(self, k, dim, keepdim)
    def mm(self, o): return _ops().mm(self, o)
    def bmm(self, o): return _ops().bmm(self, o)
    def mv(self, vec): return _ops().mv(self, vec)
    def dot(self, o): return _ops().dot(self, o)
    def outer(self, o): return _ops().outer(self, o)
    def addmm(self, m1, m2, *, beta=1, alpha=1): return _ops().addmm(self, m1, m2, beta=beta, alpha=alpha)

    # PyTorch's other names and more small ops: minigan/ops/aliases.py, elementwise_more.py, bitwise.py,
    # splitting.py, selection.py, products_more.py, dtypes.py
    def absolute(self): return _ops().absolute(self)
    def arccos(self): return _ops().arccos(self)
    def arccosh(self): return _ops().arccosh(self)
    def arcsin(self): return _ops().arcsin(self)
    def arcsinh(self): return _ops().arcsinh(self)
    def arctan(self): return _ops().arctan(self)
    def arctan2(self, other): return _ops().arctan2(self, other)
    def arctanh(self): return _ops().arctanh(self)
    def greater(self, other): return _ops().greater(self, other)
    def greater_equal(self, other): return _ops().greater_equal(self, other)
    def less(self, other): return _ops().less(self, other)
    def less_equal(self, other): return _ops().less_equal(self, other)
    def not_equal(self, other): return _ops().not_equal(self, other)
    def multiply(self, other): return _ops().multiply(self, other)
    def divide(self, other, *, rounding_mode=None): return _ops().divide(self, other, rounding_mode=rounding_mode)
    def true_divide(self, other): return _ops().true_divide(self, other)
    def subtract(self, other, *, alpha=1): return _ops().subtract(self, other, alpha=alpha)
    def negative(self): return _ops().negative(self)
    def positive(self): return _ops().positive(self)
    def fix(self): return _ops().fix(self)
    def sgn(self): return _ops().sgn(self)
    def copysign(self, other): return _ops().copysign(self, other)
    def heaviside(self, values): return _ops().heaviside(self, values)
    def deg2rad(self): return _ops().deg2rad(self)
    def rad2deg(self): return _ops().rad2deg(self)
    def float_power(self, exponent): return _ops().float_power(self, exponent)
    def floor_divide(self, other): return _ops().floor_divide(self, other)
    def fmax(self, other): return _ops().fmax(self, other)
    def fmin(self, other): return _ops().fmin(self, other)
    def gcd(self, other): return _ops().gcd(self, other)
    def lcm(self, other): return _ops().lcm(self, other)
    def ldexp(self, other): return _ops().ldexp(self, other)
    def frexp(self): return _ops().frexp(self)
    def logaddexp2(self, other): return _ops().logaddexp2(self, other)
    def nextafter(self, other): return _ops().nextafter(self, other)
    def signbit(self): return _ops().signbit(self)
    def isneginf(self): return _ops().isneginf(self)
    def isposinf(self): return _ops().isposinf(self)
    def isreal(self): return _ops().isreal(self)
    def bitwise_and(self, other): return _ops().bitwise_and(self, other)
    def bitwise_or(self, other): return _ops().bitwise_or(self, other)
    def bitwise_xor(self, other): return _ops().bitwise_xor(self, other)
    def bitwise_not(self): return _ops().bitwise_not(self)
    def bitwise_left_shift(self, other): return _ops().bitwise_left_shift(self, other)
    def bitwise_right_shift(self, other): return _ops().bitwise_right_shift(self, other)
    def aminmax(self, *, dim=None, keepdim=False): return _ops().aminmax(self, dim=dim, keepdim=keepdim)
    def argwhere(self): return _ops().argwhere(self)
    def tensor_split(self, indices_or_sections, dim=0): return _ops().tensor_split(self, indices_or_sections, dim)
    def hsplit(self, indices_or_sections): return _ops().hsplit(self, indices_or_sections)
    def vsplit(self, indices_or_sections): return _ops().vsplit(self, indices_or_sections)
    def dsplit(self, indices_or_sections): return _ops().dsplit(self, indices_or_sections)
    def split_with_sizes(self, split_sizes, dim=0): return _ops().split_with_sizes(self, split_sizes, dim)
    def fliplr(self): return _ops().fliplr(self)
    def flipud(self): return _ops().flipud(self)
    def vdot(self, other): return _ops().vdot(self, other)
    def ger(self, vec2): return _ops().ger(self, vec2)
    def diagflat(self, offset=0): return _ops().diagflat(self, offset)
    def msort(self): return _ops().msort(self)
    def mode(self, dim=-1, keepdim=False): return _ops().mode(self, dim, keepdim)
    def dist(self, other, p=2): return _ops().dist(self, other, p)
    def renorm(self, p, dim, maxnorm): return _ops().renorm(self, p, dim, maxnorm)
    def is_complex(self): return _ops().is_complex(self)
    def is_signed(self): return _ops().is_signed(self)
    def is_nonzero(self): return _ops().is_nonzero(self)
    def is_same_size(self, other): return _ops().is_same_size(self, other)

    # More elementwise methods: ``x.where(cond, y)`` is ``where(cond, x, y)``; logical ones have no gradient
    def where(self, condition, y): return _ops().where(condition, self, y)
    def erf(self): return _ops().erf(self)
    def clamp_min(self, min): return _ops().clip(self, min, None)  # noqa: A002
    def clamp_max(self, max): return _ops().clip(self, None, max)  # noqa: A002
    def logical_not(self): return _logical(self, None, "logical_not")
    def logical_and(self, o): return _logical(self, o, "logical_and")
    def logical_or(self, o): return _logical(self, o, "logical_or")
    def logical_xor(self, o): return _logical(self, o, "logical_xor")
    def ravel(self): return _ops().reshape(self, -1)
    def unflatten(self, dim, sizes): return _unflatten(self, dim, sizes)

    # Writing into a copy (minigan/ops/scatter_more.py), select, and more in-place elementwise ops (see _in_place)
    def index_copy(self, dim, index, source): return _ops().index_copy(self, dim, index, source)
    def index_fill(self, dim, index, value): return _ops().index_fill(self, dim, index, value)
    def index_put(self, indices, values, accumulate=False): return _ops().index_put(self, indices, values, accumulate)
    def index_reduce(self, dim, index, source, reduce, *, include_self=True):
        return _ops().index_reduce(self, dim, index, source, reduce, include_self=include_self)
    def masked_scatter(self, mask, source): return _ops().masked_scatter(self, mask, source)
    def put(self, index, source, accumulate=False): return _ops().put(self, index, source, accumulate)
    def select(self, dim, index): return _ops().select(self, dim, index)
    def select_scatter(self, src, dim, index): return _ops().select_scatter(self, src, dim, index)
    def slice_scatter(self, src, dim=0, start=None, end=None, step=1):
        return _ops().slice_scatter(self, src, dim, start, end, step)
    def diagonal_scatter(self, src, offset=0, dim1=0, dim2=1):
        return _ops().diagonal_scatter(self, src, offset, dim1, dim2)
    def index_copy_(self, dim, index, source):
        return _in_place(self, "index_copy_", _ops().index_copy, dim, index, source)
    def index_fill_(self, dim, index, value):
        return _in_place(self, "index_fill_", _ops().index_fill, dim, index, value)
    def index_put_(self, indices, values, accumulate=False):
        return _in_place(self, "index_put_", _ops().index_put, indices, values, accumulate)
    def index_reduce_(self, dim, index, source, reduce, *, include_self=True):
        return _in_place(self, "index_reduce_", _ops().index_reduce, dim, index, source, reduce,
                         include_self=include_self)
    def masked_scatter_(self, mask, source):
        return _in_place(self, "masked_scatter_", _ops().masked_scatter, mask, source)
    def put_(self, index, source, accumulate=False):
        return _in_place(self, "put_", _ops().put, index, source, accumulate)
    def acos_(self): return _in_place(self, "acos_", _ops().acos)
    def asin_(self): return _in_place(self, "asin_", _ops().asin)
    def atan_(self): return _in_place(self, "atan_", _ops().atan)
    def cos_(self): return _in_place(self, "cos_", _ops().cos)
    def cosh_(self): return _in_place(self, "cosh_", _ops().cosh)
    def erf_(self): return _in_place(self, "erf_", _ops().erf)
    def erfc_(self): return _in_place(self, "erfc_", _ops().erfc)
    def exp2_(self): return _in_place(self, "exp2_", _ops().exp2)
    def expm1_(self): return _in_place(self, "expm1_", _ops().expm1)
    def frac_(self): return _in_place(self, "frac_", _ops().frac)
    def log10_(self): return _in_place(self, "log10_", _ops().log10)
    def log1p_(self): return _in_place(self, "log1p_", _ops().log1p)
    def log2_(self): return _in_place(self, "log2_", _ops().log2)
    def reciprocal_(self): return _in_place(self, "reciprocal_", _ops().reciprocal)
    def rsqrt_(self): return _in_place(self, "rsqrt_", _ops().rsqrt)
    def sin_(self): return _in_place(self, "sin_", _ops().sin)
    def sinh_(self): return _in_place(self, "sinh_", _ops().sinh)
    def square_(self): return _in_place(self, "square_", _ops().square)
    def tan_(self): return _in_place(self, "tan_", _ops().tan)
    def trunc_(self): return _in_place(self, "trunc_", _ops().trunc)
    def xlogy_(self, other): return _in_place(self, "xlogy_", _ops().xlogy, other)
    def clamp_min_(self, min): return _in_place(self, "clamp_min_", _ops().clip, min, None)  # noqa: A002
    def clamp_max_(self, max): return _in_place(self, "clamp_max_", _ops().clip, None, max)  # noqa: A002

    # In place, by the rules of the Tensor's other in-place methods (see _in_place): under no_grad, or on
    # tensors that do not require grad
    def masked_fill_(self, mask, value): return _in_place(self, "masked_fill_", _ops().masked_fill, mask, value)
    def scatter_(self, dim, index, src, *, reduce=None):
        return _in_place(self, "scatter_", _ops().scatter, dim, index, src, reduce=reduce)
    def scatter_reduce_(self, dim, index, src, reduce, *, include_self=True):
        return _in_place(self, "scatter_reduce_", _ops().scatter_reduce, dim, index, src, reduce,
                         include_self=include_self)
    def scatter_add_(self, dim, index, src): return _in_place(self, "scatter_add_", _ops().scatter_add, dim, index, src)
    def index_add_(self, dim, index, source, *, alpha=1):
        return _in_place(self, "index_add_", _ops().index_add, dim, index, source, alpha=alpha)
    def abs_(self): return _in_place(self, "abs_", _ops().abs)
    def neg_(self): return _in_place(self, "neg_", _ops().neg)
    def exp_(self): return _in_place(self, "exp_", _ops().exp)
    def log_(self): return _in_place(self, "log_", _ops().log)
    def sqrt_(self): return _in_place(self, "sqrt_", _ops().sqrt)
    def pow_(self, exponent): return _in_place(self, "pow_", _ops().pow, exponent)
    def sigmoid_(self): return _in_place(self, "sigmoid_", _ops().sigmoid)
    def tanh_(self): return _in_place(self, "tanh_", _ops().tanh)
    def relu_(self): return _in_place(self, "relu_", _ops().relu)
    def clamp_(self, min=None, max=None): return _in_place(self, "clamp_", _ops().clip, min, max)  # noqa: A002
    clip_ = clamp_
    def floor_(self): return _in_place(self, "floor_", _ops().floor)
    def ceil_(self): return _in_place(self, "ceil_", _ops().ceil)
    def round_(self, decimals=0): return _in_place(self, "round_", _ops().round, decimals)
    def uniform_(self, a=0.0, b=1.0, *, generator=None):
        return _fill_random(self, "uniform_", "rand", a, b - a, generator)
    def normal_(self, mean=0.0, std=1.0, *, generator=None):
        return _fill_random(self, "normal_", "randn", mean, std, generator)

    # Histograms and the older linear-algebra names: minigan/ops/histogram.py, linalg_legacy.py
    def histogram(self, bins, **kwargs): return _ops().histogram(self, bins, **kwargs)
    def cholesky(self, upper=False): return _ops().cholesky(self, upper)
    def cholesky_solve(self, input2, upper=False): return _ops().cholesky_solve(self, input2, upper)
    def cholesky_inverse(self, upper=False): return _ops().cholesky_inverse(self, upper)
    def qr(self, some=True): return _ops().qr(self, some)
    def lu(self, pivot=True, get_infos=False): return _ops().lu(self, pivot, get_infos)
    def lu_solve(self, LU_data, LU_pivots): return _ops().lu_solve(self, LU_data, LU_pivots)
    def triangular_solve(self, A, upper=True, transpose=False, unitriangular=False):
        return _ops().triangular_solve(self, A, upper, transpose, unitriangular)
    def geqrf(self): return _ops().geqrf(self)
    def orgqr(self, input2): return _ops().orgqr(self, input2)
    def ormqr(self, input2, input3, left=True, transpose=False):
        return _ops().ormqr(self, input2, input3, left, transpose)
    def igamma(self, other): return _ops().igamma(self, other)
    def igammac(self, other): return _ops().igammac(self, other)

    # Shapes and dtypes like another tensor's, new tensors of this one's dtype and device, and its memory
    def expand_as(self, other): return _ops().expand(self, other.shape)
    def view_as(self, other): return _ops().reshape(self, other.shape)
    def reshape_as(self, other): return _ops().reshape(self, other.shape)
    def type_as(self, other): return self.to(other.device, other.dtype)
    def new_zeros(self, *size, **kwargs): return _new(self, "zeros", *size, **kwargs)
    def new_ones(self, *size, **kwargs): return _new(self, "ones", *size, **kwargs)
    def new_empty(self, *size, **kwargs): return _new(self, "empty", *size, **kwargs)
    def new_full(self, size, fill_value, **kwargs): return _new(self, "full", size, fill_value, **kwargs)
    def new_tensor(self, data, **kwargs): return _new(self, "tensor", data, **kwargs)
    def is_contiguous(self, memory_format=None):   # mg.channels_last ...: minigan/memory_formats.py
        if memory_format is None:
            return bool(self.data.flags.c_contiguous)
        from .memory_formats import is_contiguous
        return is_contiguous(self, memory_format)
    def stride(self, dim=None): return _strides(self, dim)
    def element_size(self): return int(self.data.itemsize)
    def nelement(self): return int(self.data.size)
    def ndimension(self): return self.data.ndim
