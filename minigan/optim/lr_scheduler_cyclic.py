"""Schedules that cycle, stepped once per batch: warm restarts of a cosine (``CosineAnnealingWarmRestarts``), a
triangle between two rates (``CyclicLR``) and the one-cycle policy (``OneCycleLR``), with the names, arguments and
step-by-step values of ``torch.optim.lr_scheduler``. Import them from :mod:`minigan.optim.lr_scheduler`.

Unlike most schedules in :mod:`minigan.optim.lr_scheduler`, these compute each rate from a closed form of the step
count (``last_epoch``, which here counts batches), not from the current ``group["lr"]``; so they do not compose
with another scheduler on the same optimizer.

``CyclicLR`` and ``OneCycleLR`` also cycle the momentum, *inversely* to the rate (a high rate with low momentum,
then the other way round), when ``cycle_momentum`` is true: SGD's and RMSprop's ``group["momentum"]``, or the
first of Adam's ``group["betas"]``.
"""
from __future__ import annotations

import copy
import math
import types
from typing import Any, Callable

from .lr_scheduler import LRScheduler, _check_optimizer, cosine_anneal
from .optimizer import Optimizer

__all__ = ["CosineAnnealingWarmRestarts", "CyclicLR", "OneCycleLR"]


def _per_group(name: str, optimizer: Optimizer, value) -> list:
    """One value per parameter group: a list or tuple as given (of the right length), or one value repeated."""
    groups = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != groups:
            raise ValueError(f"{name} must have the same length as optimizer.param_groups. "
                             f"{name} has {len(value)} values, param_groups has {groups}.")
        return list(value)
    return [value] * groups


def _set_momentum(group: dict[str, Any], momentum: float, use_beta1: bool) -> None:
    if use_beta1:
        group["betas"] = (momentum, *group["betas"][1:])
    else:
        group["momentum"] = momentum


def _start_cycling_momentum(optimizer: Optimizer, base_momentum, max_momentum,
                            last_epoch: int) -> tuple[bool, list[float], list[float]]:
    """Check that ``optimizer`` has a momentum to cycle; on a new schedule (``last_epoch == -1``) set every group's
    momentum to its ``max_momentum`` and record both bounds in the group. Returns ``(use_beta1, base_momentums,
    max_momentums)``, ``use_beta1`` saying whether the momentum is ``betas[0]`` (Adam and its kin)."""
    if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
        raise ValueError("optimizer must support momentum or beta1 with `cycle_momentum` option enabled")
    use_beta1 = "betas" in optimizer.defaults
    base_momentums = _per_group("base_momentum", optimizer, base_momentum)
    max_momentums = _per_group("max_momentum", optimizer, max_momentum)
    if last_epoch == -1:
        for high, low, group in zip(max_momentums, base_momentums, optimizer.param_groups, strict=True):
            _set_momentum(group, high, use_beta1)
            group["max_momentum"] = high
            group["base_momentum"] = low
    return use_beta1, base_momentums, max_momentums


