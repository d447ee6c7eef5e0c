"""Differentiable operations: each a :class:`~minigan.autograd.Function` with its forward (on raw
arrays) and backward (in minigan ops) side by side, one family a file.

======================  ==========================================================
file                    what it holds
======================  ==========================================================
``arithmetic.py``       add, sub, mul, div, neg, pow, exp, log, sqrt, abs, maximum, minimum, clip, where
``math.py``             sin/cos/tan and their inverses, sinh/cosh and theirs, log1p, expm1, log2, log10, exp2,
                        rsqrt, reciprocal, square, sinc, floor/ceil/round/trunc/sign (zero gradient), frac, fmod,
                        remainder, atan2, hypot, logaddexp, lerp; comparisons (gt, isnan, isclose, allclose, equal)
                        and logical_and/or/xor/not (no gradient)
``reduction.py``        sum, mean, amax/amin, max/min (values and indices), argmax/argmin, var, std, logsumexp,
                        norm, median; all, any, count_nonzero (no gradient)
``cumulative.py``       cumsum, cumprod, and prod (its backward built from running products, right with zeros);
                        cummax, cummin (a gather at the running extreme), logcumsumexp, diff
``statistics.py``       nansum, nanmean, var_mean, std_mean, quantile, nanquantile (read from the sorted values),
                        nanmedian, cov, corrcoef; histc, bincount (no gradient)
``pointwise.py``        addcmul, addcdiv, nan_to_num, xlogy, xlog1py, logit, erfinv (Halley steps on erf)
``shape.py``            reshape, permute/transpose, broadcast_to/sum_to, indexing, concatenate, stack, split,
                        chunk
``indexing.py``         gather and scatter_add (each the other's transpose), scatter, index_select, index_add,
                        take_along_dim, masked_fill, masked_select, nonzero, narrow
``scatter_reduce.py``   scatter_reduce (sum, prod, mean, amax, amin into the places an index names)
``rearrange.py``        flip, roll, repeat/tile, tril/triu, diag, unbind, movedim/swapaxes, t, matrix_transpose,
                        rot90 (flips and a transpose), repeat_interleave (its backward sums each group), take
``sort.py``             sort, argsort, topk, kthvalue (the order found on the values, then a gather)
``stacking.py``         hstack, vstack/row_stack, dstack, column_stack, atleast_1d/2d/3d, block_diag, meshgrid,
                        cartesian_prod (compositions of cat, reshape and broadcast)
``search.py``           searchsorted, bucketize, unique, unique_consecutive (no gradient)
``pad.py``              pad (constant, and reflect/replicate/circular as index maps gathered by indexing)
``matmul.py``           matmul, and mm, bmm, mv, dot, outer, addmm with PyTorch's shape checks; baddbmm, addbmm,
                        addmv, addr (beta * input + alpha * product)
``einsum.py``           einsum (its backward an einsum of the output gradient with the other operands), and
                        tensordot, inner, kron
``diagonal.py``         diagonal and diag_embed (each the other's transpose and backward), trace
``linalg.py``           det, slogdet, inv, solve, matrix_power, multi_dot, cross (each backward a matrix identity:
                        inv's is -A^-T G A^-T); LinAlgError
``linalg_norms.py``     vector_norm, matrix_norm (fro, nuc, ±2 from the singular values, ±1, ±inf), norm
``decompositions.py``   cholesky, qr, eigh, svd (their classic backward formulas), svdvals, eigvalsh,
                        solve_triangular, pinv, matrix_rank, cond
``special.py``          lgamma, digamma, polygamma (one Function for every order: each backward is the next order),
                        mvlgamma; entr
``erfc_bessel.py``      erfc, erfcx, ndtr, log_ndtr, ndtri (accurate far into the tails); i0, i0e, i1, i1e
``attention.py``        scaled_dot_product_attention: softmax(Q Kᵀ / sqrt(E) + mask) V, with masks, causal, gqa
``activation.py``       relu, leaky_relu, elu, selu, celu, gelu (and erf), sigmoid, tanh, softplus, silu, mish,
                        logsigmoid, softsign, tanhshrink, glu, softmax, softmin, log_softmax
``piecewise.py``        hardtanh, relu6, hardsigmoid, hardswish, threshold, prelu, hardshrink, softshrink, with
                        PyTorch's values at the kinks
``loss.py``             mse, l1, huber, smooth_l1, kl_div, gaussian_nll, poisson_nll, binary cross-entropy (on
                        probabilities and on logits), nll, cross-entropy
``loss_classes.py``     the shapes nll and cross-entropy take: (N, C), (N, C, d1, ..., dK) and unbatched (C,)
``loss_margin.py``      soft_margin, multilabel_soft_margin, margin_ranking, hinge_embedding, cosine_embedding,
                        triplet_margin, triplet_margin_with_distance, multi_margin, multilabel_margin
``distance.py``         normalize, cosine_similarity, pairwise_distance (PyTorch's eps, each in its own place);
                        cdist, pdist (every pair of rows; gradient 0 at zero distance)
``conv.py``             conv2d, conv_transpose2d, and the weight-gradient correlation they share
``conv1d.py``           conv1d, conv_transpose1d: the 2-D ops on a signal seen as an image one pixel high
``pool.py``             max_pool2d, avg_pool2d, adaptive_max_pool2d, max_unpool2d
``pool1d.py``           max_pool1d, avg_pool1d, adaptive_avg_pool1d, adaptive_max_pool1d, likewise from 2-D
``conv3d.py``           conv3d, conv_transpose3d: sums over the depth taps of the 2-D ops, one call per tap
``pool3d.py``           max_pool3d, avg_pool3d, adaptive_avg_pool3d, adaptive_max_pool3d: 2-D, then along depth
``unfold.py``           unfold (im2col: every window a column) and fold (col2im, its transpose)
``grid_sample.py``      grid_sample (an image read at any points: bilinear, nearest, bicubic), affine_grid
``resample.py``         interpolate (nearest, bilinear, bicubic, area), adaptive_avg_pool2d, pixel_shuffle/unshuffle
``normalization.py``    batch_norm, layer_norm, rms_norm, group_norm, instance_norm, local_response_norm, dropout,
                        dropout1d/2d/3d (whole channels), linear, bilinear
``embedding.py``        embedding (a lookup table's rows, picked by index), one_hot
``lp_pool.py``          lp_pool1d/2d/3d ((sum of x^p over each window)^(1/p), from average pooling and powers);
                        max_unpool1d and max_unpool3d live in pool1d.py and pool3d.py
``channel_shuffle.py``  channel_shuffle (ShuffleNet's interleaving of channel groups: a reshape and a permute)
``random_ops.py``       rrelu, alpha_dropout, feature_alpha_dropout, gumbel_softmax (seeded by mg.manual_seed)
``embedding_bag.py``    embedding_bag (the sum, mean or max of bags of rows: a lookup, then a segment sum)
``ctc.py``              ctc_loss (the forward-backward algorithm in log space; its gradient from alpha and beta)
``aliases.py``          PyTorch's other names (absolute, arccos..., greater, less, multiply, concat, fix, sgn ...);
                        subtract and rsub (alpha), divide (rounding_mode: a rounded quotient, zero gradient), positive
``elementwise_more.py`` copysign, signbit, heaviside, deg2rad, rad2deg, float_power, ldexp, frexp, logaddexp2, fmax,
                        fmin (nan skipped; a tie's gradient to the first), nextafter, floor_divide, gcd, lcm, isin,
                        isposinf, isneginf, isreal
``bitwise.py``          bitwise_and/or/xor/not/left_shift/right_shift on integer and bool tensors (no gradient)
``splitting.py``        tensor_split, hsplit/vsplit/dsplit, split_with_sizes, unflatten; broadcast_shapes,
                        broadcast_tensors (slices and broadcasts: their gradients)
``selection.py``        aminmax, mode (a gather at the most frequent value), msort, argwhere, unravel_index,
                        combinations (an index of every r-subset)
``products_more.py``    vdot, ger, chain_matmul, dist (a p-norm of a difference), renorm (slices scaled to a norm)
``dtypes.py``           is_floating_point, is_complex, is_signed, is_nonzero, is_same_size; promote_types,
                        result_type, can_cast (PyTorch's promotion rules on NumPy's dtypes)
``scatter_more.py``     index_copy, index_fill, index_put, index_reduce, masked_scatter, put, select_scatter,
                        slice_scatter, diagonal_scatter (a copy with a region overwritten), select
``top_level.py``        torch.conv2d, torch.dropout, torch.kl_div ...: the functional ops under torch's top-level
                        signatures (reduction as an int, no defaults where torch has none)
``inplace.py``          the top-level in-place functions: mg.relu_, mg.abs_, mg.dropout_, mg.fill_, mg.zero_ ...
``top_level_extra.py``  mg.scatter_reduce, asarray, binomial, the unsafe_* splits, get_device, typename
``view_copies.py``      the *_copy functions: a view op, then a recorded copy (t_copy, narrow_copy, unfold_copy ...)
``strided.py``          as_strided (its backward adds where windows overlap), empty_strided, storage_offset, data_ptr
``rnn_cells.py``        the functional RNN cells: rnn_tanh_cell, rnn_relu_cell, lstm_cell, gru_cell
``calculus.py``        trapezoid, trapz, cumulative_trapezoid (the trapezoid rule), gradient (finite differences)
``windows.py``         hann, hamming, blackman, bartlett, kaiser windows (creation functions, no gradient)
``histogram.py``       histogram, histogramdd (counts with their bin edges, no gradient)
``linalg_legacy.py``   torch.cholesky, cholesky_solve, cholesky_inverse, qr, lu, lu_solve, lu_unpack,
                       triangular_solve, geqrf (Householder QR, packed), orgqr, ormqr, nuclear_norm,
                       frobenius_norm, igamma, igammac: the older names, composed from the linalg forms
``lowrank.py``         svd_lowrank, pca_lowrank (a randomised SVD: a range basis, then a small SVD)
======================  ==========================================================
"""
from .arithmetic import (abs, add, clamp, clip, div, exp, log, maximum, minimum, mul, neg, pow, sqrt, sub,  # noqa: F401
                         where)
