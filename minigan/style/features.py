"""Feature extractors for style transfer: networks whose activations the losses compare.

No pretrained network can be downloaded here, so the embedded default uses random weights, which
work surprisingly well for style and texture:

- :class:`RandomMultiscale` (the default): ONE layer of random filters of several sizes, ReLU, no
  pooling. Ustyuzhaninov, Brendel, Gatys & Bethge (2016, "Texture synthesis using shallow
  convolutional networks with random filters") found that such a network synthesises textures about
  as well as VGG: what matters is many filters at many scales, not learned ones.
- :class:`RandomVGG`: a VGG-like stack of 3x3 conv blocks with average pooling and random weights
  (He, Wang & Hopcroft 2016, "A powerful generative model using random weights for the deep image
  representation").
- :class:`VGG19`: the real architecture with weights from a user-supplied ``.npz`` that uses torchvision's
  parameter names (:func:`load_vgg19_weights`).

Every extractor is an ``nn.Module`` called as ``extractor(images, layers)``: ``images`` ``(N, 3, H, W)``
in ``[0, 1]`` -> ``{layer name: features (N, C_l, H_l, W_l)}``, for the names asked for only. Its
weights never train (``requires_grad`` is off), so backward computes only the gradient for the pixels.
It knows its ``layer_names`` and its default ``content_layers`` and ``style_layers``.
"""
from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np

import minigan as mg
import minigan.nn as nn
import minigan.nn.functional as F

__all__ = ["FeatureExtractor", "RandomMultiscale", "RandomVGG", "VGG19", "VGG19_CONFIG", "UnknownLayerError",
           "WeightsError", "load_vgg19_weights", "vgg_layers", "make_extractor", "EXTRACTORS", "IMAGENET_MEAN",
           "IMAGENET_STD"]

# torchvision's VGG weights expect images normalised with these (per RGB channel, pixels in [0, 1]).
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class UnknownLayerError(KeyError):
    """A layer name the extractor does not have; the message lists the valid names."""

    def __str__(self) -> str:            # KeyError would print the message in quotes
        return str(self.args[0]) if self.args else ""


def _normalize(images: mg.Tensor, mean: Sequence[float], std: Sequence[float] | None) -> mg.Tensor:
    """``(x - mean) / std`` per channel: ``(N, 3, H, W) -> (N, 3, H, W)``, on the images' device and dtype."""
    if images.ndim != 4 or images.shape[1] != 3:
        raise ValueError(f"feature extractor: expected RGB images (N, 3, H, W) in [0, 1], got shape {images.shape}")
    m = mg.tensor(np.asarray(mean, dtype=images.dtype).reshape(1, 3, 1, 1), device=images.device)
    x = images - m
    if std is not None:
        s = mg.tensor(np.asarray(std, dtype=images.dtype).reshape(1, 3, 1, 1), device=images.device)
        x = x / s
    return x


class FeatureExtractor(nn.Module):
    """The common interface: ``layer_names``, default ``content_layers``/``style_layers``, layer checks."""

    layer_names: tuple[str, ...] = ()
    content_layers: tuple[str, ...] = ()
    style_layers: tuple[str, ...] = ()

    def check_layers(self, layers: Iterable[str], role: str = "layer") -> list[str]:
        """The names as a list; an :class:`UnknownLayerError` naming the bad one and the valid ones."""
        layers = [layers] if isinstance(layers, str) else list(layers)
        for name in layers:
            if name not in self.layer_names:
                raise UnknownLayerError(f"{type(self).__name__}: unknown {role} {name!r}; valid names: "
                                        f"{', '.join(self.layer_names)}")
        if not layers:
            raise ValueError(f"{type(self).__name__}: no {role}s given")
        return layers

    def _frozen(self) -> "FeatureExtractor":
        self.requires_grad_(False)
        self.eval()
        return self


def _random_conv(rng: np.random.Generator, c_out: int, c_in: int, k: int, padding: int) -> nn.Conv2d:
    """A conv layer with N(0, 2 / fan_in) weights (He init: keeps the ReLU activations' scale from layer
    to layer) and no bias, drawn from ``rng`` so that a seed fixes the network on every device."""
    conv = nn.Conv2d(c_in, c_out, k, padding=padding, bias=False)
    w = rng.standard_normal((c_out, c_in, k, k)).astype(np.float32) * np.float32(np.sqrt(2.0 / (c_in * k * k)))
    conv.weight.data[...] = mg.backend.to_device(w, conv.weight.device)
    return conv


