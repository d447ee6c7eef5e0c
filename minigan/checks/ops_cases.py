"""The gradcheck registry's entries for the tensor ops: elementwise arithmetic and math, reductions, shape and
indexing ops, sorting, matrix products and einsum, torch's top-level aliases and scatters (linear algebra and
the special functions are in :mod:`.linalg_special_cases`). Each on awkward shapes (odd sizes, batch 1,
broadcasting, repeated indices, ties kept away)."""
from __future__ import annotations

import numpy as np

from ..autograd import Tensor
from .. import ops as F
from .registry import _between, _case, _gap, _off_grid, _t


# --------------------------------------------------------------------------- elementwise
_case("add (broadcast)")(lambda rs: (F.add, [_t(rs, 3, 1, 5), _t(rs, 4, 5)]))
_case("sub (broadcast)")(lambda rs: (F.sub, [_t(rs, 2, 3), _t(rs, 3)]))
_case("mul (broadcast)")(lambda rs: (F.mul, [_t(rs, 3, 1, 5), _t(rs, 1, 4, 1)]))
_case("div")(lambda rs: (F.div, [_t(rs, 3, 4), _t(rs, 4, positive=True)]))
_case("neg")(lambda rs: (F.neg, [_t(rs, 5)]))
_case("pow (scalar exponent)")(lambda rs: (lambda x: F.pow(x, 3), [_t(rs, 2, 3)]))
_case("pow (tensor exponent)")(lambda rs: (F.pow, [_t(rs, 2, 3, positive=True), _t(rs, 3)]))
_case("exp")(lambda rs: (F.exp, [_t(rs, 3, 2)]))
_case("log")(lambda rs: (F.log, [_t(rs, 3, 2, positive=True)]))
_case("sqrt")(lambda rs: (F.sqrt, [_t(rs, 7, positive=True)]))
_case("abs")(lambda rs: (F.abs, [_gap(rs, 2, 5)]))
_case("maximum")(lambda rs: (F.maximum, [_gap(rs, 3, 4), _t(rs, 4)]))
_case("minimum")(lambda rs: (F.minimum, [_gap(rs, 3, 4), _t(rs, 3, 1)]))
_case("clip")(lambda rs: (lambda x: F.clip(x, -0.33, 0.41), [_gap(rs, 4, 5)]))
_case("clip (tensor bounds, broadcast)")(lambda rs: (
    lambda x, lo, hi: F.clip(x, lo, hi), [_gap(rs, 4, 5), ("tensor", np.linspace(-0.73, -0.27, 5), True),
                                          ("tensor", np.array([[0.33], [0.47], [0.21], [0.63]]), True)]))
_case("where")(lambda rs: (lambda a, b: F.where(a.data > 0, a, b), [_t(rs, 3, 4), _t(rs, 4)]))
# --------------------------------------------------------------------------- elementwise math
_case("sin")(lambda rs: (F.sin, [_t(rs, 3, 1, 5)]))
_case("cos")(lambda rs: (F.cos, [_t(rs, 3, 1, 5)]))
_case("tan")(lambda rs: (F.tan, [_between(rs, -1.2, 1.2, 3, 5)]))
_case("asin")(lambda rs: (F.asin, [_between(rs, -0.9, 0.9, 3, 5)]))
_case("acos")(lambda rs: (F.acos, [_between(rs, -0.9, 0.9, 3, 5)]))
_case("atan")(lambda rs: (F.atan, [_t(rs, 3, 5)]))
_case("sinh")(lambda rs: (F.sinh, [_t(rs, 3, 5)]))
_case("cosh")(lambda rs: (F.cosh, [_t(rs, 3, 5)]))
_case("asinh")(lambda rs: (F.asinh, [_t(rs, 3, 5)]))
_case("acosh")(lambda rs: (F.acosh, [_between(rs, 1.2, 4.0, 3, 5)]))
_case("atanh")(lambda rs: (F.atanh, [_between(rs, -0.9, 0.9, 3, 5)]))
_case("log1p")(lambda rs: (F.log1p, [_between(rs, -0.8, 3.0, 3, 5)]))
_case("expm1")(lambda rs: (F.expm1, [_t(rs, 3, 5)]))
_case("log2")(lambda rs: (F.log2, [_t(rs, 3, 5, positive=True)]))
_case("log10")(lambda rs: (F.log10, [_t(rs, 3, 5, positive=True)]))
_case("exp2")(lambda rs: (F.exp2, [_t(rs, 3, 5)]))
_case("rsqrt")(lambda rs: (F.rsqrt, [_t(rs, 3, 5, positive=True)]))
_case("reciprocal")(lambda rs: (F.reciprocal, [_t(rs, 3, 5, positive=True)]))
_case("square")(lambda rs: (F.square, [_t(rs, 3, 5)]))
_case("sinc (0 among the values)")(lambda rs: (F.sinc, [("tensor", np.array([-1.3, -0.4, 0.0, 0.6, 2.2]), True)]))
_case("floor, ceil, round, trunc, sign (zero gradients)")(lambda rs: (
    lambda x: (F.floor(x) + F.ceil(x) * 2 + F.round(x) * 3 + F.trunc(x) * 4 + F.sign(x) * 5) * x,
    [_off_grid(rs, 3, 5)]))
