"""The gradcheck registry's entries for the neural-network ops: activations, losses, pooling and unpooling, the
random ops (reseeded before every evaluation), distances, and the layers' functions (convolutions with stride
smaller than the kernel, padding, dilation, groups and output_padding; normalisation; resampling)."""
from __future__ import annotations

import numpy as np

from ..autograd import Tensor
from .. import ops as F
from .registry import _between, _case, _const, _gap, _off_grid, _seeded, _t


# --------------------------------------------------------------------------- activations
_case("relu")(lambda rs: (F.relu, [_gap(rs, 3, 4)]))
_case("leaky_relu")(lambda rs: (lambda x: F.leaky_relu(x, 0.2), [_gap(rs, 3, 4)]))
_case("sigmoid")(lambda rs: (F.sigmoid, [_t(rs, 3, 4)]))
_case("tanh")(lambda rs: (F.tanh, [_t(rs, 3, 4)]))
_case("softplus")(lambda rs: (F.softplus, [_t(rs, 3, 4)]))
_case("softplus (beta 2, threshold 1: both parts)")(lambda rs: (
    lambda x: F.softplus(x, beta=2, threshold=1), [_gap(rs, 3, 4)]))
_case("elu (alpha 0.7)")(lambda rs: (lambda x: F.elu(x, 0.7), [_gap(rs, 3, 4)]))
_case("erf (both expansions)")(lambda rs: (F.erf, [("tensor", np.array([-3.1, -2.4, -0.3, 0.0, 0.8, 2.6, 4.2]), True)]))
_case("gelu")(lambda rs: (F.gelu, [_t(rs, 3, 4)]))
_case("gelu (tanh)")(lambda rs: (lambda x: F.gelu(x, approximate="tanh"), [_t(rs, 3, 4)]))
_case("softmax")(lambda rs: (lambda x: F.softmax(x, axis=1), [_t(rs, 3, 5)]))
_case("log_softmax")(lambda rs: (lambda x: F.log_softmax(x, axis=0), [_t(rs, 3, 5)]))
_case("softmin")(lambda rs: (lambda x: F.softmin(x, dim=1), [_t(rs, 3, 5)]))
_case("silu")(lambda rs: (F.silu, [_t(rs, 3, 4)]))
_case("mish (both sides of softplus' threshold)")(lambda rs: (
    F.mish, [("tensor", np.array([-9.0, -3.1, -0.4, 0.7, 19.5, 20.5]), True)]))
_case("selu")(lambda rs: (F.selu, [_gap(rs, 3, 4)]))
_case("celu (alpha 0.6)")(lambda rs: (lambda x: F.celu(x, 0.6), [_gap(rs, 3, 4)]))
_case("logsigmoid")(lambda rs: (F.logsigmoid, [("tensor", np.array([-40.0, -3.2, -0.3, 0.6, 5.1, 40.0]), True)]))
_case("softsign")(lambda rs: (F.softsign, [_gap(rs, 2, 5)]))
_case("tanhshrink")(lambda rs: (F.tanhshrink, [_t(rs, 3, 4)]))
_case("glu (dim 1)")(lambda rs: (lambda x: F.glu(x, dim=1), [_t(rs, 3, 4, 2)]))
_case("hardtanh (-0.33, 0.41)")(lambda rs: (lambda x: F.hardtanh(x, -0.33, 0.41), [_gap(rs, 4, 5)]))
_case("relu6 (all three pieces)")(lambda rs: (
    F.relu6, [("tensor", np.array([-1.3, -0.2, 0.4, 2.9, 5.7, 6.2, 8.1]), True)]))
_case("hardsigmoid (all three pieces)")(lambda rs: (
    F.hardsigmoid, [("tensor", np.array([-4.2, -3.1, -2.9, 0.3, 2.8, 3.2, 5.0]), True)]))
_case("hardswish (all three pieces)")(lambda rs: (
    F.hardswish, [("tensor", np.array([-4.2, -3.1, -2.9, 0.3, 2.8, 3.2, 5.0]), True)]))
