"""Checking gradients against finite differences.

For a function ``y = f(x_1, ..., x_k)`` and a random upstream gradient ``v`` (same shape as ``y``),
backward computes ``g_i = (∂y/∂x_i)ᵀ v``. The central difference

    g_i[j] ≈ ( <f(x_i + eps e_j), v> - <f(x_i - eps e_j), v> ) / (2 eps)

estimates every element of it with an error of order eps² (plus rounding of order 1e-16/eps), which
is why the check runs in float64: in float32 rounding alone is ~1e-7/eps. Lesson 02 plots this.

- :func:`gradcheck`      first derivatives (every element, or one random direction for big inputs);
- :func:`gradgradcheck`  second derivatives: the gradient of the backward pass itself;
- :func:`check_adjoint`  the dot-product test ``<A x, y> = <x, Aᵀ y>`` for a linear map and its transpose.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from . import backend
from .autograd import Tensor, enable_grad, grad as autograd_grad, no_grad

__all__ = ["gradcheck", "gradgradcheck", "check_adjoint", "GradcheckError", "GradcheckReport"]


class GradcheckError(AssertionError):
    """Raised when autograd and finite differences disagree; ``report`` holds the table."""

    def __init__(self, report: "GradcheckReport") -> None:
        super().__init__(str(report))
        self.report = report


@dataclass
class InputResult:
    """How one input's gradient compared."""
    name: str
    shape: tuple
    max_abs_err: float
    max_rel_err: float
    worst_index: tuple
    analytic: float
    numeric: float
    passed: bool


@dataclass
class GradcheckReport:
    """What a check found: one row per input (or one row for a directional check)."""
    what: str
    mode: str
    rows: list[InputResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.rows)

    def __bool__(self) -> bool:
        """A report is true where the check passed, as PyTorch's ``gradcheck`` returns True or False."""
        return self.passed

    @property
    def max_abs_err(self) -> float:
        return max((r.max_abs_err for r in self.rows), default=0.0)

    @property
    def max_rel_err(self) -> float:
        return max((r.max_rel_err for r in self.rows), default=0.0)

    def __str__(self) -> str:
        head = f"{self.what} ({self.mode}): {'passed' if self.passed else 'FAILED'}"
        cols = f"  {'input':<10}{'shape':<18}{'max abs err':>13}{'max rel err':>13}  {'worst at':<16}" \
               f"{'autograd':>14}{'numeric':>14}  ok"
        lines = [head, cols]
        for r in self.rows:
            lines.append(f"  {r.name:<10}{str(r.shape):<18}{r.max_abs_err:>13.3e}{r.max_rel_err:>13.3e}  "
                         f"{str(r.worst_index):<16}{r.analytic:>14.6g}{r.numeric:>14.6g}  "
                         f"{'yes' if r.passed else 'NO'}")
        return "\n".join(lines)


# ----------------------------------------------------------------------------- helpers
def _outputs(y) -> list[Tensor]:
    if isinstance(y, Tensor):
        return [y]
    return [t for t in y if isinstance(t, Tensor)]


def _dot(outs: Sequence[Tensor], vs: Sequence) -> float:
    """sum_k <out_k, v_k> as a Python float (in float64)."""
    total = 0.0
    for o, v in zip(outs, vs):
        xp = backend.xp_of(o.data)
        total += float(xp.sum(o.data.astype(np.float64) * v))
    return total


def _float64_copy(t: Tensor) -> Tensor:
    """A float64 copy of a floating-point tensor; an integer or bool tensor (indices, a mask) is passed on
    as it is. C order: the full check perturbs elements through a flat view, which only a C-contiguous
    array has."""
    if t.data.dtype.kind not in "fc":
        return t
    return Tensor(t.data.astype(np.float64, order="C", copy=True), requires_grad=t.requires_grad)


def _input_copies(inputs) -> list:
    """The inputs of a check (a Tensor, or a sequence of Tensors and other arguments), floating-point
    Tensors copied to float64 (see :func:`_float64_copy`), so the caller's arrays are never changed."""
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    return [_float64_copy(t) if isinstance(t, Tensor) else t for t in inputs]


@contextlib.contextmanager
def _params_as_float64(params: Sequence[Tensor]):
    """Let a check differentiate tensors that ``fn`` closes over (a module's parameters): their
    ``.data`` is swapped for float64 copies during the check and restored after it."""
    saved = [(p, p.data, p.grad) for p in params]
    try:
        for p in params:
            p.data = p.data.astype(np.float64, order="C", copy=True)
            p.grad = None
        yield
    finally:
        for p, data, g in saved:
            p.data, p.grad = data, g