_case("frac")(lambda rs: (F.frac, [_off_grid(rs, 3, 5)]))
_case("fmod (negative operands, broadcast)")(lambda rs: (
    F.fmod, [_off_grid(rs, 3, 1, 4), ("tensor", np.array([[2.0], [-2.0]]), True)]))
_case("remainder (negative operands, broadcast)")(lambda rs: (
    F.remainder, [_off_grid(rs, 3, 1, 4), ("tensor", np.array([[2.0], [-2.0]]), True)]))
_case("atan2 (broadcast)")(lambda rs: (F.atan2, [_t(rs, 3, 1, 4), _t(rs, 2, 4)]))
_case("hypot (broadcast)")(lambda rs: (F.hypot, [_t(rs, 3, 1, 4), _t(rs, 2, 4)]))
_case("logaddexp (broadcast)")(lambda rs: (F.logaddexp, [_t(rs, 3, 1, 4), _t(rs, 2, 4)]))
_case("lerp (tensor weight, broadcast)")(lambda rs: (
    F.lerp, [_t(rs, 3, 1, 4), _t(rs, 2, 4), _between(rs, -0.5, 1.5, 4)]))
# --------------------------------------------------------------------------- reductions
_case("sum (axis, keepdims)")(lambda rs: (lambda x: F.sum(x, axis=(0, 2), keepdims=True), [_t(rs, 3, 4, 5)]))
_case("mean (axis)")(lambda rs: (lambda x: F.mean(x, axis=1), [_t(rs, 3, 4, 5)]))
_case("max (dim)")(lambda rs: (lambda x: F.max(x, dim=-1).values, [_gap(rs, 3, 5)]))
_case("amax (dims)")(lambda rs: (lambda x: F.amax(x, dim=(0, 2)), [_gap(rs, 3, 4, 2)]))
_case("min (all)")(lambda rs: (F.min, [_gap(rs, 3, 5)]))
_case("var (unbiased)")(lambda rs: (lambda x: F.var(x, axis=0), [_t(rs, 5, 3)]))
_case("std (biased, keepdim)")(lambda rs: (lambda x: F.std(x, dim=1, unbiased=False, keepdim=True), [_t(rs, 3, 4)]))
_case("prod (dim)")(lambda rs: (lambda x: F.prod(x, 1), [_t(rs, 3, 4, positive=True)]))
_case("prod (all, one zero)")(lambda rs: (F.prod, [("tensor", np.array([[1.3, -0.7, 0.0], [0.9, 1.1, -1.4]]), True)]))
_case("cumsum")(lambda rs: (lambda x: F.cumsum(x, -1), [_t(rs, 3, 5)]))
_case("cumprod")(lambda rs: (lambda x: F.cumprod(x, 0), [_t(rs, 4, 3)]))
_case("cumprod (zeros)")(lambda rs: (lambda x: F.cumprod(x, 1), [
    ("tensor", np.array([[1.2, 0.0, -0.8, 1.5], [0.0, 0.7, 0.0, 1.1], [0.9, -1.3, 1.4, 0.0]]), True)]))