from .reduction import (ValuesIndices, amax, amin, argmax, argmin, max, mean, min, std, sum,  # noqa: F401
                        var)
from .reduction import all, any, count_nonzero, logsumexp, median, norm  # noqa: F401
from .cumulative import cumprod, cumsum, prod  # noqa: F401
from .cumulative import cummax, cummin, diff, logcumsumexp  # noqa: F401
from .statistics import (bincount, corrcoef, cov, histc, nanmean, nanmedian, nanquantile, nansum,  # noqa: F401
                         quantile, std_mean, var_mean)
from .pointwise import addcdiv, addcmul, erfinv, logit, nan_to_num, xlog1py, xlogy  # noqa: F401
from .calculus import cumulative_trapezoid, gradient, trapezoid, trapz  # noqa: F401
from .windows import bartlett_window, blackman_window, hamming_window, hann_window, kaiser_window  # noqa: F401
from .histogram import histogram, histogramdd  # noqa: F401
from .linalg_legacy import (cholesky, cholesky_inverse, cholesky_solve, frobenius_norm, geqrf, igamma,  # noqa: F401
                            igammac, lu, lu_solve, lu_unpack, nuclear_norm, orgqr, ormqr, qr, triangular_solve)
from .lowrank import pca_lowrank, svd_lowrank  # noqa: F401
from .math import (acos, acosh, asin, asinh, atan, atan2, atanh, ceil, cos, cosh, exp2, expm1, floor,  # noqa: F401
                   fmod, frac, hypot, lerp, log10, log1p, log2, logaddexp, reciprocal, remainder, round, rsqrt,
                   sign, sin, sinc, sinh, square, tan, trunc)
