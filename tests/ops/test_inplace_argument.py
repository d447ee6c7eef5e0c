"""The activations and dropouts take PyTorch's ``input`` and ``inplace`` arguments: ``F.leaky_relu(x, 0.2,
inplace=True)`` runs, gives what ``F.leaky_relu(x, 0.2)`` gives (minigan records no in-place operation, so the
result is computed out of place, as by ``nn.LeakyReLU(0.2, inplace=True)``), and its gradient is the same."""
import inspect

import minigan as mg
import numpy as np
import pytest

from helpers import check_grad, host, randn

F = mg.nn.functional

# (name, the arguments after the input); each runs on a (2, 3, 4, 5) input but dropout1d, on (2, 3, 5)
CASES = [
    ("relu", ()), ("relu6", ()), ("leaky_relu", (0.2,)), ("elu", (0.7,)), ("selu", ()), ("celu", (1.3,)),
    ("silu", ()), ("mish", ()), ("hardtanh", (-0.5, 0.8)), ("hardsigmoid", ()), ("hardswish", ()),
    ("threshold", (0.1, -2.0)), ("rrelu", (0.1, 0.3, False)),
    ("dropout", (0.3, False)), ("dropout1d", (0.3, False)), ("dropout2d", (0.3, False)),
    ("dropout3d", (0.3, False)), ("alpha_dropout", (0.3, False)), ("feature_alpha_dropout", (0.3, False)),
]
IDS = [name for name, _ in CASES]


@pytest.mark.parametrize("name, args", CASES, ids=IDS)
def test_inplace_gives_the_out_of_place_result_and_leaves_the_input(name, args, device):
    x_np = randn(*((2, 3, 5) if name == "dropout1d" else (2, 3, 4, 5)), seed=3)
    x = mg.tensor(x_np, device=device)
    fn = getattr(F, name)
    y = fn(x, *args, inplace=True)
    np.testing.assert_array_equal(host(y), host(fn(x, *args)))
    np.testing.assert_array_equal(host(x), x_np)                 # the input is left as it was
    if not args:                                                  # PyTorch's name for the first argument
        np.testing.assert_array_equal(host(fn(input=x, inplace=True)), host(y))


@pytest.mark.parametrize("name, args", [c for c in CASES if "dropout" not in c[0]],
                         ids=[n for n, _ in CASES if "dropout" not in n])
def test_inplace_has_the_gradient_of_the_op(name, args, device):
    fn = getattr(F, name)
    check_grad(lambda x: fn(x, *args, inplace=True), randn(2, 3, 5, seed=4) + 0.05, device=device)


def test_training_dropout_with_inplace_draws_as_without(device):
    x = mg.tensor(randn(4, 6), device=device)
    mg.manual_seed(5)
    a = F.dropout(x, 0.4, True, inplace=True)
    mg.manual_seed(5)
    b = F.dropout(x, 0.4, True)
    np.testing.assert_array_equal(host(a), host(b))
    assert (host(a) == 0).any()


def test_the_arguments_are_named_and_placed_as_in_pytorch(torch):
    """Every ``torch.nn.functional`` function with an ``inplace`` argument has it in minigan, with PyTorch's
    argument names in PyTorch's order up to it."""
    checked = 0
    for name in dir(torch.nn.functional):
        theirs = getattr(torch.nn.functional, name)
        if name.startswith("_") or not inspect.isfunction(theirs):
            continue
        try:
            t_params = list(inspect.signature(theirs).parameters)
        except (TypeError, ValueError):
            continue
        if "inplace" not in t_params or name.endswith("_"):
            continue
        ours = list(inspect.signature(getattr(F, name)).parameters)
        assert ours[:len(t_params)] == t_params[:len(ours)], f"F.{name}: {ours} against PyTorch's {t_params}"
        checked += 1
    assert checked >= 15


def test_the_first_argument_is_named_input_as_in_pytorch(torch):
    """``F.softmax(input=x, dim=1)``, ``F.pad(input=x, pad=...)``...: wherever PyTorch names the first argument of
    a ``torch.nn.functional`` function ``input``, minigan's has that name too."""
    checked, wrong = 0, []
    for name in dir(torch.nn.functional):
        theirs, ours = getattr(torch.nn.functional, name), getattr(F, name, None)
        if name.startswith("_") or not inspect.isfunction(theirs) or not callable(ours):
            continue
        try:
            t_params, m_params = list(inspect.signature(theirs).parameters), list(inspect.signature(ours).parameters)
        except (TypeError, ValueError):
            continue
        if t_params[:1] == ["input"]:
            checked += 1
            if m_params[:1] != ["input"]:
                wrong.append(f"F.{name}({m_params[0]}, ...)")
    assert wrong == [] and checked >= 60
