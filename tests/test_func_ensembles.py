"""torch.func's linearize and stack_module_state: a function's linear map at a point, and an ensemble of models
run as one vmap-ed functional_call; held to the plain computations and to PyTorch."""
import minigan as mg
import minigan.func as mf
import numpy as np
import pytest

from helpers import host, randn


def test_linearize_gives_the_value_and_the_jvp(device):
    x = mg.tensor(randn(3, 2), device=device)
    f = lambda t: (t.sin() * t).sum(0)                          # noqa: E731
    out, jvp_fn = mf.linearize(f, x)
    np.testing.assert_allclose(host(out), host(f(x)), rtol=1e-6)
    for seed in (1, 2):
        t = mg.tensor(randn(3, 2, seed=seed), device=device)
        np.testing.assert_allclose(host(jvp_fn(t)), host(mf.jvp(f, (x,), (t,))[1]), rtol=1e-6)
        exact = (np.cos(host(x)) * host(x) + np.sin(host(x))) * host(t)      # d/dx (x sin x) along t
        np.testing.assert_allclose(host(jvp_fn(t)), exact.sum(0), rtol=1e-5, atol=1e-6)


def test_linearize_matches_pytorch(torch):
    a, t = randn(4), randn(4, seed=3)
    ours = mf.linearize(lambda v: v.exp() * v.sum(), mg.tensor(a))[1](mg.tensor(t))
    # torch.func (linearize, jvp) warns from its tracing machinery on import: autograd.functional's jvp is the same map
    theirs = torch.autograd.functional.jvp(lambda v: v.exp() * v.sum(), torch.tensor(a), torch.tensor(t))[1]
    np.testing.assert_allclose(host(ours), theirs.numpy(), rtol=1e-12)


def _ensemble(device, n=3):
    mg.manual_seed(0)
    return [mg.nn.Sequential(mg.nn.Linear(3, 4), mg.nn.BatchNorm1d(4), mg.nn.Tanh(), mg.nn.Linear(4, 2)).to(device)
            for _ in range(n)]


def test_stack_module_state_runs_an_ensemble_with_vmap(device):
    models = _ensemble(device)
    for m in models:
        m.eval()
    params, buffers = mf.stack_module_state(models)
    assert params["0.weight"].shape == (3, 4, 3) and buffers["1.running_mean"].shape == (3, 4)
    assert all(p.requires_grad and p.is_leaf for p in params.values())
    x = mg.tensor(randn(5, 3).astype(np.float32), device=device)
    out = mf.vmap(lambda p, b, x: mf.functional_call(models[0], (p, b), (x,)), in_dims=(0, 0, None))(params, buffers, x)
    assert out.shape == (3, 5, 2)
    for i, m in enumerate(models):
        np.testing.assert_allclose(host(out[i]), host(m(x)), rtol=1e-5, atol=1e-6)
    out.sum().backward()                                          # the stacked leaves train, not the models
    assert params["0.weight"].grad.shape == (3, 4, 3) and models[0][0].weight.grad is None


def test_stack_module_state_matches_pytorch(torch):
    models = _ensemble("cpu", 2)
    tmodels = [torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.Tanh(),
                                   torch.nn.Linear(4, 2)) for _ in models]
    for m, tm in zip(models, tmodels):
        tm.load_state_dict({k: torch.tensor(v.numpy()) for k, v in m.state_dict().items()})
    (p, b), (tp, tb) = mf.stack_module_state(models), torch.func.stack_module_state(tmodels)
    assert list(p) == list(tp) and list(b) == list(tb)
    for k in p:
        np.testing.assert_array_equal(p[k].numpy(), tp[k].detach().numpy())


def test_stack_module_state_errors():
    with pytest.raises(RuntimeError, match="Expected at least one model, got 0"):
        mf.stack_module_state([])
    with pytest.raises(RuntimeError, match="Expected all models to be of the same class"):
        mf.stack_module_state([mg.nn.Linear(3, 4), mg.nn.Conv1d(3, 4, 1)])
    a, b = mg.nn.Linear(3, 4), mg.nn.Linear(3, 4)
    b.eval()
    with pytest.raises(RuntimeError, match="same training/eval mode"):
        mf.stack_module_state([a, b])
