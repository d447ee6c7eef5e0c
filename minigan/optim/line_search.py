"""A line search that satisfies the strong Wolfe conditions (Nocedal & Wright, Algorithms 3.5 and 3.6).

Given a point ``x``, a descent direction ``d`` and the one-dimensional function
``phi(t) = f(x + t d)`` (with slope ``phi'(t) = grad f(x + t d) . d``), find a step ``t`` with

    sufficient decrease:  phi(t) <= phi(0) + c1 * t * phi'(0)          (the Armijo condition)
    curvature:            |phi'(t)| <= c2 * |phi'(0)|                   (the slope has flattened)

``0 < c1 < c2 < 1``; the usual quasi-Newton choice is ``c1 = 1e-4, c2 = 0.9``. Sufficient decrease
stops steps that are too long, the curvature condition stops steps that are too short, and together
they guarantee that L-BFGS's curvature pairs satisfy ``y . s > 0``, which keeps its inverse-Hessian
approximation positive definite.

The search runs in two phases. *Bracketing* (Algorithm 3.5) tries ever longer steps until it finds an
interval that must contain an acceptable step; *zoom* (Algorithm 3.6) then shrinks that interval,
each time trying the minimiser of the cubic that interpolates the values and slopes at its ends.
The details (safeguards, counters, tolerances) follow ``torch.optim.lbfgs._strong_wolfe``, so the two
libraries take the same steps.
"""
from __future__ import annotations

import math
from typing import Callable

__all__ = ["cubic_interpolate", "strong_wolfe"]


def cubic_interpolate(x1: float, f1: float, g1: float, x2: float, f2: float, g2: float,
                      bounds: tuple[float, float] | None = None) -> float:
    """The minimiser of the cubic through ``(x1, f1)``, ``(x2, f2)`` with slopes ``g1``, ``g2``.

    Nocedal & Wright eq. (3.59)::

        d1 = g1 + g2 - 3 (f1 - f2) / (x1 - x2)
        d2 = sign(x2 - x1) sqrt(d1^2 - g1 g2)
        x  = x2 - (x2 - x1) (g2 + d2 - d1) / (g2 - g1 + 2 d2)

    clipped to ``bounds`` (default: the interval between ``x1`` and ``x2``). When the cubic has no
    real minimiser (``d1^2 < g1 g2``) the middle of the bounds is returned instead (bisection).
    """
    if bounds is not None:
        lo, hi = bounds
    else:
        lo, hi = (x1, x2) if x1 <= x2 else (x2, x1)
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 ** 2 - g1 * g2
    if d2_square < 0:
        return (lo + hi) / 2.0
    d2 = math.sqrt(d2_square)
    if x1 <= x2:
        x = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        x = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(x, lo), hi)


def strong_wolfe(phi: Callable[[float], tuple[float, object, float]], t: float, f: float, g, gtd: float,
                 d_norm: float, c1: float = 1e-4, c2: float = 0.9, tolerance_change: float = 1e-9,
                 max_ls: int = 25):
    """Find a step ``t`` along the search direction that meets the strong Wolfe conditions.

    Args:
        phi: ``phi(t) -> (f(x + t d), grad f(x + t d), grad f(x + t d) . d)``; it must leave
            the parameters at ``x`` when it returns.
        t: the first step to try.
        f, g, gtd: ``phi(0)``, the gradient at ``x``, and the slope ``phi'(0) = g . d`` (< 0).
        d_norm: ``max |d_i|``; the zoom stops once the bracket moves the point by less than
            ``tolerance_change``.
        c1, c2: the sufficient-decrease and curvature constants.
        max_ls: the most evaluations of ``phi`` after the first. When the budget runs out before
            a bracket is found, the search returns the better of ``0`` and the last ``t`` (so a
            budget of 0 either takes the first trial step or stays put).

    Returns:
        ``(f_new, g_new, t, evaluations)``: the loss and gradient at ``x + t d``, the step, and
        how many times ``phi`` was called.
    """
    f_new, g_new, gtd_new = phi(t)
    evals = 1
    # Phase 1, bracketing (Algorithm 3.5): walk forward until [t_prev, t] must hold a good step.
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done = False
    ls_iter = 0
    while ls_iter < max_ls:
        if f_new > f + c1 * t * gtd or (ls_iter > 1 and f_new >= f_prev):
            # Too long: phi rose above the sufficient-decrease line, so a minimum lies behind t.
            bracket = [t_prev, t]
            bracket_f, bracket_g, bracket_gtd = [f_prev, f_new], [g_prev, g_new], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            # Both conditions hold: accept t.
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            # The slope turned upwards: phi has a minimum between t_prev and t.
            bracket = [t_prev, t]
            bracket_f, bracket_g, bracket_gtd = [f_prev, f_new], [g_prev, g_new], [gtd_prev, gtd_new]
            break
        # Still going down steeply: extrapolate to a longer step, at most 10 times the current one.
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        t_prev, t = t, cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                                         bounds=(min_step, max_step))
        f_prev, g_prev, gtd_prev = f_new, g_new, gtd_new
        f_new, g_new, gtd_new = phi(t)
        evals += 1
        ls_iter += 1
    if ls_iter == max_ls:  # never bracketed: settle for the better of x and x + t d below
        bracket, bracket_f, bracket_g = [0.0, t], [f, f_new], [g, g_new]

    # Phase 2, zoom (Algorithm 3.6): shrink the bracket; ``low`` indexes the end with the lower loss.
    insufficient_progress = False
    low, high = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break  # the bracket is too small to change the parameters any more
        t = cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0],
                              bracket[1], bracket_f[1], bracket_gtd[1])
        # Safeguard: a trial point hugging one end of the bracket shrinks it too slowly. The
        # first time, allow it; the second time in a row (or at/outside an end), move it to
        # 10% of the bracket's width away from the nearer end.
        lo, hi = min(bracket), max(bracket)
        margin = 0.1 * (hi - lo)
        if min(hi - t, t - lo) < margin:
            if insufficient_progress or t >= hi or t <= lo:
                t = hi - margin if abs(t - hi) < abs(t - lo) else lo + margin
                insufficient_progress = False
            else:
                insufficient_progress = True
        else:
            insufficient_progress = False

        f_new, g_new, gtd_new = phi(t)
        evals += 1
        ls_iter += 1
        if f_new > f + c1 * t * gtd or f_new >= bracket_f[low]:
            # Not a sufficient decrease: t becomes the new high end.
            bracket[high], bracket_f[high], bracket_g[high], bracket_gtd[high] = t, f_new, g_new, gtd_new
            low, high = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True  # the curvature condition holds too
            elif gtd_new * (bracket[high] - bracket[low]) >= 0:
                # The slope at t points towards the old low end: the old low end becomes high.
                bracket[high], bracket_f[high] = bracket[low], bracket_f[low]
                bracket_g[high], bracket_gtd[high] = bracket_g[low], bracket_gtd[low]
            bracket[low], bracket_f[low], bracket_g[low], bracket_gtd[low] = t, f_new, g_new, gtd_new

    return bracket_f[low], bracket_g[low], bracket[low], evals