_case("threshold (0.12, -2)")(lambda rs: (lambda x: F.threshold(x, 0.12, -2.0), [_gap(rs, 3, 4)]))
_case("prelu (one slope per channel)")(lambda rs: (F.prelu, [_gap(rs, 2, 3, 2, 1), _t(rs, 3)]))
_case("hardshrink (0.3)")(lambda rs: (lambda x: F.hardshrink(x, 0.3), [_gap(rs, 3, 4)]))
_case("softshrink (0.3)")(lambda rs: (lambda x: F.softshrink(x, 0.3), [_gap(rs, 3, 4)]))
# --------------------------------------------------------------------------- losses
_case("mse_loss")(lambda rs: (F.mse_loss, [_t(rs, 3, 4), _t(rs, 3, 4)]))
_case("mse_loss + l1_loss (weight, weighted means)")(lambda rs: (
    lambda x, t, w: F.mse_loss(x, t, weight=w) + F.l1_loss(x, t, weight=w),
    [_gap(rs, 3, 4), _const(np.full((3, 4), 0.02)), _between(rs, 0.5, 2.0, 3, 4)]))
_case("binary_cross_entropy")(lambda rs: (
    F.binary_cross_entropy, [("tensor", rs.uniform(0.1, 0.9, (5,)), True), _const(rs.uniform(0, 1, (5,)))]))
_case("bce_with_logits")(lambda rs: (F.binary_cross_entropy_with_logits, [_t(rs, 2, 3), _t(rs, 2, 3)]))
_case("cross_entropy")(lambda rs: (lambda x: F.cross_entropy(x, np.array([2, 0, 3])), [_t(rs, 3, 4)]))
_case("cross_entropy (label_smoothing, ignore_index)")(lambda rs: (
    lambda x: F.cross_entropy(x, np.array([2, 0, 3]), ignore_index=0, label_smoothing=0.1), [_t(rs, 3, 4)]))
_case("nll_loss (weight, ignore_index)")(lambda rs: (
    lambda x: F.nll_loss(x, np.array([2, -100, 3, 0]), weight=np.array([0.5, 1.0, 2.0, 1.5])), [_t(rs, 4, 4)]))
_case("cross_entropy (K=2 class indices, weight, ignore_index, label_smoothing)")(lambda rs: (
    lambda x: F.cross_entropy(x, np.array([[[0], [1], [2]], [[1], [2], [1]]]), np.array([0.5, 2.0, 1.25]),
                              ignore_index=1, label_smoothing=0.2), [_t(rs, 2, 3, 3, 1)]))
_case("nll_loss (K=3, weight, ignore_index, sum)")(lambda rs: (
    lambda x: F.nll_loss(x, np.array([[[[3, -100]], [[0, 2]], [[1, 3]]]]), np.array([0.5, 2.0, 1.25, 0.75]),
                         reduction="sum"), [_t(rs, 1, 4, 3, 1, 2)]))
_case("cross_entropy (unbatched: a class index, and probabilities with weight)")(lambda rs: (
    lambda x, p: (F.cross_entropy(x, np.array(3), label_smoothing=0.1)
                  + F.cross_entropy(x, p, np.array([0.5, 2.0, 1.25, 0.75, 1.5]))),
    [_t(rs, 5), _between(rs, 0.05, 1.0, 5)]))
_case("huber_loss (delta 0.7, both pieces)")(lambda rs: (
    lambda x, t: F.huber_loss(x, t, delta=0.7), [_t(rs, 3, 4), _t(rs, 3, 4)]))
_case("smooth_l1_loss (beta 0.6, both pieces)")(lambda rs: (
    lambda x, t: F.smooth_l1_loss(x, t, beta=0.6), [_t(rs, 3, 4), _t(rs, 3, 4)]))
_case("kl_div (batchmean)")(lambda rs: (
    lambda x, t: F.kl_div(x, t, reduction="batchmean"), [_t(rs, 3, 4), _between(rs, 0.05, 1.0, 3, 4)]))
_case("kl_div (log_target, sum)")(lambda rs: (
    lambda x, t: F.kl_div(x, t, reduction="sum", log_target=True), [_t(rs, 3, 4), _t(rs, 3, 4)]))
