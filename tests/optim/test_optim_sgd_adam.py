"""SGD, Adam and AdamW: hand-computed steps, and step-for-step parity with torch.optim."""
import itertools

import numpy as np
import pytest

import minigan as mg
from minigan.optim import SGD, Adam, AdamW


def quadratic_steps(make_opt, x0, steps=2):
    """Minimise ``sum(x^2)`` (gradient ``2x``) from ``x0``; returns the iterates after each step."""
    x = mg.tensor(x0, requires_grad=True, dtype=np.float64)
    opt = make_opt([x])
    out = []
    for _ in range(steps):
        opt.zero_grad()
        (x ** 2).sum().backward()
        opt.step()
        out.append(x.numpy())
    return np.array(out)


# ----------------------------------------------------------------- hand-computed (no torch needed)
# x0 = [1, -2], lr = 0.1, gradient 2x; each row is x after step 1 and after step 2.
SGD_CASES = {
    # x1 = x0 - 0.1 * 2 x0 = 0.8 x0;  x2 = 0.8 x1
    "plain": (dict(), [[0.8, -1.6], [0.64, -1.28]]),
    # buffer b1 = g0 = [2, -4] (the gradient itself); x1 = [0.8, -1.6]
    # g1 = [1.6, -3.2], b2 = 0.9 b1 + g1 = [3.4, -6.8];  x2 = x1 - 0.1 b2
    "momentum": (dict(momentum=0.9), [[0.8, -1.6], [0.46, -0.92]]),
    # step 1 is undamped: b1 = g0;  b2 = 0.9 b1 + 0.5 g1 = [2.6, -5.2];  x2 = x1 - 0.1 b2
    "dampening": (dict(momentum=0.9, dampening=0.5), [[0.8, -1.6], [0.54, -1.08]]),
    # b1 = g0, step g0 + 0.9 b1 = [3.8, -7.6] -> x1 = [0.62, -1.24];  g1 = [1.24, -2.48],
    # b2 = 0.9 b1 + g1 = [3.04, -6.08], step g1 + 0.9 b2 = [3.976, -7.952] -> x2 = [0.2224, -0.4448]
    "nesterov": (dict(momentum=0.9, nesterov=True), [[0.62, -1.24], [0.2224, -0.4448]]),
    # g = 2x + 0.5x = 2.5x, x1 = 0.75 x0, x2 = 0.75 x1
    "weight_decay": (dict(weight_decay=0.5), [[0.75, -1.5], [0.5625, -1.125]]),
    # ascent: x1 = 1.2 x0, x2 = 1.2 x1
    "maximize": (dict(maximize=True), [[1.2, -2.4], [1.44, -2.88]]),
}


@pytest.mark.parametrize("case", sorted(SGD_CASES))
def test_sgd_matches_hand_computed_steps(case):
    kwargs, expected = SGD_CASES[case]
    got = quadratic_steps(lambda p: SGD(p, lr=0.1, **kwargs), [1.0, -2.0])
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_adam_matches_hand_computed_steps():
    # lr = 0.1, x0 = [1, -2], g = 2x. Step 1: m = 0.1 g, v = 0.001 g^2, so m_hat / sqrt(v_hat) =
    # g / |g| and x1 = x0 - 0.1 * g / (|g| + 1e-8) = [0.9000000005, -1.90000000025].
    # Step 2 (first coordinate): g1 = 1.8, m = 0.09*2 + 0.1*1.8 = 0.36, v = 0.999*0.004 + 0.001*3.24
    # = 0.007236; m_hat = 0.36 / 0.19, v_hat = 0.007236 / 0.001999, x2 = x1 - 0.1 m_hat / sqrt(v_hat).
    got = quadratic_steps(lambda p: Adam(p, lr=0.1), [1.0, -2.0])
    expected = [[0.9000000005, -1.90000000025], [0.8004122286917928, -1.8001664861157012]]
    np.testing.assert_allclose(got, expected, rtol=1e-12)