class CosineAnnealingWarmRestarts(LRScheduler):
    """SGDR (Loshchilov & Hutter 2017): ``lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2``,
    where ``T_cur`` counts the epochs since the last restart and ``T_i`` is the length of the current run: a half
    cosine from ``base_lr`` down towards ``eta_min`` over ``T_0`` epochs, then a jump back to ``base_lr`` (a warm
    restart) and another half cosine, each run ``T_mult`` times longer than the one before.

    ``step()`` advances one epoch. ``step(epoch)`` jumps to ``epoch``, which may be fractional, so the rate can
    follow the cosine within an epoch: call ``step(epoch + i / batches_per_epoch)`` after batch ``i``.
    """

    def __init__(self, optimizer: Optimizer, T_0: int, T_mult: int = 1, eta_min: float = 0.0,
                 last_epoch: int = -1) -> None:
        if not isinstance(T_0, int) or T_0 <= 0:
            raise ValueError(f"Expected positive integer T_0, but got {T_0}")
        if not isinstance(T_mult, int) or T_mult < 1:
            raise ValueError(f"Expected integer T_mult >= 1, but got {T_mult}")
        if not isinstance(eta_min, (float, int)):
            raise ValueError(f"Expected float or int eta_min, but got {eta_min} of type {type(eta_min)}")
        self.T_0 = T_0
        self.T_i = T_0              # the length of the current run
        self.T_mult = T_mult
        self.eta_min = eta_min
        self.T_cur = last_epoch     # epochs since the last restart (a float after a fractional step(epoch))
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [cosine_anneal(base, self.eta_min, self.T_cur / self.T_i) for base in self.base_lrs]

    def step(self, epoch: float | None = None) -> None:   # type: ignore[override]
        """Advance one epoch, or with ``epoch`` jump to that (possibly fractional) epoch."""
        self._step_count += 1
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur = self.T_cur + 1
            if self.T_cur >= self.T_i:          # restart
                self.T_cur = self.T_cur % self.T_i
                self.T_i = self.T_i * self.T_mult
        elif epoch < 0:
            raise ValueError(f"Expected non-negative epoch, but got {epoch}")
        elif epoch >= self.T_0:
            if self.T_mult == 1:
                self.T_cur = epoch % self.T_0
            else:
                # runs 0 .. n-1 take T_0 (T_mult^n - 1) / (T_mult - 1) epochs: n is the run that holds `epoch`
                n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
                self.T_cur = epoch - self.T_0 * (self.T_mult ** n - 1) / (self.T_mult - 1)
                self.T_i = self.T_0 * self.T_mult ** n
        else:
            self.T_i = self.T_0
            self.T_cur = epoch
        self.last_epoch = math.floor(epoch)
        self._set_lrs(self.get_lr())


