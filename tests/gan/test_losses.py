"""The GAN losses: values against the formulas, gradients against their closed forms, gradchecks."""
import numpy as np
import pytest

import minigan as mg
import minigan.nn as nn
import minigan.nn.functional as F
from minigan.gan import losses as L


def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


LOGITS = np.array([-30.0, -6.0, -1.5, -0.2, 0.0, 0.3, 1.7, 5.0, 12.0])

# d J(G) / d a for one sample, before the mean over the batch (Goodfellow 2016, sec. 3.2)
CLOSED_FORMS = {
    "minimax": lambda a: -_sigmoid(a) / 2,
    "non_saturating": lambda a: -(1 - _sigmoid(a)) / 2,
    "max_likelihood": lambda a: -np.exp(a) / 2,
}


@pytest.mark.parametrize("kind", sorted(CLOSED_FORMS))
def test_generator_loss_gradient_matches_closed_form(kind, device):
    a = mg.tensor(LOGITS[:, None], dtype=np.float64, device=device, requires_grad=True)
    (g,) = mg.grad(L.generator_loss(a, kind), a)
    n = len(LOGITS)
    np.testing.assert_allclose(g.numpy()[:, 0] * n, CLOSED_FORMS[kind](LOGITS), rtol=1e-10, atol=1e-300)


def test_generator_loss_values():
    a = mg.tensor(LOGITS[:, None], dtype=np.float64)
    d = _sigmoid(LOGITS)
    np.testing.assert_allclose(L.minimax_loss(a).item(), 0.5 * np.mean(np.log1p(-d)), rtol=1e-8)
    np.testing.assert_allclose(L.non_saturating_loss(a).item(), -0.5 * np.mean(np.log(d)), rtol=1e-8)
    np.testing.assert_allclose(L.max_likelihood_loss(a).item(), -0.5 * np.mean(np.exp(LOGITS)), rtol=1e-12)


@pytest.mark.parametrize("kind", sorted(CLOSED_FORMS))
def test_generator_loss_gradcheck(kind, device):
    a = mg.tensor(np.random.default_rng(0).normal(0, 2, (6, 1)), device=device, requires_grad=True)
    mg.gradcheck(lambda t: L.generator_loss(t, kind), [a])


def test_discriminator_loss_value_and_smoothing():
    rng = np.random.default_rng(1)
    ar, af = rng.normal(0, 3, (7, 1)), rng.normal(0, 3, (5, 1))
    for smooth in (0.0, 0.1):
        t = 1 - smooth
        want = 0.5 * np.mean(-(t * np.log(_sigmoid(ar)) + (1 - t) * np.log(1 - _sigmoid(ar)))) \
            - 0.5 * np.mean(np.log(1 - _sigmoid(af)))
        got = L.discriminator_loss(mg.tensor(ar), mg.tensor(af), smooth=smooth).item()
        np.testing.assert_allclose(got, want, rtol=1e-10)


def test_discriminator_loss_gradients_and_one_sided_smoothing(device):
    ar = mg.tensor(LOGITS[:, None], device=device, requires_grad=True)
    af = mg.tensor(LOGITS[:, None], device=device, requires_grad=True)
    gr, gf = mg.grad(L.discriminator_loss(ar, af, smooth=0.1), [ar, af])
    n = len(LOGITS)
    # real target 0.9; fakes keep target 0: the smoothing is one-sided
    np.testing.assert_allclose(gr.numpy()[:, 0], (_sigmoid(LOGITS) - 0.9) / (2 * n), rtol=1e-10, atol=1e-18)
    np.testing.assert_allclose(gf.numpy()[:, 0], _sigmoid(LOGITS) / (2 * n), rtol=1e-10, atol=1e-18)
    mg.gradcheck(lambda r, f: L.discriminator_loss(r, f, smooth=0.1), [ar[:4], af[:4]])


def test_losses_are_finite_for_extreme_logits():
    a = mg.tensor([[-1000.0], [1000.0]], requires_grad=True)   # float32
    for loss in (L.discriminator_loss(a, a), L.minimax_loss(a), L.non_saturating_loss(a), L.max_likelihood_loss(a)):
        (g,) = mg.grad(loss, a)
        assert np.isfinite(loss.item()) and np.all(np.isfinite(g.numpy()))
    # max likelihood: capped, so exp never overflows, and the capped sample gets no gradient
    (g,) = mg.grad(L.max_likelihood_loss(a), a)
    assert g.numpy()[1, 0] == 0.0


def test_unknown_loss_names_it():
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        L.generator_loss(mg.zeros(2, 1), "hinge")
    with pytest.raises(ValueError, match="smooth"):
        L.discriminator_loss(mg.zeros(2, 1), mg.zeros(2, 1), smooth=1.0)


class _TinyCritic(nn.Module):
    """A conv critic whose input gradient runs conv_transpose2d, with tanh so that the second
    derivative is not trivially zero."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 2, 3, stride=2, padding=1)
        self.c2 = nn.Conv2d(2, 1, 3)

    def forward(self, x):
        return self.c2(F.tanh(self.c1(x))).reshape(x.shape[0], 1)


def test_gradient_penalty_gradcheck(device):
    D = _TinyCritic().to(device).double()
    rng = np.random.default_rng(2)
    real = mg.tensor(rng.normal(size=(3, 1, 6, 6)), device=device)
    fake = mg.tensor(rng.normal(size=(3, 1, 6, 6)), device=device)
    eps = mg.tensor(rng.random((3, 1, 1, 1)), device=device)
    params = list(D.parameters())
    mg.gradcheck(lambda r, f: L.gradient_penalty(D, r, f, weight=10.0, eps=eps), [real, fake], params=params)
    # the penalty reaches D's parameters only through D's input gradient: every weight matters,
    # the last bias (which shifts D without changing its slope) does not
    penalty = L.gradient_penalty(D, real, fake, eps=eps)
    g1w, g1b, g2w, g2b = mg.grad(penalty, params, allow_unused=True)
    assert all(np.abs(g.numpy()).sum() > 0 for g in (g1w, g1b, g2w))
    assert g2b is None


def test_gradient_penalty_value():
    """For a linear critic D(x) = <w, x>, the input gradient is w for every sample."""
    w = np.arange(1.0, 17.0).reshape(1, 1, 4, 4) / 20
    conv = nn.Conv2d(1, 1, 4, bias=False).double()
    conv.weight.data[...] = w
    D = nn.Sequential(conv, nn.Flatten())
    x = mg.tensor(np.zeros((2, 1, 4, 4)))
    got = L.gradient_penalty(D, x, x, weight=10.0).item()
    np.testing.assert_allclose(got, 10 * (np.linalg.norm(w) - 1) ** 2, rtol=1e-10)
