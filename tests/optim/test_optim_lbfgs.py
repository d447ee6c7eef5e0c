"""L-BFGS: convergence on Rosenbrock and least squares, the line search, and parity with torch.optim.LBFGS."""
import importlib

import numpy as np
import pytest

import minigan as mg
from minigan.optim import LBFGS
from minigan.optim.lbfgs import two_loop_direction
from minigan.optim.line_search import cubic_interpolate, strong_wolfe


def rosenbrock(a, b):
    """``(1 - a)^2 + 100 (b - a^2)^2``, minimum 0 at ``(1, 1)``; works for minigan and torch tensors."""
    return ((1 - a) ** 2 + 100 * (b - a ** 2) ** 2).sum()


def make_closure(opt, loss_fn):
    def closure():
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        return loss
    return closure


def rosenbrock_run(lib, calls, **kwargs):
    """``calls`` LBFGS steps on Rosenbrock from (-1.5, 2) in float64; the point after each step."""
    float64 = np.float64 if lib is mg else lib.float64
    a = lib.tensor([-1.5], requires_grad=True, dtype=float64)
    b = lib.tensor([2.0], requires_grad=True, dtype=float64)
    opt = lib.optim.LBFGS([a, b], **kwargs)
    closure = make_closure(opt, lambda: rosenbrock(a, b))
    out = []
    for _ in range(calls):
        opt.step(closure)
        out.append([a.detach().numpy()[0].item(), b.detach().numpy()[0].item()])
    return np.array(out), opt


def test_rosenbrock_converges_with_strong_wolfe():
    path, opt = rosenbrock_run(mg, calls=1, max_iter=200, line_search_fn="strong_wolfe",
                               tolerance_grad=1e-12, tolerance_change=1e-14)
    np.testing.assert_allclose(path[-1], [1.0, 1.0], atol=1e-5)
    state = opt.state[opt.param_groups[0]["params"][0]]
    assert 10 < state["n_iter"] < 200  # it took real iterations, and stopped before the cap
    assert state["func_evals"] >= state["n_iter"]


def test_rosenbrock_matches_torch(torch):
    # 16 iterations over 4 calls, so the history fills and wraps; rounding differences grow along
    # Rosenbrock's valley (about 1e-14 after 8 iterations, 1e-11 after 16), hence the tolerance.
    kwargs = dict(max_iter=4, line_search_fn="strong_wolfe", history_size=3)
    ours, _ = rosenbrock_run(mg, calls=4, **kwargs)
    theirs, _ = rosenbrock_run(torch, calls=4, **kwargs)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-9)


def lstsq_run(lib, data, calls, **kwargs):
    A, b = lib.tensor(data["A"]), lib.tensor(data["b"])
    w = lib.tensor(data["w0"], requires_grad=True)
    c = lib.tensor(data["c0"], requires_grad=True)
    opt = lib.optim.LBFGS([w, c], **kwargs)
    closure = make_closure(opt, lambda: ((A @ w + c - b) ** 2).sum())
    out = []
    for _ in range(calls):
        opt.step(closure)
        out.append(np.concatenate([w.detach().numpy().ravel(), c.detach().numpy().ravel()]))
    return np.array(out), opt


def lstsq_solution(data):
    design = np.hstack([data["A"], np.ones((len(data["A"]), 1))])
    return np.linalg.lstsq(design, data["b"].ravel(), rcond=None)[0]


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_least_squares_is_solved(lstsq, line_search_fn):
    path, _ = lstsq_run(mg, lstsq, calls=3, line_search_fn=line_search_fn, tolerance_change=1e-14)
    np.testing.assert_allclose(path[-1], lstsq_solution(lstsq), atol=1e-6)


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_least_squares_matches_torch(torch, lstsq, line_search_fn):
    kwargs = dict(max_iter=2, line_search_fn=line_search_fn, history_size=2)
    ours, _ = lstsq_run(mg, lstsq, calls=4, **kwargs)
    theirs, _ = lstsq_run(torch, lstsq, calls=4, **kwargs)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-10)


def test_stops_at_once_at_a_stationary_point():
    x = mg.tensor([1.0, 1.0], requires_grad=True, dtype=np.float64)
    opt = LBFGS([x])
    calls = []

    def closure():
        calls.append(1)
        opt.zero_grad()
        loss = ((x - 1) ** 2).sum()
        loss.backward()
        return loss
    assert opt.step(closure).item() == 0.0
    assert len(calls) == 1 and x.numpy().tolist() == [1.0, 1.0]


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_max_eval_limits_closure_calls(line_search_fn):
    _, opt = rosenbrock_run(mg, calls=1, max_iter=50, max_eval=7, line_search_fn=line_search_fn, lr=1e-3)
    state = opt.state[opt.param_groups[0]["params"][0]]
    # the line search gets the budget that is left, and may overrun it by its first trial step
    assert state["func_evals"] in (7, 8)
    assert state["n_iter"] < 50  # stopped by the budget, not by max_iter