_case("logsumexp (dims)")(lambda rs: (lambda x: F.logsumexp(x, (0, 2)), [_t(rs, 3, 4, 2)]))
_case("norm (fro)")(lambda rs: (F.norm, [_t(rs, 3, 4)]))
_case("norm (p 3, dim, keepdim)")(lambda rs: (lambda x: F.norm(x, 3, 1, keepdim=True), [_gap(rs, 3, 4)]))
_case("norm (inf)")(lambda rs: (lambda x: F.norm(x, float("inf"), 0), [_gap(rs, 3, 4)]))
_case("median (dim)")(lambda rs: (lambda x: F.median(x, 1).values, [_gap(rs, 3, 4)]))
_case("median (all)")(lambda rs: (F.median, [_gap(rs, 3, 5)]))
# running extremes and differences (cumulative.py), statistics (statistics.py), pointwise extras (pointwise.py)
_case("cummax (values, dim 1)")(lambda rs: (lambda x: F.cummax(x, 1).values, [_gap(rs, 3, 5)]))
_case("cummin (values, dim -2)")(lambda rs: (lambda x: F.cummin(x, -2).values, [_gap(rs, 4, 1, 3)]))
_case("logcumsumexp (wide range)")(lambda rs: (lambda x: F.logcumsumexp(x, 0), [_t(rs, 5, 3)]))
_case("diff (n 2, prepend and append)")(lambda rs: (
    lambda x, p, a: F.diff(x, 2, 0, p, a), [_t(rs, 3, 4), _t(rs, 1, 4), _t(rs, 2, 4)]))
_case("nansum, nanmean (nan among the values)")(lambda rs: (
    lambda x: F.nansum(x, 1) + F.nanmean(x, 1),
    [("tensor", np.where(rs.random((3, 4)) < 0.3, np.nan, rs.standard_normal((3, 4))), True)]))
_case("var_mean, std_mean (correction 0, keepdim)")(lambda rs: (
    lambda x: F.var_mean(x, 1, correction=0, keepdim=True)[0] * F.std_mean(x, 0)[1]
    + F.std_mean(x, 1, keepdim=True)[0], [_t(rs, 3, 4)]))
_case("quantile (q tensor with a gradient, linear, dim)")(lambda rs: (
    lambda x, q: F.quantile(x, q, dim=1), [_gap(rs, 3, 5), ("tensor", np.array([0.1, 0.55, 0.85]), True)]))
_case("nanquantile (midpoint, all)")(lambda rs: (
    lambda x: F.nanquantile(x, 0.3, interpolation="midpoint"),
    [("tensor", np.array([[0.4, np.nan, -1.3], [2.1, 0.9, np.nan]]), True)]))
_case("nanmedian (dim, nan in a row)")(lambda rs: (
    lambda x: F.nanmedian(x, 1).values,
    [("tensor", np.array([[0.4, np.nan, -1.3, 0.2], [2.1, 0.9, -0.6, 1.5]]), True)]))
_case("cov (fweights, aweights)")(lambda rs: (
    lambda x, aw: F.cov(x, fweights=Tensor(np.array([1, 3, 1, 2, 1]), device=x.device), aweights=aw),
    [_t(rs, 3, 5), _between(rs, 0.5, 2.0, 5)]))
_case("corrcoef")(lambda rs: (F.corrcoef, [_t(rs, 3, 6)]))
_case("addcmul (broadcast, value)")(lambda rs: (
    lambda a, b, c: F.addcmul(a, b, c, value=-0.5), [_t(rs, 3, 1, 4), _t(rs, 2, 4), _t(rs, 1)]))
_case("addcdiv (broadcast, value)")(lambda rs: (
    lambda a, b, c: F.addcdiv(a, b, c, value=2.0), [_t(rs, 4), _t(rs, 3, 4), _t(rs, 3, 1, positive=True)]))
_case("nan_to_num (nan and infinities)")(lambda rs: (
    lambda x: F.nan_to_num(x, 0.5, 3.0, -2.0),
    [("tensor", np.array([[0.3, np.nan, -1.2], [np.inf, 2.0, -np.inf]]), True)]))
_case("xlogy (broadcast)")(lambda rs: (F.xlogy, [_t(rs, 3, 4), _t(rs, 4, positive=True)]))
_case("logit (eps, some values clamped)")(lambda rs: (
    lambda x: F.logit(x, 0.1), [("tensor", np.array([0.03, 0.25, 0.5, 0.72, 0.95]), True)]))