_case("gaussian_nll_loss (full, one variance per row)")(lambda rs: (
    lambda x, t, v: F.gaussian_nll_loss(x, t, v, full=True), [_t(rs, 3, 4), _t(rs, 3, 4), _between(rs, 0.2, 2, 3)]))
_case("poisson_nll_loss (rates, full)")(lambda rs: (
    lambda x, t: F.poisson_nll_loss(x, t, log_input=False, full=True), [_between(rs, 0.2, 3, 3, 4),
                                                                        _between(rs, 0.1, 4, 3, 4)]))
_case("soft_margin_loss")(lambda rs: (F.soft_margin_loss, [_t(rs, 3, 4), _const(rs.choice([-1.0, 1.0], (3, 4)))]))
_case("multilabel_soft_margin_loss (weight)")(lambda rs: (
    lambda x: F.multilabel_soft_margin_loss(x, np.array([[1, 0, 1], [0, 0, 1]]), weight=np.array([0.5, 2.0, 1.0])),
    [_t(rs, 2, 3)]))
_case("margin_ranking_loss (margin 0.3)")(lambda rs: (
    lambda a, b: F.margin_ranking_loss(a, b, np.array([1, -1, 1, -1, 1]), margin=0.3), [_t(rs, 5), _t(rs, 5)]))
_case("hinge_embedding_loss (margin 1.2, a target 0)")(lambda rs: (
    lambda x: F.hinge_embedding_loss(x, np.array([1, -1, 0, -1, 1, -1]), margin=1.2), [_between(rs, 0.1, 2.5, 6)]))
_case("cosine_embedding_loss (margin 0.2)")(lambda rs: (
    lambda a, b: F.cosine_embedding_loss(a, b, np.array([1, -1, -1, 1]), margin=0.2), [_t(rs, 4, 3), _t(rs, 4, 3)]))
_case("triplet_margin_loss (p 3, swap)")(lambda rs: (
    lambda a, p, n: F.triplet_margin_loss(a, p, n, margin=1.5, p=3, swap=True), [_t(rs, 4, 3), _t(rs, 4, 3),
                                                                                 _t(rs, 4, 3)]))
# the multi-class hinges: scores a multiple of 0.1 (of 0.3) apart, so no hinge 0.35 - x_y + x_i (1 - x_y + x_i) is 0
_case("multi_margin_loss (p 2, weight, margin 0.35)")(lambda rs: (
    lambda x: F.multi_margin_loss(x, np.array([2, 0, 3]), p=2, margin=0.35, weight=np.array([0.5, 1.0, 2.0, 1.5])),
    [_gap(rs, 3, 4)]))
_case("multilabel_margin_loss (-1 ends, a class twice)")(lambda rs: (
    lambda x: F.multilabel_margin_loss(x, np.array([[3, 0, -1, 1, 2], [1, 1, 4, -1, -1]])),
    [("tensor", 3 * _gap(rs, 2, 5)[1], True)]))
_case("triplet_margin_with_distance_loss (cosine, swap)")(lambda rs: (
    lambda a, p, n: F.triplet_margin_with_distance_loss(
        a, p, n, distance_function=lambda u, v: 1 - F.cosine_similarity(u, v), margin=0.7, swap=True),
    [_t(rs, 4, 3), _t(rs, 4, 3), _t(rs, 4, 3)]))
_case("local_response_norm (size 2, 4-D)")(lambda rs: (
    lambda x: F.local_response_norm(x, 2, alpha=0.5, beta=0.75, k=1.5), [_t(rs, 2, 5, 3, 2)]))
_case("local_response_norm (size 3, 3-D)")(lambda rs: (
    lambda x: F.local_response_norm(x, 3, alpha=0.8, beta=0.6, k=0.5), [_t(rs, 2, 4, 3)]))
_case("bilinear (3-D inputs, bias)")(lambda rs: (
    F.bilinear, [_t(rs, 2, 3, 4), _t(rs, 2, 3, 2), _t(rs, 5, 4, 2), _t(rs, 5)]))