@pytest.mark.parametrize("amsgrad, x2", [(False, 0.332253058026447), (True, 0.3322835510128204)])
def test_adam_amsgrad_hand_computed(amsgrad, x2):
    # Loss g_t * x with g_0 = 1, then g_1 = 0.01, from x = 0.5, lr = 0.1. Step 1: x1 = 0.4 - 1e-9.
    # Step 2: m = 0.09 + 0.001 = 0.091; v = 0.999 * 0.001 + 1e-7 = 0.0009991 < v_max = 0.001, so
    # AMSGrad divides by sqrt(0.001 / 0.001999) where Adam divides by sqrt(0.0009991 / 0.001999).
    x = mg.tensor([0.5], requires_grad=True, dtype=np.float64)
    opt = Adam([x], lr=0.1, amsgrad=amsgrad)
    seen = []
    for g in (1.0, 0.01):
        opt.zero_grad()
        (x * g).sum().backward()
        opt.step()
        seen.append(x.item())
    np.testing.assert_allclose(seen, [0.400000001, x2], rtol=1e-12)
    assert np.isclose(opt.state[x]["exp_avg"][0], 0.091)
    if amsgrad:
        assert np.isclose(opt.state[x]["max_exp_avg_sq"][0], 0.001)


def test_adam_weight_decay_is_added_to_the_gradient():
    # g = 2x + 0.5x = 2.5x; the first Adam step is lr * sign(g) whatever its size: x1 = x0 -+ 0.1
    got = quadratic_steps(lambda p: Adam(p, lr=0.1, weight_decay=0.5), [1.0, -2.0], steps=1)
    np.testing.assert_allclose(got[0], [0.9, -1.9], atol=1e-8)


@pytest.mark.parametrize("opt_cls", [SGD, Adam])
def test_float32_stays_float32(opt_cls):
    x = mg.tensor([1.0, -2.0], requires_grad=True)
    opt = opt_cls([x], lr=0.1, weight_decay=0.1)
    for _ in range(2):
        opt.zero_grad()
        (x ** 2).sum().backward()
        opt.step()
    assert x.dtype == np.float32
    assert all(v.dtype == np.float32 for v in opt.state[x].values() if hasattr(v, "dtype"))


# ----------------------------------------------------------------- parity with PyTorch
def run_minigan(make_opt, data, steps=5, dtype=np.float64):
    """``steps`` updates on the least-squares problem; returns ``[(w, c), ...]`` after each."""
    A, b = mg.tensor(data["A"], dtype=dtype), mg.tensor(data["b"], dtype=dtype)
    w = mg.tensor(data["w0"], requires_grad=True, dtype=dtype)
    c = mg.tensor(data["c0"], requires_grad=True, dtype=dtype)
    opt = make_opt(mg.optim, w, c)
    out = []
    for _ in range(steps):
        opt.zero_grad()
        ((A @ w + c - b) ** 2).sum().backward()
        opt.step()
        out.append((w.numpy(), c.numpy()))
    return out


def run_torch(torch, make_opt, data, steps=5, dtype=np.float64):
    A, b = torch.tensor(data["A"].astype(dtype)), torch.tensor(data["b"].astype(dtype))
    w = torch.tensor(data["w0"].astype(dtype), requires_grad=True)
    c = torch.tensor(data["c0"].astype(dtype), requires_grad=True)
    opt = make_opt(torch.optim, w, c)
    out = []
    for _ in range(steps):
        opt.zero_grad()
        ((A @ w + c - b) ** 2).sum().backward()
        opt.step()
        out.append((w.detach().numpy().copy(), c.detach().numpy().copy()))
    return out


def assert_same_trajectory(ours, theirs, rtol, atol):
    for step, ((w, c), (tw, tc)) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(w, tw, rtol=rtol, atol=atol, err_msg=f"w after step {step + 1}")
        np.testing.assert_allclose(c, tc, rtol=rtol, atol=atol, err_msg=f"c after step {step + 1}")


