"""Loss modules (nn.MSELoss ... nn.CrossEntropyLoss): each is its functional with the arguments it was built with,
gradchecked in float64 on every device, held against torch.nn's losses (values, gradients, repr, state dict), and
its constructor's errors."""
import numpy as np
import pytest

import minigan as mg
import minigan.nn as nn
import minigan.nn.functional as F

from helpers import check_grad, compare_with_torch, randn

REDUCTIONS = ["mean", "sum", "none"]
LABELS = np.array([0, 3, -100, 3, 1])          # one sample ignored (PyTorch's default ignore_index)
CLASS_WEIGHT = np.array([0.5, 1.0, 2.0, 3.0])


def _probabilities(*shape, seed):
    return 1 / (1 + np.exp(-randn(*shape, seed=seed)))


def _cases(device):
    """``(name, module, input array, target)`` for each loss, with the optional arguments it takes set."""
    on = lambda a: mg.tensor(a, device=device)  # noqa: E731
    t_real = randn(4, 3, seed=2)
    t_prob = np.random.default_rng(3).uniform(size=(4, 3))
    return [
        ("MSELoss", lambda r: nn.MSELoss(reduction=r), randn(4, 3, seed=1), on(t_real)),
        ("L1Loss", lambda r: nn.L1Loss(reduction=r), randn(4, 3, seed=1), on(t_real)),
        ("BCELoss", lambda r: nn.BCELoss(on(np.linspace(0.5, 2, 3)), reduction=r), _probabilities(4, 3, seed=4),
         on(t_prob)),
        ("BCEWithLogitsLoss", lambda r: nn.BCEWithLogitsLoss(on(np.linspace(0.5, 2, 3)), reduction=r,
                                                             pos_weight=on(np.array([1.0, 3.0, 0.5]))),
         randn(4, 3, seed=5, scale=2), on(t_prob)),
        ("NLLLoss", lambda r: nn.NLLLoss(on(CLASS_WEIGHT), reduction=r), randn(5, 4, seed=6), on(LABELS)),
        ("CrossEntropyLoss", lambda r: nn.CrossEntropyLoss(on(CLASS_WEIGHT), ignore_index=3, reduction=r),
         randn(5, 4, seed=7), on(np.where(LABELS < 0, 2, LABELS))),
    ]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("which", range(6), ids=[c[0] for c in _cases("cpu")])
def test_loss_module_gradcheck(device, which, reduction):
    _, make, x, target = _cases(device)[which]
    loss = make(reduction)
    check_grad(lambda x: loss(x, target), x, device=device)


def test_loss_modules_call_their_functional_with_their_arguments():
    x, t = mg.tensor(randn(5, 4, seed=8)), mg.tensor(LABELS)
    w, t2 = mg.tensor(CLASS_WEIGHT), mg.tensor(np.abs(LABELS) % 4)
    pairs = [
        (nn.CrossEntropyLoss(w, ignore_index=-100, reduction="sum")(x, t),
         F.cross_entropy(x, t, w, ignore_index=-100, reduction="sum")),
        (nn.CrossEntropyLoss(ignore_index=1)(x, t2), F.cross_entropy(x, t2, ignore_index=1)),
        (nn.NLLLoss(reduction="none")(x, t), F.nll_loss(x, t, reduction="none")),
        (nn.MSELoss()(x, x * 2), F.mse_loss(x, x * 2)),
        (nn.L1Loss(reduction="sum")(x, x * 2), F.l1_loss(x, x * 2, reduction="sum")),
    ]
    for ours, functional in pairs:
        np.testing.assert_array_equal(ours.numpy(), functional.numpy())


def test_cross_entropy_loss_takes_class_probabilities(device):
    probs = np.random.default_rng(9).dirichlet(np.ones(4), size=3)
    loss = nn.CrossEntropyLoss(weight=mg.tensor(CLASS_WEIGHT, device=device))
    check_grad(loss, randn(3, 4, seed=10), probs, device=device)


def test_weights_are_buffers_that_move_and_cast_with_the_module():
    loss = nn.BCEWithLogitsLoss(weight=[1.0, 2.0], pos_weight=np.array([3.0, 4.0], dtype=np.float32))
    assert list(loss.state_dict()) == ["weight", "pos_weight"]
    assert loss.weight.dtype == np.float32 and not loss.weight.requires_grad
    loss.double()
    assert loss.weight.dtype == np.float64 and loss.pos_weight.dtype == np.float64
    assert nn.CrossEntropyLoss().weight is None                   # a None buffer is not in the state dict
    assert list(nn.CrossEntropyLoss().state_dict()) == []
    assert list(nn.MSELoss().state_dict()) == []


