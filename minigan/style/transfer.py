"""The style-transfer loop: optimise the pixels of an image so that its features match a content image's
and its Gram matrices match a style image's (Gatys, Ecker & Bethge 2016).

::

    x = content image (or noise, or a blend)
    repeat:   L(x) = a * L_content(x) + b * L_style(x) + c * L_tv(x)
              x    = x - step(dL/dx)            (L-BFGS by default, or Adam)
              x    = clamp(x, 0, 1)             (pixels stay in the valid range)

Nothing is trained but the image: the network's weights are fixed (random ones, by default) and the
gradient flows back through them into the pixels. Texture synthesis is the same loop without a content
image, started from noise (:func:`synthesize_texture`).
"""
from __future__ import annotations

from typing import NamedTuple, Sequence

import numpy as np

import minigan as mg
from minigan.progress import progress

from .features import FeatureExtractor, RandomMultiscale
from .losses import content_loss, gram_matrix, style_loss, total_variation_loss

__all__ = ["StyleObjective", "TransferResult", "style_transfer", "synthesize_texture", "INITS", "OPTIMIZERS",
           "TRANSFER_DEFAULTS", "TEXTURE_DEFAULTS"]

INITS = ("content", "noise", "blend")
OPTIMIZERS = ("lbfgs", "adam")
LBFGS_ITERATIONS_PER_CLAMP = 10   # L-BFGS iterations between two clamps of the pixels

# The defaults of `minigan style`, measured by benchmarks/style_quality.py at 128 px with RandomMultiscale:
# they meet its quality targets within its time budget on two CPU cores.
TRANSFER_DEFAULTS = {"steps": 150, "style_weight": 0.5, "tv_weight": 3.0}
TEXTURE_DEFAULTS = {"steps": 200, "style_weight": 1.0, "tv_weight": 0.0}


class TransferResult(NamedTuple):
    """What :func:`style_transfer` returns: ``image, history = result``."""
    image: np.ndarray                 #: the result, float32 ``(1, 3, H, W)`` in ``[0, 1]`` (on the host)
    history: dict                     #: ``{"content": [...], "style": [...], "tv": [...], "total": [...]}``


def _as_image(image, device: str, what: str) -> mg.Tensor:
    """An image batch ``(1, 3, H, W)`` in ``[0, 1]`` as a float32 Tensor on ``device`` (no gradient)."""
    data = image.data if isinstance(image, mg.Tensor) else np.asarray(image) if not mg.backend.is_array(image) \
        else image
    if data.ndim == 3:
        data = data[None]
    if data.ndim != 4 or data.shape[:2] != (1, 3):
        raise ValueError(f"style_transfer: the {what} image must be (1, 3, H, W) or (3, H, W) in [0, 1], "
                         f"got shape {tuple(data.shape)}")
    data = mg.backend.to_device(data, device)
    return mg.tensor(data.astype(np.float32, copy=False), device=device)


