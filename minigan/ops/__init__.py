"""Differentiable operations: each a :class:`~minigan.autograd.Function` with its forward (on raw
arrays) and backward (in minigan ops) side by side, one family a file.

===================  ==========================================================
file                 what it holds
===================  ==========================================================
``arithmetic.py``    add, sub, mul, div, neg, pow, exp, log, sqrt, abs, maximum, minimum, clip, where
``reduction.py``     sum, mean, amax/amin, max/min (values and indices), argmax/argmin, var, std
``shape.py``         reshape, permute/transpose, broadcast_to/sum_to, indexing, concatenate, stack, split,
                     chunk
``pad.py``           pad (constant, and reflect/replicate/circular as index maps gathered by indexing)
``matmul.py``        matmul
``activation.py``    relu, leaky_relu, elu, selu, celu, gelu (and erf), sigmoid, tanh, softplus, silu, mish,
                     logsigmoid, softsign, tanhshrink, glu, softmax, softmin, log_softmax
``piecewise.py``     hardtanh, relu6, hardsigmoid, hardswish, threshold, prelu, with PyTorch's values at the kinks
``loss.py``          mse, binary cross-entropy (on probabilities and on logits), cross-entropy
``conv.py``          conv2d, conv_transpose2d, and the weight-gradient correlation they share
``pool.py``          max_pool2d, avg_pool2d
``resample.py``      interpolate (nearest, bilinear, bicubic, area), adaptive_avg_pool2d, pixel_shuffle/unshuffle
``norm.py``          batch_norm, layer_norm, group_norm, instance_norm, dropout, dropout2d, linear
``embedding.py``     embedding (a lookup table's rows, picked by index), one_hot
===================  ==========================================================
"""
from .arithmetic import (abs, add, clamp, clip, div, exp, log, maximum, minimum, mul, neg, pow, sqrt, sub,  # noqa: F401
                         where)
from .reduction import (ValuesIndices, amax, amin, argmax, argmin, max, mean, min, std, sum,  # noqa: F401
                        var)
from .shape import (astype, broadcast_to, cat, chunk, concatenate, expand, flatten, getitem, permute,  # noqa: F401
                    reshape, split, squeeze, stack, sum_to, transpose, unsqueeze)
from .pad import pad  # noqa: F401
from .matmul import matmul  # noqa: F401
from .activation import (elu, erf, gelu, leaky_relu, log_softmax, relu, sigmoid, softmax, softplus,  # noqa: F401
                         tanh)
from .activation import celu, glu, logsigmoid, mish, selu, silu, softmin, softsign, tanhshrink  # noqa: F401
from .piecewise import hardsigmoid, hardswish, hardtanh, prelu, relu6, threshold  # noqa: F401
from .loss import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, l1_loss,  # noqa: F401
                   mse_loss, nll_loss)
from .conv import conv2d, conv2d_weight, conv_transpose2d  # noqa: F401
from .pool import avg_pool2d, max_pool2d  # noqa: F401
from .resample import adaptive_avg_pool2d, interpolate, pixel_shuffle, pixel_unshuffle  # noqa: F401
from .embedding import embedding, one_hot  # noqa: F401
from .norm import batch_norm, dropout, dropout2d, group_norm, instance_norm, layer_norm, linear  # noqa: F401