class RandomMultiscale(FeatureExtractor):
    """One layer of random filters of several sizes, then ReLU; no pooling, no second layer.

    ``(N, 3, H, W) -> {"k3": (N, C, H - 2, W - 2), "k5": ..., "k23": (N, C, H - 22, W - 22)}``
    (``padding="valid"``, the default) or every map ``(N, C, H, W)`` with ``padding="same"``.
    ``layer = relu(conv2d(x - mean, W_k))`` for each size ``k`` with ``C = channels`` (an int, or one per size)
    random filters ``W_k ~ N(0, 2 / (3 k²))``, all drawn from ``np.random.default_rng(seed)``.

    A layer per filter size means one Gram matrix per scale, so :func:`~minigan.style.losses.style_loss` can
    weigh the scales (with per-layer normalisation every scale counts equally). Valid padding keeps the zero
    border from imprinting a frame on the result; the large filters also cost fewer windows.
    The defaults trade quality against time on two CPU cores at 128 px (see ``benchmarks/style_quality.py``):
    the big filters capture the large structures of a texture, the small ones its edges and colours.
    """

    def __init__(self, sizes: Sequence[int] = (3, 5, 7, 11, 15, 23), channels: int | Sequence[int] = 64,
                 seed: int = 0, padding: str = "valid", content_layers: Sequence[str] = ("k3", "k5"),
                 style_layers: Sequence[str] | None = None) -> None:
        super().__init__()
        sizes = [int(k) for k in sizes]
        if not sizes or any(k < 1 for k in sizes) or len(set(sizes)) != len(sizes):
            raise ValueError(f"RandomMultiscale: sizes must be distinct positive ints, got {sizes}")
        if padding not in ("valid", "same"):
            raise ValueError(f"RandomMultiscale: padding must be 'valid' or 'same', got {padding!r}")
        counts = [int(channels)] * len(sizes) if isinstance(channels, (int, np.integer)) else [int(c) for c in channels]
        if len(counts) != len(sizes):
            raise ValueError(f"RandomMultiscale: {len(counts)} channel counts for {len(sizes)} filter sizes")
        rng = np.random.default_rng(seed)
        self.sizes, self.channels, self.seed, self.padding = tuple(sizes), tuple(counts), seed, padding
        self.layer_names = tuple(f"k{k}" for k in sizes)
        self.convs = nn.ModuleList([_random_conv(rng, c, 3, k, k // 2 if padding == "same" else 0)
                                    for k, c in zip(sizes, counts)])
        self.content_layers = tuple(n for n in content_layers if n in self.layer_names) or self.layer_names[:1]
        self.style_layers = tuple(style_layers) if style_layers is not None else self.layer_names
        self.check_layers(self.content_layers, "content layer")
        self.check_layers(self.style_layers, "style layer")
        self._frozen()

    def forward(self, images: mg.Tensor, layers: Iterable[str] | None = None) -> dict[str, mg.Tensor]:
        layers = self.check_layers(self.layer_names if layers is None else layers)
        x = _normalize(images, IMAGENET_MEAN, None)
        out = {}
        for name, conv in zip(self.layer_names, self.convs):
            if name in layers:
                if x.shape[2] < conv.kernel_size[0] or x.shape[3] < conv.kernel_size[1]:
                    raise ValueError(f"RandomMultiscale: layer {name} needs images of at least "
                                     f"{conv.kernel_size[0]}x{conv.kernel_size[1]} pixels, got {tuple(x.shape[2:])}")
                out[name] = F.relu(conv(x))
        return out

    def extra_repr(self) -> str:
        return f"sizes={self.sizes}, channels={self.channels}, seed={self.seed}, padding={self.padding!r}"


class SequentialExtractor(FeatureExtractor):
    """An extractor whose layers form one ``nn.Sequential`` called ``features`` (VGG's layout), with a
    name for every index (``conv1_1 -> 0``, ``relu1_1 -> 1``, ...). The forward pass stops at the deepest
    layer asked for and returns each named layer's output."""

    def __init__(self, layers: list[nn.Module], names: list[str], mean, std) -> None:
        super().__init__()
        self.features = nn.Sequential(*layers)
        self.layer_names = tuple(names)
        self.index = {name: i for i, name in enumerate(names)}
        self._mean, self._std = mean, std

    def forward(self, images: mg.Tensor, layers: Iterable[str] | None = None) -> dict[str, mg.Tensor]:
        layers = self.check_layers(self.layer_names if layers is None else layers)
        wanted = {self.index[name]: name for name in layers}
        x = _normalize(images, self._mean, self._std)
        out = {}
        for i, module in enumerate(self.features):
            if i > max(wanted):
                break
            x = module(x)
            if i in wanted:
                out[wanted[i]] = x
        return out


def vgg_layers(config: Sequence, pool: str = "max", seed: int | None = None) -> tuple[list[nn.Module], list[str]]:
    """VGG's ``features`` list and a name per index, from a torchvision-style config.

    ``config`` lists output channels of 3x3 convs (padding 1) and ``"M"`` for a 2x2 pooling of stride 2;
    each conv is followed by a ReLU. Names follow the Caffe/Gatys convention: block ``b`` (counted by the
    poolings) has ``conv{b}_{i}``, ``relu{b}_{i}`` and then ``pool{b}``. ``pool="avg"`` replaces max pooling
    by average pooling (Gatys et al. found it gives slightly smoother results). ``seed``: draw random He
    weights from ``np.random.default_rng(seed)``; ``None`` keeps PyTorch's default init (to be overwritten).
    """
    if pool not in ("max", "avg"):
        raise ValueError(f"vgg_layers: pool must be 'max' or 'avg', got {pool!r}")
    rng = np.random.default_rng(seed) if seed is not None else None
    layers, names = [], []
    c_in, block, conv_in_block = 3, 1, 0
    for v in config:
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2) if pool == "max" else nn.AvgPool2d(2, 2))
            names.append(f"pool{block}")
            block, conv_in_block = block + 1, 0
            continue
        conv_in_block += 1
        conv = _random_conv(rng, int(v), c_in, 3, 1) if rng is not None else nn.Conv2d(c_in, int(v), 3, padding=1)
        layers += [conv, nn.ReLU()]
        names += [f"conv{block}_{conv_in_block}", f"relu{block}_{conv_in_block}"]
        c_in = int(v)
    return layers, names


