"""Weight averaging, as ``torch.optim.swa_utils``: a running average of a model's weights, kept beside it.

Two averages are common:

* **SWA** (stochastic weight averaging, Izmailov et al. 2018): the *equal* average of the weights seen at the
  end of training, ``W_avg = (W_1 + ... + W_n) / n``, updated one model at a time as
  ``W_avg <- W_avg + (W - W_avg) / (n + 1)``. Usually paired with :class:`SWALR`, which holds the learning
  rate at a constant ``swa_lr`` so that the iterates wander around a wide minimum and their mean sits in it.
* **EMA** (exponential moving average, Polyak averaging with exponential weights):
  ``W_ema <- decay * W_ema + (1 - decay) * W``. A GAN's "EMA generator" is this average of G: it smooths
  the jitter of the adversarial game, so its samples are usually cleaner than G's own.

Both live in an :class:`AveragedModel`, a copy of the model whose parameters hold the average::

    ema_G = AveragedModel(G, multi_avg_fn=get_ema_multi_avg_fn(0.999))
    for step in range(steps):
        train_one_step(G, D)
        ema_G.update_parameters(G)       # the first call copies G, later calls average
    samples = ema_G(z)                   # forward runs the averaged copy

A network with batch norm needs running statistics that belong to the averaged weights: either average
the buffers too (``use_buffers=True``) or recompute them afterwards with one pass over the data
(:func:`update_bn`).
"""
from __future__ import annotations

import copy
import math
from collections.abc import Iterable
from typing import Any, Callable

import numpy as np

from ..autograd import Tensor, tensor
from ..grad_mode import no_grad
from ..nn.layers import _BatchNorm, _InstanceNorm
from ..nn.module import Module
from .lr_scheduler import LRScheduler, _check_optimizer
from .optimizer import Optimizer

__all__ = ["AveragedModel", "update_bn", "SWALR", "get_ema_multi_avg_fn", "get_swa_multi_avg_fn",
           "get_ema_avg_fn", "get_swa_avg_fn"]


def _is_float(t: Tensor) -> bool:
    return t.dtype.kind in "fc"


def _check_decay(decay: float) -> None:
    if decay < 0.0 or decay > 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in [0,1] range.")


def _count(num_averaged: Tensor | int) -> int:
    return int(num_averaged.item()) if isinstance(num_averaged, Tensor) else int(num_averaged)


# ----------------------------------------------------------------------------------- averaging functions
# An ``avg_fn(averaged, current, num_averaged)`` returns the new average of one tensor; a
# ``multi_avg_fn(averaged_list, current_list, num_averaged)`` changes a list of averages in place.
# ``num_averaged`` is how many models the average already holds (1 at the first averaging call, because
# the first update_parameters only copies). Integer tensors (batch norm's ``num_batches_tracked`` when
# buffers are averaged) are computed in floating point and truncated when copied back.

def get_ema_multi_avg_fn(decay: float = 0.999) -> Callable[[list, list, Any], None]:
    """The in-place EMA of lists of tensors: ``W_ema <- decay * W_ema + (1 - decay) * W`` for each pair,
    i.e. ``W_ema.lerp_(W, 1 - decay)``. ``decay`` must lie in [0, 1]; the third argument is unused."""
    _check_decay(decay)

    def ema_update(ema_param_list, current_param_list, _num_averaged) -> None:
        with no_grad():
            for p_ema, p_model in zip(ema_param_list, current_param_list, strict=True):
                if _is_float(p_ema):
                    p_ema.lerp_(p_model, 1 - decay)
                else:
                    p_ema.copy_(p_ema * decay + p_model * (1 - decay))

    return ema_update


def get_swa_multi_avg_fn() -> Callable[[list, list, Any], None]:
    """The in-place equal average of lists of tensors: with ``n = num_averaged`` models already in the mean,
    ``W_avg <- W_avg + (W - W_avg) / (n + 1)``, i.e. ``W_avg.lerp_(W, 1 / (n + 1))``."""

    def swa_update(averaged_param_list, current_param_list, num_averaged) -> None:
        weight = 1.0 / (_count(num_averaged) + 1)
        with no_grad():
            for p_avg, p_model in zip(averaged_param_list, current_param_list, strict=True):
                if _is_float(p_avg):
                    p_avg.lerp_(p_model, weight)
                else:
                    p_avg.copy_(p_avg + (p_model - p_avg) * weight)

    return swa_update


def get_ema_avg_fn(decay: float = 0.999) -> Callable[[Tensor, Tensor, Any], Tensor]:
    """The EMA of one tensor, returned (not in place): ``decay * W_ema + (1 - decay) * W``."""
    _check_decay(decay)

    def ema_update(ema_param: Tensor, current_param: Tensor, _num_averaged) -> Tensor:
        with no_grad():
            return decay * ema_param + (1 - decay) * current_param

    return ema_update


