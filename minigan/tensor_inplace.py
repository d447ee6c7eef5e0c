"""More of PyTorch's in-place Tensor methods: ``x.acosh_()``, ``x.addmm_(a, b)``, ``x.ge_(0)``, ``x.t_()`` ... .

Each overwrites the tensor with the result of the out-of-place method of the same name, under the rules of the
Tensor's other in-place methods (:func:`minigan.tensor_methods._in_place`): refused while recording on a leaf that
requires grad, on a tensor of the graph, or with an operand that requires grad (minigan records no in-place
operation); the result must keep the tensor's shape and fit its dtype (a comparison's bools go into a float tensor
as 0 and 1; a float result does not go into an integer tensor); the change is counted in the tensor's version.

The shape-changing ones (``squeeze_``, ``unsqueeze_``, ``t_``, ``transpose_``, ``swapaxes_``, ``swapdims_``)
change the tensor's own shape instead: it looks at the same memory through the new shape, as in PyTorch.
:class:`~minigan.autograd.Tensor` inherits them from :class:`InPlaceMethods`."""
from __future__ import annotations

import numpy as np

from .tensor_methods import _in_place


def _by(name: str):
    """The out-of-place method ``name`` as a function of the tensor (``x.acosh()`` as ``f(x)``)."""
    return lambda t, *args, **kwargs: getattr(t, name)(*args, **kwargs)


def _i(t, what: str, *args, **kwargs):
    """``t`` overwritten with ``t.<what without its _>(*args, **kwargs)``, by :func:`_in_place`'s rules."""
    return _in_place(t, what, _by(what[:-1]), *args, **kwargs)


def _float_power_(t, exponent):
    """``float_power`` computes in float64, so (as in PyTorch) only a float64 tensor can hold its result."""
    if t.dtype != np.float64:
        raise RuntimeError(f"float_power_: the base given to float_power_ has dtype {t.dtype} but the operation's "
                           "result requires dtype float64")
    return _i(t, "float_power_", exponent)


def _reshaped(t, what: str, op: str, *args):
    """``t`` looking at its own memory through the shape ``t.<op>(*args)`` has (a view of the same elements)."""
    from .autograd import no_grad
    t._check_inplace(what)
    with no_grad():
        view = getattr(t, op)(*args)
    t.data = view.data
    t._bump_version()
    return t


def _t_(t):
    if t.ndim > 2:
        raise RuntimeError(f"t_: t_() expects a tensor with <= 2 dimensions, but self is {t.ndim}D")
    return _reshaped(t, "t_", "t")


