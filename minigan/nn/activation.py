"""Activation layers: thin Modules over the functions in :mod:`minigan.ops.activation` and
:mod:`minigan.ops.piecewise`, with PyTorch's constructor arguments and reprs. ``inplace=True`` is accepted,
for PyTorch code, and the result is computed out of place all the same."""
from __future__ import annotations

from ..autograd import Tensor
from ..ops import elu, gelu, leaky_relu, log_softmax, relu, sigmoid, softmax, softplus, tanh
from ..ops import (celu, glu, hardsigmoid, hardswish, hardtanh, logsigmoid, mish, prelu, relu6, selu, silu,
                   softmin, softsign, tanhshrink, threshold)
from ..ops import hardshrink, softshrink
from ..ops.random_ops import rrelu
from .factory import factory
from .init import constant_
from .module import Module


class ReLU(Module):
    """max(x, 0)."""

    def __init__(self, inplace: bool = False) -> None:  # inplace is accepted for PyTorch code; never in place
        super().__init__()

    def forward(self, x: Tensor) -> Tensor:
        return relu(x)


class LeakyReLU(Module):
    """x for x > 0, negative_slope * x otherwise (DCGAN's discriminator uses 0.2)."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x: Tensor) -> Tensor:
        return leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class RReLU(Module):
    """Randomized leaky ReLU: ``x`` for ``x > 0``, else ``a x``, with ``a ~ U(lower, upper)`` drawn afresh for every
    element in ``train()`` mode and the mean slope ``(lower + upper) / 2`` in ``eval()`` mode:
    :func:`minigan.ops.random_ops.rrelu`. The bounds are checked when the layer runs, as in PyTorch."""

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False) -> None:
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, inplace    # never in place, as ReLU

    def forward(self, x: Tensor) -> Tensor:
        return rrelu(x, self.lower, self.upper, self.training)

    def extra_repr(self) -> str:
        return f"lower={self.lower}, upper={self.upper}" + (", inplace=True" if self.inplace else "")


class Tanh(Module):
    def forward(self, x: Tensor) -> Tensor:
        return tanh(x)


class Sigmoid(Module):
    def forward(self, x: Tensor) -> Tensor:
        return sigmoid(x)


class ELU(Module):
    """x for x > 0, alpha (e^x - 1) otherwise: ``torch.nn.ELU``."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:  # never in place, as ReLU
        super().__init__()
        self.alpha = alpha

    def forward(self, x: Tensor) -> Tensor:
        return elu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class GELU(Module):
    """x Φ(x), Φ the standard normal CDF; ``approximate='tanh'`` for the cheaper tanh form: ``torch.nn.GELU``."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x: Tensor) -> Tensor:
        return gelu(x, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Softplus(Module):
    """log(1 + e^(beta x)) / beta, and x where beta x > threshold: ``torch.nn.Softplus``."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, x: Tensor) -> Tensor:
        return softplus(x, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Softmax(Module):
    """``exp(x) / sum(exp(x))`` along ``dim``. ``dim=None`` is PyTorch's deprecated implicit choice, made by
    :func:`minigan.ops.softmax` (dim 0 for 0-, 1- and 3-D inputs, else dim 1, with a warning): give ``dim``."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return softmax(x, dim=self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """``log(softmax(x))`` along ``dim``, computed stably; ``dim=None`` as in :class:`Softmax`."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return log_softmax(x, dim=self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmin(Module):
    """``softmax(-x)`` along ``dim``; ``dim=None`` as in :class:`Softmax`."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return softmin(x, dim=self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax2d(Module):
    """Softmax over the channels at every pixel: ``softmax(x, dim=-3)`` on ``(N, C, H, W)`` or ``(C, H, W)``,
    as ``torch.nn.Softmax2d``."""

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {x.ndim}D instead (shape {x.shape})")
        return softmax(x, dim=-3)


class SELU(Module):
    """``scale * elu(x, alpha)`` with SELU's fixed constants: ``torch.nn.SELU``."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()

    def forward(self, x: Tensor) -> Tensor:
        return selu(x)


class CELU(Module):
    """x for x > 0, alpha (e^(x/alpha) - 1) otherwise: ``torch.nn.CELU``."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha

    def forward(self, x: Tensor) -> Tensor:
        return celu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class SiLU(Module):
    """x sigmoid(x), also called swish: ``torch.nn.SiLU``."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()

    def forward(self, x: Tensor) -> Tensor:
        return silu(x)


class Mish(Module):
    """x tanh(softplus(x)): ``torch.nn.Mish``."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()

    def forward(self, x: Tensor) -> Tensor:
        return mish(x)


class LogSigmoid(Module):
    """log(sigmoid(x)), finite for any x: ``torch.nn.LogSigmoid``."""

    def forward(self, x: Tensor) -> Tensor:
        return logsigmoid(x)


class Softsign(Module):
    """x / (1 + |x|): ``torch.nn.Softsign``."""

    def forward(self, x: Tensor) -> Tensor:
        return softsign(x)


class Tanhshrink(Module):
    """x - tanh(x): ``torch.nn.Tanhshrink``."""

    def forward(self, x: Tensor) -> Tensor:
        return tanhshrink(x)


class GLU(Module):
    """The first half of ``x`` along ``dim`` times the sigmoid of the second half: ``torch.nn.GLU``."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return glu(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Hardtanh(Module):
    """x clipped to [min_val, max_val], with derivative 0 at both bounds: ``torch.nn.Hardtanh``."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        if max_val <= min_val:
            raise ValueError(f"{type(self).__name__}: max_val must be greater than min_val, got min_val={min_val}, "
                             f"max_val={max_val}")
        self.min_val, self.max_val = min_val, max_val

    def forward(self, x: Tensor) -> Tensor:
        return hardtanh(x, self.min_val, self.max_val)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}"


class ReLU6(Hardtanh):
    """min(max(x, 0), 6): a Hardtanh from 0 to 6, as in PyTorch."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0)

    def forward(self, x: Tensor) -> Tensor:
        return relu6(x)

    def extra_repr(self) -> str:
        return ""


class Hardsigmoid(Module):
    """0 below -3, 1 above 3, x/6 + 1/2 between: ``torch.nn.Hardsigmoid``."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()

    def forward(self, x: Tensor) -> Tensor:
        return hardsigmoid(x)


class Hardswish(Module):
    """x hardsigmoid(x): ``torch.nn.Hardswish``."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()

    def forward(self, x: Tensor) -> Tensor:
        return hardswish(x)


class Threshold(Module):
    """x where x > threshold, else value: ``torch.nn.Threshold``."""

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold, self.value = threshold, value

    def forward(self, x: Tensor) -> Tensor:
        return threshold(x, self.threshold, self.value)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}"