# lp pooling, unpooling, channel shuffle, the random ops (reseeded before every evaluation, so each draws the same
# noise), embedding bags and CTC
_case("lp_pool1d (p 2, k3 s2, ceil_mode)")(lambda rs: (
    lambda x: F.lp_pool1d(x, 2, 3, 2, ceil_mode=True), [_t(rs, 2, 3, 8)]))
_case("lp_pool2d (p 1.5, k (2, 3) s 1, positive)")(lambda rs: (
    lambda x: F.lp_pool2d(x, 1.5, (2, 3), 1), [_t(rs, 1, 2, 4, 5, positive=True)]))
_case("lp_pool3d (p 3, k 2 s 1, positive, unbatched)")(lambda rs: (
    lambda x: F.lp_pool3d(x, 3, 2, 1), [_t(rs, 2, 3, 4, 3, positive=True)]))


@_case("max_unpool1d (k2 indices, output_size)")
def _max_unpool1d_case(rs):
    idx = F.max_pool1d(Tensor(rs.standard_normal((2, 2, 7))), 2, return_indices=True)[1].data
    return lambda x: F.max_unpool1d(x, idx, 2, output_size=(7,)), [_t(rs, 2, 2, 3)]


@_case("max_unpool3d (k2 indices, output_size)")
def _max_unpool3d_case(rs):
    idx = F.max_pool3d(Tensor(rs.standard_normal((1, 2, 5, 4, 3))), 2, return_indices=True)[1].data
    return lambda x: F.max_unpool3d(x, idx, 2, output_size=(5, 4, 3)), [_t(rs, 1, 2, 2, 2, 1)]


_case("channel_shuffle (groups 3, 4-D)")(lambda rs: (lambda x: F.channel_shuffle(x, 3), [_t(rs, 2, 6, 2, 3)]))
_case("rrelu (training: drawn slopes)")(lambda rs: (
    _seeded(lambda x: F.rrelu(x, 0.1, 0.4, training=True)), [_gap(rs, 3, 4)]))
_case("alpha_dropout (training, p 0.3)")(lambda rs: (
    _seeded(lambda x: F.alpha_dropout(x, 0.3, training=True)), [_t(rs, 4, 5)]))
_case("feature_alpha_dropout (training, 3-D)")(lambda rs: (
    _seeded(lambda x: F.feature_alpha_dropout(x, 0.4, training=True)), [_t(rs, 3, 4, 2)]))
_case("gumbel_softmax (tau 0.7, dim 0)")(lambda rs: (
    _seeded(lambda x: F.gumbel_softmax(x, tau=0.7, dim=0)), [_t(rs, 4, 3)]))
_case("gumbel_softmax (tau 1.3, 3-D, dim 1)")(lambda rs: (
    _seeded(lambda x: F.gumbel_softmax(x, 1.3, dim=1)), [_t(rs, 2, 5, 3)]))
_case("embedding_bag (mean, offsets, an empty bag, padding_idx)")(lambda rs: (
    lambda w: F.embedding_bag(np.array([3, 0, 3, 4, 1, 4]), w, np.array([0, 2, 2, 5]), padding_idx=4),
    [_t(rs, 5, 3)]))
_case("embedding_bag (sum, 2-D, per_sample_weights)")(lambda rs: (
    lambda w, p: F.embedding_bag(np.array([[1, 2, 1], [0, 3, 3]]), w, mode="sum", per_sample_weights=p),
    [_t(rs, 4, 3), _t(rs, 2, 3)]))
_case("embedding_bag (max, include_last_offset)")(lambda rs: (
    lambda w: F.embedding_bag(np.array([2, 0, 1, 2, 3]), w, np.array([0, 3, 5]), mode="max",
                              include_last_offset=True), [_gap(rs, 4, 3)]))
_case("ctc_loss (log_softmax, padded targets, mean)")(lambda rs: (
    lambda x: F.ctc_loss(F.log_softmax(x, 2), np.array([[1, 1, 2], [2, 0, 0]]), [5, 4], [3, 1]),
    [_t(rs, 5, 2, 3)]))
