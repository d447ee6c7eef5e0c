"""minigan.func (torch.func's function transforms): values and gradients against torch.func in float64,
compositions, per-sample gradients with vmap + functional_call, has_aux, argnums, out_dims and the errors."""
from __future__ import annotations

import numpy as np
import pytest

import minigan as mg
import minigan.func as mf
import minigan.nn as nn
import minigan.nn.functional as F
from helpers import check_grad, randn, tensors

# torch.func's own transforms script some of their helpers with torch.jit, which torch 2.13 warns about
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")


def close(a, b, atol=1e-10):
    """Two tensors (minigan or torch), or two tuples/lists/dicts of them, hold the same numbers."""
    if isinstance(a, dict):
        assert list(a) == list(b)
        return [close(a[k], b[k], atol) for k in a]
    if isinstance(a, (tuple, list)):
        assert len(a) == len(b)
        return [close(x, y, atol) for x, y in zip(a, b)]
    b = b.detach().numpy() if hasattr(b, "detach") else np.asarray(b)
    np.testing.assert_allclose(a.numpy(), b, atol=atol, rtol=1e-9)


def both(torch, *arrays):
    return [mg.tensor(a) for a in arrays], [torch.tensor(a) for a in arrays]


def f_mg(x, y):
    return (x.sin() * y + x * x * y.exp()).sum()


def f_t(x, y):
    return (x.sin() * y + x * x * y.exp()).sum()


# --------------------------------------------------------------------------- grad
@pytest.mark.parametrize("argnums", [0, 1, -1, (0, 1), (1, 0)])
def test_grad_matches_torch(torch, argnums):
    (x, y), (tx, ty) = both(torch, randn(3, 2, seed=1), randn(3, 2, seed=2))
    close(mf.grad(f_mg, argnums=argnums)(x, y), torch.func.grad(f_t, argnums=argnums)(tx, ty))
    g, v = mf.grad_and_value(f_mg, argnums=argnums)(x, y)
    tg, tv = torch.func.grad_and_value(f_t, argnums=argnums)(tx, ty)
    close(g, tg)
    close(v, tv)


def test_grad_of_a_dict_of_tensors_and_has_aux(torch):
    (w, b), (tw, tb) = both(torch, randn(2, 3, seed=3), randn(2, seed=4))
    x_np = randn(5, 3, seed=5)

    def loss(p, x):
        out = x @ p["w"].T + p["b"]
        return (out ** 2).mean(), out.sum()
    g, aux = mf.grad(loss, has_aux=True)({"w": w, "b": b}, mg.tensor(x_np))
    tg, taux = torch.func.grad(loss, has_aux=True)({"w": tw, "b": tb}, torch.tensor(x_np))
    close(g, tg)
    close(aux, taux)
    assert not aux.requires_grad and not g["w"].requires_grad
    (g2, (v2, aux2)) = mf.grad_and_value(loss, has_aux=True)({"w": w, "b": b}, mg.tensor(x_np))
    close(g2, tg)
    close(v2, loss({"w": tw, "b": tb}, torch.tensor(x_np))[0])
    close(aux2, taux)


def test_grad_of_unused_input_is_zeros_and_callers_tensors_untouched():
    x, y = tensors("cpu", randn(3, seed=6), randn(3, seed=7))
    g = mf.grad(lambda a, b: (b * b).sum())(x, y)
    np.testing.assert_array_equal(g.numpy(), np.zeros(3))
    assert x.grad is None and y.grad is None
    g = mf.grad(lambda a: mg.tensor(2.0, dtype=mg.float64))(x)      # a constant: its gradient is zero
    np.testing.assert_array_equal(g.numpy(), np.zeros(3))


def test_grad_stays_connected_to_the_callers_graph(torch):
    """torch.func.grad of a tensor that requires grad can be differentiated again by ordinary backward."""
    x = mg.tensor(randn(4, seed=8), requires_grad=True)
    tx = torch.tensor(randn(4, seed=8), requires_grad=True)
    g = mf.grad(lambda a: (a ** 3).sum())(x)
    tg = torch.func.grad(lambda a: (a ** 3).sum())(tx)
    assert g.requires_grad and tg.requires_grad
    (g * g).sum().backward()
    (tg * tg).sum().backward()
    close(x.grad, tx.grad)
    plain = mf.grad(lambda a: (a ** 3).sum())(x.detach())
    assert not plain.requires_grad
    w = mg.tensor(randn(4, seed=9), requires_grad=True)                 # a closed-over weight keeps its graph
    assert mf.grad(lambda a: (a * w).sum())(x.detach()).requires_grad
    with mg.no_grad():
        assert not mf.grad(lambda a: (a ** 3).sum())(x).requires_grad


