"""PyTorch's top-level in-place functions: ``mg.relu_(x)``, ``mg.abs_(x)``, ``mg.fill_(x, 2)``... .

Each overwrites its tensor with the out-of-place op's result, under the rules of the Tensor's in-place methods
(:func:`minigan.tensor_methods._in_place`): refused while recording on a leaf that requires grad, on a tensor of
the graph, or with an operand that requires grad, since minigan records no in-place operation; the result must
keep the tensor's shape and fit its dtype; the change is counted in the tensor's version. Where the Tensor has
the method (``x.abs_()``) the function calls it; the activations and dropouts that PyTorch has only at the top
level (``selu_``, ``dropout_``...) call the rules directly."""
from __future__ import annotations

from ..autograd import Tensor
from ..tensor_methods import _in_place
from . import activation, normalization, piecewise, random_ops

__all__ = ["relu_", "selu_", "celu_", "rrelu_", "threshold_", "dropout_", "alpha_dropout_", "feature_alpha_dropout_",
           "abs_", "acos_", "asin_", "atan_", "ceil_", "cos_", "cosh_", "erf_", "erfc_", "exp_", "exp2_", "expm1_",
           "floor_", "frac_", "log_", "log10_", "log1p_", "log2_", "neg_", "reciprocal_", "round_", "rsqrt_",
           "sigmoid_", "sin_", "sinh_", "sqrt_", "square_", "tan_", "tanh_", "trunc_", "xlogy_", "clamp_",
           "clamp_min_", "clamp_max_", "clip_", "fill_", "zero_", "index_put_",
           "acosh_", "arccos_", "arccosh_", "arcsin_", "arcsinh_", "arctan_", "arctanh_", "asinh_", "atanh_",
           "deg2rad_", "rad2deg_", "fix_", "gcd_", "lcm_", "ldexp_", "logit_", "sinc_", "negative_", "nan_to_num_",
           "i0_", "addmv_", "detach_"]


def selu_(input: Tensor) -> Tensor:
    """``torch.selu_``: ``input`` overwritten with ``selu(input)``."""
    return _in_place(input, "selu_", activation.selu)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """``torch.celu_``."""
    return _in_place(input, "celu_", activation.celu, alpha)


def rrelu_(input: Tensor, lower: float = 0.125, upper: float = 1.0 / 3.0, training: bool = False,
           generator=None) -> Tensor:
    """``torch.rrelu_`` (``generator``: an ``mg.Generator``, or None for the device's seeded stream)."""
    return _in_place(input, "rrelu_", random_ops.rrelu, lower, upper, training, generator=generator)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """``torch.threshold_``."""
    return _in_place(input, "threshold_", piecewise.threshold, threshold, value)


def dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """``torch.dropout_``."""
    return _in_place(input, "dropout_", normalization.dropout, p, train)


def alpha_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """``torch.alpha_dropout_``."""
    return _in_place(input, "alpha_dropout_", random_ops.alpha_dropout, p, train)


def feature_alpha_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """``torch.feature_alpha_dropout_``."""
    return _in_place(input, "feature_alpha_dropout_", random_ops.feature_alpha_dropout, p, train)


def _method(name: str):
    def f(input: Tensor, *args, **kwargs) -> Tensor:
        return getattr(input, name)(*args, **kwargs)
    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"``torch.{name}``: ``input.{name}(...)``, ``input`` overwritten with ``{name[:-1]}(input, ...)``."
    return f


relu_, abs_, acos_, asin_, atan_, ceil_, cos_, cosh_ = map(
    _method, ["relu_", "abs_", "acos_", "asin_", "atan_", "ceil_", "cos_", "cosh_"])
erf_, erfc_, exp_, exp2_, expm1_, floor_, frac_, log_ = map(
    _method, ["erf_", "erfc_", "exp_", "exp2_", "expm1_", "floor_", "frac_", "log_"])
log10_, log1p_, log2_, neg_, reciprocal_, round_, rsqrt_, sigmoid_ = map(
    _method, ["log10_", "log1p_", "log2_", "neg_", "reciprocal_", "round_", "rsqrt_", "sigmoid_"])
sin_, sinh_, sqrt_, square_, tan_, tanh_, trunc_, xlogy_ = map(
    _method, ["sin_", "sinh_", "sqrt_", "square_", "tan_", "tanh_", "trunc_", "xlogy_"])
clamp_, clamp_min_, clamp_max_, clip_, fill_, zero_, index_put_ = map(
    _method, ["clamp_", "clamp_min_", "clamp_max_", "clip_", "fill_", "zero_", "index_put_"])
# the rest of torch's top-level in-place math, each calling the Tensor's method of the same name
acosh_, arccos_, arccosh_, arcsin_, arcsinh_, arctan_, arctanh_, asinh_, atanh_ = map(
    _method, ["acosh_", "arccos_", "arccosh_", "arcsin_", "arcsinh_", "arctan_", "arctanh_", "asinh_", "atanh_"])
deg2rad_, rad2deg_, fix_, gcd_, lcm_, ldexp_, logit_, sinc_, negative_, nan_to_num_, i0_, addmv_, detach_ = map(
    _method, ["deg2rad_", "rad2deg_", "fix_", "gcd_", "lcm_", "ldexp_", "logit_", "sinc_", "negative_",
              "nan_to_num_", "i0_", "addmv_", "detach_"])
detach_.__doc__ = ("``torch.detach_``: ``input.detach_()``: ``input`` itself, cut from the graph that made it (a leaf "
                   "that does not require grad); its values are not changed.")
