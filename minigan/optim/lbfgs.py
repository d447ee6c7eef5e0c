"""L-BFGS: a quasi-Newton method that learns the curvature from the last few steps.

Newton's method steps by ``-H g``, where ``H`` is the inverse Hessian. BFGS builds an approximation
of ``H`` from the steps taken, ``s_k = x_{k+1} - x_k``, and the change they made to the gradient,
``y_k = g_{k+1} - g_k`` (for a quadratic, ``y_k = Hessian s_k`` exactly). *Limited-memory* BFGS
never forms the n x n matrix: it keeps only the last ``m`` pairs ``(s_i, y_i)`` and computes the
product ``H g`` from them in O(m n) with the two-loop recursion (:func:`two_loop_direction`).

Because the method needs to re-evaluate the loss during a step (for the line search), ``step``
takes a *closure* that zeroes the gradients, computes the loss, calls ``backward`` and returns it::

    opt = LBFGS([x], line_search_fn="strong_wolfe")
    def closure():
        opt.zero_grad()
        loss = f(x)
        loss.backward()
        return loss
    opt.step(closure)

The algorithm and its stopping rules follow ``torch.optim.LBFGS``, so both take the same iterates.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Callable

from .. import backend
from ..autograd import enable_grad
from .line_search import strong_wolfe
from .optimizer import Optimizer

__all__ = ["LBFGS", "two_loop_direction"]


def two_loop_direction(grad, old_steps: list, old_dirs: list, ro: list[float], h_diag: float):
    """The quasi-Newton direction ``d = -H g`` (Nocedal & Wright, Algorithm 7.4).

    ``H`` is the L-BFGS inverse-Hessian approximation built from the pairs ``s_i = old_steps[i]``,
    ``y_i = old_dirs[i]`` (oldest first), with ``ro[i] = 1 / (y_i . s_i)``, starting from the
    scaled identity ``H_0 = h_diag * I`` where ``h_diag = (s . y) / (y . y)`` of the newest pair
    (an estimate of the inverse curvature along the last step, eq. 7.20)::

        q = -g
        for i = newest ... oldest:   a_i = ro_i (s_i . q);   q = q - a_i y_i
        r = h_diag * q
        for i = oldest ... newest:   b = ro_i (y_i . r);     r = r + (a_i - b) s_i
        return r

    Shapes: ``grad``, every ``s_i`` and ``y_i``: ``(n,)`` -> ``(n,)``.
    """
    xp = backend.xp_of(grad)
    q = -grad
    alphas = [0.0] * len(old_dirs)
    for i in range(len(old_dirs) - 1, -1, -1):
        alphas[i] = float(xp.dot(old_steps[i], q)) * ro[i]
        q -= alphas[i] * old_dirs[i]
    r = q * h_diag
    for i in range(len(old_dirs)):
        beta = float(xp.dot(old_dirs[i], r)) * ro[i]
        r += (alphas[i] - beta) * old_steps[i]
    return r


class LBFGS(Optimizer):
    """Limited-memory BFGS over all parameters at once (flattened into one vector).

    One call to :meth:`step` runs up to ``max_iter`` iterations, each:

    1. gather the gradient ``g`` of all parameters into one vector;
    2. add the newest pair ``(s, y)`` to the history (only if ``y . s > 1e-10``, which keeps ``H``
       positive definite), dropping the oldest beyond ``history_size``;
    3. direction ``d = -H g`` by the two-loop recursion (``d = -g`` on the very first iteration);
    4. step length: with ``line_search_fn="strong_wolfe"`` a line search (see :mod:`.line_search`)
       starting from ``t = lr``; without, the fixed ``t = lr`` and a re-evaluation of the loss.
       The very first iteration starts from ``t = lr * min(1, 1 / sum|g|)``, as ``d = -g`` has no
       sense of scale yet;
    5. stop on ``max|g| <= tolerance_grad``, on a step or loss change below ``tolerance_change``,
       or after ``max_iter`` iterations / ``max_eval`` closure calls (the line search gets what
       is left of ``max_eval``, and may overrun it by one call).

    Everything it remembers (direction, step, history, previous gradient and loss, counters) is in
    ``state[first parameter]``, and therefore in :meth:`state_dict`, so a resumed run continues
    exactly. Only one parameter group is supported; all parameters must share a device and dtype.

    Args:
        params: the Tensors to optimise.
        lr: the step length (the line search's first trial step).
        max_iter: iterations per :meth:`step`.
        max_eval: closure calls per :meth:`step` (default ``max_iter * 5 // 4``).
        tolerance_grad: stop when every gradient component is at most this in magnitude.
        tolerance_change: stop when the step or the loss changes by less than this.
        history_size: how many ``(s, y)`` pairs to keep (``m``).
        line_search_fn: ``None`` or ``"strong_wolfe"``.
    """

    def __init__(self, params: Iterable, lr: float = 1.0, max_iter: int = 20, max_eval: int | None = None,
                 tolerance_grad: float = 1e-7, tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = None) -> None:
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                        tolerance_change=tolerance_change, history_size=history_size,
                        line_search_fn=line_search_fn)
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError(f"LBFGS: supports one parameter group only, got {len(self.param_groups)}")
        self._params = self.param_groups[0]["params"]
        devices = {backend.device_of(p.data) for p in self._params}
        dtypes = {str(p.dtype) for p in self._params}
        if len(devices) > 1 or len(dtypes) > 1:
            raise ValueError("LBFGS: all parameters must share one device and dtype (they are flattened "
                             f"into one vector), got devices {sorted(devices)} and dtypes {sorted(dtypes)}")

    def _check_group(self, group: dict[str, Any]) -> None:
        if "lr" in group and not group["lr"] > 0:
            raise ValueError(f"LBFGS: lr must be > 0, got {group['lr']}")
        for key in ("max_iter", "max_eval", "history_size"):
            if key in group and not group[key] >= 1:
                raise ValueError(f"LBFGS: {key} must be >= 1, got {group[key]}")
        if group.get("line_search_fn") not in (None, "strong_wolfe"):
            raise ValueError("LBFGS: line_search_fn must be None or 'strong_wolfe', "
                             f"got {group['line_search_fn']!r}")

    # ----------------------------------------------------------------- the flat vector view
    def _gather_flat_grad(self):
        """All gradients as one new vector ``(n,)`` (zeros for parameters without a gradient)."""
        xp = backend.xp_of(self._params[0].data)
        parts = [xp.zeros(p.data.size, dtype=p.dtype) if p.grad is None else p.grad.data.ravel()
                 for p in self._params]
        return xp.concatenate(parts)

    def _add_grad(self, t: float, d) -> None:
        """``x = x + t d``, written into the parameters' arrays slice by slice."""
        offset = 0
        for p in self._params:
            n = p.data.size
            p.data += t * d[offset:offset + n].reshape(p.shape)
            p._bump_version()
            offset += n

    def _clone_params(self) -> list:
        return [p.data.copy() for p in self._params]

    def _set_params(self, arrays: list) -> None:
        for p, a in zip(self._params, arrays):
            p.data[...] = a
            p._bump_version()

    def _evaluate(self, closure: Callable[[], Any]) -> float:
        """Call the closure (recording, even inside ``no_grad``) and return the loss as a float."""
        with enable_grad():
            return float(closure())

    # ----------------------------------------------------------------- the algorithm
    def step(self, closure: Callable[[], Any] | None = None):
        """Run up to ``max_iter`` L-BFGS iterations; returns the loss of the first closure call."""
        if closure is None:
            raise ValueError("LBFGS.step: needs a closure that zeroes the gradients, computes the loss, "
                             "calls backward() and returns the loss")
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        history_size = group["history_size"]
        xp = backend.xp_of(self._params[0].data)

        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        with enable_grad():
            orig_loss = closure()
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._gather_flat_grad()
        if float(xp.abs(flat_grad).max()) <= tolerance_grad:
            return orig_loss  # already at a stationary point

        d, t = state.get("d"), state.get("t")
        old_dirs, old_steps, ro = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        h_diag = state.get("H_diag")
        prev_flat_grad, prev_loss = state.get("prev_flat_grad"), state.get("prev_loss")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1

            # Steps 2-3: update the history with the last step, then d = -H g.
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_steps, ro, h_diag = [], [], [], 1.0
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = float(xp.dot(y, s))
                if ys > 1e-10:
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_steps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_steps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / float(xp.dot(y, y))
                d = two_loop_direction(flat_grad, old_steps, old_dirs, ro, h_diag)
            prev_flat_grad = flat_grad.copy()
            prev_loss = loss

            # Step 4: the step length.
            if state["n_iter"] == 1:
                t = min(1.0, 1.0 / float(xp.abs(flat_grad).sum())) * lr
            else:
                t = lr
            gtd = float(xp.dot(flat_grad, d))  # the slope along d; must be negative to descend
            if gtd > -tolerance_change:
                break

            if group["line_search_fn"] == "strong_wolfe":
                x0 = self._clone_params()

                def phi(step_length: float):
                    """Loss, gradient and slope at x0 + step_length * d; leaves the parameters at x0."""
                    self._add_grad(step_length, d)
                    f_t = self._evaluate(closure)
                    g_t = self._gather_flat_grad()
                    self._set_params(x0)
                    return f_t, g_t, float(xp.dot(g_t, d))

                # The search may use what is left of this step's budget of closure calls.
                loss, flat_grad, t, ls_evals = strong_wolfe(phi, t, loss, flat_grad, gtd,
                                                            d_norm=float(xp.abs(d).max()),
                                                            max_ls=max_eval - current_evals)
                self._add_grad(t, d)
            else:
                self._add_grad(t, d)
                ls_evals = 0
                if n_iter != max_iter:  # the last iteration's loss would go unused
                    loss = self._evaluate(closure)
                    flat_grad = self._gather_flat_grad()
                    ls_evals = 1
            current_evals += ls_evals
            state["func_evals"] += ls_evals

            # Step 5: the stopping rules.
            if n_iter == max_iter or current_evals >= max_eval:
                break
            if float(xp.abs(flat_grad).max()) <= tolerance_grad:
                break
            if float(xp.abs(d * t).max()) <= tolerance_change:
                break
            if abs(loss - prev_loss) < tolerance_change:
                break

        state.update(d=d, t=t, old_dirs=old_dirs, old_stps=old_steps, ro=ro, H_diag=h_diag,
                     prev_flat_grad=prev_flat_grad, prev_loss=prev_loss)
        return orig_loss