class StyleObjective:
    """The three loss terms of an image against fixed targets, each unweighted.

    ``objective(x)`` with ``x`` ``(1, 3, H, W)`` -> ``{"content": (), "style": (), "tv": ()}`` (``content`` only
    when a content image was given). The targets (the content image's features, the style image's Gram
    matrices) are computed once, here.

    With ``normalize_layers=True`` (the default) each layer's term is a relative error: the content term is
    ``mean((F - P)^2) / mean(P^2)`` and each style layer's is ``||G - A||² / ||A||²`` (see
    :func:`~minigan.style.losses.style_loss`). All terms then start near 1 whatever the network, so one set
    of weights serves every extractor, and no layer dominates.
    """

    def __init__(self, extractor: FeatureExtractor, content: mg.Tensor | None, style: mg.Tensor,
                 content_layers: Sequence[str] | None = None, style_layers: Sequence[str] | None = None,
                 style_layer_weights=None, gram_normalize: str = "chw", normalize_layers: bool = True,
                 tv_form: str = "squared", tv_beta: float = 2.5) -> None:
        self.extractor = extractor
        self.content_layers = extractor.check_layers(content_layers or extractor.content_layers, "content layer")
        self.style_layers = extractor.check_layers(style_layers or extractor.style_layers, "style layer")
        self.style_layer_weights = style_layer_weights
        self.gram_normalize, self.normalize_layers = gram_normalize, normalize_layers
        self.tv_form, self.tv_beta = tv_form, tv_beta
        with mg.no_grad():
            self.target_grams = {name: gram_matrix(f, gram_normalize)
                                 for name, f in extractor(style, self.style_layers).items()}
            self.target_features = None if content is None else extractor(content, self.content_layers)
        # mean(P^2) per content layer: the content term's scale, so that it is a relative error
        self._content_scale = {} if content is None else \
            {name: max(float((f.data * f.data).mean()), 1e-30) for name, f in self.target_features.items()}
        self.layers = list(dict.fromkeys(self.style_layers + (self.content_layers if content is not None else [])))

    def __call__(self, image: mg.Tensor) -> dict[str, mg.Tensor]:
        features = self.extractor(image, self.layers)
        terms = {}
        if self.target_features is not None:
            total = None
            for name in self.content_layers:
                target = self.target_features[name]
                term = content_loss(features[name], target)
                if self.normalize_layers:
                    term = term * (1.0 / self._content_scale[name])
                total = term if total is None else total + term
            terms["content"] = total * (1.0 / len(self.content_layers))
        terms["style"] = style_loss(features, self.target_grams, self.style_layer_weights, self.gram_normalize,
                                    normalize_layers=self.normalize_layers)
        terms["tv"] = total_variation_loss(image, self.tv_form, self.tv_beta)
        return terms

    def content_error(self, image) -> float:
        """The relative error of the content features, ``||F - P|| / ||P||`` over all content layers (0 is a
        perfect copy of the content image's features)."""
        if self.target_features is None:
            raise ValueError("StyleObjective.content_error: there is no content image (texture synthesis)")
        x = _as_image(image, self.target_features[self.content_layers[0]].device, "result")
        with mg.no_grad():
            features = self.extractor(x, self.content_layers)
        num = sum(float(((features[n].data - self.target_features[n].data) ** 2).sum()) for n in self.content_layers)
        den = sum(float((self.target_features[n].data ** 2).sum()) for n in self.content_layers)
        return float(np.sqrt(num / max(den, 1e-30)))


def _initial_image(init: str, content: mg.Tensor | None, shape, blend: float, seed: int, device: str):
    """The starting pixels ``(1, 3, H, W)``: the content image, uniform noise in [0, 1], or
    ``(1 - blend) * content + blend * noise``."""
    if init not in INITS:
        raise ValueError(f"style_transfer: init must be one of {INITS}, got {init!r}")
    if init != "noise" and content is None:
        raise ValueError(f"style_transfer: init={init!r} needs a content image; texture synthesis starts from noise")
    noise = np.random.default_rng(seed).random(shape, dtype=np.float32)
    if init == "noise":
        start = noise
    elif init == "content":
        start = mg.backend.to_numpy(content.data)
    else:
        if not 0.0 <= blend <= 1.0:
            raise ValueError(f"style_transfer: blend must be in [0, 1], got {blend}")
        start = (1 - blend) * mg.backend.to_numpy(content.data) + np.float32(blend) * noise
    data = mg.backend.to_device(np.ascontiguousarray(start, dtype=np.float32), device)
    return mg.tensor(data, requires_grad=True, device=device)


def _clamp_(x: mg.Tensor) -> None:
    """Clip the pixels to [0, 1] in place (outside autograd, like PyTorch's ``x.data.clamp_(0, 1)``)."""
    xp = mg.backend.xp_of(x.data)
    xp.clip(x.data, 0.0, 1.0, out=x.data)
    x._bump_version()


