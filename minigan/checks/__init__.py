"""The registry behind ``minigan gradcheck``: every differentiable op, on awkward shapes.

Each entry names an op, builds its inputs (odd sizes, batch 1, broadcasting, overlapping windows,
padding, dilation, groups, output_padding) and the function to check. ``minigan gradcheck`` runs them
all in float64 and prints one row per op; the test suite runs the same registry, so the command a
learner types and the tests can never disagree about what "checked" means.

The entries are in :mod:`.ops_cases` (tensor ops), :mod:`.linalg_special_cases` (linear algebra, special
functions), :mod:`.nn_cases` (neural-network ops) and :mod:`.distribution_cases`, in the order
``minigan gradcheck`` prints them; :mod:`.registry` says what an entry is."""
from __future__ import annotations

import time

import numpy as np

from .. import backend
from ..autograd import Tensor
from ..gradcheck import gradcheck
from .registry import REGISTRY, Case
from . import ops_cases  # noqa: F401,E402 - importing them registers their entries, in this order
from . import linalg_special_cases  # noqa: F401,E402
from . import nn_cases  # noqa: F401,E402
from . import distribution_cases  # noqa: F401,E402

__all__ = ["REGISTRY", "Case", "build_inputs", "run_case", "run_registry"]


def build_inputs(specs, device: str) -> list:
    out = []
    for kind, arr, rg in specs:
        a = backend.to_device(np.asarray(arr, dtype=np.float64), device)
        out.append(Tensor(a, requires_grad=rg) if kind == "tensor" else a)
    return out


def run_case(case: Case, device: str = "cpu", seed: int = 0):
    """Gradcheck one registry entry in float64 on ``device``; returns the report (raise_exception=False)."""
    rs = np.random.default_rng(seed)
    fn, specs = case.make(rs)
    inputs = build_inputs(specs, device)
    return gradcheck(fn, inputs, raise_exception=False, what=case.name)


def run_registry(device: str = "cpu", op: str | None = None, verbose: bool = True) -> int:
    """What ``minigan gradcheck`` prints: one row per op (only the summary line unless ``verbose``); exit
    status 1 if any op fails."""
    dev = backend.normalize_device(device)
    cases = [c for c in REGISTRY if op is None or op.lower() in c.name.lower()]
    if not cases:
        raise ValueError(f"no registered op matches {op!r}; known ops: " + ", ".join(c.name for c in REGISTRY))
    w = max(len(c.name) for c in cases) + 2                     # the names' column, as wide as the longest
    if verbose:
        print(f"gradcheck on {dev}, float64, central differences (eps 1e-6), random upstream gradients")
        print(f"{'op':<{w}}{'max abs err':>13}{'max rel err':>13}  result")
    failed = 0
    t0 = time.perf_counter()
    for c in cases:
        try:
            rep = run_case(c, dev)
            ok = rep.passed
            line = f"{c.name:<{w}}{rep.max_abs_err:>13.2e}{rep.max_rel_err:>13.2e}  {'pass' if ok else 'FAIL'}"
        except Exception as exc:  # a crash is a failure of that op, not of the command
            ok = False
            line = f"{c.name:<{w}}{'':>13}{'':>13}  FAIL ({type(exc).__name__}: {exc})"
        failed += not ok
        if verbose:
            print(line)
    print(f"{len(cases) - failed} passed, {failed} failed ({time.perf_counter() - t0:.1f} s)")
    return 1 if failed else 0
