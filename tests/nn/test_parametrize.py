"""nn.utils.parametrize and nn.utils.parametrizations: parity with PyTorch (float64 values and gradients through
optimizer steps, state_dict keys, loading torch's state dict) for orthogonal (every map), spectral_norm and
weight_norm on Linear and Conv2d; right_inverse, caching, removal both ways, chaining and the errors."""
import copy
import pickle

import numpy as np
import pytest

import minigan as mg
import minigan.nn as nn
import minigan.nn.utils.parametrize as P
from minigan.nn.utils import parametrizations

LAYERS = {
    "linear": (lambda lib: lib.Linear(5, 3), (4, 5)),
    "linear_tall": (lambda lib: lib.Linear(3, 5), (4, 3)),
    "square": (lambda lib: lib.Linear(4, 4), (2, 4)),
    "conv": (lambda lib: lib.Conv2d(3, 4, 3), (2, 3, 5, 5)),
}
# (our function, torch's, kwargs, layers it applies to)
PARAMETRIZATIONS = {
    "spectral": (parametrizations.spectral_norm, "spectral_norm", {}, ["linear", "conv"]),
    "spectral_3it": (parametrizations.spectral_norm, "spectral_norm", {"n_power_iterations": 3}, ["linear"]),
    "weight_norm": (parametrizations.weight_norm, "weight_norm", {}, ["linear", "conv"]),
    "weight_norm_None": (parametrizations.weight_norm, "weight_norm", {"dim": None}, ["conv"]),
    "orth_default": (parametrizations.orthogonal, "orthogonal", {}, ["linear", "linear_tall", "square"]),
    "orth_cayley": (parametrizations.orthogonal, "orthogonal", {"orthogonal_map": "cayley"},
                    ["linear", "linear_tall", "square"]),
    "orth_householder": (parametrizations.orthogonal, "orthogonal", {"orthogonal_map": "householder"},
                         ["linear", "square"]),
    "orth_hh_no_triv": (parametrizations.orthogonal, "orthogonal",
                        {"orthogonal_map": "householder", "use_trivialization": False}, ["linear", "square"]),
    "orth_exp_no_triv": (parametrizations.orthogonal, "orthogonal",
                         {"orthogonal_map": "matrix_exp", "use_trivialization": False}, ["square"]),
}
CASES = [(p, k) for p, (_, _, _, kinds) in PARAMETRIZATIONS.items() for k in kinds]


def _pair(torch, kind):
    """The same float64 layer in minigan and torch (torch's initial values copied)."""
    make, _ = LAYERS[kind]
    theirs = make(torch.nn).double()
    ours = make(nn)
    for name, t in theirs.named_parameters():
        setattr(ours, name, nn.Parameter(mg.tensor(t.detach().numpy().copy())))
    return ours, theirs