class CyclicLR(LRScheduler):
    """Cyclical learning rates (Smith 2017): the rate climbs from ``base_lr`` to ``max_lr`` in ``step_size_up``
    steps, comes back down in ``step_size_down`` steps (``step_size_up`` if None), and so on::

        cycle = floor(1 + t / (up + down))               which cycle step t is in (1, 2, ...)
        x     = 1 + t / (up + down) - cycle              how far through that cycle, in [0, 1)
        h     = x / r  if x <= r  else (x - 1) / (r - 1),  with r = up / (up + down)   0 -> 1 -> 0
        lr    = base_lr + (max_lr - base_lr) * h * scale

    ``mode`` sets the scale: ``"triangular"`` 1; ``"triangular2"`` ``1 / 2 ** (cycle - 1)`` (each cycle half as
    high); ``"exp_range"`` ``gamma ** t``. A ``scale_fn`` of one number replaces the mode, called with ``cycle``
    (``scale_mode="cycle"``) or ``t`` (``"iterations"``). With ``cycle_momentum`` the momentum moves the other way:
    ``momentum = max_momentum - (max_momentum - base_momentum) * h * scale``.

    The constructor sets every group's rate to its ``base_lr``. ``base_lr``, ``max_lr``, ``base_momentum`` and
    ``max_momentum`` take one value per group or one value for all.

    ``state_dict()`` leaves out a ``scale_fn`` that is a plain function (``None``) and keeps the attributes of a
    callable object, as :class:`LambdaLR` does.
    """

    def __init__(self, optimizer: Optimizer, base_lr: float | list[float], max_lr: float | list[float],
                 step_size_up: int = 2000, step_size_down: int | None = None, mode: str = "triangular",
                 gamma: float = 1.0, scale_fn: Callable[[float], float] | None = None, scale_mode: str = "cycle",
                 cycle_momentum: bool = True, base_momentum: float | list[float] = 0.8,
                 max_momentum: float | list[float] = 0.9, last_epoch: int = -1) -> None:
        _check_optimizer(optimizer)
        base_lrs = _per_group("base_lr", optimizer, base_lr)
        if last_epoch == -1:
            for lr, group in zip(base_lrs, optimizer.param_groups, strict=True):
                group["lr"] = lr
        self.max_lrs = _per_group("max_lr", optimizer, max_lr)
        step_size_up = float(step_size_up)
        step_size_down = float(step_size_down) if step_size_down is not None else step_size_up
        self.total_size = step_size_up + step_size_down
        self.step_ratio = step_size_up / self.total_size
        if mode not in ("triangular", "triangular2", "exp_range") and scale_fn is None:
            raise ValueError("mode is invalid and scale_fn is None")
        self.mode = mode
        self.gamma = gamma
        self._scale_fn_custom = scale_fn
        self.scale_mode = scale_mode
        self._init_scale_fn()
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self.use_beta1, self.base_momentums, self.max_momentums = _start_cycling_momentum(
                optimizer, base_momentum, max_momentum, last_epoch)
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def _init_scale_fn(self) -> None:
        """Each built-in mode scales by the cycle number or by the step count, whatever ``scale_mode`` says."""
        if self._scale_fn_custom is None:
            self.scale_mode = "iterations" if self.mode == "exp_range" else "cycle"

    def scale_fn(self, x: float) -> float:
        """The amplitude's scale at cycle (or step) ``x``."""
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma ** x

    def get_lr(self) -> list[float]:
        """The rates of step ``last_epoch``; with ``cycle_momentum``, also sets the groups' momentum."""
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        if x <= self.step_ratio:
            height = x / self.step_ratio                        # climbing
        else:
            height = (x - 1) / (self.step_ratio - 1)            # coming down
        scale = self.scale_fn(cycle if self.scale_mode == "cycle" else self.last_epoch)
        lrs = [base + (high - base) * height * scale
               for base, high in zip(self.base_lrs, self.max_lrs, strict=True)]
        if self.cycle_momentum:
            for group, low, high in zip(self.optimizer.param_groups, self.base_momentums, self.max_momentums,
                                        strict=True):
                _set_momentum(group, high - (high - low) * height * scale, self.use_beta1)
        return lrs

    def state_dict(self) -> dict[str, Any]:
        state = {key: copy.deepcopy(value) for key, value in self.__dict__.items()
                 if key not in ("optimizer", "_scale_fn_custom")}
        fn = self._scale_fn_custom
        state["_scale_fn_custom"] = (None if fn is None or isinstance(fn, types.FunctionType)
                                     else copy.deepcopy(fn.__dict__))
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state = copy.deepcopy(state_dict)
        saved_fn = state.pop("_scale_fn_custom")
        self.__dict__.update(state)
        if saved_fn is not None:
            self._scale_fn_custom.__dict__.update(saved_fn)
        self._init_scale_fn()


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith & Topin 2018), over exactly ``total_steps`` batches (or ``epochs *
    steps_per_epoch``): the rate climbs from ``max_lr / div_factor`` (the group's ``initial_lr``) to ``max_lr``
    over the first ``pct_start`` of the steps, then anneals down to ``initial_lr / final_div_factor`` (``min_lr``)
    by the last step. ``anneal_strategy`` shapes each phase: ``"cos"`` (half a cosine) or ``"linear"``.

    ``three_phase=True`` follows the paper instead of fastai: up to ``max_lr``, back down to ``initial_lr`` in as
    many steps, then on down to ``min_lr``. With ``cycle_momentum`` the momentum goes the other way, from
    ``max_momentum`` down to ``base_momentum`` while the rate climbs, and back up while it falls.

    Phase ``i`` ends at step ``end_i`` (``pct_start * total_steps - 1`` for the first, ``total_steps - 1`` for the
    last); within it, at step ``t``, ``pct = (t - end_{i-1}) / (end_i - end_{i-1})`` and::

        cos:    lr = end + (start - end) * (1 + cos(pi * pct)) / 2
        linear: lr = start + (end - start) * pct

    The constructor sets ``initial_lr``, ``max_lr`` and ``min_lr`` in every group (and ``max_momentum`` and
    ``base_momentum``), and ``get_lr`` reads them there. Stepping beyond ``total_steps`` is an error.
    """

    def __init__(self, optimizer: Optimizer, max_lr: float | list[float], total_steps: int | None = None,
                 epochs: int | None = None, steps_per_epoch: int | None = None, pct_start: float = 0.3,
                 anneal_strategy: str = "cos", cycle_momentum: bool = True,
                 base_momentum: float | list[float] = 0.85, max_momentum: float | list[float] = 0.95,
                 div_factor: float = 25.0, final_div_factor: float = 1e4, three_phase: bool = False,
                 last_epoch: int = -1) -> None:
        _check_optimizer(optimizer)
        if total_steps is not None:
            if not isinstance(total_steps, int) or total_steps <= 0:
                raise ValueError(f"Expected positive integer total_steps, but got {total_steps}")
            self.total_steps = total_steps
        elif epochs is not None and steps_per_epoch is not None:
            if not isinstance(epochs, int) or epochs <= 0:
                raise ValueError(f"Expected positive integer epochs, but got {epochs}")
            if not isinstance(steps_per_epoch, int) or steps_per_epoch <= 0:
                raise ValueError(f"Expected positive integer steps_per_epoch, but got {steps_per_epoch}")
            self.total_steps = epochs * steps_per_epoch
        else:
            raise ValueError("You must define either total_steps OR (epochs AND steps_per_epoch)")
        up_end = float(pct_start * self.total_steps) - 1
        if three_phase:
            self._schedule_phases = [
                _phase(up_end, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                _phase(float(2 * pct_start * self.total_steps) - 2, "max_lr", "initial_lr", "base_momentum",
                       "max_momentum"),
                _phase(self.total_steps - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum"),
            ]
        else:
            self._schedule_phases = [
                _phase(up_end, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                _phase(self.total_steps - 1, "max_lr", "min_lr", "base_momentum", "max_momentum"),
            ]
        if not isinstance(pct_start, float) or pct_start < 0 or pct_start > 1:
            raise ValueError(f"Expected float between 0 and 1 pct_start, but got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}")
        self._anneal_func_type = anneal_strategy

        max_lrs = _per_group("max_lr", optimizer, max_lr)
        if last_epoch == -1:
            for group, high in zip(optimizer.param_groups, max_lrs, strict=True):
                group["initial_lr"] = high / div_factor
                group["max_lr"] = high
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self.use_beta1, _, _ = _start_cycling_momentum(optimizer, base_momentum, max_momentum, last_epoch)
        super().__init__(optimizer, last_epoch)

    def _anneal(self, start: float, end: float, pct: float) -> float:
        """From ``start`` (pct 0) to ``end`` (pct 1), along half a cosine or a straight line."""
        if self._anneal_func_type == "cos":
            return cosine_anneal(start, end, pct)
        return (end - start) * pct + start

    def get_lr(self) -> list[float]:
        """The rates of step ``last_epoch``; with ``cycle_momentum``, also sets the groups' momentum."""
        t = self.last_epoch
        if t > self.total_steps:
            raise ValueError(f"Tried to step {t} times. The specified number of total steps is {self.total_steps}")
        lrs = []
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for i, phase in enumerate(self._schedule_phases):
                end_step = phase["end_step"]
                if t <= end_step or i == len(self._schedule_phases) - 1:
                    pct = (t - start_step) / (end_step - start_step)
                    lrs.append(self._anneal(group[phase["start_lr"]], group[phase["end_lr"]], pct))
                    if self.cycle_momentum:
                        momentum = self._anneal(group[phase["start_momentum"]], group[phase["end_momentum"]], pct)
                        _set_momentum(group, momentum, self.use_beta1)
                    break
                start_step = end_step
        return lrs


def _phase(end_step: float, start_lr: str, end_lr: str, start_momentum: str, end_momentum: str) -> dict[str, Any]:
    """One phase of :class:`OneCycleLR`: its last step, and the group keys of its start and end values."""
    return {"end_step": end_step, "start_lr": start_lr, "end_lr": end_lr, "start_momentum": start_momentum,
            "end_momentum": end_momentum}
