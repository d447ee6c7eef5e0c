"""Lazy modules: layers whose input size is read from the first input, as ``torch.nn.modules.lazy``.

``nn.LazyLinear(10)`` is a Linear whose ``in_features`` is not known yet: its weight and bias are
:class:`UninitializedParameter` s, placeholders with no shape. The first call, ``layer(x)``, runs
``initialize_parameters(x)`` before the forward: it reads the size from ``x`` (``x.shape[-1]`` for a Linear, the
channel dim for a convolution or a normalisation), gives each placeholder its shape
(:meth:`UninitializedParameter.materialize`, which turns it, the same object, into a plain Parameter), draws the
layer's usual initial values, and then turns the module itself into its non-lazy class (``cls_to_become``:
``LazyLinear`` becomes ``Linear``). From then on it is that layer; build the optimizer after that first call
(``parameters()`` before it yields the placeholders). Buffers that depend on the size (batch norm's running
statistics) are :class:`UninitializedBuffer` s likewise. ``load_state_dict``, on the layer or on a model that holds
it, gives the placeholders the state dict's shapes first, as PyTorch's load hook does.
"""
from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd import Tensor
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .layers import BatchNorm1d, BatchNorm2d, BatchNorm3d, InstanceNorm1d, InstanceNorm2d, InstanceNorm3d, Linear
from .factory import factory
from .module import Parameter

__all__ = ["UninitializedParameter", "UninitializedBuffer", "LazyModuleMixin", "LazyLinear", "LazyConv1d",
           "LazyConv2d", "LazyConv3d", "LazyConvTranspose1d", "LazyConvTranspose2d", "LazyConvTranspose3d",
           "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d", "LazyInstanceNorm1d", "LazyInstanceNorm2d",
           "LazyInstanceNorm3d"]

_NO_SHAPE = ("Can't access the shape of an uninitialized parameter or buffer. This error usually happens in "
             "`load_state_dict` when trying to load an uninitialized parameter into an initialized one. Call "
             "`forward` to initialize the parameters before accessing their attributes.")


class _UninitializedTensorMixin:
    """A placeholder with no shape yet. It keeps a dtype and a device (``module.to`` moves and casts its empty
    array), and :meth:`materialize` gives it a shape: the same object then becomes ``cls_to_become``."""
    cls_to_become: type = Tensor

    @property
    def shape(self):
        raise RuntimeError(_NO_SHAPE)

    def materialize(self, shape, device=None, dtype=None) -> None:
        """Give the placeholder ``shape`` (uninitialised memory, of its own dtype and on its own device unless
        given), and turn it into a ``cls_to_become`` (a Parameter, or a plain Tensor for a buffer)."""
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        device = backend.device_of(self.data) if device is None else backend.normalize_device(device)
        dtype = self.data.dtype if dtype is None else np.dtype(dtype)
        self.data = backend.to_device(np.empty(shape, dtype=dtype), device)
        self.__class__ = self.cls_to_become

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


class UninitializedParameter(_UninitializedTensorMixin, Parameter):
    """A Parameter whose shape is not known yet (a lazy module's weight), as ``torch.nn.UninitializedParameter``;
    :meth:`materialize` makes it a :class:`~minigan.nn.Parameter` of a given shape."""
    cls_to_become = Parameter

    def __init__(self, requires_grad: bool = True, device=None, dtype=None) -> None:
        Parameter.__init__(self, factory(type(self), device, dtype).full(0), requires_grad=requires_grad)


class UninitializedBuffer(_UninitializedTensorMixin, Tensor):
    """A buffer whose shape is not known yet (a lazy batch norm's running mean), as
    ``torch.nn.UninitializedBuffer``; :meth:`materialize` makes it a plain Tensor of a given shape."""
    cls_to_become = Tensor

    def __init__(self, requires_grad: bool = False, device=None, dtype=None) -> None:
        Tensor.__init__(self, factory(type(self), device, dtype).full(0), requires_grad=requires_grad)


def _is_lazy(t) -> bool:
    return isinstance(t, _UninitializedTensorMixin)