from .math import allclose, eq, equal, ge, gt, isclose, isfinite, isinf, isnan, le, lt, ne  # noqa: F401
from .math import logical_and, logical_not, logical_or, logical_xor  # noqa: F401
from .shape import (astype, broadcast_to, cat, chunk, clone, concatenate, expand, flatten, getitem,  # noqa: F401
                    permute, reshape, split, squeeze, stack, sum_to, transpose, unsqueeze)
from .indexing import (gather, index_add, index_select, masked_fill, masked_select, narrow, nonzero,  # noqa: F401
                       scatter, scatter_add, take_along_dim)
from .scatter_reduce import scatter_reduce  # noqa: F401
from .scatter_more import (diagonal_scatter, index_copy, index_fill, index_put, index_reduce,  # noqa: F401
                           masked_scatter, put, select, select_scatter, slice_scatter)
from . import top_level, inplace  # noqa: F401  (torch's top-level signatures; mg.relu_ ... in-place functions)
from .rearrange import (diag, flip, matrix_transpose, moveaxis, movedim, repeat, roll, swapaxes,  # noqa: F401
                        swapdims, t, tile, tril, triu, unbind, repeat_interleave, rot90, take)
from .sort import argsort, kthvalue, sort, topk  # noqa: F401
from .stacking import (atleast_1d, atleast_2d, atleast_3d, block_diag, cartesian_prod, column_stack,  # noqa: F401
                       dstack, hstack, meshgrid, row_stack, vstack)
from .search import bucketize, searchsorted, unique, unique_consecutive  # noqa: F401
from .aliases import (absolute, arccos, arccosh, arcsin, arcsinh, arctan, arctan2, arctanh, concat,  # noqa: F401
                      divide, fix, greater, greater_equal, less, less_equal, multiply, negative, not_equal, positive,
                      rsub, sgn, subtract, true_divide)
from .elementwise_more import (copysign, deg2rad, float_power, floor_divide, fmax, fmin, frexp, gcd,  # noqa: F401
                               heaviside, isin, isneginf, isposinf, isreal, lcm, ldexp, logaddexp2, nextafter,
                               rad2deg, signbit)