class Hardshrink(Module):
    """x where |x| > lambd, else 0: ``torch.nn.Hardshrink``, whose repr shows only ``lambd``."""

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, x: Tensor) -> Tensor:
        return hardshrink(x, self.lambd)

    def extra_repr(self) -> str:
        return f"{self.lambd}"


class Softshrink(Module):
    """x - lambd above lambd, x + lambd below -lambd, else 0: ``torch.nn.Softshrink``."""

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, x: Tensor) -> Tensor:
        return softshrink(x, self.lambd)

    def extra_repr(self) -> str:
        return f"{self.lambd}"


class PReLU(Module):
    """x where x > 0, else ``weight * x``, with a learnable slope: one shared (``num_parameters=1``) or one per
    channel of ``(N, C, *)`` inputs (``num_parameters=C``). ``weight`` has shape ``(num_parameters,)`` and starts
    at ``init``: ``torch.nn.PReLU``, whose state dict has the same single entry, ``weight``."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device=None, dtype=None) -> None:
        super().__init__()
        self.num_parameters, self.init = num_parameters, init
        self.weight = factory(self, device, dtype).parameter(num_parameters)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every slope back to ``init``."""
        constant_(self.weight, self.init)

    def forward(self, x: Tensor) -> Tensor:
        return prelu(x, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class Identity(Module):
    def forward(self, x: Tensor) -> Tensor:
        return x
