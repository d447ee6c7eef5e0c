"""The harness the optimizer parity tests share: one optimizer on two parameters in two groups, fed the same
gradients step by step in minigan and in PyTorch."""
import numpy as np

import minigan as mg
from minigan import backend

# a learning rate for each optimizer, large enough that 20 steps move the parameters well away from the start
LR = {"RMSprop": 1e-2, "Adagrad": 0.1, "Adadelta": 1.0, "Adamax": 2e-2, "NAdam": 2e-2, "RAdam": 2e-2,
      "Rprop": 1e-2, "ASGD": 5e-2}
SHAPES = [(3, 4), (5,)]


def start_values():
    gen = np.random.default_rng(3)
    return [gen.standard_normal(shape) for shape in SHAPES]


def gradients(t, values):
    """The gradients at step ``t``: fixed noise plus ``0.5 * p``, so they depend on where the parameters are."""
    gen = np.random.default_rng(100 + t)
    return [(gen.standard_normal(v.shape) + 0.5 * v).astype(v.dtype) for v in values]


def to_host(v) -> np.ndarray:
    """A host array of a minigan Tensor or array, a torch tensor, or a Python number."""
    if isinstance(v, mg.Tensor) or backend.is_array(v):
        return backend.to_numpy(v.data if isinstance(v, mg.Tensor) else v).copy()
    if hasattr(v, "detach"):
        return v.detach().numpy().copy()
    return np.asarray(v)


class Run:
    """One optimizer on two float64 parameters in two groups (the second with a quarter of the lr), in minigan
    (``lib=None``) or in PyTorch (``lib=torch``, single-tensor code path)."""

    def __init__(self, lib, name, kwargs, values=None, device=None):
        self.lib = lib or mg
        values = start_values() if values is None else values
        self.on = {} if device is None else {"device": device}
        self.params = [self.lib.tensor(v.copy(), requires_grad=True, **self.on) for v in values]
        groups = [{"params": [self.params[0]]}, {"params": [self.params[1]], "lr": LR[name] / 4}]
        extra = {"foreach": False}          # one of the flags that change nothing in minigan, kept in its groups
        self.opt = getattr(self.lib.optim, name)(groups, lr=LR[name], **kwargs, **extra)
        self.t = 0

    def values(self):
        return [to_host(p) for p in self.params]

    def steps(self, n):
        """``n`` steps with the next gradients; returns the parameter values after each."""
        out = []
        for _ in range(n):
            for p, g in zip(self.params, gradients(self.t, self.values())):
                p.grad = self.lib.tensor(g, **self.on)
            self.opt.step()
            self.t += 1
            out.append(self.values())
        return out