class LazyModuleMixin:
    """What a lazy module adds to its layer (put it first among the bases): a forward pre-hook that, on the first
    call, runs ``initialize_parameters(*inputs)``, checks nothing was left uninitialised, takes itself off and
    turns the module into ``cls_to_become``. ``load_state_dict``, on the lazy module or on a model holding it,
    materialises the placeholders with the shapes of the state dict's tensors first."""
    cls_to_become: type | None = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        object.__setattr__(self, "_initialize_hook", self.register_forward_pre_hook(_infer_parameters))

    def has_uninitialized_params(self) -> bool:
        """Whether any of this module's own parameters or buffers is still a placeholder."""
        return any(_is_lazy(t) for t in list(self._parameters.values()) + list(self._buffers.values()))

    def initialize_parameters(self, *args) -> None:  # pragma: no cover - each lazy layer defines it
        raise NotImplementedError(f"{type(self).__name__} has no initialize_parameters()")

    def _materialize_from_state(self, state: dict, prefix: str) -> None:
        """Give each placeholder the shape of its entry in ``state`` (keys ``prefix + name``), before
        :meth:`Module.load_state_dict` copies the values in: a lazy layer loads a state dict, on its own or
        inside a model, without a forward first (it becomes its ``cls_to_become`` at its first call)."""
        for table in (self._parameters, self._buffers):
            for name, t in table.items():
                if _is_lazy(t) and prefix + name in state:
                    value = state[prefix + name]
                    t.materialize(value.shape if isinstance(value, Tensor) else np.shape(value))


def _infer_parameters(module, args):
    """The lazy modules' forward pre-hook (see :class:`LazyModuleMixin`)."""
    module.initialize_parameters(*args)
    if module.has_uninitialized_params():
        raise RuntimeError(f"module {type(module).__name__} has not been fully initialized")
    module._initialize_hook.remove()
    del module.__dict__["_initialize_hook"]
    if module.cls_to_become is not None:
        module.__class__ = module.cls_to_become


def _require_dims(module, x: Tensor, dims: tuple[int, ...], what: str) -> None:
    if not isinstance(x, Tensor) or x.ndim not in dims:
        got = x.shape if isinstance(x, Tensor) else type(x).__name__
        raise ValueError(f"{type(module).__name__}: expected {what} to infer its size from, got {got}")


class LazyLinear(LazyModuleMixin, Linear):
    """A :class:`~minigan.nn.Linear` whose ``in_features`` is the first input's last size: ``torch.nn.LazyLinear``.
    Shown as ``in_features=0`` until then."""
    cls_to_become = Linear

    def __init__(self, out_features: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(0, out_features, bias, device, dtype)
        make = factory(self, device, dtype).kwargs
        self.weight = UninitializedParameter(**make)
        if bias:
            self.bias = UninitializedParameter(**make)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input: Tensor, *args) -> None:
        if self.has_uninitialized_params() or self.in_features == 0:    # (0 after a load_state_dict)
            if not isinstance(input, Tensor) or input.ndim < 1:
                got = input.shape if isinstance(input, Tensor) else type(input).__name__
                raise ValueError(f"LazyLinear: expected an input (*, in_features) of at least 1 dim, got {got}")
            self.in_features = input.shape[-1]
        if self.has_uninitialized_params():
            self.weight.materialize((self.out_features, self.in_features))
            if self.bias is not None:
                self.bias.materialize((self.out_features,))
            self.reset_parameters()


