"""Module machinery: parameters and their names, state dicts, modes, freezing, devices, repr, and the
default initialisation's statistics."""
import math

import numpy as np
import pytest

import minigan as mg
import minigan.nn as nn


def _net():
    return nn.Sequential(nn.Conv2d(1, 2, 3, bias=False), nn.BatchNorm2d(2), nn.LeakyReLU(0.2), nn.Dropout(0.3),
                         nn.Flatten(), nn.Linear(8, 1))


def test_named_parameters_and_buffers():
    net = _net()
    assert [n for n, _ in net.named_parameters()] == ["0.weight", "1.weight", "1.bias", "5.weight", "5.bias"]
    assert [n for n, _ in net.named_buffers()] == ["1.running_mean", "1.running_var", "1.num_batches_tracked"]
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in net.parameters())
    assert list(net.state_dict()) == ["0.weight", "1.weight", "1.bias", "1.running_mean", "1.running_var",
                                      "1.num_batches_tracked", "5.weight", "5.bias"]


def test_nested_module_names():
    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.main = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
            self.head = nn.Linear(3, 1)

        def forward(self, x):
            return self.head(self.main(x))

    b = Block()
    assert [n for n, _ in b.named_parameters()] == ["main.0.weight", "main.0.bias", "head.weight", "head.bias"]
    assert b(mg.zeros(4, 2)).shape == (4, 1)


def test_state_dict_round_trip():
    mg.manual_seed(1)
    a = _net()
    a.train()
    a(mg.randn(4, 1, 4, 4))  # moves the running statistics
    mg.manual_seed(2)
    b = _net()
    missing, unexpected = b.load_state_dict({k: v.numpy() for k, v in a.state_dict().items()})
    assert missing == [] and unexpected == []
    for (k, va), vb in zip(a.state_dict().items(), b.state_dict().values()):
        np.testing.assert_array_equal(va.numpy(), vb.numpy(), err_msg=k)
    a.eval(), b.eval()
    x = mg.randn(3, 1, 4, 4)
    np.testing.assert_array_equal(a(x).numpy(), b(x).numpy())


def test_state_dict_is_detached_and_live():
    lin = nn.Linear(2, 2)
    sd = lin.state_dict()
    assert not sd["weight"].requires_grad
    with mg.no_grad():
        lin.weight.data[...] = 3.0
    np.testing.assert_array_equal(sd["weight"].numpy(), 3.0)


def test_load_state_dict_errors_name_the_key():
    lin = nn.Linear(3, 4)
    with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "bias"'):
        lin.load_state_dict({"weight": np.zeros((4, 3))})
    with pytest.raises(RuntimeError, match='Unexpected key\\(s\\) in state_dict: "extra"'):
        lin.load_state_dict({"weight": np.zeros((4, 3)), "bias": np.zeros(4), "extra": np.zeros(1)})
    with pytest.raises(RuntimeError, match=r"size mismatch for weight.*\(4, 2\).*\(4, 3\)"):
        lin.load_state_dict({"weight": np.zeros((4, 2)), "bias": np.zeros(4)})
    missing, unexpected = lin.load_state_dict({"weight": np.ones((4, 3)), "extra": 1}, strict=False)
    assert missing == ["bias"] and unexpected == ["extra"]
    np.testing.assert_array_equal(lin.weight.numpy(), 1.0)


def test_load_state_dict_lists_every_problem_at_once_and_copies_nothing():
    lin = nn.Linear(3, 4)
    before = lin.weight.numpy()
    with pytest.raises(RuntimeError) as info:
        lin.load_state_dict({"weight": np.ones((4, 2)), "extra": 1, "x.y": 2})
    assert str(info.value) == (
        "Error(s) in loading state_dict for Linear:\n"
        '\tMissing key(s) in state_dict: "bias". \n'
        '\tUnexpected key(s) in state_dict: "extra", "x.y". \n'
        "\tsize mismatch for weight: copying a param with shape (4, 2) from checkpoint, "
        "the shape in current model is (4, 3).")
    with pytest.raises(RuntimeError, match=r"size mismatch for weight(.|\n)*size mismatch for bias"):
        lin.load_state_dict({"weight": np.ones((4, 2)), "bias": np.ones(5)}, strict=False)
    with pytest.raises(RuntimeError, match="size mismatch for bias"):
        lin.load_state_dict({"weight": np.ones((4, 3)), "bias": np.ones(5)})
    np.testing.assert_array_equal(lin.weight.numpy(), before)     # nothing copied when anything is wrong


def test_load_state_dict_returns_named_keys():
    lin = nn.Linear(3, 4)
    result = lin.load_state_dict({"weight": np.ones((4, 3)), "extra": 1}, strict=False)
    assert result.missing_keys == ["bias"] and result.unexpected_keys == ["extra"]
    assert repr(result) == "_IncompatibleKeys(missing_keys=['bias'], unexpected_keys=['extra'])"
    assert repr(lin.load_state_dict(lin.state_dict())) == "<All keys matched successfully>"