_case("erfinv")(lambda rs: (F.erfinv, [_between(rs, -0.95, 0.95, 3, 4)]))
# --------------------------------------------------------------------------- shape
_case("reshape")(lambda rs: (lambda x: F.reshape(x, (5, -1)), [_t(rs, 3, 5, 2)]))
_case("permute")(lambda rs: (lambda x: F.permute(x, (2, 0, 1)), [_t(rs, 2, 3, 4)]))
_case("getitem (slices, step)")(lambda rs: (lambda x: x[1:, ::-2], [_t(rs, 4, 5)]))
_case("getitem (repeated indices)")(lambda rs: (lambda x: x[np.array([0, 2, 0, 0])], [_t(rs, 3, 2)]))
_case("concatenate")(lambda rs: (lambda a, b: F.concatenate([a, b], axis=1), [_t(rs, 2, 3), _t(rs, 2, 1)]))
_case("stack")(lambda rs: (lambda a, b: F.stack([a, b], axis=0), [_t(rs, 2, 3), _t(rs, 2, 3)]))
_case("pad")(lambda rs: (lambda x: F.pad(x, (1, 2)), [_t(rs, 2, 3)]))
_case("pad (two dims, one cropped)")(lambda rs: (lambda x: F.pad(x, (2, -1, 0, 1), value=0.5), [_t(rs, 2, 3, 4)]))
_case("pad (reflect, two dims)")(lambda rs: (lambda x: F.pad(x, (2, 1, 0, 3), mode="reflect"), [_t(rs, 1, 2, 5, 4)]))
_case("pad (replicate, wider than the dim)")(lambda rs: (
    lambda x: F.pad(x, (4, 0, 1, 2), mode="replicate"), [_t(rs, 2, 3, 3)]))
_case("pad (circular, one dim cropped)")(lambda rs: (
    lambda x: F.pad(x, (3, 0, -1, 2), mode="circular"), [_t(rs, 1, 2, 4, 3)]))
_case("split (sizes, one unused)")(lambda rs: (lambda x: F.split(x, [1, 3, 1], dim=1)[1] * 2 + F.split(x, 2)[0].sum(),
                                                [_t(rs, 3, 5)]))
_case("chunk (uneven)")(lambda rs: (lambda x: F.chunk(x, 3, dim=-1)[2], [_t(rs, 2, 7)]))
_case("expand (-1 keeps a size)")(lambda rs: (lambda x: x.expand(2, -1, 4), [_t(rs, 3, 1)]))
_case("Tensor.unfold (overlapping windows, dim -2)")(lambda rs: (lambda x: x.unfold(-2, 3, 2), [_t(rs, 2, 7, 3)]))
_case("Tensor.sum_to_size (lead and size-1 dims)")(lambda rs: (lambda x: x.sum_to_size(3, 1), [_t(rs, 2, 3, 4)]))
_case("Tensor.mH")(lambda rs: (lambda x: x.mH, [_t(rs, 2, 3, 4)]))


@_case("Tensor.to/contiguous/clone (memory formats: channels last, size-1 dim, a gappy slice)")
def _memory_formats_case(rs):
    from ..memory_formats import channels_last, contiguous_format
    return (lambda x: x.to(memory_format=channels_last) * x[:, :, ::2].clone(memory_format=channels_last).sum()
            + x.contiguous(memory_format=channels_last).contiguous(memory_format=contiguous_format)), [
        _t(rs, 2, 1, 3, 4)]
# --------------------------------------------------------------------------- indexing, rearranging, sorting
_case("gather (repeated indices, dim -2)")(lambda rs: (
    lambda x: F.gather(x, -2, np.array([[[3, 0], [0, 0], [2, 3]], [[1, 1], [3, 0], [0, 2]]])), [_t(rs, 2, 4, 3)]))
_case("scatter_add (repeats, src larger than index)")(lambda rs: (
    lambda x, s: F.scatter_add(x, 1, np.array([[0, 4, 0], [2, 2, 2], [4, 1, 4]]), s), [_t(rs, 3, 5), _t(rs, 4, 4)]))
_case("scatter (src, distinct places)")(lambda rs: (
    lambda x, s: F.scatter(x, 0, np.array([[3, 0, 1], [1, 2, 0]]), s), [_t(rs, 4, 3), _t(rs, 3, 4)]))
_case("scatter_reduce (mean, repeats, one place unnamed)")(lambda rs: (
    lambda x, s: F.scatter_reduce(x, 1, np.array([[0, 4, 0], [2, 2, 2], [4, 1, 4]]), s, "mean"),
    [_t(rs, 3, 5), _t(rs, 4, 4)]))