class _LazyConvXdMixin(LazyModuleMixin):
    """The lazy convolutions: ``in_channels`` is the first input's channel dim (dim 1 of a batch, 0 of one
    unbatched input); the weight is ``(out, in/groups, *k)`` for a Conv and ``(in, out/groups, *k)`` for a
    ConvTranspose."""

    def _make_lazy(self, bias: bool, device, dtype) -> None:
        make = factory(self, device, dtype).kwargs
        self.weight = UninitializedParameter(**make)
        if bias:
            self.bias = UninitializedParameter(**make)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.in_channels != 0:
            super().reset_parameters()

    def initialize_parameters(self, input: Tensor, *args) -> None:
        if not self.has_uninitialized_params() and self.in_channels != 0:
            return
        d, name = self._dims, type(self).__name__
        if not isinstance(input, Tensor) or input.ndim not in (d + 1, d + 2):
            got = input.shape if isinstance(input, Tensor) else type(input).__name__
            raise ValueError(f"Expected {d + 1}D (unbatched) or {d + 2}D (batched) input to {name}, "
                             f"but got input of size: {got}")
        self.in_channels = input.shape[1 if input.ndim == d + 2 else 0]
        if self.in_channels % self.groups:
            raise ValueError(f"{name}: in_channels must be divisible by groups (in_channels={self.in_channels} "
                             f"from the input of shape {input.shape}, groups={self.groups})")
        transposed = isinstance(self, (ConvTranspose1d, ConvTranspose2d, ConvTranspose3d))
        lead = ((self.in_channels, self.out_channels // self.groups) if transposed
                else (self.out_channels, self.in_channels // self.groups))
        if self.has_uninitialized_params():
            self.weight.materialize(lead + self.kernel_size)
            if self.bias is not None:
                self.bias.materialize((self.out_channels,))
            self.reset_parameters()


def _lazy_conv(base, doc: str):
    """A lazy convolution class over ``base``, with PyTorch's arguments less ``in_channels``."""
    transposed = base.__name__.startswith("ConvTranspose")

    if transposed:
        def __init__(self, out_channels: int, kernel_size, stride=1, padding=0, output_padding=0, groups: int = 1,
                     bias: bool = True, dilation=1, padding_mode: str = "zeros", device=None, dtype=None) -> None:
            base.__init__(self, 0, out_channels, kernel_size, stride, padding, output_padding, groups, bias,
                          dilation, padding_mode, device, dtype)
            object.__setattr__(self, "_initialize_hook", self.register_forward_pre_hook(_infer_parameters))
            self._make_lazy(bias, device, dtype)
    else:
        def __init__(self, out_channels: int, kernel_size, stride=1, padding=0, dilation=1, groups: int = 1,
                     bias: bool = True, padding_mode: str = "zeros", device=None, dtype=None) -> None:
            base.__init__(self, 0, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode,
                          device, dtype)
            object.__setattr__(self, "_initialize_hook", self.register_forward_pre_hook(_infer_parameters))
            self._make_lazy(bias, device, dtype)
    return type("Lazy" + base.__name__, (_LazyConvXdMixin, base),
                {"__init__": __init__, "cls_to_become": base, "__doc__": doc, "__module__": __name__})


LazyConv1d = _lazy_conv(Conv1d, "A :class:`~minigan.nn.Conv1d` whose ``in_channels`` is read from the first input.")
LazyConv2d = _lazy_conv(Conv2d, "A :class:`~minigan.nn.Conv2d` whose ``in_channels`` is read from the first input.")
LazyConv3d = _lazy_conv(Conv3d, "A :class:`~minigan.nn.Conv3d` whose ``in_channels`` is read from the first input.")
LazyConvTranspose1d = _lazy_conv(ConvTranspose1d, "A :class:`~minigan.nn.ConvTranspose1d` whose ``in_channels`` "
                                 "is read from the first input.")
LazyConvTranspose2d = _lazy_conv(ConvTranspose2d, "A :class:`~minigan.nn.ConvTranspose2d` whose ``in_channels`` "
                                 "is read from the first input.")
LazyConvTranspose3d = _lazy_conv(ConvTranspose3d, "A :class:`~minigan.nn.ConvTranspose3d` whose ``in_channels`` "
                                 "is read from the first input.")


class _LazyNormBase(LazyModuleMixin):
    """The lazy batch and instance norms: ``num_features`` is the first input's channel dim; the weight, bias,
    running mean and running variance (those the layer has) are placeholders until then."""
    _unbatched_ndim = -1          # an instance norm takes one unbatched sample of this many dims

    def __init__(self, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device=None, dtype=None) -> None:
        super().__init__(0, eps, momentum, affine, track_running_stats, device, dtype)
        make = factory(self, device, dtype).kwargs
        if affine:
            self.weight, self.bias = UninitializedParameter(**make), UninitializedParameter(**make)
        if track_running_stats:
            self.register_buffer("running_mean", UninitializedBuffer(**make))
            self.register_buffer("running_var", UninitializedBuffer(**make))

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.num_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input: Tensor, *args) -> None:
        # Without weights or running statistics nothing is lazy, but minigan's layers check num_features, so it
        # is read from the input all the same (PyTorch's layer keeps 0 there and never checks it)
        if not self.has_uninitialized_params() and self.num_features != 0:
            return
        if not isinstance(input, Tensor) or input.ndim < 2 and input.ndim != self._unbatched_ndim:
            got = input.shape if isinstance(input, Tensor) else type(input).__name__
            raise ValueError(f"{type(self).__name__}: expected an input (N, C, *) to infer num_features from, "
                             f"got {got}")
        self.num_features = input.shape[0 if input.ndim == self._unbatched_ndim else 1]
        if self.has_uninitialized_params():
            for t in (self.weight, self.bias, self.running_mean, self.running_var):
                if _is_lazy(t):
                    t.materialize((self.num_features,))
            self.reset_parameters()


def _lazy_norm(base, unbatched_ndim: int):
    doc = (f"A :class:`~minigan.nn.{base.__name__}` whose ``num_features`` is read from the first input: "
           f"``torch.nn.Lazy{base.__name__}`` (PyTorch's defaults, ``affine=True, track_running_stats=True``).")
    return type("Lazy" + base.__name__, (_LazyNormBase, base),
                {"cls_to_become": base, "_unbatched_ndim": unbatched_ndim, "__doc__": doc, "__module__": __name__})


LazyBatchNorm1d = _lazy_norm(BatchNorm1d, -1)
LazyBatchNorm2d = _lazy_norm(BatchNorm2d, -1)
LazyBatchNorm3d = _lazy_norm(BatchNorm3d, -1)
LazyInstanceNorm1d = _lazy_norm(InstanceNorm1d, 2)
LazyInstanceNorm2d = _lazy_norm(InstanceNorm2d, 3)
LazyInstanceNorm3d = _lazy_norm(InstanceNorm3d, 4)