def _compare(name, shape, analytic, numeric, atol, rtol) -> InputResult:
    a = backend.to_numpy(analytic).astype(np.float64).reshape(shape)
    n = backend.to_numpy(numeric).astype(np.float64).reshape(shape)
    err = np.abs(a - n)
    rel = err / np.maximum(np.abs(n), 1e-12)
    bad = ~(err <= atol + rtol * np.abs(n))     # a nan on either side fails too (as torch's allclose)
    if a.size == 0:
        return InputResult(name, tuple(shape), 0.0, 0.0, (), 0.0, 0.0, True)
    # The worst element: the one furthest beyond its tolerance (the biggest error if all pass).
    score = err - (atol + rtol * np.abs(n))
    flat = int(np.argmax(score))
    idx = tuple(int(i) for i in np.unravel_index(flat, a.shape)) if a.ndim else ()
    return InputResult(name, tuple(shape), float(err.max()), float(rel.max()), idx, float(a.reshape(-1)[flat]),
                       float(n.reshape(-1)[flat]), not bool(bad.any()))


# ----------------------------------------------------------------------------- gradcheck
def gradcheck(fn: Callable, inputs: Sequence, grad_outputs=None, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, mode: str = "full", params: Sequence[Tensor] = (), seed: int = 0,
              raise_exception: bool = True, what: str | None = None) -> GradcheckReport:
    """Compare autograd's gradients of ``fn(*inputs)`` with central differences, in float64.

    ``inputs``: a Tensor or a sequence of Tensors and other arguments (the Tensors with ``requires_grad``
    are checked; the others, and non-Tensors, are passed through). Floating-point ones are copied to
    float64 first, so the caller's arrays are never changed; integer and bool ones (indices, masks) are
    passed as they are.
    ``params``: tensors ``fn`` uses without taking them as arguments (a module's parameters); they
    are checked too, and restored afterwards.
    ``grad_outputs``: the upstream gradient ``v``; random (seeded) by default, because all-ones can
    hide a wrong transpose or a swapped index.
    ``mode="full"`` compares every element; ``mode="directional"`` compares the derivative along
    one random direction (two evaluations per input instead of two per element).

    Returns a :class:`GradcheckReport`, true where the check passed (``assert gradcheck(...)`` works as with
    PyTorch's True/False); raises :class:`GradcheckError` (with the table) on failure unless
    ``raise_exception=False``.
    """
    if mode not in ("full", "directional"):
        raise ValueError(f"gradcheck: mode must be 'full' or 'directional', got {mode!r}")
    copies = _input_copies(inputs)
    rs = np.random.default_rng(seed)
    with _params_as_float64(params):
        checked = [(f"input {i}", t) for i, t in enumerate(copies) if isinstance(t, Tensor) and t.requires_grad]
        checked += [(f"param {i}", p) for i, p in enumerate(params)]
        if not checked:
            raise ValueError("gradcheck: no input requires grad; nothing to check")
        outs = _outputs(fn(*copies))
        if grad_outputs is None:
            vs = [backend.to_device(rs.standard_normal(o.shape), o.device) for o in outs]
        else:
            gos = [grad_outputs] if isinstance(grad_outputs, Tensor) or backend.is_array(grad_outputs) \
                else list(grad_outputs)
            vs = [backend.to_device((g.data if isinstance(g, Tensor) else g).astype(np.float64), o.device)
                  for g, o in zip(gos, outs)]
        diff_outs = [(o, v) for o, v in zip(outs, vs) if o.requires_grad]
        if diff_outs:
            analytic = autograd_grad([o for o, _ in diff_outs], [t for _, t in checked],
                                     [Tensor(v) for _, v in diff_outs], allow_unused=True)
        else:
            analytic = [None] * len(checked)
        analytic = [backend.xp_of(t.data).zeros(t.shape) if g is None else g.data
                    for (_, t), g in zip(checked, analytic)]

        def f_at() -> float:
            # Recording stays on: a function may itself differentiate (a gradient penalty calls mg.grad).
            return _dot(_outputs(fn(*copies)), vs)

        report = GradcheckReport(what or getattr(fn, "__name__", "fn"), mode)
        if mode == "full":
            for (name, t), a in zip(checked, analytic):
                numeric = np.zeros(t.numel())
                flat = t.data.reshape(-1)  # a view: perturbing it perturbs t
                for j in range(t.numel()):
                    orig = float(flat[j])
                    flat[j] = orig + eps
                    fp = f_at()
                    flat[j] = orig - eps
                    fm = f_at()
                    flat[j] = orig
                    numeric[j] = (fp - fm) / (2 * eps)
                report.rows.append(_compare(name, t.shape, a, numeric, atol, rtol))
        else:
            dirs = [backend.to_device(rs.standard_normal(t.shape), t.device) for _, t in checked]
            origs = [t.data.copy() for _, t in checked]
            for (_, t), u, o in zip(checked, dirs, origs):
                t.data[...] = o + eps * u
            fp = f_at()
            for (_, t), u, o in zip(checked, dirs, origs):
                t.data[...] = o - eps * u
            fm = f_at()
            for (_, t), o in zip(checked, origs):
                t.data[...] = o
            numeric = (fp - fm) / (2 * eps)
            a = sum(float(backend.xp_of(g).sum(g * u)) for g, u in zip(analytic, dirs))
            report.rows.append(_compare("direction", (), np.float64(a), np.float64(numeric), atol, rtol))
    if raise_exception and not report.passed:
        raise GradcheckError(report)
    return report