SGD_OPTIONS = [dict(momentum=m, dampening=d, nesterov=n, weight_decay=wd, maximize=mx)
               for m, d, n, wd, mx in itertools.product([0.0, 0.9], [0.0, 0.3], [False, True],
                                                        [0.0, 0.1], [False, True])
               if not (n and (m == 0 or d != 0))]


@pytest.mark.parametrize("kwargs", SGD_OPTIONS, ids=lambda k: ",".join(f"{a}={v}" for a, v in k.items()))
def test_sgd_matches_torch(torch, lstsq, kwargs):
    make = lambda optim, w, c: optim.SGD([w, c], lr=0.05, **kwargs)  # noqa: E731
    assert_same_trajectory(run_minigan(make, lstsq), run_torch(torch, make, lstsq), rtol=1e-12, atol=1e-12)


def test_sgd_parameter_groups_match_torch(torch, lstsq):
    def make(optim, w, c):
        return optim.SGD([{"params": [w]}, {"params": [c], "lr": 0.01, "momentum": 0.5}],
                         lr=0.1, momentum=0.9, nesterov=False)
    assert_same_trajectory(run_minigan(make, lstsq), run_torch(torch, make, lstsq), rtol=1e-12, atol=1e-12)


ADAM_OPTIONS = [("Adam", dict(amsgrad=a, weight_decay=wd, maximize=mx))
                for a, wd, mx in itertools.product([False, True], [0.0, 0.1], [False, True])]
ADAM_OPTIONS += [("AdamW", dict(amsgrad=a, weight_decay=wd, maximize=mx))
                 for a, wd, mx in itertools.product([False, True], [0.0, 0.01, 0.3], [False, True])]


@pytest.mark.parametrize("name, kwargs", ADAM_OPTIONS,
                         ids=[name + ":" + ",".join(f"{a}={v}" for a, v in k.items()) for name, k in ADAM_OPTIONS])