@pytest.mark.parametrize("which,kind", CASES)
def test_parity_with_torch_through_sgd_steps(torch, which, kind):
    ours_fn, torch_name, kwargs, _ = PARAMETRIZATIONS[which]
    ours, theirs = _pair(torch, kind)
    weight_before = ours.weight.numpy().copy()
    getattr(torch.nn.utils.parametrizations, torch_name)(theirs, **kwargs)
    ours_fn(ours, **kwargs)
    assert type(ours).__name__ == type(theirs).__name__
    assert P.type_before_parametrizations(ours) is type(ours).__bases__[0]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    if kind == "square" or which.startswith("weight_norm"):
        # deterministic registration: the same originals and weight without copying anything from torch
        for k, v in theirs.state_dict().items():
            np.testing.assert_allclose(ours.state_dict()[k].numpy(), v.numpy(), atol=1e-10, err_msg=k)
        np.testing.assert_allclose(ours.weight.numpy(), theirs.weight.detach().numpy(), atol=1e-10)
    if which.startswith("weight_norm"):
        np.testing.assert_allclose(ours.weight.numpy(), weight_before, atol=1e-12)   # value kept
    # random parts (u, v, a completed base) from torch, through its state dict
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(3).standard_normal(LAYERS[kind][1])
    opt_o = mg.optim.SGD(ours.parameters(), lr=0.1)
    opt_t = torch.optim.SGD(theirs.parameters(), lr=0.1)
    for _ in range(3):
        for opt in (opt_o, opt_t):
            opt.zero_grad()
        (ours(mg.tensor(x)) ** 2).sum().backward()
        (theirs(torch.tensor(x)) ** 2).sum().backward()
        got = dict(ours.named_parameters())
        for name, t in theirs.named_parameters():
            np.testing.assert_allclose(got[name].grad.numpy(), t.grad.numpy(), rtol=1e-7, atol=1e-9, err_msg=name)
        opt_o.step()
        opt_t.step()
    for k, v in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[k].numpy(), v.numpy(), rtol=1e-7, atol=1e-9, err_msg=k)
    np.testing.assert_allclose(ours(mg.tensor(x)).numpy(), theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("kind", ["linear", "linear_tall", "square"])
@pytest.mark.parametrize("orth_map", ["matrix_exp", "cayley", "householder"])
def test_orthogonal_is_orthogonal_and_assignable(orth_map, kind):
    layer = LAYERS[kind][0](nn).double()
    parametrizations.orthogonal(layer, orthogonal_map=orth_map)
    w = layer.weight.numpy()
    small = min(w.shape)
    gram = w @ w.T if w.shape[0] == small else w.T @ w
    np.testing.assert_allclose(gram, np.eye(small), atol=1e-10)
    q = np.linalg.qr(np.random.default_rng(1).standard_normal((max(w.shape), small)))[0]
    q = q if w.shape[0] >= w.shape[1] else q.T
    layer.weight = mg.tensor(q)                               # right_inverse: the weight becomes q
    np.testing.assert_allclose(layer.weight.numpy(), q, atol=1e-10)


@pytest.mark.parametrize("orth_map,shape", [("cayley", (3, 3)), ("matrix_exp", (2, 4)), ("householder", (4, 3))])
def test_orthogonal_gradcheck(device, orth_map, shape):
    layer = nn.Linear(shape[1], shape[0]).double().to(device)
    parametrizations.orthogonal(layer, orthogonal_map=orth_map)
    orth = layer.parametrizations.weight[0]
    x = np.random.default_rng(0).standard_normal(shape) * 0.3
    if orth_map == "householder":
        x[np.arange(min(shape)), np.arange(min(shape))] = -1.5      # signs (truncated): no gradient
    assert mg.gradcheck(orth, [mg.tensor(x, requires_grad=True, device=device)])


class Symmetric(nn.Module):
    def forward(self, X):
        return X.triu() + X.triu(1).mT

    def right_inverse(self, A):
        return A.triu()


class Scale(nn.Module):
    def forward(self, X):
        return 2 * X

    def right_inverse(self, A):
        return A / 2


class NoInverse(nn.Module):
    def forward(self, X):
        return X + 1


def test_right_inverse_chaining_and_assignment(torch):
    layer = nn.Linear(3, 3).double()
    sym = (layer.weight.numpy() + layer.weight.numpy().T) / 2
    layer.weight = nn.Parameter(mg.tensor(sym))
    param = layer.weight
    P.register_parametrization(layer, "weight", Symmetric())
    P.register_parametrization(layer, "weight", Scale())
    assert layer.parametrizations.weight.original is param          # one object, optimizers keep it
    np.testing.assert_allclose(param.numpy(), np.triu(sym), atol=1e-12)    # a chained one is not inverted
    np.testing.assert_allclose(layer.weight.numpy(), 2 * sym, atol=1e-12)
    new = np.arange(9.0).reshape(3, 3)
    new = new + new.T
    layer.weight = mg.tensor(new)
    np.testing.assert_allclose(layer.weight.numpy(), new)
    assert P.is_parametrized(layer) and P.is_parametrized(layer, "weight")
    assert not P.is_parametrized(layer, "bias") and not P.is_parametrized(nn.Linear(2, 2))
    # the same chain in torch gives the same state dict keys and values
    t = torch.nn.Linear(3, 3).double()
    t.load_state_dict({"weight": torch.tensor(new), "bias": torch.tensor(layer.bias.numpy())})

    class TSym(torch.nn.Module):
        def forward(self, X):
            return X.triu() + X.triu(1).mT

        def right_inverse(self, A):
            return A.triu()

    class TScale(torch.nn.Module):
        def forward(self, X):
            return 2 * X

        def right_inverse(self, A):
            return A / 2

    torch.nn.utils.parametrize.register_parametrization(t, "weight", TSym())
    torch.nn.utils.parametrize.register_parametrization(t, "weight", TScale())
    t.weight = torch.tensor(new)
    assert list(t.state_dict()) == list(layer.state_dict())
    for k, v in t.state_dict().items():
        np.testing.assert_allclose(layer.state_dict()[k].numpy(), v.numpy(), err_msg=k)


def test_assignment_errors():
    layer = nn.Linear(3, 3)
    P.register_parametrization(layer, "weight", NoInverse())
    with pytest.raises(RuntimeError, match="parametrization NoInverse does not implement right_inverse"):
        layer.weight = mg.zeros(3, 3)
    with pytest.raises(KeyError, match="attribute 'weight' already exists"):
        layer.weight = nn.Parameter(mg.zeros(3, 3))


def test_caching():
    calls = []

    class Counting(nn.Module):
        def forward(self, X):
            calls.append(1)
            return X * 1

    layer = nn.Linear(3, 2)
    P.register_parametrization(layer, "weight", Counting())
    calls.clear()
    layer.weight, layer.weight
    assert len(calls) == 2
    with P.cached():
        a = layer.weight
        with P.cached():
            b = layer.weight
        c = layer.weight
    assert a is b is c and len(calls) == 3
    layer.weight
    assert len(calls) == 4                                  # the cache is gone after the block


@pytest.mark.parametrize("leave", [True, False])
def test_remove_single_original(leave):
    layer = nn.Linear(3, 3).double()
    P.register_parametrization(layer, "weight", Scale())
    original = layer.parametrizations.weight.original
    orig_values = original.numpy().copy()
    value = layer.weight.numpy().copy()
    P.remove_parametrizations(layer, "weight", leave_parametrized=leave)
    assert type(layer) is nn.Linear and "parametrizations" not in layer._modules
    assert layer.weight is original and isinstance(layer.weight, nn.Parameter)
    np.testing.assert_allclose(layer.weight.numpy(), value if leave else orig_values)
    assert list(layer.state_dict()) == ["bias", "weight"]                 # re-registered last, as in torch


def test_remove_several_originals_and_one_of_two():
    layer = nn.Linear(4, 3).double()
    P.register_parametrization(layer, "bias", Scale())
    parametrizations.weight_norm(layer)
    value = layer.weight.numpy().copy()
    with pytest.raises(ValueError, match="Cannot leave unparametrized"):
        P.remove_parametrizations(layer, "weight", leave_parametrized=False)
    P.remove_parametrizations(layer, "weight")
    assert isinstance(layer.weight, nn.Parameter) and layer.weight.requires_grad
    np.testing.assert_allclose(layer.weight.numpy(), value)
    assert type(layer).__name__ == "ParametrizedLinear" and P.is_parametrized(layer, "bias")
    assert P.type_before_parametrizations(layer) is nn.Linear
    P.remove_parametrizations(layer, "bias")
    assert type(layer) is nn.Linear and P.type_before_parametrizations(layer) is nn.Linear
    with pytest.raises(ValueError, match="does not have a parametrization on bias"):
        P.remove_parametrizations(layer, "bias")


def test_buffer_parametrized_and_other_modules_untouched():
    bn = nn.BatchNorm1d(3)
    P.register_parametrization(bn, "running_var", Scale())
    assert "parametrizations.running_var.original" in bn.state_dict()
    assert isinstance(bn.parametrizations.running_var.original, mg.Tensor)
    assert not isinstance(bn.parametrizations.running_var.original, nn.Parameter)
    np.testing.assert_allclose(bn.running_var.numpy(), np.ones(3))
    assert type(nn.BatchNorm1d(3)) is nn.BatchNorm1d and not hasattr(nn.BatchNorm1d, "running_var")


def test_copy_and_pickle():
    layer = nn.Linear(3, 2)
    parametrizations.spectral_norm(layer)
    twin = copy.deepcopy(layer)
    assert twin.parametrizations.weight.original is not layer.parametrizations.weight.original
    layer.eval(), twin.eval()
    np.testing.assert_allclose(twin.weight.numpy(), layer.weight.numpy())
    with pytest.raises(RuntimeError, match="only supported through state_dict"):
        pickle.dumps(layer)


def test_registration_errors():
    layer = nn.Linear(3, 2)
    with pytest.raises(ValueError, match="does not have a parameter, a buffer, or a parametrized element with name"):
        P.register_parametrization(layer, "nope", Scale())

    class Shrink(nn.Module):
        def forward(self, X):
            return X[0]

    class ToF64(nn.Module):
        def forward(self, X):
            return X.to(mg.float64) if hasattr(X, "to") else X

    with pytest.raises(ValueError, match="may not change the shape of the tensor"):
        P.register_parametrization(layer, "weight", Shrink())
    with pytest.raises(ValueError, match="may not change the dtype of the tensor"):
        P.register_parametrization(layer, "weight", ToF64())
    assert type(layer) is nn.Linear and isinstance(layer.weight, nn.Parameter)     # unchanged after failing
    P.register_parametrization(layer, "weight", Shrink(), unsafe=True)
    assert layer.weight.shape == (3,)
    with pytest.raises(ValueError, match="ParametrizationList requires one or more modules"):
        P.ParametrizationList([], mg.zeros(2))

    class BadInverse(nn.Module):
        def forward(self, X):
            return X

        def right_inverse(self, X):
            return 3

    with pytest.raises(ValueError, match="'right_inverse' must return a Tensor or a Sequence"):
        P.register_parametrization(nn.Linear(2, 2), "weight", BadInverse())


def test_parametrizations_errors(torch):
    layer = nn.Linear(3, 2)
    with pytest.raises(ValueError, match="has no parameter or buffer with name 'nope'"):
        parametrizations.orthogonal(layer, "nope")
    with pytest.raises(ValueError, match="Expected a matrix or batch of matrices. Got a tensor of 1 dimensions"):
        parametrizations.orthogonal(layer, "bias")
    with pytest.raises(ValueError, match='orthogonal_map has to be one of "matrix_exp", "cayley", "householder"'):
        parametrizations.orthogonal(layer, orthogonal_map="qr")
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-2, 1\] but got 2"):
        parametrizations.spectral_norm(layer, dim=2)
    with pytest.raises(ValueError, match="Expected n_power_iterations to be positive"):
        parametrizations.spectral_norm(layer, n_power_iterations=0)
    square = nn.Linear(3, 3)
    parametrizations.orthogonal(square, orthogonal_map="cayley", use_trivialization=False)
    with pytest.raises(NotImplementedError, match="not possible to assign to the matrix exponential or the Cayley"):
        square.weight = mg.eye(3)
    wide = nn.Linear(3, 2)
    parametrizations.orthogonal(wide)
    with pytest.raises(ValueError, match=r"Expected a matrix or batch of matrices of shape \(2, 3\)"):
        wide.weight = mg.eye(3)


def test_spectral_norm_bounds_sigma_and_eval_keeps_buffers():
    layer = nn.Conv2d(3, 4, 3).double()
    parametrizations.spectral_norm(layer, n_power_iterations=20)
    w = layer.weight.numpy().reshape(4, -1)
    np.testing.assert_allclose(np.linalg.svd(w, compute_uv=False)[0], 1.0, rtol=1e-6)
    layer.eval()
    u = layer.parametrizations.weight[0]._u.numpy().copy()
    layer.weight
    np.testing.assert_array_equal(layer.parametrizations.weight[0]._u.numpy(), u)
    t = nn.ConvTranspose2d(3, 2, 3)
    parametrizations.spectral_norm(t)
    assert t.parametrizations.weight[0].dim == 1