def style_transfer(content, style, extractor: FeatureExtractor | None = None, *,
                   steps: int = TRANSFER_DEFAULTS["steps"], optimizer: str = "lbfgs", lr: float | None = None,
                   content_weight: float = 1.0, style_weight: float = TRANSFER_DEFAULTS["style_weight"],
                   tv_weight: float = TRANSFER_DEFAULTS["tv_weight"], init: str = "content", blend: float = 0.5,
                   content_layers: Sequence[str] | None = None, style_layers: Sequence[str] | None = None,
                   style_layer_weights=None, output_size=None, device: str = "cpu", seed: int = 0,
                   quiet: bool = False, **objective_kwargs) -> TransferResult:
    """Make an image with the content of ``content`` and the style of ``style``.

    ``content``, ``style``: images ``(1, 3, H, W)`` (or ``(3, H, W)``) in ``[0, 1]``, arrays or Tensors, e.g.
    from ``minigan.data.load_image(name, size)``; ``content=None`` synthesises a texture (style only) of
    ``output_size`` (default: the style image's size).

    Minimises ``content_weight * L_content + style_weight * L_style + tv_weight * L_tv`` over the pixels (see
    :class:`StyleObjective` for the terms; ``**objective_kwargs`` go to it: ``gram_normalize``,
    ``normalize_layers``, ``tv_form``, ``tv_beta``).

    - ``extractor``: a :mod:`~minigan.style.features` network (default :class:`RandomMultiscale`), moved to
      ``device``; ``content_layers``/``style_layers`` override its defaults, ``style_layer_weights`` weighs
      the style layers (a dict by name or a list; default equal).
    - ``steps``: the number of loss-and-gradient evaluations (closure calls), the cost of the run for both
      optimizers: one per Adam step; L-BFGS spends one per iteration plus its line-search trials.
    - ``optimizer="lbfgs"`` (strong-Wolfe line search, ``lr`` 1 by default) or ``"adam"`` (``lr`` 0.02).
      Pixels are clamped to ``[0, 1]`` after every Adam step and every few L-BFGS iterations.
    - ``init``: ``"content"`` (the default with a content image), ``"noise"`` (uniform in [0, 1], seeded) or
      ``"blend"`` (``(1 - blend) * content + blend * noise``).
    - ``quiet``: no progress bar (it shows the three weighted losses).

    Returns ``TransferResult(image, history)``: the image as a host float32 array ``(1, 3, H, W)``, and the
    weighted loss terms at every evaluation.
    """
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"style_transfer: optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
    if steps < 1:
        raise ValueError(f"style_transfer: steps must be >= 1, got {steps}")
    device = mg.backend.normalize_device(device)
    extractor = (extractor if extractor is not None else RandomMultiscale()).to(device)
    style_t = _as_image(style, device, "style")
    content_t = None if content is None else _as_image(content, device, "content")
    if content_t is None:
        init = "noise" if init == "content" else init
        size = output_size if output_size is not None else style_t.shape[2:]
        shape = (1, 3) + ((int(size), int(size)) if np.ndim(size) == 0 else tuple(int(s) for s in size))
    else:
        shape = content_t.shape
    objective = StyleObjective(extractor, content_t, style_t, content_layers, style_layers, style_layer_weights,
                               **objective_kwargs)
    weights = {"content": float(content_weight), "style": float(style_weight), "tv": float(tv_weight)}
    x = _initial_image(init, content_t, shape, blend, seed, device)

    history = {name: [] for name in ("content", "style", "tv", "total") if name != "content" or content_t is not None}
    bar = progress(steps, desc="style" if content_t is not None else "texture", quiet=quiet)
    evals = [0]

    def closure():
        opt.zero_grad()
        terms = objective(x)
        total = None
        for name, term in terms.items():
            weighted = term * weights[name]
            history[name].append(float(weighted.item()))
            total = weighted if total is None else total + weighted
        total.backward()
        history["total"].append(float(total.item()))
        evals[0] += 1
        bar.update(1)
        bar.set_losses(**{name: history[name][-1] for name in terms})
        return total

    with bar:
        if optimizer == "adam":
            opt = mg.optim.Adam([x], lr=0.02 if lr is None else lr)
            for _ in range(steps):
                closure()
                opt.step()
                _clamp_(x)
        else:
            # Tolerances 0: the loss scale depends on the weights, so stop on the budget, or when a call
            # makes no progress (the direction is no longer a descent direction).
            opt = mg.optim.LBFGS([x], lr=1.0 if lr is None else lr, max_iter=LBFGS_ITERATIONS_PER_CLAMP,
                                 history_size=50, line_search_fn="strong_wolfe", tolerance_grad=0.0,
                                 tolerance_change=0.0)
            while evals[0] < steps:
                before = evals[0]
                opt.param_groups[0]["max_eval"] = steps - evals[0]
                opt.step(closure)
                _clamp_(x)
                if evals[0] - before <= 1:
                    break
    return TransferResult(mg.backend.to_numpy(x.data).astype(np.float32, copy=False), history)


def synthesize_texture(style, extractor: FeatureExtractor | None = None, *, output_size=None,
                       steps: int = TEXTURE_DEFAULTS["steps"], **kwargs) -> TransferResult:
    """Texture synthesis: :func:`style_transfer` with no content image, started from noise. The result
    has the style image's Gram matrices (its texture) at ``output_size`` (default: the style's size)."""
    kwargs.setdefault("tv_weight", TEXTURE_DEFAULTS["tv_weight"])
    kwargs.setdefault("style_weight", TEXTURE_DEFAULTS["style_weight"])
    return style_transfer(None, style, extractor, output_size=output_size, steps=steps, **kwargs)
