"""minigan: a from-scratch deep-learning engine for seeing how deep learning works.

>>> import minigan as mg
>>> x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
>>> (x * x).sum().backward()
>>> x.grad
tensor([2., 4., 6.])
"""
from __future__ import annotations

import sys as _sys

__version__ = "0.1.0"

if "numpy" not in _sys.modules:
    # Before NumPy loads its OpenBLAS: threads that sleep after a product, and on AMD Zen 4 the kernels
    # that run fastest there (see minigan.blas_env). A value the user has set is kept.
    from .blas_env import set_defaults as _set_blas_defaults
    _set_blas_defaults()

from . import backend  # noqa: F401
from .backend import DeviceError, cuda_available  # noqa: F401
from .autograd import (Function, Tensor, as_tensor, enable_grad, grad, inference_mode, is_grad_enabled,  # noqa: F401
                       is_tensor, no_grad, set_grad_enabled, tensor)
from .creation import (arange, empty, eye, from_numpy, full, full_like, linspace, ones, ones_like, rand,  # noqa: F401
                       rand_like, randint, randn, randn_like, zeros, zeros_like, bernoulli, logspace, multinomial,
                       normal, poisson, randperm, tril_indices, triu_indices)
from . import ops  # noqa: F401
from .ops import (addbmm, addmv, addr, baddbmm, diag_embed, diagonal, einsum, inner, kron, tensordot,  # noqa: F401
                  trace)
from .ops import (abs, amax, amin, argmax, argmin, cat, chunk, clamp, clip, concatenate, exp, log, matmul,  # noqa: F401
                  max, maximum, mean, min, minimum, pad, permute, reshape, sigmoid, split, sqrt, stack, std, sum,
                  tanh, transpose, var, where)
from .ops import (addmm, argsort, bmm, diag, dot, flip, gather, index_add, index_select, kthvalue,  # noqa: F401
                  masked_fill, masked_select, mm, moveaxis, movedim, mv, narrow, nonzero, outer, roll, scatter,
                  scatter_add, sort, swapaxes, swapdims, t, take_along_dim, tile, topk, tril, triu, unbind)
from .ops import (atleast_1d, atleast_2d, atleast_3d, block_diag, bucketize, cartesian_prod, cdist,  # noqa: F401
                  column_stack, dstack, hstack, meshgrid, pdist, repeat_interleave, rot90, row_stack, searchsorted,
                  take, unique, unique_consecutive, vstack)
from .ops import (acos, acosh, add, all, allclose, any, asin, asinh, atan, atan2, atanh, ceil, cos, cosh,  # noqa: F401
                  count_nonzero, cumprod, cumsum, div, eq, equal, exp2, expm1, floor, fmod, frac, ge, gt, hypot,
                  isclose, isfinite, isinf, isnan, le, lerp, log10, log1p, log2, log_softmax, logaddexp, logsumexp,
                  lt, median, mul, ne, neg, norm, pow, prod, reciprocal, remainder, round, rsqrt, sign, sin, sinc,
                  sinh, softmax, square, sub, tan, trunc)
from .ops import (absolute, arccos, arccosh, arcsin, arcsinh, arctan, arctan2, arctanh, concat, divide,  # noqa: F401
                  fix, greater, greater_equal, less, less_equal, multiply, negative, not_equal, positive, rsub, sgn,
                  subtract, true_divide)
from .ops import (copysign, deg2rad, float_power, floor_divide, fmax, fmin, frexp, gcd, heaviside, isin,  # noqa: F401
                  isneginf, isposinf, isreal, lcm, ldexp, logaddexp2, nextafter, rad2deg, signbit)
from .ops import (bitwise_and, bitwise_left_shift, bitwise_not, bitwise_or, bitwise_right_shift,  # noqa: F401
                  bitwise_xor)
from .ops import (aminmax, argwhere, broadcast_shapes, broadcast_tensors, chain_matmul, combinations,  # noqa: F401
                  diagflat, dist, dsplit, fliplr, flipud, ger, hsplit, mode, msort, renorm, split_with_sizes,
                  tensor_split, unflatten, unravel_index, vdot, vsplit)
from .ops import (can_cast, is_complex, is_floating_point, is_nonzero, is_same_size, is_signed,  # noqa: F401
                  promote_types, result_type)
from .ops import (broadcast_to, clone, erf, flatten, logical_and, logical_not, logical_or, logical_xor,  # noqa: F401
                  squeeze, unsqueeze)
from .ops import (addcdiv, addcmul, bincount, corrcoef, cov, cummax, cummin, diff, erfinv, histc,  # noqa: F401
                  logcumsumexp, logit, nan_to_num, nanmean, nanmedian, nanquantile, nansum, quantile, std_mean,
                  var_mean, xlogy)
from .ops import cross, det, inverse, logdet, matrix_exp, matrix_power, pinverse, slogdet, svd, vander  # noqa: F401
from .ops import (diagonal_scatter, index_copy, index_fill, index_put, index_reduce, masked_scatter,  # noqa: F401
                  put, select, select_scatter, slice_scatter)