_case("ctc_loss (raw log_probs, concatenated targets, none)")(lambda rs: (
    lambda x: F.ctc_loss(x, np.array([2, 3, 3]), [4, 3], [2, 1], blank=1, reduction="none"), [_t(rs, 4, 2, 4)]))


@_case("linear_cross_entropy (chunked: chunk 2 of 5 rows, bias, weight, ignore_index)")
def _linear_cross_entropy_case(rs):
    from ..ops.linear_cross_entropy import linear_cross_entropy
    from ..nn.linear_cross_entropy import LinearCrossEntropyOptions
    opt = LinearCrossEntropyOptions(batch_chunk_size=2)
    return (lambda x, w, b: linear_cross_entropy(x, w, np.array([2, 0, -100, 3, 1]), linear_bias=b, options=opt,
                                                 weight=np.array([0.5, 1.0, 2.0, 1.5])),
            [_t(rs, 5, 3), _t(rs, 4, 3), _t(rs, 4)])


# --------------------------------------------------------------------------- distances
_case("normalize (p 3, dim 0)")(lambda rs: (lambda x: F.normalize(x, p=3, dim=0), [_t(rs, 3, 4)]))
_case("cosine_similarity (broadcast, dim -1)")(lambda rs: (
    lambda a, b: F.cosine_similarity(a, b, dim=-1), [_t(rs, 3, 4), _t(rs, 4)]))
_case("pairwise_distance (p 1.5, keepdim)")(lambda rs: (
    lambda a, b: F.pairwise_distance(a, b, p=1.5, keepdim=True), [_t(rs, 3, 4), _t(rs, 3, 4)]))
# --------------------------------------------------------------------------- layers
_case("linear")(lambda rs: (F.linear, [_t(rs, 3, 4), _t(rs, 5, 4), _t(rs, 5)]))
_case("batch_norm (train, 4-D)")(lambda rs: (
    lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), [_t(rs, 3, 2, 3, 2), _t(rs, 2), _t(rs, 2)]))
_case("layer_norm (2 dims, batch 1)")(lambda rs: (
    lambda x, w, b: F.layer_norm(x, (3, 5), w, b), [_t(rs, 1, 2, 3, 5), _t(rs, 3, 5), _t(rs, 3, 5)]))
_case("rms_norm (2 dims, batch 1)")(lambda rs: (
    lambda x, w: F.rms_norm(x, (3, 5), w, 1e-6), [_t(rs, 1, 2, 3, 5), _t(rs, 3, 5)]))
_case("group_norm (3 groups of 2)")(lambda rs: (
    lambda x, w, b: F.group_norm(x, 3, w, b), [_t(rs, 2, 6, 3, 1), _t(rs, 6), _t(rs, 6)]))
_case("instance_norm (batch 1, odd sizes)")(lambda rs: (
    lambda x, w, b: F.instance_norm(x, weight=w, bias=b), [_t(rs, 1, 3, 3, 5), _t(rs, 3), _t(rs, 3)]))
_case("conv2d (stride 2 < kernel 3, pad 1)")(lambda rs: (
    lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1), [_t(rs, 2, 3, 7, 6), _t(rs, 4, 3, 3, 3), _t(rs, 4)]))
_case("conv2d (padding same, even kernel)")(lambda rs: (
    lambda x, w: F.conv2d(x, w, padding="same"), [_t(rs, 2, 2, 5, 4), _t(rs, 3, 2, 2, 4)]))
_case("conv2d (dilation 2, groups 2, batch 1)")(lambda rs: (
    lambda x, w: F.conv2d(x, w, stride=1, padding=(2, 1), dilation=2, groups=2),
    [_t(rs, 1, 4, 5, 7), _t(rs, 2, 2, 3, 2)]))
_case("conv_transpose2d (k3 s2 p1 op1)")(lambda rs: (
    lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
    [_t(rs, 2, 3, 4, 5), _t(rs, 3, 2, 3, 3), _t(rs, 2)]))