class InPlaceMethods:
    """The in-place methods above, one line each (see the module's docstring for their rules)."""

    def absolute_(self): return _i(self, "absolute_")
    def acosh_(self): return _i(self, "acosh_")
    def arccos_(self): return _i(self, "arccos_")
    def arccosh_(self): return _i(self, "arccosh_")
    def arcsin_(self): return _i(self, "arcsin_")
    def arcsinh_(self): return _i(self, "arcsinh_")
    def arctan_(self): return _i(self, "arctan_")
    def arctanh_(self): return _i(self, "arctanh_")
    def asinh_(self): return _i(self, "asinh_")
    def atanh_(self): return _i(self, "atanh_")
    def bitwise_not_(self): return _i(self, "bitwise_not_")
    def deg2rad_(self): return _i(self, "deg2rad_")
    def digamma_(self): return _i(self, "digamma_")
    def erfinv_(self): return _i(self, "erfinv_")
    def fix_(self): return _i(self, "fix_")
    def i0_(self): return _i(self, "i0_")
    def lgamma_(self): return _i(self, "lgamma_")
    def logical_not_(self): return _i(self, "logical_not_")
    def negative_(self): return _i(self, "negative_")
    def rad2deg_(self): return _i(self, "rad2deg_")
    def sgn_(self): return _i(self, "sgn_")
    def sign_(self): return _i(self, "sign_")
    def sinc_(self): return _i(self, "sinc_")
    def arctan2_(self, other): return _i(self, "arctan2_", other)
    def atan2_(self, other): return _i(self, "atan2_", other)
    def bitwise_and_(self, other): return _i(self, "bitwise_and_", other)
    def bitwise_left_shift_(self, other): return _i(self, "bitwise_left_shift_", other)
    def bitwise_or_(self, other): return _i(self, "bitwise_or_", other)
    def bitwise_right_shift_(self, other): return _i(self, "bitwise_right_shift_", other)
    def bitwise_xor_(self, other): return _i(self, "bitwise_xor_", other)
    def copysign_(self, other): return _i(self, "copysign_", other)
    def floor_divide_(self, other): return _i(self, "floor_divide_", other)
    def fmod_(self, other): return _i(self, "fmod_", other)
    def gcd_(self, other): return _i(self, "gcd_", other)
    def hypot_(self, other): return _i(self, "hypot_", other)
    def igamma_(self, other): return _i(self, "igamma_", other)
    def igammac_(self, other): return _i(self, "igammac_", other)
    def lcm_(self, other): return _i(self, "lcm_", other)
    def ldexp_(self, other): return _i(self, "ldexp_", other)
    def logical_and_(self, other): return _i(self, "logical_and_", other)
    def logical_or_(self, other): return _i(self, "logical_or_", other)
    def logical_xor_(self, other): return _i(self, "logical_xor_", other)
    def multiply_(self, other): return _i(self, "multiply_", other)
    def nextafter_(self, other): return _i(self, "nextafter_", other)
    def remainder_(self, other): return _i(self, "remainder_", other)
    def true_divide_(self, other): return _i(self, "true_divide_", other)
    def eq_(self, other): return _i(self, "eq_", other)
    def ne_(self, other): return _i(self, "ne_", other)
    def ge_(self, other): return _i(self, "ge_", other)
    def gt_(self, other): return _i(self, "gt_", other)
    def le_(self, other): return _i(self, "le_", other)
    def lt_(self, other): return _i(self, "lt_", other)
    def greater_(self, other): return _i(self, "greater_", other)
    def greater_equal_(self, other): return _i(self, "greater_equal_", other)
    def less_(self, other): return _i(self, "less_", other)
    def less_equal_(self, other): return _i(self, "less_equal_", other)
    def not_equal_(self, other): return _i(self, "not_equal_", other)
    def heaviside_(self, values): return _i(self, "heaviside_", values)
    def addbmm_(self, batch1, batch2, *, beta=1, alpha=1):
        return _i(self, "addbmm_", batch1, batch2, beta=beta, alpha=alpha)
    def baddbmm_(self, batch1, batch2, *, beta=1, alpha=1):
        return _i(self, "baddbmm_", batch1, batch2, beta=beta, alpha=alpha)
    def addmm_(self, mat1, mat2, *, beta=1, alpha=1): return _i(self, "addmm_", mat1, mat2, beta=beta, alpha=alpha)
    def addmv_(self, mat, vec, *, beta=1, alpha=1): return _i(self, "addmv_", mat, vec, beta=beta, alpha=alpha)
    def addr_(self, vec1, vec2, *, beta=1, alpha=1): return _i(self, "addr_", vec1, vec2, beta=beta, alpha=alpha)
    def addcdiv_(self, tensor1, tensor2, *, value=1): return _i(self, "addcdiv_", tensor1, tensor2, value=value)
    def addcmul_(self, tensor1, tensor2, *, value=1): return _i(self, "addcmul_", tensor1, tensor2, value=value)
    def cumsum_(self, dim, dtype=None): return _i(self, "cumsum_", dim, **({} if dtype is None else {"dtype": dtype}))
    def cumprod_(self, dim, dtype=None): return _i(self, "cumprod_", dim, **({} if dtype is None else {"dtype": dtype}))
    def divide_(self, other, *, rounding_mode=None): return _i(self, "divide_", other, rounding_mode=rounding_mode)
    def subtract_(self, other, *, alpha=1): return _i(self, "subtract_", other, alpha=alpha)
    def float_power_(self, exponent): return _float_power_(self, exponent)
    def lerp_(self, end, weight): return _i(self, "lerp_", end, weight)
    def logit_(self, eps=None): return _i(self, "logit_", eps)
    def mvlgamma_(self, p): return _i(self, "mvlgamma_", p)
    def polygamma_(self, n): return _i(self, "polygamma_", n)
    def nan_to_num_(self, nan=0.0, posinf=None, neginf=None):
        return _i(self, "nan_to_num_", nan=nan, posinf=posinf, neginf=neginf)
    def renorm_(self, p, dim, maxnorm): return _i(self, "renorm_", p, dim, maxnorm)
    def tril_(self, diagonal=0): return _i(self, "tril_", diagonal)
    def triu_(self, diagonal=0): return _i(self, "triu_", diagonal)

    # The shape-changing ones: the same memory seen through a new shape
    def squeeze_(self, dim=None): return _reshaped(self, "squeeze_", "squeeze", dim)
    def unsqueeze_(self, dim): return _reshaped(self, "unsqueeze_", "unsqueeze", dim)
    def t_(self): return _t_(self)
    def transpose_(self, dim0, dim1): return _reshaped(self, "transpose_", "transpose", dim0, dim1)
    def swapaxes_(self, axis0, axis1): return _reshaped(self, "swapaxes_", "swapaxes", axis0, axis1)
    def swapdims_(self, dim0, dim1): return _reshaped(self, "swapdims_", "swapaxes", dim0, dim1)