class RandomVGG(SequentialExtractor):
    """A VGG-like stack with random weights: blocks of 3x3 convs (+ ReLU) separated by 2x2 average pooling.

    ``(N, 3, H, W) -> {"relu1_1": (N, c_1, H, W), ..., "relu{b}_1": (N, c_b, H / 2^(b-1), W / 2^(b-1))}``.
    ``channels[b]`` is block ``b``'s width and ``convs_per_block[b]`` its number of convs. Weights are
    He-normal (no bias) from ``np.random.default_rng(seed)``. Average pooling keeps the random features'
    statistics smooth across scales, which He, Wang & Hopcroft (2016) found works best for random VGG;
    they also need the per-layer loss normalisation (``style_loss(..., normalize_layers=True)``), which the
    transfer loop uses by default. Layers are chosen by name (``conv2_1``, ``relu2_1``, ``pool2``, ...).
    """

    def __init__(self, channels: Sequence[int] = (32, 64, 128, 128), convs_per_block: Sequence[int] = (1, 1, 1, 1),
                 seed: int = 0, content_layers: Sequence[str] = ("relu3_1",),
                 style_layers: Sequence[str] | None = None) -> None:
        if len(channels) != len(convs_per_block):
            raise ValueError(f"RandomVGG: {len(channels)} block widths but {len(convs_per_block)} conv counts")
        config: list = []
        for b, (c, n) in enumerate(zip(channels, convs_per_block)):
            config += [int(c)] * int(n) + (["M"] if b < len(channels) - 1 else [])
        layers, names = vgg_layers(config, pool="avg", seed=seed)
        super().__init__(layers, names, IMAGENET_MEAN, None)
        self.seed = seed
        self.content_layers = tuple(content_layers)
        self.style_layers = tuple(style_layers) if style_layers is not None else \
            tuple(f"relu{b + 1}_1" for b in range(len(channels)))
        self.check_layers(self.content_layers, "content layer")
        self.check_layers(self.style_layers, "style layer")
        self._frozen()


# --------------------------------------------------------------------------- VGG-19 with real weights
#: torchvision's configuration "E" (VGG-19): 16 convs in 5 blocks, a pooling after each block.
VGG19_CONFIG = (64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M",
                512, 512, 512, 512, "M")


class WeightsError(ValueError):
    """A weights file that cannot be read, or that does not hold what the network needs."""


def _vgg_shapes(config) -> dict[str, tuple]:
    """``{"features.0.weight": (64, 3, 3, 3), "features.0.bias": (64,), ...}``: the conv parameters' names and
    shapes, as torchvision numbers them (each conv is followed by a ReLU, each "M" is one pooling)."""
    shapes, index, c_in = {}, 0, 3
    for v in config:
        if v != "M":
            shapes[f"features.{index}.weight"] = (int(v), c_in, 3, 3)
            shapes[f"features.{index}.bias"] = (int(v),)
            c_in, index = int(v), index + 1
        index += 1
    return shapes