_case("scatter_reduce (amax, without self)")(lambda rs: (
    lambda x, s: F.scatter_reduce(x, 0, np.array([[3, 0, 1], [3, 2, 0]]), s, "amax", include_self=False),
    [_gap(rs, 4, 3), _gap(rs, 2, 3)]))
_case("scatter_reduce (prod, a zero among the factors)")(lambda rs: (
    lambda x, s: F.scatter_reduce(x, 0, np.array([0, 0, 2, 3, 3]), s, "prod"),
    [_t(rs, 4), ("tensor", np.array([0.0, 1.5, -0.7, 0.0, 2.0]), True)]))
_case("index_select (repeated indices)")(lambda rs: (
    lambda x: F.index_select(x, 1, np.array([2, 0, 2])), [_t(rs, 2, 3, 2)]))
_case("index_add (repeats, alpha)")(lambda rs: (
    lambda x, s: F.index_add(x, 0, np.array([1, 1, 3]), s, alpha=0.5), [_t(rs, 4, 2), _t(rs, 3, 2)]))
_case("take_along_dim (broadcast)")(lambda rs: (
    lambda x: F.take_along_dim(x, np.array([[[2, 2, 0]]]), -1), [_t(rs, 3, 1, 4)]))
_case("masked_fill (broadcast mask)")(lambda rs: (
    lambda x: F.masked_fill(x, np.array([True, False, True, False]), -0.5), [_t(rs, 3, 4)]))
_case("masked_select")(lambda rs: (
    lambda x: F.masked_select(x, np.array([[True, False, True], [False, False, True]])), [_t(rs, 2, 3)]))
_case("narrow (negative start)")(lambda rs: (lambda x: F.narrow(x, 1, -3, 2), [_t(rs, 2, 5)]))
_case("flip (two dims)")(lambda rs: (lambda x: F.flip(x, (0, -1)), [_t(rs, 2, 3, 4)]))
_case("roll (two dims)")(lambda rs: (lambda x: F.roll(x, (2, -1), (0, 2)), [_t(rs, 3, 2, 5)]))
_case("repeat (a new leading dim)")(lambda rs: (lambda x: F.repeat(x, 2, 1, 3), [_t(rs, 2, 3)]))
_case("tile (fewer dims than the tensor)")(lambda rs: (lambda x: F.tile(x, (2,)), [_t(rs, 2, 3)]))
_case("tril (diagonal -1, batched)")(lambda rs: (lambda x: F.tril(x, -1), [_t(rs, 2, 4, 3)]))
_case("triu (diagonal 1)")(lambda rs: (lambda x: F.triu(x, 1), [_t(rs, 3, 5)]))
_case("diag (vector to matrix, offset -2)")(lambda rs: (lambda x: F.diag(x, -2), [_t(rs, 3)]))
_case("diag (matrix to vector, offset 1)")(lambda rs: (lambda x: F.diag(x, 1), [_t(rs, 4, 5)]))
_case("unbind")(lambda rs: (lambda x: F.unbind(x, 1)[2] * 2 + F.unbind(x, 1)[0], [_t(rs, 3, 4)]))
_case("movedim")(lambda rs: (lambda x: F.movedim(x, (0, 1), (2, 0)), [_t(rs, 2, 3, 4)]))
_case("t, matrix_transpose, swapaxes")(lambda rs: (
    lambda x, y: F.t(x) + F.matrix_transpose(y)[0] + F.swapaxes(y, 1, -1)[1], [_t(rs, 3, 4), _t(rs, 2, 3, 4)]))
_case("sort (values, descending)")(lambda rs: (lambda x: F.sort(x, 0, descending=True).values, [_gap(rs, 4, 3)]))
_case("topk (values)")(lambda rs: (lambda x: F.topk(x, 2).values, [_gap(rs, 3, 5)]))
_case("kthvalue (keepdim)")(lambda rs: (lambda x: F.kthvalue(x, 2, 0, keepdim=True).values, [_gap(rs, 3, 4)]))
_case("rot90 (k 3, dims (2, 0))")(lambda rs: (lambda x: F.rot90(x, 3, (2, 0)), [_t(rs, 2, 3, 4)]))
_case("repeat_interleave (per-slice counts, a zero, dim -1)")(lambda rs: (
    lambda x: F.repeat_interleave(x, np.array([2, 0, 3]), -1), [_t(rs, 2, 3)]))