from .bitwise import (bitwise_and, bitwise_left_shift, bitwise_not, bitwise_or, bitwise_right_shift,  # noqa: F401
                      bitwise_xor)
from .splitting import (broadcast_shapes, broadcast_tensors, dsplit, hsplit, split_with_sizes,  # noqa: F401
                        tensor_split, unflatten, vsplit)
from .selection import aminmax, argwhere, combinations, mode, msort, unravel_index  # noqa: F401
from .rearrange import diagflat, fliplr, flipud  # noqa: F401
from .products_more import chain_matmul, dist, ger, renorm, vdot  # noqa: F401
from .dtypes import (can_cast, is_complex, is_floating_point, is_nonzero, is_same_size, is_signed,  # noqa: F401
                     promote_types, result_type)
from .pad import pad  # noqa: F401
from .matmul import addmm, bmm, dot, matmul, mm, mv, outer  # noqa: F401
from .matmul import addbmm, addmv, addr, baddbmm  # noqa: F401
from .einsum import einsum, inner, kron, tensordot  # noqa: F401
from .diagonal import diag_embed, diagonal, trace  # noqa: F401
from .linalg import det, inverse, logdet, matrix_power, slogdet  # noqa: F401
from .linalg import legacy_cross as cross  # noqa: F401
from .decompositions import legacy_svd as svd, pinverse  # noqa: F401
from .matrix_functions import legacy_vander as vander, matrix_exp  # noqa: F401
from .special import digamma, entr, lgamma, mvlgamma, polygamma  # noqa: F401
from .erfc_bessel import erfc, erfcx, i0, i0e, i1, i1e, log_ndtr, ndtr, ndtri  # noqa: F401
from .attention import scaled_dot_product_attention  # noqa: F401
from .activation import (elu, erf, gelu, leaky_relu, log_softmax, relu, sigmoid, softmax, softplus,  # noqa: F401
                         tanh)
from .activation import celu, glu, logsigmoid, mish, selu, silu, softmin, softsign, tanhshrink  # noqa: F401
from .piecewise import hardsigmoid, hardswish, hardtanh, prelu, relu6, threshold  # noqa: F401
from .piecewise import hardshrink, softshrink  # noqa: F401
from .loss import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, l1_loss,  # noqa: F401
                   mse_loss, nll_loss)
from .loss import gaussian_nll_loss, huber_loss, kl_div, poisson_nll_loss, smooth_l1_loss  # noqa: F401
from .loss_margin import (cosine_embedding_loss, hinge_embedding_loss, margin_ranking_loss,  # noqa: F401
                          multilabel_soft_margin_loss, soft_margin_loss, triplet_margin_loss)
from .loss_margin import (multi_margin_loss, multilabel_margin_loss,  # noqa: F401
                          triplet_margin_with_distance_loss)
from .normalization import bilinear, local_response_norm, rms_norm  # noqa: F401
from .normalization import dropout1d, dropout3d  # noqa: F401
from .lp_pool import lp_pool1d, lp_pool2d, lp_pool3d  # noqa: F401
from .pool1d import max_unpool1d  # noqa: F401
from .pool3d import max_unpool3d  # noqa: F401
from .channel_shuffle import channel_shuffle  # noqa: F401
from .random_ops import alpha_dropout, feature_alpha_dropout, gumbel_softmax, rrelu  # noqa: F401
from .embedding_bag import embedding_bag  # noqa: F401
from .ctc import ctc_loss  # noqa: F401
from .distance import cdist, cosine_similarity, normalize, pairwise_distance, pdist  # noqa: F401
from .conv import conv2d, conv2d_weight, conv_transpose2d  # noqa: F401
from .conv1d import conv1d, conv_transpose1d  # noqa: F401
from .pool1d import adaptive_avg_pool1d, adaptive_max_pool1d, avg_pool1d, max_pool1d  # noqa: F401
from .conv3d import conv3d, conv_transpose3d  # noqa: F401
from .pool3d import adaptive_avg_pool3d, adaptive_max_pool3d, avg_pool3d, max_pool3d  # noqa: F401
from .pool import avg_pool2d, max_pool2d  # noqa: F401
from .pool import adaptive_max_pool2d, max_unpool2d  # noqa: F401
from .unfold import fold, unfold  # noqa: F401
from .grid_sample import affine_grid, grid_sample  # noqa: F401
from .resample import adaptive_avg_pool2d, interpolate, pixel_shuffle, pixel_unshuffle  # noqa: F401
from .embedding import embedding, one_hot  # noqa: F401
from .normalization import (batch_norm, dropout, dropout2d, group_norm, instance_norm, layer_norm,  # noqa: F401
                            linear)