def load_vgg19_weights(path) -> dict[str, np.ndarray]:
    """The ``features.*`` arrays of a VGG-19 ``.npz`` with torchvision's names, as float32.

    Make the file once, where torchvision is installed (it downloads the ImageNet weights), with three lines::

        import torchvision, numpy as np
        state = torchvision.models.vgg19(weights="DEFAULT").state_dict()
        np.savez("vgg19.npz", **{k: v.numpy() for k, v in state.items()})

    The names are ``features.{i}.weight`` ``(C_out, C_in, 3, 3)`` and ``features.{i}.bias`` ``(C_out,)`` for
    the conv at index ``i`` of ``features`` (0, 2, 5, 7, 10, ...); ``classifier.*`` is ignored. A missing
    file is a ``FileNotFoundError``; an unreadable one, a missing array or a wrong shape a :class:`WeightsError`
    that names the file and the array.
    """
    from pathlib import Path
    path = Path(path).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"VGG19: no weights file at {path} (make one with torchvision; see "
                                "minigan.style.features.load_vgg19_weights)")
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files if k.startswith("features.")}
    except Exception as exc:
        raise WeightsError(f"VGG19: cannot read {path} as an .npz of arrays ({type(exc).__name__}: {exc})") from None
    expected = _vgg_shapes(VGG19_CONFIG)
    missing = [k for k in expected if k not in arrays]
    if missing:
        found = ", ".join(sorted(arrays)[:4]) or "no features.* arrays"
        raise WeightsError(f"VGG19: {path} lacks {len(missing)} array(s) of torchvision's VGG-19, first {missing[0]} "
                           f"(found: {found}{', ...' if len(arrays) > 4 else ''})")
    out = {}
    for k, shape in expected.items():
        a = arrays[k]
        if tuple(a.shape) != shape or a.dtype.kind != "f":
            raise WeightsError(f"VGG19: {path}: {k} has shape {tuple(a.shape)} and dtype {a.dtype}, "
                               f"VGG-19 needs float {shape}")
        out[k] = a.astype(np.float32)
    return out


class VGG19(SequentialExtractor):
    """VGG-19 (Simonyan & Zisserman 2015) as torchvision builds its ``features``, with weights from a file.

    ``(N, 3, H, W)`` in ``[0, 1]`` -> the named layers; images are normalised with ImageNet's mean and std
    first, as the weights expect. Names map to indices of ``features``: ``conv1_1 -> 0``, ``relu1_1 -> 1``,
    ``conv1_2 -> 2``, ``relu1_2 -> 3``, ``pool1 -> 4``, ``conv2_1 -> 5``, ... ``conv5_4 -> 34``, ``pool5 -> 36``.
    So ``extractor.state_dict()`` has torchvision's names (``features.0.weight``, ...), and a torchvision
    state dict saved as ``.npz`` loads unchanged (:func:`load_vgg19_weights`).

    ``pool="avg"`` replaces the max poolings by average poolings, as Gatys et al. did. The defaults are
    Gatys's layers: content ``relu4_2``, style ``relu1_1 ... relu5_1``.
    ``weights=None`` keeps the default init (for tests and for loading a state dict yourself).
    """

    def __init__(self, weights=None, pool: str = "max", content_layers: Sequence[str] = ("relu4_2",),
                 style_layers: Sequence[str] = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")) -> None:
        layers, names = vgg_layers(VGG19_CONFIG, pool=pool)
        super().__init__(layers, names, IMAGENET_MEAN, IMAGENET_STD)
        self.pool = pool
        if weights is not None:
            arrays = load_vgg19_weights(weights)
            self.features.load_state_dict({k[len("features."):]: v for k, v in arrays.items()})
        self.content_layers = tuple(self.check_layers(content_layers, "content layer"))
        self.style_layers = tuple(self.check_layers(style_layers, "style layer"))
        self._frozen()

    def extra_repr(self) -> str:
        return f"pool={self.pool!r}"


# --------------------------------------------------------------------------- by name
EXTRACTORS = ("multiscale", "random-vgg", "vgg19:WEIGHTS.npz")


def make_extractor(spec: str = "multiscale", seed: int = 0, pool: str = "avg") -> FeatureExtractor:
    """An extractor from its command-line name: ``"multiscale"``, ``"random-vgg"`` or ``"vgg19:PATH.npz"``
    (``pool`` applies to VGG-19 only; ``seed`` to the random ones)."""
    if spec == "multiscale":
        return RandomMultiscale(seed=seed)
    if spec in ("random-vgg", "randomvgg"):
        return RandomVGG(seed=seed)
    if spec.startswith("vgg19:") and len(spec) > len("vgg19:"):
        return VGG19(spec[len("vgg19:"):], pool=pool)
    if spec == "vgg19":
        raise ValueError("features: vgg19 needs its weights file: --features vgg19:PATH.npz")
    raise ValueError(f"features: unknown extractor {spec!r}; choose one of {', '.join(EXTRACTORS)}")