def test_grad_of_grad_is_the_second_derivative(torch):
    (x,), (tx,) = both(torch, randn(5, seed=10))

    def d(f):
        return lambda a: f(a).sum()
    g2 = mf.grad(d(mf.grad(lambda a: (a.sin() * a ** 3).sum())))(x)
    tg2 = torch.func.grad(d(torch.func.grad(lambda a: (a.sin() * a ** 3).sum())))(tx)
    close(g2, tg2)
    g3 = mf.grad(d(mf.grad(d(mf.grad(lambda a: (a ** 4).sum())))))(x)
    close(g3, 24 * x.numpy())


def test_grad_is_gradchecked(device):
    """The gradient itself is differentiable: gradcheck it against finite differences, on every device."""
    check_grad(lambda x, y: mf.grad(f_mg, argnums=(0, 1))(x, y)[0] * 1.5, randn(2, 3, seed=11), randn(2, 3, seed=12),
               device=device)
    check_grad(lambda x: mf.jacrev(lambda a: a.exp() * a.sum())(x), randn(1, 3, seed=13), device=device)


def test_grad_keeps_float32(torch):
    x = mg.tensor(randn(3, seed=14).astype(np.float32))
    g = mf.grad(lambda a: (a * a).sum())(x)
    assert g.dtype == np.float32 and torch.func.grad(lambda a: (a * a).sum())(torch.tensor(x.numpy())).dtype \
        == torch.float32


# --------------------------------------------------------------------------- vjp, jvp, jacobians
def test_vjp_matches_torch(torch):
    (x, y), (tx, ty) = both(torch, randn(3, seed=13), randn(3, seed=14))
    (v,), (tv,) = both(torch, randn(3, seed=15))
    out, fn = mf.vjp(lambda a, b: a * b.exp(), x, y)
    tout, tfn = torch.func.vjp(lambda a, b: a * b.exp(), tx, ty)
    close(out, tout)
    close(fn(v), tfn(tv))
    close(fn(v * 2), tfn(tv * 2))                 # vjp_fn can be called again
    assert isinstance(fn(v), tuple) and not out.requires_grad
    out, fn, aux = mf.vjp(lambda a: (a * a, {"s": a.sum()}), x, has_aux=True)
    close(aux["s"], tx.sum())
    close(fn(v), (2 * x * v,))


def test_vjp_of_pytree_output_and_errors():
    x = mg.tensor(randn(3, seed=16))
    out, fn = mf.vjp(lambda a: {"p": a * 2, "q": (a * a).sum()}, x)
    (g,) = fn({"p": mg.ones(3, dtype=mg.float64), "q": mg.tensor(1.0, dtype=mg.float64)})
    close(g, 2 + 2 * x.numpy())
    with pytest.raises(RuntimeError, match="structure of cotangents to be the same"):
        fn((mg.ones(3),))
    with pytest.raises(RuntimeError, match=r"Mismatch in shape: grad_output\[0\]"):
        mf.vjp(lambda a: a * 2, x)[1](mg.ones(2, dtype=mg.float64))


def test_jvp_matches_torch(torch):
    (x, y, u, w), (tx, ty, tu, tw) = both(torch, *(randn(2, 3, seed=s) for s in range(17, 21)))
    out, jo = mf.jvp(lambda a, b: (a * b.sin(), a.sum()), (x, y), (u, w))
    tout, tjo = torch.func.jvp(lambda a, b: (a * b.sin(), a.sum()), (tx, ty), (tu, tw))
    close(out, tout)
    close(jo, tjo)
    out, jo, aux = mf.jvp(lambda a: (a.exp(), a.sum()), (x,), (u,), has_aux=True)
    close(jo, tx.exp() * tu)
    close(aux, tx.sum())
    assert not jo.requires_grad


def test_jvp_errors():
    x = mg.tensor(randn(3, seed=21))
    with pytest.raises(RuntimeError, match="Expected primals to be a tuple"):
        mf.jvp(lambda a: a, x, x)
    with pytest.raises(RuntimeError, match="same python structure"):
        mf.jvp(lambda a: a, (x,), (x, x))
    with pytest.raises(RuntimeError, match="forward gradient is of size"):
        mf.jvp(lambda a: a, (x,), (mg.ones(2, dtype=mg.float64),))