_case("conv_transpose2d (k4 s2 p1, groups 2)")(lambda rs: (
    lambda x, w: F.conv_transpose2d(x, w, stride=2, padding=1, groups=2),
    [_t(rs, 1, 4, 3, 3), _t(rs, 4, 1, 4, 4)]))
_case("conv_transpose2d (dilation 2, op 1 >= stride 1)")(lambda rs: (
    lambda x, w: F.conv_transpose2d(x, w, stride=1, padding=1, output_padding=1, dilation=2),
    [_t(rs, 2, 2, 3, 4), _t(rs, 2, 3, 2, 3)]))
_case("max_pool2d (k3 s2 p1)")(lambda rs: (lambda x: F.max_pool2d(x, 3, 2, 1), [_gap(rs, 2, 2, 7, 6)]))
_case("conv1d (stride 2 < kernel 3, pad 1)")(lambda rs: (
    lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1), [_t(rs, 2, 3, 8), _t(rs, 4, 3, 3), _t(rs, 4)]))
_case("conv1d (dilation 2, groups 2, batch 1)")(lambda rs: (
    lambda x, w: F.conv1d(x, w, padding=1, dilation=2, groups=2), [_t(rs, 1, 4, 7), _t(rs, 2, 2, 3)]))
_case("conv_transpose1d (k3 s2 p1 op1)")(lambda rs: (
    lambda x, w, b: F.conv_transpose1d(x, w, b, stride=2, padding=1, output_padding=1),
    [_t(rs, 2, 3, 5), _t(rs, 3, 2, 3), _t(rs, 2)]))
_case("max_pool1d (k3 s2 p1)")(lambda rs: (lambda x: F.max_pool1d(x, 3, 2, 1), [_gap(rs, 2, 2, 9)]))
_case("avg_pool1d (k3 s2 p1, ceil_mode, no pad count)")(lambda rs: (
    lambda x: F.avg_pool1d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False), [_t(rs, 2, 2, 8)]))
_case("adaptive_avg_pool1d (7 -> 3)")(lambda rs: (lambda x: F.adaptive_avg_pool1d(x, 3), [_t(rs, 2, 3, 7)]))
_case("conv3d (stride 2 < kernel 3, pad 1)")(lambda rs: (
    lambda x, w, b: F.conv3d(x, w, b, stride=2, padding=1), [_t(rs, 2, 2, 5, 4, 3), _t(rs, 3, 2, 3, 3, 3), _t(rs, 3)]))
_case("conv3d (dilation 2, groups 2, batch 1)")(lambda rs: (
    lambda x, w: F.conv3d(x, w, padding=(1, 0, 1), dilation=2, groups=2),
    [_t(rs, 1, 4, 4, 3, 4), _t(rs, 2, 2, 2, 2, 2)]))
_case("conv_transpose3d (k3 s2 p1 op1)")(lambda rs: (
    lambda x, w, b: F.conv_transpose3d(x, w, b, stride=2, padding=1, output_padding=1),
    [_t(rs, 1, 2, 3, 2, 3), _t(rs, 2, 2, 3, 3, 3), _t(rs, 2)]))
_case("max_pool3d (k3 s2 p1)")(lambda rs: (lambda x: F.max_pool3d(x, 3, 2, 1), [_gap(rs, 2, 2, 5, 4, 5)]))
_case("avg_pool3d (k3 s2 p1, ceil_mode)")(lambda rs: (
    lambda x: F.avg_pool3d(x, 3, 2, 1, ceil_mode=True), [_t(rs, 1, 2, 6, 5, 4)]))
# grid_sample's points: pixel coordinates p off the pixel lines (_off_grid), shifted by whole pixels so that some
# fall outside the image, normalised for (W, H) as the op unnormalises them: 2 p / (size - 1) - 1 with
# align_corners, (2 p + 1) / size - 1 without
_case("affine_grid (theta gets the gradient)")(lambda rs: (
    lambda theta: F.affine_grid(theta, (2, 1, 3, 4), align_corners=True), [_t(rs, 2, 2, 3)]))