# ----------------------------------------------------------------- the pieces
def test_two_loop_recursion_is_the_inverse_hessian_for_a_quadratic():
    # For f = 0.5 x^T Q x, y = Q s exactly. With n mutually Q-conjugate steps (as exact line
    # searches produce on a quadratic) every pair's secant equation H y_i = s_i survives the later
    # updates, so the BFGS matrix is Q^{-1} exactly, whatever H_0 was.
    Q = np.array([[3.0, 1.0, 0.0], [1.0, 2.0, 0.5], [0.0, 0.5, 1.0]])
    steps = []
    for e in np.eye(3):  # Gram-Schmidt in the Q inner product
        steps.append(e - sum((e @ Q @ s) / (s @ Q @ s) * s for s in steps))
    dirs = [Q @ s for s in steps]
    ro = [1.0 / (y @ s) for y, s in zip(dirs, steps)]
    h_diag = (dirs[-1] @ steps[-1]) / (dirs[-1] @ dirs[-1])
    g = np.array([0.3, -1.0, 2.0])
    d = two_loop_direction(g, steps, dirs, ro, h_diag)
    np.testing.assert_allclose(d, -np.linalg.solve(Q, g), rtol=1e-12)


def test_cubic_interpolate_finds_the_minimum_of_a_cubic():
    # f(x) = (x - 1)^3 - 3 (x - 1) has its local minimum at x = 2, slope f' = 3 (x - 1)^2 - 3.
    f = lambda x: (x - 1) ** 3 - 3 * (x - 1)  # noqa: E731
    df = lambda x: 3 * (x - 1) ** 2 - 3  # noqa: E731
    assert np.isclose(cubic_interpolate(1.5, f(1.5), df(1.5), 3.0, f(3.0), df(3.0)), 2.0)
    assert np.isclose(cubic_interpolate(3.0, f(3.0), df(3.0), 1.5, f(1.5), df(1.5)), 2.0)
    # clipped into the bounds
    assert cubic_interpolate(1.5, f(1.5), df(1.5), 3.0, f(3.0), df(3.0), bounds=(2.5, 4.0)) == 2.5


@pytest.mark.parametrize("t0", [0.01, 1.0, 50.0])
def test_strong_wolfe_meets_both_conditions(t0):
    # phi(t) = f(x + t d) for f(x) = x^4 - x at x = 0, d = 1: phi(0) = 0, phi'(0) = -1.
    phi = lambda t: (t ** 4 - t, np.array([4 * t ** 3 - 1.0]), 4 * t ** 3 - 1.0)  # noqa: E731
    f_new, g_new, t, evals = strong_wolfe(phi, t0, 0.0, np.array([-1.0]), -1.0, d_norm=1.0)
    assert f_new <= 0.0 + 1e-4 * t * -1.0          # sufficient decrease
    assert abs(4 * t ** 3 - 1) <= 0.9 * 1.0         # curvature
    assert f_new == t ** 4 - t and g_new[0] == 4 * t ** 3 - 1 and evals >= 1


def test_bad_arguments():
    x = mg.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="line_search_fn"):
        LBFGS([x], line_search_fn="backtracking")
    with pytest.raises(ValueError, match="lr"):
        LBFGS([x], lr=0)
    with pytest.raises(ValueError, match="one parameter group"):
        LBFGS([{"params": [x]}, {"params": [mg.tensor([2.0], requires_grad=True)]}])
    with pytest.raises(ValueError, match="dtype"):
        LBFGS([x, mg.tensor([2.0], requires_grad=True, dtype=np.float64)])
    with pytest.raises(ValueError, match="closure"):
        LBFGS([x]).step()


def narrow_well(t):
    """A 1-D function with a narrow well at t = 0.37 on a gentle slope: the zoom phase has work to do.
    Returns ``(phi(t), phi'(t))``."""
    bump = np.exp(-((t - 0.37) / 0.05) ** 2)
    return -bump - 0.1 * t, bump * 2 * (t - 0.37) / 0.05 ** 2 - 0.1


@pytest.mark.parametrize("t0", [0.3, 0.5])
def test_strong_wolfe_zooms_into_a_narrow_well(t0):
    f0, g0 = narrow_well(0.0)
    phi = lambda t: (narrow_well(t)[0], np.array([narrow_well(t)[1]]), narrow_well(t)[1])  # noqa: E731
    f_new, _, t, evals = strong_wolfe(phi, t0, f0, np.array([g0]), g0, d_norm=1.0, c2=0.1)
    assert f_new <= f0 + 1e-4 * t * g0 and abs(narrow_well(t)[1]) <= 0.1 * abs(g0)
    assert abs(t - 0.37) < 1e-3 and evals > 3


@pytest.mark.parametrize("t0", [0.3, 0.5])
def test_strong_wolfe_matches_torch(torch, t0):
    torch_strong_wolfe = getattr(importlib.import_module("torch.optim.lbfgs"), "_strong_wolfe", None)
    if torch_strong_wolfe is None:
        pytest.skip("this PyTorch has no torch.optim.lbfgs._strong_wolfe to compare with")
    f0, g0 = narrow_well(0.0)
    phi = lambda t: (narrow_well(t)[0], np.array([narrow_well(t)[1]]), narrow_well(t)[1])  # noqa: E731
    ours = strong_wolfe(phi, t0, f0, np.array([g0]), g0, d_norm=1.0, c2=0.1)

    def obj_func(x, t, d):
        f, g = narrow_well(float(t))
        return f, torch.tensor([g], dtype=torch.float64)
    one = torch.tensor([1.0], dtype=torch.float64)
    theirs = torch_strong_wolfe(obj_func, None, t0, one, f0, torch.tensor([g0], dtype=torch.float64),
                                torch.tensor(g0, dtype=torch.float64), c2=0.1)
    assert ours[2] == pytest.approx(float(theirs[2]), rel=1e-12)  # the same step t
    assert ours[3] == theirs[3]  # after the same number of evaluations