@pytest.mark.parametrize("jac", ["jacrev", "jacfwd"])
def test_jacobians_match_torch(torch, jac):
    (x, y), (tx, ty) = both(torch, randn(2, 3, seed=22), randn(3, seed=23))

    def g(a, b, lib):
        return (a * b).tanh(), {"s": (a.exp() * b).sum(dim=0)}
    for argnums in (0, 1, (0, 1)):
        got = getattr(mf, jac)(lambda a, b: g(a, b, mg), argnums=argnums)(x, y)
        want = getattr(torch.func, jac)(lambda a, b: g(a, b, torch), argnums=argnums)(tx, ty)
        close(got, want)
    got, aux = getattr(mf, jac)(lambda a: (a.sin(), a.sum()), has_aux=True)(x)
    want, taux = getattr(torch.func, jac)(lambda a: (a.sin(), a.sum()), has_aux=True)(tx)
    close(got, want)
    close(aux, taux)
    assert got.shape == (2, 3, 2, 3)


def test_hessian_matches_torch_and_jacrev_of_jacrev(torch):
    (x, y), (tx, ty) = both(torch, randn(3, seed=24), randn(2, seed=25))

    def h(a, b):
        return (a.sin().sum() * b.exp()).sum() + (a ** 3).sum()
    for argnums in (0, 1, (0, 1)):
        got = mf.hessian(h, argnums=argnums)(x, y)
        close(got, torch.func.hessian(h, argnums=argnums)(tx, ty))
        close(got, mf.jacrev(mf.jacrev(h, argnums=argnums), argnums=argnums)(x, y))
    assert mf.hessian(h, argnums=(0, 1))(x, y)[0][1].shape == (3, 2)


# --------------------------------------------------------------------------- vmap
def test_vmap_matches_torch(torch):
    (x, y), (tx, ty) = both(torch, randn(4, 3, seed=26), randn(3, 4, seed=27))
    cases = [((x, y.T), (tx, ty.T), 0, 0), ((x, y), (tx, ty), (0, 1), 1), ((x, y), (tx, ty), (0, -1), -1),
             ((y, x), (ty, tx), (1, 0), 0)]
    for args, targs, in_dims, out_dims in cases:
        got = mf.vmap(lambda p, q: p * q.exp(), in_dims=in_dims, out_dims=out_dims)(*args)
        close(got, torch.func.vmap(lambda p, q: p * q.exp(), in_dims=in_dims, out_dims=out_dims)(*targs))


def test_vmap_pytrees_unmapped_arguments_and_nesting(torch):
    (x, w), (tx, tw) = both(torch, randn(5, 3, seed=28), randn(3, 2, seed=29))

    def layer(d, m):
        return {"o": d["x"] @ m, "n": (d["x"] ** 2).sum()}, d["x"].max()
    got = mf.vmap(layer, in_dims=({"x": 0}, None))({"x": x}, w)
    close(got, torch.func.vmap(layer, in_dims=({"x": 0}, None))({"x": tx}, tw))
    got = mf.vmap(mf.vmap(lambda a, b: a * b, in_dims=(0, None)), in_dims=(None, 0))(x[0], x)   # outer products
    close(got, tx[0][None, :, None] * tx[:, None, :])
    got = mf.vmap(lambda a, s: a * s, in_dims=(0, None), out_dims=1)(x, 2.0)
    close(got, 2 * tx.T)
    pair = mf.vmap(lambda a: (a.sum(), a), out_dims=(0, None))(x)          # None: the first call's output
    close(pair[1], tx[0])


def test_vmap_gradients_flow_through(device):
    """vmap is unbind + stack, both recorded: gradcheck a vmapped function of two mapped arguments."""
    check_grad(lambda a, b: mf.vmap(lambda p, q: (p * q).sum() * p, in_dims=(1, 0))(a, b),
               randn(3, 4, seed=30), randn(4, 3, seed=31), device=device)