_case("grid_sample (bilinear, zeros, points outside)")(lambda rs: (
    lambda x, g: F.grid_sample(x, g, align_corners=False),
    [_t(rs, 2, 2, 3, 4), ("tensor", (2 * (_off_grid(rs, 2, 5, 2, 2)[1] + 1) + 1) / [4, 3] - 1, True)]))
_case("grid_sample (bilinear, border, batch 1)")(lambda rs: (
    lambda x, g: F.grid_sample(x, g, padding_mode="border", align_corners=False),
    [_t(rs, 1, 3, 4, 5), ("tensor", (2 * (_off_grid(rs, 1, 3, 6, 2)[1] + 2) + 1) / [5, 4] - 1, True)]))
_case("grid_sample (reflection, align_corners)")(lambda rs: (
    lambda x, g: F.grid_sample(x, g, padding_mode="reflection", align_corners=True),
    [_t(rs, 2, 1, 4, 5), ("tensor", 2 * (_off_grid(rs, 2, 3, 4, 2)[1] + 4 * rs.integers(-2, 3, (2, 3, 4, 2)))
                          / [4, 3] - 1, True)]))
_case("grid_sample (bicubic, reflection)")(lambda rs: (
    lambda x, g: F.grid_sample(x, g, mode="bicubic", padding_mode="reflection", align_corners=False),
    [_t(rs, 1, 2, 4, 3), ("tensor", (2 * (_off_grid(rs, 1, 2, 5, 2)[1] + 1) + 1) / [3, 4] - 1, True)]))
_case("avg_pool2d (k3 s2 p1, no pad count)")(lambda rs: (
    lambda x: F.avg_pool2d(x, 3, 2, 1, count_include_pad=False), [_t(rs, 2, 2, 7, 5)]))
_case("max_pool2d (k2, ceil_mode)")(lambda rs: (lambda x: F.max_pool2d(x, 2, ceil_mode=True), [_gap(rs, 1, 2, 5, 7)]))
_case("avg_pool2d (k3 s2 p1, ceil_mode)")(lambda rs: (
    lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True), [_t(rs, 1, 2, 6, 7)]))
_case("interpolate (nearest x2)")(lambda rs: (lambda x: F.interpolate(x, scale_factor=2), [_t(rs, 1, 2, 3, 4)]))
_case("interpolate (linear, 1-D, align_corners)")(lambda rs: (
    lambda x: F.interpolate(x, size=7, mode="linear", align_corners=True), [_t(rs, 2, 1, 5)]))
_case("interpolate (trilinear, per-dim scales)")(lambda rs: (
    lambda x: F.interpolate(x, scale_factor=(2, 1.5, 0.7), mode="trilinear"), [_t(rs, 1, 2, 2, 3, 4)]))
_case("interpolate (nearest to size)")(lambda rs: (lambda x: F.interpolate(x, size=(5, 7)), [_t(rs, 1, 2, 3, 4)]))
_case("interpolate (nearest-exact x1.5)")(lambda rs: (
    lambda x: F.interpolate(x, scale_factor=1.5, mode="nearest-exact"), [_t(rs, 1, 2, 3, 4)]))
_case("interpolate (bilinear to size)")(lambda rs: (
    lambda x: F.interpolate(x, size=(5, 3), mode="bilinear"), [_t(rs, 1, 2, 3, 4)]))
_case("interpolate (bicubic, align_corners)")(lambda rs: (
    lambda x: F.interpolate(x, scale_factor=1.7, mode="bicubic", align_corners=True), [_t(rs, 1, 1, 3, 4)]))
_case("interpolate (bilinear, antialias, down)")(lambda rs: (
    lambda x: F.interpolate(x, size=(3, 2), mode="bilinear", antialias=True), [_t(rs, 1, 2, 7, 5)]))
_case("interpolate (bicubic, antialias, H down W up)")(lambda rs: (
    lambda x: F.interpolate(x, scale_factor=(0.4, 1.6), mode="bicubic", antialias=True), [_t(rs, 1, 1, 8, 3)]))
_case("adaptive_avg_pool2d (overlapping windows)")(lambda rs: (
    lambda x: F.adaptive_avg_pool2d(x, (4, 2)), [_t(rs, 2, 1, 6, 5)]))