def get_swa_avg_fn() -> Callable[[Tensor, Tensor, Any], Tensor]:
    """The equal average of one tensor, returned: ``W_avg + (W - W_avg) / (num_averaged + 1)``."""

    def swa_update(averaged_param: Tensor, current_param: Tensor, num_averaged) -> Tensor:
        with no_grad():
            return averaged_param + (current_param - averaged_param) / (_count(num_averaged) + 1)

    return swa_update


# ----------------------------------------------------------------------------------- the averaged model
class AveragedModel(Module):
    """A copy of ``model`` whose parameters hold a running average of ``model``'s, as PyTorch's.

    Args:
        model: the module to average; it is deep-copied (``copy.deepcopy``), so the average has weights of
            its own, and the copy is registered as ``self.module``.
        device: if given, the copy (and ``n_averaged``) live there (``"cpu"``, ``"cuda"``).
        avg_fn: ``avg_fn(averaged, current, num_averaged) -> new averaged``, applied tensor by tensor.
        multi_avg_fn: ``multi_avg_fn(averaged_list, current_list, num_averaged)``, which changes the list of
            averages in place; called once per group of tensors sharing a device and dtype. Give at most one
            of ``avg_fn`` and ``multi_avg_fn``; with neither, the equal (SWA) average is kept.
        use_buffers: if True, buffers (batch norm's running statistics) are averaged as the parameters are;
            if False, each update copies the model's buffers as they are.

    ``n_averaged`` is a registered int64 buffer (so ``state_dict()`` holds it, under that name, beside the
    copy's entries under ``module.``): how many models the average holds. :meth:`update_parameters` copies
    the model's weights at its first call (``n_averaged == 0``) and averages them in at later calls; the
    averaging functions are not part of the state dict. ``forward`` runs the copy.
    """

    def __init__(self, model: Module, device=None, avg_fn: Callable | None = None,
                 multi_avg_fn: Callable | None = None, use_buffers: bool = False) -> None:
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        if not isinstance(model, Module):
            raise TypeError(f"AveragedModel: expected an nn.Module to average, got {type(model).__name__}")
        self.module = copy.deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", tensor(0, dtype=np.int64, device=device))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args, **kwargs):
        """The averaged copy's forward: ``self.module(*args, **kwargs)``."""
        return self.module(*args, **kwargs)

    def _pairs(self, model: Module) -> list[tuple[Tensor, Tensor]]:
        """(average, model value moved to the average's device) for each parameter, and each buffer too
        with ``use_buffers``; both detached, so changing the first changes this model's memory."""
        if self.use_buffers:
            mine = list(self.module.parameters()) + list(self.module.buffers())
            theirs = list(model.parameters()) + list(model.buffers())
        else:
            mine, theirs = list(self.parameters()), list(model.parameters())
        return [(a.detach(), m.detach().to(a.device)) for a, m in zip(mine, theirs)]

    def update_parameters(self, model: Module) -> None:
        """Take ``model``'s current weights into the average, then add one to ``n_averaged``.

        The first call copies them; each later call applies ``multi_avg_fn`` (per device and dtype group),
        ``avg_fn`` (per tensor) or the equal average. Without ``use_buffers`` the buffers are then copied
        from ``model`` unchanged, so they always match its latest running statistics."""
        with no_grad():
            pairs = self._pairs(model)
            count = _count(self.n_averaged)
            if count == 0:
                for averaged, current in pairs:
                    averaged.copy_(current)
            elif self.avg_fn is not None:
                for averaged, current in pairs:
                    averaged.copy_(self.avg_fn(averaged, current, self.n_averaged.to(averaged.device)))
            else:
                groups: dict[tuple[str, Any], tuple[list[Tensor], list[Tensor]]] = {}
                for averaged, current in pairs:
                    mine, theirs = groups.setdefault((str(averaged.device), averaged.dtype), ([], []))
                    mine.append(averaged)
                    theirs.append(current)
                swa = get_swa_avg_fn()
                for (device, _), (mine, theirs) in groups.items():
                    n = self.n_averaged.to(device)
                    if self.multi_avg_fn is not None:
                        self.multi_avg_fn(mine, theirs, n)
                    else:
                        for averaged, current in zip(mine, theirs):
                            averaged.copy_(swa(averaged, current, n))
            if not self.use_buffers:
                for b_avg, b_model in zip(self.module.buffers(), model.buffers(), strict=True):
                    b_avg.detach().copy_(b_model.detach().to(b_avg.device))
            self.n_averaged.add_(1)


# ----------------------------------------------------------------------------------- batch norm statistics
def _is_batch_norm(module: Module) -> bool:
    # minigan's instance norm shares batch norm's base class; PyTorch's does not, and update_bn skips it.
    return isinstance(module, _BatchNorm) and not isinstance(module, _InstanceNorm)


