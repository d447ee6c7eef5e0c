"""What a registry entry is (:class:`Case`), how one is added (:func:`_case`), and the makers of its inputs:
standard normal values, values spaced apart (no ties or kinks within eps), values inside a domain, values
away from the integers, constants; and :func:`_seeded` for the ops that draw random numbers."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .. import backend


@dataclass
class Case:
    name: str
    make: Callable[[np.random.Generator], tuple[Callable, list]]  # rng -> (fn, inputs as numpy arrays or specs)


def _t(rs, *shape, positive=False, requires_grad=True):
    a = rs.standard_normal(shape)
    if positive:
        a = np.abs(a) + 0.5
    return ("tensor", a, requires_grad)


def _gap(rs, *shape):
    """Values spaced apart so that max/min/abs/relu have no ties or kinks within eps."""
    n = int(np.prod(shape))
    vals = (rs.permutation(n) - n / 2 + 0.5) * 0.1
    return ("tensor", vals.reshape(shape), True)


def _between(rs, lo, hi, *shape):
    """Uniform values in (lo, hi): inside a function's domain, away from its singular points."""
    return ("tensor", rs.uniform(lo, hi, shape), True)


def _off_grid(rs, *shape):
    """Values whose fractional parts stay in [0.15, 0.85]: no jump of floor, round, fmod... within eps."""
    return ("tensor", rs.integers(-3, 3, shape) + rs.uniform(0.15, 0.85, shape), True)


def _const(a):
    return ("const", a, False)


def _case(name):
    def deco(fn):
        REGISTRY.append(Case(name, fn))
        return fn
    return deco


REGISTRY: list[Case] = []


def _seeded(fn, seed: int = 3):
    """``fn``, reseeding minigan's generators before every call: gradcheck's evaluations all draw the same noise."""
    def call(*xs):
        backend.manual_seed(seed)
        return fn(*xs)
    return call
