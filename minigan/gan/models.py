"""The GAN models: a fully connected GAN, a DCGAN sized by the image, and the course's MNIST DCGAN.

Every generator maps noise ``z (N, nz) -> images (N, C, S, S)`` in ``[-1, 1]`` (tanh output); every
discriminator maps ``images (N, C, S, S) -> logits (N, 1)``. The discriminators return the *logit*
``a``, not ``D(x) = sigmoid(a)``: the losses in :mod:`minigan.gan.losses` take logits, which keeps
them finite when D is very sure (``log sigmoid(-1000)`` would be ``log 0``).

============  ==============================================================================
name          architecture
============  ==============================================================================
``fc``        G: z(100) -> 256 -> 512 -> 1024 -> C*S*S (BatchNorm, LeakyReLU 0.2, tanh);
              D: C*S*S -> 512 -> 256 -> 1 (LeakyReLU 0.2) — the course's fully connected GAN.
``dcgan``     G: a projection to ``C0 x s0 x s0`` (s0 = 4, or 7 for 28x28), then
              ConvTranspose2d(k4, s2, p1) blocks doubling the size (BatchNorm, ReLU), tanh;
              D: Conv2d(k4, s2, p1) blocks halving it (LeakyReLU 0.2, BatchNorm on all but the
              first), then one Conv2d over the last ``s0 x s0`` map giving one logit.
              Sizes 16, 28, 32, 64. Radford et al. (2015).
``course28``  the course's MNIST DCGAN: G ConvTranspose2d k3 s2 (no bias) 100 -> 256 -> 128 -> 64 -> 1,
              sizes 1 -> 3 -> 7 -> 15 -> 28 (the last with padding 2, output_padding 1);
              D Conv2d k4 s2 p1 1 -> 64 -> 128 -> 256 -> 1, sizes 28 -> 14 -> 7 -> 3 -> 1 (one logit).
============  ==============================================================================

Initialisation as in DCGAN: conv and linear weights ``N(0, 0.02)``, BatchNorm weights ``N(1, 0.02)``,
biases 0 (:func:`dcgan_init_`).
"""
from __future__ import annotations

import minigan.nn as nn
from minigan.nn import init

__all__ = ["MODELS", "DCGAN_SIZES", "build_models", "dcgan_init_", "FCGenerator", "FCDiscriminator",
           "DCGANGenerator", "DCGANDiscriminator", "Course28Generator", "Course28Discriminator"]

MODELS = ("dcgan", "fc", "course28")
DCGAN_SIZES = (16, 28, 32, 64)


def dcgan_init_(module: nn.Module) -> nn.Module:
    """DCGAN's initialisation, in place: every Linear/Conv/ConvTranspose weight ``N(0, 0.02)``,
    BatchNorm weight ``N(1, 0.02)``, every bias 0. Returns ``module``."""
    for m in module.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
            init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            init.normal_(m.weight, 1.0, 0.02)
            init.zeros_(m.bias)
    return module


def _check_z(model: nn.Module, z, nz: int) -> None:
    if z.ndim != 2 or z.shape[1] != nz:
        raise ValueError(f"{type(model).__name__}: expected noise of shape (N, {nz}), got {z.shape}")


def _check_images(model: nn.Module, x, shape: tuple[int, int, int]) -> None:
    if x.ndim != 4 or tuple(x.shape[1:]) != shape:
        raise ValueError(f"{type(model).__name__}: expected images of shape (N, {shape[0]}, {shape[1]}, "
                         f"{shape[2]}), got {x.shape}")


# --------------------------------------------------------------------------- fully connected
class FCGenerator(nn.Module):
    """``z (N, nz) -> (N, C, S, S)``: Linear 256 -> 512 -> 1024 -> C*S*S, BatchNorm + LeakyReLU 0.2
    after each hidden layer, tanh at the end."""

    def __init__(self, size: int = 28, channels: int = 1, nz: int = 100, hidden=(256, 512, 1024)) -> None:
        super().__init__()
        self.nz, self.image_shape = nz, (channels, size, size)
        layers, width = [], nz
        for h in hidden:
            layers += [nn.Linear(width, h), nn.BatchNorm1d(h), nn.LeakyReLU(0.2)]
            width = h
        layers += [nn.Linear(width, channels * size * size), nn.Tanh(), nn.Unflatten(1, self.image_shape)]
        self.net = nn.Sequential(*layers)

    def forward(self, z):
        _check_z(self, z, self.nz)
        return self.net(z)


