"""Whole training steps agree across kernels and devices, in float32.

One two-phase DCGAN step (D on real and detached fakes, then G through a frozen D, Adam on both) and one
style-transfer step (the content, Gram-style and total-variation losses of an image, its gradient, one
Adam step on its pixels) are run twice from the same weights, data and noise:

- on the CPU with the ``fast`` kernels against the CPU with the portable ``im2col`` kernels (always);
- on the CPU against the GPU (where CuPy and a GPU are present; skipped otherwise).

The two runs must agree within float32 tolerance: the losses, every gradient, every parameter after the
update, and the updated image. Noise and data are drawn once on the host and moved, so both runs see the same numbers.
"""
import numpy as np
import pytest

import minigan as mg
from minigan import kernels
from minigan.gan.losses import discriminator_loss, non_saturating_loss
from minigan.gan.models import build_models
from minigan.style.features import RandomMultiscale
from minigan.style.transfer import StyleObjective

RTOL, ATOL = 2e-4, 2e-5

# (device, kernel implementation) pairs: the reference, then the run held against it
LEGS = [pytest.param(("cpu", "fast"), ("cpu", "im2col"), id="cpu-fast-vs-cpu-im2col"),
        pytest.param(("cpu", None), ("cuda", None), id="cpu-vs-cuda")]


def _needs(leg, request):
    if leg[0] == "cuda":
        request.getfixturevalue("cuda_device")


def _run(leg, fn):
    device, impl = leg
    if impl is None:
        return fn(device)
    with kernels.use(impl):
        return fn(device)


def _dcgan_step(device):
    """One trainer-style two-phase step on ``device``; the losses and every parameter afterwards, on the host."""
    mg.manual_seed(0)
    G, D = build_models("dcgan", 16, channels=1, width=8, nz=16)
    G.to(device), D.to(device)
    rng = np.random.default_rng(1)
    real = mg.tensor(rng.uniform(-1, 1, (5, 1, 16, 16)).astype(np.float32), device=device)
    z1, z2 = (mg.tensor(rng.standard_normal((5, 16)).astype(np.float32), device=device) for _ in range(2))
    opt_g = mg.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = mg.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    with mg.no_grad():
        fake = G(z1)
    opt_d.zero_grad()
    loss_d = discriminator_loss(D(real), D(fake), 0.1)
    loss_d.backward()
    opt_d.step()
    D.requires_grad_(False)
    opt_g.zero_grad()
    loss_g = non_saturating_loss(D(G(z2)))
    loss_g.backward()
    opt_g.step()
    D.requires_grad_(True)
    params = {f"G.{k}": v.numpy() for k, v in G.state_dict().items()}
    params.update({f"D.{k}": v.numpy() for k, v in D.state_dict().items()})
    # the gradients too (Adam's first step hardly depends on their scale): D's from phase 1, G's from phase 2
    params.update({f"grad G.{k}": p.grad.numpy() for k, p in G.named_parameters()})
    params.update({f"grad D.{k}": p.grad.numpy() for k, p in D.named_parameters()})
    return {"loss_d": loss_d.item(), "loss_g": loss_g.item()}, params


def _style_step(device):
    """The three style losses of an image, then one Adam step on its pixels; all on the host."""
    rng = np.random.default_rng(2)
    content = rng.uniform(0, 1, (1, 3, 24, 24)).astype(np.float32)
    style = rng.uniform(0, 1, (1, 3, 24, 24)).astype(np.float32)
    extractor = RandomMultiscale(seed=3).to(device)
    objective = StyleObjective(extractor, mg.tensor(content, device=device), mg.tensor(style, device=device))
    image = mg.tensor(rng.uniform(0, 1, (1, 3, 24, 24)).astype(np.float32), device=device, requires_grad=True)
    opt = mg.optim.Adam([image], lr=0.02)
    opt.zero_grad()
    terms = objective(image)
    total = terms["content"] + 1e3 * terms["style"] + 10.0 * terms["tv"]
    total.backward()
    grad = image.grad.numpy()
    opt.step()
    return {k: v.item() for k, v in terms.items()}, {"grad": grad, "image": image.detach().numpy()}


def _assert_agree(a, b):
    (losses_a, arrays_a), (losses_b, arrays_b) = a, b
    assert losses_a.keys() == losses_b.keys()
    for k in losses_a:
        np.testing.assert_allclose(losses_b[k], losses_a[k], rtol=RTOL, atol=ATOL, err_msg=k)
    assert arrays_a.keys() == arrays_b.keys()
    for k in arrays_a:
        assert arrays_b[k].dtype == arrays_a[k].dtype, k
        assert arrays_a[k].dtype != np.float64, f"{k} was upcast to float64"
        np.testing.assert_allclose(arrays_b[k], arrays_a[k], rtol=RTOL, atol=ATOL, err_msg=k)


@pytest.mark.parametrize("ref,other", LEGS)
def test_one_dcgan_step_agrees(ref, other, request):
    _needs(other, request)
    a, b = _run(ref, _dcgan_step), _run(other, _dcgan_step)
    _assert_agree(a, b)
    # the step did something: the parameters moved away from their initial values
    mg.manual_seed(0)
    G0, _ = build_models("dcgan", 16, channels=1, width=8, nz=16)
    moved = [k for k, v in G0.state_dict().items() if "running" not in k and "num_batches" not in k
             and not np.array_equal(v.numpy(), a[1][f"G.{k}"])]
    assert moved


@pytest.mark.parametrize("ref,other", LEGS)
def test_one_style_step_agrees(ref, other, request):
    _needs(other, request)
    a, b = _run(ref, _style_step), _run(other, _style_step)
    _assert_agree(a, b)
    assert np.abs(a[1]["grad"]).max() > 0