# ----------------------------------------------------------------- against torch.nn
def _torch_pair(torch, name, reduction):
    tnn, w, pw = torch.nn, torch.tensor(np.linspace(0.5, 2, 3)), torch.tensor([1.0, 3.0, 0.5], dtype=torch.float64)
    return {
        "MSELoss": lambda: tnn.MSELoss(reduction=reduction),
        "L1Loss": lambda: tnn.L1Loss(reduction=reduction),
        "BCELoss": lambda: tnn.BCELoss(w, reduction=reduction),
        "BCEWithLogitsLoss": lambda: tnn.BCEWithLogitsLoss(w, reduction=reduction, pos_weight=pw),
        "NLLLoss": lambda: tnn.NLLLoss(torch.tensor(CLASS_WEIGHT), reduction=reduction),
        "CrossEntropyLoss": lambda: tnn.CrossEntropyLoss(torch.tensor(CLASS_WEIGHT), ignore_index=3,
                                                         reduction=reduction),
    }[name]()


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("which", range(6), ids=[c[0] for c in _cases("cpu")])
def test_loss_module_matches_torch(torch, which, reduction):
    name, make, x, target = _cases("cpu")[which]
    ours, theirs = make(reduction), _torch_pair(torch, name, reduction)
    t_target = torch.tensor(target.numpy())
    compare_with_torch(torch, lambda x: ours(x, target), lambda x: theirs(x, t_target), [x], atol=1e-12, rtol=1e-10)
    assert repr(ours) == repr(theirs) == f"{name}()"
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert ours.reduction == theirs.reduction
    if hasattr(theirs, "ignore_index"):
        assert ours.ignore_index == theirs.ignore_index


def test_loss_module_defaults_match_torch(torch):
    for name in ("MSELoss", "L1Loss", "BCELoss", "BCEWithLogitsLoss", "NLLLoss", "CrossEntropyLoss"):
        ours, theirs = getattr(nn, name)(), getattr(torch.nn, name)()
        for attr in ("reduction", "weight", "pos_weight", "ignore_index", "label_smoothing"):
            if hasattr(theirs, attr):
                want = getattr(theirs, attr)
                assert getattr(ours, attr) == want if want is not None else getattr(ours, attr) is None, (name, attr)


# ----------------------------------------------------------------- errors
@pytest.mark.parametrize("name", ["MSELoss", "L1Loss", "BCELoss", "BCEWithLogitsLoss", "NLLLoss",
                                  "CrossEntropyLoss"])
def test_a_bad_reduction_fails_at_construction(name):
    with pytest.raises(ValueError, match=rf"{name}: reduction must be 'mean', 'sum' or 'none', got 'avg'"):
        getattr(nn, name)(reduction="avg")


def test_loss_module_argument_errors():
    with pytest.raises(ValueError, match="CrossEntropyLoss: label_smoothing must be between 0.0 and 1.0, got 1.5"):
        nn.CrossEntropyLoss(label_smoothing=1.5)
    # PyTorch's positional order, its deprecated size_average and reduce first (None: reduction decides)
    assert nn.MSELoss(None, None, "sum").reduction == "sum"
    assert nn.NLLLoss(None, None, -1).ignore_index == -1
    with pytest.raises(ValueError, match=r"mse_loss: input has shape \(2, 3\) but target has shape \(3, 2\)"):
        nn.MSELoss()(mg.zeros(2, 3), mg.zeros(3, 2))
    with pytest.raises(IndexError, match="nll_loss: Target 4 is out of bounds"):
        nn.CrossEntropyLoss()(mg.zeros(2, 4), mg.tensor([0, 4]))


def test_cross_entropy_loss_module_smooths_labels(torch):
    x, labels = np.random.default_rng(5).standard_normal((4, 3)), np.array([0, 2, 1, 2])
    ours = nn.CrossEntropyLoss(label_smoothing=0.25, ignore_index=1)(mg.tensor(x), mg.tensor(labels)).item()
    theirs = torch.nn.CrossEntropyLoss(label_smoothing=0.25, ignore_index=1)(torch.tensor(x), torch.tensor(labels))
    assert ours == pytest.approx(theirs.item(), rel=1e-12)
