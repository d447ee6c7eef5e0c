"""Helpers around modules and their parameters, with the names and semantics of ``torch.nn.utils``.

==========================  ==================================================================================
file                        what it holds
==========================  ==================================================================================
``clip_grad.py``            clip_grad_norm_, clip_grad_value_, get_total_norm, clip_grads_with_norm_
``convert_parameters.py``   parameters_to_vector, vector_to_parameters
``spectral_norm.py``        spectral_norm, remove_spectral_norm (a weight divided by its largest singular value)
``weight_norm.py``          weight_norm, remove_weight_norm (a weight as magnitude times direction)
``fusion.py``               fuse_conv_bn_eval/weights, fuse_linear_bn_eval/weights (batch norm folded into a layer)
``init.py``                 skip_init (a module left uninitialised)
``parametrize.py``          register_parametrization, remove_parametrizations, is_parametrized, cached, ... (a
                            tensor computed from unconstrained ones on each access)
``parametrizations.py``     orthogonal, spectral_norm, weight_norm as parametrizations (``parametrizations.*``)
``stateless.py``            functional_call (a module run with other tensors as its parameters), stack_module_state
``rnn.py``                  PackedSequence, pack_padded_sequence, pad_packed_sequence, pad_sequence, ... (packed
                            batches of sequences of different lengths, for the recurrent layers)
``prune.py``                l1_unstructured, ln_structured, global_unstructured, remove, ... (``prune.*``: a weight
                            kept as ``weight_orig`` times a ``weight_mask``; pruning_base.py, pruning_methods.py)
==========================  ==================================================================================
"""
from . import parametrizations, parametrize, rnn, stateless  # noqa: F401
from .parametrize import cached, is_parametrized, register_parametrization, remove_parametrizations  # noqa: F401
from .parametrize import type_before_parametrizations  # noqa: F401
from .clip_grad import clip_grad_norm_, clip_grad_value_, clip_grads_with_norm_, get_total_norm  # noqa: F401
from .clip_grad import _as_list, _vector_norm, _write_grad  # noqa: F401
from .convert_parameters import parameters_to_vector, vector_to_parameters  # noqa: F401
from .convert_parameters import _check_same_device  # noqa: F401
from .spectral_norm import SpectralNorm, remove_spectral_norm, spectral_norm  # noqa: F401
from .spectral_norm import _normalized  # noqa: F401
from .weight_norm import WeightNorm, norm_except_dim, remove_weight_norm, weight_norm  # noqa: F401
from .fusion import fuse_conv_bn_eval, fuse_conv_bn_weights, fuse_linear_bn_eval, fuse_linear_bn_weights  # noqa: F401
from .init import skip_init  # noqa: F401
from . import prune  # noqa: F401

__all__ = ["clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm", "parameters_to_vector",
           "vector_to_parameters", "spectral_norm", "remove_spectral_norm", "SpectralNorm", "weight_norm",
           "remove_weight_norm", "WeightNorm", "fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval",
           "fuse_linear_bn_weights", "skip_init", "rnn", "stateless",
           "parametrize", "parametrizations", "register_parametrization", "remove_parametrizations",
           "is_parametrized", "cached", "type_before_parametrizations",
           "prune"]