def test_train_eval_propagate():
    net = nn.Sequential(nn.Sequential(nn.Dropout(0.5), nn.BatchNorm1d(2)), nn.Linear(2, 2))
    assert all(m.training for m in net.modules())
    net.eval()
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())


def test_eval_mode_changes_dropout_and_batch_norm():
    net = nn.Sequential(nn.BatchNorm1d(3), nn.Dropout(0.5))
    x = mg.randn(8, 3) * 3 + 1
    net.eval()
    np.testing.assert_allclose(net(x).numpy(), x.numpy() / math.sqrt(1 + 1e-5), rtol=1e-6)
    net.train()
    assert (net(x).numpy() == 0).any()


def test_batch_norm_counts_batches_only_in_training():
    bn = nn.BatchNorm2d(2)
    bn(mg.randn(2, 2, 3, 3))
    bn(mg.randn(2, 2, 3, 3))
    bn.eval()
    bn(mg.randn(2, 2, 3, 3))
    assert int(bn.num_batches_tracked.item()) == 2


def test_requires_grad_false_freezes():
    net = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    net[0].requires_grad_(False)
    x = mg.randn(4, 2)
    net(x).sum().backward()
    assert net[0].weight.grad is None and net[0].bias.grad is None
    assert net[1].weight.grad is not None
    net.requires_grad_(False)
    assert not net(x).requires_grad


def test_zero_grad():
    lin = nn.Linear(2, 2)
    lin(mg.randn(3, 2)).sum().backward()
    lin.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(lin.weight.grad.numpy(), 0)
    lin.zero_grad()
    assert lin.weight.grad is None


def test_to_keeps_parameter_objects(device):
    lin = nn.Linear(2, 2)
    w = lin.weight
    assert lin.to(device) is lin and lin.weight is w
    assert w.device == device
    lin.double()
    assert w.dtype == np.float64 and lin.weight is w
    assert lin(mg.randn(1, 2, device=device, dtype=np.float64)).dtype == np.float64
    lin.to("cpu").float()
    assert w.device == "cpu" and w.dtype == np.float32


def test_repr_is_readable():
    r = repr(_net())
    assert r.startswith("Sequential(\n  (0): Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1), bias=False)")
    assert "(1): BatchNorm2d(2, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)" in r
    assert "(2): LeakyReLU(negative_slope=0.2)" in r
    assert "(5): Linear(in_features=8, out_features=1, bias=True)" in r
    assert repr(nn.ConvTranspose2d(4, 2, 3, 2, 1, output_padding=1, groups=2)) == \
        "ConvTranspose2d(4, 2, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), output_padding=(1, 1), groups=2)"
    assert repr(nn.Parameter(np.zeros(1, dtype=np.float32))).startswith("Parameter containing:")


def test_sequential_indexing_and_append():
    net = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    assert isinstance(net[0], nn.Linear) and len(net) == 2
    net.append(nn.Linear(3, 1))
    assert [n for n, _ in net.named_parameters()][-1] == "2.bias"
    assert len(net[1:]) == 2
    assert net(mg.zeros(5, 2)).shape == (5, 1)


# --------------------------------------------------------------------------- initialisation
@pytest.mark.parametrize("make,fan_in", [
    (lambda: nn.Linear(50, 40), 50),
    (lambda: nn.Conv2d(6, 16, (3, 5)), 6 * 15),
    (lambda: nn.Conv2d(8, 16, 3, groups=4), 2 * 9),
    (lambda: nn.ConvTranspose2d(16, 12, 4), 12 * 16),
    (lambda: nn.ConvTranspose2d(16, 12, 4, groups=4), 3 * 16),  # fan_in = out/groups * kh * kw
])
def test_default_init_matches_pytorch_bounds(make, fan_in):
    layer = make()
    bound = 1 / math.sqrt(fan_in)
    w, b = layer.weight.numpy().ravel(), layer.bias.numpy()
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    # Roughly uniform on (-bound, bound): spread close to the bound, std close to bound / sqrt(3).
    assert np.abs(w).max() > 0.9 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.15 * bound
    assert abs(w.mean()) < 0.1 * bound


def test_init_is_seeded():
    mg.manual_seed(7)
    a = nn.Linear(4, 4).weight.numpy()
    mg.manual_seed(7)
    np.testing.assert_array_equal(nn.Linear(4, 4).weight.numpy(), a)


def test_batch_norm_init():
    bn = nn.BatchNorm2d(3)
    np.testing.assert_array_equal(bn.weight.numpy(), 1)
    np.testing.assert_array_equal(bn.bias.numpy(), 0)
    np.testing.assert_array_equal(bn.running_mean.numpy(), 0)
    np.testing.assert_array_equal(bn.running_var.numpy(), 1)
    assert bn.num_batches_tracked.dtype == np.int64


def test_init_functions():
    w = nn.Parameter(np.zeros((200, 100), dtype=np.float32))
    nn.init.normal_(w, 0.0, 0.02)
    assert abs(w.numpy().std() - 0.02) < 0.002 and w.dtype == np.float32
    nn.init.xavier_uniform_(w)
    assert np.abs(w.numpy()).max() <= math.sqrt(6 / 300)
    nn.init.zeros_(w)
    assert not w.numpy().any()
