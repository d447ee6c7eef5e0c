"""ModuleDict, ParameterList and ParameterDict: what they hold is registered, under PyTorch's names."""
import numpy as np
import pytest

import minigan as mg
from minigan import nn


def test_module_dict_registers_under_its_keys(torch):
    ours = nn.ModuleDict({"disc": nn.Linear(3, 1), "gen": nn.Linear(2, 3)})
    theirs = torch.nn.ModuleDict({"disc": torch.nn.Linear(3, 1), "gen": torch.nn.Linear(2, 3)})
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["disc.weight", "disc.bias", "gen.weight",
                                                                     "gen.bias"]
    assert list(ours) == ["disc", "gen"] and "gen" in ours and len(ours) == 2
    ours["act"] = nn.ReLU()
    assert list(ours.keys()) == ["disc", "gen", "act"] and isinstance(ours["act"], nn.ReLU)
    popped = ours.pop("disc")
    assert isinstance(popped, nn.Linear) and [n for n, _ in ours.named_parameters()] == ["gen.weight", "gen.bias"]
    ours.update([("disc", popped)])
    assert sum(p.numel() for p in ours.parameters()) == 3 + 1 + 6 + 3
    ours.to(mg.float64)
    assert ours["gen"].weight.dtype == np.float64
    with pytest.raises(TypeError):
        ours["bad"] = 3


def test_parameter_list_and_dict(torch):
    plist = nn.ParameterList([mg.zeros(2, 3), nn.Parameter(mg.ones(4))])
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in plist)
    assert list(plist.state_dict()) == list(torch.nn.ParameterList([torch.zeros(2, 3), torch.ones(4)]).state_dict())
    plist.append(mg.zeros(1))
    plist[0] = mg.ones(2, 3)
    assert len(plist) == 3 and float(plist[0].sum()) == 6.0 and len(list(plist.parameters())) == 3
    pdict = nn.ParameterDict({"scale": mg.ones(3)})
    pdict["shift"] = mg.zeros(3)
    assert list(pdict.state_dict()) == ["scale", "shift"] and "shift" in pdict
    assert repr(pdict) == ("ParameterDict(\n  (scale): Parameter containing: [float32 of size 3]\n"
                           "  (shift): Parameter containing: [float32 of size 3]\n)")
    with pytest.raises(TypeError, match="a parameter container holds Tensors, got list"):
        plist.append([1.0])


def test_containers_train_inside_a_model():
    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.heads = nn.ModuleDict({"a": nn.Linear(2, 1), "b": nn.Linear(2, 1)})
            self.gains = nn.ParameterList([mg.ones(1), mg.ones(1)])

        def forward(self, x):
            return self.heads["a"](x) * self.gains[0] + self.heads["b"](x) * self.gains[1]

    model = Model()
    opt = mg.optim.SGD(model.parameters(), lr=0.1)
    x = mg.ones(4, 2)
    model(x).sum().backward()
    before = model.gains[1].numpy().copy()
    opt.step()
    assert model.gains[1].numpy() != before                                 # the optimizer saw it
    assert sorted(model.state_dict()) == ["gains.0", "gains.1", "heads.a.bias", "heads.a.weight", "heads.b.bias",
                                          "heads.b.weight"]


def test_replacing_a_layer_keeps_its_place_like_torch(torch):
    """``model.fc = Linear(...)`` (or ``seq[i] = ...``-style setattr) swaps the layer in place: the state
    dict keeps PyTorch's order, so checkpoints line up."""
    orders = []
    for lib in (mg, torch):
        seq = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.ReLU(), lib.nn.Linear(3, 1))
        setattr(seq, "0", lib.nn.Linear(2, 3))
        layer = lib.nn.Linear(2, 2)
        layer.weight = lib.nn.Parameter(lib.zeros(2, 2))
        orders.append((list(seq.state_dict()), list(layer.state_dict())))
    assert orders[0] == orders[1] == (["0.weight", "0.bias", "2.weight", "2.bias"], ["weight", "bias"])
    plist = nn.ParameterList([mg.zeros(2), mg.zeros(3)])
    plist[0] = mg.ones(4)
    assert [tuple(p.shape) for p in plist] == [(4,), (3,)]


@pytest.mark.parametrize("build", [
    lambda m: m.ModuleList([m.Linear(2, 2), m.Linear(2, 2), m.ReLU(), m.Linear(2, 2)]),
    lambda m: m.ModuleList([m.ReLU()] * 3 + [m.Tanh(), m.Tanh()]),
    lambda m: m.Sequential(m.ModuleList([m.Conv2d(1, 2, 3), m.Conv2d(1, 2, 3)]), m.Tanh()),
    lambda m: m.ModuleList(),
    lambda m: m.ModuleList([m.Linear(2, 3)]),
])
def test_module_list_prints_runs_of_equal_modules_as_torch(torch, build):
    """PyTorch folds a run of modules that print alike into one line, ``(0-1): 2 x Linear(...)``."""
    assert repr(build(nn)) == repr(build(torch.nn))