def gradgradcheck(fn: Callable, inputs: Sequence, grad_outputs=None, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, mode: str = "full", seed: int = 0,
                  raise_exception: bool = True) -> GradcheckReport:
    """Check second derivatives: gradcheck the function ``(inputs, v) -> (∂f/∂inputs)ᵀ v`` that
    backward computes, with ``create_graph=True`` so that backward's own graph is differentiated."""
    copies = _input_copies(inputs)
    with no_grad():
        outs = _outputs(fn(*copies))
    rs = np.random.default_rng(seed + 1)
    if grad_outputs is None:
        vs = [Tensor(backend.to_device(rs.standard_normal(o.shape), o.device), requires_grad=True) for o in outs]
    else:
        gos = [grad_outputs] if isinstance(grad_outputs, Tensor) else list(grad_outputs)
        vs = [Tensor(backend.to_device((g.data if isinstance(g, Tensor) else g).astype(np.float64), o.device),
                     requires_grad=True) for g, o in zip(gos, outs)]
    pos = [i for i, t in enumerate(copies) if isinstance(t, Tensor) and t.requires_grad]
    n_in = len(copies)

    def first_derivative(*args):
        xs, v = list(args[:n_in]), list(args[n_in:])
        with enable_grad():  # this function IS a backward, even if the caller turned recording off
            ys = [o for o in _outputs(fn(*xs)) if o.requires_grad]
            gs = autograd_grad(ys, [xs[i] for i in pos], v[:len(ys)], create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    first_derivative.__name__ = f"grad of {getattr(fn, '__name__', 'fn')}"
    return gradcheck(first_derivative, copies + vs, eps=eps, atol=atol, rtol=rtol, mode=mode, seed=seed,
                     raise_exception=raise_exception, what=f"gradgradcheck of {getattr(fn, '__name__', 'fn')}")


# ----------------------------------------------------------------------------- adjoint test
def check_adjoint(A: Callable, AT: Callable, x_shape: Sequence[int], y_shape: Sequence[int], device: str = "cpu",
                  dtype=np.float64, rtol: float = 1e-10, seed: int = 0, as_tensor: bool = False) -> dict[str, Any]:
    """The dot-product test of a linear map ``A`` and its claimed transpose ``AT``:
    ``<A x, y> == <x, AT y>`` for random ``x`` and ``y``.

    ``A`` and ``AT`` receive arrays (Tensors with ``as_tensor=True``) and may return either.
    Returns ``{"<Ax,y>": ..., "<x,ATy>": ..., "rel_err": ...}``; raises ``AssertionError`` when the
    relative difference exceeds ``rtol``."""
    rs = np.random.default_rng(seed)
    dev = backend.normalize_device(device)
    x = backend.to_device(rs.standard_normal(tuple(x_shape)).astype(dtype), dev)
    y = backend.to_device(rs.standard_normal(tuple(y_shape)).astype(dtype), dev)

    def call(f, a):
        r = f(Tensor(a)) if as_tensor else f(a)
        return r.data if isinstance(r, Tensor) else r

    ax, aty = call(A, x), call(AT, y)
    if tuple(ax.shape) != tuple(y_shape) or tuple(aty.shape) != tuple(x_shape):
        raise AssertionError(f"check_adjoint: A maps {tuple(x_shape)} -> {tuple(ax.shape)} "
                             f"(expected {tuple(y_shape)}), AT maps {tuple(y_shape)} -> {tuple(aty.shape)} "
                             f"(expected {tuple(x_shape)})")
    lhs = float(backend.xp_of(ax).sum(ax * y))
    rhs = float(backend.xp_of(aty).sum(x * aty))
    rel = abs(lhs - rhs) / max(abs(lhs), abs(rhs), 1e-300)
    result = {"<Ax,y>": lhs, "<x,ATy>": rhs, "rel_err": rel}
    if rel > rtol:
        raise AssertionError(f"check_adjoint: <A x, y> = {lhs!r} but <x, AT y> = {rhs!r} (relative error {rel:.3e} "
                             f"> {rtol:.1e}): AT is not the transpose of A")
    return result