_case("take (repeated and negative indices)")(lambda rs: (
    lambda x: F.take(x, np.array([[5, -1], [0, 5]])), [_t(rs, 2, 3)]))
_case("hstack, vstack, dstack, column_stack")(lambda rs: (
    lambda a, b, c: F.hstack([a, c[0]]).sum() + F.vstack([a, b]) * 2 + F.dstack([b, a])[..., 1]
    + F.column_stack([c, b[0]]).T[:2], [_t(rs, 3), _t(rs, 1, 3), _t(rs, 3, 2)]))
_case("block_diag (0-d, vector and matrix blocks)")(lambda rs: (
    lambda a, b, c: F.block_diag(a, b, c), [_t(rs), _t(rs, 3), _t(rs, 2, 2)]))
_case("meshgrid (xy), cartesian_prod")(lambda rs: (
    lambda a, b: (lambda g: g[0] * g[1] + g[1])(F.meshgrid(a, b, indexing="xy")).sum() * F.cartesian_prod(a, b),
    [_t(rs, 3), _t(rs, 2)]))
_case("cdist (p 2, batch broadcast)")(lambda rs: (
    lambda a, b: F.cdist(a, b), [_t(rs, 2, 1, 3, 4), _t(rs, 3, 5, 4)]))
_case("cdist (p 1, p inf, p 1.5)")(lambda rs: (
    lambda a, b: F.cdist(a, b, 1) + F.cdist(a, b, float("inf")) + F.cdist(a, b, 1.5), [_t(rs, 3, 2), _t(rs, 4, 2)]))
_case("pdist (p 3)")(lambda rs: (lambda x: F.pdist(x, 3), [_t(rs, 4, 3)]))
# --------------------------------------------------------------------------- matmul
_case("matmul (2-D)")(lambda rs: (F.matmul, [_t(rs, 3, 4), _t(rs, 4, 5)]))
_case("matmul (batched, broadcast)")(lambda rs: (F.matmul, [_t(rs, 2, 1, 3, 4), _t(rs, 3, 4, 2)]))
_case("matmul (vector)")(lambda rs: (F.matmul, [_t(rs, 4), _t(rs, 4, 3)]))
_case("scaled_dot_product_attention (L != S, E != Ev)")(lambda rs: (
    F.scaled_dot_product_attention, [_t(rs, 2, 1, 3, 4), _t(rs, 3, 5, 4), _t(rs, 1, 3, 5, 2)]))
_case("scaled_dot_product_attention (bool mask)")(lambda rs: (
    lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=np.array(
        [[True, False, True, False, False], [False, False, False, False, True], [True, True, True, True, True]])),
    [_t(rs, 2, 3, 4), _t(rs, 2, 5, 4), _t(rs, 2, 5, 3)]))
_case("scaled_dot_product_attention (float mask)")(lambda rs: (
    lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m),
    [_t(rs, 1, 3, 4), _t(rs, 1, 5, 4), _t(rs, 1, 5, 2), _t(rs, 3, 5)]))
_case("scaled_dot_product_attention (causal, scale)")(lambda rs: (
    lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=0.7),
    [_t(rs, 2, 4, 3), _t(rs, 2, 3, 3), _t(rs, 2, 3, 5)]))
_case("mm")(lambda rs: (F.mm, [_t(rs, 3, 4), _t(rs, 4, 5)]))
_case("bmm")(lambda rs: (F.bmm, [_t(rs, 2, 3, 4), _t(rs, 2, 4, 1)]))
_case("mv")(lambda rs: (F.mv, [_t(rs, 3, 5), _t(rs, 5)]))
_case("dot")(lambda rs: (F.dot, [_t(rs, 7), _t(rs, 7)]))
_case("outer")(lambda rs: (F.outer, [_t(rs, 3), _t(rs, 4)]))
_case("addmm (bias row, beta, alpha)")(lambda rs: (
    lambda c, a, b: F.addmm(c, a, b, beta=0.5, alpha=-2.0), [_t(rs, 4), _t(rs, 3, 2), _t(rs, 2, 4)]))
_case("baddbmm (input broadcast, beta, alpha)")(lambda rs: (
    lambda c, a, b: F.baddbmm(c, a, b, beta=-1.5, alpha=0.5), [_t(rs, 3, 1), _t(rs, 2, 3, 4), _t(rs, 2, 4, 5)]))
