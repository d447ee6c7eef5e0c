"""Second derivatives (gradgradcheck): the backward of every op is written in minigan ops, so it can be
differentiated again (gradient penalties need this)."""
import numpy as np
import pytest

import minigan as mg
import minigan.nn.functional as F

from helpers import distinct, randn, tensors

T = np.random.default_rng(3).uniform(size=(3, 4))

CASES = [
    ("tanh", F.tanh, [(3, 4)]),
    ("sigmoid", F.sigmoid, [(3, 4)]),
    ("product", lambda a, b: a * b * a, [(3, 1), (4,)]),
    ("softplus", F.softplus, [(3, 4)]),
    ("leaky_relu", lambda x: F.leaky_relu(x, 0.2) * x, [(3, 4)]),
    ("softmax", lambda x: F.softmax(x, dim=1), [(3, 4)]),
    ("log_softmax", lambda x: F.log_softmax(x, dim=0), [(3, 4)]),
    ("div_sqrt_log_exp", lambda x: (x * x + 1).sqrt() / (x.exp() + 1) + (x * x + 2).log(), [(3, 4)]),
    ("pow_tensor", lambda a, b: (a * a + 0.5) ** b, [(3,), (3,)]),
    ("matmul", lambda a, b: (a @ b).tanh(), [(2, 3), (3, 2)]),
    ("max_var", lambda x: x.max(dim=1).values * x.amax(dim=0).sum() * x.var(axis=1), [(3, 4)]),
    ("bce_with_logits", lambda x: F.binary_cross_entropy_with_logits(x, mg.tensor(T)), [(3, 4)]),
    ("cross_entropy", lambda x: F.cross_entropy(x, np.array([0, 3, 3])), [(3, 4)]),
    ("linear", lambda x, w, b: F.linear(x, w, b).tanh(), [(2, 3), (4, 3), (4,)]),
    ("batch_norm", lambda x: F.batch_norm(x, None, None, training=True), [(4, 3)]),
    ("layer_norm", lambda x, w: F.layer_norm(x, (2, 3), w) ** 2, [(1, 2, 3), (2, 3)]),
    ("group_norm", lambda x, b: F.group_norm(x, 2, bias=b) ** 2, [(1, 4, 3), (4,)]),
    ("instance_norm", lambda x, w: F.instance_norm(x, weight=w) ** 2, [(2, 1, 3, 2), (1,)]),
    ("elu", lambda x: F.elu(x, 0.7) * x, [(3, 4)]),
    ("gelu", F.gelu, [(3, 4)]),
    ("gelu_tanh", lambda x: F.gelu(x, approximate="tanh"), [(3, 4)]),
    ("softplus_beta", lambda x: F.softplus(x, beta=2, threshold=2) * x, [(3, 4)]),
    ("getitem_cat_pad", lambda x: mg.pad(mg.concatenate([x[::-1], x[[0, 0]]], axis=0), (1, 2, -1, 1)) ** 2,
     [(3, 2)]),
    ("interpolate", lambda x: F.interpolate(x, size=(5, 3)) ** 2, [(1, 1, 3, 2)]),
]


@pytest.mark.parametrize("name,fn,shapes", CASES, ids=[c[0] for c in CASES])
def test_gradgradcheck(device, name, fn, shapes):
    arrays = [distinct(*s, seed=i) if name == "max_var" else randn(*s, seed=i) for i, s in enumerate(shapes)]
    mg.gradgradcheck(fn, tensors(device, *arrays))


def test_gradient_penalty_through_a_conv_net(device):
    """d/dθ ||∂D(x)/∂x||²: the WGAN-GP pattern, checked against finite differences."""
    nn = mg.nn
    mg.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 2, 3, 2, 1), nn.LeakyReLU(0.2), nn.Flatten(), nn.Linear(8, 1)).to(device)

    def penalty(x):
        with mg.enable_grad():  # gradcheck's finite differences run under no_grad
            (g,) = mg.grad(net(x).sum(), x, create_graph=True)
        return (g * g).sum()

    mg.gradcheck(penalty, tensors(device, randn(2, 1, 4, 4, seed=5)), params=list(net.parameters()))
