"""The differentiable operations under PyTorch's ``torch.nn.functional`` names.

Each lives in :mod:`minigan.ops` with its forward and backward side by side; this module only gathers
the names (``import minigan.nn.functional as F``)."""
from ..ops import (adaptive_avg_pool2d, avg_pool2d, batch_norm, binary_cross_entropy,  # noqa: F401
                   binary_cross_entropy_with_logits, conv2d, conv2d_weight, conv_transpose2d, cross_entropy, dropout,
                   dropout2d, elu, embedding, gelu, group_norm, instance_norm, interpolate, l1_loss, layer_norm,
                   leaky_relu, linear, log_softmax, max_pool2d, mse_loss, nll_loss, one_hot, pad, pixel_shuffle,
                   pixel_unshuffle, relu, sigmoid, softmax, softplus, tanh)
from ..ops import (celu, glu, hardsigmoid, hardswish, hardtanh, logsigmoid, mish, prelu, relu6, selu,  # noqa: F401
                   silu, softmin, softsign, tanhshrink, threshold)
from ..ops import hardshrink, softshrink  # noqa: F401
from ..ops import (cosine_embedding_loss, gaussian_nll_loss, hinge_embedding_loss, huber_loss, kl_div,  # noqa: F401
                   margin_ranking_loss, multilabel_soft_margin_loss, poisson_nll_loss, smooth_l1_loss,
                   soft_margin_loss, triplet_margin_loss)
from ..ops import (bilinear, local_response_norm, multi_margin_loss, multilabel_margin_loss,  # noqa: F401
                   triplet_margin_with_distance_loss)
from ..ops import cosine_similarity, normalize, pairwise_distance, pdist  # noqa: F401
from ..ops import scaled_dot_product_attention  # noqa: F401
from ..ops import dropout1d, dropout3d, rms_norm  # noqa: F401
from ..ops import lp_pool1d, lp_pool2d, lp_pool3d, max_unpool1d, max_unpool3d  # noqa: F401
from ..ops import alpha_dropout, channel_shuffle, feature_alpha_dropout, gumbel_softmax, rrelu  # noqa: F401
from ..ops import ctc_loss, embedding_bag  # noqa: F401
from ..ops import adaptive_max_pool2d, fold, max_unpool2d, unfold  # noqa: F401
from ..ops import affine_grid, grid_sample  # noqa: F401
from ..ops import (adaptive_avg_pool1d, adaptive_max_pool1d, avg_pool1d, conv1d, conv_transpose1d,  # noqa: F401
                   max_pool1d)
from ..ops import (adaptive_avg_pool3d, adaptive_max_pool3d, avg_pool3d, conv3d, conv_transpose3d,  # noqa: F401
                   max_pool3d)
from ..ops.fractional_pool import (fractional_max_pool2d, fractional_max_pool2d_with_indices,  # noqa: F401
                                   fractional_max_pool3d, fractional_max_pool3d_with_indices)
from .functional_aliases import (adaptive_max_pool1d_with_indices, adaptive_max_pool2d_with_indices,  # noqa: F401
                                 adaptive_max_pool3d_with_indices, celu_, elu_, hardtanh_, leaky_relu_,
                                 max_pool1d_with_indices, max_pool2d_with_indices, max_pool3d_with_indices, relu_,
                                 rrelu_, selu_, threshold_, upsample_bilinear, upsample_nearest)
from ..ops.linear_cross_entropy import linear_cross_entropy  # noqa: F401


def upsample(input, size=None, scale_factor=None, mode: str = "nearest",  # noqa: A002
             align_corners: bool | None = None):
    """Alias of :func:`interpolate` (PyTorch's older name)."""
    return interpolate(input, size, scale_factor, mode, align_corners)