_case("addbmm (batch of 3 summed)")(lambda rs: (
    lambda c, a, b: F.addbmm(c, a, b, beta=2.0, alpha=-1.0), [_t(rs, 5), _t(rs, 3, 2, 4), _t(rs, 3, 4, 5)]))
_case("addmv")(lambda rs: (lambda c, m, v: F.addmv(c, m, v, alpha=3.0), [_t(rs, 1), _t(rs, 3, 5), _t(rs, 5)]))
_case("addr (0-d input)")(lambda rs: (lambda c, u, v: F.addr(c, u, v, beta=0.5), [_t(rs), _t(rs, 3), _t(rs, 4)]))
_case("einsum (matrix product, implicit output)")(lambda rs: (
    lambda a, b: F.einsum("ij,jk", a, b), [_t(rs, 3, 4), _t(rs, 4, 2)]))
_case("einsum (diagonal, trace: 'iij->ji', 'ii')")(lambda rs: (
    lambda a, b: F.einsum("iij->ji", a) * F.einsum("ii", b), [_t(rs, 3, 3, 2), _t(rs, 4, 4)]))
_case("einsum (ellipsis, size-1 broadcast, summed k)")(lambda rs: (
    lambda a, b: F.einsum("...ik,...jl->...ij", a, b), [_t(rs, 2, 1, 3, 4), _t(rs, 3, 1, 5)]))
_case("einsum (three operands, a letter thrice)")(lambda rs: (
    lambda a, b, c: F.einsum("ab,bc,cbd->ad", a, b, c), [_t(rs, 2, 3), _t(rs, 3, 4), _t(rs, 4, 3, 2)]))
_case("tensordot (dims as two lists)")(lambda rs: (
    lambda a, b: F.tensordot(a, b, ([2, 0], [0, 1])), [_t(rs, 3, 4, 2), _t(rs, 2, 3, 5)]))
_case("inner")(lambda rs: (F.inner, [_t(rs, 2, 3), _t(rs, 4, 1, 3)]))
_case("kron")(lambda rs: (F.kron, [_t(rs, 2, 3), _t(rs, 3, 1, 2)]))
_case("diagonal (offset 1, dims 2 and 0)")(lambda rs: (lambda x: F.diagonal(x, 1, 2, 0), [_t(rs, 3, 2, 5)]))
_case("diag_embed (offset -1, dims 0 and 2)")(lambda rs: (lambda x: F.diag_embed(x, -1, 0, 2), [_t(rs, 2, 3)]))
_case("trace (non-square)")(lambda rs: (F.trace, [_t(rs, 3, 5)]))
# torch's aliases and small elementwise/tensor functions (elementwise_more, splitting, selection, products_more)
_case("copysign, fmax, fmin (nan-free, no ties), logaddexp2, ldexp, nextafter (broadcast)")(lambda rs: (
    lambda a, b: (F.copysign(a, b) + F.fmax(a, b) * F.fmin(a, b) + F.logaddexp2(a, b) + F.ldexp(a, b)
                  + F.nextafter(a, b)),
    [("tensor", _gap(rs, 3, 1)[1] + 0.013, True), ("tensor", np.array([-1.13, 0.42, 2.07, -0.66]), True)]))
_case("float_power, frexp mantissa, deg2rad, rad2deg, divide(rounding_mode) (zero gradient)")(lambda rs: (
    lambda x, y: (F.float_power(x, y) + F.frexp(x).mantissa + F.deg2rad(x) * F.rad2deg(y)
                  + F.divide(x, y, rounding_mode="floor") + F.subtract(x, y, alpha=2) + F.rsub(x, y)),
    [_between(rs, 0.3, 3.0, 2, 3), _t(rs, 3)]))
_case("tensor_split, hsplit, broadcast_tensors, unflatten, diagflat, fliplr")(lambda rs: (
    lambda x, y: (sum(p.sum() * (i + 1) for i, p in enumerate(F.tensor_split(x, [1, 4, 2], 1)))
                  + (F.broadcast_tensors(x, y)[1] * F.fliplr(x)).sum() + F.hsplit(x, 5)[3].sum()
                  + F.unflatten(x, 1, (5, 1)).sum() * F.diagflat(y).sum()),
    [_t(rs, 3, 5), _t(rs, 5)]))