class FCDiscriminator(nn.Module):
    """``(N, C, S, S) -> (N, 1)`` logits: Flatten, Linear C*S*S -> 512 -> 256 -> 1, LeakyReLU 0.2."""

    def __init__(self, size: int = 28, channels: int = 1, hidden=(512, 256)) -> None:
        super().__init__()
        self.image_shape = (channels, size, size)
        layers, width = [nn.Flatten()], channels * size * size
        for h in hidden:
            layers += [nn.Linear(width, h), nn.LeakyReLU(0.2)]
            width = h
        layers.append(nn.Linear(width, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        _check_images(self, x, self.image_shape)
        return self.net(x)


# --------------------------------------------------------------------------- DCGAN
def _dcgan_plan(size: int) -> tuple[int, int]:
    """``(s0, n)``: the smallest map's side and how many times it doubles to reach ``size``."""
    if size not in DCGAN_SIZES:
        raise ValueError(f"dcgan: image size must be one of {DCGAN_SIZES}, got {size}")
    s0 = 7 if size == 28 else 4
    n, s = 0, s0
    while s < size:
        s, n = s * 2, n + 1
    return s0, n


class DCGANGenerator(nn.Module):
    """``z (N, nz) -> (N, C, S, S)``.

    ``z`` is read as a 1x1 map and projected to ``(ngf * 2^(n-1)) x s0 x s0`` by a
    ConvTranspose2d with kernel ``s0`` (a fully connected layer written as a deconvolution), then
    each ConvTranspose2d(k4, s2, p1) doubles the side, ``H_out = (H - 1)*2 - 2 + 4 = 2H``, and halves
    the channels; BatchNorm + ReLU after every layer but the last, which has tanh.
    """

    def __init__(self, size: int = 16, channels: int = 1, nz: int = 100, ngf: int = 32) -> None:
        super().__init__()
        s0, n = _dcgan_plan(size)
        self.nz, self.image_shape = nz, (channels, size, size)
        width = ngf * 2 ** (n - 1)
        layers = [nn.ConvTranspose2d(nz, width, s0, 1, 0, bias=False), nn.BatchNorm2d(width), nn.ReLU()]
        for i in range(n - 1):
            layers += [nn.ConvTranspose2d(width, width // 2, 4, 2, 1, bias=False), nn.BatchNorm2d(width // 2),
                       nn.ReLU()]
            width //= 2
        layers += [nn.ConvTranspose2d(width, channels, 4, 2, 1), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        dcgan_init_(self)

    def forward(self, z):
        _check_z(self, z, self.nz)
        return self.net(z.reshape(z.shape[0], self.nz, 1, 1))


class DCGANDiscriminator(nn.Module):
    """``(N, C, S, S) -> (N, 1)`` logits.

    Conv2d(k4, s2, p1) blocks halve the side, ``H_out = floor((H + 2 - 4)/2) + 1 = H/2``, down to
    ``s0 x s0``, doubling the channels from ``ndf``; LeakyReLU 0.2 after each, BatchNorm on all but
    the first (``norm=False`` drops it everywhere, as WGAN-GP wants: its penalty is per sample, and
    batch statistics mix the samples). A last Conv2d with kernel ``s0`` gives one logit.
    """

    def __init__(self, size: int = 16, channels: int = 1, ndf: int = 32, norm: bool = True) -> None:
        super().__init__()
        s0, n = _dcgan_plan(size)
        self.image_shape = (channels, size, size)
        layers, width, c_in = [], ndf, channels
        for i in range(n):
            layers.append(nn.Conv2d(c_in, width, 4, 2, 1, bias=not (norm and i > 0)))
            if norm and i > 0:
                layers.append(nn.BatchNorm2d(width))
            layers.append(nn.LeakyReLU(0.2))
            c_in, width = width, width * 2
        layers += [nn.Conv2d(c_in, 1, s0, 1, 0), nn.Flatten()]
        self.net = nn.Sequential(*layers)
        dcgan_init_(self)

    def forward(self, x):
        _check_images(self, x, self.image_shape)
        return self.net(x)


# --------------------------------------------------------------------------- the course's MNIST DCGAN
class Course28Generator(nn.Module):
    """The course notebook's generator: ``z (N, 100) -> (N, 1, 28, 28)``.

    ConvTranspose2d with kernel 3, stride 2, no bias: 1 -> 3 -> 7 -> 15 -> 28, since
    ``H_out = (H - 1)*2 - 2p + 3 + output_padding``: 1 -> 3, 3 -> 7, 7 -> 15 (p = 0), and
    15 -> (15 - 1)*2 - 2*2 + 3 + 1 = 28 (p = 2, output_padding = 1). Channels 100 -> 256 -> 128 -> 64 -> 1.
    """

    def __init__(self, channels: int = 1, nz: int = 100) -> None:
        super().__init__()
        self.nz, self.image_shape = nz, (channels, 28, 28)
        layers, c_in = [], nz
        for c in (256, 128, 64):
            layers += [nn.ConvTranspose2d(c_in, c, 3, 2, 0, bias=False), nn.BatchNorm2d(c), nn.ReLU()]
            c_in = c
        layers += [nn.ConvTranspose2d(c_in, channels, 3, 2, padding=2, output_padding=1, bias=False), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        dcgan_init_(self)

    def forward(self, z):
        _check_z(self, z, self.nz)
        return self.net(z.reshape(z.shape[0], self.nz, 1, 1))


class Course28Discriminator(nn.Module):
    """The course notebook's discriminator: Conv2d k4 s2 p1 1 -> 64 -> 128 -> 256 -> 1, sizes
    28 -> 14 -> 7 -> 3 -> 1 (the last layer, 256 -> 1, is k4 s2 p1 too: floor((3 + 2 - 4)/2) + 1 = 1),
    then one logit. LeakyReLU 0.2 after the three hidden layers, BatchNorm on all of them but the first."""

    def __init__(self, channels: int = 1, norm: bool = True) -> None:
        super().__init__()
        self.image_shape = (channels, 28, 28)
        layers, c_in = [], channels
        for i, c in enumerate((64, 128, 256)):
            layers.append(nn.Conv2d(c_in, c, 4, 2, 1, bias=not (norm and i > 0)))
            if norm and i > 0:
                layers.append(nn.BatchNorm2d(c))
            layers.append(nn.LeakyReLU(0.2))
            c_in = c
        layers += [nn.Conv2d(c_in, 1, 4, 2, 1), nn.Flatten()]
        self.net = nn.Sequential(*layers)
        dcgan_init_(self)

    def forward(self, x):
        _check_images(self, x, self.image_shape)
        return self.net(x)


# --------------------------------------------------------------------------- by name
def build_models(model: str = "dcgan", size: int = 16, channels: int = 1, nz: int = 100, width: int = 32,
                 d_norm: bool = True) -> tuple[nn.Module, nn.Module]:
    """``(G, D)`` for ``model`` in :data:`MODELS`, for ``channels x size x size`` images.

    ``width`` is DCGAN's ``ngf = ndf`` (the channels next to the image); ``d_norm=False`` builds D
    without BatchNorm (for WGAN-GP). The fully connected GAN takes any size; ``course28`` only 28.
    """
    if model == "fc":
        G, D = FCGenerator(size, channels, nz), FCDiscriminator(size, channels)
        return dcgan_init_(G), dcgan_init_(D)
    if model == "dcgan":
        return DCGANGenerator(size, channels, nz, width), DCGANDiscriminator(size, channels, width, d_norm)
    if model == "course28":
        if size != 28:
            raise ValueError(f"course28: the course's MNIST DCGAN makes 28x28 images, got --size {size}")
        return Course28Generator(channels, nz), Course28Discriminator(channels, d_norm)
    raise ValueError(f"unknown GAN model {model!r}; choose one of {', '.join(MODELS)}")