def update_bn(loader: Iterable[Any], model: Module, device=None) -> None:
    """Recompute the running mean and variance of every batch norm layer in ``model`` with one pass over
    ``loader``, as ``torch.optim.swa_utils.update_bn``.

    Averaged weights need statistics of their own: the running statistics of the models that went into
    the average describe *their* activations, not the average's. So each batch norm layer forgets its
    statistics, its momentum is set to ``None`` (the cumulative average: batch ``k`` is taken in with weight
    ``1/k``, so after the pass the statistics are the plain mean over all batches), and the model runs in
    training mode, without gradients, on every batch. Afterwards the momenta and the training mode are
    restored. A model without batch norm is left alone.

    Args:
        loader: an iterable of batches; a batch is a Tensor, or a list/tuple whose first item is the input.
        model: the model (e.g. an :class:`AveragedModel`).
        device: if given, each input is moved there first.
    """
    momenta = [(m, m.momentum) for m in model.modules() if _is_batch_norm(m)]
    if not momenta:
        return
    for module, _ in momenta:
        module.reset_running_stats()
    was_training = model.training
    model.train()
    for module, _ in momenta:
        module.momentum = None
    try:
        with no_grad():
            for batch in loader:
                if isinstance(batch, (list, tuple)):
                    batch = batch[0]
                if device is not None:
                    batch = batch.to(device)
                model(batch)
    finally:
        for module, momentum in momenta:
            module.momentum = momentum
        model.train(was_training)


# ----------------------------------------------------------------------------------- the SWA schedule
def _linear_anneal(t: float) -> float:
    return t


def _cosine_anneal(t: float) -> float:
    return (1 - math.cos(math.pi * t)) / 2


class SWALR(LRScheduler):
    """Anneal each group's learning rate to ``swa_lr`` over ``anneal_epochs`` epochs, then hold it there.

    With ``lr_0`` the group's rate when the scheduler is built and ``alpha_e = f(min(1, e / anneal_epochs))``
    (``f(t) = t`` for ``"linear"``, ``f(t) = (1 - cos(pi t)) / 2`` for ``"cos"``), epoch ``e`` has::

        lr_e = alpha_e * swa_lr + (1 - alpha_e) * lr_0           (anneal_epochs = 0: swa_lr from the start)

    As PyTorch's, it steps recursively: each step recovers ``lr_0`` from the current rate by undoing the
    previous epoch's mix, then mixes with the new ``alpha``. ``swa_lr`` is one float or one per group (stored
    as ``group["swa_lr"]``).

    Raises:
        ValueError: a list of ``swa_lr`` whose length is not the number of groups, an ``anneal_strategy``
            other than ``"cos"`` and ``"linear"``, or an ``anneal_epochs`` that is not an int >= 0.
    """

    def __init__(self, optimizer: Optimizer, swa_lr: float | list[float], anneal_epochs: int = 10,
                 anneal_strategy: str = "cos", last_epoch: int = -1) -> None:
        _check_optimizer(optimizer)
        groups = optimizer.param_groups
        if isinstance(swa_lr, (list, tuple)):
            if len(swa_lr) != len(groups):
                raise ValueError(f"swa_lr must have the same length as optimizer.param_groups. swa_lr has "
                                 f"{len(swa_lr)} values, param_groups has {len(groups)}.")
            swa_lrs = list(swa_lr)
        else:
            swa_lrs = [swa_lr] * len(groups)
        for value, group in zip(swa_lrs, groups, strict=True):
            group["swa_lr"] = value
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}")
        self._set_anneal_func(anneal_strategy)
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    def _set_anneal_func(self, anneal_strategy: str) -> None:
        self._anneal_strategy = anneal_strategy
        self.anneal_func = _cosine_anneal if anneal_strategy == "cos" else _linear_anneal

    def _alpha(self, step: int) -> float:
        return self.anneal_func(max(0.0, min(1.0, step / max(1, self.anneal_epochs))))

    def get_lr(self) -> list[float]:
        step = self._step_count - 1            # 0 at the constructor's step
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_alpha, alpha = self._alpha(step - 1), self._alpha(step)
        out = []
        for group in self.optimizer.param_groups:
            lr, swa_lr = group["lr"], group["swa_lr"]
            lr_0 = swa_lr if prev_alpha == 1 else (lr - prev_alpha * swa_lr) / (1 - prev_alpha)
            out.append(swa_lr * alpha + lr_0 * (1 - alpha))
        return out

    def state_dict(self) -> dict[str, Any]:
        """Every attribute but the optimizer and the anneal function (rebuilt from ``_anneal_strategy``)."""
        return {key: copy.deepcopy(value) for key, value in self.__dict__.items()
                if key not in ("optimizer", "anneal_func")}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the attributes saved by :meth:`state_dict`, and the anneal function they name."""
        self.__dict__.update(copy.deepcopy(state_dict))
        self._set_anneal_func(self._anneal_strategy)