_case("adaptive_max_pool2d (overlapping windows)")(lambda rs: (
    lambda x: F.adaptive_max_pool2d(x, (4, 3)), [_gap(rs, 2, 2, 6, 5)]))


@_case("max_unpool2d (k2 indices, output_size)")
def _max_unpool2d_case(rs):
    # max_pool2d's winners in a 7x5 image, 2x2 windows (none named twice); output_size restores the dropped edges
    idx = F.max_pool2d(Tensor(rs.standard_normal((2, 2, 7, 5))), 2, return_indices=True)[1].data
    return lambda x: F.max_unpool2d(x, idx, 2, output_size=(7, 5)), [_t(rs, 2, 2, 3, 2)]


_case("unfold (k3, stride 2 < kernel, pad 1, dilation (1, 2))")(lambda rs: (
    lambda x: F.unfold(x, 3, (1, 2), 1, 2), [_t(rs, 2, 2, 7, 8)]))
_case("fold (k (2, 3), stride 1: overlapping windows)")(lambda rs: (
    lambda c: F.fold(c, (5, 6), (2, 3)), [_t(rs, 1, 12, 16)]))
_case("embedding (a row picked twice)")(lambda rs: (
    lambda w: F.embedding(np.array([[3, 0], [3, 1]]), w), [_t(rs, 4, 3)]))
_case("pixel_shuffle (r 2)")(lambda rs: (lambda x: F.pixel_shuffle(x, 2), [_t(rs, 1, 8, 3, 2)]))
_case("pixel_unshuffle (r 3)")(lambda rs: (lambda x: F.pixel_unshuffle(x, 3), [_t(rs, 2, 1, 3, 6)]))


@_case("pack, then pad_packed_sequence (unsorted)")
def _packing_case(rs):
    from ..nn.utils import rnn
    def fn(x):
        packed = rnn.pack_padded_sequence(x, [2, 4, 1], batch_first=True, enforce_sorted=False)
        return rnn.pad_packed_sequence(packed, batch_first=True, total_length=5)[0]
    return fn, [_t(rs, 3, 5, 2)]


@_case("LSTM, packed (lengths 3, 1, 2; two layers)")
def _packed_lstm_case(rs):
    from ..nn import LSTM
    from ..nn.utils import rnn
    from .. import backend
    backend.manual_seed(0)
    lstm = LSTM(2, 3, num_layers=2).double()
    def fn(x):
        out, (h, c) = lstm(rnn.pack_padded_sequence(x, [3, 1, 2], enforce_sorted=False))
        return rnn.pad_packed_sequence(out)[0].sum() + h * c
    return fn, [_t(rs, 3, 3, 2)]


@_case("fractional_max_pool2d/3d (fixed _random_samples, overlapping windows)")
def _fractional_max_pool_case(rs):
    from ..ops.fractional_pool import fractional_max_pool2d, fractional_max_pool3d
    s2, s3 = Tensor(rs.random((2, 2, 2))), Tensor(rs.random((1, 2, 3)))
    def fn(x, v):
        return (fractional_max_pool2d(x, 3, (4, 3), _random_samples=s2).sum()
                + fractional_max_pool3d(v, 2, (3, 2, 3), _random_samples=s3).sum())
    return fn, [_gap(rs, 2, 2, 7, 6), _gap(rs, 1, 2, 5, 4, 5)]


@_case("AdaptiveLogSoftmaxWithLoss: output, loss, log_prob (shortlist and two clusters)")
def _adaptive_log_softmax_case(rs):
    from ..nn import AdaptiveLogSoftmaxWithLoss
    from .. import backend
    backend.manual_seed(0)
    m = AdaptiveLogSoftmaxWithLoss(4, 9, [2, 5], div_value=2.0, head_bias=True).double()
    target = np.array([0, 3, 8, 6, 1])
    def fn(x):
        m.to(x.device)
        out, loss = m(x, Tensor(backend.to_device(target, x.device)))
        return out + loss + m.log_prob(x)[:, 6]
    return fn, [_t(rs, 5, 4)]