_case("aminmax, mode (distinct values), msort, combinations, vdot, ger, chain_matmul, dist, renorm")(lambda rs: (
    lambda x, v: (F.aminmax(x, dim=0).min.sum() + F.aminmax(x).max + F.mode(x, 1).values.sum() + F.msort(x).sum()
                  + F.combinations(v, 2).prod(1).sum() + F.vdot(v, v) + F.ger(v, v).sum() * F.dist(x[0], v[:3], 3)
                  + F.chain_matmul(x, x.T, x).sum() + F.renorm(x, 2, 0, 0.8).sum()),
    [_gap(rs, 4, 3), _gap(rs, 4)]))
# writing into a copy (scatter_more: index_copy, index_fill, index_put, put, masked_scatter, index_reduce, the
# region scatters, select) and torch's top-level functional names (top_level)
_case("index_copy, index_fill (0-d value), index_put (accumulate, repeats), put, masked_scatter")(lambda rs: (
    lambda x, s, v: (F.index_copy(x, 1, [2, 0], s) * F.index_fill(x, -1, [1, -1], v)
                     + F.index_put(x, (np.array([0, 2, 0]),), s[:, :1], True)
                     + F.put(x, np.array([7, -1, 7]), s[:, 1], True) + F.masked_scatter(x, np.eye(3, 4) > 0, s)),
    [_t(rs, 3, 4), _t(rs, 3, 2), _t(rs)]))
_case("index_reduce (prod, mean, amax on distinct values)")(lambda rs: (
    lambda x, s: (F.index_reduce(x, 0, [1, 0, 1], s, "prod") + F.index_reduce(x, 0, [2, 2, 0], s, "mean")
                  + F.index_reduce(x, 0, [1, 0, 1], s, "amax", include_self=False)),
    [_gap(rs, 3, 2), _gap(rs, 3, 2)]))
_case("select, select_scatter, slice_scatter (step 2), diagonal_scatter (offset, swapped dims)")(lambda rs: (
    lambda x, a, b, d: (F.select_scatter(x, a, 1, -1) * F.slice_scatter(x, b, 2, 1, None, 2)
                        + F.diagonal_scatter(x, d, -1, 2, 0) + F.select(x, 0, 1)),
    [_t(rs, 2, 3, 4), _t(rs, 2, 4), _t(rs, 2, 3, 2), _t(rs, 3, 2)]))
_case("conv2d, batch_norm, kl_div (int reduction), bce with logits under torch's top-level signatures")(lambda rs: (
    lambda x, w, g, t: (F.top_level.conv2d(x, w, None, 1, 1).sum()
                        + F.top_level.batch_norm(x, g, None, None, None, True, 0.1, 1e-5, False).pow(2).sum()
                        + F.top_level.kl_div(x, w.sum() * x, 2, log_target=True)
                        + F.top_level.binary_cross_entropy_with_logits(x, t.sigmoid(), None, None, 1)),
    [_t(rs, 2, 3, 4, 3), _t(rs, 2, 3, 3, 2), _t(rs, 3), _t(rs, 2, 3, 4, 3, requires_grad=False)]))
# strided windows (strided: as_strided, overlapping, through a view), a view op's copy (view_copies) and a functional
# recurrent cell (rnn_cells)
_case("as_strided (overlapping windows, of a transposed view, storage offset)")(lambda rs: (
    lambda x: F.strided.as_strided(x, (3, 3), (1, 1)) * F.strided.as_strided(x.T[1:], (2, 2), (4, 1), 1).sum(),
    [_t(rs, 3, 4)]))
_case("unfold_copy, split_with_sizes_copy (negative dim)")(lambda rs: (
    lambda x: (F.view_copies.unfold_copy(x, 0, 2, 1).sum(-1)
               * F.view_copies.split_with_sizes_copy(x, (1, 2), -1)[1].sum()),
    [_t(rs, 4, 3)]))
_case("lstm_cell (batch 1, biases)")(lambda rs: (
    lambda x, h, c, wi, wh, bi, bh: F.rnn_cells.lstm_cell(x, (h, c), wi, wh, bi, bh)[0] * 2
    + F.rnn_cells.lstm_cell(x, (h, c), wi, wh, bi, bh)[1],
    [_t(rs, 1, 2), _t(rs, 1, 3), _t(rs, 1, 3), _t(rs, 12, 2), _t(rs, 12, 3), _t(rs, 12), _t(rs, 12)]))