from .ops.top_level import *  # noqa: F401,F403  (torch.conv2d, torch.dropout ...: the names in its __all__)
from .ops.inplace import *  # noqa: F401,F403  (mg.relu_, mg.abs_ ...: the names in its __all__)
from .ops.top_level_extra import *  # noqa: F401,F403  (mg.asarray, mg.binomial, mg.scatter_reduce, mg.typename ...)
from .ops.view_copies import *  # noqa: F401,F403  (mg.t_copy, mg.narrow_copy ...: a view op, then a copy)
from .ops.rnn_cells import gru_cell, lstm_cell, rnn_relu_cell, rnn_tanh_cell  # noqa: F401
from .ops.strided import as_strided, empty_strided  # noqa: F401
from .ops import digamma, erfc, i0, lgamma, mvlgamma, polygamma  # noqa: F401
from .ops import (bartlett_window, blackman_window, cholesky, cholesky_inverse, cholesky_solve,  # noqa: F401
                  cumulative_trapezoid, frobenius_norm, geqrf, gradient, hamming_window, hann_window, histogram,
                  histogramdd, igamma, igammac, kaiser_window, lu, lu_solve, lu_unpack, nuclear_norm, orgqr, ormqr,
                  pca_lowrank, qr, svd_lowrank, trapezoid, trapz, triangular_solve)
from .gradcheck import GradcheckError, check_adjoint, gradcheck, gradgradcheck  # noqa: F401
from .top_level_more import *  # noqa: F401,F403  (mg.clamp_min, mg.empty_like ...: the names in its __all__)
from .settings import (get_default_device, get_default_dtype, get_num_threads, get_rng_state,  # noqa: F401
                       initial_seed, seed, set_default_device, set_default_dtype, set_num_threads, set_printoptions,
                       set_rng_state)
from .serialization import load, save  # noqa: F401
from .grad_mode import is_inference_mode_enabled  # noqa: F401
from .func import vmap  # noqa: F401
# torch.autograd.functional's home in minigan is minigan/jacobians.py; autograd.py is a module, not a package,
# so it is registered under PyTorch's name: `import minigan.autograd.functional as AF` works too.
from . import autograd as _autograd, jacobians as _jacobians  # noqa: E402
_autograd.functional = _jacobians
_sys.modules["minigan.autograd.functional"] = _jacobians
# the rest of torch.autograd's names: the checks, and anomaly detection (minigan/anomaly_mode.py)
from .anomaly_mode import (detect_anomaly as _detect_anomaly, is_anomaly_check_nan_enabled,  # noqa: E402,F401
                           is_anomaly_enabled, set_anomaly_enabled, set_detect_anomaly as _set_detect_anomaly)
_autograd.gradcheck, _autograd.gradgradcheck = gradcheck, gradgradcheck
_autograd.detect_anomaly, _autograd.set_detect_anomaly = _detect_anomaly, _set_detect_anomaly
from . import saved_tensor_hooks as _saved_tensor_hooks  # noqa: E402  (torch.autograd.graph's hooks)
_autograd.graph = _saved_tensor_hooks
_sys.modules["minigan.autograd.graph"] = _saved_tensor_hooks
from . import function as _function  # noqa: E402  (torch.autograd.function: Function, once_differentiable)
_autograd.function = _function
_sys.modules["minigan.autograd.function"] = _function
from .variable import Variable as _Variable  # noqa: E402  (torch.autograd.Variable, a name for old code)
_autograd.Variable = _Variable


def numel(x: Tensor) -> int:
    """The number of elements of ``x`` (``torch.numel``)."""
    return x.numel()


def ravel(x: Tensor) -> Tensor:
    """``x`` flattened to one dim (``torch.ravel``), a recorded reshape."""
    return ops.reshape(x, -1)


def manual_seed(seed: int) -> None:
    """Seed every device's random generator (parameter init, dropout, noise, shuffling)."""
    backend.manual_seed(seed)


_NAMES_FROM = {"device": "devices", "finfo": "dtype_info", "iinfo": "dtype_info", "Generator": "generator",
               "default_generator": "generator", "memory_format": "memory_formats",
               "contiguous_format": "memory_formats", "channels_last": "memory_formats",
               "channels_last_3d": "memory_formats", "preserve_format": "memory_formats", "layout": "memory_formats",
               "strided": "memory_formats"}


def __getattr__(name):
    # The subpackages above the core load on first use: `mg.nn`, `mg.optim`, `mg.gan`, ... so that
    # `import minigan` stays light and a learner can read the core without the rest.
    import importlib
    if name in {"nn", "optim", "data", "io", "viz", "gan", "style", "kernels", "progress", "cli", "linalg", "special",
                "distributions", "utils", "func", "cuda", "testing", "profiler"}:
        return importlib.import_module(f"minigan.{name}")
    if name in _NAMES_FROM:             # a few of PyTorch's top-level classes, from modules of their own
        return getattr(importlib.import_module(f"minigan.{_NAMES_FROM[name]}"), name)
    raise AttributeError(f"module 'minigan' has no attribute {name!r}")


# dtype names as in PyTorch (they are NumPy's dtypes: minigan arrays are NumPy/CuPy arrays)
import numpy as _np  # noqa: E402

float32, float64, float16, int64, int32, bool_ = _np.float32, _np.float64, _np.float16, _np.int64, _np.int32, _np.bool_
