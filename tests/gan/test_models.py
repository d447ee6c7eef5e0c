"""GAN models: output shapes for every size, the course's 1->3->7->15->28 generator, DCGAN init."""
import numpy as np
import pytest

import minigan as mg
import minigan.nn as nn
from minigan.gan.models import DCGAN_SIZES, build_models


@pytest.mark.parametrize("size", DCGAN_SIZES)
def test_dcgan_shapes(size, device):
    G, D = build_models("dcgan", size, channels=3, nz=10, width=4)
    G.to(device), D.to(device)
    x = G(mg.randn(2, 10, device=device))
    assert x.shape == (2, 3, size, size)
    assert float(np.abs(x.numpy()).max()) <= 1.0      # tanh output
    assert D(x).shape == (2, 1)


def test_dcgan_blocks_are_k4_s2_p1():
    G, D = build_models("dcgan", 32, width=8)
    ups = [m for m in G.modules() if isinstance(m, nn.ConvTranspose2d)][1:]
    downs = [m for m in D.modules() if isinstance(m, nn.Conv2d)][:-1]
    assert len(ups) == len(downs) == 3                 # 4 -> 8 -> 16 -> 32 and back
    for m in ups + downs:
        assert (m.kernel_size, m.stride, m.padding) == ((4, 4), (2, 2), (1, 1))
    # BatchNorm in D on all blocks but the first (none on the input layer)
    seq = list(D.net)
    assert not isinstance(seq[1], nn.BatchNorm2d)
    assert sum(isinstance(m, nn.BatchNorm2d) for m in seq) == 2


def test_course28_generator_sizes():
    G, D = build_models("course28", 28)
    h = mg.randn(2, 100).reshape(2, 100, 1, 1)
    sides = [1]
    for m in G.net:
        h = m(h)
        if isinstance(m, nn.ConvTranspose2d):
            assert m.kernel_size == (3, 3) and m.bias is None
            sides.append(h.shape[-1])
    assert sides == [1, 3, 7, 15, 28]
    assert [m.out_channels for m in G.modules() if isinstance(m, nn.ConvTranspose2d)] == [256, 128, 64, 1]
    assert D(h).shape == (2, 1)


def test_course28_discriminator_is_k4_s2_p1_to_one_logit():
    _, D = build_models("course28", 28)
    h, sides = mg.randn(2, 1, 28, 28), [28]
    for m in D.net:
        h = m(h)
        if isinstance(m, nn.Conv2d):
            assert (m.kernel_size, m.stride, m.padding) == ((4, 4), (2, 2), (1, 1))
            sides.append(h.shape[-1])
    assert sides == [28, 14, 7, 3, 1]
    assert [m.out_channels for m in D.modules() if isinstance(m, nn.Conv2d)] == [64, 128, 256, 1]
    assert h.shape == (2, 1)
    # 1*64*16 + 64 (bias) | 64*128*16 + 2*128 (BatchNorm) | 128*256*16 + 2*256 | 256*16 + 1
    assert sum(p.numel() for p in D.parameters()) == 1088 + 131328 + 524800 + 4097


def test_fc_gan_layers():
    G, D = build_models("fc", 28)
    widths = [m.out_features for m in G.modules() if isinstance(m, nn.Linear)]
    assert widths == [256, 512, 1024, 784]
    assert [m.out_features for m in D.modules() if isinstance(m, nn.Linear)] == [512, 256, 1]
    assert G(mg.randn(3, 100)).shape == (3, 1, 28, 28)


def test_dcgan_init():
    mg.manual_seed(1)
    G, D = build_models("dcgan", 64, width=16)
    w = np.concatenate([m.weight.numpy().ravel() for m in G.modules() if isinstance(m, nn.ConvTranspose2d)])
    assert abs(w.std() - 0.02) < 0.001 and abs(w.mean()) < 0.001
    bn = np.concatenate([m.weight.numpy() for m in D.modules() if isinstance(m, nn.BatchNorm2d)])
    assert abs(bn.mean() - 1) < 0.01 and 0.01 < bn.std() < 0.03


def test_bad_model_and_size_are_named():
    with pytest.raises(ValueError, match="one of .16, 28, 32, 64.* got 20"):
        build_models("dcgan", 20)
    with pytest.raises(ValueError, match="unknown GAN model 'vae'"):
        build_models("vae", 16)
    with pytest.raises(ValueError, match="28x28"):
        build_models("course28", 16)
    G, D = build_models("dcgan", 16, width=4)
    with pytest.raises(ValueError, match=r"expected noise of shape \(N, 100\)"):
        G(mg.randn(2, 50))