def test_adam_and_adamw_match_torch(torch, lstsq, name, kwargs):
    make = lambda optim, w, c: getattr(optim, name)([w, c], lr=0.05, betas=(0.8, 0.99), **kwargs)  # noqa: E731
    assert_same_trajectory(run_minigan(make, lstsq), run_torch(torch, make, lstsq), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name, group", [("Adam", {}), ("AdamW", {"weight_decay": 0.5})])
def test_adam_and_adamw_float32_and_groups_match_torch(torch, lstsq, name, group):
    def make(optim, w, c):
        return getattr(optim, name)([{"params": [w], "lr": 0.02, **group}, {"params": [c]}], lr=0.1, amsgrad=True)
    ours = run_minigan(make, lstsq, dtype=np.float32)
    assert ours[-1][0].dtype == np.float32
    assert_same_trajectory(ours, run_torch(torch, make, lstsq, dtype=np.float32), rtol=1e-5, atol=1e-6)


def test_sgd_default_lr_and_named_parameters_match_torch(torch, lstsq):
    def make(optim, w, c):
        return optim.SGD([("w", w), ("c", c)], momentum=0.9)       # lr left at its default
    assert_same_trajectory(run_minigan(make, lstsq), run_torch(torch, make, lstsq), rtol=1e-12, atol=1e-12)


def test_named_parameter_groups_match_torch(torch, lstsq):
    def make(optim, w, c):
        return optim.Adam([{"params": [("w", w)]}, {"params": [("c", c)], "lr": 0.01}], lr=0.1)
    assert_same_trajectory(run_minigan(make, lstsq), run_torch(torch, make, lstsq), rtol=1e-10, atol=1e-12)
    w = torch.zeros(1, requires_grad=True)
    assert torch.optim.SGD([("w", w)]).param_groups[0]["param_names"] == \
        SGD([("w", mg.zeros(1, requires_grad=True))]).param_groups[0]["param_names"] == ["w"]


# ----------------------------------------------------------------- AdamW
def test_adamw_matches_hand_computed_step():
    # lr = 0.1, weight_decay = 0.5, x0 = [1, -2], g = 2 x0. Decay first: x0 (1 - 0.05) = [0.95, -1.9];
    # then Adam's first step, lr * g / (|g| + 1e-8): x1 = [0.95 - 0.1 (1 - 5e-9), -1.9 + 0.1 (1 - 2.5e-9)]
    got = quadratic_steps(lambda p: AdamW(p, lr=0.1, weight_decay=0.5), [1.0, -2.0], steps=1)
    np.testing.assert_allclose(got[0], [0.8500000005, -1.80000000025], rtol=1e-12)


def test_adamw_decay_is_decoupled_from_the_gradient():
    # with a zero gradient Adam's L2 term is the whole gradient, so its first step is a full lr * sign(p);
    # AdamW's moments stay 0 and only the decay acts: p (1 - lr * weight_decay)
    for opt_cls, want in [(Adam, [0.9, -1.9]), (AdamW, [0.95, -1.9])]:
        x = mg.tensor([1.0, -2.0], requires_grad=True, dtype=np.float64)
        opt = opt_cls([x], lr=0.1, weight_decay=0.5)
        (x * 0).sum().backward()
        opt.step()
        np.testing.assert_allclose(x.numpy(), want, rtol=1e-7)
    assert isinstance(opt, Adam) and not opt.state[x]["exp_avg"].any()


def test_adamw_defaults_are_torchs(torch):
    w = torch.zeros(1, requires_grad=True)
    theirs = torch.optim.AdamW([w]).defaults
    ours = AdamW([mg.zeros(1, requires_grad=True)]).defaults
    assert ours == {k: theirs[k] for k in ours}
    assert ours["weight_decay"] == 0.01


def test_adamw_default_weight_decay_matches_torch(torch, lstsq):
    make = lambda optim, w, c: optim.AdamW([w, c], lr=0.1)  # noqa: E731
    assert_same_trajectory(run_minigan(make, lstsq, dtype=np.float32), run_torch(torch, make, lstsq, dtype=np.float32),
                           rtol=1e-5, atol=1e-6)


def test_adamw_state_dict_round_trip(lstsq):
    def make(optim, w, c):
        return optim.AdamW([{"params": [w]}, {"params": [c], "lr": 0.02}], lr=0.05, weight_decay=0.2, amsgrad=True)
    expected = run_minigan(make, lstsq, steps=5)[-1]

    A, b = mg.tensor(lstsq["A"], dtype=np.float64), mg.tensor(lstsq["b"], dtype=np.float64)

    def steps(opt, w, c, n):
        for _ in range(n):
            opt.zero_grad()
            ((A @ w + c - b) ** 2).sum().backward()
            opt.step()
    w = mg.tensor(lstsq["w0"], requires_grad=True, dtype=np.float64)
    c = mg.tensor(lstsq["c0"], requires_grad=True, dtype=np.float64)
    opt = make(mg.optim, w, c)
    steps(opt, w, c, 2)
    saved = opt.state_dict()
    assert [g["weight_decay"] for g in saved["param_groups"]] == [0.2, 0.2]
    assert sorted(saved["state"][0]) == ["exp_avg", "exp_avg_sq", "max_exp_avg_sq", "step"]
    w2, c2 = (mg.tensor(p.numpy(), requires_grad=True) for p in (w, c))
    opt2 = make(mg.optim, w2, c2)
    opt2.load_state_dict(saved)
    steps(opt2, w2, c2, 3)
    np.testing.assert_array_equal(w2.numpy(), expected[0])
    np.testing.assert_array_equal(c2.numpy(), expected[1])


def test_adamw_errors_are_torchs():
    x = mg.zeros(1, requires_grad=True)
    with pytest.raises(ValueError, match=r"^Invalid weight_decay value: -0.1$"):
        AdamW([x], weight_decay=-0.1)
    with pytest.raises(ValueError, match=r"^Invalid beta parameter at index 1: 1.0$"):
        AdamW([x], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match=r"^AdamW: betas must be a pair"):
        AdamW([x], betas=(0.9, 0.9, 0.9))
    with pytest.raises(TypeError):      # maximize is keyword-only, as in torch.optim.AdamW
        AdamW([x], 1e-3, (0.9, 0.999), 1e-8, 0.01, False, True)