def test_vmap_of_grad_gives_per_sample_gradients(torch):
    """The classic example: per-sample gradients of a small model's loss with vmap(grad(loss)) + functional_call."""
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1)).double()
    tmodel = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1)).double()
    with torch.no_grad():
        for (_, p), (_, tp) in zip(model.named_parameters(), tmodel.named_parameters()):
            tp.copy_(torch.tensor(p.numpy()))
    (xs, ys), (txs, tys) = both(torch, randn(6, 3, seed=32), randn(6, seed=33))
    params = {k: p.detach() for k, p in model.named_parameters()}
    tparams = {k: p.detach() for k, p in tmodel.named_parameters()}

    def loss(p, x, y):
        return F.mse_loss(mf.functional_call(model, p, (x.unsqueeze(0),)).squeeze(), y)

    def tloss(p, x, y):
        return torch.nn.functional.mse_loss(torch.func.functional_call(tmodel, p, (x.unsqueeze(0),)).squeeze(), y)
    got = mf.vmap(mf.grad(loss), in_dims=(None, 0, 0))(params, xs, ys)
    want = torch.func.vmap(torch.func.grad(tloss), in_dims=(None, 0, 0))(tparams, txs, tys)
    close(got, want)
    assert got["0.weight"].shape == (6, 4, 3) and not got["0.weight"].requires_grad
    for i in range(6):                                                   # each slice is one sample's gradient
        model.zero_grad()
        F.mse_loss(model(xs[i:i + 1]).squeeze(), ys[i]).backward()
        close(got["2.weight"][i], model[2].weight.grad, atol=1e-12)


def test_vmap_randomness():
    x = mg.zeros(4, 2)
    with pytest.raises(RuntimeError, match="called random operation while in randomness error mode"):
        mf.vmap(lambda a: a + mg.rand(2))(x)
    same = mf.vmap(lambda a: a + mg.rand(2), randomness="same")(x).numpy()
    np.testing.assert_array_equal(same, np.broadcast_to(same[0], same.shape))
    different = mf.vmap(lambda a: a + mg.rand(2), randomness="different")(x).numpy()
    assert len({tuple(r) for r in different}) == 4


def test_vmap_errors():
    x = mg.randn(3, 4)
    cases = [
        (dict(), (x, mg.randn(2, 4)), ValueError, r"same size in the mapped dimension, got sizes \[3, 2\]"),
        (dict(in_dims=2), (x,), ValueError, "expected in_dim to satisfy -2 <= in_dim < 2"),
        (dict(in_dims=(0, 0)), (x,), ValueError, "in_dims is not compatible with the structure of `inputs`"),
        (dict(in_dims=1.5), (x,), ValueError, "expected `in_dims` to be int or a"),
        (dict(in_dims=(1.5,)), (x,), ValueError, "in_dim must be either an integer dimension or None"),
        (dict(in_dims=(None,)), (x,), ValueError, "Expected at least one Tensor to vmap over"),
        (dict(), (3.0,), ValueError, "We cannot vmap over non-Tensor arguments"),
        (dict(out_dims=(0, 1)), (x,), ValueError, "out_dims is not compatible with the structure of `outputs`"),
        (dict(out_dims=3), (x,), IndexError, "dimension out of range"),
        (dict(), (mg.randn(0, 2),), ValueError, "mapped dimension has size 0"),
    ]
    for kwargs, args, err, msg in cases:
        with pytest.raises(err, match=msg):
            mf.vmap(lambda *a: a[0], **kwargs)(*args)
    with pytest.raises(ValueError, match="must only return Tensors, got type <class 'float'>"):
        mf.vmap(lambda a: 3.0)(x)
    with pytest.raises(RuntimeError, match="Only allowed values for randomness are"):
        mf.vmap(lambda a: a, randomness="bad")
    with pytest.raises(ValueError, match="chunk_size should be None or greater than 0"):
        mf.vmap(lambda a: a, chunk_size=0)


# --------------------------------------------------------------------------- grad errors, functional_call
def test_grad_errors():
    x = mg.randn(3)
    cases = [
        (dict(), lambda a: a, "Expected f\\(\\*args\\) to return a scalar Tensor, got tensor with 1 dims"),
        (dict(), lambda a: 1.0, "Expected f\\(\\*args\\) to return a Tensor, got <class 'float'>"),
        (dict(has_aux=True), lambda a: a.sum(), "should be a tuple: \\(output, aux\\) if has_aux is True"),
        (dict(argnums=2), lambda a: a.sum(), "Got argnum=2, but only 1 positional inputs"),
        (dict(argnums=1.0), lambda a: a.sum(), "argnums must be int or Tuple"),
        (dict(argnums=()), lambda a: a.sum(), "argnums must be non-empty"),
    ]
    for kwargs, f, msg in cases:
        with pytest.raises(RuntimeError, match=msg):
            mf.grad(f, **kwargs)(x)
    with pytest.raises(ValueError, match="Thing passed to transform API must be Tensor, got <class 'float'>"):
        mf.grad(lambda a: a)(3.0)


def test_functional_call_is_stateless_one():
    from minigan.nn.utils.stateless import functional_call
    assert mf.functional_call is functional_call
    assert mg.func is mf
